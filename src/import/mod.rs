//! Importing paper forms: a spreadsheet or CSV file of ratings typed in by staff,
//! checked row by row, saved in the outbox, then sent (README, "Importing paper forms").
//!
//! - [`read`]: the file into cells (CSV with `;`/`,`/tab and UTF-8/BOM/Windows-1251
//!   detected; XLSX/XLS/ODS through calamine, first sheet or a named one);
//! - [`columns`]: which column is which (Russian or English header names, or a list);
//! - [`validate`]: every row checked, duplicates marked in both rows;
//! - [`send`]: valid rows into the outbox, then to the server, with progress and a stop;
//! - [`report`]: the per-row outcome file.
//!
//! No egui and no terminal here: the CLI and the window share it. Remarks are personal
//! data: they are read and sent, never logged and never written into a report.

pub mod columns;
pub mod read;
pub mod report;
pub mod send;
pub mod validate;

use crate::msg;
use std::path::{Path, PathBuf};

use crate::api::{VisitId, VisitIdError};
use crate::i18n::I18n;
use crate::rating::{NOTES_MAX_CHARS, Rating};

pub use columns::{Column, Columns, Field};
pub use read::{Cell, ReadOptions, SourceFormat, Table, encoding_for_label};
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
        /// The other rows' numbers.
        rows: Vec<usize>,
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
            Problem::Duplicate { rows } => i18n.tr_args(
                msg!("import-problem-duplicate"),
                &[(
                    "rows",
                    rows.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                        .as_str()
                        .into(),
                )],
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
            Problem::Duplicate { rows } => format!(
                "the same visit id is also in row {}",
                rows.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
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

/// A file read and checked.
#[derive(Clone, Debug)]
pub struct Import {
    /// How it was read.
    pub format: SourceFormat,
    /// Which column is which.
    pub columns: Columns,
    /// The data rows (blank rows left out).
    pub rows: Vec<Row>,
}

impl Import {
    /// Rows that can be sent.
    pub fn valid(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.is_valid())
    }

    /// The valid rows, ready for [`send::deliver`].
    pub fn pending(&self) -> Vec<send::Pending> {
        self.valid()
            .filter_map(|row| {
                Some(send::Pending {
                    row: row.number,
                    visit_id: row.visit_id.clone()?,
                    rating: row.rating.clone()?,
                })
            })
            .collect()
    }

    /// How many rows have a problem.
    pub fn invalid_count(&self) -> usize {
        self.rows.iter().filter(|r| !r.is_valid()).count()
    }

    /// The spreadsheet letter of a field's column, or `""`.
    pub fn letter(&self, field: Field) -> &str {
        self.columns.get(field).map_or("", |c| c.letter.as_str())
    }

    /// The header of a field's column as the file writes it.
    pub fn header(&self, field: Field) -> Option<&str> {
        self.columns.get(field).map(|c| c.header.as_str())
    }
}

/// Read and check `path`.
pub fn load(path: &Path, options: &ImportOptions) -> Result<Import, ImportError> {
    let table = read::read_table(path, &options.read)?;
    check(table, options)
}

/// Check a table already read.
pub fn check(table: Table, options: &ImportOptions) -> Result<Import, ImportError> {
    let mut rows = table
        .rows
        .iter()
        .enumerate()
        .filter(|(_, cells)| !cells.iter().all(Cell::is_blank))
        .map(|(i, cells)| (table.first_row + i, cells));
    let columns = if let Some(list) = &options.columns {
        columns::from_list(list, table.first_column)?
    } else {
        let (_, header) = rows.next().ok_or(ImportError::Empty)?;
        columns::from_header(header, table.first_column)?
    };
    let mut data: Vec<(usize, &Vec<Cell>)> = rows.collect();
    if options.columns.is_some()
        && let Some((_, first)) = data.first()
        && looks_like_header(first, &columns)
    {
        data.remove(0);
    }
    let mut checked: Vec<Row> = data
        .into_iter()
        .map(|(number, cells)| validate::row(number, cells, &columns, &options.ids))
        .collect();
    validate::mark_duplicates(&mut checked);
    Ok(Import {
        format: table.format,
        columns,
        rows: checked,
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::Score;

    const HEADER: &str = "Визит;Время ожидания;Результат посещения;Отношение персонала;Чистота;Замечания;Не был(а)\n";

    fn load_text(text: &str) -> Import {
        let table = read::read_csv(text.as_bytes(), None).unwrap();
        check(table, &ImportOptions::default()).unwrap()
    }

    #[test]
    fn a_valid_file_becomes_ratings() {
        let import = load_text(&format!(
            "{HEADER}v-1;5;4;3;2;\"Спасибо; всё хорошо\";\nv-2;;;;;;да\n"
        ));
        assert_eq!(import.invalid_count(), 0);
        let rows: Vec<&Row> = import.valid().collect();
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
            vec![(Field::VisitId, Problem::Duplicate { rows: vec![4] })]
        );
        assert_eq!(
            import.rows[2].problems,
            vec![(Field::VisitId, Problem::Duplicate { rows: vec![2] })]
        );
        assert_eq!(import.valid().count(), 1);
    }

    #[test]
    fn explicit_columns_skip_a_header_that_names_nothing_known() {
        let text = "Номер;Ожид.;Рез.;Отн.;Чист.\nv-1;5;4;3;2\n";
        let table = read::read_csv(text.as_bytes(), None).unwrap();
        let options = ImportOptions {
            columns: Some("visit_id,result_1,result_2,result_3,result_4".into()),
            ..ImportOptions::default()
        };
        let import = check(table.clone(), &options).unwrap();
        assert_eq!(import.rows.len(), 1);
        assert_eq!(import.rows[0].number, 2);
        assert!(import.rows[0].is_valid());
        // Without --columns the header names nothing known: a clear refusal.
        assert!(matches!(
            check(table, &ImportOptions::default()),
            Err(ImportError::MissingColumns { .. })
        ));
    }

    #[test]
    fn a_bare_visit_guid_gets_the_clinic_guid() {
        let table = read::read_csv(
            format!("{HEADER}7d1e2f3a-4b5c-4d6e-9f80-112233445566;5;5;5;5;;\n").as_bytes(),
            None,
        )
        .unwrap();
        let options = ImportOptions {
            ids: IdRules {
                clinic_guid: Some("0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6".into()),
                separator: "_".into(),
            },
            ..ImportOptions::default()
        };
        let import = check(table, &options).unwrap();
        assert_eq!(
            import.rows[0].visit_id.as_ref().unwrap().as_str(),
            "0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6_7d1e2f3a-4b5c-4d6e-9f80-112233445566"
        );
    }
}
