//! `aegis framework diff` end to end: which implementations a new version
//! touches (resolved as `aegis validate` resolves them), pairing across
//! renumbered ids and through an official mapping, parameter changes, and
//! both kinds of side (repository framework, file). The corpus test reads
//! `$AEGIS_CORPUS` at run time and is listed as ignored, with the reason,
//! when it is unset.

mod common;
use common::{corpus, need};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
    let p = root.join(rel);
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    std::fs::write(&p, text).expect("write");
    p
}

/// Runs `aegis` from `cwd`, so relative paths and `--repo` are exercised
/// from outside the repository.
fn aegis(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aegis"))
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("runs")
}

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_str(&ok(out)).expect("json")
}

const ACME_1: &str = r#"schema_version: 1
id: acme-1
title: Acme Controls
version: "1"
controls:
  - id: AC-1
    title: Policy
    statement: "Develop a policy and review it {{ insert: param, ac-1_prm_1 }}."
    params:
      - id: ac-1_prm_1
        label: frequency
        values: [annually]
  - id: AC-2
    title: Accounts
    statement: Manage accounts.
  - id: AC-3
    title: Enforcement
    statement: Enforce approved authorizations.
  - id: AC-4
    title: Flow
    statement: Control information flows.
  - id: AC-5
    title: Separation
    statement: Separate the duties of individuals.
  - id: AC-6
    title: Least privilege
    statement: Employ the principle of least privilege.
"#;

/// AC-1: parameters only; AC-2 reworded; AC-3 withdrawn into AC-2; AC-4
/// renumbered AC-04; AC-5, AC-6 gone under new ids (AC-7; AC-8 and AC-9),
/// which only a mapping can tell; AC-10 new.
const ACME_2: &str = r#"schema_version: 1
id: acme-2
title: Acme Controls
version: "2"
controls:
  - id: AC-1
    title: Policy
    statement: "Develop a policy and review it {{ insert: param, ac-1_prm_1 }}."
    params:
      - id: ac-1_prm_1
        label: frequency
        values: [quarterly]
        constraints: [at least quarterly]
      - id: ac-1_prm_2
        label: events
  - id: AC-2
    title: Accounts
    statement: Manage and review accounts.
  - id: AC-3
    title: Enforcement
    withdrawn: true
    incorporated_into: [AC-2]
  - id: AC-04
    title: Flow
    statement: Control information flows.
  - id: AC-7
    title: Separation of duties
    statement: Separate the duties of individuals.
  - id: AC-8
    title: Least privilege for users
    statement: Employ least privilege for users.
  - id: AC-9
    title: Least privilege for services
    statement: Employ least privilege for services.
  - id: AC-10
    title: Session lock
    statement: Lock sessions after inactivity.
"#;

const CONFIG: &str = r#"schema_version: 1
organisation:
  name: Test
systems:
  - id: app
    name: App
    frameworks:
      - framework: acme-2
  - id: legacy
    name: Legacy
    frameworks:
      - framework: acme-1
  - id: both
    name: Both
    frameworks:
      - framework: acme-1
      - framework: acme-2
"#;

fn implementation(control: &str) -> String {
    format!("schema_version: 1\ncontrol: \"{control}\"\nstatus: planned\nowner: \"@team\"\n")
}

/// A repository with both versions and implementations of every kind of
/// reference.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = dir.path();
    write(r, "aegis.yaml", CONFIG);
    write(r, "controls/acme-1/framework.yaml", ACME_1);
    write(r, "controls/acme-2/framework.yaml", ACME_2);
    // The system selects acme-2, so the short id is acme-2's AC-2.
    write(r, "implementations/app/AC-2.yaml", &implementation("AC-2"));
    // Fully qualified: acme-1's, whatever the system selects.
    write(
        r,
        "implementations/app/acme-1-AC-2.yaml",
        &implementation("acme-1:AC-2"),
    );
    for id in ["AC-1", "AC-3", "AC-4", "AC-6", "AC-5"] {
        write(
            r,
            &format!("implementations/legacy/{id}.yaml"),
            &implementation(id),
        );
    }
    // In both selected frameworks: ambiguous, so not claimed for acme-1.
    write(r, "implementations/both/AC-2.yaml", &implementation("AC-2"));
    write(
        r,
        "implementations/legacy/broken.yaml",
        "schema_version: 1\ncontrol: AC-2\n",
    );
    dir
}

