//! `visit-rating generate-files man|completions DIR` (hidden from `--help`): the man pages
//! and the bash/zsh/fish completions, generated from the same clap definitions that
//! parse the command line, so they never drift from `--help`. `scripts/package` runs it
//! on the binary it packages.

use std::io;
use std::path::Path;

use clap_complete::Shell;

/// One man page per command (`visit-rating.1`, `visit-rating-submit.1`, …) in `dir`.
pub fn man_pages(command: clap::Command, dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    clap_mangen::generate_to(command, dir)
}

/// `visit-rating.bash`, `_visit-rating` (zsh) and `visit-rating.fish` in `dir`.
pub fn completions(mut command: clap::Command, dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut command, "visit-rating", dir)?;
    }
    Ok(())
}
