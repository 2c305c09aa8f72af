//! The outbox from the command line: `submit --queue`, `outbox list | flush | export`
//! against the stand-in server as a real process, a SIGKILL crash test, a damaged file,
//! and a full or read-only disk (small tmpfs mounts in a private mount namespace).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::Duration;

use predicates::prelude::*;
use serde_json::{Value, json};

use crate::support::cli::{Cli, SCORES, fields_of, queue_args};
use crate::support::{DownPort, MockProcess, UserEnv, json_of, unique, visit_of};

const TOKEN: &str = "outbox-token-3c9d1e";
pub(crate) const NOTES: &str = "Личное замечание пациента: врач опоздал";

/// `submit --queue` for `history` with remarks.
pub(crate) fn queue(env: &UserEnv, url: &str, token: &str, history: &str) -> Cli {
    env.cli()
        .token(token)
        .queue(url, history)
        .scores(SCORES)
        .args(["--notes", NOTES])
}

/// `outbox list --json`, checked for the remarks it must never print.
fn list_json(env: &UserEnv) -> Vec<Value> {
    let listed = env.outbox_list(None);
    assert!(
        !Value::from(listed.clone()).to_string().contains(NOTES),
        "list --json printed the remarks"
    );
    listed
}

/// How many times the server stored each visit, and answered 200 for it.
fn delivered_counts(server: &MockProcess) -> (BTreeMap<String, usize>, BTreeMap<String, usize>) {
    let mut stored = BTreeMap::new();
    for rating in server.ratings() {
        *stored
            .entry(rating["history"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let mut accepted = BTreeMap::new();
    for request in server.requests() {
        if request["status"] == 200 {
            *accepted.entry(visit_of(&request)).or_default() += 1;
        }
    }
    (stored, accepted)
}

#[test]
fn server_down_queued_then_up_flushed_each_rating_exactly_once() {
    let env = UserEnv::new();
    let down_port = DownPort::new();
    let down = down_port.url();
    let histories: Vec<String> = (0..3).map(|_| unique("queued")).collect();
    for history in &histories {
        let (code, value) = queue(&env, &down, TOKEN, history).run_json();
        assert_eq!(code, Some(5));
        assert_eq!(value["outcome"], "queued");
        assert_eq!(value["http_status"], Value::Null);
        assert!(value["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    queue(&env, &down, TOKEN, &unique("queued-human"))
        .assert()
        .code(5)
        .stderr(predicate::str::contains("Оценка сохранена в очереди"));

    let listed = list_json(&env);
    assert_eq!(listed.len(), 4);
    assert!(listed.iter().all(|e| e["state"] == "waiting"
        && e["attempts"] == 1
        && e["last_outcome"]["outcome"] == "transient"
        && e["created_at_ms"].as_u64().is_some()));
    env.cli()
        .list()
        .assert()
        .code(0)
        .stdout(predicate::str::contains(histories[0].as_str()))
        .stdout(predicate::str::contains(
            "4 оценки ожидают отправки, 0 требуют внимания",
        ))
        .stdout(predicate::str::contains(NOTES).not());

    // The server comes up on the address the ratings were queued for.
    let server = down_port.start_mock_process(&["--token", TOKEN]);
    let (code, report) = env.cli().token(TOKEN).flush(&server.url).run_json();
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["delivered"], 4);
    assert_eq!(report["remaining"], 0);
    assert_eq!(report["paused"], false);
    assert_eq!(report["busy"], false);
    let attempts = report["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 4);
    for attempt in attempts {
        assert_eq!(
            fields_of(attempt),
            [
                "code",
                "detail",
                "http_status",
                "id",
                "message",
                "message_code",
                "outcome",
                "visit_id"
            ]
        );
        assert_eq!(attempt["outcome"], "accepted");
    }
    assert!(!report.to_string().contains(NOTES));

    let (stored, accepted) = delivered_counts(&server);
    assert_eq!(stored.len(), 4);
    assert!(stored.values().all(|&n| n == 1), "{stored:?}");
    assert_eq!(stored, accepted);
    for rating in server.ratings() {
        assert_eq!(rating["body"]["notes"], json!(NOTES));
    }
    assert!(list_json(&env).is_empty());

    // Nothing left: a second flush sends nothing.
    env.cli()
        .token(TOKEN)
        .flush(&server.url)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Отправлять нечего"));
    assert_eq!(server.requests().len(), 4);
    // The sent log says what went out, never the remarks.
    let log = std::fs::read_to_string(env.data_dir().join("sent.log")).unwrap();
    assert_eq!(log.lines().count(), 4);
    assert!(!log.contains(NOTES) && log.contains(&histories[0]));
}

#[test]
fn without_queue_nothing_is_kept() {
    let env = UserEnv::new();
    let down = DownPort::new();
    env.cli()
        .token(TOKEN)
        .submit(&down.url(), "v")
        .scores("5,5,5,5")
        .assert()
        .code(5);
    assert!(!env.data_dir().join("outbox").exists() || list_json(&env).is_empty());
}

#[test]
fn already_recorded_on_resend_ends_the_entry_as_delivered() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let history = unique("resend");
    server.set_faults(&json!({"fail_rate": 1.0}));
    queue(&env, &server.url, TOKEN, &history).assert().code(5);
    server.set_faults(&json!({}));
    // The rating reaches the server another way (say, the answer to the first attempt was
    // lost after the server stored it).
    env.cli()
        .token(TOKEN)
        .submit(&server.url, &history)
        .scores("5,4,3,2")
        .assert()
        .code(0);

    let (code, report) = env.cli().token(TOKEN).flush(&server.url).run_json();
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["delivered"], 1);
    assert_eq!(report["attempts"][0]["outcome"], "already_recorded");
    assert_eq!(report["attempts"][0]["message_code"], "5030");
    assert_eq!(report["remaining"], 0);
    assert!(list_json(&env).is_empty());
    assert_eq!(server.ratings().len(), 1);
    let log = std::fs::read_to_string(env.data_dir().join("sent.log")).unwrap();
    assert!(log.contains("already_recorded"), "{log}");
}

#[test]
fn an_expired_token_pauses_sending_and_a_new_token_resumes_it() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    server.set_faults(&json!({"fail_rate": 1.0}));
    for _ in 0..2 {
        queue(&env, &server.url, TOKEN, &unique("paused"))
            .assert()
            .code(5);
    }
    server.set_faults(&json!({}));

    let (code, report) = env
        .cli()
        .token("expired-token")
        .flush(&server.url)
        .run_json();
    assert_eq!(code, Some(4), "{report}");
    assert_eq!(report["paused"], true);
    assert_eq!(report["delivered"], 0);
    // It stops at the first token problem instead of burning through the queue.
    assert_eq!(report["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(report["attempts"][0]["outcome"], "unauthorized");
    assert_eq!(report["attempts"][0]["message_code"], "5007");
    assert_eq!(report["remaining"], 2);
    assert!(!report.to_string().contains("expired-token"));
    env.cli().token("expired-token").flush(&server.url).expect(
        4,
        &[
            "«Время действия токена истекло» (код 5007, HTTP 403)",
            "Отправка приостановлена до замены токена",
        ],
    );
    assert!(server.ratings().is_empty());
    assert!(list_json(&env).iter().all(|e| e["state"] == "waiting"));

    let (code, report) = env.cli().token(TOKEN).flush(&server.url).run_json();
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["delivered"], 2);
    assert_eq!(server.ratings().len(), 2);
    assert!(list_json(&env).is_empty());
}

#[test]
fn no_token_at_all_keeps_the_queued_rating_exit_4() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let mut cmd = env.cmd();
    cmd.args([
        "submit",
        "--queue",
        "--url",
        &server.url,
        "--history",
        "no-token",
        "--scores",
        "5,5,5,5",
    ]);
    cmd.assert().code(4);
    assert_eq!(list_json(&env).len(), 1);
    let (code, report) = env.cli().flush(&server.url).run_json();
    assert_eq!(code, Some(4));
    assert_eq!(report["paused"], true);
    assert_eq!(report["remaining"], 1);
    assert!(server.requests().is_empty());
}

#[test]
fn a_rejection_needs_attention_with_the_servers_message_and_is_not_resent() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let wrong = format!("{}/wrong-prefix", server.url);
    let history = unique("rejected");
    queue(&env, &wrong, TOKEN, &history)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "«Некорректный запрос.» (код 4001, HTTP 404)",
        ))
        .stderr(predicate::str::contains("требующая внимания"));

    let listed = list_json(&env);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["visit_id"], json!(history));
    assert_eq!(listed[0]["state"], "needs_attention");
    assert_eq!(listed[0]["last_outcome"]["outcome"], "rejected");
    assert_eq!(listed[0]["last_outcome"]["message"], "Некорректный запрос.");
    assert_eq!(listed[0]["last_outcome"]["message_code"], "4001");
    assert_eq!(listed[0]["last_outcome"]["http_status"], 404);
    env.cli()
        .list()
        .assert()
        .code(0)
        .stdout(predicate::str::contains("требует внимания"))
        .stdout(predicate::str::contains(
            "«Некорректный запрос.» (код 4001, HTTP 404)",
        ))
        .stdout(predicate::str::contains(
            "0 оценок ожидают отправки, 1 требует внимания",
        ));

    // A flush does not send it again (even to the right server): a person must look.
    let requests = server.requests().len();
    let (code, report) = env.cli().token(TOKEN).flush(&server.url).run_json();
    assert_eq!(code, Some(3), "{report}");
    assert_eq!(report["needs_attention"], 1);
    assert_eq!(server.requests().len(), requests);

    // export is the only way out with the remarks, to a private file.
    let target = env.path().join("export.json");
    // An earlier file readable by others is made private before the remarks go in.
    std::fs::write(&target, "old").unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    env.cmd()
        .args(["outbox", "export"])
        .arg(&target)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 оценка записана"));
    let exported: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(exported[0]["rating"]["notes"], json!(NOTES));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn a_damaged_file_is_set_aside_named_and_the_others_are_still_sent() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    server.set_faults(&json!({"fail_rate": 1.0}));
    let good = unique("good");
    let cut = unique("cut");
    queue(&env, &server.url, TOKEN, &good).assert().code(5);
    queue(&env, &server.url, TOKEN, &cut).assert().code(5);
    server.set_faults(&json!({}));

    let outbox = env.data_dir().join("outbox");
    let cut_file = json_files(&outbox)
        .into_iter()
        .find(|p| std::fs::read_to_string(p).unwrap().contains(&cut))
        .unwrap();
    let bytes = std::fs::read(&cut_file).unwrap();
    std::fs::write(&cut_file, &bytes[..bytes.len() / 2]).unwrap();
    let name = cut_file.file_name().unwrap().to_string_lossy().into_owned();

    env.cli()
        .list()
        .assert()
        .code(0)
        .stderr(predicate::str::contains(name.as_str()))
        .stderr(predicate::str::contains("damaged"))
        .stdout(predicate::str::contains(good.as_str()))
        .stdout(predicate::str::contains("1 оценка ожидает отправки"));
    assert!(outbox.join("damaged").join(&name).exists());
    assert!(!cut_file.exists());

    let (code, report) = env.cli().token(TOKEN).flush(&server.url).run_json();
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["delivered"], 1);
    let histories: Vec<Value> = server
        .ratings()
        .iter()
        .map(|r| r["history"].clone())
        .collect();
    assert_eq!(histories, [json!(good)]);
    // Set aside, not deleted: an administrator can still read what is left of it.
    assert_eq!(
        std::fs::read(outbox.join("damaged").join(&name)).unwrap(),
        &bytes[..bytes.len() / 2]
    );
}

