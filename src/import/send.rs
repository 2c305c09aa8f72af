//! Sending the valid rows of an import: every one saved in the outbox first, as one batch
//! (written as the file is read, made durable together with one sync: [`Outbox::batch`]),
//! then sent in file order as the file is read again, with progress after each and a
//! stop flag checked between requests.
//!
//! Each row goes through the outbox's one send path, the one `outbox flush`, `submit
//! --queue` and the window use, in the drain's stages ([`Outbox::pipeline`]): a reader
//! thread claims each row's entry (its lease) and reads it again ahead of the sender,
//! this thread sends one request at a time, and a recorder thread applies the answers,
//! removing delivered entries in batches. An import drives the stages itself rather than
//! calling [`Outbox::flush`] because it reports every row's answer as it comes, stops on
//! request between two rows, and sends only its own rows. No outbox-wide lock is held: a
//! row that another sender (the window's background sender, `outbox flush`) is sending
//! right now is left to it and reported as `in_flight`, never sent twice.
//!
//! A rerun of the same file sends only what is still missing: a row whose visit id is in
//! the sent log (accepted or 5030 earlier) is not sent again, and a row already waiting
//! in the outbox for this server with the same rating is sent from its existing entry
//! (not saved twice).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead as _, Seek as _, Write as _};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Import, ImportError, Row};
use crate::api::{Outcome, OutcomeKind, RatingClient};
use crate::outbox::{Claimed, Entry, EntryState, GIVE_UP_AFTER_UNREACHABLE, Outbox, OutboxError};
use crate::retention::SentLogLine;
use crate::secrets::Token;

/// Why a row was not sent in this run (it stays in the outbox).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    /// Stopped on request (Ctrl+C, the window's "Stop").
    Stopped,
    /// A token problem stopped sending.
    TokenProblem,
    /// The server did not answer several times in a row.
    Unreachable,
    /// The server or a gateway in front of it refused the request (401/403 without the
    /// error model): sending stopped, as `outbox flush` stops.
    Refused,
    /// Another sender (the window, `outbox flush`) was sending this entry, or had taken
    /// it out of the outbox, when the import came to it: left to that sender.
    InFlight,
}

/// What became of one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The sent log says the server has this visit already: nothing was sent.
    AlreadyDelivered,
    /// Sent; the answer verbatim.
    Answered(Outcome),
    /// Saved in the outbox but not sent now.
    Held(Held),
}

impl Delivery {
    /// The server has it (now or earlier).
    pub fn is_delivered(&self) -> bool {
        match self {
            Delivery::AlreadyDelivered => true,
            Delivery::Answered(outcome) => outcome.kind.is_final_success(),
            Delivery::Held(_) => false,
        }
    }
}

/// Where sending stands, after each step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Rows to send in all.
    pub total: usize,
    /// Rows saved in the outbox so far.
    pub saved: usize,
    /// Rows finished (answered, or found delivered earlier).
    pub done: usize,
    /// Of those, the server has them.
    pub delivered: usize,
}

/// Why sending could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The outbox cannot be used (disk full, read-only, …). Rows saved before stay.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// The file could not be read again (it changed since it was checked, say). Rows
    /// saved before stay.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The list of saved rows (a temporary file) could not be written or read.
    #[error("the list of saved rows: {0}")]
    Spool(#[from] std::io::Error),
}

/// Visit ids the sent log records as delivered (accepted or already recorded).
fn delivered_before(outbox: &Outbox) -> HashSet<String> {
    let Ok(file) = File::open(outbox.sent_log()) else {
        return HashSet::new();
    };
    std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| SentLogLine::parse(&line))
        .filter(|line| line.outcome.is_delivered())
        .map(|line| line.visit_id)
        .collect()
}

/// Where to send, and what with.
pub struct Target<'a> {
    /// The outbox the rows are saved in.
    pub outbox: &'a Outbox,
    /// The client for the server.
    pub client: &'a RatingClient,
    /// The token.
    pub token: &'a Token,
}

/// Save every valid row of `import` in the outbox as it is read, then read the file
/// again and send them in file order. `progress` is called after each step; `stop` is
/// checked before each request; `each` is given every data row (invalid ones too) with
/// what became of it (`None`: not sent), in file order, as it happens.
///
/// Memory does not grow with the file: the rows go to disk as they are read, and the
/// saved entries' ids wait in an anonymous temporary file until their turn.
pub fn deliver(
    target: &Target<'_>,
    import: &Import,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
    each: &mut dyn FnMut(&Row, Option<&Delivery>),
) -> Result<(), SendError> {
    let mut state = Progress {
        total: import.valid_count(),
        ..Progress::default()
    };
    let spool = save_rows(target, import, &mut state, progress)?;
    send_rows(target, import, spool, &mut state, stop, progress, each)
}

