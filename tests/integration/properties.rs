//! Property tests (proptest): inputs nobody would write by hand, checked against the
//! rules that must hold for every input.
//!
//! - the visit id: refused, or exactly one path segment that decodes back to the id;
//! - response classification: never panics, whatever the status, body and `Location`,
//!   and the detail it writes stays short;
//! - the settings parser: never panics; a bad file is an error that names the file, a
//!   good one has its values within their documented ranges.
//!
//! Case counts are modest so the suite stays fast; `PROPTEST_CASES=10000` digs deeper.

use std::fmt::Write as _;
use std::path::Path;

use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use visit_rating::api::{
    ClientSettings, ENDPOINT_PATH, ErrorModel, OutcomeKind, RatingClient, VisitId, classify,
};
use visit_rating::config::Config;

/// Characters that matter to paths, encodings and parsers, mixed with any character.
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        3 => prop::sample::select(vec![
            '/', '\\', '?', '#', '%', '.', ' ', '\t', '\n', '\r', '\u{0}', '\u{7f}', '+', '&',
            ';', '=', ':', '@', '[', ']', '~', '\u{a0}', '\u{2028}', '\u{feff}', '\u{202e}',
            'я', '👍', 'a', 'Z', '0', '-', '_',
        ]),
    ]
}

fn tricky_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(tricky_char(), 0..max).prop_map(|chars| chars.into_iter().collect())
}

/// Bodies a server might send: raw bytes, near-miss error models, deep nesting.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        (any::<i64>(), tricky_string(300), tricky_string(8)).prop_map(|(code, message, mc)| {
            serde_json::json!({"code": code, "message": message, "message_code": mc})
                .to_string()
                .into_bytes()
        }),
        (tricky_string(40), prop::collection::vec(any::<u8>(), 0..64)).prop_map(
            |(message, junk)| {
                let mut body =
                    format!(r#"{{"message": {message:?}, "message_code": "#).into_bytes();
                body.extend(junk);
                body
            }
        ),
        (1usize..5000).prop_map(|depth| "[".repeat(depth).into_bytes()),
        (1usize..3000).prop_map(|depth| format!("<html>{}", "<div>".repeat(depth)).into_bytes()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_visit_id_is_refused_or_stays_one_segment(input in tricky_string(60)) {
        let Ok(id) = VisitId::parse(&input) else { return Ok(()) };
        let segment = id.path_segment();
        prop_assert!(!segment.contains(['/', '?', '#', '\\']), "{segment}");
        prop_assert!(segment != "." && segment != "..");
        let decoded = percent_decode_str(&segment).decode_utf8().unwrap();
        prop_assert_eq!(decoded.as_ref(), id.as_str());

        // What goes on the wire, as a URL parser (the server's) reads it.
        let client = RatingClient::new(&ClientSettings::new("https://rpgu.example/portal/")).unwrap();
        let url = url::Url::parse(&client.endpoint(&id)).unwrap();
        let segments: Vec<&str> = url.path_segments().unwrap().collect();
        let expected = 1 + ENDPOINT_PATH.split('/').count() + 1;
        prop_assert_eq!(segments.len(), expected, "{}", url);
        prop_assert_eq!(segments[0], "portal");
        let last = percent_decode_str(segments[expected - 1]).decode_utf8().unwrap();
        prop_assert_eq!(last.as_ref(), id.as_str());
        prop_assert!(url.query().is_none() && url.fragment().is_none());
    }

    #[test]
    fn classification_never_panics_and_its_detail_stays_short(
        status in prop_oneof![100u16..600, any::<u16>()],
        body in body(),
        truncated in any::<bool>(),
        location in prop::option::of(tricky_string(3000)),
    ) {
        let outcome = classify(status, &body, truncated, location.as_deref());
        prop_assert_eq!(outcome.http_status, Some(status));
        if let Some(detail) = &outcome.detail {
            prop_assert!(detail.len() <= 600, "{} bytes: {detail}", detail.len());
        }
        // Nothing the server sends is more than the body it sent.
        let own = outcome.message.as_ref().map_or(0, String::len)
            + outcome.message_code.as_ref().map_or(0, String::len);
        prop_assert!(own <= body.len() * 3 + 16);
        // A 2xx is accepted unless its body is the error model reporting an error; then
        // it is never accepted.
        if (200..300).contains(&status) {
            let reports_error = !truncated
                && ErrorModel::parse(&body).and_then(|m| m.error_status()).is_some();
            prop_assert_eq!(outcome.kind == OutcomeKind::Accepted, !reports_error);
        }
        if truncated {
            prop_assert!(outcome.message_code.is_none() && outcome.message.is_none());
        }
        if (300..400).contains(&status) {
            prop_assert_eq!(outcome.kind, OutcomeKind::Transient);
        }
    }

    #[test]
    fn the_settings_parser_never_panics_on_any_text(text in tricky_string(400)) {
        check_settings(&text)?;
    }

    #[test]
    fn the_settings_parser_never_panics_on_near_miss_files(
        lines in prop::collection::vec(
            (
                prop::sample::select(vec![
                    "server_url", "clinic_guid", "visit_id_separator", "connect_timeout_secs",
                    "request_timeout_secs", "ca_file", "language", "allow_insecure_http",
                    "server_ulr", "[section]", "",
                ]),
                prop_oneof![
                    any::<i64>().prop_map(|n| n.to_string()),
                    tricky_string(30).prop_map(|s| format!("{s:?}")),
                    Just("true".to_owned()),
                    Just("\"ru\"".to_owned()),
                    Just("\"en\"".to_owned()),
                    Just("[1, 2]".to_owned()),
                    Just("{ a = 1 }".to_owned()),
                    Just("1e400".to_owned()),
                    Just("'''".to_owned()),
                ],
            ),
            0..10,
        ),
    ) {
        let text = lines.iter().fold(String::new(), |mut text, (k, v)| {
            let _ = writeln!(text, "{k} = {v}");
            text
        });
        check_settings(&text)?;
    }
}

fn check_settings(text: &str) -> Result<(), TestCaseError> {
    let path = Path::new("/etc/visit-rating/config.toml");
    match Config::parse(text, path) {
        Ok(config) => {
            prop_assert!((1..=600).contains(&config.connect_timeout_secs));
            prop_assert!((1..=3600).contains(&config.request_timeout_secs));
        }
        Err(e) => {
            let message = e.to_string();
            prop_assert!(
                message.contains("/etc/visit-rating/config.toml"),
                "{message}"
            );
        }
    }
    Ok(())
}
