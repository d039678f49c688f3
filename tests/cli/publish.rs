//! `aegis publish pr-comment`: one sticky comment, against a fake GitHub.

use crate::github::{FakeGitHub, Req, assert_no_token, json, pr_repo};
use crate::harness::{AS_OF, fixtures};
use crate::snapshot;
use serde_json::json;
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

const COMMENTS: &str = "/repos/octo/compliance/issues/7/comments";

fn pr_comment(gh: &FakeGitHub) -> crate::harness::Output {
    pr_comment_with(gh, &[])
}

/// `publish pr-comment` on a two-commit repository, BASE and HEAD given.
fn pr_comment_with(gh: &FakeGitHub, extra: &[&str]) -> crate::harness::Output {
    let (dir, base, head) = pr_repo();
    let out = gh
        .aegis()
        .args([
            "publish",
            "pr-comment",
            "--github-repo",
            "octo/compliance",
            "--pr",
            "7",
        ])
        .arg("--repo")
        .arg(dir.path())
        .args(["--as-of", AS_OF, "--base", &base, "--head", &head])
        .args(extra)
        .redact(dir.path(), "[REPO]")
        .run();
    assert_no_token(&out);
    out
}

/// GITHUB_TOKEN may not read /user: the comment author falls back to the Actions bot.
fn mount_user_forbidden(gh: &FakeGitHub) {
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api("/user")))
            .respond_with(json(
                403,
                json!({"message": "Resource not accessible by integration"}),
            )),
    );
}

fn mount_comments(gh: &FakeGitHub, comments: serde_json::Value) {
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(COMMENTS)))
            .respond_with(json(200, comments)),
    );
}

/// The body the first run posts (the fixture's report behind the marker).
fn first_body() -> String {
    let gh = FakeGitHub::start();
    mount_user_forbidden(&gh);
    mount_comments(&gh, json!([]));
    gh.mount(
        Mock::given(method("POST"))
            .and(path(gh.api(COMMENTS)))
            .respond_with(json(201, json!({"id": 100, "html_url": "https://github.com/octo/compliance/pull/7#issuecomment-100"}))),
    );
    let out = pr_comment(&gh);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let writes = gh.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    writes[0].body["body"].as_str().expect("a body").to_string()
}

#[test]
fn sticky_comment_is_created_once() {
    let gh = FakeGitHub::start();
    mount_user_forbidden(&gh);
    mount_comments(
        &gh,
        json!([{"id": 1, "body": "<!-- aegis:pr-comment -->\nby someone else", "user": {"login": "mallory"}}]),
    );
    gh.mount(
        Mock::given(method("POST"))
            .and(path(gh.api(COMMENTS)))
            .respond_with(json(201, json!({"id": 100, "html_url": "https://github.com/octo/compliance/pull/7#issuecomment-100"}))),
    );
    let out = pr_comment(&gh);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        gh.lines(),
        [
            "GET /user",
            "GET /repos/octo/compliance/issues/7/comments?per_page=100",
            "POST /repos/octo/compliance/issues/7/comments",
        ]
    );
    let writes = gh.writes();
    let body = writes[0].body["body"].as_str().expect("body");
    assert!(body.starts_with("<!-- aegis:pr-comment -->\n"), "{body}");
    snapshot!("pr_comment_body", body);
    snapshot!("pr_comment_created", out.stdout);
}

#[test]
fn rerun_edits_the_comment_and_then_writes_nothing() {
    let body = first_body();
    // A changed report: the old comment is edited in place.
    let gh = FakeGitHub::start();
    mount_user_forbidden(&gh);
    mount_comments(
        &gh,
        json!([{"id": 100, "body": "<!-- aegis:pr-comment -->\nold report", "user": {"login": "github-actions[bot]"},
                "html_url": "https://github.com/octo/compliance/pull/7#issuecomment-100"}]),
    );
    gh.mount(
        Mock::given(method("PATCH"))
            .and(path(gh.api("/repos/octo/compliance/issues/comments/100")))
            .respond_with(json(200, json!({"id": 100, "html_url": "https://github.com/octo/compliance/pull/7#issuecomment-100"}))),
    );
    let out = pr_comment(&gh);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        gh.writes(),
        [Req::new(
            "PATCH",
            "/repos/octo/compliance/issues/comments/100",
            json!({ "body": body })
        )]
    );
    snapshot!("pr_comment_updated", out.stdout);

    // The same report again (GitHub's copy has CRLF line ends): no write.
    let gh = FakeGitHub::start();
    mount_user_forbidden(&gh);
    mount_comments(
        &gh,
        json!([{"id": 100, "body": body.replace('\n', "\r\n"), "user": {"login": "github-actions[bot]"},
                "html_url": "https://github.com/octo/compliance/pull/7#issuecomment-100"}]),
    );
    let out = pr_comment(&gh);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(gh.writes(), []);
    snapshot!("pr_comment_unchanged", out.stdout);
}

