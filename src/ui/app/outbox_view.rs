//! The outbox in the window: the background sender ([`Sender`]; its thread starts in
//! [`crate::ui::jobs`]), a status line (how many
//! ratings wait, the last error, "send now"), and a view that lists waiting,
//! needs-attention and other-server ratings with their last answer, with send now,
//! export, a confirmed "replaced by another rating" and "delete" (the only ways a person
//! takes a rating out), and a confirmed "send to the current server" for ratings saved
//! before the server URL changed. The remarks are never listed (they are personal data);
//! export writes them to a private file for whoever must act on them.

use crate::msg;
use std::sync::{Arc, Mutex};

use egui::{RichText, Ui};
use poll_promise::Promise;

use super::{RatingApp, Screen, Transition, theme};
use crate::api::OutcomeKind;
use crate::i18n::I18n;
use crate::outbox::worker::{OutboxStatus, OutboxWorker};
use crate::outbox::{DamagedFile, Entry, EntryState, Listing, OutboxError, Removal};
use crate::service::Service;
use crate::ui::jobs;

/// What the listing job brings back: the entries and the files set aside.
type Loaded = Result<(Listing, Vec<DamagedFile>), String>;

/// What a person's action on the outbox came to.
enum Done {
    Moved(Result<usize, OutboxError>),
    Removed(Removal, Result<(), OutboxError>),
    Exported(std::path::PathBuf, Result<usize, OutboxError>),
    /// No thread could be started, or nothing to do.
    Failed(String),
}

/// The outbox view's state.
#[derive(Default)]
pub(super) struct OutboxView {
    listing: Option<Listing>,
    /// How many of the listed entries wait for another server.
    others: usize,
    /// The most one-line texts any listed entry shows above its buttons (the rows'
    /// height).
    lines: f32,
    /// Each listed entry's texts, made the first time its row is in view.
    texts: Vec<Option<Vec<String>>>,
    /// The outbox being read in a job (listing can move damaged files aside).
    loading: Option<Promise<Loaded>>,
    /// Read it again once the job in flight ends (something changed meanwhile).
    reload_again: bool,
    /// A person's action (delete, replaced, move, export) running in a job.
    action: Option<Promise<Done>>,
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

/// The background sender, which every screen shares: its status line, the kiosk's staff
/// line and the outbox view read it.
pub(super) struct Sender {
    /// The service the sender connects with (replaced with the settings).
    pub(super) service: Arc<Mutex<Arc<Service>>>,
    /// Started on the second frame ([`RatingApp::start_worker`]).
    pub(super) worker: Option<OutboxWorker>,
    /// The service's warm-up was started (once, after the first frame).
    warmed_up: bool,
}

impl Sender {
    /// Not started yet; it will connect with `service`.
    pub(super) fn new(service: &Arc<Service>) -> Sender {
        Sender {
            service: Arc::new(Mutex::new(Arc::clone(service))),
            worker: None,
            warmed_up: false,
        }
    }
}

impl RatingApp {
    /// Start the background sender once, on the second frame (in a real window, not
    /// before [`super::BACKGROUND_START`]): it needs the context to wake the window, and
    /// its first round (reading the whole outbox, perhaps asking the keyring for the
    /// token) must not compete with the first frame for the CPU.
    pub(super) fn start_worker(&mut self, ctx: &egui::Context) {
        if self.sender.worker.is_some() {
            return;
        }
        let wait = self.window.background_start - ctx.input(|i| i.time);
        if ctx.cumulative_frame_nr() == 0 || wait > 0.0 {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(wait.max(0.0)));
            return;
        }
        // Once, after the first frame: what the first rating would otherwise wait for.
        if !std::mem::replace(&mut self.sender.warmed_up, true) {
            let service = Arc::clone(&self.service);
            jobs::detach("warm-up", ctx, move || service.warm_up());
        }
        let Some(outbox) = self.service.outbox().cloned() else {
            return;
        };
        let service = Arc::clone(&self.sender.service);
        let connect = Box::new(move || {
            let service = Arc::clone(
                &service
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            );
            // The sender shows why it cannot send in the status line.
            service.connect()
        });
        self.sender.worker = jobs::start_sender(outbox, connect, ctx);
    }

