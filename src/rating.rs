//! The rating a patient gives: four scores, remarks, and "did not visit".
//!
//! This module owns the form's data and its validation. It knows nothing of egui,
//! HTTP, files or words (a [`Criterion`]'s label is `i18n`'s), so the GUI, the CLI and
//! the outbox share it unchanged.

use serde::{Deserialize, Serialize};

/// The longest remark we accept, in characters (Unicode scalar values).
///
/// The specification sets no limit. 2000 characters is about a full page of
/// handwriting — more than any paper form holds — and keeps a request far below
/// any proxy's body limit.
pub const NOTES_MAX_CHARS: usize = 2000;

/// The score sent for every criterion when the patient did not visit.
///
/// The server ignores the scores when `dont_visit` is 1, but all six fields are
/// required and a strict server checks them. We send the neutral middle value so that
/// a consumer that forgets to honour `dont_visit` skews nothing.
pub const DIDNT_VISIT_PLACEHOLDER_SCORE: u8 = 3;

/// One of the four things a patient rates, in the order of the form and the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Criterion {
    /// `result_1`: «Время ожидания в очереди».
    WaitingTime,
    /// `result_2`: «Результат посещения врача».
    VisitResult,
    /// `result_3`: «Отношение медицинского персонала».
    StaffAttitude,
    /// `result_4`: «Чистота и порядок в поликлинике».
    Cleanliness,
}

impl Criterion {
    /// All four, in form and API order.
    pub const ALL: [Criterion; 4] = [
        Criterion::WaitingTime,
        Criterion::VisitResult,
        Criterion::StaffAttitude,
        Criterion::Cleanliness,
    ];

    /// Position in [`Criterion::ALL`] (0..4).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The JSON field that carries this score.
    pub fn field(self) -> &'static str {
        match self {
            Criterion::WaitingTime => "result_1",
            Criterion::VisitResult => "result_2",
            Criterion::StaffAttitude => "result_3",
            Criterion::Cleanliness => "result_4",
        }
    }
}

/// A score of 1 to 5 stars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Score(u8);

impl Score {
    /// The lowest score.
    pub const MIN: u8 = 1;
    /// The highest score.
    pub const MAX: u8 = 5;

    /// A score, if `value` is within 1..=5.
    pub fn new(value: u8) -> Option<Score> {
        (Self::MIN..=Self::MAX)
            .contains(&value)
            .then_some(Score(value))
    }

    /// The number of stars.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Score {
    type Error = String;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Score::new(value).ok_or_else(|| format!("a score must be 1..5, not {value}"))
    }
}

impl From<Score> for u8 {
    fn from(score: Score) -> u8 {
        score.0
    }
}

/// A complete, valid rating, ready to be sent.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// The scores in [`Criterion::ALL`] order. When `didnt_visit` is set these are
    /// [`DIDNT_VISIT_PLACEHOLDER_SCORE`].
    pub scores: [Score; 4],
    /// Remarks for the head of the clinic; may be empty. Personal data: never logged.
    pub notes: String,
    /// The patient did not visit this clinic that day.
    pub didnt_visit: bool,
}

/// Remarks are personal data: a `Debug` print shows their length, never their text.
impl std::fmt::Debug for Rating {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rating")
            .field("scores", &self.scores.map(Score::get))
            .field(
                "notes",
                &format_args!("<{} chars>", self.notes.chars().count()),
            )
            .field("didnt_visit", &self.didnt_visit)
            .finish()
    }
}

/// What stops a form from becoming a [`Rating`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Missing {
    /// This criterion has no score yet.
    Score(Criterion),
    /// The remarks are longer than [`NOTES_MAX_CHARS`].
    NotesTooLong {
        /// How many characters were entered.
        chars: usize,
    },
}

/// A form being filled in: scores may still be missing.
///
/// The scores survive ticking "did not visit", so unticking restores them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RatingDraft {
    /// Scores in [`Criterion::ALL`] order; `None` until chosen.
    pub scores: [Option<Score>; 4],
    /// Remarks as typed.
    pub notes: String,
    /// "I did not visit this clinic that day".
    pub didnt_visit: bool,
}

impl std::fmt::Debug for RatingDraft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RatingDraft")
            .field("scores", &self.scores.map(|s| s.map(Score::get)))
            .field(
                "notes",
                &format_args!("<{} chars>", self.notes.chars().count()),
            )
            .field("didnt_visit", &self.didnt_visit)
            .finish()
    }
}

