//! Logging: to stderr and a daily file in the data folder, at the level asked for —
//! and never the token or a patient's remarks, even at `trace`.

use crate::support::{MockProcess, UserEnv, unique};

#[test]
fn neither_the_token_nor_the_remarks_reach_a_log_even_at_trace() {
    let env = UserEnv::new();
    let token = unique("log-leak-token");
    let notes = "Секретная жалоба пациента про доктора Иванова";
    let server = MockProcess::start(&["--token", &token]);
    let mut stderr = Vec::new();
    for (history, url) in [
        ("log-1", server.url.clone()),
        ("log-2", format!("{}/wrong", server.url)),
        ("log-1", server.url.clone()),
        ("log-3", crate::support::closed_port_url()),
    ] {
        let output = env
            .cmd()
            .env("VISIT_RATING_TOKEN", &token)
            .args([
                "--log-level",
                "trace",
                "submit",
                "--url",
                &url,
                "--history",
                history,
            ])
            .args(["--scores", "5,4,3,2", "--notes", notes])
            .output()
            .unwrap();
        stderr.extend_from_slice(&output.stderr);
    }
    let stderr = String::from_utf8_lossy(&stderr);
    assert!(
        stderr.contains("rating sent"),
        "trace logging reached stderr"
    );
    let logs = env.data_dir().join("logs");
    let mut text = String::new();
    for file in std::fs::read_dir(&logs).unwrap() {
        text.push_str(&std::fs::read_to_string(file.unwrap().path()).unwrap());
    }
    assert!(
        text.contains("rating sent") && text.contains("log-2"),
        "the file log has the events"
    );
    for log in [stderr.as_ref(), text.as_str()] {
        assert!(!log.contains(&token), "the token leaked into a log");
        assert!(
            !log.contains("Секретная") && !log.contains(notes),
            "remarks leaked into a log"
        );
    }
}

#[test]
fn the_default_level_keeps_a_command_quiet() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", "quiet-token"]);
    let output = env
        .cmd()
        .env("VISIT_RATING_TOKEN", "quiet-token")
        .args([
            "submit",
            "--url",
            &server.url,
            "--history",
            "q-1",
            "--scores",
            "5,5,5,5",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
