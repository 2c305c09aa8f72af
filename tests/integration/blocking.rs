//! The debug-build guard of `visit_rating::blocking`: work that blocks, called during a
//! frame, is caught; the same work in a job (`ui::jobs`) is not.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use visit_rating::outbox::Outbox;

/// A frame that reads the outbox itself, as a careless change to the queue view would.
#[test]
#[should_panic(expected = "listing the outbox blocks and was called during a frame")]
fn listing_the_outbox_inside_a_frame_is_caught() {
    let data = tempfile::tempdir().unwrap();
    let outbox = Outbox::open(data.path()).unwrap();
    let mut harness = Harness::new_ui(move |ui| {
        let _frame = visit_rating::blocking::in_frame();
        let count = outbox.list().map_or(0, |listing| listing.entries.len());
        ui.label(format!("{count} waiting"));
    });
    harness.run();
}

/// The settings read during a frame are caught too (a second kind of blocking work).
#[test]
#[should_panic(expected = "reading the settings blocks")]
fn reading_the_settings_inside_a_frame_is_caught() {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("config.toml");
    std::fs::write(&path, "language = \"en\"\n").unwrap();
    let mut harness = Harness::new_ui(move |ui| {
        let _frame = visit_rating::blocking::in_frame();
        let config = visit_rating::config::Config::read(&path);
        ui.label(format!("{:?}", config.is_ok()));
    });
    harness.run();
}

/// The same listing in a job: it runs, and its answer reaches the frame.
#[test]
fn the_same_listing_in_a_job_is_fine() {
    let data = tempfile::tempdir().unwrap();
    let outbox = Outbox::open(data.path()).unwrap();
    let mut job = None;
    let mut harness = Harness::new_ui(move |ui| {
        let _frame = visit_rating::blocking::in_frame();
        let outbox = outbox.clone();
        let promise = job.get_or_insert_with(|| {
            visit_rating::ui::jobs::spawn(
                "test-list",
                ui.ctx(),
                move || {
                    outbox
                        .list()
                        .map(|l| l.entries.len())
                        .map_err(|e| e.to_string())
                },
                |e| Err(e.to_string()),
            )
        });
        match promise.ready() {
            Some(Ok(count)) => ui.label(format!("{count} waiting")),
            Some(Err(e)) => ui.label(e.clone()),
            None => ui.label("reading"),
        };
    });
    crate::support::settle(&mut harness);
    harness.get_by_label("0 waiting");
}
