//! `visit-rating import FILE`: paper forms typed into a spreadsheet, checked row by row,
//! saved in the outbox, then sent (README, "Importing paper forms").
//!
//! Output: the problems of invalid rows and the rows not delivered on stderr, a summary
//! on stdout; `--json` prints one object instead. A progress bar on a terminal, a line
//! every few seconds otherwise. Ctrl+C stops after the current request (a second one
//! ends the program at once); a rerun sends only what is still missing.

use crate::msg;
use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use super::Exit;
use super::report::Batch;
use crate::api::RatingClient;
use crate::config::Config;
use crate::i18n::I18n;
use crate::import::report::{self, Line, Stage};
use crate::import::send::{self, Progress, SendError};
use crate::import::{self, IdRules, Import, ImportOptions, ReadOptions, SourceFormat};
use crate::outbox::Outbox;
use crate::secrets::{self, Token};

/// How often a line of progress is printed when standard error is not a terminal.
const PROGRESS_LINE_EVERY: Duration = Duration::from_secs(5);

/// What `import` was asked to do.
#[allow(clippy::struct_excessive_bools)] // independent command-line flags
#[derive(Clone, Debug, Default)]
pub struct ImportRequest {
    /// The file.
    pub path: PathBuf,
    /// `--dry-run`: check only.
    pub dry_run: bool,
    /// `--report PATH`.
    pub report: Option<PathBuf>,
    /// `--json`.
    pub json: bool,
    /// `--skip-invalid`: send the valid rows even when others are invalid.
    pub skip_invalid: bool,
    /// `--encoding LABEL`.
    pub encoding: Option<String>,
    /// `--sheet NAME`.
    pub sheet: Option<String>,
    /// `--columns LIST`.
    pub columns: Option<String>,
    /// `--url`.
    pub url: Option<String>,
    /// `--allow-insecure-http`.
    pub allow_insecure_http: bool,
}

/// `visit-rating import FILE [--dry-run] [--report PATH] [--json] [--skip-invalid]
/// [--encoding LABEL] [--sheet NAME] [--columns LIST] [--url URL]`.
///
/// Exit codes, the first that applies (the precedence of `outbox flush`, then the
/// import's own): 1 another process is sending, or the outbox or the report cannot be
/// written; 2 the file cannot be read, a column is missing, a row is invalid (nothing is
/// sent without `--skip-invalid`), or no server URL; 4 a token problem (none set: nothing
/// is saved; 5007/5008/5009/5010: the rest stay in the outbox); 5 some rows still wait
/// (network, 5xx, stopped with Ctrl+C); 3 the server rejected some rows (kept as "needs
/// attention"); 2 with `--skip-invalid`, invalid rows were left out; 0 every row is
/// delivered (accepted, 5030, or delivered by an earlier run). `--dry-run`: 0 when every
/// row is valid, else 2.
pub fn import(request: &ImportRequest, config: &Config, i18n: &I18n) -> Exit {
    let encoding = match request.encoding.as_deref().map(|label| {
        import::encoding_for_label(label).ok_or_else(|| {
            i18n.tr_args(msg!("import-error-encoding"), &[("encoding", label.into())])
        })
    }) {
        Some(Err(text)) => return refuse(request, &text, Exit::Invalid),
        Some(Ok(encoding)) => Some(encoding),
        None => None,
    };
    let options = ImportOptions {
        read: ReadOptions {
            encoding,
            sheet: request.sheet.clone(),
        },
        columns: request.columns.clone(),
        ids: IdRules {
            clinic_guid: config.clinic_guid.clone(),
            separator: config.visit_id_separator.clone(),
        },
    };
    let loaded = match import::load(&request.path, &options) {
        Ok(loaded) => loaded,
        Err(e) => return refuse(request, &e.describe(i18n), Exit::Invalid),
    };
    if !request.json {
        print_problems(&loaded, i18n);
    }
    let invalid = loaded.invalid_count();
    if request.dry_run {
        let exit = if invalid > 0 { Exit::Invalid } else { Exit::Ok };
        return finish(request, &loaded, Stage::DryRun, exit, i18n);
    }
    if invalid > 0 && !request.skip_invalid {
        if !request.json {
            crate::err!(
                "{}",
                i18n.tr_args(msg!("import-blocked"), &[("invalid", invalid.into())])
            );
        }
        return finish(request, &loaded, Stage::Blocked, Exit::Invalid, i18n);
    }
    let pending = loaded.pending();
    if pending.is_empty() {
        let exit = if invalid > 0 { Exit::Invalid } else { Exit::Ok };
        return finish(request, &loaded, Stage::Sent(&[]), exit, i18n);
    }

    let (client, token, outbox) = match connect(request, config, i18n) {
        Ok(connected) => connected,
        Err(exit) => return exit,
    };

    let stop = Arc::new(AtomicBool::new(false));
    watch_ctrl_c(Arc::clone(&stop), i18n.tr(msg!("import-stopping")));
    let mut drawer = ProgressDrawer::new(pending.len(), i18n, request.json);
    let delivered = send::deliver(&outbox, &client, &token, &pending, &stop, &mut |p| {
        drawer.update(p);
    });
    drawer.finish();
    let deliveries = match delivered {
        Ok(deliveries) => deliveries,
        Err(SendError::Outbox(e)) => {
            let text = i18n.tr_args(
                msg!("outbox-error"),
                &[("error", e.to_string().as_str().into())],
            );
            return refuse(request, &text, Exit::Failure);
        }
    };
    let lines = report::lines(&loaded, Stage::Sent(&deliveries), i18n);
    let exit = exit_for(&lines);
    if stop.load(Ordering::SeqCst) && !request.json {
        crate::err!("{}", i18n.tr(msg!("import-stopped")));
    }
    finish(request, &loaded, Stage::Sent(&deliveries), exit, i18n)
}

