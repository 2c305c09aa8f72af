//! `visit-rating status [--url URL] [--json]`: one screen (or one JSON object) on a
//! terminal's health for a person or a script, and `visit-rating metrics`: the same in
//! the Prometheus text format. What is looked at and the verdict's exit codes are in
//! [`crate::health`]; nothing is sent to the server.

use crate::msg;

use super::json::{self, LastAttempt, LastSuccess, StatusOutbox, StatusProblem, StatusToken};
use crate::api::OutcomeClass;
use crate::config::Config;
use crate::health::{Health, Problem, ProblemKind, TokenHealth, Verdict};
use crate::i18n::I18n;
use crate::secrets::TokenOrigin;
use crate::time::format_utc;

use super::Exit;

fn millis_to_secs(ms: u64) -> i64 {
    i64::try_from(ms / 1000).unwrap_or(i64::MAX)
}

/// The data folder, or the exit code after saying why there is none.
fn data_dir() -> Result<std::path::PathBuf, Exit> {
    match crate::config::Folders::platform() {
        Ok(folders) => Ok(folders.data_dir),
        Err(e) => {
            crate::err!("visit-rating: {e}");
            Err(Exit::Failure)
        }
    }
}

/// `visit-rating status`. Exit 0 healthy, 10 warning, 11 broken, 12 could not check
/// (the book's "Operating many terminals"); 1 when there is no home folder at all.
pub fn status(url: Option<&str>, json: bool, config: &Config, i18n: &I18n) -> Exit {
    let dir = match data_dir() {
        Ok(dir) => dir,
        Err(exit) => return exit,
    };
    let health = Health::gather(config, url, &dir);
    if json {
        crate::out!("{}", super::report::json_line(&status_json(&health)));
    } else {
        crate::out!("{}", status_text(&health, i18n));
    }
    Exit::for_verdict(health.verdict())
}

/// `visit-rating metrics`: the Prometheus text exposition on standard output, or with
/// `write_file` into the settings' `metrics_file` (atomically). Exit 0; 1 when there is
/// no home folder or the file cannot be written; 2 when `write_file` is asked for and no
/// `metrics_file` is set (the metrics' own state is in the output).
pub fn metrics(url: Option<&str>, write_file: bool, config: &Config, i18n: &I18n) -> Exit {
    let path = match (write_file, &config.metrics_file) {
        (false, _) => None,
        (true, Some(path)) => Some(path),
        (true, None) => {
            crate::err!("{}", i18n.tr(msg!("metrics-no-file")));
            return Exit::Invalid;
        }
    };
    let dir = match data_dir() {
        Ok(dir) => dir,
        Err(exit) => return exit,
    };
    let health = Health::gather(config, url, &dir);
    let Some(path) = path else {
        return print_metrics(&health);
    };
    let status_code = |verdict| Exit::for_verdict(verdict) as u8;
    match crate::metrics::write_file(path, &health, status_code) {
        Ok(()) => Exit::Ok,
        Err(e) => {
            crate::err!(
                "{}",
                i18n.tr_args(
                    msg!("metrics-cannot-write"),
                    &[
                        ("path", path.display().to_string().into()),
                        ("error", e.to_string().into())
                    ]
                )
            );
            Exit::Failure
        }
    }
}

fn print_metrics(health: &Health) -> Exit {
    match crate::metrics::encode(health, Exit::for_verdict(health.verdict()) as u8) {
        Ok(text) => {
            super::report::write_raw(&text);
            Exit::Ok
        }
        Err(e) => {
            crate::err!("visit-rating: {e}");
            Exit::Failure
        }
    }
}

/// The object `status --json` prints.
pub fn status_json(health: &Health) -> json::Status<'_> {
    let verdict = health.verdict();
    let token = match &health.token {
        TokenHealth::NoUrl | TokenHealth::Absent => StatusToken::Absent { source: None },
        TokenHealth::Present { source, expires_at } => StatusToken::Present {
            days_left: health.token_days_left(),
            expires_at: *expires_at,
            source: *source,
        },
        TokenHealth::Unreadable { kind, error } => StatusToken::Unreadable {
            error,
            error_kind: kind,
            source: None,
        },
    };
    let outbox = match &health.outbox {
        Ok(o) => StatusOutbox::Counts {
            damaged: o.damaged,
            needs_attention: o.needs_attention,
            oldest_pending_age_secs: health.oldest_pending_age_secs().map(f64::trunc),
            pending: o.pending,
        },
        Err(e) => StatusOutbox::Unreadable { error: e },
    };
    let (last_attempt, last_success, deliveries) = match &health.deliveries {
        Ok(d) => (
            d.last_attempt_ms.map(|ms| LastAttempt {
                at: millis_to_secs(ms),
                outcome: d.last_attempt_outcome.as_deref(),
            }),
            d.last_success_ms.map(|ms| LastSuccess {
                at: millis_to_secs(ms),
            }),
            json::Deliveries::Counts(
                OutcomeClass::ALL
                    .into_iter()
                    .map(|o| (o.name(), d.count(o)))
                    .collect(),
            ),
        ),
        Err((_, e)) => (
            None,
            None,
            json::Deliveries::Unreadable { error: e.clone() },
        ),
    };
    json::Status {
        deliveries,
        exit_code: Exit::for_verdict(verdict) as u8,
        kiosk: health.kiosk,
        last_attempt,
        last_success,
        outbox,
        problems: health
            .problems()
            .iter()
            .map(|p| StatusProblem::new(p.severity, p.kind, p.value))
            .collect(),
        server_origin: health.origin.as_deref(),
        status: verdict.name(),
        token,
        version: health.version,
    }
}

