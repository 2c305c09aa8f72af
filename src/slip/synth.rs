//! Slips as a camera sees them, for the tests and the bench (`bench/slips`): a random
//! visit id encoded as a QR code or a Code 128 barcode with rxing's encoders, printed on
//! a white slip, and the slip put into a larger camera frame on an unevenly lit
//! background, rotated, blurred, dimmed, noisy or small ([`Distortion`]). Compiled for
//! the tests and with the `slip-synth` feature only.
//!
//! The distortions are plain pixel arithmetic (inverse-mapped rotation with bilinear
//! sampling, box blur, a linear contrast map, uniform noise): a few lines each, where an
//! image-processing crate would add its whole tree to every test build.

// Pixel arithmetic: frame coordinates (at most 1920) and light levels go between f32 and
// integers, in ranges where nothing is lost but fractions.
#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use rxing::{BarcodeFormat, EncodeHints, MultiFormatWriter, Writer as _};

use super::{FRAME_HEIGHT, FRAME_WIDTH, GrayFrame, Symbology};

/// Which code the slip carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A QR code (error correction level M).
    Qr,
    /// A Code 128 barcode.
    Code128,
}

impl Kind {
    /// Both kinds.
    pub const ALL: [Kind; 2] = [Kind::Qr, Kind::Code128];

    /// The symbology the decoder should report.
    pub fn symbology(self) -> Symbology {
        match self {
            Kind::Qr => Symbology::Qr,
            Kind::Code128 => Symbology::Code128,
        }
    }

    fn format(self) -> BarcodeFormat {
        match self {
            Kind::Qr => BarcodeFormat::QR_CODE,
            Kind::Code128 => BarcodeFormat::CODE_128,
        }
    }

    /// The width of a module in frame pixels, at most and at least (the slip held near
    /// or far).
    fn module_px(self) -> (f32, f32) {
        match self {
            Kind::Qr => (4.0, 9.0),
            Kind::Code128 => (3.0, 3.8),
        }
    }
}

/// How the slip is spoiled on its way into the frame (each also places it somewhere in a
/// larger, unevenly lit frame).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Distortion {
    /// Upright and sharp.
    Plain,
    /// Turned by up to 15 degrees either way; a barcode by up to 5 (rxing reads a barcode
    /// along rows: tilted further, no row of a 36-character barcode crosses all of its
    /// bars).
    Tilted,
    /// Turned a quarter, half or three quarters (a slip held sideways or upside down),
    /// give or take 3 degrees. A barcode is turned half only: turned a quarter it does
    /// not fit the frame's height.
    Turned,
    /// Out of focus: a box blur of 1 pixel either way, twice (about a Gaussian of 1.2
    /// pixels).
    Blurred,
    /// Dim and grey: dark modules at 80–100, light ones at 140–170.
    LowContrast,
    /// Sensor noise: ±25 levels on every pixel (uniform; a standard deviation of 14).
    Noisy,
    /// Held far away: modules at the smallest size in the range.
    Small,
    /// All of the above at once, each milder (tilt ≤ 8°, a barcode's ≤ 4°, blur 1,
    /// contrast 60–180, noise ±15).
    Everything,
}

impl Distortion {
    /// Every distortion.
    pub const ALL: [Distortion; 8] = [
        Distortion::Plain,
        Distortion::Tilted,
        Distortion::Turned,
        Distortion::Blurred,
        Distortion::LowContrast,
        Distortion::Noisy,
        Distortion::Small,
        Distortion::Everything,
    ];
}

