//! `aegis policy approvals sync` against a fake GitHub, on a git
//! repository made here: a base commit (with CODEOWNERS) and the
//! squash-merge of a pull request that changed a policy. Which reviews
//! count: only approvals of the merged head; a later COMMENTED does not
//! revoke, a DISMISSED does; no self-approval; CODEOWNERS' last match
//! wins; team membership 200/404/403; reviews over two pages. Then: a
//! second run writes nothing, and an unreviewed edit is unapproved again.

use crate::github::{FakeGitHub, assert_no_token, json};
use crate::harness::{AS_OF, Aegis, Output};
use crate::snapshot;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};

/// The pull request's head: not in the local clone (GitHub squashed it).
const HEAD: &str = "1111111111111111111111111111111111111111";
const OLD: &str = "2222222222222222222222222222222222222222";
const REPO: &str = "/repos/octo/compliance";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.org",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        // An empty file of our own: no user configuration applies.
        .env("GIT_CONFIG_GLOBAL", empty_config())
        .env("GIT_AUTHOR_DATE", "2026-05-01T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-05-01T10:00:00Z")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn empty_config() -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("tempdir"));
    let p = dir.path().join("gitconfig");
    if !p.exists() {
        std::fs::write(&p, "").expect("write");
    }
    p
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

const POLICY_V1: &str = "---\nschema_version: 1\nid: access-control\ntitle: Access control policy\nversion: \"1.0\"\nowner: \"@security-lead\"\napprovers: [\"@alice\", \"@octo/policy-team\"]\ncontrols: [fw:C-1]\n---\n\n# Access control policy\n\nAccess to production is granted to the people who need it.\n";

fn policy_v2() -> String {
    POLICY_V1.replace("\"1.0\"", "\"1.1\"") + "Contractors get access for their contract only.\n"
}

/// A clone with the base commit and the merge commit; returns (dir, base, merge).
fn clone() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    git(root, &["init", "-q"]);
    write(
        root,
        "aegis.yaml",
        "schema_version: 1\norganisation:\n  name: Octo\nsystems:\n  - id: app\n    name: App\n    frameworks:\n      - framework: fw\n",
    );
    write(
        root,
        "controls/fw/framework.yaml",
        "schema_version: 1\nid: fw\ntitle: Fixture framework\nversion: \"1\"\ncontrols:\n  - id: C-1\n    title: First control\n",
    );
    write(
        root,
        "implementations/app/C-1.yaml",
        "schema_version: 1\ncontrol: C-1\nstatus: implemented\nowner: \"@security-lead\"\nstatement: Access is reviewed.\npolicies: [access-control]\n",
    );
    write(root, "policies/access-control.md", POLICY_V1);
    // The last match wins: @bob owns policies/, not @octo/everyone.
    write(
        root,
        ".github/CODEOWNERS",
        "*            @octo/everyone\n/policies/   @bob\n/policies/retired.md\n",
    );
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);
    let base = git(root, &["rev-parse", "HEAD"]);
    write(root, "policies/access-control.md", &policy_v2());
    git(
        root,
        &["commit", "-q", "-am", "access control: contractors (#7)"],
    );
    let merge = git(root, &["rev-parse", "HEAD"]);
    (dir, base, merge)
}

fn review(id: u64, login: &str, state: &str, commit: &str, at: &str) -> Value {
    json!({"id": id, "user": {"login": login}, "state": state, "commit_id": commit,
           "submitted_at": at, "body": "", "html_url": format!("https://github.com/octo/compliance/pull/7#pullrequestreview-{id}")})
}

