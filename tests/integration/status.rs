//! `visit-rating status` (one exit code per case) and `visit-rating metrics` (checked by
//! Prometheus' own `promtool`), through the real binary against the stand-in server as
//! a real process; the alert rules under `deploy/prometheus/` checked and unit-tested
//! with `promtool`.

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use predicates::prelude::*;
use serde_json::Value;

use crate::outbox::NOTES;
use crate::support::{
    DownPort, MockProcess, UserEnv, json_of, jwt_expiring_in, now_secs, output_with_stdin, unique,
};

const TOKEN: &str = "status-token-5b1e";
/// The metric that counts transient delivery outcomes.
const TRANSIENT_TOTAL: &str = "visit_rating_deliveries_total{outcome=\"transient\"}";

/// `status --json` for `url` with `token` in `VISIT_RATING_TOKEN`: exit code and object.
fn status_json(env: &UserEnv, url: Option<&str>, token: Option<&str>) -> (i32, Value) {
    let mut cli = env.cli().status();
    if let Some(url) = url {
        cli = cli.url_env(url);
    }
    if let Some(token) = token {
        cli = cli.token(token);
    }
    let ran = cli.arg("--json").run();
    assert!(
        !ran.stdout.contains(NOTES),
        "status printed a patient's remarks"
    );
    if let Some(token) = token {
        assert!(!ran.stdout.contains(token), "status printed the token");
    }
    (ran.code.unwrap(), ran.json())
}

