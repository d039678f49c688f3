//! OSCAL XML → the OSCAL JSON shape, so one mapping serves all three
//! serializations NIST publishes.
//!
//! The document is read with quick-xml's streaming `&str` reader into a small
//! element tree, then converted element by element: repeated children become
//! the JSON model's plural arrays, and markup (`<p>`, `<insert>`, `<em>`, ...)
//! becomes the Markdown-ish text the JSON form carries. Entities are never
//! expanded: a DOCTYPE declaring any is refused, and only XML's five
//! predefined entities and character references are accepted.

use serde_json::{Map, Value};
use std::path::Path;

use crate::import::ImportError;
use quick_xml::XmlVersion;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// Deeper nesting than this is refused; real catalogs stay under 30.
const MAX_DEPTH: usize = 256;

#[derive(Debug)]
struct Elem {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<XNode>,
}

#[derive(Debug)]
enum XNode {
    Elem(Elem),
    Text(String),
}

/// Parses OSCAL XML `text` (read from `path`) into the JSON shape, with the
/// root element's name as the single top-level key.
pub fn to_json(text: &str, path: &Path) -> Result<Value, ImportError> {
    let root = parse_tree(text, path)?;
    let mut top = Map::new();
    top.insert(root.name.clone(), element(&root));
    Ok(Value::Object(top))
}

fn line_of(text: &str, offset: u64) -> usize {
    let end = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn parse_tree(text: &str, path: &Path) -> Result<Elem, ImportError> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Elem> = Vec::new();
    let mut root: Option<Elem> = None;
    let err = |reader: &Reader<&[u8]>, message: String| ImportError::Xml {
        path: path.to_path_buf(),
        line: line_of(text, reader.buffer_position()),
        message,
    };
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                return Err(ImportError::Xml {
                    path: path.to_path_buf(),
                    line: line_of(text, reader.error_position()),
                    message: crate::excerpt::message(&e.to_string()),
                });
            }
        };
        match event {
            Event::DocType(d) => {
                let decl = d.xml_content(XmlVersion::Implicit1_0);
                if decl.contains("<!ENTITY") || decl.contains("SYSTEM") || decl.contains("PUBLIC") {
                    return Err(ImportError::XmlEntities {
                        path: path.to_path_buf(),
                        line: line_of(text, reader.buffer_position()),
                    });
                }
            }
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(err(&reader, "content after the root element".into()));
            }
            Event::Start(s) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(err(
                        &reader,
                        format!("elements nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                stack.push(start(&s, |m| err(&reader, m))?);
            }
            Event::Empty(s) => {
                let e = start(&s, |m| err(&reader, m))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(XNode::Elem(e)),
                    None => root = Some(e),
                }
            }
            Event::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err(err(&reader, "closing tag without an opening tag".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(XNode::Elem(done)),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                if let Some(parent) = stack.last_mut() {
                    push_text(parent, &t.xml_content(XmlVersion::Implicit1_0));
                } else if !t.xml_content(XmlVersion::Implicit1_0).trim().is_empty() {
                    return Err(err(&reader, "text outside the root element".into()));
                }
            }
            Event::CData(c) => {
                if let Some(parent) = stack.last_mut() {
                    push_text(parent, &c.xml_content(XmlVersion::Implicit1_0));
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = r.xml_content(XmlVersion::Implicit1_0);
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(s) => s.to_string(),
                            None => {
                                return Err(err(
                                    &reader,
                                    format!(
                                        "entity reference `&{};` is not one of XML's predefined entities; Aegis never expands entities",
                                        crate::excerpt::text(&name)
                                    ),
                                ));
                            }
                        }
                    }
                    Err(e) => {
                        return Err(err(
                            &reader,
                            format!(
                                "bad character reference: {}",
                                crate::excerpt::message(&e.to_string())
                            ),
                        ));
                    }
                };
                if let Some(parent) = stack.last_mut() {
                    push_text(parent, &resolved);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(ImportError::Xml {
            path: path.to_path_buf(),
            line: line_of(text, text.len() as u64),
            message: format!(
                "the document ends inside <{}>",
                crate::excerpt::text(stack.last().map_or("", |e| e.name.as_str()))
            ),
        });
    }
    root.ok_or_else(|| ImportError::Xml {
        path: path.to_path_buf(),
        line: 1,
        message: "no root element".into(),
    })
}

