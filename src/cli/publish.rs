//! `aegis publish`: results to GitHub. One subcommand per thing published;
//! every one that talks to GitHub takes [`GitHubArgs`].

use crate::github::{self, Client, Context, Settings};
use crate::model::Date;
use anyhow::{Context as _, bail};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// One sticky PR comment: the compliance delta of the PR and the gate; edited on rerun, left alone when unchanged.
    PrComment(PrCommentArgs),
    /// The same report as the job summary ($GITHUB_STEP_SUMMARY) and values to $GITHUB_OUTPUT; no token needed.
    Summary(SummaryArgs),
    /// Commit the given files to a fixed branch through the Git Data API and create or update one draft PR; nothing when nothing changed.
    DraftPr(DraftPrArgs),
    /// A remediation plan from failing scan results, proposed as one draft PR on a fixed branch; its body says what each risk class needs.
    Remediation(RemediationArgs),
    /// Nudge idle work-in-progress branches (no commit for N days, no open PR) once per tip: a comment or a draft PR.
    StaleBranches(StaleArgs),
    /// POA&M items as GitHub or Jira issues: created, updated, closed and reopened to follow the repository.
    Issues(super::publish_issues::IssuesArgs),
}

/// How to reach GitHub; shared by every `publish` subcommand.
#[derive(Clone, Debug, clap::Args)]
pub struct GitHubArgs {
    /// The GitHub repository [default: $GITHUB_REPOSITORY].
    #[arg(long, value_name = "OWNER/NAME")]
    pub github_repo: Option<String>,
    /// The REST API root; GitHub Enterprise Server: https://HOST/api/v3
    /// [default: $GITHUB_API_URL, else https://api.github.com].
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// The environment variable holding the token (never a flag, never printed).
    #[arg(long, value_name = "NAME", default_value = "GITHUB_TOKEN")]
    pub token_env: String,
    /// Print the requests that would write; make none.
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds of waiting for rate limits allowed per request before giving up
    /// [default: $AEGIS_GITHUB_MAX_WAIT, else 900].
    #[arg(long, value_name = "SECONDS")]
    pub max_wait: Option<u64>,
}

impl GitHubArgs {
    /// The client these flags describe. Fails when there is no token.
    pub fn client(&self) -> anyhow::Result<Client> {
        let mut settings =
            Settings::from_env(self.api_url.as_deref(), &self.token_env, self.dry_run)?;
        if let Some(w) = self.max_wait {
            settings.retry.max_wait = w;
        }
        let client = Client::new(settings)?;
        client.require_token()?;
        Ok(client)
    }

    /// `(owner, name)` from --github-repo or GITHUB_REPOSITORY.
    pub fn repository(&self) -> anyhow::Result<(String, String)> {
        let given = self.github_repo.clone().or_else(|| {
            std::env::var("GITHUB_REPOSITORY")
                .ok()
                .filter(|s| !s.is_empty())
        });
        let Some(full) = given else {
            bail!(
                "which GitHub repository? Pass --github-repo OWNER/NAME (on Actions GITHUB_REPOSITORY says it)"
            );
        };
        match github::context::split_repo(&full) {
            Some((o, n)) => Ok((o.to_string(), n.to_string())),
            None => bail!(
                "--github-repo {:?} is not OWNER/NAME",
                crate::output::escape::text(&full)
            ),
        }
    }
}

/// The compliance repository and the day dates are judged on.
#[derive(Clone, Debug, clap::Args)]
pub struct RepoArgs {
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long = "repo", value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,
    /// Judge dates as of this day instead of today (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
}

