//! The integration suite: one test binary (it links once), one module per capability.
//! Everything here drives real things: the real binary through `assert_cmd`, the
//! stand-in server as a real process on loopback, real TLS.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod a11y;
mod admin_pin;
mod blocking;
mod core_dumps;
mod dashboards;
mod fleet_metrics;
mod fuzz_replay;
mod hardening;
mod headless;
mod hostile_text;
mod import;
mod import_limits;
mod import_ui;
mod json_contract;
mod keyring;
mod kiosk;
mod kiosk_security;
mod logging;
mod odd_answers;
mod outbox;
mod properties;
mod proxy;
mod real_window;
mod reliability;
mod retention;
mod settings;
mod slip_camera;
mod snapshots;
mod status;
mod submit;
mod submit_lean;
mod tls;
mod token_file;
mod type_ahead;
mod ui;
