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
