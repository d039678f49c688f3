//! The evidence lifecycle: `aegis evidence add|verify|review|prune|list`,
//! signing keys and manifests (`keygen`, `sign`), and the signature checks
//! `aegis validate` makes.

use crate::harness::{Aegis, Output, copy_tree};
use std::path::Path;

/// The example's records are dated up to 2026-10; judge them a little later.
const AS_OF: &str = "2026-12-01";

/// Two fixed Ed25519 seeds (bytes 1..=32 and 101..=132) and their public keys.
const SEED_A: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
const PUB_A: &str = "ebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=";
const PUB_B: &str = "2inpWwLgD/oVZFd1+x0roiKhlDOV7qBrlOLAV7e+adA=";

/// A copy of examples/saas.
pub fn example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/saas"),
        dir.path(),
    );
    dir
}

/// Runs `aegis ARGS` inside the repository.
fn aegis(repo: &Path, args: &[&str]) -> Output {
    Aegis::new()
        .current_dir(repo)
        .args(args)
        .redact(repo, "[REPO]")
        .run()
}

fn read(repo: &Path, rel: &str) -> String {
    std::fs::read_to_string(repo.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn write(repo: &Path, rel: &str, text: &str) {
    let p = repo.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

/// `(code, file)` of every diagnostic `aegis validate` reports, sorted.
fn diagnostics(repo: &Path) -> Vec<(String, String)> {
    let out = aegis(repo, &["validate", "--as-of", AS_OF, "--format", "json"]);
    let mut d: Vec<_> = out
        .diagnostics()
        .into_iter()
        .map(|d| (d.code, d.file))
        .collect();
    d.sort();
    d
}

fn codes_in(diags: &[(String, String)], code: &str) -> Vec<String> {
    diags
        .iter()
        .filter(|(c, _)| c == code)
        .map(|(_, f)| f.clone())
        .collect()
}

#[test]
fn add_records_a_file_that_validates_and_adding_again_changes_nothing() {
    let dir = example();
    let repo = dir.path();
    let before = diagnostics(repo);
    write(
        repo,
        "evidence/files/MFA Export.csv",
        "user,mfa\nalice,yes\nbob,yes\n",
    );
    let args = [
        "evidence",
        "add",
        "evidence/files/MFA Export.csv",
        "--control",
        "IAM-2",
        "--control",
        "northwind-baseline:IAM-1",
        "--expires-after",
        "90d",
        "--retention",
        "3y",
        "--collector",
        "ci/export-mfa",
        "--collected-at",
        "2026-11-30T08:00:00Z",
    ];
    let out = aegis(repo, &args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let record = read(repo, "evidence/mfa-export.yaml");
    crate::snapshot!("add_record", format!("{}---\n{record}", out.stderr));
    // What add writes validates: the repository reports exactly what it did before.
    assert_eq!(diagnostics(repo), before);

    let again = aegis(repo, &args);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("unchanged `mfa-export`"),
        "{}",
        again.stderr
    );
    assert_eq!(read(repo, "evidence/mfa-export.yaml"), record);

    // New content under the same id is refused unless --update.
    write(
        repo,
        "evidence/files/MFA Export.csv",
        "user,mfa\nalice,yes\nbob,no\n",
    );
    let refused = aegis(repo, &args);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("pass --update"),
        "{}",
        refused.stderr
    );
    assert_eq!(read(repo, "evidence/mfa-export.yaml"), record);

    // --update edits the artifact's keys in place and clears the review.
    let reviewed = aegis(
        repo,
        &[
            "evidence",
            "review",
            "mfa-export",
            "--accept",
            "--reviewer",
            "@sec",
            "--reviewed-at",
            "2026-11-30",
        ],
    );
    assert_eq!(reviewed.code, 0, "{}", reviewed.stderr);
    let mut update = args.to_vec();
    update.push("--update");
    let updated = aegis(repo, &update);
    assert_eq!(updated.code, 0, "{}", updated.stderr);
    assert!(
        updated.stderr.contains("its review was cleared"),
        "{}",
        updated.stderr
    );
    let now = read(repo, "evidence/mfa-export.yaml");
    assert!(!now.contains("review:"), "{now}");
    assert!(now.contains("size: 26"), "{now}");
    assert_ne!(now, record);
    assert_eq!(diagnostics(repo), before);
}

#[test]
fn add_refuses_paths_out_of_the_repository_and_unknown_controls() {
    let dir = example();
    let repo = dir.path();
    let outside = tempfile::tempdir().expect("tempdir");
    write(outside.path(), "secret.txt", "not evidence");
    let outside_file = outside.path().join("secret.txt");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside_file, repo.join("evidence/files/linked.txt"))
        .expect("symlink");
    write(repo, "evidence/files/ok.txt", "fine");
    // Both temporary directories share a parent, so `..` leads to the other.
    let relative = format!(
        "../{}/secret.txt",
        outside.path().file_name().expect("name").to_string_lossy()
    );
    let mut report = String::new();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "absolute path outside",
            vec![outside_file.to_str().expect("utf-8")],
        ),
        ("relative path outside", vec![relative.as_str()]),
        (
            "link out of the repository",
            vec!["evidence/files/linked.txt"],
        ),
        (
            "unknown control",
            vec!["evidence/files/ok.txt", "--control", "IAM-33"],
        ),
        (
            "unknown framework",
            vec![
                "evidence/files/ok.txt",
                "--control",
                "northwind-basline:IAM-1",
            ],
        ),
        ("bad id", vec!["evidence/files/ok.txt", "--id", "../x"]),
        ("file: URI", vec!["file:///etc/passwd"]),
    ];
    for (what, extra) in cases {
        let mut args = vec!["evidence", "add"];
        args.extend(extra.iter().copied());
        if !extra.contains(&"--control") {
            args.extend(["--control", "IAM-1"]);
        }
        let out = Aegis::new()
            .current_dir(repo)
            .args(&args)
            .redact(outside.path(), "[OUTSIDE]")
            .redact(repo, "[REPO]")
            .run();
        assert_eq!(out.code, 2, "{what}: {}", out.stderr);
        let name = outside.path().file_name().expect("name").to_string_lossy();
        let stderr = out.stderr.replace(name.as_ref(), "[OUTSIDE-NAME]");
        report.push_str(&format!("## {what}\n{stderr}"));
    }
    crate::snapshot!("add_refused", report);
    let evidence: Vec<_> = std::fs::read_dir(repo.join("evidence"))
        .expect("evidence/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    assert_eq!(evidence.len(), 9, "nothing was written: {evidence:?}");
}

