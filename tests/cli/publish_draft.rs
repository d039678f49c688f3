//! `aegis publish draft-pr`: files committed through the Git Data API and
//! one draft PR, against a fake GitHub; an unchanged rerun writes nothing.

use crate::github::{FakeGitHub, Req, assert_no_token, json};
use crate::harness::{AS_OF, Output, copy_fixture};
use crate::snapshot;
use serde_json::{Value, json};
use std::path::Path;
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

const REPO: &str = "/repos/octo/compliance";
const SCAN: &str = "reports/app/scan.md";
const CONTENT: &str = "result: fail\n";
const PR_URL: &str = "https://github.com/octo/compliance/pull/5";

/// The clean fixture as a git checkout with a regenerated findings file.
fn checkout() -> tempfile::TempDir {
    let dir = copy_fixture("repos/clean");
    std::fs::create_dir_all(dir.path().join("reports/app")).expect("mkdir");
    std::fs::write(dir.path().join(SCAN), CONTENT).expect("write");
    let ok = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status()
        .expect("git init");
    assert!(ok.success());
    dir
}

fn get(gh: &FakeGitHub, p: &str, status: u16, body: Value) {
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(p)))
            .respond_with(json(status, body)),
    );
}

/// The base branch `main` at commit `base1` (tree `tree1`, which does not
/// hold the findings file); the work branch at `work1` holding `branch_blob`
/// when given; `open` is the list of open PRs from the branch.
fn mount_repo(gh: &FakeGitHub, branch_blob: Option<&str>, open: Value) {
    get(
        gh,
        REPO,
        200,
        json!({"default_branch": "main", "full_name": "octo/compliance"}),
    );
    get(
        gh,
        &format!("{REPO}/git/ref/heads/main"),
        200,
        json!({"ref": "refs/heads/main", "object": {"sha": "base1", "type": "commit"}}),
    );
    get(
        gh,
        &format!("{REPO}/git/commits/base1"),
        200,
        json!({"sha": "base1", "tree": {"sha": "tree1"}}),
    );
    get(
        gh,
        &format!("{REPO}/git/trees/tree1"),
        200,
        json!({"sha": "tree1", "truncated": false, "tree": [
            {"path": "aegis.yaml", "mode": "100644", "type": "blob", "sha": "aaa"},
            {"path": "reports", "mode": "040000", "type": "tree", "sha": "ttt"},
            {"path": "reports/app/old.md", "mode": "100644", "type": "blob", "sha": "old"}
        ]}),
    );
    match branch_blob {
        Some(blob) => {
            get(
                gh,
                &format!("{REPO}/git/ref/heads/aegis/ingest"),
                200,
                json!({"object": {"sha": "work1"}}),
            );
            get(
                gh,
                &format!("{REPO}/git/commits/work1"),
                200,
                json!({"sha": "work1", "tree": {"sha": "tree2"}}),
            );
            get(
                gh,
                &format!("{REPO}/git/trees/tree2"),
                200,
                json!({"truncated": false, "tree": [{"path": SCAN, "type": "blob", "sha": blob}]}),
            );
        }
        None => get(
            gh,
            &format!("{REPO}/git/ref/heads/aegis/ingest"),
            404,
            json!({"message": "Not Found"}),
        ),
    }
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(&format!("{REPO}/pulls"))))
            .and(query_param("head", "octo:aegis/ingest"))
            .and(query_param("state", "open"))
            .respond_with(json(200, open)),
    );
}

fn mount_writes(gh: &FakeGitHub) {
    let post = |p: &str, status: u16, body: Value| {
        gh.mount(
            Mock::given(method("POST"))
                .and(path(gh.api(&format!("{REPO}{p}"))))
                .respond_with(json(status, body)),
        );
    };
    post("/git/blobs", 201, json!({"sha": "blob9"}));
    post("/git/trees", 201, json!({"sha": "tree9"}));
    post("/git/commits", 201, json!({"sha": "commit9"}));
    post("/git/refs", 201, json!({"ref": "refs/heads/aegis/ingest"}));
}

fn draft_pr(gh: &FakeGitHub, dir: &Path) -> Output {
    let out = gh
        .aegis()
        .current_dir(dir)
        .args([
            "publish",
            "draft-pr",
            "--github-repo",
            "octo/compliance",
            "--branch",
            "aegis/ingest",
            "--title",
            "Scan drift",
            "--as-of",
            AS_OF,
            "reports",
        ])
        .redact(dir, "[REPO]")
        .run();
    assert_no_token(&out);
    out
}

fn local_blob() -> String {
    aegis::github::draft_pr::blob_id(CONTENT.as_bytes())
}

