//! Span-keeping YAML: one parse into a small tree whose every node and key
//! knows its line, column and byte range. The tree feeds JSON Schema
//! validation (through `to_json`) and lets later stages point at any value
//! by its JSON Pointer.

use crate::diag::{Code, Pos};
use serde_saphyr::granit_parser;
use std::collections::HashMap;

/// Safety bounds for one YAML document.
#[derive(Clone, Copy, Debug)]
pub struct YamlLimits {
    pub max_depth: usize,
    pub max_nodes: usize,
}

impl Default for YamlLimits {
    fn default() -> Self {
        YamlLimits {
            max_depth: 64,
            max_nodes: 1_000_000,
        }
    }
}

/// Where a YAML text sits inside its file (front matter starts below line 1).
#[derive(Clone, Copy, Debug, Default)]
pub struct Shift {
    pub lines: u32,
    pub bytes: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Map),
}

/// A mapping's entries in document order. Past a few keys it also keeps
/// an index by key, so that looking keys up (for duplicates while parsing,
/// and for every diagnostic that points into the mapping) stays constant
/// time on a mapping with hundreds of thousands of keys.
#[derive(Clone, Debug, Default)]
pub struct Map {
    entries: Vec<Entry>,
    // Boxed although a HashMap is already on the heap: it keeps every
    // mapping (nearly all of which have no index) 40 bytes smaller.
    #[allow(clippy::box_collection)]
    index: Option<Box<HashMap<String, usize>>>,
}

impl PartialEq for Map {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl std::ops::Deref for Map {
    type Target = [Entry];
    fn deref(&self) -> &[Entry] {
        &self.entries
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = &'a Entry;
    type IntoIter = std::slice::Iter<'a, Entry>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

impl Map {
    /// Below this many entries a scan is cheaper than an index.
    const LINEAR: usize = 16;

    /// The entry with key `key`.
    pub fn find(&self, key: &str) -> Option<&Entry> {
        match &self.index {
            Some(index) => index.get(key).map(|&i| &self.entries[i]),
            None => self.entries.iter().find(|e| e.key == key),
        }
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    fn entries_mut(&mut self) -> &mut [Entry] {
        &mut self.entries
    }

    /// A mapping of `entries`, in that order (the caller keeps keys unique).
    pub fn from_entries(entries: Vec<Entry>) -> Map {
        let mut map = Map {
            entries,
            index: None,
        };
        map.reindex();
        map
    }

    /// Removes and returns the entry with key `key`.
    pub fn remove(&mut self, key: &str) -> Option<Entry> {
        let i = self.entries.iter().position(|e| e.key == key)?;
        let e = self.entries.remove(i);
        self.reindex();
        Some(e)
    }

    /// Puts `entry` at position `at` (clamped to the end).
    pub fn insert(&mut self, at: usize, entry: Entry) {
        self.entries.insert(at.min(self.entries.len()), entry);
        self.reindex();
    }

    /// The position of the entry with key `key`.
    pub fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.key == key)
    }

    /// The value of key `key`, to change in place.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        let i = self.position(key)?;
        Some(&mut self.entries[i].value)
    }

