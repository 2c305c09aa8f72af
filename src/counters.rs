//! Delivery counters that survive restarts.
//!
//! `<data>/metrics.json` holds how many delivery attempts ended in each outcome, and the
//! time and outcome of the last attempt and of the last success. The outbox counts every
//! attempt (window, `submit --queue`, `outbox flush`) through [`Counters`], the
//! [`AttemptRecorder`] its opener gives it: a single send at once, a flush's attempts
//! once per batch of removals ([`record_attempts`], at most half a second late; a crash
//! of the flushing process can lose that last half second of counts, never a rating); a
//! plain `submit` without `--queue` is a one-off from a shell and is not counted. The
//! file is rewritten atomically (temporary file, rename) under a lock on
//! `<data>/metrics.lock`, so two processes counting at the same moment lose nothing. It
//! is not fsynced ([`crate::private_fs::replace`]): the rewrite after a patient's
//! rating is on the way to the thank-you screen, and two fsyncs cost that patient
//! milliseconds, where a power cut costs at most the counts of the last few seconds
//! (or, on a file system that does not order a rename after its data, an empty file:
//! damaged, see next). A
//! damaged file is moved aside as `metrics.json.damaged-<ms>` and counting starts again
//! from zero (Prometheus' `rate`/`increase` treat that as a counter reset). Counting
//! never fails a delivery: an error is logged and the rating goes on its way.
//!
//! The same file holds what patients said, aggregated ([`crate::scores`]): the
//! ratings the portal accepted, counted in the same rewrite as their attempts, and the
//! snapshot of them last published ([`publish_scores`]).
//!
//! `<data>/heartbeat` is the running program's sign of life ([`beat`]): the window
//! rewrites it with the time (and whether it is a kiosk) every minute; `visit-rating metrics` only reads it, so a
//! metrics file kept fresh by a timer still shows when the program itself stopped.
//!
//! [`crate::health`] reads them; [`crate::metrics`] shows them.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::api::{OutcomeClass, OutcomeKind};
use crate::outbox::AttemptRecorder;
use crate::rating::Rating;
use crate::scores::ScoreCounts;
use crate::time::now_ms;

/// The counter file in the data folder.
pub const COUNTERS_FILE: &str = "metrics.json";
const LOCK_FILE: &str = "metrics.lock";
/// The running program's heartbeat in the data folder.
pub const HEARTBEAT_FILE: &str = "heartbeat";
/// What the counter file holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Deliveries {
    /// Attempts per outcome name (see [`OutcomeClass::name`]).
    pub counts: BTreeMap<String, u64>,
    /// When the last attempt ended (ms since the epoch).
    pub last_attempt_ms: Option<u64>,
    /// Its outcome name.
    pub last_attempt_outcome: Option<String>,
    /// When the server last had a rating (accepted or already recorded).
    pub last_success_ms: Option<u64>,
    /// The ratings the server accepted, aggregated ([`crate::scores`]).
    pub scores: ScoreCounts,
    /// The snapshot of `scores` last published ([`ScoreCounts::published`]).
    pub published_scores: ScoreCounts,
}

/// Why the counter file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CountersError {
    /// The file exists but cannot be read.
    #[error("cannot read the delivery counters {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The system's words.
        source: io::Error,
    },
    /// The file is not what we write (cut short, edited by hand).
    #[error(
        "the delivery counters {path} are damaged ({reason}); the next delivery starts them again from zero"
    )]
    Damaged {
        /// The file.
        path: PathBuf,
        /// serde's words.
        reason: String,
    },
}

impl Deliveries {
    /// The counters in `data_dir`; all zero when the file does not exist yet.
    pub fn load(data_dir: &Path) -> Result<Deliveries, CountersError> {
        crate::blocking::assert_may_block("reading the delivery counters");
        let path = data_dir.join(COUNTERS_FILE);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Deliveries::default()),
            Err(source) => return Err(CountersError::Read { path, source }),
        };
        serde_json::from_slice(&bytes).map_err(|e| CountersError::Damaged {
            path,
            reason: e.to_string(),
        })
    }

    /// Attempts that ended in `outcome`.
    pub fn count(&self, outcome: OutcomeClass) -> u64 {
        self.counts.get(outcome.name()).copied().unwrap_or(0)
    }

    /// The last attempt's outcome, when this version knows its name.
    pub fn last_outcome(&self) -> Option<OutcomeClass> {
        self.last_attempt_outcome
            .as_deref()
            .and_then(OutcomeClass::from_name)
    }

    /// Attempts in all.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    fn add(&mut self, kind: OutcomeKind, at_ms: u64) {
        let name = kind.name();
        *self.counts.entry(name.to_owned()).or_insert(0) += 1;
        self.last_attempt_ms = Some(at_ms);
        self.last_attempt_outcome = Some(name.to_owned());
        if matches!(kind, OutcomeKind::Accepted | OutcomeKind::AlreadyRecorded) {
            self.last_success_ms = Some(at_ms);
        }
    }
}

