//! `visit-rating import`: CSV in every encoding and delimiter Russian spreadsheets
//! write, an XLSX written here, invalid rows of every kind, duplicates, `--dry-run`, an
//! interrupted import resumed, and the report checked row by row — the real binary
//! against the stand-in server as a real process.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::Duration;

use predicates::prelude::*;
use serde_json::Value;

use crate::support::cli::Cli;
use crate::support::{DownPort, MockProcess, UserEnv, json_of, unique, visit_of, wait_until};

const TOKEN: &str = "import-token-5b1f0c";
const HEADER_RU: &str =
    "Визит;Время ожидания;Результат посещения;Отношение персонала;Чистота;Замечания;Не был(а)";
const NOTES: &str = "Врач внимательный, спасибо";

/// `import --url URL FILE` with the token.
fn import(env: &UserEnv, url: &str, file: &Path) -> Cli {
    env.cli().token(TOKEN).import(url, file)
}

/// [`import`] with `extra` arguments and `--json`: its exit code and report.
fn import_json(env: &UserEnv, url: &str, file: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    import(env, url, file).args(extra).run_json()
}

/// What the server stored, by visit id.
fn stored(server: &MockProcess) -> BTreeMap<String, Value> {
    server
        .ratings()
        .into_iter()
        .map(|r| (r["history"].as_str().unwrap().to_owned(), r["body"].clone()))
        .collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A CSV file of three valid rows with fresh visit ids.
fn three_rows(dir: &Path, prefix: &str, name: &str) -> (Vec<String>, PathBuf) {
    let ids: Vec<String> = (0..3).map(|_| unique(prefix)).collect();
    let text = format!(
        "{HEADER_RU}\n{}\n",
        ids.iter()
            .map(|id| format!("{id};5;4;3;2;{NOTES};"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let file = write(dir, name, text.as_bytes());
    (ids, file)
}

/// Each row's `outcome` in `--json` output.
fn outcomes_of(value: &Value) -> Vec<&str> {
    value["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect()
}

fn to_1251(text: &str) -> Vec<u8> {
    let (bytes, _, lossy) = encoding_rs::WINDOWS_1251.encode(text);
    assert!(!lossy);
    bytes.into_owned()
}

#[test]
fn csv_in_utf8_bom_and_windows_1251_with_semicolon_or_comma_is_delivered() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, u8, &str); 4] = [
        ("utf8-comma", b',', "utf-8"),
        ("utf8-bom-semicolon", b';', "utf-8-bom"),
        ("cp1251-semicolon", b';', "windows-1251"),
        ("cp1251-comma", b',', "windows-1251"),
    ];
    for (name, delimiter, encoding) in cases {
        let d = char::from(delimiter);
        let a = unique(name);
        let b = unique(name);
        // English headers in another order for the comma files; remarks with the
        // delimiter inside quotes.
        let text = if delimiter == b',' {
            format!(
                "cleanliness,visit_id,waiting time,result,attitude,notes,didn't visit\r\n2,{a},5,4,3,\"{NOTES}, очень\",\r\n,{b},,,,,x\r\n"
            )
        } else {
            format!("{HEADER_RU}\r\n{a};5;4;3;2;\"{NOTES}; очень\";нет\r\n{b};;;;;;да\r\n")
        };
        let bytes = match encoding {
            "utf-8" => text.into_bytes(),
            "utf-8-bom" => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            _ => to_1251(&text),
        };
        let file = write(dir.path(), &format!("{name}.csv"), &bytes);
        let (code, value) = import_json(&env, &server.url, &file, &[]);
        assert_eq!(code, Some(0), "{name}: {value}");
        assert_eq!(value["format"], "csv");
        assert_eq!(value["delimiter"], d.to_string(), "{name}");
        let expected_encoding = if encoding == "windows-1251" {
            "windows-1251"
        } else {
            "UTF-8"
        };
        assert_eq!(value["encoding"], expected_encoding, "{name}");
        assert_eq!(value["delivered"], 2, "{name}: {value}");
        let got = stored(&server);
        let first = &got[&a];
        assert_eq!(
            (
                first["result_1"].as_u64(),
                first["result_2"].as_u64(),
                first["result_3"].as_u64(),
                first["result_4"].as_u64()
            ),
            (Some(5), Some(4), Some(3), Some(2)),
            "{name}"
        );
        assert_eq!(first["notes"], format!("{NOTES}{d} очень"), "{name}");
        assert_eq!(first["dont_visit"], 0);
        assert_eq!(got[&b]["dont_visit"], 1, "{name}");
    }
    assert_eq!(server.requests().len(), 8, "each row sent once");
}

fn write_xlsx(path: &Path, rows: &[(&str, [f64; 4], &str, bool)]) {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Анкеты").unwrap();
    for (col, title) in [
        "ID визита",
        "Ожидание",
        "Результат",
        "Отношение",
        "Чистота",
        "Пожелания",
        "Не посещал(а)",
    ]
    .iter()
    .enumerate()
    {
        sheet.write(0, u16::try_from(col).unwrap(), *title).unwrap();
    }
    for (i, (id, scores, notes, didnt)) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap();
        sheet.write(r, 0, *id).unwrap();
        for (c, s) in scores.iter().enumerate() {
            sheet.write(r, u16::try_from(c + 1).unwrap(), *s).unwrap();
        }
        sheet.write(r, 5, *notes).unwrap();
        sheet.write(r, 6, *didnt).unwrap();
    }
    let second = workbook.add_worksheet();
    second.set_name("Черновик").unwrap();
    second.write(0, 0, "visit_id").unwrap();
    workbook.save(path).unwrap();
}

#[test]
fn an_xlsx_file_is_read_from_its_first_sheet_or_a_named_one() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (unique("xlsx"), unique("xlsx"));
    let file = dir.path().join("анкеты.xlsx");
    write_xlsx(
        &file,
        &[
            (&a, [5.0, 5.0, 4.0, 1.0], NOTES, false),
            (&b, [3.0, 3.0, 3.0, 3.0], "", true),
        ],
    );

    // A sheet that is not there: the ones that are are named.
    import(&env, &server.url, &file)
        .args(["--sheet", "Лист1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Анкеты, Черновик"));

    let report = dir.path().join("report.csv");
    let (code, value) = import_json(
        &env,
        &server.url,
        &file,
        &["--sheet", "Анкеты", "--report", report.to_str().unwrap()],
    );
    assert_eq!(code, Some(0), "{value}");
    assert_eq!(value["format"], "spreadsheet");
    assert_eq!(value["sheet"], "Анкеты");
    let got = stored(&server);
    assert_eq!(got[&a]["result_4"], 1);
    assert_eq!(got[&a]["notes"], NOTES);
    assert_eq!(got[&b]["dont_visit"], 1);
    // A spreadsheet's report is UTF-8 with a byte order mark and `;`.
    let bytes = std::fs::read(&report).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(
        text.starts_with("Строка;Идентификатор визита;Итог;"),
        "{text}"
    );
    assert!(text.contains(&format!("2;{a};accepted;")), "{text}");
    assert!(!text.contains(NOTES), "the report never holds the remarks");
}

