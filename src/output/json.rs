//! The JSON contract other tools read. It has its own versioned structs so
//! internal changes cannot change it by accident.

use super::Report;
use crate::diag::Severity;
use serde::Serialize;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    diagnostics: Vec<Item<'a>>,
    summary: Summary<'a>,
    /// The gap engine's result (`aegis check` only; added within contract v1).
    #[serde(skip_serializing_if = "Option::is_none")]
    gaps: Option<serde_json::Value>,
    /// The commit evaluated (`--at`; added within contract v1).
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a crate::workspace::git::Commit>,
}

#[derive(Serialize)]
struct Item<'a> {
    code: &'a str,
    severity: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct Summary<'a> {
    files: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    /// Findings counted above but not listed one by one (at most 100 per
    /// file and code are; then one says how many more).
    folded: usize,
    /// Codes aegis.yaml lowers or switches off (added within contract v1).
    weakened: Vec<WeakenedItem<'a>>,
}

#[derive(Serialize)]
struct WeakenedItem<'a> {
    code: &'a str,
    default: &'a str,
    /// `off` when switched off.
    severity: &'a str,
    /// Findings of the code in this run, before the change.
    findings: usize,
}

pub fn render(report: &Report) -> String {
    let doc = Document {
        version: 1,
        gaps: report.gaps.map(super::gaps::json_value),
        commit: report.commit,
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| Item {
                code: d.code.as_str(),
                severity: d.severity.as_str(),
                file: &d.file,
                line: d.pos.line,
                column: d.pos.column,
                message: &d.message,
                help: d.help.as_deref(),
            })
            .collect(),
        summary: Summary {
            files: report.summary.files,
            errors: report.summary.errors,
            warnings: report.summary.warnings,
            notes: report.summary.notes,
            folded: report.summary.folded,
            weakened: report
                .weakened
                .iter()
                .map(|w| WeakenedItem {
                    code: w.code.as_str(),
                    default: w.default.as_str(),
                    severity: w.now.map_or("off", Severity::as_str),
                    findings: w.hidden,
                })
                .collect(),
        },
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    super::escape::json(&s).into_owned()
}
