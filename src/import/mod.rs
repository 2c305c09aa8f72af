//! Importing paper forms: a spreadsheet or CSV file of ratings typed in by staff,
//! checked row by row, saved in the outbox, then sent (the book's "Importing paper forms").
//!
//! - [`limits`]: what a file may hold, in one place (a table of the limits and why);
//! - [`prescan`]: a spreadsheet held to the limits before calamine opens it;
//! - [`text`]: a CSV file's encoding decided from the whole file, its rows streamed;
//! - [`read`]: the file row by row (CSV, or XLSX/XLS/XLSB/ODS through calamine, first
//!   sheet or a named one), as many passes as needed;
//! - [`columns`]: which column is which (Russian or English header names, or a list);
//! - [`validate`]: every row checked, duplicates marked in both rows;
//! - [`send`]: valid rows into the outbox as they are read, then to the server, with
//!   progress and a stop;
//! - [`report`]: the per-row outcome file, written as a stream.
//!
//! Memory does not grow with the file: [`load`] reads the file once to check every row
//! and keeps only counts and an 8-byte hash per visit id (sorted, the duplicate
//! candidates confirmed exactly on a second pass that runs only when two hashes are
//! equal, so a hash collision never marks a false duplicate); every later use —
//! the report, `--json`, the preview, sending — is another pass over the rows
//! ([`Import::each_row`]).
//!
//! No egui and no terminal here: the CLI and the window share it. Remarks are personal
//! data: they are read and sent, never logged and never written into a report.

pub mod columns;
pub mod limits;
pub mod prescan;
pub mod read;
pub mod report;
pub mod send;
pub mod text;
pub mod validate;

use crate::msg;
use std::collections::HashMap;
use std::hash::{Hash as _, Hasher as _};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use crate::api::{VisitId, VisitIdError};
use crate::i18n::I18n;
use crate::rating::{NOTES_MAX_CHARS, Rating};

pub use columns::{Column, Columns, Field};
pub use limits::{Limit, TooBig};
pub use read::{Cell, ReadOptions, Source, SourceFormat, encoding_for_label};
pub use validate::IdRules;

/// Why a file could not be read at all (nothing is sent).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The system's words.
        source: std::io::Error,
    },
    /// Binary content where text was expected.
    #[error("the file is not text (CSV) and not a spreadsheet this program can read")]
    NotText,
    /// calamine could not read the workbook.
    #[error("cannot read the spreadsheet {path}: {reason}")]
    Spreadsheet {
        /// The file.
        path: PathBuf,
        /// calamine's words.
        reason: String,
    },
    /// The file passes one of the [`limits`]: nothing was read into memory past it.
    #[error("the file is too large to import: {0}")]
    TooBig(TooBig),
    /// Mostly UTF-8 with some bytes that are not, or the other way round: read either
    /// way, part of the text would be mojibake.
    #[error(
        "the encoding cannot be told for sure: the byte at offset {offset} (row {row}) {}; save the file as UTF-8 or give --encoding utf-8 or --encoding windows-1251",
        if *mostly_utf8 { "is not UTF-8, though the rest of the file is" } else { "starts a UTF-8 sequence, though the rest of the file is Windows-1251" }
    )]
    EncodingUnsure {
        /// The row (as a spreadsheet shows the file) of that byte.
        row: usize,
        /// Its offset from the start of the file.
        offset: u64,
        /// The rest of the file is UTF-8 (else Windows-1251).
        mostly_utf8: bool,
    },
    /// A byte sequence the given encoding cannot decode.
    #[error(
        "the byte at offset {offset} (row {row}) is not {encoding} text; give the file's encoding with --encoding"
    )]
    Undecodable {
        /// The encoding's name.
        encoding: &'static str,
        /// The offset.
        offset: u64,
        /// The row.
        row: usize,
    },
    /// The file changed while it was being imported.
    #[error("the file changed while it was being imported; import it again")]
    Changed,
    /// A sheet's cells are not in row order.
    #[error("the cells of sheet {sheet:?} are not in row order")]
    OutOfOrder {
        /// The sheet.
        sheet: String,
    },
    /// `--sheet` names no sheet of the workbook.
    #[error("the workbook has no sheet {wanted:?}; its sheets: {}", available.join(", "))]
    NoSuchSheet {
        /// The name asked for.
        wanted: String,
        /// The sheets there are.
        available: Vec<String>,
    },
    /// The CSV reader gave up.
    #[error("the CSV file cannot be read: {0}")]
    Csv(String),
    /// No header row and no data.
    #[error("the file holds no rows")]
    Empty,
    /// Required columns are not there.
    #[error("the file has no column for {}; the header row has: {}", missing.iter().map(|f| f.key()).collect::<Vec<_>>().join(", "), found.join(", "))]
    MissingColumns {
        /// What is missing.
        missing: Vec<Field>,
        /// The header cells found.
        found: Vec<String>,
    },
    /// Two columns for one field.
    #[error("two columns are for {}: {first:?} and {second:?}", field.key())]
    DuplicateColumn {
        /// The field.
        field: Field,
        /// The first column's header.
        first: String,
        /// The second column's header.
        second: String,
    },
    /// A `--columns` name that names no field.
    #[error(
        "--columns: {0:?} is not a column name (visit_id, result_1..result_4, notes, dont_visit)"
    )]
    UnknownColumn(String),
}

