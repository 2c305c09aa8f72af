//! The per-row outcome of an import, for `--json`, the window's summary and the
//! `--report` CSV file.
//!
//! The report file is written the way the input was: a CSV input's delimiter and
//! encoding (and its byte order mark, if it had one); for a spreadsheet, UTF-8 with a
//! byte order mark (so Excel reads the Cyrillic right) and `;`. It never holds the
//! remarks (personal data): the row number, the visit id, the outcome, the server's
//! message and codes verbatim, except that control and bidi characters are shown escaped
//! ([`crate::safe_text::inline`]) and a cell a spreadsheet would run as a formula (`=`,
//! `+`, `-`, `@`, tab, carriage return first) starts with `'`
//! ([`crate::safe_text::csv_cell`]). It is written a line at a time ([`Writer`]) as the
//! rows are read again, and counted ([`Tally`]) instead of kept.

use crate::msg;
use std::borrow::Cow;
use std::io::{self, Write};

use encoding_rs::{Encoding, UTF_8};

use crate::i18n::I18n;

use super::send::{Delivery, Held};
use super::{Field, Import, Row, SourceFormat};
use crate::api::{OutcomeClass, OutcomeKind};

/// What became of one row: its name in `--json`, the report file and the window's
/// summary is the snake-case name ([`RowOutcome::name`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RowOutcome {
    /// The row is invalid (its problems are in the line's text).
    Invalid,
    /// `--dry-run`: the row is valid.
    Valid,
    /// Not sent: other rows are invalid (without `--skip-invalid`).
    NotSent,
    /// The sent log says the server has this visit already: nothing was sent.
    AlreadyDelivered,
    /// The server answered (or did not answer) when the row was sent.
    Answered(OutcomeClass),
    /// Saved, not sent: the import was stopped on request.
    Stopped,
    /// Saved, not sent: sending stopped on a token problem.
    PausedToken,
    /// Saved, not sent: the server did not answer several times in a row.
    ServerUnreachable,
    /// Saved, not sent: sending stopped when the server or a gateway refused.
    PausedRefused,
    /// Saved, not sent now: another sender had it.
    InFlight,
}

impl RowOutcome {
    /// Every outcome, in the order above.
    pub const ALL: [RowOutcome; 15] = [
        RowOutcome::Invalid,
        RowOutcome::Valid,
        RowOutcome::NotSent,
        RowOutcome::AlreadyDelivered,
        RowOutcome::Answered(OutcomeClass::Accepted),
        RowOutcome::Answered(OutcomeClass::AlreadyRecorded),
        RowOutcome::Answered(OutcomeClass::Rejected),
        RowOutcome::Answered(OutcomeClass::Unauthorized),
        RowOutcome::Answered(OutcomeClass::Refused),
        RowOutcome::Answered(OutcomeClass::Transient),
        RowOutcome::Stopped,
        RowOutcome::PausedToken,
        RowOutcome::ServerUnreachable,
        RowOutcome::PausedRefused,
        RowOutcome::InFlight,
    ];

    /// The stable name in `--json` and the report file.
    pub fn name(self) -> &'static str {
        match self {
            RowOutcome::Invalid => "invalid",
            RowOutcome::Valid => "valid",
            RowOutcome::NotSent => "not_sent",
            RowOutcome::AlreadyDelivered => "already_delivered",
            RowOutcome::Answered(class) => class.name(),
            RowOutcome::Stopped => "stopped",
            RowOutcome::PausedToken => "paused_token",
            RowOutcome::ServerUnreachable => "server_unreachable",
            RowOutcome::PausedRefused => "paused_refused",
            RowOutcome::InFlight => "in_flight",
        }
    }

    /// The server has this row's rating (now or from an earlier run).
    pub fn is_delivered(self) -> bool {
        match self {
            RowOutcome::AlreadyDelivered
            | RowOutcome::Answered(OutcomeClass::Accepted | OutcomeClass::AlreadyRecorded) => true,
            // Not sent, refused, or waiting (in alphabetical order).
            RowOutcome::Answered(
                OutcomeClass::Refused
                | OutcomeClass::Rejected
                | OutcomeClass::Transient
                | OutcomeClass::Unauthorized,
            )
            | RowOutcome::InFlight
            | RowOutcome::Invalid
            | RowOutcome::NotSent
            | RowOutcome::PausedRefused
            | RowOutcome::PausedToken
            | RowOutcome::ServerUnreachable
            | RowOutcome::Stopped
            | RowOutcome::Valid => false,
        }
    }

    /// The row stays in the outbox, waiting to be sent (by a rerun, `outbox flush` or
    /// the window's background sender).
    pub fn is_waiting(self) -> bool {
        match self {
            RowOutcome::Answered(
                OutcomeClass::Unauthorized | OutcomeClass::Refused | OutcomeClass::Transient,
            )
            | RowOutcome::Stopped
            | RowOutcome::PausedToken
            | RowOutcome::ServerUnreachable
            | RowOutcome::PausedRefused
            | RowOutcome::InFlight => true,
            // Not saved (invalid, checked only, blocked), delivered, or kept for a
            // person rather than waiting.
            RowOutcome::Invalid
            | RowOutcome::Valid
            | RowOutcome::NotSent
            | RowOutcome::AlreadyDelivered
            | RowOutcome::Answered(
                OutcomeClass::Accepted | OutcomeClass::AlreadyRecorded | OutcomeClass::Rejected,
            ) => false,
        }
    }

    /// The outcome of a row the server answered.
    pub fn answered(kind: OutcomeKind) -> RowOutcome {
        RowOutcome::Answered(kind.class())
    }

    /// The outcome of a row saved but not sent now.
    pub fn held(held: Held) -> RowOutcome {
        match held {
            Held::Stopped => RowOutcome::Stopped,
            Held::TokenProblem => RowOutcome::PausedToken,
            Held::Unreachable => RowOutcome::ServerUnreachable,
            Held::Refused => RowOutcome::PausedRefused,
            Held::InFlight => RowOutcome::InFlight,
        }
    }
}

