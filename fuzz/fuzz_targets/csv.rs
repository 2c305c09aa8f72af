//! A CSV file to import: decoded, its delimiter found, split into rows, its columns found,
//! every row checked, the report written.
//! The input's layout is in `visit_rating::fuzz_entry::csv`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| visit_rating::fuzz_entry::csv(data));
