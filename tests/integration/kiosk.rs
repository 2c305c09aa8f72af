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
    let steps = largest_text(&mut rig, size);
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

// --- A touch-only terminal: the visit id keypad, words and layout on every stand -----

/// The stands the clinics use, in pixels, with a plausible diagonal for each.
const STANDS: [(f32, f32, f32); 4] = [
    (1080.0, 1920.0, 32.0),
    (1920.0, 1080.0, 21.5),
    (1280.0, 1024.0, 19.0),
    (800.0, 480.0, 7.0),
];
const CLINIC: &str = "0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6";
const VISIT_GUID: &str = "7d1e2f3a-4b5c-4d6e-9f80-112233445566";
const APP_TITLE: &str = "Оценка посещения врача";
const READY_TITLE: &str = "Оцените, пожалуйста, посещение врача";
const START: &str = "Начать";

/// A touch-only kiosk (`on_screen_keyboard`) of `size` pixels, its diagonal known if
/// given, its clinic GUID set when `clinic`.
fn touch_rig(size: egui::Vec2, diagonal: Option<f32>, clinic: bool) -> KioskRig {
    let mut config = kiosk_config();
    config.kiosk_options.on_screen_keyboard = true;
    config.kiosk_options.screen_diagonal_inches = diagonal;
    if clinic {
        config.clinic_guid = Some(CLINIC.to_owned());
    }
    let mut rig = kiosk_rig_with(config, TOKEN, size, false);
    settle(&mut rig.harness);
    fit_to_pixels(&mut rig.harness, size);
    rig
}

/// The node `label`'s rectangle in pixels.
fn rect_px(rig: &KioskRig, label: &str) -> egui::Rect {
    rig.harness.get_by_label(label).rect() * rig.harness.ctx.pixels_per_point()
}

/// «A+» pressed until it is disabled, as a patient makes the text as large as it goes on
/// a screen of `size` pixels: at most three steps. Returns how many it took.
fn largest_text(rig: &mut KioskRig, size: egui::Vec2) -> i8 {
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
        assert!(
            steps <= 3,
            "{size:?}: «A+» still enabled after {steps} steps"
        );
    }
    steps
}

/// A finger's tap on `label`, which must be on the screen of `size` pixels to be tapped.
fn tap(rig: &mut KioskRig, label: &str, size: egui::Vec2) {
    let rect = rect_px(rig, label);
    assert!(
        egui::Rect::from_min_size(egui::Pos2::ZERO, size).contains_rect(rect),
        "«{label}» {rect:?} is not on the {size:?} screen"
    );
    rig.harness.get_by_label(label).click();
    settle(&mut rig.harness);
}

/// Tap the hexadecimal digits of `id` on the keypad (its dashes are placed for the
/// patient).
fn tap_id(rig: &mut KioskRig, id: &str, size: egui::Vec2) {
    for c in id.chars().filter(char::is_ascii_hexdigit) {
        tap(rig, &c.to_string(), size);
    }
}

fn field(rig: &KioskRig) -> String {
    rig.harness
        .get_by_label(VISIT_ID)
        .value()
        .unwrap_or_default()
}

