//! The GitHub Actions context, read only from `GITHUB_*` variables and the
//! event payload at `GITHUB_EVENT_PATH` (bounded read, lenient parse):
//! which repository, which pull request, where the run is, and the files
//! for the job summary and step outputs.

use serde::Deserialize;
use std::path::PathBuf;

/// The most of an event payload read; real ones are tens of kilobytes.
const MAX_EVENT: u64 = 25 * 1024 * 1024;

#[derive(Clone, Debug, Default)]
pub struct Context {
    /// `GITHUB_ACTIONS=true`.
    pub on_actions: bool,
    /// `GITHUB_REPOSITORY` (`owner/name`).
    pub repository: Option<String>,
    /// `GITHUB_SERVER_URL` (default `https://github.com`).
    pub server_url: String,
    pub run_id: Option<String>,
    pub event_name: Option<String>,
    /// The pull request of a `pull_request`/`pull_request_target` event.
    pub pull_request: Option<PullRequestEvent>,
    pub step_summary: Option<PathBuf>,
    pub output: Option<PathBuf>,
    pub sha: Option<String>,
}

/// What `aegis publish` needs of a pull request event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PullRequestEvent {
    pub number: u64,
    pub base_sha: String,
    pub base_ref: String,
    pub head_sha: String,
    pub head_ref: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Event {
    number: Option<u64>,
    pull_request: Option<PullRequest>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PullRequest {
    number: Option<u64>,
    base: Branch,
    head: Branch,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Branch {
    sha: String,
    #[serde(rename = "ref")]
    name: String,
}

impl Context {
    /// The context of this process. A missing or unreadable event file is
    /// no pull request (the error is for the commands that need one).
    pub fn from_env() -> Result<Self, String> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let pull_request = match var("GITHUB_EVENT_PATH") {
            Some(p) => read_event(&PathBuf::from(p))?,
            None => None,
        };
        Ok(Context {
            on_actions: var("GITHUB_ACTIONS").is_some_and(|v| v == "true"),
            repository: var("GITHUB_REPOSITORY"),
            server_url: var("GITHUB_SERVER_URL")
                .unwrap_or_else(|| "https://github.com".to_string())
                .trim_end_matches('/')
                .to_string(),
            run_id: var("GITHUB_RUN_ID"),
            event_name: var("GITHUB_EVENT_NAME"),
            pull_request,
            step_summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            output: var("GITHUB_OUTPUT").map(PathBuf::from),
            sha: var("GITHUB_SHA"),
        })
    }

    /// The run's page (`server/owner/name/actions/runs/id`), for links.
    pub fn run_url(&self) -> Option<String> {
        let repo = self.repository.as_deref()?;
        let id = self.run_id.as_deref()?;
        if !id.bytes().all(|b| b.is_ascii_digit()) || !is_repo_name(repo) {
            return None;
        }
        Some(format!("{}/{repo}/actions/runs/{id}", self.server_url))
    }
}

/// `owner/name` with GitHub's characters only.
pub fn is_repo_name(s: &str) -> bool {
    let mut parts = s.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p != "."
                && p != ".."
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// Splits `owner/name`.
pub fn split_repo(s: &str) -> Option<(&str, &str)> {
    is_repo_name(s).then(|| s.split_once('/')).flatten()
}

fn read_event(path: &PathBuf) -> Result<Option<PullRequestEvent>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| {
        format!(
            "cannot read the event payload {} (GITHUB_EVENT_PATH): {e}",
            path.display()
        )
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_EVENT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_EVENT {
        return Err(format!(
            "the event payload {} is over {} MiB; refusing it",
            path.display(),
            MAX_EVENT >> 20
        ));
    }
    let event: Event = serde_json::from_slice(&bytes)
        .map_err(|e| format!("the event payload {} is not JSON: {e}", path.display()))?;
    Ok(event.pull_request.map(|pr| PullRequestEvent {
        number: pr.number.or(event.number).unwrap_or(0),
        base_sha: pr.base.sha,
        base_ref: pr.base.name,
        head_sha: pr.head.sha,
        head_ref: pr.head.name,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_pull_request_event() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("event.json");
        std::fs::write(
            &p,
            r#"{"action":"synchronize","number":7,"pull_request":{"number":7,"draft":false,
               "base":{"ref":"main","sha":"aaa","repo":{}},"head":{"ref":"feature","sha":"bbb"},"extra":[1]}}"#,
        )
        .expect("write");
        let pr = read_event(&p).expect("read").expect("a pull request");
        assert_eq!(
            pr,
            PullRequestEvent {
                number: 7,
                base_sha: "aaa".into(),
                base_ref: "main".into(),
                head_sha: "bbb".into(),
                head_ref: "feature".into(),
            }
        );
        std::fs::write(&p, r#"{"ref":"refs/heads/main"}"#).expect("write");
        assert_eq!(read_event(&p).expect("read"), None);
    }

    #[test]
    fn repository_names() {
        assert_eq!(split_repo("octo/hello.rs"), Some(("octo", "hello.rs")));
        assert_eq!(split_repo("octo/../x"), None);
        assert_eq!(split_repo("octo"), None);
        assert_eq!(split_repo("a/b/c"), None);
    }
}
