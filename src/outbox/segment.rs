//! Segments: many ratings saved in one file, for an import's batch.
//!
//! An import saves thousands of ratings at once; one file per rating made saving 10,000
//! rows cost 10,000 file creations (and as many unlinks when they were delivered), more
//! than sending them. A batch is therefore saved as segments: `<created ms>-<random>.seg`,
//! up to [`SEGMENT_MAX`] ratings each, one line per rating — a status byte, then the
//! entry as compact JSON (the same fields as an entry's own file):
//!
//! ```text
//! W{"version":1,"id":"1764…-…","visit_id":"…",…}
//! D{"version":1,"id":"1764…-…","visit_id":"…",…}
//! ```
//!
//! - **Written once**, like an entry's file (temporary name, synced, renamed, folder
//!   synced: [`crate::private_fs::Batch`], one sync for the whole batch). Never appended
//!   to, never rewritten.
//! - **Only its status bytes change.** `W`: waiting in the segment. `D`: gone from it —
//!   delivered, or moved to a file of its own. A rating in a segment has never been
//!   tried: the first answer that is not a delivery (a transient failure, a rejection, a
//!   token problem) moves it to its own file `<id>.json` with that answer applied (written
//!   durably first, then its byte set to `D` and the segment synced), and from then on
//!   it lives as every other entry does. So a segment holds nothing but fresh ratings,
//!   and every rule of the outbox (backoff, needs attention, superseding) works on files
//!   as before. A delivery sets the byte in the recorder's batch without a sync, as the
//!   removal of a delivered file need not be durable either: a mark lost in a crash
//!   costs one resend, answered 5030.
//! - **Removed** once every line is `D`, by the sender that set the last one.
//! - **One lease for the segment**: its file is locked (on Unix; elsewhere a lease file
//!   `<stem>.lease`) by whoever sends from it, and every rating in it is held by that
//!   sender until its answer is applied. Another sender skips the whole segment.
//! - **A crash between the two steps of a move** leaves the rating both in its own file
//!   and as `W` in the segment: the file wins (listings skip the line, the next claim of
//!   the segment sets its byte to `D`).
//! - **A damaged segment** (a line that is not an entry, or a segment beyond
//!   [`SEGMENT_BYTES_MAX`]): its readable ratings are moved to files of their own, and
//!   the segment is set aside in `damaged/` for a person, as a damaged entry file is.
//!
//! Ratings saved one at a time (the window, `submit --queue`) keep one file each: a
//! patient's rating is sent at once and a file per rating costs nothing there.

