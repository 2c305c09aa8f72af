//! The visit id keypad of a touch-only kiosk (`on_screen_keyboard`): what a visit id is
//! made of (0–9, a–f), backspace and clear, on the ready screen under the visit id field.
//!
//! Visit ids are GUIDs: the patient taps only the hexadecimal digits and the keypad
//! places the dashes of the 8-4-4-4-12 groups as the groups fill up. With `clinic_guid`
//! set only the visit GUID is typed (the clinic's is glued on by
//! [`crate::api::VisitId::from_input`]); without it the whole identifier is the clinic
//! GUID, `visit_id_separator` and the visit GUID, and the keypad places the separator
//! too. A field holding something else (a scanner's code, a paste) is left as it is: a
//! key then types its character at the end, as a keyboard would.
//!
//! No egui state here but the drawing in [`keypad_ui`]; what a key does to the text is a
//! pure function ([`press`]), tested below.

use egui::{RichText, Ui};

use crate::api::MAX_VISIT_ID_CHARS;
use crate::i18n::I18n;
use crate::msg;

/// The keys' characters, in the order they are laid out.
pub const DIGITS: &str = "0123456789abcdef";
/// The groups of a GUID.
const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
/// Presses waiting for their release, at most (see [`keypad_ui`]).
const MAX_PRESSED: usize = 16;
/// The gap between keys, in points.
const GAP: f32 = 8.0;

/// What one tap asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeypadKey {
    /// A hexadecimal digit.
    Digit(char),
    /// Remove the last digit (with the dash before it, if the keypad placed one there).
    Backspace,
    /// Empty the field.
    Clear,
}

/// One place of the identifier the keypad fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// A hexadecimal digit the patient taps.
    Digit,
    /// A character the keypad places itself (a GUID's dash, the separator).
    Literal(char),
}

/// The shape of the identifier a patient taps in: one GUID (`clinic_set`) or the clinic
/// GUID, `separator` and the visit GUID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template(Vec<Slot>);

impl Template {
    /// The template for these settings.
    pub fn new(clinic_set: bool, separator: &str) -> Template {
        let guid = || {
            GROUPS.iter().enumerate().flat_map(|(i, &len)| {
                let dash = (i > 0).then_some(Slot::Literal('-'));
                dash.into_iter()
                    .chain(std::iter::repeat_n(Slot::Digit, len))
            })
        };
        let mut slots: Vec<Slot> = guid().collect();
        if !clinic_set {
            slots.extend(separator.chars().map(Slot::Literal));
            slots.extend(guid());
        }
        Template(slots)
    }

    /// How many digits the template holds.
    pub fn capacity(&self) -> usize {
        self.0.iter().filter(|s| **s == Slot::Digit).count()
    }

    /// The digits of `text` when it is the start of an identifier of this shape (dashes
    /// and separator in place or left out), or `None` when it holds anything else.
    fn digits_of(&self, text: &str) -> Option<String> {
        let mut slots = self.0.iter();
        let mut digits = String::new();
        for c in text.chars() {
            loop {
                match slots.next()? {
                    Slot::Digit if c.is_ascii_hexdigit() => {
                        digits.push(c);
                        break;
                    }
                    Slot::Digit => return None,
                    Slot::Literal(l) if *l == c => break,
                    // A dash (or the separator) the text left out.
                    Slot::Literal(_) => {}
                }
            }
        }
        Some(digits)
    }

    /// `digits` laid into the template; the dashes (and separator) after a full group
    /// are placed at once while more digits may follow, so the patient sees the next
    /// group begin.
    fn format(&self, digits: &str) -> String {
        let mut out = String::new();
        let mut digits = digits.chars().peekable();
        let capacity = self.capacity();
        let mut placed = 0;
        for slot in &self.0 {
            match slot {
                Slot::Digit => match digits.next() {
                    Some(c) => {
                        out.push(c);
                        placed += 1;
                    }
                    None => break,
                },
                Slot::Literal(l) if placed < capacity => out.push(*l),
                Slot::Literal(_) => break,
            }
        }
        out
    }
}

