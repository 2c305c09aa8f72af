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
//! are `0600` in a `0700` folder.
//!
//! # Exactly once
//!
//! The server deduplicates by visit id: a second rating for a visit gets 5030. So a crash
//! between "the server accepted" and "the file was removed" is repaired by the next
//! attempt, which gets 5030 and removes the file. A crash before the rename leaves only
//! a temporary file (the rating was never reported as saved, and the form still holds
//! it); stale temporary files are removed. Sending holds an exclusive lock on
//! `<outbox>/.lock` (`File::try_lock`), so two processes (a second window, the CLI while
//! the window runs) never send the same rating at the same time; the one that finds the
//! lock taken leaves the work to the other.
//!
//! # Rules per answer
//!
//! accepted / 5030 → removed, a line in the sent log; transient → kept, next attempt
//! after an exponential backoff with jitter (5 s doubling, capped at 5 minutes);
//! 5007/5008/5009/5010 → kept, sending pauses until the token is replaced; any other
//! rejection → kept as "needs attention" with the server's answer, never deleted
//! silently.
//!
//! The sent log (`<data>/sent.log`, JSON lines, `0600`) records time, visit id, scores and
//! outcome — never the remarks — so an administrator can tell whether Monday's ratings
//! went out.
//!
//! No egui here: the window, the CLI and the background [`worker`] share it.

pub mod worker;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::api::{Outcome, OutcomeKind, RatingClient, VisitId};
use crate::rating::{Rating, Score};
use crate::secrets::Token;

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
    #[error("the disk is full: cannot save the rating in {path}; free some space and try again")]
    DiskFull {
        /// Where we tried to write.
        path: PathBuf,
    },
    /// The folder is read-only (a read-only file system, or no permission).
    #[error(
        "the outbox folder {path} is read-only: the rating was not saved; make the folder writable ({source})"
    )]
    ReadOnly {
        /// The folder.
        path: PathBuf,
        /// The system's words.
        source: io::Error,
    },
    /// Any other I/O failure.
    #[error("the outbox at {path} cannot be used: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The system's words.
        source: io::Error,
    },
    /// No such entry (already sent or removed by another process).
    #[error("no rating {0} in the outbox (sent or removed meanwhile)")]
    NotFound(String),
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
}

/// What one flush did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlushReport {
    /// Every entry tried, with its outcome, in order.
    pub attempts: Vec<(Entry, Outcome)>,
    /// Sending stopped on a token problem (the rest wait for a new token).
    pub paused: Option<Outcome>,
    /// Another process holds the lock and is sending.
    pub busy: bool,
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

/// What is in the outbox.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Listing {
    /// Readable entries, oldest first.
    pub entries: Vec<Entry>,
    /// Files that could not be read and were moved to `damaged/`.
    pub damaged: Vec<PathBuf>,
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
}

