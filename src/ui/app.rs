//! The window's state machine: setup → form → (sending) → thank-you or a result panel;
//! in kiosk mode ready → form → thank-you → ready, with the timers of [`kiosk`].
//!
//! Built as egui's demo app is: each screen is a struct with its own state and a `ui()`
//! that draws it and returns a [`Transition`]; [`RatingApp`] holds only what every
//! screen shares, lends each screen its state ([`Screens`]) while it draws, and
//! [`RatingApp::apply`] carries out every transition in one `match` — the one place the
//! screen changes. Timers, the answer to "Send" and the title bar's buttons end in a
//! transition too.
//!
//! egui only. Sending is asked of [`Service`] on a named worker thread; the result comes
//! back through a `poll_promise::Promise`, and the worker wakes the UI with
//! `request_repaint` after the value is in place, so an idle window paints nothing.
//! Only one submission is ever in flight: [`RatingApp::start_submit`] refuses a second
//! while one is pending, whatever asked for it (a double click, Enter held down).

use crate::msg;
use std::path::PathBuf;
use std::sync::Arc;

use egui::{Align, Key, Layout, Modifiers, Ui};
use poll_promise::Promise;

use crate::api::VisitId;
use crate::config::{Config, Language};
use crate::i18n::I18n;
use crate::rating::{Rating, RatingDraft};
use crate::service::{NotSent, Service, SubmitReport, TokenSource};

use super::clock::Clock;
use super::jobs;
use super::theme::{self, Appearance};
use super::type_ahead::TypeAhead;

mod forget;
mod form;
mod import;
mod kiosk;
mod outbox_view;
mod reload;
mod result;
mod setup;
mod slip_camera;
mod token;

pub use form::star_row_id;
pub use reload::WATCH_EVERY;
use result::Thanks;
pub use slip_camera::{OpenCamera, READ_EVERY, SAME_SLIP_HOLD};

pub use kiosk::{Kiosk, KioskLayout, Occupancy, PatientChoices, Shape, Unconfigured};

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

/// What a screen asks of the state machine once it has drawn itself:
/// [`RatingApp::apply`] carries it out, and is the one place the screen changes.
#[must_use = "a transition does nothing until applied"]
#[derive(Debug, Default)]
pub(super) enum Transition {
    /// Stay where we are.
    #[default]
    None,
    /// Show that screen as it is (a granted PIN opens the menu; a kiosk that lost its
    /// settings says it is not configured).
    To(Screen),
    /// Kiosk: the visit id is in; the form, focused on its first star row.
    StartRating,
    /// The settings, filled in from those in force.
    OpenSettings,
    /// The outbox, read afresh.
    OpenOutbox,
    /// "Import from file…", from the start.
    OpenImport,
    /// Back from the settings or the outbox: the kiosk's menu, or the form as it was.
    Back,
    /// Forget the patient ([`RatingApp::forget_patient`]): a kiosk's ready screen, or
    /// an empty form.
    NextPatient,
    /// Send the form (one submission at a time).
    Submit,
    /// The answer to "Send" arrived.
    Answered(Result<SubmitReport, NotSent>),
    /// Leave kiosk mode for this session (the administrator's menu).
    LeaveKiosk,
    /// Idle after leaving kiosk mode: back to the kiosk.
    ReturnToKiosk,
}

impl Transition {
    /// `self`, or `other` when `self` asks for nothing.
    fn or(self, other: Transition) -> Transition {
        match self {
            Transition::None => other,
            next => next,
        }
    }
}

