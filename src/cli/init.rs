//! `aegis init [DIR]`.

use crate::model::Date;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to create the repository (created if missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The organisation's name, written into aegis.yaml.
    #[arg(long, default_value = "Example Organisation")]
    pub org: String,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    let written = crate::init::scaffold(&args.dir, &args.org, Date::today_utc())?;
    eprintln!(
        "created a compliance repository in {} ({} files)",
        args.dir.display(),
        written.len()
    );
    eprintln!("next: aegis check {}", args.dir.display());
    Ok(0)
}
