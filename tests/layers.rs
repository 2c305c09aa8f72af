//! The layers of `src/`, kept true: every file is placed on one layer (the table below,
//! drawn in the book's Architecture chapter), and a file names only its own layer and the
//! layers beneath it, with no circle of files naming each other.
//!
//! The test parses every file of `src/` with `syn` and collects what it names of this
//! crate: `use crate::…` / `use super::…` / `use child::…` trees, `crate::x::…` and
//! `super::…` paths in code, the same inside macro calls (`format!`, `tracing::warn!`, …),
//! and `#[macro_export]` macros (`crate::msg`, `crate::out`). `visit_rating::` in
//! `main.rs` is the library's `crate::`. A path is charged to the file that defines the
//! module it names: `crate::api::VisitId` is `src/api/mod.rs`, the face that re-exports
//! it. Test code (`#[cfg(test)]` items, and files declared `#[cfg(test)] mod x;`) is
//! left out: a test may start a stand-in server
//! from a higher layer to exercise a lower one.
//!
//! Circles are looked for between files, except that a folder module's face
//! (`outbox.rs`, `api/mod.rs`) and the files inside it are one room: the face re-exports
//! its children and they share its types through `super::`. Between the crate's
//! top-level modules (`outbox`, `api`, `ui`, …) there is no circle at all, so a circle
//! cannot hide behind a face either.
//!
//! A binary of its own: it reads source files and needs none of the suite's support.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

/// The layers, lowest first: a file may name its own layer and those below.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    /// Plain data and small tools: no words, no egui, no network, no settings.
    Values,
    /// The rules and the durable things: the portal's contract, the outbox, the token,
    /// the settings, the PIN, kept data.
    Domain,
    /// User-visible text: turns the domain's typed facts into Russian or English.
    Words,
    /// Work asked for by the front ends: connecting and sending, health, metrics, import.
    Services,
    /// The front ends: the headless commands, the window, the stand-in server.
    Adapters,
    /// The crate root and the executable: parse, dispatch.
    Binary,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

use Layer::{Adapters, Binary, Domain, Services, Values, Words};

/// Every file of `src/` and its layer. A new file must be placed here (and in the book's
/// Architecture chapter) before the test passes.
const LAYERS: &[(&str, Layer)] = &[
    // Binary
    ("main.rs", Binary),
    ("lib.rs", Binary),
    // Adapters
    ("cli/mod.rs", Adapters),
    ("cli/admin_pin.rs", Adapters),
    ("cli/args.rs", Adapters),
    ("cli/config.rs", Adapters),
    ("cli/generate.rs", Adapters),
    ("cli/import.rs", Adapters),
    ("cli/json.rs", Adapters),
    ("cli/mock_server.rs", Adapters),
    ("cli/outbox.rs", Adapters),
    ("cli/report.rs", Adapters),
    ("cli/status.rs", Adapters),
    ("cli/submit.rs", Adapters),
    ("cli/token.rs", Adapters),
    ("ui/mod.rs", Adapters),
    ("ui/app.rs", Adapters),
    ("ui/app/forget.rs", Adapters),
    ("ui/app/form.rs", Adapters),
    ("ui/app/import.rs", Adapters),
    ("ui/app/kiosk.rs", Adapters),
    ("ui/app/kiosk/admin.rs", Adapters),
    ("ui/app/kiosk/keypad.rs", Adapters),
    ("ui/app/kiosk/layout.rs", Adapters),
    ("ui/app/kiosk/patient.rs", Adapters),
    ("ui/app/kiosk/restart.rs", Adapters),
    ("ui/app/kiosk/timers.rs", Adapters),
    ("ui/app/outbox_view.rs", Adapters),
    ("ui/app/reload.rs", Adapters),
    ("ui/app/result.rs", Adapters),
    ("ui/app/setup.rs", Adapters),
    ("ui/app/slip_camera.rs", Adapters),
    ("ui/app/token.rs", Adapters),
    ("ui/clock.rs", Adapters),
    ("ui/jobs.rs", Adapters),
    ("ui/keyboard.rs", Adapters),
    ("ui/star_rating.rs", Adapters),
    ("ui/theme.rs", Adapters),
    ("ui/type_ahead.rs", Adapters),
    ("mock_server.rs", Adapters),
    ("fuzz_entry.rs", Adapters),
    // Services
    ("service.rs", Services),
    ("health.rs", Services),
    ("metrics.rs", Services),
    ("import/mod.rs", Services),
    ("import/columns.rs", Services),
    ("import/limits.rs", Services),
    ("import/prescan.rs", Services),
    ("import/read.rs", Services),
    ("import/report.rs", Services),
    ("import/send.rs", Services),
    ("import/text.rs", Services),
    ("import/validate.rs", Services),
    // Words
    ("i18n.rs", Words),
    // Domain
    ("api/mod.rs", Domain),
    ("api/client.rs", Domain),
    ("api/outcome.rs", Domain),
    ("outbox.rs", Domain),
    ("outbox/attention.rs", Domain),
    ("outbox/flush.rs", Domain),
    ("outbox/lease.rs", Domain),
    ("outbox/segment.rs", Domain),
    ("outbox/send.rs", Domain),
    ("outbox/sent_log.rs", Domain),
    ("outbox/store.rs", Domain),
    ("outbox/worker.rs", Domain),
    ("secrets/mod.rs", Domain),
    ("secrets/error.rs", Domain),
    ("secrets/file.rs", Domain),
    ("secrets/sources.rs", Domain),
    ("secrets/store.rs", Domain),
    ("secrets/token.rs", Domain),
    ("config.rs", Domain),
    ("config/layers.rs", Domain),
    ("admin_pin.rs", Domain),
    ("retention.rs", Domain),
    ("counters.rs", Domain),
    ("scores.rs", Domain),
    ("slip.rs", Domain),
    ("slip/camera.rs", Domain),
    ("slip/decode.rs", Domain),
    ("slip/source.rs", Domain),
    ("slip/synth.rs", Domain),
    // Values
    ("rating.rs", Values),
    ("api/visit_id.rs", Values),
    ("time.rs", Values),
    ("private_fs.rs", Values),
    ("blocking.rs", Values),
    ("safe_text.rs", Values),
    ("core_dumps.rs", Values),
];

