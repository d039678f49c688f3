//! `aegis crosswalk suggest|accept|reject` as a user runs them, on the
//! hand-made repository `tests/fixtures/repos/suggest`: frameworks `ops`
//! and `sec`, both mapped to `hub`, and one manual pair between them.

use crate::harness::{Aegis, copy_fixture};

fn suggest(dir: &std::path::Path, extra: &[&str]) -> crate::harness::Output {
    Aegis::new()
        .args(["crosswalk", "suggest", "ops", "sec", "--repo"])
        .arg(dir)
        .args(extra.iter().copied())
        .run()
}

fn decide(dir: &std::path::Path, args: &[&str]) -> crate::harness::Output {
    Aegis::new()
        .args(["crosswalk"])
        .args(args.iter().copied())
        .args(["--on", "2026-06-01", "--repo"])
        .arg(dir)
        .redact(dir, "[REPO]")
        .run()
}

#[test]
fn suggestions_in_both_formats() {
    let dir = copy_fixture("repos/suggest");
    let out = suggest(dir.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("crosswalk_suggest_human", out.stdout);
    let out = suggest(dir.path(), &["--format", "json", "--top", "2"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("crosswalk_suggest_json", out.stdout);
    // Byte-identical on a second run.
    assert_eq!(
        suggest(dir.path(), &["--format", "json", "--top", "2"]).stdout,
        out.stdout
    );
}

#[test]
fn mapped_withdrawn_and_decided_pairs_are_never_offered() {
    let dir = copy_fixture("repos/suggest");
    let json = |dir: &std::path::Path| -> serde_json::Value {
        let out = suggest(dir, &["--format", "json"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        serde_json::from_str(&out.stdout).expect("json")
    };
    let pairs = |v: &serde_json::Value| -> Vec<(String, String)> {
        let mut out = Vec::new();
        for s in v["suggestions"].as_array().expect("suggestions") {
            for c in s["candidates"].as_array().expect("candidates") {
                out.push((
                    s["source"].as_str().unwrap_or_default().to_string(),
                    c["target"].as_str().unwrap_or_default().to_string(),
                ));
            }
        }
        out
    };
    let before = pairs(&json(dir.path()));
    let has = |p: &[(String, String)], s: &str, t: &str| p.iter().any(|x| x.0 == s && x.1 == t);
    // ID-2 -> SEC-2 is mapped (manual); RC-2 and SEC-5 are withdrawn.
    assert!(!has(&before, "ID-2", "SEC-2"));
    assert!(before.iter().all(|(s, t)| s != "RC-2" && t != "SEC-5"));
    assert!(has(&before, "ID-1", "SEC-1") && has(&before, "RC-1", "SEC-4"));

    let out = decide(
        dir.path(),
        &[
            "accept", "ops", "sec", "ID-1", "sec-1", "--type", "equal", "--by", "alice",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "accepted ID-1 -> SEC-1: created controls/mappings/ops--sec.suggested.yaml\n"
    );
    let out = decide(
        dir.path(),
        &[
            "reject",
            "ops",
            "sec",
            "rc-1",
            "SEC-4",
            "--note",
            "media, not backups",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "rejected RC-1 -> SEC-4: updated controls/mappings/ops--sec.suggested.yaml\n"
    );
    let file = dir.path().join("controls/mappings/ops--sec.suggested.yaml");
    let written = std::fs::read_to_string(&file).expect("suggested file");
    insta::assert_snapshot!("crosswalk_suggested_file", written);

    // Idempotent: the same decisions again change nothing.
    let out = decide(
        dir.path(),
        &["accept", "ops", "sec", "ID-1", "SEC-1", "--type", "equal"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("already accepted"), "{}", out.stdout);
    let out = decide(dir.path(), &["reject", "ops", "sec", "RC-1", "SEC-4"]);
    assert!(out.stdout.contains("already rejected"), "{}", out.stdout);
    assert_eq!(std::fs::read_to_string(&file).expect("file"), written);
    // A contradicting decision is refused, naming the file.
    let out = decide(dir.path(), &["accept", "ops", "sec", "RC-1", "SEC-4"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("ops--sec.suggested.yaml") && out.stderr.contains("already rejected"),
        "{}",
        out.stderr
    );
    // A pair some mapping holds needs no decision.
    let out = decide(dir.path(), &["reject", "ops", "sec", "ID-2", "SEC-2"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout
            .contains("already mapped in controls/mappings/ops--sec.yaml (manual)"),
        "{}",
        out.stdout
    );

    let after = pairs(&json(dir.path()));
    assert!(!has(&after, "ID-1", "SEC-1"));
    assert!(!has(&after, "RC-1", "SEC-4"));
    assert!(has(&after, "RC-1", "SEC-3"));
    let out = Aegis::new().args(["validate"]).arg(dir.path()).run();
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn a_decision_is_added_to_a_hand_edited_file_without_touching_the_rest() {
    let dir = copy_fixture("repos/suggest");
    let file = dir.path().join("controls/mappings/ops--sec.suggested.yaml");
    let hand = "# kept by the GRC team\nschema_version: 1\nsource: ops\ntarget: sec\nprovenance:\n  kind: suggested   # from aegis\nrelationships:\n  - source: RC-1\n    targets: [SEC-3]   # checked 2026-05\n    type: equal\n";
    std::fs::write(&file, hand).expect("write");
    let out = decide(
        dir.path(),
        &["reject", "ops", "sec", "ID-1", "SEC-2", "--by", "bob"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(&file).expect("file");
    assert_eq!(
        text,
        format!(
            "{hand}decisions:\n- source: ID-1\n  target: SEC-2\n  accepted: false\n  by: bob\n  \"on\": \"2026-06-01\"\n"
        )
    );
    let out = decide(dir.path(), &["accept", "ops", "sec", "ID-1", "SEC-1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(&file).expect("file");
    assert!(text.starts_with("# kept by the GRC team\n"), "{text}");
    assert!(text.contains("    targets: [SEC-3]   # checked 2026-05\n    type: equal\n  - source: ID-1\n    targets:\n    - SEC-1\n    type: intersects-with\ndecisions:\n"), "{text}");
    // A file that is not a suggested mapping between the two is refused.
    std::fs::write(
        &file,
        "schema_version: 1\nsource: sec\ntarget: ops\nprovenance:\n  kind: official\n",
    )
    .expect("write");
    let out = decide(dir.path(), &["accept", "ops", "sec", "RC-1", "SEC-4"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(
            "ops--sec.suggested.yaml: it should hold suggested pairs from `ops` to `sec`"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn unknown_frameworks_and_controls_are_refused_with_a_hint() {
    let dir = copy_fixture("repos/suggest");
    let out = Aegis::new()
        .args(["crosswalk", "suggest", "opz", "sec", "--repo"])
        .arg(dir.path())
        .run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("framework `opz` is not in the repository; did you mean `ops`?"),
        "{}",
        out.stderr
    );
    let out = suggest(dir.path(), &["--source", "ID-1x"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("source `ID-1x` is not a control of `ops`; did you mean `ID-1`?"),
        "{}",
        out.stderr
    );
    let out = decide(dir.path(), &["accept", "ops", "sec", "ID-1", "SEC-11"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("target `SEC-11` is not a control of `sec`; did you mean"),
        "{}",
        out.stderr
    );
    let out = decide(dir.path(), &["reject", "ops", "sec", "ID-1", "SEC-5"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("`SEC-5` is withdrawn from `sec`; its requirements went to sec-3"),
        "{}",
        out.stderr
    );
    let out = decide(
        dir.path(),
        &["reject", "ops", "sec", "ID-1", "SEC-1", "--type", "equal"],
    );
    assert_eq!(out.code, 2);
    let out = suggest(dir.path(), &["--top", "0"]);
    assert_eq!(out.code, 2);
    // Escapes in a given id are shown, never run.
    let out = decide(
        dir.path(),
        &["accept", "ops", "sec", "ID-1\u{1b}[31m", "SEC-1"],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("ID-1\\u{1b}[31m") || out.stderr.contains("ID-1\\x1b[31m"),
        "{}",
        out.stderr
    );
    assert!(
        !dir.path()
            .join("controls/mappings/ops--sec.suggested.yaml")
            .exists()
    );
}

#[test]
fn hostile_text_is_escaped_and_bounded() {
    let dir = copy_fixture("repos/suggest");
    let fw = dir.path().join("controls/sec/framework.yaml");
    let mut text = std::fs::read_to_string(&fw).expect("read");
    let huge = "backup restore ".repeat(200_000);
    text.push_str(&format!(
        "  - id: sec-9\n    title: \"Evil \\e[2J\\u202e title\"\n    statement: \"{huge} \\u0000 İ ﬁ 𝔘\"\n"
    ));
    std::fs::write(&fw, text).expect("write");
    let out = suggest(dir.path(), &["--source", "RC-1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        !out.stdout.contains('\u{1b}') && !out.stdout.contains('\u{202e}'),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("SEC-3"), "{}", out.stdout);
}
