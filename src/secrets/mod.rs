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
//!
//! Rooms: [`token`] is the secret itself (no I/O); [`store`] talks to the credential
//! store and the environment (blocking D-Bus calls: never on the UI thread); [`error`]
//! sorts a store's failures into what a person can act on.

mod error;
mod store;
mod token;

pub use error::SecretsError;
pub use store::{
    KEYRING_SERVICE, KEYRING_SERVICE_ENV, TOKEN_ENV, TokenOrigin, TokenStatus, clear_token,
    init_default_store, keyring_token_status, load_token, resolve_token, store_token, token_status,
};
pub use token::{MAX_TOKEN_BYTES, Token, TokenFormatError};
