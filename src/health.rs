//! A terminal's health, read without sending anything: version, server, token (source
//! and expiry), outbox counts, the delivery counters of [`crate::counters`], kiosk mode;
//! and the verdict `visit-rating status` turns into its exit code
//! ([`crate::cli::Exit::for_verdict`] owns the codes; the numbers below are its).
//!
//! The verdict, worst first:
//!
//! - **broken** (11): no server URL, no token, the token expired, or the server refused
//!   the token and ratings wait for a new one;
//! - **could not check** (12): the keyring cannot be read (no Secret Service, locked,
//!   access denied, a damaged entry, an unusable `VISIT_RATING_TOKEN`, a refused token
//!   file: `token.error_kind` says which), or the outbox
//!   folder or the delivery counters cannot be read;
//! - **warning** (10): the token expires within `token_warning_days`; the oldest waiting
//!   rating is older than an hour; ratings need attention; damaged outbox files were set
//!   aside; the delivery counters are damaged;
//! - **healthy** (0).
//!
//! Beside the verdict, for the metrics: the terminal's and clinic's names from the
//! settings, the heartbeat the running program left ([`crate::counters::last_beat`]),
//! and, when `publish_scores` is on, the aggregated scores that may be shown
//! ([`crate::counters::publish_scores`], which keeps the snapshot it shows).
//!
//! The codes stay clear of 1 (an unexpected failure) and 2 (invalid input or settings),
//! which mean the same here as everywhere else in the CLI. No egui, no network.

use std::path::Path;

use crate::api::OutcomeClass;
use crate::config::Config;
use crate::counters::{CountersError, Deliveries};
use crate::outbox::{EntryState, Outbox};
use crate::scores::ScoreCounts;
use crate::secrets::TokenOrigin;
use crate::service::TokenSource;
use crate::time::now_ms;

/// A waiting rating older than this is a warning.
pub const PENDING_WARNING_SECS: u64 = 3600;

/// The overall state, with the exit code of `visit-rating status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Nothing to do.
    Healthy,
    /// Works now, but someone should look soon.
    Warning,
    /// Something could not be read, so the state is not known.
    CouldNotCheck,
    /// Ratings cannot be delivered until someone acts.
    Broken,
}

impl Verdict {
    /// The name in `status --json`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Healthy => "healthy",
            Verdict::Warning => "warning",
            Verdict::Broken => "broken",
            Verdict::CouldNotCheck => "could_not_check",
        }
    }
}

/// What is known about the token in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenHealth {
    /// No server URL, so no keyring entry to look at.
    NoUrl,
    /// No token for the server.
    Absent,
    /// A token is in force.
    Present {
        /// Where it comes from: the environment, the systemd credential, the token file
        /// or the keyring.
        source: TokenOrigin,
        /// Its JWT `exp`, Unix seconds, when it has one.
        expires_at: Option<i64>,
    },
    /// The keyring, `VISIT_RATING_TOKEN` or the token file could not be read or was
    /// refused.
    Unreadable {
        /// [`crate::secrets::SecretsError::kind`].
        kind: &'static str,
        /// What the keyring said, for people.
        error: String,
    },
}

/// Counts of the outbox.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Waiting to be sent.
    pub pending: usize,
    /// Rejected, kept for a person.
    pub needs_attention: usize,
    /// Files in `outbox/damaged/`.
    pub damaged: usize,
    /// When the oldest waiting rating was saved (ms since the epoch).
    pub oldest_pending_ms: Option<u64>,
}

/// What is wrong: its stable name for scripts ([`ProblemKind::name`]) is what
/// `status --json` gives as a problem's `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// No server URL is configured.
    NoUrl,
    /// No token for the server.
    NoToken,
    /// The token has expired.
    TokenExpired,
    /// The token expires within `token_warning_days` (value: days left).
    TokenExpiresSoon,
    /// Ratings wait and the last attempt was answered with a token problem.
    TokenRefused,
    /// Ratings wait and the last attempt was refused by a gateway (proxy, firewall) in
    /// front of the server, not by the server: the network's administrator must look.
    GatewayRefused,
    /// The keyring, `VISIT_RATING_TOKEN` or the token file could not be read or was
    /// refused.
    TokenUnreadable,
    /// The outbox could not be read.
    OutboxUnreadable,
    /// The oldest waiting rating has waited more than an hour (value: seconds).
    OldestPendingOver1h,
    /// Ratings need a person (value: how many).
    NeedsAttention,
    /// Files in `outbox/damaged/` (value: how many).
    DamagedFiles,
    /// The delivery counters' file is damaged.
    CountersDamaged,
    /// The delivery counters' file could not be read.
    CountersUnreadable,
}

