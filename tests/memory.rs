//! Months on the stand, compressed: 1,000 patients through the kiosk's cycle leave nothing
//! behind, neither in egui's memory nor on the heap.
//!
//! A test binary of its own, so that the counting allocator sees only this test: the real
//! window's UI in a kittest harness with a manual clock, sending to the stand-in server as
//! another process over loopback, every rating saved in the outbox first. After a warm-up of 100 ratings, egui's memory entries and
//! the live heap bytes after rating 1,000 must be within a small margin of those after
//! rating 100.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/mod.rs"]
mod support;

use std::alloc::System;
use std::time::Duration;

use egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use visit_rating::config::{Config, Language};
use visit_rating::secrets::Token;
use visit_rating::service::TokenSource;
use visit_rating::ui::app::Screen;
use visit_rating::ui::clock::Clock;
use visit_rating::ui::{AppSetup, RatingApp};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const TOKEN: &str = "memory-test-token";
const PIN: &str = "975318";
const RATINGS: usize = 1_000;
const WARM_UP: usize = 100;
/// Live heap allowed to differ between rating 100 and rating 1,000: a few buffers that
/// grow to their high-water mark (an egui text cache, a channel) and not 900 patients.
const HEAP_MARGIN: i64 = 64 * 1024;

/// Bytes live on the heap now, counted from the start of `region`.
fn live_bytes(region: &Region<'_, System>) -> i64 {
    let change = region.change();
    i64::try_from(change.bytes_allocated).unwrap()
        - i64::try_from(change.bytes_deallocated).unwrap()
}

fn entries(harness: &Harness<'_, RatingApp>) -> usize {
    harness.ctx.memory(|m| m.data.len())
}

/// One patient: scan, four rows by keyboard, remarks, send, thank-you, auto-reset.
fn one_patient(harness: &mut Harness<'_, RatingApp>, clock: &Clock, n: usize) {
    harness
        .get_by_label("Идентификатор посещения")
        .type_text(&format!("memory-visit-{n}"));
    harness.key_press(Key::Enter);
    support::ui::settle(harness);
    for (i, digit) in [Key::Num5, Key::Num4, Key::Num3, Key::Num2]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            harness.key_press(Key::Tab);
        }
        harness.key_press(digit);
    }
    harness.key_press(Key::Tab);
    support::ui::settle(harness);
    harness
        .get_by_label("Пожелания и замечания для руководителя медицинского учреждения")
        .type_text(&format!("Пациент {n}: всё хорошо, спасибо врачу"));
    support::ui::settle(harness);
    harness.get_by_label("Отправить оценку").click();
    support::ui::step_until(harness, |app| app.screen() == Screen::ThankYou);
    clock.advance(Duration::from_mins(1));
    support::ui::settle(harness);
    assert_eq!(harness.state().screen(), Screen::Ready, "rating {n}");
}

#[test]
fn a_thousand_patients_leave_nothing_behind() {
    let server = support::MockProcess::start(&["--token", TOKEN]);
    let region = Region::new(GLOBAL);
    let clock = Clock::manual();
    let data = tempfile::tempdir().unwrap();
    let setup = AppSetup {
        config: Config {
            admin_pin_hash: Some(visit_rating::admin_pin::hash_pin(PIN).unwrap()),
            ..Config::default()
        },
        config_path: tempfile::tempdir().unwrap().keep().join("config.toml"),
        language: Language::Ru,
        server_url: Some(server.url.clone()),
        tokens: TokenSource::Fixed(Token::new(TOKEN).unwrap()),
        demo: false,
        // The outbox as on a real stand: every rating is saved before it is sent.
        data_dir: Some(data.path().to_owned()),
        kiosk: true,
        clock: clock.clone(),
    };
    let mut harness = support::ui::build(support::ui::builder(egui::vec2(1280.0, 1400.0)), setup);
    // A kiosk zooms to its screen: keep the harness that screen, as a window is.
    support::fit_to_pixels(&mut harness, egui::vec2(1280.0, 1400.0));

    let mut at_warm_up = (0, 0);
    for n in 1..=RATINGS {
        one_patient(&mut harness, &clock, n);
        if n % WARM_UP == 0 {
            let now = (entries(&harness), live_bytes(&region));
            eprintln!(
                "after {n:>4} ratings: {:>3} egui memory entries, {:>9} live bytes",
                now.0, now.1
            );
            if n == WARM_UP {
                at_warm_up = now;
            }
        }
    }
    let at_end = (entries(&harness), live_bytes(&region));
    assert_eq!(server.ratings().len(), RATINGS, "every rating arrived");
    assert!(
        at_end.0 <= at_warm_up.0,
        "egui's memory grew from {} to {} entries",
        at_warm_up.0,
        at_end.0
    );
    assert!(
        at_end.1 - at_warm_up.1 <= HEAP_MARGIN,
        "the heap grew by {} bytes over {} ratings",
        at_end.1 - at_warm_up.1,
        RATINGS - WARM_UP
    );
}