/// One thing a file names of this crate.
#[derive(Clone, Debug)]
struct Import {
    /// The file that names it (relative to `src/`).
    from: String,
    /// Its line.
    line: usize,
    /// The path as written, resolved against the naming file (`crate::…`).
    path: String,
    /// The file that defines what it names.
    to: String,
}

impl fmt::Display for Import {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "src/{}:{}: {} (in src/{})",
            self.from, self.line, self.path, self.to
        )
    }
}

/// The crate's module tree as files: module path (`["outbox", "store"]`) to file.
struct Modules {
    files: BTreeMap<Vec<String>, String>,
    /// `#[macro_export]` macros: name to the file that defines it.
    macros: BTreeMap<String, String>,
}

impl Modules {
    /// The file of the longest prefix of `path` that is a module.
    fn file_of(&self, path: &[String]) -> Option<&String> {
        if let [name] = path
            && let Some(file) = self.macros.get(name)
        {
            return Some(file);
        }
        (1..=path.len())
            .rev()
            .find_map(|n| self.files.get(&path[..n]))
    }

    fn is_module(&self, path: &[String]) -> bool {
        self.files.contains_key(path)
    }
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `outbox/store.rs` → `["outbox", "store"]`; `api/mod.rs` → `["api"]`; `lib.rs` → `[]`.
fn module_path(rel: &str) -> Vec<String> {
    if rel == "lib.rs" || rel == "main.rs" {
        return Vec::new();
    }
    let stem = rel.strip_suffix(".rs").unwrap();
    let stem = stem.strip_suffix("/mod").unwrap_or(stem);
    stem.split('/').map(str::to_owned).collect()
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.meta.require_list().is_ok_and(|l| {
                let text = l.tokens.to_string().replace(' ', "");
                text == "test" || text.starts_with("all(test,")
            })
    })
}

/// Collects the paths a file names, with their lines.
struct Collector {
    /// Paths as segment lists with their line, before resolution.
    paths: Vec<(Vec<String>, usize)>,
}

