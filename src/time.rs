//! Time as the program records and shows it: milliseconds since the Unix epoch for the
//! outbox, the counters and the health report, Unix seconds for a token's expiry, and a
//! calendar date in UTC for people. Plain values: no words, no files.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `YYYY-MM-DD HH:MM UTC` for Unix seconds (the `time` crate's calendar; no time-zone
/// database). A time outside years -9999..=9999 (a token's `exp` given in milliseconds
/// by mistake, say) is shown as the bare number of seconds.
pub fn format_utc(unix: i64) -> String {
    match ::time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => format!("{unix} s since 1970 UTC"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_in_seconds_and_milliseconds_agree() {
        let (ms, secs) = (now_ms(), unix_now());
        assert!(ms > 1_600_000_000_000, "{ms}");
        assert!(
            (i64::try_from(ms / 1000).unwrap() - secs).abs() <= 1,
            "{ms} {secs}"
        );
    }
}
