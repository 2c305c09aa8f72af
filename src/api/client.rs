//! The HTTP client for the rating endpoint.
//!
//! Blocking to its callers, so they need no async runtime: the GUI runs it inside a
//! `poll_promise` thread, the CLI directly. Must not be created or used from inside a
//! tokio runtime.
//!
//! Inside, reqwest's async client on a current-thread tokio runtime of the client's own,
//! which the calling thread drives while it waits (`block_on`): a request, its
//! connection and its answer are all handled on the sender's thread. reqwest's blocking
//! client instead hands every request to a runtime thread of its own, and reading the
//! answer by a deadline took a third thread: two hand-overs between threads per rating,
//! which a drain of 10,000 ratings spent more time on than on its files. Several
//! threads may send through one client (and its clones) at once; tokio lets one of them
//! drive the connections for all.
//!
//! A request (connection, headers and body) ends by its `request_timeout` whatever the
//! server does: reqwest's total timeout covers the body as well, and the body's read
//! stops at the same deadline.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use url::Url;

use super::{Outcome, RatingBody, VisitId, classify};
use crate::rating::Rating;
use crate::secrets::Token;

/// The path of the endpoint under the server's base URL; the visit id follows.
pub const ENDPOINT_PATH: &str = "api/v2/iemk/doctors/visit/rating";

/// The most of a response body we read (1 MiB). Real answers are a few hundred bytes;
/// anything larger is not the error model and is not read further.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// What the client needs to know. Built from the configuration.
#[derive(Clone, Debug)]
pub struct ClientSettings {
    /// The server's base URL (`{url}` in the specification).
    pub base_url: String,
    /// How long to wait for a connection (TCP + TLS).
    pub connect_timeout: Duration,
    /// How long a whole request may take, answer included.
    pub request_timeout: Duration,
    /// An extra CA certificate (PEM, may hold several) trusted beside the system's.
    pub ca_file: Option<PathBuf>,
    /// Allow `http://` to a host that is not loopback (the token then travels in clear).
    pub allow_insecure_http: bool,
    /// Cap on the response body, in bytes.
    pub max_body_bytes: usize,
}