fn problem_kinds(status: &Value) -> Vec<String> {
    status["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// `submit --queue` one rating to `url` with `token`; returns the exit code.
/// `submit --queue` (the outbox tests' helper, remarks included); its exit code.
fn queue(env: &UserEnv, url: &str, token: &str, history: &str) -> i32 {
    crate::outbox::queue(env, url, token, history)
        .run()
        .code
        .unwrap()
}

fn outbox_files(env: &UserEnv) -> Vec<PathBuf> {
    std::fs::read_dir(env.data_dir().join("outbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect()
}

#[test]
fn healthy_is_exit_0_with_everything_reported() {
    let env = UserEnv::new();
    let token = jwt_expiring_in(30 * 86_400 + 3600);
    let mock = MockProcess::start(&["--token", &token]);
    assert_eq!(queue(&env, &mock.url, &token, &unique("healthy")), 0);

    let (code, status) = status_json(&env, Some(&mock.url), Some(&token));
    assert_eq!(code, 0, "{status}");
    assert_eq!(status["status"], "healthy");
    assert_eq!(status["exit_code"], 0);
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(status["server_origin"], mock.url.as_str());
    assert_eq!(status["token"]["source"], "environment");
    assert_eq!(status["token"]["days_left"], 30);
    assert_eq!(status["outbox"]["pending"], 0);
    assert_eq!(status["outbox"]["needs_attention"], 0);
    assert_eq!(status["outbox"]["damaged"], 0);
    assert_eq!(status["last_attempt"]["outcome"], "accepted");
    assert!(status["last_success"]["at"].as_i64().unwrap() >= now_secs() - 60);
    assert_eq!(status["deliveries"]["accepted"], 1);
    assert_eq!(status["kiosk"], false);
    assert_eq!(status["problems"], serde_json::json!([]));

    // The same for a person, in Russian by default and in English on request.
    env.cmd()
        .env("VISIT_RATING_URL", &mock.url)
        .env("VISIT_RATING_TOKEN", &token)
        .arg("status")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("всё в порядке"))
        .stdout(predicate::str::contains("осталось 30 дней"))
        .stdout(predicate::str::contains(&token).not());
    env.cmd()
        .env("VISIT_RATING_URL", &mock.url)
        .env("VISIT_RATING_TOKEN", &token)
        .args(["status", "--lang", "en"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("healthy (exit code 0)"))
        .stdout(predicate::str::contains("Last success: "));
}

#[test]
fn a_token_expiring_within_the_warning_days_is_exit_10() {
    let env = UserEnv::new();
    let (code, status) = status_json(
        &env,
        Some("https://rpgu.example.ru"),
        Some(&jwt_expiring_in(3 * 86_400 + 3600)),
    );
    assert_eq!(code, 10, "{status}");
    assert_eq!(status["status"], "warning");
    assert_eq!(problem_kinds(&status), ["token_expires_soon"]);
    assert_eq!(status["problems"][0]["value"], 3);

    // token_warning_days moves the threshold.
    env.write_config("token_warning_days = 2\n");
    let (code, status) = status_json(
        &env,
        Some("https://rpgu.example.ru"),
        Some(&jwt_expiring_in(3 * 86_400 + 3600)),
    );
    assert_eq!(code, 0, "{status}");
}

#[test]
fn a_rating_waiting_over_an_hour_is_exit_10() {
    let env = UserEnv::new();
    let down_port = DownPort::new();
    let down = down_port.url();
    assert_eq!(queue(&env, &down, TOKEN, &unique("old")), 5);
    let (code, status) = status_json(&env, Some(&down), Some(TOKEN));
    assert_eq!(code, 0, "a fresh waiting rating is fine: {status}");
    assert_eq!(status["outbox"]["pending"], 1);

    // Make it two hours old, as if the network had been down since.
    let file = &outbox_files(&env)[0];
    let mut entry: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let created = entry["created_at_ms"].as_u64().unwrap();
    entry["created_at_ms"] = (created - 2 * 3600 * 1000).into();
    std::fs::write(file, entry.to_string()).unwrap();

    let (code, status) = status_json(&env, Some(&down), Some(TOKEN));
    assert_eq!(code, 10, "{status}");
    assert_eq!(problem_kinds(&status), ["oldest_pending_over_1h"]);
    assert!(
        status["outbox"]["oldest_pending_age_secs"]
            .as_f64()
            .unwrap()
            >= 7200.0
    );
    assert_eq!(status["last_attempt"]["outcome"], "transient");
    assert_eq!(status["last_success"], Value::Null);
}

#[test]
fn ratings_that_need_attention_and_damaged_files_are_exit_10() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let wrong = format!("{}/wrong-prefix", server.url);
    assert_eq!(queue(&env, &wrong, TOKEN, &unique("rejected")), 3);
    let (code, status) = status_json(&env, Some(&server.url), Some(TOKEN));
    assert_eq!(code, 10, "{status}");
    assert_eq!(problem_kinds(&status), ["needs_attention"]);
    assert_eq!(status["outbox"]["needs_attention"], 1);
    assert_eq!(status["deliveries"]["rejected"], 1);

    std::fs::write(
        env.data_dir().join("outbox/0000000000001-garbage.json"),
        "{",
    )
    .unwrap();
    let (code, status) = status_json(&env, Some(&server.url), Some(TOKEN));
    assert_eq!(code, 10, "{status}");
    assert_eq!(status["outbox"]["damaged"], 1);
    assert!(problem_kinds(&status).contains(&"damaged_files".to_owned()));
}

#[test]
fn no_url_an_expired_token_or_a_refused_one_is_exit_11() {
    let env = UserEnv::new();
    let (code, status) = status_json(&env, None, Some(TOKEN));
    assert_eq!(code, 11, "{status}");
    assert_eq!(problem_kinds(&status), ["no_url"]);
    assert_eq!(status["server_origin"], Value::Null);

    let (code, status) = status_json(
        &env,
        Some("https://rpgu.example.ru"),
        Some(&jwt_expiring_in(-60)),
    );
    assert_eq!(code, 11, "{status}");
    assert_eq!(problem_kinds(&status), ["token_expired"]);

    // The server refused the token (5007) and the rating waits for a new one.
    let server = MockProcess::start(&["--token", TOKEN]);
    assert_eq!(
        queue(&env, &server.url, "expired-token", &unique("refused")),
        4
    );
    let (code, status) = status_json(&env, Some(&server.url), Some("expired-token"));
    assert_eq!(code, 11, "{status}");
    assert_eq!(problem_kinds(&status), ["token_refused"]);
    assert_eq!(status["deliveries"]["unauthorized"], 1);
    env.cmd()
        .env("VISIT_RATING_URL", &server.url)
        .env("VISIT_RATING_TOKEN", "expired-token")
        .args(["status", "--lang", "en"])
        .assert()
        .code(11)
        .stdout(predicate::str::contains("The server refused the token"));
}

#[test]
fn no_token_in_the_keyring_is_exit_11() {
    let Some(_keyring) = crate::support::real_keyring() else {
        return;
    };
    let env = UserEnv::new();
    let (code, status) = env
        .cmd()
        .env("VISIT_RATING_URL", "https://rpgu.example.ru")
        .env(
            "VISIT_RATING_KEYRING_SERVICE",
            unique("visit-rating-status"),
        )
        .args(["status", "--json"])
        .output()
        .map(|o| (o.status.code().unwrap(), json_of(&o)))
        .unwrap();
    assert_eq!(code, 11, "{status}");
    assert_eq!(problem_kinds(&status), ["no_token"]);
}

#[test]
fn an_unreachable_keyring_or_an_unreadable_outbox_is_exit_12() {
    let env = UserEnv::new();
    let output = env
        .cmd()
        .env("VISIT_RATING_URL", "https://rpgu.example.ru")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", env.path().join("no-bus").display()),
        )
        .args(["status", "--json"])
        .output()
        .unwrap();
    let status = json_of(&output);
    assert_eq!(output.status.code(), Some(12), "{status}");
    assert_eq!(problem_kinds(&status), ["token_unreadable"]);
    assert_eq!(status["token"]["error_kind"], "no_secret_service");

    // The data folder is a file: the outbox cannot be read.
    let env = UserEnv::new();
    let data = env.data_dir();
    std::fs::create_dir_all(data.parent().unwrap()).unwrap();
    std::fs::write(&data, "not a folder").unwrap();
    let (code, status) = status_json(&env, Some("https://rpgu.example.ru"), Some(TOKEN));
    assert_eq!(code, 12, "{status}");
    assert_eq!(
        problem_kinds(&status),
        ["outbox_unreadable", "counters_unreadable"]
    );
}

/// `promtool`, from Debian's `prometheus` package (scripts/test installs it).
fn promtool() -> StdCommand {
    let found = StdCommand::new("promtool")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found,
        "promtool is missing: install the `prometheus` package (scripts/test does it as root)"
    );
    StdCommand::new("promtool")
}

/// `promtool check metrics` on `text`: its exit status and what it said.
fn promtool_check_metrics(text: &str) -> (bool, String) {
    let output = output_with_stdin(promtool().args(["check", "metrics"]), text);
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

fn metrics(env: &UserEnv, url: &str, token: &str) -> String {
    let output = env
        .cmd()
        .env("VISIT_RATING_TOKEN", token)
        .args(["metrics", "--url", url])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8(output.stdout).unwrap()
}

fn sample<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
}

#[test]
fn metrics_pass_promtool_and_count_three_queued_ratings_until_they_drain() {
    let env = UserEnv::new();
    let token = jwt_expiring_in(20 * 86_400);
    let down = DownPort::new();
    let url = down.url();
    for i in 0..3 {
        assert_eq!(queue(&env, &url, &token, &unique(&format!("m{i}"))), 5);
    }

    let text = metrics(&env, &url, &token);
    let (ok, said) = promtool_check_metrics(&text);
    assert!(ok, "promtool check metrics: {said}\n{text}");
    assert!(said.trim().is_empty(), "promtool's lint: {said}\n{text}");
    assert!(!text.contains(NOTES) && !text.contains(&token));
    assert_eq!(sample(&text, "visit_rating_outbox_pending"), Some("3"));
    assert_eq!(
        sample(&text, "visit_rating_outbox_needs_attention"),
        Some("0")
    );
    assert_eq!(sample(&text, TRANSIENT_TOTAL), Some("3"));
    assert_eq!(
        sample(&text, "visit_rating_deliveries_total{outcome=\"accepted\"}"),
        Some("0")
    );
    assert!(
        text.contains(&format!(
            "visit_rating_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
    let expiry: i64 = sample(&text, "visit_rating_token_expiry_timestamp_seconds")
        .unwrap()
        .parse()
        .unwrap();
    assert!((expiry - (now_secs() + 20 * 86_400)).abs() < 120);
    assert!(sample(&text, "visit_rating_last_success_timestamp_seconds").is_none());
    let age: f64 = sample(&text, "visit_rating_outbox_oldest_pending_age_seconds")
        .unwrap()
        .parse()
        .unwrap();
    assert!((0.0..120.0).contains(&age), "{age}");

    // The server comes back: the queue drains, the counters carry on from the file.
    let server = down.start_mock_process(&["--token", &token]);
    env.cli().token(&token).flush(&url).assert().code(0);
    assert_eq!(server.ratings().len(), 3);
    let text = metrics(&env, &url, &token);
    let (ok, said) = promtool_check_metrics(&text);
    assert!(ok, "promtool check metrics: {said}\n{text}");
    assert_eq!(sample(&text, "visit_rating_outbox_pending"), Some("0"));
    assert_eq!(
        sample(&text, "visit_rating_deliveries_total{outcome=\"accepted\"}"),
        Some("3")
    );
    assert_eq!(sample(&text, TRANSIENT_TOTAL), Some("3"));
    let success: f64 = sample(&text, "visit_rating_last_success_timestamp_seconds")
        .unwrap()
        .parse()
        .unwrap();
    #[allow(clippy::cast_precision_loss)]
    let now = now_secs() as f64;
    assert!((now - 120.0..=now + 1.0).contains(&success), "{success}");
}

fn rules_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/prometheus"))
}

#[test]
fn the_alert_rules_pass_promtool_check_and_their_unit_tests() {
    let check = promtool()
        .args(["check", "rules"])
        .arg(rules_dir().join("visit-rating.rules.yml"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "promtool check rules: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    // The collection examples: a clinic's agent, the centre (its rule file's path is
    // the installed one, so its syntax only).
    for args in [
        ["check", "config", "--agent", "clinic-agent.yml"],
        ["check", "config", "--syntax-only", "centre.yml"],
    ] {
        let check = promtool()
            .current_dir(rules_dir())
            .args(args)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "promtool {args:?}: {}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
    }
    let test = promtool()
        .current_dir(rules_dir())
        .args(["test", "rules", "visit-rating.rules.test.yml"])
        .output()
        .unwrap();
    assert!(
        test.status.success(),
        "promtool test rules: {}{}",
        String::from_utf8_lossy(&test.stdout),
        String::from_utf8_lossy(&test.stderr)
    );
}

#[test]
fn a_gateways_refusal_is_counted_where_status_and_the_metrics_show_it() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN, "--gateway-refusal", "403"]);
    let code = queue(&env, &server.url, TOKEN, &unique("gateway"));
    assert_eq!(
        code, 4,
        "a gateway's refusal is for whoever administers the terminal"
    );

    let (_, status) = status_json(&env, Some(&server.url), Some(TOKEN));
    assert_eq!(status["deliveries"]["refused"], 1, "{status}");
    assert_eq!(status["last_attempt"]["outcome"], "refused", "{status}");
    assert_eq!(problem_kinds(&status), ["gateway_refused"], "{status}");
    assert_eq!(status["exit_code"], 11, "{status}");
    let text = metrics(&env, &server.url, TOKEN);
    assert_eq!(
        sample(&text, "visit_rating_deliveries_total{outcome=\"refused\"}"),
        Some("1"),
        "{text}"
    );
}