impl serde::Serialize for RowOutcome {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// How far an import got, for one row.
#[derive(Clone, Copy, Debug)]
pub enum Stage<'a> {
    /// `--dry-run`: checked only.
    DryRun,
    /// Nothing was sent because some rows are invalid.
    Blocked,
    /// Sending: this row's delivery (`None`: it was not sent).
    Sent(Option<&'a Delivery>),
}

/// One row's outcome.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Line {
    /// The row number in the file.
    pub row: usize,
    /// The visit id as written in the file.
    pub visit_id: String,
    /// What became of it.
    pub outcome: RowOutcome,
    /// What happened, for people, in the interface language.
    pub text: String,
    /// The HTTP status, when the server answered.
    pub http_status: Option<u16>,
    /// The server's `code`, verbatim.
    pub code: Option<i64>,
    /// The server's `message`, verbatim.
    pub message: Option<String>,
    /// The server's `message_code`, verbatim.
    pub message_code: Option<String>,
    /// Our technical explanation (English): the problems of an invalid row, a transport
    /// error.
    pub detail: Option<String>,
}

impl Line {
    fn plain(row: &Row, outcome: RowOutcome, text: String) -> Line {
        Line {
            row: row.number,
            visit_id: row.values[Field::VisitId.index()].clone(),
            outcome,
            text,
            http_status: None,
            code: None,
            message: None,
            message_code: None,
            detail: None,
        }
    }

    /// The server has this row's rating.
    pub fn is_delivered(&self) -> bool {
        self.outcome.is_delivered()
    }
}

