//! An on-screen keyboard for the remarks box on touch-only kiosks, with Russian (ЙЦУКЕН)
//! and English (QWERTY) layouts. Keys type straight into the text they are given, so
//! tapping a key never takes the focus away or needs a system keyboard.

use crate::msg;
use egui::{RichText, Ui};

use crate::i18n::I18n;

/// The keyboard's layout and shift state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyboardState {
    /// English letters instead of Russian.
    pub english: bool,
    /// Capitals for the next letter.
    pub shift: bool,
    /// Shown on a short screen, where the keyboard waits for a tap on the remarks and
    /// its own key hides it again.
    pub open: bool,
}

const RU_ROWS: [&str; 3] = ["йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю"];
const EN_ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];
const DIGITS: &str = "1234567890";
const PUNCTUATION: &str = ".,!?-";

/// The side of a key, in points (a finger-sized target).
const KEY: f32 = 52.0;
/// Keys in the widest row: the digits and the punctuation.
const WIDEST_ROW: f32 = 15.0;
/// The gap between keys, in points.
const GAP: f32 = 6.0;
/// The keyboard's height, in points: five rows of keys and their gaps.
pub const KEYBOARD_HEIGHT: f32 = 5.0 * (KEY + GAP);

/// Draw the keyboard; typed characters go into `text` (at the end), at most `max_chars`;
/// `hideable`: a key closes it (`state.open` becomes false).
pub fn on_screen_keyboard(
    ui: &mut Ui,
    state: &mut KeyboardState,
    text: &mut String,
    max_chars: usize,
    i18n: &I18n,
    hideable: bool,
) {
    let rows = if state.english { EN_ROWS } else { RU_ROWS };
    // The widest row (digits and punctuation, 15 keys) fits the column: a portrait stand's
    // column is narrower than fifteen 52-point keys.
    let w = KEY
        .min((ui.available_width() - (WIDEST_ROW - 1.0) * GAP) / WIDEST_ROW)
        .max(24.0);
    let key_size = egui::vec2(w, KEY);
    let mut typed: Option<char> = None;
    ui.spacing_mut().item_spacing = egui::vec2(GAP, GAP);
    ui.horizontal(|ui| {
        for c in DIGITS.chars().chain(PUNCTUATION.chars()) {
            if ui
                .add(egui::Button::new(c.to_string()).min_size(key_size))
                .clicked()
            {
                typed = Some(c);
            }
        }
    });
    for row in rows {
        ui.horizontal(|ui| {
            for c in row.chars() {
                let shown = if state.shift {
                    c.to_uppercase().next().unwrap_or(c)
                } else {
                    c
                };
                if ui
                    .add(
                        egui::Button::new(RichText::new(shown.to_string()).size(22.0))
                            .min_size(key_size),
                    )
                    .clicked()
                {
                    typed = Some(shown);
                }
            }
        });
    }
    ui.horizontal(|ui| {
        let shift = egui::Button::new(i18n.tr(msg!("osk-shift")))
            .selected(state.shift)
            .min_size(egui::vec2(w * 2.0, KEY));
        if ui.add(shift).clicked() {
            state.shift = !state.shift;
        }
        if ui
            .add(egui::Button::new(i18n.tr(msg!("osk-space"))).min_size(egui::vec2(w * 6.0, KEY)))
            .clicked()
        {
            typed = Some(' ');
        }
        if ui
            .add(
                egui::Button::new(i18n.tr(msg!("osk-backspace")))
                    .min_size(egui::vec2(w * 2.0, KEY)),
            )
            .clicked()
        {
            text.pop();
        }
        let other = if state.english { "РУС" } else { "ENG" };
        if ui
            .add(egui::Button::new(other).min_size(egui::vec2(w * 2.0, KEY)))
            .on_hover_text(i18n.tr(msg!("osk-layout")))
            .clicked()
        {
            state.english = !state.english;
        }
        if hideable
            && ui
                .add(
                    egui::Button::new(i18n.tr(msg!("osk-hide"))).min_size(egui::vec2(w * 2.0, KEY)),
                )
                .clicked()
        {
            state.open = false;
        }
    });
    if let Some(c) = typed
        && text.chars().count() < max_chars
    {
        text.push(c);
        if c.is_alphabetic() {
            state.shift = false;
        }
    }
}
