//! The outbox's files: saving a rating (atomically, durably, privately), listing,
//! setting damaged files aside, removing, exporting.

use crate::time::now_ms;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::api::VisitId;
use crate::rating::Rating;

use super::{
    DamagedFile, Entry, EntryState, FORMAT_VERSION, Lease, Listing, Outbox, OutboxError, STALE_TMP,
    Tally, io_error,
};

impl Outbox {
    /// The outbox in `data_dir/outbox` (created `0700` if missing), with its sent log in
    /// `data_dir/sent.log`.
    pub fn open(data_dir: &Path) -> Result<Outbox, OutboxError> {
        crate::blocking::assert_may_block("opening the outbox");
        let dir = data_dir.join("outbox");
        create_private_dir(data_dir)?;
        create_private_dir(&dir)?;
        let sent_log = data_dir.join("sent.log");
        if sent_log.exists() {
            make_private(&sent_log);
        }
        Ok(Outbox {
            dir,
            sent_log,
            recorder: None,
        })
    }

    /// This outbox, telling `recorder` of every delivery attempt it makes from now on
    /// (the delivery counters: [`crate::counters::Counters`]).
    #[must_use]
    pub fn recording(mut self, recorder: Arc<dyn super::AttemptRecorder>) -> Outbox {
        self.recorder = Some(recorder);
        self
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Save a rating for the server at `origin` durably before anything is sent. When
    /// this returns `Ok`, the rating survives a crash or a power cut.
    pub fn enqueue(
        &self,
        visit_id: &VisitId,
        rating: &Rating,
        origin: &str,
    ) -> Result<Entry, OutboxError> {
        let entry = new_entry(visit_id, rating, origin);
        self.write(&entry)?;
        tracing::info!(entry = %entry.id, visit_id = %entry.visit_id, "rating saved in the outbox");
        Ok(entry)
    }

    /// [`Outbox::enqueue`] for a rating the caller sends itself right away: its lease is
    /// taken before the file appears, so no other sender can pick it up in between; the
    /// caller sends it with [`Outbox::send_claimed`]. If the caller dies, the lease goes
    /// with it and the rating is sent by the next sender.
    pub fn enqueue_claimed(
        &self,
        visit_id: &VisitId,
        rating: &Rating,
        origin: &str,
    ) -> Result<(Entry, Lease), OutboxError> {
        crate::blocking::assert_may_block("saving a rating in the outbox");
        let entry = new_entry(visit_id, rating, origin);
        let lease = self.write_claimed(&entry)?;
        tracing::info!(entry = %entry.id, visit_id = %entry.visit_id, "rating saved in the outbox");
        Ok((entry, lease))
    }

    pub(super) fn path_of(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Write (or rewrite) an entry atomically and durably, `0600`: temporary file, fsync,
    /// rename, fsync folder ([`crate::private_fs::write`]). When this returns `Ok` the
    /// entry survives a power cut.
    pub(super) fn write(&self, entry: &Entry) -> Result<(), OutboxError> {
        let bytes = entry_bytes(&self.dir, entry)?;
        crate::private_fs::write(&self.path_of(&entry.id), &bytes)
            .map_err(|e| io_error(&self.dir, e))
    }

    /// Everything in the outbox, oldest first. Unreadable files are moved aside.
    pub fn list(&self) -> Result<Listing, OutboxError> {
        crate::blocking::assert_may_block("listing the outbox");
        let mut listing = Listing::default();
        listing.damaged = self.walk(&mut |entry| listing.entries.push(entry))?;
        listing.set_aside = self.damaged_files()?.len();
        listing.entries.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(listing)
    }

    /// What [`Outbox::list`] tells, without keeping the entries: counts and due times by
    /// server (see [`Tally`]). Every file is read and checked as a listing reads it
    /// (damaged ones set aside, the attention index repaired), one at a time, so the
    /// memory it holds does not grow with the outbox: the background sender and the
    /// metrics writer look at a full outbox this way.
    pub fn tally(&self) -> Result<Tally, OutboxError> {
        crate::blocking::assert_may_block("counting the outbox");
        let mut tally = Tally::default();
        tally.damaged = self.walk(&mut |entry| tally.add(&entry))?;
        tally.set_aside = self.damaged_files()?.len();
        Ok(tally)
    }

    /// Read every entry file, in the folder's order, handing each readable entry to
    /// `each`: stale temporary files are removed, damaged files set aside (returned),
    /// the attention index repaired.
    fn walk(&self, each: &mut dyn FnMut(Entry)) -> Result<Vec<PathBuf>, OutboxError> {
        let mut damaged = Vec::new();
        // Segments with a damaged line: repaired after the walk (their ratings moved to
        // files of their own, listed by the next walk; those read now were given).
        let mut damaged_segments = Vec::new();
        let read = fs::read_dir(&self.dir).map_err(|e| io_error(&self.dir, e))?;
        for item in read {
            let item = item.map_err(|e| io_error(&self.dir, e))?;
            let path = item.path();
            let name = item.file_name().to_string_lossy().into_owned();
            // A write cut short by a crash (`.tmp-…` from versions before 0.2).
            if crate::private_fs::is_temp_name(&name) || name.starts_with(".tmp-") {
                remove_if_stale(&path);
                continue;
            }
            // Lease files of version 0.2: on Unix the lease is the entry's own file now.
            #[cfg(unix)]
            if path.extension().is_some_and(|e| e == "lease") {
                let _ = fs::remove_file(&path);
                continue;
            }
            if Outbox::is_segment(&path) {
                if self.walk_segment(&path, each)? {
                    damaged_segments.push(path);
                }
                continue;
            }
            let is_json = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"));
            if !is_json || !path.is_file() {
                continue;
            }
            match read_entry(&path) {
                Ok(entry) => {
                    if entry.state == EntryState::NeedsAttention {
                        // Entries of 0.1, or a marker lost in a crash: the index is
                        // derived, so the listing repairs it.
                        self.mark_attention(&entry, false);
                    }
                    each(entry);
                }
                Err(reason) => {
                    if let Some(moved) = self.set_aside(&path, &reason) {
                        damaged.push(moved);
                    }
                }
            }
        }
        for path in damaged_segments {
            damaged.extend(self.repair_segment(&path)?);
        }
        Ok(damaged)
    }

    /// Every file set aside in `damaged/`, oldest first. They wait there for a person:
    /// never sent, never pruned.
    pub fn damaged_files(&self) -> Result<Vec<DamagedFile>, OutboxError> {
        crate::blocking::assert_may_block("listing damaged outbox files");
        let dir = self.dir.join("damaged");
        let read = match fs::read_dir(&dir) {
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&dir, e)),
        };
        let mut files = Vec::new();
        for item in read {
            let item = item.map_err(|e| io_error(&dir, e))?;
            let meta = item.metadata().map_err(|e| io_error(&item.path(), e))?;
            if meta.is_file() {
                files.push(DamagedFile {
                    name: item.file_name().to_string_lossy().into_owned(),
                    written: meta.modified().map_err(|e| io_error(&item.path(), e))?,
                });
            }
        }
        files.sort_by_key(|f| f.written);
        Ok(files)
    }

