//! `visit-rating admin-pin`: the PIN reaches the settings only as an Argon2id hash.

use predicates::prelude::*;

use crate::support::UserEnv;

#[test]
fn set_stores_a_hash_never_the_pin_and_clear_removes_it() {
    let env = UserEnv::new();
    env.write_config("language = \"en\"\nserver_url = \"https://rpgu.example.ru\"\n");
    env.cmd()
        .args(["admin-pin", "set"])
        .write_stdin("735190\n")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Argon2id"));
    let path = env.config_dir().join("config.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("735190"), "{text}");
    let config = visit_rating::config::Config::read(&path).unwrap();
    let hash = config.admin_pin_hash.unwrap();
    assert!(visit_rating::admin_pin::verify_pin("735190", &hash));
    assert_eq!(
        config.server_url.as_deref(),
        Some("https://rpgu.example.ru"),
        "other settings kept"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the settings file is private");
    }

    env.cmd().args(["admin-pin", "clear"]).assert().code(0);
    let config = visit_rating::config::Config::read(&path).unwrap();
    assert_eq!(config.admin_pin_hash, None);
}

#[test]
fn a_hand_written_settings_file_keeps_its_comments_and_order() {
    use crate::support::{HAND_WRITTEN_CONFIG, HAND_WRITTEN_LAST_KEY, with_line_after};
    let env = UserEnv::new();
    let path = env.write_config(HAND_WRITTEN_CONFIG);
    env.cmd()
        .args(["admin-pin", "set"])
        .write_stdin("246813\n")
        .assert()
        .code(0);
    let after = std::fs::read_to_string(&path).unwrap();
    let hash_line = after
        .lines()
        .find(|line| line.starts_with("admin_pin_hash = "))
        .unwrap_or_else(|| panic!("no admin_pin_hash in:\n{after}"));
    // The one change: the hash, in the top-level table (not under [kiosk_options]).
    assert_eq!(
        after,
        with_line_after(HAND_WRITTEN_CONFIG, HAND_WRITTEN_LAST_KEY, hash_line)
    );
    let config = visit_rating::config::Config::read(&path).unwrap();
    assert!(visit_rating::admin_pin::verify_pin(
        "246813",
        config.admin_pin_hash.as_deref().unwrap()
    ));
    assert_eq!(config.kiosk_options.idle_secs, 120);
    assert_eq!(config.request_timeout_secs, 45);

    env.cmd().args(["admin-pin", "clear"]).assert().code(0);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), HAND_WRITTEN_CONFIG);
}

#[test]
fn a_damaged_settings_file_is_not_overwritten() {
    let env = UserEnv::new();
    let damaged = "server_url = \"https://rpgu.example.ru\"\nkiosk = tru\n";
    let path = env.write_config(damaged);
    env.cmd()
        .args(["admin-pin", "set"])
        .write_stdin("246813\n")
        .assert()
        .failure()
        .stderr(predicate::str::contains("line 2"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), damaged);
}

#[test]
fn a_pin_that_is_not_6_to_12_digits_changes_nothing() {
    let env = UserEnv::new();
    for bad in [
        "12\n",
        "2468\n",
        "73519\n",
        "abcdef\n",
        "1234567890123\n",
        "",
    ] {
        // In Russian, the default, and in English when asked.
        env.cmd()
            .args(["admin-pin", "set"])
            .write_stdin(bad)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "PIN-код должен состоять из 6–12 цифр",
            ));
        env.cmd()
            .args(["--lang", "en", "admin-pin", "set"])
            .write_stdin(bad)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("6 to 12 digits"));
    }
    assert!(!env.config_dir().join("config.toml").exists());
}