#[derive(Debug, clap::Args)]
pub struct PrCommentArgs {
    #[command(flatten)]
    pub github: GitHubArgs,
    #[command(flatten)]
    pub repo: RepoArgs,
    /// The pull request [default: the event's pull_request.number].
    #[arg(long, value_name = "N")]
    pub pr: Option<u64>,
    /// The base revision of the delta [default: the event's pull_request.base.sha].
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// The head revision of the delta [default: the event's pull_request.head.sha].
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    /// Several sticky comments on one PR: a name for this one.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// The login the token comments as [default: GET /user, else github-actions[bot]].
    #[arg(long, value_name = "LOGIN")]
    pub comment_author: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub repo: RepoArgs,
    /// The base revision of the delta [default: the event's pull_request.base.sha].
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// The head revision of the delta [default: the event's pull_request.head.sha].
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct DraftPrArgs {
    #[command(flatten)]
    pub github: GitHubArgs,
    /// The compliance repository, for the report in the PR body.
    #[command(flatten)]
    pub repo: RepoArgs,
    /// The branch the files are committed to; one PR from it is kept up to date.
    #[arg(long, value_name = "NAME")]
    pub branch: String,
    /// The PR's title (also the commit message).
    #[arg(long, value_name = "TEXT")]
    pub title: String,
    /// The branch the PR targets [default: the repository's default branch].
    #[arg(long, value_name = "BRANCH")]
    pub base: Option<String>,
    /// Files and folders of the git repository to propose as they are now
    /// (a missing file is a deletion; a folder also deletes what it no longer holds).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RemediationArgs {
    #[command(flatten)]
    pub github: GitHubArgs,
    /// Scan files, or directories of them.
    #[arg(value_name = "SCAN", required = true)]
    pub scans: Vec<PathBuf>,
    /// The system the scans are about (may be left out when aegis.yaml defines one).
    #[arg(long)]
    pub system: Option<String>,
    /// The branch the plan is committed to; one PR from it is kept up to date.
    #[arg(long, value_name = "NAME", default_value = "aegis/remediation")]
    pub branch: String,
    /// The branch the PR targets [default: the repository's default branch].
    #[arg(long, value_name = "BRANCH")]
    pub base: Option<String>,
    /// The compliance repository (the directory holding aegis.yaml), inside a git clone.
    #[arg(long = "repo", value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct StaleArgs {
    #[command(flatten)]
    pub github: GitHubArgs,
    /// The git repository (and aegis.yaml's github.stale_branches, when there).
    #[command(flatten)]
    pub repo: RepoArgs,
    /// Days without a commit after which a branch is idle [default: aegis.yaml, else 30].
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
    /// How to nudge [default: aegis.yaml, else comment].
    #[arg(long, value_enum)]
    pub action: Option<StaleActionArg>,
    /// Never nudge branches matching this name (`*` matches anything); repeatable, added to aegis.yaml's.
    #[arg(long, value_name = "PATTERN")]
    pub exclude: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StaleActionArg {
    /// A commit comment on the branch tip, mentioning its author.
    Comment,
    /// A draft PR from the branch into the default branch.
    DraftPr,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    match &args.command {
        Sub::PrComment(a) => pr_comment(a),
        Sub::Summary(a) => summary(a),
        Sub::DraftPr(a) => draft_pr(a),
        Sub::Remediation(a) => remediation(a),
        Sub::StaleBranches(a) => stale_branches(a),
        Sub::Issues(a) => super::publish_issues::run(a),
    }
}

fn context() -> anyhow::Result<Context> {
    Context::from_env().map_err(anyhow::Error::msg)
}

fn pr_comment(args: &PrCommentArgs) -> anyhow::Result<u8> {
    let ctx = context()?;
    let marker = github::comment::marker(args.key.as_deref()).map_err(anyhow::Error::msg)?;
    let number = match (args.pr, &ctx.pull_request) {
        (Some(n), _) => n,
        (None, Some(pr)) if pr.number > 0 => pr.number,
        _ => bail!(
            "which pull request? Pass --pr N (on a pull_request event GITHUB_EVENT_PATH says it)"
        ),
    };
    let (owner, name) = args.github.repository()?;
    // No token, no work: say so before comparing two commits.
    let client = args.github.client()?;
    let (base, head) = revisions(&args.base, &args.head, &ctx);
    let Some(base) = base else {
        bail!("which base? Pass --base REV (on a pull_request event GITHUB_EVENT_PATH says it)");
    };
    let report = report(
        &args.repo,
        &ctx,
        Some(base),
        head,
        github::report::COMMENT_BUDGET,
    )?;
    let body = report.markdown;
    let author = github::comment::author(&client, args.comment_author.as_deref())?;
    let outcome = github::comment::upsert(&client, &owner, &name, number, &marker, &author, &body)?;
    use github::comment::Outcome;
    let line = match outcome {
        Outcome::Created { url, .. } => format!("created the comment on #{number}: {url}"),
        Outcome::Updated { url, .. } => format!("updated the comment on #{number}: {url}"),
        Outcome::Unchanged { url, .. } => {
            format!("the comment on #{number} is up to date; nothing written: {url}")
        }
        Outcome::WouldCreate => format!(
            "dry run: would POST {}/issues/{number}/comments ({} characters)",
            github::path::repo(&owner, &name),
            body.chars().count()
        ),
        Outcome::WouldUpdate { id } => format!(
            "dry run: would PATCH {}/issues/comments/{id} ({} characters)",
            github::path::repo(&owner, &name),
            body.chars().count()
        ),
    };
    println!("{}", crate::output::escape::text(&line));
    Ok(0)
}

/// BASE and HEAD: the flags, else the pull request of the event (HEAD
/// defaults to the working tree when there is no event either).
fn revisions(
    base: &Option<String>,
    head: &Option<String>,
    ctx: &Context,
) -> (Option<String>, Option<String>) {
    let pr = ctx.pull_request.as_ref();
    let from_event = |f: fn(&github::context::PullRequestEvent) -> &String| {
        pr.map(f).filter(|s| !s.is_empty()).cloned()
    };
    (
        base.clone().or_else(|| from_event(|p| &p.base_sha)),
        head.clone().or_else(|| from_event(|p| &p.head_sha)),
    )
}

/// What `pr-comment` and `summary` publish.
struct Published {
    markdown: String,
    /// `name=value` for $GITHUB_OUTPUT.
    values: Vec<(&'static str, String)>,
}

/// The compliance delta BASE...HEAD (from their merge base) when there is
/// a base, else the gate on the working tree; Markdown within `budget`
/// characters, pointing at the run's summary when cut.
fn report(
    repo: &RepoArgs,
    ctx: &Context,
    base: Option<String>,
    head: Option<String>,
    budget: usize,
) -> anyhow::Result<Published> {
    let mut coverage = serde_json::Map::new();
    let mut put = |system: &str, selection: &str, pct: Option<f64>| {
        let entry = coverage
            .entry(system.to_string())
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        if let (serde_json::Value::Object(m), Some(p)) = (entry, pct) {
            m.insert(selection.to_string(), serde_json::json!(p));
        }
    };
    let Some(base) = base else {
        let as_of = repo.as_of.unwrap_or_else(Date::today_utc);
        let posture = github::report::posture(&repo.repo, as_of)
            .with_context(|| format!("cannot run the gate on {}", display(&repo.repo)))?;
        for s in &posture.selections {
            put(&s.system, &s.selection, Some(s.coverage));
        }
        let values = vec![
            ("gate", passed(posture.passed)),
            ("errors", posture.errors.to_string()),
            ("warnings", posture.warnings.to_string()),
            ("coverage", serde_json::Value::Object(coverage).to_string()),
            (
                "gaps",
                posture
                    .selections
                    .iter()
                    .map(|s| s.gaps)
                    .sum::<usize>()
                    .to_string(),
            ),
        ];
        let markdown = github::report::markdown(&posture, &[], budget, ctx.run_url().as_deref());
        return Ok(Published { markdown, values });
    };
    let range = crate::history::Range {
        base,
        head,
        merge_base: true,
    };
    let delta =
        crate::history::delta::compare(&repo.repo, &range, repo.as_of).with_context(|| {
            format!(
                "cannot compare {} in {}",
                range_label(&range),
                display(&repo.repo)
            )
        })?;
    for c in &delta.coverage {
        put(&c.system, &c.selection, c.after);
    }
    let gaps: usize = delta.coverage.iter().filter_map(|c| c.gaps_after).sum();
    let values = vec![
        ("gate", passed(delta.gate.passed)),
        ("errors", delta.gate.errors.to_string()),
        ("warnings", delta.gate.warnings.to_string()),
        ("coverage", serde_json::Value::Object(coverage).to_string()),
        ("gaps", gaps.to_string()),
        ("gaps-opened", delta.gaps_opened.len().to_string()),
        ("gaps-closed", delta.gaps_closed.len().to_string()),
    ];
    let full = github::markdown::no_mentions(&crate::history::delta::markdown(&delta, usize::MAX));
    let markdown = if full.chars().count() <= budget {
        full
    } else {
        let note = match ctx.run_url() {
            Some(url) => format!(
                "\n_Cut to fit GitHub's size limit: the full report is in [the run's summary]({url})._\n"
            ),
            None => "\n_Cut to fit GitHub's size limit: `aegis diff` gives the full report._\n"
                .to_string(),
        };
        let cut = crate::history::delta::markdown(
            &delta,
            budget.saturating_sub(note.chars().count() + 100),
        );
        format!("{}{note}", github::markdown::no_mentions(&cut))
    };
    Ok(Published { markdown, values })
}

fn passed(p: bool) -> String {
    if p { "passed" } else { "failed" }.to_string()
}

fn range_label(r: &crate::history::Range) -> String {
    crate::output::escape::text(&format!("{}...{}", r.base, r.head.as_deref().unwrap_or("")))
        .into_owned()
}

fn display(p: &Path) -> String {
    crate::output::escape::text(&p.display().to_string()).into_owned()
}

fn summary(args: &SummaryArgs) -> anyhow::Result<u8> {
    let ctx = context()?;
    let (base, head) = revisions(&args.base, &args.head, &ctx);
    // The job summary holds 1 MiB; append_summary cuts to what is left.
    let Published { markdown, values } = report(&args.repo, &ctx, base, head, 1_000_000)?;
    match &ctx.step_summary {
        Some(p) => {
            let n = github::outputs::append_summary(p, &markdown)
                .with_context(|| format!("cannot append to GITHUB_STEP_SUMMARY {}", display(p)))?;
            eprintln!("appended the report to the job summary ({n} bytes)");
        }
        None => {
            eprintln!(
                "GITHUB_STEP_SUMMARY is not set (not on GitHub Actions): the summary follows"
            );
            super::deliver(None, &crate::output::escape::lines(&markdown))?;
        }
    }
    match &ctx.output {
        Some(p) => github::outputs::append_outputs(p, &values)
            .with_context(|| format!("cannot append to GITHUB_OUTPUT {}", display(p)))?,
        None => {
            eprintln!("GITHUB_OUTPUT is not set: the step outputs would be:");
            for (k, v) in &values {
                eprintln!("  {k}={}", crate::output::escape::text(v));
            }
        }
    }
    Ok(0)
}

fn draft_pr(args: &DraftPrArgs) -> anyhow::Result<u8> {
    let ctx = context()?;
    let (owner, name) = args.github.repository()?;
    check_branch(&args.branch)?;
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let root = git_root(&args.repo.repo)?;
    let (files, prune) =
        github::files::collect(&root, &cwd, &args.paths).map_err(anyhow::Error::msg)?;
    let client = args.github.client()?;
    let mut body = format!("### {}\n\n", github::markdown::text(&args.title));
    body.push_str("Proposed by `aegis publish draft-pr`");
    match ctx.run_url() {
        Some(url) => body.push_str(&format!(" from [this run]({url}).\n\n")),
        None => body.push_str(".\n\n"),
    }
    let as_of = args.repo.as_of.unwrap_or_else(Date::today_utc);
    match github::report::posture(&args.repo.repo, as_of) {
        Ok(p) => body.push_str(&github::report::markdown(&p, &[], 40_000, None)),
        Err(e) => eprintln!(
            "warning: the PR body has no compliance report: {}",
            crate::output::escape::text(&format!("{e:#}"))
        ),
    }
    let req = github::draft_pr::Request {
        owner: &owner,
        repo: &name,
        branch: &args.branch,
        base: args.base.as_deref(),
        title: &args.title,
        body: &body,
        commit_message: &args.title,
        files: &files,
        prune: &prune,
    };
    let out = github::draft_pr::publish(&client, &req)?;
    announce(&out, &client, &ctx)?;
    Ok(0)
}

fn remediation(args: &RemediationArgs) -> anyhow::Result<u8> {
    let ctx = context()?;
    let (owner, name) = args.github.repository()?;
    check_branch(&args.branch)?;
    let client = args.github.client()?;
    let (plan, files) = crate::remediation::make(&args.repo, &args.scans, args.system.as_deref())?;
    let git = crate::approval::git::Git::open(&args.repo).map_err(anyhow::Error::msg)?;
    let dir = format!("{}remediation/{}", git.prefix, plan.front.id);
    let changes: Vec<github::draft_pr::FileChange> = files
        .iter()
        .map(|(rel, text)| github::draft_pr::FileChange {
            path: format!("{dir}/{rel}"),
            content: Some(text.as_bytes().to_vec()),
            executable: rel.ends_with(".sh"),
        })
        .collect();
    let title = format!("Remediation plan {}", plan.front.id);
    let body = remediation_body(&plan, &dir, ctx.run_url().as_deref());
    let req = github::draft_pr::Request {
        owner: &owner,
        repo: &name,
        branch: &args.branch,
        base: args.base.as_deref(),
        title: &title,
        body: &body,
        commit_message: &title,
        files: &changes,
        prune: std::slice::from_ref(&dir),
    };
    let out = github::draft_pr::publish(&client, &req)?;
    announce(&out, &client, &ctx)?;
    Ok(0)
}

/// The PR body of a remediation plan: what it holds per risk class and
/// the approvals each class needs (the PR needs the most of them).
fn remediation_body(plan: &crate::remediation::Plan, dir: &str, run: Option<&str>) -> String {
    use github::markdown::{code, text};
    let f = &plan.front;
    let mut out = format!("### Remediation plan {}\n\n", code(&f.id));
    out.push_str("Proposed by `aegis publish remediation`");
    if let Some(url) = run {
        out.push_str(&format!(" from [this run]({url})"));
    }
    out.push_str(&format!(
        ". Aegis never touches a host: review {}, approve this pull request, merge it, and `aegis policy approvals sync` records the approvals against the plan's content.\n\n",
        code(&format!("{dir}/plan.md"))
    ));
    if f.classes.is_empty() {
        out.push_str("No failing result of these scans carries fix content.\n");
    } else {
        out.push_str("| Risk class | Items | Approvals needed |\n|---|---:|---:|\n");
        for (class, c) in f.classes.iter().rev() {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                class.as_str(),
                c.items.len(),
                c.approvals
            ));
        }
        out.push_str(&format!(
            "\nThis pull request needs **{}** approvals (the most any of its classes needs) from eligible reviewers of the merged head.\n",
            f.required_approvals()
        ));
    }
    out.push_str("\nScans:\n\n");
    for s in &f.scans {
        out.push_str(&format!(
            "- {} ({} {}), sha256 {}\n",
            code(&s.file),
            text(&s.tool),
            text(&s.format),
            code(&s.sha256)
        ));
    }
    out
}

/// A draft PR's outcome: notes on stderr, what was done on stdout, and the
/// step outputs on Actions.
fn announce(out: &github::draft_pr::Outcome, client: &Client, ctx: &Context) -> anyhow::Result<()> {
    for n in &out.notes {
        eprintln!("{}", crate::output::escape::text(n));
    }
    let what = match (out.operation, out.number) {
        (op, _) if client.dry_run() && op != github::draft_pr::Operation::None => {
            format!("dry run: nothing written; the PR would be {}", op.as_str())
        }
        (github::draft_pr::Operation::None, Some(n)) => {
            format!("PR #{n} is up to date; nothing written")
        }
        (github::draft_pr::Operation::None, None) => {
            "nothing to propose: the base branch already holds these files; nothing written"
                .to_string()
        }
        (op, Some(n)) => format!("{} PR #{n}", op.as_str()),
        (op, None) => format!("{} the PR", op.as_str()),
    };
    let url = out.url.clone().unwrap_or_default();
    println!(
        "{}{}",
        crate::output::escape::text(&what),
        if url.is_empty() {
            String::new()
        } else {
            format!(": {}", crate::output::escape::text(&url))
        }
    );
    if !out.changed.is_empty() {
        println!("files that differ from the base branch:");
        for p in &out.changed {
            println!("  {}", crate::output::escape::text(p));
        }
    }
    if let Some(p) = &ctx.output {
        github::outputs::append_outputs(
            p,
            &[
                ("pull-request-operation", out.operation.as_str().to_string()),
                (
                    "pull-request-number",
                    out.number.map(|n| n.to_string()).unwrap_or_default(),
                ),
                ("pull-request-url", url),
            ],
        )
        .with_context(|| format!("cannot append to GITHUB_OUTPUT {}", display(p)))?;
    }
    Ok(())
}

fn check_branch(b: &str) -> anyhow::Result<()> {
    if !valid_branch(b) {
        bail!(
            "--branch {:?} is not a usable branch name",
            crate::output::escape::text(b)
        );
    }
    Ok(())
}

/// A branch name git and GitHub accept (a conservative subset of
/// `git check-ref-format`).
fn valid_branch(b: &str) -> bool {
    !b.is_empty()
        && b.len() <= 200
        && !b.starts_with(['/', '-', '.'])
        && !b.ends_with(['/', '.'])
        && !b.ends_with(".lock")
        && !b.contains("..")
        && !b.contains("//")
        && !b.contains("@{")
        && b.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'-' | b'_' | b'.'))
}

