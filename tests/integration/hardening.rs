//! Hardening around the kiosk: private log and sent-log files, the clear-text warning,
//! and the stand-in server's control endpoints (they show remarks): kept to loopback,
//! and answered only with the server's own key.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{DownPort, MOCK_KEY_ENV, MOCK_KEY_HEADER, UserEnv};

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
    env.cli().list().assert().code(0);
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

/// The control key the tests below give `mock-server` through [`MOCK_KEY_ENV`].
const KEY: &str = "hardening-test-control-key-5b7e21";

/// `mock-server` on all interfaces (with [`KEY`]): its port, and what it said on stderr.
fn mock_on_all_interfaces(extra: &[&str]) -> (std::process::Child, u16, String) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("visit-rating"))
        .args(["mock-server", "--addr", "0.0.0.0:0"])
        .args(extra)
        .env(MOCK_KEY_ENV, KEY)
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

/// The status of `GET url`, with the control key [`KEY`].
fn status(url: &str) -> u16 {
    get(url, Some(KEY)).0
}

/// `GET url` with `key` in [`MOCK_KEY_HEADER`], or without it: the status and the body.
fn get(url: &str, key: Option<&str>) -> (u16, String) {
    let mut request = reqwest::blocking::Client::new().get(url);
    if let Some(key) = key {
        request = request.header(MOCK_KEY_HEADER, key);
    }
    let response = request.send().unwrap();
    (response.status().as_u16(), response.text().unwrap())
}

#[test]
fn the_control_endpoints_answer_only_on_loopback_unless_exposed() {
    let ip = own_address();
    let (mut child, port, warning) = mock_on_all_interfaces(&[]);
    assert!(warning.contains("not a loopback address"), "{warning}");
    assert!(warning.contains("answer only this machine"), "{warning}");
    let remote = format!("http://{ip}:{port}");
    // Even with the key: not from another machine.
    assert_eq!(status(&format!("{remote}/__mock/ratings")), 403);
    assert_eq!(status(&format!("{remote}/__mock/requests")), 403);
    assert_eq!(
        status(&format!("http://127.0.0.1:{port}/__mock/ratings")),
        200
    );
    assert_eq!(
        get(&format!("http://127.0.0.1:{port}/__mock/ratings"), None).0,
        401,
        "on loopback too, not without the key"
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

/// A child process, killed when the test ends, however it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `mock-server` as `env`'s user on a free loopback port: the child and the lines it
/// printed on standard output until one names the control header (or 10 s passed).
fn mock_as(env: &UserEnv, key: Option<&str>) -> (Killed, Vec<String>) {
    let mut cmd = env.std_cmd(assert_cmd::cargo::cargo_bin("visit-rating"));
    cmd.args(["mock-server", "--addr", "127.0.0.1:0"])
        .env_remove(MOCK_KEY_ENV)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(key) = key {
        cmd.env(MOCK_KEY_ENV, key);
    }
    let mut child = Killed(cmd.spawn().unwrap());
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    let stdout = child.0.stdout.take().unwrap();
    std::thread::Builder::new()
        .name("mock-stdout".into())
        .spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        })
        .unwrap();
    let mut lines = Vec::new();
    while let Ok(line) = lines_rx.recv_timeout(Duration::from_secs(10)) {
        let done = line.contains(MOCK_KEY_HEADER);
        lines.push(line);
        if done {
            break;
        }
    }
    (child, lines)
}

#[cfg(unix)]
#[test]
fn the_control_endpoints_answer_only_with_the_key_printed_at_start() {
    let env = UserEnv::new();
    let (mut child, lines) = mock_as(&env, None);
    let url = lines[0].strip_prefix("listening on ").unwrap().to_owned();
    let port = url.rsplit(':').next().unwrap();
    let said = lines
        .iter()
        .find(|l| l.contains(MOCK_KEY_HEADER))
        .unwrap_or_else(|| panic!("no control key printed: {lines:#?}"));
    let key = said
        .split(&format!("{MOCK_KEY_HEADER}: "))
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_owned();
    assert!(
        key.len() == 32 && key.chars().all(|c| c.is_ascii_hexdigit()),
        "32 random hex digits: {key:?}"
    );
    // Also in a file only this user can read, for the tester's own tools.
    let file = env.data_dir().join(format!("mock-server-{port}.key"));
    assert!(said.contains(&file.display().to_string()), "{said}");
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), key);
    assert_eq!(mode(&file), 0o600);

    for what in ["ratings", "requests", "faults"] {
        let endpoint = format!("{url}/__mock/{what}");
        let (code, body) = get(&endpoint, None);
        assert_eq!(code, 401, "{what} without the key");
        assert!(
            body.contains(MOCK_KEY_HEADER) && body.contains(&file.display().to_string()),
            "says what is missing and where the key is: {body}"
        );
        let (code, body) = get(&endpoint, Some("0123456789abcdef0123456789abcdef"));
        assert_eq!(code, 403, "{what} with another key: {body}");
        assert!(body.contains(MOCK_KEY_HEADER), "{body}");
        assert_eq!(get(&endpoint, Some(&key)).0, 200, "{what} with the key");
    }
    let client = reqwest::blocking::Client::new();
    let put = |key: Option<&str>| {
        let mut request = client
            .put(format!("{url}/__mock/faults"))
            .body(r#"{"latency_ms": 1}"#);
        if let Some(key) = key {
            request = request.header(MOCK_KEY_HEADER, key);
        }
        request.send().unwrap().status().as_u16()
    };
    assert_eq!(put(None), 401);
    assert_eq!(put(Some(&key)), 200);
    // The portal's own path needs no key (here: 404/4001 for a GET).
    assert_eq!(
        get(&format!("{url}/api/v2/iemk/doctors/visit/rating/x"), None).0,
        404
    );

    // Stopped with Ctrl+C, it takes its key file away.
    let interrupted = Command::new("sh")
        .args(["-c", &format!("kill -s INT {}", child.0.id())])
        .status()
        .unwrap();
    assert!(interrupted.success());
    assert!(child.0.wait().unwrap().success());
    assert!(!file.exists(), "the key file is removed at the end");
}

#[test]
fn a_key_from_the_environment_is_used_and_never_printed() {
    let env = UserEnv::new();
    let (child, lines) = mock_as(&env, Some(KEY));
    let url = lines[0].strip_prefix("listening on ").unwrap().to_owned();
    let all = lines.join("\n");
    assert!(all.contains(MOCK_KEY_ENV), "{all}");
    assert!(!all.contains(KEY), "{all}");
    let (code, body) = get(&format!("{url}/__mock/ratings"), None);
    assert_eq!(code, 401);
    assert!(body.contains(MOCK_KEY_ENV), "says where the key is: {body}");
    assert_eq!(get(&format!("{url}/__mock/ratings"), Some(KEY)).0, 200);
    drop(child);
    // No key file: the harness has the key.
    let leftovers: Vec<_> = std::fs::read_dir(env.data_dir())
        .map(|entries| entries.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        !leftovers
            .iter()
            .any(|name| name.to_string_lossy().ends_with(".key")),
        "{leftovers:?}"
    );

    // A key anyone could guess is refused, before anything listens.
    let output = env
        .cmd()
        .args(["mock-server", "--addr", "127.0.0.1:0"])
        .env(MOCK_KEY_ENV, "short")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(MOCK_KEY_ENV) && stderr.contains("16"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("listening"));
}
