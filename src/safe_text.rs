//! Text from outside (a server's `message`, `message_code` and pages, a file's cells, a
//! visit id, a settings value) made safe for where it goes. The one place that decides
//! what "safe" means for each destination:
//!
//! | destination | function | what it does |
//! |---|---|---|
//! | one value inside a sentence (terminal, window, log field) | [`inline`] | every control character (C0, DEL, C1, line breaks and tabs included) and every bidirectional formatting character is shown escaped, `\u{1b}` |
//! | a whole text written to a terminal (our own lines) | [`lines`] | the same, except that line breaks and tabs stay |
//! | multi-line text shown in the window (remarks in a preview) | [`lines`] too | egui draws no escapes, but bidi overrides and stray controls must not reorder or hide what a person checks |
//! | a line of JSON printed by `--json` | [`json`] | DEL, C1 and bidi characters written as `\uXXXX` (the same JSON value; `serde_json` already escapes C0) |
//! | a cell of a CSV report a person opens in a spreadsheet | [`csv_cell`] | a leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'` in front (OWASP's advice against formula injection) |
//!
//! What is kept is never changed: outbox entries hold the server's words verbatim; only
//! their display goes through here. Nothing here knows words, egui or files.

use std::borrow::Cow;
use std::fmt::Write as _;

/// A bidirectional formatting character: the marks and embeddings, overrides and
/// isolates that can make text read in another order than it is stored (the
/// "Trojan Source" characters), and the Arabic letter mark.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// A character that must not reach a person's screen as it is: a control character
/// (C0, DEL, C1), a line or paragraph separator, or a bidirectional formatting character.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_bidi_control(c)
}

/// `text` with every character that `keep` does not keep and [`is_unsafe`] flags shown
/// as a Rust escape (`\u{1b}`); borrowed when nothing needed escaping.
fn escaped(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let must_escape = |c: char| is_unsafe(c) && !keep(c);
    if !text.chars().any(must_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if must_escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One value shown inside a sentence or a log line: every control character (line
/// breaks and tabs included, so a value cannot start a line of its own) and every
/// bidirectional formatting character shown escaped.
pub fn inline(text: &str) -> Cow<'_, str> {
    escaped(text, |_| false)
}

/// Text for a terminal or a multi-line label: like [`inline`], but line breaks (`\n`) and
/// tabs stay. A carriage return is escaped: it would let a value overwrite its line.
pub fn lines(text: &str) -> Cow<'_, str> {
    escaped(text, |c| matches!(c, '\n' | '\t'))
}

/// A line of JSON (as `serde_json` writes it) with DEL, C1, separator and bidi
/// characters written as `\uXXXX` escapes. Inside a JSON string this is the same value;
/// outside strings JSON has only ASCII, so the document stays valid. C0 characters are
/// already escaped by `serde_json`.
pub fn json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A cell of a CSV file that a person will open in a spreadsheet: a value starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so the spreadsheet
/// shows it as text instead of running it as a formula (OWASP, "CSV Injection").
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_values_show_escapes_and_bidi_controls_as_escapes() {
        let hostile = "\u{1b}]0;owned\u{7}\u{1b}[2JСовет:\nrm -rf\r\u{202e}txt.exe\u{9b}";
        let shown = inline(hostile);
        assert_eq!(
            shown,
            "\\u{1b}]0;owned\\u{7}\\u{1b}[2JСовет:\\u{a}rm -rf\\u{d}\\u{202e}txt.exe\\u{9b}"
        );
        assert!(!shown.chars().any(is_unsafe));
        // Ordinary text, Cyrillic and emoji included, is left alone (and not copied).
        let plain = "Отзыв уже существует 😊 «5030»";
        assert!(matches!(inline(plain), Cow::Borrowed(_)));
        assert_eq!(inline(plain), plain);
    }

    #[test]
    fn lines_keep_its_lines_and_tabs_only() {
        assert_eq!(lines("a\tb\nc"), "a\tb\nc");
        assert_eq!(
            lines("a\r\n\u{1b}[31mb\u{2028}"),
            "a\\u{d}\n\\u{1b}[31mb\\u{2028}"
        );
    }

    #[test]
    fn json_lines_stay_the_same_value_without_raw_controls() {
        let value = serde_json::json!({"message": "\u{1b}[2J\u{9b}1m\u{202e}abc\u{7f}😊"});
        let line = value.to_string();
        let safe = json(&line);
        assert!(!safe.chars().any(is_unsafe), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_get_a_quote() {
        for formula in [
            "=1+2",
            "+1+2",
            "-1+2",
            "@SUM(1+1)",
            "=HYPERLINK(\"x\")",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(csv_cell(formula), format!("'{formula}"));
        }
        for plain in ["", "1", "1-2", "a=b", "'=1", "Отзыв"] {
            assert_eq!(csv_cell(plain), plain);
        }
    }
}
