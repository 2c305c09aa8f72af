//! The patient's visit ([`Visit`]: the form, the submission in flight, its answer) and
//! the form screen: visit id, the four star rows, the remarks, the Send row and the hint
//! of what is still missing. Drawing and the form's own rules only; sending is the state
//! machine's ([`super::RatingApp::start_submit`]).
//!
//! The visit id and the remarks take no more characters than a rating may hold
//! ([`MAX_VISIT_ID_CHARS`], [`NOTES_MAX_CHARS`]): egui's `char_limit` stops typing, a
//! scanner, a paste and keys typed ahead alike, and a line under the field says so.

use crate::msg;
use egui::{Align, Id, Key, Layout, RichText, Ui};

use crate::api::{MAX_VISIT_ID_CHARS, VisitId, VisitIdError};
use crate::rating::{Criterion, Missing, NOTES_MAX_CHARS};

use poll_promise::Promise;

use super::{FormState, LastResult, RatingApp, Shape, Transition, VISIT_ID_FIELD};
use crate::service::{NotSent, SubmitReport};
use crate::ui::keyboard;
use crate::ui::star_rating::star_rating;
use crate::ui::theme::{self};

/// The patient's visit, which the ready screen, the form and the thank-you screen share:
/// the form being filled in, the submission in flight and the answer to it.
#[derive(Default)]
pub(super) struct Visit {
    /// The form; kept while the settings are open.
    pub(super) form: FormState,
    /// The submission in flight (one at a time).
    pub(super) pending: Option<Promise<Result<SubmitReport, NotSent>>>,
    /// The answer shown.
    pub(super) last: Option<LastResult>,
    /// The last rating is kept in the outbox rather than accepted yet.
    pub(super) saved_for_later: bool,
    /// When "Send" was pressed, until the frame that shows the answer (a timing for
    /// people reading the log, and for `bench/send_to_thanks.py`).
    pub(super) submit_pressed: Option<std::time::Instant>,
    /// When sending began, on egui's clock (the spinner waits
    /// [`super::SPINNER_DELAY`]).
    pub(super) sending_since: f64,
}

impl Visit {
    /// The visit id as the server will get it, or why it is not valid.
    pub(super) fn visit_id(&self, app: &RatingApp) -> Result<VisitId, VisitIdError> {
        VisitId::from_input(
            &self.form.visit_id,
            app.config.clinic_guid.as_deref(),
            &app.config.visit_id_separator,
        )
    }

