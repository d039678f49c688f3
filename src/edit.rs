//! Edits of the top-level keys of a YAML record, or of a Markdown file's
//! front matter, that keep every byte the edit is not about: comments, key
//! order, quoting, blank lines, line endings and the Markdown body stay as
//! the author wrote them, so a command that renews, closes or bumps a
//! record makes a diff of only the lines it means to change.
//!
//! What it cannot edit safely it refuses with a reason instead of guessing:
//! a top level that is not a block mapping (`{a: 1}`, a list), more than one
//! document, anchors or aliases in the key being edited (or a `<<` merge at
//! the top level), tabs in indentation. Every result is parsed again and
//! compared with what was meant: the edited key holds the new value and
//! every other key holds what it held before, or the edit is refused.

use crate::workspace::edit::{self as inplace, line_end};
use crate::workspace::{frontmatter, yaml};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};
use std::ops::Range;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditError {
    #[error("the YAML cannot be read (line {line}, column {column}): {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "the file holds more than one YAML document (another begins on line {line}); Aegis edits files of one document"
    )]
    MultiDocument { line: usize },
    #[error(
        "the top level is {found}, not a block mapping of `key: value` lines, so it cannot be edited in place; write it as `key: value` lines"
    )]
    NotBlockMapping { found: &'static str },
    #[error(
        "`{key}` (line {line}) uses an anchor or alias (`&name`, `*name`), so editing it could change other keys; write the values out in full first"
    )]
    Anchored { key: String, line: usize },
    #[error(
        "the top level merges another mapping (`<<`, line {line}), so a key set here might not be the key that counts; write the merged keys out in full first"
    )]
    MergeKey { line: usize },
    #[error(
        "the key on line {line} is not a plain `key:` (an explicit `?` key or a key spanning lines), so it cannot be edited in place"
    )]
    ComplexKey { line: usize },
    #[error("line {line} is indented with a tab; YAML indentation must be spaces")]
    Tab { line: usize },
    #[error("`{0}` is not a key this editor writes (letters, digits, `_` and `-` only)")]
    BadKey(String),
    #[error("the new value of `{key}` is not valid YAML: {message}")]
    BadValue { key: String, message: String },
    #[error("`{key}` is not a block list (`- item` lines), so an item cannot be added in place")]
    NotList { key: String },
    #[error("editing `{key}` would {problem}; the file was left unchanged")]
    Broken { key: String, problem: String },
    #[error(
        "the file has no front matter (a first line `---`, the YAML, then a closing `---` line)"
    )]
    NoFrontMatter,
    #[error("the front matter opened on line 1 is never closed by a `---` line")]
    FrontMatterNotClosed,
}

/// `text` with the top-level key `key` set to `value`, YAML as a serializer
/// writes it at column 0 (`2027-01-31`, `"a: b"`, `- a\n- b\n`,
/// `|-\n  two\n  lines\n`). An existing key keeps its place, its own
/// spelling (quotes) and, when a one-line value replaces a one-line value,
/// the comment after it; a missing key is added after the last one.
pub fn set_key(text: &str, key: &str, value: &str) -> Result<String, EditError> {
    set_key_after(text, key, value, None)
}

/// As [`set_key`]; a missing key is added just after the key `after` when
/// the file has it (and after the last key when not).
pub fn set_key_after(
    text: &str,
    key: &str,
    value: &str,
    after: Option<&str>,
) -> Result<String, EditError> {
    check_key(key)?;
    with_lf(text, |text| {
        let layout = scan(text)?;
        let new = parse_value(key, value)?;
        let rendered = render(value, &new, layout.indent);
        let out = match layout.find(key) {
            Some(e) => {
                layout.refuse_anchored(e)?;
                replace(text, e, &rendered)
            }
            None => {
                let at = after
                    .and_then(|a| layout.find(a))
                    .or(layout.entries.last())
                    .map_or(text.len(), |e| e.region.end);
                insert_entry(text, at, layout.indent, key, &rendered)
            }
        };
        let before = yaml_tree(text)?;
        verify(&before, &out, key, Some(&new))?;
        Ok(out)
    })
}

/// [`set_key`] with `value` serialized (dates, lists, records).
pub fn set_value<T: serde::Serialize>(
    text: &str,
    key: &str,
    value: &T,
) -> Result<String, EditError> {
    let yaml = to_yaml(key, value)?;
    set_key(text, key, &yaml)
}

/// [`set_key_after`] with `value` serialized: a missing key goes where the
/// record's field order puts it rather than at the end.
pub fn set_value_after<T: serde::Serialize>(
    text: &str,
    key: &str,
    value: &T,
    after: Option<&str>,
) -> Result<String, EditError> {
    let yaml = to_yaml(key, value)?;
    set_key_after(text, key, &yaml, after)
}

