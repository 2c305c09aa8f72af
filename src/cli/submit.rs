//! `visit-rating submit`: one rating from a shell or a script.

use crate::msg;
use std::io::{Read, Write};
use std::path::PathBuf;

use super::Exit;
use super::args::SubmitArgs;
use super::report::{human_words, json_line, outcome_json};
use crate::api::{Outcome, OutcomeKind, RatingClient, VisitId};
use crate::config::Config;
use crate::i18n::I18n;
use crate::rating::{Criterion, Missing, NOTES_MAX_CHARS, Rating, RatingDraft, Score};
use crate::secrets;
use crate::service::{ConnectError, NotSent, Service};
/// Where `submit` reads the remarks from.
#[derive(Clone, Debug)]
pub enum NotesSource {
    /// None given: empty remarks.
    None,
    /// `--notes TEXT`.
    Text(String),
    /// `--notes-file PATH`; `-` is standard input.
    File(PathBuf),
}

/// What `submit` was asked to do.
// Independent command-line flags, one bool each.
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Debug)]
pub struct SubmitRequest {
    /// `--history`.
    pub history: String,
    /// `--scores A,B,C,D`.
    pub scores: Option<String>,
    /// `--notes` / `--notes-file`.
    pub notes: NotesSource,
    /// `--didnt-visit`.
    pub didnt_visit: bool,
    /// `--url`.
    pub url: Option<String>,
    /// `--allow-insecure-http`.
    pub allow_insecure_http: bool,
    /// `--json`.
    pub json: bool,
    /// `--queue`: save the rating in the outbox before sending, keep it there when it
    /// could not be delivered.
    pub queue: bool,
}

impl From<SubmitArgs> for SubmitRequest {
    fn from(args: SubmitArgs) -> SubmitRequest {
        let notes = match (args.notes, args.notes_file) {
            (Some(text), _) => NotesSource::Text(text),
            (None, Some(path)) => NotesSource::File(path),
            (None, None) => NotesSource::None,
        };
        SubmitRequest {
            history: args.history,
            scores: args.scores,
            notes,
            didnt_visit: args.didnt_visit,
            url: args.url,
            allow_insecure_http: args.allow_insecure_http,
            json: args.json,
            queue: args.queue,
        }
    }
}

/// Something that stops `submit` before anything is sent.
struct Refusal {
    exit: Exit,
    /// For people, in the configured language.
    text: String,
    /// For `--json`'s `detail`, in English.
    detail: String,
    outcome: SubmitOutcome,
}

/// The `outcome` that `submit --json` prints: the server's answer, or why the rating was
/// not sent (the names are the command-line chapter's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SubmitOutcome {
    /// An answer (or none) from the server, by its class.
    Answered(OutcomeKind),
    /// `--queue`: no usable answer; the outbox keeps the rating to send later.
    Queued,
    /// The visit id, the scores or the remarks are not valid, or there is no usable
    /// server URL: nothing was sent.
    Invalid,
    /// `--queue` could not save the rating: nothing was sent.
    NotSaved,
    /// `--queue` saved the rating but could not send it now.
    Failed,
    /// No usable token here: nothing was sent (the name the server's 401 has too).
    NoToken,
}

impl SubmitOutcome {
    fn name(self) -> &'static str {
        match self {
            SubmitOutcome::Answered(kind) => kind.name(),
            SubmitOutcome::Queued => "queued",
            SubmitOutcome::Invalid => "invalid",
            SubmitOutcome::NotSaved => "not_saved",
            SubmitOutcome::Failed => "failed",
            SubmitOutcome::NoToken => "unauthorized",
        }
    }
}

impl Refusal {
    fn invalid(text: String, detail: String) -> Refusal {
        Refusal {
            exit: Exit::Invalid,
            text,
            detail,
            outcome: SubmitOutcome::Invalid,
        }
    }

    /// `--queue` could not save the rating: nothing was sent.
    fn not_saved(i18n: &I18n, error: &crate::outbox::OutboxError) -> Refusal {
        let detail = crate::api::error_chain(error);
        Refusal {
            exit: Exit::Failure,
            text: i18n.tr_args(
                msg!("outbox-not-saved"),
                &[("error", i18n.outbox_error(error).into())],
            ),
            detail,
            outcome: SubmitOutcome::NotSaved,
        }
    }
}

/// A rating ready to send: validated, with the connect step done as far as the client
/// for the configured server.
struct Prepared {
    service: Service,
    client: RatingClient,
    id: VisitId,
    rating: Rating,
}

/// What became of a sent rating, and (with `--queue`) whether the outbox still keeps it.
struct Sent {
    outcome: Outcome,
    /// A message about the outbox for people (kept, or could not be updated).
    outbox_note: Option<String>,
}