#[test]
fn invalid_rows_of_every_kind_are_named_and_nothing_is_sent() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let dir = tempfile::tempdir().unwrap();
    let good = unique("good");
    let dup = unique("dup");
    let text = format!(
        "{HEADER_RU}\n\
         {good};5;5;5;5;;\n\
         ;5;5;5;5;;\n\
         ab/cd;5;5;5;5;;\n\
         {}-6;6;5;5;5;;\n\
         {}-7;5;;5;5;;\n\
         {}-8;5;5;4.5;хорошо;;\n\
         {}-9;5;5;5;5;;может быть\n\
         {dup};5;5;5;5;;\n\
         {}-11;5;5;5;5;{};\n\
         {dup};4;4;4;4;;\n",
        unique("v"),
        unique("v"),
        unique("v"),
        unique("v"),
        unique("v"),
        "я".repeat(2001),
    );
    let file = write(dir.path(), "bad.csv", text.as_bytes());

    let (code, value) = import_json(&env, &server.url, &file, &[]);
    assert_eq!(code, Some(2), "{value}");
    assert_eq!(server.requests().len(), 0, "nothing reaches the server");
    assert_eq!(value["invalid"], 9);
    let results = value["results"].as_array().unwrap();
    let by_row: BTreeMap<u64, &Value> = results
        .iter()
        .map(|r| (r["row"].as_u64().unwrap(), r))
        .collect();
    assert_eq!(by_row[&2]["outcome"], "not_sent");
    let expect = [
        (3, "visit_id: the visit id is empty"),
        (4, "visit_id: the visit id contains the character '/'"),
        (5, "result_1: \"6\" is outside 1..5"),
        (6, "result_2: the score is empty"),
        (7, "result_3: \"4.5\" is not a whole number"),
        (7, "result_4: \"хорошо\" is not a number"),
        (8, "dont_visit: \"может быть\" is not yes or no"),
        (9, "visit_id: the same visit id is also in row 11"),
        (10, "notes: the remarks are 2001 characters long"),
        (11, "visit_id: the same visit id is also in row 9"),
    ];
    for (row, detail) in expect {
        assert_eq!(by_row[&row]["outcome"], "invalid", "row {row}");
        let got = by_row[&row]["detail"].as_str().unwrap();
        assert!(got.contains(detail), "row {row}: {got}");
    }
    // For people: row, column as the file names it, its letter, the problem.
    import(&env, &server.url, &file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "Строка 5: «Время ожидания» (B): «6» — оценка должна быть от 1 до 5",
        ))
        .stderr(predicate::str::contains(
            "Строка 9: «Визит» (A): этот визит есть и в строке 11",
        ))
        .stderr(predicate::str::contains(
            "Строка 8: «Не был(а)» (G): «может быть» — ожидается да/нет",
        ))
        .stderr(predicate::str::contains("ничего не отправлено"));
    assert_eq!(server.requests().len(), 0);
    let saved = crate::support::saved_ratings(&env.data_dir());
    assert_eq!(saved, 0, "nothing is saved either");

    // --skip-invalid sends the one good row and still says not everything went.
    let (code, value) = import_json(&env, &server.url, &file, &["--skip-invalid"]);
    assert_eq!(code, Some(2), "{value}");
    assert_eq!(value["delivered"], 1);
    assert_eq!(
        stored(&server).keys().cloned().collect::<Vec<_>>(),
        vec![good]
    );
}

