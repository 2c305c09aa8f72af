//! The Prometheus text exposition of a terminal's [`Health`].
//!
//! [`encode`] renders a [`Health`] in the Prometheus text format with the `prometheus`
//! crate's `TextEncoder`, never by hand (it escapes the label values), with the delivery
//! counters of [`crate::counters`], the heartbeat, and the aggregated scores when they
//! are published. Every metric carries the `terminal` and `clinic` labels the settings
//! give (`terminal_id`, `clinic_id`), so a fleet's series say whose they are wherever
//! they are collected. [`write_file`] writes it for `node_exporter`'s textfile collector.
//!
//! Who writes the file: the running window every [`FILE_INTERVAL`] ([`beat`], from a
//! thread `ui::jobs` starts), which first rewrites the heartbeat; and `visit-rating
//! metrics --write-file`, run by the packaged timer with the window closed or dead,
//! which only reads the heartbeat. So an old file means the terminal (or its timer) is
//! down, and an old heartbeat in a fresh file means the program is. The status code it
//! shows is given by the caller: exit codes are the CLI's
//! ([`crate::cli::Exit::for_verdict`]).
//!
//! No egui here.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::time::Duration;

use prometheus::core::Collector;
use prometheus::{Encoder as _, Gauge, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};

use crate::api::OutcomeClass;
use crate::counters::Deliveries;
use crate::health::{Health, OutboxCounts, TokenHealth, Verdict};
use crate::rating::Criterion;
use crate::scores::{ScoreCounts, question_name};

/// How often the window rewrites `metrics_file`.
pub const FILE_INTERVAL: Duration = Duration::from_mins(1);

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
/// rather than shown as 0. `status_code` is the exit code of `visit-rating status` for
/// the health's verdict.
pub fn encode(health: &Health, status_code: u8) -> Result<String, EncodeError> {
    let mut labels = HashMap::new();
    for (name, value) in [
        ("terminal", &health.terminal_id),
        ("clinic", &health.clinic_id),
    ] {
        if let Some(value) = value {
            labels.insert(name.to_owned(), value.clone());
        }
    }
    let out = Exposition(Registry::new_custom(None, Some(labels))?);
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
        i64::from(status_code),
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
    out.int(
        "visit_rating_token_warning_seconds",
        "token_warning_days from the settings, in seconds: warn this long before the token expires",
        i64::try_from(health.token_warning_days.saturating_mul(86_400)).unwrap_or(i64::MAX),
    )?;
    if let Some(ms) = health.heartbeat.map(|h| h.at_ms) {
        out.float(
            "visit_rating_heartbeat_timestamp_seconds",
            "When the running program (the window) last said it was alive",
            seconds(ms),
        )?;
    }
    if let Some(scores) = &health.scores {
        add_scores(&out, scores)?;
    }
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
    for outcome in OutcomeClass::ALL {
        counter
            .with_label_values(&[outcome.name()])
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

fn add_scores(out: &Exposition, scores: &ScoreCounts) -> Result<(), EncodeError> {
    let counter = |name: &str, help: &str, value: u64| -> Result<(), EncodeError> {
        let counter = prometheus::IntCounter::new(name, help)?;
        counter.inc_by(value);
        out.add(counter)
    };
    counter(
        "visit_rating_rated_total",
        "Ratings the portal accepted, counted in published steps (publish_scores)",
        scores.ratings,
    )?;
    counter(
        "visit_rating_rated_not_visited_total",
        "Of those, ratings saying the patient did not visit",
        scores.not_visited,
    )?;
    counter(
        "visit_rating_rated_with_remarks_total",
        "Of those, ratings with remarks (their text is never counted or shown)",
        scores.with_remarks,
    )?;
    let per_score = IntCounterVec::new(
        Opts::new(
            "visit_rating_scores_total",
            "Scores given by patients who visited, per question and score (1-5)",
        ),
        &["question", "score"],
    )?;
    for criterion in Criterion::ALL {
        for score in 1..=5u8 {
            per_score
                .with_label_values(&[question_name(criterion), &score.to_string()])
                .inc_by(scores.count(criterion, score));
        }
    }
    out.add(per_score)
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
/// counts, never a rating or the token). `status_code` turns the verdict into
/// `status`'s exit code.
pub fn write_file(path: &Path, health: &Health, status_code: fn(Verdict) -> u8) -> io::Result<()> {
    let text = encode(health, status_code(health.verdict())).map_err(io::Error::other)?;
    crate::private_fs::write_with_mode(path, text.as_bytes(), 0o644)
}

/// The running window's beat, every [`FILE_INTERVAL`]: the heartbeat in `data_dir`
/// rewritten ([`crate::counters::beat`]), then `metrics_file`, when set, with the
/// health `config` gives. Problems are logged; the next beat tries again.
pub fn beat(
    config: &crate::config::Config,
    data_dir: &Path,
    metrics_file: Option<&Path>,
    status_code: fn(Verdict) -> u8,
) {
    if let Err(e) = crate::counters::beat(data_dir, config.kiosk) {
        tracing::warn!(folder = %data_dir.display(), error = %e, "cannot write the heartbeat");
    }
    let Some(path) = metrics_file else { return };
    let health = Health::gather(config, None, data_dir);
    match write_file(path, &health, status_code) {
        Ok(()) => tracing::debug!(file = %path.display(), "metrics written"),
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "cannot write the metrics file");
        }
    }
}
