//! The setup screen: the server URL, the token and the language, checked and saved.

use std::sync::Arc;

use egui::{RichText, Ui};

use crate::api::{RatingClient, VisitId};
use crate::config::Language;
use crate::i18n::I18n;
use crate::service::Service;

use super::{RatingApp, Screen};
/// The settings screen's fields while being edited.
#[derive(Clone, Debug, Default)]
pub(super) struct SetupFields {
    pub(super) server_url: String,
    pub(super) clinic_guid: String,
    pub(super) language: Language,
    pub(super) error: Option<String>,
}

impl RatingApp {
    pub(super) fn load_setup_fields(&mut self) {
        self.token.refresh = true;
        self.setup = SetupFields {
            server_url: self.service.base_url().unwrap_or_default().to_owned(),
            clinic_guid: self.config.clinic_guid.clone().unwrap_or_default(),
            language: self.i18n.language(),
            error: None,
        };
    }

    pub(super) fn setup_ui(&mut self, ui: &mut Ui) {
        ui.heading(self.i18n.tr("setup-title"));
        ui.label(self.i18n.tr("setup-intro"));
        ui.add_space(8.0);
        let demo = self.demo;
        let label = ui.label(RichText::new(self.i18n.tr("setup-server-url")).strong());
        ui.add_enabled(
            !demo,
            egui::TextEdit::singleline(&mut self.setup.server_url)
                .hint_text("https://rpgu.example.ru")
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        if demo {
            ui.weak(self.i18n.tr("setup-demo-url"));
        }
        let label = ui.label(RichText::new(self.i18n.tr("setup-clinic-guid")).strong());
        ui.add(
            egui::TextEdit::singleline(&mut self.setup.clinic_guid)
                .hint_text("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        ui.label(RichText::new(self.i18n.tr("setup-language")).strong());
        ui.horizontal(|ui| {
            ui.radio_value(&mut self.setup.language, Language::Ru, "Русский");
            ui.radio_value(&mut self.setup.language, Language::En, "English");
        });
        if let Some(error) = &self.setup.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        ui.add_space(12.0);
        ui.horizontal(|ui| {
            if ui
                .button(RichText::new(self.i18n.tr("setup-save")).strong())
                .clicked()
            {
                self.save_setup();
            }
            if self.service.base_url().is_some() && ui.button(self.i18n.tr("setup-back")).clicked()
            {
                self.screen = if self.kiosk.is_some() {
                    Screen::Admin
                } else {
                    Screen::Form
                };
            }
        });
        if self.service.base_url().is_some() {
            ui.add_space(16.0);
            ui.separator();
            self.token_settings_ui(ui);
        }
    }

    pub(super) fn save_setup(&mut self) {
        let url = self.setup.server_url.trim().to_owned();
        if !self.demo {
            if url.is_empty() {
                self.setup.error = Some(self.i18n.tr("setup-url-required"));
                return;
            }
            if let Err(e) = RatingClient::new(&self.config.client_settings(&url)) {
                self.setup.error = Some(e.to_string());
                return;
            }
        }
        let guid = self.setup.clinic_guid.trim().to_owned();
        if !guid.is_empty() && VisitId::parse(&guid).is_err() {
            self.setup.error = Some(self.i18n.tr("setup-clinic-invalid"));
            return;
        }
        let mut config = self.config.clone();
        if !self.demo {
            config.server_url = Some(url.clone());
        }
        config.clinic_guid = (!guid.is_empty()).then_some(guid);
        config.language = self.setup.language;
        if let Err(e) = config.save(&self.config_path) {
            self.setup.error = Some(e.to_string());
            return;
        }
        let base_url = if self.demo {
            self.service.base_url().map(str::to_owned)
        } else {
            Some(url)
        };
        let mut service = Service::new(config.clone(), base_url, self.tokens.clone());
        if let Some(outbox) = self.service.outbox() {
            service = service.with_outbox(outbox.clone());
        }
        self.service = Arc::new(service);
        // The token is asked for again, for the server now in force.
        self.token.forget_status();
        *self
            .sender_service
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::clone(&self.service);
        if let Some(worker) = &self.worker {
            worker.token_replaced();
        }
        self.config = config;
        self.i18n = I18n::new(self.setup.language);
        self.setup.error = None;
        self.screen = if self.kiosk.is_some() {
            Screen::Admin
        } else {
            Screen::Form
        };
        self.once.focus_visit_id = true;
    }
}
