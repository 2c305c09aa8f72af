//! "Import from file…": paper forms from a spreadsheet or CSV file, in the window (desk
//! mode, and the kiosk's administrator menu).
//!
//! The file comes from the desktop's file dialog ("Choose file…": the XDG desktop
//! portal's, through `rfd`, asked on a worker thread; where no portal answers — a kiosk
//! shell, a bare X server — the screen says so and the path field is the way), from a
//! file dropped on the window (the first of several, said so), or from a typed path;
//! each starts the same reading. A preview table of the first [`PREVIEW_ROWS`] rows with
//! invalid cells marked and explained (the remarks column too, decoded, so a person sees
//! garbled text before sending; on screen only) and the count of the rest, the first
//! invalid rows anywhere in the file explained under it, "Send N valid rows" (the valid
//! ones; invalid rows are left out, as `import --skip-invalid`), a progress bar with a
//! Stop button, and a summary with "Save report". Reading, checking, sending and writing
//! the report run on named worker threads that wake the window when they land; the
//! whole file is checked but only the preview's rows are kept, and the report is written
//! to a private temporary file while sending (copied where the person says on "Save
//! report"), so a file of any size takes the window no more memory than its preview. A
//! file past the import's limits ([`crate::import::limits`]) or of an unsure encoding
//! ends in a message, never a crash.

use crate::msg;
use std::io::BufWriter;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use egui::{Color32, RichText, Ui};
use poll_promise::Promise;

use super::{RatingApp, Screen, Transition, theme};
use crate::api::OutcomeClass;
use crate::config::Config;
use crate::i18n::I18n;
use crate::import::read::{SPREADSHEET_EXTENSIONS, TEXT_EXTENSIONS};
use crate::import::report::{self, Line, RowOutcome, Stage, Tally};
use crate::import::send::{self, Progress};
use crate::import::{self, Field, IdRules, Import, ImportError, ImportOptions, Preview};
use crate::service::Service;
use crate::ui::jobs;

/// Rows the preview shows (and keeps); the rest are counted.
pub const PREVIEW_ROWS: usize = 1_000;
/// Invalid rows explained under the preview; the rest are counted (all in the report).
const PROBLEM_ROWS: usize = 100;
/// Rows not delivered listed in the summary.
const SUMMARY_ROWS: usize = 50;

/// A file read and checked, with the rows the preview shows.
pub struct Loaded {
    /// The file, checked.
    pub import: Import,
    /// Its first rows and first invalid rows.
    pub preview: Preview,
}

/// What sending did: the outcomes counted, the first rows not delivered, and the
/// report, written to a private temporary file as the rows went by.
#[derive(Clone)]
struct Summary {
    tally: Tally,
    shown: Vec<Line>,
    report: Arc<tempfile::NamedTempFile>,
}

/// The import screen's state.
#[derive(Default)]
pub(super) struct ImportView {
    /// The file's path as typed.
    path: String,
    loading: Option<Promise<Result<Loaded, ImportError>>>,
    loaded: Option<Arc<Loaded>>,
    error: Option<String>,
    sending: Option<Sending>,
    summary: Option<Summary>,
    report_path: String,
    saving_report: Option<Promise<Result<PathBuf, String>>>,
    report_message: Option<String>,
    /// Scroll the summary into view once it arrives.
    scroll_to_summary: bool,
    /// The file dialog, open: its answer on the way.
    choosing: Option<Promise<Choice>>,
    /// Said under the path field: no file dialog here, several files dropped…
    notice: Option<String>,
    /// Files dropped on the window, taken at the next frame of this screen.
    dropped: Vec<egui::DroppedFileHandle>,
}

/// What the file dialog came to.
#[derive(Debug)]
enum Choice {
    /// A file was picked.
    Picked(PathBuf),
    /// Closed without a file: nothing to say.
    Cancelled,
    /// No desktop portal answers (no D-Bus session, no portal, or one without a file
    /// chooser): the path field is the way.
    Unavailable,
}

