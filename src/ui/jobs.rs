//! The one place the window starts background work.
//!
//! A job is a closure run on a named thread of its own; its value arrives in a
//! `poll_promise::Promise`, and the thread wakes the UI (`request_repaint`) once the
//! value is in place, so a frame that polls it next sees it. Everything that blocks —
//! files, the keyring, building an HTTP client, sending, Argon2 — goes through [`spawn`]
//! (or [`detach`] when nobody waits for the answer); [`crate::blocking`] panics in debug
//! builds when such work is called during a frame instead.
//!
//! The window's long-lived threads start here too: the background sender
//! ([`start_sender`]) and the work repeated for the life of the process ([`repeat`]:
//! the metrics file, the retention check).

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use poll_promise::Promise;

use crate::outbox::worker::OutboxWorker;

/// How many jobs of one window run now, and a signal for each one that ends. Kept in
/// the window's `egui::Context`, so each window (and each test's harness) counts its own.
#[derive(Default)]
struct Count {
    running: Mutex<usize>,
    ended: Condvar,
}

fn count(ctx: &egui::Context) -> Arc<Count> {
    ctx.data_mut(|d| {
        d.get_temp_mut_or_default::<Arc<Count>>(egui::Id::unique("visit-rating-jobs"))
            .clone()
    })
}

/// Counts a job from before its thread starts until its value is delivered (and the UI
/// asked to repaint), so that [`wait_idle`] never sees a job "done" early.
struct Running(Arc<Count>);

impl Running {
    fn start(ctx: &egui::Context) -> Running {
        let count = count(ctx);
        *count.running.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        Running(count)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut running = self
            .0
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *running -= 1;
        self.0.ended.notify_all();
    }
}

/// How many of this window's jobs are running.
pub fn running(ctx: &egui::Context) -> usize {
    *count(ctx)
        .running
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Wait until none of this window's jobs runs (true), or `timeout` passes (false). For
/// tests and benchmarks that drive frames by hand ("settled" means no job left and no
/// repaint asked). Never called from a frame.
pub fn wait_idle(ctx: &egui::Context, timeout: Duration) -> bool {
    let count = count(ctx);
    let deadline = Instant::now() + timeout;
    let mut running = count.running.lock().unwrap_or_else(PoisonError::into_inner);
    while *running > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        running = count
            .ended
            .wait_timeout(running, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    true
}

/// Run `work` on a thread named `name`; its value arrives in the promise and wakes the
/// UI. When no thread can be started, the promise holds `failed(error)` at once.
pub fn spawn<T: Send + 'static>(
    name: &str,
    ctx: &egui::Context,
    work: impl FnOnce() -> T + Send + 'static,
    failed: impl FnOnce(std::io::Error) -> T,
) -> Promise<T> {
    let (sender, promise) = Promise::new();
    let ctx = ctx.clone();
    let running = Running::start(&ctx);
    let spawned = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            sender.send(work());
            ctx.request_repaint();
            drop(running);
        });
    match spawned {
        Ok(_) => promise,
        Err(e) => Promise::from_ready(failed(e)),
    }
}

/// Run `work` on a thread named `name` and forget it (it reports its own failures, e.g.
/// to the log). A thread that cannot be started is logged.
pub fn detach(name: &str, ctx: &egui::Context, work: impl FnOnce() + Send + 'static) {
    let running = Running::start(ctx);
    let spawned = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            work();
            drop(running);
        });
    if let Err(e) = spawned {
        tracing::error!(job = name, error = %e, "cannot start a background job");
    }
}

/// Run `work` now and then every `every` on a thread named `name`, for the life of the
/// process (the metrics file, the retention check). Nobody waits for it, and it is not
/// counted as a job of a window: it never ends.
///
/// # Errors
/// No thread could be started.
pub fn repeat(
    name: &str,
    every: Duration,
    mut work: impl FnMut() + Send + 'static,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            loop {
                work();
                std::thread::sleep(every);
            }
        })
        .map(drop)
}

/// Start the background sender for `outbox` ([`OutboxWorker`], a thread of its own),
/// connecting with `connect` each round and waking the window whenever its status
/// changes. `None` (logged) when no thread could be started.
pub fn start_sender(
    outbox: crate::outbox::Outbox,
    connect: Box<crate::outbox::worker::Connect>,
    ctx: &egui::Context,
) -> Option<OutboxWorker> {
    let ctx = ctx.clone();
    match OutboxWorker::start(outbox, connect, Box::new(move || ctx.request_repaint())) {
        Ok(worker) => Some(worker),
        Err(e) => {
            tracing::error!(error = %e, "cannot start the outbox sender");
            None
        }
    }
}

/// What the settings watcher hands the window: the settings as the files now say, or
/// why they cannot be used.
pub type SettingsRead = Result<crate::config::layers::Loaded, crate::config::ConfigError>;