/// A client, the token and the outbox, or the exit code after saying why not. The
/// token is resolved before anything is saved: without one nothing could be sent now.
fn connect(
    request: &ImportRequest,
    config: &Config,
    i18n: &I18n,
) -> Result<(RatingClient, Token, Outbox), Exit> {
    let Some(url) = config.effective_url(request.url.as_deref()) else {
        return Err(refuse(
            request,
            &i18n.tr(msg!("error-no-url")),
            Exit::Invalid,
        ));
    };
    let client = match config.client(&url, request.allow_insecure_http) {
        Ok(client) => client,
        Err(e) => return Err(refuse(request, &i18n.client_error(&e), Exit::Invalid)),
    };
    // The token before anything is saved: without one, nothing could be sent now.
    let token = match secrets::resolve_token(&client.origin()) {
        Ok((token, _)) => token,
        Err(e) => {
            let text = format!(
                "{}\n{}",
                i18n.secrets_error(&e),
                i18n.tr(msg!("import-nothing-saved"))
            );
            return Err(refuse(request, &text, Exit::Token));
        }
    };
    let outbox = match super::outbox::open() {
        Ok(outbox) => outbox,
        Err(e) => {
            let text = i18n.tr_args(
                msg!("outbox-error"),
                &[("error", e.to_string().as_str().into())],
            );
            return Err(refuse(request, &text, Exit::Failure));
        }
    };

    Ok((client, token, outbox))
}

/// The exit code for the rows' outcomes ([`Exit::for_batch`]).
fn exit_for(lines: &[Line]) -> Exit {
    let any = |names: &[&str]| lines.iter().any(|l| names.contains(&l.outcome));
    Exit::for_batch(&Batch {
        token_problem: any(&["unauthorized", "paused_token", "refused", "paused_refused"]),
        waiting: any(&["transient", "stopped", "server_unreachable", "not_sent"]),
        in_flight: any(&["in_flight"]),
        rejected: any(&["rejected"]),
        invalid: any(&["invalid"]),
    })
}

/// Nothing could be done: say why (one JSON object with `--json`).
fn refuse(request: &ImportRequest, text: &str, exit: Exit) -> Exit {
    if request.json {
        crate::out!(
            "{}",
            super::report::json_line(
                &json!({"file": request.path.display().to_string(), "error": text, "exit": exit as u8})
            )
        );
    } else {
        crate::err!("{text}");
    }
    exit
}

fn print_problems(loaded: &Import, i18n: &I18n) {
    let mut err = super::report::stderr();
    for row in loaded.rows.iter().filter(|r| !r.is_valid()) {
        let _ = writeln!(
            err,
            "{}",
            i18n.tr_args(
                msg!("import-row-problems"),
                &[
                    ("row", row.number.into()),
                    (
                        "problems",
                        report::problems_text(loaded, row, i18n).as_str().into()
                    ),
                ],
            )
        );
    }
}