struct Sending {
    progress: Arc<Mutex<Progress>>,
    stop: Arc<AtomicBool>,
    promise: Promise<Result<Summary, String>>,
}

impl ImportView {
    /// The file read and checked, with its preview, once it is in.
    pub(super) fn preview(&self) -> Option<&Loaded> {
        self.loaded.as_deref()
    }

    /// The message shown instead of a preview.
    pub(super) fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Something is being read, sent or saved, or the file dialog is open.
    pub(super) fn busy(&self) -> bool {
        self.loading.is_some()
            || self.sending.is_some()
            || self.saving_report.is_some()
            || self.choosing.is_some()
    }

    /// Files dropped on the window: the first is read at this screen's next frame, as a
    /// typed path would be.
    pub(super) fn dropped(&mut self, files: Vec<egui::DroppedFileHandle>) {
        self.dropped = files;
    }

    fn options(config: &Config) -> ImportOptions {
        ImportOptions {
            ids: IdRules {
                clinic_guid: config.clinic_guid.clone(),
                separator: config.visit_id_separator.clone(),
            },
            ..ImportOptions::default()
        }
    }

    /// Read `path` (typed, picked in the dialog or dropped) in the background.
    fn start_reading(&mut self, app: &RatingApp, ctx: &egui::Context, path: PathBuf) {
        let options = Self::options(&app.config);
        self.loaded = None;
        self.summary = None;
        self.error = None;
        self.notice = None;
        self.report_message = None;
        self.report_path = report_path_for(&path);
        self.loading = Some(jobs::spawn(
            "import-read",
            ctx,
            move || {
                let import = import::load(&path, &options)?;
                let preview = import.preview(PREVIEW_ROWS, PROBLEM_ROWS)?;
                Ok(Loaded { import, preview })
            },
            |e| {
                Err(ImportError::Read {
                    path: PathBuf::new(),
                    source: std::io::Error::other(e),
                })
            },
        ));
    }

    /// Open the file dialog on a worker thread (it blocks until the person answers),
    /// in the folder of the path in the field when there is one.
    fn start_choosing(&mut self, app: &RatingApp, ctx: &egui::Context) {
        let title = app.i18n.tr(msg!("import-dialog-title"));
        let forms = app.i18n.tr(msg!("import-dialog-filter"));
        let all = app.i18n.tr(msg!("import-dialog-all-files"));
        let typed = PathBuf::from(self.path.trim());
        self.notice = None;
        self.choosing = Some(jobs::spawn(
            "import-dialog",
            ctx,
            move || {
                // Looked at here, not in the frame: a path can be on a slow share.
                let folder = Some(typed)
                    .filter(|p| !p.as_os_str().is_empty())
                    .and_then(|p| {
                        if p.is_dir() {
                            Some(p)
                        } else {
                            p.parent().map(PathBuf::from)
                        }
                    })
                    .filter(|p| p.is_dir());
                choose_file(&title, &forms, &all, folder)
            },
            |e| {
                tracing::error!(error = %e, "the file dialog cannot be started");
                Choice::Unavailable
            },
        ));
    }

    /// The first of the files dropped on the window, read as a typed path would be.
    fn take_dropped(&mut self, app: &RatingApp, ctx: &egui::Context) {
        let files = std::mem::take(&mut self.dropped);
        let Some(first) = files.first() else {
            return;
        };
        let path = first.path().to_owned();
        let name = crate::safe_text::lines(&path.display().to_string()).into_owned();
        if self.busy() {
            self.notice = Some(
                app.i18n
                    .tr_args(msg!("import-drop-busy"), &[("name", name.as_str().into())]),
            );
            return;
        }
        self.path = path.display().to_string();
        self.start_reading(app, ctx, path);
        if files.len() > 1 {
            self.notice = Some(app.i18n.tr_args(
                msg!("import-dropped-several"),
                &[
                    ("count", files.len().into()),
                    ("name", name.as_str().into()),
                ],
            ));
        }
    }

