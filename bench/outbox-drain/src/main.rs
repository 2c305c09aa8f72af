//! Outbox drain throughput: fill an outbox with 10,000 ratings, flush them to the
//! stand-in server on loopback, and compare with the same requests (same bodies, same
//! headers) sent by a plain `reqwest::blocking` loop, measured in the same run.
//!
//! Each side runs in its own child process (this binary re-executed with `--child ours`
//! or `--child baseline`), so each peak resident memory (`VmHWM`) is its own. Both children
//! hold an in-process stand-in server (`RunningMock`) that keeps every rating it
//! accepted, so their memory figures include the same server.
//!
//! The two sides take turns, [`ROUNDS`] times each (`OUTBOX_BENCH_ROUNDS`), and the
//! table shows the median of each: on a shared machine one run of either side can be
//! slowed by someone else's build.
//!
//! Run: `cargo run --release --manifest-path bench/outbox-drain/Cargo.toml` (bench/run
//! builds and runs it and appends the table to bench/results.md). `OUTBOX_BENCH_N`
//! changes the number of ratings. Not a test: it asserts only that every rating arrived.

use std::error::Error;
use std::net::SocketAddr;
use std::process::Command;
use std::time::Instant;

use visit_rating::api::{ClientSettings, ENDPOINT_PATH, RatingBody, RatingClient, VisitId};
use visit_rating::mock_server::{MockOptions, RunningMock};
use visit_rating::outbox::Outbox;
use visit_rating::rating::{Rating, Score};
use visit_rating::secrets::Token;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const TOKEN: &str = "bench-token-8a1f";
// visit-rating's own User-Agent (this crate's version follows the app's).
const USER_AGENT: &str = concat!("visit-rating/", env!("CARGO_PKG_VERSION"));
/// How many times each side runs by default.
const ROUNDS: usize = 3;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn count() -> usize {
    env_number("OUTBOX_BENCH_N", 10_000)
}