impl ImportError {
    /// For people, in the interface language.
    pub fn describe(&self, i18n: &I18n) -> String {
        let column_names = |fields: &[Field]| {
            fields
                .iter()
                .map(|f| format!("«{}»", i18n.tr(f.label_key())))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            ImportError::MissingColumns { missing, found } => i18n.tr_args(
                msg!("import-error-missing-columns"),
                &[
                    ("missing", column_names(missing).as_str().into()),
                    ("found", found.join(", ").as_str().into()),
                ],
            ),
            ImportError::DuplicateColumn {
                field,
                first,
                second,
            } => i18n.tr_args(
                msg!("import-error-duplicate-column"),
                &[
                    ("column", i18n.tr(field.label_key()).as_str().into()),
                    ("first", first.as_str().into()),
                    ("second", second.as_str().into()),
                ],
            ),
            ImportError::NoSuchSheet { wanted, available } => i18n.tr_args(
                msg!("import-error-no-sheet"),
                &[
                    ("sheet", wanted.as_str().into()),
                    ("sheets", available.join(", ").as_str().into()),
                ],
            ),
            ImportError::Empty => i18n.tr(msg!("import-error-empty")),
            ImportError::NotText => i18n.tr(msg!("import-error-not-text")),
            ImportError::TooBig(too_big) => describe_too_big(too_big, i18n),
            ImportError::EncodingUnsure {
                row,
                offset,
                mostly_utf8,
            } => i18n.tr_args(
                msg!("import-error-encoding-unsure"),
                &[
                    ("row", (*row).into()),
                    ("offset", offset.to_string().as_str().into()),
                    ("rest", if *mostly_utf8 { "utf8" } else { "cp1251" }.into()),
                ],
            ),
            ImportError::Undecodable {
                encoding,
                offset,
                row,
            } => i18n.tr_args(
                msg!("import-error-undecodable"),
                &[
                    ("row", (*row).into()),
                    ("offset", offset.to_string().as_str().into()),
                    ("encoding", (*encoding).into()),
                ],
            ),
            ImportError::Changed => i18n.tr(msg!("import-error-changed")),
            other => i18n.tr_args(
                msg!("import-error-file"),
                &[("error", other.to_string().as_str().into())],
            ),
        }
    }
}

/// What is wrong with one cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The visit id is refused (empty, `/`, whitespace…).
    VisitId(VisitIdError),
    /// The same visit id is in these other rows too.
    Duplicate {
        /// The other rows' numbers (the first few).
        rows: Vec<usize>,
        /// How many more other rows have it.
        more: usize,
    },
    /// A score is needed (the patient visited) but the cell is empty.
    ScoreMissing,
    /// Not a number at all.
    ScoreNotNumber(String),
    /// A number with a fraction.
    ScoreNotWhole(String),
    /// A whole number outside 1..5.
    ScoreOutOfRange(String),
    /// Not a yes/no mark.
    NotYesNo(String),
    /// Longer than the form allows.
    NotesTooLong {
        /// How many characters.
        chars: usize,
    },
    /// The spreadsheet cell holds an error value (`#N/A`, `#REF!`…).
    CellError(String),
}