/// Print the outcome, write the report, return `exit` (or 1 if the report failed).
fn finish(
    request: &ImportRequest,
    loaded: &Import,
    stage: Stage<'_>,
    exit: Exit,
    i18n: &I18n,
) -> Exit {
    let lines = report::lines(loaded, stage, i18n);
    let mut exit = exit;
    if let Some(path) = &request.report
        && let Err(e) = report::write(path, &lines, &loaded.format, i18n)
    {
        crate::err!(
            "{}",
            i18n.tr_args(
                msg!("import-report-failed"),
                &[
                    ("path", path.display().to_string().as_str().into()),
                    ("error", e.to_string().as_str().into()),
                ],
            )
        );
        exit = Exit::Failure;
    }
    let count = |names: &[&str]| lines.iter().filter(|l| names.contains(&l.outcome)).count();
    let delivered = lines.iter().filter(|l| l.is_delivered()).count();
    let waiting = count(&report::WAITING);
    let rejected = count(&["rejected"]);
    let invalid = count(&["invalid"]);
    if request.json {
        print_json(request, loaded, &lines, exit);
        return exit;
    }
    let mut err = super::report::stderr();
    if let Stage::Sent(_) = stage {
        for line in lines
            .iter()
            .filter(|l| !l.is_delivered() && l.outcome != "invalid")
        {
            let _ = writeln!(
                err,
                "{}",
                i18n.tr_args(
                    msg!("import-row-outcome"),
                    &[
                        ("row", line.row.into()),
                        ("visit_id", line.visit_id.as_str().into()),
                        ("result", line.text.as_str().into()),
                    ],
                )
            );
        }
    }
    drop(err);
    let key = match stage {
        Stage::DryRun => msg!("import-summary-dry-run"),
        Stage::Blocked => msg!("import-summary-blocked"),
        Stage::Sent(_) => msg!("import-summary"),
    };
    crate::out!(
        "{}",
        i18n.tr_args(
            key,
            &[
                ("rows", lines.len().into()),
                ("valid", (lines.len() - invalid).into()),
                ("invalid", invalid.into()),
                ("delivered", delivered.into()),
                ("earlier", count(&["already_delivered"]).into()),
                ("waiting", waiting.into()),
                ("rejected", rejected.into()),
            ],
        )
    );
    if waiting > 0 {
        crate::err!("{}", i18n.tr(msg!("import-rerun")));
    }
    exit
}

/// The one object `--json` prints.
fn print_json(request: &ImportRequest, loaded: &Import, lines: &[Line], exit: Exit) {
    let count = |names: &[&str]| lines.iter().filter(|l| names.contains(&l.outcome)).count();
    let invalid = count(&["invalid"]);
    let (encoding, delimiter, sheet) = match &loaded.format {
        SourceFormat::Csv {
            delimiter,
            encoding,
            ..
        } => (
            Some(encoding.name()),
            Some(char::from(*delimiter).to_string()),
            None,
        ),
        SourceFormat::Spreadsheet { sheet } => (None, None, Some(sheet.clone())),
    };
    crate::out!(
        "{}",
        super::report::json_line(&json!({
            "file": request.path.display().to_string(),
            "format": loaded.format.kind(),
            "encoding": encoding,
            "delimiter": delimiter,
            "sheet": sheet,
            "dry_run": request.dry_run,
            "rows": lines.len(),
            "valid": lines.len() - invalid,
            "invalid": invalid,
            "delivered": lines.iter().filter(|l| l.is_delivered()).count(),
            "already_delivered": count(&["already_delivered"]),
            "waiting": count(&report::WAITING),
            "rejected": count(&["rejected"]),
            "exit": exit as u8,
            "results": lines,
        }))
    );
}

/// Ctrl+C sets `stop` (the import ends after the current request); a second one ends
/// the program at once (the rows are in the outbox already).
fn watch_ctrl_c(stop: Arc<AtomicBool>, message: String) {
    let started = std::thread::Builder::new()
        .name("import-ctrl-c".into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if tokio::signal::ctrl_c().await.is_ok() {
                    stop.store(true, Ordering::SeqCst);
                    crate::err!("\n{message}");
                }
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            });
        });
    if let Err(e) = started {
        tracing::warn!(error = %e, "cannot watch for Ctrl+C; it will end the import at once");
    }
}

/// A progress bar on a terminal; a line every few seconds otherwise.
struct ProgressDrawer<'a> {
    bar: Option<indicatif::ProgressBar>,
    sending: bool,
    last_line: Instant,
    started: Instant,
    i18n: &'a I18n,
    quiet: bool,
}

impl<'a> ProgressDrawer<'a> {
    fn new(total: usize, i18n: &'a I18n, quiet: bool) -> ProgressDrawer<'a> {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} · {per_sec} · ETA {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(i18n.tr(msg!("import-progress-saving")));
            bar
        });
        ProgressDrawer {
            bar,
            sending: false,
            last_line: Instant::now(),
            started: Instant::now(),
            i18n,
            quiet,
        }
    }

    fn update(&mut self, progress: &Progress) {
        let sending = progress.saved == progress.total;
        if let Some(bar) = &self.bar {
            if sending && !self.sending {
                bar.reset();
                bar.set_message(self.i18n.tr(msg!("import-progress-sending")));
            }
            bar.set_position(if sending {
                progress.done
            } else {
                progress.saved
            } as u64);
        } else if !self.quiet && self.last_line.elapsed() >= PROGRESS_LINE_EVERY {
            self.last_line = Instant::now();
            let elapsed = self.started.elapsed().as_secs_f64().max(0.001);
            #[allow(clippy::cast_precision_loss)]
            let rate = progress.done as f64 / elapsed;
            crate::err!(
                "{}",
                self.i18n.tr_args(
                    msg!("import-progress-line"),
                    &[
                        ("done", progress.done.into()),
                        ("total", progress.total.into()),
                        ("left", (progress.total - progress.done).into()),
                        ("rate", format!("{rate:.1}").as_str().into()),
                    ],
                )
            );
        }
        self.sending = sending;
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
