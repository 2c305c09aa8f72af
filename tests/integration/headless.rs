//! The window on a machine without a display (a server, CI, an ssh session): one
//! sentence in the user's language that names the headless command and a virtual
//! display, and a documented exit code, instead of the windowing library's raw error.

use crate::support::UserEnv;

/// The window's exit code when there is no display (the book's "The window").
const NO_DISPLAY: i32 = 8;

/// The binary with `args` and `display` as `DISPLAY` (none when `None`), no
/// `WAYLAND_DISPLAY` or `WAYLAND_SOCKET`: its exit code and standard error.
fn run_with_display(display: Option<&str>, args: &[&str]) -> (Option<i32>, String) {
    let env = UserEnv::new();
    let mut cmd = env.cmd();
    cmd.env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("WAYLAND_SOCKET")
        .args(args);
    if let Some(display) = display {
        cmd.env("DISPLAY", display);
    }
    let output = cmd.output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn without_a_display_the_window_names_submit_and_xvfb_run() {
    for (args, words) in [
        (&[][..], "Нет дисплея"),
        (&["--lang", "en"][..], "No display"),
        (&["--demo"][..], "Нет дисплея"),
        (&["--kiosk", "--lang", "en"][..], "No display"),
    ] {
        let (code, stderr) = run_with_display(None, args);
        assert_eq!(code, Some(NO_DISPLAY), "{args:?}: {stderr}");
        assert!(stderr.contains(words), "{args:?}: {stderr}");
        assert!(stderr.contains("visit-rating submit"), "{args:?}: {stderr}");
        assert!(stderr.contains("xvfb-run"), "{args:?}: {stderr}");
        for raw in [".cargo", "registry", "os error at", "winit", ".rs:"] {
            assert!(!stderr.contains(raw), "{args:?}: {raw:?} in {stderr}");
        }
    }
}

/// A display is named but nobody answers there (an X server that is gone): the same
/// advice, with the windowing library's reason and without its source location.
#[test]
fn a_display_nobody_answers_on_is_said_in_words() {
    let (code, stderr) = run_with_display(Some(":987"), &["--lang", "en"]);
    assert_eq!(code, Some(NO_DISPLAY), "{stderr}");
    assert!(
        stderr.contains("Cannot open the window on the display"),
        "{stderr}"
    );
    assert!(stderr.contains("X server"), "the reason: {stderr}");
    assert!(stderr.contains("xvfb-run"), "{stderr}");
    for raw in [".cargo", "registry", "os error at", ".rs:"] {
        assert!(!stderr.contains(raw), "{raw:?} in {stderr}");
    }
}