impl Problem {
    /// For people, in the interface language.
    pub fn describe(&self, i18n: &I18n) -> String {
        match self {
            Problem::VisitId(e) => i18n.visit_id_error(e),
            Problem::Duplicate { rows, more } => i18n.tr_args(
                msg!("import-problem-duplicate"),
                &[
                    (
                        "rows",
                        rows.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                            .as_str()
                            .into(),
                    ),
                    ("more", (*more).into()),
                ],
            ),
            Problem::ScoreMissing => i18n.tr(msg!("import-problem-score-missing")),
            Problem::ScoreNotNumber(v) => i18n.tr_args(
                msg!("import-problem-score-not-number"),
                &[("value", v.as_str().into())],
            ),
            Problem::ScoreNotWhole(v) => i18n.tr_args(
                msg!("import-problem-score-not-whole"),
                &[("value", v.as_str().into())],
            ),
            Problem::ScoreOutOfRange(v) => i18n.tr_args(
                msg!("import-problem-score-range"),
                &[("value", v.as_str().into())],
            ),
            Problem::NotYesNo(v) => i18n.tr_args(
                msg!("import-problem-not-yes-no"),
                &[("value", v.as_str().into())],
            ),
            Problem::NotesTooLong { chars } => i18n.tr_args(
                msg!("error-notes-too-long"),
                &[("chars", (*chars).into()), ("max", NOTES_MAX_CHARS.into())],
            ),
            Problem::CellError(v) => i18n.tr_args(
                msg!("import-problem-cell-error"),
                &[("value", v.as_str().into())],
            ),
        }
    }

    /// In English, for `--json` and logs.
    pub fn detail(&self) -> String {
        match self {
            Problem::VisitId(e) => e.to_string(),
            Problem::Duplicate { rows, more } => format!(
                "the same visit id is also in row {}{}",
                rows.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                if *more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
            Problem::ScoreMissing => "the score is empty".into(),
            Problem::ScoreNotNumber(v) => format!("{v:?} is not a number; a score is 1..5"),
            Problem::ScoreNotWhole(v) => format!("{v:?} is not a whole number; a score is 1..5"),
            Problem::ScoreOutOfRange(v) => format!("{v:?} is outside 1..5"),
            Problem::NotYesNo(v) => {
                format!("{v:?} is not yes or no (да/нет, 1/0, x or empty)")
            }
            Problem::NotesTooLong { chars } => {
                format!("the remarks are {chars} characters long; at most {NOTES_MAX_CHARS}")
            }
            Problem::CellError(v) => format!("the cell holds the spreadsheet error {v}"),
        }
    }
}

/// One data row of the file, checked.
#[derive(Clone, PartialEq)]
pub struct Row {
    /// The row number as the spreadsheet shows it (the header is usually row 1).
    pub number: usize,
    /// Each field's cell as shown, in [`Field::ALL`] order (remarks included: personal
    /// data, for the preview only).
    pub values: [String; 7],
    /// The visit id, when it is valid.
    pub visit_id: Option<VisitId>,
    /// The rating, when the whole row is valid.
    pub rating: Option<Rating>,
    /// What is wrong, cell by cell.
    pub problems: Vec<(Field, Problem)>,
}

impl Row {
    /// The row can be sent.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty() && self.visit_id.is_some() && self.rating.is_some()
    }

    /// The problems of one field.
    pub fn problems_of(&self, field: Field) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(move |(f, _)| *f == field)
            .map(|(_, p)| p)
    }
}

/// Remarks are personal data: a `Debug` print never shows them.
impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Row")
            .field("number", &self.number)
            .field("visit_id", &self.visit_id)
            .field("rating", &self.rating)
            .field("problems", &self.problems)
            .finish_non_exhaustive()
    }
}