#[test]
fn a_touch_only_patient_taps_the_visit_id_rates_and_sends_on_each_stand() {
    for (w, h, inches) in STANDS {
        let size = egui::vec2(w, h);
        let mut rig = touch_rig(size, Some(inches), true);
        assert_eq!(rig.screen(), Screen::Ready);
        // Keys named by their character, each at least 12 mm on this screen.
        let px_per_mm = size.length() / (inches * 25.4);
        for c in "0123456789abcdef".chars() {
            let key = rect_px(&rig, &c.to_string());
            let mm = key.width().min(key.height()) / px_per_mm;
            assert!(mm >= 12.0, "{size:?}: key «{c}» is {mm:.1} mm");
        }
        tap_id(&mut rig, &VISIT_GUID[..10], size);
        assert_eq!(field(&rig), "7d1e2f3a-4", "{size:?}: the dash is placed");
        // Half a GUID is no visit id yet: Start waits, and says how much is left.
        rig.harness.get_by_label("Осталось набрать 23 цифры.");
        assert!(
            rig.harness
                .get_by_label(START)
                .accesskit_node()
                .is_disabled(),
            "{size:?}"
        );
        tap_id(&mut rig, &VISIT_GUID[10..], size);
        assert_eq!(field(&rig), VISIT_GUID, "{size:?}");
        tap(&mut rig, START, size);
        assert_eq!(rig.screen(), Screen::Form, "{size:?}");
        for (criterion, stars) in crate::support::ui::CRITERIA.into_iter().zip([5, 4, 3, 5]) {
            let row = rig
                .harness
                .get_by_label_contains(&format!("{criterion}: "))
                .rect()
                * rig.harness.ctx.pixels_per_point();
            assert!(
                egui::Rect::from_min_size(egui::Pos2::ZERO, size).contains_rect(row),
                "{size:?}: the row {criterion} {row:?} is off the screen"
            );
            click_star(&mut rig.harness, criterion, stars);
        }
        tap(&mut rig, SUBMIT, size);
        crate::support::ui::step_until(&mut rig.harness, crate::support::ui::sent);
        assert_eq!(rig.screen(), Screen::ThankYou, "{size:?}");
        let ratings = rig.server.state().ratings();
        assert_eq!(ratings.len(), 1, "{size:?}");
        assert_eq!(
            ratings[0].history,
            format!("{CLINIC}{VISIT_GUID}"),
            "{size:?}"
        );
        assert_eq!(ratings[0].body["result_1"], 5, "{:?}", ratings[0].body);
    }
}

#[test]
fn the_keys_never_move_under_the_patients_finger() {
    // The line above the keys (how much is left, then "press Start") keeps its place
    // from the empty field to the whole id: a key pressed twice in a row, or Start after
    // the last digit, is where it was. Before, each of them moved by a line (about 20
    // pixels); what is left is a fraction of a pixel (the field's text against its hint
    // in the centred column), which no finger feels.
    fn moved(a: [egui::Rect; 3], b: [egui::Rect; 3]) -> f32 {
        a.iter()
            .zip(b)
            .flat_map(|(a, b)| [a.min - b.min, a.max - b.max])
            .map(|d| d.x.abs().max(d.y.abs()))
            .fold(0.0, f32::max)
    }
    for (w, h, inches) in STANDS {
        let size = egui::vec2(w, h);
        let mut rig = touch_rig(size, Some(inches), true);
        let keys = |rig: &KioskRig| [rect_px(rig, "7"), rect_px(rig, "f"), rect_px(rig, START)];
        let empty = keys(&rig);
        tap_id(&mut rig, &VISIT_GUID[..1], size);
        let first = keys(&rig);
        assert!(
            moved(first, empty) < 1.0,
            "{size:?}: after the first tap {first:?}, before {empty:?}"
        );
        tap_id(&mut rig, &VISIT_GUID[1..], size);
        assert_eq!(field(&rig), VISIT_GUID, "{size:?}");
        rig.harness.get_by_label("Нажмите «Начать».");
        let last = keys(&rig);
        assert!(
            moved(last, empty) < 1.0,
            "{size:?}: after the last tap {last:?}, before {empty:?}"
        );
    }
}

#[test]
fn the_keypad_erases_clears_and_a_scanner_or_a_paste_still_works_beside_it() {
    let size = egui::vec2(1080.0, 1920.0);
    let mut rig = touch_rig(size, None, true);
    // Backspace on an empty field, twice: nothing happens.
    tap(&mut rig, "Стереть", size);
    tap(&mut rig, "Стереть", size);
    assert_eq!(field(&rig), "");
    tap_id(&mut rig, "7d1e2f3a4", size);
    assert_eq!(field(&rig), "7d1e2f3a-4");
    tap(&mut rig, "Стереть", size);
    assert_eq!(field(&rig), "7d1e2f3a-");
    tap(&mut rig, "Стереть", size);
    assert_eq!(field(&rig), "7d1e2f3");
    tap(&mut rig, "Очистить", size);
    assert_eq!(field(&rig), "");
    assert!(
        rig.harness.get_by_label(VISIT_ID).is_focused(),
        "the focus is back in the field for a scanner"
    );
    // Half typed, then the slip is scanned: the scan counts, not the two glued.
    tap_id(&mut rig, "7d1e", size);
    rig.scan(VISIT_GUID);
    assert_eq!(rig.screen(), Screen::Form);
    assert_eq!(rig.harness.state().form().visit_id, VISIT_GUID);
    rig.harness.get_by_label("Начать заново").click();
    settle(&mut rig.harness);
    assert_eq!(rig.screen(), Screen::Ready);

    // A whole address pasted beside the keypad: refused with its reason, nothing opens;
    // the keypad's clear empties it.
    tap_id(&mut rig, "12", size);
    rig.harness
        .event(Event::Paste("https://portal.example/visit?id=7d1e".into()));
    settle(&mut rig.harness);
    assert_eq!(field(&rig), "12https://portal.example/visit?id=7d1e");
    rig.harness
        .get_by_label_contains("не должен содержать символ «/»");
    rig.harness.key_press(Key::Enter);
    settle(&mut rig.harness);
    assert_eq!(rig.screen(), Screen::Ready);
    tap(&mut rig, "3", size);
    assert!(field(&rig).ends_with("7d1e3"), "a key types at the end");
    tap(&mut rig, "Очистить", size);
    assert_eq!(field(&rig), "");
    assert!(rig.server.state().requests().is_empty());
}

