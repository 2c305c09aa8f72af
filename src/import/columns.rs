//! Which column holds what: the header row's names in Russian or English (order free,
//! case, punctuation and `ё`/`е` ignored), or an explicit `--columns` list.

use crate::msg;
use crate::rating::Criterion;

use super::ImportError;
use super::read::{Cell, column_letter};

/// What a column carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// The visit id (`history`).
    VisitId,
    /// One of the four scores.
    Score(Criterion),
    /// Remarks for the head of the clinic.
    Notes,
    /// "Did not visit this clinic that day".
    DidntVisit,
}

impl Field {
    /// Every field, in the form's order.
    pub const ALL: [Field; 7] = [
        Field::VisitId,
        Field::Score(Criterion::WaitingTime),
        Field::Score(Criterion::VisitResult),
        Field::Score(Criterion::StaffAttitude),
        Field::Score(Criterion::Cleanliness),
        Field::Notes,
        Field::DidntVisit,
    ];

    /// Position in [`Field::ALL`].
    pub fn index(self) -> usize {
        match self {
            Field::VisitId => 0,
            Field::Score(c) => 1 + c.index(),
            Field::Notes => 5,
            Field::DidntVisit => 6,
        }
    }

    /// The English name used by `--columns` and `--json` (the API's field names).
    pub fn key(self) -> &'static str {
        match self {
            Field::VisitId => "visit_id",
            Field::Score(c) => c.field(),
            Field::Notes => "notes",
            Field::DidntVisit => "dont_visit",
        }
    }

    /// The key of the column's label in the locale files.
    pub fn label_key(self) -> crate::i18n::Msg {
        match self {
            Field::VisitId => msg!("import-column-visit-id"),
            Field::Score(c) => c.label_key(),
            Field::Notes => msg!("import-column-notes"),
            Field::DidntVisit => msg!("import-column-didnt-visit"),
        }
    }

    /// Names accepted in a header row (compared after [`normalize`]).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::VisitId => &[
                "visit_id",
                "visit id",
                "visit",
                "history",
                "id",
                "идентификатор визита",
                "идентификатор посещения",
                "id визита",
                "визит",
                "посещение",
                "номер визита",
                "код визита",
            ],
            Field::Score(Criterion::WaitingTime) => &[
                "result_1",
                "waiting time",
                "waiting",
                "время ожидания",
                "время ожидания в очереди",
                "ожидание",
            ],
            Field::Score(Criterion::VisitResult) => &[
                "result_2",
                "visit result",
                "result of the visit",
                "result",
                "результат посещения",
                "результат посещения врача",
                "результат",
            ],
            Field::Score(Criterion::StaffAttitude) => &[
                "result_3",
                "staff attitude",
                "attitude of the staff",
                "attitude",
                "отношение персонала",
                "отношение медицинского персонала",
                "отношение",
            ],
            Field::Score(Criterion::Cleanliness) => &[
                "result_4",
                "cleanliness",
                "чистота",
                "чистота и порядок",
                "чистота и порядок в поликлинике",
            ],
            Field::Notes => &[
                "notes",
                "remarks",
                "comments",
                "comment",
                "замечания",
                "пожелания",
                "пожелания и замечания",
                "пожелания и замечания для руководителя медицинского учреждения",
                "комментарий",
                "примечание",
            ],
            Field::DidntVisit => &[
                "dont_visit",
                "don't visit",
                "didn't visit",
                "did not visit",
                "not visited",
                "не посещал",
                "не посещала",
                "не посещал(а)",
                "не был",
                "не была",
                "не был(а)",
                "не посещал поликлинику",
                "не был в поликлинике",
                "не посещал(а) поликлинику",
            ],
        }
    }

    /// The field a header cell names, if any.
    pub fn from_header(text: &str) -> Option<Field> {
        let wanted = normalize(text);
        if wanted.is_empty() {
            return None;
        }
        Field::ALL
            .into_iter()
            .find(|f| f.aliases().iter().any(|a| normalize(a) == wanted))
    }
}

/// Lower case, `ё` as `е`, letters and digits only ("Не был(а)" → "небыла").
pub fn normalize(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Where each field is found: the column index in the table's rows, and the header
/// text as the file spells it (or the field's key with `--columns`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// The field.
    pub field: Field,
    /// Index into a row's cells.
    pub index: usize,
    /// The spreadsheet letter (A, B, …).
    pub letter: String,
    /// The header as written in the file, or the `--columns` name.
    pub header: String,
}

/// The columns of a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Columns {
    /// One per field present, in [`Field::ALL`] order.
    pub found: Vec<Column>,
    /// Header cells that name nothing we know (ignored), as written.
    pub ignored: Vec<String>,
}

impl Columns {
    /// The column of `field`, if the file has one.
    pub fn get(&self, field: Field) -> Option<&Column> {
        self.found.iter().find(|c| c.field == field)
    }
}

/// The fields every file must have: the visit id and the four scores.
const REQUIRED: [Field; 5] = [
    Field::VisitId,
    Field::Score(Criterion::WaitingTime),
    Field::Score(Criterion::VisitResult),
    Field::Score(Criterion::StaffAttitude),
    Field::Score(Criterion::Cleanliness),
];

