//! `visit-rating admin-pin set|clear|check`: the kiosk administrator's PIN.

use std::io::Read;

use zeroize::Zeroizing;

use super::Exit;
use crate::config::Config;
use crate::i18n::I18n;
use crate::msg;

/// The most bytes `admin-pin check` reads from standard input: a PIN of 12 digits and a
/// line break fit many times over; more is not a PIN.
const CHECK_INPUT_LIMIT: u64 = 64;

/// `visit-rating admin-pin check`: read a PIN from standard input (asked once without
/// echo on a terminal) and compare it with the Argon2id hash in force (the settings
/// files read key by key, as the kiosk reads them). For configuration management: a PIN
/// already in force need not be set again.
///
/// Exit codes: 0 it matches; 13 it does not; 14 no PIN is set; 2 the input is not a
/// PIN (one line of 1–12 digits), nothing compared; 1 standard input cannot be read.
/// (Settings that cannot be read stop the program before this, with exit 2.) Neither
/// the PIN nor the hash is ever printed.
pub fn admin_pin_check(config: &Config, i18n: &I18n) -> Exit {
    use std::io::IsTerminal;
    let text: Zeroizing<String> = if std::io::stdin().is_terminal() {
        let prompt = format!("{} ", i18n.tr(msg!("admin-pin-check-prompt")));
        match rpassword::prompt_password(prompt) {
            Ok(pin) => Zeroizing::new(pin),
            Err(e) => return check_unreadable(i18n, &e),
        }
    } else {
        let mut bytes = Zeroizing::new(Vec::new());
        if let Err(e) = std::io::stdin()
            .lock()
            .take(CHECK_INPUT_LIMIT)
            .read_to_end(&mut bytes)
        {
            return check_unreadable(i18n, &e);
        }
        match String::from_utf8(std::mem::take(&mut *bytes)) {
            Ok(text) => Zeroizing::new(text),
            // Not text: no PIN. (The bytes go with the error, never shown.)
            Err(e) => {
                drop(Zeroizing::new(e.into_bytes()));
                Zeroizing::new(String::new())
            }
        }
    };
    let Some(pin) = crate::admin_pin::entered_pin(&text) else {
        crate::err!("{}", i18n.tr(msg!("admin-pin-check-not-a-pin")));
        return Exit::Invalid;
    };
    let Some(hash) = config.admin_pin_hash.as_deref() else {
        crate::err!("{}", i18n.tr(msg!("admin-pin-check-none")));
        return Exit::NoPin;
    };
    if crate::admin_pin::verify_pin(pin, hash) {
        crate::out!("{}", i18n.tr(msg!("admin-pin-check-match")));
        Exit::Ok
    } else {
        crate::err!("{}", i18n.tr(msg!("admin-pin-check-mismatch")));
        Exit::PinMismatch
    }
}

fn check_unreadable(i18n: &I18n, e: &std::io::Error) -> Exit {
    crate::err!(
        "{}",
        i18n.tr_args(
            msg!("admin-pin-check-unreadable"),
            &[("detail", e.to_string().into())]
        )
    );
    Exit::Failure
}
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
