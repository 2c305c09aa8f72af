//! The visit slip read through a camera: a kiosk without a barcode scanner takes the
//! visit id from the QR code or Code 128 barcode printed on the patient's slip.
//!
//! This module owns the way from a camera frame to a visit id and nothing of the window:
//! - [`decode`]: one grayscale frame in, a [`VisitId`] out only when a code in it holds
//!   one (a GUID, or a clinic GUID and a visit GUID with a short separator): random text,
//!   another product's barcode or a frame without a code give nothing;
//! - [`source`]: the [`FrameSource`] trait (the next frame, or why there is none), so
//!   that tests and the bench feed generated images, and [`RepeatGuard`], which keeps a
//!   slip still held in front of the camera from starting a second rating;
//! - `camera` (Linux): the real camera through V4L2 ([`Camera`]);
//! - `synth` (tests and the bench only, feature `slip-synth`): slips of random visit ids
//!   drawn as a camera would see them (rotated, blurred, dim, noisy, small).
//!
//! Frames are never stored: each is decoded and dropped, on no disk and in no log. The
//! window's background job that reads frames a few times a second is
//! `ui::jobs::read_slips`.

use crate::api::VisitId;

#[cfg(target_os = "linux")]
mod camera;
mod decode;
mod source;
#[cfg(any(test, feature = "slip-synth"))]
pub mod synth;

#[cfg(target_os = "linux")]
pub use camera::Camera;
pub use decode::{SlipIds, read_visit_id, visit_id_from_text};
pub use source::{CaptureError, FrameSource, GrayFrame, RepeatGuard, open_camera};

/// The frame size asked of a camera (a driver may settle on another), and that of the
/// generated frames: wide enough for a 36-character Code 128 barcode (about 470 modules
/// with its quiet zones) at 3 to 3.8 pixels a module; below 3, bars of one and two
/// modules blur into each other and a quarter of such barcodes are not read.
pub const FRAME_WIDTH: u32 = 1920;
/// The frame height asked of a camera.
pub const FRAME_HEIGHT: u32 = 1080;

/// What a frame held, when it held a visit id: the id and which kind of code carried it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlipRead {
    /// The visit id, as the scanner path would have taken it.
    pub visit_id: VisitId,
    /// The code's text (trimmed), as a barcode scanner would type it.
    pub text: String,
    /// The code that carried it.
    pub symbology: Symbology,
}

/// The kinds of code a slip may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Symbology {
    /// A QR code.
    Qr,
    /// A Code 128 barcode.
    Code128,
}
