//! `aegis policy approvals sync`.

use super::publish::GitHubArgs;
use crate::approval::{self, Options, Report};
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
    /// Policy approvals: recorded from pull request reviews.
    Approvals(ApprovalsArgs),
}

#[derive(Debug, clap::Args)]
pub struct ApprovalsArgs {
    #[command(subcommand)]
    pub command: ApprovalsSub,
}

#[derive(Debug, clap::Subcommand)]
pub enum ApprovalsSub {
    /// Record in policies/approvals.yaml the approvals of the policies (and
    /// remediation plans) the pull request that merged a commit changed:
    /// eligible reviewers' approvals of the merged head, against each file's
    /// SHA-256. Exits 1 when a changed policy lacks an eligible approval.
    Sync(SyncArgs),
}

#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub github: GitHubArgs,
    /// The merge commit whose pull request is recorded [default: HEAD].
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// The compliance repository (the directory holding aegis.yaml), inside a git clone.
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    match &args.command {
        Sub::Approvals(a) => match &a.command {
            ApprovalsSub::Sync(s) => sync(s),
        },
    }
}

fn sync(a: &SyncArgs) -> anyhow::Result<u8> {
    let client = a.github.client()?;
    let (owner, name) = a.github.repository()?;
    let report = approval::sync(
        &client,
        &Options {
            repo: &a.repo,
            owner: &owner,
            name: &name,
            commit: a.commit.as_deref(),
            dry_run: a.github.dry_run,
        },
    )?;
    eprint!("{}", human(&report, a.github.dry_run));
    Ok(if report.failed.is_empty() { 0 } else { 1 })
}

/// What was found and recorded, for people.
pub fn human(r: &Report, dry_run: bool) -> String {
    let mut out = String::new();
    let t = |s: &str| escape::text(s).into_owned();
    match r.pull {
        Some(n) => {
            let _ = writeln!(
                out,
                "commit {} was merged by pull request #{n}",
                t(r.commit.get(..12).unwrap_or(&r.commit))
            );
        }
        None => {
            let _ = writeln!(out, "commit {}", t(&r.commit));
        }
    }
    for a in &r.already {
        let _ = writeln!(out, "already approved: {}", t(a));
    }
    for rec in &r.recorded {
        let _ = writeln!(
            out,
            "{}: {} (approved by {})",
            if dry_run { "would record" } else { "recorded" },
            t(&rec.what),
            t(&rec.approvers.join(", "))
        );
    }
    for f in &r.failed {
        let _ = writeln!(
            out,
            "error: {} needs {} eligible approval(s) of the merged head; {} counted{}",
            t(&f.what),
            f.needed,
            f.counted.len(),
            if f.counted.is_empty() {
                String::new()
            } else {
                format!(" ({})", t(&f.counted.join(", ")))
            }
        );
        for (login, why) in &f.not_counted {
            let _ = writeln!(out, "  {}: {}", t(login), t(why));
        }
        if f.not_counted.is_empty() && f.counted.is_empty() {
            let _ = writeln!(out, "  nobody approved the pull request");
        }
    }
    for n in &r.notes {
        let _ = writeln!(out, "note: {}", t(n));
    }
    if r.recorded.is_empty() && r.failed.is_empty() && r.already.is_empty() {
        let _ = writeln!(
            out,
            "nothing to record: the pull request changed no policy or remediation plan"
        );
    } else if !r.recorded.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            if dry_run {
                "policies/approvals.yaml not written (--dry-run)"
            } else if r.written {
                "wrote policies/approvals.yaml"
            } else {
                "policies/approvals.yaml unchanged"
            }
        );
    }
    out
}
