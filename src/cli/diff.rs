//! `aegis diff`: the compliance delta between two commits, or between a
//! commit and the working tree, read through git.

use crate::history::{Range, delta};
use crate::model::Date;
use anyhow::bail;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// [REPO] RANGE: the compliance repository [default: .], then BASE..HEAD, BASE...HEAD (from
    /// their merge base) or BASE.. (to the working tree). BASE and HEAD are revisions or days
    /// (YYYY-MM-DD), as --at takes them.
    #[arg(value_name = "[REPO] RANGE", num_args = 1..=2, required = true)]
    pub args: Vec<String>,
    /// The compliance repository, as every other command takes it.
    #[arg(long = "repo", value_name = "REPO")]
    pub repo: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Judge dates on both sides as of this day (YYYY-MM-DD) instead of each commit's date.
    #[arg(long, value_name = "DATE", value_parser = |s: &str| s.parse::<Date>())]
    pub as_of: Option<Date>,
    /// With --format markdown: the most characters to write (sections are cut, then named).
    #[arg(long, value_name = "N", default_value_t = 60_000)]
    pub max_chars: usize,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Markdown,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    let (repo, range) = match args.args.as_slice() {
        [range] => (
            args.repo.clone().unwrap_or_else(|| PathBuf::from(".")),
            range,
        ),
        [repo, range] => {
            if args.repo.is_some() {
                bail!("give the repository once: as REPO or as --repo");
            }
            (PathBuf::from(repo), range)
        }
        _ => bail!("give a range: aegis diff [REPO] BASE..HEAD"),
    };
    let range = Range::parse(range)?;
    let d = delta::compare(&repo, &range, args.as_of)?;
    let text = match args.format {
        Format::Human => delta::human(&d),
        Format::Json => delta::json(&d),
        Format::Markdown => delta::markdown(&d, args.max_chars),
    };
    super::deliver(args.output.as_deref(), &text)?;
    Ok(0)
}
