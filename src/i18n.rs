//! User-visible text, in Russian (default) or English, from `assets/locales/*.ftl`
//! through Fluent, which also gives Russian its plural forms (one / few / many).
//!
//! Code and logs stay in English; everything a user reads goes through [`I18n`]. The
//! locale files are compiled in, so a missing file cannot happen at run time; a missing
//! key shows the key itself (and fails `tests::both_locales_have_the_same_keys`).

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::api::{ClientError, Outcome, OutcomeKind, TokenProblem, VisitIdError};
use crate::config::Language;
use crate::outbox::OutboxError;
use crate::secrets::{MAX_TOKEN_BYTES, SecretsError, TokenFormatError, TokenOrigin, TokenStatus};

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `YYYY-MM-DD HH:MM UTC` for Unix seconds (civil-from-days, no time-zone database).
pub fn format_utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        secs / 3600,
        (secs % 3600) / 60
    )
}

/// The Russian messages.
pub const RU_FTL: &str = include_str!("../assets/locales/ru.ftl");
/// The English messages.
pub const EN_FTL: &str = include_str!("../assets/locales/en.ftl");

/// The messages of one language.
pub struct I18n {
    language: Language,
    bundle: std::sync::Arc<FluentBundle<FluentResource>>,
}

/// Parse `language`'s messages.
fn bundle(language: Language) -> FluentBundle<FluentResource> {
    let (source, locale) = match language {
        Language::Ru => (RU_FTL, unic_langid::langid!("ru")),
        Language::En => (EN_FTL, unic_langid::langid!("en")),
    };
    // The files are ours and compiled in; a syntax error is caught by the tests, and
    // even then the entries that did parse are used.
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(r, _)| r);
    let mut bundle = FluentBundle::new_concurrent(vec![locale]);
    // No Unicode isolation marks: egui would draw them, and the server's words must
    // come out verbatim.
    bundle.set_use_isolating(false);
    let _ = bundle.add_resource(resource);
    bundle
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("I18n")
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

impl I18n {
    /// The messages for `language`. Each language's file is parsed once per process (the
    /// window, its title and the command line share it: start-up time).
    pub fn new(language: Language) -> I18n {
        static RU: std::sync::OnceLock<std::sync::Arc<FluentBundle<FluentResource>>> =
            std::sync::OnceLock::new();
        static EN: std::sync::OnceLock<std::sync::Arc<FluentBundle<FluentResource>>> =
            std::sync::OnceLock::new();
        let cell = match language {
            Language::Ru => &RU,
            Language::En => &EN,
        };
        let bundle =
            std::sync::Arc::clone(cell.get_or_init(|| std::sync::Arc::new(bundle(language))));
        I18n { language, bundle }
    }

    /// The language of these messages.
    pub fn language(&self) -> Language {
        self.language
    }

    /// The message `key` with no arguments.
    pub fn tr(&self, key: &str) -> String {
        self.tr_args(key, &[])
    }

