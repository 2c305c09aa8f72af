//! Kiosk mode: an unattended terminal that patients cannot break and that forgets them.
//!
//! - the patient's cycle: ready → form → thank-you, which returns to ready by itself after
//!   `thank_you_secs`; a short cooldown after a rating stops a double tap from starting
//!   the next one;
//! - idle: after `idle_secs - idle_warning_secs` without a touch or key a warning counts
//!   down; at `idle_secs` the form is cleared, so the next patient never sees the previous
//!   one's answers (administrator screens lock the same way);
//! - failures: the patient sees only what is theirs to act on (5030, an invalid visit id);
//!   a rating the outbox keeps ends as "thank you, saved" and a discreet indicator tells
//!   staff the terminal needs attention;
//! - the close request is cancelled (Alt+F4 does nothing) and keyboard zoom is off;
//! - administrator access: a 3-second press on the top-left corner or Ctrl+Alt+A opens a
//!   PIN prompt ([`crate::kiosk::PinGate`] rate-limits wrong PINs); behind it are the
//!   settings, leaving kiosk mode, and closing the program.
//!
//! All timers read [`super::Clock`], so tests move time instead of waiting.

use std::path::{Path, PathBuf};
use std::time::Duration;

use egui::{Align, Event, Id, Key, Modifiers, RichText, Sense, Ui, ViewportCommand};
use poll_promise::Promise;

use super::{LastResult, RatingApp, Screen, SubmitReport, VISIT_ID_FIELD, theme};
use crate::api::OutcomeKind;
use crate::config::{Config, KioskOptions};
use crate::kiosk::{PinCheck, PinGate};
use crate::ui::keyboard::KeyboardState;

/// How long the corner must be held to open the PIN prompt.
pub const CORNER_HOLD: Duration = Duration::from_secs(3);
/// The corner's side, in points.
const CORNER: f32 = 56.0;
/// How often a kiosk without a PIN looks for one in the settings file.
const PIN_RELOAD_EVERY: Duration = Duration::from_secs(5);

/// Why a kiosk shows "terminal not configured".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unconfigured {
    /// No administrator PIN: the screen says how to set one and offers no way in.
    NoPin,
    /// No server URL.
    NoUrl,
    /// No token for the server: none in the keyring, none from the environment.
    NoToken,
}

/// The PIN prompt.
#[derive(Clone, Debug)]
struct PinPrompt {
    pin: String,
    message: Option<String>,
    /// Put the focus in the PIN field (on opening and after each attempt).
    focus: bool,
}

impl Default for PinPrompt {
    fn default() -> PinPrompt {
        PinPrompt {
            pin: String::new(),
            message: None,
            focus: true,
        }
    }
}

/// A kiosk's state beside the form.
#[derive(Debug)]
pub struct Kiosk {
    pub(super) options: KioskOptions,
    pin_hash: Option<String>,
    gate: PinGate,
    /// Where the gate is kept between runs (`None`: not kept, some tests).
    gate_file: Option<PathBuf>,
    /// The PIN that opened the administrator's menu is shorter than a new one may be.
    short_pin: bool,
    /// The settings file (with the PIN's hash) can be read by group or others.
    settings_exposed: bool,
    /// Reading the settings file again for a PIN set while the kiosk waits for one.
    pin_reload: Option<PinReload>,
    next_pin_reload: Duration,
    last_activity: Duration,
    thanked_at: Option<Duration>,
    cooldown_until: Duration,
    prompt: Option<PinPrompt>,
    corner_down_since: Option<Duration>,
    needs_attention: bool,
    pub keyboard: KeyboardState,
    window: WindowControl,
}

/// The settings file being read again for a PIN (its hash, if one is set now).
struct PinReload(Promise<Option<String>>);

impl std::fmt::Debug for PinReload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinReload")
    }
}

/// What the kiosk has done to its window.
#[derive(Clone, Copy, Debug, Default)]
struct WindowControl {
    /// The administrator chose "close": let the close request through.
    close_allowed: bool,
    /// The window was sized to the monitor (or found full screen already).
    covered_monitor: bool,
}

