//! Sending the valid rows of an import: every one saved in the outbox first, then sent
//! one by one, with progress after each and a stop flag checked between requests.
//!
//! This wraps the outbox's public API (`Outbox::list`, `enqueue`, `record`, the sent
//! log) the way `submit --queue` uses it, rather than `Outbox::flush`, because an import
//! reports every row's answer as it comes, stops on request between two rows, and sends
//! only its own rows. While it works it holds the outbox's lock file (`.lock`, the one
//! `Outbox::flush` takes), so the window's background sender never sends the same rows
//! at the same time. When the outbox's send path changes, this is the one place to
//! re-point.
//!
//! A rerun of the same file sends only what is still missing: a row whose visit id is in
//! the sent log (accepted or 5030 earlier) is not sent again, and a row already waiting
//! in the outbox with the same rating is sent from its existing entry (not saved twice).

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::BufRead as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::api::{Outcome, OutcomeKind, RatingClient, VisitId};
use crate::outbox::{Entry, EntryState, GIVE_UP_AFTER_UNREACHABLE, Outbox, OutboxError};
use crate::rating::Rating;
use crate::secrets::Token;

/// How long to wait for another sender (the window's) to finish its round.
const LOCK_WAIT: Duration = Duration::from_secs(10);

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
}

impl Held {
    /// The name used in `--json` and reports.
    pub fn name(self) -> &'static str {
        match self {
            Held::Stopped => "stopped",
            Held::TokenProblem => "paused_token",
            Held::Unreachable => "server_unreachable",
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
    /// Another process (a window, `outbox flush`) is sending and did not finish in time.
    #[error("another process is sending ratings from the outbox; try again later")]
    Busy,
    /// The outbox cannot be used (disk full, read-only, …). Rows saved before stay.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
}

/// The outbox's lock file, held while importing.
struct OutboxLock(#[allow(dead_code)] File);

impl OutboxLock {
    fn take(outbox: &Outbox, stop: &AtomicBool) -> Result<OutboxLock, SendError> {
        let path = outbox.dir().join(".lock");
        let io = |source| OutboxError::Io {
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(OutboxLock(file)),
                Err(std::fs::TryLockError::WouldBlock) => {
                    if started.elapsed() > LOCK_WAIT || stop.load(Ordering::SeqCst) {
                        return Err(SendError::Busy);
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e).into()),
            }
        }
    }
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
    let _lock = OutboxLock::take(outbox, stop)?;
    let mut state = Progress {
        total: rows.len(),
        ..Progress::default()
    };
    let sent_before = delivered_before(outbox);
    let mut waiting: HashMap<String, Vec<Entry>> = HashMap::new();
    for entry in outbox.list()?.entries {
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
                Some(mut entry) => {
                    entry.state = EntryState::Waiting;
                    entry
                }
                None => outbox.enqueue(&row.visit_id, &row.rating, &client.origin())?,
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
        let Some(lease) = outbox.claim(&entry.id)? else {
            results[i] = Some(Delivery::Held(Held::Stopped));
            continue;
        };
        let outcome = client.submit(&entry.visit_id, &entry.rating, token);
        outbox.record(&lease, entry, &outcome)?;
        if outcome.kind == OutcomeKind::Transient && outcome.http_status.is_none() {
            unreachable += 1;
        } else {
            unreachable = 0;
        }
        if matches!(outcome.kind, OutcomeKind::Unauthorized(_)) {
            held = Some(Held::TokenProblem);
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
