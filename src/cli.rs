//! Headless commands: `submit`, `token`, `admin-pin`, `mock-server`, the `outbox`
//! commands in [`outbox`], `status` and `metrics` in [`status`], and the packagers'
//! `generate-files` in [`generate`]. Each returns an [`Exit`] code; `main.rs` only parses and
//! dispatches.
//!
//! Exit codes are part of the interface (README, "Exit codes").

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use serde_json::json;

use crate::api::{Outcome, OutcomeKind, RatingClient, VisitId, error_chain};
use crate::config::Config;
use crate::i18n::I18n;
use crate::mock_server::{self, Faults, MockOptions};
use crate::rating::{Criterion, Missing, NOTES_MAX_CHARS, Rating, RatingDraft, Score};
use crate::secrets::{self, Token};
use crate::service::{NotSent, Service, TokenSource};

pub mod generate;
pub mod import;
pub mod outbox;
pub mod status;

/// The documented exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// The server accepted the rating (or the command succeeded).
    Ok = 0,
    /// Something went wrong that is not one of the cases below (I/O, a bug).
    Failure = 1,
    /// Invalid input or settings: nothing was sent.
    Invalid = 2,
    /// The server rejected the rating (an error other than the ones below).
    Rejected = 3,
    /// A token or access problem: none configured, the server answered
    /// 5007/5008/5009/5010, or the server or a gateway refused the request (401/403 that
    /// is not the error model).
    Token = 4,
    /// A transient failure: network, timeout, 5xx, an unreadable answer.
    Transient = 5,
    /// The server already has a rating for this visit (5030).
    AlreadyRecorded = 6,
    /// The keyring is not available: no Secret Service, locked, access denied.
    Keyring = 7,
}

impl Exit {
    /// The code for an outcome.
    pub fn for_outcome(kind: OutcomeKind) -> Exit {
        match kind {
            OutcomeKind::Accepted => Exit::Ok,
            OutcomeKind::AlreadyRecorded => Exit::AlreadyRecorded,
            OutcomeKind::Unauthorized(_) | OutcomeKind::Refused => Exit::Token,
            OutcomeKind::Rejected => Exit::Rejected,
            OutcomeKind::Transient => Exit::Transient,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> std::process::ExitCode {
        std::process::ExitCode::from(exit as u8)
    }
}

/// Where `submit` reads the remarks from.
#[derive(Clone, Debug)]
pub enum NotesSource {
    /// None given: empty remarks.
    None,
    /// `--notes TEXT`.
    Text(String),
    /// `--notes-file PATH`; `-` is standard input.
    File(PathBuf),
}

/// What `submit` was asked to do.
// Independent command-line flags, one bool each.
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Debug)]
pub struct SubmitRequest {
    /// `--history`.
    pub history: String,
    /// `--scores A,B,C,D`.
    pub scores: Option<String>,
    /// `--notes` / `--notes-file`.
    pub notes: NotesSource,
    /// `--didnt-visit`.
    pub didnt_visit: bool,
    /// `--url`.
    pub url: Option<String>,
    /// `--allow-insecure-http`.
    pub allow_insecure_http: bool,
    /// `--json`.
    pub json: bool,
    /// `--queue`: save the rating in the outbox before sending, keep it there when it
    /// could not be delivered.
    pub queue: bool,
}

/// Something that stops `submit` before anything is sent.
struct Refusal {
    exit: Exit,
    /// For people, in the configured language.
    text: String,
    /// For `--json`'s `detail`, in English.
    detail: String,
    outcome: &'static str,
}

impl Refusal {
    fn invalid(text: String, detail: String) -> Refusal {
        Refusal {
            exit: Exit::Invalid,
            text,
            detail,
            outcome: "invalid",
        }
    }

    /// `--queue` could not save the rating: nothing was sent.
    fn not_saved(i18n: &I18n, error: &dyn std::fmt::Display) -> Refusal {
        let detail = error.to_string();
        Refusal {
            exit: Exit::Failure,
            text: i18n.tr_args("outbox-not-saved", &[("error", detail.as_str().into())]),
            detail,
            outcome: "not_saved",
        }
    }
}