/// Count one delivery attempt that ended in `kind`, now. Never fails the caller: a
/// problem is logged (and a damaged file set aside).
pub fn record_attempt(data_dir: &Path, kind: OutcomeKind) {
    record_attempts(data_dir, &[(kind, now_ms())], &[]);
}

/// Count several delivery attempts (outcome, when it ended), in the order they ended,
/// with one rewrite of the file: a flush counts its attempts per batch
/// (`outbox::Deliveries`), and the ratings the server `accepted` among them. Never fails
/// the caller.
pub fn record_attempts(data_dir: &Path, attempts: &[(OutcomeKind, u64)], accepted: &[&Rating]) {
    if attempts.is_empty() && accepted.is_empty() {
        return;
    }
    let update = |deliveries: &mut Deliveries| {
        for &(kind, at_ms) in attempts {
            deliveries.add(kind, at_ms);
        }
        for rating in accepted {
            deliveries.scores.add(rating);
        }
        true
    };
    if let Err(e) = update_file(data_dir, update) {
        tracing::warn!(folder = %data_dir.display(), error = %e, "cannot update the delivery counters");
    }
}

/// The aggregated scores that may be shown now: the snapshot last published, taken
/// again (and kept in the counter file) once at least `every` more ratings were counted
/// ([`ScoreCounts::published`]). Never fails: when the file cannot be updated, the
/// snapshot last kept is shown (and the problem logged).
pub fn publish_scores(data_dir: &Path, every: u64) -> ScoreCounts {
    let mut shown = None;
    let result = update_file(data_dir, |deliveries| {
        let next = deliveries
            .scores
            .published(&deliveries.published_scores, every);
        let changed = next != deliveries.published_scores;
        deliveries.published_scores = next.clone();
        shown = Some(next);
        changed
    });
    match (result, shown) {
        (Ok(()), Some(shown)) => shown,
        (result, _) => {
            if let Err(e) = result {
                tracing::warn!(folder = %data_dir.display(), error = %e, "cannot publish the aggregated scores");
            }
            Deliveries::load(data_dir)
                .map(|d| d.published_scores)
                .unwrap_or_default()
        }
    }
}

/// Change the counter file under its lock with `change`, which says whether it changed
/// anything (only then is the file rewritten).
fn update_file(data_dir: &Path, change: impl FnOnce(&mut Deliveries) -> bool) -> io::Result<()> {
    let _lock = crate::private_fs::lock(&data_dir.join(LOCK_FILE))?;
    let mut deliveries = match Deliveries::load(data_dir) {
        Ok(deliveries) => deliveries,
        Err(CountersError::Damaged { path, reason }) => {
            let aside = path.with_file_name(format!("{COUNTERS_FILE}.damaged-{}", now_ms()));
            tracing::warn!(file = %path.display(), moved_to = %aside.display(), %reason, "the delivery counters were damaged; starting again from zero");
            fs::rename(&path, &aside)?;
            Deliveries::default()
        }
        Err(CountersError::Read { source, .. }) => return Err(source),
    };
    if !change(&mut deliveries) {
        return Ok(());
    }
    let bytes = serde_json::to_vec(&deliveries).map_err(io::Error::other)?;
    crate::private_fs::replace(&data_dir.join(COUNTERS_FILE), &bytes)
}

/// What the running program left in `<data>/heartbeat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// When it last said it was alive (ms since the epoch).
    pub at_ms: u64,
    /// It runs as a kiosk (`--kiosk` or the settings): one that must always run.
    pub kiosk: bool,
}

/// The running program says it is alive: `<data>/heartbeat` rewritten with the time now
/// and whether it is a kiosk, atomically.
pub fn beat(data_dir: &Path, kiosk: bool) -> io::Result<()> {
    let heartbeat = Heartbeat {
        at_ms: now_ms(),
        kiosk,
    };
    let bytes = serde_json::to_vec(&heartbeat).map_err(io::Error::other)?;
    crate::private_fs::replace(&data_dir.join(HEARTBEAT_FILE), &bytes)
}

