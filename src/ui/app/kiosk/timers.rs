//! The kiosk's timers, in one place: the idle warning and the idle reset, the thank-you
//! screen's own reset, and the cooldown after a rating that keeps a double tap from
//! starting the next one.
//!
//! No egui here: the times are the kiosk's clock ([`crate::ui::clock::Clock`]) read by
//! the caller and handed in, so the rules are tested below by moving numbers, and the
//! window's tests by moving a manual clock.

use std::time::Duration;

use crate::config::KioskOptions;

/// What the timers say at a moment: whether the patient is to be forgotten now, and
/// when to look again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tick {
    /// Forget the patient now, and why.
    pub reset: Option<Reset>,
    /// The next moment a timer changes what the screen shows (a countdown's next second,
    /// the warning's start, the cooldown's end).
    pub wake_at: Option<Duration>,
}

/// Why a timer forgets the patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reset {
    /// The thank-you screen has been shown for `thank_you_secs`.
    ThankYou,
    /// Nobody touched the terminal for `idle_secs` (the PIN prompt closes too).
    Idle,
}

/// The kiosk's timers.
#[derive(Clone, Copy, Debug)]
pub struct Timers {
    idle: Duration,
    warning: Duration,
    thank_you: Duration,
    cooldown: Duration,
    last_activity: Duration,
    thanked_at: Option<Duration>,
    cooldown_until: Duration,
}

impl Timers {
    /// The timers `options` set, starting at `now`.
    pub fn new(options: &KioskOptions, now: Duration) -> Timers {
        Timers {
            idle: Duration::from_secs(options.idle_secs),
            warning: Duration::from_secs(options.idle_warning_secs),
            thank_you: Duration::from_secs(options.thank_you_secs),
            cooldown: Duration::from_secs(options.cooldown_secs),
            last_activity: now,
            thanked_at: None,
            cooldown_until: Duration::ZERO,
        }
    }

    /// The durations `options` set, changed while the kiosk runs (the settings files
    /// changed): what was touched, thanked or cooled down stays.
    pub fn set_options(&mut self, options: &KioskOptions) {
        let fresh = Timers::new(options, self.last_activity);
        self.idle = fresh.idle;
        self.warning = fresh.warning;
        self.thank_you = fresh.thank_you;
        self.cooldown = fresh.cooldown;
    }

    /// Someone touched the terminal or typed at `now` (or pressed "I am still here").
    pub fn touched(&mut self, now: Duration) {
        self.last_activity = now;
    }

    /// A rating ended well at `now`: the thank-you screen's countdown and the cooldown
    /// start.
    pub fn thanked(&mut self, now: Duration) {
        self.thanked_at = Some(now);
        self.cooldown_until = now + self.cooldown;
    }

    /// Taps cannot start the next rating yet.
    pub fn cooling_down(&self, now: Duration) -> bool {
        now < self.cooldown_until
    }

    /// Whole seconds until the thank-you screen resets itself.
    pub fn thank_you_left(&self, now: Duration) -> u64 {
        let end = self.thanked_at.unwrap_or(now) + self.thank_you;
        ceil_secs(end.saturating_sub(now))
    }

    /// Whole seconds left before an idle screen is cleared, once the warning shows
    /// (`idle_secs - idle_warning_secs` after the last touch); `None` before.
    pub fn idle_warning(&self, now: Duration) -> Option<u64> {
        let idle = now.saturating_sub(self.last_activity);
        (idle >= self.warning_from()).then(|| ceil_secs(self.idle.saturating_sub(idle)))
    }

    /// How long until `idle_secs` have passed without a touch (zero once they have).
    pub fn idle_left(&self, now: Duration) -> Duration {
        (self.last_activity + self.idle).saturating_sub(now)
    }

