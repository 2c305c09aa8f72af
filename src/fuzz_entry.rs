//! The entry points of the fuzz targets (`fuzz/`, cargo-fuzz on nightly) and of their
//! replay in `cargo test` (`tests/integration/fuzz_replay.rs`): one function per parser
//! of outside input, taking the raw bytes a server, a file or a person controls, and
//! following them down the path the program takes (parsed, checked, put into words).
//!
//! Both the fuzzers and the replay call these functions and nothing else, so the two
//! never drift: an input a fuzzer saved (corpus or crash) is checked again by every
//! `cargo test`. An entry panics on a bug: a panic inside a parser, or a rule the
//! path promises (a visit id that stops being one path segment, settings that do not
//! read back as saved) broken.
//!
//! [`TARGETS`] names them; the fuzz target, its `fuzz/corpus/<name>/` and
//! `fuzz/artifacts/<name>/` folders share the name.

use std::ops::ControlFlow;
use std::path::Path;
use std::sync::OnceLock;

use percent_encoding::percent_decode_str;

use crate::api::{
    ClientSettings, ENDPOINT_PATH, ErrorModel, MAX_VISIT_ID_CHARS, Outcome, OutcomeKind,
    RatingClient, STORED_TEXT_CHARS, VisitId, VisitIdError, classify,
};
use crate::config::{Config, Language};
use crate::i18n::I18n;
use crate::import::report::{self, Stage};
use crate::import::{IdRules, Import, ImportError, ImportOptions, ReadOptions, SourceFormat};
use crate::rating::NOTES_MAX_CHARS;
use crate::safe_text;

/// A fuzz target's entry: it takes one input and panics on a bug.
pub type Entry = fn(&[u8]);

/// Every fuzz target: its name (the `fuzz/fuzz_targets/<name>.rs` file and its corpus
/// folder) and its entry.
pub const TARGETS: &[(&str, Entry)] = &[
    ("outcome", outcome),
    ("csv", csv),
    ("visit_id", visit_id),
    ("settings", settings),
    ("spreadsheet", spreadsheet),
];

/// Both interface languages: every text is put into words in each.
fn languages() -> [I18n; 2] {
    [I18n::new(Language::Ru), I18n::new(Language::En)]
}

/// The bytes up to the first `0xFF` and the rest after it (`0xFF` never occurs in UTF-8,
/// so it splits an input into text fields without taking a character from them).
fn split_field(data: &[u8]) -> (&[u8], Option<&[u8]>) {
    match data.iter().position(|&b| b == 0xFF) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    }
}

