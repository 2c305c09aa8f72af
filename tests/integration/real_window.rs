//! What the window does for the software renderer most kiosks paint with (issue 15):
//! a spinner only once a send takes a moment, the background left to the clear colour
//! in a real window, and background work that waits until the first frame is on screen.

use egui::epaint::Shape;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use visit_rating::mock_server::Faults;
use visit_rating::ui::RatingApp;
use visit_rating::ui::app::{BACKGROUND_START, SPINNER_DELAY};

use crate::support::ui::{
    SUBMIT, TOKEN, animating, build, builder, fill, harness, server, setup_for,
};

fn now(harness: &Harness<'_, RatingApp>) -> f64 {
    harness.ctx.input(|i| i.time)
}

#[test]
fn a_send_shows_its_spinner_only_after_a_moment_and_the_window_rests_until_then() {
    let server = server();
    server.state().set_faults(Faults {
        latency_ms: 3000,
        ..Faults::default()
    });
    let mut harness = build(
        builder(egui::vec2(1000.0, 1100.0)).with_step_dt(0.02),
        setup_for(&server.url(), TOKEN),
    );
    fill(&mut harness, "visit-spinner", [4, 4, 5, 5]);
    harness.get_by_label(SUBMIT).click();
    harness.step();
    assert!(harness.state().is_sending());
    let started = now(&harness);
    // The frames that follow the click itself (egui's own, after input).
    for _ in 0..3 {
        if !animating(&harness) {
            break;
        }
        harness.step();
    }
    let mut rested = 0;
    loop {
        let waited = now(&harness) - started;
        if waited < SPINNER_DELAY {
            assert!(
                !animating(&harness),
                "{waited:.2} s into the send: the window repaints continuously"
            );
            rested += 1;
        } else {
            assert!(
                animating(&harness),
                "{waited:.2} s into the send: no spinner"
            );
            break;
        }
        harness.step();
        assert!(harness.state().is_sending(), "the slow server answered");
    }
    assert!(rested >= 1, "no frame before the spinner's delay");
    eprintln!("{rested} frames before the spinner");
}

/// The fills of rectangles that cover at least half the window.
fn window_fills(harness: &Harness<'_, RatingApp>) -> Vec<egui::Color32> {
    let window = harness.ctx.content_rect().area();
    harness
        .output()
        .shapes
        .iter()
        .filter_map(|clipped| match &clipped.shape {
            Shape::Rect(rect) if rect.rect.area() >= window / 2.0 => Some(rect.fill),
            _ => None,
        })
        .filter(|fill| *fill != egui::Color32::TRANSPARENT)
        .collect()
}

#[test]
#[allow(
    clippy::float_cmp,
    reason = "the clear colour is the panel fill converted once: bit-for-bit the same"
)]
fn a_real_window_leaves_its_background_to_the_clear_colour() {
    let server = server();
    // As a test harness sees the app (egui_kittest clears to transparent): the central
    // panel paints the background.
    let tested = harness(setup_for(&server.url(), TOKEN));
    let panel = tested.ctx.global_style().visuals.panel_fill;
    // (egui_kittest's harness paints a panel of its own around the app: the first.)
    assert_eq!(window_fills(&tested), vec![panel, panel]);
    // As `ui::run` makes it: the app paints no background; the clear colour is it.
    let mut real = builder(egui::vec2(1000.0, 1100.0)).build_ui_state(
        |ui, app: &mut RatingApp| app.show(ui),
        RatingApp::new(setup_for(&server.url(), TOKEN)).in_real_window(),
    );
    real.run_steps(2);
    assert_eq!(
        window_fills(&real),
        vec![panel],
        "only the harness's own panel"
    );
    let visuals = real.ctx.global_style().visuals.clone();
    assert_eq!(
        eframe::App::clear_color(real.state(), &visuals),
        visuals.panel_fill.to_normalized_gamma_f32()
    );
}

#[test]
fn a_real_window_starts_its_background_sender_only_after_the_first_frames() {
    let server = server();
    let data = tempfile::tempdir().unwrap();
    let mut setup = setup_for(&server.url(), TOKEN);
    setup.data_dir = Some(data.path().to_owned());
    let mut real = builder(egui::vec2(1000.0, 1100.0))
        .with_step_dt(0.1)
        .build_ui_state(
            |ui, app: &mut RatingApp| app.show(ui),
            RatingApp::new(setup).in_real_window(),
        );
    let mut frames_before = 0;
    while now(&real) < BACKGROUND_START {
        real.step();
        if now(&real) < BACKGROUND_START {
            assert!(
                real.state().outbox_status().is_none(),
                "the background sender started {:.2} s after start",
                now(&real)
            );
            assert!(!animating(&real), "the window spins while it waits");
            frames_before += 1;
        }
    }
    assert!(frames_before >= 2);
    real.step();
    assert!(real.state().outbox_status().is_some(), "never started");
}
