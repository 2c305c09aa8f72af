//! The real window's UI, driven through its accessibility tree with `egui_kittest`, sending
//! to a real stand-in server over loopback HTTP.

use egui::{Key, Modifiers};
use egui_kittest::kittest::{NodeT, Queryable};
use visit_rating::config::{Config, Language};
use visit_rating::mock_server::{Faults, MockOptions, RunningMock};
use visit_rating::secrets::Token;
use visit_rating::service::TokenSource;
use visit_rating::ui::app::{LastResult, Screen};
use visit_rating::ui::{AppSetup, RatingApp};

use crate::support::DownPort;
use crate::support::ui::{
    CLEANLINESS, CRITERIA, DIDNT_VISIT, NOTES, RESULT, SUBMIT, TOKEN, WAITING, assert_form_kept,
    click_at, click_star, fill, harness, mock_keyring, rate_visits_in_turn, sent, server, settle,
    setup_for, setup_without_url, step_until, step_until_shown, step_until_within, type_into,
    type_visit_id,
};

#[test]
fn each_row_is_set_with_the_mouse_and_described_for_screen_readers() {
    let server = server();
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    for criterion in CRITERIA {
        harness.get_by_label(&format!("{criterion}: не выбрано"));
    }
    for (criterion, stars) in CRITERIA.into_iter().zip([4, 1, 5, 2]) {
        click_star(&mut harness, criterion, stars);
        let label = format!("{criterion}: {stars} из 5");
        let node = harness.get_by_label(&label);
        assert_eq!(
            node.accesskit_node().numeric_value(),
            Some(f64::from(stars))
        );
    }
    // Clicking again changes the choice.
    click_star(&mut harness, WAITING, 2);
    harness.get_by_label(&format!("{WAITING}: 2 из 5"));
}

#[test]
fn a_focused_row_takes_digits_and_arrows() {
    let server = server();
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    harness
        .get_by_label(&format!("{RESULT}: не выбрано"))
        .focus();
    settle(&mut harness);
    harness.key_press(Key::Num3);
    settle(&mut harness);
    harness.get_by_label(&format!("{RESULT}: 3 из 5"));
    harness.key_press(Key::ArrowRight);
    settle(&mut harness);
    harness.get_by_label(&format!("{RESULT}: 4 из 5"));
    harness.key_press(Key::ArrowLeft);
    harness.key_press(Key::ArrowLeft);
    settle(&mut harness);
    harness.get_by_label(&format!("{RESULT}: 2 из 5"));
    // A screen reader's increment action works too.
    harness
        .get_by_label(&format!("{RESULT}: 2 из 5"))
        .increment_accesskit();
    settle(&mut harness);
    harness.get_by_label(&format!("{RESULT}: 3 из 5"));
}

#[test]
fn didnt_visit_disables_the_rows_and_unticking_restores_them() {
    let server = server();
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    click_star(&mut harness, WAITING, 4);
    click_star(&mut harness, CLEANLINESS, 2);

    harness.get_by_label(DIDNT_VISIT).click();
    settle(&mut harness);
    for criterion in CRITERIA {
        let label = format!("{criterion}: ");
        let row = harness.get_by_label_contains(&label);
        assert!(
            row.accesskit_node().is_disabled(),
            "{criterion} is disabled"
        );
    }
    // A disabled row ignores clicks and keeps its value.
    click_star(&mut harness, WAITING, 1);
    harness.get_by_label(&format!("{WAITING}: 4 из 5"));
    // The form is complete without scores now.
    type_visit_id(&mut harness, "visit-didnt");
    assert!(!harness.get_by_label(SUBMIT).accesskit_node().is_disabled());

    harness.get_by_label(DIDNT_VISIT).click();
    settle(&mut harness);
    let label = format!("{WAITING}: 4 из 5");
    let row = harness.get_by_label(&label);
    assert!(!row.accesskit_node().is_disabled());
    harness.get_by_label(&format!("{CLEANLINESS}: 2 из 5"));
    harness.get_by_label(&format!("{RESULT}: не выбрано"));
    assert!(harness.get_by_label(SUBMIT).accesskit_node().is_disabled());
}

