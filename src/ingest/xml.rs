//! Streaming XML for the XML readers (XCCDF, ARF, checklists, Nessus,
//! Burp, ZAP): a few simple events over quick-xml's buffered reader, so a
//! file of hundreds of megabytes is read in memory that does not grow
//! with it. Safety lives here once: a DOCTYPE that declares entities or
//! names an external DTD is refused, only XML's predefined entities and
//! character references are resolved, nesting and text are bounded, and
//! positions are tracked as lines for error messages.
//!
//! [`pipe`] splits the work over two threads: one tokenizes (quick-xml,
//! unescaping, the checks above) and hands events over in batches, the
//! other runs the reader. Tokenizing is over half the cost of reading a
//! result file, so a large XCCDF file is read nearly twice as fast.

use super::IngestError;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// Deeper nesting than this is refused (real result files stay under 40).
const MAX_DEPTH: usize = 512;
/// Text kept of one text node; the rest is dropped (readers keep short
/// values: ids, statuses, messages).
const MAX_TEXT: usize = 1 << 20;
/// Starts kept for reuse (more than the nesting readers hold at once).
const SPARE_STARTS: usize = 256;
/// Events handed from the tokenizing thread to the reading one at a time,
/// and the bytes of text they may carry (a batch goes when either is
/// reached, so long texts do not make a batch large).
const BATCH: usize = 4096;
const BATCH_BYTES: usize = 256 * 1024;
/// Batches in flight between the two: bounds the memory a pipe holds.
const IN_FLIGHT: usize = 4;

/// An element's start: local name (no prefix), the prefix, and attributes
/// with their values unescaped (local names as keys). Its strings are
/// reused: a `Start` handed back with [`XmlStream::recycle`] is refilled
/// by a later element, so a large file is read without an allocation per
/// element.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Start {
    pub name: String,
    prefix: String,
    /// Attribute keys and values, one after another.
    buf: String,
    /// Per attribute: where its key starts, where its value starts (the
    /// key's end), where its value ends, in `buf`.
    spans: Vec<(usize, usize, usize)>,
}

