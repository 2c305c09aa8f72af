//! The bearer token: a type that redacts itself, and where a token comes from.
//!
//! The token is the one secret of an installation. It never appears in a log, a file we
//! write, a command line, an error message or a `Debug` print: [`Token`]'s `Debug` and
//! `Display` show `Token(***)`, its memory is zeroed on drop (`secrecy`), and the only
//! way to read it is [`Token::bearer_header`], which marks the header sensitive.
//!
//! It lives in the operating system's credential store and nowhere else: Secret Service
//! on Linux (the pure-Rust zbus store, no libdbus), Credential Manager on Windows, the
//! Keychain on macOS — chosen explicitly per platform and set once as keyring-core's
//! default store ([`init_default_store`]). There is no fallback to a file or to memory;
//! tests install keyring-core's mock store themselves.
//!
//! One entry per server: service `visit-rating`, user = the server's origin
//! (`scheme://host:port`), so a test server's token and the production token coexist.
//! [`resolve_token`] is the one way every front end gets a token: `VISIT_RATING_TOKEN`
//! if set (automation), else the keyring entry.
//!
//! Length: RPGU tokens are JWTs of one to two kilobytes. Secret Service and the Keychain
//! take far more; Windows Credential Manager caps a credential blob at 2560 bytes, so
//! [`MAX_TOKEN_BYTES`] is 2560 everywhere and a longer token is refused with a clear
//! error rather than truncated by a store. The token is stored as UTF-8 bytes, not as a
//! Windows "password" (UTF-16, which would halve that cap to 1280 characters).

use std::sync::OnceLock;

use secrecy::{ExposeSecret, SecretString};

/// The keyring service name of our entries.
pub const KEYRING_SERVICE: &str = "visit-rating";
/// Overrides [`KEYRING_SERVICE`]. A testing aid: the integration tests use a random
/// service name so that a failed run leaves nothing behind in a real keyring.
pub const KEYRING_SERVICE_ENV: &str = "VISIT_RATING_KEYRING_SERVICE";

/// The environment variable that supplies a token for automation. When set it wins over
/// the keyring.
pub const TOKEN_ENV: &str = "VISIT_RATING_TOKEN";

/// The longest token we accept, in bytes. Windows Credential Manager caps a credential
/// at 2560 bytes; we use the same cap everywhere so a token that works on one platform
/// works on all, and an over-long one is refused with a clear error instead of being
/// truncated by a store.
pub const MAX_TOKEN_BYTES: usize = 2560;

/// An RPGU bearer token.
#[derive(Clone)]
pub struct Token(SecretString);

/// Why a string is not a usable token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenFormatError {
    /// Nothing was given.
    #[error("the token is empty")]
    Empty,
    /// Spaces, tabs or line breaks inside the token (usually a copy-paste mistake).
    #[error("the token contains whitespace; paste it again without spaces or line breaks")]
    Whitespace,
    /// Control characters.
    #[error("the token contains control characters")]
    Control,
    /// Letters outside ASCII cannot travel in an HTTP header.
    #[error("the token contains non-ASCII characters, which an HTTP header cannot carry")]
    NonAscii,
    /// Longer than [`MAX_TOKEN_BYTES`].
    #[error("the token is {bytes} bytes long; at most {MAX_TOKEN_BYTES} can be stored")]
    TooLong {
        /// Its length.
        bytes: usize,
    },
}

impl Token {
    /// Check and wrap a token. One trailing line break (from `echo` or a file) is
    /// removed; any other whitespace is an error, never silently stripped.
    pub fn new(raw: &str) -> Result<Token, TokenFormatError> {
        let raw = raw
            .strip_suffix("\r\n")
            .or_else(|| raw.strip_suffix('\n'))
            .unwrap_or(raw);
        if raw.is_empty() {
            return Err(TokenFormatError::Empty);
        }
        if raw.len() > MAX_TOKEN_BYTES {
            return Err(TokenFormatError::TooLong { bytes: raw.len() });
        }
        if raw.chars().any(char::is_whitespace) {
            return Err(TokenFormatError::Whitespace);
        }
        if raw.chars().any(char::is_control) {
            return Err(TokenFormatError::Control);
        }
        if !raw.is_ascii() {
            return Err(TokenFormatError::NonAscii);
        }
        Ok(Token(SecretString::from(raw.to_owned())))
    }

