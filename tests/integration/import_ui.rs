//! "Import from file…" in the real window, driven through its accessibility tree with
//! `egui_kittest`, sending to a real stand-in server over loopback: the preview marks an
//! invalid cell and explains it, sending shows progress, the summary saves a report. A
//! snapshot of the preview (looked at by a person when it changes). A spreadsheet past
//! the import's limits ends in the message, not a crash; a large file's preview keeps
//! its first rows and counts the rest. Without a token, sending says why in the window's
//! language. A file dropped on the window (egui's dropped files) is read as a typed path
//! is: from the desk's form too, the first of several, a folder refused alike, not while
//! rows are being sent, never on a kiosk's patient screens. The table's headers are
//! whole words at the window's minimum size and at 1280×800.

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

/// A file dropped on the window, as eframe hands it over (a path on disk).
#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// Drop `paths` on the window (one frame's `RawInput::dropped_files`).
fn drop_files(harness: &mut Harness<'_, RatingApp>, paths: &[&Path]) {
    harness.input_mut().dropped_files.extend(
        paths
            .iter()
            .map(|p| std::sync::Arc::new(Dropped(p.to_path_buf())) as egui::DroppedFileHandle),
    );
    harness.step();
}

#[test]
fn a_file_dropped_on_the_desk_form_opens_the_import_with_its_preview() {
    let server = slow_server(0);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path());
    let mut harness = import_harness(&server.url(), &dir.path().join("data"), false);
    assert_eq!(harness.state().screen(), Screen::Form);

    drop_files(&mut harness, &[&file]);
    assert_eq!(harness.state().screen(), Screen::Import);
    step_until(&mut harness, |app| app.import_preview().is_some());
    settle(&mut harness);
    // The preview's rows, in the accessibility tree.
    harness.get_by_label("Строк: 6; в порядке: 5; с ошибками: 1.");
    for id in ["ui-imp-1", "ui-imp-3", "ui-imp-6"] {
        harness.get_by_label(id);
    }
    harness.get_by_label("Строка 4: «Чистота» (E): «6» — оценка должна быть от 1 до 5");
    // The path field holds the dropped file's path, for typing over.
    assert_eq!(
        harness.get_by_label("Путь к файлу").value().as_deref(),
        Some(file.display().to_string().as_str())
    );
    assert_eq!(
        server.state().requests().len(),
        0,
        "a preview sends nothing"
    );
}

#[test]
fn of_several_dropped_files_the_first_is_read_and_a_dropped_folder_is_refused_as_typed() {
    let server = slow_server(0);
    let dir = tempfile::tempdir().unwrap();
    let first = write_file(dir.path());
    let second = dir.path().join("second.csv");
    std::fs::write(&second, format!("{HEADER}\nother-1;5;5;5;5;;\n")).unwrap();
    let mut harness = import_harness(&server.url(), &dir.path().join("data"), false);
    harness.get_by_label("Импорт из файла…").click();
    settle(&mut harness);

    drop_files(&mut harness, &[&first, &second]);
    step_until(&mut harness, |app| app.import_preview().is_some());
    settle(&mut harness);
    harness.get_by_label("Строк: 6; в порядке: 5; с ошибками: 1.");
    harness.get_by_label(&format!(
        "Перетащено файлов: 2. Читается только первый: {}.",
        first.display()
    ));
    assert!(harness.query_by_label("other-1").is_none());

    // A folder: the message a typed path gets, and the field keeps the path.
    let folder = dir.path().join("a folder");
    std::fs::create_dir(&folder).unwrap();
    start_reading(&mut harness, &folder);
    step_until(&mut harness, |app| app.import_error().is_some());
    let typed = harness.state().import_error().unwrap().to_owned();
    harness.get_by_label("Назад").click();
    settle(&mut harness);
    harness.get_by_label("Импорт из файла…").click();
    settle(&mut harness);
    drop_files(&mut harness, &[&folder]);
    step_until(&mut harness, |app| app.import_error().is_some());
    settle(&mut harness);
    assert_eq!(harness.state().import_error(), Some(typed.as_str()));
    harness.get_by_label(&typed);
    assert!(harness.state().import_preview().is_none());
    assert_eq!(
        harness.get_by_label("Путь к файлу").value().as_deref(),
        Some(folder.display().to_string().as_str())
    );
}