    /// The message `key` with named arguments. Numbers select plural forms.
    pub fn tr_args(&self, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let Some(pattern) = self.bundle.get_message(key).and_then(|m| m.value()) else {
            return key.to_owned();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        let mut errors = Vec::new();
        self.bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }

    /// Why the outbox could not do something, for people: what happened and what to do.
    pub fn outbox_error(&self, error: &OutboxError) -> String {
        let path = |p: &std::path::Path| FluentValue::from(p.display().to_string());
        match error {
            OutboxError::DiskFull { path: p } => {
                self.tr_args("outbox-disk-full", &[("path", path(p))])
            }
            OutboxError::ReadOnly { path: p, source } => self.tr_args(
                "outbox-read-only",
                &[("path", path(p)), ("error", source.to_string().into())],
            ),
            OutboxError::Io { path: p, source } => self.tr_args(
                "outbox-io",
                &[("path", path(p)), ("error", source.to_string().into())],
            ),
            OutboxError::NotFound(id) => {
                self.tr_args("outbox-not-found", &[("id", id.as_str().into())])
            }
            OutboxError::InFlight(_) => self.tr("outbox-in-flight"),
        }
    }

    /// Why no HTTP client could be set up for the server, for people.
    pub fn client_error(&self, error: &ClientError) -> String {
        match error {
            ClientError::BadUrl { url, reason } => self.tr_args(
                "client-bad-url",
                &[
                    ("url", url.as_str().into()),
                    ("reason", reason.as_str().into()),
                ],
            ),
            ClientError::InsecureUrl { host } => {
                self.tr_args("client-insecure", &[("host", host.as_str().into())])
            }
            ClientError::CaFile { path, reason } => self.tr_args(
                "client-ca-file",
                &[
                    ("path", path.display().to_string().into()),
                    ("reason", reason.as_str().into()),
                ],
            ),
            ClientError::Build(e) => self.tr_args("client-build", &[("error", e.as_str().into())]),
        }
    }

    /// Why a visit id was refused, for people.
    pub fn visit_id_error(&self, error: &VisitIdError) -> String {
        match error {
            VisitIdError::Empty => self.tr("visit-id-empty"),
            VisitIdError::Whitespace => self.tr("visit-id-whitespace"),
            VisitIdError::ForbiddenChar(c) => {
                self.tr_args("visit-id-forbidden-char", &[("arg", c.to_string().into())])
            }
            VisitIdError::Dots => self.tr("visit-id-dots"),
            VisitIdError::Control => self.tr("visit-id-control"),
            VisitIdError::TooLong { chars } => {
                self.tr_args("visit-id-too-long", &[("arg", (*chars).into())])
            }
        }
    }

    /// Why no token could be had, for people.
    pub fn secrets_error(&self, error: &SecretsError) -> String {
        let detail = |d: &str| vec![("detail", FluentValue::from(d.to_owned()))];
        match error {
            SecretsError::NoToken { origin } => {
                self.tr_args("secrets-no-token", &[("origin", origin.as_str().into())])
            }
            SecretsError::NoSecretService { detail: d } => {
                self.tr_args("secrets-no-service", &detail(d))
            }
            SecretsError::Locked { detail: d } => self.tr_args("secrets-locked", &detail(d)),
            SecretsError::AccessDenied { detail: d } => self.tr_args("secrets-denied", &detail(d)),
            SecretsError::BadToken(e) => {
                self.tr_args("secrets-bad-token", &detail(&self.token_format_error(e)))
            }
            SecretsError::BadEnvToken(e) => self.tr_args(
                "secrets-bad-env-token",
                &detail(&self.token_format_error(e)),
            ),
            SecretsError::TooLong { limit, .. } => {
                self.tr_args("secrets-too-long", &[("limit", (*limit).into())])
            }
            SecretsError::Corrupt { origin } => {
                self.tr_args("secrets-corrupt", &[("origin", origin.as_str().into())])
            }
            SecretsError::Other(d) => self.tr_args("secrets-other", &detail(d)),
        }
    }

    /// Why a string is not a usable token, for people.
    pub fn token_format_error(&self, error: &TokenFormatError) -> String {
        match error {
            TokenFormatError::TooLong { bytes } => self.tr_args(
                "token-format-too-long",
                &[("bytes", (*bytes).into()), ("max", MAX_TOKEN_BYTES.into())],
            ),
            other => self.tr(match other {
                TokenFormatError::Empty => "token-format-empty",
                TokenFormatError::Whitespace => "token-format-whitespace",
                TokenFormatError::Control => "token-format-control",
                TokenFormatError::NonAscii | TokenFormatError::TooLong { .. } => {
                    "token-format-non-ascii"
                }
            }),
        }
    }

    /// What is known about a token, for people (never the token).
    pub fn token_status(&self, status: &TokenStatus) -> String {
        let origin = status.origin.as_str();
        let mut lines = vec![match status.source {
            Some(TokenOrigin::Environment) => {
                self.tr_args("token-status-env", &[("origin", origin.into())])
            }
            Some(TokenOrigin::Keyring) => self.tr_args(
                "token-status-keyring",
                &[
                    ("origin", origin.into()),
                    ("store", status.store.as_str().into()),
                ],
            ),
            None => self.tr_args("token-status-none", &[("origin", origin.into())]),
        }];
        if let Some(exp) = status.expires_at {
            let key = if exp <= unix_now() {
                "token-status-expired"
            } else {
                "token-status-expires"
            };
            lines.push(self.tr_args(key, &[("when", format_utc(exp).into())]));
        }
        lines.join("\n")
    }

    /// An outcome in words, for every place that shows one (the CLI, the form, the queue
    /// view): what happened, the server's own words, the technical detail, what to do.
    pub fn outcome_words(&self, outcome: &Outcome) -> OutcomeWords {
        let detail = outcome
            .detail
            .as_deref()
            .filter(|_| outcome.kind != OutcomeKind::Accepted)
            .map(|detail| self.tr_args("detail", &[("detail", detail.into())]));
        OutcomeWords {
            headline: self.outcome_headline(outcome),
            server: self.server_words(outcome),
            detail,
            advice: self.outcome_advice(outcome),
        }
    }

    /// One line saying what happened.
    pub fn outcome_headline(&self, outcome: &Outcome) -> String {
        self.tr(match outcome.kind {
            OutcomeKind::Accepted => "outcome-accepted",
            OutcomeKind::AlreadyRecorded => "outcome-already-recorded",
            OutcomeKind::Unauthorized(_) => "outcome-unauthorized",
            OutcomeKind::Rejected => "outcome-rejected",
            OutcomeKind::Refused => "outcome-refused",
            OutcomeKind::Transient => "outcome-transient",
        })
    }

    /// The server's own words, verbatim, with its code and HTTP status; `None` for an
    /// acceptance.
    pub fn server_words(&self, outcome: &Outcome) -> Option<String> {
        if outcome.kind == OutcomeKind::Accepted {
            return None;
        }
        let Some(status) = outcome.http_status else {
            return Some(self.tr("no-answer"));
        };
        Some(match (&outcome.message, &outcome.message_code) {
            (Some(message), code) => self.tr_args(
                "server-said",
                &[
                    ("message", message.as_str().into()),
                    ("message_code", code.as_deref().unwrap_or("—").into()),
                    ("status", status.into()),
                ],
            ),
            (None, Some(code)) => self.tr_args(
                "server-said",
                &[
                    ("message", "".into()),
                    ("message_code", code.as_str().into()),
                    ("status", status.into()),
                ],
            ),
            (None, None) => self.tr_args("server-said-no-model", &[("status", status.into())]),
        })
    }

    /// What to do about it, in plain words; `None` for an acceptance.
    pub fn outcome_advice(&self, outcome: &Outcome) -> Option<String> {
        let key = match outcome.kind {
            OutcomeKind::Accepted => return None,
            OutcomeKind::AlreadyRecorded => "advice-already-recorded",
            OutcomeKind::Unauthorized(TokenProblem::Expired) => "advice-token-expired",
            OutcomeKind::Unauthorized(TokenProblem::Invalid) => "advice-token-invalid",
            OutcomeKind::Unauthorized(TokenProblem::MissingBearer) => "advice-token-missing",
            OutcomeKind::Unauthorized(TokenProblem::BadSignature) => "advice-bad-signature",
            OutcomeKind::Rejected => "advice-rejected",
            OutcomeKind::Refused => "advice-refused",
            OutcomeKind::Transient => "advice-transient",
        };
        Some(self.tr(key))
    }
}

/// An outcome in words ([`I18n::outcome_words`]); each front end shows the parts it
/// has room for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeWords {
    /// One line: what happened.
    pub headline: String,
    /// The server's own words, verbatim, with its code and HTTP status (not for an
    /// acceptance).
    pub server: Option<String>,
    /// The technical detail ("Подробности: …"), when there is one (not for an acceptance).
    pub detail: Option<String>,
    /// What to do about it (not for an acceptance).
    pub advice: Option<String>,
}

