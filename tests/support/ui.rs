//! Helpers for the tests that drive the real window through `egui_kittest`: the window
//! as a harness, the stand-in server in-process on loopback, the kiosk with a manual
//! clock, and the two ways a test lets the window get somewhere:
//!
//! - after an input, [`settle`]: frames until egui asks for no more and none of the
//!   window's background jobs (`ui::jobs`) runs, waiting on the jobs themselves;
//! - for background work (a send, a file, the keyring), [`step_until`]: frames until a
//!   condition on the app holds. Between frames it waits, as the real event loop does,
//!   for the window to be woken (`request_repaint`), never a fixed time; it fails with
//!   the line that waited and where the window is after a frame cap.
//!
//! Timers (kiosk, idle reset, cooldown) run on the app's [`Clock`]: tests advance a
//! manual clock ([`KioskRig::advance`]) instead of waiting.

use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use egui::{Event, Modifiers, PointerButton, Pos2};
use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, HarnessBuilder};
use visit_rating::config::{Config, Language};
use visit_rating::mock_server::{MockOptions, RunningMock};
use visit_rating::secrets::Token;
use visit_rating::service::TokenSource;
use visit_rating::ui::app::Screen;
use visit_rating::ui::clock::Clock;
use visit_rating::ui::{AppSetup, RatingApp};

pub const TOKEN: &str = "ui-test-token";
pub const WAITING: &str = "Время ожидания в очереди";
pub const RESULT: &str = "Результат посещения врача";
pub const ATTITUDE: &str = "Отношение медицинского персонала";
pub const CLEANLINESS: &str = "Чистота и порядок в поликлинике";
pub const CRITERIA: [&str; 4] = [WAITING, RESULT, ATTITUDE, CLEANLINESS];
pub const SUBMIT: &str = "Отправить оценку";
pub const DIDNT_VISIT: &str = "Я не посещал(а) это учреждение в этот день";
pub const VISIT_ID: &str = "Идентификатор посещения";
pub const NOTES: &str = "Пожелания и замечания для руководителя медицинского учреждения";

/// The kiosk's administrator PIN in [`kiosk_config`].
pub const PIN: &str = "246813";

/// Frames [`step_until`] runs before it gives up: between frames it waits for a wake-up
/// (at most [`IDLE_WAIT`], or one display frame while egui animates), so this is also
/// a bound of 10–20 s.
pub const STEP_FRAMES: u32 = 1_000;

/// The longest wait between two frames for a background job's `request_repaint`, like
/// an idle window's event loop (a job that finishes wakes it at once).
const IDLE_WAIT: Duration = Duration::from_millis(20);

/// One display frame, the pace of an animation (a spinner) in a real window.
const DISPLAY_FRAME: Duration = Duration::from_millis(16);

/// The stand-in server in this process, on a free loopback port it keeps, taking
/// [`TOKEN`].
pub fn server() -> RunningMock {
    server_with(MockOptions::default())
}

/// [`server`] with other options (faults, latency); its tokens are [`TOKEN`].
pub fn server_with(options: MockOptions) -> RunningMock {
    RunningMock::start(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        MockOptions {
            tokens: vec![TOKEN.to_owned()],
            ..options
        },
    )
    .unwrap()
}

/// A desk window (not a kiosk) for `url`, with `token` fixed, no outbox, a manual clock
/// and a throwaway settings path.
pub fn setup_for(url: &str, token: &str) -> AppSetup {
    AppSetup {
        config: Config::default(),
        config_path: tempfile::tempdir().unwrap().keep().join("config.toml"),
        language: Language::Ru,
        server_url: Some(url.to_owned()),
        tokens: TokenSource::Fixed(Token::new(token).unwrap()),
        demo: false,
        data_dir: None,
        kiosk: false,
        clock: Clock::manual(),
    }
}