#[test]
fn submit_is_enabled_only_when_complete_and_the_hint_says_what_is_missing() {
    let server = server();
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    assert!(harness.get_by_label(SUBMIT).accesskit_node().is_disabled());
    harness.get_by_label_contains("Введите идентификатор посещения.");
    harness.get_by_label_contains(&format!("Осталось оценить: «{WAITING}», «{RESULT}»"));

    fill(&mut harness, "visit-hint", [5, 5, 5, 5]);
    assert!(!harness.get_by_label(SUBMIT).accesskit_node().is_disabled());
    assert!(
        harness
            .query_by_label_contains("Осталось оценить")
            .is_none()
    );

    type_visit_id(&mut harness, "/x");
    // Said under the field and in the hint beside the button.
    assert!(
        harness
            .get_all_by_label_contains("не должен содержать символ «/»")
            .count()
            >= 1
    );
    assert!(harness.get_by_label(SUBMIT).accesskit_node().is_disabled());
}

#[test]
fn an_accepted_rating_thanks_and_new_rating_empties_the_form() {
    let server = server();
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    fill(&mut harness, "visit-ok", [5, 3, 5, 4]);
    type_into(&mut harness, NOTES, "Спасибо доктору 👍");
    harness.get_by_label(SUBMIT).click();
    step_until(&mut harness, sent);

    assert_eq!(harness.state().screen(), Screen::ThankYou);
    harness.get_by_label("Спасибо! Оценка принята.");
    let ratings = server.state().ratings();
    assert_eq!(ratings.len(), 1);
    assert_eq!(
        ratings[0].raw_body,
        r#"{"result_1":5,"result_2":3,"result_3":5,"result_4":4,"notes":"Спасибо доктору 👍","dont_visit":0}"#
    );

    harness.get_by_label("Новая оценка").click();
    settle(&mut harness);
    assert_eq!(harness.state().screen(), Screen::Form);
    let id_field = harness.get_by_label("Идентификатор посещения");
    assert!(
        id_field.is_focused(),
        "the next form starts on the visit id"
    );
    assert_eq!(id_field.value().as_deref(), Some(""));
    harness.get_by_label(&format!("{WAITING}: не выбрано"));
}

#[test]
fn already_recorded_shows_the_servers_words_verbatim_and_keeps_the_form() {
    let server = server();
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    for attempt in 0..2 {
        if attempt == 1 {
            harness.get_by_label("Новая оценка").click();
            settle(&mut harness);
        }
        fill(&mut harness, "visit-twice", [4, 4, 4, 4]);
        harness.get_by_label(SUBMIT).click();
        step_until(&mut harness, sent);
    }
    assert_eq!(harness.state().screen(), Screen::Form);
    harness.get_by_label("Оценка этого посещения уже есть на сервере.");
    harness.get_by_label("Ответ сервера: «Отзыв уже существует» (код 5030, HTTP 400)");
    harness.get_by_label("Повторно отправлять не нужно: оценка не потеряна.");
    harness.get_by_label(&format!("{WAITING}: 4 из 5"));
    assert_eq!(server.state().ratings().len(), 1);
}

#[test]
fn an_expired_token_shows_5007_and_offers_to_replace_the_token() {
    let server = server();
    let mut harness = harness(setup_for(&server.url(), "expired-token"));
    fill(&mut harness, "visit-expired", [2, 3, 4, 5]);
    harness.get_by_label(SUBMIT).click();
    step_until(&mut harness, sent);
    harness.get_by_label("Сервер не принял токен доступа.");
    harness.get_by_label("Ответ сервера: «Время действия токена истекло» (код 5007, HTTP 403)");
    harness.get_by_label_contains("нужно заменить токен");
    harness.get_by_label("Заменить токен");
    harness.get_by_label(&format!("{CLEANLINESS}: 5 из 5"));
    assert!(server.state().ratings().is_empty());
}

