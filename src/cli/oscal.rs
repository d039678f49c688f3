//! `aegis oscal import`: an OSCAL system security plan or component
//! definition into aegis.yaml and implementations/.

use crate::import::plan::{self, FileAction, Outcome, PlanOptions, SystemAction};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub sub: Sub,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Import an OSCAL system security plan or component definition (JSON, YAML or XML) into implementations/.
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The SSP or component definition; its format is judged by content.
    pub file: PathBuf,
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    /// The system the implementations belong to (default for an SSP: from
    /// its system-ids or system-name; required for a component definition).
    #[arg(long, value_name = "ID")]
    pub system: Option<String>,
    /// The repository framework the control ids are looked up in (default:
    /// the one the plan's import-profile or source names, else the one
    /// framework that has the control).
    #[arg(long, value_name = "ID")]
    pub framework: Option<String>,
    /// Say what would be written, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Overwrite existing implementation files (default: keep them, and say so).
    #[arg(long)]
    pub replace: bool,
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    match &args.sub {
        Sub::Import(a) => run_import(a),
    }
}

fn run_import(a: &ImportArgs) -> anyhow::Result<u8> {
    if !a.repo.join(crate::workspace::CONFIG_FILE).is_file() {
        anyhow::bail!(
            "{} has no aegis.yaml; run `aegis init {}` first, or pass --repo",
            a.repo.display(),
            a.repo.display()
        );
    }
    let opts = PlanOptions {
        system: a.system.clone(),
        framework: a.framework.clone(),
        dry_run: a.dry_run,
        replace: a.replace,
    };
    let out = plan::import(&a.repo, &a.file, &opts)?;
    match a.format {
        Format::Human => super::framework::print(&human(&out)),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&out)?;
            s.push('\n');
            super::framework::print_json(&s);
        }
    }
    // Anything not placed fails the run, so a migration never loses
    // requirements quietly.
    Ok(u8::from(!out.not_placed.is_empty()))
}

/// The human report: what was written, kept and not placed, and why.
pub fn human(out: &Outcome) -> String {
    let mut s = String::new();
    let would = if out.dry_run { "would be " } else { "" };
    let system = out.system.as_deref().unwrap_or("(none)");
    let _ = writeln!(s, "{} into system `{system}`", out.model);
    match &out.system_action {
        SystemAction::Added => {
            let _ = writeln!(s, "  system `{system}` {would}added to aegis.yaml");
        }
        SystemAction::Exists { differences } if differences.is_empty() => {
            let _ = writeln!(s, "  system `{system}` is in aegis.yaml already");
        }
        SystemAction::Exists { differences } => {
            let _ = writeln!(
                s,
                "  system `{system}` is in aegis.yaml already; left as it is, though the plan differs:"
            );
            for d in differences {
                let _ = writeln!(s, "    {d}");
            }
        }
        SystemAction::Named => {}
        SystemAction::Missing => {
            let _ = writeln!(s, "  no system to place requirements in");
        }
    }
    let written = out.count(FileAction::Written);
    let _ = writeln!(
        s,
        "  {written} {}written, {} unchanged, {} kept, {} not placed",
        would,
        out.count(FileAction::Unchanged),
        out.count(FileAction::Kept),
        out.not_placed.len()
    );
    for (action, title) in [
        (
            FileAction::Written,
            if out.dry_run {
                "would write"
            } else {
                "written"
            },
        ),
        (
            FileAction::Kept,
            "kept (the file exists with other content; --replace overwrites it)",
        ),
    ] {
        let files: Vec<_> = out.files.iter().filter(|f| f.action == action).collect();
        if files.is_empty() {
            continue;
        }
        let _ = writeln!(s, "{title}:");
        for f in files {
            let _ = writeln!(s, "  {} ({}, {})", f.path, f.control, f.status);
        }
    }
    if !out.not_placed.is_empty() {
        let _ = writeln!(s, "not placed:");
        for n in &out.not_placed {
            let line = n.line.map(|l| format!(" (line {l})")).unwrap_or_default();
            let _ = writeln!(s, "  {}{line}: {}", n.location, n.reason);
        }
    }
    for note in &out.notes {
        let _ = writeln!(s, "note: {note}");
    }
    s
}
