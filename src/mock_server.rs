//! The stand-in server: answers like the real portal, for acceptance testers, for the
//! demo mode and for our own tests.
//!
//! It serves `POST /api/v2/iemk/doctors/visit/rating/{history}` and checks, in this
//! order, the way the real server is specified to:
//!
//! 1. faults chosen by the tester (latency, a share of 503s, HTML error pages, dropped
//!    connections, every answer a 200 carrying the error model, every answer a
//!    gateway's HTML 401/403);
//! 2. the bearer header: missing or not `Bearer <token>` → 403/5010; the expired token →
//!    403/5007; the bad-signature token → 403/5009; any other unknown token → 403/5008;
//! 3. the body, strictly: a JSON object with exactly the six lowercase fields, scores
//!    JSON integers 1..5 (even when `dont_visit` is 1), `notes` a string, `dont_visit`
//!    0 or 1 → otherwise 400/4002 with a message naming the field;
//! 4. a second rating for the same visit → 400/5030;
//! 5. otherwise it keeps the rating and answers 200 `{"code":200,"message_code":"2000"}`.
//!
//! Any other path → 404/4001 «Некорректный запрос.». The real server's validation
//! message code is not specified; 4002 is ours.
//!
//! Control endpoints for testers (JSON): `GET /__mock/ratings` (what was accepted),
//! `GET /__mock/requests` (every request to the rating path and what it got),
//! `GET|PUT /__mock/faults`, `DELETE /__mock/ratings` (forget everything). They show
//! patients' remarks, so every [`router`] answers them only to a request that carries
//! the server's own key in [`CONTROL_KEY_HEADER`] (401 without it, 403 with another):
//! a random key from the operating system's CSPRNG, made per server
//! ([`random_control_key`]), unless the one starting it gives its own. Another user of
//! the same machine cannot read a kiosk's remarks through them, not even those of the
//! demo's in-process server (whose key nobody is told). [`serve`] (the `mock-server`
//! command) also answers them only to loopback clients unless told to expose them
//! (`--expose-control`).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::api::ENDPOINT_PATH;

/// The token the stand-in server accepts when no `--token` is given, and the demo uses.
pub const DEMO_TOKEN: &str = "demo-token";
/// The token the stand-in server answers 5007 (expired) for, unless changed.
pub const EXPIRED_TOKEN: &str = "expired-token";
/// The token the stand-in server answers 5009 (bad signature) for, unless changed.
pub const BAD_SIGNATURE_TOKEN: &str = "bad-signature-token";

/// The request header that carries the control key on `/__mock/*`.
pub const CONTROL_KEY_HEADER: &str = "X-Mock-Key";
/// The environment variable that gives `mock-server` its control key instead of a
/// random one: a test harness's way. Not a command-line flag, which every local user
/// can read (`/proc/PID/cmdline`); a process's environment is its user's alone.
pub const CONTROL_KEY_ENV: &str = "VISIT_RATING_MOCK_KEY";
/// The shortest control key accepted from [`CONTROL_KEY_ENV`].
pub const MIN_CONTROL_KEY_CHARS: usize = 16;

/// A fresh control key: 16 bytes from the operating system's CSPRNG (`getrandom`), as
/// 32 lowercase hex digits.
pub fn random_control_key() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        std::io::Error::other(format!("the operating system gave no random bytes: {e}"))
    })?;
    Ok(bytes.iter().fold(String::with_capacity(32), |mut hex, b| {
        use std::fmt::Write as _;
        let _ = write!(hex, "{b:02x}");
        hex
    }))
}

/// Whether `key` may be a control key: at least [`MIN_CONTROL_KEY_CHARS`] visible
/// ASCII characters (it travels in a header), or why not.
pub fn check_control_key(key: &str) -> Result<(), String> {
    if key.len() >= MIN_CONTROL_KEY_CHARS && key.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(format!(
            "a control key is at least {MIN_CONTROL_KEY_CHARS} visible ASCII characters, without spaces"
        ))
    }
}

