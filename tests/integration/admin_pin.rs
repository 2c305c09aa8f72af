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
        env.cmd()
            .args(["admin-pin", "set"])
            .write_stdin(bad)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("6 to 12 digits"));
    }
    assert!(!env.config_dir().join("config.toml").exists());
}
