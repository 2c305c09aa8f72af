//! [`Token`]: the bearer token as a type that redacts itself, and its format rules.
//! No I/O here.

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

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

    /// The `Authorization` header value, `Bearer <token>`.
    ///
    /// Its bytes are a buffer of ours that is zeroed when the header and every clone of
    /// it are dropped (the value owns a [`Zeroizing`] buffer through
    /// [`bytes::Bytes::from_owner`]; no intermediate `String` is made). It is marked
    /// sensitive, which makes `http` print it as `Sensitive` in debug output and HTTP/2
    /// send it never-indexed (HPACK); it does not make anyone wipe the copies the HTTP
    /// stack makes while writing it (hyper's write buffer, rustls's plaintext): those
    /// are freed, not zeroed, and only the non-dumpable process (`crate::core_dumps`)
    /// keeps them out of a core.
    pub fn bearer_header(&self) -> reqwest::header::HeaderValue {
        const PREFIX: &[u8] = b"Bearer ";
        let token = self.0.expose_secret().as_bytes();
        let mut value = Zeroizing::new(Vec::with_capacity(PREFIX.len() + token.len()));
        value.extend_from_slice(PREFIX);
        value.extend_from_slice(token);
        sensitive_header(value)
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

/// A header value marked sensitive that owns `value` itself (no copy is made, clones
/// share it): the buffer is zeroed when the last of them is dropped.
fn sensitive_header(value: Zeroizing<Vec<u8>>) -> reqwest::header::HeaderValue {
    // `Token::new` admits only visible ASCII, which is always a valid header value.
    let mut header =
        reqwest::header::HeaderValue::from_maybe_shared(bytes::Bytes::from_owner(value))
            .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static("Bearer"));
    header.set_sensitive(true);
    header
}

pub(super) fn jwt_expiry(token: &str) -> Option<i64> {
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

/// Decode a JWT part: base64url, padded or not (RFC 7515 says unpadded; some issuers
/// pad), or the standard alphabet (`+`, `/`) that a few issuers use by mistake.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::alphabet::{STANDARD, URL_SAFE};
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    GeneralPurpose::new(&URL_SAFE, config)
        .decode(text)
        .or_else(|_| GeneralPurpose::new(&STANDARD, config).decode(text))
        .ok()
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
    fn the_header_owns_the_wiped_buffer_it_was_made_from() {
        let value = Zeroizing::new(b"Bearer abc.def".to_vec());
        let at = value.as_ptr();
        let header = sensitive_header(value);
        assert_eq!(
            header.as_bytes().as_ptr(),
            at,
            "no copy of the token was made"
        );
        assert_eq!(header.clone().as_bytes().as_ptr(), at, "clones share it");
        assert!(header.is_sensitive());
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

    #[test]
    fn jwt_expiry_is_decoded_without_verification() {
        // {"alg":"none"} . {"sub":"x","exp":1900000000} . sig
        let token =
            Token::new("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiZXhwIjoxOTAwMDAwMDAwfQ.c2ln").unwrap();
        assert_eq!(token.jwt_expiry(), Some(1_900_000_000));
        assert_eq!(Token::new("opaque-token").unwrap().jwt_expiry(), None);
        assert_eq!(Token::new("a.!!!.c").unwrap().jwt_expiry(), None);
        // Padded or not, url-safe or standard: this payload encodes with `==` padding
        // and a `+` and a `/` (or `-` and `_`).
        let payload = br#"{"exp":1900000000,"n":"~~~?>x"}"#;
        for engine in [
            base64::engine::general_purpose::URL_SAFE,
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            use base64::Engine as _;
            let token = Token::new(&format!("e30.{}.c2ln", engine.encode(payload))).unwrap();
            assert_eq!(token.jwt_expiry(), Some(1_900_000_000), "{engine:?}");
        }
    }
}