/// The outbox folder.
#[derive(Clone, Debug)]
pub struct Outbox {
    dir: PathBuf,
    sent_log: PathBuf,
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Outbox {
    /// The outbox in `data_dir/outbox` (created `0700` if missing), with its sent log in
    /// `data_dir/sent.log`.
    pub fn open(data_dir: &Path) -> Result<Outbox, OutboxError> {
        let dir = data_dir.join("outbox");
        create_private_dir(data_dir)?;
        create_private_dir(&dir)?;
        Ok(Outbox {
            dir,
            sent_log: data_dir.join("sent.log"),
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Save a rating durably before anything is sent. When this returns `Ok`, the rating
    /// survives a crash or a power cut.
    pub fn enqueue(&self, visit_id: &VisitId, rating: &Rating) -> Result<Entry, OutboxError> {
        self.enqueue_leased(visit_id, rating, Duration::ZERO)
    }

    /// [`Outbox::enqueue`] for a rating the caller sends itself right away: the
    /// background sender leaves it alone for `lease` (the caller's request timeout), so
    /// the two never send it at the same time; if the caller dies meanwhile, it is sent
    /// after the lease.
    pub fn enqueue_leased(
        &self,
        visit_id: &VisitId,
        rating: &Rating,
        lease: Duration,
    ) -> Result<Entry, OutboxError> {
        let created = now_ms();
        let entry = Entry {
            version: FORMAT_VERSION,
            id: format!("{created:013}-{:016x}", fastrand::u64(..)),
            visit_id: visit_id.clone(),
            rating: rating.clone(),
            created_at_ms: created,
            attempts: 0,
            last_attempt_ms: None,
            next_attempt_ms: created + millis(lease),
            state: EntryState::Waiting,
            last_outcome: None,
        };
        self.write(&entry)?;
        tracing::info!(entry = %entry.id, visit_id = %entry.visit_id, "rating saved in the outbox");
        Ok(entry)
    }

    fn path_of(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Write (or rewrite) an entry atomically: temporary file, fsync, rename, fsync folder.
    fn write(&self, entry: &Entry) -> Result<(), OutboxError> {
        let bytes = serde_json::to_vec_pretty(entry).map_err(|e| OutboxError::Io {
            path: self.dir.clone(),
            source: io::Error::other(e),
        })?;
        let tmp = self
            .dir
            .join(format!(".tmp-{}-{:08x}", entry.id, fastrand::u32(..)));
        let result = write_private_file(&tmp, &bytes)
            .and_then(|()| fs::rename(&tmp, self.path_of(&entry.id)))
            .and_then(|()| sync_dir(&self.dir));
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(io_error(&self.dir, e));
        }
        Ok(())
    }

    /// Everything in the outbox, oldest first. Unreadable files are moved aside.
    pub fn list(&self) -> Result<Listing, OutboxError> {
        let mut listing = Listing::default();
        let read = fs::read_dir(&self.dir).map_err(|e| io_error(&self.dir, e))?;
        for item in read {
            let item = item.map_err(|e| io_error(&self.dir, e))?;
            let path = item.path();
            let name = item.file_name().to_string_lossy().into_owned();
            if name.starts_with(".tmp-") {
                remove_if_stale(&path);
                continue;
            }
            let is_json = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"));
            if !is_json || !path.is_file() {
                continue;
            }
            match read_entry(&path) {
                Ok(entry) => listing.entries.push(entry),
                Err(reason) => {
                    if let Some(moved) = self.set_aside(&path, &reason) {
                        listing.damaged.push(moved);
                    }
                }
            }
        }
        listing.entries.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(listing)
    }

    fn set_aside(&self, path: &Path, reason: &str) -> Option<PathBuf> {
        let damaged = self.dir.join("damaged");
        let mut target = damaged.join(path.file_name()?);
        // Never overwrite an earlier damaged file of the same name.
        while target.exists() {
            target = damaged.join(format!(
                "{}.{:08x}",
                path.file_name()?.to_string_lossy(),
                fastrand::u32(..)
            ));
        }
        let moved = create_private_dir(&damaged)
            .ok()
            .and_then(|()| fs::rename(path, &target).ok());
        if moved.is_some() {
            tracing::error!(
                file = %path.display(),
                moved_to = %target.display(),
                reason,
                "a damaged outbox file was set aside; the other ratings are still sent"
            );
            Some(target)
        } else {
            tracing::error!(file = %path.display(), reason, "a damaged outbox file could not be set aside");
            None
        }
    }

    /// Remove an entry (sent, or deleted by an administrator).
    pub fn remove(&self, id: &str) -> Result<(), OutboxError> {
        let path = self.path_of(id);
        match fs::remove_file(&path) {
            Ok(()) => sync_dir(&self.dir).map_err(|e| io_error(&self.dir, e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(OutboxError::NotFound(id.to_owned()))
            }
            Err(e) => Err(io_error(&path, e)),
        }
    }

    /// Write every entry (remarks included) to `path` as one JSON array, `0600`.
    pub fn export(&self, path: &Path) -> Result<usize, OutboxError> {
        let listing = self.list()?;
        let bytes = serde_json::to_vec_pretty(&listing.entries).map_err(|e| OutboxError::Io {
            path: path.to_owned(),
            source: io::Error::other(e),
        })?;
        write_private_file(path, &bytes).map_err(|e| io_error(path, e))?;
        Ok(listing.entries.len())
    }

    /// Send what is due (everything waiting when `force`), in order, under the outbox
    /// lock. `token` is asked for only when there is something to send.
    pub fn flush(
        &self,
        client: &RatingClient,
        token: &dyn Fn() -> Option<Token>,
        force: bool,
    ) -> Result<FlushReport, OutboxError> {
        let mut report = FlushReport::default();
        let Some(_lock) = self.try_lock()? else {
            report.busy = true;
            return Ok(report);
        };
        let listing = self.list()?;
        report.damaged = listing.damaged;
        let now = now_ms();
        let due: Vec<Entry> = listing
            .entries
            .into_iter()
            .filter(|e| e.state == EntryState::Waiting && (force || e.next_attempt_ms <= now))
            .collect();
        if due.is_empty() {
            return Ok(report);
        }
        let Some(token) = token() else {
            report.paused = Some(Outcome::transport_failure("no token".into()));
            return Ok(report);
        };
        let mut unreachable = 0;
        for entry in due {
            // Another process may have sent and removed it before we took the lock.
            if !self.path_of(&entry.id).exists() {
                continue;
            }
            let outcome = client.submit(&entry.visit_id, &entry.rating, &token);
            let stop = matches!(outcome.kind, OutcomeKind::Unauthorized(_));
            // No answer at all, several times in a row: the server (or the network) is
            // down; trying thousands of entries at one timeout each helps nobody.
            if outcome.kind == OutcomeKind::Transient && outcome.http_status.is_none() {
                unreachable += 1;
            } else {
                unreachable = 0;
            }
            self.record(entry.clone(), &outcome)?;
            report.attempts.push((entry, outcome.clone()));
            if stop {
                report.paused = Some(outcome);
                break;
            }
            if unreachable >= GIVE_UP_AFTER_UNREACHABLE {
                break;
            }
        }
        Ok(report)
    }

    /// Apply the rules to an entry after an attempt.
    pub fn record(&self, mut entry: Entry, outcome: &Outcome) -> Result<(), OutboxError> {
        let now = now_ms();
        entry.attempts += 1;
        entry.last_attempt_ms = Some(now);
        entry.last_outcome = Some(outcome.clone());
        if let Some(data_dir) = self.dir.parent() {
            crate::metrics::record_attempt(data_dir, outcome.kind);
        }
        match outcome.kind {
            OutcomeKind::Accepted | OutcomeKind::AlreadyRecorded => {
                self.log_sent(&entry, outcome);
                match self.remove(&entry.id) {
                    Ok(()) | Err(OutboxError::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
                tracing::info!(entry = %entry.id, visit_id = %entry.visit_id, outcome = outcome.kind.name(), "rating delivered");
                return Ok(());
            }
            OutcomeKind::Transient => {
                entry.next_attempt_ms = now + millis(backoff(entry.attempts));
                tracing::warn!(entry = %entry.id, attempts = entry.attempts, detail = ?outcome.detail, http_status = ?outcome.http_status, "sending failed; will retry");
            }
            OutcomeKind::Unauthorized(problem) => {
                tracing::warn!(entry = %entry.id, ?problem, "token problem; sending paused until the token is replaced");
            }
            OutcomeKind::Rejected => {
                entry.state = EntryState::NeedsAttention;
                tracing::error!(entry = %entry.id, visit_id = %entry.visit_id, message = ?outcome.message, message_code = ?outcome.message_code, http_status = ?outcome.http_status, "the server rejected a rating; it needs attention");
            }
        }
        self.write(&entry)
    }

    fn log_sent(&self, entry: &Entry, outcome: &Outcome) {
        let line = serde_json::json!({
            "time_ms": now_ms(),
            "visit_id": entry.visit_id,
            "scores": entry.rating.scores.map(Score::get),
            "didnt_visit": entry.rating.didnt_visit,
            "outcome": outcome.kind.name(),
            "http_status": outcome.http_status,
            "message_code": outcome.message_code,
        });
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options
            .open(&self.sent_log)
            .and_then(|mut f| writeln!(f, "{line}"));
        if let Err(e) = written {
            tracing::warn!(file = %self.sent_log.display(), error = %e, "cannot write the sent log");
        }
    }

    /// The outbox's lock, if no other process holds it.
    fn try_lock(&self) -> Result<Option<File>, OutboxError> {
        let path = self.dir.join(".lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_error(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(file)),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(io_error(&path, e)),
        }
    }

    /// The sent log's path.
    pub fn sent_log(&self) -> &Path {
        &self.sent_log
    }
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

fn read_entry(path: &Path) -> Result<Entry, String> {
    let bytes = fs::read(path).map_err(|e| e.to_string())?;
    let entry: Entry =
        serde_json::from_slice(&bytes).map_err(|e| format!("not a valid entry: {e}"))?;
    if entry.version != FORMAT_VERSION {
        return Err(format!("unknown format version {}", entry.version));
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    if stem.as_deref() != Some(entry.id.as_str()) {
        return Err("the file name does not match the entry's id".into());
    }
    Ok(entry)
}

fn remove_if_stale(path: &Path) {
    let stale = fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > STALE_TMP);
    if stale {
        let _ = fs::remove_file(path);
    }
}

fn create_private_dir(dir: &Path) -> Result<(), OutboxError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| io_error(dir, e))
}

fn write_private_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    // `mode` applies only when the file is created: an existing file (an earlier export
    // made readable by others) is made private before the remarks are written into it.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(notes: &str) -> Rating {
        Rating {
            scores: [5, 4, 3, 2].map(|v| Score::new(v).unwrap()),
            notes: notes.into(),
            didnt_visit: false,
        }
    }

    fn visit(id: &str) -> VisitId {
        VisitId::parse(id).unwrap()
    }

    #[test]
    fn enqueue_list_remove_round_trip_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let a = outbox.enqueue(&visit("a"), &rating("первая")).unwrap();
        std::thread::sleep(Duration::from_millis(2));
        let b = outbox.enqueue(&visit("b"), &rating("вторая")).unwrap();
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
        let entry = outbox.enqueue(&visit("a"), &rating("x")).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(outbox.dir()), 0o700);
        assert_eq!(mode(&outbox.path_of(&entry.id)), 0o600);
        let text = fs::read_to_string(outbox.path_of(&entry.id)).unwrap();
        assert!(!text.to_lowercase().contains("token") && !text.contains("Bearer"));
    }

    #[test]
    fn damaged_files_are_set_aside_and_the_rest_listed() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let good = outbox.enqueue(&visit("good"), &rating("")).unwrap();
        let truncated = outbox.enqueue(&visit("cut"), &rating("")).unwrap();
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
    fn a_leased_entry_is_not_due_until_the_lease_ends() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let free = outbox.enqueue(&visit("free"), &rating("")).unwrap();
        let leased = outbox
            .enqueue_leased(&visit("leased"), &rating(""), Duration::from_secs(45))
            .unwrap();
        assert!(free.next_attempt_ms <= now_ms(), "due at once");
        assert!(leased.next_attempt_ms >= leased.created_at_ms + 45_000);
        assert!(
            leased.next_attempt_ms > now_ms(),
            "the background sender waits"
        );
    }

    #[test]
    fn a_flush_stops_after_three_attempts_without_an_answer() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        for n in 0..10 {
            outbox
                .enqueue(&visit(&format!("v-{n}")), &rating(""))
                .unwrap();
        }
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let client = RatingClient::new(&crate::api::ClientSettings::new(url)).unwrap();
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

    #[test]
    fn the_lock_is_exclusive_between_holders() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let held = outbox.try_lock().unwrap();
        assert!(held.is_some());
        assert!(
            outbox.try_lock().unwrap().is_none(),
            "a second holder is refused"
        );
        drop(held);
        assert!(outbox.try_lock().unwrap().is_some());
    }
}