#[test]
fn the_marker_is_found_on_the_second_page() {
    let gh = FakeGitHub::start();
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api("/user")))
            .respond_with(json(200, json!({"login": "aegis-bot"}))),
    );
    let next = format!("{}{COMMENTS}?per_page=100&page=2", gh.url());
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(COMMENTS)))
            .and(query_param("page", "2"))
            .respond_with(json(
                200,
                json!([{"id": 205, "body": "<!-- aegis:pr-comment -->\nstale", "user": {"login": "aegis-bot"}}]),
            ))
            .with_priority(1),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(COMMENTS)))
            .respond_with(
                json(
                    200,
                    json!([{"id": 1, "body": "LGTM", "user": {"login": "alice"}}]),
                )
                .insert_header(
                    "link",
                    format!("<{next}>; rel=\"next\", <{next}>; rel=\"last\"").as_str(),
                ),
            ),
    );
    gh.mount(
        Mock::given(method("PATCH"))
            .and(path(gh.api("/repos/octo/compliance/issues/comments/205")))
            .respond_with(json(200, json!({"id": 205}))),
    );
    let out = pr_comment(&gh);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        gh.lines(),
        [
            "GET /user",
            "GET /repos/octo/compliance/issues/7/comments?per_page=100",
            "GET /repos/octo/compliance/issues/7/comments?per_page=100&page=2",
            "PATCH /repos/octo/compliance/issues/comments/205",
        ]
    );
}

#[test]
fn a_next_page_on_another_host_is_refused() {
    let gh = FakeGitHub::start();
    mount_user_forbidden(&gh);
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(COMMENTS)))
            .respond_with(json(200, json!([])).insert_header(
                "link",
                "<https://evil.example/api/v3/steal?page=2>; rel=\"next\"",
            )),
    );
    let out = pr_comment(&gh);
    assert_eq!(out.code, 2);
    snapshot!("pr_comment_bad_link", out.stderr);
    assert!(gh.writes().is_empty());
}

#[test]
fn rate_limits_are_waited_out_then_the_budget_ends_it() {
    // Two 429s with retry-after, then the list: the run succeeds.
    let gh = FakeGitHub::start();
    mount_user_forbidden(&gh);
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(COMMENTS)))
            .respond_with(
                json(429, json!({"message": "API rate limit exceeded"}))
                    .insert_header("retry-after", "3"),
            )
            .up_to_n_times(1)
            .with_priority(1),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(COMMENTS)))
            .respond_with(
                json(403, json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."})),
            )
            .up_to_n_times(1)
            .with_priority(2),
    );
    mount_comments(&gh, json!([]));
    gh.mount(
        Mock::given(method("POST"))
            .and(path(gh.api(COMMENTS)))
            .respond_with(json(201, json!({"id": 9}))),
    );
    let out = pr_comment(&gh);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        gh.lines(),
        [
            "GET /user",
            "GET /repos/octo/compliance/issues/7/comments?per_page=100",
            "GET /repos/octo/compliance/issues/7/comments?per_page=100",
            "GET /repos/octo/compliance/issues/7/comments?per_page=100",
            "POST /repos/octo/compliance/issues/7/comments",
        ]
    );
    snapshot!("rate_limit_waits", out.stderr);

    // Always limited: the wait budget (--max-wait) ends it with exit 2.
    let gh = FakeGitHub::start();
    mount_user_forbidden(&gh);
    gh.mount(
        Mock::given(method("GET"))
            .and(path(gh.api(COMMENTS)))
            .respond_with(json(
                403,
                json!({"message": "You have exceeded a secondary rate limit."}),
            )),
    );
    let out = pr_comment_with(&gh, &["--max-wait", "200"]);
    assert_eq!(out.code, 2);
    // 60 + 120 s waited; the next 240 s would pass the 200 s budget.
    assert_eq!(gh.requests().len(), 1 + 3);
    snapshot!("rate_limit_budget", out.stderr);
}

