//! Text from a hostile portal or file never reaches a terminal or a spreadsheet as
//! something it would act on: terminal escapes (clear the screen, retitle the window,
//! plant a link), bidi overrides and line breaks in a server's `message` and
//! `message_code` come out escaped from `submit`, `import`, `outbox flush` and
//! `outbox list`; the outbox keeps the words verbatim; `--json` stays valid JSON with the
//! same value; a report's cells never start a formula. The real binary against a raw
//! server on loopback that answers with such words.

use std::path::Path;

use serde_json::{Value, json};

use crate::reliability::{RawServer, answering_server};
use crate::support::cli::{Ran, SCORES};
use crate::support::{UserEnv, unique};

const TOKEN: &str = "hostile-text-token-77c1";

/// A message that would clear the screen, retitle the terminal, colour it through an
/// 8-bit CSI, reverse the text and print fake advice on a line of its own.
const MESSAGE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}txt.exe\nСовет: выполните \u{1b}]8;;http://evil.test/\u{1b}\\ссылку\u{1b}]8;;\u{1b}\\";
const MESSAGE_CODE: &str = "4001\u{1b}[5m";

/// A 400 with the error model carrying [`MESSAGE`], as raw HTTP.
fn hostile_answer() -> Vec<u8> {
    let body = json!({"code": 400, "message": MESSAGE, "message_code": MESSAGE_CODE}).to_string();
    format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A server that answers every rating with [`hostile_answer`]: a rejection, kept for a
/// person.
pub(crate) fn hostile_server() -> RawServer {
    answering_server(hostile_answer())
}

/// No byte a terminal would act on: no C0 control but line breaks and tabs, no DEL,
/// no C1, no bidi override or isolate, no line separator.
fn assert_inert(what: &str, text: &str) {
    let unsafe_chars: Vec<char> = text
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}')
        })
        .collect();
    assert!(
        unsafe_chars.is_empty(),
        "{what} carries {unsafe_chars:?} raw:\n{text}"
    );
    assert!(
        !text.lines().any(|l| l.starts_with("Совет")),
        "{what} lets the server start a line of its own:\n{text}"
    );
}

fn submit(env: &UserEnv, url: &str, extra: &[&str]) -> Ran {
    env.cli()
        .token(TOKEN)
        .submit(url, &unique("hostile"))
        .scores(SCORES)
        .args(extra)
        .run()
}

#[test]
fn submit_shows_a_servers_escapes_escaped_and_json_keeps_them_as_the_same_value() {
    let server = hostile_server();
    let env = UserEnv::new();

    let output = submit(&env, &server.url(), &[]);
    assert_eq!(output.code, Some(3), "rejected");
    assert_inert("submit's stdout", &output.stdout);
    assert_inert("submit's stderr", &output.stderr);
    let said = &output.stderr;
    assert!(
        said.contains("\\u{1b}]0;pwned\\u{7}") && said.contains("\\u{202e}txt.exe\\u{a}Совет"),
        "the server's words are shown, escaped: {said}"
    );

    let output = submit(&env, &server.url(), &["--json"]);
    assert_eq!(output.code, Some(3));
    assert_inert("submit --json", &output.stdout);
    let value = output.json();
    assert_eq!(value["message"], MESSAGE, "the same value, verbatim");
    assert_eq!(value["message_code"], MESSAGE_CODE);
}

/// The files of the outbox that hold a rating.
fn entries(data_dir: &Path) -> Vec<String> {
    std::fs::read_dir(data_dir.join("outbox"))
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            (path.extension().is_some_and(|x| x == "json"))
                .then(|| std::fs::read_to_string(path).unwrap())
        })
        .collect()
}

