//! Diagnostics about the user's repository: collected, sorted, never `?`-returned.
//!
//! Rendering lives in `output/`; this module only holds the data.

mod code;

pub use code::{Code, CodeInfo, Stage};

use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a diagnostic is. Ordered so that `Error > Warning > Note`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A position in a repository file. Lines and columns are 1-based; `len` is the
/// byte length of the offending text (0 when unknown) and only drives the
/// underline of a code frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    pub offset: usize,
    pub len: usize,
}

impl Pos {
    pub const START: Pos = Pos {
        line: 1,
        column: 1,
        offset: 0,
        len: 0,
    };
}

/// One finding about the repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Repository-relative path with `/` separators.
    pub file: String,
    pub pos: Pos,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, file: impl Into<String>, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.info().severity,
            file: file.into(),
            pos,
            message: message.into(),
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    fn sort_key(&self) -> (&str, u32, u32, &'static str, &str) {
        (
            &self.file,
            self.pos.line,
            self.pos.column,
            self.code.as_str(),
            &self.message,
        )
    }
}

/// Per-code severity changes from `aegis.yaml`; `None` switches a code off.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    entries: Vec<(Code, Option<Severity>)>,
}

impl Overrides {
    pub fn set(&mut self, code: Code, level: Option<Severity>) {
        self.entries.retain(|(c, _)| *c != code);
        self.entries.push((code, level));
    }

    fn apply(&self, diag: &mut Diagnostic) -> bool {
        match self.entries.iter().find(|(c, _)| *c == diag.code) {
            Some((_, Some(sev))) => {
                diag.severity = *sev;
                true
            }
            Some((_, None)) => false,
            None => true,
        }
    }
}

/// Applies overrides, then sorts by file, line, column and code so that
/// output is byte-stable whatever order the parallel stages finished in.
pub fn finish(mut diags: Vec<Diagnostic>, overrides: &Overrides) -> Vec<Diagnostic> {
    diags.retain_mut(|d| overrides.apply(d));
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diags.dedup();
    diags
}

/// A code aegis.yaml lowers or switches off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Weakened {
    pub code: Code,
    pub default: Severity,
    /// `None` when switched off.
    pub now: Option<Severity>,
    /// How many findings of the code this run had before the change.
    pub hidden: usize,
}

impl Weakened {
    /// `evidence-unhashed error→off`.
    pub fn describe(&self) -> String {
        format!(
            "{} {}→{}",
            self.code,
            self.default,
            self.now.map_or("off", Severity::as_str)
        )
    }
}

/// Counts for the summary line and the JSON contract.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl Summary {
    pub fn count(files: usize, diags: &[Diagnostic]) -> Self {
        let mut s = Summary {
            files,
            ..Summary::default()
        };
        for d in diags {
            match d.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Note => s.notes += 1,
            }
        }
        s
    }

    /// Whether any diagnostic is at or above `gate`.
    pub fn fails(&self, gate: Severity) -> bool {
        match gate {
            Severity::Error => self.errors > 0,
            Severity::Warning => self.errors + self.warnings > 0,
            Severity::Note => self.errors + self.warnings + self.notes > 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_change_and_silence_codes() {
        let mut o = Overrides::default();
        o.set(Code::EvidenceStale, Some(Severity::Error));
        o.set(Code::UnexpectedFile, None);
        let diags = vec![
            Diagnostic::new(Code::UnexpectedFile, "a.yaml", Pos::START, "x"),
            Diagnostic::new(Code::EvidenceStale, "b.yaml", Pos::START, "y"),
        ];
        let out = finish(diags, &o);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].severity, Severity::Error);
    }

    #[test]
    fn finish_sorts_by_file_line_column_code() {
        let p = |line, column| Pos {
            line,
            column,
            ..Pos::START
        };
        let diags = vec![
            Diagnostic::new(Code::UnknownKey, "b.yaml", p(1, 1), "x"),
            Diagnostic::new(Code::UnknownKey, "a.yaml", p(2, 1), "x"),
            Diagnostic::new(Code::MissingKey, "a.yaml", p(2, 1), "x"),
            Diagnostic::new(Code::UnknownKey, "a.yaml", p(1, 9), "x"),
        ];
        let out = finish(diags, &Overrides::default());
        let keys: Vec<_> = out
            .iter()
            .map(|d| (d.file.as_str(), d.pos.line, d.code.as_str()))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("a.yaml", 1, "unknown-key"),
                ("a.yaml", 2, "missing-key"),
                ("a.yaml", 2, "unknown-key"),
                ("b.yaml", 1, "unknown-key"),
            ]
        );
    }

    #[test]
    fn gate_severity_decides_failure() {
        let s = Summary {
            files: 1,
            errors: 0,
            warnings: 2,
            notes: 0,
        };
        assert!(!s.fails(Severity::Error));
        assert!(s.fails(Severity::Warning));
    }
}
