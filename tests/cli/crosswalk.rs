//! `aegis crosswalk import` as a user runs it: the report, its exit codes
//! and its JSON form, on the hand-made fixtures of `tests/fixtures/crosswalk`.

use crate::harness::{Aegis, fixtures};

/// A repository holding the fixtures' two frameworks, `alpha` and `beta`.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let out = Aegis::new().args(["init"]).arg(root).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    for (file, id) in [("alpha.json", "alpha"), ("beta.json", "beta")] {
        let out = Aegis::new()
            .args(["framework", "import"])
            .arg(fixtures().join("crosswalk/frameworks").join(file))
            .args(["--id", id, "--repo"])
            .arg(root)
            .run();
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    dir
}

#[test]
fn the_report_counts_every_pair_and_exits_1_when_some_are_not_placed() {
    let dir = repo();
    let out = Aegis::new()
        .args(["crosswalk", "import", "crosswalk/ciso.yaml", "--repo"])
        .arg(dir.path())
        .redact(dir.path(), "[REPO]")
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("crosswalk_import_ciso", out.stdout);
    // JSON: the same counts, every unplaced pair.
    let out = Aegis::new()
        .args([
            "crosswalk",
            "import",
            "crosswalk/ciso.yaml",
            "--format",
            "json",
            "--repo",
        ])
        .arg(dir.path())
        .run();
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["version"], 1);
    assert_eq!(v["imports"][0]["stated"], 6);
    assert_eq!(v["imports"][0]["written"], 3);
    assert_eq!(v["imports"][0]["status"], "unchanged");
    assert_eq!(
        v["imports"][0]["unplaced"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(v["imports"][1]["status"], "inverse");
}

#[test]
fn exit_0_when_everything_is_placed_and_2_when_the_command_cannot_run() {
    let dir = repo();
    let out = Aegis::new()
        .args([
            "crosswalk",
            "import",
            "crosswalk/mapping-collection.json",
            "--repo",
        ])
        .arg(dir.path())
        .run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        dir.path()
            .join("controls/mappings/alpha--beta.yaml")
            .is_file()
    );
    let out = Aegis::new()
        .args(["crosswalk", "import", "crosswalk/trestle.csv", "--repo"])
        .arg(dir.path())
        .run();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--replace"), "{}", out.stderr);
    let out = Aegis::new()
        .args([
            "crosswalk",
            "import",
            "crosswalk/trestle.csv",
            "--replace",
            "--repo",
        ])
        .arg(dir.path())
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = Aegis::new()
        .args(["crosswalk", "import", "crosswalk/nope.csv", "--repo"])
        .arg(dir.path())
        .run();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("nope.csv"), "{}", out.stderr);
}
