//! Kiosk mode, driven through the accessibility tree with a manual clock: the patient's
//! cycle, idle reset, cooldown, the administrator PIN, the close request.

use egui::{Event, Key, Modifiers, PointerButton, ViewportCommand, ViewportEvent, ViewportId};
use egui_kittest::kittest::{NodeT, Queryable};
use visit_rating::ui::app::Screen;
use visit_rating::ui::clock::Clock;

use crate::support::fit_to_pixels;
use crate::support::ui::{
    KioskRig, PIN, SUBMIT, TOKEN, VISIT_ID, WAITING, build, builder, click_star, kiosk_config,
    kiosk_rig, kiosk_rig_with, server, settle, setup_for, step_until_shown,
};

#[test]
fn the_cycle_ready_form_thank_you_and_back_by_itself() {
    let mut rig = kiosk_rig();
    assert_eq!(rig.screen(), Screen::Ready);
    assert!(
        rig.harness.get_by_label(VISIT_ID).is_focused(),
        "ready for a scanner"
    );
    rig.harness
        .get_by_label("Оцените, пожалуйста, посещение врача");

    rig.scan("kiosk-visit-1");
    assert_eq!(rig.screen(), Screen::Form);
    assert!(
        rig.harness
            .get_by_label(&format!("{WAITING}: не выбрано"))
            .is_focused(),
        "the scanner's Enter moves on to the first row"
    );

    rig.rate_current();
    assert_eq!(rig.screen(), Screen::ThankYou);
    rig.harness.get_by_label("Спасибо! Оценка принята.");
    assert_eq!(rig.server.state().ratings().len(), 1);

    rig.advance(7);
    assert_eq!(rig.screen(), Screen::ThankYou);
    rig.harness.get_by_label("Экран обновится через 1 секунду.");
    rig.advance(1);
    assert_eq!(rig.screen(), Screen::Ready);
    assert_eq!(
        rig.harness.get_by_label(VISIT_ID).value().as_deref(),
        Some(""),
        "the next patient starts empty"
    );
}

#[test]
fn a_cooldown_stops_a_double_tap_from_starting_the_next_rating() {
    let mut rig = kiosk_rig();
    rig.rate("kiosk-visit-cooldown");
    assert_eq!(rig.screen(), Screen::ThankYou);
    let next = rig.harness.get_by_label("Новая оценка");
    assert!(
        next.accesskit_node().is_disabled(),
        "disabled during the cooldown"
    );
    next.click();
    rig.harness.key_press(Key::Enter);
    settle(&mut rig.harness);
    assert_eq!(rig.screen(), Screen::ThankYou);

    rig.advance(2);
    let next = rig.harness.get_by_label("Новая оценка");
    assert!(!next.accesskit_node().is_disabled());
    next.click();
    settle(&mut rig.harness);
    assert_eq!(rig.screen(), Screen::Ready);
}

#[test]
fn an_idle_form_warns_counts_down_and_clears_itself() {
    let mut rig = kiosk_rig();
    rig.scan("kiosk-visit-idle");
    click_star(&mut rig.harness, WAITING, 3);
    rig.harness.get_by_label(&format!("{WAITING}: 3 из 5"));

    rig.advance(69);
    assert!(!rig.harness.state().idle_warning_shown());
    rig.advance(1);
    assert!(rig.harness.state().idle_warning_shown());
    rig.harness.get_by_label("Вы ещё здесь?");
    rig.harness
        .get_by_label_contains("Форма будет очищена через 20 секунд");

    // "Continue" keeps the answers and restarts the timer.
    rig.harness.get_by_label("Продолжить").click();
    settle(&mut rig.harness);
    assert!(!rig.harness.state().idle_warning_shown());
    rig.harness.get_by_label(&format!("{WAITING}: 3 из 5"));

    rig.advance(70);
    rig.advance(18);
    rig.harness
        .get_by_label_contains("Форма будет очищена через 2 секунды");
    rig.advance(2);
    assert_eq!(rig.screen(), Screen::Ready);
    assert!(!rig.harness.state().idle_warning_shown());
    assert_eq!(
        rig.harness.get_by_label(VISIT_ID).value().as_deref(),
        Some("")
    );
    assert_eq!(
        rig.harness
            .state()
            .form()
            .draft
            .score(visit_rating::rating::Criterion::WaitingTime),
        None
    );
    assert!(rig.server.state().requests().is_empty(), "nothing was sent");
}

