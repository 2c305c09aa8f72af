//! What patients see in kiosk mode: the ready screen, "terminal not configured", the
//! scanned visit id on the form, the answer, the idle warning, the staff line, and the
//! patient's own buttons (A−/A+ text size, high contrast, the other language).

use crate::msg;
use egui::{Align, Id, Key, RichText, Role, Ui, WidgetInfo};

use super::{PatientChoices, Unconfigured};
use crate::api::{MAX_VISIT_ID_CHARS, OutcomeKind};
use crate::config::Language;
use crate::i18n::I18n;
use crate::ui::app::form::Visit;
use crate::ui::app::{
    LastResult, RatingApp, Screen, SubmitReport, Transition, VISIT_ID_FIELD, theme,
};

/// A patient's button: touch-sized, its visible text short ("A+"), its accessible name
/// in words.
fn patient_button(
    ui: &mut Ui,
    text: &str,
    name: &str,
    enabled: bool,
    selected: Option<bool>,
) -> bool {
    let mut button =
        egui::Button::new(RichText::new(text).size(22.0).strong()).min_size(egui::vec2(64.0, 56.0));
    if let Some(selected) = selected {
        button = button.selected(selected);
    }
    let response = ui.add_enabled(enabled, button);
    response.widget_info(|| match selected {
        Some(selected) => WidgetInfo::selected(Role::CheckBox, enabled, selected, name),
        None => WidgetInfo::labeled(Role::Button, enabled, name),
    });
    response.clicked()
}

impl RatingApp {
    /// The height the kiosk's layout leaves free (0 at a desk).
    pub(in crate::ui::app) fn kiosk_spare_height(&self) -> f32 {
        self.kiosk
            .as_ref()
            .and_then(super::Kiosk::layout)
            .map_or(0.0, |layout| layout.spare_height)
    }

    /// The patient's own buttons, on the ready screen and the form, at the right of the
    /// title bar: the other language, high contrast, A− and A+ (rightmost, so a finger
    /// tapping it again finds it where it was as the text grows). What they change lasts
    /// until the patient is forgotten.
    pub(in crate::ui::app) fn patient_tools(&mut self, ui: &mut Ui) {
        if !matches!(self.screen, Screen::Ready | Screen::Form) {
            return;
        }
        let Some(kiosk) = &mut self.kiosk else {
            return;
        };
        let choices = kiosk.patient;
        let other = match self.i18n.language() {
            Language::Ru => Language::En,
            Language::En => Language::Ru,
        };
        let mut changed = false;
        let steps = PatientChoices::STEPS;
        if patient_button(
            ui,
            "A+",
            &self.i18n.tr(msg!("kiosk-text-larger")),
            choices.text_step < *steps.end() && kiosk.layout.is_none_or(|l| l.can_grow),
            None,
        ) {
            kiosk.patient.text_step += 1;
            changed = true;
        }
        if patient_button(
            ui,
            "A−",
            &self.i18n.tr(msg!("kiosk-text-smaller")),
            choices.text_step > *steps.start(),
            None,
        ) {
            kiosk.patient.text_step -= 1;
            changed = true;
        }
        let other_name = match other {
            Language::Ru => "Русский",
            Language::En => "English",
        };
        if patient_button(
            ui,
            other_name,
            &self.i18n.tr(msg!("kiosk-language-switch")),
            true,
            None,
        ) {
            let home = choices.home_language.unwrap_or(self.i18n.language());
            kiosk.patient.home_language = (other != home).then_some(home);
            self.i18n = I18n::new(other);
            changed = true;
        }
        let high_contrast = self.appearance.high_contrast;
        if patient_button(
            ui,
            &self.i18n.tr(msg!("kiosk-contrast-short")),
            &self.i18n.tr(msg!("kiosk-high-contrast")),
            true,
            Some(high_contrast),
        ) {
            let on = !high_contrast;
            kiosk.patient.high_contrast = (on != self.config.high_contrast).then_some(on);
            self.appearance.high_contrast = on;
            self.once.style = true;
            changed = true;
        }
        if changed {
            // A tap takes the keyboard focus: give it back to the visit id, where a
            // barcode scanner types.
            if matches!(self.screen, Screen::Ready) {
                self.once.focus_visit_id = true;
            }
            ui.ctx().request_repaint();
        }
    }

