//! `--format sarif` is valid SARIF 2.1.0 (checked against the OASIS schema,
//! offline) and carries what GitHub code scanning requires.

use crate::harness::{AS_OF, Aegis, copy_fixture, fixtures};
use aegis::diag::Code;
use serde_json::Value;
use std::path::Path;

fn sarif_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0.json");
    let text = std::fs::read_to_string(&path).expect("tests/schemas/sarif-2.1.0.json");
    let mut schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    // Erratum in the published schema: the `language` patterns (of `run`
    // and `toolComponent`) have a stray `]` that ECMA-262 rejects, so no
    // validator accepts the schema as is. Patched here, in memory only;
    // aegis writes no `language`.
    let patched = patch_patterns(
        &mut schema,
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
    );
    assert_eq!(patched, 2, "the erratum moved; check the schema copy");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn patch_patterns(v: &mut Value, from: &str, to: &str) -> usize {
    match v {
        Value::Object(map) => map
            .iter_mut()
            .map(|(k, child)| {
                if k == "pattern" && child == from {
                    *child = Value::from(to);
                    1
                } else {
                    patch_patterns(child, from, to)
                }
            })
            .sum(),
        Value::Array(items) => items.iter_mut().map(|c| patch_patterns(c, from, to)).sum(),
        _ => 0,
    }
}

fn sarif_of(dir: &Path, repo: &str) -> Value {
    sarif_by("validate", dir, repo)
}

fn sarif_by(command: &str, dir: &Path, repo: &str) -> Value {
    let out = Aegis::new()
        .args([command, repo, "--format", "sarif", "--as-of", AS_OF])
        .current_dir(dir)
        .run();
    out.json()
}

fn assert_valid(validator: &jsonschema::Validator, log: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: SARIF is not valid 2.1.0:\n{}",
        errors.join("\n")
    );
}

/// What GitHub code scanning needs (docs: "SARIF support for code scanning").
fn assert_github_fields(log: &Value, what: &str) {
    let ctx = |field: &str| format!("{what}: {field}");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json",
        "{}",
        ctx("$schema")
    );
    assert_eq!(log["version"], "2.1.0", "{}", ctx("version"));
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1, "{}", ctx("one run"));
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "aegis", "{}", ctx("driver.name"));
    let rules = driver["rules"].as_array().expect("driver.rules");
    let mut ids = Vec::new();
    for rule in rules {
        let id = rule["id"].as_str().expect("rule.id");
        let code = id
            .strip_prefix("aegis/")
            .expect("rule ids are aegis/<code>");
        assert!(
            Code::from_name(code).is_some(),
            "{}",
            ctx("rule id names a code")
        );
        let name = rule["name"].as_str().expect("rule.name");
        assert!(
            !name.is_empty() && name.len() <= 255,
            "{}",
            ctx("rule.name length")
        );
        let short = rule["shortDescription"]["text"]
            .as_str()
            .expect("shortDescription.text");
        assert!(
            !short.is_empty() && short.len() <= 1024,
            "{}",
            ctx("shortDescription length")
        );
        assert!(
            rule["fullDescription"]["text"].is_string(),
            "{}",
            ctx("fullDescription.text")
        );
        assert!(rule["help"]["text"].is_string(), "{}", ctx("help.text"));
        let level = rule["defaultConfiguration"]["level"]
            .as_str()
            .expect("level");
        assert!(
            ["note", "warning", "error"].contains(&level),
            "{}",
            ctx("default level")
        );
        let tags = rule["properties"]["tags"].as_array().map_or(0, Vec::len);
        assert!(tags <= 20, "{}", ctx("at most 20 tags"));
        ids.push(id.to_string());
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{}", ctx("rule ids are unique"));
    for result in runs[0]["results"].as_array().expect("results") {
        let rule_id = result["ruleId"].as_str().expect("ruleId");
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(
            ids.get(index).map(String::as_str),
            Some(rule_id),
            "{}",
            ctx("ruleIndex")
        );
        assert!(
            ["note", "warning", "error"].contains(&result["level"].as_str().expect("level")),
            "{}",
            ctx("result level")
        );
        let text = result["message"]["text"].as_str().expect("message.text");
        assert!(!text.is_empty(), "{}", ctx("message.text"));
        let physical = &result["locations"][0]["physicalLocation"];
        let uri = physical["artifactLocation"]["uri"]
            .as_str()
            .expect("artifactLocation.uri");
        assert!(
            !uri.starts_with('/') && !uri.contains("://") && !uri.split('/').any(|s| s == ".."),
            "{}: uri {uri} must be relative to the checkout",
            what
        );
        let line = physical["region"]["startLine"]
            .as_u64()
            .expect("region.startLine");
        assert!(line >= 1, "{}", ctx("startLine"));
    }
}

