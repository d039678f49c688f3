//! `aegis init`: a small working repository that passes `aegis check` on
//! the day it is created. The files are templates under `templates/init/`;
//! the GitHub workflows and where they go are in `workflows`.

pub mod workflows;

use crate::model::{Date, Period};
use crate::validate::evidence_hash;
use crate::write::write_atomic;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{0} already holds an aegis.yaml; refusing to overwrite an existing repository")]
    Exists(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

const ARTIFACT: &str = include_str!("../../templates/init/access-review.md");

/// (path in the new repository, template text)
const FILES: &[(&str, &str)] = &[
    (
        "aegis.yaml",
        include_str!("../../templates/init/aegis.yaml"),
    ),
    (
        "controls/starter/framework.yaml",
        include_str!("../../templates/init/framework.yaml"),
    ),
    (
        "implementations/app/ST-1.yaml",
        include_str!("../../templates/init/ST-1.yaml"),
    ),
    (
        "implementations/app/ST-2.yaml",
        include_str!("../../templates/init/ST-2.yaml"),
    ),
    (
        "implementations/app/ST-3.yaml",
        include_str!("../../templates/init/ST-3.yaml"),
    ),
    (
        "implementations/app/ST-4.yaml",
        include_str!("../../templates/init/ST-4.yaml"),
    ),
    (
        "evidence/access-review.yaml",
        include_str!("../../templates/init/access-review.yaml"),
    ),
    ("evidence/files/access-review.md", ARTIFACT),
    (
        "policies/access-control.md",
        include_str!("../../templates/init/access-control.md"),
    ),
    (
        "exceptions/EX-001.yaml",
        include_str!("../../templates/init/EX-001.yaml"),
    ),
    (
        ".gitattributes",
        include_str!("../../templates/init/gitattributes"),
    ),
];

/// What `scaffold` did.
#[derive(Debug, Default)]
pub struct Scaffold {
    /// The files written, relative to the new repository (the workflows of
    /// a monorepo's folder are at the git root, so these start with `../`).
    pub files: Vec<String>,
    /// What the user must know: where the workflows went and why, files
    /// kept, an unpinned Action.
    pub notes: Vec<String>,
}

/// Creates the repository in `dir` for organisation `org`, dated `today`.
pub fn scaffold(dir: &Path, org: &str, today: Date) -> Result<Scaffold, InitError> {
    if dir.join("aegis.yaml").exists() {
        return Err(InitError::Exists(dir.to_path_buf()));
    }
    let (sha, size) = evidence_hash(ARTIFACT.as_bytes());
    let quarter: Period = "90d"
        .parse()
        .unwrap_or_else(|_| unreachable!("constant period"));
    let expires = today.plus(&quarter);
    let org = org.replace('\\', "\\\\").replace('"', "\\\"");
    let mut written = Vec::new();
    for (rel, template) in FILES {
        let text = template
            .replace("{{org}}", &org)
            .replace("{{today}}", &today.to_string())
            .replace("{{expires}}", &expires.to_string())
            .replace("{{sha256}}", &sha)
            .replace("{{size}}", &size.to_string());
        let path = dir.join(rel);
        write_atomic(&path, text.as_bytes()).map_err(|source| InitError::Write {
            path: path.clone(),
            source,
        })?;
        written.push((*rel).to_string());
    }
    // The starter's gaps (its policy awaits a first approval, two controls
    // cite no evidence yet) are recorded in the ratchet, so the gate passes
    // today and fails as soon as anything gets worse.
    let run = crate::pipeline::check(
        dir,
        today,
        crate::pipeline::CheckOptions {
            write_ratchet: true,
            ..Default::default()
        },
    );
    let ratchet = dir.join("aegis-ratchet.json");
    if !ratchet.is_file() {
        let why = match run {
            Err(e) => e.to_string(),
            Ok(_) => "the gate could not record its counts".to_string(),
        };
        return Err(InitError::Write {
            path: ratchet,
            source: std::io::Error::other(why),
        });
    }
    written.push("aegis-ratchet.json".to_string());
    for (name, text) in crate::schema::files() {
        let rel = format!("schemas/{name}");
        let path = dir.join(&rel);
        write_atomic(&path, text.as_bytes()).map_err(|source| InitError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(rel);
    }
    let notes = write_workflows(dir, &workflows::ActionPin::current(), &mut written)?;
    Ok(Scaffold {
        files: written,
        notes,
    })
}

/// Writes the GitHub workflows where GitHub runs them (see `workflows`),
/// never over an existing file; returns the notes for the user.
fn write_workflows(
    dir: &Path,
    pin: &workflows::ActionPin,
    written: &mut Vec<String>,
) -> Result<Vec<String>, InitError> {
    let mut notes = Vec::new();
    let placement = workflows::placement(dir);
    let (root, folder) = match &placement {
        workflows::Placement::Subfolder { root, folder } => (root.clone(), Some(folder.as_str())),
        workflows::Placement::Root | workflows::Placement::NoRepository => {
            (dir.to_path_buf(), None)
        }
    };
    // How a path under the root is named relative to `dir`.
    let up = match folder {
        Some(f) => "../".repeat(f.split('/').count()),
        None => String::new(),
    };
    let mut placed = Vec::new();
    for w in workflows::render(folder, pin) {
        let rel = format!(".github/workflows/{}", w.file);
        let path = root.join(&rel);
        if path.exists() {
            let proposal = format!("{rel}.aegis-new");
            let proposal_path = root.join(&proposal);
            if proposal_path.exists() {
                notes.push(format!(
                    "kept {} and {}, which both exist: remove the second and run `aegis init` in an empty folder to see the workflow again",
                    path.display(),
                    proposal_path.display()
                ));
                continue;
            }
            write_atomic(&proposal_path, w.text.as_bytes()).map_err(|source| InitError::Write {
                path: proposal_path.clone(),
                source,
            })?;
            notes.push(format!(
                "kept the existing {}; aegis's workflow is beside it as {} (GitHub runs only .yml files): compare the two, then replace yours with it or merge it in",
                path.display(),
                proposal_path.display()
            ));
            written.push(format!("{up}{proposal}"));
            continue;
        }
        write_atomic(&path, w.text.as_bytes()).map_err(|source| InitError::Write {
            path: path.clone(),
            source,
        })?;
        placed.push(path.display().to_string());
        written.push(format!("{up}{rel}"));
    }
    match &placement {
        workflows::Placement::Subfolder { root, folder } if !placed.is_empty() => {
            notes.push(format!(
                "{} is inside the git repository {}: its workflows are at the repository's root, where GitHub runs them, scoped to {folder}: {}",
                dir.display(),
                root.display(),
                placed.join(", ")
            ));
        }
        workflows::Placement::NoRepository => notes.push(format!(
            "{} is not in a git repository: GitHub runs workflows only from .github/workflows/ at a repository's root, so make this folder the repository (git init) to use them as they are; to put the compliance folder inside another repository instead, run `aegis init` in that repository, which writes them at its root",
            dir.display()
        )),
        _ => {}
    }
    if !pin.pinned {
        notes.push(format!(
            "the workflows use {} (not a commit): this aegis was not built by a release, so it knows no commit to pin; an aegis release writes its own commit",
            pin.uses
        ));
    }
    // The ingest and Pages workflows run only by hand until enabled.
    notes.push(
        "the ingest and GitHub Pages workflows run only by hand until you enable them: see the comments at their top (Pages are public, even from a private repository)"
            .to_string(),
    );
    Ok(notes)
}
