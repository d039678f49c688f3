//! One repository file as read: its text, its parsed tree and what went wrong.

use super::yaml::Node;
use crate::diag::Diagnostic;
use crate::schema::Kind;

#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Repository-relative, `/`-separated.
    pub path: String,
    pub kind: Kind,
    /// The whole file (for code frames); empty when it could not be read.
    pub text: String,
    /// The parsed YAML (the front matter, for policies).
    pub tree: Option<Node>,
    pub(super) diagnostics: Vec<Diagnostic>,
    /// The git blob the file was read from (history, `--at`); `None` for a
    /// file read from disk.
    pub blob: Option<gix::ObjectId>,
}

impl SourceFile {
    pub(super) fn new(path: &str, kind: Kind) -> Self {
        SourceFile {
            path: path.to_string(),
            kind,
            text: String::new(),
            tree: None,
            diagnostics: Vec::new(),
            blob: None,
        }
    }

    pub(super) fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Whether reading the file found anything to say (before a workspace
    /// takes its diagnostics).
    pub fn read_clean(&self) -> bool {
        self.diagnostics.is_empty()
    }
}

/// 1-based line and column (in characters) of byte `offset` in `bytes`.
pub fn line_col(bytes: &[u8], offset: usize) -> (u32, u32) {
    let upto = &bytes[..offset.min(bytes.len())];
    let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = upto.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&upto[line_start..]).chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let t = "ab\ncé\nx".as_bytes();
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        assert_eq!(line_col(t, 6), (2, 3));
        assert_eq!(line_col(t, 7), (3, 1));
    }
}
