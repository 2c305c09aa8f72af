//! The kiosk's camera (`kiosk_options.camera`) on the ready screen, with frames fed from
//! generated slips through `RatingApp::open_cameras_with` (no real camera here): a slip
//! held up starts the rating as a scan does, once; a camera that cannot be opened raises
//! the staff's mark and leaves the patient's screen as it is.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable;
use rxing::{BarcodeFormat, MultiFormatWriter, Writer as _};
use visit_rating::slip::{CaptureError, FrameSource, GrayFrame};
use visit_rating::ui::app::{RatingApp, Screen};
use visit_rating::ui::clock::Clock;

use crate::support::settle;
use crate::support::ui::{
    KioskRig, TOKEN, VISIT_ID, build_app, builder, kiosk_config, server, setup_for, step_until,
};

const CAMERA: &str = "/dev/video-test";
const SLIP: &str = "5a0e8c1d-93b2-4f6e-a7c4-0123456789ab";
const STAFF_MARK: &str = "(!) Терминал требует внимания персонала";

/// A 640×480 frame: a white page, with the QR code of `text` at 6 pixels a module when
/// given.
fn frame(text: Option<&str>) -> GrayFrame {
    let (w, h) = (640_u32, 480_u32);
    let mut luma = vec![200_u8; (w * h) as usize];
    if let Some(text) = text {
        let code = MultiFormatWriter
            .encode(text, &BarcodeFormat::QR_CODE, 0, 0)
            .unwrap();
        for y in 0..code.height() * 6 {
            for x in 0..code.width() * 6 {
                if code.get(x / 6, y / 6) {
                    luma[((y + 60) * w + x + 120) as usize] = 20;
                }
            }
        }
    }
    GrayFrame::new(w, h, luma).unwrap()
}

/// The camera: the slip while it is held up, the empty page otherwise; counts frames.
#[derive(Clone)]
struct Camera {
    held_up: Arc<AtomicBool>,
    taken: Arc<AtomicUsize>,
}

impl FrameSource for Camera {
    fn next_frame(&mut self) -> Result<GrayFrame, CaptureError> {
        self.taken.fetch_add(1, Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(10));
        Ok(frame(self.held_up.load(Ordering::Relaxed).then_some(SLIP)))
    }
}

fn camera_kiosk(open: visit_rating::ui::app::OpenCamera) -> KioskRig {
    let server = server();
    let clock = Clock::manual();
    let mut setup = setup_for(&server.url(), TOKEN);
    setup.config = kiosk_config();
    setup.config.kiosk_options.camera = Some(CAMERA.into());
    setup.kiosk = true;
    setup.clock = clock.clone();
    let mut app = RatingApp::new(setup);
    app.open_cameras_with(open);
    let size = egui::vec2(1280.0, 1400.0);
    let mut harness = build_app(builder(size), app);
    crate::support::fit_to_pixels(&mut harness, size);
    KioskRig {
        harness,
        clock,
        server,
    }
}

/// Step the window for `period` of real time (the reader runs on its own clock).
fn run_for(rig: &mut KioskRig, period: Duration) {
    let start = Instant::now();
    while start.elapsed() < period {
        rig.harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    settle(&mut rig.harness);
}

#[test]
fn a_slip_held_up_to_the_camera_starts_the_rating_once() {
    let camera = Camera {
        held_up: Arc::new(AtomicBool::new(false)),
        taken: Arc::new(AtomicUsize::new(0)),
    };
    let opened = camera.clone();
    let mut rig = camera_kiosk(Arc::new(move |device| {
        assert_eq!(device, std::path::Path::new(CAMERA));
        Ok(Box::new(opened.clone()) as Box<dyn FrameSource>)
    }));
    assert_eq!(rig.screen(), Screen::Ready);
    // Nothing held up: frames are read, nothing starts.
    run_for(&mut rig, Duration::from_secs(1));
    assert!(
        camera.taken.load(Ordering::Relaxed) > 0,
        "the camera is read"
    );
    assert_eq!(rig.screen(), Screen::Ready);

    camera.held_up.store(true, Ordering::Relaxed);
    step_until(&mut rig.harness, |app| app.screen() == Screen::Form);
    rig.harness.get_by_label(&format!("Посещение: {SLIP}"));

    // While the form is open the camera is not read.
    run_for(&mut rig, Duration::from_millis(500));
    let during_form = camera.taken.load(Ordering::Relaxed);
    run_for(&mut rig, Duration::from_secs(1));
    assert_eq!(
        camera.taken.load(Ordering::Relaxed),
        during_form,
        "no frames off the ready screen"
    );

    rig.rate_current();
    assert_eq!(rig.screen(), Screen::ThankYou);
    assert_eq!(rig.server.state().ratings().len(), 1);
    rig.advance(8);
    assert_eq!(rig.screen(), Screen::Ready);

    // The slip is still in front of the camera: read again, but no second rating.
    let before = camera.taken.load(Ordering::Relaxed);
    run_for(&mut rig, Duration::from_millis(1500));
    assert!(
        camera.taken.load(Ordering::Relaxed) > before,
        "the camera is read again"
    );
    assert_eq!(
        rig.screen(),
        Screen::Ready,
        "the same slip did not start again"
    );
    assert_eq!(
        rig.harness.get_by_label(VISIT_ID).value().as_deref(),
        Some("")
    );

    // Taken away for longer than the hold, then shown again: a new rating.
    camera.held_up.store(false, Ordering::Relaxed);
    run_for(&mut rig, Duration::from_millis(700));
    rig.advance(visit_rating::ui::app::SAME_SLIP_HOLD.as_secs() + 1);
    camera.held_up.store(true, Ordering::Relaxed);
    step_until(&mut rig.harness, |app| app.screen() == Screen::Form);
}

#[test]
fn a_camera_that_cannot_be_opened_calls_staff_and_the_patient_sees_the_ready_screen() {
    let tries = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&tries);
    let mut rig = camera_kiosk(Arc::new(move |device| {
        count.fetch_add(1, Ordering::Relaxed);
        Err(CaptureError::Open {
            device: device.to_owned(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        })
    }));
    step_until(&mut rig.harness, |_| tries.load(Ordering::Relaxed) > 0);
    run_for(&mut rig, Duration::from_millis(300));
    assert_eq!(rig.screen(), Screen::Ready);
    rig.harness.get_by_label(STAFF_MARK);
    // The scanner still works.
    rig.scan("kiosk-visit-scanned");
    assert_eq!(rig.screen(), Screen::Form);
}