/// Digits still to tap when `text` is the start of an identifier of this shape
/// (`None` when it is empty, complete, or something else, such as a scanned code).
pub fn digits_left(text: &str, template: &Template) -> Option<usize> {
    let digits = template.digits_of(text)?.len();
    (digits > 0 && digits < template.capacity()).then(|| template.capacity() - digits)
}

/// Apply one tap to the field's `text`. Returns whether the text changed.
pub fn press(text: &mut String, key: KeypadKey, template: &Template) -> bool {
    let before = text.clone();
    match (key, template.digits_of(text)) {
        (KeypadKey::Clear, _) => text.clear(),
        (KeypadKey::Digit(c), Some(mut digits)) => {
            if digits.len() < template.capacity() {
                digits.push(c);
                *text = template.format(&digits);
            }
        }
        (KeypadKey::Backspace, Some(mut digits)) => {
            digits.pop();
            *text = template.format(&digits);
        }
        // Something the keypad did not write: keys act as a keyboard's would.
        (KeypadKey::Digit(c), None) => {
            if text.chars().count() < MAX_VISIT_ID_CHARS {
                text.push(c);
            }
        }
        (KeypadKey::Backspace, None) => {
            text.pop();
        }
    }
    *text != before
}

/// Sizes of the keypad on the screen at hand, in points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeypadSize {
    /// A key's side.
    pub key: f32,
    /// Keys in a row of digits (8: two rows, 4: four rows).
    pub columns: usize,
}

impl KeypadSize {
    /// The keypad for a column `width` points wide, keys at least `least_key` points
    /// (a finger's width, or 12 mm when the screen's diagonal is known), `tall`: the
    /// screen has height to spare (portrait), so four rows of four larger keys.
    pub fn for_width(width: f32, least_key: f32, tall: bool) -> KeypadSize {
        // Two rows of eight digits and a wide key (backspace, clear) at their end.
        let wide = |key: f32| 8.0 * key + 8.0 * GAP + 2.0 * key;
        let columns = if tall || wide(least_key) > width {
            4
        } else {
            8
        };
        let key = if columns == 8 {
            least_key.max((width / 10.0 - GAP).min(least_key * 1.2))
        } else {
            // Four keys and their gaps across; never wider than the column.
            (least_key * 1.4)
                .min((width - 3.0 * GAP) / 4.0)
                .max(least_key.min(width / 4.5))
        };
        KeypadSize { key, columns }
    }
}

