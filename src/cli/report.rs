//! What a command reports: the documented exit codes (decided here and nowhere else),
//! the outcome of a sent rating for people and as JSON, and the two output streams.
//!
//! Output goes through [`out!`](crate::out) and [`err!`](crate::err), or the streams of
//! [`stdout`] and [`stderr`], never `println!`: `visit-rating outbox list | head` closes
//! standard output early, and `println!` would panic there. A closed pipe ends the output
//! quietly; any other write error is said once on standard error.
//!
//! Everything written through them passes [`safe_text::lines`](crate::safe_text::lines):
//! a server's message or a file's cell that carries terminal escapes (clear the screen,
//! retitle the window, plant a link) or bidi overrides reaches the terminal escaped
//! (`\u{1b}`), whichever sentence it ended up in. `--json` lines are made safe before, with
//! [`safe_text::json`](crate::safe_text::json), so they stay valid JSON.

use std::io::Write;

use crate::api::{Outcome, OutcomeKind};
use crate::health::Verdict;
use crate::i18n::I18n;
use crate::secrets::SecretsError;

/// Write one line to standard output; a closed pipe ends the output quietly.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::report::write_line(false, format_args!($($arg)*))
    };
}

/// Write one line to standard error; a closed pipe ends the output quietly.
#[macro_export]
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::cli::report::write_line(true, format_args!($($arg)*))
    };
}

/// The one writer behind [`out!`](crate::out) and [`err!`](crate::err).
pub fn write_line(to_stderr: bool, args: std::fmt::Arguments<'_>) {
    let written = if to_stderr {
        writeln!(stderr(), "{args}")
    } else {
        writeln!(stdout(), "{args}")
    };
    report_write_error(written);
}

/// Write `text` (no line added) to standard output, like [`out!`](crate::out).
pub fn write_raw(text: &str) {
    report_write_error(stdout().write_all(text.as_bytes()));
}

/// Standard output, locked, made safe for a terminal ([`SafeStream`]).
pub fn stdout() -> SafeStream<std::io::StdoutLock<'static>> {
    SafeStream::new(std::io::stdout().lock())
}

/// Standard error, locked, made safe for a terminal ([`SafeStream`]).
pub fn stderr() -> SafeStream<std::io::StderrLock<'static>> {
    SafeStream::new(std::io::stderr().lock())
}

/// A stream that writes each line through
/// [`safe_text::lines`](crate::safe_text::lines): control characters other than line
/// breaks and tabs, and bidi overrides, come out escaped. Text is held until its line
/// ends (so a character split between two writes is escaped whole), then written;
/// the rest is written on [`flush`](Write::flush) or drop.
pub struct SafeStream<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> SafeStream<W> {
    /// `inner`, made safe.
    pub fn new(inner: W) -> SafeStream<W> {
        SafeStream {
            inner,
            pending: Vec::new(),
        }
    }

    fn write_through(&mut self, end: usize) -> std::io::Result<()> {
        let bytes: Vec<u8> = self.pending.drain(..end).collect();
        let text = String::from_utf8_lossy(&bytes);
        self.inner
            .write_all(crate::safe_text::lines(&text).as_bytes())
    }
}

impl<W: Write> Write for SafeStream<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(last) = self.pending.iter().rposition(|&b| b == b'\n') {
            self.write_through(last + 1)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            self.write_through(self.pending.len())?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for SafeStream<W> {
    fn drop(&mut self) {
        // A failed write here has nowhere to be reported but where it failed.
        let _ = self.flush();
    }
}

fn report_write_error(written: std::io::Result<()>) {
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        let _ = writeln!(
            std::io::stderr().lock(),
            "visit-rating: cannot write the output: {e}"
        );
    }
}

/// The documented exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// The server accepted the rating (or the command succeeded).
    Ok = 0,
    /// Something went wrong that is not one of the cases below (I/O, a bug).
    Failure = 1,
    /// Invalid input or settings: nothing was sent.
    Invalid = 2,
    /// The server rejected the rating (an error other than the ones below).
    Rejected = 3,
    /// A token or access problem: none configured, the server answered
    /// 5007/5008/5009/5010, or the server or a gateway refused the request (401/403 that
    /// is not the error model).
    Token = 4,
    /// A transient failure: network, timeout, 5xx, an unreadable answer.
    Transient = 5,
    /// The server already has a rating for this visit (5030).
    AlreadyRecorded = 6,
    /// The keyring is not available: no Secret Service, locked, access denied.
    Keyring = 7,
    /// The window: no display to open it on (none named in `DISPLAY`, `WAYLAND_DISPLAY`
    /// or `WAYLAND_SOCKET`), or the one named cannot be reached.
    NoDisplay = 8,
    /// `status`: works now, but someone should look soon.
    Warning = 10,
    /// `status`: ratings cannot be delivered until someone acts.
    Broken = 11,
    /// `status`: something could not be read, so the state is not known.
    CouldNotCheck = 12,
    /// `admin-pin check`: the PIN does not match the administrator PIN in force.
    PinMismatch = 13,
    /// `admin-pin check`: no administrator PIN is set.
    NoPin = 14,
}