/// `visit-rating submit`: validate, send one rating, report, return the exit code.
///
/// With `--queue` the rating is saved in the outbox first (before anything is sent) and
/// stays there unless the server has it: exit 5 and `--json` outcome `queued` on a
/// transient failure, exit 4 on a token problem, exit 3 on a rejection (kept as "needs
/// attention"). When it cannot be saved (disk full, read-only folder) nothing is sent:
/// exit 1, `--json` outcome `not_saved`.
pub fn submit(request: &SubmitRequest, config: &Config, i18n: &I18n) -> Exit {
    // Send first, then lock the streams: holding stderr's lock while the HTTP client's
    // thread logs to stderr would deadlock.
    let sent = prepare(request, config, i18n).and_then(|prepared| {
        if request.queue {
            send_queued(prepared, i18n)
        } else {
            let token = prepared
                .service
                .token(&prepared.client.origin())
                .map_err(|e| token_refusal(i18n, &e))?;
            Ok(Sent {
                outcome: prepared
                    .client
                    .submit(&prepared.id, &prepared.rating, &token),
                outbox_note: None,
            })
        }
    });
    let mut out = super::report::stdout();
    let mut err = super::report::stderr();
    match sent {
        Ok(Sent {
            outcome,
            outbox_note,
        }) => {
            let exit = Exit::for_outcome(outcome.kind);
            if request.json {
                let name = if request.queue && outcome.kind == OutcomeKind::Transient {
                    SubmitOutcome::Queued
                } else {
                    SubmitOutcome::Answered(outcome.kind)
                };
                let _ = writeln!(out, "{}", json_line(&outcome_json(name.name(), &outcome)));
                if let Some(note) = outbox_note {
                    let _ = writeln!(err, "{note}");
                }
            } else {
                let sink: &mut dyn Write = if exit == Exit::Ok { &mut out } else { &mut err };
                let mut words = i18n.outcome_words(&outcome);
                // The window keeps what was typed; a `submit` without --queue keeps
                // nothing, so it must not say "everything entered is kept".
                if !request.queue && outcome.kind == OutcomeKind::Transient {
                    words.advice = Some(i18n.tr(msg!("advice-transient-not-saved")));
                }
                let _ = writeln!(sink, "{}", human_words(&words));
                if let Some(note) = outbox_note {
                    let _ = writeln!(sink, "{note}");
                }
            }
            exit
        }
        Err(refusal) => {
            if request.json {
                let outcome = Outcome {
                    detail: Some(refusal.detail),
                    ..Outcome::transport_failure(String::new())
                };
                let _ = writeln!(
                    out,
                    "{}",
                    json_line(&outcome_json(refusal.outcome.name(), &outcome))
                );
            } else {
                let _ = writeln!(err, "{}", refusal.text);
            }
            refusal.exit
        }
    }
}

fn prepare(request: &SubmitRequest, config: &Config, i18n: &I18n) -> Result<Prepared, Refusal> {
    let id = VisitId::from_input(
        &request.history,
        config.clinic_guid.as_deref(),
        &config.visit_id_separator,
    )
    .map_err(|e| Refusal::invalid(i18n.visit_id_error(&e), e.to_string()))?;

    let mut draft = RatingDraft {
        didnt_visit: request.didnt_visit,
        notes: read_notes(&request.notes).map_err(|e| {
            Refusal::invalid(
                i18n.tr_args(msg!("error-input"), &[("error", e.as_str().into())]),
                e.clone(),
            )
        })?,
        ..RatingDraft::default()
    };
    match (&request.scores, request.didnt_visit) {
        (Some(text), _) => {
            draft.scores = parse_scores(text).map(|s| s.map(Some)).ok_or_else(|| {
                Refusal::invalid(
                    i18n.tr(msg!("error-scores")),
                    format!("--scores {text:?}: give four scores 1..5 separated by commas"),
                )
            })?;
        }
        (None, true) => {}
        (None, false) => {
            return Err(Refusal::invalid(
                i18n.tr(msg!("error-scores")),
                "--scores is required unless --didnt-visit is given".into(),
            ));
        }
    }
    let rating = draft.to_rating().map_err(|missing| match missing.first() {
        Some(Missing::NotesTooLong { chars }) => Refusal::invalid(
            i18n.tr_args(
                msg!("error-notes-too-long"),
                &[("chars", (*chars).into()), ("max", NOTES_MAX_CHARS.into())],
            ),
            format!("the notes are {chars} characters long; at most {NOTES_MAX_CHARS} are allowed"),
        ),
        _ => Refusal::invalid(i18n.tr(msg!("error-scores")), "scores are missing".into()),
    })?;

    let service = Service::for_command(config, request.url.as_deref(), request.allow_insecure_http);
    let client = service.client().map_err(|e| connect_refusal(i18n, &e))?;
    Ok(Prepared {
        service,
        client,
        id,
        rating,
    })
}