use std::fs::File;
use std::io::{self, BufRead as _, Read as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::store::{entry_id_is_safe, new_entry, open_with};
use super::{Entry, EntryState, FORMAT_VERSION, Outbox, OutboxError, io_error};
use crate::api::VisitId;
use crate::rating::Rating;

/// A segment file's extension.
pub(super) const SEGMENT_EXT: &str = "seg";
/// How many ratings a segment holds at most: a sender reads one segment at a time.
pub const SEGMENT_MAX: usize = 256;
/// A segment larger than this is damaged (no segment we write comes near it: 256
/// entries of the longest remarks): what is read never depends on a file's size.
pub(super) const SEGMENT_BYTES_MAX: u64 = 16 << 20;
/// The status byte of a rating waiting in its segment.
const WAITING: u8 = b'W';
/// The status byte of a rating gone from its segment.
const DONE: u8 = b'D';

/// A claimed segment: its file, open and locked (on Unix; elsewhere its lease file
/// is), shared by the leases of its ratings. The lock goes when the last of them does.
#[derive(Debug)]
pub(super) struct Segment {
    path: PathBuf,
    file: File,
    /// Windows: the locked lease file (the segment itself is never locked there).
    #[cfg(not(unix))]
    _lease: File,
    /// Lines still `W` (counted under the lock, when it was claimed).
    live: AtomicUsize,
}

/// A rating's line in a claimed segment.
#[derive(Clone, Debug)]
pub(super) struct Line {
    pub(super) segment: Arc<Segment>,
    /// Where its status byte is.
    offset: u64,
    /// Its length, status byte included, newline not.
    len: usize,
}

/// What a segment's line holds.
pub(super) enum Content {
    /// A rating waiting in the segment.
    Waiting(Box<Entry>),
    /// Gone from it (delivered, or moved to its own file).
    Done,
    /// Not an entry, and why.
    Damaged(String),
}

/// A claimed segment's waiting ratings with their lines, and where the segment went if
/// it was damaged and set aside.
pub(super) type WaitingIn = (Vec<(Line, Entry)>, Option<PathBuf>);

/// One line as read: where it is, and what it holds.
pub(super) struct ReadLine {
    pub(super) offset: u64,
    pub(super) len: usize,
    pub(super) content: Content,
}

impl Segment {
    /// The segment's path.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Every line of the segment, in order.
    pub(super) fn read(&self) -> io::Result<Vec<ReadLine>> {
        read_lines(&self.file)
    }
}

impl Line {
    /// The line at `offset`, `len` long, of `segment`.
    pub(super) fn new(segment: &Arc<Segment>, offset: u64, len: usize) -> Line {
        Line {
            segment: Arc::clone(segment),
            offset,
            len,
        }
    }

    /// What the line holds now (read again from the file, under the segment's lock).
    pub(super) fn content(&self) -> io::Result<Content> {
        let mut bytes = vec![0; self.len];
        read_at(&self.segment.file, &mut bytes, self.offset)?;
        Ok(parse_line(&bytes))
    }

    /// Set the line's byte to `D` (synced when `sync`); the segment's file is removed
    /// when this was its last waiting line (returns whether it was). The caller holds
    /// the lease.
    pub(super) fn mark_done(&self, sync: bool) -> io::Result<bool> {
        write_at(&self.segment.file, &[DONE], self.offset)?;
        if sync {
            self.segment.file.sync_data()?;
        }
        let before = self.segment.live.fetch_sub(1, Ordering::SeqCst);
        if before != 1 {
            return Ok(false);
        }
        match std::fs::remove_file(&self.segment.path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(true),
        }
    }
}

/// A segment's lines for a batch: [`SegmentWriter::add`] an entry at a time; full
/// segments are handed out to be written.
#[derive(Debug, Default)]
pub(super) struct SegmentWriter {
    bytes: Vec<u8>,
    count: usize,
    first_id: Option<String>,
}

impl SegmentWriter {
    /// Add `entry`; returns a full segment (its file name and bytes) to write.
    pub(super) fn add(&mut self, entry: &Entry) -> Result<Option<(String, Vec<u8>)>, String> {
        self.bytes.push(WAITING);
        serde_json::to_writer(&mut self.bytes, entry).map_err(|e| e.to_string())?;
        self.bytes.push(b'\n');
        self.count += 1;
        self.first_id.get_or_insert_with(|| entry.id.clone());
        Ok((self.count >= SEGMENT_MAX).then(|| self.take()).flatten())
    }

    /// The segment begun, if any (its file name and bytes).
    pub(super) fn take(&mut self) -> Option<(String, Vec<u8>)> {
        let first = self.first_id.take()?;
        self.count = 0;
        Some((
            format!("{first}.{SEGMENT_EXT}"),
            std::mem::take(&mut self.bytes),
        ))
    }
}

impl Outbox {
    /// Whether `path` names a segment.
    pub(super) fn is_segment(path: &Path) -> bool {
        path.extension().is_some_and(|e| e == SEGMENT_EXT)
    }

    /// Claim the segment at `path`: `None` when another sender holds it or it is gone.
    pub(super) fn claim_segment(path: &Path) -> Result<Option<Arc<Segment>>, OutboxError> {
        let Some(file) = Outbox::lock_path(path)? else {
            return Ok(None);
        };
        #[cfg(unix)]
        let segment = Segment {
            path: path.to_owned(),
            file,
            live: AtomicUsize::new(0),
        };
        #[cfg(not(unix))]
        let segment = match open_with(path, true) {
            Ok(opened) => Segment {
                path: path.to_owned(),
                file: opened,
                _lease: file,
                live: AtomicUsize::new(0),
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(path, e)),
        };
        Ok(Some(Arc::new(segment)))
    }

    /// The waiting ratings of a claimed segment, each with its line (a lease's part),
    /// in order. A rating that also has a file of its own (a move cut short by a crash)
    /// is marked done here: the file wins. A damaged segment is repaired first: its
    /// readable ratings get files of their own and it is set aside (returned).
    pub(super) fn waiting_in(&self, segment: &Arc<Segment>) -> Result<WaitingIn, OutboxError> {
        let path = segment.path().to_owned();
        let lines = match segment.read() {
            Ok(lines) => lines,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                return Ok((
                    Vec::new(),
                    self.set_aside_segment(segment, &[], &e.to_string()),
                ));
            }
            Err(e) => return Err(io_error(&path, e)),
        };
        if let Some(reason) = lines.iter().find_map(|l| match &l.content {
            Content::Damaged(reason) => Some(reason.clone()),
            _ => None,
        }) {
            return Ok((Vec::new(), self.set_aside_segment(segment, &lines, &reason)));
        }
        let mut waiting = Vec::new();
        for read in lines {
            let Content::Waiting(entry) = read.content else {
                continue;
            };
            segment.live.fetch_add(1, Ordering::SeqCst);
            let line = Line::new(segment, read.offset, read.len);
            if self.path_of(&entry.id).exists() {
                line.mark_done(true).map_err(|e| io_error(&path, e))?;
                continue;
            }
            waiting.push((line, *entry));
        }
        if segment.live.load(Ordering::SeqCst) == 0 {
            // Every line done: a segment whose last mark's removal was lost.
            let _ = std::fs::remove_file(&path);
        }
        Ok((waiting, None))
    }

    /// A damaged segment (claimed): its readable waiting ratings are saved as files of
    /// their own, then it goes to `damaged/` for a person. Returns where it went.
    fn set_aside_segment(
        &self,
        segment: &Arc<Segment>,
        lines: &[ReadLine],
        reason: &str,
    ) -> Option<PathBuf> {
        for read in lines {
            if let Content::Waiting(entry) = &read.content
                && !self.path_of(&entry.id).exists()
                && let Err(e) = self.write(entry)
            {
                tracing::error!(error = %e, "cannot save a rating out of a damaged segment; the segment stays");
                return None;
            }
        }
        self.set_aside(segment.path(), reason)
    }

    /// The waiting ratings of every segment, read without a lease (a listing): each
    /// given to `each`, except those that have a file of their own. Segments with a
    /// damaged line are returned, to be repaired under their lease.
    pub(super) fn walk_segment(
        &self,
        path: &Path,
        each: &mut dyn FnMut(Entry),
    ) -> Result<bool, OutboxError> {
        let Some(lines) = unlocked_lines(path)? else {
            return Ok(false);
        };
        let lines = match lines {
            Ok(lines) => lines,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => return Ok(true),
            Err(e) => return Err(io_error(path, e)),
        };
        let mut damaged = false;
        for read in lines {
            match read.content {
                Content::Waiting(entry) if !self.path_of(&entry.id).exists() => each(*entry),
                Content::Damaged(_) => damaged = true,
                Content::Waiting(_) | Content::Done => {}
            }
        }
        Ok(damaged)
    }

    /// Repair a damaged segment found by a listing: claimed, its readable ratings moved
    /// to files, set aside. `None` when another sender holds it (it repairs it).
    pub(super) fn repair_segment(&self, path: &Path) -> Result<Option<PathBuf>, OutboxError> {
        let Some(segment) = Outbox::claim_segment(path)? else {
            return Ok(None);
        };
        Ok(self.waiting_in(&segment)?.1)
    }

    /// The segment holding waiting rating `id`, claimed, and its line with the entry;
    /// `Ok(None)` when no segment holds it; `Err(InFlight)` when another sender holds its
    /// segment.
    pub(super) fn claim_in_segments(&self, id: &str) -> Result<Option<(Line, Entry)>, OutboxError> {
        for path in self.segment_paths()? {
            let Some(lines) = unlocked_lines(&path)? else {
                continue;
            };
            let holds = lines.is_ok_and(|lines| {
                lines
                    .iter()
                    .any(|l| matches!(&l.content, Content::Waiting(e) if e.id == id))
            });
            if !holds {
                continue;
            }
            let Some(segment) = Outbox::claim_segment(&path)? else {
                return Err(OutboxError::InFlight(id.to_owned()));
            };
            let (waiting, _) = self.waiting_in(&segment)?;
            return Ok(waiting.into_iter().find(|(_, e)| e.id == id));
        }
        Ok(None)
    }

    /// Every segment's path, oldest first.
    pub(super) fn segment_paths(&self) -> Result<Vec<PathBuf>, OutboxError> {
        let mut paths = Vec::new();
        let read = std::fs::read_dir(&self.dir).map_err(|e| io_error(&self.dir, e))?;
        for item in read {
            let path = item.map_err(|e| io_error(&self.dir, e))?.path();
            if Outbox::is_segment(&path) {
                paths.push(path);
            }
        }
        paths.sort();
        Ok(paths)
    }
}

