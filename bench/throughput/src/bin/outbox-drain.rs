//! Outbox drain throughput: fill an outbox with 10,000 ratings, flush them to the
//! stand-in server on loopback, and compare with the same requests (same bodies, same
//! headers) sent by a plain `reqwest::blocking` loop, measured in the same run.
//!
//! Each side runs in its own child process (this binary re-executed with `--child ours`
//! or `--child baseline`), so each peak resident memory (`VmHWM`) is its own. Both children
//! hold an in-process stand-in server (`RunningMock`) that keeps every rating it
//! accepted, so their memory figures include the same server.
//!
//! The outbox is filled once (each rating saved as the app saves one: fsynced) and
//! copied for each round: 10,000 fsynced saves take minutes on a busy disk, and the
//! drain is what is measured.
//!
//! The two sides take turns, [`ROUNDS`] times each (`OUTBOX_BENCH_ROUNDS`), and the
//! table shows the median of each: on a shared machine one run of either side can be
//! slowed by someone else's build.
//!
//! Run: `cargo run --release --manifest-path bench/throughput/Cargo.toml --bin outbox-drain` (bench/run
//! builds and runs it and appends the table to bench/results.md). `OUTBOX_BENCH_N`
//! changes the number of ratings. Not a test: it asserts only that every rating arrived.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use throughput::{
    Result, Scratch, Usage, as_child, bound_by, env_number, load_average, median, merged,
    plain_loop, run_child, server, server_on, vm_hwm_kib,
};
use visit_rating::api::{ClientSettings, RatingClient, VisitId, origin};
use visit_rating::outbox::Outbox;
use visit_rating::rating::{Rating, Score};
use visit_rating::secrets::Token;

const TOKEN: &str = "bench-token-8a1f";
/// How many times each side runs by default.
const ROUNDS: usize = 3;

