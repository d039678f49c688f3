//! Streaming XML for the XML readers (XCCDF, ARF, checklists, Nessus,
//! Burp, ZAP): a few simple events over quick-xml's buffered reader, so a
//! file of hundreds of megabytes is read in memory that does not grow
//! with it. Safety lives here once: a DOCTYPE that declares entities or
//! names an external DTD is refused, only XML's predefined entities and
//! character references are resolved, nesting and text are bounded, and
//! positions are tracked as lines for error messages.

use super::IngestError;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Deeper nesting than this is refused (real result files stay under 40).
const MAX_DEPTH: usize = 512;
/// Text kept of one text node; the rest is dropped (readers keep short
/// values: ids, statuses, messages).
const MAX_TEXT: usize = 1 << 20;

/// An element's start: local name (no prefix), the prefix, and attributes
/// with their values unescaped (local names as keys).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Start {
    pub name: String,
    pub prefix: Option<String>,
    pub attrs: Vec<(String, String)>,
}

impl Start {
    /// The attribute with local name `key`.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XmlEvent {
    /// An element opens (an empty element gives `Start` then `End`).
    Start(Start),
    /// An element closes: its local name.
    End(String),
    /// The text (and CDATA) between two tags, unescaped, when it is not
    /// only white space.
    Text(String),
}

/// A pull parser over `input` read from `path`.
pub struct XmlStream<R: BufRead> {
    reader: quick_xml::Reader<R>,
    path: PathBuf,
    format: &'static str,
    buf: Vec<u8>,
    /// Elements open in the parser (ahead of what was returned).
    open: usize,
    /// Elements open in what was returned to the caller.
    depth: usize,
    line: usize,
    text: String,
    /// Events decided but not yet returned (text before a tag, the end of
    /// an empty element).
    queue: std::collections::VecDeque<XmlEvent>,
    seen_root: bool,
}

impl<R: BufRead> XmlStream<R> {
    /// `format` names the reader in error messages.
    pub fn new(input: R, path: &Path, format: &'static str) -> Self {
        let mut reader = quick_xml::Reader::from_reader(input);
        reader.config_mut().check_end_names = true;
        XmlStream {
            reader,
            path: path.to_path_buf(),
            format,
            buf: Vec::with_capacity(64 * 1024),
            open: 0,
            depth: 0,
            line: 1,
            text: String::new(),
            queue: std::collections::VecDeque::new(),
            seen_root: false,
        }
    }

    /// The line the parser has reached (1-based).
    pub fn line(&self) -> usize {
        self.line
    }

    /// The current element depth (1 inside the root).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// An error at the current line.
    pub fn error(&self, message: impl Into<String>) -> IngestError {
        IngestError::malformed(&self.path, self.format, Some(self.line), message)
    }