impl Outbox {
    /// A batch of ratings to save together ([`SaveBatch`]): one sync for all of them
    /// instead of one per rating.
    pub fn batch(&self) -> SaveBatch<'_> {
        SaveBatch {
            outbox: self,
            files: crate::private_fs::Batch::new(),
            segment: SegmentWriter::default(),
            count: 0,
        }
    }
}

/// Ratings saved in the outbox together, for an import: in segments of up to
/// [`super::SEGMENT_MAX`] ratings ([this module](self)), each written at once under a
/// temporary name, none in the outbox — listed, sent, or surviving a crash — until
/// [`SaveBatch::commit`] makes them all durable with one sync of the file system and one
/// fsync of the folder ([`crate::private_fs::Batch`]). Dropped uncommitted, it leaves
/// nothing behind.
#[derive(Debug)]
pub struct SaveBatch<'o> {
    outbox: &'o Outbox,
    files: crate::private_fs::Batch,
    /// The segment being filled.
    segment: SegmentWriter,
    count: usize,
}

impl SaveBatch<'_> {
    /// Add a rating for the server at `origin`; it is saved at the commit.
    pub fn add(
        &mut self,
        visit_id: &VisitId,
        rating: &Rating,
        origin: &str,
    ) -> Result<Entry, OutboxError> {
        let entry = new_entry(visit_id, rating, origin);
        let dir = &self.outbox.dir;
        let full = self.segment.add(&entry).map_err(|e| OutboxError::Io {
            path: dir.clone(),
            source: io::Error::other(e),
        })?;
        if let Some((name, bytes)) = full {
            self.files
                .add(&dir.join(name), &bytes)
                .map_err(|e| io_error(dir, e))?;
        }
        self.count += 1;
        Ok(entry)
    }

    /// How many ratings wait for the commit.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether none waits.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Save every rating added, durably: when this returns `Ok`, they survive a crash or
    /// a power cut.
    pub fn commit(mut self) -> Result<(), OutboxError> {
        let dir = &self.outbox.dir;
        if let Some((name, bytes)) = self.segment.take() {
            self.files
                .add(&dir.join(name), &bytes)
                .map_err(|e| io_error(dir, e))?;
        }
        self.files.commit().map_err(|e| io_error(dir, e))?;
        tracing::info!(count = self.count, "ratings saved in the outbox");
        Ok(())
    }
}

