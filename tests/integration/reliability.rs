//! Reliability: how a submission ends when the network or the server misbehaves.
//!
//! Small purpose-built servers (plain `std::net` on `127.0.0.1:0`, writing raw bytes)
//! play the faults a real network produces; the stand-in server's fault options and a
//! crowd of concurrent senders cover the rest. Each test asserts the documented rule
//! (`src/api/outcome.rs`): a failure with no usable answer is `transient`, so the rating
//! is kept for a later attempt; reading is bounded; the token never follows a redirect.
//!
//! An untrusted TLS certificate (clear error, no request and so no token sent) is covered
//! in `tls.rs`: `an_untrusted_certificate_is_a_clear_error_and_the_token_is_not_sent`.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use egui_kittest::kittest::Queryable;
use visit_rating::api::{ClientSettings, Outcome, OutcomeKind, RatingClient, VisitId};
use visit_rating::mock_server::{Faults, MockOptions, RunningMock};
use visit_rating::rating::{Rating, Score};
use visit_rating::secrets::Token;
use visit_rating::ui::app::{LastResult, Screen};

use crate::support::cli::assert_transient;
use crate::support::{UserEnv, unique, wait_until};

const TOKEN: &str = "reliability-token-5f1e9a";

/// The error model for 5030, as the portal sends it.
const ALREADY: &str = r#"{"code":400,"message":"Отзыв уже существует","message_code":"5030"}"#;

/// What a purpose-built server does with a connection once it has read the request.
type Behaviour = dyn Fn(TcpStream) + Send + Sync;

/// A tiny HTTP server that reads each request, records it, and hands the connection to
/// its behaviour, which writes whatever bytes the test wants (or nothing at all).
pub(crate) struct RawServer {
    addr: SocketAddr,
    /// Every request received, head and body, as text (lossy).
    requests: Arc<Mutex<Vec<String>>>,
    /// Connections accepted (a client that connects but sends nothing still counts).
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RawServer {
    pub(crate) fn start(behaviour: impl Fn(TcpStream) + Send + Sync + 'static) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let behaviour: Arc<Behaviour> = Arc::new(behaviour);
        let thread = {
            let (requests, connections, stop) = (
                Arc::clone(&requests),
                Arc::clone(&connections),
                Arc::clone(&stop),
            );
            std::thread::Builder::new()
                .name("raw-server-accept".into())
                .spawn(move || {
                    for stream in listener.incoming() {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(mut stream) = stream else { continue };
                        connections.fetch_add(1, Ordering::SeqCst);
                        let (requests, behaviour) = (Arc::clone(&requests), Arc::clone(&behaviour));
                        std::thread::Builder::new()
                            .name("raw-server-conn".into())
                            .spawn(move || {
                                // No test connection lives longer than this.
                                stream
                                    .set_read_timeout(Some(Duration::from_secs(10)))
                                    .unwrap();
                                if let Some(request) = read_request(&mut stream) {
                                    requests
                                        .lock()
                                        .unwrap()
                                        .push(String::from_utf8_lossy(&request).into_owned());
                                    behaviour(stream);
                                }
                            })
                            .unwrap();
                    }
                })
                .unwrap()
        };
        RawServer {
            addr,
            requests,
            connections,
            stop,
            thread: Some(thread),
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        crate::support::stop_accept_loop(&self.stop, self.addr, self.thread.take());
    }
}

/// Read one request: the head up to the blank line, then `Content-Length` bytes of body.
fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let n = stream.read(&mut buf).ok().filter(|n| *n > 0)?;
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).ok().filter(|n| *n > 0)?;
        data.extend_from_slice(&buf[..n]);
    }
    Some(data)
}

/// Block until the client closes the connection (or the 10 s read timeout passes).
fn wait_for_close(stream: &mut TcpStream) {
    let mut buf = [0u8; 64];
    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
}

fn rating() -> Rating {
    Rating {
        scores: [5, 4, 5, 3].map(|v| Score::new(v).unwrap()),
        notes: "Спасибо 👍".into(),
        didnt_visit: false,
    }
}

fn client_with_timeout(url: &str, timeout: Duration) -> RatingClient {
    let mut settings = ClientSettings::new(url);
    settings.connect_timeout = Duration::from_secs(2);
    settings.request_timeout = timeout;
    RatingClient::new(&settings).unwrap()
}

