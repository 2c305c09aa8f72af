//! The kiosk's administrator PIN: Argon2id hashing and a rate limiter for wrong guesses.
//!
//! No egui and no clock of its own: time is passed in (wall-clock time, as a duration
//! since the Unix epoch), so the rules are tested without waiting. The PIN itself is
//! never stored or logged; only its PHC-format hash lives in the settings file
//! (`admin_pin_hash`).
//!
//! The count of wrong PINs and the lock survive a restart: [`PinGate`] is kept in
//! `pin-attempts.json` in the data folder (0600), with wall-clock times. A clock set
//! backwards never shortens a lock: before the lock's start, the whole lock is still
//! ahead.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Shortest and longest new PIN, in digits. (A hash of a shorter PIN set by an older
/// version still works; the administrator's menu suggests replacing it.)
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 6..=12;
/// The file in the data folder that keeps the wrong-PIN count and the lock.
pub const ATTEMPTS_FILE: &str = "pin-attempts.json";
/// Wrong PINs allowed before the prompt locks.
pub const FREE_ATTEMPTS: u32 = 3;
/// The first lock; each further wrong PIN doubles it, up to [`MAX_LOCK`].
pub const FIRST_LOCK: Duration = Duration::from_secs(30);
/// The longest lock.
pub const MAX_LOCK: Duration = Duration::from_mins(15);

/// Why a PIN cannot be set.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// Not 6–12 digits.
    #[error("the PIN must be 6 to 12 digits (0-9)")]
    Format,
    /// Hashing failed (should not happen).
    #[error("cannot hash the PIN")]
    Hash(#[source] argon2::password_hash::Error),
}

/// The Argon2id hash (PHC string) of a new PIN, after checking its form. One trailing
/// line break (from `echo`) is ignored.
pub fn hash_pin(pin: &str) -> Result<String, PinError> {
    crate::blocking::assert_may_block("hashing a PIN (Argon2id)");
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
        .map_err(PinError::Hash)
}

/// The most digits an entered PIN may have (a new one: [`PIN_DIGITS`]).
pub const MAX_PIN_DIGITS: usize = *PIN_DIGITS.end();

/// A PIN entered to be checked (`admin-pin check`): `text` without one trailing line
/// break, when it is 1 to [`MAX_PIN_DIGITS`] ASCII digits. Shorter than 6 digits is
/// allowed here: an older version's shorter PIN still opens the kiosk. `None` for
/// anything else, which no stored PIN can match.
pub fn entered_pin(text: &str) -> Option<&str> {
    let pin = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    (!pin.is_empty() && pin.len() <= MAX_PIN_DIGITS && pin.bytes().all(|b| b.is_ascii_digit()))
        .then_some(pin)
}

/// Whether `pin` matches `hash`. A malformed hash never matches.
pub fn verify_pin(pin: &str, hash: &str) -> bool {
    crate::blocking::assert_may_block("checking a PIN (Argon2id)");
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

/// Counts wrong PINs and locks the prompt with a doubling delay. Times are wall-clock
/// (durations since the Unix epoch), so the state means the same after a restart.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinGate {
    failures: u32,
    lock: Option<Lock>,
}

/// A lock: when it began and how long it lasts (milliseconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Lock {
    since_ms: u64,
    length_ms: u64,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl PinGate {
    /// Check `pin` against `hash` at wall-clock time `now` (Argon2id: blocks for a
    /// moment; the window runs [`verify_pin`] in a job and calls [`PinGate::settle`]).
    pub fn check(&mut self, pin: &str, hash: Option<&str>, now: Duration) -> PinCheck {
        if let Some(remaining) = self.remaining_lock(now) {
            return PinCheck::Locked { remaining };
        }
        self.settle(hash.map(|hash| verify_pin(pin, hash)), now)
    }

    /// Count an attempt whose PIN was already verified: `Some(matched)`, or `None` when
    /// no PIN is set. A lock in force wins over a match.
    pub fn settle(&mut self, verified: Option<bool>, now: Duration) -> PinCheck {
        if let Some(remaining) = self.remaining_lock(now) {
            return PinCheck::Locked { remaining };
        }
        let Some(matched) = verified else {
            return PinCheck::NotConfigured;
        };
        if matched {
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
        self.lock = Some(Lock {
            since_ms: millis(now),
            length_ms: millis(lock),
        });
        PinCheck::Locked { remaining: lock }
    }

    /// How long the prompt stays locked at wall-clock time `now`, if it is. A clock set
    /// back before the lock began leaves the whole lock ahead (never less).
    pub fn remaining_lock(&self, now: Duration) -> Option<Duration> {
        let lock = self.lock?;
        let now = millis(now);
        let left = if now < lock.since_ms {
            lock.length_ms
        } else {
            (lock.since_ms + lock.length_ms).saturating_sub(now)
        };
        (left > 0).then(|| Duration::from_millis(left))
    }

    /// The state kept in `path`: nothing yet (no file) is a fresh gate; a file that
    /// cannot be read or parsed counts as a fresh lock from `now`, so deleting or
    /// damaging it never buys attempts. The error is returned for the log.
    pub fn load(path: &Path, now: Duration) -> (PinGate, Option<String>) {
        crate::blocking::assert_may_block("reading the wrong-PIN record");
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (PinGate::default(), None);
            }
            Err(e) => return (PinGate::locked_from(now), Some(e.to_string())),
        };
        match serde_json::from_str(&text) {
            Ok(gate) => (gate, None),
            Err(e) => (PinGate::locked_from(now), Some(e.to_string())),
        }
    }

    fn locked_from(now: Duration) -> PinGate {
        PinGate {
            failures: FREE_ATTEMPTS,
            lock: Some(Lock {
                since_ms: millis(now),
                length_ms: millis(FIRST_LOCK),
            }),
        }
    }

    /// Keep the state in `path` (readable by the user only), replacing the file whole
    /// and durably ([`crate::private_fs::write`]).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        crate::blocking::assert_may_block("saving the wrong-PIN record");
        let text = serde_json::to_string(self).map_err(std::io::Error::other)?;
        crate::private_fs::write(path, text.as_bytes())
    }
}