/// Finds the segment of each rating an import sends, in the import's order: the
/// segments are read once to know where each waiting rating is, and each is claimed
/// when the first of its ratings is asked for (and released once every lease from it
/// is gone). Holds ids and positions, never a rating's content beyond one segment.
#[derive(Debug, Default)]
pub(super) struct SegmentFinder {
    /// Rating id → index in `paths`, built at the first miss.
    index: Option<std::collections::HashMap<String, usize>>,
    paths: Vec<PathBuf>,
    /// The segment claimed last, with its waiting ratings not yet asked for (at most
    /// [`SEGMENT_MAX`]).
    current: Option<(usize, ById)>,
}

/// A claimed segment's waiting ratings by id, with their lines.
type ById = std::collections::HashMap<String, (Line, Entry)>;

/// What the finder found for a rating.
pub(super) enum Found {
    /// Claimed: its line, and the entry as read under the segment's lease.
    Held(Line, Box<Entry>),
    /// Its segment is another sender's.
    Busy,
    /// In no segment.
    Nowhere,
}

impl SegmentFinder {
    /// Where rating `id` is, claimed.
    pub(super) fn find(&mut self, outbox: &Outbox, id: &str) -> Result<Found, OutboxError> {
        if self.index.is_none() {
            self.paths = outbox.segment_paths()?;
            let mut index = std::collections::HashMap::new();
            for (at, path) in self.paths.iter().enumerate() {
                for id in segment_ids(path)? {
                    index.insert(id, at);
                }
            }
            self.index = Some(index);
        }
        let Some(&at) = self.index.as_ref().and_then(|index| index.get(id)) else {
            return Ok(Found::Nowhere);
        };
        if self.current.as_ref().is_none_or(|(held, _)| *held != at) {
            self.current = None;
            let Some(segment) = Outbox::claim_segment(&self.paths[at])? else {
                return Ok(Found::Busy);
            };
            let (waiting, _) = outbox.waiting_in(&segment)?;
            let ratings = waiting
                .into_iter()
                .map(|(line, entry)| (entry.id.clone(), (line, entry)))
                .collect();
            self.current = Some((at, ratings));
        }
        let ratings = &mut self.current.as_mut().map(|(_, r)| r);
        Ok(match ratings.as_mut().and_then(|r| r.remove(id)) {
            Some((line, entry)) => Found::Held(line, Box::new(entry)),
            None => Found::Nowhere,
        })
    }
}

