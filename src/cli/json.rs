//! The `--json` contract: one `Serialize` type per object a command prints, with the
//! field names scripts read (the book's Command line chapter lists them, and the
//! integration suite checks every command's real output against that list).
//!
//! Fields are declared in alphabetical order, the order the output has always had (it
//! was built as `serde_json` maps, which sort their keys), except where a type says
//! otherwise. Printing goes through [`super::report::json_line`], which makes the line
//! safe for a terminal.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::api::Outcome;
use crate::health::{ProblemKind, Verdict};
use crate::secrets::{TokenOrigin, TokenStatus};

/// One answer (`submit`, an attempt of `outbox flush`, an entry's last answer): the
/// outcome's name and the server's words verbatim.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Answer<'a> {
    /// The error model's `code`.
    pub code: Option<i64>,
    /// Our own explanation (English).
    pub detail: Option<&'a str>,
    /// The HTTP status.
    pub http_status: Option<u16>,
    /// The error model's `message`.
    pub message: Option<&'a str>,
    /// The error model's `message_code`.
    pub message_code: Option<&'a str>,
    /// `accepted`, `already_recorded`, `queued`, `invalid`, …
    pub outcome: &'a str,
}

impl<'a> Answer<'a> {
    /// `outcome` under the name `name`.
    pub fn new(name: &'a str, outcome: &'a Outcome) -> Answer<'a> {
        Answer {
            code: outcome.code,
            detail: outcome.detail.as_deref(),
            http_status: outcome.http_status,
            message: outcome.message.as_deref(),
            message_code: outcome.message_code.as_deref(),
            outcome: name,
        }
    }
}

/// One entry of `outbox list` (never the rating itself: the remarks are personal data).
#[derive(Clone, Debug, Serialize)]
pub struct ListedEntry<'a> {
    /// How many times sending was tried.
    pub attempts: u32,
    /// When it was saved, Unix milliseconds.
    pub created_at_ms: u64,
    /// The entry's id.
    pub id: &'a str,
    /// When it was last tried.
    pub last_attempt_ms: Option<u64>,
    /// The last answer.
    pub last_outcome: Option<Answer<'a>>,
    /// Not before this moment.
    pub next_attempt_ms: u64,
    /// The server it is for.
    pub server_origin: Option<&'a str>,
    /// `waiting` or `needs_attention`.
    pub state: &'a str,
    /// The visit id.
    pub visit_id: &'a str,
}

/// One attempt of `outbox flush`: the answer ([`Answer`]'s fields) and which entry it
/// was.
#[derive(Clone, Debug, Serialize)]
pub struct FlushAttempt<'a> {
    /// The error model's `code`.
    pub code: Option<i64>,
    /// Our own explanation (English).
    pub detail: Option<&'a str>,
    /// The HTTP status.
    pub http_status: Option<u16>,
    /// The entry's id.
    pub id: &'a str,
    /// The error model's `message`.
    pub message: Option<&'a str>,
    /// The error model's `message_code`.
    pub message_code: Option<&'a str>,
    /// The outcome's name.
    pub outcome: &'a str,
    /// The visit id.
    pub visit_id: &'a str,
}

impl<'a> FlushAttempt<'a> {
    /// The attempt at `entry_id` for `visit_id` that got `answer`.
    pub fn new(answer: Answer<'a>, entry_id: &'a str, visit_id: &'a str) -> FlushAttempt<'a> {
        FlushAttempt {
            code: answer.code,
            detail: answer.detail,
            http_status: answer.http_status,
            id: entry_id,
            message: answer.message,
            message_code: answer.message_code,
            outcome: answer.outcome,
            visit_id,
        }
    }
}

/// What `outbox flush` did.
#[derive(Clone, Debug, Serialize)]
pub struct Flush<'a> {
    /// Every attempt, in order.
    pub attempts: Vec<FlushAttempt<'a>>,
    /// Another sender was sending some of the ratings.
    pub busy: bool,
    /// Damaged files set aside, by path.
    pub damaged: Vec<String>,
    /// Ratings the server now has.
    pub delivered: usize,
    /// Ratings another sender was sending.
    pub in_flight: usize,
    /// Ratings moved to this server (`--to-current-server`).
    pub moved: usize,
    /// Ratings needing a person.
    pub needs_attention: usize,
    /// Ratings waiting for another server.
    pub other_server: usize,
    /// Sending stopped on a token problem or a refusal.
    pub paused: bool,
    /// Entries left in the outbox.
    pub remaining: usize,
    /// Ratings still waiting for this server.
    pub waiting: usize,
}