    pub(super) fn set_aside(&self, path: &Path, reason: &str) -> Option<PathBuf> {
        let damaged = self.dir.join("damaged");
        let mut target = damaged.join(path.file_name()?);
        // Never overwrite an earlier damaged file of the same name.
        while target.exists() {
            target = damaged.join(format!(
                "{}.{:08x}",
                path.file_name()?.to_string_lossy(),
                fastrand::u32(..)
            ));
        }
        let moved = create_private_dir(&damaged)
            .ok()
            .and_then(|()| fs::rename(path, &target).ok());
        if moved.is_some() {
            tracing::error!(
                file = %path.display(),
                moved_to = %target.display(),
                reason,
                "a damaged outbox file was set aside; the other ratings are still sent"
            );
            Some(target)
        } else {
            tracing::error!(file = %path.display(), reason, "a damaged outbox file could not be set aside");
            None
        }
    }

    /// Remove an entry (superseded, or taken out by a person), durably: the folder is
    /// fsynced. Delivered entries are removed in batches instead ([`send::Deliveries`]).
    pub fn remove(&self, id: &str) -> Result<(), OutboxError> {
        crate::blocking::assert_may_block("removing an outbox entry");
        if self.unlink(id)? {
            crate::private_fs::sync_folder(&self.dir).map_err(|e| io_error(&self.dir, e))
        } else {
            Err(OutboxError::NotFound(id.to_owned()))
        }
    }