#[test]
fn without_a_token_nothing_is_sent() {
    let gh = FakeGitHub::start();
    let out = gh
        .aegis()
        .env("GITHUB_TOKEN", "")
        .args([
            "publish",
            "pr-comment",
            "--github-repo",
            "octo/compliance",
            "--pr",
            "7",
        ])
        .arg("--repo")
        .arg(fixtures().join("repos/clean"))
        .run();
    assert_eq!(out.code, 2);
    snapshot!("pr_comment_no_token", out.stderr);
    assert!(gh.requests().is_empty());
}

#[test]
fn defaults_come_from_the_pull_request_event() {
    let (dir, base, head) = pr_repo();
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        json!({"action": "synchronize", "number": 7, "pull_request": {
            "number": 7, "base": {"ref": "main", "sha": base}, "head": {"ref": "feature", "sha": head}
        }})
        .to_string(),
    )
    .expect("write event");
    let gh = FakeGitHub::start();
    mount_user_forbidden(&gh);
    mount_comments(&gh, json!([]));
    gh.mount(
        Mock::given(method("POST"))
            .and(path(gh.api(COMMENTS)))
            .respond_with(json(201, json!({"id": 100}))),
    );
    let out = gh
        .aegis()
        .env("GITHUB_REPOSITORY", "octo/compliance")
        .env("GITHUB_EVENT_PATH", &event)
        .args(["publish", "pr-comment", "--as-of", AS_OF])
        .arg("--repo")
        .arg(dir.path())
        .run();
    assert_no_token(&out);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let writes = gh.writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].path, COMMENTS);
    let posted = writes[0].body["body"].as_str().expect("body");
    assert!(posted.contains("Controls regressed"), "{posted}");
}

#[test]
fn dry_run_writes_nothing() {
    let gh = FakeGitHub::start();
    mount_user_forbidden(&gh);
    mount_comments(&gh, json!([]));
    let out = pr_comment_with(&gh, &["--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(gh.writes(), []);
    snapshot!("pr_comment_dry_run", out.stdout);
}

#[test]
fn summary_and_outputs_on_actions() {
    let (dir, base, head) = pr_repo();
    let summary = dir.path().join("summary.md");
    let outputs = dir.path().join("outputs.txt");
    std::fs::write(&summary, "# earlier step\n").expect("write");
    let out = crate::harness::Aegis::new()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .args([
            "publish", "summary", "--as-of", AS_OF, "--base", &base, "--head", &head,
        ])
        .arg("--repo")
        .arg(dir.path())
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        text.starts_with("# earlier step\n### Compliance delta"),
        "{text}"
    );
    // Outputs in the multiline form; the delimiters vary, the values do not.
    let written = std::fs::read_to_string(&outputs).expect("outputs");
    let mut values = Vec::new();
    let mut lines = written.lines();
    while let Some(line) = lines.next() {
        let (name, delim) = line.split_once("<<").expect("name<<DELIMITER");
        assert!(delim.starts_with("ghadelimiter_"));
        let value = lines.next().expect("value");
        assert_eq!(lines.next(), Some(delim));
        values.push(format!("{name}={value}"));
    }
    assert_eq!(
        values,
        [
            "gate=passed",
            "errors=0",
            "warnings=0",
            r#"coverage={"app":{"fw":50.0}}"#,
            "gaps=0",
            "gaps-opened=0",
            "gaps-closed=0",
        ]
    );
}

#[test]
fn summary_outside_actions_prints() {
    let out = crate::harness::Aegis::new()
        .args(["publish", "summary", "--as-of", AS_OF, "--repo"])
        .arg(fixtures().join("repos/clean"))
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!(
        "summary_outside_actions",
        format!("{}---\n{}", out.stdout, out.stderr)
    );
}