/// The working tree root of the git repository holding `repo`.
fn git_root(repo: &Path) -> anyhow::Result<PathBuf> {
    let r = gix::discover(repo)
        .with_context(|| format!("{} is not inside a git repository", display(repo)))?;
    match r.workdir() {
        Some(w) => Ok(w.to_path_buf()),
        None => bail!(
            "{} is a bare git repository; run in a checkout",
            display(repo)
        ),
    }
}

fn stale_branches(args: &StaleArgs) -> anyhow::Result<u8> {
    use crate::model::StaleAction;
    let settings = stale_settings(&args.repo.repo)?;
    let days = args.days.or(settings.days).unwrap_or(30);
    let action = match args.action {
        Some(StaleActionArg::Comment) => StaleAction::Comment,
        Some(StaleActionArg::DraftPr) => StaleAction::DraftPr,
        None => settings.action.unwrap_or(StaleAction::Comment),
    };
    let mut exclude = settings.exclude.clone();
    exclude.extend(args.exclude.iter().cloned());
    let (owner, name) = args.github.repository()?;
    let (branches, source) =
        github::stale::branches(&args.repo.repo).map_err(anyhow::Error::msg)?;
    let from = match source {
        github::stale::Source::RemoteTracking => "refs/remotes/origin/*",
        github::stale::Source::Local => {
            eprintln!(
                "no remote-tracking branches (refs/remotes/origin/*): judging the local branches; on GitHub Actions check out with `fetch-depth: 0` to see every branch"
            );
            "local branches"
        }
    };
    if branches.is_empty() {
        bail!("no branches found; on GitHub Actions check out with `fetch-depth: 0`");
    }
    let today = args.repo.as_of.unwrap_or_else(Date::today_utc);
    let now = today
        .0
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_second())
        .context("cannot turn the day into a time")?;
    let client = args.github.client()?;
    let rows = github::stale::nudge(
        &client,
        &branches,
        &github::stale::Options {
            owner: &owner,
            repo: &name,
            days,
            action,
            exclude: &exclude,
            now,
        },
    )?;
    let mut out = format!(
        "{} branches read from {from}; idle means no commit for {days} days and no open pull request\n",
        branches.len()
    );
    if rows.is_empty() {
        out.push_str("no idle branches\n");
    }
    for r in &rows {
        out.push_str(&format!(
            "  {}  {}  idle {} days: {}\n",
            crate::output::escape::text(&r.branch),
            &r.tip[..r.tip.len().min(12)],
            r.idle_days,
            crate::output::escape::text(&r.outcome)
        ));
    }
    super::deliver(None, &out)?;
    Ok(0)
}

/// aegis.yaml's `github.stale_branches`, when the repository has one.
fn stale_settings(repo: &Path) -> anyhow::Result<crate::model::StaleBranches> {
    let path = repo.join(crate::workspace::CONFIG_FILE);
    if !path.is_file() {
        return Ok(Default::default());
    }
    let (text, _) = crate::import::read_source(&path)?;
    let tree = crate::workspace::yaml::parse(
        text.trim_start_matches('\u{feff}'),
        Default::default(),
        Default::default(),
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: {}",
            display(&path),
            e.pos.line,
            e.pos.column,
            crate::excerpt::message(&e.message)
        )
    })?;
    let json = tree.to_json();
    let Some(node) = json.get("github").and_then(|g| g.get("stale_branches")) else {
        return Ok(Default::default());
    };
    serde_json::from_value(node.clone()).map_err(|e| {
        anyhow::anyhow!(
            "{}: github.stale_branches: {e} (see `aegis validate`)",
            display(&path)
        )
    })
}
