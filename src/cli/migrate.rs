//! `aegis migrate [REPO] [--dry-run] [--check]`: rewrite every file whose
//! `schema_version` is older than its kind's current one, in place.

use crate::migrate::{self, Change, Outcome, Status};
use crate::output::escape;
use anyhow::{Context, bail};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The compliance repository (the directory holding aegis.yaml) [default: .].
    #[arg(value_name = "REPO", conflicts_with = "repo_flag")]
    pub repo: Option<PathBuf>,
    /// The compliance repository, as every other command takes it.
    #[arg(long = "repo", value_name = "REPO", id = "repo_flag")]
    pub repo_flag: Option<PathBuf>,
    /// Show what would change, as a diff, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write nothing; exit 1 when any file would change (for CI).
    #[arg(long, conflicts_with = "dry_run")]
    pub check: bool,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    let root = args
        .repo
        .as_deref()
        .or(args.repo_flag.as_deref())
        .unwrap_or(Path::new("."));
    let write = !args.dry_run && !args.check;
    // Held from reading to writing, so two runs never interleave.
    let _lock = if write {
        match crate::write::try_lock_dir(root)
            .with_context(|| format!("cannot lock {}", root.display()))?
        {
            Some(lock) => Some(lock),
            None => bail!(
                "{}: another aegis command is writing to this repository; try again when it has finished",
                root.display()
            ),
        }
    } else {
        None
    };
    let ws = crate::workspace::load(root)?;
    let outcome = migrate::run(&ws, write);
    let on_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let text = match args.format {
        // The diff shows file lines; in a CI log none may act as a command.
        Format::Human if on_actions => crate::output::without_commands(&human(&outcome, args)),
        Format::Human => human(&outcome, args),
        Format::Json => json(&outcome, write),
    };
    super::deliver(None, &text)?;
    let code = if outcome.failed() > 0 || (args.check && outcome.migrated() > 0) {
        1
    } else {
        0
    };
    Ok(code)
}

fn human(outcome: &Outcome, args: &Args) -> String {
    let mut out = String::new();
    let verb = if args.dry_run || args.check {
        "would migrate"
    } else {
        "migrated"
    };
    for f in &outcome.files {
        let path = escape::text(&f.path);
        match &f.status {
            Status::Migrated {
                from,
                to,
                changes,
                before,
                after,
            } => {
                let _ = writeln!(
                    out,
                    "{verb} {path} ({}, schema_version {from} -> {to})",
                    f.kind.name()
                );
                for c in changes {
                    let _ = writeln!(out, "  {}", escape::text(&c.to_string()));
                }
                if args.dry_run {
                    out.push_str(&crate::change::unified_diff(&f.path, Some(before), after));
                }
            }
            Status::Failed { reason } => {
                let _ = writeln!(out, "error: {path}: {}", escape::text(reason));
            }
        }
    }
    let (migrated, failed) = (outcome.migrated(), outcome.failed());
    let files = |n: usize| if n == 1 { "file" } else { "files" };
    if migrated == 0 && failed == 0 {
        out.push_str("nothing to migrate: every file is at its kind's current schema_version\n");
    } else {
        let _ = write!(out, "{verb} {migrated} {}", files(migrated));
        if failed > 0 {
            let _ = write!(out, "; {failed} {} left untouched", files(failed));
        }
        out.push('\n');
        if args.check && migrated > 0 {
            out.push_str("run `aegis migrate` to rewrite them\n");
        }
    }
    out
}

fn json(outcome: &Outcome, written: bool) -> String {
    let files: Vec<serde_json::Value> = outcome
        .files
        .iter()
        .map(|f| match &f.status {
            Status::Migrated {
                from, to, changes, ..
            } => serde_json::json!({
                "path": f.path,
                "kind": f.kind.name(),
                "status": "migrated",
                "from": from,
                "to": to,
                "changes": changes.iter().map(change_json).collect::<Vec<_>>(),
            }),
            Status::Failed { reason } => serde_json::json!({
                "path": f.path,
                "kind": f.kind.name(),
                "status": "failed",
                "reason": reason,
            }),
        })
        .collect();
    let doc = serde_json::json!({
        "version": 1,
        "written": written,
        "migrated": outcome.migrated(),
        "failed": outcome.failed(),
        "files": files,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    escape::json(&text).into_owned()
}

fn change_json(c: &Change) -> serde_json::Value {
    match c {
        Change::Moved { from, to } => serde_json::json!({"moved": {"from": from, "to": to}}),
        Change::Set { key, from, to } => {
            serde_json::json!({"set": {"key": key, "from": from, "to": to}})
        }
    }
}
