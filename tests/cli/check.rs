//! `aegis check`: the CI gate.

use crate::harness::{AS_OF, Aegis, copy_fixture, fixtures};

fn check(dir: &std::path::Path, repo: &str) -> crate::harness::Output {
    Aegis::new()
        .args(["check", repo, "--as-of", AS_OF, "--format", "json"])
        .current_dir(dir)
        .run()
}

#[test]
fn check_passes_a_clean_repository() {
    let out = check(&fixtures().join("repos"), "clean");
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(out.diagnostics(), vec![]);
}

#[test]
fn check_fails_the_build_on_everything_validate_finds() {
    let out = check(&fixtures().join("repos"), "mixed");
    assert_eq!(out.code, 1);
    let validate = Aegis::new()
        .args(["validate", "mixed", "--as-of", AS_OF, "--format", "json"])
        .current_dir(fixtures().join("repos"))
        .run();
    // Everything validate finds, and the gate's verdict on the gaps.
    let (gate, rest): (Vec<_>, Vec<_>) = out
        .diagnostics()
        .into_iter()
        .partition(|d| d.code == "gap-threshold");
    assert_eq!(rest, validate.diagnostics());
    assert_eq!(gate.len(), 1, "{gate:?}");
    assert!(
        gate[0].message.contains("needs <= 0"),
        "{}",
        gate[0].message
    );
}

#[test]
fn check_follows_the_gate_in_aegis_yaml() {
    let dir = copy_fixture("bad/policy-review-overdue");
    // The fixture's gaps are allowed here: this is about the severity gate.
    let config = dir.path().join("aegis.yaml");
    let mut text = std::fs::read_to_string(&config).expect("read");
    text.push_str("gate:\n  thresholds:\n    - min_coverage: 0\n");
    std::fs::write(&config, &text).expect("write");
    assert_eq!(
        check(dir.path(), ".").code,
        0,
        "a warning is below the default gate"
    );
    text.push_str("  fail_on: warning\n");
    std::fs::write(&config, text).expect("write");
    let out = check(dir.path(), ".");
    assert_eq!(out.code, 1);
    assert_eq!(out.codes(), vec!["policy-review-overdue".to_string()]);
}

#[test]
fn check_outside_a_repository_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Aegis::new().args(["check"]).current_dir(dir.path()).run();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("has no aegis.yaml"), "{}", out.stderr);
}
