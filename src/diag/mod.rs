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

/// At most this many diagnostics of one code are listed for one file; the
/// rest are folded into one that says how many there are. A file with
/// thousands of the same mistake needs the first few and a count, and the
/// bound keeps every report's size proportional to what a reader can use.
pub const PER_FILE_AND_CODE: usize = 100;

/// Applies overrides, then sorts by file, line, column and code so that
/// output is byte-stable whatever order the parallel stages finished in,
/// then folds what is over [`PER_FILE_AND_CODE`]. Returns the diagnostics
/// to list and the counts of every finding, folded ones included.
pub fn finish(mut diags: Vec<Diagnostic>, overrides: &Overrides) -> (Vec<Diagnostic>, Counts) {
    diags.retain_mut(|d| overrides.apply(d));
    // Ties broken on every field, so which copies `dedup` drops does not
    // depend on the order the stages emitted them in.
    diags.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.help.cmp(&b.help))
            .then_with(|| a.severity.cmp(&b.severity))
    });
    diags.dedup();
    let mut counts = Counts::of(&diags);
    let (listed, folded) = fold(diags);
    counts.folded = folded;
    (listed, counts)
}

/// The diagnostics to list, and how many findings are not listed one by
/// one (each fold's marker stands for itself and those after it).
fn fold(diags: Vec<Diagnostic>) -> (Vec<Diagnostic>, usize) {
    use std::collections::HashMap;
    let mut seen: HashMap<(&str, Code), usize> = HashMap::new();
    for d in &diags {
        *seen.entry((d.file.as_str(), d.code)).or_default() += 1;
    }
    if seen.values().all(|n| *n <= PER_FILE_AND_CODE) {
        return (diags, 0);
    }
    let totals: HashMap<(String, Code), usize> = seen
        .into_iter()
        .filter(|(_, n)| *n > PER_FILE_AND_CODE)
        .map(|((f, c), n)| ((f.to_string(), c), n))
        .collect();
    let folded = totals.values().map(|n| n - PER_FILE_AND_CODE).sum();
    let mut listed: HashMap<(String, Code), usize> = HashMap::new();
    let mut out = Vec::with_capacity(
        diags
            .len()
            .min(totals.len() * (PER_FILE_AND_CODE + 1) + 1024),
    );
    for d in diags {
        let key = (d.file.clone(), d.code);
        let Some(total) = totals.get(&key) else {
            out.push(d);
            continue;
        };
        let n = listed.entry(key).or_default();
        *n += 1;
        if *n <= PER_FILE_AND_CODE {
            out.push(d);
        } else if *n == PER_FILE_AND_CODE + 1 {
            let more = total - PER_FILE_AND_CODE;
            out.push(Diagnostic {
                message: format!(
                    "{more} more `{}` finding(s) in this file from here on are not listed (the first {PER_FILE_AND_CODE} are)",
                    d.code
                ),
                help: Some("fix the ones listed and run again, or fix the file's source (it is probably generated)".into()),
                ..d
            });
        }
    }
    (out, folded)
}

/// Findings by severity, folded ones included.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Findings not listed one by one (see [`PER_FILE_AND_CODE`]).
    pub folded: usize,
}

impl Counts {
    fn of(diags: &[Diagnostic]) -> Self {
        let mut c = Counts::default();
        for d in diags {
            match d.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Note => c.notes += 1,
            }
        }
        c
    }
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

/// Counts for the summary line and the JSON contract: every finding,
/// including those folded out of the list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Findings counted above but not listed one by one.
    pub folded: usize,
}

impl Summary {
    pub fn new(files: usize, counts: Counts) -> Self {
        Summary {
            files,
            errors: counts.errors,
            warnings: counts.warnings,
            notes: counts.notes,
            folded: counts.folded,
        }
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
        let (out, _) = finish(diags, &o);
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
        let (out, _) = finish(diags, &Overrides::default());
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
    fn many_findings_of_one_code_in_one_file_are_folded_and_counted() {
        let p = |line| Pos { line, ..Pos::START };
        let mut diags: Vec<Diagnostic> = (1..=250)
            .map(|i| Diagnostic::new(Code::UnknownEvidence, "a.yaml", p(i), "x"))
            .collect();
        diags.push(Diagnostic::new(Code::UnknownKey, "a.yaml", p(7), "y"));
        diags.push(Diagnostic::new(Code::UnknownEvidence, "b.yaml", p(1), "z"));
        let (out, counts) = finish(diags, &Overrides::default());
        assert_eq!(counts.errors, 252);
        assert_eq!(counts.folded, 150);
        let in_a = out
            .iter()
            .filter(|d| d.file == "a.yaml" && d.code == Code::UnknownEvidence)
            .count();
        assert_eq!(in_a, PER_FILE_AND_CODE + 1);
        let marker = out
            .iter()
            .find(|d| d.message.starts_with("150 more"))
            .expect("marker");
        assert_eq!(marker.pos.line, 101);
        assert_eq!(out.len(), PER_FILE_AND_CODE + 3);
    }

    #[test]
    fn gate_severity_decides_failure() {
        let s = Summary {
            files: 1,
            errors: 0,
            warnings: 2,
            notes: 0,
            folded: 0,
        };
        assert!(!s.fails(Severity::Error));
        assert!(s.fails(Severity::Warning));
    }
}
