//! `visit-rating import FILE`: paper forms typed into a spreadsheet, checked row by row,
//! saved in the outbox, then sent (the book's "Importing paper forms").
//!
//! Output: the problems of invalid rows and the rows not delivered on stderr (as the
//! rows go by), a summary on stdout; `--json` prints one object instead, its `results`
//! written an element at a time. A progress bar on a terminal, a line
//! every few seconds otherwise. Ctrl+C stops after the current request (a second one
//! ends the program at once); a rerun sends only what is still missing.

use crate::msg;
use std::io::{BufWriter, IsTerminal as _};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::Exit;
use super::args::ImportArgs;
use super::json::{ImportCounts, ImportHead, ImportRefused};
use super::report::Batch;
use crate::api::{OutcomeClass, RatingClient};
use crate::config::Config;
use crate::i18n::I18n;
use crate::import::report::{self, Line, RowOutcome, Stage, Tally};
use crate::import::send::{self, Progress, SendError};
use crate::import::{self, IdRules, Import, ImportOptions, ReadOptions, Row, SourceFormat};
use crate::outbox::Outbox;
use crate::private_fs;
use crate::secrets::Token;
use crate::service::{ConnectError, Service};

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

impl From<ImportArgs> for ImportRequest {
    fn from(args: ImportArgs) -> ImportRequest {
        ImportRequest {
            path: args.file,
            dry_run: args.dry_run,
            report: args.report,
            json: args.json,
            skip_invalid: args.skip_invalid,
            encoding: args.encoding,
            sheet: args.sheet,
            columns: args.columns,
            url: args.url,
            allow_insecure_http: args.allow_insecure_http,
        }
    }
}

/// `visit-rating import FILE [--dry-run] [--report PATH] [--json] [--skip-invalid]
/// [--encoding LABEL] [--sheet NAME] [--columns LIST] [--url URL]`.
///
/// Exit codes, the first that applies (the precedence of `outbox flush`, then the
/// import's own): 1 another process is sending, or the outbox or the report cannot be
/// written; 2 the file cannot be read, is past one of the import's limits
/// ([`crate::import::limits`]), its encoding cannot be told for sure, a column is
/// missing, a row is invalid (nothing is sent without `--skip-invalid`), or no server
/// URL; 4 a token problem (none set: nothing is saved; 5007/5008/5009/5010: the rest stay
/// in the outbox); 5 some rows still wait (network, 5xx, stopped with Ctrl+C); 3 the
/// server rejected some rows (kept as "needs attention"); 2 with `--skip-invalid`,
/// invalid rows were left out; 0 every row is delivered (accepted, 5030, or delivered by
/// an earlier run). `--dry-run`: 0 when every row is valid, else 2.
///
/// The file is read row by row, several times (see [`crate::import`]); the report,
/// `--json` and the rows' lines on stderr are written as the rows go by, so memory does
/// not grow with the file.
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
    let invalid = loaded.invalid_count();
    if request.dry_run || (invalid > 0 && !request.skip_invalid) || loaded.valid_count() == 0 {
        return check_only(request, &loaded, i18n);
    }

    let (client, token, outbox) = match connect(request, config, i18n) {
        Ok(connected) => connected,
        Err(exit) => return exit,
    };
    if invalid > 0 && !request.json {
        let read = loaded.each_row(&mut |row| {
            if !row.is_valid() {
                print_problems(&loaded, &row, i18n);
            }
            ControlFlow::Continue(())
        });
        if let Err(e) = read {
            return refuse(request, &e.describe(i18n), Exit::Invalid);
        }
    }

    let stop = Arc::new(AtomicBool::new(false));
    watch_ctrl_c(Arc::clone(&stop), i18n.tr(msg!("import-stopping")));
    let mut output = Output::start(request, &loaded, i18n);
    let drawer = std::cell::RefCell::new(ProgressDrawer::new(
        loaded.valid_count(),
        i18n,
        request.json,
    ));
    let target = send::Target {
        outbox: &outbox,
        client: &client,
        token: &token,
    };
    let delivered = send::deliver(
        &target,
        &loaded,
        &stop,
        &mut |p| drawer.borrow_mut().update(p),
        &mut |row, delivery| {
            let line = report::line(&loaded, row, Stage::Sent(delivery), i18n);
            if !request.json && !line.is_delivered() && line.outcome != RowOutcome::Invalid {
                drawer.borrow().println(&i18n.tr_args(
                    msg!("import-row-outcome"),
                    &[
                        ("row", line.row.into()),
                        ("visit_id", line.visit_id.as_str().into()),
                        ("result", line.text.as_str().into()),
                    ],
                ));
            }
            output.line(&line);
        },
    );
    drawer.borrow().finish();
    let error = match delivered {
        Ok(()) => None,
        Err(SendError::Import(e)) => Some((e.describe(i18n), Exit::Invalid)),
        Err(SendError::Outbox(e)) => Some((i18n.outbox_unusable(&e), Exit::Failure)),
        Err(SendError::Spool(e)) => Some((
            i18n.tr_args(
                msg!("import-spool-error"),
                &[("error", e.to_string().as_str().into())],
            ),
            Exit::Failure,
        )),
    };
    let exit = exit_for(&output.tally);
    if stop.load(Ordering::SeqCst) && !request.json {
        crate::err!("{}", i18n.tr(msg!("import-stopped")));
    }
    output.finish(Kind::Sent, exit, error.as_ref())
}