impl RatingDraft {
    /// The score chosen for `criterion`, if any.
    pub fn score(&self, criterion: Criterion) -> Option<Score> {
        self.scores[criterion.index()]
    }

    /// Set or clear the score for `criterion`.
    pub fn set_score(&mut self, criterion: Criterion, score: Option<Score>) {
        self.scores[criterion.index()] = score;
    }

    /// Everything that is still missing or wrong, in form order. Empty when complete.
    pub fn missing(&self) -> Vec<Missing> {
        let mut missing = Vec::new();
        if !self.didnt_visit {
            missing.extend(
                Criterion::ALL
                    .into_iter()
                    .filter(|c| self.score(*c).is_none())
                    .map(Missing::Score),
            );
        }
        let chars = self.notes.chars().count();
        if chars > NOTES_MAX_CHARS {
            missing.push(Missing::NotesTooLong { chars });
        }
        missing
    }

    /// The rating this form describes, or what is still missing.
    pub fn to_rating(&self) -> Result<Rating, Vec<Missing>> {
        let missing = self.missing();
        if !missing.is_empty() {
            return Err(missing);
        }
        let scores = if self.didnt_visit {
            [Score(DIDNT_VISIT_PLACEHOLDER_SCORE); 4]
        } else {
            // `missing()` was empty, so every score is set; the fallback is unreachable.
            self.scores
                .map(|s| s.unwrap_or(Score(DIDNT_VISIT_PLACEHOLDER_SCORE)))
        };
        Ok(Rating {
            scores,
            notes: self.notes.clone(),
            didnt_visit: self.didnt_visit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(v: u8) -> Option<Score> {
        Score::new(v)
    }

    #[test]
    fn scores_outside_one_to_five_are_refused() {
        assert!(Score::new(0).is_none());
        assert!(Score::new(6).is_none());
        assert_eq!(Score::new(1).map(Score::get), Some(1));
        assert_eq!(Score::new(5).map(Score::get), Some(5));
    }

    #[test]
    fn an_empty_draft_misses_every_score_in_form_order() {
        let draft = RatingDraft::default();
        assert_eq!(
            draft.missing(),
            Criterion::ALL.map(Missing::Score).to_vec(),
            "all four criteria are missing, in order"
        );
    }

    #[test]
    fn a_complete_draft_becomes_a_rating() {
        let draft = RatingDraft {
            scores: [score(5), score(3), score(5), score(4)],
            notes: "Всё хорошо".into(),
            didnt_visit: false,
        };
        let rating = draft.to_rating().unwrap();
        assert_eq!(rating.scores.map(Score::get), [5, 3, 5, 4]);
        assert_eq!(rating.notes, "Всё хорошо");
    }

    #[test]
    fn didnt_visit_needs_no_scores_and_sends_the_placeholder() {
        let draft = RatingDraft {
            scores: [score(1), None, None, None],
            notes: String::new(),
            didnt_visit: true,
        };
        let rating = draft.to_rating().unwrap();
        assert!(rating.didnt_visit);
        assert_eq!(rating.scores.map(Score::get), [3, 3, 3, 3]);
        // The draft keeps what was entered, so unticking restores it.
        assert_eq!(draft.score(Criterion::WaitingTime), score(1));
    }

    #[test]
    fn notes_are_counted_in_characters_not_bytes() {
        let mut draft = RatingDraft {
            scores: [score(5); 4],
            notes: "я".repeat(NOTES_MAX_CHARS),
            didnt_visit: false,
        };
        assert!(draft.missing().is_empty(), "2000 Cyrillic letters fit");
        draft.notes.push('я');
        assert_eq!(
            draft.missing(),
            vec![Missing::NotesTooLong {
                chars: NOTES_MAX_CHARS + 1
            }]
        );
    }

    #[test]
    fn debug_never_shows_the_remarks() {
        let draft = RatingDraft {
            notes: "секрет пациента".into(),
            ..RatingDraft::default()
        };
        assert!(!format!("{draft:?}").contains("секрет"));
        let rating = Rating {
            scores: [Score(5); 4],
            notes: "секрет пациента".into(),
            didnt_visit: false,
        };
        assert!(!format!("{rating:?}").contains("секрет"));
    }
}
