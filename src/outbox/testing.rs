//! What the outbox's unit tests share: a rating, a visit id, an origin, a stand-in
//! server on loopback, and ways to save entries with an answer and to list their ids.

use super::{Entry, Outbox, Outcome};
use crate::api::{OutcomeKind, RatingClient, VisitId};
use crate::rating::{Rating, Score};
use std::time::Duration;

/// An outbox in a folder of its own, removed when the returned folder is dropped.
pub(crate) fn temp_outbox() -> (tempfile::TempDir, Outbox) {
    let dir = tempfile::tempdir().unwrap();
    // Counting attempts, as the window's and the CLI's outboxes do.
    let outbox = Outbox::open(dir.path())
        .unwrap()
        .recording(std::sync::Arc::new(crate::counters::Counters));
    (dir, outbox)
}

/// Save `count` ratings for `origin`, for visits `v-0`, `v-1`, …
pub(crate) fn save_many(outbox: &Outbox, count: usize, origin: &str) {
    for i in 0..count {
        outbox
            .enqueue(&visit(&format!("v-{i}")), &rating(""), origin)
            .unwrap();
    }
}

/// Claim `id`, trying again for up to a second while it is held: right after a sender's
/// threads end (an import's reader, which held a segment's lock), the lock has been
/// seen still held for a few milliseconds under load, by no thread and no process of
/// ours (the kernel finishing the close of the file an ended thread dropped). A lease
/// left behind by a bug is held for good.
pub(crate) fn claim_soon(outbox: &Outbox, id: &str) -> Option<super::Lease> {
    for _ in 0..200 {
        if let Some(lease) = outbox.claim(id).unwrap() {
            return Some(lease);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

/// Flush everything to `server` through `client` (token `t`) and check that all `n`
/// arrived: delivered, stored, nothing left in the folder, a sent-log line each.
pub(crate) fn flush_all(
    outbox: &Outbox,
    server: &crate::mock_server::RunningMock,
    client: &RatingClient,
    n: usize,
) {
    let token = crate::secrets::Token::new("t").unwrap();
    let report = outbox
        .flush(client, &|| Some(token.clone()), false)
        .unwrap();
    assert_eq!(report.delivered(), n);
    assert_eq!(server.state().ratings().len(), n);
    let left: Vec<_> = std::fs::read_dir(outbox.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let log = std::fs::read_to_string(outbox.sent_log()).unwrap();
    assert_eq!(log.lines().count(), n);
}

/// The origin the entries of a test are saved for.
pub(crate) const ORIGIN: &str = "https://rpgu.example:443";

/// A complete rating with `notes` as its remarks.
pub(crate) fn rating(notes: &str) -> Rating {
    Rating {
        scores: [5, 4, 3, 2].map(|v| Score::new(v).unwrap()),
        notes: notes.into(),
        didnt_visit: false,
    }
}

/// `id` as a visit id.
pub(crate) fn visit(id: &str) -> VisitId {
    VisitId::parse(id).unwrap()
}

/// A stand-in server on loopback accepting `token`, and a client for it.
pub(crate) fn served(token: &str) -> (crate::mock_server::RunningMock, RatingClient) {
    let server = crate::mock_server::RunningMock::start(
        "127.0.0.1:0".parse().unwrap(),
        crate::mock_server::MockOptions {
            tokens: vec![token.into()],
            ..crate::mock_server::MockOptions::default()
        },
    )
    .unwrap();
    let client = RatingClient::new(&crate::api::ClientSettings::new(server.url())).unwrap();
    (server, client)
}

/// The server's 404 answer (4001), as `kind`.
pub(crate) fn answer(kind: OutcomeKind) -> Outcome {
    Outcome {
        kind,
        http_status: Some(404),
        code: Some(404),
        message: Some("Некорректный запрос.".into()),
        message_code: Some("4001".into()),
        detail: None,
    }
}

/// Enqueue for `visit` and record `kind` as its first answer; the entry's id.
pub(crate) fn answered(outbox: &Outbox, visit_id: &str, kind: Option<OutcomeKind>) -> String {
    std::thread::sleep(Duration::from_millis(2));
    let (entry, lease) = outbox
        .enqueue_claimed(&visit(visit_id), &rating(""), ORIGIN)
        .unwrap();
    if let Some(kind) = kind {
        outbox.record(&lease, entry.clone(), &answer(kind)).unwrap();
    }
    entry.id
}

/// The listed ids, sorted: entries saved within one millisecond list in the order
/// of their random suffix, so tests compare sets.
pub(crate) fn sorted_ids(outbox: &Outbox) -> Vec<String> {
    let mut ids = ids(outbox);
    ids.sort();
    ids
}

/// `ids`, sorted.
pub(crate) fn sorted<const N: usize>(ids: [&String; N]) -> Vec<String> {
    let mut ids: Vec<String> = ids.into_iter().cloned().collect();
    ids.sort();
    ids
}

/// The listed entry `id`.
pub(crate) fn entry_of(outbox: &Outbox, id: &str) -> Entry {
    let entries = outbox.list().unwrap().entries;
    entries.into_iter().find(|e| e.id == id).unwrap()
}

/// The listed ids, in listing order.
pub(crate) fn ids(outbox: &Outbox) -> Vec<String> {
    outbox
        .list()
        .unwrap()
        .entries
        .into_iter()
        .map(|e| e.id)
        .collect()
}
