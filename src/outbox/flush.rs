//! A drain: everything due for the configured server sent through the one send path,
//! answers applied on a second thread, delivered entries removed in batches.

use std::time::Duration;

use crate::api::{Outcome, OutcomeKind, RatingClient};
use crate::secrets::Token;

use super::{
    Deliveries, Entry, EntryState, FlushReport, GIVE_UP_AFTER_UNREACHABLE, Lease, Outbox,
    OutboxError, Skip, io_error, now_ms,
};

impl Outbox {
    /// Send what is due for the client's server (everything waiting when `force`),
    /// oldest first, each through the send path ([`Outbox::send`]): an entry another
    /// sender holds is left to it. `token` is asked for only when there is something to
    /// send. Stops at a token problem or a gateway's refusal, and after
    /// [`GIVE_UP_AFTER_UNREACHABLE`] attempts in a row without an answer.
    pub fn flush(
        &self,
        client: &RatingClient,
        token: &dyn Fn() -> Option<Token>,
        force: bool,
    ) -> Result<FlushReport, OutboxError> {
        let mut report = FlushReport::default();
        let listing = self.list()?;
        report.damaged = listing.damaged;
        let origin = client.origin();
        let now = now_ms();
        let mut due = Vec::new();
        for entry in listing.entries {
            if entry.state != EntryState::Waiting {
                continue;
            }
            if !entry.is_for(&origin) {
                report.other_server += 1;
            } else if force || entry.next_attempt_ms <= now {
                due.push(entry);
            }
        }
        if due.is_empty() {
            return Ok(report);
        }
        let Some(token) = token() else {
            report.paused = Some(Outcome::transport_failure("no token".into()));
            return Ok(report);
        };
        // Two stages: this thread claims, reads and sends; a second one applies the
        // answers, with the removals of delivered entries batched (see
        // [`send::Deliveries`]), so the disk work overlaps the next request.
        std::thread::scope(|scope| {
            let (answers, answered) = std::sync::mpsc::sync_channel::<(Lease, Entry, Outcome)>(64);
            let recorder = std::thread::Builder::new()
                .name("outbox-recorder".into())
                .spawn_scoped(scope, move || self.record_answers(&answered))
                .map_err(|e| io_error(&self.dir, e))?;
            let sent = self.send_due(due, client, &token, force, &answers, &mut report);
            drop(answers);
            let _ = recorder.join();
            sent
        })?;
        Ok(report)
    }

    /// The sending stage of [`Outbox::flush`]: each due entry claimed, read again, sent,
    /// and its answer handed to `answers`.
    pub(super) fn send_due(
        &self,
        due: Vec<Entry>,
        client: &RatingClient,
        token: &Token,
        force: bool,
        answers: &std::sync::mpsc::SyncSender<(Lease, Entry, Outcome)>,
        report: &mut FlushReport,
    ) -> Result<(), OutboxError> {
        let origin = client.origin();
        let mut unreachable = 0;
        for listed in due {
            let Some(lease) = self.claim(&listed.id)? else {
                report.in_flight.push(listed.id);
                continue;
            };
            let entry = match self.sendable(&lease, &origin, force) {
                Ok(entry) => entry,
                Err(Skip::OtherServer) => {
                    report.other_server += 1;
                    continue;
                }
                Err(_) => continue,
            };
            let outcome = client.submit(&entry.visit_id, &entry.rating, token);
            if let Err(std::sync::mpsc::SendError((lease, entry, outcome))) =
                answers.send((lease, entry.clone(), outcome.clone()))
            {
                // The recording stage is gone (it cannot be, short of a panic): record here.
                if let Err(e) = self.record(&lease, entry, &outcome) {
                    tracing::error!(error = %e, "cannot update the outbox after sending");
                }
            }
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
        Ok(())
    }

    /// The recording stage of [`Outbox::flush`]: apply each answer; delivered entries
    /// are removed in batches, at the latest [`Deliveries::WAIT`] after delivery.
    pub(super) fn record_answers(
        &self,
        answered: &std::sync::mpsc::Receiver<(Lease, Entry, Outcome)>,
    ) {
        use std::sync::mpsc::RecvTimeoutError;
        let mut deliveries = Deliveries::new(self);
        loop {
            let wait = deliveries.due_in().unwrap_or(Duration::from_hours(1));
            match answered.recv_timeout(wait) {
                Ok((lease, entry, outcome)) => {
                    let id = entry.id.clone();
                    if let Err(e) = deliveries.record(lease, entry, &outcome) {
                        // The entry is still on disk as it was: sent again later.
                        tracing::error!(entry = %id, error = %e, "cannot update the outbox after sending");
                    }
                }
                Err(RecvTimeoutError::Timeout) => deliveries.commit(),
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        deliveries.commit();
    }
}