/// One submission through the real client, with a 5 s ceiling.
fn send(url: &str) -> Outcome {
    send_with_timeout(url, Duration::from_secs(5))
}

fn send_with_timeout(url: &str, timeout: Duration) -> Outcome {
    client_with_timeout(url, timeout).submit(
        &VisitId::parse("reliability-visit").unwrap(),
        &rating(),
        &Token::new(TOKEN).unwrap(),
    )
}

fn detail(outcome: &Outcome) -> &str {
    outcome.detail.as_deref().unwrap_or_default()
}

/// `visit-rating submit --json` against `url` as a fresh user with `config` (settings
/// file text), returning the exit code and the JSON object.
fn cli_submit(url: &str, config: &str) -> (Option<i32>, serde_json::Value, String) {
    let env = UserEnv::new();
    env.write_config(config);
    let output = env
        .cli()
        .token(TOKEN)
        .submit(url, &unique("cli-visit"))
        .scores("5,4,5,3")
        .arg("--json")
        .run();
    (output.code, output.json(), output.all())
}

// --- A server that accepts and never answers -----------------------------------------

fn silent_server() -> RawServer {
    RawServer::start(|mut stream| wait_for_close(&mut stream))
}

#[test]
fn a_server_that_never_answers_times_out_as_transient() {
    let server = silent_server();
    let outcome = send_with_timeout(&server.url(), Duration::from_secs(1));
    assert_eq!(outcome.kind, OutcomeKind::Transient, "{outcome:?}");
    assert_eq!(outcome.http_status, None);
    assert!(
        detail(&outcome).contains("did not answer in time"),
        "{outcome:?}"
    );
    // The request (with the token) did reach the configured server: only it.
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].contains(&format!("Bearer {TOKEN}")));
}

#[test]
fn a_server_that_never_answers_exits_5_from_the_cli() {
    let server = silent_server();
    let (code, value, all) = cli_submit(&server.url(), "request_timeout_secs = 1\n");
    assert_eq!(code, Some(5), "{value}");
    assert_transient(&value, "did not answer in time");
    assert_eq!(value["http_status"], serde_json::Value::Null);
    assert!(!all.contains(TOKEN));
}

/// Headers just before the request's timeout, then a body that never comes: the whole
/// request (connect, headers, body) still ends at `request_timeout_secs`, not a read
/// timeout later (once 59 s for a 30 s timeout, «Отправка…» on screen for a minute).
#[test]
fn headers_just_before_the_timeout_and_a_stalled_body_end_at_the_timeout() {
    const TIMEOUT_SECS: u64 = 3;
    let server = RawServer::start(|mut stream| {
        std::thread::sleep(Duration::from_millis(TIMEOUT_SECS * 900));
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"code\"",
        );
        wait_for_close(&mut stream);
    });
    let started = std::time::Instant::now();
    let (code, value, all) = cli_submit(
        &server.url(),
        &format!("request_timeout_secs = {TIMEOUT_SECS}\n"),
    );
    let took = started.elapsed();
    eprintln!("headers at 0.9 x {TIMEOUT_SECS} s, then a stall: the command took {took:.2?}");
    assert_eq!(code, Some(5), "{all}");
    assert_transient(&value, "did not answer in time");
    // The timeout and the process's start and end; a read timeout more (1.9 x) fails.
    assert!(
        took < Duration::from_millis(TIMEOUT_SECS * 1500),
        "the command took {took:.2?} with a {TIMEOUT_SECS} s request timeout"
    );
}

#[test]
fn a_server_that_never_answers_leaves_the_form_filled_in_the_window() {
    use crate::support::ui::{SUBMIT, fill, harness, setup_for, step_until};
    let server = silent_server();
    let mut setup = setup_for(&server.url(), TOKEN);
    setup.config.request_timeout_secs = 1;
    let mut harness = harness(setup);
    fill(&mut harness, "visit-silent", [1, 2, 3, 4]);
    harness.get_by_label(SUBMIT).click();
    step_until(&mut harness, |app| {
        !app.is_sending() && app.last_result().is_some()
    });
    assert!(matches!(
        harness.state().last_result(),
        Some(LastResult::Sent(report))
            if report.outcome.kind == OutcomeKind::Transient && report.outcome.http_status.is_none()
    ));
    assert_eq!(harness.state().screen(), Screen::Form);
    crate::support::ui::assert_form_kept(&harness, "visit-silent");
}

