//! Sizes and colours: large, calm, readable by patients of every age, with touch targets
//! of at least 44 points. Two themes: the normal light one and a high-contrast one (white
//! and yellow on black, thick outlines). Nothing is told by colour alone: every state also
//! has a word or a shape (filled vs hollow stars, "4 из 5", headlines on results).
//!
//! Contrast (WCAG 2.2 AA, which ГОСТ Р 52872 follows): every text colour the themes use
//! reaches 4.5:1 against the background it is drawn on, large text 3:1, and the parts of
//! controls that tell what they are or what state they are in (empty-star outlines, the
//! chosen stars' fill, checkbox and text-box borders, focus rings) 3:1. The high-contrast
//! theme reaches 7:1 for text and 4.5:1 for the rest. [`colour_pairs`] lists every pair
//! the window draws, read from the style [`apply`] produces, and a test checks each one.
//! Disabled controls are exempt (WCAG 1.4.3 "inactive user interface components"): they
//! stay legible but fainter, and a line of text always says why one is disabled.
//!
//! The window chooses its theme itself and never follows the desktop's: a kiosk looks the
//! same under X11, a Wayland desktop or a kiosk compositor (cage, Ubuntu Frame), whatever
//! the system's dark-mode setting says.

use egui::{Color32, FontId, Stroke, TextStyle};

/// Body text, in points at zoom 1.
pub const BODY_SIZE: f32 = 19.0;
/// The widest the form grows; wider screens keep lines readable.
pub const CONTENT_WIDTH: f32 = 900.0;
/// The column of criterion names beside the stars.
pub const CRITERION_LABEL_WIDTH: f32 = 360.0;
/// The demo banner's background (text on it is black).
pub const DEMO_BANNER: Color32 = Color32::from_rgb(255, 214, 10);
/// The strip warning of an unencrypted connection (`allow_insecure_http` to a remote
/// `http://` server): white on dark red.
pub const CLEAR_TEXT_BANNER: Color32 = Color32::from_rgb(0xA0, 0x10, 0x10);
/// The main action's colour (white text on it: contrast 7.8:1).
pub const PRIMARY: Color32 = Color32::from_rgb(22, 82, 150);
/// Normal text in the light theme (on the panel: 7.6:1).
const TEXT: Color32 = Color32::from_gray(80);
/// Secondary text in the light theme: hints, counters, placeholders (on the panel 5.9:1,
/// on a text box 6.3:1; egui's default, 60 % of the text colour, is 2.9:1).
const WEAK_TEXT: Color32 = Color32::from_gray(96);
/// Warnings in the light theme: egui's orange darkened until it reads as text
/// (5.5:1; egui's (255, 100, 0) is 2.8:1).
const WARN: Color32 = Color32::from_rgb(176, 64, 0);
/// Errors in the light theme (6.2:1; pure red is 3.8:1).
const ERROR: Color32 = Color32::from_rgb(190, 0, 0);
/// The chosen stars in the light theme: amber dark enough to stand out from the panel
/// (3.3:1; the earlier (240, 160, 20) was 2.0:1).
const STAR_FILL: Color32 = Color32::from_rgb(205, 115, 0);
/// The border of checkboxes, text boxes and buttons in the light theme (4.2:1 on the
/// panel; egui draws none, and a white text box on the light grey panel is 1.05:1).
const CONTROL_BORDER: Color32 = Color32::from_gray(120);
/// The high-contrast theme's accent (on black: contrast 19:1).
pub const HIGH_CONTRAST_ACCENT: Color32 = Color32::from_rgb(255, 230, 0);

/// How the window looks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Appearance {
    /// The high-contrast theme.
    pub high_contrast: bool,
    /// Zoom: text and controls grow together (1.0 = normal).
    pub scale: f32,
}

impl Default for Appearance {
    fn default() -> Appearance {
        Appearance {
            high_contrast: false,
            scale: 1.0,
        }
    }
}

/// The colours a few custom-painted things need, kept with the context's data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Palette {
    /// A chosen star.
    pub star_fill: Color32,
    /// The main button.
    pub primary: Color32,
    /// Text on the main button.
    pub on_primary: Color32,
    /// The thank-you headline.
    pub success: Color32,
}

