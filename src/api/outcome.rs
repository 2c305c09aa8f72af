//! What became of one submission, and how a server's answer is read.
//!
//! Every caller — the GUI, `submit`, the outbox — sees the same [`Outcome`]. The rules
//! (`docs/api.md`, "Response", and the book's Command line chapter, "What each answer means"):
//!
//! | answer | outcome |
//! |---|---|
//! | a 2xx whose body is the error model reporting an error (`code` >= 400, or a `message_code` that is not 2xxx) | classified by its `code` and `message_code` as if it had come with that status (a `code` outside 400..=599 counts as 400) |
//! | any other 2xx, whatever the body (empty, not JSON, `{"code":200,"message_code":"2000"}`) | [`OutcomeKind::Accepted`] |
//! | error model with `message_code` 5030 | [`OutcomeKind::AlreadyRecorded`] |
//! | error model with 5007 / 5008 / 5009 / 5010 | [`OutcomeKind::Unauthorized`] |
//! | 401 or 403 that is not the error model (a gateway's page) | [`OutcomeKind::Refused`] |
//! | 408, 425, 429, any 5xx, any 3xx | [`OutcomeKind::Transient`] (the server's words kept if any) |
//! | any other 4xx (error model or not, oversized included) | [`OutcomeKind::Rejected`] |
//! | no answer: refused, reset, DNS, timeout, TLS; an unreadable body | [`OutcomeKind::Transient`] |
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
    /// A 401/403 that is not the error model: the server or a gateway (proxy, firewall)
    /// in front of it refused the request. Keep the rating; whoever administers the
    /// terminal must look (the status and the page's title are in the detail).
    Refused,
    /// No usable answer (network, timeout, 5xx, unreadable body). Keep it, send later.
    Transient,
}

impl OutcomeKind {
    /// The name used in `--json` output and logs.
    pub fn name(self) -> &'static str {
        self.class().name()
    }

    /// Its class without the token problem's detail.
    pub fn class(self) -> OutcomeClass {
        match self {
            OutcomeKind::Accepted => OutcomeClass::Accepted,
            OutcomeKind::AlreadyRecorded => OutcomeClass::AlreadyRecorded,
            OutcomeKind::Unauthorized(_) => OutcomeClass::Unauthorized,
            OutcomeKind::Rejected => OutcomeClass::Rejected,
            OutcomeKind::Refused => OutcomeClass::Refused,
            OutcomeKind::Transient => OutcomeClass::Transient,
        }
    }

    /// The server has the rating: nothing more to send.
    pub fn is_final_success(self) -> bool {
        matches!(self, OutcomeKind::Accepted | OutcomeKind::AlreadyRecorded)
    }
}

/// [`OutcomeKind`] without the token problem's detail: what is counted (the delivery
/// counters), named (`--json`, the metrics' `outcome` label, the sent log) and listed
/// (an import's rows).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutcomeClass {
    /// The server stored the rating.
    Accepted,
    /// 5030: the server had a rating for this visit already.
    AlreadyRecorded,
    /// Refused for good (any other 4xx); kept for a person.
    Rejected,
    /// A token problem.
    Unauthorized,
    /// A 401/403 from the server or a gateway in front of it, not the error model.
    Refused,
    /// No usable answer.
    Transient,
}

impl OutcomeClass {
    /// Every class, in the order `status`, the metrics and an import's tally list them.
    pub const ALL: [OutcomeClass; 6] = [
        OutcomeClass::Accepted,
        OutcomeClass::AlreadyRecorded,
        OutcomeClass::Rejected,
        OutcomeClass::Unauthorized,
        OutcomeClass::Refused,
        OutcomeClass::Transient,
    ];

