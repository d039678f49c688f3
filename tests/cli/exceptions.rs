//! `aegis exceptions add|list|renew|close`: what each writes, that
//! `aegis validate` accepts it, that renew and close change only their
//! own lines, and what the gap engine makes of the result.

use crate::harness::{AS_OF, Aegis, Output, copy_fixture};
use crate::snapshot;
use std::path::Path;

/// A repository with system `app` on framework `fw` (C-1, C-2) and no exceptions.
fn repo() -> tempfile::TempDir {
    let dir = copy_fixture("bad/exception-expired");
    std::fs::remove_file(dir.path().join("expect.json")).expect("rm");
    std::fs::remove_file(dir.path().join("exceptions/EX-1.yaml")).expect("rm");
    dir
}

/// A lifecycle command (`exceptions`, `policy`) run on the repository at `root`, as of AS_OF.
pub fn aegis(root: &Path, args: &[&str]) -> Output {
    Aegis::new()
        .args(args)
        .args(["--repo", ".", "--as-of", AS_OF])
        .current_dir(root)
        .run()
}

/// `aegis validate --format json` on the repository at `root`.
pub fn validate(root: &Path, as_of: &str) -> Output {
    Aegis::new()
        .args(["validate", ".", "--format", "json", "--as-of", as_of])
        .current_dir(root)
        .run()
}

pub fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).expect(rel)
}

const ADD: &[&str] = &[
    "exceptions",
    "add",
    "--control",
    "C-2",
    "--system",
    "app",
    "--justification",
    "The replacement system goes live in the autumn.",
    "--approver",
    "@security-lead",
    "--expires",
    "2026-10-31",
];

#[test]
fn add_writes_a_record_that_validates() {
    let dir = repo();
    let root = dir.path();
    let out = aegis(root, ADD);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("exceptions_add_stderr", out.stderr);
    let text = read(root, "exceptions/EX-001.yaml");
    snapshot!("exceptions_add_file", text);
    let v = validate(root, AS_OF);
    assert_eq!(v.code, 0, "{}", v.stdout);
    assert!(v.diagnostics().is_empty(), "{}", v.stdout);
    // The next one gets the next number, and all the optional fields.
    let out = aegis(
        root,
        &[
            ADD,
            &[
                "--control",
                "fw:C-1",
                "--title",
                "Legacy login",
                "--scope",
                "the admin console",
                "--risk-rating",
                "high",
                "--compensating",
                "C-1",
                "--granted",
                "2026-05-20",
            ],
        ]
        .concat(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = read(root, "exceptions/EX-002.yaml");
    assert!(text.contains("controls:\n- fw:C-2\n- fw:C-1\n"), "{text}");
    assert!(
        text.contains("compensating_controls:\n- fw:C-1\n"),
        "{text}"
    );
    assert!(text.contains("risk_rating: high\n"), "{text}");
    assert!(text.contains("granted: 2026-05-20\n"), "{text}");
    let v = validate(root, AS_OF);
    assert!(v.diagnostics().is_empty(), "{}", v.stdout);
}

#[test]
fn add_refuses_unknown_references_and_bad_dates_with_hints() {
    let dir = repo();
    let root = dir.path();
    let out = aegis(
        root,
        &[
            "exceptions",
            "add",
            "--control",
            "C-3",
            "--control",
            "fx:C-1",
            "--system",
            "ap",
            "--justification",
            " ",
            "--approver",
            "@lead",
            "--expires",
            "2027-07-01",
            "--risk",
            "R-9",
            "--id",
            "../escape",
        ],
    );
    assert_eq!(out.code, 2);
    snapshot!("exceptions_add_refused", out.stderr);
    assert!(!root.join("exceptions/EX-001.yaml").exists());
    assert_eq!(
        std::fs::read_dir(root.join("exceptions"))
            .expect("dir")
            .count(),
        0
    );
    // An expiry in the past, and one beyond the repository's own maximum.
    let out = aegis(root, &[&ADD[..ADD.len() - 1], &["2026-05-31"]].concat());
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("the expiry 2026-05-31 is not after today (2026-06-01)"),
        "{}",
        out.stderr
    );
    let config = read(root, "aegis.yaml") + "exceptions:\n  max_duration: 90d\n";
    std::fs::write(root.join("aegis.yaml"), config).expect("write");
    let out = aegis(root, ADD);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("is more than 90d after 2026-06-01 (the latest allowed is 2026-08-30)"),
        "{}",
        out.stderr
    );
    // An existing id is not overwritten.
    let ok = aegis(
        root,
        &[&ADD[..ADD.len() - 1], &["2026-08-01", "--id", "EX-7"]].concat(),
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let again = aegis(
        root,
        &[&ADD[..ADD.len() - 1], &["2026-08-01", "--id", "EX-7"]].concat(),
    );
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("an exception `EX-7` already exists"));
}

