//! What the JSON readers share: reading a document through a typed seed
//! with serde's errors turned into [`IngestError`]s; value types that
//! tolerate what scanners vary between versions (a number where a string
//! is usual, `null` for an empty list, a string where a list is usual)
//! while keeping only what a reader asks for; references and severities
//! in the words vulnerability scanners use; and the bookkeeping that
//! keeps one result per (target, rule).
//!
//! Nothing here builds a DOM of the input: a skipped field is read past
//! with [`IgnoredAny`], so memory follows what a reader keeps.

use crate::ingest::{IngestError, Refs, RuleResult, ScanResult, Severity};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::BufRead;
use std::marker::PhantomData;
use std::path::Path;

/// The longest title, message or snippet a reader keeps, in characters.
pub(crate) const SHORT: usize = 200;

/// Reads one JSON document from `input` with `seed`, and refuses anything
/// but whitespace after it. A UTF-8 byte order mark before it (as Windows
/// tools write) is passed over.
pub(crate) fn read_json<'de, T: DeserializeSeed<'de>>(
    input: &mut dyn BufRead,
    path: &Path,
    format: &'static str,
    seed: T,
) -> Result<T::Value, IngestError> {
    super::json::skip_bom(input).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut de = serde_json::Deserializer::from_reader(input);
    let value = seed
        .deserialize(&mut de)
        .map_err(|e| json_error(path, format, e))?;
    de.end().map_err(|e| json_error(path, format, e))?;
    Ok(value)
}

/// Reads one JSON document into `T` (a typed struct keeping only the
/// fields a reader needs).
pub(crate) fn read_typed<T: for<'de> Deserialize<'de>>(
    input: &mut dyn BufRead,
    path: &Path,
    format: &'static str,
) -> Result<T, IngestError> {
    read_json(input, path, format, PhantomData::<T>)
}

/// serde_json's error as an ingest error naming the file and line; the
/// parser's own words go through the excerpt rules in the error's display.
pub(crate) fn json_error(path: &Path, format: &'static str, e: serde_json::Error) -> IngestError {
    use serde_json::error::Category;
    let line = (e.line() > 0).then_some(e.line());
    match e.classify() {
        Category::Io => IngestError::Io {
            path: path.to_path_buf(),
            source: e.into(),
        },
        Category::Eof => IngestError::malformed(
            path,
            format,
            line,
            "the JSON ends early: the file is empty or was cut short",
        ),
        Category::Syntax => {
            IngestError::malformed(path, format, line, format!("invalid JSON: {}", bare(&e)))
        }
        Category::Data => IngestError::malformed(path, format, line, bare(&e)),
    }
}

/// The error's message without serde_json's " at line L column C" (the
/// line is given separately).
fn bare(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match s.strip_suffix(&suffix) {
        Some(b) => b.to_string(),
        None => s,
    }
}

/// Reads past the rest of a sequence.
pub(crate) fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Reads past the rest of a map.
pub(crate) fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Implements the scalar visits of a lenient type from one conversion of
/// the text form of the scalar, and reads past lists and objects.
macro_rules! scalar_visitor {
    ($visitor:ident, $value:ty, $expecting:literal, |$s:ident| $from:expr, $none:expr) => {
        struct $visitor;
        impl<'de> Visitor<'de> for $visitor {
            type Value = $value;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str($expecting)
            }
            fn visit_str<E: de::Error>(self, $s: &str) -> Result<Self::Value, E> {
                Ok($from)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                let $s: &str = if v { "true" } else { "false" };
                Ok($from)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                let text = v.to_string();
                let $s: &str = &text;
                Ok($from)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                let text = v.to_string();
                let $s: &str = &text;
                Ok($from)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                let text = v.to_string();
                let $s: &str = &text;
                Ok($from)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok($none)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok($none)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                drain_seq(seq)?;
                Ok($none)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                drain_map(map)?;
                Ok($none)
            }
        }
    };
}

/// A scalar as text: a string as written, a number or boolean as printed;
/// `null`, a list or an object is no text.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Text(pub Option<String>);