/// The rating form being filled in.
#[derive(Clone, Debug, Default)]
pub struct FormState {
    /// The visit id as typed or scanned.
    pub visit_id: String,
    /// Scores, notes, "did not visit".
    pub draft: RatingDraft,
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
    once: OneShot,
    clock: Clock,
    appearance: Appearance,
    /// Present while running as a kiosk.
    kiosk: Option<Kiosk>,
    /// The kiosk, kept aside after "leave kiosk mode" until the window idles.
    left_kiosk: Option<Kiosk>,
    token: token::TokenPanel,
    /// The background sender.
    sender: outbox_view::Sender,
    /// Keys typed ahead of the screen, handed to the frames they belong to.
    type_ahead: TypeAhead,
    /// Each screen's own state.
    screens: Screens,
    /// What forgetting typed text needs to know between frames (see [`forget`]).
    privacy: forget::Privacy,
    /// What only a real window does ([`RatingApp::in_real_window`]).
    window: WindowTuning,
    /// The settings files watched and applied while the window runs.
    reload: reload::Reload,
    /// A new version installed: the kiosk closes once nobody uses it.
    restart: kiosk::Restart,
    /// The camera that reads visit slips on the kiosk's ready screen.
    slips: slip_camera::SlipCamera,
}

/// Each screen's own state, beside what all screens share in [`RatingApp`]. While the
/// screen shown draws itself, the screens are taken out of the app and the screen is
/// handed the app, which meanwhile holds empty ones: nothing a screen calls on the app
/// may read a screen's state (the app's own methods that do — the timers, the title
/// bar, [`RatingApp::apply`] — run before or after).
#[derive(Default)]
struct Screens {
    /// The settings.
    setup: setup::SetupScreen,
    /// The kiosk's administrator's menu.
    admin: kiosk::AdminScreen,
    /// The outbox.
    outbox: outbox_view::OutboxView,
    /// "Import from file…".
    import: import::ImportView,
    /// The patient's visit: what the ready screen, the form and the thank-you screen
    /// share.
    visit: form::Visit,
}

/// What a real window (eframe's, from [`crate::ui::run`]) does that a test harness does
/// not: see [`RatingApp::in_real_window`].
#[derive(Clone, Copy, Debug, Default)]
struct WindowTuning {
    /// The window is cleared to the panels' colour ([`eframe::App::clear_color`]), so
    /// the panels do not paint their background again.
    background_is_clear_colour: bool,
    /// Seconds after start (egui's clock) before background work begins.
    background_start: f64,
}

/// How long after start a real window waits before its background work (the HTTP
/// client and keyring warm-up, the background sender's first look at the outbox): the
/// first frame is painted by a software renderer on most kiosks, on every core, and
/// threads started beside it delay it on the screen.
pub const BACKGROUND_START: f64 = 0.5;

