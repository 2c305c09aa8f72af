//! Where frames come from ([`FrameSource`]: a camera, or generated images in tests), what
//! goes wrong on the way ([`CaptureError`]), and the rule that one slip held in front of
//! the camera starts one rating ([`RepeatGuard`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::api::VisitId;

/// One grayscale frame: `width` × `height` bytes of luminance, row by row. Its `Debug`
/// shows the size only; it is never written anywhere.
#[derive(Clone, PartialEq, Eq)]
pub struct GrayFrame {
    width: u32,
    height: u32,
    luma: Vec<u8>,
}

impl GrayFrame {
    /// A frame of `luma`, when it holds exactly `width` × `height` bytes (neither 0).
    pub fn new(width: u32, height: u32, luma: Vec<u8>) -> Option<GrayFrame> {
        let size = usize::try_from(u64::from(width) * u64::from(height)).ok()?;
        (width > 0 && height > 0 && luma.len() == size).then_some(GrayFrame {
            width,
            height,
            luma,
        })
    }

    /// Its width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Its height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Its pixels, row by row, one byte each (0 black, 255 white).
    pub fn luma(&self) -> &[u8] {
        &self.luma
    }
}

impl std::fmt::Debug for GrayFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GrayFrame({}x{})", self.width, self.height)
    }
}

/// Why no frame came. Shown to staff (the log, the attention mark), never to a patient.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The device cannot be opened or set up (missing, busy, no permission).
    #[error("the camera {} cannot be opened: {source}", device.display())]
    Open {
        /// The configured device.
        device: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The device offers no format this program reads (grayscale or YUYV).
    #[error("the camera {} offers no grayscale or YUYV frames (it gives {offered})", device.display())]
    NoUsableFormat {
        /// The configured device.
        device: PathBuf,
        /// The format it settled on, as its four-character code.
        offered: String,
    },
    /// The device stopped giving frames (unplugged, a driver error).
    #[error("the camera {} stopped giving frames: {source}", device.display())]
    Lost {
        /// The configured device.
        device: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// This build reads no camera (cameras are read on Linux only).
    #[error("this build of the program reads no camera (Linux only)")]
    Unsupported,
}

/// Where frames come from: a camera, or images a test or the bench made.
pub trait FrameSource: Send {
    /// The next frame (waiting for it when the source has none yet), or why none came.
    /// An error ends the source: whoever reads it opens a new one.
    fn next_frame(&mut self) -> Result<GrayFrame, CaptureError>;
}

/// Open the camera at `device` ([`super::Camera`] on Linux; elsewhere
/// [`CaptureError::Unsupported`]).
pub fn open_camera(device: &Path) -> Result<Box<dyn FrameSource>, CaptureError> {
    #[cfg(target_os = "linux")]
    {
        super::Camera::open(device).map(|camera| Box::new(camera) as Box<dyn FrameSource>)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = device;
        Err(CaptureError::Unsupported)
    }
}

/// One slip, one rating: the visit id that started the last rating through the camera is
/// refused while the camera keeps seeing it, until it has been out of sight (or the
/// ready screen away) for `hold`. So a slip left in front of the camera after a rating
/// does not start it again when the ready screen comes back; the same slip shown again
/// later, or another slip at once, does start one.
#[derive(Clone, Debug)]
pub struct RepeatGuard {
    hold: Duration,
    /// The last visit id admitted, and when it was last seen (or the ready screen last
    /// left).
    last: Option<(VisitId, Duration)>,
}

impl RepeatGuard {
    /// A guard that holds a visit id back for `hold` after it was last seen.
    pub fn new(hold: Duration) -> RepeatGuard {
        RepeatGuard { hold, last: None }
    }

    /// `id` was read at `now` (on the ready screen): whether it may start a rating.
    pub fn admit(&mut self, id: &VisitId, now: Duration) -> bool {
        match &mut self.last {
            Some((last, seen)) if last == id && now.saturating_sub(*seen) < self.hold => {
                *seen = now;
                false
            }
            _ => {
                self.last = Some((id.clone(), now));
                true
            }
        }
    }

    /// The ready screen is not shown at `now` (a rating is under way): the hold of the
    /// last visit id counts from when it comes back.
    pub fn away(&mut self, now: Duration) {
        if let Some((_, seen)) = &mut self.last {
            *seen = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VISIT: &str = "7d1e2f3a-4b5c-4d6e-9f80-112233445566";
    const OTHER: &str = "0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6";

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn a_slip_left_in_front_of_the_camera_starts_one_rating() {
        let visit = VisitId::parse(VISIT).unwrap();
        let mut guard = RepeatGuard::new(secs(5));
        assert!(guard.admit(&visit, secs(0)));
        // The rating takes a minute; the ready screen comes back at 60 s and the slip
        // is still there, seen every quarter second for a while.
        for s in 1..=60 {
            guard.away(secs(s));
        }
        for tenth in 0..100 {
            let now = secs(60) + Duration::from_millis(250 * tenth);
            assert!(!guard.admit(&visit, now), "seen again at {now:?}");
        }
        // Taken away for longer than the hold, and shown again: a new rating.
        assert!(guard.admit(&visit, secs(60 + 25 + 6)));
    }

    #[test]
    fn another_slip_starts_at_once() {
        let visit = VisitId::parse(VISIT).unwrap();
        let other = VisitId::parse(OTHER).unwrap();
        let mut guard = RepeatGuard::new(secs(5));
        assert!(guard.admit(&visit, secs(0)));
        guard.away(secs(30));
        assert!(guard.admit(&other, secs(31)));
        // And the first one, shown again after the other, is a new patient's slip too.
        guard.away(secs(60));
        assert!(guard.admit(&visit, secs(61)));
    }

    #[test]
    fn a_frame_holds_exactly_its_pixels() {
        assert!(GrayFrame::new(2, 2, vec![0; 4]).is_some());
        assert!(GrayFrame::new(2, 2, vec![0; 3]).is_none());
        assert!(GrayFrame::new(0, 2, Vec::new()).is_none());
        let frame = GrayFrame::new(3, 1, vec![1, 2, 3]).unwrap();
        assert_eq!(format!("{frame:?}"), "GrayFrame(3x1)");
    }
}