    fn start_sending(&mut self, app: &RatingApp, ctx: &egui::Context) {
        let Some(loaded) = self.loaded.clone() else {
            return;
        };
        let progress = Arc::new(Mutex::new(Progress {
            total: loaded.import.valid_count(),
            ..Progress::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let service = Arc::clone(&app.service);
        let language = app.i18n.language();
        let (worker_progress, worker_stop, repaint) =
            (Arc::clone(&progress), Arc::clone(&stop), ctx.clone());
        let promise = jobs::spawn(
            "import-send",
            ctx,
            move || {
                deliver(
                    &service,
                    &loaded.import,
                    &worker_stop,
                    &worker_progress,
                    &repaint,
                    &I18n::new(language),
                )
            },
            |e| Err(e.to_string()),
        );
        self.sending = Some(Sending {
            progress,
            stop,
            promise,
        });
    }

    fn save_report(&mut self, ctx: &egui::Context) {
        let Some(summary) = &self.summary else {
            return;
        };
        let spool = Arc::clone(&summary.report);
        let path = PathBuf::from(self.report_path.trim());
        self.saving_report = Some(jobs::spawn(
            "import-report",
            ctx,
            move || {
                copy_report(spool.path(), &path)
                    .map(|()| path)
                    .map_err(|e| e.to_string())
            },
            |e| Err(e.to_string()),
        ));
    }

    fn poll(&mut self, app: &RatingApp, ctx: &egui::Context) {
        let i18n = &app.i18n;
        if let Some(promise) = self.choosing.take() {
            match promise.try_take() {
                Ok(Choice::Picked(path)) => {
                    self.path = path.display().to_string();
                    self.start_reading(app, ctx, path);
                }
                Ok(Choice::Cancelled) => {}
                Ok(Choice::Unavailable) => {
                    self.notice = Some(i18n.tr(msg!("import-dialog-unavailable")));
                }
                Err(promise) => self.choosing = Some(promise),
            }
        }
        let view = &mut *self;
        if let Some(promise) = view.loading.take() {
            match promise.try_take() {
                Ok(Ok(loaded)) => view.loaded = Some(Arc::new(loaded)),
                Ok(Err(e)) => view.error = Some(e.describe(i18n)),
                Err(promise) => view.loading = Some(promise),
            }
        }
        if let Some(sending) = view.sending.take() {
            let Sending {
                progress,
                stop,
                promise,
            } = sending;
            match promise.try_take() {
                Ok(Ok(summary)) => {
                    view.summary = Some(summary);
                    view.scroll_to_summary = true;
                }
                Ok(Err(e)) => view.error = Some(e),
                Err(promise) => {
                    view.sending = Some(Sending {
                        progress,
                        stop,
                        promise,
                    });
                }
            }
        }
        if let Some(promise) = view.saving_report.take() {
            match promise.try_take() {
                Ok(Ok(path)) => {
                    view.report_message = Some(i18n.tr_args(
                        msg!("import-report-saved"),
                        &[("path", path.display().to_string().as_str().into())],
                    ));
                }
                Ok(Err(e)) => {
                    view.report_message = Some(i18n.tr_args(
                        msg!("import-report-failed"),
                        &[
                            ("path", view.report_path.as_str().into()),
                            ("error", e.as_str().into()),
                        ],
                    ));
                }
                Err(promise) => view.saving_report = Some(promise),
            }
        }
    }

    /// The import screen.
    pub(super) fn ui(&mut self, app: &RatingApp, ui: &mut Ui) -> Transition {
        let ctx = ui.ctx().clone();
        self.poll(app, &ctx);
        self.take_dropped(app, &ctx);
        ui.heading(app.i18n.tr(msg!("import-title")));
        ui.add_space(8.0);
        let busy = self.busy();
        ui.add_enabled_ui(!busy, |ui| {
            let label = ui.label(app.i18n.tr(msg!("import-path-label")));
            ui.horizontal(|ui| {
                let field = ui.add(
                    egui::TextEdit::singleline(&mut self.path)
                        .desired_width((ui.available_width() - 330.0).max(200.0))
                        .hint_text(app.i18n.tr(msg!("import-path-hint"))),
                );
                let field = field.labelled_by(label.id);
                let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                let open = ui.button(app.i18n.tr(msg!("import-open"))).clicked();
                if (open || enter) && !self.path.trim().is_empty() {
                    let path = PathBuf::from(self.path.trim());
                    self.start_reading(app, &ctx, path);
                }
                if ui.button(app.i18n.tr(msg!("import-choose"))).clicked() {
                    self.start_choosing(app, &ctx);
                }
            });
            ui.label(RichText::new(app.i18n.tr(msg!("import-formats"))).small());
            ui.label(RichText::new(app.i18n.tr(msg!("import-drop-hint"))).small());
        });
        if self.choosing.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(app.i18n.tr(msg!("import-choosing")));
            });
        }
        if let Some(notice) = &self.notice {
            ui.label(RichText::new(notice).color(ui.visuals().warn_fg_color));
        }
        if self.loading.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(app.i18n.tr(msg!("import-reading")));
            });
        }
        if let Some(error) = &self.error {
            ui.label(RichText::new(error).color(ui.visuals().error_fg_color));
        }
        if let Some(loaded) = self.loaded.clone() {
            ui.add_space(8.0);
            Self::preview_ui(app, ui, &loaded);
            ui.add_space(4.0);
            Self::problems_ui(app, ui, &loaded);
            ui.add_space(8.0);
            self.actions_ui(app, ui, &loaded);
        }
        ui.add_space(12.0);
        if ui
            .add_enabled(!busy, egui::Button::new(app.i18n.tr(msg!("import-back"))))
            .clicked()
        {
            *self = ImportView::default();
            return if app.kiosk.is_some() {
                Transition::To(Screen::Admin)
            } else {
                Transition::NextPatient
            };
        }
        Transition::None
    }

    /// The counts over the preview: rows, valid, invalid, and the rows not shown.
    fn counts_ui(app: &RatingApp, ui: &mut Ui, loaded: &Loaded) {
        let (preview, loaded) = (&loaded.preview, &loaded.import);
        let invalid = loaded.invalid_count();
        ui.label(app.i18n.tr_args(
            msg!("import-preview-counts"),
            &[
                ("rows", loaded.counts.rows.into()),
                ("valid", loaded.valid_count().into()),
                ("invalid", invalid.into()),
            ],
        ));
        let more = loaded.counts.rows.saturating_sub(preview.rows.len());
        if more > 0 {
            ui.label(app.i18n.tr_args(
                msg!("import-preview-more"),
                &[("count", more.into()), ("shown", preview.rows.len().into())],
            ));
        }
    }

    fn preview_ui(app: &RatingApp, ui: &mut Ui, loaded: &Loaded) {
        Self::counts_ui(app, ui, loaded);
        let headers = Headers::new(app, ui, loaded);
        // A table wider than the window (its minimum size) scrolls sideways rather
        // than cut its columns or their headers' words.
        egui::ScrollArea::horizontal()
            .id_salt("import-preview-sideways")
            .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::VisibleWhenNeeded)
            .show(ui, |ui| {
                // Closer columns than the form's spacing: nine of them fit the
                // window's column at 1280×800.
                ui.spacing_mut().item_spacing.x = TABLE_SPACING;
                Self::table_ui(app, ui, loaded, &headers);
            });
    }

    fn table_ui(app: &RatingApp, ui: &mut Ui, loaded: &Loaded, headers: &Headers) {
        let (preview, loaded) = (&loaded.preview, &loaded.import);
        let fields = Field::ALL;
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
        let mut table = egui_extras::TableBuilder::new(ui)
            .id_salt("import-preview")
            .striped(true)
            .min_scrolled_height(320.0)
            .max_scroll_height(420.0)
            .column(egui_extras::Column::exact(headers.widths[0]));
        for (field, width) in fields.into_iter().zip(&headers.widths[1..]) {
            table = table.column(match field {
                Field::VisitId | Field::Notes => egui_extras::Column::initial(*width).clip(true),
                _ => egui_extras::Column::exact(*width),
            });
        }
        let last = headers.widths[headers.widths.len() - 1];
        table
            .column(egui_extras::Column::remainder().at_least(last).clip(true))
            .header(headers.height, |mut header| {
                for title in &headers.titles {
                    header.col(|ui| {
                        // Wraps between words only: the column is as wide as the
                        // title's longest word.
                        ui.add(egui::Label::new(RichText::new(title).strong()).wrap());
                    });
                }
            })
            .body(|body| {
                body.rows(row_height, preview.rows.len(), |mut table_row| {
                    let row = &preview.rows[table_row.index()];
                    table_row.col(|ui| {
                        ui.label(row.number.to_string());
                    });
                    for field in fields {
                        let problems: Vec<String> = row
                            .problems_of(field)
                            .map(|p| p.describe(&app.i18n))
                            .collect();
                        table_row.col(|ui| {
                            // As the file holds it, decoded (garbled text shows here
                            // before it is sent), with stray controls and bidi
                            // overrides shown escaped.
                            let text = crate::safe_text::lines(&row.values[field.index()]);
                            if problems.is_empty() {
                                ui.label(text.as_ref());
                            } else {
                                let shown = if text.is_empty() {
                                    "—"
                                } else {
                                    text.as_ref()
                                };
                                egui::Frame::new()
                                    .fill(theme::problem_fill(ui.visuals()))
                                    .stroke(egui::Stroke::new(1.5, ui.visuals().error_fg_color))
                                    .inner_margin(2.0)
                                    .show(ui, |ui| {
                                        ui.label(RichText::new(shown).strong())
                                            .on_hover_text(problems.join("\n"));
                                    });
                            }
                        });
                    }
                    table_row.col(|ui| {
                        if row.is_valid() {
                            ui.label(
                                RichText::new(app.i18n.tr(msg!("import-preview-ok")))
                                    .color(theme_ok(ui)),
                            );
                        } else {
                            // One line per row: the whole text on hover, and in the
                            // accessibility tree.
                            let text = report::problems_text(loaded, row, &app.i18n);
                            ui.add(
                                egui::Label::new(
                                    RichText::new(&text).color(ui.visuals().error_fg_color),
                                )
                                .truncate(),
                            )
                            .on_hover_text(text);
                        }
                    });
                });
            });
    }

    /// Every invalid row's problems in full, under the table (the table shows one line).
    fn problems_ui(app: &RatingApp, ui: &mut Ui, loaded: &Loaded) {
        let (invalid, loaded) = (&loaded.preview.invalid, &loaded.import);
        for row in invalid {
            ui.label(
                RichText::new(
                    app.i18n.tr_args(
                        msg!("import-row-problems"),
                        &[
                            ("row", row.number.into()),
                            (
                                "problems",
                                report::problems_text(loaded, row, &app.i18n)
                                    .as_str()
                                    .into(),
                            ),
                        ],
                    ),
                )
                .color(ui.visuals().error_fg_color),
            );
        }
        let more = loaded.invalid_count().saturating_sub(invalid.len());
        if more > 0 {
            ui.label(
                app.i18n
                    .tr_args(msg!("import-more-problems"), &[("count", more.into())]),
            );
        }
    }

    fn actions_ui(&mut self, app: &RatingApp, ui: &mut Ui, loaded: &Loaded) {
        let ctx = ui.ctx().clone();
        let valid = loaded.import.valid_count();
        if let Some(sending) = &self.sending {
            let progress = *sending
                .progress
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let (step, of) = if progress.saved < progress.total {
                (progress.saved, app.i18n.tr(msg!("import-progress-saving")))
            } else {
                (progress.done, app.i18n.tr(msg!("import-progress-sending")))
            };
            #[allow(clippy::cast_precision_loss)] // counts far below 2^24
            let fraction = step as f32 / progress.total.max(1) as f32;
            ui.add(
                egui::ProgressBar::new(fraction).text(format!("{of}: {step} / {}", progress.total)),
            );
            let stopping = sending.stop.load(Ordering::SeqCst);
            if ui
                .add_enabled(
                    !stopping,
                    egui::Button::new(app.i18n.tr(msg!("import-stop"))),
                )
                .clicked()
            {
                sending.stop.store(true, Ordering::SeqCst);
            }
            return;
        }
        if let Some(summary) = self.summary.clone() {
            self.summary_ui(app, ui, &summary);
            return;
        }
        if ui
            .add_enabled(
                valid > 0,
                theme::primary_button(
                    &ctx,
                    app.i18n
                        .tr_args(msg!("import-send"), &[("count", valid.into())]),
                ),
            )
            .clicked()
        {
            self.start_sending(app, &ctx);
        }
    }

    fn summary_ui(&mut self, app: &RatingApp, ui: &mut Ui, summary: &Summary) {
        let ctx = ui.ctx().clone();
        let tally = &summary.tally;
        let count = |outcome| tally.count(outcome);
        let delivered = tally.delivered();
        let headline = ui.label(
            RichText::new(app.i18n.tr_args(
                msg!("import-summary"),
                &[
                    ("rows", tally.rows().into()),
                    ("delivered", delivered.into()),
                    ("earlier", count(RowOutcome::AlreadyDelivered).into()),
                    (
                        "waiting",
                        // Every outcome that leaves the row in the outbox, as the
                        // command line and the report count them.
                        tally.waiting().into(),
                    ),
                    (
                        "rejected",
                        count(RowOutcome::Answered(OutcomeClass::Rejected)).into(),
                    ),
                    ("invalid", count(RowOutcome::Invalid).into()),
                ],
            ))
            .strong(),
        );
        if std::mem::take(&mut self.scroll_to_summary) {
            headline.scroll_to_me(Some(egui::Align::TOP));
        }
        for line in &summary.shown {
            ui.label(app.i18n.tr_args(
                msg!("import-row-outcome"),
                &[
                    ("row", line.row.into()),
                    ("visit_id", line.visit_id.as_str().into()),
                    ("result", line.text.as_str().into()),
                ],
            ));
        }
        ui.add_space(8.0);
        let label = ui.label(app.i18n.tr(msg!("import-report-path")));
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut self.report_path)
                    .desired_width((ui.available_width() - 220.0).max(200.0)),
            )
            .labelled_by(label.id);
            if ui
                .add_enabled(
                    self.saving_report.is_none(),
                    egui::Button::new(app.i18n.tr(msg!("import-save-report"))),
                )
                .clicked()
            {
                self.save_report(&ctx);
            }
        });
        if let Some(message) = &self.report_message {
            ui.label(message);
        }
    }
}