    /// Everything still missing before the form can be sent, in words.
    pub(super) fn missing_hint(&self, app: &RatingApp) -> Option<String> {
        let mut parts = Vec::new();
        if let Err(e) = self.visit_id(app) {
            parts.push(app.i18n.visit_id_error(&e));
        }
        let mut unrated = Vec::new();
        for missing in self.form.draft.missing() {
            match missing {
                Missing::Score(criterion) => {
                    unrated.push(format!("«{}»", app.i18n.tr(criterion.label_key())));
                }
                Missing::NotesTooLong { chars } => parts.push(app.i18n.tr_args(
                    msg!("error-notes-too-long"),
                    &[("chars", chars.into()), ("max", NOTES_MAX_CHARS.into())],
                )),
            }
        }
        if !unrated.is_empty() {
            parts.push(
                app.i18n
                    .tr_args(msg!("hint-rate"), &[("list", unrated.join(", ").into())]),
            );
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    pub(super) fn form_ui(&mut self, app: &mut RatingApp, ui: &mut Ui) -> Transition {
        let sending = self.pending.is_some();
        let mut next = Transition::None;
        let compact = app.compact_kiosk();
        let gap = if compact { 2.0 } else { 8.0 };
        ui.add_enabled_ui(!sending, |ui| {
            if app.kiosk.is_some() {
                next = self.kiosk_visit_line(app, ui);
            } else {
                self.visit_id_ui(app, ui);
            }
            ui.add_space(gap);
            self.scores_ui(app, ui);
            ui.add_space(gap);
            self.notes_ui(app, ui);
            ui.add_space(gap / 2.0);
            let didnt_visit = app.i18n.tr(msg!("didnt-visit"));
            ui.checkbox(&mut self.form.draft.didnt_visit, didnt_visit);
        });
        ui.add_space(gap * 1.5);
        next = next.or(self.submit_row(app, ui));
        if let Some(last) = self.last.clone() {
            ui.add_space(12.0);
            next = next.or(Self::result_ui(app, ui, &last));
        }
        next
    }

    pub(super) fn visit_id_ui(&mut self, app: &mut RatingApp, ui: &mut Ui) {
        let clinic = app
            .config
            .clinic_guid
            .as_deref()
            .is_some_and(|c| !c.trim().is_empty());
        let label = ui.label(RichText::new(app.i18n.tr(msg!("visit-id-label"))).strong());
        let hint = app.i18n.tr(if clinic {
            msg!("visit-id-hint-clinic")
        } else {
            msg!("visit-id-hint")
        });
        let id = Id::unique(VISIT_ID_FIELD);
        let response = ui
            .add(
                egui::TextEdit::singleline(&mut self.form.visit_id)
                    .id(id)
                    .hint_text(hint)
                    .char_limit(MAX_VISIT_ID_CHARS)
                    .desired_width(f32::INFINITY)
                    .font(egui::TextStyle::Heading),
            )
            .labelled_by(label.id);
        app.limit_reached_ui(ui, self.form.visit_id.chars().count(), MAX_VISIT_ID_CHARS);
        if std::mem::take(&mut app.once.focus_visit_id) {
            response.request_focus();
        }
        // A scanner types the id and presses Enter: go on to the first row.
        if response.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
            ui.memory_mut(|m| m.request_focus(star_row_id(Criterion::ALL[0])));
        }
        if !self.form.visit_id.trim().is_empty()
            && let Err(e) = self.visit_id(app)
        {
            ui.colored_label(ui.visuals().error_fg_color, app.i18n.visit_id_error(&e));
        }
    }

    pub(super) fn scores_ui(&mut self, app: &mut RatingApp, ui: &mut Ui) {
        let enabled = !self.form.draft.didnt_visit;
        let layout = app.kiosk_layout();
        let (label_width, row_height, row_gap) = match layout {
            Some(layout) if layout.shape == Shape::Compact => {
                (layout.label_width, layout.row_height, 4.0)
            }
            Some(layout) => (layout.label_width, layout.row_height, 10.0),
            None => (theme::CRITERION_LABEL_WIDTH, 52.0, 10.0),
        };
        egui::Grid::new("scores")
            .num_columns(3)
            .spacing([16.0, row_gap])
            .min_row_height(row_height)
            .show(ui, |ui| {
                for criterion in Criterion::ALL {
                    let name = app.i18n.tr(criterion.label_key());
                    ui.add_enabled_ui(enabled, |ui| {
                        ui.set_width(label_width);
                        ui.add(egui::Label::new(&name).wrap());
                    });
                    let mut value = self.form.draft.score(criterion);
                    let description = match value {
                        Some(score) => app.i18n.tr_args(
                            msg!("star-value"),
                            &[
                                ("criterion", name.as_str().into()),
                                ("value", score.get().into()),
                            ],
                        ),
                        None => app
                            .i18n
                            .tr_args(msg!("star-unset"), &[("criterion", name.as_str().into())]),
                    };
                    let row = ui.add_enabled(
                        enabled,
                        star_rating(star_row_id(criterion), &mut value, &description),
                    );
                    if criterion == Criterion::ALL[0]
                        && std::mem::take(&mut app.once.focus_first_row)
                    {
                        row.request_focus();
                    }
                    self.form.draft.set_score(criterion, value);
                    let short = value.map_or_else(
                        || "—".to_owned(),
                        |s| {
                            app.i18n
                                .tr_args(msg!("star-short"), &[("value", s.get().into())])
                        },
                    );
                    ui.add_enabled(enabled, egui::Label::new(RichText::new(short).strong()));
                    ui.end_row();
                }
            });
    }

    pub(super) fn notes_ui(&mut self, app: &mut RatingApp, ui: &mut Ui) {
        let field = self.notes_field_ui(app, ui);
        // A short kiosk screen has no room for the keyboard above Send: there it opens
        // when the remarks are tapped, and its own key hides it again.
        let short = app.compact_kiosk();
        if let Some(kiosk) = &mut app.kiosk
            && kiosk.options.on_screen_keyboard
        {
            let opened = !kiosk.keyboard.open && (field.clicked() || field.gained_focus());
            kiosk.keyboard.open |= opened;
            if !short || kiosk.keyboard.open {
                ui.add_space(4.0);
                let keys = ui.scope(|ui| {
                    keyboard::on_screen_keyboard(
                        ui,
                        &mut kiosk.keyboard,
                        &mut self.form.draft.notes,
                        NOTES_MAX_CHARS,
                        &app.i18n,
                        short,
                    );
                });
                if opened && short {
                    keys.response.scroll_to_me(Some(Align::BOTTOM));
                }
            }
        }
    }

    pub(super) fn notes_field_ui(&mut self, app: &mut RatingApp, ui: &mut Ui) -> egui::Response {
        let label = ui.label(RichText::new(app.i18n.tr(msg!("notes-label"))).strong());
        let rows = app.kiosk_layout().map_or(3, |layout| layout.notes_rows);
        let field = ui
            .add(
                egui::TextEdit::multiline(&mut self.form.draft.notes)
                    .desired_rows(rows)
                    .desired_width(f32::INFINITY)
                    .lock_focus(false)
                    .char_limit(NOTES_MAX_CHARS)
                    .hint_text(app.i18n.tr(msg!("notes-hint"))),
            )
            .labelled_by(label.id);
        let chars = self.form.draft.notes.chars().count();
        let counter = app.i18n.tr_args(
            msg!("notes-counter"),
            &[("count", chars.into()), ("max", NOTES_MAX_CHARS.into())],
        );
        ui.with_layout(Layout::right_to_left(Align::Min), |ui| {
            if chars >= NOTES_MAX_CHARS {
                ui.colored_label(ui.visuals().warn_fg_color, counter);
            } else {
                ui.weak(counter);
            }
        });
        app.limit_reached_ui(ui, chars, NOTES_MAX_CHARS);
        field
    }

    pub(super) fn submit_row(&mut self, app: &mut RatingApp, ui: &mut Ui) -> Transition {
        let mut next = Transition::None;
        let hint = self.missing_hint(app);
        let sending = self.pending.is_some();
        // At a kiosk the hint goes beside Send, where a patient looks when Send does not
        // answer: under it, a short screen (800×480) has no room, and on a landscape one
        // with the on-screen keyboard (1280×800) the list of questions still to rate ran
        // past the bottom of the screen.
        let beside = app.kiosk.is_some();
        ui.horizontal(|ui| {
            let text = if sending {
                app.i18n.tr(msg!("submitting"))
            } else {
                app.i18n.tr(msg!("submit"))
            };
            let button = theme::primary_button(ui.ctx(), text);
            if ui.add_enabled(hint.is_none() && !sending, button).clicked() {
                next = Transition::Submit;
            }
            if sending {
                let waited = ui.input(|i| i.time) - self.sending_since;
                if waited >= super::SPINNER_DELAY {
                    ui.spinner();
                } else {
                    ui.ctx()
                        .request_repaint_after(std::time::Duration::from_secs_f64(
                            super::SPINNER_DELAY - waited,
                        ));
                }
            }
            if beside {
                submit_hint(app, ui, hint.as_deref(), sending);
            }
        });
        if !beside {
            submit_hint(app, ui, hint.as_deref(), sending);
        }
        next
    }
}

/// What is still missing, or that all is filled in (with Ctrl+Enter at a desk; patients
/// at a kiosk are shown no keyboard shortcut).
fn submit_hint(app: &RatingApp, ui: &mut Ui, hint: Option<&str>, sending: bool) {
    match hint {
        Some(hint) => {
            // In the Tab order: Send takes no focus while disabled, so a keyboard user
            // Tabbing on from the form hears here what is still missing.
            theme::focus_line(ui, RichText::new(hint).color(ui.visuals().warn_fg_color));
        }
        None if !sending => {
            let ready = if app.kiosk.is_some() {
                msg!("kiosk-hint-ready")
            } else {
                msg!("hint-ready")
            };
            ui.add(egui::Label::new(RichText::new(app.i18n.tr(ready)).weak()).wrap());
        }
        None => {}
    }
}

/// The stable id of a criterion's star row.
pub fn star_row_id(criterion: Criterion) -> Id {
    Id::unique(("star-row", criterion.field()))
}
