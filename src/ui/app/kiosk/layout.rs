//! How large the kiosk draws itself: one scale for the whole window (egui's zoom) and the
//! sizes of the form's rows and remarks box, worked out every frame from the window's
//! size in pixels, so they follow a different monitor or a rotated stand.
//!
//! - The scale makes a design fill the screen: a landscape design of
//!   [`LANDSCAPE`] points, a portrait one of [`PORTRAIT`] (a narrower column), and for
//!   short screens (under [`COMPACT_BELOW`] pixels high, a 7" 800×480 panel) a compact one
//!   of [`COMPACT`] with tighter rows, so Send is on screen without scrolling.
//! - With `screen_diagonal_inches` the scale is physical instead: capital letters of
//!   body text about [`CAP_HEIGHT_MM`] mm and stars at least [`TOUCH_MM`] mm, unless the
//!   form would then not fit on the screen (the screen wins: nothing a patient must
//!   reach goes below the fold).
//! - `text_scale × touch_scale` and the patient's own A+/A− multiply the result.
//! - What the scale leaves free in height goes to taller rows and a taller remarks box,
//!   so a portrait stand's form reaches down the screen instead of sitting in its top
//!   third.
//!
//! No egui state here: a pure function of sizes, tested below.

use egui::Vec2;

use crate::ui::keyboard::KEYBOARD_HEIGHT;
use crate::ui::star_rating::STAR_SIZE;
use crate::ui::theme;

/// The landscape design, in points at scale 1: the form's column and everything above
/// and below it.
pub const LANDSCAPE: Vec2 = Vec2::new(960.0, 780.0);
/// The portrait design: a narrower column; the height left over goes to the rows.
pub const PORTRAIT: Vec2 = Vec2::new(740.0, 780.0);
/// The compact design for short screens.
pub const COMPACT: Vec2 = Vec2::new(820.0, 610.0);
/// Screens less than this many pixels high use the compact design.
pub const COMPACT_BELOW: f32 = 640.0;
/// Capital letters of body text, in millimetres, when the diagonal is known.
pub const CAP_HEIGHT_MM: f32 = 5.0;
/// The least size of a star (a touch target), in millimetres, when the diagonal is known.
pub const TOUCH_MM: f32 = 12.0;
/// The capital height of the UI font (Ubuntu Light) as a share of its size.
const CAP_HEIGHT_EM: f32 = 0.69;
/// A star row's height in the designs.
const ROW: f32 = 56.0;
/// One line of the remarks box.
const NOTES_LINE: f32 = 26.0;
/// The narrowest the content may get, in points: a star row, its «N из 5», a criterion
/// name of two or three lines, the gaps and the margins.
const MIN_WIDTH: f32 = 580.0;
/// The smallest and largest scale (pixels per point) the kiosk uses.
const SCALE_RANGE: (f32, f32) = (0.6, 4.0);

/// Which design the screen gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Wider than high.
    Landscape,
    /// Higher than wide: a narrower column, taller rows.
    Portrait,
    /// A short screen: tight rows, one-line remarks box.
    Compact,
}

/// The kiosk's sizes for one screen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KioskLayout {
    /// Physical pixels per point (egui's `pixels_per_point`).
    pub scale: f32,
    /// The design in use.
    pub shape: Shape,
    /// The content column's width, in points.
    pub column_width: f32,
    /// The criterion names' column, in points.
    pub label_width: f32,
    /// A star row's height, in points.
    pub row_height: f32,
    /// Lines of the remarks box.
    pub notes_rows: usize,
    /// Height the design leaves free on this screen, in points (the ready and thank-you
    /// screens put part of it above their content, to sit nearer the middle).
    pub spare_height: f32,
    /// A+ could still make things larger (the width has room).
    pub can_grow: bool,
    /// Physical pixels per millimetre, when `screen_diagonal_inches` is set.
    pub px_per_mm: Option<f32>,
}

/// The least side of a key of the visit id keypad, in points at scale 1.
pub const KEYPAD_KEY: f32 = 72.0;

impl KioskLayout {
    /// The least side of a keypad key, in points: [`KEYPAD_KEY`], and at least
    /// [`TOUCH_MM`] millimetres when the screen's diagonal is known.
    pub fn least_key(&self) -> f32 {
        let physical = self
            .px_per_mm
            .map_or(0.0, |px_per_mm| TOUCH_MM * px_per_mm / self.scale);
        KEYPAD_KEY.max(physical)
    }
}

