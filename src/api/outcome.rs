//! What became of one submission, and how a server's answer is read.
//!
//! Every caller — the GUI, `submit`, the outbox — sees the same [`Outcome`]. The rules
//! (CONTRACT.md, "Response"):
//!
//! | answer | outcome |
//! |---|---|
//! | any 2xx, whatever the body | [`OutcomeKind::Accepted`] |
//! | error model with `message_code` 5030 | [`OutcomeKind::AlreadyRecorded`] |
//! | error model with 5007 / 5008 / 5009 / 5010 | [`OutcomeKind::Unauthorized`] |
//! | 408, 425, 429, any 5xx, any 3xx | [`OutcomeKind::Transient`] (the server's words kept if any) |
//! | any other 4xx (error model or not) | [`OutcomeKind::Rejected`] |
//! | no answer: refused, reset, DNS, timeout, TLS; an unreadable or oversized body | [`OutcomeKind::Transient`] |
//!
//! Redirects are never followed (the token must stay with the configured server), so a
//! 3xx ends here as transient with its `Location` in the detail.

use serde::{Deserialize, Serialize};

/// Which token problem the server reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenProblem {
    /// 5010: the request had no usable `Authorization: Bearer` header.
    MissingBearer,
    /// 5008: the token is not valid.
    Invalid,
    /// 5007: the token has expired.
    Expired,
    /// 5009: the request signature is not valid.
    BadSignature,
}

impl TokenProblem {
    /// The problem a `message_code` names, if it names one.
    pub fn from_message_code(code: &str) -> Option<TokenProblem> {
        match code {
            "5010" => Some(TokenProblem::MissingBearer),
            "5008" => Some(TokenProblem::Invalid),
            "5007" => Some(TokenProblem::Expired),
            "5009" => Some(TokenProblem::BadSignature),
            _ => None,
        }
    }
}

/// The class of an outcome: what the caller must do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// The server stored the rating.
    Accepted,
    /// 5030: the server already has a rating for this visit (perhaps from an earlier
    /// attempt that did get through). Final; nothing is lost.
    AlreadyRecorded,
    /// A token problem: fixed by a new token, not by the patient. Keep the rating.
    Unauthorized(TokenProblem),
    /// The server refused this rating for good (any other 4xx). Keep it for a person.
    Rejected,
    /// No usable answer (network, timeout, 5xx, unreadable body). Keep it, send later.
    Transient,
}

impl OutcomeKind {
    /// The name used in `--json` output and logs.
    pub fn name(self) -> &'static str {
        match self {
            OutcomeKind::Accepted => "accepted",
            OutcomeKind::AlreadyRecorded => "already_recorded",
            OutcomeKind::Unauthorized(_) => "unauthorized",
            OutcomeKind::Rejected => "rejected",
            OutcomeKind::Transient => "transient",
        }
    }

    /// The server has the rating: nothing more to send.
    pub fn is_final_success(self) -> bool {
        matches!(self, OutcomeKind::Accepted | OutcomeKind::AlreadyRecorded)
    }
}

/// One submission's result: its class, and the server's answer kept verbatim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// What the caller must do next.
    pub kind: OutcomeKind,
    /// The HTTP status, when an answer arrived.
    pub http_status: Option<u16>,
    /// The error model's `code`, verbatim.
    pub code: Option<i64>,
    /// The error model's `message`, verbatim (Russian, meant for people).
    pub message: Option<String>,
    /// The error model's `message_code`, verbatim.
    pub message_code: Option<String>,
    /// Our own technical explanation (English), when there is something to add:
    /// a transport error, a body that was not the error model, a redirect target.
    pub detail: Option<String>,
}

/// How many characters of the server's text (and of our detail) are kept in a log line
/// or an outbox file; a hostile or broken server cannot fill the disk through them.
pub const STORED_TEXT_CHARS: usize = 500;

