//! Evidence artifacts kept in the repository: finding one safely from its
//! record's `uri`, and recording its hash and size (`aegis evidence hash`).

pub mod add;
mod artifact;
pub mod hash;
pub mod keys;
pub mod list;
pub mod media;
pub mod prune;
pub mod review;
pub mod sign;
pub mod verify;

pub use artifact::{Artifact, ArtifactError, open, resolve};

/// Why an evidence command wrote nothing (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Key(#[from] keys::KeyError),
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl From<crate::change::ChangeError> for Error {
    fn from(e: crate::change::ChangeError) -> Error {
        match e {
            crate::change::ChangeError::Io { path, source } => Error::Io { path, source },
            e => Error::Refused(e.to_string()),
        }
    }
}

pub(crate) fn refuse<T>(msg: impl Into<String>) -> Result<T, Error> {
    Err(Error::Refused(msg.into()))
}

/// The writer's lock on `<root>/<dir>`: one evidence command writes there
/// at a time, so two runs at once never lose a record.
/// A dry run takes none: it writes nothing, and taking the lock would
/// create a missing directory.
pub(crate) fn lock(
    root: &std::path::Path,
    dir: &str,
    dry_run: bool,
) -> Result<Option<crate::write::DirLock>, Error> {
    if dry_run {
        return Ok(None);
    }
    match crate::write::try_lock_dir(&root.join(dir)) {
        Ok(Some(l)) => Ok(Some(l)),
        Ok(None) => refuse(format!(
            "another aegis command is writing {dir}/ right now; run this again when it is done"
        )),
        Err(source) => Err(Error::Io {
            path: format!("{dir}/"),
            source,
        }),
    }
}