#[test]
fn a_file_dropped_on_a_kiosk_patients_screen_does_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path());
    let mut rig = crate::support::ui::kiosk_rig();
    assert_eq!(rig.harness.state().screen(), Screen::Ready);
    drop_files(&mut rig.harness, &[&file]);
    settle(&mut rig.harness);
    assert_eq!(rig.harness.state().screen(), Screen::Ready);
    assert!(rig.harness.state().import_preview().is_none());
    assert!(!rig.harness.state().import_busy());
}

/// Each header of the preview whole: its label is the column's full name, and it is
/// drawn at least as wide as its longest word, on no more lines than it has words (a
/// word is never cut: «Результ / ат», «Ст…»). At the window's minimum size and at
/// 1280×800.
#[test]
fn the_preview_headers_are_whole_words() {
    let server = slow_server(0);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path());
    for size in [egui::vec2(640.0, 480.0), egui::vec2(1280.0, 800.0)] {
        let mut setup = setup_for(&server.url(), TOKEN);
        setup.data_dir = Some(dir.path().join("data"));
        let mut harness = build(builder(size), setup);
        open_file(&mut harness, &file);
        settle(&mut harness);
        let font = harness
            .ctx
            .global_style()
            .text_styles
            .get(&egui::TextStyle::Body)
            .unwrap()
            .clone();
        let width_of = |text: &str| {
            harness.ctx.fonts_mut(|f| {
                f.layout_no_wrap(text.to_owned(), font.clone(), egui::Color32::WHITE)
                    .size()
            })
        };
        let line = width_of("Строка").y;
        let mut headers = vec!["Строка"];
        headers.extend(HEADER.split(';'));
        headers.push("Ошибки");
        for header in headers {
            // The one node with this label: the header (no cell holds these words).
            let rect = harness.get_by_label(header).rect();
            let words = header.split_whitespace().count();
            let longest = header
                .split_whitespace()
                .map(|w| width_of(w).x)
                .fold(0.0, f32::max);
            assert!(
                rect.width() + 0.5 >= longest,
                "at {size:?}, «{header}» is {} wide, its longest word {longest}",
                rect.width()
            );
            #[allow(clippy::cast_precision_loss)]
            let most = words as f32 * line + 0.5;
            assert!(
                rect.height() <= most,
                "at {size:?}, «{header}» takes {} in height, more than {words} line(s) of {line}",
                rect.height()
            );
        }
    }
}

#[test]
fn a_file_dropped_while_rows_are_being_sent_is_refused_and_the_sending_goes_on() {
    let server = slow_server(150);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path());
    let other = dir.path().join("other.csv");
    std::fs::write(&other, format!("{HEADER}\nother-1;5;5;5;5;;\n")).unwrap();
    let mut harness = import_harness(&server.url(), &dir.path().join("data"), false);
    open_file(&mut harness, &file);
    harness
        .get_by_label("Отправить строки без ошибок: 5")
        .click();
    step_until_within(&mut harness, 1000, RatingApp::import_busy);

    drop_files(&mut harness, &[&other]);
    harness.step();
    harness.get_by_label(&format!(
        "Файл «{}» не открыт: программа ещё занята другим файлом. Перетащите его ещё раз, когда она закончит.",
        other.display()
    ));
    step_until_within(&mut harness, 2000, |app| !app.import_busy());
    harness.get_by_label(
        "Строк: 6; доставлено: 5 (из них раньше: 0); ожидают отправки: 0; отклонено сервером: 0; с ошибками: 1.",
    );
    assert_eq!(server.state().ratings().len(), 5);
    assert!(harness.query_by_label("other-1").is_none());
}
