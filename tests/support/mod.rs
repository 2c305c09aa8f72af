//! Helpers shared by the integration tests: an isolated user environment for the real
//! binary, and the stand-in server as a real child process.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};

use assert_cmd::Command;
use serde_json::Value;

/// A throwaway user: its own HOME and XDG folders, so no test reads or writes the real
/// settings, outbox or keyring entries of whoever runs the tests.
pub struct UserEnv {
    pub home: tempfile::TempDir,
}

impl UserEnv {
    pub fn new() -> UserEnv {
        UserEnv {
            home: tempfile::tempdir().expect("a temporary HOME"),
        }
    }

    pub fn path(&self) -> &Path {
        self.home.path()
    }

    pub fn config_dir(&self) -> PathBuf {
        self.path().join(".config/visit-rating")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.path().join(".local/share/visit-rating")
    }

    /// The real binary, with this user's folders and none of the caller's overrides.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::from_std(self.std_cmd(assert_cmd::cargo::cargo_bin("visit-rating")));
        cmd.timeout(std::time::Duration::from_mins(1));
        cmd
    }

    /// `program` as a plain `std` command with this user's folders (as [`UserEnv::cmd`]),
    /// for children a test kills or runs side by side.
    pub fn std_cmd(&self, program: impl AsRef<std::ffi::OsStr>) -> StdCommand {
        let mut cmd = StdCommand::new(program);
        cmd.env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join(".config"))
            .env("XDG_DATA_HOME", self.path().join(".local/share"))
            .env("XDG_CACHE_HOME", self.path().join(".cache"))
            .env_remove("VISIT_RATING_TOKEN")
            .env_remove("VISIT_RATING_URL")
            .env_remove("RUST_LOG");
        cmd
    }

    /// The real binary as a silent child process with `token` in `VISIT_RATING_TOKEN`.
    pub fn spawn(&self, token: &str, args: &[&str]) -> Child {
        self.std_cmd(assert_cmd::cargo::cargo_bin("visit-rating"))
            .env("VISIT_RATING_TOKEN", token)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts")
    }

    /// Write `config.toml` in this user's config folder.
    pub fn write_config(&self, text: &str) -> PathBuf {
        let dir = self.config_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// `visit-rating mock-server` running as a child process on a free loopback port.
pub struct MockProcess {
    child: Child,
    pub url: String,
}

impl MockProcess {
    /// Start it with extra arguments (tokens, faults).
    pub fn start(args: &[&str]) -> MockProcess {
        MockProcess::start_on("127.0.0.1:0", args)
    }

    /// Start it on a given address (to restart a server on the same port).
    pub fn start_on(addr: &str, args: &[&str]) -> MockProcess {
        let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("visit-rating"))
            .args(["mock-server", "--addr", addr])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the stand-in server starts");
        let stdout = child.stdout.take().unwrap();
        let mut first = String::new();
        BufReader::new(stdout).read_line(&mut first).unwrap();
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
            .to_owned();
        MockProcess { child, url }
    }

    /// `host:port` it listens on.
    pub fn addr(&self) -> String {
        self.url.trim_start_matches("http://").to_owned()
    }

    /// What it accepted (`GET /__mock/ratings`).
    pub fn ratings(&self) -> Vec<Value> {
        get_json(&format!("{}/__mock/ratings", self.url))
    }

    /// Every request to the rating path (`GET /__mock/requests`).
    pub fn requests(&self) -> Vec<Value> {
        get_json(&format!("{}/__mock/requests", self.url))
    }

    /// Replace its faults (`PUT /__mock/faults`).
    pub fn set_faults(&self, faults: &Value) {
        let response = reqwest::blocking::Client::new()
            .put(format!("{}/__mock/faults", self.url))
            .body(faults.to_string())
            .send()
            .unwrap();
        assert!(response.status().is_success(), "{:?}", response.text());
    }

    /// Stop it (the server is "down" until started again).
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn get_json(url: &str) -> Vec<Value> {
    let text = reqwest::blocking::get(url)
        .and_then(reqwest::blocking::Response::text)
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {url}: {e}: {text}"))
}

/// A loopback port with nothing listening on it.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// stdout of a finished command, parsed as one JSON object.
pub fn json_of(output: &std::process::Output) -> Value {
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("stdout is not one JSON object ({e}): {text}"))
}

/// A random-enough suffix for names (keyring entries, visit ids) so runs never collide.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{:016x}", fastrand::u64(..))
}

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// An unsigned JWT whose `exp` is `secs` from now (the program only reads its expiry).
pub fn jwt_expiring_in(secs: i64) -> String {
    format!(
        "{}.{}.c2lnbmF0dXJl",
        base64url(br#"{"alg":"HS256","typ":"JWT"}"#),
        base64url(format!(r#"{{"sub":"clinic","exp":{}}}"#, now_secs() + secs).as_bytes())
    )
}

/// The real Secret Service that `scripts/test` starts, one test at a time: a guard while
/// it is there, `None` (the test says it was skipped) without it — but never in CI, where
/// a missing keyring is a failure. Serialised because the throwaway gnome-keyring,
/// under a loaded machine, once reported itself locked to one of several tests talking
/// to it at the same moment.
pub fn real_keyring() -> Option<std::sync::MutexGuard<'static, ()>> {
    static KEYRING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    if std::env::var_os("VISIT_RATING_TEST_SECRET_SERVICE").is_some() {
        return Some(
            KEYRING
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must run the keyring tests: use scripts/test"
    );
    eprintln!("skipped: no Secret Service (run the tests with scripts/test)");
    None
}

/// How many ratings wait in `data_dir/outbox` (its `*.json` files; 0 without the folder).
pub fn saved_ratings(data_dir: &Path) -> usize {
    std::fs::read_dir(data_dir.join("outbox")).map_or(0, |entries| {
        entries
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
            })
            .count()
    })
}

/// Make the harness a screen of `pixels` physical pixels at the zoom the kiosk chose,
/// as a real window is: egui's zoom shrinks the window's size in points (eframe divides
/// the window's pixels by it every frame), while a harness keeps the size in points it
/// was given.
pub fn fit_to_pixels<State>(harness: &mut egui_kittest::Harness<'_, State>, pixels: egui::Vec2) {
    for _ in 0..5 {
        let points = pixels / harness.ctx.pixels_per_point();
        if (harness.ctx.content_rect().size() - points).length() < 0.5 {
            return;
        }
        harness.set_size(points);
        harness.run_steps(2);
    }
}

/// Run frames until the window is at rest: none of its background jobs (`ui::jobs`)
/// left and no repaint asked. Waits on the jobs themselves, never on a clock (while a
/// job runs the window may draw a spinner, which repaints forever: one frame, then wait).
pub fn settle<State>(harness: &mut egui_kittest::Harness<'_, State>) {
    for _ in 0..50 {
        harness.step();
        if visit_rating::ui::jobs::running(&harness.ctx) > 0 {
            assert!(
                visit_rating::ui::jobs::wait_idle(&harness.ctx, std::time::Duration::from_secs(30)),
                "a background job of the window did not end within 30 s"
            );
            continue;
        }
        // A frame may start another job (and draw its spinner): then wait for it too.
        let rested = harness.try_run().is_ok();
        if rested && visit_rating::ui::jobs::running(&harness.ctx) == 0 {
            return;
        }
    }
    panic!("the window kept starting background jobs for 50 rounds");
}
