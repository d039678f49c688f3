//! Jira Cloud (REST API v3) and Server/Data Center (v2).

use crate::{Fake, body, day, excepted, item};
use aegis::tracker::Tracker;
use aegis::tracker::item::Item;
use aegis::tracker::jira::http::Auth;
use aegis::tracker::jira::{Jira, Settings};
use aegis::tracker::sync::{self, Outcome};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, ResponseTemplate};

const A: &str = "POAM-00000000000A";
const B: &str = "POAM-00000000000B";
const TOKEN: &str = "tok-jira-123";

fn jira(fake: &Fake, version: u8) -> Jira {
    let auth = if version == 3 {
        Auth::basic("me@example.com", TOKEN)
    } else {
        Auth::bearer(TOKEN)
    };
    Jira::new(
        Settings {
            url: fake.uri(),
            project: "SEC".into(),
            issue_type: "Task".into(),
            api_version: version,
            label: "aegis-poam".into(),
            close_transition: None,
            reopen_transition: None,
        },
        auth,
    )
    .expect("jira client")
}

fn run(j: &mut Jira, items: &[Item]) -> Outcome {
    let (o, err) = sync::run(j, items, day("2026-06-01"), false).expect("listed");
    assert!(err.is_none(), "{err:?}");
    o
}

fn mount(fake: &Fake, verb: &str, p: &str, status: u16, answer: Value) {
    fake.on(Mock::given(method(verb))
        .and(path(p))
        .respond_with(ResponseTemplate::new(status).set_body_json(answer))
        .mount(&fake.server));
}

/// The search request of the project's issues, with `more` fields.
fn search(more: Value) -> Value {
    let mut v = json!({
        "jql": "project = \"SEC\" AND labels = \"aegis-poam\" ORDER BY key ASC",
        "fields": ["summary", "status", "labels", "description"],
        "maxResults": 100
    });
    if let (Some(v), Some(more)) = (v.as_object_mut(), more.as_object()) {
        v.extend(more.clone());
    }
    v
}

/// Jira Cloud's search finds `issues`.
fn mount_found(fake: &Fake, issues: Vec<Value>) {
    mount(fake, "POST", "/rest/api/3/search/jql", 200, page(issues));
}

/// A search answer holding issues as Jira Cloud documents them.
fn page(issues: Vec<Value>) -> Value {
    json!({"issues": issues, "isLast": true})
}

/// The issue a create request made, as search returns it.
fn as_found(key: &str, create: &Value, category: &str) -> Value {
    let f = &create["fields"];
    json!({
        "id": "10001",
        "key": key,
        "self": format!("https://example.atlassian.net/rest/api/3/issue/{key}"),
        "fields": {
            "summary": f["summary"],
            "labels": f["labels"],
            "description": f["description"],
            "status": {"name": if category == "done" { "Done" } else { "To Do" },
                       "statusCategory": {"id": 2, "key": category, "name": "To Do"}},
        }
    })
}

/// Runs once against an empty project and returns the create requests.
fn created(fake: &Fake, version: u8, items: &[Item]) -> Vec<Value> {
    let search = if version == 3 {
        "/rest/api/3/search/jql"
    } else {
        "/rest/api/2/search"
    };
    let empty = if version == 3 {
        page(vec![])
    } else {
        json!({"startAt": 0, "maxResults": 100, "total": 0, "issues": []})
    };
    mount(fake, "POST", search, 200, empty);
    mount(
        fake,
        "POST",
        &format!("/rest/api/{version}/issue"),
        201,
        json!({"id": "10001", "key": "SEC-1", "self": "https://example.atlassian.net/rest/api/3/issue/10001"}),
    );
    run(&mut jira(fake, version), items);
    let made: Vec<Value> = fake
        .requests()
        .iter()
        .filter(|r| r.url.path().ends_with("/issue"))
        .map(body)
        .collect();
    fake.reset();
    made
}

