//! The token section of the settings: its status (never its value, not even partly), a
//! masked field to set or replace it, and a button to remove it. Keyring calls run on a
//! worker thread (a locked keyring may prompt and block), like sending does.

use crate::msg;
use std::sync::Arc;

use egui::{RichText, Ui};
use poll_promise::Promise;

use super::{RatingApp, theme};
use crate::secrets::{MAX_TOKEN_BYTES, SecretsError, Token, TokenOrigin, TokenStatus};
use crate::service::Service;
use zeroize::Zeroize as _;

/// What a keyring job came to.
enum TokenJob {
    Status(Result<TokenStatus, SecretsError>),
    Stored(Result<(), SecretsError>),
    Cleared(Result<bool, SecretsError>),
    /// No thread could be started for the job.
    Failed(String),
}

/// The token section's state.
#[derive(Default)]
pub(super) struct TokenPanel {
    /// Ask the keyring for the status on the next frame.
    pub(super) refresh: bool,
    job: Option<Promise<TokenJob>>,
    status: Option<Result<TokenStatus, SecretsError>>,
    /// What the administrator is typing; wiped once stored, and whenever typed text is
    /// forgotten.
    new_token: String,
    /// The keyring was asked once at start, for the token's expiry.
    expiry_asked: bool,
    message: Option<(bool, String)>,
}

impl TokenPanel {
    /// Wipe the new-token field (see [`RatingApp::forget_typed_text`]).
    pub(super) fn forget_new_token(&mut self) {
        self.new_token.zeroize();
    }

    /// The server changed: ask the keyring again.
    pub(super) fn forget_status(&mut self) {
        self.status = None;
        self.refresh = true;
    }
}

impl RatingApp {
    /// Ask the keyring once, in the background, for the token's status, so that the
    /// window can warn ahead of its expiry ([`RatingApp::token_warning`]); take the
    /// answer when it lands. Called every frame, desk and kiosk alike.
    pub(super) fn watch_token_expiry(&mut self, ctx: &egui::Context) {
        if !self.service.uses_keyring() {
            return;
        }
        if !std::mem::replace(&mut self.token.expiry_asked, true) {
            self.token.refresh = true;
        }
        self.poll_token_job(ctx);
        if std::mem::take(&mut self.token.refresh) {
            self.start_token_job(ctx, |service| TokenJob::Status(service.token_status()));
        }
    }

    /// Whether the keyring has answered the window's question about the token (its
    /// status and expiry). Lets a test wait for the answer instead of a fixed time.
    pub fn token_status_known(&self) -> bool {
        self.token.status.is_some()
    }

    /// «The token expires in N days» from `token_warning_days` before the token's JWT
    /// `exp` on, «the token has expired» after it; `None` otherwise or when unknown.
    /// The days are counted when drawn, so a window left open counts down.
    pub(super) fn token_warning(&self) -> Option<String> {
        let Some(Ok(status)) = &self.token.status else {
            return None;
        };
        let expires_at = status.expires_at?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let left = expires_at - now;
        if left <= 0 {
            return Some(self.i18n.tr(msg!("token-expired-line")));
        }
        let warn = i64::try_from(self.config.token_warning_days.saturating_mul(86_400))
            .unwrap_or(i64::MAX);
        (left <= warn).then(|| {
            self.i18n.tr_args(
                msg!("token-expires-in"),
                &[("days", left.div_euclid(86_400).into())],
            )
        })
    }

    fn start_token_job(
        &mut self,
        ctx: &egui::Context,
        work: impl FnOnce(&Service) -> TokenJob + Send + 'static,
    ) {
        if self.token.job.is_some() {
            return;
        }
        let service = Arc::clone(&self.service);
        self.token.job = Some(crate::ui::jobs::spawn(
            "keyring",
            ctx,
            move || work(&service),
            |e| TokenJob::Failed(e.to_string()),
        ));
    }

    /// The keyring was asked and holds no token for the server, and none comes from the
    /// environment (asked in the background once, and again after every change).
    pub(super) fn token_known_missing(&mut self, ctx: &egui::Context) -> bool {
        if !self.service.uses_keyring() {
            return false;
        }
        self.poll_token_job(ctx);
        if self.token.status.is_none() && self.token.job.is_none() {
            self.start_token_job(ctx, |service| TokenJob::Status(service.token_status()));
        }
        matches!(&self.token.status, Some(Ok(status)) if status.source.is_none())
    }