    /// "Terminal not configured — please call staff", calm, with one line for staff.
    pub(in crate::ui::app) fn not_configured_ui(&mut self, ui: &mut Ui) -> Transition {
        let reason = self.unconfigured(&ui.ctx().clone());
        ui.add_space(48.0);
        ui.vertical_centered(|ui| {
            ui.label(
                RichText::new(self.i18n.tr(msg!("kiosk-unconfigured-title")))
                    .size(34.0)
                    .strong(),
            );
            ui.add_space(8.0);
            ui.label(RichText::new(self.i18n.tr(msg!("kiosk-unconfigured-body"))).size(21.0));
            ui.add_space(32.0);
            let staff = match reason {
                Some(Unconfigured::NoPin) | None => msg!("kiosk-unconfigured-no-pin"),
                Some(Unconfigured::NoUrl) => msg!("kiosk-unconfigured-no-url"),
                Some(Unconfigured::NoToken) => msg!("kiosk-unconfigured-no-token"),
            };
            ui.weak(self.i18n.tr(staff));
        });
        Transition::None
    }

    /// A small, discreet line for staff: the terminal needs attention (a rating failed,
    /// ratings wait to be sent, sending is paused, or the token expires within
    /// `token_warning_days`).
    pub(in crate::ui::app) fn staff_indicator(&self, ui: &mut Ui) {
        let outbox_needs_staff = self.outbox_status().is_some_and(|s| {
            s.waiting + s.needs_attention > 0 || s.paused.is_some() || s.problem.is_some()
        }) || self.token_warning().is_some();
        if self
            .kiosk
            .as_ref()
            .is_some_and(|k| k.needs_attention() || outbox_needs_staff)
        {
            ui.label(
                RichText::new(self.i18n.tr(msg!("kiosk-needs-attention")))
                    .small()
                    .color(ui.visuals().warn_fg_color),
            );
        }
    }

    /// The idle warning and the PIN prompt, over everything else.
    pub(in crate::ui::app) fn kiosk_overlays(&mut self, ctx: &egui::Context) -> Transition {
        if let Some(seconds) = self.idle_seconds_left()
            && self.kiosk.as_ref().is_some_and(|k| k.prompt.is_none())
        {
            let mut still_here = false;
            egui::Modal::new(Id::unique("idle-warning")).show(ctx, |ui| {
                ui.set_width(520.0);
                ui.label(
                    RichText::new(self.i18n.tr(msg!("kiosk-idle-title")))
                        .size(26.0)
                        .strong(),
                );
                ui.label(
                    RichText::new(
                        self.i18n
                            .tr_args(msg!("kiosk-idle-body"), &[("seconds", seconds.into())]),
                    )
                    .size(20.0),
                );
                ui.add_space(8.0);
                still_here = ui
                    .add(theme::primary_button(
                        ui.ctx(),
                        self.i18n.tr(msg!("kiosk-idle-continue")),
                    ))
                    .clicked();
            });
            if still_here && let Some(kiosk) = &mut self.kiosk {
                kiosk.timers.touched(self.clock.now());
            }
        }
        self.pin_prompt(ctx)
    }
}

