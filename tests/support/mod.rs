//! Helpers shared by the integration tests: an isolated user environment for the real
//! binary, and the stand-in server as a real child process.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};

use assert_cmd::Command;
use serde_json::Value;

pub mod cli;
pub mod hostile;
pub mod proxy;
pub mod ui;

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

    /// This user's stand-in for `/etc/visit-rating` (the machine-wide settings), named
    /// by `VISIT_RATING_SYSTEM_CONFIG_DIR`: the machine's own never reaches a test.
    pub fn system_dir(&self) -> PathBuf {
        self.path().join("etc/visit-rating")
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
            .env("VISIT_RATING_SYSTEM_CONFIG_DIR", self.system_dir())
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

/// The environment variable that gives `mock-server` its control key (the book's
/// "The stand-in server").
pub const MOCK_KEY_ENV: &str = "VISIT_RATING_MOCK_KEY";

/// The header that carries it on `/__mock/*`.
pub const MOCK_KEY_HEADER: &str = "X-Mock-Key";

/// `visit-rating mock-server` running as a child process on a free loopback port.
pub struct MockProcess {
    child: Child,
    pub url: String,
    /// Its control key (given through [`MOCK_KEY_ENV`]), for `/__mock/*`.
    pub key: String,
}

impl MockProcess {
    /// Start it with extra arguments (tokens, faults).
    pub fn start(args: &[&str]) -> MockProcess {
        MockProcess::start_on("127.0.0.1:0", args)
    }

    /// Start it on a given address (see [`DownPort::start_mock_process`] for a server
    /// that comes back on the port it had).
    pub fn start_on(addr: &str, args: &[&str]) -> MockProcess {
        let key = format!("{:032x}", fastrand::u128(..));
        let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("visit-rating"))
            .args(["mock-server", "--addr", addr])
            .args(args)
            .env(MOCK_KEY_ENV, &key)
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
        MockProcess { child, url, key }
    }

    /// `host:port` it listens on.
    pub fn addr(&self) -> String {
        self.url.trim_start_matches("http://").to_owned()
    }

    /// What it accepted (`GET /__mock/ratings`).
    pub fn ratings(&self) -> Vec<Value> {
        self.get_json("ratings")
    }

    /// Every request to the rating path (`GET /__mock/requests`).
    pub fn requests(&self) -> Vec<Value> {
        self.get_json("requests")
    }

    /// `GET /__mock/{what}`, with the key.
    fn get_json(&self, what: &str) -> Vec<Value> {
        let url = format!("{}/__mock/{what}", self.url);
        let text = reqwest::blocking::Client::new()
            .get(&url)
            .header(MOCK_KEY_HEADER, &self.key)
            .send()
            .and_then(reqwest::blocking::Response::error_for_status)
            .and_then(reqwest::blocking::Response::text)
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {url}: {e}: {text}"))
    }

    /// Replace its faults (`PUT /__mock/faults`).
    pub fn set_faults(&self, faults: &Value) {
        let response = reqwest::blocking::Client::new()
            .put(format!("{}/__mock/faults", self.url))
            .header(MOCK_KEY_HEADER, &self.key)
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

/// A loopback port whose server is down, held by the test: bound but not listening, so
/// a connection is refused at once, as by a stopped server, and no other program can
/// take the port meanwhile (a port freed and bound again later could be taken).
pub struct DownPort {
    socket: socket2::Socket,
    addr: std::net::SocketAddr,
}

impl DownPort {
    pub fn new() -> DownPort {
        use socket2::{Domain, Socket, Type};
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        socket
            .bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())
            .unwrap();
        let addr = socket.local_addr().unwrap().as_socket().unwrap();
        DownPort { socket, addr }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server comes up in this process on the same port, with no gap: the held
    /// socket starts listening.
    pub fn listen(self) -> std::net::TcpListener {
        self.socket.listen(128).unwrap();
        self.socket.into()
    }

    /// The stand-in server comes up as a child process on the same port. The port is
    /// let go only as the child starts (a child cannot take over our socket without
    /// unsafe code, which the crate forbids), so the gap is the child's start-up, not
    /// the test's whole "down" phase.
    pub fn start_mock_process(self, args: &[&str]) -> MockProcess {
        let addr = self.addr.to_string();
        drop(self.socket);
        MockProcess::start_on(&addr, args)
    }
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

/// The variable with which a person running the tests on a machine without a Secret
/// Service opts out of the tests that need one: `VISIT_RATING_SKIP_KEYRING_TESTS=1 cargo
/// test`. CI never sets it (it runs `scripts/test`, which provides a Secret Service, and a
/// run with `CI` set refuses the opt-out). Without it, such a test fails and says why.
pub const SKIP_KEYRING_TESTS: &str = "VISIT_RATING_SKIP_KEYRING_TESTS";

/// Set by `scripts/test` inside the private D-Bus session where it started a throwaway
/// gnome-keyring: a Secret Service the tests may use (never the caller's own keyring).
const TEST_SECRET_SERVICE: &str = "VISIT_RATING_TEST_SECRET_SERVICE";

/// The one decision for a test that needs the Secret Service (or the D-Bus tools around
/// it) and finds `missing` absent: it fails with a message saying what is missing and the
/// two ways on, unless the person running the tests opted out with
/// [`SKIP_KEYRING_TESTS`]`=1` (outside CI); then it says the test is skipped and returns,
/// and the caller returns without checking anything.
pub fn keyring_test_cannot_run(missing: &str) {
    let opted_out = std::env::var(SKIP_KEYRING_TESTS).is_ok_and(|v| v == "1");
    assert!(
        opted_out,
        "this test needs a Secret Service, and {missing}.\n\
         Run the tests with scripts/test (it starts a throwaway keyring in a private D-Bus \
         session and never touches yours), or opt out of the keyring tests on this machine \
         with {SKIP_KEYRING_TESTS}=1 (CI never does)."
    );
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must run the keyring tests: unset {SKIP_KEYRING_TESTS} and use scripts/test \
         ({missing})"
    );
    eprintln!("skipped ({SKIP_KEYRING_TESTS}=1): this test needs a Secret Service, and {missing}");
}

/// The real Secret Service that `scripts/test` starts, one test at a time: a guard while
/// the test talks to it. Without one the test fails with a clear message (see
/// [`keyring_test_cannot_run`]); `None` only when the person running the tests opted out
/// with [`SKIP_KEYRING_TESTS`]`=1`, and the caller then returns. The first call checks
/// that the service answers (a store and a clear with `secret-tool`), so a dead daemon is
/// one clear failure rather than every test's own confusing one. Serialised because the
/// throwaway gnome-keyring, under a loaded machine, once reported itself locked to one
/// of several tests talking to it at the same moment.
pub fn real_keyring() -> Option<std::sync::MutexGuard<'static, ()>> {
    static KEYRING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    static ANSWERS: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    if std::env::var_os(TEST_SECRET_SERVICE).is_none() {
        keyring_test_cannot_run(&format!(
            "none was set up for the tests ({TEST_SECRET_SERVICE} is not set)"
        ));
        return None;
    }
    let guard = KEYRING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Err(why) = ANSWERS.get_or_init(secret_service_answers) {
        panic!("{TEST_SECRET_SERVICE} is set, but the Secret Service does not answer: {why}");
    }
    Some(guard)
}

/// Store and clear one throwaway item with `secret-tool`, an independent client.
fn secret_service_answers() -> Result<(), String> {
    use std::io::Write as _;
    let name = unique("visit-rating-probe");
    let mut store = StdCommand::new("secret-tool")
        .args([
            "store", "--label", &name, "service", &name, "username", "probe",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("secret-tool (package libsecret-tools): {e}"))?;
    let _ = store
        .stdin
        .take()
        .map(|mut stdin| stdin.write_all(b"probe"));
    let stored = store.wait_with_output().map_err(|e| e.to_string())?;
    if !stored.status.success() {
        return Err(format!(
            "secret-tool store: {}",
            String::from_utf8_lossy(&stored.stderr).trim()
        ));
    }
    let _ = StdCommand::new("secret-tool")
        .args(["clear", "service", &name])
        .status();
    Ok(())
}

/// How many ratings wait in `data_dir/outbox`: its entry files and the waiting lines of
/// its segments (an import's); 0 without the folder.
pub fn saved_ratings(data_dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(data_dir.join("outbox")) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .map(|path| match path.extension().and_then(|x| x.to_str()) {
            Some("json") => 1,
            // A segment (an import's): one line per rating, `W` while it waits there.
            Some("seg") => std::fs::read_to_string(&path).map_or(0, |text| {
                text.lines().filter(|l| l.starts_with('W')).count()
            }),
            _ => 0,
        })
        .sum()
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

/// A settings file as an administrator writes it by hand: comments above keys and
/// tables, inline comments, blank lines, keys in an order of their own, a commented-out
/// key and a `[kiosk_options]` table. Saving settings must keep all of it.
pub const HAND_WRITTEN_CONFIG: &str = "\
# Clinic No. 3, reception terminal. Edited by hand: keep these notes.

# The portal's address comes from the window's setup screen.
# server_url = \"https://rpgu.example.ru\"

# Slow uplink.
request_timeout_secs = 45   # seconds
connect_timeout_secs = 5
high_contrast = true  # the entrance is bright


# Touch terminal by the door.
[kiosk_options]
idle_secs = 120   # two minutes
# The patient's screen is the second one.
monitor = 1
";

/// The last top-level line of [`HAND_WRITTEN_CONFIG`]: a new top-level key goes after it.
pub const HAND_WRITTEN_LAST_KEY: &str = "high_contrast = true  # the entrance is bright";

/// `text` with `line` inserted after its line `anchor` (which must be there once).
pub fn with_line_after(text: &str, anchor: &str, line: &str) -> String {
    let needle = format!("{anchor}\n");
    assert_eq!(
        text.matches(&needle).count(),
        1,
        "{anchor:?} once in:\n{text}"
    );
    text.replacen(&needle, &format!("{needle}{line}\n"), 1)
}

/// Poll `condition` every 20 ms until it holds; fail the test, naming `what`, if it does
/// not within `timeout`. The one way a test waits for something another process or thread
/// does: on an event or a counter, never a fixed sleep.
pub fn wait_until(what: &str, timeout: std::time::Duration, mut condition: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !condition() {
        assert!(
            started.elapsed() < timeout,
            "{what}: not within {timeout:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// `script` (util-linux, the command given, with its environment) set to run
/// `command_line` on a pseudo-terminal, as a person at a console runs it; its exit code
/// is the command's.
pub fn on_a_terminal(mut script: StdCommand, command_line: &str) -> StdCommand {
    script.args([
        "--quiet",
        "--return",
        "--command",
        command_line,
        "/dev/null",
    ]);
    script
}

/// Run `cmd` with `input` on its standard input and its output captured, to its end.
pub fn output_with_stdin(cmd: &mut StdCommand, input: &str) -> std::process::Output {
    use std::io::Write as _;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    // A command that exits without reading leaves a broken pipe: what it said counts.
    let _ = child
        .stdin
        .take()
        .expect("piped")
        .write_all(input.as_bytes());
    child.wait_with_output().expect("the command ends")
}

/// The visit id a request recorded by the stand-in server (`GET /__mock/requests`) was
/// for: the last segment of its path, as sent.
pub fn visit_of(request: &Value) -> String {
    let path = request["path"].as_str().expect("a request has a path");
    path.rsplit('/').next().unwrap_or_default().to_owned()
}

/// Check that a run of one test of this binary in a child process (a test that needs an
/// environment of its own) passed; its stdout.
pub fn child_test_passed(output: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Stop a test server's accept loop on `addr`: set `stop`, wake the loop with a
/// connection so that it sees the flag, and wait for its `thread`.
pub fn stop_accept_loop(
    stop: &std::sync::atomic::AtomicBool,
    addr: std::net::SocketAddr,
    thread: Option<std::thread::JoinHandle<()>>,
) {
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = std::net::TcpStream::connect(addr);
    if let Some(thread) = thread {
        let _ = thread.join();
    }
}
