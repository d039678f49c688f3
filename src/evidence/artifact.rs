//! Where a repository evidence file is, refusing every way out of the
//! repository: absolute paths, `..`, and symbolic links that resolve
//! outside it. Validation and `aegis evidence hash` share this, so what one
//! reads the other would read too.

use crate::diag::Code;
use crate::workspace::Source;
use crate::workspace::git::{Entry, Snapshot};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Why an evidence `uri` names no readable repository file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactError {
    pub code: Code,
    pub message: String,
    pub help: &'static str,
}

impl std::fmt::Display for ArtifactError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.help)
    }
}

fn fail(code: Code, message: String, help: &'static str) -> ArtifactError {
    ArtifactError {
        code,
        message,
        help,
    }
}

/// The path of the file `uri` names inside the repository at `root`
/// (canonical), or why there is none.
pub fn resolve(root: &Path, uri: &str) -> Result<PathBuf, ArtifactError> {
    refuse_escape(uri)?;
    let full = root.join(uri);
    match full.canonicalize() {
        Ok(real) if !real.starts_with(root) => Err(fail(
            Code::PathEscapesRepo,
            format!(
                "evidence path `{uri}` resolves outside the repository (through a symbolic link)"
            ),
            "store the artifact inside the repository instead of linking to it",
        )),
        Ok(real) if real.is_dir() => Err(directory(uri)),
        Ok(real) if !real.is_file() => Err(not_regular(uri)),
        Ok(real) => Ok(real),
        Err(_) => Err(missing(uri)),
    }
}

fn refuse_escape(uri: &str) -> Result<(), ArtifactError> {
    let rel = Path::new(uri);
    let escapes = rel.is_absolute()
        || rel.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::Prefix(_) | Component::RootDir
            )
        });
    if escapes {
        return Err(fail(
            Code::PathEscapesRepo,
            format!("evidence path `{uri}` leaves the repository"),
            "use a path relative to the repository root, such as evidence/files/<name>, without `..`",
        ));
    }
    Ok(())
}

fn directory(uri: &str) -> ArtifactError {
    fail(
        Code::EvidenceFileMissing,
        format!("evidence path `{uri}` is a directory, not a file"),
        "point `uri` at one file; archive a directory first",
    )
}

fn not_regular(uri: &str) -> ArtifactError {
    fail(
        Code::EvidenceFileMissing,
        format!("evidence path `{uri}` is not a regular file"),
        "point `uri` at a regular file",
    )
}

fn missing(uri: &str) -> ArtifactError {
    fail(
        Code::EvidenceFileMissing,
        format!("evidence file `{uri}` does not exist"),
        "add the file, fix `uri`, or point `uri` at where the evidence is kept (https:// or s3://)",
    )
}

/// A repository evidence file, in the working tree or in a commit.
pub enum Artifact {
    Disk(PathBuf),
    Blob {
        snapshot: Arc<Snapshot>,
        oid: gix::ObjectId,
        size: u64,
    },
}

impl Artifact {
    /// Its size in bytes, without reading it.
    pub fn size(&self) -> Result<u64, String> {
        match self {
            Artifact::Disk(p) => std::fs::metadata(p)
                .map(|m| m.len())
                .map_err(|e| e.to_string()),
            Artifact::Blob { size, .. } => Ok(*size),
        }
    }

    /// SHA-256 (hex) and size of its content.
    pub fn hash(&self) -> Result<(String, u64), String> {
        match self {
            Artifact::Disk(p) => crate::digest::hash_file(p).map_err(|e| e.to_string()),
            Artifact::Blob { snapshot, oid, .. } => snapshot.hash(*oid),
        }
    }
}

/// The artifact `uri` names where the workspace was read from: the file
/// under `root` (canonical), or the blob of the commit. In a commit,
/// symbolic links and submodules are never followed.
pub fn open(source: &Source, root: &Path, uri: &str) -> Result<Artifact, ArtifactError> {
    let snapshot = match source {
        Source::WorkTree => return resolve(root, uri).map(Artifact::Disk),
        Source::Commit(s) => s,
    };
    refuse_escape(uri)?;
    let linked = || {
        fail(
            Code::PathEscapesRepo,
            format!(
                "evidence path `{uri}` is, or goes through, a symbolic link or submodule in this commit; links are not followed when reading git history"
            ),
            "store the artifact inside the repository instead of linking to it",
        )
    };
    match snapshot.entry(uri) {
        Ok(Entry::File { oid, size }) => Ok(Artifact::Blob {
            snapshot: snapshot.clone(),
            oid,
            size,
        }),
        Ok(Entry::Dir) => Err(directory(uri)),
        Ok(Entry::Link | Entry::Through) => Err(linked()),
        Ok(Entry::Submodule) => Err(not_regular(uri)),
        Ok(Entry::Missing) => Err(missing(uri)),
        Err(why) => Err(fail(
            Code::IoError,
            format!("cannot read evidence file `{uri}` from git: {why}"),
            "the repository may be damaged or shallow; `git fsck` says more",
        )),
    }
}
