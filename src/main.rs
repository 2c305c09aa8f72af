//! The `visit-rating` binary: parse arguments, pick the GUI, a headless command or the
//! stand-in server, and map the result to an exit code (the book's Command line chapter, "Exit codes").

use std::process::ExitCode;
use visit_rating::msg;

use clap::Parser as _;
use tracing_subscriber::Layer as _;
use visit_rating::cli::args::{AdminPinCommand, Cli, Command, OutboxCommand};
use visit_rating::cli::{self, Exit};
use visit_rating::config::Config;
use visit_rating::config::layers::Sources;
use visit_rating::i18n::I18n;
use visit_rating::ui::{self, GuiOptions};

/// Log to stderr and to a daily file in the data folder (`logs/`, the last 14 kept).
/// The level comes from `--log-level`, else `RUST_LOG`, else `warn`. Log lines never
/// hold the token (it redacts itself) or a patient's remarks (never logged).
///
/// The window writes the file from a thread of its own (its UI thread never waits for
/// the disk): the guard flushes it at exit. A command opens the day's file when its
/// first line passes the filter and writes to it directly: one that logs nothing (a
/// `submit` at the default level) opens no file and starts no thread.
fn init_logging(
    level: Option<&str>,
    window: bool,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use tracing_subscriber::fmt::writer::BoxMakeWriter;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    // By default only our warnings and everyone's errors: the windowing and GPU crates
    // warn about harmless things (e.g. no XSETTINGS under a bare X server).
    // Changes to the settings are said at info level (`visit_rating::settings`), since
    // the administrator who changed a file looks for them in the log.
    const DEFAULT: &str = "warn,visit_rating::settings=info,winit=error,wgpu_hal=error,wgpu_core=error,egui_wgpu=error";
    let filter = || match level {
        Some(level) => tracing_subscriber::EnvFilter::try_new(level)
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT)),
        None => tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT)),
    };
    let stderr = tracing_subscriber::fmt::layer()
        .with_ansi(colour_on_stderr())
        .with_writer(std::io::stderr)
        .with_filter(filter());
    let (writer, guard) = match log_folder() {
        Some(dir) if window => match open_log_file(&dir) {
            Some(appender) => {
                let (writer, guard) = tracing_appender::non_blocking(appender);
                (Some(BoxMakeWriter::new(writer)), Some(guard))
            }
            None => (None, None),
        },
        Some(dir) => (
            Some(BoxMakeWriter::new(LogFile {
                dir,
                appender: std::sync::OnceLock::new(),
            })),
            None,
        ),
        None => (None, None),
    };
    let file = writer.map(|writer| {
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(writer)
            .with_filter(filter())
    });
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file)
        .try_init();
    guard
}

/// The day's file in the private log folder `dir` (the older ones pruned to 14), the
/// folder's files made private once it exists.
fn open_log_file(dir: &std::path::Path) -> Option<tracing_appender::rolling::RollingFileAppender> {
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("visit-rating")
        .filename_suffix("log")
        .max_log_files(14)
        .build(dir)
        .ok();
    make_logs_private(dir);
    appender
}

