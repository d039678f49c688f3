//! `aegis schemas`: write (or check) the JSON Schemas of every file kind.

use anyhow::{Context, bail};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory to write the schemas into [default: schemas, or REPO/schemas with --repo].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The compliance repository whose schemas/ directory to write.
    #[arg(long, value_name = "REPO", conflicts_with = "out")]
    pub repo: Option<PathBuf>,
    /// Do not write; exit 1 if any schema in the directory is missing or stale.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    let out = match (&args.out, &args.repo) {
        (Some(o), _) => o.clone(),
        (None, Some(r)) => r.join("schemas"),
        (None, None) => PathBuf::from("schemas"),
    };
    let mut stale = Vec::new();
    for (name, text) in crate::schema::files() {
        let path = out.join(&name);
        if args.check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(path.display().to_string());
            }
        } else {
            crate::write::write_if_changed(&path, text.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    if !stale.is_empty() {
        eprintln!(
            "stale or missing schemas (run `aegis schemas --out {}`):",
            out.display()
        );
        for s in &stale {
            eprintln!("  {s}");
        }
        return Ok(1);
    }
    if !args.check && out.as_os_str().is_empty() {
        bail!("--out must name a directory");
    }
    Ok(0)
}
