//! `visit-rating token set|status|clear`: the server's token in the keyring, and where
//! the token in force comes from (the environment, a systemd credential, `token_file`
//! or the keyring).

use crate::msg;
use std::io::Read;

use zeroize::Zeroizing;

use super::Exit;
use super::args::TokenCommand;
use super::json::{TokenCleared, TokenFailed, TokenStatusJson, TokenStored};
use crate::config::Config;
use crate::i18n::I18n;
use crate::secrets::{self, Token};
use crate::service::Service;
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

/// What a `token` command was asked to do.
#[derive(Clone, Debug)]
pub struct TokenRequest {
    /// `set`, `status` or `clear`.
    pub action: TokenAction,
    /// `--url`.
    pub url: Option<String>,
    /// `--json`.
    pub json: bool,
}

impl From<TokenCommand> for TokenRequest {
    fn from(command: TokenCommand) -> TokenRequest {
        let (action, args) = match command {
            TokenCommand::Set(args) => (TokenAction::Set, args),
            TokenCommand::Status(args) => (TokenAction::Status, args),
            TokenCommand::Clear(args) => (TokenAction::Clear, args),
        };
        TokenRequest {
            action,
            url: args.url,
            json: args.json,
        }
    }
}

/// `visit-rating token set|status|clear [--url URL] [--json]`.
///
/// Exit codes:
/// - 0: done (for `status`: a token is in force, from the keyring, the environment, the
///   systemd credential or `token_file`);
/// - 1: standard input could not be read (`set`);
/// - 2: invalid input: no server URL; a token that is empty, has whitespace or control
///   characters, is not ASCII or is longer than 2560 bytes; a `VISIT_RATING_TOKEN` that
///   is set but unusable, a token file refused (`status`); `set` when the server's token
///   comes from a file (it says to write the file instead);
/// - 4: no token: `status` finds none, `clear` had nothing to remove;
/// - 7: the keyring is not usable: no Secret Service, locked, access denied, a damaged
///   entry, any other store failure.
///
/// With `--json`, exactly one object on standard output: on failure
/// `{"ok": false, "origin", "error_kind", "error"}` (`error_kind` from
/// [`secrets::SecretsError::kind`], or `no_url` / `read_failed` /
/// `token_from_file` / `token_from_credential`).
pub fn token(request: &TokenRequest, config: &Config, i18n: &I18n) -> Exit {
    let json = request.json;
    let service = Service::for_command(config, request.url.as_deref(), false);
    let Some(origin) = service.origin() else {
        if json {
            crate::out!(
                "{}",
                super::report::json_line(&TokenFailed::new(
                    "no_url",
                    "no server URL: pass --url, set VISIT_RATING_URL or server_url in the settings file",
                    None
                ))
            );
        } else {
            crate::err!("{}", i18n.tr(msg!("error-no-url")));
        }
        return Exit::Invalid;
    };
    // `line`: the `--json` object, already a line ([`super::report::json_line`]).
    let report = |exit: Exit, line: String, text: String| {
        if json {
            crate::out!("{line}");
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
            super::report::json_line(&TokenFailed::new(e.kind(), &e.to_string(), Some(&origin))),
            i18n.secrets_error(e),
        )
    };
    match request.action {
        TokenAction::Set => {
            if let Some((from, path)) = service.token_file() {
                return set_refused(from, path, &origin, i18n, report);
            }
            let prompt = format!("{} ", i18n.tr(msg!("token-prompt")));
            let token = match read_token_from_stdin(&prompt) {
                Ok(token) => token,
                Err(TokenInput::Format(e)) => return failed(&secrets::SecretsError::BadToken(e)),
                Err(TokenInput::Read(e)) => {
                    let error = format!("cannot read the token from standard input: {e}");
                    return report(
                        Exit::Failure,
                        super::report::json_line(&TokenFailed::new(
                            "read_failed",
                            &error,
                            Some(&origin),
                        )),
                        i18n.tr_args(msg!("error-input"), &[("error", error.as_str().into())]),
                    );
                }
            };
            match service.store_token(&token) {
                Ok(()) => report(
                    Exit::Ok,
                    super::report::json_line(&TokenStored {
                        ok: true,
                        origin: &origin,
                        stored: true,
                    }),
                    i18n.tr_args(msg!("token-stored"), &[("origin", origin.as_str().into())]),
                ),
                Err(e) => failed(&e),
            }
        }
        TokenAction::Clear => match service.clear_token() {
            Ok(existed) => report(
                if existed { Exit::Ok } else { Exit::Token },
                super::report::json_line(&TokenCleared {
                    ok: existed,
                    origin: &origin,
                    removed: existed,
                }),
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
        TokenAction::Status => match service.token_status() {
            Ok(status) => report(
                status.source.map_or(Exit::Token, |_| Exit::Ok),
                super::report::json_line(&TokenStatusJson::from(&status)),
                i18n.token_status(&status),
            ),
            Err(e) => failed(&e),
        },
    }
}

/// `token set` for a server whose token comes from the file `path` (`from`: the systemd
/// credential or `token_file`): refused, saying to write the file instead — a token
/// stored in the keyring would never be used. `report` prints.
fn set_refused(
    from: secrets::TokenOrigin,
    path: &std::path::Path,
    origin: &str,
    i18n: &I18n,
    report: impl Fn(Exit, String, String) -> Exit,
) -> Exit {
    let path = path.display().to_string();
    let (kind, key) = if from == secrets::TokenOrigin::Credential {
        ("token_from_credential", msg!("token-set-from-credential"))
    } else {
        ("token_from_file", msg!("token-set-from-file"))
    };
    let error = format!(
        "the token for {origin} comes from {path}, not from the keyring: write the new token there"
    );
    report(
        Exit::Invalid,
        super::report::json_line(&TokenFailed::new(kind, &error, Some(origin))),
        i18n.tr_args(
            key,
            &[("origin", origin.into()), ("path", path.as_str().into())],
        ),
    )
}

/// Why `token set` got no token.
enum TokenInput {
    /// What was read is not a usable token.
    Format(secrets::TokenFormatError),
    /// Standard input could not be read.
    Read(std::io::Error),
}

/// A token from standard input: asked without echo on a terminal, read whole from a
/// pipe. Never from the command line, which other users see in `ps`.
///
/// Every copy we make is wiped once checked: the typed `String` (rpassword wipes its
/// own), and a pipe's bytes, read without the standard library's stdin buffer (which
/// would keep them for the life of the process) into one buffer of fixed size that is
/// never reallocated (growing a `Vec` leaves the old copies behind in freed memory). At
/// most a little more than [`secrets::MAX_TOKEN_BYTES`] is kept; the rest is only
/// counted, to say how long it was.
fn read_token_from_stdin(prompt: &str) -> Result<Token, TokenInput> {
    use std::io::IsTerminal;
    let bytes = if std::io::stdin().is_terminal() {
        Zeroizing::new(
            rpassword::prompt_password(prompt)
                .map_err(TokenInput::Read)?
                .into_bytes(),
        )
    } else {
        read_piped_token().map_err(|e| match e {
            PipedToken::TooLong(bytes) => {
                TokenInput::Format(secrets::TokenFormatError::TooLong { bytes })
            }
            PipedToken::Read(e) => TokenInput::Read(e),
        })?
    };
    match std::str::from_utf8(&bytes) {
        Ok(text) => Token::new(text).map_err(TokenInput::Format),
        Err(_) => Err(TokenInput::Format(secrets::TokenFormatError::NonAscii)),
    }
}

/// Why a piped token was not read.
enum PipedToken {
    /// It is this many bytes long: more than a token can be.
    TooLong(usize),
    Read(std::io::Error),
}

/// Standard input, read to its end into a wiped buffer of `MAX_TOKEN_BYTES + 3` bytes
/// (a token, a line break `\r\n`, and one byte to notice more).
fn read_piped_token() -> Result<Zeroizing<Vec<u8>>, PipedToken> {
    let mut input = unbuffered_stdin().map_err(PipedToken::Read)?;
    let mut buffer = Zeroizing::new(vec![0u8; secrets::MAX_TOKEN_BYTES + 3]);
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => {
                buffer.truncate(filled);
                return Ok(buffer);
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(PipedToken::Read(e)),
        }
    }
    // Too long: count the rest, through a buffer wiped as well.
    let mut scratch = Zeroizing::new([0u8; 4096]);
    loop {
        match input.read(&mut scratch[..]) {
            Ok(0) => return Err(PipedToken::TooLong(filled)),
            Ok(n) => filled = filled.saturating_add(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(PipedToken::Read(e)),
        }
    }
}

/// Standard input as a file of its own (a duplicate of the descriptor or handle), read
/// without the standard library's buffer.
#[cfg(unix)]
fn unbuffered_stdin() -> std::io::Result<std::fs::File> {
    use std::os::fd::AsFd as _;
    Ok(std::io::stdin().as_fd().try_clone_to_owned()?.into())
}

/// Standard input as a file of its own (a duplicate of the descriptor or handle), read
/// without the standard library's buffer.
#[cfg(windows)]
fn unbuffered_stdin() -> std::io::Result<std::fs::File> {
    use std::os::windows::io::AsHandle as _;
    Ok(std::io::stdin().as_handle().try_clone_to_owned()?.into())
}
