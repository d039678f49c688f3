//! `aegis crosswalk import`: official crosswalks into mapping files, with
//! a report of what each source states, what was written and what could
//! not be placed.

use crate::crosswalk::import::plan::{self, Report, SetReport, Status};
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The crosswalk sources (CISO Assistant mapping YAML, OSCAL mapping-collection JSON,
    /// trestle CSV, NIST workbooks, DISA's CCI list); formats are judged by content.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    /// The repository framework the source's source side is (default: found from the source).
    #[arg(long, value_name = "FRAMEWORK")]
    pub from: Option<String>,
    /// The repository framework the source's target side is (default: found from the source).
    #[arg(long, value_name = "FRAMEWORK")]
    pub to: Option<String>,
    /// Import only this set (repeatable): a CISO Assistant set ref_id, a workbook sheet,
    /// `mapping-N` of an OSCAL collection, `rev4`/`rev5` of the CCI list.
    #[arg(long = "set", value_name = "NAME")]
    pub sets: Vec<String>,
    /// Replace a mapping file that another source (or a person) wrote.
    #[arg(long)]
    pub replace: bool,
    /// Report what would be written, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

pub fn run(a: &ImportArgs) -> anyhow::Result<u8> {
    let opts = plan::Options {
        from: a.from.clone(),
        to: a.to.clone(),
        sets: a.sets.clone(),
        dry_run: a.dry_run,
        replace: a.replace,
    };
    let report = plan::run(&a.repo, &a.files, &opts)?;
    match a.format {
        Format::Human => super::framework::print(&human(&report)),
        Format::Json => super::framework::print_json(&json(&report)),
    }
    Ok(if report.complete() { 0 } else { 1 })
}

/// The report for a person: per set, the counts and every pair not placed
/// (printed through `framework::print`, which escapes it).
pub fn human(r: &Report) -> String {
    let mut out = String::new();
    for s in &r.sets {
        let from = s
            .source
            .as_ref()
            .map_or_else(|| "cci".to_string(), |(id, _)| id.clone());
        let _ = writeln!(
            out,
            "{} ({}, set `{}`): {} -> {}",
            s.file,
            s.format.name(),
            s.set,
            from,
            s.target.0
        );
        if let Some((_, how)) = &s.source {
            let _ = writeln!(out, "  source: {}", how.describe());
        }
        let _ = writeln!(out, "  target: {}", s.target.1.describe());
        if let Status::Inverse(of) = &s.status {
            let _ = writeln!(
                out,
                "  {} pair(s) stated, the exact inverse of set `{of}`: not written (every mapping is read both ways)",
                s.stated
            );
            continue;
        }
        let verb = match s.status {
            Status::Written => "written to",
            Status::Unchanged => "unchanged in",
            Status::WouldWrite => "would be written to",
            Status::Inverse(_) => "",
        };
        let _ = writeln!(
            out,
            "  {} pair(s) stated, {} {verb} {}, {} repeated, {} not placed",
            s.stated,
            s.written,
            s.output,
            s.duplicates.len(),
            s.unplaced.len()
        );
        if !s.without_pairs.is_empty() {
            let _ = writeln!(
                out,
                "  {} row(s) state no pair (first: {} `{}`, {})",
                s.without_pairs.len(),
                s.without_pairs[0].at,
                s.without_pairs[0].id,
                s.without_pairs[0].why
            );
        }
        // One line per reason (an unknown control is often named by many
        // pairs); the JSON report lists every pair.
        let mut by_reason: Vec<(&str, Vec<&str>)> = Vec::new();
        for u in &s.unplaced {
            match by_reason.iter_mut().find(|(r, _)| *r == u.reason) {
                Some((_, ats)) => ats.push(&u.at),
                None => by_reason.push((&u.reason, vec![&u.at])),
            }
        }
        for (reason, ats) in by_reason {
            let more = if ats.len() > 1 {
                format!(" and {} more", ats.len() - 1)
            } else {
                String::new()
            };
            let _ = writeln!(out, "  not placed: {reason} ({}{more})", ats[0]);
        }
    }
    let unplaced: usize = r.sets.iter().map(|s| s.unplaced.len()).sum();
    if unplaced > 0 {
        let _ = writeln!(
            out,
            "{unplaced} pair(s) could not be placed; import the frameworks or controls they name, or correct the source"
        );
    }
    out
}

/// The report for tools: `{"version": 1, "imports": [...]}`.
pub fn json(r: &Report) -> String {
    let sets: Vec<serde_json::Value> = r.sets.iter().map(set_json).collect();
    let doc = serde_json::json!({ "version": 1, "imports": sets });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

fn set_json(s: &SetReport) -> serde_json::Value {
    let status = match &s.status {
        Status::Written => "written",
        Status::Unchanged => "unchanged",
        Status::WouldWrite => "would-write",
        Status::Inverse(_) => "inverse",
    };
    serde_json::json!({
        "file": s.file,
        "format": s.format.key(),
        "document": s.document,
        "set": s.set,
        "source": s.source.as_ref().map(|(id, _)| id.clone()),
        "target": s.target.0,
        "output": s.output,
        "status": status,
        "inverse_of": match &s.status { Status::Inverse(of) => Some(of.clone()), _ => None },
        "stated": s.stated,
        "written": s.written,
        "repeated": s.duplicates.len(),
        "unplaced": s.unplaced.iter().map(|u| serde_json::json!({
            "at": u.at, "source": u.source, "target": u.target, "reason": u.reason,
        })).collect::<Vec<_>>(),
        "without_pairs": s.without_pairs.iter().map(|u| serde_json::json!({
            "at": u.at, "id": u.id, "why": u.why,
        })).collect::<Vec<_>>(),
    })
}
