//! The sent log (`<data>/sent.log`, JSON lines, `0600`): time, visit id, scores and
//! outcome of every rating that left the outbox — never the remarks. Its line is a
//! [`SentLogLine`], the type the log is read back with too.

use super::{Entry, Outbox, now_ms};
use crate::api::Outcome;
use crate::retention::{SentLogLine, SentOutcome};

impl Outbox {
    /// A line in the sent log: time, visit id, scores, what happened — never the remarks.
    pub(super) fn log_line(&self, entry: &Entry, what: SentOutcome, outcome: Option<&Outcome>) {
        self.append_log(&sent_line(entry, what, outcome));
    }

    /// Append `lines` (each ending in a newline) to the sent log in one write.
    pub(super) fn append_log(&self, lines: &str) {
        // Under the lock that pruning takes (see `crate::retention`).
        let data_dir = self.sent_log.parent().unwrap_or(std::path::Path::new("."));
        let written = crate::retention::append_sent_lines(data_dir, lines);
        if let Err(e) = written {
            tracing::warn!(file = %self.sent_log.display(), error = %e, "cannot write the sent log");
        }
    }
}

/// The sent log's line for `entry` (newline included): time, visit id, scores, what
/// happened — never the remarks.
pub(super) fn sent_line(entry: &Entry, what: SentOutcome, outcome: Option<&Outcome>) -> String {
    SentLogLine {
        didnt_visit: entry.rating.didnt_visit,
        http_status: outcome.and_then(|o| o.http_status),
        message_code: outcome.and_then(|o| o.message_code.clone()),
        outcome: what,
        scores: entry.rating.scores.map(crate::rating::Score::get),
        time_ms: now_ms(),
        visit_id: entry.visit_id.as_str().to_owned(),
    }
    .to_line()
}