#[test]
fn the_pin_prompt_grants_refuses_and_rate_limits() {
    let mut rig = kiosk_rig();
    rig.harness
        .key_press_modifiers(Modifiers::CTRL | Modifiers::ALT, Key::A);
    settle(&mut rig.harness);
    rig.harness.get_by_label("Вход для администратора");

    let enter_pin = |rig: &mut KioskRig, pin: &str| {
        rig.harness.get_by_label("PIN-код").type_text(pin);
        settle(&mut rig.harness);
        rig.harness.get_by_label("Войти").click();
        settle(&mut rig.harness);
    };
    enter_pin(&mut rig, "0000");
    rig.harness
        .get_by_label("Неверный PIN-код. Осталось попыток: 2.");
    enter_pin(&mut rig, "1111");
    rig.harness
        .get_by_label("Неверный PIN-код. Осталось попыток: 1.");
    enter_pin(&mut rig, "2222");
    rig.harness
        .get_by_label("Слишком много неверных попыток. Повторите через 30 с.");
    assert!(
        rig.harness
            .get_by_label("Войти")
            .accesskit_node()
            .is_disabled()
    );

    rig.advance(10);
    rig.harness
        .get_by_label("Слишком много неверных попыток. Повторите через 20 с.");
    rig.advance(20);
    assert!(
        !rig.harness
            .get_by_label("Войти")
            .accesskit_node()
            .is_disabled()
    );
    // The right PIN on the touch keypad.
    for digit in PIN.chars() {
        rig.harness.get_by_label(&digit.to_string()).click();
        settle(&mut rig.harness);
    }
    rig.harness.get_by_label("Войти").click();
    settle(&mut rig.harness);
    assert_eq!(rig.screen(), Screen::Admin);
    rig.harness.get_by_label("Администрирование терминала");

    rig.harness
        .get_by_label("Вернуться к приёму оценок")
        .click();
    settle(&mut rig.harness);
    assert_eq!(rig.screen(), Screen::Ready);
}

#[test]
fn a_long_press_in_the_corner_opens_the_pin_prompt() {
    let mut rig = kiosk_rig();
    let corner = rig
        .harness
        .get_by_label("Вход для администратора (удерживайте 3 секунды)")
        .rect()
        .center();
    rig.harness.event(Event::PointerMoved(corner));
    rig.harness.event(Event::PointerButton {
        pos: corner,
        button: PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::NONE,
    });
    settle(&mut rig.harness);
    rig.advance(2);
    assert!(
        !rig.harness.state().kiosk().unwrap().prompt_open(),
        "not yet"
    );
    rig.advance(1);
    assert!(rig.harness.state().kiosk().unwrap().prompt_open());
    rig.harness.get_by_label("PIN-код");
}

#[test]
fn the_close_request_is_cancelled() {
    let mut rig = kiosk_rig();
    rig.harness
        .input_mut()
        .viewports
        .entry(ViewportId::ROOT)
        .or_default()
        .events
        .push(ViewportEvent::Close);
    rig.harness.step();
    let commands = &rig.harness.output().viewport_output[&ViewportId::ROOT].commands;
    assert!(
        commands.contains(&ViewportCommand::CancelClose),
        "{commands:?}"
    );
    assert_eq!(rig.screen(), Screen::Ready);
}

#[test]
fn a_visit_already_rated_is_told_to_the_patient() {
    let mut rig = kiosk_rig();
    rig.rate("kiosk-visit-twice");
    rig.advance(8);
    rig.rate("kiosk-visit-twice");
    assert_eq!(rig.screen(), Screen::Form);
    rig.harness.get_by_label("Это посещение уже оценено.");
    rig.harness.get_by_label("Готово").click();
    settle(&mut rig.harness);
    assert_eq!(rig.screen(), Screen::Ready);
}

#[test]
fn an_invalid_visit_id_is_told_and_the_form_does_not_open() {
    let mut rig = kiosk_rig();
    rig.scan("bad/id");
    assert_eq!(rig.screen(), Screen::Ready);
    rig.harness
        .get_by_label_contains("не должен содержать символ «/»");
    assert!(
        rig.harness
            .get_by_label("Начать")
            .accesskit_node()
            .is_disabled()
    );
}

