//! Import throughput, end to end: a 10,000-row paper-forms file (Windows-1251 CSV with
//! `;`, as Russian Excel saves it) read, checked, saved in the outbox (one batch of
//! segments, one sync)
//! and sent to the stand-in server on loopback — against a plain loop that decodes and
//! splits the same file and POSTs the same bodies with `reqwest::blocking`, no checks,
//! no disk. Measured in the same run.
//!
//! Each side runs in its own child process (this binary with `--child ours|baseline`),
//! so each peak resident memory (`VmHWM`) is its own; both hold the same in-process
//! stand-in server. The baseline is the drain bench's plain loop
//! ([`throughput::plain_loop`]).
//!
//! Run: `cargo run --release --manifest-path bench/throughput/Cargo.toml --bin import`
//! (bench/run builds and runs it and appends the table to bench/results.md).
//! `IMPORT_BENCH_N` changes the number of rows. Not a test: it asserts only that every
//! rating arrived.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use throughput::{
    Result, Scratch, Usage, as_child, bound_by, env_number, load_average, merged, plain_loop,
    run_child, server, vm_hwm_kib,
};
use visit_rating::api::{ClientSettings, RatingClient};
use visit_rating::import::send;
use visit_rating::import::{self, ImportOptions};
use visit_rating::outbox::Outbox;
use visit_rating::rating::{Rating, Score};
use visit_rating::secrets::Token;

const TOKEN: &str = "bench-token-import-4c2e";

fn count() -> usize {
    env_number("IMPORT_BENCH_N", 10_000)
}

