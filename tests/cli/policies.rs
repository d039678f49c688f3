//! `aegis policy new|list|status|bump`: the new policy validates, status
//! reads the approvals ledger, and a bump edits the front matter only.

use crate::exceptions::{aegis, read, validate};
use crate::harness::{AS_OF, copy_fixture};
use crate::snapshot;
use std::path::Path;

/// `access-control` at 1.1, whose approval (of 1.0) no longer matches its text.
fn repo() -> tempfile::TempDir {
    let dir = copy_fixture("bad/policy-unapproved");
    std::fs::remove_file(dir.path().join("expect.json")).expect("rm");
    dir
}

fn codes(root: &Path) -> Vec<String> {
    validate(root, AS_OF).codes()
}

#[test]
fn new_writes_a_draft_that_validates() {
    let dir = repo();
    let root = dir.path();
    let before = codes(root);
    let out = aegis(
        root,
        &[
            "policy",
            "new",
            "vendor-management",
            "--title",
            "Vendor management policy",
            "--owner",
            "@grc",
            "--approver",
            "@ciso",
            "--approver",
            "@grc",
            "--control",
            "C-2",
            "--review-interval",
            "6mo",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("policy_new_stderr", out.stderr);
    snapshot!(
        "policy_new_file",
        read(root, "policies/vendor-management.md")
    );
    // Only what was there before: a draft is not yet asked to be approved.
    assert_eq!(codes(root), before);
    let again = aegis(
        root,
        &[
            "policy",
            "new",
            "vendor-management",
            "--title",
            "T",
            "--owner",
            "@x",
            "--control",
            "C-9",
        ],
    );
    assert_eq!(again.code, 2);
    snapshot!("policy_new_refused", again.stderr);
}

#[test]
fn list_and_status_read_the_ledger() {
    let dir = repo();
    let root = dir.path();
    let out = aegis(root, &["policy", "list"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("policy_list_human", out.stdout);
    let out = aegis(root, &["policy", "status", "access-control"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("policy_status_human", out.stdout);
    let out = aegis(root, &["policy", "status", "--format", "json"]);
    snapshot!("policy_status_json", out.stdout);
    let j = out.json();
    assert_eq!(j[0]["approved"], false);
    assert_eq!(j[0]["last_approval"]["version"], "1.0");
    assert_eq!(j[0]["next_review"], "2027-01-10");
    let out = aegis(root, &["policy", "status", "access-contrl"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `access-control`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn bump_changes_the_version_and_changelog_and_leaves_the_body() {
    let dir = repo();
    let root = dir.path();
    let rel = "policies/access-control.md";
    // A body with what a careless editor would change: CRLF-free trailing
    // spaces, a thematic break and a second `---` block.
    let original = read(root, rel) + "\n---\n\nkey: not front matter   \n";
    std::fs::write(root.join(rel), &original).expect("write");
    let split = |t: &str| -> (String, String) {
        let end = t[4..].find("\n---\n").expect("closing marker") + 4 + 5;
        (t[..end].to_string(), t[end..].to_string())
    };
    let (front, body) = split(&original);
    let out = aegis(
        root,
        &[
            "policy",
            "bump",
            "access-control",
            "--note",
            "Contractors: access ends with the contract.",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("policy_bump_stderr", out.stderr);
    let after = read(root, rel);
    let (new_front, new_body) = split(&after);
    assert_eq!(new_body, body);
    assert_eq!(
        new_front,
        front.replace("version: \"1.1\"", "version: \"1.2\"").replace(
            "review_every: 1y\n",
            "review_every: 1y\nchangelog:\n- version: \"1.2\"\n  date: \"2026-06-01\"\n  note: \"Contractors: access ends with the contract.\"\n"
        )
    );
    assert_eq!(codes(root), ["policy-unapproved"]);
    for (flag, want) in [("--major", "2.0"), ("--patch", "2.0.1")] {
        let out = aegis(
            root,
            &["policy", "bump", "access-control", flag, "--note", "x"],
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(read(root, rel).contains(&format!("version: \"{want}\"\n")));
    }
    let (_, body_now) = split(&read(root, rel));
    assert_eq!(body_now, body);
    // A version that is not numbers is left to a person.
    let text = read(root, rel).replace("version: \"2.0.1\"", "version: v2-draft");
    std::fs::write(root.join(rel), &text).expect("write");
    let out = aegis(root, &["policy", "bump", "access-control", "--note", "x"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("set the new version by hand"),
        "{}",
        out.stderr
    );
    assert_eq!(read(root, rel), text);
    let out = aegis(
        root,
        &[
            "policy",
            "bump",
            "access-control",
            "--major",
            "--minor",
            "--note",
            "x",
        ],
    );
    assert_eq!(out.code, 2);
}