impl Collector {
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree, line: usize) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree, line);
                prefix.pop();
            }
            syn::UseTree::Name(n) => self.path_with(prefix, &n.ident, line),
            syn::UseTree::Rename(r) => self.path_with(prefix, &r.ident, line),
            syn::UseTree::Glob(_) => self.paths.push((prefix.clone(), line)),
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    self.use_tree(prefix, tree, line);
                }
            }
        }
    }

    fn path_with(&mut self, prefix: &[String], last: &syn::Ident, line: usize) {
        let mut path = prefix.to_vec();
        if last != "self" {
            path.push(last.to_string());
        }
        self.paths.push((path, line));
    }

    /// `a :: b :: c` sequences in a macro's tokens (its arguments are not parsed).
    fn tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < trees.len() {
            match &trees[i] {
                TokenTree::Group(g) => {
                    self.tokens(g.stream());
                    i += 1;
                }
                TokenTree::Ident(first) => {
                    let line = first.span().start().line;
                    let mut path = vec![first.to_string()];
                    let mut j = i + 1;
                    while let (
                        Some(TokenTree::Punct(a)),
                        Some(TokenTree::Punct(b)),
                        Some(TokenTree::Ident(next)),
                    ) = (trees.get(j), trees.get(j + 1), trees.get(j + 2))
                        && a.as_char() == ':'
                        && b.as_char() == ':'
                    {
                        path.push(next.to_string());
                        j += 3;
                    }
                    if path.len() > 1 {
                        self.paths.push((path, line));
                    }
                    i = j;
                }
                TokenTree::Punct(_) | TokenTree::Literal(_) => i += 1,
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Mod(i) => &i.attrs,
            syn::Item::Fn(i) => &i.attrs,
            syn::Item::Use(i) => &i.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Const(i) => &i.attrs,
            syn::Item::Static(i) => &i.attrs,
            syn::Item::Struct(i) => &i.attrs,
            syn::Item::Enum(i) => &i.attrs,
            syn::Item::Trait(i) => &i.attrs,
            syn::Item::Macro(i) => &i.attrs,
            _ => &[],
        };
        if !is_test_only(attrs) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        if !is_test_only(&item.attrs) {
            syn::visit::visit_impl_item_fn(self, item);
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let line = item.use_token.span.start().line;
        self.use_tree(&mut Vec::new(), &item.tree, line);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.segments.len() > 1 {
            let first = &path.segments[0].ident;
            self.paths.push((
                path.segments.iter().map(|s| s.ident.to_string()).collect(),
                first.span().start().line,
            ));
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

/// Resolve `path`, as written in the file at module path `here`, to an absolute module
/// path, when it names something of this crate.
fn absolute(
    here: &[String],
    path: &[String],
    modules: &Modules,
    is_main: bool,
) -> Option<Vec<String>> {
    let first = path.first()?.as_str();
    match first {
        "crate" | "$crate" => Some(path[1..].to_vec()),
        "visit_rating" if is_main => Some(path[1..].to_vec()),
        "self" => Some(here.iter().chain(&path[1..]).cloned().collect()),
        "super" => {
            let mut base = here.to_vec();
            let mut rest = path;
            while rest.first().is_some_and(|s| s == "super") {
                base.pop()?;
                rest = &rest[1..];
            }
            Some(base.into_iter().chain(rest.iter().cloned()).collect())
        }
        _ => {
            // A child module named without `self::` (`pub use store::now_ms`).
            let mut child = here.to_vec();
            child.push(first.to_owned());
            modules
                .is_module(&child)
                .then(|| here.iter().chain(path).cloned().collect())
        }
    }
}

fn read_crate() -> (Modules, Vec<Import>, BTreeSet<String>) {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut parsed = Vec::new();
    // Files declared `#[cfg(test)] mod x;`: test code, like a `mod tests` block.
    let mut test_only = BTreeSet::new();
    let mut modules = Modules {
        files: BTreeMap::new(),
        macros: BTreeMap::new(),
    };
    for file in &files {
        let rel = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(file).unwrap();
        let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("src/{rel}: {e}"));
        if rel != "main.rs" {
            modules.files.insert(module_path(&rel), rel.clone());
        }
        for item in &ast.items {
            if let syn::Item::Mod(m) = item
                && m.content.is_none()
                && is_test_only(&m.attrs)
            {
                let mut child = module_path(&rel);
                child.push(m.ident.to_string());
                test_only.insert(child);
            }
            if let syn::Item::Macro(m) = item
                && m.attrs.iter().any(|a| a.path().is_ident("macro_export"))
                && let Some(name) = &m.ident
            {
                modules.macros.insert(name.to_string(), rel.clone());
            }
        }
        parsed.push((rel, ast));
    }
    let mut imports = Vec::new();
    let mut names = BTreeSet::new();
    for (rel, ast) in &parsed {
        if test_only.iter().any(|t| module_path(rel).starts_with(t)) {
            continue;
        }
        names.insert(rel.clone());
        let mut collector = Collector { paths: Vec::new() };
        collector.visit_file(ast);
        let here = module_path(rel);
        let is_main = rel == "main.rs";
        for (path, line) in collector.paths {
            let Some(abs) = absolute(&here, &path, &modules, is_main) else {
                continue;
            };
            let Some(to) = modules.file_of(&abs) else {
                continue;
            };
            if to == rel {
                continue;
            }
            imports.push(Import {
                from: rel.clone(),
                line,
                path: format!("crate::{}", abs.join("::")),
                to: to.clone(),
            });
        }
    }
    (modules, imports, names)
}

fn layer_of(file: &str) -> Option<Layer> {
    LAYERS.iter().find(|(f, _)| *f == file).map(|(_, l)| *l)
}

/// `a` is `b`'s folder face or the face of a folder `b` is in (or the other way round).
fn same_room(a: &str, b: &str) -> bool {
    let (ma, mb) = (module_path(a), module_path(b));
    mb.starts_with(&ma) || ma.starts_with(&mb)
}

/// The circles of a graph, each as a list of nodes (Tarjan's strongly connected
/// components with more than one node).
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.found
}

/// The imports that tie a circle's members together.
fn ties<'a>(
    imports: &'a [Import],
    circle: &[String],
    node: impl Fn(&str) -> String,
) -> Vec<&'a Import> {
    imports
        .iter()
        .filter(|i| {
            let (a, b) = (node(&i.from), node(&i.to));
            a != b && circle.contains(&a) && circle.contains(&b)
        })
        .collect()
}

