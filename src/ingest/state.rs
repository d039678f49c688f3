//! Findings state: folding a scan into `findings/<system>/<source>.yaml`,
//! and what changed. One record per (target, rule), sorted, so the file is
//! the same bytes whenever the results are the same; a record's `since`
//! changes only when its result does.

use super::scan::{RuleResult, Scan};
use crate::model::{
    ControlRef, Finding, FindingSet, MappedBy, Observed, SCHEMA_VERSION, ScanInfo, ScanResult,
    ScanSource, SystemId, When,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A finding's identity within a source's state: target and rule. (The
/// profile only scopes what a scan covers.)
pub type Key = (String, String);

/// A result ready to fold: the reader's result and how it was mapped.
pub struct Mapped {
    pub result: RuleResult,
    pub controls: Vec<ControlRef>,
    pub mapped_by: MappedBy,
}

/// What one scan changed in a source's state.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Drift {
    /// Failing now, and not failing (or not known) before.
    pub new_failures: Vec<Key>,
    /// Failing before, passing (or no longer reported) now.
    pub fixed: Vec<Key>,
    /// Failing before and now.
    pub still_failing: Vec<Key>,
    /// Failing now, after having been fixed.
    pub reopened: Vec<Key>,
    /// Observed values that changed: key, what, before, after.
    pub observed: Vec<ObservedChange>,
    /// Targets in the state that this scan did not cover.
    pub unseen_targets: Vec<String>,
    /// Results of this scan, by result.
    pub results: BTreeMap<ScanResult, usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObservedChange {
    pub target: String,
    pub rule_id: String,
    pub name: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.new_failures.is_empty()
            && self.fixed.is_empty()
            && self.reopened.is_empty()
            && self.observed.is_empty()
    }
}

/// Folds `scan` (its results mapped) into `old` state of `system` from
/// source `source`, read from `file`. `time` is the scan's time.
pub fn fold(
    old: Option<FindingSet>,
    system: &SystemId,
    scan: &Scan,
    mapped: Vec<Mapped>,
    file: Option<String>,
    time: Option<When>,
) -> (FindingSet, Drift) {
    let mut drift = Drift::default();
    let mut state: BTreeMap<Key, Finding> = BTreeMap::new();
    let mut old_scan = None;
    if let Some(old) = old {
        old_scan = old.scan;
        for f in old.findings {
            let key = (f.target.clone().unwrap_or_default(), f.rule_id.clone());
            state.insert(key, f);
        }
    }
    let profile = scan.profile.clone();
    // The results of this scan, one per key (the worst when a file repeats one).
    let mut fresh: BTreeMap<Key, Mapped> = BTreeMap::new();
    for m in mapped {
        *drift.results.entry(m.result.result).or_default() += 1;
        let key = (m.result.target.clone(), m.result.rule_id.clone());
        match fresh.get(&key) {
            Some(prev) if rank(prev.result.result) >= rank(m.result.result) => {}
            _ => {
                fresh.insert(key, m);
            }
        }
    }
    let targets: BTreeSet<&String> = fresh.keys().map(|(t, _)| t).collect();
    let mut unseen: BTreeSet<String> = BTreeSet::new();
    // What was there and is not in this scan: only records of a target this
    // scan covered, under the same profile, are its business.
    let old_keys: Vec<Key> = state.keys().cloned().collect();
    for key in old_keys {
        if fresh.contains_key(&key) {
            continue;
        }
        if !targets.contains(&key.0) {
            unseen.insert(key.0.clone());
            continue;
        }
        let Some(f) = state.get_mut(&key) else {
            continue;
        };
        if f.profile != profile {
            continue;
        }
        if f.result == ScanResult::Fail {
            // A scanner that reports only what is wrong (vulnerabilities,
            // alerts) stops reporting what was fixed.
            drift.fixed.push(key.clone());
            f.result = ScanResult::Pass;
            f.since.clone_from(&time);
            f.fixed.clone_from(&time);
            f.observed.clear();
            f.overridden = None;
            f.message = Some("no longer reported by the scanner".into());
        } else {
            state.remove(&key);
        }
    }
    for (key, m) in fresh {
        let new = finding(m, time.clone(), profile.clone());
        match state.get(&key) {
            None => {
                if new.result == ScanResult::Fail {
                    drift.new_failures.push(key.clone());
                }
                state.insert(key, new);
            }
            Some(old) => {
                let mut new = new;
                if old.result == new.result {
                    new.since.clone_from(&old.since);
                    new.fixed.clone_from(&old.fixed);
                    if new.result == ScanResult::Fail {
                        drift.still_failing.push(key.clone());
                    }
                } else {
                    new.fixed.clone_from(&old.fixed);
                    if old.result == ScanResult::Fail && new.result == ScanResult::Pass {
                        drift.fixed.push(key.clone());
                        new.fixed.clone_from(&time);
                    } else if new.result == ScanResult::Fail {
                        if old.fixed.is_some() {
                            drift.reopened.push(key.clone());
                        } else {
                            drift.new_failures.push(key.clone());
                        }
                    }
                }
                drift
                    .observed
                    .extend(observed_changes(&key, &old.observed, &new.observed));
                state.insert(key, new);
            }
        }
    }
    drift.unseen_targets = unseen.into_iter().filter(|t| !t.is_empty()).collect();
    let scan_info = ScanInfo {
        id: scan.id.clone(),
        time: time.or_else(|| old_scan.and_then(|s| s.time)),
        profile: scan.profile.clone(),
        file,
    };
    let set = FindingSet {
        schema_version: SCHEMA_VERSION,
        system: system.clone(),
        source: ScanSource {
            tool: scan.tool.clone(),
            version: scan.tool_version.clone(),
            format: Some(scan.format.to_string()),
        },
        scan: Some(scan_info),
        findings: state.into_values().collect(),
    };
    (set, drift)
}

/// Which of two results for the same rule and target a file's repetition
/// keeps: the one that says more is wrong.
fn rank(r: ScanResult) -> u8 {
    match r {
        ScanResult::Fail => 5,
        ScanResult::Error => 4,
        ScanResult::Pass => 3,
        ScanResult::Informational => 2,
        ScanResult::Notchecked => 1,
        ScanResult::Notapplicable => 0,
    }
}

fn finding(m: Mapped, time: Option<When>, profile: Option<String>) -> Finding {
    let r = m.result;
    let mut references: Vec<String> = Vec::new();
    let push = |scheme: &str, ids: &[String], out: &mut Vec<String>| {
        out.extend(ids.iter().map(|i| format!("{scheme}:{i}")));
    };
    push("nist", &r.refs.nist, &mut references);
    push("cci", &r.refs.cci, &mut references);
    push("cwe", &r.refs.cwe, &mut references);
    push("cce", &r.refs.cce, &mut references);
    push("cve", &r.refs.cve, &mut references);
    for (scheme, id) in &r.refs.other {
        references.push(format!("{}:{id}", scheme.to_ascii_lowercase()));
    }
    references.sort();
    references.dedup();
    let mut observed: Vec<Observed> = r
        .observed
        .into_iter()
        .map(|o| Observed {
            name: o.name,
            expected: o.expected,
            actual: o.actual,
        })
        .collect();
    observed.sort();
    observed.dedup();
    Finding {
        target: (!r.target.is_empty()).then_some(r.target),
        profile,
        rule_id: r.rule_id,
        title: r.title,
        result: r.result,
        severity: r.severity.map(|s| s.as_str().to_string()),
        controls: m.controls,
        mapped_by: m.mapped_by,
        references,
        observed,
        overridden: r.overridden,
        message: r.message,
        since: time,
        fixed: None,
    }
}

/// Field-level changes between two observations of one finding.
fn observed_changes(key: &Key, old: &[Observed], new: &[Observed]) -> Vec<ObservedChange> {
    let by_name = |v: &[Observed]| -> BTreeMap<String, (Option<String>, Option<String>)> {
        v.iter()
            .map(|o| (o.name.clone(), (o.expected.clone(), o.actual.clone())))
            .collect()
    };
    let (before, after) = (by_name(old), by_name(new));
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    names
        .into_iter()
        .filter_map(|name| {
            let b = before.get(name).and_then(|(_, a)| a.clone());
            let a = after.get(name).and_then(|(_, a)| a.clone());
            (b != a).then(|| ObservedChange {
                target: key.0.clone(),
                rule_id: key.1.clone(),
                name: name.clone(),
                before: b,
                after: a,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::scan::Observation;

    fn result(target: &str, rule: &str, r: ScanResult, actual: &str) -> Mapped {
        Mapped {
            result: RuleResult {
                target: target.into(),
                rule_id: rule.into(),
                result: r,
                observed: vec![Observation {
                    name: "PermitRootLogin".into(),
                    expected: Some("no".into()),
                    actual: Some(actual.into()),
                }],
                ..RuleResult::default()
            },
            controls: Vec::new(),
            mapped_by: MappedBy::Unmapped,
        }
    }

    fn scan() -> Scan {
        Scan {
            format: "xccdf",
            tool: "OpenSCAP".into(),
            ..Scan::default()
        }
    }

    fn when(s: &str) -> Option<When> {
        s.parse().ok()
    }

    #[test]
    fn drift_between_runs_is_reported_and_unchanged_runs_change_nothing() {
        use ScanResult::*;
        let sys = SystemId("app".into());
        let first = vec![
            result("h1", "ssh-root", Pass, "no"),
            result("h1", "aide", Fail, "absent"),
            result("h2", "ssh-root", Pass, "no"),
        ];
        let (s1, d1) = fold(None, &sys, &scan(), first, None, when("2026-01-01"));
        assert_eq!(d1.new_failures, vec![("h1".into(), "aide".into())]);
        // Same results, a later scan: only the scan time moves.
        let again = vec![
            result("h1", "ssh-root", Pass, "no"),
            result("h1", "aide", Fail, "absent"),
            result("h2", "ssh-root", Pass, "no"),
        ];
        let (s2, d2) = fold(
            Some(s1.clone()),
            &sys,
            &scan(),
            again,
            None,
            when("2026-01-02"),
        );
        assert!(d2.is_empty(), "{d2:?}");
        assert_eq!(s2.findings, s1.findings);
        // PermitRootLogin went from no to yes; aide got fixed; h2 not scanned.
        let third = vec![
            result("h1", "ssh-root", Fail, "yes"),
            result("h1", "aide", Pass, "present"),
        ];
        let (s3, d3) = fold(Some(s2), &sys, &scan(), third, None, when("2026-01-03"));
        assert_eq!(d3.new_failures, vec![("h1".into(), "ssh-root".into())]);
        assert_eq!(d3.fixed, vec![("h1".into(), "aide".into())]);
        assert_eq!(d3.unseen_targets, vec!["h2".to_string()]);
        let change = &d3.observed[1];
        assert_eq!(
            (
                change.name.as_str(),
                change.before.as_deref(),
                change.after.as_deref()
            ),
            ("PermitRootLogin", Some("no"), Some("yes"))
        );
        // aide fails again: reopened, not new.
        let fourth = vec![
            result("h1", "ssh-root", Fail, "yes"),
            result("h1", "aide", Fail, "absent"),
        ];
        let (s4, d4) = fold(Some(s3), &sys, &scan(), fourth, None, when("2026-01-04"));
        assert_eq!(d4.reopened, vec![("h1".into(), "aide".into())]);
        assert_eq!(d4.still_failing, vec![("h1".into(), "ssh-root".into())]);
        // A failure the scanner stops reporting is fixed; h2 stays.
        let fifth = vec![result("h1", "ssh-root", Fail, "yes")];
        let (s5, d5) = fold(Some(s4), &sys, &scan(), fifth, None, when("2026-01-05"));
        assert_eq!(d5.fixed, vec![("h1".into(), "aide".into())]);
        let aide = s5
            .findings
            .iter()
            .find(|f| f.rule_id == "aide")
            .expect("kept");
        assert_eq!(aide.result, Pass);
        assert!(
            s5.findings
                .iter()
                .any(|f| f.target.as_deref() == Some("h2"))
        );
    }
}
