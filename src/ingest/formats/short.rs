//! Keeping scanner text short: the messages and observed values readers
//! carry into findings are the first lines of what the tool wrote, never a
//! whole log.

/// Lines kept of a message.
pub const LINES: usize = 4;
/// Characters kept of a message or an observed value.
pub const CHARS: usize = 400;

/// `s` trimmed, cut to its first `lines` non-blank lines and `chars`
/// characters, with `…` where something was cut; `None` when nothing is
/// left.
pub fn clip(s: &str, lines: usize, chars: usize) -> Option<String> {
    let mut out = String::new();
    let mut cut = false;
    let mut kept = 0;
    for line in s.trim().lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            continue;
        }
        if kept == lines {
            cut = true;
            break;
        }
        if kept > 0 {
            out.push('\n');
        }
        out.push_str(line);
        kept += 1;
    }
    if out.chars().count() > chars {
        out = out.chars().take(chars).collect();
        cut = true;
    }
    let out = out.trim_end().to_string();
    if out.is_empty() {
        return None;
    }
    Some(if cut { format!("{out} …") } else { out })
}

/// A message: [`clip`] with the default bounds.
pub fn message(s: &str) -> Option<String> {
    clip(s, LINES, CHARS)
}

/// A name or title on one line: white space runs (line breaks included)
/// become one space, cut to `chars` characters.
pub fn line(s: &str, chars: usize) -> Option<String> {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.is_empty() {
        return None;
    }
    if joined.chars().count() > chars {
        let cut: String = joined.chars().take(chars).collect();
        return Some(format!("{} …", cut.trim_end()));
    }
    Some(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_lines_and_characters() {
        assert_eq!(clip("\n a\n\n b \nc\n", 2, 100).as_deref(), Some("a\n b …"));
        assert_eq!(clip("abcdef", 4, 3).as_deref(), Some("abc …"));
        assert_eq!(clip("  \n ", 4, 3), None);
        assert_eq!(line(" two\n  words ", 50).as_deref(), Some("two words"));
        assert_eq!(line("abcdef", 3).as_deref(), Some("abc …"));
    }
}
