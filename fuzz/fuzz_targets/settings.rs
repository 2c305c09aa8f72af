//! A settings file: parsed and range-checked as the program reads it; when valid, edited in
//! place by a save and read back.
//! The input's layout is in `visit_rating::fuzz_entry::settings`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| visit_rating::fuzz_entry::settings(data));