/// A first run: no branch, no PR; everything is created.
fn created() -> (FakeGitHub, Output) {
    let dir = checkout();
    let gh = FakeGitHub::start();
    mount_repo(&gh, None, json!([]));
    mount_writes(&gh);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(gh.api(&format!("{REPO}/pulls"))))
            .respond_with(json(
                201,
                json!({"number": 5, "html_url": PR_URL, "draft": true}),
            )),
    );
    let out = draft_pr(&gh, dir.path());
    assert_eq!(out.code, 0, "{}", out.stderr);
    (gh, out)
}

/// The PR body a run sent.
fn pr_body(gh: &FakeGitHub) -> String {
    let pr = gh
        .writes()
        .into_iter()
        .find(|r| r.path.ends_with("/pulls"))
        .expect("POST /pulls");
    pr.body["body"].as_str().expect("body").to_string()
}

#[test]
fn creates_branch_commit_and_draft_pr() {
    let (gh, out) = created();
    let body = pr_body(&gh);
    assert_eq!(
        gh.writes(),
        [
            Req::new(
                "POST",
                &format!("{REPO}/git/blobs"),
                json!({"content": CONTENT, "encoding": "utf-8"})
            ),
            Req::new(
                "POST",
                &format!("{REPO}/git/trees"),
                json!({"base_tree": "tree1", "tree": [
                    {"path": "reports/app/old.md", "mode": "100644", "type": "blob", "sha": null},
                    {"path": SCAN, "mode": "100644", "type": "blob", "sha": "blob9"}
                ]})
            ),
            Req::new(
                "POST",
                &format!("{REPO}/git/commits"),
                json!({"message": "Scan drift", "tree": "tree9", "parents": ["base1"]})
            ),
            Req::new(
                "POST",
                &format!("{REPO}/git/refs"),
                json!({"ref": "refs/heads/aegis/ingest", "sha": "commit9"})
            ),
            Req::new(
                "POST",
                &format!("{REPO}/pulls"),
                json!({"title": "Scan drift", "head": "aegis/ingest", "base": "main", "body": body, "draft": true})
            ),
        ]
    );
    snapshot!("draft_pr_body", body);
    snapshot!("draft_pr_created", out.stdout);
}

#[test]
fn an_unchanged_run_writes_nothing() {
    let body = pr_body(&created().0);
    let dir = checkout();
    // Delete the stale file locally the way the first run did on the branch.
    let gh = FakeGitHub::start();
    mount_repo(
        &gh,
        Some(&local_blob()),
        json!([{"number": 5, "html_url": PR_URL, "title": "Scan drift", "body": body, "draft": true}]),
    );
    let out = draft_pr(&gh, dir.path());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(gh.writes(), []);
    snapshot!("draft_pr_unchanged", out.stdout);
}

#[test]
fn changed_files_force_update_the_branch_and_edit_the_pr() {
    let dir = checkout();
    let gh = FakeGitHub::start();
    mount_repo(
        &gh,
        Some("0123456789012345678901234567890123456789"),
        json!([{"number": 5, "html_url": PR_URL, "title": "Scan drift", "body": "old", "draft": true}]),
    );
    mount_writes(&gh);
    gh.mount(
        Mock::given(method("PATCH"))
            .and(path(gh.api(&format!("{REPO}/git/refs/heads/aegis/ingest"))))
            .respond_with(json(200, json!({}))),
    );
    gh.mount(
        Mock::given(method("PATCH"))
            .and(path(gh.api(&format!("{REPO}/pulls/5"))))
            .respond_with(json(200, json!({"number": 5}))),
    );
    let out = draft_pr(&gh, dir.path());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<String> = gh
        .writes()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        lines,
        [
            "POST /repos/octo/compliance/git/blobs",
            "POST /repos/octo/compliance/git/trees",
            "POST /repos/octo/compliance/git/commits",
            "PATCH /repos/octo/compliance/git/refs/heads/aegis/ingest",
            "PATCH /repos/octo/compliance/pulls/5",
        ]
    );
    assert_eq!(
        gh.writes()[3].body,
        json!({"sha": "commit9", "force": true})
    );
    snapshot!("draft_pr_updated", out.stdout);
}