    fn poll_token_job(&mut self, ctx: &egui::Context) {
        let Some(promise) = self.token.job.take() else {
            return;
        };
        let job = match promise.try_take() {
            Ok(job) => job,
            Err(promise) => {
                self.token.job = Some(promise);
                return;
            }
        };
        match job {
            TokenJob::Status(status) => self.token.status = Some(status),
            TokenJob::Stored(Ok(())) => {
                self.token.message = Some((true, self.i18n.tr(msg!("token-saved-gui"))));
                self.token.refresh = true;
                // Ratings waiting for a token go out now.
                if let Some(worker) = &self.sender.worker {
                    worker.token_replaced();
                }
            }
            TokenJob::Cleared(Ok(_)) => {
                self.token.message = Some((true, self.i18n.tr(msg!("token-cleared-gui"))));
                self.token.refresh = true;
            }
            TokenJob::Stored(Err(e)) | TokenJob::Cleared(Err(e)) => {
                self.token.message = Some((false, self.i18n.secrets_error(&e)));
            }
            TokenJob::Failed(reason) => self.token.message = Some((false, reason)),
        }
        if std::mem::take(&mut self.token.refresh) {
            self.start_token_job(ctx, |service| TokenJob::Status(service.token_status()));
        }
    }

    /// The token section of the settings screen.
    pub(super) fn token_settings_ui(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        self.poll_token_job(&ctx);
        ui.label(RichText::new(self.i18n.tr(msg!("token-title"))).strong());
        if !self.service.uses_keyring() {
            ui.weak(self.i18n.tr(msg!("token-demo")));
            return;
        }
        if std::mem::take(&mut self.token.refresh) {
            self.start_token_job(&ctx, |service| TokenJob::Status(service.token_status()));
        }
        if self.service.environment_token_withheld() {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                self.i18n.tr(msg!("token-env-withheld")),
            );
        }
        match &self.token.status {
            Some(Ok(status)) => {
                ui.label(self.i18n.token_status(status));
                if let Some(warning) = self.token_warning() {
                    ui.colored_label(ui.visuals().warn_fg_color, warning);
                }
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, self.i18n.secrets_error(e));
            }
            None => {
                ui.spinner();
            }
        }
        // A token kept in a file is replaced in that file: the keyring's would never be
        // used, so there is no field for it, only what to do.
        if let Some(Ok(status)) = &self.token.status
            && let Some(from @ (TokenOrigin::File | TokenOrigin::Credential)) = status.source
        {
            let key = if from == TokenOrigin::Credential {
                msg!("token-from-credential-gui")
            } else {
                msg!("token-from-file-gui")
            };
            ui.label(self.i18n.tr(key));
            return;
        }
        let busy = self.token.job.is_some();
        // Room for the longest token from the start: a field that grows as it is typed
        // into leaves copies of the token behind in freed memory.
        if self.token.new_token.capacity() < MAX_TOKEN_BYTES {
            self.token.new_token.reserve_exact(MAX_TOKEN_BYTES);
        }
        let label = ui.label(self.i18n.tr(msg!("token-new")));
        ui.add(
            egui::TextEdit::singleline(&mut self.token.new_token)
                .password(true)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        ui.horizontal(|ui| {
            let save = theme::primary_button(ui.ctx(), self.i18n.tr(msg!("token-save")));
            if ui
                .add_enabled(!busy && !self.token.new_token.is_empty(), save)
                .clicked()
            {
                match Token::new(&self.token.new_token) {
                    Ok(token) => {
                        self.token.new_token.zeroize();
                        self.token.message = None;
                        self.start_token_job(ui.ctx(), move |service| {
                            TokenJob::Stored(service.store_token(&token))
                        });
                    }
                    Err(e) => {
                        self.token.message =
                            Some((false, self.i18n.secrets_error(&SecretsError::BadToken(e))));
                    }
                }
            }
            let stored = matches!(&self.token.status, Some(Ok(s)) if s.stored);
            if ui
                .add_enabled(
                    !busy && stored,
                    egui::Button::new(self.i18n.tr(msg!("token-clear"))),
                )
                .clicked()
            {
                self.token.message = None;
                self.start_token_job(ui.ctx(), |service| TokenJob::Cleared(service.clear_token()));
            }
            if busy {
                ui.spinner();
            }
        });
        if let Some((ok, message)) = &self.token.message {
            let color = if *ok {
                theme::Palette::of(ui.ctx()).success
            } else {
                ui.visuals().error_fg_color
            };
            ui.colored_label(color, message);
        }
    }
}
