//! A drain: everything due for the configured server sent through the one send path,
//! in three stages — entries claimed and read ahead on a reader thread, sent on the
//! caller's, answers applied on a recorder thread with delivered entries removed in
//! batches — each handing the next a handful at a time ([`HANDFUL`]).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::api::{Outcome, OutcomeKind, RatingClient};
use crate::secrets::Token;

use super::segment::{Found, SegmentFinder};
use super::store::remove_if_stale;
use super::{
    Deliveries, Entry, EntryState, FlushReport, GIVE_UP_AFTER_UNREACHABLE, Lease, Outbox,
    OutboxError, Skip, io_error, now_ms,
};

/// How many entries a flush claims and reads ahead of the one being sent: enough to
/// ride out a stall of the disk (another program's fsync holding the file system's
/// journal) of a few milliseconds without the sender waiting.
pub(super) const READ_AHEAD: usize = 32;
/// How many answers may wait for the recorder: the same, for removals. (Each holds its
/// lease's open file: with a batch of [`Deliveries::BATCH`], a flush keeps well under
/// the usual limit of 1,024 open files.)
const ANSWERS_AHEAD: usize = 256;
/// How many claimed entries the reader hands to the sender at once, and answers the
/// sender hands to the recorder: one wake-up of the other thread per handful instead
/// of one per rating, on a machine where the stand-in server or the portal's proxy
/// shares the cores.
const HANDFUL: usize = 8;
/// Answers are handed over at once after a request this slow, or when the first of
/// them waited this long: a slow server never delays the recording of an answer.
const HAND_OVER_AFTER: Duration = Duration::from_millis(20);

/// An answer on its way to the recording stage, with the lease it was sent under.
type Answer = (Lease, Entry, Outcome);

/// Where the sending stage hands answers to the recording stage: a few at a time
/// ([`HANDFUL`]), each at once after a slow request ([`HAND_OVER_AFTER`]); what is
/// left is handed over when it is dropped.
struct Answers<'o> {
    outbox: &'o Outbox,
    to: std::sync::mpsc::SyncSender<Vec<Answer>>,
    pending: Vec<Answer>,
    since: Option<std::time::Instant>,
}

impl Answers<'_> {
    /// Hand `answer` on (with the others when enough wait); `took`: how long its
    /// request took.
    fn push(&mut self, answer: Answer, took: Duration) {
        self.pending.push(answer);
        let since = *self.since.get_or_insert_with(std::time::Instant::now);
        if self.pending.len() >= HANDFUL
            || took >= HAND_OVER_AFTER
            || since.elapsed() >= HAND_OVER_AFTER
        {
            self.hand_over();
        }
    }

    fn hand_over(&mut self) {
        self.since = None;
        if self.pending.is_empty() {
            return;
        }
        let answers = std::mem::take(&mut self.pending);
        if let Err(std::sync::mpsc::SendError(answers)) = self.to.send(answers) {
            // The recording stage is gone (it cannot be, short of a panic): record here.
            for (lease, entry, outcome) in answers {
                if let Err(e) = self.outbox.record(&lease, entry, &outcome) {
                    tracing::error!(error = %e, "cannot update the outbox after sending");
                }
            }
        }
    }
}

impl Drop for Answers<'_> {
    fn drop(&mut self) {
        self.hand_over();
    }
}

/// What a stage receives from the one before it, one by one, handed over in handfuls.
type Handed<T> = std::iter::Flatten<std::sync::mpsc::IntoIter<Vec<T>>>;

/// Where the reading stage hands claimed entries to the sender, [`HANDFUL`] at a time.
struct Claims<T> {
    to: std::sync::mpsc::SyncSender<Vec<T>>,
    pending: Vec<T>,
}

impl<T> Claims<T> {
    fn new(to: std::sync::mpsc::SyncSender<Vec<T>>) -> Claims<T> {
        Claims {
            to,
            pending: Vec::with_capacity(HANDFUL),
        }
    }