    fn reindex(&mut self) {
        self.index = (self.entries.len() > Self::LINEAR).then(|| {
            Box::new(
                self.entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (e.key.clone(), i))
                    .collect(),
            )
        });
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

/// A YAML text that could not be read, already classified by code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub code: Code,
    pub pos: Pos,
    pub message: String,
    pub help: String,
}

impl Node {
    /// A short word for the node's type, as users see it in YAML.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::UInt(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "mapping",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(map) => map.find(key),
            _ => None,
        }
    }

    /// Follows an RFC 6901 JSON Pointer (`/controls/3/id`).
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        let mut node = self;
        for seg in pointer_segments(pointer) {
            node = match &node.value {
                Value::Map(map) => &map.find(&seg)?.value,
                Value::Seq(items) => items.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The position of the value at `pointer`, or of its nearest existing
    /// ancestor, so a diagnostic always lands somewhere sensible.
    pub fn locate(&self, pointer: &str) -> Pos {
        let mut node = self;
        for seg in pointer_segments(pointer) {
            let next = match &node.value {
                Value::Map(map) => map.find(&seg).map(|e| &e.value),
                Value::Seq(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.pos
    }

    /// The position of the key `key` in the mapping at `pointer`.
    pub fn locate_key(&self, pointer: &str, key: &str) -> Pos {
        match self.pointer(pointer).and_then(|n| n.entry(key)) {
            Some(e) => e.key_pos,
            None => self.locate(pointer),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::UInt(u) => J::from(*u),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }
}

pub fn pointer_segments(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
}

/// Parses one YAML document under `limits`. An empty document (or one of
/// only comments) is `Null` at 1:1.
pub fn parse(text: &str, limits: YamlLimits, shift: Shift) -> Result<Node, YamlError> {
    let empty = text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    if empty {
        return Ok(Node {
            pos: shift_pos(Pos::START, shift),
            value: Value::Null,
        });
    }
    let mut node = build(text, limits).map_err(|mut e| {
        e.pos = shift_pos(e.pos, shift);
        e
    })?;
    if shift.lines > 0 || shift.bytes > 0 {
        shift_tree(&mut node, shift);
    }
    Ok(node)
}

/// A collection being built while its events arrive. Its finished
/// children wait in the builder's shared scratch lists (from `start`, in
/// order) and move into a list of exactly their number when it closes: no
/// list is grown by doubling, and none keeps spare room in the tree.
struct Frame {
    /// Unique within one parse, so an anchor can tell whether the
    /// collection it sits in is still open.
    serial: u64,
    pos: Pos,
    anchor: usize,
    start: usize,
    count: usize,
    body: Body,
}

enum Body {
    Seq,
    Map {
        key: Option<(String, Pos)>,
        /// Keys to entry index, once the mapping outgrows a scan.
        index: Option<HashMap<String, usize>>,
    },
}

/// The scratch lists every open collection shares.
#[derive(Default)]
struct Scratch {
    items: Vec<Node>,
    entries: Vec<Entry>,
}

impl Scratch {
    fn child<'a>(&'a self, frame: &Frame, i: usize) -> Option<&'a Node> {
        if i >= frame.count {
            return None;
        }
        match frame.body {
            Body::Seq => self.items.get(frame.start + i),
            Body::Map { .. } => self.entries.get(frame.start + i).map(|e| &e.value),
        }
    }

    /// Whether the open mapping `frame` already has the key `key`.
    fn has_key(&self, frame: &Frame, key: &str) -> bool {
        match &frame.body {
            Body::Map {
                index: Some(index), ..
            } => index.contains_key(key),
            _ => self.entries[frame.start..frame.start + frame.count]
                .iter()
                .any(|e| e.key == key),
        }
    }
}

/// Where an anchored node lives, so an alias can find it without the node
/// ever being copied for the anchor's sake: anchoring is free, only
/// aliasing costs (and is budgeted).
enum Anchored {
    /// A mapping key (a scalar), kept as a small copy.
    Key(Node),
    /// The child index at each level, with the serial of the collection at
    /// that level.
    Path(Vec<(u64, usize)>),
}

/// Finds an anchored node in the tree being built: the collections on the
/// path that are still open are on the stack; below the first one that
/// closed, the node sits in finished children.
fn anchored<'a>(stack: &[Frame], scratch: &'a Scratch, at: &'a Anchored) -> Option<&'a Node> {
    let path = match at {
        Anchored::Key(n) => return Some(n),
        Anchored::Path(p) => p,
    };
    let mut depth = 0;
    while depth < path.len() && stack.get(depth).is_some_and(|f| f.serial == path[depth].0) {
        depth += 1;
    }
    let frame = stack.get(depth.checked_sub(1)?)?;
    let mut node = scratch.child(frame, path[depth - 1].1)?;
    for &(_, i) in &path[depth..] {
        node = match &node.value {
            Value::Seq(items) => items.get(i)?,
            Value::Map(entries) => &entries.get(i)?.value,
            _ => return None,
        };
    }
    Some(node)
}

/// Builds the tree straight from the parser's events: no recursion (the
/// depth bound is the stack's length), duplicate keys refused as they
/// arrive, aliases expanded under the node budget.
fn build(text: &str, limits: YamlLimits) -> Result<Node, YamlError> {
    use granit_parser::{Event, Parser};
    let mut stack: Vec<Frame> = Vec::new();
    let mut scratch = Scratch::default();
    let mut anchors: HashMap<usize, Anchored> = HashMap::new();
    let mut root: Option<Node> = None;
    let mut documents = 0usize;
    let mut nodes = 0usize;
    let mut expanded = 0usize;
    let mut anchored_cost = 0usize;
    let mut serial = 0u64;
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| scan_error(&e, text, limits))?;
        let pos = span_pos(&span);
        let (node, anchor) = match event {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err(YamlError {
                        code: Code::YamlSyntax,
                        pos,
                        message: "the file holds more than one YAML document".into(),
                        help: "Aegis reads one YAML document per file; split the documents into separate files".into(),
                    });
                }
                continue;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let v = scalar(value, style, tag.as_deref(), pos)?;
                (Node { pos, value: v }, anchor)
            }
            Event::SequenceStart(_, anchor, ref tag) | Event::MappingStart(_, anchor, ref tag) => {
                if let Some(t) = tag.as_deref().filter(|t| !t.is_yaml_core_schema()) {
                    return Err(unsupported_tag(t, pos));
                }
                if stack.len() >= limits.max_depth {
                    return Err(too_deep(pos, limits));
                }
                let (body, start) = if matches!(event, Event::SequenceStart(..)) {
                    (Body::Seq, scratch.items.len())
                } else {
                    let body = Body::Map {
                        key: None,
                        index: None,
                    };
                    (body, scratch.entries.len())
                };
                serial += 1;
                stack.push(Frame {
                    serial,
                    pos,
                    anchor,
                    start,
                    count: 0,
                    body,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(frame) => {
                    let value = match frame.body {
                        Body::Seq => Value::Seq(scratch.items.drain(frame.start..).collect()),
                        Body::Map { index, .. } => Value::Map(Map {
                            entries: scratch.entries.drain(frame.start..).collect(),
                            index: index.map(Box::new),
                        }),
                    };
                    (
                        Node {
                            pos: frame.pos,
                            value,
                        },
                        frame.anchor,
                    )
                }
                None => continue,
            },
            Event::Alias(id) => {
                let Some(target) = anchors.get(&id).and_then(|a| anchored(&stack, &scratch, a))
                else {
                    return Err(syntax(pos, "alias to an anchor that is not defined".into()));
                };
                // An alias costs what it expands to, counted before it is
                // copied: this is what stops a billion-laughs document.
                // Compliance records barely use aliases, so their budget is
                // a tenth of the node budget.
                let size = count_nodes(target, limits.max_nodes);
                expanded = expanded.saturating_add(size);
                nodes = nodes.saturating_add(size);
                if expanded > limits.max_nodes / 10 {
                    return Err(too_many_aliases(pos));
                }
                if nodes > limits.max_nodes {
                    return Err(too_many_nodes(pos, limits));
                }
                let mut copy = target.clone();
                copy.pos = pos;
                (copy, 0)
            }
            Event::UnresolvedAlias(name) => {
                return Err(syntax(pos, format!("alias `*{name}` has no anchor")));
            }
            _ => continue,
        };
        nodes += 1;
        if nodes > limits.max_nodes {
            return Err(too_many_nodes(pos, limits));
        }
        let is_key = matches!(
            stack.last(),
            Some(Frame {
                body: Body::Map { key: None, .. },
                ..
            })
        );
        if anchor != 0 && !stack.is_empty() {
            // Where an anchor lives costs its depth to remember; that is
            // budgeted like nodes, so a file of deep anchors stays linear.
            anchored_cost = anchored_cost.saturating_add(stack.len());
            if anchored_cost > limits.max_nodes {
                return Err(YamlError {
                    message:
                        "document defines more anchors, that deep, than the safety budget allows"
                            .into(),
                    help: "remove the anchors (`&name`); Aegis records never need them".into(),
                    ..too_many_aliases(pos)
                });
            }
            let at = if is_key {
                Anchored::Key(node.clone())
            } else {
                Anchored::Path(stack.iter().map(|f| (f.serial, f.count)).collect())
            };
            anchors.insert(anchor, at);
        }
        let Some(frame) = stack.last_mut() else {
            root = Some(node);
            continue;
        };
        if matches!(frame.body, Body::Seq) {
            scratch.items.push(node);
            frame.count += 1;
            continue;
        }
        let Body::Map { key, index } = &mut frame.body else {
            continue;
        };
        if let Some((k, key_pos)) = key.take() {
            if let Some(index) = index {
                index.insert(k.clone(), frame.count);
            } else if frame.count >= Map::LINEAR {
                let mut built: HashMap<String, usize> = scratch.entries[frame.start..]
                    .iter()
                    .enumerate()
                    .map(|(j, e)| (e.key.clone(), j))
                    .collect();
                built.insert(k.clone(), frame.count);
                *index = Some(built);
            }
            scratch.entries.push(Entry {
                key: k,
                key_pos,
                value: node,
            });
            frame.count += 1;
            continue;
        }
        let key_pos = node.pos;
        let k = key_text(node)?;
        if k == "<<" {
            return Err(YamlError {
                code: Code::YamlSyntax,
                pos: key_pos,
                message: "merge keys (`<<`) are not supported".into(),
                help: "write the merged keys out in this mapping; Aegis reads YAML 1.2, which has no merge keys".into(),
            });
        }
        if scratch.has_key(frame, &k) {
            return Err(YamlError {
                code: Code::YamlDuplicateKey,
                pos: key_pos,
                message: format!("duplicate mapping key: {k}"),
                help: "each key may appear once in a mapping; remove or merge the repeated key"
                    .into(),
            });
        }
        if let Body::Map { key, .. } = &mut frame.body {
            *key = Some((k, key_pos));
        }
    }
    Ok(root.unwrap_or(Node {
        pos: Pos::START,
        value: Value::Null,
    }))
}

/// Nodes in `n`'s subtree, counting no further than `cap` (the walk is
/// iterative: an aliased subtree may be as deep as the depth bound).
fn count_nodes(n: &Node, cap: usize) -> usize {
    let mut count = 0usize;
    let mut todo: Vec<&Node> = vec![n];
    while let Some(n) = todo.pop() {
        count += 1;
        if count > cap {
            break;
        }
        match &n.value {
            Value::Seq(items) => todo.extend(items.iter()),
            Value::Map(entries) => {
                count += entries.len();
                todo.extend(entries.iter().map(|e| &e.value));
            }
            _ => {}
        }
    }
    count
}

fn span_pos(span: &granit_parser::Span) -> Pos {
    let start = span.start.byte_offset().unwrap_or(span.start.index());
    let end = span.end.byte_offset().unwrap_or(span.end.index());
    Pos {
        line: u32::try_from(span.start.line()).unwrap_or(u32::MAX),
        column: u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
        offset: start,
        len: end.saturating_sub(start),
    }
}

fn syntax(pos: Pos, message: String) -> YamlError {
    YamlError {
        code: Code::YamlSyntax,
        pos,
        message,
        help: "fix the YAML syntax at this position (check indentation, quotes and colons)".into(),
    }
}

fn too_deep(pos: Pos, limits: YamlLimits) -> YamlError {
    YamlError {
        code: Code::YamlTooDeep,
        pos,
        message: format!(
            "nesting is deeper than the limit of {} levels",
            limits.max_depth
        ),
        help: "flatten the document; Aegis files never need this much nesting".into(),
    }
}

fn too_many_aliases(pos: Pos) -> YamlError {
    YamlError {
        code: Code::YamlAliasLimit,
        pos,
        message: "document expands aliases into more nodes than the safety budget allows".into(),
        help: "write the content out instead of repeating it through aliases (`*name`)".into(),
    }
}

fn too_many_nodes(pos: Pos, limits: YamlLimits) -> YamlError {
    YamlError {
        code: Code::YamlNodeLimit,
        pos,
        message: format!(
            "document has more than {} values, the safety budget for one file",
            limits.max_nodes
        ),
        help: "split the file into smaller records".into(),
    }
}

fn unsupported_tag(tag: &granit_parser::Tag, pos: Pos) -> YamlError {
    YamlError {
        code: Code::YamlSyntax,
        pos,
        message: format!("YAML tag `{tag}` is not supported"),
        help: "remove the tag; Aegis files use plain YAML values".into(),
    }
}

fn scan_error(e: &granit_parser::ScanError, text: &str, limits: YamlLimits) -> YamlError {
    let m = e.marker();
    let mut pos = Pos {
        line: u32::try_from(m.line()).unwrap_or(u32::MAX),
        column: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
        offset: m.byte_offset().unwrap_or(m.index()),
        len: 0,
    };
    let info = e.info();
    if info.contains("recursion limit") || info.contains("nesting") {
        return too_deep(pos, limits);
    }
    if info.contains("tab") {
        // The scanner reports a tab where the token it was reading began
        // (often the line before); the tab itself is what needs fixing.
        if let Some(tab) = first_indent_tab(text, pos.offset) {
            pos = tab;
        }
        return YamlError {
            code: Code::YamlSyntax,
            pos,
            message: format!("{info} (YAML does not allow tabs for indentation)"),
            help: "indent with spaces instead of tabs".into(),
        };
    }
    syntax(pos, info)
}

/// The first tab at or after byte `from` that sits in a line's leading
/// whitespace, searched only a little way so the cost stays bounded.
fn first_indent_tab(text: &str, from: usize) -> Option<Pos> {
    let start = text
        .get(..from.min(text.len()))?
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let mut offset = start;
    let first = u32::try_from(text[..start].matches('\n').count()).ok()? + 1;
    for (line, l) in (first..).zip(text[start..].split_inclusive('\n').take(64)) {
        let indent = l.len() - l.trim_start_matches([' ', '\t']).len();
        if let Some(i) = l[..indent].find('\t') {
            let column = u32::try_from(l[..i].chars().count()).ok()? + 1;
            return Some(Pos {
                line,
                column,
                offset: offset + i,
                len: 1,
            });
        }
        offset += l.len();
    }
    None
}

/// A mapping key as text; collections cannot be keys in Aegis files.
fn key_text(n: Node) -> Result<String, YamlError> {
    Ok(match n.value {
        Value::Str(s) => s,
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Seq(_) | Value::Map(_) => {
            return Err(syntax(
                n.pos,
                "a mapping key must be a scalar, not a list or mapping".into(),
            ));
        }
    })
}

/// Resolves a scalar by the YAML 1.2 core schema, except that numbers
/// written with leading zeros or underscores stay text (`0755`, `1_000`):
/// in compliance records those are identifiers, not quantities.
fn scalar(
    text: std::borrow::Cow<'_, str>,
    style: granit_parser::ScalarStyle,
    tag: Option<&granit_parser::Tag>,
    pos: Pos,
) -> Result<Value, YamlError> {
    if let Some(t) = tag {
        if !t.is_yaml_core_schema() {
            return Err(unsupported_tag(t, pos));
        }
        let bad = |what: &str| syntax(pos, format!("`{text}` is not a valid {what}"));
        return Ok(match t.suffix() {
            "str" => Value::Str(text.to_string()),
            "null" => Value::Null,
            "bool" => match plain(&text) {
                v @ Value::Bool(_) => v,
                _ => return Err(bad("boolean")),
            },
            "int" => match plain(&text) {
                v @ (Value::Int(_) | Value::UInt(_)) => v,
                _ => return Err(bad("integer")),
            },
            "float" => match plain(&text) {
                Value::Int(i) => Value::Float(i as f64),
                v @ Value::Float(_) => v,
                _ => return Err(bad("number")),
            },
            _ => return Err(unsupported_tag(t, pos)),
        });
    }
    if style != granit_parser::ScalarStyle::Plain {
        return Ok(Value::Str(text.into_owned()));
    }
    Ok(plain(&text))
}

fn plain(t: &str) -> Value {
    match t {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let b = t.as_bytes();
    let (sign, digits) = match b[0] {
        b'-' | b'+' => (&t[..1], &t[1..]),
        _ => ("", t),
    };
    if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
        if digits.len() > 1 && digits.starts_with('0') {
            return Value::Str(t.to_string());
        }
        if let Ok(i) = t.parse::<i64>() {
            return Value::Int(i);
        }
        if sign != "-"
            && let Ok(u) = digits.parse::<u64>()
        {
            return Value::UInt(u);
        }
        return Value::Str(t.to_string());
    }
    if sign.is_empty() {
        if let Some(hex) = t.strip_prefix("0x")
            && let Ok(i) = i64::from_str_radix(hex, 16)
        {
            return Value::Int(i);
        }
        if let Some(oct) = t.strip_prefix("0o")
            && let Ok(i) = i64::from_str_radix(oct, 8)
        {
            return Value::Int(i);
        }
    }
    let leading_zero =
        digits.len() > 1 && digits.starts_with('0') && !digits[1..].starts_with(['.', 'e', 'E']);
    if is_float(digits)
        && !leading_zero
        && let Ok(f) = t.parse::<f64>()
        && f.is_finite()
    {
        return Value::Float(f);
    }
    Value::Str(t.to_string())
}

/// `1.5`, `.5`, `2.`, `1e9`, `1.5E-3` (YAML 1.2 core, finite only).
fn is_float(s: &str) -> bool {
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mantissa, None),
    };
    let digits = |x: &str| x.bytes().all(|c| c.is_ascii_digit());
    let mantissa_ok = digits(int)
        && frac.is_none_or(digits)
        && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()))
        && (frac.is_some() || exp.is_some());
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exp_ok
}