#[test]
fn a_server_that_cannot_be_reached_keeps_everything_and_offers_a_retry() {
    let down = DownPort::new();
    let mut harness = harness(setup_for(&down.url(), TOKEN));
    fill(&mut harness, "visit-down", [1, 2, 3, 4]);
    harness.get_by_label(SUBMIT).click();
    step_until(&mut harness, sent);
    harness.get_by_label("Не удалось связаться с сервером.");
    harness.get_by_label("Сервер не ответил.");
    assert_form_kept(&harness, "visit-down");
    assert!(matches!(
        harness.state().last_result(),
        Some(LastResult::Sent(report)) if report.outcome.http_status.is_none()
    ));
}

#[test]
fn a_transient_503_shows_the_message_code_and_status() {
    let server = server();
    server.state().set_faults(Faults {
        fail_rate: 1.0,
        ..Faults::default()
    });
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    fill(&mut harness, "visit-503", [1, 2, 3, 4]);
    harness.get_by_label(SUBMIT).click();
    step_until(&mut harness, sent);
    harness.get_by_label("Ответ сервера: «Сервис временно недоступен» (код 5000, HTTP 503)");
    // Retry once the server is back: accepted.
    server.state().set_faults(Faults::default());
    harness.get_by_label("Повторить отправку").click();
    step_until(&mut harness, |app| app.screen() == Screen::ThankYou);
    assert_eq!(server.state().ratings().len(), 1);
}

#[test]
fn a_double_click_sends_exactly_one_request() {
    let server = server();
    server.state().set_faults(Faults {
        latency_ms: 300,
        ..Faults::default()
    });
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    fill(&mut harness, "visit-double", [5, 5, 5, 5]);
    let center = harness.get_by_label(SUBMIT).rect().center();
    click_at(&harness, center);
    click_at(&harness, center);
    harness.step();
    click_at(&harness, center);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    harness.step();
    assert!(harness.state().is_sending());
    harness.get_by_label("Отправка…");
    step_until(&mut harness, sent);
    assert_eq!(server.state().requests().len(), 1);
    assert_eq!(server.state().ratings().len(), 1);
}

#[test]
fn a_whole_rating_is_entered_with_the_keyboard_only() {
    let server = server();
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    // The visit id has the focus from the start.
    assert!(harness.get_by_label("Идентификатор посещения").is_focused());
    harness
        .get_by_label("Идентификатор посещения")
        .type_text("visit-keys");
    settle(&mut harness);
    for digit in [Key::Num5, Key::Num4, Key::Num3, Key::Num2] {
        harness.key_press(Key::Tab);
        settle(&mut harness);
        harness.key_press(digit);
        settle(&mut harness);
    }
    harness.key_press(Key::Tab);
    settle(&mut harness);
    let notes =
        harness.get_by_label("Пожелания и замечания для руководителя медицинского учреждения");
    assert!(
        notes.is_focused(),
        "Tab order: visit id → four rows → notes"
    );
    notes.type_text("С клавиатуры");
    settle(&mut harness);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    step_until(&mut harness, sent);
    assert_eq!(harness.state().screen(), Screen::ThankYou);
    assert_eq!(
        server.state().ratings()[0].raw_body,
        r#"{"result_1":5,"result_2":4,"result_3":3,"result_4":2,"notes":"С клавиатуры","dont_visit":0}"#
    );
    // Enter starts the next rating, with the focus back on the visit id.
    harness.key_press(Key::Enter);
    settle(&mut harness);
    assert!(harness.get_by_label("Идентификатор посещения").is_focused());
}

#[test]
fn a_scanners_enter_moves_on_to_the_first_row() {
    let server = server();
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    harness
        .get_by_label("Идентификатор посещения")
        .type_text("scanned-42");
    harness.key_press(Key::Enter);
    settle(&mut harness);
    assert!(
        harness
            .get_by_label(&format!("{WAITING}: не выбрано"))
            .is_focused()
    );
}

#[test]
fn english_on_request() {
    let server = server();
    let mut setup = setup_for(&server.url(), TOKEN);
    setup.language = Language::En;
    let harness = harness(setup);
    harness.get_by_label("Waiting time in the queue: not chosen");
    harness.get_by_label("Send rating");
    harness.get_by_label("I did not visit this clinic that day");
}