fn mapping(kind: &str) -> String {
    format!(
        r#"schema_version: 1
source: acme-1
target: acme-2
provenance:
  kind: {kind}
  document: Acme 1 to 2 transition table
relationships:
  - source: AC-5
    targets: [AC-7]
    type: equal
  - source: AC-6
    targets: [AC-8, AC-9]
    type: intersects-with
  - source: AC-2
    targets: [AC-10]
    type: intersects-with
  - source: AC-99
    targets: [AC-10]
    type: subset-of
"#
    )
}

fn changes(v: &Value) -> Vec<(String, Value, Value)> {
    v["implementations"]
        .as_array()
        .expect("implementations")
        .iter()
        .map(|t| {
            (
                t["file"].as_str().expect("file").to_string(),
                t["changes"].clone(),
                t.get("now").cloned().unwrap_or(Value::Null),
            )
        })
        .collect()
}

#[test]
fn implementations_are_those_whose_control_resolves_to_old() {
    let repo = repo();
    let elsewhere = tempfile::tempdir().expect("cwd");
    let r = repo.path().to_string_lossy().to_string();
    let v = json_of(&aegis(
        elsewhere.path(),
        &[
            "framework",
            "diff",
            "acme-1",
            "acme-2",
            "--format",
            "json",
            "--repo",
            &r,
        ],
    ));
    assert_eq!(
        changes(&v),
        vec![
            (
                "implementations/app/acme-1-AC-2.yaml".into(),
                json!(["reworded"]),
                Value::Null
            ),
            (
                "implementations/legacy/AC-1.yaml".into(),
                json!(["parameters"]),
                Value::Null
            ),
            (
                "implementations/legacy/AC-3.yaml".into(),
                json!(["withdrawn"]),
                json!(["AC-2"])
            ),
            (
                "implementations/legacy/AC-4.yaml".into(),
                json!(["renumbered"]),
                json!(["AC-04"])
            ),
            (
                "implementations/legacy/AC-5.yaml".into(),
                json!(["removed"]),
                Value::Null
            ),
            (
                "implementations/legacy/AC-6.yaml".into(),
                json!(["removed"]),
                Value::Null
            ),
        ]
    );
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].contains("implementation file(s) did not pass their schema")
            && notes[0].contains("implementations/legacy/broken.yaml"),
        "{notes:?}"
    );
    assert!(
        notes[1].starts_with("implementations/both/AC-2.yaml: control `AC-2` is in acme-1, acme-2"),
        "{notes:?}"
    );
}

