//! visit-rating: collects patients' ratings of a visit to a doctor and sends them to the
//! regional public-services portal (RPGU).
//!
//! The library holds everything; `main.rs` only parses arguments and dispatches. The
//! modules stand on layers (binary, adapters, services, words, domain, values: the
//! book's Architecture chapter), each naming only its own layer and those beneath;
//! `tests/layers.rs` keeps it so.
//!
//! - [`rating`]: the form's data and its validation (no egui, no IO, no words);
//! - [`api`]: the contract: request body, visit id, HTTP client, outcomes;
//! - [`blocking`]: the debug-build guard that keeps blocking work out of the window's frames;
//! - [`core_dumps`]: the process made non-dumpable at start (no token or remarks in a core);
//! - [`secrets`]: the token, a self-redacting type, and where it comes from;
//! - [`config`]: the settings file, environment overrides, platform folders;
//! - [`i18n`]: user-visible text in Russian and English (Fluent);
//! - [`import`]: paper forms from a spreadsheet or CSV file, checked, queued, sent;
//! - [`admin_pin`]: the administrator PIN (Argon2id) and its rate limiter;
//! - [`outbox`]: the durable queue of ratings and its background sender;
//! - [`time`]: now in milliseconds and seconds, a UTC date for people;
//! - [`safe_text`]: text from outside made safe for a terminal, a log, a CSV report, the window;
//! - [`private_fs`]: `0600` files, `0700` folders, atomic and durable writes, appends;
//! - [`retention`]: kept data (sent log, logs, exports) pruned to `retention_days`;
//! - [`cli`]: the headless commands;
//! - [`health`]: what `status` and `metrics` report, and the verdict;
//! - [`counters`]: delivery counters that survive restarts (the outbox's attempt recorder);
//! - [`scores`]: what patients said, aggregated (counts only), and when it may be shown;
//! - [`metrics`]: the Prometheus exposition of the health;
//! - [`service`]: the work the window asks for (sending), kept apart from egui;
//! - [`mock_server`]: the stand-in server for testers, the demo and our tests;
//! - [`ui`]: the egui window (egui only: it asks the others for work);
//! - `fuzz_entry` (hidden): one entry per parser of outside input, for the fuzz targets
//!   in `fuzz/` and their corpus replayed by `cargo test`.

pub mod admin_pin;
pub mod api;
pub mod blocking;
pub mod cli;
pub mod config;
pub mod core_dumps;
pub mod counters;
#[doc(hidden)]
pub mod fuzz_entry;
pub mod health;
pub mod i18n;
pub mod import;
pub mod metrics;
pub mod mock_server;
pub mod outbox;
pub mod private_fs;
pub mod rating;
pub mod retention;
pub mod safe_text;
pub mod scores;
pub mod secrets;
pub mod service;
pub mod slip;
pub mod time;
pub mod ui;
