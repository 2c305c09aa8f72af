//! Every row checked before anything is sent: each problem names its column. (The same
//! visit twice in a file is found across the whole file by [`super::load`].)

use crate::api::VisitId;
use crate::rating::{Criterion, NOTES_MAX_CHARS, RatingDraft, Score};

use super::columns::{Columns, Field};
use super::read::{Cell, format_number};
use super::{Problem, Row};

/// How a visit id is completed (the settings' clinic GUID and separator).
#[derive(Clone, Debug, Default)]
pub struct IdRules {
    /// The clinic GUID glued before a bare visit GUID.
    pub clinic_guid: Option<String>,
    /// Between the two.
    pub separator: String,
}

/// Values accepted as "yes, did not visit".
const YES: &[&str] = &[
    "1",
    "да",
    "д",
    "yes",
    "y",
    "true",
    "истина",
    "x",
    "х",
    "+",
    "v",
    "✓",
    "✔",
    "не был",
    "не была",
    "не посещал",
    "не посещала",
];
/// Values accepted as "no" (an empty cell is "no" too).
const NO: &[&str] = &["0", "нет", "н", "no", "n", "false", "ложь", "-"];

/// One score cell: a whole number 1..5 (a spreadsheet's `5.0` is 5).
pub fn score(cell: &Cell) -> Result<Option<Score>, Problem> {
    let value = match cell {
        Cell::Empty => return Ok(None),
        Cell::Error(e) => return Err(Problem::CellError(e.clone())),
        Cell::Bool(_) => return Err(Problem::ScoreNotNumber(cell.text())),
        Cell::Number(n) => *n,
        Cell::Text(text) => {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            text.replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| Problem::ScoreNotNumber(text.to_owned()))?
        }
    };
    if value.fract() != 0.0 {
        return Err(Problem::ScoreNotWhole(cell.text()));
    }
    if !(1.0..=5.0).contains(&value) {
        return Err(Problem::ScoreOutOfRange(cell.text()));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 1..=5, whole
    Ok(Score::new(value as u8))
}

/// The "did not visit" cell: empty is no.
#[allow(clippy::float_cmp)] // a spreadsheet's 0 and 1 are exact
pub fn didnt_visit(cell: &Cell) -> Result<bool, Problem> {
    match cell {
        Cell::Empty => Ok(false),
        Cell::Bool(b) => Ok(*b),
        Cell::Error(e) => Err(Problem::CellError(e.clone())),
        Cell::Number(n) if *n == 0.0 => Ok(false),
        Cell::Number(n) if *n == 1.0 => Ok(true),
        Cell::Number(_) | Cell::Text(_) => {
            let text = cell.text();
            let lower = text.to_lowercase();
            if lower.is_empty() || NO.contains(&lower.as_str()) {
                Ok(false)
            } else if YES.contains(&lower.as_str()) {
                Ok(true)
            } else {
                Err(Problem::NotYesNo(text))
            }
        }
    }
}

fn visit_id(cell: &Cell, rules: &IdRules) -> Result<VisitId, Problem> {
    if let Cell::Error(e) = cell {
        return Err(Problem::CellError(e.clone()));
    }
    let text = match cell {
        Cell::Number(n) => format_number(*n),
        Cell::Text(t) => t.clone(),
        _ => cell.text(),
    };
    VisitId::from_input(&text, rules.clinic_guid.as_deref(), &rules.separator)
        .map_err(Problem::VisitId)
}

/// Check one data row. `number` is the file's row number.
pub fn row(number: usize, cells: &[Cell], columns: &Columns, rules: &IdRules) -> Row {
    let cell = |field: Field| {
        columns
            .get(field)
            .and_then(|c| cells.get(c.index))
            .cloned()
            .unwrap_or(Cell::Empty)
    };
    let values: [String; 7] = Field::ALL.map(|f| cell(f).text());
    let mut problems: Vec<(Field, Problem)> = Vec::new();

    let id = visit_id(&cell(Field::VisitId), rules)
        .map_err(|p| problems.push((Field::VisitId, p)))
        .ok();
    let didnt = didnt_visit(&cell(Field::DidntVisit))
        .map_err(|p| problems.push((Field::DidntVisit, p)))
        .unwrap_or(false);
    let mut draft = RatingDraft {
        didnt_visit: didnt,
        ..RatingDraft::default()
    };
    for criterion in Criterion::ALL {
        let field = Field::Score(criterion);
        match score(&cell(field)) {
            Ok(Some(s)) => draft.scores[criterion.index()] = Some(s),
            // The form needs no scores when the patient did not visit.
            Ok(None) if didnt => {}
            Ok(None) => problems.push((field, Problem::ScoreMissing)),
            Err(p) => problems.push((field, p)),
        }
    }
    let notes = match cell(Field::Notes) {
        Cell::Error(e) => {
            problems.push((Field::Notes, Problem::CellError(e)));
            String::new()
        }
        Cell::Text(t) => t.trim().to_owned(),
        other => other.text(),
    };
    let chars = notes.chars().count();
    if chars > NOTES_MAX_CHARS {
        problems.push((Field::Notes, Problem::NotesTooLong { chars }));
    }
    draft.notes = notes;

    let rating = if problems.is_empty() {
        draft.to_rating().ok()
    } else {
        None
    };
    Row {
        number,
        values,
        visit_id: id,
        rating,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }

    #[test]
    fn scores_are_whole_numbers_one_to_five() {
        assert_eq!(score(&text(" 5 ")).unwrap().map(Score::get), Some(5));
        assert_eq!(score(&Cell::Number(1.0)).unwrap().map(Score::get), Some(1));
        assert_eq!(score(&text("4,0")).unwrap().map(Score::get), Some(4));
        assert_eq!(score(&text("")).unwrap(), None);
        assert_eq!(score(&text("6")), Err(Problem::ScoreOutOfRange("6".into())));
        assert_eq!(score(&text("0")), Err(Problem::ScoreOutOfRange("0".into())));
        assert_eq!(
            score(&Cell::Number(4.5)),
            Err(Problem::ScoreNotWhole("4.5".into()))
        );
        assert_eq!(
            score(&text("хорошо")),
            Err(Problem::ScoreNotNumber("хорошо".into()))
        );
        assert_eq!(
            score(&text("NaN")),
            Err(Problem::ScoreNotNumber("NaN".into()))
        );
        assert_eq!(
            score(&Cell::Error("#N/A".into())),
            Err(Problem::CellError("#N/A".into()))
        );
    }

    #[test]
    fn didnt_visit_understands_the_usual_marks() {
        for yes in ["да", "Да", "1", "x", "х", "X", "+", "yes", "TRUE"] {
            assert_eq!(didnt_visit(&text(yes)), Ok(true), "{yes}");
        }
        for no in ["нет", "0", "", "  ", "no", "-"] {
            assert_eq!(didnt_visit(&text(no)), Ok(false), "{no}");
        }
        assert_eq!(didnt_visit(&Cell::Bool(true)), Ok(true));
        assert_eq!(didnt_visit(&Cell::Number(1.0)), Ok(true));
        assert_eq!(
            didnt_visit(&Cell::Number(2.0)),
            Err(Problem::NotYesNo("2".into()))
        );
        assert_eq!(
            didnt_visit(&text("может быть")),
            Err(Problem::NotYesNo("может быть".into()))
        );
    }
}
