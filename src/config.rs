//! Settings: what they are, how one file is checked and edited, environment overrides,
//! and the platform folders for data. Which files are read and in which order (the
//! machine's under the user's) is [`layers`]'s.
//!
//! Resolution order for the server URL: `--url` > `VISIT_RATING_URL` > the files. A
//! missing file at the default place means "all defaults"; a missing file given with
//! `--config` is an error. The files never hold the token (see [`crate::secrets`]).

pub mod layers;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::api::ClientSettings;

/// Overrides the configured server URL.
pub const URL_ENV: &str = "VISIT_RATING_URL";

/// The interface language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Russian (the default).
    #[default]
    Ru,
    /// English.
    En,
}

/// The settings. Every field is optional; a key this version does not know is ignored
/// here and named by [`layers`] (a file written for a newer version must not stop an
/// older terminal).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
// A settings file's switches are on/off keys by nature: each bool is one key.
#[allow(clippy::struct_excessive_bools)]
pub struct Config {
    /// The server's base URL, e.g. `https://rpgu.example.ru`.
    pub server_url: Option<String>,
    /// The clinic (LPU) GUID. When set, a bare visit GUID is glued after it.
    pub clinic_guid: Option<String>,
    /// What goes between the clinic GUID and a bare visit GUID (empty by default; the
    /// specification names no separator).
    pub visit_id_separator: String,
    /// Seconds to wait for a connection.
    pub connect_timeout_secs: u64,
    /// Seconds a whole request may take.
    pub request_timeout_secs: u64,
    /// An extra CA certificate file (PEM) trusted beside the system's store.
    pub ca_file: Option<PathBuf>,
    /// `ru` (default) or `en`.
    pub language: Language,
    /// Allow `http://` to a host that is not loopback. Off by default.
    pub allow_insecure_http: bool,
    /// Start as an unattended kiosk (same as `--kiosk`).
    pub kiosk: bool,
    /// The high-contrast theme (white on black, thick outlines).
    pub high_contrast: bool,
    /// Text and control size: 1.0 normal, up to 2.0.
    pub text_scale: f32,
    /// The kiosk administrator PIN as an Argon2id hash (set with `visit-rating admin-pin
    /// set`; never the PIN itself).
    pub admin_pin_hash: Option<String>,
    /// How the kiosk behaves.
    pub kiosk_options: KioskOptions,
    /// Days the sent log, the exports this program wrote and the log files are kept
    /// (see [`crate::retention`]); 0 keeps nothing beyond delivery. Default 90.
    pub retention_days: u32,
    /// Warn this many days before the token expires (`status`, the window). 0..=365.
    pub token_warning_days: u64,
    /// When set, the running window rewrites this file every minute with the metrics in
    /// the Prometheus text format (for `node_exporter`'s textfile collector).
    pub metrics_file: Option<PathBuf>,
    /// An unattended terminal's token, in a file only root or this user may read, bound
    /// to `server_url` (see [`crate::secrets::file`]).
    pub token_file: Option<PathBuf>,
    /// This terminal's name in the metrics (their `terminal` label), set by whoever
    /// installs it: never anything a patient typed. 1 to 64 characters, no control
    /// characters.
    pub terminal_id: Option<String>,
    /// The clinic's name in the metrics (their `clinic` label), as `terminal_id`.
    pub clinic_id: Option<String>,
    /// Show what patients said, aggregated, in the metrics (off by default; see
    /// [`crate::scores`] for the privacy rule).
    pub publish_scores: bool,
    /// The aggregated scores shown change only after at least this many more ratings
    /// (5 to 100000, default 10).
    pub publish_scores_every: u64,
}

/// The `[kiosk_options]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KioskOptions {
    /// Which monitor to fill (0 = the first).
    pub monitor: usize,
    /// Extra scale for touch screens, multiplied with `text_scale` (and with the scale
    /// the kiosk takes from its screen).
    pub touch_scale: f32,
    /// The screen's diagonal in inches, when known: the kiosk then sizes its text and
    /// touch targets in millimetres (about 5 mm capital letters, stars at least 12 mm)
    /// instead of from the screen's size in pixels alone. 5 to 110.
    pub screen_diagonal_inches: Option<f32>,
    /// Seconds the thank-you screen stays before the terminal is ready again.
    pub thank_you_secs: u64,
    /// Seconds without a touch or key before a half-filled form is cleared.
    pub idle_secs: u64,
    /// How many of those seconds show a warning with a countdown first.
    pub idle_warning_secs: u64,
    /// Seconds after a rating during which taps cannot start the next one.
    pub cooldown_secs: u64,
    /// Show an on-screen keyboard under the remarks (touch-only terminals).
    pub on_screen_keyboard: bool,
    /// A camera (V4L2 device, e.g. `/dev/video0`) through which the ready screen reads
    /// the slip's QR code or barcode; off unless set.
    pub camera: Option<PathBuf>,
}