/// A private scratch folder, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new() -> Result<Scratch> {
        let dir = std::env::temp_dir().join(format!(
            "outbox-drain-{}-{}",
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

/// The `i`-th rating: varied scores and Cyrillic remarks of a typical length.
fn rating(i: usize) -> Result<(VisitId, Rating)> {
    let score = |k: usize| -> Result<Score> {
        Ok(Score::new(u8::try_from(1 + (i + k) % 5)?).ok_or("score out of range")?)
    };
    let rating = Rating {
        scores: [score(0)?, score(1)?, score(2)?, score(3)?],
        notes: format!("Замечание №{i}: всё хорошо, спасибо врачу и медсёстрам."),
        didnt_visit: i.is_multiple_of(17),
    };
    Ok((VisitId::parse(&format!("bench-visit-{i:06}"))?, rating))
}

fn server() -> Result<RunningMock> {
    let addr: SocketAddr = "127.0.0.1:0".parse()?;
    Ok(RunningMock::start(
        addr,
        MockOptions {
            tokens: vec![TOKEN.to_owned()],
            ..MockOptions::default()
        },
    )?)
}

/// Peak resident memory of this process, KiB.
fn vm_hwm_kib() -> Result<u64> {
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

/// Ours: enqueue N (each fsynced), then one `flush` sends them all.
fn ours(n: usize) -> Result<serde_json::Value> {
    let mock = server()?;
    let dir = Scratch::new()?;
    let outbox = Outbox::open(&dir.0)?;
    let client = RatingClient::new(&ClientSettings::new(mock.url()))?;
    let origin = client.origin();
    let started = Instant::now();
    for i in 0..n {
        let (id, rating) = rating(i)?;
        outbox.enqueue(&id, &rating, &origin)?;
    }
    let fill = started.elapsed().as_secs_f64();
    let token = Token::new(TOKEN)?;
    let started = Instant::now();
    let report = outbox.flush(&client, &|| Some(token.clone()), true)?;
    let drain = started.elapsed().as_secs_f64();
    let stored = mock.state().ratings().len();
    if report.delivered() != n || stored != n || !outbox.list()?.entries.is_empty() {
        return Err(format!(
            "ours: {} delivered, {stored} stored, of {n}",
            report.delivered()
        )
        .into());
    }
    Ok(serde_json::json!({"fill_s": fill, "drain_s": drain, "vm_hwm_kib": vm_hwm_kib()?}))
}

/// The baseline: the same POSTs from a plain loop, no disk.
fn baseline(n: usize) -> Result<serde_json::Value> {
    let mock = server()?;
    let bodies = (0..n)
        .map(|i| {
            let (id, rating) = rating(i)?;
            let body = serde_json::to_vec(&RatingBody::from(&rating))?;
            Ok((id, body))
        })
        .collect::<Result<Vec<_>>>()?;
    let http = reqwest::blocking::Client::builder()
        .user_agent(USER_AGENT)
        .build()?;
    let base = mock.url();
    let started = Instant::now();
    for (id, body) in bodies {
        let response = http
            .post(format!("{base}/{ENDPOINT_PATH}/{}", id.as_str()))
            .header(reqwest::header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()?;
        let status = response.status();
        let _ = response.bytes()?;
        if !status.is_success() {
            return Err(format!("baseline: HTTP {status}").into());
        }
    }
    let drain = started.elapsed().as_secs_f64();
    if mock.state().ratings().len() != n {
        return Err("baseline: not every rating was stored".into());
    }
    Ok(serde_json::json!({"drain_s": drain, "vm_hwm_kib": vm_hwm_kib()?}))
}

fn run_child(which: &str, n: usize) -> Result<serde_json::Value> {
    let output = Command::new(std::env::current_exe()?)
        .args(["--child", which])
        .env("OUTBOX_BENCH_N", n.to_string())
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

fn number(value: &serde_json::Value, key: &str) -> Result<f64> {
    value[key]
        .as_f64()
        .ok_or_else(|| format!("no {key} in {value}").into())
}

#[allow(clippy::cast_precision_loss)] // counts and KiB far below 2^52
fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n = count();
    if let Some(at) = args.iter().position(|a| a == "--child") {
        let value = match args.get(at + 1).map(String::as_str) {
            Some("ours") => ours(n)?,
            Some("baseline") => baseline(n)?,
            other => return Err(format!("unknown child {other:?}").into()),
        };
        println!("{value}");
        return Ok(());
    }

    let rounds = env_number("OUTBOX_BENCH_ROUNDS", ROUNDS).max(1);
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        eprintln!("outbox drain: round {}/{rounds}", round + 1);
        ours.push(run_child("ours", n)?);
        base.push(run_child("baseline", n)?);
    }
    let median = |runs: &[serde_json::Value], key: &str| -> Result<f64> {
        let mut values = runs
            .iter()
            .map(|r| number(r, key))
            .collect::<Result<Vec<f64>>>()?;
        values.sort_by(f64::total_cmp);
        Ok(values[values.len() / 2])
    };
    let per_s = |secs: f64| n as f64 / secs;
    let mib = |kib: f64| kib / 1024.0;
    let (our_rate, base_rate) = (
        per_s(median(&ours, "drain_s")?),
        per_s(median(&base, "drain_s")?),
    );
    let (our_mem, base_mem) = (
        mib(median(&ours, "vm_hwm_kib")?),
        mib(median(&base, "vm_hwm_kib")?),
    );
    let fill_rate = per_s(median(&ours, "fill_s")?);
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);

    println!();
    println!("## Outbox drain (bench/outbox-drain)");
    println!();
    println!(
        "{n} ratings, stand-in server in process on loopback, {cores} cores; ours = one `flush` \
         of a filled outbox (each rating claimed under its lease, read again, sent; delivered \
         files removed in batches with one folder fsync each, sent-log lines written per \
         batch); baseline = the same POSTs (same bodies and headers) from a plain \
         `reqwest::blocking` loop with no disk. Each in its own process, taking turns; the \
         median of {rounds} runs of each."
    );
    println!();
    println!("| figure | ours | baseline | ratio | unit |");
    println!("|---|---|---|---|---|");
    println!(
        "| outbox drain throughput vs a plain loop | {our_rate:.0} | {base_rate:.0} | {:.2} | ratings/s |",
        our_rate / base_rate
    );
    println!(
        "| peak resident memory (VmHWM) of the draining process vs the plain loop's | {our_mem:.1} | {base_mem:.1} | {:.2} | MiB |",
        our_mem / base_mem
    );
    println!(
        "| filling the outbox ({n} enqueues, each fsynced), no baseline | {fill_rate:.0} | — | — | ratings/s |"
    );
    Ok(())
}
