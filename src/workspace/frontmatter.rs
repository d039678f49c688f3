//! Finds a policy's YAML front matter with pulldown-cmark's metadata blocks,
//! so that what counts as front matter is what Markdown tools agree on.

use pulldown_cmark::{Event, MetadataBlockKind, Options, Parser, Tag};

/// The byte range of the front matter's YAML text inside the Markdown.
#[derive(Debug, PartialEq, Eq)]
pub struct FrontMatter {
    pub start: usize,
    pub end: usize,
    pub lines_before: u32,
}

pub fn find(markdown: &str) -> Option<FrontMatter> {
    // Front matter must open the file; pulldown-cmark also accepts a block
    // later on, which would not be front matter.
    if !(markdown.starts_with("---\n") || markdown.starts_with("---\r\n")) {
        return None;
    }
    let parser = Parser::new_ext(markdown, Options::ENABLE_YAML_STYLE_METADATA_BLOCKS);
    let mut inside = false;
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Start(Tag::MetadataBlock(MetadataBlockKind::YamlStyle)) => {
                if range.start != 0 {
                    return None;
                }
                inside = true;
            }
            Event::Text(_) if inside => {
                let lines_before = markdown[..range.start].matches('\n').count();
                let end = block_text_end(markdown, range.start);
                return Some(FrontMatter {
                    start: range.start,
                    end,
                    lines_before: u32::try_from(lines_before).unwrap_or(u32::MAX),
                });
            }
            Event::End(_) if inside => {
                // An empty block: `---\n---`.
                let start = markdown.find('\n').map_or(0, |i| i + 1);
                return Some(FrontMatter {
                    start,
                    end: start,
                    lines_before: 1,
                });
            }
            _ => return None,
        }
    }
    None
}

/// The metadata text event may be split; the block ends at the closing
/// `---` or `...` line.
fn block_text_end(md: &str, start: usize) -> usize {
    let mut pos = start;
    for line in md[start..].split_inclusive('\n') {
        let t = line.trim_end_matches(['\n', '\r']);
        if t == "---" || t == "..." {
            return pos;
        }
        pos += line.len();
    }
    md.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_front_matter_and_its_offset() {
        let md = "---\nid: ac\ntitle: x\n---\n# Body\n";
        let fm = find(md).expect("front matter");
        assert_eq!(&md[fm.start..fm.end], "id: ac\ntitle: x\n");
        assert_eq!(fm.lines_before, 1);
    }

    #[test]
    fn no_front_matter_when_it_does_not_open_the_file() {
        assert_eq!(find("# Title\n---\nid: x\n---\n"), None);
        assert_eq!(find("just text\n"), None);
    }
}