/// The harness builder every UI test starts from (then [`build`]).
pub fn builder(size: egui::Vec2) -> HarnessBuilder<RatingApp> {
    Harness::builder().with_size(size)
}

/// The window for `setup`, built by `builder`, settled on its first screen.
pub fn build(builder: HarnessBuilder<RatingApp>, setup: AppSetup) -> Harness<'static, RatingApp> {
    build_app(builder, RatingApp::new(setup))
}

/// [`build`] for an app already made (one tuned with its builder methods).
pub fn build_app(
    builder: HarnessBuilder<RatingApp>,
    app: RatingApp,
) -> Harness<'static, RatingApp> {
    let mut harness = builder.build_ui_state(|ui, app: &mut RatingApp| app.show(ui), app);
    let woken = Wake::of_this_thread();
    harness.ctx.set_request_repaint_callback(move |info| {
        if info.delay.is_zero() {
            woken.wake();
        }
    });
    settle(&mut harness);
    harness
}

/// The desk window for `setup` (1000×1100, without a GPU).
pub fn harness(setup: AppSetup) -> Harness<'static, RatingApp> {
    build(builder(egui::vec2(1000.0, 1100.0)), setup)
}

/// Set when something asks a window for a repaint now: what the real event loop waits
/// for between frames. One per test thread, shared by the windows it drives (a wake-up
/// meant for another of them only brings a frame forward); kept outside egui's memory,
/// which `tests/memory.rs` counts.
#[derive(Default)]
struct Wake {
    woken: Mutex<bool>,
    signal: Condvar,
}

thread_local! {
    static WAKE: Arc<Wake> = Arc::new(Wake::default());
}

impl Wake {
    fn of_this_thread() -> Arc<Wake> {
        WAKE.with(Arc::clone)
    }

    fn wake(&self) {
        *self.woken.lock().unwrap() = true;
        self.signal.notify_all();
    }

    /// Forget requests made so far: a frame's own, for its animation, are not a
    /// background job waking the window.
    fn clear(&self) {
        *self.woken.lock().unwrap() = false;
    }

    /// Wait until woken (since the last [`Wake::clear`]) or `limit` passed.
    fn wait(&self, limit: Duration) {
        let woken = self.woken.lock().unwrap();
        drop(
            self.signal
                .wait_timeout_while(woken, limit, |woken| !*woken)
                .unwrap(),
        );
    }
}

/// Step the window until `done` holds (a send landed, a file was written), then let it
/// settle if no background job runs; fail after [`STEP_FRAMES`] frames, naming the caller's line and where the
/// window is.
#[track_caller]
pub fn step_until(harness: &mut Harness<'_, RatingApp>, done: impl Fn(&RatingApp) -> bool) {
    step_until_within(harness, STEP_FRAMES, done);
}

/// [`step_until`] with its own frame cap (the background sender's slower pace).
#[track_caller]
pub fn step_until_within(
    harness: &mut Harness<'_, RatingApp>,
    frames: u32,
    done: impl Fn(&RatingApp) -> bool,
) {
    step_until_seen(harness, frames, |harness| done(harness.state()));
}

/// Step the window until a label containing `text` is shown (what only the screen tells).
#[track_caller]
pub fn step_until_shown(harness: &mut Harness<'_, RatingApp>, text: &str) {
    step_until_seen(harness, STEP_FRAMES, |harness| {
        harness.query_by_label_contains(text).is_some()
    });
}

