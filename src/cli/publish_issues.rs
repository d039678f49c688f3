//! `aegis publish issues`: the POA&M items as GitHub or Jira issues,
//! created, updated, closed and reopened so the tracker follows the
//! repository; a second run with nothing changed writes nothing.

use super::publish::{GitHubArgs, RepoArgs};
use crate::model::{Config, Date};
use crate::pipeline;
use crate::report::{Input, Meta};
use crate::tracker::github::GitHub;
use crate::tracker::jira::{self, Jira, http::Auth};
use crate::tracker::{DEFAULT_LABEL, Tracker, item, sync};
use anyhow::bail;

#[derive(Debug, clap::Args)]
pub struct IssuesArgs {
    #[command(flatten)]
    pub github: GitHubArgs,
    #[command(flatten)]
    pub repo: RepoArgs,
    /// Where the issues live.
    #[arg(long, value_enum, default_value_t = TrackerKind::Github)]
    pub tracker: TrackerKind,
    /// The label that marks the issues Aegis owns
    /// [default: trackers.<tracker>.label in aegis.yaml, else aegis-poam].
    #[arg(long, value_name = "LABEL")]
    pub label: Option<String>,
    /// Jira: the site, e.g. https://example.atlassian.net [default: trackers.jira.url].
    #[arg(long, value_name = "URL")]
    pub jira_url: Option<String>,
    /// Jira: the project key [default: trackers.jira.project].
    #[arg(long, value_name = "KEY")]
    pub jira_project: Option<String>,
    /// Jira: the issue type of new issues [default: trackers.jira.issue_type, else Task].
    #[arg(long, value_name = "NAME")]
    pub jira_issue_type: Option<String>,
    /// Jira: REST API version, 3 for Cloud, 2 for Server/Data Center
    /// [default: trackers.jira.api_version, else 3].
    #[arg(long, value_name = "2|3", value_parser = clap::value_parser!(u8).range(2..=3))]
    pub jira_api_version: Option<u8>,
    /// How to report what was (or, with --dry-run, would be) done.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TrackerKind {
    Github,
    Jira,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

pub fn run(args: &IssuesArgs) -> anyhow::Result<u8> {
    let root = &args.repo.repo;
    let as_of = args.repo.as_of.unwrap_or_else(Date::today_utc);
    let mut run = pipeline::check(root, as_of, pipeline::CheckOptions::default())?;
    let Some(assessment) = run.assessment.take() else {
        bail!(
            "{}: aegis.yaml did not validate, so there are no POA&M items; run `aegis validate` to see why",
            root.display()
        );
    };
    let meta = Meta::of(root, as_of);
    let items = item::items(&Input {
        run: &run,
        assessment: &assessment,
        meta: &meta,
        as_of,
    });
    let config = run.outcome.repo.config.clone();
    // The loaded repository is no longer needed; freeing it costs time.
    std::mem::forget(run);
    let dry_run = args.github.dry_run;
    let mut tracker: Box<dyn Tracker> = match args.tracker {
        TrackerKind::Github => {
            let label = args
                .label
                .clone()
                .or_else(|| {
                    config
                        .as_ref()
                        .and_then(|c| c.trackers.github.as_ref())
                        .and_then(|g| g.label.clone())
                })
                .unwrap_or_else(|| DEFAULT_LABEL.to_string());
            // The issues list takes labels as a comma-separated list.
            if label.is_empty() || label.contains(',') {
                bail!(
                    "`{}` cannot be the label: it must be one label name, without commas",
                    crate::output::escape::text(&label)
                );
            }
            let (owner, name) = args.github.repository()?;
            Box::new(GitHub::new(args.github.client()?, &owner, &name, &label))
        }
        TrackerKind::Jira => Box::new(Jira::new(
            jira_settings(args, config.as_ref())?,
            Auth::from_env()?,
        )?),
    };
    let (outcome, failure) = sync::run(tracker.as_mut(), &items, as_of, dry_run)?;
    let text = match args.format {
        Format::Human => sync::human(&outcome),
        Format::Json => sync::json(&outcome),
    };
    super::deliver(None, &text)?;
    match failure {
        Some(e) => {
            eprintln!(
                "aegis: {} of {} change(s) were made before the error below; run again once it is fixed: the run picks up where this one stopped",
                outcome.done,
                outcome.plan.steps.len()
            );
            Err(e.into())
        }
        None => Ok(0),
    }
}

/// The Jira settings: flags over `trackers.jira` in aegis.yaml.
fn jira_settings(args: &IssuesArgs, config: Option<&Config>) -> anyhow::Result<jira::Settings> {
    let conf = config.and_then(|c| c.trackers.jira.as_ref());
    let url = args
        .jira_url
        .clone()
        .or_else(|| conf.map(|j| j.url.clone()));
    let project = args
        .jira_project
        .clone()
        .or_else(|| conf.map(|j| j.project.clone()));
    let (Some(url), Some(project)) = (url, project) else {
        bail!(
            "which Jira? Set trackers.jira.url and trackers.jira.project in aegis.yaml, or pass --jira-url and --jira-project"
        );
    };
    Ok(jira::Settings {
        url,
        project,
        issue_type: args
            .jira_issue_type
            .clone()
            .or_else(|| conf.and_then(|j| j.issue_type.clone()))
            .unwrap_or_else(|| "Task".to_string()),
        api_version: args
            .jira_api_version
            .or_else(|| conf.and_then(|j| j.api_version))
            .unwrap_or(3),
        label: args
            .label
            .clone()
            .or_else(|| conf.and_then(|j| j.label.clone()))
            .unwrap_or_else(|| DEFAULT_LABEL.to_string()),
        close_transition: conf.and_then(|j| j.close_transition.clone()),
        reopen_transition: conf.and_then(|j| j.reopen_transition.clone()),
    })
}