    /// Hand `item` on; `false` when the sender is gone.
    fn push(&mut self, item: T) -> bool {
        self.pending.push(item);
        self.pending.len() < HANDFUL || self.hand_over()
    }

    /// Hand on what waits; `false` when the sender is gone.
    fn hand_over(&mut self) -> bool {
        if self.pending.is_empty() {
            return true;
        }
        let items = std::mem::replace(&mut self.pending, Vec::with_capacity(HANDFUL));
        self.to.send(items).is_ok()
    }
}

/// What a flush finds in the folder: an entry's file (its id) or a segment.
#[derive(Debug)]
enum Item {
    File(String),
    Segment(PathBuf),
}

impl Item {
    /// Its name's order: both start with the time the first rating was saved.
    fn key(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Item::File(id) => id.as_str().into(),
            Item::Segment(path) => path.file_name().unwrap_or_default().to_string_lossy(),
        }
    }
}

/// What the reading stage of a flush set aside or left alone.
#[derive(Debug, Default)]
struct ReadReport {
    damaged: Vec<PathBuf>,
    in_flight: Vec<String>,
    other_server: usize,
}

/// What the reading stage of a [`Pipeline`] made of one item's entry.
#[derive(Debug)]
pub enum Claimed {
    /// Claimed and read again under its lease: it waits for this server and is due (or
    /// the pipeline is forced). Send it with [`Pipeline::send`], or drop it to leave it.
    Ready(Lease, Box<Entry>),
    /// Not to be sent by this pipeline, and why.
    Skipped(Skip),
    /// Not looked at: the caller asked the pipeline to stop claiming
    /// ([`Pipeline::stop_claiming`]).
    NotClaimed,
}

/// A drain's stages for a caller that sends given entries in a given order and wants
/// each answer as it comes (an import): a reader thread claims each entry and reads it
/// under its lease, [`READ_AHEAD`] ahead of the caller; the caller sends
/// ([`Pipeline::send`]); a recorder thread applies the answers, removing delivered
/// entries in batches ([`Deliveries`]), as [`Outbox::flush`] does. Made by
/// [`Outbox::pipeline`].
pub struct Pipeline<'p, T> {
    claimed: Handed<(T, Option<Claimed>)>,
    answers: std::cell::RefCell<Answers<'p>>,
    stop: &'p AtomicBool,
}

