//! Any bytes as a spreadsheet to import: sniffed, held to the limits by the pre-scan,
//! and when it lets them through, read by calamine row by row and checked.
//! The input's layout is in `visit_rating::fuzz_entry::spreadsheet`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| visit_rating::fuzz_entry::spreadsheet(data));
