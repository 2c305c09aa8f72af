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

/// This process's resource use so far (`getrusage(RUSAGE_SELF)`): every thread, the
/// in-process stand-in server's too.
#[derive(Clone, Copy, Debug)]
pub struct Usage {
    /// User + system CPU time, seconds.
    pub cpu_s: f64,
    /// Blocks written to storage (512-byte units).
    pub blocks_out: i64,
    /// Involuntary context switches: a thread ready to run was made to wait for the CPU
    /// (another process, or more threads than cores).
    pub preempted: i64,
}

impl Usage {
    /// Now.
    pub fn now() -> Result<Usage> {
        use nix::sys::resource::{UsageWho, getrusage};
        use nix::sys::time::TimeValLike as _;
        let usage = getrusage(UsageWho::RUSAGE_SELF)?;
        #[allow(clippy::cast_precision_loss)] // microseconds of a bench run
        let cpu_s = (usage.user_time().num_microseconds() + usage.system_time().num_microseconds())
            as f64
            / 1e6;
        Ok(Usage {
            cpu_s,
            blocks_out: usage.block_writes(),
            preempted: usage.involuntary_context_switches(),
        })
    }

    /// What was used between `before` and `self`, as JSON fields for [`as_child`]'s
    /// figures: `cpu_s`, `blocks_out`, `preempted`.
    pub fn since(self, before: Usage) -> serde_json::Value {
        serde_json::json!({
            "cpu_s": self.cpu_s - before.cpu_s,
            "blocks_out": self.blocks_out - before.blocks_out,
            "preempted": self.preempted - before.preempted,
        })
    }
}

/// Merge the fields of `extra` (an object) into `value` (an object).
pub fn merged(mut value: serde_json::Value, extra: serde_json::Value) -> serde_json::Value {
    if let (Some(value), serde_json::Value::Object(extra)) = (value.as_object_mut(), extra) {
        value.extend(extra);
    }
    value
}

/// The 1-minute load average now (`/proc/loadavg`), if it can be read.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// What bound a side, from its CPU time over its wall time (cores kept busy) against
/// the `cores` it could use: "CPU-bound" when it kept nearly all of them busy, else
/// what it waited for — the disk (it wrote blocks) or the CPU held by other processes
/// (it was preempted often, or the machine's `load` average was above its cores) — so a
/// reader sees why a ratio moved between machines.
pub fn bound_by(
    busy: f64,
    cores: usize,
    blocks_out: f64,
    preempted_per_item: f64,
    load: Option<f64>,
) -> String {
    #[allow(clippy::cast_precision_loss)] // a handful of cores
    let cores = cores.max(1) as f64;
    let kind = if busy >= 0.8 * cores {
        "CPU-bound"
    } else if preempted_per_item >= 1.0 || load.is_some_and(|l| l >= cores) {
        "CPU-bound, sharing the cores with other processes"
    } else if blocks_out > 0.0 {
        "waiting for the disk or the network"
    } else {
        "waiting for the network (loopback) or the server"
    };
    format!("{kind}: {busy:.2} of {cores:.0} cores busy")
}