/// No client or no token for the server: exit 2 (no URL, a bad URL or TLS settings) or
/// 4 (no token).
fn connect_refusal(i18n: &I18n, error: &ConnectError) -> Refusal {
    match error {
        ConnectError::NoUrl => Refusal::invalid(
            i18n.connect_error(error),
            "no server URL: pass --url, set VISIT_RATING_URL or server_url in the settings file"
                .into(),
        ),
        ConnectError::Client(e) => {
            Refusal::invalid(i18n.connect_error(error), crate::api::error_chain(&**e))
        }
        ConnectError::NoToken(e) => token_refusal(i18n, e),
    }
}

/// `--queue`: save first, then send through the outbox's one send path (the window's
/// [`Service::submit`]), under the entry's lease, then apply the outbox's rules.
fn send_queued(prepared: Prepared, i18n: &I18n) -> Result<Sent, Refusal> {
    let outbox = crate::service::open_outbox().map_err(|e| Refusal::not_saved(i18n, &e))?;
    let service = prepared.service.with_outbox(outbox);
    match service.submit(&prepared.id, &prepared.rating) {
        Ok(report) => {
            let outbox_note = match report.outcome.kind {
                OutcomeKind::Accepted | OutcomeKind::AlreadyRecorded => None,
                OutcomeKind::Transient => Some(i18n.tr(msg!("outbox-kept-transient"))),
                OutcomeKind::Unauthorized(_) => Some(i18n.tr(msg!("outbox-kept-token"))),
                OutcomeKind::Refused => Some(i18n.tr(msg!("outbox-kept-refused"))),
                OutcomeKind::Rejected => Some(i18n.tr(msg!("outbox-kept-attention"))),
            };
            Ok(Sent {
                outcome: report.outcome,
                outbox_note,
            })
        }
        Err(NotSent::NotSaved(e)) => Err(Refusal::not_saved(i18n, &e)),
        Err(NotSent::SavedWithoutToken(e) | NotSent::NotConnected(ConnectError::NoToken(e))) => {
            let mut refusal = token_refusal(i18n, &e);
            refusal.text = format!("{}\n{}", refusal.text, i18n.tr(msg!("outbox-kept-token")));
            Err(refusal)
        }
        // The client was made in `prepare`: the service keeps it.
        Err(NotSent::NotConnected(e @ (ConnectError::NoUrl | ConnectError::Client(_)))) => {
            Err(connect_refusal(i18n, &e))
        }
        Err(e @ (NotSent::Unsent(_) | NotSent::Skipped(_) | NotSent::NoThread(_))) => {
            let detail = crate::api::error_chain(&e);
            Err(Refusal {
                exit: Exit::Failure,
                text: i18n.tr_args(msg!("outbox-error"), &[("error", detail.as_str().into())]),
                detail,
                outcome: SubmitOutcome::Failed,
            })
        }
    }
}

fn token_refusal(i18n: &I18n, e: &secrets::SecretsError) -> Refusal {
    Refusal {
        exit: Exit::Token,
        text: i18n.secrets_error(e),
        detail: e.to_string(),
        outcome: SubmitOutcome::NoToken,
    }
}

fn read_notes(source: &NotesSource) -> Result<String, String> {
    let text = match source {
        NotesSource::None => return Ok(String::new()),
        NotesSource::Text(text) => return Ok(text.clone()),
        NotesSource::File(path) => {
            let mut bytes = Vec::new();
            let read = if path.as_os_str() == "-" {
                std::io::stdin().lock().read_to_end(&mut bytes)
            } else {
                std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes))
            };
            read.map_err(|e| format!("cannot read the notes from {}: {e}", path.display()))?;
            String::from_utf8(bytes)
                .map_err(|_| format!("the notes in {} are not valid UTF-8 text", path.display()))?
        }
    };
    // A file (or `echo`) ends with a line break that nobody typed as a remark.
    Ok(text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text)
        .to_owned())
}

/// Four comma-separated scores 1..5, spaces allowed around them.
pub fn parse_scores(text: &str) -> Option<[Score; 4]> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.len() != Criterion::ALL.len() {
        return None;
    }
    let mut scores = [Score::new(1)?; 4];
    for (slot, part) in scores.iter_mut().zip(parts) {
        *slot = Score::new(part.parse().ok()?)?;
    }
    Some(scores)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_parse_strictly() {
        assert_eq!(
            parse_scores("5,3, 5 ,4").map(|s| s.map(Score::get)),
            Some([5, 3, 5, 4])
        );
        for bad in [
            "5,3,5",
            "5,3,5,4,1",
            "5,3,5,6",
            "5,3,5,0",
            "a,b,c,d",
            "",
            "5;3;5;4",
            "5,3,5,4.0",
        ] {
            assert!(parse_scores(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn one_trailing_newline_is_removed_from_a_notes_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "Спасибо\n\n").unwrap();
        assert_eq!(
            read_notes(&NotesSource::File(path.clone())).unwrap(),
            "Спасибо\n"
        );
        std::fs::write(&path, b"\xff\xfe").unwrap();
        assert!(
            read_notes(&NotesSource::File(path))
                .unwrap_err()
                .contains("UTF-8")
        );
    }
}
