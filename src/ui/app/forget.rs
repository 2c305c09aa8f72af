//! Forgetting a patient: the one place that says what a reset clears, and the filters
//! that keep typed text from leaking to the next person at the terminal.
//!
//! egui keeps a `TextEditState` (cursor and undo history) for every text field in its
//! memory for the life of the process, keyed by the field's id. Emptying our own
//! `String` does not touch it: Ctrl+Z in an emptied field brings the old text back. So
//! every reset goes through [`RatingApp::forget_patient`] (the form too) or
//! [`RatingApp::forget_typed_text`] (only the typed text: the PIN prompt and the token
//! field opening or closing), and both remove those states from memory — removed, not
//! given fresh ids, so memory does not grow with every patient.
//!
//! In kiosk mode, besides: undo/redo keys, copy, cut and middle-click paste never reach
//! a text field, labels cannot be selected, and nothing the window would put on the
//! clipboard or the X11 primary selection leaves it ([`RatingApp::privacy_input`] and
//! [`RatingApp::privacy_output`], run at the start and the end of every frame).

use egui::{Event, Key, OutputCommand};

use super::{RatingApp, Screen};

/// What the previous frame showed, to see the PIN prompt or the token field (on the
/// settings screen) open or close.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Shown {
    screen: Option<Screen>,
    pin_prompt: bool,
}

/// What forgetting typed text needs to know between frames.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Privacy {
    /// The window put text on the clipboard or the primary selection since the last
    /// reset (a desk only).
    clipboard_has_form_text: bool,
    /// What the last frame showed.
    shown: Shown,
}

impl RatingApp {
    /// Forget the patient: empty the form for the next one and focus the visit id (the
    /// state machine's [`super::Transition::NextPatient`] shows a kiosk's ready screen or
    /// the empty form). Every reset goes through here — "new rating", "start again",
    /// "done", the thank-you screen's own reset, the idle reset, back from the
    /// administrator's menu, leaving kiosk mode — and it clears:
    ///
    /// - the form: visit id, scores, remarks, "did not visit", the last answer shown;
    /// - everything [`RatingApp::forget_typed_text`] clears (egui's text-field states
    ///   with their undo history, the PIN prompt, the token field, the clipboard if it
    ///   holds text from the window);
    /// - in kiosk mode, keys typed ahead and not yet delivered to the form, and the
    ///   patient's own text size, contrast and language.
    pub(super) fn forget_patient(&mut self, ctx: &egui::Context) {
        self.screens.visit.form = super::FormState::default();
        self.screens.visit.last = None;
        self.screens.visit.saved_for_later = false;
        self.once.focus_visit_id = true;
        if let Some(kiosk) = &mut self.kiosk {
            kiosk.keyboard = crate::ui::keyboard::KeyboardState::default();
            // Keys typed ahead and not yet delivered (see `ui::type_ahead`) belonged to
            // the patient who walked away. At a desk they are the typist's next keys
            // (Enter on the thank-you screen, then the next visit id), and the PIN
            // typed right after Ctrl+Alt+A is the administrator's: those stay.
            self.type_ahead.clear();
        }
        self.forget_patient_choices();
        self.forget_typed_text(ctx);
    }

    /// Forget typed text without touching the form: run on every reset (through
    /// [`RatingApp::forget_patient`]) and whenever the PIN prompt or the token field
    /// opens or closes. It clears:
    ///
    /// - egui's state of every text field (visit id, remarks, PIN, token, settings):
    ///   cursor, selection and undo/redo history, removed from egui's memory;
    /// - the text of the PIN prompt and of the new-token field;
    /// - the clipboard and the primary selection, if the window put text there since the
    ///   last reset (a desk's copy; a kiosk never puts anything there).
    pub fn forget_typed_text(&mut self, ctx: &egui::Context) {
        ctx.data_mut(egui::util::IdTypeMap::remove_by_type::<egui::text_edit::TextEditState>);
        if let Some(kiosk) = &mut self.kiosk {
            kiosk.clear_pin_text();
        }
        self.token.forget_new_token();
        if std::mem::take(&mut self.privacy.clipboard_has_form_text) {
            ctx.copy_text(String::new());
            ctx.send_cmd(OutputCommand::TextSelectionSettled(String::new()));
        }
    }

    /// Start of a frame: forget typed text when the PIN prompt or the settings screen
    /// (with its token field) opened or closed since the last frame (whatever made it
    /// happen: a button, Ctrl+Alt+A, a granted PIN, the idle reset), and in kiosk mode
    /// drop undo/redo, copy, cut and middle-click paste before any field sees them.
    pub(super) fn privacy_input(&mut self, ui: &egui::Ui) {
        let now = Shown {
            screen: Some(self.screen),
            pin_prompt: self.kiosk.as_ref().is_some_and(super::Kiosk::prompt_open),
        };
        let before = std::mem::replace(&mut self.privacy.shown, now);
        let settings_toggled = before.screen.is_some()
            && matches!(before.screen, Some(Screen::Setup))
                != matches!(now.screen, Some(Screen::Setup));
        if settings_toggled || before.pin_prompt != now.pin_prompt {
            self.forget_typed_text(ui.ctx());
        }
        if before.pin_prompt && !now.pin_prompt && matches!(self.screen, Screen::Ready) {
            // Back to the patients' screen: ready for the next scan.
            self.once.focus_visit_id = true;
        }
        if self.kiosk.is_some() {
            ui.ctx()
                .input_mut(|i| i.events.retain(|e| !kiosk_refuses(e)));
        }
    }

    /// End of a frame: in kiosk mode nothing the window would copy (a selection, Ctrl+C)
    /// reaches the clipboard or the primary selection; at a desk, note that it did, so
    /// the next reset clears it.
    pub(super) fn privacy_output(&mut self, ctx: &egui::Context) {
        let kiosk = self.kiosk.is_some();
        let mut copied = false;
        ctx.output_mut(|o| {
            o.commands.retain(|command| match command {
                OutputCommand::CopyText(text) | OutputCommand::TextSelectionSettled(text) => {
                    if text.is_empty() {
                        return true;
                    }
                    copied = true;
                    !kiosk
                }
                _ => true,
            });
        });
        if copied && !kiosk {
            self.privacy.clipboard_has_form_text = true;
        }
    }
}

/// Input a kiosk never passes to a widget: undo and redo (Ctrl+Z, Ctrl+Y,
/// Ctrl+Shift+Z), copy, cut, and a middle-click paste of the primary selection.
fn kiosk_refuses(event: &Event) -> bool {
    match event {
        Event::Copy | Event::Cut | Event::MiddleClickPaste { .. } => true,
        Event::Key { key, modifiers, .. } => modifiers.command && matches!(key, Key::Z | Key::Y),
        _ => false,
    }
}