#[test]
fn every_tap_counts_however_a_slow_screen_delivers_it() {
    let size = egui::vec2(1080.0, 1920.0);
    let mut rig = touch_rig(size, None, true);
    // A quick patient on a slow screen: three taps arrive in one frame, all count, in
    // order; a press on one key released on another (a slide) counts for neither.
    let centre = |rig: &KioskRig, label: &str| rig.harness.get_by_label(label).rect().center();
    // A finger put down on the screen at `pos`, or lifted there.
    let finger = |rig: &KioskRig, pos: egui::Pos2, pressed: bool| {
        rig.harness.event(Event::PointerButton {
            pos,
            button: PointerButton::Primary,
            pressed,
            modifiers: Modifiers::NONE,
        });
    };
    let (seven, d, one) = (centre(&rig, "7"), centre(&rig, "d"), centre(&rig, "1"));
    for pos in [seven, d, one] {
        crate::support::ui::click_at(&rig.harness, pos);
    }
    rig.harness.step();
    settle(&mut rig.harness);
    assert_eq!(field(&rig), "7d1");
    for (pos, pressed) in [(seven, true), (d, false)] {
        rig.harness.event(Event::PointerMoved(pos));
        finger(&rig, pos, pressed);
        rig.harness.step();
    }
    settle(&mut rig.harness);
    assert_eq!(field(&rig), "7d1");
    // Two fingers: the second press comes before the first release; both count.
    for (pos, pressed) in [(seven, true), (d, true), (seven, false), (d, false)] {
        finger(&rig, pos, pressed);
    }
    rig.harness.step();
    settle(&mut rig.harness);
    assert_eq!(field(&rig), "7d17d");
    // A burst from a slow screen: the presses of a double tap, then their releases.
    for pressed in [true, true, false, false] {
        finger(&rig, one, pressed);
    }
    rig.harness.step();
    settle(&mut rig.harness);
    assert_eq!(field(&rig), "7d17d11");
    // A long press and a double tap: one digit, then two.
    let e = centre(&rig, "e");
    rig.harness.event(Event::PointerMoved(e));
    finger(&rig, e, true);
    rig.advance(2);
    finger(&rig, e, false);
    settle(&mut rig.harness);
    assert_eq!(field(&rig), "7d17d11e-");
    let two = centre(&rig, "2");
    crate::support::ui::click_at(&rig.harness, two);
    crate::support::ui::click_at(&rig.harness, two);
    settle(&mut rig.harness);
    assert_eq!(field(&rig), "7d17d11e-22");
    tap(&mut rig, "Очистить", size);
}

#[test]
fn a_code_read_whole_is_handed_to_the_ready_screen_as_a_scanner_does() {
    let size = egui::vec2(1280.0, 1024.0);
    let mut rig = touch_rig(size, None, true);
    let ctx = rig.harness.ctx.clone();
    // Something that is no visit id: the field shows it with its error, no form.
    assert!(!rig.harness.state_mut().scanned("bad/id", &ctx));
    settle(&mut rig.harness);
    assert_eq!(rig.screen(), Screen::Ready);
    assert_eq!(field(&rig), "bad/id");
    rig.harness
        .get_by_label_contains("не должен содержать символ «/»");
    // A visit GUID, with the clinic's glued on: the form.
    assert!(rig.harness.state_mut().scanned(VISIT_GUID, &ctx));
    settle(&mut rig.harness);
    assert_eq!(rig.screen(), Screen::Form);
    assert_eq!(rig.harness.state().form().visit_id, VISIT_GUID);
    // Not on the ready screen: ignored.
    assert!(!rig.harness.state_mut().scanned(VISIT_GUID, &ctx));
    assert_eq!(rig.screen(), Screen::Form);
}

