//! A [`Doc`] as Jira wiki markup, the text format of Jira Server and Data
//! Center (REST API v2). Every markup character of repository text is
//! backslash-escaped, so `*bold*`, `{code}` macros, `[~user]` mentions and
//! `[links|...]` stay text.

use crate::output::escape;
use crate::tracker::doc::{Doc, Inline};

pub fn render(doc: &Doc) -> String {
    doc.render_lines("h3. ", "* ", runs)
}

fn runs(r: &[Inline]) -> String {
    r.iter()
        .map(|i| match i {
            Inline::Text(t) => text(t),
            Inline::Strong(t) if !t.is_empty() => format!("*{}*", text(t)),
            Inline::Code(t) if !t.is_empty() => format!("{{{{{}}}}}", text(t)),
            Inline::Strong(_) | Inline::Code(_) => String::new(),
        })
        .collect()
}

/// Text with every wiki markup character escaped and line breaks flattened.
pub fn text(s: &str) -> String {
    let shown = escape::text(s);
    let mut out = String::with_capacity(shown.len() + 8);
    for c in shown.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '\\' | '*' | '_' | '-' | '+' | '^' | '~' | '?' | '{' | '}' | '[' | ']' | '|' | '!'
            | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::doc::{code, strong};

    #[test]
    fn markup_in_repository_text_stays_text() {
        assert_eq!(
            text("[~admin] {code}x{code} *b* a|b"),
            "\\[\\~admin\\] \\{code\\}x\\{code\\} \\*b\\* a\\|b"
        );
        let d = Doc::default()
            .heading("What falls short")
            .bullets(vec![vec![
                strong("missing"),
                crate::tracker::doc::text(": x"),
            ]])
            .para(vec![code("AC-2")]);
        assert_eq!(
            render(&d),
            "h3. What falls short\n\n* *missing*: x\n\n{{AC\\-2}}\n"
        );
    }
}
