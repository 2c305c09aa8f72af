//! Sizes and colours: large, calm, readable by patients of every age, with touch targets
//! of at least 44 points.

use egui::{Color32, FontId, TextStyle};

/// The widest the form grows; wider screens centre nothing and keep lines readable.
pub const CONTENT_WIDTH: f32 = 900.0;
/// The column of criterion names beside the stars.
pub const CRITERION_LABEL_WIDTH: f32 = 360.0;
/// The demo banner's background (text on it is black).
pub const DEMO_BANNER: Color32 = Color32::from_rgb(255, 214, 10);
/// The thank-you headline.
pub const SUCCESS: Color32 = Color32::from_rgb(20, 120, 50);

/// The main action's colour (white text on it: contrast 7:1).
pub const PRIMARY: Color32 = Color32::from_rgb(22, 82, 150);

/// The one main action of a screen: large, filled, white text.
pub fn primary_button(text: impl Into<String>) -> egui::Button<'static> {
    egui::Button::new(
        egui::RichText::new(text.into())
            .size(22.0)
            .strong()
            .color(Color32::WHITE),
    )
    .fill(PRIMARY)
    .min_size(egui::vec2(240.0, 56.0))
}

/// Style `ctx` for the rating window: light theme, large text, generous spacing.
pub fn apply(ctx: &egui::Context) {
    ctx.set_theme(egui::Theme::Light);
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
