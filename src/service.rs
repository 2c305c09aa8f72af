//! The one connect step and sending, kept apart from egui and shared by the window and
//! every command that talks to the server or its token (`submit`, `outbox flush`,
//! `import`, `token`, `status`, `metrics`).
//!
//! Connecting goes one way for all of them: the server URL is decided here and only here
//! ([`Server::configured`]: `--url`, else `VISIT_RATING_URL`, else the settings'
//! `server_url`), with the token sources bound to their servers ([`TokenSource`]:
//! `VISIT_RATING_TOKEN` only for that server, the systemd credential and `token_file`
//! only for the settings' `server_url`, the keyring entry for each origin); then the settings' timeouts, CA file and `allow_insecure_http` make the
//! client ([`Service::client`], built once); then the token ([`Service::token`]); then
//! the outbox ([`open_outbox`], [`Service::with_outbox`]). A command builds its
//! [`Service`] with [`Service::for_command`] and words a [`ConnectError`] its own way
//! (exit code, `--json`); the window builds one from [`Server::configured`] at start.
//!
//! Sending: saving a rating in the outbox, sending it to the configured server with the
//! configured token, and the token chores of the settings; the client and token for the
//! background sender ([`Service::connect`]). Blocking; the window runs it in jobs
//! ([`crate::ui::jobs`]).
//!
//! The GUI holds one [`Service`] behind an `Arc` and never touches reqwest, the keyring
//! or files itself.
//!
//! With an outbox, a rating is on disk before the first attempt and is sent through the
//! outbox's one send path ([`crate::outbox::send`]), under its lease, so the background
//! sender or a `visit-rating outbox flush` in another process never sends it at the same
//! time. A network failure, a token problem or a gateway's refusal leaves it there for
//! the background sender ("saved, will be sent automatically"). A rejection is kept as
//! "needs attention", at a kiosk and at a desk alike: the corrected rating for the same
//! visit supersedes it once the server answers it, or a person marks it replaced or
//! discards it in the queue view.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::api::ConnectError;
use crate::api::{ClientError, Outcome, RatingClient, VisitId};
use crate::config::{Config, Folders};
use crate::outbox::{Attempt, Outbox, OutboxError, Skip};
use crate::rating::Rating;
use crate::secrets::{self, Token};

/// The server a command or the window talks to and where its token comes from: the
/// first half of the one connect step, decided here for everyone.
#[derive(Clone, Debug)]
pub struct Server {
    /// The server's base URL, if one is configured.
    pub url: Option<String>,
    /// Where its token comes from ([`TokenSource::configured`]).
    pub tokens: TokenSource,
}

impl Server {
    /// The server for `url` (a command's `--url`), else `VISIT_RATING_URL`, else the
    /// settings' `server_url`; its token from the sources [`TokenSource::configured`]
    /// binds to their servers.
    pub fn configured(config: &Config, url: Option<&str>) -> Server {
        let url = config.effective_url(url);
        let tokens = TokenSource::configured(config, url.as_deref());
        Server { url, tokens }
    }

    /// The server's origin (`scheme://host:port`, which names its token), if a URL is
    /// configured.
    pub fn origin(&self) -> Option<String> {
        self.url.as_deref().map(crate::api::origin)
    }
}

/// The outbox in `data_dir` (`data_dir/outbox`), telling the delivery counters of every
/// attempt ([`crate::counters::Counters`]).
pub fn open_outbox_in(data_dir: &Path) -> Result<Outbox, OutboxError> {
    Ok(Outbox::open(data_dir)?.recording(Arc::new(crate::counters::Counters)))
}

/// The outbox in the platform's data folder (`$XDG_DATA_HOME/visit-rating/outbox` on
/// Linux): the commands' outbox, the same one the window sends from.
pub fn open_outbox() -> Result<Outbox, OutboxError> {
    let folders = Folders::platform().map_err(|e| OutboxError::Io {
        path: "~".into(),
        source: std::io::Error::other(e),
    })?;
    open_outbox_in(&folders.data_dir)
}

