//! What a fleet's monitoring reads from one terminal, through the real binary against
//! the stand-in server as a real process: the `terminal` and `clinic` labels from the
//! settings (escaped, checked by `promtool`), the heartbeat the running program left
//! (which `metrics --write-file`, the timer's command, reports and never bumps), and the
//! aggregated scores, counted when the portal accepts a rating and shown only in steps.

use crate::support::{MockProcess, UserEnv, jwt_expiring_in, output_with_stdin, unique};

/// The metrics `visit-rating metrics --url URL` prints with `token` in force.
fn metrics(env: &UserEnv, url: &str, token: &str) -> String {
    let ran = env.cli().token(token).args(["metrics", "--url", url]).run();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    ran.stdout
}

/// The value of the one sample named exactly `series` (name and labels as printed).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
}

/// `promtool check metrics` passes on `text`, lint included.
fn assert_promtool_accepts(text: &str) {
    let output = output_with_stdin(
        std::process::Command::new("promtool").args(["check", "metrics"]),
        text,
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && said.trim().is_empty(),
        "promtool: {said}\n{text}"
    );
}

#[test]
fn every_metric_carries_the_terminal_and_clinic_of_the_settings_escaped() {
    let env = UserEnv::new();
    let token = jwt_expiring_in(20 * 86_400);
    // A quote and a backslash: the exposition must escape them, not break a line.
    env.write_config(
        "terminal_id = 'kiosk \"7\" \\ hall'\nclinic_id = \"clinic-07\"\ntoken_warning_days = 14\n",
    );
    let text = metrics(&env, "https://rpgu.example.ru", &token);
    assert_promtool_accepts(&text);
    let samples: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(samples.len() > 5, "{text}");
    for line in samples {
        assert!(
            line.contains(r#"terminal="kiosk \"7\" \\ hall""#)
                && line.contains(r#"clinic="clinic-07""#),
            "a sample without the terminal's labels: {line}"
        );
    }
    // The labels come in no set order; the value is the settings' days in seconds.
    let warning = text
        .lines()
        .find(|l| l.starts_with("visit_rating_token_warning_seconds{"))
        .and_then(|l| l.rsplit(' ').next())
        .unwrap();
    assert_eq!(warning, (14 * 86_400).to_string(), "{text}");

    // A line break in a label is refused where the settings are read, naming the key.
    env.write_config("terminal_id = \"kiosk\\n7\"\n");
    let ran = env
        .cli()
        .token(&token)
        .args(["metrics", "--url", "https://rpgu.example.ru"])
        .run();
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("terminal_id"), "{}", ran.stderr);
}

#[test]
fn the_timers_write_file_reports_the_heartbeat_the_program_left_and_never_bumps_it() {
    let env = UserEnv::new();
    let token = jwt_expiring_in(20 * 86_400);
    let url = "https://rpgu.example.ru";
    // No metrics_file: nothing to write to, said plainly.
    let ran = env
        .cli()
        .token(&token)
        .args(["metrics", "--write-file", "--url", url])
        .run();
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("metrics_file"), "{}", ran.stderr);

    let textfile = env.path().join("textfile/visit-rating.prom");
    std::fs::create_dir_all(textfile.parent().unwrap()).unwrap();
    env.write_config(&format!(
        "metrics_file = \"{}\"\nterminal_id = \"kiosk-1\"\n",
        textfile.display()
    ));
    let write = || {
        let ran = env
            .cli()
            .token(&token)
            .args(["metrics", "--write-file", "--url", url])
            .run();
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
        assert!(ran.stdout.is_empty());
        std::fs::read_to_string(&textfile).unwrap()
    };
    // The program never ran here: no heartbeat, and the command made none.
    let text = write();
    assert_promtool_accepts(&text);
    assert!(
        text.contains("visit_rating_status_code{terminal=\"kiosk-1\"}"),
        "{text}"
    );
    assert!(
        !text.contains("visit_rating_heartbeat_timestamp_seconds"),
        "{text}"
    );
    let heartbeat = env.data_dir().join("heartbeat");
    assert!(!heartbeat.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&textfile).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "node_exporter must read it");
    }

    assert!(
        text.contains("visit_rating_kiosk{terminal=\"kiosk-1\"} 0"),
        "{text}"
    );
    // The kiosk window's last beat, ten minutes ago, as it writes it: the file is
    // rewritten, the heartbeat stays what the program left, and the terminal is known
    // as a kiosk (its unit passes --kiosk, which the settings do not say).
    let then_ms = (crate::support::now_secs() - 600) * 1000;
    let left = format!("{{\"at_ms\":{then_ms},\"kiosk\":true}}");
    std::fs::write(&heartbeat, &left).unwrap();
    let text = write();
    #[allow(clippy::cast_precision_loss)]
    let expected = then_ms as f64 / 1000.0;
    assert_eq!(
        sample(
            &text,
            "visit_rating_heartbeat_timestamp_seconds{terminal=\"kiosk-1\"}"
        ),
        Some(expected),
        "{text}"
    );
    assert!(
        text.contains("visit_rating_kiosk{terminal=\"kiosk-1\"} 1"),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&heartbeat).unwrap(), left);
}