#[test]
fn the_on_screen_keyboard_types_russian_and_english() {
    let mut config = kiosk_config();
    config.kiosk_options.on_screen_keyboard = true;
    let mut rig = kiosk_rig_with(config, TOKEN, egui::vec2(1280.0, 1600.0), false);
    rig.scan("kiosk-osk");
    // Two steps per key: the keys are drawn before the shift key's click is handled.
    for key in [
        "Заглавные",
        "С",
        "п",
        "а",
        "с",
        "и",
        "б",
        "о",
        "Пробел",
        "!",
    ] {
        rig.harness.get_by_label(key).click();
        settle(&mut rig.harness);
    }
    rig.harness.get_by_label("ENG").click();
    settle(&mut rig.harness);
    for key in ["o", "k"] {
        rig.harness.get_by_label(key).click();
        settle(&mut rig.harness);
    }
    assert_eq!(rig.harness.state().form().draft.notes, "Спасибо !ok");
}

#[test]
fn a_token_expiring_soon_shows_staff_the_discreet_mark() {
    crate::support::ui::mock_keyring();
    let server = server();
    let origin = visit_rating::api::origin(&server.url());
    let soon = crate::support::jwt_expiring_in(2 * 86_400);
    let token = visit_rating::secrets::Token::new(&soon).unwrap();
    visit_rating::secrets::store_token(&origin, &token).unwrap();
    let mut setup = setup_for(&server.url(), TOKEN);
    setup.config = kiosk_config();
    setup.kiosk = true;
    setup.clock = Clock::manual();
    setup.tokens = visit_rating::service::TokenSource::bound_to(Some(&server.url()));
    let mut harness = build(builder(egui::vec2(1280.0, 1400.0)), setup);
    step_until_shown(&mut harness, "Терминал требует внимания персонала");
    // Patients see nothing more than the mark: no word about the token.
    assert!(harness.query_by_label_contains("Токен").is_none());
}

/// The form on a stand of `size` pixels, after a scan: the Send button's rectangle and
/// the screen, in pixels, and the share of the height from the top of the first star
/// row to the bottom of Send (the form's rows, remarks and button).
fn form_on_stand(size: egui::Vec2) -> (egui::Rect, egui::Rect, f32) {
    let mut rig = kiosk_rig_with(kiosk_config(), TOKEN, size, false);
    rig.scan("kiosk-stand-size");
    settle(&mut rig.harness);
    assert_eq!(rig.harness.state().screen(), Screen::Form);
    let ppp = rig.harness.ctx.pixels_per_point();
    let send = rig.harness.get_by_label(SUBMIT).rect() * ppp;
    let first_row = rig
        .harness
        .get_by_label_contains(&format!("{WAITING}: "))
        .rect()
        * ppp;
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, size);
    (send, screen, (send.bottom() - first_row.top()) / size.y)
}

fn assert_send_on_screen(size: egui::Vec2) -> f32 {
    let (send, screen, coverage) = form_on_stand(size);
    assert!(
        screen.contains_rect(send),
        "Send {send:?} is not inside the {size:?} screen"
    );
    // Touch-sized at any scale: at least 44 pixels high.
    assert!(send.height() >= 44.0, "Send is {send:?}");
    coverage
}

#[test]
fn a_portrait_1080x1920_stand_fills_its_height_with_send_on_screen() {
    let coverage = assert_send_on_screen(egui::vec2(1080.0, 1920.0));
    assert!(
        coverage >= 0.6,
        "the rows to Send cover {:.0} % of the height",
        coverage * 100.0
    );
}

#[test]
fn a_landscape_1920x1080_monitor_has_send_on_screen() {
    assert_send_on_screen(egui::vec2(1920.0, 1080.0));
}

#[test]
fn a_1280x1024_monitor_has_send_on_screen() {
    assert_send_on_screen(egui::vec2(1280.0, 1024.0));
}

#[test]
fn a_7_inch_800x480_panel_has_send_on_screen_without_scrolling() {
    assert_send_on_screen(egui::vec2(800.0, 480.0));
}