    /// Unlink an entry's file, its attention marker and (Windows) its lease file,
    /// without syncing the folder; `false` when it was not there.
    pub(super) fn unlink(&self, id: &str) -> Result<bool, OutboxError> {
        let path = self.path_of(id);
        match fs::remove_file(&path) {
            Ok(()) => {
                self.unmark_attention(id);
                self.forget_lease(id);
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_error(&path, e)),
        }
    }

    /// Write every entry (remarks included) to `path` as one JSON array, `0600`.
    pub fn export(&self, path: &Path) -> Result<usize, OutboxError> {
        crate::blocking::assert_may_block("exporting the outbox");
        let listing = self.list()?;
        let bytes = serde_json::to_vec_pretty(&listing.entries).map_err(|e| OutboxError::Io {
            path: path.to_owned(),
            source: io::Error::other(e),
        })?;
        crate::private_fs::write(path, &bytes).map_err(|e| io_error(path, e))?;
        // It holds remarks: pruned with the rest after `retention_days`.
        if let Some(data_dir) = self.dir.parent()
            && let Err(e) =
                crate::retention::record_export(data_dir, path, std::time::SystemTime::now())
        {
            tracing::warn!(error = %e, "cannot remember the export for pruning");
        }
        Ok(listing.entries.len())
    }

    /// The sent log's path.
    pub fn sent_log(&self) -> &Path {
        &self.sent_log
    }
}
/// Whether `id` may name an entry's file: the characters of the ids this program makes
/// (digits, letters, `-`), so an id read from a segment never leads out of the folder.
pub(super) fn entry_id_is_safe(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub(super) fn new_entry(visit_id: &VisitId, rating: &Rating, origin: &str) -> Entry {
    let created = now_ms();
    Entry {
        version: FORMAT_VERSION,
        id: format!("{created:013}-{:016x}", fastrand::u64(..)),
        visit_id: visit_id.clone(),
        rating: rating.clone(),
        created_at_ms: created,
        attempts: 0,
        last_attempt_ms: None,
        next_attempt_ms: created,
        state: EntryState::Waiting,
        last_outcome: None,
        server_origin: Some(origin.to_owned()),
    }
}

/// An entry as its file holds it.
pub(super) fn entry_bytes(dir: &Path, entry: &Entry) -> Result<Vec<u8>, OutboxError> {
    serde_json::to_vec_pretty(entry).map_err(|e| OutboxError::Io {
        path: dir.to_owned(),
        source: io::Error::other(e),
    })
}

/// The entry in the file at `path`, or why it is damaged (or unreadable).
pub(super) fn read_entry(path: &Path) -> Result<Entry, String> {
    let mut bytes = Vec::new();
    open_entry(path)
        .and_then(|mut file| io::Read::read_to_end(&mut file, &mut bytes))
        .map_err(|e| e.to_string())?;
    parse_entry(path, &bytes)
}

/// Open an entry's file for reading: on Linux without updating its access time (a
/// journaled inode write per read otherwise, under the usual `relatime`), when allowed
/// (only the file's owner may ask).
pub(super) fn open_entry(path: &Path) -> io::Result<File> {
    open_with(path, false)
}

/// Open `path` to read (and, with `write`, to write), without updating its access time
/// on Linux when allowed.
pub(super) fn open_with(path: &Path, write: bool) -> io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.read(true).write(write);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        match options.clone().custom_flags(libc::O_NOATIME).open(path) {
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => options.open(path),
            opened => opened,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        options.open(path)
    }
}

/// The entry in `bytes`, read from `path`, or why it is damaged.
pub(super) fn parse_entry(path: &Path, bytes: &[u8]) -> Result<Entry, String> {
    let entry: Entry =
        serde_json::from_slice(bytes).map_err(|e| format!("not a valid entry: {e}"))?;
    if entry.version != FORMAT_VERSION {
        return Err(format!("unknown format version {}", entry.version));
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    if stem.as_deref() != Some(entry.id.as_str()) {
        return Err("the file name does not match the entry's id".into());
    }
    Ok(entry)
}

pub(super) fn remove_if_stale(path: &Path) {
    let stale = fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > STALE_TMP);
    if stale {
        let _ = fs::remove_file(path);
    }
}

