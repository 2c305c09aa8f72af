//! Machine-wide settings under the user's: which files are read, in which order, what
//! each key's value is and which file gave it, and the keys a file names that this
//! version does not know.
//!
//! From lowest to highest, key by key: the defaults, `/etc/visit-rating/config.toml`,
//! the drop-ins `/etc/visit-rating/config.d/*.toml` in lexical order of their names,
//! then the user's file (`~/.config/visit-rating/config.toml`, or the one named by
//! `--config`). `VISIT_RATING_SYSTEM_CONFIG_DIR` names another folder than
//! `/etc/visit-rating` (tests, unusual installs). The environment (`VISIT_RATING_URL`)
//! and the command line (`--url`, `--lang`, `--kiosk`) still win over every file; they
//! are applied where the settings are used, not here.
//!
//! A key this version does not know is reported (file and key) and ignored: a file
//! written for a newer version must not stop an older terminal. A known key with a value
//! of the wrong type, or out of range, is an error naming the file and the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

use super::{Config, ConfigError, Folders};

/// Names another folder than `/etc/visit-rating` for the machine-wide settings (tests,
/// unusual installs).
pub const SYSTEM_DIR_ENV: &str = "VISIT_RATING_SYSTEM_CONFIG_DIR";

/// The machine-wide settings folder when [`SYSTEM_DIR_ENV`] is not set.
pub const SYSTEM_DIR: &str = "/etc/visit-rating";

/// What a key's value is, for `config set` (the loader checks the same through serde).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    Text,
    /// A file's path (a string).
    Path,
    /// `true` or `false`.
    Bool,
    /// A whole number, 0 or more.
    Whole,
    /// A number with a fraction.
    Decimal,
    /// `ru` or `en`.
    Language,
}

/// Every key a settings file may hold, `kiosk_options.` before those of the
/// `[kiosk_options]` table, in the order `config show` lists them. A unit test checks
/// it against [`Config`]'s fields.
pub const KEYS: &[(&str, Kind)] = &[
    ("server_url", Kind::Text),
    ("clinic_guid", Kind::Text),
    ("visit_id_separator", Kind::Text),
    ("connect_timeout_secs", Kind::Whole),
    ("request_timeout_secs", Kind::Whole),
    ("ca_file", Kind::Path),
    ("language", Kind::Language),
    ("allow_insecure_http", Kind::Bool),
    ("kiosk", Kind::Bool),
    ("high_contrast", Kind::Bool),
    ("text_scale", Kind::Decimal),
    ("admin_pin_hash", Kind::Text),
    ("retention_days", Kind::Whole),
    ("token_warning_days", Kind::Whole),
    ("metrics_file", Kind::Path),
    ("token_file", Kind::Path),
    ("terminal_id", Kind::Text),
    ("clinic_id", Kind::Text),
    ("publish_scores", Kind::Bool),
    ("publish_scores_every", Kind::Whole),
    ("kiosk_options.monitor", Kind::Whole),
    ("kiosk_options.touch_scale", Kind::Decimal),
    ("kiosk_options.screen_diagonal_inches", Kind::Decimal),
    ("kiosk_options.thank_you_secs", Kind::Whole),
    ("kiosk_options.idle_secs", Kind::Whole),
    ("kiosk_options.idle_warning_secs", Kind::Whole),
    ("kiosk_options.cooldown_secs", Kind::Whole),
    ("kiosk_options.on_screen_keyboard", Kind::Bool),
    ("kiosk_options.camera", Kind::Path),
];

/// The table whose keys are listed as `kiosk_options.KEY`.
const KIOSK_TABLE: &str = "kiosk_options";

/// Keys whose value is never shown (`config show`, the log): the PIN's hash would let
/// anyone who reads it try every 6-digit PIN.
pub const HIDDEN_KEYS: &[&str] = &["admin_pin_hash"];

/// The kind of `key`, when this version knows it.
pub fn kind(key: &str) -> Option<Kind> {
    KEYS.iter().find(|(k, _)| *k == key).map(|(_, kind)| *kind)
}

