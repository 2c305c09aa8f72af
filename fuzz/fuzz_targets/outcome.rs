//! A server's answer (status, body, truncated flag, Location) classified, put into words in
//! both languages and kept as the outbox keeps it.
//! The input's layout is in `visit_rating::fuzz_entry::outcome`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| visit_rating::fuzz_entry::outcome(data));