impl Default for KioskOptions {
    fn default() -> KioskOptions {
        KioskOptions {
            monitor: 0,
            touch_scale: 1.0,
            screen_diagonal_inches: None,
            thank_you_secs: 8,
            idle_secs: 90,
            idle_warning_secs: 20,
            cooldown_secs: 2,
            on_screen_keyboard: false,
            camera: None,
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            server_url: None,
            clinic_guid: None,
            visit_id_separator: String::new(),
            connect_timeout_secs: 10,
            request_timeout_secs: 30,
            ca_file: None,
            language: Language::Ru,
            allow_insecure_http: false,
            kiosk: false,
            high_contrast: false,
            text_scale: 1.0,
            admin_pin_hash: None,
            kiosk_options: KioskOptions::default(),
            retention_days: crate::retention::DEFAULT_RETENTION_DAYS,
            token_warning_days: 7,
            metrics_file: None,
            token_file: None,
            terminal_id: None,
            clinic_id: None,
            publish_scores: false,
            publish_scores_every: crate::scores::DEFAULT_PUBLISH_EVERY,
        }
    }
}

/// Why the settings could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists (or was named) but could not be read.
    #[error("cannot read the settings file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a field has the wrong name or type. The message
    /// names the line, the column and the field.
    #[error("the settings file {path} is invalid: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// toml's description, with line, column and field.
        message: String,
    },
    /// A value is out of range.
    #[error("the settings file {path} is invalid: {field}: {reason}")]
    Value {
        /// The file.
        path: PathBuf,
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The file could not be written (settings saved from the GUI).
    #[error("cannot save the settings file {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No home folder, so no platform folders.
    #[error("cannot find the home folder to keep settings and data in; pass --config PATH")]
    NoHome,
}

