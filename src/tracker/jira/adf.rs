//! A [`Doc`] as Atlassian Document Format, the rich text of Jira Cloud's
//! REST API v3. ADF text nodes are plain text (no markup, no mentions), so
//! escaping is only making control characters visible; empty text nodes,
//! which Jira refuses, are left out.

use crate::output::escape;
use crate::tracker::doc::{Block, Doc, Inline};
use serde_json::{Value, json};

pub fn render(doc: &Doc) -> Value {
    let content: Vec<Value> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading(t) => Some(json!({
                "type": "heading",
                "attrs": {"level": 3},
                "content": runs(&[Inline::Text(t.clone())]),
            })),
            Block::Para(r) => Some(paragraph(r)),
            Block::Bullets(items) if !items.is_empty() => Some(json!({
                "type": "bulletList",
                "content": items
                    .iter()
                    .map(|i| json!({"type": "listItem", "content": [paragraph(i)]}))
                    .collect::<Vec<_>>(),
            })),
            Block::Bullets(_) => None,
        })
        .collect();
    json!({"type": "doc", "version": 1, "content": content})
}

fn paragraph(r: &[Inline]) -> Value {
    json!({"type": "paragraph", "content": runs(r)})
}

fn runs(r: &[Inline]) -> Vec<Value> {
    r.iter()
        .filter_map(|i| {
            let (t, mark) = match i {
                Inline::Text(t) => (t, None),
                Inline::Code(t) => (t, Some("code")),
                Inline::Strong(t) => (t, Some("strong")),
            };
            let t = escape::text(t);
            if t.is_empty() {
                return None;
            }
            Some(match mark {
                Some(m) => json!({"type": "text", "text": t, "marks": [{"type": m}]}),
                None => json!({"type": "text", "text": t}),
            })
        })
        .collect()
}

/// Every text of an ADF document, concatenated (for finding what Aegis
/// wrote in a description Jira sends back). Bounded in depth: the
/// document comes from the server.
pub fn text_of(v: &Value) -> String {
    let mut out = String::new();
    walk(v, 0, &mut out);
    out
}

fn walk(v: &Value, depth: usize, out: &mut String) {
    if depth > 64 {
        return;
    }
    match v {
        Value::Object(m) => {
            if let Some(Value::String(t)) = m.get("text") {
                out.push_str(t);
            }
            if let Some(c) = m.get("content") {
                walk(c, depth + 1, out);
                out.push('\n');
            }
        }
        Value::Array(a) => {
            for x in a {
                walk(x, depth + 1, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::doc::{code, strong, text};

    #[test]
    fn documents_become_adf() {
        let d = Doc::default()
            .para(vec![
                text("Control "),
                strong("AC-2"),
                text(""),
                code("ledger"),
            ])
            .bullets(vec![vec![text("@bob\u{1b}[2J")]]);
        let v = render(&d);
        assert_eq!(
            v,
            json!({"type": "doc", "version": 1, "content": [
                {"type": "paragraph", "content": [
                    {"type": "text", "text": "Control "},
                    {"type": "text", "text": "AC-2", "marks": [{"type": "strong"}]},
                    {"type": "text", "text": "ledger", "marks": [{"type": "code"}]},
                ]},
                {"type": "bulletList", "content": [
                    {"type": "listItem", "content": [
                        {"type": "paragraph", "content": [{"type": "text", "text": "@bob\\x1b[2J"}]}
                    ]}
                ]},
            ]})
        );
        assert!(text_of(&v).contains("Control AC-2ledger"));
    }
}
