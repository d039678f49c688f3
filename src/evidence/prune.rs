//! `aegis evidence prune`: remove evidence whose retention has passed and
//! that nothing cites any more, with its artifact when the repository
//! holds it. Nothing is removed that an implementation cites, that another
//! record still points at, that has no retention set, or that lies outside
//! the repository.

use crate::model::Date;
use crate::validate::Outcome;
use crate::workspace::Workspace;
use serde::Serialize;
use std::collections::HashSet;

/// One record retention allows removing.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    /// The record file.
    pub record: String,
    /// The artifact file in the repository, when it is removed too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
    pub retain_until: String,
    /// Why the artifact stays (another record uses it, it is a link).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_kept: Option<String>,
}

/// What retention allows removing as of `as_of`: records whose last day
/// of retention is before it and that no implementation cites.
pub fn candidates(ws: &Workspace, outcome: &Outcome, as_of: Date) -> Vec<Candidate> {
    let repo = &outcome.repo;
    let cited: HashSet<&str> = repo
        .implementations
        .iter()
        .flat_map(|i| i.value.evidence.iter().map(|e| e.as_str()))
        .collect();
    let root = ws.root_canonical();
    let mut out: Vec<Candidate> = Vec::new();
    let removable: Vec<_> = repo
        .evidence
        .iter()
        .filter(|e| !cited.contains(e.value.id.as_str()))
        .filter(|e| e.value.retain_until().is_some_and(|d| d < as_of))
        .collect();
    let leaving: HashSet<usize> = removable.iter().map(|e| e.file).collect();
    // Artifacts still used by a record that stays.
    let kept_uris: HashSet<&str> = repo
        .evidence
        .iter()
        .filter(|e| !leaving.contains(&e.file))
        .map(|e| e.value.uri.as_str())
        .collect();
    let mut claimed: HashSet<&str> = HashSet::new();
    for e in removable {
        let v = &e.value;
        let mut c = Candidate {
            id: v.id.0.clone(),
            record: ws.files[e.file].path.clone(),
            artifact: None,
            retain_until: v.retain_until().map(|d| d.to_string()).unwrap_or_default(),
            artifact_kept: None,
        };
        if v.is_repo_file() {
            if kept_uris.contains(v.uri.as_str()) {
                c.artifact_kept = Some("another evidence record still points at it".into());
            } else if !claimed.insert(v.uri.as_str()) {
                // Two leaving records share it: listed once.
            } else {
                match artifact_path(&root, &v.uri) {
                    Ok(Some(())) => c.artifact = Some(v.uri.clone()),
                    Ok(None) => {}
                    Err(why) => c.artifact_kept = Some(why),
                }
            }
        }
        out.push(c);
    }
    out.sort_by(|a, b| a.id.cmp(&b.id).then(a.record.cmp(&b.record)));
    out
}

/// Whether the artifact at `uri` may be removed: a regular file (not a
/// link) inside the repository. `None` when it is already gone.
fn artifact_path(root: &std::path::Path, uri: &str) -> Result<Option<()>, String> {
    let full = root.join(uri);
    match full.symlink_metadata() {
        Err(_) => return Ok(None),
        Ok(m) if m.file_type().is_symlink() => {
            return Err("it is a symbolic link; links are never followed to remove a file".into());
        }
        Ok(_) => {}
    }
    match super::resolve(root, uri) {
        Ok(real) if real == full => Ok(Some(())),
        Ok(_) => Err("it lies behind a symbolic link".into()),
        Err(e) => Err(e.message),
    }
}

/// Removes the candidates: each record first (so a record never points at
/// a removed file), then its artifact. Every path is checked again just
/// before it is removed.
pub fn remove(ws: &Workspace, list: &[Candidate]) -> Result<usize, String> {
    let _lock = super::lock(&ws.root, "evidence", false).map_err(|e| e.to_string())?;
    let root = ws.root_canonical();
    let mut removed = 0;
    for c in list {
        let record = root.join(&c.record);
        if !c.record.starts_with("evidence/") || c.record.contains("..") {
            return Err(format!(
                "refusing to remove {}: not an evidence record",
                c.record
            ));
        }
        std::fs::remove_file(&record).map_err(|e| format!("cannot remove {}: {e}", c.record))?;
        removed += 1;
        if let Some(a) = &c.artifact {
            match artifact_path(&root, a) {
                Ok(Some(())) => {
                    std::fs::remove_file(root.join(a))
                        .map_err(|e| format!("cannot remove {a}: {e}"))?;
                    removed += 1;
                }
                Ok(None) => {}
                Err(why) => return Err(format!("kept {a}: {why}")),
            }
        }
    }
    Ok(removed)
}