#[test]
fn without_a_server_url_the_window_opens_on_setup_and_saves_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let setup = setup_without_url(&path);
    let mut harness = harness(setup);
    assert_eq!(harness.state().screen(), Screen::Setup);
    harness.get_by_label("Настройка терминала");
    harness.get_by_label("Сохранить").click();
    settle(&mut harness);
    harness.get_by_label("Укажите адрес сервера.");

    harness.get_by_label("Адрес сервера (URL)").click();
    settle(&mut harness);
    harness
        .get_by_label("Адрес сервера (URL)")
        .type_text("http://rpgu.example.org");
    harness.get_by_label("Сохранить").click();
    settle(&mut harness);
    harness.get_by_label_contains("открытым текстом на rpgu.example.org");

    harness.get_by_label("Адрес сервера (URL)").focus();
    settle(&mut harness);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness
        .get_by_label("Адрес сервера (URL)")
        .type_text("https://rpgu.example.org");
    harness.get_by_label("Сохранить").click();
    settle(&mut harness);
    assert_eq!(harness.state().screen(), Screen::Form);
    let saved = Config::read(&path).unwrap();
    assert_eq!(
        saved.server_url.as_deref(),
        Some("https://rpgu.example.org")
    );
}

#[test]
fn saving_from_the_setup_screen_keeps_a_hand_written_files_comments_and_order() {
    use crate::support::{HAND_WRITTEN_CONFIG, HAND_WRITTEN_LAST_KEY, with_line_after};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, HAND_WRITTEN_CONFIG).unwrap();
    // As `main` starts the window: the settings read from the file.
    let setup = AppSetup {
        config: Config::read(&path).unwrap(),
        ..setup_without_url(&path)
    };
    let mut harness = harness(setup);
    assert_eq!(harness.state().screen(), Screen::Setup);
    harness.get_by_label("Адрес сервера (URL)").click();
    crate::support::settle(&mut harness);
    harness
        .get_by_label("Адрес сервера (URL)")
        .type_text("https://rpgu.example.org");
    // Meanwhile an administrator adds a note by hand: the save keeps it too.
    let edited = HAND_WRITTEN_CONFIG.replace(
        "connect_timeout_secs = 5\n",
        "connect_timeout_secs = 5  # checked on Friday\n",
    );
    std::fs::write(&path, &edited).unwrap();
    harness.get_by_label("Сохранить").click();
    crate::support::settle(&mut harness);
    assert_eq!(harness.state().screen(), Screen::Form);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        with_line_after(
            &edited,
            HAND_WRITTEN_LAST_KEY,
            "server_url = \"https://rpgu.example.org\""
        )
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn the_status_line_warns_ahead_of_the_tokens_expiry() {
    mock_keyring();
    let server = server();
    let origin = visit_rating::api::origin(&server.url());
    let soon = crate::support::jwt_expiring_in(3 * 86_400 + 3600);
    visit_rating::secrets::store_token(&origin, &Token::new(&soon).unwrap()).unwrap();
    let mut setup = setup_for(&server.url(), TOKEN);
    setup.tokens = TokenSource::bound_to(Some(&server.url()));
    let mut harness = harness(setup);
    step_until_shown(&mut harness, "Токен доступа истекает через 3 дня");

    // Far from its expiry (beyond token_warning_days), nothing is said.
    let far_server = self::server();
    let origin = visit_rating::api::origin(&far_server.url());
    let later = crate::support::jwt_expiring_in(30 * 86_400);
    visit_rating::secrets::store_token(&origin, &Token::new(&later).unwrap()).unwrap();
    let mut setup = setup_for(&far_server.url(), TOKEN);
    setup.tokens = TokenSource::bound_to(Some(&server.url()));
    let mut far = self::harness(setup);
    step_until(&mut far, RatingApp::token_status_known);
    assert!(far.query_by_label_contains("Токен доступа").is_none());
}

