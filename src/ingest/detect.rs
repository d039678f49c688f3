//! The first bytes of a file, and what they say about its format: the
//! root element of XML, the top-level keys of JSON, the header of CSV.
//! Formats are judged by content, never by file name.

use quick_xml::events::Event;

/// How much of a file detection looks at.
pub const HEAD_BYTES: usize = 256 * 1024;

/// The start of a file.
pub struct Head<'a> {
    bytes: &'a [u8],
}

/// The syntax a file's first meaningful character suggests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Xml,
    Json,
    /// Anything else (CSV, text).
    Other,
}

impl<'a> Head<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Head { bytes }
    }

    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The head as text, up to the last whole character (a head may end
    /// inside one); `None` when it is not UTF-8 at all.
    pub fn text(&self) -> Option<&'a str> {
        let b = self
            .bytes
            .strip_prefix(b"\xef\xbb\xbf")
            .unwrap_or(self.bytes);
        match std::str::from_utf8(b) {
            Ok(s) => Some(s),
            Err(e) if e.error_len().is_none() => std::str::from_utf8(&b[..e.valid_up_to()]).ok(),
            Err(_) => None,
        }
    }

    pub fn syntax(&self) -> Syntax {
        let Some(t) = self.text() else {
            return Syntax::Other;
        };
        match t.trim_start().chars().next() {
            Some('<') => Syntax::Xml,
            Some('{' | '[') => Syntax::Json,
            _ => Syntax::Other,
        }
    }

    /// The root element: its local name and namespace URI (from its own
    /// `xmlns` or `xmlns:prefix` attribute). Comments, the declaration,
    /// processing instructions and a DOCTYPE before it are skipped.
    pub fn xml_root(&self) -> Option<(String, Option<String>)> {
        if self.syntax() != Syntax::Xml {
            return None;
        }
        let mut reader = quick_xml::Reader::from_reader(self.bytes);
        let mut buf = Vec::new();
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(Event::Start(s) | Event::Empty(s)) => {
                    let qname = s.name();
                    let full = qname.as_ref().to_string();
                    let (prefix, local) = match full.split_once(':') {
                        Some((p, l)) => (Some(p.to_string()), l.to_string()),
                        None => (None, full.clone()),
                    };
                    let want = match &prefix {
                        Some(p) => format!("xmlns:{p}"),
                        None => "xmlns".to_string(),
                    };
                    let ns = s.attributes().flatten().find_map(|a| {
                        (a.key.as_ref() == want.as_str()).then(|| a.value.to_string())
                    });
                    return Some((local, ns));
                }
                Ok(Event::Eof) | Err(_) => return None,
                Ok(_) => {}
            }
            buf.clear();
        }
    }

    /// Whether the head contains `needle` (for formats that are told apart
    /// by a marker near the start, such as a namespace further down).
    pub fn contains(&self, needle: &str) -> bool {
        self.text().is_some_and(|t| t.contains(needle))
    }

    /// The keys of the top-level JSON object that appear in the head, in
    /// order (a scan of the text tracking strings and nesting, so a key is
    /// found however much whitespace the file uses). Empty when the head is
    /// not a JSON object.
    pub fn json_keys(&self) -> Vec<String> {
        let Some(t) = self.text() else {
            return Vec::new();
        };
        let t = t.trim_start();
        if !t.starts_with('{') {
            return Vec::new();
        }
        top_level_keys(t, 1)
    }

    /// The keys of the first object inside the top-level JSON array (for
    /// formats that are an array of records, such as Prowler's OCSF).
    pub fn json_array_item_keys(&self) -> Vec<String> {
        let Some(t) = self.text() else {
            return Vec::new();
        };
        let t = t.trim_start();
        let Some(rest) = t.strip_prefix('[') else {
            return Vec::new();
        };
        let rest = rest.trim_start();
        if !rest.starts_with('{') {
            return Vec::new();
        }
        top_level_keys(rest, 1)
    }

    /// The first line, without its line break (a CSV header).
    pub fn first_line(&self) -> Option<&'a str> {
        let t = self.text()?;
        Some(t.lines().next().unwrap_or("").trim_end_matches('\r'))
    }
}

/// Keys at nesting depth `want` (1 = inside the outermost object) of the
/// JSON text `t`, which starts with `{`.
fn top_level_keys(t: &str, want: usize) -> Vec<String> {
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut chars = t.char_indices().peekable();
    // Whether the next string at depth `want` is a key (after `{` or `,`).
    let mut expect_key = false;
    while let Some((_, c)) = chars.next() {
        match c {
            '{' => {
                depth += 1;
                expect_key = depth == want;
            }
            '[' => {
                depth += 1;
                expect_key = false;
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                expect_key = false;
                if depth == 0 {
                    // The object the keys belong to has closed.
                    break;
                }
            }
            ',' => expect_key = depth == want,
            '"' => {
                let mut s = String::new();
                let mut escaped = false;
                for (_, d) in chars.by_ref() {
                    if escaped {
                        s.push(d);
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == '"' {
                        break;
                    } else {
                        s.push(d);
                    }
                }
                if expect_key && depth == want {
                    keys.push(s);
                }
                expect_key = false;
            }
            _ => {}
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_root_and_namespace() {
        let h = Head::new(
            b"<?xml version=\"1.0\"?>\n<!-- c -->\n<arf:asset-report-collection xmlns:arf=\"http://scap.nist.gov/schema/asset-reporting-format/1.1\">",
        );
        assert_eq!(
            h.xml_root(),
            Some((
                "asset-report-collection".into(),
                Some("http://scap.nist.gov/schema/asset-reporting-format/1.1".into())
            ))
        );
        let h = Head::new(b"<CHECKLIST><ASSET>");
        assert_eq!(h.xml_root(), Some(("CHECKLIST".into(), None)));
        assert_eq!(Head::new(b"{}").xml_root(), None);
    }

    #[test]
    fn json_keys_at_the_top_level_only() {
        let h = Head::new(
            br#" { "version": "2.1.0", "runs": [ { "tool": {"x": 1} } ], "$schema" : "s" "#,
        );
        assert_eq!(h.json_keys(), vec!["version", "runs", "$schema"]);
        let h = Head::new(br#"[{"metadata": {"a": 1}, "status_code": "FAIL"}, {"b": 2}]"#);
        assert_eq!(h.json_array_item_keys(), vec!["metadata", "status_code"]);
        // A key-like string inside a value is not a key.
        let h = Head::new(br#"{"a": "x\", \"runs\": 1", "b": {"runs": 2}}"#);
        assert_eq!(h.json_keys(), vec!["a", "b"]);
    }

    #[test]
    fn a_head_cut_inside_a_character_is_still_text() {
        let h = Head::new(
            "{\"é\": 1, \"ü"
                .as_bytes()
                .split_last()
                .map(|(_, b)| b)
                .unwrap_or(b""),
        );
        assert!(h.text().is_some());
    }
}
