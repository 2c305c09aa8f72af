//! What patients said, aggregated: how many ratings the portal accepted, how many of
//! them gave each score (1–5) to each of the four questions, how many said they did not
//! visit and how many left remarks. Never a visit id, never a remark's text, never a
//! time per rating.
//!
//! [`ScoreCounts`] are counted when the portal *accepts* a rating (an answer of
//! "already recorded" is not counted again: that rating was counted when it was first
//! accepted), so the clinic's figures are the portal's. The counts live beside the
//! delivery counters ([`crate::counters`]), in the data folder's private counter file.
//!
//! The privacy rule ([`ScoreCounts::published`]): a counter that moves right after one
//! patient leaves the terminal tells whoever watches it live what that patient gave. So
//! the exposition never shows the counts as they are, only a snapshot that is taken
//! again once at least `every` (5 or more, `publish_scores_every`) more ratings were
//! counted since the last one: every change a watcher can see is the sum of at least
//! that many patients. Nothing is shown unless `publish_scores` is on.
//!
//! No egui, no files (the counter file is [`crate::counters`]'s).

use serde::{Deserialize, Serialize};

use crate::rating::{Criterion, Rating};

/// The fewest ratings between two published snapshots the settings allow.
pub const MIN_PUBLISH_EVERY: u64 = 5;
/// The default for `publish_scores_every`.
pub const DEFAULT_PUBLISH_EVERY: u64 = 10;

/// The name of a question in the metrics' `question` label.
pub fn question_name(criterion: Criterion) -> &'static str {
    match criterion {
        Criterion::WaitingTime => "waiting_time",
        Criterion::VisitResult => "visit_result",
        Criterion::StaffAttitude => "staff_attitude",
        Criterion::Cleanliness => "cleanliness",
    }
}

/// Aggregated ratings: counts only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScoreCounts {
    /// Ratings counted.
    pub ratings: u64,
    /// Ratings with "did not visit" (their scores are placeholders and are not counted).
    pub not_visited: u64,
    /// Ratings with remarks (not empty).
    pub with_remarks: u64,
    /// `scores[question][score - 1]`, questions in [`Criterion::ALL`] order: ratings of
    /// patients who visited.
    pub scores: [[u64; 5]; 4],
}

impl ScoreCounts {
    /// Count one rating.
    pub fn add(&mut self, rating: &Rating) {
        self.ratings += 1;
        if !rating.notes.trim().is_empty() {
            self.with_remarks += 1;
        }
        if rating.didnt_visit {
            self.not_visited += 1;
            return;
        }
        for criterion in Criterion::ALL {
            let score = rating.scores[criterion.index()].get();
            if let Some(slot) = self.scores[criterion.index()].get_mut(usize::from(score) - 1) {
                *slot += 1;
            }
        }
    }

    /// How many ratings gave `score` (1–5) to `criterion`.
    pub fn count(&self, criterion: Criterion, score: u8) -> u64 {
        self.scores[criterion.index()]
            .get(usize::from(score).wrapping_sub(1))
            .copied()
            .unwrap_or(0)
    }

    /// The snapshot to show, given the one shown last (`shown`): `self` once at least
    /// `every` ratings more than `shown` were counted, else `shown` again. `every` below
    /// [`MIN_PUBLISH_EVERY`] is taken as that. Counts that went back (a damaged counter
    /// file started again from zero) are shown from their new start the same way.
    #[must_use]
    pub fn published(&self, shown: &ScoreCounts, every: u64) -> ScoreCounts {
        let every = every.max(MIN_PUBLISH_EVERY);
        if self.ratings < shown.ratings {
            // Started again: the old snapshot no longer adds up with these counts.
            return if self.ratings >= every {
                self.clone()
            } else {
                ScoreCounts::default()
            };
        }
        if self.ratings - shown.ratings >= every {
            self.clone()
        } else {
            shown.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::Score;

    fn rating(scores: [u8; 4], notes: &str, didnt_visit: bool) -> Rating {
        Rating {
            scores: scores.map(|s| Score::new(s).unwrap()),
            notes: notes.into(),
            didnt_visit,
        }
    }

    #[test]
    fn counts_scores_per_question_and_value_but_not_a_non_visits_placeholders() {
        let mut counts = ScoreCounts::default();
        counts.add(&rating([5, 4, 3, 1], "", false));
        counts.add(&rating([5, 5, 5, 5], "  очень хорошо ", false));
        counts.add(&rating([3, 3, 3, 3], "", true));
        assert_eq!(counts.ratings, 3);
        assert_eq!(counts.not_visited, 1);
        assert_eq!(counts.with_remarks, 1);
        assert_eq!(counts.count(Criterion::WaitingTime, 5), 2);
        assert_eq!(counts.count(Criterion::VisitResult, 4), 1);
        assert_eq!(counts.count(Criterion::StaffAttitude, 3), 1);
        assert_eq!(counts.count(Criterion::Cleanliness, 1), 1);
        // The non-visit's placeholder 3s are not scores.
        assert_eq!(counts.count(Criterion::Cleanliness, 3), 0);
        let per_question: u64 = (1..=5)
            .map(|s| counts.count(Criterion::Cleanliness, s))
            .sum();
        assert_eq!(per_question, 2);
        assert_eq!(counts.count(Criterion::Cleanliness, 0), 0);
        assert_eq!(counts.count(Criterion::Cleanliness, 6), 0);
    }

    #[test]
    fn a_snapshot_moves_only_by_at_least_every_ratings() {
        let mut counts = ScoreCounts::default();
        let mut shown = ScoreCounts::default();
        let mut seen = vec![0];
        for i in 0..23 {
            counts.add(&rating([(i % 5) + 1, 4, 4, 4], "", false));
            shown = counts.published(&shown, 5);
            if seen.last() != Some(&shown.ratings) {
                seen.push(shown.ratings);
            }
        }
        assert_eq!(seen, [0, 5, 10, 15, 20]);
        // One patient more never shows on its own.
        counts.add(&rating([1, 1, 1, 1], "", false));
        assert_eq!(counts.published(&shown, 5).ratings, 20);
        // A step below the minimum is raised to it.
        assert_eq!(counts.published(&ScoreCounts::default(), 1).ratings, 24);
        let mut two = ScoreCounts::default();
        two.add(&rating([1, 1, 1, 1], "", false));
        two.add(&rating([1, 1, 1, 1], "", false));
        assert_eq!(two.published(&ScoreCounts::default(), 1).ratings, 0);
    }

    #[test]
    fn counts_that_started_again_are_published_from_their_new_start() {
        let mut shown = ScoreCounts::default();
        for _ in 0..20 {
            shown.add(&rating([2, 2, 2, 2], "", false));
        }
        let mut fresh = ScoreCounts::default();
        fresh.add(&rating([5, 5, 5, 5], "", false));
        assert_eq!(fresh.published(&shown, 5), ScoreCounts::default());
    }
}
