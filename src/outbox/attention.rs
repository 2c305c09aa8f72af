//! The index of entries needing a person (`attention/<id>` holds the visit id), and
//! superseding: an answered rating for the same visit takes a rejected one out.

use std::fs;
use std::io::Write as _;
use std::path::PathBuf;

use super::{Entry, EntryState, Outbox};
use crate::retention::SentOutcome;

impl Outbox {
    /// `answered` got an answer from the server (`delivered`: the server has it; else
    /// it was rejected): other entries for the same visit that need attention and are
    /// superseded by it leave the outbox, with a line in the sent log.
    ///
    /// - Delivered: every one of them (the visit has its rating; any of them would only
    ///   get 5030).
    /// - Rejected: the older ones (the newer form is the corrected one); and `answered`
    ///   itself, when a newer one was already answered (an old entry retried late).
    pub(super) fn supersede(&self, answered: &Entry, delivered: bool, index: &[(String, String)]) {
        // Only the entries needing attention for this visit, through the index: a
        // delivery never reads the whole outbox.
        let others: Vec<Entry> = index
            .iter()
            .filter(|(id, visit)| id != &answered.id && visit == answered.visit_id.as_str())
            .filter_map(|(id, _)| super::read_entry(&self.path_of(id)).ok())
            .filter(|e| e.visit_id == answered.visit_id && e.state == EntryState::NeedsAttention)
            .collect();
        if !delivered && let Some(newer) = others.iter().find(|e| e.id > answered.id) {
            // A newer correction was answered already: this one is the stale one.
            if self.remove(&answered.id).is_ok() {
                self.log_line(
                    answered,
                    SentOutcome::Superseded,
                    answered.last_outcome.as_ref(),
                );
                tracing::info!(entry = %answered.id, by = %newer.id, visit_id = %answered.visit_id, "a rejected rating was superseded by a later one for the same visit");
            }
            return;
        }
        for older in &others {
            // Held until the entry is gone.
            let Ok(Some(_lease)) = self.claim(&older.id) else {
                continue;
            };
            if self.remove(&older.id).is_ok() {
                self.log_line(older, SentOutcome::Superseded, older.last_outcome.as_ref());
                tracing::info!(entry = %older.id, by = %answered.id, visit_id = %older.visit_id, "a rating that needed attention was superseded by another one for the same visit");
            }
        }
    }

    pub(super) fn attention_dir(&self) -> PathBuf {
        self.dir.join("attention")
    }

    /// Index `entry` as needing attention: `attention/<id>` holds its visit id, so that
    /// superseding looks at those few files, never at the whole outbox. Derived data
    /// (rebuilt by [`Outbox::list`]), written without fsync. `overwrite` false keeps an
    /// existing marker.
    pub(super) fn mark_attention(&self, entry: &Entry, overwrite: bool) {
        let path = self.attention_dir().join(&entry.id);
        if !overwrite && path.exists() {
            return;
        }
        let written = super::create_private_dir(&self.attention_dir())
            .ok()
            .and_then(|()| {
                crate::private_fs::open_private(
                    &path,
                    fs::OpenOptions::new()
                        .write(true)
                        .create(true)
                        .truncate(true),
                )
                .and_then(|mut file| file.write_all(entry.visit_id.as_str().as_bytes()))
                .ok()
            });
        if written.is_none() {
            tracing::warn!(entry = %entry.id, "cannot index a rating that needs attention; a correction will not supersede it by itself");
        }
    }

    pub(super) fn unmark_attention(&self, id: &str) {
        let _ = fs::remove_file(self.attention_dir().join(id));
    }

    /// The attention index: (entry id, visit id) of every entry indexed as needing
    /// attention. One small read per file; usually there are none.
    pub(super) fn attention_index(&self) -> Vec<(String, String)> {
        let Ok(read) = fs::read_dir(self.attention_dir()) else {
            return Vec::new();
        };
        read.filter_map(Result::ok)
            .filter_map(|item| {
                let visit = fs::read_to_string(item.path()).ok()?;
                Some((item.file_name().to_string_lossy().into_owned(), visit))
            })
            .collect()
    }
}