#[test]
fn a_missing_column_or_a_binary_file_is_refused_clearly() {
    let env = UserEnv::new();
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "cols.csv",
        "Визит;Ожидание;Результат;Отношение\nv;5;5;5\n".as_bytes(),
    );
    env.cmd()
        .args(["import", "--dry-run"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "В файле нет столбцов: «Чистота и порядок в поликлинике»",
        ))
        .stderr(predicate::str::contains(
            "Визит, Ожидание, Результат, Отношение",
        ));
    let file = write(dir.path(), "photo.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    env.cmd()
        .args(["import", "--dry-run"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("не текстовый файл"));
}

#[test]
fn dry_run_checks_and_sends_nothing() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEADER_RU}\n{};5;5;5;5;;\n{};1;2;3;4;;\n",
        unique("d"),
        unique("d")
    );
    let file = write(dir.path(), "dry.csv", &to_1251(&text));
    let (code, value) = import_json(&env, &server.url, &file, &["--dry-run"]);
    assert_eq!(code, Some(0), "{value}");
    assert_eq!(value["valid"], 2);
    assert!(
        value["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["outcome"] == "valid")
    );
    assert_eq!(server.requests().len(), 0, "a dry run sends nothing");
    assert!(
        !env.data_dir().join("outbox").exists()
            || std::fs::read_dir(env.data_dir().join("outbox"))
                .unwrap()
                .all(|e| e.unwrap().path().extension().is_none_or(|x| x != "json"))
    );
}

#[test]
fn no_token_saves_nothing_and_server_down_keeps_rows_for_the_rerun() {
    let env = UserEnv::new();
    let dir = tempfile::tempdir().unwrap();
    let (_, file) = three_rows(dir.path(), "down", "down.csv");
    let down_port = DownPort::new();
    let down = down_port.url();

    env.cmd()
        .args(["import", "--url", &down])
        .arg(&file)
        .env("VISIT_RATING_TOKEN", "")
        .assert()
        .code(4)
        .stderr(predicate::str::contains("Ничего не сохранено"));

    let (code, value) = import_json(&env, &down, &file, &[]);
    assert_eq!(code, Some(5), "{value}");
    let outcomes = outcomes_of(&value);
    assert_eq!(
        outcomes,
        vec!["transient", "transient", "transient"],
        "{value}"
    );

    let server = down_port.start_mock_process(&["--token", TOKEN]);
    let (code, value) = import_json(&env, &server.url, &file, &[]);
    assert_eq!(code, Some(0), "{value}");
    assert_eq!(value["delivered"], 3);
    assert_eq!(
        server.requests().len(),
        3,
        "sent from the saved entries, once each"
    );
    let listed = env.cli().list().arg("--json").run();
    assert_eq!(
        listed.stdout.trim(),
        "[]",
        "nothing left, nothing saved twice"
    );
}

