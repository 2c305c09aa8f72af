//! Sending the valid rows of an import: every one saved in the outbox first, then sent
//! one by one, with progress after each and a stop flag checked between requests.
//!
//! Each row goes through the outbox's one send path, the one `outbox flush`, `submit
//! --queue` and the window use: saved with [`Outbox::enqueue`] for the client's server
//! origin, then sent with [`Outbox::send`] (claim the entry's lease, read it again, send,
//! [`Outbox::record`] the answer, release). An import calls it entry by entry rather than
//! through [`Outbox::flush`] because it reports every row's answer as it comes, stops on
//! request between two rows, and sends only its own rows. No outbox-wide lock is held: a
//! row that another sender (the window's background sender, `outbox flush`) is sending
//! right now is left to it and reported as `in_flight`, never sent twice.
//!
//! A rerun of the same file sends only what is still missing: a row whose visit id is in
//! the sent log (accepted or 5030 earlier) is not sent again, and a row already waiting
//! in the outbox for this server with the same rating is sent from its existing entry
//! (not saved twice).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufRead as _;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::api::{Outcome, OutcomeKind, RatingClient, VisitId};
use crate::outbox::{Attempt, Entry, EntryState, GIVE_UP_AFTER_UNREACHABLE, Outbox, OutboxError};
use crate::rating::Rating;
use crate::secrets::Token;

/// A valid row to send.
#[derive(Clone, Debug)]
pub struct Pending {
    /// Its row number in the file.
    pub row: usize,
    /// The visit.
    pub visit_id: VisitId,
    /// The rating.
    pub rating: Rating,
}

/// Why a row was not sent in this run (it stays in the outbox).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    /// Stopped on request (Ctrl+C, the window's "Stop").
    Stopped,
    /// A token problem stopped sending.
    TokenProblem,
    /// The server did not answer several times in a row.
    Unreachable,
    /// The server or a gateway in front of it refused the request (401/403 without the
    /// error model): sending stopped, as `outbox flush` stops.
    Refused,
    /// Another sender (the window, `outbox flush`) was sending this entry, or had taken
    /// it out of the outbox, when the import came to it: left to that sender.
    InFlight,
}

impl Held {
    /// The name used in `--json` and reports.
    pub fn name(self) -> &'static str {
        match self {
            Held::Stopped => "stopped",
            Held::TokenProblem => "paused_token",
            Held::Unreachable => "server_unreachable",
            Held::Refused => "paused_refused",
            Held::InFlight => "in_flight",
        }
    }
}

/// What became of one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The sent log says the server has this visit already: nothing was sent.
    AlreadyDelivered,
    /// Sent; the answer verbatim.
    Answered(Outcome),
    /// Saved in the outbox but not sent now.
    Held(Held),
}

impl Delivery {
    /// The server has it (now or earlier).
    pub fn is_delivered(&self) -> bool {
        match self {
            Delivery::AlreadyDelivered => true,
            Delivery::Answered(outcome) => outcome.kind.is_final_success(),
            Delivery::Held(_) => false,
        }
    }
}

/// Where sending stands, after each step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Rows to send in all.
    pub total: usize,
    /// Rows saved in the outbox so far.
    pub saved: usize,
    /// Rows finished (answered, or found delivered earlier).
    pub done: usize,
    /// Of those, the server has them.
    pub delivered: usize,
}

/// Why sending could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The outbox cannot be used (disk full, read-only, …). Rows saved before stay.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
}

/// Visit ids the sent log records as delivered (accepted or already recorded).
fn delivered_before(outbox: &Outbox) -> HashSet<String> {
    let Ok(file) = File::open(outbox.sent_log()) else {
        return HashSet::new();
    };
    std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(&line).ok())
        .filter(|v| matches!(v["outcome"].as_str(), Some("accepted" | "already_recorded")))
        .filter_map(|v| v["visit_id"].as_str().map(str::to_owned))
        .collect()
}

/// Save every row in the outbox, then send them in file order. `progress` is called
/// after each step; `stop` is checked before each request. Returns one [`Delivery`] per
/// row, in the order given.
pub fn deliver(
    outbox: &Outbox,
    client: &RatingClient,
    token: &Token,
    rows: &[Pending],
    stop: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Vec<Delivery>, SendError> {
    let origin = client.origin();
    let mut state = Progress {
        total: rows.len(),
        ..Progress::default()
    };
    let sent_before = delivered_before(outbox);
    let mut waiting: HashMap<String, Vec<Entry>> = HashMap::new();
    for entry in outbox.list()?.entries {
        if entry.state != EntryState::Waiting || !entry.is_for(&origin) {
            continue;
        }
        waiting
            .entry(entry.visit_id.as_str().to_owned())
            .or_default()
            .push(entry);
    }

    // 1. Durable first: every row not delivered before is on disk before any request.
    let mut results: Vec<Option<Delivery>> = vec![None; rows.len()];
    let mut entries: Vec<Option<Entry>> = vec![None; rows.len()];
    for (i, row) in rows.iter().enumerate() {
        if sent_before.contains(row.visit_id.as_str()) {
            results[i] = Some(Delivery::AlreadyDelivered);
            state.done += 1;
            state.delivered += 1;
        } else {
            let existing = waiting.get_mut(row.visit_id.as_str()).and_then(|list| {
                list.iter()
                    .position(|e| e.rating == row.rating)
                    .map(|at| list.swap_remove(at))
            });
            entries[i] = Some(match existing {
                Some(entry) => entry,
                None => outbox.enqueue(&row.visit_id, &row.rating, &origin)?,
            });
        }
        state.saved += 1;
        progress(&state);
    }

    // 2. Then send, one request at a time.
    let mut unreachable = 0;
    let mut held: Option<Held> = None;
    for (i, entry) in entries.into_iter().enumerate() {
        let Some(entry) = entry else { continue };
        if held.is_none() && stop.load(Ordering::SeqCst) {
            held = Some(Held::Stopped);
        }
        if let Some(reason) = held {
            results[i] = Some(Delivery::Held(reason));
            continue;
        }
        // The one send path, forced as `outbox flush` is: the import sends now.
        let outcome = match outbox.send(&entry.id, client, token, true)? {
            Attempt::Sent { outcome, .. } => outcome,
            Attempt::Skipped(_) => {
                // Another sender has it, or delivered it meanwhile (the sent log says).
                let delivered = delivered_before(outbox).contains(entry.visit_id.as_str());
                results[i] = Some(if delivered {
                    state.delivered += 1;
                    Delivery::AlreadyDelivered
                } else {
                    Delivery::Held(Held::InFlight)
                });
                state.done += 1;
                progress(&state);
                continue;
            }
        };
        if outcome.kind == OutcomeKind::Transient && outcome.http_status.is_none() {
            unreachable += 1;
        } else {
            unreachable = 0;
        }
        if matches!(outcome.kind, OutcomeKind::Unauthorized(_)) {
            held = Some(Held::TokenProblem);
        } else if outcome.kind == OutcomeKind::Refused {
            held = Some(Held::Refused);
        } else if unreachable >= GIVE_UP_AFTER_UNREACHABLE {
            held = Some(Held::Unreachable);
        }
        state.done += 1;
        if outcome.kind.is_final_success() {
            state.delivered += 1;
        }
        results[i] = Some(Delivery::Answered(outcome));
        progress(&state);
    }
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or(Delivery::Held(Held::Stopped)))
        .collect())
}