/// `dir` (and missing parents) `0700`; an existing `dir` is made private too, best
/// effort: a read-only folder must still be listed.
pub(super) fn create_private_dir(dir: &Path) -> Result<(), OutboxError> {
    crate::private_fs::create_dir(dir).map_err(|e| io_error(dir, e))?;
    make_private(dir);
    Ok(())
}

/// [`crate::private_fs::make_private`], best effort (a warning when it cannot).
fn make_private(path: &Path) {
    if let Err(e) = crate::private_fs::make_private(path) {
        tracing::warn!(path = %path.display(), error = %e, "cannot make it private");
    }
}

#[cfg(test)]
mod tests {
    use super::super::{OutboxError, STALE_TMP};
    use super::*;
    use crate::outbox::testing::{ORIGIN, rating, temp_outbox, visit};
    use std::time::Duration;

    #[test]
    fn enqueue_list_remove_round_trip_in_order() {
        let (_dir, outbox) = temp_outbox();
        let a = outbox
            .enqueue(&visit("a"), &rating("первая"), ORIGIN)
            .unwrap();
        std::thread::sleep(Duration::from_millis(2));
        let b = outbox
            .enqueue(&visit("b"), &rating("вторая"), ORIGIN)
            .unwrap();
        let listing = outbox.list().unwrap();
        assert_eq!(listing.entries, vec![a.clone(), b.clone()]);
        assert_eq!((listing.waiting(), listing.needs_attention()), (2, 0));
        outbox.remove(&a.id).unwrap();
        assert_eq!(outbox.list().unwrap().entries, vec![b]);
        assert!(matches!(
            outbox.remove(&a.id),
            Err(OutboxError::NotFound(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private_and_hold_no_token() {
        use std::os::unix::fs::PermissionsExt;
        let (_dir, outbox) = temp_outbox();
        let entry = outbox.enqueue(&visit("a"), &rating("x"), ORIGIN).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(outbox.dir()), 0o700);
        assert_eq!(mode(&outbox.path_of(&entry.id)), 0o600);
        let text = fs::read_to_string(outbox.path_of(&entry.id)).unwrap();
        assert!(!text.to_lowercase().contains("token") && !text.contains("Bearer"));
    }

    #[test]
    fn temporary_files_left_by_a_crash_are_cleaned_up_once_stale_and_never_listed() {
        let (_dir, outbox) = temp_outbox();
        let entry = outbox.enqueue(&visit("a"), &rating("x"), ORIGIN).unwrap();
        let old = std::time::SystemTime::now() - STALE_TMP - Duration::from_secs(5);
        let stale = outbox.dir().join(format!(".{}.json.Ab12Cd.tmp", entry.id));
        let stale_v01 = outbox.dir().join(format!(".tmp-{}-0000beef", entry.id));
        let young = outbox.dir().join(".b.json.Ef34Gh.tmp");
        for path in [&stale, &stale_v01, &young] {
            fs::write(path, b"{\"half\": ").unwrap();
        }
        for path in [&stale, &stale_v01] {
            fs::File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        let listing = outbox.list().unwrap();
        assert_eq!(listing.entries, vec![entry]);
        assert!(listing.damaged.is_empty());
        assert!(!stale.exists() && !stale_v01.exists());
        assert!(
            young.exists(),
            "a write in progress elsewhere is left alone"
        );
    }

    #[test]
    fn damaged_files_are_set_aside_and_the_rest_listed() {
        let (_dir, outbox) = temp_outbox();
        let good = outbox.enqueue(&visit("good"), &rating(""), ORIGIN).unwrap();
        let truncated = outbox.enqueue(&visit("cut"), &rating(""), ORIGIN).unwrap();
        let path = outbox.path_of(&truncated.id);
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        fs::write(
            outbox.dir().join("0000000000000-garbage.json"),
            b"\x00\xffnot json",
        )
        .unwrap();
        let listing = outbox.list().unwrap();
        assert_eq!(listing.entries, vec![good]);
        assert_eq!(listing.damaged.len(), 2);
        assert!(
            listing
                .damaged
                .iter()
                .all(|p| p.exists() && p.starts_with(outbox.dir().join("damaged")))
        );
        assert_eq!(outbox.list().unwrap().damaged.len(), 0, "set aside once");
    }

    #[test]
    fn entries_written_by_version_0_1_stay_readable_and_go_to_any_server() {
        let (_dir, outbox) = temp_outbox();
        let id = "1764200000000-00000000000000aa";
        let old = format!(
            r#"{{"version":1,"id":"{id}","visit_id":"old-visit","rating":{{"scores":[5,4,3,2],"notes":"x","didnt_visit":false}},"created_at_ms":1764200000000,"attempts":1,"last_attempt_ms":1764200000001,"next_attempt_ms":1764200000002,"state":"waiting","last_outcome":null}}"#
        );
        fs::write(outbox.dir().join(format!("{id}.json")), old).unwrap();
        let listing = outbox.list().unwrap();
        assert_eq!(listing.damaged, Vec::<PathBuf>::new());
        assert_eq!(listing.entries.len(), 1);
        assert_eq!(listing.entries[0].server_origin, None);
        assert!(listing.entries[0].is_for("https://any.example:443"));
        assert_eq!(listing.waiting_for("https://any.example:443"), 1);
    }

    #[test]
    fn a_tally_counts_what_a_listing_lists_by_server_and_due_time() {
        let (_dir, outbox) = temp_outbox();
        let first = outbox.enqueue(&visit("a"), &rating("x"), ORIGIN).unwrap();
        let mut later = outbox.enqueue(&visit("b"), &rating("y"), ORIGIN).unwrap();
        later.next_attempt_ms = first.next_attempt_ms + 60_000;
        outbox.write(&later).unwrap();
        let mut refused = outbox.enqueue(&visit("c"), &rating(""), ORIGIN).unwrap();
        refused.state = EntryState::NeedsAttention;
        outbox.write(&refused).unwrap();
        let mut elsewhere = outbox
            .enqueue(&visit("d"), &rating(""), "https://old.example:443")
            .unwrap();
        elsewhere.next_attempt_ms = 1;
        outbox.write(&elsewhere).unwrap();
        fs::write(outbox.dir().join("0000000000000-cut.json"), b"{\"half\"").unwrap();

        let tally = outbox.tally().unwrap();
        assert_eq!(tally.damaged.len(), 1, "set aside as a listing does");
        let listing = outbox.list().unwrap();
        assert_eq!(tally.set_aside, listing.set_aside);
        assert_eq!(
            (tally.waiting(), tally.needs_attention()),
            (listing.waiting(), listing.needs_attention())
        );
        assert_eq!(
            (tally.waiting_for(ORIGIN), tally.for_other_servers(ORIGIN)),
            (
                listing.waiting_for(ORIGIN),
                listing.for_other_servers(ORIGIN)
            )
        );
        assert_eq!(
            (tally.waiting_for(ORIGIN), tally.for_other_servers(ORIGIN)),
            (2, 1)
        );
        // The other server's entry, due long ago, is not this server's next attempt.
        assert_eq!(tally.next_due_for(ORIGIN), Some(first.next_attempt_ms));
        assert_eq!(tally.next_due_for("https://old.example:443"), Some(1));
        assert_eq!(tally.oldest_waiting_ms(), Some(first.created_at_ms));
        // An entry of 0.1 (no origin) goes to any server.
        let mut old = outbox.enqueue(&visit("e"), &rating(""), ORIGIN).unwrap();
        old.server_origin = None;
        old.next_attempt_ms = 2;
        outbox.write(&old).unwrap();
        let tally = outbox.tally().unwrap();
        assert_eq!(tally.next_due_for(ORIGIN), Some(2));
        assert_eq!(tally.waiting_for("https://new.example:443"), 1);
    }

    #[test]
    fn a_second_damaged_file_of_the_same_name_does_not_overwrite_the_first() {
        let (_dir, outbox) = temp_outbox();
        let name = "0000000000001-aaaa.json";
        for garbage in [&b"first"[..], b"second"] {
            fs::write(outbox.dir().join(name), garbage).unwrap();
            assert_eq!(outbox.list().unwrap().damaged.len(), 1);
        }
        let kept: Vec<Vec<u8>> = fs::read_dir(outbox.dir().join("damaged"))
            .unwrap()
            .map(|e| fs::read(e.unwrap().path()).unwrap())
            .collect();
        assert_eq!(kept.len(), 2);
        assert!(kept.contains(&b"first".to_vec()) && kept.contains(&b"second".to_vec()));
    }
}
