//! `visit-rating submit` against the stand-in server, through every outcome and exit code.

use predicates::prelude::*;
use serde_json::json;

use crate::support::cli::{assert_transient, fields_of};
use crate::support::{DownPort, MockProcess, UserEnv, unique};

const TOKEN: &str = "test-token-7f3a";

#[test]
fn accepted_body_reaches_the_server_byte_for_byte() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let history = unique("0c5a8a4e-visit");
    let notes =
        "Всё хорошо, спасибо! Врач — внимательный 👩‍⚕️👍 \"кавычки\" и \\слэш\\\nвторая строка";

    env.cli()
        .token(TOKEN)
        .submit(&server.url, &history)
        .scores("5,3,5,4")
        .args(["--notes", notes])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Оценка принята"));

    let ratings = server.ratings();
    assert_eq!(ratings.len(), 1);
    assert_eq!(ratings[0]["history"], json!(history));
    let expected = format!(
        "{{\"result_1\":5,\"result_2\":3,\"result_3\":5,\"result_4\":4,\"notes\":{},\"dont_visit\":0}}",
        serde_json::to_string(notes).unwrap()
    );
    assert_eq!(ratings[0]["raw_body"], json!(expected));
    assert_eq!(ratings[0]["body"]["notes"], json!(notes));

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0]["user_agent"],
        json!(concat!("visit-rating/", env!("CARGO_PKG_VERSION")))
    );
}

#[test]
fn json_output_is_exactly_one_object_with_the_documented_fields() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let (code, value) = env
        .cli()
        .token(TOKEN)
        .submit(&server.url, &unique("visit"))
        .scores("1,2,3,4")
        .run_json();
    assert_eq!(code, Some(0));
    assert_eq!(
        fields_of(&value),
        [
            "code",
            "detail",
            "http_status",
            "message",
            "message_code",
            "outcome"
        ]
    );
    assert_eq!(value["outcome"], "accepted");
    assert_eq!(value["http_status"], 200);
    assert_eq!(value["message_code"], "2000");
}

#[test]
fn a_second_rating_for_the_same_visit_is_already_recorded_exit_6() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let history = unique("visit");
    env.cli()
        .token(TOKEN)
        .submit(&server.url, &history)
        .scores("5,5,5,5")
        .assert()
        .code(0);

    env.cli()
        .token(TOKEN)
        .submit(&server.url, &history)
        .scores("1,1,1,1")
        .expect(
            6,
            &[
                "Ответ сервера: «Отзыв уже существует» (код 5030, HTTP 400)",
                "оценка не потеряна",
            ],
        );

    let (code, value) = env
        .cli()
        .token(TOKEN)
        .submit(&server.url, &history)
        .scores("1,1,1,1")
        .run_json();
    assert_eq!(code, Some(6));
    assert_eq!(value["outcome"], "already_recorded");
    assert_eq!(value["message"], "Отзыв уже существует");
    assert_eq!(value["message_code"], "5030");
    assert_eq!(value["code"], 400);
    assert_eq!(value["http_status"], 400);
    // The first rating stands; nothing was overwritten.
    assert_eq!(server.ratings().len(), 1);
    assert_eq!(server.ratings()[0]["body"]["result_1"], 5);
}

#[test]
fn token_problems_exit_4_with_the_servers_words() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    for (token, message, code) in [
        ("expired-token", "Время действия токена истекло", "5007"),
        ("bad-signature-token", "Подпись запроса некорректна", "5009"),
        ("someone-elses-token", "Токен некорректен", "5008"),
    ] {
        let ran = env
            .cli()
            .token(token)
            .submit(&server.url, &unique("visit"))
            .scores("5,5,5,5")
            .arg("--json")
            .run()
            .exited(4);
        let value = ran.json();
        assert_eq!(value["outcome"], "unauthorized");
        assert_eq!(value["message"], message);
        assert_eq!(value["message_code"], code);
        assert_eq!(value["http_status"], 403);
        // The token itself never appears in what we print.
        assert!(!ran.stdout.contains(token));
    }
    env.cli()
        .token("expired-token")
        .submit(&server.url, &unique("visit"))
        .scores("5,5,5,5")
        .expect(
            4,
            &[
                "«Время действия токена истекло» (код 5007, HTTP 403)",
                "заменить токен",
            ],
        );
    assert!(server.ratings().is_empty());
}