impl ProblemKind {
    /// Every kind, in the order above.
    pub const ALL: [ProblemKind; 13] = [
        ProblemKind::NoUrl,
        ProblemKind::NoToken,
        ProblemKind::TokenExpired,
        ProblemKind::TokenExpiresSoon,
        ProblemKind::TokenRefused,
        ProblemKind::GatewayRefused,
        ProblemKind::TokenUnreadable,
        ProblemKind::OutboxUnreadable,
        ProblemKind::OldestPendingOver1h,
        ProblemKind::NeedsAttention,
        ProblemKind::DamagedFiles,
        ProblemKind::CountersDamaged,
        ProblemKind::CountersUnreadable,
    ];

    /// The stable name for scripts (`token_expired`, `oldest_pending_over_1h`, …).
    pub fn name(self) -> &'static str {
        match self {
            ProblemKind::NoUrl => "no_url",
            ProblemKind::NoToken => "no_token",
            ProblemKind::TokenExpired => "token_expired",
            ProblemKind::TokenExpiresSoon => "token_expires_soon",
            ProblemKind::TokenRefused => "token_refused",
            ProblemKind::GatewayRefused => "gateway_refused",
            ProblemKind::TokenUnreadable => "token_unreadable",
            ProblemKind::OutboxUnreadable => "outbox_unreadable",
            ProblemKind::OldestPendingOver1h => "oldest_pending_over_1h",
            ProblemKind::NeedsAttention => "needs_attention",
            ProblemKind::DamagedFiles => "damaged_files",
            ProblemKind::CountersDamaged => "counters_damaged",
            ProblemKind::CountersUnreadable => "counters_unreadable",
        }
    }
}

impl serde::Serialize for ProblemKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// One thing wrong, with how bad it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// How bad.
    pub severity: Verdict,
    /// What is wrong.
    pub kind: ProblemKind,
    /// A number that goes with it (days left, age in seconds, a count), if any.
    pub value: Option<i64>,
}

/// Everything `status` and `metrics` report.
#[derive(Clone, Debug)]
pub struct Health {
    /// The program's version.
    pub version: &'static str,
    /// The server's origin (`scheme://host:port`), when a URL is configured.
    pub origin: Option<String>,
    /// The token in force.
    pub token: TokenHealth,
    /// The outbox, or why it could not be read.
    pub outbox: Result<OutboxCounts, String>,
    /// The delivery counters, or why they could not be read: the problem's kind
    /// ([`ProblemKind::CountersDamaged`] or [`ProblemKind::CountersUnreadable`]) and the
    /// error.
    pub deliveries: Result<Deliveries, (ProblemKind, String)>,
    /// The settings start the window as a kiosk.
    pub kiosk: bool,
    /// `token_warning_days` from the settings.
    pub token_warning_days: u64,
    /// When this was gathered, ms since the epoch.
    pub now_ms: u64,
    /// What the running program last left: when it said it was alive, and whether it
    /// is a kiosk.
    pub heartbeat: Option<crate::counters::Heartbeat>,
    /// `terminal_id` from the settings.
    pub terminal_id: Option<String>,
    /// `clinic_id` from the settings.
    pub clinic_id: Option<String>,
    /// The aggregated scores that may be shown, when `publish_scores` is on.
    pub scores: Option<ScoreCounts>,
}

