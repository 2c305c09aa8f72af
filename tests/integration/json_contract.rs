//! The `--json` contract as the book states it (the Command line chapter's table, "the
//! fields, command by command"), checked against every command run for real: the
//! binary against the stand-in server, in a throwaway home. A documented field that
//! disappears, or a field printed that the book does not list, fails here.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::support::cli::SCORES;
use crate::support::{DownPort, MockProcess, UserEnv, real_keyring, unique};

const TOKEN: &str = "json-contract-token";
const HEADER_RU: &str =
    "Визит;Время ожидания;Результат посещения;Отношение персонала;Чистота;Замечания;Не был(а)";

/// One row of the book's table: which fields an object has.
#[derive(Debug)]
struct Row {
    /// Where the object is in the output: `.`, `[]`, `.token`, `.attempts[]`, …
    path: String,
    /// Always there.
    fields: BTreeSet<String>,
    /// There only sometimes.
    sometimes: BTreeSet<String>,
}

/// The book's table, keyed by its first two cells as written (`submit`, `.`), and the
/// rows a test has checked.
struct Contract {
    rows: BTreeMap<(String, String), Row>,
    checked: BTreeSet<(String, String)>,
}

/// The names in backticks in `cell`.
fn names(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

impl Contract {
    fn from_book() -> Contract {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/src/cli.md");
        let book = std::fs::read_to_string(path).unwrap();
        let section = book
            .split("\n## `--json`: the fields, command by command\n")
            .nth(1)
            .expect("the Command line chapter has the --json table");
        let section = section.split("\n#").next().unwrap();
        let mut rows = BTreeMap::new();
        for line in section.lines().filter(|l| l.starts_with("| `")) {
            let cells: Vec<&str> = line
                .trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            assert_eq!(cells.len(), 4, "{line}");
            let row = Row {
                path: names(cells[1]).into_iter().next().expect(line),
                fields: names(cells[2]).into_iter().collect(),
                sometimes: names(cells[3]).into_iter().collect(),
            };
            assert!(!row.fields.is_empty(), "{line}");
            rows.insert((cells[0].to_owned(), cells[1].to_owned()), row);
        }
        assert!(rows.len() > 20, "the table was not read: {rows:?}");
        Contract {
            rows,
            checked: BTreeSet::new(),
        }
    }

    /// Check the row (`command`, `object`) against `output`, the command's JSON.
    fn check(&mut self, command: &str, object: &str, output: &Value) {
        let key = (command.to_owned(), object.to_owned());
        let row = self
            .rows
            .get(&key)
            .unwrap_or_else(|| panic!("the book has no row {key:?}"));
        let objects: Vec<&Value> = objects_at(output, &row.path)
            .into_iter()
            .filter(|v| !v.is_null())
            .collect();
        assert!(
            !objects.is_empty(),
            "{key:?}: nothing at {} in {output}",
            row.path
        );
        for object in objects {
            let keys: BTreeSet<String> = object
                .as_object()
                .unwrap_or_else(|| panic!("{key:?}: not an object: {object}"))
                .keys()
                .cloned()
                .collect();
            let missing: Vec<&String> = row.fields.difference(&keys).collect();
            assert!(
                missing.is_empty(),
                "{key:?}: documented, not printed: {missing:?} in {object}"
            );
            let unlisted: Vec<&String> = keys
                .iter()
                .filter(|k| !row.fields.contains(*k) && !row.sometimes.contains(*k))
                .collect();
            assert!(
                unlisted.is_empty(),
                "{key:?}: printed, not documented: {unlisted:?} in {object}"
            );
        }
        self.checked.insert(key);
    }

    /// Every row whose command passes `which` has been checked.
    fn all_checked(&self, which: impl Fn(&str) -> bool) {
        let left: Vec<&(String, String)> = self
            .rows
            .keys()
            .filter(|(command, _)| which(command))
            .filter(|key| !self.checked.contains(*key))
            .collect();
        assert!(left.is_empty(), "rows of the book no test ran: {left:?}");
    }
}

/// The values at `path` in `value`: `.` itself, `[]` each element, `.a` a field, `.a[]`
/// each element of a field, `[].a` a field of each element.
fn objects_at<'a>(value: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut found = vec![value];
    let rest = path.strip_prefix('.').unwrap_or(path);
    for step in rest.split('.').filter(|s| !s.is_empty()) {
        let (name, each) = match step.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (step, false),
        };
        found = found
            .into_iter()
            .map(|v| if name.is_empty() { v } else { &v[name] })
            .flat_map(|v| {
                if each {
                    v.as_array().expect("an array").iter().collect()
                } else {
                    vec![v]
                }
            })
            .collect();
    }
    found
}

fn json(cli: crate::support::cli::Cli) -> Value {
    cli.run_json().1
}

