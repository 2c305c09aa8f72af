//! The one way a rating leaves the outbox: claim its lease, read it again, send it,
//! apply the rules to the answer, release the lease. The window's own send, `submit
//! --queue`, `outbox flush` and the background sender all come through
//! [`Outbox::send_claimed`], so one rule holds for all of them:
//!
//! - **A lease per entry** ([`super::lease`]): an exclusive lock held for one attempt
//!   (for a delivered entry, until its file is removed: see below). Whoever holds it is
//!   the only sender of that entry — another thread of the same process, another window,
//!   a CLI command. The operating system drops a dead process's locks, so a crash never
//!   strands a rating; saving a new rating never waits behind a flush.
//! - **Read under the lease.** What a sender listed may have been sent, answered,
//!   removed or moved meanwhile; the entry is read from disk after the lease is taken
//!   and sent only if it still waits, is due (unless forced), and is meant for this
//!   server.
//! - **One delete rule** ([`Outbox::record`]): an entry leaves the outbox only when the
//!   server has it (accepted, or 5030). A rejection keeps it as "needs attention" until
//!   it is superseded — the server has a rating for the visit, or a later rating for the
//!   same visit (the corrected form) got an answer — or a person marks it replaced or
//!   discards it ([`Outbox::remove_by_person`]).
//!
//! - **Removals of delivered entries may wait, and need not be durable.** A flush hands
//!   each answer to a second thread, which applies it while the next request is under
//!   way, and removes delivered entries in batches ([`Deliveries`]): sent-log lines in
//!   one write, the files unlinked, one folder fsync per batch (none for the window's
//!   single rating). The lease of a delivered entry is held until its file is gone, so
//!   nobody sends it again meanwhile. A removal lost in a crash or a power cut costs one
//!   resend, answered 5030 — which counts as delivered and removes it. Only the save
//!   before the first attempt must be durable, and is.
//!
//! `Outbox::apply` is where every attempt's outcome is applied, whether through
//! [`Outbox::record`] (one answer, applied at once) or [`Deliveries::record`] (a
//! flush's answers): the one place attempts are counted, through the outbox's
//! [`AttemptRecorder`] (given by whoever opened it; none, no counting).

use std::fs;
use std::time::{Duration, Instant};

use super::segment::Line;
use super::sent_log::sent_line;
use super::{Entry, EntryState, Lease, Outbox, OutboxError, backoff, millis, now_ms};
use crate::api::{Outcome, OutcomeKind, RatingClient};
use crate::retention::SentOutcome;
use crate::secrets::Token;

/// Why an entry was not sent by this call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Another sender (thread or process) holds its lease: it is being sent right now.
    InFlight,
    /// It is no longer in the outbox (delivered or removed meanwhile).
    Gone,
    /// It needs attention: never sent automatically.
    NeedsAttention,
    /// It was saved for another server.
    OtherServer,
    /// Its next attempt is not due yet (and the send was not forced).
    NotDue,
}

/// What one call of the send path did.
#[derive(Debug)]
pub enum Attempt {
    /// The entry was sent.
    Sent {
        /// The entry as it was sent.
        entry: Box<Entry>,
        /// The server's answer (or why there was none).
        outcome: Outcome,
        /// Applying the answer to the outbox failed (the answer stands; the entry is
        /// still on disk and is sent again, or gets 5030 and is removed then).
        unrecorded: Option<OutboxError>,
    },
    /// It was not sent, and why.
    Skipped(Skip),
}

/// How a person took an entry out of the outbox on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    /// A corrected rating (perhaps under another visit id) replaces it.
    Replaced,
    /// Discarded on purpose.
    Discarded,
}

impl Removal {
    /// Its name in the program's log.
    fn name(self) -> &'static str {
        match self {
            Removal::Replaced => "replaced",
            Removal::Discarded => "discarded",
        }
    }

    /// What the sent log says of it.
    fn logged(self) -> SentOutcome {
        match self {
            Removal::Replaced => SentOutcome::Replaced,
            Removal::Discarded => SentOutcome::Discarded,
        }
    }
}

