//! Where a server's token comes from, in one order for every front end ([`Sources`]):
//!
//! 1. `VISIT_RATING_TOKEN` — automation and tests — for the server given at start only;
//! 2. the systemd credential `$CREDENTIALS_DIRECTORY/visit-rating-token`, when systemd
//!    passed one, and
//! 3. the file the settings' `token_file` names — both for the settings' `server_url`
//!    only (see [`super::file`]);
//! 4. the keyring entry for the server's origin.
//!
//! The first that applies to a server is the one in force: a source that is set but
//! unusable (a bad variable, a refused file) is an error, never skipped for the next, so
//! a terminal never quietly sends another token than the one its administrator gave it.
//! A credential folder without our credential is not a source. When a file is in force
//! the keyring is not asked at all (on a kiosk it could only prompt, or fail).

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::file::{read_credential, read_token_file};
use super::store::{TOKEN_ENV, TokenOrigin, TokenStatus, load_token, token_status_with};
use super::{SecretsError, Token};

/// The token sources of one terminal, each bound to the server it is for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sources {
    /// The origin `VISIT_RATING_TOKEN` is sent to (the server given at start); `None`:
    /// to none.
    pub environment_for: Option<String>,
    /// The origin the credential and `token_file` are sent to: the settings'
    /// `server_url`; `None`: to none.
    pub machine_for: Option<String>,
    /// `$CREDENTIALS_DIRECTORY/visit-rating-token`, when `$CREDENTIALS_DIRECTORY` is set.
    pub credential: Option<PathBuf>,
    /// The settings' `token_file`.
    pub file: Option<PathBuf>,
}

impl Sources {
    /// The file a token for `origin` comes from (the credential or `token_file`) and
    /// which of the two, if one applies; the file is not read.
    pub fn file_for(&self, origin: &str) -> Option<(TokenOrigin, &Path)> {
        if self.machine_for.as_deref() != Some(origin) {
            return None;
        }
        // A credential folder holds whatever credentials the unit passes: ours only if
        // it is there (an error looking is taken as there, and reported on reading).
        if let Some(credential) = &self.credential
            && credential.try_exists().unwrap_or(true)
        {
            return Some((TokenOrigin::Credential, credential));
        }
        self.file.as_deref().map(|file| (TokenOrigin::File, file))
    }

    /// [`Sources::file_for`] unless the environment's token applies to `origin` (it
    /// wins, as in [`Sources::resolve`]); the file is not read.
    pub fn file_in_force(&self, origin: &str) -> Option<(TokenOrigin, &Path)> {
        if self.environment(origin).is_some() {
            return None;
        }
        self.file_for(origin)
    }

    /// `VISIT_RATING_TOKEN` is set but not used for `origin` (it is bound to the server
    /// given at start).
    pub fn environment_withheld(&self, origin: &str) -> bool {
        std::env::var_os(TOKEN_ENV).is_some() && self.environment_for.as_deref() != Some(origin)
    }

    /// The environment variable's value, when it applies to `origin`.
    fn environment(&self, origin: &str) -> Option<Zeroizing<String>> {
        if self.environment_for.as_deref() == Some(origin) {
            std::env::var(TOKEN_ENV).ok().map(Zeroizing::new)
        } else {
            None
        }
    }

    /// The token in force for `origin` and where it came from. A file is read afresh
    /// on every call. Blocking (a file, or the keyring over D-Bus).
    pub fn resolve(&self, origin: &str) -> Result<(Token, TokenOrigin), SecretsError> {
        self.resolve_with(self.environment(origin), origin)
    }

    /// [`Sources::resolve`] with the environment variable's value (when it applies to
    /// `origin`) passed in.
    pub(super) fn resolve_with(
        &self,
        env: Option<Zeroizing<String>>,
        origin: &str,
    ) -> Result<(Token, TokenOrigin), SecretsError> {
        if let Some(raw) = env {
            return Token::new(&raw)
                .map(|t| (t, TokenOrigin::Environment))
                .map_err(SecretsError::BadEnvToken);
        }
        if let Some((from, path)) = self.file_for(origin) {
            return read_file(from, path).map(|t| (t, from));
        }
        load_token(origin).map(|t| (t, TokenOrigin::Keyring))
    }

