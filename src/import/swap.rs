//! Writing into `controls/` without ever losing a file.
//!
//! Three rules:
//!
//! - **One writer at a time.** [`lock`] takes an exclusive lock on the
//!   `controls/` directory itself (on Unix; a lock file elsewhere) for the
//!   whole import, so no lock file is left in the user's git tree and a
//!   second process is told the repository is busy instead of racing.
//! - **Only what the import owns moves.** A framework's `framework.yaml`
//!   and `catalog/` belong to the import; baselines, `source/` and the
//!   user's own files are never moved. The new `framework.yaml` and
//!   `catalog/` are written into a hidden stage beside the framework, the
//!   stage is marked complete, and then the old `catalog/` is renamed into
//!   the stage, the new one renamed into place, `framework.yaml` replaced
//!   and the stage removed ([`commit`]).
//! - **Every step can be finished later.** A process killed between steps
//!   leaves a stage that the next import (under the lock) finishes, when it
//!   was marked complete, or removes, when it was not ([`recover`]); the
//!   leftovers of the older layout, which moved every entry of the
//!   framework into a stage, are put back the same way.

use super::ImportError;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Held while an import writes into `controls/`; dropping it unlocks.
#[derive(Debug)]
pub struct Lock {
    _lock: crate::write::DirLock,
}

/// The name of a framework's stage, a hidden sibling of its folder (the
/// repository walk and `framework list` skip hidden names).
fn stage_name(id: &str) -> String {
    format!(".{id}.aegis-stage")
}

/// Written last into a stage: everything before it is on disk.
const COMPLETE: &str = "COMPLETE";
/// Where the replaced `catalog/` waits inside the stage until it is removed.
const OLD_CATALOG: &str = "old-catalog";

fn write_err(path: &Path) -> impl Fn(std::io::Error) -> ImportError + '_ {
    move |source| ImportError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Refuses a symbolic link at `path`: files are never moved into or out
/// of, or written through, a link that may lead outside the repository.
pub fn refuse_symlink(path: &Path) -> Result<(), ImportError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(ImportError::Symlink {
            path: path.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

/// Locks `repo/controls/` (creating it) for one writer.
pub fn lock(repo: &Path) -> Result<Lock, ImportError> {
    let controls = repo.join("controls");
    refuse_symlink(&controls)?;
    match crate::write::try_lock_dir(&controls) {
        Ok(Some(lock)) => Ok(Lock { _lock: lock }),
        Ok(None) => Err(ImportError::Busy {
            repo: repo.to_path_buf(),
        }),
        Err(source) => Err(ImportError::Write {
            path: controls,
            source,
        }),
    }
}

/// Whether `name` (an entry of a framework's `catalog/`) is something an
/// import wrote: a part file, or the temporary file of an interrupted
/// atomic write.
fn is_catalog_part(name: &str, is_file: bool) -> bool {
    if !is_file {
        return false;
    }
    if name.starts_with('.') {
        return name.contains(".aegis-") && name.ends_with(".tmp");
    }
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// Refuses a `catalog/` holding anything that is not a catalog part: the
/// import replaces the folder as a whole, so a user's file there would go
/// with it.
fn check_catalog_owned(dir: &Path) -> Result<(), ImportError> {
    let catalog = dir.join("catalog");
    refuse_symlink(&catalog)?;
    let Ok(listing) = std::fs::read_dir(&catalog) else {
        return Ok(());
    };
    let mut foreign: Vec<String> = Vec::new();
    for e in listing.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let is_file = e.file_type().is_ok_and(|t| t.is_file());
        if !is_catalog_part(&name, is_file) {
            foreign.push(name);
        }
    }
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    Err(ImportError::ForeignInCatalog {
        catalog,
        entries: foreign,
    })
}

/// Replaces `framework.yaml` and `catalog/` of framework `id` with `files`
/// (paths relative to `controls/<id>/`, each `framework.yaml` or under
/// `catalog/`). The caller holds the [`Lock`].
pub fn replace_catalog(
    repo: &Path,
    id: &str,
    files: &[(String, String)],
) -> Result<(), ImportError> {
    let controls = repo.join("controls");
    let dir = controls.join(id);
    refuse_symlink(&dir)?;
    check_catalog_owned(&dir)?;
    stage(&controls, id, files)?;
    commit(&controls, id, usize::MAX)
}

/// Writes the stage of framework `id` and marks it complete. A stage left
/// by an earlier run was dealt with by [`recover`]; anything still there
/// is incomplete and replaced. (Public so that tests can stop an import
/// between its steps, as a kill would.)
pub fn stage(controls: &Path, id: &str, files: &[(String, String)]) -> Result<(), ImportError> {
    let stage = controls.join(stage_name(id));
    if stage.exists() {
        std::fs::remove_dir_all(&stage).map_err(write_err(&stage))?;
    }
    let written = (|| {
        // The catalog folder exists in the stage even when empty: its
        // presence is what says the catalog step is still to do.
        let catalog = stage.join("catalog");
        std::fs::create_dir_all(&catalog).map_err(write_err(&catalog))?;
        for (sub, text) in files {
            let path = stage.join(sub);
            crate::write::write_atomic(&path, text.as_bytes()).map_err(write_err(&path))?;
        }
        let mark = stage.join(COMPLETE);
        crate::write::write_atomic(&mark, b"").map_err(write_err(&mark))
    })();
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&stage);
    }
    written
}