/// The files of ratings in `dir`: entries' own files and segments (an import's).
fn rating_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    read.map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "seg") && p.is_file())
        .collect()
}

/// The entries a rating file holds: one for an entry's file, each waiting line of a
/// segment (`W` + the entry as JSON; `D`: gone). A file that does not parse whole is
/// a half-written file: `None`.
fn entries_in(path: &Path) -> Option<Vec<Value>> {
    let bytes = std::fs::read(path).ok()?;
    if path.extension().is_some_and(|e| e == "json") {
        return serde_json::from_slice(&bytes).ok().map(|v| vec![v]);
    }
    let text = String::from_utf8(bytes).ok()?;
    if !text.ends_with('\n') {
        return None;
    }
    let mut entries = Vec::new();
    for line in text.lines() {
        match line.split_at_checked(1)? {
            ("W", json) => entries.push(serde_json::from_str(json).ok()?),
            ("D", json) => drop(serde_json::from_str::<Value>(json).ok()?),
            _ => return None,
        }
    }
    Some(entries)
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    read.map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
        .collect()
}

/// A plain `std` command with this user's folders and the test token.
fn user_command(env: &UserEnv, program: impl AsRef<std::ffi::OsStr>) -> StdCommand {
    let mut cmd = env.std_cmd(program);
    cmd.env("VISIT_RATING_TOKEN", TOKEN);
    cmd
}

