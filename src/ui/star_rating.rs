//! The star-rating widget: five stars painted as vector shapes (no font glyphs), so they
//! are crisp at any zoom and need no font with ★.
//!
//! Follows egui's widget pattern (size, allocate, interact, paint, describe):
//! [`star_rating_ui`] does the work and [`star_rating`] wraps it as an `impl Widget`.
//!
//! - pointer: hover previews, click or tap sets;
//! - keyboard: Tab focuses the row (a focus ring is drawn), ←/→ lower/raise, digits 1–5
//!   set, 0 or Delete clears; ↑/↓ move to the previous/next widget as usual;
//! - screen readers: the row is a slider named "<criterion>: <n> из 5" with value n, and
//!   answers the increment, decrement and set-value actions;
//! - disabled (`ui.add_enabled(false, …)`): greyed, not interactive, value kept.

use egui::accesskit::{Action, ActionData};
use egui::epaint::Mesh;
use egui::{
    Color32, EventFilter, Id, Key, Pos2, Rect, Response, Role, Sense, Shape, Stroke, Ui, Vec2,
    Widget, WidgetInfo,
};

use crate::rating::Score;

/// The side of one star's square target, in points. Above the 44 pt minimum touch target
/// of the platform guidelines.
pub const STAR_SIZE: f32 = 48.0;
/// The gap between two stars.
pub const STAR_GAP: f32 = 8.0;

/// Draw a star row for `value` with the stable `id` (so it can be focused from
/// elsewhere), labelled for screen readers with `label` (the full description, e.g.
/// «Время ожидания в очереди: 4 из 5»).
pub fn star_rating_ui(ui: &mut Ui, id: Id, value: &mut Option<Score>, label: &str) -> Response {
    let count = f32::from(Score::MAX);
    let size = Vec2::new(count * STAR_SIZE + (count - 1.0) * STAR_GAP, STAR_SIZE);
    let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
    let mut response = ui.interact(rect, id, Sense::click());
    let enabled = ui.is_enabled();

    let star_at = |pos: Pos2| -> Option<Score> {
        if !rect.contains(pos) {
            return None;
        }
        let step = STAR_SIZE + STAR_GAP;
        let index = ((pos.x - rect.left()) / step)
            .floor()
            .clamp(0.0, count - 1.0);
        // `index` is 0..=4 after the clamp.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Score::new(index as u8 + 1)
    };

    let before = *value;
    if enabled {
        if response.clicked()
            && let Some(score) = response.interact_pointer_pos().and_then(star_at)
        {
            *value = Some(score);
        }
        if response.has_focus() {
            // Keep ←/→ for this row; ↑/↓ and Tab still move the focus.
            ui.memory_mut(|m| {
                m.set_focus_lock_filter(
                    response.id,
                    EventFilter {
                        horizontal_arrows: true,
                        ..EventFilter::default()
                    },
                );
            });
            *value = apply_keys(ui, *value);
        }
        *value = apply_accesskit_actions(ui, response.id, *value);
    }
    if *value != before {
        response.mark_changed();
    }

    if ui.is_rect_visible(rect) {
        let preview = if enabled {
            response.hover_pos().and_then(star_at)
        } else {
            None
        };
        paint(ui, rect, *value, preview, enabled, response.has_focus());
    }

    let current = *value;
    response.widget_info(|| {
        let mut info = WidgetInfo::labeled(Role::Slider, enabled, label);
        info.value = current.map(|s| f64::from(s.get()));
        info
    });
    ui.ctx().accesskit_node_builder(response.id, |node| {
        node.set_min_numeric_value(f64::from(Score::MIN));
        node.set_max_numeric_value(f64::from(Score::MAX));
        node.set_numeric_value_step(1.0);
        if enabled {
            node.add_action(Action::SetValue);
            node.add_action(Action::Increment);
            node.add_action(Action::Decrement);
        }
    });
    response
}

/// The row as a widget: `ui.add(star_rating(id, &mut value, &label))`.
pub fn star_rating<'a>(id: Id, value: &'a mut Option<Score>, label: &'a str) -> impl Widget + 'a {
    move |ui: &mut Ui| star_rating_ui(ui, id, value, label)
}

fn apply_keys(ui: &Ui, mut value: Option<Score>) -> Option<Score> {
    const DIGITS: [(Key, u8); 5] = [
        (Key::Num1, 1),
        (Key::Num2, 2),
        (Key::Num3, 3),
        (Key::Num4, 4),
        (Key::Num5, 5),
    ];
    ui.input(|input| {
        for (key, stars) in DIGITS {
            if input.key_pressed(key) {
                value = Score::new(stars);
            }
        }
        if input.key_pressed(Key::Num0) || input.key_pressed(Key::Delete) {
            value = None;
        }
        let current = value.map_or(0, Score::get);
        if input.key_pressed(Key::ArrowRight) {
            value = Score::new((current + 1).min(Score::MAX));
        }
        if input.key_pressed(Key::ArrowLeft) && current > Score::MIN {
            value = Score::new(current - 1);
        }
    });
    value
}