/// Faults a tester can switch on, at start or at run time (`PUT /__mock/faults`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Milliseconds to wait before answering any rating request.
    pub latency_ms: u64,
    /// Share (0..1) of rating requests answered 503.
    pub fail_rate: f64,
    /// The 503s are an HTML page (as from a proxy) instead of the error model.
    pub html_errors: bool,
    /// Share (0..1) of rating requests whose connection is dropped without an answer.
    pub drop_rate: f64,
    /// Answer every rating request HTTP 200 carrying the error model with this
    /// `message_code` (its `code` and `message` as the portal's table gives them), as
    /// portals that report errors with 200 do. Nothing is stored.
    pub ok_with_error: Option<String>,
    /// Answer every rating request with a gateway's HTML page with this status (401 or
    /// 403), as a proxy or firewall in front of the portal does. Nothing is stored.
    pub gateway_refusal: Option<u16>,
}

/// How the stand-in server behaves.
#[derive(Clone, Debug)]
pub struct MockOptions {
    /// Tokens that are accepted. Empty means [`DEMO_TOKEN`].
    pub tokens: Vec<String>,
    /// The token answered with 5007.
    pub expired_token: String,
    /// The token answered with 5009.
    pub bad_signature_token: String,
    /// Faults in force from the start.
    pub faults: Faults,
    /// Seed for the fault dice, for reproducible runs.
    pub seed: Option<u64>,
    /// The key `/__mock/*` asks for in [`CONTROL_KEY_HEADER`]; `None`: a random one
    /// ([`random_control_key`]), which only [`MockState::control_key`] tells.
    pub control_key: Option<String>,
    /// Where a tester finds the key, said when a request lacks it (e.g. "printed when
    /// the server started, and in FILE").
    pub control_key_hint: Option<String>,
}

impl Default for MockOptions {
    fn default() -> MockOptions {
        MockOptions {
            tokens: Vec::new(),
            expired_token: EXPIRED_TOKEN.to_owned(),
            bad_signature_token: BAD_SIGNATURE_TOKEN.to_owned(),
            faults: Faults::default(),
            seed: None,
            control_key: None,
            control_key_hint: None,
        }
    }
}

/// A rating the stand-in server accepted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredRating {
    /// The visit id, percent-decoded from the path.
    pub history: String,
    /// The body as received, byte for byte (it is valid UTF-8 JSON, or it would not
    /// have been accepted).
    pub raw_body: String,
    /// The body parsed.
    pub body: Value,
    /// Milliseconds since the Unix epoch.
    pub received_at_ms: u64,
}

/// One request to the rating path and how it was answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// The path as sent (still percent-encoded).
    pub path: String,
    /// The HTTP status answered, or `None` when the connection was dropped.
    pub status: Option<u16>,
    /// The `message_code` answered, if any.
    pub message_code: Option<String>,
    /// The `User-Agent` the client sent.
    pub user_agent: Option<String>,
}

struct Inner {
    ratings: Vec<StoredRating>,
    requests: Vec<RequestRecord>,
    faults: Faults,
    rng: fastrand::Rng,
}

/// The stand-in server's memory, shared by its handlers.
pub struct MockState {
    tokens: Vec<String>,
    expired_token: String,
    bad_signature_token: String,
    control_key: String,
    control_key_hint: Option<String>,
    inner: Mutex<Inner>,
}

