//! The egui window. egui only: no reqwest, keyring or file system calls run in a frame
//! here; it asks [`crate::service`], the outbox, the settings and the keyring for work
//! through [`jobs`] (the one place it starts background work) and draws the results. A
//! blocking call made during a frame panics in debug builds ([`crate::blocking`]).
//!
//! - [`app`]: screens and the state machine (kiosk mode in `app::kiosk`);
//! - [`clock`]: the time the kiosk's timers read;
//! - [`jobs`]: the one place the window starts background work;
//! - [`keyboard`]: the on-screen keyboard;
//! - [`star_rating`]: the star-rating widget;
//! - [`theme`]: sizes and colours;
//! - [`type_ahead`]: keys typed ahead of the screen, each handed to the frame it belongs to.

pub mod app;
pub mod clock;
pub mod jobs;
pub mod keyboard;
pub mod star_rating;
pub mod theme;
pub mod type_ahead;

use crate::msg;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context as _;

use crate::config::{Config, Language};
use crate::i18n::I18n;
use crate::mock_server::{DEMO_TOKEN, MockOptions, RunningMock};
use crate::secrets::Token;
use crate::service::{Server, TokenSource};

pub use app::{AppSetup, RatingApp, Screen};

/// The application icon (also used by the `.desktop` file).
pub const ICON_PNG: &[u8] = include_bytes!("../../assets/icon.png");

/// How the window was asked to start.
#[derive(Clone, Debug)]
pub struct GuiOptions {
    /// `--demo`: run the stand-in server in-process and point the form at it.
    pub demo: bool,
    /// The settings as loaded.
    pub config: Config,
    /// Where they were loaded from (and where the settings screen saves them).
    pub config_path: PathBuf,
    /// The settings files, watched while the window runs.
    pub sources: crate::config::layers::Sources,
    /// `--lang`, overriding the settings.
    pub language: Option<Language>,
    /// `--kiosk` (or `kiosk = true` in the settings).
    pub kiosk: bool,
}