/// `text` without the top-level key `key` and its value (the comment lines
/// above it stay: they may be about more than the key). A missing key
/// leaves the text as it is.
pub fn remove_key(text: &str, key: &str) -> Result<String, EditError> {
    with_lf(text, |text| {
        let layout = scan(text)?;
        let Some(e) = layout.find(key) else {
            return Ok(text.to_string());
        };
        layout.refuse_anchored(e)?;
        let mut out = String::with_capacity(text.len());
        out.push_str(&text[..e.line_start]);
        out.push_str(&text[e.region.end..]);
        let before = yaml_tree(text)?;
        verify(&before, &out, key, None)?;
        Ok(out)
    })
}

/// The text of the top-level key `key`'s value as written, from just past
/// `key:` to the end of its last line, comments included (`" 3  # likely\n"`,
/// `"\n  min: 1\n  max: 2\n"`), with LF line breaks: what moving a key
/// elsewhere needs to keep the author's spelling. `None` when the file has
/// no such key.
pub fn value_text(text: &str, key: &str) -> Result<Option<String>, EditError> {
    let text = text.replace("\r\n", "\n");
    let layout = scan(&text)?;
    let Some(e) = layout.find(key) else {
        return Ok(None);
    };
    layout.refuse_anchored(e)?;
    let colon = text[e.key_end..]
        .find(':')
        .map_or(e.key_end, |i| e.key_end + i + 1);
    Ok(Some(text[colon..e.region.end].to_string()))
}

/// `text` with `item` (YAML of one list item as a serializer writes it at
/// column 0, e.g. a mapping `a: 1\nb: 2\n`) added at the end of the block
/// list under the top-level key `key`, kept in that list's indentation. A
/// missing key (or an empty `[]` or null one) becomes a block list, added
/// after the key `after` (or after the last key).
pub fn append_item(
    text: &str,
    key: &str,
    item: &str,
    after: Option<&str>,
) -> Result<String, EditError> {
    check_key(key)?;
    let item_node = parse_value(key, item)?;
    with_lf(text, |text| {
        let layout = scan(text)?;
        if let Some(e) = layout.find(key) {
            layout.refuse_anchored(e)?;
        }
        let tree = yaml_tree(text)?;
        let after = after
            .filter(|a| layout.find(a).is_some())
            .or(layout.entries.last().map(|e| e.key.as_str()))
            .unwrap_or("");
        let out = inplace::append_item(text, &tree, key, item, after).map_err(|e| match e {
            inplace::EditError::NotBlockMapping => EditError::NotBlockMapping {
                found: "a flow mapping",
            },
            _ => EditError::NotList { key: key.into() },
        })?;
        let mut want = match tree.get(key).map(|n| n.to_json()) {
            Some(serde_json::Value::Array(items)) => items,
            _ => Vec::new(),
        };
        want.push(item_node);
        verify(&tree, &out, key, Some(&serde_json::Value::Array(want)))?;
        Ok(out)
    })
}

/// `text` without item `index` of the block list under the top-level key
/// `key`: the lines from its `- ` to the end of its value go; comment lines
/// above it stay (they may be about more than the item). A flow list
/// (`[a, b]`) is refused.
pub fn remove_item(text: &str, key: &str, index: usize) -> Result<String, EditError> {
    check_key(key)?;
    with_lf(text, |text| {
        let layout = scan(text)?;
        let not_list = || EditError::NotList { key: key.into() };
        let e = layout.find(key).ok_or_else(not_list)?;
        layout.refuse_anchored(e)?;
        let tree = yaml_tree(text)?;
        let lines = inplace::item_lines(text, &tree, key, index).map_err(|_| not_list())?;
        let mut want = match tree.get(key).map(|n| n.to_json()) {
            Some(serde_json::Value::Array(items)) if index < items.len() => items,
            _ => return Err(not_list()),
        };
        want.remove(index);
        let mut out = String::with_capacity(text.len());
        out.push_str(&text[..lines.start]);
        out.push_str(&text[lines.end..]);
        verify(&tree, &out, key, Some(&serde_json::Value::Array(want)))?;
        Ok(out)
    })
}

/// [`append_item`] with `item` serialized.
pub fn append_value<T: serde::Serialize>(
    text: &str,
    key: &str,
    item: &T,
    after: Option<&str>,
) -> Result<String, EditError> {
    let yaml = to_yaml(key, item)?;
    append_item(text, key, &yaml, after)
}

/// The byte range of a Markdown file's front matter YAML (between the
/// opening `---` line and the closing one).
pub fn front_matter(markdown: &str) -> Result<Range<usize>, EditError> {
    match frontmatter::find(markdown) {
        frontmatter::Found::FrontMatter(fm) => Ok(fm.start..fm.end),
        frontmatter::Found::NotClosed => Err(EditError::FrontMatterNotClosed),
        frontmatter::Found::Missing => Err(EditError::NoFrontMatter),
    }
}