impl<T> Pipeline<'_, T> {
    /// The next item, in the order given, with what the reader made of its entry
    /// (`None`: the item named none). `None` after the last.
    pub fn next_item(&mut self) -> Option<(T, Option<Claimed>)> {
        self.claimed.next()
    }

    /// Send a claimed entry, hand its answer to the recorder, and return it. The lease
    /// is released once the answer is applied (for a delivered entry, once its file is
    /// gone).
    pub fn send(
        &self,
        lease: Lease,
        entry: Entry,
        client: &RatingClient,
        token: &Token,
    ) -> Outcome {
        let started = std::time::Instant::now();
        let outcome = client.submit(&entry.visit_id, &entry.rating, token);
        self.answers
            .borrow_mut()
            .push((lease, entry, outcome.clone()), started.elapsed());
        outcome
    }

    /// Claim nothing more: the items still to come arrive as [`Claimed::NotClaimed`]
    /// (sending stopped; they wait in the outbox for the next sender).
    pub fn stop_claiming(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Outbox {
    /// Run `body` with a [`Pipeline`] over `items`, each with the id of the entry to
    /// send for it (or none), for the server at `origin` (due or not when `force`).
    /// Returns when `body` has returned and every answer it sent is applied.
    pub fn pipeline<T: Send, R>(
        &self,
        items: impl Iterator<Item = (T, Option<String>)> + Send,
        origin: &str,
        force: bool,
        body: impl FnOnce(&mut Pipeline<'_, T>) -> R,
    ) -> Result<R, OutboxError> {
        let stop = AtomicBool::new(false);
        let stop = &stop;
        std::thread::scope(|scope| {
            let (to_send, claimed) = std::sync::mpsc::sync_channel(READ_AHEAD / HANDFUL);
            let reader = std::thread::Builder::new()
                .name("outbox-reader".into())
                .spawn_scoped(scope, move || -> Result<(), OutboxError> {
                    let mut finder = SegmentFinder::default();
                    let mut to_send = Claims::new(to_send);
                    for (item, id) in items {
                        let claim = match id {
                            Some(_) if stop.load(Ordering::SeqCst) => Some(Claimed::NotClaimed),
                            Some(id) => Some(self.claim_for(&id, origin, force, &mut finder)?),
                            None => None,
                        };
                        if !to_send.push((item, claim)) {
                            return Ok(());
                        }
                    }
                    to_send.hand_over();
                    Ok(())
                })
                .map_err(|e| io_error(&self.dir, e))?;
            let (answers, recorder) = self.start_recorder(scope)?;
            let mut pipeline = Pipeline {
                claimed: claimed.into_iter().flatten(),
                answers: std::cell::RefCell::new(answers),
                stop,
            };
            let result = body(&mut pipeline);
            // The reader stops at its next item; the recorder commits and ends.
            stop.store(true, Ordering::SeqCst);
            drop(pipeline);
            let _ = recorder.join();
            reader.join().map_err(|_| {
                io_error(
                    &self.dir,
                    std::io::Error::other("the outbox reader panicked"),
                )
            })??;
            Ok(result)
        })
    }

    /// The reading stage of a [`Pipeline`] for one entry.
    fn claim_for(
        &self,
        id: &str,
        origin: &str,
        force: bool,
        finder: &mut SegmentFinder,
    ) -> Result<Claimed, OutboxError> {
        let lease = match finder.find(self, id)? {
            // Read under the segment's lease when it was claimed.
            Found::Held(line, entry) => {
                return Ok(match Outbox::still_sendable(*entry, origin, force) {
                    Ok(entry) => Claimed::Ready(Lease::of_line(id, line), Box::new(entry)),
                    Err(skip) => Claimed::Skipped(skip),
                });
            }
            Found::Busy => None,
            // A file of its own (or gone meanwhile: the send path says so).
            Found::Nowhere => self.claim_own_file(id)?,
        };
        let Some(lease) = lease else {
            return Ok(Claimed::Skipped(Skip::InFlight));
        };
        Ok(match self.sendable(&lease, origin, force) {
            Ok(entry) => Claimed::Ready(lease, Box::new(entry)),
            Err(skip) => Claimed::Skipped(skip),
        })
    }
}

impl Outbox {
    /// Send what is due for the client's server (everything waiting when `force`),
    /// oldest first, each through the send path (claim, read again, send, record): an
    /// entry another sender holds is left to it. `token` is asked for only when there is
    /// something to send. Stops at a token problem or a gateway's refusal, and after
    /// [`GIVE_UP_AFTER_UNREACHABLE`] attempts in a row without an answer.
    ///
    /// Three stages, so that the disk work overlaps the requests: a reader thread walks
    /// the folder in order, claims each entry and reads it under its lease, keeping the
    /// due ones (a few ahead of the sender: those leases are held a moment longer, and
    /// released if sending stops); this thread sends; a recorder thread applies the answers, with
    /// the removals of delivered entries batched (see [`Deliveries`]).
    pub fn flush(
        &self,
        client: &RatingClient,
        token: &dyn Fn() -> Option<Token>,
        force: bool,
    ) -> Result<FlushReport, OutboxError> {
        self.check_writable()?;
        let items = self.scan()?;
        let origin = &client.origin();
        let now = now_ms();
        std::thread::scope(|scope| {
            let (claimed, to_send) = std::sync::mpsc::sync_channel(READ_AHEAD / HANDFUL);
            let reader = std::thread::Builder::new()
                .name("outbox-reader".into())
                .spawn_scoped(scope, move || {
                    let mut claimed = Claims::new(claimed);
                    let read = self.claim_due(items, origin, now, force, &mut claimed);
                    claimed.hand_over();
                    read
                })
                .map_err(|e| io_error(&self.dir, e))?;
            let mut report = FlushReport::default();
            let mut to_send = to_send.into_iter().flatten().peekable();
            // The token is asked for only when something is to be sent.
            let token = to_send.peek().is_some().then(token);
            if let Some(Some(token)) = token {
                self.send_claimed_all(to_send, client, &token, &mut report)?;
            } else {
                // Nothing to send, or no token: what the reader claimed is released.
                drop(to_send);
                if token.is_some() {
                    report.paused = Some(Outcome::transport_failure("no token".into()));
                }
            }
            let read = reader.join().map_err(|_| {
                io_error(
                    &self.dir,
                    std::io::Error::other("the outbox reader panicked"),
                )
            })??;
            report.damaged = read.damaged;
            report.in_flight = read.in_flight;
            report.other_server = read.other_server;
            Ok(report)
        })
    }

    /// A read-only outbox (a disk remounted read-only after errors, a folder of another
    /// user's) is not flushed: a delivered rating could not be removed, and every later
    /// flush would send it again, each answered 5030. Claiming needs no write, so this
    /// is asked once per flush: an unnamed temporary file (`O_TMPFILE` on Linux). Any
    /// other failure (a full disk) lets the flush go on: removing delivered ratings is
    /// what frees the space.
    fn check_writable(&self) -> Result<(), OutboxError> {
        match tempfile::tempfile_in(&self.dir) {
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
                ) =>
            {
                Err(io_error(&self.dir, e))
            }
            _ => Ok(()),
        }
    }

    /// The entries in the folder, oldest first: ids of entry files and paths of
    /// segments (stale temporary files are removed on the way). Names only: the files
    /// are read one at a time afterwards.
    fn scan(&self) -> Result<Vec<Item>, OutboxError> {
        let mut items = Vec::new();
        let read = std::fs::read_dir(&self.dir).map_err(|e| io_error(&self.dir, e))?;
        for item in read {
            let item = item.map_err(|e| io_error(&self.dir, e))?;
            let name = item.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".tmp-") {
                remove_if_stale(&item.path());
            } else if !item.file_type().is_ok_and(|t| t.is_file()) {
            } else if let Some(id) = name.strip_suffix(".json") {
                items.push(Item::File(id.to_owned()));
            } else if Outbox::is_segment(&item.path()) {
                items.push(Item::Segment(item.path()));
            }
        }
        items.sort_unstable_by(|a, b| a.key().cmp(&b.key()));
        Ok(items)
    }

    /// The reading stage of [`Outbox::flush`]: each of `ids` claimed and read under its
    /// lease (once: see [`super::lease`]); those due for `origin` handed to `claimed`,
    /// the others released at once. Damaged files are set aside, as a listing does.
    /// Stops when the sender is gone.
    fn claim_due(
        &self,
        items: Vec<Item>,
        origin: &str,
        now: u64,
        force: bool,
        claimed: &mut Claims<(Lease, Entry)>,
    ) -> Result<ReadReport, OutboxError> {
        let mut read = ReadReport::default();
        for item in items {
            let id = match item {
                Item::File(id) => id,
                Item::Segment(path) => {
                    if !self.claim_due_in_segment(&path, origin, now, force, claimed, &mut read)? {
                        // Sending stopped: the rest wait for the next flush.
                        break;
                    }
                    continue;
                }
            };
            let Some(lease) = self.claim(&id)? else {
                read.in_flight.push(id);
                continue;
            };
            let entry = match self.read_leased(&lease) {
                Ok(Some(entry)) => entry,
                // Delivered or removed meanwhile.
                Ok(None) => continue,
                Err(reason) => {
                    drop(lease);
                    read.damaged
                        .extend(self.set_aside(&self.path_of(&id), &reason));
                    continue;
                }
            };
            if entry.state != EntryState::Waiting {
                // Entries of 0.1, or a marker lost in a crash (as a listing does).
                self.mark_attention(&entry, false);
                continue;
            }
            if !entry.is_for(origin) {
                read.other_server += 1;
                continue;
            }
            if !force && entry.next_attempt_ms > now {
                continue;
            }
            if !claimed.push((lease, entry)) {
                // Sending stopped: the rest wait for the next flush.
                break;
            }
        }
        Ok(read)
    }

    /// [`Outbox::claim_due`] for a segment: claimed whole, its waiting ratings for
    /// `origin` handed to `claimed` (all of them are due: none was tried yet). Returns
    /// `false` when the sender is gone.
    fn claim_due_in_segment(
        &self,
        path: &std::path::Path,
        origin: &str,
        now: u64,
        force: bool,
        claimed: &mut Claims<(Lease, Entry)>,
        read: &mut ReadReport,
    ) -> Result<bool, OutboxError> {
        let Some(segment) = Outbox::claim_segment(path)? else {
            // Another sender's (or delivered meanwhile): its ratings are left to it.
            let _ = self.walk_segment(path, &mut |entry| read.in_flight.push(entry.id))?;
            return Ok(true);
        };
        let (waiting, damaged) = self.waiting_in(&segment)?;
        drop(segment);
        read.damaged.extend(damaged);
        for (line, entry) in waiting {
            if !entry.is_for(origin) {
                read.other_server += 1;
                continue;
            }
            if !force && entry.next_attempt_ms > now {
                continue;
            }
            if !claimed.push((Lease::of_line(&entry.id, line), entry)) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The sending stage of [`Outbox::flush`]: each claimed entry sent, and its answer
    /// handed to a recorder thread.
    fn send_claimed_all(
        &self,
        claimed: impl Iterator<Item = (Lease, Entry)>,
        client: &RatingClient,
        token: &Token,
        report: &mut FlushReport,
    ) -> Result<(), OutboxError> {
        std::thread::scope(|scope| {
            let (mut answers, recorder) = self.start_recorder(scope)?;
            let mut unreachable = 0;
            for (lease, entry) in claimed {
                let started = std::time::Instant::now();
                let outcome = client.submit(&entry.visit_id, &entry.rating, token);
                answers.push((lease, entry.clone(), outcome.clone()), started.elapsed());
                let stop = matches!(
                    outcome.kind,
                    OutcomeKind::Unauthorized(_) | OutcomeKind::Refused
                );
                // No answer at all, several times in a row: the server (or the network) is
                // down; trying thousands of entries at one timeout each helps nobody.
                if outcome.kind == OutcomeKind::Transient && outcome.http_status.is_none() {
                    unreachable += 1;
                } else {
                    unreachable = 0;
                }
                report.attempts.push((entry, outcome.clone()));
                if stop {
                    report.paused = Some(outcome);
                    break;
                }
                if unreachable >= GIVE_UP_AFTER_UNREACHABLE {
                    break;
                }
            }
            drop(answers);
            let _ = recorder.join();
            Ok(())
        })
    }

    /// The recording stage ([`Outbox::record_answers`]) on a thread of `scope`: where
    /// the answers go, and the thread, which ends once every sender is dropped.
    fn start_recorder<'scope>(
        &'scope self,
        scope: &'scope std::thread::Scope<'scope, '_>,
    ) -> Result<(Answers<'scope>, std::thread::ScopedJoinHandle<'scope, ()>), OutboxError> {
        let (answers, answered) = std::sync::mpsc::sync_channel(ANSWERS_AHEAD / HANDFUL);
        let recorder = std::thread::Builder::new()
            .name("outbox-recorder".into())
            .spawn_scoped(scope, move || self.record_answers(&answered))
            .map_err(|e| io_error(&self.dir, e))?;
        let answers = Answers {
            outbox: self,
            to: answers,
            pending: Vec::with_capacity(HANDFUL),
            since: None,
        };
        Ok((answers, recorder))
    }

    /// The recording stage of [`Outbox::flush`]: apply each answer; delivered entries
    /// are removed in batches, at the latest [`Deliveries::WAIT`] after delivery.
    pub(super) fn record_answers(&self, answered: &std::sync::mpsc::Receiver<Vec<Answer>>) {
        use std::sync::mpsc::RecvTimeoutError;
        let mut deliveries = Deliveries::new(self);
        loop {
            let wait = deliveries.due_in().unwrap_or(Duration::from_hours(1));
            match answered.recv_timeout(wait) {
                Ok(answers) => {
                    for (lease, entry, outcome) in answers {
                        let id = entry.id.clone();
                        if let Err(e) = deliveries.record(lease, entry, &outcome) {
                            // The entry is still on disk as it was: sent again later.
                            tracing::error!(entry = %id, error = %e, "cannot update the outbox after sending");
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => deliveries.commit(),
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        deliveries.commit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{OutcomeKind, RatingClient};
    use crate::outbox::testing::{flush_all, ids, save_many, served, temp_outbox};
    use crate::secrets::Token;

    #[test]
    fn a_flush_delivers_everything_and_leaves_no_file_behind() {
        let (dir, outbox) = temp_outbox();
        let (server, client) = served("t");
        // More than a batch, so that several batches are committed.
        let n = Deliveries::BATCH * 2 + 7;
        save_many(&outbox, n, &client.origin());
        flush_all(&outbox, &server, &client, n);
        // Counted per batch, every attempt once, all written by the time flush returns.
        let counted = crate::counters::Deliveries::load(dir.path()).unwrap();
        assert_eq!(counted.count(crate::api::OutcomeClass::Accepted), n as u64);
        assert_eq!(counted.total(), n as u64);
    }

    #[test]
    fn a_flush_paused_by_a_token_problem_leaves_what_it_read_ahead_to_others() {
        let (dir, outbox) = temp_outbox();
        // The server must outlive the flush.
        let (_server, client) = served("right");
        let n = READ_AHEAD * 3;
        save_many(&outbox, n, &client.origin());
        let wrong = Token::new("wrong").unwrap();
        let report = outbox
            .flush(&client, &|| Some(wrong.clone()), true)
            .unwrap();
        assert!(
            matches!(
                report.paused.as_ref().map(|o| o.kind),
                Some(OutcomeKind::Unauthorized(_))
            ),
            "{:?}",
            report.paused
        );
        assert_eq!(report.attempts.len(), 1, "sending stops at the first 401");
        assert!(report.in_flight.is_empty());
        // Everything is still there, and no lease outlived the flush: the entries the
        // reader had claimed ahead are free for the next sender.
        let left = ids(&outbox);
        assert_eq!(left.len(), n);
        for id in &left {
            assert!(outbox.claim(id).unwrap().is_some(), "{id} is still leased");
        }
        let counted = crate::counters::Deliveries::load(dir.path()).unwrap();
        assert_eq!(counted.count(crate::api::OutcomeClass::Unauthorized), 1);
        assert_eq!(counted.total(), 1);
    }

    #[test]
    fn a_flush_stops_after_three_attempts_without_an_answer() {
        let (_dir, outbox) = temp_outbox();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let url_origin = crate::api::origin(&url);
        save_many(&outbox, 10, &url_origin);
        let client = RatingClient::new(&crate::api::ClientSettings::new(url)).unwrap();
        assert_eq!(client.origin(), url_origin);
        let token = Token::new("t").unwrap();
        let report = outbox
            .flush(&client, &|| Some(token.clone()), true)
            .unwrap();
        assert_eq!(report.attempts.len(), GIVE_UP_AFTER_UNREACHABLE);
        assert_eq!(outbox.list().unwrap().waiting(), 10, "nothing lost");
    }
}