fn report(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} problem(s) with the layers (see the book's Architecture chapter):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_file_is_placed_on_a_layer() {
    let (_, _, names) = read_crate();
    let mut problems: Vec<String> = names
        .iter()
        .filter(|f| layer_of(f).is_none())
        .map(|f| format!("src/{f}: not placed on a layer (add it to LAYERS in tests/layers.rs and to the Architecture chapter)"))
        .collect();
    problems.extend(
        LAYERS
            .iter()
            .filter(|(f, _)| !names.contains(*f))
            .map(|(f, _)| format!("src/{f}: placed on a layer but no such file")),
    );
    report(&problems);
}

#[test]
fn nothing_names_a_higher_layer() {
    let (_, imports, _) = read_crate();
    let problems: Vec<String> = imports
        .iter()
        .filter_map(|i| {
            let (from, to) = (layer_of(&i.from)?, layer_of(&i.to)?);
            (to > from).then(|| format!("{i}: {from} names {to}, a higher layer"))
        })
        .collect();
    report(&problems);
}

#[test]
fn no_circle_between_files() {
    let (_, imports, _) = read_crate();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for i in imports.iter().filter(|i| !same_room(&i.from, &i.to)) {
        graph
            .entry(i.from.clone())
            .or_default()
            .insert(i.to.clone());
    }
    let problems: Vec<String> = circles(&graph)
        .iter()
        .map(|circle| {
            let lines: Vec<String> = ties(&imports, circle, str::to_owned)
                .into_iter()
                .filter(|i| !same_room(&i.from, &i.to))
                .map(|i| format!("    {i}"))
                .collect();
            format!(
                "a circle of files: {}\n{}",
                circle.join(", "),
                lines.join("\n")
            )
        })
        .collect();
    report(&problems);
}

#[test]
fn no_circle_between_top_level_modules() {
    let (_, imports, _) = read_crate();
    let top = |file: &str| module_path(file).first().cloned().unwrap_or_default();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for i in &imports {
        let (a, b) = (top(&i.from), top(&i.to));
        if a != b && !a.is_empty() && !b.is_empty() {
            graph.entry(a).or_default().insert(b);
        }
    }
    let problems: Vec<String> = circles(&graph)
        .iter()
        .map(|circle| {
            let lines: Vec<String> = ties(&imports, circle, top)
                .into_iter()
                .map(|i| format!("    {i}"))
                .collect();
            format!(
                "a circle of modules: {}\n{}",
                circle.join(", "),
                lines.join("\n")
            )
        })
        .collect();
    report(&problems);
}
