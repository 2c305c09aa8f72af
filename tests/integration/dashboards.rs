//! The Grafana dashboards under `deploy/grafana/` have what Grafana's dashboard model
//! needs to import them and what their panels ask of it: a `uid` (unique, at most 40
//! characters), a `title`, a `schemaVersion`, panels each with a datasource and targets
//! with a query, and every template variable a query or a datasource uses defined in
//! `templating`. Grafana itself is not packaged here; `scripts/check-monitoring` runs
//! every one of these queries against a real Prometheus.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Grafana's own variables, defined by Grafana rather than by a dashboard.
const BUILT_IN: &[&str] = &[
    "__interval",
    "__interval_ms",
    "__rate_interval",
    "__range",
    "__range_s",
    "__range_ms",
    "__from",
    "__to",
    "__dashboard",
    "__name",
];

fn dashboards() -> Vec<(PathBuf, Value)> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/grafana"));
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let model = serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", p.display()));
            (p, model)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// The variables `text` uses: `$name`, `${name}`, `${name:format}`, `[[name]]`.
fn variables_used(text: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    // A name starts with a letter or `_` (`$1` is a regex's group, not a variable).
    let name_at = |rest: &str| -> String {
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return String::new();
        }
        rest.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut rest = text;
    while let Some(at) = rest.find(['$', '[']) {
        let after = &rest[at + 1..];
        let name = if rest[at..].starts_with("${") || rest[at..].starts_with("[[") {
            name_at(&after[1..])
        } else if rest[at..].starts_with('$') {
            name_at(after)
        } else {
            String::new()
        };
        if !name.is_empty() {
            used.insert(name);
        }
        rest = after;
    }
    used
}

/// Every panel, those inside collapsed rows included.
fn panels(model: &Value) -> Vec<&Value> {
    let mut all = Vec::new();
    for panel in model["panels"].as_array().into_iter().flatten() {
        if panel["type"] == "row" {
            all.extend(panel["panels"].as_array().into_iter().flatten());
        } else {
            all.push(panel);
        }
    }
    all
}

#[test]
fn every_dashboard_has_the_model_grafana_needs_and_defines_every_variable_it_uses() {
    let found = dashboards();
    assert!(
        found.len() >= 3,
        "the fleet, one terminal, the ratings: {found:?}"
    );
    let mut uids = BTreeSet::new();
    for (path, model) in &found {
        let name = path.display();
        let uid = model["uid"].as_str().unwrap_or_default();
        assert!(
            !uid.is_empty() && uid.len() <= 40,
            "{name}: uid {uid:?} (1 to 40 characters)"
        );
        assert!(uids.insert(uid.to_owned()), "{name}: uid {uid} used twice");
        assert!(
            model["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{name}: no title"
        );
        assert!(
            model["schemaVersion"].as_u64().is_some_and(|v| v >= 30),
            "{name}: schemaVersion"
        );
        let defined: BTreeSet<String> = model["templating"]["list"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no templating.list"))
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_owned())
            .collect();
        let defined_or_built_in =
            |var: &String| defined.contains(var) || BUILT_IN.contains(&var.as_str());
        // The variables' own queries may use the variables defined before them.
        for variable in model["templating"]["list"].as_array().unwrap() {
            for var in variables_used(&variable["query"].to_string()) {
                assert!(
                    defined_or_built_in(&var),
                    "{name}: variable {} uses ${var}, not defined",
                    variable["name"]
                );
            }
        }
        let panels = panels(model);
        assert!(!panels.is_empty(), "{name}: no panels");
        for panel in panels {
            let title = panel["title"].as_str().unwrap_or_default();
            assert!(!title.is_empty(), "{name}: a panel without a title");
            assert!(
                panel["datasource"].is_object(),
                "{name}: panel {title:?} has no datasource"
            );
            assert!(panel["gridPos"].is_object(), "{name}: {title:?} gridPos");
            let targets = panel["targets"].as_array();
            assert!(
                targets.is_some_and(|t| !t.is_empty()),
                "{name}: panel {title:?} has no targets"
            );
            for target in targets.unwrap() {
                let expr = target["expr"].as_str().unwrap_or_default();
                assert!(!expr.is_empty(), "{name}: {title:?}: a target without expr");
                assert!(
                    target["refId"].is_string(),
                    "{name}: {title:?}: a target without refId"
                );
                let mut used = variables_used(expr);
                used.extend(variables_used(&panel["datasource"].to_string()));
                used.extend(variables_used(&target["datasource"].to_string()));
                for var in used {
                    assert!(
                        defined_or_built_in(&var),
                        "{name}: panel {title:?} uses ${var}, which templating does not define"
                    );
                }
            }
        }
    }
}

#[test]
fn variables_are_found_in_every_form_grafana_takes() {
    assert_eq!(
        variables_used(
            r#"x{a=~"$clinic",b="${terminal}",c="${host:regex}",d="[[old]]"}[$__range] $5"#
        ),
        ["__range", "clinic", "host", "old", "terminal"]
            .map(String::from)
            .into_iter()
            .collect()
    );
}
