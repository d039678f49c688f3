//! MITRE's reading of an HDF file (the conversions `hdf-output/` in the
//! corpus hold), for cross-checking a reader's counts against MITRE's:
//! each control's status by Heimdall's rules, and counts per NIST tag.
//! Test code: it reads the JSON as a value, which the ingest readers never
//! do.

use std::collections::BTreeMap;
use std::path::Path;

/// A control's status as Heimdall derives it from its results (inspecjs
/// `compute_status`): a result with a `backtrace` counts as an error, and
/// any error makes the control an error, before anything else; then a
/// waiver that skipped the control, or impact 0, is not applicable; any
/// `failed` result a failure; any `passed` a pass; only skipped results
/// not checked; anything else (no status) an error. Our words: pass, fail,
/// error, notapplicable, notchecked.
pub fn status(control: &serde_json::Value) -> &'static str {
    let results = control["results"].as_array().cloned().unwrap_or_default();
    let statuses: Vec<&str> = results
        .iter()
        .map(|r| {
            let traced = match &r["backtrace"] {
                serde_json::Value::Null | serde_json::Value::Bool(false) => false,
                serde_json::Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if traced {
                "error"
            } else {
                r["status"].as_str().unwrap_or("no_status")
            }
        })
        .collect();
    let waived = match &control["waiver_data"]["skipped_due_to_waiver"] {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::String(s) => !s.is_empty() && s != "false",
        _ => false,
    };
    if statuses.contains(&"error") {
        "error"
    } else if waived || control["impact"].as_f64() == Some(0.0) {
        "notapplicable"
    } else if statuses.contains(&"failed") {
        "fail"
    } else if statuses.contains(&"passed") {
        "pass"
    } else if statuses.contains(&"skipped") {
        "notchecked"
    } else {
        "error"
    }
}

/// Every control with results (overlay profiles that only restate
/// controls add none), by id: its status and NIST tags (each once, without
/// revision markers such as `Rev_4`).
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
            let mut nist: Vec<String> = Vec::new();
            let tags = match &c["tags"]["nist"] {
                serde_json::Value::String(s) => vec![s.clone()],
                v => v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            };
            for t in tags {
                let t = t.trim().to_string();
                if !t.is_empty()
                    && !t.to_ascii_lowercase().starts_with("rev_")
                    && !nist.contains(&t)
                {
                    nist.push(t);
                }
            }
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