fn problem_text(problem: &Problem, i18n: &I18n) -> String {
    let key = match problem.kind {
        ProblemKind::NoUrl => msg!("status-problem-no-url"),
        ProblemKind::NoToken => msg!("status-problem-no-token"),
        ProblemKind::TokenExpired => msg!("status-problem-token-expired"),
        ProblemKind::TokenExpiresSoon => msg!("status-problem-token-expires-soon"),
        ProblemKind::TokenRefused => msg!("status-problem-token-refused"),
        ProblemKind::GatewayRefused => msg!("status-problem-gateway-refused"),
        ProblemKind::TokenUnreadable => msg!("status-problem-token-unreadable"),
        ProblemKind::OutboxUnreadable => msg!("status-problem-outbox-unreadable"),
        ProblemKind::OldestPendingOver1h => msg!("status-problem-oldest-pending-over-1h"),
        ProblemKind::NeedsAttention => msg!("status-problem-needs-attention"),
        ProblemKind::DamagedFiles => msg!("status-problem-damaged-files"),
        ProblemKind::CountersDamaged => msg!("status-problem-counters-damaged"),
        ProblemKind::CountersUnreadable => msg!("status-problem-counters-unreadable"),
    };
    i18n.tr_args(key, &[("value", problem.value.unwrap_or(0).into())])
}

/// The screen `status` prints.
pub fn status_text(health: &Health, i18n: &I18n) -> String {
    let verdict = health.verdict();
    let state = i18n.tr(match verdict {
        Verdict::Healthy => msg!("status-state-healthy"),
        Verdict::Warning => msg!("status-state-warning"),
        Verdict::Broken => msg!("status-state-broken"),
        Verdict::CouldNotCheck => msg!("status-state-could-not-check"),
    });
    let mut lines = vec![i18n.tr_args(
        msg!("status-headline"),
        &[
            ("version", health.version.into()),
            ("state", state.into()),
            ("code", (Exit::for_verdict(verdict) as u8).into()),
        ],
    )];
    lines.push(match &health.origin {
        Some(origin) => i18n.tr_args(msg!("status-server"), &[("origin", origin.as_str().into())]),
        None => i18n.tr(msg!("status-server-none")),
    });
    lines.push(match &health.token {
        TokenHealth::NoUrl | TokenHealth::Absent => i18n.tr(msg!("status-token-none")),
        TokenHealth::Unreadable { error, .. } => i18n.tr_args(
            msg!("status-token-unreadable"),
            &[("error", error.as_str().into())],
        ),
        TokenHealth::Present { source, expires_at } => {
            let from = i18n.tr(match source {
                TokenOrigin::Keyring => msg!("status-token-keyring"),
                TokenOrigin::Environment => msg!("status-token-env"),
                TokenOrigin::Credential => msg!("status-token-credential"),
                TokenOrigin::File => msg!("status-token-file"),
            });
            match (expires_at, health.token_days_left()) {
                (Some(at), Some(days)) => i18n.tr_args(
                    msg!("status-token-until"),
                    &[
                        ("source", from.into()),
                        ("when", format_utc(*at).into()),
                        ("days", days.into()),
                    ],
                ),
                _ => i18n.tr_args(msg!("status-token-no-expiry"), &[("source", from.into())]),
            }
        }
    });
    lines.push(match &health.outbox {
        Ok(o) => {
            let mut line = i18n.tr_args(
                msg!("status-outbox"),
                &[
                    ("pending", o.pending.into()),
                    ("attention", o.needs_attention.into()),
                    ("damaged", o.damaged.into()),
                ],
            );
            if let Some(oldest) = o.oldest_pending_ms {
                line.push_str("; ");
                line.push_str(&i18n.tr_args(
                    msg!("status-outbox-oldest"),
                    &[("when", format_utc(millis_to_secs(oldest)).into())],
                ));
            }
            line
        }
        Err(e) => i18n.tr_args(
            msg!("status-outbox-unreadable"),
            &[("error", e.as_str().into())],
        ),
    });
    if let Ok(d) = &health.deliveries {
        lines.push(match (d.last_attempt_ms, &d.last_attempt_outcome) {
            (Some(ms), Some(outcome)) => i18n.tr_args(
                msg!("status-last-attempt"),
                &[
                    ("when", format_utc(millis_to_secs(ms)).into()),
                    ("outcome", outcome.as_str().into()),
                ],
            ),
            _ => i18n.tr(msg!("status-last-attempt-never")),
        });
        lines.push(match d.last_success_ms {
            Some(ms) => i18n.tr_args(
                msg!("status-last-success"),
                &[("when", format_utc(millis_to_secs(ms)).into())],
            ),
            None => i18n.tr(msg!("status-last-success-never")),
        });
    }
    lines.push(i18n.tr(if health.kiosk {
        msg!("status-kiosk-on")
    } else {
        msg!("status-kiosk-off")
    }));
    for problem in health.problems() {
        lines.push(format!("(!) {}", problem_text(&problem, i18n)));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_kind_has_words_in_both_languages() {
        for language in [crate::config::Language::Ru, crate::config::Language::En] {
            let i18n = I18n::new(language);
            for kind in ProblemKind::ALL {
                let text = problem_text(
                    &Problem {
                        severity: Verdict::Warning,
                        kind,
                        value: Some(3),
                    },
                    &i18n,
                );
                assert!(
                    !text.is_empty() && !text.contains(kind.name()),
                    "{kind:?}: {text}"
                );
            }
        }
    }

    #[test]
    fn codes_avoid_one_and_two() {
        for verdict in [
            Verdict::Healthy,
            Verdict::Warning,
            Verdict::Broken,
            Verdict::CouldNotCheck,
        ] {
            let code = Exit::for_verdict(verdict) as u8;
            assert!(![1, 2].contains(&code), "{verdict:?}");
        }
    }
}