/// Every node of the window whose label, value, description or placeholder holds
/// «Ctrl», «Enter», «Tab» or «Esc».
fn shortcuts_shown(rig: &KioskRig) -> Vec<String> {
    let keys = ["Ctrl", "Enter", "Tab", "Esc"];
    rig.harness
        .query_all(egui_kittest::kittest::by().predicate(|node| {
            [
                node.label(),
                node.value(),
                node.description(),
                node.placeholder().map(str::to_owned),
            ]
            .into_iter()
            .flatten()
            .any(|text| keys.iter().any(|key| text.contains(key)))
        }))
        .map(|node| format!("{:?} / {:?}", node.accesskit_node().label(), node.value()))
        .collect()
}

#[test]
fn no_patient_screen_shows_a_keyboard_shortcut_and_the_keyboards_fit_on_any_stand() {
    for (w, h, _) in STANDS {
        let size = egui::vec2(w, h);
        let mut rig = touch_rig(size, None, false);
        let check = |rig: &KioskRig, screen: &str| {
            let found = shortcuts_shown(rig);
            assert!(found.is_empty(), "{size:?}, {screen}: {found:?}");
        };
        check(&rig, "ready");
        rig.scan("kiosk-no-shortcuts");
        check(&rig, "empty form");
        // The remarks keyboard fits the column (on a short screen it opens on a tap).
        if h >= 640.0 {
            // The column's right edge: where «Начать заново» ends.
            let column = rect_px(&rig, "Начать заново").right();
            for key in ["1", "!", "ъ", "ENG"] {
                let rect = rect_px(&rig, key);
                assert!(
                    rect.right() <= column + 1.0,
                    "{size:?}: the remarks key «{key}» {rect:?} leaves the column (to {column})"
                );
            }
        }

        for criterion in crate::support::ui::CRITERIA {
            click_star(&mut rig.harness, criterion, 4);
        }
        rig.harness.get_by_label_contains("Всё заполнено");
        check(&rig, "filled form");
        rig.advance(75);
        assert!(rig.harness.state().idle_warning_shown());
        check(&rig, "idle warning");
        rig.harness.get_by_label("Продолжить").click();
        settle(&mut rig.harness);
        rig.harness.get_by_label(SUBMIT).click();
        crate::support::ui::step_until(&mut rig.harness, crate::support::ui::sent);
        assert_eq!(rig.screen(), Screen::ThankYou);
        check(&rig, "thank you");
        rig.advance(8);
        rig.harness
            .key_press_modifiers(Modifiers::CTRL | Modifiers::ALT, Key::A);
        settle(&mut rig.harness);
        assert!(rig.harness.state().kiosk().unwrap().prompt_open());
        check(&rig, "PIN prompt");

        // Not configured: no server address.
        let mut setup = setup_for("http://127.0.0.1:9", TOKEN);
        setup.server_url = None;
        setup.config = kiosk_config();
        setup.kiosk = true;
        let mut harness = build(builder(size), setup);
        fit_to_pixels(&mut harness, size);
        assert_eq!(harness.state().screen(), Screen::NotConfigured);
        harness.get_by_label_contains("не указан адрес сервера");
        let unconfigured = KioskRig {
            harness,
            clock: Clock::manual(),
            server: server(),
        };
        check(&unconfigured, "not configured");
    }
}