/// Where the token comes from.
#[derive(Clone, Debug)]
pub enum TokenSource {
    /// A token fixed at start (the demo mode's stand-in token; tests).
    Fixed(Token),
    /// The terminal's sources, in their order, each bound to its server
    /// ([`secrets::Sources`]): `VISIT_RATING_TOKEN` for the server given at start; the
    /// systemd credential and `token_file` for the settings' `server_url` as read at
    /// start; else the keyring entry of the server asked for. A server chosen later in
    /// the window gets its keyring entry, never those.
    Resolve(secrets::Sources),
}

impl TokenSource {
    /// The keyring, and the environment token bound to the server given at start
    /// (`None`: bound to none); no token file.
    pub fn bound_to(start_url: Option<&str>) -> TokenSource {
        TokenSource::Resolve(secrets::Sources {
            environment_for: start_url.map(crate::api::origin),
            ..secrets::Sources::default()
        })
    }

    /// Every source of this terminal: as [`TokenSource::bound_to`] `start_url`, plus the
    /// systemd credential (`$CREDENTIALS_DIRECTORY`, as this process was started) and
    /// `config`'s `token_file`, both bound to `config`'s `server_url`.
    pub fn configured(config: &Config, start_url: Option<&str>) -> TokenSource {
        TokenSource::Resolve(secrets::Sources {
            environment_for: start_url.map(crate::api::origin),
            machine_for: config.server_url.as_deref().map(crate::api::origin),
            credential: secrets::file::credential_path(),
            file: config.token_file.clone(),
        })
    }

    /// The same sources with `config`'s `token_file` and `server_url` (settings read
    /// again while the window runs): the token file follows the settings; the
    /// environment token stays bound to the server given at start, the credential to
    /// what systemd passed at start.
    #[must_use]
    pub fn with_settings(&self, config: &Config) -> TokenSource {
        match self {
            TokenSource::Resolve(sources) => TokenSource::Resolve(secrets::Sources {
                machine_for: config.server_url.as_deref().map(crate::api::origin),
                file: config.token_file.clone(),
                ..sources.clone()
            }),
            TokenSource::Fixed(_) => self.clone(),
        }
    }

    /// `VISIT_RATING_TOKEN` is set but not used for `origin` (it belongs to the server
    /// given at start); the window says so.
    pub fn environment_withheld(&self, origin: &str) -> bool {
        match self {
            TokenSource::Resolve(sources) => sources.environment_withheld(origin),
            TokenSource::Fixed(_) => false,
        }
    }

    /// The file (the systemd credential or `token_file`) `origin`'s token comes from,
    /// unless the environment's wins; the file is not read.
    pub fn file_for(&self, origin: &str) -> Option<(secrets::TokenOrigin, &Path)> {
        match self {
            TokenSource::Resolve(sources) => sources.file_in_force(origin),
            TokenSource::Fixed(_) => None,
        }
    }

    /// The token for `origin`, from the first source that applies (a file read afresh
    /// each time). Blocking.
    pub fn token(&self, origin: &str) -> Result<Token, secrets::SecretsError> {
        match self {
            TokenSource::Fixed(token) => Ok(token.clone()),
            TokenSource::Resolve(sources) => sources.resolve(origin).map(|(token, _)| token),
        }
    }

    /// What is known about `origin`'s token (never the token). Blocking.
    pub fn status(&self, origin: &str) -> Result<secrets::TokenStatus, secrets::SecretsError> {
        match self {
            TokenSource::Resolve(sources) => sources.status(origin),
            TokenSource::Fixed(token) => Ok(secrets::TokenStatus {
                origin: origin.to_owned(),
                source: None,
                stored: false,
                store: String::new(),
                expires_at: token.jwt_expiry(),
            }),
        }
    }
}

