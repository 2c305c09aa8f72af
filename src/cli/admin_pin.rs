//! `visit-rating admin-pin set|clear|check`: the kiosk administrator's PIN. What each
//! prints, its prompts included, is in the user's language, chosen as for every command.

use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

use super::Exit;
use crate::admin_pin::PinError;
use crate::config::{Config, ConfigError};
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
/// Its prompts, errors and answer are in `i18n`'s language (`--lang`, else the
/// settings' `language`), as every command's.
pub fn admin_pin_set(config: &Config, config_path: &Path, i18n: &I18n) -> Exit {
    use std::io::IsTerminal;
    let pin: Zeroizing<String> = if std::io::stdin().is_terminal() {
        let ask = |key| {
            rpassword::prompt_password(format!("{} ", i18n.tr(key)))
                .map(Zeroizing::new)
                .map_err(|e| {
                    crate::err!(
                        "{}",
                        i18n.tr_args(
                            msg!("admin-pin-set-unreadable-terminal"),
                            &[("detail", e.to_string().into())]
                        )
                    );
                })
        };
        let Ok(first) = ask(msg!("admin-pin-set-prompt")) else {
            return Exit::Failure;
        };
        let Ok(second) = ask(msg!("admin-pin-set-repeat")) else {
            return Exit::Failure;
        };
        if first != second {
            crate::err!("{}", i18n.tr(msg!("admin-pin-set-differ")));
            return Exit::Invalid;
        }
        first
    } else {
        let mut text = Zeroizing::new(String::new());
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            return check_unreadable(i18n, &e);
        }
        text
    };
    let hash = match crate::admin_pin::hash_pin(&pin) {
        Ok(hash) => hash,
        Err(PinError::Format) => {
            crate::err!("{}", i18n.tr(msg!("admin-pin-set-format")));
            return Exit::Invalid;
        }
        Err(PinError::Hash(_)) => {
            crate::err!("{}", i18n.tr(msg!("admin-pin-set-hash-failed")));
            return Exit::Invalid;
        }
    };
    save_pin_hash(config, config_path, Some(hash), i18n)
}

/// `visit-rating admin-pin clear`: remove the PIN (the kiosk's administrator area then
/// cannot be opened from the screen). Its answer is in `i18n`'s language.
pub fn admin_pin_clear(config: &Config, config_path: &Path, i18n: &I18n) -> Exit {
    save_pin_hash(config, config_path, None, i18n)
}

fn save_pin_hash(_config: &Config, config_path: &Path, hash: Option<String>, i18n: &I18n) -> Exit {
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
    let path = || config_path.display().to_string().into();
    match saved {
        Ok(()) => {
            let done = if set {
                msg!("admin-pin-stored")
            } else {
                msg!("admin-pin-removed")
            };
            crate::out!("{}", i18n.tr_args(done, &[("path", path())]));
            Exit::Ok
        }
        Err(e) => {
            crate::err!("{}", settings_error(&e, i18n));
            Exit::Failure
        }
    }
}

/// Why the settings file could not be read or saved, in `i18n`'s language: the file,
/// and the system's or the TOML parser's own words (with the line) as the detail.
fn settings_error(error: &ConfigError, i18n: &I18n) -> String {
    let (key, path, detail) = match error {
        ConfigError::Read { path, source } => (
            msg!("admin-pin-settings-unreadable"),
            path,
            source.to_string(),
        ),
        ConfigError::Parse { path, message } => {
            (msg!("admin-pin-settings-invalid"), path, message.clone())
        }
        ConfigError::Value {
            path,
            field,
            reason,
        } => (
            msg!("admin-pin-settings-invalid"),
            path,
            format!("{field}: {reason}"),
        ),
        ConfigError::Write { path, source } => (
            msg!("admin-pin-settings-unwritable"),
            path,
            source.to_string(),
        ),
        // Not from reading or saving a named file; its own words name the way out.
        ConfigError::NoHome => return error.to_string(),
    };
    i18n.tr_args(
        key,
        &[
            ("path", path.display().to_string().into()),
            ("detail", detail.into()),
        ],
    )
}