/// The layout for a window of `window_px` physical pixels on a monitor of `monitor_px`
/// pixels and `diagonal_inches` (if known), with `multiplier` = `text_scale ×
/// touch_scale ×` the patient's own choice; `keyboard`: the on-screen keyboard is shown
/// under the remarks (the design grows by its height, except on a short screen, where
/// the keyboard opens on a tap and the form scrolls).
pub fn kiosk_layout(
    window_px: Vec2,
    monitor_px: Vec2,
    diagonal_inches: Option<f32>,
    multiplier: f32,
    keyboard: bool,
) -> KioskLayout {
    let (w, h) = (window_px.x.max(1.0), window_px.y.max(1.0));
    let shape = if h < COMPACT_BELOW {
        Shape::Compact
    } else if h > w {
        Shape::Portrait
    } else {
        Shape::Landscape
    };
    let mut design = match shape {
        Shape::Landscape => LANDSCAPE,
        Shape::Portrait => PORTRAIT,
        Shape::Compact => COMPACT,
    };
    // A short screen opens the keyboard only when the remarks are tapped.
    if keyboard && shape != Shape::Compact {
        design.y += KEYBOARD_HEIGHT;
    }
    let fill = (w / design.x).min(h / design.y);
    let px_per_mm = diagonal_inches
        .filter(|inches| *inches > 0.0)
        .map(|inches| monitor_px.length() / (inches * 25.4));
    let base = match px_per_mm {
        Some(px_per_mm) => {
            let text = CAP_HEIGHT_MM * px_per_mm / (CAP_HEIGHT_EM * theme::BODY_SIZE);
            let touch = TOUCH_MM * px_per_mm / STAR_SIZE;
            text.max(touch).min(fill)
        }
        _ => fill,
    };
    // However large a patient asks for, a star row and its name still fit the width.
    let widest = (w / MIN_WIDTH).max(SCALE_RANGE.0);
    let scale = (base * multiplier).clamp(SCALE_RANGE.0, SCALE_RANGE.1.min(widest));
    let (width, height) = (w / scale, h / scale);
    // What the design leaves free in height, shared between the rows and the remarks.
    let free = (height - design.y).max(0.0);
    let (row_height, notes_extra, label_width, column_max): (f32, f32, f32, f32) = match shape {
        Shape::Landscape => (ROW + free * 0.4 / 4.0, free * 0.3, 360.0, 1000.0),
        Shape::Portrait => (ROW + free * 0.5 / 4.0, free * 0.3, 300.0, f32::INFINITY),
        Shape::Compact => (48.0, 0.0, 320.0, f32::INFINITY),
    };
    let base_rows = if shape == Shape::Compact { 1.0 } else { 3.0 };
    // A few lines at most: 0..=12 after the clamp.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let notes_rows = (base_rows + notes_extra / NOTES_LINE)
        .floor()
        .clamp(1.0, 12.0) as usize;
    let column_width = (width - 48.0).clamp(200.0, column_max);
    // The stars, the «N из 5» beside them and the grid's gaps keep their size; the
    // criterion names take what is left (and wrap) when A+ leaves the column narrow.
    let stars = 5.0 * STAR_SIZE + 4.0 * crate::ui::star_rating::STAR_GAP;
    let label_width = label_width
        .min(column_width - stars - 32.0 - 80.0)
        .max(120.0);
    KioskLayout {
        scale,
        shape,
        column_width,
        label_width,
        row_height: row_height.min(ROW * 3.0),
        notes_rows,
        spare_height: free,
        can_grow: scale < widest.min(SCALE_RANGE.1) - 1e-3,
        px_per_mm,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(w: f32, h: f32) -> KioskLayout {
        kiosk_layout(Vec2::new(w, h), Vec2::new(w, h), None, 1.0, false)
    }

    #[test]
    fn each_screen_gets_its_design_and_fills_it() {
        let portrait = at(1080.0, 1920.0);
        assert_eq!(portrait.shape, Shape::Portrait);
        assert!(portrait.scale > 1.3, "{portrait:?}");
        assert!(portrait.row_height > ROW * 1.5, "{portrait:?}");
        assert!(portrait.notes_rows > 3, "{portrait:?}");
        let landscape = at(1920.0, 1080.0);
        assert_eq!(landscape.shape, Shape::Landscape);
        assert!(landscape.scale > 1.3, "{landscape:?}");
        // The column takes most of the width.
        assert!(landscape.column_width * landscape.scale > 1920.0 * 0.6);
        assert_eq!(at(1280.0, 1024.0).shape, Shape::Landscape);
        let small = at(800.0, 480.0);
        assert_eq!(small.shape, Shape::Compact);
        assert_eq!(small.notes_rows, 1);
        assert!(small.scale < 1.0, "{small:?}");
    }

    #[test]
    fn the_diagonal_makes_it_physical_and_text_scale_multiplies() {
        let size = Vec2::new(1080.0, 1920.0);
        let exact = kiosk_layout(size, size, Some(32.0), 1.0, false);
        // 32" 1080p: 2.71 pixels per millimetre.
        let px_per_mm = size.length() / (32.0 * 25.4);
        let cap_mm = theme::BODY_SIZE * CAP_HEIGHT_EM * exact.scale / px_per_mm;
        assert!((cap_mm - CAP_HEIGHT_MM).abs() < 0.3, "{cap_mm} mm");
        assert!(STAR_SIZE * exact.scale / px_per_mm >= TOUCH_MM);
        let larger = kiosk_layout(size, size, Some(32.0), 1.5, false);
        assert!((larger.scale / exact.scale - 1.5).abs() < 1e-3);
        // A small, dense screen: the screen wins over millimetres.
        let small = Vec2::new(800.0, 480.0);
        let tiny = kiosk_layout(small, small, Some(7.0), 1.0, false);
        assert!((tiny.scale - at(800.0, 480.0).scale).abs() < 1e-3);
    }
}
