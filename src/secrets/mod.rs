//! The bearer token: a type that redacts itself, and where a token comes from.
//!
//! The token is the one secret of an installation. It never appears in a log, a file we
//! write, a command line, an error message or a `Debug` print: [`Token`]'s `Debug` and
//! `Display` show `Token(***)`, its memory is zeroed on drop (`secrecy`), and the only
//! way to read it is [`Token::bearer_header`], which marks the header sensitive.
//!
//! On a desk it lives in the operating system's credential store: Secret Service
//! on Linux (the pure-Rust zbus store, no libdbus), Credential Manager on Windows, the
//! Keychain on macOS — chosen explicitly per platform and set once as keyring-core's
//! default store ([`init_default_store`]). There is no fallback to a file or to memory;
//! tests install keyring-core's mock store themselves. An unattended terminal, which has
//! no one to unlock a keyring, is given its token in a file an administrator wrote: the
//! settings' `token_file` or a systemd credential ([`file`]). We never copy a token from
//! one place to another.
//!
//! One entry per server: service `visit-rating`, user = the server's origin
//! (`scheme://host:port`), so a test server's token and the production token coexist.
//! A token file is bound to the settings' `server_url` the same way. [`Sources`] is the
//! one way every front end gets a token, in one order: `VISIT_RATING_TOKEN` (automation),
//! the systemd credential, `token_file`, the keyring entry.
//!
//! Length: RPGU tokens are JWTs of one to two kilobytes. Secret Service and the Keychain
//! take far more; Windows Credential Manager caps a credential blob at 2560 bytes, so
//! [`MAX_TOKEN_BYTES`] is 2560 everywhere and a longer token is refused with a clear
//! error rather than truncated by a store. The token is stored as UTF-8 bytes, not as a
//! Windows "password" (UTF-16, which would halve that cap to 1280 characters).
//!
//! Rooms: [`token`] is the secret itself (no I/O); [`store`] talks to the credential
//! store (blocking D-Bus calls: never on the UI thread); [`file`] reads a token file and
//! checks who may read it; [`sources`] decides which source is in force for a server;
//! [`error`] sorts every source's failures into what a person can act on.

mod error;
pub mod file;
mod sources;
mod store;
mod token;

pub use error::SecretsError;
pub use file::{CREDENTIAL_NAME, CREDENTIALS_DIRECTORY_ENV, FileProblem, MAX_FILE_BYTES};
pub use sources::Sources;
pub use store::{
    KEYRING_SERVICE, KEYRING_SERVICE_ENV, TOKEN_ENV, TokenOrigin, TokenStatus, clear_token,
    init_default_store, load_token, store_token,
};
pub use token::{MAX_TOKEN_BYTES, Token, TokenFormatError};
