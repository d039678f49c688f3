//! MITRE's reading of an HDF file (the conversions `hdf-output/` in the
//! corpus hold), for cross-checking a reader's counts against MITRE's:
//! each control's status by Heimdall's rules, and counts per NIST tag.
//! Test code: it reads the JSON as a value, which the ingest readers never
//! do.

use std::collections::BTreeMap;
use std::path::Path;

/// A control's status as Heimdall derives it from its results: impact 0
/// is not applicable; any `error` result is an error; any `failed` a
/// failure; any `passed` a pass; only skipped results (or none) is not
/// checked. Our words: pass, fail, error, notapplicable, notchecked.
pub fn status(control: &serde_json::Value) -> &'static str {
    let results = control["results"].as_array().cloned().unwrap_or_default();
    let statuses: Vec<&str> = results
        .iter()
        .filter_map(|r| r["status"].as_str())
        .collect();
    if control["impact"].as_f64() == Some(0.0) {
        return "notapplicable";
    }
    if statuses.contains(&"error") {
        "error"
    } else if statuses.contains(&"failed") {
        "fail"
    } else if statuses.contains(&"passed") {
        "pass"
    } else {
        "notchecked"
    }
}

/// Every control with results (overlay profiles that only restate
/// controls add none), by id: its status and NIST tags.
pub fn controls(path: &Path) -> BTreeMap<String, (&'static str, Vec<String>)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeMap::new();
    for p in doc["profiles"].as_array().into_iter().flatten() {
        for c in p["controls"].as_array().into_iter().flatten() {
            if c["results"].as_array().is_none_or(Vec::is_empty) {
                continue;
            }
            let id = c["id"].as_str().unwrap_or_default().to_string();
            let nist: Vec<String> = c["tags"]["nist"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            out.insert(id, (status(c), nist));
        }
    }
    out
}

/// Counts of controls by status.
pub fn counts(path: &Path) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for (status, _) in controls(path).values() {
        *out.entry(*status).or_default() += 1;
    }
    out
}

/// Counts by NIST tag and status (a control with two tags counts for both).
pub fn counts_by_nist(path: &Path) -> BTreeMap<String, BTreeMap<&'static str, usize>> {
    let mut out: BTreeMap<String, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for (status, nist) in controls(path).values() {
        for tag in nist {
            *out.entry(tag.clone())
                .or_default()
                .entry(*status)
                .or_default() += 1;
        }
    }
    out
}
