//! `aegis evidence verify`: the state of every evidence record. What
//! validation finds about evidence (hashes, missing and empty files,
//! staleness, review, signatures) is taken from the validation run itself,
//! so nothing is checked twice or differently; on top of that come the
//! lifecycle warnings only this command gives: evidence about to go stale
//! (the refresh-ahead window), evidence nothing cites, and abandoned
//! evidence (not collected again for a long time, in Auditree's sense).

use crate::diag::{Severity, Stage};
use crate::model::{Date, Period};
use crate::pipeline::Run;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// What one check found about one record.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Finding {
    /// A diagnostic code, or one of `refresh-due`, `uncited`, `abandoned`.
    pub check: String,
    pub severity: &'static str,
    /// Where it was found (`file:line:column`).
    pub at: String,
    pub message: String,
}

/// One evidence record's state.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub id: String,
    pub file: String,
    pub uri: String,
    /// `ok`, `warning` or `failing`.
    pub status: &'static str,
    pub findings: Vec<Finding>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub as_of: String,
    pub refresh_ahead: String,
    pub abandoned_after: String,
    pub evidence: Vec<Entry>,
    /// Evidence-related problems in files that are not evidence records
    /// (signed manifests, implementations citing evidence).
    pub other: Vec<Finding>,
    pub failing: usize,
    pub warnings: usize,
}

/// Windows of the lifecycle checks.
pub struct Windows {
    pub refresh_ahead: Period,
    pub abandoned_after: Period,
}

/// Builds the report from a validation run.
pub fn report(run: &Run, as_of: Date, w: &Windows) -> Report {
    let ws = &run.workspace;
    let repo = &run.outcome.repo;
    let mut by_file: BTreeMap<&str, Vec<Finding>> = BTreeMap::new();
    let mut other = Vec::new();
    let evidence_files: HashSet<&str> = repo
        .evidence
        .iter()
        .map(|e| ws.files[e.file].path.as_str())
        .collect();
    for d in &run.diagnostics {
        let about_evidence = d.code.info().stage == Stage::Evidence;
        let f = Finding {
            check: d.code.as_str().to_string(),
            severity: d.severity.as_str(),
            at: format!("{}:{}:{}", d.file, d.pos.line, d.pos.column),
            message: d.message.clone(),
        };
        if evidence_files.contains(d.file.as_str()) {
            by_file.entry(d.file.as_str()).or_default().push(f);
        } else if about_evidence || d.file.starts_with("evidence/") {
            other.push(f);
        }
    }

    let cited: HashSet<&str> = repo
        .implementations
        .iter()
        .flat_map(|i| i.value.evidence.iter().map(|e| e.as_str()))
        .collect();
    let horizon = as_of.plus(&w.refresh_ahead);
    let mut entries = Vec::new();
    for e in &repo.evidence {
        let file = ws.files[e.file].path.as_str();
        let v = &e.value;
        let mut findings = by_file.remove(file).unwrap_or_default();
        let at = |pointer: &str| {
            let p = ws.files[e.file]
                .tree
                .as_ref()
                .map_or(crate::diag::Pos::START, |t| t.locate(pointer));
            format!("{file}:{}:{}", p.line, p.column)
        };
        if let Some(stale) = v.stale_from()
            && stale > as_of
            && stale <= horizon
        {
            let days = (stale.0 - as_of.0).get_days();
            findings.push(Finding {
                check: "refresh-due".into(),
                severity: "warning",
                at: at("/collected_at"),
                message: format!(
                    "evidence `{}` goes stale on {stale} (in {days} day{}), inside the refresh-ahead window of {}: collect it again",
                    v.id,
                    if days == 1 { "" } else { "s" },
                    w.refresh_ahead
                ),
            });
        }
        if !cited.contains(v.id.as_str()) {
            let why = if v.controls.is_empty() {
                "and it names no control".to_string()
            } else {
                format!(
                    "though it names {}",
                    v.controls
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            findings.push(Finding {
                check: "uncited".into(),
                severity: "warning",
                at: at("/id"),
                message: format!(
                    "no implementation cites evidence `{}`, {why}: cite it under `evidence:` of an implementation, or remove it (`aegis evidence prune`)",
                    v.id
                ),
            });
        }
        let abandoned_from = v.collected_at.date.plus(&w.abandoned_after);
        if abandoned_from <= as_of {
            findings.push(Finding {
                check: "abandoned".into(),
                severity: "warning",
                at: at("/collected_at"),
                message: format!(
                    "evidence `{}` was collected on {} and not since: more than {} ago, so it looks abandoned",
                    v.id, v.collected_at.text, w.abandoned_after
                ),
            });
        }
        // Errors first, then by check: what fails the run leads.
        findings.sort_by(|a, b| {
            (a.severity != "error", &a.check, &a.at).cmp(&(b.severity != "error", &b.check, &b.at))
        });
        let status = status_of(&findings);
        entries.push(Entry {
            id: v.id.0.clone(),
            file: file.to_string(),
            uri: v.uri.clone(),
            status,
            findings,
        });
    }
    // Evidence files that did not pass their schema have no record; their
    // problems still belong to the report.
    for (_, fs) in by_file {
        other.extend(fs);
    }
    entries.sort_by(|a, b| a.id.cmp(&b.id).then(a.file.cmp(&b.file)));
    let failing = entries.iter().filter(|e| e.status == "failing").count()
        + other.iter().filter(|f| f.severity == "error").count();
    let warnings = entries
        .iter()
        .flat_map(|e| &e.findings)
        .chain(&other)
        .filter(|f| f.severity != "error")
        .count();
    Report {
        as_of: as_of.to_string(),
        refresh_ahead: w.refresh_ahead.to_string(),
        abandoned_after: w.abandoned_after.to_string(),
        evidence: entries,
        other,
        failing,
        warnings,
    }
}

fn status_of(findings: &[Finding]) -> &'static str {
    if findings
        .iter()
        .any(|f| f.severity == Severity::Error.as_str())
    {
        "failing"
    } else if findings.is_empty() {
        "ok"
    } else {
        "warning"
    }
}

/// The report as text for a terminal (every value escaped).
pub fn render_human(r: &Report) -> String {
    use crate::output::escape::text;
    let finding = |indent: &str, f: &Finding| {
        format!(
            "{indent}{}[{}] {}: {}\n",
            f.severity,
            f.check,
            text(&f.at),
            text(&f.message)
        )
    };
    let mut out = String::new();
    for e in &r.evidence {
        out.push_str(&format!(
            "{:<8} {} ({})\n",
            e.status,
            text(&e.id),
            text(&e.uri)
        ));
        for f in &e.findings {
            out.push_str(&finding("         ", f));
        }
    }
    for f in &r.other {
        out.push_str(&finding("", f));
    }
    let ok = r.evidence.iter().filter(|e| e.status == "ok").count();
    out.push_str(&format!(
        "{} evidence record(s) as of {}: {ok} ok, {} failing, {} warning(s) (refresh ahead {}, abandoned after {})\n",
        r.evidence.len(),
        r.as_of,
        r.failing,
        r.warnings,
        r.refresh_ahead,
        r.abandoned_after
    ));
    out
}