impl ClientSettings {
    /// Settings with the default timeouts (10 s connect, 30 s total) for `base_url`.
    pub fn new(base_url: impl Into<String>) -> ClientSettings {
        ClientSettings {
            base_url: base_url.into(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            ca_file: None,
            allow_insecure_http: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// Why a client could not be set up. Nothing was sent.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server URL does not parse or is not http/https.
    #[error("the server URL {url:?} is not valid: {reason}")]
    BadUrl {
        /// What was configured.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// `http://` to another machine would send the token in clear text.
    #[error(
        "refusing to send the token in clear text to {host} (an http:// URL to another machine)"
    )]
    InsecureUrl {
        /// The host that is not loopback.
        host: String,
    },
    /// The extra CA file could not be read or holds no certificate.
    #[error("cannot use the CA file {path}: {reason}")]
    CaFile {
        /// The configured path.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// reqwest could not build a client (for example, no TLS roots at all).
    #[error("cannot set up the HTTP client: {0}")]
    Build(String),
}

/// Why no client and token could be had for the server (the one connect step's
/// failure, for the window, the commands and the background sender alike). `Display` is
/// short and English (logs); people get it in words from [`crate::i18n`].
#[derive(Clone, Debug, thiserror::Error)]
pub enum ConnectError {
    /// No server URL is configured.
    #[error("no server URL is configured")]
    NoUrl,
    /// The URL or the TLS settings are unusable.
    #[error("the server's address or TLS settings cannot be used")]
    Client(#[source] std::sync::Arc<ClientError>),
    /// No token could be had.
    #[error("no token for the server")]
    NoToken(#[source] crate::secrets::SecretsError),
}

/// A client for one server.
#[derive(Clone, Debug)]
pub struct RatingClient {
    http: reqwest::Client,
    /// The runtime `http`'s requests and connections run on, driven by whichever thread
    /// is sending (shared by clones, as `http`'s connection pool is).
    runtime: std::sync::Arc<tokio::runtime::Runtime>,
    base: Url,
    max_body_bytes: usize,
    connect_timeout: Duration,
    request_timeout: Duration,
}

impl RatingClient {
    /// A client for `settings.base_url`, with its timeouts, its CA file and our
    /// `User-Agent`. Refuses clear-text HTTP to other machines unless allowed.
    pub fn new(settings: &ClientSettings) -> Result<RatingClient, ClientError> {
        crate::blocking::assert_may_block("building an HTTP client");
        let base = parse_base_url(&settings.base_url)?;
        if base.scheme() == "http" && !settings.allow_insecure_http && !is_loopback(&base) {
            return Err(ClientError::InsecureUrl {
                host: base.host_str().unwrap_or_default().to_owned(),
            });
        }
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("visit-rating/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .redirect(reqwest::redirect::Policy::none());
        // A clinic may reach the portal through a proxy (HTTPS_PROXY and friends are
        // honoured); a loopback server never goes through one.
        if is_loopback(&base) {
            builder = builder.no_proxy();
        }
        if let Some(path) = &settings.ca_file {
            builder = builder.tls_certs_merge(read_ca_file(path)?);
        }
        // No TLS can happen (an http:// server, reached directly or through an http://
        // proxy): the system's roots are not loaded. Loading them reads the CA bundle
        // and every file of /etc/ssl/certs (about 300 system calls and 140 certificates
        // parsed), the largest share of a `submit` beyond curl's.
        if !may_use_tls(&base, |name| std::env::var_os(name)) {
            builder = builder.tls_certs_only(Vec::new());
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Build(error_chain(&e)))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| ClientError::Build(format!("no runtime for the requests: {e}")))?;
        Ok(RatingClient {
            http,
            runtime: std::sync::Arc::new(runtime),
            base,
            max_body_bytes: settings.max_body_bytes,
            connect_timeout: settings.connect_timeout,
            request_timeout: settings.request_timeout,
        })
    }

    /// The full URL a rating for `id` is posted to.
    pub fn endpoint(&self, id: &VisitId) -> String {
        let base = self.base.as_str().trim_end_matches('/');
        format!("{base}/{ENDPOINT_PATH}/{}", id.path_segment())
    }

    /// The server's origin (`scheme://host:port`), which names its token in the keyring.
    pub fn origin(&self) -> String {
        origin_of(&self.base)
    }

    /// Whether the server answers now: a `HEAD` of its base URL through this client, so
    /// through the same proxy as the ratings when `HTTPS_PROXY`, `HTTP_PROXY` or
    /// `ALL_PROXY` names one for it (and `NO_PROXY` does not exempt it), with the same
    /// CA file, without the token, within the connect timeout. Any HTTP answer counts,
    /// except 502 and 504: a gateway's word that it could not reach the server. Used to
    /// resend at once when the network comes back.
    pub fn server_reachable(&self) -> bool {
        crate::blocking::assert_may_block("reaching the server");
        let head = self
            .http
            .head(self.base.clone())
            .timeout(self.connect_timeout);
        self.runtime
            .block_on(async { head.send().await })
            .is_ok_and(|answer| !matches!(answer.status().as_u16(), 502 | 504))
    }

    /// Send one rating. Never panics and never returns an error: every failure is an
    /// [`Outcome`] (see [`super::outcome`] for the rules).
    pub fn submit(&self, id: &VisitId, rating: &Rating, token: &Token) -> Outcome {
        crate::blocking::assert_may_block("sending a rating");
        let body = match serde_json::to_vec(&RatingBody::from(rating)) {
            Ok(body) => body,
            Err(e) => return Outcome::transport_failure(format!("cannot encode the body: {e}")),
        };
        let started = Instant::now();
        let request = self
            .http
            .post(self.endpoint(id))
            .header(reqwest::header::AUTHORIZATION, token.bearer_header())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body);
        // reqwest's timeouts are timers of the runtime: the request is sent inside it.
        let outcome = self.runtime.block_on(async {
            match request.send().await {
                Ok(response) => {
                    self.read_answer(response, started + self.request_timeout)
                        .await
                }
                Err(e) => Outcome::transport_failure(describe_transport_error(&e)),
            }
        });
        // The visit and the answer; never the remarks, never the token.
        tracing::info!(
            visit_id = %id,
            outcome = outcome.kind.name(),
            http_status = ?outcome.http_status,
            message_code = ?outcome.message_code.as_deref().map(super::bounded_text),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "rating sent"
        );
        outcome
    }

    /// Read the answer, at most `max_body_bytes` of it, by `deadline` and no later.
    ///
    /// reqwest's total timeout already ends a body still arriving at the deadline; the
    /// read is bounded by the deadline here as well, so that no change in reqwest's
    /// timeouts can let a server that sends its headers in time and then trickles its
    /// body hold a sender (reqwest's blocking client bounded each read, not the whole: a
    /// 30 s timeout once held a sender, and the window's «Отправка…», for 59 s).
    async fn read_answer(&self, response: reqwest::Response, deadline: Instant) -> Outcome {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let failure = |detail: String| Outcome {
            http_status: Some(status),
            ..Outcome::transport_failure(detail)
        };
        let late = || {
            failure(format!(
                "the server did not answer in time: the answer (HTTP {status}) was still arriving after {} s",
                self.request_timeout.as_secs_f64()
            ))
        };
        let max_body_bytes = self.max_body_bytes;
        let read = tokio::time::timeout_at(deadline.into(), read_body(response, max_body_bytes));
        match read.await {
            Ok(Ok(body)) => {
                let truncated = body.len() > max_body_bytes;
                let body = &body[..body.len().min(max_body_bytes)];
                classify(status, body, truncated, location.as_deref())
            }
            Ok(Err(e)) if e.is_timeout() => late(),
            Err(_elapsed) => late(),
            Ok(Err(e)) => failure(format!(
                "the connection broke while reading the answer (HTTP {status}): {}",
                error_chain(&e)
            )),
        }
    }
}

/// The body of `response`, at most `max_body_bytes + 1` bytes of it (one more than
/// allowed tells that it was longer): reading stops there, whatever the server still
/// sends.
async fn read_body(
    mut response: reqwest::Response,
    max_body_bytes: usize,
) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while body.len() <= max_body_bytes {
        let Some(chunk) = response.chunk().await? else {
            break;
        };
        let room = max_body_bytes + 1 - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
    Ok(body)
}

fn parse_base_url(raw: &str) -> Result<Url, ClientError> {
    let bad = |reason: &str| ClientError::BadUrl {
        url: redact_userinfo(raw),
        reason: reason.to_owned(),
    };
    let url = Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("only http:// and https:// are supported"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it must not have a query (?…) or a fragment (#…)"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not contain a user name or password"));
    }
    Ok(url)
}

/// `scheme://host:port` of a server URL, with the port always spelled out. Returns the
/// input unchanged when it does not parse, so a bad URL still names an entry.
pub fn origin(base_url: &str) -> String {
    Url::parse(base_url.trim()).map_or_else(|_| redact_userinfo(base_url), |u| origin_of(&u))
}

/// A URL fit for a message or a log line: a user name or password in it becomes `***`
/// (`https://u:pw@host/x` → `https://***@host/x`). Works on text that does not parse
/// as a URL too.
pub fn redact_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..scheme_end], &rest[at..]),
        None => url.to_owned(),
    }
}

/// Whether a server URL sends in clear text to another machine (`http://` to a host
/// that is not loopback): allowed only with `allow_insecure_http`, and then warned of.
pub fn is_clear_text_remote(base_url: &str) -> bool {
    Url::parse(base_url.trim()).is_ok_and(|u| u.scheme() == "http" && !is_loopback(&u))
}

fn origin_of(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or_default()
    )
}