/// `text` cut to [`STORED_TEXT_CHARS`] characters, with `…` when cut.
pub fn bounded_text(text: &str) -> String {
    match text.char_indices().nth(STORED_TEXT_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

impl Outcome {
    /// This outcome with its server text (`message`, `message_code`) and `detail` cut
    /// to [`STORED_TEXT_CHARS`]: what goes into logs and outbox files. (The window shows
    /// the answer as it came.)
    #[must_use]
    pub fn bounded(&self) -> Outcome {
        let cut = |text: &Option<String>| text.as_deref().map(bounded_text);
        Outcome {
            message: cut(&self.message),
            message_code: cut(&self.message_code),
            detail: cut(&self.detail),
            ..self.clone()
        }
    }

    /// An outcome with no answer from the server (network failure and the like).
    pub fn transport_failure(detail: String) -> Outcome {
        Outcome {
            kind: OutcomeKind::Transient,
            http_status: None,
            code: None,
            message: None,
            message_code: None,
            detail: Some(detail),
        }
    }
}

/// The server's error (and validation) model. Read leniently: `code` may come as a
/// string and `message_code` as a number; unknown fields are ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorModel {
    /// `code`: the HTTP status as the server sees it.
    pub code: Option<i64>,
    /// `message`: for people.
    pub message: Option<String>,
    /// `message_code`: the server's internal code, e.g. "5030".
    pub message_code: Option<String>,
}

impl ErrorModel {
    /// The model in `body`, if the body is a JSON object with at least a `message` or a
    /// `message_code`. Anything else (HTML, empty, other JSON) is `None`.
    pub fn parse(body: &[u8]) -> Option<ErrorModel> {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let object = value.as_object()?;
        let text = |key: &str| match object.get(key)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let model = ErrorModel {
            code: match object.get("code") {
                Some(serde_json::Value::Number(n)) => n.as_i64(),
                Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
                _ => None,
            },
            message: text("message"),
            message_code: text("message_code"),
        };
        (model.message.is_some() || model.message_code.is_some()).then_some(model)
    }
}

/// How many bytes of a body we quote in a detail.
const QUOTE_BYTES: usize = 200;

/// Classify an answer that arrived. `body` is at most the client's cap; `truncated` says
/// the real body was longer. `location` is the `Location` header of a redirect.
pub fn classify(status: u16, body: &[u8], truncated: bool, location: Option<&str>) -> Outcome {
    let model = if truncated {
        None
    } else {
        ErrorModel::parse(body)
    };
    let mut outcome = Outcome {
        kind: OutcomeKind::Transient,
        http_status: Some(status),
        code: model.as_ref().and_then(|m| m.code),
        message: model.as_ref().and_then(|m| m.message.clone()),
        message_code: model.as_ref().and_then(|m| m.message_code.clone()),
        detail: None,
    };
    let message_code = outcome.message_code.as_deref().unwrap_or_default();

    outcome.kind = if (200..300).contains(&status) {
        OutcomeKind::Accepted
    } else if message_code == "5030" {
        OutcomeKind::AlreadyRecorded
    } else if let Some(problem) = TokenProblem::from_message_code(message_code) {
        OutcomeKind::Unauthorized(problem)
    } else if (400..500).contains(&status) && !matches!(status, 408 | 425 | 429) {
        OutcomeKind::Rejected
    } else {
        OutcomeKind::Transient
    };

    let unexplained_failure = outcome.kind != OutcomeKind::Accepted && model.is_none();
    if unexplained_failure || (300..400).contains(&status) {
        outcome.detail = Some(describe_body(status, body, truncated, location));
    }
    outcome
}

fn describe_body(status: u16, body: &[u8], truncated: bool, location: Option<&str>) -> String {
    if (300..400).contains(&status) {
        // The Location is the server's text: quoted briefly like a body, so a huge or
        // hostile header cannot flood the detail shown to people.
        return format!(
            "the server answered with a redirect to {}; redirects are not followed so that the token stays with the configured server",
            location.map_or_else(|| "(no Location header)".to_owned(), quote)
        );
    }
    if truncated {
        return format!(
            "the answer is larger than {} bytes and was not read",
            body.len()
        );
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return "the answer has an empty body".to_owned();
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return format!("the answer is not valid UTF-8 ({} bytes)", body.len());
    };
    let kind = if text.trim_start().starts_with('<') {
        "an HTML page"
    } else if serde_json::from_str::<serde_json::Value>(text).is_ok() {
        "JSON that is not the error model"
    } else {
        "text that is not the error model"
    };
    format!("the answer is {kind}: {}", quote(text))
}

/// At most [`QUOTE_BYTES`] of `text`, without control characters, cut on a character
/// boundary and marked with `…` when cut.
fn quote(text: &str) -> String {
    let mut quote: String = text.chars().filter(|c| !c.is_control()).collect();
    if quote.len() > QUOTE_BYTES {
        let mut end = QUOTE_BYTES;
        while !quote.is_char_boundary(end) {
            end -= 1;
        }
        quote.truncate(end);
        quote.push('…');
    }
    quote
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_is_bounded_for_logs_and_files() {
        let long = "Ж".repeat(10_000);
        let body = format!(r#"{{"code":400,"message":"{long}","message_code":"{long}"}}"#);
        let outcome = classify(400, body.as_bytes(), false, None);
        assert_eq!(
            outcome.message.as_deref(),
            Some(long.as_str()),
            "shown as it came"
        );
        let kept = outcome.bounded();
        for text in [kept.message.unwrap(), kept.message_code.unwrap()] {
            assert_eq!(text.chars().count(), STORED_TEXT_CHARS + 1);
            assert!(text.ends_with('…'));
        }
        assert_eq!(bounded_text("Успешно"), "Успешно");
    }

    fn model(code: u16, message: &str, message_code: &str) -> Vec<u8> {
        serde_json::json!({"code": code, "message": message, "message_code": message_code})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn any_2xx_is_accepted_whatever_the_body() {
        for body in [&b""[..], b"{}", b"<html>ok</html>", b"\xff\xfe", b"[1,2]"] {
            for status in [200, 201, 204] {
                assert_eq!(
                    classify(status, body, false, None).kind,
                    OutcomeKind::Accepted
                );
            }
        }
    }

    #[test]
    fn known_codes_map_to_their_outcomes_and_keep_the_words() {
        let o = classify(
            400,
            &model(400, "Отзыв уже существует", "5030"),
            false,
            None,
        );
        assert_eq!(o.kind, OutcomeKind::AlreadyRecorded);
        assert_eq!(o.message.as_deref(), Some("Отзыв уже существует"));
        assert_eq!(o.message_code.as_deref(), Some("5030"));
        assert_eq!(o.code, Some(400));
        assert_eq!(o.http_status, Some(400));
        assert_eq!(o.detail, None);

        for (code, problem) in [
            ("5010", TokenProblem::MissingBearer),
            ("5008", TokenProblem::Invalid),
            ("5007", TokenProblem::Expired),
            ("5009", TokenProblem::BadSignature),
        ] {
            let o = classify(403, &model(403, "x", code), false, None);
            assert_eq!(o.kind, OutcomeKind::Unauthorized(problem), "{code}");
        }
    }

    #[test]
    fn other_4xx_are_rejected_and_5xx_transient() {
        let o = classify(
            404,
            &model(404, "Некорректный запрос.", "4001"),
            false,
            None,
        );
        assert_eq!(o.kind, OutcomeKind::Rejected);
        assert_eq!(o.message.as_deref(), Some("Некорректный запрос."));
        assert_eq!(
            classify(400, b"<html>Bad</html>", false, None).kind,
            OutcomeKind::Rejected
        );
        assert_eq!(
            classify(429, b"slow down", false, None).kind,
            OutcomeKind::Transient
        );
        let o = classify(503, &model(503, "Сервис недоступен", "5000"), false, None);
        assert_eq!(o.kind, OutcomeKind::Transient);
        assert_eq!(o.message.as_deref(), Some("Сервис недоступен"));
    }

    #[test]
    fn bodies_that_are_not_the_model_are_described() {
        let o = classify(502, b"<html><body>Bad Gateway</body></html>", false, None);
        assert_eq!(o.kind, OutcomeKind::Transient);
        assert!(o.detail.unwrap().contains("an HTML page"));

        let o = classify(500, b"", false, None);
        assert!(o.detail.unwrap().contains("empty"));

        let o = classify(500, b"\xff\xfe\xfd", false, None);
        assert!(o.detail.unwrap().contains("not valid UTF-8"));

        let o = classify(500, b"{\"error\": true}", false, None);
        assert!(
            o.detail
                .unwrap()
                .contains("JSON that is not the error model")
        );

        let o = classify(503, b"garbage", false, None);
        assert!(
            o.detail
                .unwrap()
                .contains("text that is not the error model")
        );
    }

    #[test]
    fn a_truncated_body_is_never_parsed() {
        let mut body = model(403, "Токен некорректен", "5008");
        body.truncate(10);
        let o = classify(403, &body, true, None);
        assert_eq!(o.kind, OutcomeKind::Rejected);
        assert!(o.detail.unwrap().contains("larger than"));
    }

    #[test]
    fn a_long_body_is_quoted_briefly_on_a_character_boundary() {
        let body = format!("<p>{}</p>", "ошибка".repeat(1000));
        let o = classify(500, body.as_bytes(), false, None);
        let detail = o.detail.unwrap();
        assert!(detail.len() < QUOTE_BYTES + 100, "{}", detail.len());
        assert!(detail.ends_with('…'));
    }

    #[test]
    fn a_redirect_is_transient_and_names_its_target() {
        let o = classify(302, b"", false, Some("https://elsewhere.example/login"));
        assert_eq!(o.kind, OutcomeKind::Transient);
        assert!(
            o.detail
                .unwrap()
                .contains("https://elsewhere.example/login")
        );
    }

    #[test]
    fn a_huge_location_is_quoted_briefly() {
        let location = format!("https://elsewhere.example/{}\n", "a".repeat(100_000));
        let detail = classify(307, b"", false, Some(&location)).detail.unwrap();
        assert!(detail.len() < QUOTE_BYTES + 200, "{}", detail.len());
        assert!(detail.contains("https://elsewhere.example/aaa"));
        assert!(!detail.contains('\n'));
    }

    #[test]
    fn the_model_is_read_leniently() {
        let m = ErrorModel::parse(br#"{"code":"403","message_code":5008,"extra":[1]}"#).unwrap();
        assert_eq!(m.code, Some(403));
        assert_eq!(m.message_code.as_deref(), Some("5008"));
        assert_eq!(m.message, None);
        assert_eq!(ErrorModel::parse(br#"{"code":403}"#), None);
        assert_eq!(ErrorModel::parse(b"[]"), None);
        assert_eq!(ErrorModel::parse(b"null"), None);
    }
}