/// Moves a complete stage into place, running at most `steps` of its four
/// steps (tests stop it half way to play a killed process). Each step is a
/// rename or a removal, and which ones are done is read back from the
/// disk, so running it again after a crash finishes the job.
pub fn commit(controls: &Path, id: &str, steps: usize) -> Result<(), ImportError> {
    let dir = controls.join(id);
    let stage = controls.join(stage_name(id));
    refuse_symlink(&dir)?;
    refuse_symlink(&stage)?;
    let new_catalog = stage.join("catalog");
    let old_catalog = stage.join(OLD_CATALOG);
    let live_catalog = dir.join("catalog");
    let rename = |from: &Path, to: &Path| std::fs::rename(from, to).map_err(write_err(from));
    std::fs::create_dir_all(&dir).map_err(write_err(&dir))?;
    let mut left = steps;
    let mut step = || {
        let go = left > 0;
        left = left.saturating_sub(1);
        go
    };
    if new_catalog.exists() {
        // 1: the old catalog goes aside, into the stage.
        if live_catalog.exists() {
            if !step() {
                return Ok(());
            }
            rename(&live_catalog, &old_catalog)?;
        }
        // 2: the new catalog comes in.
        if !step() {
            return Ok(());
        }
        rename(&new_catalog, &live_catalog)?;
    }
    // 3: framework.yaml is replaced (a rename over the old file).
    let head = stage.join("framework.yaml");
    if head.exists() {
        if !step() {
            return Ok(());
        }
        rename(&head, &dir.join("framework.yaml"))?;
    }
    // 4: the stage, with the old catalog, goes.
    if !step() {
        return Ok(());
    }
    std::fs::remove_dir_all(&stage).map_err(write_err(&stage))?;
    // A catalog without parts (every control in framework.yaml) leaves no
    // empty folder behind.
    if std::fs::read_dir(&live_catalog).is_ok_and(|mut d| d.next().is_none()) {
        let _ = std::fs::remove_dir(&live_catalog);
    }
    Ok(())
}

/// Finishes or undoes what interrupted imports left in `repo/controls/`,
/// returning a note for each thing done. The caller holds the [`Lock`].
pub fn recover(repo: &Path) -> Result<Vec<String>, ImportError> {
    let controls = repo.join("controls");
    let mut notes = Vec::new();
    let Ok(listing) = std::fs::read_dir(&controls) else {
        return Ok(notes);
    };
    let mut names: Vec<String> = listing
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    names.sort();
    let mut legacy: Vec<(String, String, Legacy)> = Vec::new();
    for name in names {
        // Only names an import could have made: an id is a folder name.
        let usable = |id: &str| super::oscal::catalog::check_framework_id(id).is_ok();
        if let Some(id) = name
            .strip_prefix('.')
            .and_then(|n| n.strip_suffix(".aegis-stage"))
            .filter(|id| usable(id))
        {
            let stage = controls.join(&name);
            if stage.join(COMPLETE).is_file() {
                commit(&controls, id, usize::MAX)?;
                notes.push(format!(
                    "finished replacing the catalog of `{id}`, which an interrupted import had left half done"
                ));
            } else {
                std::fs::remove_dir_all(&stage).map_err(write_err(&stage))?;
                notes.push(format!(
                    "removed the unfinished stage of an interrupted import of `{id}`; controls/{id}/ was not touched by it"
                ));
            }
        } else if let Some((id, kind, pid)) = legacy_name(&name).filter(|(id, ..)| usable(id)) {
            legacy.push((id, pid, kind));
        }
    }
    // For one interrupted run, the old folder (the framework as it was)
    // comes back before the new one's copies.
    legacy.sort_by(|a, b| (&a.0, &a.1, a.2).cmp(&(&b.0, &b.1, b.2)));
    for (id, pid, kind) in legacy {
        notes.extend(recover_legacy(&controls, &id, &pid, kind)?);
    }
    Ok(notes)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Legacy {
    Old,
    New,
}

impl Legacy {
    fn word(self) -> &'static str {
        match self {
            Legacy::Old => "old",
            Legacy::New => "new",
        }
    }
}

