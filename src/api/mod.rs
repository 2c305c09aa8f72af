//! The rating API as `docs/api.md` reads it: the request body, the visit id,
//! the outcome of a submission and the HTTP client that produces it.
//!
//! No egui, no keyring, no files (beyond reading a configured CA file).

mod client;
mod outcome;
mod visit_id;

pub use client::{
    ClientError, ClientSettings, ConnectError, DEFAULT_MAX_BODY_BYTES, ENDPOINT_PATH, RatingClient,
    error_chain, is_clear_text_remote, origin, redact_userinfo,
};
pub use outcome::{
    ErrorModel, Outcome, OutcomeClass, OutcomeKind, STORED_TEXT_CHARS, TokenProblem, bounded_text,
    classify,
};
pub use visit_id::{MAX_VISIT_ID_CHARS, VisitId, VisitIdError, is_guid};

use serde::{Deserialize, Serialize};

use crate::rating::Rating;

/// The request body, exactly as the specification's example spells it: lowercase
/// names, JSON integers, all six fields always present.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingBody {
    /// «Время ожидания в очереди», 1..5.
    pub result_1: u8,
    /// «Результат посещения врача», 1..5.
    pub result_2: u8,
    /// «Отношение медицинского персонала», 1..5.
    pub result_3: u8,
    /// «Чистота и порядок в поликлинике», 1..5.
    pub result_4: u8,
    /// Remarks for the head of the clinic (personal data).
    pub notes: String,
    /// 1 when the patient did not visit; the scores are then ignored.
    pub dont_visit: u8,
}

impl From<&Rating> for RatingBody {
    fn from(rating: &Rating) -> RatingBody {
        let [result_1, result_2, result_3, result_4] = rating.scores.map(u8::from);
        RatingBody {
            result_1,
            result_2,
            result_3,
            result_4,
            notes: rating.notes.clone(),
            dont_visit: u8::from(rating.didnt_visit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::Score;

    #[test]
    fn the_body_matches_the_specification_example_byte_for_byte() {
        let rating = Rating {
            scores: [5, 3, 5, 4].map(|v| Score::new(v).unwrap()),
            notes: "Всё хорошо, спасибо 👍".into(),
            didnt_visit: false,
        };
        let json = serde_json::to_string(&RatingBody::from(&rating)).unwrap();
        assert_eq!(
            json,
            r#"{"result_1":5,"result_2":3,"result_3":5,"result_4":4,"notes":"Всё хорошо, спасибо 👍","dont_visit":0}"#
        );
    }

    #[test]
    fn didnt_visit_is_the_integer_one() {
        let rating = Rating {
            scores: [Score::new(3).unwrap(); 4],
            notes: String::new(),
            didnt_visit: true,
        };
        let value = serde_json::to_value(RatingBody::from(&rating)).unwrap();
        assert_eq!(value["dont_visit"], serde_json::json!(1));
        assert!(value["dont_visit"].is_u64());
    }
}
