//! A visit id as typed or scanned, with a clinic GUID and a separator: exactly one path
//! segment of the request, or a refusal in words.
//! The input's layout is in `visit_rating::fuzz_entry::visit_id`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| visit_rating::fuzz_entry::visit_id(data));
