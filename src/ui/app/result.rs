//! After a rating: the thank-you screen and the result panel that shows the server's
//! answer (its words verbatim) and what to do.

use crate::msg;
use egui::{Align, Key, RichText, Ui};

use crate::api::OutcomeKind;
use crate::i18n::OutcomeWords;
use crate::service::{ConnectError, NotSent, SubmitReport};

use super::{LastResult, RatingApp, Screen};
use crate::ui::theme::{self};

impl RatingApp {
    pub(super) fn result_ui(&mut self, ui: &mut Ui, last: &LastResult) {
        if self.kiosk.is_some() {
            self.kiosk_result_ui(ui, last);
            return;
        }
        let (words, kind) = match last {
            LastResult::Sent(SubmitReport { outcome, .. }) => {
                (self.i18n.outcome_words(outcome), Some(outcome.kind))
            }
            LastResult::NotSent(not_sent) => (
                OutcomeWords {
                    headline: self.i18n.tr(msg!("not-sent")),
                    server: None,
                    advice: Some(match not_sent {
                        NotSent::NotConnected(ConnectError::NoUrl) => {
                            self.i18n.tr(msg!("error-no-url"))
                        }
                        NotSent::NotConnected(ConnectError::NoToken(e)) => {
                            self.i18n.secrets_error(e)
                        }
                        NotSent::SavedWithoutToken(e) => format!(
                            "{} {}",
                            self.i18n.tr(msg!("saved-without-token")),
                            self.i18n.secrets_error(e)
                        ),
                        NotSent::NotSaved(_) => self.i18n.tr(msg!("not-saved-advice")),
                        NotSent::Unsent(_) | NotSent::Skipped(_) => {
                            self.i18n.tr(msg!("saved-will-be-sent"))
                        }
                        NotSent::NotConnected(ConnectError::Client(e)) => self.i18n.client_error(e),
                        NotSent::NoThread(_) => self.i18n.tr(msg!("advice-rejected")),
                    }),
                    detail: Some(
                        self.i18n
                            .tr_args(msg!("detail"), &[("detail", not_sent.to_string().into())]),
                    ),
                },
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
                ui.label(RichText::new(&words.headline).strong().size(20.0));
                if let Some(server) = &words.server {
                    ui.label(server);
                }
                if let Some(advice) = &words.advice {
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
                    ui.label(self.i18n.tr(msg!("outbox-kept-attention-desk")));
                }
                if let Some(detail) = &words.detail {
                    ui.weak(detail);
                }
                ui.horizontal(|ui| {
                    if matches!(kind, Some(OutcomeKind::Transient))
                        && ui.button(self.i18n.tr(msg!("retry"))).clicked()
                    {
                        self.start_submit(&ui.ctx().clone());
                    }
                    let token_problem = matches!(kind, Some(OutcomeKind::Unauthorized(_)))
                        || matches!(
                            last,
                            LastResult::NotSent(
                                NotSent::NotConnected(ConnectError::NoToken(_))
                                    | NotSent::SavedWithoutToken(_)
                            )
                        );
                    if token_problem && ui.button(self.i18n.tr(msg!("replace-token"))).clicked() {
                        self.load_setup_fields();
                        self.screen = Screen::Setup;
                    }
                    if matches!(kind, Some(OutcomeKind::AlreadyRecorded))
                        && ui.button(self.i18n.tr(msg!("new-rating"))).clicked()
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

    pub(super) fn thank_you_ui(&mut self, ui: &mut Ui) {
        let now = self.clock.now();
        let saved_for_later = self.saved_for_later;
        let cooling_down = self.kiosk.as_ref().is_some_and(|k| k.cooling_down(now));
        ui.add_space(48.0 + self.kiosk_spare_height() / 3.0);
        ui.vertical_centered(|ui| {
            let title = if saved_for_later {
                msg!("thanks-saved-title")
            } else {
                msg!("thanks-title")
            };
            ui.label(
                RichText::new(self.i18n.tr(title))
                    .size(34.0)
                    .strong()
                    .color(theme::Palette::of(ui.ctx()).success),
            );
            ui.add_space(12.0);
            let body = if saved_for_later && self.kiosk.is_none() {
                msg!("outcome-queued")
            } else {
                msg!("thanks-body")
            };
            ui.label(RichText::new(self.i18n.tr(body)).size(20.0));
            if self.kiosk.is_none()
                && let Some(LastResult::Sent(SubmitReport { outcome, .. })) = &self.last
                && let Some(message) = &outcome.message
            {
                ui.weak(self.i18n.tr_args(
                    msg!("server-said"),
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
            let button = theme::primary_button(ui.ctx(), self.i18n.tr(msg!("new-rating")));
            let response = ui.add_enabled(!cooling_down, button);
            let enter = ui.input(|i| i.key_pressed(Key::Enter) && i.modifiers.is_none());
            if response.clicked() || (enter && !cooling_down) {
                self.forget_patient(&ui.ctx().clone());
            }
            if let Some(seconds) = self.kiosk.as_ref().map(|k| k.reset_in(now)) {
                ui.add_space(12.0);
                ui.weak(
                    self.i18n
                        .tr_args(msg!("kiosk-reset-in"), &[("seconds", seconds.into())]),
                );
            }
        });
    }
}
