//! `aegis gaps`: every control of every selected framework or baseline,
//! per system, with its status and what falls short.

use crate::assess::Assessment;
use crate::model::Date;
use crate::output::gaps;
use crate::pipeline;
use anyhow::{Context, bail};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    /// Only this system.
    #[arg(long)]
    pub system: Option<String>,
    /// Only this framework, or framework@baseline.
    #[arg(long, value_name = "FRAMEWORK[@BASELINE]")]
    pub baseline: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// List only the controls that fall short (gaps and excepted ones).
    #[arg(long)]
    pub gaps_only: bool,
    /// Explain, step by step, why this control has the status it has.
    #[arg(long, value_name = "CONTROL")]
    pub explain: Option<String>,
    /// Judge dates (staleness, expiry, reviews) as of this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = |s: &str| s.parse::<Date>())]
    pub as_of: Option<Date>,
    #[command(flatten)]
    pub at: super::gate::AtArg,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

use super::TableFormat as Format;

pub fn run(args: &Args) -> anyhow::Result<u8> {
    let mut run = super::gate::run_at(
        &args.repo,
        &args.at,
        args.as_of,
        Some(pipeline::CheckOptions::default()),
    )?;
    let commit = run.workspace.source.commit().cloned();
    let Some(mut a) = run.assessment.take() else {
        bail!(
            "{}: aegis.yaml did not validate, so there are no systems to assess; run `aegis validate` to see why",
            args.repo.display()
        );
    };
    // Only the assessment is used from here; freeing the loaded repository
    // costs tens of milliseconds on a large one and buys nothing.
    std::mem::forget(run);
    filter(&mut a, args)?;
    let text = match &args.explain {
        Some(control) => gaps::explain(&a, control).with_context(|| {
            format!(
                "no selected framework or baseline of the assessed systems holds a control `{}`",
                crate::output::escape::text(control)
            )
        })?,
        None => match args.format {
            Format::Human => gaps::human(&a, args.gaps_only),
            Format::Json => gaps::json(&a),
            Format::Csv => gaps::csv(&a, args.gaps_only),
            Format::Markdown => gaps::markdown(&a, args.gaps_only),
        },
    };
    let text = match &commit {
        Some(c) => with_commit(text, c, args.format),
        None => text,
    };
    super::deliver(args.output.as_deref(), &text)?;
    Ok(0)
}

/// Names the evaluated commit (`--at`) in the report: a first line for
/// people, a `commit` member in JSON. CSV stays rows only.
fn with_commit(text: String, c: &crate::workspace::git::Commit, format: Format) -> String {
    let summary = crate::output::escape::text(&c.summary);
    match format {
        Format::Human => format!("at commit {} ({}): {summary}\n\n{text}", c.short(), c.date),
        Format::Markdown => format!(
            "At commit `{}` ({}): {}\n\n{text}",
            c.short(),
            c.date,
            crate::output::escape::markdown_cell(&c.summary)
        ),
        Format::Json => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(mut m)) => {
                m.insert("commit".into(), serde_json::to_value(c).unwrap_or_default());
                let mut s = serde_json::to_string_pretty(&m).unwrap_or_default();
                s.push('\n');
                s
            }
            _ => text,
        },
        Format::Csv => text,
    }
}

fn filter(a: &mut Assessment, args: &Args) -> anyhow::Result<()> {
    if let Some(sys) = &args.system {
        let known: Vec<String> = a.systems.iter().map(|s| s.id.clone()).collect();
        a.systems.retain(|s| &s.id == sys);
        if a.systems.is_empty() {
            bail!(
                "no system `{}` in aegis.yaml (systems: {})",
                crate::output::escape::text(sys),
                known.join(", ")
            );
        }
    }
    if let Some(b) = &args.baseline {
        let (fw, base) = match b.split_once('@') {
            Some((f, b)) => (f, Some(b)),
            None => (b.as_str(), None),
        };
        for s in &mut a.systems {
            s.selections.retain(|sel| {
                sel.framework == fw && base.is_none_or(|x| sel.baseline.as_deref() == Some(x))
            });
        }
        a.systems.retain(|s| !s.selections.is_empty());
        if a.systems.is_empty() {
            bail!(
                "no assessed system selects `{}`",
                crate::output::escape::text(b)
            );
        }
    }
    Ok(())
}