/// A rating ready to send: validated, with a client for the configured server.
struct Prepared {
    client: RatingClient,
    /// The server's base URL, as the client was made for.
    url: String,
    id: VisitId,
    rating: Rating,
}

/// What became of a sent rating, and (with `--queue`) whether the outbox still keeps it.
struct Sent {
    outcome: Outcome,
    /// A message about the outbox for people (kept, or could not be updated).
    outbox_note: Option<String>,
}

/// `visit-rating submit`: validate, send one rating, report, return the exit code.
///
/// With `--queue` the rating is saved in the outbox first (before anything is sent) and
/// stays there unless the server has it: exit 5 and `--json` outcome `queued` on a
/// transient failure, exit 4 on a token problem, exit 3 on a rejection (kept as "needs
/// attention"). When it cannot be saved (disk full, read-only folder) nothing is sent:
/// exit 1, `--json` outcome `not_saved`.
pub fn submit(request: &SubmitRequest, config: &Config, i18n: &I18n) -> Exit {
    // Send first, then lock the streams: holding stderr's lock while the HTTP client's
    // thread logs to stderr would deadlock.
    let sent = prepare(request, config, i18n).and_then(|prepared| {
        if request.queue {
            send_queued(&prepared, request, config, i18n)
        } else {
            let token = resolve_token(&prepared.client.origin(), i18n)?;
            Ok(Sent {
                outcome: prepared
                    .client
                    .submit(&prepared.id, &prepared.rating, &token),
                outbox_note: None,
            })
        }
    });
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    match sent {
        Ok(Sent {
            outcome,
            outbox_note,
        }) => {
            let exit = Exit::for_outcome(outcome.kind);
            if request.json {
                let name = if request.queue && outcome.kind == OutcomeKind::Transient {
                    "queued"
                } else {
                    outcome.kind.name()
                };
                let _ = writeln!(out, "{}", outcome_json(name, &outcome));
                if let Some(note) = outbox_note {
                    let _ = writeln!(err, "{note}");
                }
            } else {
                let sink: &mut dyn Write = if exit == Exit::Ok { &mut out } else { &mut err };
                let _ = writeln!(sink, "{}", human_outcome(i18n, &outcome));
                if let Some(note) = outbox_note {
                    let _ = writeln!(sink, "{note}");
                }
            }
            exit
        }
        Err(refusal) => {
            if request.json {
                let outcome = Outcome {
                    detail: Some(refusal.detail),
                    ..Outcome::transport_failure(String::new())
                };
                let _ = writeln!(out, "{}", outcome_json(refusal.outcome, &outcome));
            } else {
                let _ = writeln!(err, "{}", refusal.text);
            }
            refusal.exit
        }
    }
}

fn prepare(request: &SubmitRequest, config: &Config, i18n: &I18n) -> Result<Prepared, Refusal> {
    let id = VisitId::from_input(
        &request.history,
        config.clinic_guid.as_deref(),
        &config.visit_id_separator,
    )
    .map_err(|e| Refusal::invalid(i18n.visit_id_error(&e), e.to_string()))?;

    let mut draft = RatingDraft {
        didnt_visit: request.didnt_visit,
        notes: read_notes(&request.notes).map_err(|e| {
            Refusal::invalid(
                i18n.tr_args("error-input", &[("error", e.as_str().into())]),
                e.clone(),
            )
        })?,
        ..RatingDraft::default()
    };
    match (&request.scores, request.didnt_visit) {
        (Some(text), _) => {
            draft.scores = parse_scores(text).map(|s| s.map(Some)).ok_or_else(|| {
                Refusal::invalid(
                    i18n.tr("error-scores"),
                    format!("--scores {text:?}: give four scores 1..5 separated by commas"),
                )
            })?;
        }
        (None, true) => {}
        (None, false) => {
            return Err(Refusal::invalid(
                i18n.tr("error-scores"),
                "--scores is required unless --didnt-visit is given".into(),
            ));
        }
    }
    let rating = draft.to_rating().map_err(|missing| match missing.first() {
        Some(Missing::NotesTooLong { chars }) => Refusal::invalid(
            i18n.tr_args(
                "error-notes-too-long",
                &[("chars", (*chars).into()), ("max", NOTES_MAX_CHARS.into())],
            ),
            format!("the notes are {chars} characters long; at most {NOTES_MAX_CHARS} are allowed"),
        ),
        _ => Refusal::invalid(i18n.tr("error-scores"), "scores are missing".into()),
    })?;

    let Some(url) = config.effective_url(request.url.as_deref()) else {
        return Err(Refusal::invalid(
            i18n.tr("error-no-url"),
            "no server URL: pass --url, set VISIT_RATING_URL or server_url in the settings file"
                .into(),
        ));
    };
    let mut settings = config.client_settings(&url);
    settings.allow_insecure_http |= request.allow_insecure_http;
    let client = RatingClient::new(&settings).map_err(|e| {
        let text = e.to_string();
        Refusal::invalid(
            i18n.tr_args("error-input", &[("error", text.as_str().into())]),
            text,
        )
    })?;
    Ok(Prepared {
        client,
        url,
        id,
        rating,
    })
}