impl Kiosk {
    /// A kiosk configured by `config`, starting at `now` (wall-clock time `wall`),
    /// keeping its wrong-PIN count in `data_dir`.
    pub fn new(
        config: &Config,
        config_path: &Path,
        now: Duration,
        wall: Duration,
        data_dir: Option<&Path>,
    ) -> Kiosk {
        let settings_exposed = crate::config::readable_by_others(config_path);
        if settings_exposed {
            tracing::warn!(file = %config_path.display(), "the settings file (with the administrator PIN's hash) can be read by other users: chmod 600 it");
        }
        let gate_file = data_dir.map(crate::kiosk::attempts_file);
        let gate = match &gate_file {
            Some(path) => {
                let (gate, error) = PinGate::load(path, wall);
                if let Some(error) = error {
                    tracing::error!(file = %path.display(), %error, "the wrong-PIN record cannot be read; the PIN prompt starts locked");
                }
                gate
            }
            None => PinGate::default(),
        };
        Kiosk {
            options: config.kiosk_options.clone(),
            pin_hash: config.admin_pin_hash.clone(),
            gate,
            gate_file,
            short_pin: false,
            settings_exposed,
            pin_reload: None,
            next_pin_reload: now,
            last_activity: now,
            thanked_at: None,
            cooldown_until: Duration::ZERO,
            prompt: None,
            corner_down_since: None,
            needs_attention: false,
            keyboard: KeyboardState::default(),
            window: WindowControl::default(),
        }
    }

    /// A rating just ended well (accepted, or kept for later when `saved`).
    pub(super) fn thanked(&mut self, now: Duration, saved: bool) {
        self.thanked_at = Some(now);
        self.cooldown_until = now + Duration::from_secs(self.options.cooldown_secs);
        if saved {
            self.needs_attention = true;
        }
    }

    /// Taps cannot start the next rating yet.
    pub(super) fn cooling_down(&self, now: Duration) -> bool {
        now < self.cooldown_until
    }

    /// Whole seconds until the thank-you screen resets itself.
    pub(super) fn reset_in(&self, now: Duration) -> u64 {
        let end = self.thanked_at.unwrap_or(now) + Duration::from_secs(self.options.thank_you_secs);
        ceil_secs(end.saturating_sub(now))
    }

    fn idle_limit(&self) -> Duration {
        Duration::from_secs(self.options.idle_secs)
    }

    fn warning_from(&self) -> Duration {
        Duration::from_secs(self.options.idle_secs - self.options.idle_warning_secs)
    }

    /// An administrator PIN is set (without one there is no way to the administrator's
    /// menu at all).
    pub fn has_pin(&self) -> bool {
        self.pin_hash.is_some()
    }

    /// Open the PIN prompt (Ctrl+Alt+A, the corner), unless no PIN is set.
    fn open_prompt(&mut self) {
        if self.has_pin() && self.prompt.is_none() {
            self.prompt = Some(PinPrompt::default());
        }
    }

    /// The PIN prompt is open.
    pub fn prompt_open(&self) -> bool {
        self.prompt.is_some()
    }

    /// The PIN field is about to take the focus: keys typed ahead must wait for it.
    pub fn focus_pending(&self) -> bool {
        self.prompt.as_ref().is_some_and(|p| p.focus)
    }