fn push_text(parent: &mut Elem, s: &str) {
    if let Some(XNode::Text(prev)) = parent.children.last_mut() {
        prev.push_str(s);
    } else {
        parent.children.push(XNode::Text(s.to_string()));
    }
}

fn start(
    s: &quick_xml::events::BytesStart,
    err: impl Fn(String) -> ImportError,
) -> Result<Elem, ImportError> {
    let name = local(s.name().as_ref()).to_string();
    let mut attrs = Vec::new();
    for a in s.attributes() {
        let a = a.map_err(|e| {
            err(format!(
                "bad attribute on <{}>: {}",
                crate::excerpt::text(&name),
                crate::excerpt::message(&e.to_string())
            ))
        })?;
        let key = a.key.as_ref().to_string();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = a.normalized_value(XmlVersion::Implicit1_0).map_err(|e| {
            err(format!(
                "attribute `{}` of <{}>: {}; Aegis never expands entities",
                crate::excerpt::text(&key),
                crate::excerpt::text(&name),
                crate::excerpt::message(&e.to_string())
            ))
        })?;
        attrs.push((local(&key).to_string(), value.into_owned()));
    }
    Ok(Elem {
        name,
        attrs,
        children: Vec::new(),
    })
}

/// Block-level markup: an element holding these carries Markdown prose.
const BLOCKS: &[&str] = &[
    "p",
    "ol",
    "ul",
    "table",
    "pre",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
];
/// Inline markup: text-only elements may contain these and still be strings.
const INLINE: &[&str] = &[
    "em", "i", "strong", "b", "code", "q", "sub", "sup", "a", "insert", "img", "br", "span",
];
/// Fields whose value is always Markdown text, whatever the children.
const MARKUP: &[&str] = &["description", "remarks", "prose"];

/// The JSON key (and whether it is an array) of a child element.
fn plural(name: &str) -> Option<&'static str> {
    Some(match name {
        "prop" => "props",
        "link" => "links",
        "part" => "parts",
        "param" => "params",
        "control" => "controls",
        "group" => "groups",
        "guideline" => "guidelines",
        "constraint" => "constraints",
        "test" => "tests",
        "value" => "values",
        "choice" => "choice",
        "with-id" => "with-ids",
        "matching" => "matching",
        "include-controls" => "include-controls",
        "exclude-controls" => "exclude-controls",
        "import" => "imports",
        "set-parameter" => "set-parameters",
        "alter" => "alters",
        "add" => "adds",
        "remove" => "removes",
        "resource" => "resources",
        "rlink" => "rlinks",
        "role" => "roles",
        "party" => "parties",
        "responsible-party" => "responsible-parties",
        "party-uuid" => "party-uuids",
        "email-address" => "email-addresses",
        "telephone-number" => "telephone-numbers",
        "address" => "addresses",
        "addr-line" => "addr-lines",
        "location" => "locations",
        "location-uuid" => "location-uuids",
        "member-of-organization" => "member-of-organizations",
        "document-id" => "document-ids",
        "revision" => "revisions",
        "external-id" => "external-ids",
        "hash" => "hashes",
        "action" => "actions",
        "url" => "urls",
        _ => return None,
    })
}

fn is_elem(n: &XNode, names: &[&str]) -> bool {
    matches!(n, XNode::Elem(e) if names.contains(&e.name.as_str()))
}

