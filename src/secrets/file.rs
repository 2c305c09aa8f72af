//! A token kept in a file, for an unattended terminal that has no one to unlock a
//! keyring: the file the settings' `token_file` names, or the systemd credential
//! `$CREDENTIALS_DIRECTORY/visit-rating-token` (`LoadCredential=` / `SetCredential=`,
//! systemd 247 and newer).
//!
//! The file holds the token alone (surrounding spaces and line breaks are trimmed). It
//! is bound to the server of the settings' `server_url` by [`super::Sources`], as a
//! keyring entry is bound to its origin: it is never sent to any other server.
//!
//! A file is read afresh each time a token is needed ([`read_token_file`]: one open, one
//! `fstat`, one read of at most [`MAX_FILE_BYTES`]), so a file replaced by an atomic
//! rename (an administrator, Ansible) is used from the next attempt on, with no restart
//! and no cache to go stale.
//!
//! It is refused, with the reason, unless it is a regular file owned by root or by the
//! user running the program and neither group nor others may read or write it (for a
//! systemd credential: not others; the group's bits may show systemd's ACL mask). The
//! checks are made on the open file's own metadata (`fstat`), never on the path's, so the
//! file cannot be swapped between the check and the read. A file longer than
//! [`MAX_FILE_BYTES`] is refused from its size without being read; what is read is kept
//! in a buffer wiped when dropped. Neither the token nor any part of the file ever
//! appears in an error.
//!
//! Only Linux checks owners and modes here; elsewhere a token file is refused as
//! unsupported (Windows and macOS keep the token in their keyrings).

use std::path::{Path, PathBuf};

use super::{MAX_TOKEN_BYTES, Token, TokenFormatError};

/// The name of the systemd credential the token is passed as
/// (`LoadCredential=visit-rating-token:/etc/visit-rating/token`).
pub const CREDENTIAL_NAME: &str = "visit-rating-token";

/// The variable systemd sets to the folder holding a service's credentials.
pub const CREDENTIALS_DIRECTORY_ENV: &str = "CREDENTIALS_DIRECTORY";

/// The longest token file read: a token of [`MAX_TOKEN_BYTES`] with room for line
/// breaks and spaces around it. A longer file is refused from its size, unread.
pub const MAX_FILE_BYTES: usize = MAX_TOKEN_BYTES + 512;

/// The systemd credential's path, when systemd passed credentials to this process
/// (`$CREDENTIALS_DIRECTORY` is set and not empty); whether the file exists is seen when
/// it is read.
pub fn credential_path() -> Option<PathBuf> {
    std::env::var_os(CREDENTIALS_DIRECTORY_ENV)
        .filter(|dir| !dir.is_empty())
        .map(|dir| Path::new(&dir).join(CREDENTIAL_NAME))
}

/// Why a token file was refused. `Display` is short English for logs and `--json`; it
/// never holds the file's content.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    /// A relative path: it would depend on the folder the program was started in.
    #[error("the path is not absolute")]
    NotAbsolute,
    /// No such file.
    #[error("it does not exist")]
    Missing,
    /// It could not be opened or read (the system's words).
    #[error("it cannot be read ({0})")]
    Unreadable(String),
    /// A folder, a device, a pipe…
    #[error("it is not a regular file")]
    NotAFile,
    /// Owned by someone other than root or the user running the program.
    #[error(
        "it is owned by user id {owner}; only root (0) or the user running the program ({user}) may own it"
    )]
    Owner {
        /// The file's owner.
        owner: u32,
        /// The user running the program (effective user id).
        user: u32,
    },
    /// Group or others may read or write it.
    #[error(
        "its mode {mode:04o} lets group or others read or write it; allow its owner alone (chmod 600)"
    )]
    Permissions {
        /// The file's permission bits.
        mode: u32,
    },
    /// Longer than any token file can be.
    #[error("it is {bytes} bytes long; a token file holds at most {MAX_FILE_BYTES}")]
    TooLarge {
        /// Its size.
        bytes: u64,
    },
    /// What it holds is not a usable token.
    #[error("it does not hold a usable token: {0}")]
    Format(TokenFormatError),
    /// This platform keeps tokens in its keyring only.
    #[error("token files are supported on Linux only")]
    Unsupported,
}

