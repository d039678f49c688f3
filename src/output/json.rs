//! The JSON contract other tools read. It has its own versioned structs so
//! internal changes cannot change it by accident.

use super::Report;
use serde::Serialize;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    diagnostics: Vec<Item<'a>>,
    summary: Summary,
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
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
}

pub fn render(report: &Report) -> String {
    let doc = Document {
        version: 1,
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
        },
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
