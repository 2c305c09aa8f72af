//! `submit` touches only what the rating it sends needs: no keyring connection (D-Bus)
//! when the token comes from the environment or a token file, no system CA
//! certificates for an `http://` server, and no log file while it has nothing to log.
//! Each check fails where the command used what it did not need.

use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::net::UnixListener;

use crate::support::{MockProcess, UserEnv, unique};

const TOKEN: &str = "lean-token-41c2";

/// A session bus address whose socket is ours: whoever connects to the keyring through
/// it is seen by [`Bus::connections`] (the connection then hangs, as a bus that never
/// answers would; the command's timeout ends it).
struct Bus {
    listener: UnixListener,
    address: String,
    _dir: tempfile::TempDir,
}

impl Bus {
    fn new() -> Bus {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bus");
        let listener = UnixListener::bind(&path).unwrap();
        listener.set_nonblocking(true).unwrap();
        Bus {
            listener,
            address: format!("unix:path={}", path.display()),
            _dir: dir,
        }
    }

    /// How many processes connected so far.
    fn connections(&self) -> usize {
        std::iter::from_fn(|| self.listener.accept().ok()).count()
    }
}

#[test]
fn an_environment_token_never_connects_to_the_keyring() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let bus = Bus::new();
    for queue in [false, true] {
        let mut cli = env
            .cli()
            .token(TOKEN)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address);
        cli = if queue {
            cli.queue(&server.url, &unique("lean-env-queued"))
        } else {
            cli.submit(&server.url, &unique("lean-env"))
        };
        let (code, answer) = cli.scores("5,4,5,3").run_json();
        assert_eq!(code, Some(0), "--queue {queue}: {answer}");
        assert_eq!(answer["outcome"], "accepted", "{answer}");
        assert_eq!(bus.connections(), 0, "--queue {queue} connected to D-Bus");
    }
    assert_eq!(server.ratings().len(), 2);
}

#[test]
fn a_command_that_logs_nothing_opens_no_log_file() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let (code, answer) = env
        .cli()
        .token(TOKEN)
        .submit(&server.url, &unique("lean-quiet"))
        .scores("5,4,5,3")
        .run_json();
    assert_eq!(code, Some(0), "{answer}");
    let logs = env.data_dir().join("logs");
    let files: Vec<_> = std::fs::read_dir(&logs)
        .map(|dir| dir.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(files.is_empty(), "{files:?}");

    // A line to write opens the day's file, private to the user.
    let ran = env
        .cli()
        .token(TOKEN)
        .args(["--log-level", "info"])
        .submit(&server.url, &unique("lean-logged"))
        .scores("5,4,5,3")
        .run()
        .exited(0);
    assert!(ran.stderr.contains("rating sent"), "{ran:#?}");
    let files: Vec<_> = std::fs::read_dir(&logs).unwrap().flatten().collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(text.contains("rating sent"), "{text}");
    let mode = files[0].metadata().unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
}

#[test]
fn a_token_file_never_connects_to_the_keyring() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let token_file = env.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    env.write_config(&format!(
        "server_url = \"{}\"\ntoken_file = \"{}\"\n",
        server.url,
        token_file.display()
    ));
    let bus = Bus::new();
    let (code, answer) = env
        .cli()
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .args(["submit", "--history", &unique("lean-file")])
        .scores("5,4,5,3")
        .run_json();
    assert_eq!(code, Some(0), "{answer}");
    assert_eq!(bus.connections(), 0, "connected to D-Bus");
    assert_eq!(server.ratings().len(), 1);
}

#[test]
fn an_http_server_needs_no_system_ca_certificates() {
    // A machine with no CA certificates at all (a minimal image): the system's roots,
    // read through SSL_CERT_FILE and SSL_CERT_DIR, are empty.
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let empty = tempfile::tempdir().unwrap();
    let (code, answer) = env
        .cli()
        .token(TOKEN)
        .env("SSL_CERT_FILE", empty.path().join("none.pem"))
        .env("SSL_CERT_DIR", empty.path())
        .submit(&server.url, &unique("lean-no-roots"))
        .scores("5,4,5,3")
        .run_json();
    assert_eq!(code, Some(0), "{answer}");
    assert_eq!(answer["outcome"], "accepted", "{answer}");
    assert_eq!(server.ratings().len(), 1);
}
