//! "Import from file…" in the real window, driven through its accessibility tree with
//! `egui_kittest`, sending to a real stand-in server over loopback: the preview marks an
//! invalid cell and explains it, sending shows progress, the summary saves a report. A
//! snapshot of the preview (looked at by a person when it changes). A spreadsheet past
//! the import's limits ends in the message, not a crash; a large file's preview keeps
//! its first rows and counts the rest. Without a token, sending says why in the window's
//! language.

use std::path::Path;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use visit_rating::mock_server::{Faults, MockOptions, RunningMock};
use visit_rating::ui::RatingApp;
use visit_rating::ui::app::Screen;

use crate::support::ui::{
    STEP_FRAMES, TOKEN, build, builder, server_with, settle, setup_for, step_until,
    step_until_seen, step_until_within,
};

const HEADER: &str =
    "Визит;Время ожидания;Результат посещения;Отношение персонала;Чистота;Замечания;Не был(а)";

fn slow_server(latency_ms: u64) -> RunningMock {
    server_with(MockOptions {
        faults: Faults {
            latency_ms,
            ..Faults::default()
        },
        ..MockOptions::default()
    })
}

/// Five good rows and one with a score of 6 in «Чистота» (row 4).
fn write_file(dir: &Path) -> std::path::PathBuf {
    let text = format!(
        "{HEADER}\nui-imp-1;5;4;3;2;Спасибо;\nui-imp-2;5;5;5;5;;\nui-imp-3;4;4;4;6;;\nui-imp-4;1;2;3;4;;\nui-imp-5;;;;;;да\nui-imp-6;3;3;3;3;;\n"
    );
    let path = dir.join("анкеты.csv");
    std::fs::write(&path, encoding_rs::WINDOWS_1251.encode(&text).0).unwrap();
    path
}

fn import_harness(url: &str, data: &Path, wgpu: bool) -> Harness<'static, RatingApp> {
    let mut setup = setup_for(url, TOKEN);
    setup.data_dir = Some(data.to_owned());
    let height = if wgpu { 860.0 } else { 1100.0 };
    let builder = builder(egui::vec2(1000.0, height));
    build(if wgpu { builder.wgpu() } else { builder }, setup)
}

fn open_file(harness: &mut Harness<'_, RatingApp>, path: &Path) {
    start_reading(harness, path);
    step_until(harness, |app| app.import_preview().is_some());
}

/// Type `path` (over whatever the field held) and press "Открыть", opening the import
/// screen first if needed.
fn start_reading(harness: &mut Harness<'_, RatingApp>, path: &Path) {
    if harness.state().screen() != Screen::Import {
        harness.get_by_label("Импорт из файла…").click();
        settle(harness);
    }
    assert_eq!(harness.state().screen(), Screen::Import);
    harness.get_by_label("Путь к файлу").click();
    settle(harness);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    settle(harness);
    harness
        .get_by_label("Путь к файлу")
        .type_text(&path.display().to_string());
    settle(harness);
    harness.get_by_label("Открыть").click();
}

#[test]
fn the_preview_explains_the_invalid_cell_then_sending_shows_progress_and_a_summary() {
    let server = slow_server(150);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path());
    let mut harness = import_harness(&server.url(), &dir.path().join("data"), false);
    open_file(&mut harness, &file);

    // The preview: counts, the bad cell's value, and its explanation with row/column.
    harness.get_by_label("Строк: 6; в порядке: 5; с ошибками: 1.");
    harness.get_by_label("«Чистота» (E): «6» — оценка должна быть от 1 до 5");
    harness.get_by_label("Строка 4: «Чистота» (E): «6» — оценка должна быть от 1 до 5");
    assert_eq!(harness.query_all_by_label("в порядке").count(), 5);

    harness
        .get_by_label("Отправить строки без ошибок: 5")
        .click();
    step_until_within(&mut harness, 1000, RatingApp::import_busy);
    // Progress while sending (150 ms per request): a bar and a Stop button.
    assert!(
        harness.query_by_label_contains("Отправка: ").is_some()
            || harness.query_by_label_contains("Сохранение: ").is_some(),
        "a progress bar while sending"
    );
    harness.get_by_label("Остановить");
    step_until_within(&mut harness, 2000, |app| !app.import_busy());

    harness.get_by_label(
        "Строк: 6; доставлено: 5 (из них раньше: 0); ожидают отправки: 0; отклонено сервером: 0; с ошибками: 1.",
    );
    assert_eq!(server.state().ratings().len(), 5);

    // "Save report": beside the file, by default.
    harness.get_by_label("Сохранить отчёт").click();
    let report = dir.path().join("анкеты-report.csv");
    let saved = format!("Отчёт сохранён: {}", report.display());
    step_until_seen(&mut harness, STEP_FRAMES, |harness| {
        harness.query_by_label(&saved).is_some()
    });
    let bytes = std::fs::read(&report).unwrap();
    let (text, _, _) = encoding_rs::WINDOWS_1251.decode(&bytes);
    assert_eq!(text.lines().count(), 7, "{text}");
    assert!(text.contains("4;ui-imp-3;invalid;"), "{text}");
    assert!(text.contains("2;ui-imp-1;accepted;"), "{text}");
}