impl Health {
    /// Look at everything for the server `url` (or the configured one) and the data
    /// folder `data_dir`. Reads the keyring; sends nothing.
    pub fn gather(config: &Config, url: Option<&str>, data_dir: &Path) -> Health {
        let server = crate::service::Server::configured(config, url);
        let origin = server.origin();
        let token = origin
            .as_deref()
            .map_or(TokenHealth::NoUrl, |o| token_health(&server.tokens, o));
        let heartbeat = crate::counters::last_beat(data_dir);
        Health {
            version: env!("CARGO_PKG_VERSION"),
            origin,
            token,
            outbox: outbox_counts(data_dir),
            deliveries: Deliveries::load(data_dir).map_err(|e| match e {
                CountersError::Damaged { .. } => (ProblemKind::CountersDamaged, e.to_string()),
                CountersError::Read { .. } => (ProblemKind::CountersUnreadable, e.to_string()),
            }),
            // A kiosk by its settings, or by the `--kiosk` of the program that left the
            // heartbeat (the packaged kiosk unit passes it on the command line).
            kiosk: config.kiosk || heartbeat.is_some_and(|h| h.kiosk),
            token_warning_days: config.token_warning_days,
            now_ms: now_ms(),
            heartbeat,
            terminal_id: config.terminal_id.clone(),
            clinic_id: config.clinic_id.clone(),
            scores: config
                .publish_scores
                .then(|| crate::counters::publish_scores(data_dir, config.publish_scores_every)),
        }
    }

    /// Seconds the oldest waiting rating has waited.
    #[allow(clippy::cast_precision_loss)]
    pub fn oldest_pending_age_secs(&self) -> Option<f64> {
        let oldest = self.outbox.as_ref().ok()?.oldest_pending_ms?;
        Some(self.now_ms.saturating_sub(oldest) as f64 / 1000.0)
    }

    /// Whole days until the token expires (negative once expired).
    pub fn token_days_left(&self) -> Option<i64> {
        match self.token {
            TokenHealth::Present {
                expires_at: Some(at),
                ..
            } => Some((at - self.now_secs()).div_euclid(86_400)),
            _ => None,
        }
    }

    fn now_secs(&self) -> i64 {
        i64::try_from(self.now_ms / 1000).unwrap_or(i64::MAX)
    }

    /// Everything wrong, worst first.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut add = |severity, kind, value| {
            problems.push(Problem {
                severity,
                kind,
                value,
            });
        };
        match &self.token {
            TokenHealth::NoUrl => add(Verdict::Broken, ProblemKind::NoUrl, None),
            TokenHealth::Absent => add(Verdict::Broken, ProblemKind::NoToken, None),
            TokenHealth::Unreadable { .. } => {
                add(Verdict::CouldNotCheck, ProblemKind::TokenUnreadable, None);
            }
            TokenHealth::Present { expires_at, .. } => {
                if let Some(at) = expires_at {
                    let left = at - self.now_secs();
                    let warn = i64::try_from(self.token_warning_days.saturating_mul(86_400))
                        .unwrap_or(i64::MAX);
                    if left <= 0 {
                        add(Verdict::Broken, ProblemKind::TokenExpired, None);
                    } else if left <= warn {
                        add(
                            Verdict::Warning,
                            ProblemKind::TokenExpiresSoon,
                            self.token_days_left(),
                        );
                    }
                }
            }
        }
        match &self.outbox {
            Err(_) => add(Verdict::CouldNotCheck, ProblemKind::OutboxUnreadable, None),
            Ok(outbox) => {
                let last = self
                    .deliveries
                    .as_ref()
                    .ok()
                    .and_then(Deliveries::last_outcome);
                match last {
                    Some(OutcomeClass::Unauthorized) if outbox.pending > 0 => {
                        add(Verdict::Broken, ProblemKind::TokenRefused, None);
                    }
                    Some(OutcomeClass::Refused) if outbox.pending > 0 => {
                        add(Verdict::Broken, ProblemKind::GatewayRefused, None);
                    }
                    _ => {}
                }
                if let Some(age) = self.oldest_pending_age_secs() {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
                    if age > PENDING_WARNING_SECS as f64 {
                        add(
                            Verdict::Warning,
                            ProblemKind::OldestPendingOver1h,
                            Some(age as i64),
                        );
                    }
                }
                if outbox.needs_attention > 0 {
                    add(
                        Verdict::Warning,
                        ProblemKind::NeedsAttention,
                        Some(i64::try_from(outbox.needs_attention).unwrap_or(i64::MAX)),
                    );
                }
                if outbox.damaged > 0 {
                    add(
                        Verdict::Warning,
                        ProblemKind::DamagedFiles,
                        Some(i64::try_from(outbox.damaged).unwrap_or(i64::MAX)),
                    );
                }
            }
        }
        match &self.deliveries {
            Err((kind @ ProblemKind::CountersDamaged, _)) => add(Verdict::Warning, *kind, None),
            Err((kind, _)) => add(Verdict::CouldNotCheck, *kind, None),
            Ok(_) => {}
        }
        problems.sort_by_key(|p| std::cmp::Reverse(p.severity));
        problems
    }

    /// The worst of [`Health::problems`].
    pub fn verdict(&self) -> Verdict {
        self.problems()
            .first()
            .map_or(Verdict::Healthy, |p| p.severity)
    }
}