/// `admin-pin set` and `clear` speak the language the rest of the command line speaks:
/// `--lang`, else the settings' `language`, else Russian. The environment is a user's
/// on an English desktop (`LANG`, `LC_ALL`), which, as for every command, does not
/// choose it.
#[test]
fn set_and_clear_speak_the_users_language() {
    let env = UserEnv::new();
    let run = |args: &[&str], stdin: &str| {
        let output = env
            .cmd()
            .env("LANG", "en_US.UTF-8")
            .env("LC_ALL", "en_US.UTF-8")
            .args(args)
            .write_stdin(stdin)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let path = env.config_dir().join("config.toml");
    let shown = path.display().to_string();

    // No settings yet: Russian, the default.
    let (code, stdout, stderr) = run(&["admin-pin", "set"], "735190\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout.trim_end(),
        format!("PIN-код администратора сохранён в {shown} в виде хеша Argon2id.")
    );
    let (code, stdout, _) = run(&["admin-pin", "clear"], "");
    assert_eq!(code, Some(0));
    assert_eq!(
        stdout.trim_end(),
        format!("PIN-код администратора удалён из {shown}.")
    );

    // `language = "en"` in the settings: English, as `config show` or `submit` would.
    env.write_config("language = \"en\"\n");
    let (code, stdout, _) = run(&["admin-pin", "set"], "735190\n");
    assert_eq!(code, Some(0));
    assert_eq!(
        stdout.trim_end(),
        format!("The administrator PIN is stored as an Argon2id hash in {shown}.")
    );
    let (_, stdout, _) = run(&["admin-pin", "clear"], "");
    assert_eq!(
        stdout.trim_end(),
        format!("The administrator PIN is removed from {shown}.")
    );
    // `--lang ru` wins over the settings.
    let (code, _, stderr) = run(&["--lang", "ru", "admin-pin", "set"], "12\n");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("ничего не изменено"), "{stderr}");
    assert!(!stderr.contains("nothing"), "{stderr}");

    // A damaged settings file stops it (before the language is known), naming the file
    // and the line, and is left as it was.
    let damaged = "language = \"en\"\nkiosk = tru\n";
    std::fs::write(&path, damaged).unwrap();
    let (code, _, stderr) = run(&["--lang", "ru", "admin-pin", "clear"], "");
    assert_ne!(code, Some(0));
    assert!(stderr.contains(&shown), "{stderr}");
    assert!(stderr.contains("line 2"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), damaged);
}

/// `admin-pin set` on a terminal (`script` gives it a pseudo-terminal, as a person at a
/// console has): its two prompts and the answer to PINs that differ, in each language.
#[test]
fn set_on_a_terminal_asks_in_the_users_language() {
    let env = UserEnv::new();
    let on_a_terminal = |lang: &str, typed: &str| {
        let program = assert_cmd::cargo::cargo_bin("visit-rating");
        let command_line = format!("'{}' --lang {lang} admin-pin set", program.display());
        let mut script = crate::support::on_a_terminal(env.std_cmd("script"), &command_line);
        let mut child = script
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("`script` (util-linux) is installed");
        {
            use std::io::Write as _;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(typed.as_bytes()).unwrap();
        }
        let output = child.wait_with_output().unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };

    // Two PINs that differ: both prompts and the refusal, in each language.
    for (lang, said) in [
        (
            "ru",
            [
                "Новый PIN-код администратора (6–12 цифр, не отображается при вводе):",
                "Повторите PIN-код:",
                "PIN-коды не совпадают: ничего не изменено.",
            ],
        ),
        (
            "en",
            [
                "New administrator PIN (6-12 digits, not shown while you type):",
                "Repeat the PIN:",
                "The two PINs differ; nothing was changed.",
            ],
        ),
    ] {
        let (code, text) = on_a_terminal(lang, "735190\n735191\n");
        assert_eq!(code, Some(2), "{lang}: {text}");
        for sentence in said {
            assert!(text.contains(sentence), "{lang}: «{sentence}» in {text}");
        }
    }
    assert!(!env.config_dir().join("config.toml").exists());

    // The same PIN twice: stored, said in Russian.
    let (code, text) = on_a_terminal("ru", "735190\n735190\n");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("в виде хеша Argon2id"), "{text}");
}