/// The ids of the ratings waiting in the segment at `path` (none when it is gone or
/// damaged: claiming it says more).
fn segment_ids(path: &Path) -> Result<Vec<String>, OutboxError> {
    let Some(lines) = unlocked_lines(path)? else {
        return Ok(Vec::new());
    };
    Ok(lines
        .map(|lines| {
            lines
                .into_iter()
                .filter_map(|l| match l.content {
                    Content::Waiting(entry) => Some(entry.id),
                    Content::Done | Content::Damaged(_) => None,
                })
                .collect()
        })
        .unwrap_or_default())
}

/// The lines of the segment at `path`, read without its lease: `None` when it is gone;
/// inside, why it could not be read (`InvalidData`: larger than any we write).
fn unlocked_lines(path: &Path) -> Result<Option<io::Result<Vec<ReadLine>>>, OutboxError> {
    match open_with(path, false) {
        Ok(file) => Ok(Some(read_lines(&file))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path, e)),
    }
}

/// Every line of a segment file, read from its start without moving anyone's file
/// position; `InvalidData` when the file is larger than [`SEGMENT_BYTES_MAX`].
fn read_lines(file: &File) -> io::Result<Vec<ReadLine>> {
    if file.metadata()?.len() > SEGMENT_BYTES_MAX {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "a segment larger than any this program writes",
        ));
    }
    let mut reader = io::BufReader::new(At { file, pos: 0 }.take(SEGMENT_BYTES_MAX));
    let mut lines = Vec::new();
    let mut offset = 0_u64;
    let mut bytes = Vec::new();
    loop {
        bytes.clear();
        let read = reader.read_until(b'\n', &mut bytes)?;
        if read == 0 {
            break;
        }
        let content = match bytes.strip_suffix(b"\n") {
            Some(line) => parse_line(line),
            None => Content::Damaged("a line cut short".into()),
        };
        let len = bytes.len() - usize::from(bytes.ends_with(b"\n"));
        lines.push(ReadLine {
            offset,
            len,
            content,
        });
        offset += read as u64;
    }
    Ok(lines)
}

/// What a line (without its newline) holds.
fn parse_line(line: &[u8]) -> Content {
    match line.split_first() {
        Some((&DONE, _)) => Content::Done,
        Some((&WAITING, json)) => match parse_entry(json) {
            Ok(entry) => Content::Waiting(Box::new(entry)),
            Err(reason) => Content::Damaged(reason),
        },
        _ => Content::Damaged("a line that is not a rating".into()),
    }
}

