//! `--dry-run` on every lifecycle command that writes a record
//! (exceptions add|renew|close, policy new|bump, evidence add|hash|review|sign,
//! implementation add|set|review, system add, risk add|update|accept|close,
//! crosswalk map|unmap): it makes the
//! real run's checks, prints exactly what the real run then writes (a new
//! file whole, an edit as a diff), exits as the real run does, and leaves
//! the repository byte for byte as it was: no file, no temporary or lock
//! file, no directory.

use crate::evidence::example;
use crate::harness::{Aegis, Output};
use std::collections::BTreeMap;
use std::path::Path;

const AS_OF: &str = "2026-06-01";
/// The Ed25519 seed of bytes 1..=32 (as in tests/cli/evidence.rs).
const SEED: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
const SIGN: &[&str] = &[
    "evidence",
    "sign",
    "mfa",
    "--key-env",
    "COLLECTOR_KEY",
    "--key-id",
    "collector",
    "--signed-at",
    "2026-12-02T06:00:00Z",
];

type Tree = BTreeMap<String, Option<Vec<u8>>>;

/// Fails naming the paths added, removed or changed.
fn same_tree(before: &Tree, after: &Tree) {
    let changed: Vec<&String> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(changed.is_empty(), "the repository changed: {changed:?}");
}