    /// Without a PIN, read the settings file again every few seconds (on a worker
    /// thread): `visit-rating admin-pin set` run beside the kiosk opens the way in
    /// without a restart.
    fn reload_pin(&mut self, config_path: &Path, now: Duration, ctx: &egui::Context) {
        if self.has_pin() {
            return;
        }
        if let Some(PinReload(promise)) = self.pin_reload.take() {
            match promise.try_take() {
                Ok(hash) => {
                    self.pin_hash = hash;
                    self.next_pin_reload = now + PIN_RELOAD_EVERY;
                }
                Err(promise) => self.pin_reload = Some(PinReload(promise)),
            }
            return;
        }
        if now < self.next_pin_reload {
            ctx.request_repaint_after(self.next_pin_reload.saturating_sub(now));
            return;
        }
        let path = config_path.to_owned();
        let ctx = ctx.clone();
        let (sender, promise) = Promise::new();
        let spawned = std::thread::Builder::new()
            .name("pin-reload".into())
            .spawn(move || {
                let hash = crate::config::Config::read(&path)
                    .ok()
                    .and_then(|config| config.admin_pin_hash);
                sender.send(hash);
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => self.pin_reload = Some(PinReload(promise)),
            Err(_) => self.next_pin_reload = now + PIN_RELOAD_EVERY,
        }
    }

    /// Empty the PIN prompt's field (see [`RatingApp::forget_typed_text`]).
    pub(super) fn clear_pin_text(&mut self) {
        if let Some(prompt) = &mut self.prompt {
            prompt.pin.clear();
        }
    }

    /// Staff should look at the terminal (a rating is waiting or failed).
    pub fn needs_attention(&self) -> bool {
        self.needs_attention
    }
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl RatingApp {
    /// The kiosk when running as one.
    pub fn kiosk(&self) -> Option<&Kiosk> {
        self.kiosk.as_ref()
    }

    /// Whether the idle warning is showing.
    pub fn idle_warning_shown(&self) -> bool {
        self.idle_seconds_left().is_some()
    }

    /// Seconds left before an idle form is cleared, while the warning shows.
    fn idle_seconds_left(&self) -> Option<u64> {
        let kiosk = self.kiosk.as_ref()?;
        if !self.idle_applies() {
            return None;
        }
        let idle = self.clock.now().saturating_sub(kiosk.last_activity);
        (idle >= kiosk.warning_from()).then(|| ceil_secs(kiosk.idle_limit().saturating_sub(idle)))
    }

    /// Something a patient (or an administrator) left on screen that idling must clear.
    fn idle_applies(&self) -> bool {
        self.pending.is_none()
            && match self.screen {
                Screen::Form | Screen::Admin | Screen::Setup | Screen::Outbox => true,
                Screen::Ready => !self.form.visit_id.is_empty(),
                Screen::ThankYou | Screen::NotConfigured => false,
                // Never abandon an import that is reading or sending.
                Screen::Import => !self.import_busy(),
            }
    }

    /// Timers, the close request and the administrator shortcut; run every frame before
    /// drawing.
    pub(super) fn kiosk_logic(&mut self, ui: &Ui) {
        let now = self.clock.now();
        let wall = self.clock.wall();
        let idle_applies = self.idle_applies();
        let screen = self.screen;
        let Some(kiosk) = &mut self.kiosk else {
            return;
        };
        let ctx = ui.ctx();
        if had_activity(ui) {
            kiosk.last_activity = now;
        }
        if ui.input(|i| i.viewport().close_requested()) && !kiosk.window.close_allowed {
            ctx.send_viewport_cmd(ViewportCommand::CancelClose);
        }
        // Full screen is a request to the window manager; a bare X server (or a window
        // manager that ignores it) leaves the window small. Then cover the monitor
        // ourselves, once its size is known.
        if !kiosk.window.covered_monitor {
            let (fullscreen, monitor, inner) = ui.input(|i| {
                let v = i.viewport();
                (v.fullscreen, v.monitor_size, v.inner_rect)
            });
            if let (Some(monitor), Some(inner)) = (monitor, inner) {
                kiosk.window.covered_monitor = true;
                if fullscreen != Some(true) || (inner.size() - monitor).length() > 1.0 {
                    ctx.send_viewport_cmd(ViewportCommand::OuterPosition(egui::Pos2::ZERO));
                    ctx.send_viewport_cmd(ViewportCommand::InnerSize(monitor));
                }
            }
        }
        kiosk.reload_pin(&self.config_path, now, ctx);
        if ui.input_mut(|i| i.consume_key(Modifiers::CTRL | Modifiers::ALT, Key::A)) {
            kiosk.open_prompt();
        }

        let mut deadlines = Vec::new();
        let mut reset = false;
        if screen == Screen::ThankYou
            && let Some(thanked) = kiosk.thanked_at
        {
            let end = thanked + Duration::from_secs(kiosk.options.thank_you_secs);
            if now >= end {
                reset = true;
            } else {
                deadlines.push(next_second(now, end));
            }
        }
        if idle_applies {
            let idle = now.saturating_sub(kiosk.last_activity);
            if idle >= kiosk.idle_limit() {
                reset = true;
                kiosk.prompt = None;
            } else if idle >= kiosk.warning_from() {
                deadlines.push(next_second(now, kiosk.last_activity + kiosk.idle_limit()));
            } else {
                deadlines.push(kiosk.last_activity + kiosk.warning_from());
            }
        }
        if kiosk.cooling_down(now) {
            deadlines.push(kiosk.cooldown_until);
        }
        if let Some(remaining) = kiosk.gate.remaining_lock(wall)
            && kiosk.prompt.is_some()
        {
            deadlines.push(next_second(now, now + remaining));
        }
        if kiosk.corner_down_since.is_some() {
            deadlines.push(now + Duration::from_millis(100));
        }
        if let Some(next) = deadlines.into_iter().min() {
            ctx.request_repaint_after(next.saturating_sub(now));
        }
        if reset {
            self.forget_patient(&ui.ctx().clone());
        }
        // Patients' screens give way to "not configured" (and come back once it is).
        let unconfigured = self.unconfigured(ui.ctx());
        match (self.screen, unconfigured) {
            (Screen::Ready, Some(_)) => self.screen = Screen::NotConfigured,
            (Screen::NotConfigured, None) => self.forget_patient(&ui.ctx().clone()),
            _ => {}
        }
    }

    /// Why this kiosk cannot take ratings, if it cannot: no PIN (first: then nobody can
    /// fix the rest from the terminal), no server URL, or no token at all. A locked or
    /// unreachable keyring is not "not configured": ratings are taken and queued.
    pub fn unconfigured(&mut self, ctx: &egui::Context) -> Option<Unconfigured> {
        let kiosk = self.kiosk.as_ref()?;
        if !kiosk.has_pin() {
            return Some(Unconfigured::NoPin);
        }
        if self.service.base_url().is_none() {
            return Some(Unconfigured::NoUrl);
        }
        self.token_known_missing(ctx)
            .then_some(Unconfigured::NoToken)
    }

    /// "Terminal not configured — please call staff", calm, with one line for staff.
    pub(super) fn not_configured_ui(&mut self, ui: &mut Ui) {
        let reason = self.unconfigured(&ui.ctx().clone());
        ui.add_space(48.0);
        ui.vertical_centered(|ui| {
            ui.label(
                RichText::new(self.i18n.tr("kiosk-unconfigured-title"))
                    .size(34.0)
                    .strong(),
            );
            ui.add_space(8.0);
            ui.label(RichText::new(self.i18n.tr("kiosk-unconfigured-body")).size(21.0));
            ui.add_space(32.0);
            let staff = match reason {
                Some(Unconfigured::NoPin) | None => "kiosk-unconfigured-no-pin",
                Some(Unconfigured::NoUrl) => "kiosk-unconfigured-no-url",
                Some(Unconfigured::NoToken) => "kiosk-unconfigured-no-token",
            };
            ui.weak(self.i18n.tr(staff));
        });
    }

    /// A kiosk's window that something minimised (the window manager's "show desktop"
    /// or minimise keys) is restored and focused at once; checked again every half
    /// second while it stays hidden. Called from `App::logic`, which eframe runs even
    /// for a hidden window.
    pub fn kiosk_window_guard(&self, ctx: &egui::Context) {
        if self.kiosk.is_none() {
            return;
        }
        if ctx.input(|i| i.viewport().minimized == Some(true)) {
            tracing::warn!("the kiosk window was minimised: restoring it");
            ctx.send_viewport_cmd(ViewportCommand::Minimized(false));
            ctx.send_viewport_cmd(ViewportCommand::Focus);
            ctx.request_repaint_after(Duration::from_millis(500));
        }
    }

    /// The top-left corner: held for [`CORNER_HOLD`], it opens the PIN prompt.
    pub(super) fn admin_corner(&mut self, ui: &mut Ui) {
        let now = self.clock.now();
        let label = self.i18n.tr("kiosk-admin-corner");
        let Some(kiosk) = &mut self.kiosk else {
            return;
        };
        let (rect, _) = ui.allocate_exact_size(egui::vec2(CORNER, CORNER), Sense::hover());
        let response = ui.interact(rect, Id::unique("admin-corner"), Sense::click_and_drag());
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
        if response.is_pointer_button_down_on() {
            let since = *kiosk.corner_down_since.get_or_insert(now);
            if now.saturating_sub(since) >= CORNER_HOLD && kiosk.prompt.is_none() {
                kiosk.open_prompt();
                kiosk.corner_down_since = None;
            }
        } else {
            kiosk.corner_down_since = None;
        }
    }

    /// A small, discreet line for staff: the terminal needs attention (a rating failed,
    /// ratings wait to be sent, sending is paused, or the token expires within
    /// `token_warning_days`).
    pub(super) fn staff_indicator(&self, ui: &mut Ui) {
        let outbox_needs_staff = self.outbox_status().is_some_and(|s| {
            s.waiting + s.needs_attention > 0 || s.paused.is_some() || s.problem.is_some()
        }) || self.token_warning().is_some();
        if self
            .kiosk
            .as_ref()
            .is_some_and(|k| k.needs_attention() || outbox_needs_staff)
        {
            ui.label(
                RichText::new(self.i18n.tr("kiosk-needs-attention"))
                    .small()
                    .color(ui.visuals().warn_fg_color),
            );
        }
    }

    /// The welcome screen: scan or type the visit id, then start.
    pub(super) fn ready_ui(&mut self, ui: &mut Ui) {
        let now = self.clock.now();
        let cooling_down = self.kiosk.as_ref().is_some_and(|k| k.cooling_down(now));
        ui.add_space(32.0);
        ui.vertical_centered(|ui| {
            ui.label(
                RichText::new(self.i18n.tr("kiosk-ready-title"))
                    .size(34.0)
                    .strong(),
            );
            ui.add_space(8.0);
            ui.label(RichText::new(self.i18n.tr("kiosk-ready-body")).size(21.0));
            ui.add_space(24.0);
        });
        let label = ui.label(RichText::new(self.i18n.tr("visit-id-label")).strong());
        let response = ui
            .add(
                egui::TextEdit::singleline(&mut self.form.visit_id)
                    .id(Id::unique(VISIT_ID_FIELD))
                    .hint_text(self.i18n.tr("visit-id-hint"))
                    .desired_width(f32::INFINITY)
                    .font(egui::TextStyle::Heading),
            )
            .labelled_by(label.id);
        if std::mem::take(&mut self.once.focus_visit_id) {
            response.request_focus();
        }
        let valid = self.visit_id();
        if !self.form.visit_id.trim().is_empty()
            && let Err(e) = &valid
        {
            ui.colored_label(ui.visuals().error_fg_color, self.i18n.visit_id_error(e));
        }
        ui.add_space(16.0);
        let scanned = response.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        let can_start = valid.is_ok() && !cooling_down;
        let start = ui.vertical_centered(|ui| {
            ui.add_enabled(
                can_start,
                theme::primary_button(ui.ctx(), self.i18n.tr("kiosk-start")),
            )
            .clicked()
        });
        if can_start && (start.inner || scanned) {
            self.screen = Screen::Form;
            self.once.focus_first_row = true;
        } else if scanned {
            // Keep the focus in the field so the next scan lands there.
            response.request_focus();
        }
    }

    /// The scanned visit id on the form (read-only), and a way to start over at once.
    pub(super) fn kiosk_visit_line(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(
                    self.i18n
                        .tr_args("kiosk-visit", &[("id", self.form.visit_id.trim().into())]),
                )
                .size(18.0),
            );
            ui.with_layout(egui::Layout::right_to_left(Align::Center), |ui| {
                if ui.button(self.i18n.tr("kiosk-start-over")).clicked() {
                    self.forget_patient(&ui.ctx().clone());
                }
            });
        });
    }

    /// What a patient sees of an answer: only what is theirs to act on.
    pub(super) fn kiosk_result_ui(&mut self, ui: &mut Ui, last: &LastResult) {
        let already = matches!(
            last,
            LastResult::Sent(SubmitReport { outcome, .. })
                if outcome.kind == OutcomeKind::AlreadyRecorded
        );
        if !already && let Some(kiosk) = &mut self.kiosk {
            // Not accepted and not kept: staff must look (the patient is told to ask).
            kiosk.needs_attention = true;
        }
        let (headline, body) = if already {
            ("kiosk-already-rated", "advice-already-recorded")
        } else {
            ("kiosk-not-sent", "kiosk-not-sent-body")
        };
        let panel = egui::Frame::group(ui.style())
            .stroke(egui::Stroke::new(2.0, ui.visuals().warn_fg_color))
            .inner_margin(16.0)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(RichText::new(self.i18n.tr(headline)).strong().size(24.0));
                ui.label(RichText::new(self.i18n.tr(body)).size(20.0));
                if ui
                    .add(theme::primary_button(ui.ctx(), self.i18n.tr("kiosk-done")))
                    .clicked()
                {
                    self.forget_patient(&ui.ctx().clone());
                }
            });
        if std::mem::take(&mut self.once.scroll_to_result) {
            panel.response.scroll_to_me(Some(Align::BOTTOM));
        }
    }

    /// The administrator's menu.
    pub(super) fn admin_ui(&mut self, ui: &mut Ui) {
        ui.heading(self.i18n.tr("kiosk-admin-title"));
        if let Some(kiosk) = &self.kiosk {
            let warn = ui.visuals().warn_fg_color;
            if kiosk.short_pin {
                ui.colored_label(warn, self.i18n.tr("kiosk-admin-short-pin"));
            }
            if kiosk.settings_exposed {
                let path = self.config_path.display().to_string();
                ui.colored_label(
                    warn,
                    self.i18n
                        .tr_args("kiosk-admin-settings-exposed", &[("path", path.into())]),
                );
            }
        }
        ui.add_space(12.0);
        let big = |text: String| {
            egui::Button::new(RichText::new(text).size(21.0)).min_size(egui::vec2(420.0, 56.0))
        };
        if ui.add(big(self.i18n.tr("settings-open"))).clicked() {
            self.load_setup_fields();
            self.screen = Screen::Setup;
        }
        if self.service.outbox().is_some() && ui.add(big(self.i18n.tr("kiosk-outbox"))).clicked() {
            self.open_outbox();
        }
        if self.service.outbox().is_some()
            && ui.add(big(self.i18n.tr("import-open-screen"))).clicked()
        {
            self.open_import();
        }
        if ui.add(big(self.i18n.tr("kiosk-leave"))).clicked() {
            self.leave_kiosk(&ui.ctx().clone());
            return;
        }
        if ui.add(big(self.i18n.tr("kiosk-close-app"))).clicked() {
            if let Some(kiosk) = &mut self.kiosk {
                kiosk.window.close_allowed = true;
            }
            ui.ctx().send_viewport_cmd(ViewportCommand::Close);
        }
        ui.add_space(12.0);
        if ui
            .add(theme::primary_button(
                ui.ctx(),
                self.i18n.tr("kiosk-back-to-patients"),
            ))
            .clicked()
        {
            if let Some(kiosk) = &mut self.kiosk {
                kiosk.needs_attention = false;
            }
            self.forget_patient(&ui.ctx().clone());
        }
    }

    /// Leave kiosk mode for this session: a normal window, the administrator's form.
    /// The kiosk is kept aside: after `idle_secs` without a touch or key the window goes
    /// back to it ([`RatingApp::left_kiosk_logic`]), so a terminal is never left
    /// unlocked.
    fn leave_kiosk(&mut self, ctx: &egui::Context) {
        self.left_kiosk = self.kiosk.take();
        if let Some(kiosk) = &mut self.left_kiosk {
            kiosk.last_activity = self.clock.now();
        }
        self.appearance.scale = self.config.text_scale;
        self.once.style = true;
        ctx.send_viewport_cmd(ViewportCommand::Fullscreen(false));
        ctx.send_viewport_cmd(ViewportCommand::Decorations(true));
        self.forget_patient(ctx);
    }

    /// After "leave kiosk mode": back to the kiosk once the window has been idle for
    /// `idle_secs` (and nothing is being sent).
    pub(super) fn left_kiosk_logic(&mut self, ui: &Ui) {
        let now = self.clock.now();
        let Some(kiosk) = &mut self.left_kiosk else {
            return;
        };
        if had_activity(ui) {
            kiosk.last_activity = now;
        }
        let idle = now.saturating_sub(kiosk.last_activity);
        if idle < kiosk.idle_limit() || self.pending.is_some() {
            ui.ctx()
                .request_repaint_after(kiosk.idle_limit().saturating_sub(idle));
            return;
        }
        tracing::info!("idle after leaving kiosk mode: back to the kiosk");
        self.kiosk = self.left_kiosk.take();
        self.appearance.scale = self.config.text_scale * self.config.kiosk_options.touch_scale;
        self.once.style = true;
        let ctx = ui.ctx().clone();
        ctx.send_viewport_cmd(ViewportCommand::Decorations(false));
        ctx.send_viewport_cmd(ViewportCommand::Fullscreen(true));
        if let Some(kiosk) = &mut self.kiosk {
            kiosk.last_activity = now;
            kiosk.window.covered_monitor = false;
        }
        self.forget_patient(&ctx);
    }

    /// The idle warning and the PIN prompt, over everything else.
    pub(super) fn kiosk_overlays(&mut self, ctx: &egui::Context) {
        if let Some(seconds) = self.idle_seconds_left()
            && self.kiosk.as_ref().is_some_and(|k| k.prompt.is_none())
        {
            let mut still_here = false;
            egui::Modal::new(Id::unique("idle-warning")).show(ctx, |ui| {
                ui.set_width(520.0);
                ui.label(
                    RichText::new(self.i18n.tr("kiosk-idle-title"))
                        .size(26.0)
                        .strong(),
                );
                ui.label(
                    RichText::new(
                        self.i18n
                            .tr_args("kiosk-idle-body", &[("seconds", seconds.into())]),
                    )
                    .size(20.0),
                );
                ui.add_space(8.0);
                still_here = ui
                    .add(theme::primary_button(
                        ui.ctx(),
                        self.i18n.tr("kiosk-idle-continue"),
                    ))
                    .clicked();
            });
            if still_here && let Some(kiosk) = &mut self.kiosk {
                kiosk.last_activity = self.clock.now();
            }
        }
        self.pin_prompt(ctx);
    }

    fn pin_prompt(&mut self, ctx: &egui::Context) {
        let now = self.clock.wall();
        let Some(kiosk) = &mut self.kiosk else {
            return;
        };
        let Some(prompt) = &mut kiosk.prompt else {
            return;
        };
        let mut submit = false;
        let mut cancel = false;
        let i18n = &self.i18n;
        let locked = kiosk.gate.remaining_lock(now);
        egui::Modal::new(Id::unique("pin-prompt")).show(ctx, |ui| {
            ui.set_width(420.0);
            ui.label(
                RichText::new(i18n.tr("kiosk-pin-title"))
                    .size(26.0)
                    .strong(),
            );
            let label = ui.label(i18n.tr("kiosk-pin-label"));
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut prompt.pin)
                        .password(true)
                        .char_limit(12)
                        .font(egui::TextStyle::Heading)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id);
            if std::mem::take(&mut prompt.focus) {
                field.request_focus();
            }
            submit |= field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            pin_keypad(ui, &mut prompt.pin, i18n);
            let message = match locked {
                Some(remaining) => Some(i18n.tr_args(
                    "kiosk-pin-locked",
                    &[("seconds", ceil_secs(remaining).into())],
                )),
                None => prompt.message.clone(),
            };
            if let Some(message) = message {
                ui.colored_label(ui.visuals().error_fg_color, message);
            }
            ui.horizontal(|ui| {
                submit |= ui
                    .add_enabled(
                        locked.is_none(),
                        theme::primary_button(ui.ctx(), i18n.tr("kiosk-pin-enter")),
                    )
                    .clicked();
                cancel = ui.button(i18n.tr("kiosk-pin-cancel")).clicked();
            });
        });
        if cancel {
            kiosk.prompt = None;
            return;
        }
        if !submit {
            return;
        }
        let pin = std::mem::take(&mut prompt.pin);
        prompt.focus = true;
        let check = kiosk.gate.check(&pin, kiosk.pin_hash.as_deref(), now);
        save_gate(&kiosk.gate, kiosk.gate_file.as_deref());
        match check {
            PinCheck::Granted => {
                kiosk.prompt = None;
                kiosk.short_pin = pin.len() < *crate::kiosk::PIN_DIGITS.start();
                self.screen = Screen::Admin;
            }
            PinCheck::Wrong { left } => {
                prompt.message = Some(i18n.tr_args("kiosk-pin-wrong", &[("left", left.into())]));
            }
            PinCheck::Locked { remaining } => {
                prompt.message = Some(i18n.tr_args(
                    "kiosk-pin-locked",
                    &[("seconds", ceil_secs(remaining).into())],
                ));
            }
            PinCheck::NotConfigured => {
                prompt.message = Some(i18n.tr("kiosk-pin-not-configured"));
            }
        }
    }
}

