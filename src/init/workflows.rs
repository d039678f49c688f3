//! The GitHub workflows `aegis init` writes, and where: GitHub runs only
//! the workflows at the root of a repository, so a compliance folder inside
//! a larger repository (a monorepo) gets its workflows at the git root,
//! named after the folder and scoped to it.
//!
//! The workflows use this repository's Action pinned by commit. A binary
//! built by the release workflow knows its commit (`AEGIS_BUILD_COMMIT`,
//! recorded at build time); any other build knows none and writes `@main`,
//! which works unedited and is said plainly when `aegis init` runs.

use std::path::{Path, PathBuf};

/// The commit a release build was made from (the release workflow and the
/// Action's cargo build set `AEGIS_BUILD_COMMIT`), if it is a full SHA.
pub fn build_commit() -> Option<&'static str> {
    option_env!("AEGIS_BUILD_COMMIT").filter(|c| is_full_sha(c))
}

fn is_full_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `owner/name` of this repository on GitHub, from Cargo.toml's `repository`.
fn action_repository() -> &'static str {
    env!("CARGO_PKG_REPOSITORY")
        .strip_prefix("https://github.com/")
        .map(|r| r.trim_end_matches('/'))
        .filter(|r| r.split('/').count() == 2)
        .unwrap_or("aegis-grc/aegis")
}

/// How the workflows refer to the aegis Action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPin {
    /// The `uses:` value, with the version as a comment when pinned.
    pub uses: String,
    /// Whether `uses` names a commit.
    pub pinned: bool,
}

impl ActionPin {
    /// The pin for a build made from `commit` (a full SHA) of `version`;
    /// without one, the Action's `main`.
    pub fn new(commit: Option<&str>, version: &str) -> ActionPin {
        let repo = action_repository();
        match commit.filter(|c| is_full_sha(c)) {
            Some(sha) => ActionPin {
                uses: format!("{repo}@{sha} # v{version}"),
                pinned: true,
            },
            None => ActionPin {
                uses: format!("{repo}@main"),
                pinned: false,
            },
        }
    }

    /// The pin of the running binary.
    pub fn current() -> ActionPin {
        ActionPin::new(build_commit(), env!("CARGO_PKG_VERSION"))
    }
}

/// Where the new compliance folder sits for GitHub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// The folder is the root of a git repository.
    Root,
    /// The folder is `folder` (slash-separated) inside the repository at `root`.
    Subfolder { root: PathBuf, folder: String },
    /// No git repository holds the folder (yet).
    NoRepository,
}

/// Finds the git repository holding `dir` (an existing directory): the
/// nearest ancestor with a `.git` entry (a directory, or the file of a
/// worktree or submodule).
pub fn placement(dir: &Path) -> Placement {
    let Ok(dir) = dir.canonicalize() else {
        return Placement::NoRepository;
    };
    for ancestor in dir.ancestors() {
        if ancestor.join(".git").exists() {
            if ancestor == dir {
                return Placement::Root;
            }
            let folder = dir
                .strip_prefix(ancestor)
                .unwrap_or(&dir)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            return Placement::Subfolder {
                root: ancestor.to_path_buf(),
                folder,
            };
        }
    }
    Placement::NoRepository
}

/// One workflow to write: its file name under `.github/workflows/` and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workflow {
    pub file: String,
    pub text: String,
}

const GATE: &str = include_str!("../../templates/init/workflow-gate.yml");
const INGEST: &str = include_str!("../../templates/init/workflow-ingest.yml");
const PAGES: &str = include_str!("../../templates/init/workflow-pages.yml");

