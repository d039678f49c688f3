//! A fake GitHub for `aegis publish` tests: a wiremock `MockServer` on
//! 127.0.0.1 with its own runtime (the `aegis` binary runs synchronously
//! beside it), a GHES-style `/api/v3` prefix so the base path is kept, and
//! the requests it received for exact assertions.
//!
//! ```ignore
//! let gh = FakeGitHub::start();
//! gh.mount(Mock::given(method("GET")).and(path(gh.api("/repos/o/r/issues/1/comments")))
//!     .respond_with(json(200, serde_json::json!([]))));
//! let out = gh.aegis().args(["publish", "pr-comment", "--pr", "1"]).run();
//! assert_eq!(gh.writes(), vec![Req::new("POST", "/repos/o/r/issues/1/comments", body)]);
//! gh.assert_no_token(&out);
//! ```

use crate::harness::Aegis;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The fake token; no output may contain it.
pub const TOKEN: &str = "ghs_FAKEtoken0123456789abcdefSECRET";
/// The API root's path, as on GitHub Enterprise Server.
pub const PREFIX: &str = "/api/v3";

pub struct FakeGitHub {
    // Dropped after the server (field order), which needs it to shut down.
    server: MockServer,
    rt: tokio::runtime::Runtime,
}

/// A request as the fake received it: the path without the API prefix.
#[derive(Clone, Debug, PartialEq)]
pub struct Req {
    pub method: String,
    /// Path and query, without `/api/v3`.
    pub path: String,
    pub body: serde_json::Value,
}

impl Req {
    pub fn new(method: &str, path: &str, body: serde_json::Value) -> Self {
        Req {
            method: method.to_string(),
            path: path.to_string(),
            body,
        }
    }
}

impl FakeGitHub {
    pub fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime for the fake GitHub");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let server = rt.block_on(MockServer::builder().listener(listener).start());
        FakeGitHub { server, rt }
    }

    /// The API root to give `aegis` (`http://127.0.0.1:PORT/api/v3`).
    pub fn url(&self) -> String {
        format!("{}{PREFIX}", self.server.uri())
    }

    /// `p` under the API prefix, for `wiremock::matchers::path`.
    pub fn api(&self, p: &str) -> String {
        format!("{PREFIX}{p}")
    }

    pub fn mount(&self, mock: Mock) {
        self.rt.block_on(mock.mount(&self.server));
    }

    /// `aegis` with the fake's URL, the fake token, and no waiting.
    pub fn aegis(&self) -> Aegis {
        Aegis::new()
            .env("GITHUB_API_URL", self.url())
            .env("GITHUB_TOKEN", TOKEN)
            .env("AEGIS_GITHUB_SECOND_MS", "1")
            .env("AEGIS_GITHUB_WRITE_INTERVAL_MS", "0")
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Req> {
        let received = self
            .rt
            .block_on(self.server.received_requests())
            .expect("request recording is on");
        received
            .iter()
            .map(|r| {
                let mut p = r.url.path().to_string();
                if let Some(q) = r.url.query() {
                    p.push('?');
                    p.push_str(q);
                }
                let path = p.strip_prefix(PREFIX).unwrap_or(&p).to_string();
                let body = if r.body.is_empty() {
                    serde_json::Value::Null
                } else {
                    serde_json::from_slice(&r.body).unwrap_or_else(|_| {
                        serde_json::Value::String(String::from_utf8_lossy(&r.body).into_owned())
                    })
                };
                // Every request carries the token, and only as a bearer.
                let auth = r
                    .headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                assert_eq!(auth, format!("Bearer {TOKEN}"), "authorization of {p}");
                Req {
                    method: r.method.to_string(),
                    path,
                    body,
                }
            })
            .collect()
    }

    /// The requests that write (everything but GET).
    pub fn writes(&self) -> Vec<Req> {
        self.requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .collect()
    }

    /// `METHOD path` of every request, for compact assertions.
    pub fn lines(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }
}

/// The token appears nowhere in what `aegis` printed.
pub fn assert_no_token(out: &crate::harness::Output) {
    assert!(
        !out.stdout.contains(TOKEN) && !out.stderr.contains(TOKEN),
        "the token leaked into the output:\n{}\n{}",
        out.stdout,
        out.stderr
    );
    assert!(!out.stdout.contains("FAKEtoken") && !out.stderr.contains("FAKEtoken"));
}

/// A JSON answer.
pub fn json(status: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json; charset=utf-8")
        .set_body_json(body)
}

/// Runs git in `dir` with a fixed identity and date; returns stdout.
pub fn git(dir: &std::path::Path, args: &[&str]) -> String {
    git_at(dir, args, "2026-05-01T12:00:00Z")
}

/// Runs git in `dir` with a fixed identity, committing at `date`.
pub fn git_at(dir: &std::path::Path, args: &[&str], date: &str) -> String {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The `clean` fixture as a git repository with two commits on `main`:
/// the fixture, then a PR-like change turning C-2 from not-applicable to
/// planned with a hostile statement (HTML, a mention, our marker), and
/// waived meanwhile by an exception. Returns the directory, BASE and HEAD.
pub fn pr_repo() -> (tempfile::TempDir, String, String) {
    let dir = crate::harness::copy_fixture("repos/clean");
    let p = dir.path();
    git(p, &["init", "-q", "-b", "main"]);
    git(p, &["add", "-A"]);
    git(p, &["commit", "-q", "-m", "base"]);
    let base = git(p, &["rev-parse", "HEAD"]);
    std::fs::write(
        p.join("implementations/app/C-2.yaml"),
        "schema_version: 1\ncontrol: C-2\nstatus: planned\nowner: \"@admin\"\nstatement: \"ping @admin <!-- aegis:pr-comment --> <img src=x onerror=alert(1)> **bold**\"\n",
    )
    .expect("write");
    std::fs::create_dir_all(p.join("exceptions")).expect("mkdir");
    std::fs::write(
        p.join("exceptions/EX-1.yaml"),
        "schema_version: 1\nid: EX-1\ncontrols: [fw:C-2]\nsystem: app\njustification: The identity provider migration finishes in the autumn.\nrisk_rating: low\nrisks: [R-1]\napprover: \"@security-lead\"\ngranted: 2026-03-01\nexpires: 2026-09-30\n",
    )
    .expect("write");
    git(p, &["add", "-A"]);
    git(p, &["commit", "-q", "-m", "head"]);
    let head = git(p, &["rev-parse", "HEAD"]);
    (dir, base, head)
}
