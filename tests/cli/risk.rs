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
