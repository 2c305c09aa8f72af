//! Time spent in one frame of the rating form — the UI pass (`RatingApp::show`) plus
//! tessellation — while a scripted session types and navigates, against the 16.7 ms
//! budget of a 60 Hz screen.
//!
//! The session, repeated `RATINGS` times: type a visit id one character per frame, Tab
//! to each star row and press a digit, Tab to the remarks and type 60 characters one per
//! frame, Ctrl+Enter to send to an in-process stand-in server, step until the thank-you
//! screen, Enter for the next rating. The pointer sweeps across the window every frame so
//! hover effects are drawn. Rendering to pixels (wgpu) is not included: that is the GPU's
//! (here llvmpipe's) share and is measured by the cold-start figures.
//!
//! Then the queue view: a fresh window whose outbox holds `QUEUED` ratings (saved for
//! another server, so nobody sends them while we measure), the view opened and its list
//! read (in a job), and `IDLE_FRAMES` frames timed with the pointer sweeping across it;
//! against the same number of frames of a fresh, empty form. The view draws only the
//! rows in view, so the two should cost about the same.
//!
//! Prints one line per figure: `name value unit`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use egui::{Event, Key, Modifiers, Pos2, RawInput, Rect, Vec2};
use visit_rating::config::{Config, Language};
use visit_rating::mock_server::{DEMO_TOKEN, MockOptions, RunningMock};
use visit_rating::secrets::Token;
use visit_rating::service::TokenSource;
use visit_rating::ui::{AppSetup, RatingApp, Screen};

const RATINGS: usize = 8;
const QUEUED: usize = 10_000;
const IDLE_FRAMES: usize = 300;
const SIZE: Vec2 = Vec2::new(1000.0, 780.0);
const NOTES: &str = "Врач внимательный, очередь небольшая, всё понятно объяснили. Спасибо";

struct Probe {
    ctx: egui::Context,
    app: RatingApp,
    frame: u64,
    times: Vec<Duration>,
    first: Option<Duration>,
}

impl Probe {
    /// The frame times so far, in milliseconds, shortest first.
    fn sorted_ms(&self) -> Vec<f64> {
        let mut times: Vec<f64> = self
            .times
            .iter()
            .map(|d| d.as_secs_f64() * 1000.0)
            .collect();
        times.sort_by(f64::total_cmp);
        times
    }

    fn step(&mut self, events: Vec<Event>) {
        self.frame += 1;
        // The pointer sweeps left to right, top to bottom, across the window.
        let x = (self.frame * 37 % 1000) as f32;
        let y = (self.frame * 11 % 780) as f32;
        let mut all = vec![Event::PointerMoved(Pos2::new(x, y))];
        all.extend(events);
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, SIZE)),
            time: Some(self.frame as f64 / 60.0),
            predicted_dt: 1.0 / 60.0,
            events: all,
            ..RawInput::default()
        };
        let start = Instant::now();
        let app = &mut self.app;
        let mut output = self.ctx.run_ui(input, |ui| app.show(ui));
        let primitives = self.ctx.tessellate(output.shapes, output.pixels_per_point);
        let elapsed = start.elapsed();
        // No GPU here: the font atlas's updates are not uploaded anywhere.
        output.textures_delta.clear();
        std::hint::black_box(primitives);
        if self.first.is_none() {
            self.first = Some(elapsed);
        } else {
            self.times.push(elapsed);
        }
    }

    fn key(&mut self, key: Key, modifiers: Modifiers) {
        let event = |pressed| Event::Key {
            key,
            physical_key: None,
            pressed,
            repeat: false,
            modifiers,
        };
        self.step(vec![event(true)]);
        self.step(vec![event(false)]);
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.step(vec![Event::Text(c.to_string())]);
        }
    }
}