/// Nothing to send (`--dry-run`, invalid rows without `--skip-invalid`, no valid row):
/// one pass over the rows for the problems, the report and `--json`.
fn check_only(request: &ImportRequest, loaded: &Import, i18n: &I18n) -> Exit {
    let invalid = loaded.invalid_count();
    let blocked = invalid > 0 && !request.skip_invalid;
    let (stage, kind) = if request.dry_run {
        (Stage::DryRun, Kind::DryRun)
    } else if blocked {
        (Stage::Blocked, Kind::Blocked)
    } else {
        (Stage::Sent(None), Kind::Sent)
    };
    let mut output = Output::start(request, loaded, i18n);
    let read = loaded.each_row(&mut |row| {
        if !request.json && !row.is_valid() {
            print_problems(loaded, &row, i18n);
        }
        output.line(&report::line(loaded, &row, stage, i18n));
        ControlFlow::Continue(())
    });
    if blocked && !request.dry_run && !request.json {
        crate::err!(
            "{}",
            i18n.tr_args(msg!("import-blocked"), &[("invalid", invalid.into())])
        );
    }
    let exit = if invalid > 0 { Exit::Invalid } else { Exit::Ok };
    let error = read.err().map(|e| (e.describe(i18n), Exit::Invalid));
    output.finish(kind, exit, error.as_ref())
}

/// A client, the token and the outbox, or the exit code after saying why not. The
/// token is resolved before anything is saved: without one nothing could be sent now.
fn connect(
    request: &ImportRequest,
    config: &Config,
    i18n: &I18n,
) -> Result<(RatingClient, Token, Outbox), Exit> {
    let service = Service::for_command(config, request.url.as_deref(), request.allow_insecure_http);
    // The token before anything is saved: without one, nothing could be sent now.
    let (client, token) = match service.connect() {
        Ok(pair) => pair,
        Err(ConnectError::NoToken(e)) => {
            let text = format!(
                "{}\n{}",
                i18n.secrets_error(&e),
                i18n.tr(msg!("import-nothing-saved"))
            );
            return Err(refuse(request, &text, Exit::Token));
        }
        Err(e) => return Err(refuse(request, &i18n.connect_error(&e), Exit::Invalid)),
    };
    let outbox = match crate::service::open_outbox() {
        Ok(outbox) => outbox,
        Err(e) => return Err(refuse(request, &i18n.outbox_unusable(&e), Exit::Failure)),
    };

    Ok((client, token, outbox))
}

/// The exit code for the rows' outcomes ([`Exit::for_batch`]): each outcome is one
/// kind of leftover, or none.
fn exit_for(tally: &Tally) -> Exit {
    let mut left = Batch::default();
    for outcome in tally.outcomes() {
        match outcome {
            RowOutcome::Answered(OutcomeClass::Unauthorized | OutcomeClass::Refused)
            | RowOutcome::PausedToken
            | RowOutcome::PausedRefused => left.token_problem = true,
            RowOutcome::Answered(OutcomeClass::Transient)
            | RowOutcome::Stopped
            | RowOutcome::ServerUnreachable
            | RowOutcome::NotSent => left.waiting = true,
            RowOutcome::InFlight => left.in_flight = true,
            RowOutcome::Answered(OutcomeClass::Rejected) => left.rejected = true,
            RowOutcome::Invalid => left.invalid = true,
            RowOutcome::Valid
            | RowOutcome::AlreadyDelivered
            | RowOutcome::Answered(OutcomeClass::Accepted | OutcomeClass::AlreadyRecorded) => {}
        }
    }
    Exit::for_batch(&left)
}

/// Nothing could be done: say why (one JSON object with `--json`).
fn refuse(request: &ImportRequest, text: &str, exit: Exit) -> Exit {
    if request.json {
        crate::out!(
            "{}",
            super::report::json_line(&ImportRefused {
                error: text,
                exit: exit as u8,
                file: request.path.display().to_string(),
            })
        );
    } else {
        crate::err!("{text}");
    }
    exit
}

