//! `aegis publish issues`: POA&M items as GitHub issues (and Jira issues,
//! through the same command), against a fake GitHub with the exact
//! requests asserted.

use crate::github::{FakeGitHub, Req, TOKEN, assert_no_token, json};
use crate::harness::{AS_OF, copy_tree, fixtures};
use crate::snapshot;
use serde_json::{Value, json};
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};

const ISSUES: &str = "/repos/octo/compliance/issues";
const LIST: &str = "GET /repos/octo/compliance/issues?labels=aegis-poam&state=all&per_page=100";
/// The fixture's items: C-2 partial (owner @alice), C-3 excepted (EX-1
/// until 2026-12-31), C-4 missing (with a hostile title).
const C2: &str = "POAM-9F174D868709";
const C3: &str = "POAM-6DCCF8AB822D";
const C4: &str = "POAM-81A4D6A1252F";

fn publish(gh: &FakeGitHub, extra: &[&str]) -> crate::harness::Output {
    let out = gh
        .aegis()
        .args(["publish", "issues", "--github-repo", "octo/compliance"])
        .args(extra)
        .arg("--repo")
        .arg(fixtures().join("repos/poam"))
        .args(["--as-of", AS_OF])
        .run();
    assert_no_token(&out);
    out
}

/// An issue as GitHub's REST API documents it.
fn issue(number: u64, title: &str, body: &str, state: &str, assignees: &[&str]) -> Value {
    json!({
        "id": 9000 + number,
        "node_id": format!("I_kwDO{number}"),
        "url": format!("https://api.github.com/repos/octo/compliance/issues/{number}"),
        "html_url": format!("https://github.com/octo/compliance/issues/{number}"),
        "number": number,
        "state": state,
        "state_reason": if state == "closed" { json!("completed") } else { Value::Null },
        "title": title,
        "body": body,
        "user": {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"},
        "labels": [{"id": 1, "name": "aegis-poam", "color": "ededed", "default": false}],
        "assignees": assignees.iter().map(|a| json!({"login": a, "id": 1, "type": "User"})).collect::<Vec<_>>(),
        "locked": false,
        "comments": 0,
        "created_at": "2026-05-01T00:00:00Z",
        "updated_at": "2026-05-01T00:00:00Z",
        "closed_at": null,
        "author_association": "CONTRIBUTOR"
    })
}

fn mount_list(gh: &FakeGitHub, issues: Value) {
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(ISSUES)))
            .respond_with(json(200, issues)),
    );
}

/// Creates answer #11, then #12.
fn mount_create(gh: &FakeGitHub) {
    for (n, priority) in [(11u64, 1u8), (12, 2)] {
        gh.mount(
            Mock::given(method("POST"))
                .and(path(gh.api(ISSUES)))
                .respond_with(json(201, issue(n, "created", "", "open", &[])))
                .up_to_n_times(1)
                .with_priority(priority),
        );
    }
}

/// The create requests of a first run against an empty repository.
fn first_run() -> (crate::harness::Output, Vec<Req>) {
    let gh = FakeGitHub::start();
    mount_list(&gh, json!([]));
    mount_create(&gh);
    let out = publish(&gh, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        gh.lines(),
        [
            LIST,
            "POST /repos/octo/compliance/issues",
            "POST /repos/octo/compliance/issues"
        ]
    );
    (out, gh.writes())
}

