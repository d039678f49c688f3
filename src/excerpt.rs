//! Untrusted input as it may appear in an error message: short, and with
//! control characters escaped.
//!
//! Parsers quote the input they choke on (serde's `invalid type: string
//! "..."` quotes a whole scalar, which for a file read by mistake is the
//! whole file), and an id or href read from a source can be any length.
//! Everything a message echoes from a source goes through here, so no
//! message carries more than [`MAX_CHARS`] characters of input text and no
//! terminal escape sequence from a hostile file reaches the user's screen.

/// The most characters of input text one message carries.
pub const MAX_CHARS: usize = 100;

/// The longest quoted fragment kept inside a parser's message, so the
/// message's own words ("expected a sequence") survive the cap.
const MAX_QUOTED: usize = 40;

/// `s` (text read from a source) with control and invisible formatting
/// characters escaped, cut to [`MAX_CHARS`] characters.
pub fn text(s: &str) -> String {
    clip(&escape(s), MAX_CHARS)
}

/// A parser's message about a source: quoted fragments cut to a few dozen
/// characters, control characters escaped, the whole cut to
/// [`MAX_CHARS`] characters.
pub fn message(m: &str) -> String {
    clip(&escape(&shorten_quotes(m)), MAX_CHARS)
}

/// Characters that would move the cursor, recolour the terminal or reorder
/// the text around them are shown as escapes (`\n`, `\x1b`), by the same
/// rules as every other output; only a bounded prefix is looked at, since
/// nothing past the cap is shown.
fn escape(s: &str) -> String {
    let end = s
        .char_indices()
        .nth(8 * MAX_CHARS)
        .map_or(s.len(), |(i, _)| i);
    crate::output::escape::text(&s[..end]).into_owned()
}

/// `s` cut to `max` characters, with an ellipsis when cut.
pub(crate) fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some(_) => {
            let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
            out.push('…');
            out
        }
    }
}

/// Cuts every `"..."` and `` `...` `` fragment longer than [`MAX_QUOTED`]
/// characters (a backslash escapes the next character, as in serde's and
/// quick-xml's quoting).
fn shorten_quotes(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(4 * MAX_CHARS));
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '"' && c != '`' {
            continue;
        }
        let mut inner = String::new();
        let mut closed = false;
        while let Some(d) = chars.next() {
            if d == '\\' {
                inner.push(d);
                if let Some(e) = chars.next() {
                    inner.push(e);
                }
                continue;
            }
            if d == c {
                closed = true;
                break;
            }
            inner.push(d);
        }
        if inner.chars().count() > MAX_QUOTED {
            out.extend(inner.chars().take(MAX_QUOTED));
            out.push('…');
        } else {
            out.push_str(&inner);
        }
        if closed {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_file_quoted_by_serde_becomes_a_short_excerpt() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n".repeat(200);
        let m = format!("invalid type: string {passwd:?}, expected struct Root at line 1 column 2");
        let short = message(&m);
        assert!(short.chars().count() <= MAX_CHARS, "{short}");
        assert!(
            short.starts_with("invalid type: string \"root:x:0:0"),
            "{short}"
        );
        assert!(!short.contains('\n'));
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(text("a\u{1b}[31mb\nc"), "a\\x1b[31mb\\nc");
        assert_eq!(text("\u{202e}x"), "\\u{202e}x");
    }

    #[test]
    fn long_text_is_cut_and_short_text_kept() {
        assert_eq!(text("ac-1"), "ac-1");
        let long = "x".repeat(10_000);
        let t = text(&long);
        assert_eq!(t.chars().count(), MAX_CHARS);
        assert!(t.ends_with('…'));
        let q = message(&format!(
            "unknown variant `{long}`, expected one of `a`, `b`"
        ));
        assert!(q.contains("expected one of `a`, `b`"), "{q}");
    }
}