/// How long a rating may take to send before a spinner shows that it is under way. A
/// send usually ends well within it: a spinner that flashes for a few milliseconds says
/// nothing, and drawing it makes the window repaint continuously — on a kiosk's
/// software renderer, frames that the thank-you screen then waits behind.
pub const SPINNER_DELAY: f64 = 0.3;

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
    /// Put the keyboard focus on the thank-you title, so a screen reader reads it.
    focus_thanks: bool,
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
            match crate::service::open_outbox_in(dir) {
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
            window: WindowTuning::default(),
            once: OneShot {
                style: true,
                focus_visit_id: true,
                scroll_to_result: false,
                focus_first_row: false,
                focus_thanks: false,
            },
            clock: setup.clock,
            appearance,
            kiosk,
            left_kiosk: None,
            token: token::TokenPanel::default(),
            sender: outbox_view::Sender::new(&service_for_sender),
            type_ahead: TypeAhead::default(),
            screens: Screens::default(),
            privacy: forget::Privacy::default(),
            reload: reload::Reload::default(),
            restart: kiosk::Restart::default(),
            slips: slip_camera::SlipCamera::default(),
        };
        app.token.refresh = true;
        app.screens.setup = setup::SetupScreen::new(&app);
        app
    }

    /// Tune the app for a real window (as [`crate::ui::run`] does; a test harness does
    /// not, and sees the app as before):
    ///
    /// - the background is the window's clear colour, never painted again by the
    ///   panels. On a software renderer (llvmpipe/lavapipe, most kiosks) a full-window
    ///   fill is most of a frame's cost: without it the first frame reaches the screen
    ///   about 70 ms sooner on the build machine, and every frame costs less. (egui's
    ///   test harness clears to transparent, so there the panels keep their fill.)
    /// - background work starts [`BACKGROUND_START`] after start, not beside the first
    ///   frame.
    #[must_use]
    pub fn in_real_window(mut self) -> RatingApp {
        self.window = WindowTuning {
            background_is_clear_colour: true,
            background_start: BACKGROUND_START,
        };
        self
    }

    /// `frame` for a panel: without its fill when the clear colour is the background.
    fn panel_frame(&self, frame: egui::Frame) -> egui::Frame {
        if self.window.background_is_clear_colour {
            frame.fill(egui::Color32::TRANSPARENT)
        } else {
            frame
        }
    }

    /// The settings file the window saves to.
    pub fn config_path(&self) -> &std::path::Path {
        &self.config_path
    }

    /// The screen shown now.
    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// The form being filled in (kept while the settings are open).
    pub fn form(&self) -> &FormState {
        &self.screens.visit.form
    }

    /// The file read and checked on the import screen, with its preview, once it is in
    /// (for tests).
    pub fn import_preview(&self) -> Option<&import::Loaded> {
        self.screens.import.preview()
    }

    /// The message the import screen shows instead of a preview (a file that could not
    /// be read, is past the limits or of an unsure encoding), for tests.
    pub fn import_error(&self) -> Option<&str> {
        self.screens.import.error()
    }

    /// The import screen is reading, sending or saving something.
    pub fn import_busy(&self) -> bool {
        self.screens.import.busy()
    }

    /// The last submission's result, if any is shown.
    pub fn last_result(&self) -> Option<&LastResult> {
        self.screens.visit.last.as_ref()
    }

    /// A submission is in flight.
    pub fn is_sending(&self) -> bool {
        self.screens.visit.pending.is_some()
    }

    /// Hand this frame the input events it may see, holding keys typed ahead of the
    /// screen for the frames they belong to (see [`super::type_ahead`]). The window calls
    /// it before every frame; UI tests call it the same way.
    pub fn prepare_input(&mut self, events: &mut Vec<egui::Event>) {
        let _frame = crate::blocking::in_frame();
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
        self.screens.visit.pending.is_none() && !focus_pending
    }

    /// Open the outbox view (its list is read in a job).
    pub fn open_outbox(&mut self, ctx: &egui::Context) {
        self.apply(Transition::OpenOutbox, ctx);
    }

    /// Start sending the form, unless something is missing or a submission is already
    /// in flight (then nothing happens: one at a time, by design).
    pub fn start_submit(&mut self, ctx: &egui::Context) {
        if self.screens.visit.pending.is_some() || self.screen != Screen::Form {
            return;
        }
        let (Ok(id), Ok(rating)) = (
            self.screens.visit.visit_id(self),
            self.screens.visit.form.draft.to_rating(),
        ) else {
            return;
        };
        self.screens.visit.last = None;
        self.screens.visit.submit_pressed = Some(std::time::Instant::now());
        self.screens.visit.sending_since = ctx.input(|i| i.time);
        self.screens.visit.pending = Some(submit_job(Arc::clone(&self.service), id, rating, ctx));
    }

    /// The answer to "Send", once it is in.
    fn poll_pending(&mut self) -> Transition {
        let Some(promise) = self.screens.visit.pending.take() else {
            return Transition::None;
        };
        match promise.try_take() {
            Ok(result) => Transition::Answered(result),
            Err(promise) => {
                self.screens.visit.pending = Some(promise);
                Transition::None
            }
        }
    }

    /// Take in the answer to "Send": whether to thank for it ([`Thanks::for_answer`]);
    /// otherwise the result panel under the form shows it.
    fn answered(&mut self, result: Result<SubmitReport, NotSent>) -> bool {
        let thanks = Thanks::for_answer(&result, self.kiosk.is_some());
        self.once.scroll_to_result = true;
        self.screens.visit.last = Some(match result {
            Ok(report) => LastResult::Sent(report),
            Err(not_sent) => LastResult::NotSent(not_sent),
        });
        if let Some(worker) = &self.sender.worker {
            worker.refresh();
        }
        // Keys typed while the rating was being sent go on to the next form at a desk
        // (Enter, the next visit id…). An answer the typist must read first keeps the
        // form: they were not meant for it. A kiosk never carries keys over from one
        // patient to the next.
        if thanks.is_none() || self.kiosk.is_some() {
            self.type_ahead.clear();
        }
        if let Some(thanks) = thanks {
            self.screens.visit.saved_for_later = thanks == Thanks::Saved;
            let now = self.clock.now();
            if let Some(kiosk) = &mut self.kiosk {
                kiosk.thanked(now, thanks == Thanks::Saved);
            }
        }
        thanks.is_some()
    }

    /// Carry out what a screen (or a timer, or the answer to "Send") asked for: the one
    /// place the screen changes.
    pub(super) fn apply(&mut self, next: Transition, ctx: &egui::Context) {
        let back = if self.kiosk.is_some() {
            Screen::Admin
        } else {
            Screen::Form
        };
        match next {
            Transition::None => {}
            Transition::To(screen) => self.screen = screen,
            Transition::StartRating => {
                self.screen = Screen::Form;
                self.once.focus_first_row = true;
            }
            Transition::OpenSettings => {
                // The token's status is asked for again.
                self.token.refresh = true;
                self.screens.setup = setup::SetupScreen::new(self);
                self.screen = Screen::Setup;
            }
            Transition::OpenOutbox => {
                self.screens.outbox = outbox_view::OutboxView::default();
                self.screens.outbox.reload(&self.service, ctx);
                self.screen = Screen::Outbox;
            }
            Transition::OpenImport => {
                self.screens.import = import::ImportView::default();
                self.screen = Screen::Import;
            }
            Transition::Back => self.screen = back,
            Transition::NextPatient => {
                self.screen = if self.kiosk.is_some() {
                    Screen::Ready
                } else {
                    Screen::Form
                };
                self.forget_patient(ctx);
            }
            Transition::Submit => self.start_submit(ctx),
            Transition::Answered(result) => {
                if self.answered(result) {
                    self.screen = Screen::ThankYou;
                    self.once.focus_thanks = true;
                }
            }
            Transition::LeaveKiosk => {
                self.leave_kiosk(ctx);
                self.apply(Transition::NextPatient, ctx);
            }
            Transition::ReturnToKiosk => {
                self.return_to_kiosk(ctx);
                self.apply(Transition::NextPatient, ctx);
            }
        }
    }

    /// Style `ctx` for this window: the theme ([`theme::apply`]), and in kiosk mode no
    /// keyboard zoom and no selectable labels. The window's creator calls it before the
    /// first frame, so that frame is drawn in the app's theme and not in egui's default
    /// (which follows the desktop's dark or light setting: dark under cage).
    pub fn apply_style(&mut self, ctx: &egui::Context) {
        self.once.style = false;
        theme::apply(ctx, self.appearance);
        // Patients must not zoom the kiosk away with Ctrl+/-, nor select (and so copy)
        // what the screen shows.
        let desk = self.kiosk.is_none();
        ctx.options_mut(|o| o.zoom_with_keyboard = desk);
        ctx.all_styles_mut(|style| style.interaction.selectable_labels = desk);
    }

    /// The title bar: the hidden administrator corner, the title, and on the right the
    /// patient's own buttons (kiosk) or the settings and import buttons (desk).
    fn title_bar(&mut self, ui: &mut Ui) -> Transition {
        let mut next = Transition::None;
        egui::Panel::top("title-bar")
            .frame(self.panel_frame(
                egui::Frame::side_top_panel(ui.style()).inner_margin(if self.kiosk.is_some() {
                    4.0
                } else {
                    12.0
                }),
            ))
            .show(ui, |ui| {
                if self.kiosk.is_some() {
                    self.kiosk_title_bar(ui);
                    return;
                }
                ui.horizontal(|ui| {
                    self.admin_corner(ui);
                    ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                        self.patient_tools(ui);
                        self.staff_indicator(ui);
                        if self.kiosk.is_none()
                            && self.screen != Screen::Setup
                            && ui
                                .add_enabled(
                                    self.screens.visit.pending.is_none(),
                                    egui::Button::new(self.i18n.tr(msg!("settings-open"))),
                                )
                                .clicked()
                        {
                            next = Transition::OpenSettings;
                        }
                        if self.import_offered()
                            && ui
                                .add_enabled(
                                    self.screens.visit.pending.is_none(),
                                    egui::Button::new(self.i18n.tr(msg!("import-open-screen"))),
                                )
                                .clicked()
                        {
                            next = Transition::OpenImport;
                        }
                        // The title takes what the buttons leave (a narrow portrait
                        // stand cuts it short rather than draw buttons over it).
                        ui.with_layout(Layout::left_to_right(Align::Center), |ui| {
                            let title = egui::RichText::new(self.i18n.tr(msg!("app-title")))
                                .text_style(egui::TextStyle::Heading);
                            ui.add(egui::Label::new(title).truncate());
                        });
                    });
                });
            });
        next
    }

    /// The desk's form offers "Import from file…" (the kiosk's is in its menu).
    fn import_offered(&self) -> bool {
        self.kiosk.is_none() && self.screen == Screen::Form && self.service.outbox().is_some()
    }

    /// Files dropped on the window go to the import screen: there, or from the desk's
    /// form (which opens it, as its button does; not while a rating is being sent).
    /// Elsewhere — a patient's screens, the settings — a drop does nothing.
    fn files_dropped(&mut self, ctx: &egui::Context) {
        let files = ctx.input(|i| i.raw.dropped_files.clone());
        if files.is_empty() {
            return;
        }
        if self.import_offered() && self.screens.visit.pending.is_none() {
            self.apply(Transition::OpenImport, ctx);
        }
        if self.screen == Screen::Import {
            self.screens.import.dropped(files);
        }
    }

    /// Draw the whole window into `ui` (the root `Ui`).
    pub fn show(&mut self, ui: &mut Ui) {
        let _frame = crate::blocking::in_frame();
        self.type_ahead.drawn();
        self.kiosk_scale(ui.ctx());
        if self.once.style {
            self.apply_style(ui.ctx());
            // This pass's root `Ui` keeps the style it began with: run the pass again
            // with the new one (eframe allows a second pass) rather than show a frame
            // half in the old style.
            ui.ctx().request_discard("the window's style changed");
        }
        self.privacy_input(ui);
        let ctx = ui.ctx().clone();
        self.start_worker(&ctx);
        self.poll_settings(&ctx);
        let next = self.poll_pending();
        self.apply(next, &ctx);
        let next = self.kiosk_timers(ui);
        self.apply(next, &ctx);
        let next = self.kiosk_configured(&ctx);
        self.apply(next, &ctx);
        self.slip_camera(&ctx);
        let next = self.left_kiosk_timer(ui);
        self.apply(next, &ctx);
        self.files_dropped(&ctx);
        // Ctrl+Enter sends from anywhere, even from inside the notes box.
        if ui.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::Enter)) {
            self.apply(Transition::Submit, &ctx);
        }

        if self.demo {
            theme::banner(
                ui,
                "demo-banner",
                theme::DEMO_BANNER,
                egui::Color32::BLACK,
                self.i18n.tr(msg!("demo-banner")),
            );
        }
        self.clear_text_banner(ui);
        let next = self.title_bar(ui);
        self.apply(next, &ctx);
        let next = self.outbox_status_bar(ui);
        self.apply(next, &ctx);
        let mut next = Transition::None;
        egui::CentralPanel::default()
            .frame(self.panel_frame(egui::Frame::central_panel(ui.style())))
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    // A centred column of readable width.
                    // Leave room for the (floating) scroll bar on the right.
                    let available = ui.available_width() - 24.0;
                    let column = self
                        .kiosk
                        .as_ref()
                        .and_then(Kiosk::layout)
                        .map_or(theme::CONTENT_WIDTH, |layout| layout.column_width);
                    let width = column.min(available);
                    let margin = ((available - width) / 2.0).max(0.0);
                    ui.horizontal(|ui| {
                        ui.add_space(margin);
                        ui.vertical(|ui| {
                            ui.set_width(width);
                            // The screens are lent to the one shown, which is given the
                            // app beside them.
                            let mut screens = std::mem::take(&mut self.screens);
                            next = match self.screen {
                                Screen::Setup => screens.setup.ui(self, ui),
                                Screen::Ready => screens.visit.ready_ui(self, ui),
                                Screen::Form => screens.visit.form_ui(self, ui),
                                Screen::ThankYou => screens.visit.thank_you_ui(self, ui),
                                Screen::Admin => screens.admin.ui(self, ui),
                                Screen::NotConfigured => self.not_configured_ui(ui),
                                Screen::Outbox => screens.outbox.ui(self, ui),
                                Screen::Import => screens.import.ui(self, ui),
                            };
                            self.screens = screens;
                        });
                    });
                });
            });
        self.apply(next, &ctx);
        let next = self.kiosk_overlays(&ctx);
        self.apply(next, &ctx);
        self.privacy_output(&ctx);
        self.restart_when_free(&ctx);
        if self.type_ahead.has_held() {
            ui.ctx().request_repaint();
        }
        self.log_answer_shown();
    }

    /// At the end of the frame that shows the answer to "Send" (thank-you or a result):
    /// the time since it was pressed (`visit_rating::timing`).
    fn log_answer_shown(&mut self) {
        if self.screens.visit.pending.is_none()
            && let Some(pressed) = self.screens.visit.submit_pressed.take()
        {
            tracing::info!(
                target: "visit_rating::timing",
                pressed_to_answer_shown_ms = pressed.elapsed().as_secs_f64() * 1000.0,
                thank_you = matches!(self.screen, Screen::ThankYou),
                "the answer to \"Send\" is on screen"
            );
        }
    }
}

