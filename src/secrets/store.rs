//! The credential store (Secret Service, Credential Manager, Keychain) and the
//! environment: storing, reading and removing a server's token. Every function here may
//! block on D-Bus: call them from a background job, never from the UI thread.

use std::sync::OnceLock;

use zeroize::Zeroizing;

use super::{SecretsError, Token};
/// The keyring service name of our entries.
pub const KEYRING_SERVICE: &str = "visit-rating";
/// Overrides [`KEYRING_SERVICE`]. A testing aid: the integration tests use a random
/// service name so that a failed run leaves nothing behind in a real keyring.
pub const KEYRING_SERVICE_ENV: &str = "VISIT_RATING_KEYRING_SERVICE";

/// The environment variable that supplies a token for automation and tests. When set it
/// wins over every other source, for the server given at start ([`super::Sources`]).
pub const TOKEN_ENV: &str = "VISIT_RATING_TOKEN";

/// Where a token came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenOrigin {
    /// The `VISIT_RATING_TOKEN` environment variable.
    Environment,
    /// The systemd credential `$CREDENTIALS_DIRECTORY/visit-rating-token`.
    Credential,
    /// The file the settings' `token_file` names.
    File,
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
    /// The credential store in use, for people (e.g. `Secret Service`); for a token
    /// file, its path.
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
    crate::blocking::assert_may_block("the credential store");
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

/// A store's failure for `origin`, sorted by `error::map_error` and naming the
/// keyring service in use.
fn map_error(error: keyring_core::Error, origin: &str) -> SecretsError {
    super::error::map_error(error, origin, &service_name())
}

fn service_name() -> String {
    std::env::var(KEYRING_SERVICE_ENV)
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| KEYRING_SERVICE.to_owned())
}

fn entry(origin: &str) -> Result<keyring_core::Entry, SecretsError> {
    crate::blocking::assert_may_block("the credential store");
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

/// The token stored for `origin`. The store's copy of its bytes is wiped once checked.
pub fn load_token(origin: &str) -> Result<Token, SecretsError> {
    let raw = match entry(origin)?.get_secret() {
        Ok(raw) => Zeroizing::new(raw),
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
    drop(raw);
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

/// What is known about the token for `origin` (never the token): `env` is
/// `VISIT_RATING_TOKEN`'s value when it applies to this server (wiped once read), else
/// the keyring's. A set but unusable variable is an error, as it is for
/// [`super::Sources::resolve`]: it would be the token in force.
pub(super) fn token_status_with(
    env: Option<Zeroizing<String>>,
    origin: &str,
) -> Result<TokenStatus, SecretsError> {
    let from_env = env
        .map(|raw| Token::new(&raw).map_err(SecretsError::BadEnvToken))
        .transpose()?;
    let stored = match load_token(origin) {
        Ok(token) => Some(token),
        Err(SecretsError::NoToken { .. }) => None,
        // The variable is in force: a keyring that cannot be read changes nothing.
        Err(_) if from_env.is_some() => None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::{MAX_TOKEN_BYTES, Sources, TokenFormatError};

    /// The token for `origin` with `env` as `VISIT_RATING_TOKEN` for it, no file.
    fn resolve_token_with(
        env: Option<&str>,
        origin: &str,
    ) -> Result<(Token, TokenOrigin), SecretsError> {
        Sources::default().resolve_with(env.map(|e| Zeroizing::new(e.to_owned())), origin)
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
        let (token, source) = resolve_token_with(Some("from-env"), &origin).unwrap();
        assert_eq!(
            (token, source),
            (Token::new("from-env").unwrap(), TokenOrigin::Environment)
        );
        let (token, source) = resolve_token_with(None, &origin).unwrap();
        assert_eq!(
            (token, source),
            (Token::new("from-keyring").unwrap(), TokenOrigin::Keyring)
        );
        let bad_env = resolve_token_with(Some("has space"), &origin).unwrap_err();
        assert_eq!(
            bad_env,
            SecretsError::BadEnvToken(TokenFormatError::Whitespace)
        );
        assert!(bad_env.to_string().contains(TOKEN_ENV), "{bad_env}");
        // status agrees with resolution: the unusable variable would be in force.
        assert_eq!(
            token_status_with(Some(Zeroizing::new("has space".into())), &origin).unwrap_err(),
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
        // `Display` says what happened; the advice is the Fluent message's.
        let error = SecretsError::NoSecretService {
            detail: "no bus".into(),
        };
        assert_eq!(error.to_string(), "no keyring service is running (no bus)");
        let advice = crate::i18n::I18n::new(crate::config::Language::En).secrets_error(&error);
        assert!(advice.contains("VISIT_RATING_TOKEN") && advice.contains("gnome-keyring-daemon"));
    }

    /// The texts are the ones this machine's stores really gave (see
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
        let status = token_status_with(Some(Zeroizing::new("opaque".into())), &origin).unwrap();
        assert_eq!(status.source, Some(TokenOrigin::Environment));
        assert_eq!(status.expires_at, None);
        assert!(!format!("{status:?}").contains(jwt));
    }
}
