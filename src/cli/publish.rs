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

pub fn run(args: &Args) -> anyhow::Result<u8> {
    match &args.command {
        Sub::PrComment(a) => pr_comment(a),
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
    let body = report_body(&args.repo, &ctx)?;
    let client = args.github.client()?;
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

/// The report both the PR comment and the job summary carry.
fn report_body(repo: &RepoArgs, ctx: &Context) -> anyhow::Result<String> {
    let as_of = repo.as_of.unwrap_or_else(Date::today_utc);
    let posture = github::report::posture(&repo.repo, as_of)
        .with_context(|| format!("cannot run the gate on {}", display(&repo.repo)))?;
    Ok(github::report::markdown(
        &posture,
        &[],
        github::report::COMMENT_BUDGET,
        ctx.run_url().as_deref(),
    ))
}

fn display(p: &Path) -> String {
    crate::output::escape::text(&p.display().to_string()).into_owned()
}
