//! The settings files read again while the window runs: the watcher
//! ([`jobs::watch_settings`], a thread that looks at the files every few seconds and
//! at once on SIGHUP) hands each new reading to the window, which applies what changed
//! and logs each key with its new value (`visit_rating::settings`, never the PIN's
//! hash). The few keys that cannot change in a running window are logged as needing a
//! restart, with the reason.

use std::sync::Arc;
use std::time::Duration;

use crate::config::layers::{self, Sources, UnknownKey};
use crate::config::{Config, Language};
use crate::i18n::I18n;
use crate::service::Service;
use crate::ui::jobs;

use super::RatingApp;

/// How often the watcher looks at the files (a `stat` of each).
pub const WATCH_EVERY: Duration = Duration::from_secs(2);

/// Keys a running window cannot take, and why.
const NEED_RESTART: &[(&str, &str)] = &[
    (
        "kiosk",
        "the window's mode (full screen, no title bar, the PIN) is chosen when it opens",
    ),
    (
        "kiosk_options.monitor",
        "the kiosk's window is placed on its monitor when it opens",
    ),
    (
        "metrics_file",
        "the metrics file's writer is started with the window",
    ),
    (
        "retention_days",
        "the retention check is started with the window",
    ),
    (
        "terminal_id",
        "the metrics file's writer is started with the window",
    ),
    (
        "clinic_id",
        "the metrics file's writer is started with the window",
    ),
    (
        "publish_scores",
        "the metrics file's writer is started with the window",
    ),
    (
        "publish_scores_every",
        "the metrics file's writer is started with the window",
    ),
];

/// Keys that change how ratings are sent: a new connect step for them.
const SERVICE_KEYS: &[&str] = &[
    "server_url",
    "clinic_guid",
    "visit_id_separator",
    "connect_timeout_secs",
    "request_timeout_secs",
    "ca_file",
    "allow_insecure_http",
    "token_warning_days",
    "token_file",
];

/// The window's side of the settings watcher.
#[derive(Debug, Default)]
pub(super) struct Reload {
    /// The files to watch, until the watcher starts (on the first frame).
    sources: Option<Sources>,
    /// How often the watcher looks at them.
    every: Duration,
    /// The running watcher.
    watch: Option<jobs::SettingsWatch>,
    /// `--lang`: wins over `language` in the files.
    language_override: Option<Language>,
    /// The last error logged, so that a broken file is logged once, not every look.
    last_error: Option<String>,
    /// The unknown keys already said.
    unknown: Vec<UnknownKey>,
}

impl Reload {
    /// The files watched, when the window watches them.
    pub(super) fn sources(&self) -> Option<&Sources> {
        self.sources.as_ref()
    }
}

impl RatingApp {
    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Watch the settings files of `sources` (looked at every `every`, and at once on
    /// SIGHUP) and apply their changes while the window runs; `language` is `--lang`,
    /// which wins over the files. [`crate::ui::run`] does; a test harness may.
    #[must_use]
    pub fn watching(
        mut self,
        sources: Sources,
        language: Option<Language>,
        every: Duration,
    ) -> RatingApp {
        self.reload = Reload {
            sources: Some(sources),
            every,
            language_override: language,
            ..Reload::default()
        };
        self
    }

    /// Start of a frame: start the watcher (the first frame), and apply the settings it
    /// read, if it read any since the last frame.
    pub(super) fn poll_settings(&mut self, ctx: &egui::Context) {
        if self.reload.watch.is_none() {
            let Some(sources) = self.reload.sources.clone() else {
                return;
            };
            match jobs::watch_settings(sources, self.reload.every, ctx) {
                Ok(watch) => self.reload.watch = Some(watch),
                Err(e) => {
                    tracing::error!(error = %e, "cannot watch the settings files");
                    self.reload.sources = None;
                }
            }
            return;
        }
        let Some(read) = self
            .reload
            .watch
            .as_ref()
            .and_then(jobs::SettingsWatch::latest)
        else {
            return;
        };
        match read {
            Err(e) => {
                let text = e.to_string();
                if self.reload.last_error.as_ref() != Some(&text) {
                    tracing::error!(target: "visit_rating::settings", error = %crate::safe_text::inline(&text), "the settings files changed but cannot be used: the settings in force stay");
                    self.reload.last_error = Some(text);
                }
            }
            Ok(loaded) => {
                self.reload.last_error = None;
                for key in loaded.unknown {
                    if !self.reload.unknown.contains(&key) {
                        tracing::warn!(target: "visit_rating::settings", file = %key.path.display(), key = %crate::safe_text::inline(&key.key), "unknown setting ignored");
                        self.reload.unknown.push(key);
                    }
                }
                self.adopt_settings(loaded.config, ctx);
            }
        }
    }

    /// Apply `config`, the settings the files say now: log each key that changed with
    /// its new value, and make each take effect (those of [`NEED_RESTART`] at the next
    /// start).
    fn adopt_settings(&mut self, config: Config, ctx: &egui::Context) {
        let changes = layers::changes(&self.config, &config);
        if changes.is_empty() {
            return;
        }
        for (key, value) in &changes {
            let value = crate::safe_text::inline(&layers::shown(key, value.as_ref())).into_owned();
            match NEED_RESTART.iter().find(|(k, _)| k == key) {
                Some((_, why)) => {
                    tracing::warn!(target: "visit_rating::settings", key, value, restart_needed = why, "setting changed: it applies after a restart");
                }
                None => {
                    tracing::info!(target: "visit_rating::settings", key, value, "setting changed: applied");
                }
            }
        }
        let any_of = |keys: &[&str]| changes.iter().any(|(key, _)| keys.contains(key));
        if any_of(SERVICE_KEYS) {
            self.use_settings(config.clone());
        }
        if any_of(&["language"]) && self.reload.language_override.is_none() {
            // A patient who switched the language keeps it until the next reset.
            match self.kiosk.as_mut().map(|k| &mut k.patient.home_language) {
                Some(Some(home)) => *home = config.language,
                _ => self.i18n = I18n::new(config.language),
            }
        }
        if let Some(kiosk) = &mut self.kiosk {
            kiosk.settings_changed(&config);
        }
        let patient_contrast = self
            .kiosk
            .as_ref()
            .is_some_and(|k| k.patient.high_contrast.is_some());
        if !patient_contrast {
            self.appearance.high_contrast = config.high_contrast;
        }
        if self.kiosk.is_none() {
            self.appearance.scale = config.text_scale;
        }
        self.config = config;
        self.once.style = true;
        ctx.request_repaint();
    }

    /// Send with `config` from now on: a connect step for the server it names (the
    /// built-in one in demo mode; `VISIT_RATING_URL` still wins), the outbox kept, the
    /// background sender told, the token asked for again.
    pub(super) fn use_settings(&mut self, config: Config) {
        let base_url = if self.demo {
            self.service.base_url().map(str::to_owned)
        } else {
            config.effective_url(None)
        };
        self.tokens = self.tokens.with_settings(&config);
        let mut service = Service::new(config.clone(), base_url, self.tokens.clone());
        if let Some(outbox) = self.service.outbox() {
            service = service.with_outbox(outbox.clone());
        }
        self.service = Arc::new(service);
        // The token is asked for again, for the server now in force.
        self.token.forget_status();
        *self
            .sender
            .service
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::clone(&self.service);
        if let Some(worker) = &self.sender.worker {
            worker.token_replaced();
        }
        self.config = config;
    }
}
