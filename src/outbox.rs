//! The durable outbox: every rating is on disk before the first attempt to send it, and
//! leaves the disk only once the server has it ("accepted", or 5030 "already recorded").
//!
//! # On-disk form
//!
//! One JSON file per rating in `<data>/outbox/` (`<created ms>-<random>.json`), written
//! to a temporary file in the same folder, fsynced, renamed into place, and the folder
//! fsynced. One file per rating because every change is then one atomic rename (no
//! database, no journal of our own), a damaged file costs one rating at most and is
//! moved aside on its own, and an administrator can read the folder with a text editor.
//! Files hold the rating (remarks included: personal data) and never the token; they
//! are `0600` in a `0700` folder. Beside them: `attention/<id>`, an index of the entries needing attention
//! (their visit id, so superseding never reads the whole outbox; derived, rebuilt by
//! every listing); `damaged/`, files that could not be read; on Windows `<id>.lease`,
//! the lease of an entry being sent (see [`lease`]).
//!
//! # Exactly once
//!
//! The server deduplicates by visit id: a second rating for a visit gets 5030. So a crash
//! between "the server accepted" and "the file was removed" is repaired by the next
//! attempt, which gets 5030 and removes the file. That is also why the removal of a
//! delivered entry need not be durable at once: a flush removes them in batches, one
//! folder fsync each ([`send::Deliveries`]), holding their leases until then. A crash
//! before the rename leaves only a temporary file (the rating was never reported as
//! saved, and the form still holds it); stale temporary files are removed. Every sender — the window, `submit --queue`,
//! `outbox flush`, the background sender — sends through one path ([`send`]) that takes
//! a per-entry lease first (a lock on the entry's own file, [`lease`]), so no entry is
//! ever sent by two senders at once, in
//! one process or in several; there is no outbox-wide lock held during a drain.
//!
//! # Rules per answer
//!
//! accepted / 5030 → removed, a line in the sent log; transient, or a gateway's refusal
//! → kept, next attempt after an exponential backoff with jitter (5 s doubling, capped
//! at 5 minutes); 5007/5008/5009/5010 → kept, sending pauses until the token is
//! replaced; any other rejection → kept as "needs attention" with the server's answer,
//! never sent again automatically and never deleted silently: it leaves when a later
//! rating for the same visit gets an answer (superseded), or when a person marks it
//! replaced or discards it.
//!
//! # Which server
//!
//! Each entry records the origin of the server it was saved for (`server_origin`); it is
//! sent only there. After the server URL changes, entries for the old server wait, are
//! listed as such, and move to the current server only on a person's explicit command
//! (`outbox flush --to-current-server`, or the queue view's confirmed button). Entries
//! written by version 0.1 have no origin and go to the configured server, as before.
//!
//! The sent log (`<data>/sent.log`, JSON lines, `0600`) records time, visit id, scores and
//! outcome — never the remarks — so an administrator can tell whether Monday's ratings
//! went out.
//!
//! No egui here: the window, the CLI and the background [`worker`] share it.

//!
//! # Rooms
//!
//! This file holds the types and the rules' constants; `store.rs` the files (saving,
//! listing, setting damaged files aside, removing, exporting); [`send`] the one send path
//! under per-entry leases and the rules per answer; `flush.rs` a drain of everything due;
//! `attention.rs` the index of entries needing a person; `sent_log.rs` the log of what
//! happened; [`worker`] the background sender. None of them touches egui.
mod attention;
mod flush;
pub mod lease;
mod segment;
pub mod send;
mod sent_log;
mod store;
pub mod worker;
pub use flush::{Claimed, Pipeline};
pub use lease::Lease;
pub use segment::SEGMENT_MAX;
pub use segment::SaveBatch;
pub use send::{Attempt, AttemptRecorder, Deliveries, Removal, Skip};

pub use crate::time::now_ms;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use store::{create_private_dir, read_entry};

use serde::{Deserialize, Serialize};

use crate::api::{Outcome, VisitId};
use crate::rating::Rating;

/// The first retry delay after a transient failure.
pub const BACKOFF_BASE: Duration = Duration::from_secs(5);
/// The longest retry delay.
pub const BACKOFF_CAP: Duration = Duration::from_mins(5);
/// Temporary files older than this are left-overs of a crash and are removed.
const STALE_TMP: Duration = Duration::from_mins(1);
const FORMAT_VERSION: u32 = 1;
/// A flush stops after this many attempts in a row got no answer at all.
pub const GIVE_UP_AFTER_UNREACHABLE: usize = 3;