fn element(e: &Elem) -> Value {
    if MARKUP.contains(&e.name.as_str()) {
        return Value::String(markdown(&e.children));
    }
    if e.name == "as-is" {
        return Value::Bool(inline(&e.children).trim() == "true");
    }
    let text_only = e
        .children
        .iter()
        .all(|c| matches!(c, XNode::Text(_)) || is_elem(c, INLINE));
    let has_text = e.children.iter().any(|c| match c {
        XNode::Text(t) => !t.trim().is_empty(),
        XNode::Elem(_) => true,
    });
    if e.attrs.is_empty() && text_only && has_text && e.name != "guideline" {
        return Value::String(inline(&e.children));
    }
    let mut map = Map::new();
    for (k, v) in &e.attrs {
        map.insert(k.clone(), Value::String(v.clone()));
    }
    if e.children.iter().any(|c| is_elem(c, BLOCKS)) {
        let blocks: Vec<&XNode> = e
            .children
            .iter()
            .filter(|c| is_elem(c, BLOCKS) || matches!(c, XNode::Text(_)))
            .collect();
        let text = markdown_refs(&blocks);
        map.insert("prose".into(), Value::String(text));
    } else if text_only && has_text {
        let key = match e.name.as_str() {
            "link" => "text",
            "guideline" => "prose",
            _ => "value",
        };
        map.insert(key.into(), Value::String(inline(&e.children)));
    }
    for c in &e.children {
        let XNode::Elem(child) = c else { continue };
        if BLOCKS.contains(&child.name.as_str())
            || (INLINE.contains(&child.name.as_str()) && text_only)
        {
            continue;
        }
        let v = element(child);
        match plural(&child.name) {
            Some(key) => match map.entry(key).or_insert_with(|| Value::Array(Vec::new())) {
                Value::Array(items) => items.push(v),
                other => *other = Value::Array(vec![other.take(), v]),
            },
            None => match map.get_mut(&child.name) {
                Some(Value::Array(items)) => items.push(v),
                Some(prev) => *prev = Value::Array(vec![prev.take(), v]),
                None => {
                    map.insert(child.name.clone(), v);
                }
            },
        }
    }
    Value::Object(map)
}

fn markdown(children: &[XNode]) -> String {
    let refs: Vec<&XNode> = children.iter().collect();
    markdown_refs(&refs)
}

/// Block markup as Markdown: paragraphs separated by blank lines.
fn markdown_refs(children: &[&XNode]) -> String {
    let mut blocks: Vec<String> = Vec::new();
    let mut loose: Vec<&XNode> = Vec::new();
    let flush = |loose: &mut Vec<&XNode>, blocks: &mut Vec<String>| {
        if !loose.is_empty() {
            let s = inline_refs(loose);
            if !s.is_empty() {
                blocks.push(s);
            }
            loose.clear();
        }
    };
    for c in children {
        match c {
            XNode::Elem(e) if BLOCKS.contains(&e.name.as_str()) => {
                flush(&mut loose, &mut blocks);
                let b = block(e);
                if !b.is_empty() {
                    blocks.push(b);
                }
            }
            other => loose.push(other),
        }
    }
    flush(&mut loose, &mut blocks);
    blocks.join("\n\n")
}