#[test]
fn an_existing_pr_is_found_after_422() {
    let dir = checkout();
    let gh = FakeGitHub::start();
    // The first listing misses the PR (made meanwhile); the second finds it.
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(&format!("{REPO}/pulls"))))
            .respond_with(json(200, json!([])))
            .up_to_n_times(1)
            .with_priority(1),
    );
    mount_repo(
        &gh,
        None,
        json!([{"number": 8, "html_url": "https://github.com/octo/compliance/pull/8", "title": "x", "body": "y", "draft": true}]),
    );
    mount_writes(&gh);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(gh.api(&format!("{REPO}/pulls"))))
            .respond_with(json(422, json!({"message": "Validation Failed", "errors": [
                {"resource": "PullRequest", "code": "custom", "message": "A pull request already exists for octo:aegis/ingest."}
            ]}))),
    );
    gh.mount(
        Mock::given(method("PATCH"))
            .and(path(gh.api(&format!("{REPO}/pulls/8"))))
            .respond_with(json(200, json!({"number": 8}))),
    );
    let out = draft_pr(&gh, dir.path());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let writes = gh.writes();
    let last: Vec<String> = writes[4..]
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        last,
        [
            "POST /repos/octo/compliance/pulls",
            "PATCH /repos/octo/compliance/pulls/8"
        ]
    );
    assert!(out.stdout.starts_with("updated PR #8"), "{}", out.stdout);
}

#[test]
fn without_draft_support_a_normal_pr_is_opened() {
    let dir = checkout();
    let gh = FakeGitHub::start();
    mount_repo(&gh, None, json!([]));
    mount_writes(&gh);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(gh.api(&format!("{REPO}/pulls"))))
            .and(wiremock::matchers::body_partial_json(json!({"draft": true})))
            .respond_with(json(422, json!({"message": "Validation Failed", "errors": [
                {"resource": "PullRequest", "code": "custom", "message": "Draft pull requests are not supported in this repository."}
            ]}))),
    );
    gh.mount(
        Mock::given(method("POST"))
            .and(path(gh.api(&format!("{REPO}/pulls"))))
            .and(wiremock::matchers::body_partial_json(
                json!({"draft": false}),
            ))
            .respond_with(json(
                201,
                json!({"number": 6, "html_url": "https://github.com/octo/compliance/pull/6"}),
            )),
    );
    let out = draft_pr(&gh, dir.path());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let pulls: Vec<Value> = gh
        .writes()
        .into_iter()
        .filter(|r| r.path.ends_with("/pulls"))
        .map(|r| r.body["draft"].clone())
        .collect();
    assert_eq!(pulls, [json!(true), json!(false)]);
    snapshot!(
        "draft_pr_no_drafts",
        format!("{}---\n{}", out.stdout, out.stderr)
    );
}

#[test]
fn forbidden_names_permissions_and_setting() {
    let dir = checkout();
    let gh = FakeGitHub::start();
    mount_repo(&gh, None, json!([]));
    mount_writes(&gh);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(gh.api(&format!("{REPO}/pulls"))))
            .respond_with(
                json(403, json!({"message": "GitHub Actions is not permitted to create or approve pull requests."}))
                    .insert_header("x-accepted-github-permissions", "pull_requests=write"),
            ),
    );
    let out = draft_pr(&gh, dir.path());
    assert_eq!(out.code, 2);
    snapshot!("draft_pr_forbidden", out.stderr);
}

#[test]
fn a_missing_base_branch_is_named() {
    let dir = checkout();
    let gh = FakeGitHub::start();
    get(
        &gh,
        &format!("{REPO}/git/ref/heads/release"),
        404,
        json!({"message": "Not Found"}),
    );
    let out = gh
        .aegis()
        .current_dir(dir.path())
        .args([
            "publish",
            "draft-pr",
            "--github-repo",
            "octo/compliance",
            "--branch",
            "aegis/ingest",
            "--title",
            "t",
            "--base",
            "release",
            "reports",
        ])
        .run();
    assert_no_token(&out);
    assert_eq!(out.code, 2);
    snapshot!("draft_pr_missing_base", out.stderr);
    assert!(gh.writes().is_empty());
}

#[test]
fn paths_outside_the_repository_are_refused() {
    let dir = checkout();
    let gh = FakeGitHub::start();
    let out = gh
        .aegis()
        .current_dir(dir.path())
        .args([
            "publish",
            "draft-pr",
            "--github-repo",
            "octo/compliance",
            "--branch",
            "aegis/ingest",
            "--title",
            "t",
            "../elsewhere.yaml",
        ])
        .redact(dir.path(), "[REPO]")
        .run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("is outside the repository"),
        "{}",
        out.stderr
    );
    assert!(gh.requests().is_empty());
}

#[test]
fn dry_run_plans_without_writing() {
    let dir = checkout();
    let gh = FakeGitHub::start();
    mount_repo(&gh, None, json!([]));
    let out = gh
        .aegis()
        .current_dir(dir.path())
        .args([
            "publish",
            "draft-pr",
            "--github-repo",
            "octo/compliance",
            "--branch",
            "aegis/ingest",
            "--title",
            "Scan drift",
            "--as-of",
            AS_OF,
            "--dry-run",
            "reports",
        ])
        .run();
    assert_no_token(&out);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(gh.writes(), []);
    snapshot!(
        "draft_pr_dry_run",
        format!("{}---\n{}", out.stdout, out.stderr)
    );
}
