//! "Import from file…": paper forms from a spreadsheet or CSV file, in the window (desk
//! mode, and the kiosk's administrator menu).
//!
//! A typed path (no file dialog is offered: a kiosk shell or a bare X server has no
//! desktop portal to show one), a preview table of every row with invalid cells marked
//! and explained, "Send N valid rows" (the valid ones; invalid rows are left out, as
//! `import --skip-invalid`), a progress bar with a Stop button, and a summary with "Save
//! report". Reading, checking, sending and writing the report run on named worker
//! threads that wake the window when they land; the preview draws only the rows in
//! view, so a 10,000-row file scrolls as smoothly as a short one.

use crate::msg;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use egui::{Color32, RichText, Ui};
use poll_promise::Promise;

use super::{RatingApp, Screen, theme};
use crate::config::Config;
use crate::i18n::I18n;
use crate::import::report::{self, Line, Stage};
use crate::import::send::{self, Delivery, Pending, Progress};
use crate::import::{self, Field, IdRules, Import, ImportError, ImportOptions};
use crate::service::Service;
use crate::ui::jobs;

/// The import screen's state.
#[derive(Default)]
pub(super) struct ImportView {
    /// The file's path as typed.
    path: String,
    loading: Option<Promise<Result<Import, ImportError>>>,
    loaded: Option<Arc<Import>>,
    error: Option<String>,
    sending: Option<Sending>,
    summary: Option<Vec<Line>>,
    report_path: String,
    saving_report: Option<Promise<Result<PathBuf, String>>>,
    report_message: Option<String>,
    /// Scroll the summary into view once it arrives.
    scroll_to_summary: bool,
}

struct Sending {
    progress: Arc<Mutex<Progress>>,
    stop: Arc<AtomicBool>,
    promise: Promise<Result<Vec<Delivery>, String>>,
}

impl RatingApp {
    /// Open the import screen.
    pub(super) fn open_import(&mut self) {
        self.import_view = ImportView::default();
        self.screen = Screen::Import;
    }

    /// The rows read from the file, once they are in (for tests and the summary).
    pub fn import_preview(&self) -> Option<&Import> {
        self.import_view.loaded.as_deref()
    }

    /// Something is being read, sent or saved.
    pub fn import_busy(&self) -> bool {
        let v = &self.import_view;
        v.loading.is_some() || v.sending.is_some() || v.saving_report.is_some()
    }

    fn import_options(config: &Config) -> ImportOptions {
        ImportOptions {
            ids: IdRules {
                clinic_guid: config.clinic_guid.clone(),
                separator: config.visit_id_separator.clone(),
            },
            ..ImportOptions::default()
        }
    }

    fn start_reading(&mut self, ctx: &egui::Context) {
        let path = PathBuf::from(self.import_view.path.trim());
        let options = Self::import_options(&self.config);
        self.import_view.loaded = None;
        self.import_view.summary = None;
        self.import_view.error = None;
        self.import_view.report_message = None;
        self.import_view.report_path = report_path_for(&path);
        self.import_view.loading = Some(jobs::spawn(
            "import-read",
            ctx,
            move || import::load(&path, &options),
            |e| {
                Err(ImportError::Read {
                    path: PathBuf::new(),
                    source: std::io::Error::other(e),
                })
            },
        ));
    }