/// The parser settings every YAML read in Aegis uses: YAML 1.2 scalars
/// (`no`, `0755` and `1_000` stay text) and the safety budgets.
pub fn options(limits: YamlLimits) -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        budget: serde_saphyr::budget! {
            max_depth: limits.max_depth,
            max_nodes: limits.max_nodes,
            max_events: limits.max_nodes.saturating_mul(4),
            // Compliance records barely use anchors; a small replay budget
            // stops an alias bomb before it costs much memory.
            max_recorded_anchor_events: 100_000,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 200_000,
        },
    }
}

fn shift_pos(mut pos: Pos, shift: Shift) -> Pos {
    pos.line += shift.lines;
    pos.offset += shift.bytes;
    pos
}

fn shift_tree(node: &mut Node, shift: Shift) {
    node.pos = shift_pos(node.pos, shift);
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| shift_tree(n, shift)),
        Value::Map(entries) => {
            for e in entries.entries_mut() {
                e.key_pos = shift_pos(e.key_pos, shift);
                shift_tree(&mut e.value, shift);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Node, YamlError> {
        parse(text, YamlLimits::default(), Shift::default())
    }

    #[test]
    fn values_keep_line_and_column() {
        let n = p("id: a\nrefs:\n  - x\n  - NOPE\n").expect("parses");
        let bad = n.pointer("/refs/1").expect("exists");
        assert_eq!((bad.pos.line, bad.pos.column), (4, 5));
        assert_eq!(
            &"id: a\nrefs:\n  - x\n  - NOPE\n"[bad.pos.offset..][..4],
            "NOPE"
        );
        let key = n.entry("refs").expect("key");
        assert_eq!((key.key_pos.line, key.key_pos.column), (2, 1));
    }

    #[test]
    fn yaml_1_1_booleans_stay_text() {
        let n = p("a: no\nb: yes\nc: 0755\nd: true\n").expect("parses");
        assert_eq!(n.get("a").and_then(Node::as_str), Some("no"));
        assert_eq!(n.get("c").and_then(Node::as_str), Some("0755"));
        assert_eq!(n.get("d").map(|n| &n.value), Some(&Value::Bool(true)));
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let e = p("id: a\nid: b\n").expect_err("duplicate");
        assert_eq!(e.code, Code::YamlDuplicateKey);
        assert_eq!(e.pos.line, 2);
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a: &a [x,x,x,x,x,x,x,x,x]\n");
        for i in 1..9 {
            let prev = (b'a' + i - 1) as char;
            let cur = (b'a' + i) as char;
            s.push_str(&format!(
                "{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
        }
        let e = p(&s).expect_err("bomb");
        assert_eq!(e.code, Code::YamlAliasLimit, "{}", e.message);
    }

    #[test]
    fn aliases_copy_their_anchor_wherever_it_sits() {
        let json = |t: &str| p(t).expect("parses").to_json();
        assert_eq!(
            json("a: &x [1, 2]\nb: *x\n"),
            serde_json::json!({"a": [1, 2], "b": [1, 2]})
        );
        // In a closed mapping, in a still-open list, on a key, deep down.
        assert_eq!(
            json("a: {b: &x {c: 1}}\nd: *x\n")["d"],
            serde_json::json!({"c": 1})
        );
        assert_eq!(json("a: [&x 1, *x]\n")["a"], serde_json::json!([1, 1]));
        assert_eq!(json("&k key: v\nother: *k\n")["other"], "key");
        assert_eq!(
            json("a: [[x, &y [1]], *y]\n")["a"],
            serde_json::json!([["x", [1]], [1]])
        );
        assert_eq!(
            json("a: &a {x: 1}\nb: &b [*a, *a]\nc: *b\n")["c"],
            serde_json::json!([{"x": 1}, {"x": 1}])
        );
    }

    #[test]
    fn merge_keys_and_node_budget_have_their_own_messages() {
        let e = p("a: &b {x: 1}\nc:\n  <<: *b\n").expect_err("merge");
        assert_eq!((e.code, e.pos.line), (Code::YamlSyntax, 3));
        assert!(e.message.contains("merge keys"));
        let small = YamlLimits {
            max_depth: 64,
            max_nodes: 100,
        };
        let list = format!("x: [{}]\n", vec!["0"; 200].join(","));
        let e = parse(&list, small, Shift::default()).expect_err("budget");
        assert_eq!(e.code, Code::YamlNodeLimit);
    }

    #[test]
    fn deep_anchors_are_budgeted() {
        // 20,000 anchored values 60 levels down: their paths would cost
        // 1.2 million entries to remember.
        let mut t = String::new();
        for i in 0..60 {
            t.push_str(&" ".repeat(i * 2));
            t.push_str("k:\n");
        }
        for i in 0..20_000 {
            t.push_str(&" ".repeat(120));
            t.push_str(&format!("a{i}: &x{i} v\n"));
        }
        let e = p(&t).expect_err("budget");
        assert_eq!(e.code, Code::YamlAliasLimit);
        assert!(e.message.contains("anchors"), "{}", e.message);
    }

    #[test]
    fn a_mapping_with_many_keys_is_indexed_and_still_refuses_duplicates() {
        let mut t = String::new();
        for i in 0..50_000 {
            t.push_str(&format!("k{i}: {i}\n"));
        }
        let n = p(&t).expect("parses");
        assert_eq!(n.get("k49999").map(|v| &v.value), Some(&Value::Int(49_999)));
        t.push_str("k17: again\n");
        assert_eq!(p(&t).expect_err("dup").code, Code::YamlDuplicateKey);
    }

    #[test]
    fn nested_collections_keep_their_own_children_and_no_spare_room() {
        let text = "a: [1, [2, 3], {x: 4, y: [5]}, 6]\nb: {k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7, k8: 8, k9: 9, k10: 10, k11: 11, k12: 12, k13: 13, k14: 14, k15: 15, k16: 16, k17: {z: 17}, k18: 18}\nc: last\n";
        let n = p(text).expect("parses");
        let json = n.to_json().to_string();
        assert_eq!(
            json,
            r#"{"a":[1,[2,3],{"x":4,"y":[5]},6],"b":{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":{"z":17},"k18":18},"c":"last"}"#
        );
        assert_eq!(n.pointer("/b/k17/z").map(|v| v.pos.line), Some(2));
        assert!(n.pointer("/b").and_then(|b| b.entry("k18")).is_some());
        let mut todo = vec![&n];
        while let Some(node) = todo.pop() {
            match &node.value {
                Value::Seq(items) => {
                    assert_eq!(items.capacity(), items.len());
                    todo.extend(items.iter());
                }
                Value::Map(map) => {
                    assert_eq!(map.entries.capacity(), map.entries.len());
                    assert_eq!(map.index.is_some(), map.len() > Map::LINEAR);
                    todo.extend(map.iter().map(|e| &e.value));
                }
                _ => {}
            }
        }
    }

    #[test]
    fn a_tab_in_indentation_is_found_where_it_is() {
        let t = "a: 1\nb: x\n\tc: 2\n";
        let e = p(t).expect_err("tab");
        assert_eq!((e.pos.line, e.pos.column), (3, 1), "{}", e.message);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = format!("{}x{}", "[".repeat(500), "]".repeat(500));
        assert_eq!(p(&s).expect_err("deep").code, Code::YamlTooDeep);
        let mut block = String::new();
        for i in 0..200 {
            block.push_str(&" ".repeat(i * 2));
            block.push_str("k:\n");
        }
        assert_eq!(p(&block).expect_err("deep").code, Code::YamlTooDeep);
    }

    #[test]
    fn shifted_positions_count_from_the_file() {
        let n = parse(
            "id: x\n",
            YamlLimits::default(),
            Shift {
                lines: 3,
                bytes: 10,
            },
        )
        .expect("parses");
        assert_eq!(
            n.get("id").map(|n| (n.pos.line, n.pos.offset)),
            Some((4, 14))
        );
    }

    #[test]
    fn empty_document_is_null() {
        assert_eq!(p("# nothing\n").expect("parses").value, Value::Null);
    }

    #[test]
    fn pointer_escapes_are_decoded() {
        let n = p("\"a/b\": 1\n").expect("parses");
        assert!(n.pointer("/a~1b").is_some());
    }
}

#[cfg(test)]
mod robustness {
    use super::*;

    /// A tiny deterministic generator, so failures reproduce.
    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[(self.next() % items.len() as u64) as usize]
        }
    }

    #[test]
    fn parser_never_panics_on_yaml_shaped_noise() {
        const TOKENS: &[&str] = &[
            "a",
            "id",
            ":",
            " ",
            "  ",
            "\n",
            "- ",
            "[",
            "]",
            "{",
            "}",
            ",",
            "&x ",
            "*x",
            "'",
            "\"",
            "#",
            "|",
            ">",
            "? ",
            "!!str ",
            "!tag ",
            "---\n",
            "...\n",
            "\t",
            "0755",
            "1e9",
            "~",
            "null",
            "yes",
            "é",
            "\u{feff}",
            "\\",
            "%YAML 1.2\n",
            "<<: ",
            "2026-13-40",
        ];
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            let n = (rng.next() % 40) as usize;
            let text: String = (0..n).map(|_| rng.pick(TOKENS)).collect();
            let _ = parse(&text, YamlLimits::default(), Shift::default());
        }
    }
}
