//! Type-ahead: keys typed faster than the screen follows land where the typist meant.
//!
//! `egui_kittest` does not run eframe's `raw_input_hook`, so these tests hand every frame's
//! events to [`RatingApp::prepare_input`] themselves, exactly as the window does. A whole
//! rating typed as the events of one single frame must reach the stand-in server exactly
//! like the same keys typed one per frame.

use egui::{Event, Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use visit_rating::mock_server::{RunningMock, StoredRating};
use visit_rating::ui::RatingApp;
use visit_rating::ui::app::Screen;

use crate::support::ui::{
    STEP_FRAMES, TOKEN, WAITING, harness, kiosk_rig, server, settle, setup_for, wait_after_frame,
};

const NOTES: &str = "Набрано заранее, без пауз";

fn key(key: Key, pressed: bool, modifiers: Modifiers) -> Event {
    Event::Key {
        key,
        physical_key: None,
        pressed,
        repeat: false,
        modifiers,
    }
}

/// What a keyboard sends for one press of `k`: down, then up.
fn press(k: Key, modifiers: Modifiers) -> Vec<Event> {
    vec![key(k, true, modifiers), key(k, false, modifiers)]
}

/// What a keyboard sends for `text`, as the window's platform layer reports it: for
/// each character a key press (where it has a key), the text, the release.
fn typed(text: &str) -> Vec<Event> {
    let mut events = Vec::new();
    for ch in text.chars() {
        let k = Key::from_name(&ch.to_string());
        if let Some(k) = k {
            events.push(key(k, true, Modifiers::NONE));
        }
        events.push(Event::Text(ch.to_string()));
        if let Some(k) = k {
            events.push(key(k, false, Modifiers::NONE));
        }
    }
    events
}

/// The keyboard-only sequence of the book's "The window": id, Tab, digit, Tab … remarks, Ctrl+Enter.
fn desk_sequence(id: &str, after_id: Key, digits: [u8; 4]) -> Vec<Event> {
    let mut events = typed(id);
    for (i, digit) in digits.into_iter().enumerate() {
        // The first row is reached with the key after the id (Tab, or a scanner's Enter).
        let move_on = if i == 0 { after_id } else { Key::Tab };
        events.extend(press(move_on, Modifiers::NONE));
        events.extend(typed(&digit.to_string()));
    }
    events.extend(press(Key::Tab, Modifiers::NONE));
    events.extend(typed(NOTES));
    events.extend(press(Key::Enter, Modifiers::COMMAND));
    events
}

/// One frame, with its events rationed as the window rations them.
fn step_typed(harness: &mut Harness<'_, RatingApp>) {
    let mut events = std::mem::take(&mut harness.input_mut().events);
    harness.state_mut().prepare_input(&mut events);
    harness.input_mut().events = events;
    harness.step();
}

/// Frames until `done` holds and nothing waits, or fail after [`STEP_FRAMES`] frames.
fn type_until(harness: &mut Harness<'_, RatingApp>, done: impl Fn(&RatingApp) -> bool) {
    let mut frames = 0;
    while !done(harness.state()) || harness.state().keys_waiting() {
        let app = harness.state();
        assert!(
            frames < STEP_FRAMES,
            "the UI never got there: {:?} id {:?}, {:?}, sending {}, keys waiting {}",
            app.screen(),
            app.form().visit_id,
            app.form().draft,
            app.is_sending(),
            app.keys_waiting()
        );
        step_typed(harness);
        frames += 1;
        wait_after_frame(harness);
    }
    settle(harness);
}

/// Type `events` as one burst (all in one frame), or one event per frame.
fn type_events(harness: &mut Harness<'_, RatingApp>, events: Vec<Event>, burst: bool) {
    if burst {
        harness.input_mut().events.extend(events);
        step_typed(harness);
    } else {
        for event in events {
            harness.input_mut().events.push(event);
            step_typed(harness);
        }
    }
}

fn thanked(app: &RatingApp) -> bool {
    !app.is_sending() && app.screen() == Screen::ThankYou
}

fn stored(server: &RunningMock) -> Vec<(String, String)> {
    server
        .state()
        .ratings()
        .into_iter()
        .map(
            |StoredRating {
                 history, raw_body, ..
             }| (history, raw_body),
        )
        .collect()
}

/// The desk form, typed one way or the other; what the server received.
fn desk_rating(events: Vec<Event>, burst: bool) -> Vec<(String, String)> {
    let server = server();
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    type_events(&mut harness, events, burst);
    type_until(&mut harness, thanked);
    stored(&server)
}

fn expected(id: &str, digits: [u8; 4]) -> Vec<(String, String)> {
    let [a, b, c, d] = digits;
    vec![(
        id.to_owned(),
        format!(
            r#"{{"result_1":{a},"result_2":{b},"result_3":{c},"result_4":{d},"notes":"{NOTES}","dont_visit":0}}"#
        ),
    )]
}

#[test]
fn a_rating_typed_in_one_frame_arrives_as_if_typed_key_by_key() {
    let digits = [5, 4, 3, 2];
    let sequence = desk_sequence("kbd-visit-1", Key::Tab, digits);
    let key_by_key = desk_rating(sequence.clone(), false);
    let one_frame = desk_rating(sequence, true);
    assert_eq!(key_by_key, expected("kbd-visit-1", digits));
    assert_eq!(one_frame, key_by_key);
}

#[test]
fn a_scanner_burst_then_the_typists_digits_fill_the_rows() {
    for after_id in [Key::Enter, Key::Tab] {
        let digits = [1, 5, 2, 4];
        let sequence = desk_sequence("scan-0042", after_id, digits);
        assert_eq!(
            desk_rating(sequence, true),
            expected("scan-0042", digits),
            "scanner ending with {after_id:?}"
        );
    }
}

#[test]
fn keys_typed_while_sending_start_the_next_rating() {
    let server = server();
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    // The whole rating, Enter for the next form and the next rating, all at once.
    let mut events = desk_sequence("ahead-1", Key::Tab, [5, 5, 5, 5]);
    events.extend(press(Key::Enter, Modifiers::NONE));
    events.extend(desk_sequence("ahead-2", Key::Tab, [1, 2, 3, 4]));
    type_events(&mut harness, events, true);
    type_until(&mut harness, |app| {
        thanked(app) && server.state().ratings().len() == 2
    });
    let mut want = expected("ahead-1", [5, 5, 5, 5]);
    want.extend(expected("ahead-2", [1, 2, 3, 4]));
    assert_eq!(stored(&server), want);
}

#[test]
fn keys_typed_ahead_of_an_answer_to_read_are_dropped_not_typed_into_the_form() {
    let server = server();
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    let digits = [3, 3, 3, 3];
    // The visit was rated already: the answer keeps the form on screen.
    type_events(&mut harness, desk_sequence("twice", Key::Tab, digits), true);
    type_until(&mut harness, thanked);
    harness.key_press(Key::Enter);
    settle(&mut harness);
    let mut events = desk_sequence("twice", Key::Tab, digits);
    events.extend(press(Key::Enter, Modifiers::NONE));
    events.extend(typed("meant-for-the-next-form"));
    type_events(&mut harness, events, true);
    type_until(&mut harness, |app| {
        !app.is_sending() && app.last_result().is_some()
    });
    assert_eq!(harness.state().screen(), Screen::Form);
    assert_eq!(harness.state().form().visit_id, "twice");
    assert_eq!(harness.state().form().draft.notes, NOTES);
    assert_eq!(server.state().requests().len(), 2);
}

#[test]
fn a_kiosk_scan_then_digits_in_one_frame_fill_the_rows() {
    let mut rig = kiosk_rig();
    let digits = [4, 5, 3, 5];
    let events = desk_sequence("kiosk-scan-7", Key::Enter, digits);
    type_events(&mut rig.harness, events, true);
    type_until(&mut rig.harness, thanked);
    assert_eq!(stored(&rig.server), expected("kiosk-scan-7", digits));
}

#[test]
fn a_slow_typist_sees_no_difference() {
    let server = server();
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    // One key per frame, and a frame between keys: nothing is ever held, except a key
    // that arrives while the rating is being sent (Enter's release after Ctrl+Enter),
    // even if the answer comes back in that very frame.
    for event in desk_sequence("slow-1", Key::Tab, [2, 3, 4, 5]) {
        let sending_before = harness.state().is_sending();
        harness.input_mut().events.push(event.clone());
        step_typed(&mut harness);
        assert!(
            !harness.state().keys_waiting() || sending_before || harness.state().is_sending(),
            "{event:?} was held"
        );
        step_typed(&mut harness);
    }
    type_until(&mut harness, thanked);
    assert_eq!(stored(&server), expected("slow-1", [2, 3, 4, 5]));
    // And the first row got its digit through the row itself, as announced.
    harness.key_press(Key::Enter);
    settle(&mut harness);
    harness.get_by_label(&format!("{WAITING}: не выбрано"));
}

#[test]
fn the_setup_screen_takes_keys_typed_ahead_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let setup = crate::support::ui::setup_without_url(&path);
    let mut harness = harness(setup);
    assert_eq!(harness.state().screen(), Screen::Setup);
    harness.get_by_label("Адрес сервера (URL)").focus();
    settle(&mut harness);
    // The URL, Tab to the clinic GUID, the GUID: one burst.
    let mut events = typed("https://rpgu.example.org");
    events.extend(press(Key::Tab, Modifiers::NONE));
    events.extend(typed("0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6"));
    type_events(&mut harness, events, true);
    type_until(&mut harness, |_| true);
    harness.get_by_label("Сохранить").click();
    settle(&mut harness);
    assert_eq!(harness.state().screen(), Screen::Form);
    let saved = visit_rating::config::Config::read(&path).unwrap();
    assert_eq!(
        saved.server_url.as_deref(),
        Some("https://rpgu.example.org")
    );
    assert_eq!(
        saved.clinic_guid.as_deref(),
        Some("0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6")
    );
}

#[test]
fn the_pin_typed_right_after_the_shortcut_opens_the_admin_menu() {
    let mut rig = kiosk_rig();
    // Ctrl+Alt+A, the PIN and Enter as one burst: the digits wait for the PIN field.
    let mut events = press(Key::A, Modifiers::CTRL | Modifiers::ALT);
    events.extend(typed(crate::support::ui::PIN));
    events.extend(press(Key::Enter, Modifiers::NONE));
    type_events(&mut rig.harness, events, true);
    type_until(&mut rig.harness, |app| app.screen() == Screen::Admin);
    assert_eq!(
        rig.harness.state().form().visit_id,
        "",
        "no digit in the visit id"
    );
}
