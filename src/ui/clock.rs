//! The time the window's timers read (thank-you reset, idle warning, cooldown, PIN lock).
//!
//! In the product it is the monotonic system clock; tests use a manual clock and move it
//! forward, so a 90-second idle timeout is tested without waiting 90 seconds. The PIN
//! lock, which must survive a restart, reads [`Clock::wall`] (wall-clock time).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// A monotonic clock, as time elapsed since it was made.
#[derive(Clone, Debug)]
pub struct Clock(Source);

#[derive(Clone, Debug)]
enum Source {
    System(Instant),
    /// Time since it was made, and the wall-clock time it was made at.
    Manual(Arc<Mutex<Duration>>, Duration),
}

/// The wall-clock time a [`Clock::manual`] starts at (2027-01-15).
const MANUAL_WALL_START: Duration = Duration::from_hours(500_000);

impl Clock {
    /// The system's monotonic clock.
    pub fn system() -> Clock {
        Clock(Source::System(Instant::now()))
    }

    /// A clock that moves only when [`Clock::advance`] is called (tests).
    pub fn manual() -> Clock {
        Clock::manual_at(MANUAL_WALL_START)
    }

    /// A manual clock whose wall-clock time starts at `wall` (since the Unix epoch):
    /// a restarted program, or a clock set backwards (tests).
    pub fn manual_at(wall: Duration) -> Clock {
        Clock(Source::Manual(Arc::new(Mutex::new(Duration::ZERO)), wall))
    }

    /// Wall-clock time, since the Unix epoch (a clock before 1970 reads as 1970).
    pub fn wall(&self) -> Duration {
        match &self.0 {
            Source::System(_) => SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default(),
            Source::Manual(_, start) => *start + self.now(),
        }
    }

    /// Time since the clock was made.
    pub fn now(&self) -> Duration {
        match &self.0 {
            Source::System(start) => start.elapsed(),
            Source::Manual(now, _) => *now.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }

    /// Move a manual clock forward; a system clock ignores this.
    pub fn advance(&self, by: Duration) {
        if let Source::Manual(now, _) = &self.0 {
            *now.lock().unwrap_or_else(PoisonError::into_inner) += by;
        }
    }
}
