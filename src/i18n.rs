//! User-visible text, in Russian (default) or English, from `assets/locales/*.ftl`
//! through Fluent, which also gives Russian its plural forms (one / few / many).
//!
//! Code and logs stay in English; everything a user reads goes through [`I18n`]. The
//! locale files are compiled in, so a missing file cannot happen at run time. A message
//! is asked for by a [`Msg`], which only the [`msg!`](crate::msg) macro makes: it checks
//! at compile time that both files define the key, so a missing key is a build error,
//! wherever the key is written (a call, a match arm, a table). The other direction —
//! a key in the files that no `msg!` uses — is `tests::every_message_is_used`.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use crate::api::{ClientError, ConnectError, Outcome, OutcomeKind, TokenProblem, VisitIdError};
use crate::config::Language;
use crate::outbox::OutboxError;
use crate::outbox::worker::SenderProblem;
use crate::rating::Criterion;
use crate::secrets::{
    FileProblem, MAX_FILE_BYTES, MAX_TOKEN_BYTES, SecretsError, TokenFormatError, TokenOrigin,
    TokenStatus,
};
use crate::time::{format_utc, unix_now};

/// A Fluent message id that both locale files define. Made only by
/// [`msg!`](crate::msg), which checks that when the crate is compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Msg(&'static str);

impl Msg {
    /// For [`msg!`](crate::msg) only, after its compile-time check: code names a
    /// message with `msg!("key")`, never with this.
    #[doc(hidden)]
    pub const fn checked_by_msg_macro(key: &'static str) -> Msg {
        Msg(key)
    }

    /// The message id, as written in the `.ftl` files.
    pub const fn id(self) -> &'static str {
        self.0
    }
}

/// The message ids a Fluent file defines, found once while the crate compiles, so that
/// each [`msg!`](crate::msg) looks its key up in a table instead of reading the file.
/// A message is a line that starts with a letter, then the id's letters, digits, `-`
/// and `_`, then spaces, then `=`. (Attributes are indented, terms start with `-` and
/// comments with `#`, so none of them counts.)
#[derive(Clone, Copy, Debug)]
pub struct MessageIds<const N: usize> {
    ftl: &'static str,
    /// Where each id starts and ends in `ftl`.
    spans: [(usize, usize); N],
}

/// Where the message id defined by the line starting at `line` ends, if it defines one.
const fn message_id_end(src: &[u8], line: usize) -> Option<usize> {
    if line >= src.len() || !src[line].is_ascii_alphabetic() {
        return None;
    }
    let mut end = line;
    while end < src.len()
        && (src[end].is_ascii_alphanumeric() || src[end] == b'-' || src[end] == b'_')
    {
        end += 1;
    }
    let mut after = end;
    while after < src.len() && src[after] == b' ' {
        after += 1;
    }
    if after < src.len() && src[after] == b'=' {
        Some(end)
    } else {
        None
    }
}

/// Where the line after the one starting at `line` starts.
const fn next_line(src: &[u8], mut line: usize) -> usize {
    while line < src.len() && src[line] != b'\n' {
        line += 1;
    }
    line + 1
}

/// How many messages `ftl` defines (the `N` of its [`MessageIds`]).
pub const fn message_count(ftl: &str) -> usize {
    let src = ftl.as_bytes();
    let (mut count, mut line) = (0, 0);
    while line < src.len() {
        if message_id_end(src, line).is_some() {
            count += 1;
        }
        line = next_line(src, line);
    }
    count
}

impl<const N: usize> MessageIds<N> {
    /// The ids `ftl` defines; `N` is [`message_count`]`(ftl)`.
    pub const fn of(ftl: &'static str) -> MessageIds<N> {
        let src = ftl.as_bytes();
        let mut spans = [(0, 0); N];
        let (mut found, mut line) = (0, 0);
        while line < src.len() {
            if let Some(end) = message_id_end(src, line) {
                spans[found] = (line, end);
                found += 1;
            }
            line = next_line(src, line);
        }
        MessageIds { ftl, spans }
    }

