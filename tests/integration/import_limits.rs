//! Hostile files for `visit-rating import`, the real binary under an address-space limit
//! (`ulimit -v`): a spreadsheet that claims 10^12 shared strings, one with cells in A1
//! and XFD1048576, a zip bomb — each ends in a clear message naming the limit and exit
//! code 2, never an abort (134) — and large CSV files read in bounded memory. A UTF-8
//! file with one bad byte is refused, naming the row, the byte and `--encoding`, and
//! nothing reaches the server. Every hostile file is made in the test
//! (tests/support/hostile.rs).

use std::path::Path;
use std::process::Output;

use crate::support::{MockProcess, UserEnv, hostile, json_of, unique};

const TOKEN: &str = "import-limits-token-7d3a";
/// 1 GiB of address space, in KiB for `ulimit -v`.
const ONE_GIB_KIB: u64 = 1024 * 1024;

/// `visit-rating ARGS` with at most `kib` KiB of address space.
fn limited(env: &UserEnv, kib: u64, args: &[&str], file: &Path) -> Output {
    let script = format!("ulimit -v {kib}; exec \"$0\" \"$@\"");
    env.std_cmd("sh")
        .arg("-c")
        .arg(script)
        .arg(assert_cmd::cargo::cargo_bin("visit-rating"))
        .args(args)
        .arg(file)
        .env("VISIT_RATING_TOKEN", TOKEN)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_normal_import_runs_under_the_limit_sending_included() {
    // The control: our process, its threads (the HTTP client's runtime, the Ctrl+C
    // watcher) and its allocator start and send under 1 GiB, so a refusal below is the
    // file's, not the limit's.
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("forms.xlsx");
    hostile::xlsx_rows(&xlsx, 200);
    let output = limited(&env, ONE_GIB_KIB, &["import", "--dry-run"], &xlsx);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let csv = dir.path().join("forms.csv");
    let (a, b) = (unique("limit"), unique("limit"));
    std::fs::write(
        &csv,
        format!("Визит;Ожидание;Результат;Отношение;Чистота\n{a};5;4;3;2\n{b};1;2;3;4\n"),
    )
    .unwrap();
    let output = limited(
        &env,
        ONE_GIB_KIB,
        &["import", "--json", "--url", &server.url],
        &csv,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(json_of(&output)["delivered"], 2);
    assert_eq!(server.ratings().len(), 2);
}

#[test]
fn spreadsheets_that_claim_or_inflate_past_the_limits_end_in_a_clear_message() {
    let env = UserEnv::new();
    let dir = tempfile::tempdir().unwrap();
    let claims = dir.path().join("claims.xlsx");
    hostile::xlsx_claiming_shared_strings(&claims);
    let corners = dir.path().join("corners.xlsx");
    hostile::xlsx_sparse_corners(&corners);
    let bomb = dir.path().join("bomb.xlsx");
    hostile::xlsx_zip_bomb(&bomb);
    assert!(std::fs::metadata(&claims).unwrap().len() < 4096);
    assert!(std::fs::metadata(&bomb).unwrap().len() < 16 << 20);

    for (file, says) in [
        (
            &claims,
            "общих строк таблицы (sharedStrings) — 1000000000000, а можно не больше 1000000",
        ),
        (
            &corners,
            "строк в занятой области листа xl/worksheets/sheet1.xml — 1048576, а можно не больше 100000",
        ),
        (&bomb, "степень сжатия части xl/worksheets/sheet1.xml — "),
    ] {
        let output = limited(&env, ONE_GIB_KIB, &["import", "--dry-run"], file);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{}: {text}", file.display());
        assert!(text.contains("Файл не принят: "), "{text}");
        assert!(text.contains(says), "{}: {text}", file.display());
        assert!(!text.contains("panicked"), "{text}");

        // The same in English and as JSON, for scripts.
        let output = limited(
            &env,
            ONE_GIB_KIB,
            &["--lang", "en", "import", "--dry-run", "--json"],
            file,
        );
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let value = json_of(&output);
        assert_eq!(value["exit"], 2);
        let error = value["error"].as_str().unwrap();
        assert!(error.starts_with("The file was not accepted: "), "{error}");
        assert!(error.contains("at most"), "{error}");
    }
}

#[test]
fn an_ods_with_empty_repeats_passes_and_one_with_a_value_repeated_past_the_limits_does_not() {
    let env = UserEnv::new();
    let dir = tempfile::tempdir().unwrap();
    // As LibreOffice saves a sheet: formatted but empty rows and columns repeated to the
    // sheet's end.
    let file = dir.path().join("forms.ods");
    let rows = format!(
        "{}{}{}",
        hostile::ods_row("ods-1", [5, 4, 3, 2]),
        hostile::ods_row("ods-2", [1, 2, 3, 4]),
        r#"<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#
    );
    hostile::ods(&file, &rows);
    let output = limited(&env, ONE_GIB_KIB, &["import", "--dry-run", "--json"], &file);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value = json_of(&output);
    assert_eq!(
        (value["format"].as_str(), value["valid"].as_u64()),
        (Some("spreadsheet"), Some(2))
    );

    // One value repeated over a million rows and 16,000 columns: calamine would expand it.
    let wide = dir.path().join("wide.ods");
    hostile::ods(
        &wide,
        r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" office:value="5" table:number-columns-repeated="16000"/></table:table-row>"#,
    );
    let output = limited(&env, ONE_GIB_KIB, &["import", "--dry-run"], &wide);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("строк в занятой области листа content.xml «Анкеты» — 1000001"),
        "{text}"
    );
}

/// A CSV file of about `mib` MiB, checked with `--dry-run` and a report under `kib` KiB
/// of address space.
fn big_csv_passes(mib: u64, kib: u64) {
    let env = UserEnv::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.csv");
    let rows = hostile::big_csv(&file, mib << 20);
    let report = dir.path().join("report.csv");
    let output = limited(
        &env,
        kib,
        &["import", "--dry-run", "--report", report.to_str().unwrap()],
        &file,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let summary = String::from_utf8_lossy(&output.stdout);
    assert!(
        summary.contains(&format!("Строк: {rows}; в порядке: {rows}; с ошибками: 0.")),
        "{summary}"
    );
    // The report, written as a stream: a header and one line per row.
    let report = std::fs::read_to_string(&report).unwrap();
    assert_eq!(report.lines().count(), rows + 1);
    assert!(report.lines().last().unwrap().contains(";valid;"));
}

/// 30 MiB under 320 MiB of address space (the debug binary alone maps about 100 MiB):
/// the whole file as text plus every row's cells took about 19 times the file, and the
/// code before this ran out (it aborts here); streamed, it takes a few buffers and
/// 8 bytes per row.
#[test]
fn a_30_mib_csv_is_checked_in_320_mib() {
    big_csv_passes(30, 320 * 1024);
}

/// The attack report's 200 MB file under 1 GiB. Slow in a debug build (one to four minutes):
/// `cargo test --test integration a_200_mb -- --ignored`; `bench/import-memory`
/// measures the same on the release build.
#[test]
#[ignore = "minutes in a debug build; the 30 MiB test covers the streaming"]
fn a_200_mb_csv_dry_run_finishes_under_1_gib() {
    big_csv_passes(200, ONE_GIB_KIB);
}

#[test]
fn a_utf8_file_with_one_bad_byte_is_refused_naming_row_byte_and_encoding() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (unique("enc"), unique("enc"));
    let text = format!(
        "Визит;Ожидание;Результат;Отношение;Чистота;Замечания\n{a};5;4;3;2;Врач был внимателен\n{b};5;5;5;5;Всё хорошо\n"
    );
    let mut bytes = text.into_bytes();
    // A stray Windows-1251 «ё» (0xB8) inside the second data row's remark.
    let at = bytes.len() - "хорошо\n".len();
    bytes.insert(at, 0xB8);
    let file = dir.path().join("almost-utf8.csv");
    std::fs::write(&file, &bytes).unwrap();

    for args in [
        &["import", "--url", &server.url][..],
        &["import", "--encoding", "utf-8", "--url", &server.url],
    ] {
        let output = limited(&env, ONE_GIB_KIB, args, &file);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{text}");
        assert!(
            text.contains(&format!("байт {at} (строка 3) не читается как UTF-8")),
            "{text}"
        );
        assert!(text.contains("--encoding"), "{text}");
    }
    assert_eq!(server.requests().len(), 0, "nothing sent as mojibake");
    assert_eq!(crate::support::saved_ratings(&env.data_dir()), 0);

    // Mostly Windows-1251 with one UTF-8 sequence: refused too, naming that one.
    let text = format!(
        "Визит;Ожидание;Результат;Отношение;Чистота;Замечания\n{a};5;4;3;2;Врач был внимателен\n"
    );
    let mut mixed = encoding_rs::WINDOWS_1251.encode(&text).0.into_owned();
    let at = mixed.len() - 1;
    mixed.splice(at..at, "Всё".bytes());
    std::fs::write(&file, &mixed).unwrap();
    let output = limited(&env, ONE_GIB_KIB, &["import", "--dry-run"], &file);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains(&format!("байт {at} (строка 2) похож на UTF-8")),
        "{text}"
    );
}

/// An XLS whose sheet is said to start past the end of its workbook stream (found by the
/// spreadsheet fuzz target): calamine 0.38 panics on it while opening the file; the
/// pre-scan calls the workbook damaged first, so `import` ends with a message, exit 2.
#[test]
fn an_xls_whose_sheet_starts_past_its_stream_is_damaged_not_a_panic() {
    let env = UserEnv::new();
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xls-sheet-past-the-stream.xls");
    let output = limited(
        &env,
        ONE_GIB_KIB,
        &["--lang", "en", "import", "--dry-run"],
        &file,
    );
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("is said to start at byte 1811939370 of the Workbook stream"),
        "{text}"
    );
    assert!(!text.contains("panicked"), "{text}");
}