// --- Full disk and read-only folder: a small tmpfs in a private mount namespace -------

/// Run the binary with `XDG_DATA_HOME` on a fresh 64 KiB tmpfs, after `setup` (shell)
/// ran inside the namespace. `None` when this machine has no user/mount namespaces.
fn on_small_tmpfs(env: &UserEnv, setup: &str, args: &[&str]) -> Option<std::process::Output> {
    let data = env.path().join("small");
    std::fs::create_dir_all(&data).unwrap();
    let probe = StdCommand::new("unshare")
        .args(["-rm", "sh", "-c", "mount -t tmpfs -o size=64k none \"$0\""])
        .arg(&data)
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to run the disk tests (unshare -rm with tmpfs)"
        );
        eprintln!("skipped: no user and mount namespaces (unshare -rm) on this machine");
        return None;
    }
    let script = format!(
        "set -e; D=\"$0\"; mount -t tmpfs -o size=64k none \"$D\"; \
         mkdir -p \"$D/visit-rating/outbox\"; {setup}; exec \"$@\""
    );
    let output = user_command(env, "unshare")
        .args(["-rm", "sh", "-c", &script])
        .arg(&data)
        .arg(assert_cmd::cargo::cargo_bin("visit-rating"))
        .args(args)
        .env("XDG_DATA_HOME", &data)
        .output()
        .unwrap();
    Some(output)
}

