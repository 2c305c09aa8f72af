//! `visit-rating config`: the settings in force and where each came from (`show`), one
//! key written into the right file keeping its comments (`set`), the files read (`path`).

use crate::config::layers::{self, Kind, Loaded, Origin, SetError, Sources};
use crate::config::{ConfigError, URL_ENV};
use crate::i18n::I18n;
use crate::msg;
use crate::safe_text;

use super::Exit;
use super::json::{ConfigFile, ConfigSetting, ConfigShow, ConfigUnknownKey};

/// What `visit-rating config` was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigAction {
    /// Every setting in force and where it came from.
    Show {
        /// One JSON object instead of lines.
        json: bool,
    },
    /// Write `key = value` into the user's file, or the machine's with `system`.
    Set {
        /// The key (`kiosk_options.KEY` inside that table).
        key: String,
        /// The value as typed.
        value: String,
        /// Into `/etc/visit-rating/config.toml` instead of the user's file.
        system: bool,
    },
    /// The files read, in order, and whether each exists.
    Path,
}

/// Run `visit-rating config` with the files of `sources`.
pub fn config(action: &ConfigAction, sources: &Sources, i18n: &I18n) -> Exit {
    match action {
        ConfigAction::Show { json } => show(*json, sources, i18n),
        ConfigAction::Set { key, value, system } => set(key, value, *system, sources, i18n),
        ConfigAction::Path => path(sources, i18n),
    }
}

/// The word for `origin`.
fn origin_word(origin: Origin, i18n: &I18n) -> String {
    i18n.tr(match origin {
        Origin::Default => msg!("config-origin-default"),
        Origin::System => msg!("config-origin-system"),
        Origin::DropIn => msg!("config-origin-drop-in"),
        Origin::User => msg!("config-origin-user"),
        Origin::Environment => msg!("config-origin-environment"),
    })
}

/// Each key's value in force and where it came from: a file, the environment
/// (`VISIT_RATING_URL`), or the default.
fn settings(loaded: &Loaded) -> Vec<(&'static str, Option<toml::Value>, Origin, Option<String>)> {
    let env_url = std::env::var(URL_ENV).ok().filter(|u| !u.trim().is_empty());
    layers::values(&loaded.config)
        .into_iter()
        .map(|(key, value)| {
            if key == "server_url"
                && let Some(url) = &env_url
            {
                return (
                    key,
                    Some(toml::Value::String(url.clone())),
                    Origin::Environment,
                    None,
                );
            }
            match loaded.origins.get(key) {
                Some(layer) => (
                    key,
                    value,
                    layer.origin,
                    Some(layer.path.display().to_string()),
                ),
                None => (key, value, Origin::Default, None),
            }
        })
        .collect()
}

fn show(json: bool, sources: &Sources, i18n: &I18n) -> Exit {
    let loaded = match sources.load() {
        Ok(loaded) => loaded,
        Err(e) => {
            crate::err!("visit-rating: {}", safe_text::inline(&e.to_string()));
            return Exit::Invalid;
        }
    };
    let rows = settings(&loaded);
    if json {
        let files = sources
            .layers()
            .unwrap_or_default()
            .into_iter()
            .map(|layer| ConfigFile {
                exists: loaded.read.contains(&layer),
                origin: layer.origin,
                path: layer.path.display().to_string(),
            })
            .collect();
        let settings = rows
            .into_iter()
            .map(|(key, value, origin, file)| ConfigSetting {
                file,
                key,
                origin,
                value: match value {
                    None => serde_json::Value::Null,
                    Some(_) if layers::HIDDEN_KEYS.contains(&key) => "***".into(),
                    Some(value) => serde_json::to_value(value).unwrap_or_default(),
                },
            })
            .collect();
        let unknown_keys = loaded
            .unknown
            .iter()
            .map(|u| ConfigUnknownKey {
                file: u.path.display().to_string(),
                key: u.key.clone(),
            })
            .collect();
        crate::out!(
            "{}",
            super::report::json_line(&ConfigShow {
                files,
                settings,
                unknown_keys,
            })
        );
        return Exit::Ok;
    }
    for (key, value, origin, file) in rows {
        let source = match file {
            Some(file) => format!("{}: {file}", origin_word(origin, i18n)),
            None => origin_word(origin, i18n),
        };
        let line = format!("{key} = {}", layers::shown(key, value.as_ref()));
        crate::out!("{}", safe_text::inline(&format!("{line:<48} # {source}")));
    }
    Exit::Ok
}