impl Text {
    /// The text, trimmed; `None` when absent or blank.
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }

    /// The text, trimmed and owned; `None` when absent or blank.
    pub fn take(self) -> Option<String> {
        let s = self.0?;
        match s.trim() {
            "" => None,
            t if t.len() == s.len() => Some(s),
            t => Some(t.to_string()),
        }
    }

    /// Whether the text is `true` (JSON `true` or the string).
    pub fn is_true(&self) -> bool {
        self.get().is_some_and(|s| s.eq_ignore_ascii_case("true"))
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar_visitor!(V, Text, "text", |s| Text(Some(s.to_string())), Text(None));
        d.deserialize_any(V)
    }
}

/// Text kept short: its first paragraph on one line, cut to [`SHORT`]
/// characters (titles, messages). The rest of a long description is
/// never kept.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Short(pub Option<String>);

impl Short {
    pub fn take(self) -> Option<String> {
        self.0
    }
}

impl<'de> Deserialize<'de> for Short {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar_visitor!(V, Short, "text", |s| Short(short(s)), Short(None));
        d.deserialize_any(V)
    }
}

/// A line of code kept short: the first non-blank line, trimmed and cut
/// to [`SHORT`] characters.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Line(pub Option<String>);

impl<'de> Deserialize<'de> for Line {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar_visitor!(V, Line, "text", |s| Line(first_line(s)), Line(None));
        d.deserialize_any(V)
    }
}

/// A number, from a JSON number or a numeric string; anything else (or a
/// value that is not finite) is no number.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Num(pub Option<f64>);

impl Num {
    /// A count or index: a whole, non-negative number a file could hold.
    pub fn whole(self) -> Option<u64> {
        self.0
            .filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v < 9.0e15)
            .map(|v| v as u64)
    }

    pub fn index(self) -> Option<usize> {
        self.whole().and_then(|v| usize::try_from(v).ok())
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        scalar_visitor!(
            V,
            Num,
            "a number",
            |s| Num(s.trim().parse::<f64>().ok().filter(|v| v.is_finite())),
            Num(None)
        );
        d.deserialize_any(V)
    }
}