/// `markdown` with its front matter replaced by what `edit` makes of it;
/// the marker lines and the body are kept byte for byte.
pub fn edit_front_matter(
    markdown: &str,
    edit: impl FnOnce(&str) -> Result<String, EditError>,
) -> Result<String, EditError> {
    let range = front_matter(markdown)?;
    let new = edit(&markdown[range.clone()])?;
    let mut out = String::with_capacity(markdown.len() + new.len());
    out.push_str(&markdown[..range.start]);
    out.push_str(&new);
    // A front matter whose last line lost its break would glue the
    // closing marker onto it.
    if !new.is_empty() && !new.ends_with('\n') {
        out.push_str(if markdown[..range.end].ends_with("\r\n") {
            "\r\n"
        } else {
            "\n"
        });
    }
    out.push_str(&markdown[range.end..]);
    Ok(out)
}

fn to_yaml<T: serde::Serialize>(key: &str, value: &T) -> Result<String, EditError> {
    serde_saphyr::to_string(value).map_err(|e| EditError::BadValue {
        key: key.into(),
        message: e.to_string(),
    })
}

fn check_key(key: &str) -> Result<(), EditError> {
    let ok = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(EditError::BadKey(key.into()))
    }
}

/// Runs `edit` on `text` with CRLF line breaks turned into LF, and turns
/// them back in the result, so lines added to a CRLF file end as its other
/// lines do. Only a file whose every break is CRLF is treated so; the round
/// trip is then exact.
fn with_lf(
    text: &str,
    edit: impl FnOnce(&str) -> Result<String, EditError>,
) -> Result<String, EditError> {
    let lf = text.matches('\n').count();
    let crlf = lf > 0 && text.matches("\r\n").count() == lf;
    if !crlf {
        return edit(text);
    }
    let out = edit(&text.replace("\r\n", "\n"))?;
    Ok(out.replace('\n', "\r\n"))
}

/// A top-level entry: where its line starts, where its key and value are,
/// and the lines its value takes.
#[derive(Debug)]
struct TopEntry {
    key: String,
    line: usize,
    line_start: usize,
    key_end: usize,
    /// The value's own text when it is one scalar, or one flow list or
    /// mapping, on the key's line.
    inline: Option<Range<usize>>,
    /// Where the value's first event starts.
    value_start: Option<usize>,
    /// From the key's line start to just past the last line of the value.
    region: Range<usize>,
    anchored: bool,
}

#[derive(Debug)]
struct Layout {
    indent: usize,
    entries: Vec<TopEntry>,
}

impl Layout {
    fn find(&self, key: &str) -> Option<&TopEntry> {
        self.entries.iter().find(|e| e.key == key)
    }

    fn refuse_anchored(&self, e: &TopEntry) -> Result<(), EditError> {
        if e.anchored {
            return Err(EditError::Anchored {
                key: e.key.clone(),
                line: e.line,
            });
        }
        Ok(())
    }
}

fn offset(m: &serde_saphyr::granit_parser::Marker) -> usize {
    m.byte_offset().unwrap_or(m.index())
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1)
}