/// `--queue`: save first, then send through the outbox's one send path (the window's
/// [`Service::submit`]), under the entry's lease, then apply the outbox's rules.
fn send_queued(
    prepared: &Prepared,
    request: &SubmitRequest,
    config: &Config,
    i18n: &I18n,
) -> Result<Sent, Refusal> {
    let outbox = outbox::open().map_err(|e| Refusal::not_saved(i18n, &e))?;
    let mut config = config.clone();
    config.allow_insecure_http |= request.allow_insecure_http;
    let service = Service::new(
        config,
        Some(prepared.url.clone()),
        TokenSource::bound_to(Some(&prepared.url)),
    )
    .with_outbox(outbox);
    match service.submit(&prepared.id, &prepared.rating) {
        Ok(report) => {
            let outbox_note = match report.outcome.kind {
                OutcomeKind::Accepted | OutcomeKind::AlreadyRecorded => None,
                OutcomeKind::Transient => Some(i18n.tr("outbox-kept-transient")),
                OutcomeKind::Unauthorized(_) => Some(i18n.tr("outbox-kept-token")),
                OutcomeKind::Refused => Some(i18n.tr("outbox-kept-refused")),
                OutcomeKind::Rejected => Some(i18n.tr("outbox-kept-attention")),
            };
            Ok(Sent {
                outcome: report.outcome,
                outbox_note,
            })
        }
        Err(NotSent::NotSaved(e)) => Err(Refusal::not_saved(i18n, &e)),
        Err(NotSent::SavedWithoutToken(e) | NotSent::NoToken(e)) => {
            let mut refusal = token_refusal(i18n, &e);
            refusal.text = format!("{}\n{}", refusal.text, i18n.tr("outbox-kept-token"));
            Err(refusal)
        }
        Err(e @ (NotSent::NoUrl | NotSent::Client(_))) => {
            let text = e.to_string();
            Err(Refusal::invalid(
                i18n.tr_args("error-input", &[("error", text.as_str().into())]),
                text,
            ))
        }
        Err(NotSent::Internal(e)) => Err(Refusal {
            exit: Exit::Failure,
            text: i18n.tr_args("outbox-error", &[("error", e.as_str().into())]),
            detail: e,
            outcome: "failed",
        }),
    }
}

fn token_refusal(i18n: &I18n, e: &secrets::SecretsError) -> Refusal {
    Refusal {
        exit: Exit::Token,
        text: i18n.secrets_error(e),
        detail: e.to_string(),
        outcome: "unauthorized",
    }
}

fn resolve_token(origin: &str, i18n: &I18n) -> Result<Token, Refusal> {
    secrets::resolve_token(origin)
        .map(|(token, _)| token)
        .map_err(|e| token_refusal(i18n, &e))
}

fn read_notes(source: &NotesSource) -> Result<String, String> {
    let text = match source {
        NotesSource::None => return Ok(String::new()),
        NotesSource::Text(text) => return Ok(text.clone()),
        NotesSource::File(path) => {
            let mut bytes = Vec::new();
            let read = if path.as_os_str() == "-" {
                std::io::stdin().lock().read_to_end(&mut bytes)
            } else {
                std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes))
            };
            read.map_err(|e| format!("cannot read the notes from {}: {e}", path.display()))?;
            String::from_utf8(bytes)
                .map_err(|_| format!("the notes in {} are not valid UTF-8 text", path.display()))?
        }
    };
    // A file (or `echo`) ends with a line break that nobody typed as a remark.
    Ok(text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text)
        .to_owned())
}