impl MockState {
    /// Fresh state for `options`. Fails only when a random control key is needed and
    /// the operating system gives no random bytes.
    pub fn new(options: MockOptions) -> std::io::Result<Arc<MockState>> {
        let tokens = if options.tokens.is_empty() {
            vec![DEMO_TOKEN.to_owned()]
        } else {
            options.tokens
        };
        let control_key = match options.control_key {
            Some(key) => key,
            None => random_control_key()?,
        };
        Ok(Arc::new(MockState {
            tokens,
            expired_token: options.expired_token,
            bad_signature_token: options.bad_signature_token,
            control_key,
            control_key_hint: options.control_key_hint,
            inner: Mutex::new(Inner {
                ratings: Vec::new(),
                requests: Vec::new(),
                faults: options.faults,
                rng: options
                    .seed
                    .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed),
            }),
        }))
    }

    /// The key `/__mock/*` asks for ([`CONTROL_KEY_HEADER`]).
    pub fn control_key(&self) -> &str {
        &self.control_key
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A handler never panics while holding the lock; if one did, the data is still
        // consistent (every update is a single push), so carry on.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What was accepted so far.
    pub fn ratings(&self) -> Vec<StoredRating> {
        self.lock().ratings.clone()
    }

    /// Every request to the rating path so far.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.lock().requests.clone()
    }

    /// Replace the faults in force.
    pub fn set_faults(&self, faults: Faults) {
        self.lock().faults = faults;
    }
}

/// The stand-in server's routes over `state`; `/__mock/*` only with its control key.
pub fn router(state: Arc<MockState>) -> Router {
    Router::new()
        .route(&format!("/{ENDPOINT_PATH}/{{history}}"), post(rate))
        .route("/__mock/ratings", get(list_ratings).delete(forget))
        .route("/__mock/requests", get(list_requests))
        .route("/__mock/faults", get(get_faults).put(put_faults))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            control_key_required,
        ))
        .with_state(state)
}

/// Whether `path` is one of the control endpoints (or under their prefix).
fn is_control(path: &str) -> bool {
    path == "/__mock" || path.starts_with("/__mock/")
}

/// `/__mock/*` (which shows remarks) answers only a request with the server's key in
/// [`CONTROL_KEY_HEADER`]: 401 without it, 403 with another, each saying so in words.
async fn control_key_required(
    State(state): State<Arc<MockState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !is_control(request.uri().path()) {
        return next.run(request).await;
    }
    let hint = state
        .control_key_hint
        .as_deref()
        .map_or_else(String::new, |hint| format!(" ({hint})"));
    match request.headers().get(CONTROL_KEY_HEADER) {
        Some(given) if same_key(given.as_bytes(), state.control_key.as_bytes()) => {
            next.run(request).await
        }
        Some(_) => (
            StatusCode::FORBIDDEN,
            format!("the {CONTROL_KEY_HEADER} header does not hold this server's control key{hint}\n"),
        )
            .into_response(),
        None => (
            StatusCode::UNAUTHORIZED,
            format!(
                "the control endpoints show patients' remarks: send this server's control key in the header {CONTROL_KEY_HEADER}{hint}\n"
            ),
        )
            .into_response(),
    }
}