/// A server's answer: how [`classify`] reads it, then everything that shows or keeps it:
/// the words in both languages (the server's text in them made safe for a terminal),
/// the command line's report through its terminal-safe stream and its `--json` line
/// (the same value, no control or bidi character), the bounded copy the outbox stores
/// and its JSON round trip.
///
/// Input: two bytes of HTTP status (big-endian, taken into 100..=999 as an HTTP status
/// is); one byte of flags (bit 0: the body was truncated; bit 1: there is a `Location`;
/// bits 2–5: the size, less one, of the writes the printed report comes in);
/// with a `Location`, one byte of its length and that many bytes of it; the rest is the
/// body. A short input stops early with what it has.
pub fn outcome(data: &[u8]) {
    let [high, low, rest @ ..] = data else {
        return;
    };
    let status = 100 + u16::from_be_bytes([*high, *low]) % 900;
    let (flags, rest) = rest.split_first().map_or((0, rest), |(f, r)| (*f, r));
    let truncated = flags & 1 != 0;
    let (location, body) = if flags & 2 != 0 {
        let (len, rest) = rest
            .split_first()
            .map_or((0, rest), |(l, r)| (usize::from(*l), r));
        let (location, body) = rest.split_at(len.min(rest.len()));
        (Some(String::from_utf8_lossy(location).into_owned()), body)
    } else {
        (None, rest)
    };

    let outcome = classify(status, body, truncated, location.as_deref());
    assert_eq!(outcome.http_status, Some(status));
    if let Some(detail) = &outcome.detail {
        assert!(detail.len() <= 600, "a detail of {} bytes", detail.len());
    }
    if truncated {
        assert!(outcome.message.is_none() && outcome.message_code.is_none());
    }
    if (200..300).contains(&status) {
        let reports_error = !truncated
            && ErrorModel::parse(body)
                .and_then(|m| m.error_status())
                .is_some();
        assert_eq!(outcome.kind == OutcomeKind::Accepted, !reports_error);
    }

    let kept = outcome.bounded();
    for text in [&kept.message, &kept.message_code, &kept.detail]
        .into_iter()
        .flatten()
    {
        assert!(text.chars().count() <= STORED_TEXT_CHARS + 1);
    }
    let stored = serde_json::to_string(&kept).unwrap_or_default();
    let read_back: Option<Outcome> = serde_json::from_str(&stored).ok();
    assert_eq!(
        read_back.as_ref(),
        Some(&kept),
        "the outbox's copy reads back"
    );

    let chunk = usize::from(flags >> 2 & 15) + 1;
    for i18n in &languages() {
        for shown in [&outcome, &kept] {
            let words = i18n.outcome_words(shown);
            assert!(!words.headline.is_empty());
            for line in words.lines().chain([words.summary().as_str()]) {
                assert_eq!(safe_text::lines(line), line, "the server's text made safe");
            }
            let human = crate::cli::report::human_outcome(i18n, shown);
            assert_eq!(printed(&human, chunk), safe_text::lines(&human));

            let value = crate::cli::report::outcome_json(shown.kind.name(), shown);
            let line = crate::cli::report::json_line(&value);
            assert!(!line.chars().any(safe_text::is_unsafe), "{line}");
            let parsed: Option<serde_json::Value> = serde_json::from_str(&line).ok();
            assert_eq!(
                parsed,
                serde_json::to_value(value).ok(),
                "--json is the same value"
            );
        }
    }
}

