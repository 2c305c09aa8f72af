//! The work the window asks for, kept apart from egui: sending a rating to the configured
//! server with the configured token. Blocking; the window runs it on a worker thread.
//!
//! The GUI holds one [`Service`] behind an `Arc` and never touches reqwest, the keyring
//! or files itself.

use crate::api::{Outcome, RatingClient, VisitId};
use crate::config::Config;
use crate::rating::Rating;
use crate::secrets::{self, Token};

/// Where the token comes from.
#[derive(Clone, Debug)]
pub enum TokenSource {
    /// A token fixed at start (the demo mode's stand-in token; tests).
    Fixed(Token),
    /// `VISIT_RATING_TOKEN` if set, else the keyring entry for the server.
    Resolve,
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
    /// The worker thread could not be started.
    #[error("cannot start the sending thread: {0}")]
    Internal(String),
}

/// What became of a rating the window sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmitReport {
    /// The server's answer (or why there was none).
    pub outcome: Outcome,
    /// The rating is kept on disk and will be sent again automatically.
    pub queued: bool,
}

/// Sends ratings for the window.
#[derive(Debug)]
pub struct Service {
    config: Config,
    base_url: Option<String>,
    tokens: TokenSource,
}

impl Service {
    /// A service for `base_url` (the effective URL after overrides) with `config`'s
    /// timeouts and CA file.
    pub fn new(config: Config, base_url: Option<String>, tokens: TokenSource) -> Service {
        Service {
            config,
            base_url,
            tokens,
        }
    }

    /// The server this service sends to.
    pub fn base_url(&self) -> Option<&str> {
        self.base_url.as_deref()
    }

    /// The settings it uses.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Send one rating (blocking).
    pub fn submit(&self, id: &VisitId, rating: &Rating) -> Result<SubmitReport, NotSent> {
        let client = self.client()?;
        let token = self.token(&client.origin())?;
        Ok(SubmitReport {
            outcome: client.submit(id, rating, &token),
            queued: false,
        })
    }

    /// The keyring entry's name for this server (its origin), if a server is set.
    pub fn origin(&self) -> Option<String> {
        self.base_url.as_deref().map(crate::api::origin)
    }

    /// What is known about this server's token (never the token).
    pub fn token_status(&self) -> Result<secrets::TokenStatus, secrets::SecretsError> {
        secrets::token_status(&self.origin().unwrap_or_default())
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
        matches!(self.tokens, TokenSource::Resolve)
    }

    fn client(&self) -> Result<RatingClient, NotSent> {
        let url = self.base_url.as_deref().ok_or(NotSent::NoUrl)?;
        RatingClient::new(&self.config.client_settings(url))
            .map_err(|e| NotSent::Client(e.to_string()))
    }

    fn token(&self, origin: &str) -> Result<Token, NotSent> {
        match &self.tokens {
            TokenSource::Fixed(token) => Ok(token.clone()),
            TokenSource::Resolve => secrets::resolve_token(origin)
                .map(|(token, _)| token)
                .map_err(NotSent::NoToken),
        }
    }
}