#[test]
fn an_expired_token_is_replaced_in_the_settings_and_the_same_rating_resent() {
    mock_keyring();
    let server = server();
    let origin = visit_rating::api::origin(&server.url());
    visit_rating::secrets::store_token(&origin, &Token::new("expired-token").unwrap()).unwrap();
    let mut setup = setup_for(&server.url(), TOKEN);
    setup.tokens = TokenSource::bound_to(Some(&server.url()));
    let mut harness = harness(setup);

    fill(&mut harness, "visit-token", [2, 5, 4, 3]);
    type_into(&mut harness, NOTES, "Долго ждали");
    harness.get_by_label(SUBMIT).click();
    step_until(&mut harness, sent);
    harness.get_by_label("Ответ сервера: «Время действия токена истекло» (код 5007, HTTP 403)");

    harness.get_by_label("Заменить токен").click();
    settle(&mut harness);
    assert_eq!(harness.state().screen(), Screen::Setup);
    step_until_shown(&mut harness, "хранится в: Mock store");
    // The field is masked and the stored value is never shown.
    assert!(harness.query_by_label_contains("expired-token").is_none());
    let field = "Новый токен (хранится только в хранилище паролей системы)";
    harness.get_by_label(field).click();
    settle(&mut harness);
    harness.get_by_label(field).type_text(TOKEN);
    settle(&mut harness);
    harness.get_by_label("Сохранить токен").click();
    step_until_shown(
        &mut harness,
        "Токен сохранён. Оценку можно отправить повторно.",
    );
    assert_eq!(
        visit_rating::secrets::load_token(&origin).unwrap(),
        Token::new(TOKEN).unwrap()
    );

    harness.get_by_label("Назад к форме").click();
    settle(&mut harness);
    harness.get_by_label(&format!("{WAITING}: 2 из 5"));
    harness.get_by_label(SUBMIT).click();
    step_until(&mut harness, |app| app.screen() == Screen::ThankYou);
    assert_eq!(
        server.state().ratings()[0].raw_body,
        r#"{"result_1":2,"result_2":5,"result_3":4,"result_4":3,"notes":"Долго ждали","dont_visit":0}"#
    );
}

#[test]
fn with_the_server_down_ratings_are_saved_and_sent_when_it_is_back() {
    let down = DownPort::new();
    let url = down.url();
    let data = tempfile::tempdir().unwrap();
    let mut setup = setup_for(&url, TOKEN);
    setup.data_dir = Some(data.path().to_owned());
    let mut harness = harness(setup);

    rate_visits_in_turn(&mut harness, 3, |harness| {
        // Not an error: saved, and it will go out by itself.
        assert_eq!(harness.state().screen(), Screen::ThankYou);
        harness.get_by_label("Спасибо! Ваша оценка сохранена.");
        harness.get_by_label("Оценка сохранена и будет отправлена автоматически.");
    });
    step_until_within(&mut harness, 1000, |app| {
        app.outbox_status().is_some_and(|s| s.waiting == 3)
    });
    harness.get_by_label_contains("В очереди 3 оценки");

    // The server comes back on the same address: the counter goes to zero by itself.
    let server = RunningMock::serve(
        down.listen(),
        MockOptions {
            tokens: vec![TOKEN.to_owned()],
            ..MockOptions::default()
        },
    )
    .unwrap();
    step_until_within(&mut harness, 3000, |app| {
        app.outbox_status()
            .is_some_and(|s| s.waiting == 0 && !s.sending)
    });
    assert!(harness.query_by_label_contains("В очереди").is_none());
    let mut histories: Vec<String> = server
        .state()
        .ratings()
        .into_iter()
        .map(|r| r.history)
        .collect();
    histories.sort();
    assert_eq!(
        histories,
        ["visit-offline-0", "visit-offline-1", "visit-offline-2"]
    );
    let log = std::fs::read_to_string(data.path().join("sent.log")).unwrap();
    assert_eq!(log.lines().count(), 3);
    assert!(log.contains("\"outcome\":\"accepted\"") && !log.contains("notes"));
}

