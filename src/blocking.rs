//! Which code may block: a debug-build guard that keeps files, the keyring, HTTP client
//! construction and Argon2 out of the window's frames.
//!
//! The window marks each frame with [`in_frame`] (from `eframe::App`'s hooks); every
//! function that may block calls [`assert_may_block`] first. In a debug build (tests
//! included) a blocking call made during a frame panics with the name of the work, so a
//! misplaced call is found by the first UI test that reaches it; release builds check
//! nothing. Blocking work belongs in a job ([`crate::ui::jobs`]), which runs on its own
//! thread, outside any frame.
//!
//! No egui here: the rooms that block (`outbox`, `config`, `secrets`, `api`, `admin_pin`) depend
//! on this module, never on the UI.

use std::cell::Cell;

thread_local! {
    static IN_FRAME: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as drawing a frame until dropped.
#[must_use = "the frame ends when the guard is dropped"]
pub struct FrameGuard {
    was: bool,
}

impl Drop for FrameGuard {
    fn drop(&mut self) {
        IN_FRAME.with(|f| f.set(self.was));
    }
}

/// The current thread draws a frame until the guard is dropped (nests).
pub fn in_frame() -> FrameGuard {
    FrameGuard {
        was: IN_FRAME.with(|f| f.replace(true)),
    }
}

/// True while the current thread is drawing a frame.
pub fn inside_frame() -> bool {
    IN_FRAME.with(Cell::get)
}

/// Panics (debug builds only) when called during a frame: `what` blocks and must run in
/// a background job. Called at the top of every function that touches the disk, the
/// keyring or the network, or hashes a PIN.
#[track_caller]
pub fn assert_may_block(what: &str) {
    assert!(
        !(cfg!(debug_assertions) && inside_frame()),
        "{what} blocks and was called during a frame: run it in a job (ui::jobs)"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inside_a_frame_is_blocking_refused() {
        assert_may_block("outside any frame");
        let frame = in_frame();
        assert!(inside_frame());
        let caught = std::panic::catch_unwind(|| assert_may_block("reading a file"));
        let message = caught.unwrap_err();
        let text = message.downcast_ref::<String>().unwrap();
        assert!(text.contains("reading a file blocks"), "{text}");
        drop(frame);
        assert!(!inside_frame());
        assert_may_block("after the frame");
    }

    #[test]
    fn frames_nest() {
        let outer = in_frame();
        {
            let _inner = in_frame();
        }
        assert!(inside_frame());
        drop(outer);
        assert!(!inside_frame());
    }

    #[test]
    fn other_threads_are_free_to_block() {
        let _frame = in_frame();
        std::thread::Builder::new()
            .name("job".into())
            .spawn(|| assert_may_block("a job's work"))
            .unwrap()
            .join()
            .unwrap();
    }
}
