//! Restarting for a new version, never in the middle of a patient's rating.
//!
//! The package's maintainer scripts tell a running kiosk that a new version of the
//! program is installed (SIGUSR1, caught by [`crate::ui::jobs::RestartSignal`]; or
//! [`super::super::RatingApp::request_restart`]). The kiosk then waits until nobody is
//! using it — [`Occupancy::nobody_here`], asked at the end of every frame — and closes
//! its window with a clean exit; its unit (`Restart=always`) starts the new binary.
//! Ratings waiting to be sent are in the outbox on disk, and the background sender
//! finishes the round it is in before the process ends. A patient in the middle of a
//! rating finishes it (the thank-you screen, then the reset) or walks away (the idle
//! reset), and only then does the kiosk close.
//!
//! No egui here: the rule reads plain facts, so it is tested below on its own.

use crate::ui::app::Screen;
use crate::ui::jobs::RestartWatch;

/// The window's side of a restart for a new version.
#[derive(Debug, Default)]
pub struct Restart {
    /// SIGUSR1, when the window catches it (a real window; tests ask directly).
    pub watch: Option<RestartWatch>,
    /// A new version is installed: close once nobody is using the kiosk.
    pub requested: bool,
    /// The window was asked to close for it.
    pub closing: bool,
}

/// What the kiosk is doing at the end of a frame, as far as a restart cares.
// Independent facts about the screen, not a state machine in disguise.
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occupancy {
    /// The screen shown.
    pub screen: Screen,
    /// The form holds nothing: no visit id, no score, no remarks, "did not visit" unticked.
    pub form_empty: bool,
    /// A rating is being sent.
    pub sending: bool,
    /// A dialog is open over the screen (the PIN prompt) or the hidden corner is held.
    pub dialog_open: bool,
    /// Keys typed (or scanned) ahead of the screen wait to be delivered.
    pub keys_waiting: bool,
    /// The patient changed the text size, contrast or language for themselves.
    pub patient_choices: bool,
}

impl Occupancy {
    /// Nobody is using the kiosk: it is on its ready screen with an empty form (or says it
    /// is not configured, which no patient can use), nothing is being sent, no dialog is
    /// open, no keys are on their way and no patient made choices of their own. Every
    /// other screen belongs to a patient (the form, the thank-you screen) or to an
    /// administrator (the menu, the settings, the outbox, an import).
    pub fn nobody_here(self) -> bool {
        let idle_screen = match self.screen {
            Screen::Ready => self.form_empty,
            Screen::NotConfigured => true,
            Screen::Form
            | Screen::ThankYou
            | Screen::Admin
            | Screen::Setup
            | Screen::Outbox
            | Screen::Import => false,
        };
        idle_screen
            && !self.sending
            && !self.dialog_open
            && !self.keys_waiting
            && !self.patient_choices
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_rest(screen: Screen) -> Occupancy {
        Occupancy {
            screen,
            form_empty: true,
            sending: false,
            dialog_open: false,
            keys_waiting: false,
            patient_choices: false,
        }
    }

    #[test]
    fn only_an_empty_ready_screen_or_an_unconfigured_kiosk_is_free() {
        assert!(at_rest(Screen::Ready).nobody_here());
        assert!(at_rest(Screen::NotConfigured).nobody_here());
        for busy in [
            Screen::Form,
            Screen::ThankYou,
            Screen::Admin,
            Screen::Setup,
            Screen::Outbox,
            Screen::Import,
        ] {
            assert!(!at_rest(busy).nobody_here(), "{busy:?}");
        }
    }

    #[test]
    fn anything_a_patient_started_keeps_the_kiosk() {
        let ready = at_rest(Screen::Ready);
        let started = [
            Occupancy {
                form_empty: false,
                ..ready
            },
            Occupancy {
                sending: true,
                ..ready
            },
            Occupancy {
                dialog_open: true,
                ..ready
            },
            Occupancy {
                keys_waiting: true,
                ..ready
            },
            Occupancy {
                patient_choices: true,
                ..ready
            },
        ];
        for occupancy in started {
            assert!(!occupancy.nobody_here(), "{occupancy:?}");
        }
    }
}
