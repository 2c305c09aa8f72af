//! The kiosk's administrator PIN: Argon2id hashing and a rate limiter for wrong guesses.
//!
//! No egui and no clock of its own: time is passed in, so the rules are tested without
//! waiting. The PIN itself is never stored or logged; only its PHC-format hash lives in
//! the settings file (`admin_pin_hash`).

use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Shortest and longest PIN, in digits.
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=12;
/// Wrong PINs allowed before the prompt locks.
pub const FREE_ATTEMPTS: u32 = 3;
/// The first lock; each further wrong PIN doubles it, up to [`MAX_LOCK`].
pub const FIRST_LOCK: Duration = Duration::from_secs(30);
/// The longest lock.
pub const MAX_LOCK: Duration = Duration::from_mins(15);

/// Why a PIN cannot be set.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// Not 4–12 digits.
    #[error("the PIN must be 4 to 12 digits (0-9)")]
    Format,
    /// Hashing failed (should not happen).
    #[error("cannot hash the PIN: {0}")]
    Hash(String),
}

/// The Argon2id hash (PHC string) of a new PIN, after checking its form. One trailing
/// line break (from `echo`) is ignored.
pub fn hash_pin(pin: &str) -> Result<String, PinError> {
    let pin = pin
        .strip_suffix("\r\n")
        .or_else(|| pin.strip_suffix('\n'))
        .unwrap_or(pin);
    if !PIN_DIGITS.contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PinError::Format);
    }
    Argon2::default()
        .hash_password(pin.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| PinError::Hash(e.to_string()))
}

/// Whether `pin` matches `hash`. A malformed hash never matches.
pub fn verify_pin(pin: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(pin.as_bytes(), hash)
        .is_ok()
}

/// What the PIN prompt answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinCheck {
    /// Right: the administrator is in.
    Granted,
    /// Wrong; this many attempts are left before a lock.
    Wrong {
        /// Attempts left before the prompt locks.
        left: u32,
    },
    /// Locked (now or by this attempt) for this long; the PIN was not even checked.
    Locked {
        /// Time until the next attempt is allowed.
        remaining: Duration,
    },
    /// No PIN is configured: the administrator area cannot be opened from the kiosk.
    NotConfigured,
}

/// Counts wrong PINs and locks the prompt with a doubling delay.
#[derive(Clone, Debug, Default)]
pub struct PinGate {
    failures: u32,
    locked_until: Option<Duration>,
}

impl PinGate {
    /// Check `pin` against `hash` at time `now` (any monotonic clock).
    pub fn check(&mut self, pin: &str, hash: Option<&str>, now: Duration) -> PinCheck {
        if let Some(remaining) = self.remaining_lock(now) {
            return PinCheck::Locked { remaining };
        }
        let Some(hash) = hash else {
            return PinCheck::NotConfigured;
        };
        if verify_pin(pin, hash) {
            *self = PinGate::default();
            return PinCheck::Granted;
        }
        self.failures += 1;
        if self.failures < FREE_ATTEMPTS {
            return PinCheck::Wrong {
                left: FREE_ATTEMPTS - self.failures,
            };
        }
        let doublings = self.failures - FREE_ATTEMPTS;
        let lock = FIRST_LOCK
            .saturating_mul(2u32.saturating_pow(doublings.min(16)))
            .min(MAX_LOCK);
        self.locked_until = Some(now + lock);
        PinCheck::Locked { remaining: lock }
    }

    /// How long the prompt stays locked, if it is.
    pub fn remaining_lock(&self, now: Duration) -> Option<Duration> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| until.saturating_sub(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_4_to_12_digits_make_a_pin() {
        for bad in ["", "123", "12a4", "1234567890123", "12 34", "١٢٣٤"] {
            assert_eq!(hash_pin(bad), Err(PinError::Format), "{bad:?}");
        }
        let hash = hash_pin("2468\n").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("2468"));
        assert!(verify_pin("2468", &hash));
        assert!(!verify_pin("2469", &hash));
        assert!(!verify_pin("2468", "not a hash"));
    }

    #[test]
    fn wrong_pins_lock_the_prompt_with_a_doubling_delay() {
        let hash = hash_pin("1357").unwrap();
        let mut gate = PinGate::default();
        let t0 = Duration::from_secs(1000);
        assert_eq!(
            gate.check("0000", Some(&hash), t0),
            PinCheck::Wrong { left: 2 }
        );
        assert_eq!(
            gate.check("0000", Some(&hash), t0),
            PinCheck::Wrong { left: 1 }
        );
        assert_eq!(
            gate.check("0000", Some(&hash), t0),
            PinCheck::Locked {
                remaining: FIRST_LOCK
            }
        );
        // Even the right PIN is refused while locked.
        let t1 = t0 + Duration::from_secs(10);
        assert_eq!(
            gate.check("1357", Some(&hash), t1),
            PinCheck::Locked {
                remaining: Duration::from_secs(20)
            }
        );
        // After the lock, another wrong PIN locks for twice as long.
        let t2 = t0 + FIRST_LOCK;
        assert_eq!(
            gate.check("0000", Some(&hash), t2),
            PinCheck::Locked {
                remaining: FIRST_LOCK * 2
            }
        );
        let t3 = t2 + FIRST_LOCK * 2;
        assert_eq!(gate.check("1357", Some(&hash), t3), PinCheck::Granted);
        // Granted resets the count.
        assert_eq!(
            gate.check("0000", Some(&hash), t3),
            PinCheck::Wrong { left: 2 }
        );
    }

    #[test]
    fn no_configured_pin_never_grants() {
        let mut gate = PinGate::default();
        assert_eq!(
            gate.check("1234", None, Duration::ZERO),
            PinCheck::NotConfigured
        );
    }
}