/// A connection to `base` may need TLS: an https:// server, or an http:// one that is
/// not loopback while `HTTP_PROXY` or `ALL_PROXY` (either case, as reqwest reads them)
/// names a proxy that is not plainly `http://` (an `https://` proxy speaks TLS). A
/// loopback server never goes through a proxy ([`RatingClient::new`]).
/// `env` reads an environment variable (`std::env::var_os`; a table in the tests).
fn may_use_tls(base: &Url, env: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    if base.scheme() != "http" {
        return true;
    }
    if is_loopback(base) {
        return false;
    }
    ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .filter_map(|name| env(name))
        .any(|proxy| {
            let proxy = proxy.to_string_lossy().trim().to_ascii_lowercase();
            !proxy.is_empty() && !proxy.starts_with("http://")
        })
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn read_ca_file(path: &PathBuf) -> Result<Vec<reqwest::Certificate>, ClientError> {
    let bad = |reason: String| ClientError::CaFile {
        path: path.clone(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| bad(error_chain(&e)))?;
    if certs.is_empty() {
        return Err(bad("it holds no PEM certificate".to_owned()));
    }
    Ok(certs)
}

fn describe_transport_error(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "the server did not answer in time"
    } else if e.is_connect() {
        "could not connect to the server"
    } else if e.is_body() || e.is_decode() {
        "the connection broke while reading the answer"
    } else {
        "the request failed"
    };
    // reqwest's own message names the URL; the chain below says why (DNS, refused, TLS).
    format!("{what}: {}", error_chain(e))
}

/// An error and its sources on one line, without repeating a source's text.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clear_text_http_is_refused_for_other_machines() {
        let err = RatingClient::new(&ClientSettings::new("http://rpgu.example.org")).unwrap_err();
        assert!(matches!(err, ClientError::InsecureUrl { ref host } if host == "rpgu.example.org"));
        // Short and factual; the advice (https, or --allow-insecure-http) is the Fluent
        // message's (`I18n::client_error`).
        assert!(err.to_string().contains("clear text to rpgu.example.org"));
        let advice = crate::i18n::I18n::new(crate::config::Language::En).client_error(&err);
        assert!(advice.contains("--allow-insecure-http"), "{advice}");

        let mut allowed = ClientSettings::new("http://rpgu.example.org");
        allowed.allow_insecure_http = true;
        assert!(RatingClient::new(&allowed).is_ok());

        for loopback in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
        ] {
            assert!(
                RatingClient::new(&ClientSettings::new(loopback)).is_ok(),
                "{loopback}"
            );
        }
        assert!(RatingClient::new(&ClientSettings::new("https://rpgu.example.org")).is_ok());
    }

    #[test]
    fn the_system_roots_are_loaded_only_where_tls_may_happen() {
        let url = |u: &str| Url::parse(u).unwrap();
        let none = |_: &str| None;
        let proxy =
            |value: &'static str| move |name: &str| (name == "http_proxy").then(|| value.into());
        assert!(may_use_tls(&url("https://rpgu.example"), none));
        assert!(may_use_tls(&url("https://127.0.0.1:8443"), none));
        assert!(!may_use_tls(&url("http://127.0.0.1:8080"), none));
        assert!(!may_use_tls(&url("http://rpgu.example"), none));
        assert!(!may_use_tls(
            &url("http://rpgu.example"),
            proxy("http://proxy.example:3128")
        ));
        assert!(!may_use_tls(&url("http://rpgu.example"), proxy("  ")));
        assert!(may_use_tls(
            &url("http://rpgu.example"),
            proxy("HTTPS://proxy.example:3128")
        ));
        assert!(may_use_tls(
            &url("http://rpgu.example"),
            proxy("proxy.example:3128")
        ));
        // A loopback server never goes through a proxy.
        assert!(!may_use_tls(
            &url("http://localhost:8080"),
            proxy("https://proxy.example:3128")
        ));
    }

    #[test]
    fn bad_urls_are_refused_with_a_reason() {
        for bad in [
            "rpgu.example.org",
            "ftp://rpgu.example.org",
            "https://user:pw@rpgu.example.org",
            "https://rpgu.example.org/?a=1",
            "",
        ] {
            let err = RatingClient::new(&ClientSettings::new(bad)).unwrap_err();
            assert!(matches!(err, ClientError::BadUrl { .. }), "{bad}: {err}");
        }
    }

    #[test]
    fn the_endpoint_keeps_the_base_path_and_encodes_the_id() {
        let client = RatingClient::new(&ClientSettings::new("https://h.example/portal/")).unwrap();
        let id = VisitId::parse("a b".replace(' ', "+").as_str()).unwrap();
        assert_eq!(
            client.endpoint(&id),
            "https://h.example/portal/api/v2/iemk/doctors/visit/rating/a%2Bb"
        );
        assert_eq!(client.origin(), "https://h.example:443");
    }

    #[test]
    fn userinfo_never_reaches_a_message() {
        assert_eq!(
            redact_userinfo("https://u:pw@host.example/x"),
            "https://***@host.example/x"
        );
        assert_eq!(redact_userinfo("http://a@b@h:81"), "http://***@h:81");
        assert_eq!(
            redact_userinfo("https://h.example/p@x"),
            "https://h.example/p@x"
        );
        assert_eq!(redact_userinfo("no url at all"), "no url at all");
        let err = RatingClient::new(&ClientSettings::new("https://u:secret-pw@h.example"))
            .err()
            .unwrap();
        assert!(!err.to_string().contains("secret-pw"), "{err}");
        assert!(err.to_string().contains("https://***@h.example"), "{err}");
        assert!(!origin("ht tp://u:secret-pw@h").contains("secret-pw"));
        assert!(is_clear_text_remote("http://rpgu.example"));
        assert!(!is_clear_text_remote("http://127.0.0.1:8080"));
        assert!(!is_clear_text_remote("https://rpgu.example"));
    }

    #[test]
    fn origin_spells_out_the_port() {
        assert_eq!(origin("http://127.0.0.1:8080/x"), "http://127.0.0.1:8080");
        assert_eq!(origin("https://rpgu.example"), "https://rpgu.example:443");
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_a_clear_error() {
        let mut settings = ClientSettings::new("https://h.example");
        settings.ca_file = Some("/nonexistent/ca.pem".into());
        let err = RatingClient::new(&settings).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");

        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate").unwrap();
        settings.ca_file = Some(empty);
        let err = RatingClient::new(&settings).unwrap_err();
        assert!(err.to_string().contains("no PEM certificate"), "{err}");
    }
}