/// `given == key`, in a time that does not depend on where they first differ.
fn same_key(given: &[u8], key: &[u8]) -> bool {
    given.len() == key.len() && given.iter().zip(key).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// A stand-in server running on its own thread (with its own tokio runtime) until
/// dropped. Used by the demo mode and by tests.
pub struct RunningMock {
    addr: SocketAddr,
    state: Arc<MockState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RunningMock {
    /// Bind `addr` (port 0 picks a free port) and serve in the background.
    pub fn start(addr: SocketAddr, options: MockOptions) -> std::io::Result<RunningMock> {
        RunningMock::serve(std::net::TcpListener::bind(addr)?, options)
    }

    /// Serve in the background on a listener the caller already holds: a server that
    /// comes back on the very port it had, with no moment in which another program
    /// could take it.
    pub fn serve(
        listener: std::net::TcpListener,
        options: MockOptions,
    ) -> std::io::Result<RunningMock> {
        let state = MockState::new(options)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = router(Arc::clone(&state));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("mock-server-worker")
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("mock-server".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stopped.await;
                        })
                        .await;
                });
                // Connections still open (a client that never reads) must not keep
                // the thread alive.
                runtime.shutdown_timeout(Duration::from_millis(100));
            })?;
        Ok(RunningMock {
            addr,
            state,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Its memory.
    pub fn state(&self) -> &Arc<MockState> {
        &self.state
    }
}

impl Drop for RunningMock {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serve on `listener` until `shutdown` completes (the `mock-server` command).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<MockState>,
    expose_control: bool,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = if expose_control {
        router(state)
    } else {
        router(state).layer(axum::middleware::from_fn(control_on_loopback_only))
    };
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// `/__mock/*` (which shows remarks) answers only clients on this machine: 403 to
/// anyone else.
async fn control_on_loopback_only(
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if request.uri().path().starts_with("/__mock") && !peer.ip().to_canonical().is_loopback() {
        return (
            StatusCode::FORBIDDEN,
            "the control endpoints answer only on loopback (start the server with --expose-control to allow other machines)\n",
        )
            .into_response();
    }
    next.run(request).await
}

fn model(status: StatusCode, message: &str, message_code: &str) -> Response {
    (
        status,
        axum::Json(json!({
            "code": status.as_u16(),
            "message": message,
            "message_code": message_code,
        })),
    )
        .into_response()
}

async fn not_found() -> Response {
    model(StatusCode::NOT_FOUND, "Некорректный запрос.", "4001")
}

/// What one rating request gets.
enum Answer {
    Model(StatusCode, String, &'static str),
    /// HTTP 200 with the error model of this `message_code`.
    OkWithError(String),
    /// A gateway's HTML page with this status.
    Gateway(StatusCode),
    Html503,
    Drop,
}

/// The `code` and `message` the portal's table gives a `message_code` (ours for the
/// codes it does not list).
fn known_error(message_code: &str) -> (u16, &'static str) {
    match message_code {
        "5010" => (403, "Запрос должен содержать 'Authorization: Bearer ...'"),
        "5008" => (403, "Токен некорректен"),
        "5007" => (403, "Время действия токена истекло"),
        "5009" => (403, "Подпись запроса некорректна"),
        "5030" => (400, "Отзыв уже существует"),
        "4001" => (404, "Некорректный запрос."),
        "5000" => (503, "Сервис временно недоступен"),
        _ => (400, "Ошибка обработки запроса"),
    }
}

async fn rate(
    State(state): State<Arc<MockState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let faults = state.lock().faults.clone();
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    let raw_path = uri.path().to_owned();
    let history = raw_path
        .rsplit('/')
        .next()
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default();

    let answer = {
        let mut inner = state.lock();
        let (drop_roll, fail_roll) = (inner.rng.f64(), inner.rng.f64());
        if let Some(status) = faults.gateway_refusal {
            Answer::Gateway(StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN))
        } else if let Some(code) = &faults.ok_with_error {
            Answer::OkWithError(code.clone())
        } else if drop_roll < faults.drop_rate {
            Answer::Drop
        } else if fail_roll < faults.fail_rate {
            if faults.html_errors {
                Answer::Html503
            } else {
                Answer::Model(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Сервис временно недоступен".into(),
                    "5000",
                )
            }
        } else {
            match check_request(&state, &headers, &body) {
                Err(answer) => answer,
                Ok(parsed) if inner.ratings.iter().any(|r| r.history == history) => {
                    drop(parsed);
                    Answer::Model(
                        StatusCode::BAD_REQUEST,
                        "Отзыв уже существует".into(),
                        "5030",
                    )
                }
                Ok(parsed) => {
                    inner.ratings.push(StoredRating {
                        history: history.clone(),
                        raw_body: String::from_utf8_lossy(&body).into_owned(),
                        body: parsed,
                        received_at_ms: SystemTime::now()
                            .duration_since(UNIX_EPOCH)
                            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                    });
                    Answer::Model(StatusCode::OK, "Успешно".into(), "2000")
                }
            }
        }
    };

    let (status, message_code, response) = respond(answer);
    state.lock().requests.push(RequestRecord {
        path: raw_path,
        status,
        message_code,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    });
    response
}

/// The answer's HTTP status, `message_code` (for the request log) and response.
fn respond(answer: Answer) -> (Option<u16>, Option<String>, Response) {
    match answer {
        Answer::Model(status, message, code) => (
            Some(status.as_u16()),
            Some(code.to_owned()),
            model(status, &message, code),
        ),
        Answer::Html503 => (
            Some(503),
            None,
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                "<html><head><title>503 Service Temporarily Unavailable</title></head>\
                 <body><center><h1>503 Service Temporarily Unavailable</h1></center>\
                 <hr><center>nginx</center></body></html>",
            )
                .into_response(),
        ),
        Answer::OkWithError(message_code) => {
            let (code, message) = known_error(&message_code);
            let body = json!({"code": code, "message": message, "message_code": message_code});
            (
                Some(200),
                Some(message_code),
                (StatusCode::OK, axum::Json(body)).into_response(),
            )
        }
        Answer::Gateway(status) => {
            let reason = status.canonical_reason().unwrap_or("Forbidden");
            let page = format!(
                "<html><head><title>{code} {reason}</title></head>\
                 <body><center><h1>{code} {reason}</h1></center>\
                 <hr><center>nginx</center></body></html>",
                code = status.as_u16()
            );
            (
                Some(status.as_u16()),
                None,
                (
                    status,
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    page,
                )
                    .into_response(),
            )
        }
        Answer::Drop => (None, None, dropped_connection()),
    }
}

/// A response whose body fails at once: hyper then closes the connection without a
/// complete answer, as a crashing backend or a cut cable would.
fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("dropped by fault injection"))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_LENGTH, "100")
        .body(Body::from_stream(failing))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn check_request(state: &MockState, headers: &HeaderMap, body: &[u8]) -> Result<Value, Answer> {
    let forbidden =
        |message: &str, code| Err(Answer::Model(StatusCode::FORBIDDEN, message.into(), code));
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty() && !t.contains(' '));
    let Some(token) = token else {
        return forbidden(
            "Запрос должен содержать 'Authorization: Bearer ...'",
            "5010",
        );
    };
    if token == state.expired_token {
        return forbidden("Время действия токена истекло", "5007");
    }
    if token == state.bad_signature_token {
        return forbidden("Подпись запроса некорректна", "5009");
    }
    if !state.tokens.iter().any(|t| t == token) {
        return forbidden("Токен некорректен", "5008");
    }
    validate_body(body).map_err(|message| Answer::Model(StatusCode::BAD_REQUEST, message, "4002"))
}

