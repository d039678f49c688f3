//! Edits to a YAML file that keep every byte the edit is not about:
//! comments, order, quoting and blank lines stay as the author wrote them,
//! so a command that records a value makes a one-line diff.

use super::yaml::{Node, Value};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditError {
    #[error(
        "the file is not a block mapping of keys (`key: value` lines), so it cannot be edited in place"
    )]
    NotBlockMapping,
    #[error("`{0}` is not a single-line value, so it cannot be replaced in place")]
    NotScalar(String),
    #[error("`{0}` is not a block list (`- item` lines), so an item cannot be added in place")]
    NotSequence(String),
}

/// `text` with the top-level key `key` set to `value` (already YAML: a
/// plain scalar). An existing value is replaced where it stands; a missing
/// key is added on the line after the key `after` (or at the end).
/// `tree` is `text` parsed.
pub fn set_scalar(
    text: &str,
    tree: &Node,
    key: &str,
    value: &str,
    after: &str,
) -> Result<String, EditError> {
    let Value::Map(map) = &tree.value else {
        return Err(EditError::NotBlockMapping);
    };
    if text.as_bytes().get(tree.pos.offset) == Some(&b'{') {
        return Err(EditError::NotBlockMapping);
    }
    if let Some(entry) = map.find(key) {
        let n = &entry.value;
        let start = n.pos.offset;
        let end = start + n.pos.len;
        let scalar = !matches!(n.value, Value::Seq(_) | Value::Map(_));
        let old = text
            .get(start..end)
            .ok_or(EditError::NotScalar(key.into()))?;
        if !scalar || old.contains('\n') || old.starts_with(['|', '>']) {
            return Err(EditError::NotScalar(key.into()));
        }
        let mut out = String::with_capacity(text.len() + value.len());
        out.push_str(&text[..start]);
        out.push_str(value);
        out.push_str(&text[end..]);
        return Ok(out);
    }
    let indent = map
        .first()
        .map_or(0, |e| e.key_pos.column.saturating_sub(1) as usize);
    let line = format!("{}{key}: {value}\n", " ".repeat(indent));
    // After the line where the value of `after` ends; a value spanning
    // lines (a block scalar) ends where its last line does.
    let at = match map.find(after) {
        Some(e) => {
            let end = (e.value.pos.offset + e.value.pos.len).min(text.len());
            let from = char_start(text, end.saturating_sub(1).max(e.key_pos.offset));
            text[from..].find('\n').map_or(text.len(), |i| from + i + 1)
        }
        None => text.len(),
    };
    let mut out = String::with_capacity(text.len() + line.len() + 1);
    out.push_str(&text[..at]);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&line);
    out.push_str(&text[at..]);
    Ok(out)
}

/// `text` with `item` (YAML of one mapping, as a serializer writes it at
/// column 0) appended to the block sequence under the top-level key `key`.
/// The sequence's own indentation is kept; a missing key (or an empty
/// `[]` or null value) becomes a block sequence, added after the key
/// `after` (or at the end). Nothing else in the text changes.
pub fn append_item(
    text: &str,
    tree: &Node,
    key: &str,
    item: &str,
    after: &str,
) -> Result<String, EditError> {
    let Value::Map(map) = &tree.value else {
        return Err(EditError::NotBlockMapping);
    };
    if text.as_bytes().get(tree.pos.offset) == Some(&b'{') {
        return Err(EditError::NotBlockMapping);
    }
    let entry = map.find(key);
    let items = match entry.map(|e| &e.value.value) {
        Some(Value::Seq(items)) if !items.is_empty() => Some(items),
        Some(Value::Seq(_)) | Some(Value::Null) | None => None,
        Some(_) => return Err(EditError::NotSequence(key.into())),
    };
    if let Some(items) = items {
        let first = &items[0];
        let line_start = text[..first.pos.offset].rfind('\n').map_or(0, |i| i + 1);
        let lead = &text[line_start..first.pos.offset];
        // A block item's line is spaces, the dash, a space; a flow list
        // (`[a, b]`) is not one to add a line to.
        let indent = lead.len() - lead.trim_start_matches(' ').len();
        if !lead[indent..].starts_with('-') {
            return Err(EditError::NotSequence(key.into()));
        }
        let last = &items[items.len() - 1];
        let at = line_end(text, span_end(last), last.pos.offset);
        return Ok(insert(text, at, &block_item(item, indent)));
    }
    // No items: drop an empty `[]` or null value, then add the block below.
    let (text, at) = match entry {
        Some(e) => {
            let line_start = text[..e.key_pos.offset].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[e.key_pos.offset..]
                .find('\n')
                .map_or(text.len(), |i| e.key_pos.offset + i);
            let after_key = &text[e.key_pos.offset + e.key_pos.len..line_end];
            let value = after_key.trim_start().strip_prefix(':').unwrap_or("");
            let value = value.split(" #").next().unwrap_or("").trim();
            if line_start != e.key_pos.offset || !matches!(value, "" | "[]" | "~" | "null") {
                return Err(EditError::NotSequence(key.into()));
            }
            let mut t = String::with_capacity(text.len() + item.len());
            t.push_str(&text[..line_start]);
            t.push_str(key);
            t.push_str(":\n");
            let at = t.len();
            t.push_str(
                text[line_end..]
                    .strip_prefix('\n')
                    .unwrap_or(&text[line_end..]),
            );
            (t, at)
        }
        None => {
            let at = match map.find(after) {
                Some(e) => line_end(text, span_end(&e.value), e.key_pos.offset),
                None => text.len(),
            };
            let mut t = String::with_capacity(text.len() + key.len() + 2);
            t.push_str(&text[..at]);
            if !t.is_empty() && !t.ends_with('\n') {
                t.push('\n');
            }
            t.push_str(key);
            t.push_str(":\n");
            let at2 = t.len();
            t.push_str(&text[at..]);
            (t, at2)
        }
    };
    Ok(insert(&text, at, &block_item(item, 0)))
}