    /// The `Authorization` header value, `Bearer <token>`, marked sensitive so that
    /// HTTP libraries leave it out of their debug output.
    pub fn bearer_header(&self) -> reqwest::header::HeaderValue {
        let value = format!("Bearer {}", self.0.expose_secret());
        // `new` admits only visible ASCII, which is always a valid header value.
        let mut header = reqwest::header::HeaderValue::from_str(&value)
            .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static("Bearer"));
        header.set_sensitive(true);
        header
    }

    /// The token itself, for the one place that must have it: handing it to the
    /// keyring. Not public outside the crate.
    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// When the token is a JWT with an `exp` claim: that moment, in seconds since the
    /// Unix epoch. Decoded only, never verified.
    pub fn jwt_expiry(&self) -> Option<i64> {
        jwt_expiry(self.expose())
    }
}

impl PartialEq for Token {
    fn eq(&self, other: &Token) -> bool {
        self.expose() == other.expose()
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Why no token could be stored, read or removed. Each variant says what to do; none
/// ever contains the token (a store's own error text is kept only when it cannot hold
/// the secret).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SecretsError {
    /// No token is stored for this server yet.
    #[error(
        "no token is stored for {origin}: store one with `visit-rating token set --url {origin}` (or set VISIT_RATING_TOKEN for automation)"
    )]
    NoToken {
        /// The server's origin.
        origin: String,
    },
    /// No Secret Service answers: no D-Bus session bus, or no keyring daemon on it.
    #[error(
        "no keyring service is running ({detail}): start one (on Linux: a desktop session, or `dbus-run-session` with `gnome-keyring-daemon --unlock`), or set VISIT_RATING_TOKEN for automation"
    )]
    NoSecretService {
        /// The platform's words.
        detail: String,
    },
    /// The keyring exists but is locked, or not created yet, and no prompt could unlock
    /// it: dismissed, or none can be shown (a kiosk with no desktop session). A locked
    /// gnome-keyring hides its items, so "no token" in a locked keyring is this too.
    #[error(
        "the keyring is locked ({detail}): unlock it (log in to the desktop, or `gnome-keyring-daemon --unlock` on a headless kiosk) and try again, or set VISIT_RATING_TOKEN for automation"
    )]
    Locked {
        /// The platform's words.
        detail: String,
    },
    /// The keyring refused access: a dismissed prompt, or a D-Bus or sandbox policy.
    #[error(
        "access to the keyring was denied ({detail}): allow visit-rating to use it, or ask whoever administers this machine"
    )]
    AccessDenied {
        /// The platform's words.
        detail: String,
    },
    /// The token given to be stored is not usable (empty, spaces, too long…).
    #[error("{0}")]
    BadToken(TokenFormatError),
    /// `VISIT_RATING_TOKEN` is set but does not hold a usable token. It wins over the
    /// keyring, so it must be corrected or unset.
    #[error(
        "VISIT_RATING_TOKEN is set but is not a usable token ({0}): correct it, or unset it to use the keyring"
    )]
    BadEnvToken(TokenFormatError),
    /// The credential store refused the token as too long for it. Tokens are checked
    /// against [`MAX_TOKEN_BYTES`] first, which every store takes, so this means a store
    /// with a smaller limit than we know of.
    #[error(
        "the credential store refused the token: its {what} may be at most {limit} bytes; ask the portal for a shorter token or set VISIT_RATING_TOKEN"
    )]
    TooLong {
        /// What the store measured.
        what: String,
        /// The store's limit.
        limit: u32,
    },
    /// What the keyring holds for this server is not a usable token.
    #[error(
        "the keyring entry for {origin} does not hold a usable token: store it again with `visit-rating token set`"
    )]
    Corrupt {
        /// The server's origin.
        origin: String,
    },
    /// Anything else the platform reported.
    #[error("the keyring failed: {0}")]
    Other(String),
}

