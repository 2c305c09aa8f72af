//! The window's state machine: setup → form → (sending) → thank-you or a result panel;
//! in kiosk mode ready → form → thank-you → ready, with the timers of [`kiosk`].
//!
//! egui only. Sending is asked of [`Service`] on a named worker thread; the result comes
//! back through a `poll_promise::Promise`, and the worker wakes the UI with
//! `request_repaint` after the value is in place, so an idle window paints nothing.
//! Only one submission is ever in flight: [`RatingApp::start_submit`] refuses a second
//! while one is pending, whatever asked for it (a double click, Enter held down).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use egui::{Align, Id, Key, Layout, Modifiers, RichText, Ui};
use poll_promise::Promise;

use crate::api::{OutcomeKind, RatingClient, VisitId, VisitIdError};
use crate::config::{Config, Language};
use crate::i18n::I18n;
use crate::outbox::Outbox;
use crate::outbox::worker::OutboxWorker;
use crate::rating::{Criterion, Missing, NOTES_MAX_CHARS, Rating, RatingDraft};
use crate::service::{NotSent, Service, SubmitReport, TokenSource};

use super::clock::Clock;
use super::star_rating::star_rating;
use super::theme::{self, Appearance};
use super::type_ahead::TypeAhead;

mod forget;
mod import;
mod kiosk;
mod outbox_view;
mod token;

pub use kiosk::{Kiosk, Unconfigured};

/// The visit id field's id: focused at start and after each rating.
pub const VISIT_ID_FIELD: &str = "visit-id-field";

/// How the window starts.
#[derive(Clone, Debug)]
pub struct AppSetup {
    /// The settings as loaded.
    pub config: Config,
    /// Where they are saved from the settings screen.
    pub config_path: PathBuf,
    /// The interface language.
    pub language: Language,
    /// The effective server URL (the stand-in server's in demo mode); `None` opens the
    /// setup screen.
    pub server_url: Option<String>,
    /// Where the token comes from.
    pub tokens: TokenSource,
    /// Show the demo banner (the server is the built-in stand-in).
    pub demo: bool,
    /// Where the outbox lives; `None` sends without saving first (some tests).
    pub data_dir: Option<PathBuf>,
    /// Run as an unattended kiosk (`--kiosk` or `kiosk = true`).
    pub kiosk: bool,
    /// The clock the timers read (the system clock; a manual one in tests).
    pub clock: Clock,
}

/// Which screen is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// First start without a server URL, or the settings opened by an administrator.
    Setup,
    /// Kiosk: waiting for the next patient (scan or type the visit id).
    Ready,
    /// Kiosk: the administrator's menu, behind the PIN.
    Admin,
    /// The outbox: ratings waiting or needing attention.
    Outbox,
    /// The rating form.
    Form,
    /// The thank-you state after an accepted rating.
    ThankYou,
    /// Import paper forms from a file (desk mode, or the kiosk's administrator menu).
    Import,
    /// Kiosk: no server URL, no token at all, or no administrator PIN — "terminal not
    /// configured, please call staff" (configuring it needs the PIN).
    NotConfigured,
}

/// What the last submission came to, shown under the form.
#[derive(Clone, Debug)]
pub enum LastResult {
    /// The server answered (or could not be reached).
    Sent(SubmitReport),
    /// Nothing was sent.
    NotSent(NotSent),
}

/// The rating form being filled in.
#[derive(Clone, Debug, Default)]
pub struct FormState {
    /// The visit id as typed or scanned.
    pub visit_id: String,
    /// Scores, notes, "did not visit".
    pub draft: RatingDraft,
}

/// The settings screen's fields while being edited.
#[derive(Clone, Debug, Default)]
struct SetupFields {
    server_url: String,
    clinic_guid: String,
    language: Language,
    error: Option<String>,
}

