//! `aegis gaps` and the gate over gaps in `aegis check`: statuses and
//! reasons, crosswalk paths (written and inferred), thresholds and the
//! ratchet.

use crate::harness::{AS_OF, Aegis, copy_fixture, fixtures};
use std::path::Path;

/// The example's records are dated up to 2026-10; judge them a little later.
const EXAMPLE_AS_OF: &str = "2026-12-01";

fn example() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/saas")
}

fn gaps(repo: &Path, as_of: &str, extra: &[&str]) -> crate::harness::Output {
    Aegis::new()
        .args(["gaps", "--as-of", as_of, "--repo"])
        .arg(repo)
        .args(extra)
        .run()
}

fn check(repo: &Path, extra: &[&str]) -> crate::harness::Output {
    Aegis::new()
        .args(["check", "--as-of", AS_OF, "--format", "json", "--repo"])
        .arg(repo)
        .args(extra)
        .run()
}

/// The gap-threshold fixture (two controls, C-2 unimplemented) with no
/// `gate:` section, and its aegis.yaml text without one.
fn bare() -> (tempfile::TempDir, String) {
    let dir = copy_fixture("bad/gap-threshold");
    let config = dir.path().join("aegis.yaml");
    let text = std::fs::read_to_string(&config).expect("read");
    let head = text.split("gate:").next().expect("head").to_string();
    std::fs::write(&config, &head).expect("write");
    (dir, head)
}