/// Map a header row.
pub fn from_header(row: &[Cell], first_column: usize) -> Result<Columns, ImportError> {
    let mut columns = Columns::default();
    for (index, cell) in row.iter().enumerate() {
        let header = cell.text();
        if header.is_empty() {
            continue;
        }
        let Some(field) = Field::from_header(&header) else {
            columns.ignored.push(header);
            continue;
        };
        if let Some(first) = columns.get(field) {
            return Err(ImportError::DuplicateColumn {
                field,
                first: first.header.clone(),
                second: header,
            });
        }
        columns.found.push(Column {
            field,
            index,
            letter: column_letter(first_column + index),
            header,
        });
    }
    finish(columns)
}

/// `--columns visit_id,result_1,…`: the fields left to right, by any accepted name;
/// an empty name or `-` skips a column.
pub fn from_list(list: &str, first_column: usize) -> Result<Columns, ImportError> {
    let mut columns = Columns::default();
    for (index, name) in list.split(',').map(str::trim).enumerate() {
        if name.is_empty() || name == "-" {
            continue;
        }
        let field =
            Field::from_header(name).ok_or_else(|| ImportError::UnknownColumn(name.to_owned()))?;
        if let Some(first) = columns.get(field) {
            return Err(ImportError::DuplicateColumn {
                field,
                first: first.header.clone(),
                second: name.to_owned(),
            });
        }
        columns.found.push(Column {
            field,
            index,
            letter: column_letter(first_column + index),
            header: name.to_owned(),
        });
    }
    finish(columns)
}

fn finish(mut columns: Columns) -> Result<Columns, ImportError> {
    let missing: Vec<Field> = REQUIRED
        .into_iter()
        .filter(|f| columns.get(*f).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns {
            missing,
            found: columns
                .found
                .iter()
                .map(|c| c.header.clone())
                .chain(columns.ignored.iter().cloned())
                .collect(),
        });
    }
    columns.found.sort_by_key(|c| c.field.index());
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<Cell> {
        cells.iter().map(|c| Cell::Text((*c).to_owned())).collect()
    }

    #[test]
    fn russian_and_english_headers_in_any_order_and_spelling() {
        let columns = from_header(
            &row(&[
                "Чистота",
                " Время ожидания ",
                "visit_id",
                "РЕЗУЛЬТАТ ПОСЕЩЕНИЯ",
                "Отношение персонала",
                "Не был(а)",
                "Замечания",
                "Кто заполнял",
            ]),
            0,
        )
        .unwrap();
        let at = |f: Field| columns.get(f).map(|c| (c.index, c.letter.as_str()));
        assert_eq!(at(Field::VisitId), Some((2, "C")));
        assert_eq!(at(Field::Score(Criterion::WaitingTime)), Some((1, "B")));
        assert_eq!(at(Field::Score(Criterion::Cleanliness)), Some((0, "A")));
        assert_eq!(at(Field::DidntVisit), Some((5, "F")));
        assert_eq!(at(Field::Notes), Some((6, "G")));
        assert_eq!(columns.ignored, vec!["Кто заполнял".to_owned()]);
        assert_eq!(Field::from_header("Didn't visit"), Some(Field::DidntVisit));
        assert_eq!(Field::from_header("ВИЗИТ"), Some(Field::VisitId));
        assert_eq!(
            Field::from_header("Чистота и порядок в поликлинике"),
            Some(Field::Score(Criterion::Cleanliness))
        );
    }

    #[test]
    fn every_alias_names_exactly_one_field() {
        for field in Field::ALL {
            for alias in field.aliases() {
                assert_eq!(Field::from_header(alias), Some(field), "{alias}");
                let others = Field::ALL
                    .into_iter()
                    .filter(|f| {
                        *f != field && f.aliases().iter().any(|a| normalize(a) == normalize(alias))
                    })
                    .count();
                assert_eq!(others, 0, "{alias} is ambiguous");
            }
        }
    }

    #[test]
    fn a_missing_score_column_is_named_with_what_was_found() {
        let err =
            from_header(&row(&["Визит", "Ожидание", "Результат", "Отношение"]), 0).unwrap_err();
        match err {
            ImportError::MissingColumns { missing, found } => {
                assert_eq!(missing, vec![Field::Score(Criterion::Cleanliness)]);
                assert_eq!(found.len(), 4);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_field_named_twice_is_refused() {
        let err = from_header(
            &row(&[
                "Визит",
                "visit_id",
                "result_1",
                "result_2",
                "result_3",
                "result_4",
            ]),
            0,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            ImportError::DuplicateColumn {
                field: Field::VisitId,
                ..
            }
        ));
    }

    #[test]
    fn an_explicit_list_may_skip_columns() {
        let columns =
            from_list("visit_id,-,result_1,result_2,result_3,result_4,,notes", 0).unwrap();
        assert_eq!(
            columns
                .get(Field::Score(Criterion::WaitingTime))
                .unwrap()
                .index,
            2
        );
        assert_eq!(columns.get(Field::Notes).unwrap().index, 7);
        assert!(matches!(
            from_list("visit_id,result_1,result_2,result_3,cleanlines", 0),
            Err(ImportError::UnknownColumn(name)) if name == "cleanlines"
        ));
    }
}
