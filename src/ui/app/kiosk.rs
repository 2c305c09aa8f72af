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
//!   PIN prompt ([`crate::admin_pin::PinGate`] rate-limits wrong PINs); behind it are the
//!   settings, leaving kiosk mode, and closing the program.
//!
//! All timers read [`super::Clock`], so tests move time instead of waiting.
//!
//! Rooms: this file holds the kiosk's state; [`timers`] its timers (idle, thank-you,
//! cooldown), asked once a frame what to reset and when to wake; [`patient`] draws what patients
//! see (ready, not configured, the result, the idle warning, the staff line, the
//! patient's own A+/A−, contrast and language buttons); [`admin`] is the administrator's
//! side (the hidden corner, the PIN prompt, the menu); [`layout`] works out how large
//! everything is on the screen at hand; [`restart`] decides when a kiosk told of a new
//! version may close for it (never in the middle of a patient's rating).

use std::path::{Path, PathBuf};
use std::time::Duration;

use egui::{Event, Key, Modifiers, Ui, ViewportCommand};
use poll_promise::Promise;

use super::{RatingApp, Screen, Transition};
use crate::admin_pin::PinGate;
use crate::config::{Config, KioskOptions, Language};
use crate::rating::RatingDraft;
use crate::ui::jobs;
use crate::ui::keyboard::KeyboardState;

mod admin;
mod layout;
mod patient;
mod restart;
mod timers;

pub(super) use admin::AdminScreen;
pub use layout::{KioskLayout, Shape, kiosk_layout};
pub use restart::Occupancy;
pub(super) use restart::Restart;
use timers::{Reset, Timers, next_second};
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
struct PinPrompt {
    pin: String,
    message: Option<String>,
    /// Put the focus in the PIN field (on opening and after each attempt).
    focus: bool,
    /// The PIN being verified (Argon2id, in a job): whether it matched, with the PIN's
    /// length.
    checking: Option<Promise<(bool, usize)>>,
}