#[test]
fn renumbered_ids_pair_and_parameters_are_their_own_change() {
    let repo = repo();
    let r = repo.path().to_string_lossy().to_string();
    let v = json_of(&aegis(
        repo.path(),
        &[
            "framework",
            "diff",
            "acme-1",
            "acme-2",
            "--format",
            "json",
            "--repo",
            &r,
        ],
    ));
    let c = &v["counts"];
    assert_eq!(
        [
            &c["added"],
            &c["withdrawn"],
            &c["removed"],
            &c["reworded"],
            &c["parameters"],
            &c["parameters_only"],
            &c["unchanged"],
            &c["renumbered"],
            &c["mapped"],
        ],
        [4, 1, 2, 1, 1, 1, 1, 1, 0]
    );
    assert_eq!(
        v["paired"],
        json!([{"old_id": "AC-4", "old": "AC-4", "new_id": "AC-04", "new": "AC-04",
                "title": "Flow", "by": "numbering", "one_to_one": true}])
    );
    assert_eq!(
        v["parameters"],
        json!([{"id": "AC-1", "label": "AC-1", "title": "Policy", "params": [
            {"param": "ac-1_prm_1", "change": "changed", "fields": [
                {"field": "values", "old": ["annually"], "new": ["quarterly"]},
                {"field": "constraints", "old": [], "new": ["at least quarterly"]}]},
            {"param": "ac-1_prm_2", "change": "added", "fields": [
                {"field": "label", "old": [], "new": ["events"]}]}]}])
    );
    assert!(v.get("mapping").is_none());

    let human = ok(&aegis(
        repo.path(),
        &["framework", "diff", "acme-1", "acme-2", "--repo", &r],
    ));
    for want in [
        "parameters changed 1 (1 only parameters), unchanged 1",
        "paired across different ids: 1 by numbering",
        "  = AC-4         -> AC-04        Flow  (numbering)",
        "  * AC-1         Policy",
        "      changed ac-1_prm_1: values \"annually\" -> \"quarterly\"; constraints (none) -> \"at least quarterly\"",
        "      added ac-1_prm_2: label \"events\"",
        "  ! implementations/legacy/AC-4.yaml  AC-4 (renumbered) -> AC-04",
    ] {
        assert!(human.contains(want), "missing `{want}` in:\n{human}");
    }
    let md = ok(&aegis(
        repo.path(),
        &[
            "framework",
            "diff",
            "acme-1",
            "acme-2",
            "--format",
            "markdown",
            "--repo",
            &r,
        ],
    ));
    for want in [
        "| parameters changed | 1 |",
        "| of which only parameters | 1 |",
        "| paired by numbering | 1 |",
        "| AC-4 | AC-04 | Flow | numbering |",
        "| AC-1 | changed ac-1_prm_1: values \"annually\" -> \"quarterly\"; constraints (none) -> \"at least quarterly\" |",
    ] {
        assert!(md.contains(want), "missing `{want}` in:\n{md}");
    }
}