impl Palette {
    fn for_appearance(appearance: Appearance) -> Palette {
        if appearance.high_contrast {
            Palette {
                star_fill: HIGH_CONTRAST_ACCENT,
                primary: HIGH_CONTRAST_ACCENT,
                on_primary: Color32::BLACK,
                success: HIGH_CONTRAST_ACCENT,
            }
        } else {
            Palette {
                star_fill: STAR_FILL,
                primary: PRIMARY,
                on_primary: Color32::WHITE,
                success: Color32::from_rgb(20, 120, 50),
            }
        }
    }

    /// The palette in force for `ctx`.
    pub fn of(ctx: &egui::Context) -> Palette {
        ctx.data(|d| d.get_temp(egui::Id::NULL))
            .unwrap_or_else(|| Palette::for_appearance(Appearance::default()))
    }
}

/// The one main action of a screen: large, filled.
pub fn primary_button(ctx: &egui::Context, text: impl Into<String>) -> egui::Button<'static> {
    let palette = Palette::of(ctx);
    egui::Button::new(
        egui::RichText::new(text.into())
            .size(22.0)
            .strong()
            .color(palette.on_primary),
    )
    .fill(palette.primary)
    .min_size(egui::vec2(240.0, 56.0))
}

/// A screen's title that takes the keyboard focus for screen readers, drawn exactly as a
/// [`egui::Label`] of `text` is but without a label's focus underline (nothing to act on
/// is shown focused). For assistive technology it is a level-1 heading named `text`,
/// with `description` (the line under it) as its description: Orca reads what takes the
/// focus, and reads a heading's description with it (never a label's).
pub fn focus_title(ui: &mut egui::Ui, text: egui::RichText, description: &str) -> egui::Response {
    let (response, name) = focusable_text(ui, text);
    ui.ctx().accesskit_node_builder(response.id, |node| {
        node.set_role(egui::accesskit::Role::Heading);
        node.set_level(1);
        node.set_label(name.as_str());
        node.set_description(description);
    });
    response
}

/// A line of text in the Tab order, for screen readers: drawn exactly as a
/// [`egui::Label`] of `text` is (no focus underline), a label for assistive technology.
/// For a line a keyboard user must hear where they are, e.g. what the form still needs,
/// which stands where the disabled Send button (no focus) would be.
pub fn focus_line(ui: &mut egui::Ui, text: egui::RichText) -> egui::Response {
    let (response, name) = focusable_text(ui, text);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &name));
    response
}

/// `text` laid out and painted as a non-wrapping-row [`egui::Label`] would, in a rect that
/// can take the keyboard focus; with its plain text.
fn focusable_text(ui: &mut egui::Ui, text: egui::RichText) -> (egui::Response, String) {
    let name = text.text().to_owned();
    let mut job = std::sync::Arc::unwrap_or_clone(egui::WidgetText::from(text).into_layout_job(
        ui.style(),
        egui::FontSelection::Default,
        ui.text_valign(),
    ));
    job.wrap.max_width = ui.available_width();
    job.halign = ui.layout().horizontal_placement();
    job.justify = ui.layout().horizontal_justify();
    let galley = ui.fonts_mut(|fonts| fonts.layout_job(job));
    let (rect, response) =
        ui.allocate_exact_size(galley.size(), egui::Sense::focusable_noninteractive());
    let pos = match galley.job.halign {
        egui::Align::LEFT => rect.left_top(),
        egui::Align::Center => rect.center_top(),
        egui::Align::RIGHT => rect.right_top(),
    };
    if ui.is_rect_visible(rect) {
        let color = ui.style().visuals.text_color();
        ui.painter()
            .add(egui::epaint::TextShape::new(pos, galley, color));
    }
    (response, name)
}