/// What the running program last left; `None` when it never did here, or the file is
/// not one [`beat`] wrote.
pub fn last_beat(data_dir: &Path) -> Option<Heartbeat> {
    crate::blocking::assert_may_block("reading the heartbeat");
    serde_json::from_slice(&fs::read(data_dir.join(HEARTBEAT_FILE)).ok()?).ok()
}

/// The outbox's [`AttemptRecorder`] in production: every attempt counted in the data
/// folder's counter file.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counters;

impl AttemptRecorder for Counters {
    fn record(&self, data_dir: &Path, attempts: &[(OutcomeKind, u64)], accepted: &[&Rating]) {
        record_attempts(data_dir, attempts, accepted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_add_up_and_survive_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        record_attempt(dir.path(), OutcomeKind::Transient);
        record_attempt(dir.path(), OutcomeKind::Accepted);
        record_attempt(dir.path(), OutcomeKind::Transient);
        let loaded = Deliveries::load(dir.path()).unwrap();
        assert_eq!(loaded.count(OutcomeClass::Transient), 2);
        assert_eq!(loaded.count(OutcomeClass::Accepted), 1);
        assert_eq!(loaded.total(), 3);
        assert_eq!(loaded.last_outcome(), Some(OutcomeClass::Transient));
        assert!(loaded.last_success_ms.is_some());
        assert!(loaded.last_success_ms <= loaded.last_attempt_ms);
    }

    #[test]
    fn a_damaged_counter_file_is_set_aside_and_counting_starts_again() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(COUNTERS_FILE), b"{\"counts\": {\"acc").unwrap();
        assert!(matches!(
            Deliveries::load(dir.path()),
            Err(CountersError::Damaged { .. })
        ));
        record_attempt(dir.path(), OutcomeKind::Rejected);
        assert_eq!(
            Deliveries::load(dir.path())
                .unwrap()
                .count(OutcomeClass::Rejected),
            1
        );
        let aside: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("metrics.json.damaged-")
            })
            .collect();
        assert_eq!(aside.len(), 1);
    }

    #[test]
    fn concurrent_counting_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..25 {
                        record_attempt(dir.path(), OutcomeKind::Accepted);
                    }
                });
            }
        });
        assert_eq!(
            Deliveries::load(dir.path())
                .unwrap()
                .count(OutcomeClass::Accepted),
            100
        );
    }

    #[test]
    fn accepted_ratings_are_counted_and_published_in_steps() {
        use crate::rating::{Criterion, Score};
        let dir = tempfile::tempdir().unwrap();
        let rating = Rating {
            scores: [5, 4, 3, 2].map(|s| Score::new(s).unwrap()),
            notes: String::new(),
            didnt_visit: false,
        };
        for i in 0..7 {
            record_attempts(dir.path(), &[(OutcomeKind::Accepted, 1000 + i)], &[&rating]);
            let shown = publish_scores(dir.path(), 5);
            assert_eq!(
                shown.ratings,
                if i < 4 { 0 } else { 5 },
                "after {} ratings",
                i + 1
            );
        }
        let loaded = Deliveries::load(dir.path()).unwrap();
        assert_eq!(loaded.scores.ratings, 7);
        assert_eq!(loaded.scores.count(Criterion::Cleanliness, 2), 7);
        assert_eq!(loaded.published_scores.ratings, 5);
        assert_eq!(loaded.count(OutcomeClass::Accepted), 7);
    }

    #[test]
    fn the_heartbeat_is_what_beat_wrote() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(last_beat(dir.path()), None);
        let before = now_ms();
        beat(dir.path(), true).unwrap();
        let beat = last_beat(dir.path()).unwrap();
        assert!(beat.at_ms >= before && beat.at_ms <= now_ms());
        assert!(beat.kiosk);
        fs::write(dir.path().join(HEARTBEAT_FILE), "soon").unwrap();
        assert_eq!(last_beat(dir.path()), None);
    }

    #[cfg(unix)]
    #[test]
    fn the_counter_file_is_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        record_attempt(dir.path(), OutcomeKind::Accepted);
        let mode = fs::metadata(dir.path().join(COUNTERS_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