/// Watch the settings files of `sources` for the life of the window on a thread of its
/// own: every `every` a `stat` of each file (cheap: no file is read unless one
/// changed), and at once on SIGHUP (`kill -HUP`, `systemctl reload`). Whenever a file
/// changed (and once at start), the files are read and the result sent on the channel
/// returned, and the window woken to take it. The thread ends soon after the window
/// drops the [`SettingsWatch`]. Not counted as a job: it never ends by itself.
///
/// # Errors
/// No thread could be started.
pub fn watch_settings(
    sources: crate::config::layers::Sources,
    every: Duration,
    ctx: &egui::Context,
) -> std::io::Result<SettingsWatch> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let (sender, receiver) = std::sync::mpsc::channel();
    let alive = Arc::new(());
    let watched = Arc::downgrade(&alive);
    let hangup = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    if let Err(e) = signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&hangup)) {
        tracing::warn!(error = %e, "SIGHUP cannot be caught: the settings files are still watched");
    }
    let ctx = ctx.clone();
    let step = every.min(Duration::from_millis(200));
    std::thread::Builder::new()
        .name("settings-watch".into())
        .spawn(move || {
            let mut seen = None;
            while watched.strong_count() > 0 {
                let stamp = sources.stamp();
                let hung_up = hangup.swap(false, Ordering::Relaxed);
                if hung_up {
                    tracing::info!(target: "visit_rating::settings", "SIGHUP: reading the settings files again");
                }
                if hung_up || seen.as_ref() != Some(&stamp) {
                    seen = Some(stamp);
                    if sender.send(sources.load()).is_err() {
                        return;
                    }
                    ctx.request_repaint();
                }
                let started = Instant::now();
                while started.elapsed() < every && !hangup.load(Ordering::Relaxed) {
                    std::thread::sleep(step);
                }
            }
        })
        .map(|_| SettingsWatch {
            receiver,
            _alive: alive,
        })
}

/// The window's end of [`watch_settings`]: the settings read after a change.
#[derive(Debug)]
pub struct SettingsWatch {
    receiver: std::sync::mpsc::Receiver<SettingsRead>,
    /// While held, the watcher runs.
    _alive: Arc<()>,
}

impl SettingsWatch {
    /// The newest settings read since the last call, if any (never blocks).
    pub fn latest(&self) -> Option<SettingsRead> {
        self.receiver.try_iter().last()
    }
}

/// SIGUSR1, "a new version of the program is installed": the package's maintainer
/// scripts send it to the kiosk units' `visit-rating` processes after an upgrade, and a
/// kiosk then restarts once nobody is using it (see `ui::app::kiosk::restart`). Caught
/// as early as the window starts, so that it never ends the process (SIGUSR1's default
/// action) — a desk window catches it too, and only logs it.
#[derive(Clone, Debug)]
pub struct RestartSignal {
    caught: Arc<std::sync::atomic::AtomicBool>,
}

impl RestartSignal {
    /// Catch SIGUSR1 from now on.
    ///
    /// # Errors
    /// The signal cannot be caught.
    pub fn catch() -> std::io::Result<RestartSignal> {
        let caught = Arc::new(std::sync::atomic::AtomicBool::new(false));
        #[cfg(unix)]
        signal_hook::flag::register(signal_hook::consts::SIGUSR1, Arc::clone(&caught))?;
        Ok(RestartSignal { caught })
    }

    /// Wake the window whenever the signal has come (looked at every 250 ms on a thread
    /// of its own, which ends soon after the window drops the [`RestartWatch`]). Not
    /// counted as a job: it never ends by itself.
    ///
    /// # Errors
    /// No thread could be started.
    pub fn watch(self, ctx: &egui::Context) -> std::io::Result<RestartWatch> {
        use std::sync::atomic::Ordering;
        let alive = Arc::new(());
        let watched = Arc::downgrade(&alive);
        let caught = Arc::clone(&self.caught);
        let ctx = ctx.clone();
        std::thread::Builder::new()
            .name("restart-signal".into())
            .spawn(move || {
                while watched.strong_count() > 0 {
                    if caught.load(Ordering::Relaxed) {
                        ctx.request_repaint();
                    }
                    std::thread::sleep(Duration::from_millis(250));
                }
            })
            .map(|_| RestartWatch {
                signal: self,
                _alive: alive,
            })
    }

    /// Whether the signal came since the last call (never blocks).
    pub fn take(&self) -> bool {
        self.caught
            .swap(false, std::sync::atomic::Ordering::Relaxed)
    }
}

/// The window's end of [`RestartSignal::watch`].
#[derive(Debug)]
pub struct RestartWatch {
    signal: RestartSignal,
    /// While held, the watcher runs.
    _alive: Arc<()>,
}

impl RestartWatch {
    /// Whether the signal came since the last call (never blocks).
    pub fn take(&self) -> bool {
        self.signal.take()
    }
}