/// A command's log file: opened ([`open_log_file`]) when the first line is written, not
/// at start; written directly (a command has no UI thread to keep free).
struct LogFile {
    dir: std::path::PathBuf,
    appender: std::sync::OnceLock<Option<tracing_appender::rolling::RollingFileAppender>>,
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogFile {
    type Writer = tracing_subscriber::fmt::writer::OptionalWriter<
        tracing_appender::rolling::RollingWriter<'a>,
    >;

    fn make_writer(&'a self) -> Self::Writer {
        use tracing_subscriber::fmt::writer::OptionalWriter;
        match self.appender.get_or_init(|| open_log_file(&self.dir)) {
            Some(appender) => OptionalWriter::some(appender.make_writer()),
            None => OptionalWriter::none(),
        }
    }
}

/// Colour codes on stderr only when a person reads it: stderr is a terminal and
/// `NO_COLOR` (<https://no-color.org>) is unset or empty. A pipe, a file or the journal
/// gets plain lines, like the log file.
fn colour_on_stderr() -> bool {
    use std::io::IsTerminal as _;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `<data>/logs`, private to the user: the folder `0700` and its files `0600`, also
/// when they already exist (made by an older version, or by hand), at every start. A
/// file the daily rotation creates later sits inside the private folder and is
/// tightened on the next start.
fn log_folder() -> Option<std::path::PathBuf> {
    let dir = visit_rating::config::Folders::platform()
        .ok()?
        .data_dir
        .join("logs");
    visit_rating::private_fs::create_dir(&dir).ok()?;
    make_logs_private(&dir);
    Some(dir)
}

/// Keep kept data bounded (see `visit_rating::retention`): check at start, and in a
/// running window every hour on a thread of its own (a check acts at most once a day).
fn keep_data_bounded(config: &Config, window: bool) {
    use visit_rating::retention;
    let Ok(folders) = visit_rating::config::Folders::platform() else {
        return;
    };
    let days = config.retention_days;
    let check = move || {
        // The demo keeps its ratings apart, in a folder of its own.
        for dir in [folders.data_dir.clone(), folders.data_dir.join("demo")] {
            match retention::prune_if_due(&dir, days, std::time::SystemTime::now()) {
                Ok(Some(pruned)) if pruned != retention::Pruned::default() => {
                    tracing::info!(folder = %dir.display(), ?pruned, retention_days = days, "pruned kept data");
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(folder = %dir.display(), error = %e, "cannot prune kept data");
                }
            }
        }
    };
    if !window {
        check();
        return;
    }
    let every = std::time::Duration::from_hours(1);
    if let Err(e) = visit_rating::ui::jobs::repeat("retention", every, check) {
        tracing::warn!(error = %e, "cannot start the retention check");
    }
}

/// The log folder `0700` and every file in it `0600` (run after the day's file exists).
fn make_logs_private(dir: &std::path::Path) {
    use visit_rating::private_fs::make_private;
    let _ = make_private(dir);
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = make_private(&entry.path());
        }
    }
}

/// A key a settings file holds that this version does not know, said on stderr by file
/// and key in the user's language (a command; the window logs it), and ignored.
fn warn_unknown_key(key: &visit_rating::config::layers::UnknownKey, i18n: &I18n) {
    let file = key.path.display().to_string();
    visit_rating::err!(
        "visit-rating: {}",
        visit_rating::safe_text::inline(&i18n.tr_args(
            msg!("config-unknown-key"),
            &[
                ("file", file.as_str().into()),
                ("key", key.key.as_str().into())
            ]
        ))
    );
}

/// `allow_insecure_http` (settings) or `--allow-insecure-http`: said once at start, on
/// stderr and in the log, since the token may travel unencrypted.
fn warn_if_clear_text(cli: &Cli, config: &Config, i18n: &I18n) {
    let flag = match &cli.command {
        Some(Command::Submit(args)) => args.allow_insecure_http,
        Some(Command::Outbox(OutboxCommand::Flush(args))) => args.allow_insecure_http,
        Some(Command::Import(args)) => args.allow_insecure_http,
        _ => false,
    };
    if config.allow_insecure_http || flag {
        visit_rating::err!("visit-rating: {}", i18n.tr(msg!("warning-clear-text")));
        tracing::warn!(
            "allow_insecure_http is on: the token may be sent unencrypted over http:// to another machine"
        );
    }
}

/// What every command but the stand-in server needs before it runs: kept data pruned
/// when due. The platform's credential store is not chosen here: connecting to the
/// Secret Service (D-Bus, its threads, a key exchange) is done by the first keyring
/// call ([`visit_rating::secrets::init_default_store`], once per process), so a command
/// whose token comes from the environment or a token file, or that needs none
/// (`import --dry-run`, `outbox list`), never connects.
fn prepare_process(cli: &Cli, config: &Config) {
    if !matches!(cli.command, Some(Command::MockServer(_))) {
        keep_data_bounded(config, cli.command.is_none());
    }
}

/// The window (no command): run it until it is closed. Without a display, a sentence
/// that names `submit` and `xvfb-run`, and exit code 8 (the book's "The window").
fn window(options: GuiOptions, i18n: &I18n) -> ExitCode {
    match ui::run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(ui::GuiError::NoDisplay) => {
            visit_rating::err!("visit-rating: {}", i18n.tr(msg!("error-no-display")));
            Exit::NoDisplay.into()
        }
        Err(ui::GuiError::DisplayUnavailable(detail)) => {
            visit_rating::err!(
                "visit-rating: {}",
                i18n.tr_args(
                    msg!("error-display-unavailable"),
                    &[("detail", detail.as_str().into())]
                )
            );
            Exit::NoDisplay.into()
        }
        Err(ui::GuiError::Other(e)) => {
            visit_rating::err!("visit-rating: {e:#}");
            Exit::Failure.into()
        }
    }
}

