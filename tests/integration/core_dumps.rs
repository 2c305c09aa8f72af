//! No core dump holds the token or a patient's remarks: the real binary, in the middle
//! of sending a rating (the token and the remarks in its memory), is killed with SIGABRT
//! with core dumps allowed by its limits (`ulimit -c unlimited`). It marks itself
//! non-dumpable at start, so the kernel writes no core and the wait status says so;
//! with the documented debug switch `VISIT_RATING_ALLOW_CORE_DUMPS=1` it dumps, and the
//! core holds the remarks (what the rule protects).
//!
//! The observable is the kernel's own: the "core dumped" bit of the wait status (set
//! only when a core was written, to a file or to a `|` helper such as systemd-coredump)
//! and, when `core_pattern` names a file, that file in the process's working folder.
//! (`/proc/PID/status` has no dumpable field, and the root:root ownership of a
//! non-dumpable process's `/proc/PID` files tells nothing when the test runs as root.)

#![cfg(target_os = "linux")]

use std::io::Write as _;
use std::os::unix::process::ExitStatusExt as _;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use crate::reliability::RawServer;
use crate::support::{UserEnv, wait_until};

const TOKEN: &str = "core-dump-token-4c1d9e";
const REMARKS: &str = "core-dump-remark-7f3a: the nurse was rude";

/// How the kernel names core files here: a file in the working folder unless the
/// pattern pipes to a helper (`|/usr/lib/systemd/systemd-coredump …`).
fn cores_go_to_a_file() -> bool {
    std::fs::read_to_string("/proc/sys/kernel/core_pattern")
        .is_ok_and(|pattern| !pattern.trim_start().starts_with('|'))
}

/// Files named `core*` in `dir` (`core`, or `core.PID` with `core_uses_pid`).
fn core_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("core"))
        })
        .collect()
}

/// `visit-rating submit` with the remarks on standard input, against a server that
/// takes the request and never answers, started with core dumps allowed
/// (`ulimit -c unlimited`) in `cwd`; killed with SIGABRT once its request (token and
/// remarks) reached the server. Its wait status and standard error.
fn abort_while_sending(env: &UserEnv, cwd: &std::path::Path, allow: bool) -> (ExitStatus, String) {
    let server = RawServer::start(|mut stream| {
        let mut buf = [0u8; 64];
        while matches!(std::io::Read::read(&mut stream, &mut buf), Ok(n) if n > 0) {}
    });
    let mut cmd = env.std_cmd("sh");
    cmd.current_dir(cwd)
        .args(["-c", r#"ulimit -c unlimited && exec "$@""#, "sh"])
        .arg(assert_cmd::cargo::cargo_bin("visit-rating"))
        .args(["--lang", "en", "submit", "--url", &server.url()])
        .args(["--history", "core-dump-visit", "--scores", "1,2,1,2"])
        .args(["--notes-file", "-"])
        .env("VISIT_RATING_TOKEN", TOKEN)
        .env_remove("VISIT_RATING_ALLOW_CORE_DUMPS")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if allow {
        cmd.env("VISIT_RATING_ALLOW_CORE_DUMPS", "1");
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(REMARKS.as_bytes())
        .unwrap();
    wait_until(
        "the rating reached the server",
        Duration::from_secs(30),
        || !server.requests().is_empty(),
    );
    assert!(server.requests()[0].contains(REMARKS));
    let killed = std::process::Command::new("sh")
        .args(["-c", &format!("kill -s ABRT {}", child.id())])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.signal(),
        Some(6),
        "SIGABRT ended it: {:?}",
        output.status
    );
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn an_aborted_process_leaves_no_core_dump() {
    let env = UserEnv::new();
    let cwd = tempfile::tempdir().unwrap();
    let (status, stderr) = abort_while_sending(&env, cwd.path(), false);
    assert!(
        !status.core_dumped(),
        "the kernel wrote a core dump of a process holding the token and the remarks"
    );
    assert_eq!(core_files(cwd.path()), Vec::<std::path::PathBuf>::new());
    assert!(
        !stderr.contains("VISIT_RATING_ALLOW_CORE_DUMPS"),
        "{stderr}"
    );
}

#[test]
fn the_debug_switch_allows_core_dumps_and_says_so() {
    let env = UserEnv::new();
    let cwd = tempfile::tempdir().unwrap();
    let (status, stderr) = abort_while_sending(&env, cwd.path(), true);
    assert!(
        status.core_dumped(),
        "no core dump with VISIT_RATING_ALLOW_CORE_DUMPS=1: can this machine write cores \
         (core_pattern {:?})?",
        std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default()
    );
    assert!(
        stderr.contains("VISIT_RATING_ALLOW_CORE_DUMPS"),
        "the switch is warned of: {stderr}"
    );
    if cores_go_to_a_file() {
        let cores = core_files(cwd.path());
        assert_eq!(cores.len(), 1, "{cores:?}");
        // What a dump exposes: the patient's remarks, in clear.
        let core = std::fs::read(&cores[0]).unwrap();
        assert!(
            core.windows(REMARKS.len()).any(|w| w == REMARKS.as_bytes()),
            "the remarks are in the core"
        );
    }
}