/// Why the outbox could not do something. Each variant names the path and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The disk is full: the rating was NOT saved (the form keeps it).
    #[error("the disk is full: cannot write in {path}")]
    DiskFull {
        /// Where we tried to write.
        path: PathBuf,
    },
    /// The folder is read-only (a read-only file system, or no permission).
    #[error("the outbox folder {path} is read-only")]
    ReadOnly {
        /// The folder.
        path: PathBuf,
        /// The system's words.
        source: io::Error,
    },
    /// Any other I/O failure.
    #[error("the outbox at {path} cannot be used")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The system's words.
        source: io::Error,
    },
    /// No such entry (already sent or removed by another process).
    #[error("no rating {0} in the outbox (sent or removed meanwhile)")]
    NotFound(String),
    /// The entry is being sent right now (by this or another process); try again in a
    /// moment.
    #[error("the rating {0} is being sent right now")]
    InFlight(String),
}

fn io_error(path: &Path, source: io::Error) -> OutboxError {
    match source.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => OutboxError::DiskFull {
            path: path.to_owned(),
        },
        io::ErrorKind::ReadOnlyFilesystem | io::ErrorKind::PermissionDenied => {
            OutboxError::ReadOnly {
                path: path.to_owned(),
                source,
            }
        }
        _ => OutboxError::Io {
            path: path.to_owned(),
            source,
        },
    }
}

/// Where an entry stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Will be sent (again).
    Waiting,
    /// The server refused it for good; a person must look. Never sent automatically.
    NeedsAttention,
}

/// One rating in the outbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// File format version.
    pub version: u32,
    /// Unique id (also the file name without `.json`).
    pub id: String,
    /// The visit.
    pub visit_id: VisitId,
    /// The rating (remarks included).
    pub rating: Rating,
    /// When it was saved, Unix milliseconds.
    pub created_at_ms: u64,
    /// How many times sending was tried.
    pub attempts: u32,
    /// When it was last tried.
    pub last_attempt_ms: Option<u64>,
    /// Not before this moment (backoff).
    pub next_attempt_ms: u64,
    /// Waiting or needs attention.
    pub state: EntryState,
    /// The last answer, verbatim.
    pub last_outcome: Option<Outcome>,
    /// The origin (`scheme://host:port`) of the server it was saved for; it is sent only
    /// there. `None` in entries written by version 0.1: sent to the configured server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_origin: Option<String>,
}

impl Entry {
    /// Whether it may be sent to the server at `origin`.
    pub fn is_for(&self, origin: &str) -> bool {
        self.server_origin.as_deref().is_none_or(|o| o == origin)
    }
}

/// What one flush did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlushReport {
    /// Every entry tried, with its outcome, in order.
    pub attempts: Vec<(Entry, Outcome)>,
    /// Sending stopped on a token problem or a gateway's refusal (the rest wait).
    pub paused: Option<Outcome>,
    /// Entries another sender (thread or process) was sending: left to it.
    pub in_flight: Vec<String>,
    /// Waiting entries saved for another server: not sent.
    pub other_server: usize,
    /// Files that could not be read and were moved to `damaged/`.
    pub damaged: Vec<PathBuf>,
}

impl FlushReport {
    /// How many reached the server (accepted or already recorded).
    pub fn delivered(&self) -> usize {
        self.attempts
            .iter()
            .filter(|(_, o)| o.kind.is_final_success())
            .count()
    }
}

/// A file in `damaged/`: its name and when it was last written (its age).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DamagedFile {
    /// The file's name in `damaged/`.
    pub name: String,
    /// When it was last written (a rename into `damaged/` keeps it).
    pub written: std::time::SystemTime,
}

/// What is in the outbox.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Listing {
    /// Readable entries, oldest first.
    pub entries: Vec<Entry>,
    /// Files that could not be read and were moved to `damaged/` by this listing.
    pub damaged: Vec<PathBuf>,
    /// How many files wait in `damaged/` (set aside now or before) for a person.
    pub set_aside: usize,
}

impl Listing {
    /// Entries still to be sent.
    pub fn waiting(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.state == EntryState::Waiting)
            .count()
    }

    /// Entries a person must look at.
    pub fn needs_attention(&self) -> usize {
        self.entries.len() - self.waiting()
    }

    /// Entries waiting to be sent to the server at `origin`.
    pub fn waiting_for(&self, origin: &str) -> usize {
        self.entries
            .iter()
            .filter(|e| e.state == EntryState::Waiting && e.is_for(origin))
            .count()
    }

    /// Waiting entries saved for another server than `origin`.
    pub fn for_other_servers(&self, origin: &str) -> usize {
        self.waiting() - self.waiting_for(origin)
    }
}

