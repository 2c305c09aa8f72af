//! Machine-wide settings (issue 25): `/etc/visit-rating/config.toml` and its drop-ins
//! under the user's file, key by key; unknown keys warned about and ignored; `config
//! show`, `config set` and `config path` run for real; and a running window that takes
//! a changed file (and SIGHUP) without a restart, saying so in its log.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use egui_kittest::kittest::Queryable;
use predicates::prelude::*;
use serde_json::{Value, json};
use visit_rating::config::layers::Sources;
use visit_rating::ui::RatingApp;

use crate::support::ui::{
    STEP_FRAMES, TOKEN as UI_TOKEN, WAITING, build_app, builder, server, setup_for, step_until_seen,
};

/// The first criterion's name in English.
const WAITING_EN: &str = "Waiting time in the queue";

/// Some label on screen holds `text`.
fn shows(harness: &egui_kittest::Harness<'_, RatingApp>, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
}
use crate::support::{MockProcess, UserEnv};

const TOKEN: &str = "settings-token";

/// The permission bits of the file at `path`.
#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn show(env: &UserEnv) -> Value {
    let output = env
        .cmd()
        .args(["config", "show", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The setting `key` of `config show --json`: its value, origin and file.
fn setting(shown: &Value, key: &str) -> (Value, String, Value) {
    let row = shown["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["key"] == key)
        .unwrap_or_else(|| panic!("{key} in {shown}"));
    (
        row["value"].clone(),
        row["origin"].as_str().unwrap().to_owned(),
        row["file"].clone(),
    )
}

#[test]
fn the_users_file_wins_over_the_drop_ins_which_win_over_the_machines_file_key_by_key() {
    let env = UserEnv::new();
    let etc = env.system_dir();
    write(
        &etc.join("config.toml"),
        "# Clinic network defaults.\nlanguage = \"en\"\nrequest_timeout_secs = 20\nconnect_timeout_secs = 3\n[kiosk_options]\nidle_secs = 100\nthank_you_secs = 5\n",
    );
    write(
        &etc.join("config.d/10-region.toml"),
        "request_timeout_secs = 25\n[kiosk_options]\nthank_you_secs = 6\n",
    );
    write(
        &etc.join("config.d/20-clinic.toml"),
        "request_timeout_secs = 40\n",
    );
    write(&etc.join("config.d/README"), "not = read\n");
    let user = env.write_config("connect_timeout_secs = 7\n");

    let shown = show(&env);
    let file = |path: &Path| json!(path.display().to_string());
    let system = file(&etc.join("config.toml"));
    let region = file(&etc.join("config.d/10-region.toml"));
    let clinic = file(&etc.join("config.d/20-clinic.toml"));
    // Each key: its value, where it came from, and from which file.
    let expected = [
        ("language", json!("en"), "system", system.clone()),
        ("request_timeout_secs", json!(40), "drop_in", clinic),
        ("connect_timeout_secs", json!(7), "user", file(&user)),
        ("kiosk_options.thank_you_secs", json!(6), "drop_in", region),
        ("kiosk_options.idle_secs", json!(100), "system", system),
        (
            "kiosk_options.cooldown_secs",
            json!(2),
            "default",
            Value::Null,
        ),
    ];
    for (key, value, origin, from) in expected {
        assert_eq!(
            setting(&shown, key),
            (value, origin.to_owned(), from),
            "{key}"
        );
    }
    let files: Vec<_> = shown["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["origin"].as_str().unwrap().to_owned(),
                f["exists"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            ("system".to_owned(), true),
            ("drop_in".to_owned(), true),
            ("drop_in".to_owned(), true),
            ("user".to_owned(), true)
        ]
    );

    // VISIT_RATING_URL wins over every file, and says so.
    write(
        &etc.join("config.d/30-url.toml"),
        "server_url = \"https://etc.example\"\n",
    );
    let output = env
        .cmd()
        .env("VISIT_RATING_URL", "https://env.example")
        .args(["config", "show", "--json"])
        .output()
        .unwrap();
    let shown: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        setting(&shown, "server_url"),
        (
            json!("https://env.example"),
            "environment".into(),
            Value::Null
        )
    );

    // The settings in force are the merged ones: the machine's language speaks.
    env.cmd()
        .args(["config", "show"])
        .assert()
        .success()
        .stdout(predicate::str::contains("language = \"en\""))
        .stdout(predicate::str::contains("machine file"));
}

#[test]
fn a_submit_uses_the_machines_server_and_the_users_file_still_wins() {
    let server = MockProcess::start(&["--token", TOKEN]);
    let env = UserEnv::new();
    write(
        &env.system_dir().join("config.toml"),
        &format!("server_url = \"{}\"\n", server.url),
    );
    env.cmd()
        .env("VISIT_RATING_TOKEN", TOKEN)
        .args(["submit", "--history", "etc-1", "--scores", "5,5,5,5"])
        .assert()
        .code(0);
    env.write_config("server_url = \"http://127.0.0.1:9\"\n");
    env.cmd()
        .env("VISIT_RATING_TOKEN", TOKEN)
        .args(["submit", "--history", "etc-2", "--scores", "5,5,5,5"])
        .assert()
        .code(5);
}

#[test]
fn an_unknown_key_is_named_on_stderr_and_ignored_and_the_command_runs() {
    let server = MockProcess::start(&["--token", TOKEN]);
    let env = UserEnv::new();
    let etc = env.system_dir().join("config.d/50-newer.toml");
    write(&etc, "photo_of_the_doctor = true\n");
    let user = env.write_config(&format!(
        "server_url = \"{}\"\nserver_ulr = \"typo\"\n[kiosk_options]\nglow = 3\n",
        server.url
    ));
    let output = env
        .cmd()
        .env("VISIT_RATING_TOKEN", TOKEN)
        .args([
            "--lang",
            "en",
            "submit",
            "--history",
            "unknown-1",
            "--scores",
            "5,5,5,5",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    for (file, key) in [
        (&etc, "photo_of_the_doctor"),
        (&user, "server_ulr"),
        (&user, "kiosk_options.glow"),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(&file.display().to_string())
                    && l.contains(key)
                    && l.contains("unknown setting")),
            "{key} in {}: {stderr}",
            file.display()
        );
    }
    // In Russian too, and `config show --json` lists them.
    env.cmd()
        .args(["config", "show"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "неизвестная настройка «server_ulr» пропущена",
        ));
    let shown = show(&env);
    assert_eq!(
        shown["unknown_keys"].as_array().unwrap().len(),
        3,
        "{shown}"
    );
}

#[test]
fn a_value_of_the_wrong_type_still_stops_the_command_naming_file_key_and_line() {
    let env = UserEnv::new();
    let path = env.system_dir().join("config.d/10.toml");
    write(&path, "# a comment\nconnect_timeout_secs = \"ten\"\n");
    env.cmd()
        .env("VISIT_RATING_TOKEN", TOKEN)
        .args([
            "submit",
            "--url",
            "http://127.0.0.1:9",
            "--history",
            "v",
            "--scores",
            "5,5,5,5",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(path.display().to_string()))
        .stderr(predicate::str::contains("line 2"))
        .stderr(predicate::str::contains("connect_timeout_secs"));
    // An out-of-range value names the drop-in that set it.
    write(&path, "kiosk_options.thank_you_secs = 0\n");
    env.cmd()
        .args(["config", "show"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(path.display().to_string()))
        .stderr(predicate::str::contains("kiosk_options.thank_you_secs"));
}

#[test]
fn config_set_keeps_comments_and_other_keys_and_refuses_what_the_loader_refuses() {
    let env = UserEnv::new();
    let before = "# Reception, clinic No. 3 — keep these notes.\n\nserver_url = \"https://rpgu.example.ru\"   # no trailing slash\n\n# Slow uplink.\nrequest_timeout_secs = 45\nfrom_a_newer_version = 1\n";
    let path = env.write_config(before);
    env.cmd()
        .args([
            "--lang",
            "en",
            "config",
            "set",
            "request_timeout_secs",
            "60",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "request_timeout_secs = 60 written to",
        ));
    env.cmd()
        .args(["config", "set", "kiosk_options.idle_secs", "120"])
        .assert()
        .success();
    let after = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        after,
        format!(
            "{}\n[kiosk_options]\nidle_secs = 120\n",
            before.replace("= 45", "= 60")
        )
    );
    for (key, value, words) in [
        (
            "request_timeout_sec",
            "60",
            "Unknown setting “request_timeout_sec”",
        ),
        ("kiosk", "yes", "kiosk: expected true or false, not “yes”"),
        (
            "connect_timeout_secs",
            "0",
            "connect_timeout_secs: must be between 1 and 600",
        ),
        ("kiosk_options.idle_secs", "5", "kiosk_options.idle_secs"),
        ("language", "de", "expected ru or en"),
        ("admin_pin_hash", "x", "admin-pin set"),
    ] {
        env.cmd()
            .args(["--lang", "en", "config", "set", key, value])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(words))
            .stderr(predicate::str::contains("nothing was written"));
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), after);
}

#[test]
fn config_set_on_a_new_account_makes_the_folder_and_a_private_file() {
    let env = UserEnv::new();
    assert!(!env.config_dir().exists());
    env.cmd()
        .args(["config", "set", "server_url", "https://rpgu.example.ru"])
        .assert()
        .success()
        .stdout(predicate::str::contains("записано"));
    let path = env.config_dir().join("config.toml");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "server_url = \"https://rpgu.example.ru\"\n"
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&path), 0o600);
    }
}

