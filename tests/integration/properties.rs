//! Property tests (proptest): inputs nobody would write by hand, checked against the
//! rules that must hold for every input.
//!
//! - the visit id: refused, or exactly one path segment that decodes back to the id;
//! - response classification: never panics, whatever the status, body and `Location`,
//!   and the detail it writes stays short;
//! - the settings parser: never panics; a bad file is an error that names the file, a
//!   good one has its values within their documented ranges;
//! - saving settings into a hand-written file: whatever the values, the file reads back
//!   as exactly the settings saved, every comment stays in its order, and saving the
//!   same settings again changes nothing.
//!
//! Case counts are modest so the suite stays fast; `PROPTEST_CASES=10000` digs deeper.

use std::fmt::Write as _;
use std::path::Path;

use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use visit_rating::api::{
    ClientSettings, ENDPOINT_PATH, ErrorModel, OutcomeKind, RatingClient, VisitId, classify,
};
use visit_rating::config::{Config, Language};

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

/// Settings an administrator or the window might save: the hand-written file's, with
/// any of them changed to any value the parser accepts.
fn changed_settings() -> impl Strategy<Value = Config> {
    let base = Config::parse(
        crate::support::HAND_WRITTEN_CONFIG,
        Path::new("config.toml"),
    )
    .expect("the hand-written file is valid");
    (
        (
            prop::option::of(tricky_string(40)),
            prop::option::of(Just("0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6".to_owned())),
            tricky_string(4)
                .prop_filter("one segment", |s| VisitId::parse(&format!("a{s}b")).is_ok()),
            1..=600_u64,
            1..=3600_u64,
            any::<bool>(),
        ),
        (
            any::<bool>(),
            prop::sample::select(vec![0.5_f32, 1.0, 1.25, 2.0]),
            prop::option::of(tricky_string(60)),
            0..=365_u64,
            prop::option::of(tricky_string(30)),
        ),
        (
            21..=900_u64,
            1..=20_u64,
            1..=600_u64,
            any::<bool>(),
            0..4_usize,
        ),
        prop::sample::select(vec![Language::Ru, Language::En]),
    )
        .prop_map(move |(a, b, k, language)| {
            let mut config = base.clone();
            (
                config.server_url,
                config.clinic_guid,
                config.visit_id_separator,
                config.connect_timeout_secs,
                config.request_timeout_secs,
                config.kiosk,
            ) = a;
            let metrics_file;
            (
                config.high_contrast,
                config.text_scale,
                config.admin_pin_hash,
                config.token_warning_days,
                metrics_file,
            ) = b;
            config.metrics_file = metrics_file.map(Into::into);
            config.language = language;
            let o = &mut config.kiosk_options;
            (
                o.idle_secs,
                o.idle_warning_secs,
                o.thank_you_secs,
                o.on_screen_keyboard,
                o.monitor,
            ) = k;
            config
        })
}

/// The comments of `text`: each line's part from its `#` (the hand-written file has no
/// `#` inside a string).
fn comments(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|line| line.find('#').map(|at| &line[at..]))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn saving_any_settings_into_a_hand_written_file_keeps_its_comments(
        config in changed_settings(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, crate::support::HAND_WRITTEN_CONFIG).unwrap();
        config.save(&path).unwrap();
        let saved = std::fs::read_to_string(&path).unwrap();
        prop_assert_eq!(&Config::read(&path).unwrap(), &config, "{}", saved);
        let mut rest = saved.as_str();
        for comment in comments(crate::support::HAND_WRITTEN_CONFIG) {
            let at = rest.find(comment);
            prop_assert!(at.is_some(), "{:?} lost or out of order in:\n{}", comment, saved);
            rest = &rest[at.unwrap_or(0) + comment.len()..];
        }
        config.save(&path).unwrap();
        prop_assert_eq!(std::fs::read_to_string(&path).unwrap(), saved);
    }
}