#[test]
fn the_example_shows_every_baseline_control_with_its_status() {
    let out = gaps(&example(), EXAMPLE_AS_OF, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    crate::snapshot!("gaps_example_human", out.stdout);
    let json = gaps(&example(), EXAMPLE_AS_OF, &["--format", "json"]);
    let j = json.json();
    assert_eq!(j["version"], 1);
    let ledger = &j["systems"][1];
    assert_eq!(ledger["id"], "ledger");
    // Every control of the baseline is counted, not only those written down.
    assert_eq!(ledger["baselines"][0]["controls"], 11);
    let acme = &ledger["baselines"][1];
    assert_eq!(acme["framework"], "acme-msa");
    assert_eq!(acme["controls"], 5);
    let statuses = acme["statuses"].as_array().expect("statuses");
    let acme1 = statuses
        .iter()
        .find(|s| s["control"] == "ACME-1")
        .expect("ACME-1");
    assert_eq!(acme1["status"], "crosswalk");
    assert_eq!(acme1["via"][0]["from"], "northwind-baseline:IAM-2");
    assert_eq!(acme1["via"][0]["type"], "superset-of");
    assert_eq!(
        acme1["via"][0]["mapping"],
        "controls/mappings/northwind-baseline--acme-msa.yaml"
    );
    let gap_ids: Vec<&str> = acme["gaps"]
        .as_array()
        .expect("gaps")
        .iter()
        .filter_map(|g| g["control"].as_str())
        .collect();
    assert_eq!(gap_ids, ["ACME-3", "ACME-5"]);
    crate::snapshot!("gaps_example_json", json.stdout);
}

#[test]
fn explain_says_why_step_by_step() {
    let out = gaps(
        &example(),
        EXAMPLE_AS_OF,
        &["--system", "ledger", "--explain", "acme-msa:ACME-3"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    crate::snapshot!("gaps_explain_acme_3", out.stdout);
    let out = gaps(&example(), EXAMPLE_AS_OF, &["--explain", "NOPE-9"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("NOPE-9"), "{}", out.stderr);
}

#[test]
fn csv_and_markdown_list_the_gaps_with_their_poam_ids() {
    let csv = gaps(
        &example(),
        EXAMPLE_AS_OF,
        &["--format", "csv", "--gaps-only", "--system", "ledger"],
    );
    let mut lines = csv.stdout.lines();
    assert_eq!(
        lines.next(),
        Some("system,framework,baseline,control,status,gap,reasons,details,exceptions,poam,via")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(rows.iter().all(|r| r.contains("POAM-")), "{rows:?}");
    assert!(
        rows.iter()
            .any(|r| r.starts_with("ledger,acme-msa,,ACME-5,missing,yes,missing,"))
    );
    let md = gaps(
        &example(),
        EXAMPLE_AS_OF,
        &["--format", "markdown", "--gaps-only"],
    );
    assert!(md.stdout.starts_with("# Gaps\n"));
    assert!(md.stdout.contains("| ACME-5 | missing |"), "{}", md.stdout);
}

#[test]
fn poam_ids_stay_the_same_from_run_to_run() {
    let a = gaps(&example(), EXAMPLE_AS_OF, &["--format", "json"]);
    let b = gaps(&example(), "2026-12-02", &["--format", "json"]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn inference_through_a_hub_meets_a_control_and_never_overrides_a_written_judgement() {
    let repo = fixtures().join("repos/hub");
    let j = gaps(&repo, AS_OF, &["--format", "json"]).json();
    let statuses = j["systems"][0]["baselines"][0]["statuses"]
        .as_array()
        .expect("statuses")
        .clone();
    let of = |id: &str| {
        statuses
            .iter()
            .find(|s| s["control"] == id)
            .unwrap_or_else(|| panic!("{id}"))
            .clone()
    };
    // law:L-1 equal hub:H-1, and S-1 subset-of H-1: L-1 covers S-1.
    let s1 = of("S-1");
    assert_eq!(s1["status"], "crosswalk");
    assert_eq!(s1["inferred"], true);
    assert_eq!(s1["via"].as_array().map(Vec::len), Some(2));
    assert_eq!(s1["via"][0]["from"], "law:L-1");
    assert_eq!(s1["via"][1]["to"], "std:S-1");
    // L-2 only intersects H-2: nothing certain follows for S-2.
    assert_eq!(of("S-2")["status"], "missing");
    // Through the hub L-3 would cover S-3, but a person wrote that they
    // only intersect, and that stands.
    assert_eq!(of("S-3")["status"], "missing");
    assert_eq!(of("S-4")["status"], "missing");
    let show = Aegis::new()
        .args([
            "crosswalk",
            "show",
            "law",
            "std",
            "--format",
            "json",
            "--repo",
        ])
        .arg(&repo)
        .run();
    let links = show.json()["links"].clone();
    assert_eq!(links[0]["source"], "L-1");
    assert_eq!(links[0]["provenance"], "inferred");
    assert_eq!(links[0]["type"], "superset-of");
    assert_eq!(links[0]["strength"], 7, "weakest link");
    assert_eq!(links[1]["provenance"], "manual");
    assert_eq!(links.as_array().map(Vec::len), Some(2));
    let written_only = Aegis::new()
        .args([
            "crosswalk",
            "show",
            "law",
            "std",
            "--no-inferred",
            "--format",
            "csv",
            "--repo",
        ])
        .arg(&repo)
        .run();
    assert_eq!(
        written_only.stdout.lines().count(),
        2,
        "{}",
        written_only.stdout
    );
}

#[test]
fn with_no_thresholds_every_gap_fails_the_gate() {
    let (dir, _) = bare();
    let out = check(dir.path(), &[]);
    assert_eq!(out.code, 1);
    let d = out.diagnostics();
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        d[0].message
            .contains("gaps 1 where the gate (no thresholds set, so no gap is allowed) needs <= 0"),
        "{}",
        d[0].message
    );
    assert_eq!(
        out.json()["gaps"]["systems"][0]["baselines"][0]["gaps"][0]["control"],
        "C-2"
    );
}

#[test]
fn thresholds_say_what_they_needed_and_what_they_got() {
    let (dir, head) = bare();
    let config = dir.path().join("aegis.yaml");
    let with = |gate: &str| {
        std::fs::write(&config, format!("{head}gate:\n  thresholds:\n{gate}")).expect("write");
        check(dir.path(), &[])
    };
    assert_eq!(with("    - min_coverage: 50\n").code, 0);
    let out = with("    - min_coverage: 50\n      max_gaps: {missing: 0}\n");
    assert_eq!(out.code, 1);
    let m = &out.diagnostics()[0].message;
    assert!(
        m.contains("gaps for `missing` 1 where `gate.thresholds[0]` needs <= 0"),
        "{m}"
    );
    // Only evidence reasons fail here, and the gap is a missing control.
    assert_eq!(with("    - fail_on: [evidence-stale]\n").code, 0);
    // A threshold for another system does not apply; the default does.
    let out = with("    - system: other\n      min_coverage: 0\n");
    assert_eq!(out.code, 1);
    // SARIF and GitHub carry the same numbers.
    let sarif = Aegis::new()
        .args(["check", ".", "--as-of", AS_OF, "--format", "sarif"])
        .current_dir(dir.path())
        .run();
    assert!(sarif.stdout.contains("needs <= 0"), "{}", sarif.stdout);
    let github = Aegis::new()
        .args(["check", ".", "--as-of", AS_OF, "--format", "github"])
        .current_dir(dir.path())
        .run();
    assert!(
        github.stdout.contains("::error file=aegis.yaml"),
        "{}",
        github.stdout
    );
    assert!(github.stdout.contains("needs <= 0"), "{}", github.stdout);
}

#[test]
fn the_ratchet_fails_only_when_a_count_gets_worse() {
    let (dir, _) = bare();
    assert_eq!(check(dir.path(), &[]).code, 1);
    let wrote = check(dir.path(), &["--write-baseline"]);
    assert_eq!(wrote.code, 0, "{}", wrote.stdout);
    let ratchet = std::fs::read_to_string(dir.path().join("aegis-ratchet.json")).expect("ratchet");
    crate::snapshot!("gaps_ratchet_file", ratchet);
    assert_eq!(check(dir.path(), &[]).code, 0, "no worse than recorded");
    // Worse: the one implementation loses its evidence.
    let imp = dir.path().join("implementations/app/C-1.yaml");
    let text = std::fs::read_to_string(&imp).expect("read");
    std::fs::write(&imp, text.replace("evidence: [config-export]\n", "")).expect("write");
    let out = check(dir.path(), &[]);
    assert_eq!(out.code, 1);
    let messages: Vec<String> = out.diagnostics().into_iter().map(|d| d.message).collect();
    assert_eq!(
        messages,
        [
            "system `app`, fw: coverage 0.0% where the ratchet file needs >= 50.0%",
            "system `app`, fw: gaps 2 where the ratchet file needs <= 1",
            "system `app`, fw: gaps for `evidence-missing` 1 where the ratchet file needs <= 0",
        ]
        .map(String::from)
    );
    // A damaged ratchet is reported, and the gate falls back to its thresholds.
    std::fs::write(dir.path().join("aegis-ratchet.json"), "{not json").expect("write");
    let out = check(dir.path(), &[]);
    assert_eq!(out.code, 1);
    assert!(
        out.codes().contains(&"invalid-value".to_string()),
        "{:?}",
        out.codes()
    );
    assert!(out.codes().contains(&"gap-threshold".to_string()));
}

#[test]
fn a_ratchet_path_outside_the_repository_is_refused() {
    let (dir, head) = bare();
    let config = dir.path().join("aegis.yaml");
    std::fs::write(
        &config,
        format!("{head}gate:\n  ratchet: ../outside.json\n"),
    )
    .expect("write");
    let out = check(dir.path(), &["--write-baseline"]);
    assert!(
        out.codes().contains(&"path-escapes-repo".to_string()),
        "{:?}",
        out.codes()
    );
    assert!(!dir.path().join("../outside.json").exists());
}

#[test]
fn inferred_relationships_can_be_kept_in_a_file_and_stay_labelled() {
    let dir = copy_fixture("repos/hub");
    let infer = |extra: &[&str]| {
        Aegis::new()
            .args(["crosswalk", "infer", "law", "std", "--repo"])
            .arg(dir.path())
            .args(extra)
            .run()
    };
    let dry = infer(&["--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        !dir.path()
            .join("controls/mappings/law--std.inferred.yaml")
            .exists()
    );
    let out = infer(&[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let file = dir.path().join("controls/mappings/law--std.inferred.yaml");
    let text = std::fs::read_to_string(&file).expect("written");
    crate::snapshot!("crosswalk_infer_law_std", text);
    // Rewritten from the other mappings, never from itself: unchanged.
    assert!(infer(&[]).stderr.contains("unchanged"));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), text);
    let v = Aegis::new()
        .args(["validate", ".", "--as-of", AS_OF, "--format", "json"])
        .current_dir(dir.path())
        .run();
    assert_eq!(v.code, 0, "{}", v.stdout);
    let j = gaps(dir.path(), AS_OF, &["--format", "json"]).json();
    let s1 = j["systems"][0]["baselines"][0]["statuses"][0].clone();
    assert_eq!(s1["control"], "S-1");
    assert_eq!(s1["status"], "crosswalk");
    assert_eq!(s1["inferred"], true);
    assert_eq!(s1["via"][0]["provenance"], "inferred");
    let none = Aegis::new()
        .args(["crosswalk", "infer", "std", "law", "--via", "law", "--repo"])
        .arg(dir.path())
        .run();
    assert_eq!(none.code, 2);
}

#[test]
fn a_system_selecting_two_baselines_of_one_framework_resolves_short_ids() {
    let (dir, head) = bare();
    let fw = dir.path().join("controls/fw/framework.yaml");
    let mut text = std::fs::read_to_string(&fw).expect("read");
    text.push_str(
        "baselines:\n  - id: low\n    controls: [C-1]\n  - id: high\n    controls: [C-1, C-2]\n",
    );
    std::fs::write(&fw, text).expect("write");
    std::fs::write(
        dir.path().join("aegis.yaml"),
        head.replace(
            "      - framework: fw\n",
            "      - framework: fw\n        baseline: low\n      - framework: fw\n        baseline: high\n",
        ),
    )
    .expect("write");
    let out = check(dir.path(), &[]);
    assert_eq!(
        out.codes(),
        vec!["gap-threshold".to_string()],
        "{}",
        out.stdout
    );
    let j = out.json();
    let sels = &j["gaps"]["systems"][0]["baselines"];
    assert_eq!(sels[0]["baseline"], "low");
    assert_eq!(sels[0]["satisfied"], 1);
    assert_eq!(sels[1]["baseline"], "high");
    assert_eq!(sels[1]["gaps"][0]["control"], "C-2");
}

#[test]
fn crosswalk_show_gives_a_coverage_matrix_by_group() {
    let out = Aegis::new()
        .args([
            "crosswalk",
            "show",
            "northwind-baseline",
            "acme-msa",
            "--matrix",
            "--format",
            "json",
            "--repo",
        ])
        .arg(example())
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let m = out.json();
    assert_eq!(m["rows"], serde_json::json!(["dat", "iam", "log", "vul"]));
    assert_eq!(m["columns"], serde_json::json!(["(none)"]));
    assert_eq!(m["cells"], serde_json::json!([[1], [1], [1], [1]]));
    let human = Aegis::new()
        .args([
            "crosswalk",
            "show",
            "northwind-baseline",
            "acme-msa",
            "--matrix",
            "--repo",
        ])
        .arg(example())
        .run();
    crate::snapshot!("crosswalk_show_matrix", human.stdout);
}

#[test]
fn failing_findings_evidence_problems_and_unapproved_policies_are_reasons() {
    let (dir, _) = bare();
    let root = dir.path();
    std::fs::create_dir_all(root.join("findings/app")).expect("mkdir");
    std::fs::write(
        root.join("findings/app/scanner.yaml"),
        "schema_version: 1\nsystem: app\nsource:\n  tool: scanner\nfindings:\n  - target: host-1\n    rule_id: r-1\n    result: fail\n    controls: [fw:C-1]\n    mapped_by: references\n  - target: host-2\n    rule_id: r-1\n    result: fail\n    controls: [fw:C-1]\n    mapped_by: references\n  - target: host-1\n    rule_id: r-2\n    result: pass\n    controls: [fw:C-2]\n    mapped_by: references\n",
    )
    .expect("write");
    // Evidence rejected in review, and a draft policy linked to C-1.
    let ev = root.join("evidence/config-export.yaml");
    let mut text = std::fs::read_to_string(&ev).expect("read");
    text.push_str("review:\n  status: rejected\n");
    std::fs::write(&ev, text).expect("write");
    std::fs::create_dir_all(root.join("policies")).expect("mkdir");
    std::fs::write(
        root.join("policies/ops.md"),
        "---\nschema_version: 1\nid: ops\ntitle: Operations\nversion: \"1\"\nowner: \"@ops\"\nstatus: draft\ncontrols: [fw:C-1]\n---\n\n# Operations\n",
    )
    .expect("write");
    let j = gaps(root, AS_OF, &["--format", "json"]).json();
    let c1 = j["systems"][0]["baselines"][0]["gaps"][0].clone();
    assert_eq!(c1["control"], "C-1");
    assert_eq!(
        c1["reasons"],
        serde_json::json!(["evidence-rejected", "policy-unapproved", "findings-fail"])
    );
    let statuses = j["systems"][0]["baselines"][0]["statuses"].clone();
    let details: Vec<&str> = statuses[0]["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(|r| r["detail"].as_str())
        .collect();
    assert!(
        details.contains(&"2 failing scan finding(s) map to it"),
        "{details:?}"
    );
    assert!(details.contains(&"policy `ops` is a draft"), "{details:?}");
    // An exception in force covers C-2's gap: shown, not counted.
    std::fs::create_dir_all(root.join("exceptions")).expect("mkdir");
    std::fs::write(
        root.join("exceptions/EX-1.yaml"),
        "schema_version: 1\nid: EX-1\ncontrols: [fw:C-2]\nsystem: app\njustification: Waiting for the vendor.\nrisk_rating: low\napprover: \"@lead\"\ngranted: 2026-05-01\nexpires: 2026-12-31\n",
    )
    .expect("write");
    let j = gaps(root, AS_OF, &["--format", "json"]).json();
    let sel = &j["systems"][0]["baselines"][0];
    assert_eq!(sel["gaps"].as_array().map(Vec::len), Some(1));
    assert_eq!(sel["excepted"][0]["control"], "C-2");
    assert_eq!(
        sel["excepted"][0]["exceptions"],
        serde_json::json!(["EX-1"])
    );
    // Once it expires, it is a gap of its own.
    let j = gaps(root, "2027-01-15", &["--format", "json"]).json();
    let sel = &j["systems"][0]["baselines"][0];
    assert_eq!(sel["gaps"][1]["control"], "C-2");
    assert_eq!(
        sel["gaps"][1]["reasons"],
        serde_json::json!(["missing", "exception-expired"])
    );
}

#[test]
fn a_misspelt_threshold_is_reported_not_silently_ignored() {
    let (dir, head) = bare();
    std::fs::write(
        dir.path().join("aegis.yaml"),
        format!(
            "{head}gate:\n  thresholds:\n    - system: ap\n      framework: fw\n      baseline: nope\n      max_gaps:\n        mising: 5\n      fail_on: [evidence-stal]\n"
        ),
    )
    .expect("write");
    let out = Aegis::new()
        .args(["validate", ".", "--as-of", AS_OF, "--format", "json"])
        .current_dir(dir.path())
        .run();
    let found: Vec<(String, u32, String)> = out
        .diagnostics()
        .into_iter()
        .map(|d| (d.code, d.line, d.help.unwrap_or_default()))
        .collect();
    let want = [
        ("unknown-system", 11, "did you mean `app`?"),
        (
            "unknown-baseline",
            13,
            "framework `fw` defines no baselines; remove `baseline:`",
        ),
        ("invalid-value", 15, "did you mean `missing`?"),
        ("invalid-value", 16, "did you mean `evidence-stale`?"),
    ]
    .map(|(c, l, h)| (c.to_string(), l, h.to_string()));
    assert_eq!(found, want);
}

#[test]
fn a_hub_control_linked_to_everything_is_not_inferred_through() {
    let dir = copy_fixture("repos/hub");
    let n = 4100;
    let mut fw =
        String::from("schema_version: 1\nid: wide\ntitle: Wide\nversion: \"1\"\ncontrols:\n");
    let mut map = String::from(
        "schema_version: 1\nsource: wide\ntarget: hub\nprovenance:\n  kind: manual\nrelationships:\n",
    );
    for i in 0..n {
        fw.push_str(&format!("  - id: W-{i}\n    title: W {i}\n"));
        map.push_str(&format!(
            "  - source: W-{i}\n    targets: [H-1]\n    type: intersects-with\n"
        ));
    }
    std::fs::create_dir_all(dir.path().join("controls/wide")).expect("mkdir");
    std::fs::write(dir.path().join("controls/wide/framework.yaml"), fw).expect("write");
    std::fs::write(dir.path().join("controls/mappings/wide--hub.yaml"), map).expect("write");
    let j = gaps(dir.path(), AS_OF, &["--format", "json"]).json();
    let s1 = &j["systems"][0]["baselines"][0]["statuses"][0];
    assert_eq!(s1["control"], "S-1");
    // H-1 now links to more than 4,096 controls: L-1 no longer meets S-1 through it.
    assert_eq!(s1["status"], "missing");
    // S-3 through H-3 is untouched.
    let s3 = &j["systems"][0]["baselines"][0]["statuses"][2];
    assert_eq!(s3["control"], "S-3");
}

#[cfg(unix)]
#[test]
fn a_ratchet_behind_a_symbolic_link_out_of_the_repository_is_refused() {
    let (dir, head) = bare();
    let outside = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).expect("symlink");
    std::fs::write(
        dir.path().join("aegis.yaml"),
        format!("{head}gate:\n  ratchet: out/ratchet.json\n"),
    )
    .expect("write");
    let out = check(dir.path(), &["--write-baseline"]);
    assert!(
        out.codes().contains(&"path-escapes-repo".to_string()),
        "{:?}",
        out.codes()
    );
    assert!(!outside.path().join("ratchet.json").exists());
}

#[cfg(unix)]
#[test]
fn a_ratchet_file_that_is_a_symbolic_link_is_neither_read_nor_replaced() {
    let (dir, _) = bare();
    let outside = tempfile::tempdir().expect("tempdir");
    let target = outside.path().join("secret.json");
    std::fs::write(&target, "{\"version\": 1, \"selections\": {}}\n").expect("write");
    let link = dir.path().join("aegis-ratchet.json");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    for extra in [&[][..], &["--write-baseline"][..]] {
        let out = check(dir.path(), extra);
        assert!(
            out.codes().contains(&"path-escapes-repo".to_string()),
            "{:?}",
            out.codes()
        );
    }
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_to_string(&target).expect("read"),
        "{\"version\": 1, \"selections\": {}}\n"
    );
}
