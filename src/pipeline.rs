//! The pipeline every gate runs: load → validate → (assess) → output.

use crate::diag::{self, Code, Diagnostic, Overrides, Pos, Severity, Summary, Weakened};
use crate::model::Date;
use crate::validate::{self, Outcome};
use crate::workspace::{self, LoadError, Workspace};
use std::collections::HashMap;
use std::path::Path;

/// A finished run: what was read, what was found, and the verdict.
pub struct Run {
    pub workspace: Workspace,
    pub outcome: Outcome,
    /// Sorted, with the repository's severity overrides applied.
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    pub gate: Severity,
    /// The codes aegis.yaml lowers or switches off, for every summary.
    pub weakened: Vec<Weakened>,
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
    let mut diagnostics = outcome.diagnostics.clone();
    let (overrides, gate, weakened) = overrides(&workspace, &outcome, &mut diagnostics);
    let (diagnostics, counts) = diag::finish(diagnostics, &overrides);
    let summary = Summary::new(workspace.files.len(), counts);
    Ok(Run {
        workspace,
        outcome,
        diagnostics,
        summary,
        gate,
        weakened,
    })
}

/// The severity changes aegis.yaml asks for. Protected codes are never
/// lowered (a `protected-code` error says so); every other lowering is
/// kept but announced by a `weakened-code` note at its line, so the
/// change is in front of whoever reviews the report.
fn overrides(
    ws: &Workspace,
    outcome: &Outcome,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Overrides, Severity, Vec<Weakened>) {
    let mut overrides = Overrides::default();
    let mut weakened = Vec::new();
    let Some(config) = &outcome.repo.config else {
        return (overrides, Severity::Error, weakened);
    };
    let config_file = &ws.files[0];
    let key_pos = |name: &str| {
        config_file
            .tree
            .as_ref()
            .map_or(Pos::START, |t| t.locate_key("/diagnostics", name))
    };
    let mut counts: HashMap<Code, usize> = HashMap::new();
    for d in diagnostics.iter() {
        *counts.entry(d.code).or_default() += 1;
    }
    let mut notes = Vec::new();
    for (name, level) in &config.diagnostics {
        let Some(code) = Code::from_name(name) else {
            continue;
        };
        let default = code.info().severity;
        let now = level.severity();
        let lowers = now.is_none_or(|s| s < default);
        let said = now.map_or("off", Severity::as_str);
        if lowers && code.is_protected() {
            notes.push(
                Diagnostic::new(
                    Code::ProtectedCode,
                    &config_file.path,
                    key_pos(name),
                    format!(
                        "`{code}` guards evidence integrity or the loader's safety and cannot be set to {said}; it stays {default}"
                    ),
                )
                .help(format!(
                    "remove `{code}` from `diagnostics:`; fix what it reports instead"
                )),
            );
            continue;
        }
        overrides.set(code, now);
        if lowers {
            let hidden = counts.get(&code).copied().unwrap_or(0);
            let effect = match (now, hidden) {
                (_, 0) => "it reports nothing in this run".to_string(),
                (None, n) => format!("{n} finding(s) are hidden"),
                (Some(s), n) => format!("{n} finding(s) are reported as {s}"),
            };
            notes.push(
                Diagnostic::new(
                    Code::WeakenedCode,
                    &config_file.path,
                    key_pos(name),
                    format!("aegis.yaml sets `{code}` to {said} (default: {default}); {effect}"),
                )
                .help(format!(
                    "if this is not intended, remove `{code}` from `diagnostics:`"
                )),
            );
            weakened.push(Weakened {
                code,
                default,
                now,
                hidden,
            });
        }
    }
    diagnostics.extend(notes);
    (overrides, config.gate.fail_on, weakened)
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