/// The fake GitHub for PR #7, with `reviews` over two pages.
fn fake(base: &str, merge: &str, page1: Vec<Value>, page2: Vec<Value>) -> FakeGitHub {
    let gh = FakeGitHub::start();
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(&format!("{REPO}/commits/{merge}/pulls"))))
            .respond_with(json(
                200,
                json!([
                    {"number": 9, "state": "open", "merged_at": null, "merge_commit_sha": "3333333333333333333333333333333333333333",
                     "user": {"login": "someone"}, "head": {"sha": "4444444444444444444444444444444444444444"}, "base": {"sha": base}},
                    {"number": 7, "state": "closed", "merged_at": "2026-05-01T12:00:00Z", "merge_commit_sha": merge,
                     "user": {"login": "author"}, "head": {"sha": HEAD, "ref": "contractors"}, "base": {"sha": base, "ref": "main"}}
                ]),
            )),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(&format!("{REPO}/pulls/7/files"))))
            .respond_with(json(
                200,
                json!([
                    {"filename": "policies/access-control.md", "status": "modified"},
                    {"filename": "README.md", "status": "added"}
                ]),
            )),
    );
    let reviews = gh.api(&format!("{REPO}/pulls/7/reviews"));
    let next = format!(
        "<{}{REPO}/pulls/7/reviews?per_page=100&page=2>; rel=\"next\"",
        gh.url()
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(reviews.clone()))
            .and(query_param_is_missing("page"))
            .respond_with(json(200, Value::Array(page1)).insert_header("link", next.as_str())),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(reviews))
            .and(query_param("page", "2"))
            .respond_with(json(200, Value::Array(page2))),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(&format!("{REPO}/commits/{HEAD}"))))
            .respond_with(json(
                200,
                json!({"sha": HEAD, "author": {"login": "author"}, "committer": {"login": "web-flow"}}),
            )),
    );
    let team = "/orgs/octo/teams/policy-team";
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(&format!("{team}/memberships/dave"))))
            .respond_with(json(200, json!({"state": "active", "role": "member"}))),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(&format!("{team}/memberships/erin"))))
            .respond_with(json(404, json!({"message": "Not Found"}))),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(team)))
            .respond_with(json(
                200,
                json!({"slug": "policy-team", "name": "Policy team"}),
            )),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(&format!("{team}/memberships/frank"))))
            .respond_with(json(
                403,
                json!({"message": "Resource not accessible by integration"}),
            )),
    );
    gh
}

fn sync(gh: &FakeGitHub, root: &Path) -> Output {
    let out = gh
        .aegis()
        .args([
            "policy",
            "approvals",
            "sync",
            "--github-repo",
            "octo/compliance",
        ])
        .arg("--repo")
        .arg(root)
        .redact(root, "[REPO]")
        .run();
    assert_no_token(&out);
    out
}

fn all_reviews() -> (Vec<Value>, Vec<Value>) {
    (
        vec![
            review(1, "alice", "APPROVED", OLD, "2026-04-30T09:00:00Z"),
            review(2, "bob", "APPROVED", HEAD, "2026-05-01T09:00:00Z"),
            review(3, "bob", "COMMENTED", HEAD, "2026-05-01T09:30:00Z"),
            review(4, "carol", "APPROVED", HEAD, "2026-05-01T09:40:00Z"),
        ],
        vec![
            review(5, "carol", "DISMISSED", HEAD, "2026-05-01T09:50:00Z"),
            review(6, "author", "APPROVED", HEAD, "2026-05-01T10:00:00Z"),
            review(7, "dave", "APPROVED", HEAD, "2026-05-01T10:10:00Z"),
            review(8, "erin", "APPROVED", HEAD, "2026-05-01T10:20:00Z"),
            review(9, "frank", "APPROVED", HEAD, "2026-05-01T10:30:00Z"),
            review(10, "zed", "PENDING", HEAD, "2026-05-01T10:40:00Z"),
        ],
    )
}