#[test]
fn cloud_first_run_creates_and_second_run_writes_nothing() {
    let fake = Fake::start();
    let items = vec![item(A, "AC-2"), item(B, "AC-3")];
    mount(&fake, "POST", "/rest/api/3/search/jql", 200, page(vec![]));
    mount(
        &fake,
        "POST",
        "/rest/api/3/issue",
        201,
        json!({"id": "10001", "key": "SEC-1", "self": "https://example.atlassian.net/rest/api/3/issue/10001"}),
    );
    let o = run(&mut jira(&fake, 3), &items);
    assert_eq!(o.done, 2);
    assert_eq!(
        fake.lines(),
        [
            "POST /rest/api/3/search/jql",
            "POST /rest/api/3/issue",
            "POST /rest/api/3/issue"
        ]
    );
    let reqs = fake.requests();
    assert_eq!(body(&reqs[0]), search(json!({})));
    for r in &reqs {
        assert_eq!(
            r.headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some("Basic bWVAZXhhbXBsZS5jb206dG9rLWppcmEtMTIz")
        );
    }
    let create = body(&reqs[1]);
    insta::assert_json_snapshot!("jira_v3_create", create);
    let made: Vec<Value> = reqs[1..].iter().map(body).collect();

    // Second run: the project holds what the first run made.
    fake.reset();
    mount_found(
        &fake,
        vec![
            as_found("SEC-1", &made[0], "new"),
            as_found("SEC-2", &made[1], "indeterminate"),
        ],
    );
    let o = run(&mut jira(&fake, 3), &items);
    assert!(o.plan.steps.is_empty(), "{:?}", o.plan.steps);
    assert_eq!(o.plan.unchanged, 2);
    assert_eq!(fake.lines(), ["POST /rest/api/3/search/jql"]);
}

fn transitions() -> Value {
    json!({"expand": "transitions", "transitions": [
        {"id": "11", "name": "Start progress", "hasScreen": false,
         "to": {"name": "In Progress", "id": "3", "statusCategory": {"id": 4, "key": "indeterminate", "name": "In Progress"}}},
        {"id": "31", "name": "Resolve", "hasScreen": false,
         "to": {"name": "Done", "id": "10001", "statusCategory": {"id": 3, "key": "done", "name": "Done"}}},
    ]})
}

#[test]
fn a_closed_gap_closes_the_issue_through_a_done_transition_with_a_comment() {
    let fake = Fake::start();
    let made = created(&fake, 3, &[item(A, "AC-2"), item(B, "AC-3")]);
    mount_found(
        &fake,
        vec![
            as_found("SEC-1", &made[0], "new"),
            as_found("SEC-2", &made[1], "new"),
        ],
    );
    mount(
        &fake,
        "GET",
        "/rest/api/3/issue/SEC-1/transitions",
        200,
        transitions(),
    );
    mount(
        &fake,
        "GET",
        "/rest/api/3/issue/SEC-2/transitions",
        200,
        transitions(),
    );
    mount(
        &fake,
        "POST",
        "/rest/api/3/issue/SEC-1/comment",
        201,
        json!({"id": "100"}),
    );
    mount(
        &fake,
        "POST",
        "/rest/api/3/issue/SEC-2/comment",
        201,
        json!({"id": "101"}),
    );
    fake.on(Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/SEC-1/transitions"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&fake.server));
    fake.on(Mock::given(method("POST"))
        .and(path("/rest/api/3/issue/SEC-2/transitions"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&fake.server));
    // A's gap is closed; B is now covered by an exception.
    let o = run(&mut jira(&fake, 3), &[excepted(item(B, "AC-3"))]);
    assert_eq!(o.done, 2);
    assert_eq!(
        fake.lines(),
        [
            "POST /rest/api/3/search/jql",
            "GET /rest/api/3/issue/SEC-1/transitions",
            "POST /rest/api/3/issue/SEC-1/comment",
            "POST /rest/api/3/issue/SEC-1/transitions",
            "GET /rest/api/3/issue/SEC-2/transitions",
            "POST /rest/api/3/issue/SEC-2/comment",
            "POST /rest/api/3/issue/SEC-2/transitions",
        ]
    );
    let reqs = fake.requests();
    assert_eq!(
        body(&reqs[2]),
        json!({"body": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
            {"type": "text", "text": "Closed by Aegis: the gap is closed in the compliance repository as of 2026-06-01."}
        ]}]}})
    );
    assert_eq!(body(&reqs[3]), json!({"transition": {"id": "31"}}));
    assert_eq!(
        body(&reqs[5])["body"]["content"][0]["content"],
        json!([
            {"type": "text", "text": "Closed by Aegis: the gap is covered by exception "},
            {"type": "text", "text": "EX-7", "marks": [{"type": "code"}]},
            {"type": "text", "text": " until 2026-12-31. The issue reopens if the gap is still there when it expires."},
        ])
    );
}

