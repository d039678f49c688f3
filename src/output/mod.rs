//! Stage 4, output: one pure function per format over sorted diagnostics.

pub mod escape;
pub mod gaps;
mod github;
mod human;
mod json;
mod sarif;

use crate::diag::{Diagnostic, Summary, Weakened};
use crate::workspace::SourceFile;

/// The output formats of `validate` and `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Code frames for people (colours only on a terminal).
    Human,
    /// The versioned JSON contract other tools read.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow-command annotations, then a summary line.
    Github,
}

/// What every format is rendered from.
pub struct Report<'a> {
    pub diagnostics: &'a [Diagnostic],
    pub summary: Summary,
    /// Source texts for code frames, by path.
    pub sources: &'a [SourceFile],
    /// The failure threshold, so the human summary can say what failed.
    pub gate: crate::diag::Severity,
    /// Where the compliance repository sits inside the checked-out git
    /// repository (`""` or `"compliance/"`); GitHub annotations and SARIF
    /// locations must be relative to the checkout, not to aegis.yaml.
    pub path_prefix: String,
    /// The codes aegis.yaml lowers or switches off, named in every summary.
    pub weakened: &'a [Weakened],
    /// What the gap engine found (`aegis check`); `None` for `validate`.
    pub gaps: Option<&'a crate::assess::Assessment>,
    /// The commit evaluated (`--at`), `None` for the working tree.
    pub commit: Option<&'a crate::workspace::git::Commit>,
}

impl Report<'_> {
    fn source(&self, path: &str) -> Option<&str> {
        // aegis.yaml comes first, then the files sorted by path.
        let found = match self.sources.first() {
            Some(f) if f.path == path => Some(f),
            _ => self.sources.get(1..).and_then(|rest| {
                rest.binary_search_by(|f| f.path.as_str().cmp(path))
                    .ok()
                    .map(|i| &rest[i])
            }),
        };
        found.map(|f| f.text.as_str()).filter(|t| !t.is_empty())
    }
}

pub fn render(format: Format, report: &Report, color: bool) -> String {
    match format {
        Format::Human => human::render(report, color),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
    }
}

/// Human text for a GitHub Actions log, between `::stop-commands::` and
/// its end marker, so no line of it can act as a workflow command even if
/// something escaped the escaping. The token is the text's own SHA-256:
/// the same report gives the same bytes, and text cannot contain a marker
/// derived from its own hash.
pub fn without_commands(human: &str) -> String {
    let token = crate::digest::sha256_hex(human.as_bytes());
    format!("::stop-commands::{token}\n{human}::{token}::\n")
}
