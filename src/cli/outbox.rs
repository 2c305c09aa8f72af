//! `visit-rating outbox list | flush | export`: the outbox from a shell.
//!
//! `list` and `flush` never print a patient's remarks (personal data), neither in the
//! human form nor in `--json`; `export` is the only command that writes them, to a file
//! only its owner can read (`0600`). The token is never printed.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::{Exit, human_outcome, outcome_json};
use crate::api::{Outcome, RatingClient};
use crate::config::{Config, Folders};
use crate::i18n::I18n;
use crate::outbox::{Entry, EntryState, FlushReport, Listing, Outbox, OutboxError};
use crate::secrets::{self, SecretsError};

/// The outbox in the platform's data folder (`$XDG_DATA_HOME/visit-rating/outbox` on
/// Linux).
pub fn open() -> Result<Outbox, OutboxError> {
    let folders = Folders::platform().map_err(|e| OutboxError::Io {
        path: "~".into(),
        source: std::io::Error::other(e),
    })?;
    Outbox::open(&folders.data_dir)
}

fn state_name(state: EntryState) -> &'static str {
    match state {
        EntryState::Waiting => "waiting",
        EntryState::NeedsAttention => "needs_attention",
    }
}

/// The last answer in one line: the server's words verbatim with code and HTTP status,
/// or our detail when there was no answer.
fn last_answer(i18n: &I18n, outcome: &Outcome) -> String {
    let mut parts = vec![i18n.outcome_headline(outcome)];
    parts.extend(i18n.server_words(outcome));
    if let Some(detail) = &outcome.detail {
        parts.push(i18n.tr_args("detail", &[("detail", detail.as_str().into())]));
    }
    parts.join(" ")
}

fn entry_json(entry: &Entry) -> Value {
    // Never the rating itself: the remarks are personal data (`export` writes them).
    json!({
        "id": entry.id,
        "visit_id": entry.visit_id.as_str(),
        "state": state_name(entry.state),
        "attempts": entry.attempts,
        "created_at_ms": entry.created_at_ms,
        "last_attempt_ms": entry.last_attempt_ms,
        "next_attempt_ms": entry.next_attempt_ms,
        "last_outcome": entry.last_outcome.as_ref().map(|o| outcome_json(o.kind.name(), o)),
    })
}

fn report_damaged(i18n: &I18n, damaged: &[std::path::PathBuf]) {
    let mut err = std::io::stderr().lock();
    for path in damaged {
        let _ = writeln!(
            err,
            "{}",
            i18n.tr_args(
                "outbox-damaged",
                &[("path", path.display().to_string().as_str().into())]
            )
        );
    }
}

fn outbox_failed(i18n: &I18n, error: &OutboxError) -> Exit {
    eprintln!(
        "{}",
        i18n.tr_args(
            "outbox-error",
            &[("error", error.to_string().as_str().into())]
        )
    );
    Exit::Failure
}

/// `visit-rating outbox list [--json]`: what waits to be sent and what needs attention.
///
/// One line per rating (id, visit id, state, attempts, the last answer verbatim), then
/// how many wait and how many need attention; `--json` prints one array of objects
/// (`id`, `visit_id`, `state` = `waiting` | `needs_attention`, `attempts`,
/// `created_at_ms`, `last_attempt_ms`, `next_attempt_ms`, `last_outcome` = the `submit
/// --json` object or null). Remarks are never printed. Damaged files set aside are named
/// on stderr. Exit 0, or 1 when the outbox folder cannot be read.
pub fn list(json: bool, i18n: &I18n) -> Exit {
    let listing = match open().and_then(|outbox| outbox.list()) {
        Ok(listing) => listing,
        Err(e) => return outbox_failed(i18n, &e),
    };
    report_damaged(i18n, &listing.damaged);
    let mut out = std::io::stdout().lock();
    if json {
        let array: Vec<Value> = listing.entries.iter().map(entry_json).collect();
        let _ = writeln!(out, "{}", Value::Array(array));
        return Exit::Ok;
    }
    for entry in &listing.entries {
        let state = i18n.tr(match entry.state {
            EntryState::Waiting => "cli-outbox-state-waiting",
            EntryState::NeedsAttention => "outbox-state-needs-attention",
        });
        let last = entry.last_outcome.as_ref().map_or_else(
            || i18n.tr("outbox-never-sent"),
            |outcome| last_answer(i18n, outcome),
        );
        let _ = writeln!(
            out,
            "{}",
            i18n.tr_args(
                "outbox-list-line",
                &[
                    ("id", entry.id.as_str().into()),
                    ("visit_id", entry.visit_id.as_str().into()),
                    ("state", state.into()),
                    ("attempts", entry.attempts.into()),
                    ("last", last.into()),
                ],
            )
        );
    }
    let _ = writeln!(
        out,
        "{}",
        i18n.tr_args(
            "outbox-summary",
            &[
                ("waiting", listing.waiting().into()),
                ("attention", listing.needs_attention().into()),
            ],
        )
    );
    Exit::Ok
}

/// What `outbox flush` was asked to do.
#[derive(Clone, Debug)]
pub struct FlushRequest {
    /// `--url`.
    pub url: Option<String>,
    /// `--allow-insecure-http`.
    pub allow_insecure_http: bool,
    /// `--json`.
    pub json: bool,
}

