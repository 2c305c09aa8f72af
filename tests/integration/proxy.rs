//! Behind a mandatory proxy, the background sender's "is the network back?" probe goes
//! through the proxy, as the ratings do (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`,
//! `NO_PROXY`, the way reqwest reads them): the server's name is one only the proxy can
//! reach (`portal.test`, which no resolver knows).
//!
//! Tests cannot set environment variables safely, so the probe runs in a child process
//! (this test binary, running `probe_child`) with the proxy variables set.

use std::time::Duration;

use visit_rating::api::{ClientSettings, RatingClient};

use crate::support::proxy::Proxy;
use crate::tls::TlsServer;

/// The proxy variables reqwest reads, in both spellings: cleared for every child, so
/// that the caller's own proxy never takes part.
const PROXY_VARIABLES: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// `RatingClient::server_reachable` for `url` in a child process with `vars` set (and
/// `ca_pem` trusted): its answer.
fn probe(url: &str, vars: &[(&str, &str)], ca_pem: Option<&str>) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "proxy::probe_child",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("VISIT_RATING_TEST_PROBE_URL", url);
    for var in PROXY_VARIABLES {
        cmd.env_remove(var);
    }
    cmd.envs(vars.iter().copied());
    if let Some(pem) = ca_pem {
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, pem).unwrap();
        cmd.env("VISIT_RATING_TEST_CA", ca);
    }
    let output = cmd.output().unwrap();
    let stdout = crate::support::child_test_passed(&output);
    if stdout.contains("reachable: true") {
        true
    } else {
        assert!(stdout.contains("reachable: false"), "{stdout}");
        false
    }
}

#[test]
fn the_reachability_probe_goes_through_an_https_proxy() {
    let portal = TlsServer::start_for("portal.test");
    let proxy = Proxy::start(Some(portal.addr));
    let url = "https://portal.test";
    assert!(
        probe(url, &[("HTTPS_PROXY", &proxy.url())], Some(&portal.ca_pem)),
        "the server answered through the proxy's tunnel"
    );
    assert_eq!(proxy.seen(), ["CONNECT portal.test:443 HTTP/1.1"]);
    // It asks without the token: nothing reached the rating path.
    assert!(portal.state.requests().is_empty());

    // `ALL_PROXY` counts too; `NO_PROXY` sends it around the proxy (where no resolver
    // knows the name: not reachable, and the proxy saw nothing more).
    assert!(probe(
        url,
        &[("ALL_PROXY", &proxy.url())],
        Some(&portal.ca_pem)
    ));
    assert_eq!(proxy.seen().len(), 2);
    assert!(!probe(
        url,
        &[("HTTPS_PROXY", &proxy.url()), ("NO_PROXY", "portal.test")],
        Some(&portal.ca_pem)
    ));
    assert_eq!(proxy.seen().len(), 2);
}

#[test]
fn a_proxy_that_cannot_reach_the_server_means_not_reachable() {
    let proxy = Proxy::start(None);
    assert!(!probe(
        "https://portal.test",
        &[("HTTPS_PROXY", &proxy.url())],
        None
    ));
    assert_eq!(proxy.seen(), ["CONNECT portal.test:443 HTTP/1.1"]);
}

#[test]
fn the_reachability_probe_goes_through_an_http_proxy() {
    let proxy = Proxy::start(None);
    assert!(probe(
        "http://portal.test/portal/",
        &[("HTTP_PROXY", &proxy.url())],
        None
    ));
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].ends_with(" http://portal.test/portal/ HTTP/1.1"),
        "{seen:?}"
    );
}

#[test]
#[ignore = "run by the tests above, in a child process with the proxy variables set"]
fn probe_child() {
    let url = std::env::var("VISIT_RATING_TEST_PROBE_URL").unwrap();
    let mut settings = ClientSettings::new(url);
    settings.connect_timeout = Duration::from_secs(3);
    settings.allow_insecure_http = true;
    settings.ca_file = std::env::var_os("VISIT_RATING_TEST_CA").map(Into::into);
    let client = RatingClient::new(&settings).unwrap();
    println!("reachable: {}", client.server_reachable());
}