#[test]
fn large_files_are_recorded_by_uri_and_urls_are_not_fetched() {
    let dir = example();
    let repo = dir.path();
    let before = diagnostics(repo);
    let config = read(repo, "aegis.yaml") + "evidence:\n  max_committed_bytes: 1024\n";
    write(repo, "aegis.yaml", &config);
    write(repo, "evidence/files/flows.bin", &"x".repeat(2000));
    let add = |extra: &[&str]| {
        let mut args = vec!["evidence", "add"];
        args.extend(extra);
        args.extend(["--control", "LOG-1", "--collected-at", "2026-11-30"]);
        aegis(repo, &args)
    };
    let refused = add(&["evidence/files/flows.bin"]);
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("over evidence.max_committed_bytes (1024)"),
        "{}",
        refused.stderr
    );
    let stored = add(&[
        "evidence/files/flows.bin",
        "--uri",
        "s3://northwind-evidence/flows.bin",
    ]);
    assert_eq!(stored.code, 0, "{}", stored.stderr);
    let rec = read(repo, "evidence/flows.yaml");
    assert!(
        rec.contains("uri: s3://northwind-evidence/flows.bin"),
        "{rec}"
    );
    assert!(rec.contains("size: 2000"), "{rec}");
    assert!(rec.contains("sha256: "), "{rec}");

    let url = add(&["https://grc.example.com/exports/firewall-rules.json"]);
    assert_eq!(url.code, 0, "{}", url.stderr);
    let rec = read(repo, "evidence/firewall-rules.yaml");
    assert!(!rec.contains("sha256"), "a URL is not fetched: {rec}");
    assert!(rec.contains("media_type: application/json"), "{rec}");
    let bad_sha = add(&["https://grc.example.com/x.json", "--sha256", "ABC"]);
    assert_eq!(bad_sha.code, 2);
    assert_eq!(diagnostics(repo), before);
}

