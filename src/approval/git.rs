//! What approval sync reads through git (gix, no checkout): the commit
//! being recorded, files as they are in a commit (CODEOWNERS at the PR's
//! base, policies at the merge), and where the compliance repository sits
//! inside the git work tree.

use std::path::Path;

pub struct Git {
    repo: gix::Repository,
    /// The compliance repository's path inside the work tree (`""` at its
    /// root, else `dir/` with a trailing slash).
    pub prefix: String,
}

/// Blobs larger than this are not read (CODEOWNERS is at most 3 MiB).
const MAX_BLOB: usize = 64 * 1024 * 1024;

impl Git {
    /// The git repository holding the compliance repository at `root`.
    pub fn open(root: &Path) -> Result<Git, String> {
        let repo = gix::discover(root).map_err(|e| {
            format!(
                "{} is not inside a git repository ({e}); approvals are recorded from the git history of a clone",
                root.display()
            )
        })?;
        let Some(work) = repo.workdir() else {
            return Err(
                "the git repository has no work tree (a bare clone); run this in a checkout".into(),
            );
        };
        let work = work.canonicalize().map_err(|e| e.to_string())?;
        let root = root.canonicalize().map_err(|e| e.to_string())?;
        let rel = root.strip_prefix(&work).map_err(|_| {
            format!(
                "{} is not inside the work tree {}",
                root.display(),
                work.display()
            )
        })?;
        let mut prefix = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if !prefix.is_empty() {
            prefix.push('/');
        }
        Ok(Git { repo, prefix })
    }

    /// The full commit id `rev` names (a sha, `HEAD`, a branch).
    pub fn commit_id(&self, rev: &str) -> Result<String, String> {
        let id = self
            .repo
            .rev_parse_single(rev)
            .map_err(|e| format!("`{rev}` names no commit here: {e}"))?;
        let commit = id
            .object()
            .map_err(|e| e.to_string())?
            .try_into_commit()
            .map_err(|_| format!("`{rev}` is not a commit"))?;
        Ok(commit.id.to_string())
    }

    /// Whether the commit `sha` is in the local clone.
    pub fn has_commit(&self, sha: &str) -> bool {
        self.commit_id(sha).is_ok()
    }

    /// The bytes of `path` (relative to the work tree) in commit `sha`, or
    /// `None` when the commit has no such file.
    pub fn read_at(&self, sha: &str, path: &str) -> Result<Option<Vec<u8>>, String> {
        let id = self
            .repo
            .rev_parse_single(sha)
            .map_err(|e| format!("commit {sha} is not in this clone ({e}); fetch the full history (actions/checkout with fetch-depth: 0)"))?;
        let commit = id
            .object()
            .map_err(|e| e.to_string())?
            .try_into_commit()
            .map_err(|_| format!("{sha} is not a commit"))?;
        let tree = commit.tree().map_err(|e| e.to_string())?;
        let Some(entry) = tree.lookup_entry_by_path(path).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        if !entry.mode().is_blob() {
            return Ok(None);
        }
        let object = entry.object().map_err(|e| e.to_string())?;
        if object.data.len() > MAX_BLOB {
            return Err(format!("{path} in {sha} is larger than {MAX_BLOB} bytes"));
        }
        Ok(Some(object.data.clone()))
    }
}
