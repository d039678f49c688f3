//! The free-text fields every lifecycle command writes into a record: a
//! one-line field (owner, approver, reviewer, reason, title...) refuses a
//! line break and any other control character; a multi-line field
//! (statement, justification, description, note) keeps its line breaks but
//! refuses other control characters. Each refusal exits 2, says which
//! field, and writes nothing.

use crate::evidence::example;
use crate::harness::Aegis;
use std::collections::BTreeMap;
use std::path::Path;

const AS_OF: &str = "2026-06-01";

/// Every file under `root` with its bytes.
fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).expect("list").flatten() {
            let p = e.path();
            if e.file_type().expect("type").is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("inside");
                out.insert(
                    rel.to_string_lossy().into_owned(),
                    std::fs::read(&p).expect("read"),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// A command, the field it takes (as the refusal names it), and whether
/// that field may span lines.
struct Case {
    args: Vec<&'static str>,
    flag: &'static str,
    what: &'static str,
    multi_line: bool,
}

fn case(args: &[&'static str], flag: &'static str, what: &'static str, multi: bool) -> Case {
    Case {
        args: args.to_vec(),
        flag,
        what,
        multi_line: multi,
    }
}

fn cases() -> Vec<Case> {
    let imp_add = &[
        "implementation",
        "add",
        "LOG-2",
        "--system",
        "platform",
        "--status",
        "planned",
    ][..];
    let imp_set = &["implementation", "set", "IAM-1", "--system", "ledger"][..];
    let risk_add = &[
        "risk",
        "add",
        "--title",
        "Backups fail silently",
        "--owner",
        "@sre",
        "--likelihood",
        "2",
        "--impact",
        "4",
    ][..];
    let exc_add = &[
        "exceptions",
        "add",
        "--control",
        "VUL-1",
        "--system",
        "ledger",
        "--justification",
        "Registry move.",
        "--approver",
        "@cto",
        "--expires",
        "2026-10-31",
    ][..];
    let renew = &[
        "exceptions",
        "renew",
        "EX-2025-004",
        "--expires",
        "2026-09-30",
        "--approver",
        "@ciso",
    ][..];
    let policy_new = &[
        "policy",
        "new",
        "backup",
        "--title",
        "Backup policy",
        "--owner",
        "@sre",
        "--approver",
        "@cto",
    ][..];
    vec![
        case(imp_add, "--owner", "the owner", false),
        case(imp_add, "--provider", "the provider", false),
        case(imp_add, "--statement", "the statement", true),
        case(imp_set, "--owner", "the owner", false),
        case(imp_set, "--justification", "the justification", true),
        case(
            &["system", "add", "billing", "--title", "Billing"],
            "--owner",
            "--owner",
            false,
        ),
        case(
            &["system", "add", "billing", "--owner", "@sre"],
            "--title",
            "--title",
            false,
        ),
        case(
            &["system", "add", "billing", "--title", "Billing"],
            "--description",
            "--description",
            true,
        ),
        case(risk_add, "--category", "the category", false),
        case(risk_add, "--description", "the description", true),
        case(&["risk", "update", "R-007"], "--owner", "the owner", false),
        case(&["risk", "update", "R-007"], "--title", "the title", false),
        case(
            &["risk", "accept", "R-007"],
            "--approver",
            "the approver",
            false,
        ),
        case(&["risk", "close", "R-007"], "--reason", "the reason", false),
        case(exc_add, "--title", "the title", false),
        case(exc_add, "--scope", "the scope", false),
        case(
            &[
                "exceptions",
                "add",
                "--control",
                "VUL-1",
                "--system",
                "ledger",
                "--justification",
                "Registry move.",
                "--expires",
                "2026-10-31",
            ],
            "--approver",
            "the approver",
            false,
        ),
        case(renew, "--justification", "the justification", true),
        case(
            &["exceptions", "close", "EX-2025-004"],
            "--reason",
            "the reason",
            false,
        ),
        case(policy_new, "--approver", "an approver", false),
        case(
            &[
                "policy",
                "new",
                "backup",
                "--title",
                "Backup policy",
                "--approver",
                "@cto",
            ],
            "--owner",
            "the owner",
            false,
        ),
        case(
            &["policy", "bump", "access-control"],
            "--note",
            "the note",
            true,
        ),
        case(
            &[
                "evidence",
                "review",
                "tls-config",
                "--accept",
                "--reviewer",
                "@auditor",
            ],
            "--note",
            "--note",
            true,
        ),
        case(
            &[
                "evidence",
                "add",
                "evidence/files/mfa.csv",
                "--control",
                "IAM-2",
            ],
            "--title",
            "--title",
            false,
        ),
        case(
            &[
                "evidence",
                "add",
                "evidence/files/mfa.csv",
                "--control",
                "IAM-2",
            ],
            "--collector",
            "--collector",
            false,
        ),
        case(
            &["evidence", "review", "tls-config", "--accept"],
            "--reviewer",
            "--reviewer",
            false,
        ),
        case(
            &[
                "crosswalk",
                "map",
                "northwind-baseline:BCK-1",
                "acme-msa:ACME-2",
                "--type",
                "intersects-with",
            ],
            "--note",
            "the note",
            true,
        ),
        case(
            &[
                "crosswalk",
                "accept",
                "northwind-baseline",
                "acme-msa",
                "BCK-1",
                "ACME-2",
            ],
            "--by",
            "--by",
            false,
        ),
    ]
}

/// Runs `case` with `value` in its field, in the example repository.
fn run(repo: &Path, case: &Case, value: &str) -> crate::harness::Output {
    let mut cmd = Aegis::new().current_dir(repo).args(&case.args);
    cmd = cmd.args([case.flag, value]);
    // Commands that date what they write, as of the fixture's day.
    let dated = match case.args[0] {
        "implementation" | "exceptions" => true,
        "risk" => matches!(case.args[1], "accept" | "close"),
        "policy" => case.args[1] == "bump",
        _ => false,
    };
    if dated {
        cmd = cmd.args(["--as-of", AS_OF]);
    }
    cmd.run()
}

#[test]
fn every_text_field_refuses_control_characters_and_writes_nothing() {
    let dir = example();
    let repo = dir.path();
    std::fs::write(repo.join("evidence/files/mfa.csv"), "user,mfa\nalice,yes\n").expect("write");
    let before = files(repo);
    let mut problems = Vec::new();
    for c in cases() {
        let mut bad = vec![
            ("an escape", "ops\u{1b}[2J team".to_string(), "U+001B"),
            ("a bell", "ops\u{7}".to_string(), "U+0007"),
            (
                "a bidirectional override",
                "ops\u{202e}maet".to_string(),
                "U+202E",
            ),
            ("a carriage return", "over\rwrite".to_string(), ""),
        ];
        if !c.multi_line {
            bad.push(("a line break", "two\nlines".to_string(), "must be one line"));
            bad.push(("a tab", "a\tb".to_string(), "U+0009"));
        }
        for (name, value, says) in bad {
            let out = run(repo, &c, &value);
            let label = format!("{} {} with {name}", c.args[..2].join(" "), c.flag);
            if out.code != 2 {
                problems.push(format!(
                    "{label}: exit {} (expected 2)\n{}{}",
                    out.code, out.stdout, out.stderr
                ));
                continue;
            }
            if !out.stderr.contains(c.what) || !out.stderr.contains(says) {
                problems.push(format!(
                    "{label}: the refusal does not name `{}` and `{says}`: {}",
                    c.what, out.stderr
                ));
            }
            if out.stderr.contains('\u{1b}') || out.stderr.contains('\u{202e}') {
                problems.push(format!("{label}: the raw character reached the terminal"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(files(repo) == before, "a refused command wrote a file");
}

#[test]
fn multi_line_fields_keep_their_line_breaks() {
    let dir = example();
    let repo = dir.path();
    let statement = "Nightly snapshots.\n\n\tRestores are tested quarterly.";
    let out = Aegis::new()
        .current_dir(repo)
        .args([
            "implementation",
            "add",
            "LOG-2",
            "--system",
            "platform",
            "--status",
            "planned",
            "--owner",
            "Zoë Müller",
            "--statement",
            statement,
            "--as-of",
            AS_OF,
        ])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text =
        std::fs::read_to_string(repo.join("implementations/platform/LOG-2.yaml")).expect("written");
    assert!(text.contains("owner: Zoë Müller"), "{text}");
    let v = Aegis::new()
        .current_dir(repo)
        .args(["validate", ".", "--format", "json", "--as-of", AS_OF])
        .run();
    assert!(
        !v.codes().iter().any(|c| c.starts_with("schema")),
        "{}",
        v.stdout
    );
    let close = Aegis::new()
        .current_dir(repo)
        .args([
            "exceptions",
            "renew",
            "EX-2025-004",
            "--expires",
            "2026-09-30",
            "--approver",
            "@ciso",
            "--justification",
            "The move slipped.\nNew date agreed with the CTO.",
            "--as-of",
            AS_OF,
        ])
        .run();
    assert_eq!(close.code, 0, "{}", close.stderr);
}
