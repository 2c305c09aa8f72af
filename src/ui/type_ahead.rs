//! Type-ahead: every key lands in the widget the typist meant, however fast they type.
//!
//! egui handles all the events of a frame together and moves the keyboard focus only as
//! the frame is drawn, so a key that arrives in the same frame as a Tab (or the Enter of
//! a barcode scanner) would go to the widget the typist had already left: a digit meant
//! for the first star row would end up in the visit id. Native toolkits deliver keys
//! typed ahead in order, each to the widget focused at that moment; so do we.
//!
//! [`TypeAhead::feed`] runs before every frame (eframe's `raw_input_hook`; the UI tests
//! call it the same way, since `egui_kittest` does not run that hook) and rations the
//! frame's events:
//!
//! - a *boundary* is an event after which the focus or the screen may change: a key
//!   that moves the focus or acts (Tab, Shift+Tab, Enter, Escape, any chord with Ctrl,
//!   Alt or ⌘), a released mouse button or touch (a click can move the focus), or a
//!   screen reader's action. egui hands the focus on *within* the frame that sees a Tab
//!   (the next widget drawn takes it), and every widget sees all of a frame's events, so
//!   a boundary gets a frame of its own: a frame gets either the events before the first
//!   boundary, or that boundary alone; the rest waits, in order, for the next frames;
//! - while the window is not ready for keys (a rating is being sent, or a focus change
//!   asked for last frame has not landed yet) key events wait, and pointer events that
//!   come before any waiting key still pass;
//! - whatever waits asks for the next frame at once ([`TypeAhead::has_held`]); an idle
//!   window with nothing waiting paints nothing more than before.
//!
//! What is handed on still meets each field's own rules: the visit id and the remarks
//! stop at their limits (`char_limit`, see `ui::app::form`) whatever the frame.
//!
//! Nothing is dropped here: only [`TypeAhead::clear`] drops what waits, which the app
//! calls when it forgets a patient, or when a sent rating comes back with an answer the
//! typist must read first (so that keys meant for the next form never land in this one).
//!
//! A slow typist or a mouse user sees no difference: one key per frame is exactly what
//! they produce anyway.

use std::collections::VecDeque;

use egui::{Event, Key};

/// Keys typed ahead of the screen, waiting for the frame they belong to.
#[derive(Debug, Default)]
pub struct TypeAhead {
    /// Events held back, oldest first.
    held: VecDeque<Event>,
    /// How many events the last call handed on.
    handed_on: usize,
    /// Whether a frame has drawn the events last handed on. eframe keeps the input of a
    /// frame that ran only the app's logic (a minimised window) and offers it again,
    /// ahead of anything new: those events must stay ahead of the ones held here.
    drawn: bool,
}

impl TypeAhead {
    /// Ration `events` (this frame's, as they arrived) for this frame: afterwards it holds
    /// what the frame may see; the rest is kept, in order, for the next frames.
    /// `ready` is false while keys must wait (see the module docs).
    pub fn feed(&mut self, events: &mut Vec<Event>, ready: bool) {
        let incoming = std::mem::take(events);
        let mut queue: VecDeque<Event> = VecDeque::with_capacity(self.held.len() + incoming.len());
        let mut incoming = incoming.into_iter();
        if !self.drawn {
            // Offered again by eframe: they were ahead of everything held.
            queue.extend(incoming.by_ref().take(self.handed_on));
        }
        queue.extend(self.held.drain(..));
        queue.extend(incoming);

        if ready {
            let cut = match queue.iter().position(is_boundary) {
                // A boundary goes alone: egui hands the focus on within the frame that
                // sees the Tab, and every widget sees all of a frame's events, so a key
                // beside it (before or after) would reach the next widget too.
                Some(0) => 1,
                Some(at) => at,
                None => queue.len(),
            };
            self.held = queue.split_off(cut);
            events.extend(queue);
        } else {
            // Keys wait; so does anything that must not overtake a waiting key.
            let mut waiting = false;
            for event in queue {
                if is_keyboard(&event) || (waiting && is_boundary(&event)) {
                    waiting = true;
                    self.held.push_back(event);
                } else {
                    events.push(event);
                }
            }
        }
        self.handed_on = events.len();
        self.drawn = false;
    }

    /// A frame has been drawn with the events last handed on.
    pub fn drawn(&mut self) {
        self.drawn = true;
    }

    /// Something waits for a later frame (ask for one at once).
    pub fn has_held(&self) -> bool {
        !self.held.is_empty()
    }

    /// Drop everything that waits: the keys were meant for a form that no longer exists.
    pub fn clear(&mut self) {
        self.held.clear();
    }
}

/// An event after which the focus or the screen may have changed, so that the events
/// behind it must wait for the next frame.
pub fn is_boundary(event: &Event) -> bool {
    match event {
        Event::Key {
            key,
            pressed: true,
            modifiers,
            ..
        } => {
            matches!(key, Key::Tab | Key::Enter | Key::Escape)
                || modifiers.ctrl
                || modifiers.alt
                || modifiers.command
                || modifiers.mac_cmd
        }
        Event::PointerButton { pressed: false, .. } | Event::AccessKitActionRequest(_) => true,
        _ => false,
    }
}