fn assert_not_saved(output: &std::process::Output, server: &MockProcess, words: &str) {
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let value = json_of(output);
    assert_eq!(value["outcome"], "not_saved");
    let detail = value["detail"].as_str().unwrap();
    assert!(detail.contains(words), "{detail}");
    assert!(server.requests().is_empty(), "nothing may be sent");
}

#[test]
fn a_full_disk_saves_nothing_sends_nothing_and_says_so() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let fill = "dd if=/dev/zero of=\"$D/fill\" bs=4k 2>/dev/null || true";
    let args = queue_args(&server.url, "full");
    let Some(output) = on_small_tmpfs(&env, fill, &[&args[..], &["--json"]].concat()) else {
        return;
    };
    assert_not_saved(&output, &server, "the disk is full");
    let output = on_small_tmpfs(&env, fill, &args).unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Оценка НЕ сохранена")
            && stderr.contains("Диск заполнен")
            && stderr.contains("Освободите место"),
        "{stderr}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn a_read_only_outbox_saves_nothing_sends_nothing_and_says_so() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let read_only = "mount -o remount,ro \"$D\"";
    let args = [&queue_args(&server.url, "ro")[..], &["--json"]].concat();
    let Some(output) = on_small_tmpfs(&env, read_only, &args) else {
        return;
    };
    assert_not_saved(&output, &server, "read-only");
    // Listing a read-only outbox still works (nothing to write).
    let output = on_small_tmpfs(&env, read_only, &["outbox", "list", "--json"]).unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}

