//! After a rating: when to say thank you ([`Thanks::for_answer`], the one place that
//! decides it), the thank-you screen, and the result panel that shows the server's
//! answer (its words verbatim) and what to do.

use crate::msg;
use egui::{Align, Key, RichText, Ui};

use crate::api::OutcomeKind;
use crate::i18n::OutcomeWords;
use crate::service::{ConnectError, NotSent, SubmitReport};

use super::form::Visit;
use super::{LastResult, RatingApp, Transition};
use crate::ui::theme::{self};

/// How an answer to "Send" is thanked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Thanks {
    /// The server took the rating.
    Accepted,
    /// The outbox keeps it and the background sender sends it later ("thank you, saved").
    Saved,
}

impl Thanks {
    /// Whether the answer to "Send" is thanked for (the thank-you screen), or shown
    /// under the form for the person to act on (`None`). A kiosk thanks the patient
    /// whenever the rating is safe in the outbox; a desk treats a network failure as
    /// "saved" too, but shows token and server problems.
    pub(super) fn for_answer(
        result: &Result<SubmitReport, NotSent>,
        kiosk: bool,
    ) -> Option<Thanks> {
        let (kind, kept) = match result {
            Ok(report) => (Some(report.outcome.kind), report.queued),
            Err(not_sent) => (None, matches!(not_sent, NotSent::SavedWithoutToken(_))),
        };
        let network = kept && kind == Some(OutcomeKind::Transient);
        if kind == Some(OutcomeKind::Accepted) {
            Some(Thanks::Accepted)
        } else if (kept && kiosk) || network {
            Some(Thanks::Saved)
        } else {
            None
        }
    }
}