    /// The next event, or `None` at the end of a well-formed document. A
    /// document that ends with elements still open is an error (a file cut
    /// short).
    pub fn next_event(&mut self) -> Result<Option<XmlEvent>, IngestError> {
        let event = match self.queue.pop_front() {
            Some(e) => Some(e),
            None => self.parse()?,
        };
        match &event {
            Some(XmlEvent::Start(_)) => self.depth += 1,
            Some(XmlEvent::End(_)) => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        Ok(event)
    }

    fn parse(&mut self) -> Result<Option<XmlEvent>, IngestError> {
        loop {
            // The event borrows the buffer, not the parser, so the rest of
            // `self` stays usable while it is handled.
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            let step = match self.reader.read_event_into(&mut buf) {
                Ok(event) => self.handle(event),
                Err(e) => Err(IngestError::malformed(
                    &self.path,
                    self.format,
                    Some(self.line),
                    e.to_string(),
                )),
            };
            self.buf = buf;
            match step? {
                Step::Continue => {}
                Step::Return(e) => return Ok(e),
            }
        }
    }

    fn handle(&mut self, event: Event<'_>) -> Result<Step, IngestError> {
        let newlines = match &event {
            Event::Start(s) | Event::Empty(s) => count_lines(s.as_ref()),
            Event::End(e) => count_lines(e.as_ref()),
            Event::Text(t) | Event::Comment(t) | Event::DocType(t) => count_lines(t.as_ref()),
            Event::CData(c) => count_lines(c.as_ref()),
            Event::PI(p) => count_lines(p.as_ref()),
            Event::Decl(d) => count_lines(d.as_ref()),
            Event::GeneralRef(_) | Event::Eof => 0,
        };
        let line_before = self.line;
        self.line += newlines;
        match event {
            Event::DocType(d) => {
                let decl = d.xml_content(XmlVersion::Implicit1_0);
                if decl.contains("<!ENTITY") || decl.contains("SYSTEM") || decl.contains("PUBLIC") {
                    return Err(IngestError::XmlEntities {
                        path: self.path.clone(),
                        line: line_before,
                    });
                }
            }
            Event::Start(s) => {
                if self.open == 0 && self.seen_root {
                    return Err(self.error("content after the root element"));
                }
                if self.open >= MAX_DEPTH {
                    return Err(
                        self.error(format!("elements nested deeper than {MAX_DEPTH} levels"))
                    );
                }
                let start = self.start(&s)?;
                self.open += 1;
                self.seen_root = true;
                self.flush_text();
                self.queue.push_back(XmlEvent::Start(start));
                return Ok(Step::Return(self.queue.pop_front()));
            }
            Event::Empty(s) => {
                if self.open == 0 && self.seen_root {
                    return Err(self.error("content after the root element"));
                }
                let start = self.start(&s)?;
                self.seen_root = true;
                let name = start.name.clone();
                self.flush_text();
                self.queue.push_back(XmlEvent::Start(start));
                self.queue.push_back(XmlEvent::End(name));
                return Ok(Step::Return(self.queue.pop_front()));
            }
            Event::End(e) => {
                self.open = self.open.saturating_sub(1);
                let name = local(e.name().as_ref()).to_string();
                self.flush_text();
                self.queue.push_back(XmlEvent::End(name));
                return Ok(Step::Return(self.queue.pop_front()));
            }
            Event::Text(t) => {
                let text = t.xml_content(XmlVersion::Implicit1_0);
                if self.open == 0 {
                    if !text.trim().is_empty() {
                        return Err(self.error("text outside the root element"));
                    }
                } else {
                    self.push_text(&text);
                }
            }
            Event::CData(c) => {
                let text = c.xml_content(XmlVersion::Implicit1_0);
                self.push_text(&text);
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = r.xml_content(XmlVersion::Implicit1_0);
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(s) => s.to_string(),
                            None => {
                                return Err(self.error(format!(
                                    "entity reference `&{};` is not one of XML's predefined entities; Aegis never expands entities",
                                    crate::excerpt::text(&name)
                                )));
                            }
                        }
                    }
                    Err(e) => return Err(self.error(format!("bad character reference: {e}"))),
                };
                self.push_text(&resolved);
            }
            Event::Eof => {
                if self.open > 0 {
                    return Err(self.error(
                        "the document ends with elements still open (the file is probably cut short)",
                    ));
                }
                if !self.seen_root {
                    return Err(self.error("the document has no root element"));
                }
                return Ok(Step::Return(None));
            }
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
        }
        Ok(Step::Continue)
    }

    /// Reads to the end of the element whose `Start` was just returned,
    /// discarding what is inside (readers skip what they do not need).
    pub fn skip(&mut self) -> Result<(), IngestError> {
        let target = self.depth.saturating_sub(1);
        while self.depth > target {
            if self.next_event()?.is_none() {
                break;
            }
        }
        Ok(())
    }

    /// The text inside the element whose `Start` was just returned (all of
    /// its text, nested elements' text included, joined), reading to its end.
    pub fn text_until_end(&mut self) -> Result<String, IngestError> {
        let target = self.depth.saturating_sub(1);
        let mut out = String::new();
        while self.depth > target {
            match self.next_event()? {
                Some(XmlEvent::Text(t)) => {
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    if out.len() + t.len() <= MAX_TEXT {
                        out.push_str(&t);
                    }
                }
                Some(_) => {}
                None => break,
            }
        }
        Ok(out)
    }

    fn start(&self, s: &BytesStart) -> Result<Start, IngestError> {
        let full = s.name().as_ref().to_string();
        let (prefix, name) = match full.split_once(':') {
            Some((p, n)) => (Some(p.to_string()), n.to_string()),
            None => (None, full),
        };
        let mut attrs = Vec::new();
        for a in s.attributes() {
            let a = a.map_err(|e| self.error(format!("bad attribute: {e}")))?;
            let key = local(a.key.as_ref()).to_string();
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| self.error(format!("bad attribute value: {e}")))?
                .into_owned();
            attrs.push((key, value));
        }
        Ok(Start {
            name,
            prefix,
            attrs,
        })
    }

    fn push_text(&mut self, t: &str) {
        if self.text.len() + t.len() <= MAX_TEXT {
            self.text.push_str(t);
        }
    }

    /// Queues the text gathered since the last tag, when it is more than
    /// white space.
    fn flush_text(&mut self) {
        let text = std::mem::take(&mut self.text);
        let t = text.trim();
        if !t.is_empty() {
            self.queue.push_back(XmlEvent::Text(t.to_string()));
        }
    }
}

