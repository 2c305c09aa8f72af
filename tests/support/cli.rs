//! One driver for the real binary's command line: [`Cli`] builds a command for a
//! throwaway user ([`UserEnv`]) by naming what it runs (`submit`, `submit --queue`,
//! `outbox flush`, `outbox list`, `import`, `status`), and [`Ran`] is what came back:
//! the exit code, stdout, stderr and, for `--json`, the parsed value. Tests say what
//! they run instead of spelling its arguments and environment again.

use std::ffi::OsStr;
use std::path::Path;

use serde_json::Value;

use super::UserEnv;

/// The scores a test gives when the scores are not what it is about.
pub const SCORES: &str = "5,4,3,2";

/// The arguments of `submit --queue` for `history` against `url`, with [`SCORES`], for a
/// child process a test runs side by side with others or in a namespace.
pub fn queue_args<'a>(url: &'a str, history: &'a str) -> [&'a str; 8] {
    [
        "submit",
        "--queue",
        "--url",
        url,
        "--history",
        history,
        "--scores",
        SCORES,
    ]
}

/// The sorted names of `object`'s fields (a `--json` contract's shape).
pub fn fields_of(object: &Value) -> Vec<String> {
    let mut keys: Vec<String> = object
        .as_object()
        .expect("a JSON object")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

/// Check that a `--json` outcome is `transient` and that its detail says `detail`.
pub fn assert_transient(value: &Value, detail: &str) {
    assert_eq!(value["outcome"], "transient", "{value}");
    assert!(
        value["detail"].as_str().is_some_and(|d| d.contains(detail)),
        "{value}"
    );
}

/// A command line of the real binary, built step by step.
pub struct Cli {
    cmd: assert_cmd::Command,
}

impl UserEnv {
    /// The real binary for this user, as a [`Cli`].
    pub fn cli(&self) -> Cli {
        Cli { cmd: self.cmd() }
    }

    /// `outbox list --json`, with `url` in `VISIT_RATING_URL` when given: the entries
    /// (it must exit 0).
    pub fn outbox_list(&self, url: Option<&str>) -> Vec<Value> {
        let mut cli = self.cli();
        if let Some(url) = url {
            cli = cli.url_env(url);
        }
        let (code, listed) = cli.list().run_json();
        assert_eq!(code, Some(0), "outbox list: {listed}");
        serde_json::from_value(listed).expect("outbox list --json is an array")
    }
}

impl From<assert_cmd::Command> for Cli {
    /// A command already set up for a user (extra variables of its own).
    fn from(cmd: assert_cmd::Command) -> Cli {
        Cli { cmd }
    }
}

impl Cli {
    /// `token` in `VISIT_RATING_TOKEN`.
    pub fn token(self, token: &str) -> Cli {
        self.env("VISIT_RATING_TOKEN", token)
    }

    /// `url` in `VISIT_RATING_URL`.
    pub fn url_env(self, url: &str) -> Cli {
        self.env("VISIT_RATING_URL", url)
    }

    /// One environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Cli {
        self.cmd.env(key, value);
        self
    }

    /// One more argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Cli {
        self.cmd.arg(arg);
        self
    }

    /// More arguments.
    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Cli {
        self.cmd.args(args);
        self
    }

    /// `text` on standard input.
    pub fn stdin(mut self, text: impl Into<Vec<u8>>) -> Cli {
        self.cmd.write_stdin(text);
        self
    }

    /// `submit --url URL --history HISTORY` (the scores and the rest follow).
    pub fn submit(self, url: &str, history: &str) -> Cli {
        self.args(["submit", "--url", url, "--history", history])
    }

    /// `submit --queue --url URL --history HISTORY` (the scores and the rest follow).
    pub fn queue(self, url: &str, history: &str) -> Cli {
        self.args(["submit", "--queue", "--url", url, "--history", history])
    }

    /// `--scores SCORES`.
    pub fn scores(self, scores: &str) -> Cli {
        self.args(["--scores", scores])
    }

    /// `outbox flush --url URL`.
    pub fn flush(self, url: &str) -> Cli {
        self.args(["outbox", "flush", "--url", url])
    }

    /// `outbox list`.
    pub fn list(self) -> Cli {
        self.args(["outbox", "list"])
    }

    /// `import --url URL FILE`.
    pub fn import(self, url: &str, file: &Path) -> Cli {
        self.args(["import", "--url", url]).arg(file)
    }

    /// `status`.
    pub fn status(self) -> Cli {
        self.arg("status")
    }

    /// Run it to its end.
    pub fn run(mut self) -> Ran {
        Ran::from(self.cmd.output().expect("the binary runs"))
    }

    /// Run it with `--json` added: its exit code and its one JSON value.
    pub fn run_json(self) -> (Option<i32>, Value) {
        let ran = self.arg("--json").run();
        (ran.code, ran.json())
    }

    /// Run it and check that it exited with `code` and that its stderr holds each of
    /// `words` (the whole output otherwise).
    pub fn expect(self, code: i32, words: &[&str]) -> Ran {
        let ran = self.run().exited(code);
        for word in words {
            assert!(ran.stderr.contains(word), "stderr lacks {word:?}: {ran:#?}");
        }
        ran
    }

    /// Run it for `assert_cmd`'s checks of exit code and output.
    pub fn assert(mut self) -> assert_cmd::assert::Assert {
        self.cmd.assert()
    }
}

/// What a finished command gave back.
#[derive(Debug)]
pub struct Ran {
    /// Its exit code (`None` when a signal ended it).
    pub code: Option<i32>,
    /// Its standard output, as text.
    pub stdout: String,
    /// Its standard error, as text.
    pub stderr: String,
}

impl From<std::process::Output> for Ran {
    fn from(output: std::process::Output) -> Ran {
        Ran {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Ran {
    /// Standard output, parsed as one JSON value.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}): {}", self.stdout))
    }

    /// Standard output and standard error, one after the other.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// This, after checking that it exited with `code` (the whole output otherwise).
    pub fn exited(self, code: i32) -> Ran {
        assert_eq!(self.code, Some(code), "{self:#?}");
        self
    }
}
