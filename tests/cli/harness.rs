//! A fluent way to run the `aegis` binary as a user would, with an
//! environment scrubbed of everything that changes its behaviour, a
//! deadline, and temporary paths replaced so snapshots are stable.
//!
//! ```ignore
//! let out = Aegis::new().args(["validate", "repo", "--format", "json"]).current_dir(dir).run();
//! assert_eq!(out.code, 1);
//! ```

use serde::Deserialize;
use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The day every date-dependent run is judged against, so output never
/// changes with the calendar.
pub const AS_OF: &str = "2026-06-01";

/// Generous for a debug build; hostile inputs ask for much less.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// `<crate>/tests/fixtures`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Copies `tests/fixtures/<rel>` into a fresh temporary directory and
/// returns it; the repository is at `dir.path()`.
pub fn copy_fixture(rel: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    copy_tree(&fixtures().join(rel), dir.path());
    dir
}

pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create destination");
    for entry in std::fs::read_dir(from).expect("read fixture directory") {
        let entry = entry.expect("directory entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy fixture file");
        }
    }
}

pub struct Aegis {
    cmd: Command,
    timeout: Duration,
    redactions: Vec<(String, String)>,
}

impl Aegis {
    pub fn new() -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aegis"));
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            let changes_behaviour = k == "CI"
                || k == "NO_COLOR"
                || k == "SOURCE_DATE_EPOCH"
                || k.starts_with("CLICOLOR")
                || k.starts_with("GITHUB_")
                || k.starts_with("AEGIS_")
                || k.starts_with("RUNNER_");
            if changes_behaviour {
                cmd.env_remove(&key);
            }
        }
        cmd.stdin(Stdio::null());
        cmd.current_dir(fixtures());
        Aegis {
            cmd,
            timeout: DEFAULT_TIMEOUT,
            redactions: Vec::new(),
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.cmd.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Runs in `dir` (default: `tests/fixtures`).
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    /// Fails the test if the run takes longer than `limit`.
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = limit;
        self
    }

    /// Replaces `path` (as given and canonical) with `placeholder` in the output.
    pub fn redact(mut self, path: &Path, placeholder: &str) -> Self {
        let mut forms = vec![path.display().to_string()];
        if let Ok(c) = path.canonicalize() {
            forms.push(c.display().to_string());
        }
        for f in forms {
            if !self.redactions.iter().any(|(p, _)| *p == f) {
                self.redactions.push((f, placeholder.to_string()));
            }
        }
        // Longest first, so a path is never half-replaced by a prefix of it.
        self.redactions
            .sort_by_key(|r| std::cmp::Reverse(r.0.len()));
        self
    }

    /// Runs to completion (or the deadline) and checks that the process
    /// ended the way every run must: an exit code of 0, 1 or 2 and no panic.
    pub fn run(mut self) -> Output {
        let started = Instant::now();
        let mut child = self
            .cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn aegis");
        let mut stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        // Drain both pipes while waiting, so a chatty run cannot block.
        let out_reader = std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = stdout.read_to_end(&mut b);
            b
        });
        let err_reader = std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = stderr.read_to_end(&mut b);
            b
        });
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for aegis") {
                break status;
            }
            if started.elapsed() > self.timeout {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "aegis {:?} did not finish within {:?}",
                    self.cmd.get_args().collect::<Vec<_>>(),
                    self.timeout
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let stdout =
            String::from_utf8_lossy(&out_reader.join().expect("stdout reader")).into_owned();
        let stderr =
            String::from_utf8_lossy(&err_reader.join().expect("stderr reader")).into_owned();
        let args: Vec<_> = self.cmd.get_args().collect();
        let Some(code) = status.code() else {
            panic!("aegis {args:?} was killed by a signal ({status}); stderr:\n{stderr}");
        };
        assert!(
            !stderr.contains("panicked"),
            "aegis {args:?} panicked:\n{stderr}"
        );
        assert!(
            matches!(code, 0..=2),
            "aegis {args:?} exited {code}, not 0, 1 or 2; stderr:\n{stderr}"
        );
        let redact = |mut s: String| {
            for (from, to) in &self.redactions {
                s = s.replace(from.as_str(), to);
            }
            s
        };
        Output {
            code,
            stdout: redact(stdout),
            stderr: redact(stderr),
        }
    }
}

#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// One diagnostic of the `--format json` contract.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diag {
    pub code: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub severity: String,
    pub message: String,
    pub help: Option<String>,
}

#[derive(Debug, Deserialize)]
struct JsonReport {
    diagnostics: Vec<Diag>,
}

impl Output {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// The diagnostics of a `--format json` run.
    pub fn diagnostics(&self) -> Vec<Diag> {
        serde_json::from_str::<JsonReport>(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not the JSON report ({e}):\n{}", self.stdout))
            .diagnostics
    }

    pub fn codes(&self) -> Vec<String> {
        self.diagnostics().into_iter().map(|d| d.code).collect()
    }
}

/// Insta settings shared by every snapshot: files under `tests/cli/snapshots/`.
pub fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cli/snapshots"));
    s.set_prepend_module_to_snapshot(true);
    s
}

/// Asserts a snapshot under `tests/cli/snapshots/`.
#[macro_export]
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        $crate::harness::snapshot_settings().bind(|| {
            insta::assert_snapshot!($name, $value);
        })
    };
}