/// Step 1, durable first: every valid row not delivered before is saved in the outbox
/// before any request (or found waiting there already). Each valid row's entry id (or
/// `-`: delivered before) goes to the spool, an anonymous temporary file, in file order.
fn save_rows(
    target: &Target<'_>,
    import: &Import,
    state: &mut Progress,
    progress: &mut dyn FnMut(&Progress),
) -> Result<File, SendError> {
    let Target { outbox, client, .. } = *target;
    let origin = client.origin();
    let sent_before = delivered_before(outbox);
    let mut waiting: HashMap<String, Vec<Entry>> = HashMap::new();
    for entry in outbox.list()?.entries {
        if entry.state != EntryState::Waiting || !entry.is_for(&origin) {
            continue;
        }
        waiting
            .entry(entry.visit_id.as_str().to_owned())
            .or_default()
            .push(entry);
    }

    let mut spool = std::io::BufWriter::new(tempfile::tempfile()?);
    let mut failed: Option<SendError> = None;
    // New rows are saved together: one sync for the batch at the end, not one per row.
    let mut batch = outbox.batch();
    import.each_row(&mut |row| {
        let (Some(visit_id), Some(rating)) = (&row.visit_id, &row.rating) else {
            return ControlFlow::Continue(());
        };
        if !row.is_valid() {
            return ControlFlow::Continue(());
        }
        let saved = if sent_before.contains(visit_id.as_str()) {
            state.done += 1;
            state.delivered += 1;
            Ok("-".to_owned())
        } else {
            let existing = waiting.get_mut(visit_id.as_str()).and_then(|list| {
                list.iter()
                    .position(|e| e.rating == *rating)
                    .map(|at| list.swap_remove(at))
            });
            match existing {
                Some(entry) => Ok(entry.id),
                None => batch.add(visit_id, rating, &origin).map(|e| e.id),
            }
        };
        let written = saved
            .map_err(SendError::from)
            .and_then(|id| Ok(writeln!(spool, "{} {id}", row.number)?));
        if let Err(e) = written {
            failed = Some(e);
            return ControlFlow::Break(());
        }
        state.saved += 1;
        // "Every row saved" only once the batch is on disk.
        if state.saved < state.total {
            progress(state);
        }
        ControlFlow::Continue(())
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    batch.commit()?;
    progress(state);
    let mut spool = spool
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)?;
    spool.rewind()?;
    Ok(spool)
}

/// Step 2: read the file again and send the saved rows in file order through the
/// drain's pipeline ([`Outbox::pipeline`]): a reader thread claims each row's entry
/// ahead (from the spool), this thread sends one request at a time, and a recorder
/// thread applies the answers, removing delivered entries in batches.
fn send_rows(
    target: &Target<'_>,
    import: &Import,
    spool: File,
    state: &mut Progress,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
    each: &mut dyn FnMut(&Row, Option<&Delivery>),
) -> Result<(), SendError> {
    let Target {
        outbox,
        client,
        token,
    } = *target;
    // Each spool line: the row's number and its entry's id (`-`: delivered before).
    let items = std::io::BufReader::new(spool)
        .lines()
        .map(|line| match line {
            Ok(line) => {
                let (number, id) = line.split_once(' ').unwrap_or((line.as_str(), ""));
                let send = (id != "-").then(|| id.to_owned());
                (Ok((number.to_owned(), id == "-")), send)
            }
            Err(e) => (Err(e), None),
        });
    outbox.pipeline(items, &client.origin(), true, |pipeline| {
        let mut failed: Option<SendError> = None;
        let mut unreachable = 0;
        let mut held: Option<Held> = None;
        import.each_row(&mut |row| {
            if !row.is_valid() {
                each(&row, None);
                return ControlFlow::Continue(());
            }
            let Some(visit_id) = &row.visit_id else {
                return ControlFlow::Continue(());
            };
            let claimed = match pipeline.next_item() {
                Some((Ok((number, earlier)), claimed)) if number == row.number.to_string() => {
                    if earlier {
                        each(&row, Some(&Delivery::AlreadyDelivered));
                        return ControlFlow::Continue(());
                    }
                    claimed
                }
                Some((Err(e), _)) => {
                    failed = Some(e.into());
                    return ControlFlow::Break(());
                }
                Some(_) | None => {
                    failed = Some(ImportError::Changed.into());
                    return ControlFlow::Break(());
                }
            };
            if held.is_none() && stop.load(Ordering::SeqCst) {
                held = Some(Held::Stopped);
            }
            if let Some(reason) = held {
                pipeline.stop_claiming();
                each(&row, Some(&Delivery::Held(reason)));
                return ControlFlow::Continue(());
            }
            // The one send path, forced as `outbox flush` is: the import sends now.
            let outcome = match claimed {
                Some(Claimed::Ready(lease, entry)) => pipeline.send(lease, *entry, client, token),
                Some(Claimed::Skipped(_) | Claimed::NotClaimed) | None => {
                    // Another sender has it, or delivered it meanwhile (the sent log says).
                    let delivered = delivered_before(outbox).contains(visit_id.as_str());
                    let delivery = if delivered {
                        state.delivered += 1;
                        Delivery::AlreadyDelivered
                    } else {
                        Delivery::Held(Held::InFlight)
                    };
                    state.done += 1;
                    progress(state);
                    each(&row, Some(&delivery));
                    return ControlFlow::Continue(());
                }
            };
            if outcome.kind == OutcomeKind::Transient && outcome.http_status.is_none() {
                unreachable += 1;
            } else {
                unreachable = 0;
            }
            if matches!(outcome.kind, OutcomeKind::Unauthorized(_)) {
                held = Some(Held::TokenProblem);
            } else if outcome.kind == OutcomeKind::Refused {
                held = Some(Held::Refused);
            } else if unreachable >= GIVE_UP_AFTER_UNREACHABLE {
                held = Some(Held::Unreachable);
            }
            if held.is_some() {
                pipeline.stop_claiming();
            }
            state.done += 1;
            if outcome.kind.is_final_success() {
                state.delivered += 1;
            }
            progress(state);
            each(&row, Some(&Delivery::Answered(outcome)));
            ControlFlow::Continue(())
        })?;
        match failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    })?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::ImportOptions;
    use crate::outbox::testing::{served, temp_outbox};
    use std::fmt::Write as _;

    fn forms(dir: &std::path::Path, rows: usize) -> Import {
        let mut text = String::from(
            "Визит;Время ожидания;Результат посещения;Отношение персонала;Чистота;Замечания;Не был(а)\n",
        );
        for i in 0..rows {
            let _ = writeln!(text, "batch-{i:04};5;4;3;2;Замечание {i};");
        }
        let path = dir.join("forms.csv");
        std::fs::write(&path, text).unwrap();
        super::super::load(&path, &ImportOptions::default()).unwrap()
    }

    #[test]
    fn the_rows_reach_the_outbox_together_before_the_first_request() {
        let (dir, outbox) = temp_outbox();
        let (server, client) = served("t");
        let rows = 40;
        let import = forms(dir.path(), rows);
        let token = Token::new("t").unwrap();
        let target = Target {
            outbox: &outbox,
            client: &client,
            token: &token,
        };
        // What the outbox held, and what the server had, at each step of saving.
        let mut seen: Vec<(Progress, usize, usize)> = Vec::new();
        let mut delivered = 0;
        deliver(
            &target,
            &import,
            &AtomicBool::new(false),
            &mut |p| {
                if p.done == 0 {
                    let listed = outbox.list().unwrap().entries.len();
                    seen.push((*p, listed, server.state().ratings().len()));
                }
            },
            &mut |_, delivery| {
                delivered += usize::from(delivery.is_some_and(Delivery::is_delivered));
            },
        )
        .unwrap();
        assert_eq!(delivered, rows);
        assert_eq!(server.state().ratings().len(), rows);
        let (saving, saved): (Vec<_>, Vec<_>) =
            seen.iter().partition(|(p, _, _)| p.saved < p.total);
        assert!(!saving.is_empty());
        // One batch: no row is in the outbox (or on its way) until every row is saved.
        assert!(
            saving
                .iter()
                .all(|(_, listed, sent)| (*listed, *sent) == (0, 0)),
            "{saving:?}"
        );
        let (_, listed, sent) = saved.first().expect("a step with every row saved");
        assert_eq!(
            (*listed, *sent),
            (rows, 0),
            "all saved before the first request"
        );
        assert!(
            outbox.list().unwrap().entries.is_empty(),
            "all delivered and removed"
        );
    }

    #[test]
    fn a_stop_holds_the_rest_in_the_outbox_and_leaves_no_lease_behind() {
        let (dir, outbox) = temp_outbox();
        let (server, client) = served("t");
        let rows = 3 * crate::outbox::Deliveries::BATCH;
        let import = forms(dir.path(), rows);
        let token = Token::new("t").unwrap();
        let target = Target {
            outbox: &outbox,
            client: &client,
            token: &token,
        };
        let stop = AtomicBool::new(false);
        let mut held = 0;
        deliver(
            &target,
            &import,
            &stop,
            &mut |p| {
                // Ctrl+C after the fifth answer: the reader has claimed rows ahead by then.
                if p.done == 5 {
                    stop.store(true, Ordering::SeqCst);
                }
            },
            &mut |_, delivery| {
                held += usize::from(delivery == Some(&Delivery::Held(Held::Stopped)));
            },
        )
        .unwrap();
        assert_eq!(
            server.state().ratings().len(),
            5,
            "stopped after the current request"
        );
        assert_eq!(held, rows - 5);
        let left = outbox.list().unwrap().entries;
        assert_eq!(left.len(), rows - 5, "the rest wait in the outbox");
        for entry in &left {
            assert!(
                crate::outbox::testing::claim_soon(&outbox, &entry.id).is_some(),
                "{} is still leased",
                entry.id
            );
        }
    }
}
