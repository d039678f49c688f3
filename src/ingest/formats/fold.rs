//! What the Nessus, Prowler, ASFF, ZAP and Burp readers share: results
//! folded to one per (target, rule), short excerpts of the tool's text,
//! JSON read element by element, and the target of a cloud resource.

use super::shared::weight;
use crate::ingest::{IngestError, Observation, RuleResult};
use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use std::collections::HashMap;
use std::io::BufRead;
use std::marker::PhantomData;
use std::path::Path;

/// Observations kept per result (a rule hit on many ports, URLs or
/// paths keeps the first ones, in the order its reader gives them).
pub(crate) const MAX_OBSERVED: usize = 10;
/// Characters kept of a message.
pub(crate) const MESSAGE_CHARS: usize = 300;
/// Characters kept of an observed value.
pub(crate) const VALUE_CHARS: usize = 500;

/// Results in the order their (target, rule) first appears; a pair seen
/// again is folded into the first.
#[derive(Default)]
pub(crate) struct Fold {
    index: HashMap<(String, String), usize>,
    results: Vec<RuleResult>,
}

impl Fold {
    pub(crate) fn add(&mut self, r: RuleResult) {
        let key = (r.target.clone(), r.rule_id.clone());
        match self.index.get(&key) {
            Some(&i) => merge(&mut self.results[i], r),
            None => {
                self.index.insert(key, self.results.len());
                self.results.push(r);
            }
        }
    }

    pub(crate) fn finish(self) -> Vec<RuleResult> {
        self.results
    }
}

/// Folds `r` into `into`. A result the file overrides (suppressed, muted,
/// a false positive) gives way to one it does not: the fold is overridden
/// only when every part of it is.
fn merge(into: &mut RuleResult, r: RuleResult) {
    match (into.overridden.is_some(), r.overridden.is_some()) {
        (true, false) => {
            into.result = r.result;
            into.severity = r.severity;
            into.overridden = None;
            if r.message.is_some() {
                into.message = r.message.clone();
            }
        }
        (false, true) => {}
        _ => {
            if weight(r.result) > weight(into.result) {
                // The message explains the result: it follows the worse one.
                into.result = r.result;
                if r.message.is_some() {
                    into.message = r.message.clone();
                }
            }
            into.severity = into.severity.max(r.severity);
        }
    }
    if into.title.is_none() {
        into.title = r.title;
    }
    if into.message.is_none() {
        into.message = r.message;
    }
    into.refs.absorb(r.refs);
    for o in r.observed {
        push_observation(&mut into.observed, o);
    }
}

/// Adds an observation unless it is there already or the list is full.
pub(crate) fn push_observation(list: &mut Vec<Observation>, o: Observation) {
    if list.len() < MAX_OBSERVED && !list.contains(&o) {
        list.push(o);
    }
}

/// `s` trimmed and cut to `max` characters (an ellipsis marks the cut).
pub(crate) fn clip(s: &str, max: usize) -> String {
    crate::excerpt::clip(s.trim(), max)
}

/// A short message from the tool's text: `None` when empty.
pub(crate) fn message(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| clip(s, MESSAGE_CHARS))
}

