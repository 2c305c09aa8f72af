//! Headless commands: `submit`, `token`, `admin-pin`, `config`, `mock-server`, the `outbox`
//! commands in [`outbox`], `status` and `metrics` in [`status`], and the packagers'
//! `generate-files` in [`generate`]. Each returns an [`Exit`] code; `main.rs` only parses and
//! dispatches.
//!
//! Exit codes are part of the interface (the book's Command line chapter, "Exit codes").
//!
//! Rooms: [`args`] the command line (clap); [`report`] exit codes and what a command
//! prints; [`json`] the `--json` objects; one file per command ([`submit`], [`token`], [`admin_pin`], [`config`], [`mock_server`],
//! [`outbox`], [`import`], [`status`], [`generate`]).

pub mod admin_pin;
pub mod args;
pub mod config;
pub mod generate;
pub mod import;
pub mod json;
pub mod mock_server;
pub mod outbox;
pub mod report;
pub mod status;
pub mod submit;
pub mod token;

pub use admin_pin::{admin_pin_check, admin_pin_clear, admin_pin_set};
pub use mock_server::{MockServerRequest, mock_server};
pub use report::{Exit, human_outcome, outcome_json};
pub use submit::{NotesSource, SubmitRequest, parse_scores, submit};
pub use token::{TokenAction, TokenRequest, token};
