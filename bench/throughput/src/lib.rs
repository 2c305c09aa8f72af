//! What bench/run's throughput benches share: the stand-in server both sides talk to,
//! the plain `reqwest::blocking` loop that is their baseline, the child processes that
//! give each side its own peak memory, and the arithmetic of the table.
//!
//! Each bench runs each side in its own child process (its own binary re-executed with
//! `--child ours` or `--child baseline`), so each peak resident memory (`VmHWM`) is its
//! own; both children hold the same kind of in-process stand-in server.

use std::error::Error;
use std::net::SocketAddr;
use std::process::Command;

use visit_rating::api::{ENDPOINT_PATH, RatingBody};
use visit_rating::mock_server::{MockOptions, RunningMock};
use visit_rating::rating::Rating;

pub type Result<T> = std::result::Result<T, Box<dyn Error>>;

// visit-rating's own User-Agent (this crate's version follows the app's).
const USER_AGENT: &str = concat!("visit-rating/", env!("CARGO_PKG_VERSION"));

/// A number from the environment, or `default`.
pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// A private scratch folder, removed when dropped.
pub struct Scratch(pub std::path::PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Result<Scratch> {
        let dir = std::env::temp_dir().join(format!(
            "{name}-{}-{}",
            std::process::id(),
            visit_rating::outbox::now_ms()
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The stand-in server on loopback, accepting `token`.
pub fn server(token: &str) -> Result<RunningMock> {
    server_on(0, token)
}

/// [`server`] on loopback port `port` (`0`: any free one).
pub fn server_on(port: u16, token: &str) -> Result<RunningMock> {
    Ok(RunningMock::start(
        SocketAddr::from(([127, 0, 0, 1], port)),
        MockOptions {
            tokens: vec![token.to_owned()],
            ..MockOptions::default()
        },
    )?)
}

/// The baseline: POST each `(visit id, rating)` from a plain `reqwest::blocking` loop
/// with the app's headers and bodies — no checks, no disk. Fails at the first answer
/// that is not a success.
pub fn plain_loop<S: AsRef<str>>(
    base_url: &str,
    token: &str,
    ratings: impl IntoIterator<Item = Result<(S, Rating)>>,
) -> Result<()> {
    let http = reqwest::blocking::Client::builder()
        .user_agent(USER_AGENT)
        .build()?;
    for item in ratings {
        let (visit_id, rating) = item?;
        let response = http
            .post(format!("{base_url}/{ENDPOINT_PATH}/{}", visit_id.as_ref()))
            .header(reqwest::header::AUTHORIZATION, format!("Bearer {token}"))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(serde_json::to_vec(&RatingBody::from(&rating))?)
            .send()?;
        let status = response.status();
        let _ = response.bytes()?;
        if !status.is_success() {
            return Err(format!("baseline: HTTP {status}").into());
        }
    }
    Ok(())
}

/// Peak resident memory of this process, KiB.
pub fn vm_hwm_kib() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .ok_or("no VmHWM in /proc/self/status")?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .ok_or("VmHWM without a number")?
        .parse()?)
}

/// If this process is a child (`--child ours|baseline`), run that side with `ours` or
/// `baseline`, print its figures as JSON and return `true`.
pub fn as_child(
    ours: impl FnOnce() -> Result<serde_json::Value>,
    baseline: impl FnOnce() -> Result<serde_json::Value>,
) -> Result<bool> {
    let args: Vec<String> = std::env::args().collect();
    let Some(at) = args.iter().position(|a| a == "--child") else {
        return Ok(false);
    };
    let value = match args.get(at + 1).map(String::as_str) {
        Some("ours") => ours()?,
        Some("baseline") => baseline()?,
        other => return Err(format!("unknown child {other:?}").into()),
    };
    println!("{value}");
    Ok(true)
}

/// Run one side (`ours` or `baseline`) in a child process with `env` set; its figures.
pub fn run_child(which: &str, env: &[(&str, String)]) -> Result<serde_json::Value> {
    let output = Command::new(std::env::current_exe()?)
        .args(["--child", which])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "the {which} child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// The median of figure `key` over `runs`.
pub fn median(runs: &[serde_json::Value], key: &str) -> Result<f64> {
    let mut values = runs
        .iter()
        .map(|r| {
            r[key]
                .as_f64()
                .ok_or_else(|| format!("no {key} in {r}").into())
        })
        .collect::<Result<Vec<f64>>>()?;
    values.sort_by(f64::total_cmp);
    values
        .get(values.len() / 2)
        .copied()
        .ok_or_else(|| format!("no runs for {key}").into())
}
