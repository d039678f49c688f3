//! `aegis findings`: the scan findings of the repository, listed and
//! summarised per system, control, target, rule and result.

use crate::model::{ControlRef, Finding, ScanResult, normalize_control_id};
use crate::output::escape;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this system's findings.
    #[arg(long)]
    pub system: Option<String>,
    /// Only findings mapped to this control (`AC-2`, or `framework:AC-2`).
    #[arg(long)]
    pub control: Option<String>,
    /// Only findings with this result.
    #[arg(long, value_enum)]
    pub result: Option<ResultArg>,
    /// Only findings from this source (the state file's name: openscap, trivy, ...).
    #[arg(long)]
    pub source: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ResultArg {
    Pass,
    Fail,
    Error,
    Notapplicable,
    Notchecked,
    Informational,
}

impl ResultArg {
    fn result(self) -> ScanResult {
        match self {
            ResultArg::Pass => ScanResult::Pass,
            ResultArg::Fail => ScanResult::Fail,
            ResultArg::Error => ScanResult::Error,
            ResultArg::Notapplicable => ScanResult::Notapplicable,
            ResultArg::Notchecked => ScanResult::Notchecked,
            ResultArg::Informational => ScanResult::Informational,
        }
    }
}

/// One finding with where it came from.
struct Row<'a> {
    system: &'a str,
    source: String,
    finding: &'a Finding,
}

/// The JSON contract (version 1).
#[derive(Serialize)]
struct Summary {
    version: u32,
    findings: usize,
    results: BTreeMap<&'static str, usize>,
    by_control: BTreeMap<String, BTreeMap<&'static str, usize>>,
    /// Findings that map to no control.
    unmapped: usize,
    by_system: BTreeMap<String, BTreeMap<&'static str, usize>>,
    by_source: BTreeMap<String, BTreeMap<&'static str, usize>>,
}

fn empty_results() -> BTreeMap<&'static str, usize> {
    ScanResult::ALL.iter().map(|r| (r.as_str(), 0)).collect()
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    let ws = crate::workspace::load(&args.repo)?;
    let outcome = crate::validate::index_only(&ws);
    let mut rows: Vec<Row> = Vec::new();
    for set in &outcome.repo.findings {
        let path = &ws.files[set.file].path;
        let source = source_of(path);
        if args
            .system
            .as_deref()
            .is_some_and(|s| s != set.value.system.as_str())
        {
            continue;
        }
        if args.source.as_deref().is_some_and(|s| s != source) {
            continue;
        }
        for f in &set.value.findings {
            if args.result.is_some_and(|r| r.result() != f.result) {
                continue;
            }
            if let Some(c) = &args.control
                && !f.controls.iter().any(|r| same_control(r, c))
            {
                continue;
            }
            rows.push(Row {
                system: set.value.system.as_str(),
                source: source.clone(),
                finding: f,
            });
        }
    }
    let mut summary = Summary {
        version: 1,
        findings: rows.len(),
        results: empty_results(),
        by_control: BTreeMap::new(),
        unmapped: 0,
        by_system: BTreeMap::new(),
        by_source: BTreeMap::new(),
    };
    for row in &rows {
        let r = row.finding.result.as_str();
        *summary.results.entry(r).or_default() += 1;
        *summary
            .by_system
            .entry(row.system.to_string())
            .or_insert_with(empty_results)
            .entry(r)
            .or_default() += 1;
        *summary
            .by_source
            .entry(row.source.clone())
            .or_insert_with(empty_results)
            .entry(r)
            .or_default() += 1;
        if row.finding.controls.is_empty() {
            summary.unmapped += 1;
        }
        for c in &row.finding.controls {
            let (_, id) = c.parts();
            *summary
                .by_control
                .entry(id.0)
                .or_default()
                .entry(r)
                .or_default() += 1;
        }
    }
    let text = match args.format {
        Format::Json => {
            let mut t = serde_json::to_string_pretty(&summary)?;
            t.push('\n');
            escape::json(&t).into_owned()
        }
        Format::Human => escape::lines(&human(&summary, &rows)).into_owned(),
    };
    print!("{text}");
    Ok(0)
}