/// The mode bits a token file may not have: group's and others' read and write.
const LOOSE_FILE: u32 = 0o066;

/// The mode bits a systemd credential may not have: others' read and write. systemd
/// gives the service's user access to a root-owned credential with an ACL entry where
/// the file system has ACLs, and the ACL's mask then shows in the group's bits (`0440`);
/// the folder is the service's alone either way.
const LOOSE_CREDENTIAL: u32 = 0o006;

/// The token in the file at `path` (the settings' `token_file`), checked as the module
/// says; read afresh on every call. Blocking (a file read): never on the UI thread.
pub fn read_token_file(path: &Path) -> Result<Token, FileProblem> {
    crate::blocking::assert_may_block("reading the token file");
    if !path.is_absolute() {
        return Err(FileProblem::NotAbsolute);
    }
    read_checked(path, LOOSE_FILE)
}

/// The token in the systemd credential at `path` ([`credential_path`]), checked as a
/// token file except that the group's bits may show systemd's ACL mask.
pub fn read_credential(path: &Path) -> Result<Token, FileProblem> {
    crate::blocking::assert_may_block("reading the systemd credential");
    if !path.is_absolute() {
        return Err(FileProblem::NotAbsolute);
    }
    read_checked(path, LOOSE_CREDENTIAL)
}

#[cfg(target_os = "linux")]
fn read_checked(path: &Path, loose: u32) -> Result<Token, FileProblem> {
    use std::io::Read as _;
    use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
    use zeroize::Zeroizing;

    // O_NONBLOCK: a FIFO put in the file's place must not hang the opening (it is then
    // refused as not a regular file); O_NOCTTY: a terminal device never becomes ours.
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => FileProblem::Missing,
            _ => FileProblem::Unreadable(e.to_string()),
        })?;
    // The open file's own metadata (fstat), not the path's: what is checked is what
    // is read.
    let meta = file
        .metadata()
        .map_err(|e| FileProblem::Unreadable(e.to_string()))?;
    if !meta.file_type().is_file() {
        return Err(FileProblem::NotAFile);
    }
    let user = rustix::process::geteuid().as_raw();
    if meta.uid() != 0 && meta.uid() != user {
        return Err(FileProblem::Owner {
            owner: meta.uid(),
            user,
        });
    }
    let mode = meta.mode() & 0o7777;
    if mode & loose != 0 {
        return Err(FileProblem::Permissions { mode });
    }
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(FileProblem::TooLarge { bytes: meta.len() });
    }
    // One buffer of fixed size, never grown (a grown Vec leaves copies behind), wiped
    // when dropped; one byte more than allowed, to notice a file that grew meanwhile.
    let mut buffer = Zeroizing::new(vec![0u8; MAX_FILE_BYTES + 1]);
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FileProblem::Unreadable(e.to_string())),
        }
    }
    if filled > MAX_FILE_BYTES {
        return Err(FileProblem::TooLarge {
            bytes: filled as u64,
        });
    }
    let text = std::str::from_utf8(&buffer[..filled])
        .map_err(|_| FileProblem::Format(TokenFormatError::NonAscii))?;
    Token::new(text.trim_matches(|c: char| c.is_ascii_whitespace())).map_err(FileProblem::Format)
}

#[cfg(not(target_os = "linux"))]
fn read_checked(_path: &Path, _loose: u32) -> Result<Token, FileProblem> {
    Err(FileProblem::Unsupported)
}