#[test]
fn without_a_done_transition_the_error_says_what_to_set() {
    let fake = Fake::start();
    let made = created(&fake, 3, &[item(A, "AC-2")]);
    mount_found(&fake, vec![as_found("SEC-1", &made[0], "new")]);
    let only_start = json!({"transitions": [
        {"id": "11", "name": "Start progress",
         "to": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}}}
    ]});
    mount(
        &fake,
        "GET",
        "/rest/api/3/issue/SEC-1/transitions",
        200,
        only_start,
    );
    let (o, err) = sync::run(&mut jira(&fake, 3), &[], day("2026-06-01"), false).expect("listed");
    assert_eq!(o.done, 0);
    assert_eq!(
        err.map(|e| e.to_string()).unwrap_or_default(),
        "SEC-1: no transition to a status in the done category (available: Start progress → In Progress (indeterminate)); \
         set trackers.jira.close_transition in aegis.yaml to the name of the transition to use, or add one to the project's workflow"
    );
    // Nothing was written before the transition was known.
    assert_eq!(
        fake.lines(),
        [
            "POST /rest/api/3/search/jql",
            "GET /rest/api/3/issue/SEC-1/transitions"
        ]
    );
}

#[test]
fn an_item_back_reopens_its_issue() {
    let fake = Fake::start();
    let made = created(&fake, 3, &[item(A, "AC-2")]);
    mount_found(&fake, vec![as_found("SEC-1", &made[0], "done")]);
    let from_done = json!({"transitions": [
        {"id": "41", "name": "Reopen", "to": {"name": "To Do", "statusCategory": {"key": "new"}}}
    ]});
    mount(
        &fake,
        "GET",
        "/rest/api/3/issue/SEC-1/transitions",
        200,
        from_done,
    );
    mount(
        &fake,
        "POST",
        "/rest/api/3/issue/SEC-1/transitions",
        204,
        json!(null),
    );
    mount(
        &fake,
        "POST",
        "/rest/api/3/issue/SEC-1/comment",
        201,
        json!({"id": "1"}),
    );
    let o = run(&mut jira(&fake, 3), &[item(A, "AC-2")]);
    assert_eq!(o.done, 1);
    assert_eq!(
        fake.lines(),
        [
            "POST /rest/api/3/search/jql",
            "GET /rest/api/3/issue/SEC-1/transitions",
            "POST /rest/api/3/issue/SEC-1/transitions",
            "POST /rest/api/3/issue/SEC-1/comment",
        ]
    );
    let reqs = fake.requests();
    assert_eq!(body(&reqs[2]), json!({"transition": {"id": "41"}}));
    assert_eq!(
        aegis::tracker::jira::adf::text_of(&body(&reqs[3])["body"]).trim(),
        "Reopened by Aegis: the gap is open again in the compliance repository as of 2026-06-01."
    );
}

