//! OSCAL export of the bundled example repository: snapshots, determinism,
//! UUID shape and integrity, required keys, and (when `AEGIS_TRESTLE` names
//! a compliance-trestle binary) independent validation by trestle.

use aegis::model::Date;
use aegis::pipeline::{self, CheckOptions};
use aegis::report::oscal::{self, OscalError, uuid::is_oscal_uuid};
use aegis::report::{Input, Meta};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The day the example is judged on, as in the CLI tests.
const AS_OF: &str = "2026-06-01";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/saas")
}

/// Fixed provenance: the worktree's HEAD would change every snapshot on
/// every commit.
fn meta() -> Meta {
    Meta {
        generator: "aegis test".to_string(),
        commit: Some("0123456789abcdef0123456789abcdef01234567".to_string()),
        generated: "2026-06-01T00:00:00Z".to_string(),
    }
}

type Export = fn(&Input, &str) -> Result<Value, OscalError>;

const KINDS: [(&str, Export); 3] = [
    ("ssp", oscal::ssp),
    ("ar", oscal::assessment_results),
    ("poam", oscal::poam),
];

/// Every export of `system`, from a fresh pipeline run.
fn export(system: &str) -> Vec<(&'static str, Value)> {
    let as_of: Date = AS_OF.parse().expect("date");
    let run = pipeline::check(&example(), as_of, CheckOptions::default()).expect("example loads");
    let assessment = run.assessment.as_ref().expect("check assesses");
    let meta = meta();
    let input = Input {
        run: &run,
        assessment,
        meta: &meta,
        as_of,
    };
    KINDS
        .iter()
        .map(|(kind, f)| (*kind, f(&input, system).expect("export")))
        .collect()
}

#[test]
fn example_ledger_exports_snapshot() {
    for (kind, doc) in export("ledger") {
        insta::assert_json_snapshot!(format!("ledger_{kind}"), doc);
    }
}

#[test]
fn example_platform_ssp_snapshot() {
    let docs = export("platform");
    insta::assert_json_snapshot!("platform_ssp", docs[0].1);
}

#[test]
fn exports_are_byte_identical_across_runs() {
    for system in ["ledger", "platform"] {
        let a = export(system);
        let b = export(system);
        for ((kind, x), (_, y)) in a.iter().zip(&b) {
            let x = serde_json::to_string_pretty(x).expect("json");
            let y = serde_json::to_string_pretty(y).expect("json");
            assert_eq!(x, y, "{system} {kind} differs between runs");
        }
    }
}

/// Every value under `key` anywhere in `v`.
fn collect<'a>(v: &'a Value, key: &str, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == key {
                    match x {
                        Value::String(s) => out.push(s),
                        Value::Array(a) => out.extend(a.iter().filter_map(Value::as_str)),
                        _ => {}
                    }
                }
                collect(x, key, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, key, out)),
        _ => {}
    }
}

#[test]
fn uuids_match_the_oscal_pattern_are_unique_and_references_resolve() {
    for system in ["ledger", "platform"] {
        for (kind, doc) in export(system) {
            let mut uuids = Vec::new();
            collect(&doc, "uuid", &mut uuids);
            let set: BTreeSet<&str> = uuids.iter().copied().collect();
            assert_eq!(set.len(), uuids.len(), "{system} {kind}: duplicate uuid");
            for u in &uuids {
                assert!(is_oscal_uuid(u), "{system} {kind}: bad uuid {u}");
            }
            // References inside one document must name something it defines
            // (provided-uuid and implementation-statement-uuid point into
            // other documents by design).
            for key in [
                "component-uuid",
                "observation-uuid",
                "risk-uuid",
                "finding-uuid",
                "party-uuid",
                "party-uuids",
            ] {
                let mut refs = Vec::new();
                collect(&doc, key, &mut refs);
                for r in refs {
                    assert!(set.contains(r), "{system} {kind}: {key} {r} is not defined");
                }
            }
            let mut hrefs = Vec::new();
            collect(&doc, "href", &mut hrefs);
            for h in hrefs.iter().filter_map(|h| h.strip_prefix('#')) {
                assert!(set.contains(h), "{system} {kind}: href #{h} is not defined");
            }
        }
    }
}

#[test]
fn documents_have_the_required_keys() {
    let required: [(&str, &[&str]); 3] = [
        (
            "system-security-plan",
            &[
                "uuid",
                "metadata",
                "import-profile",
                "system-characteristics",
                "system-implementation",
                "control-implementation",
            ],
        ),
        (
            "assessment-results",
            &["uuid", "metadata", "import-ap", "results"],
        ),
        (
            "plan-of-action-and-milestones",
            &["uuid", "metadata", "poam-items"],
        ),
    ];
    for ((_, doc), (root, keys)) in export("ledger").iter().zip(required) {
        let body = &doc[root];
        for k in keys {
            assert!(!body[k].is_null(), "{root} lacks {k}");
        }
        for k in ["title", "last-modified", "version", "oscal-version"] {
            assert!(body["metadata"][k].is_string(), "{root} metadata lacks {k}");
        }
        assert_eq!(body["metadata"]["oscal-version"], "1.1.2");
        assert_eq!(body["metadata"]["last-modified"], "2026-06-01T00:00:00Z");
    }
    let ssp = &export("platform")[0].1["system-security-plan"];
    let sc = &ssp["system-characteristics"];
    for k in [
        "system-ids",
        "system-name",
        "description",
        "system-information",
        "status",
        "authorization-boundary",
    ] {
        assert!(!sc[k].is_null(), "system-characteristics lacks {k}");
    }
    assert_eq!(sc["security-sensitivity-level"], "fips-199-moderate");
    assert_eq!(sc["status"]["state"], "operational");
}

