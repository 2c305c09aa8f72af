//! Reads N generated slips per code kind and distortion with the kiosk's decoder
//! (`visit_rating::slip::read_visit_id`) and prints a Markdown table: the share read, the
//! false reads (a visit id other than the slip's, or any visit id from a frame without
//! one) and the time a frame takes to decode (median and 95th percentile). No goal is
//! asserted here: the figures go to bench/slips/README.md.
//!
//! Usage: `cargo run -p slips -- [N per row, default 200] [seed, default 28]`.

use std::time::{Duration, Instant};

use visit_rating::slip::synth::{self, Distortion, Kind};
use visit_rating::slip::{SlipIds, read_visit_id};

/// One row's tallies.
#[derive(Default)]
struct Row {
    tried: usize,
    read: usize,
    false_reads: usize,
    times: Vec<Duration>,
}

impl Row {
    fn line(&mut self, name: &str) -> String {
        self.times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let median = self
            .times
            .get(self.times.len() / 2)
            .copied()
            .unwrap_or_default();
        let p95 = self
            .times
            .get(self.times.len() * 95 / 100)
            .copied()
            .unwrap_or_default();
        format!(
            "| {name} | {} | {} | {:.1} % | {} | {:.0} | {:.0} |",
            self.tried,
            self.read,
            100.0 * self.read as f64 / self.tried.max(1) as f64,
            self.false_reads,
            ms(median),
            ms(p95)
        )
    }

    fn add(&mut self, other: &Row) {
        self.tried += other.tried;
        self.read += other.read;
        self.false_reads += other.false_reads;
        self.times.extend_from_slice(&other.times);
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(28);
    let mut rng = fastrand::Rng::with_seed(seed);
    let ids = SlipIds::default();
    println!(
        "slips: {n} per row, seed {seed}, frames {}x{}",
        visit_rating::slip::FRAME_WIDTH,
        visit_rating::slip::FRAME_HEIGHT
    );
    println!();
    println!("| code, distortion | slips | read | share | false reads | median ms | p95 ms |");
    println!("|---|---|---|---|---|---|---|");
    let mut total = Row::default();
    for kind in Kind::ALL {
        let mut by_kind = Row::default();
        for distortion in Distortion::ALL {
            let mut row = Row::default();
            for _ in 0..n {
                let visit = synth::random_guid(&mut rng);
                let frame = synth::camera_frame(&visit, kind, distortion, &mut rng);
                let started = Instant::now();
                let read = read_visit_id(&frame, &ids);
                row.times.push(started.elapsed());
                row.tried += 1;
                match read {
                    Some(read) if read.visit_id.as_str() == visit => row.read += 1,
                    Some(_) => row.false_reads += 1,
                    None => dump(&frame, &format!("{kind:?}-{distortion:?}-{}", row.tried)),
                }
            }
            println!("{}", row.line(&format!("{kind:?}, {distortion:?}")));
            by_kind.add(&row);
        }
        println!("{}", by_kind.line(&format!("**{kind:?}, all**")));
        total.add(&by_kind);
    }
    println!("{}", total.line("**all slips**"));

    // Frames that hold no visit id: other codes (text, a web address, a number, a GUID
    // with one character more) and the bare background.
    let mut none = Row::default();
    for i in 0..n {
        let kind = Kind::ALL[i % 2];
        let frame = match i % 5 {
            0 => synth::frame_with_text(&random_words(kind, &mut rng), kind, &mut rng),
            1 => synth::frame_with_text(
                &format!("https://example.org/q?{}", rng.u32(..)),
                kind,
                &mut rng,
            ),
            2 => synth::frame_with_text(
                &format!("{:013}", rng.u64(..10_u64.pow(13))),
                kind,
                &mut rng,
            ),
            3 => synth::frame_with_text(
                &format!("{}{}", synth::random_guid(&mut rng), rng.u8(..10)),
                kind,
                &mut rng,
            ),
            _ => synth::background_frame(&mut rng),
        };
        let started = Instant::now();
        let read = read_visit_id(&frame, &ids);
        none.times.push(started.elapsed());
        none.tried += 1;
        if read.is_some() {
            none.false_reads += 1;
        }
    }
    println!("{}", none.line("frames without a visit id"));
}

/// A few words: Russian ones in a QR code, Latin ones in a barcode (Code 128 holds
/// ASCII only).
fn random_words(kind: Kind, rng: &mut fastrand::Rng) -> String {
    let words: &[&str] = match kind {
        Kind::Qr => &["поликлиника", "приём", "врач", "запись", "талон", "кабинет"],
        Kind::Code128 => &["clinic", "leaflet", "doctor", "room", "ticket", "queue"],
    };
    (0..1 + rng.usize(..5))
        .map(|_| words[rng.usize(..words.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

/// With `SLIPS_DUMP=DIR`, a slip that was not read is written there as a PGM image (a
/// generated frame, to see why; never a camera's).
fn dump(frame: &visit_rating::slip::GrayFrame, name: &str) {
    let Some(dir) = std::env::var_os("SLIPS_DUMP") else {
        return;
    };
    let mut bytes = format!("P5\n{} {}\n255\n", frame.width(), frame.height()).into_bytes();
    bytes.extend_from_slice(frame.luma());
    let path = std::path::Path::new(&dir).join(format!("{name}.pgm"));
    if let Err(e) = std::fs::write(&path, bytes) {
        eprintln!("cannot write {}: {e}", path.display());
    }
}