#[test]
fn a_read_only_outbox_is_not_flushed_so_no_rating_is_sent_again_and_again() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    // A rating saved before the disk went read-only.
    let id = "1764000000000-00000000000000ro";
    let entry = json!({
        "version": 1, "id": id, "visit_id": "ro-saved",
        "rating": {"scores": [5, 4, 3, 2], "notes": "", "didnt_visit": false},
        "created_at_ms": 1_764_000_000_000_u64, "attempts": 0, "last_attempt_ms": null,
        "next_attempt_ms": 1_764_000_000_000_u64, "state": "waiting", "last_outcome": null,
        "server_origin": server.url,
    });
    let setup = format!(
        "printf '%s' '{entry}' > \"$D/visit-rating/outbox/{id}.json\"; mount -o remount,ro \"$D\""
    );
    let args = ["outbox", "flush", "--url", &server.url];
    let Some(output) = on_small_tmpfs(&env, &setup, &args) else {
        return;
    };
    // It could be sent, but not removed: every later flush would send it again.
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("только для чтения"), "{stderr}");
    // Still listed, waiting.
    let setup = setup.replace("mount -o remount,ro", "true");
    let output = on_small_tmpfs(&env, &setup, &["outbox", "list", "--json"]).unwrap();
    let listed = json_of(&output);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{output:?}");
    assert_eq!(listed[0]["state"], "waiting");
}

// --- SIGKILL at random moments ------------------------------------------------------

/// The binary as a plain child process (so it can be killed), with this user's folders.
fn child(env: &UserEnv, args: &[&str]) -> std::process::Child {
    env.spawn(TOKEN, args)
}

/// `submit --queue` as a plain child process.
fn queue_child(env: &UserEnv, url: &str, history: &str) -> std::process::Child {
    child(
        env,
        &[&queue_args(url, history)[..], &["--notes", NOTES]].concat(),
    )
}

/// How long after the start a crash test's senders are killed, to the microsecond: a
/// third of the kills within the first 5 ms (the process starting, reading settings,
/// saving), a third between 5 and 60 ms (the requests under way: the stand-in server
/// answers after 20 ms, so these land mid-request, between a request and its answer
/// being applied, or mid-batch of removals), a third anywhere in 120 ms.
fn kill_moment(rng: &mut fastrand::Rng) -> Duration {
    kill_moment_within(rng, 120_000)
}

/// [`kill_moment`] with its last third anywhere in `within_us` microseconds.
fn kill_moment_within(rng: &mut fastrand::Rng, within_us: u64) -> Duration {
    match rng.u8(..3) {
        0 => Duration::from_micros(rng.u64(0..5_000)),
        1 => Duration::from_micros(rng.u64(5_000..=60_000)),
        _ => Duration::from_micros(rng.u64(0..=within_us)),
    }
}