/// The preview's column titles (the file's own header names where it has them), each
/// column's width and the header row's height, so that a title wraps only between its
/// words: a column is at least as wide as its title's longest word (up to
/// [`WIDEST_TITLE_WORD`]), and the row as tall as the tallest wrapped title.
struct Headers {
    /// «Строка», the fields' titles, «Ошибки».
    titles: Vec<String>,
    /// One per title: exact for the row number and the scores, the initial width for the
    /// visit id and the remarks, the least for the problems (which take the rest).
    widths: Vec<f32>,
    height: f32,
}

/// The widest a column grows for one word of its title (a file's header could be one
/// very long word); past it, that word wraps.
const WIDEST_TITLE_WORD: f32 = 240.0;

/// The space between the preview's columns.
const TABLE_SPACING: f32 = 6.0;

impl Headers {
    fn new(app: &RatingApp, ui: &Ui, loaded: &Loaded) -> Headers {
        let import = &loaded.import;
        let mut titles = vec![app.i18n.tr(msg!("import-report-row"))];
        titles.extend(Field::ALL.into_iter().map(|field| {
            import
                .header(field)
                .map_or_else(|| app.i18n.tr(field.label_key()), str::to_owned)
        }));
        titles.push(app.i18n.tr(msg!("import-preview-problems")));
        let font = egui::TextStyle::Body.resolve(ui.style());
        let color = ui.visuals().strong_text_color();
        let width_of = |text: &str| {
            ui.ctx().fonts_mut(|f| {
                f.layout_no_wrap(text.to_owned(), font.clone(), color)
                    .size()
                    .x
            })
        };
        // The row numbers' column: its title, or the widest number shown.
        let last_row = loaded
            .preview
            .rows
            .iter()
            .chain(&loaded.preview.invalid)
            .map(|row| row.number)
            .max()
            .unwrap_or(0);
        let least = std::iter::once(width_of(&last_row.to_string()))
            .chain(Field::ALL.into_iter().map(|field| match field {
                // A visit id (a GUID) and remarks are cut at the column's edge.
                Field::VisitId => 120.0,
                Field::Notes => 90.0,
                _ => 48.0,
            }))
            .chain(std::iter::once(100.0));
        // A line is broken after the space that follows a word: room for both.
        let space = width_of(" ");
        let widths: Vec<f32> = titles
            .iter()
            .zip(least)
            .map(|(title, least)| {
                let word = title
                    .split_whitespace()
                    .map(&width_of)
                    .fold(0.0, f32::max)
                    .min(WIDEST_TITLE_WORD);
                // Rounded up: a label a fraction of a point wider than its column
                // would wrap its last letter.
                least.max((word + space).ceil())
            })
            .collect();
        let lines = titles
            .iter()
            .zip(&widths)
            .map(|(title, width)| {
                ui.ctx().fonts_mut(|f| {
                    f.layout(title.clone(), font.clone(), color, *width)
                        .size()
                        .y
                })
            })
            .fold(0.0, f32::max);
        Headers {
            titles,
            widths,
            height: lines + 8.0,
        }
    }
}

