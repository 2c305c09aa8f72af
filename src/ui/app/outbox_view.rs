//! The outbox in the window: the background sender's thread, a status line (how many
//! ratings wait, the last error, "send now"), and a view that lists waiting,
//! needs-attention and other-server ratings with their last answer, with send now,
//! export, a confirmed "replaced by another rating" and "delete" (the only ways a person
//! takes a rating out), and a confirmed "send to the current server" for ratings saved
//! before the server URL changed. The remarks are never listed (they are personal data);
//! export writes them to a private file for whoever must act on them.

use crate::msg;
use std::sync::Arc;

use egui::{RichText, Ui};

use super::{RatingApp, Screen, theme};
use crate::outbox::worker::{OutboxStatus, OutboxWorker};
use crate::outbox::{DamagedFile, Entry, EntryState, Listing, OutboxError, Removal};

/// The outbox view's state.
#[derive(Default)]
pub(super) struct OutboxView {
    listing: Option<Listing>,
    /// Files set aside in `damaged/`, with their age: they wait for a person.
    damaged: Vec<DamagedFile>,
    /// The entry whose "delete" or "replaced" was pressed once and awaits confirmation.
    confirm: Option<(String, Removal)>,
    /// "Send to the current server" was pressed once and awaits confirmation.
    confirm_move: bool,
    message: Option<String>,
    /// The sender's status the list was last read for: a change re-reads it, so the
    /// list never shows ratings the sender has delivered meanwhile.
    seen_status: Option<OutboxStatus>,
}

impl RatingApp {
    /// Start the background sender once, on the first frame (it needs the context to
    /// wake the window).
    pub(super) fn start_worker(&mut self, ctx: &egui::Context) {
        if self.worker.is_some() {
            return;
        }
        let Some(outbox) = self.service.outbox().cloned() else {
            return;
        };
        let service = Arc::clone(&self.sender_service);
        let connect = Box::new(move || {
            let service = Arc::clone(
                &service
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            );
            service.connect()
        });
        let ctx = ctx.clone();
        match OutboxWorker::start(outbox, connect, Box::new(move || ctx.request_repaint())) {
            Ok(worker) => self.worker = Some(worker),
            Err(e) => tracing::error!(error = %e, "cannot start the outbox sender"),
        }
    }

    /// The outbox's status, if there is an outbox.
    pub fn outbox_status(&self) -> Option<OutboxStatus> {
        self.worker.as_ref().map(OutboxWorker::status)
    }

    /// Ask the sender to send everything now.
    pub fn send_outbox_now(&self) {
        if let Some(worker) = &self.worker {
            worker.send_now();
        }
    }