/// What GitHub lists after a create: the request's title, body and assignees.
fn as_created(number: u64, create: &Req) -> Value {
    let assignees: Vec<&str> = create.body["assignees"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    issue(
        number,
        create.body["title"].as_str().unwrap_or(""),
        create.body["body"].as_str().unwrap_or(""),
        "open",
        &assignees,
    )
}

#[test]
fn first_run_creates_an_issue_per_open_item_and_a_second_writes_nothing() {
    let (out, creates) = first_run();
    snapshot!("issues_first_run", out.stdout);
    // The excepted item (C-3) gets no issue; C-4 sorts first.
    assert_eq!(
        creates[0].body["title"],
        format!(
            "{C4}: C-4 Ping @octo-org/security about #1 <img src=x onerror=alert(1)> (app, fw@moderate)"
        )
    );
    assert_eq!(creates[0].body["labels"], json!(["aegis-poam"]));
    assert_eq!(creates[0].body.get("assignees"), None);
    assert_eq!(
        creates[1].body["title"],
        format!("{C2}: C-2 Second control (app, fw@moderate)")
    );
    assert_eq!(creates[1].body["assignees"], json!(["alice"]));
    let bodies: Vec<&str> = creates
        .iter()
        .map(|c| c.body["body"].as_str().unwrap_or(""))
        .collect();
    snapshot!("issues_body_hostile_title", bodies[0]);
    snapshot!("issues_body_partial", bodies[1]);
    assert!(bodies[0].starts_with(&format!("<!-- aegis-poam: {C4} -->\n")));

    // Second run: the issues are there as created (and a pull request
    // whose title carries an item's id is not an issue).
    let gh = FakeGitHub::start();
    let mut pr = issue(20, &format!("{C3}: look"), "", "open", &[]);
    pr["pull_request"] =
        json!({"url": "https://api.github.com/repos/octo/compliance/pulls/20", "merged_at": null});
    mount_list(
        &gh,
        json!([as_created(11, &creates[0]), as_created(12, &creates[1]), pr]),
    );
    let out = publish(&gh, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(gh.lines(), [LIST]);
    assert_eq!(
        out.stdout,
        "GitHub: 3 item(s) (2 open), 2 issue(s) found; 0 to create, 0 to update, 0 to reopen, 0 to close, 2 unchanged\n"
    );
}

#[test]
fn gone_and_excepted_items_close_with_a_comment_and_an_item_back_reopens() {
    let (_, creates) = first_run();
    let gh = FakeGitHub::start();
    let gone = "POAM-0000000000AA";
    let next = format!(
        "<{}{ISSUES}?labels=aegis-poam&state=all&per_page=100&page=2>; rel=\"next\"",
        gh.url()
    );
    // Page 1: a pull request, the issue of a gap since closed, the excepted
    // item's issue. Page 2: C-2's issue, closed.
    let mut pr = issue(20, &format!("{C4}: a pull request"), "", "open", &[]);
    pr["pull_request"] = json!({"url": "https://api.github.com/repos/octo/compliance/pulls/20"});
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(ISSUES)))
            .and(query_param_is_missing("page"))
            .respond_with(
                json(
                    200,
                    json!([
                        pr,
                        issue(
                            5,
                            &format!("{gone}: C-9 Old control (app, fw@moderate)"),
                            &format!("<!-- aegis-poam: {gone} -->\n\nold"),
                            "open",
                            &[]
                        ),
                        issue(
                            6,
                            &format!("{C3}: C-3 Third control (app, fw@moderate)"),
                            "edited by hand",
                            "open",
                            &[]
                        ),
                    ]),
                )
                .insert_header("link", next.as_str()),
            ),
    );
    let mut closed = as_created(7, &creates[1]);
    closed["state"] = json!("closed");
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(ISSUES)))
            .and(query_param("page", "2"))
            .respond_with(json(200, json!([closed]))),
    );
    for n in [5, 6, 7] {
        gh.mount(
            Mock::given(method("POST"))
                .and(path(gh.api(&format!("{ISSUES}/{n}/comments"))))
                .respond_with(json(201, json!({"id": 100 + n}))),
        );
        gh.mount(
            Mock::given(method("PATCH"))
                .and(path(gh.api(&format!("{ISSUES}/{n}"))))
                .respond_with(json(200, issue(n, "t", "", "open", &[]))),
        );
    }
    mount_create(&gh);
    let out = publish(&gh, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("issues_close_reopen", out.stdout);
    let reqs = gh.requests();
    assert_eq!(
        gh.lines(),
        [
            LIST,
            "GET /repos/octo/compliance/issues?labels=aegis-poam&state=all&per_page=100&page=2",
            "POST /repos/octo/compliance/issues/5/comments",
            "PATCH /repos/octo/compliance/issues/5",
            "POST /repos/octo/compliance/issues/6/comments",
            "PATCH /repos/octo/compliance/issues/6",
            "POST /repos/octo/compliance/issues",
            "PATCH /repos/octo/compliance/issues/7",
            "POST /repos/octo/compliance/issues/7/comments",
        ]
    );
    assert_eq!(
        reqs[2].body,
        json!({"body": "Closed by Aegis\\: the gap is closed in the compliance repository as of 2026\\-06\\-01\\.\n"})
    );
    let closing = json!({"state": "closed", "state_reason": "completed"});
    assert_eq!(reqs[3].body, closing);
    assert_eq!(
        reqs[4].body,
        json!({"body": "Closed by Aegis\\: the gap is covered by exception `EX-1` until 2026\\-12\\-31\\. The issue reopens if the gap is still there when it expires\\.\n"})
    );
    assert_eq!(reqs[5].body, closing);
    // The pull request did not count as C-4's issue: C-4 is created.
    assert_eq!(reqs[6].body["title"], creates[0].body["title"]);
    // Reopened, with its body as it should be, and a comment.
    assert_eq!(reqs[7].body["state"], "open");
    assert_eq!(reqs[7].body["state_reason"], "reopened");
    assert_eq!(reqs[7].body["body"], creates[1].body["body"]);
    assert_eq!(
        reqs[8].body,
        json!({"body": "Reopened by Aegis\\: the gap is open again in the compliance repository as of 2026\\-06\\-01\\.\n"})
    );
}