#[test]
fn snapshot_of_the_preview() {
    let server = slow_server(0);
    let data = tempfile::tempdir().unwrap();
    // A fixed folder: the typed path is in the picture.
    let dir = std::env::temp_dir().join("visit-rating-import-snapshot");
    std::fs::create_dir_all(&dir).unwrap();
    let file = write_file(&dir);
    let mut harness = import_harness(&server.url(), data.path(), true);
    open_file(&mut harness, &file);
    harness.remove_cursor();
    settle(&mut harness);
    harness.snapshot("import_preview");
    assert_eq!(
        server.state().requests().len(),
        0,
        "a preview sends nothing"
    );
}

#[test]
fn a_spreadsheet_past_the_limits_ends_in_the_message_not_a_crash() {
    let server = slow_server(0);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("claims.xlsx");
    crate::support::hostile::xlsx_claiming_shared_strings(&file);
    let mut harness = import_harness(&server.url(), &dir.path().join("data"), false);
    start_reading(&mut harness, &file);
    step_until(&mut harness, |app| app.import_error().is_some());
    let message = harness.state().import_error().unwrap().to_owned();
    assert!(
        message.starts_with(
            "Файл не принят: общих строк таблицы (sharedStrings) — 1000000000000, а можно не больше 1000000."
        ),
        "{message}"
    );
    harness.get_by_label(&message);
    assert!(harness.state().import_preview().is_none());
    assert_eq!(harness.state().screen(), Screen::Import);
    // The window goes on: another file opens as usual.
    let good = write_file(dir.path());
    open_file(&mut harness, &good);
    harness.get_by_label("Строк: 6; в порядке: 5; с ошибками: 1.");
}

#[test]
fn the_preview_of_a_large_file_shows_the_first_rows_and_counts_the_rest() {
    use std::fmt::Write as _;
    let server = slow_server(0);
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("{HEADER}\n");
    for n in 0..4_321 {
        let score = if n == 4_000 { 9 } else { 5 };
        writeln!(text, "big-ui-{n};{score};4;3;2;Врач внимательный;").unwrap();
    }
    let file = dir.path().join("big.csv");
    std::fs::write(&file, text).unwrap();
    let mut harness = import_harness(&server.url(), &dir.path().join("data"), false);
    open_file(&mut harness, &file);

    harness.get_by_label("Строк: 4321; в порядке: 4320; с ошибками: 1.");
    harness.get_by_label(
        "…и ещё 3321 строка: в таблице первые 1000; проверены и будут отправлены все.",
    );
    let loaded = harness.state().import_preview().unwrap();
    assert_eq!(loaded.preview.rows.len(), 1000);
    assert_eq!(loaded.preview.rows[0].number, 2);
    // The invalid row past the preview's rows is still explained under it.
    harness.get_by_label("Строка 4002: «Время ожидания» (B): «9» — оценка должна быть от 1 до 5");
    // The remarks column shows the decoded text, so garbled text is seen before sending.
    assert!(harness.query_all_by_label("Врач внимательный").count() > 0);
    assert_eq!(
        server.state().requests().len(),
        0,
        "a preview sends nothing"
    );
}

/// A gateway that refuses every request: the first row is `refused`, the rest
/// `paused_refused`; all five wait in the outbox, and the window's summary says so (it
/// used to leave them out of «ожидают отправки»).
#[test]
fn rows_a_gateway_refused_are_counted_as_waiting() {
    let server = server_with(MockOptions {
        faults: Faults {
            gateway_refusal: Some(403),
            ..Faults::default()
        },
        ..MockOptions::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path());
    let mut harness = import_harness(&server.url(), &dir.path().join("data"), false);
    open_file(&mut harness, &file);
    harness
        .get_by_label("Отправить строки без ошибок: 5")
        .click();
    step_until_within(&mut harness, 1000, RatingApp::import_busy);
    step_until_within(&mut harness, 2000, |app| !app.import_busy());
    harness.get_by_label(
        "Строк: 6; доставлено: 0 (из них раньше: 0); ожидают отправки: 5; отклонено сервером: 0; с ошибками: 1.",
    );
    assert_eq!(
        crate::support::saved_ratings(&dir.path().join("data")),
        5,
        "all five kept"
    );
}

#[test]
fn without_a_token_sending_the_import_says_why_in_russian() {
    crate::support::ui::mock_keyring();
    let server = crate::support::ui::server();
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path());
    let mut setup = setup_for(&server.url(), TOKEN);
    setup.data_dir = Some(dir.path().join("data"));
    // The keyring, which holds no token for this server.
    setup.tokens = visit_rating::service::TokenSource::bound_to(Some(&server.url()));
    let mut harness = build(builder(egui::vec2(1000.0, 1100.0)), setup);
    open_file(&mut harness, &file);
    harness
        .get_by_label("Отправить строки без ошибок: 5")
        .click();
    step_until(&mut harness, |app| {
        !app.import_busy() && app.import_error().is_some()
    });
    let origin = visit_rating::api::origin(&server.url());
    let error = harness.state().import_error().unwrap().to_owned();
    assert!(
        error.starts_with(&format!("Для сервера {origin} токен не сохранён")),
        "{error}"
    );
    assert!(
        !error.contains("no token"),
        "no English error text: {error}"
    );
    assert!(server.state().ratings().is_empty());
}