#[test]
fn the_outbox_keeps_the_words_verbatim_and_flush_and_list_show_them_escaped() {
    // The first answer is a plain 503 (the rating waits), every later one the hostile 400.
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let hostile = hostile_answer();
    let server = RawServer::start(move |mut stream| {
        use std::io::Write as _;
        let first = answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
        let answer = if first {
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_vec()
        } else {
            hostile.clone()
        };
        stream.write_all(&answer).unwrap();
        let _ = stream.shutdown(std::net::Shutdown::Write);
    });
    let env = UserEnv::new();
    let url = server.url();

    let output = submit(&env, &url, &["--queue"]);
    assert_eq!(output.code, Some(5), "queued: {output:?}");
    let output = env.cli().token(TOKEN).flush(&url).run();
    assert_inert("outbox flush's stdout", &output.stdout);
    assert_inert("outbox flush's stderr", &output.stderr);
    let said = output.all();
    assert!(
        said.contains("\\u{1b}[2J"),
        "flush shows what the server said: {said}"
    );

    // Kept for a person, with the server's words verbatim.
    let kept = entries(&env.data_dir());
    assert_eq!(kept.len(), 1);
    let entry: Value = serde_json::from_str(&kept[0]).unwrap();
    assert_eq!(
        entry["last_outcome"]["message"], MESSAGE,
        "stored verbatim: {entry}"
    );

    let output = env.cli().url_env(&url).list().run();
    assert_eq!(output.code, Some(0));
    assert_inert("outbox list", &output.stdout);
    assert_inert("outbox list's stderr", &output.stderr);
    assert!(output.stdout.contains("\\u{9b}31m"), "{output:?}");
    let output = env.cli().list().arg("--json").run();
    assert_inert("outbox list --json", &output.stdout);
    let listed: Value = output.json();
    assert_eq!(listed[0]["last_outcome"]["message"], MESSAGE, "{listed}");
}

#[test]
fn import_shows_the_servers_words_escaped_and_writes_an_inert_report() {
    let server = hostile_server();
    let env = UserEnv::new();
    let dir = tempfile::tempdir().unwrap();
    let ids = [
        "=1+2",
        "+1+2",
        "-1+2",
        "@SUM(1+1)",
        "=HYPERLINK(\"evil.test\")",
    ];
    let csv: String = std::iter::once(
        "visit_id;result_1;result_2;result_3;result_4;notes;dont_visit\n".to_owned(),
    )
    .chain(
        ids.iter()
            .map(|id| format!("\"{}\";5;4;3;2;;\n", id.replace('"', "\"\""))),
    )
    .collect();
    let file = dir.path().join("forms.csv");
    std::fs::write(&file, csv).unwrap();

    let report = dir.path().join("report.csv");
    let output = env
        .cli()
        .token(TOKEN)
        .import(&server.url(), &file)
        .arg("--report")
        .arg(&report)
        .run();
    assert_inert("import's stdout", &output.stdout);
    assert_inert("import's stderr", &output.stderr);
    assert_eq!(
        server.requests().len(),
        ids.len(),
        "every row was sent: {}",
        output.stderr
    );

    let written = std::fs::read(&report).unwrap();
    // Its own line ends are CRLF, as spreadsheets write CSV.
    assert_inert(
        "the report",
        &String::from_utf8_lossy(&written).replace("\r\n", "\n"),
    );
    let text = String::from_utf8_lossy(&written);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), ids.len());
    for (row, id) in rows.iter().zip(ids) {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell a spreadsheet would run: {cell:?} in {row:?}"
            );
        }
        assert_eq!(&row[1], format!("'{id}"), "the visit id, inert but whole");
        assert!(row.iter().any(|c| c.contains("\\u{1b}]0;pwned")), "{row:?}");
    }

    // A dry run's report too (no server words, the ids only).
    let output = env
        .cli()
        .import(&server.url(), &file)
        .args(["--dry-run", "--report"])
        .arg(&report)
        .run();
    assert_eq!(output.code, Some(0), "{output:?}");
    let text = std::fs::read_to_string(&report).unwrap();
    for id in ids {
        assert!(
            text.contains(&format!("'{}", id.replace('"', "\"\""))),
            "{id} inert in {text}"
        );
    }
}

#[test]
fn a_window_shows_the_servers_words_escaped_too() {
    // The window and the CLI share the words (`I18n::outcome_words`); the window gets
    // no raw escape or bidi override either.
    let outcome = visit_rating::api::classify(
        400,
        json!({"code": 400, "message": MESSAGE, "message_code": MESSAGE_CODE})
            .to_string()
            .as_bytes(),
        false,
        None,
    );
    assert_eq!(outcome.message.as_deref(), Some(MESSAGE), "kept verbatim");
    for language in [
        visit_rating::config::Language::Ru,
        visit_rating::config::Language::En,
    ] {
        let words = visit_rating::i18n::I18n::new(language).outcome_words(&outcome);
        for line in words.lines() {
            assert_inert("the window's words", line);
            assert!(!line.contains('\n'), "one value, one line: {line:?}");
        }
    }
}