#[test]
fn an_edited_issue_is_patched_with_only_what_differs() {
    let (_, creates) = first_run();
    let gh = FakeGitHub::start();
    let mut edited = as_created(12, &creates[1]);
    edited["body"] = json!("someone rewrote this");
    edited["labels"] = json!([{"name": "aegis-poam"}, {"name": "team-a"}]);
    mount_list(&gh, json!([as_created(11, &creates[0]), edited]));
    gh.mount(
        Mock::given(method("PATCH"))
            .and(path(gh.api(&format!("{ISSUES}/12"))))
            .respond_with(json(200, issue(12, "t", "", "open", &[]))),
    );
    let out = publish(&gh, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!(
            "updated     #12 {C2}: C-2 Second control (app, fw@moderate) [body]\n\
             GitHub: 3 item(s) (2 open), 2 issue(s) found; 0 to create, 1 to update, 0 to reopen, 0 to close, 1 unchanged\n"
        )
    );
    // Title and body only: labels and assignees already hold Aegis's.
    assert_eq!(
        gh.writes(),
        [Req::new(
            "PATCH",
            "/repos/octo/compliance/issues/12",
            json!({"title": creates[1].body["title"], "body": creates[1].body["body"]})
        )]
    );
}

#[test]
fn dry_run_lists_the_plan_and_writes_nothing() {
    let gh = FakeGitHub::start();
    mount_list(
        &gh,
        json!([issue(5, "POAM-0000000000AA: gone", "", "open", &[])]),
    );
    let out = publish(&gh, &["--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(gh.lines(), [LIST]);
    snapshot!("issues_dry_run", out.stdout);
    let out = publish(&gh, &["--dry-run", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("issues_dry_run_json", out.stdout);
}

#[test]
fn a_403_names_the_permission_to_grant() {
    let gh = FakeGitHub::start();
    mount_list(&gh, json!([]));
    gh.mount(
        Mock::given(method("POST"))
            .and(path(gh.api(ISSUES)))
            .respond_with(
                json(
                    403,
                    json!({"message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue", "status": "403"}),
                )
                .insert_header("x-accepted-github-permissions", "issues=write"),
            ),
    );
    let out = publish(&gh, &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("issues: write"), "{}", out.stderr);
    snapshot!("issues_403", out.stderr);
    // It stopped at the first refusal.
    assert_eq!(gh.writes().len(), 1);
}

#[test]
fn a_429_is_waited_out_then_the_run_goes_on() {
    let gh = FakeGitHub::start();
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(ISSUES)))
            .respond_with(
                json(429, json!({"message": "API rate limit exceeded"}))
                    .insert_header("retry-after", "2"),
            )
            .up_to_n_times(1)
            .with_priority(1),
    );
    mount_list(&gh, json!([]));
    mount_create(&gh);
    let out = publish(&gh, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        gh.lines(),
        [
            LIST,
            LIST,
            "POST /repos/octo/compliance/issues",
            "POST /repos/octo/compliance/issues"
        ]
    );
}

#[test]
fn a_dropped_label_stops_the_run_before_it_makes_duplicates() {
    let gh = FakeGitHub::start();
    mount_list(&gh, json!([]));
    let mut unlabelled = issue(11, "t", "", "open", &[]);
    unlabelled["labels"] = json!([]);
    gh.mount(
        Mock::given(method("POST"))
            .and(path(gh.api(ISSUES)))
            .respond_with(json(201, unlabelled)),
    );
    let out = publish(&gh, &[]);
    assert_eq!(out.code, 2);
    assert_eq!(gh.writes().len(), 1);
    assert!(
        out.stderr
            .contains("GitHub created issue #11 without the label `aegis-poam`"),
        "{}",
        out.stderr
    );
}

/// The fixture with `trackers.jira` pointing at the fake server (a Jira
/// Server under a context path, API v2, bearer token).
fn jira_repo(site: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixtures().join("repos/poam"), dir.path());
    let config = dir.path().join("aegis.yaml");
    let mut text = std::fs::read_to_string(&config).expect("read");
    text.push_str(&format!(
        "trackers:\n  jira:\n    url: {site}\n    project: SEC\n    api_version: 2\n"
    ));
    std::fs::write(&config, text).expect("write");
    dir
}