#[test]
fn an_interrupted_import_resumed_sends_each_rating_once() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN, "--latency-ms", "150"]);
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = (0..12).map(|_| unique("resume")).collect();
    let text = format!(
        "{HEADER_RU}\n{}\n",
        ids.iter()
            .map(|id| format!("{id};5;5;5;5;;"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let file = write(dir.path(), "resume.csv", text.as_bytes());

    let child = StdCommand::new(assert_cmd::cargo::cargo_bin("visit-rating"))
        .env("HOME", env.path())
        .env("XDG_CONFIG_HOME", env.path().join(".config"))
        .env("XDG_DATA_HOME", env.path().join(".local/share"))
        .env("XDG_CACHE_HOME", env.path().join(".cache"))
        .env("VISIT_RATING_TOKEN", TOKEN)
        .env_remove("VISIT_RATING_URL")
        .args(["import", "--json", "--url", &server.url])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until(
        "the import sent its first three ratings",
        Duration::from_secs(20),
        || server.requests().len() >= 3,
    );
    let interrupted = StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value = json_of(&output);
    let first_run = value["delivered"].as_u64().unwrap();
    assert!((3..12).contains(&first_run), "stopped part-way: {value}");
    assert!(
        value["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["outcome"] == "stopped")
    );

    let (code, value) = import_json(&env, &server.url, &file, &[]);
    assert_eq!(code, Some(0), "{value}");
    assert_eq!(value["already_delivered"].as_u64(), Some(first_run));
    assert_eq!(value["delivered"], 12);
    let mut per_visit: BTreeMap<String, usize> = BTreeMap::new();
    for request in server.requests() {
        *per_visit.entry(visit_of(&request)).or_default() += 1;
        assert_eq!(request["status"], 200, "no 5030: nothing was sent twice");
    }
    assert_eq!(per_visit.len(), 12);
    assert!(per_visit.values().all(|&n| n == 1), "{per_visit:?}");
}

#[test]
fn the_report_holds_each_rows_outcome_and_the_servers_words_verbatim() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let dir = tempfile::tempdir().unwrap();
    let (fresh, known, didnt) = (unique("fresh"), unique("known"), unique("didnt"));
    // The server already has `known` (a kiosk sent it): 5030, which counts as done.
    env.cli()
        .token(TOKEN)
        .submit(&server.url, &known)
        .scores("1,1,1,1")
        .assert()
        .code(0);
    let text = format!(
        "{HEADER_RU}\r\n{fresh};5;4;3;2;Всё хорошо;\r\n{known};5;5;5;5;;\r\n;5;5;5;5;;\r\n{didnt};;;;;;х\r\n"
    );
    let file = write(dir.path(), "paper.csv", &to_1251(&text));
    let report = dir.path().join("отчёт.csv");
    import(&env, &server.url, &file)
        .args(["--skip-invalid", "--report"])
        .arg(&report)
        .assert()
        .code(2)
        .stdout(predicate::str::contains("доставлено: 3"));

    // Same encoding and delimiter as the input: Windows-1251 with `;`.
    let bytes = std::fs::read(&report).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    let (text, _, bad) = encoding_rs::WINDOWS_1251.decode(&bytes);
    assert!(!bad);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "Строка",
            "Идентификатор визита",
            "Итог",
            "Описание",
            "HTTP",
            "Код",
            "Сообщение сервера",
            "Код сообщения",
            "Подробности"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[0][..3], ["2", fresh.as_str(), "accepted"]);
    assert_eq!(rows[0][4], "200");
    assert_eq!(&rows[1][..3], ["3", known.as_str(), "already_recorded"]);
    assert_eq!(
        &rows[1][4..8],
        ["400", "400", "Отзыв уже существует", "5030"]
    );
    assert_eq!(&rows[2][..3], ["4", "", "invalid"]);
    assert!(rows[2][3].contains("«Визит» (A)"), "{:?}", rows[2]);
    assert_eq!(&rows[3][..3], ["5", didnt.as_str(), "accepted"]);
    let got = stored(&server);
    assert_eq!(got[&didnt]["dont_visit"], 1);
    assert_eq!(got[&fresh]["notes"], "Всё хорошо");
}

#[test]
fn the_readme_samples_are_valid() {
    let env = UserEnv::new();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/examples");
    for (name, format) in [
        ("paper-forms-cp1251.csv", "csv"),
        ("paper-forms.xlsx", "spreadsheet"),
    ] {
        let output = env
            .cmd()
            .args(["import", "--dry-run", "--json"])
            .arg(examples.join(name))
            .output()
            .unwrap();
        let value = json_of(&output);
        assert_eq!(output.status.code(), Some(0), "{name}: {value}");
        assert_eq!(value["format"], format);
        assert_eq!(
            (value["valid"].as_u64(), value["invalid"].as_u64()),
            (Some(4), Some(0)),
            "{name}"
        );
    }
}

#[test]
fn a_row_another_sender_is_sending_is_left_to_it_and_sent_once() {
    let env = UserEnv::new();
    let dir = tempfile::tempdir().unwrap();
    let (ids, file) = three_rows(dir.path(), "lease", "lease.csv");
    // Saved first (the server is down), then one entry is claimed by "another sender".
    let down_port = DownPort::new();
    let down = down_port.url();
    let (code, value) = import_json(&env, &down, &file, &[]);
    assert_eq!(code, Some(5), "{value}");
    let outbox = visit_rating::outbox::Outbox::open(&env.data_dir()).unwrap();
    let held = outbox
        .list()
        .unwrap()
        .entries
        .into_iter()
        .find(|e| e.visit_id.as_str().ends_with(ids[1].as_str()))
        .expect("the second row waits in the outbox");
    let lease = outbox
        .claim(&held.id)
        .unwrap()
        .expect("nobody holds it yet");

    let server = down_port.start_mock_process(&["--token", TOKEN]);
    let (code, value) = import_json(&env, &server.url, &file, &[]);
    assert_eq!(code, Some(1), "left to the other sender: {value}");
    let outcomes = outcomes_of(&value);
    assert_eq!(
        outcomes,
        vec!["accepted", "in_flight", "accepted"],
        "{value}"
    );
    assert_eq!(server.requests().len(), 2, "the leased entry was not sent");

    drop(lease);
    let (code, value) = import_json(&env, &server.url, &file, &[]);
    assert_eq!(code, Some(0), "{value}");
    let outcomes = outcomes_of(&value);
    assert_eq!(
        outcomes,
        vec!["already_delivered", "accepted", "already_delivered"],
        "{value}"
    );
    assert_eq!(server.requests().len(), 3, "each rating sent once");
}

/// `import --dry-run --json big.csv | head -c 16`: the reader goes away after the first
/// bytes of a report far larger than a pipe holds; the command ends quietly (no panic
/// about a broken pipe) with the code it would have had.
#[test]
fn a_report_cut_short_by_its_reader_ends_quietly() {
    use std::fmt::Write as _;
    use std::io::Read as _;
    let env = UserEnv::new();
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("Визит;Ожидание;Результат;Отношение;Чистота\n");
    for n in 0..3000 {
        writeln!(text, "visit-cut-short-{n};5;4;5;3").unwrap();
    }
    let file = write(dir.path(), "big.csv", text.as_bytes());
    let mut child = env
        .std_cmd(assert_cmd::cargo::cargo_bin("visit-rating"))
        .args(["import", "--dry-run", "--json"])
        .arg(&file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The reader is gone now (dropped above).
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn an_outbox_that_cannot_be_opened_is_said_in_the_chosen_language() {
    let env = UserEnv::new();
    let dir = tempfile::tempdir().unwrap();
    let (_, file) = three_rows(dir.path(), "nobox", "nobox.csv");
    // The data folder is a file: the outbox cannot be opened.
    let data = env.data_dir();
    std::fs::create_dir_all(data.parent().unwrap()).unwrap();
    std::fs::write(&data, "not a folder").unwrap();
    let server = MockProcess::start(&["--token", TOKEN]);

    let ran = import(&env, &server.url, &file).expect(1, &["Очередь оценок в "]);
    assert!(
        !ran.stderr.contains("the outbox at") && !ran.stderr.contains("cannot be used"),
        "English error text in the Russian message: {ran:#?}"
    );
    import(&env, &server.url, &file)
        .args(["--lang", "en"])
        .expect(1, &["The outbox at ", " cannot be used: "]);
    assert!(server.requests().is_empty(), "nothing was sent");
}
