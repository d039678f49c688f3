//! A [`Doc`] as GitHub-flavoured Markdown, with every string inert: no
//! markup or HTML from the repository takes effect, no `@name` pings a
//! person or team, no `#12` links (and notifies) another issue.

use super::doc::{Doc, Inline};
use crate::github;

/// The document as Markdown.
pub fn render(doc: &Doc) -> String {
    doc.render_lines("### ", "- ", runs_text)
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

/// Text that reads the same and does nothing (the GitHub client's
/// escaping: no Markdown, no HTML, no `@` mention), and a zero-width space
/// after `#` too, so `#12` links (and notifies) no issue.
pub fn inline_text(s: &str) -> String {
    // The client writes `#` as `\#`; no other `#` is left in its output
    // but those of its own `&#8203;` entities.
    github::markdown::text(s).replace("\\#", "\\#&#8203;")
}

/// An identifier as a code span, where nothing is markup or a mention.
fn code_span(s: &str) -> String {
    github::markdown::code(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::doc::{code, strong, text};

    #[test]
    fn repository_text_is_inert() {
        assert_eq!(
            inline_text("ping @octo/team about #12 <img src=x onerror=alert(1)>"),
            "ping @&#8203;octo\\/team about \\#&#8203;12 &lt;img src\\=x onerror\\=alert\\(1\\)&gt;"
        );
        assert_eq!(
            inline_text("**bold** [link](javascript:x)"),
            "\\*\\*bold\\*\\* \\[link\\]\\(javascript\\:x\\)"
        );
        // The visible escapes' backslashes are themselves escaped, so they show.
        assert_eq!(
            inline_text("line\none\x1b[31m"),
            "line\\\\none\\\\x1b\\[31m"
        );
        assert_eq!(code_span("AC-2(1)"), "`AC-2(1)`");
        assert_eq!(code_span("a`b"), "``a`b``");
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
            "Control **AC\\-2** in `ledger`\n\n### What falls short\n\n- one\n- two\n"
        );
    }
}
