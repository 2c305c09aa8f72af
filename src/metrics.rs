//! Delivery counters that survive restarts, and the Prometheus text exposition of a
//! terminal's [`Health`].
//!
//! # The counter store
//!
//! `<data>/metrics.json` holds how many delivery attempts ended in each outcome, and the
//! time and outcome of the last attempt and of the last success. The outbox counts every
//! attempt (window, `submit --queue`, `outbox flush`): a single send at once
//! ([`record_attempt`]), a flush's attempts once per batch of removals
//! ([`record_attempts`], at most half a second late; a crash of the flushing process can
//! lose that last half second of counts, never a rating); a plain `submit` without
//! `--queue` is a one-off from a shell and is not counted. The
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
//! # The exposition
//!
//! [`encode`] renders a [`Health`] in the Prometheus text format with the `prometheus`
//! crate's `TextEncoder`, never by hand. [`spawn_file_writer`] is the window's background thread
//! that rewrites `metrics_file` every minute for `node_exporter`'s textfile collector.
//!
//! No egui here.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use prometheus::core::Collector;
use prometheus::{Encoder as _, Gauge, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};
use serde::{Deserialize, Serialize};

use crate::api::OutcomeKind;
use crate::health::{Health, OutboxCounts, TokenHealth};
use crate::outbox::now_ms;

/// The counter file in the data folder.
pub const COUNTERS_FILE: &str = "metrics.json";
const LOCK_FILE: &str = "metrics.lock";
/// Every outcome a delivery attempt can have, as counted.
pub const OUTCOMES: [&str; 5] = [
    "accepted",
    "already_recorded",
    "rejected",
    "unauthorized",
    "transient",
];
/// How often the window rewrites `metrics_file`.
pub const FILE_INTERVAL: Duration = Duration::from_mins(1);

/// What the counter file holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Deliveries {
    /// Attempts per outcome name (see [`OUTCOMES`]).
    pub counts: BTreeMap<String, u64>,
    /// When the last attempt ended (ms since the epoch).
    pub last_attempt_ms: Option<u64>,
    /// Its outcome name.
    pub last_attempt_outcome: Option<String>,
    /// When the server last had a rating (accepted or already recorded).
    pub last_success_ms: Option<u64>,
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
    pub fn count(&self, outcome: &str) -> u64 {
        self.counts.get(outcome).copied().unwrap_or(0)
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
    record_attempts(data_dir, &[(kind, now_ms())]);
}

/// Count several delivery attempts (outcome, when it ended), in the order they ended,
/// with one rewrite of the file: a flush counts its attempts per batch
/// (`outbox::Deliveries`). Never fails the caller.
pub fn record_attempts(data_dir: &Path, attempts: &[(OutcomeKind, u64)]) {
    if attempts.is_empty() {
        return;
    }
    if let Err(e) = try_record_attempts(data_dir, attempts) {
        tracing::warn!(folder = %data_dir.display(), error = %e, "cannot update the delivery counters");
    }
}

fn try_record_attempts(data_dir: &Path, attempts: &[(OutcomeKind, u64)]) -> io::Result<()> {
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
    for &(kind, at_ms) in attempts {
        deliveries.add(kind, at_ms);
    }
    let bytes = serde_json::to_vec(&deliveries).map_err(io::Error::other)?;
    crate::private_fs::replace(&data_dir.join(COUNTERS_FILE), &bytes)
}

