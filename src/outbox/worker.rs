//! The background sender of the window: one named thread that sends what is due, sleeps
//! until the next attempt is due (no busy loop), and wakes early when asked ("send now"),
//! when the token was replaced, or when the server answers again.
//!
//! While ratings wait after a network failure it checks every [`PROBE_EVERY`] whether the
//! server answers ([`RatingClient::server_reachable`]: a `HEAD` without the token,
//! through the same proxy as the ratings); when it does, it sends at once instead of
//! waiting out the backoff. A token problem pauses sending until
//! [`OutboxWorker::token_replaced`] (or "send now"), or until the connection brings
//! another token than the one refused: a token file rewritten by an administrator is
//! picked up within `IDLE_CHECK` (a minute), with no restart.
//!
//! It sends through [`Outbox::flush`], that is through the outbox's one send path and
//! its leases: a rating the window (or another process) is sending right now is left to
//! that sender and looked at again after [`IN_FLIGHT_RECHECK`]. Only ratings saved for
//! the configured server are sent; the others are counted for the status line.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::{Outbox, OutboxError, millis, now_ms};
use crate::api::{ClientError, ConnectError, Outcome, OutcomeKind, RatingClient, TokenProblem};
use crate::secrets::{SecretsError, Token};

/// How often the server's reachability is checked while ratings wait.
pub const PROBE_EVERY: Duration = Duration::from_secs(15);
/// How often the outbox is looked at when nothing is due (another process may add).
const IDLE_CHECK: Duration = Duration::from_mins(1);
/// How soon a rating another sender had in flight is looked at again.
pub const IN_FLIGHT_RECHECK: Duration = Duration::from_secs(2);

/// Why the sender could not even start sending: a typed fact the window words in the
/// person's language ([`crate::i18n::I18n::sender_problem`]). `Display` is short and
/// English (logs).
#[derive(Clone, Debug, thiserror::Error)]
pub enum SenderProblem {
    /// No server URL is configured.
    #[error("no server URL is configured")]
    NoUrl,
    /// The URL or the TLS settings are unusable.
    #[error("the server's address or TLS settings cannot be used")]
    Client(#[source] Arc<ClientError>),
    /// No token could be had (none stored, the keyring unusable).
    #[error("no token for the server")]
    NoToken(#[source] SecretsError),
    /// The outbox could not be read, or failed while sending.
    #[error("the outbox cannot be used")]
    Outbox(#[source] Arc<OutboxError>),
}

/// Two problems are the same when they say the same, cause by cause: the window
/// re-reads its queue view when the sender's status changes.
impl PartialEq for SenderProblem {
    fn eq(&self, other: &SenderProblem) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
            && crate::api::error_chain(self) == crate::api::error_chain(other)
    }
}

impl From<ConnectError> for SenderProblem {
    fn from(error: ConnectError) -> SenderProblem {
        match error {
            ConnectError::NoUrl => SenderProblem::NoUrl,
            ConnectError::Client(e) => SenderProblem::Client(e),
            ConnectError::NoToken(e) => SenderProblem::NoToken(e),
        }
    }
}

impl From<OutboxError> for SenderProblem {
    fn from(error: OutboxError) -> SenderProblem {
        SenderProblem::Outbox(Arc::new(error))
    }
}

/// What the window shows about the outbox.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutboxStatus {
    /// Ratings waiting to be sent.
    pub waiting: usize,
    /// Ratings the server refused for good.
    pub needs_attention: usize,
    /// Ratings saved for another server (before the URL changed): not sent until a
    /// person moves them.
    pub other_server: usize,
    /// Files in `outbox/damaged/`: unreadable, waiting for a person.
    pub damaged: usize,
    /// Sending is paused on this token problem.
    pub paused: Option<TokenProblem>,
    /// The last failed attempt's answer.
    pub last_error: Option<Outcome>,
    /// Why sending could not even start (no token, the outbox folder).
    pub problem: Option<SenderProblem>,
    /// A send is under way.
    pub sending: bool,
}

/// What the sender needs for one round: a client and a token, or why not.
pub type Connect = dyn Fn() -> Result<(RatingClient, Token), ConnectError> + Send + Sync;

// Independent requests from the window, each taken once by the sender.
#[allow(clippy::struct_excessive_bools)]
#[derive(Default)]
struct Requests {
    send_now: bool,
    token_replaced: bool,
    refresh: bool,
    shutdown: bool,
}

struct Shared {
    requests: Mutex<Requests>,
    wake: Condvar,
    status: Mutex<OutboxStatus>,
}

impl Shared {
    fn requests(&self) -> MutexGuard<'_, Requests> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn status(&self) -> MutexGuard<'_, OutboxStatus> {
        self.status.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The status after a round: counts from `listing` (the other-server ones apart).
    fn publish(
        &self,
        listing: Option<&super::Tally>,
        origin: Option<&str>,
        paused: Option<TokenProblem>,
        last_error: Option<Outcome>,
        problem: Option<SenderProblem>,
    ) {
        let mut status = self.status();
        if let Some(l) = listing {
            let other = origin.map_or(0, |o| l.for_other_servers(o));
            status.waiting = l.waiting() - other;
            status.needs_attention = l.needs_attention();
            status.other_server = other;
            status.damaged = l.set_aside;
        }
        status.paused = paused;
        status.last_error = if status.waiting + status.needs_attention == 0 {
            None
        } else {
            last_error
        };
        status.problem = problem;
        status.sending = false;
    }
}

/// The running sender. Dropping it stops the thread.
pub struct OutboxWorker {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for OutboxWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxWorker").finish_non_exhaustive()
    }
}

impl OutboxWorker {
    /// Start sending from `outbox`; `on_change` is called whenever the status changes
    /// (the window passes `request_repaint`).
    pub fn start(
        outbox: Outbox,
        connect: Box<Connect>,
        on_change: Box<dyn Fn() + Send + Sync>,
    ) -> std::io::Result<OutboxWorker> {
        let shared = Arc::new(Shared {
            requests: Mutex::new(Requests {
                refresh: true,
                ..Requests::default()
            }),
            wake: Condvar::new(),
            status: Mutex::new(OutboxStatus::default()),
        });
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("outbox-sender".into())
            .spawn(move || run(&outbox, &*connect, &*on_change, &thread_shared))?;
        Ok(OutboxWorker {
            shared,
            thread: Some(thread),
        })
    }