fn apply_accesskit_actions(ui: &Ui, id: egui::Id, mut value: Option<Score>) -> Option<Score> {
    ui.input(|input| {
        let current = value.map_or(0, Score::get);
        if input.has_accesskit_action_request(id, Action::Increment) {
            value = Score::new((current + 1).min(Score::MAX));
        }
        if input.has_accesskit_action_request(id, Action::Decrement) && current > Score::MIN {
            value = Score::new(current - 1);
        }
        for request in input.accesskit_action_requests(id, Action::SetValue) {
            if let Some(ActionData::NumericValue(v)) = request.data {
                let rounded = v
                    .round()
                    .clamp(f64::from(Score::MIN), f64::from(Score::MAX));
                // Clamped to 1..=5 just above.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let stars = rounded as u8;
                value = Score::new(stars);
            }
        }
    });
    value
}

fn paint(
    ui: &Ui,
    rect: Rect,
    value: Option<Score>,
    preview: Option<Score>,
    enabled: bool,
    focused: bool,
) {
    let visuals = ui.visuals();
    let star_fill = super::theme::Palette::of(ui.ctx()).star_fill;
    let painter = ui.painter();
    if focused {
        painter.rect_stroke(
            rect.expand(4.0),
            6.0,
            Stroke::new(2.5, visuals.selection.stroke.color),
            egui::StrokeKind::Outside,
        );
    }
    let chosen = value.map_or(0, Score::get);
    let previewed = preview.map_or(0, Score::get);
    // Disabled rows are drawn in the theme's muted text colour, the fill fainter still.
    let muted = visuals.widgets.noninteractive.fg_stroke.color;
    let (outline, fill) = if enabled {
        (visuals.widgets.inactive.fg_stroke.color, star_fill)
    } else {
        (muted.gamma_multiply(0.5), muted.gamma_multiply(0.35))
    };
    for n in 1..=Score::MAX {
        let left = rect.left() + f32::from(n - 1) * (STAR_SIZE + STAR_GAP);
        let center = Pos2::new(left + STAR_SIZE / 2.0, rect.center().y);
        let points = star_points(center, STAR_SIZE * 0.48);
        let color = if previewed > 0 {
            // Hover preview: what a click would choose, lighter than a real choice.
            (n <= previewed).then(|| star_fill.gamma_multiply(0.55))
        } else {
            (n <= chosen).then_some(fill)
        };
        if let Some(color) = color {
            painter.add(Shape::mesh(star_mesh(center, &points, color)));
        }
        painter.add(Shape::closed_line(
            points,
            Stroke::new(visuals.widgets.inactive.fg_stroke.width.max(2.0), outline),
        ));
    }
}

/// The ten corners of a five-pointed star around `center`, the first pointing up.
fn star_points(center: Pos2, outer: f32) -> Vec<Pos2> {
    let inner = outer * 0.47;
    (0..10)
        .map(|i| {
            #[allow(clippy::cast_precision_loss)]
            let angle = -std::f32::consts::FRAC_PI_2 + i as f32 * std::f32::consts::PI / 5.0;
            let radius = if i % 2 == 0 { outer } else { inner };
            center + radius * Vec2::angled(angle)
        })
        .collect()
}

/// A star is not convex, so it is filled as a fan of triangles from its centre (each of
/// which is); the anti-aliased outline drawn over it gives the crisp edge.
fn star_mesh(center: Pos2, points: &[Pos2], color: Color32) -> Mesh {
    let mut mesh = Mesh::default();
    mesh.colored_vertex(center, color);
    for point in points {
        mesh.colored_vertex(*point, color);
    }
    let corners = u32::try_from(points.len()).unwrap_or(0);
    for i in 0..corners {
        mesh.add_triangle(0, 1 + i, 1 + (i + 1) % corners);
    }
    mesh
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_corner_points_up_and_corners_alternate() {
        let points = star_points(Pos2::new(100.0, 100.0), 20.0);
        assert_eq!(points.len(), 10);
        assert!((points[0].x - 100.0).abs() < 1e-3 && (points[0].y - 80.0).abs() < 1e-3);
        let dist = |p: Pos2| p.distance(Pos2::new(100.0, 100.0));
        assert!((dist(points[0]) - 20.0).abs() < 1e-3);
        assert!(dist(points[1]) < 10.0);
    }

    #[test]
    fn the_row_is_wide_enough_for_fingers() {
        const { assert!(STAR_SIZE >= 44.0) };
    }
}