/// The byte range of the lines item `index` of the block sequence under
/// the top-level key `key` takes: from the start of its `- ` line to the
/// end of its last line (comment lines above it are not included).
pub fn item_lines(
    text: &str,
    tree: &Node,
    key: &str,
    index: usize,
) -> Result<std::ops::Range<usize>, EditError> {
    let Value::Map(map) = &tree.value else {
        return Err(EditError::NotBlockMapping);
    };
    let not_seq = || EditError::NotSequence(key.into());
    let Some(Value::Seq(items)) = map.find(key).map(|e| &e.value.value) else {
        return Err(not_seq());
    };
    let item = items.get(index).ok_or_else(not_seq)?;
    let start = text[..item.pos.offset].rfind('\n').map_or(0, |i| i + 1);
    let lead = &text[start..item.pos.offset];
    let indent = lead.len() - lead.trim_start_matches(' ').len();
    // Only an item on its own `- ` line (not `[a, b]`, not `- - a`).
    if lead[indent..].trim_end() != "-" {
        return Err(not_seq());
    }
    let end = line_end(text, span_end(item), item.pos.offset);
    Ok(start..end)
}

/// Where `node` and everything in it ends: a block mapping's own span may
/// stop at its first entry.
fn span_end(node: &Node) -> usize {
    let own = node.pos.offset + node.pos.len;
    match &node.value {
        Value::Seq(items) => items.iter().map(span_end).fold(own, usize::max),
        Value::Map(map) => map
            .iter()
            .map(|e| span_end(&e.value).max(e.key_pos.offset + e.key_pos.len))
            .fold(own, usize::max),
        _ => own,
    }
}

/// The offset just past the line on which a value ending at `end` ends.
pub(crate) fn line_end(text: &str, end: usize, floor: usize) -> usize {
    let end = end.min(text.len());
    let from = char_start(text, end.saturating_sub(1).max(floor).min(text.len()));
    text[from..].find('\n').map_or(text.len(), |i| from + i + 1)
}