impl RatingApp {
    /// A red strip while ratings and the token cross the network unencrypted
    /// (`allow_insecure_http` with a remote `http://` server).
    pub(super) fn clear_text_banner(&self, ui: &mut Ui) {
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
                self.i18n.tr(msg!("clear-text-banner")),
            );
        }
    }

    /// Once a field holds `max` characters (`chars`), say under it that nothing more is
    /// taken: its `char_limit` stops typing, a scanner and a paste there.
    pub(super) fn limit_reached_ui(&self, ui: &mut Ui, chars: usize, max: usize) {
        if chars >= max {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                self.i18n
                    .tr_args(msg!("input-limit-reached"), &[("max", max.into())]),
            );
        }
    }

    /// The kiosk's sizes for this screen (`None` at a desk: the fixed desk layout).
    pub(super) fn kiosk_layout(&self) -> Option<KioskLayout> {
        self.kiosk.as_ref().and_then(Kiosk::layout)
    }

    /// A kiosk on a short screen (800×480 and the like), where the form packs tighter.
    pub(super) fn compact_kiosk(&self) -> bool {
        self.kiosk_layout()
            .is_some_and(|layout| layout.shape == Shape::Compact)
    }
}

/// Send in a job; the UI wakes once the report is in the promise.
fn submit_job(
    service: Arc<Service>,
    id: VisitId,
    rating: Rating,
    ctx: &egui::Context,
) -> Promise<Result<SubmitReport, NotSent>> {
    jobs::spawn(
        "submit-rating",
        ctx,
        move || service.submit(&id, &rating),
        |e| Err(NotSent::NoThread(Arc::new(e))),
    )
}

impl eframe::App for RatingApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        // Runs even while the window is hidden: a kiosk brings itself back.
        self.kiosk_window_guard(ctx);
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    /// The theme's background, so nothing of eframe's default (a translucent
    /// near-black) shows between panels or at the window's edge while it is resized.
    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        visuals.panel_fill.to_normalized_gamma_f32()
    }

    fn raw_input_hook(&mut self, _ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        self.prepare_input(&mut raw_input.events);
    }
}