    /// What is known about the token in force for `origin` (never the token). For a
    /// file, `store` is its path and `stored` (in the keyring) is `false`: the keyring
    /// is not asked.
    pub fn status(&self, origin: &str) -> Result<TokenStatus, SecretsError> {
        if let Some(raw) = self.environment(origin) {
            return token_status_with(Some(raw), origin);
        }
        if let Some((from, path)) = self.file_for(origin) {
            let token = read_file(from, path)?;
            return Ok(TokenStatus {
                origin: origin.to_owned(),
                source: Some(from),
                stored: false,
                store: path.display().to_string(),
                expires_at: token.jwt_expiry(),
            });
        }
        token_status_with(None, origin)
    }
}

fn read_file(from: TokenOrigin, path: &Path) -> Result<Token, SecretsError> {
    let credential = from == TokenOrigin::Credential;
    let read = if credential {
        read_credential(path)
    } else {
        read_token_file(path)
    };
    read.map_err(|problem| SecretsError::TokenFile {
        credential,
        path: path.to_owned(),
        problem,
    })
}

#[cfg(test)]
#[cfg(target_os = "linux")]
mod tests {
    use super::*;
    use crate::secrets::file::FileProblem;
    use std::os::unix::fs::PermissionsExt as _;

    const A: &str = "https://a.example:443";
    const B: &str = "https://b.example:443";

    fn write(path: &Path, text: &str) {
        std::fs::write(path, text).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    #[test]
    fn the_credential_wins_over_token_file_and_both_are_bound_to_their_server() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        let credential = dir.path().join("credentials").join("visit-rating-token");
        write(&file, "from-file\n");
        let sources = Sources {
            environment_for: None,
            machine_for: Some(A.to_owned()),
            credential: Some(credential.clone()),
            file: Some(file.clone()),
        };
        // No credential in the folder: token_file.
        let (token, from) = sources.resolve(A).unwrap();
        assert_eq!(
            (token, from),
            (Token::new("from-file").unwrap(), TokenOrigin::File)
        );
        assert_eq!(
            sources.file_for(A),
            Some((TokenOrigin::File, file.as_path()))
        );
        std::fs::create_dir(credential.parent().unwrap()).unwrap();
        write(&credential, "from-credential");
        let (token, from) = sources.resolve(A).unwrap();
        assert_eq!(
            (token, from),
            (
                Token::new("from-credential").unwrap(),
                TokenOrigin::Credential
            )
        );
        let status = sources.status(A).unwrap();
        assert_eq!(status.source, Some(TokenOrigin::Credential));
        assert_eq!(status.store, credential.display().to_string());
        assert!(!status.stored);
        // Server B gets neither file.
        assert_eq!(sources.file_for(B), None);
        let unbound = Sources {
            machine_for: None,
            ..sources
        };
        assert_eq!(unbound.file_for(A), None);
    }

    #[test]
    fn a_refused_file_is_an_error_not_a_fall_back_to_the_keyring() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        write(&file, "from-file");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let sources = Sources {
            machine_for: Some(A.to_owned()),
            file: Some(file.clone()),
            ..Sources::default()
        };
        let error = sources.resolve(A).unwrap_err();
        assert_eq!(
            error,
            SecretsError::TokenFile {
                credential: false,
                path: file.clone(),
                problem: FileProblem::Permissions { mode: 0o644 }
            }
        );
        assert_eq!(error.kind(), "token_file");
        assert!(
            error.to_string().contains(&file.display().to_string()),
            "{error}"
        );
        assert_eq!(sources.status(A).unwrap_err(), error);
    }
}
