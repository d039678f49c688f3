//! Finds a policy's YAML front matter: a first line of `---`, then YAML,
//! then a line of `---` (or `...`). Trailing spaces and tabs on either
//! marker line are allowed, as static-site generators allow them; an
//! editor that leaves them must not turn the policy into something else.

/// The byte range of the front matter's YAML text inside the Markdown.
#[derive(Debug, PartialEq, Eq)]
pub struct FrontMatter {
    pub start: usize,
    pub end: usize,
    pub lines_before: u32,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    FrontMatter(FrontMatter),
    /// The file opens front matter but no line closes it.
    NotClosed,
    /// The file does not start with a `---` line.
    Missing,
}

/// Whether `line` (without its line break) is the marker `mark` with
/// nothing after it but spaces or tabs.
fn is_marker(line: &str, mark: &str) -> bool {
    line.strip_prefix(mark)
        .is_some_and(|rest| rest.trim_end_matches([' ', '\t', '\r']).is_empty())
}

pub fn find(markdown: &str) -> Found {
    let mut lines = markdown.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return Found::Missing;
    };
    if !is_marker(first.trim_end_matches('\n'), "---") {
        return Found::Missing;
    }
    let start = first.len();
    let mut pos = start;
    for line in lines {
        let text = line.trim_end_matches('\n');
        if is_marker(text, "---") || is_marker(text, "...") {
            return Found::FrontMatter(FrontMatter {
                start,
                end: pos,
                lines_before: 1,
            });
        }
        pos += line.len();
    }
    Found::NotClosed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(md: &str) -> Option<&str> {
        match find(md) {
            Found::FrontMatter(fm) => Some(&md[fm.start..fm.end]),
            _ => None,
        }
    }

    #[test]
    fn finds_front_matter_and_its_offset() {
        let md = "---\nid: ac\ntitle: x\n---\n# Body\n";
        assert_eq!(text(md), Some("id: ac\ntitle: x\n"));
        assert_eq!(text("---\n---\n"), Some(""));
        assert_eq!(text("---\r\nid: x\r\n...\r\nbody"), Some("id: x\r\n"));
    }

    #[test]
    fn marker_lines_may_end_in_spaces() {
        assert_eq!(text("---  \nid: x\n---\t \n# Body\n"), Some("id: x\n"));
        // A longer run of dashes is a thematic break, not a marker.
        assert_eq!(text("---\nid: x\n----\n"), None);
    }

    #[test]
    fn no_front_matter_when_it_does_not_open_the_file() {
        assert_eq!(find("# Title\n---\nid: x\n---\n"), Found::Missing);
        assert_eq!(find("just text\n"), Found::Missing);
        assert_eq!(find(""), Found::Missing);
    }

    #[test]
    fn unclosed_front_matter_is_told_apart() {
        assert_eq!(find("---\nid: x\ntitle: y\n"), Found::NotClosed);
    }
}