#[test]
fn a_kiosk_thanks_the_patient_when_the_rating_is_kept_and_tells_staff() {
    let server = server();
    server.state().set_faults(Faults {
        fail_rate: 1.0,
        ..Faults::default()
    });
    let data = tempfile::tempdir().unwrap();
    let mut setup = setup_for(&server.url(), TOKEN);
    setup.data_dir = Some(data.path().to_owned());
    setup.kiosk = true;
    setup.config = crate::support::ui::kiosk_config();
    let mut harness = harness(setup);
    harness
        .get_by_label("Идентификатор посещения")
        .type_text("kiosk-kept");
    harness.key_press(Key::Enter);
    settle(&mut harness);
    for criterion in CRITERIA {
        click_star(&mut harness, criterion, 4);
    }
    harness.get_by_label(SUBMIT).click();
    step_until(&mut harness, |app| app.screen() == Screen::ThankYou);
    harness.get_by_label("Спасибо! Ваша оценка сохранена.");
    assert!(
        harness.query_by_label_contains("503").is_none(),
        "no server error for the patient"
    );
    step_until_within(&mut harness, 1000, |app| {
        app.outbox_status().is_some_and(|s| s.waiting == 1)
    });
    harness.get_by_label("(!) Терминал требует внимания персонала");
}

/// A field's text, as the accessibility tree gives it, in characters.
fn chars_in(harness: &egui_kittest::Harness<'_, RatingApp>, label: &str) -> usize {
    harness
        .get_by_label(label)
        .value()
        .unwrap_or_default()
        .chars()
        .count()
}

/// A scanner or a key held down types past the visit id's limit, and a paste brings
/// more remarks than allowed: each field stops at its limit (what a rating may hold),
/// and says so.
#[test]
fn the_visit_id_and_the_remarks_stop_at_their_limits_typed_or_pasted() {
    use crate::support::ui::{NOTES, VISIT_ID};
    use visit_rating::api::MAX_VISIT_ID_CHARS;
    use visit_rating::rating::NOTES_MAX_CHARS;
    let server = server();
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    harness.get_by_label(VISIT_ID).click();
    settle(&mut harness);
    let field = harness.get_by_label(VISIT_ID);
    for _ in 0..MAX_VISIT_ID_CHARS + 40 {
        field.type_text("7");
    }
    settle(&mut harness);
    assert_eq!(chars_in(&harness, VISIT_ID), MAX_VISIT_ID_CHARS);
    harness.get_by_label_contains("не более 256 символов");
    assert!(
        harness
            .query_by_label_contains("не более 2000 символов")
            .is_none()
    );

    harness.get_by_label(NOTES).click();
    settle(&mut harness);
    harness.event(egui::Event::Paste("я".repeat(NOTES_MAX_CHARS - 10)));
    settle(&mut harness);
    assert_eq!(chars_in(&harness, NOTES), NOTES_MAX_CHARS - 10);
    assert!(
        harness
            .query_by_label_contains("не более 2000 символов")
            .is_none(),
        "below the limit, no word about it"
    );
    // Pasted on top: only what fits is taken.
    harness.event(egui::Event::Paste("ю".repeat(8_000)));
    settle(&mut harness);
    assert_eq!(chars_in(&harness, NOTES), NOTES_MAX_CHARS);
    harness.get_by_label_contains("не более 2000 символов");
    harness.get_by_label("2000 / 2000");

    // What the fields hold is a rating the server takes.
    for (criterion, stars) in CRITERIA.into_iter().zip([3, 3, 4, 4]) {
        click_star(&mut harness, criterion, stars);
    }
    // Below 2,000 characters of remarks: scrolled to, as a person would.
    harness.get_by_label(SUBMIT).scroll_to_me();
    settle(&mut harness);
    harness.get_by_label(SUBMIT).click();
    step_until(&mut harness, sent);
    let ratings = server.state().ratings();
    assert_eq!(ratings.len(), 1);
    assert_eq!(ratings[0].history, "7".repeat(MAX_VISIT_ID_CHARS));
    assert_eq!(
        ratings[0].body["notes"].as_str().unwrap().chars().count(),
        NOTES_MAX_CHARS
    );
}