fn theme_ok(ui: &Ui) -> Color32 {
    if ui.visuals().dark_mode {
        Color32::from_rgb(120, 220, 140)
    } else {
        Color32::from_rgb(0, 110, 40)
    }
}

/// The file dialog's answer (blocks until the person closes it: run on a worker
/// thread). Asked of the desktop portal only once one answers for its file chooser:
/// rfd says "no file" alike for "cancelled" and "no dialog", and where no portal
/// answers the person must be told to type the path.
fn choose_file(title: &str, forms: &str, all: &str, folder: Option<PathBuf>) -> Choice {
    #[cfg(target_os = "linux")]
    if let Err(e) = portal::file_chooser(None) {
        tracing::info!(error = %e, "no desktop portal answers: no file dialog");
        return Choice::Unavailable;
    }
    // A portal's filters are glob patterns, matched case-sensitively by some: both cases.
    let extensions: Vec<String> = SPREADSHEET_EXTENSIONS
        .iter()
        .chain(TEXT_EXTENSIONS)
        .flat_map(|e| [(*e).to_owned(), e.to_uppercase()])
        .collect();
    let mut dialog = rfd::FileDialog::new()
        .set_title(title)
        .add_filter(forms, &extensions)
        .add_filter(all, &["*"]);
    if let Some(folder) = folder {
        dialog = dialog.set_directory(folder);
    }
    dialog.pick_file().map_or(Choice::Cancelled, Choice::Picked)
}