#[test]
fn sarif_of_the_mixed_fixture_is_valid_sarif_with_github_fields() {
    let validator = sarif_validator();
    let log = sarif_of(&fixtures().join("repos"), "mixed");
    assert_valid(&validator, &log, "mixed");
    assert_github_fields(&log, "mixed");
    // Eleven findings (one the unapproved policy), and the note that
    // aegis.yaml weakens a code.
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(12));
    assert_eq!(
        log["runs"][0]["properties"]["weakened"],
        serde_json::json!(["evidence-unhashed error→note"])
    );
}

#[test]
fn sarif_of_a_clean_repository_is_valid_with_no_results() {
    let validator = sarif_validator();
    let log = sarif_of(&fixtures().join("bad/unknown-key"), ".");
    assert_valid(&validator, &log, "unknown-key");
    let dir = tempfile::tempdir().expect("tempdir");
    aegis::init::scaffold(
        &dir.path().join("repo"),
        "Clean Co",
        aegis::model::Date::new(2026, 5, 1).expect("date"),
    )
    .expect("scaffold");
    let log = sarif_of(dir.path(), "repo");
    assert_valid(&validator, &log, "clean");
    assert_github_fields(&log, "clean");
    // Only the warning that the starter policy awaits its first approval.
    let rules: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert_eq!(rules, vec!["aegis/policy-unapproved"]);
}

#[test]
fn sarif_for_every_code_is_valid_and_names_the_code_as_rule() {
    let validator = sarif_validator();
    for code in Code::ALL {
        let name = code.as_str();
        if matches!(
            name,
            "io-error" | "invalid-utf8" | "yaml-alias-limit" | "yaml-node-limit"
        ) {
            // Made at run time, or seconds of alias expansion in a debug
            // build; the fixture tests cover them.
            continue;
        }
        let dir = copy_fixture(&format!("bad/{name}"));
        // Codes only the gate reports come from `check`.
        let command = if code.info().stage == aegis::diag::Stage::Assess {
            "check"
        } else {
            "validate"
        };
        let log = sarif_by(command, dir.path(), ".");
        assert_valid(&validator, &log, name);
        assert_github_fields(&log, name);
        let rules: Vec<&str> = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .filter_map(|r| r["id"].as_str())
            .collect();
        assert!(
            rules.contains(&format!("aegis/{name}").as_str()),
            "{name}: {rules:?}"
        );
    }
}

#[test]
fn sarif_paths_are_relative_to_the_github_workspace() {
    // The compliance repository lives in a sub-directory of the checkout,
    // and the job runs from somewhere else.
    let checkout = tempfile::tempdir().expect("tempdir");
    let repo = checkout.path().join("compliance");
    crate::harness::copy_tree(&fixtures().join("bad/unknown-key"), &repo);
    let out = Aegis::new()
        .arg("validate")
        .arg(&repo)
        .args(["--format", "sarif", "--as-of", AS_OF])
        .env("GITHUB_WORKSPACE", checkout.path())
        .run();
    let log = out.json();
    let uri = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert_eq!(uri, "compliance/implementations/app/C-1.yaml");
}

#[test]
fn sarif_check_rejects_a_log_that_breaks_the_standard() {
    // The checker itself must be able to fail, or the tests above prove nothing.
    let validator = sarif_validator();
    let mut log = sarif_of(&fixtures().join("repos"), "mixed");
    log["version"] = Value::from("2.0.0");
    assert!(!validator.is_valid(&log));
    let mut log = sarif_of(&fixtures().join("repos"), "mixed");
    log["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&log));
}