/// What the command line prints of `text` when it comes in writes of `chunk` bytes
/// (characters split between writes included) through its terminal-safe stream.
fn printed(text: &str, chunk: usize) -> String {
    use std::io::Write as _;
    let mut out = Vec::new();
    {
        let mut stream = crate::cli::report::SafeStream::new(&mut out);
        for piece in text.as_bytes().chunks(chunk) {
            assert!(stream.write_all(piece).is_ok());
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The import options the first byte of a [`csv`] input picks.
fn csv_options(byte: u8) -> ImportOptions {
    let encoding = match byte & 7 {
        4 => Some(encoding_rs::UTF_8),
        5 => Some(encoding_rs::WINDOWS_1251),
        6 => Some(encoding_rs::KOI8_R),
        7 => Some(encoding_rs::UTF_16LE),
        _ => None,
    };
    ImportOptions {
        read: ReadOptions {
            encoding,
            sheet: None,
        },
        columns: (byte & 8 != 0)
            .then(|| "visit_id,result_1,result_2,result_3,result_4,notes,dont_visit".to_owned()),
        ids: IdRules {
            clinic_guid: (byte & 16 != 0).then(|| "0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6".into()),
            separator: if byte & 32 != 0 { "_" } else { "" }.to_owned(),
        },
    }
}

/// A CSV file to import, read as `import FILE.csv` reads it ([`crate::import::load`]:
/// its encoding decided from the whole file, its delimiter found, its rows streamed,
/// its columns found, every row checked, duplicates marked), then every use of it (see
/// [`check_import`]).
///
/// Input: one byte of options (bits 0–2: the `--encoding` given, 0–3 none, then UTF-8,
/// Windows-1251, KOI8-R, UTF-16LE; bit 3: `--columns` with every field in order; bit 4:
/// a clinic GUID configured; bit 5: `_` between it and a bare visit GUID), then the file.
pub fn csv(data: &[u8]) {
    let Some((&first, file)) = data.split_first() else {
        return;
    };
    import_file("input.csv", file, &csv_options(first));
}

/// A spreadsheet to import, whatever its bytes: sniffed (XLSX, XLSB, ODS or XLS by its
/// content), held to the import's limits by the pre-scan
/// ([`crate::import::prescan`]), and only when the pre-scan lets it through, opened by
/// calamine and read row by row like [`csv`]'s file, so a crash inside calamine that
/// the pre-scan lets through is found.
///
/// Input: the file.
pub fn spreadsheet(data: &[u8]) {
    import_file("input.xlsx", data, &ImportOptions::default());
}

thread_local! {
    /// Where an input to import is written: the import reads a file by its path.
    static IMPORT_DIR: Option<tempfile::TempDir> = tempfile::tempdir().ok();
}

/// `bytes` written as the file `name`, imported with `options` and checked.
fn import_file(name: &str, bytes: &[u8], options: &ImportOptions) {
    IMPORT_DIR.with(|dir| {
        let Some(dir) = dir else { return };
        let path = dir.path().join(name);
        if std::fs::write(&path, bytes).is_err() {
            return;
        }
        match crate::import::load(&path, options) {
            Ok(import) => check_import(&import),
            Err(error) => describe_import_error(&error),
        }
    });
}

/// What a checked import promises, on every pass over its rows: the rows come in file
/// order, the counts [`crate::import::load`] made agree with what a pass sees, a
/// refused row says why, no visit id is in two valid rows; the preview holds the first
/// rows; the report (in both languages) holds one line per row, every cell inert in a
/// spreadsheet and free of control and bidi characters.
fn check_import(import: &Import) {
    let mut rows = 0;
    let mut valid = 0;
    let mut last = 0;
    let mut ids = std::collections::HashSet::new();
    let mut reports: Vec<_> = languages()
        .into_iter()
        .filter_map(|i18n| {
            let writer = report::Writer::new(Vec::new(), &import.format, &i18n).ok()?;
            Some((i18n, writer, report::Tally::default()))
        })
        .collect();
    let read_again = import.each_row(&mut |row| {
        rows += 1;
        assert!(row.number > last, "rows in file order, each once");
        last = row.number;
        if row.is_valid() {
            valid += 1;
            let id = row
                .visit_id
                .as_ref()
                .map(VisitId::as_str)
                .unwrap_or_default();
            assert_eq!(VisitId::parse(id).ok().as_ref(), row.visit_id.as_ref());
            assert!(
                ids.insert(id.to_lowercase()),
                "visit id {id:?} valid in two rows"
            );
            let rating = row.rating.as_ref();
            assert!(rating.is_some_and(|r| r.notes.chars().count() <= NOTES_MAX_CHARS));
        } else {
            assert!(
                !row.problems.is_empty(),
                "row {} refused without a reason",
                row.number
            );
        }
        for (i18n, writer, tally) in &mut reports {
            for (_, problem) in &row.problems {
                let _ = problem.detail();
                let _ = problem.describe(i18n);
            }
            let line = report::line(import, &row, Stage::DryRun, i18n);
            assert_eq!(line.row, row.number);
            assert!(writer.write(&line).is_ok());
            tally.add(&line);
            let _ = report::line(import, &row, Stage::Blocked, i18n);
            let _ = report::problems_text(import, &row, i18n);
        }
        ControlFlow::Continue(())
    });
    assert!(
        read_again.is_ok(),
        "a file read once reads again: {read_again:?}"
    );
    assert_eq!((rows, valid), (import.counts.rows, import.counts.valid));

    for (_, writer, tally) in reports {
        assert_eq!(tally.rows(), rows);
        let written = writer.finish().unwrap_or_default();
        check_report(&written, &import.format, rows);
    }

    let preview = import.preview(3, 2);
    assert!(preview.is_ok(), "{preview:?}");
    if let Ok(preview) = preview {
        assert_eq!(preview.rows.len(), rows.min(3));
        assert_eq!(preview.invalid.len(), import.invalid_count().min(2));
    }
}

/// A report file as written: one header and `rows` lines, every cell free of control
/// and bidi characters and not starting like a formula.
fn check_report(bytes: &[u8], format: &SourceFormat, rows: usize) {
    let (delimiter, encoding) = match format {
        SourceFormat::Csv {
            delimiter,
            encoding,
            ..
        } => (*delimiter, encoding.output_encoding()),
        SourceFormat::Spreadsheet { .. } => (b';', encoding_rs::UTF_8),
    };
    let (text, _) = encoding.decode_with_bom_removal(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut lines = 0;
    for record in reader.records() {
        assert!(record.is_ok(), "the report reads back: {record:?}");
        let Ok(record) = record else { return };
        assert_eq!(record.len(), 9, "{record:?}");
        for cell in &record {
            assert!(!cell.chars().any(crate::safe_text::is_unsafe), "{cell:?}");
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell:?}");
        }
        lines += 1;
    }
    assert_eq!(lines, rows + 1, "a header and one line per row");
}

fn describe_import_error(error: &ImportError) {
    let _ = error.to_string();
    for i18n in &languages() {
        assert!(!error.describe(i18n).is_empty());
    }
}

/// A client for a base URL with a path, to see where a visit id lands in a request.
fn client() -> Option<&'static RatingClient> {
    static CLIENT: OnceLock<Option<RatingClient>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            RatingClient::new(&ClientSettings::new("https://rpgu.example/portal/")).ok()
        })
        .as_ref()
}

