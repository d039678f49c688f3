//! `aegis remediation plan SCAN...`.

use crate::output::escape;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Make a remediation plan from failing scan results that carry fix
    /// content (XCCDF/ARF fixes, STIG checklist fix texts, HDF fix
    /// descriptions): a plan document by risk class, Ansible playbooks,
    /// shell scripts and a checklist. Touches no host.
    Plan(PlanArgs),
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// Scan files, or directories of them.
    #[arg(required = true)]
    pub scans: Vec<PathBuf>,
    /// The system the scans are about (may be left out when aegis.yaml defines one).
    #[arg(long)]
    pub system: Option<String>,
    /// Where to write the plan (default: remediation/<plan-id>/ in the repository).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    match &args.command {
        Sub::Plan(a) => run_plan(a),
    }
}

fn run_plan(a: &PlanArgs) -> anyhow::Result<u8> {
    let (plan, files) = crate::remediation::make(&a.repo, &a.scans, a.system.as_deref())?;
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| a.repo.join("remediation").join(&plan.front.id));
    let written = crate::remediation::write(&dir, &files)?;
    eprint!("{}", summary(&plan, &dir, &written));
    Ok(0)
}

/// What was planned and written, for people.
pub fn summary(
    plan: &crate::remediation::Plan,
    dir: &std::path::Path,
    written: &[(String, bool)],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "plan {}", escape::text(&plan.front.id));
    for class in crate::model::RiskClass::ALL.iter().rev() {
        let Some(c) = plan.front.classes.get(class) else {
            continue;
        };
        let _ = writeln!(
            out,
            "  {:6} {} item(s), needs {} approval(s)",
            class.as_str(),
            c.items.len(),
            c.approvals
        );
    }
    if plan.front.classes.is_empty() {
        let _ = writeln!(out, "  no failing result carries fix content");
    }
    let changed = written.iter().filter(|(_, c)| *c).count();
    let _ = writeln!(
        out,
        "{} {} file(s) in {}",
        if changed == 0 { "unchanged:" } else { "wrote" },
        if changed == 0 { written.len() } else { changed },
        escape::text(&dir.display().to_string())
    );
    out
}
