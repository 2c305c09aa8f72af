//! Kept data stays bounded: what this program keeps after a rating is delivered is
//! pruned to `retention_days` (default 90).
//!
//! Pruned, in the data folder:
//! - `sent.log`: its lines (time, visit id, scores, outcome of each delivered rating)
//!   older than `retention_days`;
//! - `logs/visit-rating.*.log`: files last written before then (the log keeps at most 14
//!   files anyway; the newest, being written, always stays);
//! - the files `outbox export` wrote (recorded in `exports.json` as they are written):
//!   removed once older than `retention_days`, if still there.
//!
//! Never pruned: the outbox and `outbox/damaged/` — nothing undelivered is ever dropped
//! automatically; staff export or discard those on purpose.
//!
//! `retention_days = 0` keeps nothing beyond delivery: the sent log is emptied, older
//! log files and exports go at the next check. A check runs when a process starts (at
//! most once a day: a stamp file `.retention-checked`, `0600`, remembers the last one; a
//! clock set back makes it due at once) and daily in a running window.
//!
//! No egui here, and nothing that blocks the UI thread is called from it directly: the
//! window runs [`prune_if_due`] on a thread of its own.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The default for `retention_days`.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;
/// How often a check is due.
pub const CHECK_EVERY: Duration = Duration::from_hours(24);

const SENT_LOG: &str = "sent.log";
const SENT_LOG_LOCK: &str = "sent.log.lock";
const EXPORTS: &str = "exports.json";
const STAMP: &str = ".retention-checked";
const LOG_DIR: &str = "logs";
const LOG_PREFIX: &str = "visit-rating.";
const LOG_SUFFIX: &str = ".log";

/// What one check removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Lines dropped from the sent log.
    pub sent_log_lines: usize,
    /// Log files removed.
    pub log_files: usize,
    /// Exported files removed.
    pub exports: usize,
}

/// An export this program wrote, remembered so that it can be pruned.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ExportRecord {
    path: PathBuf,
    time_ms: u64,
}

/// What became of a rating the sent log records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SentOutcome {
    /// The server stored it.
    Accepted,
    /// 5030: the server had a rating for this visit already.
    AlreadyRecorded,
    /// It needed attention, and another rating for the same visit was delivered.
    Superseded,
    /// A person replaced it with a corrected rating.
    Replaced,
    /// A person discarded it.
    Discarded,
    /// A word this version does not know (a newer version wrote the line), or none:
    /// read, never written.
    #[default]
    #[serde(other)]
    Other,
}

impl SentOutcome {
    /// The server has the rating.
    pub fn is_delivered(self) -> bool {
        match self {
            SentOutcome::Accepted | SentOutcome::AlreadyRecorded => true,
            SentOutcome::Superseded
            | SentOutcome::Replaced
            | SentOutcome::Discarded
            | SentOutcome::Other => false,
        }
    }
}

/// One line of the sent log (`sent.log`, JSON lines): time, visit id, scores and what
/// happened — never the remarks. Written by the outbox, read by [`prune`] (its time)
/// and by an import (which visits were delivered). The fields are in the order they
/// are written (alphabetical, as the log has always been).
///
/// Only the time is required to read a line: a line missing the rest (written by hand,
/// or cut down by a tool) still has an age, and is pruned when it is old enough.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentLogLine {
    /// "Did not visit".
    #[serde(default)]
    pub didnt_visit: bool,
    /// The HTTP status of the answer, when there was one.
    pub http_status: Option<u16>,
    /// The server's `message_code`, verbatim (bounded).
    pub message_code: Option<String>,
    /// What happened.
    #[serde(default)]
    pub outcome: SentOutcome,
    /// The four scores, 1–5.
    #[serde(default)]
    pub scores: [u8; 4],
    /// When, Unix milliseconds.
    pub time_ms: u64,
    /// The visit id.
    #[serde(default)]
    pub visit_id: String,
}

impl SentLogLine {
    /// The line as written to the log, newline included.
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }

    /// A line of the log, or `None` when it is not one (damaged, or not JSON).
    pub fn parse(line: &str) -> Option<SentLogLine> {
        serde_json::from_str(line).ok()
    }
}

