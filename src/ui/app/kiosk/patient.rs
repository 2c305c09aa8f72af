//! What patients see in kiosk mode: the ready screen, "terminal not configured", the
//! scanned visit id on the form, the answer, the idle warning, the staff line, and the
//! patient's own buttons (A−/A+ text size, high contrast, the other language).

use crate::msg;
use egui::{Align, Id, Key, RichText, Role, TextStyle, TextWrapMode, Ui, WidgetInfo};

use super::keypad::{KeypadSize, Template, digits_left, keypad_ui, press};
use super::{KioskLayout, PatientChoices, Shape, Unconfigured};
use crate::api::{MAX_VISIT_ID_CHARS, OutcomeKind};
use crate::config::Language;
use crate::i18n::I18n;
use crate::ui::app::form::Visit;
use crate::ui::app::{
    LastResult, RatingApp, Screen, SubmitReport, Transition, VISIT_ID_FIELD, theme,
};

/// The least size of a patient's button, in points.
const PATIENT_BUTTON: egui::Vec2 = egui::vec2(64.0, 56.0);

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
        egui::Button::new(RichText::new(text).size(22.0).strong()).min_size(PATIENT_BUTTON);
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

    /// The terminal needs attention (a rating failed, ratings wait to be sent, sending
    /// is paused, or the token expires within `token_warning_days`).
    fn staff_needed(&self) -> bool {
        let outbox_needs_staff = self.outbox_status().is_some_and(|s| {
            s.waiting + s.needs_attention > 0 || s.paused.is_some() || s.problem.is_some()
        }) || self.token_warning().is_some();
        self.kiosk
            .as_ref()
            .is_some_and(|k| k.needs_attention() || outbox_needs_staff)
    }

    /// The staff line's text.
    fn staff_line(&self, ui: &Ui) -> RichText {
        RichText::new(self.i18n.tr(msg!("kiosk-needs-attention")))
            .small()
            .color(ui.visuals().warn_fg_color)
    }

    /// A small, discreet line for staff when the terminal needs attention.
    pub(in crate::ui::app) fn staff_indicator(&self, ui: &mut Ui) {
        if self.staff_needed() {
            ui.label(self.staff_line(ui));
        }
    }

    /// The width the patient's own buttons and the staff line take in the title bar, in
    /// points.
    fn title_tools_width(&self, ui: &Ui) -> f32 {
        let spacing = ui.spacing().item_spacing.x;
        let padding = 2.0 * ui.spacing().button_padding.x;
        let width = |text: RichText| {
            egui::WidgetText::from(text)
                .into_galley(
                    ui,
                    Some(TextWrapMode::Extend),
                    f32::INFINITY,
                    TextStyle::Button,
                )
                .size()
                .x
        };
        let mut total = 0.0;
        if matches!(self.screen, Screen::Ready | Screen::Form) {
            let other = match self.i18n.language() {
                Language::Ru => "English",
                Language::En => "Русский",
            };
            let contrast = self.i18n.tr(msg!("kiosk-contrast-short"));
            for text in ["A+", "A−", other, contrast.as_str()] {
                total += (width(RichText::new(text).size(22.0).strong()) + padding)
                    .max(PATIENT_BUTTON.x)
                    + spacing;
            }
        }
        if self.staff_needed() {
            total += width(self.staff_line(ui)) + spacing;
        }
        total
    }

    /// The kiosk's title bar: the hidden corner, the title, the patient's own buttons
    /// and the staff line. The title is never cut: where it does not fit beside the
    /// buttons (a portrait stand, a patient's larger text), the buttons keep the top row
    /// to themselves and the whole title is under them, wrapped if it must be.
    pub(in crate::ui::app) fn kiosk_title_bar(&mut self, ui: &mut Ui) {
        let title = RichText::new(self.i18n.tr(msg!("app-title"))).text_style(TextStyle::Heading);
        let title_width = egui::WidgetText::from(title.clone())
            .into_galley(
                ui,
                Some(TextWrapMode::Extend),
                f32::INFINITY,
                TextStyle::Heading,
            )
            .size()
            .x;
        let spacing = ui.spacing().item_spacing.x;
        let one_row = super::CORNER + spacing + title_width + spacing + self.title_tools_width(ui)
            <= ui.available_width();
        ui.horizontal(|ui| {
            self.admin_corner(ui);
            ui.with_layout(egui::Layout::right_to_left(Align::Center), |ui| {
                self.patient_tools(ui);
                self.staff_indicator(ui);
                if one_row {
                    ui.with_layout(egui::Layout::left_to_right(Align::Center), |ui| {
                        ui.add(egui::Label::new(title.clone()).wrap());
                    });
                }
            });
        });
        if !one_row {
            ui.vertical_centered(|ui| {
                ui.add(egui::Label::new(title).wrap());
            });
        }
    }

    /// The idle warning and the PIN prompt, over everything else.
    pub(in crate::ui::app) fn kiosk_overlays(&mut self, ctx: &egui::Context) -> Transition {
        if let Some(seconds) = self.idle_seconds_left()
            && self.kiosk.as_ref().is_some_and(|k| k.prompt.is_none())
        {
            let mut still_here = false;
            let width = super::dialog_width(ctx, 0.6, 300.0, 760.0);
            egui::Modal::new(Id::unique("idle-warning")).show(ctx, |ui| {
                ui.set_width(width);
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

impl RatingApp {
    /// A visit id read whole (by a camera, or a scanner's keys and Enter) handed to the
    /// ready screen: it does what a scanner's Enter does there ([`Visit::scanned`]): a
    /// valid id opens the form, anything else stays in the field with its error. On any
    /// other screen it is ignored. Whether the form opened.
    pub fn scanned(&mut self, text: &str, ctx: &egui::Context) -> bool {
        if self.screen != Screen::Ready {
            return false;
        }
        let mut visit = std::mem::take(&mut self.screens.visit);
        let next = visit.scanned(self, text);
        self.screens.visit = visit;
        let started = matches!(next, Transition::StartRating);
        self.apply(next, ctx);
        started
    }
}

impl RatingApp {
    /// The identifier the keypad fills: the visit GUID alone when the clinic's is set.
    fn keypad_template(&self) -> Template {
        let clinic_set = self
            .config
            .clinic_guid
            .as_deref()
            .is_some_and(|c| !c.trim().is_empty());
        Template::new(clinic_set, &self.config.visit_id_separator)
    }
}

impl Visit {
    /// A scanner's Enter on the ready screen, for a code read whole: the field holds
    /// `text` (up to its limit); a valid id starts the form (unless the cooldown after
    /// the last rating runs), anything else stays in the field under its error, with the
    /// focus there for the next scan.
    pub(in crate::ui::app) fn scanned(&mut self, app: &mut RatingApp, text: &str) -> Transition {
        self.form.visit_id = text.chars().take(MAX_VISIT_ID_CHARS).collect();
        let now = app.clock.now();
        let cooling_down = app.kiosk.as_ref().is_some_and(|k| k.cooling_down(now));
        if let Some(kiosk) = &mut app.kiosk {
            kiosk.keypad_typed.clear();
        }
        if self.visit_id(app).is_ok() && !cooling_down {
            Transition::StartRating
        } else {
            app.once.focus_visit_id = true;
            Transition::None
        }
    }

    /// What a scanner typed after the keypad's digits, when that alone is a valid id
    /// (the patient began tapping, then scanned the slip); otherwise the whole field.
    fn scanned_text(&self, app: &RatingApp) -> String {
        let field = &self.form.visit_id;
        let typed = app.kiosk.as_ref().map_or("", |k| k.keypad_typed.as_str());
        if let Some(tail) = field.strip_prefix(typed)
            && !typed.is_empty()
            && !tail.is_empty()
            && crate::api::VisitId::from_input(
                tail,
                app.config.clinic_guid.as_deref(),
                &app.config.visit_id_separator,
            )
            .is_ok()
        {
            return tail.to_owned();
        }
        field.clone()
    }

    /// The welcome screen: scan the slip, or tap the visit id on the keypad (touch-only
    /// terminals), then start. Its content sits in the middle of the screen's height.
    pub(in crate::ui::app) fn ready_ui(&mut self, app: &mut RatingApp, ui: &mut Ui) -> Transition {
        let now = app.clock.now();
        let cooling_down = app.kiosk.as_ref().is_some_and(|k| k.cooling_down(now));
        let layout = app.kiosk_layout();
        let compact = app.compact_kiosk();
        let keypad = app
            .kiosk
            .as_ref()
            .is_some_and(|k| k.options.on_screen_keyboard);
        if self.form.visit_id.is_empty()
            && let Some(kiosk) = &mut app.kiosk
        {
            kiosk.keypad_typed.clear();
        }
        let height_id = Id::unique("kiosk-ready-content-height");
        // What the screen shows below this point (the scroll area's own height is
        // unbounded).
        let available = ui.clip_rect().bottom() - ui.cursor().top();
        let last_height: f32 = ui.data(|d| d.get_temp(height_id)).unwrap_or(available);
        ui.add_space(((available - last_height) / 2.0).max(if compact { 4.0 } else { 16.0 }));
        let content_top = ui.cursor().top();
        ui.vertical_centered(|ui| {
            ui.add(
                egui::Label::new(
                    RichText::new(app.i18n.tr(msg!("kiosk-ready-title")))
                        .size(if compact { 30.0 } else { 34.0 })
                        .strong(),
                )
                .wrap(),
            );
            ui.add_space(if compact { 2.0 } else { 8.0 });
            let body = if keypad {
                msg!("kiosk-ready-body-keypad")
            } else {
                msg!("kiosk-ready-body")
            };
            ui.add(egui::Label::new(RichText::new(app.i18n.tr(body)).size(21.0)).wrap());
            ui.add_space(if compact { 8.0 } else { 24.0 });
        });
        let label = ui.label(RichText::new(app.i18n.tr(msg!("visit-id-label"))).strong());
        let field_id = Id::unique(VISIT_ID_FIELD);
        let response = ui
            .add(
                egui::TextEdit::singleline(&mut self.form.visit_id)
                    .id(field_id)
                    .hint_text(app.i18n.tr(msg!("visit-id-hint")))
                    .char_limit(MAX_VISIT_ID_CHARS)
                    .desired_width(f32::INFINITY)
                    .font(egui::TextStyle::Heading),
            )
            .labelled_by(label.id);
        app.limit_reached_ui(ui, self.form.visit_id.chars().count(), MAX_VISIT_ID_CHARS);
        // The scanner types wherever the focus is: a tap elsewhere on this screen (an
        // empty spot, a disabled button, a key of the keypad) takes it from the field,
        // so it comes back whenever nothing else holds it (not while the PIN prompt is
        // open).
        let scanned = response.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        let nothing_focused = !scanned
            && ui.memory(|m| m.focused().is_none())
            && app.kiosk.as_ref().is_some_and(|k| !k.prompt_open());
        if std::mem::take(&mut app.once.focus_visit_id) || nothing_focused {
            response.request_focus();
        }
        if scanned {
            let text = self.scanned_text(app);
            let next = self.scanned(app, &text);
            if matches!(next, Transition::StartRating) {
                return next;
            }
            // Keep the focus in the field so the next scan lands there.
            response.request_focus();
        }
        let valid = self.visit_id(app);
        if !self.form.visit_id.trim().is_empty()
            && let Err(e) = &valid
        {
            ui.colored_label(ui.visuals().error_fg_color, app.i18n.visit_id_error(e));
        }
        let unfinished = match layout {
            Some(layout) if keypad => self.keypad(app, ui, layout, field_id),
            _ => false,
        };
        ui.add_space(if compact { 6.0 } else { 16.0 });
        let valid = self.visit_id(app);
        let can_start = valid.is_ok() && !unfinished && !cooling_down;
        let start = ui.vertical_centered(|ui| {
            ui.add_enabled(
                can_start,
                theme::primary_button(ui.ctx(), app.i18n.tr(msg!("kiosk-start"))),
            )
            .clicked()
        });
        // The content's height, for the next frame's space above it; a frame drawn with
        // a stale height is drawn again.
        let height = ui.cursor().top() - content_top;
        if (height - last_height).abs() > 1.0 {
            ui.data_mut(|d| d.insert_temp(height_id, height));
            ui.ctx()
                .request_discard("the ready screen's height changed");
        }
        if can_start && start.inner {
            return Transition::StartRating;
        }
        Transition::None
    }

    /// The visit id keypad under the field, and how many digits a GUID half tapped
    /// still lacks; a tap changes the field and gives the focus back to it (the cursor
    /// at the end), where a scanner types. Whether the id is unfinished (a GUID half
    /// tapped is no visit id yet: Start waits for it).
    fn keypad(&mut self, app: &mut RatingApp, ui: &mut Ui, layout: KioskLayout, field: Id) -> bool {
        let compact = layout.shape == Shape::Compact;
        let template = app.keypad_template();
        let left = digits_left(&self.form.visit_id, &template);
        // The line above the keys is one fixed height whatever it says (nothing on an
        // empty field, the digits left, "press Start"), so the keys never move under a
        // patient's finger: the first tap, or the last, would otherwise push them.
        let line = ui.text_style_height(&egui::TextStyle::Body).ceil() + 2.0;
        ui.allocate_ui(egui::vec2(ui.available_width(), line), |ui| {
            ui.set_min_height(line);
            if let Some(left) = left {
                ui.weak(
                    app.i18n
                        .tr_args(msg!("kiosk-keypad-left"), &[("count", left.into())]),
                );
            } else if !self.form.visit_id.is_empty() {
                ui.weak(app.i18n.tr(msg!("kiosk-keypad-done")));
            }
        });
        ui.add_space(if compact { 6.0 } else { 16.0 });
        let size = KeypadSize::for_width(
            ui.available_width(),
            layout.least_key(),
            layout.shape == Shape::Portrait,
        );
        let taps = keypad_ui(ui, size, &app.i18n);
        if taps.is_empty() {
            return left.is_some();
        }
        for key in taps {
            press(&mut self.form.visit_id, key, &template);
        }
        if let Some(kiosk) = &mut app.kiosk {
            kiosk.keypad_typed.clone_from(&self.form.visit_id);
            kiosk.timers.touched(app.clock.now());
        }
        if let Some(mut state) = egui::TextEdit::load_state(ui.ctx(), field) {
            let end = egui::text::CCursor::new(self.form.visit_id.chars().count());
            state
                .cursor
                .set_char_range(Some(egui::text::CCursorRange::one(end)));
            state.store(ui.ctx(), field);
        }
        app.once.focus_visit_id = true;
        ui.ctx().request_repaint();
        digits_left(&self.form.visit_id, &template).is_some()
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