#[test]
fn ledger_inherits_from_platform_as_a_leveraged_authorization() {
    let ssp = &export("ledger")[0].1["system-security-plan"];
    let la = &ssp["system-implementation"]["leveraged-authorizations"][0];
    assert_eq!(la["date-authorized"], "2025-09-15");
    let reqs = ssp["control-implementation"]["implemented-requirements"]
        .as_array()
        .expect("requirements");
    let inherited = reqs
        .iter()
        .find(|r| r["control-id"] == "log-1")
        .expect("LOG-1");
    assert!(inherited["by-components"][0]["inherited"][0]["provided-uuid"].is_string());
    // Unstated characteristics are placeholders that name the field.
    let status = &ssp["system-characteristics"]["status"];
    assert_eq!(status["state"], "other");
    assert!(
        status["remarks"]
            .as_str()
            .is_some_and(|r| r.contains("systems[].characteristics.status"))
    );
}

#[test]
fn unknown_system_names_the_known_ones() {
    let as_of: Date = AS_OF.parse().expect("date");
    let run = pipeline::check(&example(), as_of, CheckOptions::default()).expect("loads");
    let meta = meta();
    let input = Input {
        run: &run,
        assessment: run.assessment.as_ref().expect("assessed"),
        meta: &meta,
        as_of,
    };
    let err = oscal::ssp(&input, "nope").expect_err("unknown system");
    assert_eq!(
        err.to_string(),
        "unknown system `nope`; aegis.yaml defines: platform, ledger"
    );
}

/// Validates every export with compliance-trestle when `AEGIS_TRESTLE`
/// names its binary (`.ci/run` installs it); skipped otherwise.
#[test]
fn trestle_validates_the_exports() {
    let Some(trestle) = std::env::var_os("AEGIS_TRESTLE") else {
        eprintln!(
            "skipped: set AEGIS_TRESTLE to a compliance-trestle binary to validate with trestle"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(&trestle)
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("run trestle");
        assert!(
            out.status.success(),
            "trestle {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["init"]);
    let dirs = [
        ("ssp", "system-security-plans", "system-security-plan"),
        ("ar", "assessment-results", "assessment-results"),
        (
            "poam",
            "plan-of-action-and-milestones",
            "plan-of-action-and-milestones",
        ),
    ];
    for system in ["ledger", "platform"] {
        for (kind, mut doc) in export(system) {
            if kind == "ssp" {
                resolvable_profile(dir.path(), system, &mut doc);
            }
            let (_, folder, file) = dirs.iter().find(|d| d.0 == kind).expect("kind");
            let rel = format!("{folder}/{system}/{file}.json");
            let path = dir.path().join(&rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, serde_json::to_string_pretty(&doc).expect("json"))
                .expect("write");
            run(&["validate", "-f", &rel]);
        }
    }
}

/// `trestle validate` resolves an SSP's imported profile down to its
/// catalog. Aegis frameworks written in YAML have no OSCAL profile, so for
/// trestle only, the SSP's import-profile is pointed at a minimal catalog
/// (the SSP's own control ids) and a profile importing all of it, written
/// into the trestle workspace. Nothing else in the document changes.
fn resolvable_profile(root: &Path, system: &str, ssp: &mut Value) {
    let body = &mut ssp["system-security-plan"];
    let mut ids: Vec<String> = body["control-implementation"]["implemented-requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .filter_map(|r| r["control-id"].as_str().map(str::to_string))
        .collect();
    ids.sort();
    ids.dedup();
    let meta = |title: &str| {
        serde_json::json!({
            "title": title, "last-modified": "2026-06-01T00:00:00Z",
            "version": "test", "oscal-version": "1.1.2",
        })
    };
    let catalog = serde_json::json!({ "catalog": {
        "uuid": oscal::uuid::derive(&["test-catalog", system]),
        "metadata": meta("Controls of the SSP"),
        "controls": ids.iter().map(|id| serde_json::json!({ "id": id, "title": id })).collect::<Vec<_>>(),
    }});
    let profile = serde_json::json!({ "profile": {
        "uuid": oscal::uuid::derive(&["test-profile", system]),
        "metadata": meta("All controls of the SSP"),
        "imports": [{ "href": format!("trestle://catalogs/{system}/catalog.json"), "include-all": {} }],
    }});
    for (rel, doc) in [
        (format!("catalogs/{system}/catalog.json"), catalog),
        (format!("profiles/{system}/profile.json"), profile),
    ] {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, serde_json::to_string_pretty(&doc).expect("json")).expect("write");
    }
    body["import-profile"]["href"] =
        Value::String(format!("trestle://profiles/{system}/profile.json"));
}
