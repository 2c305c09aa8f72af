//! [`SecretsError`]: a credential store's failures, sorted by what a person can do.

use std::path::PathBuf;

use super::TokenFormatError;
use super::file::FileProblem;

/// Why no token could be stored, read or removed. `Display` says what happened, briefly
/// and in English (logs, `--json`); what to do is said to people by the Fluent messages
/// (`I18n::secrets_error`). None ever contains the token (a store's own error text is kept only when it cannot hold
/// the secret).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SecretsError {
    /// No token is stored for this server yet.
    #[error("no token is stored for {origin}")]
    NoToken {
        /// The server's origin.
        origin: String,
    },
    /// No Secret Service answers: no D-Bus session bus, or no keyring daemon on it.
    #[error("no keyring service is running ({detail})")]
    NoSecretService {
        /// The platform's words.
        detail: String,
    },
    /// The keyring exists but is locked, or not created yet, and no prompt could unlock
    /// it: dismissed, or none can be shown (a kiosk with no desktop session). A locked
    /// gnome-keyring hides its items, so "no token" in a locked keyring is this too.
    #[error("the keyring is locked ({detail})")]
    Locked {
        /// The platform's words.
        detail: String,
    },
    /// The keyring refused access: a dismissed prompt, or a D-Bus or sandbox policy.
    #[error("access to the keyring was denied ({detail})")]
    AccessDenied {
        /// The platform's words.
        detail: String,
    },
    /// The token given to be stored is not usable (empty, spaces, too long…).
    #[error("{0}")]
    BadToken(TokenFormatError),
    /// `VISIT_RATING_TOKEN` is set but does not hold a usable token. It wins over the
    /// keyring, so it must be corrected or unset.
    #[error("VISIT_RATING_TOKEN is set but is not a usable token ({0})")]
    BadEnvToken(TokenFormatError),
    /// The credential store refused the token as too long for it. Tokens are checked
    /// against [`MAX_TOKEN_BYTES`] first, which every store takes, so this means a store
    /// with a smaller limit than we know of.
    #[error("the credential store refused the token: its {what} may be at most {limit} bytes")]
    TooLong {
        /// What the store measured.
        what: String,
        /// The store's limit.
        limit: u32,
    },
    /// What the keyring holds for this server is not a usable token.
    #[error("the keyring entry for {origin} does not hold a usable token")]
    Corrupt {
        /// The server's origin.
        origin: String,
    },
    /// Anything else the platform reported.
    #[error("the keyring failed: {0}")]
    Other(String),
    /// The token file in force (the settings' `token_file`, or the systemd credential)
    /// was refused. Its content is never part of the error.
    #[error("the token file {} is refused: {problem}", path.display())]
    TokenFile {
        /// It is the systemd credential (`$CREDENTIALS_DIRECTORY`), not `token_file`.
        credential: bool,
        /// The file.
        path: PathBuf,
        /// Why.
        problem: FileProblem,
    },
}

impl SecretsError {
    /// A stable name for scripts (`--json`'s `error_kind`): `no_token`,
    /// `no_secret_service`, `locked`, `access_denied`, `bad_token`, `bad_env_token`,
    /// `too_long`, `corrupt`, `other`, `token_file`.
    pub fn kind(&self) -> &'static str {
        match self {
            SecretsError::NoToken { .. } => "no_token",
            SecretsError::NoSecretService { .. } => "no_secret_service",
            SecretsError::Locked { .. } => "locked",
            SecretsError::AccessDenied { .. } => "access_denied",
            SecretsError::BadToken(_) => "bad_token",
            SecretsError::BadEnvToken(_) => "bad_env_token",
            SecretsError::TooLong { .. } => "too_long",
            SecretsError::Corrupt { .. } => "corrupt",
            SecretsError::Other(_) => "other",
            SecretsError::TokenFile { .. } => "token_file",
        }
    }
}

/// D-Bus and secret-service words meaning "nobody provides a Secret Service here": no
/// session bus address, a bus nobody listens on, or a bus with no keyring daemon.
const NO_SERVICE_MARKERS: [&str; 6] = [
    "no secret service provider or dbus session found",
    "Failed to connect to address",
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
    "org.freedesktop.DBus.Error.NoServer",
    "org.freedesktop.DBus.Error.Spawn",
];

/// D-Bus words for a refusal by policy (a sandbox, a bus configuration).
const DENIED_MARKERS: [&str; 2] = [
    "org.freedesktop.DBus.Error.AccessDenied",
    "org.freedesktop.DBus.Error.AuthFailed",
];

/// Sort a store's error into what a person can act on. Never formats a variant that
/// carries secret bytes (`BadEncoding`, `BadDataFormat`) or entries (`Ambiguous`, whose
/// `Debug` may show a store's internals). `service` is the keyring service in use, for
/// the advice on ambiguous entries.
pub(super) fn map_error(error: keyring_core::Error, origin: &str, service: &str) -> SecretsError {
    use keyring_core::Error as E;
    match error {
        E::NoEntry => SecretsError::NoToken {
            origin: origin.to_owned(),
        },
        E::NoStorageAccess(inner) => {
            let detail = inner.to_string();
            let lower = detail.to_lowercase();
            // secret-service says "prompt dismissed" both when a person closed the unlock
            // prompt and when no prompt could be shown (no display): either way the
            // keyring stays locked, and unlocking it is what to do.
            if ["denied", "not permitted"]
                .iter()
                .any(|m| lower.contains(m))
            {
                SecretsError::AccessDenied { detail }
            } else {
                SecretsError::Locked { detail }
            }
        }
        E::PlatformFailure(inner) => {
            let detail = inner.to_string();
            if DENIED_MARKERS.iter().any(|m| detail.contains(m)) {
                SecretsError::AccessDenied { detail }
            } else if NO_SERVICE_MARKERS.iter().any(|m| detail.contains(m)) {
                SecretsError::NoSecretService { detail }
            } else {
                SecretsError::Other(detail)
            }
        }
        E::NoDefaultStore => SecretsError::NoSecretService {
            detail: "no credential store could be opened".into(),
        },
        E::BadEncoding(_) | E::BadDataFormat(..) => SecretsError::Corrupt {
            origin: origin.to_owned(),
        },
        E::TooLong(what, limit) => SecretsError::TooLong { what, limit },
        E::Ambiguous(entries) => SecretsError::Other(format!(
            "{} keyring entries match {origin}: remove them with your keyring manager (on Linux: `secret-tool clear service {} username {origin}`) and store the token again",
            entries.len(),
            service,
        )),
        other => SecretsError::Other(other.to_string()),
    }
}
