//! The time the window's timers read (thank-you reset, idle warning, cooldown, PIN lock).
//!
//! In the product it is the monotonic system clock; tests use a manual clock and move it
//! forward, so a 90-second idle timeout is tested without waiting 90 seconds.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A monotonic clock, as time elapsed since it was made.
#[derive(Clone, Debug)]
pub struct Clock(Source);

#[derive(Clone, Debug)]
enum Source {
    System(Instant),
    Manual(Arc<Mutex<Duration>>),
}

impl Clock {
    /// The system's monotonic clock.
    pub fn system() -> Clock {
        Clock(Source::System(Instant::now()))
    }

    /// A clock that moves only when [`Clock::advance`] is called (tests).
    pub fn manual() -> Clock {
        Clock(Source::Manual(Arc::new(Mutex::new(Duration::ZERO))))
    }

    /// Time since the clock was made.
    pub fn now(&self) -> Duration {
        match &self.0 {
            Source::System(start) => start.elapsed(),
            Source::Manual(now) => *now.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }

    /// Move a manual clock forward; a system clock ignores this.
    pub fn advance(&self, by: Duration) {
        if let Source::Manual(now) = &self.0 {
            *now.lock().unwrap_or_else(PoisonError::into_inner) += by;
        }
    }
}
