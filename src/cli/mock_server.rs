//! `visit-rating mock-server`: the stand-in server as a command.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use super::Exit;
use super::args::MockServerArgs;
use crate::api::error_chain;
use crate::mock_server::{self, CONTROL_KEY_ENV, CONTROL_KEY_HEADER, Faults, MockOptions};
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

impl From<MockServerArgs> for MockServerRequest {
    fn from(args: MockServerArgs) -> MockServerRequest {
        MockServerRequest {
            addr: args.addr,
            options: MockOptions {
                tokens: args.tokens,
                expired_token: args.expired_token,
                bad_signature_token: args.bad_signature_token,
                faults: Faults {
                    latency_ms: args.latency_ms,
                    fail_rate: args.fail_rate,
                    html_errors: args.html_errors,
                    drop_rate: args.drop_rate,
                    ok_with_error: args.ok_with_error,
                    gateway_refusal: args.gateway_refusal,
                },
                seed: args.seed,
                // From VISIT_RATING_MOCK_KEY or random: `mock_server` decides.
                control_key: None,
                control_key_hint: None,
            },
            expose_control: args.expose_control,
        }
    }
}

/// The control key from [`CONTROL_KEY_ENV`], if set: `Err` with the reason when it is
/// not one (too short, spaces, not ASCII).
fn key_from_environment() -> Result<Option<String>, String> {
    let Some(value) = std::env::var_os(CONTROL_KEY_ENV) else {
        return Ok(None);
    };
    let key = value
        .into_string()
        .map_err(|_| format!("{CONTROL_KEY_ENV} is not valid text"))?;
    mock_server::check_control_key(&key).map_err(|why| format!("{CONTROL_KEY_ENV}: {why}"))?;
    Ok(Some(key))
}

/// Where a random key is written for the tester's own tools: `<data>/mock-server-PORT.key`,
/// `0600` (the data folder is the user's alone).
fn key_file(port: u16) -> Option<PathBuf> {
    crate::config::Folders::platform()
        .ok()
        .map(|folders| folders.data_dir.join(format!("mock-server-{port}.key")))
}

/// Write `key` to `path`, readable by this user only.
fn write_key_file(path: &std::path::Path, key: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        crate::private_fs::create_dir(dir)?;
    }
    crate::private_fs::write(path, format!("{key}\n").as_bytes())
}

/// `visit-rating mock-server`: serve until Ctrl+C. Prints the address on the first line,
/// then the tokens, the faults, and how to reach the control endpoints: with
/// [`CONTROL_KEY_ENV`] unset a random key, printed and written to a `0600` file in the
/// data folder (removed again at a clean stop); with it set, that key (never printed).
/// A key in that variable that is too weak is refused (exit 2) before anything listens.
pub fn mock_server(request: MockServerRequest) -> Exit {
    let given_key = match key_from_environment() {
        Ok(key) => key,
        Err(why) => {
            crate::err!("visit-rating mock-server: {why}");
            return Exit::Invalid;
        }
    };
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
                    ", and --expose-control lets them read the accepted ratings, remarks included, at /__mock/* (with the control key)"
                } else {
                    "; its /__mock/* endpoints (which show remarks) answer only this machine (--expose-control to change that)"
                }
            );
        }
        let mut options = request.options;
        let from_environment = given_key.is_some();
        let (key, written) = if let Some(key) = given_key {
            (key, None)
        } else {
            let key = match mock_server::random_control_key() {
                Ok(key) => key,
                Err(e) => {
                    crate::err!("cannot make a control key: {e}");
                    return Exit::Failure;
                }
            };
            let written = key_file(addr.port()).and_then(|path| match write_key_file(&path, &key) {
                Ok(()) => Some(path),
                Err(e) => {
                    crate::err!(
                        "warning: cannot write the control key to {}: {e}",
                        path.display()
                    );
                    None
                }
            });
            (key, written)
        };
        // What the start's output says in place of the key, and what a refusal says of
        // where to find it.
        let (shown, hint) = if from_environment {
            (
                format!("<the value of {CONTROL_KEY_ENV}>"),
                format!("the value of {CONTROL_KEY_ENV} it was started with"),
            )
        } else {
            match &written {
                Some(path) => (
                    format!("{key} (also in {}, readable by you only)", path.display()),
                    format!("printed when it started, and in {}", path.display()),
                ),
                None => (key.clone(), "printed when it started".to_owned()),
            }
        };
        options.control_key = Some(key);
        options.control_key_hint = Some(hint);
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
            let _ = writeln!(
                out,
                "accepted ratings (remarks included): GET http://{addr}/__mock/ratings with the header {CONTROL_KEY_HEADER}: {shown}"
            );
            let _ = out.flush();
        }
        let state = match mock_server::MockState::new(options) {
            Ok(state) => state,
            Err(e) => {
                crate::err!("cannot start the server: {e}");
                return Exit::Failure;
            }
        };
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let served = mock_server::serve(listener, state, request.expose_control, shutdown).await;
        if let Some(path) = &written {
            let _ = std::fs::remove_file(path);
        }
        match served {
            Ok(()) => Exit::Ok,
            Err(e) => {
                crate::err!("the server stopped: {}", error_chain(&e));
                Exit::Failure
            }
        }
    })
}
