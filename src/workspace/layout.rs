//! Where each kind of file lives in a compliance repository, and the walk
//! that finds them without leaving the repository.

use crate::diag::{Code, Diagnostic, Pos};
use crate::schema::Kind;
use std::path::Path;
use walkdir::WalkDir;

/// The top-level directories Aegis reads; everything else is the user's.
pub const DIRS: &[&str] = &[
    "controls",
    "implementations",
    "evidence",
    "findings",
    "policies",
    "exceptions",
    "risks",
    "remediation",
];

#[derive(Debug, PartialEq, Eq)]
pub enum Classified {
    Kind(Kind),
    /// Not Aegis's to read (artifacts, READMEs, hidden files).
    Ignore,
    /// In an Aegis directory but not where any kind lives; the text says where it should go.
    Unexpected(&'static str),
}

fn is_yaml(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// Decides the kind of the file at repository-relative `rel`.
pub fn classify(rel: &str) -> Classified {
    let parts: Vec<&str> = rel.split('/').collect();
    let name = parts.last().copied().unwrap_or("");
    if name.starts_with('.') || name.eq_ignore_ascii_case("README.md") {
        return Classified::Ignore;
    }
    let yaml = is_yaml(name);
    match parts.as_slice() {
        ["controls", "mappings", _] if yaml => Classified::Kind(Kind::Mapping),
        ["controls", "references", _] if yaml => Classified::Kind(Kind::ReferenceTable),
        ["controls", "references", ..] => Classified::Unexpected(
            "reference tables are YAML files directly under controls/references/, named <scheme>--<framework>.yaml",
        ),
        ["controls", "mappings", ..] => Classified::Unexpected(
            "mappings are YAML files directly under controls/mappings/, named <source>--<target>.yaml",
        ),
        ["controls", _, "framework.yaml" | "framework.yml"] => Classified::Kind(Kind::Framework),
        ["controls", _, "catalog", .., _] if yaml => Classified::Kind(Kind::Catalog),
        ["controls", _, "baselines", _] if yaml => Classified::Kind(Kind::Baseline),
        ["controls", _, "source", ..] => Classified::Ignore,
        ["controls", ..] => Classified::Unexpected(
            "a framework directory holds framework.yaml, catalog/*.yaml, baselines/*.yaml and source/",
        ),
        ["implementations", _, _, ..] if yaml => Classified::Kind(Kind::Implementation),
        ["implementations", ..] => {
            Classified::Unexpected("implementations are YAML files under implementations/<system>/")
        }
        ["evidence", "files", ..] => Classified::Ignore,
        ["evidence", "signatures", _] if yaml => Classified::Kind(Kind::EvidenceSignature),
        ["evidence", "signatures", ..] => Classified::Unexpected(
            "signed manifests are YAML files directly under evidence/signatures/, written by `aegis evidence sign`",
        ),
        ["evidence", .., _] if yaml => Classified::Kind(Kind::Evidence),
        ["evidence", ..] => Classified::Unexpected(
            "evidence artifacts belong under evidence/files/; evidence/ holds the YAML references to them",
        ),
        ["findings", _, _, ..] if yaml => Classified::Kind(Kind::Findings),
        ["findings", ..] => {
            Classified::Unexpected("findings are YAML files under findings/<system>/")
        }
        ["policies", "approvals.yaml"] => Classified::Kind(Kind::Approvals),
        ["policies", .., _] if name.ends_with(".md") => Classified::Kind(Kind::Policy),
        ["policies", ..] => Classified::Unexpected(
            "policies are Markdown files with front matter; the only YAML file there is approvals.yaml",
        ),
        ["exceptions", .., _] if yaml => Classified::Kind(Kind::Exception),
        ["exceptions", ..] => Classified::Unexpected("exceptions are YAML files under exceptions/"),
        ["remediation", _, "plan.md"] => Classified::Kind(Kind::RemediationPlan),
        // Playbooks, scripts and checklists are the plan's, not records.
        ["remediation", ..] => Classified::Ignore,
        ["risks", .., _] if yaml => Classified::Kind(Kind::Risk),
        ["risks", ..] => Classified::Unexpected("risks are YAML files under risks/"),
        _ => Classified::Ignore,
    }
}

/// Walks the Aegis directories of `root` (canonical), handing each record
/// file to `found` as it is found, and returns what it could not read.
/// Nothing outside the repository is read: a file linked from inside is
/// read only when its target is inside too, and a linked directory (a
/// top-level one included) is never entered.
pub fn walk(root: &Path, mut found: impl FnMut(String, Kind)) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for dir in DIRS {
        let top = root.join(dir);
        let Ok(meta) = top.symlink_metadata() else {
            continue;
        };
        if meta.file_type().is_symlink() {
            diags.push(linked_dir(root, &top, dir));
            continue;
        }
        let mut walker = WalkDir::new(&top)
            .follow_links(false)
            .follow_root_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        while let Some(entry) = walker.next() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let rel = e
                        .path()
                        .and_then(|p| p.strip_prefix(root).ok())
                        .map(rel_string)
                        .unwrap_or_else(|| (*dir).to_string());
                    diags.push(
                        Diagnostic::new(
                            Code::IoError,
                            rel,
                            Pos::START,
                            // walkdir's message repeats the absolute path;
                            // the diagnostic already names the file.
                            format!(
                                "cannot read: {}",
                                e.io_error().map_or_else(
                                    || "a directory loop".to_string(),
                                    ToString::to_string
                                )
                            ),
                        )
                        .help(
                            "make sure this path exists and can be read (permissions, path length)",
                        ),
                    );
                    continue;
                }
            };
            let Ok(rel_path) = entry.path().strip_prefix(root) else {
                continue;
            };
            let rel = rel_string(rel_path);
            if rel_path.to_str().is_none() {
                // A lossy name would name a different (missing) file, and
                // could not be written into any report faithfully.
                let what = if entry.file_type().is_dir() {
                    walker.skip_current_dir();
                    "directory name is not valid UTF-8, so nothing in it is read"
                } else {
                    "file name is not valid UTF-8, so the file is not read"
                };
                diags.push(
                    Diagnostic::new(Code::InvalidUtf8, rel, Pos::START, what)
                        .help("rename it using UTF-8 (plain ASCII is safest in a repository)"),
                );
                continue;
            }
            let ft = entry.file_type();
            if ft.is_symlink() {
                match std::fs::canonicalize(entry.path()) {
                    Ok(target) if target.starts_with(root) => {
                        if target.is_dir() {
                            diags.push(
                                Diagnostic::new(
                                    Code::UnexpectedFile,
                                    rel,
                                    Pos::START,
                                    "symbolic link to a directory is not followed",
                                )
                                .help("move the files here, or link each file instead"),
                            );
                            continue;
                        }
                        if !target.is_file() {
                            diags.push(not_regular(rel));
                            continue;
                        }
                    }
                    Ok(_) => {
                        diags.push(
                            Diagnostic::new(
                                Code::PathEscapesRepo,
                                rel,
                                Pos::START,
                                "symbolic link points outside the repository, so it is not read",
                            )
                            .help("copy the file into the repository instead of linking to it"),
                        );
                        continue;
                    }
                    Err(e) => {
                        diags.push(broken_link(rel, &e));
                        continue;
                    }
                }
            } else if ft.is_dir() {
                continue;
            } else if !ft.is_file() {
                // Reading a FIFO or a device would block or never end.
                if matches!(classify(&rel), Classified::Kind(_)) {
                    diags.push(not_regular(rel));
                }
                continue;
            }
            match classify(&rel) {
                Classified::Kind(k) => found(rel, k),
                Classified::Ignore => {}
                Classified::Unexpected(why) => diags.push(
                    Diagnostic::new(
                        Code::UnexpectedFile,
                        rel,
                        Pos::START,
                        "file is not where Aegis reads any kind of record, so it is not loaded",
                    )
                    .help(why),
                ),
            }
        }
    }
    diags
}