/// Four comma-separated scores 1..5, spaces allowed around them.
pub fn parse_scores(text: &str) -> Option<[Score; 4]> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.len() != Criterion::ALL.len() {
        return None;
    }
    let mut scores = [Score::new(1)?; 4];
    for (slot, part) in scores.iter_mut().zip(parts) {
        *slot = Score::new(part.parse().ok()?)?;
    }
    Some(scores)
}

/// The one JSON object `--json` prints.
pub fn outcome_json(name: &str, outcome: &Outcome) -> serde_json::Value {
    json!({
        "outcome": name,
        "http_status": outcome.http_status,
        "code": outcome.code,
        "message": outcome.message,
        "message_code": outcome.message_code,
        "detail": outcome.detail,
    })
}

/// The human report: what happened, the server's words verbatim, what to do.
pub fn human_outcome(i18n: &I18n, outcome: &Outcome) -> String {
    let mut lines = vec![i18n.outcome_headline(outcome)];
    lines.extend(i18n.server_words(outcome));
    if outcome.kind != OutcomeKind::Accepted
        && let Some(detail) = &outcome.detail
    {
        lines.push(i18n.tr_args("detail", &[("detail", detail.as_str().into())]));
    }
    lines.extend(i18n.outcome_advice(outcome));
    lines.join("\n")
}

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
            println!(
                "{}",
                json!({"ok": false, "origin": null, "error_kind": "no_url",
                    "error": "no server URL: pass --url, set VISIT_RATING_URL or server_url in the settings file"})
            );
        } else {
            eprintln!("{}", i18n.tr("error-no-url"));
        }
        return Exit::Invalid;
    };
    let origin = crate::api::origin(&url);
    let report = |exit: Exit, value: serde_json::Value, text: String| {
        if json {
            println!("{value}");
        } else if exit == Exit::Ok {
            println!("{text}");
        } else {
            eprintln!("{text}");
        }
        exit
    };
    let failed = |e: &secrets::SecretsError| {
        use secrets::SecretsError as E;
        let exit = match e {
            E::NoToken { .. } => Exit::Token,
            E::BadToken(_) | E::BadEnvToken(_) | E::TooLong { .. } => Exit::Invalid,
            E::NoSecretService { .. }
            | E::Locked { .. }
            | E::AccessDenied { .. }
            | E::Corrupt { .. }
            | E::Other(_) => Exit::Keyring,
        };
        report(
            exit,
            json!({"ok": false, "origin": origin, "error_kind": e.kind(), "error": e.to_string()}),
            i18n.secrets_error(e),
        )
    };
    match action {
        TokenAction::Set => {
            let prompt = format!("{} ", i18n.tr("token-prompt"));
            let token = match read_token_from_stdin(&prompt) {
                Ok(token) => token,
                Err(TokenInput::Format(e)) => return failed(&secrets::SecretsError::BadToken(e)),
                Err(TokenInput::Read(e)) => {
                    let error = format!("cannot read the token from standard input: {e}");
                    return report(
                        Exit::Failure,
                        json!({"ok": false, "origin": origin, "error_kind": "read_failed", "error": error}),
                        i18n.tr_args("error-input", &[("error", error.as_str().into())]),
                    );
                }
            };
            match secrets::store_token(&origin, &token) {
                Ok(()) => report(
                    Exit::Ok,
                    json!({"ok": true, "origin": origin, "stored": true}),
                    i18n.tr_args("token-stored", &[("origin", origin.as_str().into())]),
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
                        "token-cleared"
                    } else {
                        "token-nothing-to-clear"
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
                eprintln!("The two PINs differ; nothing was changed.");
                return Exit::Invalid;
            }
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("cannot read the PIN: {e}");
                return Exit::Failure;
            }
        }
    } else {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            eprintln!("cannot read the PIN from standard input: {e}");
            return Exit::Failure;
        }
        text
    };
    let hash = match crate::kiosk::hash_pin(&pin) {
        Ok(hash) => hash,
        Err(e) => {
            eprintln!("{e}; nothing was changed.");
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

fn save_pin_hash(config: &Config, config_path: &std::path::Path, hash: Option<String>) -> Exit {
    let set = hash.is_some();
    let config = Config {
        admin_pin_hash: hash,
        ..config.clone()
    };
    match config.save(config_path) {
        Ok(()) => {
            let what = if set {
                "stored as an Argon2id hash in"
            } else {
                "removed from"
            };
            println!("The administrator PIN is {what} {}.", config_path.display());
            Exit::Ok
        }
        Err(e) => {
            eprintln!("{e}");
            Exit::Failure
        }
    }
}

/// What `mock-server` was asked to do.
#[derive(Clone, Debug)]
pub struct MockServerRequest {
    /// `--addr`.
    pub addr: SocketAddr,
    /// The server's behaviour.
    pub options: MockOptions,
    /// `--expose-control`: answer `/__mock/*` to other machines too.
    pub expose_control: bool,
}

/// `visit-rating mock-server`: serve until Ctrl+C. Prints the address on the first line.
pub fn mock_server(request: MockServerRequest) -> Exit {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("mock-server-worker")
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the server: {e}");
            return Exit::Failure;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(request.addr).await {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("cannot listen on {}: {}", request.addr, error_chain(&e));
                return Exit::Failure;
            }
        };
        let addr = listener.local_addr().unwrap_or(request.addr);
        if !addr.ip().to_canonical().is_loopback() {
            eprintln!(
                "warning: listening on {addr}, not a loopback address: other machines can reach the stand-in server{}",
                if request.expose_control {
                    ", and --expose-control lets them read the accepted ratings, remarks included, at /__mock/*"
                } else {
                    "; its /__mock/* endpoints (which show remarks) answer only this machine (--expose-control to change that)"
                }
            );
        }
        let options = request.options;
        let tokens = if options.tokens.is_empty() {
            vec![mock_server::DEMO_TOKEN.to_owned()]
        } else {
            options.tokens.clone()
        };
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "listening on http://{addr}");
            let _ = writeln!(
                out,
                "accepted tokens: {}; expired (5007): {}; bad signature (5009): {}; any other: 5008",
                tokens.join(", "),
                options.expired_token,
                options.bad_signature_token
            );
            let Faults {
                latency_ms,
                fail_rate,
                html_errors,
                drop_rate,
                ok_with_error,
                gateway_refusal,
            } = &options.faults;
            let _ = writeln!(
                out,
                "faults: latency {latency_ms} ms, 503 share {fail_rate}, HTML errors {html_errors}, dropped share {drop_rate}, 200 carrying the error model {}, gateway refusal {}",
                ok_with_error.as_deref().unwrap_or("off"),
                gateway_refusal.map_or_else(|| "off".to_owned(), |s| s.to_string()),
            );
            let _ = writeln!(out, "accepted ratings: GET http://{addr}/__mock/ratings");
            let _ = out.flush();
        }
        let state = mock_server::MockState::new(options);
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match mock_server::serve(listener, state, request.expose_control, shutdown).await {
            Ok(()) => Exit::Ok,
            Err(e) => {
                eprintln!("the server stopped: {}", error_chain(&e));
                Exit::Failure
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_parse_strictly() {
        assert_eq!(
            parse_scores("5,3, 5 ,4").map(|s| s.map(Score::get)),
            Some([5, 3, 5, 4])
        );
        for bad in [
            "5,3,5",
            "5,3,5,4,1",
            "5,3,5,6",
            "5,3,5,0",
            "a,b,c,d",
            "",
            "5;3;5;4",
            "5,3,5,4.0",
        ] {
            assert!(parse_scores(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn one_trailing_newline_is_removed_from_a_notes_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "Спасибо\n\n").unwrap();
        assert_eq!(
            read_notes(&NotesSource::File(path.clone())).unwrap(),
            "Спасибо\n"
        );
        std::fs::write(&path, b"\xff\xfe").unwrap();
        assert!(
            read_notes(&NotesSource::File(path))
                .unwrap_err()
                .contains("UTF-8")
        );
    }
}
