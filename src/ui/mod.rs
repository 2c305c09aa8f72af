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
use crate::service::TokenSource;

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
    /// `--lang`, overriding the settings.
    pub language: Option<Language>,
    /// `--kiosk` (or `kiosk = true` in the settings).
    pub kiosk: bool,
}

/// Open the window and run until it is closed.
///
/// In demo mode the stand-in server runs inside this process on a free loopback port
/// with [`DEMO_TOKEN`], and lives exactly as long as the window. Without `--demo` and
/// without a server URL, the window opens on the setup screen, never silently on the
/// demo server.
pub fn run(options: GuiOptions) -> anyhow::Result<()> {
    let language = options.language.unwrap_or(options.config.language);
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
        let url = options.config.effective_url(None);
        // VISIT_RATING_TOKEN goes to this server only, never to one chosen later in the
        // window.
        let tokens = TokenSource::bound_to(url.as_deref());
        (url, tokens)
    };
    // `metrics_file`: a background thread rewrites it every minute (never in demo mode,
    // whose ratings are not the terminal's).
    if let (Some(path), Some(dir), None) = (&options.config.metrics_file, &data_dir, &demo_server) {
        let mut config = options.config.clone();
        config.kiosk = kiosk;
        let dir = dir.clone();
        crate::metrics::spawn_file_writer(path.clone(), move || {
            crate::health::Health::gather(&config, None, &dir)
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
    let native = eframe::NativeOptions {
        viewport,
        ..eframe::NativeOptions::default()
    };
    let result = eframe::run_native(
        "visit-rating",
        native,
        Box::new(move |cc| {
            let mut app = RatingApp::new(setup).in_real_window();
            // The first frame is drawn in the app's theme, never in egui's default.
            app.apply_style(&cc.egui_ctx);
            Ok(Box::new(app))
        }),
    );
    drop(demo_server);
    result.map_err(|e| anyhow::anyhow!("the window could not run: {e}"))
}
