//! The command line: every command, flag and its help text (clap). `main.rs` parses
//! these and dispatches; the packagers' man pages and completions are generated from
//! them, so they never drift from `--help`.

// Doc comments here are `--help` text for people, not rustdoc.
#![allow(clippy::doc_markdown)]

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Language;
use crate::mock_server::{BAD_SIGNATURE_TOKEN, EXPIRED_TOKEN};

/// Collects patients' ratings of a visit to a doctor and sends them to the regional
/// public-services portal (RPGU). With no command, opens the rating window.
#[derive(Parser, Debug)]
#[command(name = "visit-rating", version, about)]
pub struct Cli {
    /// Use this settings file instead of the platform's default.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Interface language (overrides `language` in the settings).
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Language>,
    /// Log level or filter (error, warn, info, debug, trace; overrides RUST_LOG).
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// Open the window against a built-in stand-in server (nothing reaches the portal).
    #[arg(long)]
    pub demo: bool,
    /// Run as an unattended kiosk: full screen, patients' cycle, administrator PIN.
    #[arg(long)]
    pub kiosk: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Send one rating and report the server's answer (exit codes: the book's Command line chapter).
    Submit(SubmitArgs),
    /// Run the stand-in server that answers like the portal.
    MockServer(MockServerArgs),
    /// Store, inspect or remove the server's token in the operating system's keyring.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Set or clear the kiosk administrator PIN (kept as an Argon2id hash).
    #[command(subcommand)]
    AdminPin(AdminPinCommand),
    /// The ratings kept on disk until the server has them: list, send now, export.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Import paper forms from a spreadsheet (XLSX, XLS, ODS) or CSV file: check every
    /// row, save the valid ones in the outbox, send them (the book's "Importing paper forms").
    Import(ImportArgs),
    /// Version, server, token expiry, outbox, last delivery, kiosk: is this terminal
    /// healthy? Exit 0 healthy, 10 warning, 11 broken, 12 could not check.
    Status(StatusArgs),
    /// The same in the Prometheus text format (for node_exporter's textfile collector).
    Metrics(MetricsArgs),
    /// The settings in force and where each came from (defaults, /etc/visit-rating,
    /// its config.d drop-ins, the user's file, the environment); set one key.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Every setting in force and where its value came from.
    Show {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Write KEY = VALUE into the user's settings file (or, with --system, into
    /// /etc/visit-rating/config.toml), keeping its comments and other keys. Unknown keys
    /// and bad values are refused, as the loader refuses them.
    Set {
        /// The key, e.g. language or kiosk_options.idle_secs.
        #[arg(value_name = "KEY")]
        key: String,
        /// The value, e.g. en, 120, true or https://rpgu.example.ru.
        #[arg(value_name = "VALUE")]
        value: String,
        /// Write the machine-wide file instead of the user's.
        #[arg(long)]
        system: bool,
    },
    /// The settings files in the order they are read, and which exist.
    Path,
}

impl From<ConfigCommand> for crate::cli::config::ConfigAction {
    fn from(command: ConfigCommand) -> Self {
        match command {
            ConfigCommand::Show { json } => Self::Show { json },
            ConfigCommand::Set { key, value, system } => Self::Set { key, value, system },
            ConfigCommand::Path => Self::Path,
        }
    }
}

// Independent command-line flags, one bool each.
#[allow(clippy::struct_excessive_bools)]
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The file: .csv (`;` or `,`, UTF-8 or Windows-1251), .xlsx, .xls or .ods.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Check the file and say what would be sent; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write each row's outcome, with the server's message and code, to this CSV file.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Send the valid rows even when some rows are invalid (those are left out).
    #[arg(long)]
    pub skip_invalid: bool,
    /// The CSV file's encoding (utf-8, windows-1251, …); detected when not given.
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<String>,
    /// The sheet to read (default: the first).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// The columns left to right when the file has no header row, e.g.
    /// visit_id,result_1,result_2,result_3,result_4,notes,dont_visit (`-` skips one).
    #[arg(long, value_name = "LIST")]
    pub columns: Option<String>,
    /// The server's base URL (overrides VISIT_RATING_URL and the settings).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Allow http:// to a host that is not loopback (sends the token in clear text).
    #[arg(long)]
    pub allow_insecure_http: bool,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// The server to look at (overrides VISIT_RATING_URL and the settings).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct MetricsArgs {
    /// The server to look at (overrides VISIT_RATING_URL and the settings).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Rewrite the settings' metrics_file (atomically, readable by all) instead of
    /// printing: what the packaged visit-rating-metrics timer runs. It reads the
    /// heartbeat the running window left and never writes it.
    #[arg(long)]
    pub write_file: bool,
}

