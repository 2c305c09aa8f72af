//! `visit-rating token set|status|clear`: the server's token in the keyring.

use crate::msg;
use std::io::Read;

use serde_json::json;

use super::Exit;
use crate::config::Config;
use crate::i18n::I18n;
use crate::secrets::{self, Token};
/// Which `token` command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenAction {
    /// `token set`: read a token from standard input and store it.
    Set,
    /// `token status`: say whether one is stored, where from, when it expires.
    Status,
    /// `token clear`: remove it.
    Clear,
}

/// `visit-rating token set|status|clear [--url URL] [--json]`.
///
/// Exit codes:
/// - 0: done (for `status`: a token is in force, from the keyring or the environment);
/// - 1: standard input could not be read (`set`);
/// - 2: invalid input: no server URL; a token that is empty, has whitespace or control
///   characters, is not ASCII or is longer than 2560 bytes; a `VISIT_RATING_TOKEN` that
///   is set but unusable (`status`);
/// - 4: no token: `status` finds none, `clear` had nothing to remove;
/// - 7: the keyring is not usable: no Secret Service, locked, access denied, a damaged
///   entry, any other store failure.
///
/// With `--json`, exactly one object on standard output: on failure
/// `{"ok": false, "origin", "error_kind", "error"}` (`error_kind` from
/// [`secrets::SecretsError::kind`], or `no_url` / `read_failed`).
pub fn token(
    action: TokenAction,
    url: Option<&str>,
    json: bool,
    config: &Config,
    i18n: &I18n,
) -> Exit {
    let Some(url) = config.effective_url(url) else {
        if json {
            crate::out!(
                "{}",
                super::report::json_line(
                    &json!({"ok": false, "origin": null, "error_kind": "no_url",
                    "error": "no server URL: pass --url, set VISIT_RATING_URL or server_url in the settings file"})
                )
            );
        } else {
            crate::err!("{}", i18n.tr(msg!("error-no-url")));
        }
        return Exit::Invalid;
    };
    let origin = crate::api::origin(&url);
    let report = |exit: Exit, value: serde_json::Value, text: String| {
        if json {
            crate::out!("{}", super::report::json_line(&value));
        } else if exit == Exit::Ok {
            crate::out!("{text}");
        } else {
            crate::err!("{text}");
        }
        exit
    };
    let failed = |e: &secrets::SecretsError| {
        let exit = Exit::for_secrets(e);
        report(
            exit,
            json!({"ok": false, "origin": origin, "error_kind": e.kind(), "error": e.to_string()}),
            i18n.secrets_error(e),
        )
    };
    match action {
        TokenAction::Set => {
            let prompt = format!("{} ", i18n.tr(msg!("token-prompt")));
            let token = match read_token_from_stdin(&prompt) {
                Ok(token) => token,
                Err(TokenInput::Format(e)) => return failed(&secrets::SecretsError::BadToken(e)),
                Err(TokenInput::Read(e)) => {
                    let error = format!("cannot read the token from standard input: {e}");
                    return report(
                        Exit::Failure,
                        json!({"ok": false, "origin": origin, "error_kind": "read_failed", "error": error}),
                        i18n.tr_args(msg!("error-input"), &[("error", error.as_str().into())]),
                    );
                }
            };
            match secrets::store_token(&origin, &token) {
                Ok(()) => report(
                    Exit::Ok,
                    json!({"ok": true, "origin": origin, "stored": true}),
                    i18n.tr_args(msg!("token-stored"), &[("origin", origin.as_str().into())]),
                ),
                Err(e) => failed(&e),
            }
        }
        TokenAction::Clear => match secrets::clear_token(&origin) {
            Ok(existed) => report(
                if existed { Exit::Ok } else { Exit::Token },
                json!({"ok": existed, "origin": origin, "removed": existed}),
                i18n.tr_args(
                    if existed {
                        msg!("token-cleared")
                    } else {
                        msg!("token-nothing-to-clear")
                    },
                    &[("origin", origin.as_str().into())],
                ),
            ),
            Err(e) => failed(&e),
        },
        TokenAction::Status => match secrets::token_status(&origin) {
            Ok(status) => {
                let text = i18n.token_status(&status);
                let exit = if status.source.is_some() {
                    Exit::Ok
                } else {
                    Exit::Token
                };
                report(exit, json!(status), text)
            }
            Err(e) => failed(&e),
        },
    }
}

/// Why `token set` got no token.
enum TokenInput {
    /// What was read is not a usable token.
    Format(secrets::TokenFormatError),
    /// Standard input could not be read.
    Read(std::io::Error),
}

/// A token from standard input: asked without echo on a terminal, read whole from a
/// pipe. Never from the command line, which other users see in `ps`. At most a little
/// more than [`secrets::MAX_TOKEN_BYTES`] is kept in memory (the rest is only counted,
/// to say how long it was), and the copy is zeroed once checked.
fn read_token_from_stdin(prompt: &str) -> Result<Token, TokenInput> {
    use secrecy::zeroize::Zeroize;
    use std::io::IsTerminal;
    let mut bytes = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt)
            .map_err(TokenInput::Read)?
            .into_bytes()
    } else {
        let keep = u64::try_from(secrets::MAX_TOKEN_BYTES + 2).unwrap_or(u64::MAX);
        let mut stdin = std::io::stdin().lock();
        let mut bytes = Vec::new();
        (&mut stdin)
            .take(keep + 1)
            .read_to_end(&mut bytes)
            .map_err(TokenInput::Read)?;
        if bytes.len() as u64 > keep {
            let rest = std::io::copy(&mut stdin, &mut std::io::sink()).map_err(TokenInput::Read)?;
            let total = usize::try_from(rest).map_or(usize::MAX, |r| r + bytes.len());
            bytes.zeroize();
            return Err(TokenInput::Format(secrets::TokenFormatError::TooLong {
                bytes: total,
            }));
        }
        bytes
    };
    let token = match std::str::from_utf8(&bytes) {
        Ok(text) => Token::new(text).map_err(TokenInput::Format),
        Err(_) => Err(TokenInput::Format(secrets::TokenFormatError::NonAscii)),
    };
    bytes.zeroize();
    token
}
