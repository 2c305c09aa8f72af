//! `visit-rating outbox list | flush | export`: the outbox from a shell.
//!
//! `list` and `flush` never print a patient's remarks (personal data), neither in the
//! human form nor in `--json`; `export` is the only command that writes them, to a file
//! only its owner can read (`0600`). The token is never printed.

use crate::msg;
use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::args::OutboxFlushArgs;
use super::json::{Flush, FlushAttempt, ListedEntry};
use super::report::Batch;
use super::{Exit, human_outcome, outcome_json};
use crate::api::{Outcome, OutcomeKind};
use crate::config::Config;
use crate::i18n::I18n;
use crate::outbox::{Entry, EntryState, FlushReport, Listing, OutboxError};
use crate::secrets::SecretsError;
use crate::service::{Server, Service, open_outbox};

fn state_name(state: EntryState) -> &'static str {
    match state {
        EntryState::Waiting => "waiting",
        EntryState::NeedsAttention => "needs_attention",
    }
}

/// The last answer in one line: the server's words verbatim with code and HTTP status,
/// or our detail when there was no answer.
fn last_answer(i18n: &I18n, outcome: &Outcome) -> String {
    i18n.outcome_words(outcome).summary()
}

fn entry_json(entry: &Entry) -> ListedEntry<'_> {
    // Never the rating itself: the remarks are personal data (`export` writes them).
    ListedEntry {
        attempts: entry.attempts,
        created_at_ms: entry.created_at_ms,
        id: &entry.id,
        last_attempt_ms: entry.last_attempt_ms,
        last_outcome: entry
            .last_outcome
            .as_ref()
            .map(|o| outcome_json(o.kind.name(), o)),
        next_attempt_ms: entry.next_attempt_ms,
        server_origin: entry.server_origin.as_deref(),
        state: state_name(entry.state),
        visit_id: entry.visit_id.as_str(),
    }
}

fn report_damaged(i18n: &I18n, damaged: &[std::path::PathBuf]) {
    let mut err = super::report::stderr();
    for path in damaged {
        let _ = writeln!(
            err,
            "{}",
            i18n.tr_args(
                msg!("outbox-damaged"),
                &[("path", path.display().to_string().as_str().into())]
            )
        );
    }
}

fn outbox_failed(i18n: &I18n, error: &OutboxError) -> Exit {
    crate::err!("{}", i18n.outbox_unusable(error));
    Exit::Failure
}

