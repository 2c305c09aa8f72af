//! Sizes and colours: large, calm, readable by patients of every age, with touch targets
//! of at least 44 points. Two themes: the normal light one and a high-contrast one (white
//! and yellow on black, thick outlines). Nothing is told by colour alone: every state also
//! has a word or a shape (filled vs hollow stars, "4 из 5", headlines on results).

use egui::{Color32, FontId, Stroke, TextStyle};

/// The widest the form grows; wider screens keep lines readable.
pub const CONTENT_WIDTH: f32 = 900.0;
/// The column of criterion names beside the stars.
pub const CRITERION_LABEL_WIDTH: f32 = 360.0;
/// The demo banner's background (text on it is black).
pub const DEMO_BANNER: Color32 = Color32::from_rgb(255, 214, 10);
/// The strip warning of an unencrypted connection (`allow_insecure_http` to a remote
/// `http://` server): white on dark red.
pub const CLEAR_TEXT_BANNER: Color32 = Color32::from_rgb(0xA0, 0x10, 0x10);
/// The main action's colour (white text on it: contrast 7:1).
pub const PRIMARY: Color32 = Color32::from_rgb(22, 82, 150);
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
                star_fill: Color32::from_rgb(240, 160, 20),
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

/// Style `ctx` for the rating window.
pub fn apply(ctx: &egui::Context, appearance: Appearance) {
    let (theme, mut visuals) = if appearance.high_contrast {
        (egui::Theme::Dark, high_contrast_visuals())
    } else {
        (egui::Theme::Light, egui::Visuals::light())
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
            (TextStyle::Body, FontId::proportional(19.0)),
            (TextStyle::Button, FontId::proportional(19.0)),
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