#[test]
fn a_patient_enlarges_the_text_switches_contrast_and_language_and_the_next_gets_the_settings() {
    let size = egui::vec2(1080.0, 1920.0);
    let mut rig = kiosk_rig_with(kiosk_config(), TOKEN, size, false);
    let start = rig.harness.ctx.pixels_per_point();
    // Touch-sized, announced by name.
    let larger = rig.harness.get_by_label("Крупнее текст").rect() * start;
    assert!(
        larger.width() >= 44.0 && larger.height() >= 44.0,
        "{larger:?}"
    );

    // Up (20 % a step) until A+ is disabled: at most three steps, and never so large
    // that a star row no longer fits the width.
    let mut steps = 0;
    while !rig
        .harness
        .get_by_label("Крупнее текст")
        .accesskit_node()
        .is_disabled()
    {
        rig.harness.get_by_label("Крупнее текст").click();
        settle(&mut rig.harness);
        fit_to_pixels(&mut rig.harness, size);
        steps += 1;
        assert!(steps <= 3);
    }
    let largest = rig.harness.ctx.pixels_per_point();
    assert!(largest / start > 1.25, "{start} -> {largest}");
    rig.scan("kiosk-largest-text");
    let row = rig
        .harness
        .get_by_label_contains(&format!("{WAITING}: "))
        .rect()
        * largest;
    assert!(
        row.right() <= size.x,
        "the star row {row:?} leaves the screen"
    );
    let send = rig.harness.get_by_label(SUBMIT).rect() * largest;
    assert!(send.right() <= size.x, "{send:?}");
    // One step back down.
    rig.harness.get_by_label("Мельче текст").click();
    settle(&mut rig.harness);
    fit_to_pixels(&mut rig.harness, size);
    assert!(rig.harness.ctx.pixels_per_point() < largest);
    assert_eq!(
        rig.harness
            .state()
            .kiosk()
            .unwrap()
            .patient_choices()
            .text_step,
        steps - 1
    );
    rig.harness.get_by_label("Начать заново").click();
    settle(&mut rig.harness);
    fit_to_pixels(&mut rig.harness, size);

    rig.harness.get_by_label("Высокая контрастность").click();
    settle(&mut rig.harness);
    assert_eq!(
        rig.harness.ctx.global_style().visuals.panel_fill,
        egui::Color32::BLACK
    );
    assert_eq!(
        rig.harness
            .get_by_label("Высокая контрастность")
            .accesskit_node()
            .toggled(),
        Some(egui::accesskit::Toggled::True)
    );

    // A tap takes the focus; the scanner's keys still go to the visit id.
    assert!(rig.harness.get_by_label(VISIT_ID).is_focused());
    // On the form too.
    rig.scan("kiosk-own-choices");
    assert_eq!(rig.screen(), Screen::Form);
    rig.harness.get_by_label("Language: English").click();
    settle(&mut rig.harness);
    rig.harness.get_by_label("Send rating");
    rig.harness.get_by_label("Larger text");

    // The patient walks away: the idle reset puts everything back for the next one.
    rig.advance(95);
    assert_eq!(rig.screen(), Screen::Ready);
    settle(&mut rig.harness);
    fit_to_pixels(&mut rig.harness, size);
    assert!((rig.harness.ctx.pixels_per_point() - start).abs() < 0.01);
    assert_ne!(
        rig.harness.ctx.global_style().visuals.panel_fill,
        egui::Color32::BLACK
    );
    rig.harness
        .get_by_label("Оцените, пожалуйста, посещение врача");
    assert_eq!(
        rig.harness.state().kiosk().unwrap().patient_choices(),
        visit_rating::ui::app::PatientChoices::default()
    );
}

/// A scanner that sends an over-long code at once, and a patient who keeps typing past
/// the remarks' limit: each field stops at its limit and says so.
#[test]
fn a_scan_or_a_patient_stops_at_the_limits() {
    use crate::support::ui::NOTES;
    use visit_rating::api::MAX_VISIT_ID_CHARS;
    use visit_rating::rating::NOTES_MAX_CHARS;
    let chars = |rig: &KioskRig, label: &str| {
        rig.harness
            .get_by_label(label)
            .value()
            .unwrap_or_default()
            .chars()
            .count()
    };
    let mut rig = kiosk_rig();
    rig.harness
        .get_by_label(VISIT_ID)
        .type_text(&"8".repeat(MAX_VISIT_ID_CHARS + 100));
    settle(&mut rig.harness);
    assert_eq!(chars(&rig, VISIT_ID), MAX_VISIT_ID_CHARS);
    rig.harness.get_by_label_contains("не более 256 символов");
    rig.harness.key_press(Key::Enter);
    settle(&mut rig.harness);
    assert_eq!(rig.screen(), Screen::Form);

    rig.harness.get_by_label(NOTES).scroll_to_me();
    settle(&mut rig.harness);
    rig.harness.get_by_label(NOTES).click();
    settle(&mut rig.harness);
    assert!(rig.harness.get_by_label(NOTES).is_focused());
    let field = rig.harness.get_by_label(NOTES);
    for _ in 0..NOTES_MAX_CHARS + 30 {
        field.type_text("ж");
    }
    settle(&mut rig.harness);
    assert_eq!(chars(&rig, NOTES), NOTES_MAX_CHARS);
    rig.harness.get_by_label_contains("не более 2000 символов");
    rig.harness.event(Event::Paste("ещё".into()));
    settle(&mut rig.harness);
    assert_eq!(chars(&rig, NOTES), NOTES_MAX_CHARS);
}