impl Visit {
    /// The answer under the form: the server's words and what to do.
    pub(super) fn result_ui(app: &mut RatingApp, ui: &mut Ui, last: &LastResult) -> Transition {
        if app.kiosk.is_some() {
            return Self::kiosk_result_ui(app, ui, last);
        }
        let mut next = Transition::None;
        let (words, kind) = match last {
            LastResult::Sent(SubmitReport { outcome, .. }) => {
                (app.i18n.outcome_words(outcome), Some(outcome.kind))
            }
            LastResult::NotSent(not_sent) => (
                OutcomeWords {
                    headline: app.i18n.tr(msg!("not-sent")),
                    server: None,
                    advice: Some(match not_sent {
                        NotSent::NotConnected(ConnectError::NoUrl) => {
                            app.i18n.tr(msg!("error-no-url"))
                        }
                        NotSent::NotConnected(ConnectError::NoToken(e)) => {
                            app.i18n.secrets_error(e)
                        }
                        NotSent::SavedWithoutToken(e) => format!(
                            "{} {}",
                            app.i18n.tr(msg!("saved-without-token")),
                            app.i18n.secrets_error(e)
                        ),
                        NotSent::NotSaved(_) => app.i18n.tr(msg!("not-saved-advice")),
                        NotSent::Unsent(_) | NotSent::Skipped(_) => {
                            app.i18n.tr(msg!("saved-will-be-sent"))
                        }
                        NotSent::NotConnected(ConnectError::Client(e)) => app.i18n.client_error(e),
                        NotSent::NoThread(_) => app.i18n.tr(msg!("advice-rejected")),
                    }),
                    detail: Some(
                        app.i18n
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
                    ui.label(app.i18n.tr(msg!("outbox-kept-attention-desk")));
                }
                if let Some(detail) = &words.detail {
                    ui.weak(detail);
                }
                ui.horizontal(|ui| {
                    if matches!(kind, Some(OutcomeKind::Transient))
                        && ui.button(app.i18n.tr(msg!("retry"))).clicked()
                    {
                        next = Transition::Submit;
                    }
                    let token_problem = matches!(kind, Some(OutcomeKind::Unauthorized(_)))
                        || matches!(
                            last,
                            LastResult::NotSent(
                                NotSent::NotConnected(ConnectError::NoToken(_))
                                    | NotSent::SavedWithoutToken(_)
                            )
                        );
                    if token_problem && ui.button(app.i18n.tr(msg!("replace-token"))).clicked() {
                        next = Transition::OpenSettings;
                    }
                    if matches!(kind, Some(OutcomeKind::AlreadyRecorded))
                        && ui.button(app.i18n.tr(msg!("new-rating"))).clicked()
                    {
                        next = Transition::NextPatient;
                    }
                });
            });
        // Bring a fresh answer into view once; after that the user scrolls freely.
        if std::mem::take(&mut app.once.scroll_to_result) {
            panel.response.scroll_to_me(Some(Align::BOTTOM));
        }
        next
    }

    pub(super) fn thank_you_ui(&mut self, app: &mut RatingApp, ui: &mut Ui) -> Transition {
        let mut next = Transition::None;
        let now = app.clock.now();
        let saved_for_later = self.saved_for_later;
        let cooling_down = app.kiosk.as_ref().is_some_and(|k| k.cooling_down(now));
        ui.add_space(48.0 + app.kiosk_spare_height() / 3.0);
        ui.vertical_centered(|ui| {
            let title_text = app.i18n.tr(if saved_for_later {
                msg!("thanks-saved-title")
            } else {
                msg!("thanks-title")
            });
            let body = app.i18n.tr(if saved_for_later && app.kiosk.is_none() {
                msg!("outcome-queued")
            } else {
                msg!("thanks-body")
            });
            // The title takes the keyboard focus when the screen opens: a screen reader
            // reads what takes the focus (Orca 43 has no other way to hear a new screen),
            // the line under it with it.
            let title = theme::focus_title(
                ui,
                RichText::new(title_text)
                    .size(34.0)
                    .strong()
                    .color(theme::Palette::of(ui.ctx()).success),
                &body,
            );
            if std::mem::take(&mut app.once.focus_thanks) {
                title.request_focus();
            }
            ui.add_space(12.0);
            ui.label(RichText::new(body).size(20.0));
            if app.kiosk.is_none()
                && let Some(LastResult::Sent(SubmitReport { outcome, .. })) = &self.last
                && let Some(message) = &outcome.message
            {
                ui.weak(app.i18n.tr_args(
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
            let button = theme::primary_button(ui.ctx(), app.i18n.tr(msg!("new-rating")));
            let response = ui.add_enabled(!cooling_down, button);
            let enter = ui.input(|i| i.key_pressed(Key::Enter) && i.modifiers.is_none());
            if response.clicked() || (enter && !cooling_down) {
                next = Transition::NextPatient;
            }
            if let Some(seconds) = app.kiosk.as_ref().map(|k| k.reset_in(now)) {
                ui.add_space(12.0);
                ui.weak(
                    app.i18n
                        .tr_args(msg!("kiosk-reset-in"), &[("seconds", seconds.into())]),
                );
            }
        });
        next
    }
}

#[cfg(test)]
mod tests {
    use super::Thanks;
    use crate::api::{Outcome, OutcomeKind, TokenProblem};
    use crate::service::{NotSent, SubmitReport};

    fn report(kind: OutcomeKind, queued: bool) -> SubmitReport {
        SubmitReport {
            outcome: Outcome {
                kind,
                http_status: None,
                code: None,
                message: None,
                message_code: None,
                detail: None,
            },
            queued,
        }
    }

    #[test]
    fn a_desk_thanks_for_the_accepted_and_the_unreachable_a_kiosk_for_all_it_keeps() {
        use OutcomeKind::{Accepted, AlreadyRecorded, Refused, Rejected, Transient, Unauthorized};
        use Thanks::{Accepted as Took, Saved};
        let no_thread = NotSent::NoThread(std::sync::Arc::new(std::io::Error::other("x")));
        // The answer; at a desk; at a kiosk.
        let cases = [
            (Ok(report(Accepted, false)), Some(Took), Some(Took)),
            (Ok(report(Transient, true)), Some(Saved), Some(Saved)),
            (Ok(report(Transient, false)), None, None),
            (Ok(report(Rejected, true)), None, Some(Saved)),
            (Ok(report(Rejected, false)), None, None),
            (Ok(report(Refused, true)), None, Some(Saved)),
            (Ok(report(AlreadyRecorded, false)), None, None),
            (
                Ok(report(Unauthorized(TokenProblem::Expired), true)),
                None,
                Some(Saved),
            ),
            (Err(no_thread), None, None),
        ];
        for (result, desk, kiosk) in cases {
            assert_eq!(Thanks::for_answer(&result, false), desk, "desk: {result:?}");
            assert_eq!(
                Thanks::for_answer(&result, true),
                kiosk,
                "kiosk: {result:?}"
            );
        }
    }
}