/// An event that goes to the widget with the keyboard focus.
pub fn is_keyboard(event: &Event) -> bool {
    matches!(
        event,
        Event::Key { .. }
            | Event::Text(_)
            | Event::Paste(_)
            | Event::Copy
            | Event::Cut
            | Event::Ime(_)
            | Event::ModifiersChanged(_)
    )
}

#[cfg(test)]
mod tests {
    use egui::{Modifiers, PointerButton, Pos2};

    use super::*;

    fn key(key: Key, modifiers: Modifiers) -> Event {
        Event::Key {
            key,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers,
        }
    }

    fn text(s: &str) -> Event {
        Event::Text(s.to_owned())
    }

    fn click_release() -> Event {
        Event::PointerButton {
            pos: Pos2::ZERO,
            button: PointerButton::Primary,
            pressed: false,
            modifiers: Modifiers::NONE,
        }
    }

    /// Feed `events` as one burst, then empty frames until nothing waits; the frames.
    fn frames(type_ahead: &mut TypeAhead, events: Vec<Event>) -> Vec<Vec<Event>> {
        let mut frames = Vec::new();
        let mut next = events;
        loop {
            type_ahead.feed(&mut next, true);
            type_ahead.drawn();
            frames.push(std::mem::take(&mut next));
            if !type_ahead.has_held() {
                return frames;
            }
        }
    }

    #[test]
    fn one_focus_moving_key_per_frame_in_order() {
        let burst = vec![
            text("a"),
            text("b"),
            key(Key::Tab, Modifiers::NONE),
            text("5"),
            key(Key::Tab, Modifiers::SHIFT),
            text("4"),
            key(Key::Enter, Modifiers::COMMAND),
            text("x"),
        ];
        let frames = frames(&mut TypeAhead::default(), burst.clone());
        // Each boundary alone, each run of plain keys together.
        let mut expected: Vec<Vec<Event>> = burst.iter().map(|e| vec![e.clone()]).collect();
        expected.splice(0..2, [burst[..2].to_vec()]);
        assert_eq!(frames, expected);
        assert_eq!(frames.concat(), burst, "none dropped, none reordered");
    }

    #[test]
    fn a_frame_without_boundaries_passes_whole() {
        let mut type_ahead = TypeAhead::default();
        let mut events = vec![text("1"), text("2"), key(Key::ArrowLeft, Modifiers::NONE)];
        let before = events.clone();
        type_ahead.feed(&mut events, true);
        assert_eq!(events, before);
        assert!(!type_ahead.has_held());
    }

    #[test]
    fn held_keys_go_before_new_ones() {
        let mut type_ahead = TypeAhead::default();
        let mut events = vec![key(Key::Tab, Modifiers::NONE), text("1"), text("2")];
        type_ahead.feed(&mut events, true);
        assert_eq!(events, vec![key(Key::Tab, Modifiers::NONE)]);
        type_ahead.drawn();
        let mut events = vec![text("3")];
        type_ahead.feed(&mut events, true);
        assert_eq!(events, vec![text("1"), text("2"), text("3")]);
    }

    #[test]
    fn keys_wait_while_not_ready_and_pointer_moves_pass() {
        let mut type_ahead = TypeAhead::default();
        let moved = Event::PointerMoved(Pos2::new(1.0, 2.0));
        let mut events = vec![
            click_release(),
            text("7"),
            moved.clone(),
            click_release(),
            text("8"),
        ];
        type_ahead.feed(&mut events, false);
        // The click before any key passes; the one after a waiting key waits.
        assert_eq!(events, vec![click_release(), moved]);
        type_ahead.drawn();
        for frame in [vec![text("7")], vec![click_release()], vec![text("8")]] {
            type_ahead.drawn();
            let mut events = Vec::new();
            type_ahead.feed(&mut events, true);
            assert_eq!(events, frame);
        }
        assert!(!type_ahead.has_held());
    }

    #[test]
    fn input_offered_again_after_a_logic_only_frame_stays_ahead() {
        let mut type_ahead = TypeAhead::default();
        let mut events = vec![text("a"), key(Key::Tab, Modifiers::NONE), text("b")];
        type_ahead.feed(&mut events, true);
        // No frame drew them: eframe offers the same events again, then new ones.
        let mut again = events.clone();
        again.push(text("c"));
        type_ahead.feed(&mut again, true);
        assert_eq!(again, vec![text("a")]);
        for frame in [
            vec![key(Key::Tab, Modifiers::NONE)],
            vec![text("b"), text("c")],
        ] {
            type_ahead.drawn();
            let mut events = Vec::new();
            type_ahead.feed(&mut events, true);
            assert_eq!(events, frame);
        }
    }

    #[test]
    fn plain_keys_are_not_boundaries_but_chords_are() {
        assert!(!is_boundary(&key(Key::Num5, Modifiers::NONE)));
        assert!(!is_boundary(&key(Key::A, Modifiers::SHIFT)));
        assert!(is_boundary(&key(Key::A, Modifiers::CTRL | Modifiers::ALT)));
        assert!(is_boundary(&key(Key::Escape, Modifiers::NONE)));
        assert!(!is_boundary(&text("\t")));
    }

    #[test]
    fn clear_drops_what_waits() {
        let mut type_ahead = TypeAhead::default();
        let mut events = vec![key(Key::Enter, Modifiers::NONE), text("next")];
        type_ahead.feed(&mut events, true);
        assert!(type_ahead.has_held());
        type_ahead.clear();
        assert!(!type_ahead.has_held());
    }
}