impl Outbox {
    /// Claim `id` and send it: [`Outbox::send_claimed`] for an entry someone listed.
    pub fn send(
        &self,
        id: &str,
        client: &RatingClient,
        token: &Token,
        force: bool,
    ) -> Result<Attempt, OutboxError> {
        match self.claim(id)? {
            Some(lease) => self.send_claimed(&lease, client, token, force),
            None => Ok(Attempt::Skipped(Skip::InFlight)),
        }
    }

    /// The send path: read the leased entry again, send it if it still waits for this
    /// server (and is due, unless `force`), apply the rules to the answer. The lease is
    /// the caller's and is released when the caller drops it.
    pub fn send_claimed(
        &self,
        lease: &Lease,
        client: &RatingClient,
        token: &Token,
        force: bool,
    ) -> Result<Attempt, OutboxError> {
        let entry = match self.sendable(lease, &client.origin(), force) {
            Ok(entry) => entry,
            Err(skip) => return Ok(Attempt::Skipped(skip)),
        };
        let outcome = client.submit(&entry.visit_id, &entry.rating, token);
        let unrecorded = self.record(lease, entry.clone(), &outcome).err();
        if let Some(e) = &unrecorded {
            tracing::error!(entry = %entry.id, error = %e, "cannot update the outbox after sending");
        }
        Ok(Attempt::Sent {
            entry: Box::new(entry),
            outcome,
            unrecorded,
        })
    }

    /// The leased entry read again from disk, if it still waits for the server at
    /// `origin` and is due (unless `force`); else why it is not sent.
    pub(super) fn sendable(&self, lease: &Lease, origin: &str, force: bool) -> Result<Entry, Skip> {
        let entry = match self.read_leased(lease) {
            Ok(Some(entry)) => entry,
            Ok(None) => {
                // Delivered or removed meanwhile.
                self.forget_lease(&lease.id);
                return Err(Skip::Gone);
            }
            // Damaged: the next listing sets it aside.
            Err(_) => return Err(Skip::Gone),
        };
        Outbox::still_sendable(entry, origin, force)
    }

    /// A leased entry, read under its lease, if it still waits for the server at
    /// `origin` and is due (unless `force`); else why it is not sent.
    pub(super) fn still_sendable(entry: Entry, origin: &str, force: bool) -> Result<Entry, Skip> {
        if entry.state != EntryState::Waiting {
            return Err(Skip::NeedsAttention);
        }
        if !entry.is_for(origin) {
            return Err(Skip::OtherServer);
        }
        if !force && entry.next_attempt_ms > now_ms() {
            return Err(Skip::NotDue);
        }
        Ok(entry)
    }

    /// Apply the rules to a leased entry after an attempt. Every attempt's outcome passes
    /// here exactly once (or through [`Deliveries::record`], which defers only the
    /// removal of a delivered entry).
    pub fn record(
        &self,
        lease: &Lease,
        entry: Entry,
        outcome: &Outcome,
    ) -> Result<(), OutboxError> {
        // One delivery: removed now, while the caller still holds the lease, without a
        // folder fsync of its own (the window's patient waits for this; a lost removal
        // costs one 5030).
        let mut delivered = Deliveries::new(self);
        delivered.sync = false;
        self.apply(lease, entry, outcome, &mut delivered)?;
        delivered.commit();
        Ok(())
    }