#[test]
fn cloud_search_follows_next_page_tokens() {
    let fake = Fake::start();
    let made = created(&fake, 3, &[item(A, "AC-2")]);
    fake.on(Mock::given(method("POST"))
        .and(path("/rest/api/3/search/jql"))
        .and(body_partial_json(json!({"nextPageToken": "page-2"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(page(vec![as_found("SEC-1", &made[0], "new")])),
        )
        .with_priority(1)
        .mount(&fake.server));
    fake.on(Mock::given(method("POST"))
        .and(path("/rest/api/3/search/jql"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"issues": [], "nextPageToken": "page-2", "isLast": false})),
        )
        .with_priority(2)
        .mount(&fake.server));
    let o = run(&mut jira(&fake, 3), &[item(A, "AC-2")]);
    assert!(o.plan.steps.is_empty());
    assert_eq!(
        fake.lines(),
        ["POST /rest/api/3/search/jql", "POST /rest/api/3/search/jql"]
    );
    assert_eq!(body(&fake.requests()[1])["nextPageToken"], "page-2");
}

#[test]
fn server_v2_searches_with_start_at_and_writes_wiki_markup() {
    let fake = Fake::start();
    let made = created(&fake, 2, &[hostile_item()]);
    assert_eq!(made.len(), 1);
    insta::assert_json_snapshot!("jira_v2_create", made[0]);
    let description = made[0]["fields"]["description"].as_str().unwrap_or("");
    assert!(
        description.contains("\\[\\~admin\\] and \\{code\\}x\\{code\\} \\*now\\*"),
        "{description}"
    );

    // Server hands the description back with Windows line ends: the
    // fingerprint still matches, so a second run writes nothing.
    let mut found = as_found("SEC-1", &made[0], "new");
    found["fields"]["description"] = json!(description.replace('\n', "\r\n"));
    mount(
        &fake,
        "POST",
        "/rest/api/2/search",
        200,
        json!({"startAt": 0, "maxResults": 100, "total": 1, "issues": [found]}),
    );
    let o = run(&mut jira(&fake, 2), &[hostile_item()]);
    assert!(o.plan.steps.is_empty(), "{:?}", o.plan.steps);
    assert_eq!(fake.lines(), ["POST /rest/api/2/search"]);
}

fn hostile_item() -> Item {
    let mut hostile = item(A, "AC-2");
    hostile.weaknesses = vec!["missing: see [~admin] and {code}x{code} *now*".into()];
    hostile
}

#[test]
fn server_v2_requests_carry_the_bearer_token() {
    let fake = Fake::start();
    mount(
        &fake,
        "POST",
        "/rest/api/2/search",
        200,
        json!({"startAt": 0, "maxResults": 100, "total": 0, "issues": []}),
    );
    mount(
        &fake,
        "POST",
        "/rest/api/2/issue",
        201,
        json!({"id": "1", "key": "SEC-1"}),
    );
    run(&mut jira(&fake, 2), &[item(A, "AC-2")]);
    let reqs = fake.requests();
    assert_eq!(body(&reqs[0]), search(json!({"startAt": 0})));
    assert_eq!(
        fake.lines(),
        ["POST /rest/api/2/search", "POST /rest/api/2/issue"]
    );
    for r in &reqs {
        assert_eq!(
            r.headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some("Bearer tok-jira-123")
        );
    }
}

#[test]
fn a_401_says_which_credentials_to_check_and_never_shows_them() {
    let fake = Fake::start();
    mount(
        &fake,
        "POST",
        "/rest/api/3/search/jql",
        401,
        json!({"errorMessages": ["You are not authenticated. Authentication required to perform this operation."], "errors": {}}),
    );
    let err = sync::run(
        &mut jira(&fake, 3),
        &[item(A, "AC-2")],
        day("2026-06-01"),
        false,
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert_eq!(
        err,
        format!(
            "POST {}/rest/api/3/search/jql failed with HTTP 401: You are not authenticated. Authentication required to perform this operation.; \
             Jira did not accept the credentials: for Jira Cloud set JIRA_EMAIL to the account's email and JIRA_API_TOKEN to an API token of that account; \
             for Server/Data Center set JIRA_TOKEN to a personal access token. Check that the token has not expired or been revoked",
            fake.uri()
        )
    );
    assert!(!err.contains(TOKEN) && !err.contains("bWVAZXhh"));
    assert!(!format!("{:?}", jira(&fake, 3)).contains(TOKEN));
}

#[test]
fn a_429_waits_for_retry_after_then_succeeds() {
    let fake = Fake::start();
    fake.on(Mock::given(method("POST"))
        .and(path("/rest/api/3/search/jql"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&fake.server));
    mount(&fake, "POST", "/rest/api/3/search/jql", 200, page(vec![]));
    let started = std::time::Instant::now();
    let issues = jira(&fake, 3).list().expect("listed after the retry");
    assert!(issues.is_empty());
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(
        fake.lines(),
        ["POST /rest/api/3/search/jql", "POST /rest/api/3/search/jql"]
    );
}
