//! Image snapshots of the main screens, in Russian, rendered by wgpu on the software
//! adapter. `UPDATE_SNAPSHOTS=1 scripts/test` regenerates them; a person looks at every
//! PNG under `tests/snapshots/` that changes.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use visit_rating::mock_server::Faults;
use visit_rating::ui::RatingApp;
use visit_rating::ui::app::Screen;

use crate::support::DownPort;
use crate::support::ui::{
    DIDNT_VISIT, SUBMIT, TOKEN, build, builder, click_star, fill, rate_visits_in_turn, server,
    settle, setup_for, step_until, step_until_within, type_visit_id,
};

fn snapshot_harness(url: &str, token: &str) -> Harness<'static, RatingApp> {
    build(
        builder(egui::vec2(1000.0, 860.0)).wgpu(),
        setup_for(url, token),
    )
}

fn shoot(harness: &mut Harness<'_, RatingApp>, name: &str) {
    harness.remove_cursor();
    // A fixed clock for the shot: a spinner's angle follows the time, and how many frames
    // a test ran before (settling on background jobs) must not change the picture.
    // (The next whole thousand seconds: time never moves backwards.) Two frames at that
    // time, not `settle`: a spinner never rests, and settling would wait for the answer.
    let now = harness.ctx.input(|i| i.time);
    harness.input_mut().time = Some(((now / 1000.0).floor() + 1.0) * 1000.0);
    harness.run_steps(2);
    harness.snapshot(name);
    harness.input_mut().time = None;
}

#[test]
fn form_screens() {
    let server = server();
    let mut harness = snapshot_harness(&server.url(), TOKEN);
    shoot(&mut harness, "form_empty");

    fill(
        &mut harness,
        "0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6",
        [5, 3, 5, 4],
    );
    harness
        .get_by_label("Пожелания и замечания для руководителя медицинского учреждения")
        .click();
    settle(&mut harness);
    harness
        .get_by_label("Пожелания и замечания для руководителя медицинского учреждения")
        .type_text("Врач внимательный, но очередь была длинной.");
    shoot(&mut harness, "form_filled");

    harness.get_by_label(DIDNT_VISIT).click();
    shoot(&mut harness, "form_didnt_visit");
}

#[test]
fn sending_and_thank_you() {
    let server = server();
    server.state().set_faults(Faults {
        latency_ms: 1500,
        ..Faults::default()
    });
    let mut harness = snapshot_harness(&server.url(), TOKEN);
    fill(&mut harness, "visit-snapshot", [4, 4, 5, 5]);
    harness.get_by_label(SUBMIT).click();
    harness.step();
    assert!(harness.state().is_sending());
    shoot(&mut harness, "form_sending");
    step_until(&mut harness, |app| app.screen() == Screen::ThankYou);
    shoot(&mut harness, "thank_you");
}

#[test]
fn error_already_recorded() {
    let server = server();
    let mut harness = snapshot_harness(&server.url(), TOKEN);
    for attempt in 0..2 {
        if attempt == 1 {
            harness.get_by_label("Новая оценка").click();
            settle(&mut harness);
        }
        type_visit_id(&mut harness, "visit-rated-twice");
        for (criterion, stars) in crate::support::ui::CRITERIA.into_iter().zip([2, 3, 4, 5]) {
            click_star(&mut harness, criterion, stars);
        }
        harness.get_by_label(SUBMIT).click();
        step_until(&mut harness, |app| {
            !app.is_sending() && (app.last_result().is_some() || app.screen() == Screen::ThankYou)
        });
    }
    shoot(&mut harness, "error_already_recorded");
}

/// Three ratings saved at a desk while the server is down: the thank-you screen of a
/// kept rating, with the queue's status line («В очереди 3 оценки», the last error,
/// «Отправить сейчас», «Очередь») that the book shows beside the outbox.
#[test]
fn saved_while_the_server_is_down() {
    let down = DownPort::new();
    let data = tempfile::tempdir().unwrap();
    let mut setup = setup_for(&down.url(), TOKEN);
    setup.data_dir = Some(data.path().to_owned());
    let mut harness = build(builder(egui::vec2(1000.0, 860.0)).wgpu(), setup);
    rate_visits_in_turn(&mut harness, 3, |_| {});
    step_until_within(&mut harness, 1000, |app| {
        app.outbox_status()
            .is_some_and(|s| s.waiting == 3 && s.last_error.is_some() && !s.sending)
    });
    harness.get_by_label("Спасибо! Ваша оценка сохранена.");
    harness.get_by_label_contains("В очереди 3 оценки");
    shoot(&mut harness, "thank_you_saved_offline");
}

