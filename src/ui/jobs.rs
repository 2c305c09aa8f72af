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

/// What the slip reader ([`read_slips`]) hands the window.
#[derive(Debug)]
pub enum SlipEvent {
    /// A frame held a visit id.
    Read(crate::slip::SlipRead),
    /// The camera cannot be read: said once for each new reason, while it is tried again
    /// every `retry`.
    Failed(crate::slip::CaptureError),
    /// Frames come again after a failure.
    Working,
}

/// How the slip reader opens its frames: the configured camera, or images in tests.
pub type OpenFrames =
    dyn FnMut() -> Result<Box<dyn crate::slip::FrameSource>, crate::slip::CaptureError> + Send;

/// Read visit slips on a thread of its own for as long as the window holds the
/// [`SlipReader`]: while it is active ([`SlipReader::set_active`], the ready screen is
/// shown) one frame every `every` at most, decoded ([`crate::slip::read_visit_id`]) and
/// dropped; a visit id found is sent to the window, which is woken. While inactive the
/// frames are closed (the camera stops) and nothing is read. A source that cannot be
/// opened or fails is tried again every `retry`. Not counted as a job: it never ends by
/// itself.
///
/// # Errors
/// No thread could be started.
pub fn read_slips(
    mut open: Box<OpenFrames>,
    ids: crate::slip::SlipIds,
    every: Duration,
    retry: Duration,
    ctx: &egui::Context,
) -> std::io::Result<SlipReader> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let (sender, receiver) = std::sync::mpsc::channel();
    let alive = Arc::new(());
    let watched = Arc::downgrade(&alive);
    let active = Arc::new(AtomicBool::new(false));
    let wanted = Arc::clone(&active);
    let ctx = ctx.clone();
    let step = every.min(Duration::from_millis(100));
    std::thread::Builder::new()
        .name("slip-reader".into())
        .spawn(move || {
            let send = |event| {
                let sent = sender.send(event).is_ok();
                ctx.request_repaint();
                sent
            };
            let mut frames: Option<Box<dyn crate::slip::FrameSource>> = None;
            // The last failure said (to say each one once), and when to try again.
            let mut failure: Option<String> = None;
            let mut retry_at = Instant::now();
            let fail = |error: crate::slip::CaptureError, failure: &mut Option<String>| {
                let text = error.to_string();
                if failure.as_deref() != Some(text.as_str()) {
                    *failure = Some(text);
                    return send(SlipEvent::Failed(error));
                }
                true
            };
            while watched.strong_count() > 0 {
                let started = Instant::now();
                if !wanted.load(Ordering::Relaxed) {
                    frames = None;
                    std::thread::sleep(step);
                    continue;
                }
                let source = match &mut frames {
                    Some(source) => source,
                    None if started < retry_at => {
                        std::thread::sleep(step);
                        continue;
                    }
                    None => match open() {
                        Ok(source) => frames.insert(source),
                        Err(error) => {
                            retry_at = started + retry;
                            if !fail(error, &mut failure) {
                                return;
                            }
                            continue;
                        }
                    },
                };
                match source.next_frame() {
                    Ok(frame) => {
                        if failure.take().is_some() && !send(SlipEvent::Working) {
                            return;
                        }
                        let read = crate::slip::read_visit_id(&frame, &ids);
                        drop(frame);
                        if let Some(read) = read
                            && !send(SlipEvent::Read(read))
                        {
                            return;
                        }
                    }
                    Err(error) => {
                        frames = None;
                        retry_at = started + retry;
                        if !fail(error, &mut failure) {
                            return;
                        }
                        continue;
                    }
                }
                // The rest of `every`, in short steps: a pause or the end is seen soon.
                while watched.strong_count() > 0 && wanted.load(Ordering::Relaxed) {
                    let left = every.saturating_sub(started.elapsed());
                    if left.is_zero() {
                        break;
                    }
                    std::thread::sleep(left.min(step));
                }
            }
        })
        .map(|_| SlipReader {
            active,
            receiver,
            _alive: alive,
        })
}