/// The app's title is whole on `rig`'s screen of `size`: its node's label is the whole
/// title, it lies inside the screen, beside no button, and its rectangle holds the
/// whole text (on one line, or wrapped).
fn assert_title_whole(rig: &KioskRig, size: egui::Vec2, when: &str) {
    let ppp = rig.harness.ctx.pixels_per_point();
    let node = rig.harness.get_by_label(APP_TITLE);
    assert_eq!(
        node.value().or(node.accesskit_node().label()).as_deref(),
        Some(APP_TITLE)
    );
    let rect = node.rect();
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, size);
    assert!(
        screen.contains_rect(rect * ppp),
        "{size:?} {when}: the title {rect:?} leaves the screen"
    );
    let font = egui::TextStyle::Heading.resolve(&rig.harness.ctx.global_style());
    let text = rig
        .harness
        .ctx
        .fonts_mut(|f| f.layout_no_wrap(APP_TITLE.to_owned(), font, egui::Color32::BLACK));
    let lines = (rect.height() / text.size().y + 0.1).floor().max(1.0);
    assert!(
        rect.width() * lines >= text.size().x - 1.0,
        "{size:?} {when}: the title is cut: {rect:?} for {:?}",
        text.size()
    );
    for button in [
        "Крупнее текст",
        "Мельче текст",
        "Высокая контрастность",
        "Language: English",
    ] {
        if let Some(other) = rig.harness.query_by_label(button) {
            assert!(
                !other.rect().intersects(rect),
                "{size:?} {when}: «{button}» is drawn over the title"
            );
        }
    }
}

#[test]
fn the_title_is_whole_on_every_stand_even_with_the_largest_text() {
    for (w, h, _) in STANDS {
        let size = egui::vec2(w, h);
        let mut rig = touch_rig(size, None, false);
        assert_title_whole(&rig, size, "ready");
        rig.harness.get_by_label(READY_TITLE);
        assert!(
            egui::Rect::from_min_size(egui::Pos2::ZERO, size)
                .contains_rect(rect_px(&rig, READY_TITLE)),
            "{size:?}: the ready screen's heading leaves the screen"
        );
        rig.scan("kiosk-title");
        assert_title_whole(&rig, size, "form");
        // As large as a patient may make it.
        largest_text(&mut rig, size);
        assert_title_whole(&rig, size, "largest text");
    }
}

#[test]
fn the_ready_screen_sits_in_the_middle_of_a_portrait_stand() {
    let size = egui::vec2(1080.0, 1920.0);
    for keypad in [false, true] {
        let rig = touch_rig_with_keypad(size, keypad);
        let top = rect_px(&rig, READY_TITLE).top();
        let bottom = rect_px(&rig, START).bottom();
        let below_title_bar = rect_px(&rig, "Крупнее текст").bottom();
        let space_above = top - below_title_bar;
        let space_below = size.y - bottom;
        assert!(
            (space_above - space_below).abs() < size.y * 0.05,
            "keypad {keypad}: {space_above:.0} px above, {space_below:.0} px below"
        );
    }
}

fn touch_rig_with_keypad(size: egui::Vec2, keypad: bool) -> KioskRig {
    let mut config = kiosk_config();
    config.kiosk_options.on_screen_keyboard = keypad;
    let mut rig = kiosk_rig_with(config, TOKEN, size, false);
    settle(&mut rig.harness);
    rig
}

#[test]
fn the_hint_beside_send_and_the_dialogs_are_on_every_stand() {
    // With the on-screen keyboard too: on a 1280x800 screen the list of questions still
    // to rate, under Send, ran past the bottom of the screen; beside Send it stays on it.
    let stands = STANDS
        .map(|(w, h, _)| (w, h))
        .into_iter()
        .chain([(1280.0, 800.0)]);
    for ((w, h), keyboard) in stands.flat_map(|s| [(s, false), (s, true)]) {
        let size = egui::vec2(w, h);
        let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, size);
        let mut rig = touch_rig_with_keypad(size, keyboard);
        rig.scan("kiosk-hint");
        let missing = rig.harness.get_by_label_contains("Осталось оценить").rect()
            * rig.harness.ctx.pixels_per_point();
        let send = rect_px(&rig, SUBMIT);
        assert!(
            screen.contains_rect(missing),
            "{size:?}, keyboard {keyboard}: {missing:?}"
        );
        assert!(
            missing.left() >= send.right() && missing.top() < send.bottom(),
            "{size:?}, keyboard {keyboard}: the hint {missing:?} is not beside Send {send:?}"
        );
        for criterion in crate::support::ui::CRITERIA {
            click_star(&mut rig.harness, criterion, 3);
        }
        let ready = rig.harness.get_by_label_contains("Всё заполнено").rect()
            * rig.harness.ctx.pixels_per_point();
        assert!(
            screen.contains_rect(ready),
            "{size:?}, keyboard {keyboard}: the hint {ready:?}"
        );
        rig.advance(75);
        let idle = rect_px(&rig, "Продолжить");
        assert!(
            screen.contains_rect(idle),
            "{size:?}, keyboard {keyboard}: {idle:?}"
        );
        rig.harness.get_by_label("Продолжить").click();
        settle(&mut rig.harness);
        rig.harness
            .key_press_modifiers(Modifiers::CTRL | Modifiers::ALT, Key::A);
        settle(&mut rig.harness);
        // The PIN's keys (the remarks keyboard under the dialog has a "0" too).
        let ppp = rig.harness.ctx.pixels_per_point();
        for label in ["0", "Войти", "Отмена"] {
            for node in rig.harness.get_all_by_label(label) {
                let rect = node.rect() * ppp;
                assert!(
                    screen.contains_rect(rect),
                    "{size:?}, keyboard {keyboard}: «{label}» {rect:?}"
                );
            }
        }
    }
}