    /// The timers at `now`, with the thank-you screen shown or not, and with something
    /// on screen that idling clears (`idle_applies`) or not.
    pub fn tick(&self, now: Duration, thank_you_shown: bool, idle_applies: bool) -> Tick {
        let mut tick = Tick::default();
        let mut wake = |at: Duration| {
            tick.wake_at = Some(tick.wake_at.map_or(at, |earlier: Duration| earlier.min(at)));
        };
        if thank_you_shown && let Some(thanked) = self.thanked_at {
            let end = thanked + self.thank_you;
            if now >= end {
                tick.reset = Some(Reset::ThankYou);
            } else {
                wake(next_second(now, end));
            }
        }
        if idle_applies {
            let idle = now.saturating_sub(self.last_activity);
            if idle >= self.idle {
                tick.reset = Some(Reset::Idle);
            } else if idle >= self.warning_from() {
                wake(next_second(now, self.last_activity + self.idle));
            } else {
                wake(self.last_activity + self.warning_from());
            }
        }
        if self.cooling_down(now) {
            wake(self.cooldown_until);
        }
        tick
    }

    fn warning_from(&self) -> Duration {
        self.idle.saturating_sub(self.warning)
    }
}

/// `d` in whole seconds, rounded up (a countdown shows 1 until it reaches 0).
pub fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// The next whole-second tick towards `end` (for a countdown), or `end` itself.
pub fn next_second(now: Duration, end: Duration) -> Duration {
    let left = end.saturating_sub(now);
    let fraction = Duration::from_nanos(u64::from(left.subsec_nanos()));
    if fraction.is_zero() {
        now + Duration::from_secs(1).min(left)
    } else {
        now + fraction
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// idle 90 s with a 20 s warning, thank-you 8 s, cooldown 2 s (the defaults).
    fn timers() -> Timers {
        Timers::new(&KioskOptions::default(), Duration::ZERO)
    }

    #[test]
    fn the_idle_warning_counts_down_and_then_the_screen_is_reset() {
        let mut t = timers();
        assert_eq!(t.idle_warning(secs(69.9)), None);
        assert_eq!(t.tick(secs(10.0), false, true).wake_at, Some(secs(70.0)));
        assert_eq!(t.idle_warning(secs(70.0)), Some(20));
        assert_eq!(t.idle_warning(secs(89.5)), Some(1));
        let warning = t.tick(secs(80.25), false, true);
        assert_eq!((warning.reset, warning.wake_at), (None, Some(secs(81.0))));
        assert_eq!(t.tick(secs(90.0), false, true).reset, Some(Reset::Idle));
        // Nothing to clear: no reset, no wake-up.
        assert_eq!(t.tick(secs(500.0), false, false), Tick::default());
        // A touch starts over.
        t.touched(secs(85.0));
        assert_eq!(t.idle_warning(secs(90.0)), None);
        assert_eq!(t.idle_left(secs(90.0)), secs(85.0));
        assert_eq!(t.idle_left(secs(200.0)), Duration::ZERO);
    }

    #[test]
    fn the_thank_you_screen_resets_itself_and_cools_down_first() {
        let mut t = timers();
        t.thanked(secs(100.0));
        assert!(t.cooling_down(secs(101.9)));
        assert!(!t.cooling_down(secs(102.0)));
        assert_eq!(t.thank_you_left(secs(100.0)), 8);
        assert_eq!(t.thank_you_left(secs(107.5)), 1);
        // The countdown's next second, the cooldown's end among them.
        assert_eq!(t.tick(secs(100.5), true, false).wake_at, Some(secs(101.0)));
        assert_eq!(t.tick(secs(101.5), true, false).wake_at, Some(secs(102.0)));
        assert_eq!(t.tick(secs(103.0), true, false).wake_at, Some(secs(104.0)));
        assert_eq!(t.tick(secs(107.9), true, false).reset, None);
        assert_eq!(
            t.tick(secs(108.0), true, false).reset,
            Some(Reset::ThankYou)
        );
        // Not on the thank-you screen: its countdown does not run.
        assert_eq!(t.tick(secs(108.0), false, false), Tick::default());
    }
}