impl Start {
    /// The attribute with local name `key`.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The attributes, local name and value, in document order.
    pub fn attrs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.spans
            .iter()
            .map(|&(k, v, e)| (&self.buf[k..v], &self.buf[v..e]))
    }

    /// The name's prefix (`xccdf` of `xccdf:Benchmark`), when it has one.
    pub fn prefix(&self) -> Option<&str> {
        (!self.prefix.is_empty()).then_some(self.prefix.as_str())
    }

    fn clear(&mut self) {
        self.name.clear();
        self.prefix.clear();
        self.buf.clear();
        self.spans.clear();
    }

    #[cfg(test)]
    fn new(name: &str, attrs: &[(&str, &str)]) -> Start {
        let mut s = Start {
            name: name.to_string(),
            ..Start::default()
        };
        for (k, v) in attrs {
            s.push_attr(k, v);
        }
        s
    }

    fn push_attr(&mut self, key: &str, value: &str) {
        let k = self.buf.len();
        self.buf.push_str(key);
        let v = self.buf.len();
        self.buf.push_str(value);
        self.spans.push((k, v, self.buf.len()));
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XmlEvent {
    /// An element opens (an empty element gives `Start` then `End`).
    Start(Start),
    /// An element closes.
    End,
    /// The text (and CDATA) between two tags, unescaped and trimmed, when
    /// it is not only white space (inside a verbatim element, see
    /// [`pipe_verbatim`], as written).
    Text(String),
}

/// Events as the tokenizer decides them, their strings in one buffer: a
/// batch is filled on one thread and read on another without a single
/// string crossing between them (which would make each allocator lock
/// the other's arena), and is then handed back to be filled again.
#[derive(Debug, Default)]
struct Batch {
    events: Vec<Raw>,
    /// Tags' contents (name and attributes, as written) and texts, one
    /// after another.
    strings: String,
}

/// One event in a [`Batch`]: ranges in its strings and attributes, and the
/// line the parser had reached when it was decided.
#[derive(Clone, Copy, Debug)]
enum Raw {
    /// The tag's content as written (its attributes are read by the
    /// reading thread, which has less to do) and the length of its name.
    Start {
        tag: (usize, usize),
        name_len: usize,
        line: usize,
    },
    End {
        line: usize,
    },
    Text {
        text: (usize, usize),
        line: usize,
    },
}

impl Batch {
    fn clear(&mut self) {
        self.events.clear();
        self.strings.clear();
    }

    /// Appends `s` to the strings; its range.
    fn push_str(&mut self, s: &str) -> (usize, usize) {
        let at = self.strings.len();
        self.strings.push_str(s);
        (at, self.strings.len())
    }
}

/// What a pipe's tokenizing thread sends: a batch of events, or the error
/// that stopped it (after the events before it).
type Sent = Result<Batch, IngestError>;

/// Reads `input` on this thread and runs `read` over its events on another,
/// returning what `read` returns. An error from either side comes back
/// (the tokenizer's is seen by `read` in document order, as
/// [`XmlStream::next_event`]'s error).
pub fn pipe<R, T, F>(input: R, path: &Path, format: &'static str, read: F) -> Result<T, IngestError>
where
    R: BufRead,
    T: Send,
    F: FnOnce(&mut XmlStream<std::io::Empty>) -> Result<T, IngestError> + Send,
{
    pipe_verbatim(input, path, format, &[], read)
}

/// [`pipe`], keeping the text inside elements named (by local name) in
/// `verbatim` as written: not trimmed, white space between nested elements
/// kept. Fix scripts need their line breaks and indentation around the
/// `sub` elements inside them.
pub fn pipe_verbatim<R, T, F>(
    input: R,
    path: &Path,
    format: &'static str,
    verbatim: &'static [&'static str],
    read: F,
) -> Result<T, IngestError>
where
    R: BufRead,
    T: Send,
    F: FnOnce(&mut XmlStream<std::io::Empty>) -> Result<T, IngestError> + Send,
{
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Sent>(IN_FLIGHT);
        let (back_tx, back_rx) = mpsc::channel::<Batch>();
        let reader = scope.spawn(move || {
            let mut xs = XmlStream::with_source(Source::Piped { rx, back: back_tx }, path, format);
            read(&mut xs)
        });
        let mut tok = Tokenizer::new(input, path, format);
        tok.verbatim = verbatim;
        let mut free: Vec<Batch> = Vec::new();
        let mut batch = Batch::default();
        loop {
            let (more, failed) = match tok.fill(&mut batch) {
                Ok(more) => (more, None),
                Err(e) => (false, Some(e)),
            };
            let full = batch.events.len() >= BATCH || batch.strings.len() >= BATCH_BYTES;
            if (full || !more) && !batch.events.is_empty() {
                while let Ok(mut spent) = back_rx.try_recv() {
                    if free.len() <= IN_FLIGHT {
                        spent.clear();
                        free.push(spent);
                    }
                }
                let next = free.pop().unwrap_or_default();
                if tx.send(Ok(std::mem::replace(&mut batch, next))).is_err() {
                    break; // the reader stopped
                }
            }
            if let Some(e) = failed {
                let _ = tx.send(Err(e));
            }
            if !more {
                break;
            }
        }
        drop(tx);
        match reader.join() {
            Ok(out) => out,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// quick-xml's events turned into [`Raw`] events, with the checks.
struct Tokenizer<R: BufRead> {
    reader: quick_xml::Reader<R>,
    path: PathBuf,
    format: &'static str,
    buf: Vec<u8>,
    /// Elements open.
    open: usize,
    line: usize,
    text: String,
    seen_root: bool,
    /// Local names of elements whose text is kept as written.
    verbatim: &'static [&'static str],
    /// The number of elements open outside the verbatim element being read.
    in_verbatim: Option<usize>,
}

impl<R: BufRead> Tokenizer<R> {
    fn new(input: R, path: &Path, format: &'static str) -> Self {
        let mut reader = quick_xml::Reader::from_reader(input);
        reader.config_mut().check_end_names = true;
        Tokenizer {
            reader,
            path: path.to_path_buf(),
            format,
            buf: Vec::with_capacity(64 * 1024),
            open: 0,
            line: 1,
            text: String::new(),
            seen_root: false,
            verbatim: &[],
            in_verbatim: None,
        }
    }

    fn error(&self, message: impl Into<String>) -> IngestError {
        IngestError::malformed(&self.path, self.format, Some(self.line), message)
    }

    /// Reads one event of the document, adding what it amounts to (none,
    /// one or more events) to `out`; `false` at the end of the document.
    fn fill(&mut self, out: &mut Batch) -> Result<bool, IngestError> {
        // The event borrows the buffer, not the parser, so the rest of
        // `self` stays usable while it is handled.
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let step = match self.reader.read_event_into(&mut buf) {
            Ok(event) => self.handle(event, out),
            Err(e) => Err(self.error(e.to_string())),
        };
        self.buf = buf;
        step
    }

    fn handle(&mut self, event: Event<'_>, out: &mut Batch) -> Result<bool, IngestError> {
        let line_before = self.line;
        self.line += lines_in(&event);
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
                self.opening()?;
                self.flush_text(out);
                self.start(&s, out);
                if self.in_verbatim.is_none()
                    && self
                        .verbatim
                        .iter()
                        .any(|v| *v == s.local_name().into_inner())
                {
                    self.in_verbatim = Some(self.open);
                }
                self.open += 1;
            }
            Event::Empty(s) => {
                if self.open == 0 && self.seen_root {
                    return Err(self.error("content after the root element"));
                }
                self.seen_root = true;
                self.flush_text(out);
                self.start(&s, out);
                out.events.push(Raw::End { line: self.line });
            }
            Event::End(_) => {
                self.open = self.open.saturating_sub(1);
                self.flush_text(out);
                if self.in_verbatim == Some(self.open) {
                    self.in_verbatim = None;
                }
                out.events.push(Raw::End { line: self.line });
            }
            Event::Text(t) => {
                let text = t.xml_content(XmlVersion::Implicit1_0);
                if self.open == 0 {
                    if !text.trim().is_empty() {
                        return Err(self.error("text outside the root element"));
                    }
                } else if self.in_verbatim.is_some()
                    || !(self.text.is_empty() && text.bytes().all(|b| b.is_ascii_whitespace()))
                {
                    // (White space before any text would be trimmed anyway:
                    // most text between tags is indentation.)
                    self.push_text(&text);
                }
            }
            Event::CData(c) => {
                let text = c.xml_content(XmlVersion::Implicit1_0);
                self.push_text(&text);
            }
            Event::GeneralRef(r) => {
                let resolved = self.resolve(&r)?;
                self.push_text(&resolved);
            }
            Event::Eof => {
                self.at_eof()?;
                return Ok(false);
            }
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) => {}
        }
        Ok(true)
    }

    /// Checks for an element about to open.
    fn opening(&mut self) -> Result<(), IngestError> {
        if self.open == 0 && self.seen_root {
            return Err(self.error("content after the root element"));
        }
        if self.open >= MAX_DEPTH {
            return Err(self.error(format!("elements nested deeper than {MAX_DEPTH} levels")));
        }
        self.seen_root = true;
        Ok(())
    }

    fn at_eof(&self) -> Result<(), IngestError> {
        if self.open > 0 {
            return Err(self.error(
                "the document ends with elements still open (the file is probably cut short)",
            ));
        }
        if !self.seen_root {
            return Err(self.error("the document has no root element"));
        }
        Ok(())
    }

    /// The text gathered since the last tag, as an event when it is more
    /// than white space.
    fn flush_text(&mut self, out: &mut Batch) {
        let t = if self.in_verbatim.is_some() {
            self.text.as_str()
        } else {
            self.text.trim()
        };
        if !t.is_empty() {
            let text = out.push_str(t);
            out.events.push(Raw::Text {
                text,
                line: self.line,
            });
        }
        self.text.clear();
    }

    /// An entity or character reference: only XML's predefined entities
    /// and character references are resolved.
    fn resolve(&self, r: &quick_xml::events::BytesRef<'_>) -> Result<String, IngestError> {
        match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c.to_string()),
            Ok(None) => {
                let name = r.xml_content(XmlVersion::Implicit1_0);
                match quick_xml::escape::resolve_predefined_entity(&name) {
                    Some(s) => Ok(s.to_string()),
                    None => Err(self.error(format!(
                        "entity reference `&{};` is not one of XML's predefined entities; Aegis never expands entities",
                        crate::excerpt::text(&name)
                    ))),
                }
            }
            Err(e) => Err(self.error(format!("bad character reference: {e}"))),
        }
    }

    /// Reads past `levels` open elements without making events; what is
    /// skipped is still checked (nesting, entities, a file cut short).
    fn skip(&mut self, mut levels: usize) -> Result<(), IngestError> {
        while levels > 0 {
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            let step = match self.reader.read_event_into(&mut buf) {
                Ok(event) => self.skip_event(event, &mut levels),
                Err(e) => Err(self.error(e.to_string())),
            };
            self.buf = buf;
            step?;
        }
        // Text gathered inside what was skipped is not the caller's.
        self.text.clear();
        Ok(())
    }

    fn skip_event(&mut self, event: Event<'_>, levels: &mut usize) -> Result<(), IngestError> {
        self.line += lines_in(&event);
        match event {
            Event::Start(_) => {
                self.opening()?;
                self.open += 1;
                *levels += 1;
            }
            Event::End(_) => {
                self.open = self.open.saturating_sub(1);
                if self.in_verbatim == Some(self.open) {
                    self.in_verbatim = None;
                }
                *levels -= 1;
            }
            Event::GeneralRef(r) => {
                self.resolve(&r)?;
            }
            Event::Eof => {
                self.at_eof()?;
                *levels = 0;
            }
            Event::DocType(_) => return Err(self.error("a DOCTYPE inside an element")),
            Event::Empty(_)
            | Event::Text(_)
            | Event::CData(_)
            | Event::Comment(_)
            | Event::PI(_)
            | Event::Decl(_) => {}
        }
        Ok(())
    }

    /// An element's start, into `out`.
    fn start(&self, s: &BytesStart, out: &mut Batch) {
        let name_len = s.name().as_ref().len();
        let tag = out.push_str(s.as_ref());
        out.events.push(Raw::Start {
            tag,
            name_len,
            line: self.line,
        });
    }

    fn push_text(&mut self, t: &str) {
        if self.text.len() + t.len() <= MAX_TEXT {
            self.text.push_str(t);
        }
    }
}

