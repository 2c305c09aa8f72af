//! `visit-rating admin-pin set|clear`: the kiosk administrator's PIN.

use std::io::Read;

use super::Exit;
use crate::config::Config;
/// `visit-rating admin-pin set`: read a PIN from standard input (asked twice without
/// echo on a terminal), store its Argon2id hash in the settings file. Exit 0, or 2 for a
/// PIN that is not 6–12 digits or PINs that differ, or 1 when the file cannot be saved.
pub fn admin_pin_set(config: &Config, config_path: &std::path::Path) -> Exit {
    use std::io::IsTerminal;
    let pin = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New administrator PIN (6-12 digits): ");
        let second = rpassword::prompt_password("Repeat the PIN: ");
        match (first, second) {
            (Ok(a), Ok(b)) if a == b => a,
            (Ok(_), Ok(_)) => {
                crate::err!("The two PINs differ; nothing was changed.");
                return Exit::Invalid;
            }
            (Err(e), _) | (_, Err(e)) => {
                crate::err!("cannot read the PIN: {e}");
                return Exit::Failure;
            }
        }
    } else {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            crate::err!("cannot read the PIN from standard input: {e}");
            return Exit::Failure;
        }
        text
    };
    let hash = match crate::admin_pin::hash_pin(&pin) {
        Ok(hash) => hash,
        Err(e) => {
            crate::err!("{e}; nothing was changed.");
            return Exit::Invalid;
        }
    };
    save_pin_hash(config, config_path, Some(hash))
}

/// `visit-rating admin-pin clear`: remove the PIN (the kiosk's administrator area then
/// cannot be opened from the screen).
pub fn admin_pin_clear(config: &Config, config_path: &std::path::Path) -> Exit {
    save_pin_hash(config, config_path, None)
}

fn save_pin_hash(_config: &Config, config_path: &std::path::Path, hash: Option<String>) -> Exit {
    let set = hash.is_some();
    // The user's file as it is, with the hash alone changed: the settings in force also
    // hold the machine's files' values, which must not be copied into it.
    let saved = Config::current(config_path).and_then(|current| {
        Config {
            admin_pin_hash: hash,
            ..current
        }
        .save(config_path)
    });
    match saved {
        Ok(()) => {
            let what = if set {
                "stored as an Argon2id hash in"
            } else {
                "removed from"
            };
            crate::out!("The administrator PIN is {what} {}.", config_path.display());
            Exit::Ok
        }
        Err(e) => {
            crate::err!("{e}");
            Exit::Failure
        }
    }
}
