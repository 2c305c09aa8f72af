//! What a command reports: the documented exit codes and the outcome of a sent rating,
//! for people and as JSON.

use serde_json::json;

use crate::api::{Outcome, OutcomeKind};
use crate::i18n::I18n;
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
