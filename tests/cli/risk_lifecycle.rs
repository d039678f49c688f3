//! `aegis risk add|update|close|accept|show`: what each writes, that
//! `aegis validate` accepts it, what each refuses, that an update changes
//! only its own lines, and that a closed risk leaves the appetite gate.

use crate::exceptions::{aegis, read, validate};
use crate::harness::Output;
use crate::harness::{AS_OF, Aegis, copy_fixture};
use crate::snapshot;
use std::path::Path;

/// The risk register fixture: systems portal and billing on framework fw
/// (IA-1, IA-2, BK-1, LG-1), risks.
fn repo() -> tempfile::TempDir {
    copy_fixture("repos/risks")
}

/// `add` and `update` (which take no date) on the repository at `root`.
fn edit(root: &Path, args: &[&str]) -> Output {
    Aegis::new()
        .args(args)
        .args(["--repo", "."])
        .current_dir(root)
        .run()
}

/// `aegis validate` finds nothing in the repository at `root`.
pub fn passes_validation(root: &Path) {
    let v = validate(root, AS_OF);
    assert_eq!(v.code, 0, "{}", v.stdout);
    assert!(v.diagnostics().is_empty(), "{}", v.stdout);
}

/// A commented R-001, to check edits keep what they are not about.
const COMMENTED: &str = "\
# Credential stuffing: reviewed every quarter.
schema_version: 2
id: R-001
title: Credential stuffing against the customer portal
owner: security-team   # the on-call rotation
category: security
systems: [portal]
controls: [fw:IA-1, fw:IA-2]

inherent:
  likelihood: 4   # seen weekly
  impact: 4
treatment: mitigate
residual:
  likelihood: 2
  impact: 4
loss:
  frequency: {min: 0.5, most_likely: 2, max: 6}   # events a year
  magnitude: {min: 10000, most_likely: 50000, max: 400000}
# Last reviewed by the risk committee.
";

const ADD: &[&str] = &[
    "risk",
    "add",
    "--title",
    "Phishing leads to account takeover",
    "--owner",
    "@secops",
    "--likelihood",
    "4",
    "--impact",
    "3",
];