/// The kiosk's ready, form and thank-you screens on each stand the clinics use, in
/// pixels: a 32" portrait stand, landscape monitors and a 7" panel.
#[test]
fn kiosk_screens_portrait_1080x1920() {
    kiosk_screens_at(egui::vec2(1080.0, 1920.0), false, true);
}

#[test]
fn kiosk_screens_1920x1080() {
    kiosk_screens_at(egui::vec2(1920.0, 1080.0), false, false);
}

#[test]
fn kiosk_screens_1280x1024() {
    kiosk_screens_at(egui::vec2(1280.0, 1024.0), false, false);
}

#[test]
fn kiosk_screens_800x480() {
    kiosk_screens_at(egui::vec2(800.0, 480.0), false, false);
}

#[test]
fn kiosk_screens_high_contrast() {
    kiosk_screens_at(egui::vec2(1080.0, 1920.0), true, true);
}

/// The kiosk's screens at `size` pixels in one theme; `all` adds the idle warning and
/// the PIN prompt.
fn kiosk_screens_at(size: egui::Vec2, high_contrast: bool, all: bool) {
    use crate::support::ui::{KioskRig, kiosk_config, kiosk_rig_with};
    use egui::{Key, Modifiers};

    let suffix = format!(
        "_{}x{}{}",
        size.x,
        size.y,
        if high_contrast { "_high_contrast" } else { "" }
    );
    let mut config = kiosk_config();
    config.high_contrast = high_contrast;
    let mut rig: KioskRig = kiosk_rig_with(config, TOKEN, size, true);
    settle(&mut rig.harness);
    shoot(&mut rig.harness, &format!("kiosk_ready{suffix}"));

    rig.scan("0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6");
    for (criterion, stars) in crate::support::ui::CRITERIA.into_iter().zip([5, 4, 5, 3]) {
        click_star(&mut rig.harness, criterion, stars);
    }
    shoot(&mut rig.harness, &format!("kiosk_form{suffix}"));

    if all {
        rig.advance(75);
        shoot(&mut rig.harness, &format!("kiosk_idle_warning{suffix}"));
        rig.harness.get_by_label("Продолжить").click();
        settle(&mut rig.harness);
    }

    rig.harness.get_by_label(SUBMIT).click();
    step_until(&mut rig.harness, |app| app.screen() == Screen::ThankYou);
    shoot(&mut rig.harness, &format!("kiosk_thank_you{suffix}"));

    if all {
        rig.advance(8);
        rig.harness
            .key_press_modifiers(Modifiers::CTRL | Modifiers::ALT, Key::A);
        settle(&mut rig.harness);
        rig.harness.get_by_label("PIN-код").type_text("1");
        shoot(&mut rig.harness, &format!("kiosk_pin{suffix}"));
    }
}

/// A portal whose words carry terminal escapes, a bidi override and a line of fake
/// advice: the form shows them escaped, on one line, nothing reordered.
#[test]
fn error_hostile_server() {
    let server = crate::hostile_text::hostile_server();
    let mut harness = snapshot_harness(&server.url(), TOKEN);
    fill(&mut harness, "visit-hostile", [2, 3, 4, 5]);
    harness.get_by_label(SUBMIT).click();
    step_until(&mut harness, |app| {
        !app.is_sending() && app.last_result().is_some()
    });
    // Shown, escaped, on one line with the fake advice…
    harness.get(egui_kittest::kittest::by().label_contains("\\u{1b}]0;pwned\\u{7}"));
    harness.get(egui_kittest::kittest::by().label_contains("\\u{202e}txt.exe\\u{a}Совет"));
    // …and nowhere raw.
    for raw in ["\u{1b}", "\u{7}", "\u{9b}", "\u{202e}", "\nСовет"] {
        assert!(
            harness.query_by_label_contains(raw).is_none(),
            "{raw:?} reaches the window raw"
        );
    }
    shoot(&mut harness, "error_hostile_server");
}

/// The guides' pictures (the book's «Регистратуре» and «Персоналу киоска»), each a state
/// those readers meet: below, the desk's answer to an expired token with the queue's
/// status line, and the kiosk's attention mark, administrator's menu and «не настроен».
///
/// A desk with an outbox whose token has expired (5007): the server's words, the advice,
/// «Заменить токен», and the status line saying that sending waits for a new token.
#[test]
fn desk_token_expired() {
    let server = server();
    let data = tempfile::tempdir().unwrap();
    let mut setup = setup_for(&server.url(), visit_rating::mock_server::EXPIRED_TOKEN);
    setup.data_dir = Some(data.path().to_owned());
    // Taller than the other desk shots: the answer's panel whole above the status line.
    let mut harness = build(builder(egui::vec2(1000.0, 1120.0)).wgpu(), setup);
    fill(
        &mut harness,
        "0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6",
        [5, 3, 5, 4],
    );
    harness.get_by_label(SUBMIT).click();
    step_until_within(&mut harness, 1000, |app| {
        !app.is_sending()
            && app.last_result().is_some()
            && app
                .outbox_status()
                .is_some_and(|s| s.waiting == 1 && s.paused.is_some())
    });
    harness.get_by_label("Сервер не принял токен доступа.");
    harness.get_by_label("Ответ сервера: «Время действия токена истекло» (код 5007, HTTP 403)");
    harness.get_by_label("Заменить токен");
    harness.get_by_label_contains("отправка приостановлена: нужен новый токен");
    shoot(&mut harness, "desk_token_expired");
}