/// The oldest time kept: `now` less `days`.
fn cutoff(now: SystemTime, days: u32) -> SystemTime {
    now.checked_sub(Duration::from_hours(24) * days)
        .unwrap_or(UNIX_EPOCH)
}

fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Prune everything kept in `data_dir` to `days`, as of `now`.
pub fn prune(data_dir: &Path, days: u32, now: SystemTime) -> io::Result<Pruned> {
    crate::blocking::assert_may_block("pruning kept data");
    let cutoff = cutoff(now, days);
    Ok(Pruned {
        sent_log_lines: prune_sent_log(data_dir, millis(cutoff))?,
        log_files: prune_logs(&data_dir.join(LOG_DIR), cutoff)?,
        exports: prune_exports(data_dir, millis(cutoff))?,
    })
}

/// [`prune`], if the last check is a day old (or in the future: a clock set back), and
/// remember this one in the stamp file, `0600` like everything in the data folder (one
/// an older version left readable by others is tightened, due or not). `None` when it
/// was not due.
pub fn prune_if_due(data_dir: &Path, days: u32, now: SystemTime) -> io::Result<Option<Pruned>> {
    crate::blocking::assert_may_block("pruning kept data");
    let stamp = data_dir.join(STAMP);
    if stamp.exists() {
        crate::private_fs::make_private(&stamp)?;
    }
    let due = match fs::metadata(&stamp).and_then(|m| m.modified()) {
        Ok(last) => match now.duration_since(last) {
            Ok(since) => since >= CHECK_EVERY,
            Err(_) => true,
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => true,
        Err(e) => return Err(e),
    };
    if !due {
        return Ok(None);
    }
    let pruned = prune(data_dir, days, now)?;
    if !data_dir.exists() {
        return Ok(Some(pruned));
    }
    let file = crate::private_fs::open_private(
        &stamp,
        fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true),
    )?;
    file.set_modified(now)?;
    Ok(Some(pruned))
}

/// Append one line to the sent log (created `0600`), under the lock that pruning takes,
/// so that a line written while the log is being pruned is never lost.
pub fn append_sent_line(data_dir: &Path, line: &str) -> io::Result<()> {
    append_sent_lines(data_dir, &format!("{line}\n"))
}

/// Append `lines` (each ending in a newline) to the sent log in one write, under the
/// same lock.
pub fn append_sent_lines(data_dir: &Path, lines: &str) -> io::Result<()> {
    crate::blocking::assert_may_block("writing the sent log");
    let _lock = lock(data_dir)?;
    crate::private_fs::append(&data_dir.join(SENT_LOG), lines.as_bytes())
}

/// The sent log's lock (a file beside it: the log itself is replaced when pruned).
fn lock(data_dir: &Path) -> io::Result<File> {
    crate::private_fs::lock(&data_dir.join(SENT_LOG_LOCK))
}

/// Drop the sent log's lines older than `cutoff_ms`. A line that cannot be read as a
/// [`SentLogLine`] is kept (its age is unknown), and counted nowhere.
fn prune_sent_log(data_dir: &Path, cutoff_ms: u64) -> io::Result<usize> {
    let path = data_dir.join(SENT_LOG);
    if !path.exists() {
        return Ok(0);
    }
    let _lock = lock(data_dir)?;
    let mut kept = Vec::new();
    let mut dropped = 0;
    for line in BufReader::new(File::open(&path)?).lines() {
        let line = line?;
        match SentLogLine::parse(&line).map(|l| l.time_ms) {
            Some(t) if t < cutoff_ms => dropped += 1,
            _ => kept.push(line),
        }
    }
    if dropped > 0 {
        let mut text = kept.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        crate::private_fs::write(&path, text.as_bytes())?;
    }
    Ok(dropped)
}