/// Each problem of a row: «column» (letter): what is wrong.
pub fn problems_text(import: &Import, row: &Row, i18n: &I18n) -> String {
    row.problems
        .iter()
        .map(|(field, problem)| {
            i18n.tr_args(
                msg!("import-cell-problem"),
                &[
                    (
                        "column",
                        import
                            .header(*field)
                            .map_or_else(|| i18n.tr(field.label_key()), str::to_owned)
                            .as_str()
                            .into(),
                    ),
                    ("letter", import.letter(*field).into()),
                    (
                        "problem",
                        problem.describe(i18n).trim_end_matches('.').into(),
                    ),
                ],
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The line of one data row.
pub fn line(import: &Import, row: &Row, stage: Stage<'_>, i18n: &I18n) -> Line {
    if !row.is_valid() {
        let mut line = Line::plain(row, RowOutcome::Invalid, problems_text(import, row, i18n));
        line.detail = Some(
            row.problems
                .iter()
                .map(|(f, p)| format!("{}: {}", f.key(), p.detail()))
                .collect::<Vec<_>>()
                .join("; "),
        );
        return line;
    }
    match stage {
        Stage::DryRun => Line::plain(row, RowOutcome::Valid, i18n.tr(msg!("import-row-valid"))),
        Stage::Blocked | Stage::Sent(None) => Line::plain(
            row,
            RowOutcome::NotSent,
            i18n.tr(msg!("import-row-blocked")),
        ),
        Stage::Sent(Some(Delivery::AlreadyDelivered)) => Line::plain(
            row,
            RowOutcome::AlreadyDelivered,
            i18n.tr(msg!("import-row-already-delivered")),
        ),
        Stage::Sent(Some(Delivery::Answered(outcome))) => {
            let text = i18n.outcome_words(outcome).summary();
            Line {
                http_status: outcome.http_status,
                code: outcome.code,
                message: outcome.message.clone(),
                message_code: outcome.message_code.clone(),
                detail: outcome.detail.clone(),
                ..Line::plain(row, RowOutcome::answered(outcome.kind), text)
            }
        }
        Stage::Sent(Some(Delivery::Held(held))) => Line::plain(
            row,
            RowOutcome::held(*held),
            i18n.tr(match held {
                Held::Stopped => msg!("import-row-stopped"),
                Held::TokenProblem => msg!("import-row-paused-token"),
                Held::Unreachable => msg!("import-row-unreachable"),
                Held::Refused => msg!("import-row-paused-refused"),
                Held::InFlight => msg!("import-row-in-flight"),
            }),
        ),
    }
}

/// How many lines had each outcome: what the summary, `--json` and the exit code need,
/// without keeping the lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    outcomes: std::collections::BTreeMap<RowOutcome, usize>,
    rows: usize,
}

impl Tally {
    /// Count `line`.
    pub fn add(&mut self, line: &Line) {
        self.rows += 1;
        *self.outcomes.entry(line.outcome).or_default() += 1;
    }

    /// Lines in all.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Lines with this outcome.
    pub fn count(&self, outcome: RowOutcome) -> usize {
        self.outcomes.get(&outcome).copied().unwrap_or(0)
    }

    /// Lines whose outcome passes `test`.
    pub fn count_where(&self, test: impl Fn(RowOutcome) -> bool) -> usize {
        self.outcomes
            .iter()
            .filter(|(outcome, _)| test(**outcome))
            .map(|(_, n)| n)
            .sum()
    }

    /// Lines whose rating the server has (now or earlier).
    pub fn delivered(&self) -> usize {
        self.count_where(RowOutcome::is_delivered)
    }

    /// Lines whose rating waits in the outbox ([`RowOutcome::is_waiting`]).
    pub fn waiting(&self) -> usize {
        self.count_where(RowOutcome::is_waiting)
    }

    /// The outcomes some line had, each once.
    pub fn outcomes(&self) -> impl Iterator<Item = RowOutcome> + '_ {
        self.outcomes.keys().copied()
    }
}

/// The report file written a line at a time, in the input's delimiter and encoding (see
/// the module docs).
pub struct Writer<W: Write> {
    out: W,
    delimiter: u8,
    encoding: &'static Encoding,
}

impl<W: Write> Writer<W> {
    /// Start the report: the byte order mark (if any) and the header line.
    pub fn new(mut out: W, format: &SourceFormat, i18n: &I18n) -> io::Result<Writer<W>> {
        let (delimiter, encoding, bom) = match format {
            SourceFormat::Csv {
                delimiter,
                encoding,
                bom,
            } => (*delimiter, encoding.output_encoding(), *bom),
            SourceFormat::Spreadsheet { .. } => (b';', UTF_8, true),
        };
        if bom && encoding == UTF_8 {
            out.write_all(b"\xEF\xBB\xBF")?;
        }
        let mut writer = Writer {
            out,
            delimiter,
            encoding,
        };
        let header = [
            msg!("import-report-row"),
            msg!("import-report-visit-id"),
            msg!("import-report-outcome"),
            msg!("import-report-text"),
            msg!("import-report-http-status"),
            msg!("import-report-code"),
            msg!("import-report-message"),
            msg!("import-report-message-code"),
            msg!("import-report-detail"),
        ]
        .map(|key| i18n.tr(key));
        writer.record(&header)?;
        Ok(writer)
    }

    /// One line of the report.
    pub fn write(&mut self, line: &Line) -> io::Result<()> {
        let opt = |v: Option<String>| v.unwrap_or_default();
        let cells = [
            line.row.to_string(),
            line.visit_id.clone(),
            line.outcome.name().to_owned(),
            line.text.clone(),
            opt(line.http_status.map(|s| s.to_string())),
            opt(line.code.map(|c| c.to_string())),
            opt(line.message.clone()),
            opt(line.message_code.clone()),
            opt(line.detail.clone()),
        ];
        // Visit ids and the server's words are outside text: shown with their control
        // characters escaped (as on a terminal: a report gets `cat`), and a cell a
        // spreadsheet would run as a formula is written inert.
        let cells = cells
            .map(|cell| crate::safe_text::csv_cell(&crate::safe_text::inline(&cell)).into_owned());
        self.record(&cells)
    }

    fn record(&mut self, cells: &[String]) -> io::Result<()> {
        let mut csv = csv::WriterBuilder::new()
            .delimiter(self.delimiter)
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        // A character the encoding lacks (an emoji in Windows-1251) becomes `&#NNNN;`
        // inside its cell, before the cell is quoted: that `;` may be the delimiter.
        let cells: Vec<Cow<'_, str>> = cells.iter().map(|cell| self.representable(cell)).collect();
        csv.write_record(cells.iter().map(|cell| cell.as_bytes()))
            .map_err(io::Error::other)?;
        let bytes = csv
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))?;
        let text = String::from_utf8_lossy(&bytes);
        self.out.write_all(&self.encoding.encode(&text).0)
    }

    /// `cell` with each character the report's encoding lacks written as `&#NNNN;`.
    fn representable<'a>(&self, cell: &'a str) -> Cow<'a, str> {
        let (bytes, _, replaced) = self.encoding.encode(cell);
        if !replaced {
            return Cow::Borrowed(cell);
        }
        Cow::Owned(
            self.encoding
                .decode_without_bom_handling(&bytes)
                .0
                .into_owned(),
        )
    }

    /// The output, flushed.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(visit_id: &str, text: &str) -> Line {
        Line {
            row: 2,
            visit_id: visit_id.into(),
            outcome: RowOutcome::Invalid,
            text: text.into(),
            http_status: None,
            code: None,
            message: None,
            message_code: None,
            detail: None,
        }
    }

    #[test]
    fn outcomes_keep_their_names_in_json_and_the_report() {
        let names: Vec<serde_json::Value> = RowOutcome::ALL
            .iter()
            .map(|o| serde_json::to_value(o).unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "invalid",
                "valid",
                "not_sent",
                "already_delivered",
                "accepted",
                "already_recorded",
                "rejected",
                "unauthorized",
                "refused",
                "transient",
                "stopped",
                "paused_token",
                "server_unreachable",
                "paused_refused",
                "in_flight",
            ]
        );
    }

    #[test]
    fn waiting_is_every_outcome_that_leaves_the_row_in_the_outbox() {
        // The list the report and the command line counted by before the outcomes had a
        // type, in its order.
        let earlier = [
            "transient",
            "stopped",
            "server_unreachable",
            "paused_token",
            "unauthorized",
            "refused",
            "paused_refused",
            "in_flight",
        ];
        let waiting: std::collections::BTreeSet<&str> = RowOutcome::ALL
            .into_iter()
            .filter(|o| o.is_waiting())
            .map(RowOutcome::name)
            .collect();
        assert_eq!(waiting, earlier.into_iter().collect());
        let delivered: Vec<&str> = RowOutcome::ALL
            .into_iter()
            .filter(|o| o.is_delivered())
            .map(RowOutcome::name)
            .collect();
        assert_eq!(
            delivered,
            ["already_delivered", "accepted", "already_recorded"]
        );
        let mut tally = Tally::default();
        for outcome in [
            RowOutcome::Answered(OutcomeClass::Refused),
            RowOutcome::InFlight,
            RowOutcome::Answered(OutcomeClass::Accepted),
        ] {
            tally.add(&Line {
                outcome,
                ..line("v", "")
            });
        }
        assert_eq!(
            (tally.rows(), tally.waiting(), tally.delivered()),
            (3, 2, 1)
        );
    }

    #[test]
    fn a_character_the_encoding_lacks_stays_inside_its_cell() {
        // Found by the csv fuzz target: `&#128077;` carries the `;` delimiter, so written
        // after the cells were quoted it split a Windows-1251 report's line.
        let format = SourceFormat::Csv {
            delimiter: b';',
            encoding: encoding_rs::WINDOWS_1251,
            bom: false,
        };
        let i18n = I18n::new(crate::config::Language::Ru);
        let mut writer = Writer::new(Vec::new(), &format, &i18n).unwrap();
        writer.write(&line("v-👍", "«👍» не число")).unwrap();
        let bytes = writer.finish().unwrap();
        let (text, _, _) = encoding_rs::WINDOWS_1251.decode(&bytes);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(true)
            .from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].len(), 9, "{:?}", &rows[0]);
        assert_eq!(&rows[0][1], "v-&#128077;");
        assert_eq!(&rows[0][3], "«&#128077;» не число");
    }
}