/// Every file (with its bytes) and every directory under `root`, hidden
/// ones included: what "nothing was written" is checked against.
fn tree(root: &Path) -> Tree {
    fn walk(root: &Path, dir: &Path, out: &mut Tree) {
        for e in std::fs::read_dir(dir).expect("list").flatten() {
            let p = e.path();
            let rel = p
                .strip_prefix(root)
                .expect("inside")
                .to_string_lossy()
                .into_owned();
            if e.file_type().expect("type").is_dir() {
                out.insert(format!("{rel}/"), None);
                walk(root, &p, out);
            } else {
                out.insert(rel, Some(std::fs::read(&p).expect("read")));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn run(repo: &Path, args: &[&str]) -> Output {
    Aegis::new()
        .current_dir(repo)
        .env("COLLECTOR_KEY", SEED)
        .args(args)
        .redact(repo, "[REPO]")
        .run()
}

/// The diff of what changed between two trees, as `--dry-run` prints it.
fn diff(before: &Tree, after: &Tree) -> String {
    let text =
        |b: &Option<Vec<u8>>| String::from_utf8(b.clone().unwrap_or_default()).expect("utf-8");
    let mut out = String::new();
    for (rel, now) in after {
        if now.is_none() {
            continue;
        }
        match before.get(rel) {
            Some(was) if was == now => {}
            Some(was) => out.push_str(&aegis::change::unified_diff(
                rel,
                Some(&text(was)),
                &text(now),
            )),
            None => out.push_str(&aegis::change::unified_diff(rel, None, &text(now))),
        }
    }
    out
}

/// Runs `args --dry-run`, checks the repository is untouched, then runs
/// `args` and checks it wrote exactly what the dry run showed. Returns
/// the dry run's stdout and stderr, for a snapshot.
fn dry_then_real(repo: &Path, args: &[&str]) -> String {
    let before = tree(repo);
    let dry = run(repo, &[args, &["--dry-run"]].concat());
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    same_tree(&before, &tree(repo));
    assert!(
        dry.stderr.ends_with("nothing was written (--dry-run)\n")
            || dry.stderr.contains("nothing was written (--dry-run)"),
        "{}",
        dry.stderr
    );
    let real = run(repo, args);
    assert_eq!(real.code, dry.code, "{}", real.stderr);
    assert!(real.stdout.is_empty(), "{}", real.stdout);
    let written = diff(&before, &tree(repo));
    assert!(!written.is_empty(), "the real run wrote nothing");
    assert_eq!(
        dry.stdout, written,
        "the dry run showed something else than the run wrote"
    );
    format!("{}---\n{}", dry.stdout, dry.stderr)
}

#[test]
fn exceptions_add_renew_and_close_show_what_they_would_write() {
    let dir = example();
    let repo = dir.path();
    let asof = ["--as-of", AS_OF];
    let add = dry_then_real(
        repo,
        &[
            &[
                "exceptions",
                "add",
                "--control",
                "VUL-1",
                "--system",
                "ledger",
                "--justification",
                "Registry move ends in October.",
                "--approver",
                "@northwind/cto",
                "--expires",
                "2026-10-31",
                "--id",
                "EX-2026-001",
            ][..],
            &asof,
        ]
        .concat(),
    );
    crate::snapshot!("dry_run_exceptions_add", add);
    let renew = dry_then_real(
        repo,
        &[
            &[
                "exceptions",
                "renew",
                "EX-2025-004",
                "--expires",
                "2026-09-30",
                "--approver",
                "@northwind/ciso",
            ][..],
            &asof,
        ]
        .concat(),
    );
    crate::snapshot!("dry_run_exceptions_renew", renew);
    let close = dry_then_real(
        repo,
        &[
            &[
                "exceptions",
                "close",
                "EX-2026-001",
                "--reason",
                "Scanning is automated.",
            ][..],
            &asof,
        ]
        .concat(),
    );
    crate::snapshot!("dry_run_exceptions_close", close);
}

#[test]
fn policy_new_and_bump_show_what_they_would_write() {
    let dir = example();
    let repo = dir.path();
    let new = dry_then_real(
        repo,
        &[
            "policy",
            "new",
            "backup",
            "--title",
            "Backup policy",
            "--owner",
            "@northwind/sre",
            "--approver",
            "@northwind/cto",
            "--control",
            "northwind-baseline:DAT-2",
        ],
    );
    crate::snapshot!("dry_run_policy_new", new);
    let bump = dry_then_real(
        repo,
        &[
            "policy",
            "bump",
            "access-control",
            "--note",
            "Quarterly access reviews.",
            "--as-of",
            AS_OF,
        ],
    );
    crate::snapshot!("dry_run_policy_bump", bump);
}

#[test]
fn evidence_add_review_and_sign_show_what_they_would_write() {
    let dir = example();
    let repo = dir.path();
    std::fs::write(repo.join("evidence/files/mfa.csv"), "user,mfa\nalice,yes\n").expect("write");
    let add = dry_then_real(
        repo,
        &[
            "evidence",
            "add",
            "evidence/files/mfa.csv",
            "--control",
            "IAM-2",
            "--collected-at",
            "2026-11-30T08:00:00Z",
        ],
    );
    crate::snapshot!("dry_run_evidence_add", add);
    // The same artifact changed: --update edits the record.
    std::fs::write(
        repo.join("evidence/files/mfa.csv"),
        "user,mfa\nalice,yes\nbob,yes\n",
    )
    .expect("write");
    let update = dry_then_real(
        repo,
        &[
            "evidence",
            "add",
            "evidence/files/mfa.csv",
            "--control",
            "IAM-2",
            "--update",
            "--collected-at",
            "2026-12-01T08:00:00Z",
        ],
    );
    crate::snapshot!("dry_run_evidence_update", update);
    let review = dry_then_real(
        repo,
        &[
            "evidence",
            "review",
            "mfa",
            "--accept",
            "--reviewer",
            "@auditor",
            "--reviewed-at",
            "2026-12-02",
        ],
    );
    crate::snapshot!("dry_run_evidence_review", review);
    let sign = dry_then_real(repo, SIGN);
    crate::snapshot!("dry_run_evidence_sign", sign);
    // Signing the same manifest again writes nothing, with or without --dry-run.
    let before = tree(repo);
    let again = run(repo, &[SIGN, &["--dry-run"]].concat());
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.is_empty(), "{}", again.stdout);
    assert!(again.stderr.contains("unchanged"), "{}", again.stderr);
    same_tree(&before, &tree(repo));
    // The artifact changed again: `hash` records its new hash and size.
    std::fs::write(repo.join("evidence/files/mfa.csv"), "user,mfa\nalice,yes\n").expect("write");
    let hash = dry_then_real(repo, &["evidence", "hash", "mfa"]);
    crate::snapshot!("dry_run_evidence_hash", hash);
}

#[test]
fn implementation_and_system_commands_show_what_they_would_write() {
    let dir = example();
    let repo = dir.path();
    let asof = ["--as-of", AS_OF];
    let add = dry_then_real(
        repo,
        &[
            &[
                "implementation",
                "add",
                "LOG-2",
                "--system",
                "platform",
                "--status",
                "partial",
                "--owner",
                "@northwind/sre",
                "--statement",
                "Logs are kept for 90 days.\nAlerts page the on-call.",
            ][..],
            &asof,
        ]
        .concat(),
    );
    crate::snapshot!("dry_run_implementation_add", add);
    let set = dry_then_real(
        repo,
        &[
            &[
                "implementation",
                "set",
                "LOG-2",
                "--system",
                "platform",
                "--status",
                "implemented",
                "--owner",
                "@northwind/platform",
            ][..],
            &asof,
        ]
        .concat(),
    );
    crate::snapshot!("dry_run_implementation_set", set);
    let review = dry_then_real(
        repo,
        &[
            &["implementation", "review", "LOG-2", "--system", "platform"][..],
            &asof,
        ]
        .concat(),
    );
    crate::snapshot!("dry_run_implementation_review", review);
    let system = dry_then_real(
        repo,
        &[
            "system",
            "add",
            "billing",
            "--title",
            "Billing",
            "--owner",
            "@northwind/billing",
            "--framework",
            "northwind-baseline",
        ],
    );
    crate::snapshot!("dry_run_system_add", system);
}

#[test]
fn risk_commands_show_what_they_would_write() {
    let dir = example();
    let repo = dir.path();
    let asof = ["--as-of", AS_OF];
    let add = dry_then_real(
        repo,
        &[
            "risk",
            "add",
            "--title",
            "Backups fail silently",
            "--owner",
            "@northwind/sre",
            "--likelihood",
            "2",
            "--impact",
            "4",
            "--system",
            "platform",
            "--control",
            "BCK-1",
        ],
    );
    crate::snapshot!("dry_run_risk_add", add);
    let update = dry_then_real(
        repo,
        &[
            "risk",
            "update",
            "R-007",
            "--likelihood",
            "4",
            "--add-control",
            "VUL-2",
        ],
    );
    crate::snapshot!("dry_run_risk_update", update);
    let accept = dry_then_real(
        repo,
        &[
            &[
                "risk",
                "accept",
                "R-008",
                "--approver",
                "@northwind/cfo",
                "--until",
                "2026-12-31",
            ][..],
            &asof,
        ]
        .concat(),
    );
    crate::snapshot!("dry_run_risk_accept", accept);
    let close = dry_then_real(
        repo,
        &[
            &[
                "risk",
                "close",
                "R-008",
                "--reason",
                "Backups are verified.",
            ][..],
            &asof,
        ]
        .concat(),
    );
    crate::snapshot!("dry_run_risk_close", close);
}

#[test]
fn crosswalk_map_and_unmap_show_what_they_would_write() {
    let dir = example();
    let repo = dir.path();
    let map = dry_then_real(
        repo,
        &[
            "crosswalk",
            "map",
            "northwind-baseline:BCK-1",
            "acme-msa:ACME-2",
            "--type",
            "intersects-with",
            "--note",
            "Restores are logged.",
        ],
    );
    crate::snapshot!("dry_run_crosswalk_map", map);
    let remap = dry_then_real(
        repo,
        &[
            "crosswalk",
            "map",
            "northwind-baseline:BCK-1",
            "acme-msa:ACME-2",
            "--type",
            "subset-of",
        ],
    );
    crate::snapshot!("dry_run_crosswalk_remap", remap);
    let unmap = dry_then_real(
        repo,
        &[
            "crosswalk",
            "unmap",
            "northwind-baseline:BCK-1",
            "acme-msa:ACME-2",
        ],
    );
    crate::snapshot!("dry_run_crosswalk_unmap", unmap);
}

#[test]
fn a_dry_run_refuses_what_the_real_run_refuses_and_creates_no_directory() {
    let dir = example();
    let repo = dir.path();
    // No exceptions/ yet: taking the writer's lock would create it.
    std::fs::remove_dir_all(repo.join("exceptions")).expect("rm");
    let before = tree(repo);
    let args = [
        "exceptions",
        "add",
        "--control",
        "VUL-1",
        "--system",
        "ledger",
        "--justification",
        "Registry move.",
        "--approver",
        "@northwind/cto",
        "--expires",
        "2026-10-31",
        "--as-of",
        AS_OF,
        "--dry-run",
    ];
    let ok = run(repo, &args);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(
        ok.stdout.contains("+++ b/exceptions/EX-001.yaml\n"),
        "{}",
        ok.stdout
    );
    same_tree(&before, &tree(repo));
    assert!(!repo.join("exceptions").exists());
    // An unknown control: the same refusal and exit code as the real run.
    let mut bad = args.to_vec();
    bad[3] = "NOPE-9";
    let dry = run(repo, &bad);
    same_tree(&before, &tree(repo));
    let real = run(repo, &bad[..bad.len() - 1]);
    assert_eq!((dry.code, real.code), (2, 2), "{}", dry.stderr);
    assert_eq!(dry.stderr, real.stderr);
    assert!(dry.stdout.is_empty());
    // (The real run takes the writer's lock first, which makes the empty
    // directory; it writes no file.)
    let files = |t: &Tree| -> Tree {
        t.iter()
            .filter(|(_, v)| v.is_some())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    same_tree(&files(&before), &files(&tree(repo)));
    std::fs::remove_dir(repo.join("exceptions")).expect("empty");
    // An edit of a record that does not exist is refused the same way too.
    let review = |extra: &[&str]| {
        run(
            repo,
            &[
                &["evidence", "review", "nope", "--accept", "--reviewer", "@a"][..],
                extra,
            ]
            .concat(),
        )
    };
    let (dry, real) = (review(&["--dry-run"]), review(&[]));
    assert_eq!((dry.code, real.code), (2, 2), "{}", dry.stderr);
    assert_eq!(dry.stderr, real.stderr);
    same_tree(&before, &tree(repo));
}