fn block(e: &Elem) -> String {
    match e.name.as_str() {
        "p" => inline(&e.children),
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
            let level: usize = e.name[1..].parse().unwrap_or(1);
            format!("{} {}", "#".repeat(level), inline(&e.children))
        }
        "ol" | "ul" => {
            let mut lines = Vec::new();
            let mut n = 0;
            for c in &e.children {
                let XNode::Elem(li) = c else { continue };
                n += 1;
                let bullet = if e.name == "ol" {
                    format!("{n}.")
                } else {
                    "-".to_string()
                };
                let body = markdown(&li.children).replace('\n', "\n   ");
                lines.push(format!("{bullet} {body}"));
            }
            lines.join("\n")
        }
        "pre" => format!("```\n{}\n```", raw_text(&e.children).trim_matches('\n')),
        "blockquote" => markdown(&e.children)
            .lines()
            .map(|l| format!("> {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
        "hr" => "---".to_string(),
        "table" => {
            let mut rows = Vec::new();
            for r in &e.children {
                let XNode::Elem(tr) = r else { continue };
                let cells: Vec<String> = tr
                    .children
                    .iter()
                    .filter_map(|c| match c {
                        XNode::Elem(td) => Some(inline(&td.children)),
                        XNode::Text(_) => None,
                    })
                    .collect();
                rows.push(format!("| {} |", cells.join(" | ")));
                if rows.len() == 1 {
                    rows.push(format!("|{}", " --- |".repeat(cells.len())));
                }
            }
            rows.join("\n")
        }
        _ => inline(&e.children),
    }
}

fn raw_text(children: &[XNode]) -> String {
    children
        .iter()
        .map(|c| match c {
            XNode::Text(t) => t.clone(),
            XNode::Elem(e) => raw_text(&e.children),
        })
        .collect()
}

fn inline(children: &[XNode]) -> String {
    let refs: Vec<&XNode> = children.iter().collect();
    inline_refs(&refs)
}

/// Inline markup as Markdown, with XML whitespace collapsed to single spaces.
fn inline_refs(children: &[&XNode]) -> String {
    let mut out = String::new();
    for c in children {
        match c {
            XNode::Text(t) => out.push_str(t),
            XNode::Elem(e) => {
                let inner = inline(&e.children);
                let attr = |k: &str| {
                    e.attrs
                        .iter()
                        .find(|(n, _)| n == k)
                        .map(|(_, v)| v.as_str())
                        .unwrap_or("")
                };
                match e.name.as_str() {
                    "em" | "i" => out.push_str(&format!("*{inner}*")),
                    "strong" | "b" => out.push_str(&format!("**{inner}**")),
                    "code" => out.push_str(&format!("`{inner}`")),
                    "q" => out.push_str(&format!("\"{inner}\"")),
                    "sub" => out.push_str(&format!("~{inner}~")),
                    "sup" => out.push_str(&format!("^{inner}^")),
                    "a" => out.push_str(&format!("[{inner}]({})", attr("href"))),
                    "img" => out.push_str(&format!("![{}]({})", attr("alt"), attr("src"))),
                    "insert" => {
                        let kind = match attr("type") {
                            "" => "param",
                            t => t,
                        };
                        out.push_str(&format!("{{{{ insert: {kind}, {} }}}}", attr("id-ref")));
                    }
                    "br" => out.push('\n'),
                    _ => out.push_str(&inner),
                }
            }
        }
    }
    collapse(&out)
}

fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for ch in s.chars() {
        if ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(s: &str) -> Result<Value, ImportError> {
        to_json(s, Path::new("t.xml"))
    }

    #[test]
    fn controls_and_markup_take_the_json_shape() {
        let v = conv(
            r#"<?xml version="1.0"?>
<catalog xmlns="http://csrc.nist.gov/ns/oscal/1.0" uuid="u1">
  <metadata><title>Cat</title><version>1</version></metadata>
  <group id="ac"><title>Access</title>
    <control id="ac-1"><title>Policy &amp; <em>procedures</em></title>
      <param id="ac-1_prm_1"><label>roles</label></param>
      <param id="ac-1_prm_2"><select how-many="one-or-more"><choice>a</choice><choice>b</choice></select></param>
      <prop name="label" value="AC-1"/>
      <part name="statement" id="ac-1_smt"><p>Do <insert type="param" id-ref="ac-1_prm_1"/>
        now.</p><p>Second.</p></part>
    </control>
  </group>
</catalog>"#,
        )
        .expect("parses");
        let c = &v["catalog"]["groups"][0]["controls"][0];
        assert_eq!(c["title"], "Policy & *procedures*");
        assert_eq!(c["params"][1]["select"]["choice"][1], "b");
        assert_eq!(c["params"][0]["label"], "roles");
        assert_eq!(c["props"][0]["value"], "AC-1");
        assert_eq!(
            c["parts"][0]["prose"],
            "Do {{ insert: param, ac-1_prm_1 }} now.\n\nSecond."
        );
        assert_eq!(v["catalog"]["metadata"]["version"], "1");
    }

    #[test]
    fn block_markup_becomes_markdown() {
        let v = conv(
            r#"<catalog><group id="g"><title>G</title><part name="guidance"><p>Intro <a href="https://x">link</a>:</p>
<ol><li>one <code>c</code></li><li>two</li></ol><ul><li>dot</li></ul>
<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table></part></group></catalog>"#,
        )
        .expect("parses");
        assert_eq!(
            v["catalog"]["groups"][0]["parts"][0]["prose"],
            "Intro [link](https://x):\n\n1. one `c`\n2. two\n\n- dot\n\n| A | B |\n| --- | --- |\n| 1 | 2 |"
        );
    }

    #[test]
    fn entity_declarations_are_refused() {
        let e = conv(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE c [<!ENTITY x \"boom\">]>\n<catalog>&x;</catalog>",
        )
        .expect_err("refused");
        assert!(matches!(e, ImportError::XmlEntities { line: 2, .. }), "{e}");
        let e = conv("<catalog>&x;</catalog>").expect_err("refused");
        assert!(e.to_string().contains("never expands"), "{e}");
    }

    #[test]
    fn broken_xml_names_the_line() {
        let e = conv("<catalog>\n<a>\n</b></catalog>").expect_err("broken");
        assert!(matches!(e, ImportError::Xml { line: 3, .. }), "{e:?}");
    }
}
