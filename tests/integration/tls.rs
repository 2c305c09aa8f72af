//! Real TLS: the stand-in server behind rustls with a certificate from a CA made in the
//! test, as a clinic's server with a national CA that the system store lacks.

use std::net::SocketAddr;
use std::sync::Arc;

use predicates::prelude::*;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use visit_rating::mock_server::{MockOptions, MockState, router};

use crate::support::UserEnv;

const TOKEN: &str = "tls-token-91c2";

/// The stand-in server behind TLS, its certificate issued for one host name by a CA
/// made here (also used by `proxy.rs`, behind a test proxy's tunnel).
pub(crate) struct TlsServer {
    /// `https://HOST:PORT`.
    pub(crate) url: String,
    /// Where it listens (on loopback).
    pub(crate) addr: SocketAddr,
    pub(crate) state: Arc<MockState>,
    /// The CA's certificate (PEM), for a `ca_file`.
    pub(crate) ca_pem: String,
    handle: axum_server::Handle<SocketAddr>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TlsServer {
    /// For `localhost`.
    fn start() -> TlsServer {
        TlsServer::start_for("localhost")
    }

    /// With a certificate for `host`, listening on a free loopback port.
    pub(crate) fn start_for(host: &str) -> TlsServer {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Test Regional CA");
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec![host.to_owned()])
            .unwrap()
            .signed_by(&leaf_key, &ca)
            .unwrap();

        let state = MockState::new(MockOptions {
            tokens: vec![TOKEN.to_owned()],
            ..MockOptions::default()
        })
        .unwrap();
        let app = router(Arc::clone(&state));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = axum_server::Handle::new();
        let server_handle = handle.clone();
        let (cert_pem, key_pem) = (leaf.pem(), leaf_key.serialize_pem());
        let thread = std::thread::Builder::new()
            .name("tls-test-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Runtime::new().unwrap();
                runtime.block_on(async move {
                    let config = axum_server::tls_rustls::RustlsConfig::from_pem(
                        cert_pem.into_bytes(),
                        key_pem.into_bytes(),
                    )
                    .await
                    .unwrap();
                    axum_server::from_tcp_rustls(listener, config)
                        .unwrap()
                        .handle(server_handle)
                        .serve(app.into_make_service())
                        .await
                        .unwrap();
                });
            })
            .unwrap();
        TlsServer {
            url: format!("https://{host}:{}", addr.port()),
            addr,
            state,
            ca_pem: ca.pem(),
            handle,
            thread: Some(thread),
        }
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn an_extra_ca_file_makes_a_national_ca_trusted() {
    let env = UserEnv::new();
    let server = TlsServer::start();
    let ca_file = env.path().join("regional-ca.pem");
    std::fs::write(&ca_file, &server.ca_pem).unwrap();
    env.write_config(&format!(
        "server_url = \"{}\"\nca_file = \"{}\"\n",
        server.url,
        ca_file.display()
    ));
    env.cmd()
        .env("VISIT_RATING_TOKEN", TOKEN)
        .args(["submit", "--history", "tls-visit", "--scores", "5,4,5,4"])
        .assert()
        .code(0);
    let ratings = server.state.ratings();
    assert_eq!(ratings.len(), 1);
    assert_eq!(ratings[0].history, "tls-visit");
}

#[test]
fn an_untrusted_certificate_is_a_clear_error_and_the_token_is_not_sent() {
    let env = UserEnv::new();
    let server = TlsServer::start();
    let output = env
        .cli()
        .token(TOKEN)
        .submit(&server.url, "tls-visit")
        .args(["--scores", "5,4,5,4", "--json"])
        .run();
    assert_eq!(output.code, Some(5));
    let value = output.json();
    assert_eq!(value["outcome"], "transient");
    let detail = value["detail"].as_str().unwrap();
    assert!(
        detail.to_lowercase().contains("certificate"),
        "the detail names the certificate problem: {detail}"
    );
    // The handshake failed, so no HTTP request (and no token) reached the server.
    assert!(server.state.requests().is_empty());
    assert!(!output.stdout.contains(TOKEN));
}

#[test]
fn a_ca_file_that_is_not_a_certificate_is_refused_before_sending() {
    let env = UserEnv::new();
    let bad = env.path().join("not-a-ca.pem");
    std::fs::write(&bad, "hello").unwrap();
    env.write_config(&format!(
        "server_url = \"https://localhost:1\"\nca_file = \"{}\"\n",
        bad.display()
    ));
    env.cmd()
        .env("VISIT_RATING_TOKEN", TOKEN)
        .args(["submit", "--history", "v", "--scores", "5,4,5,4"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not-a-ca.pem"));
}
