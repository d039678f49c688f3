//! Text from the repository made safe to print: file names, keys, values
//! and lines of a file reach terminals and CI logs, where a control
//! character is an instruction (a terminal escape sequence, a carriage
//! return that overwrites a line, a newline that starts a GitHub workflow
//! command such as `::error`). Every such character is shown as a visible
//! escape instead, so the text reads the same and does nothing.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a terminal or log as itself. Tabs stay: they
/// move the cursor, nothing more.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\t')
        // Line and paragraph separators end a line for some log viewers.
        || matches!(c, '\u{2028}' | '\u{2029}')
        // Bidirectional overrides and marks reorder what a reader sees
        // ("Trojan Source"), and zero-width characters hide text: an
        // auditor must read the characters that are there.
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// `s` with every unsafe character written as an escape: `\n`, `\r`,
/// `\x1b`, `\u{202e}`. Borrowed when nothing needed escaping.
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push(&mut out, c);
    }
    Cow::Owned(out)
}

/// Like [`text`] but keeping line breaks: for multi-line text a command
/// prints as it is (a table, a diff of statements). Its lines must still
/// not reach a CI log as workflow commands: see `output::without_commands`.
pub fn lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\n' {
            out.push(c);
        } else {
            push(&mut out, c);
        }
    }
    Cow::Owned(out)
}

/// Serialized JSON with every unsafe character that JSON leaves raw (C1
/// controls, bidirectional and zero-width characters, line separators)
/// written as a `\uXXXX` escape: the same document to a JSON reader, and
/// nothing that acts on a terminal or log. (serde_json already escapes the
/// C0 controls; outside strings it writes none of these characters.)
pub fn json(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) && c != '\n' {
            // Every unsafe character is in the Basic Multilingual Plane.
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn push(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if is_unsafe(c) && (c as u32) < 0x100 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if is_unsafe(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// Like [`text`], for a line shown with an underlined range: returns the
/// escaped line and the range's new bounds.
pub fn line_with_range(
    line: &str,
    range: std::ops::Range<usize>,
) -> (String, std::ops::Range<usize>) {
    let mut out = String::with_capacity(line.len());
    let (mut start, mut end) = (None, None);
    for (i, c) in line.char_indices() {
        if i == range.start {
            start = Some(out.len());
        }
        if i == range.end {
            end = Some(out.len());
        }
        push(&mut out, c);
    }
    let start = start.unwrap_or(out.len());
    let end = end.unwrap_or(out.len()).max(start);
    (out, start..end)
}

/// The longest run of `c` in `s`: a Markdown fence or code span around
/// `s` must be longer.
pub fn longest_run(s: &str, c: char) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for ch in s.chars() {
        if ch == c {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// A CSV cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
/// tab, carriage return first) is prefixed with `'`, so it stays text.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// Text made inert in a Markdown table cell: control characters shown,
/// markup characters and HTML escaped, pipes kept inside the cell.
pub fn markdown_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in text(s).chars() {
        match ch {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            '*' | '_' | '`' | '[' | ']' | '\\' | '#' | '!' => {
                out.push('\\');
                out.push(ch);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(text("plain é"), "plain é");
        assert_eq!(
            text("x\n::error file=a::pwn\r\x1b[31m\x07"),
            "x\\n::error file=a::pwn\\r\\x1b[31m\\x07"
        );
        assert_eq!(text("a\u{202e}b\u{9b}"), "a\\u{202e}b\\x9b");
        assert_eq!(text("tab\tstays"), "tab\tstays");
    }

    #[test]
    fn lines_keep_their_breaks_and_lose_the_rest() {
        assert_eq!(lines("a\r\n\x1b[2Jb\n"), "a\\r\n\\x1b[2Jb\n");
        assert_eq!(text("\u{200b}\u{feff}"), "\\u{200b}\\u{feff}");
    }

    #[test]
    fn json_stays_json() {
        let doc = serde_json::json!({"t": "a\u{202e}b\u{9b}c\u{1b}"});
        let text = serde_json::to_string_pretty(&doc).expect("json");
        let safe = json(&text);
        assert!(
            !safe.contains('\u{202e}') && !safe.contains('\u{9b}'),
            "{safe}"
        );
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still json");
        assert_eq!(back, doc);
    }

    #[test]
    fn ranges_follow_the_escapes() {
        let (line, range) = line_with_range("\x1bab: v", 1..3);
        assert_eq!(line, "\\x1bab: v");
        assert_eq!(&line[range], "ab");
    }
}