/// Where a value came from, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// No file sets it.
    Default,
    /// `/etc/visit-rating/config.toml`.
    System,
    /// A file in `/etc/visit-rating/config.d/`.
    DropIn,
    /// The user's file (or `--config`).
    User,
    /// An environment variable (`VISIT_RATING_URL` for `server_url`).
    Environment,
}

/// One settings file in the order they are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layer {
    /// Which kind of file.
    pub origin: Origin,
    /// The file.
    pub path: PathBuf,
}

/// A key a file holds that this version does not know: ignored, and said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownKey {
    /// The file.
    pub path: PathBuf,
    /// The key (`kiosk_options.KEY` inside that table).
    pub key: String,
}

/// The settings files of this machine and user.
#[derive(Clone, Debug)]
pub struct Sources {
    /// `/etc/visit-rating` (or [`SYSTEM_DIR_ENV`]).
    pub system_dir: PathBuf,
    /// The user's file, or the one named by `--config`.
    pub user_file: PathBuf,
    /// The user's file was named by `--config`: it must exist.
    pub explicit: bool,
}

/// The settings in force and where each came from.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The settings, every file applied key by key.
    pub config: Config,
    /// For each key set by a file (`kiosk_options.KEY` inside that table), the file.
    pub origins: BTreeMap<String, Layer>,
    /// The keys this version does not know, file by file, in reading order.
    pub unknown: Vec<UnknownKey>,
    /// The files that exist and were read, in order.
    pub read: Vec<Layer>,
}

/// What the files look like now (each one's modification time, size and inode): a
/// change says they must be read again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp(Vec<(PathBuf, Option<FileStamp>)>);

/// One file's modification time, size and inode.
type FileStamp = (SystemTime, u64, u64);

impl Sources {
    /// The machine's folder ([`SYSTEM_DIR_ENV`] or `/etc/visit-rating`) and `explicit`,
    /// else the platform's user file.
    pub fn new(explicit: Option<&Path>) -> Result<Sources, ConfigError> {
        let system_dir = std::env::var_os(SYSTEM_DIR_ENV)
            .filter(|dir| !dir.is_empty())
            .map_or_else(|| PathBuf::from(SYSTEM_DIR), PathBuf::from);
        let (user_file, explicit) = match explicit {
            Some(path) => (path.to_owned(), true),
            None => (Folders::platform()?.config_file(), false),
        };
        Ok(Sources {
            system_dir,
            user_file,
            explicit,
        })
    }

    /// `/etc/visit-rating/config.toml`.
    pub fn system_file(&self) -> PathBuf {
        self.system_dir.join("config.toml")
    }

    /// `/etc/visit-rating/config.d`.
    pub fn drop_in_dir(&self) -> PathBuf {
        self.system_dir.join("config.d")
    }