#[test]
fn config_set_system_writes_the_machines_file_readable_by_all_and_says_when_a_later_file_wins() {
    let env = UserEnv::new();
    env.write_config("language = \"ru\"\n");
    let system = env.system_dir().join("config.toml");
    write(&system, "# Managed by clinic IT.\ntext_scale = 1.2\n");
    env.cmd()
        .args([
            "--lang", "en", "config", "set", "--system", "language", "en",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("language is also set in"));
    assert_eq!(
        std::fs::read_to_string(&system).unwrap(),
        "# Managed by clinic IT.\ntext_scale = 1.2\nlanguage = \"en\"\n"
    );
    #[cfg(unix)]
    {
        std::fs::remove_file(&system).unwrap();
        env.cmd()
            .args(["config", "set", "--system", "kiosk", "true"])
            .assert()
            .success();
        assert_eq!(mode(&system), 0o644);
    }
}

#[test]
fn config_path_lists_the_files_in_the_order_they_are_read() {
    let env = UserEnv::new();
    write(&env.system_dir().join("config.d/20-b.toml"), "");
    write(&env.system_dir().join("config.d/10-a.toml"), "");
    let output = env
        .cmd()
        .args(["--lang", "en", "config", "path"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[0].starts_with("machine file: ") && lines[0].ends_with("config.toml (missing)"),
        "{text}"
    );
    assert!(lines[1].ends_with("config.d/10-a.toml"), "{text}");
    assert!(lines[2].ends_with("config.d/20-b.toml"), "{text}");
    assert!(
        lines[3].starts_with("user file: ") && lines[3].ends_with("(missing)"),
        "{text}"
    );
}

// --- The running window -------------------------------------------------------------

/// The log lines written on this thread (the window's frames run on it) while `f` runs.
fn logged<T>(f: impl FnOnce() -> T) -> (T, String) {
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().write(bytes)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .finish();
    let value = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    (value, text)
}

fn watched_window(
    sources: Sources,
    url: &str,
    every: Duration,
) -> egui_kittest::Harness<'static, RatingApp> {
    let loaded = sources.load().unwrap();
    let setup = visit_rating::ui::AppSetup {
        language: loaded.config.language,
        config: loaded.config,
        config_path: sources.user_file.clone(),
        ..setup_for(url, UI_TOKEN)
    };
    build_app(
        builder(egui::vec2(1000.0, 1100.0)),
        RatingApp::new(setup).watching(sources, None, every),
    )
}

/// A machine folder and a user's file of their own under `dir`.
fn sources_in(dir: &Path) -> Sources {
    Sources {
        system_dir: dir.join("etc"),
        user_file: dir.join("user/config.toml"),
        explicit: false,
    }
}

#[test]
fn a_changed_machine_file_is_applied_by_the_running_window_and_logged() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let sources = sources_in(dir.path());
    write(&sources.system_file(), "language = \"ru\"\n");
    let ((), log) = logged(|| {
        let mut harness = watched_window(sources.clone(), &server.url(), Duration::from_millis(50));
        assert!(shows(&harness, WAITING));
        // IT changes the machine's file: the window speaks English without a restart.
        write(
            &sources.system_file(),
            "language = \"en\"\nkiosk_options.monitor = 1\nadmin_pin_hash = \"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA\"\n",
        );
        step_until_seen(&mut harness, STEP_FRAMES, |h| shows(h, WAITING_EN));
        assert!(!shows(&harness, WAITING));
        assert_eq!(
            harness.state().config().language,
            visit_rating::config::Language::En
        );
    });
    assert!(
        log.lines().any(
            |l| l.contains("visit_rating::settings: setting changed: applied")
                && l.ends_with(r#"key="language" value="\"en\"""#)
        ),
        "{log}"
    );
    assert!(
        log.lines().any(|l| l.contains("kiosk_options.monitor")
            && l.contains("after a restart")
            && l.contains("placed on its monitor")),
        "{log}"
    );
    assert!(
        log.contains("admin_pin_hash") && !log.contains("argon2id"),
        "{log}"
    );
}

#[test]
fn sighup_makes_the_running_window_read_its_settings_at_once() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let sources = sources_in(dir.path());
    write(&sources.user_file, "language = \"en\"\n");
    // Looked at once an hour: only the signal can bring the change in time.
    let mut harness = watched_window(sources.clone(), &server.url(), Duration::from_hours(1));
    assert!(shows(&harness, WAITING_EN));
    // Let the watcher's first look pass (it reads the files once at start).
    std::thread::sleep(Duration::from_millis(300));
    harness.step();
    std::fs::write(&sources.user_file, "language = \"ru\"\n").unwrap();
    rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::HUP).unwrap();
    step_until_seen(&mut harness, STEP_FRAMES, |h| shows(h, WAITING));
}

#[test]
fn setting_the_pin_on_a_new_account_leaves_the_machines_settings_in_force() {
    let env = UserEnv::new();
    write(
        &env.system_dir().join("config.toml"),
        "server_url = \"http://127.0.0.1:9\"\nallow_insecure_http = true\nhigh_contrast = true\n",
    );
    env.cmd()
        .args(["admin-pin", "set"])
        .write_stdin("123456\n")
        .assert()
        .code(0);
    // The user's file holds the PIN alone: the machine's keys are not shadowed by the
    // defaults written beside it.
    let (value, origin, _) = setting(&show(&env), "allow_insecure_http");
    assert_eq!((value, origin.as_str()), (json!(true), "system"));
    let (value, origin, _) = setting(&show(&env), "high_contrast");
    assert_eq!((value, origin.as_str()), (json!(true), "system"));
    let (_, origin, _) = setting(&show(&env), "admin_pin_hash");
    assert_eq!(origin, "user");
}
