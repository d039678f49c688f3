//! `aegis history`: the compliance trend over the commits of a
//! first-parent line, read through git.

use crate::history::trend::{self, Options};
use crate::model::Date;
use anyhow::bail;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The compliance repository (the directory holding aegis.yaml) [default: .].
    #[arg(value_name = "REPO", conflicts_with = "repo_flag")]
    pub repo: Option<PathBuf>,
    /// The compliance repository, as every other command takes it.
    #[arg(long = "repo", value_name = "REPO", id = "repo_flag")]
    pub repo_flag: Option<PathBuf>,
    /// At most this many commits (newest first along HEAD's first-parent line).
    #[arg(long, value_name = "N")]
    pub max_count: Option<usize>,
    /// Only commits made on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE", value_parser = |s: &str| s.parse::<Date>())]
    pub since: Option<Date>,
    /// Only commits made on or before this day (YYYY-MM-DD, UTC); needs --since.
    #[arg(long, value_name = "DATE", value_parser = |s: &str| s.parse::<Date>(), requires = "since")]
    pub until: Option<Date>,
    /// The tip of the line [default: HEAD].
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub rev: String,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Judge every commit's dates as of this day instead of its own committer date.
    #[arg(long, value_name = "DATE", value_parser = |s: &str| s.parse::<Date>())]
    pub as_of: Option<Date>,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Csv,
    Svg,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    let repo = args
        .repo
        .clone()
        .or_else(|| args.repo_flag.clone())
        .unwrap_or_else(|| PathBuf::from("."));
    if args.max_count == Some(0) {
        bail!("--max-count must be at least 1");
    }
    // A date range alone is not cut at 100 commits: it asked for all of them.
    let max_count = args.max_count.unwrap_or(if args.since.is_some() {
        usize::MAX
    } else {
        100
    });
    let t = trend::run(
        &repo,
        &Options {
            rev: args.rev.clone(),
            max_count,
            since: args.since,
            until: args.until,
            as_of: args.as_of,
        },
    )?;
    let text = match args.format {
        Format::Human => trend::human(&t),
        Format::Json => trend::json(&t),
        Format::Csv => trend::csv(&t),
        Format::Svg => trend::svg(&t),
    };
    super::deliver(args.output.as_deref(), &text)?;
    Ok(0)
}