    /// Its stable name (`accepted`, `already_recorded`, …).
    pub fn name(self) -> &'static str {
        match self {
            OutcomeClass::Accepted => "accepted",
            OutcomeClass::AlreadyRecorded => "already_recorded",
            OutcomeClass::Rejected => "rejected",
            OutcomeClass::Unauthorized => "unauthorized",
            OutcomeClass::Refused => "refused",
            OutcomeClass::Transient => "transient",
        }
    }

    /// The class named `name`; `None` for a name this version does not know.
    pub fn from_name(name: &str) -> Option<OutcomeClass> {
        OutcomeClass::ALL.into_iter().find(|c| c.name() == name)
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
    /// `message_code`, or an integer `code`. Anything else (HTML, empty, other JSON) is
    /// `None`.
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
        (model.message.is_some() || model.message_code.is_some() || model.code.is_some())
            .then_some(model)
    }

    /// The status this model reports an error with, if it reports one: its `code` when
    /// that is 400 or more, or, for a `message_code` that is present and not a success
    /// code (2xxx), its `code` if that is an error status and else 400. A `code` outside
    /// 400..=599 counts as 400.
    pub fn error_status(&self) -> Option<u16> {
        let coded = self.code.filter(|&c| c >= 400);
        let message_error = self
            .message_code
            .as_deref()
            .is_some_and(|m| !is_success_code(m));
        if coded.is_none() && !message_error {
            return None;
        }
        Some(
            coded
                .and_then(|c| u16::try_from(c).ok())
                .filter(|c| (400..600).contains(c))
                .unwrap_or(400),
        )
    }
}

/// A success `message_code`: four digits starting with 2 ("2000").
fn is_success_code(message_code: &str) -> bool {
    let code = message_code.trim();
    code.len() == 4 && code.starts_with('2') && code.bytes().all(|b| b.is_ascii_digit())
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
    // Portals of this kind answer errors with HTTP 200: a 2xx carrying the error model
    // that reports an error is that error, read as if it had come with its status.
    let reported = if (200..300).contains(&status) {
        model.as_ref().and_then(ErrorModel::error_status)
    } else {
        None
    };
    let effective = reported.unwrap_or(status);

    outcome.kind = if (200..300).contains(&effective) {
        OutcomeKind::Accepted
    } else if message_code == "5030" {
        OutcomeKind::AlreadyRecorded
    } else if let Some(problem) = TokenProblem::from_message_code(message_code) {
        OutcomeKind::Unauthorized(problem)
    } else if matches!(effective, 401 | 403) && model.is_none() {
        OutcomeKind::Refused
    } else if (400..500).contains(&effective) && !matches!(effective, 408 | 425 | 429) {
        OutcomeKind::Rejected
    } else {
        OutcomeKind::Transient
    };

    if let Some(reported) = reported {
        outcome.detail = Some(format!(
            "HTTP {status}, but the body is the error model reporting an error; read as HTTP {reported}"
        ));
    } else if outcome.kind == OutcomeKind::Refused {
        outcome.detail = Some(describe_refusal(status, body, truncated));
    } else {
        let unexplained_failure = outcome.kind != OutcomeKind::Accepted && model.is_none();
        if unexplained_failure || (300..400).contains(&status) {
            outcome.detail = Some(describe_body(status, body, truncated, location));
        }
    }
    outcome
}

/// A gateway's refusal: its status and the page's `<title>` (or the start of the body).
fn describe_refusal(status: u16, body: &[u8], truncated: bool) -> String {
    let what =
        format!("the server or a gateway in front of it refused the request (HTTP {status})");
    if truncated {
        return format!("{what}; its page is larger than {} bytes", body.len());
    }
    let text = String::from_utf8_lossy(body);
    match page_title(&text) {
        Some(title) => format!("{what}; the page's title: {}", quote(title)),
        None if text.trim().is_empty() => format!("{what}; the answer has an empty body"),
        None => format!("{what}; the answer: {}", quote(text.trim())),
    }
}