fn path(sources: &Sources, i18n: &I18n) -> Exit {
    let layers = match sources.layers() {
        Ok(layers) => layers,
        Err(e) => {
            crate::err!("visit-rating: {}", safe_text::inline(&e.to_string()));
            return Exit::Failure;
        }
    };
    let mut shown_drop_ins = false;
    for layer in layers {
        if layer.origin == Origin::User && !shown_drop_ins {
            let dir = sources.drop_in_dir();
            crate::out!(
                "{}",
                safe_text::inline(&format!(
                    "{}: {}/*.toml",
                    origin_word(Origin::DropIn, i18n),
                    dir.display()
                ))
            );
            shown_drop_ins = true;
        }
        if layer.origin == Origin::DropIn {
            shown_drop_ins = true;
        }
        let missing = if layer.path.exists() {
            String::new()
        } else {
            format!(" {}", i18n.tr(msg!("config-path-missing")))
        };
        crate::out!(
            "{}",
            safe_text::inline(&format!(
                "{}: {}{missing}",
                origin_word(layer.origin, i18n),
                layer.path.display()
            ))
        );
    }
    Exit::Ok
}

/// The word for what a value of `kind` looks like.
fn expected_word(kind: Kind, i18n: &I18n) -> String {
    i18n.tr(match kind {
        Kind::Text => msg!("config-kind-text"),
        Kind::Path => msg!("config-kind-path"),
        Kind::Bool => msg!("config-kind-bool"),
        Kind::Whole => msg!("config-kind-whole"),
        Kind::Decimal => msg!("config-kind-decimal"),
        Kind::Language => msg!("config-kind-language"),
    })
}

fn set(key: &str, value: &str, system: bool, sources: &Sources, i18n: &I18n) -> Exit {
    let path = if system {
        sources.system_file()
    } else {
        sources.user_file.clone()
    };
    let file = path.display().to_string();
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            let e = ConfigError::Read { path, source };
            crate::err!("visit-rating: {}", safe_text::inline(&e.to_string()));
            return Exit::Failure;
        }
    };
    let text = match layers::set_key(sources, &path, &existing, key, value) {
        Ok(text) => text,
        Err(e) => {
            let words = match &e {
                SetError::UnknownKey(_) => {
                    i18n.tr_args(msg!("config-set-unknown"), &[("key", key.into())])
                }
                SetError::OwnCommand(_) => {
                    i18n.tr_args(msg!("config-set-own-command"), &[("key", key.into())])
                }
                SetError::Kind { .. } => i18n.tr_args(
                    msg!("config-set-kind"),
                    &[
                        ("key", key.into()),
                        ("value", value.into()),
                        (
                            "expected",
                            layers::kind(key)
                                .map(|k| expected_word(k, i18n))
                                .unwrap_or_default()
                                .into(),
                        ),
                    ],
                ),
                SetError::Invalid(e) => i18n.tr_args(
                    msg!("config-set-invalid"),
                    &[("detail", e.to_string().into())],
                ),
            };
            crate::err!("visit-rating: {}", safe_text::inline(&words));
            return Exit::Invalid;
        }
    };
    if let Err(e) = write(&path, &text, system) {
        let e = ConfigError::Write { path, source: e };
        crate::err!("visit-rating: {}", safe_text::inline(&e.to_string()));
        return Exit::Failure;
    }
    let shown = layers::values(&crate::config::Config::parse(&text, &path).unwrap_or_default())
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(k, v)| layers::shown(k, v.as_ref()))
        .unwrap_or_default();
    crate::out!(
        "{}",
        safe_text::inline(&i18n.tr_args(
            msg!("config-set-done"),
            &[
                ("key", key.into()),
                ("value", shown.into()),
                ("file", file.into())
            ],
        ))
    );
    // A file read later may set the key too: say that it wins.
    if let Ok(loaded) = sources.load()
        && let Some(layer) = loaded.origins.get(key)
        && layer.path != path
    {
        crate::err!(
            "visit-rating: {}",
            safe_text::inline(&i18n.tr_args(
                msg!("config-set-overridden"),
                &[
                    ("key", key.into()),
                    ("file", layer.path.display().to_string().into())
                ],
            ))
        );
    }
    Exit::Ok
}

/// Write the settings file: the user's private (`0600`, its folder made `0700` when
/// missing); the machine's readable by every user (`0644`, or the mode it has), since
/// every account on the terminal reads it.
fn write(path: &std::path::Path, text: &str, system: bool) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if !system {
        if let Some(dir) = dir {
            crate::private_fs::create_dir(dir)?;
        }
        return crate::private_fs::write(path, text.as_bytes());
    }
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir)?;
    }
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777)
    };
    #[cfg(not(unix))]
    let mode = 0o644;
    crate::private_fs::write_with_mode(path, text.as_bytes(), mode)
}