/// A segment's entry, or why it is damaged: the same checks as an entry's file, and
/// the ones a file name gave there (a safe id), and only fresh ratings.
fn parse_entry(json: &[u8]) -> Result<Entry, String> {
    let entry: Entry =
        serde_json::from_slice(json).map_err(|e| format!("not a valid entry: {e}"))?;
    if entry.version != FORMAT_VERSION {
        return Err(format!("unknown format version {}", entry.version));
    }
    if !entry_id_is_safe(&entry.id) {
        return Err("an entry id that cannot be a file name".into());
    }
    if entry.state != EntryState::Waiting {
        return Err("a segment holds only ratings waiting for their first attempt".into());
    }
    Ok(entry)
}

/// A reader over `file` from `pos` that leaves the file's own position alone.
struct At<'f> {
    file: &'f File,
    pos: u64,
}

impl io::Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = read_some_at(self.file, buf, self.pos)?;
        self.pos += read as u64;
        Ok(read)
    }
}

#[cfg(unix)]
fn read_some_at(file: &File, buf: &mut [u8], pos: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, pos)
}

#[cfg(windows)]
fn read_some_at(file: &File, buf: &mut [u8], pos: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, pos)
}

fn read_at(file: &File, mut buf: &mut [u8], mut pos: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match read_some_at(file, buf, pos)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                pos += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn write_at(file: &File, bytes: &[u8], pos: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, pos)
}