#[test]
fn every_command_prints_the_fields_the_book_lists() {
    let mut contract = Contract::from_book();
    let server = MockProcess::start(&["--token", TOKEN]);
    let url = server.url.clone();
    let down = DownPort::new().url();
    let env = UserEnv::new();

    let sent = json(
        env.cli()
            .token(TOKEN)
            .submit(&url, &unique("json"))
            .scores(SCORES),
    );
    assert_eq!(sent["outcome"], "accepted", "{sent}");
    contract.check("`submit`", "`.`", &sent);

    for _ in 0..2 {
        let queued = json(
            env.cli()
                .token(TOKEN)
                .queue(&down, &unique("json"))
                .scores(SCORES),
        );
        assert_eq!(queued["outcome"], "queued", "{queued}");
    }
    let listed = json(env.cli().list());
    contract.check("`outbox list`", "`[]`", &listed);
    contract.check("`outbox list`", "`[].last_outcome`", &listed);
    let flushed = json(
        env.cli()
            .token(TOKEN)
            .flush(&url)
            .arg("--to-current-server"),
    );
    assert_eq!(flushed["delivered"], 2, "{flushed}");
    contract.check("`outbox flush`", "`.`", &flushed);
    contract.check("`outbox flush`", "`.attempts[]`", &flushed);

    let failed = json(env.cli().args(["token", "status"]));
    assert_eq!(failed["error_kind"], "no_url", "{failed}");
    contract.check("`token …`, failed", "`.`", &failed);

    let healthy = json(env.cli().token(TOKEN).url_env(&url).status());
    assert_eq!(healthy["status"], "healthy", "{healthy}");
    contract.check("`status`", "`.`", &healthy);
    contract.check("`status`", "`.token`, a token in force", &healthy);
    contract.check("`status`", "`.outbox`", &healthy);
    contract.check("`status`", "`.last_attempt` (or `null`)", &healthy);
    contract.check("`status`", "`.last_success` (or `null`)", &healthy);
    contract.check("`status`", "`.deliveries`", &healthy);
    let no_url = json(env.cli().status());
    contract.check("`status`", "`.token`, no URL or no token", &no_url);
    contract.check("`status`", "`.problems[]`", &no_url);
    let no_keyring = json(env.cli().url_env(&url).status().env(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", env.path().join("no-bus").display()),
    ));
    contract.check("`status`", "`.token`, the keyring unreadable", &no_keyring);
    // The data folder is a file: neither the outbox nor the counters can be read.
    let broken = UserEnv::new();
    std::fs::create_dir_all(broken.data_dir().parent().unwrap()).unwrap();
    std::fs::write(broken.data_dir(), "not a folder").unwrap();
    let unreadable = json(broken.cli().token(TOKEN).url_env(&url).status());
    contract.check("`status`", "`.outbox`, unreadable", &unreadable);
    contract.check("`status`", "`.deliveries`, unreadable", &unreadable);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("forms.csv");
    let rows = format!(
        "{HEADER_RU}\n{};5;4;3;2;;\n{};5;4;3;9;;\n",
        unique("json"),
        unique("json")
    );
    std::fs::write(&file, rows).unwrap();
    let imported = json(
        env.cli()
            .token(TOKEN)
            .import(&url, &file)
            .arg("--skip-invalid"),
    );
    assert_eq!(imported["delivered"], 1, "{imported}");
    contract.check("`import`", "`.`", &imported);
    contract.check("`import`", "`.results[]`", &imported);
    let refused = json(
        env.cli()
            .token(TOKEN)
            .import(&url, &dir.path().join("missing.csv")),
    );
    contract.check("`import`, refused", "`.`", &refused);

    // `config show`: a drop-in, and a user's file with a key of a newer version.
    let configured = UserEnv::new();
    configured.write_config("language = \"en\"\nfrom_a_newer_version = 1\n");
    let drop_in = configured.system_dir().join("config.d/10.toml");
    std::fs::create_dir_all(drop_in.parent().unwrap()).unwrap();
    std::fs::write(&drop_in, "retention_days = 30\n").unwrap();
    let shown = json(configured.cli().args(["config", "show"]));
    contract.check("`config show`", "`.`", &shown);
    contract.check("`config show`", "`.settings[]`", &shown);
    contract.check("`config show`", "`.files[]`", &shown);
    contract.check("`config show`", "`.unknown_keys[]`", &shown);

    contract.all_checked(|command| {
        !matches!(command, "`token status`" | "`token set`" | "`token clear`")
    });
}

#[test]
fn the_token_commands_print_the_fields_the_book_lists() {
    let Some(_keyring) = real_keyring() else {
        return;
    };
    let mut contract = Contract::from_book();
    let env = UserEnv::new();
    let url = "https://json-contract.example.ru";
    // A keyring service of its own (no other test's items), for the three commands.
    let service = unique("visit-rating-json");
    let cli = || {
        env.cli()
            .env("VISIT_RATING_KEYRING_SERVICE", &service)
            .url_env(url)
    };
    let stored = json(cli().args(["token", "set"]).stdin("json-contract-token\n"));
    assert_eq!(stored["ok"], true, "{stored}");
    contract.check("`token set`", "`.`", &stored);
    let status = json(cli().args(["token", "status"]));
    assert_eq!(status["stored"], true, "{status}");
    contract.check("`token status`", "`.`", &status);
    let cleared = json(cli().args(["token", "clear"]));
    assert_eq!(cleared["removed"], true, "{cleared}");
    contract.check("`token clear`", "`.`", &cleared);
    contract.all_checked(|command| {
        matches!(command, "`token status`" | "`token set`" | "`token clear`")
    });
}