/// Whether the XDG desktop portal offers a file chooser on the session bus.
#[cfg(target_os = "linux")]
mod portal {
    use std::time::Duration;

    /// How long the bus may take to start the portal and answer (D-Bus's own default
    /// for a method call).
    const ANSWER_WITHIN: Duration = Duration::from_secs(25);

    /// `Ok` when a portal answers for `org.freedesktop.portal.FileChooser` (its
    /// `version`) on the session bus, or on the bus at `address`; starting the portal
    /// if the bus knows how. An `xdg-desktop-portal` without a backend that shows file
    /// dialogs does not offer the interface, and fails here too.
    pub(super) fn file_chooser(address: Option<&str>) -> zbus::Result<u32> {
        let builder = match address {
            Some(address) => zbus::blocking::connection::Builder::address(address)?,
            None => zbus::blocking::connection::Builder::session()?,
        };
        let bus = builder.method_timeout(ANSWER_WITHIN).build()?;
        let properties = zbus::blocking::fdo::PropertiesProxy::builder(&bus)
            .destination("org.freedesktop.portal.Desktop")?
            .path("/org/freedesktop/portal/desktop")?
            .build()?;
        let version = properties.get(
            zbus::names::InterfaceName::from_static_str("org.freedesktop.portal.FileChooser")?,
            "version",
        )?;
        Ok(u32::try_from(version)?)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn no_bus_means_no_file_chooser() {
            let dir = tempfile::tempdir().unwrap();
            let address = format!("unix:path={}", dir.path().join("no-bus").display());
            assert!(super::file_chooser(Some(&address)).is_err());
        }
    }
}