impl SecretsError {
    /// A stable name for scripts (`--json`'s `error_kind`): `no_token`,
    /// `no_secret_service`, `locked`, `access_denied`, `bad_token`, `bad_env_token`,
    /// `too_long`, `corrupt`, `other`.
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
        }
    }
}

/// Where a token came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenOrigin {
    /// The `VISIT_RATING_TOKEN` environment variable.
    Environment,
    /// The operating system's keyring.
    Keyring,
}

/// What is known about the token for a server, never the token itself.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TokenStatus {
    /// The server's origin (the keyring entry's user name).
    pub origin: String,
    /// Where the token in force comes from; `None` when there is none.
    pub source: Option<TokenOrigin>,
    /// A token is stored in the keyring for this server.
    pub stored: bool,
    /// The credential store in use, for people (e.g. `Secret Service`).
    pub store: String,
    /// When the token in force is a JWT with `exp`: that moment, Unix seconds.
    pub expires_at: Option<i64>,
}

static STORE_INIT: OnceLock<Result<String, SecretsError>> = OnceLock::new();

/// Choose this platform's credential store and make it keyring-core's default, once.
/// Returns the store's name for people. A failure is kept and returned again on every
/// later call (the program goes on; whatever needs the token reports it). There is no
/// fallback: a store already installed (the tests' mock store) is used as it is.
pub fn init_default_store() -> Result<String, SecretsError> {
    STORE_INIT
        .get_or_init(|| {
            if let Some(store) = keyring_core::get_default_store() {
                // Already chosen (tests install the mock store first).
                return Ok(store.vendor());
            }
            let (store, name) = platform_store().map_err(|e| map_error(e, ""))?;
            keyring_core::set_default_store(store);
            Ok(name.to_owned())
        })
        .clone()
}

type PlatformStore = (std::sync::Arc<keyring_core::CredentialStore>, &'static str);

#[cfg(target_os = "linux")]
const PLATFORM_STORE_NAME: &str = "Secret Service";

#[cfg(target_os = "linux")]
fn platform_store() -> keyring_core::Result<PlatformStore> {
    Ok((
        zbus_secret_service_keyring_store::Store::new()?,
        PLATFORM_STORE_NAME,
    ))
}

#[cfg(target_os = "windows")]
fn platform_store() -> keyring_core::Result<PlatformStore> {
    Ok((
        windows_native_keyring_store::Store::new()?,
        "Windows Credential Manager",
    ))
}

#[cfg(target_os = "macos")]
fn platform_store() -> keyring_core::Result<PlatformStore> {
    Ok((
        apple_native_keyring_store::keychain::Store::new()?,
        "macOS Keychain",
    ))
}

#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
fn platform_store() -> keyring_core::Result<PlatformStore> {
    Err(keyring_core::Error::NotSupportedByStore(
        "no credential store is supported on this platform".into(),
    ))
}

/// Whether the platform's keyring is known to be locked. Only the Secret Service can
/// say, and only when it is the store in use (never the tests' mock store): a locked
/// gnome-keyring hides its items, so "no entry" there may only mean "locked".
fn platform_keyring_locked() -> bool {
    #[cfg(target_os = "linux")]
    {
        use secret_service::{EncryptionType, blocking::SecretService};
        if init_default_store().as_deref() != Ok(PLATFORM_STORE_NAME) {
            return false;
        }
        SecretService::connect(EncryptionType::Plain)
            .and_then(|ss| ss.get_default_collection()?.is_locked())
            .unwrap_or(false)
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

fn service_name() -> String {
    std::env::var(KEYRING_SERVICE_ENV)
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| KEYRING_SERVICE.to_owned())
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
/// `Debug` may show a store's internals).
fn map_error(error: keyring_core::Error, origin: &str) -> SecretsError {
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
            service_name(),
        )),
        other => SecretsError::Other(other.to_string()),
    }
}

fn entry(origin: &str) -> Result<keyring_core::Entry, SecretsError> {
    init_default_store()?;
    keyring_core::Entry::new(&service_name(), origin).map_err(|e| map_error(e, origin))
}