/// The text of an HTML page's `<title>`, trimmed, if it has a non-empty one.
fn page_title(html: &str) -> Option<&str> {
    let lower = html.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    // ASCII lowercasing keeps byte offsets, so they index the original text.
    let title = html.get(start..end)?.trim();
    (!title.is_empty()).then_some(title)
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
    fn a_2xx_is_accepted_unless_it_carries_an_error() {
        for body in [
            &b""[..],
            b"{}",
            b"<html>ok</html>",
            b"\xff\xfe",
            b"[1,2]",
            br#"{"code":200,"message_code":"2000"}"#,
            r#"{"code":200,"message":"Успешно","message_code":"2000"}"#.as_bytes(),
            br#"{"code":"200","message_code":2000}"#,
            br#"{"code":201}"#,
        ] {
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
        assert_eq!(o.kind, OutcomeKind::Refused);
        assert!(o.detail.unwrap().contains("larger than"));
        let mut body = model(400, "Отзыв уже существует", "5030");
        body.truncate(10);
        let o = classify(400, &body, true, None);
        assert_eq!(o.kind, OutcomeKind::Rejected);
        assert_eq!(o.message_code, None);
    }

    #[test]
    fn a_200_carrying_the_error_model_is_that_error() {
        let o = classify(200, &model(403, "Токен некорректен", "5008"), false, None);
        assert_eq!(o.kind, OutcomeKind::Unauthorized(TokenProblem::Invalid));
        assert_eq!(o.http_status, Some(200));
        assert_eq!(o.message.as_deref(), Some("Токен некорректен"));
        assert_eq!(o.message_code.as_deref(), Some("5008"));
        assert!(o.detail.unwrap().contains("read as HTTP 403"));

        let o = classify(
            200,
            &model(400, "Отзыв уже существует", "5030"),
            false,
            None,
        );
        assert_eq!(o.kind, OutcomeKind::AlreadyRecorded);
        let o = classify(
            200,
            &model(404, "Некорректный запрос.", "4001"),
            false,
            None,
        );
        assert_eq!(o.kind, OutcomeKind::Rejected);
        let o = classify(200, &model(503, "Сервис недоступен", "5000"), false, None);
        assert_eq!(o.kind, OutcomeKind::Transient);
        // An error message_code with a success code, or none: a 4xx, kept for a person.
        let o = classify(200, &model(200, "Ошибка", "4001"), false, None);
        assert_eq!(o.kind, OutcomeKind::Rejected);
        let o = classify(204, br#"{"message_code":"4001"}"#, false, None);
        assert_eq!(o.kind, OutcomeKind::Rejected);
        // A bare error code is enough.
        let o = classify(200, br#"{"code":403}"#, false, None);
        assert_eq!(o.kind, OutcomeKind::Rejected);
        // A code outside the HTTP error range with an error message_code counts as 400.
        let o = classify(200, &model(9000, "?", "9999"), false, None);
        assert_eq!(o.kind, OutcomeKind::Rejected);
    }

    #[test]
    fn a_gateways_401_or_403_page_is_refused_with_its_title() {
        let page = b"<html><head><TITLE> 403 Forbidden </TITLE></head><body>nginx</body></html>";
        for status in [401, 403] {
            let o = classify(status, page, false, None);
            assert_eq!(o.kind, OutcomeKind::Refused, "{status}");
            assert_eq!(o.message, None);
            let detail = o.detail.unwrap();
            assert!(detail.contains(&format!("HTTP {status}")), "{detail}");
            assert!(detail.contains("title: 403 Forbidden"), "{detail}");
        }
        let o = classify(403, b"", false, None);
        assert_eq!(o.kind, OutcomeKind::Refused);
        assert!(o.detail.unwrap().contains("empty body"));
        let o = classify(401, b"Access denied by policy", false, None);
        assert!(o.detail.unwrap().contains("Access denied by policy"));
        // The error model with a 403 is the portal's own answer, not a gateway's.
        let o = classify(403, &model(403, "Доступ запрещён", "4030"), false, None);
        assert_eq!(o.kind, OutcomeKind::Rejected);
        // Other 4xx pages stay rejections.
        assert_eq!(classify(400, page, false, None).kind, OutcomeKind::Rejected);
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
        assert_eq!(
            ErrorModel::parse(br#"{"code":403}"#).unwrap().code,
            Some(403)
        );
        assert_eq!(ErrorModel::parse(br#"{"status":403}"#), None);
        assert_eq!(ErrorModel::parse(b"[]"), None);
        assert_eq!(ErrorModel::parse(b"null"), None);
    }
}