/// The application.
pub struct RatingApp {
    i18n: I18n,
    config: Config,
    config_path: PathBuf,
    demo: bool,
    tokens: TokenSource,
    service: Arc<Service>,
    screen: Screen,
    /// The form; kept while the settings are open.
    pub form: FormState,
    pending: Option<Promise<Result<SubmitReport, NotSent>>>,
    last: Option<LastResult>,
    setup: SetupFields,
    once: OneShot,
    clock: Clock,
    appearance: Appearance,
    /// Present while running as a kiosk.
    kiosk: Option<Kiosk>,
    /// The kiosk, kept aside after "leave kiosk mode" until the window idles.
    left_kiosk: Option<Kiosk>,
    token: token::TokenPanel,
    /// The service the background sender uses (replaced with the settings).
    sender_service: Arc<Mutex<Arc<Service>>>,
    worker: Option<OutboxWorker>,
    outbox_view: outbox_view::OutboxView,
    /// The last rating is kept in the outbox rather than accepted yet.
    saved_for_later: bool,
    /// Keys typed ahead of the screen, handed to the frames they belong to.
    type_ahead: TypeAhead,
    /// "Import from file…".
    import_view: import::ImportView,
    /// The window put text on the clipboard or the primary selection since the last
    /// reset (a desk only; see [`forget`]).
    clipboard_has_form_text: bool,
    /// What the last frame showed (see [`forget`]).
    shown: forget::Shown,
    /// When "Send" was pressed, until the frame that shows the answer (a timing for
    /// people reading the log, and for `bench/send_to_thanks.py`).
    submit_pressed: Option<std::time::Instant>,
}

/// Things to do on the next frame only.
// Independent one-frame requests, not a state machine in disguise.
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Copy, Debug, Default)]
struct OneShot {
    /// Apply the theme (the first frame).
    style: bool,
    /// Put the keyboard focus on the visit id.
    focus_visit_id: bool,
    /// Scroll a fresh result into view.
    scroll_to_result: bool,
    /// Put the keyboard focus on the first star row.
    focus_first_row: bool,
}

impl RatingApp {
    /// The application; its style is applied to the context on the first frame.
    pub fn new(setup: AppSetup) -> RatingApp {
        let kiosk = setup.kiosk.then(|| {
            Kiosk::new(
                &setup.config,
                &setup.config_path,
                setup.clock.now(),
                setup.clock.wall(),
                setup.data_dir.as_deref(),
            )
        });
        let screen = match (&setup.server_url, &kiosk) {
            // A kiosk is never configured by whoever stands in front of it.
            (_, Some(kiosk)) if setup.server_url.is_none() || !kiosk.has_pin() => {
                Screen::NotConfigured
            }
            (None, _) => Screen::Setup,
            (Some(_), Some(_)) => Screen::Ready,
            (Some(_), None) => Screen::Form,
        };
        let appearance = Appearance {
            high_contrast: setup.config.high_contrast,
            scale: setup.config.text_scale
                * if kiosk.is_some() {
                    setup.config.kiosk_options.touch_scale
                } else {
                    1.0
                },
        };
        let mut service =
            Service::new(setup.config.clone(), setup.server_url, setup.tokens.clone());
        if let Some(dir) = &setup.data_dir {
            match Outbox::open(dir) {
                Ok(outbox) => service = service.with_outbox(outbox),
                // Sending still works; the status line says why nothing is kept.
                Err(e) => tracing::error!(error = %e, "the outbox cannot be opened"),
            }
        }
        let service = Arc::new(service);
        let service_for_sender = Arc::clone(&service);
        let mut app = RatingApp {
            i18n: I18n::new(setup.language),
            config: setup.config,
            config_path: setup.config_path,
            demo: setup.demo,
            tokens: setup.tokens,
            service,
            screen,
            form: FormState::default(),
            pending: None,
            last: None,
            setup: SetupFields::default(),
            once: OneShot {
                style: true,
                focus_visit_id: true,
                scroll_to_result: false,
                focus_first_row: false,
            },
            clock: setup.clock,
            appearance,
            kiosk,
            left_kiosk: None,
            token: token::TokenPanel::default(),
            sender_service: Arc::new(Mutex::new(Arc::clone(&service_for_sender))),
            worker: None,
            outbox_view: outbox_view::OutboxView::default(),
            saved_for_later: false,
            type_ahead: TypeAhead::default(),
            import_view: import::ImportView::default(),
            clipboard_has_form_text: false,
            shown: forget::Shown::default(),
            submit_pressed: None,
        };
        app.load_setup_fields();
        app
    }

    /// The settings file the window saves to.
    pub fn config_path(&self) -> &std::path::Path {
        &self.config_path
    }