/// `forms.xlsx` → `forms-report.csv` beside it.
fn report_path_for(path: &std::path::Path) -> String {
    let stem = path
        .file_stem()
        .map_or_else(|| "import".into(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}-report.csv"))
        .display()
        .to_string()
}

/// Copy the report written while sending to `path`, replacing any file there whole,
/// readable by the user only.
fn copy_report(spool: &std::path::Path, path: &std::path::Path) -> std::io::Result<()> {
    let mut out = crate::private_fs::create_streamed(path)?;
    std::io::copy(&mut std::fs::File::open(spool)?, &mut out)?;
    out.commit()
}

/// The worker's part: a client, the token and the outbox from the service, then
/// [`send::deliver`], publishing progress and waking the window after each step, the
/// report written to a private temporary file as the rows go by.
fn deliver(
    service: &Service,
    import: &Import,
    stop: &AtomicBool,
    progress: &Mutex<Progress>,
    ctx: &egui::Context,
    i18n: &I18n,
) -> Result<Summary, String> {
    let outbox = service
        .outbox()
        .cloned()
        .ok_or_else(|| "no outbox".to_owned())?;
    let (client, token) = service.connect().map_err(|e| i18n.connect_error(&e))?;
    let spool = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    let file = spool.reopen().map_err(|e| e.to_string())?;
    let mut writer = report::Writer::new(BufWriter::new(file), &import.format, i18n)
        .map_err(|e| e.to_string())?;
    let mut written = Ok(());
    let mut tally = Tally::default();
    let mut shown = Vec::new();
    let target = send::Target {
        outbox: &outbox,
        client: &client,
        token: &token,
    };
    send::deliver(
        &target,
        import,
        stop,
        &mut |p| {
            *progress.lock().unwrap_or_else(PoisonError::into_inner) = *p;
            ctx.request_repaint();
        },
        &mut |row, delivery| {
            let line = report::line(import, row, Stage::Sent(delivery), i18n);
            tally.add(&line);
            if written.is_ok() {
                written = writer.write(&line);
            }
            if shown.len() < SUMMARY_ROWS
                && !line.is_delivered()
                && line.outcome != RowOutcome::Invalid
            {
                shown.push(line);
            }
        },
    )
    .map_err(|e| e.to_string())?;
    written
        .and_then(|()| writer.finish().map(drop))
        .map_err(|e| e.to_string())?;
    Ok(Summary {
        tally,
        shown,
        report: Arc::new(spool),
    })
}