/// What one parser event amounts to for the caller.
enum Step {
    Continue,
    Return(Option<XmlEvent>),
}

fn count_lines(s: &str) -> usize {
    s.bytes().filter(|c| *c == b'\n').count()
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(xml: &str) -> Result<Vec<XmlEvent>, IngestError> {
        let mut s = XmlStream::new(xml.as_bytes(), Path::new("t.xml"), "test");
        let mut out = Vec::new();
        while let Some(e) = s.next_event()? {
            out.push(e);
        }
        Ok(out)
    }

    fn start(name: &str, attrs: &[(&str, &str)]) -> XmlEvent {
        XmlEvent::Start(Start {
            name: name.into(),
            prefix: None,
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
    }

    #[test]
    fn events_with_entities_resolved_and_empty_elements_closed() {
        let e = events(
            "<?xml version=\"1.0\"?>\n<r a=\"x&amp;y\">t &lt;1&gt; &#65;<e/><![CDATA[c]]></r>",
        )
        .expect("parses");
        assert_eq!(
            e,
            vec![
                start("r", &[("a", "x&y")]),
                XmlEvent::Text("t <1> A".into()),
                start("e", &[]),
                XmlEvent::End("e".into()),
                XmlEvent::Text("c".into()),
                XmlEvent::End("r".into()),
            ]
        );
    }

    #[test]
    fn skip_and_text_keep_their_place() {
        let xml = "<r><a><b>1</b><c/></a><d>two <i>words</i></d><f/></r>";
        let mut s = XmlStream::new(xml.as_bytes(), Path::new("t.xml"), "test");
        assert!(matches!(s.next_event(), Ok(Some(XmlEvent::Start(_)))));
        assert!(matches!(s.next_event(), Ok(Some(XmlEvent::Start(ref x))) if x.name == "a"));
        s.skip().expect("skip");
        assert!(matches!(s.next_event(), Ok(Some(XmlEvent::Start(ref x))) if x.name == "d"));
        assert_eq!(s.text_until_end().expect("text"), "two words");
        assert!(matches!(s.next_event(), Ok(Some(XmlEvent::Start(ref x))) if x.name == "f"));
        s.skip().expect("skip empty");
        assert_eq!(
            s.next_event().expect("end"),
            Some(XmlEvent::End("r".into()))
        );
        assert_eq!(s.next_event().expect("eof"), None);
    }

    #[test]
    fn hostile_and_broken_documents_are_refused() {
        let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;\">]>\n<r>&b;</r>";
        assert!(matches!(
            events(bomb),
            Err(IngestError::XmlEntities { line: 2, .. })
        ));
        let external = "<!DOCTYPE r SYSTEM \"file:///etc/passwd\"><r/>";
        assert!(matches!(
            events(external),
            Err(IngestError::XmlEntities { .. })
        ));
        let undefined = "<r>&foo;</r>";
        assert!(events(undefined).is_err());
        let cut = "<r>\n<a>\n<b>x</b>\n";
        match events(cut) {
            Err(IngestError::Malformed { line: Some(4), .. }) => {}
            other => panic!("{other:?}"),
        }
        let deep = format!("{}{}", "<a>".repeat(600), "</a>".repeat(600));
        assert!(events(&deep).is_err());
        assert!(events("<a/><b/>").is_err());
        assert!(events("").is_err());
    }
}
