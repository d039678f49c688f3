//! Where a profile may read the documents it imports.
//!
//! An import `href` comes from the profile, which may come from anyone: an
//! href of `/etc/passwd`, `../../.git-credentials` or a symbolic link to
//! them must not make `aegis framework import` open that file (and echo it
//! in a parse error). Imports are read only inside the profile's own folder
//! and the repository; hidden files and folders are never read; everything
//! else is refused before it is opened.

use std::path::{Component, Path, PathBuf};

/// The folders a profile's imports may be read from, canonical.
#[derive(Debug)]
pub struct Scope {
    roots: Vec<PathBuf>,
}

/// What an href names on this machine.
#[derive(Debug)]
pub enum Candidate {
    /// A regular file inside the scope (canonical path).
    Found(PathBuf),
    /// Inside the scope, but no such file.
    Missing(PathBuf),
    /// Never opened: `shown` is what the href named, `reason` why not.
    Refused { shown: String, reason: String },
}

impl Scope {
    /// The scope of a profile read from `profile` imported into the
    /// repository at `repo`. A profile that is no regular file (standard
    /// input, a pipe) has no folder: only the repository is in scope.
    pub fn new(profile: Option<&Path>, repo: &Path) -> Scope {
        let mut roots = Vec::new();
        // The real file's folder: `/dev/stdin` redirected from a file is
        // that file, never `/dev`.
        let folder = profile
            .and_then(|p| p.canonicalize().ok())
            .filter(|p| p.is_file())
            .and_then(|p| p.parent().map(Path::to_path_buf));
        for dir in folder.iter().map(PathBuf::as_path).chain([repo]) {
            if let Ok(real) = dir.canonicalize()
                && !roots.contains(&real)
            {
                roots.push(real);
            }
        }
        Scope { roots }
    }

    /// The folders, for messages.
    pub fn describe(&self) -> String {
        self.roots
            .iter()
            .map(|r| r.display().to_string())
            .collect::<Vec<_>>()
            .join(" and ")
    }

    /// The local path an href names: `None` for a fragment (`#uuid`) or a
    /// remote URL. `file:` URLs are local paths.
    pub fn local(href: &str) -> Option<Result<String, String>> {
        if href.starts_with('#') {
            return None;
        }
        let lower = href.get(..5).map(str::to_ascii_lowercase);
        if lower.as_deref() == Some("file:") {
            let rest = &href[5..];
            let path = match rest.strip_prefix("//") {
                Some(after) => match after.find('/') {
                    Some(0) => after.to_string(),
                    Some(i) if after[..i].eq_ignore_ascii_case("localhost") => {
                        after[i..].to_string()
                    }
                    _ => return Some(Err("a file on another host".into())),
                },
                None => rest.to_string(),
            };
            return Some(Ok(percent_decode(&path)));
        }
        if href.contains("://") {
            return None;
        }
        Some(Ok(href.to_string()))
    }

    /// Judges the local path `local`, relative to `dir` (the canonical
    /// folder of the profile that names it), without opening anything.
    pub fn admit(&self, dir: &Path, local: &str) -> Candidate {
        let refuse = |reason: String| Candidate::Refused {
            shown: crate::excerpt::text(local),
            reason,
        };
        let p = Path::new(local);
        let hidden = p.components().any(|c| match c {
            Component::Normal(n) => n.to_string_lossy().starts_with('.'),
            _ => false,
        });
        if hidden {
            return refuse("it names a hidden file or folder".into());
        }
        let lexical = normalize(&dir.join(p));
        if !self.inside(&lexical) {
            return refuse(format!("it is outside {}", self.describe()));
        }
        if std::fs::symlink_metadata(&lexical).is_err() {
            return Candidate::Missing(lexical);
        }
        let Ok(real) = lexical.canonicalize() else {
            return Candidate::Missing(lexical);
        };
        if !self.inside(&real) {
            return refuse(format!(
                "it is a symbolic link to {}, outside {}",
                real.display(),
                self.describe()
            ));
        }
        if !real.is_file() {
            return Candidate::Missing(lexical);
        }
        Candidate::Found(real)
    }

    fn inside(&self, p: &Path) -> bool {
        self.roots.iter().any(|r| p.starts_with(r))
    }
}

/// `a/./b/../c` → `a/c`, by the text alone: the file system is asked only
/// once the path is known to stay inside the scope.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                // Above the root is the root, as the kernel resolves it.
                if !matches!(
                    out.components().next_back(),
                    Some(Component::RootDir) | None
                ) {
                    out.pop();
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `%20` → space; anything malformed stays as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hrefs_leaving_the_folder_are_refused_without_opening() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("profiles");
        let repo = tmp.path().join("repo");
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::create_dir_all(&repo).expect("repo");
        std::fs::write(dir.join("cat.json"), "{}").expect("cat");
        std::fs::write(dir.join("p.json"), "{}").expect("profile");
        std::fs::write(tmp.path().join("secret"), "token").expect("secret");
        let scope = Scope::new(Some(&dir.join("p.json")), &repo);
        let real = dir.canonicalize().expect("canonical");
        let judge = |h: &str| scope.admit(&real, &Scope::local(h).expect("local").expect("ok"));
        assert!(matches!(judge("cat.json"), Candidate::Found(_)));
        assert!(matches!(judge("./sub/../cat.json"), Candidate::Found(_)));
        assert!(matches!(judge("nope.json"), Candidate::Missing(_)));
        for bad in [
            "/etc/passwd",
            "../secret",
            "../../../../../../etc/passwd",
            "file:///etc/passwd",
            "file://localhost/etc/passwd",
            "file:../secret",
            ".git-credentials",
            "sub/.git/config",
        ] {
            assert!(matches!(judge(bad), Candidate::Refused { .. }), "{bad}");
        }
        assert!(Scope::local("https://example.org/x.json").is_none());
        assert!(Scope::local("#abc").is_none());
        assert!(matches!(
            Scope::local("file://evil.example/x"),
            Some(Err(_))
        ));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(tmp.path().join("secret"), dir.join("link.json"))
                .expect("symlink");
            match judge("link.json") {
                Candidate::Refused { reason, .. } => {
                    assert!(reason.contains("symbolic link"), "{reason}")
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