#[test]
fn no_token_at_all_is_a_token_problem_and_nothing_is_sent() {
    let env = UserEnv::new();
    let server = MockProcess::start(&[]);
    env.cli()
        .submit(&server.url, "v-1")
        .scores("5,5,5,5")
        .assert()
        .code(4)
        // Either "no token stored" or "no keyring running": both name the variable.
        .stderr(predicate::str::contains("VISIT_RATING_TOKEN"));
    assert!(server.requests().is_empty());
}

#[test]
fn a_wrong_path_is_rejected_exit_3_with_4001() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let (code, value) = env
        .cli()
        .token(TOKEN)
        .submit(&format!("{}/wrong-prefix", server.url), "v-1")
        .scores("5,5,5,5")
        .run_json();
    assert_eq!(code, Some(3));
    assert_eq!(value["outcome"], "rejected");
    assert_eq!(value["http_status"], 404);
    assert_eq!(value["message"], "Некорректный запрос.");
    assert_eq!(value["message_code"], "4001");
}

#[test]
fn a_server_that_is_down_is_transient_exit_5() {
    let env = UserEnv::new();
    let down = DownPort::new();
    let (code, value) = env
        .cli()
        .token(TOKEN)
        .submit(&down.url(), "v-1")
        .scores("5,5,5,5")
        .run_json();
    assert_eq!(code, Some(5));
    assert_transient(&value, "could not connect");
    assert_eq!(value["http_status"], serde_json::Value::Null);
    // In words: nothing was saved, and it says so (the window's "everything entered is
    // kept" would be untrue here); with --queue it was saved, and it says that.
    let ran = env
        .cli()
        .token(TOKEN)
        .submit(&down.url(), "v-1")
        .scores("5,5,5,5")
        .expect(5, &["Оценка нигде не сохранена", "--queue"]);
    assert!(
        !ran.stderr.contains("Введённые данные сохранены"),
        "{ran:#?}"
    );
    let ran = env
        .cli()
        .token(TOKEN)
        .queue(&down.url(), "v-1")
        .scores("5,5,5,5")
        .run();
    assert_eq!(ran.code, Some(5), "{ran:#?}");
    assert!(
        ran.stderr.contains("Введённые данные сохранены"),
        "{ran:#?}"
    );
}

#[test]
fn server_faults_are_transient_exit_5() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN, "--fail-rate", "1"]);
    let submit = || {
        env.cli()
            .token(TOKEN)
            .submit(&server.url, &unique("v"))
            .scores("5,5,5,5")
    };

    let (_, value) = submit().run_json();
    assert_eq!(value["outcome"], "transient");
    assert_eq!(value["http_status"], 503);
    assert_eq!(value["message"], "Сервис временно недоступен");

    server.set_faults(&json!({"fail_rate": 1.0, "html_errors": true}));
    let (code, value) = submit().run_json();
    assert_eq!(code, Some(5));
    assert_eq!(value["http_status"], 503);
    assert_eq!(value["message"], serde_json::Value::Null);
    assert!(
        value["detail"].as_str().unwrap().contains("an HTML page"),
        "{value}"
    );

    server.set_faults(&json!({"drop_rate": 1.0}));
    let (code, value) = submit().run_json();
    assert_eq!(code, Some(5));
    assert_eq!(value["outcome"], "transient");

    // The human form says what to do.
    server.set_faults(&json!({"fail_rate": 1.0}));
    submit().args(["--lang", "en"]).expect(
        5,
        &[
            "Server answer: “Сервис временно недоступен” (code 5000, HTTP 503)",
            "try again later",
        ],
    );
    assert!(server.ratings().is_empty());
}