    /// Whether `key` is one of the ids.
    pub const fn defines(&self, key: &str) -> bool {
        let (src, key) = (self.ftl.as_bytes(), key.as_bytes());
        let mut n = 0;
        while n < N {
            let (start, end) = self.spans[n];
            if end - start == key.len() {
                let mut i = 0;
                while i < key.len() && src[start + i] == key[i] {
                    i += 1;
                }
                if i == key.len() {
                    return true;
                }
            }
            n += 1;
        }
        false
    }
}

/// The message `key` as a [`Msg`](crate::i18n::Msg), checked at compile time: the build
/// fails, naming the key and the file, when `assets/locales/ru.ftl` or `en.ftl` does not
/// define it: `msg!("thanks-title")`. The check is
/// [`MessageIds::defines`](crate::i18n::MessageIds::defines), unit-tested in
/// `tests::a_message_is_found_only_where_it_is_defined`.
#[macro_export]
macro_rules! msg {
    ($key:literal) => {{
        const MSG: $crate::i18n::Msg = {
            assert!(
                $crate::i18n::RU_IDS.defines($key),
                concat!(
                    "Fluent message `",
                    $key,
                    "` is not defined in assets/locales/ru.ftl"
                )
            );
            assert!(
                $crate::i18n::EN_IDS.defines($key),
                concat!(
                    "Fluent message `",
                    $key,
                    "` is not defined in assets/locales/en.ftl"
                )
            );
            $crate::i18n::Msg::checked_by_msg_macro($key)
        };
        MSG
    }};
}

/// The Russian messages.
pub const RU_FTL: &str = include_str!("../assets/locales/ru.ftl");
/// The English messages.
pub const EN_FTL: &str = include_str!("../assets/locales/en.ftl");
/// The message ids of [`RU_FTL`], for [`msg!`](crate::msg).
pub const RU_IDS: MessageIds<{ message_count(RU_FTL) }> = MessageIds::of(RU_FTL);
/// The message ids of [`EN_FTL`], for [`msg!`](crate::msg).
pub const EN_IDS: MessageIds<{ message_count(EN_FTL) }> = MessageIds::of(EN_FTL);

/// The messages of one language. Its file is parsed when the first sentence is asked
/// for, not when this is made: a command that prints no words (`submit --json`) never
/// parses one.
pub struct I18n {
    language: Language,
}

