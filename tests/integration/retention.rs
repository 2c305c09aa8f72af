//! Kept data is pruned to `retention_days` when the program starts: the real binary, with
//! a sent log, log files and an export older than that, and undelivered ratings (kept
//! and damaged) that must never be pruned.

use crate::support::ui::settle;
use std::fs::{self, File};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::{DownPort, UserEnv};

fn days_ago(days: u64) -> SystemTime {
    SystemTime::now() - Duration::from_hours(24 * days)
}

fn ms(t: SystemTime) -> u64 {
    u64::try_from(t.duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

fn aged_file(path: &std::path::Path, age_days: u64) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, b"kept for a while").unwrap();
    File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(days_ago(age_days))
        .unwrap();
}

#[test]
fn a_start_prunes_old_kept_data_and_never_the_outbox() {
    let env = UserEnv::new();
    env.write_config("retention_days = 30\n");
    let data = env.data_dir();
    let mut lines = String::new();
    for (age, visit) in [(45, "visit-old"), (10, "visit-recent")] {
        lines += &serde_json::json!({"time_ms": ms(days_ago(age)), "visit_id": visit}).to_string();
        lines.push('\n');
    }
    fs::create_dir_all(&data).unwrap();
    fs::write(data.join("sent.log"), lines).unwrap();
    aged_file(&data.join("logs/visit-rating.2026-01-01.log"), 60);
    aged_file(&data.join("logs/visit-rating.2026-11-20.log"), 5);
    aged_file(&data.join("logs/visit-rating.2026-11-27.log"), 0);
    aged_file(&data.join("outbox/damaged/unreadable.json"), 400);
    // A rating the server never got: waiting in the outbox.
    let down = DownPort::new();
    env.cmd()
        .args(["submit", "--queue", "--url", &down.url()])
        .args(["--history", "visit-waiting", "--scores", "5,5,5,5"])
        .env("VISIT_RATING_TOKEN", "retention-token")
        .assert()
        .code(5);
    let waiting = || crate::support::saved_ratings(&data);
    assert_eq!(waiting(), 1);

    env.cli().list().arg("--json").assert().success();

    let log = fs::read_to_string(data.join("sent.log")).unwrap();
    assert!(!log.contains("visit-old"), "{log}");
    assert!(log.contains("visit-recent"), "{log}");
    assert!(!data.join("logs/visit-rating.2026-01-01.log").exists());
    assert!(data.join("logs/visit-rating.2026-11-20.log").exists());
    assert_eq!(waiting(), 1, "the waiting rating is never pruned");
    assert!(data.join("outbox/damaged/unreadable.json").exists());

    // Checked at most daily: a line that ages past the limit waits for tomorrow's check.
    fs::write(
        data.join("sent.log"),
        format!(
            "{}\n",
            serde_json::json!({"time_ms": ms(days_ago(45)), "visit_id": "visit-late"})
        ),
    )
    .unwrap();
    env.cli().list().arg("--json").assert().success();
    assert!(
        fs::read_to_string(data.join("sent.log"))
            .unwrap()
            .contains("visit-late")
    );
}

#[test]
fn the_queue_view_shows_damaged_files_and_their_age() {
    use egui_kittest::kittest::Queryable;
    let server = crate::support::ui::server();
    let data = tempfile::tempdir().unwrap();
    aged_file(
        &data.path().join("outbox/damaged/20261124-unreadable.json"),
        3,
    );
    let mut setup = crate::support::ui::setup_for(&server.url(), crate::support::ui::TOKEN);
    setup.data_dir = Some(data.path().to_owned());
    let mut harness = crate::support::ui::harness(setup);
    crate::support::ui::step_until_within(&mut harness, 1000, |app| {
        app.outbox_status().is_some_and(|s| s.damaged == 1)
    });
    harness.get_by_label_contains("повреждённых файлов: 1");
    harness.get_by_label("Очередь").click();
    settle(&mut harness);
    harness.get_by_label("Повреждённые файлы: 1");
    harness.get_by_label("20261124-unreadable.json — записан 3 дня назад");
    assert!(
        data.path()
            .join("outbox/damaged/20261124-unreadable.json")
            .exists(),
        "looking does not remove it"
    );
}

/// The stamp that remembers the last check is the user's alone (`0600`) whatever the
/// umask, like every file in the data folder; one an older version left `0644` is
/// tightened at the next start, even when no check is due.
#[cfg(unix)]
#[test]
fn the_retention_stamp_is_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = UserEnv::new();
    let stamp = env.data_dir().join(".retention-checked");
    let mode = || fs::metadata(&stamp).unwrap().permissions().mode() & 0o777;
    // A desktop's usual umask, which leaves new files readable by everyone.
    let start = || {
        let status = env
            .std_cmd("sh")
            .args(["-c", r#"umask 022 && exec "$@""#, "sh"])
            .arg(assert_cmd::cargo::cargo_bin("visit-rating"))
            .args(["outbox", "list"])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    };
    start();
    assert_eq!(mode(), 0o600);
    fs::set_permissions(&stamp, fs::Permissions::from_mode(0o644)).unwrap();
    start();
    assert_eq!(mode(), 0o600, "an existing stamp is tightened");
}
