//! `aegis implementation list`: the records as a table, JSON or CSV.

use super::exceptions::aligned;
use super::implementation::{Common, STATUSES, parse_status};
use crate::implementations::{self, Refusal, list::Row};
use crate::model::ImplStatus;
use crate::output::escape;
use std::fmt::Write;

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only this system's implementations.
    #[arg(long, value_name = "ID")]
    pub system: Option<String>,
    /// Only implementations with this status.
    #[arg(long, value_parser = parse_status)]
    pub status: Option<ImplStatus>,
    /// Only controls of this framework.
    #[arg(long, value_name = "ID")]
    pub framework: Option<String>,
    /// Only this control (FRAMEWORK:ID, or an id resolved as for --system).
    #[arg(long, value_name = "REF")]
    pub control: Option<String>,
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
    Csv,
}

pub(super) fn list(a: &ListArgs) -> Result<u8, Refusal> {
    let filter = implementations::list::Filter {
        system: a.system.clone(),
        status: a.status,
        framework: a.framework.clone(),
        control: a.control.clone(),
    };
    let listing = implementations::list::list(&a.common.repo, &filter, a.common.today())?;
    let text = match a.format {
        ListFormat::Human => human(&listing.rows),
        ListFormat::Json => {
            let mut s = serde_json::to_string_pretty(&listing.rows)
                .map_err(|e| Refusal::Invalid(vec![e.to_string()]))?;
            s.push('\n');
            escape::json(&s).into_owned()
        }
        ListFormat::Csv => csv(&listing.rows).map_err(|e| Refusal::Invalid(vec![e]))?,
    };
    if let Err(e) = super::deliver(None, &text) {
        eprintln!("error: {e}");
        return Ok(2);
    }
    if listing.unreadable > 0 {
        eprintln!(
            "warning: {} implementation file(s) could not be read and are not listed; run `aegis validate`",
            listing.unreadable
        );
    }
    Ok(0)
}

fn next_review(r: &Row) -> String {
    match (r.review_due, r.review_overdue) {
        (Some(d), true) => format!("{d} (overdue)"),
        (Some(d), false) => d.to_string(),
        (None, true) => "now (never reviewed)".into(),
        (None, false) => "-".into(),
    }
}

/// The list as an aligned table, and a count per status.
pub fn human(rows: &[Row]) -> String {
    if rows.is_empty() {
        return "no implementations\n".into();
    }
    let t = |s: &str| escape::text(s).into_owned();
    let head = [
        "SYSTEM",
        "CONTROL",
        "STATUS",
        "OWNER",
        "EVIDENCE",
        "REVIEWED",
        "NEXT REVIEW",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                t(&r.system),
                t(&r.control),
                r.status.as_str().into(),
                t(r.owner.as_deref().unwrap_or("-")),
                r.evidence.to_string(),
                r.reviewed.map_or("-".into(), |d| d.to_string()),
                next_review(r),
            ]
        })
        .collect();
    let mut out = aligned(&head, &cells);
    let counts: Vec<String> = STATUSES
        .iter()
        .filter_map(|s| {
            let n = rows.iter().filter(|r| r.status == *s).count();
            (n > 0).then(|| format!("{n} {}", s.as_str()))
        })
        .collect();
    let overdue = rows.iter().filter(|r| r.review_overdue).count();
    let _ = writeln!(
        out,
        "{} implementation(s): {}{}",
        rows.len(),
        counts.join(", "),
        if overdue > 0 {
            format!("; {overdue} review(s) overdue")
        } else {
            String::new()
        }
    );
    out
}

fn csv(rows: &[Row]) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| e.to_string();
    w.write_record([
        "system",
        "control",
        "status",
        "owner",
        "evidence",
        "policies",
        "reviewed",
        "review_due",
        "review_overdue",
        "file",
    ])
    .map_err(err)?;
    let cell = |s: &str| escape::csv_cell(s).into_owned();
    for r in rows {
        w.write_record([
            cell(&r.system).as_str(),
            cell(&r.control).as_str(),
            r.status.as_str(),
            cell(r.owner.as_deref().unwrap_or("")).as_str(),
            &r.evidence.to_string(),
            &r.policies.to_string(),
            &r.reviewed.map(|d| d.to_string()).unwrap_or_default(),
            &r.review_due.map(|d| d.to_string()).unwrap_or_default(),
            if r.review_overdue { "true" } else { "false" },
            cell(&r.file).as_str(),
        ])
        .map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}
