//! Span-keeping YAML: one parse into a small tree whose every node and key
//! knows its line, column and byte range. The tree feeds JSON Schema
//! validation (through `to_json`) and lets later stages point at any value
//! by its JSON Pointer.

use crate::diag::{Code, Pos};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};
use std::fmt;

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
    Map(Vec<Entry>),
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
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// Follows an RFC 6901 JSON Pointer (`/controls/3/id`).
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        let mut node = self;
        for seg in pointer_segments(pointer) {
            node = match &node.value {
                Value::Map(entries) => &entries.iter().find(|e| e.key == seg)?.value,
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
                Value::Map(entries) => entries.iter().find(|e| e.key == seg).map(|e| &e.value),
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
    let options = options(limits);
    match serde_saphyr::from_str_with_options::<Spanned<Tree>>(text, options) {
        Ok(root) => {
            let mut node = Node {
                pos: pos_of(&root.referenced),
                value: root.value.0,
            };
            if shift.lines > 0 || shift.bytes > 0 {
                shift_tree(&mut node, shift);
            }
            Ok(node)
        }
        Err(err) => Err(classify(&err, shift, limits)),
    }
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

fn classify(err: &serde_saphyr::Error, shift: Shift, limits: YamlLimits) -> YamlError {
    use serde_saphyr::Error as E;
    let pos = err
        .location()
        .map(|l| shift_pos(pos_of(&l), shift))
        .unwrap_or(shift_pos(Pos::START, shift));
    let plain = err.render_with_options(serde_saphyr::render_options! {
        snippets: serde_saphyr::SnippetMode::Off,
    });
    let message = strip_location_suffix(&plain);
    let mut inner = err;
    while let E::AliasError { error, .. } | E::WithSnippet { error, .. } = inner {
        inner = error;
    }
    let (code, help) = match inner {
        E::DuplicateMappingKey { .. } => (
            Code::YamlDuplicateKey,
            "each key may appear once in a mapping; remove or merge the repeated key",
        ),
        E::Budget { breach, .. } => match breach {
            serde_saphyr::budget::BudgetBreach::Depth { .. } => (
                Code::YamlTooDeep,
                "flatten the document; Aegis files never need this much nesting",
            ),
            _ => (
                Code::YamlAliasLimit,
                "the document expands to more nodes than Aegis accepts; remove the aliases that multiply content",
            ),
        },
        E::AliasReplayCounterOverflow { .. }
        | E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. } => (
            Code::YamlAliasLimit,
            "the document expands aliases beyond the safety budget; write the content out instead of nesting aliases",
        ),
        E::MultipleDocuments { .. } => (
            Code::YamlSyntax,
            "Aegis reads one YAML document per file; split the documents into separate files",
        ),
        _ if message.contains("recursion limit") || message.contains("depth") => (
            Code::YamlTooDeep,
            "flatten the document; Aegis files never need this much nesting",
        ),
        _ => (
            Code::YamlSyntax,
            "fix the YAML syntax at this position (check indentation, quotes and colons)",
        ),
    };
    // The parser's wording names its own budgets; say what it means for the file.
    let message = match code {
        Code::YamlTooDeep => format!(
            "nesting is deeper than the limit of {} levels",
            limits.max_depth
        ),
        // The parser's text here is a debug dump of its budget with a
        // position of its own; the diagnostic already carries the position.
        Code::YamlAliasLimit => {
            "document has more nodes or alias expansions than the safety budget allows".to_string()
        }
        _ => message,
    };
    YamlError {
        code,
        pos,
        message,
        help: help.to_string(),
    }
}

/// serde-saphyr's plain rendering ends with " at line N column M"; our
/// diagnostics carry the position separately.
fn strip_location_suffix(s: &str) -> String {
    let first = s.lines().next().unwrap_or(s).trim();
    let first = match first.rfind(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    // The parser's advice is about its own options, not about the user's file.
    first
        .split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or(first)
        .to_string()
}

fn pos_of(loc: &Location) -> Pos {
    let span = loc.span();
    Pos {
        line: u32::try_from(loc.line()).unwrap_or(u32::MAX),
        column: u32::try_from(loc.column()).unwrap_or(u32::MAX),
        offset: span
            .byte_offset()
            .and_then(|o| usize::try_from(o).ok())
            .unwrap_or(0),
        len: span
            .byte_len()
            .and_then(|o| usize::try_from(o).ok())
            .unwrap_or(0),
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
            for e in entries {
                e.key_pos = shift_pos(e.key_pos, shift);
                shift_tree(&mut e.value, shift);
            }
        }
        _ => {}
    }
}

/// The deserialization target: a value whose children carry spans.
struct Tree(Value);

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Each nesting level costs the parser and this visitor several
        // frames; grow the stack rather than trust the thread's size.
        stacker::maybe_grow(128 * 1024, 4 * 1024 * 1024, || {
            d.deserialize_any(TreeVisitor).map(Tree)
        })
    }
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(TreeVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::UInt(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        i64::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom("integer is too large"))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        u64::try_from(v)
            .map(Value::UInt)
            .map_err(|_| E::custom("integer is too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Value, E> {
        Err(E::custom("binary values are not supported"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Tree>>()? {
            items.push(Node {
                pos: pos_of(&item.referenced),
                value: item.value.0,
            });
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let value = map.next_value::<Spanned<Tree>>()?;
            entries.push(Entry {
                key: key.value.0,
                key_pos: pos_of(&key.referenced),
                value: Node {
                    pos: pos_of(&value.referenced),
                    value: value.value.0,
                },
            });
        }
        Ok(Value::Map(entries))
    }
}

/// Mapping keys as text; Aegis files never use collections as keys.
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = String;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E>(self, v: &str) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_string<E>(self, v: String) -> Result<String, E> {
                Ok(v)
            }
            fn visit_bool<E>(self, v: bool) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_i64<E>(self, v: i64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_u64<E>(self, v: u64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_f64<E>(self, v: f64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_unit<E>(self) -> Result<String, E> {
                Ok("null".to_string())
            }
        }
        d.deserialize_any(V).map(KeyText)
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
