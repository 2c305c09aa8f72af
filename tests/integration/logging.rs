//! Logging: to stderr and a daily file in the data folder, at the level asked for —
//! and never the token or a patient's remarks, even at `trace`.

use std::process::{Command as StdCommand, Stdio};

use crate::support::{DownPort, MockProcess, UserEnv, unique};

#[test]
fn neither_the_token_nor_the_remarks_reach_a_log_even_at_trace() {
    let env = UserEnv::new();
    let token = unique("log-leak-token");
    let notes = "Секретная жалоба пациента про доктора Иванова";
    let server = MockProcess::start(&["--token", &token]);
    let down = DownPort::new();
    let mut stderr = Vec::new();
    for (history, url) in [
        ("log-1", server.url.clone()),
        ("log-2", format!("{}/wrong", server.url)),
        ("log-1", server.url.clone()),
        ("log-3", down.url()),
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
        .cli()
        .token("quiet-token")
        .submit(&server.url, "q-1")
        .scores("5,5,5,5")
        .run();
    assert_eq!(output.code, Some(0));
    assert!(output.stderr.is_empty(), "{}", output.stderr);
}

/// `--log-level info` and one sent rating: enough for a few log lines on stderr.
fn logged_submit(env: &UserEnv, server: &MockProcess, token: &str) -> std::process::Command {
    let mut cmd = env.std_cmd(assert_cmd::cargo::cargo_bin("visit-rating"));
    cmd.env("VISIT_RATING_TOKEN", token)
        .env_remove("NO_COLOR")
        .args(["--log-level", "info", "submit", "--url", &server.url])
        .args(["--history", &unique("colour"), "--scores", "5,5,5,5"]);
    cmd
}

#[test]
fn log_lines_are_plain_when_stderr_is_a_pipe_and_coloured_on_a_terminal() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", "colour-token"]);
    let output = logged_submit(&env, &server, "colour-token")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rating sent"), "{stderr}");
    assert!(
        !output.stderr.contains(&0x1b),
        "colour codes in piped stderr: {stderr:?}"
    );
    for file in std::fs::read_dir(env.data_dir().join("logs")).unwrap() {
        let text = std::fs::read(file.unwrap().path()).unwrap();
        assert!(
            !text.is_empty() && !text.contains(&0x1b),
            "the log file is plain"
        );
    }

    // The same command on a terminal (`script` gives it a pseudo-terminal) is coloured:
    // the check above is about the pipe, not about colour being off everywhere.
    let logged = logged_submit(&env, &server, "colour-token");
    let command_line = std::iter::once(logged.get_program())
        .chain(logged.get_args())
        .map(|a| format!("'{}'", a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ");
    let mut script = crate::support::on_a_terminal(StdCommand::new("script"), &command_line);
    for (key, value) in logged.get_envs() {
        match value {
            Some(value) => script.env(key, value),
            None => script.env_remove(key),
        };
    }
    let output = script
        .stdin(Stdio::null())
        .output()
        .expect("`script` (util-linux) is installed");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("rating sent"), "{text}");
    assert!(text.contains('\u{1b}'), "no colour on a terminal: {text:?}");
}
