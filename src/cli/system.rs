//! `aegis system add|list`: the systems of aegis.yaml.

use super::exceptions::{aligned, refused};
use crate::exceptions::Refusal;
use crate::output::escape;
use crate::systems::{self, NewSystem};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Add a system to aegis.yaml (a new item under `systems:`, the rest of the file kept).
    Add(AddArgs),
    /// List the systems: name, owner, the frameworks and baselines each selects, its implementations.
    List(ListArgs),
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The system's id (lower-case; it names implementations/<id>/).
    pub id: String,
    /// Its name, as reports show it.
    #[arg(long, value_name = "TEXT")]
    pub title: String,
    /// A baseline the system must meet (FRAMEWORK@BASELINE); repeatable.
    #[arg(long = "baseline", value_name = "FW@BASELINE", value_parser = parse_baseline)]
    pub baselines: Vec<(String, String)>,
    /// A framework the system must meet in full; repeatable.
    #[arg(long = "framework", value_name = "FW")]
    pub frameworks: Vec<String>,
    /// Who answers for the system.
    #[arg(long, value_name = "WHO")]
    pub owner: Option<String>,
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Print aegis.yaml as it would be, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[arg(long, value_enum, default_value_t = super::evidence::OutFormat::Human)]
    pub format: super::evidence::OutFormat,
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
}

fn parse_baseline(s: &str) -> Result<(String, String), String> {
    match s.split_once('@') {
        Some((f, b)) if !f.trim().is_empty() && !b.trim().is_empty() => {
            Ok((f.trim().to_string(), b.trim().to_string()))
        }
        _ => Err(format!(
            "`{s}` is not FRAMEWORK@BASELINE (for a whole framework, use --framework)"
        )),
    }
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    refused(match &args.command {
        Sub::Add(a) => add(a),
        Sub::List(a) => list(a),
    })
}

fn add(a: &AddArgs) -> Result<u8, Refusal> {
    let selections = a
        .baselines
        .iter()
        .map(|(f, b)| (f.clone(), Some(b.clone())))
        .chain(a.frameworks.iter().map(|f| (f.clone(), None)))
        .collect();
    let new = NewSystem {
        id: a.id.clone(),
        title: a.title.clone(),
        description: a.description.clone(),
        owner: a.owner.clone(),
        selections,
    };
    let dry = super::framework::DryRunArg { dry_run: a.dry_run };
    let mut planned = Vec::new();
    let added = systems::add(&a.repo, new, a.dry_run, &mut planned)?;
    dry.finish(&planned);
    eprintln!(
        "{} system `{}` to aegis.yaml{}",
        dry.verb("added", "add"),
        escape::text(&a.id),
        selects(&added.system)
    );
    Ok(0)
}

fn selects(s: &crate::model::System) -> String {
    if s.frameworks.is_empty() {
        return String::new();
    }
    let names: Vec<String> = s
        .frameworks
        .iter()
        .map(|f| match &f.baseline {
            Some(b) => format!("{}@{b}", f.framework),
            None => f.framework.0.clone(),
        })
        .collect();
    format!(", selecting {}", escape::text(&names.join(", ")))
}

fn list(a: &ListArgs) -> Result<u8, Refusal> {
    let rows = systems::list(&a.repo)?;
    let text = match a.format {
        super::evidence::OutFormat::Human => human(&rows),
        super::evidence::OutFormat::Json => {
            let mut s = serde_json::to_string_pretty(&rows)
                .map_err(|e| Refusal::Invalid(vec![e.to_string()]))?;
            s.push('\n');
            escape::json(&s).into_owned()
        }
    };
    if let Err(e) = super::deliver(None, &text) {
        eprintln!("error: {e}");
        return Ok(2);
    }
    Ok(0)
}

fn human(rows: &[systems::Row]) -> String {
    if rows.is_empty() {
        return "no systems (add one with `aegis system add`)\n".into();
    }
    let t = |s: &str| escape::text(s).into_owned();
    let head = ["ID", "NAME", "OWNER", "SELECTS", "IMPLEMENTATIONS"];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                t(&r.id),
                t(&r.name),
                t(r.owner.as_deref().unwrap_or("-")),
                t(&r.selects.join(", ")),
                r.implementations.to_string(),
            ]
        })
        .collect();
    let mut out = aligned(&head, &cells);
    out.push_str(&format!("{} system(s)\n", rows.len()));
    out
}
