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
