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
pub mod send;
mod sent_log;
mod store;
pub mod worker;
pub use lease::Lease;
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
mod tests {
    use super::*;
    use crate::api::{OutcomeKind, RatingClient};
    use crate::rating::Score;
    use crate::secrets::Token;
    use std::fs;

    pub(super) const ORIGIN: &str = "https://rpgu.example:443";

    pub(super) fn rating(notes: &str) -> Rating {
        Rating {
            scores: [5, 4, 3, 2].map(|v| Score::new(v).unwrap()),
            notes: notes.into(),
            didnt_visit: false,
        }
    }

    pub(super) fn visit(id: &str) -> VisitId {
        VisitId::parse(id).unwrap()
    }

    /// A stand-in server on loopback accepting `token`, and a client for it.
    fn served(token: &str) -> (crate::mock_server::RunningMock, RatingClient) {
        let server = crate::mock_server::RunningMock::start(
            "127.0.0.1:0".parse().unwrap(),
            crate::mock_server::MockOptions {
                tokens: vec![token.into()],
                ..crate::mock_server::MockOptions::default()
            },
        )
        .unwrap();
        let client = RatingClient::new(&crate::api::ClientSettings::new(server.url())).unwrap();
        (server, client)
    }

    #[test]
    fn enqueue_list_remove_round_trip_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let a = outbox
            .enqueue(&visit("a"), &rating("первая"), ORIGIN)
            .unwrap();
        std::thread::sleep(Duration::from_millis(2));
        let b = outbox
            .enqueue(&visit("b"), &rating("вторая"), ORIGIN)
            .unwrap();
        let listing = outbox.list().unwrap();
        assert_eq!(listing.entries, vec![a.clone(), b.clone()]);
        assert_eq!((listing.waiting(), listing.needs_attention()), (2, 0));
        outbox.remove(&a.id).unwrap();
        assert_eq!(outbox.list().unwrap().entries, vec![b]);
        assert!(matches!(
            outbox.remove(&a.id),
            Err(OutboxError::NotFound(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private_and_hold_no_token() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let entry = outbox.enqueue(&visit("a"), &rating("x"), ORIGIN).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(outbox.dir()), 0o700);
        assert_eq!(mode(&outbox.path_of(&entry.id)), 0o600);
        let text = fs::read_to_string(outbox.path_of(&entry.id)).unwrap();
        assert!(!text.to_lowercase().contains("token") && !text.contains("Bearer"));
    }

    #[test]
    fn temporary_files_left_by_a_crash_are_cleaned_up_once_stale_and_never_listed() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let entry = outbox.enqueue(&visit("a"), &rating("x"), ORIGIN).unwrap();
        let old = std::time::SystemTime::now() - STALE_TMP - Duration::from_secs(5);
        let stale = outbox.dir().join(format!(".{}.json.Ab12Cd.tmp", entry.id));
        let stale_v01 = outbox.dir().join(format!(".tmp-{}-0000beef", entry.id));
        let young = outbox.dir().join(".b.json.Ef34Gh.tmp");
        for path in [&stale, &stale_v01, &young] {
            fs::write(path, b"{\"half\": ").unwrap();
        }
        for path in [&stale, &stale_v01] {
            fs::File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        let listing = outbox.list().unwrap();
        assert_eq!(listing.entries, vec![entry]);
        assert!(listing.damaged.is_empty());
        assert!(!stale.exists() && !stale_v01.exists());
        assert!(
            young.exists(),
            "a write in progress elsewhere is left alone"
        );
    }

    #[test]
    fn damaged_files_are_set_aside_and_the_rest_listed() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let good = outbox.enqueue(&visit("good"), &rating(""), ORIGIN).unwrap();
        let truncated = outbox.enqueue(&visit("cut"), &rating(""), ORIGIN).unwrap();
        let path = outbox.path_of(&truncated.id);
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        fs::write(
            outbox.dir().join("0000000000000-garbage.json"),
            b"\x00\xffnot json",
        )
        .unwrap();
        let listing = outbox.list().unwrap();
        assert_eq!(listing.entries, vec![good]);
        assert_eq!(listing.damaged.len(), 2);
        assert!(
            listing
                .damaged
                .iter()
                .all(|p| p.exists() && p.starts_with(outbox.dir().join("damaged")))
        );
        assert_eq!(outbox.list().unwrap().damaged.len(), 0, "set aside once");
    }

    #[test]
    fn a_lease_is_exclusive_until_dropped_even_within_one_process() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let (entry, lease) = outbox
            .enqueue_claimed(&visit("leased"), &rating(""), ORIGIN)
            .unwrap();
        assert_eq!(lease.id(), entry.id);
        assert!(outbox.claim(&entry.id).unwrap().is_none(), "held");
        assert!(outbox.in_flight(&entry.id));
        // Another thread is another sender.
        let other = outbox.clone();
        let id = entry.id.clone();
        let taken = std::thread::Builder::new()
            .name("other-sender".into())
            .spawn(move || other.claim(&id).unwrap().is_some())
            .unwrap()
            .join()
            .unwrap();
        assert!(!taken);
        assert!(matches!(
            outbox.remove_by_person(&entry.id, Removal::Discarded),
            Err(OutboxError::InFlight(_))
        ));
        drop(lease);
        assert!(!outbox.in_flight(&entry.id));
        assert!(outbox.claim(&entry.id).unwrap().is_some(), "released");
        assert!(entry.next_attempt_ms <= now_ms(), "due at once");
    }