/// What every accepted visit id must be: itself trimmed, not too long, and exactly one
/// path segment of the request that decodes back to it, as a URL parser reads it.
fn check_visit_id(id: &VisitId) {
    let text = id.as_str();
    assert_eq!(text, text.trim());
    assert!(!text.chars().any(safe_text::is_unsafe), "{text:?}");
    assert!(!text.is_empty() && text.chars().count() <= MAX_VISIT_ID_CHARS);
    let segment = id.path_segment();
    assert!(
        segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
        "{segment}"
    );
    assert!(segment != "." && segment != "..");
    let decoded = percent_decode_str(&segment).decode_utf8();
    assert_eq!(decoded.ok().as_deref(), Some(text));
    assert_eq!(VisitId::parse(text).as_ref(), Ok(id));
    let json = serde_json::to_string(id).unwrap_or_default();
    assert_eq!(
        serde_json::from_str::<VisitId>(&json).ok().as_ref(),
        Some(id)
    );

    let Some(client) = client() else {
        return;
    };
    let url = url::Url::parse(&client.endpoint(id));
    assert!(url.is_ok(), "{}", client.endpoint(id));
    let Ok(url) = url else { return };
    let segments: Vec<&str> = url.path_segments().into_iter().flatten().collect();
    let expected = 1 + ENDPOINT_PATH.split('/').count() + 1;
    assert_eq!(segments.len(), expected, "{url}");
    assert_eq!(segments.first(), Some(&"portal"));
    let last = segments.last().map(|s| percent_decode_str(s).decode_utf8());
    assert_eq!(last.and_then(Result::ok).as_deref(), Some(text), "{url}");
    assert!(url.query().is_none() && url.fragment().is_none());
}

fn describe_visit_id_error(error: &VisitIdError) {
    let _ = error.to_string();
    for i18n in &languages() {
        assert!(!i18n.visit_id_error(error).is_empty());
    }
}

/// A visit id as typed or scanned: [`VisitId::parse`], then [`VisitId::from_input`] with
/// a clinic GUID and a separator, each accepted id checked as one path segment of the
/// request (see the module's rules) and each refusal put into words.
///
/// Input: the id, then optionally `0xFF` and the configured clinic GUID, then optionally
/// `0xFF` and the separator (each read as UTF-8, invalid bytes replaced).
pub fn visit_id(data: &[u8]) {
    let (input, rest) = split_field(data);
    let (clinic, separator) = match rest.map(split_field) {
        Some((clinic, separator)) => (Some(clinic), separator.unwrap_or_default()),
        None => (None, &[][..]),
    };
    let input = String::from_utf8_lossy(input);
    let clinic = clinic.map(String::from_utf8_lossy);
    let separator = String::from_utf8_lossy(separator);

    match VisitId::parse(&input) {
        Ok(id) => {
            assert_eq!(id.as_str(), input.trim());
            check_visit_id(&id);
        }
        Err(error) => describe_visit_id_error(&error),
    }
    match VisitId::from_input(&input, clinic.as_deref(), &separator) {
        Ok(id) => check_visit_id(&id),
        Err(error) => describe_visit_id_error(&error),
    }
}