#[test]
fn add_writes_a_record_that_validates() {
    let dir = repo();
    let root = dir.path();
    let out = edit(
        root,
        &[
            ADD,
            &[
                "--system",
                "portal",
                "--control",
                "IA-2",
                "--control",
                "fw:IA-1",
                "--category",
                "security",
                "--treatment",
                "mitigate",
                "--residual-likelihood",
                "2",
                "--residual-impact",
                "3",
                "--frequency",
                "1,3,10",
                "--magnitude",
                "1000,5000,50000",
                "--description",
                "Staff follow links in mails that look like the IdP.",
            ],
        ]
        .concat(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("risk_add_stderr", out.stderr);
    // The register numbers R-001..R-004: the next is R-005.
    let text = read(root, "risks/R-005.yaml");
    assert!(text.starts_with("# yaml-language-server: $schema=../schemas/risk.schema.json\n"));
    snapshot!("risk_add_file", text);
    passes_validation(root);
    // Only the required fields, an id of one's own.
    let out = edit(root, &[ADD, &["--id", "R-100"]].concat());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = read(root, "risks/R-100.yaml");
    assert!(text.contains("treatment: mitigate\n"), "{text}");
    assert!(!text.contains("residual"), "{text}");
    passes_validation(root);
    // The new risk is in the register, with the gap engine's open gap on IA-2.
    let shown = aegis(root, &["risk", "show", "R-005", "--format", "json"]).json();
    assert_eq!(shown["risk"]["inherent"]["score"], 12);
    assert_eq!(shown["risk"]["residual"]["score"], 6);
    assert_eq!(shown["risk"]["gaps"][0]["control"], "IA-2");
}

#[test]
fn add_dry_run_shows_the_file_and_writes_nothing() {
    let dir = repo();
    let root = dir.path();
    let out = edit(root, &[ADD, &["--dry-run"]].concat());
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The new file as a diff from nothing, as every dry run shows it.
    assert!(
        out.stdout
            .starts_with("--- /dev/null\n+++ b/risks/R-005.yaml\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("\n+id: R-005\n"), "{}", out.stdout);
    assert!(
        out.stderr.contains("nothing was written (--dry-run)"),
        "{}",
        out.stderr
    );
    assert!(!root.join("risks/R-005.yaml").exists());
}

#[test]
fn add_refuses_what_validation_would_reject() {
    let dir = repo();
    let root = dir.path();
    let refused = |extra: &[&str]| {
        let out = edit(root, &[ADD, extra].concat());
        assert_eq!(out.code, 2, "{extra:?}: {}", out.stderr);
        assert!(
            !root.join("risks/R-005.yaml").exists(),
            "{extra:?} wrote a file"
        );
        out.stderr
    };
    let err = refused(&[
        "--system",
        "portl",
        "--control",
        "fw:IA-3",
        "--control",
        "fw:IA-",
    ]);
    snapshot!("risk_add_refused_references", err);
    assert!(err.contains("did you mean `portal`?"), "{err}");
    let err = refused(&["--control", "fx:IA-1"]);
    assert!(err.contains("no framework `fx`"), "{err}");
    let err = refused(&["--frequency", "5,2,1", "--magnitude", "10,5,20"]);
    snapshot!("risk_add_refused_estimates", err);
    let err = refused(&["--id", "R-002"]);
    assert!(
        err.contains("a risk `R-002` already exists (risks/R-002.yaml)"),
        "{err}"
    );
    let err = refused(&["--residual-likelihood", "2"]);
    assert!(
        err.contains("give both --residual-likelihood and --residual-impact"),
        "{err}"
    );
    // Ratings out of range are refused by the argument parser.
    for bad in ["0", "6", "x"] {
        let out = edit(
            root,
            &[
                "risk",
                "add",
                "--title",
                "t",
                "--owner",
                "o",
                "--likelihood",
                bad,
                "--impact",
                "3",
            ],
        );
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(
            out.stderr.contains("is not a rating from 1 to 5"),
            "{}",
            out.stderr
        );
    }
    let out = edit(root, &["risk", "add", "--likelihood", "2", "--impact", "2"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("give --title: a new risk needs a title"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("give --owner"), "{}", out.stderr);
    let out = edit(
        root,
        &[
            "risk",
            "add",
            "--title",
            " ",
            "--owner",
            "o",
            "--likelihood",
            "2",
            "--impact",
            "2",
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("a title is empty"), "{}", out.stderr);
    let out = edit(root, &[ADD, &["--frequency", "1,2"]].concat());
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("is not MIN,MOST_LIKELY,MAX"),
        "{}",
        out.stderr
    );
    passes_validation(root);
}

#[test]
fn update_changes_only_its_own_lines() {
    let dir = repo();
    let root = dir.path();
    std::fs::write(root.join("risks/R-001.yaml"), COMMENTED).expect("write");
    let args = [
        "risk",
        "update",
        "R-001",
        "--owner",
        "@appsec",
        "--likelihood",
        "3",
        "--add-control",
        "BK-1",
        "--frequency",
        "0.5,2,8",
        "--residual-impact",
        "3",
        "--reduced-by",
        "fw:IA-2:0.6",
        "--reduced-by",
        "fw:IA-1:0.25:0.5",
    ];
    let out = edit(root, &args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("risk_update_stderr", out.stderr);
    let after = read(root, "risks/R-001.yaml");
    snapshot!("risk_update_file", after);
    // Every line not about a changed field is as it was, comments included.
    let changed = [
        "owner:",
        "controls:",
        "  likelihood: 4",
        "  frequency:",
        "  impact: 4",
    ];
    for line in COMMENTED.lines() {
        if changed.iter().any(|c| line.starts_with(c)) {
            continue;
        }
        assert!(after.lines().any(|l| l == line), "lost {line:?}:\n{after}");
    }
    assert!(
        after.contains("owner: \"@appsec\"   # the on-call rotation\n"),
        "{after}"
    );
    assert!(
        after.contains("  likelihood: 3   # seen weekly\n"),
        "{after}"
    );
    assert!(
        after.contains("  frequency: {min: 0.5, most_likely: 2, max: 8}   # events a year\n"),
        "{after}"
    );
    passes_validation(root);
    // The same update again: nothing to change, nothing written.
    let before = std::fs::metadata(root.join("risks/R-001.yaml")).and_then(|m| m.modified());
    let again = edit(root, &args);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.starts_with("nothing to change"),
        "{}",
        again.stderr
    );
    assert_eq!(read(root, "risks/R-001.yaml"), after);
    let later = std::fs::metadata(root.join("risks/R-001.yaml")).and_then(|m| m.modified());
    assert_eq!(before.ok(), later.ok(), "the file was rewritten");
    // Dropping a reduction and a control.
    let out = edit(
        root,
        &[
            "risk",
            "update",
            "R-001",
            "--remove-reduced-by",
            "IA-1",
            "--remove-control",
            "fw:BK-1",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = read(root, "risks/R-001.yaml");
    assert!(text.contains("controls: [fw:IA-1, fw:IA-2]\n"), "{text}");
    assert!(!text.contains("control: fw:IA-1"), "{text}");
    assert!(text.contains("control: fw:IA-2"), "{text}");
    passes_validation(root);
}

#[test]
fn update_dry_run_and_refusals_write_nothing() {
    let dir = repo();
    let root = dir.path();
    let original = read(root, "risks/R-003.yaml");
    let out = edit(
        root,
        &["risk", "update", "R-003", "--impact", "4", "--dry-run"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("inherent.impact: 5 -> 4"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout
            .starts_with("--- a/risks/R-003.yaml\n+++ b/risks/R-003.yaml\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("inherent score: 10 -> 8"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("nothing was written (--dry-run)"),
        "{}",
        out.stderr
    );
    for (args, says) in [
        (&["--system", "bill"][..], "did you mean `billing`?"),
        (&["--add-control", "fw:BK-2"][..], "did you mean"),
        (
            &["--remove-control", "fw:IA-1"][..],
            "does not name control `fw:IA-1`",
        ),
        (&["--reduced-by", "fw:BK-1:1.5"][..], "not between 0 and 1"),
        (
            &["--reduced-by", "fw:BK-1"][..],
            "CONTROL:FREQUENCY_FRACTION",
        ),
        (
            &["--magnitude", "9,5,1"][..],
            "`min` is above `most_likely`",
        ),
    ] {
        let out = edit(root, &[&["risk", "update", "R-003"][..], args].concat());
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
    }
    let out = edit(root, &["risk", "update", "R-03", "--impact", "4"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `R-003`?"),
        "{}",
        out.stderr
    );
    assert_eq!(read(root, "risks/R-003.yaml"), original);
}

#[test]
fn update_refuses_a_version_1_file() {
    let dir = copy_fixture("bad/schema-outdated");
    let root = dir.path();
    let original = read(root, "risks/R-1.yaml");
    let out = edit(root, &["risk", "update", "R-1", "--impact", "3"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("run `aegis migrate` first"),
        "{}",
        out.stderr
    );
    assert_eq!(read(root, "risks/R-1.yaml"), original);
}

#[test]
fn accept_records_the_approver_and_review_date() {
    let dir = repo();
    let root = dir.path();
    let args = [
        "risk",
        "accept",
        "R-004",
        "--approver",
        "@cfo",
        "--until",
        "2027-01-31",
    ];
    let out = aegis(root, &args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("risk_accept_stderr", out.stderr);
    snapshot!("risk_accept_file", read(root, "risks/R-004.yaml"));
    passes_validation(root);
    let again = aegis(root, &args);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.starts_with("nothing to change"),
        "{}",
        again.stderr
    );
    let out = aegis(
        root,
        &[
            "risk",
            "accept",
            "R-003",
            "--approver",
            "@cfo",
            "--until",
            AS_OF,
        ],
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("is not after today"), "{}", out.stderr);
}

/// `aegis` on the repository at `root`, judged as of `day`.
fn on(root: &Path, day: &str, args: &[&str]) -> Output {
    Aegis::new()
        .args(args)
        .args(["--repo", ".", "--as-of", day])
        .current_dir(root)
        .run()
}

#[test]
fn an_acceptance_past_its_until_date_is_no_longer_accepted() {
    let dir = repo();
    let root = dir.path();
    let accept = |day: &str, until: &str| {
        let out = on(
            root,
            day,
            &[
                "risk",
                "accept",
                "R-004",
                "--approver",
                "@cfo",
                "--until",
                until,
            ],
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
    };
    accept(AS_OF, "2026-06-20");
    let codes = |day: &str| validate(root, day).codes();
    // Within the 30-day window: a warning, the gate still passes.
    assert_eq!(codes(AS_OF), ["risk-acceptance-expiring"]);
    // On its `until` day it still holds; the day after, it has lapsed.
    assert_eq!(codes("2026-06-20"), ["risk-acceptance-expiring"]);
    assert_eq!(codes("2026-06-21"), ["risk-acceptance-expired"]);
    let check = on(root, "2026-06-21", &["check"]);
    assert_eq!(check.code, 1, "{}", check.stdout);
    assert!(
        check.stdout.contains("error[risk-acceptance-expired]")
            && check.stdout.contains("risks/R-004.yaml"),
        "{}",
        check.stdout
    );
    let list = on(root, "2026-06-21", &["risk", "list"]);
    let row = list
        .stdout
        .lines()
        .find(|l| l.starts_with("R-004"))
        .unwrap_or_default();
    assert!(row.contains("accept (expired)"), "{}", list.stdout);
    let json = on(root, "2026-06-21", &["risk", "list", "--format", "json"]).json();
    let r4 = json["risks"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["id"] == "R-004"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(r4["acceptance_expired"], true, "{json}");
    assert_eq!(r4["treatment"], "accept");
    let show = on(root, "2026-06-21", &["risk", "show", "R-004"]);
    assert!(
        show.stdout
            .contains("accepted     by @cfo on 2026-06-01, until 2026-06-20 (expired)"),
        "{}",
        show.stdout
    );
    // Not yet lapsed: no mark.
    let before = on(
        root,
        "2026-06-20",
        &["risk", "show", "R-004", "--format", "json"],
    )
    .json();
    assert_eq!(before["risk"]["acceptance"]["expired"], false);
    // The approver accepts it again: the warning window starts over.
    accept("2026-06-21", "2026-12-31");
    assert!(codes("2026-06-21").is_empty());
    assert_eq!(codes("2026-12-01"), ["risk-acceptance-expiring"]);
    // The window is configurable; 0 switches the warning off.
    let config = read(root, "aegis.yaml");
    let config = if config.contains("\nrisk:\n") {
        config.replace("\nrisk:\n", "\nrisk:\n  acceptance_warn_days: 0\n")
    } else {
        format!("{config}risk:\n  acceptance_warn_days: 0\n")
    };
    std::fs::write(root.join("aegis.yaml"), config).expect("write aegis.yaml");
    assert!(codes("2026-12-01").is_empty());
    assert_eq!(codes("2027-01-01"), ["risk-acceptance-expired"]);
    // A closed risk's acceptance is history.
    let close = on(
        root,
        "2027-01-01",
        &["risk", "close", "R-004", "--reason", "Retired"],
    );
    assert_eq!(close.code, 0, "{}", close.stderr);
    assert!(codes("2027-01-01").is_empty());
}

#[test]
fn close_keeps_the_record_and_leaves_the_register() {
    let dir = repo();
    let root = dir.path();
    let out = aegis(
        root,
        &[
            "risk",
            "close",
            "R-002",
            "--reason",
            "Logs go to the SIEM now",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("risk_close_stderr", out.stderr);
    let text = read(root, "risks/R-002.yaml");
    assert!(
        text.ends_with(
            "status: closed\nclosed: 2026-06-01\nclosed_reason: Logs go to the SIEM now\n"
        ),
        "{text}"
    );
    passes_validation(root);
    let ids = |args: &[&str]| -> Vec<String> {
        let json = aegis(
            root,
            &[&["risk", "list", "--format", "json"][..], args].concat(),
        )
        .json();
        json["risks"]
            .as_array()
            .expect("risks")
            .iter()
            .map(|r| r["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(ids(&[]), ["R-001", "R-003", "R-004"]);
    assert_eq!(ids(&["--all"]), ["R-002", "R-001", "R-003", "R-004"]);
    let heat = aegis(root, &["risk", "heatmap", "--color", "never"]);
    assert!(!heat.stdout.contains("R-002"), "{}", heat.stdout);
    let shown = aegis(root, &["risk", "show", "R-002"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert!(
        shown
            .stdout
            .contains("status       closed on 2026-06-01: Logs go to the SIEM now"),
        "{}",
        shown.stdout
    );
    let again = aegis(root, &["risk", "close", "R-002", "--reason", "again"]);
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("already closed (on 2026-06-01)"),
        "{}",
        again.stderr
    );
    let accept = aegis(root, &["risk", "accept", "R-002", "--approver", "@cfo"]);
    assert_eq!(accept.code, 2);
    assert!(
        accept.stderr.contains("a closed risk is not accepted"),
        "{}",
        accept.stderr
    );
}

#[test]
fn a_closed_risk_leaves_the_appetite_gate() {
    let dir = copy_fixture("bad/risk-appetite");
    let root = dir.path();
    std::fs::remove_file(root.join("expect.json")).expect("rm");
    let check = || {
        Aegis::new()
            .args(["check", ".", "--as-of", AS_OF, "--color", "never"])
            .current_dir(root)
            .run()
    };
    let before = check();
    assert_eq!(before.code, 1, "{}", before.stdout);
    assert!(before.stdout.contains("risk-appetite"), "{}", before.stdout);
    // Lowering the rating in place is one way out ...
    let out = edit(
        root,
        &[
            "risk",
            "update",
            "R-1",
            "--residual-likelihood",
            "3",
            "--dry-run",
        ],
    );
    assert!(
        out.stderr.contains("residual score: 16 -> 12"),
        "{}",
        out.stderr
    );
    // ... closing the risk is another.
    let out = aegis(
        root,
        &[
            "risk",
            "close",
            "R-1",
            "--reason",
            "The admin console was retired",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let after = check();
    assert_eq!(after.code, 0, "{}", after.stdout);
    assert!(!after.stdout.contains("risk-appetite"), "{}", after.stdout);
}

#[test]
fn show_gives_scores_controls_gaps_and_reductions() {
    let dir = repo();
    let root = dir.path();
    let out = edit(
        root,
        &["risk", "update", "R-001", "--reduced-by", "fw:IA-2:0.6"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = aegis(root, &["risk", "show", "R-001"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("risk_show_human", out.stdout);
    let json = aegis(root, &["risk", "show", "R-001", "--format", "json"]).json();
    assert_eq!(json["risk"]["reduced_by"][0]["frequency"], 0.6);
    assert_eq!(json["risk"]["controls"][1]["control"], "fw:IA-2");
    assert_eq!(json["risk"]["gaps"].as_array().map(Vec::len), Some(1));
    let missing = aegis(root, &["risk", "show", "R-01"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("did you mean `R-001`?"),
        "{}",
        missing.stderr
    );
}

#[test]
fn a_closed_risk_is_not_simulated_nor_in_the_risk_report() {
    let dir = repo();
    let root = dir.path();
    let simulated = |root: &Path| {
        aegis(
            root,
            &[
                "risk",
                "simulate",
                "--iterations",
                "1000",
                "--format",
                "json",
            ],
        )
    };
    let before = simulated(root);
    assert_eq!(before.code, 0, "{}", before.stderr);
    assert!(before.stdout.contains("\"R-001\""), "{}", before.stdout);
    let out = aegis(
        root,
        &[
            "risk",
            "close",
            "R-001",
            "--reason",
            "The portal was retired",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let after = simulated(root);
    assert_eq!(after.code, 0, "{}", after.stderr);
    assert!(!after.stdout.contains("\"R-001\""), "{}", after.stdout);
    let report = Aegis::new()
        .args(["report", "risks", "--format", "markdown", "--as-of", AS_OF])
        .current_dir(root)
        .run();
    assert_eq!(report.code, 0, "{}", report.stderr);
    assert!(report.stdout.contains("R-003"), "{}", report.stdout);
    assert!(!report.stdout.contains("R-001"), "{}", report.stdout);
}