/// Jira Server's search answers `status` with `answer`.
fn mount_jira_search(gh: &FakeGitHub, status: u16, answer: Value) {
    gh.mount(
        Mock::given(method("POST"))
            .and(path(gh.api("/rest/api/2/search")))
            .respond_with(json(status, answer)),
    );
}

fn publish_jira(gh: &FakeGitHub, repo: &std::path::Path) -> crate::harness::Output {
    let out = gh
        .aegis()
        .env("JIRA_TOKEN", TOKEN)
        .args(["publish", "issues", "--tracker", "jira", "--repo"])
        .arg(repo)
        .args(["--as-of", AS_OF])
        .run();
    assert_no_token(&out);
    out
}

#[test]
fn jira_server_through_the_same_command() {
    let gh = FakeGitHub::start();
    let repo = jira_repo(&gh.url());
    mount_jira_search(
        &gh,
        200,
        json!({"startAt": 0, "maxResults": 100, "total": 0, "issues": []}),
    );
    gh.mount(
        Mock::given(method("POST"))
            .and(path(gh.api("/rest/api/2/issue")))
            .respond_with(json(
                201,
                json!({"id": "10001", "key": "SEC-1", "self": "x"}),
            )),
    );
    let out = publish_jira(&gh, repo.path());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        gh.lines(),
        [
            "POST /rest/api/2/search",
            "POST /rest/api/2/issue",
            "POST /rest/api/2/issue"
        ]
    );
    assert_eq!(
        out.stdout,
        format!(
            "created     SEC-1 {C4}: C-4 Ping @octo-org/security about #1 <img src=x onerror=alert(1)> (app, fw@moderate)\n\
             created     SEC-1 {C2}: C-2 Second control (app, fw@moderate)\n\
             Jira: 3 item(s) (2 open), 0 issue(s) found; 2 to create, 0 to update, 0 to reopen, 0 to close, 0 unchanged\n"
        )
    );
}

#[test]
fn jira_401_says_which_variables_to_check() {
    let gh = FakeGitHub::start();
    let repo = jira_repo(&gh.url());
    mount_jira_search(
        &gh,
        401,
        json!({"errorMessages": ["You are not authenticated."], "errors": {}}),
    );
    let out = publish_jira(&gh, repo.path());
    assert_eq!(out.code, 2);
    snapshot!(
        "issues_jira_401",
        out.stderr
            .replace(&gh.url(), "http://127.0.0.1:PORT/api/v3")
    );
}
