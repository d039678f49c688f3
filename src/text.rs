//! Free text a lifecycle command writes into a record (an owner, an
//! approver, a reason, a statement). A record is read again by people in
//! pull requests and by every later command, so what goes in must read as
//! what it is: a line break in an owner makes a second YAML key look like
//! part of a name in a diff, a terminal escape or a bidirectional override
//! shows a reviewer something other than what was approved. Every command
//! checks its text fields here, so they all refuse the same characters with
//! the same words.

/// Why `c` cannot be in any text field, when it cannot: control characters
/// other than the line breaks and tabs multi-line text may hold, the
/// Unicode line separators, and the bidirectional embeddings, overrides
/// and isolates that reorder what a reader sees ("Trojan Source").
fn forbidden(c: char) -> Option<&'static str> {
    match c {
        '\u{2028}' | '\u{2029}' => Some("a Unicode line separator"),
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
            Some("a bidirectional override, which reorders what a reader sees")
        }
        c if c.is_control() => Some("a control character"),
        _ => None,
    }
}

/// A problem of `text` as a one-line field (a name, an owner, a reason),
/// if it has one: empty, spanning lines, or holding a control character
/// (a tab included).
pub fn line_problem(what: &str, text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return Some(format!("{what} is empty"));
    }
    if text.contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
        return Some(format!("{what} must be one line"));
    }
    character_problem(what, text, |_| false)
}

/// A problem of `text` as a multi-line field (a statement, a
/// justification, a note), if it has one: empty, or holding a control
/// character other than a line break (`\n`) or a tab. A carriage return is
/// refused too: lines end with `\n` in a record.
pub fn lines_problem(what: &str, text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return Some(format!("{what} is empty"));
    }
    character_problem(what, text, |c| c == '\n' || c == '\t')
}

fn character_problem(what: &str, text: &str, allowed: impl Fn(char) -> bool) -> Option<String> {
    let (at, c, why) = text
        .chars()
        .enumerate()
        .filter(|(_, c)| !allowed(*c))
        .find_map(|(i, c)| forbidden(c).map(|why| (i, c, why)))?;
    Some(format!(
        "{what} holds {why} (U+{:04X}, character {}); remove it",
        c as u32,
        at + 1
    ))
}

/// Pushes the problem of the one-line field `text` onto `problems`, if any.
pub fn check_line(what: &str, text: &str, problems: &mut Vec<String>) {
    problems.extend(line_problem(what, text));
}

/// Pushes the problem of the multi-line field `text` onto `problems`, if any.
pub fn check_lines(what: &str, text: &str, problems: &mut Vec<String>) {
    problems.extend(lines_problem(what, text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_fields_refuse_breaks_and_control_characters() {
        assert_eq!(line_problem("the owner", "@appsec"), None);
        assert_eq!(line_problem("the owner", "Zoë Müller"), None);
        assert_eq!(
            line_problem("the owner", "  "),
            Some("the owner is empty".into())
        );
        for broken in ["a\nb", "a\r", "a\u{2028}b"] {
            assert_eq!(
                line_problem("the owner", broken),
                Some("the owner must be one line".into()),
                "{broken:?}"
            );
        }
        assert_eq!(
            line_problem("the owner", "ops\u{1b}[31m"),
            Some("the owner holds a control character (U+001B, character 4); remove it".into())
        );
        assert!(line_problem("the owner", "a\tb").is_some());
        assert!(line_problem("the owner", "a\u{85}b").is_some());
        assert!(
            line_problem("the owner", "admin\u{202e}nimda")
                .is_some_and(|p| p.contains("bidirectional"))
        );
    }

    #[test]
    fn multi_line_fields_keep_line_breaks_and_tabs_only() {
        assert_eq!(lines_problem("the statement", "One.\n\n\tTwo.\n"), None);
        assert_eq!(
            lines_problem("the statement", "\n \n"),
            Some("the statement is empty".into())
        );
        assert!(
            lines_problem("the statement", "One.\r\nTwo.").is_some_and(|p| p.contains("U+000D"))
        );
        assert!(lines_problem("the statement", "bell\u{7}").is_some());
        assert!(lines_problem("the statement", "a\u{2066}b").is_some());
        assert!(lines_problem("the statement", "a\u{2029}b").is_some());
    }
}