/// Draw the keypad centred in `ui`; the keys tapped this frame, in order.
///
/// A quick patient's taps can arrive two to a frame on a slow (software-rendered)
/// screen, a frame's presses and releases interleaved, and egui counts one click
/// per frame at the pointer's last position: the keys are therefore read from the
/// frame's own pointer events, each release on a key pressed before it (and not yet
/// released), when no dialog lies over the keypad. A click that comes without
/// pointer events (a screen reader's activation) is the button's own click.
pub fn keypad_ui(ui: &mut Ui, size: KeypadSize, i18n: &I18n) -> Vec<KeypadKey> {
    let mut keys: Vec<(egui::Response, KeypadKey)> = Vec::new();
    let key = size.key;
    let text_size = (key * 0.42).clamp(20.0, 40.0);
    let digit = |ui: &mut Ui, c: char, keys: &mut Vec<(egui::Response, KeypadKey)>| {
        // The key's text is its character: what a screen reader says for it.
        let button = egui::Button::new(RichText::new(c.to_string()).size(text_size))
            .min_size(egui::vec2(key, key));
        keys.push((ui.add(button), KeypadKey::Digit(c)));
    };
    let action = |ui: &mut Ui,
                  text: String,
                  width: f32,
                  what: KeypadKey,
                  keys: &mut Vec<(egui::Response, KeypadKey)>| {
        let button = egui::Button::new(RichText::new(text).size(text_size * 0.8))
            .min_size(egui::vec2(width, key));
        keys.push((ui.add(button), what));
    };
    let backspace = i18n.tr(msg!("osk-backspace"));
    let clear = i18n.tr(msg!("kiosk-keypad-clear"));
    let digits: Vec<char> = DIGITS.chars().collect();
    let row_width = |keys: f32, extra: f32| keys * key + (keys - 1.0) * GAP + extra;
    let centred_row = |ui: &mut Ui, width: f32, add: &mut dyn FnMut(&mut Ui)| {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing = egui::vec2(GAP, GAP);
            ui.add_space(((ui.available_width() - width) / 2.0).max(0.0));
            add(ui);
        });
    };
    ui.scope(|ui| {
        ui.spacing_mut().item_spacing = egui::vec2(GAP, GAP);
        if size.columns == 8 {
            let width = row_width(8.0, GAP + 2.0 * key);
            for (row, what, text) in [
                (&digits[..8], KeypadKey::Backspace, &backspace),
                (&digits[8..], KeypadKey::Clear, &clear),
            ] {
                centred_row(ui, width, &mut |ui| {
                    for &c in row {
                        digit(ui, c, &mut keys);
                    }
                    action(ui, text.clone(), 2.0 * key, what, &mut keys);
                });
            }
        } else {
            let width = row_width(4.0, 0.0);
            for row in digits.chunks(4) {
                centred_row(ui, width, &mut |ui| {
                    for &c in row {
                        digit(ui, c, &mut keys);
                    }
                });
            }
            let half = (width - GAP) / 2.0;
            centred_row(ui, width, &mut |ui| {
                action(ui, backspace.clone(), half, KeypadKey::Backspace, &mut keys);
                action(ui, clear.clone(), half, KeypadKey::Clear, &mut keys);
            });
        }
    });
    taps(ui, &keys)
}

/// The keys tapped this frame (see [`keypad_ui`]).
fn taps(ui: &Ui, keys: &[(egui::Response, KeypadKey)]) -> Vec<KeypadKey> {
    let press_id = egui::Id::unique("visit-id-keypad-press");
    let layer = ui.layer_id();
    let ctx = ui.ctx();
    let key_at = |pos: egui::Pos2| {
        (ctx.layer_id_at(pos) == Some(layer))
            .then(|| keys.iter().position(|(r, _)| r.rect.contains(pos)))
            .flatten()
    };
    // Keys pressed and not yet released: a press usually comes a frame before its
    // release, and a quick patient's next presses may arrive before the first release
    // (on a slow screen the window was seen to get a burst of presses, then their
    // releases).
    let mut pressed: Vec<usize> = ctx.data(|d| d.get_temp(press_id)).unwrap_or_default();
    let mut tapped = Vec::new();
    let mut pointer_events = false;
    for event in ui.input(|i| i.events.clone()) {
        if let egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed: down,
            ..
        } = event
        {
            pointer_events = true;
            match (down, key_at(pos)) {
                (true, Some(on)) => {
                    // The same key twice (a double tap) waits for two releases.
                    pressed.push(on);
                    // A stale press (its release lost) goes first.
                    if pressed.len() > MAX_PRESSED {
                        pressed.remove(0);
                    }
                }
                (true, None) => {}
                (false, Some(on)) if pressed.contains(&on) => {
                    if let Some(first) = pressed.iter().position(|k| *k == on) {
                        pressed.remove(first);
                    }
                    tapped.push(keys[on].1);
                }
                // Released elsewhere than it was pressed (a slide): no tap.
                (false, _) => pressed.clear(),
            }
        }
    }
    ctx.data_mut(|d| d.insert_temp(press_id, pressed));
    if !pointer_events {
        tapped.extend(keys.iter().filter(|(r, _)| r.clicked()).map(|(_, k)| *k));
    }
    tapped
}

#[cfg(test)]
mod tests {
    use super::*;

    const VISIT: &str = "7d1e2f3a-4b5c-4d6e-9f80-112233445566";

    fn tap(text: &mut String, keys: &str, template: &Template) {
        for c in keys.chars() {
            press(text, KeypadKey::Digit(c), template);
        }
    }