/// `visit-rating outbox flush [--url URL] [--allow-insecure-http] [--json]`: send every
/// waiting rating now (backoff ignored), oldest first, and report each.
///
/// `--json` prints one object: `delivered` (accepted or already recorded),
/// `attempts` (each `{id, visit_id, outcome, http_status, code, message, message_code,
/// detail}`), `paused` (stopped on a token problem), `busy` (another process is
/// sending), `remaining` (ratings still in the outbox), `waiting`, `needs_attention`,
/// `damaged` (files set aside).
///
/// Exit codes, the first that applies: 1 another process is sending (try again later)
/// or the outbox cannot be used; 2 no server URL or a bad one; 4 paused on a token
/// problem (no token, or 5007/5008/5009/5010; the ratings are kept); 5 some ratings still
/// wait after a transient failure (try again later); 3 nothing waits, but some ratings
/// need attention (the server refused them: see `outbox list`); 0 everything was
/// delivered, or there was nothing to send.
pub fn flush(request: &FlushRequest, config: &Config, i18n: &I18n) -> Exit {
    let Some(url) = config.effective_url(request.url.as_deref()) else {
        eprintln!("{}", i18n.tr("error-no-url"));
        return Exit::Invalid;
    };
    let mut settings = config.client_settings(&url);
    settings.allow_insecure_http |= request.allow_insecure_http;
    let client = match RatingClient::new(&settings) {
        Ok(client) => client,
        Err(e) => {
            eprintln!(
                "{}",
                i18n.tr_args("error-input", &[("error", e.to_string().as_str().into())])
            );
            return Exit::Invalid;
        }
    };
    let outbox = match open() {
        Ok(outbox) => outbox,
        Err(e) => return outbox_failed(i18n, &e),
    };
    let origin = client.origin();
    let token_error: RefCell<Option<SecretsError>> = RefCell::new(None);
    let token = || match secrets::resolve_token(&origin) {
        Ok((token, _)) => Some(token),
        Err(e) => {
            *token_error.borrow_mut() = Some(e);
            None
        }
    };
    let report = match outbox.flush(&client, &token, true) {
        Ok(report) => report,
        Err(e) => return outbox_failed(i18n, &e),
    };
    let after = match outbox.list() {
        Ok(listing) => listing,
        Err(e) => return outbox_failed(i18n, &e),
    };
    let mut damaged = report.damaged.clone();
    damaged.extend(after.damaged.iter().cloned());
    report_damaged(i18n, &damaged);

    let exit = if report.busy {
        Exit::Failure
    } else if report.paused.is_some() {
        Exit::Token
    } else if after.waiting() > 0 {
        Exit::Transient
    } else if after.needs_attention() > 0 {
        Exit::Rejected
    } else {
        Exit::Ok
    };

    let token_error = token_error.into_inner();
    if let Some(e) = &token_error {
        eprintln!("{}", i18n.secrets_error(e));
    }
    if request.json {
        print_flush_json(&report, &after, &damaged);
    } else {
        print_flush_human(i18n, &report, &after, token_error.is_some());
    }
    exit
}

fn print_flush_json(report: &FlushReport, after: &Listing, damaged: &[PathBuf]) {
    let attempts: Vec<Value> = report
        .attempts
        .iter()
        .map(|(entry, outcome)| {
            let mut value = outcome_json(outcome.kind.name(), outcome);
            value["id"] = json!(entry.id);
            value["visit_id"] = json!(entry.visit_id.as_str());
            value
        })
        .collect();
    let value = json!({
        "delivered": report.delivered(),
        "attempts": attempts,
        "paused": report.paused.is_some(),
        "busy": report.busy,
        "remaining": after.entries.len(),
        "waiting": after.waiting(),
        "needs_attention": after.needs_attention(),
        "damaged": damaged.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
    });
    println!("{value}");
}

fn print_flush_human(i18n: &I18n, report: &FlushReport, after: &Listing, token_error: bool) {
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    for (entry, outcome) in &report.attempts {
        let _ = writeln!(
            out,
            "{}",
            i18n.tr_args(
                "outbox-flush-line",
                &[
                    ("visit_id", entry.visit_id.as_str().into()),
                    ("result", last_answer(i18n, outcome).into()),
                ],
            )
        );
    }
    if report.busy {
        let _ = writeln!(err, "{}", i18n.tr("outbox-busy"));
        return;
    }
    if let Some(paused) = &report.paused {
        if !token_error {
            let _ = writeln!(err, "{}", human_outcome(i18n, paused));
        }
        let _ = writeln!(err, "{}", i18n.tr("cli-outbox-paused"));
    }
    if report.attempts.is_empty() && report.paused.is_none() && after.waiting() == 0 {
        let _ = writeln!(out, "{}", i18n.tr("outbox-nothing"));
    }
    let _ = writeln!(
        out,
        "{}",
        i18n.tr_args(
            "outbox-flush-summary",
            &[
                ("delivered", report.delivered().into()),
                ("waiting", after.waiting().into()),
                ("attention", after.needs_attention().into()),
            ],
        )
    );
}

/// `visit-rating outbox export PATH`: write every rating in the outbox, remarks included,
/// to `PATH` as one JSON array (the outbox's own entry format), readable by its owner
/// only (`0600`). Prints how many. Exit 0, or 1 when the outbox cannot be read or the
/// file cannot be written.
pub fn export(path: &Path, i18n: &I18n) -> Exit {
    match open().and_then(|outbox| outbox.export(path)) {
        Ok(count) => {
            println!(
                "{}",
                i18n.tr_args(
                    "cli-outbox-exported",
                    &[
                        ("count", count.into()),
                        ("path", path.display().to_string().as_str().into()),
                    ],
                )
            );
            Exit::Ok
        }
        Err(e) => outbox_failed(i18n, &e),
    }
}