fn count() -> usize {
    env_number("OUTBOX_BENCH_N", 10_000)
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

/// The template: an outbox filled with `n` ratings for the stand-in server at `port`,
/// each saved as the app saves one (fsynced), once per bench run. Returns the fill
/// rate's seconds.
fn fill_template(dir: &Path, port: u16, n: usize) -> Result<f64> {
    let outbox = Outbox::open(dir)?;
    let origin = origin(&format!("http://127.0.0.1:{port}"));
    let started = Instant::now();
    for i in 0..n {
        let (id, rating) = rating(i)?;
        outbox.enqueue(&id, &rating, &origin)?;
    }
    Ok(started.elapsed().as_secs_f64())
}

/// The same ratings saved as an import saves its rows: one batch, in segments of
/// [`visit_rating::outbox::SEGMENT_MAX`] ratings, one sync. Returns the seconds.
fn fill_template_batch(dir: &Path, port: u16, n: usize) -> Result<f64> {
    let outbox = Outbox::open(dir)?;
    let origin = origin(&format!("http://127.0.0.1:{port}"));
    let started = Instant::now();
    let mut batch = outbox.batch();
    for i in 0..n {
        let (id, rating) = rating(i)?;
        batch.add(&id, &rating, &origin)?;
    }
    batch.commit()?;
    Ok(started.elapsed().as_secs_f64())
}

/// Ours: a copy of the template outbox (synced to disk, as a terminal's outbox has long
/// been when it drains), then one `flush` sends them all to a stand-in server on the
/// template's port.
fn ours(n: usize) -> Result<serde_json::Value> {
    let template = PathBuf::from(std::env::var("OUTBOX_BENCH_TEMPLATE")?);
    let port: u16 = std::env::var("OUTBOX_BENCH_PORT")?.parse()?;
    let dir = Scratch::new("outbox-drain")?;
    copy_outbox(&template, &dir.0)?;
    let mock = server_on(port, TOKEN)?;
    // Counted like the CLI's flush, so the bench measures the same work.
    let outbox =
        Outbox::open(&dir.0)?.recording(std::sync::Arc::new(visit_rating::counters::Counters));
    let client = RatingClient::new(&ClientSettings::new(mock.url()))?;
    let token = Token::new(TOKEN)?;
    let usage = Usage::now()?;
    let started = Instant::now();
    let report = outbox.flush(&client, &|| Some(token.clone()), true)?;
    let drain = started.elapsed().as_secs_f64();
    let used = Usage::now()?.since(usage);
    let stored = mock.state().ratings().len();
    if report.delivered() != n || stored != n || !outbox.list()?.entries.is_empty() {
        return Err(format!(
            "ours: {} delivered, {stored} stored, of {n}",
            report.delivered()
        )
        .into());
    }
    Ok(merged(
        serde_json::json!({"drain_s": drain, "vm_hwm_kib": vm_hwm_kib()?}),
        used,
    ))
}

/// Copy the template's outbox files into `data_dir/outbox`, then write them to disk
/// (`sync -f`: one sync of the file system instead of one per file).
fn copy_outbox(template: &Path, data_dir: &Path) -> Result<()> {
    let (from, to) = (template.join("outbox"), data_dir.join("outbox"));
    std::fs::create_dir_all(&to)?;
    for item in std::fs::read_dir(&from)? {
        let item = item?;
        if item.file_type()?.is_file() {
            std::fs::copy(item.path(), to.join(item.file_name()))?;
        }
    }
    let synced = Command::new("sync").arg("-f").arg(&to).status()?;
    if !synced.success() {
        return Err("sync -f failed".into());
    }
    Ok(())
}

/// The baseline: the same POSTs from a plain loop, no disk.
fn baseline(n: usize) -> Result<serde_json::Value> {
    let mock = server(TOKEN)?;
    let ratings = (0..n).map(rating).collect::<Result<Vec<_>>>()?;
    let usage = Usage::now()?;
    let started = Instant::now();
    plain_loop(
        &mock.url(),
        TOKEN,
        ratings
            .into_iter()
            .map(|(id, rating)| Ok((id.as_str().to_owned(), rating))),
    )?;
    let drain = started.elapsed().as_secs_f64();
    let used = Usage::now()?.since(usage);
    if mock.state().ratings().len() != n {
        return Err("baseline: not every rating was stored".into());
    }
    Ok(merged(
        serde_json::json!({"drain_s": drain, "vm_hwm_kib": vm_hwm_kib()?}),
        used,
    ))
}

#[allow(clippy::cast_precision_loss)] // counts and KiB far below 2^52
fn main() -> Result<()> {
    let n = count();
    if as_child(|| ours(n), || baseline(n))? {
        return Ok(());
    }

    let rounds = env_number("OUTBOX_BENCH_ROUNDS", ROUNDS).max(1);
    let load = load_average();
    // A port the stand-in server of every `ours` round listens on: the template's
    // entries are saved for that server.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let template = Scratch::new("outbox-drain-template")?;
    eprintln!("outbox drain: filling the template outbox ({n} ratings)");
    let fill_s = fill_template(&template.0, port, n)?;
    let batch_template = Scratch::new("outbox-drain-batch-template")?;
    let batch_fill_s = fill_template_batch(&batch_template.0, port, n)?;
    let ours_from = |template: &Scratch| {
        run_child(
            "ours",
            &[
                ("OUTBOX_BENCH_N", n.to_string()),
                ("OUTBOX_BENCH_PORT", port.to_string()),
                (
                    "OUTBOX_BENCH_TEMPLATE",
                    template.0.to_string_lossy().into_owned(),
                ),
            ],
        )
    };
    let (mut ours, mut ours_batch, mut base) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        eprintln!("outbox drain: round {}/{rounds}", round + 1);
        ours_batch.push(ours_from(&batch_template)?);
        ours.push(ours_from(&template)?);
        base.push(run_child("baseline", &[("OUTBOX_BENCH_N", n.to_string())])?);
    }
    let per_s = |secs: f64| n as f64 / secs;
    let mib = |kib: f64| kib / 1024.0;
    let (our_rate, base_rate) = (
        per_s(median(&ours, "drain_s")?),
        per_s(median(&base, "drain_s")?),
    );
    let batch_rate = per_s(median(&ours_batch, "drain_s")?);
    let (our_mem, base_mem) = (
        mib(median(&ours, "vm_hwm_kib")?),
        mib(median(&base, "vm_hwm_kib")?),
    );
    let fill_rate = per_s(fill_s);
    let batch_fill_rate = per_s(batch_fill_s);
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    // Cores kept busy (CPU time over wall time), what was written, how often preempted.
    let side = |runs: &[serde_json::Value]| -> Result<(f64, f64, f64)> {
        Ok((
            median(runs, "cpu_s")? / median(runs, "drain_s")?,
            median(runs, "blocks_out")?,
            median(runs, "preempted")? / n as f64,
        ))
    };
    let (our_busy, our_blocks, our_preempted) = side(&ours)?;
    let (base_busy, base_blocks, base_preempted) = side(&base)?;
    let (batch_busy, batch_blocks, _) = side(&ours_batch)?;

    println!();
    println!("## Outbox drain (bench/throughput, outbox-drain)");
    println!();
    println!(
        "{n} ratings, stand-in server in process on loopback, {cores} cores; ours = one `flush` \
         of a filled outbox, synced to disk beforehand (each rating claimed — its file \
         opened and locked — and read on a reader thread, sent, its answer applied on a \
         recorder thread; delivered files removed, sent-log lines written and delivery \
         counters updated once per batch, one folder fsync each); baseline = the same POSTs (same bodies and headers) from a plain \
         `reqwest::blocking` loop with no disk; ours, an import's batch = the same drain of \
         the same ratings saved as an import saves its rows (segments of 256 ratings a \
         file: a segment claimed — opened and locked — once, each delivered rating's \
         status byte marked in place, no sync, the segment removed with its last rating). Each in its own process, taking turns; the median of {rounds} \
         runs of each."
    );
    println!();
    println!("| figure | ours | baseline | ratio | unit |");
    println!("|---|---|---|---|---|");
    println!(
        "| outbox drain throughput vs a plain loop | {our_rate:.0} | {base_rate:.0} | {:.2} | ratings/s |",
        our_rate / base_rate
    );
    println!(
        "| outbox drain of an import's batch (segments) vs a plain loop | {batch_rate:.0} | {base_rate:.0} | {:.2} | ratings/s |",
        batch_rate / base_rate
    );
    println!(
        "| peak resident memory (VmHWM) of the draining process vs the plain loop's | {our_mem:.1} | {base_mem:.1} | {:.2} | MiB |",
        our_mem / base_mem
    );
    println!(
        "| cores kept busy during the drain (CPU time over wall time, the in-process stand-in server included) | {our_busy:.2} | {base_busy:.2} | — | cores of {cores} |"
    );
    println!(
        "| blocks written during the drain (512 bytes each) | {our_blocks:.0} | {base_blocks:.0} | — | blocks |"
    );
    println!(
        "| an import's batch: cores kept busy, blocks written during the drain | {batch_busy:.2}, {batch_blocks:.0} | — | — | cores, blocks |"
    );
    println!(
        "| filling the outbox ({n} enqueues, each fsynced; once, copied for each round), no baseline | {fill_rate:.0} | — | — | ratings/s |"
    );
    println!(
        "| filling it as an import does (one batch of segments, one sync), no baseline | {batch_fill_rate:.0} | — | — | ratings/s |"
    );
    println!();
    println!(
        "Ours was {}; the baseline was {}. Load average at the start: {}. A ratio moves \
         between machines with what bounds each side: a baseline that waits for its \
         loopback server runs slower on a slower CPU, a drain that waits for the disk on a \
         slower disk.",
        bound_by(our_busy, cores, our_blocks, our_preempted, load),
        bound_by(base_busy, cores, base_blocks, base_preempted, load),
        load.map_or_else(|| "unknown".to_owned(), |l| format!("{l:.2}")),
    );
    Ok(())
}
