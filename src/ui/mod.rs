//! The egui window. egui only: no reqwest, keyring or file system calls here; it asks
//! the rest of the library for work and draws the results.

use std::path::PathBuf;

use crate::config::{Config, Language};

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
}

/// Open the window and run until it is closed.
pub fn run(_options: GuiOptions) -> anyhow::Result<()> {
    anyhow::bail!("the window is not built yet")
}