fn main() -> std::process::ExitCode {
    let server = match RunningMock::start(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        MockOptions::default(),
    ) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("frame-probe: cannot start the stand-in server: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // The form alone: no outbox, no kiosk timers.
    let mut probe = match window(&server.url(), None) {
        Ok(probe) => probe,
        Err(e) => {
            eprintln!("frame-probe: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    for _ in 0..3 {
        probe.step(Vec::new());
    }
    let run = std::process::id();
    for n in 0..RATINGS {
        probe.type_text(&format!("probe-{run}-{n}"));
        for digit in [Key::Num5, Key::Num4, Key::Num3, Key::Num2] {
            probe.key(Key::Tab, Modifiers::NONE);
            probe.key(digit, Modifiers::NONE);
        }
        probe.key(Key::Tab, Modifiers::NONE);
        probe.type_text(NOTES);
        probe.key(Key::Enter, Modifiers::COMMAND);
        let sent = Instant::now();
        while probe.app.screen() != Screen::ThankYou {
            if sent.elapsed() > Duration::from_secs(10) {
                eprintln!(
                    "frame-probe: rating {n} was not accepted (screen {:?})",
                    probe.app.screen()
                );
                return std::process::ExitCode::FAILURE;
            }
            std::thread::sleep(Duration::from_millis(2));
            probe.step(Vec::new());
        }
        probe.key(Key::Enter, Modifiers::NONE);
        probe.step(Vec::new());
    }
    if server.state().ratings().len() != RATINGS {
        eprintln!(
            "frame-probe: the server stored {} ratings, expected {RATINGS}",
            server.state().ratings().len()
        );
        return std::process::ExitCode::FAILURE;
    }
    let times = probe.sorted_ms();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!("frames {} count", times.len());
    println!(
        "first_frame_ms {:.3} ms",
        probe.first.unwrap_or_default().as_secs_f64() * 1000.0
    );
    println!("median_ms {:.3} ms", at(0.5));
    println!("p99_ms {:.3} ms", at(0.99));
    println!("max_ms {:.3} ms", at(1.0));
    match queue_view(&server.url()) {
        Ok((form, queue)) => {
            println!("form_idle_median_ms {form:.3} ms");
            println!("queue_{QUEUED}_median_ms {queue:.3} ms");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("frame-probe: the queue view: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// A fresh window for `url`, keeping its outbox in `data_dir` (if any).
fn window(url: &str, data_dir: Option<std::path::PathBuf>) -> Result<Probe, String> {
    let token = Token::new(DEMO_TOKEN).map_err(|e| e.to_string())?;
    let setup = AppSetup {
        config: Config::default(),
        config_path: std::env::temp_dir().join("frame-probe-config.toml"),
        language: Language::Ru,
        server_url: Some(url.to_owned()),
        tokens: TokenSource::Fixed(token),
        demo: false,
        data_dir,
        kiosk: false,
        clock: visit_rating::ui::clock::Clock::system(),
    };
    Ok(Probe {
        ctx: egui::Context::default(),
        app: RatingApp::new(setup),
        frame: 0,
        times: Vec::new(),
        first: None,
    })
}

/// The median of `IDLE_FRAMES` frames, the pointer sweeping (milliseconds).
fn idle_median(probe: &mut Probe) -> f64 {
    probe.times.clear();
    for _ in 0..IDLE_FRAMES {
        probe.step(Vec::new());
    }
    let times = probe.sorted_ms();
    times[times.len() / 2]
}

/// The empty form's idle frame and the queue view's with `QUEUED` ratings, medians.
fn queue_view(url: &str) -> Result<(f64, f64), String> {
    use visit_rating::api::VisitId;
    use visit_rating::rating::{Rating, Score};

    let mut form = window(url, None)?;
    for _ in 0..3 {
        form.step(Vec::new());
    }
    let form_median = idle_median(&mut form);

    let data = std::env::temp_dir().join(format!("frame-probe-queue-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let outbox = visit_rating::outbox::Outbox::open(&data).map_err(|e| e.to_string())?;
    let rating = Rating {
        scores: [5, 4, 3, 2].map(|v| Score::new(v).expect("1..5")),
        notes: NOTES.to_owned(),
        didnt_visit: false,
    };
    let queued = std::env::var("FRAME_PROBE_QUEUED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(QUEUED);
    for n in 0..queued {
        let id = VisitId::parse(&format!("queued-{n}")).map_err(|e| e.to_string())?;
        outbox
            .enqueue(&id, &rating, "https://elsewhere.example:443")
            .map_err(|e| e.to_string())?;
    }
    let mut queue = window(url, Some(data.clone()))?;
    queue.step(Vec::new());
    queue.app.open_outbox(&queue.ctx);
    // The list is read in a job; frames go on meanwhile, as in the window.
    let opened = Instant::now();
    while visit_rating::ui::jobs::running(&queue.ctx) > 0 || queue.frame < 10 {
        if opened.elapsed() > Duration::from_secs(120) {
            return Err("the outbox list did not arrive within 120 s".into());
        }
        std::thread::sleep(Duration::from_millis(5));
        queue.step(Vec::new());
    }
    queue.step(Vec::new());
    if queue.app.screen() != Screen::Outbox {
        return Err(format!(
            "the queue view is not open ({:?})",
            queue.app.screen()
        ));
    }
    let queue_median = idle_median(&mut queue);
    let _ = std::fs::remove_dir_all(&data);
    Ok((form_median, queue_median))
}
