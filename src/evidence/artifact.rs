//! Where a repository evidence file is, refusing every way out of the
//! repository: absolute paths, `..`, and symbolic links that resolve
//! outside it. Validation and `aegis evidence hash` share this, so what one
//! reads the other would read too.

use crate::diag::Code;
use std::path::{Component, Path, PathBuf};

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
    let full = root.join(rel);
    match full.canonicalize() {
        Ok(real) if !real.starts_with(root) => Err(fail(
            Code::PathEscapesRepo,
            format!(
                "evidence path `{uri}` resolves outside the repository (through a symbolic link)"
            ),
            "store the artifact inside the repository instead of linking to it",
        )),
        Ok(real) if real.is_dir() => Err(fail(
            Code::EvidenceFileMissing,
            format!("evidence path `{uri}` is a directory, not a file"),
            "point `uri` at one file; archive a directory first",
        )),
        Ok(real) if !real.is_file() => Err(fail(
            Code::EvidenceFileMissing,
            format!("evidence path `{uri}` is not a regular file"),
            "point `uri` at a regular file",
        )),
        Ok(real) => Ok(real),
        Err(_) => Err(fail(
            Code::EvidenceFileMissing,
            format!("evidence file `{uri}` does not exist"),
            "add the file, fix `uri`, or point `uri` at where the evidence is kept (https:// or s3://)",
        )),
    }
}