    /// The status now.
    pub fn status(&self) -> OutboxStatus {
        self.shared.status().clone()
    }

    /// Send everything waiting now, ignoring the backoff (and a token pause).
    pub fn send_now(&self) {
        self.request(|r| r.send_now = true);
    }

    /// The token was replaced: resume after a token pause.
    pub fn token_replaced(&self) {
        self.request(|r| r.token_replaced = true);
    }

    /// Re-read the outbox (a rating was added or removed).
    pub fn refresh(&self) {
        self.request(|r| r.refresh = true);
    }

    fn request(&self, set: impl FnOnce(&mut Requests)) {
        set(&mut self.shared.requests());
        self.shared.wake.notify_all();
    }
}

impl Drop for OutboxWorker {
    fn drop(&mut self) {
        self.request(|r| r.shutdown = true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the sender remembers between rounds.
#[derive(Default)]
struct Memory {
    paused: Option<TokenProblem>,
    /// The token the server refused (the pause's cause): a different one from the
    /// connection ends the pause, as a token replaced in the window does.
    refused: Option<Token>,
    network_down: bool,
    /// Refusals by the server or a gateway in a row, and no round before this moment:
    /// a gateway that refuses one request refuses the next, so the whole queue backs
    /// off rather than each rating knocking in turn.
    refusals: u32,
    hold_until: u64,
}

impl Memory {
    /// How long to sleep: until the next attempt is due, a probe is due, or a hold ends.
    fn wait(&self, next_due: Option<u64>, in_flight: bool) -> Duration {
        let mut wait = IDLE_CHECK;
        if let Some(due) = next_due
            && self.paused.is_none()
        {
            wait = wait.min(Duration::from_millis(due.saturating_sub(now_ms())));
            if self.network_down {
                wait = wait.min(PROBE_EVERY);
            }
        }
        if in_flight {
            // Another sender has some: look again soon, not in a tight loop.
            wait = wait.max(IN_FLIGHT_RECHECK);
        }
        wait.max(Duration::from_millis(
            self.hold_until.saturating_sub(now_ms()),
        ))
    }
}

/// One sending round's effects on the sender's state.
struct Round<'a> {
    memory: &'a mut Memory,
    last_error: &'a mut Option<Outcome>,
    problem: &'a mut Option<SenderProblem>,
    in_flight: &'a mut bool,
}

impl Round<'_> {
    fn send(
        &mut self,
        outbox: &Outbox,
        connection: Result<(RatingClient, Token), ConnectError>,
        force: bool,
    ) {
        let (client, token) = match connection {
            Ok(pair) => pair,
            Err(reason) => {
                *self.problem = Some(reason.into());
                return;
            }
        };
        // After a network failure, do not knock until the server answers again.
        if self.memory.network_down && !force && !client.server_reachable() {
            return;
        }
        let report = match outbox.flush(&client, &|| Some(token.clone()), force) {
            Ok(report) => report,
            Err(e) => {
                *self.problem = Some(e.into());
                return;
            }
        };
        *self.in_flight = !report.in_flight.is_empty();
        if let Some((_, last)) = report.attempts.last() {
            self.memory.network_down =
                last.kind == OutcomeKind::Transient && last.http_status.is_none();
            *self.last_error = (!last.kind.is_final_success()).then(|| last.clone());
        }
        match report.paused.as_ref().map(|o| o.kind) {
            Some(OutcomeKind::Unauthorized(problem)) => {
                self.memory.paused = Some(problem);
                self.memory.refused = Some(token);
            }
            Some(OutcomeKind::Refused) => {
                self.memory.refusals += 1;
                self.memory.hold_until = now_ms() + millis(super::backoff(self.memory.refusals));
            }
            _ if !report.attempts.is_empty() => {
                self.memory.refusals = 0;
                self.memory.hold_until = 0;
            }
            _ => {}
        }
    }
}

fn run(outbox: &Outbox, connect: &Connect, on_change: &(dyn Fn() + Send + Sync), shared: &Shared) {
    let mut memory = Memory::default();
    loop {
        let (force, mut token_replaced) = {
            let mut requests = shared.requests();
            if requests.shutdown {
                return;
            }
            requests.refresh = false;
            (
                std::mem::take(&mut requests.send_now),
                std::mem::take(&mut requests.token_replaced),
            )
        };
        if force || token_replaced {
            memory.paused = None;
            memory.hold_until = 0;
        }

        // Counts and due times only: the entries are read when they are sent.
        let listing = outbox.tally().map_err(SenderProblem::from);
        let has_waiting = listing.as_ref().is_ok_and(|l| l.waiting() > 0);
        // Which server we send to (and the token), asked only when something waits.
        let connection = if has_waiting { Some(connect()) } else { None };
        // A token replaced behind the sender's back (a token file rewritten by an
        // administrator, a token stored over ssh) ends a token pause at the next round.
        if memory.paused.is_some()
            && let Some(Ok((_, token))) = &connection
            && memory.refused.as_ref() != Some(token)
        {
            token_replaced = true;
            memory.paused = None;
            memory.hold_until = 0;
        }
        let origin = connection
            .as_ref()
            .and_then(|c| c.as_ref().ok())
            .map(|(client, _)| client.origin());
        let next_due = |tally: &super::Tally| origin.as_deref().and_then(|o| tally.next_due_for(o));
        let due_now = listing.as_ref().is_ok_and(|l| {
            next_due(l).is_some_and(|due| force || token_replaced || due <= now_ms())
        });
        let mut problem = listing.as_ref().err().cloned();
        if let Some(Err(reason)) = &connection {
            problem = Some(reason.clone().into());
        }
        let mut last_error = shared.status().last_error.clone();
        let mut in_flight = false;

        if due_now
            && memory.paused.is_none()
            && now_ms() >= memory.hold_until
            && let Some(connection) = connection
        {
            shared.status().sending = true;
            on_change();
            let mut round = Round {
                memory: &mut memory,
                last_error: &mut last_error,
                problem: &mut problem,
                in_flight: &mut in_flight,
            };
            round.send(outbox, connection, force || token_replaced);
        }

        let listing = outbox.tally();
        let next_due = listing.as_ref().ok().and_then(next_due);
        shared.publish(
            listing.as_ref().ok(),
            origin.as_deref(),
            memory.paused,
            last_error,
            problem,
        );
        on_change();

        // Sleep until the next attempt is due, a probe is due, or someone asks.
        let wait = memory.wait(next_due, in_flight);
        let requests = shared.requests();
        if requests.shutdown || requests.send_now || requests.token_replaced || requests.refresh {
            continue;
        }
        let (requests, _) = shared
            .wake
            .wait_timeout_while(requests, wait.max(Duration::from_millis(50)), |r| {
                !(r.shutdown || r.send_now || r.token_replaced || r.refresh)
            })
            .unwrap_or_else(PoisonError::into_inner);
        drop(requests);
        // A probe between backoff attempts: the network is back → send now.
        if memory.network_down
            && memory.paused.is_none()
            && let Ok((client, _)) = connect()
            && client.server_reachable()
        {
            shared.requests().send_now = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hold_after_a_refusal_outlasts_ratings_due_now() {
        let memory = Memory {
            refusals: 1,
            hold_until: now_ms() + 3_000,
            ..Memory::default()
        };
        let wait = memory.wait(Some(now_ms()), false);
        assert!(wait > Duration::from_millis(2_500), "{wait:?}");
    }

    #[test]
    fn a_rating_in_flight_elsewhere_is_looked_at_again_soon_not_in_a_tight_loop() {
        let wait = Memory::default().wait(Some(now_ms()), true);
        assert_eq!(wait, IN_FLIGHT_RECHECK);
    }

    #[test]
    fn while_the_network_is_down_the_server_is_probed_before_a_far_attempt() {
        let memory = Memory {
            network_down: true,
            ..Memory::default()
        };
        let wait = memory.wait(Some(now_ms() + 120_000), false);
        assert_eq!(wait, PROBE_EVERY);
    }

    #[test]
    fn a_token_pause_waits_for_a_person_not_for_the_ratings_due() {
        let memory = Memory {
            paused: Some(TokenProblem::Expired),
            ..Memory::default()
        };
        assert_eq!(memory.wait(Some(now_ms()), false), IDLE_CHECK);
    }
}