    /// The rules, except that a delivered entry is only noted in `deliveries` (which
    /// removes it later): returns whether it was delivered. `_lease` is the caller's
    /// proof that it holds the entry.
    fn apply(
        &self,
        lease: &Lease,
        mut entry: Entry,
        outcome: &Outcome,
        deliveries: &mut Deliveries,
    ) -> Result<bool, OutboxError> {
        // The server's text is kept (and logged) cut to a bounded length.
        let outcome = &outcome.bounded();
        let now = now_ms();
        // Every attempt of every sender passes here once: the delivery counters, written
        // when `deliveries` is committed (once per batch).
        deliveries.count(outcome.kind, now);
        entry.attempts += 1;
        entry.last_attempt_ms = Some(now);
        entry.last_outcome = Some(outcome.clone());
        match outcome.kind {
            OutcomeKind::Accepted | OutcomeKind::AlreadyRecorded => {
                tracing::info!(entry = %entry.id, visit_id = %entry.visit_id, outcome = outcome.kind.name(), "rating delivered");
                let what = if outcome.kind == OutcomeKind::Accepted {
                    SentOutcome::Accepted
                } else {
                    SentOutcome::AlreadyRecorded
                };
                deliveries.note(entry, what, outcome, lease.line.clone());
                return Ok(true);
            }
            OutcomeKind::Transient => {
                entry.next_attempt_ms = now + millis(backoff(entry.attempts));
                tracing::warn!(entry = %entry.id, attempts = entry.attempts, detail = ?outcome.detail, http_status = ?outcome.http_status, "sending failed; will retry");
            }
            OutcomeKind::Refused => {
                entry.next_attempt_ms = now + millis(backoff(entry.attempts));
                tracing::warn!(entry = %entry.id, detail = ?outcome.detail, http_status = ?outcome.http_status, "the server or a gateway refused the request; kept, will retry");
            }
            OutcomeKind::Unauthorized(problem) => {
                tracing::warn!(entry = %entry.id, ?problem, "token problem; sending paused until the token is replaced");
            }
            OutcomeKind::Rejected => {
                entry.state = EntryState::NeedsAttention;
                tracing::error!(entry = %entry.id, visit_id = %entry.visit_id, server_message = ?outcome.message, message_code = ?outcome.message_code, http_status = ?outcome.http_status, "the server rejected a rating; it needs attention");
            }
        }
        self.write_leased(lease, &entry)?;
        if outcome.kind == OutcomeKind::Rejected {
            self.mark_attention(&entry, true);
            self.supersede(&entry, false, &self.attention_index());
        }
        Ok(false)
    }

    /// A person takes entry `id` out of the outbox on purpose (marked replaced, or
    /// discarded). Refused while it is being sent.
    pub fn remove_by_person(&self, id: &str, how: Removal) -> Result<(), OutboxError> {
        crate::blocking::assert_may_block("removing an outbox entry");
        let Some(lease) = self.claim(id)? else {
            return Err(OutboxError::InFlight(id.to_owned()));
        };
        let entry = self.read_leased(&lease).ok().flatten();
        match &lease.line {
            Some(line) => {
                if entry.is_none() {
                    return Err(OutboxError::NotFound(id.to_owned()));
                }
                line.mark_done(true)
                    .map_err(|e| super::io_error(line.segment.path(), e))?;
            }
            None => self.remove(id)?,
        }
        if let Some(entry) = entry {
            self.log_line(&entry, how.logged(), entry.last_outcome.as_ref());
        }
        tracing::info!(entry = %id, how = how.name(), "a rating was taken out of the outbox by a person");
        Ok(())
    }

    /// Point every waiting entry saved for another server at `origin` (a person's
    /// explicit choice after the server URL changed). Returns how many were moved;
    /// entries being sent right now are left as they are.
    pub fn move_to_server(&self, origin: &str) -> Result<usize, OutboxError> {
        crate::blocking::assert_may_block("moving outbox entries");
        let mut moved = 0;
        for entry in self.list()?.entries {
            // Entries with a file of their own here; an import's segments below, each
            // claimed once.
            if entry.state != EntryState::Waiting
                || entry.is_for(origin)
                || !self.path_of(&entry.id).exists()
            {
                continue;
            }
            let Some(lease) = self.claim(&entry.id)? else {
                continue;
            };
            // Read again under the lease: it may have been sent meanwhile.
            let Ok(Some(entry)) = self.read_leased(&lease) else {
                continue;
            };
            self.move_leased(&lease, entry, origin)?;
            moved += 1;
        }
        for path in self.segment_paths()? {
            let Some(segment) = Outbox::claim_segment(&path)? else {
                continue;
            };
            for (line, entry) in self.waiting_in(&segment)?.0 {
                if !entry.is_for(origin) {
                    self.move_leased(&Lease::of_line(&entry.id, line), entry, origin)?;
                    moved += 1;
                }
            }
        }
        Ok(moved)
    }