#[cfg(test)]
#[cfg(target_os = "linux")]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn token_file(content: &[u8], mode: u32) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, content).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        (dir, path)
    }

    #[test]
    fn a_private_file_gives_its_token_trimmed() {
        for content in [
            &b"abc.def"[..],
            b"abc.def\n",
            b"  abc.def \r\n\n",
            b"\tabc.def",
        ] {
            let (_dir, path) = token_file(content, 0o600);
            assert_eq!(
                read_token_file(&path).unwrap(),
                Token::new("abc.def").unwrap()
            );
        }
        let (_dir, path) = token_file(b"abc.def\n", 0o400);
        assert!(read_token_file(&path).is_ok(), "read-only for its owner");
    }

    #[test]
    fn loose_modes_are_refused_before_reading() {
        for mode in [0o640, 0o604, 0o620, 0o602, 0o666] {
            let (_dir, path) = token_file(b"s3cr3t-token\n", mode);
            let problem = read_token_file(&path).unwrap_err();
            assert_eq!(problem, FileProblem::Permissions { mode }, "{mode:o}");
            assert!(problem.to_string().contains("chmod 600"), "{problem}");
            assert!(!format!("{problem} {problem:?}").contains("s3cr3t"));
        }
    }

    #[test]
    fn a_credential_may_show_systemds_acl_mask_in_its_group_bits_but_no_more() {
        let (_dir, path) = token_file(b"abc.def", 0o440);
        assert_eq!(
            read_credential(&path).unwrap(),
            Token::new("abc.def").unwrap()
        );
        assert_eq!(
            read_token_file(&path).unwrap_err(),
            FileProblem::Permissions { mode: 0o440 }
        );
        let (_dir, path) = token_file(b"abc.def", 0o404);
        assert_eq!(
            read_credential(&path).unwrap_err(),
            FileProblem::Permissions { mode: 0o404 }
        );
    }

    #[test]
    fn what_is_not_a_token_is_refused_without_showing_it() {
        let cases: [(&[u8], FileProblem); 5] = [
            (b"", FileProblem::Format(TokenFormatError::Empty)),
            (b"\n\n", FileProblem::Format(TokenFormatError::Empty)),
            (
                b"s3cr3t one",
                FileProblem::Format(TokenFormatError::Whitespace),
            ),
            (
                b"s3cr3t\x07x",
                FileProblem::Format(TokenFormatError::Control),
            ),
            (
                b"s3cr3t\xff",
                FileProblem::Format(TokenFormatError::NonAscii),
            ),
        ];
        for (content, expected) in cases {
            let (_dir, path) = token_file(content, 0o600);
            let problem = read_token_file(&path).unwrap_err();
            assert_eq!(problem, expected, "{content:?}");
            assert!(!format!("{problem} {problem:?}").contains("s3cr3t"));
        }
        let longest = "t".repeat(MAX_TOKEN_BYTES);
        let (_dir, path) = token_file(format!("{longest}\n").as_bytes(), 0o600);
        assert_eq!(
            read_token_file(&path).unwrap(),
            Token::new(&longest).unwrap()
        );
        let (_dir, path) = token_file(&vec![b't'; MAX_TOKEN_BYTES + 1], 0o600);
        assert_eq!(
            read_token_file(&path).unwrap_err(),
            FileProblem::Format(TokenFormatError::TooLong {
                bytes: MAX_TOKEN_BYTES + 1
            })
        );
    }

    #[test]
    fn a_huge_file_is_refused_from_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        let file = std::fs::File::create(&path).unwrap();
        // Sparse: a gigabyte on paper, nothing on disk; reading it all would show.
        file.set_len(1 << 30).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let started = std::time::Instant::now();
        assert_eq!(
            read_token_file(&path).unwrap_err(),
            FileProblem::TooLarge { bytes: 1 << 30 }
        );
        eprintln!("refused in {:?}", started.elapsed());
    }

    #[test]
    fn not_a_file_missing_and_relative_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(
            read_token_file(dir.path()).unwrap_err(),
            FileProblem::NotAFile
        );
        assert_eq!(
            read_token_file(&dir.path().join("none")).unwrap_err(),
            FileProblem::Missing
        );
        assert_eq!(
            read_token_file(Path::new("token")).unwrap_err(),
            FileProblem::NotAbsolute
        );
    }
}