/// How to read and check a file.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Encoding and sheet.
    pub read: ReadOptions,
    /// `--columns`: the fields left to right; the file has no header row then (a first
    /// row whose score cells are all words is taken for a header and skipped).
    pub columns: Option<String>,
    /// Visit id completion.
    pub ids: IdRules,
}

/// How many data rows (blank rows left out) a file has, and how many of them are
/// valid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Data rows.
    pub rows: usize,
    /// Of those, rows that can be sent.
    pub valid: usize,
}

impl Counts {
    /// Rows with a problem.
    pub fn invalid(&self) -> usize {
        self.rows - self.valid
    }
}

/// Other rows named in a duplicate's problem; the rest are counted.
const DUPLICATE_ROWS_NAMED: usize = 5;

/// Rows whose visit id is also in another row, grouped by that id.
#[derive(Clone, Debug, Default)]
struct Duplicates {
    groups: Vec<Vec<usize>>,
    by_row: HashMap<usize, usize>,
}

impl Duplicates {
    /// The problem of `row`, when it repeats another row's visit id.
    fn problem(&self, row: usize) -> Option<Problem> {
        let group = &self.groups[*self.by_row.get(&row)?];
        let others: Vec<usize> = group.iter().copied().filter(|&n| n != row).collect();
        let named = others.len().min(DUPLICATE_ROWS_NAMED);
        Some(Problem::Duplicate {
            rows: others[..named].to_vec(),
            more: others.len() - named,
        })
    }
}

/// A file read and checked: its format, its columns, its counts. The rows themselves
/// are read again for each use ([`Import::each_row`]), never held all at once.
#[derive(Clone, Debug)]
pub struct Import {
    /// The file.
    pub source: Source,
    /// How it was read.
    pub format: SourceFormat,
    /// Which column is which.
    pub columns: Columns,
    /// Data rows and valid rows.
    pub counts: Counts,
    /// The header row's number (0 when there is none); rows up to it are not data.
    header_row: usize,
    ids: IdRules,
    duplicates: Duplicates,
}

/// The first rows of a file, for a preview.
#[derive(Clone, Debug, Default)]
pub struct Preview {
    /// The first data rows.
    pub rows: Vec<Row>,
    /// The first invalid rows (anywhere in the file).
    pub invalid: Vec<Row>,
}

impl Import {
    /// How many rows have a problem.
    pub fn invalid_count(&self) -> usize {
        self.counts.invalid()
    }

    /// How many rows can be sent.
    pub fn valid_count(&self) -> usize {
        self.counts.valid
    }

    /// The spreadsheet letter of a field's column, or `""`.
    pub fn letter(&self, field: Field) -> &str {
        self.columns.get(field).map_or("", |c| c.letter.as_str())
    }

    /// The header of a field's column as the file writes it.
    pub fn header(&self, field: Field) -> Option<&str> {
        self.columns.get(field).map(|c| c.header.as_str())
    }

    /// Read the data rows again from the start, each checked (duplicates marked), until
    /// `visit` says stop. Errors only when the file cannot be read again or changed.
    pub fn each_row(
        &self,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), ImportError> {
        self.source.each_row(&mut |number, cells| {
            if number <= self.header_row || cells.iter().all(Cell::is_blank) {
                return Ok(ControlFlow::Continue(()));
            }
            let mut row = validate::row(number, cells, &self.columns, &self.ids);
            if let Some(problem) = self.duplicates.problem(number) {
                row.problems.insert(0, (Field::VisitId, problem));
                row.rating = None;
            }
            Ok(visit(row))
        })
    }

