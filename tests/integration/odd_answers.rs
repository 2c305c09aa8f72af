//! Answers real servers give in the field, and senders that meet: a 200 carrying the
//! error model, a gateway's HTML 401/403, three senders at one rating, the server URL
//! changed under queued ratings, a rejection corrected at a desk. Purpose-built servers
//! (raw `std::net` on `127.0.0.1:0`) give the odd answers; the stand-in server as a real
//! process counts requests; the CLI is the real binary.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use visit_rating::api::ConnectError;
use visit_rating::api::{ClientSettings, RatingClient};
use visit_rating::outbox::Outbox;
use visit_rating::outbox::worker::OutboxWorker;
use visit_rating::secrets::Token;

use crate::reliability::{RawServer, answering_server};
use crate::support::cli::{SCORES, queue_args};
use crate::support::{MockProcess, UserEnv, unique, visit_of, wait_until};

const TOKEN: &str = "odd-answers-token-8b21";
const NOTES: &str = "Замечание пациента, личное";

/// A raw HTTP/1.1 answer with a length, closed after it.
fn answer(status: &str, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn model(code: u16, message: &str, message_code: &str) -> String {
    json!({"code": code, "message": message, "message_code": message_code}).to_string()
}

/// `submit --queue --json` as `env` against `url`.
fn queue(env: &UserEnv, url: &str, history: &str) -> (Option<i32>, Value) {
    env.cli()
        .token(TOKEN)
        .queue(url, history)
        .scores(SCORES)
        .args(["--notes", NOTES])
        .run_json()
}

/// `outbox flush --json` as `env` against `url`, with `extra` arguments.
fn flush(env: &UserEnv, url: &str, extra: &[&str]) -> (Option<i32>, Value) {
    env.cli().token(TOKEN).flush(url).args(extra).run_json()
}

// --- A 200 that carries the error model ---------------------------------------------

#[test]
fn a_200_carrying_the_error_model_is_that_error_and_the_rating_is_kept_where_it_must_be() {
    let cases = [
        // (message_code, code, message, exit, outcome, what stays in the outbox)
        (
            "5008",
            403,
            "Токен некорректен",
            4,
            "unauthorized",
            Some("waiting"),
        ),
        (
            "4001",
            404,
            "Некорректный запрос.",
            3,
            "rejected",
            Some("needs_attention"),
        ),
        (
            "5030",
            400,
            "Отзыв уже существует",
            6,
            "already_recorded",
            None,
        ),
    ];
    for (message_code, code, message, exit, outcome, kept) in cases {
        let server = answering_server(answer(
            "200 OK",
            "application/json",
            &model(code, message, message_code),
        ));
        let env = UserEnv::new();
        let (status, value) = queue(&env, &server.url(), &unique("ok-error"));
        assert_eq!(status, Some(exit), "{message_code}: {value}");
        assert_eq!(value["outcome"], outcome, "{value}");
        assert_eq!(value["http_status"], 200);
        assert_eq!(value["code"], code);
        assert_eq!(value["message"], message, "the server's words verbatim");
        assert_eq!(value["message_code"], message_code);
        assert!(
            value["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("read as HTTP {code}")),
            "{value}"
        );
        let listed = env.outbox_list(None);
        match kept {
            Some(state) => {
                assert_eq!(listed.len(), 1, "{message_code}: the rating is kept");
                assert_eq!(listed[0]["state"], state);
                assert_eq!(listed[0]["last_outcome"]["message_code"], message_code);
            }
            None => assert!(listed.is_empty(), "{message_code}: the server has it"),
        }
        assert_eq!(server.requests().len(), 1);
    }
}

#[test]
fn a_200_with_the_success_model_an_empty_body_or_no_json_is_accepted() {
    for (content_type, body) in [
        ("application/json", r#"{"code":200,"message_code":"2000"}"#),
        ("application/json", ""),
        ("text/html", "<html><body>OK</body></html>"),
        ("text/plain", "OK"),
    ] {
        let server = answering_server(answer("200 OK", content_type, body));
        let env = UserEnv::new();
        let (status, value) = queue(&env, &server.url(), &unique("ok"));
        assert_eq!(status, Some(0), "{body:?}: {value}");
        assert_eq!(value["outcome"], "accepted");
        assert!(
            env.outbox_list(None).is_empty(),
            "{body:?}: delivered, removed"
        );
    }
}

// --- A gateway's 401/403 page ---------------------------------------------------------

fn gateway(status: &str) -> RawServer {
    answering_server(answer(
        status,
        "text/html",
        &format!(
            "<html><head><title>{status}</title></head><body><h1>{status}</h1><hr>corporate-proxy</body></html>"
        ),
    ))
}

#[test]
fn a_gateways_401_or_403_page_is_refused_exit_4_and_the_rating_is_kept() {
    for status in ["401 Unauthorized", "403 Forbidden"] {
        let server = gateway(status);
        let env = UserEnv::new();
        let (code, value) = queue(&env, &server.url(), &unique("gateway"));
        assert_eq!(code, Some(4), "{status}: {value}");
        assert_eq!(value["outcome"], "refused");
        assert_eq!(value["http_status"], status[..3].parse::<u16>().unwrap());
        assert_eq!(value["message_code"], Value::Null);
        let detail = value["detail"].as_str().unwrap();
        assert!(detail.contains(&format!("title: {status}")), "{detail}");
        let listed = env.outbox_list(None);
        assert_eq!(listed.len(), 1, "kept");
        assert_eq!(listed[0]["state"], "waiting");
        assert_eq!(listed[0]["last_outcome"]["outcome"], "refused");

        // A flush stops at the refusal: exit 4, the rating still kept.
        let (code, report) = flush(&env, &server.url(), &[]);
        assert_eq!(code, Some(4), "{report}");
        assert_eq!(report["paused"], true);
        assert_eq!(report["waiting"], 1);

        // Without --queue: the same outcome and exit code, in words for people.
        let output = env
            .cli()
            .token(TOKEN)
            .submit(&server.url(), "g-1")
            .scores("5,5,5,5")
            .run();
        assert_eq!(output.code, Some(4));
        let stderr = &output.stderr;
        assert!(
            stderr.contains("Сервер или шлюз перед ним отказал в доступе")
                && stderr.contains(&format!("HTTP {}", &status[..3])),
            "{stderr}"
        );
    }
}

// --- The stand-in server reproduces both for testers --------------------------------

#[test]
fn the_stand_in_server_reproduces_a_200_with_the_error_model_and_a_gateway_page() {
    let server = MockProcess::start(&["--token", TOKEN, "--ok-with-error", "5008"]);
    let env = UserEnv::new();
    let (code, value) = queue(&env, &server.url, &unique("mock-ok-error"));
    assert_eq!(code, Some(4), "{value}");
    assert_eq!(value["outcome"], "unauthorized");
    assert_eq!(value["http_status"], 200);
    assert_eq!(value["message"], "Токен некорректен");
    assert!(server.ratings().is_empty(), "nothing stored");

    server.set_faults(&json!({"ok_with_error": "5030"}));
    let (code, value) = queue(&env, &server.url, &unique("mock-ok-5030"));
    assert_eq!(
        (code, value["outcome"].clone()),
        (Some(6), json!("already_recorded"))
    );

    server.set_faults(&json!({"gateway_refusal": 403}));
    let (code, value) = queue(&env, &server.url, &unique("mock-gateway"));
    assert_eq!(code, Some(4), "{value}");
    assert_eq!(value["outcome"], "refused");
    assert!(value["detail"].as_str().unwrap().contains("403 Forbidden"));

    let gateway = MockProcess::start(&["--token", TOKEN, "--gateway-refusal", "401"]);
    let (code, value) = queue(&env, &gateway.url, &unique("mock-gateway-401"));
    assert_eq!((code, value["http_status"].clone()), (Some(4), json!(401)));
    let requests = gateway.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["status"], 401);
}

// --- Three senders, one rating, one request ----------------------------------------

/// The window's background sender, for `env`'s outbox, sending to `url`.
fn window_sender(env: &UserEnv, url: &str) -> OutboxWorker {
    counted_window_sender(env, url, Arc::default())
}

/// [`window_sender`] that counts in `connects` each time it asks for its connection.
fn counted_window_sender(env: &UserEnv, url: &str, connects: Arc<AtomicUsize>) -> OutboxWorker {
    let outbox = Outbox::open(&env.data_dir()).unwrap();
    let url = url.to_owned();
    OutboxWorker::start(
        outbox,
        Box::new(move || {
            connects.fetch_add(1, Ordering::SeqCst);
            let client = RatingClient::new(&ClientSettings::new(url.clone()))
                .map_err(|e| ConnectError::Client(Arc::new(e)))?;
            Ok((client, Token::new(TOKEN).unwrap()))
        }),
        Box::new(|| {}),
    )
    .unwrap()
}

/// Visit ids saved in the outbox now or already asked of the server.
fn queued_and_asked(env: &UserEnv, server: &MockProcess) -> std::collections::BTreeSet<String> {
    let mut seen: std::collections::BTreeSet<String> =
        requests_per_visit(server).into_keys().collect();
    let outbox = Outbox::open(&env.data_dir()).unwrap();
    if let Ok(listing) = outbox.list() {
        seen.extend(
            listing
                .entries
                .into_iter()
                .map(|e| String::from(e.visit_id)),
        );
    }
    seen
}

fn spawn(env: &UserEnv, args: &[&str]) -> std::process::Child {
    env.spawn(TOKEN, args)
}

/// Requests per visit id, as the server counted them.
fn requests_per_visit(server: &MockProcess) -> BTreeMap<String, Vec<Value>> {
    let mut counts: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for request in server.requests() {
        counts
            .entry(visit_of(&request))
            .or_default()
            .push(request["status"].clone());
    }
    counts
}

#[test]
fn a_slow_server_and_three_senders_at_once_get_exactly_one_request_per_rating() {
    let repetitions: usize = std::env::var("SENDERS_REPETITIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    // Ten ratings at a time, each with its own `submit --queue` and `outbox flush`, and
    // the window's background sender asked to "send now" at the same moment.
    let batch = 10;
    let server = MockProcess::start(&["--token", TOKEN, "--latency-ms", "1500"]);
    let env = UserEnv::new();
    std::fs::create_dir_all(env.data_dir()).unwrap();
    let worker = window_sender(&env, &server.url);
    let mut histories = Vec::new();
    let started = Instant::now();
    let mut flush_exits = BTreeMap::<Option<i32>, usize>::new();
    for round in 0..repetitions.div_ceil(batch) {
        let names: Vec<String> = (0..batch.min(repetitions - round * batch))
            .map(|n| format!("three-senders-{round}-{n}"))
            .collect();
        let submits: Vec<_> = names
            .iter()
            .map(|history| spawn(&env, &queue_args(&server.url, history)))
            .collect();
        // Every submit has saved its rating (it sends right after, and the server holds
        // each request 1.5 s): the flushes and "send now" below meet it in the outbox.
        wait_until(
            "every submit of the round saved its rating or sent it",
            Duration::from_mins(1),
            || {
                let seen = queued_and_asked(&env, &server);
                names.iter().all(|name| seen.contains(name))
            },
        );
        worker.send_now();
        let flushes: Vec<_> = names
            .iter()
            .map(|_| spawn(&env, &["outbox", "flush", "--url", &server.url]))
            .collect();
        for mut child in submits {
            assert_eq!(child.wait().unwrap().code(), Some(0), "submit --queue");
        }
        for mut child in flushes {
            *flush_exits.entry(child.wait().unwrap().code()).or_default() += 1;
        }
        histories.extend(names);
    }
    // Let the background sender finish whatever it started.
    wait_until("the outbox emptied", Duration::from_secs(20), || {
        !worker.status().sending && env.outbox_list(None).is_empty()
    });
    drop(worker);

    let counts = requests_per_visit(&server);
    for history in &histories {
        assert_eq!(
            counts.get(history).map(Vec::as_slice),
            Some(&[json!(200)][..]),
            "{history}: requests at the server"
        );
    }
    assert_eq!(counts.len(), histories.len());
    assert_eq!(server.ratings().len(), histories.len());
    eprintln!(
        "three senders: {} ratings, {} requests, flush exits {flush_exits:?}, {:.1} s",
        histories.len(),
        server.requests().len(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn after_a_gateways_refusal_the_background_sender_holds_the_whole_queue_back() {
    let server = MockProcess::start(&["--token", TOKEN, "--gateway-refusal", "403"]);
    let env = UserEnv::new();
    // Four ratings due now (saved, never tried).
    let outbox = Outbox::open(&env.data_dir()).unwrap();
    let rating = visit_rating::rating::Rating {
        scores: [5, 4, 3, 2].map(|v| visit_rating::rating::Score::new(v).unwrap()),
        notes: NOTES.into(),
        didnt_visit: false,
    };
    for _ in 0..4 {
        let id = visit_rating::api::VisitId::parse(&unique("held")).unwrap();
        outbox
            .enqueue(&id, &rating, &visit_rating::api::origin(&server.url))
            .unwrap();
    }
    let before = server.requests().len();
    // The sender asks for its connection at the start of every round in which something
    // waits: a count of rounds begun.
    let rounds = Arc::new(AtomicUsize::new(0));
    let worker = counted_window_sender(&env, &server.url, Arc::clone(&rounds));
    wait_until("the gateway's refusal", Duration::from_secs(10), || {
        worker
            .status()
            .last_error
            .is_some_and(|o| o.kind == visit_rating::api::OutcomeKind::Refused)
    });
    // The first refusal stops the round, and the next round waits out a backoff
    // (at least 2.5 s) instead of each rating knocking in turn. Two rounds woken early
    // (as by a rating added in the window): once the second has begun, the first has
    // run to its end with three ratings due and the server up, and knocked nowhere.
    let refused_in = rounds.load(Ordering::SeqCst);
    for woken in 1..=2 {
        worker.refresh();
        wait_until("a round woken by refresh", Duration::from_secs(10), || {
            rounds.load(Ordering::SeqCst) >= refused_in + woken
        });
    }
    assert_eq!(
        server.requests().len() - before,
        1,
        "{:?}",
        server.requests()
    );
    assert_eq!(worker.status().waiting, 4, "all kept");
    // "Send now" is a person's choice: it goes through at once.
    server.set_faults(&json!({}));
    worker.send_now();
    wait_until("the held ratings sent", Duration::from_secs(20), || {
        env.outbox_list(None).is_empty()
    });
    assert_eq!(server.ratings().len(), 4);
}

// --- The server URL changed between queueing and flushing --------------------------

#[test]
fn after_the_url_changes_nothing_goes_to_the_new_server_without_the_explicit_command() {
    let old = MockProcess::start(&["--token", TOKEN]);
    old.set_faults(&json!({"fail_rate": 1.0}));
    let env = UserEnv::new();
    let histories = [unique("old-server"), unique("old-server")];
    for history in &histories {
        assert_eq!(queue(&env, &old.url, history).0, Some(5));
    }
    let old_origin = visit_rating::api::origin(&old.url);
    drop(old);
    let new = MockProcess::start(&["--token", TOKEN]);

    // A plain flush to the new server sends nothing and says why.
    let (code, report) = flush(&env, &new.url, &[]);
    assert_eq!(code, Some(3), "{report}");
    assert_eq!(report["other_server"], 2);
    assert_eq!(report["attempts"], json!([]));
    let output = env.cli().token(TOKEN).flush(&new.url).run();
    assert!(output.stderr.contains("--to-current-server"), "{output:?}");
    // Listed as meant for the old server.
    let listed = env.outbox_list(Some(&new.url));
    assert!(
        listed
            .iter()
            .all(|e| e["server_origin"] == json!(old_origin))
    );
    let text = env
        .cmd()
        .env("VISIT_RATING_URL", &new.url)
        .args(["outbox", "list"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&text.stdout)
            .contains(&format!("для другого сервера ({old_origin})")),
        "{text:?}"
    );
    // Nor does the window's background sender, even when asked to send now.
    let worker = window_sender(&env, &new.url);
    worker.send_now();
    wait_until(
        "the background sender counted both for the other server",
        Duration::from_secs(10),
        || worker.status().other_server == 2,
    );
    assert_eq!(worker.status().waiting, 0);
    drop(worker);
    assert!(new.requests().is_empty(), "nothing reached the new server");

    // The explicit command moves them and sends them.
    let (code, report) = flush(&env, &new.url, &["--to-current-server"]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["moved"], 2);
    assert_eq!(report["delivered"], 2);
    let mut stored: Vec<String> = new
        .ratings()
        .iter()
        .map(|r| r["history"].as_str().unwrap().to_owned())
        .collect();
    stored.sort();
    let mut expected = histories.to_vec();
    expected.sort();
    assert_eq!(stored, expected);
}

// --- A rejection kept, then superseded by the corrected rating ----------------------

#[test]
fn a_rejection_is_kept_until_the_corrected_rating_for_the_same_visit_is_answered() {
    let server = MockProcess::start(&["--token", TOKEN]);
    let env = UserEnv::new();
    let history = unique("corrected");
    // The first attempt goes to a wrong path (404/4001): kept as needing attention.
    let wrong = format!("{}/wrong-prefix", server.url);
    assert_eq!(queue(&env, &wrong, &history).0, Some(3));
    assert_eq!(env.outbox_list(None)[0]["state"], "needs_attention");
    // The corrected rating for the same visit is accepted: it supersedes the old one.
    let (code, value) = queue(&env, &server.url, &history);
    assert_eq!(code, Some(0), "{value}");
    assert!(env.outbox_list(None).is_empty(), "superseded");
    let log = std::fs::read_to_string(env.data_dir().join("sent.log")).unwrap();
    assert!(
        log.contains("\"superseded\"") && log.contains("\"accepted\""),
        "{log}"
    );
    assert!(!log.contains(NOTES));
    assert_eq!(server.ratings().len(), 1);
}

#[test]
fn a_rejection_for_another_visit_stays_until_a_person_marks_it_replaced() {
    let server = MockProcess::start(&["--token", TOKEN]);
    let env = UserEnv::new();
    let wrong = format!("{}/wrong-prefix", server.url);
    assert_eq!(queue(&env, &wrong, "typo-visit").0, Some(3));
    assert_eq!(queue(&env, &server.url, "right-visit").0, Some(0));
    let listed = env.outbox_list(None);
    assert_eq!(listed.len(), 1, "another visit id supersedes nothing");
    let outbox = Outbox::open(&env.data_dir()).unwrap();
    let id = listed[0]["id"].as_str().unwrap();
    outbox
        .remove_by_person(id, visit_rating::outbox::Removal::Replaced)
        .unwrap();
    assert!(env.outbox_list(None).is_empty());
    let log = std::fs::read_to_string(env.data_dir().join("sent.log")).unwrap();
    assert!(log.contains("\"replaced\""), "{log}");
}

// --- The window ----------------------------------------------------------------------

mod window {

    use egui_kittest::kittest::Queryable;
    use visit_rating::mock_server::Faults;
    use visit_rating::outbox::Outbox;

    use crate::support::ui::{
        SUBMIT, TOKEN, fill, harness, server, settle, setup_for, step_until, step_until_within,
    };

    fn at_a_desk(
        url: &str,
        data: &std::path::Path,
    ) -> egui_kittest::Harness<'static, visit_rating::ui::RatingApp> {
        let mut setup = setup_for(url, TOKEN);
        setup.data_dir = Some(data.to_owned());
        harness(setup)
    }

    fn send(harness: &mut egui_kittest::Harness<'static, visit_rating::ui::RatingApp>, id: &str) {
        fill(harness, id, [5, 4, 3, 2]);
        harness.get_by_label(SUBMIT).click();
        step_until(harness, |app| {
            !app.is_sending() && app.last_result().is_some()
        });
    }

    #[test]
    fn a_gateways_page_is_shown_as_such_and_the_rating_kept() {
        let server = server();
        server.state().set_faults(Faults {
            gateway_refusal: Some(403),
            ..Faults::default()
        });
        let data = tempfile::tempdir().unwrap();
        let mut harness = at_a_desk(&server.url(), data.path());
        send(&mut harness, "desk-gateway");
        harness.get_by_label("Сервер или шлюз перед ним отказал в доступе.");
        harness.get_by_label("Ответ сервера: HTTP 403");
        harness.get_by_label_contains("the page's title: 403 Forbidden");
        harness.get_by_label_contains("Оценка сохранена. Ответ пришёл не от портала");
        step_until_within(&mut harness, 1000, |app| {
            app.outbox_status().is_some_and(|s| s.waiting == 1)
        });
        assert_eq!(server.state().ratings().len(), 0);
    }

    #[test]
    fn a_200_carrying_5008_is_a_token_problem_in_the_window() {
        let server = server();
        server.state().set_faults(Faults {
            ok_with_error: Some("5008".into()),
            ..Faults::default()
        });
        let data = tempfile::tempdir().unwrap();
        let mut harness = at_a_desk(&server.url(), data.path());
        send(&mut harness, "desk-ok-5008");
        harness.get_by_label("Сервер не принял токен доступа.");
        harness.get_by_label("Ответ сервера: «Токен некорректен» (код 5008, HTTP 200)");
        harness.get_by_label("Заменить токен");
        step_until_within(&mut harness, 1000, |app| {
            app.outbox_status()
                .is_some_and(|s| s.waiting == 1 && s.paused.is_some())
        });
    }

    #[test]
    fn a_rejection_at_a_desk_is_kept_and_a_person_marks_it_replaced_in_the_queue_view() {
        let server = server();
        let data = tempfile::tempdir().unwrap();
        let wrong = format!("{}/wrong-prefix", server.url());
        let mut harness = at_a_desk(&wrong, data.path());
        send(&mut harness, "desk-typo");
        harness.get_by_label("Сервер отклонил оценку.");
        harness.get_by_label("Ответ сервера: «Некорректный запрос.» (код 4001, HTTP 404)");
        harness.get_by_label_contains("Оценка оставлена в очереди как требующая внимания");
        step_until_within(&mut harness, 1000, |app| {
            app.outbox_status().is_some_and(|s| s.needs_attention == 1)
        });

        harness.get_by_label("Очередь").click();
        settle(&mut harness);
        harness.get_by_label("desk-typo — требует внимания");
        harness.get_by_label("Заменена другой оценкой").click();
        settle(&mut harness);
        // Nothing happens before the confirmation.
        assert_eq!(
            Outbox::open(data.path())
                .unwrap()
                .list()
                .unwrap()
                .entries
                .len(),
            1
        );
        harness
            .get_by_label("Точно отметить как заменённую?")
            .click();
        settle(&mut harness);
        harness.get_by_label("Оценка отмечена как заменённая и убрана из очереди.");
        assert!(
            Outbox::open(data.path())
                .unwrap()
                .list()
                .unwrap()
                .entries
                .is_empty()
        );
        let log = std::fs::read_to_string(data.path().join("sent.log")).unwrap();
        assert!(
            log.contains("\"replaced\"") && log.contains("desk-typo"),
            "{log}"
        );
    }

    /// Save a rating for `visit` in `outbox`, for a server that is no longer configured
    /// (`https://old-rpgu.example:443`): it waits, never sent until moved.
    fn save_for_old_server(outbox: &Outbox, visit: &str) {
        let rating = visit_rating::rating::Rating {
            scores: [5, 5, 4, 4].map(|v| visit_rating::rating::Score::new(v).unwrap()),
            notes: String::new(),
            didnt_visit: false,
        };
        let id = visit_rating::api::VisitId::parse(visit).unwrap();
        outbox
            .enqueue(&id, &rating, "https://old-rpgu.example:443")
            .unwrap();
    }

    /// The queue view lists as many ratings as the window holds below its buttons: its
    /// table used to take the least height a scroll area takes inside the screen's own
    /// (about one rating), and the rest were only seen by scrolling that strip.
    #[test]
    fn the_queue_view_lists_as_many_ratings_as_the_window_holds() {
        let server = server();
        let data = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(data.path()).unwrap();
        let visits = ["list-0", "list-1", "list-2", "list-3"];
        for visit in visits {
            save_for_old_server(&outbox, visit);
        }
        let mut harness = at_a_desk(&server.url(), data.path());
        step_until_within(&mut harness, 1000, |app| {
            app.outbox_status().is_some_and(|s| s.other_server == 4)
        });
        harness.get_by_label("Очередь").click();
        settle(&mut harness);
        for visit in visits {
            harness.get_by_label(&format!(
                "{visit} — сохранена для другого сервера: https://old-rpgu.example:443"
            ));
        }
    }

    #[test]
    fn ratings_for_another_server_move_only_on_a_confirmed_button() {
        let server = server();
        let data = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(data.path()).unwrap();
        save_for_old_server(&outbox, "saved-for-old-server");
        let mut harness = at_a_desk(&server.url(), data.path());
        step_until_within(&mut harness, 1000, |app| {
            app.outbox_status().is_some_and(|s| s.other_server == 1)
        });
        harness.get_by_label_contains("для другого сервера: 1");
        harness.get_by_label("Очередь").click();
        settle(&mut harness);
        harness.get_by_label(
            "saved-for-old-server — сохранена для другого сервера: https://old-rpgu.example:443",
        );
        harness
            .get_by_label("Отправить на текущий сервер (1)")
            .click();
        settle(&mut harness);
        assert!(
            server.state().requests().is_empty(),
            "not before the confirmation"
        );
        let question = format!(
            "Точно отправить на {}?",
            visit_rating::api::origin(&server.url())
        );
        harness.get_by_label(&question);
        harness
            .get_all_by_label("Отправить на текущий сервер (1)")
            .last()
            .unwrap()
            .click();
        settle(&mut harness);
        harness.get_by_label("Перенесено на текущий сервер: 1");
        step_until_within(&mut harness, 1000, |_| server.state().ratings().len() == 1);
        assert_eq!(server.state().ratings()[0].history, "saved-for-old-server");
        // The open list follows the sender: the delivered rating leaves it by itself.
        step_until_within(&mut harness, 1000, |app| {
            app.outbox_status()
                .is_some_and(|s| s.waiting + s.other_server == 0 && !s.sending)
        });
        settle(&mut harness);
        assert!(
            harness
                .query_by_label_contains("saved-for-old-server")
                .is_none()
        );
    }
}