/// `visit-rating generate-files man|completions DIR`: the man pages or the shell
/// completions, for scripts/package. Parsed apart from [`Cli`] so that neither `--help`,
/// the man pages nor the completions mention it. `None` for any other command line.
fn packager_command() -> Option<ExitCode> {
    use clap::CommandFactory as _;
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let [command, what, dir] = args.as_slice() else {
        return None;
    };
    if command != "generate-files" {
        return None;
    }
    let dir = std::path::Path::new(dir);
    let written = match what.to_str() {
        Some("man") => cli::generate::man_pages(Cli::command(), dir),
        Some("completions") => cli::generate::completions(Cli::command(), dir),
        _ => {
            visit_rating::err!("usage: visit-rating generate-files man|completions DIR");
            return Some(Exit::Invalid.into());
        }
    };
    Some(match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            visit_rating::err!("visit-rating: cannot write into {}: {e}", dir.display());
            Exit::Failure.into()
        }
    })
}

fn main() -> ExitCode {
    // First, before the process holds a token or a patient's remarks: no core dumps.
    let core_dumps = visit_rating::core_dumps::forbid_unless_allowed();
    if let Some(exit) = packager_command() {
        return exit;
    }
    let cli = Cli::parse();
    let _log_guard = init_logging(cli.log_level.as_deref(), cli.command.is_none());
    core_dumps.log();
    let sources = match Sources::new(cli.config.as_deref()) {
        Ok(sources) => sources,
        Err(e) => {
            visit_rating::err!("{e}");
            return Exit::Invalid.into();
        }
    };
    let config_path = sources.user_file.clone();
    let (config, unknown) = match sources.load() {
        Ok(loaded) => (loaded.config, loaded.unknown),
        // `config` still runs and says what is wrong itself: `config show` names the
        // file and key, `config set` may mend it.
        Err(_) if matches!(cli.command, Some(Command::Config(_))) => {
            (Config::default(), Vec::new())
        }
        Err(e) => {
            visit_rating::err!("{e}");
            return Exit::Invalid.into();
        }
    };
    let language = cli.lang.unwrap_or(config.language);
    let i18n = I18n::new(language);
    // The window's settings watcher logs them when it first reads the files.
    if cli.command.is_some() {
        for key in &unknown {
            warn_unknown_key(key, &i18n);
        }
    }
    warn_if_clear_text(&cli, &config, &i18n);
    prepare_process(&cli, &config);

    match cli.command {
        Some(Command::Submit(args)) => cli::submit(&args.into(), &config, &i18n).into(),
        Some(Command::Outbox(OutboxCommand::List { json })) => {
            cli::outbox::list(json, &config, &i18n).into()
        }
        Some(Command::Outbox(OutboxCommand::Flush(args))) => {
            cli::outbox::flush(&args.into(), &config, &i18n).into()
        }
        Some(Command::Outbox(OutboxCommand::Export { path })) => {
            cli::outbox::export(&path, &i18n).into()
        }
        Some(Command::Import(args)) => cli::import::import(&args.into(), &config, &i18n).into(),
        Some(Command::MockServer(args)) => cli::mock_server(args.into()).into(),
        Some(Command::Status(args)) => {
            cli::status::status(args.url.as_deref(), args.json, &config, &i18n).into()
        }
        Some(Command::Metrics(args)) => {
            cli::status::metrics(args.url.as_deref(), args.write_file, &config, &i18n).into()
        }
        Some(Command::Token(command)) => cli::token(&command.into(), &config, &i18n).into(),
        Some(Command::Config(command)) => {
            cli::config::config(&command.into(), &sources, &i18n).into()
        }
        Some(Command::AdminPin(AdminPinCommand::Set)) => {
            cli::admin_pin_set(&config, &config_path, &i18n).into()
        }
        Some(Command::AdminPin(AdminPinCommand::Clear)) => {
            cli::admin_pin_clear(&config, &config_path, &i18n).into()
        }
        Some(Command::AdminPin(AdminPinCommand::Check)) => {
            cli::admin_pin_check(&config, &i18n).into()
        }
        None => window(
            GuiOptions {
                demo: cli.demo,
                config,
                config_path,
                sources,
                language: cli.lang,
                kiosk: cli.kiosk,
            },
            &i18n,
        ),
    }
}