    #[test]
    fn entries_written_by_version_0_1_stay_readable_and_go_to_any_server() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let id = "1764200000000-00000000000000aa";
        let old = format!(
            r#"{{"version":1,"id":"{id}","visit_id":"old-visit","rating":{{"scores":[5,4,3,2],"notes":"x","didnt_visit":false}},"created_at_ms":1764200000000,"attempts":1,"last_attempt_ms":1764200000001,"next_attempt_ms":1764200000002,"state":"waiting","last_outcome":null}}"#
        );
        fs::write(outbox.dir().join(format!("{id}.json")), old).unwrap();
        let listing = outbox.list().unwrap();
        assert_eq!(listing.damaged, Vec::<PathBuf>::new());
        assert_eq!(listing.entries.len(), 1);
        assert_eq!(listing.entries[0].server_origin, None);
        assert!(listing.entries[0].is_for("https://any.example:443"));
        assert_eq!(listing.waiting_for("https://any.example:443"), 1);
    }

    #[test]
    fn an_entry_for_another_server_is_counted_not_sent_until_moved() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        outbox
            .enqueue(&visit("old"), &rating(""), "https://old.example:443")
            .unwrap();
        let listing = outbox.list().unwrap();
        assert_eq!(listing.for_other_servers(ORIGIN), 1);
        assert_eq!(listing.waiting_for(ORIGIN), 0);
        assert_eq!(outbox.move_to_server(ORIGIN).unwrap(), 1);
        let listing = outbox.list().unwrap();
        assert_eq!(listing.waiting_for(ORIGIN), 1);
        assert_eq!(listing.entries[0].server_origin.as_deref(), Some(ORIGIN));
        assert_eq!(outbox.move_to_server(ORIGIN).unwrap(), 0);
    }

    fn answer(kind: OutcomeKind) -> Outcome {
        Outcome {
            kind,
            http_status: Some(404),
            code: Some(404),
            message: Some("Некорректный запрос.".into()),
            message_code: Some("4001".into()),
            detail: None,
        }
    }

    /// Enqueue for `visit` and record `kind` as its first answer; the entry's id.
    fn answered(outbox: &Outbox, visit_id: &str, kind: Option<OutcomeKind>) -> String {
        std::thread::sleep(Duration::from_millis(2));
        let (entry, lease) = outbox
            .enqueue_claimed(&visit(visit_id), &rating(""), ORIGIN)
            .unwrap();
        if let Some(kind) = kind {
            outbox.record(&lease, entry.clone(), &answer(kind)).unwrap();
        }
        entry.id
    }

    /// The listed ids, sorted: entries saved within one millisecond list in the order
    /// of their random suffix, so tests compare sets.
    fn sorted_ids(outbox: &Outbox) -> Vec<String> {
        let mut ids = ids(outbox);
        ids.sort();
        ids
    }

    fn sorted<const N: usize>(ids: [&String; N]) -> Vec<String> {
        let mut ids: Vec<String> = ids.into_iter().cloned().collect();
        ids.sort();
        ids
    }

    fn entry_of(outbox: &Outbox, id: &str) -> Entry {
        let entries = outbox.list().unwrap().entries;
        entries.into_iter().find(|e| e.id == id).unwrap()
    }

    fn ids(outbox: &Outbox) -> Vec<String> {
        outbox
            .list()
            .unwrap()
            .entries
            .into_iter()
            .map(|e| e.id)
            .collect()
    }

    #[test]
    fn a_rejection_is_kept_until_superseded_by_an_answered_rating_for_the_same_visit() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let other_visit = answered(&outbox, "other", Some(OutcomeKind::Rejected));
        let first = answered(&outbox, "v", Some(OutcomeKind::Rejected));
        assert_eq!(sorted_ids(&outbox), sorted([&other_visit, &first]), "kept");
        // Waiting entries are never superseded: they may still reach the server.
        let waiting = answered(&outbox, "v", Some(OutcomeKind::Transient));
        // The corrected form is rejected too: it replaces the first.
        let second = answered(&outbox, "v", None);
        let lease = outbox.claim(&second).unwrap().unwrap();
        let entry = entry_of(&outbox, &second);
        outbox
            .record(&lease, entry, &answer(OutcomeKind::Rejected))
            .unwrap();
        drop(lease);
        assert_eq!(
            sorted_ids(&outbox),
            sorted([&other_visit, &waiting, &second])
        );
        // The older waiting entry, retried late, is rejected: the newer one stands.
        let lease = outbox.claim(&waiting).unwrap().unwrap();
        let entry = entry_of(&outbox, &waiting);
        outbox
            .record(&lease, entry, &answer(OutcomeKind::Rejected))
            .unwrap();
        drop(lease);
        assert_eq!(sorted_ids(&outbox), sorted([&other_visit, &second]));
        // A delivery for the visit supersedes whatever still needs attention for it.
        answered(&outbox, "v", Some(OutcomeKind::AlreadyRecorded));
        assert_eq!(ids(&outbox), [other_visit]);
        let log = fs::read_to_string(outbox.sent_log()).unwrap();
        assert_eq!(log.matches("\"superseded\"").count(), 3, "{log}");
        assert_eq!(log.matches("\"already_recorded\"").count(), 1, "{log}");
    }

    #[test]
    fn a_delivered_entry_keeps_its_lease_until_its_batch_is_committed() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let mut batch = Deliveries::new(&outbox);
        let mut saved = Vec::new();
        for n in 0..3 {
            let (entry, lease) = outbox
                .enqueue_claimed(&visit(&format!("v-{n}")), &rating(""), ORIGIN)
                .unwrap();
            saved.push(entry.id.clone());
            let mut outcome = answer(OutcomeKind::Accepted);
            outcome.http_status = Some(200);
            batch.record(lease, entry, &outcome).unwrap();
        }
        // Delivered, not yet removed: still on disk, and nobody else may send them. (As
        // sets: entries saved within one millisecond list in the order of their random
        // suffix.)
        let mut listed = ids(&outbox);
        listed.sort();
        saved.sort();
        assert_eq!(listed, saved);
        for id in &saved {
            assert!(outbox.claim(id).unwrap().is_none(), "{id} is still leased");
        }
        assert!(
            !outbox.sent_log().exists(),
            "the log lines wait with the batch"
        );
        batch.commit();
        assert!(ids(&outbox).is_empty());
        let names: Vec<String> = fs::read_dir(outbox.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| !n.contains(".lease")),
            "lease files left: {names:?}"
        );
        let log = fs::read_to_string(outbox.sent_log()).unwrap();
        assert_eq!(log.lines().count(), 3, "{log}");
        assert_eq!(log.matches("\"accepted\"").count(), 3, "{log}");
    }

    #[test]
    fn a_flush_delivers_everything_and_leaves_no_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path())
            .unwrap()
            .recording(Arc::new(crate::counters::Counters));
        let (server, client) = served("t");
        // More than a batch, so that several batches are committed.
        let n = Deliveries::BATCH * 2 + 7;
        for i in 0..n {
            outbox
                .enqueue(&visit(&format!("v-{i}")), &rating(""), &client.origin())
                .unwrap();
        }
        let token = Token::new("t").unwrap();
        let report = outbox
            .flush(&client, &|| Some(token.clone()), false)
            .unwrap();
        assert_eq!(report.delivered(), n);
        assert_eq!(server.state().ratings().len(), n);
        let left: Vec<_> = fs::read_dir(outbox.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "{left:?}");
        let log = fs::read_to_string(outbox.sent_log()).unwrap();
        assert_eq!(log.lines().count(), n);
        // Counted per batch, every attempt once, all written by the time flush returns.
        let counted = crate::counters::Deliveries::load(dir.path()).unwrap();
        assert_eq!(counted.count("accepted"), n as u64);
        assert_eq!(counted.total(), n as u64);
    }

    #[test]
    fn a_flush_paused_by_a_token_problem_leaves_what_it_read_ahead_to_others() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path())
            .unwrap()
            .recording(Arc::new(crate::counters::Counters));
        // The server must outlive the flush.
        let (_server, client) = served("right");
        let n = flush::READ_AHEAD * 3;
        for i in 0..n {
            outbox
                .enqueue(&visit(&format!("v-{i}")), &rating(""), &client.origin())
                .unwrap();
        }
        let wrong = Token::new("wrong").unwrap();
        let report = outbox
            .flush(&client, &|| Some(wrong.clone()), true)
            .unwrap();
        assert!(
            matches!(
                report.paused.as_ref().map(|o| o.kind),
                Some(OutcomeKind::Unauthorized(_))
            ),
            "{:?}",
            report.paused
        );
        assert_eq!(report.attempts.len(), 1, "sending stops at the first 401");
        assert!(report.in_flight.is_empty());
        // Everything is still there, and no lease outlived the flush: the entries the
        // reader had claimed ahead are free for the next sender.
        let left = ids(&outbox);
        assert_eq!(left.len(), n);
        for id in &left {
            assert!(outbox.claim(id).unwrap().is_some(), "{id} is still leased");
        }
        let counted = crate::counters::Deliveries::load(dir.path()).unwrap();
        assert_eq!(counted.count("unauthorized"), 1);
        assert_eq!(counted.total(), 1);
    }

    #[test]
    fn a_flush_stops_after_three_attempts_without_an_answer() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let url_origin = crate::api::origin(&url);
        for n in 0..10 {
            outbox
                .enqueue(&visit(&format!("v-{n}")), &rating(""), &url_origin)
                .unwrap();
        }
        let client = RatingClient::new(&crate::api::ClientSettings::new(url)).unwrap();
        assert_eq!(client.origin(), url_origin);
        let token = Token::new("t").unwrap();
        let report = outbox
            .flush(&client, &|| Some(token.clone()), true)
            .unwrap();
        assert_eq!(report.attempts.len(), GIVE_UP_AFTER_UNREACHABLE);
        assert_eq!(outbox.list().unwrap().waiting(), 10, "nothing lost");
    }

    #[test]
    fn a_second_damaged_file_of_the_same_name_does_not_overwrite_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let name = "0000000000001-aaaa.json";
        for garbage in [&b"first"[..], b"second"] {
            fs::write(outbox.dir().join(name), garbage).unwrap();
            assert_eq!(outbox.list().unwrap().damaged.len(), 1);
        }
        let kept: Vec<Vec<u8>> = fs::read_dir(outbox.dir().join("damaged"))
            .unwrap()
            .map(|e| fs::read(e.unwrap().path()).unwrap())
            .collect();
        assert_eq!(kept.len(), 2);
        assert!(kept.contains(&b"first".to_vec()) && kept.contains(&b"second".to_vec()));
    }

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