/// A kiosk with the server down, after a patient's rating was saved for later: the ready
/// screen for the next patient with the staff's mark «(!) Терминал требует внимания
/// персонала».
#[test]
fn kiosk_attention_mark() {
    use crate::support::ui::kiosk_config;
    let down = DownPort::new();
    let data = tempfile::tempdir().unwrap();
    let clock = visit_rating::ui::clock::Clock::manual();
    let mut setup = setup_for(&down.url(), TOKEN);
    setup.config = kiosk_config();
    setup.kiosk = true;
    setup.clock = clock.clone();
    setup.data_dir = Some(data.path().to_owned());
    let size = egui::vec2(1280.0, 1024.0);
    let mut harness = build(builder(size).wgpu(), setup);
    crate::support::fit_to_pixels(&mut harness, size);
    harness
        .get_by_label(crate::support::ui::VISIT_ID)
        .type_text("0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6");
    harness.key_press(egui::Key::Enter);
    settle(&mut harness);
    for (criterion, stars) in crate::support::ui::CRITERIA.into_iter().zip([5, 4, 5, 4]) {
        click_star(&mut harness, criterion, stars);
    }
    harness.get_by_label(SUBMIT).click();
    step_until(&mut harness, |app| app.screen() == Screen::ThankYou);
    harness.get_by_label("Спасибо! Ваша оценка сохранена.");
    // The thank-you screen resets itself; the next patient's screen carries the mark.
    clock.advance(std::time::Duration::from_mins(1));
    step_until(&mut harness, |app| app.screen() == Screen::Ready);
    step_until_within(&mut harness, 1000, |app| {
        app.outbox_status()
            .is_some_and(|s| s.waiting == 1 && s.last_error.is_some() && !s.sending)
    });
    harness.get_by_label("(!) Терминал требует внимания персонала");
    shoot(&mut harness, "kiosk_attention_1280x1024");
}

/// The kiosk's administrator menu, opened with Ctrl+Alt+A and the PIN: a kiosk with its
/// outbox, so the menu has every button a terminal's has.
#[test]
fn kiosk_admin_menu() {
    use crate::support::ui::{PIN, kiosk_config};
    use egui::{Key, Modifiers};
    let server = server();
    let data = tempfile::tempdir().unwrap();
    let mut setup = setup_for(&server.url(), TOKEN);
    setup.config = kiosk_config();
    setup.kiosk = true;
    setup.data_dir = Some(data.path().to_owned());
    let size = egui::vec2(1280.0, 1024.0);
    let mut harness = build(builder(size).wgpu(), setup);
    crate::support::fit_to_pixels(&mut harness, size);
    harness.key_press_modifiers(Modifiers::CTRL | Modifiers::ALT, Key::A);
    settle(&mut harness);
    harness.get_by_label("PIN-код").type_text(PIN);
    harness.key_press(Key::Enter);
    step_until(&mut harness, |app| app.screen() == Screen::Admin);
    for button in [
        "Настройки",
        "Очередь отправки",
        "Импорт из файла…",
        "Выйти из режима киоска",
        "Закрыть программу",
        "Вернуться к приёму оценок",
    ] {
        harness.get_by_label(button);
    }
    shoot(&mut harness, "kiosk_admin_1280x1024");
}

/// A kiosk without a server address: «Терминал не настроен» for patients, and for staff
/// how to open the settings.
#[test]
fn kiosk_not_configured() {
    use crate::support::ui::kiosk_config;
    let mut setup = setup_for("unused", TOKEN);
    setup.server_url = None;
    setup.config = kiosk_config();
    setup.kiosk = true;
    let size = egui::vec2(1280.0, 1024.0);
    let mut harness = build(builder(size).wgpu(), setup);
    crate::support::fit_to_pixels(&mut harness, size);
    assert_eq!(harness.state().screen(), Screen::NotConfigured);
    harness.get_by_label("Терминал не настроен");
    harness.get_by_label_contains("не указан адрес сервера");
    shoot(&mut harness, "kiosk_not_configured_1280x1024");
}
