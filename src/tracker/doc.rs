//! What an issue says, before it is written for a tracker: a few blocks of
//! plain text, so the one description of an item renders as GitHub
//! Markdown, Atlassian Document Format (Jira Cloud) or wiki markup (Jira
//! Server), each escaped for its target by its renderer. Nothing here is
//! markup: every string is text from the repository or from Aegis.

/// A run of text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    /// An identifier: a control, a system, an exception id.
    Code(String),
    Strong(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Heading(String),
    Para(Vec<Inline>),
    Bullets(Vec<Vec<Inline>>),
}

/// A document: an issue's body or a comment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Doc {
    pub blocks: Vec<Block>,
}

impl Doc {
    pub fn para(mut self, runs: Vec<Inline>) -> Doc {
        self.blocks.push(Block::Para(runs));
        self
    }

    pub fn heading(mut self, text: &str) -> Doc {
        self.blocks.push(Block::Heading(text.to_string()));
        self
    }

    pub fn bullets(mut self, items: Vec<Vec<Inline>>) -> Doc {
        if !items.is_empty() {
            self.blocks.push(Block::Bullets(items));
        }
        self
    }

    /// The document in a line-based markup (Markdown, Jira wiki): blocks
    /// apart by a blank line, a heading after `heading`, each bullet after
    /// `bullet`, and runs of text as `runs` writes them (escaped).
    pub fn render_lines(
        &self,
        heading: &str,
        bullet: &str,
        runs: impl Fn(&[Inline]) -> String,
    ) -> String {
        let mut out = String::new();
        for (i, b) in self.blocks.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            match b {
                Block::Heading(t) => {
                    out.push_str(heading);
                    out.push_str(&runs(&[Inline::Text(t.clone())]));
                    out.push('\n');
                }
                Block::Para(r) => {
                    out.push_str(&runs(r));
                    out.push('\n');
                }
                Block::Bullets(items) => {
                    for item in items {
                        out.push_str(bullet);
                        out.push_str(&runs(item));
                        out.push('\n');
                    }
                }
            }
        }
        out
    }

    /// The text alone, for sizes and tests.
    pub fn plain(&self) -> String {
        let mut out = String::new();
        for b in &self.blocks {
            match b {
                Block::Heading(t) => out.push_str(t),
                Block::Para(runs) => out.push_str(&plain_runs(runs)),
                Block::Bullets(items) => {
                    for i in items {
                        out.push_str("- ");
                        out.push_str(&plain_runs(i));
                        out.push('\n');
                    }
                }
            }
            out.push('\n');
        }
        out
    }
}

fn plain_runs(runs: &[Inline]) -> String {
    runs.iter()
        .map(|r| match r {
            Inline::Text(t) | Inline::Code(t) | Inline::Strong(t) => t.as_str(),
        })
        .collect()
}

pub fn text(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}

pub fn code(s: impl Into<String>) -> Inline {
    Inline::Code(s.into())
}

pub fn strong(s: impl Into<String>) -> Inline {
    Inline::Strong(s.into())
}

/// `s` on one line and at most `max` characters (with an ellipsis when
/// cut): a tracker's fields have limits, and a line break from the
/// repository must not start a block of markup.
pub fn one_line(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    if flat.chars().count() <= max {
        return flat;
    }
    let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_flattens_and_bounds() {
        assert_eq!(one_line("a\nb\r\nc", 10), "a b  c");
        assert_eq!(one_line("abcdef", 4), "abc…");
        assert_eq!(one_line("abcd", 4), "abcd");
    }
}