    #[test]
    fn dashes_appear_as_the_groups_fill() {
        let guid = Template::new(true, "");
        let mut text = String::new();
        tap(&mut text, "7d1e2f3", &guid);
        assert_eq!(text, "7d1e2f3");
        tap(&mut text, "a", &guid);
        assert_eq!(text, "7d1e2f3a-");
        tap(&mut text, "4b5c4d6e9f80112233445566", &guid);
        assert_eq!(text, VISIT);
        assert_eq!(guid.capacity(), 32);
        // Full: more taps change nothing.
        assert!(!press(&mut text, KeypadKey::Digit('0'), &guid));
        assert_eq!(text, VISIT);
        assert!(crate::api::is_guid(&text));
    }

    #[test]
    fn backspace_takes_the_digit_and_its_dash_and_clear_empties() {
        let guid = Template::new(true, "");
        let mut text = "7d1e2f3a-".to_owned();
        press(&mut text, KeypadKey::Backspace, &guid);
        assert_eq!(text, "7d1e2f3");
        let mut text = "7d1e2f3a-4".to_owned();
        press(&mut text, KeypadKey::Backspace, &guid);
        assert_eq!(text, "7d1e2f3a-");
        let mut empty = String::new();
        assert!(!press(&mut empty, KeypadKey::Backspace, &guid));
        assert!(press(&mut text, KeypadKey::Clear, &guid));
        assert_eq!(text, "");
    }

    #[test]
    fn without_a_clinic_the_whole_id_with_its_separator() {
        let both = Template::new(false, "_");
        assert_eq!(both.capacity(), 64);
        let mut text = String::new();
        tap(&mut text, &VISIT.replace('-', ""), &both);
        assert_eq!(text, format!("{VISIT}_"));
        tap(&mut text, &VISIT.replace('-', ""), &both);
        assert_eq!(text, format!("{VISIT}_{VISIT}"));
        // No separator: the two GUIDs side by side.
        let glued = Template::new(false, "");
        let mut text = String::new();
        tap(&mut text, &VISIT.replace('-', "").repeat(2), &glued);
        assert_eq!(text, format!("{VISIT}{VISIT}"));
    }

    #[test]
    fn an_unfinished_id_says_how_many_digits_are_left() {
        let guid = Template::new(true, "");
        assert_eq!(digits_left("", &guid), None);
        assert_eq!(digits_left("7d1e2f3a-", &guid), Some(24));
        assert_eq!(digits_left(VISIT, &guid), None);
        assert_eq!(digits_left("kiosk-visit-1", &guid), None);
    }

    #[test]
    fn typed_text_is_taken_up_and_foreign_text_left_alone() {
        let guid = Template::new(true, "");
        // Typed without dashes (or in capitals), the keypad goes on from it.
        let mut text = "7D1E2F3A4".to_owned();
        press(&mut text, KeypadKey::Digit('b'), &guid);
        assert_eq!(text, "7D1E2F3A-4b");
        // A pasted address: keys type at its end, backspace takes its last character.
        let mut text = "https://example.org/v?id=1".to_owned();
        press(&mut text, KeypadKey::Digit('2'), &guid);
        assert_eq!(text, "https://example.org/v?id=12");
        press(&mut text, KeypadKey::Backspace, &guid);
        press(&mut text, KeypadKey::Backspace, &guid);
        assert_eq!(text, "https://example.org/v?id=");
    }

    #[test]
    fn the_keypad_fits_its_column() {
        for (width, least, tall) in [
            (692.0, 72.0, true),
            (968.0, 72.0, false),
            (927.0, 72.0, false),
            (300.0, 72.0, false),
        ] {
            let size = KeypadSize::for_width(width, least, tall);
            let across = if size.columns == 8 {
                10.0 * size.key + 8.0 * GAP
            } else {
                4.0 * size.key + 3.0 * GAP
            };
            assert!(across <= width + 0.5, "{size:?} in {width}");
        }
        assert_eq!(KeypadSize::for_width(968.0, 72.0, false).columns, 8);
        assert_eq!(KeypadSize::for_width(692.0, 72.0, true).columns, 4);
    }
}
