//! The administrator's side of the kiosk: the hidden corner, the PIN prompt and its
//! keypad, the menu behind it.

use crate::msg;
use std::path::Path;

use egui::{Id, Key, RichText, Sense, Ui, ViewportCommand};
use poll_promise::Promise;

use super::timers::ceil_secs;
use super::{CORNER, CORNER_HOLD};
use crate::admin_pin::{PinCheck, PinGate};
use crate::ui::app::{RatingApp, Screen, Transition, theme};
use crate::ui::jobs;

impl RatingApp {
    /// The top-left corner: held for [`CORNER_HOLD`], it opens the PIN prompt.
    pub(in crate::ui::app) fn admin_corner(&mut self, ui: &mut Ui) {
        let now = self.clock.now();
        let label = self.i18n.tr(msg!("kiosk-admin-corner"));
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

    pub(super) fn pin_prompt(&mut self, ctx: &egui::Context) -> Transition {
        let now = self.clock.wall();
        let Some(kiosk) = &mut self.kiosk else {
            return Transition::None;
        };
        let Some(prompt) = &mut kiosk.prompt else {
            return Transition::None;
        };
        let mut submit = false;
        let mut cancel = false;
        let i18n = &self.i18n;
        let verified = match prompt.checking.take().map(Promise::try_take) {
            Some(Ok(verified)) => Some(verified),
            Some(Err(promise)) => {
                prompt.checking = Some(promise);
                None
            }
            None => None,
        };
        let checking = prompt.checking.is_some();
        let locked = kiosk.gate.remaining_lock(now);
        let width = super::dialog_width(ctx, 0.45, 320.0, 560.0);
        egui::Modal::new(Id::unique("pin-prompt")).show(ctx, |ui| {
            ui.set_width(width);
            ui.label(
                RichText::new(i18n.tr(msg!("kiosk-pin-title")))
                    .size(26.0)
                    .strong(),
            );
            let label = ui.label(i18n.tr(msg!("kiosk-pin-label")));
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
            pin_keypad(ui, &mut prompt.pin, i18n, width);
            let message = match locked {
                Some(remaining) => Some(i18n.tr_args(
                    msg!("kiosk-pin-locked"),
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
                        locked.is_none() && !checking,
                        theme::primary_button(ui.ctx(), i18n.tr(msg!("kiosk-pin-enter"))),
                    )
                    .clicked();
                cancel = ui.button(i18n.tr(msg!("kiosk-pin-cancel"))).clicked();
                if checking {
                    ui.spinner();
                }
            });
        });
        if cancel {
            kiosk.prompt = None;
            return Transition::None;
        }
        let check = if let Some((matched, digits)) = verified {
            let check = kiosk.gate.settle(Some(matched), now);
            save_gate(ctx, &kiosk.gate, kiosk.gate_file.as_deref());
            (check, digits)
        } else {
            if !submit || checking {
                return Transition::None;
            }
            let pin = std::mem::take(&mut prompt.pin);
            prompt.focus = true;
            match (kiosk.gate.remaining_lock(now), kiosk.pin_hash.clone()) {
                (None, Some(hash)) => {
                    // Argon2id takes a moment: in a job, and the answer comes back here.
                    prompt.checking = Some(jobs::spawn(
                        "pin-check",
                        ctx,
                        move || (crate::admin_pin::verify_pin(&pin, &hash), pin.len()),
                        |_| (false, 0),
                    ));
                    return Transition::None;
                }
                (Some(remaining), _) => (PinCheck::Locked { remaining }, 0),
                (None, None) => (kiosk.gate.settle(None, now), 0),
            }
        };
        let (check, digits) = check;
        self.pin_answered(check, digits)
    }

    /// Act on a counted PIN attempt: open the menu, or say why not.
    fn pin_answered(&mut self, check: PinCheck, digits: usize) -> Transition {
        let i18n = &self.i18n;
        let Some(kiosk) = &mut self.kiosk else {
            return Transition::None;
        };
        let Some(prompt) = &mut kiosk.prompt else {
            return Transition::None;
        };
        match check {
            PinCheck::Granted => {
                kiosk.prompt = None;
                self.screens.admin.short_pin = digits < *crate::admin_pin::PIN_DIGITS.start();
                return Transition::To(Screen::Admin);
            }
            PinCheck::Wrong { left } => {
                prompt.message =
                    Some(i18n.tr_args(msg!("kiosk-pin-wrong"), &[("left", left.into())]));
            }
            PinCheck::Locked { remaining } => {
                prompt.message = Some(i18n.tr_args(
                    msg!("kiosk-pin-locked"),
                    &[("seconds", ceil_secs(remaining).into())],
                ));
            }
            PinCheck::NotConfigured => {
                prompt.message = Some(i18n.tr(msg!("kiosk-pin-not-configured")));
            }
        }
        Transition::None
    }
}

/// The administrator's menu, behind the PIN: the settings, the outbox, import, leaving
/// kiosk mode, closing the program, back to the patients.
#[derive(Clone, Copy, Debug, Default)]
pub(in crate::ui::app) struct AdminScreen {
    /// The PIN that opened the menu is shorter than a new one may be.
    pub(in crate::ui::app) short_pin: bool,
}

impl AdminScreen {
    /// The administrator's menu.
    pub(in crate::ui::app) fn ui(&mut self, app: &mut RatingApp, ui: &mut Ui) -> Transition {
        let mut next = Transition::None;
        ui.heading(app.i18n.tr(msg!("kiosk-admin-title")));
        let warn = ui.visuals().warn_fg_color;
        if self.short_pin {
            ui.colored_label(warn, app.i18n.tr(msg!("kiosk-admin-short-pin")));
        }
        if app.kiosk.as_ref().is_some_and(|k| k.settings_exposed) {
            let path = app.config_path.display().to_string();
            ui.colored_label(
                warn,
                app.i18n.tr_args(
                    msg!("kiosk-admin-settings-exposed"),
                    &[("path", path.into())],
                ),
            );
        }
        ui.add_space(12.0);
        let big = |text: String| {
            egui::Button::new(RichText::new(text).size(21.0)).min_size(egui::vec2(420.0, 56.0))
        };
        if ui.add(big(app.i18n.tr(msg!("settings-open")))).clicked() {
            next = Transition::OpenSettings;
        }
        if app.service.outbox().is_some()
            && ui.add(big(app.i18n.tr(msg!("kiosk-outbox")))).clicked()
        {
            next = Transition::OpenOutbox;
        }
        if app.service.outbox().is_some()
            && ui
                .add(big(app.i18n.tr(msg!("import-open-screen"))))
                .clicked()
        {
            next = Transition::OpenImport;
        }
        if ui.add(big(app.i18n.tr(msg!("kiosk-leave")))).clicked() {
            return Transition::LeaveKiosk;
        }
        if ui.add(big(app.i18n.tr(msg!("kiosk-close-app")))).clicked() {
            if let Some(kiosk) = &mut app.kiosk {
                kiosk.window.close_allowed = true;
            }
            ui.ctx().send_viewport_cmd(ViewportCommand::Close);
        }
        ui.add_space(12.0);
        if ui
            .add(theme::primary_button(
                ui.ctx(),
                app.i18n.tr(msg!("kiosk-back-to-patients")),
            ))
            .clicked()
        {
            if let Some(kiosk) = &mut app.kiosk {
                kiosk.needs_attention = false;
            }
            next = Transition::NextPatient;
        }
        next
    }
}

/// Keep the wrong-PIN count and the lock in `path` for the next run (on a worker
/// thread).
pub(super) fn save_gate(ctx: &egui::Context, gate: &PinGate, path: Option<&Path>) {
    let Some(path) = path.map(Path::to_owned) else {
        return;
    };
    let gate = gate.clone();
    crate::ui::jobs::detach("pin-attempts", ctx, move || {
        if let Err(e) = gate.save(&path) {
            tracing::error!(file = %path.display(), error = %e, "cannot keep the wrong-PIN record");
        }
    });
}

/// A keypad for touch screens, `width` points wide (three keys across): digits go into
/// `pin`.
pub(super) fn pin_keypad(ui: &mut Ui, pin: &mut String, i18n: &crate::i18n::I18n, width: f32) {
    let gap = ui.spacing().item_spacing.x;
    let side = ((width - 2.0 * gap) / 3.0).min(120.0);
    let key = egui::vec2(side, 56.0_f32.max(side * 0.6));
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
            .add(egui::Button::new(i18n.tr(msg!("osk-backspace"))).min_size(key))
            .clicked()
        {
            pin.pop();
        }
        if ui.add(digit_key("0")).clicked() {
            pin.push('0');
        }
    });
}
