//! `aegis policy new|list|status|bump` and `aegis policy approvals sync`.

use super::exceptions::{Common, ListFormat, aligned, refused};
use super::publish::GitHubArgs;
use crate::approval::{self, Options, Report};
use crate::exceptions::Refusal;
use crate::model::Period;
use crate::output::escape;
use crate::policies::{self, Part, PolicyState};
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Write a new policy (policies/<id>.md): front matter and a body to fill in, as a 0.1 draft.
    New(NewArgs),
    /// List the policies: version, status, owner, next review, approved or not.
    List(ListArgs),
    /// Where policies stand: version, owner, approvers, last approval, next review, controls.
    Status(StatusArgs),
    /// Raise a policy's version and add a changelog entry to its front matter (the body is untouched).
    Bump(BumpArgs),
    /// Policy approvals: recorded from pull request reviews.
    Approvals(ApprovalsArgs),
}

fn parse_period(s: &str) -> Result<Period, String> {
    s.parse()
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The policy's id (also its file name).
    pub id: String,
    #[arg(long)]
    pub title: String,
    /// Who keeps the policy current (a name, @login or @org/team).
    #[arg(long, value_name = "WHO")]
    pub owner: String,
    /// Whose pull request review approves a change (@login or @org/team); repeatable.
    #[arg(long = "approver", value_name = "WHO")]
    pub approvers: Vec<String>,
    /// A control the policy addresses (FRAMEWORK:ID); repeatable.
    #[arg(long = "control", value_name = "REF")]
    pub controls: Vec<String>,
    /// How often the policy must be reviewed.
    #[arg(long, value_name = "PERIOD", value_parser = parse_period, default_value = "1y")]
    pub review_interval: Period,
    #[command(flatten)]
    pub dry: super::framework::DryRunArg,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// One policy's id [default: every policy].
    pub id: Option<String>,
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("part").args(["major", "minor", "patch"])))]
pub struct BumpArgs {
    /// The policy's id.
    pub id: String,
    /// 1.4 -> 2.0
    #[arg(long)]
    pub major: bool,
    /// 1.4 -> 1.5 (the default)
    #[arg(long)]
    pub minor: bool,
    /// 1.4 -> 1.4.1
    #[arg(long)]
    pub patch: bool,
    /// What changed, for the changelog entry.
    #[arg(long, value_name = "TEXT")]
    pub note: String,
    #[command(flatten)]
    pub dry: super::framework::DryRunArg,
    #[command(flatten)]
    pub common: Common,
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
        Sub::New(a) => refused(new(a)),
        Sub::List(a) => refused(show(&a.common, None, a.format, true)),
        Sub::Status(a) => refused(show(&a.common, a.id.as_deref(), a.format, false)),
        Sub::Bump(a) => refused(bump(a)),
    }
}

fn new(a: &NewArgs) -> Result<u8, Refusal> {
    let mut planned = Vec::new();
    let rel = policies::new(
        &a.common.repo,
        policies::NewPolicy {
            id: a.id.clone(),
            title: a.title.clone(),
            owner: a.owner.clone(),
            approvers: a.approvers.clone(),
            controls: a.controls.clone(),
            review_every: a.review_interval.clone(),
        },
        a.dry.dry_run,
        &mut planned,
    )?;
    a.dry.finish(&planned);
    eprintln!(
        "{} {}: a 0.1 draft; write the policy, set `status: active` and have its approvers review it in a pull request",
        a.dry.verb("wrote", "write"),
        escape::text(&rel)
    );
    Ok(0)
}

fn show(c: &Common, id: Option<&str>, format: ListFormat, brief: bool) -> Result<u8, Refusal> {
    let states = policies::status(&c.repo, id, c.today())?;
    let text = match format {
        ListFormat::Json => {
            let mut s = serde_json::to_string_pretty(&states)
                .map_err(|e| Refusal::Invalid(vec![e.to_string()]))?;
            s.push('\n');
            s
        }
        ListFormat::Human if brief => table(&states),
        ListFormat::Human => details(&states),
    };
    if let Err(e) = super::deliver(None, &text) {
        eprintln!("error: {e}");
        return Ok(2);
    }
    Ok(0)
}

