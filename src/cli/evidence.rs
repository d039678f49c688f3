//! `aegis evidence hash`.

use crate::evidence::hash::{self, Outcome, Select};
use crate::output::escape;
use anyhow::bail;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Record the SHA-256 and size of repository evidence files in their
    /// evidence records (after checking that each file is the one reviewed).
    Hash(HashArgs),
}

#[derive(Debug, clap::Args)]
pub struct HashArgs {
    /// Ids of the evidence records to hash.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub ids: Vec<String>,
    /// Hash every evidence record that names a repository file.
    #[arg(long)]
    pub all: bool,
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    match &args.command {
        Sub::Hash(a) => run_hash(a),
    }
}

fn run_hash(a: &HashArgs) -> anyhow::Result<u8> {
    let ws = crate::workspace::load(&a.repo)?;
    let select = if a.all {
        Select::All
    } else {
        Select::Ids(&a.ids)
    };
    let outcomes = hash::run(&ws, &select);
    let mut failed = 0usize;
    let mut recorded = 0usize;
    for o in &outcomes {
        match o {
            Outcome::Recorded {
                id,
                sha256,
                size,
                was,
            } => {
                recorded += 1;
                let before = match was {
                    Some(w) if w == sha256 => {
                        " (the hash was already right; the size was not)".into()
                    }
                    Some(w) => format!(" (was {})", escape::text(w)),
                    None => " (was unhashed)".into(),
                };
                eprintln!(
                    "recorded `{}`: sha256 {sha256}, {size} bytes{before}",
                    escape::text(id)
                );
            }
            Outcome::Unchanged { id } => {
                eprintln!(
                    "unchanged `{}`: the record matches its file",
                    escape::text(id)
                );
            }
            Outcome::Remote { id, uri } => {
                if !a.all {
                    eprintln!(
                        "skipped `{}`: {} is not a repository file; record its sha256 and size by hand",
                        escape::text(id),
                        escape::text(uri)
                    );
                }
            }
            Outcome::Failed { file, reason } => {
                failed += 1;
                eprintln!("error: {}: {}", escape::text(file), escape::text(reason));
            }
        }
    }
    if recorded > 0 {
        eprintln!(
            "recorded {recorded} hash(es): review the files before committing, since the records now vouch for what is on disk"
        );
    }
    if outcomes.is_empty() {
        bail!("no evidence records in {}", a.repo.display());
    }
    Ok(if failed > 0 { 2 } else { 0 })
}