    /// The first `rows` data rows and the first `invalid` invalid rows, reading no
    /// further than needed.
    pub fn preview(&self, rows: usize, invalid: usize) -> Result<Preview, ImportError> {
        let mut preview = Preview::default();
        let invalid_wanted = invalid.min(self.invalid_count());
        self.each_row(&mut |row| {
            if !row.is_valid() && preview.invalid.len() < invalid_wanted {
                preview.invalid.push(row.clone());
            }
            if preview.rows.len() < rows {
                preview.rows.push(row);
            }
            if preview.rows.len() >= rows.min(self.counts.rows)
                && preview.invalid.len() >= invalid_wanted
            {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        Ok(preview)
    }
}

/// The hash a visit id is indexed by (ids compare ignoring letter case: GUIDs are
/// case-insensitive).
fn id_key(id: &VisitId) -> String {
    id.as_str().to_lowercase()
}

fn id_hash(key: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

/// Read and check `path`: the header (or `--columns`), then every row once for the
/// counts and the duplicate index, then — only when two visit ids hash alike — once
/// more to confirm the duplicates exactly.
pub fn load(path: &Path, options: &ImportOptions) -> Result<Import, ImportError> {
    load_with_hash(path, options, id_hash)
}

/// [`load`] with the index's hash given (a test makes every id collide).
fn load_with_hash(
    path: &Path,
    options: &ImportOptions,
    id_hash: fn(&str) -> u64,
) -> Result<Import, ImportError> {
    let source = Source::open(path, &options.read)?;
    let first_column = source.first_column();
    let mut first: Option<(usize, Vec<Cell>)> = None;
    source.each_row(&mut |number, cells| {
        if cells.iter().all(Cell::is_blank) {
            return Ok(ControlFlow::Continue(()));
        }
        first = Some((number, cells.to_vec()));
        Ok(ControlFlow::Break(()))
    })?;
    let (columns, header_row) = if let Some(list) = &options.columns {
        let columns = columns::from_list(list, first_column)?;
        let header_row = match &first {
            Some((number, cells)) if looks_like_header(cells, &columns) => *number,
            _ => 0,
        };
        (columns, header_row)
    } else {
        let (number, header) = first.as_ref().ok_or(ImportError::Empty)?;
        (columns::from_header(header, first_column)?, *number)
    };
    let mut import = Import {
        format: source.format.clone(),
        source,
        columns,
        counts: Counts::default(),
        header_row,
        ids: options.ids.clone(),
        duplicates: Duplicates::default(),
    };

    // 1. Every row checked once: counts, and the hash of every valid visit id.
    let mut hashes: Vec<u64> = Vec::new();
    let mut counts = Counts::default();
    let mut too_many = None;
    import.each_row(&mut |row| {
        counts.rows += 1;
        if row.is_valid() {
            counts.valid += 1;
        }
        if let Some(id) = &row.visit_id {
            hashes.push(id_hash(&id_key(id)));
        }
        if counts.rows as u64 > limits::MAX_CSV_ROWS {
            too_many = Some(TooBig::new(Limit::CsvRows, counts.rows as u64));
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })?;
    if let Some(e) = too_many {
        return Err(ImportError::TooBig(e));
    }
    import.counts = counts;

    // 2. Hashes seen twice are candidates, confirmed on the ids themselves.
    hashes.sort_unstable();
    let mut candidates: Vec<u64> = Vec::new();
    let mut candidate_rows = 0u64;
    for run in hashes.chunk_by(|a, b| a == b).filter(|run| run.len() > 1) {
        candidates.push(run[0]);
        candidate_rows += run.len() as u64;
    }
    drop(hashes);
    if candidates.is_empty() {
        return Ok(import);
    }
    TooBig::check(Limit::RepeatedRows, candidate_rows).map_err(ImportError::TooBig)?;
    let mut by_id: HashMap<String, Vec<(usize, bool)>> = HashMap::new();
    import.each_row(&mut |row| {
        if let Some(id) = &row.visit_id {
            let key = id_key(id);
            if candidates.binary_search(&id_hash(&key)).is_ok() {
                by_id
                    .entry(key)
                    .or_default()
                    .push((row.number, row.is_valid()));
            }
        }
        ControlFlow::Continue(())
    })?;
    let mut duplicates = Duplicates::default();
    for rows in by_id.into_values().filter(|rows| rows.len() > 1) {
        let group = duplicates.groups.len();
        for &(number, valid) in &rows {
            duplicates.by_row.insert(number, group);
            if valid {
                import.counts.valid -= 1;
            }
        }
        let mut numbers: Vec<usize> = rows.into_iter().map(|(number, _)| number).collect();
        numbers.sort_unstable();
        duplicates.groups.push(numbers);
    }
    import.duplicates = duplicates;
    Ok(import)
}

/// A first row whose every score cell is a word (not a number) is a header.
fn looks_like_header(cells: &[Cell], columns: &Columns) -> bool {
    columns
        .found
        .iter()
        .filter(|c| matches!(c.field, Field::Score(_)))
        .all(|c| {
            cells.get(c.index).is_some_and(|cell| {
                matches!(validate::score(cell), Err(Problem::ScoreNotNumber(_)))
            })
        })
}

/// A [`TooBig`] for people: which limit, what was found, what is allowed.
fn describe_too_big(too_big: &TooBig, i18n: &I18n) -> String {
    let part = |key, part: &str| i18n.tr_args(key, &[("part", part.into())]);
    let what = match &too_big.limit {
        Limit::FileBytes => i18n.tr(msg!("import-limit-file-bytes")),
        Limit::Rows(p) => part(msg!("import-limit-rows"), p),
        Limit::Columns(p) => part(msg!("import-limit-columns"), p),
        Limit::Cells(p) => part(msg!("import-limit-cells"), p),
        Limit::SharedStrings => i18n.tr(msg!("import-limit-shared-strings")),
        Limit::PartBytes(p) => part(msg!("import-limit-part-bytes"), p),
        Limit::TotalBytes => i18n.tr(msg!("import-limit-total-bytes")),
        Limit::CompressionRatio(p) => part(msg!("import-limit-ratio"), p),
        Limit::ZipEntries => i18n.tr(msg!("import-limit-zip-entries")),
        Limit::CsvRows => i18n.tr(msg!("import-limit-csv-rows")),
        Limit::RowBytes(row) => {
            i18n.tr_args(msg!("import-limit-row-bytes"), &[("row", (*row).into())])
        }
        Limit::RepeatedRows => i18n.tr(msg!("import-limit-repeated-rows")),
    };
    let amount = |value: u64| match &too_big.limit {
        l if l.is_bytes() => i18n.tr_args(
            msg!("import-size-mib"),
            &[("mib", limits::mib(value).as_str().into())],
        ),
        Limit::CompressionRatio(_) => i18n.tr_args(
            msg!("import-size-ratio"),
            &[("ratio", value.to_string().as_str().into())],
        ),
        _ => value.to_string(),
    };
    i18n.tr_args(
        msg!("import-error-too-big"),
        &[
            ("what", what.as_str().into()),
            ("found", amount(too_big.found).as_str().into()),
            ("max", amount(too_big.limit.max()).as_str().into()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::Score;

    const HEADER: &str = "Визит;Время ожидания;Результат посещения;Отношение персонала;Чистота;Замечания;Не был(а)\n";

    /// A file checked, and all its rows read back (a test's files are small).
    struct Loaded {
        _dir: tempfile::TempDir,
        import: Import,
        rows: Vec<Row>,
    }

    impl std::ops::Deref for Loaded {
        type Target = Import;
        fn deref(&self) -> &Import {
            &self.import
        }
    }

    impl Loaded {
        fn valid(&self) -> impl Iterator<Item = &Row> {
            self.rows.iter().filter(|r| r.is_valid())
        }
    }

    fn load_bytes(
        bytes: &[u8],
        options: &ImportOptions,
        hash: fn(&str) -> u64,
    ) -> Result<Loaded, ImportError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forms.csv");
        std::fs::write(&path, bytes).unwrap();
        let import = load_with_hash(&path, options, hash)?;
        let mut rows = Vec::new();
        import
            .each_row(&mut |row| {
                rows.push(row);
                ControlFlow::Continue(())
            })
            .unwrap();
        Ok(Loaded {
            _dir: dir,
            import,
            rows,
        })
    }

    fn load_with(text: &str, options: &ImportOptions) -> Result<Loaded, ImportError> {
        load_bytes(text.as_bytes(), options, id_hash)
    }

    fn load_text(text: &str) -> Loaded {
        load_with(text, &ImportOptions::default()).unwrap()
    }

    #[test]
    fn a_valid_file_becomes_ratings() {
        let import = load_text(&format!(
            "{HEADER}v-1;5;4;3;2;\"Спасибо; всё хорошо\";\nv-2;;;;;;да\n"
        ));
        assert_eq!(import.invalid_count(), 0);
        let rows: Vec<&Row> = import.valid().collect();
        assert_eq!(import.counts, Counts { rows: 2, valid: 2 });
        assert_eq!(rows[0].number, 2);
        assert_eq!(rows[0].visit_id.as_ref().unwrap().as_str(), "v-1");
        let rating = rows[0].rating.as_ref().unwrap();
        assert_eq!(rating.scores.map(Score::get), [5, 4, 3, 2]);
        assert_eq!(rating.notes, "Спасибо; всё хорошо");
        assert!(!rating.didnt_visit);
        assert!(rows[1].rating.as_ref().unwrap().didnt_visit);
    }

    #[test]
    fn each_problem_names_its_row_and_column() {
        use crate::rating::Criterion::{StaffAttitude, VisitResult, WaitingTime};
        let import = load_text(&format!(
            "{HEADER}\n;5;5;5;5;;\nab/cd;5;5;5;5;;\nv-3;6;5;5;5;;\nv-4;5;;5;5;;\nv-5;5;5;5;5;;может быть\nv-6;5;4.5;хорошо;5;;\n"
        ));
        let problems: Vec<(usize, Field, Problem)> = import
            .rows
            .iter()
            .flat_map(|r| r.problems.iter().map(|(f, p)| (r.number, *f, p.clone())))
            .collect();
        assert_eq!(
            problems,
            vec![
                (3, Field::VisitId, Problem::VisitId(VisitIdError::Empty)),
                (
                    4,
                    Field::VisitId,
                    Problem::VisitId(VisitIdError::ForbiddenChar('/'))
                ),
                (
                    5,
                    Field::Score(WaitingTime),
                    Problem::ScoreOutOfRange("6".into())
                ),
                (6, Field::Score(VisitResult), Problem::ScoreMissing),
                (7, Field::DidntVisit, Problem::NotYesNo("может быть".into())),
                (
                    8,
                    Field::Score(VisitResult),
                    Problem::ScoreNotWhole("4.5".into())
                ),
                (
                    8,
                    Field::Score(StaffAttitude),
                    Problem::ScoreNotNumber("хорошо".into())
                ),
            ]
        );
        assert_eq!(import.letter(Field::Score(WaitingTime)), "B");
        assert!(import.rows.iter().all(|r| !r.is_valid()));
    }

    #[test]
    fn a_duplicate_visit_names_both_rows_and_neither_is_sent() {
        let import = load_text(&format!(
            "{HEADER}v-1;5;5;5;5;;\nv-2;5;5;5;5;;\nV-1;4;4;4;4;;\n"
        ));
        assert_eq!(
            import.rows[0].problems,
            vec![(
                Field::VisitId,
                Problem::Duplicate {
                    rows: vec![4],
                    more: 0
                }
            )]
        );
        assert_eq!(
            import.rows[2].problems,
            vec![(
                Field::VisitId,
                Problem::Duplicate {
                    rows: vec![2],
                    more: 0
                }
            )]
        );
        assert_eq!(import.valid().count(), 1);
        assert_eq!(import.counts, Counts { rows: 3, valid: 1 });
    }

    #[test]
    fn a_visit_repeated_many_times_names_the_first_rows_and_counts_the_rest() {
        use std::fmt::Write as _;
        let mut text = HEADER.to_owned();
        for n in 0..9 {
            write!(text, "v-{n};5;5;5;5;;\nsame;5;5;5;5;;\n").unwrap();
        }
        let import = load_text(&text);
        let first = import.rows.iter().find(|r| r.number == 3).unwrap();
        assert_eq!(
            first.problems,
            vec![(
                Field::VisitId,
                Problem::Duplicate {
                    rows: vec![5, 7, 9, 11, 13],
                    more: 3
                }
            )]
        );
        let i18n = I18n::new(crate::config::Language::Ru);
        assert_eq!(
            first.problems[0].1.describe(&i18n),
            "этот визит есть и в строке 5, 7, 9, 11, 13 и ещё в 3 строках"
        );
        assert_eq!(import.counts, Counts { rows: 18, valid: 9 });
    }

    #[test]
    fn a_hash_collision_never_marks_a_false_duplicate() {
        // Every id hashes alike: all are candidates, and only the equal ones are marked.
        let text = format!("{HEADER}a-1;5;5;5;5;;\nb-2;5;5;5;5;;\nA-1;5;5;5;5;;\nc-3;5;5;5;5;;\n");
        let import = load_bytes(text.as_bytes(), &ImportOptions::default(), |_| 42).unwrap();
        let marked: Vec<usize> = import
            .rows
            .iter()
            .filter(|r| !r.is_valid())
            .map(|r| r.number)
            .collect();
        assert_eq!(marked, vec![2, 4]);
        assert_eq!(import.counts, Counts { rows: 4, valid: 2 });
    }

    #[test]
    fn a_file_changed_after_it_was_checked_is_refused_not_misread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forms.csv");
        std::fs::write(&path, format!("{HEADER}v-1;5;5;5;5;;\n")).unwrap();
        let import = load(&path, &ImportOptions::default()).unwrap();
        std::fs::write(&path, format!("{HEADER}v-1;5;5;5;5;;\nv-2;1;1;1;1;;\n")).unwrap();
        assert!(matches!(
            import.each_row(&mut |_| ControlFlow::Continue(())),
            Err(ImportError::Changed)
        ));
    }

    #[test]
    fn the_preview_keeps_the_first_rows_and_the_first_invalid_ones() {
        use std::fmt::Write as _;
        let mut text = HEADER.to_owned();
        for n in 0..50 {
            let score = if n % 10 == 9 { 7 } else { 5 };
            writeln!(text, "v-{n};{score};5;5;5;;").unwrap();
        }
        let import = load_text(&text);
        let preview = import.preview(10, 3).unwrap();
        assert_eq!(preview.rows.len(), 10);
        assert_eq!(preview.rows[0].number, 2);
        assert_eq!(
            preview.invalid.iter().map(|r| r.number).collect::<Vec<_>>(),
            vec![11, 21, 31]
        );
        assert_eq!(
            import.counts,
            Counts {
                rows: 50,
                valid: 45
            }
        );
    }

    #[test]
    fn explicit_columns_skip_a_header_that_names_nothing_known() {
        let text = "Номер;Ожид.;Рез.;Отн.;Чист.\nv-1;5;4;3;2\n";
        let options = ImportOptions {
            columns: Some("visit_id,result_1,result_2,result_3,result_4".into()),
            ..ImportOptions::default()
        };
        let import = load_with(text, &options).unwrap();
        assert_eq!(import.rows.len(), 1);
        assert_eq!(import.rows[0].number, 2);
        assert!(import.rows[0].is_valid());
        // Without --columns the header names nothing known: a clear refusal.
        assert!(matches!(
            load_with(text, &ImportOptions::default()),
            Err(ImportError::MissingColumns { .. })
        ));
    }

    #[test]
    fn a_bare_visit_guid_gets_the_clinic_guid() {
        let text = format!("{HEADER}7d1e2f3a-4b5c-4d6e-9f80-112233445566;5;5;5;5;;\n");
        let options = ImportOptions {
            ids: IdRules {
                clinic_guid: Some("0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6".into()),
                separator: "_".into(),
            },
            ..ImportOptions::default()
        };
        let import = load_with(&text, &options).unwrap();
        assert_eq!(
            import.rows[0].visit_id.as_ref().unwrap().as_str(),
            "0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6_7d1e2f3a-4b5c-4d6e-9f80-112233445566"
        );
    }
}