/// Remove log files last written before `cutoff`, except the newest.
fn prune_logs(dir: &Path, cutoff: SystemTime) -> io::Result<usize> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut logs = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(LOG_PREFIX) && name.ends_with(LOG_SUFFIX) {
            let meta = entry.metadata()?;
            if meta.is_file() {
                logs.push((meta.modified()?, entry.path()));
            }
        }
    }
    logs.sort();
    logs.pop(); // the newest is being written
    let mut removed = 0;
    for (modified, path) in logs {
        if modified < cutoff {
            fs::remove_file(path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Remember that `path` was written by `outbox export` (it holds remarks), so that it
/// is pruned with the rest.
pub fn record_export(data_dir: &Path, path: &Path, now: SystemTime) -> io::Result<()> {
    crate::blocking::assert_may_block("recording an export");
    let mut records = read_exports(data_dir)?;
    let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    records.retain(|r| r.path != path);
    records.push(ExportRecord {
        path,
        time_ms: millis(now),
    });
    write_exports(data_dir, &records)
}

fn read_exports(data_dir: &Path) -> io::Result<Vec<ExportRecord>> {
    match fs::read(data_dir.join(EXPORTS)) {
        // A damaged list forgets nothing on disk: it is started again.
        Ok(bytes) => Ok(serde_json::from_slice(&bytes).unwrap_or_default()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

fn write_exports(data_dir: &Path, records: &[ExportRecord]) -> io::Result<()> {
    crate::private_fs::create_dir(data_dir)?;
    let bytes = serde_json::to_vec_pretty(records).map_err(io::Error::other)?;
    crate::private_fs::write(&data_dir.join(EXPORTS), &bytes)
}

/// Remove the exports written before `cutoff_ms` (a regular file still at its path),
/// and forget them.
fn prune_exports(data_dir: &Path, cutoff_ms: u64) -> io::Result<usize> {
    let records = read_exports(data_dir)?;
    if records.is_empty() {
        return Ok(0);
    }
    let (old, young): (Vec<_>, Vec<_>) = records.into_iter().partition(|r| r.time_ms < cutoff_ms);
    if old.is_empty() {
        return Ok(0);
    }
    let mut removed = 0;
    for record in old {
        if fs::symlink_metadata(&record.path).is_ok_and(|m| m.is_file()) {
            fs::remove_file(&record.path)?;
            removed += 1;
        }
    }
    write_exports(data_dir, &young)?;
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY_MS: u64 = 86_400_000;

    fn at(days: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_hours(24) * u32::try_from(days).unwrap()
    }

    fn sent_line(time_ms: u64, visit: &str) -> String {
        serde_json::json!({"time_ms": time_ms, "visit_id": visit, "scores": [5, 4, 3, 2]})
            .to_string()
    }

    #[test]
    fn a_line_written_by_earlier_versions_reads_and_is_written_the_same() {
        // As `json!` wrote it before the line had a type (keys sorted).
        let earlier = r#"{"didnt_visit":false,"http_status":200,"message_code":null,"outcome":"already_recorded","scores":[5,4,3,2],"time_ms":1764968000123,"visit_id":"2024-000123"}"#;
        let line = SentLogLine::parse(earlier).unwrap();
        assert_eq!(line.outcome, SentOutcome::AlreadyRecorded);
        assert!(line.outcome.is_delivered());
        assert_eq!(
            (line.time_ms, line.visit_id.as_str()),
            (1_764_968_000_123, "2024-000123")
        );
        assert_eq!(line.to_line(), format!("{earlier}\n"));
        for (word, outcome) in [
            ("accepted", SentOutcome::Accepted),
            ("superseded", SentOutcome::Superseded),
            ("replaced", SentOutcome::Replaced),
            ("discarded", SentOutcome::Discarded),
        ] {
            let text = earlier.replace("already_recorded", word);
            assert_eq!(SentLogLine::parse(&text).unwrap().outcome, outcome);
            assert_eq!(
                SentLogLine::parse(&text).unwrap().to_line(),
                format!("{text}\n")
            );
        }
        // A newer version's word, and a field this version does not know: still a line
        // (its time counts for pruning), not a delivery.
        let newer = earlier
            .replace("already_recorded", "withdrawn")
            .replace('{', r#"{"channel":"kiosk","#);
        let line = SentLogLine::parse(&newer).unwrap();
        assert_eq!(line.outcome, SentOutcome::Other);
        assert!(!line.outcome.is_delivered());
        // Only the time is needed; without it, no line.
        let bare = SentLogLine::parse(r#"{"time_ms":5}"#).unwrap();
        assert_eq!((bare.time_ms, bare.outcome), (5, SentOutcome::Other));
        assert!(SentLogLine::parse(r#"{"visit_id":"v","outcome":"accepted"}"#).is_none());
    }

    fn write_file(path: &Path, modified: SystemTime) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, b"x").unwrap();
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(modified)
            .unwrap();
    }

    #[test]
    fn old_lines_logs_and_exports_go_the_rest_stays() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        let now = at(1000);
        for (age, visit) in [
            (200, "old-1"),
            (91, "old-2"),
            (89, "young-1"),
            (0, "young-2"),
        ] {
            append_sent_line(data, &sent_line((1000 - age) * DAY_MS, visit)).unwrap();
        }
        append_sent_line(data, "not json: kept, its age unknown").unwrap();
        let logs = data.join(LOG_DIR);
        write_file(&logs.join("visit-rating.old.log"), at(900));
        write_file(&logs.join("visit-rating.young.log"), at(950));
        write_file(&logs.join("visit-rating.today.log"), at(1000));
        write_file(&logs.join("unrelated.txt"), at(1));
        let outside = tempfile::tempdir().unwrap();
        let old_export = outside.path().join("old.json");
        let young_export = outside.path().join("young.json");
        write_file(&old_export, at(1));
        write_file(&young_export, at(1));
        record_export(data, &old_export, at(800)).unwrap();
        record_export(data, &young_export, at(999)).unwrap();
        // Undelivered ratings, kept or damaged, are never pruned.
        write_file(&data.join("outbox/entry.json"), at(1));
        write_file(&data.join("outbox/damaged/entry.json"), at(1));

        let pruned = prune(data, 90, now).unwrap();
        assert_eq!(
            pruned,
            Pruned {
                sent_log_lines: 2,
                log_files: 1,
                exports: 1
            }
        );
        let log = fs::read_to_string(data.join(SENT_LOG)).unwrap();
        assert!(!log.contains("old-"), "{log}");
        assert!(log.contains("young-1") && log.contains("young-2"), "{log}");
        assert!(log.contains("not json"));
        assert!(!logs.join("visit-rating.old.log").exists());
        assert!(logs.join("visit-rating.young.log").exists());
        assert!(logs.join("unrelated.txt").exists());
        assert!(!old_export.exists());
        assert!(young_export.exists());
        assert!(data.join("outbox/entry.json").exists());
        assert!(data.join("outbox/damaged/entry.json").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(data.join(SENT_LOG))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Nothing more to do a moment later.
        assert_eq!(prune(data, 90, now).unwrap(), Pruned::default());
    }

    #[test]
    fn zero_days_keeps_nothing_beyond_delivery_but_the_log_being_written() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        let now = at(10);
        append_sent_line(data, &sent_line(10 * DAY_MS - 1000, "just-sent")).unwrap();
        write_file(&data.join("logs/visit-rating.a.log"), at(9));
        write_file(&data.join("logs/visit-rating.b.log"), at(10));
        let pruned = prune(data, 0, now).unwrap();
        assert_eq!(pruned.sent_log_lines, 1);
        assert_eq!(fs::read_to_string(data.join(SENT_LOG)).unwrap(), "");
        assert!(!data.join("logs/visit-rating.a.log").exists());
        assert!(data.join("logs/visit-rating.b.log").exists());
    }

    #[test]
    fn a_check_is_due_daily_and_at_once_after_the_clock_went_back() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path();
        append_sent_line(data, &sent_line(0, "ancient")).unwrap();
        assert!(prune_if_due(data, 90, at(500)).unwrap().is_some());
        assert!(
            prune_if_due(data, 90, at(500) + Duration::from_hours(23))
                .unwrap()
                .is_none()
        );
        assert!(prune_if_due(data, 90, at(501)).unwrap().is_some());
        // The clock set back by a year: due at once, not a year from now.
        assert!(prune_if_due(data, 90, at(136)).unwrap().is_some());
    }

    #[test]
    fn a_missing_data_folder_is_nothing_to_prune() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("never-created");
        assert_eq!(prune(&missing, 90, at(5)).unwrap(), Pruned::default());
        assert!(prune_if_due(&missing, 90, at(5)).unwrap().is_some());
        assert!(!missing.exists(), "a check creates nothing");
    }
}