#[test]
fn an_official_mapping_pairs_controls_whose_ids_differ() {
    let repo = repo();
    let r = repo.path().to_string_lossy().to_string();
    write(
        repo.path(),
        "controls/mappings/acme-1--acme-2.yaml",
        &mapping("official"),
    );
    let args = [
        "framework",
        "diff",
        "acme-1",
        "acme-2",
        "--format",
        "json",
        "--repo",
        &r,
    ];
    let v = json_of(&aegis(repo.path(), &args));
    assert_eq!(v["mapping"], "controls/mappings/acme-1--acme-2.yaml");
    let c = &v["counts"];
    // AC-2 kept its id; AC-10, which the mapping says grew out of it, is
    // not new but listed with it.
    assert_eq!(
        [&c["added"], &c["removed"], &c["reworded"], &c["mapped"]],
        [0, 0, 2, 2]
    );
    let pairs: Vec<(&str, &str, &str, &Value, bool)> = v["paired"]
        .as_array()
        .expect("paired")
        .iter()
        .map(|p| {
            (
                p["old"].as_str().expect("old"),
                p["new"].as_str().expect("new"),
                p["by"].as_str().expect("by"),
                &p["relation"],
                p["one_to_one"].as_bool().expect("one_to_one"),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("AC-2", "AC-10", "mapping", &json!("intersects-with"), false),
            ("AC-4", "AC-04", "numbering", &Value::Null, true),
            ("AC-5", "AC-7", "mapping", &json!("equal"), true),
            ("AC-6", "AC-8", "mapping", &json!("intersects-with"), false),
            ("AC-6", "AC-9", "mapping", &json!("intersects-with"), false),
        ]
    );
    // The one-to-one pair is compared: its title changed.
    let ac7 = v["reworded"]
        .as_array()
        .expect("reworded")
        .iter()
        .find(|x| x["id"] == "AC-7")
        .expect("AC-7 reworded");
    assert_eq!(ac7["was"], "AC-5");
    assert_eq!(ac7["significant"], false);
    let touched = changes(&v);
    // A control that kept its id is judged by its id pair alone.
    assert!(touched.contains(&(
        "implementations/app/acme-1-AC-2.yaml".into(),
        json!(["reworded"]),
        Value::Null
    )));
    assert!(touched.contains(&(
        "implementations/legacy/AC-5.yaml".into(),
        json!(["renumbered", "reworded"]),
        json!(["AC-7"])
    )));
    assert!(touched.contains(&(
        "implementations/legacy/AC-6.yaml".into(),
        json!(["mapped"]),
        json!(["AC-8", "AC-9"])
    )));
    assert!(
        v["notes"].as_array().expect("notes").iter().any(|n| n
            .as_str()
            .is_some_and(|n| n.contains("1 control id(s)") && n.contains("AC-99"))),
        "{}",
        v["notes"]
    );
    let human = ok(&aegis(
        repo.path(),
        &["framework", "diff", "acme-1", "acme-2", "--repo", &r],
    ));
    assert!(
        human.contains("2 by the official mapping controls/mappings/acme-1--acme-2.yaml")
            && human.contains("  = AC-6         -> AC-8         Least privilege for users  (mapping, intersects-with, not one-to-one)"),
        "{human}"
    );

    // The reverse file works the same, its relationships read backwards.
    std::fs::remove_file(repo.path().join("controls/mappings/acme-1--acme-2.yaml")).expect("rm");
    write(
        repo.path(),
        "controls/mappings/acme-2--acme-1.yaml",
        "schema_version: 1\nsource: acme-2\ntarget: acme-1\nprovenance:\n  kind: official\nrelationships:\n  - source: AC-7\n    targets: [AC-5]\n    type: superset-of\n",
    );
    let v = json_of(&aegis(repo.path(), &args));
    assert_eq!(v["mapping"], "controls/mappings/acme-2--acme-1.yaml");
    let p = v["paired"]
        .as_array()
        .expect("paired")
        .iter()
        .find(|p| p["new"] == "AC-7")
        .expect("AC-7 paired");
    assert_eq!(
        (&p["old"], &p["relation"]),
        (&json!("AC-5"), &json!("subset-of"))
    );
}

#[test]
fn only_a_valid_official_mapping_is_used() {
    let repo = repo();
    let r = repo.path().to_string_lossy().to_string();
    let args = [
        "framework",
        "diff",
        "acme-1",
        "acme-2",
        "--format",
        "json",
        "--repo",
        &r,
    ];
    write(
        repo.path(),
        "controls/mappings/acme-1--acme-2.yaml",
        &mapping("manual"),
    );
    let v = json_of(&aegis(repo.path(), &args));
    assert!(v.get("mapping").is_none());
    assert_eq!(v["counts"]["mapped"], 0);
    assert!(
        v["notes"][0]
            .as_str()
            .is_some_and(|n| n.starts_with("controls/mappings/acme-1--acme-2.yaml: not used")),
        "{}",
        v["notes"]
    );

    // A broken mapping stops the diff rather than pairing less in silence.
    write(
        repo.path(),
        "controls/mappings/acme-1--acme-2.yaml",
        "schema_version: 1\nsource: acme-1\ntarget: acme-2\nprovenance:\n  kind: offical\n",
    );
    let out = aegis(repo.path(), &args);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("controls/mappings/acme-1--acme-2.yaml") && err.contains("not valid"),
        "{err}"
    );
}

/// OSCAL catalog JSON for one framework of the fixtures.
fn catalog(id: &str, version: &str, controls: Value) -> String {
    json!({"catalog": {
        "uuid": "11111111-1111-4111-8111-11111111111".to_string() + &version[..1],
        "metadata": {"title": id, "version": version, "last-modified": "2024-01-01T00:00:00Z", "oscal-version": "1.1.2"},
        "controls": controls}})
    .to_string()
}