/// `admin-pin check` with `stdin`, in English: its exit code, stdout and stderr, which
/// never hold the PIN or the stored hash.
fn check(env: &UserEnv, stdin: impl Into<Vec<u8>>) -> (i32, String, String) {
    let output = env
        .cmd()
        .args(["--lang", "en", "admin-pin", "check"])
        .write_stdin(stdin.into())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let hash = std::fs::read_to_string(env.config_dir().join("config.toml"))
        .ok()
        .and_then(|text| toml::from_str::<toml::Table>(&text).ok())
        .and_then(|table| table.get("admin_pin_hash")?.as_str().map(str::to_owned));
    for secret in ["735190", "735191", "123456"]
        .into_iter()
        .map(str::to_owned)
        .chain(hash)
    {
        assert!(!stdout.contains(&secret), "{stdout}");
        assert!(!stderr.contains(&secret), "{stderr}");
    }
    (output.status.code().unwrap(), stdout, stderr)
}

#[test]
fn check_says_whether_a_pin_matches_the_stored_hash() {
    let env = UserEnv::new();
    env.cmd()
        .args(["admin-pin", "set"])
        .write_stdin("735190\n")
        .assert()
        .code(0);
    let path = env.config_dir().join("config.toml");
    let before = std::fs::read_to_string(&path).unwrap();

    let (code, stdout, _) = check(&env, "735190\n");
    assert_eq!(code, 0, "the right PIN");
    assert!(stdout.contains("matches"), "{stdout}");
    // Without a line break too (printf '%s').
    assert_eq!(check(&env, "735190").0, 0);

    let (code, _, stderr) = check(&env, "735191\n");
    assert_eq!(code, 13, "a wrong PIN: {stderr}");
    assert!(stderr.contains("does not match"), "{stderr}");
    assert_eq!(check(&env, "123456\n").0, 13);

    // Checking changes nothing: not the file, not the kiosk's wrong-PIN count.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    assert!(!env.data_dir().join("pin-attempts.json").exists());
}

#[test]
fn check_reads_the_pin_in_force_and_says_when_none_is_set() {
    let env = UserEnv::new();
    let (code, _, stderr) = check(&env, "735190\n");
    assert_eq!(code, 14, "no settings file at all: {stderr}");
    assert!(stderr.contains("No administrator PIN is set"), "{stderr}");

    env.write_config("server_url = \"https://rpgu.example.ru\"\n");
    assert_eq!(check(&env, "735190\n").0, 14, "settings without a PIN");

    // Russian by default.
    let output = env
        .cmd()
        .args(["admin-pin", "check"])
        .write_stdin("735190\n")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(14));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("PIN-код администратора не задан"),
        "{output:?}"
    );

    // A PIN set, then cleared: none again.
    env.cmd()
        .args(["admin-pin", "set"])
        .write_stdin("735190\n")
        .assert()
        .code(0);
    env.cmd().args(["admin-pin", "clear"]).assert().code(0);
    assert_eq!(check(&env, "735190\n").0, 14);
}

#[test]
fn check_refuses_input_that_is_not_a_pin_without_comparing() {
    let env = UserEnv::new();
    env.cmd()
        .args(["admin-pin", "set"])
        .write_stdin("735190\n")
        .assert()
        .code(0);
    let long = format!("735190{}\n", "0".repeat(10_000));
    let junk: [&[u8]; 9] = [
        b"",
        b"\n",
        b"73519x\n",
        b" 735190\n",
        b"735190\n735190\n",
        b"7351900000000\n",
        b"\xff\xfe735190\n",
        b"735190\0\n",
        long.as_bytes(),
    ];
    for input in junk {
        let (code, _, stderr) = check(&env, input);
        assert_eq!(code, 2, "{input:?}: {stderr}");
        assert!(stderr.contains("not a PIN"), "{input:?}: {stderr}");
    }
    // A damaged settings file stops it as it stops every command (exit 2, file and line).
    env.write_config("admin_pin_hash = tru\n");
    let (code, _, stderr) = check(&env, "735190\n");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("line 1"), "{stderr}");
}