/// `token status`: what is known of the token, never the token.
#[derive(Clone, Debug, Serialize)]
pub struct TokenStatusJson<'a> {
    /// When the token in force (a JWT with `exp`) expires, Unix seconds.
    pub expires_at: Option<i64>,
    /// The server's origin.
    pub origin: &'a str,
    /// Where the token in force comes from.
    pub source: Option<TokenOrigin>,
    /// The credential store, for people.
    pub store: &'a str,
    /// A token is stored in the keyring.
    pub stored: bool,
}

impl<'a> From<&'a TokenStatus> for TokenStatusJson<'a> {
    fn from(status: &'a TokenStatus) -> TokenStatusJson<'a> {
        TokenStatusJson {
            expires_at: status.expires_at,
            origin: &status.origin,
            source: status.source,
            store: &status.store,
            stored: status.stored,
        }
    }
}

/// `token set`: stored.
#[derive(Clone, Debug, Serialize)]
pub struct TokenStored<'a> {
    /// Always true.
    pub ok: bool,
    /// The server's origin.
    pub origin: &'a str,
    /// Always true.
    pub stored: bool,
}

/// `token clear`: removed, or there was nothing to remove.
#[derive(Clone, Debug, Serialize)]
pub struct TokenCleared<'a> {
    /// A token was removed.
    pub ok: bool,
    /// The server's origin.
    pub origin: &'a str,
    /// A token was removed.
    pub removed: bool,
}

/// A `token` command that failed.
#[derive(Clone, Debug, Serialize)]
pub struct TokenFailed<'a> {
    /// What went wrong, for people (English).
    pub error: &'a str,
    /// A stable name: [`crate::secrets::SecretsError::kind`], `no_url`, `read_failed`.
    pub error_kind: &'a str,
    /// Always false.
    pub ok: bool,
    /// The server's origin, when there is a URL.
    pub origin: Option<&'a str>,
}

impl<'a> TokenFailed<'a> {
    /// `error_kind` and `error` for the server at `origin`.
    pub fn new(error_kind: &'a str, error: &'a str, origin: Option<&'a str>) -> TokenFailed<'a> {
        TokenFailed {
            error,
            error_kind,
            ok: false,
            origin,
        }
    }
}

/// `status`: the terminal's health.
#[derive(Clone, Debug, Serialize)]
pub struct Status<'a> {
    /// Delivery attempts by outcome, or why they could not be read.
    pub deliveries: Deliveries,
    /// The exit code.
    pub exit_code: u8,
    /// The settings start the window as a kiosk.
    pub kiosk: bool,
    /// The last delivery attempt.
    pub last_attempt: Option<LastAttempt<'a>>,
    /// The last success.
    pub last_success: Option<LastSuccess>,
    /// The outbox, or why it could not be read.
    pub outbox: StatusOutbox<'a>,
    /// Everything wrong, worst first.
    pub problems: Vec<StatusProblem>,
    /// The server's origin.
    pub server_origin: Option<&'a str>,
    /// `healthy`, `warning`, `broken`, `could_not_check`.
    pub status: &'static str,
    /// The token in force.
    pub token: StatusToken<'a>,
    /// The program's version.
    pub version: &'a str,
}

/// `status`'s `deliveries`.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Deliveries {
    /// Attempts by outcome.
    Counts(BTreeMap<&'static str, u64>),
    /// The counters could not be read.
    Unreadable {
        /// Why.
        error: String,
    },
}

/// `status`'s `last_attempt`.
#[derive(Clone, Debug, Serialize)]
pub struct LastAttempt<'a> {
    /// Unix seconds.
    pub at: i64,
    /// Its outcome.
    pub outcome: Option<&'a str>,
}

/// `status`'s `last_success`.
#[derive(Clone, Debug, Serialize)]
pub struct LastSuccess {
    /// Unix seconds.
    pub at: i64,
}

/// `status`'s `outbox`.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum StatusOutbox<'a> {
    /// The counts.
    Counts {
        /// Files in `outbox/damaged/`.
        damaged: usize,
        /// Ratings needing a person.
        needs_attention: usize,
        /// Seconds the oldest waiting rating has waited (whole).
        oldest_pending_age_secs: Option<f64>,
        /// Ratings waiting.
        pending: usize,
    },
    /// The outbox could not be read.
    Unreadable {
        /// Why.
        error: &'a str,
    },
}