/// The loop behind the `step_until` helpers: `done` sees the whole harness.
#[track_caller]
pub fn step_until_seen(
    harness: &mut Harness<'_, RatingApp>,
    frames: u32,
    done: impl Fn(&Harness<'_, RatingApp>) -> bool,
) {
    let start = Instant::now();
    let mut ran = 0;
    while !done(harness) {
        let app = harness.state();
        assert!(
            ran < frames,
            "the condition at {} never held: {ran} frames ({:.1} s); the window is on {:?}, \
             sending: {}, last result: {:?}",
            std::panic::Location::caller(),
            start.elapsed().as_secs_f32(),
            app.screen(),
            app.is_sending(),
            app.last_result()
                .map(|r| format!("{r:?}").chars().take(300).collect::<String>()),
        );
        harness.step();
        ran += 1;
        wait_after_frame(harness);
    }
    // At rest, unless the moment waited for is one during background work (an import
    // under way): then one more frame draws it, and the work goes on.
    if visit_rating::ui::jobs::running(&harness.ctx) == 0 {
        settle(harness);
    } else {
        harness.step();
    }
}

/// Let the window come to rest after an input (frames until no repaint is asked and
/// none of its background jobs runs): see [`super::settle`].
pub use super::settle;

/// After a frame, wait as a real window's event loop does: one display frame while
/// egui animates, else until a background job wakes the window (`request_repaint`),
/// at most [`IDLE_WAIT`]. For a test's own frame loop; `step_until` does this itself.
pub fn wait_after_frame(harness: &Harness<'_, RatingApp>) {
    let wake = Wake::of_this_thread();
    wake.clear();
    wake.wait(if animating(harness) {
        DISPLAY_FRAME
    } else {
        IDLE_WAIT
    });
}

/// Whether the last frame asked for the next one at once (an animation, a spinner).
pub fn animating(harness: &Harness<'_, RatingApp>) -> bool {
    harness
        .output()
        .viewport_output
        .values()
        .any(|v| v.repaint_delay.is_zero())
}

/// Rendered and answered: no send under way and a result (or the thank-you screen).
pub fn sent(app: &RatingApp) -> bool {
    !app.is_sending() && (app.last_result().is_some() || app.screen() == Screen::ThankYou)
}

/// Click at a point with the primary button (press and release).
pub fn click_at(harness: &Harness<'_, RatingApp>, pos: Pos2) {
    harness.event(Event::PointerMoved(pos));
    for pressed in [true, false] {
        harness.event(Event::PointerButton {
            pos,
            button: PointerButton::Primary,
            pressed,
            modifiers: Modifiers::NONE,
        });
    }
}

/// Click the `stars`-th star of the row named `criterion` (whatever its value now).
pub fn click_star(harness: &mut Harness<'_, RatingApp>, criterion: &str, stars: u8) {
    let rect = harness
        .get_by_label_contains(&format!("{criterion}: "))
        .rect();
    let x = rect.left() + rect.width() * (f32::from(stars) - 0.5) / 5.0;
    click_at(harness, Pos2::new(x, rect.center().y));
    settle(harness);
}

/// Click the field `label` and type `text` into it.
pub fn type_into(harness: &mut Harness<'_, RatingApp>, label: &str, text: &str) {
    harness.get_by_label(label).click();
    settle(harness);
    harness.get_by_label(label).type_text(text);
    settle(harness);
}

pub fn type_visit_id(harness: &mut Harness<'_, RatingApp>, id: &str) {
    type_into(harness, VISIT_ID, id);
}

/// Fill the whole form with the mouse.
pub fn fill(harness: &mut Harness<'_, RatingApp>, id: &str, scores: [u8; 4]) {
    type_visit_id(harness, id);
    for (criterion, stars) in CRITERIA.into_iter().zip(scores) {
        click_star(harness, criterion, stars);
    }
}

/// The keyring for in-process UI tests: keyring-core's mock store (the product never
/// uses it; the real Secret Service is tested through the binary in `keyring.rs`).
pub fn mock_keyring() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap());
    });
}

// --- The kiosk ----------------------------------------------------------------------

/// Settings of a kiosk with [`PIN`] as its administrator PIN.
pub fn kiosk_config() -> Config {
    Config {
        admin_pin_hash: Some(visit_rating::admin_pin::hash_pin(PIN).unwrap()),
        ..Config::default()
    }
}

