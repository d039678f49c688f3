//! `aegis publish stale-branches`: idle branches of a git repository the
//! test builds, nudged once per tip through a fake GitHub.

use crate::github::{FakeGitHub, Req, assert_no_token, git_at, json};
use crate::harness::Output;
use crate::snapshot;
use serde_json::{Value, json};
use std::path::Path;
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

const REPO: &str = "/repos/octo/compliance";

/// main (fresh), feature/old (idle since January), feature/with-pr (idle,
/// has a PR), release/1 (idle, excluded), feature/fresh; as
/// remote-tracking branches when `remote`, else local ones. Returns the
/// directory and the tip of feature/old.
fn repo(remote: bool) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    git_at(p, &["init", "-q", "-b", "main"], "2026-01-01T00:00:00Z");
    let commit = |file: &str, date: &str| {
        std::fs::write(p.join(file), date).expect("write");
        git_at(p, &["add", "-A"], date);
        git_at(p, &["commit", "-q", "-m", file], date);
        git_at(p, &["rev-parse", "HEAD"], date)
    };
    commit("base.txt", "2026-01-01T00:00:00Z");
    let mut tips = Vec::new();
    for (branch, date) in [
        ("feature/old", "2026-01-15T10:00:00Z"),
        ("feature/with-pr", "2026-02-01T10:00:00Z"),
        ("release/1", "2026-02-01T10:00:00Z"),
        ("feature/fresh", "2026-05-25T10:00:00Z"),
    ] {
        git_at(p, &["checkout", "-q", "-b", branch, "main"], date);
        tips.push((branch, commit(&branch.replace('/', "-"), date)));
    }
    git_at(p, &["checkout", "-q", "main"], "2026-05-30T10:00:00Z");
    tips.push(("main", commit("main.txt", "2026-05-30T10:00:00Z")));
    if remote {
        for (branch, tip) in &tips {
            git_at(
                p,
                &["update-ref", &format!("refs/remotes/origin/{branch}"), tip],
                "2026-05-30T10:00:00Z",
            );
        }
    }
    let old = tips[0].1.clone();
    (dir, old)
}

fn mount_common(gh: &FakeGitHub) {
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(REPO)))
            .respond_with(json(200, json!({"default_branch": "main"}))),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(&format!("{REPO}/pulls"))))
            .and(query_param("state", "open"))
            .respond_with(json(200, json!([
                {"number": 3, "head": {"ref": "feature/with-pr", "sha": "x", "repo": {"full_name": "octo/compliance"}}},
                {"number": 4, "head": {"ref": "feature/old", "sha": "y", "repo": {"full_name": "fork/compliance"}}}
            ]))),
    );
}

fn stale(gh: &FakeGitHub, dir: &Path, extra: &[&str]) -> Output {
    let out = gh
        .aegis()
        .args([
            "publish",
            "stale-branches",
            "--github-repo",
            "octo/compliance",
            "--as-of",
            "2026-06-01",
        ])
        .arg("--repo")
        .arg(dir)
        .args(["--exclude", "release/*"])
        .args(extra)
        .run();
    assert_no_token(&out);
    out
}

#[test]
fn idle_branches_get_one_comment_per_tip() {
    let (dir, old) = repo(true);
    let gh = FakeGitHub::start();
    mount_common(&gh);
    let comments = format!("{REPO}/commits/{old}/comments");
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(&comments)))
            .respond_with(json(200, json!([{"body": "unrelated"}]))),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(&format!("{REPO}/commits/{old}"))))
            .respond_with(json(
                200,
                json!({"sha": old, "author": {"login": "old-dev"}}),
            )),
    );
    gh.mount(
        Mock::given(method("POST"))
            .and(path(gh.api(&comments)))
            .respond_with(json(201, json!({"id": 1}))),
    );
    let out = stale(&gh, dir.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let writes = gh.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].path, comments);
    snapshot!(
        "stale_comment_body",
        writes[0].body["body"].as_str().expect("body")
    );
    snapshot!("stale_comment", out.stdout.replace(&old[..12], "[OLD]"));

    // The next run finds its marker on the same tip: no second nudge.
    let gh = FakeGitHub::start();
    mount_common(&gh);
    let body = writes[0].body["body"].clone();
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(&comments)))
            .respond_with(json(200, json!([{"body": body}]))),
    );
    let out = stale(&gh, dir.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(gh.writes(), []);
    assert!(
        out.stdout.contains("already nudged at this tip"),
        "{}",
        out.stdout
    );
}

#[test]
fn draft_pr_action_opens_one_draft() {
    let (dir, _) = repo(false);
    let gh = FakeGitHub::start();
    mount_common(&gh);
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(&format!("{REPO}/pulls"))))
            .and(query_param("state", "closed"))
            .respond_with(json(200, json!([]))),
    );
    gh.mount(
        Mock::given(method("POST"))
            .and(path(gh.api(&format!("{REPO}/pulls"))))
            .respond_with(json(201, json!({"number": 12}))),
    );
    let out = stale(&gh, dir.path(), &["--action", "draft-pr", "--days", "60"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let writes: Vec<Req> = gh.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    let mut body: Value = writes[0].body.clone();
    assert!(
        body["body"]
            .as_str()
            .expect("body")
            .starts_with("<!-- aegis:stale-branch -->")
    );
    body["body"] = Value::Null;
    assert_eq!(
        body,
        json!({"title": "WIP: feature/old (idle 136 days)", "head": "feature/old", "base": "main", "body": null, "draft": true})
    );
    snapshot!(
        "stale_draft_pr",
        format!("{}---\n{}", out.stdout, out.stderr).replace(&gh_tip(&dir), "[TIP]")
    );
}

fn gh_tip(dir: &tempfile::TempDir) -> String {
    git_at(
        dir.path(),
        &["rev-parse", "--short=12", "feature/old"],
        "2026-05-30T10:00:00Z",
    )
}