    /// The screen shown now.
    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// The last submission's result, if any is shown.
    pub fn last_result(&self) -> Option<&LastResult> {
        self.last.as_ref()
    }

    /// A submission is in flight.
    pub fn is_sending(&self) -> bool {
        self.pending.is_some()
    }

    /// Hand this frame the input events it may see, holding keys typed ahead of the
    /// screen for the frames they belong to (see [`super::type_ahead`]). The window calls
    /// it before every frame; UI tests call it the same way.
    pub fn prepare_input(&mut self, events: &mut Vec<egui::Event>) {
        let ready = self.ready_for_keys();
        self.type_ahead.feed(events, ready);
    }

    /// Keys typed ahead wait for a later frame.
    pub fn keys_waiting(&self) -> bool {
        self.type_ahead.has_held()
    }

    /// Whether a key arriving now would reach the widget the typist expects: not while a
    /// rating is being sent (its answer decides the next screen), nor while a focus
    /// change asked for in the last frame has yet to land.
    fn ready_for_keys(&self) -> bool {
        // A focus asked for on a screen that is not shown lands when it is: no wait.
        let visit_id_shown = match self.screen {
            Screen::Form => self.kiosk.is_none(),
            Screen::Ready => true,
            _ => false,
        };
        let focus_pending = (self.once.focus_visit_id && visit_id_shown)
            || (self.once.focus_first_row && self.screen == Screen::Form)
            || self.kiosk.as_ref().is_some_and(Kiosk::focus_pending);
        self.pending.is_none() && !focus_pending
    }

    fn load_setup_fields(&mut self) {
        self.token.refresh = true;
        self.setup = SetupFields {
            server_url: self.service.base_url().unwrap_or_default().to_owned(),
            clinic_guid: self.config.clinic_guid.clone().unwrap_or_default(),
            language: self.i18n.language(),
            error: None,
        };
    }

    /// The visit id as the server will get it, or why it is not valid.
    fn visit_id(&self) -> Result<VisitId, VisitIdError> {
        VisitId::from_input(
            &self.form.visit_id,
            self.config.clinic_guid.as_deref(),
            &self.config.visit_id_separator,
        )
    }

