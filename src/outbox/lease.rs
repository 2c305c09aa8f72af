//! Leases: who may send an entry right now.
//!
//! A lease is an exclusive advisory lock (`flock`, through `File::try_lock`) held for
//! one attempt. Whoever holds it is the only sender of that entry — another thread of
//! the same process, another window, a CLI command: none of them can send it until the
//! lease is dropped. The operating system drops a dead process's locks, so a crash never
//! strands a rating; nothing about a lease is fsynced, since no lock survives a power
//! cut anyway. Taking or releasing one never waits and never takes an outbox-wide lock.
//!
//! **Unix: the lock is on the entry's own file.** Claiming opens `<id>.json` (with
//! `O_NOATIME` on Linux, so reading it dirties no inode), locks it, checks that the
//! locked file is still the one at that path (it may have been delivered and removed,
//! or rewritten by an earlier attempt, between the open and the lock), and reads the
//! entry from the same open file. A drain thus costs one open and one unlink per
//! rating: no lease file to create and remove, and the entry read once. Saving a rating
//! the caller sends itself locks the temporary file before it is renamed into place
//! ([`crate::private_fs::write_locked`]), so no other sender can pick it up in between.
//! A rewrite of the entry under the lease (the answer applied) puts a new, unlocked
//! file in place: it is always the last step of an attempt.
//!
//! **Elsewhere (Windows): a lease file** `<id>.lease` beside the entry, locked. Windows'
//! locks are mandatory — a locked entry could not even be listed — so the entry itself
//! is never locked there; the lease file is removed with its entry.
//!
//! Entries are only ever read whole; a lease guards sending, never reading.

use std::fs::{self, File};
use std::io;
#[cfg(unix)]
use std::io::{Read as _, Seek as _};
use std::path::Path;
#[cfg(not(unix))]
use std::path::PathBuf;

use super::segment::{Content, Line};
use super::store::{open_with, parse_entry};
use super::{Entry, Outbox, OutboxError, io_error};

/// A claim on one entry: while it is held, nobody else sends that entry. Dropping it
/// releases the claim.
#[derive(Debug)]
pub struct Lease {
    pub(super) id: String,
    /// Unix: the entry's own file, locked (none: there was no such entry, or it is in
    /// a segment). Elsewhere: the lease file, locked.
    file: Option<File>,
    /// A rating in a segment: its line, whose segment is locked while any lease from it
    /// is held ([`super::segment`]).
    pub(super) line: Option<Line>,
}