/// Style `ctx` for the rating window. Call it before the pass that should show the
/// style (from the app's creator), or ask for that pass to be run again
/// ([`egui::Context::request_discard`]): a pass's root `Ui` keeps the style it began with.
pub fn apply(ctx: &egui::Context, appearance: Appearance) {
    let (theme, mut visuals) = if appearance.high_contrast {
        (egui::Theme::Dark, high_contrast_visuals())
    } else {
        (egui::Theme::Light, light_visuals())
    };
    // A solid cursor: a blinking one repaints the window twice a second forever, which
    // on a kiosk's software renderer is a steady ~10 % of a core for nothing.
    visuals.text_cursor.blink = false;
    ctx.set_theme(theme);
    ctx.set_visuals_of(theme, visuals);
    ctx.data_mut(|d| d.insert_temp(egui::Id::NULL, Palette::for_appearance(appearance)));
    ctx.set_zoom_factor(appearance.scale);
    ctx.all_styles_mut(|style| {
        style.text_styles = [
            (TextStyle::Small, FontId::proportional(14.0)),
            (TextStyle::Body, FontId::proportional(BODY_SIZE)),
            (TextStyle::Button, FontId::proportional(BODY_SIZE)),
            (TextStyle::Heading, FontId::proportional(26.0)),
            (TextStyle::Monospace, FontId::monospace(17.0)),
        ]
        .into();
        style.spacing.item_spacing = egui::vec2(12.0, 10.0);
        style.spacing.button_padding = egui::vec2(16.0, 10.0);
        style.spacing.interact_size.y = 44.0;
        style.spacing.icon_width = 28.0;
        style.spacing.icon_width_inner = 16.0;
        style.spacing.icon_spacing = 10.0;
    });
}

/// egui's light theme with text, warnings, errors and control borders dark enough to
/// read (see the module docs).
fn light_visuals() -> egui::Visuals {
    let mut v = egui::Visuals::light();
    v.widgets.noninteractive.fg_stroke.color = TEXT;
    v.weak_text_color = Some(WEAK_TEXT);
    v.warn_fg_color = WARN;
    v.error_fg_color = ERROR;
    v.hyperlink_color = PRIMARY;
    v.widgets.inactive.bg_stroke = Stroke::new(1.0, CONTROL_BORDER);
    v
}

/// White on black, yellow for focus and selection, outlines twice as thick.
fn high_contrast_visuals() -> egui::Visuals {
    let mut v = egui::Visuals::dark();
    let white = Color32::WHITE;
    v.override_text_color = Some(white);
    v.panel_fill = Color32::BLACK;
    v.window_fill = Color32::BLACK;
    v.extreme_bg_color = Color32::BLACK;
    v.faint_bg_color = Color32::from_gray(20);
    v.hyperlink_color = HIGH_CONTRAST_ACCENT;
    v.weak_text_color = Some(Color32::from_gray(200));
    v.warn_fg_color = HIGH_CONTRAST_ACCENT;
    v.error_fg_color = Color32::from_rgb(255, 140, 140);
    v.selection.bg_fill = Color32::from_rgb(90, 80, 0);
    v.selection.stroke = Stroke::new(3.0, HIGH_CONTRAST_ACCENT);
    for widget in [
        &mut v.widgets.noninteractive,
        &mut v.widgets.inactive,
        &mut v.widgets.hovered,
        &mut v.widgets.active,
        &mut v.widgets.open,
    ] {
        widget.bg_fill = Color32::BLACK;
        widget.weak_bg_fill = Color32::BLACK;
        widget.bg_stroke = Stroke::new(2.0, white);
        widget.fg_stroke = Stroke::new(2.0, white);
    }
    v.widgets.hovered.bg_stroke = Stroke::new(3.0, HIGH_CONTRAST_ACCENT);
    v.widgets.active.bg_stroke = Stroke::new(3.0, HIGH_CONTRAST_ACCENT);
    v.widgets.noninteractive.fg_stroke = Stroke::new(1.5, Color32::from_gray(200));
    v
}

/// A full-width strip at the top of the window with one centred, bold line (the demo
/// banner, the unencrypted-connection warning).
pub fn banner(
    ui: &mut egui::Ui,
    id: &'static str,
    fill: Color32,
    text_color: Color32,
    text: String,
) {
    egui::Panel::top(id)
        .frame(egui::Frame::new().fill(fill).inner_margin(8.0))
        .show(ui, |ui| {
            ui.vertical_centered(|ui| {
                ui.label(egui::RichText::new(text).strong().color(text_color));
            });
        });
}