/// Where a stream's events come from.
enum Source<R: BufRead> {
    /// Tokenized on the reading thread.
    Direct(Box<Tokenizer<R>>),
    /// Tokenized on another thread ([`pipe`]).
    Piped {
        rx: mpsc::Receiver<Sent>,
        /// Spent batches go back to be filled again.
        back: mpsc::Sender<Batch>,
    },
}

/// A pull parser over a document: [`XmlStream::new`] on this thread, or
/// through [`pipe`].
pub struct XmlStream<R: BufRead> {
    source: Source<R>,
    /// Events decided and not all returned yet.
    batch: Batch,
    /// The next event of `batch` to return.
    next: usize,
    path: PathBuf,
    format: &'static str,
    /// Elements open in what was returned to the caller.
    depth: usize,
    /// The line of the last event returned.
    line: usize,
    spare: Vec<Start>,
}

impl<R: BufRead> XmlStream<R> {
    /// `format` names the reader in error messages.
    pub fn new(input: R, path: &Path, format: &'static str) -> Self {
        let tok = Tokenizer::new(input, path, format);
        XmlStream::with_source(Source::Direct(Box::new(tok)), path, format)
    }

    fn with_source(source: Source<R>, path: &Path, format: &'static str) -> Self {
        XmlStream {
            source,
            batch: Batch::default(),
            next: 0,
            path: path.to_path_buf(),
            format,
            depth: 0,
            line: 1,
            spare: Vec::new(),
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

    /// Hands a `Start` the caller is done with back for reuse.
    pub fn recycle(&mut self, start: Start) {
        if self.spare.len() < SPARE_STARTS {
            self.spare.push(start);
        }
    }

    /// The next event, or `None` at the end of a well-formed document. A
    /// document that ends with elements still open is an error (a file cut
    /// short).
    pub fn next_event(&mut self) -> Result<Option<XmlEvent>, IngestError> {
        if self.next == self.batch.events.len() && !self.refill()? {
            return Ok(None);
        }
        let raw = self.batch.events[self.next];
        self.next += 1;
        let b = &self.batch;
        Ok(Some(match raw {
            Raw::Start {
                tag,
                name_len,
                line,
            } => {
                self.line = line;
                let mut start = self.spare.pop().unwrap_or_default();
                fill_start(&mut start, &b.strings[tag.0..tag.1], name_len)
                    .map_err(|e| self.error(e))?;
                self.depth += 1;
                XmlEvent::Start(start)
            }
            Raw::End { line } => {
                self.line = line;
                self.depth = self.depth.saturating_sub(1);
                XmlEvent::End
            }
            Raw::Text { text, line } => {
                self.line = line;
                XmlEvent::Text(b.strings[text.0..text.1].to_string())
            }
        }))
    }

    /// Replaces the spent batch; `false` at the end of the document.
    fn refill(&mut self) -> Result<bool, IngestError> {
        self.next = 0;
        match &mut self.source {
            Source::Direct(tok) => {
                self.batch.clear();
                while self.batch.events.is_empty() {
                    if !tok.fill(&mut self.batch)? {
                        break;
                    }
                }
                Ok(!self.batch.events.is_empty())
            }
            Source::Piped { rx, back } => match rx.recv() {
                Ok(Ok(batch)) => {
                    let spent = std::mem::replace(&mut self.batch, batch);
                    // The tokenizer may have finished: then nobody takes it.
                    let _ = back.send(spent);
                    Ok(true)
                }
                Ok(Err(e)) => {
                    self.batch.clear();
                    Err(e)
                }
                // The tokenizer reached the end of the document.
                Err(mpsc::RecvError) => {
                    self.batch.clear();
                    Ok(false)
                }
            },
        }
    }

    /// Reads to the end of the element whose `Start` was just returned,
    /// discarding what is inside (readers skip what they do not need).
    pub fn skip(&mut self) -> Result<(), IngestError> {
        let target = self.depth.saturating_sub(1);
        while self.depth > target {
            if self.next == self.batch.events.len()
                && let Source::Direct(tok) = &mut self.source
            {
                // Nothing decided is pending: the tokenizer can pass over
                // the rest without making events.
                tok.skip(self.depth - target)?;
                self.depth = target;
                self.line = tok.line;
                break;
            }
            if self.next == self.batch.events.len() && !self.refill()? {
                break;
            }
            // Events already decided are passed over without being built.
            match self.batch.events[self.next] {
                Raw::Start { line, .. } => {
                    self.depth += 1;
                    self.line = line;
                }
                Raw::End { line } => {
                    self.depth -= 1;
                    self.line = line;
                }
                Raw::Text { line, .. } => self.line = line,
            }
            self.next += 1;
        }
        Ok(())
    }

    /// The next child element of the element whose content is being read,
    /// or `None` at its end (text between children is passed over).
    pub fn next_child(&mut self) -> Result<Option<Start>, IngestError> {
        loop {
            match self.next_event()? {
                Some(XmlEvent::Start(s)) => return Ok(Some(s)),
                Some(XmlEvent::Text(_)) => {}
                Some(XmlEvent::End) | None => return Ok(None),
            }
        }
    }

    /// The document's root element, which must have the local name `name`;
    /// `what` says what that is, for the error (`an ARF
    /// asset-report-collection`).
    pub fn root(&mut self, name: &str, what: &str) -> Result<Start, IngestError> {
        let root = match self.next_event()? {
            Some(XmlEvent::Start(s)) => s,
            _ => return Err(self.error("the document has no root element")),
        };
        if root.name != name {
            return Err(self.error(format!(
                "the root element is <{}>, not {what}",
                crate::excerpt::text(&root.name)
            )));
        }
        Ok(root)
    }

    /// The document's root element, which must be `<name>` in no namespace,
    /// as `writer` (the tool, for the message) writes it.
    pub fn root_in_no_namespace(&mut self, name: &str, writer: &str) -> Result<Start, IngestError> {
        let root = self.root(name, &format!("<{name}>"))?;
        let namespace = match root.prefix() {
            Some(prefix) => Some(format!("of the prefix {prefix}:")),
            None => root.attr("xmlns").map(str::to_string),
        };
        if let Some(ns) = namespace {
            return Err(self.error(format!(
                "<{name}> is in the namespace {}; {writer} writes it in none",
                crate::excerpt::text(&ns)
            )));
        }
        Ok(root)
    }

    /// The text inside the element whose `Start` was just returned (all of
    /// its text, nested elements' text included, joined), reading to its end.
    pub fn text_until_end(&mut self) -> Result<String, IngestError> {
        let target = self.depth.saturating_sub(1);
        let mut out = String::new();
        while self.depth > target {
            match self.next_event()? {
                Some(XmlEvent::Text(t)) => {
                    if out.is_empty() {
                        out = t;
                    } else if out.len() + t.len() < MAX_TEXT {
                        out.push(' ');
                        out.push_str(&t);
                    }
                }
                Some(XmlEvent::Start(s)) => self.recycle(s),
                Some(XmlEvent::End) => {}
                None => break,
            }
        }
        Ok(out)
    }
}

/// `start` refilled from a tag's content (`name attr="value" ...`): its
/// name split at the prefix, its attributes unescaped and normalized as
/// XML says (values with nothing to unescape are copied as they are).
fn fill_start(start: &mut Start, content: &str, name_len: usize) -> Result<(), String> {
    start.clear();
    let tag = BytesStart::from_content(content, name_len);
    let qname = tag.name();
    let full: &str = qname.as_ref();
    match full.split_once(':') {
        Some((p, n)) => {
            start.prefix.push_str(p);
            start.name.push_str(n);
        }
        None => start.name.push_str(full),
    }
    // quick-xml's own duplicate check allocates for every tag; a tag's
    // attributes are few, so they are compared here, by qualified name
    // (in a set once there are many, so a hostile tag stays linear).
    let mut few: [&str; 16] = [""; 16];
    let mut many: Option<std::collections::HashSet<&str>> = None;
    for (n, a) in tag.attributes().with_checks(false).enumerate() {
        let a = a.map_err(|e| format!("bad attribute: {e}"))?;
        let qkey: &str = a.key.0;
        let seen = match &mut many {
            Some(set) => !set.insert(qkey),
            None if n < few.len() => {
                let seen = few[..n].contains(&qkey);
                few[n] = qkey;
                seen
            }
            None => {
                let mut set: std::collections::HashSet<&str> = few.iter().copied().collect();
                let seen = !set.insert(qkey);
                many = Some(set);
                seen
            }
        };
        if seen {
            return Err(format!(
                "the attribute `{}` appears twice in one tag",
                crate::excerpt::text(qkey)
            ));
        }
        if a.value
            .bytes()
            .any(|b| matches!(b, b'&' | b'\t' | b'\n' | b'\r'))
        {
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| format!("bad attribute value: {e}"))?;
            start.push_attr(local(qkey), &value);
        } else {
            start.push_attr(local(qkey), &a.value);
        }
    }
    Ok(())
}

/// The line breaks inside an event's source text.
fn lines_in(event: &Event<'_>) -> usize {
    let text: &str = match event {
        Event::Start(s) | Event::Empty(s) => s.as_ref(),
        Event::End(e) => e.as_ref(),
        Event::Text(t) | Event::Comment(t) | Event::DocType(t) => t.as_ref(),
        Event::CData(c) => c.as_ref(),
        Event::PI(p) => p.as_ref(),
        Event::Decl(d) => d.as_ref(),
        Event::GeneralRef(_) | Event::Eof => return 0,
    };
    count_newlines(text.as_bytes())
}

/// Counted in runs of at most 255 bytes with a byte-wide sum, which the
/// compiler turns into wide vector adds (a plain count of matches widens
/// every byte to a `usize` and runs several times slower; lines are
/// counted over every byte of a file).
fn count_newlines(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|run| {
            run.iter()
                .fold(0u8, |n, &b| n.wrapping_add(u8::from(b == b'\n'))) as usize
        })
        .sum()
}

