//! The camera on Linux: a V4L2 capture device (`/dev/video0`) read with `linuxvideo`,
//! whose frames become [`GrayFrame`]s (the luminance of YUYV, or grayscale as it comes).
//!
//! The device is asked for 1920×1080 (see [`super::FRAME_WIDTH`]) at 5 frames a second; the driver may settle on
//! another size or rate, and any size is taken. A camera that gives only compressed
//! frames (MJPEG) is refused with [`CaptureError::NoUsableFormat`]. Streaming runs only
//! while a [`Camera`] exists: the slip reader drops it whenever the ready screen is not
//! shown, which also turns the camera (and its light) off.

use std::path::{Path, PathBuf};

use linuxvideo::format::{PixFormat, PixelFormat};
use linuxvideo::stream::ReadStream;
use linuxvideo::{Device, Fract};

use super::{CaptureError, FrameSource, GrayFrame};

/// What is asked of the device.
const WIDTH: u32 = super::FRAME_WIDTH;
const HEIGHT: u32 = super::FRAME_HEIGHT;
/// Grayscale, one byte a pixel.
const GREY: PixelFormat = PixelFormat::from_fourcc(*b"GREY");

/// How the device's bytes hold the luminance.
#[derive(Clone, Copy, Debug)]
enum Layout {
    /// Y0 U Y1 V: every other byte.
    Yuyv,
    /// One byte a pixel.
    Grey,
}

/// An open, streaming V4L2 camera.
pub struct Camera {
    device: PathBuf,
    stream: ReadStream,
    layout: Layout,
    width: u32,
    height: u32,
    /// Bytes from one row to the next.
    stride: usize,
}

impl std::fmt::Debug for Camera {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Camera")
            .field("device", &self.device)
            .field("layout", &self.layout)
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

impl Camera {
    /// Open `device` and start streaming: YUYV (most USB cameras) or grayscale.
    pub fn open(device: &Path) -> Result<Camera, CaptureError> {
        let open = |source| CaptureError::Open {
            device: device.to_owned(),
            source,
        };
        let dev = Device::open(device).map_err(open)?;
        let capture = dev
            .video_capture(PixFormat::new(WIDTH, HEIGHT, PixelFormat::YUYV))
            .map_err(open)?;
        let format = capture.format();
        let (width, height, pixel_format) =
            (format.width(), format.height(), format.pixel_format());
        let stride = usize::try_from(format.bytes_per_line()).unwrap_or(usize::MAX);
        let layout = match pixel_format {
            PixelFormat::YUYV => Layout::Yuyv,
            GREY => Layout::Grey,
            other => {
                return Err(CaptureError::NoUsableFormat {
                    device: device.to_owned(),
                    offered: other.to_string(),
                });
            }
        };
        // A few frames a second are all the reader takes; a driver that cannot slow
        // down keeps its own rate (the reader drops what it does not take).
        if let Err(e) = capture.set_frame_interval(Fract::new(1, 5)) {
            tracing::debug!(error = %e, "the camera keeps its own frame rate");
        }
        let stream = capture.into_stream().map_err(open)?;
        tracing::info!(device = %device.display(), width, height, format = %pixel_format, "camera streaming");
        Ok(Camera {
            device: device.to_owned(),
            stream,
            layout,
            width,
            height,
            stride,
        })
    }

    fn lost(&self, source: std::io::Error) -> CaptureError {
        CaptureError::Lost {
            device: self.device.clone(),
            source,
        }
    }
}

impl FrameSource for Camera {
    /// The newest frame: the ones the driver filled while nobody asked are passed over,
    /// then the next one is waited for.
    fn next_frame(&mut self) -> Result<GrayFrame, CaptureError> {
        while !self.stream.will_block().map_err(|e| self.lost(e))? {
            self.stream.dequeue(|_| Ok(())).map_err(|e| self.lost(e))?;
        }
        let (layout, width, height, stride) = (self.layout, self.width, self.height, self.stride);
        let luma = self
            .stream
            .dequeue(|buffer| Ok(luminance(&buffer, layout, width, height, stride)))
            .map_err(|e| self.lost(e))?;
        luma.and_then(|luma| GrayFrame::new(width, height, luma))
            .ok_or_else(|| {
                self.lost(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "a frame shorter than its format says",
                ))
            })
    }
}

/// The luminance of a frame in `layout`, or `None` when `bytes` is short.
fn luminance(
    bytes: &[u8],
    layout: Layout,
    width: u32,
    height: u32,
    stride: usize,
) -> Option<Vec<u8>> {
    let (w, h) = (usize::try_from(width).ok()?, usize::try_from(height).ok()?);
    let row_bytes = match layout {
        Layout::Yuyv => w * 2,
        Layout::Grey => w,
    };
    let stride = stride.max(row_bytes);
    let mut luma = Vec::with_capacity(w * h);
    for y in 0..h {
        let row = bytes.get(y * stride..y * stride + row_bytes)?;
        match layout {
            Layout::Yuyv => luma.extend(row.iter().step_by(2)),
            Layout::Grey => luma.extend_from_slice(row),
        }
    }
    Some(luma)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuyv_gives_every_other_byte_and_rows_skip_their_padding() {
        // 2×2 pixels, YUYV, rows padded to 6 bytes.
        let bytes = [10, 1, 20, 2, 0, 0, 30, 3, 40, 4, 0, 0];
        assert_eq!(
            luminance(&bytes, Layout::Yuyv, 2, 2, 6),
            Some(vec![10, 20, 30, 40])
        );
        assert_eq!(
            luminance(&[1, 2, 9, 3, 4, 9], Layout::Grey, 2, 2, 3),
            Some(vec![1, 2, 3, 4])
        );
        assert_eq!(luminance(&bytes[..9], Layout::Yuyv, 2, 2, 6), None);
    }

    #[test]
    fn a_missing_device_is_an_open_error_naming_it() {
        let error = Camera::open(Path::new("/nonexistent/video9")).unwrap_err();
        assert!(matches!(error, CaptureError::Open { .. }), "{error:?}");
        assert!(error.to_string().contains("/nonexistent/video9"), "{error}");
    }
}