fn table(states: &[PolicyState]) -> String {
    if states.is_empty() {
        return "no policies\n".into();
    }
    let t = |s: &str| escape::text(s).into_owned();
    let head = [
        "ID",
        "VERSION",
        "STATUS",
        "OWNER",
        "NEXT REVIEW",
        "APPROVED",
    ];
    let rows: Vec<Vec<String>> = states
        .iter()
        .map(|p| {
            vec![
                t(&p.id),
                t(&p.version),
                p.status.to_string(),
                t(&p.owner),
                match p.next_review {
                    Some(d) if p.review_overdue => format!("{d} (overdue)"),
                    Some(d) => d.to_string(),
                    None => "-".into(),
                },
                if p.approved { "yes" } else { "no" }.to_string(),
            ]
        })
        .collect();
    let mut out = aligned(&head, &rows);
    let unapproved = states.iter().filter(|p| !p.approved).count();
    let overdue = states.iter().filter(|p| p.review_overdue).count();
    let _ = writeln!(
        out,
        "{} polic{}: {unapproved} without an approval of the current text, {overdue} overdue for review",
        states.len(),
        if states.len() == 1 { "y" } else { "ies" }
    );
    out
}

fn details(states: &[PolicyState]) -> String {
    if states.is_empty() {
        return "no policies\n".into();
    }
    let t = |s: &str| escape::text(s).into_owned();
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            t(&v.join(", "))
        }
    };
    let mut out = String::new();
    for (i, p) in states.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "{} ({})", t(&p.id), t(&p.file));
        let _ = writeln!(out, "  title:          {}", t(&p.title));
        let _ = writeln!(out, "  version:        {} ({})", t(&p.version), p.status);
        let _ = writeln!(out, "  owner:          {}", t(&p.owner));
        let _ = writeln!(out, "  approvers:      {}", list(&p.approvers));
        match &p.last_approval {
            Some(a) => {
                let _ = writeln!(
                    out,
                    "  last approval:  version {} on {} by {}{}",
                    t(&a.version),
                    t(&a.approved_at),
                    list(&a.approved_by),
                    a.pull_request
                        .map_or(String::new(), |n| format!(" (pull request #{n})"))
                );
            }
            None => {
                let _ = writeln!(out, "  last approval:  none recorded");
            }
        }
        let _ = writeln!(
            out,
            "  current text:   {} (sha256 {})",
            if p.approved {
                "approved"
            } else {
                "NOT approved: changed since the last approval, or never approved"
            },
            &p.sha256[..12]
        );
        let _ = writeln!(
            out,
            "  next review:    {}",
            match (p.next_review, &p.review_every) {
                (Some(d), Some(e)) => format!(
                    "{d} (every {}){}",
                    t(e),
                    if p.review_overdue { ", OVERDUE" } else { "" }
                ),
                (None, Some(e)) => format!("every {}; no `reviewed` or `effective` date yet", t(e)),
                _ => "no review interval set".into(),
            }
        );
        let _ = writeln!(out, "  controls:       {}", list(&p.controls));
        if let Some(c) = &p.last_change {
            let _ = writeln!(
                out,
                "  last change:    {} on {}: {}",
                t(&c.version),
                c.date,
                t(&c.note)
            );
        }
    }
    out
}

fn bump(a: &BumpArgs) -> Result<u8, Refusal> {
    let part = if a.major {
        Part::Major
    } else if a.patch {
        Part::Patch
    } else {
        Part::Minor
    };
    let mut planned = Vec::new();
    let b = policies::bump(
        &a.common.repo,
        &a.id,
        part,
        &a.note,
        a.common.today(),
        a.dry.dry_run,
        &mut planned,
    )?;
    a.dry.finish(&planned);
    eprintln!(
        "{} `{}` in {}: version {} -> {}; its approvers must approve the new text",
        a.dry.verb("bumped", "bump"),
        escape::text(&a.id),
        escape::text(&b.path),
        escape::text(&b.from),
        escape::text(&b.to)
    );
    Ok(0)
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