/// Reads the top level of `text`: one block mapping, its entries and the
/// lines each takes, refusing what the editor cannot handle.
fn scan(text: &str) -> Result<Layout, EditError> {
    let blank = text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    if blank {
        return Ok(Layout {
            indent: 0,
            entries: Vec::new(),
        });
    }
    // (flow?) of each open collection; the root is the first.
    let mut stack: Vec<bool> = Vec::new();
    let mut entries: Vec<TopEntry> = Vec::new();
    let mut documents = 0usize;
    let mut root_seen = false;
    let mut indent = 0usize;
    // The entry whose value is being read, and how far that value reaches.
    let mut open: Option<(TopEntry, usize)> = None;
    let mut block_scalars: Vec<Range<usize>> = Vec::new();
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| {
            let m = e.marker();
            EditError::Syntax {
                line: m.line(),
                column: m.col() + 1,
                message: e.info().to_string(),
            }
        })?;
        let (start, end) = (offset(&span.start), offset(&span.end));
        // Offsets index the text below; one that does not fall between
        // characters would be a parser bug, refused rather than sliced.
        if !(text.is_char_boundary(start) && text.is_char_boundary(end) && start <= end) {
            return Err(EditError::Syntax {
                line: span.start.line(),
                column: span.start.col() + 1,
                message: "the parser reported a position inside a character".into(),
            });
        }
        let anchored = match &event {
            Event::Scalar(_, _, a, _)
            | Event::SequenceStart(_, a, _)
            | Event::MappingStart(_, a, _) => *a != 0,
            Event::Alias(_) | Event::UnresolvedAlias(_) | Event::Anchor(..) => true,
            _ => false,
        };
        match &event {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err(EditError::MultiDocument {
                        line: line_of(text, start),
                    });
                }
                continue;
            }
            Event::Scalar(..)
            | Event::SequenceStart(..)
            | Event::MappingStart(..)
            | Event::SequenceEnd
            | Event::MappingEnd
            | Event::Alias(_)
            | Event::UnresolvedAlias(_) => {}
            // Stream and document ends, comments: no node.
            _ => continue,
        }
        if !root_seen {
            root_seen = true;
            let flow = text[start..].starts_with('{');
            match event {
                Event::MappingStart(..) if !flow => {
                    indent = start - line_start(text, start);
                    if anchored {
                        return Err(EditError::Anchored {
                            key: "(the whole document)".into(),
                            line: line_of(text, start),
                        });
                    }
                    stack.push(false);
                    continue;
                }
                Event::MappingStart(..) => {
                    return Err(EditError::NotBlockMapping {
                        found: "a flow mapping (`{...}`)",
                    });
                }
                Event::SequenceStart(..) => {
                    return Err(EditError::NotBlockMapping { found: "a list" });
                }
                _ => {
                    return Err(EditError::NotBlockMapping {
                        found: "a single value",
                    });
                }
            }
        }
        if stack.is_empty() {
            continue;
        }
        let depth = stack.len();
        match (&mut open, &event) {
            // A key of the top level.
            (None, _) if depth == 1 => {
                if matches!(event, Event::MappingEnd) {
                    stack.pop();
                    continue;
                }
                let Event::Scalar(key, ..) = &event else {
                    return Err(EditError::ComplexKey {
                        line: line_of(text, start),
                    });
                };
                let ls = line_start(text, start);
                if text[ls..start].trim() != "" || line_of(text, start) != line_of(text, end) {
                    return Err(EditError::ComplexKey {
                        line: line_of(text, start),
                    });
                }
                if key == "<<" {
                    return Err(EditError::MergeKey {
                        line: line_of(text, start),
                    });
                }
                open = Some((
                    TopEntry {
                        key: key.to_string(),
                        line: line_of(text, start),
                        line_start: ls,
                        key_end: end,
                        inline: None,
                        value_start: None,
                        region: ls..end,
                        anchored,
                    },
                    end,
                ));
            }
            (Some((entry, reach)), _) => {
                entry.anchored |= anchored;
                entry.value_start.get_or_insert(start);
                match &event {
                    Event::Scalar(value, style, ..) => {
                        // An empty plain value has no text of its own; its
                        // position may be the next line's.
                        let empty =
                            start == end || (value.is_empty() && *style == ScalarStyle::Plain);
                        if !empty {
                            *reach = (*reach).max(end);
                        }
                        if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                            block_scalars.push(start..end);
                        }
                        if depth == 1 && !empty {
                            let one_line = line_of(text, start) == entry.line
                                && !text[start..end].contains('\n');
                            if one_line {
                                entry.inline = Some(start..end);
                            }
                        }
                    }
                    Event::Alias(_) | Event::UnresolvedAlias(_) => *reach = (*reach).max(end),
                    Event::SequenceStart(..) | Event::MappingStart(..) => {
                        let flow = text[start..].starts_with(['[', '{']);
                        stack.push(flow);
                        *reach = (*reach).max(start + 1);
                    }
                    Event::SequenceEnd | Event::MappingEnd => {
                        // A block collection's end event may sit on the
                        // next token; only a flow one's is its bracket.
                        let flow = stack.pop() == Some(true);
                        if flow {
                            *reach = (*reach).max(end);
                        }
                    }
                    _ => {}
                }
                if stack.len() == 1
                    && !matches!(event, Event::SequenceStart(..) | Event::MappingStart(..))
                    && let Some((mut entry, reach)) = open.take()
                {
                    if let Some(v) = entry.value_start
                        && entry.inline.is_none()
                        && text[v..].starts_with(['[', '{'])
                        && reach > v
                        && !text[entry.key_end..reach].contains('\n')
                    {
                        entry.inline = Some(v..reach);
                    }
                    entry.region = entry.line_start..line_end(text, reach, entry.key_end);
                    entries.push(entry);
                }
            }
            (None, _) => {}
        }
    }
    check_tabs(text, &block_scalars)?;
    Ok(Layout { indent, entries })
}

/// Refuses a tab in the indentation of any line outside block scalars
/// (inside them a tab is content).
fn check_tabs(text: &str, block_scalars: &[Range<usize>]) -> Result<(), EditError> {
    let mut at = 0usize;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let lead = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
        let inside = block_scalars.iter().any(|r| r.contains(&at));
        if lead.contains('\t') && !inside && !line.trim().is_empty() {
            return Err(EditError::Tab { line: i + 1 });
        }
        at += line.len();
    }
    Ok(())
}

