//! `aegis implementation add|list|set|review`: what each writes, that
//! `aegis validate` accepts it, that set and review change only their own
//! lines, and that refusals and dry runs write nothing.

use crate::exceptions::{aegis, read, validate};
use crate::harness::{AS_OF, copy_fixture};
use crate::snapshot;
use std::collections::BTreeMap;
use std::path::Path;

/// Systems `app` and `platform` on framework `fw` (C-1, C-2, C-2(1) with
/// catalog id c-2.1, C-3 with a parameter, withdrawn C-4); `app` records
/// C-1 (with comments) and C-2 (not-applicable).
fn repo() -> tempfile::TempDir {
    copy_fixture("repos/implementations")
}

/// Every file of the repository and its bytes: what "writes nothing" compares.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).expect("inside").display().to_string();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

fn assert_clean(root: &Path) {
    let v = validate(root, AS_OF);
    assert_eq!(v.code, 0, "{}", v.stdout);
    assert!(v.diagnostics().is_empty(), "{}", v.stdout);
}

#[test]
fn add_writes_a_record_that_validates() {
    let dir = repo();
    let root = dir.path();
    // A loose spelling of C-2(1) resolves; the file is named as the importers name it.
    let out = aegis(
        root,
        &[
            "implementation",
            "add",
            "C-02(01)",
            "--system",
            "app",
            "--status",
            "partial",
            "--owner",
            "@identity-team",
            "--statement",
            "Accounts are created and removed by the identity provider.",
            "--evidence",
            "access-review",
            "--policy",
            "access-control",
            "--review-every",
            "1y",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("implementation_add_stderr", out.stderr);
    snapshot!(
        "implementation_add_file",
        read(root, "implementations/app/C-2(1).yaml")
    );
    assert_clean(root);

    // The alias, a statement from a file, a parameter, inheritance.
    std::fs::write(
        root.join("statement.md"),
        "Screens lock after 15 minutes.\n\nSet by the **device policy**.\n",
    )
    .expect("write");
    let out = aegis(
        root,
        &[
            "impl",
            "add",
            "fw:c-3",
            "--system",
            "platform",
            "--status",
            "implemented",
            "--statement-file",
            "statement.md",
            "--param",
            "c-3_prm_1=15 minutes",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    std::fs::remove_file(root.join("statement.md")).expect("rm");
    snapshot!(
        "implementation_add_statement_file",
        read(root, "implementations/platform/C-3.yaml")
    );
    let out = aegis(
        root,
        &[
            "impl",
            "add",
            "C-3",
            "--system",
            "app",
            "--status",
            "inherited",
            "--inherited-from",
            "platform",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        read(root, "implementations/app/C-3.yaml"),
        "# yaml-language-server: $schema=../../schemas/implementation.schema.json\n\
         schema_version: 1\ncontrol: fw:C-3\nstatus: inherited\ninherited_from: platform\n"
    );
    assert_clean(root);
}

#[test]
fn add_refuses_what_validation_would_reject_and_writes_nothing() {
    let dir = repo();
    let root = dir.path();
    let before = tree(root);
    let cases: &[(&str, &[&str])] = &[
        (
            "unknown system",
            &["C-3", "--system", "billing", "--status", "planned"],
        ),
        (
            "near system",
            &["C-3", "--system", "ap", "--status", "planned"],
        ),
        (
            "unknown control",
            &["C-33", "--system", "app", "--status", "planned"],
        ),
        (
            "withdrawn control",
            &["C-4", "--system", "app", "--status", "planned"],
        ),
        (
            "exists",
            &["fw:C-1", "--system", "app", "--status", "planned"],
        ),
        (
            "not-applicable without justification",
            &["C-3", "--system", "app", "--status", "not-applicable"],
        ),
        (
            "inherited from nowhere",
            &["C-3", "--system", "app", "--status", "inherited"],
        ),
        (
            "unknown references",
            &[
                "C-3",
                "--system",
                "app",
                "--status",
                "implemented",
                "--evidence",
                "acess-review",
                "--policy",
                "backup",
                "--param",
                "c-3_prm=5",
                "--inherited-from",
                "app",
            ],
        ),
    ];
    let mut all = String::new();
    for (name, args) in cases {
        let out = aegis(root, &[&["implementation", "add"][..], args].concat());
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        all.push_str(&format!("## {name}\n{}\n", out.stderr));
    }
    snapshot!("implementation_add_refusals", all);
    assert!(all.contains("(known: app, platform)"), "{all}");
    assert!(
        all.contains("control `C-33` is in no framework (looked in `fw`); did you mean `C-3`?"),
        "{all}"
    );
    assert!(
        all.contains("aegis implementation set fw:C-1 --system app"),
        "{all}"
    );
    assert!(all.contains("did you mean `access-review`?"), "{all}");
    assert_eq!(tree(root), before, "a refused add wrote something");
}

#[test]
fn list_shows_status_owner_evidence_and_review_dates() {
    let dir = repo();
    let root = dir.path();
    let out = aegis(
        root,
        &[
            "implementation",
            "add",
            "C-2(1)",
            "--system",
            "platform",
            "--status",
            "planned",
            "--review-every",
            "6mo",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let list = |extra: &[&str]| {
        let out = aegis(root, &[&["implementation", "list"][..], extra].concat());
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout
    };
    let human = list(&[]);
    snapshot!("implementation_list_human", human);
    // C-1 was reviewed on 2026-05-04 every 90d: due 2026-08-02.
    assert!(human.contains("2026-08-02\n"), "{human}");
    let later = list_as_of(root, "2026-09-01");
    assert!(later.contains("2026-08-02 (overdue)"), "{later}");
    snapshot!("implementation_list_json", list(&["--format", "json"]));
    snapshot!("implementation_list_csv", list(&["--format", "csv"]));
    let only = list(&["--status", "not-applicable"]);
    assert!(
        only.contains("fw:C-2 ") && !only.contains("fw:C-1"),
        "{only}"
    );
    let only = list(&["--system", "platform"]);
    assert!(
        only.contains("fw:C-2(1)") && !only.contains("app"),
        "{only}"
    );
    let only = list(&["--control", "c-2.1", "--format", "csv"]);
    assert_eq!(only.lines().count(), 2, "{only}");
    assert!(only.contains("platform,fw:C-2(1),planned"), "{only}");
    let none = list(&["--framework", "fw", "--status", "alternative"]);
    assert_eq!(none, "no implementations\n");
    let out = aegis(root, &["implementation", "list", "--framework", "nist"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("no framework `nist` in controls/ (known: fw)"),
        "{}",
        out.stderr
    );
}

/// `aegis implementation list` as of `day`.
fn list_as_of(root: &Path, day: &str) -> String {
    let out = crate::harness::Aegis::new()
        .args(["implementation", "list", "--repo", ".", "--as-of", day])
        .current_dir(root)
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

/// A change of C-1's status and owner, and evidence it already cites.
const SET: &[&str] = &[
    "implementation",
    "set",
    "C-1",
    "--system",
    "app",
    "--status",
    "partial",
    "--owner",
    "@identity-team",
    "--add-evidence",
    "access-review",
];

#[test]
fn set_changes_only_its_own_lines() {
    let dir = repo();
    let root = dir.path();
    let rel = "implementations/app/C-1.yaml";
    let before = read(root, rel);
    let out = aegis(
        root,
        &[SET, &["--remove-policy", "access-control"]].concat(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("implementation_set_stderr", out.stderr);
    let after = read(root, rel);
    snapshot!("implementation_set_file", after);
    // The comment lines, the comment after the owner, and every key the
    // change is not about are as they were, byte for byte.
    for line in [
        "schema_version: 1\n# Reviewed with the platform team each quarter.\ncontrol: fw:C-1\n",
        "owner: \"@identity-team\"  # the on-call rota\n",
        "statement: Production access is reviewed every quarter.\nevidence:\n  - access-review\n",
        "reviewed: 2026-05-04\nreview_every: 90d\n",
    ] {
        assert!(after.contains(line), "{line:?} not in\n{after}");
    }
    assert!(!after.contains("policies"), "{after}");
    assert!(before.contains("policies: [access-control]\n"));
    assert_clean(root);

    // The same change again: nothing to do, nothing written.
    let written = tree(root);
    let out = aegis(root, SET);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("implementation_set_unchanged", out.stderr);
    assert_eq!(tree(root), written);
}

#[test]
fn set_unset_removes_an_optional_field_and_only_that() {
    let dir = repo();
    let root = dir.path();
    let rel = "implementations/app/C-1.yaml";
    let before_tree = tree(root);
    let refusals: &[(&[&str], &str)] = &[
        (
            &["C-2", "--system", "app", "--unset", "justification"],
            "status not-applicable needs a justification",
        ),
        (
            &["C-1", "--system", "app", "--unset", "provider"],
            "the record has no `provider`, so --unset provider has nothing to remove",
        ),
        (
            &[
                "C-1", "--system", "app", "--unset", "owner", "--owner", "@x",
            ],
            "`owner` is both given a value and unset",
        ),
    ];
    for (args, says) in refusals {
        let out = aegis(root, &[&["implementation", "set"][..], args].concat());
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
    }
    assert_eq!(tree(root), before_tree, "a refused --unset wrote something");

    let before = read(root, rel);
    let out = aegis(
        root,
        &[
            "implementation",
            "set",
            "C-1",
            "--system",
            "app",
            "--unset",
            "owner",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("owner: @platform-team → (none)"),
        "{}",
        out.stderr
    );
    let after = read(root, rel);
    let owner = "owner: \"@platform-team\"  # the on-call rota\n";
    assert!(before.contains(owner));
    assert_eq!(after, before.replace(owner, ""));
    assert_clean(root);
}

#[test]
fn set_refuses_transitions_that_leave_the_record_invalid() {
    let dir = repo();
    let root = dir.path();
    let before = tree(root);
    let cases: &[(&str, &[&str])] = &[
        (
            "to not-applicable without a justification",
            &["C-1", "--system", "app", "--status", "not-applicable"],
        ),
        (
            "to inherited from nowhere",
            &["C-1", "--system", "app", "--status", "inherited"],
        ),
        (
            "removing what is not cited",
            &[
                "C-2",
                "--system",
                "app",
                "--remove-evidence",
                "access-review",
                "--unset-param",
                "x",
            ],
        ),
        (
            "no record",
            &["C-3", "--system", "app", "--status", "planned"],
        ),
        (
            "unknown evidence",
            &["C-1", "--system", "app", "--add-evidence", "access-reviews"],
        ),
    ];
    let mut all = String::new();
    for (name, args) in cases {
        let out = aegis(root, &[&["implementation", "set"][..], args].concat());
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        all.push_str(&format!("## {name}\n{}\n", out.stderr));
    }
    snapshot!("implementation_set_refusals", all);
    assert_eq!(tree(root), before, "a refused set wrote something");
    // C-2 has its justification: the move to not-applicable it already is,
    // with a new owner, is fine.
    let out = aegis(
        root,
        &[
            "implementation",
            "set",
            "C-2",
            "--system",
            "app",
            "--owner",
            "@ops",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = aegis(
        root,
        &[
            "implementation",
            "set",
            "C-1",
            "--system",
            "app",
            "--status",
            "not-applicable",
            "--justification",
            "The app keeps no production access of its own.",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_clean(root);
}

#[test]
fn dry_runs_write_nothing() {
    let dir = repo();
    let root = dir.path();
    let before = tree(root);
    let add = aegis(
        root,
        &[
            "implementation",
            "add",
            "C-3",
            "--system",
            "app",
            "--status",
            "planned",
            "--owner",
            "@ops",
            "--dry-run",
        ],
    );
    assert_eq!(add.code, 0, "{}", add.stderr);
    snapshot!(
        "implementation_add_dry_run",
        format!("{}---\n{}", add.stdout, add.stderr)
    );
    let set = aegis(
        root,
        &[
            "implementation",
            "set",
            "C-1",
            "--system",
            "app",
            "--status",
            "planned",
            "--dry-run",
        ],
    );
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert!(
        set.stderr.contains("status: implemented → planned"),
        "{}",
        set.stderr
    );
    assert!(
        set.stdout
            .contains("\n-status: implemented\n+status: planned\n"),
        "{}",
        set.stdout
    );
    assert!(
        set.stderr.contains("nothing was written (--dry-run)"),
        "{}",
        set.stderr
    );
    let review = aegis(
        root,
        &[
            "implementation",
            "review",
            "C-1",
            "--system",
            "app",
            "--dry-run",
        ],
    );
    assert_eq!(review.code, 0, "{}", review.stderr);
    assert!(
        review.stderr.contains("reviewed: 2026-05-04 → 2026-06-01"),
        "{}",
        review.stderr
    );
    assert_eq!(tree(root), before, "a dry run wrote something");
}

#[test]
fn review_records_the_day() {
    let dir = repo();
    let root = dir.path();
    let rel = "implementations/app/C-1.yaml";
    let out = aegis(
        root,
        &["implementation", "review", "C-1", "--system", "app"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("implementation_review_stderr", out.stderr);
    assert!(read(root, rel).contains("\nreviewed: 2026-06-01\nreview_every: 90d\n"));
    // A record never reviewed gets the key where the record's order puts it.
    let out = aegis(
        root,
        &[
            "implementation",
            "review",
            "C-2",
            "--system",
            "app",
            "--date",
            "2026-05-30",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        read(root, "implementations/app/C-2.yaml").ends_with("\nreviewed: 2026-05-30\n"),
        "{}",
        read(root, "implementations/app/C-2.yaml")
    );
    let out = aegis(
        root,
        &[
            "implementation",
            "review",
            "C-2",
            "--system",
            "app",
            "--date",
            "2026-06-02",
        ],
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("after today"), "{}", out.stderr);
    let out = aegis(
        root,
        &[
            "implementation",
            "review",
            "C-2",
            "--system",
            "app",
            "--date",
            "2026-05-01",
        ],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("last reviewed on 2026-05-30, after 2026-05-01"),
        "{}",
        out.stderr
    );
    assert_clean(root);
}

/// `aegis system ...` on the repository at `root` (it judges no dates).
fn system(root: &Path, args: &[&str]) -> crate::harness::Output {
    crate::harness::Aegis::new()
        .args(args)
        .args(["--repo", "."])
        .current_dir(root)
        .run()
}

#[test]
fn system_add_appends_to_aegis_yaml_in_place() {
    let dir = repo();
    let root = dir.path();
    let before = read(root, "aegis.yaml");
    let refused = system(
        root,
        &[
            "system",
            "add",
            "app",
            "--title",
            " ",
            "--baseline",
            "fw@cor",
            "--framework",
            "fww",
        ],
    );
    assert_eq!(refused.code, 2);
    snapshot!("system_add_refusals", refused.stderr);
    let dry = system(
        root,
        &[
            "system",
            "add",
            "billing",
            "--title",
            "Billing API",
            "--baseline",
            "fw@core",
            "--owner",
            "@payments",
            "--dry-run",
        ],
    );
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert_eq!(
        read(root, "aegis.yaml"),
        before,
        "a dry run wrote aegis.yaml"
    );
    let out = system(
        root,
        &[
            "system",
            "add",
            "billing",
            "--title",
            "Billing API",
            "--baseline",
            "fw@core",
            "--owner",
            "@payments",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("system_add_stderr", out.stderr);
    let after = read(root, "aegis.yaml");
    assert_eq!(
        dry.stdout,
        aegis::change::unified_diff("aegis.yaml", Some(&before), &after),
        "the dry run showed another change than the run made"
    );
    // Everything that was there is still there, byte for byte, first.
    assert!(after.starts_with(&before), "{after}");
    snapshot!("system_add_file", after);
    assert_clean(root);
    // The new system takes records at once.
    let out = aegis(
        root,
        &[
            "implementation",
            "add",
            "C-1",
            "--system",
            "billing",
            "--status",
            "planned",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let list = system(root, &["system", "list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    snapshot!("system_list", list.stdout);
    assert_clean(root);
}

#[test]
fn a_write_while_another_command_writes_is_refused() {
    let dir = repo();
    let root = dir.path();
    let before = tree(root);
    let held = aegis::write::try_lock_dir(&root.join("implementations"))
        .expect("lock")
        .expect("free");
    let out = aegis(
        root,
        &["implementation", "review", "C-1", "--system", "app"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("another aegis command is writing"),
        "{}",
        out.stderr
    );
    // A dry run takes no lock.
    let out = aegis(
        root,
        &[
            "implementation",
            "review",
            "C-1",
            "--system",
            "app",
            "--dry-run",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(tree(root), before);
    drop(held);
    let out = aegis(
        root,
        &["implementation", "review", "C-1", "--system", "app"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}
