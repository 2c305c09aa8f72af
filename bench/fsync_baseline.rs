//! The durable save of `submit --queue`'s baseline (bench/measure.py): write BYTES to a
//! new file in DIR, fsync the file, fsync DIR, exit. A process of its own, started
//! fresh like curl, so that "curl + this" is the least a shell script can do to send
//! one rating and keep it safe on disk first. Built by bench/measure.py with `rustc -O`
//! (no crate, no Cargo project).
//!
//! Usage: fsync-baseline DIR BYTES

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let [dir, bytes] = args.as_slice() else {
        eprintln!("usage: fsync-baseline DIR BYTES");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let path = dir.join(format!("fsync-baseline-{}-{nanos}", std::process::id()));
    let saved = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut file| {
            file.write_all(bytes.as_encoded_bytes())?;
            file.sync_all()
        })
        .and_then(|()| File::open(&dir)?.sync_all());
    match saved {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fsync-baseline: {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}
