//! A [`Doc`] as GitHub-flavoured Markdown, with every string inert: no
//! markup or HTML from the repository takes effect, no `@name` pings a
//! person or team, no `#12` links (and notifies) another issue.

use super::doc::{Block, Doc, Inline};
use crate::output::escape;

/// The document as Markdown.
pub fn render(doc: &Doc) -> String {
    let mut out = String::new();
    for (i, b) in doc.blocks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match b {
            Block::Heading(t) => {
                out.push_str("### ");
                out.push_str(&inline_text(t));
                out.push('\n');
            }
            Block::Para(runs) => {
                out.push_str(&runs_text(runs));
                out.push('\n');
            }
            Block::Bullets(items) => {
                for item in items {
                    out.push_str("- ");
                    out.push_str(&runs_text(item));
                    out.push('\n');
                }
            }
        }
    }
    out
}

fn runs_text(runs: &[Inline]) -> String {
    runs.iter()
        .map(|r| match r {
            Inline::Text(t) => inline_text(t),
            Inline::Strong(t) => format!("**{}**", inline_text(t)),
            Inline::Code(t) => code_span(t),
        })
        .collect()
}

/// Text that reads the same and does nothing: control characters shown
/// as escapes, Markdown punctuation backslash-escaped, HTML characters as
/// entities, and a zero-width space after `@` and `#` so neither a
/// mention nor an issue reference forms (Renovate's way).
pub fn inline_text(s: &str) -> String {
    let shown = escape::text(s);
    let mut out = String::with_capacity(shown.len() + 8);
    for c in shown.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' => out.push_str("@&#8203;"),
            '#' => out.push_str("\\#&#8203;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '!' | '{' | '}' | '(' | ')' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// An identifier in a code span (where nothing is markup and nobody is
/// mentioned), unless it holds a backtick: then as escaped text.
fn code_span(s: &str) -> String {
    let shown = escape::text(s);
    if shown.is_empty() || shown.contains('`') || shown.starts_with(' ') || shown.ends_with(' ') {
        return inline_text(s);
    }
    format!("`{shown}`")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::doc::{code, strong, text};

    #[test]
    fn repository_text_is_inert() {
        assert_eq!(
            inline_text("ping @octo/team about #12 <img src=x onerror=alert(1)>"),
            "ping @&#8203;octo/team about \\#&#8203;12 &lt;img src=x onerror=alert\\(1\\)&gt;"
        );
        assert_eq!(
            inline_text("**bold** [link](javascript:x)"),
            "\\*\\*bold\\*\\* \\[link\\]\\(javascript:x\\)"
        );
        // The visible escapes' backslashes are themselves escaped, so they show.
        assert_eq!(
            inline_text("line\none\x1b[31m"),
            "line\\\\none\\\\x1b\\[31m"
        );
        assert_eq!(code_span("AC-2(1)"), "`AC-2(1)`");
        assert_eq!(code_span("a`b"), "a\\`b");
    }

    #[test]
    fn blocks_render_as_markdown() {
        let d = Doc::default()
            .para(vec![
                text("Control "),
                strong("AC-2"),
                text(" in "),
                code("ledger"),
            ])
            .heading("What falls short")
            .bullets(vec![vec![text("one")], vec![text("two")]]);
        assert_eq!(
            render(&d),
            "Control **AC-2** in `ledger`\n\n### What falls short\n\n- one\n- two\n"
        );
    }
}