// --- A connection reset mid-answer ---------------------------------------------------

/// Abort the connection: `SO_LINGER` 0 makes close send a RST.
fn reset(stream: TcpStream) {
    socket2::SockRef::from(&stream)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(stream);
}

#[test]
fn a_reset_in_the_middle_of_the_answer_is_transient() {
    let server = RawServer::start(|mut stream| {
        let body = ALREADY.as_bytes();
        let head = format!(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body[..body.len() / 2]).unwrap();
        stream.flush().unwrap();
        // Let the client read the head, then abort.
        std::thread::sleep(Duration::from_millis(100));
        reset(stream);
    });
    let outcome = send(&server.url());
    assert_eq!(outcome.kind, OutcomeKind::Transient, "{outcome:?}");
    // Half a 5030 model is not a 5030: nothing of the broken answer is trusted.
    assert_eq!(outcome.message_code, None);
    assert!(detail(&outcome).contains("connection broke"), "{outcome:?}");
}

#[test]
fn a_reset_before_any_answer_is_transient() {
    let server = RawServer::start(|stream| {
        reset(stream);
    });
    let outcome = send(&server.url());
    assert_eq!(outcome.kind, OutcomeKind::Transient, "{outcome:?}");
    assert_eq!(outcome.http_status, None);
    assert!(!detail(&outcome).is_empty());
}

#[test]
fn an_answer_cut_short_of_its_content_length_is_transient() {
    let server = RawServer::start(|mut stream| {
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"code\":200")
            .unwrap();
        let _ = stream.shutdown(std::net::Shutdown::Both);
    });
    let outcome = send(&server.url());
    // Even a 200 whose body breaks off is not trusted as "accepted"; a retry that finds
    // the rating stored ends as already_recorded.
    assert_eq!(outcome.kind, OutcomeKind::Transient, "{outcome:?}");
    assert_eq!(outcome.http_status, Some(200));
    assert!(detail(&outcome).contains("connection broke"), "{outcome:?}");
}

// --- A server that dribbles its answer byte by byte ---------------------------------

fn dribbling_server(pause: Duration) -> RawServer {
    RawServer::start(move |mut stream| {
        stream.set_nodelay(true).unwrap();
        let answer = format!(
            "HTTP/1.1 400 Bad Request\r\nContent-Length: {}\r\n\r\n{ALREADY}",
            ALREADY.len()
        );
        for byte in answer.as_bytes() {
            if stream.write_all(&[*byte]).is_err() {
                return; // the client gave up
            }
            std::thread::sleep(pause);
        }
        wait_for_close(&mut stream);
    })
}

#[test]
fn an_answer_dribbled_byte_by_byte_is_read_whole() {
    // 150 bytes, one every 5 ms, each Cyrillic letter split across two writes.
    let server = dribbling_server(Duration::from_millis(5));
    let outcome = send(&server.url());
    assert_eq!(outcome.kind, OutcomeKind::AlreadyRecorded, "{outcome:?}");
    assert_eq!(outcome.message.as_deref(), Some("Отзыв уже существует"));
}

#[test]
fn a_dribble_slower_than_the_request_timeout_is_cut_off_as_transient() {
    // One byte every 20 ms would take 3 s; the whole request may take 1 s. The timeout
    // bounds the whole exchange, not each read, so a slow-loris server cannot hold us.
    let server = dribbling_server(Duration::from_millis(20));
    let outcome = send_with_timeout(&server.url(), Duration::from_secs(1));
    assert_eq!(outcome.kind, OutcomeKind::Transient, "{outcome:?}");
    // Had we waited, the whole 5030 answer would have arrived: it did not.
    assert!(
        detail(&outcome).contains("did not answer in time"),
        "{outcome:?}"
    );
    assert_eq!(outcome.message_code, None);
}

// --- A server that answers 50 MB ----------------------------------------------------

const FIFTY_MB: u64 = 50 * 1024 * 1024;