    /// Every file that may hold settings, in the order they are applied: the machine's
    /// file, the drop-ins (`*.toml`, not hidden, by name), the user's file. The files
    /// need not exist.
    pub fn layers(&self) -> Result<Vec<Layer>, ConfigError> {
        let mut layers = vec![Layer {
            origin: Origin::System,
            path: self.system_file(),
        }];
        let dir = self.drop_in_dir();
        match std::fs::read_dir(&dir) {
            Ok(entries) => {
                let mut names: Vec<_> = entries
                    .filter_map(Result::ok)
                    .map(|entry| entry.file_name())
                    .filter(|name| {
                        let name = name.to_string_lossy();
                        name.ends_with(".toml") && !name.starts_with('.')
                    })
                    .collect();
                names.sort();
                layers.extend(names.into_iter().map(|name| Layer {
                    origin: Origin::DropIn,
                    path: dir.join(name),
                }));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(ConfigError::Read { path: dir, source }),
        }
        layers.push(Layer {
            origin: Origin::User,
            path: self.user_file.clone(),
        });
        Ok(layers)
    }

    /// Read every file and apply them key by key.
    pub fn load(&self) -> Result<Loaded, ConfigError> {
        self.load_replacing(None)
    }

    /// As [`Sources::load`], with `replace.1` read as the text of the file `replace.0`
    /// (a change checked before it is written).
    pub fn load_replacing(&self, replace: Option<(&Path, &str)>) -> Result<Loaded, ConfigError> {
        crate::blocking::assert_may_block("reading the settings");
        let mut merged = toml::Table::new();
        let mut origins = BTreeMap::new();
        let mut unknown = Vec::new();
        let mut read = Vec::new();
        for layer in self.layers()? {
            let text = match replace {
                Some((path, text)) if path == layer.path => text.to_owned(),
                _ => match std::fs::read_to_string(&layer.path) {
                    Ok(text) => text,
                    Err(e)
                        if e.kind() == std::io::ErrorKind::NotFound
                            && !(layer.origin == Origin::User && self.explicit) =>
                    {
                        continue;
                    }
                    Err(source) => {
                        return Err(ConfigError::Read {
                            path: layer.path,
                            source,
                        });
                    }
                },
            };
            let table = known_keys(&text, &layer.path, &mut unknown)?;
            merge(&mut merged, table, &layer, &mut origins);
            read.push(layer);
        }
        let config: Config =
            toml::Value::Table(merged)
                .try_into()
                .map_err(|e: toml::de::Error| ConfigError::Parse {
                    path: self.user_file.clone(),
                    message: e.to_string().trim_end().to_owned(),
                })?;
        if let Err((field, reason)) = config.check() {
            // The file read last of those that set the key (or, for the idle timer, the
            // warning it must be longer than): the one whose change made it wrong.
            let keys: &[&str] = if field == "kiosk_options.idle_secs" {
                &[field, "kiosk_options.idle_warning_secs"]
            } else {
                &[field]
            };
            let path = keys
                .iter()
                .filter_map(|key| origins.get(*key))
                .max_by_key(|layer| read.iter().position(|r| r == *layer))
                .map_or_else(|| self.user_file.clone(), |layer| layer.path.clone());
            return Err(ConfigError::Value {
                path,
                field,
                reason: reason.to_owned(),
            });
        }
        Ok(Loaded {
            config,
            origins,
            unknown,
            read,
        })
    }

    /// What the files look like now ([`Stamp`]); cheap: one `stat` a file.
    pub fn stamp(&self) -> Stamp {
        let mut paths = vec![self.drop_in_dir()];
        paths.extend(
            self.layers()
                .unwrap_or_default()
                .into_iter()
                .map(|layer| layer.path),
        );
        Stamp(
            paths
                .into_iter()
                .map(|path| {
                    let meta = std::fs::metadata(&path).ok().map(|m| {
                        #[cfg(unix)]
                        let inode = std::os::unix::fs::MetadataExt::ino(&m);
                        #[cfg(not(unix))]
                        let inode = 0;
                        (
                            m.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                            m.len(),
                            inode,
                        )
                    });
                    (path, meta)
                })
                .collect(),
        )
    }
}

/// The file's text checked (types, with line and column) and parsed into a table of
/// the keys this version knows; the others are added to `unknown`.
fn known_keys(
    text: &str,
    path: &Path,
    unknown: &mut Vec<UnknownKey>,
) -> Result<toml::Table, ConfigError> {
    let parse_error = |e: toml::de::Error| ConfigError::Parse {
        path: path.to_owned(),
        message: e.to_string().trim_end().to_owned(),
    };
    // The types, checked with the file's own lines (unknown keys pass here).
    Config::typed(text, path)?;
    let mut table: toml::Table = toml::from_str(text).map_err(parse_error)?;
    let mut say = |key: String| {
        unknown.push(UnknownKey {
            path: path.to_owned(),
            key,
        });
    };
    table.retain(|key, value| {
        if key == KIOSK_TABLE {
            if let toml::Value::Table(sub) = value {
                sub.retain(|sub_key, _| {
                    let known = kind(&format!("{KIOSK_TABLE}.{sub_key}")).is_some();
                    if !known {
                        say(format!("{KIOSK_TABLE}.{sub_key}"));
                    }
                    known
                });
            }
            return true;
        }
        let known = kind(key).is_some();
        if !known {
            say(key.to_string());
        }
        known
    });
    Ok(table)
}

/// `table` (one file's known keys) applied over `merged`, key by key (the
/// `[kiosk_options]` table's keys one by one too); each key's file noted in `origins`.
fn merge(
    merged: &mut toml::Table,
    table: toml::Table,
    layer: &Layer,
    origins: &mut BTreeMap<String, Layer>,
) {
    for (key, value) in table {
        if let toml::Value::Table(sub) = value {
            let into = merged
                .entry(key.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(into) = into {
                for (sub_key, sub_value) in sub {
                    origins.insert(format!("{key}.{sub_key}"), layer.clone());
                    into.insert(sub_key, sub_value);
                }
            }
            continue;
        }
        origins.insert(key.clone(), layer.clone());
        merged.insert(key, value);
    }
}

/// Every key of `config` with its value as TOML (`None`: unset), in [`KEYS`]'s order. A
/// number with a fraction is the shortest that reads back as the same `f32` (`1.3`, not
/// `1.2999999523162842`).
pub fn values(config: &Config) -> Vec<(&'static str, Option<toml::Value>)> {
    let table = toml::Value::try_from(config)
        .ok()
        .and_then(|v| v.as_table().cloned())
        .unwrap_or_default();
    KEYS.iter()
        .map(|(key, _)| {
            let value = match key.split_once('.') {
                Some((outer, inner)) => table
                    .get(outer)
                    .and_then(|t| t.as_table())
                    .and_then(|t| t.get(inner))
                    .cloned(),
                None => table.get(*key).cloned(),
            };
            let value = value.map(|value| match value {
                #[allow(clippy::cast_possible_truncation)] // the settings' decimals are f32
                toml::Value::Float(f) => {
                    toml::Value::Float((f as f32).to_string().parse().unwrap_or(f))
                }
                other => other,
            });
            (*key, value)
        })
        .collect()
}

/// The keys whose values differ between `old` and `new`, with the new value (`None`:
/// unset), in [`KEYS`]'s order.
pub fn changes(old: &Config, new: &Config) -> Vec<(&'static str, Option<toml::Value>)> {
    values(old)
        .into_iter()
        .zip(values(new))
        .filter(|((_, a), (_, b))| a != b)
        .map(|(_, new)| new)
        .collect()
}

/// `value` as shown to people: TOML's spelling, `(unset)` when absent, `***` for a
/// hidden key.
pub fn shown(key: &str, value: Option<&toml::Value>) -> String {
    match value {
        None => "(unset)".to_owned(),
        Some(_) if HIDDEN_KEYS.contains(&key) => "***".to_owned(),
        Some(value) => value.to_string(),
    }
}

/// Why `config set` refused a key or a value.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// This version does not know the key.
    #[error("unknown setting {0}")]
    UnknownKey(String),
    /// The key is set by its own command (`admin-pin set`).
    #[error("{0} is set with its own command")]
    OwnCommand(&'static str),
    /// The value is not of the key's kind.
    #[error("{key}: expected {expected}, not {value:?}")]
    Kind {
        /// The key.
        key: String,
        /// What was expected.
        expected: &'static str,
        /// What was given.
        value: String,
    },
    /// The file, once changed, would not load (out of range, or the file is invalid).
    #[error(transparent)]
    Invalid(ConfigError),
}

impl Kind {
    /// What a value of this kind looks like, for errors.
    pub fn expected(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Path => "a file's path",
            Kind::Bool => "true or false",
            Kind::Whole => "a whole number",
            Kind::Decimal => "a number",
            Kind::Language => "ru or en",
        }
    }

    /// `text` as a value of this kind.
    fn value(self, text: &str) -> Option<toml_edit::Value> {
        match self {
            Kind::Text | Kind::Path => Some(text.into()),
            Kind::Language => matches!(text, "ru" | "en").then(|| text.into()),
            Kind::Bool => text.parse::<bool>().ok().map(Into::into),
            Kind::Whole => text.trim().parse::<u32>().ok().map(|n| i64::from(n).into()),
            Kind::Decimal => text
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(Into::into),
        }
    }
}

/// `existing` (the settings file `path` as it is, empty when missing) with `key` set
/// to `value`, checked as the loader checks it: comments, blank lines, order and the
/// other keys stay, the key's own inline comment too; a key of `[kiosk_options]` goes
/// into that table (made when missing). `sources` loads with the changed file in place
/// of `path`, so a value the other files make invalid is refused too.
pub fn set_key(
    sources: &Sources,
    path: &Path,
    existing: &str,
    key: &str,
    value: &str,
) -> Result<String, SetError> {
    let kind = kind(key).ok_or_else(|| SetError::UnknownKey(key.to_owned()))?;
    if let Some(own) = HIDDEN_KEYS.iter().find(|k| **k == key) {
        return Err(SetError::OwnCommand(own));
    }
    let new_value = kind.value(value).ok_or_else(|| SetError::Kind {
        key: key.to_owned(),
        expected: kind.expected(),
        value: value.to_owned(),
    })?;
    // The file as it is must be readable settings (it would not load either).
    Config::typed(existing, path).map_err(SetError::Invalid)?;
    let mut document: toml_edit::DocumentMut = existing.parse().map_err(|e| {
        SetError::Invalid(ConfigError::Parse {
            path: path.to_owned(),
            message: format!("{e}").trim_end().to_owned(),
        })
    })?;
    let (table, leaf): (&mut dyn toml_edit::TableLike, &str) = match key.split_once('.') {
        Some((outer, inner)) => {
            if !document
                .get(outer)
                .is_some_and(toml_edit::Item::is_table_like)
            {
                document.insert(outer, toml_edit::Item::Table(toml_edit::Table::new()));
            }
            let Some(sub) = document
                .get_mut(outer)
                .and_then(toml_edit::Item::as_table_like_mut)
            else {
                unreachable!("the table was just made")
            };
            (sub, inner)
        }
        None => (document.as_table_mut(), key),
    };
    match table.get_mut(leaf) {
        Some(toml_edit::Item::Value(old)) => {
            let decor = old.decor().clone();
            *old = new_value;
            *old.decor_mut() = decor;
        }
        _ => {
            table.insert(leaf, toml_edit::Item::Value(new_value));
        }
    }
    let text = document.to_string();
    sources
        .load_replacing(Some((path, &text)))
        .map_err(SetError::Invalid)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(dir: &Path) -> Sources {
        Sources {
            system_dir: dir.join("etc"),
            user_file: dir.join("user/config.toml"),
            explicit: false,
        }
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn keys_are_every_field_of_the_settings() {
        let config = Config {
            server_url: Some(String::new()),
            clinic_guid: Some(String::new()),
            ca_file: Some(PathBuf::new()),
            admin_pin_hash: Some(String::new()),
            metrics_file: Some(PathBuf::new()),
            token_file: Some(PathBuf::new()),
            terminal_id: Some(String::new()),
            clinic_id: Some(String::new()),
            kiosk_options: super::super::KioskOptions {
                screen_diagonal_inches: Some(10.0),
                camera: Some(PathBuf::new()),
                ..Default::default()
            },
            ..Config::default()
        };
        let table = toml::Value::try_from(&config).unwrap();
        let mut fields = Vec::new();
        for (key, value) in table.as_table().unwrap() {
            match value.as_table() {
                Some(sub) => fields.extend(sub.keys().map(|k| format!("{key}.{k}"))),
                None => fields.push(key.clone()),
            }
        }
        fields.sort();
        let mut keys: Vec<String> = KEYS.iter().map(|(k, _)| (*k).to_owned()).collect();
        keys.sort();
        assert_eq!(fields, keys);
        for (key, value) in values(&config) {
            assert!(value.is_some(), "{key}");
        }
    }

    #[test]
    fn the_user_file_wins_over_drop_ins_which_win_over_the_machine_file_key_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let sources = sources(dir.path());
        write(
            &sources.system_file(),
            "server_url = \"https://etc.example\"\nlanguage = \"en\"\nconnect_timeout_secs = 3\n[kiosk_options]\nidle_secs = 100\nthank_you_secs = 5\n",
        );
        write(
            &sources.drop_in_dir().join("20-later.toml"),
            "connect_timeout_secs = 5\n",
        );
        write(
            &sources.drop_in_dir().join("10-first.toml"),
            "connect_timeout_secs = 4\nrequest_timeout_secs = 40\n[kiosk_options]\nthank_you_secs = 6\n",
        );
        write(&sources.drop_in_dir().join("notes.txt"), "not = settings\n");
        write(
            &sources.drop_in_dir().join(".hidden.toml"),
            "kiosk = true\n",
        );
        write(
            &sources.user_file,
            "server_url = \"https://user.example\"\n",
        );
        let loaded = sources.load().unwrap();
        let config = &loaded.config;
        assert_eq!(config.server_url.as_deref(), Some("https://user.example"));
        assert_eq!(config.language, super::super::Language::En);
        assert_eq!(config.connect_timeout_secs, 5);
        assert_eq!(config.request_timeout_secs, 40);
        assert_eq!(config.kiosk_options.idle_secs, 100);
        assert_eq!(config.kiosk_options.thank_you_secs, 6);
        assert!(!config.kiosk);
        let origin = |key: &str| loaded.origins.get(key).map(|l| l.path.clone());
        assert_eq!(origin("server_url"), Some(sources.user_file.clone()));
        assert_eq!(origin("language"), Some(sources.system_file()));
        assert_eq!(
            origin("connect_timeout_secs"),
            Some(sources.drop_in_dir().join("20-later.toml"))
        );
        assert_eq!(
            origin("kiosk_options.thank_you_secs"),
            Some(sources.drop_in_dir().join("10-first.toml"))
        );
        assert_eq!(origin("kiosk_options.cooldown_secs"), None);
        assert_eq!(loaded.read.len(), 4);
    }

    #[test]
    fn unknown_keys_are_named_and_ignored_and_a_wrong_type_names_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let sources = sources(dir.path());
        write(
            &sources.system_file(),
            "future_key = 1\nlanguage = \"en\"\n[kiosk_options]\nglow = true\nidle_secs = 60\n[future_table]\nx = 1\n",
        );
        let loaded = sources.load().unwrap();
        let named: Vec<_> = loaded.unknown.iter().map(|u| u.key.as_str()).collect();
        assert_eq!(named, ["future_key", "future_table", "kiosk_options.glow"]);
        assert!(
            loaded
                .unknown
                .iter()
                .all(|u| u.path == sources.system_file())
        );
        assert_eq!(loaded.config.kiosk_options.idle_secs, 60);

        write(&sources.user_file, "\nconnect_timeout_secs = \"ten\"\n");
        let err = sources.load().unwrap_err().to_string();
        assert!(
            err.contains(&sources.user_file.display().to_string()),
            "{err}"
        );
        assert!(
            err.contains("connect_timeout_secs") && err.contains("line 2"),
            "{err}"
        );

        write(&sources.user_file, "");
        write(
            &sources.drop_in_dir().join("50.toml"),
            "request_timeout_secs = 0\n",
        );
        let err = sources.load().unwrap_err().to_string();
        assert!(
            err.contains("50.toml") && err.contains("request_timeout_secs"),
            "{err}"
        );
    }

