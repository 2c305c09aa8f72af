//! The camera on the kiosk's ready screen (`kiosk_options.camera`): the slip reader
//! ([`jobs::read_slips`]) runs while the setting is on, reads frames only while the
//! ready screen waits for a visit id, and a visit id it finds starts the rating as a
//! scanned one would. One slip starts one rating ([`RepeatGuard`]); a camera that cannot
//! be read is logged and raises the staff's attention mark, and the patient sees the
//! ready screen as ever (the scanner and the typed id still work).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::{RatingApp, Screen, Transition};
use crate::slip::{CaptureError, FrameSource, RepeatGuard, SlipIds};
use crate::ui::jobs::{self, SlipEvent, SlipReader};

/// One frame read at most this often: three a second keep a kiosk's CPU mostly idle (a
/// frame takes tens of milliseconds to decode; bench/slips) and still catch a slip held
/// up for a moment.
pub const READ_EVERY: Duration = Duration::from_millis(333);
/// A camera that cannot be opened or was lost is tried again this often.
const RETRY: Duration = Duration::from_secs(5);
/// The visit id that started the last rating is not taken again until the camera has
/// not seen it (or the ready screen was away) for this long.
pub const SAME_SLIP_HOLD: Duration = Duration::from_secs(5);

/// How the slip reader opens a camera: [`crate::slip::open_camera`], or images in tests.
pub type OpenCamera =
    Arc<dyn Fn(&Path) -> Result<Box<dyn FrameSource>, CaptureError> + Send + Sync>;

/// The window's side of the slip reader.
pub(super) struct SlipCamera {
    /// The running reader, for `running_for`.
    reader: Option<SlipReader>,
    /// The camera and the id rule the reader was started with.
    running_for: Option<(PathBuf, SlipIds)>,
    guard: RepeatGuard,
    /// The last frame waited for a visit id.
    waiting: bool,
    open: OpenCamera,
}

impl Default for SlipCamera {
    fn default() -> SlipCamera {
        SlipCamera {
            reader: None,
            running_for: None,
            guard: RepeatGuard::new(SAME_SLIP_HOLD),
            waiting: false,
            open: Arc::new(crate::slip::open_camera),
        }
    }
}

impl std::fmt::Debug for SlipCamera {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlipCamera")
            .field("running_for", &self.running_for)
            .finish_non_exhaustive()
    }
}

impl RatingApp {
    /// Open cameras with `open` instead of V4L2 (tests feed generated slips this way).
    pub fn open_cameras_with(&mut self, open: OpenCamera) {
        self.slips = SlipCamera {
            open,
            ..SlipCamera::default()
        };
    }

    /// The slip reader, once a frame: started, restarted or stopped as the settings say,
    /// told whether to read, and a visit id it found taken as a scanned one
    /// ([`Transition::StartRating`]).
    pub(super) fn slip_camera(&mut self, ctx: &egui::Context) -> Transition {
        let wanted = self
            .kiosk
            .as_ref()
            .and_then(|kiosk| kiosk.options.camera.clone())
            .map(|device| (device, SlipIds::from_config(&self.config)));
        if wanted != self.slips.running_for {
            // Dropping the old reader ends its thread (and closes its camera).
            self.slips.reader = None;
            if let Some((device, ids)) = &wanted {
                let open = Arc::clone(&self.slips.open);
                let path = device.clone();
                let started = jobs::read_slips(
                    Box::new(move || open(&path)),
                    ids.clone(),
                    READ_EVERY,
                    RETRY,
                    ctx,
                );
                match started {
                    Ok(reader) => {
                        tracing::info!(camera = %device.display(), "the ready screen reads visit slips through the camera");
                        self.slips.reader = Some(reader);
                    }
                    Err(error) => {
                        tracing::error!(%error, "cannot start the slip reader");
                        if let Some(kiosk) = &mut self.kiosk {
                            kiosk.call_staff();
                        }
                    }
                }
            }
            self.slips.running_for = wanted;
        }
        let Some(reader) = &self.slips.reader else {
            return Transition::None;
        };
        let now = self.clock.now();
        let waiting_for_id = matches!(self.screen, Screen::Ready)
            && self.screens.visit.pending.is_none()
            && self.screens.visit.form.visit_id.is_empty()
            && self.kiosk.as_ref().is_some_and(|k| !k.prompt_open());
        reader.set_active(waiting_for_id);
        // The hold counts from the first frame the ready screen is back, as well: the
        // frame that comes back from the thank-you screen already waits for an id.
        if !waiting_for_id || !self.slips.waiting {
            self.slips.guard.away(now);
        }
        self.slips.waiting = waiting_for_id;
        let mut next = Transition::None;
        for event in reader.events() {
            match event {
                SlipEvent::Read(read) => {
                    let cooling_down = self.kiosk.as_ref().is_some_and(|k| k.cooling_down(now));
                    if !waiting_for_id
                        || cooling_down
                        || !matches!(next, Transition::None)
                        || !self.slips.guard.admit(&read.visit_id, now)
                    {
                        continue;
                    }
                    tracing::info!(symbology = ?read.symbology, "a visit slip was read through the camera");
                    self.screens.visit.form.visit_id = read.text;
                    next = Transition::StartRating;
                }
                SlipEvent::Failed(error) => {
                    tracing::error!(%error, "the camera cannot be read: the ready screen takes visit ids from the scanner and the keyboard only");
                    if let Some(kiosk) = &mut self.kiosk {
                        kiosk.call_staff();
                    }
                }
                SlipEvent::Working => {
                    tracing::info!("the camera gives frames again");
                }
            }
        }
        next
    }
}