#[test]
fn sigkill_while_two_senders_enqueue_and_flush_loses_nothing_and_sends_nothing_twice() {
    let seed = crash_seed();
    let iterations: usize = std::env::var("CRASH_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    eprintln!("crash test: seed {seed} (CRASH_SEED={seed} repeats it), {iterations} kills");
    let mut rng = fastrand::Rng::with_seed(seed);
    let env = UserEnv::new();
    let server = MockProcess::start(&[
        "--token",
        TOKEN,
        "--latency-ms",
        "20",
        "--fail-rate",
        "0.2",
        "--drop-rate",
        "0.1",
        "--seed",
        &seed.to_string(),
    ]);
    let outbox = env.data_dir().join("outbox");

    let mut submitted = BTreeSet::new();
    let mut ever_queued = BTreeSet::new();
    let mut saved_for_sure = BTreeSet::new();
    let mut finished = 0;
    for n in 0..iterations {
        let history = format!("crash-{n}");
        let is_submit = n % 2 == 0 || rng.u8(..4) == 0;
        let process = if is_submit {
            submitted.insert(history.clone());
            queue_child(&env, &server.url, &history)
        } else {
            child(&env, &["outbox", "flush", "--url", &server.url])
        };
        // A second sender at the same moment, over the same outbox: two senders meet
        // over the same entries, and each may be killed at its own moment.
        std::thread::sleep(Duration::from_micros(rng.u64(0..=20_000)));
        let second = child(&env, &["outbox", "flush", "--url", &server.url]);
        std::thread::sleep(kill_moment(&mut rng));
        for (process, submit) in [(process, is_submit), (second, false)] {
            if let Some(status) = ended_or_killed(process, &mut rng) {
                finished += 1;
                // A submit that exited by itself with 0 or 5 had its rating saved (5) or
                // delivered (0): it must be at the server in the end.
                if submit && matches!(status.code(), Some(0 | 5)) {
                    saved_for_sure.insert(history.clone());
                }
            }
        }
        observe(seed, n, &outbox, &mut ever_queued);
    }

    flush_until_sent(&env, &server);

    let stored = assert_exactly_once(
        seed,
        &server,
        &outbox,
        &submitted,
        &ever_queued.union(&saved_for_sure).cloned().collect(),
    );
    eprintln!(
        "crash test: {} submitted, {} seen in the outbox, {} at the server, {finished} children ended before the kill",
        submitted.len(),
        ever_queued.len(),
        stored
    );
}

/// An import saves its rows in segments (many ratings per file) and sends them while
/// `outbox flush` runs over the same outbox; either is killed at any moment — before the
/// batch is on disk, while a segment is being claimed, mid-request, between an answer
/// and its mark, mid-way through a batch of marks. Nothing is lost, nothing accepted
/// twice, no file is ever half-written.
#[test]
fn sigkill_while_an_import_and_a_flush_share_segments_loses_nothing_and_sends_nothing_twice() {
    let seed = crash_seed();
    let iterations: usize = std::env::var("CRASH_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(100, |n: usize| n / 3);
    eprintln!("import crash test: seed {seed} (CRASH_SEED={seed} repeats it), {iterations} kills");
    let mut rng = fastrand::Rng::with_seed(seed);
    let env = UserEnv::new();
    let server = MockProcess::start(&[
        "--token",
        TOKEN,
        "--latency-ms",
        "3",
        "--fail-rate",
        "0.2",
        "--drop-rate",
        "0.05",
        "--seed",
        &seed.to_string(),
    ]);
    let outbox = env.data_dir().join("outbox");
    let files = tempfile::tempdir().unwrap();
    let header =
        "Визит;Время ожидания;Результат посещения;Отношение персонала;Чистота;Замечания;Не был(а)";

    let mut submitted = BTreeSet::new();
    let mut ever_queued = BTreeSet::new();
    let mut saved_for_sure = BTreeSet::new();
    let mut finished = 0;
    let mut segments_seen = 0;
    for n in 0..iterations {
        // Up to a segment and a half: kills land in the first segment and the second.
        let rows: Vec<String> = (0..rng.usize(1..=400))
            .map(|i| format!("import-crash-{n}-{i}"))
            .collect();
        submitted.extend(rows.iter().cloned());
        let csv = files.path().join(format!("{n}.csv"));
        let lines: Vec<String> = rows
            .iter()
            .map(|v| format!("{v};5;4;3;2;{NOTES};"))
            .collect();
        std::fs::write(&csv, format!("{header}\n{}\n", lines.join("\n"))).unwrap();
        let import = child(
            &env,
            &["import", "--url", &server.url, csv.to_str().unwrap()],
        );
        std::thread::sleep(Duration::from_micros(rng.u64(0..=20_000)));
        let flush = child(&env, &["outbox", "flush", "--url", &server.url]);
        std::thread::sleep(kill_moment_within(&mut rng, 400_000));
        for (process, is_import) in [(import, true), (flush, false)] {
            if let Some(status) = ended_or_killed(process, &mut rng) {
                finished += 1;
                // An import that ended by itself had its rows saved: delivered (0), left
                // waiting (5) or to another sender (1).
                if is_import && matches!(status.code(), Some(0 | 1 | 5)) {
                    saved_for_sure.extend(rows.iter().cloned());
                }
            }
        }
        segments_seen += observe(seed, n, &outbox, &mut ever_queued);
    }
    assert!(
        segments_seen > 0,
        "seed {seed}: no import's segment was ever seen"
    );

    flush_until_sent(&env, &server);
    let stored = assert_exactly_once(
        seed,
        &server,
        &outbox,
        &submitted,
        &ever_queued.union(&saved_for_sure).cloned().collect(),
    );
    eprintln!(
        "import crash test: {} rows written, {} seen in the outbox ({segments_seen} segments), {} at the server, {finished} children ended before the kill",
        submitted.len(),
        ever_queued.len(),
        stored
    );
}

/// A crash test's child at its moment: how it ended if it ended by itself, else killed
/// with SIGKILL (`None`); then a random pause of up to 10 ms before the next.
fn ended_or_killed(
    mut process: std::process::Child,
    rng: &mut fastrand::Rng,
) -> Option<std::process::ExitStatus> {
    let ended = process.try_wait().unwrap();
    if ended.is_none() {
        process.kill().unwrap(); // SIGKILL
        process.wait().unwrap();
    }
    std::thread::sleep(Duration::from_micros(rng.u64(0..=10_000)));
    ended
}

/// The crash tests' seed: `CRASH_SEED`, or a random one (printed, to repeat a failure).
fn crash_seed() -> u64 {
    std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..))
}