/// Seconds since the epoch as a float gauge value.
#[allow(clippy::cast_precision_loss)]
fn seconds(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

fn count_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Why the metrics could not be rendered (a bug: the names and labels are ours).
#[derive(Debug, thiserror::Error)]
#[error("cannot render the metrics: {0}")]
pub struct EncodeError(#[from] prometheus::Error);

/// The metrics of one exposition, registered as they are made.
struct Exposition(Registry);

impl Exposition {
    fn add(&self, metric: impl Collector + 'static) -> Result<(), EncodeError> {
        Ok(self.0.register(Box::new(metric))?)
    }

    fn int(&self, name: &str, help: &str, value: i64) -> Result<(), EncodeError> {
        let gauge = IntGauge::new(name, help)?;
        gauge.set(value);
        self.add(gauge)
    }

    fn float(&self, name: &str, help: &str, value: f64) -> Result<(), EncodeError> {
        let gauge = Gauge::new(name, help)?;
        gauge.set(value);
        self.add(gauge)
    }
}

/// The Prometheus text exposition (format 0.0.4, what `node_exporter`'s textfile collector
/// and `promtool check metrics` read) of `health`, rendered by the `prometheus` crate. A
/// value that is unknown (no token, the outbox unreadable, never a success) is left out
/// rather than shown as 0.
pub fn encode(health: &Health) -> Result<String, EncodeError> {
    let out = Exposition(Registry::new());
    let build = IntGaugeVec::new(
        Opts::new(
            "visit_rating_build_info",
            "The program's version (always 1)",
        ),
        &["version"],
    )?;
    build.with_label_values(&[health.version]).set(1);
    out.add(build)?;
    out.int(
        "visit_rating_status_code",
        "The exit code of visit-rating status: 0 healthy, 10 warning, 11 broken, 12 could not check",
        i64::from(health.verdict().code()),
    )?;
    out.int(
        "visit_rating_kiosk",
        "1 when the window runs (or the settings start it) as a kiosk",
        i64::from(health.kiosk),
    )?;
    out.int(
        "visit_rating_server_configured",
        "1 when a server URL is configured",
        i64::from(health.origin.is_some()),
    )?;
    if let Ok(outbox) = &health.outbox {
        add_outbox(&out, health, outbox)?;
    }
    if let Ok(deliveries) = &health.deliveries {
        add_deliveries(&out, deliveries)?;
    }
    add_token(&out, &health.token)?;
    let mut text = Vec::new();
    prometheus::TextEncoder::new().encode(&out.0.gather(), &mut text)?;
    String::from_utf8(text).map_err(|e| EncodeError(prometheus::Error::Msg(e.to_string())))
}

fn add_outbox(out: &Exposition, health: &Health, outbox: &OutboxCounts) -> Result<(), EncodeError> {
    out.int(
        "visit_rating_outbox_pending",
        "Ratings in the outbox waiting to be sent",
        count_i64(outbox.pending),
    )?;
    out.int(
        "visit_rating_outbox_needs_attention",
        "Ratings the server rejected, kept for a person to look at",
        count_i64(outbox.needs_attention),
    )?;
    out.int(
        "visit_rating_outbox_damaged",
        "Unreadable outbox files set aside in outbox/damaged/",
        count_i64(outbox.damaged),
    )?;
    out.float(
        "visit_rating_outbox_oldest_pending_age_seconds",
        "Age of the oldest waiting rating (0 when none waits)",
        health.oldest_pending_age_secs().unwrap_or(0.0),
    )
}

fn add_deliveries(out: &Exposition, deliveries: &Deliveries) -> Result<(), EncodeError> {
    let counter = IntCounterVec::new(
        Opts::new(
            "visit_rating_deliveries_total",
            "Delivery attempts by outcome, since the data folder was created",
        ),
        &["outcome"],
    )?;
    for outcome in OUTCOMES {
        counter
            .with_label_values(&[outcome])
            .inc_by(deliveries.count(outcome));
    }
    out.add(counter)?;
    if let Some(ms) = deliveries.last_attempt_ms {
        out.float(
            "visit_rating_last_attempt_timestamp_seconds",
            "When the last delivery attempt ended",
            seconds(ms),
        )?;
    }
    if let Some(ms) = deliveries.last_success_ms {
        out.float(
            "visit_rating_last_success_timestamp_seconds",
            "When the server last took a rating (accepted or already recorded)",
            seconds(ms),
        )?;
    }
    Ok(())
}

fn add_token(out: &Exposition, token: &TokenHealth) -> Result<(), EncodeError> {
    const PRESENT_HELP: &str = "1 when a token is in force (keyring or VISIT_RATING_TOKEN)";
    match token {
        TokenHealth::Present { expires_at, .. } => {
            out.int("visit_rating_token_present", PRESENT_HELP, 1)?;
            if let Some(expiry) = expires_at {
                out.int(
                    "visit_rating_token_expiry_timestamp_seconds",
                    "When the token expires (its JWT exp claim)",
                    *expiry,
                )?;
            }
            Ok(())
        }
        TokenHealth::Absent | TokenHealth::NoUrl => {
            out.int("visit_rating_token_present", PRESENT_HELP, 0)
        }
        // Unknown: left out rather than reported as absent.
        TokenHealth::Unreadable { .. } => Ok(()),
    }
}

/// Rewrite `path` with the metrics now, atomically and readable by all (it holds
/// counts, never a rating or the token).
pub fn write_file(path: &Path, health: &Health) -> io::Result<()> {
    let text = encode(health).map_err(io::Error::other)?;
    crate::private_fs::write_with_mode(path, text.as_bytes(), 0o644)
}

/// The window's background thread: rewrite `path` now and then every
/// [`FILE_INTERVAL`], gathering with `gather` each time, for the life of the process.
pub fn spawn_file_writer(
    path: PathBuf,
    gather: impl Fn() -> Health + Send + 'static,
) -> io::Result<()> {
    std::thread::Builder::new()
        .name("metrics-file".into())
        .spawn(move || {
            loop {
                match write_file(&path, &gather()) {
                    Ok(()) => tracing::debug!(file = %path.display(), "metrics written"),
                    Err(e) => {
                        tracing::warn!(file = %path.display(), error = %e, "cannot write the metrics file");
                    }
                }
                std::thread::sleep(FILE_INTERVAL);
            }
        })
        .map(drop)
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
        assert_eq!(loaded.count("transient"), 2);
        assert_eq!(loaded.count("accepted"), 1);
        assert_eq!(loaded.total(), 3);
        assert_eq!(loaded.last_attempt_outcome.as_deref(), Some("transient"));
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
        assert_eq!(Deliveries::load(dir.path()).unwrap().count("rejected"), 1);
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
        assert_eq!(Deliveries::load(dir.path()).unwrap().count("accepted"), 100);
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