#[test]
fn repository_frameworks_and_files_both_work_with_repo() {
    let repo = repo();
    let r = repo.path().to_string_lossy().to_string();
    let src = tempfile::tempdir().expect("src");
    let old = write(
        src.path(),
        "old.json",
        &catalog(
            "Tiny",
            "1",
            json!([
                {"id": "ac-1", "title": "One", "params": [{"id": "ac-1_prm_1", "label": "frequency"}],
                 "parts": [{"id": "ac-1_smt", "name": "statement", "prose": "Review {{ insert: param, ac-1_prm_1 }}."}]},
                {"id": "ac-2", "title": "Two"}
            ]),
        ),
    );
    let new = write(
        src.path(),
        "new.json",
        &catalog(
            "Tiny",
            "2",
            json!([
                {"id": "ac-1", "title": "One", "params": [{"id": "ac-1_prm_1", "label": "frequency", "constraints": [{"description": "at least yearly"}]}],
                 "parts": [{"id": "ac-1_smt", "name": "statement", "prose": "Review {{ insert: param, ac-1_prm_1 }}."}]},
                {"id": "ac-3", "title": "Three"}
            ]),
        ),
    );
    let (o, n) = (
        old.to_string_lossy().to_string(),
        new.to_string_lossy().to_string(),
    );
    // Files, run from the directory holding them, the repository elsewhere.
    let v = json_of(&aegis(
        src.path(),
        &[
            "framework",
            "diff",
            "old.json",
            "new.json",
            "--format",
            "json",
            "--repo",
            &r,
        ],
    ));
    let c = &v["counts"];
    assert_eq!(
        [
            &c["added"],
            &c["removed"],
            &c["parameters_only"],
            &c["unchanged"]
        ],
        [1, 1, 1, 0]
    );
    assert_eq!(
        v["parameters"][0]["params"][0]["fields"],
        json!([{"field": "constraints", "old": [], "new": ["at least yearly"]}])
    );
    // Files name no implementation of the repository.
    assert!(v.get("implementations").is_none());
    // Files with a --repo that is no repository at all.
    let v2 = json_of(&aegis(
        repo.path(),
        &[
            "framework",
            "diff",
            &o,
            &n,
            "--format",
            "json",
            "--repo",
            &src.path().to_string_lossy(),
        ],
    ));
    assert_eq!(v2["counts"], v["counts"]);

    // Repository frameworks, run from outside the repository: the same
    // counts as their files would give, and the implementations.
    let ids = json_of(&aegis(
        src.path(),
        &[
            "framework",
            "diff",
            "acme-1",
            "acme-2",
            "--format",
            "json",
            "--repo",
            &r,
        ],
    ));
    assert_eq!(ids["old"], "acme-1 1");
    assert!(!changes(&ids).is_empty());
    // A repository framework against a file: mixed sides work too.
    let mixed = aegis(
        src.path(),
        &["framework", "diff", "acme-1", "new.json", "--repo", &r],
    );
    ok(&mixed);
    // A name that is neither a file nor a framework is an error naming it.
    let out = aegis(
        src.path(),
        &["framework", "diff", "acme-0", "acme-2", "--repo", &r],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("acme-0"));
}

// ---- corpus ------------------------------------------------------------------

/// CISO Assistant's CSF 1.1 → 2.0 mapping set as an Aegis mapping. The
/// set is NIST's (its provider field), hence official.
fn csf_mapping(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("read mapping");
    let limits = aegis::workspace::yaml::YamlLimits::default();
    let v: Value =
        serde_saphyr::from_str_with_options(&text, aegis::workspace::yaml::options(limits))
            .expect("yaml");
    let rows = v["objects"]["requirement_mapping_set"]["requirement_mappings"]
        .as_array()
        .expect("requirement_mappings");
    let id = |urn: &Value| {
        urn.as_str()
            .and_then(|u| u.rsplit(':').next())
            .expect("urn")
            .to_uppercase()
    };
    let mut out = String::from(
        "schema_version: 1\nsource: nist-csf-1.1\ntarget: nist-csf-2.0\nprovenance:\n  kind: official\n  document: NIST CSF 1.1 to 2.0 (CISO Assistant mapping set)\nrelationships:\n",
    );
    for r in rows {
        let kind = match r["relationship"].as_str().expect("relationship") {
            "equal" => "equal",
            "subset" => "subset-of",
            "superset" => "superset-of",
            "intersect" => "intersects-with",
            other => panic!("unknown relationship {other}"),
        };
        out.push_str(&format!(
            "  - source: \"{}\"\n    targets: [\"{}\"]\n    type: {kind}\n",
            id(&r["source_requirement_urn"]),
            id(&r["target_requirement_urn"])
        ));
    }
    out
}