    /// The outbox's status, if there is an outbox.
    pub fn outbox_status(&self) -> Option<OutboxStatus> {
        self.sender.worker.as_ref().map(OutboxWorker::status)
    }

    /// Ask the sender to send everything now.
    pub fn send_outbox_now(&self) {
        if let Some(worker) = &self.sender.worker {
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
            parts.push(self.i18n.sender_problem(problem));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }

    /// The status line at the bottom (desk mode): shown while anything waits.
    pub(super) fn outbox_status_bar(&mut self, ui: &mut Ui) -> Transition {
        self.watch_token_expiry(ui.ctx());
        if self.kiosk.is_some() {
            return Transition::None;
        }
        let status = self.outbox_status().unwrap_or_default();
        let text = match (self.token_warning(), self.status_text(&status)) {
            (Some(token), Some(outbox)) => format!("{token} · {outbox}"),
            (Some(token), None) => token,
            (None, Some(outbox)) => outbox,
            (None, None) => return Transition::None,
        };
        let mut next = Transition::None;
        egui::Panel::bottom("outbox-status")
            .frame(self.panel_frame(egui::Frame::side_top_panel(ui.style()).inner_margin(8.0)))
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(text).color(ui.visuals().warn_fg_color));
                    if status.sending {
                        ui.spinner();
                    }
                    if ui.button(self.i18n.tr(msg!("outbox-send-now"))).clicked() {
                        self.send_outbox_now();
                    }
                    if !matches!(self.screen, Screen::Outbox)
                        && ui.button(self.i18n.tr(msg!("outbox-open"))).clicked()
                    {
                        next = Transition::OpenOutbox;
                    }
                });
            });
        next
    }
}

impl OutboxView {
    /// Read the outbox again, in a job (a listing reads every file and may move damaged
    /// ones aside). One at a time: a request during a read starts another after it.
    pub(super) fn reload(&mut self, service: &Service, ctx: &egui::Context) {
        if self.loading.is_some() {
            self.reload_again = true;
            return;
        }
        let Some(outbox) = service.outbox().cloned() else {
            return;
        };
        self.loading = Some(jobs::spawn(
            "outbox-list",
            ctx,
            move || {
                let listing = outbox.list().map_err(|e| e.to_string())?;
                let damaged = outbox.damaged_files().unwrap_or_default();
                Ok((listing, damaged))
            },
            |e| Err(e.to_string()),
        ));
    }

    /// Take in what the listing and action jobs brought back.
    fn poll_jobs(&mut self, app: &RatingApp, ctx: &egui::Context) {
        if let Some(promise) = self.loading.take() {
            match promise.try_take() {
                Err(promise) => self.loading = Some(promise),
                Ok(Ok((listing, damaged))) => {
                    // Worked out once per listing, not once per frame.
                    self.others = app
                        .service
                        .origin()
                        .map_or(0, |origin| listing.for_other_servers(&origin));
                    self.lines = listing.entries.iter().map(entry_lines).fold(2.0, f32::max);
                    self.texts = vec![None; listing.entries.len()];
                    self.listing = Some(listing);
                    self.damaged = damaged;
                }
                Ok(Err(e)) => self.message = Some(e),
            }
            if self.loading.is_none() && std::mem::take(&mut self.reload_again) {
                self.reload(&app.service, ctx);
            }
        }
        if let Some(promise) = self.action.take() {
            match promise.try_take() {
                Err(promise) => self.action = Some(promise),
                Ok(done) => {
                    self.message = Some(Self::done_message(&app.i18n, done));
                    self.reload(&app.service, ctx);
                    if let Some(worker) = &app.sender.worker {
                        worker.refresh();
                    }
                }
            }
        }
    }

