//! `aegis migrate`: outdated files rewritten in place, idempotently.

use crate::harness::{AS_OF, Aegis, copy_fixture};
use std::path::Path;

fn migrate(dir: &Path, extra: &[&str]) -> crate::harness::Output {
    Aegis::new()
        .arg("migrate")
        .arg(dir)
        .args(extra)
        .redact(dir, "[REPO]")
        .run()
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).expect("read")
}

fn snapshot_of(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir.join("risks")).expect("risks") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        out.push((name, std::fs::read_to_string(&path).expect("read")));
    }
    out.sort();
    out
}

#[test]
fn a_version_1_repo_migrates_validates_and_stays_put_on_a_second_run() {
    let dir = copy_fixture("repos/risks-v1");
    let check = migrate(dir.path(), &["--check"]);
    assert_eq!(check.code, 1, "--check fails while a file is outdated");

    let out = migrate(dir.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    insta::assert_snapshot!("migrate_v1_repo", out.stdout);

    // Comments and the untouched keys survive.
    let r1 = read(dir.path(), "risks/R-001.yaml");
    assert!(r1.starts_with("# yaml-language-server: $schema=../schemas/risk.schema.json\n# Reviewed at the 2026 risk workshop.\nschema_version: 2\n"), "{r1}");
    assert!(r1.contains("# Likelihood: leaked password lists are traded weekly.\ninherent:\n  likelihood: 4   # likely\n  impact: 4\n"), "{r1}");
    assert!(
        r1.contains("  frequency:   # events per year\n    min: 0.5\n"),
        "{r1}"
    );

    let validate = Aegis::new()
        .args(["validate", ".", "--format", "json", "--as-of", AS_OF])
        .current_dir(dir.path())
        .run();
    assert_eq!(validate.code, 0, "{}", validate.stdout);
    assert!(validate.diagnostics().is_empty(), "{}", validate.stdout);

    let before = snapshot_of(dir.path());
    let again = migrate(dir.path(), &[]);
    assert_eq!(again.code, 0);
    assert_eq!(
        again.stdout,
        "nothing to migrate: every file is at its kind's current schema_version\n"
    );
    assert_eq!(
        snapshot_of(dir.path()),
        before,
        "a second run changes nothing"
    );
    assert_eq!(migrate(dir.path(), &["--check"]).code, 0);
}

#[test]
fn dry_run_shows_a_diff_and_writes_nothing() {
    let dir = copy_fixture("repos/risks-v1");
    let before = snapshot_of(dir.path());
    let out = migrate(dir.path(), &["--dry-run"]);
    assert_eq!(out.code, 0);
    insta::assert_snapshot!("migrate_dry_run", out.stdout);
    assert_eq!(snapshot_of(dir.path()), before);
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_left_untouched() {
    let dir = copy_fixture("repos/risks-v1");
    let broken = "schema_version: 1\nid: R-009\nlikelihood: [1,\n";
    std::fs::write(dir.path().join("risks/R-009.yaml"), broken).expect("write");
    // A flow top level cannot be edited in place: refused, not guessed.
    let flow = "{schema_version: 1, id: R-010, title: t, owner: o, likelihood: 1, impact: 1, treatment: accept}\n";
    std::fs::write(dir.path().join("risks/R-010.yaml"), flow).expect("write");
    let out = migrate(dir.path(), &["--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let json = out.json();
    assert_eq!(json["migrated"], 3);
    assert_eq!(json["failed"], 2);
    let files = json["files"].as_array().expect("files");
    let failed: Vec<&str> = files
        .iter()
        .filter(|f| f["status"] == "failed")
        .map(|f| f["path"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(failed, ["risks/R-009.yaml", "risks/R-010.yaml"]);
    assert_eq!(read(dir.path(), "risks/R-009.yaml"), broken);
    assert_eq!(read(dir.path(), "risks/R-010.yaml"), flow);
    assert!(read(dir.path(), "risks/R-001.yaml").contains("schema_version: 2"));
    assert_eq!(
        files[0]["changes"][0],
        serde_json::json!({"moved": {"from": "likelihood", "to": "inherent.likelihood"}})
    );
}