/// A random GUID in its 8-4-4-4-12 form (lowercase), as a visit id.
pub fn random_guid(rng: &mut fastrand::Rng) -> String {
    let hex: String = (0..32)
        .map(|_| char::from(b"0123456789abcdef"[rng.usize(..16)]))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The code of `text` as modules: `true` dark, row by row, without a quiet zone.
fn modules(text: &str, kind: Kind) -> (Vec<bool>, u32, u32) {
    let hints = EncodeHints {
        Margin: Some("0".to_owned()),
        ErrorCorrection: (kind == Kind::Qr).then(|| "M".to_owned()),
        ..EncodeHints::default()
    };
    let matrix = MultiFormatWriter
        .encode_with_hints(text, &kind.format(), 0, 0, &hints)
        .unwrap_or_else(|e| panic!("rxing cannot encode {text:?} as {kind:?}: {e}"));
    let (width, height) = (matrix.width(), matrix.height());
    let mut bits = Vec::new();
    for y in 0..height {
        for x in 0..width {
            bits.push(matrix.get(x, y));
        }
    }
    // A 1-D code comes as one row; its bars are given height here.
    (bits, width, height)
}

/// A frame of the empty background: brighter on one side, with mild noise.
pub fn background_frame(rng: &mut fastrand::Rng) -> GrayFrame {
    let canvas = background(rng);
    finish(&canvas, rng, 10.0)
}

fn background(rng: &mut fastrand::Rng) -> Vec<f32> {
    let (w, h) = (FRAME_WIDTH as usize, FRAME_HEIGHT as usize);
    let base = 60.0 + rng.f32() * 40.0;
    let slope_x = (rng.f32() - 0.5) * 60.0;
    let slope_y = (rng.f32() - 0.5) * 60.0;
    let mut canvas = vec![0.0; w * h];
    for y in 0..h {
        for x in 0..w {
            canvas[y * w + x] =
                base + slope_x * x as f32 / w as f32 + slope_y * y as f32 / h as f32;
        }
    }
    canvas
}

/// The slip: the code, a white margin of `quiet` modules around it, and for a 1-D code
/// bars `bar_modules` modules tall. Returns the slip's light level at a module
/// coordinate (dark 0.0, paper 1.0).
struct Slip {
    bits: Vec<bool>,
    code_w: u32,
    code_h: u32,
    quiet: f32,
    one_d: bool,
    bar_modules: f32,
}

impl Slip {
    fn size(&self) -> (f32, f32) {
        let h = if self.one_d {
            self.bar_modules
        } else {
            self.code_h as f32
        };
        (
            self.code_w as f32 + 2.0 * self.quiet,
            h + 2.0 * self.quiet.min(if self.one_d { 6.0 } else { self.quiet }),
        )
    }

    /// The paper's light at (u, v) in modules from the slip's top-left corner, or `None`
    /// off the slip.
    fn at(&self, u: f32, v: f32) -> Option<f32> {
        let (sw, sh) = self.size();
        if !(0.0..sw).contains(&u) || !(0.0..sh).contains(&v) {
            return None;
        }
        let top =
            (sh - if self.one_d {
                self.bar_modules
            } else {
                self.code_h as f32
            }) / 2.0;
        let (cu, cv) = (u - self.quiet, v - top);
        if cu < 0.0 || cv < 0.0 || cu >= self.code_w as f32 {
            return Some(1.0);
        }
        let row = if self.one_d {
            if cv >= self.bar_modules {
                return Some(1.0);
            }
            0
        } else {
            if cv >= self.code_h as f32 {
                return Some(1.0);
            }
            cv as u32
        };
        let dark = self.bits[(row * self.code_w + cu as u32) as usize];
        Some(if dark { 0.0 } else { 1.0 })
    }
}

/// Put a slip of `text` as `kind` into a camera frame, spoiled by `distortion`.
pub fn frame_of(
    text: &str,
    kind: Kind,
    distortion: Distortion,
    rng: &mut fastrand::Rng,
) -> GrayFrame {
    let (bits, code_w, code_h) = modules(text, kind);
    let one_d = kind == Kind::Code128;
    let slip = Slip {
        bits,
        code_w,
        code_h,
        quiet: if one_d { 12.0 } else { 4.0 },
        one_d,
        bar_modules: 60.0,
    };
    let (min_px, max_px) = kind.module_px();
    let module = match distortion {
        Distortion::Small => min_px,
        _ => min_px + rng.f32() * (max_px - min_px),
    };
    let jitter = |rng: &mut fastrand::Rng, degrees: f32| (rng.f32() * 2.0 - 1.0) * degrees;
    let angle_deg = match distortion {
        Distortion::Tilted => jitter(rng, if one_d { 5.0 } else { 15.0 }),
        Distortion::Turned => {
            let quarter = if one_d {
                180.0
            } else {
                [90.0, 180.0, 270.0][rng.usize(..3)]
            };
            quarter + jitter(rng, 3.0)
        }
        Distortion::Everything => jitter(rng, if one_d { 4.0 } else { 8.0 }),
        _ => 0.0,
    };
    let (paper_lo, paper_hi) = match distortion {
        Distortion::LowContrast => (80.0 + rng.f32() * 20.0, 140.0 + rng.f32() * 30.0),
        Distortion::Everything => (60.0, 180.0),
        _ => (20.0 + rng.f32() * 20.0, 210.0 + rng.f32() * 30.0),
    };
    let blur = match distortion {
        Distortion::Blurred | Distortion::Everything => 1,
        _ => 0,
    };
    let noise = match distortion {
        Distortion::Noisy => 25.0,
        Distortion::Everything => 15.0,
        _ => 6.0,
    };

    let (w, h) = (FRAME_WIDTH as f32, FRAME_HEIGHT as f32);
    let (modules_wide, modules_high) = slip.size();
    let (width_px, height_px) = (modules_wide * module, modules_high * module);
    let (sin, cos) = angle_deg.to_radians().sin_cos();
    // The rotated slip's bounding box, and a centre that keeps it in the frame.
    let bw = (width_px * cos).abs() + (height_px * sin).abs();
    let bh = (width_px * sin).abs() + (height_px * cos).abs();
    let cx = bw / 2.0 + rng.f32() * (w - bw).max(0.0);
    let cy = bh / 2.0 + rng.f32() * (h - bh).max(0.0);
    let cx = if bw > w { w / 2.0 } else { cx };
    let cy = if bh > h { h / 2.0 } else { cy };

    let mut canvas = background(rng);
    let (fw, fh) = (FRAME_WIDTH as usize, FRAME_HEIGHT as usize);
    let sample = |x: f32, y: f32| -> Option<f32> {
        // Frame → slip (inverse rotation about the centre), in modules.
        let (dx, dy) = (x - cx, y - cy);
        let u = (dx * cos + dy * sin + width_px / 2.0) / module;
        let v = (-dx * sin + dy * cos + height_px / 2.0) / module;
        slip.at(u, v)
    };
    // Only the slip's bounding box (and the blur's reach around it) changes.
    let reach = 2 * blur + 1;
    let clamp = |v: f32, max: usize| (v.max(0.0) as usize).min(max);
    let x0 = clamp(cx - bw / 2.0 - 1.0, fw).saturating_sub(reach);
    let x1 = (clamp(cx + bw / 2.0 + 2.0, fw) + reach).min(fw);
    let y0 = clamp(cy - bh / 2.0 - 1.0, fh).saturating_sub(reach);
    let y1 = (clamp(cy + bh / 2.0 + 2.0, fh) + reach).min(fh);
    for y in y0..y1 {
        for x in x0..x1 {
            // 2×2 supersampling: the edges of modules fall between pixels.
            let mut sum = 0.0;
            let mut on = 0;
            for (ox, oy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                if let Some(light) = sample(x as f32 + ox, y as f32 + oy) {
                    sum += light;
                    on += 1;
                }
            }
            if on > 0 {
                let paper = paper_lo + (paper_hi - paper_lo) * sum / on as f32;
                let i = y * fw + x;
                canvas[i] = (canvas[i] * (4 - on) as f32 + paper * on as f32) / 4.0;
            }
        }
    }
    if blur > 0 {
        let area = Area {
            x0,
            x1,
            y0,
            y1,
            width: fw,
        };
        for _ in 0..2 {
            box_blur(&mut canvas, area, blur);
        }
    }
    finish(&canvas, rng, noise)
}

/// A slip of a random visit id…: [`frame_of`] for `visit`.
pub fn camera_frame(
    visit: &str,
    kind: Kind,
    distortion: Distortion,
    rng: &mut fastrand::Rng,
) -> GrayFrame {
    frame_of(visit, kind, distortion, rng)
}

/// A frame with a plainly printed code of `text` (no visit id in it), for the checks
/// that such codes are read but give nothing.
pub fn frame_with_text(text: &str, kind: Kind, rng: &mut fastrand::Rng) -> GrayFrame {
    frame_of(text, kind, Distortion::Plain, rng)
}

/// Whether rxing finds any QR code or Code 128 barcode in `frame`, whatever it holds.
pub fn holds_code(frame: &GrayFrame) -> bool {
    rxing::helpers::detect_in_luma_slice(frame.luma(), frame.width(), frame.height(), None).is_ok()
}

/// A rectangle of the frame: columns `x0..x1`, rows `y0..y1` of a `width`-wide frame.
#[derive(Clone, Copy)]
struct Area {
    x0: usize,
    x1: usize,
    y0: usize,
    y1: usize,
    width: usize,
}

/// Box blur of `radius` pixels over `area`, rows then columns (edges repeated).
fn box_blur(canvas: &mut [f32], area: Area, radius: usize) {
    let Area {
        x0,
        x1,
        y0,
        y1,
        width,
    } = area;
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    let window = (2 * radius + 1) as f32;
    let mut rows = canvas.to_vec();
    for y in y0..y1 {
        for x in x0..x1 {
            let sum: f32 = (0..=2 * radius)
                .map(|k| canvas[y * width + (x + k).saturating_sub(radius).clamp(x0, x1 - 1)])
                .sum();
            rows[y * width + x] = sum / window;
        }
    }
    for y in y0..y1 {
        for x in x0..x1 {
            let sum: f32 = (0..=2 * radius)
                .map(|k| rows[(y + k).saturating_sub(radius).clamp(y0, y1 - 1) * width + x])
                .sum();
            canvas[y * width + x] = sum / window;
        }
    }
}

/// Add uniform noise of ±`noise` levels and round to bytes.
fn finish(canvas: &[f32], rng: &mut fastrand::Rng, noise: f32) -> GrayFrame {
    let luma = canvas
        .iter()
        .map(|v| {
            let n = (rng.f32() * 2.0 - 1.0) * noise;
            // In 0..=255 after the clamp: the cast only drops the fraction.
            (v + n).round().clamp(0.0, 255.0) as u8
        })
        .collect();
    GrayFrame::new(FRAME_WIDTH, FRAME_HEIGHT, luma).unwrap_or_else(|| unreachable!())
}
