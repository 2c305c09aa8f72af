//! The Prometheus text exposition of a terminal's [`Health`].
//!
//! [`encode`] renders a [`Health`] in the Prometheus text format with the `prometheus`
//! crate's `TextEncoder`, never by hand, with the delivery counters of
//! [`crate::counters`]. [`write_file`] writes it for `node_exporter`'s textfile collector
//! (the window does it every [`FILE_INTERVAL`], from a thread `ui::jobs` starts). The
//! status code it shows is given by the caller: exit codes are the CLI's
//! ([`crate::cli::Exit::for_verdict`]).
//!
//! No egui here.

use std::io;
use std::path::Path;
use std::time::Duration;

use prometheus::core::Collector;
use prometheus::{Encoder as _, Gauge, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};

use crate::api::OutcomeClass;
use crate::counters::Deliveries;
use crate::health::{Health, OutboxCounts, TokenHealth, Verdict};

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
