//! The window's state machine kept in its rooms (the book's Architecture chapter): among
//! `src/ui/` and `src/main.rs`, only `ui/app.rs` changes the screen (an assignment to a
//! `screen` field: the screens return a `Transition` that `RatingApp::apply` carries
//! out), and only `ui/jobs.rs` starts a thread for the window (anything of `std::thread`,
//! the background sender's `OutboxWorker::start`).
//!
//! The test parses the files with `syn`; test code (`#[cfg(test)]` items) is left out.
//! A binary of its own: it reads source files and needs none of the suite's support. The
//! files are those of the crate at `CARGO_MANIFEST_DIR` when the test runs (cargo sets
//! it), so another checkout's can be checked by running the binary with it set there.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use syn::spanned::Spanned as _;
use syn::visit::Visit;

/// The one file that changes the screen.
const CHANGES_THE_SCREEN: &str = "ui/app.rs";
/// The one file that starts the window's threads.
const STARTS_THREADS: &str = "ui/jobs.rs";

fn src_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
        .join("src")
}

/// `src/main.rs` and every file under `src/ui/`, as paths relative to `src/`.
fn window_files() -> Vec<String> {
    fn walk(dir: &Path, src: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, src, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let src = src_dir();
    let mut files = vec!["main.rs".to_owned()];
    walk(&src.join("ui"), &src, &mut files);
    files.sort();
    files
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.meta
                .require_list()
                .is_ok_and(|l| l.tokens.to_string().replace(' ', "") == "test")
    })
}

/// What a file does that the rules are about, with its lines.
#[derive(Default)]
struct Found {
    /// `….screen = …`.
    screen_changes: Vec<usize>,
    /// Paths that start (or are) a thread.
    threads: Vec<(String, usize)>,
}

impl<'ast> Visit<'ast> for Found {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if !is_test_only(attrs) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test_only(&f.attrs) {
            syn::visit::visit_impl_item_fn(self, f);
        }
    }

    fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
        if let syn::Expr::Field(field) = &*assign.left
            && matches!(&field.member, syn::Member::Named(name) if name == "screen")
        {
            self.screen_changes.push(field.member.span().start().line);
        }
        syn::visit::visit_expr_assign(self, assign);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let thread = names.iter().any(|n| n == "thread")
            || names.ends_with(&["OutboxWorker".to_owned(), "start".to_owned()]);
        if thread {
            self.threads
                .push((names.join("::"), path.span().start().line));
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_use_path(&mut self, path: &'ast syn::UsePath) {
        if path.ident == "thread" {
            self.threads
                .push(("use …thread".to_owned(), path.ident.span().start().line));
        }
        syn::visit::visit_use_path(self, path);
    }
}

fn found(rel: &str) -> Found {
    let text = std::fs::read_to_string(src_dir().join(rel)).unwrap();
    let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let mut found = Found::default();
    found.visit_file(&file);
    found
}

#[test]
fn only_the_state_machine_changes_the_screen() {
    let mut elsewhere = Vec::new();
    let mut in_app = 0;
    for rel in window_files() {
        let lines = found(&rel).screen_changes;
        if rel == CHANGES_THE_SCREEN {
            in_app += lines.len();
        } else {
            elsewhere.extend(lines.into_iter().map(|line| format!("src/{rel}:{line}")));
        }
    }
    assert!(
        elsewhere.is_empty(),
        "the screen is changed outside src/{CHANGES_THE_SCREEN} (return a Transition instead):\n{}",
        elsewhere.join("\n")
    );
    assert!(
        in_app > 0,
        "src/{CHANGES_THE_SCREEN} no longer changes the screen"
    );
}

#[test]
fn only_jobs_starts_the_windows_threads() {
    let mut elsewhere = Vec::new();
    for rel in window_files() {
        if rel == STARTS_THREADS {
            continue;
        }
        for (what, line) in found(&rel).threads {
            elsewhere.push(format!("src/{rel}:{line}: {what}"));
        }
    }
    assert!(
        elsewhere.is_empty(),
        "the window starts a thread outside src/{STARTS_THREADS} (use ui::jobs):\n{}",
        elsewhere.join("\n")
    );
    assert!(
        !found(STARTS_THREADS).threads.is_empty(),
        "src/{STARTS_THREADS} no longer starts threads"
    );
}