/// `at`, or the start of the character it falls inside: the byte before a
/// value's end is inside its last character when that is not ASCII.
fn char_start(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn insert(text: &str, at: usize, block: &str) -> String {
    let mut out = String::with_capacity(text.len() + block.len() + 1);
    out.push_str(&text[..at]);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(block);
    out.push_str(&text[at..]);
    out
}

/// `item` as a sequence item at `indent`: `- ` before its first line,
/// two more spaces before the others.
fn block_item(item: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::with_capacity(item.len() + 16);
    for (i, line) in item.lines().enumerate() {
        out.push_str(&pad);
        if i == 0 {
            out.push_str("- ");
        } else if !line.is_empty() {
            out.push_str("  ");
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::yaml::{YamlLimits, parse};

    fn set(text: &str, key: &str, value: &str) -> Result<String, EditError> {
        let tree = parse(text, YamlLimits::default(), Default::default()).expect("yaml");
        set_scalar(text, &tree, key, value, "uri")
    }

    #[test]
    fn replaces_a_value_and_keeps_everything_else() {
        let text = "# head\nid: a   # trailing\nsha256: \"00\"  # old\nsize: 3\n";
        assert_eq!(
            set(text, "size", "42").expect("edit"),
            "# head\nid: a   # trailing\nsha256: \"00\"  # old\nsize: 42\n"
        );
        let out = set(text, "sha256", "ab").expect("edit");
        assert!(out.contains("sha256: ab  # old\n"), "{out}");
    }

    #[test]
    fn adds_a_missing_key_after_the_named_one() {
        let text = "id: a\nuri: evidence/files/x.md\ncollected_at: 2026-01-01\n";
        assert_eq!(
            set(text, "size", "7").expect("edit"),
            "id: a\nuri: evidence/files/x.md\nsize: 7\ncollected_at: 2026-01-01\n"
        );
        let text = "id: a\nuri: >-\n  evidence/files/x.md\ncollected_at: 2026-01-01";
        assert_eq!(
            set(text, "size", "7").expect("edit"),
            "id: a\nuri: >-\n  evidence/files/x.md\nsize: 7\ncollected_at: 2026-01-01"
        );
        assert_eq!(set("id: a", "size", "7").expect("edit"), "id: a\nsize: 7\n");
        // A value ending in a character of more than one byte.
        assert_eq!(
            set("uri: files/revue-é\nb: 1\n", "size", "7").expect("edit"),
            "uri: files/revue-é\nsize: 7\nb: 1\n"
        );
    }

    #[test]
    fn refuses_what_it_cannot_edit_in_place() {
        assert_eq!(
            set("{id: a, uri: x}", "size", "1"),
            Err(EditError::NotBlockMapping)
        );
        assert_eq!(
            set("id: a\nsize:\n  - 1\n", "size", "1"),
            Err(EditError::NotScalar("size".into()))
        );
    }

    fn append(text: &str, key: &str) -> Result<String, EditError> {
        let tree = parse(text, YamlLimits::default(), Default::default()).expect("yaml");
        append_item(text, &tree, key, "source: a\ntargets:\n- b\n", "provenance")
    }

    #[test]
    fn appends_to_a_block_list_keeping_its_indentation_and_comments() {
        let text =
            "# head\nsource: x\nrelationships:\n  - source: c  # kept\n    targets: [d]\nnote: z\n";
        assert_eq!(
            append(text, "relationships").expect("edit"),
            "# head\nsource: x\nrelationships:\n  - source: c  # kept\n    targets: [d]\n  - source: a\n    targets:\n    - b\nnote: z\n"
        );
        let text = "relationships:\n- source: c\n  targets:\n  - d";
        assert_eq!(
            append(text, "relationships").expect("edit"),
            "relationships:\n- source: c\n  targets:\n  - d\n- source: a\n  targets:\n  - b\n"
        );
    }

    #[test]
    fn a_missing_or_empty_list_becomes_a_block() {
        let text = "source: x\nprovenance:\n  kind: suggested\nend: 1\n";
        assert_eq!(
            append(text, "decisions").expect("edit"),
            "source: x\nprovenance:\n  kind: suggested\ndecisions:\n- source: a\n  targets:\n  - b\nend: 1\n"
        );
        assert_eq!(
            append(
                "source: x\ndecisions: []  # none yet\nend: 1\n",
                "decisions"
            )
            .expect("edit"),
            "source: x\ndecisions:\n- source: a\n  targets:\n  - b\nend: 1\n"
        );
        assert_eq!(
            append("source: x\ndecisions:\n", "decisions").expect("edit"),
            "source: x\ndecisions:\n- source: a\n  targets:\n  - b\n"
        );
    }

    #[test]
    fn refuses_a_list_it_cannot_extend_in_place() {
        assert_eq!(
            append("decisions: [a, b]\n", "decisions"),
            Err(EditError::NotSequence("decisions".into()))
        );
        assert_eq!(
            append("decisions: 3\n", "decisions"),
            Err(EditError::NotSequence("decisions".into()))
        );
        assert_eq!(
            append("{decisions: []}", "decisions"),
            Err(EditError::NotBlockMapping)
        );
    }
}
