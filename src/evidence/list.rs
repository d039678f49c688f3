//! `aegis evidence list`: every evidence record with its controls, when it
//! was collected, when it goes stale, its review and whether a valid
//! signed manifest covers it.

use crate::diag::Severity;
use crate::pipeline::Run;
use crate::validate::signatures::attests;
use serde::Serialize;
use std::collections::HashSet;

#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub id: String,
    pub title: String,
    pub controls: Vec<String>,
    pub collected_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retain_until: Option<String>,
    pub review: &'static str,
    pub signed: bool,
}

/// The rows, sorted by id.
pub fn rows(run: &Run) -> Vec<Row> {
    let repo = &run.outcome.repo;
    let valid = valid_manifests(run);
    let mut rows: Vec<Row> = repo
        .evidence
        .iter()
        .map(|e| {
            let v = &e.value;
            Row {
                id: v.id.0.clone(),
                title: v.title.clone(),
                controls: v.controls.iter().map(|c| c.0.clone()).collect(),
                collected_at: v.collected_at.text.clone(),
                stale_from: v.stale_from().map(|d| d.to_string()),
                retain_until: v.retain_until().map(|d| d.to_string()),
                review: v.review_status().as_str(),
                signed: valid
                    .iter()
                    .any(|m| m.evidence.iter().any(|s| s.id == v.id && attests(s, v))),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    rows
}

/// Manifests validation raised no error about: verified against a key
/// trusted on the day they were signed. One definition, validation's.
fn valid_manifests(run: &Run) -> Vec<&crate::model::Manifest> {
    let bad: HashSet<&str> = run
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.file.as_str())
        .collect();
    run.outcome
        .repo
        .signatures
        .iter()
        .filter(|s| !bad.contains(run.workspace.files[s.file].path.as_str()))
        .map(|s| &s.value.manifest)
        .collect()
}

/// The rows as a table for a terminal (every value escaped).
pub fn render_human(rows: &[Row]) -> String {
    use crate::output::escape::text;
    let header = [
        "ID",
        "TITLE",
        "CONTROLS",
        "COLLECTED",
        "STALE FROM",
        "REVIEW",
        "SIGNED",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                text(&r.id).into_owned(),
                text(&r.title).into_owned(),
                text(&r.controls.join(", ")).into_owned(),
                text(&r.collected_at).into_owned(),
                r.stale_from.clone().unwrap_or_else(|| "-".into()),
                r.review.to_string(),
                if r.signed { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |row: &[String]| {
        let mut s = String::new();
        for (i, (c, w)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  "));
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(&header.map(String::from));
    for row in &cells {
        out.push_str(&line(row));
    }
    out.push_str(&format!("{} evidence record(s)\n", rows.len()));
    out
}
