//! The work the window asks for, kept apart from egui: saving a rating in the outbox,
//! sending it to the configured server with the configured token, and the token and
//! outbox chores of the settings. Blocking; the window runs it on worker threads.
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

use std::time::{Duration, Instant};

use crate::api::{Outcome, RatingClient, VisitId};
use crate::config::Config;
use crate::outbox::{Attempt, Outbox};
use crate::rating::Rating;
use crate::secrets::{self, Token};

/// Where the token comes from.
#[derive(Clone, Debug)]
pub enum TokenSource {
    /// A token fixed at start (the demo mode's stand-in token; tests).
    Fixed(Token),
    /// The keyring entry for the server; `VISIT_RATING_TOKEN` (if set) only for the
    /// server whose origin is `environment_for`.
    Resolve {
        /// The origin of the server given at start (`VISIT_RATING_URL` or the settings
        /// as read then): the only one the environment token is sent to. A server
        /// chosen later in the window gets its keyring entry, never that token.
        environment_for: Option<String>,
    },
}

impl TokenSource {
    /// The window's tokens: the keyring, and the environment token bound to the
    /// server given at start (`None`: bound to none).
    pub fn bound_to(start_url: Option<&str>) -> TokenSource {
        TokenSource::Resolve {
            environment_for: start_url.map(crate::api::origin),
        }
    }

    /// `VISIT_RATING_TOKEN` is set but not used for `origin` (it belongs to the server
    /// given at start); the window says so.
    pub fn environment_withheld(&self, origin: &str) -> bool {
        match self {
            TokenSource::Resolve { environment_for } => {
                std::env::var_os(secrets::TOKEN_ENV).is_some()
                    && environment_for.as_deref() != Some(origin)
            }
            TokenSource::Fixed(_) => false,
        }
    }
}

/// Why a rating was not sent at all (nothing reached the server).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotSent {
    /// No server URL is configured.
    #[error("no server URL is configured")]
    NoUrl,
    /// The URL or the TLS settings are unusable (the message says why).
    #[error("{0}")]
    Client(String),
    /// No token could be had (the error says why and what to do).
    #[error("{0}")]
    NoToken(secrets::SecretsError),
    /// No token could be had, but the rating is saved in the outbox and will be sent
    /// once a token is set.
    #[error("{0}")]
    SavedWithoutToken(secrets::SecretsError),
    /// The rating could not be saved (disk full, read-only folder): nothing was sent and
    /// the form keeps it.
    #[error("{0}")]
    NotSaved(String),
    /// The worker thread could not be started.
    #[error("cannot start the sending thread: {0}")]
    Internal(String),
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
    client: std::sync::OnceLock<Result<RatingClient, String>>,
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

    /// A client and a token for the background sender, or why not (for people).
    pub fn connect(&self) -> Result<(RatingClient, Token), String> {
        let client = self.client().map_err(|e| e.to_string())?;
        let token = self.token(&client.origin()).map_err(|e| e.to_string())?;
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
        let client = self.client()?;
        let Some(outbox) = &self.outbox else {
            let token = self.token(&client.origin())?;
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
                .spawn_scoped(scope, || self.token(&origin));
            let saved = outbox
                .enqueue_claimed(id, rating, &origin)
                .map_err(|e| NotSent::NotSaved(e.to_string()))
                .map(|(_, lease)| (lease, Instant::now()));
            let token = match lookup {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|_| Err(NotSent::Internal("the token look-up failed".into()))),
                // No thread to spare: look it up here.
                Err(_) => self.token(&origin),
            };
            (saved, token)
        });
        let (lease, saved) = saved?;
        let token = match token {
            Ok(token) => token,
            Err(NotSent::NoToken(e)) => return Err(NotSent::SavedWithoutToken(e)),
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
            Ok(Attempt::Skipped(skip)) => Err(NotSent::Internal(format!(
                "the saved rating could not be sent ({skip:?}); it stays in the outbox"
            ))),
            Err(e) => Err(NotSent::Internal(e.to_string())),
        }
    }

    /// The keyring entry's name for this server (its origin), if a server is set.
    pub fn origin(&self) -> Option<String> {
        self.base_url.as_deref().map(crate::api::origin)
    }

    /// What is known about this server's token (never the token).
    pub fn token_status(&self) -> Result<secrets::TokenStatus, secrets::SecretsError> {
        let origin = self.origin().unwrap_or_default();
        if self.tokens.environment_withheld(&origin) {
            secrets::keyring_token_status(&origin)
        } else {
            secrets::token_status(&origin)
        }
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

    /// The token comes from the keyring (not fixed, as in the demo mode).
    pub fn uses_keyring(&self) -> bool {
        matches!(self.tokens, TokenSource::Resolve { .. })
    }

    fn client(&self) -> Result<RatingClient, NotSent> {
        let url = self.base_url.as_deref().ok_or(NotSent::NoUrl)?;
        self.client
            .get_or_init(|| {
                RatingClient::new(&self.config.client_settings(url)).map_err(|e| e.to_string())
            })
            .clone()
            .map_err(NotSent::Client)
    }

    /// Do ahead of time what the first rating would otherwise wait for: build the HTTP
    /// client and choose the keyring's store (connecting to the Secret Service).
    /// Blocking; the window runs it on a background thread after its first frame.
    pub fn warm_up(&self) {
        let _ = self.client();
        if self.uses_keyring() {
            let _ = secrets::init_default_store();
        }
    }

    fn token(&self, origin: &str) -> Result<Token, NotSent> {
        match &self.tokens {
            TokenSource::Fixed(token) => Ok(token.clone()),
            TokenSource::Resolve { .. } if self.tokens.environment_withheld(origin) => {
                secrets::load_token(origin).map_err(NotSent::NoToken)
            }
            TokenSource::Resolve { .. } => secrets::resolve_token(origin)
                .map(|(token, _)| token)
                .map_err(NotSent::NoToken),
        }
    }
}

/// Milliseconds, for timing lines.
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