/// Store (or replace) the token for the server at `origin`.
///
/// The token is stored as its UTF-8 bytes (`set_secret`), not as a "password": the
/// Windows store turns a password into UTF-16, two bytes a character, which would halve
/// its 2560-byte cap to 1280 characters and refuse ordinary RPGU tokens. As bytes, every
/// token [`Token::new`] accepts ([`MAX_TOKEN_BYTES`]) fits every store.
pub fn store_token(origin: &str, token: &Token) -> Result<(), SecretsError> {
    entry(origin)?
        .set_secret(token.expose().as_bytes())
        .map_err(|e| map_error(e, origin))
}

/// The token stored for `origin`.
pub fn load_token(origin: &str) -> Result<Token, SecretsError> {
    use secrecy::zeroize::Zeroize;
    let mut raw = match entry(origin)?.get_secret() {
        Ok(raw) => raw,
        Err(keyring_core::Error::NoEntry) if platform_keyring_locked() => {
            return Err(SecretsError::Locked {
                detail: "the default keyring is locked, so its entries cannot be seen".into(),
            });
        }
        Err(e) => return Err(map_error(e, origin)),
    };
    let token = std::str::from_utf8(&raw)
        .ok()
        .and_then(|text| Token::new(text).ok());
    raw.zeroize();
    token.ok_or_else(|| SecretsError::Corrupt {
        origin: origin.to_owned(),
    })
}

/// Remove the token for `origin`; `false` when there was none.
pub fn clear_token(origin: &str) -> Result<bool, SecretsError> {
    match entry(origin)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring_core::Error::NoEntry) => Ok(false),
        Err(e) => Err(map_error(e, origin)),
    }
}

/// The token every front end uses: `VISIT_RATING_TOKEN` if set, else the keyring's.
pub fn resolve_token(origin: &str) -> Result<(Token, TokenOrigin), SecretsError> {
    resolve_token_with(std::env::var(TOKEN_ENV).ok(), origin)
}

/// [`resolve_token`] with the environment variable's value passed in.
fn resolve_token_with(
    env: Option<String>,
    origin: &str,
) -> Result<(Token, TokenOrigin), SecretsError> {
    if let Some(raw) = env {
        return Token::new(&raw)
            .map(|t| (t, TokenOrigin::Environment))
            .map_err(SecretsError::BadEnvToken);
    }
    load_token(origin).map(|t| (t, TokenOrigin::Keyring))
}

/// What is known about the token for `origin` (never the token). A set but unusable
/// `VISIT_RATING_TOKEN` is an error here too, as it is for [`resolve_token`]: it would
/// be the token in force.
pub fn token_status(origin: &str) -> Result<TokenStatus, SecretsError> {
    token_status_with(std::env::var(TOKEN_ENV).ok(), origin)
}

/// [`token_status`] without the environment variable: the keyring's token only (for a
/// server the environment token is not bound to).
pub fn keyring_token_status(origin: &str) -> Result<TokenStatus, SecretsError> {
    token_status_with(None, origin)
}

fn token_status_with(env: Option<String>, origin: &str) -> Result<TokenStatus, SecretsError> {
    let from_env = env
        .map(|raw| Token::new(&raw).map_err(SecretsError::BadEnvToken))
        .transpose()?;
    let stored = match load_token(origin) {
        Ok(token) => Some(token),
        Err(SecretsError::NoToken { .. }) => None,
        Err(e) => return Err(e),
    };
    let (source, in_force) = match (&from_env, &stored) {
        (Some(token), _) => (Some(TokenOrigin::Environment), Some(token)),
        (None, Some(token)) => (Some(TokenOrigin::Keyring), Some(token)),
        (None, None) => (None, None),
    };
    Ok(TokenStatus {
        origin: origin.to_owned(),
        source,
        stored: stored.is_some(),
        store: init_default_store().unwrap_or_default(),
        expires_at: in_force.and_then(Token::jwt_expiry),
    })
}

fn jwt_expiry(token: &str) -> Option<i64> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let json = base64url_decode(payload)?;
    let claims: serde_json::Value = serde_json::from_slice(&json).ok()?;
    match &claims["exp"] {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| {
            #[allow(clippy::cast_possible_truncation)]
            n.as_f64().map(|f| f as i64)
        }),
        _ => None,
    }
}