impl std::fmt::Debug for PinPrompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinPrompt")
            .field("message", &self.message)
            .field("checking", &self.checking.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for PinPrompt {
    fn default() -> PinPrompt {
        PinPrompt {
            pin: String::new(),
            message: None,
            focus: true,
            checking: None,
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
    /// The settings file (with the PIN's hash) can be read by group or others.
    settings_exposed: bool,
    /// Reading the settings file again for a PIN set while the kiosk waits for one.
    pin_reload: Option<PinReload>,
    next_pin_reload: Duration,
    /// The idle warning and reset, the thank-you screen's reset, the cooldown.
    timers: Timers,
    prompt: Option<PinPrompt>,
    corner_down_since: Option<Duration>,
    needs_attention: bool,
    pub keyboard: KeyboardState,
    window: WindowControl,
    /// The sizes for the screen at hand (worked out every frame).
    pub(super) layout: Option<KioskLayout>,
    /// What this patient chose for themselves (forgotten with them).
    pub(super) patient: PatientChoices,
}

/// A patient's own choices at the terminal: text size, contrast, language. Every reset
/// ([`RatingApp::forget_patient`]) puts them back to the settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PatientChoices {
    /// A+ and A− steps (−2..=3), each 20 % larger or smaller.
    pub text_step: i8,
    /// The high-contrast theme, when the patient switched it.
    pub high_contrast: Option<bool>,
    /// The language the terminal speaks when the patient switched away from it.
    pub home_language: Option<Language>,
}

impl PatientChoices {
    /// The fewest and most A+/A− steps.
    pub const STEPS: std::ops::RangeInclusive<i8> = -2..=3;

    /// The patient's text size as a factor.
    pub fn text_factor(self) -> f32 {
        1.2_f32.powi(i32::from(self.text_step))
    }
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
    /// Full screen was asked for (on the first frame).
    full_screen_asked: bool,
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
        let gate_file = data_dir.map(crate::admin_pin::attempts_file);
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
            settings_exposed,
            pin_reload: None,
            next_pin_reload: now,
            timers: Timers::new(&config.kiosk_options, now),
            prompt: None,
            corner_down_since: None,
            needs_attention: false,
            keyboard: KeyboardState::default(),
            window: WindowControl::default(),
            layout: None,
            patient: PatientChoices::default(),
        }
    }

    /// The sizes in force (after the first frame).
    pub fn layout(&self) -> Option<KioskLayout> {
        self.layout
    }

    /// What the patient at the terminal chose for themselves.
    pub fn patient_choices(&self) -> PatientChoices {
        self.patient
    }

    /// A rating just ended well (accepted, or kept for later when `saved`).
    pub(super) fn thanked(&mut self, now: Duration, saved: bool) {
        self.timers.thanked(now);
        if saved {
            self.needs_attention = true;
        }
    }

    /// Taps cannot start the next rating yet.
    pub(super) fn cooling_down(&self, now: Duration) -> bool {
        self.timers.cooling_down(now)
    }

    /// Whole seconds until the thank-you screen resets itself.
    pub(super) fn reset_in(&self, now: Duration) -> u64 {
        self.timers.thank_you_left(now)
    }

    /// An administrator PIN is set (without one there is no way to the administrator's
    /// menu at all).
    pub fn has_pin(&self) -> bool {
        self.pin_hash.is_some()
    }

    /// The settings files changed while the kiosk runs: its options, timers and PIN
    /// hash are the new ones (the monitor only at the next start).
    pub(super) fn settings_changed(&mut self, config: &Config) {
        self.options = KioskOptions {
            monitor: self.options.monitor,
            ..config.kiosk_options.clone()
        };
        self.timers.set_options(&self.options);
        self.pin_hash.clone_from(&config.admin_pin_hash);
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
        let promise = jobs::spawn(
            "pin-reload",
            ctx,
            move || {
                crate::config::Config::read(&path)
                    .ok()
                    .and_then(|config| config.admin_pin_hash)
            },
            |_| None,
        );
        self.pin_reload = Some(PinReload(promise));
    }

    /// Empty the PIN prompt's field (see [`RatingApp::forget_typed_text`]).
    pub(super) fn clear_pin_text(&mut self) {
        if let Some(prompt) = &mut self.prompt {
            prompt.pin.clear();
        }
    }

    /// Staff should look at the terminal: something of theirs failed (the camera).
    pub(super) fn call_staff(&mut self) {
        self.needs_attention = true;
    }

    /// Staff should look at the terminal (a rating is waiting or failed).
    pub fn needs_attention(&self) -> bool {
        self.needs_attention
    }
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
        kiosk.timers.idle_warning(self.clock.now())
    }

    /// Something a patient (or an administrator) left on screen that idling must clear.
    fn idle_applies(&self) -> bool {
        self.screens.visit.pending.is_none()
            && match self.screen {
                Screen::Form | Screen::Admin | Screen::Setup | Screen::Outbox => true,
                Screen::Ready => !self.screens.visit.form.visit_id.is_empty(),
                Screen::ThankYou | Screen::NotConfigured => false,
                // Never abandon an import that is reading or sending.
                Screen::Import => !self.import_busy(),
            }
    }

    /// Work out the kiosk's sizes for the window as it is now (a different monitor or a
    /// rotated stand changes them); when the scale changes, the style is applied again.
    /// Run at the start of every frame.
    pub(super) fn kiosk_scale(&mut self, ctx: &egui::Context) {
        let Some(kiosk) = &mut self.kiosk else {
            return;
        };
        // A pass run again after a style change still has the window's size in points
        // at the old zoom: only the first pass of a frame measures the window.
        if ctx.current_pass_index() > 0 {
            return;
        }
        let window_px = ctx.content_rect().size() * ctx.pixels_per_point();
        let native = ctx.native_pixels_per_point().unwrap_or(1.0);
        let monitor_px = ctx
            .input(|i| i.viewport().monitor_size)
            .map_or(window_px, |size| size * native);
        let multiplier =
            self.config.text_scale * kiosk.options.touch_scale * kiosk.patient.text_factor();
        let layout = kiosk_layout(
            window_px,
            monitor_px,
            kiosk.options.screen_diagonal_inches,
            multiplier,
            kiosk.options.on_screen_keyboard && matches!(self.screen, Screen::Form),
        );
        kiosk.layout = Some(layout);
        let zoom = layout.scale / native;
        if (zoom - self.appearance.scale).abs() > 0.005 {
            self.appearance.scale = zoom;
            self.once.style = true;
        }
    }

    /// Put the patient's own choices (text size, contrast, language) back to the
    /// settings' (part of [`RatingApp::forget_patient`]).
    pub(super) fn forget_patient_choices(&mut self) {
        let Some(kiosk) = &mut self.kiosk else {
            return;
        };
        let choices = std::mem::take(&mut kiosk.patient);
        if let Some(language) = choices.home_language {
            self.i18n = crate::i18n::I18n::new(language);
        }
        if choices.high_contrast.is_some() {
            self.appearance.high_contrast = self.config.high_contrast;
            self.once.style = true;
        }
    }

    /// Timers, the close request and the administrator shortcut; run every frame before
    /// drawing. The thank-you screen's and the idle reset end in
    /// [`Transition::NextPatient`].
    pub(super) fn kiosk_timers(&mut self, ui: &Ui) -> Transition {
        let now = self.clock.now();
        let wall = self.clock.wall();
        let idle_applies = self.idle_applies();
        let shown = self.screen;
        let Some(kiosk) = &mut self.kiosk else {
            return Transition::None;
        };
        let ctx = ui.ctx();
        if had_activity(ui) {
            kiosk.timers.touched(now);
        }
        if ui.input(|i| i.viewport().close_requested()) && !kiosk.window.close_allowed {
            ctx.send_viewport_cmd(ViewportCommand::CancelClose);
        }
        // Full screen on the chosen monitor, asked for on the first frame rather than
        // when the window is created: a kiosk compositor gives a new window the
        // output's size, but cage 0.1.4 (Debian 12's) makes a window created full
        // screen keep the size it asked for, and winit ignores size requests once full
        // screen.
        if !kiosk.window.full_screen_asked {
            kiosk.window.full_screen_asked = true;
            if ui.input(|i| i.viewport().fullscreen) != Some(true) {
                ctx.send_viewport_cmd(ViewportCommand::SetMonitor(kiosk.options.monitor));
            }
        }
        // Full screen is a request to the window manager; a bare X server (or a window
        // manager that ignores it) leaves the window small. Then cover the monitor
        // ourselves, once its size is known (X11 tells it; Wayland does not, and there
        // the compositor sizes the window).
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

        let tick = kiosk
            .timers
            .tick(now, matches!(shown, Screen::ThankYou), idle_applies);
        if tick.reset == Some(Reset::Idle) {
            kiosk.prompt = None;
        }
        let mut deadlines: Vec<Duration> = tick.wake_at.into_iter().collect();
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
        if tick.reset.is_some() {
            Transition::NextPatient
        } else {
            Transition::None
        }
    }

    /// Patients' screens give way to "not configured" (and come back once it is); run
    /// every frame after the timers.
    pub(super) fn kiosk_configured(&mut self, ctx: &egui::Context) -> Transition {
        match (self.screen, self.unconfigured(ctx)) {
            (Screen::Ready, Some(_)) => Transition::To(Screen::NotConfigured),
            (Screen::NotConfigured, None) => Transition::NextPatient,
            _ => Transition::None,
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

    /// A kiosk's window that something minimised (the window manager's "show desktop"
    /// or minimise keys) is restored and focused at once; checked again every half
    /// second while it stays hidden. Called from `App::logic`, which eframe runs even
    /// for a hidden window.
    pub fn kiosk_window_guard(&self, ctx: &egui::Context) {
        let _frame = crate::blocking::in_frame();
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

    /// Leave kiosk mode for this session: a normal window, the administrator's form.
    /// The kiosk is kept aside: after `idle_secs` without a touch or key the window goes
    /// back to it ([`RatingApp::left_kiosk_timer`]), so a terminal is never left
    /// unlocked. Part of [`Transition::LeaveKiosk`].
    pub(super) fn leave_kiosk(&mut self, ctx: &egui::Context) {
        self.left_kiosk = self.kiosk.take();
        if let Some(kiosk) = &mut self.left_kiosk {
            kiosk.timers.touched(self.clock.now());
        }
        self.appearance.scale = self.config.text_scale;
        self.once.style = true;
        ctx.send_viewport_cmd(ViewportCommand::Fullscreen(false));
        ctx.send_viewport_cmd(ViewportCommand::Decorations(true));
    }

    /// After "leave kiosk mode": back to the kiosk once the window has been idle for
    /// `idle_secs` (and nothing is being sent).
    pub(super) fn left_kiosk_timer(&mut self, ui: &Ui) -> Transition {
        let now = self.clock.now();
        let Some(kiosk) = &mut self.left_kiosk else {
            return Transition::None;
        };
        if had_activity(ui) {
            kiosk.timers.touched(now);
        }
        let left = kiosk.timers.idle_left(now);
        if !left.is_zero() || self.screens.visit.pending.is_some() {
            ui.ctx().request_repaint_after(left);
            return Transition::None;
        }
        Transition::ReturnToKiosk
    }

    /// The kiosk kept aside by "leave kiosk mode" is back (part of
    /// [`Transition::ReturnToKiosk`]).
    pub(super) fn return_to_kiosk(&mut self, ctx: &egui::Context) {
        let now = self.clock.now();
        tracing::info!("idle after leaving kiosk mode: back to the kiosk");
        self.kiosk = self.left_kiosk.take();
        self.appearance.scale = self.config.text_scale * self.config.kiosk_options.touch_scale;
        self.once.style = true;
        ctx.send_viewport_cmd(ViewportCommand::Decorations(false));
        ctx.send_viewport_cmd(ViewportCommand::Fullscreen(true));
        if let Some(kiosk) = &mut self.kiosk {
            kiosk.timers.touched(now);
            kiosk.window.covered_monitor = false;
            kiosk.window.full_screen_asked = false;
        }
    }
}

impl RatingApp {
    /// Take SIGUSR1 from `watch` as [`RatingApp::request_restart`] ([`crate::ui::run`]
    /// does).
    pub fn restart_on(&mut self, watch: jobs::RestartWatch) {
        self.restart.watch = Some(watch);
    }

    /// A new version of the program is installed (SIGUSR1 from the package's maintainer
    /// scripts): a kiosk closes its window, with a clean exit, as soon as nobody is using
    /// it ([`Occupancy::nobody_here`]), and its unit starts the new binary. A desk
    /// window only logs it: whoever sits there restarts it when they like.
    pub fn request_restart(&mut self) {
        if self.kiosk.is_none() && self.left_kiosk.is_none() {
            tracing::info!("a new version is installed: it runs from the next start of the window");
            return;
        }
        if !self.restart.requested {
            tracing::info!(
                "a new version is installed: the kiosk restarts once nobody is using it"
            );
        }
        self.restart.requested = true;
    }

    /// A restart for a new version is waiting for the kiosk to be free.
    pub fn restart_pending(&self) -> bool {
        self.restart.requested && !self.restart.closing
    }

    /// What the kiosk is doing, as far as a restart cares (`None` at a desk, and while
    /// an administrator has left kiosk mode).
    pub fn occupancy(&self) -> Option<Occupancy> {
        let kiosk = self.kiosk.as_ref()?;
        let form = &self.screens.visit.form;
        Some(Occupancy {
            screen: self.screen,
            form_empty: form.visit_id.is_empty() && form.draft == RatingDraft::default(),
            sending: self.screens.visit.pending.is_some(),
            dialog_open: kiosk.prompt.is_some() || kiosk.corner_down_since.is_some(),
            keys_waiting: self.type_ahead.has_held(),
            patient_choices: kiosk.patient != PatientChoices::default(),
        })
    }

    /// The end of every frame: take SIGUSR1, and when a restart is asked for and nobody
    /// is using the kiosk, close the window (once).
    pub(super) fn restart_when_free(&mut self, ctx: &egui::Context) {
        if self
            .restart
            .watch
            .as_ref()
            .is_some_and(jobs::RestartWatch::take)
        {
            self.request_restart();
        }
        if !self.restart_pending() || !self.occupancy().is_some_and(Occupancy::nobody_here) {
            return;
        }
        tracing::info!("closing for the new version: nobody is using the kiosk");
        self.restart.closing = true;
        if let Some(kiosk) = &mut self.kiosk {
            kiosk.window.close_allowed = true;
        }
        ctx.send_viewport_cmd(ViewportCommand::Close);
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