/// The workflows for a compliance repository at the git root (`folder`
/// None) or in `folder` of a larger repository.
pub fn render(folder: Option<&str>, pin: &ActionPin) -> Vec<Workflow> {
    let folder = folder.filter(|f| !f.is_empty() && *f != ".");
    let slug = folder.map(slug);
    let stem = match &slug {
        Some(s) => format!("aegis-{s}"),
        None => "compliance".to_string(),
    };
    let files = [
        (format!("{stem}.yml"), GATE),
        (format!("{stem}-ingest.yml"), INGEST),
        (format!("{stem}-pages.yml"), PAGES),
    ];
    let gate_file = files[0].0.clone();
    let (name, about, working_directory, site, category, branch, paths) = match (folder, &slug) {
        (Some(folder), Some(slug)) => (
            format!("compliance {slug}"),
            format!(
                " for the folder {} of this repository",
                comment_text(folder)
            ),
            yaml_string(folder),
            yaml_string(&format!("{folder}/_site")),
            format!("aegis-{slug}"),
            format!("aegis/ingest-{slug}"),
            format!(
                "\n    paths:\n      - {}\n      - {}",
                yaml_string(&format!("{}/**", glob_escape(folder))),
                yaml_string(&format!(".github/workflows/{}", glob_escape(&gate_file)))
            ),
        ),
        _ => (
            "compliance".to_string(),
            String::new(),
            ".".to_string(),
            "_site".to_string(),
            "aegis".to_string(),
            "aegis/ingest".to_string(),
            String::new(),
        ),
    };
    let pin_note = if pin.pinned {
        "The aegis Action is pinned to the commit of the aegis release that wrote\n\
         # this file; to update, move the pin to a newer release's commit."
            .to_string()
    } else {
        format!(
            "The aegis Action follows its main branch: the aegis that wrote this file\n\
             # was built outside a release and knows no commit to pin. To pin it, use\n\
             # a release's commit: uses: {}@<commit sha> # vX.Y.Z",
            action_repository()
        )
    };
    files
        .into_iter()
        .map(|(file, template)| Workflow {
            file,
            text: template
                .replace("{{about}}", &about)
                .replace("{{name}}", &name)
                .replace("{{paths}}", &paths)
                .replace("{{cron}}", "17 6 * * *")
                .replace("{{ingest_cron}}", "41 5 * * *")
                .replace("{{pin_note}}", &pin_note)
                .replace("{{action}}", &pin.uses)
                .replace("{{working_directory}}", &working_directory)
                .replace("{{site}}", &site)
                .replace("{{category}}", &category)
                .replace("{{branch}}", &branch),
        })
        .collect()
}

/// A folder path as a file-name-safe, lowercase word: `apps/Compliance`
/// becomes `apps-compliance`.
fn slug(folder: &str) -> String {
    let mut out = String::new();
    for c in folder.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        "folder".to_string()
    } else {
        out
    }
}

/// A YAML double-quoted scalar (JSON's string syntax is a subset of it).
fn yaml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// Text safe inside a YAML comment: one line, no control characters.
fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// A literal path in a GitHub `paths:` filter, its pattern characters
/// escaped with a backslash.
fn glob_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if matches!(c, '*' | '?' | '+' | '[' | ']' | '!' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn a_release_build_pins_its_commit_with_the_version_as_comment() {
        let pin = ActionPin::new(Some(SHA), "0.3.0");
        assert_eq!(pin.uses, format!("aegis-grc/aegis@{SHA} # v0.3.0"));
        assert!(pin.pinned);
    }

    #[test]
    fn a_build_without_a_full_commit_follows_main() {
        for commit in [
            None,
            Some(""),
            Some("0123abc"),
            Some(&SHA.to_uppercase()[..]),
        ] {
            let pin = ActionPin::new(commit, "0.3.0");
            assert_eq!(pin.uses, "aegis-grc/aegis@main", "{commit:?}");
            assert!(!pin.pinned);
        }
    }

    #[test]
    fn every_workflow_uses_the_pin() {
        let pin = ActionPin::new(Some(SHA), "0.3.0");
        for w in render(None, &pin) {
            assert!(
                w.text.contains(&format!("uses: {}\n", pin.uses)),
                "{}",
                w.file
            );
            // `${{ }}` is GitHub's; `{{name}}` would be a placeholder left over.
            let ours = w.text.replace("${{", "");
            assert!(!ours.contains("{{"), "{} keeps a placeholder", w.file);
        }
    }

    #[test]
    fn a_folder_is_slugged_quoted_and_escaped() {
        assert_eq!(slug("apps/Compliance Team"), "apps-compliance-team");
        assert_eq!(slug("//"), "folder");
        let w = render(Some("ops/c*mp \"x\""), &ActionPin::new(None, "0.1.0"));
        assert_eq!(w[0].file, "aegis-ops-c-mp-x.yml");
        assert!(w[0].text.contains(r#"working-directory: "ops/c*mp \"x\"""#));
        assert!(w[0].text.contains(r#"- "ops/c\\*mp \"x\"/**""#));
    }

    #[test]
    fn placement_finds_the_nearest_git_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("mono");
        let sub = root.join("apps/compliance");
        std::fs::create_dir_all(&sub).expect("mkdir");
        assert_eq!(placement(&sub), Placement::NoRepository);
        std::fs::create_dir(root.join(".git")).expect("mkdir .git");
        assert_eq!(placement(&root), Placement::Root);
        assert_eq!(
            placement(&sub),
            Placement::Subfolder {
                root: root.canonicalize().expect("canonical"),
                folder: "apps/compliance".into()
            }
        );
    }
}