fn local(name: &str) -> &str {
    match name.bytes().rposition(|b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
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
        XmlEvent::Start(Start::new(name, attrs))
    }

    #[test]
    fn newlines_counted_across_runs() {
        let text = "a\n".repeat(1000) + &"\n".repeat(300);
        assert_eq!(count_newlines(text.as_bytes()), 1300);
        assert_eq!(count_newlines(b""), 0);
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
                XmlEvent::End,
                XmlEvent::Text("c".into()),
                XmlEvent::End,
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
        assert_eq!(s.next_event().expect("end"), Some(XmlEvent::End));
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

    /// Every event through a pipe, with the line of each.
    fn piped(xml: &str) -> Result<Vec<(XmlEvent, usize)>, IngestError> {
        pipe(xml.as_bytes(), Path::new("t.xml"), "test", |xs| {
            let mut out = Vec::new();
            while let Some(e) = xs.next_event()? {
                out.push((e, xs.line()));
            }
            Ok(out)
        })
    }

    fn direct(xml: &str) -> Result<Vec<(XmlEvent, usize)>, IngestError> {
        let mut xs = XmlStream::new(xml.as_bytes(), Path::new("t.xml"), "test");
        let mut out = Vec::new();
        while let Some(e) = xs.next_event()? {
            out.push((e, xs.line()));
        }
        Ok(out)
    }

    #[test]
    fn a_pipe_gives_the_events_and_errors_of_the_stream() {
        // More events than one batch holds, so several batches cross.
        let mut big = String::from("<r>\n");
        for i in 0..3000 {
            big.push_str(&format!("<e id=\"{i}\" v=\"a&amp;b\">t{i}</e>\n<x/>\n"));
        }
        big.push_str("</r>\n");
        let d = direct(&big).expect("direct");
        assert_eq!(d.len(), 3000 * 5 + 2);
        assert_eq!(piped(&big).expect("piped"), d);
        assert_eq!(
            d[1],
            (
                XmlEvent::Start(Start::new("e", &[("id", "0"), ("v", "a&b")])),
                2
            )
        );

        // The reader sees the tokenizer's error where it happens.
        let cut = &big[..big.len() / 2];
        let (
            Err(IngestError::Malformed { line: a, .. }),
            Err(IngestError::Malformed { line: b, .. }),
        ) = (direct(cut), piped(cut))
        else {
            panic!("a document cut in half is refused both ways");
        };
        assert_eq!(a, b);
        let bomb = "<!DOCTYPE r [<!ENTITY a \"x\">]><r>&a;</r>";
        assert!(matches!(piped(bomb), Err(IngestError::XmlEntities { .. })));

        // A reader that stops early stops the tokenizer too.
        let first: Result<(), _> = pipe(big.as_bytes(), Path::new("t.xml"), "test", |xs| {
            xs.next_event()?;
            Err(xs.error("stop"))
        });
        assert!(matches!(
            first,
            Err(IngestError::Malformed { line: Some(1), .. })
        ));
    }

    #[test]
    fn skipping_passes_over_what_is_decided_and_what_is_not() {
        let xml = "<r><a><b>1</b><c/></a><d>two</d></r>";
        fn read<R: BufRead>(xs: &mut XmlStream<R>) -> Result<String, IngestError> {
            xs.next_event()?;
            xs.next_event()?;
            xs.skip()?;
            match xs.next_event()? {
                Some(XmlEvent::Start(s)) => Ok(s.name.clone() + &xs.text_until_end()?),
                other => Ok(format!("{other:?}")),
            }
        }
        let direct = read(&mut XmlStream::new(
            xml.as_bytes(),
            Path::new("t.xml"),
            "test",
        ));
        assert_eq!(direct.expect("direct"), "dtwo");
        let piped = pipe(xml.as_bytes(), Path::new("t.xml"), "test", read);
        assert_eq!(piped.expect("piped"), "dtwo");
    }

    #[test]
    fn an_attribute_given_twice_is_refused() {
        assert!(events("<r a=\"1\" b=\"2\" a=\"3\"/>").is_err());
        // Past the attributes kept at hand, too.
        let many: String = (0..40).map(|i| format!(" k{i}=\"v\"")).collect();
        assert!(events(&format!("<r{many}/>")).is_ok());
        assert!(events(&format!("<r{many} k3=\"again\"/>")).is_err());
        // Same local name under different prefixes is two attributes.
        let ok = events("<r xml:lang=\"en\" lang=\"fr\"/>").expect("reads");
        let XmlEvent::Start(s) = &ok[0] else {
            panic!("a start");
        };
        assert_eq!(s.attrs().count(), 2);
    }

    #[test]
    fn roots_are_checked_by_name_and_namespace() {
        let root = |xml: &str| {
            let mut xs = XmlStream::new(xml.as_bytes(), Path::new("t.xml"), "test");
            xs.root_in_no_namespace("R", "Tool").map(|s| s.name)
        };
        assert_eq!(root("<R a=\"1\"/>").expect("reads"), "R");
        let message = |r: Result<String, IngestError>| match r {
            Err(IngestError::Malformed { message, .. }) => message,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            message(root("<Other/>")),
            "the root element is <Other>, not <R>"
        );
        assert_eq!(
            message(root("<R xmlns=\"urn:x\"/>")),
            "<R> is in the namespace urn:x; Tool writes it in none"
        );
        assert!(message(root("<p:R xmlns:p=\"urn:x\"/>")).contains("prefix p:"));
        assert_eq!(message(root("  ")), "the document has no root element");
    }
}