/// Why the window could not run.
#[derive(Debug, thiserror::Error)]
pub enum GuiError {
    /// No display is named: neither `WAYLAND_DISPLAY`, `WAYLAND_SOCKET` nor `DISPLAY`
    /// is set (a server, CI, an ssh session). Nothing was started.
    #[error("no display: neither WAYLAND_DISPLAY, WAYLAND_SOCKET nor DISPLAY is set")]
    NoDisplay,
    /// The display named cannot be used (no X server or compositor there): the
    /// windowing library's reason, without its source location.
    #[error("the display cannot be used: {0}")]
    DisplayUnavailable(String),
    /// Anything else.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Whether the environment names a display the way the windowing library (winit) looks
/// for one: a non-empty `WAYLAND_DISPLAY`, `WAYLAND_SOCKET` or `DISPLAY`. Windows and
/// macOS always have one.
fn display_named() -> bool {
    cfg!(any(target_os = "windows", target_os = "macos"))
        || ["WAYLAND_DISPLAY", "WAYLAND_SOCKET", "DISPLAY"]
            .iter()
            .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
}

/// `text` without the source locations winit writes into its errors
/// (`os error at /…/winit-0.30.13/src/platform_impl/linux/mod.rs:765: `), which name the
/// build machine's folders and mean nothing to the person reading.
pub fn without_source_location(text: &str) -> String {
    const MARK: &str = "os error at ";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at]);
        let after = &rest[at + MARK.len()..];
        // `PATH.rs:LINE: `, then the reason.
        let end = after.find(".rs:").and_then(|rs| {
            let line = &after[rs + 4..];
            let digits = line.bytes().take_while(u8::is_ascii_digit).count();
            (digits > 0 && line[digits..].starts_with(": ")).then_some(rs + 4 + digits + 2)
        });
        if let Some(end) = end {
            rest = &after[end..];
        } else {
            out.push_str(MARK);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Open the window and run until it is closed.
///
/// In demo mode the stand-in server runs inside this process on a free loopback port
/// with [`DEMO_TOKEN`], and lives exactly as long as the window. Without `--demo` and
/// without a server URL, the window opens on the setup screen, never silently on the
/// demo server. Without a display nothing is started: [`GuiError::NoDisplay`].
pub fn run(options: GuiOptions) -> Result<(), GuiError> {
    if !display_named() {
        return Err(GuiError::NoDisplay);
    }
    // Caught first thing (the kiosk units' processes are told of a new version with it).
    let restart_signal = catch_restart_signal();
    let language = options.language.unwrap_or(options.config.language);
    let (language_override, sources) = (options.language, options.sources.clone());
    let kiosk = options.kiosk || options.config.kiosk;
    let demo_server = if options.demo {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        Some(
            RunningMock::start(addr, MockOptions::default())
                .context("cannot start the demo server")?,
        )
    } else {
        None
    };
    // Demo ratings are kept apart from a real installation's outbox.
    let data_dir = crate::config::Folders::platform().ok().map(|folders| {
        if options.demo {
            folders.data_dir.join("demo")
        } else {
            folders.data_dir
        }
    });
    let (server_url, tokens) = if let Some(server) = &demo_server {
        (
            Some(server.url()),
            TokenSource::Fixed(Token::new(DEMO_TOKEN).context("the demo token")?),
        )
    } else {
        // VISIT_RATING_TOKEN goes to this server only, never to one chosen later in the
        // window.
        let server = Server::configured(&options.config, None);
        (server.url, server.tokens)
    };
    // The heartbeat and `metrics_file`: a background thread rewrites them every minute
    // (never in demo mode, whose ratings are not the terminal's).
    if let (Some(dir), None) = (&data_dir, &demo_server) {
        let mut config = options.config.clone();
        config.kiosk = kiosk;
        let dir = dir.clone();
        let path = options.config.metrics_file.clone();
        let status_code = |verdict| crate::cli::Exit::for_verdict(verdict) as u8;
        jobs::repeat("metrics-file", crate::metrics::FILE_INTERVAL, move || {
            crate::metrics::beat(&config, &dir, path.as_deref(), status_code);
        })
        .context("cannot start the metrics file writer")?;
    }
    let setup = AppSetup {
        config: options.config,
        config_path: options.config_path,
        language,
        server_url,
        tokens,
        demo: options.demo,
        data_dir,
        kiosk,
        clock: clock::Clock::system(),
    };

    let viewport = viewport(language, kiosk);
    let native = eframe::NativeOptions {
        viewport,
        ..eframe::NativeOptions::default()
    };
    let result = eframe::run_native(
        "visit-rating",
        native,
        Box::new(move |cc| {
            let mut app = RatingApp::new(setup).in_real_window().watching(
                sources,
                language_override,
                app::WATCH_EVERY,
            );
            if let Some(watch) =
                restart_signal.and_then(|signal| watch_restart_signal(signal, &cc.egui_ctx))
            {
                app.restart_on(watch);
            }
            // The first frame is drawn in the app's theme, never in egui's default.
            app.apply_style(&cc.egui_ctx);
            Ok(Box::new(app))
        }),
    );
    drop(demo_server);
    result.map_err(|e| match e {
        eframe::Error::WinitEventLoop(e) => {
            GuiError::DisplayUnavailable(without_source_location(&e.to_string()))
        }
        e => GuiError::Other(anyhow::anyhow!(
            "the window could not run: {}",
            without_source_location(&e.to_string())
        )),
    })
}

/// The window: its title, icon and size; in kiosk mode no decorations.
fn viewport(language: Language, kiosk: bool) -> egui::ViewportBuilder {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(I18n::new(language).tr(msg!("app-title")))
        .with_app_id("visit-rating")
        .with_inner_size([1000.0, 780.0])
        .with_min_inner_size([640.0, 480.0]);
    if let Ok(icon) = eframe::icon_data::from_png_bytes(ICON_PNG) {
        viewport = viewport.with_icon(icon);
    }
    if kiosk {
        // No title bar, no close button; full screen on the chosen monitor once the
        // first frame knows the monitor's size (see `ui::app::kiosk`): a kiosk
        // compositor that makes a window full screen without telling it the output's
        // size (cage 0.1.4, Debian 12's) would leave it at the size it asked for, and
        // winit ignores size requests while full screen.
        viewport = viewport
            .with_decorations(false)
            .with_close_button(false)
            .with_minimize_button(false);
    }
    viewport
}

/// SIGUSR1 ("a new version is installed", see [`jobs::RestartSignal`]), caught from now
/// on; `None` (logged) when it cannot be.
fn catch_restart_signal() -> Option<jobs::RestartSignal> {
    jobs::RestartSignal::catch()
        .inspect_err(|e| {
            tracing::warn!(error = %e, "SIGUSR1 cannot be caught: a new version runs from the next start");
        })
        .ok()
}

/// The window's watch on `signal`; `None` (logged) when no thread could be started.
fn watch_restart_signal(
    signal: jobs::RestartSignal,
    ctx: &egui::Context,
) -> Option<jobs::RestartWatch> {
    signal
        .watch(ctx)
        .inspect_err(|e| tracing::error!(error = %e, "cannot watch for SIGUSR1"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::without_source_location;

    #[test]
    fn winit_source_locations_are_left_out() {
        assert_eq!(
            without_source_location(
                "os error at /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/winit-0.30.13/src/platform_impl/linux/mod.rs:788: Failed to open connection to X server"
            ),
            "Failed to open connection to X server"
        );
        assert_eq!(
            without_source_location("winit: os error at C:\\w\\x.rs:1: a; os error at y.rs:22: b"),
            "winit: a; b"
        );
        for kept in [
            "no location here",
            "os error at nowhere",
            "os error at a.rs:x: c",
        ] {
            assert_eq!(without_source_location(kept), kept);
        }
    }
}