/// CSF 1.1 writes `ID.AM-1`, CSF 2.0 `ID.AM-01`: the ids that survived pair
/// by numbering, and the 1.1 → 2.0 mapping set pairs most of the rest.
#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_csf_1_1_to_2_0_pairs_renumbered_and_mapped_subcategories() {
    let root = corpus();
    let csf11 = need(&root, "frameworks/nist-csf-1.1/nist-csf-1.1.yaml");
    let csf20 = need(&root, "frameworks/nist-csf-2.0/nist-csf-2.0.yaml");
    let map = need(
        &root,
        "mappings/nist-csf-1.1_to_nist-csf-2.0/map-nist-csf-1.1-nist-csf-2.0.yaml",
    );
    let repo = repo();
    let r = repo.path().to_string_lossy().to_string();
    for f in [&csf11, &csf20] {
        ok(&aegis(
            repo.path(),
            &["framework", "import", &f.to_string_lossy(), "--repo", &r],
        ));
    }
    write(
        repo.path(),
        "implementations/legacy/ID.AM-1.yaml",
        &implementation("nist-csf-1.1:ID.AM-1"),
    );
    let args = [
        "framework",
        "diff",
        "nist-csf-1.1",
        "nist-csf-2.0",
        "--format",
        "json",
        "--repo",
        &r,
    ];
    let v = json_of(&aegis(repo.path(), &args));
    let c = &v["counts"];
    eprintln!("CSF 1.1 -> 2.0 without the mapping: {c}");
    assert_eq!([&c["old_controls"], &c["new_controls"]], [108, 106]);
    assert_eq!(c["renumbered"], 29);
    assert_eq!([&c["added"], &c["removed"]], [77, 79]);
    let am1 = v["paired"]
        .as_array()
        .expect("paired")
        .iter()
        .find(|p| p["old"] == "ID.AM-1")
        .expect("ID.AM-1 paired");
    assert_eq!(am1["new"], "ID.AM-01");
    assert!(changes(&v).contains(&(
        "implementations/legacy/ID.AM-1.yaml".into(),
        json!(["renumbered", "reworded"]),
        json!(["ID.AM-01"])
    )));

    write(
        repo.path(),
        "controls/mappings/nist-csf-1.1--nist-csf-2.0.yaml",
        &csf_mapping(&map),
    );
    let v = json_of(&aegis(repo.path(), &args));
    let c = &v["counts"];
    eprintln!("CSF 1.1 -> 2.0 with the mapping: {c}");
    assert_eq!(
        v["mapping"],
        "controls/mappings/nist-csf-1.1--nist-csf-2.0.yaml"
    );
    let one_to_one = v["paired"]
        .as_array()
        .expect("paired")
        .iter()
        .filter(|p| p["by"] == "mapping" && p["one_to_one"] == true)
        .count();
    eprintln!("one-to-one through the mapping: {one_to_one}");
    assert_eq!(
        [&c["renumbered"], &c["mapped"], &c["added"], &c["removed"]],
        [29, 77, 16, 2]
    );
    assert_eq!(one_to_one, 13);
    // Compared: the renumbered and the one-to-one mapped pairs.
    assert_eq!(
        c["reworded"].as_u64().unwrap_or(0) + c["unchanged"].as_u64().unwrap_or(0),
        29 + 13
    );
    // PR.AT-3 went into PR.AT-01 and PR.AT-02, which kept their ids: it is
    // mapped, not removed.
    let at3: Vec<&Value> = v["paired"]
        .as_array()
        .expect("paired")
        .iter()
        .filter(|p| p["old"] == "PR.AT-3")
        .map(|p| &p["new"])
        .collect();
    assert_eq!(at3, [&json!("PR.AT-01"), &json!("PR.AT-02")]);
    // Every CSF 1.1 subcategory is accounted for exactly once.
    assert_eq!(
        c["removed"].as_u64().unwrap_or(0)
            + c["renumbered"].as_u64().unwrap_or(0)
            + c["mapped"].as_u64().unwrap_or(0),
        108
    );
    // The mapping's category-level rows (ID.AM → ID.AM) name no control.
    assert!(
        v["notes"].as_array().expect("notes").iter().any(|n| n
            .as_str()
            .is_some_and(|n| n.contains("are in neither framework"))),
        "{}",
        v["notes"]
    );
}