    fn start_sending(&mut self, ctx: &egui::Context) {
        let Some(loaded) = self.import_view.loaded.clone() else {
            return;
        };
        let pending = loaded.pending();
        let progress = Arc::new(Mutex::new(Progress {
            total: pending.len(),
            ..Progress::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let service = Arc::clone(&self.service);
        let (worker_progress, worker_stop, repaint) =
            (Arc::clone(&progress), Arc::clone(&stop), ctx.clone());
        let promise = jobs::spawn(
            "import-send",
            ctx,
            move || deliver(&service, &pending, &worker_stop, &worker_progress, &repaint),
            |e| Err(e.to_string()),
        );
        self.import_view.sending = Some(Sending {
            progress,
            stop,
            promise,
        });
    }

    fn save_report(&mut self, ctx: &egui::Context) {
        let (Some(loaded), Some(lines)) = (
            self.import_view.loaded.clone(),
            self.import_view.summary.clone(),
        ) else {
            return;
        };
        let path = PathBuf::from(self.import_view.report_path.trim());
        let language = self.i18n.language();
        self.import_view.saving_report = Some(jobs::spawn(
            "import-report",
            ctx,
            move || {
                report::write(&path, &lines, &loaded.format, &I18n::new(language))
                    .map(|()| path)
                    .map_err(|e| e.to_string())
            },
            |e| Err(e.to_string()),
        ));
    }

    fn poll_import(&mut self) {
        let view = &mut self.import_view;
        if let Some(promise) = view.loading.take() {
            match promise.try_take() {
                Ok(Ok(loaded)) => view.loaded = Some(Arc::new(loaded)),
                Ok(Err(e)) => view.error = Some(e.describe(&self.i18n)),
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
                Ok(Ok(deliveries)) => {
                    if let Some(loaded) = &view.loaded {
                        view.summary =
                            Some(report::lines(loaded, Stage::Sent(&deliveries), &self.i18n));
                        view.scroll_to_summary = true;
                    }
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
                    view.report_message = Some(self.i18n.tr_args(
                        msg!("import-report-saved"),
                        &[("path", path.display().to_string().as_str().into())],
                    ));
                }
                Ok(Err(e)) => {
                    view.report_message = Some(self.i18n.tr_args(
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
    pub(super) fn import_ui(&mut self, ui: &mut Ui) {
        self.poll_import();
        let ctx = ui.ctx().clone();
        ui.heading(self.i18n.tr(msg!("import-title")));
        ui.add_space(8.0);
        let busy = self.import_busy();
        ui.add_enabled_ui(!busy, |ui| {
            let label = ui.label(self.i18n.tr(msg!("import-path-label")));
            ui.horizontal(|ui| {
                let field = ui.add(
                    egui::TextEdit::singleline(&mut self.import_view.path)
                        .desired_width((ui.available_width() - 160.0).max(200.0))
                        .hint_text(self.i18n.tr(msg!("import-path-hint"))),
                );
                let field = field.labelled_by(label.id);
                let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                let open = ui.button(self.i18n.tr(msg!("import-open"))).clicked();
                if (open || enter) && !self.import_view.path.trim().is_empty() {
                    self.start_reading(&ctx);
                }
            });
            ui.label(RichText::new(self.i18n.tr(msg!("import-formats"))).small());
        });
        if self.import_view.loading.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(self.i18n.tr(msg!("import-reading")));
            });
        }
        if let Some(error) = &self.import_view.error {
            ui.label(RichText::new(error).color(ui.visuals().error_fg_color));
        }
        if let Some(loaded) = self.import_view.loaded.clone() {
            ui.add_space(8.0);
            self.import_preview_ui(ui, &loaded);
            ui.add_space(4.0);
            self.import_problems_ui(ui, &loaded);
            ui.add_space(8.0);
            self.import_actions_ui(ui, &loaded);
        }
        ui.add_space(12.0);
        if ui
            .add_enabled(!busy, egui::Button::new(self.i18n.tr(msg!("import-back"))))
            .clicked()
        {
            self.import_view = ImportView::default();
            if self.kiosk.is_some() {
                self.screen = Screen::Admin;
            } else {
                self.forget_patient(&ui.ctx().clone());
            }
        }
    }

    fn import_preview_ui(&self, ui: &mut Ui, loaded: &Import) {
        let invalid = loaded.invalid_count();
        ui.label(self.i18n.tr_args(
            msg!("import-preview-counts"),
            &[
                ("rows", loaded.rows.len().into()),
                ("valid", (loaded.rows.len() - invalid).into()),
                ("invalid", invalid.into()),
            ],
        ));
        let fields = Field::ALL;
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
        let mut table = egui_extras::TableBuilder::new(ui)
            .id_salt("import-preview")
            .striped(true)
            .min_scrolled_height(320.0)
            .max_scroll_height(420.0)
            .column(egui_extras::Column::exact(48.0));
        for field in fields {
            table = table.column(match field {
                Field::VisitId => egui_extras::Column::initial(150.0).clip(true),
                Field::Notes => egui_extras::Column::initial(110.0).clip(true),
                _ => egui_extras::Column::exact(70.0),
            });
        }
        table
            .column(egui_extras::Column::remainder().at_least(120.0).clip(true))
            .header(row_height * 3.0, |mut header| {
                header.col(|ui| {
                    ui.strong(self.i18n.tr(msg!("import-report-row")));
                });
                for field in fields {
                    header.col(|ui| {
                        let title = loaded
                            .header(field)
                            .map_or_else(|| self.i18n.tr(field.label_key()), str::to_owned);
                        ui.add(egui::Label::new(RichText::new(title).strong()).wrap());
                    });
                }
                header.col(|ui| {
                    ui.strong(self.i18n.tr(msg!("import-preview-problems")));
                });
            })
            .body(|body| {
                body.rows(row_height, loaded.rows.len(), |mut table_row| {
                    let row = &loaded.rows[table_row.index()];
                    table_row.col(|ui| {
                        ui.label(row.number.to_string());
                    });
                    for field in fields {
                        let problems: Vec<String> = row
                            .problems_of(field)
                            .map(|p| p.describe(&self.i18n))
                            .collect();
                        table_row.col(|ui| {
                            let text = &row.values[field.index()];
                            if problems.is_empty() {
                                ui.label(text.as_str());
                            } else {
                                let shown = if text.is_empty() {
                                    "—"
                                } else {
                                    text.as_str()
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
                                RichText::new(self.i18n.tr(msg!("import-preview-ok")))
                                    .color(theme_ok(ui)),
                            );
                        } else {
                            // One line per row: the whole text on hover, and in the
                            // accessibility tree.
                            let text = report::problems_text(loaded, row, &self.i18n);
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
    fn import_problems_ui(&self, ui: &mut Ui, loaded: &Import) {
        const SHOWN: usize = 100;
        let invalid: Vec<_> = loaded.rows.iter().filter(|r| !r.is_valid()).collect();
        for row in invalid.iter().take(SHOWN) {
            ui.label(
                RichText::new(
                    self.i18n.tr_args(
                        msg!("import-row-problems"),
                        &[
                            ("row", row.number.into()),
                            (
                                "problems",
                                report::problems_text(loaded, row, &self.i18n)
                                    .as_str()
                                    .into(),
                            ),
                        ],
                    ),
                )
                .color(ui.visuals().error_fg_color),
            );
        }
        if invalid.len() > SHOWN {
            ui.label(self.i18n.tr_args(
                msg!("import-more-problems"),
                &[("count", (invalid.len() - SHOWN).into())],
            ));
        }
    }

    fn import_actions_ui(&mut self, ui: &mut Ui, loaded: &Import) {
        let ctx = ui.ctx().clone();
        let valid = loaded.valid().count();
        if let Some(sending) = &self.import_view.sending {
            let progress = *sending
                .progress
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let (step, of) = if progress.saved < progress.total {
                (progress.saved, self.i18n.tr(msg!("import-progress-saving")))
            } else {
                (progress.done, self.i18n.tr(msg!("import-progress-sending")))
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
                    egui::Button::new(self.i18n.tr(msg!("import-stop"))),
                )
                .clicked()
            {
                sending.stop.store(true, Ordering::SeqCst);
            }
            return;
        }
        if let Some(lines) = self.import_view.summary.clone() {
            self.import_summary_ui(ui, &lines);
            return;
        }
        if ui
            .add_enabled(
                valid > 0,
                theme::primary_button(
                    &ctx,
                    self.i18n
                        .tr_args(msg!("import-send"), &[("count", valid.into())]),
                ),
            )
            .clicked()
        {
            self.start_sending(&ctx);
        }
    }

    fn import_summary_ui(&mut self, ui: &mut Ui, lines: &[Line]) {
        let ctx = ui.ctx().clone();
        let count = |names: &[&str]| lines.iter().filter(|l| names.contains(&l.outcome)).count();
        let delivered = lines.iter().filter(|l| l.is_delivered()).count();
        let headline = ui.label(
            RichText::new(
                self.i18n.tr_args(
                    msg!("import-summary"),
                    &[
                        ("rows", lines.len().into()),
                        ("delivered", delivered.into()),
                        ("earlier", count(&["already_delivered"]).into()),
                        (
                            "waiting",
                            count(&[
                                "transient",
                                "stopped",
                                "server_unreachable",
                                "paused_token",
                                "unauthorized",
                            ])
                            .into(),
                        ),
                        ("rejected", count(&["rejected"]).into()),
                        ("invalid", count(&["invalid"]).into()),
                    ],
                ),
            )
            .strong(),
        );
        if std::mem::take(&mut self.import_view.scroll_to_summary) {
            headline.scroll_to_me(Some(egui::Align::TOP));
        }
        for line in lines
            .iter()
            .filter(|l| !l.is_delivered() && l.outcome != "invalid")
            .take(50)
        {
            ui.label(self.i18n.tr_args(
                msg!("import-row-outcome"),
                &[
                    ("row", line.row.into()),
                    ("visit_id", line.visit_id.as_str().into()),
                    ("result", line.text.as_str().into()),
                ],
            ));
        }
        ui.add_space(8.0);
        let label = ui.label(self.i18n.tr(msg!("import-report-path")));
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut self.import_view.report_path)
                    .desired_width((ui.available_width() - 220.0).max(200.0)),
            )
            .labelled_by(label.id);
            if ui
                .add_enabled(
                    self.import_view.saving_report.is_none(),
                    egui::Button::new(self.i18n.tr(msg!("import-save-report"))),
                )
                .clicked()
            {
                self.save_report(&ctx);
            }
        });
        if let Some(message) = &self.import_view.report_message {
            ui.label(message);
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

/// `forms.xlsx` → `forms-report.csv` beside it.
fn report_path_for(path: &std::path::Path) -> String {
    let stem = path
        .file_stem()
        .map_or_else(|| "import".into(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}-report.csv"))
        .display()
        .to_string()
}

/// The worker's part: a client, the token and the outbox from the service, then
/// [`send::deliver`], publishing progress and waking the window after each step.
fn deliver(
    service: &Service,
    pending: &[Pending],
    stop: &AtomicBool,
    progress: &Mutex<Progress>,
    ctx: &egui::Context,
) -> Result<Vec<Delivery>, String> {
    let outbox = service
        .outbox()
        .cloned()
        .ok_or_else(|| "no outbox".to_owned())?;
    let (client, token) = service.connect().map_err(|e| crate::api::error_chain(&e))?;
    send::deliver(&outbox, &client, &token, pending, stop, &mut |p| {
        *progress.lock().unwrap_or_else(PoisonError::into_inner) = *p;
        ctx.request_repaint();
    })
    .map_err(|e| e.to_string())
}