    #[test]
    fn an_explicit_file_must_exist_the_others_need_not() {
        let dir = tempfile::tempdir().unwrap();
        let mut sources = sources(dir.path());
        assert_eq!(sources.load().unwrap().config, Config::default());
        sources.explicit = true;
        let err = sources.load().unwrap_err().to_string();
        assert!(err.contains("user/config.toml"), "{err}");
    }

    #[test]
    fn set_keeps_comments_and_refuses_what_the_loader_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let sources = sources(dir.path());
        let before = "# Reception desk.\nserver_url = \"https://a.example\"  # the portal\n\n# slow line\nrequest_timeout_secs = 45\nfuture_key = 1\n";
        let path = sources.user_file.clone();
        let after = set_key(&sources, &path, before, "server_url", "https://b.example").unwrap();
        assert_eq!(after, before.replace("a.example", "b.example"));
        let after = set_key(&sources, &path, &after, "kiosk_options.idle_secs", "120").unwrap();
        assert!(
            after.starts_with(&before.replace("a.example", "b.example")),
            "{after}"
        );
        assert!(
            after.ends_with("[kiosk_options]\nidle_secs = 120\n"),
            "{after}"
        );

        assert!(matches!(
            set_key(&sources, &path, before, "server_ulr", "x"),
            Err(SetError::UnknownKey(_))
        ));
        assert!(matches!(
            set_key(&sources, &path, before, "kiosk", "yes"),
            Err(SetError::Kind { .. })
        ));
        assert!(matches!(
            set_key(&sources, &path, before, "connect_timeout_secs", "0"),
            Err(SetError::Invalid(ConfigError::Value { .. }))
        ));
        assert!(matches!(
            set_key(&sources, &path, before, "admin_pin_hash", "x"),
            Err(SetError::OwnCommand(_))
        ));
    }

    #[test]
    fn ranges_are_checked_once_every_file_is_applied_naming_the_file_read_last() {
        let dir = tempfile::tempdir().unwrap();
        let sources = sources(dir.path());
        write(
            &sources.system_file(),
            "[kiosk_options]\nidle_warning_secs = 5\n",
        );
        // Alone, 15 s is shorter than the default 20 s warning; with the machine's 5 s
        // it is fine, both for the loader and for `config set`.
        write(&sources.user_file, "[kiosk_options]\nidle_secs = 15\n");
        assert_eq!(sources.load().unwrap().config.kiosk_options.idle_secs, 15);
        let text = set_key(
            &sources,
            &sources.user_file,
            "",
            "kiosk_options.idle_secs",
            "12",
        );
        assert_eq!(text.unwrap(), "[kiosk_options]\nidle_secs = 12\n");
        // The user's file makes the warning too long: the error names it, not /etc.
        write(
            &sources.user_file,
            "[kiosk_options]\nidle_warning_secs = 100\n",
        );
        write(&sources.system_file(), "[kiosk_options]\nidle_secs = 100\n");
        let err = sources.load().unwrap_err().to_string();
        assert!(
            err.contains(&sources.user_file.display().to_string()) && err.contains("idle_secs"),
            "{err}"
        );
    }

    #[test]
    fn decimals_are_shown_as_written() {
        let config = Config {
            text_scale: 1.3,
            ..Config::default()
        };
        let (_, value) = values(&config)
            .into_iter()
            .find(|(k, _)| *k == "text_scale")
            .unwrap();
        assert_eq!(shown("text_scale", value.as_ref()), "1.3");
    }

    #[test]
    fn changes_name_the_keys_that_differ() {
        let old = Config::default();
        let mut new = old.clone();
        new.language = super::super::Language::En;
        new.kiosk_options.idle_secs = 120;
        let changed: Vec<_> = changes(&old, &new)
            .into_iter()
            .map(|(k, v)| format!("{k}={}", shown(k, v.as_ref())))
            .collect();
        assert_eq!(changed, ["language=\"en\"", "kiosk_options.idle_secs=120"]);
    }

    #[test]
    fn the_stamp_changes_when_a_file_appears_or_changes() {
        let dir = tempfile::tempdir().unwrap();
        let sources = sources(dir.path());
        let empty = sources.stamp();
        write(&sources.drop_in_dir().join("10.toml"), "kiosk = true\n");
        let one = sources.stamp();
        assert_ne!(empty, one);
        write(&sources.drop_in_dir().join("10.toml"), "kiosk = false\n");
        assert_ne!(one, sources.stamp());
    }
}