/// The window's end of [`read_slips`].
#[derive(Debug)]
pub struct SlipReader {
    active: Arc<std::sync::atomic::AtomicBool>,
    receiver: std::sync::mpsc::Receiver<SlipEvent>,
    /// While held, the reader runs.
    _alive: Arc<()>,
}

impl SlipReader {
    /// Read frames (`true`: the ready screen is shown) or close them and read nothing.
    pub fn set_active(&self, active: bool) {
        self.active
            .store(active, std::sync::atomic::Ordering::Relaxed);
    }

    /// What the reader found or met since the last call (never blocks).
    pub fn events(&self) -> Vec<SlipEvent> {
        self.receiver.try_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::slip::synth::{self, Distortion, Kind};
    use crate::slip::{CaptureError, FrameSource, GrayFrame, SlipIds};

    /// The same frame again and again, counting the frames taken.
    struct Repeat(GrayFrame, Arc<AtomicUsize>);

    impl FrameSource for Repeat {
        fn next_frame(&mut self) -> Result<GrayFrame, CaptureError> {
            self.1.fetch_add(1, Ordering::Relaxed);
            Ok(self.0.clone())
        }
    }

    fn wait_for(reader: &SlipReader, within: Duration) -> Vec<SlipEvent> {
        let deadline = Instant::now() + within;
        loop {
            let events = reader.events();
            if !events.is_empty() || Instant::now() > deadline {
                return events;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn the_reader_reads_only_while_active_and_at_most_once_every_period() {
        let mut rng = fastrand::Rng::with_seed(7);
        let visit = synth::random_guid(&mut rng);
        let frame = synth::camera_frame(&visit, Kind::Qr, Distortion::Plain, &mut rng);
        let taken = Arc::new(AtomicUsize::new(0));
        let opened = Arc::new(AtomicUsize::new(0));
        let (count, opens) = (Arc::clone(&taken), Arc::clone(&opened));
        let open = Box::new(move || {
            opens.fetch_add(1, Ordering::Relaxed);
            Ok(Box::new(Repeat(frame.clone(), Arc::clone(&count))) as Box<dyn FrameSource>)
        });
        let ctx = egui::Context::default();
        let every = Duration::from_millis(200);
        let reader = read_slips(open, SlipIds::default(), every, every, &ctx).unwrap();
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(taken.load(Ordering::Relaxed), 0, "inactive: no frame read");
        assert_eq!(
            opened.load(Ordering::Relaxed),
            0,
            "inactive: nothing opened"
        );

        reader.set_active(true);
        let events = wait_for(&reader, Duration::from_secs(30));
        match events.first() {
            Some(SlipEvent::Read(read)) => assert_eq!(read.visit_id.as_str(), visit),
            other => panic!("expected a read, got {other:?}"),
        }
        let before = taken.load(Ordering::Relaxed);
        let started = Instant::now();
        std::thread::sleep(Duration::from_secs(2));
        let frames = taken.load(Ordering::Relaxed) - before;
        let periods = started.elapsed().as_millis() / every.as_millis();
        assert!(
            frames <= usize::try_from(periods).unwrap() + 1,
            "{frames} frames in {periods} periods"
        );

        reader.set_active(false);
        std::thread::sleep(Duration::from_millis(400));
        let paused = taken.load(Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(600));
        assert_eq!(
            taken.load(Ordering::Relaxed),
            paused,
            "paused: no frame read"
        );
    }

    #[test]
    fn a_missing_camera_is_said_once_and_tried_again() {
        let tries = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&tries);
        let open = Box::new(move || {
            count.fetch_add(1, Ordering::Relaxed);
            Err(CaptureError::Open {
                device: "/dev/video9".into(),
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            })
        });
        let ctx = egui::Context::default();
        let step = Duration::from_millis(50);
        let reader = read_slips(open, SlipIds::default(), step, step, &ctx).unwrap();
        reader.set_active(true);
        std::thread::sleep(Duration::from_millis(600));
        let events = reader.events();
        assert!(tries.load(Ordering::Relaxed) >= 3, "tried again");
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(matches!(
            events[0],
            SlipEvent::Failed(CaptureError::Open { .. })
        ));
    }
}
