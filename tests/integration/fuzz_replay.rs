//! The fuzzers' saved inputs, replayed on stable: every file of `fuzz/corpus/<target>/`
//! (the minimised corpus) and `fuzz/artifacts/<target>/` (each crash found, once fixed)
//! goes through the same entry the fuzz target calls (`visit_rating::fuzz_entry`), so a
//! parser change that brings a crash back fails `cargo test` without nightly.
//!
//! A target without a non-empty corpus folder fails too: the replay must not pass by
//! finding nothing. A folder that names no target fails as well (a renamed target).

use std::path::{Path, PathBuf};

use visit_rating::fuzz_entry::{Entry, TARGETS};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `dir`, sorted; none when it does not exist.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Run `entry` on `file`; the file's name in the failure.
fn replay(target: &str, entry: Entry, file: &Path) {
    let data = std::fs::read(file).unwrap();
    let result = std::panic::catch_unwind(|| entry(&data));
    assert!(
        result.is_ok(),
        "fuzz target {target} panics on {} (replay it with `cargo +nightly fuzz run {target} {}`)",
        file.display(),
        file.display()
    );
}

fn replay_folder(kind: &str, required: bool) -> usize {
    let root = fuzz_dir().join(kind);
    let mut count = 0;
    for (target, entry) in TARGETS {
        let files = inputs(&root.join(target));
        assert!(
            !required || !files.is_empty(),
            "{} holds no inputs for the fuzz target {target}",
            root.join(target).display()
        );
        for file in &files {
            replay(target, *entry, file);
        }
        count += files.len();
    }
    if let Ok(folders) = std::fs::read_dir(&root) {
        for folder in folders {
            let name = folder.unwrap().file_name();
            let name = name.to_string_lossy();
            assert!(
                TARGETS.iter().any(|(target, _)| *target == name),
                "{}/{name} names no fuzz target (visit_rating::fuzz_entry::TARGETS)",
                root.display()
            );
        }
    }
    count
}

#[test]
fn every_corpus_input_goes_through_its_entry_without_a_panic() {
    let count = replay_folder("corpus", true);
    eprintln!("{count} corpus inputs replayed");
}

#[test]
fn every_saved_crash_input_is_fixed() {
    let count = replay_folder("artifacts", false);
    eprintln!("{count} crash inputs replayed");
}

#[test]
fn every_fuzz_target_file_calls_its_entry() {
    // The target files are one line each; this keeps them, the entries and the
    // corpus folders under one set of names.
    for (target, _) in TARGETS {
        let file = fuzz_dir().join("fuzz_targets").join(format!("{target}.rs"));
        let source =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            source.contains(&format!("visit_rating::fuzz_entry::{target}(data)")),
            "{} does not call fuzz_entry::{target}",
            file.display()
        );
    }
}