/// What a listing tells, without the entries ([`Outbox::tally`]): the background
/// sender's and the metrics writer's view of the outbox. It holds a few numbers per
/// server origin — never a rating, a remark or an id — so a window with 10,000 ratings
/// waiting holds no more for them than a window with one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Waiting entries by the origin they were saved for (`None`: version 0.1's, for
    /// any server): how many, and the earliest next attempt.
    by_origin: Vec<(Option<String>, Due)>,
    /// Entries a person must look at.
    needs_attention: usize,
    /// When the oldest waiting entry was saved (Unix ms).
    oldest_waiting_ms: Option<u64>,
    /// Files that could not be read and were moved to `damaged/` by this tally.
    pub damaged: Vec<PathBuf>,
    /// How many files wait in `damaged/` (set aside now or before) for a person.
    pub set_aside: usize,
}

/// The waiting entries of one origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Due {
    count: usize,
    earliest_ms: u64,
}

impl Tally {
    fn add(&mut self, entry: &Entry) {
        if entry.state != EntryState::Waiting {
            self.needs_attention += 1;
            return;
        }
        self.oldest_waiting_ms = Some(
            self.oldest_waiting_ms
                .map_or(entry.created_at_ms, |t| t.min(entry.created_at_ms)),
        );
        let due = Due {
            count: 1,
            earliest_ms: entry.next_attempt_ms,
        };
        match self
            .by_origin
            .iter_mut()
            .find(|(o, _)| *o == entry.server_origin)
        {
            Some((_, d)) => {
                d.count += 1;
                d.earliest_ms = d.earliest_ms.min(entry.next_attempt_ms);
            }
            None => self.by_origin.push((entry.server_origin.clone(), due)),
        }
    }

    /// The waiting entries that may go to the server at `origin` (see [`Entry::is_for`]).
    fn sendable_to<'a>(&'a self, origin: &'a str) -> impl Iterator<Item = &'a Due> + 'a {
        self.by_origin
            .iter()
            .filter(move |(o, _)| o.as_deref().is_none_or(|o| o == origin))
            .map(|(_, d)| d)
    }

    /// Entries still to be sent.
    pub fn waiting(&self) -> usize {
        self.by_origin.iter().map(|(_, d)| d.count).sum()
    }

    /// Entries a person must look at.
    pub fn needs_attention(&self) -> usize {
        self.needs_attention
    }

    /// Entries waiting to be sent to the server at `origin`.
    pub fn waiting_for(&self, origin: &str) -> usize {
        self.sendable_to(origin).map(|d| d.count).sum()
    }

    /// Waiting entries saved for another server than `origin`.
    pub fn for_other_servers(&self, origin: &str) -> usize {
        self.waiting() - self.waiting_for(origin)
    }

    /// The earliest next attempt of an entry waiting for the server at `origin`.
    pub fn next_due_for(&self, origin: &str) -> Option<u64> {
        self.sendable_to(origin).map(|d| d.earliest_ms).min()
    }

    /// When the oldest waiting entry was saved (Unix ms).
    pub fn oldest_waiting_ms(&self) -> Option<u64> {
        self.oldest_waiting_ms
    }
}

/// The outbox folder.
#[derive(Clone, Debug)]
pub struct Outbox {
    dir: PathBuf,
    sent_log: PathBuf,
    /// Told of every delivery attempt ([`Outbox::recording`]); none by default.
    recorder: Option<Arc<dyn AttemptRecorder>>,
}

/// The delay before attempt `attempts + 1`: 5 s doubling, capped at 5 minutes, with
/// jitter (a random 50–100 % of it) so that many kiosks do not retry in step.
pub fn backoff(attempts: u32) -> Duration {
    let exponent = attempts.saturating_sub(1).min(16);
    let full = BACKOFF_BASE.saturating_mul(1 << exponent).min(BACKOFF_CAP);
    full.mul_f64(0.5 + fastrand::f64() * 0.5)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        for attempts in 1..40_u32 {
            let full = BACKOFF_BASE
                .saturating_mul(1 << attempts.saturating_sub(1).min(16))
                .min(BACKOFF_CAP);
            for _ in 0..20 {
                let d = backoff(attempts);
                assert!(d >= full / 2 && d <= full, "{attempts}: {d:?}");
            }
        }
        assert!(backoff(100) <= BACKOFF_CAP);
    }
}