/// The file at `path` exists and can be read by its group or by others (Unix; always
/// `false` elsewhere).
pub fn readable_by_others(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// The platform folders (`directories`): e.g. on Linux `~/.config/visit-rating` and
/// `~/.local/share/visit-rating`.
#[derive(Clone, Debug)]
pub struct Folders {
    /// Where `config.toml` lives.
    pub config_dir: PathBuf,
    /// Where the outbox and logs live.
    pub data_dir: PathBuf,
}

impl Folders {
    /// The platform's folders for this application.
    pub fn platform() -> Result<Folders, ConfigError> {
        let dirs =
            directories::ProjectDirs::from("", "", "visit-rating").ok_or(ConfigError::NoHome)?;
        Ok(Folders {
            config_dir: dirs.config_dir().to_owned(),
            data_dir: dirs.data_dir().to_owned(),
        })
    }

    /// The default settings file.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }
}

impl Config {
    /// Read and check one file.
    pub fn read(path: &Path) -> Result<Config, ConfigError> {
        crate::blocking::assert_may_block("reading the settings");
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parse and check the text of one settings file; `path` names it in errors. Keys
    /// this version does not know are ignored ([`layers`] names them).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config = Config::typed(text, path)?;
        config
            .check()
            .map_err(|(field, reason)| ConfigError::Value {
                path: path.to_owned(),
                field,
                reason: reason.to_owned(),
            })?;
        Ok(config)
    }

    /// The text of one settings file as settings, its types checked (the error names the
    /// line, the column and the key) but not its ranges: those are checked once every
    /// file is applied, since one file may set `idle_secs` and another
    /// `idle_warning_secs`.
    pub(crate) fn typed(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })
    }

    /// The ranges every value must be in: the key and what is wrong, for the first that
    /// is not.
    pub(crate) fn check(&self) -> Result<(), (&'static str, &'static str)> {
        let config = self;
        let value = |field, reason| (field, reason);
        if config.connect_timeout_secs == 0 || config.connect_timeout_secs > 600 {
            return Err(value("connect_timeout_secs", "must be between 1 and 600"));
        }
        if config.request_timeout_secs == 0 || config.request_timeout_secs > 3600 {
            return Err(value("request_timeout_secs", "must be between 1 and 3600"));
        }
        if !(0.5..=2.0).contains(&config.text_scale) {
            return Err(value("text_scale", "must be between 0.5 and 2.0"));
        }
        let kiosk = &config.kiosk_options;
        if !(0.5..=3.0).contains(&kiosk.touch_scale) {
            return Err(value(
                "kiosk_options.touch_scale",
                "must be between 0.5 and 3.0",
            ));
        }
        if kiosk
            .screen_diagonal_inches
            .is_some_and(|d| !(5.0..=110.0).contains(&d))
        {
            return Err(value(
                "kiosk_options.screen_diagonal_inches",
                "must be between 5 and 110",
            ));
        }
        if kiosk.idle_secs < 10 || kiosk.idle_warning_secs >= kiosk.idle_secs {
            return Err(value(
                "kiosk_options.idle_secs",
                "must be at least 10 and longer than idle_warning_secs",
            ));
        }
        if kiosk.thank_you_secs == 0 || kiosk.thank_you_secs > 600 {
            return Err(value(
                "kiosk_options.thank_you_secs",
                "must be between 1 and 600",
            ));
        }
        if config.token_warning_days > 365 {
            return Err(value("token_warning_days", "must be between 0 and 365"));
        }
        for (field, label) in [
            ("terminal_id", &config.terminal_id),
            ("clinic_id", &config.clinic_id),
        ] {
            if let Some(label) = label
                && (label.is_empty()
                    || label.chars().count() > 64
                    || label.chars().any(char::is_control))
            {
                return Err(value(
                    field,
                    "must be 1 to 64 characters, without control characters",
                ));
            }
        }
        if !(crate::scores::MIN_PUBLISH_EVERY..=100_000).contains(&config.publish_scores_every) {
            return Err(value(
                "publish_scores_every",
                "must be between 5 and 100000",
            ));
        }
        if let Some(guid) = &config.clinic_guid
            && !guid.trim().is_empty()
            && crate::api::VisitId::parse(guid).is_err()
        {
            return Err(value(
                "clinic_guid",
                "contains characters that cannot be part of a visit id",
            ));
        }
        Ok(())
    }

    /// Write the settings to `path`, privately (`0600`) and atomically (see
    /// [`crate::private_fs::write`]).
    ///
    /// An existing file is edited, not rewritten: only the keys whose value differs from
    /// what the file says now are written (a changed value keeps its inline comment and
    /// its place), keys that became unset are removed, and a new key goes at the end of
    /// its own table (`kiosk` in the top-level table, `idle_secs` under
    /// `[kiosk_options]`). Comments, blank lines, key order and the rest of the
    /// administrator's layout survive. An existing file that is not valid settings is
    /// left untouched and the error names its line (it would not load either). A missing
    /// file is written as an empty one would be edited: only the settings that differ
    /// from the defaults, so the machine's files (`/etc/visit-rating`) still decide
    /// every other key (a user's file holding every default would override them all).
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        crate::blocking::assert_may_block("saving the settings");
        let write = |source| ConfigError::Write {
            path: path.to_owned(),
            source,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(existing) => self.edited(&existing, path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.edited("", path)?,
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private_fs::create_dir(dir).map_err(write)?;
        }
        crate::private_fs::write(path, text.as_bytes()).map_err(write)
    }

    /// The settings file at `path` as it is now: its settings, or the defaults when it
    /// does not exist. Read again before changing a few settings, so that what someone
    /// else changed in the file since this process read it is not undone by the save.
    pub fn current(path: &Path) -> Result<Config, ConfigError> {
        crate::blocking::assert_may_block("reading the settings");
        match std::fs::read_to_string(path) {
            // Types only: the ranges hold once the machine's files are applied under it
            // (a user's `idle_secs = 15` over the machine's 5-second warning).
            Ok(text) => Config::typed(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// `existing` (the settings file at `path`) with these settings written into it.
    pub(crate) fn edited(&self, existing: &str, path: &Path) -> Result<String, ConfigError> {
        // Types only, as in `current`.
        let old = Config::typed(existing, path)?;
        if old == *self {
            // Nothing to change: the file as it is, byte for byte (the editor would end
            // a last line that has a value but no line break with one).
            return Ok(existing.to_owned());
        }
        let as_io = |e: &dyn std::fmt::Display| ConfigError::Write {
            path: path.to_owned(),
            source: std::io::Error::other(e.to_string()),
        };
        let mut document: toml_edit::DocumentMut = existing.parse().map_err(|e| as_io(&e))?;
        // Values are rendered by `toml` (as a whole new file would be) and compared as
        // values, so `1.0` and `1.00` or a reordered table are no change.
        let new_text = toml::to_string_pretty(self).map_err(|e| as_io(&e))?;
        let fresh: toml_edit::DocumentMut = new_text.parse().map_err(|e| as_io(&e))?;
        let new_table: toml::Table = toml::from_str(&new_text).map_err(|e| as_io(&e))?;
        let old_table: toml::Table = toml::to_string(&old)
            .map_err(|e| as_io(&e))
            .and_then(|text| toml::from_str(&text).map_err(|e| as_io(&e)))?;
        edit_table(
            document.as_table_mut(),
            fresh.as_table(),
            &old_table,
            &new_table,
        );
        Ok(document.to_string())
    }

    /// The server URL after overrides: `cli_url` > `VISIT_RATING_URL` > the file.
    pub fn effective_url(&self, cli_url: Option<&str>) -> Option<String> {
        cli_url
            .map(str::to_owned)
            .or_else(|| std::env::var(URL_ENV).ok().filter(|u| !u.trim().is_empty()))
            .or_else(|| self.server_url.clone().filter(|u| !u.trim().is_empty()))
    }

    /// Client settings for `base_url` with this file's timeouts and CA file.
    pub fn client_settings(&self, base_url: &str) -> ClientSettings {
        ClientSettings {
            connect_timeout: Duration::from_secs(self.connect_timeout_secs),
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            ca_file: self.ca_file.clone(),
            allow_insecure_http: self.allow_insecure_http,
            ..ClientSettings::new(base_url)
        }
    }

    /// The HTTP client for `base_url` with these settings (`allow_insecure_http` also
    /// when a command line asks for it): the one "URL → settings → client" step of the
    /// window, the commands and the background sender. Blocking (reads the CA file).
    pub fn client(
        &self,
        base_url: &str,
        allow_insecure_http: bool,
    ) -> Result<crate::api::RatingClient, crate::api::ClientError> {
        let mut settings = self.client_settings(base_url);
        settings.allow_insecure_http |= allow_insecure_http;
        crate::api::RatingClient::new(&settings)
    }
}

/// Write into `document` the keys of `new` that differ from `old` (the values the file
/// holds now, defaults included), taking the values as `fresh` renders them; remove the
/// keys `new` no longer has. Sub-tables are edited key by key, created when missing.
fn edit_table(
    document: &mut dyn toml_edit::TableLike,
    fresh: &dyn toml_edit::TableLike,
    old: &toml::Table,
    new: &toml::Table,
) {
    // In the order of `fresh` (the struct's order): new keys are appended in it.
    for (key, fresh_item) in fresh.iter() {
        let Some(new_value) = new.get(key) else {
            continue;
        };
        let old_value = old.get(key);
        if old_value == Some(new_value) {
            continue;
        }
        if let (toml::Value::Table(new_sub), Some(fresh_sub)) =
            (new_value, fresh_item.as_table_like())
        {
            if !document
                .get(key)
                .is_some_and(toml_edit::Item::is_table_like)
            {
                document.insert(key, toml_edit::Item::Table(toml_edit::Table::new()));
            }
            if let Some(sub) = document
                .get_mut(key)
                .and_then(toml_edit::Item::as_table_like_mut)
            {
                let empty = toml::Table::new();
                let old_sub = old_value.and_then(toml::Value::as_table).unwrap_or(&empty);
                edit_table(sub, fresh_sub, old_sub, new_sub);
            }
            continue;
        }
        match (document.get_mut(key), fresh_item.as_value()) {
            (Some(toml_edit::Item::Value(value)), Some(fresh_value)) => {
                // The value's own spacing and inline comment stay.
                let decor = value.decor().clone();
                *value = fresh_value.clone();
                *value.decor_mut() = decor;
            }
            _ => {
                document.insert(key, fresh_item.clone());
            }
        }
    }
    for key in old.keys().filter(|key| !new.contains_key(*key)) {
        document.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/visit-rating.toml"))
    }

    #[test]
    fn an_empty_file_is_all_defaults() {
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn every_field_is_read() {
        let config = parse(
            r#"
server_url = "https://rpgu.example.ru"
clinic_guid = "0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6"
visit_id_separator = "_"
connect_timeout_secs = 3
request_timeout_secs = 7
ca_file = "/etc/ssl/national-ca.pem"
language = "en"
allow_insecure_http = true
"#,
        )
        .unwrap();
        assert_eq!(
            config.server_url.as_deref(),
            Some("https://rpgu.example.ru")
        );
        assert_eq!(config.language, Language::En);
        assert_eq!(config.visit_id_separator, "_");
        let settings = config.client_settings("https://x.example");
        assert_eq!(settings.connect_timeout, Duration::from_secs(3));
        assert_eq!(settings.request_timeout, Duration::from_secs(7));
        assert!(settings.allow_insecure_http);
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_field() {
        // A key this version does not know is no longer one ([`layers`] names it).
        assert_eq!(
            parse("language = \"ru\"\nserver_ulr = \"https://x\"\n").unwrap(),
            Config::default()
        );
        let err = parse("language = \"ru\"\nkiosk = 1\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("/etc/visit-rating.toml"), "{text}");
        assert!(text.contains("line 2"), "{text}");
        assert!(text.contains("kiosk"), "{text}");

        let err = parse("\n\nconnect_timeout_secs = \"ten\"\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("line 3") && text.contains("connect_timeout_secs"),
            "{text}"
        );

        let err = parse("language = \"de\"").unwrap_err().to_string();
        assert!(err.contains("language") || err.contains("de"), "{err}");

        let err = parse("request_timeout_secs = 0").unwrap_err().to_string();
        assert!(err.contains("request_timeout_secs"), "{err}");

        let err = parse("this is not toml").unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn save_then_read_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        let config = Config {
            server_url: Some("https://rpgu.example.ru".into()),
            language: Language::En,
            ..Config::default()
        };
        config.save(&path).unwrap();
        assert_eq!(Config::read(&path).unwrap(), config);
    }

    /// An administrator's file: comments above keys and tables, inline comments, blank
    /// lines, keys in an order of their own, a `[kiosk_options]` table.
    const HAND_WRITTEN: &str = "\
# Clinic No. 3, reception. Edited by hand: keep these notes.

# The portal (test stand until December).
server_url = \"https://rpgu.example.ru\"   # no trailing slash

# Slow uplink.
request_timeout_secs = 45
connect_timeout_secs = 5
language = \"en\"  # the nurses read English


# Touch terminal by the door.
[kiosk_options]
idle_secs = 120   # two minutes
# The patient's screen is the second one.
monitor = 1
";

    fn saved(config: &Config, before: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, before).unwrap();
        config.save(&path).unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert_eq!(&Config::read(&path).unwrap(), config, "{after}");
        after
    }

    #[test]
    fn saving_unchanged_settings_leaves_the_file_as_written() {
        let config = parse(HAND_WRITTEN).unwrap();
        assert_eq!(saved(&config, HAND_WRITTEN), HAND_WRITTEN);
    }

    #[test]
    fn saving_unchanged_settings_leaves_a_file_without_a_last_line_break_as_written() {
        // Found by the settings fuzz target: the editor ended a last line holding a
        // value with a line break, so a save that changed nothing still changed the file.
        for before in [
            "connect_timeout_secs = 5\n# the last line is a comment",
            "connect_timeout_secs = 5  # no line break after this",
            "[kiosk_options]\nidle_secs = 120",
        ] {
            let config = parse(before).unwrap();
            assert_eq!(saved(&config, before), before);
        }
    }

    #[test]
    fn a_save_edits_the_file_in_place_keeping_comments_order_and_tables() {
        let mut config = parse(HAND_WRITTEN).unwrap();
        config.server_url = Some("https://rpgu.example.org".into());
        config.kiosk = true;
        config.admin_pin_hash = Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
        config.kiosk_options.idle_secs = 150;
        config.kiosk_options.cooldown_secs = 4;
        let after = saved(&config, HAND_WRITTEN);
        let expected = HAND_WRITTEN
            .replace(
                "server_url = \"https://rpgu.example.ru\"   # no trailing slash",
                "server_url = \"https://rpgu.example.org\"   # no trailing slash",
            )
            .replace(
                "language = \"en\"  # the nurses read English\n",
                "language = \"en\"  # the nurses read English\nkiosk = true\nadmin_pin_hash = \"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA\"\n",
            )
            .replace("idle_secs = 120   # two minutes", "idle_secs = 150   # two minutes")
            .replace("monitor = 1\n", "monitor = 1\ncooldown_secs = 4\n");
        assert_eq!(after, expected);

        // Unset again: the key goes, the rest stays.
        config.admin_pin_hash = None;
        let cleared = saved(&config, &after);
        assert!(!cleared.contains("admin_pin_hash"), "{cleared}");
        assert_eq!(cleared.lines().count(), after.lines().count() - 1);
    }

    #[test]
    fn a_kiosk_option_in_a_file_without_the_table_gets_the_table() {
        let before = "# only the URL\nserver_url = \"https://rpgu.example.ru\"\n";
        let mut config = parse(before).unwrap();
        config.kiosk_options.on_screen_keyboard = true;
        config.language = Language::En;
        let after = saved(&config, before);
        assert_eq!(
            after,
            "# only the URL\nserver_url = \"https://rpgu.example.ru\"\nlanguage = \"en\"\n\n[kiosk_options]\non_screen_keyboard = true\n"
        );
        // Dotted keys and inline tables are edited where they are.
        for before in [
            "kiosk_options.idle_secs = 60 # dotted\n",
            "kiosk_options = { idle_secs = 60 } # inline\n",
        ] {
            let mut config = parse(before).unwrap();
            config.kiosk_options.idle_secs = 61;
            let after = saved(&config, before);
            assert_eq!(after, before.replace("60", "61"));
        }
    }

    #[test]
    fn an_invalid_file_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        for before in [
            "server_url = \"https://x\"\nnot toml\n",
            "kiosk = \"yes\"\n",
        ] {
            std::fs::write(&path, before).unwrap();
            let err = Config::default().save(&path).unwrap_err().to_string();
            assert!(err.contains("line") && err.contains("config.toml"), "{err}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
        }
    }

    #[test]
    fn the_current_file_is_read_again_before_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, HAND_WRITTEN).unwrap();
        let mut updated = Config::current(&path).unwrap();
        assert_eq!(updated.request_timeout_secs, 45);
        updated.clinic_guid = Some("0c5a8a4e".into());
        updated.save(&path).unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            after,
            HAND_WRITTEN.replace(
                "language = \"en\"  # the nurses read English\n",
                "language = \"en\"  # the nurses read English\nclinic_guid = \"0c5a8a4e\"\n"
            )
        );
        let fresh = dir.path().join("new/config.toml");
        let mut made = Config::current(&fresh).unwrap();
        assert_eq!(made, Config::default());
        made.kiosk = true;
        made.save(&fresh).unwrap();
        assert_eq!(Config::read(&fresh).unwrap(), made);
        // Only what differs from the defaults: the machine's files decide the rest.
        assert_eq!(std::fs::read_to_string(&fresh).unwrap(), "kiosk = true\n");
    }

    #[test]
    fn a_file_valid_only_over_the_machines_files_can_be_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        // Alone shorter than the default 20 s warning: /etc sets a 5 s one.
        let before = "[kiosk_options]\nidle_secs = 15\n";
        std::fs::write(&path, before).unwrap();
        assert!(Config::read(&path).is_err());
        let mut config = Config::current(&path).unwrap();
        assert_eq!(config.kiosk_options.idle_secs, 15);
        config.language = Language::En;
        config.save(&path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "language = \"en\"\n[kiosk_options]\nidle_secs = 15\n"
        );
    }

    #[test]
    fn a_missing_explicit_file_is_an_error_naming_it() {
        let sources = layers::Sources::new(Some(Path::new("/nonexistent/vr.toml"))).unwrap();
        let err = sources.load().unwrap_err();
        assert!(err.to_string().contains("/nonexistent/vr.toml"));
    }
}