/// `.<id>.aegis-new-<pid>` → (id, New, pid).
fn legacy_name(name: &str) -> Option<(String, Legacy, String)> {
    let rest = name.strip_prefix('.')?;
    for kind in [Legacy::Old, Legacy::New] {
        let marker = format!(".aegis-{}-", kind.word());
        if let Some(i) = rest.rfind(&marker) {
            let pid = &rest[i + marker.len()..];
            if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) && i > 0 {
                return Some((rest[..i].to_string(), kind, pid.to_string()));
            }
        }
    }
    None
}

/// Puts back what the older layout's staging left in
/// `.<id>.aegis-<kind>-<pid>`: every entry that is not `framework.yaml` or
/// `catalog` and is missing from `controls/<id>/` moves back; the
/// framework's own files come back only when the framework has none (the
/// old folder first, so an interrupted replacement is rolled back);
/// anything else stays, in a folder a note names.
fn recover_legacy(
    controls: &Path,
    id: &str,
    pid: &str,
    kind: Legacy,
) -> Result<Vec<String>, ImportError> {
    let from = controls.join(format!(".{id}.aegis-{}-{pid}", kind.word()));
    let dir = controls.join(id);
    refuse_symlink(&from)?;
    refuse_symlink(&dir)?;
    let mut entries: Vec<OsString> = std::fs::read_dir(&from)
        .map_err(write_err(&from))?
        .flatten()
        .map(|e| e.file_name())
        .collect();
    entries.sort();
    let own = |n: &OsString| {
        matches!(
            n.to_str(),
            Some("framework.yaml" | "framework.yml" | "catalog")
        )
    };
    let has_framework = dir.join("framework.yaml").is_file() || dir.join("framework.yml").is_file();
    std::fs::create_dir_all(&dir).map_err(write_err(&dir))?;
    let mut restored: Vec<String> = Vec::new();
    let mut kept: Vec<String> = Vec::new();
    for n in &entries {
        let target = dir.join(n);
        let back = if own(n) {
            !has_framework && !target.exists()
        } else {
            !target.exists() && std::fs::symlink_metadata(&target).is_err()
        };
        if back {
            let src = from.join(n);
            std::fs::rename(&src, &target).map_err(write_err(&src))?;
            restored.push(n.to_string_lossy().into_owned());
        } else {
            kept.push(n.to_string_lossy().into_owned());
        }
    }
    let mut notes = Vec::new();
    if !restored.is_empty() {
        notes.push(format!(
            "put back into controls/{id}/ what an interrupted import (process {pid}) had moved away: {}",
            restored.join(", ")
        ));
    }
    if kept.is_empty() {
        std::fs::remove_dir_all(&from).map_err(write_err(&from))?;
    } else {
        // Renamed so that later runs leave it alone: the note below is the
        // one place it is reported.
        let keep = controls.join(format!(".{id}.aegis-kept-{pid}-{}", kind.word()));
        std::fs::rename(&from, &keep).map_err(write_err(&from))?;
        notes.push(format!(
            "controls/{}/ keeps what an interrupted import (process {pid}) left that also exists in controls/{id}/: {}; compare them and delete that folder",
            keep.file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            kept.join(", ")
        ));
    }
    Ok(notes)
}