/// The six fields of the body, in the specification's order.
const FIELDS: [&str; 6] = [
    "result_1",
    "result_2",
    "result_3",
    "result_4",
    "notes",
    "dont_visit",
];

/// Check a body strictly; the error names the field, in Russian like the server's.
pub fn validate_body(body: &[u8]) -> Result<Value, String> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| "Тело запроса должно быть корректным JSON.".to_owned())?;
    let Some(object) = value.as_object() else {
        return Err("Тело запроса должно быть объектом JSON.".into());
    };
    if let Some(unknown) = object.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        let lower = unknown.to_lowercase();
        return Err(if FIELDS.contains(&lower.as_str()) {
            format!(
                "Неизвестное поле '{unknown}': имена полей пишутся строчными буквами ('{lower}')."
            )
        } else {
            format!("Неизвестное поле '{unknown}'.")
        });
    }
    for field in FIELDS {
        let Some(v) = object.get(field) else {
            return Err(format!("Поле '{field}' обязательно."));
        };
        let ok = match field {
            "notes" => v.is_string(),
            "dont_visit" => matches!(v.as_u64(), Some(0 | 1)),
            _ => matches!(v.as_u64(), Some(1..=5)),
        };
        if !ok {
            return Err(match field {
                "notes" => "Поле 'notes' должно быть строкой.".to_owned(),
                "dont_visit" => "Поле 'dont_visit' должно быть целым числом 0 или 1.".to_owned(),
                _ => format!("Поле '{field}' должно быть целым числом от 1 до 5."),
            });
        }
    }
    Ok(value)
}

