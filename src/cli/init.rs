//! `aegis init [DIR]`.

use crate::model::Date;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to create the repository (created if missing) [default: .].
    #[arg(value_name = "DIR", conflicts_with = "repo")]
    pub dir: Option<PathBuf>,
    /// Where to create the repository, as every other command names it.
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// The organisation's name, written into aegis.yaml.
    #[arg(long, default_value = "Example Organisation")]
    pub org: String,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    let dir = args
        .dir
        .clone()
        .or_else(|| args.repo.clone())
        .unwrap_or_else(|| PathBuf::from("."));
    let done = crate::init::scaffold(&dir, &args.org, Date::today_utc())?;
    eprintln!(
        "created a compliance repository in {} ({} files)",
        dir.display(),
        done.files.len()
    );
    for note in &done.notes {
        // Notes carry paths, which may hold any character.
        eprintln!("note: {}", crate::output::escape::text(note));
    }
    eprintln!("next: aegis check {}", dir.display());
    Ok(0)
}