/// `findings/<system>/<source>.yaml` (or `<source>.2.yaml`) → `<source>`.
fn source_of(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
        .unwrap_or(name);
    match stem.rsplit_once('.') {
        Some((s, n)) if n.bytes().all(|b| b.is_ascii_digit()) => s.to_string(),
        _ => stem.to_string(),
    }
}

/// Whether `r` is the control `wanted` names (`AC-2(1)`, `ac-2.1` or
/// `framework:AC-2(1)`).
fn same_control(r: &ControlRef, wanted: &str) -> bool {
    let (fw, id) = r.parts();
    let (wfw, wid) = ControlRef(wanted.to_string()).parts();
    wfw.is_none_or(|w| fw.is_some_and(|f| f == w))
        && normalize_control_id(id.as_str()) == normalize_control_id(wid.as_str())
}

fn human(s: &Summary, rows: &[Row]) -> String {
    let mut out = String::new();
    let counts = |m: &BTreeMap<&'static str, usize>| -> String {
        m.iter()
            .filter(|(_, n)| **n > 0)
            .map(|(r, n)| format!("{n} {r}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(out, "{} finding(s): {}", s.findings, counts(&s.results));
    for (system, m) in &s.by_system {
        let _ = writeln!(out, "  system {system}: {}", counts(m));
    }
    for (source, m) in &s.by_source {
        let _ = writeln!(out, "  source {source}: {}", counts(m));
    }
    if s.unmapped > 0 {
        let _ = writeln!(out, "  {} finding(s) map to no control", s.unmapped);
    }
    let mut failing: Vec<(&String, usize)> = s
        .by_control
        .iter()
        .filter_map(|(c, m)| m.get("fail").filter(|n| **n > 0).map(|n| (c, *n)))
        .collect();
    failing.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if !failing.is_empty() {
        let _ = writeln!(out, "\ncontrols with failing findings:");
        for (c, n) in failing.iter().take(30) {
            let _ = writeln!(out, "  {c:<16} {n} failing");
        }
        if failing.len() > 30 {
            let _ = writeln!(out, "  ... and {} more controls", failing.len() - 30);
        }
    }
    let fails: Vec<&Row> = rows
        .iter()
        .filter(|r| r.finding.result == ScanResult::Fail)
        .collect();
    if !fails.is_empty() {
        let _ = writeln!(out, "\nfailing findings:");
        for r in fails.iter().take(50) {
            let f = r.finding;
            let controls: Vec<&str> = f.controls.iter().map(|c| c.0.as_str()).collect();
            let _ = writeln!(
                out,
                "  {} {} {}{} [{}]{}",
                r.system,
                r.source,
                f.target
                    .as_deref()
                    .map(|t| format!("{t} "))
                    .unwrap_or_default(),
                f.rule_id,
                f.severity.as_deref().unwrap_or("-"),
                if controls.is_empty() {
                    String::new()
                } else {
                    format!(" {}", controls.join(", "))
                }
            );
        }
        if fails.len() > 50 {
            let _ = writeln!(
                out,
                "  ... and {} more (filter with --control, --source or --system)",
                fails.len() - 50
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_and_controls_are_matched_by_name() {
        assert_eq!(source_of("findings/app/openscap.yaml"), "openscap");
        assert_eq!(source_of("findings/app/openscap.2.yaml"), "openscap");
        assert_eq!(source_of("findings/app/trivy-1.yaml"), "trivy-1");
        let r = ControlRef("nist-800-53-rev5:AC-2(1)".into());
        assert!(same_control(&r, "ac-2.1"));
        assert!(same_control(&r, "nist-800-53-rev5:AC-2(1)"));
        assert!(!same_control(&r, "nist-800-53-rev4:AC-2(1)"));
        assert!(!same_control(&r, "AC-2"));
    }
}