    fn status_text(&self, status: &OutboxStatus) -> Option<String> {
        let mut parts = Vec::new();
        if status.waiting > 0 {
            parts.push(
                self.i18n
                    .tr_args(msg!("outbox-waiting"), &[("count", status.waiting.into())]),
            );
        }
        if status.needs_attention > 0 {
            parts.push(self.i18n.tr_args(
                msg!("outbox-attention"),
                &[("count", status.needs_attention.into())],
            ));
        }
        if status.other_server > 0 {
            parts.push(self.i18n.tr_args(
                msg!("outbox-other-server"),
                &[("count", status.other_server.into())],
            ));
        }
        if status.damaged > 0 {
            parts.push(self.i18n.tr_args(
                msg!("outbox-damaged-count"),
                &[("count", status.damaged.into())],
            ));
        }
        if status.paused.is_some() {
            parts.push(self.i18n.tr(msg!("outbox-paused")));
        }
        if let Some(outcome) = &status.last_error {
            let words = self.i18n.server_words(outcome).unwrap_or_default();
            parts.push(
                self.i18n
                    .tr_args(msg!("outbox-last-error"), &[("error", words.into())]),
            );
        }
        if let Some(problem) = &status.problem {
            parts.push(problem.clone());
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }

    /// The status line at the bottom (desk mode): shown while anything waits.
    pub(super) fn outbox_status_bar(&mut self, ui: &mut Ui) {
        self.watch_token_expiry(ui.ctx());
        if self.kiosk.is_some() {
            return;
        }
        let status = self.outbox_status().unwrap_or_default();
        let text = match (self.token_warning(), self.status_text(&status)) {
            (Some(token), Some(outbox)) => format!("{token} · {outbox}"),
            (Some(token), None) => token,
            (None, Some(outbox)) => outbox,
            (None, None) => return,
        };
        egui::Panel::bottom("outbox-status")
            .frame(egui::Frame::side_top_panel(ui.style()).inner_margin(8.0))
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(text).color(ui.visuals().warn_fg_color));
                    if status.sending {
                        ui.spinner();
                    }
                    if ui.button(self.i18n.tr(msg!("outbox-send-now"))).clicked() {
                        self.send_outbox_now();
                    }
                    if self.screen != Screen::Outbox
                        && ui.button(self.i18n.tr(msg!("outbox-open"))).clicked()
                    {
                        self.open_outbox();
                    }
                });
            });
    }

    /// Open the outbox view.
    pub(super) fn open_outbox(&mut self) {
        self.outbox_view = OutboxView::default();
        self.reload_outbox();
        self.screen = Screen::Outbox;
    }

    fn reload_outbox(&mut self) {
        self.outbox_view.listing = self.service.outbox().and_then(|o| match o.list() {
            Ok(listing) => Some(listing),
            Err(e) => {
                self.outbox_view.message = Some(e.to_string());
                None
            }
        });
        self.outbox_view.damaged = self
            .service
            .outbox()
            .and_then(|o| o.damaged_files().ok())
            .unwrap_or_default();
    }

    /// The files set aside in `damaged/`, each with its age.
    fn damaged_ui(&self, ui: &mut Ui) {
        let damaged = &self.outbox_view.damaged;
        if damaged.is_empty() {
            return;
        }
        ui.separator();
        ui.label(
            RichText::new(self.i18n.tr_args(
                msg!("outbox-damaged-title"),
                &[("count", damaged.len().into())],
            ))
            .strong(),
        );
        let folder = self
            .service
            .outbox()
            .map(|o| o.dir().join("damaged").display().to_string())
            .unwrap_or_default();
        ui.label(
            self.i18n
                .tr_args(msg!("outbox-damaged-intro"), &[("folder", folder.into())]),
        );
        let now = std::time::SystemTime::now();
        for file in damaged {
            let days = now
                .duration_since(file.written)
                .map_or(0, |age| age.as_secs() / 86_400);
            ui.label(self.i18n.tr_args(
                msg!("outbox-damaged-file"),
                &[("name", file.name.as_str().into()), ("days", days.into())],
            ));
        }
    }

    /// The list of waiting and needs-attention ratings.
    pub(super) fn outbox_ui(&mut self, ui: &mut Ui) {
        ui.heading(self.i18n.tr(msg!("outbox-title")));
        let status = self.outbox_status();
        if status != self.outbox_view.seen_status {
            self.outbox_view.seen_status.clone_from(&status);
            self.reload_outbox();
        }
        if let Some(status) = status {
            ui.label(
                self.status_text(&status)
                    .unwrap_or_else(|| self.i18n.tr(msg!("outbox-empty"))),
            );
        }
        ui.horizontal(|ui| {
            if ui.button(self.i18n.tr(msg!("outbox-send-now"))).clicked() {
                self.send_outbox_now();
            }
            if ui.button(self.i18n.tr(msg!("outbox-refresh"))).clicked() {
                self.reload_outbox();
            }
            if ui.button(self.i18n.tr(msg!("outbox-export"))).clicked() {
                self.export_outbox();
            }
            if ui.button(self.i18n.tr(msg!("setup-back"))).clicked() {
                self.screen = if self.kiosk.is_some() {
                    Screen::Admin
                } else {
                    Screen::Form
                };
            }
        });
        self.move_here_ui(ui);
        if let Some(message) = &self.outbox_view.message {
            ui.label(message);
        }
        ui.separator();
        let entries: Vec<Entry> = self
            .outbox_view
            .listing
            .as_ref()
            .map(|l| l.entries.clone())
            .unwrap_or_default();
        if entries.is_empty() {
            ui.weak(self.i18n.tr(msg!("outbox-empty")));
        }
        for entry in entries {
            self.entry_ui(ui, &entry);
        }
        self.damaged_ui(ui);
    }

    /// The current server's origin, if one is configured.
    fn current_origin(&self) -> Option<String> {
        self.service.origin()
    }

    /// "Send to the current server (N)", confirmed, when ratings wait for another server.
    fn move_here_ui(&mut self, ui: &mut Ui) {
        let Some(origin) = self.current_origin() else {
            return;
        };
        let others = self
            .outbox_view
            .listing
            .as_ref()
            .map_or(0, |l| l.for_other_servers(&origin));
        if others == 0 {
            return;
        }
        ui.horizontal_wrapped(|ui| {
            if self.outbox_view.confirm_move {
                ui.label(self.i18n.tr_args(
                    msg!("outbox-move-confirm"),
                    &[("origin", origin.as_str().into())],
                ));
                let confirm = egui::Button::new(
                    RichText::new(
                        self.i18n
                            .tr_args(msg!("outbox-move-here"), &[("count", others.into())]),
                    )
                    .color(theme::Palette::of(ui.ctx()).on_primary),
                )
                .fill(ui.visuals().warn_fg_color);
                if ui.add(confirm).clicked() {
                    self.move_here(&origin);
                }
                if ui.button(self.i18n.tr(msg!("kiosk-pin-cancel"))).clicked() {
                    self.outbox_view.confirm_move = false;
                }
            } else if ui
                .button(
                    self.i18n
                        .tr_args(msg!("outbox-move-here"), &[("count", others.into())]),
                )
                .clicked()
            {
                self.outbox_view.confirm_move = true;
            }
        });
    }

    fn move_here(&mut self, origin: &str) {
        self.outbox_view.confirm_move = false;
        if let Some(outbox) = self.service.outbox() {
            self.outbox_view.message = Some(match outbox.move_to_server(origin) {
                Ok(count) => self
                    .i18n
                    .tr_args(msg!("outbox-moved"), &[("count", count.into())]),
                Err(e) => e.to_string(),
            });
        }
        self.reload_outbox();
        self.send_outbox_now();
    }

    fn entry_ui(&mut self, ui: &mut Ui, entry: &Entry) {
        let current = self.current_origin();
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            let state = match (entry.state, &entry.server_origin, &current) {
                (EntryState::Waiting, Some(origin), Some(current)) if origin != current => {
                    self.i18n.tr_args(
                        msg!("outbox-state-other-server"),
                        &[("origin", origin.as_str().into())],
                    )
                }
                (EntryState::Waiting, ..) => self.i18n.tr(msg!("outbox-state-waiting")),
                (EntryState::NeedsAttention, ..) => self.i18n.tr(msg!("outbox-state-attention")),
            };
            ui.label(RichText::new(format!("{} — {state}", entry.visit_id)).strong());
            ui.label(
                self.i18n.tr_args(
                    msg!("outbox-entry-meta"),
                    &[
                        (
                            "created",
                            crate::i18n::format_utc(
                                i64::try_from(entry.created_at_ms / 1000).unwrap_or_default(),
                            )
                            .into(),
                        ),
                        ("attempts", entry.attempts.into()),
                    ],
                ),
            );
            if let Some(outcome) = &entry.last_outcome {
                ui.label(self.i18n.outcome_headline(outcome));
                if let Some(words) = self.i18n.server_words(outcome) {
                    ui.label(words);
                }
                if let Some(detail) = &outcome.detail {
                    ui.weak(
                        self.i18n
                            .tr_args(msg!("detail"), &[("detail", detail.as_str().into())]),
                    );
                }
            }
            let confirming = self
                .outbox_view
                .confirm
                .as_ref()
                .filter(|(id, _)| id == &entry.id)
                .map(|(_, how)| *how);
            ui.horizontal(|ui| {
                if let Some(how) = confirming {
                    let (question, color) = match how {
                        Removal::Replaced => (
                            msg!("outbox-mark-replaced-confirm"),
                            ui.visuals().warn_fg_color,
                        ),
                        Removal::Discarded => {
                            (msg!("outbox-delete-confirm"), ui.visuals().error_fg_color)
                        }
                    };
                    let confirm = egui::Button::new(
                        RichText::new(self.i18n.tr(question))
                            .color(theme::Palette::of(ui.ctx()).on_primary),
                    )
                    .fill(color);
                    if ui.add(confirm).clicked() {
                        self.remove_entry(&entry.id, how);
                    }
                    if ui.button(self.i18n.tr(msg!("kiosk-pin-cancel"))).clicked() {
                        self.outbox_view.confirm = None;
                    }
                } else {
                    if entry.state == EntryState::NeedsAttention
                        && ui
                            .button(self.i18n.tr(msg!("outbox-mark-replaced")))
                            .clicked()
                    {
                        self.outbox_view.confirm = Some((entry.id.clone(), Removal::Replaced));
                    }
                    if ui.button(self.i18n.tr(msg!("outbox-delete"))).clicked() {
                        self.outbox_view.confirm = Some((entry.id.clone(), Removal::Discarded));
                    }
                }
            });
        });
    }

    fn remove_entry(&mut self, id: &str, how: Removal) {
        self.outbox_view.confirm = None;
        if let Some(outbox) = self.service.outbox() {
            self.outbox_view.message = Some(match outbox.remove_by_person(id, how) {
                Ok(()) => self.i18n.tr(match how {
                    Removal::Replaced => msg!("outbox-marked-replaced"),
                    Removal::Discarded => msg!("outbox-deleted"),
                }),
                Err(OutboxError::InFlight(_)) => self.i18n.tr(msg!("outbox-in-flight")),
                Err(e) => e.to_string(),
            });
        }
        self.reload_outbox();
        if let Some(worker) = &self.worker {
            worker.refresh();
        }
    }

    fn export_outbox(&mut self) {
        let Some(outbox) = self.service.outbox() else {
            return;
        };
        let Some(folder) = outbox.dir().parent() else {
            return;
        };
        let path = folder.join(format!("outbox-export-{}.json", crate::outbox::now_ms()));
        self.outbox_view.message = Some(match outbox.export(&path) {
            Ok(count) => self.i18n.tr_args(
                msg!("outbox-exported"),
                &[
                    ("count", count.into()),
                    ("path", path.display().to_string().into()),
                ],
            ),
            Err(e) => e.to_string(),
        });
    }
}