/// An assistive technology (a screen reader's or an on-screen keyboard's "set value" and
/// "replace selected text") is another way in: it stops at the limits too.
#[test]
fn text_from_assistive_technology_stops_at_the_limits() {
    use crate::support::ui::{NOTES, VISIT_ID};
    use visit_rating::api::MAX_VISIT_ID_CHARS;
    use visit_rating::rating::NOTES_MAX_CHARS;
    let server = server();
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    harness.get_by_label(VISIT_ID).click();
    settle(&mut harness);
    harness
        .get_by_label(VISIT_ID)
        .replace_selected_text_accesskit(&"8".repeat(MAX_VISIT_ID_CHARS + 500));
    settle(&mut harness);
    assert_eq!(
        chars_in(&harness, VISIT_ID),
        MAX_VISIT_ID_CHARS,
        "taken up to the limit"
    );
    harness.get_by_label(NOTES).click();
    settle(&mut harness);
    harness
        .get_by_label(NOTES)
        .replace_selected_text_accesskit(&"щ".repeat(NOTES_MAX_CHARS * 4));
    settle(&mut harness);
    assert_eq!(
        chars_in(&harness, NOTES),
        NOTES_MAX_CHARS,
        "taken up to the limit"
    );
    harness
        .get_by_label(NOTES)
        .set_text_value_accesskit(&"ы".repeat(NOTES_MAX_CHARS * 4));
    settle(&mut harness);
    assert_eq!(
        chars_in(&harness, NOTES),
        NOTES_MAX_CHARS,
        "taken up to the limit"
    );
}

/// A window whose outbox (in `data`) holds one rating for `url`, due now, with the
/// keyring's tokens bound to `url` and none stored for it; `before` runs just before the
/// window starts.
fn window_with_a_waiting_rating(
    url: &str,
    data: &std::path::Path,
    before: impl FnOnce(),
) -> egui_kittest::Harness<'static, RatingApp> {
    mock_keyring();
    let rating = visit_rating::rating::Rating {
        scores: [5, 4, 3, 2].map(|v| visit_rating::rating::Score::new(v).unwrap()),
        notes: String::new(),
        didnt_visit: false,
    };
    let id = visit_rating::api::VisitId::parse(&crate::support::unique("sender-problem")).unwrap();
    visit_rating::outbox::Outbox::open(data)
        .unwrap()
        .enqueue(&id, &rating, &visit_rating::api::origin(url))
        .unwrap();
    before();
    let mut setup = setup_for(url, TOKEN);
    setup.data_dir = Some(data.to_owned());
    setup.tokens = TokenSource::bound_to(Some(url));
    harness(setup)
}

#[test]
fn the_status_line_says_in_russian_that_the_sender_has_no_token() {
    let server = server();
    let data = tempfile::tempdir().unwrap();
    let mut harness = window_with_a_waiting_rating(&server.url(), data.path(), || {});
    let origin = visit_rating::api::origin(&server.url());
    step_until_shown(&mut harness, "Отправка невозможна");
    harness.get_by_label_contains(&format!("Для сервера {origin} токен не сохранён"));
    assert!(
        harness.query_by_label_contains("no token").is_none(),
        "no English error text in the Russian status line"
    );
    assert!(
        server.state().ratings().is_empty(),
        "nothing sent without a token"
    );
}

#[test]
fn the_status_line_says_in_russian_that_the_outbox_cannot_be_read() {
    let server = server();
    let data = tempfile::tempdir().unwrap();
    // Where the outbox keeps its damaged files stands a file: the outbox cannot be
    // listed.
    let mut harness = window_with_a_waiting_rating(&server.url(), data.path(), || {
        std::fs::write(data.path().join("outbox").join("damaged"), b"not a folder").unwrap();
    });
    step_until_shown(&mut harness, "Отправка невозможна");
    harness.get_by_label_contains("Очередь оценок в ");
    assert!(
        harness.query_by_label_contains("cannot be used").is_none(),
        "no English error text in the Russian status line"
    );
}
