//! The local files a draft PR proposes: paths given on the command line,
//! read from the working tree of the git repository, refused when they
//! leave it, pass through a symlink or are too large for GitHub's blob API.

use super::draft_pr::FileChange;
use std::path::{Component, Path, PathBuf};

/// The largest file proposed (GitHub's blob API takes up to 100 MB; the
/// Git Data API answers slowly well before that; peter-evans/create-pull-request
/// stops at 40 MiB too).
pub const MAX_FILE: u64 = 40 * 1024 * 1024;
/// The most files one PR proposes.
pub const MAX_FILES: usize = 10_000;

/// What `paths` hold now, as repository paths under `root` (the git
/// working tree): a file is its content, a missing path a deletion, a
/// folder every file under it (and a folder to prune, returned second).
pub fn collect(
    root: &Path,
    cwd: &Path,
    paths: &[PathBuf],
) -> Result<(Vec<FileChange>, Vec<String>), String> {
    let root = root
        .canonicalize()
        .map_err(|e| format!("cannot resolve the repository {}: {e}", shown(root)))?;
    let cwd = cwd
        .canonicalize()
        .map_err(|e| format!("cannot resolve {}: {e}", shown(cwd)))?;
    let mut files = Vec::new();
    let mut prune = Vec::new();
    for given in paths {
        let rel = relative(&root, &cwd, given)?;
        let full = root.join(&rel);
        let meta = match std::fs::symlink_metadata(&full) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("cannot read {}: {e}", shown(given))),
        };
        match meta {
            None => files.push(FileChange {
                path: slash(&rel),
                content: None,
                executable: false,
            }),
            Some(m) if m.file_type().is_symlink() => {
                return Err(format!("{} is a symbolic link; refusing it", shown(given)));
            }
            Some(m) if m.is_dir() => {
                prune.push(slash(&rel));
                for entry in walkdir::WalkDir::new(&full)
                    .follow_links(false)
                    .sort_by_file_name()
                {
                    let entry = entry.map_err(|e| format!("cannot read {}: {e}", shown(given)))?;
                    let ft = entry.file_type();
                    if ft.is_symlink() {
                        return Err(format!(
                            "{} is a symbolic link; refusing it",
                            shown(entry.path())
                        ));
                    }
                    if ft.is_file() {
                        let rel = entry.path().strip_prefix(&root).map_err(|_| {
                            format!("{} is outside the repository", shown(entry.path()))
                        })?;
                        if rel.components().any(|c| c.as_os_str() == ".git") {
                            continue;
                        }
                        files.push(read(&root, rel)?);
                    }
                }
            }
            Some(_) => files.push(read(&root, &rel)?),
        }
        if files.len() > MAX_FILES {
            return Err(format!(
                "more than {MAX_FILES} files; propose fewer at once"
            ));
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    Ok((files, prune))
}

/// `given` (relative to `cwd`) as a path under `root`, refused when it
/// leaves the repository, names `.git`, or passes through a symlink.
fn relative(root: &Path, cwd: &Path, given: &Path) -> Result<PathBuf, String> {
    let mut abs = PathBuf::new();
    let joined = if given.is_absolute() {
        given.to_path_buf()
    } else {
        cwd.join(given)
    };
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                abs.pop();
            }
            Component::CurDir => {}
            other => abs.push(other),
        }
    }
    let rel = abs
        .strip_prefix(root)
        .map_err(|_| format!("{} is outside the repository {}", shown(given), shown(root)))?
        .to_path_buf();
    if rel.as_os_str().is_empty() {
        return Err(format!(
            "{} is the whole repository; name files or folders in it",
            shown(given)
        ));
    }
    let mut at = root.to_path_buf();
    for c in rel.components() {
        if c.as_os_str() == ".git" {
            return Err(format!("{} is inside .git; refusing it", shown(given)));
        }
        if c.as_os_str().to_str().is_none() {
            return Err(format!(
                "{} is not valid UTF-8; GitHub paths must be",
                shown(given)
            ));
        }
        at.push(c);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(format!(
                "{} passes through the symbolic link {}; refusing it",
                shown(given),
                shown(&at)
            ));
        }
    }
    Ok(rel)
}

fn read(root: &Path, rel: &Path) -> Result<FileChange, String> {
    use std::io::Read;
    let full = root.join(rel);
    let file =
        std::fs::File::open(&full).map_err(|e| format!("cannot read {}: {e}", shown(&full)))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read {}: {e}", shown(&full)))?;
    if meta.len() > MAX_FILE {
        return Err(format!(
            "{} is {} MiB, over the {} MiB a draft PR proposes; keep it out of the PR (or store it elsewhere and record its hash as evidence)",
            shown(rel),
            meta.len() >> 20,
            MAX_FILE >> 20
        ));
    }
    let mut content = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut content)
        .map_err(|e| format!("cannot read {}: {e}", shown(&full)))?;
    #[cfg(unix)]
    let executable = {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    };
    #[cfg(not(unix))]
    let executable = false;
    Ok(FileChange {
        path: slash(rel),
        content: Some(content),
        executable,
    })
}

/// A repository path with `/` separators.
fn slash(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn shown(p: &Path) -> String {
    crate::output::escape::text(&p.display().to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_repository() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        std::fs::create_dir_all(root.join("findings/app")).expect("mkdir");
        std::fs::write(root.join("findings/app/scan.yaml"), "a: 1\n").expect("write");
        let (files, prune) = collect(
            &root,
            &root,
            &[PathBuf::from("findings"), PathBuf::from("gone.yaml")],
        )
        .expect("collect");
        let paths: Vec<_> = files
            .iter()
            .map(|f| (f.path.as_str(), f.content.is_some()))
            .collect();
        assert_eq!(
            paths,
            [("findings/app/scan.yaml", true), ("gone.yaml", false)]
        );
        assert_eq!(prune, ["findings"]);
        assert!(collect(&root, &root, &[PathBuf::from("../x")]).is_err());
        assert!(collect(&root, &root, &[PathBuf::from(".git/config")]).is_err());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc", root.join("link")).expect("symlink");
            let e = collect(&root, &root, &[PathBuf::from("link/passwd")]).expect_err("refused");
            assert!(e.contains("symbolic link"), "{e}");
        }
    }
}
