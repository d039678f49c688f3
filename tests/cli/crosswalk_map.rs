//! `aegis crosswalk map|unmap`: a relationship stated by hand goes to the
//! manual mapping file (created when absent, edited in place otherwise),
//! `aegis validate` accepts the result, and what cannot be mapped is refused.

use crate::exceptions::read;
use crate::harness::{Aegis, Output, copy_fixture};
use crate::risk_lifecycle::passes_validation;
use crate::snapshot;
use std::path::Path;

/// Frameworks law (L-1..3), hub (H-1..3), std (S-1..4); law--hub and
/// std--hub official, law--std manual with a comment at its top.
fn repo() -> tempfile::TempDir {
    copy_fixture("repos/hub")
}

fn crosswalk(root: &Path, args: &[&str]) -> Output {
    Aegis::new()
        .arg("crosswalk")
        .args(args)
        .args(["--repo", "."])
        .current_dir(root)
        .run()
}

const MANUAL: &str = "controls/mappings/law--std.yaml";

#[test]
fn map_adds_to_the_manual_file_in_place() {
    let dir = repo();
    let root = dir.path();
    let before = read(root, MANUAL);
    let args = [
        "map",
        "law:L-1",
        "std:S-1",
        "--type",
        "equal",
        "--rationale",
        "semantic",
        "--note",
        "Same words: both ask for it",
    ];
    let out = crosswalk(root, &args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("crosswalk_map_stderr", out.stderr);
    let after = read(root, MANUAL);
    assert!(after.starts_with(&before), "only appended:\n{after}");
    snapshot!("crosswalk_map_file", after);
    passes_validation(root);
    // Again: nothing to change, nothing written.
    let again = crosswalk(root, &args);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("nothing to change"),
        "{}",
        again.stderr
    );
    assert_eq!(read(root, MANUAL), after);
    // Another type for a pair already there replaces its relationship.
    let out = crosswalk(root, &["map", "law:L-3", "std:S-3", "--type", "subset-of"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("(was intersects-with)"),
        "{}",
        out.stderr
    );
    let text = read(root, MANUAL);
    assert!(text.starts_with("# A person judged L-3 and S-3"), "{text}");
    assert!(
        text.contains("  - source: L-3\n    targets: [S-3]\n    type: subset-of\n"),
        "{text}"
    );
    assert!(!text.contains("intersects-with"), "{text}");
    passes_validation(root);
}

#[test]
fn unmap_takes_the_pair_out_and_keeps_the_rest() {
    let dir = repo();
    let root = dir.path();
    let out = crosswalk(
        root,
        &["map", "law:L-2", "std:S-2", "--type", "intersects-with"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = crosswalk(root, &["unmap", "law:L-3", "std:S-3", "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("nothing was written (--dry-run)"),
        "{}",
        out.stderr
    );
    assert!(read(root, MANUAL).contains("L-3"));
    let out = crosswalk(root, &["unmap", "law:L-3", "std:S-3"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("crosswalk_unmap_stderr", out.stderr);
    snapshot!("crosswalk_unmap_file", read(root, MANUAL));
    passes_validation(root);
    let again = crosswalk(root, &["unmap", "law:L-3", "std:S-3"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("no manual relationship"),
        "{}",
        again.stderr
    );
}

#[test]
fn a_pair_between_officially_mapped_frameworks_gets_its_own_manual_file() {
    let dir = repo();
    let root = dir.path();
    let official = read(root, "controls/mappings/law--hub.yaml");
    let out = crosswalk(root, &["map", "law:L-1", "hub:H-1", "--type", "subset-of"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("crosswalk_map_new_file_stderr", out.stderr);
    assert_eq!(read(root, "controls/mappings/law--hub.yaml"), official);
    let text = read(root, "controls/mappings/law--hub.manual.yaml");
    snapshot!("crosswalk_map_new_file", text);
    passes_validation(root);
    // A dry run for frameworks with no mapping yet writes nothing.
    let out = crosswalk(
        root,
        &["map", "hub:H-3", "std:S-4", "--type", "equal", "--dry-run"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("(a new file)"), "{}", out.stderr);
    assert!(!root.join("controls/mappings/hub--std.yaml").exists());
}

#[test]
fn map_refuses_unknown_and_same_framework_pairs() {
    let dir = repo();
    let root = dir.path();
    let before = read(root, MANUAL);
    let out = crosswalk(root, &["map", "law:L-1", "stx:S-1", "--type", "equal"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("did you mean `std`?"), "{}", out.stderr);
    let out = crosswalk(root, &["map", "law:L-9", "std:S-1", "--type", "equal"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("`law:L-9` is in no framework"),
        "{}",
        out.stderr
    );
    let out = crosswalk(root, &["map", "law:L-1", "law:L-2", "--type", "equal"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("a mapping relates two frameworks"),
        "{}",
        out.stderr
    );
    let out = crosswalk(root, &["unmap", "law:L-1", "sdt:S-1"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let out = crosswalk(root, &["map", "law:L-1", "std:S-1", "--type", "similar"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(read(root, MANUAL), before);
    assert!(!root.join("controls/mappings/law--std.manual.yaml").exists());
}