impl Lease {
    /// The entry this lease is for.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// What an attempt to lock an entry found.
enum Claim {
    /// Locked: the entry's file (Unix) or its lease file.
    Held(File),
    /// There is no such entry (Unix).
    #[cfg_attr(not(unix), allow(dead_code))]
    Missing,
    /// Another sender holds it.
    Busy,
}

impl Outbox {
    /// Claim entry `id` for one attempt; `None` when another sender holds it.
    pub fn claim(&self, id: &str) -> Result<Option<Lease>, OutboxError> {
        crate::blocking::assert_may_block("claiming an outbox entry");
        #[cfg(not(unix))]
        if !self.path_of(id).exists() {
            // Not a file: perhaps a rating in a segment (no lease file for it).
            match self.claim_in_segments(id) {
                Ok(Some((line, _))) => return Ok(Some(Lease::of_line(id, line))),
                Ok(None) => {}
                Err(OutboxError::InFlight(_)) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        let lease = self.claim_own_file(id)?;
        #[cfg(unix)]
        if lease.as_ref().is_some_and(|l| l.file.is_none()) {
            match self.claim_in_segments(id) {
                Ok(Some((line, _))) => return Ok(Some(Lease::of_line(id, line))),
                Ok(None) => {}
                Err(OutboxError::InFlight(_)) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        Ok(lease)
    }

    /// [`Outbox::claim`] for an entry with a file of its own, never looking in the
    /// segments: a lease on nothing when there is no such file (Unix).
    pub(super) fn claim_own_file(&self, id: &str) -> Result<Option<Lease>, OutboxError> {
        let file = match self.claim_file(id)? {
            Claim::Held(file) => Some(file),
            Claim::Missing => None,
            Claim::Busy => return Ok(None),
        };
        Ok(Some(Lease {
            id: id.to_owned(),
            file,
            line: None,
        }))
    }

    /// Lock the file at `path` (Unix; elsewhere its lease file `<name>.lease`) for a
    /// segment: `None` when another sender holds it or it is gone.
    pub(super) fn lock_path(path: &Path) -> Result<Option<File>, OutboxError> {
        #[cfg(unix)]
        {
            Ok(match Self::claim_path(path)? {
                Claim::Held(file) => Some(file),
                Claim::Missing | Claim::Busy => None,
            })
        }
        #[cfg(not(unix))]
        {
            let mut lease = path.as_os_str().to_owned();
            lease.push(".lease");
            match lock_lease_file(Path::new(&lease))? {
                Claim::Held(file) => Ok(Some(file)),
                Claim::Missing | Claim::Busy => Ok(None),
            }
        }
    }

    /// Whether another sender is sending entry `id` right now.
    pub fn in_flight(&self, id: &str) -> bool {
        #[cfg(not(unix))]
        // Only ask a file that exists: a probe must not create lease files.
        if !self.lease_path(id).exists() {
            return false;
        }
        matches!(self.claim(id), Ok(None))
    }

    /// The leased entry, read under the lease: `Ok(None)` when it is no longer in the
    /// outbox; `Err` with the reason when its file is damaged.
    pub(super) fn read_leased(&self, lease: &Lease) -> Result<Option<Entry>, String> {
        if let Some(line) = &lease.line {
            return match line.content().map_err(|e| e.to_string())? {
                Content::Waiting(entry) if entry.id == lease.id => Ok(Some(*entry)),
                Content::Waiting(_) | Content::Done => Ok(None),
                Content::Damaged(reason) => Err(reason),
            };
        }
        let path = self.path_of(&lease.id);
        #[cfg(unix)]
        {
            let Some(mut file) = lease.file.as_ref() else {
                return Ok(None);
            };
            let mut bytes = Vec::new();
            file.rewind()
                .and_then(|()| file.read_to_end(&mut bytes))
                .map_err(|e| e.to_string())?;
            parse_entry(&path, &bytes).map(Some)
        }
        #[cfg(not(unix))]
        {
            match fs::read(&path) {
                Ok(bytes) => parse_entry(&path, &bytes).map(Some),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.to_string()),
            }
        }
    }

    /// Entry `id`'s file was removed: its lease file goes too (Windows; on Unix the
    /// lease was the entry's own file).
    #[cfg_attr(unix, allow(clippy::unused_self))]
    pub(super) fn forget_lease(&self, id: &str) {
        #[cfg(not(unix))]
        let _ = fs::remove_file(self.lease_path(id));
        #[cfg(unix)]
        let _ = id;
    }

    /// Unix: open entry `id`'s file and lock it.
    #[cfg(unix)]
    fn claim_file(&self, id: &str) -> Result<Claim, OutboxError> {
        Self::claim_path(&self.path_of(id))
    }

    /// Unix: open the file at `path` and lock it.
    #[cfg(unix)]
    fn claim_path(path: &Path) -> Result<Claim, OutboxError> {
        // A file replaced between the open and the lock is opened again; an entry is
        // rewritten once per attempt, so a second round is rare and a third rarer still.
        for _ in 0..8 {
            let file = match open_entry_to_lock(path) {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Claim::Missing),
                Err(e) => return Err(io_error(path, e)),
            };
            match lock_opened(path, file).map_err(|e| io_error(path, e))? {
                Locked::Held(file) => return Ok(Claim::Held(file)),
                Locked::Busy => return Ok(Claim::Busy),
                Locked::Stale => {}
            }
        }
        // Rewritten under our hands again and again: someone is working on it.
        Ok(Claim::Busy)
    }

    /// Elsewhere: create (or open) `<id>.lease` and lock it.
    #[cfg(not(unix))]
    fn claim_file(&self, id: &str) -> Result<Claim, OutboxError> {
        lock_lease_file(&self.lease_path(id))
    }

    #[cfg(not(unix))]
    fn lease_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.lease"))
    }

    /// Save a new entry and hold its lease from before it appears in the folder.
    pub(super) fn write_claimed(&self, entry: &Entry) -> Result<Lease, OutboxError> {
        #[cfg(unix)]
        {
            let bytes = super::store::entry_bytes(&self.dir, entry)?;
            let file = crate::private_fs::write_locked(&self.path_of(&entry.id), &bytes)
                .map_err(|e| io_error(&self.dir, e))?;
            Ok(Lease {
                id: entry.id.clone(),
                file: Some(file),
                line: None,
            })
        }
        #[cfg(not(unix))]
        {
            // A fresh random id: nobody else can hold its lease.
            let lease = self
                .claim(&entry.id)?
                .ok_or_else(|| OutboxError::InFlight(entry.id.clone()))?;
            self.write(entry)?;
            Ok(lease)
        }
    }
}

impl Lease {
    /// The lease of rating `id` in a segment, on its `line`.
    pub(super) fn of_line(id: &str, line: Line) -> Lease {
        Lease {
            id: id.to_owned(),
            file: None,
            line: Some(line),
        }
    }
}

/// Elsewhere: create (or open) the lease file at `path` and lock it.
#[cfg(not(unix))]
fn lock_lease_file(path: &Path) -> Result<Claim, OutboxError> {
    let file = crate::private_fs::open_private(
        path,
        fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true),
    )
    .map_err(|e| io_error(path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(Claim::Held(file)),
        Err(fs::TryLockError::WouldBlock) => Ok(Claim::Busy),
        Err(fs::TryLockError::Error(e)) => Err(io_error(path, e)),
    }
}

/// What locking an opened entry file found.
#[cfg(unix)]
#[derive(Debug)]
enum Locked {
    /// Locked, and still the entry at its path.
    Held(File),
    /// Another sender holds it.
    Busy,
    /// The file opened is no longer the entry at that path (removed, or replaced by a
    /// rewrite, between the open and the lock): open the path again.
    Stale,
}

/// Lock `file`, opened from `path`, and check that it is still the file at `path`.
#[cfg(unix)]
fn lock_opened(path: &Path, file: File) -> io::Result<Locked> {
    use std::os::unix::fs::MetadataExt as _;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => return Ok(Locked::Busy),
        Err(fs::TryLockError::Error(e)) => return Err(e),
    }
    let locked = file.metadata()?;
    if locked.nlink() == 0 {
        return Ok(Locked::Stale);
    }
    match fs::metadata(path) {
        Ok(now) if now.ino() == locked.ino() && now.dev() == locked.dev() => Ok(Locked::Held(file)),
        Ok(_) => Ok(Locked::Stale),
        // Gone: the next open says so.
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Locked::Stale),
        Err(e) => Err(e),
    }
}