    /// Run a person's action on the outbox in a job; its message is shown when done and
    /// the list is read again.
    fn action(
        &mut self,
        service: &Service,
        ctx: &egui::Context,
        name: &str,
        work: impl FnOnce(&crate::outbox::Outbox) -> Done + Send + 'static,
    ) {
        if self.action.is_some() {
            return;
        }
        let Some(outbox) = service.outbox().cloned() else {
            return;
        };
        self.action = Some(jobs::spawn(
            name,
            ctx,
            move || work(&outbox),
            |e| Done::Failed(e.to_string()),
        ));
    }

    /// What a finished action says to the person.
    fn done_message(i18n: &I18n, done: Done) -> String {
        match done {
            Done::Moved(Ok(count)) => {
                i18n.tr_args(msg!("outbox-moved"), &[("count", count.into())])
            }
            Done::Removed(how, Ok(())) => i18n.tr(match how {
                Removal::Replaced => msg!("outbox-marked-replaced"),
                Removal::Discarded => msg!("outbox-deleted"),
            }),
            Done::Exported(path, Ok(count)) => i18n.tr_args(
                msg!("outbox-exported"),
                &[
                    ("count", count.into()),
                    ("path", path.display().to_string().into()),
                ],
            ),
            Done::Moved(Err(e)) | Done::Removed(_, Err(e)) | Done::Exported(_, Err(e)) => {
                i18n.outbox_error(&e)
            }
            Done::Failed(reason) => reason,
        }
    }

    /// The files set aside in `damaged/`, each with its age.
    fn damaged_ui(&self, app: &RatingApp, ui: &mut Ui) {
        let damaged = &self.damaged;
        if damaged.is_empty() {
            return;
        }
        ui.separator();
        ui.label(
            RichText::new(app.i18n.tr_args(
                msg!("outbox-damaged-title"),
                &[("count", damaged.len().into())],
            ))
            .strong(),
        );
        let folder = app
            .service
            .outbox()
            .map(|o| o.dir().join("damaged").display().to_string())
            .unwrap_or_default();
        ui.label(
            app.i18n
                .tr_args(msg!("outbox-damaged-intro"), &[("folder", folder.into())]),
        );
        let now = std::time::SystemTime::now();
        for file in damaged {
            let days = now
                .duration_since(file.written)
                .map_or(0, |age| age.as_secs() / 86_400);
            ui.label(app.i18n.tr_args(
                msg!("outbox-damaged-file"),
                &[("name", file.name.as_str().into()), ("days", days.into())],
            ));
        }
    }