/// The repository-relative folders from `controls/` down to `rel`'s
/// parent, each refused if it is a symbolic link.
pub fn refuse_symlinks_above(repo: &Path, rel: &str) -> Result<(), ImportError> {
    let mut path = PathBuf::from(repo);
    let parts: Vec<&str> = rel.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        path.push(part);
        refuse_symlink(&path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::native;
    use crate::model::Framework;
    use std::collections::BTreeMap;

    fn fw(version: &str, groups: &[&str]) -> Framework {
        let mut text =
            format!("schema_version: 1\nid: t\ntitle: T\nversion: '{version}'\ngroups:\n");
        for g in groups {
            text.push_str(&format!("- id: {g}\n  title: {g}\n"));
        }
        text.push_str("controls:\n");
        for g in groups {
            text.push_str(&format!("- id: {g}-1\n  title: x{version}\n  group: {g}\n"));
        }
        let node = crate::workspace::yaml::parse(&text, Default::default(), Default::default())
            .expect("yaml");
        serde_json::from_value(node.to_json()).expect("framework")
    }

    /// Every file under `dir` (hidden ones included), relative path → text.
    fn files(dir: &Path) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
            if e.file_type().is_file() {
                let rel = e
                    .path()
                    .strip_prefix(dir)
                    .expect("under")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(e.path()).unwrap_or_default());
            }
        }
        out
    }

    /// A repository with framework `t` imported from `first`, a baseline,
    /// a source folder and the user's own files in the framework's folder.
    fn repo_with(first: &Framework) -> tempfile::TempDir {
        let repo = tempfile::tempdir().expect("tmp");
        let files = native::render_framework(first).expect("render");
        native::write_framework(repo.path(), first, &files).expect("write");
        let dir = repo.path().join("controls/t");
        for (rel, text) in [
            ("baselines/low.yaml", "mine: low\n"),
            ("source/doc.json", "{}"),
            ("NOTES.md", "my notes"),
            ("evidence/a.txt", "a"),
        ] {
            crate::write::write_atomic(&dir.join(rel), text.as_bytes()).expect("user file");
        }
        repo
    }

    fn user_files(repo: &Path) -> BTreeMap<String, String> {
        files(&repo.join("controls/t"))
            .into_iter()
            .filter(|(k, _)| k != "framework.yaml" && !k.starts_with("catalog/"))
            .collect()
    }

    fn catalog_of(repo: &Path) -> BTreeMap<String, String> {
        files(&repo.join("controls/t"))
            .into_iter()
            .filter(|(k, _)| k == "framework.yaml" || k.starts_with("catalog/"))
            .collect()
    }

    fn staged(fw: &Framework) -> Vec<(String, String)> {
        native::render_framework(fw)
            .expect("render")
            .into_iter()
            .map(|(rel, text)| (rel.trim_start_matches("controls/t/").to_string(), text))
            .collect()
    }

    #[test]
    fn a_kill_between_any_two_steps_is_finished_by_the_next_run() {
        let (v1, v2) = (fw("1", &["aa", "bb"]), fw("2", &["aa", "cc"]));
        // The state a finished import of v2 gives, for comparison.
        let done = repo_with(&v1);
        native::write_framework(done.path(), &v2, &native::render_framework(&v2).expect("r"))
            .expect("write");
        let want = catalog_of(done.path());
        for steps in 0..4 {
            let repo = repo_with(&v1);
            let mine = user_files(repo.path());
            let controls = repo.path().join("controls");
            stage(&controls, "t", &staged(&v2)).expect("stage");
            commit(&controls, "t", steps).expect("partial commit");
            assert_eq!(
                mine,
                user_files(repo.path()),
                "step {steps} moved a user file"
            );
            assert_eq!(native::framework_ids(repo.path()), ["t"], "step {steps}");
            let notes = recover(repo.path()).expect("recover");
            assert!(notes[0].contains("finished"), "{notes:?}");
            assert_eq!(want, catalog_of(repo.path()), "after {steps} steps");
            assert_eq!(mine, user_files(repo.path()));
            let hidden: Vec<String> = files(&controls)
                .into_keys()
                .filter(|k| k.starts_with('.'))
                .collect();
            assert!(hidden.is_empty(), "{hidden:?}");
        }
    }

    #[test]
    fn an_incomplete_stage_is_rolled_back() {
        let (v1, v2) = (fw("1", &["aa", "bb"]), fw("2", &["aa", "cc"]));
        let repo = repo_with(&v1);
        let before = files(&repo.path().join("controls/t"));
        let controls = repo.path().join("controls");
        stage(&controls, "t", &staged(&v2)).expect("stage");
        std::fs::remove_file(controls.join(".t.aegis-stage").join(COMPLETE)).expect("unmark");
        let notes = recover(repo.path()).expect("recover");
        assert!(notes[0].contains("unfinished stage"), "{notes:?}");
        assert_eq!(before, files(&repo.path().join("controls/t")));
        assert!(!controls.join(".t.aegis-stage").exists());
    }

    /// What the older layout left after a kill: user files moved into
    /// `.t.aegis-new-<pid>` with the new catalog, the old framework in
    /// `.t.aegis-old-<pid>`, `controls/t/` gone.
    #[test]
    fn leftovers_of_the_older_layout_are_put_back() {
        let v1 = fw("1", &["aa", "bb"]);
        let repo = repo_with(&v1);
        let mine = user_files(repo.path());
        let old_catalog = catalog_of(repo.path());
        let controls = repo.path().join("controls");
        let new = controls.join(".t.aegis-new-4242");
        let old = controls.join(".t.aegis-old-4242");
        std::fs::rename(controls.join("t"), &old).expect("old aside");
        std::fs::create_dir_all(&new).expect("new");
        for n in ["baselines", "source", "NOTES.md", "evidence"] {
            std::fs::rename(old.join(n), new.join(n)).expect("carried");
        }
        crate::write::write_atomic(&new.join("framework.yaml"), b"schema_version: 1\n")
            .expect("new head");
        assert!(native::framework_ids(repo.path()).is_empty());
        let notes = recover(repo.path()).expect("recover");
        assert_eq!(mine, user_files(repo.path()), "{notes:?}");
        assert_eq!(
            old_catalog,
            catalog_of(repo.path()),
            "rolled back to the old framework"
        );
        // The new framework.yaml also exists in controls/t: kept, and said.
        assert!(
            notes.iter().any(|n| n.contains(".t.aegis-kept-4242-new")),
            "{notes:?}"
        );
        assert!(!new.exists() && !old.exists());
        assert!(
            recover(repo.path()).expect("again").is_empty(),
            "noted once"
        );

        // A kill while the older layout carried files: some are in the
        // stage, some still in place, one exists in both.
        let repo = repo_with(&v1);
        let controls = repo.path().join("controls");
        let new = controls.join(".t.aegis-new-77");
        std::fs::create_dir_all(&new).expect("new");
        std::fs::rename(controls.join("t/NOTES.md"), new.join("NOTES.md")).expect("carried");
        std::fs::write(new.join("source"), "clash").expect("clash");
        let notes = recover(repo.path()).expect("recover");
        assert_eq!(
            std::fs::read_to_string(controls.join("t/NOTES.md")).expect("back"),
            "my notes"
        );
        assert_eq!(
            std::fs::read_to_string(controls.join(".t.aegis-kept-77-new/source")).expect("kept"),
            "clash"
        );
        assert_eq!(notes.len(), 2, "{notes:?}");
    }

    #[test]
    fn user_files_in_catalog_are_refused_and_links_never_written_through() {
        let v1 = fw("1", &["aa"]);
        let repo = repo_with(&v1);
        let dir = repo.path().join("controls/t");
        std::fs::write(dir.join("catalog/README.txt"), "mine").expect("user file");
        let v2 = fw("2", &["aa"]);
        let e =
            native::write_framework(repo.path(), &v2, &native::render_framework(&v2).expect("r"))
                .expect_err("refused");
        assert!(
            e.to_string().contains("README.txt") && e.to_string().contains("move it out"),
            "{e}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("catalog/README.txt")).expect("kept"),
            "mine"
        );

        #[cfg(unix)]
        {
            let elsewhere = tempfile::tempdir().expect("tmp");
            let repo = repo_with(&v1);
            let dir = repo.path().join("controls/t");
            std::fs::remove_dir_all(dir.join("baselines")).expect("rm");
            std::os::unix::fs::symlink(elsewhere.path(), dir.join("baselines")).expect("link");
            let e = native::write_one(repo.path(), "controls/t/baselines/x.yaml", "x")
                .expect_err("refused");
            assert!(matches!(e, ImportError::Symlink { .. }), "{e}");
            assert!(files(elsewhere.path()).is_empty());
            let linked = tempfile::tempdir().expect("tmp");
            let repo2 = tempfile::tempdir().expect("tmp");
            std::os::unix::fs::symlink(linked.path(), repo2.path().join("controls")).expect("link");
            assert!(matches!(
                lock(repo2.path()),
                Err(ImportError::Symlink { .. })
            ));
        }
    }

    #[test]
    fn a_second_writer_is_told_the_repository_is_busy() {
        let repo = tempfile::tempdir().expect("tmp");
        let held = lock(repo.path()).expect("first");
        let e = lock(repo.path()).expect_err("second");
        assert!(matches!(e, ImportError::Busy { .. }), "{e}");
        assert!(
            e.to_string().contains(&repo.path().display().to_string()),
            "{e}"
        );
        drop(held);
        lock(repo.path()).expect("free again");
    }
}
