//! `aegis publish remediation`: the plan made from an SSG report is
//! committed to `aegis/remediation` and proposed as one draft PR whose
//! body says what each risk class holds and needs, against a fake GitHub.

use crate::github::{FakeGitHub, assert_no_token, json};
use crate::remediation::{repo, ssg_arf};
use crate::snapshot;
use serde_json::{Value, json};
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

const REPO: &str = "/repos/octo/compliance";

fn get(gh: &FakeGitHub, p: &str, status: u16, body: Value) {
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(p)))
            .respond_with(json(status, body)),
    );
}

#[test]
fn the_plan_is_proposed_as_one_draft_pr_with_its_approvals_per_class() {
    let dir = repo("");
    let ok = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status()
        .expect("git init");
    assert!(ok.success());
    let gh = FakeGitHub::start();
    get(&gh, REPO, 200, json!({"default_branch": "main"}));
    get(
        &gh,
        &format!("{REPO}/git/ref/heads/main"),
        200,
        json!({"object": {"sha": "base1"}}),
    );
    get(
        &gh,
        &format!("{REPO}/git/commits/base1"),
        200,
        json!({"sha": "base1", "tree": {"sha": "tree1"}}),
    );
    get(
        &gh,
        &format!("{REPO}/git/trees/tree1"),
        200,
        json!({"truncated": false, "tree": [{"path": "aegis.yaml", "type": "blob", "sha": "aaa"}]}),
    );
    get(
        &gh,
        &format!("{REPO}/git/ref/heads/aegis/remediation"),
        404,
        json!({"message": "Not Found"}),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(&format!("{REPO}/pulls"))))
            .and(query_param("head", "octo:aegis/remediation"))
            .respond_with(json(200, json!([]))),
    );
    for (p, body) in [
        ("/git/blobs", json!({"sha": "blob9"})),
        ("/git/trees", json!({"sha": "tree9"})),
        ("/git/commits", json!({"sha": "commit9"})),
        ("/git/refs", json!({"ref": "refs/heads/aegis/remediation"})),
        (
            "/pulls",
            json!({"number": 12, "html_url": "https://github.com/octo/compliance/pull/12", "draft": true}),
        ),
    ] {
        gh.mount(
            Mock::given(method("POST"))
                .and(path(gh.api(&format!("{REPO}{p}"))))
                .respond_with(json(201, body)),
        );
    }
    let out = gh
        .aegis()
        .args(["publish", "remediation", "--github-repo", "octo/compliance"])
        .arg(ssg_arf())
        .arg("--repo")
        .arg(dir.path())
        .redact(dir.path(), "[REPO]")
        .run();
    assert_no_token(&out);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "created PR #12: https://github.com/octo/compliance/pull/12\nfiles that differ from the base branch:\n  remediation/web-ab7dd6419122/plan.md\n  remediation/web-ab7dd6419122/playbooks/high.yml\n  remediation/web-ab7dd6419122/playbooks/low.yml\n  remediation/web-ab7dd6419122/playbooks/medium.yml\n  remediation/web-ab7dd6419122/scripts/high.sh\n  remediation/web-ab7dd6419122/scripts/low.sh\n  remediation/web-ab7dd6419122/scripts/medium.sh\n"
    );
    let writes = gh.writes();
    let lines: Vec<String> = writes
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let blobs = format!("POST {REPO}/git/blobs");
    assert_eq!(lines.iter().filter(|l| **l == blobs).count(), 7);
    let tree = writes
        .iter()
        .find(|r| r.path.ends_with("/git/trees"))
        .expect("tree");
    let modes: Vec<(String, String)> = tree.body["tree"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap_or("").to_string(),
                e["mode"].as_str().unwrap_or("").to_string(),
            )
        })
        .filter(|(p, _)| p.ends_with(".sh"))
        .collect();
    assert!(modes.iter().all(|(_, m)| m == "100755"), "{modes:?}");
    let pr = writes
        .iter()
        .find(|r| r.path.ends_with("/pulls"))
        .expect("POST /pulls");
    assert_eq!(pr.body["title"], "Remediation plan web-ab7dd6419122");
    assert_eq!(pr.body["head"], "aegis/remediation");
    assert_eq!(pr.body["base"], "main");
    assert_eq!(pr.body["draft"], true);
    snapshot!(
        "publish_remediation_body",
        pr.body["body"].as_str().expect("body")
    );
    // Nothing is written locally: the plan travels in the PR.
    assert!(!dir.path().join("remediation").exists());
}