    /// Everything still missing before the form can be sent, in words.
    fn missing_hint(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Err(e) = self.visit_id() {
            parts.push(self.i18n.visit_id_error(&e));
        }
        let mut unrated = Vec::new();
        for missing in self.form.draft.missing() {
            match missing {
                Missing::Score(criterion) => {
                    unrated.push(format!("«{}»", self.i18n.tr(criterion.label_key())));
                }
                Missing::NotesTooLong { chars } => parts.push(self.i18n.tr_args(
                    "error-notes-too-long",
                    &[("chars", chars.into()), ("max", NOTES_MAX_CHARS.into())],
                )),
            }
        }
        if !unrated.is_empty() {
            parts.push(
                self.i18n
                    .tr_args("hint-rate", &[("list", unrated.join(", ").into())]),
            );
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// Start sending the form, unless something is missing or a submission is already
    /// in flight (then nothing happens: one at a time, by design).
    pub fn start_submit(&mut self, ctx: &egui::Context) {
        if self.pending.is_some() || self.screen != Screen::Form {
            return;
        }
        let (Ok(id), Ok(rating)) = (self.visit_id(), self.form.draft.to_rating()) else {
            return;
        };
        self.last = None;
        self.submit_pressed = Some(std::time::Instant::now());
        self.pending = Some(spawn_submit(
            Arc::clone(&self.service),
            id,
            rating,
            ctx.clone(),
        ));
    }

    fn poll_pending(&mut self) {
        let Some(promise) = self.pending.take() else {
            return;
        };
        match promise.try_take() {
            Ok(result) => {
                let accepted =
                    matches!(&result, Ok(report) if report.outcome.kind == OutcomeKind::Accepted);
                // Kept in the outbox for the background sender.
                let kept = matches!(&result, Ok(report) if report.queued)
                    || matches!(&result, Err(NotSent::SavedWithoutToken(_)));
                let network = matches!(&result, Ok(report) if report.queued && report.outcome.kind == OutcomeKind::Transient);
                self.once.scroll_to_result = true;
                self.last = Some(match result {
                    Ok(report) => LastResult::Sent(report),
                    Err(not_sent) => LastResult::NotSent(not_sent),
                });
                if let Some(worker) = &self.worker {
                    worker.refresh();
                }
                // A kiosk thanks the patient whenever the rating is safe; a desk treats a
                // network failure as "saved" too, but shows token and server problems.
                let thank = accepted || (kept && self.kiosk.is_some()) || network;
                // Keys typed while the rating was being sent go on to the next form at a
                // desk (Enter, the next visit id…). An answer the typist must read first
                // keeps the form: they were not meant for it. A kiosk never carries keys
                // over from one patient to the next.
                if !thank || self.kiosk.is_some() {
                    self.type_ahead.clear();
                }
                if thank {
                    self.screen = Screen::ThankYou;
                    self.saved_for_later = !accepted;
                    let now = self.clock.now();
                    if let Some(kiosk) = &mut self.kiosk {
                        kiosk.thanked(now, kept && !accepted);
                    }
                }
            }
            Err(promise) => self.pending = Some(promise),
        }
    }

    /// Draw the whole window into `ui` (the root `Ui`).
    pub fn show(&mut self, ui: &mut Ui) {
        self.type_ahead.drawn();
        if std::mem::take(&mut self.once.style) {
            theme::apply(ui.ctx(), self.appearance);
            // Patients must not zoom the kiosk away with Ctrl+/-, nor select (and so
            // copy) what the screen shows.
            let desk = self.kiosk.is_none();
            ui.ctx().options_mut(|o| o.zoom_with_keyboard = desk);
            ui.ctx()
                .all_styles_mut(|style| style.interaction.selectable_labels = desk);
        }
        self.privacy_input(ui);
        self.start_worker(ui.ctx());
        self.poll_pending();
        self.kiosk_logic(ui);
        self.left_kiosk_logic(ui);
        // Ctrl+Enter sends from anywhere, even from inside the notes box.
        if ui.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::Enter)) {
            self.start_submit(&ui.ctx().clone());
        }

        if self.demo {
            theme::banner(
                ui,
                "demo-banner",
                theme::DEMO_BANNER,
                egui::Color32::BLACK,
                self.i18n.tr("demo-banner"),
            );
        }
        self.clear_text_banner(ui);
        egui::Panel::top("title-bar")
            .frame(
                egui::Frame::side_top_panel(ui.style()).inner_margin(if self.kiosk.is_some() {
                    4.0
                } else {
                    12.0
                }),
            )
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    self.admin_corner(ui);
                    ui.heading(self.i18n.tr("app-title"));
                    ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                        self.staff_indicator(ui);
                        if self.kiosk.is_none()
                            && self.screen != Screen::Setup
                            && ui
                                .add_enabled(
                                    self.pending.is_none(),
                                    egui::Button::new(self.i18n.tr("settings-open")),
                                )
                                .clicked()
                        {
                            self.load_setup_fields();
                            self.screen = Screen::Setup;
                        }
                        if self.kiosk.is_none()
                            && self.screen == Screen::Form
                            && self.service.outbox().is_some()
                            && ui
                                .add_enabled(
                                    self.pending.is_none(),
                                    egui::Button::new(self.i18n.tr("import-open-screen")),
                                )
                                .clicked()
                        {
                            self.open_import();
                        }
                    });
                });
            });
        self.outbox_status_bar(ui);
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                // A centred column of readable width.
                // Leave room for the (floating) scroll bar on the right.
                let available = ui.available_width() - 24.0;
                let width = theme::CONTENT_WIDTH.min(available);
                let margin = ((available - width) / 2.0).max(0.0);
                ui.horizontal(|ui| {
                    ui.add_space(margin);
                    ui.vertical(|ui| {
                        ui.set_width(width);
                        match self.screen {
                            Screen::Setup => self.setup_ui(ui),
                            Screen::Ready => self.ready_ui(ui),
                            Screen::Form => self.form_ui(ui),
                            Screen::ThankYou => self.thank_you_ui(ui),
                            Screen::Admin => self.admin_ui(ui),
                            Screen::NotConfigured => self.not_configured_ui(ui),
                            Screen::Outbox => self.outbox_ui(ui),
                            Screen::Import => self.import_ui(ui),
                        }
                    });
                });
            });
        });
        self.kiosk_overlays(&ui.ctx().clone());
        self.privacy_output(&ui.ctx().clone());
        if self.type_ahead.has_held() {
            ui.ctx().request_repaint();
        }
        self.log_answer_shown();
    }

    /// At the end of the frame that shows the answer to "Send" (thank-you or a result):
    /// the time since it was pressed (`visit_rating::timing`).
    fn log_answer_shown(&mut self) {
        if self.pending.is_none()
            && let Some(pressed) = self.submit_pressed.take()
        {
            tracing::info!(
                target: "visit_rating::timing",
                pressed_to_answer_shown_ms = pressed.elapsed().as_secs_f64() * 1000.0,
                thank_you = self.screen == Screen::ThankYou,
                "the answer to \"Send\" is on screen"
            );
        }
    }

    /// A red strip while ratings and the token cross the network unencrypted
    /// (`allow_insecure_http` with a remote `http://` server).
    fn clear_text_banner(&self, ui: &mut Ui) {
        if self.config.allow_insecure_http
            && self
                .service
                .base_url()
                .is_some_and(crate::api::is_clear_text_remote)
        {
            theme::banner(
                ui,
                "clear-text-banner",
                theme::CLEAR_TEXT_BANNER,
                egui::Color32::WHITE,
                self.i18n.tr("clear-text-banner"),
            );
        }
    }

    fn form_ui(&mut self, ui: &mut Ui) {
        let sending = self.pending.is_some();
        ui.add_enabled_ui(!sending, |ui| {
            if self.kiosk.is_some() {
                self.kiosk_visit_line(ui);
            } else {
                self.visit_id_ui(ui);
            }
            ui.add_space(8.0);
            self.scores_ui(ui);
            ui.add_space(8.0);
            self.notes_ui(ui);
            ui.add_space(4.0);
            let didnt_visit = self.i18n.tr("didnt-visit");
            ui.checkbox(&mut self.form.draft.didnt_visit, didnt_visit);
        });
        ui.add_space(12.0);
        self.submit_row(ui);
        if let Some(last) = self.last.clone() {
            ui.add_space(12.0);
            self.result_ui(ui, &last);
        }
    }

    fn visit_id_ui(&mut self, ui: &mut Ui) {
        let clinic = self
            .config
            .clinic_guid
            .as_deref()
            .is_some_and(|c| !c.trim().is_empty());
        let label = ui.label(RichText::new(self.i18n.tr("visit-id-label")).strong());
        let hint = self.i18n.tr(if clinic {
            "visit-id-hint-clinic"
        } else {
            "visit-id-hint"
        });
        let id = Id::unique(VISIT_ID_FIELD);
        let response = ui
            .add(
                egui::TextEdit::singleline(&mut self.form.visit_id)
                    .id(id)
                    .hint_text(hint)
                    .desired_width(f32::INFINITY)
                    .font(egui::TextStyle::Heading),
            )
            .labelled_by(label.id);
        if std::mem::take(&mut self.once.focus_visit_id) {
            response.request_focus();
        }
        // A scanner types the id and presses Enter: go on to the first row.
        if response.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
            ui.memory_mut(|m| m.request_focus(star_row_id(Criterion::ALL[0])));
        }
        if !self.form.visit_id.trim().is_empty()
            && let Err(e) = self.visit_id()
        {
            ui.colored_label(ui.visuals().error_fg_color, self.i18n.visit_id_error(&e));
        }
    }

    fn scores_ui(&mut self, ui: &mut Ui) {
        let enabled = !self.form.draft.didnt_visit;
        egui::Grid::new("scores")
            .num_columns(3)
            .spacing([16.0, 10.0])
            .min_row_height(52.0)
            .show(ui, |ui| {
                for criterion in Criterion::ALL {
                    let name = self.i18n.tr(criterion.label_key());
                    ui.add_enabled_ui(enabled, |ui| {
                        ui.set_width(theme::CRITERION_LABEL_WIDTH);
                        ui.add(egui::Label::new(&name).wrap());
                    });
                    let mut value = self.form.draft.score(criterion);
                    let description = match value {
                        Some(score) => self.i18n.tr_args(
                            "star-value",
                            &[
                                ("criterion", name.as_str().into()),
                                ("value", score.get().into()),
                            ],
                        ),
                        None => self
                            .i18n
                            .tr_args("star-unset", &[("criterion", name.as_str().into())]),
                    };
                    let row = ui.add_enabled(
                        enabled,
                        star_rating(star_row_id(criterion), &mut value, &description),
                    );
                    if criterion == Criterion::ALL[0]
                        && std::mem::take(&mut self.once.focus_first_row)
                    {
                        row.request_focus();
                    }
                    self.form.draft.set_score(criterion, value);
                    let short = value.map_or_else(
                        || "—".to_owned(),
                        |s| {
                            self.i18n
                                .tr_args("star-short", &[("value", s.get().into())])
                        },
                    );
                    ui.add_enabled(enabled, egui::Label::new(RichText::new(short).strong()));
                    ui.end_row();
                }
            });
    }

    fn notes_ui(&mut self, ui: &mut Ui) {
        self.notes_field_ui(ui);
        if let Some(kiosk) = &mut self.kiosk
            && kiosk.options.on_screen_keyboard
        {
            ui.add_space(4.0);
            super::keyboard::on_screen_keyboard(
                ui,
                &mut kiosk.keyboard,
                &mut self.form.draft.notes,
                NOTES_MAX_CHARS,
                &self.i18n,
            );
        }
    }

    fn notes_field_ui(&mut self, ui: &mut Ui) {
        let label = ui.label(RichText::new(self.i18n.tr("notes-label")).strong());
        ui.add(
            egui::TextEdit::multiline(&mut self.form.draft.notes)
                .desired_rows(3)
                .desired_width(f32::INFINITY)
                .lock_focus(false)
                .hint_text(self.i18n.tr("notes-hint")),
        )
        .labelled_by(label.id);
        let chars = self.form.draft.notes.chars().count();
        let counter = self.i18n.tr_args(
            "notes-counter",
            &[("count", chars.into()), ("max", NOTES_MAX_CHARS.into())],
        );
        ui.with_layout(Layout::right_to_left(Align::Min), |ui| {
            if chars > NOTES_MAX_CHARS {
                ui.colored_label(ui.visuals().error_fg_color, counter);
            } else {
                ui.weak(counter);
            }
        });
    }

    fn submit_row(&mut self, ui: &mut Ui) {
        let hint = self.missing_hint();
        let sending = self.pending.is_some();
        ui.horizontal(|ui| {
            let text = if sending {
                self.i18n.tr("submitting")
            } else {
                self.i18n.tr("submit")
            };
            let button = theme::primary_button(ui.ctx(), text);
            if ui.add_enabled(hint.is_none() && !sending, button).clicked() {
                self.start_submit(&ui.ctx().clone());
            }
            if sending {
                ui.spinner();
            }
        });
        match hint {
            Some(hint) => {
                ui.label(RichText::new(hint).color(ui.visuals().warn_fg_color));
            }
            None if !sending => {
                ui.weak(self.i18n.tr("hint-ready"));
            }
            None => {}
        }
    }

    fn result_ui(&mut self, ui: &mut Ui, last: &LastResult) {
        if self.kiosk.is_some() {
            self.kiosk_result_ui(ui, last);
            return;
        }
        let (headline, words, advice, detail, kind) = match last {
            LastResult::Sent(SubmitReport { outcome, .. }) => (
                self.i18n.outcome_headline(outcome),
                self.i18n.server_words(outcome),
                self.i18n.outcome_advice(outcome),
                outcome.detail.clone(),
                Some(outcome.kind),
            ),
            LastResult::NotSent(not_sent) => (
                self.i18n.tr("not-sent"),
                None,
                Some(match not_sent {
                    NotSent::NoUrl => self.i18n.tr("error-no-url"),
                    NotSent::NoToken(e) => self.i18n.secrets_error(e),
                    NotSent::SavedWithoutToken(e) => format!(
                        "{} {}",
                        self.i18n.tr("saved-without-token"),
                        self.i18n.secrets_error(e)
                    ),
                    NotSent::NotSaved(_) => self.i18n.tr("not-saved-advice"),
                    NotSent::Client(_) | NotSent::Internal(_) => self.i18n.tr("advice-rejected"),
                }),
                Some(not_sent.to_string()),
                None,
            ),
        };
        let stroke_color = match kind {
            Some(OutcomeKind::AlreadyRecorded) => ui.visuals().warn_fg_color,
            _ => ui.visuals().error_fg_color,
        };
        let panel = egui::Frame::group(ui.style())
            .stroke(egui::Stroke::new(2.0, stroke_color))
            .inner_margin(12.0)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(RichText::new(headline).strong().size(20.0));
                if let Some(words) = words {
                    ui.label(words);
                }
                if let Some(advice) = advice {
                    ui.label(advice);
                }
                if matches!(
                    last,
                    LastResult::Sent(SubmitReport {
                        queued: true,
                        outcome: crate::api::Outcome {
                            kind: OutcomeKind::Rejected,
                            ..
                        },
                    })
                ) {
                    ui.label(self.i18n.tr("outbox-kept-attention-desk"));
                }
                if let Some(detail) = detail {
                    ui.weak(
                        self.i18n
                            .tr_args("detail", &[("detail", detail.as_str().into())]),
                    );
                }
                ui.horizontal(|ui| {
                    if matches!(kind, Some(OutcomeKind::Transient))
                        && ui.button(self.i18n.tr("retry")).clicked()
                    {
                        self.start_submit(&ui.ctx().clone());
                    }
                    let token_problem = matches!(kind, Some(OutcomeKind::Unauthorized(_)))
                        || matches!(
                            last,
                            LastResult::NotSent(
                                NotSent::NoToken(_) | NotSent::SavedWithoutToken(_)
                            )
                        );
                    if token_problem && ui.button(self.i18n.tr("replace-token")).clicked() {
                        self.load_setup_fields();
                        self.screen = Screen::Setup;
                    }
                    if matches!(kind, Some(OutcomeKind::AlreadyRecorded))
                        && ui.button(self.i18n.tr("new-rating")).clicked()
                    {
                        self.forget_patient(&ui.ctx().clone());
                    }
                });
            });
        // Bring a fresh answer into view once; after that the user scrolls freely.
        if std::mem::take(&mut self.once.scroll_to_result) {
            panel.response.scroll_to_me(Some(Align::BOTTOM));
        }
    }

    fn thank_you_ui(&mut self, ui: &mut Ui) {
        let now = self.clock.now();
        let saved_for_later = self.saved_for_later;
        let cooling_down = self.kiosk.as_ref().is_some_and(|k| k.cooling_down(now));
        ui.add_space(48.0);
        ui.vertical_centered(|ui| {
            let title = if saved_for_later {
                "thanks-saved-title"
            } else {
                "thanks-title"
            };
            ui.label(
                RichText::new(self.i18n.tr(title))
                    .size(34.0)
                    .strong()
                    .color(theme::Palette::of(ui.ctx()).success),
            );
            ui.add_space(12.0);
            let body = if saved_for_later && self.kiosk.is_none() {
                "outcome-queued"
            } else {
                "thanks-body"
            };
            ui.label(RichText::new(self.i18n.tr(body)).size(20.0));
            if self.kiosk.is_none()
                && let Some(LastResult::Sent(SubmitReport { outcome, .. })) = &self.last
                && let Some(message) = &outcome.message
            {
                ui.weak(self.i18n.tr_args(
                    "server-said",
                    &[
                        ("message", message.as_str().into()),
                        (
                            "message_code",
                            outcome.message_code.as_deref().unwrap_or("—").into(),
                        ),
                        ("status", outcome.http_status.unwrap_or_default().into()),
                    ],
                ));
            }
            ui.add_space(24.0);
            let button = theme::primary_button(ui.ctx(), self.i18n.tr("new-rating"));
            let response = ui.add_enabled(!cooling_down, button);
            let enter = ui.input(|i| i.key_pressed(Key::Enter) && i.modifiers.is_none());
            if response.clicked() || (enter && !cooling_down) {
                self.forget_patient(&ui.ctx().clone());
            }
            if let Some(seconds) = self.kiosk.as_ref().map(|k| k.reset_in(now)) {
                ui.add_space(12.0);
                ui.weak(
                    self.i18n
                        .tr_args("kiosk-reset-in", &[("seconds", seconds.into())]),
                );
            }
        });
    }

    fn setup_ui(&mut self, ui: &mut Ui) {
        ui.heading(self.i18n.tr("setup-title"));
        ui.label(self.i18n.tr("setup-intro"));
        ui.add_space(8.0);
        let demo = self.demo;
        let label = ui.label(RichText::new(self.i18n.tr("setup-server-url")).strong());
        ui.add_enabled(
            !demo,
            egui::TextEdit::singleline(&mut self.setup.server_url)
                .hint_text("https://rpgu.example.ru")
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        if demo {
            ui.weak(self.i18n.tr("setup-demo-url"));
        }
        let label = ui.label(RichText::new(self.i18n.tr("setup-clinic-guid")).strong());
        ui.add(
            egui::TextEdit::singleline(&mut self.setup.clinic_guid)
                .hint_text("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        ui.label(RichText::new(self.i18n.tr("setup-language")).strong());
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.setup.language, Language::Ru, "Русский");
            ui.radio_value(&mut self.setup.language, Language::En, "English");
        });
        if let Some(error) = &self.setup.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        ui.add_space(12.0);
        ui.horizontal(|ui| {
            if ui
                .button(RichText::new(self.i18n.tr("setup-save")).strong())
                .clicked()
            {
                self.save_setup();
            }
            if self.service.base_url().is_some() && ui.button(self.i18n.tr("setup-back")).clicked()
            {
                self.screen = if self.kiosk.is_some() {
                    Screen::Admin
                } else {
                    Screen::Form
                };
            }
        });
        if self.service.base_url().is_some() {
            ui.add_space(16.0);
            ui.separator();
            self.token_settings_ui(ui);
        }
    }

    fn save_setup(&mut self) {
        let url = self.setup.server_url.trim().to_owned();
        if !self.demo {
            if url.is_empty() {
                self.setup.error = Some(self.i18n.tr("setup-url-required"));
                return;
            }
            if let Err(e) = RatingClient::new(&self.config.client_settings(&url)) {
                self.setup.error = Some(e.to_string());
                return;
            }
        }
        let guid = self.setup.clinic_guid.trim().to_owned();
        if !guid.is_empty() && VisitId::parse(&guid).is_err() {
            self.setup.error = Some(self.i18n.tr("setup-clinic-invalid"));
            return;
        }
        let mut config = self.config.clone();
        if !self.demo {
            config.server_url = Some(url.clone());
        }
        config.clinic_guid = (!guid.is_empty()).then_some(guid);
        config.language = self.setup.language;
        if let Err(e) = config.save(&self.config_path) {
            self.setup.error = Some(e.to_string());
            return;
        }
        let base_url = if self.demo {
            self.service.base_url().map(str::to_owned)
        } else {
            Some(url)
        };
        let mut service = Service::new(config.clone(), base_url, self.tokens.clone());
        if let Some(outbox) = self.service.outbox() {
            service = service.with_outbox(outbox.clone());
        }
        self.service = Arc::new(service);
        // The token is asked for again, for the server now in force.
        self.token.forget_status();
        *self
            .sender_service
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::clone(&self.service);
        if let Some(worker) = &self.worker {
            worker.token_replaced();
        }
        self.config = config;
        self.i18n = I18n::new(self.setup.language);
        self.setup.error = None;
        self.screen = if self.kiosk.is_some() {
            Screen::Admin
        } else {
            Screen::Form
        };
        self.once.focus_visit_id = true;
    }
}

/// The stable id of a criterion's star row.
pub fn star_row_id(criterion: Criterion) -> Id {
    Id::unique(("star-row", criterion.field()))
}

/// Send on a named worker thread; wake the UI once the value is in the promise.
fn spawn_submit(
    service: Arc<Service>,
    id: VisitId,
    rating: Rating,
    ctx: egui::Context,
) -> Promise<Result<SubmitReport, NotSent>> {
    let (sender, promise) = Promise::new();
    let spawned = std::thread::Builder::new()
        .name("submit-rating".into())
        .spawn(move || {
            sender.send(service.submit(&id, &rating));
            ctx.request_repaint();
        });
    match spawned {
        Ok(_) => promise,
        Err(e) => Promise::from_ready(Err(NotSent::Internal(e.to_string()))),
    }
}

impl eframe::App for RatingApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        // Runs even while the window is hidden: a kiosk brings itself back.
        self.kiosk_window_guard(ctx);
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn raw_input_hook(&mut self, _ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        self.prepare_input(&mut raw_input.events);
    }
}
