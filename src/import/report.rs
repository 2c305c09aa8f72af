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
//! ([`crate::safe_text::csv_cell`]).

use crate::msg;
use std::path::Path;

use encoding_rs::UTF_8;

use crate::i18n::I18n;

use super::send::Delivery;
use super::{Field, Import, Row, SourceFormat};

/// Outcomes of rows that stay in the outbox, waiting to be sent.
pub const WAITING: [&str; 8] = [
    "transient",
    "stopped",
    "server_unreachable",
    "paused_token",
    "unauthorized",
    "refused",
    "paused_refused",
    "in_flight",
];

/// How far an import got.
#[derive(Clone, Copy, Debug)]
pub enum Stage<'a> {
    /// `--dry-run`: checked only.
    DryRun,
    /// Nothing was sent because some rows are invalid.
    Blocked,
    /// Sent: one delivery per valid row, in file order.
    Sent(&'a [Delivery]),
}

/// One row's outcome.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Line {
    /// The row number in the file.
    pub row: usize,
    /// The visit id as written in the file.
    pub visit_id: String,
    /// `invalid`, `valid` (dry run), `not_sent` (other rows invalid), `already_delivered`,
    /// `accepted`, `already_recorded`, `rejected`, `unauthorized`, `transient`,
    /// `stopped`, `paused_token`, `server_unreachable`.
    pub outcome: &'static str,
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
    fn plain(row: &Row, outcome: &'static str, text: String) -> Line {
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
        matches!(
            self.outcome,
            "accepted" | "already_recorded" | "already_delivered"
        )
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

/// One line per data row, in file order.
pub fn lines(import: &Import, stage: Stage<'_>, i18n: &I18n) -> Vec<Line> {
    let mut deliveries = match stage {
        Stage::Sent(list) => list.iter(),
        _ => [].iter(),
    };
    import
        .rows
        .iter()
        .map(|row| {
            if !row.is_valid() {
                let mut line = Line::plain(row, "invalid", problems_text(import, row, i18n));
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
                Stage::DryRun => Line::plain(row, "valid", i18n.tr(msg!("import-row-valid"))),
                Stage::Blocked => Line::plain(row, "not_sent", i18n.tr(msg!("import-row-blocked"))),
                Stage::Sent(_) => match deliveries.next() {
                    Some(Delivery::AlreadyDelivered) => Line::plain(
                        row,
                        "already_delivered",
                        i18n.tr(msg!("import-row-already-delivered")),
                    ),
                    Some(Delivery::Answered(outcome)) => {
                        let text = i18n.outcome_words(outcome).summary();
                        Line {
                            http_status: outcome.http_status,
                            code: outcome.code,
                            message: outcome.message.clone(),
                            message_code: outcome.message_code.clone(),
                            detail: outcome.detail.clone(),
                            ..Line::plain(row, outcome.kind.name(), text)
                        }
                    }
                    Some(Delivery::Held(held)) => Line::plain(
                        row,
                        held.name(),
                        i18n.tr(match held {
                            super::send::Held::Stopped => msg!("import-row-stopped"),
                            super::send::Held::TokenProblem => msg!("import-row-paused-token"),
                            super::send::Held::Unreachable => msg!("import-row-unreachable"),
                            super::send::Held::Refused => msg!("import-row-paused-refused"),
                            super::send::Held::InFlight => msg!("import-row-in-flight"),
                        }),
                    ),
                    None => Line::plain(row, "not_sent", i18n.tr(msg!("import-row-blocked"))),
                },
            }
        })
        .collect()
}

/// The report as bytes: `format`'s delimiter and encoding (see the module docs).
pub fn to_bytes(lines: &[Line], format: &SourceFormat, i18n: &I18n) -> Vec<u8> {
    let (delimiter, encoding, bom) = match format {
        SourceFormat::Csv {
            delimiter,
            encoding,
            bom,
        } => (*delimiter, encoding.output_encoding(), *bom),
        SourceFormat::Spreadsheet { .. } => (b';', UTF_8, true),
    };
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
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
    let _ = writer.write_record(&header);
    for line in lines {
        let opt = |v: Option<String>| v.unwrap_or_default();
        let cells = [
            line.row.to_string(),
            line.visit_id.clone(),
            line.outcome.to_owned(),
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
        let _ =
            writer.write_record(cells.iter().map(|cell| {
                crate::safe_text::csv_cell(&crate::safe_text::inline(cell)).into_owned()
            }));
    }
    let text = String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default();
    let mut bytes = Vec::new();
    if bom && encoding == UTF_8 {
        bytes.extend_from_slice(b"\xEF\xBB\xBF");
    }
    // A character the encoding lacks (an emoji in Windows-1251) becomes `&#NNNN;`.
    bytes.extend_from_slice(&encoding.encode(&text).0);
    bytes
}

/// Write the report to `path`, readable by the user only (it lists visit ids and the
/// server's answers), replacing any file there whole ([`crate::private_fs::write`]).
pub fn write(
    path: &Path,
    lines: &[Line],
    format: &SourceFormat,
    i18n: &I18n,
) -> std::io::Result<()> {
    crate::private_fs::write(path, &to_bytes(lines, format, i18n))
}