/// The file: a Russian header and `n` rows with varied scores and Cyrillic remarks.
fn write_file(path: &Path, n: usize) -> Result<()> {
    let mut text = String::from(
        "Визит;Время ожидания;Результат посещения;Отношение персонала;Чистота;Замечания;Не был(а)\r\n",
    );
    for i in 0..n {
        let s = |k: usize| 1 + (i + k) % 5;
        let didnt = if i.is_multiple_of(17) { "да" } else { "" };
        let _ = write!(
            text,
            "import-bench-{i:06};{};{};{};{};Замечание №{i}: всё хорошо, спасибо врачу и медсёстрам.;{didnt}\r\n",
            s(0),
            s(1),
            s(2),
            s(3)
        );
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(&text);
    std::fs::write(path, bytes)?;
    Ok(())
}

/// Ours: what `visit-rating import FILE` does — read, check, save, send.
fn ours(n: usize) -> Result<serde_json::Value> {
    let mock = server(TOKEN)?;
    let dir = Scratch::new("import-bench")?;
    let file = dir.0.join("forms.csv");
    write_file(&file, n)?;
    let outbox = Outbox::open(&dir.0.join("data"))?;
    let client = RatingClient::new(&ClientSettings::new(mock.url()))?;
    let token = Token::new(TOKEN)?;

    let usage = Usage::now()?;
    let started = Instant::now();
    let loaded = import::load(&file, &ImportOptions::default())?;
    let checked = started.elapsed().as_secs_f64();
    let mut saved_at = None;
    let mut delivered = 0;
    let target = send::Target {
        outbox: &outbox,
        client: &client,
        token: &token,
    };
    send::deliver(
        &target,
        &loaded,
        &AtomicBool::new(false),
        &mut |p| {
            if saved_at.is_none() && p.saved == p.total {
                saved_at = Some(started.elapsed().as_secs_f64());
            }
        },
        &mut |_row, delivery| {
            if delivery.is_some_and(send::Delivery::is_delivered) {
                delivered += 1;
            }
        },
    )?;
    let total = started.elapsed().as_secs_f64();
    let used = Usage::now()?.since(usage);
    let stored = mock.state().ratings().len();
    if delivered != n || stored != n || !outbox.list()?.entries.is_empty() {
        return Err(format!("ours: {delivered} delivered, {stored} stored, of {n}").into());
    }
    Ok(merged(
        serde_json::json!({
            "check_s": checked,
            "saved_s": saved_at.unwrap_or(total),
            "total_s": total,
            "vm_hwm_kib": vm_hwm_kib()?,
        }),
        used,
    ))
}

/// The baseline: decode, split on `;`, POST — no validation, no outbox.
fn baseline(n: usize) -> Result<serde_json::Value> {
    let mock = server(TOKEN)?;
    let dir = Scratch::new("import-bench")?;
    let file = dir.0.join("forms.csv");
    write_file(&file, n)?;
    let usage = Usage::now()?;
    let started = Instant::now();
    let bytes = std::fs::read(&file)?;
    let (text, _, _) = encoding_rs::WINDOWS_1251.decode(&bytes);
    let rows = text.lines().skip(1).filter(|l| !l.is_empty()).map(|line| {
        let cells: Vec<&str> = line.split(';').collect();
        let score = |k: usize| -> Result<Score> {
            Score::new(cells.get(k).unwrap_or(&"3").parse().unwrap_or(3))
                .ok_or_else(|| "score".into())
        };
        let didnt = cells.get(6).is_some_and(|c| !c.is_empty());
        let rating = Rating {
            scores: if didnt {
                [Score::new(3).ok_or("score")?; 4]
            } else {
                [score(1)?, score(2)?, score(3)?, score(4)?]
            },
            notes: (*cells.get(5).unwrap_or(&"")).to_string(),
            didnt_visit: didnt,
        };
        Ok((cells[0], rating))
    });
    plain_loop(&mock.url(), TOKEN, rows)?;
    let total = started.elapsed().as_secs_f64();
    let used = Usage::now()?.since(usage);
    if mock.state().ratings().len() != n {
        return Err("baseline: not every rating was stored".into());
    }
    Ok(merged(
        serde_json::json!({"total_s": total, "vm_hwm_kib": vm_hwm_kib()?}),
        used,
    ))
}

fn number(value: &serde_json::Value, key: &str) -> Result<f64> {
    value[key]
        .as_f64()
        .ok_or_else(|| format!("no {key} in {value}").into())
}

#[allow(clippy::cast_precision_loss)] // counts and KiB far below 2^52
fn main() -> Result<()> {
    let n = count();
    if as_child(|| ours(n), || baseline(n))? {
        return Ok(());
    }

    let load = load_average();
    let ours = run_child("ours", &[("IMPORT_BENCH_N", n.to_string())])?;
    let base = run_child("baseline", &[("IMPORT_BENCH_N", n.to_string())])?;
    let per_s = |secs: f64| n as f64 / secs;
    let mib = |kib: f64| kib / 1024.0;
    let (our_rate, base_rate) = (
        per_s(number(&ours, "total_s")?),
        per_s(number(&base, "total_s")?),
    );
    let (our_mem, base_mem) = (
        mib(number(&ours, "vm_hwm_kib")?),
        mib(number(&base, "vm_hwm_kib")?),
    );
    let check_rate = per_s(number(&ours, "check_s")?);
    let saved_s = number(&ours, "saved_s")?;
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    // Cores kept busy (CPU time over wall time), what was written, how often preempted.
    let side = |run: &serde_json::Value| -> Result<(f64, f64, f64)> {
        Ok((
            number(run, "cpu_s")? / number(run, "total_s")?,
            number(run, "blocks_out")?,
            number(run, "preempted")? / n as f64,
        ))
    };
    let (our_busy, our_blocks, our_preempted) = side(&ours)?;
    let (base_busy, base_blocks, base_preempted) = side(&base)?;

    println!();
    println!("## Import (bench/throughput, import)");
    println!();
    println!(
        "{n} rows of a Windows-1251 CSV, stand-in server in process on loopback, {cores} cores; \
         ours = what `visit-rating import` does (read, detect, check every row, save every \
         row in the outbox as one batch of segments, 256 ratings a file — one sync for all of \
         them — then send them through the drain's pipeline, marking delivered ratings in \
         their segments in batches); baseline = \
         decode and split the same file and POST the same bodies from a plain \
         `reqwest::blocking` loop with no checks and no disk. Each in its own process."
    );
    println!();
    println!("| figure | ours | baseline | ratio | unit |");
    println!("|---|---|---|---|---|");
    println!(
        "| import end to end vs a plain loop | {our_rate:.0} | {base_rate:.0} | {:.2} | rows/s |",
        our_rate / base_rate
    );
    println!(
        "| peak resident memory (VmHWM) vs the plain loop's | {our_mem:.1} | {base_mem:.1} | {:.2} | MiB |",
        our_mem / base_mem
    );
    println!(
        "| reading and checking the file alone, no baseline | {check_rate:.0} | — | — | rows/s |"
    );
    println!(
        "| time until every row is saved in the outbox, no baseline | {saved_s:.1} | — | — | s |"
    );
    println!(
        "| cores kept busy (CPU time over wall time, the in-process stand-in server included) | {our_busy:.2} | {base_busy:.2} | — | cores of {cores} |"
    );
    println!(
        "| blocks written (512 bytes each) | {our_blocks:.0} | {base_blocks:.0} | — | blocks |"
    );
    println!();
    println!(
        "Ours was {}; the baseline was {}. Load average at the start: {}.",
        bound_by(our_busy, cores, our_blocks, our_preempted, load),
        bound_by(base_busy, cores, base_blocks, base_preempted, load),
        load.map_or_else(|| "unknown".to_owned(), |l| format!("{l:.2}")),
    );
    Ok(())
}