/// A kiosk on a bare X server covers its monitor itself: the size it asks for, in
/// points, must come to the monitor's pixels at the zoom in force when the command is
/// carried out, also on a 7" 800x480 panel whose zoom (below 1) is set on the first
/// frame (its real window came out 630x378).
#[test]
fn a_kiosk_without_a_window_manager_covers_its_whole_monitor() {
    let size = egui::vec2(800.0, 480.0);
    let server = server();
    let mut setup = setup_for(&server.url(), TOKEN);
    setup.config = kiosk_config();
    setup.kiosk = true;
    setup.clock = Clock::manual();
    let app = visit_rating::ui::RatingApp::new(setup);
    let mut harness = builder(size).build_ui_state(
        |ui, app: &mut visit_rating::ui::RatingApp| app.show(ui),
        app,
    );
    let mut asked = Vec::new();
    for _ in 0..12 {
        // What egui-winit reports: sizes in points at the pixels-per-point in force.
        let ppp = harness.ctx.pixels_per_point();
        harness.set_size(size / ppp);
        let viewport = harness
            .input_mut()
            .viewports
            .entry(ViewportId::ROOT)
            .or_default();
        viewport.monitor_size = Some(size / ppp);
        viewport.inner_rect = Some(egui::Rect::from_min_size(egui::Pos2::ZERO, size / ppp));
        viewport.fullscreen = Some(false);
        viewport.native_pixels_per_point = Some(1.0);
        harness.step();
        // The zoom in force when the window carries out the frame's commands.
        let ppp = harness.ctx.pixels_per_point();
        for command in &harness.output().viewport_output[&ViewportId::ROOT].commands {
            if let ViewportCommand::InnerSize(points) = command {
                asked.push(*points * ppp);
            }
        }
    }
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        (asked[0] - size).length() < 1.0,
        "the window asked for {:?} pixels on an {size:?} monitor",
        asked[0]
    );
}

/// A 7" 800x480 panel has no room for the remarks keyboard above Send: it opens when the
/// remarks are tapped, types there, and «Скрыть» puts Send back on the screen.
#[test]
fn on_a_short_screen_the_remarks_keyboard_opens_on_a_tap_and_hides() {
    use crate::support::ui::NOTES;
    let size = egui::vec2(800.0, 480.0);
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, size);
    let mut rig = touch_rig(size, None, false);
    rig.scan("kiosk-short-keyboard");
    assert!(rig.harness.query_by_label("й").is_none(), "closed at first");
    assert!(screen.contains_rect(rect_px(&rig, SUBMIT)));
    rig.harness.get_by_label(NOTES).click();
    settle(&mut rig.harness);
    for key in ["ж", "у", "к"] {
        let rect = rect_px(&rig, key);
        assert!(
            screen.contains_rect(rect),
            "«{key}» {rect:?} is scrolled into view"
        );
        rig.harness.get_by_label(key).click();
        settle(&mut rig.harness);
    }
    assert_eq!(rig.harness.state().form().draft.notes, "жук");
    rig.harness.get_by_label("Скрыть").click();
    settle(&mut rig.harness);
    assert!(rig.harness.query_by_label("й").is_none());
    assert!(screen.contains_rect(rect_px(&rig, SUBMIT)));
}