/// A kiosk window with its manual clock and its stand-in server.
pub struct KioskRig {
    pub harness: Harness<'static, RatingApp>,
    pub clock: Clock,
    pub server: RunningMock,
}

/// A kiosk with `config` and `token`, `size`, rendered by wgpu if `wgpu` (snapshots).
pub fn kiosk_rig_with(config: Config, token: &str, size: egui::Vec2, wgpu: bool) -> KioskRig {
    let server = server();
    let clock = Clock::manual();
    let mut setup = setup_for(&server.url(), token);
    setup.config = config;
    setup.kiosk = true;
    setup.clock = clock.clone();
    let builder = builder(size);
    let builder = if wgpu { builder.wgpu() } else { builder };
    let mut harness = build(builder, setup);
    // A kiosk zooms to its screen: keep the harness that screen, as a window is.
    crate::support::fit_to_pixels(&mut harness, size);
    KioskRig {
        harness,
        clock,
        server,
    }
}

/// The kiosk of most tests: [`kiosk_config`], [`TOKEN`], a tall touch screen.
pub fn kiosk_rig() -> KioskRig {
    kiosk_rig_with(kiosk_config(), TOKEN, egui::vec2(1280.0, 1400.0), false)
}

impl KioskRig {
    /// Let `seconds` pass on the kiosk's clock and let the window catch up.
    pub fn advance(&mut self, seconds: u64) {
        self.clock.advance(Duration::from_secs(seconds));
        settle(&mut self.harness);
    }

    /// Scan a visit id (the scanner types it and presses Enter).
    pub fn scan(&mut self, id: &str) {
        self.harness.get_by_label(VISIT_ID).type_text(id);
        self.harness.key_press(egui::Key::Enter);
        settle(&mut self.harness);
    }

    /// A whole rating by touch: scan, four rows, send; waits for the answer.
    pub fn rate(&mut self, id: &str) {
        self.scan(id);
        self.rate_current();
    }

    /// Four rows on the open form, send; waits for the answer.
    pub fn rate_current(&mut self) {
        for (criterion, stars) in CRITERIA.into_iter().zip([5, 4, 5, 4]) {
            click_star(&mut self.harness, criterion, stars);
        }
        self.harness.get_by_label(SUBMIT).click();
        step_until(&mut self.harness, |app| {
            !app.is_sending() && app.last_result().is_some()
        });
    }

    pub fn screen(&self) -> Screen {
        self.harness.state().screen()
    }
}

/// The window's setup for a first start: no server address yet, settings to be saved in
/// `config_path`.
pub fn setup_without_url(config_path: &std::path::Path) -> AppSetup {
    AppSetup {
        server_url: None,
        config_path: config_path.to_owned(),
        ..setup_for("unused", TOKEN)
    }
}

/// Check that the form kept the rating after a failed send: "Повторить отправку" on
/// screen, the third score still set, and `visit_id` still in its field.
pub fn assert_form_kept(harness: &Harness<'_, RatingApp>, visit_id: &str) {
    harness.get_by_label("Повторить отправку");
    harness.get_by_label(&format!("{ATTITUDE}: 3 из 5"));
    assert_eq!(
        harness.get_by_label(VISIT_ID).value().as_deref(),
        Some(visit_id)
    );
}

/// Rate `count` visits one after another (`visit-offline-0`, …), each after the first
/// begun with "Новая оценка"; `after_each` runs once each was sent.
pub fn rate_visits_in_turn(
    harness: &mut Harness<'_, RatingApp>,
    count: usize,
    mut after_each: impl FnMut(&mut Harness<'_, RatingApp>),
) {
    for n in 0..count {
        if n > 0 {
            harness.get_by_label("Новая оценка").click();
            settle(harness);
        }
        fill(harness, &format!("visit-offline-{n}"), [5, 4, 3, 2]);
        harness.get_by_label(SUBMIT).click();
        step_until(harness, sent);
        after_each(harness);
    }
}
