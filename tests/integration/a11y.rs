//! What a screen reader meets, where `scripts/check-orca` heard Orca say something
//! missing or wrong: the accessibility tree's focus, names and descriptions, driven as in
//! the other window tests.

use egui::Key;
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use visit_rating::ui::app::Screen;

use crate::support::ui::{
    ATTITUDE, CLEANLINESS, DIDNT_VISIT, RESULT, SUBMIT, TOKEN, WAITING, click_star, fill, harness,
    kiosk_rig, sent, server, settle, setup_for, step_until,
};

const THANKS: &str = "Спасибо! Оценка принята.";
const THANKS_BODY: &str = "Ваше мнение поможет сделать поликлинику лучше.";

/// Orca announces what takes the focus: after Send the focus left the form for nothing
/// (Orca said only «рамка»), so a blind patient never heard that the rating was taken.
/// The title is a heading with the line under it as its description (Orca reads a
/// heading's description, never a label's).
#[test]
fn the_kiosk_thank_you_takes_the_focus_and_is_read_whole() {
    let mut rig = kiosk_rig();
    rig.rate("a11y-visit-1");
    assert_eq!(rig.screen(), Screen::ThankYou);
    let title = rig.harness.get_by_label(THANKS);
    assert!(title.is_focused(), "the thank-you title has the focus");
    assert_eq!(title.accesskit_node().role(), Role::Heading);
    assert_eq!(
        title.accesskit_node().description(),
        Some(THANKS_BODY.to_owned()),
        "the line under it is read with it"
    );
}

#[test]
fn the_desk_thank_you_takes_the_focus_too() {
    let server = server();
    let mut harness = harness(setup_for(&server.url(), TOKEN));
    fill(&mut harness, "a11y-desk-1", [5, 4, 3, 2]);
    harness.get_by_label(SUBMIT).click();
    step_until(&mut harness, sent);
    assert!(harness.get_by_label(THANKS).is_focused());
}

/// A disabled Send takes no focus, so Tab from the last box went past it and the line
/// saying what the form still needs was never read. That line is in the Tab order now,
/// where Send stands, until the form is complete.
#[test]
fn tab_past_an_incomplete_form_reaches_what_it_still_needs() {
    let mut rig = kiosk_rig();
    rig.scan("a11y-visit-2");
    for (criterion, stars) in [(WAITING, 4), (RESULT, 5), (ATTITUDE, 3)] {
        click_star(&mut rig.harness, criterion, stars);
    }
    rig.harness.get_by_label(DIDNT_VISIT).focus();
    settle(&mut rig.harness);
    rig.harness.key_press(Key::Tab);
    settle(&mut rig.harness);
    let missing = format!("Осталось оценить: «{CLEANLINESS}»");
    let hint = rig.harness.get_by_label_contains(&missing);
    assert!(
        hint.is_focused(),
        "Tab from the box lands on what is missing"
    );
    assert!(
        rig.harness
            .get_by_label(SUBMIT)
            .accesskit_node()
            .is_disabled()
    );

    // Once the form is complete the line is gone and Send takes the focus instead.
    click_star(&mut rig.harness, CLEANLINESS, 2);
    rig.harness.get_by_label(DIDNT_VISIT).focus();
    settle(&mut rig.harness);
    rig.harness.key_press(Key::Tab);
    settle(&mut rig.harness);
    assert!(rig.harness.get_by_label(SUBMIT).is_focused());
}