#[derive(Subcommand, Debug)]
pub enum OutboxCommand {
    /// One line per rating waiting or needing attention, with the last answer (never the
    /// remarks). Exit 0, or 1 when the outbox cannot be read.
    List {
        /// Print one JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Send every waiting rating for the configured server now and report each. Exit 0
    /// all delivered or nothing to do, 1 another sender has some in flight (or the
    /// outbox cannot be used), 2 no/bad URL, 4 token problem or a gateway's refusal
    /// (paused), 5 some still waiting, 3 some need attention or wait for another server.
    Flush(OutboxFlushArgs),
    /// Write every rating, remarks included, to PATH as JSON readable by you only (0600).
    Export {
        /// The file to write.
        #[arg(value_name = "PATH")]
        path: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct OutboxFlushArgs {
    /// The server's base URL (overrides VISIT_RATING_URL and the settings).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Allow http:// to a host that is not loopback (sends the token in clear text).
    #[arg(long)]
    pub allow_insecure_http: bool,
    /// First move the ratings saved for another server (before the URL changed) to
    /// this one, then send them too.
    #[arg(long)]
    pub to_current_server: bool,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Read the token from standard input (no echo on a terminal) and store it.
    Set(TokenArgs),
    /// Say whether a token is stored for the server, where from, and when it expires.
    Status(TokenArgs),
    /// Remove the server's token.
    Clear(TokenArgs),
}

#[derive(Args, Debug)]
pub struct TokenArgs {
    /// The server whose token this is (overrides VISIT_RATING_URL and the settings).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum AdminPinCommand {
    /// Read a new PIN (6-12 digits) from standard input; asked twice on a terminal.
    Set,
    /// Remove the PIN.
    Clear,
    /// Read a PIN from standard input and say whether it matches the one in force:
    /// exit 0 when it does, 13 when it does not, 14 when none is set, 2 for input that
    /// is not a PIN.
    Check,
}

// Independent command-line flags, one bool each.
#[allow(clippy::struct_excessive_bools)]
#[derive(Args, Debug)]
pub struct SubmitArgs {
    /// The visit id (`history`): the full id, or a bare visit GUID when `clinic_guid` is set.
    #[arg(long, value_name = "ID")]
    pub history: String,
    /// Four scores 1..5: waiting time, result of the visit, attitude of the staff,
    /// cleanliness. Optional with --didnt-visit.
    #[arg(long, value_name = "A,B,C,D")]
    pub scores: Option<String>,
    /// Remarks for the head of the clinic. A command line is visible to other local
    /// users (ps, /proc/PID/cmdline) and may stay in a shell's history: for a patient's
    /// words prefer --notes-file - and standard input.
    #[arg(long, value_name = "TEXT", conflicts_with = "notes_file")]
    pub notes: Option<String>,
    /// Read the remarks from a file (UTF-8), or from standard input with `-` (kept off the
    /// command line).
    #[arg(long, value_name = "PATH|-")]
    pub notes_file: Option<PathBuf>,
    /// The patient did not visit the clinic that day (scores are then sent as 3).
    #[arg(long)]
    pub didnt_visit: bool,
    /// The server's base URL (overrides VISIT_RATING_URL and the settings).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Allow http:// to a host that is not loopback (sends the token in clear text).
    #[arg(long)]
    pub allow_insecure_http: bool,
    /// Print exactly one JSON object instead of a sentence.
    #[arg(long)]
    pub json: bool,
    /// Save the rating in the outbox before sending and keep it there until the server
    /// has it (exit 5 and outcome `queued` when it could not be sent now; exit 1 and
    /// outcome `not_saved` when it could not be saved: then nothing is sent).
    #[arg(long)]
    pub queue: bool,
}

#[derive(Args, Debug)]
pub struct MockServerArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// A token to accept (repeatable). Default: `demo-token`.
    #[arg(long = "token", value_name = "TOKEN")]
    pub tokens: Vec<String>,
    /// The token answered with 5007 (expired).
    #[arg(long, default_value = EXPIRED_TOKEN)]
    pub expired_token: String,
    /// The token answered with 5009 (bad signature).
    #[arg(long, default_value = BAD_SIGNATURE_TOKEN)]
    pub bad_signature_token: String,
    /// Wait this long before answering each rating request.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// Share (0..1) of rating requests answered 503.
    #[arg(long, default_value_t = 0.0, value_name = "SHARE")]
    pub fail_rate: f64,
    /// Make those 503s an HTML page, as a proxy sends.
    #[arg(long)]
    pub html_errors: bool,
    /// Share (0..1) of rating requests whose connection is dropped.
    #[arg(long, default_value_t = 0.0, value_name = "SHARE")]
    pub drop_rate: f64,
    /// Answer every rating request HTTP 200 carrying the error model with this
    /// message_code (e.g. 5008, 5030, 4001), as portals that report errors with 200 do.
    #[arg(long, value_name = "MESSAGE_CODE")]
    pub ok_with_error: Option<String>,
    /// Answer every rating request with a gateway's HTML page with this status (401 or
    /// 403), as a proxy or firewall in front of the portal does.
    #[arg(long, value_name = "STATUS", value_parser = gateway_status)]
    pub gateway_refusal: Option<u16>,
    /// Seed for the fault dice (reproducible runs).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Answer the /__mock/* control endpoints (they show remarks) to other machines too;
    /// by default they answer loopback clients only. Either way they answer only with
    /// the server's control key in the header X-Mock-Key: a random one, printed at start
    /// and written to mock-server-PORT.key (0600) in the data folder, or the value of
    /// VISIT_RATING_MOCK_KEY (at least 16 characters).
    #[arg(long)]
    pub expose_control: bool,
}

/// `--gateway-refusal`: 401 or 403.
pub fn gateway_status(text: &str) -> Result<u16, String> {
    match text.trim() {
        "401" => Ok(401),
        "403" => Ok(403),
        _ => Err("give 401 or 403".to_owned()),
    }
}