impl Exit {
    /// The code for an outcome.
    pub fn for_outcome(kind: OutcomeKind) -> Exit {
        match kind {
            OutcomeKind::Accepted => Exit::Ok,
            OutcomeKind::AlreadyRecorded => Exit::AlreadyRecorded,
            OutcomeKind::Unauthorized(_) | OutcomeKind::Refused => Exit::Token,
            OutcomeKind::Rejected => Exit::Rejected,
            OutcomeKind::Transient => Exit::Transient,
        }
    }
}

impl Exit {
    /// The code for a token that could not be stored, read or removed.
    pub fn for_secrets(e: &SecretsError) -> Exit {
        use SecretsError as E;
        match e {
            E::NoToken { .. } => Exit::Token,
            E::BadToken(_) | E::BadEnvToken(_) | E::TooLong { .. } | E::TokenFile { .. } => {
                Exit::Invalid
            }
            E::NoSecretService { .. }
            | E::Locked { .. }
            | E::AccessDenied { .. }
            | E::Corrupt { .. }
            | E::Other(_) => Exit::Keyring,
        }
    }

    /// The code of `status` for its verdict.
    pub fn for_verdict(verdict: Verdict) -> Exit {
        match verdict {
            Verdict::Healthy => Exit::Ok,
            Verdict::Warning => Exit::Warning,
            Verdict::Broken => Exit::Broken,
            Verdict::CouldNotCheck => Exit::CouldNotCheck,
        }
    }

    /// The code for many ratings sent at once (`outbox flush`, `import`): the most
    /// pressing of what is left, in this order — a token problem, ratings waiting to be
    /// sent again, ratings another process is sending, rejected ratings, invalid rows.
    pub fn for_batch(left: &Batch) -> Exit {
        if left.token_problem {
            Exit::Token
        } else if left.waiting {
            Exit::Transient
        } else if left.in_flight {
            Exit::Failure
        } else if left.rejected {
            Exit::Rejected
        } else if left.invalid {
            Exit::Invalid
        } else {
            Exit::Ok
        }
    }
}

/// What a batch of ratings left behind, for [`Exit::for_batch`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
// One flag per kind of leftover, read in a fixed order.
#[allow(clippy::struct_excessive_bools)]
pub struct Batch {
    /// Sending stopped on a token problem or a refusal.
    pub token_problem: bool,
    /// Ratings wait to be sent again (network, server errors).
    pub waiting: bool,
    /// Ratings are being sent by another process right now.
    pub in_flight: bool,
    /// Ratings were rejected, or wait for another server.
    pub rejected: bool,
    /// Rows were left out as invalid (import).
    pub invalid: bool,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> std::process::ExitCode {
        std::process::ExitCode::from(exit as u8)
    }
}

/// A `--json` document as one line, with the characters a terminal would act on written
/// as JSON escapes ([`safe_text::json`](crate::safe_text::json)): the same value.
pub fn json_line(value: &impl serde::Serialize) -> String {
    // Our `--json` types have string keys only: serializing them cannot fail.
    let text = serde_json::to_string(value).unwrap_or_default();
    crate::safe_text::json(&text).into_owned()
}

/// The one JSON object `--json` prints for an answer, under the name `name`.
pub fn outcome_json<'a>(name: &'a str, outcome: &'a Outcome) -> super::json::Answer<'a> {
    super::json::Answer::new(name, outcome)
}

/// The human report: what happened, the server's words verbatim, the detail, what to do.
pub fn human_outcome(i18n: &I18n, outcome: &Outcome) -> String {
    human_words(&i18n.outcome_words(outcome))
}

/// An outcome's words as the human report prints them, a part a line.
pub fn human_words(words: &crate::i18n::OutcomeWords) -> String {
    words.lines().collect::<Vec<_>>().join("\n")
}
