//! Repository text made safe inside GitHub-flavoured Markdown (PR comments,
//! PR bodies, job summaries): no HTML (so no closing of our hidden marker
//! and no injected markup), no Markdown structure from the input, no
//! `@mention` pings and no control characters.

use crate::output::escape;

/// Inline text: every Markdown and HTML special character escaped, line
/// breaks as spaces, `@` followed by a zero-width space (GitHub notifies
/// nobody for `@&#8203;name`, as Dependabot does it).
pub fn text(s: &str) -> String {
    let shown = escape::text(s);
    let mut out = String::with_capacity(shown.len() + 8);
    for c in shown.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' => out.push_str("@&#8203;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '!' | '|' | '~' | '$' | '{'
            | '}' | '+' | '-' | '.' | '"' | '\'' | ':' | ';' | '=' | '^' | '?' | ',' | '/'
            | '%' => {
                // Only ASCII punctuation is escapable in CommonMark; these are.
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Markdown from elsewhere with every would-be `@mention` (an `@` at the
/// start or after a character that is not a letter, digit or backtick)
/// broken by a zero-width space, so posting it pings nobody.
pub fn no_mentions(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut prev: Option<char> = None;
    for c in md.chars() {
        out.push(c);
        if c == '@' && prev.is_none_or(|p| !(p.is_alphanumeric() || p == '`')) {
            out.push_str("&#8203;");
        }
        prev = Some(c);
    }
    out
}

/// Identifier-like text (ids, paths, refs) as a code span: shown verbatim,
/// nothing inside is Markdown, HTML or a mention.
pub fn code(s: &str) -> String {
    let shown = escape::text(s).replace(['\n', '\r'], " ");
    // The fence is one backtick longer than the longest run inside.
    let fence = "`".repeat(escape::longest_run(&shown, '`') + 1);
    let pad = if shown.starts_with('`') || shown.ends_with('`') || shown.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{shown}{pad}{fence}")
}

/// `s` cut to at most `max` characters on a character boundary.
pub fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_html_no_mentions_no_markdown() {
        assert_eq!(text("<!-- x -->"), "&lt;\\!\\-\\- x \\-\\-&gt;");
        assert_eq!(text("ping @admin"), "ping @&#8203;admin");
        assert_eq!(text("**bold** [l](u)"), "\\*\\*bold\\*\\* \\[l\\]\\(u\\)");
        assert_eq!(text("a\nb\u{1b}"), "a\\\\nb\\\\x1b");
    }

    #[test]
    fn mentions_are_broken() {
        assert_eq!(no_mentions("@a b@c (@d)"), "@&#8203;a b@c (@&#8203;d)");
    }

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code("AC-2"), "`AC-2`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("@x <b>"), "`@x <b>`");
    }
}