impl OutcomeWords {
    /// Every part, in reading order: headline, server's words, detail, advice.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.headline.as_str())
            .chain(self.server.as_deref())
            .chain(self.detail.as_deref())
            .chain(self.advice.as_deref())
    }

    /// One line for a list or a report: headline, server's words and detail.
    pub fn summary(&self) -> String {
        std::iter::once(self.headline.as_str())
            .chain(self.server.as_deref())
            .chain(self.detail.as_deref())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(source: &str) -> BTreeSet<String> {
        let resource = FluentResource::try_new(source.to_owned())
            .unwrap_or_else(|(_, errors)| panic!("locale file does not parse: {errors:?}"));
        resource
            .entries()
            .filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn no_key_is_defined_twice() {
        // A second definition is silently ignored by Fluent: the first one wins.
        for source in [RU_FTL, EN_FTL] {
            let resource = FluentResource::try_new(source.to_owned()).unwrap();
            let mut seen = BTreeSet::new();
            for entry in resource.entries() {
                if let fluent_syntax::ast::Entry::Message(m) = entry {
                    assert!(seen.insert(m.id.name), "{} is defined twice", m.id.name);
                }
            }
        }
    }

    #[test]
    fn both_locales_have_the_same_keys() {
        let ru = keys(RU_FTL);
        let en = keys(EN_FTL);
        let only_ru: Vec<_> = ru.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&ru).collect();
        assert!(only_ru.is_empty(), "missing in en.ftl: {only_ru:?}");
        assert!(only_en.is_empty(), "missing in ru.ftl: {only_en:?}");
    }

    /// Every key the code asks for (`tr("…")`, `tr_args("…"`, `*_key()` tables) exists.
    #[test]
    fn every_key_used_in_the_code_exists() {
        let ru = keys(RU_FTL);
        let mut missing = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for marker in [
                "tr(\"",
                "tr_args(\n                \"",
                "tr_args(\"",
                "=> \"",
            ] {
                for (at, _) in text.match_indices(marker) {
                    let rest = &text[at + marker.len()..];
                    let key: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '-' || c.is_ascii_digit())
                        .collect();
                    let looks_like_key = key.contains('-') && rest[key.len()..].starts_with('"');
                    if looks_like_key && !ru.contains(&key) && !key.starts_with("result") {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys used but not in the locales: {missing:?}"
        );
    }

    #[test]
    fn russian_plurals_follow_cldr() {
        let ru = I18n::new(Language::Ru);
        let text = |n: usize| {
            ru.tr_args(
                "error-notes-too-long",
                &[("chars", n.into()), ("max", 2000.into())],
            )
        };
        assert!(text(2001).contains("2001 символ,"), "{}", text(2001));
        assert!(text(2002).contains("2002 символа,"), "{}", text(2002));
        assert!(text(2005).contains("2005 символов,"), "{}", text(2005));
        assert!(text(2011).contains("2011 символов,"), "{}", text(2011));
    }

    #[test]
    fn the_servers_words_come_out_verbatim() {
        let ru = I18n::new(Language::Ru);
        let outcome = crate::api::classify(
            400,
            "{\"code\":400,\"message\":\"Отзыв уже существует\",\"message_code\":\"5030\"}"
                .as_bytes(),
            false,
            None,
        );
        assert_eq!(
            ru.server_words(&outcome).unwrap(),
            "Ответ сервера: «Отзыв уже существует» (код 5030, HTTP 400)"
        );
        let en = I18n::new(Language::En);
        assert!(
            en.server_words(&outcome)
                .unwrap()
                .contains("“Отзыв уже существует” (code 5030, HTTP 400)")
        );
    }

    #[test]
    fn every_keyring_error_is_translated_and_says_what_to_do() {
        use crate::secrets::{SecretsError as E, TokenFormatError as F};
        let detail = || "detail".to_owned();
        let errors = [
            E::NoToken {
                origin: "https://x:443".into(),
            },
            E::NoSecretService { detail: detail() },
            E::Locked { detail: detail() },
            E::AccessDenied { detail: detail() },
            E::BadToken(F::Whitespace),
            E::BadEnvToken(F::TooLong { bytes: 3000 }),
            E::TooLong {
                what: "secret".into(),
                limit: 2560,
            },
            E::Corrupt {
                origin: "https://x:443".into(),
            },
            E::Other(detail()),
        ];
        for language in [Language::Ru, Language::En] {
            let i18n = I18n::new(language);
            for error in &errors {
                let text = i18n.secrets_error(error);
                assert!(
                    !text.contains("secrets-") && !text.contains("token-format-"),
                    "{text}"
                );
            }
        }
        let ru = I18n::new(Language::Ru);
        assert!(ru.secrets_error(&errors[1]).contains("VISIT_RATING_TOKEN"));
        assert!(
            ru.secrets_error(&errors[2])
                .contains("gnome-keyring-daemon --unlock")
        );
        assert!(
            ru.secrets_error(&errors[5]).contains("3000 байт,"),
            "{}",
            ru.secrets_error(&errors[5])
        );
        assert!(
            !ru.secrets_error(&errors[4]).contains("whitespace"),
            "no English inside"
        );
    }

    #[test]
    fn utc_dates_are_formatted_from_unix_seconds() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_900_000_000), "2030-03-17 17:46 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn english_is_english_and_russian_is_default() {
        assert_eq!(
            I18n::new(Language::default()).tr("criterion-waiting-time"),
            "Время ожидания в очереди"
        );
        assert_eq!(
            I18n::new(Language::En).tr("criterion-waiting-time"),
            "Waiting time in the queue"
        );
    }
}