/// After kill `n`: every rating file in the outbox parses whole (none is half-written),
/// none was set aside as damaged; the visits they hold join `ever_queued`. Returns how
/// many segments there were.
fn observe(seed: u64, n: usize, outbox: &Path, ever_queued: &mut BTreeSet<String>) -> usize {
    let mut segments = 0;
    for path in rating_files(outbox) {
        let entries = entries_in(&path).unwrap_or_else(|| {
            panic!(
                "seed {seed}, kill {n}: a half-written outbox file {}",
                path.display()
            )
        });
        segments += usize::from(path.extension().is_some_and(|e| e == "seg"));
        for entry in entries {
            ever_queued.insert(entry["visit_id"].as_str().unwrap().to_owned());
        }
    }
    assert!(
        rating_files(&outbox.join("damaged")).is_empty(),
        "seed {seed}, kill {n}: a file was set aside as damaged"
    );
    segments
}

/// The faults off, `outbox flush` until it says everything was sent (at most 5 times).
fn flush_until_sent(env: &UserEnv, server: &MockProcess) {
    server.set_faults(&json!({}));
    for _ in 0..5 {
        let output = child(env, &["outbox", "flush", "--url", &server.url])
            .wait()
            .unwrap();
        if output.code() == Some(0) {
            break;
        }
    }
}

/// After the crash run: the outbox is empty, every rating known to have been saved is at
/// the server exactly once, and nothing was accepted twice. Returns how many are stored.
fn assert_exactly_once(
    seed: u64,
    server: &MockProcess,
    outbox: &Path,
    submitted: &BTreeSet<String>,
    saved: &BTreeSet<String>,
) -> usize {
    let (stored, accepted) = delivered_counts(server);
    let leftover: Vec<_> = rating_files(outbox);
    assert!(
        leftover.is_empty(),
        "seed {seed}: left in the outbox: {leftover:?}"
    );
    assert!(
        json_files(&outbox.join("damaged")).is_empty(),
        "seed {seed}: damaged files"
    );
    for history in saved {
        assert_eq!(
            stored.get(history),
            Some(&1),
            "seed {seed}: {history} was saved but the server has it {:?} times",
            stored.get(history)
        );
    }
    for (history, count) in &stored {
        assert_eq!(*count, 1, "seed {seed}: {history} stored {count} times");
        assert!(
            submitted.contains(history),
            "seed {seed}: {history} never submitted"
        );
        assert_eq!(
            accepted.get(history),
            Some(&1),
            "seed {seed}: {history} accepted (HTTP 200) {:?} times",
            accepted.get(history)
        );
    }
    assert_eq!(accepted.len(), stored.len(), "seed {seed}");
    stored.len()
}