    /// The list of waiting and needs-attention ratings.
    pub(super) fn ui(&mut self, app: &RatingApp, ui: &mut Ui) -> Transition {
        let mut next = Transition::None;
        let ctx = ui.ctx().clone();
        self.poll_jobs(app, &ctx);
        ui.heading(app.i18n.tr(msg!("outbox-title")));
        let status = app.outbox_status();
        if status != self.seen_status {
            self.seen_status.clone_from(&status);
            self.reload(&app.service, &ctx);
        }
        if let Some(status) = status {
            ui.label(
                app.status_text(&status)
                    .unwrap_or_else(|| app.i18n.tr(msg!("outbox-empty"))),
            );
        }
        ui.horizontal(|ui| {
            if ui.button(app.i18n.tr(msg!("outbox-send-now"))).clicked() {
                app.send_outbox_now();
            }
            if ui.button(app.i18n.tr(msg!("outbox-refresh"))).clicked() {
                self.reload(&app.service, ui.ctx());
            }
            if ui.button(app.i18n.tr(msg!("outbox-export"))).clicked() {
                self.export(app, ui.ctx());
            }
            if self.loading.is_some() || self.action.is_some() {
                ui.spinner();
            }
            if ui.button(app.i18n.tr(msg!("setup-back"))).clicked() {
                next = Transition::Back;
            }
        });
        self.move_here_ui(app, ui);
        if let Some(message) = &self.message {
            ui.label(message);
        }
        ui.separator();
        self.damaged_ui(app, ui);
        // Taken out while drawn (the rows borrow it, the buttons borrow `self`); only the
        // rows in view are drawn, so 10,000 waiting ratings cost what a screenful does.
        let Some(listing) = self.listing.take() else {
            return next;
        };
        if listing.entries.is_empty() {
            ui.weak(app.i18n.tr(msg!("outbox-empty")));
        }
        let line = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
        let buttons = ui.spacing().interact_size.y + ui.spacing().item_spacing.y;
        let frame = 2.0 * (ui.spacing().window_margin.topf() + 4.0);
        // One height for every row (the tallest entry's): the table then lays out only
        // the rows in view, whatever the length of the list.
        let height = frame + buttons + line * self.lines;
        // The table fills the screen below the buttons and scrolls inside it. The screen
        // itself sits in a scroll area: left alone, the table took the least height a
        // scroll area takes there (200 points, about one rating).
        let room = (ui.clip_rect().bottom() - ui.cursor().top()).max(height);
        egui_extras::TableBuilder::new(ui)
            .id_salt("outbox-entries")
            .min_scrolled_height(room)
            .max_scroll_height(room)
            .column(egui_extras::Column::remainder().clip(true))
            .body(|body| {
                body.rows(height, listing.entries.len(), |mut row| {
                    let index = row.index();
                    let entry = &listing.entries[index];
                    row.col(|ui| self.entry_ui(app, ui, entry, index));
                });
            });
        if self.listing.is_none() {
            self.listing = Some(listing);
        }
        next
    }

    /// "Send to the current server (N)", confirmed, when ratings wait for another server.
    fn move_here_ui(&mut self, app: &RatingApp, ui: &mut Ui) {
        let Some(origin) = app.service.origin() else {
            return;
        };
        let others = self.others;
        if others == 0 {
            return;
        }
        ui.horizontal_wrapped(|ui| {
            if self.confirm_move {
                ui.label(app.i18n.tr_args(
                    msg!("outbox-move-confirm"),
                    &[("origin", origin.as_str().into())],
                ));
                let confirm = egui::Button::new(
                    RichText::new(
                        app.i18n
                            .tr_args(msg!("outbox-move-here"), &[("count", others.into())]),
                    )
                    .color(theme::Palette::of(ui.ctx()).on_primary),
                )
                .fill(ui.visuals().warn_fg_color);
                if ui.add(confirm).clicked() {
                    self.move_here(app, ui.ctx(), &origin);
                }
                if ui.button(app.i18n.tr(msg!("kiosk-pin-cancel"))).clicked() {
                    self.confirm_move = false;
                }
            } else if ui
                .button(
                    app.i18n
                        .tr_args(msg!("outbox-move-here"), &[("count", others.into())]),
                )
                .clicked()
            {
                self.confirm_move = true;
            }
        });
    }

    fn move_here(&mut self, app: &RatingApp, ctx: &egui::Context, origin: &str) {
        self.confirm_move = false;
        let origin = origin.to_owned();
        self.action(&app.service, ctx, "outbox-move", move |outbox| {
            Done::Moved(outbox.move_to_server(&origin))
        });
        app.send_outbox_now();
    }

