//! Core dumps: the process forbids them for itself at the very start of `main`, before
//! it holds the token or a patient's remarks, so that a crash, an abort or a signal
//! that dumps (SIGABRT, SIGQUIT, SIGSEGV, sent by the same user or by a fault) never
//! writes either to a core file or to a crash collector.
//!
//! On Linux this is `prctl(PR_SET_DUMPABLE, 0)` (through `rustix`, without unsafe code
//! of ours). Besides the core, the kernel then keeps other processes of the same user
//! out of this one: no `ptrace` attach, and `/proc/PID/mem`, `/proc/PID/environ`
//! (where `VISIT_RATING_TOKEN` may be) and the like belong to root. Root itself is not
//! kept out. Elsewhere nothing is done here (Windows and macOS write crash reports
//! through their own services; see the book's Hostile input chapter).
//!
//! A developer who needs a core sets [`ALLOW_CORE_DUMPS_ENV`]`=1`; the process then stays
//! dumpable and says so in a warning on standard error and in the log.

/// The debug switch: `VISIT_RATING_ALLOW_CORE_DUMPS=1` keeps core dumps possible.
pub const ALLOW_CORE_DUMPS_ENV: &str = "VISIT_RATING_ALLOW_CORE_DUMPS";

/// What [`forbid_unless_allowed`] did.
#[derive(Debug)]
pub enum CoreDumps {
    /// The process is not dumpable.
    Forbidden,
    /// [`ALLOW_CORE_DUMPS_ENV`] is `1`: left dumpable.
    AllowedBySwitch,
    /// This platform has no such switch here.
    Unsupported,
    /// The kernel refused (left dumpable).
    Failed(std::io::Error),
}

/// Make this process non-dumpable, unless [`ALLOW_CORE_DUMPS_ENV`] is `1`. Called first
/// thing in `main`; the result is logged by [`CoreDumps::log`] once logging is set up.
pub fn forbid_unless_allowed() -> CoreDumps {
    if std::env::var_os(ALLOW_CORE_DUMPS_ENV).is_some_and(|v| v == "1") {
        return CoreDumps::AllowedBySwitch;
    }
    forbid()
}

#[cfg(target_os = "linux")]
fn forbid() -> CoreDumps {
    use rustix::process::{DumpableBehavior, set_dumpable_behavior};
    match set_dumpable_behavior(DumpableBehavior::NotDumpable) {
        Ok(()) => CoreDumps::Forbidden,
        Err(e) => CoreDumps::Failed(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn forbid() -> CoreDumps {
    CoreDumps::Unsupported
}

impl CoreDumps {
    /// Say in the log (warnings reach standard error too) when core dumps stay possible.
    pub fn log(&self) {
        match self {
            CoreDumps::Forbidden | CoreDumps::Unsupported => {}
            CoreDumps::AllowedBySwitch => tracing::warn!(
                "core dumps are allowed ({ALLOW_CORE_DUMPS_ENV}=1): a crash may write the token and patients' remarks to a core file"
            ),
            CoreDumps::Failed(e) => tracing::warn!(
                error = %e,
                "cannot forbid core dumps: a crash may write the token and patients' remarks to a core file"
            ),
        }
    }
}