/// The fill behind an import cell with a problem (its text is the strong text colour,
/// its border the error colour).
pub fn problem_fill(visuals: &egui::Visuals) -> Color32 {
    visuals.error_fg_color.gamma_multiply(0.25)
}

/// What a colour pair is drawn as, which decides the contrast it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairKind {
    /// Text of normal size: 4.5:1 (7:1 in the high-contrast theme).
    Text,
    /// Text of at least 24 px, or bold of at least 18.5 px: 3:1 (4.5:1).
    LargeText,
    /// A part of a control that shows what it is or its state (outlines, fills, focus
    /// rings): 3:1 (4.5:1).
    Graphic,
}

impl PairKind {
    /// The least contrast this kind needs, in the normal or the high-contrast theme.
    pub fn minimum(self, high_contrast: bool) -> f32 {
        let (normal, high) = match self {
            PairKind::Text => (4.5, 7.0),
            PairKind::LargeText | PairKind::Graphic => (3.0, 4.5),
        };
        if high_contrast { high } else { normal }
    }
}

/// A foreground colour and the background it is drawn on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ColourPair {
    /// What it is, for the test's report.
    pub name: &'static str,
    /// The text or graphic (composited over `bg` if translucent).
    pub fg: Color32,
    /// What it is drawn on (opaque).
    pub bg: Color32,
    /// What contrast it needs.
    pub kind: PairKind,
}

/// Every colour pair the window draws, taken from `ctx`'s style and palette as
/// [`apply`] left them.
// A table, one pair per entry.
#[allow(clippy::too_many_lines)]
pub fn colour_pairs(ctx: &egui::Context) -> Vec<ColourPair> {
    use PairKind::{Graphic, LargeText, Text};
    let style = ctx.global_style();
    let v = &style.visuals;
    let p = Palette::of(ctx);
    let w = &v.widgets;
    let panel = v.panel_fill;
    let text_box = v.text_edit_bg_color();
    let pair = |name, fg, bg, kind| ColourPair { name, fg, bg, kind };
    vec![
        pair("text on the panel", v.text_color(), panel, Text),
        pair(
            "strong text on the panel",
            v.strong_text_color(),
            panel,
            Text,
        ),
        pair(
            "weak text (hints, counters) on the panel",
            v.weak_text_color(),
            panel,
            Text,
        ),
        pair("warning text on the panel", v.warn_fg_color, panel, Text),
        pair("error text on the panel", v.error_fg_color, panel, Text),
        pair("link on the panel", v.hyperlink_color, panel, Text),
        pair("success text on the panel", p.success, panel, Text),
        pair("thank-you headline (34 px)", p.success, panel, LargeText),
        pair(
            "typed text in a text box",
            w.inactive.text_color(),
            text_box,
            Text,
        ),
        pair(
            "placeholder in a text box",
            v.weak_text_color(),
            text_box,
            Text,
        ),
        pair("text in a dialog", v.text_color(), v.window_fill, Text),
        pair("error in a dialog", v.error_fg_color, v.window_fill, Text),
        pair("selected text", v.text_color(), v.selection.bg_fill, Text),
        pair(
            "button text",
            w.inactive.text_color(),
            w.inactive.weak_bg_fill,
            Text,
        ),
        pair(
            "hovered button text",
            w.hovered.text_color(),
            w.hovered.weak_bg_fill,
            Text,
        ),
        pair(
            "pressed button text",
            w.active.text_color(),
            w.active.weak_bg_fill,
            Text,
        ),
        pair("main button text", p.on_primary, p.primary, Text),
        pair(
            "text on a warning button",
            p.on_primary,
            v.warn_fg_color,
            Text,
        ),
        pair(
            "text on a danger button",
            p.on_primary,
            v.error_fg_color,
            Text,
        ),
        pair("demo banner", Color32::BLACK, DEMO_BANNER, Text),
        pair(
            "unencrypted-connection banner",
            Color32::WHITE,
            CLEAR_TEXT_BANNER,
            Text,
        ),
        pair(
            "import cell with a problem",
            v.strong_text_color(),
            over(problem_fill(v), panel),
            Text,
        ),
        pair(
            "empty-star outline",
            w.inactive.fg_stroke.color,
            panel,
            Graphic,
        ),
        pair("chosen-star fill", p.star_fill, panel, Graphic),
        pair(
            "checkbox and text-box border",
            w.inactive.bg_stroke.color,
            panel,
            Graphic,
        ),
        pair(
            "check mark",
            w.inactive.fg_stroke.color,
            w.inactive.bg_fill,
            Graphic,
        ),
        pair("main button on the panel", p.primary, panel, Graphic),
        pair(
            "focus ring (stars, text boxes)",
            v.selection.stroke.color,
            panel,
            Graphic,
        ),
        pair(
            "focus ring (buttons)",
            w.active.bg_stroke.color,
            panel,
            Graphic,
        ),
        pair("hover outline", w.hovered.bg_stroke.color, panel, Graphic),
    ]
}