/// Keep the wrong-PIN count and the lock in `path` for the next run (on a worker
/// thread).
fn save_gate(gate: &PinGate, path: Option<&Path>) {
    let Some(path) = path.map(Path::to_owned) else {
        return;
    };
    let gate = gate.clone();
    let spawned = std::thread::Builder::new()
        .name("pin-attempts".into())
        .spawn(move || {
            if let Err(e) = gate.save(&path) {
                tracing::error!(file = %path.display(), error = %e, "cannot keep the wrong-PIN record");
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the thread that keeps the wrong-PIN record");
    }
}

/// Someone touched, clicked, moved the pointer or typed this frame.
fn had_activity(ui: &Ui) -> bool {
    ui.input(|i| {
        i.events.iter().any(|e| {
            matches!(
                e,
                Event::PointerButton { .. }
                    | Event::PointerMoved(_)
                    | Event::Key { .. }
                    | Event::Text(_)
                    | Event::Touch { .. }
                    | Event::MouseWheel { .. }
            )
        })
    })
}

/// A keypad for touch screens: digits go into `pin`.
fn pin_keypad(ui: &mut Ui, pin: &mut String, i18n: &crate::i18n::I18n) {
    let key = egui::vec2(72.0, 56.0);
    let digit_key = |digit: &str| egui::Button::new(RichText::new(digit).size(24.0)).min_size(key);
    for row in [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]] {
        ui.horizontal(|ui| {
            for digit in row {
                if ui.add(digit_key(digit)).clicked() {
                    pin.push_str(digit);
                }
            }
        });
    }
    ui.horizontal(|ui| {
        if ui
            .add(egui::Button::new(i18n.tr("osk-backspace")).min_size(key))
            .clicked()
        {
            pin.pop();
        }
        if ui.add(digit_key("0")).clicked() {
            pin.push('0');
        }
    });
}

/// The next whole-second tick towards `end` (for a countdown), or `end` itself.
fn next_second(now: Duration, end: Duration) -> Duration {
    let left = end.saturating_sub(now);
    let fraction = Duration::from_nanos(u64::from(left.subsec_nanos()));
    if fraction.is_zero() {
        now + Duration::from_secs(1).min(left)
    } else {
        now + fraction
    }
}