/// Why a rating was not sent at all (nothing reached the server). `Display` is short
/// and English (logs); the cause is the error's `source()` (see
/// [`crate::api::error_chain`]); what to do is said to people in Fluent.
#[derive(Clone, Debug, thiserror::Error)]
pub enum NotSent {
    /// No client or no token for the server: nothing was saved or sent.
    #[error("not connected")]
    NotConnected(#[source] ConnectError),
    /// No token could be had, but the rating is saved in the outbox and will be sent
    /// once a token is set.
    #[error("saved, but no token for the server")]
    SavedWithoutToken(#[source] secrets::SecretsError),
    /// The rating could not be saved (disk full, read-only folder): nothing was sent and
    /// the form keeps it.
    #[error("the rating could not be saved")]
    NotSaved(#[source] Arc<OutboxError>),
    /// The rating is saved, but the outbox failed while sending it (a damaged disk): the
    /// background sender will try it.
    #[error("the rating is saved but could not be sent now")]
    Unsent(#[source] Arc<OutboxError>),
    /// The saved rating was not sent now (another sender holds it, or it is not due):
    /// the background sender will.
    #[error("the rating is saved but was not sent now ({0:?})")]
    Skipped(Skip),
    /// No thread could be started for the work.
    #[error("cannot start a thread")]
    NoThread(#[source] Arc<std::io::Error>),
}

/// What became of a rating the window sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmitReport {
    /// The server's answer (or why there was none).
    pub outcome: Outcome,
    /// The rating is kept in the outbox: sent again automatically (a transient failure,
    /// a token problem, a gateway's refusal) or kept as needing attention (rejected).
    pub queued: bool,
}

/// Sends ratings for the window.
#[derive(Debug)]
pub struct Service {
    config: Config,
    base_url: Option<String>,
    tokens: TokenSource,
    outbox: Option<Outbox>,
    /// The HTTP client, built once (building one loads the TLS roots: milliseconds that
    /// a patient would otherwise wait for on every rating). Reused, so is its connection.
    client: std::sync::OnceLock<Result<RatingClient, Arc<ClientError>>>,
}

impl Service {
    /// A service for `base_url` (the effective URL after overrides) with `config`'s
    /// timeouts and CA file.
    pub fn new(config: Config, base_url: Option<String>, tokens: TokenSource) -> Service {
        Service {
            config,
            base_url,
            tokens,
            outbox: None,
            client: std::sync::OnceLock::new(),
        }
    }

    /// A command's connect step: the [`Server::configured`] for `url` (`--url`), with
    /// `allow_insecure_http` (`--allow-insecure-http`) added to the settings. Nothing is
    /// built or looked up yet: the client on first use ([`Service::client`]), the token
    /// when asked ([`Service::token`]).
    pub fn for_command(config: &Config, url: Option<&str>, allow_insecure_http: bool) -> Service {
        let server = Server::configured(config, url);
        let mut config = config.clone();
        config.allow_insecure_http |= allow_insecure_http;
        Service::new(config, server.url, server.tokens)
    }

    /// Save every rating in `outbox` before sending it.
    #[must_use]
    pub fn with_outbox(mut self, outbox: Outbox) -> Service {
        self.outbox = Some(outbox);
        self
    }

    /// The outbox, when ratings are saved before sending.
    pub fn outbox(&self) -> Option<&Outbox> {
        self.outbox.as_ref()
    }

    /// A client and a token (the background sender, the imports), or why not.
    pub fn connect(&self) -> Result<(RatingClient, Token), ConnectError> {
        let client = self.client()?;
        let token = self
            .token(&client.origin())
            .map_err(ConnectError::NoToken)?;
        Ok((client, token))
    }

    /// The server this service sends to.
    pub fn base_url(&self) -> Option<&str> {
        self.base_url.as_deref()
    }

    /// The settings it uses.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Save (with an outbox) and send one rating (blocking).
    pub fn submit(&self, id: &VisitId, rating: &Rating) -> Result<SubmitReport, NotSent> {
        let started = Instant::now();
        let client = self.client().map_err(NotSent::NotConnected)?;
        let Some(outbox) = &self.outbox else {
            let token = self.sending_token(&client.origin())?;
            return Ok(SubmitReport {
                outcome: client.submit(id, rating, &token),
                queued: false,
            });
        };
        let client_ready = Instant::now();
        let origin = client.origin();
        // The token is looked up (a keyring round trip) while the rating is saved (two
        // fsyncs): the patient waits for the longer of the two, not for both.
        let (saved, token) = std::thread::scope(|scope| {
            let lookup = std::thread::Builder::new()
                .name("token-lookup".into())
                .spawn_scoped(scope, || self.sending_token(&origin));
            let saved = outbox
                .enqueue_claimed(id, rating, &origin)
                .map_err(|e| NotSent::NotSaved(Arc::new(e)))
                .map(|(_, lease)| (lease, Instant::now()));
            let token = match lookup {
                // A panic in the look-up is a bug: it goes on here.
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                // No thread to spare: look it up here.
                Err(_) => self.sending_token(&origin),
            };
            (saved, token)
        });
        let (lease, saved) = saved?;
        let token = match token {
            Ok(token) => token,
            Err(NotSent::NotConnected(ConnectError::NoToken(e))) => {
                return Err(NotSent::SavedWithoutToken(e));
            }
            Err(e) => return Err(e),
        };
        let token_ready = Instant::now();
        let sent = outbox.send_claimed(&lease, &client, &token, true);
        // Where the time of one rating goes (HTTP alone: the "rating sent" line).
        tracing::info!(
            target: "visit_rating::timing",
            client_ms = ms(client_ready - started),
            save_ms = ms(saved - client_ready),
            token_after_save_ms = ms(token_ready - saved),
            send_and_record_ms = ms(token_ready.elapsed()),
            "a rating was saved and sent"
        );
        match sent {
            Ok(Attempt::Sent { outcome, .. }) => Ok(SubmitReport {
                queued: !outcome.kind.is_final_success(),
                outcome,
            }),
            // Our own fresh entry, under our lease: only a damaged disk gets here. It is
            // saved, and the background sender will try it.
            Ok(Attempt::Skipped(skip)) => Err(NotSent::Skipped(skip)),
            Err(e) => Err(NotSent::Unsent(Arc::new(e))),
        }
    }

    /// The keyring entry's name for this server (its origin), if a server is set.
    pub fn origin(&self) -> Option<String> {
        self.base_url.as_deref().map(crate::api::origin)
    }

    /// What is known about this server's token (never the token).
    pub fn token_status(&self) -> Result<secrets::TokenStatus, secrets::SecretsError> {
        self.tokens.status(&self.origin().unwrap_or_default())
    }

    /// The file this server's token comes from (the systemd credential or
    /// `token_file`), if one does; not read.
    pub fn token_file(&self) -> Option<(secrets::TokenOrigin, &Path)> {
        self.tokens.file_for(&self.origin()?)
    }

    /// `VISIT_RATING_TOKEN` is set but withheld from this server (not the one given at
    /// start).
    pub fn environment_token_withheld(&self) -> bool {
        self.origin()
            .is_some_and(|origin| self.tokens.environment_withheld(&origin))
    }

    /// Store or replace this server's token in the keyring.
    pub fn store_token(&self, token: &Token) -> Result<(), secrets::SecretsError> {
        secrets::store_token(&self.origin().unwrap_or_default(), token)
    }

    /// Remove this server's token from the keyring.
    pub fn clear_token(&self) -> Result<bool, secrets::SecretsError> {
        secrets::clear_token(&self.origin().unwrap_or_default())
    }

    /// The token comes from the terminal's sources, the keyring among them (not fixed, as
    /// in the demo mode).
    pub fn uses_keyring(&self) -> bool {
        matches!(self.tokens, TokenSource::Resolve { .. })
    }

    /// The client for the configured server, built once (the one "URL → settings →
    /// client" step, shared by sending, the commands, the background sender and the
    /// warm-up): [`ConnectError::NoUrl`] or [`ConnectError::Client`] when there is none.
    pub fn client(&self) -> Result<RatingClient, ConnectError> {
        let url = self.base_url.as_deref().ok_or(ConnectError::NoUrl)?;
        self.client
            .get_or_init(|| self.config.client(url, false).map_err(Arc::new))
            .clone()
            .map_err(ConnectError::Client)
    }

    /// Do ahead of time what the first rating would otherwise wait for: build the HTTP
    /// client and choose the keyring's store (connecting to the Secret Service).
    /// Blocking; the window runs it on a background thread after its first frame.
    pub fn warm_up(&self) {
        let _ = self.client();
        // A terminal whose token is in a file has no keyring to wake (a kiosk's could
        // only prompt).
        if self.uses_keyring() && self.token_file().is_none() {
            let _ = secrets::init_default_store();
        }
    }

    fn sending_token(&self, origin: &str) -> Result<Token, NotSent> {
        self.token(origin)
            .map_err(|e| NotSent::NotConnected(ConnectError::NoToken(e)))
    }

    /// The token for `origin` (the client's), from [`TokenSource::token`]: asked anew
    /// for every rating and every round of the background sender, so a token file
    /// replaced meanwhile is used at once.
    pub fn token(&self, origin: &str) -> Result<Token, secrets::SecretsError> {
        self.tokens.token(origin)
    }
}

/// Milliseconds, for timing lines.
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_for(url: &str) -> Config {
        Config {
            server_url: Some(url.to_owned()),
            ..Config::default()
        }
    }

    #[test]
    fn a_commands_url_wins_and_the_environment_token_is_bound_to_its_server() {
        let config = settings_for("https://settings.example");
        let server = Server::configured(&config, Some("https://given.example:8443/base/"));
        assert_eq!(
            server.url.as_deref(),
            Some("https://given.example:8443/base/")
        );
        assert_eq!(
            server.origin().as_deref(),
            Some("https://given.example:8443")
        );
        let TokenSource::Resolve(sources) = &server.tokens else {
            panic!("{:?}", server.tokens);
        };
        assert_eq!(
            sources.environment_for.as_deref(),
            Some("https://given.example:8443")
        );
        let service =
            Service::for_command(&config, Some("https://given.example:8443/base/"), false);
        assert_eq!(service.origin(), server.origin());
        assert!(service.uses_keyring());
    }

    #[test]
    fn settings_read_again_move_the_token_file_not_the_environment_token() {
        let start = settings_for("https://a.example/");
        let tokens = TokenSource::configured(&start, Some("https://a.example/"));
        let later = Config {
            token_file: Some("/etc/visit-rating/token".into()),
            ..settings_for("https://b.example/")
        };
        let TokenSource::Resolve(sources) = tokens.with_settings(&later) else {
            panic!("still the terminal's sources");
        };
        assert_eq!(
            sources.machine_for.as_deref(),
            Some("https://b.example:443")
        );
        assert_eq!(sources.file, later.token_file);
        assert_eq!(
            sources.environment_for.as_deref(),
            Some("https://a.example:443")
        );
    }

    #[test]
    fn the_token_file_is_bound_to_the_settings_server_not_to_a_commands_url() {
        let config = Config {
            token_file: Some("/etc/visit-rating/token".into()),
            ..settings_for("https://settings.example/base/")
        };
        let server = Server::configured(&config, Some("https://given.example:8443/"));
        let TokenSource::Resolve(sources) = &server.tokens else {
            panic!("{:?}", server.tokens);
        };
        assert_eq!(
            sources.machine_for.as_deref(),
            Some("https://settings.example:443")
        );
        assert_eq!(server.tokens.file_for("https://given.example:8443"), None);
        assert_eq!(
            server.tokens.file_for("https://settings.example:443"),
            Some((
                secrets::TokenOrigin::File,
                Path::new("/etc/visit-rating/token")
            ))
        );
    }

    #[test]
    fn a_commands_allow_insecure_http_reaches_the_client() {
        let config = settings_for("https://settings.example");
        let clear = Some("http://192.0.2.1:8080/");
        let refused = Service::for_command(&config, clear, false).client();
        assert!(
            matches!(&refused, Err(ConnectError::Client(e)) if matches!(**e, ClientError::InsecureUrl { .. })),
            "{refused:?}"
        );
        let client = Service::for_command(&config, clear, true).client().unwrap();
        assert_eq!(client.origin(), "http://192.0.2.1:8080");
        // The settings a command was given are not changed for anyone else.
        assert!(!config.allow_insecure_http);
    }

    #[test]
    fn the_client_is_built_once() {
        let service = Service::for_command(&Config::default(), Some("not a url"), false);
        let first = service.client().unwrap_err();
        let second = service.client().unwrap_err();
        let (ConnectError::Client(a), ConnectError::Client(b)) = (&first, &second) else {
            panic!("{first:?} {second:?}");
        };
        assert!(
            Arc::ptr_eq(a, b),
            "the same error: the client was tried once"
        );
    }
}