/// An invalid row's problems, on stderr.
fn print_problems(loaded: &Import, row: &Row, i18n: &I18n) {
    crate::err!(
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

/// A piece of the `--json` document, its characters a terminal would act on written as
/// JSON escapes ([`crate::safe_text::json`]; they can only be inside its strings).
fn write_json(piece: &str) {
    crate::cli::report::write_raw(&crate::safe_text::json(piece));
}

/// What the summary is about.
#[derive(Clone, Copy)]
enum Kind {
    DryRun,
    Blocked,
    Sent,
}

/// The outcome of every row, as the rows go by: counted, written to the report file
/// (`--report`) and, with `--json`, printed as one JSON object whose `results` array is
/// written an element at a time (its counts follow the array).
struct Output<'a> {
    request: &'a ImportRequest,
    i18n: &'a I18n,
    report: Option<report::Writer<BufWriter<private_fs::Streamed>>>,
    report_error: Option<String>,
    results: usize,
    tally: Tally,
}

impl<'a> Output<'a> {
    fn start(request: &'a ImportRequest, loaded: &Import, i18n: &'a I18n) -> Output<'a> {
        let mut output = Output {
            request,
            i18n,
            report: None,
            report_error: None,
            results: 0,
            tally: Tally::default(),
        };
        if let Some(path) = &request.report {
            match private_fs::create_streamed(path)
                .and_then(|file| report::Writer::new(BufWriter::new(file), &loaded.format, i18n))
            {
                Ok(writer) => output.report = Some(writer),
                Err(e) => output.report_error = Some(e.to_string()),
            }
        }
        if request.json {
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
                SourceFormat::Spreadsheet { sheet } => (None, None, Some(sheet.as_str())),
            };
            let head = serde_json::to_string(&ImportHead {
                delimiter,
                dry_run: request.dry_run,
                encoding,
                file: request.path.display().to_string(),
                format: loaded.format.kind(),
                sheet,
            })
            .unwrap_or_default();
            // `{…}` opened again to go on: `{"delimiter":…,"sheet":…,"results":[`.
            write_json(&format!(
                "{},\"results\":[",
                head.strip_suffix('}').unwrap_or(&head)
            ));
        }
        output
    }

    /// One row's outcome.
    fn line(&mut self, line: &Line) {
        self.tally.add(line);
        if let Some(writer) = &mut self.report
            && let Err(e) = writer.write(line)
        {
            self.report_error = Some(e.to_string());
            self.report = None;
        }
        if self.request.json {
            let item = serde_json::to_string(line).unwrap_or_default();
            let comma = if self.results == 0 { "" } else { "," };
            write_json(&format!("{comma}{item}"));
        }
        self.results += 1;
    }

    /// Close the report and the JSON object, print the summary; the exit code is `exit`,
    /// or `error`'s (said too, and then no report is written) when something stopped the
    /// rows, or 1 when the report could not be written.
    fn finish(mut self, kind: Kind, exit: Exit, error: Option<&(String, Exit)>) -> Exit {
        let i18n = self.i18n;
        let mut exit = error.map_or(exit, |(_, code)| *code);
        // A report cut short by an error is not left behind (its temporary file goes).
        if let Some(writer) = self.report.take()
            && self.report_error.is_none()
            && error.is_none()
        {
            let committed = writer
                .finish()
                .and_then(|out| {
                    out.into_inner()
                        .map_err(std::io::IntoInnerError::into_error)
                })
                .and_then(private_fs::Streamed::commit);
            if let Err(e) = committed {
                self.report_error = Some(e.to_string());
            }
        }
        if let (Some(e), Some(path)) = (&self.report_error, &self.request.report) {
            crate::err!(
                "{}",
                i18n.tr_args(
                    msg!("import-report-failed"),
                    &[
                        ("path", path.display().to_string().as_str().into()),
                        ("error", e.as_str().into()),
                    ],
                )
            );
            exit = Exit::Failure;
        }
        let tally = &self.tally;
        let invalid = tally.count(RowOutcome::Invalid);
        let waiting = tally.waiting();
        if self.request.json {
            let tail = serde_json::to_string(&ImportCounts {
                already_delivered: tally.count(RowOutcome::AlreadyDelivered),
                delivered: tally.delivered(),
                error: error.map(|(text, _)| text.as_str()),
                exit: exit as u8,
                invalid,
                rejected: tally.count(RowOutcome::Answered(OutcomeClass::Rejected)),
                rows: tally.rows(),
                valid: tally.rows() - invalid,
                waiting,
            })
            .unwrap_or_default();
            write_json(&format!("],{}", tail.strip_prefix('{').unwrap_or(&tail)));
            crate::cli::report::write_raw("\n");
            return exit;
        }
        if let Some((text, _)) = error {
            crate::err!("{text}");
        }
        let key = match kind {
            Kind::DryRun => msg!("import-summary-dry-run"),
            Kind::Blocked => msg!("import-summary-blocked"),
            Kind::Sent => msg!("import-summary"),
        };
        crate::out!(
            "{}",
            i18n.tr_args(
                key,
                &[
                    ("rows", tally.rows().into()),
                    ("valid", (tally.rows() - invalid).into()),
                    ("invalid", invalid.into()),
                    ("delivered", tally.delivered().into()),
                    ("earlier", tally.count(RowOutcome::AlreadyDelivered).into()),
                    ("waiting", waiting.into()),
                    (
                        "rejected",
                        tally
                            .count(RowOutcome::Answered(OutcomeClass::Rejected))
                            .into()
                    ),
                ],
            )
        );
        if waiting > 0 {
            crate::err!("{}", i18n.tr(msg!("import-rerun")));
        }
        exit
    }
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

    /// A line on stderr that does not tear the progress bar.
    fn println(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| crate::err!("{text}")),
            None => crate::err!("{text}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
