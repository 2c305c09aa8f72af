//! The setup screen: the server URL, the token and the language, checked and saved.

use crate::msg;
use egui::{RichText, Ui};

use crate::api::{ClientError, VisitId};
use poll_promise::Promise;

use crate::config::{Config, ConfigError, Language};
use crate::i18n::I18n;
use crate::ui::jobs;

use super::{RatingApp, Transition};

/// The settings screen: its fields while being edited, and the save in flight.
#[derive(Default)]
pub(super) struct SetupScreen {
    pub(super) server_url: String,
    pub(super) clinic_guid: String,
    pub(super) language: Language,
    pub(super) error: Option<String>,
    /// The URL check and the save, in a job: the settings to apply, or why not.
    pub(super) saving: Option<Promise<Result<Config, SetupError>>>,
}

/// Why the setup screen's settings were not saved.
#[derive(Debug, thiserror::Error)]
pub(super) enum SetupError {
    /// The server's address or the TLS settings cannot be used.
    #[error("the server's address or TLS settings cannot be used")]
    Client(#[source] ClientError),
    /// The settings file could not be written.
    #[error("the settings could not be saved")]
    Save(#[source] ConfigError),
    /// No thread could be started.
    #[error("cannot start a thread")]
    NoThread(#[source] std::io::Error),
}

impl std::fmt::Debug for SetupScreen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetupScreen")
            .field("server_url", &self.server_url)
            .field("saving", &self.saving.is_some())
            .finish_non_exhaustive()
    }
}

impl SetupScreen {
    /// The settings screen, filled in from the settings in force in `app`.
    pub(super) fn new(app: &RatingApp) -> SetupScreen {
        SetupScreen {
            server_url: app.service.base_url().unwrap_or_default().to_owned(),
            clinic_guid: app.config.clinic_guid.clone().unwrap_or_default(),
            language: app.i18n.language(),
            error: None,
            saving: None,
        }
    }

    pub(super) fn ui(&mut self, app: &mut RatingApp, ui: &mut Ui) -> Transition {
        let mut next = self.poll_save(app);
        ui.heading(app.i18n.tr(msg!("setup-title")));
        ui.label(app.i18n.tr(msg!("setup-intro")));
        ui.add_space(8.0);
        let demo = app.demo;
        let label = ui.label(RichText::new(app.i18n.tr(msg!("setup-server-url"))).strong());
        ui.add_enabled(
            !demo,
            egui::TextEdit::singleline(&mut self.server_url)
                .hint_text("https://rpgu.example.ru")
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        if demo {
            ui.weak(app.i18n.tr(msg!("setup-demo-url")));
        }
        let label = ui.label(RichText::new(app.i18n.tr(msg!("setup-clinic-guid"))).strong());
        ui.add(
            egui::TextEdit::singleline(&mut self.clinic_guid)
                .hint_text("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        ui.label(RichText::new(app.i18n.tr(msg!("setup-language"))).strong());
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.language, Language::Ru, "Русский");
            ui.radio_value(&mut self.language, Language::En, "English");
        });
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        ui.add_space(12.0);
        ui.horizontal(|ui| {
            let saving = self.saving.is_some();
            if ui
                .add_enabled(
                    !saving,
                    egui::Button::new(RichText::new(app.i18n.tr(msg!("setup-save"))).strong()),
                )
                .clicked()
            {
                self.save(app, ui.ctx());
            }
            if saving {
                ui.spinner();
            }
            if app.service.base_url().is_some()
                && ui.button(app.i18n.tr(msg!("setup-back"))).clicked()
            {
                next = Transition::Back;
            }
        });
        if app.service.base_url().is_some() {
            ui.add_space(16.0);
            ui.separator();
            app.token_settings_ui(ui);
        }
        next
    }

    /// Check the form's fields, then check the URL (building an HTTP client reads the CA
    /// file) and save the settings in a job; [`Self::poll_save`] applies them.
    fn save(&mut self, app: &RatingApp, ctx: &egui::Context) {
        if self.saving.is_some() {
            return;
        }
        let url = self.server_url.trim().to_owned();
        if !app.demo && url.is_empty() {
            self.error = Some(app.i18n.tr(msg!("setup-url-required")));
            return;
        }
        let guid = self.clinic_guid.trim().to_owned();
        if !guid.is_empty() && VisitId::parse(&guid).is_err() {
            self.error = Some(app.i18n.tr(msg!("setup-clinic-invalid")));
            return;
        }
        let demo = app.demo;
        let language = self.language;
        let path = app.config_path.clone();
        let sources = app.reload.sources().cloned();
        self.saving = Some(jobs::spawn(
            "save-settings",
            ctx,
            move || {
                // The file as it is now, with this screen's three settings: what an
                // administrator changed in it since the window started stays.
                let mut config = Config::current(&path).map_err(SetupError::Save)?;
                if !demo {
                    config.server_url = Some(url);
                }
                config.clinic_guid = (!guid.is_empty()).then_some(guid);
                config.language = language;
                if let Some(url) = config.server_url.as_deref().filter(|_| !demo) {
                    config.client(url, false).map_err(SetupError::Client)?;
                }
                config.save(&path).map_err(SetupError::Save)?;
                // In force: the machine's files under the user's, as the watcher reads
                // them (so that it sees no change to log).
                match sources {
                    Some(sources) => sources
                        .load()
                        .map(|loaded| loaded.config)
                        .map_err(SetupError::Save),
                    None => Ok(config),
                }
            },
            |e| Err(SetupError::NoThread(e)),
        ));
    }

    /// The settings saved by [`Self::save`]'s job are applied: a service for the
    /// server now in force, the language, back to the form (or the kiosk's menu).
    fn poll_save(&mut self, app: &mut RatingApp) -> Transition {
        let Some(promise) = self.saving.take() else {
            return Transition::None;
        };
        let config = match promise.try_take() {
            Err(promise) => {
                self.saving = Some(promise);
                return Transition::None;
            }
            Ok(Err(e)) => {
                self.error = Some(match &e {
                    SetupError::Client(e) => app.i18n.client_error(e),
                    SetupError::Save(_) | SetupError::NoThread(_) => crate::api::error_chain(&e),
                });
                return Transition::None;
            }
            Ok(Ok(config)) => config,
        };
        app.use_settings(config);
        app.i18n = I18n::new(self.language);
        self.error = None;
        app.once.focus_visit_id = true;
        Transition::Back
    }
}