/// `visit-rating outbox list [--json]`: what waits to be sent and what needs attention.
///
/// One line per rating (id, visit id, state, attempts, the last answer verbatim), then
/// how many wait and how many need attention; `--json` prints one array of objects
/// (`id`, `visit_id`, `state` = `waiting` | `needs_attention`, `attempts`,
/// `created_at_ms`, `last_attempt_ms`, `next_attempt_ms`, `last_outcome` = the `submit
/// --json` object or null, `server_origin` = the server it was saved for, null for
/// entries of version 0.1). Remarks are never printed. Damaged files set aside are named
/// on stderr. Exit 0, or 1 when the outbox folder cannot be read.
pub fn list(json: bool, config: &Config, i18n: &I18n) -> Exit {
    let current = Server::configured(config, None).origin();
    let listing = match open_outbox().and_then(|outbox| outbox.list()) {
        Ok(listing) => listing,
        Err(e) => return outbox_failed(i18n, &e),
    };
    report_damaged(i18n, &listing.damaged);
    let mut out = super::report::stdout();
    if json {
        let array: Vec<ListedEntry<'_>> = listing.entries.iter().map(entry_json).collect();
        let _ = writeln!(out, "{}", super::report::json_line(&array));
        return Exit::Ok;
    }
    for entry in &listing.entries {
        let state = match (&entry.server_origin, &current) {
            (Some(origin), Some(current))
                if entry.state == EntryState::Waiting && origin != current =>
            {
                i18n.tr_args(
                    msg!("cli-outbox-state-other-server"),
                    &[("origin", origin.as_str().into())],
                )
            }
            _ => i18n.tr(match entry.state {
                EntryState::Waiting => msg!("cli-outbox-state-waiting"),
                EntryState::NeedsAttention => msg!("outbox-state-needs-attention"),
            }),
        };
        let last = entry.last_outcome.as_ref().map_or_else(
            || i18n.tr(msg!("outbox-never-sent")),
            |outcome| last_answer(i18n, outcome),
        );
        let _ = writeln!(
            out,
            "{}",
            i18n.tr_args(
                msg!("outbox-list-line"),
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
            msg!("outbox-summary"),
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
    /// `--to-current-server`: first move the ratings saved for another server to this
    /// one (a person's explicit choice after the URL changed).
    pub to_current_server: bool,
}

impl From<OutboxFlushArgs> for FlushRequest {
    fn from(args: OutboxFlushArgs) -> FlushRequest {
        FlushRequest {
            url: args.url,
            allow_insecure_http: args.allow_insecure_http,
            json: args.json,
            to_current_server: args.to_current_server,
        }
    }
}

/// `visit-rating outbox flush [--url URL] [--allow-insecure-http] [--to-current-server]
/// [--json]`: send every waiting rating for the configured server now (backoff
/// ignored), oldest first, and report each. Ratings saved for another server are not
/// sent unless `--to-current-server` moves them here first. A rating another sender
/// (the window, another command) is sending right now is left to it.
///
/// `--json` prints one object: `delivered` (accepted or already recorded),
/// `attempts` (each `{id, visit_id, outcome, http_status, code, message, message_code,
/// detail}`), `paused` (stopped on a token problem or a gateway's refusal), `busy`
/// (another sender had some of them in flight), `in_flight` (how many), `moved` (moved
/// by `--to-current-server`), `other_server` (waiting for another server, not sent),
/// `remaining` (ratings still in the outbox), `waiting` (for this server),
/// `needs_attention`, `damaged` (files set aside).
///
/// Exit codes, the first that applies: 1 the outbox cannot be used; 2 no server URL or
/// a bad one; 4 paused on a token problem (no token, or 5007/5008/5009/5010) or a
/// gateway's refusal (401/403 that is not the error model); the ratings are kept; 5 some
/// ratings for this server still wait after a transient failure (try again later); 1
/// another sender is sending some of them right now (it finishes them; try again later
/// to see); 3 nothing waits for this server, but some ratings need attention or wait for
/// another server (see `outbox list`); 0 everything was delivered, or there was nothing
/// to send.
pub fn flush(request: &FlushRequest, config: &Config, i18n: &I18n) -> Exit {
    let service = Service::for_command(config, request.url.as_deref(), request.allow_insecure_http);
    let client = match service.client() {
        Ok(client) => client,
        Err(e) => {
            crate::err!("{}", i18n.connect_error(&e));
            return Exit::Invalid;
        }
    };
    let outbox = match open_outbox() {
        Ok(outbox) => outbox,
        Err(e) => return outbox_failed(i18n, &e),
    };
    let origin = client.origin();
    let moved = if request.to_current_server {
        match outbox.move_to_server(&origin) {
            Ok(moved) => moved,
            Err(e) => return outbox_failed(i18n, &e),
        }
    } else {
        0
    };
    let token_error: RefCell<Option<SecretsError>> = RefCell::new(None);
    let token = || match service.token(&origin) {
        Ok(token) => Some(token),
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

    let in_flight = report.in_flight.len();
    let waiting_here = after.waiting_for(&origin);
    let exit = Exit::for_batch(&Batch {
        token_problem: report.paused.is_some(),
        waiting: waiting_here > in_flight,
        in_flight: in_flight > 0,
        rejected: after.needs_attention() > 0 || after.for_other_servers(&origin) > 0,
        invalid: false,
    });

    let token_error = token_error.into_inner();
    if let Some(e) = &token_error {
        crate::err!("{}", i18n.secrets_error(e));
    }
    let done = Done {
        origin: &origin,
        moved,
        damaged: &damaged,
    };
    if request.json {
        print_flush_json(&report, &after, &done);
    } else {
        print_flush_human(i18n, &report, &after, &done, token_error.is_some());
    }
    exit
}

/// What a flush did besides sending.
struct Done<'a> {
    origin: &'a str,
    moved: usize,
    damaged: &'a [PathBuf],
}

fn print_flush_json(report: &FlushReport, after: &Listing, done: &Done<'_>) {
    let value = Flush {
        attempts: report
            .attempts
            .iter()
            .map(|(entry, outcome)| {
                FlushAttempt::new(
                    outcome_json(outcome.kind.name(), outcome),
                    &entry.id,
                    entry.visit_id.as_str(),
                )
            })
            .collect(),
        busy: !report.in_flight.is_empty(),
        damaged: done
            .damaged
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        delivered: report.delivered(),
        in_flight: report.in_flight.len(),
        moved: done.moved,
        needs_attention: after.needs_attention(),
        other_server: after.for_other_servers(done.origin),
        paused: report.paused.is_some(),
        remaining: after.entries.len(),
        waiting: after.waiting_for(done.origin),
    };
    crate::out!("{}", super::report::json_line(&value));
}

fn print_flush_human(
    i18n: &I18n,
    report: &FlushReport,
    after: &Listing,
    done: &Done<'_>,
    token_error: bool,
) {
    let mut out = super::report::stdout();
    let mut err = super::report::stderr();
    if done.moved > 0 {
        let _ = writeln!(
            out,
            "{}",
            i18n.tr_args(
                msg!("cli-outbox-moved"),
                &[("origin", done.origin.into()), ("count", done.moved.into())],
            )
        );
    }
    for (entry, outcome) in &report.attempts {
        let _ = writeln!(
            out,
            "{}",
            i18n.tr_args(
                msg!("outbox-flush-line"),
                &[
                    ("visit_id", entry.visit_id.as_str().into()),
                    ("result", last_answer(i18n, outcome).into()),
                ],
            )
        );
    }
    if !report.in_flight.is_empty() {
        let _ = writeln!(
            err,
            "{}",
            i18n.tr_args(
                msg!("cli-outbox-in-flight"),
                &[("count", report.in_flight.len().into())]
            )
        );
    }
    if let Some(paused) = &report.paused {
        if !token_error {
            let _ = writeln!(err, "{}", human_outcome(i18n, paused));
        }
        let key = if paused.kind == OutcomeKind::Refused {
            msg!("cli-outbox-refused")
        } else {
            msg!("cli-outbox-paused")
        };
        let _ = writeln!(err, "{}", i18n.tr(key));
    }
    let other = after.for_other_servers(done.origin);
    if other > 0 {
        let _ = writeln!(
            err,
            "{}",
            i18n.tr_args(msg!("cli-outbox-other-server"), &[("count", other.into())])
        );
    }
    if report.attempts.is_empty() && report.paused.is_none() && after.waiting_for(done.origin) == 0
    {
        let _ = writeln!(out, "{}", i18n.tr(msg!("outbox-nothing")));
    }
    let _ = writeln!(
        out,
        "{}",
        i18n.tr_args(
            msg!("outbox-flush-summary"),
            &[
                ("delivered", report.delivered().into()),
                ("waiting", after.waiting_for(done.origin).into()),
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
    match open_outbox().and_then(|outbox| outbox.export(path)) {
        Ok(count) => {
            crate::out!(
                "{}",
                i18n.tr_args(
                    msg!("cli-outbox-exported"),
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