    /// An entry's one-line texts, made once per listing (the first time its row is in
    /// view): the visit id and state, when it was saved and how often tried, and its last
    /// answer (headline, the server's words, detail).
    fn entry_texts(app: &RatingApp, entry: &Entry) -> Vec<String> {
        let current = app.service.origin();
        let state = match (entry.state, &entry.server_origin, &current) {
            (EntryState::Waiting, Some(origin), Some(current)) if origin != current => {
                app.i18n.tr_args(
                    msg!("outbox-state-other-server"),
                    &[("origin", origin.as_str().into())],
                )
            }
            (EntryState::Waiting, ..) => app.i18n.tr(msg!("outbox-state-waiting")),
            (EntryState::NeedsAttention, ..) => app.i18n.tr(msg!("outbox-state-attention")),
        };
        let created = i64::try_from(entry.created_at_ms / 1000).unwrap_or_default();
        let mut texts = vec![
            format!("{} — {state}", entry.visit_id),
            app.i18n.tr_args(
                msg!("outbox-entry-meta"),
                &[
                    ("created", crate::time::format_utc(created).into()),
                    ("attempts", entry.attempts.into()),
                ],
            ),
        ];
        if let Some(outcome) = &entry.last_outcome {
            let words = app.i18n.outcome_words(outcome);
            texts.push(words.headline);
            texts.extend(words.server);
            texts.extend(words.detail);
        }
        texts
    }

    fn entry_ui(&mut self, app: &RatingApp, ui: &mut Ui, entry: &Entry, index: usize) {
        let texts = if let Some(Some(texts)) = self.texts.get(index) {
            texts.clone()
        } else {
            let texts = Self::entry_texts(app, entry);
            if let Some(slot) = self.texts.get_mut(index) {
                *slot = Some(texts.clone());
            }
            texts
        };
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            for (n, text) in texts.iter().enumerate() {
                // One line each (the row's height); the first is the entry's name.
                let text = match n {
                    0 => RichText::new(text).strong(),
                    4 => RichText::new(text).weak(),
                    _ => RichText::new(text),
                };
                ui.add(egui::Label::new(text).truncate());
            }
            let confirming = self
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
                        RichText::new(app.i18n.tr(question))
                            .color(theme::Palette::of(ui.ctx()).on_primary),
                    )
                    .fill(color);
                    if ui.add(confirm).clicked() {
                        self.remove_entry(app, ui.ctx(), &entry.id, how);
                    }
                    if ui.button(app.i18n.tr(msg!("kiosk-pin-cancel"))).clicked() {
                        self.confirm = None;
                    }
                } else {
                    if entry.state == EntryState::NeedsAttention
                        && ui
                            .button(app.i18n.tr(msg!("outbox-mark-replaced")))
                            .clicked()
                    {
                        self.confirm = Some((entry.id.clone(), Removal::Replaced));
                    }
                    if ui.button(app.i18n.tr(msg!("outbox-delete"))).clicked() {
                        self.confirm = Some((entry.id.clone(), Removal::Discarded));
                    }
                }
            });
        });
    }

    fn remove_entry(&mut self, app: &RatingApp, ctx: &egui::Context, id: &str, how: Removal) {
        self.confirm = None;
        let id = id.to_owned();
        self.action(&app.service, ctx, "outbox-remove", move |outbox| {
            Done::Removed(how, outbox.remove_by_person(&id, how))
        });
    }

    fn export(&mut self, app: &RatingApp, ctx: &egui::Context) {
        self.action(&app.service, ctx, "outbox-export", |outbox| {
            let Some(folder) = outbox.dir().parent() else {
                return Done::Failed(String::new());
            };
            let path = folder.join(format!("outbox-export-{}.json", crate::outbox::now_ms()));
            let written = outbox.export(&path);
            Done::Exported(path, written)
        });
    }
}

/// How many one-line texts an entry shows above its buttons (its height in the list).
fn entry_lines(entry: &Entry) -> f32 {
    match &entry.last_outcome {
        None => 2.0,
        Some(outcome) => {
            let words = usize::from(outcome.kind != OutcomeKind::Accepted);
            let detail = usize::from(outcome.detail.is_some() && words == 1);
            #[allow(clippy::cast_precision_loss)]
            let extra = (words + detail) as f32;
            3.0 + extra
        }
    }
}