/// `status`'s `token`.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum StatusToken<'a> {
    /// A token is in force.
    Present {
        /// Whole days until it expires.
        days_left: Option<i64>,
        /// When it expires, Unix seconds.
        expires_at: Option<i64>,
        /// Where it comes from.
        source: TokenOrigin,
    },
    /// No URL, or no token.
    Absent {
        /// Always `null`.
        source: Option<TokenOrigin>,
    },
    /// The keyring could not be read.
    Unreadable {
        /// What the keyring said.
        error: &'a str,
        /// [`crate::secrets::SecretsError::kind`].
        error_kind: &'a str,
        /// Always `null`.
        source: Option<TokenOrigin>,
    },
}

/// One of `status`'s `problems`.
#[derive(Clone, Debug, Serialize)]
pub struct StatusProblem {
    /// What is wrong.
    pub kind: ProblemKind,
    /// How bad.
    pub severity: &'static str,
    /// A number that goes with it.
    pub value: Option<i64>,
}

impl StatusProblem {
    /// The problem of `severity` and `kind`.
    pub fn new(severity: Verdict, kind: ProblemKind, value: Option<i64>) -> StatusProblem {
        StatusProblem {
            kind,
            severity: severity.name(),
            value,
        }
    }
}

/// The start of `import --json`: the file and how it was read. The object goes on with
/// `results` (one [`crate::import::report::Line`] each) and then [`ImportCounts`].
#[derive(Clone, Debug, Serialize)]
pub struct ImportHead<'a> {
    /// A CSV file's delimiter.
    pub delimiter: Option<String>,
    /// `--dry-run`.
    pub dry_run: bool,
    /// A CSV file's encoding.
    pub encoding: Option<&'a str>,
    /// The file, as given.
    pub file: String,
    /// `csv` or `spreadsheet`.
    pub format: &'a str,
    /// A spreadsheet's sheet.
    pub sheet: Option<&'a str>,
}

/// The end of `import --json`: the counts, the exit code, and what stopped the rows, if
/// anything did.
#[derive(Clone, Debug, Serialize)]
pub struct ImportCounts<'a> {
    /// Rows found delivered by an earlier run.
    pub already_delivered: usize,
    /// Rows the server has (now or earlier).
    pub delivered: usize,
    /// What stopped the rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
    /// The exit code.
    pub exit: u8,
    /// Invalid rows.
    pub invalid: usize,
    /// Rows the server rejected.
    pub rejected: usize,
    /// Rows in all.
    pub rows: usize,
    /// Valid rows.
    pub valid: usize,
    /// Rows waiting in the outbox.
    pub waiting: usize,
}

/// `import --json` when nothing could be done.
#[derive(Clone, Debug, Serialize)]
pub struct ImportRefused<'a> {
    /// Why, for people.
    pub error: &'a str,
    /// The exit code.
    pub exit: u8,
    /// The file, as given.
    pub file: String,
}

/// `config show --json`: every setting in force, where each came from, the files read
/// and the keys they hold that this version ignores.
#[derive(Debug, Serialize)]
pub struct ConfigShow {
    /// Every file that may hold settings, in the order they are applied.
    pub files: Vec<ConfigFile>,
    /// Every setting, in the order of the Configuration chapter.
    pub settings: Vec<ConfigSetting>,
    /// The keys ignored because this version does not know them.
    pub unknown_keys: Vec<ConfigUnknownKey>,
}

/// One file of `config show --json`.
#[derive(Debug, Serialize)]
pub struct ConfigFile {
    /// It exists (and was read).
    pub exists: bool,
    /// `system`, `drop_in` or `user`.
    pub origin: crate::config::layers::Origin,
    /// The file.
    pub path: String,
}

/// One setting of `config show --json`.
#[derive(Debug, Serialize)]
pub struct ConfigSetting {
    /// The file that set it; `null` for a default or the environment.
    pub file: Option<String>,
    /// The key (`kiosk_options.KEY` inside that table).
    pub key: &'static str,
    /// `default`, `system`, `drop_in`, `user` or `environment`.
    pub origin: crate::config::layers::Origin,
    /// The value (`null` when unset; `"***"` for the PIN's hash).
    pub value: serde_json::Value,
}

/// One ignored key of `config show --json`.
#[derive(Debug, Serialize)]
pub struct ConfigUnknownKey {
    /// The file.
    pub file: String,
    /// The key.
    pub key: String,
}