    /// Point a leased entry at the server at `origin`, due now.
    fn move_leased(
        &self,
        lease: &Lease,
        mut entry: Entry,
        origin: &str,
    ) -> Result<(), OutboxError> {
        tracing::info!(entry = %entry.id, from = ?entry.server_origin, to = origin, "a rating was moved to the current server");
        entry.server_origin = Some(origin.to_owned());
        entry.next_attempt_ms = now_ms();
        self.write_leased(lease, &entry)
    }

    /// Write a leased entry changed by an attempt or a person: its file is replaced; a
    /// rating in a segment moves to a file of its own (written durably, then its line
    /// marked done and the segment synced, before the lease goes: see
    /// [`super::segment`]).
    fn write_leased(&self, lease: &Lease, entry: &Entry) -> Result<(), OutboxError> {
        self.write(entry)?;
        if let Some(line) = &lease.line {
            line.mark_done(true)
                .map_err(|e| super::io_error(line.segment.path(), e))?;
        }
        Ok(())
    }
}

/// Told of the delivery attempts an outbox makes, so that they can be counted without
/// the outbox knowing by whom ([`crate::counters::Counters`] in production). A batch
/// tells it once, at its commit: each attempt's outcome and when it ended (ms since the
/// epoch), in the order they ended, and the ratings the server accepted among them.
/// Recording never fails a delivery: a recorder logs its own problems.
pub trait AttemptRecorder: std::fmt::Debug + Send + Sync {
    /// Record `attempts` of the outbox whose data folder is `data_dir`; `accepted` are
    /// the ratings of those that ended in [`OutcomeKind::Accepted`].
    fn record(
        &self,
        data_dir: &std::path::Path,
        attempts: &[(OutcomeKind, u64)],
        accepted: &[&crate::rating::Rating],
    );
}

/// Delivered entries whose removal waits to be done in one go: their sent-log lines in
/// one write, the files unlinked, one folder fsync, then the leases released.
///
/// Why a removal may wait, and need not even be durable at once: if it is lost (a
/// crash, a power cut before the folder is synced), the entry is sent again and the
/// server answers 5030, which counts as delivered and removes it then. Only the *save*
/// before the first attempt must be durable. The leases are held until the files are
/// gone, so no other sender picks a delivered entry up again meanwhile.
#[derive(Debug)]
pub struct Deliveries {
    outbox: Outbox,
    /// Fsync the folder once per commit (a batch); a single delivery is not worth it.
    sync: bool,
    /// The delivered entries, each with its line when it was in a segment.
    delivered: Vec<(Entry, Option<Line>)>,
    /// Their leases, when this batch holds them ([`Deliveries::record`]).
    leases: Vec<Lease>,
    /// Their sent-log lines.
    log: String,
    /// Every attempt's outcome and when it ended, for the delivery counters.
    attempts: Vec<(OutcomeKind, u64)>,
    /// When the oldest delivery (or attempt) not yet committed was noted.
    since: Option<Instant>,
}

impl Deliveries {
    /// How many deliveries a batch holds at most before it is committed.
    pub const BATCH: usize = 128;
    /// How long a delivered entry waits for its removal at most.
    pub const WAIT: Duration = Duration::from_millis(500);

    /// An empty batch for `outbox`, whose commits end with one folder fsync.
    pub fn new(outbox: &Outbox) -> Deliveries {
        Deliveries {
            outbox: outbox.clone(),
            sync: true,
            delivered: Vec::new(),
            leases: Vec::new(),
            log: String::new(),
            attempts: Vec::new(),
            since: None,
        }
    }

    /// Apply the rules to a leased entry after an attempt, as [`Outbox::record`] does,
    /// except that a delivered entry keeps its lease here until the batch is committed.
    /// Commits when the batch is full or its oldest delivery waited [`Deliveries::WAIT`].
    pub fn record(
        &mut self,
        lease: Lease,
        entry: Entry,
        outcome: &Outcome,
    ) -> Result<(), OutboxError> {
        let outbox = self.outbox.clone();
        if outbox.apply(&lease, entry, outcome, self)? {
            self.leases.push(lease);
        }
        if self.due() {
            self.commit();
        }
        Ok(())
    }