/// Open an entry's file to lock it: for writing too when allowed (an NFS client emulates
/// `flock` with POSIX locks, whose exclusive kind needs a descriptor open for writing),
/// else for reading (a read-only file system: a local one locks either way). Nothing
/// is ever written through it.
#[cfg(unix)]
fn open_entry_to_lock(path: &Path) -> io::Result<File> {
    match open_with(path, true) {
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            open_with(path, false)
        }
        opened => opened,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::store::open_entry;
    use crate::outbox::testing::{ORIGIN, rating, temp_outbox, visit};
    use crate::outbox::{Removal, now_ms};

    #[cfg(unix)]
    fn saved(outbox: &Outbox, visit_id: &str) -> Entry {
        outbox
            .enqueue(&visit(visit_id), &rating(""), ORIGIN)
            .unwrap()
    }

    #[cfg(unix)]
    #[test]
    fn a_file_opened_before_its_entry_was_delivered_is_never_held() {
        let (_dir, outbox) = temp_outbox();
        let entry = saved(&outbox, "opened-early");
        let path = outbox.path_of(&entry.id);
        // A second sender opened the file, then the first delivered and removed it.
        let early = open_entry(&path).unwrap();
        fs::remove_file(&path).unwrap();
        assert!(matches!(lock_opened(&path, early).unwrap(), Locked::Stale));
        let lease = outbox.claim(&entry.id).unwrap().expect("nobody holds it");
        assert_eq!(outbox.read_leased(&lease), Ok(None), "gone, not sent again");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_opened_before_a_rewrite_is_opened_again_and_the_new_entry_read() {
        let (_dir, outbox) = temp_outbox();
        let mut entry = saved(&outbox, "rewritten");
        let path = outbox.path_of(&entry.id);
        let early = open_entry(&path).unwrap();
        // The first sender's attempt failed: it rewrote the entry (a new file).
        entry.attempts = 1;
        entry.next_attempt_ms += 60_000;
        outbox.write(&entry).unwrap();
        assert!(matches!(lock_opened(&path, early).unwrap(), Locked::Stale));
        let lease = outbox.claim(&entry.id).unwrap().expect("nobody holds it");
        let read = outbox.read_leased(&lease).unwrap().unwrap();
        assert_eq!(
            (read.attempts, read.next_attempt_ms),
            (1, entry.next_attempt_ms),
            "the rewritten entry, not the one first opened"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_rating_saved_claimed_is_held_from_before_it_appears() {
        let (_dir, outbox) = temp_outbox();
        let (entry, lease) = outbox
            .enqueue_claimed(&visit("claimed"), &rating("Спасибо"), ORIGIN)
            .unwrap();
        // Another sender finds it already held, and reads it the same as the holder.
        let other = open_entry(&outbox.path_of(&entry.id)).unwrap();
        assert!(matches!(
            lock_opened(&outbox.path_of(&entry.id), other).unwrap(),
            Locked::Busy
        ));
        assert_eq!(outbox.read_leased(&lease).unwrap().unwrap(), entry);
        drop(lease);
        assert!(outbox.claim(&entry.id).unwrap().is_some());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reading_an_entry_leaves_its_access_time_alone() {
        use std::os::unix::fs::MetadataExt as _;
        let (_dir, outbox) = temp_outbox();
        let atime = |path: &Path| {
            let meta = fs::metadata(path).unwrap();
            (meta.atime(), meta.atime_nsec())
        };
        // Whether this file system updates access times at all (`relatime` does, on
        // the first read after a write; `noatime` never).
        let probe = saved(&outbox, "probe");
        let probe = outbox.path_of(&probe.id);
        let before = atime(&probe);
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::read(&probe).unwrap();
        if atime(&probe) == before {
            eprintln!("skipped: this file system does not update access times");
            return;
        }
        let entry = saved(&outbox, "read-twice");
        let path = outbox.path_of(&entry.id);
        let before = atime(&path);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(super::super::read_entry(&path).unwrap(), entry);
        let lease = outbox.claim(&entry.id).unwrap().unwrap();
        assert_eq!(outbox.read_leased(&lease).unwrap().unwrap(), entry);
        assert_eq!(atime(&path), before, "a read wrote the inode");
    }

    #[test]
    fn a_lease_is_exclusive_until_dropped_even_within_one_process() {
        let (_dir, outbox) = temp_outbox();
        let (entry, lease) = outbox
            .enqueue_claimed(&visit("leased"), &rating(""), ORIGIN)
            .unwrap();
        assert_eq!(lease.id(), entry.id);
        assert!(outbox.claim(&entry.id).unwrap().is_none(), "held");
        assert!(outbox.in_flight(&entry.id));
        // Another thread is another sender.
        let other = outbox.clone();
        let id = entry.id.clone();
        let taken = std::thread::Builder::new()
            .name("other-sender".into())
            .spawn(move || other.claim(&id).unwrap().is_some())
            .unwrap()
            .join()
            .unwrap();
        assert!(!taken);
        assert!(matches!(
            outbox.remove_by_person(&entry.id, Removal::Discarded),
            Err(OutboxError::InFlight(_))
        ));
        drop(lease);
        assert!(!outbox.in_flight(&entry.id));
        assert!(outbox.claim(&entry.id).unwrap().is_some(), "released");
        assert!(entry.next_attempt_ms <= now_ms(), "due at once");
    }
}