#[cfg(windows)]
fn write_at(file: &File, bytes: &[u8], pos: u64) -> io::Result<()> {
    let written = std::os::windows::fs::FileExt::seek_write(file, bytes, pos)?;
    if written == bytes.len() {
        Ok(())
    } else {
        Err(io::ErrorKind::WriteZero.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::OutcomeKind;
    use crate::outbox::testing::{
        ORIGIN, answer, claim_soon, flush_all, rating, served, temp_outbox, visit,
    };
    use crate::outbox::{Removal, Skip};
    use crate::secrets::Token;
    use std::fs;

    /// `count` ratings saved as an import saves them; their entries.
    fn batch_of(outbox: &Outbox, prefix: &str, count: usize, origin: &str) -> Vec<Entry> {
        let mut batch = outbox.batch();
        let entries = (0..count)
            .map(|i| {
                batch
                    .add(&visit(&format!("{prefix}-{i}")), &rating("Спасибо"), origin)
                    .unwrap()
            })
            .collect();
        batch.commit().unwrap();
        entries
    }

    /// The names of the files in the outbox folder with extension `ext`.
    fn files_with(outbox: &Outbox, ext: &str) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(outbox.dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_batch_is_saved_in_segments_listed_in_order_and_drained_to_the_last_file() {
        let (_dir, outbox) = temp_outbox();
        let (server, client) = served("t");
        let n = SEGMENT_MAX * 2 + 40;
        let saved = batch_of(&outbox, "seg", n, &client.origin());
        assert_eq!(files_with(&outbox, SEGMENT_EXT).len(), 3);
        assert!(files_with(&outbox, "json").is_empty(), "no file per rating");
        let mut sorted = saved.clone();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(outbox.list().unwrap().entries, sorted);
        assert_eq!(outbox.tally().unwrap().waiting(), n);
        flush_all(&outbox, &server, &client, n);
    }

    #[test]
    fn a_rating_not_delivered_moves_to_a_file_of_its_own_with_its_answer() {
        let (_dir, outbox) = temp_outbox();
        let saved = batch_of(&outbox, "move", 3, ORIGIN);
        let lease = outbox
            .claim(&saved[1].id)
            .unwrap()
            .expect("nobody holds it");
        assert!(lease.line.is_some(), "leased in its segment");
        let entry = outbox.read_leased(&lease).unwrap().unwrap();
        assert_eq!(entry, saved[1]);
        outbox
            .record(&lease, entry, &answer(OutcomeKind::Transient))
            .unwrap();
        drop(lease);
        assert_eq!(
            files_with(&outbox, "json"),
            [format!("{}.json", saved[1].id)]
        );
        let listing = outbox.list().unwrap();
        assert_eq!(listing.entries.len(), 3, "listed once: {listing:?}");
        let moved = listing
            .entries
            .iter()
            .find(|e| e.id == saved[1].id)
            .unwrap();
        assert_eq!(moved.attempts, 1);
        assert!(
            moved.next_attempt_ms > saved[1].next_attempt_ms,
            "backoff applied"
        );
        // A rejection moves the next one, needing attention.
        let lease = claim_soon(&outbox, &saved[2].id).unwrap();
        let entry = outbox.read_leased(&lease).unwrap().unwrap();
        outbox
            .record(&lease, entry, &answer(OutcomeKind::Rejected))
            .unwrap();
        drop(lease);
        assert_eq!(outbox.list().unwrap().needs_attention(), 1);
        // A person discards the first: its line is done, and the segment, empty of
        // waiting ratings, is gone.
        outbox
            .remove_by_person(&saved[0].id, Removal::Discarded)
            .unwrap();
        assert!(files_with(&outbox, SEGMENT_EXT).is_empty());
        assert_eq!(outbox.list().unwrap().entries.len(), 2);
    }

    #[test]
    fn ratings_in_a_segment_saved_for_another_server_move_on_a_persons_command() {
        let (_dir, outbox) = temp_outbox();
        let old = "https://old.example:443";
        let saved = batch_of(&outbox, "elsewhere", 3, old);
        batch_of(&outbox, "here", 2, ORIGIN);
        assert_eq!(outbox.list().unwrap().for_other_servers(ORIGIN), 3);
        assert_eq!(outbox.move_to_server(ORIGIN).unwrap(), 3);
        let listing = outbox.list().unwrap();
        assert_eq!(
            (
                listing.waiting_for(ORIGIN),
                listing.for_other_servers(ORIGIN)
            ),
            (5, 0)
        );
        let mut moved = files_with(&outbox, "json");
        moved.sort();
        let mut expected: Vec<String> = saved.iter().map(|e| format!("{}.json", e.id)).collect();
        expected.sort();
        assert_eq!(moved, expected, "moved to files of their own");
        assert_eq!(
            files_with(&outbox, SEGMENT_EXT).len(),
            1,
            "the emptied one is gone"
        );
        assert_eq!(outbox.move_to_server(ORIGIN).unwrap(), 0);
    }

    #[test]
    fn a_segment_is_one_lease_and_another_sender_leaves_all_of_it() {
        let (_dir, outbox) = temp_outbox();
        let (server, client) = served("t");
        let saved = batch_of(&outbox, "held", 4, &client.origin());
        let lease = outbox.claim(&saved[0].id).unwrap().unwrap();
        // Another thread is another sender.
        let other = outbox.clone();
        let id = saved[3].id.clone();
        let held_elsewhere = std::thread::Builder::new()
            .name("other-sender".into())
            .spawn(move || other.claim(&id).unwrap().is_none())
            .unwrap()
            .join()
            .unwrap();
        assert!(held_elsewhere, "the segment is held");
        assert!(outbox.in_flight(&saved[2].id));
        let token = Token::new("t").unwrap();
        let report = outbox
            .flush(&client, &|| Some(token.clone()), true)
            .unwrap();
        assert!(report.attempts.is_empty());
        assert_eq!(report.in_flight.len(), 4);
        assert!(matches!(
            outbox.send(&saved[1].id, &client, &token, true).unwrap(),
            crate::outbox::Attempt::Skipped(Skip::InFlight)
        ));
        drop(lease);
        let report = outbox
            .flush(&client, &|| Some(token.clone()), true)
            .unwrap();
        assert_eq!(report.delivered(), 4);
        assert_eq!(server.state().ratings().len(), 4);
    }

    #[test]
    fn a_drain_stopped_part_way_leaves_the_rest_waiting_in_their_segment() {
        let (_dir, outbox) = temp_outbox();
        let (server, client) = served("right");
        let saved = batch_of(&outbox, "part", 5, &client.origin());
        let wrong = Token::new("wrong").unwrap();
        let report = outbox
            .flush(&client, &|| Some(wrong.clone()), true)
            .unwrap();
        assert_eq!(report.attempts.len(), 1, "paused at the first 401");
        assert_eq!(
            files_with(&outbox, "json").len(),
            1,
            "the one tried moved out"
        );
        assert_eq!(files_with(&outbox, SEGMENT_EXT).len(), 1);
        assert_eq!(outbox.list().unwrap().waiting(), 5);
        let right = Token::new("right").unwrap();
        let report = outbox
            .flush(&client, &|| Some(right.clone()), true)
            .unwrap();
        assert_eq!(report.delivered(), 5);
        assert_eq!(server.state().ratings().len(), 5);
        assert!(outbox.list().unwrap().entries.is_empty());
        assert!(files_with(&outbox, SEGMENT_EXT).is_empty());
        assert_eq!(saved.len(), 5);
    }

    #[test]
    fn a_move_cut_short_by_a_crash_is_finished_by_the_next_sender_the_file_wins() {
        let (_dir, outbox) = temp_outbox();
        let (server, client) = served("t");
        let saved = batch_of(&outbox, "crash", 3, &client.origin());
        // The first was tried (its file written) and the crash came before its line
        // was marked.
        let mut tried = saved[0].clone();
        tried.attempts = 1;
        outbox.write(&tried).unwrap();
        let listing = outbox.list().unwrap();
        assert_eq!(listing.entries.len(), 3, "listed once: {listing:?}");
        assert_eq!(
            listing.entries.iter().find(|e| e.id == tried.id),
            Some(&tried)
        );
        let token = Token::new("t").unwrap();
        let report = outbox
            .flush(&client, &|| Some(token.clone()), true)
            .unwrap();
        assert_eq!(report.delivered(), 3);
        assert_eq!(server.state().ratings().len(), 3, "each sent once");
        assert!(fs::read_dir(outbox.dir()).unwrap().next().is_none());
    }

    #[test]
    fn a_damaged_segment_keeps_its_readable_ratings_and_is_set_aside() {
        for damage in ["garbage", "escape", "cut", "huge"] {
            let (_dir, outbox) = temp_outbox();
            let saved = batch_of(&outbox, damage, 3, ORIGIN);
            let name = files_with(&outbox, SEGMENT_EXT).remove(0);
            let path = outbox.dir().join(&name);
            let text = fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            let evil = lines[1].replace(&saved[1].id, "../../../escaped");
            let damaged = match damage {
                "garbage" => format!("{}\nW{{not json\n{}\n", lines[0], lines[2]),
                "escape" => format!("{}\n{evil}\n{}\n", lines[0], lines[2]),
                "cut" => format!("{}\n{}\n{}", lines[0], lines[1], &lines[2][..20]),
                _ => {
                    let file = fs::File::options().append(true).open(&path).unwrap();
                    file.set_len(SEGMENT_BYTES_MAX + 1).unwrap();
                    String::new()
                }
            };
            if !damaged.is_empty() {
                fs::write(&path, damaged).unwrap();
            }
            let listing = outbox.list().unwrap();
            assert_eq!(listing.damaged.len(), 1, "{damage}: {listing:?}");
            assert!(listing.damaged[0].starts_with(outbox.dir().join("damaged")));
            assert!(!path.exists(), "{damage}");
            let kept: Vec<String> = outbox
                .list()
                .unwrap()
                .entries
                .into_iter()
                .map(|e| e.id)
                .collect();
            let expected: Vec<String> = match damage {
                "garbage" | "escape" => vec![saved[0].id.clone(), saved[2].id.clone()],
                "cut" => vec![saved[0].id.clone(), saved[1].id.clone()],
                _ => vec![],
            };
            let mut expected = expected;
            expected.sort();
            assert_eq!(kept, expected, "{damage}");
            assert!(!outbox.dir().parent().unwrap().join("escaped").exists());
            assert!(!outbox.dir().join("../../../escaped").exists());
        }
    }
}
