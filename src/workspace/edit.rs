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
            let from = end.saturating_sub(1).max(e.key_pos.offset);
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
}