/// `submit --queue` one rating with `scores` (and remarks, "did not visit"): accepted,
/// or (exit 6) already recorded.
fn queue(env: &UserEnv, url: &str, token: &str, history: &str, scores: &str, extra: &[&str]) {
    let ran = env
        .cli()
        .token(token)
        .queue(url, history)
        .scores(scores)
        .args(extra)
        .run();
    assert!(
        matches!(ran.code, Some(0 | 6)),
        "{:?} {}",
        ran.code,
        ran.stderr
    );
}

fn scores_total(text: &str, question: &str, score: u8) -> Option<f64> {
    sample(
        text,
        &format!("visit_rating_scores_total{{question=\"{question}\",score=\"{score}\"}}"),
    )
}

#[test]
fn scores_are_counted_when_the_portal_accepts_them_and_shown_only_in_steps() {
    let env = UserEnv::new();
    let token = jwt_expiring_in(20 * 86_400);
    let mock = MockProcess::start(&["--token", &token]);
    let url = mock.url.as_str();
    let first = unique("scores-1");
    queue(
        &env,
        url,
        &token,
        &first,
        "5,4,3,2",
        &["--notes", "врач внимателен"],
    );

    // Off by default: nothing about what patients said.
    let text = metrics(&env, url, &token);
    assert!(!text.contains("visit_rating_scores_total"), "{text}");
    assert!(!text.contains("visit_rating_rated_total"), "{text}");
    assert!(!text.contains("внимателен"));

    env.write_config("publish_scores = true\npublish_scores_every = 5\n");
    // Three more: four counted, none shown yet.
    queue(&env, url, &token, &unique("scores-2"), "5,5,5,5", &[]);
    queue(&env, url, &token, &unique("scores-3"), "1,2,3,4", &[]);
    queue(
        &env,
        url,
        &token,
        &unique("scores-4"),
        "3,3,3,3",
        &["--didnt-visit"],
    );
    let text = metrics(&env, url, &token);
    assert_promtool_accepts(&text);
    assert_eq!(
        sample(&text, "visit_rating_rated_total"),
        Some(0.0),
        "{text}"
    );
    assert_eq!(scores_total(&text, "waiting_time", 5), Some(0.0), "{text}");

    // The fifth: all five shown at once.
    queue(&env, url, &token, &unique("scores-5"), "4,4,4,1", &[]);
    let text = metrics(&env, url, &token);
    assert_promtool_accepts(&text);
    assert_eq!(
        sample(&text, "visit_rating_rated_total"),
        Some(5.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "visit_rating_rated_not_visited_total"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "visit_rating_rated_with_remarks_total"),
        Some(1.0)
    );
    assert_eq!(scores_total(&text, "waiting_time", 5), Some(2.0), "{text}");
    assert_eq!(scores_total(&text, "waiting_time", 4), Some(1.0));
    assert_eq!(scores_total(&text, "waiting_time", 1), Some(1.0));
    // The non-visit's placeholder 3s are not scores.
    assert_eq!(scores_total(&text, "waiting_time", 3), Some(0.0));
    assert_eq!(scores_total(&text, "cleanliness", 1), Some(1.0));
    assert_eq!(scores_total(&text, "cleanliness", 2), Some(1.0));
    assert_eq!(scores_total(&text, "cleanliness", 4), Some(1.0));
    assert_eq!(scores_total(&text, "staff_attitude", 3), Some(2.0));

    // The first visit again: the portal already has it (5030), not counted twice. With
    // four new ones that makes nine counted, still shown as five.
    queue(&env, url, &token, &first, "1,1,1,1", &[]);
    for i in 6..10 {
        queue(
            &env,
            url,
            &token,
            &unique(&format!("scores-{i}")),
            "2,2,2,2",
            &[],
        );
    }
    let text = metrics(&env, url, &token);
    assert_eq!(
        sample(&text, "visit_rating_rated_total"),
        Some(5.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "visit_rating_deliveries_total{outcome=\"already_recorded\"}"
        ),
        Some(1.0),
        "{text}"
    );
    queue(&env, url, &token, &unique("scores-10"), "2,2,2,2", &[]);
    let text = metrics(&env, url, &token);
    assert_eq!(
        sample(&text, "visit_rating_rated_total"),
        Some(10.0),
        "{text}"
    );
    assert_eq!(scores_total(&text, "visit_result", 2), Some(6.0), "{text}");
}