    /// Whether the batch should be committed now.
    pub fn due(&self) -> bool {
        self.delivered.len() >= Self::BATCH || self.since.is_some_and(|t| t.elapsed() >= Self::WAIT)
    }

    /// How long until the batch should be committed (`None`: it is empty).
    pub fn due_in(&self) -> Option<Duration> {
        self.since.map(|t| Self::WAIT.saturating_sub(t.elapsed()))
    }

    fn count(&mut self, kind: OutcomeKind, at_ms: u64) {
        self.attempts.push((kind, at_ms));
        self.since.get_or_insert_with(Instant::now);
    }

    /// A delivered entry (`what`: accepted, already recorded), logged and removed when
    /// the batch is committed.
    fn note(&mut self, entry: Entry, what: SentOutcome, outcome: &Outcome, line: Option<Line>) {
        self.log.push_str(&sent_line(&entry, what, Some(outcome)));
        self.delivered.push((entry, line));
        self.since.get_or_insert_with(Instant::now);
    }

    /// Count the attempts, then remove the delivered entries: log lines first (as before
    /// a removal), then the files and their lease files, one folder fsync, then
    /// superseding (only visits the attention index names), then the leases go.
    pub fn commit(&mut self) {
        let outbox = &self.outbox;
        if let (Some(recorder), Some(data_dir)) = (&outbox.recorder, outbox.dir.parent())
            && !self.attempts.is_empty()
        {
            // The aggregated scores count what the server accepted (`crate::scores`).
            let accepted: Vec<_> = (self.delivered.iter())
                .map(|(e, _)| e)
                .filter(|e| {
                    (e.last_outcome.as_ref()).is_some_and(|o| o.kind == OutcomeKind::Accepted)
                })
                .map(|e| &e.rating)
                .collect();
            recorder.record(data_dir, &self.attempts, &accepted);
        }
        self.attempts.clear();
        self.since = None;
        if self.delivered.is_empty() {
            return;
        }
        outbox.append_log(&std::mem::take(&mut self.log));
        // Read once per batch: only the entries it names have a marker to remove.
        let index = outbox.attention_index();
        // Whether a file left the folder: the folder is synced once for the batch.
        let mut removed = false;
        for (entry, line) in &self.delivered {
            if let Some(line) = line {
                // In a segment: its line is marked done, without a sync (a mark lost in
                // a crash costs one resend, answered 5030), and the segment goes with
                // its last line.
                match line.mark_done(false) {
                    Ok(gone) => removed |= gone,
                    Err(e) => {
                        tracing::warn!(entry = %entry.id, error = %e, "cannot mark a delivered rating in its segment; it will be sent again and answered 5030");
                    }
                }
                continue;
            }
            let path = outbox.path_of(&entry.id);
            match fs::remove_file(&path) {
                Ok(()) => {
                    removed = true;
                    if index.iter().any(|(id, _)| id == &entry.id) {
                        outbox.unmark_attention(&entry.id);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    // Still on disk: sent again, answered 5030, removed then.
                    tracing::warn!(entry = %entry.id, error = %e, "cannot remove a delivered rating; it will be sent again and answered 5030");
                }
            }
            outbox.forget_lease(&entry.id);
        }
        if self.sync
            && removed
            && let Err(e) = crate::private_fs::sync_folder(&outbox.dir)
        {
            tracing::warn!(error = %e, "cannot sync the outbox folder after removing delivered ratings");
        }
        if !index.is_empty() {
            for (entry, _) in &self.delivered {
                if index
                    .iter()
                    .any(|(_, visit)| visit == entry.visit_id.as_str())
                {
                    outbox.supersede(entry, true, &index);
                }
            }
        }
        self.delivered.clear();
        self.leases.clear();
    }
}

impl Drop for Deliveries {
    fn drop(&mut self) {
        // Never release a lease before its entry's file is gone.
        self.commit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::OutcomeKind;
    use crate::outbox::testing::{
        ORIGIN, answer, answered, entry_of, ids, rating, sorted, sorted_ids, temp_outbox, visit,
    };
    use std::fs;

    #[test]
    fn an_entry_for_another_server_is_counted_not_sent_until_moved() {
        let (_dir, outbox) = temp_outbox();
        outbox
            .enqueue(&visit("old"), &rating(""), "https://old.example:443")
            .unwrap();
        let listing = outbox.list().unwrap();
        assert_eq!(listing.for_other_servers(ORIGIN), 1);
        assert_eq!(listing.waiting_for(ORIGIN), 0);
        assert_eq!(outbox.move_to_server(ORIGIN).unwrap(), 1);
        let listing = outbox.list().unwrap();
        assert_eq!(listing.waiting_for(ORIGIN), 1);
        assert_eq!(listing.entries[0].server_origin.as_deref(), Some(ORIGIN));
        assert_eq!(outbox.move_to_server(ORIGIN).unwrap(), 0);
    }

    #[test]
    fn a_rejection_is_kept_until_superseded_by_an_answered_rating_for_the_same_visit() {
        let (_dir, outbox) = temp_outbox();
        let other_visit = answered(&outbox, "other", Some(OutcomeKind::Rejected));
        let first = answered(&outbox, "v", Some(OutcomeKind::Rejected));
        assert_eq!(sorted_ids(&outbox), sorted([&other_visit, &first]), "kept");
        // Waiting entries are never superseded: they may still reach the server.
        let waiting = answered(&outbox, "v", Some(OutcomeKind::Transient));
        // The corrected form is rejected too: it replaces the first.
        let second = answered(&outbox, "v", None);
        let lease = outbox.claim(&second).unwrap().unwrap();
        let entry = entry_of(&outbox, &second);
        outbox
            .record(&lease, entry, &answer(OutcomeKind::Rejected))
            .unwrap();
        drop(lease);
        assert_eq!(
            sorted_ids(&outbox),
            sorted([&other_visit, &waiting, &second])
        );
        // The older waiting entry, retried late, is rejected: the newer one stands.
        let lease = outbox.claim(&waiting).unwrap().unwrap();
        let entry = entry_of(&outbox, &waiting);
        outbox
            .record(&lease, entry, &answer(OutcomeKind::Rejected))
            .unwrap();
        drop(lease);
        assert_eq!(sorted_ids(&outbox), sorted([&other_visit, &second]));
        // A delivery for the visit supersedes whatever still needs attention for it.
        answered(&outbox, "v", Some(OutcomeKind::AlreadyRecorded));
        assert_eq!(ids(&outbox), [other_visit]);
        let log = fs::read_to_string(outbox.sent_log()).unwrap();
        assert_eq!(log.matches("\"superseded\"").count(), 3, "{log}");
        assert_eq!(log.matches("\"already_recorded\"").count(), 1, "{log}");
    }

    #[test]
    fn a_delivered_entry_keeps_its_lease_until_its_batch_is_committed() {
        let (_dir, outbox) = temp_outbox();
        let mut batch = Deliveries::new(&outbox);
        let mut saved = Vec::new();
        for n in 0..3 {
            let (entry, lease) = outbox
                .enqueue_claimed(&visit(&format!("v-{n}")), &rating(""), ORIGIN)
                .unwrap();
            saved.push(entry.id.clone());
            let mut outcome = answer(OutcomeKind::Accepted);
            outcome.http_status = Some(200);
            batch.record(lease, entry, &outcome).unwrap();
        }
        // Delivered, not yet removed: still on disk, and nobody else may send them. (As
        // sets: entries saved within one millisecond list in the order of their random
        // suffix.)
        let mut listed = ids(&outbox);
        listed.sort();
        saved.sort();
        assert_eq!(listed, saved);
        for id in &saved {
            assert!(outbox.claim(id).unwrap().is_none(), "{id} is still leased");
        }
        assert!(
            !outbox.sent_log().exists(),
            "the log lines wait with the batch"
        );
        batch.commit();
        assert!(ids(&outbox).is_empty());
        let names: Vec<String> = fs::read_dir(outbox.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| !n.contains(".lease")),
            "lease files left: {names:?}"
        );
        let log = fs::read_to_string(outbox.sent_log()).unwrap();
        assert_eq!(log.lines().count(), 3, "{log}");
        assert_eq!(log.matches("\"accepted\"").count(), 3, "{log}");
    }
}