#[test]
fn reviews_of_the_merged_head_by_eligible_reviewers_are_recorded_once() {
    let (dir, base, merge) = clone();
    let root = dir.path();
    let (p1, p2) = all_reviews();
    let gh = fake(&base, &merge, p1, p2);
    let out = sync(&gh, root);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let stderr = out.stderr.replace(&merge[..12], "[MERGE]");
    snapshot!("sync_first_run", stderr);
    let ledger_path = root.join("policies/approvals.yaml");
    let ledger = std::fs::read_to_string(&ledger_path).expect("ledger written");
    snapshot!("sync_ledger", ledger.replace(&merge, "[MERGE]"));
    // Reads only; both review pages; memberships of the team's reviewers.
    assert!(gh.writes().is_empty());
    let lines = gh.lines();
    assert!(lines.contains(&format!("GET {REPO}/pulls/7/reviews?per_page=100&page=2")));
    assert!(
        !lines.iter().any(|l| l.contains("memberships/bob")),
        "{lines:?}"
    );

    // A second run records nothing and leaves the file alone.
    let before = std::fs::read(&ledger_path).expect("ledger");
    let again = sync(&gh, root);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stderr
            .contains("already approved: policy `access-control` version 1.1"),
        "{}",
        again.stderr
    );
    assert_eq!(std::fs::read(&ledger_path).expect("ledger"), before);

    // Recorded as of this commit, the repository is clean of the code and
    // of the gap reason...
    let gaps = |root: &Path| {
        Aegis::new()
            .args(["gaps", "--format", "json", "--as-of", AS_OF, "--repo"])
            .arg(root)
            .run()
            .stdout
    };
    assert!(!gaps(root).contains("policy-unapproved"));
    let v = Aegis::new()
        .args(["validate", "--format", "json", "--as-of", AS_OF])
        .arg(root)
        .run();
    assert!(
        !v.codes().contains(&"policy-unapproved".to_string()),
        "{}",
        v.stdout
    );

    // ...until the text changes without a review: the approval was of
    // the old content.
    let edited = policy_v2() + "Everyone else is welcome too.\n";
    write(root, "policies/access-control.md", &edited);
    let v = Aegis::new()
        .args(["validate", "--format", "json", "--as-of", AS_OF])
        .arg(root)
        .run();
    let found: Vec<(String, String)> = v
        .diagnostics()
        .into_iter()
        .map(|d| (d.code, d.file))
        .collect();
    assert_eq!(
        found,
        vec![(
            "policy-unapproved".to_string(),
            "policies/access-control.md".to_string()
        )]
    );
    let after = gaps(root);
    assert!(
        after.contains("\"policy-unapproved\"")
            && after.contains(
                "policy `access-control` version 1.1 has no approval of its current content"
            ),
        "{after}"
    );
}

#[test]
fn without_an_eligible_approval_nothing_is_recorded_and_it_says_why() {
    let (dir, base, merge) = clone();
    let root = dir.path();
    let gh = fake(
        &base,
        &merge,
        vec![
            review(1, "alice", "APPROVED", OLD, "2026-04-30T09:00:00Z"),
            review(
                2,
                "carol",
                "CHANGES_REQUESTED",
                HEAD,
                "2026-05-01T09:00:00Z",
            ),
        ],
        vec![
            review(6, "author", "APPROVED", HEAD, "2026-05-01T10:00:00Z"),
            review(8, "erin", "APPROVED", HEAD, "2026-05-01T10:20:00Z"),
            review(9, "frank", "APPROVED", HEAD, "2026-05-01T10:30:00Z"),
        ],
    );
    let out = sync(&gh, root);
    assert_eq!(out.code, 1, "{}", out.stderr);
    snapshot!("sync_refused", out.stderr.replace(&merge[..12], "[MERGE]"));
    assert!(!root.join("policies/approvals.yaml").exists());
}

#[test]
fn a_commit_no_pull_request_merged_is_an_error() {
    let (dir, _base, merge) = clone();
    let gh = FakeGitHub::start();
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(&format!("{REPO}/commits/{merge}/pulls"))))
            .respond_with(json(200, json!([]))),
    );
    let out = sync(&gh, dir.path());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("no merged pull request introduced commit {merge}")),
        "{}",
        out.stderr
    );
}
