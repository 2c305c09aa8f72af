//! The visit identifier (`{history}` in the API path).
//!
//! The specification calls it "the concatenation of the clinic (LPU) GUID and the visit
//! GUID" and names no separator. We therefore accept the full identifier exactly as
//! given (after trimming the surrounding whitespace that scanners and copy-paste add),
//! and, when a clinic GUID is configured, a bare visit GUID (`xxxxxxxx-xxxx-xxxx-xxxx-
//! xxxxxxxxxxxx`), which we glue after the clinic GUID with the configured separator
//! (empty by default: `{clinic_guid}{separator}{visit_guid}`).
//!
//! Braces are GUID notation (Windows, some registries print `{…}`), not part of its
//! value: a bare GUID in braces loses them (and the whitespace around and inside them)
//! before anything else, whether it is the visit GUID, the configured clinic GUID, or a
//! bare GUID sent on its own. Braces anywhere else are kept and percent-encoded.
//!
//! An identifier must stay one path segment. Anything that could change the path or is
//! ambiguous when encoded is refused before a request is built; everything else is
//! percent-encoded, leaving only RFC 3986 unreserved characters as they are.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The longest identifier we accept, in characters.
pub const MAX_VISIT_ID_CHARS: usize = 256;

/// Everything but the RFC 3986 unreserved characters is encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Why a visit identifier was refused. Nothing is sent when this happens.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VisitIdError {
    /// Nothing was entered (or only whitespace).
    #[error("the visit id is empty")]
    Empty,
    /// A space, tab or other whitespace inside the identifier.
    #[error("the visit id contains whitespace")]
    Whitespace,
    /// A character that would change the request path or its encoding.
    #[error("the visit id contains the character {0:?}, which is not allowed")]
    ForbiddenChar(char),
    /// `..` (or an identifier made only of dots) would walk the path.
    #[error("the visit id contains \"..\" or consists only of dots")]
    Dots,
    /// A control character (for example a line break from a scanner) or an invisible
    /// formatting one (a bidi override that would show the id in another order).
    #[error("the visit id contains a control or invisible formatting character")]
    Control,
    /// Longer than [`MAX_VISIT_ID_CHARS`].
    #[error("the visit id is {chars} characters long; at most {MAX_VISIT_ID_CHARS} are allowed")]
    TooLong {
        /// Its length in characters.
        chars: usize,
    },
}

/// A validated visit identifier: safe to put into the request path.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VisitId(String);

impl VisitId {
    /// Validate a full identifier as given.
    pub fn parse(input: &str) -> Result<VisitId, VisitIdError> {
        let id = input.trim();
        check(id)?;
        Ok(VisitId(id.to_owned()))
    }

    /// Validate what was typed or scanned, gluing a bare visit GUID after the clinic
    /// GUID when one is configured (see the module docs).
    pub fn from_input(
        input: &str,
        clinic_guid: Option<&str>,
        separator: &str,
    ) -> Result<VisitId, VisitIdError> {
        let id = unbrace(input);
        match clinic_guid.map(unbrace).filter(|c| !c.is_empty()) {
            Some(clinic) if is_guid(id) => VisitId::parse(&format!("{clinic}{separator}{id}")),
            _ => VisitId::parse(id),
        }
    }

    /// The identifier as entered (not encoded).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The identifier percent-encoded as one path segment.
    pub fn path_segment(&self) -> String {
        utf8_percent_encode(&self.0, SEGMENT).to_string()
    }
}

impl std::fmt::Display for VisitId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for VisitId {
    type Error = VisitIdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        VisitId::parse(&value)
    }
}

impl From<VisitId> for String {
    fn from(id: VisitId) -> String {
        id.0
    }
}

fn check(id: &str) -> Result<(), VisitIdError> {
    if id.is_empty() {
        return Err(VisitIdError::Empty);
    }
    let chars = id.chars().count();
    if chars > MAX_VISIT_ID_CHARS {
        return Err(VisitIdError::TooLong { chars });
    }
    for c in id.chars() {
        if crate::safe_text::is_unsafe(c) {
            return Err(VisitIdError::Control);
        }
        if c.is_whitespace() {
            return Err(VisitIdError::Whitespace);
        }
        if matches!(c, '/' | '\\' | '?' | '#' | '%') {
            return Err(VisitIdError::ForbiddenChar(c));
        }
    }
    if id.contains("..") || id.chars().all(|c| c == '.') {
        return Err(VisitIdError::Dots);
    }
    Ok(())
}

/// `text` trimmed, and without its braces when it is a braced GUID (`{…}`, whitespace
/// inside the braces trimmed too).
fn unbrace(text: &str) -> &str {
    let text = text.trim();
    match text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        Some(inner) if is_guid(inner.trim()) => inner.trim(),
        _ => text,
    }
}