impl Visit {
    /// The welcome screen: scan or type the visit id, then start.
    pub(in crate::ui::app) fn ready_ui(&mut self, app: &mut RatingApp, ui: &mut Ui) -> Transition {
        let now = app.clock.now();
        let cooling_down = app.kiosk.as_ref().is_some_and(|k| k.cooling_down(now));
        ui.add_space(32.0 + app.kiosk_spare_height() / 3.0);
        ui.vertical_centered(|ui| {
            ui.label(
                RichText::new(app.i18n.tr(msg!("kiosk-ready-title")))
                    .size(34.0)
                    .strong(),
            );
            ui.add_space(8.0);
            ui.label(RichText::new(app.i18n.tr(msg!("kiosk-ready-body"))).size(21.0));
            ui.add_space(24.0);
        });
        let label = ui.label(RichText::new(app.i18n.tr(msg!("visit-id-label"))).strong());
        let response = ui
            .add(
                egui::TextEdit::singleline(&mut self.form.visit_id)
                    .id(Id::unique(VISIT_ID_FIELD))
                    .hint_text(app.i18n.tr(msg!("visit-id-hint")))
                    .char_limit(MAX_VISIT_ID_CHARS)
                    .desired_width(f32::INFINITY)
                    .font(egui::TextStyle::Heading),
            )
            .labelled_by(label.id);
        app.limit_reached_ui(ui, self.form.visit_id.chars().count(), MAX_VISIT_ID_CHARS);
        // The scanner types wherever the focus is: a tap elsewhere on this screen (an
        // empty spot, a disabled button) takes it from the field, so it comes back
        // whenever nothing else holds it (not while the PIN prompt is open).
        let scanned = response.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        let nothing_focused = !scanned
            && ui.memory(|m| m.focused().is_none())
            && app.kiosk.as_ref().is_some_and(|k| !k.prompt_open());
        if std::mem::take(&mut app.once.focus_visit_id) || nothing_focused {
            response.request_focus();
        }
        let valid = self.visit_id(app);
        if !self.form.visit_id.trim().is_empty()
            && let Err(e) = &valid
        {
            ui.colored_label(ui.visuals().error_fg_color, app.i18n.visit_id_error(e));
        }
        ui.add_space(16.0);
        let can_start = valid.is_ok() && !cooling_down;
        let start = ui.vertical_centered(|ui| {
            ui.add_enabled(
                can_start,
                theme::primary_button(ui.ctx(), app.i18n.tr(msg!("kiosk-start"))),
            )
            .clicked()
        });
        if can_start && (start.inner || scanned) {
            return Transition::StartRating;
        }
        if scanned {
            // Keep the focus in the field so the next scan lands there.
            response.request_focus();
        }
        Transition::None
    }

    /// The scanned visit id on the form (read-only), and a way to start over at once.
    /// A long id (up to 256 characters) is cut short with «…» in the room the button
    /// leaves, rather than widening the form past the screen's edge.
    pub(in crate::ui::app) fn kiosk_visit_line(
        &mut self,
        app: &mut RatingApp,
        ui: &mut Ui,
    ) -> Transition {
        let mut next = Transition::None;
        let start_over = app.i18n.tr(msg!("kiosk-start-over"));
        ui.horizontal(|ui| {
            let button_text = egui::WidgetText::from(start_over.as_str()).into_galley(
                ui,
                Some(egui::TextWrapMode::Extend),
                f32::INFINITY,
                egui::TextStyle::Button,
            );
            let room = ui.available_width()
                - button_text.size().x
                - 2.0 * ui.spacing().button_padding.x
                - ui.spacing().item_spacing.x;
            ui.scope(|ui| {
                ui.set_max_width(room.max(0.0));
                ui.add(
                    egui::Label::new(
                        RichText::new(app.i18n.tr_args(
                            msg!("kiosk-visit"),
                            &[("id", self.form.visit_id.trim().into())],
                        ))
                        .size(18.0),
                    )
                    .truncate(),
                );
            });
            ui.with_layout(egui::Layout::right_to_left(Align::Center), |ui| {
                if ui.button(start_over).clicked() {
                    next = Transition::NextPatient;
                }
            });
        });
        next
    }

    /// What a patient sees of an answer: only what is theirs to act on.
    pub(in crate::ui::app) fn kiosk_result_ui(
        app: &mut RatingApp,
        ui: &mut Ui,
        last: &LastResult,
    ) -> Transition {
        let mut next = Transition::None;
        let already = matches!(
            last,
            LastResult::Sent(SubmitReport { outcome, .. })
                if outcome.kind == OutcomeKind::AlreadyRecorded
        );
        if !already && let Some(kiosk) = &mut app.kiosk {
            // Not accepted and not kept: staff must look (the patient is told to ask).
            kiosk.needs_attention = true;
        }
        let (headline, body) = if already {
            (msg!("kiosk-already-rated"), msg!("advice-already-recorded"))
        } else {
            (msg!("kiosk-not-sent"), msg!("kiosk-not-sent-body"))
        };
        let panel = egui::Frame::group(ui.style())
            .stroke(egui::Stroke::new(2.0, ui.visuals().warn_fg_color))
            .inner_margin(16.0)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(RichText::new(app.i18n.tr(headline)).strong().size(24.0));
                ui.label(RichText::new(app.i18n.tr(body)).size(20.0));
                if ui
                    .add(theme::primary_button(
                        ui.ctx(),
                        app.i18n.tr(msg!("kiosk-done")),
                    ))
                    .clicked()
                {
                    next = Transition::NextPatient;
                }
            });
        if std::mem::take(&mut app.once.scroll_to_result) {
            panel.response.scroll_to_me(Some(Align::BOTTOM));
        }
        next
    }
}