/// Settings `config` changed in every field it has, to values the parser accepts.
fn changed(config: &Config) -> Config {
    let mut new = config.clone();
    new.server_url = match &config.server_url {
        Some(_) => None,
        None => Some("https://rpgu.example.ru/".into()),
    };
    new.clinic_guid = match &config.clinic_guid {
        Some(_) => None,
        None => Some("0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6".into()),
    };
    new.visit_id_separator = format!("{}_", config.visit_id_separator);
    new.connect_timeout_secs = config.connect_timeout_secs % 600 + 1;
    new.request_timeout_secs = config.request_timeout_secs % 3600 + 1;
    new.language = match config.language {
        Language::Ru => Language::En,
        Language::En => Language::Ru,
    };
    new.allow_insecure_http ^= true;
    new.kiosk ^= true;
    new.high_contrast ^= true;
    new.text_scale = if (config.text_scale - 1.25).abs() < f32::EPSILON {
        1.5
    } else {
        1.25
    };
    new.admin_pin_hash = match &config.admin_pin_hash {
        Some(_) => None,
        None => Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
    };
    new.retention_days = config.retention_days % 1000 + 1;
    new.token_warning_days = (config.token_warning_days + 1) % 366;
    new.metrics_file = match &config.metrics_file {
        Some(_) => None,
        None => Some("/var/lib/node_exporter/visit-rating.prom".into()),
    };
    let k = &mut new.kiosk_options;
    k.monitor = k.monitor % 8 + 1;
    k.touch_scale = if (k.touch_scale - 2.0).abs() < f32::EPSILON {
        1.0
    } else {
        2.0
    };
    k.screen_diagonal_inches = match k.screen_diagonal_inches {
        Some(_) => None,
        None => Some(21.5),
    };
    k.thank_you_secs = k.thank_you_secs % 600 + 1;
    k.idle_secs = k.idle_secs % 1000 + 10;
    k.idle_warning_secs = 0;
    k.cooldown_secs = k.cooldown_secs % 60 + 1;
    k.on_screen_keyboard ^= true;
    new
}

/// A settings file: read as the program reads it ([`Config::parse`]: TOML, then the
/// ranges); when it is valid, the save path that edits it in place
/// ([`Config::save`] without the file system): saving the same settings leaves it as
/// written, saving changed settings (every field, or back to the defaults) gives a file
/// that reads back as exactly those settings, and saving them again changes nothing.
///
/// Input: the file (not UTF-8 is refused before parsing, as reading it does).
pub fn settings(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("/etc/visit-rating/config.toml");
    let config = match Config::parse(text, path) {
        Ok(config) => config,
        Err(error) => {
            let message = error.to_string();
            assert!(
                message.contains("/etc/visit-rating/config.toml"),
                "{message}"
            );
            return;
        }
    };
    assert!((1..=600).contains(&config.connect_timeout_secs));
    assert!((1..=3600).contains(&config.request_timeout_secs));

    let unchanged = config.edited(text, path);
    assert_eq!(
        unchanged.as_deref().ok(),
        Some(text),
        "unchanged settings, same file"
    );
    for new in [changed(&config), Config::default()] {
        let saved = match new.edited(text, path) {
            Ok(saved) => saved,
            Err(error) => panic!("a valid file could not be edited: {error}"),
        };
        let read_back = Config::parse(&saved, path);
        assert!(
            read_back.as_ref().is_ok_and(|c| *c == new),
            "saved:\n{saved}\nread back: {read_back:?}"
        );
        let again = new.edited(&saved, path);
        assert_eq!(
            again.as_deref().ok(),
            Some(saved.as_str()),
            "a second save changes nothing"
        );
    }
}
