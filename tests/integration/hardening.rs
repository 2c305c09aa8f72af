//! Hardening around the kiosk: private log and sent-log files, the clear-text warning,
//! and the stand-in server's control endpoints (they show remarks) kept to loopback.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::support::{DownPort, UserEnv};

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn logs_and_the_sent_log_are_made_private_when_they_already_exist() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = UserEnv::new();
    let data = env.data_dir();
    let logs = data.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let old_log = logs.join("visit-rating.2026-01-01.log");
    std::fs::write(&old_log, "old line\n").unwrap();
    let sent_log = data.join("sent.log");
    std::fs::write(&sent_log, "").unwrap();
    for (path, mode) in [
        (&data, 0o755),
        (&logs, 0o755),
        (&old_log, 0o644),
        (&sent_log, 0o644),
    ] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    env.cmd().args(["outbox", "list"]).assert().code(0);
    assert_eq!(mode(&logs), 0o700);
    assert_eq!(mode(&old_log), 0o600);
    assert_eq!(mode(&sent_log), 0o600);
    assert_eq!(mode(&data), 0o700);
    for entry in std::fs::read_dir(&logs).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
}

#[test]
fn allowing_clear_text_http_is_warned_of_on_stderr() {
    let env = UserEnv::new();
    let down = DownPort::new();
    let output = env
        .cmd()
        .env("VISIT_RATING_TOKEN", "some-token")
        .args(["--lang", "en", "submit", "--allow-insecure-http", "--url"])
        .arg(down.url())
        .args(["--history", "clear-text-1", "--scores", "5,5,5,5"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("allow_insecure_http is on"), "{stderr}");
    assert!(!stderr.contains("some-token"), "{stderr}");

    env.write_config("allow_insecure_http = true\n");
    let output = env
        .cmd()
        .args(["--lang", "en", "outbox", "list"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("allow_insecure_http is on"));

    env.write_config("allow_insecure_http = false\n");
    let output = env
        .cmd()
        .args(["--lang", "en", "outbox", "list"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&output.stderr).contains("allow_insecure_http"));
}

/// This machine's address on its default route (no packet is sent).
fn own_address() -> std::net::IpAddr {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    socket
        .connect("192.0.2.1:9")
        .expect("a non-loopback route (the test needs one network interface)");
    let ip = socket.local_addr().unwrap().ip();
    assert!(!ip.is_loopback(), "no non-loopback address: {ip}");
    ip
}

/// `mock-server` on all interfaces: its port, and what it said on stderr.
fn mock_on_all_interfaces(extra: &[&str]) -> (std::process::Child, u16, String) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("visit-rating"))
        .args(["mock-server", "--addr", "0.0.0.0:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let port = first.trim().rsplit(':').next().unwrap().parse().unwrap();
    let mut warning = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut warning)
        .unwrap();
    (child, port, warning)
}

fn status(url: &str) -> u16 {
    reqwest::blocking::get(url).unwrap().status().as_u16()
}

#[test]
fn the_control_endpoints_answer_only_on_loopback_unless_exposed() {
    let ip = own_address();
    let (mut child, port, warning) = mock_on_all_interfaces(&[]);
    assert!(warning.contains("not a loopback address"), "{warning}");
    assert!(warning.contains("answer only this machine"), "{warning}");
    let remote = format!("http://{ip}:{port}");
    assert_eq!(status(&format!("{remote}/__mock/ratings")), 403);
    assert_eq!(status(&format!("{remote}/__mock/requests")), 403);
    assert_eq!(
        status(&format!("http://127.0.0.1:{port}/__mock/ratings")),
        200
    );
    // The portal's own path still answers everyone (here: 404/4001 for a GET).
    assert_eq!(
        status(&format!("{remote}/api/v2/iemk/doctors/visit/rating/x")),
        404
    );
    let _ = child.kill();
    let _ = child.wait();

    let (mut child, port, warning) = mock_on_all_interfaces(&["--expose-control"]);
    assert!(
        warning.contains("--expose-control lets them read"),
        "{warning}"
    );
    assert_eq!(status(&format!("http://{ip}:{port}/__mock/ratings")), 200);
    let _ = child.kill();
    let _ = child.wait();
}
