//! The pipeline every gate runs: load → validate → (assess) → output.

use crate::diag::{self, Diagnostic, Overrides, Severity, Summary};
use crate::model::Date;
use crate::validate::{self, Outcome};
use crate::workspace::{self, LoadError, Workspace};
use std::path::Path;

/// A finished run: what was read, what was found, and the verdict.
pub struct Run {
    pub workspace: Workspace,
    pub outcome: Outcome,
    /// Sorted, with the repository's severity overrides applied.
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    pub gate: Severity,
}

impl Run {
    pub fn failed(&self) -> bool {
        self.summary.fails(self.gate)
    }
}

/// Loads and validates the repository at `root`, judging dates as of `as_of`.
pub fn validate(root: &Path, as_of: Date) -> Result<Run, LoadError> {
    let workspace = workspace::load(root)?;
    let outcome = validate::run(&workspace, &validate::Options { as_of });
    let mut overrides = Overrides::default();
    let mut gate = Severity::Error;
    if let Some(config) = &outcome.repo.config {
        gate = config.gate.fail_on;
        for (name, level) in &config.diagnostics {
            if let Some(code) = diag::Code::from_name(name) {
                overrides.set(code, level.severity());
            }
        }
    }
    let diagnostics = diag::finish(outcome.diagnostics.clone(), &overrides);
    let summary = Summary::count(workspace.files.len(), &diagnostics);
    Ok(Run {
        workspace,
        outcome,
        diagnostics,
        summary,
        gate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn copy_dir(from: &Path, to: &Path) {
        for entry in walkdir::WalkDir::new(from) {
            let entry = entry.expect("walk");
            let rel = entry.path().strip_prefix(from).expect("prefix");
            let dest = to.join(rel);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&dest).expect("mkdir");
            } else {
                std::fs::copy(entry.path(), &dest).expect("copy");
            }
        }
    }

    /// Every file of the example repository, cut short at many points and
    /// with bytes flipped, must give diagnostics, never a panic.
    #[test]
    fn validation_survives_damaged_files() {
        let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/saas");
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&example, dir.path());
        let as_of = Date::new(2026, 6, 1).expect("date");
        let files: Vec<PathBuf> = walkdir::WalkDir::new(dir.path())
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "md"))
            .collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for path in &files {
            let original = std::fs::read(path).expect("read");
            for round in 0..6u64 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let mut damaged = original.clone();
                if round % 2 == 0 {
                    damaged.truncate((seed as usize) % (original.len() + 1));
                } else if !damaged.is_empty() {
                    let i = (seed as usize) % damaged.len();
                    damaged[i] = (seed >> 8) as u8;
                }
                std::fs::write(path, &damaged).expect("write");
                let run = validate(dir.path(), as_of).expect("repository still loads");
                assert!(run.summary.files > 0);
            }
            std::fs::write(path, &original).expect("restore");
        }
    }
}