/// `value` parsed, for checking the edit's result against.
fn parse_value(key: &str, value: &str) -> Result<serde_json::Value, EditError> {
    if value.trim().is_empty() {
        return Err(EditError::BadValue {
            key: key.into(),
            message: "the value is empty (remove the key instead)".into(),
        });
    }
    if value.contains('\t') && value.lines().any(|l| l.starts_with('\t')) {
        return Err(EditError::BadValue {
            key: key.into(),
            message: "a line is indented with a tab".into(),
        });
    }
    let node =
        yaml::parse(value, yaml::YamlLimits::default(), yaml::Shift::default()).map_err(|e| {
            EditError::BadValue {
                key: key.into(),
                message: e.message,
            }
        })?;
    Ok(node.to_json())
}

/// How a value is written after `key:`: either on the key's line
/// (`Inline`) or as lines below it (`Block`, already indented).
enum Rendered {
    Inline(String),
    /// Text after `key:` up to and including the value's last line break.
    Lines(String),
}

fn render(value: &str, parsed: &serde_json::Value, indent: usize) -> Rendered {
    let value = value.strip_prefix("---\n").unwrap_or(value);
    let trimmed = value.trim_end_matches('\n');
    let first = trimmed.trim_start();
    let flow = first.starts_with(['[', '{']);
    let collection = matches!(
        parsed,
        serde_json::Value::Array(_) | serde_json::Value::Object(_)
    ) && !flow;
    if !collection && !trimmed.contains('\n') {
        return Rendered::Inline(trimmed.trim().to_string());
    }
    let mut out = String::with_capacity(value.len() + 16);
    if collection {
        // Items and keys of the value go one level in from the key.
        let pad = " ".repeat(indent + 2);
        out.push('\n');
        for line in trimmed.lines() {
            if !line.is_empty() {
                out.push_str(&pad);
            }
            out.push_str(line);
            out.push('\n');
        }
    } else {
        // A block scalar (`|-` then its lines) or a long quoted string: the
        // lines after the first keep their place relative to the key.
        let pad = " ".repeat(indent);
        let mut lines = trimmed.lines();
        out.push(' ');
        out.push_str(lines.next().unwrap_or(""));
        out.push('\n');
        for line in lines {
            if !line.is_empty() {
                out.push_str(&pad);
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    Rendered::Lines(out)
}

fn replace(text: &str, e: &TopEntry, rendered: &Rendered) -> String {
    if let (Some(old), Rendered::Inline(new)) = (&e.inline, rendered) {
        // One line for one line: keep what follows the value (a comment).
        return splice(text, old.clone(), new);
    }
    // From just past the key's colon to the end of the value's last line.
    let colon = text[e.key_end..]
        .find(':')
        .map_or(e.key_end, |i| e.key_end + i + 1);
    let tail = match rendered {
        Rendered::Inline(v) => format!(" {v}\n"),
        Rendered::Lines(v) => v.clone(),
    };
    let mut out = splice(text, colon..e.region.end, &tail);
    if e.region.end == text.len() && !text.ends_with('\n') && out.ends_with('\n') {
        out.pop();
    }
    out
}

fn insert_entry(text: &str, at: usize, indent: usize, key: &str, rendered: &Rendered) -> String {
    let mut entry = " ".repeat(indent);
    entry.push_str(key);
    entry.push(':');
    match rendered {
        Rendered::Inline(v) => {
            entry.push(' ');
            entry.push_str(v);
            entry.push('\n');
        }
        Rendered::Lines(v) => entry.push_str(v),
    }
    let mut out = String::with_capacity(text.len() + entry.len() + 1);
    out.push_str(&text[..at]);
    let at_end_unterminated = at == text.len() && !text.is_empty() && !text.ends_with('\n');
    if at_end_unterminated {
        // Keep the file's missing final line break missing.
        out.push('\n');
        entry.pop();
    }
    out.push_str(&entry);
    out.push_str(&text[at..]);
    out
}

fn splice(text: &str, range: Range<usize>, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(&text[..range.start]);
    out.push_str(with);
    out.push_str(&text[range.end..]);
    out
}

fn yaml_tree(text: &str) -> Result<yaml::Node, EditError> {
    yaml::parse(text, yaml::YamlLimits::default(), yaml::Shift::default()).map_err(|e| {
        EditError::Syntax {
            line: e.pos.line as usize,
            column: e.pos.column as usize,
            message: e.message,
        }
    })
}

/// Parses the edit's result and checks it says what was meant: `key`
/// holds `want` (or is gone), every other key holds what it held.
fn verify(
    before: &yaml::Node,
    out: &str,
    key: &str,
    want: Option<&serde_json::Value>,
) -> Result<(), EditError> {
    let broken = |problem: String| EditError::Broken {
        key: key.into(),
        problem,
    };
    let after = yaml::parse(out, yaml::YamlLimits::default(), yaml::Shift::default())
        .map_err(|e| broken(format!("leave YAML that does not parse ({})", e.message)))?;
    let as_object = |n: &yaml::Node| match n.to_json() {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    let mut old = as_object(before);
    let mut new = as_object(&after);
    let got = new.remove(key);
    old.remove(key);
    if got.as_ref() != want {
        return Err(broken(format!(
            "not give it the value meant (it reads back as {})",
            got.map_or("nothing".into(), |v| v.to_string())
        )));
    }
    if old != new {
        return Err(broken("change other keys".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_a_one_line_value_keeping_its_comment_and_the_rest() {
        let text =
            "# head\nid: EX-001   # the id\nexpires: 2026-12-31  # first grant\napprover: ciso\n";
        assert_eq!(
            set_key(text, "expires", "2027-06-30").expect("edit"),
            "# head\nid: EX-001   # the id\nexpires: 2027-06-30  # first grant\napprover: ciso\n"
        );
    }

    #[test]
    fn keeps_comments_between_keys_and_inside_other_values() {
        let text = "id: a\n# about the list\nlist:\n  - x  # first\n  # between\n  - y\n\n# about b\nb: 1\n";
        let out = set_key(text, "b", "2").expect("edit");
        assert_eq!(out, text.replace("b: 1", "b: 2"));
        let out = set_key(text, "list", "- z\n").expect("edit");
        assert_eq!(
            out,
            "id: a\n# about the list\nlist:\n  - z\n\n# about b\nb: 1\n"
        );
    }

    #[test]
    fn replaces_block_scalars_and_writes_them() {
        let text = "id: a\njustification: |\n  line one\n  line two\n# note\nexpires: 2026-01-01\n";
        let out = set_key(text, "justification", "|-\n  new one\n  new two\n").expect("edit");
        assert_eq!(
            out,
            "id: a\njustification: |-\n  new one\n  new two\n# note\nexpires: 2026-01-01\n"
        );
        let out = set_key(text, "justification", "short").expect("edit");
        assert_eq!(
            out,
            "id: a\njustification: short\n# note\nexpires: 2026-01-01\n"
        );
        let out = set_key(text, "expires", "2027-01-01").expect("edit");
        assert_eq!(out, text.replace("2026-01-01", "2027-01-01"));
    }

    #[test]
    fn removes_one_list_item_and_keeps_the_rest() {
        let text = "id: a\nlist:\n  # first\n  - source: x   # keep\n    targets: [p]\n  - source: y\n    targets:\n      - q\n  - z\nb: 1\n";
        assert_eq!(
            remove_item(text, "list", 1).expect("edit"),
            "id: a\nlist:\n  # first\n  - source: x   # keep\n    targets: [p]\n  - z\nb: 1\n"
        );
        assert_eq!(
            remove_item(text, "list", 2).expect("edit"),
            "id: a\nlist:\n  # first\n  - source: x   # keep\n    targets: [p]\n  - source: y\n    targets:\n      - q\nb: 1\n"
        );
        assert!(matches!(
            remove_item(text, "list", 3),
            Err(EditError::NotList { .. })
        ));
        assert!(matches!(
            remove_item("l: [a, b]\n", "l", 0),
            Err(EditError::NotList { .. })
        ));
        assert!(matches!(
            remove_item("l: x\n", "l", 0),
            Err(EditError::NotList { .. })
        ));
    }

    #[test]
    fn quoted_keys_are_found_and_keep_their_quotes() {
        let text = "\"id\": a\n'expires': 2026-01-01\n";
        assert_eq!(
            set_key(text, "expires", "2027-01-01").expect("edit"),
            "\"id\": a\n'expires': 2027-01-01\n"
        );
        assert_eq!(
            remove_key(text, "id").expect("edit"),
            "'expires': 2026-01-01\n"
        );
    }

    #[test]
    fn a_serialized_value_goes_after_the_named_key() {
        let text = "status: planned\nevidence: [a]  # kept\n";
        assert_eq!(
            set_value_after(text, "owner", &"@ops", Some("status")).expect("edit"),
            "status: planned\nowner: \"@ops\"\nevidence: [a]  # kept\n"
        );
    }

    #[test]
    fn appends_missing_keys_at_the_end_or_after_a_named_key() {
        let text = "id: a\nexpires: 2026-01-01\n# trailing comment\n";
        assert_eq!(
            set_key(text, "closed", "2026-02-01").expect("edit"),
            "id: a\nexpires: 2026-01-01\nclosed: 2026-02-01\n# trailing comment\n"
        );
        assert_eq!(
            set_key_after(text, "title", "T", Some("id")).expect("edit"),
            "id: a\ntitle: T\nexpires: 2026-01-01\n# trailing comment\n"
        );
        assert_eq!(
            set_key(
                "id: a\n",
                "renewals",
                "- expires: 2027-01-01\n  approver: b\n"
            )
            .expect("edit"),
            "id: a\nrenewals:\n  - expires: 2027-01-01\n    approver: b\n"
        );
        assert_eq!(set_key("", "id", "a").expect("edit"), "id: a\n");
    }

    #[test]
    fn a_file_without_a_final_line_break_keeps_it_missing() {
        assert_eq!(set_key("id: a", "b", "1").expect("edit"), "id: a\nb: 1");
        assert_eq!(
            set_key("id: a\nb: 1", "b", "2").expect("edit"),
            "id: a\nb: 2"
        );
        assert_eq!(
            set_key("id: a\nb:\n  - 1", "b", "3").expect("edit"),
            "id: a\nb: 3"
        );
        assert_eq!(remove_key("id: a\nb: 1", "b").expect("edit"), "id: a\n");
    }

    #[test]
    fn crlf_files_stay_crlf() {
        let text = "id: a\r\n# c\r\nexpires: 2026-01-01\r\n";
        assert_eq!(
            set_key(text, "expires", "2027-01-01").expect("edit"),
            "id: a\r\n# c\r\nexpires: 2027-01-01\r\n"
        );
        assert_eq!(
            set_key(text, "list", "- x\n- y\n").expect("edit"),
            "id: a\r\n# c\r\nexpires: 2026-01-01\r\nlist:\r\n  - x\r\n  - y\r\n"
        );
        assert_eq!(
            remove_key(text, "expires").expect("edit"),
            "id: a\r\n# c\r\n"
        );
    }

    #[test]
    fn removes_a_key_with_its_whole_value() {
        let text =
            "id: a\nclosed: 2026-01-01\nclosed_reason: >-\n  fixed\n  for good\n# kept\nend: 1\n";
        assert_eq!(
            remove_key(text, "closed_reason").expect("edit"),
            "id: a\nclosed: 2026-01-01\n# kept\nend: 1\n"
        );
        assert_eq!(remove_key(text, "missing").expect("edit"), text);
    }

    #[test]
    fn appends_list_items_in_the_lists_own_style() {
        let text = "id: a\nrenewals:\n  - on: 2026-01-01  # first\n    by: x\nend: 1\n";
        assert_eq!(
            append_item(text, "renewals", "on: 2026-06-01\nby: y\n", None).expect("edit"),
            "id: a\nrenewals:\n  - on: 2026-01-01  # first\n    by: x\n  - on: 2026-06-01\n    by: y\nend: 1\n"
        );
        assert_eq!(
            append_item(
                "id: a\nend: 1\n",
                "renewals",
                "on: 2026-06-01\n",
                Some("id")
            )
            .expect("edit"),
            "id: a\nrenewals:\n- on: 2026-06-01\nend: 1\n"
        );
        assert_eq!(
            append_item("id: a\nl: [x]\n", "l", "y\n", None),
            Err(EditError::NotList { key: "l".into() })
        );
    }

    #[test]
    fn serializes_values() {
        #[derive(serde::Serialize)]
        struct Renewal {
            approver: String,
            expires: String,
        }
        let out = append_value(
            "id: a\n",
            "renewals",
            &Renewal {
                approver: "ciso".into(),
                expires: "2027-01-01".into(),
            },
            None,
        )
        .expect("edit");
        assert!(
            out.starts_with("id: a\nrenewals:\n- approver: ciso\n"),
            "{out}"
        );
        let out = set_value("id: a\n", "note", &"two: words").expect("edit");
        assert_eq!(out, "id: a\nnote: \"two: words\"\n");
        // Whatever form the serializer picks, the edit reads back as meant.
        let out = set_value("id: a\n", "note", &"line one\nline two: x\n").expect("edit");
        assert!(out.starts_with("id: a\nnote: "), "{out}");
        let out = set_value("  id: a\n", "list", &["x", "y: z"]).expect("edit");
        assert!(out.starts_with("  id: a\n  list:\n    - x\n"), "{out}");
    }

    #[test]
    fn refuses_what_it_cannot_edit_safely() {
        assert!(matches!(
            set_key("{id: a}", "b", "1"),
            Err(EditError::NotBlockMapping { .. })
        ));
        assert!(matches!(
            set_key("- a\n- b\n", "b", "1"),
            Err(EditError::NotBlockMapping { .. })
        ));
        assert_eq!(
            set_key("id: a\n---\nid: b\n", "b", "1"),
            Err(EditError::MultiDocument { line: 2 })
        );
        assert_eq!(
            set_key("base: &b x\nother: *b\n", "base", "y"),
            Err(EditError::Anchored {
                key: "base".into(),
                line: 1
            })
        );
        assert_eq!(
            remove_key("base: &b x\nother: *b\n", "other"),
            Err(EditError::Anchored {
                key: "other".into(),
                line: 2
            })
        );
        // Anchors elsewhere do not stop an edit of an unrelated key.
        assert_eq!(
            set_key("base: &b x\nother: *b\nn: 1\n", "n", "2").expect("edit"),
            "base: &b x\nother: *b\nn: 2\n"
        );
        assert_eq!(
            set_key("<<: {a: 1}\nb: 2\n", "b", "3"),
            Err(EditError::MergeKey { line: 1 })
        );
        assert!(matches!(
            set_key("id: [a\n", "b", "1"),
            Err(EditError::Syntax { .. })
        ));
        assert_eq!(
            set_key("id: a\n", "bad key", "1"),
            Err(EditError::BadKey("bad key".into()))
        );
        assert!(matches!(
            set_key("id: a\n", "b", "[unclosed"),
            Err(EditError::BadValue { .. })
        ));
        assert_eq!(
            set_key("a:\n\t- x\nb: 1\n", "b", "2")
                .map_err(|e| matches!(e, EditError::Tab { .. } | EditError::Syntax { .. })),
            Err(true)
        );
    }

    #[test]
    fn tabs_inside_block_scalars_are_content() {
        let text = "script: |\n  make:\n  \tcc x.c\nb: 1\n";
        assert_eq!(
            set_key(text, "b", "2").expect("edit"),
            text.replace("b: 1", "b: 2")
        );
    }

    #[test]
    fn front_matter_is_edited_and_the_body_kept() {
        let md = "---\n# yaml-language-server: $schema=x\nid: p\nversion: \"1.0\"\n---\n\n# Body\n---\nnot: front\n";
        let out = edit_front_matter(md, |fm| set_key(fm, "version", "\"1.1\"")).expect("edit");
        assert_eq!(out, md.replacen("\"1.0\"", "\"1.1\"", 1));
        let out = edit_front_matter(md, |fm| set_key(fm, "reviewed", "2026-11-30")).expect("edit");
        assert_eq!(
            out,
            "---\n# yaml-language-server: $schema=x\nid: p\nversion: \"1.0\"\nreviewed: 2026-11-30\n---\n\n# Body\n---\nnot: front\n"
        );
        assert_eq!(
            edit_front_matter("# no front\n", |fm| Ok(fm.into())),
            Err(EditError::NoFrontMatter)
        );
        assert_eq!(
            edit_front_matter("---\nid: p\n", |fm| Ok(fm.into())),
            Err(EditError::FrontMatterNotClosed)
        );
        let crlf = "---\r\nid: p\r\n---\r\nbody\r\n";
        assert_eq!(
            edit_front_matter(crlf, |fm| set_key(fm, "v", "2")).expect("edit"),
            "---\r\nid: p\r\nv: 2\r\n---\r\nbody\r\n"
        );
    }

    #[test]
    fn flow_lists_empty_values_and_document_markers() {
        let text = "---\nids: [a, b]  # two\nnone:\nend: 1\n...\n";
        assert_eq!(
            set_key(text, "ids", "- c\n").expect("edit"),
            "---\nids:\n  - c\nnone:\nend: 1\n...\n"
        );
        assert_eq!(
            set_key(text, "ids", "[c]").expect("edit"),
            "---\nids: [c]  # two\nnone:\nend: 1\n...\n"
        );
        assert_eq!(
            set_key(text, "none", "3").expect("edit"),
            "---\nids: [a, b]  # two\nnone: 3\nend: 1\n...\n"
        );
        assert_eq!(
            set_key(text, "new", "x").expect("edit"),
            "---\nids: [a, b]  # two\nnone:\nend: 1\nnew: x\n...\n"
        );
        assert_eq!(
            remove_key(text, "none").expect("edit"),
            "---\nids: [a, b]  # two\nend: 1\n...\n"
        );
    }

    #[test]
    fn text_beyond_ascii_is_kept() {
        let text = "título: «Contrôle d’accès» # é\nnote: 日本語\nn: 1\n";
        assert_eq!(
            set_key(text, "n", "2").expect("edit"),
            text.replace("n: 1", "n: 2")
        );
        assert_eq!(
            set_key(text, "note", "ünïcode").expect("edit"),
            text.replace("日本語", "ünïcode")
        );
    }

    #[test]
    fn an_indented_top_level_keeps_its_indentation() {
        let text = "  id: a\n  b: 1\n";
        assert_eq!(
            set_key(text, "c", "- x\n").expect("edit"),
            "  id: a\n  b: 1\n  c:\n    - x\n"
        );
    }

    #[test]
    fn value_text_is_the_value_as_written() {
        let text = "a: 3  # likely\nb:   # note\n  min: 1\n  # why\n  max: 2\nc: {x: 1,\n  y: 2}\n";
        assert_eq!(
            value_text(text, "a").expect("value").as_deref(),
            Some(" 3  # likely\n")
        );
        assert_eq!(
            value_text(text, "b").expect("value").as_deref(),
            Some("   # note\n  min: 1\n  # why\n  max: 2\n")
        );
        assert_eq!(
            value_text(text, "c").expect("value").as_deref(),
            Some(" {x: 1,\n  y: 2}\n")
        );
        assert_eq!(value_text(text, "d").expect("value"), None);
        assert_eq!(
            value_text("a: 1\r\nb: 2\r\n", "b")
                .expect("value")
                .as_deref(),
            Some(" 2\n")
        );
    }
}