/// `pin-attempts.json` in the data folder `data_dir`.
pub fn attempts_file(data_dir: &Path) -> PathBuf {
    data_dir.join(ATTEMPTS_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_6_to_12_digits_make_a_new_pin() {
        for bad in [
            "",
            "123",
            "2468",
            "12345",
            "12a456",
            "1234567890123",
            "123 456",
            "١٢٣٤٥٦",
        ] {
            assert_eq!(hash_pin(bad), Err(PinError::Format), "{bad:?}");
        }
        let hash = hash_pin("246813\n").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("246813"));
        assert!(verify_pin("246813", &hash));
        assert!(!verify_pin("246814", &hash));
        assert!(!verify_pin("246813", "not a hash"));
    }

    #[test]
    fn an_entered_pin_is_one_line_of_at_most_12_digits() {
        assert_eq!(entered_pin("246813\n"), Some("246813"));
        assert_eq!(entered_pin("2468\r\n"), Some("2468"));
        assert_eq!(entered_pin("123456789012"), Some("123456789012"));
        for junk in [
            "",
            "\n",
            "1234567890123",
            "246813\n\n",
            " 246813",
            "24681x",
            "246813\n246813\n",
            "١٢٣٤٥٦",
        ] {
            assert_eq!(entered_pin(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn a_clock_set_backwards_never_shortens_a_lock() {
        let hash = hash_pin("135799").unwrap();
        let mut gate = PinGate::default();
        let t0 = Duration::from_hours(500_000);
        for _ in 0..FREE_ATTEMPTS {
            gate.check("000000", Some(&hash), t0);
        }
        assert_eq!(gate.remaining_lock(t0), Some(FIRST_LOCK));
        // An hour back: the whole lock is still ahead, and the right PIN is refused.
        let back = t0.checked_sub(Duration::from_hours(1)).unwrap();
        assert_eq!(gate.remaining_lock(back), Some(FIRST_LOCK));
        assert!(matches!(
            gate.check("135799", Some(&hash), back),
            PinCheck::Locked { .. }
        ));
        assert_eq!(
            gate.remaining_lock(t0 + Duration::from_secs(10)),
            Some(Duration::from_secs(20))
        );
        assert_eq!(gate.remaining_lock(t0 + FIRST_LOCK), None);
    }

    #[test]
    fn the_count_and_the_lock_survive_a_restart_and_damage_locks() {
        let dir = tempfile::tempdir().unwrap();
        let path = attempts_file(dir.path());
        let t0 = Duration::from_hours(500_000);
        assert_eq!(PinGate::load(&path, t0), (PinGate::default(), None));
        let hash = hash_pin("135799").unwrap();
        let mut gate = PinGate::default();
        gate.check("000000", Some(&hash), t0);
        gate.check("000000", Some(&hash), t0);
        gate.save(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (mut again, error) = PinGate::load(&path, t0);
        assert_eq!(error, None);
        assert_eq!(
            again.check("000000", Some(&hash), t0),
            PinCheck::Locked {
                remaining: FIRST_LOCK
            },
            "the third wrong PIN, across a restart"
        );
        std::fs::write(&path, "{not json").unwrap();
        let (damaged, error) = PinGate::load(&path, t0);
        assert!(error.is_some());
        assert_eq!(damaged.remaining_lock(t0), Some(FIRST_LOCK));
    }

    #[test]
    fn wrong_pins_lock_the_prompt_with_a_doubling_delay() {
        let hash = hash_pin("135799").unwrap();
        let mut gate = PinGate::default();
        let t0 = Duration::from_secs(1000);
        assert_eq!(
            gate.check("000000", Some(&hash), t0),
            PinCheck::Wrong { left: 2 }
        );
        assert_eq!(
            gate.check("000000", Some(&hash), t0),
            PinCheck::Wrong { left: 1 }
        );
        assert_eq!(
            gate.check("000000", Some(&hash), t0),
            PinCheck::Locked {
                remaining: FIRST_LOCK
            }
        );
        // Even the right PIN is refused while locked.
        let t1 = t0 + Duration::from_secs(10);
        assert_eq!(
            gate.check("135799", Some(&hash), t1),
            PinCheck::Locked {
                remaining: Duration::from_secs(20)
            }
        );
        // After the lock, another wrong PIN locks for twice as long.
        let t2 = t0 + FIRST_LOCK;
        assert_eq!(
            gate.check("000000", Some(&hash), t2),
            PinCheck::Locked {
                remaining: FIRST_LOCK * 2
            }
        );
        let t3 = t2 + FIRST_LOCK * 2;
        assert_eq!(gate.check("135799", Some(&hash), t3), PinCheck::Granted);
        // Granted resets the count.
        assert_eq!(
            gate.check("000000", Some(&hash), t3),
            PinCheck::Wrong { left: 2 }
        );
    }

    #[test]
    fn no_configured_pin_never_grants() {
        let mut gate = PinGate::default();
        assert_eq!(
            gate.check("123456", None, Duration::ZERO),
            PinCheck::NotConfigured
        );
    }
}