/// The token in force for `origin` from `tokens` (the terminal's sources, each bound to
/// its server).
fn token_health(tokens: &TokenSource, origin: &str) -> TokenHealth {
    match tokens.status(origin) {
        Ok(status) => match status.source {
            Some(source) => TokenHealth::Present {
                source,
                expires_at: status.expires_at,
            },
            None => TokenHealth::Absent,
        },
        Err(e) => TokenHealth::Unreadable {
            kind: e.kind(),
            error: e.to_string(),
        },
    }
}

fn outbox_counts(data_dir: &Path) -> Result<OutboxCounts, String> {
    let outbox = Outbox::open(data_dir).map_err(|e| e.to_string())?;
    let listing = outbox.list().map_err(|e| e.to_string())?;
    let damaged = std::fs::read_dir(outbox.dir().join("damaged"))
        .map_or(0, |entries| entries.filter_map(Result::ok).count());
    Ok(OutboxCounts {
        pending: listing.waiting(),
        needs_attention: listing.needs_attention(),
        damaged,
        oldest_pending_ms: listing
            .entries
            .iter()
            .filter(|e| e.state == EntryState::Waiting)
            .map(|e| e.created_at_ms)
            .min(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_kinds_are_their_stable_names_in_json() {
        let names: Vec<serde_json::Value> = ProblemKind::ALL
            .iter()
            .map(|k| serde_json::to_value(k).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "no_url",
                "no_token",
                "token_expired",
                "token_expires_soon",
                "token_refused",
                "gateway_refused",
                "token_unreadable",
                "outbox_unreadable",
                "oldest_pending_over_1h",
                "needs_attention",
                "damaged_files",
                "counters_damaged",
                "counters_unreadable",
            ]
        );
    }

    fn health(token: TokenHealth, outbox: OutboxCounts) -> Health {
        Health {
            version: "0.0.0",
            origin: Some("https://rpgu.example.ru:443".into()),
            token,
            outbox: Ok(outbox),
            deliveries: Ok(Deliveries::default()),
            kiosk: false,
            token_warning_days: 7,
            now_ms: 1_900_000_000_000,
            heartbeat: None,
            terminal_id: None,
            clinic_id: None,
            scores: None,
        }
    }

    fn token_expiring_in(secs: i64) -> TokenHealth {
        TokenHealth::Present {
            source: TokenOrigin::Keyring,
            expires_at: Some(1_900_000_000 + secs),
        }
    }

    #[test]
    fn verdicts_follow_the_documented_order() {
        let ok = health(token_expiring_in(30 * 86_400), OutboxCounts::default());
        assert_eq!(ok.verdict(), Verdict::Healthy);
        let soon = health(token_expiring_in(3 * 86_400 + 60), OutboxCounts::default());
        assert_eq!(soon.verdict(), Verdict::Warning);
        assert_eq!(soon.token_days_left(), Some(3));
        let expired = health(token_expiring_in(-1), OutboxCounts::default());
        assert_eq!(expired.verdict(), Verdict::Broken);
        let unreadable = health(
            TokenHealth::Unreadable {
                kind: "locked",
                error: "locked".into(),
            },
            OutboxCounts {
                needs_attention: 1,
                ..OutboxCounts::default()
            },
        );
        assert_eq!(unreadable.verdict(), Verdict::CouldNotCheck);
        let old = health(
            token_expiring_in(30 * 86_400),
            OutboxCounts {
                pending: 1,
                oldest_pending_ms: Some(1_900_000_000_000 - 3_601_000),
                ..OutboxCounts::default()
            },
        );
        assert_eq!(old.verdict(), Verdict::Warning);
        assert_eq!(old.problems()[0].kind, ProblemKind::OldestPendingOver1h);
    }
}
