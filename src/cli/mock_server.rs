//! `visit-rating mock-server`: the stand-in server as a command.

use std::io::Write;
use std::net::SocketAddr;

use super::Exit;
use crate::api::error_chain;
use crate::mock_server::{self, Faults, MockOptions};
/// What `mock-server` was asked to do.
#[derive(Clone, Debug)]
pub struct MockServerRequest {
    /// `--addr`.
    pub addr: SocketAddr,
    /// The server's behaviour.
    pub options: MockOptions,
    /// `--expose-control`: answer `/__mock/*` to other machines too.
    pub expose_control: bool,
}

/// `visit-rating mock-server`: serve until Ctrl+C. Prints the address on the first line.
pub fn mock_server(request: MockServerRequest) -> Exit {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("mock-server-worker")
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            crate::err!("cannot start the server: {e}");
            return Exit::Failure;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(request.addr).await {
            Ok(listener) => listener,
            Err(e) => {
                crate::err!("cannot listen on {}: {}", request.addr, error_chain(&e));
                return Exit::Failure;
            }
        };
        let addr = listener.local_addr().unwrap_or(request.addr);
        if !addr.ip().to_canonical().is_loopback() {
            crate::err!(
                "warning: listening on {addr}, not a loopback address: other machines can reach the stand-in server{}",
                if request.expose_control {
                    ", and --expose-control lets them read the accepted ratings, remarks included, at /__mock/*"
                } else {
                    "; its /__mock/* endpoints (which show remarks) answer only this machine (--expose-control to change that)"
                }
            );
        }
        let options = request.options;
        let tokens = if options.tokens.is_empty() {
            vec![mock_server::DEMO_TOKEN.to_owned()]
        } else {
            options.tokens.clone()
        };
        {
            let mut out = super::report::stdout();
            let _ = writeln!(out, "listening on http://{addr}");
            let _ = writeln!(
                out,
                "accepted tokens: {}; expired (5007): {}; bad signature (5009): {}; any other: 5008",
                tokens.join(", "),
                options.expired_token,
                options.bad_signature_token
            );
            let Faults {
                latency_ms,
                fail_rate,
                html_errors,
                drop_rate,
                ok_with_error,
                gateway_refusal,
            } = &options.faults;
            let _ = writeln!(
                out,
                "faults: latency {latency_ms} ms, 503 share {fail_rate}, HTML errors {html_errors}, dropped share {drop_rate}, 200 carrying the error model {}, gateway refusal {}",
                ok_with_error.as_deref().unwrap_or("off"),
                gateway_refusal.map_or_else(|| "off".to_owned(), |s| s.to_string()),
            );
            let _ = writeln!(out, "accepted ratings: GET http://{addr}/__mock/ratings");
            let _ = out.flush();
        }
        let state = mock_server::MockState::new(options);
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match mock_server::serve(listener, state, request.expose_control, shutdown).await {
            Ok(()) => Exit::Ok,
            Err(e) => {
                crate::err!("the server stopped: {}", error_chain(&e));
                Exit::Failure
            }
        }
    })
}