/// An expired, an expiring, an active, a closed exception.
fn several(root: &Path) {
    let add = |id: &str, control: &str, expires: &str| {
        let out = aegis(
            root,
            &[
                &ADD[..3],
                &[control],
                &ADD[4..ADD.len() - 1],
                &[expires, "--id", id],
            ]
            .concat(),
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
    };
    add("EX-1", "C-1", "2026-06-15");
    add("EX-2", "C-2", "2026-11-30");
    add("EX-3", "C-1", "2026-09-01");
    let out = aegis(root, &["exceptions", "close", "EX-3"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    std::fs::write(
        root.join("exceptions/EX-0.yaml"),
        "schema_version: 1\nid: EX-0\ncontrols: [fw:C-2]\nsystem: app\njustification: Old.\nrisk_rating: low\napprover: \"@lead\"\ngranted: 2025-11-01\nexpires: 2026-04-30\n",
    )
    .expect("write");
}

#[test]
fn list_shows_days_left_and_status_and_filters() {
    let dir = repo();
    let root = dir.path();
    several(root);
    let out = aegis(root, &["exceptions", "list"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("exceptions_list_human", out.stdout);
    let out = aegis(root, &["exceptions", "list", "--format", "json"]);
    snapshot!("exceptions_list_json", out.stdout);
    let out = aegis(
        root,
        &[
            "exceptions",
            "list",
            "--status",
            "expiring",
            "--format",
            "json",
        ],
    );
    let ids: Vec<String> = out
        .json()
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ids, ["EX-1"]);
    let out = aegis(root, &["exceptions", "list", "--system", "nope"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no system `nope`"), "{}", out.stderr);
}

/// Hand-written, with comments, quoting and a block scalar.
const HAND: &str = "\
# yaml-language-server: $schema=../schemas/exception.schema.json
schema_version: 1
id: EX-1   # from the 2025 audit
controls: [fw:C-2]
system: app
justification: >-
  The replacement system goes
  live in the spring.
risk_rating: moderate
approver: \"@security-lead\"  # the CISO's delegate
granted: 2025-11-01
expires: 2026-04-30  # first grant

# Reviewed at the quarterly risk meeting.
";

#[test]
fn renew_changes_only_its_lines_and_keeps_the_history() {
    let dir = repo();
    let root = dir.path();
    std::fs::write(root.join("exceptions/EX-1.yaml"), HAND).expect("write");
    let v = validate(root, AS_OF);
    assert_eq!(v.codes(), ["exception-expired"]);
    let out = aegis(
        root,
        &[
            "exceptions",
            "renew",
            "EX-1",
            "--expires",
            "2026-12-31",
            "--approver",
            "@ciso",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("exceptions_renew_stderr", out.stderr);
    let want = HAND
        .replace(
            "approver: \"@security-lead\"  # the CISO's delegate",
            "approver: \"@ciso\"  # the CISO's delegate",
        )
        .replace(
            "expires: 2026-04-30  # first grant\n",
            "expires: 2026-12-31  # first grant\nrenewals:\n- renewed: \"2026-06-01\"\n  approver: \"@ciso\"\n  previous_expires: \"2026-04-30\"\n  expires: \"2026-12-31\"\n  previous_approver: \"@security-lead\"\n",
        );
    assert_eq!(read(root, "exceptions/EX-1.yaml"), want);
    let v = validate(root, AS_OF);
    assert!(v.diagnostics().is_empty(), "{}", v.stdout);
    // A second renewal, with a new justification, appends to the history.
    let out = aegis(
        root,
        &[
            "exceptions",
            "renew",
            "EX-1",
            "--expires",
            "2027-03-31",
            "--approver",
            "@ciso",
            "--justification",
            "Phase two slipped.",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = read(root, "exceptions/EX-1.yaml");
    assert!(
        text.contains("justification: Phase two slipped.\nrisk_rating"),
        "{text}"
    );
    assert!(
        text.contains("- renewed: \"2026-06-01\"\n  approver: \"@ciso\"\n  previous_expires: \"2026-12-31\"\n  expires: \"2027-03-31\"\n  previous_justification: The replacement system goes live in the spring.\n"),
        "{text}"
    );
    assert!(text.ends_with("\n# Reviewed at the quarterly risk meeting.\n"));
    assert!(validate(root, AS_OF).diagnostics().is_empty());
    // Not shorter than now, not past the maximum, not unknown.
    for (args, says) in [
        (
            vec!["EX-1", "--expires", "2027-01-01"],
            "is not after the current one",
        ),
        (
            vec!["EX-1", "--expires", "2027-07-01"],
            "the latest allowed is 2027-06-01",
        ),
        (
            vec!["EX-9", "--expires", "2027-01-01"],
            "no exception `EX-9`",
        ),
    ] {
        let out = aegis(
            root,
            &[
                &["exceptions", "renew"],
                &args[..],
                &["--approver", "@ciso"],
            ]
            .concat(),
        );
        assert_eq!(out.code, 2, "{args:?}");
        assert!(out.stderr.contains(says), "{}", out.stderr);
    }
}

#[test]
fn close_keeps_the_record_and_it_waives_nothing_any_more() {
    let dir = repo();
    let root = dir.path();
    std::fs::write(
        root.join("exceptions/EX-1.yaml"),
        HAND.replace("2026-04-30", "2026-12-31"),
    )
    .expect("write");
    let gaps = |root: &Path| {
        Aegis::new()
            .args(["gaps", "--repo", ".", "--format", "json", "--as-of", AS_OF])
            .current_dir(root)
            .run()
            .json()
    };
    let j = gaps(root);
    assert_eq!(
        j["systems"][0]["baselines"][0]["excepted"][0]["exceptions"],
        serde_json::json!(["EX-1"]),
        "{j}"
    );
    let out = aegis(
        root,
        &[
            "exceptions",
            "close",
            "EX-1",
            "--reason",
            "Replaced: the new system is live.",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("exceptions_close_stderr", out.stderr);
    let want = HAND.replace("2026-04-30", "2026-12-31").replace(
        "# first grant\n",
        "# first grant\nclosed: 2026-06-01\nclosed_reason: \"Replaced: the new system is live.\"\n",
    );
    assert_eq!(read(root, "exceptions/EX-1.yaml"), want);
    assert!(validate(root, AS_OF).diagnostics().is_empty());
    // C-2 is a gap again, and the closed exception is not expired later either.
    let j = gaps(root);
    let fw = &j["systems"][0]["baselines"][0];
    assert!(fw["excepted"].as_array().is_none_or(Vec::is_empty), "{j}");
    assert!(
        fw["gaps"]
            .as_array()
            .expect("gaps")
            .iter()
            .any(|g| g["control"] == "C-2"),
        "{j}"
    );
    assert!(validate(root, "2027-02-01").diagnostics().is_empty());
    let again = aegis(root, &["exceptions", "close", "EX-1"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already closed on 2026-06-01"));
    let renew = aegis(
        root,
        &[
            "exceptions",
            "renew",
            "EX-1",
            "--expires",
            "2027-01-31",
            "--approver",
            "@x",
        ],
    );
    assert_eq!(renew.code, 2);
    assert!(renew.stderr.contains("was closed on 2026-06-01"));
}

#[test]
fn expiring_and_unused_exceptions_are_warnings() {
    let dir = repo();
    let root = dir.path();
    several(root);
    let v = validate(root, AS_OF);
    let got: Vec<(String, String)> = v
        .diagnostics()
        .into_iter()
        .map(|d| (d.code, d.file))
        .collect();
    assert_eq!(
        got,
        [
            (
                "exception-expired".to_string(),
                "exceptions/EX-0.yaml".to_string()
            ),
            (
                "exception-expiring".to_string(),
                "exceptions/EX-1.yaml".to_string()
            ),
        ]
    );
    // The window comes from aegis.yaml.
    let config = read(root, "aegis.yaml") + "exceptions:\n  warn_days: 7\n";
    std::fs::write(root.join("aegis.yaml"), config).expect("write");
    assert_eq!(validate(root, AS_OF).codes(), ["exception-expired"]);
    // C-1 does not apply: EX-1's waiver of it is unused (check only).
    std::fs::create_dir_all(root.join("implementations/app")).expect("mkdir");
    std::fs::write(
        root.join("implementations/app/C-1.yaml"),
        "schema_version: 1\ncontrol: C-1\nstatus: not-applicable\njustification: No logins.\n",
    )
    .expect("write");
    std::fs::remove_file(root.join("exceptions/EX-0.yaml")).expect("rm");
    let check = Aegis::new()
        .args(["check", ".", "--format", "json", "--as-of", AS_OF])
        .current_dir(root)
        .run();
    let unused: Vec<String> = check
        .diagnostics()
        .into_iter()
        .filter(|d| d.code == "exception-unused")
        .map(|d| format!("{}:{} {}", d.file, d.line, d.message))
        .collect();
    assert_eq!(
        unused,
        [
            "exceptions/EX-1.yaml:5 exception `EX-1` waives `fw:C-1` in system `app`, which has no gap there to waive"
        ]
    );
}
