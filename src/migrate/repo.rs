//! `aegis migrate` over a repository: every file of a kind with
//! migrations whose `schema_version` is older than the kind's current one
//! is rewritten in place (or only planned, for `--dry-run`/`--check`).

use super::{Change, RewriteError, path, rewrite};
use crate::edit;
use crate::schema::Kind;
use crate::workspace::yaml::Value;
use crate::workspace::{SourceFile, Workspace};
use rayon::prelude::*;

/// What migrating one file did, or would do.
#[derive(Debug)]
pub struct FileReport {
    pub path: String,
    pub kind: Kind,
    pub status: Status,
}

#[derive(Debug)]
pub enum Status {
    /// Rewritten (or, without writing, to be rewritten) from `from` to `to`.
    Migrated {
        from: u32,
        to: u32,
        changes: Vec<Change>,
        before: String,
        after: String,
    },
    /// Left untouched, for the reason given.
    Failed { reason: String },
}

/// Every file migration touched, sorted by path.
#[derive(Debug, Default)]
pub struct Outcome {
    pub files: Vec<FileReport>,
}

impl Outcome {
    pub fn migrated(&self) -> usize {
        self.files
            .iter()
            .filter(|f| matches!(f.status, Status::Migrated { .. }))
            .count()
    }

    pub fn failed(&self) -> usize {
        self.files.len() - self.migrated()
    }
}

/// Plans the migration of every outdated file of `ws`; with `write`, each
/// planned file is written atomically (the caller holds the repository
/// lock). A file that cannot be read or rewritten is reported and left as
/// it is; the others are still migrated.
pub fn run(ws: &Workspace, write: bool) -> Outcome {
    // Planning parses and edits each file several times; files are
    // independent, so they are planned in parallel and written in order.
    let planned: Vec<FileReport> = ws.files.par_iter().filter_map(|f| plan(ws, f)).collect();
    let mut out = Outcome::default();
    for mut report in planned {
        if write
            && let Status::Migrated { after, .. } = &report.status
            && let Err(e) =
                crate::write::write_atomic(&ws.root.join(&report.path), after.as_bytes())
        {
            report.status = Status::Failed {
                reason: format!("not written: {e}"),
            };
        }
        out.files.push(report);
    }
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// What migrating `file` would do; `None` when it is current.
fn plan(ws: &Workspace, file: &SourceFile) -> Option<FileReport> {
    let kind = file.kind;
    let current = kind.schema_version();
    if super::oldest(kind) == current {
        return None;
    }
    let report = |status| {
        Some(FileReport {
            path: file.path.clone(),
            kind,
            status,
        })
    };
    let Some(tree) = &file.tree else {
        let why = ws
            .diagnostics
            .iter()
            .find(|d| d.file == file.path)
            .map_or_else(
                || "the file could not be read".to_string(),
                |d| format!("line {}: {}", d.pos.line, d.message),
            );
        return report(Status::Failed {
            reason: format!("not migrated: {why}"),
        });
    };
    let from = match tree.get("schema_version").map(|v| &v.value) {
        Some(Value::UInt(n)) => u32::try_from(*n).ok(),
        Some(Value::Int(n)) => u32::try_from(*n).ok(),
        _ => None,
    };
    let from = from.filter(|v| *v < current)?;
    let Some(steps) = path(kind, from) else {
        return report(Status::Failed {
            reason: format!(
                "not migrated: no migration from {} schema_version {from}",
                kind.name()
            ),
        });
    };
    let rewritten = if kind == Kind::Policy {
        let mut changes = Vec::new();
        edit::edit_front_matter(&file.text, |fm| {
            let (text, c) = rewrite(fm, &steps).map_err(|e| match e {
                RewriteError::Edit(e) => e,
                other => edit::EditError::Broken {
                    key: "schema_version".into(),
                    problem: other.to_string(),
                },
            })?;
            changes = c;
            Ok(text)
        })
        .map(|text| (text, changes))
        .map_err(RewriteError::from)
    } else {
        rewrite(&file.text, &steps)
    };
    match rewritten {
        Ok((after, changes)) => report(Status::Migrated {
            from,
            to: current,
            changes,
            before: file.text.clone(),
            after,
        }),
        Err(e) => report(Status::Failed {
            reason: format!("not migrated: {e}"),
        }),
    }
}