/// A list of texts: a list's scalar items (others skipped), or a single
/// scalar as a list of one.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Strings(pub Vec<String>);

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Strings;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Strings, E> {
                Ok(Strings(vec![s.to_string()]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Strings, E> {
                Ok(Strings(vec![v.to_string()]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Strings, E> {
                Ok(Strings(vec![v.to_string()]))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Strings, E> {
                Ok(Strings(vec![v.to_string()]))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Strings, E> {
                Ok(Strings::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Strings, E> {
                Ok(Strings::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<Strings, E> {
                Ok(Strings::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strings, A::Error> {
                let mut out = Vec::new();
                while let Some(Text(t)) = seq.next_element::<Text>()? {
                    if let Some(t) = t {
                        out.push(t);
                    }
                }
                Ok(Strings(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Strings, A::Error> {
                drain_map(map)?;
                Ok(Strings::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// An object read as `T`; anything else (`null`, a scalar, a list) is
/// none, so a field a scanner leaves `null` or changes the shape of does
/// not make the file unreadable.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Obj<T>(pub Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Obj(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|v| Obj(Some(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Obj<T>, A::Error> {
                drain_seq(seq)?;
                Ok(Obj(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A list of objects read as `T`; items that are not objects are
/// skipped, and anything but a list is an empty list.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct List<T>(pub Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(Obj(item)) = seq.next_element::<Obj<T>>()? {
                    if let Some(item) = item {
                        out.push(item);
                    }
                }
                Ok(List(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<List<T>, A::Error> {
                drain_map(map)?;
                Ok(List(Vec::new()))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
            fn visit_none<E: de::Error>(self) -> Result<List<T>, E> {
                Ok(List(Vec::new()))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A document that is one report object or a list of them (Checkov, Snyk
/// with several projects): always a list. Items that are not objects are
/// skipped; a document that is neither is an error.
#[derive(Clone, Debug)]
pub(crate) struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a report object or a list of them")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let one = T::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(OneOrMany(vec![one]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                let List(all) = List::<T>::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(OneOrMany(all))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// The first paragraph of `s` (up to its first blank line) on one line,
/// its runs of white space made single spaces, cut to [`SHORT`]
/// characters; `None` when `s` is blank.
pub(crate) fn short(s: &str) -> Option<String> {
    let mut out = String::new();
    for line in s.lines().map(str::trim) {
        if line.is_empty() {
            if out.is_empty() {
                continue;
            }
            break;
        }
        for word in line.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        if out.chars().count() > SHORT {
            break;
        }
    }
    (!out.is_empty()).then(|| clip(&out, SHORT))
}

/// The first non-blank line of `s`, trimmed and cut to [`SHORT`]
/// characters (a line of code); `None` when `s` is blank.
pub(crate) fn first_line(s: &str) -> Option<String> {
    let line = s.lines().map(str::trim).find(|l| !l.is_empty())?;
    Some(clip(line, SHORT))
}

pub(crate) use crate::excerpt::clip;

/// The parts of a target joined as `outer > inner` (an image and a
/// package in it, a file and a resource in it); blank parts are left out.
pub(crate) fn join_target(parts: &[&str]) -> String {
    let parts: Vec<&str> = parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect();
    parts.join(" > ")
}

/// A vulnerability id as a reference: CVE and GHSA ids into `cve`, others
/// (`RUSTSEC-2021-0001`, `DSA-4808-1`, `PRISMA-2021-0020`,
/// `SNYK-JS-LODASH-567746`) into `other` under the prefix they start with.
pub(crate) fn push_vuln_id(refs: &mut Refs, id: &str) {
    let id = id.trim();
    if id.is_empty() {
        return;
    }
    let upper = id.to_ascii_uppercase();
    if upper.starts_with("CVE-") || upper.starts_with("GHSA-") {
        Refs::push(&mut refs.cve, id);
    } else if upper.starts_with("CWE-") {
        refs.push_cwe(id);
    } else {
        let scheme = id
            .split(['-', ':'])
            .next()
            .filter(|s| !s.is_empty() && s.len() < id.len())
            .unwrap_or("id")
            .to_ascii_lowercase();
        refs.push_other(&scheme, id);
    }
}

/// A severity word from a vulnerability database or scanner:
/// [`Severity::from_word`]'s words, plus `important` (Red Hat's word for
/// high); `unknown` is no severity, not informational.
pub(crate) fn severity_word(word: &str) -> Option<Severity> {
    match word.trim().to_ascii_lowercase().as_str() {
        "" | "unknown" | "unknown severity" | "unspecified" => None,
        "important" => Some(Severity::High),
        w => Severity::from_word(w),
    }
}

/// How much a result weighs when two results share a (target, rule): a
/// failure outweighs an error, which outweighs a result not checked, a
/// pass, an informational result and a not-applicable one.
pub(crate) fn weight(r: ScanResult) -> u8 {
    match r {
        ScanResult::Fail => 5,
        ScanResult::Error => 4,
        ScanResult::Notchecked => 3,
        ScanResult::Pass => 2,
        ScanResult::Informational => 1,
        ScanResult::Notapplicable => 0,
    }
}

/// Folds `other` into `into`, both for the same (target, rule): the
/// heavier result wins with its details; references are united and the
/// higher severity kept.
pub(crate) fn merge(into: &mut RuleResult, other: RuleResult) {
    let severity = into.severity.max(other.severity);
    let (mut keep, lose) = if weight(other.result) > weight(into.result) {
        (other, std::mem::take(into))
    } else {
        (std::mem::take(into), other)
    };
    keep.refs.absorb(lose.refs);
    keep.severity = severity;
    *into = keep;
}

/// The results of one scan, kept to one per (target, rule) so that state
/// keyed on them is well defined.
///
/// A reader may give each result a discriminator (a package version, a
/// line range): when results share a (target, rule) but differ in it,
/// each keeps its own, appended to its target (`image > lodash@4.17.4`
/// beside `image > lodash@4.17.11`). Results that still share a (target,
/// rule) are folded into the first by [`merge`], in place, so the order
/// is the file's and no second list of results is ever built.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    results: Vec<RuleResult>,
    /// (index in `results`, discriminator), for the results that have one.
    discriminators: Vec<(usize, String)>,
}

impl Collector {
    /// A collector for about `n` results.
    pub fn with_capacity(n: usize) -> Self {
        Collector {
            results: Vec::with_capacity(n),
            discriminators: Vec::new(),
        }
    }

    pub fn push(&mut self, result: RuleResult, discriminator: Option<String>) {
        if let Some(d) = discriminator {
            self.discriminators.push((self.results.len(), d));
        }
        self.results.push(result);
    }

    pub fn finish(self) -> Vec<RuleResult> {
        let Collector {
            mut results,
            discriminators,
        } = self;
        let discriminator = |i: usize| -> Option<&str> {
            discriminators
                .binary_search_by_key(&i, |(j, _)| *j)
                .ok()
                .map(|k| discriminators[k].1.as_str())
        };
        // Keys shared by results that differ in their discriminator: those
        // results get it appended to their target.
        let mut suffix: Vec<usize> = Vec::new();
        for same in same_keys(&results) {
            let first = discriminator(same[0]);
            if same.iter().any(|&i| discriminator(i) != first) {
                suffix.extend(same.iter().copied());
            }
        }
        for i in suffix {
            if let Some(d) = discriminator(i) {
                results[i].target.push_str(d);
            }
        }
        // Fold what still shares a key into its first result.
        let mut keep = vec![true; results.len()];
        for same in same_keys(&results) {
            let first = same[0];
            for &i in &same[1..] {
                let r = std::mem::take(&mut results[i]);
                merge(&mut results[first], r);
                keep[i] = false;
            }
        }
        let mut i = 0;
        results.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        results
    }
}

/// The groups of indices of results that share a (target, rule), each in
/// file order; results whose key is their own are in none.
fn same_keys(results: &[RuleResult]) -> Vec<Vec<usize>> {
    let mut order: Vec<(u64, usize)> = results
        .iter()
        .enumerate()
        .map(|(i, r)| (key_hash(&r.target, &r.rule_id), i))
        .collect();
    order.sort_unstable();
    let mut groups = Vec::new();
    for run in order.chunk_by(|a, b| a.0 == b.0) {
        if run.len() < 2 {
            continue;
        }
        // Equal hashes, almost always equal keys: split by the key itself.
        let mut rest: Vec<usize> = run.iter().map(|&(_, i)| i).collect();
        while let Some(&first) = rest.first() {
            let (same, other): (Vec<usize>, Vec<usize>) = rest.iter().partition(|&&i| {
                results[i].target == results[first].target
                    && results[i].rule_id == results[first].rule_id
            });
            if same.len() > 1 {
                groups.push(same);
            }
            rest = other;
        }
    }
    groups
}

fn key_hash(target: &str, rule: &str) -> u64 {
    let mut h = DefaultHasher::new();
    target.hash(&mut h);
    rule.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Default, Debug)]
    #[serde(default)]
    struct Probe {
        a: Text,
        n: Num,
        s: Strings,
        o: Obj<Inner>,
        l: List<Inner>,
        short: Short,
    }

    #[derive(Deserialize, Default, Debug, PartialEq)]
    #[serde(default)]
    struct Inner {
        x: Text,
    }

    fn probe(json: &str) -> Probe {
        serde_json::from_str(json).expect("lenient")
    }

    #[test]
    fn scalars_of_any_kind_are_read_leniently() {
        let p = probe(r#"{"a": 5, "n": "7.5", "s": "one", "o": null, "l": null}"#);
        assert_eq!(p.a.get(), Some("5"));
        assert_eq!(p.n.0, Some(7.5));
        assert_eq!(p.s.0, vec!["one"]);
        assert_eq!(p.o.0, None);
        assert!(p.l.0.is_empty());
        let p = probe(
            r#"{"a": {"deep": [1, 2]}, "n": [1], "s": [1, "b", {"c": 1}], "o": [1], "l": [{"x": "y"}, 3, null]}"#,
        );
        assert_eq!(p.a.get(), None);
        assert_eq!(p.n.0, None);
        assert_eq!(p.s.0, vec!["1", "b"]);
        assert_eq!(p.o.0, None);
        assert_eq!(
            p.l.0,
            vec![Inner {
                x: Text(Some("y".into()))
            }]
        );
        let p = probe(r#"{"n": "1e400"}"#);
        assert_eq!(p.n.0, None);
        assert_eq!(Num(Some(-1.0)).whole(), None);
        assert_eq!(Num(Some(3.5)).whole(), None);
        assert_eq!(Num(Some(12.0)).index(), Some(12));
    }

    #[test]
    fn short_text_keeps_the_first_line_cut() {
        let p = probe(&format!(
            r#"{{"short": "\n\n  first line  \nsecond {}"}}"#,
            "x".repeat(500)
        ));
        assert!(
            p.short
                .0
                .as_deref()
                .is_some_and(|s| s.starts_with("first line second xxx"))
        );
        assert_eq!(
            short("a\n  b\tc\n\nnext paragraph").as_deref(),
            Some("a b c")
        );
        assert_eq!(
            first_line("\n  code();  \nmore").as_deref(),
            Some("code();")
        );
        let long = short(&"y".repeat(500)).expect("text");
        assert_eq!(long.chars().count(), SHORT);
        assert!(long.ends_with('…'));
        assert_eq!(short("  \n "), None);
    }

    #[test]
    fn json_errors_name_the_file_and_line() {
        let path = Path::new("scan.json");
        let mut input: &[u8] = b"{\n\"a\": [1,\n";
        let e = read_typed::<Probe>(&mut input, path, "test").expect_err("truncated");
        let text = e.to_string();
        assert!(text.starts_with("scan.json:"), "{text}");
        assert!(text.contains("ends early"), "{text}");
        let mut input: &[u8] = b"{\"a\": 1} trailing";
        let e = read_typed::<Probe>(&mut input, path, "test").expect_err("trailing");
        assert!(e.to_string().contains("scan.json:1"), "{e}");
        let mut input: &[u8] = b"\xef\xbb\xbf{\"a\": \"bom\"}\n";
        let p = read_typed::<Probe>(&mut input, path, "test").expect("a BOM is passed over");
        assert_eq!(p.a.get(), Some("bom"));
        let mut input: &[u8] = b"\x00\x01\x02binary";
        let e = read_typed::<Probe>(&mut input, path, "test").expect_err("binary");
        assert!(e.to_string().contains("invalid JSON"), "{e}");
    }

    #[test]
    fn vulnerability_ids_sort_into_schemes() {
        let mut r = Refs::default();
        push_vuln_id(&mut r, "CVE-2021-44228");
        push_vuln_id(&mut r, "GHSA-jfh8-c2jp-5v3q");
        push_vuln_id(&mut r, "RUSTSEC-2021-0001");
        push_vuln_id(&mut r, "SNYK-JS-LODASH-567746");
        push_vuln_id(&mut r, "npm:ms:20151024");
        push_vuln_id(&mut r, "12345");
        assert_eq!(r.cve, vec!["CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q"]);
        assert_eq!(
            r.other,
            vec![
                ("rustsec".to_string(), "RUSTSEC-2021-0001".to_string()),
                ("snyk".to_string(), "SNYK-JS-LODASH-567746".to_string()),
                ("npm".to_string(), "npm:ms:20151024".to_string()),
                ("id".to_string(), "12345".to_string()),
            ]
        );
        assert_eq!(severity_word("important"), Some(Severity::High));
        assert_eq!(severity_word("Unknown"), None);
        assert_eq!(severity_word("Negligible"), Some(Severity::Info));
    }

    fn rr(target: &str, rule: &str, result: ScanResult) -> RuleResult {
        RuleResult {
            target: target.into(),
            rule_id: rule.into(),
            result,
            ..RuleResult::default()
        }
    }

    #[test]
    fn one_result_per_target_and_rule() {
        let mut c = Collector::default();
        c.push(
            rr("img > lodash", "CVE-1", ScanResult::Fail),
            Some("@1".into()),
        );
        c.push(
            rr("img > lodash", "CVE-1", ScanResult::Fail),
            Some("@2".into()),
        );
        c.push(
            rr("img > ms", "CVE-2", ScanResult::Notchecked),
            Some("@1".into()),
        );
        c.push(rr("img > ms", "CVE-2", ScanResult::Fail), Some("@1".into()));
        c.push(
            rr("img > lodash", "CVE-1", ScanResult::Pass),
            Some("@1".into()),
        );
        let out = c.finish();
        let keys: Vec<(String, &str, ScanResult)> = out
            .iter()
            .map(|r| (r.target.clone(), r.rule_id.as_str(), r.result))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("img > lodash@1".to_string(), "CVE-1", ScanResult::Fail),
                ("img > lodash@2".to_string(), "CVE-1", ScanResult::Fail),
                ("img > ms".to_string(), "CVE-2", ScanResult::Fail),
            ]
        );
    }
}