/// Parse `language`'s messages.
fn parse_bundle(language: Language) -> FluentBundle<FluentResource> {
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
    /// The messages for `language`. Nothing is parsed yet: each language's file is
    /// parsed once per process, on its first sentence (the window, its title and the
    /// command line share it).
    pub fn new(language: Language) -> I18n {
        I18n { language }
    }

    /// The parsed messages of this language, parsed on the first call in the process.
    fn bundle(&self) -> &'static FluentBundle<FluentResource> {
        static RU: std::sync::OnceLock<FluentBundle<FluentResource>> = std::sync::OnceLock::new();
        static EN: std::sync::OnceLock<FluentBundle<FluentResource>> = std::sync::OnceLock::new();
        let cell = match self.language {
            Language::Ru => &RU,
            Language::En => &EN,
        };
        cell.get_or_init(|| parse_bundle(self.language))
    }

    /// The language of these messages.
    pub fn language(&self) -> Language {
        self.language
    }

    /// The message `key` with no arguments.
    pub fn tr(&self, key: Msg) -> String {
        self.tr_args(key, &[])
    }

    /// The message `key` with named arguments. Numbers select plural forms.
    ///
    /// Every text argument is shown inline ([`crate::safe_text::inline`]): a server's
    /// message, a file's cell or a path that carries control or bidi characters cannot
    /// clear a terminal, start a line of its own or reorder the sentence it stands in,
    /// whether the words go to a terminal, the window or a report.
    pub fn tr_args(&self, key: Msg, args: &[(&str, FluentValue<'_>)]) -> String {
        let bundle = self.bundle();
        let Some(pattern) = bundle.get_message(key.id()).and_then(|m| m.value()) else {
            return key.id().to_owned();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            let value = match value {
                FluentValue::String(text) => {
                    FluentValue::String(crate::safe_text::inline(text).into_owned().into())
                }
                other => other.clone(),
            };
            fluent_args.set(*name, value);
        }
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }

    /// Why the outbox could not do something, for people: what happened and what to do.
    pub fn outbox_error(&self, error: &OutboxError) -> String {
        let path = |p: &std::path::Path| FluentValue::from(p.display().to_string());
        match error {
            OutboxError::DiskFull { path: p } => {
                self.tr_args(msg!("outbox-disk-full"), &[("path", path(p))])
            }
            OutboxError::ReadOnly { path: p, source } => self.tr_args(
                msg!("outbox-read-only"),
                &[("path", path(p)), ("error", source.to_string().into())],
            ),
            OutboxError::Io { path: p, source } => self.tr_args(
                msg!("outbox-io"),
                &[("path", path(p)), ("error", source.to_string().into())],
            ),
            OutboxError::NotFound(id) => {
                self.tr_args(msg!("outbox-not-found"), &[("id", id.as_str().into())])
            }
            OutboxError::InFlight(_) => self.tr(msg!("outbox-in-flight")),
        }
    }

    /// What a command says when the outbox stops it: [`I18n::outbox_error`], after "the
    /// outbox cannot be used:" unless those words already open it.
    pub fn outbox_unusable(&self, error: &OutboxError) -> String {
        let reason = self.outbox_error(error);
        match error {
            OutboxError::Io { .. } => reason,
            _ => self.tr_args(msg!("outbox-error"), &[("error", reason.as_str().into())]),
        }
    }

    /// Why a command could not connect, for people: where to set the URL, what is wrong
    /// with it or the TLS settings, or why there is no token.
    pub fn connect_error(&self, error: &ConnectError) -> String {
        match error {
            ConnectError::NoUrl => self.tr(msg!("error-no-url")),
            ConnectError::Client(e) => self.client_error(e),
            ConnectError::NoToken(e) => self.secrets_error(e),
        }
    }

    /// Why the background sender could not even start sending, for the status line: the
    /// cause in this language (no English error text), the server's address, a path or a
    /// keyring's words inside it shown inline like every argument.
    pub fn sender_problem(&self, problem: &SenderProblem) -> String {
        let reason = match problem {
            SenderProblem::NoUrl => self.tr(msg!("sender-no-url")),
            SenderProblem::Client(e) => self.client_error(e),
            SenderProblem::NoToken(e) => self.secrets_error(e),
            SenderProblem::Outbox(e) => self.outbox_error(e),
        };
        self.tr_args(msg!("sender-cannot-send"), &[("reason", reason.into())])
    }

    /// Why no HTTP client could be set up for the server, for people.
    pub fn client_error(&self, error: &ClientError) -> String {
        match error {
            ClientError::BadUrl { url, reason } => self.tr_args(
                msg!("client-bad-url"),
                &[
                    ("url", url.as_str().into()),
                    ("reason", reason.as_str().into()),
                ],
            ),
            ClientError::InsecureUrl { host } => {
                self.tr_args(msg!("client-insecure"), &[("host", host.as_str().into())])
            }
            ClientError::CaFile { path, reason } => self.tr_args(
                msg!("client-ca-file"),
                &[
                    ("path", path.display().to_string().into()),
                    ("reason", reason.as_str().into()),
                ],
            ),
            ClientError::Build(e) => {
                self.tr_args(msg!("client-build"), &[("error", e.as_str().into())])
            }
        }
    }

    /// Why a visit id was refused, for people.
    pub fn visit_id_error(&self, error: &VisitIdError) -> String {
        match error {
            VisitIdError::Empty => self.tr(msg!("visit-id-empty")),
            VisitIdError::Whitespace => self.tr(msg!("visit-id-whitespace")),
            VisitIdError::ForbiddenChar(c) => self.tr_args(
                msg!("visit-id-forbidden-char"),
                &[("arg", c.to_string().into())],
            ),
            VisitIdError::Dots => self.tr(msg!("visit-id-dots")),
            VisitIdError::Control => self.tr(msg!("visit-id-control")),
            VisitIdError::TooLong { chars } => {
                self.tr_args(msg!("visit-id-too-long"), &[("arg", (*chars).into())])
            }
        }
    }

    /// Why no token could be had, for people.
    pub fn secrets_error(&self, error: &SecretsError) -> String {
        let detail = |d: &str| vec![("detail", FluentValue::from(d.to_owned()))];
        match error {
            SecretsError::NoToken { origin } => self.tr_args(
                msg!("secrets-no-token"),
                &[("origin", origin.as_str().into())],
            ),
            SecretsError::NoSecretService { detail: d } => {
                self.tr_args(msg!("secrets-no-service"), &detail(d))
            }
            SecretsError::Locked { detail: d } => self.tr_args(msg!("secrets-locked"), &detail(d)),
            SecretsError::AccessDenied { detail: d } => {
                self.tr_args(msg!("secrets-denied"), &detail(d))
            }
            SecretsError::BadToken(e) => self.tr_args(
                msg!("secrets-bad-token"),
                &detail(&self.token_format_error(e)),
            ),
            SecretsError::BadEnvToken(e) => self.tr_args(
                msg!("secrets-bad-env-token"),
                &detail(&self.token_format_error(e)),
            ),
            SecretsError::TooLong { limit, .. } => {
                self.tr_args(msg!("secrets-too-long"), &[("limit", (*limit).into())])
            }
            SecretsError::Corrupt { origin } => self.tr_args(
                msg!("secrets-corrupt"),
                &[("origin", origin.as_str().into())],
            ),
            SecretsError::Other(d) => self.tr_args(msg!("secrets-other"), &detail(d)),
            SecretsError::TokenFile {
                credential,
                path,
                problem,
            } => self.tr_args(
                if *credential {
                    msg!("secrets-credential-refused")
                } else {
                    msg!("secrets-token-file-refused")
                },
                &[
                    ("path", path.display().to_string().into()),
                    ("problem", self.token_file_problem(problem).into()),
                ],
            ),
        }
    }

    /// Why a token file was refused, for people.
    pub fn token_file_problem(&self, problem: &FileProblem) -> String {
        match problem {
            FileProblem::NotAbsolute => self.tr(msg!("token-file-not-absolute")),
            FileProblem::Missing => self.tr(msg!("token-file-missing")),
            FileProblem::Unreadable(d) => self.tr_args(
                msg!("token-file-unreadable"),
                &[("detail", d.as_str().into())],
            ),
            FileProblem::NotAFile => self.tr(msg!("token-file-not-a-file")),
            FileProblem::Owner { owner, user } => self.tr_args(
                msg!("token-file-owner"),
                &[("owner", (*owner).into()), ("user", (*user).into())],
            ),
            FileProblem::Permissions { mode } => self.tr_args(
                msg!("token-file-mode"),
                &[("mode", format!("{mode:04o}").into())],
            ),
            FileProblem::TooLarge { bytes } => self.tr_args(
                msg!("token-file-too-large"),
                &[("bytes", (*bytes).into()), ("max", MAX_FILE_BYTES.into())],
            ),
            FileProblem::Format(e) => self.token_format_error(e),
            FileProblem::Unsupported => self.tr(msg!("token-file-unsupported")),
        }
    }

    /// Why a string is not a usable token, for people.
    pub fn token_format_error(&self, error: &TokenFormatError) -> String {
        match error {
            TokenFormatError::TooLong { bytes } => self.tr_args(
                msg!("token-format-too-long"),
                &[("bytes", (*bytes).into()), ("max", MAX_TOKEN_BYTES.into())],
            ),
            other => self.tr(match other {
                TokenFormatError::Empty => msg!("token-format-empty"),
                TokenFormatError::Whitespace => msg!("token-format-whitespace"),
                TokenFormatError::Control => msg!("token-format-control"),
                TokenFormatError::NonAscii | TokenFormatError::TooLong { .. } => {
                    msg!("token-format-non-ascii")
                }
            }),
        }
    }

    /// What is known about a token, for people (never the token).
    pub fn token_status(&self, status: &TokenStatus) -> String {
        let origin = status.origin.as_str();
        let mut lines = vec![match status.source {
            Some(TokenOrigin::Environment) => {
                self.tr_args(msg!("token-status-env"), &[("origin", origin.into())])
            }
            Some(from @ (TokenOrigin::Credential | TokenOrigin::File)) => self.tr_args(
                if from == TokenOrigin::Credential {
                    msg!("token-status-credential")
                } else {
                    msg!("token-status-file")
                },
                &[
                    ("origin", origin.into()),
                    ("path", status.store.as_str().into()),
                ],
            ),
            Some(TokenOrigin::Keyring) => self.tr_args(
                msg!("token-status-keyring"),
                &[
                    ("origin", origin.into()),
                    ("store", status.store.as_str().into()),
                ],
            ),
            None => self.tr_args(msg!("token-status-none"), &[("origin", origin.into())]),
        }];
        if let Some(exp) = status.expires_at {
            let key = if exp <= unix_now() {
                msg!("token-status-expired")
            } else {
                msg!("token-status-expires")
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
            .map(|detail| self.tr_args(msg!("detail"), &[("detail", detail.into())]));
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
            OutcomeKind::Accepted => msg!("outcome-accepted"),
            OutcomeKind::AlreadyRecorded => msg!("outcome-already-recorded"),
            OutcomeKind::Unauthorized(_) => msg!("outcome-unauthorized"),
            OutcomeKind::Rejected => msg!("outcome-rejected"),
            OutcomeKind::Refused => msg!("outcome-refused"),
            OutcomeKind::Transient => msg!("outcome-transient"),
        })
    }

    /// The server's own words, verbatim, with its code and HTTP status; `None` for an
    /// acceptance.
    pub fn server_words(&self, outcome: &Outcome) -> Option<String> {
        if outcome.kind == OutcomeKind::Accepted {
            return None;
        }
        let Some(status) = outcome.http_status else {
            return Some(self.tr(msg!("no-answer")));
        };
        Some(match (&outcome.message, &outcome.message_code) {
            (Some(message), code) => self.tr_args(
                msg!("server-said"),
                &[
                    ("message", message.as_str().into()),
                    ("message_code", code.as_deref().unwrap_or("—").into()),
                    ("status", status.into()),
                ],
            ),
            (None, Some(code)) => self.tr_args(
                msg!("server-said"),
                &[
                    ("message", "".into()),
                    ("message_code", code.as_str().into()),
                    ("status", status.into()),
                ],
            ),
            (None, None) => {
                self.tr_args(msg!("server-said-no-model"), &[("status", status.into())])
            }
        })
    }

    /// What to do about it, in plain words; `None` for an acceptance.
    pub fn outcome_advice(&self, outcome: &Outcome) -> Option<String> {
        let key = match outcome.kind {
            OutcomeKind::Accepted => return None,
            OutcomeKind::AlreadyRecorded => msg!("advice-already-recorded"),
            OutcomeKind::Unauthorized(TokenProblem::Expired) => msg!("advice-token-expired"),
            OutcomeKind::Unauthorized(TokenProblem::Invalid) => msg!("advice-token-invalid"),
            OutcomeKind::Unauthorized(TokenProblem::MissingBearer) => msg!("advice-token-missing"),
            OutcomeKind::Unauthorized(TokenProblem::BadSignature) => msg!("advice-bad-signature"),
            OutcomeKind::Rejected => msg!("advice-rejected"),
            OutcomeKind::Refused => msg!("advice-refused"),
            OutcomeKind::Transient => msg!("advice-transient"),
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

impl Criterion {
    /// The key of this criterion's label in the locale files. Written here, not in
    /// [`crate::rating`]: the rating says which question, the words are this module's.
    pub fn label_key(self) -> Msg {
        match self {
            Criterion::WaitingTime => msg!("criterion-waiting-time"),
            Criterion::VisitResult => msg!("criterion-visit-result"),
            Criterion::StaffAttitude => msg!("criterion-staff-attitude"),
            Criterion::Cleanliness => msg!("criterion-cleanliness"),
        }
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

    /// The check behind `msg!`: a key is found only as a message of its own, so the
    /// build fails for a key that is missing, misspelt or only a prefix of another.
    #[test]
    fn a_message_is_found_only_where_it_is_defined() {
        const FTL: &str = "# thanks-comment = a comment\n\
                   -brand = a term\n\
                   thanks-title = Thank you\n\
                   thanks-body=No spaces\n\
                   thanks-long =\n    a value on the next line\n    .aria-label = an attribute\n\
                   with_underscore = yes\n\
                   not a message = no\n\
                   last-line = no newline at the end";
        const IDS: MessageIds<{ message_count(FTL) }> = MessageIds::of(FTL);
        assert_eq!(message_count(FTL), 5);
        for key in [
            "thanks-title",
            "thanks-body",
            "thanks-long",
            "with_underscore",
            "last-line",
        ] {
            assert!(IDS.defines(key), "{key}");
        }
        for key in [
            "thanks",
            "thanks-titl",
            "thanks-title-x",
            "hanks-title",
            "thanks-comment",
            "brand",
            "-brand",
            "aria-label",
            ".aria-label",
            "not",
            "",
            "no-such-message",
        ] {
            assert!(!IDS.defines(key), "{key:?}");
        }
        // The tables of the two files, as the macro reads them: every message the
        // Fluent parser sees, and nothing else.
        assert_eq!(message_count(RU_FTL), keys(RU_FTL).len());
        assert_eq!(message_count(EN_FTL), keys(EN_FTL).len());
        for key in keys(RU_FTL) {
            assert!(RU_IDS.defines(&key) && EN_IDS.defines(&key), "{key}");
        }
        assert!(!RU_IDS.defines("no-such-message") && !EN_IDS.defines("no-such-message"));
        // The same function runs at compile time (this is what `msg!` does).
        const { assert!(RU_IDS.defines("submit") && !EN_IDS.defines("no-such-message")) };
        assert_eq!(crate::msg!("thanks-title").id(), "thanks-title");
    }

    /// The keys named in `src/` by `msg!("…")` (comments aside), wherever the macro is
    /// written: a call, a match arm, a table, over several lines.
    fn keys_used_in_the_code() -> BTreeSet<String> {
        let mut used = BTreeSet::new();
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
            let code: String = text
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            // (The macro takes a literal only; other matches are this scan's own text.)
            for (at, _) in code.match_indices("msg!(") {
                let rest = code[at + "msg!(".len()..].trim_start();
                if let Some((key, _)) = rest.strip_prefix('"').and_then(|r| r.split_once('"')) {
                    used.insert(key.to_owned());
                }
            }
            // `Msg` is made by the macro only.
            if !path.ends_with("i18n.rs") {
                assert!(
                    !code.contains("checked_by_msg_macro"),
                    "{}: a Msg made without msg!",
                    path.display()
                );
            }
        }
        used
    }

    /// The other direction of `msg!`'s check: every message in the files is used.
    #[test]
    fn every_message_is_used() {
        let used = keys_used_in_the_code();
        let unused: Vec<_> = keys(RU_FTL)
            .into_iter()
            .filter(|k| !used.contains(k))
            .collect();
        assert!(
            unused.is_empty(),
            "messages in assets/locales that no msg!(\"…\") in src/ uses: {unused:?}"
        );
        // And the scan does see what it must (a key returned from a match arm, one
        // from an if/else, one inside a multi-line call).
        for key in [
            "thanks-title",
            "kiosk-not-sent",
            "status-problem-no-url",
            "server-said",
        ] {
            assert!(used.contains(key), "{key}");
        }
    }

    #[test]
    fn the_senders_problems_are_worded_in_the_chosen_language() {
        use crate::outbox::worker::SenderProblem;
        let no_token = SenderProblem::NoToken(SecretsError::NoToken {
            origin: "https://rpgu.example:443".into(),
        });
        let ru = I18n::new(Language::Ru);
        let en = I18n::new(Language::En);
        assert_eq!(
            ru.sender_problem(&SenderProblem::NoUrl),
            "Отправка невозможна: не задан адрес сервера. Укажите его в настройках."
        );
        assert!(
            ru.sender_problem(&no_token)
                .starts_with("Отправка невозможна: Для сервера https://rpgu.example:443 токен"),
            "{}",
            ru.sender_problem(&no_token)
        );
        assert_eq!(
            en.sender_problem(&SenderProblem::NoUrl),
            "Cannot send: no server URL is set. Enter it in the settings."
        );
        // A path's control characters stay escaped inside the outer sentence.
        let outbox = SenderProblem::from(OutboxError::DiskFull {
            path: "/data/\u{1b}[2Jout".into(),
        });
        assert!(!ru.sender_problem(&outbox).contains('\u{1b}'));
    }

    #[test]
    fn russian_plurals_follow_cldr() {
        let ru = I18n::new(Language::Ru);
        let text = |n: usize| {
            ru.tr_args(
                crate::msg!("error-notes-too-long"),
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
            E::TokenFile {
                credential: false,
                path: "/etc/visit-rating/token".into(),
                problem: crate::secrets::FileProblem::Permissions { mode: 0o644 },
            },
            E::TokenFile {
                credential: true,
                path: "/run/credentials/visit-rating-kiosk@1.service/visit-rating-token".into(),
                problem: crate::secrets::FileProblem::Owner {
                    owner: 1000,
                    user: 1001,
                },
            },
        ];
        for language in [Language::Ru, Language::En] {
            let i18n = I18n::new(language);
            for error in &errors {
                let text = i18n.secrets_error(error);
                assert!(
                    !text.contains("secrets-")
                        && !text.contains("token-format-")
                        && !text.contains("token-file-"),
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
        let file = ru.secrets_error(&errors[9]);
        assert!(
            file.contains("/etc/visit-rating/token") && file.contains("права 0644"),
            "{file}"
        );
        let credential = I18n::new(Language::En).secrets_error(&errors[10]);
        assert!(
            credential.contains("LoadCredential=") && credential.contains("user id 1000"),
            "{credential}"
        );
    }

    #[test]
    fn utc_dates_are_formatted_from_unix_seconds() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_900_000_000), "2030-03-17 17:46 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_utc(-86_400 + 59), "1969-12-31 00:00 UTC");
        assert_eq!(format_utc(253_402_300_799), "9999-12-31 23:59 UTC");
        assert_eq!(
            format_utc(1_900_000_000_000),
            "1900000000000 s since 1970 UTC"
        );
    }

    #[test]
    fn english_is_english_and_russian_is_default() {
        assert_eq!(
            I18n::new(Language::default()).tr(crate::msg!("criterion-waiting-time")),
            "Время ожидания в очереди"
        );
        assert_eq!(
            I18n::new(Language::En).tr(crate::msg!("criterion-waiting-time")),
            "Waiting time in the queue"
        );
    }
}