/// An optional text that is not empty.
pub(crate) fn some(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// RFC 3339 (UTC) for seconds since the epoch.
pub(crate) fn epoch(secs: i64) -> Option<String> {
    jiff::Timestamp::from_second(secs)
        .ok()
        .map(|t| t.to_string())
}

/// Where a cloud finding was assessed: the resource's ARN, or, when its
/// id is not an ARN, account, region and id joined by `/` (the account
/// left out when the id already names it), so that the same check in two
/// regions of one account stays two results.
pub(crate) fn cloud_target(account: &str, region: &str, uid: &str) -> String {
    let (account, region, uid) = (account.trim(), region.trim(), uid.trim());
    if uid.starts_with("arn:") {
        return uid.to_string();
    }
    let mut parts = Vec::new();
    if !account.is_empty() && !uid.contains(account) {
        parts.push(account);
    }
    if !region.is_empty() {
        parts.push(region);
    }
    if !uid.is_empty() {
        parts.push(uid);
    }
    parts.join("/")
}

/// A JSON error as an ingest error at its line.
pub(crate) fn json_error(path: &Path, format: &'static str, e: &serde_json::Error) -> IngestError {
    let line = (e.line() > 0).then_some(e.line());
    let what = match e.classify() {
        serde_json::error::Category::Eof => {
            "the JSON ends early (the file is probably cut short)".to_string()
        }
        serde_json::error::Category::Io => format!("cannot read it: {e}"),
        _ => strip_position(&e.to_string()),
    };
    IngestError::malformed(path, format, line, what)
}

/// serde_json's message without its ` at line L column C` (the error
/// names the line itself).
fn strip_position(m: &str) -> String {
    match m.rfind(" at line ") {
        Some(i) => m[..i].to_string(),
        None => m.to_string(),
    }
}

/// The first character of the JSON text `input` holds, without
/// consuming anything (a byte-order mark and white space are skipped).
pub(crate) fn peek_json(input: &mut dyn BufRead, path: &Path) -> Result<Option<u8>, IngestError> {
    let buf = input.fill_buf().map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let buf = buf.strip_prefix(b"\xef\xbb\xbf").unwrap_or(buf);
    Ok(buf.iter().copied().find(|b| !b.is_ascii_whitespace()))
}

/// A JSON reader over `input`, past a byte-order mark.
pub(crate) fn json_reader<'a>(
    input: &'a mut dyn BufRead,
    path: &Path,
) -> Result<serde_json::Deserializer<serde_json::de::IoRead<&'a mut dyn BufRead>>, IngestError> {
    super::json::skip_bom(input).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(serde_json::Deserializer::from_reader(input))
}

/// Reads the top-level JSON array in `input` one element at a time,
/// handing each to `each` (memory holds one element, never the array).
/// Returns how many elements there were.
pub(crate) fn each_in_array<T, F>(
    input: &mut dyn BufRead,
    path: &Path,
    format: &'static str,
    mut each: F,
) -> Result<usize, IngestError>
where
    T: de::DeserializeOwned,
    F: FnMut(T) -> Result<(), IngestError>,
{
    let mut stopped = None;
    let mut de = json_reader(input, path)?;
    let seed = EachSeed {
        each: &mut each,
        stopped: &mut stopped,
        item: PhantomData,
    };
    let n = match seed.deserialize(&mut de) {
        Ok(n) => n,
        Err(e) => {
            return Err(stopped.unwrap_or_else(|| json_error(path, format, &e)));
        }
    };
    de.end().map_err(|e| json_error(path, format, &e))?;
    Ok(n)
}

/// Reads the top-level JSON object in `input`, handing each element of
/// the array under one of `fields` to `each` (other keys are skipped
/// without being kept). Returns how many elements there were.
pub(crate) fn each_in_field<T, F>(
    input: &mut dyn BufRead,
    path: &Path,
    format: &'static str,
    fields: &'static [&'static str],
    mut each: F,
) -> Result<usize, IngestError>
where
    T: de::DeserializeOwned,
    F: FnMut(T) -> Result<(), IngestError>,
{
    let mut stopped = None;
    let mut de = json_reader(input, path)?;
    let seed = FieldSeed {
        fields,
        each: EachSeed {
            each: &mut each,
            stopped: &mut stopped,
            item: PhantomData,
        },
    };
    let n = match seed.deserialize(&mut de) {
        Ok(n) => n,
        Err(e) => {
            return Err(stopped.unwrap_or_else(|| json_error(path, format, &e)));
        }
    };
    de.end().map_err(|e| json_error(path, format, &e))?;
    Ok(n)
}

struct FieldSeed<'a, T, F> {
    fields: &'static [&'static str],
    each: EachSeed<'a, T, F>,
}