#[test]
fn invalid_input_exits_2_and_sends_nothing() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let cases: &[(&[&str], &str)] = &[
        (&["--history", "a/b", "--scores", "5,5,5,5"], "«/»"),
        (&["--history", "a b", "--scores", "5,5,5,5"], "пробелов"),
        (&["--history", "..", "--scores", "5,5,5,5"], "«..»"),
        (
            &["--history", "", "--scores", "5,5,5,5"],
            "Введите идентификатор",
        ),
        (&["--history", "v-1", "--scores", "5,5,5"], "четыре оценки"),
        (
            &["--history", "v-1", "--scores", "5,5,5,6"],
            "четыре оценки",
        ),
        (&["--history", "v-1"], "четыре оценки"),
    ];
    for (args, message) in cases {
        env.cmd()
            .env("VISIT_RATING_TOKEN", TOKEN)
            .args(["submit", "--url", &server.url])
            .args(*args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(*message));
    }
    let long_notes = "я".repeat(2001);
    env.cli()
        .token(TOKEN)
        .submit(&server.url, "v-1")
        .scores("5,5,5,5")
        .args(["--notes", &long_notes])
        .expect(2, &["2001 символ,"]);
    let output = env
        .cli()
        .token(TOKEN)
        .submit(&server.url, "a?b")
        .scores("5,5,5,5")
        .arg("--json")
        .run();
    assert_eq!(output.code, Some(2));
    assert_eq!(output.json()["outcome"], "invalid");
    assert!(server.requests().is_empty(), "nothing reached the server");
}

#[test]
fn clear_text_http_to_another_machine_is_refused() {
    let env = UserEnv::new();
    env.cli()
        .token(TOKEN)
        .submit("http://192.0.2.1", "v-1")
        .scores("5,5,5,5")
        .expect(
            2,
            &["открытым текстом на 192.0.2.1", "--allow-insecure-http"],
        );
}

#[test]
fn no_url_anywhere_exits_2_and_the_env_var_supplies_one() {
    let env = UserEnv::new();
    env.cmd()
        .env("VISIT_RATING_TOKEN", TOKEN)
        .args(["submit", "--history", "v-1", "--scores", "5,5,5,5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("VISIT_RATING_URL"));

    let server = MockProcess::start(&["--token", TOKEN]);
    env.cmd()
        .env("VISIT_RATING_TOKEN", TOKEN)
        .env("VISIT_RATING_URL", &server.url)
        .args(["submit", "--history", "v-1", "--scores", "5,5,5,5"])
        .assert()
        .code(0);
    assert_eq!(server.ratings().len(), 1);
}

#[test]
fn every_command_that_connects_says_the_same_without_a_server_url() {
    let env = UserEnv::new();
    let file = env.path().join("forms.csv");
    std::fs::write(
        &file,
        "Визит;Время ожидания;Результат посещения;Отношение персонала;Чистота;Замечания;Не был(а)\n\
         v-no-url;5;4;3;2;;\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let scores = ["--history", "v-no-url", "--scores", "5,5,5,5"];
    let submit_queue = [&scores[..], &["--queue"]].concat();
    let commands: [&[&str]; 5] = [
        &[&["submit"], &scores[..]].concat(),
        &[&["submit"], &submit_queue[..]].concat(),
        &["outbox", "flush"],
        &["import", file],
        &["token", "status"],
    ];
    for args in commands {
        env.cmd()
            .env("VISIT_RATING_TOKEN", TOKEN)
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "Не задан адрес сервера: укажите --url, переменную VISIT_RATING_URL или \
                 server_url в файле настроек.",
            ));
    }
    assert!(
        env.outbox_list(None).is_empty(),
        "nothing saved without a server"
    );
}

#[test]
fn didnt_visit_sends_dont_visit_1_and_neutral_scores() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    env.cli()
        .token(TOKEN)
        .submit(&server.url, "v-didnt")
        .arg("--didnt-visit")
        .assert()
        .code(0);
    assert_eq!(
        server.ratings()[0]["raw_body"],
        json!(r#"{"result_1":3,"result_2":3,"result_3":3,"result_4":3,"notes":"","dont_visit":1}"#)
    );
}

#[test]
fn notes_come_from_a_file_or_standard_input() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    env.cli()
        .token(TOKEN)
        .submit(&server.url, "v-stdin")
        .scores("4,4,4,4")
        .args(["--notes-file", "-"])
        .stdin("Очередь была длинной 😕\n")
        .assert()
        .code(0);
    let file = env.path().join("notes.txt");
    std::fs::write(&file, "Из файла\r\n").unwrap();
    env.cli()
        .token(TOKEN)
        .submit(&server.url, "v-file")
        .scores("4,4,4,4")
        .args(["--notes-file"])
        .arg(&file)
        .assert()
        .code(0);
    let ratings = server.ratings();
    assert_eq!(ratings[0]["body"]["notes"], "Очередь была длинной 😕");
    assert_eq!(ratings[1]["body"]["notes"], "Из файла");
}

