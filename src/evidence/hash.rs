//! `aegis evidence hash`: record the SHA-256 and size of repository
//! evidence files in their evidence records, editing only those two
//! values, so that validation can later tell whether an artifact changed.

use crate::schema::Kind;
use crate::workspace::{SourceFile, Workspace, edit, yaml};
use std::path::Path;

/// What happened to one evidence record.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The record now holds the file's hash and size.
    Recorded {
        id: String,
        sha256: String,
        size: u64,
        /// The hash it held before, if any.
        was: Option<String>,
    },
    /// The record already held them.
    Unchanged { id: String },
    /// Not a repository file (`https://`, `s3://`): nothing to hash here.
    Remote { id: String, uri: String },
    /// The record or its artifact could not be used; nothing was written.
    Failed { file: String, reason: String },
}

/// Which evidence records to hash.
pub enum Select<'a> {
    All,
    Ids(&'a [String]),
}

/// Hashes the selected records' artifacts and records the results; each
/// record file is rewritten atomically, and only when a value changed.
/// With `dry_run`, writes nothing and shows each edit on `out`.
pub fn run(
    ws: &Workspace,
    select: &Select,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Vec<Outcome> {
    let root = ws.root_canonical();
    let shown = out;
    let mut out = Vec::new();
    let mut found = std::collections::HashSet::new();
    for file in ws.files.iter().filter(|f| f.kind == Kind::Evidence) {
        let Some(tree) = &file.tree else {
            // The loader could not parse it; `aegis validate` says why.
            if matches!(select, Select::All) {
                out.push(Outcome::Failed {
                    file: file.path.clone(),
                    reason: "the file is not valid YAML; run `aegis validate` to see why".into(),
                });
            }
            continue;
        };
        let id = tree
            .get("id")
            .and_then(yaml::Node::as_str)
            .unwrap_or_default();
        let wanted = match select {
            Select::All => true,
            Select::Ids(ids) => ids.iter().any(|i| i == id),
        };
        if !wanted {
            continue;
        }
        found.insert(id.to_string());
        out.push(hash_one(&root, ws, file, tree, id, dry_run, shown));
    }
    if let Select::Ids(ids) = select {
        for id in ids.iter().filter(|i| !found.contains(*i)) {
            out.push(Outcome::Failed {
                file: format!("evidence/{id}.yaml"),
                reason: format!("no evidence record has the id `{id}`"),
            });
        }
    }
    out
}

fn hash_one(
    root: &Path,
    ws: &Workspace,
    file: &SourceFile,
    tree: &yaml::Node,
    id: &str,
    dry_run: bool,
    shown: &mut dyn std::io::Write,
) -> Outcome {
    let failed = |reason: String| Outcome::Failed {
        file: file.path.clone(),
        reason,
    };
    let Some(uri) = tree.get("uri").and_then(yaml::Node::as_str) else {
        return failed("the record has no `uri` naming its artifact".into());
    };
    if uri.contains("://") {
        return Outcome::Remote {
            id: id.into(),
            uri: uri.into(),
        };
    }
    let path = match crate::evidence::resolve(root, uri) {
        Ok(p) => p,
        Err(e) => return failed(e.to_string()),
    };
    let (sha256, size) = match crate::digest::hash_file(&path) {
        Ok(h) => h,
        Err(e) => return failed(format!("cannot read `{uri}`: {e}")),
    };
    let was = tree
        .get("sha256")
        .and_then(yaml::Node::as_str)
        .map(str::to_string);
    let old_size = tree.get("size").map(yaml::Node::to_json);
    if was.as_deref() == Some(sha256.as_str()) && old_size == Some(serde_json::json!(size)) {
        return Outcome::Unchanged { id: id.into() };
    }
    let text = match set_both(&file.text, tree, &sha256, size, ws) {
        Ok(t) => t,
        Err(e) => return failed(e),
    };
    if let Err(e) = crate::change::write_or_show(
        &ws.root,
        &file.path,
        Some(&file.text),
        &text,
        dry_run,
        shown,
    ) {
        return failed(format!("cannot write the record: {e}"));
    }
    Outcome::Recorded {
        id: id.into(),
        sha256,
        size,
        was,
    }
}

/// The record's text with both values set, checked by parsing it again:
/// a record is never written unless it reads back with exactly the new
/// hash and size.
fn set_both(
    text: &str,
    tree: &yaml::Node,
    sha256: &str,
    size: u64,
    ws: &Workspace,
) -> Result<String, String> {
    let limits = yaml::YamlLimits {
        max_depth: ws.limits.max_depth,
        ..yaml::YamlLimits::default()
    };
    let reparse = |t: &str| {
        let body = t.strip_prefix('\u{feff}').unwrap_or(t);
        let bom = t.len() - body.len();
        yaml::parse(
            body,
            limits,
            yaml::Shift {
                lines: 0,
                bytes: bom,
            },
        )
        .map_err(|e| format!("the edited record would not parse ({})", e.message))
    };
    let once = edit::set_scalar(text, tree, "sha256", sha256, "uri").map_err(|e| e.to_string())?;
    let tree2 = reparse(&once)?;
    let twice = edit::set_scalar(&once, &tree2, "size", &size.to_string(), "sha256")
        .map_err(|e| e.to_string())?;
    let check = reparse(&twice)?;
    let ok = check.get("sha256").and_then(yaml::Node::as_str) == Some(sha256)
        && check.get("size").map(yaml::Node::to_json) == Some(serde_json::json!(size));
    if !ok {
        return Err(
            "the record could not be edited in place; set `sha256` and `size` by hand".into(),
        );
    }
    Ok(twice)
}