/// A top-level directory that is a symbolic link: never entered, wherever
/// it points.
fn linked_dir(root: &Path, top: &Path, dir: &str) -> Diagnostic {
    match std::fs::canonicalize(top) {
        Ok(target) if target.starts_with(root) => Diagnostic::new(
            Code::UnexpectedFile,
            dir,
            Pos::START,
            format!("{dir}/ is a symbolic link to a directory, which is not followed"),
        )
        .help(format!(
            "make {dir}/ a real directory and move the files into it"
        )),
        Ok(_) => Diagnostic::new(
            Code::PathEscapesRepo,
            dir,
            Pos::START,
            format!(
                "{dir}/ is a symbolic link to a directory outside the repository, so nothing in it is read"
            ),
        )
        .help(format!(
            "make {dir}/ a real directory inside the repository and copy the records into it"
        )),
        Err(e) => broken_link(dir.to_string(), &e),
    }
}

fn broken_link(rel: String, e: &std::io::Error) -> Diagnostic {
    let (message, help) = if e.kind() == std::io::ErrorKind::NotFound {
        (
            "symbolic link points to nothing".to_string(),
            "remove the dangling link or restore its target",
        )
    } else {
        // A link loop ("too many levels of symbolic links"), a target that
        // cannot be searched, a path too long.
        (
            format!("symbolic link cannot be followed: {e}"),
            "replace the link with the file it should point to",
        )
    };
    Diagnostic::new(Code::PathEscapesRepo, rel, Pos::START, message).help(help)
}

fn not_regular(rel: String) -> Diagnostic {
    Diagnostic::new(
        Code::UnexpectedFile,
        rel,
        Pos::START,
        "not a regular file (a pipe, socket or device), so it is not read",
    )
    .help("replace it with a regular file")
}

fn rel_string(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_classified_by_place() {
        use Classified::*;
        assert_eq!(
            classify("implementations/payments/AC-2.yaml"),
            Kind(super::Kind::Implementation)
        );
        assert_eq!(
            classify("controls/nist/framework.yaml"),
            Kind(super::Kind::Framework)
        );
        assert_eq!(
            classify("controls/nist/catalog/ac.yaml"),
            Kind(super::Kind::Catalog)
        );
        assert_eq!(
            classify("controls/nist/baselines/low.yaml"),
            Kind(super::Kind::Baseline)
        );
        assert_eq!(
            classify("controls/mappings/a--b.yaml"),
            Kind(super::Kind::Mapping)
        );
        assert_eq!(classify("policies/access.md"), Kind(super::Kind::Policy));
        assert_eq!(
            classify("policies/approvals.yaml"),
            Kind(super::Kind::Approvals)
        );
        assert_eq!(classify("evidence/files/report.pdf"), Ignore);
        assert_eq!(classify("evidence/ev-1.yaml"), Kind(super::Kind::Evidence));
        assert_eq!(
            classify("evidence/signatures/20261130-ab12.yaml"),
            Kind(super::Kind::EvidenceSignature)
        );
        assert_eq!(classify("policies/README.md"), Ignore);
        assert!(matches!(
            classify("implementations/AC-2.yaml"),
            Unexpected(_)
        ));
        assert!(matches!(classify("evidence/report.pdf"), Unexpected(_)));
        assert_eq!(classify("src/main.rs"), Ignore);
    }
}