#[test]
fn verify_reports_tampered_empty_stale_soon_stale_uncited_and_abandoned_evidence() {
    let dir = example();
    let repo = dir.path();
    // Tampered: the reviewed file changed after its hash was recorded.
    let f = "evidence/files/access-review-2026-q3.md";
    write(repo, f, &(read(repo, f) + "\nbob: keep\n"));
    // Empty, and soon stale (the window is 14 days).
    write(repo, "evidence/files/empty.txt", "");
    for (file, collected, expires) in [
        ("evidence/files/empty.txt", "2026-11-30", "1y"),
        ("evidence/files/ok.txt", "2026-11-10", "30d"),
    ] {
        if !repo.join(file).exists() {
            write(repo, file, "fine\n");
        }
        let out = aegis(
            repo,
            &[
                "evidence",
                "add",
                file,
                "--control",
                "LOG-1",
                "--collected-at",
                collected,
                "--expires-after",
                expires,
            ],
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let human = aegis(repo, &["evidence", "verify", "--as-of", AS_OF]);
    assert_eq!(human.code, 1, "{}", human.stderr);
    crate::snapshot!("verify_human", human.stdout);

    let json_out = aegis(
        repo,
        &["evidence", "verify", "--as-of", AS_OF, "--format", "json"],
    );
    crate::snapshot!("verify_json", json_out.stdout);
    let json = json_out.json();
    let status = |id: &str| {
        json["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .find(|e| e["id"] == id)
            .map(|e| {
                let checks: Vec<String> = e["findings"]
                    .as_array()
                    .expect("findings")
                    .iter()
                    .map(|f| f["check"].as_str().expect("check").to_string())
                    .collect();
                (e["status"].as_str().expect("status").to_string(), checks)
            })
            .expect("listed")
    };
    assert_eq!(
        status("access-review-2026-q3"),
        ("failing".into(), vec!["evidence-size-mismatch".to_string()])
    );
    assert_eq!(
        status("empty"),
        (
            "warning".into(),
            vec!["evidence-empty".to_string(), "uncited".to_string()]
        )
    );
    assert_eq!(
        status("ok"),
        (
            "warning".into(),
            vec!["refresh-due".to_string(), "uncited".to_string()]
        )
    );
    assert_eq!(
        status("restore-test-2025-01"),
        (
            "failing".into(),
            vec!["evidence-stale".to_string(), "abandoned".to_string()]
        )
    );
    assert_eq!(status("tls-config"), ("ok".into(), vec![]));

    // A wider window from the command line; the setting in aegis.yaml otherwise.
    let wide = aegis(
        repo,
        &[
            "evidence",
            "verify",
            "--as-of",
            AS_OF,
            "--refresh-ahead",
            "400d",
            "--format",
            "json",
        ],
    )
    .json();
    assert_eq!(wide["refresh_ahead"], "400d");
}

#[test]
fn review_changes_only_the_review_block_and_refused_evidence_stops_counting() {
    let dir = example();
    let repo = dir.path();
    let rel = "evidence/branch-protection.yaml";
    // A comment the edit must keep.
    let original = read(repo, rel).replace("collector:", "# exported nightly\ncollector:");
    write(repo, rel, &original);
    let reject = || {
        aegis(
            repo,
            &[
                "evidence",
                "review",
                "branch-protection",
                "--reject",
                "--reviewer",
                "@auditor",
                "--note",
                "Exported from the wrong repository: the ledger's is `ledger-svc`.",
                "--reviewed-at",
                "2026-11-30",
            ],
        )
    };
    let out = reject();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let after = read(repo, rel);
    let without_review = |t: &str| {
        let mut keep = Vec::new();
        let mut inside = false;
        for line in t.lines() {
            if line.starts_with("review:") {
                inside = true;
                continue;
            }
            if inside && line.starts_with(' ') {
                continue;
            }
            inside = false;
            keep.push(line.to_string());
        }
        keep
    };
    assert_eq!(without_review(&after), without_review(&original));
    crate::snapshot!("review_rejected", format!("{}---\n{after}", out.stderr));

    let diags = diagnostics(repo);
    assert_eq!(
        codes_in(&diags, "evidence-rejected"),
        [
            "implementations/ledger/CHG-1.yaml",
            "implementations/platform/CHG-1.yaml"
        ]
    );
    let gaps = aegis(repo, &["gaps", "--as-of", AS_OF, "--format", "json"]).stdout;
    assert!(
        gaps.contains("evidence `branch-protection` was rejected in review"),
        "the gap engine does not count rejected evidence"
    );

    let again = reject();
    assert!(again.stderr.contains("unchanged"), "{}", again.stderr);
    assert_eq!(read(repo, rel), after);

    let q = aegis(
        repo,
        &[
            "evidence",
            "review",
            "branch-protection",
            "--quarantine",
            "--reviewer",
            "@auditor",
            "--reviewed-at",
            "2026-11-30",
        ],
    );
    assert_eq!(q.code, 0, "{}", q.stderr);
    assert!(read(repo, rel).contains("status: quarantined"));
    let unknown = aegis(
        repo,
        &[
            "evidence",
            "review",
            "branch-protect",
            "--accept",
            "--reviewer",
            "@a",
        ],
    );
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("did you mean `branch-protection`?"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn prune_removes_only_what_retention_allows_and_nothing_cites() {
    let dir = example();
    let repo = dir.path();
    let before = diagnostics(repo);
    // Past retention, cited by nothing: removed with its artifact.
    write(repo, "evidence/files/old-export.txt", "2025 export\n");
    let out = aegis(
        repo,
        &[
            "evidence",
            "add",
            "evidence/files/old-export.txt",
            "--control",
            "LOG-1",
            "--collected-at",
            "2025-01-01",
            "--retention",
            "180d",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Past retention, but its artifact is another record's: the file stays.
    write(
        repo,
        "evidence/old-copy.yaml",
        "schema_version: 1\nid: old-copy\ntitle: Old copy\nuri: evidence/files/access-review-2026-q3.md\ncollected_at: 2025-01-01\nretain_until: 2025-06-30\n",
    );
    // Past retention but cited by an implementation: never removed.
    let cited = "evidence/restore-test-2025-01.yaml";
    write(repo, cited, &(read(repo, cited) + "retention: 30d\n"));

    let dry = aegis(repo, &["evidence", "prune", "--dry-run", "--as-of", AS_OF]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    crate::snapshot!("prune_dry_run", dry.stdout);
    assert!(repo.join("evidence/old-export.yaml").exists());
    assert!(repo.join("evidence/files/old-export.txt").exists());

    let json = aegis(
        repo,
        &[
            "evidence",
            "prune",
            "--dry-run",
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
    )
    .json();
    let ids: Vec<&str> = json
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["old-copy", "old-export"]);

    let real = aegis(repo, &["evidence", "prune", "--as-of", AS_OF]);
    assert_eq!(real.code, 0, "{}", real.stderr);
    crate::snapshot!("prune_removed", real.stdout);
    assert!(!repo.join("evidence/old-export.yaml").exists());
    assert!(!repo.join("evidence/files/old-export.txt").exists());
    assert!(!repo.join("evidence/old-copy.yaml").exists());
    assert!(
        repo.join("evidence/files/access-review-2026-q3.md")
            .exists()
    );
    assert!(repo.join(cited).exists());
    assert!(repo.join("evidence/files/restore-test-2025-01.md").exists());
    assert_eq!(diagnostics(repo), before);
}

#[test]
fn keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("collector.pem");
    let out = Aegis::new()
        .args([
            "evidence",
            "keygen",
            "--id",
            "ci-2026",
            "--owner",
            "ci/collector",
            "--out",
        ])
        .arg(&key)
        .redact(dir.path(), "[DIR]")
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let pem = std::fs::read_to_string(&key).expect("key file");
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
    assert!(!out.stdout.contains("PRIVATE") && !out.stderr.contains("PRIVATE"));
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(!out.stdout.contains(&body), "the private key was printed");
    let public = out
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("public_key: "))
        .expect("a public key line");
    assert_eq!(public.len(), 44, "base64 of 32 bytes: {public}");
    let today = out
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("not_before: "))
        .expect("not_before")
        .to_string();
    crate::snapshot!(
        "keygen_stdout",
        out.stdout
            .replace(public, "[PUBLIC KEY]")
            .replace(&today, "[TODAY]")
    );
    assert!(
        out.stdout
            .contains("  trusted_keys:\n    - id: \"ci-2026\"\n      public_key: "),
        "{}",
        out.stdout
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = Aegis::new()
        .args(["evidence", "keygen", "--out"])
        .arg(&key)
        .redact(dir.path(), "[DIR]")
        .run();
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("never overwritten"),
        "{}",
        again.stderr
    );
    assert_eq!(std::fs::read_to_string(&key).expect("key file"), pem);
}

/// The example with key A trusted for 2026 and `ledger` requiring signed evidence.
fn signing_example(not_after: &str) -> tempfile::TempDir {
    let dir = example();
    let repo = dir.path();
    let config = read(repo, "aegis.yaml").replacen(
        "  - id: ledger\n",
        "  - id: ledger\n    require_signed_evidence: true\n",
        1,
    ) + &format!(
        "signing:\n  trusted_keys:\n    - id: collector\n      public_key: {PUB_A}\n      owner: ci/collector\n      not_before: 2026-01-01\n      not_after: {not_after}\n"
    );
    assert!(config.contains("require_signed_evidence"));
    write(repo, "aegis.yaml", &config);
    dir
}

fn sign(repo: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "evidence",
        "sign",
        "--key-env",
        "COLLECTOR_KEY",
        "--key-id",
        "collector",
        "--signer",
        "ci/collector",
        "--signed-at",
        "2026-11-30T06:00:00Z",
    ];
    args.extend(extra);
    Aegis::new()
        .current_dir(repo)
        .env("COLLECTOR_KEY", SEED_A)
        .args(&args)
        .run()
}

const SIGNATURE_CODES: &[&str] = &[
    "evidence-signature-invalid",
    "evidence-signature-mismatch",
    "evidence-unsigned",
    "signing-key-unknown",
    "signing-key-expired",
];

fn signature_diags(repo: &Path) -> Vec<(String, String)> {
    diagnostics(repo)
        .into_iter()
        .filter(|(c, _)| SIGNATURE_CODES.contains(&c.as_str()))
        .collect()
}

#[test]
fn unsigned_evidence_fails_where_signing_is_required_and_a_valid_manifest_passes() {
    let dir = signing_example("2026-12-31");
    let repo = dir.path();
    let d = signature_diags(repo);
    assert_eq!(
        d,
        [
            ("evidence-unsigned", "implementations/ledger/CHG-1.yaml"),
            ("evidence-unsigned", "implementations/ledger/DAT-2.yaml"),
            ("evidence-unsigned", "implementations/ledger/IAM-3.yaml"),
            ("evidence-unsigned", "implementations/ledger/VUL-1.yaml"),
        ]
        .map(|(c, f)| (c.to_string(), f.to_string()))
    );
    let check = aegis(repo, &["check", "--as-of", AS_OF]);
    assert_eq!(check.code, 1);
    assert!(
        check.stdout.contains("error[evidence-unsigned]"),
        "{}",
        check.stdout
    );

    let out = sign(repo, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    crate::snapshot!("sign_stderr", out.stderr);
    assert!(
        signature_diags(repo).is_empty(),
        "{:?}",
        signature_diags(repo)
    );
    let manifest = std::fs::read_dir(repo.join("evidence/signatures"))
        .expect("signatures/")
        .filter_map(|e| e.ok())
        .map(|e| std::fs::read_to_string(e.path()).expect("manifest"))
        .collect::<Vec<_>>();
    assert_eq!(manifest.len(), 1);
    crate::snapshot!("signed_manifest", manifest[0]);
    // Signing the same evidence at the same time again writes nothing new.
    let again = sign(repo, &[]);
    assert!(again.stderr.contains("unchanged"), "{}", again.stderr);

    let list = aegis(repo, &["evidence", "list", "--as-of", AS_OF]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    crate::snapshot!("list_human", list.stdout);
    let json_out = aegis(
        repo,
        &["evidence", "list", "--as-of", AS_OF, "--format", "json"],
    );
    crate::snapshot!("list_json", json_out.stdout);
    let json = json_out.json();
    assert!(
        json.as_array()
            .expect("rows")
            .iter()
            .all(|r| r["signed"] == true)
    );
}

#[test]
fn a_tampered_file_fails_even_when_its_record_is_hashed_again() {
    let dir = signing_example("2026-12-31");
    let repo = dir.path();
    assert_eq!(sign(repo, &[]).code, 0);
    let f = "evidence/files/dependency-scan.txt";
    write(repo, f, &(read(repo, f) + "RUSTSEC-2026-0001 ignored\n"));
    // Changed but not re-hashed: the hash check catches it, and signing refuses.
    assert!(
        codes_in(&diagnostics(repo), "evidence-hash-mismatch")
            .contains(&"evidence/dependency-scan.yaml".to_string())
    );
    let refused = sign(repo, &["dependency-scan"]);
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("refusing to sign evidence whose files do not match"),
        "{}",
        refused.stderr
    );
    // Re-hashed into the record: now only the signature tells.
    assert_eq!(
        aegis(repo, &["evidence", "hash", "dependency-scan"]).code,
        0
    );
    let out = aegis(repo, &["validate", "--as-of", AS_OF]);
    assert_eq!(out.code, 1);
    assert_eq!(
        signature_diags(repo),
        [(
            "evidence-signature-mismatch".to_string(),
            "evidence/dependency-scan.yaml".to_string()
        )]
    );
    assert!(
        out.stdout.contains("it changed after signing"),
        "{}",
        out.stdout
    );
    let gaps = aegis(repo, &["gaps", "--as-of", AS_OF, "--format", "json"]).stdout;
    assert!(
        gaps.contains("evidence-tampered"),
        "the gap engine counts it as tampered"
    );
    // Signing the new content clears it; the old manifest may stay.
    let resigned = Aegis::new()
        .current_dir(repo)
        .env("COLLECTOR_KEY", SEED_A)
        .args([
            "evidence",
            "sign",
            "--key-env",
            "COLLECTOR_KEY",
            "--key-id",
            "collector",
            "--signed-at",
            "2026-11-30T07:00:00Z",
            "dependency-scan",
        ])
        .run();
    assert_eq!(resigned.code, 0, "{}", resigned.stderr);
    assert!(signature_diags(repo).is_empty());
}

#[test]
fn wrong_unknown_and_expired_keys_are_not_trusted() {
    // Wrong key: aegis.yaml trusts another public key under the same id.
    let dir = signing_example("2026-12-31");
    let repo = dir.path();
    assert_eq!(sign(repo, &[]).code, 0);
    write(
        repo,
        "aegis.yaml",
        &read(repo, "aegis.yaml").replace(PUB_A, PUB_B),
    );
    let d = signature_diags(repo);
    assert_eq!(codes_in(&d, "evidence-signature-invalid").len(), 1, "{d:?}");
    assert_eq!(codes_in(&d, "evidence-unsigned").len(), 4, "{d:?}");
    // And signing with a key that is not the trusted one is refused up front.
    let refused = sign(repo, &[]);
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("not the one trusted as `collector`"),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains(SEED_A));

    // A manifest edited after signing.
    let dir = signing_example("2026-12-31");
    let repo = dir.path();
    assert_eq!(sign(repo, &[]).code, 0);
    let sigs = repo.join("evidence/signatures");
    let file = std::fs::read_dir(&sigs)
        .expect("dir")
        .next()
        .expect("one")
        .expect("entry")
        .path();
    let text = std::fs::read_to_string(&file).expect("manifest");
    std::fs::write(
        &file,
        text.replace("signer: ci/collector", "signer: mallory"),
    )
    .expect("write");
    assert_eq!(
        codes_in(&signature_diags(repo), "evidence-signature-invalid").len(),
        1
    );

    // Unknown key id.
    let dir = signing_example("2026-12-31");
    let repo = dir.path();
    assert_eq!(sign(repo, &[]).code, 0);
    write(
        repo,
        "aegis.yaml",
        &read(repo, "aegis.yaml").replace("- id: collector", "- id: collecter"),
    );
    let out = aegis(repo, &["validate", "--as-of", AS_OF]);
    assert!(
        out.stdout.contains("error[signing-key-unknown]"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("did you mean `collecter`?"),
        "{}",
        out.stdout
    );

    // Expired: signed after the key's not_after.
    let dir = signing_example("2026-10-31");
    let repo = dir.path();
    assert_eq!(sign(repo, &[]).code, 0);
    let d = signature_diags(repo);
    assert_eq!(codes_in(&d, "signing-key-expired").len(), 1, "{d:?}");
    assert_eq!(codes_in(&d, "evidence-unsigned").len(), 4, "{d:?}");
}

#[test]
fn a_key_file_may_hold_pem_or_a_base64_seed() {
    let dir = signing_example("2026-12-31");
    let repo = dir.path();
    let keys = tempfile::tempdir().expect("tempdir");
    let seed_file = keys.path().join("seed.txt");
    std::fs::write(&seed_file, format!("{SEED_A}\n")).expect("write");
    let out = Aegis::new()
        .current_dir(repo)
        .args([
            "evidence",
            "sign",
            "--key-id",
            "collector",
            "--signed-at",
            "2026-11-30T06:00:00Z",
            "--key-file",
        ])
        .arg(&seed_file)
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(signature_diags(repo).is_empty());
    let garbage = keys.path().join("garbage.pem");
    std::fs::write(
        &garbage,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .expect("write");
    let bad = Aegis::new()
        .current_dir(repo)
        .args(["evidence", "sign", "--key-id", "collector", "--key-file"])
        .arg(&garbage)
        .run();
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("neither a PKCS#8 PEM block"),
        "{}",
        bad.stderr
    );
    let missing = Aegis::new()
        .current_dir(repo)
        .args([
            "evidence",
            "sign",
            "--key-id",
            "collector",
            "--key-env",
            "NO_SUCH_KEY_VAR",
        ])
        .run();
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("NO_SUCH_KEY_VAR is not set"),
        "{}",
        missing.stderr
    );
}