/// Step the kiosk frame by frame (up to 20) until it asks its window to close; whether it
/// did.
fn asks_to_close(rig: &mut KioskRig) -> bool {
    (0..20).any(|_| {
        rig.harness.step();
        rig.harness
            .output()
            .viewport_output
            .get(&ViewportId::ROOT)
            .is_some_and(|o| o.commands.contains(&ViewportCommand::Close))
    })
}

#[test]
fn a_new_version_waits_for_the_patient_to_finish_then_the_kiosk_closes() {
    let mut rig = kiosk_rig();
    rig.scan("kiosk-visit-upgrade");
    click_star(&mut rig.harness, WAITING, 3);
    rig.harness.state_mut().request_restart();
    assert!(
        !asks_to_close(&mut rig),
        "a score is set: the patient is here"
    );
    assert_eq!(rig.screen(), Screen::Form);
    rig.harness.get_by_label(&format!("{WAITING}: 3 из 5"));
    assert!(rig.harness.state().restart_pending());

    rig.rate_current();
    assert_eq!(rig.screen(), Screen::ThankYou);
    assert!(!asks_to_close(&mut rig), "the patient reads the thank-you");
    assert_eq!(rig.server.state().ratings().len(), 1);
    rig.clock.advance(std::time::Duration::from_secs(8));
    assert!(asks_to_close(&mut rig), "back on an empty ready screen");
    assert_eq!(rig.screen(), Screen::Ready);
    assert!(!rig.harness.state().restart_pending());
}

#[test]
fn a_new_version_closes_the_kiosk_after_the_idle_reset() {
    let mut rig = kiosk_rig();
    rig.scan("kiosk-visit-upgrade-idle");
    click_star(&mut rig.harness, WAITING, 2);
    rig.harness.state_mut().request_restart();
    rig.clock.advance(std::time::Duration::from_secs(89));
    assert!(!asks_to_close(&mut rig), "the idle warning counts down");
    assert!(rig.harness.state().idle_warning_shown());
    rig.clock.advance(std::time::Duration::from_secs(1));
    assert!(asks_to_close(&mut rig), "the form was cleared");
    assert_eq!(rig.screen(), Screen::Ready);
    assert!(rig.server.state().requests().is_empty(), "nothing was sent");
}

#[test]
fn a_new_version_waits_while_the_pin_prompt_is_open() {
    let mut rig = kiosk_rig();
    rig.harness
        .key_press_modifiers(Modifiers::CTRL | Modifiers::ALT, Key::A);
    settle(&mut rig.harness);
    assert!(rig.harness.state().kiosk().unwrap().prompt_open());
    rig.harness.state_mut().request_restart();
    assert!(
        !asks_to_close(&mut rig),
        "an administrator is at the prompt"
    );
    assert!(rig.harness.state().restart_pending());
}

#[test]
fn sigusr1_closes_an_idle_kiosk() {
    let mut rig = kiosk_rig();
    let signal = visit_rating::ui::jobs::RestartSignal::catch().unwrap();
    let watch = signal.watch(&rig.harness.ctx).unwrap();
    rig.harness.state_mut().restart_on(watch);
    assert!(!asks_to_close(&mut rig), "no signal yet");
    signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
    assert!(asks_to_close(&mut rig), "the ready screen is empty");
}

#[test]
fn a_desk_window_stays_open_for_a_new_version() {
    let server = server();
    let mut harness = build(
        builder(egui::vec2(1000.0, 1100.0)),
        setup_for(&server.url(), TOKEN),
    );
    settle(&mut harness);
    harness.state_mut().request_restart();
    for _ in 0..5 {
        harness.step();
        assert!(
            !harness.output().viewport_output[&ViewportId::ROOT]
                .commands
                .contains(&ViewportCommand::Close)
        );
    }
    assert!(!harness.state().restart_pending());
    assert_eq!(harness.state().screen(), Screen::Form);
}