impl<'de, T, F> DeserializeSeed<'de> for FieldSeed<'_, T, F>
where
    T: de::Deserialize<'de>,
    F: FnMut(T) -> Result<(), IngestError>,
{
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T, F> Visitor<'de> for FieldSeed<'_, T, F>
where
    T: de::Deserialize<'de>,
    F: FnMut(T) -> Result<(), IngestError>,
{
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "an object with {}", self.fields.join(" or "))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
        let FieldSeed { fields, each } = self;
        let mut each = Some(each);
        let mut n = None;
        while let Some(key) = map.next_key::<String>()? {
            match each.take() {
                Some(seed) if fields.contains(&key.as_str()) => {
                    n = Some(map.next_value_seed(seed)?);
                }
                other => {
                    each = other;
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        n.ok_or_else(|| de::Error::missing_field(fields.first().copied().unwrap_or("")))
    }
}

/// Streams a JSON array's elements into a callback; an error from the
/// callback stops the parse and is kept in `stopped`.
pub(crate) struct EachSeed<'a, T, F> {
    pub(crate) each: &'a mut F,
    pub(crate) stopped: &'a mut Option<IngestError>,
    pub(crate) item: PhantomData<T>,
}

impl<'de, T, F> DeserializeSeed<'de> for EachSeed<'_, T, F>
where
    T: de::Deserialize<'de>,
    F: FnMut(T) -> Result<(), IngestError>,
{
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T, F> Visitor<'de> for EachSeed<'_, T, F>
where
    T: de::Deserialize<'de>,
    F: FnMut(T) -> Result<(), IngestError>,
{
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut n = 0;
        while let Some(item) = seq.next_element::<T>()? {
            n += 1;
            if let Err(e) = (self.each)(item) {
                *self.stopped = Some(e);
                return Err(de::Error::custom("stopped"));
            }
        }
        Ok(n)
    }
}

/// A scalar as text, whichever JSON type the tool wrote it as (`"2"`,
/// `2`, `true`); `null` is `None`. For `#[serde(deserialize_with)]`.
pub(crate) fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Lenient)
}

struct Lenient;

impl<'de> Visitor<'de> for Lenient {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string, number or boolean")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(Lenient)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ScanResult, Severity};

    fn result(target: &str, rule: &str, r: ScanResult) -> RuleResult {
        RuleResult {
            target: target.into(),
            rule_id: rule.into(),
            result: r,
            ..Default::default()
        }
    }

    #[test]
    fn one_result_per_target_and_rule_the_worst_wins() {
        let mut f = Fold::default();
        f.add(result("h", "1", ScanResult::Pass));
        f.add(result("h", "2", ScanResult::Informational));
        let mut failing = result("h", "1", ScanResult::Fail);
        failing.severity = Some(Severity::High);
        f.add(failing);
        f.add(result("other", "1", ScanResult::Error));
        let out = f.finish();
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].result, ScanResult::Fail);
        assert_eq!(out[0].severity, Some(Severity::High));
        assert_eq!(out[2].target, "other");
    }

    #[test]
    fn an_overridden_part_gives_way_to_a_live_one() {
        let mut f = Fold::default();
        let mut muted = result("h", "1", ScanResult::Fail);
        muted.overridden = Some("muted".into());
        f.add(muted.clone());
        f.add(result("h", "1", ScanResult::Pass));
        f.add(muted);
        let out = f.finish();
        assert_eq!(out[0].result, ScanResult::Pass);
        assert_eq!(out[0].overridden, None);
    }

    #[test]
    fn text_is_clipped_and_targets_composed() {
        assert_eq!(clip("  abcdef ", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
        assert_eq!(
            cloud_target("1", "eu-west-1", "arn:aws:s3:::b"),
            "arn:aws:s3:::b"
        );
        assert_eq!(
            cloud_target("123", "us-east-1", "AWS::::Account:123"),
            "us-east-1/AWS::::Account:123"
        );
        assert_eq!(cloud_target("123", "global", "App"), "123/global/App");
        assert_eq!(epoch(0).as_deref(), Some("1970-01-01T00:00:00Z"));
    }
}