/// `fg` composited over the opaque `bg` (egui's colours are premultiplied).
pub fn over(fg: Color32, bg: Color32) -> Color32 {
    let a = f32::from(fg.a()) / 255.0;
    let mix = |f: u8, b: u8| {
        // Both channels are 0..=255 and a is 0..=1, so the sum stays in 0..=255.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let c = (f32::from(f) + f32::from(b) * (1.0 - a)).round().min(255.0) as u8;
        c
    };
    Color32::from_rgb(
        mix(fg.r(), bg.r()),
        mix(fg.g(), bg.g()),
        mix(fg.b(), bg.b()),
    )
}

/// The WCAG 2.2 contrast ratio of `fg` (composited over `bg`) against `bg`: 1.0..=21.0.
pub fn contrast_ratio(fg: Color32, bg: Color32) -> f32 {
    fn channel(c: u8) -> f32 {
        let c = f32::from(c) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    }
    fn luminance(c: Color32) -> f32 {
        0.2126 * channel(c.r()) + 0.7152 * channel(c.g()) + 0.0722 * channel(c.b())
    }
    let (a, b) = (luminance(over(fg, bg)), luminance(bg));
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contrast_formula_matches_wcag() {
        assert!((contrast_ratio(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 0.01);
        assert!((contrast_ratio(Color32::WHITE, Color32::WHITE) - 1.0).abs() < 0.001);
        // The grey hint the issue measured on egui's light panel: 2.9:1.
        let hint = Color32::from_gray(147);
        assert!((contrast_ratio(hint, Color32::from_gray(248)) - 2.89).abs() < 0.01);
        // Translucent text is composited first: 60 % of grey 80 over 248 is grey 147.
        let weak = Color32::from_gray(80).gamma_multiply(0.6);
        assert_eq!(over(weak, Color32::from_gray(248)), Color32::from_gray(147));
    }

    /// Every pair the themes use, checked with the WCAG formula; the figures are printed
    /// (`cargo test contrast -- --nocapture`).
    #[test]
    fn every_colour_pair_of_both_themes_has_enough_contrast() {
        let mut failures = Vec::new();
        for high_contrast in [false, true] {
            let ctx = egui::Context::default();
            apply(
                &ctx,
                Appearance {
                    high_contrast,
                    scale: 1.0,
                },
            );
            let pairs = colour_pairs(&ctx);
            assert!(pairs.len() >= 25);
            for pair in pairs {
                let ratio = contrast_ratio(pair.fg, pair.bg);
                let minimum = pair.kind.minimum(high_contrast);
                let verdict = if ratio >= minimum { "ok  " } else { "FAIL" };
                println!(
                    "{verdict} {:>5.2}:1 (needs {minimum}) {}{}: {:?} on {:?}",
                    ratio,
                    if high_contrast {
                        "[high contrast] "
                    } else {
                        ""
                    },
                    pair.name,
                    pair.fg,
                    pair.bg
                );
                if ratio < minimum {
                    failures.push(format!("{} ({high_contrast}): {ratio:.2}", pair.name));
                }
            }
        }
        assert!(failures.is_empty(), "too little contrast: {failures:#?}");
    }
}