/// A server that answers `status` with a 50 MB body and counts the bytes it managed to
/// write before the client hung up.
fn huge_server(status: &'static str) -> HugeServer {
    let (written, done) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let (counted, finished) = (Arc::clone(&written), Arc::clone(&done));
    let server = RawServer::start(move |mut stream| {
        let head = format!("HTTP/1.1 {status}\r\nContent-Length: {FIFTY_MB}\r\n\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        let chunk = vec![b'x'; 64 * 1024];
        let mut total = 0u64;
        while total < FIFTY_MB {
            match stream.write(&chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n as u64,
            }
            counted.store(total, Ordering::SeqCst);
        }
        finished.store(true, Ordering::SeqCst);
    });
    HugeServer {
        server,
        written,
        done,
    }
}

/// [`huge_server`] and what it has written so far.
struct HugeServer {
    server: RawServer,
    written: Arc<AtomicU64>,
    done: Arc<AtomicBool>,
}

impl HugeServer {
    /// Once it has noticed the client is gone: check that the client read at most
    /// 1 MiB and a byte and hung up, so the server wrote that plus what the kernel's
    /// socket buffers hold, nowhere near 50 MB.
    fn assert_not_read_past_the_cap(&self) {
        wait_until(
            "the huge server noticed the client is gone",
            Duration::from_secs(10),
            || self.done.load(Ordering::SeqCst),
        );
        let written = self.written.load(Ordering::SeqCst);
        assert!(
            written < 16 * 1024 * 1024,
            "the server wrote {written} bytes"
        );
    }
}

#[test]
fn a_50_mb_answer_is_not_read_past_the_cap() {
    let huge = huge_server("502 Bad Gateway");
    let outcome = send(&huge.server.url());
    assert_eq!(outcome.kind, OutcomeKind::Transient, "{outcome:?}");
    assert_eq!(outcome.http_status, Some(502));
    assert!(detail(&outcome).contains("larger than"), "{outcome:?}");
    huge.assert_not_read_past_the_cap();
}

#[test]
fn a_50_mb_success_answer_is_accepted_without_reading_it_all() {
    let huge = huge_server("200 OK");
    let outcome = send(&huge.server.url());
    assert_eq!(outcome.kind, OutcomeKind::Accepted, "{outcome:?}");
    huge.assert_not_read_past_the_cap();
}

#[test]
fn a_50_mb_answer_exits_5_from_the_cli() {
    let huge = huge_server("500 Internal Server Error");
    let (code, value, _) = cli_submit(&huge.server.url(), "");
    assert_eq!(code, Some(5), "{value}");
    assert_eq!(value["http_status"], 500);
    assert!(
        value["detail"].as_str().unwrap().contains("larger than"),
        "{value}"
    );
    huge.assert_not_read_past_the_cap();
}

// --- A redirect to another host -----------------------------------------------------

/// A server that answers every request with `status` and a `Location` on `target`.
fn redirecting_server(status: &'static str, target: String) -> RawServer {
    RawServer::start(move |mut stream| {
        let answer =
            format!("HTTP/1.1 {status}\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n");
        stream.write_all(answer.as_bytes()).unwrap();
        wait_for_close(&mut stream);
    })
}

#[test]
fn a_redirect_to_another_host_is_not_followed_and_the_token_stays_home() {
    let elsewhere = RawServer::start(|mut stream| {
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
    });
    let target = format!(
        "http://localhost:{}/api/v2/iemk/doctors/visit/rating/stolen",
        elsewhere.addr.port()
    );
    for status in [
        "301 Moved Permanently",
        "302 Found",
        "303 See Other",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        let server = redirecting_server(status, target.clone());
        let outcome = send(&server.url());
        assert_eq!(
            outcome.kind,
            OutcomeKind::Transient,
            "{status}: {outcome:?}"
        );
        assert_eq!(outcome.http_status, Some(status[..3].parse().unwrap()));
        assert!(detail(&outcome).contains(&target), "{status}: {outcome:?}");
        assert_eq!(server.requests().len(), 1);
    }
    // The other host never saw a connection, so never a request nor the token.
    assert_eq!(elsewhere.connections(), 0);
    assert!(elsewhere.requests().is_empty());
}

#[test]
fn a_redirect_exits_5_from_the_cli_and_names_the_target() {
    let elsewhere = RawServer::start(|_| {});
    let target = format!("http://localhost:{}/login", elsewhere.addr.port());
    let server = redirecting_server("307 Temporary Redirect", target.clone());
    let (code, value, all) = cli_submit(&server.url(), "");
    assert_eq!(code, Some(5), "{value}");
    assert_eq!(value["outcome"], "transient");
    assert_eq!(value["http_status"], 307);
    assert!(
        value["detail"].as_str().unwrap().contains(&target),
        "{value}"
    );
    assert!(!all.contains(TOKEN));
    assert_eq!(elsewhere.connections(), 0);
}

// --- HTTP/1.0 and chunked answers ---------------------------------------------------

/// Answers with `answer` (raw bytes) and closes the connection.
pub(crate) fn answering_server(answer: Vec<u8>) -> RawServer {
    RawServer::start(move |mut stream| {
        stream.write_all(&answer).unwrap();
        let _ = stream.shutdown(std::net::Shutdown::Write);
        wait_for_close(&mut stream);
    })
}

#[test]
fn an_http_1_0_answer_without_length_is_read_to_the_close() {
    let server = answering_server(
        format!("HTTP/1.0 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{ALREADY}")
            .into_bytes(),
    );
    let outcome = send(&server.url());
    assert_eq!(outcome.kind, OutcomeKind::AlreadyRecorded, "{outcome:?}");
    assert_eq!(outcome.message.as_deref(), Some("Отзыв уже существует"));

    let server = answering_server(b"HTTP/1.0 200 OK\r\n\r\n{\"code\":200}".to_vec());
    assert_eq!(send(&server.url()).kind, OutcomeKind::Accepted);
}

#[test]
fn a_chunked_answer_is_reassembled_even_across_a_split_letter() {
    let body = ALREADY.as_bytes();
    // Cut inside «О» (two bytes in UTF-8) and elsewhere: the model must still parse.
    let split = ALREADY.find('О').unwrap() + 1;
    let mut answer = b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for part in [&body[..7], &body[7..split], &body[split..]] {
        answer.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        answer.extend_from_slice(part);
        answer.extend_from_slice(b"\r\n");
    }
    answer.extend_from_slice(b"0\r\n\r\n");
    let server = answering_server(answer);
    let outcome = send(&server.url());
    assert_eq!(outcome.kind, OutcomeKind::AlreadyRecorded, "{outcome:?}");
    assert_eq!(outcome.message.as_deref(), Some("Отзыв уже существует"));
    assert_eq!(outcome.message_code.as_deref(), Some("5030"));
}

#[test]
fn a_chunked_answer_cut_before_its_last_chunk_is_transient() {
    let server = answering_server(
        b"HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"cod\r\n"
            .to_vec(),
    );
    let outcome = send(&server.url());
    assert_eq!(outcome.kind, OutcomeKind::Transient, "{outcome:?}");
    assert!(detail(&outcome).contains("connection broke"), "{outcome:?}");
}

// --- The stand-in server's faults ---------------------------------------------------

fn mock(faults: Faults, seed: Option<u64>) -> RunningMock {
    RunningMock::start(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        MockOptions {
            tokens: vec![TOKEN.to_owned()],
            faults,
            seed,
            ..MockOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn a_timeout_after_the_server_stored_the_rating_ends_as_already_recorded_on_retry() {
    // The server is slower than our timeout but does store the rating: the first
    // attempt is transient (kept), the retry is a final success, and the server holds
    // exactly one rating.
    let server = mock(
        Faults {
            latency_ms: 1500,
            ..Faults::default()
        },
        None,
    );
    let client = client_with_timeout(&server.url(), Duration::from_secs(1));
    let (id, token) = (
        VisitId::parse("slow-visit").unwrap(),
        Token::new(TOKEN).unwrap(),
    );
    let first = client.submit(&id, &rating(), &token);
    assert_eq!(first.kind, OutcomeKind::Transient, "{first:?}");
    server.state().set_faults(Faults::default());
    let retry =
        client_with_timeout(&server.url(), Duration::from_secs(5)).submit(&id, &rating(), &token);
    assert!(retry.kind.is_final_success(), "{retry:?}");
    // The slow first request may land after the retry; either way one rating is stored.
    let retry_again = client.submit(&id, &rating(), &token);
    assert_eq!(retry_again.kind, OutcomeKind::AlreadyRecorded);
    let stored: Vec<_> = server
        .state()
        .ratings()
        .into_iter()
        .filter(|r| r.history == "slow-visit")
        .collect();
    assert_eq!(stored.len(), 1);
}

#[test]
fn dropped_connections_and_503s_are_transient_and_retries_lose_nothing() {
    // Half the requests fail (503 as an HTML page, or the connection dropped); a plain
    // retry loop gets every rating through exactly once.
    let server = mock(
        Faults {
            fail_rate: 0.3,
            html_errors: true,
            drop_rate: 0.3,
            ..Faults::default()
        },
        Some(7),
    );
    let client = client_with_timeout(&server.url(), Duration::from_secs(5));
    let token = Token::new(TOKEN).unwrap();
    let mut transient = 0;
    for i in 0..20 {
        let id = VisitId::parse(&format!("flaky-{i}")).unwrap();
        let mut attempts = 0;
        loop {
            attempts += 1;
            assert!(attempts < 100, "flaky-{i} never got through");
            let outcome = client.submit(&id, &rating(), &token);
            if outcome.kind.is_final_success() {
                break;
            }
            assert_eq!(outcome.kind, OutcomeKind::Transient, "{outcome:?}");
            transient += 1;
        }
    }
    assert!(transient > 0, "the faults were in force");
    let mut stored: Vec<String> = server
        .state()
        .ratings()
        .into_iter()
        .map(|r| r.history)
        .collect();
    stored.sort();
    let mut expected: Vec<String> = (0..20).map(|i| format!("flaky-{i}")).collect();
    expected.sort();
    assert_eq!(stored, expected);
    let statuses: HashSet<Option<u16>> =
        server.state().requests().iter().map(|r| r.status).collect();
    assert!(statuses.contains(&None), "some connections were dropped");
    assert!(statuses.contains(&Some(503)), "some requests got a 503");
}

// --- 200 concurrent submissions -----------------------------------------------------

#[test]
fn two_hundred_concurrent_submissions_store_each_rating_exactly_once() {
    const DISTINCT: usize = 200;
    const DUPLICATES: usize = 25;
    let server = mock(Faults::default(), None);
    // One client shared by every thread, as the app's sender shares its connection pool.
    let client = client_with_timeout(&server.url(), Duration::from_secs(30));
    let token = Token::new(TOKEN).unwrap();
    let run = unique("crowd");
    let ids: Vec<String> = (0..DISTINCT)
        .chain(0..DUPLICATES) // the first 25 ids are sent twice, at the same moment
        .map(|i| format!("{run}-{i:03}"))
        .collect();
    let barrier = Arc::new(Barrier::new(ids.len()));
    let threads: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            let (client, token, barrier) = (client.clone(), token.clone(), Arc::clone(&barrier));
            let id = VisitId::parse(id).unwrap();
            std::thread::Builder::new()
                .name(format!("crowd-{n}"))
                .spawn(move || {
                    barrier.wait();
                    (
                        id.as_str().to_owned(),
                        client.submit(&id, &rating(), &token).kind,
                    )
                })
                .unwrap()
        })
        .collect();
    let mut results: HashMap<String, Vec<OutcomeKind>> = HashMap::new();
    for thread in threads {
        let (id, kind) = thread.join().unwrap();
        results.entry(id).or_default().push(kind);
    }

    assert_eq!(results.len(), DISTINCT);
    for (id, kinds) in &results {
        let accepted = kinds
            .iter()
            .filter(|k| **k == OutcomeKind::Accepted)
            .count();
        let already = kinds
            .iter()
            .filter(|k| **k == OutcomeKind::AlreadyRecorded)
            .count();
        // Exactly one sender of each id wins; its twin (if any) learns it is recorded.
        assert_eq!(accepted, 1, "{id}: {kinds:?}");
        assert_eq!(already, kinds.len() - 1, "{id}: {kinds:?}");
    }
    let stored = server.state().ratings();
    assert_eq!(stored.len(), DISTINCT, "none lost, none twice");
    let stored_ids: HashSet<&str> = stored.iter().map(|r| r.history.as_str()).collect();
    assert_eq!(stored_ids.len(), DISTINCT);
    assert!(results.keys().all(|id| stored_ids.contains(id.as_str())));
    assert_eq!(server.state().requests().len(), DISTINCT + DUPLICATES);
}