#[test]
fn a_clinic_guid_lets_a_bare_visit_guid_be_entered() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let clinic = "0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6";
    let visit = "7d1e2f3a-4b5c-4d6e-9f80-112233445566";
    env.write_config(&format!(
        "server_url = \"{}\"\nclinic_guid = \"{clinic}\"\n",
        server.url
    ));
    env.cmd()
        .env("VISIT_RATING_TOKEN", TOKEN)
        .args(["submit", "--history", visit, "--scores", "5,5,5,5"])
        .assert()
        .code(0);
    assert_eq!(
        server.ratings()[0]["history"],
        json!(format!("{clinic}{visit}"))
    );
}

#[test]
fn an_encoded_visit_id_arrives_as_one_segment() {
    let env = UserEnv::new();
    let server = MockProcess::start(&["--token", TOKEN]);
    let history = "визит:42;x=y&z+1@клиника";
    env.cli()
        .token(TOKEN)
        .submit(&server.url, history)
        .scores("5,5,5,5")
        .assert()
        .code(0);
    let requests = server.requests();
    let path = requests[0]["path"].as_str().unwrap();
    assert!(
        path.starts_with("/api/v2/iemk/doctors/visit/rating/%D0%B2"),
        "{path}"
    );
    assert_eq!(path.matches('/').count(), 7, "{path}");
    assert_eq!(server.ratings()[0]["history"], json!(history));
}

/// A key of the wrong type (an unknown key is only warned about since issue 25: see
/// tests/integration/settings.rs).
#[test]
fn an_invalid_settings_file_names_the_file_line_and_field() {
    let env = UserEnv::new();
    let path = env.write_config("language = \"ru\"\nconnect_timeout_secs = \"ten\"\n");
    env.cmd()
        .env("VISIT_RATING_TOKEN", TOKEN)
        .args(["submit", "--history", "v-1", "--scores", "5,5,5,5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(path.display().to_string()))
        .stderr(predicate::str::contains("line 2"))
        .stderr(predicate::str::contains("connect_timeout_secs"));
}

#[test]
fn the_stand_in_server_answers_5010_without_a_bearer_header() {
    let server = MockProcess::start(&["--token", TOKEN]);
    let client = reqwest::blocking::Client::new();
    let url = format!("{}/api/v2/iemk/doctors/visit/rating/v-1", server.url);
    let body = r#"{"result_1":5,"result_2":5,"result_3":5,"result_4":5,"notes":"","dont_visit":0}"#;
    for auth in [
        None,
        Some("Basic abc"),
        Some("Bearer"),
        Some(&*format!("bearer {TOKEN}")),
    ] {
        let mut request = client.post(&url).body(body);
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        let response = request.send().unwrap();
        assert_eq!(response.status().as_u16(), 403, "{auth:?}");
        let value: serde_json::Value = serde_json::from_str(&response.text().unwrap()).unwrap();
        assert_eq!(
            value,
            json!({"code": 403, "message": "Запрос должен содержать 'Authorization: Bearer ...'", "message_code": "5010"})
        );
    }
    // A body with capitalised names, as the specification's table spells them.
    let response = client
        .post(&url)
        .header("Authorization", format!("Bearer {TOKEN}"))
        .body(r#"{"Result_1":5,"Result_2":5,"Result_3":5,"Result_4":5,"Notes":"","Dont_visit":0}"#)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let value: serde_json::Value = serde_json::from_str(&response.text().unwrap()).unwrap();
    assert!(
        value["message"].as_str().unwrap().contains("строчными"),
        "{value}"
    );
    assert!(server.ratings().is_empty());
}

#[test]
fn the_help_of_notes_says_a_command_line_is_visible_and_names_notes_file() {
    let env = UserEnv::new();
    let output = env.cmd().args(["submit", "--help"]).output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    // The paragraph of `--notes`: from its name to the next option's.
    let notes = help
        .split("--notes <TEXT>")
        .nth(1)
        .and_then(|rest| rest.split("--notes-file <").next())
        .unwrap_or_else(|| panic!("no --notes in:\n{help}"));
    assert!(notes.contains("other local users"), "{notes}");
    assert!(notes.contains("--notes-file -"), "{notes}");
}
