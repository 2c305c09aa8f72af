//! The token in a real Secret Service, through `visit-rating token …`, then used by
//! `submit` against the stand-in server. `scripts/test` provides a throwaway
//! gnome-keyring in a private D-Bus session; every test uses a random keyring service
//! name and removes its entries, so a failed run leaves nothing behind.

use predicates::prelude::*;

use crate::support::cli::Cli;
use crate::support::{MockProcess, UserEnv, json_of, output_with_stdin, real_keyring, unique};

/// `token status` for a portal, in English.
const TOKEN_STATUS_EN: [&str; 6] = [
    "token",
    "status",
    "--url",
    "https://rpgu.example.org",
    "--lang",
    "en",
];

struct KeyringUser {
    env: UserEnv,
    service: String,
}

impl KeyringUser {
    /// A new user on the real Secret Service, and the guard that holds it for this
    /// test; `None` when the keyring tests were opted out of (the test then returns).
    fn on_real_keyring() -> Option<(std::sync::MutexGuard<'static, ()>, KeyringUser)> {
        real_keyring().map(|guard| (guard, KeyringUser::new()))
    }

    fn new() -> KeyringUser {
        KeyringUser {
            env: UserEnv::new(),
            service: unique("visit-rating-test"),
        }
    }

    /// The real binary for this user, as a [`Cli`].
    fn cli(&self) -> Cli {
        Cli::from(self.cmd())
    }

    fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = self.env.cmd();
        cmd.env("VISIT_RATING_KEYRING_SERVICE", &self.service);
        cmd
    }

    fn secret_tool_lookup(&self, origin: &str) -> Option<String> {
        let output = std::process::Command::new("secret-tool")
            .args(["lookup", "service", &self.service, "username", origin])
            .output()
            .expect("secret-tool is installed");
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

impl Drop for KeyringUser {
    fn drop(&mut self) {
        let _ = std::process::Command::new("secret-tool")
            .args(["clear", "service", &self.service])
            .status();
    }
}

fn origin_of(url: &str) -> String {
    visit_rating::api::origin(url)
}

#[test]
fn set_status_replace_clear_and_submit_with_the_stored_token() {
    let Some((_keyring, user)) = KeyringUser::on_real_keyring() else {
        return;
    };
    let first = unique("first-token");
    let second = unique("second-token");
    let server = MockProcess::start(&["--token", &first, "--token", &second]);
    let origin = origin_of(&server.url);

    user.cmd()
        .args(["token", "set", "--url", &server.url])
        .write_stdin(format!("{first}\n"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("сохранён"));
    // An independent client sees the entry: service, user = origin, the token.
    assert_eq!(
        user.secret_tool_lookup(&origin).as_deref(),
        Some(first.as_str())
    );

    let status = json_of(
        &user
            .cmd()
            .args(["token", "status", "--url", &server.url, "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(status["stored"], true);
    assert_eq!(status["source"], "keyring");
    assert!(status["store"].as_str().unwrap().contains("Secret Service"));
    assert!(
        !status.to_string().contains(&first),
        "status never shows the token"
    );

    // submit finds the token by itself: no environment variable.
    user.cli()
        .submit(&server.url, "kr-1")
        .scores("5,4,5,4")
        .assert()
        .code(0);

    user.cmd()
        .args(["token", "set", "--url", &server.url])
        .write_stdin(second.clone())
        .assert()
        .code(0);
    assert_eq!(
        user.secret_tool_lookup(&origin).as_deref(),
        Some(second.as_str())
    );
    user.cli()
        .submit(&server.url, "kr-2")
        .scores("5,4,5,4")
        .assert()
        .code(0);
    assert_eq!(server.ratings().len(), 2);

    user.cmd()
        .args(["token", "clear", "--url", &server.url])
        .assert()
        .code(0);
    assert_eq!(user.secret_tool_lookup(&origin), None);
    user.cmd()
        .args(["token", "status", "--url", &server.url])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("не сохранён"));
    user.cmd()
        .args(["token", "clear", "--url", &server.url])
        .assert()
        .code(4);
    user.cli()
        .submit(&server.url, "kr-3")
        .scores("5,4,5,4")
        .expect(4, &["visit-rating token set"]);
    assert_eq!(server.ratings().len(), 2);
}

#[test]
fn a_token_per_server_and_the_environment_wins() {
    let Some((_keyring, user)) = KeyringUser::on_real_keyring() else {
        return;
    };
    let test_token = unique("test-server-token");
    let server = MockProcess::start(&["--token", &test_token]);
    let other = "https://rpgu.example.org";
    user.cmd()
        .args(["token", "set", "--url", &server.url])
        .write_stdin(test_token.clone())
        .assert()
        .code(0);
    user.cmd()
        .args(["token", "set", "--url", other])
        .write_stdin("production-token")
        .assert()
        .code(0);
    assert_eq!(
        user.secret_tool_lookup(&origin_of(other)).as_deref(),
        Some("production-token")
    );
    assert_eq!(
        user.secret_tool_lookup(&origin_of(&server.url)).as_deref(),
        Some(test_token.as_str())
    );
    // VISIT_RATING_TOKEN comes first: a wrong one there is used, and refused.
    let output = user
        .cli()
        .token("env-token")
        .submit(&server.url, "kr-env")
        .scores("1,2,3,4")
        .arg("--json")
        .run();
    assert_eq!(output.code, Some(4));
    assert_eq!(output.json()["message_code"], "5008");
}

#[test]
fn bad_tokens_are_refused_before_reaching_the_keyring() {
    let Some((_keyring, user)) = KeyringUser::on_real_keyring() else {
        return;
    };
    for bad in ["", "\n", "two words", "tab\there", &"a".repeat(2561)] {
        user.cmd()
            .args(["token", "set", "--url", "https://rpgu.example.org"])
            .write_stdin(bad.to_owned())
            .assert()
            .code(2)
            .stderr(predicate::str::contains("Токен не подходит"));
    }
    assert_eq!(
        user.secret_tool_lookup("https://rpgu.example.org:443"),
        None
    );
}

#[test]
fn without_a_secret_service_the_error_says_what_to_do() {
    let env = UserEnv::new();
    env.cmd()
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .args(TOKEN_STATUS_EN)
        .assert()
        .code(7)
        .stderr(predicate::str::contains("No keyring service is running"))
        .stderr(predicate::str::contains("VISIT_RATING_TOKEN"));
    env.cmd()
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .args([
            "submit",
            "--url",
            "https://rpgu.example.org",
            "--history",
            "v",
        ])
        .args(["--scores", "5,5,5,5", "--lang", "en"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("No keyring service is running"));
}

#[test]
fn the_token_is_in_no_file_output_debug_print_or_panic_message() {
    let Some((_keyring, user)) = KeyringUser::on_real_keyring() else {
        return;
    };
    let token = unique("leak-check-token");
    let server = MockProcess::start(&["--token", &token]);
    user.env.write_config(&format!(
        "server_url = \"{}\"\nlanguage = \"en\"\n",
        server.url
    ));
    let mut outputs = Vec::new();
    outputs.push(
        user.cmd()
            .args(["token", "set"])
            .write_stdin(token.clone())
            .output()
            .unwrap(),
    );
    for args in [
        vec![
            "submit",
            "--history",
            "leak-1",
            "--scores",
            "5,5,5,5",
            "--json",
        ],
        vec!["submit", "--history", "leak-1", "--scores", "5,5,5,5"],
        vec!["token", "status"],
        vec!["token", "status", "--json"],
    ] {
        outputs.push(user.cmd().args(&args).output().unwrap());
    }
    assert_eq!(server.ratings().len(), 1, "the stored token did work");
    for output in &outputs {
        for stream in [&output.stdout, &output.stderr] {
            assert!(
                !String::from_utf8_lossy(stream).contains(&token),
                "the token leaked into output"
            );
        }
    }
    // No file under the user's home (settings, data, cache) holds it.
    let mut stack = vec![user.env.path().to_path_buf()];
    let mut files = 0;
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else if let Ok(bytes) = std::fs::read(&path) {
            files += 1;
            assert!(
                !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
                "the token is in {}",
                path.display()
            );
        }
    }
    assert!(files >= 1, "the settings file was checked");

    // Debug prints and panic messages of everything that holds or uses it.
    let config =
        visit_rating::config::Config::read(&user.env.config_dir().join("config.toml")).unwrap();
    let client =
        visit_rating::api::RatingClient::new(&config.client_settings(&server.url)).unwrap();
    let secret = visit_rating::secrets::Token::new(&token).unwrap();
    let service = visit_rating::service::Service::new(
        config.clone(),
        Some(server.url.clone()),
        visit_rating::service::TokenSource::Fixed(secret.clone()),
    );
    for printed in [
        format!("{config:?}"),
        format!("{client:?}"),
        format!("{secret:?} {secret}"),
        format!("{service:?}"),
    ] {
        assert!(!printed.contains(&token), "{printed}");
    }
    let panic = std::panic::catch_unwind(|| panic!("sending failed with {secret:?}")).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(message.contains("Token(***)") && !message.contains(&token));
}

/// A private D-Bus session bus with this `<policy>` rule: the cases a user meets that
/// the test session does not show. With `broken_daemon`, the bus knows how to start a
/// Secret Service, but that daemon exits at once (`/bin/false`); without, no service
/// is known at all. Nothing real is started. Runs `visit-rating ARGS` in it. Without
/// dbus the test fails, or is skipped (`None`) if the keyring tests were opted out of.
fn in_private_bus(
    env: &crate::support::UserEnv,
    policy: &str,
    broken_daemon: bool,
    args: &[&str],
) -> Option<std::process::Output> {
    if which("dbus-run-session").is_none() {
        crate::support::keyring_test_cannot_run("dbus-run-session (package dbus) is not installed");
        return None;
    }
    let services = env.path().join("dbus-services");
    std::fs::create_dir_all(&services).unwrap();
    if broken_daemon {
        std::fs::write(
            services.join("org.freedesktop.secrets.service"),
            "[D-BUS Service]\nName=org.freedesktop.secrets\nExec=/bin/false\n",
        )
        .unwrap();
    }
    let config = env.path().join("bus.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir={tmp}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
    {policy}
  </policy>
  <servicedir>{services}</servicedir>
</busconfig>
"#,
            tmp = env.path().display(),
            services = services.display(),
        ),
    )
    .unwrap();
    let output = std::process::Command::new("dbus-run-session")
        .arg(format!("--config-file={}", config.display()))
        .arg("--")
        .arg(assert_cmd::cargo::cargo_bin("visit-rating"))
        .args(args)
        .env("HOME", env.path())
        .env("XDG_CONFIG_HOME", env.path().join(".config"))
        .env("XDG_DATA_HOME", env.path().join(".local/share"))
        .env("XDG_CACHE_HOME", env.path().join(".cache"))
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("VISIT_RATING_TOKEN")
        .env_remove("VISIT_RATING_URL")
        .output()
        .unwrap();
    Some(output)
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    })
}

#[test]
fn a_session_bus_without_a_working_keyring_daemon_is_no_secret_service() {
    // No daemon known to the bus; a daemon that dies on start.
    for broken_daemon in [false, true] {
        let env = UserEnv::new();
        let Some(output) = in_private_bus(&env, "", broken_daemon, &TOKEN_STATUS_EN) else {
            return;
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(7), "{stderr}");
        assert!(stderr.contains("No keyring service is running"), "{stderr}");
        assert!(stderr.contains("gnome-keyring-daemon --unlock"), "{stderr}");
        assert!(stderr.contains("VISIT_RATING_TOKEN"), "{stderr}");
    }
}

#[test]
fn a_bus_policy_refusing_us_is_access_denied_not_a_missing_service() {
    let env = UserEnv::new();
    let args = [
        "token",
        "status",
        "--url",
        "https://rpgu.example.org",
        "--json",
    ];
    let policy = r#"<deny send_destination="org.freedesktop.secrets"/>"#;
    let Some(output) = in_private_bus(&env, policy, true, &args) else {
        return;
    };
    assert_eq!(output.status.code(), Some(7));
    let answer = json_of(&output);
    assert_eq!(answer["ok"], false);
    assert_eq!(answer["error_kind"], "access_denied", "{answer}");
}

#[test]
fn token_set_refuses_what_is_not_a_token_and_says_so_in_json() {
    let env = UserEnv::new();
    // Nothing here reaches a keyring: the input is refused first.
    let output = env
        .cmd()
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .args([
            "token",
            "set",
            "--url",
            "https://rpgu.example.org",
            "--json",
        ])
        .write_stdin(vec![0xff, 0xfe, b'\n'])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(json_of(&output)["error_kind"], "bad_token");
    // Far too long: the length is reported, nothing is kept.
    env.cmd()
        .args([
            "token",
            "set",
            "--url",
            "https://rpgu.example.org",
            "--lang",
            "en",
        ])
        .write_stdin("a".repeat(100_000))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("100000 bytes long"));
    // --json with no server URL is still one object.
    let output = env
        .cmd()
        .args(["token", "status", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(json_of(&output)["error_kind"], "no_url");
    // An unusable VISIT_RATING_TOKEN is named, for status as for submit.
    env.cmd()
        .env("VISIT_RATING_TOKEN", "two words")
        .args(TOKEN_STATUS_EN)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("VISIT_RATING_TOKEN is set but"));
}

#[test]
fn the_longest_token_is_stored_whole_and_used() {
    let Some((_keyring, user)) = KeyringUser::on_real_keyring() else {
        return;
    };
    // 2560 bytes, the Windows cap, in a JWT's alphabet.
    let prefix = unique("long");
    let token = format!("{prefix}{}", "x".repeat(2560 - prefix.len()));
    assert_eq!(token.len(), 2560);
    let server = MockProcess::start(&["--token", &token]);
    user.cmd()
        .args(["token", "set", "--url", &server.url])
        .write_stdin(format!("{token}\n"))
        .assert()
        .code(0);
    assert_eq!(
        user.secret_tool_lookup(&origin_of(&server.url)).as_deref(),
        Some(token.as_str()),
        "stored whole, not truncated"
    );
    user.cli()
        .submit(&server.url, "kr-long")
        .scores("5,5,5,5")
        .assert()
        .code(0);
}

/// Runs `script` (sh, with `$0` = the binary) in a fresh private session bus, as the
/// throwaway user `env`, with its own runtime folder `run` and no display (so no unlock
/// prompt can appear, as on a kiosk without a desktop session).
fn in_fresh_session(env: &UserEnv, run: &str, script: &str, stdin: &str) -> std::process::Output {
    let runtime = env.path().join(run);
    std::fs::create_dir_all(&runtime).unwrap();
    std::fs::set_permissions(
        &runtime,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let output = output_with_stdin(
        std::process::Command::new("dbus-run-session")
            .args(["--", "sh", "-c", script])
            .arg(assert_cmd::cargo::cargo_bin("visit-rating"))
            .env("HOME", env.path())
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("XDG_CONFIG_HOME", env.path().join(".config"))
            .env("XDG_DATA_HOME", env.path().join(".local/share"))
            .env("XDG_CACHE_HOME", env.path().join(".cache"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("VISIT_RATING_TOKEN")
            .env_remove("VISIT_RATING_KEYRING_SERVICE"),
        stdin,
    );
    stop_keyring_daemons_of(env);
    output
}

/// Stop the gnome-keyring daemons this test started: those whose HOME is `env`'s.
/// By process id, never by name.
fn stop_keyring_daemons_of(env: &UserEnv) {
    let home = format!("HOME={}", env.path().display());
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return;
    };
    for proc in procs.flatten() {
        let Ok(environ) = std::fs::read(proc.path().join("environ")) else {
            continue;
        };
        let ours = environ.split(|b| *b == 0).any(|v| v == home.as_bytes());
        let comm = std::fs::read_to_string(proc.path().join("comm")).unwrap_or_default();
        if ours && comm.starts_with("gnome-keyring") {
            let _ = std::process::Command::new("kill")
                .arg(proc.file_name())
                .status();
        }
    }
}

#[test]
fn a_locked_keyring_says_locked_not_no_token() {
    let Some(_keyring) = real_keyring() else {
        return;
    };
    let env = UserEnv::new();
    let url = "https://rpgu.example.org";
    // First boot: the administrator creates the keyring and stores the token.
    let output = in_fresh_session(
        &env,
        "run-1",
        r#"printf kiosk-keyring-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$0" token set --url https://rpgu.example.org"#,
        &unique("locked-check-token"),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Next boot, auto-login: the daemon runs but nobody unlocked the keyring, and no
    // prompt can be shown. A locked gnome-keyring hides its items; we must not say
    // "no token" (which would send the administrator to store it again).
    let script = format!(
        r#"gnome-keyring-daemon --start --components=secrets >/dev/null
"$0" --lang en submit --url {url} --history kr-locked --scores 5,5,5,5; echo "submit=$?"
"$0" token status --url {url} --json; echo "status=$?"
"#
    );
    let output = in_fresh_session(&env, "run-2", &script, "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("submit=4"), "{stdout}\n{stderr}");
    assert!(stderr.contains("The keyring is locked"), "{stderr}");
    assert!(stderr.contains("gnome-keyring-daemon --unlock"), "{stderr}");
    assert!(stdout.contains("\"error_kind\":\"locked\""), "{stdout}");
    assert!(stdout.contains("status=7"), "{stdout}");
}