async fn list_ratings(State(state): State<Arc<MockState>>) -> axum::Json<Vec<StoredRating>> {
    axum::Json(state.ratings())
}

async fn list_requests(State(state): State<Arc<MockState>>) -> axum::Json<Vec<RequestRecord>> {
    axum::Json(state.requests())
}

async fn forget(State(state): State<Arc<MockState>>) -> StatusCode {
    let mut inner = state.lock();
    inner.ratings.clear();
    inner.requests.clear();
    StatusCode::NO_CONTENT
}

async fn get_faults(State(state): State<Arc<MockState>>) -> axum::Json<Faults> {
    axum::Json(state.lock().faults.clone())
}

async fn put_faults(State(state): State<Arc<MockState>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(faults) => {
            state.set_faults(faults.clone());
            axum::Json(faults).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, format!("invalid faults: {e}")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_control_key_is_32_hex_digits_and_never_the_same() {
        let (a, b) = (random_control_key().unwrap(), random_control_key().unwrap());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert_ne!(a, b);
        assert!(check_control_key(&a).is_ok());
    }

    #[test]
    fn a_given_control_key_must_be_long_and_fit_a_header() {
        assert!(check_control_key("0123456789abcdef").is_ok());
        for bad in [
            "short",
            "0123456789abcde",
            "0123456789 abcdef",
            "ключ-ключ-ключ-ключ",
        ] {
            assert!(check_control_key(bad).is_err(), "{bad}");
        }
        assert!(same_key(b"abc", b"abc"));
        assert!(!same_key(b"abc", b"abd"));
        assert!(!same_key(b"abc", b"abcd"));
    }

    #[test]
    fn the_specification_example_is_valid() {
        let body = br#"{"result_1": 5, "result_2": 3, "result_3": 5, "result_4": 4, "notes": " , ", "dont_visit": 0}"#;
        assert!(validate_body(body).is_ok());
    }

    #[test]
    fn validation_names_the_field() {
        let cases: &[(&str, &str)] = &[
            (r#"{"Result_1":5}"#, "Result_1"),
            (
                r#"{"result_2":3,"result_3":5,"result_4":4,"notes":"","dont_visit":0}"#,
                "result_1",
            ),
            (
                r#"{"result_1":"5","result_2":3,"result_3":5,"result_4":4,"notes":"","dont_visit":0}"#,
                "result_1",
            ),
            (
                r#"{"result_1":5,"result_2":6,"result_3":5,"result_4":4,"notes":"","dont_visit":0}"#,
                "result_2",
            ),
            (
                r#"{"result_1":5,"result_2":3,"result_3":5.0,"result_4":4,"notes":"","dont_visit":0}"#,
                "result_3",
            ),
            (
                r#"{"result_1":5,"result_2":3,"result_3":5,"result_4":0,"notes":"","dont_visit":1}"#,
                "result_4",
            ),
            (
                r#"{"result_1":5,"result_2":3,"result_3":5,"result_4":4,"notes":null,"dont_visit":0}"#,
                "notes",
            ),
            (
                r#"{"result_1":5,"result_2":3,"result_3":5,"result_4":4,"notes":"","dont_visit":true}"#,
                "dont_visit",
            ),
            (
                r#"{"result_1":5,"result_2":3,"result_3":5,"result_4":4,"notes":""}"#,
                "dont_visit",
            ),
        ];
        for (body, field) in cases {
            let message = validate_body(body.as_bytes()).unwrap_err();
            assert!(message.contains(&format!("'{field}'")), "{body}: {message}");
        }
        assert!(validate_body(b"[]").unwrap_err().contains("объектом"));
        assert!(validate_body(b"<html>").unwrap_err().contains("JSON"));
    }
}
