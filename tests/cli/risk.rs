//! Risk register: schema versions, `aegis risk list|heatmap`.

use crate::harness::{AS_OF, Aegis, copy_fixture};

fn validate_json(dir: &std::path::Path) -> crate::harness::Output {
    Aegis::new()
        .args(["validate", ".", "--format", "json", "--as-of", AS_OF])
        .current_dir(dir)
        .run()
}

#[test]
fn a_version_1_risk_loads_upgraded_with_a_warning() {
    let dir = copy_fixture("bad/schema-outdated");
    let out = validate_json(dir.path());
    assert_eq!(
        out.code, 0,
        "a warning passes the default gate: {}",
        out.stdout
    );
    let diags = out.diagnostics();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].code, "schema-outdated");
    assert!(
        diags[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("aegis migrate")
    );
}

#[test]
fn a_mistake_in_a_version_1_risk_is_reported_where_it_is_written() {
    let dir = copy_fixture("bad/schema-outdated");
    let path = dir.path().join("risks/R-1.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("impact: 4", "impact: 9")).expect("write");
    let diags = validate_json(dir.path()).diagnostics();
    let bad: Vec<_> = diags.iter().filter(|d| d.code == "invalid-value").collect();
    assert_eq!(bad.len(), 1, "{diags:?}");
    assert_eq!((bad[0].line, bad[0].column), (8, 9), "{diags:?}");
    assert!(bad[0].message.contains("inherent.impact"), "{diags:?}");
}

#[test]
fn a_risk_newer_than_this_aegis_is_an_error() {
    let dir = copy_fixture("bad/schema-outdated");
    let path = dir.path().join("risks/R-1.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        text.replace("schema_version: 1", "schema_version: 3"),
    )
    .expect("write");
    let out = validate_json(dir.path());
    assert_eq!(out.code, 1);
    let diags = out.diagnostics();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].code, "unsupported-schema-version");
    assert!(
        diags[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("newer aegis")
    );
}

fn risk(args: &[&str]) -> crate::harness::Output {
    Aegis::new()
        .arg("risk")
        .args(args)
        .args(["--as-of", AS_OF])
        .current_dir(crate::harness::fixtures().join("repos"))
        .run()
}

#[test]
fn list_sorts_by_residual_score_and_shows_open_gaps() {
    let out = risk(&["list", "risks"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("risk_list_human", out.stdout);
    let csv = risk(&["list", "risks", "--format", "csv"]);
    insta::assert_snapshot!("risk_list_csv", csv.stdout);
}

#[test]
fn list_json_links_the_gap_engine_s_open_gaps() {
    let json = risk(&["list", "risks", "--format", "json"]).json();
    let risks = json["risks"].as_array().expect("risks");
    let ids: Vec<&str> = risks
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(ids, ["R-002", "R-001", "R-003", "R-004"]);
    let r1 = &risks[1];
    assert_eq!(r1["inherent"]["score"], 16);
    assert_eq!(r1["residual"]["score"], 8);
    // IA-1 is implemented with evidence: only IA-2 (planned) is open, and
    // only in portal, the risk's one system.
    assert_eq!(
        r1["gaps"],
        serde_json::json!([{"system": "portal", "framework": "fw", "control": "IA-2",
            "reasons": ["planned"], "poam": r1["gaps"][0]["poam"]}])
    );
    // No residual rating: residual is the inherent one.
    assert_eq!(risks[0]["residual"], risks[0]["inherent"]);
    // A risk naming no system is about every system.
    assert_eq!(risks[0]["gaps"].as_array().map(Vec::len), Some(2));
}

#[test]
fn list_filters_by_system_and_category() {
    let json = risk(&["list", "risks", "--system", "billing", "--format", "json"]).json();
    let ids: Vec<&str> = json["risks"]
        .as_array()
        .expect("risks")
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        ids,
        ["R-002", "R-003", "R-004"],
        "R-001 is about portal only"
    );
    assert_eq!(
        json["risks"][0]["gaps"][0]["system"], "billing",
        "gaps in the chosen system only"
    );
    assert_eq!(json["risks"][0]["gaps"].as_array().map(Vec::len), Some(1));

    let json = risk(&[
        "list",
        "risks",
        "--category",
        "availability",
        "--format",
        "json",
    ])
    .json();
    assert_eq!(json["risks"].as_array().map(Vec::len), Some(1));
    assert_eq!(json["risks"][0]["id"], "R-003");

    let unknown = risk(&["list", "risks", "--system", "nope"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("no system `nope`"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn heatmap_places_risks_at_residual_or_inherent_ratings() {
    let out = risk(&["heatmap", "risks", "--color", "never"]);
    assert_eq!(out.code, 0);
    assert!(!out.stdout.contains('\x1b'));
    insta::assert_snapshot!("risk_heatmap_residual", out.stdout);
    let inherent = risk(&["heatmap", "risks", "--inherent"]);
    assert!(!inherent.stdout.contains('\x1b'), "no colour into a pipe");
    insta::assert_snapshot!("risk_heatmap_inherent", inherent.stdout);
    let coloured = risk(&["heatmap", "risks", "--color", "always"]);
    assert!(
        coloured.stdout.contains("\x1b[30;41m"),
        "{}",
        coloured.stdout
    );
}

#[test]
fn a_migrated_version_1_register_lists_as_the_version_2_one() {
    let dir = copy_fixture("repos/risks-v1");
    let list = |dir: &std::path::Path| {
        Aegis::new()
            .args(["risk", "list", ".", "--format", "json", "--as-of", AS_OF])
            .current_dir(dir)
            .run()
            .stdout
    };
    let v2 = list(&crate::harness::fixtures().join("repos/risks"));
    assert_eq!(list(dir.path()), v2, "read upgraded in memory");
    let out = Aegis::new()
        .args(["migrate", "."])
        .current_dir(dir.path())
        .run();
    assert_eq!(out.code, 0);
    assert_eq!(list(dir.path()), v2, "rewritten in place");
}

#[test]
fn the_risk_report_draws_both_heat_maps_deterministically() {
    let html = || {
        Aegis::new()
            .args([
                "report", "risks", "--repo", "risks", "--format", "html", "--as-of", AS_OF,
            ])
            .current_dir(crate::harness::fixtures().join("repos"))
            .run()
    };
    let out = html();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("<title>Risk heat map: residual likelihood by impact</title>")
    );
    assert!(
        out.stdout
            .contains("<title>Risk heat map: inherent likelihood by impact</title>")
    );
    assert!(out.stdout.contains(
        "<desc>1 risk(s) at likelihood 3, impact 4: R-002; 1 risk(s) at likelihood 2, impact 2: R-004; 1 risk(s) at likelihood 2, impact 4: R-001; 1 risk(s) at likelihood 1, impact 5: R-003</desc>"
    ), "{}", out.stdout);
    assert_eq!(out.stdout, html().stdout);
}