/// A GUID in its usual 8-4-4-4-12 hexadecimal form, optionally in braces.
pub fn is_guid(s: &str) -> bool {
    let s = s
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(s);
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLINIC: &str = "0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6";
    const VISIT: &str = "7d1e2f3a-4b5c-4d6e-9f80-112233445566";

    #[test]
    fn each_forbidden_form_is_refused_with_its_reason() {
        let cases: &[(&str, VisitIdError)] = &[
            ("", VisitIdError::Empty),
            ("   ", VisitIdError::Empty),
            ("ab cd", VisitIdError::Whitespace),
            ("ab\u{a0}cd", VisitIdError::Whitespace),
            ("ab/cd", VisitIdError::ForbiddenChar('/')),
            ("ab\\cd", VisitIdError::ForbiddenChar('\\')),
            ("ab?cd", VisitIdError::ForbiddenChar('?')),
            ("ab#cd", VisitIdError::ForbiddenChar('#')),
            ("ab%2Fcd", VisitIdError::ForbiddenChar('%')),
            ("..", VisitIdError::Dots),
            ("a..b", VisitIdError::Dots),
            (".", VisitIdError::Dots),
            ("ab\ncd", VisitIdError::Control),
            ("ab\u{0}cd", VisitIdError::Control),
            ("ab\u{7f}cd", VisitIdError::Control),
            ("ab\u{9b}cd", VisitIdError::Control),
            ("ab\u{202e}dc", VisitIdError::Control),
            ("ab\u{2066}cd", VisitIdError::Control),
        ];
        for (input, expected) in cases {
            assert_eq!(
                VisitId::parse(input).as_ref(),
                Err(expected),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn length_is_limited_in_characters() {
        let ok = "я".repeat(MAX_VISIT_ID_CHARS);
        assert!(VisitId::parse(&ok).is_ok());
        let long = "a".repeat(MAX_VISIT_ID_CHARS + 1);
        assert_eq!(
            VisitId::parse(&long),
            Err(VisitIdError::TooLong {
                chars: MAX_VISIT_ID_CHARS + 1
            })
        );
    }

    #[test]
    fn surrounding_whitespace_from_a_scanner_is_trimmed() {
        let id = VisitId::parse("  abc-123\r\n").unwrap();
        assert_eq!(id.as_str(), "abc-123");
    }

    #[test]
    fn only_unreserved_characters_stay_unencoded() {
        let id = VisitId::parse("Az09-._~").unwrap();
        assert_eq!(id.path_segment(), "Az09-._~");
        let id = VisitId::parse("a:b;c=d&e+f@g,h'i\"j<k>l[m]n{o}p|q^r`s$t!u*v(w)x").unwrap();
        assert_eq!(
            id.path_segment(),
            "a%3Ab%3Bc%3Dd%26e%2Bf%40g%2Ch%27i%22j%3Ck%3El%5Bm%5Dn%7Bo%7Dp%7Cq%5Er%60s%24t%21u%2Av%28w%29x"
        );
        let id = VisitId::parse("визит-1").unwrap();
        assert_eq!(id.path_segment(), "%D0%B2%D0%B8%D0%B7%D0%B8%D1%82-1");
    }

    #[test]
    fn a_bare_visit_guid_is_glued_after_the_clinic_guid() {
        let id = VisitId::from_input(VISIT, Some(CLINIC), "").unwrap();
        assert_eq!(id.as_str(), format!("{CLINIC}{VISIT}"));
        let id = VisitId::from_input(VISIT, Some(CLINIC), "_").unwrap();
        assert_eq!(id.as_str(), format!("{CLINIC}_{VISIT}"));
    }

    #[test]
    fn a_full_id_is_taken_as_given_even_with_a_clinic_configured() {
        let full = format!("{CLINIC}{VISIT}");
        let id = VisitId::from_input(&full, Some(CLINIC), "").unwrap();
        assert_eq!(id.as_str(), full);
        // Without a clinic, a bare GUID is itself the full identifier.
        let id = VisitId::from_input(VISIT, None, "").unwrap();
        assert_eq!(id.as_str(), VISIT);
    }

    #[test]
    fn braces_around_a_bare_guid_are_stripped_before_gluing() {
        let braced = format!("  {{{VISIT}}}\r\n");
        let id = VisitId::from_input(&braced, Some(CLINIC), "").unwrap();
        assert_eq!(id.as_str(), format!("{CLINIC}{VISIT}"));
        assert_eq!(id.path_segment(), format!("{CLINIC}{VISIT}"));
        let id = VisitId::from_input(&format!("{{ {VISIT} }}"), Some(CLINIC), "_").unwrap();
        assert_eq!(id.as_str(), format!("{CLINIC}_{VISIT}"));
        // A braced clinic GUID in the settings too.
        let clinic = format!("{{{CLINIC}}}");
        let id = VisitId::from_input(VISIT, Some(&clinic), "").unwrap();
        assert_eq!(id.as_str(), format!("{CLINIC}{VISIT}"));
        // Without a clinic, the bare GUID alone, unbraced.
        let id = VisitId::from_input(&braced, None, "").unwrap();
        assert_eq!(id.as_str(), VISIT);
        // Braces that are not around a bare GUID are the id's own: kept and encoded.
        let id = VisitId::from_input("{not-a-guid}", Some(CLINIC), "").unwrap();
        assert_eq!(id.path_segment(), "%7Bnot-a-guid%7D");
    }

    #[test]
    fn guid_recognition() {
        assert!(is_guid(VISIT));
        assert!(is_guid(&format!("{{{VISIT}}}")));
        assert!(!is_guid("7d1e2f3a-4b5c-4d6e-9f80-11223344556"));
        assert!(!is_guid("zd1e2f3a-4b5c-4d6e-9f80-112233445566"));
    }
}