/// Decode unpadded (or padded) base64url. Small enough not to need a crate.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in text.trim_end_matches('=').bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_token() {
        let token = Token::new("s3cr3t-t0ken").unwrap();
        assert_eq!(format!("{token:?}"), "Token(***)");
        assert_eq!(format!("{token}"), "***");
        assert!(!format!("{:?}", Some(&token)).contains("s3cr3t"));
    }

    #[test]
    fn the_header_is_bearer_and_sensitive() {
        let header = Token::new("abc.def").unwrap().bearer_header();
        assert_eq!(header.to_str().unwrap(), "Bearer abc.def");
        assert!(header.is_sensitive());
        assert!(!format!("{header:?}").contains("abc.def"));
    }

    #[test]
    fn one_trailing_newline_is_trimmed_nothing_else() {
        assert_eq!(Token::new("abc\n").unwrap(), Token::new("abc").unwrap());
        assert_eq!(Token::new("abc\r\n").unwrap(), Token::new("abc").unwrap());
        assert_eq!(Token::new("abc\n\n"), Err(TokenFormatError::Whitespace));
        assert_eq!(Token::new(" abc"), Err(TokenFormatError::Whitespace));
        assert_eq!(Token::new("a\u{7}b"), Err(TokenFormatError::Control));
        assert_eq!(Token::new("токен"), Err(TokenFormatError::NonAscii));
        assert_eq!(Token::new("\n"), Err(TokenFormatError::Empty));
        assert_eq!(Token::new(""), Err(TokenFormatError::Empty));
        let long = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(
            Token::new(&long),
            Err(TokenFormatError::TooLong {
                bytes: MAX_TOKEN_BYTES + 1
            })
        );
        assert!(Token::new(&"a".repeat(MAX_TOKEN_BYTES)).is_ok());
    }

    /// The mock store, installed once for the whole test binary.
    fn mock_store() {
        static INSTALL: std::sync::Once = std::sync::Once::new();
        INSTALL.call_once(|| {
            keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap());
        });
        assert!(init_default_store().unwrap().starts_with("Mock store"));
    }

    fn origin() -> String {
        format!("https://rpgu-{:x}.example:443", fastrand::u64(..))
    }

    /// Make the next operation on `origin`'s credential fail with `error`.
    fn fail_next(origin: &str, error: keyring_core::Error) {
        let entry = keyring_core::Entry::new(KEYRING_SERVICE, origin).unwrap();
        entry
            .as_any()
            .downcast_ref::<keyring_core::mock::Cred>()
            .unwrap()
            .set_error(error);
    }

    fn platform(text: &str) -> Box<dyn std::error::Error + Send + Sync> {
        text.to_owned().into()
    }

    #[test]
    fn store_load_replace_and_clear() {
        mock_store();
        let origin = origin();
        assert_eq!(
            load_token(&origin).unwrap_err(),
            SecretsError::NoToken {
                origin: origin.clone()
            }
        );
        store_token(&origin, &Token::new("first").unwrap()).unwrap();
        assert_eq!(load_token(&origin).unwrap(), Token::new("first").unwrap());
        store_token(&origin, &Token::new("second").unwrap()).unwrap();
        assert_eq!(load_token(&origin).unwrap(), Token::new("second").unwrap());
        assert!(clear_token(&origin).unwrap());
        assert!(!clear_token(&origin).unwrap(), "nothing left to clear");
    }

    #[test]
    fn the_environment_wins_over_the_keyring() {
        mock_store();
        let origin = origin();
        store_token(&origin, &Token::new("from-keyring").unwrap()).unwrap();
        let (token, source) = resolve_token_with(Some("from-env".into()), &origin).unwrap();
        assert_eq!(
            (token, source),
            (Token::new("from-env").unwrap(), TokenOrigin::Environment)
        );
        let (token, source) = resolve_token_with(None, &origin).unwrap();
        assert_eq!(
            (token, source),
            (Token::new("from-keyring").unwrap(), TokenOrigin::Keyring)
        );
        let bad_env = resolve_token_with(Some("has space".into()), &origin).unwrap_err();
        assert_eq!(
            bad_env,
            SecretsError::BadEnvToken(TokenFormatError::Whitespace)
        );
        assert!(bad_env.to_string().contains(TOKEN_ENV), "{bad_env}");
        // status agrees with resolution: the unusable variable would be in force.
        assert_eq!(
            token_status_with(Some("has space".into()), &origin).unwrap_err(),
            bad_env
        );
        assert!(matches!(
            resolve_token_with(None, "https://never-set.example:443"),
            Err(SecretsError::NoToken { .. })
        ));
    }

    #[test]
    fn each_store_failure_has_its_own_error() {
        mock_store();
        let origin = origin();
        store_token(&origin, &Token::new("stored").unwrap()).unwrap();
        let cases = [
            (
                keyring_core::Error::NoStorageAccess(platform("Cannot unlock: keyring is locked")),
                "locked",
            ),
            (
                keyring_core::Error::NoStorageAccess(platform("Operation not permitted")),
                "denied",
            ),
            (
                keyring_core::Error::PlatformFailure(platform(
                    "org.freedesktop.DBus.Error.ServiceUnknown",
                )),
                "no_service",
            ),
            (keyring_core::Error::BadEncoding(vec![0xff]), "corrupt"),
        ];
        for (error, expected) in cases {
            fail_next(&origin, error);
            let got = load_token(&origin).unwrap_err();
            let kind = match &got {
                SecretsError::Locked { .. } => "locked",
                SecretsError::AccessDenied { .. } => "denied",
                SecretsError::NoSecretService { .. } => "no_service",
                SecretsError::Corrupt { .. } => "corrupt",
                other => panic!("unexpected {other:?}"),
            };
            assert_eq!(kind, expected, "{got}");
            assert!(
                !got.to_string().contains("stored"),
                "never the token: {got}"
            );
        }
        // Each error was one-shot: the token is still there.
        assert_eq!(load_token(&origin).unwrap(), Token::new("stored").unwrap());
        fail_next(
            &origin,
            keyring_core::Error::NoStorageAccess(platform("locked")),
        );
        assert!(matches!(
            store_token(&origin, &Token::new("new").unwrap()),
            Err(SecretsError::Locked { .. })
        ));
        let message = SecretsError::NoSecretService {
            detail: "no bus".into(),
        }
        .to_string();
        assert!(message.contains("VISIT_RATING_TOKEN") && message.contains("gnome-keyring-daemon"));
    }

    /// The texts are the ones this machine's stores really gave (see MACHINE-NOTES and
    /// the commit that added this test): no bus, a dead bus address, a bus without a
    /// keyring daemon, a bus policy refusing us, a keyring never unlocked, a dismissed
    /// prompt.
    #[test]
    fn store_errors_are_sorted_by_what_a_person_can_do() {
        use keyring_core::Error as E;
        let kind = |e: E| map_error(e, "https://x.example:443").kind();
        for text in [
            "no secret service provider or dbus session found",
            "zbus error: Failed to connect to address `unix:path=/run/user/0/bus`: Connection refused (os error 111)",
            "zbus error: org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files",
            "zbus error: org.freedesktop.DBus.Error.Spawn.ChildExited: Process org.freedesktop.secrets exited with status 1",
        ] {
            assert_eq!(
                kind(E::PlatformFailure(platform(text))),
                "no_secret_service",
                "{text}"
            );
        }
        assert_eq!(
            kind(E::PlatformFailure(platform(
                "zbus error: org.freedesktop.DBus.Error.AccessDenied: Rejected send message, 2 matched rules"
            ))),
            "access_denied"
        );
        // A platform failure is not "no service" unless it says so (Windows, macOS, a
        // crypto error on Linux).
        assert_eq!(
            kind(E::PlatformFailure(platform("Crypto error: bad padding"))),
            "other"
        );
        assert_eq!(
            kind(E::PlatformFailure(platform("Windows error 1312"))),
            "other"
        );
        for text in [
            "SS Error: object locked",
            "SS error: result not returned from SS API",
        ] {
            assert_eq!(kind(E::NoStorageAccess(platform(text))), "locked", "{text}");
        }
        // A dismissed prompt, or one that could not be shown: still locked.
        assert_eq!(
            kind(E::NoStorageAccess(platform("SS error: prompt dismissed"))),
            "locked"
        );
        assert_eq!(
            kind(E::NoStorageAccess(platform("write permission denied"))),
            "access_denied"
        );
        let too_long = map_error(E::TooLong("secret".into(), 2560), "o");
        assert_eq!(too_long.kind(), "too_long");
        assert!(too_long.to_string().contains("2560"), "{too_long}");
        // Variants that carry the secret's bytes are never formatted.
        let secret = b"s3cr3t-bytes".to_vec();
        for e in [
            E::BadEncoding(secret.clone()),
            E::BadDataFormat(secret, platform("bad")),
        ] {
            let mapped = map_error(e, "https://x.example:443");
            assert_eq!(mapped.kind(), "corrupt");
            assert!(!format!("{mapped} {mapped:?}").contains("s3cr3t"));
        }
        let ambiguous = map_error(E::Ambiguous(Vec::new()), "https://x.example:443");
        assert!(
            ambiguous.to_string().contains("secret-tool clear"),
            "{ambiguous}"
        );
    }

    #[test]
    fn the_longest_token_is_stored_as_its_utf8_bytes() {
        mock_store();
        let origin = origin();
        let longest = "t".repeat(MAX_TOKEN_BYTES);
        store_token(&origin, &Token::new(&longest).unwrap()).unwrap();
        // Bytes, not a UTF-16 "password": the Windows store's 2560-byte cap holds it.
        let entry = keyring_core::Entry::new(KEYRING_SERVICE, &origin).unwrap();
        assert_eq!(entry.get_secret().unwrap(), longest.as_bytes());
        assert_eq!(load_token(&origin).unwrap(), Token::new(&longest).unwrap());
        // A store with a smaller cap says so instead of truncating.
        fail_next(&origin, keyring_core::Error::TooLong("secret".into(), 1024));
        assert_eq!(
            store_token(&origin, &Token::new("x").unwrap()).unwrap_err(),
            SecretsError::TooLong {
                what: "secret".into(),
                limit: 1024
            }
        );
        // What is stored but is not a token (another program's bytes) is "damaged".
        entry.set_secret(&[0xff, 0xfe]).unwrap();
        assert_eq!(load_token(&origin).unwrap_err().kind(), "corrupt");
        entry.set_secret(b"two words").unwrap();
        assert_eq!(load_token(&origin).unwrap_err().kind(), "corrupt");
    }

    #[test]
    fn status_tells_where_the_token_comes_from_and_when_it_expires() {
        mock_store();
        let origin = origin();
        let status = token_status_with(None, &origin).unwrap();
        assert_eq!((status.source, status.stored), (None, false));
        let jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiZXhwIjoxOTAwMDAwMDAwfQ.c2ln";
        store_token(&origin, &Token::new(jwt).unwrap()).unwrap();
        let status = token_status_with(None, &origin).unwrap();
        assert_eq!(status.source, Some(TokenOrigin::Keyring));
        assert!(status.stored);
        assert_eq!(status.expires_at, Some(1_900_000_000));
        assert!(status.store.starts_with("Mock store"));
        let status = token_status_with(Some("opaque".into()), &origin).unwrap();
        assert_eq!(status.source, Some(TokenOrigin::Environment));
        assert_eq!(status.expires_at, None);
        assert!(!format!("{status:?}").contains(jwt));
    }

    #[test]
    fn jwt_expiry_is_decoded_without_verification() {
        // {"alg":"none"} . {"sub":"x","exp":1900000000} . sig
        let token =
            Token::new("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiZXhwIjoxOTAwMDAwMDAwfQ.c2ln").unwrap();
        assert_eq!(token.jwt_expiry(), Some(1_900_000_000));
        assert_eq!(Token::new("opaque-token").unwrap().jwt_expiry(), None);
        assert_eq!(Token::new("a.!!!.c").unwrap().jwt_expiry(), None);
    }
}
