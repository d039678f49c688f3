//! Schema check: a parsed file against its kind's JSON Schema, every error
//! reported at the line and column of the offending key or value, then the
//! file turned into its typed model.

use crate::diag::{Code, Diagnostic, Pos};
use crate::model;
use crate::schema::Kind;
use crate::workspace::SourceFile;
use crate::workspace::yaml::{Node, Value, pointer_segments};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde::de::DeserializeOwned;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::sync::OnceLock;

struct Compiled {
    schema: Json,
    validator: jsonschema::Validator,
}

fn compiled(kind: Kind) -> &'static Compiled {
    static ALL: OnceLock<HashMap<Kind, Compiled>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        Kind::ALL
            .iter()
            .map(|k| {
                let schema = k.schema();
                let validator = jsonschema::options()
                    .should_validate_formats(true)
                    .with_format("aegis-when", model::is_when_format)
                    .with_format("aegis-period", model::is_period_format)
                    .build(&schema)
                    .unwrap_or_else(|e| {
                        panic!("built-in schema {} does not compile: {e}", k.name())
                    });
                (*k, Compiled { schema, validator })
            })
            .collect()
    });
    &all[&kind]
}

/// Checks `file` against its schema and returns the typed record, or the
/// diagnostics that explain why there is none.
pub fn check<T: DeserializeOwned>(file: &SourceFile) -> (Option<T>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let Some(tree) = &file.tree else {
        return (None, diags);
    };
    let kind = file.kind;
    if !matches!(tree.value, Value::Map(_)) {
        let message = if tree.value == Value::Null {
            format!(
                "file is empty; a {} file is a mapping of keys to values",
                kind.name()
            )
        } else {
            format!(
                "expected a mapping of keys to values, found a {}",
                tree.type_name()
            )
        };
        diags.push(
            Diagnostic::new(Code::WrongType, &file.path, tree.pos, message).help(format!(
                "see schemas/{} for the keys of this kind",
                kind.schema_file()
            )),
        );
        return (None, diags);
    }
    let current = kind.schema_version();
    let mut upgraded = None;
    if let Some(v) = tree.get("schema_version") {
        let declared = match v.value {
            Value::Int(n) => Some(i128::from(n)),
            Value::UInt(n) => Some(i128::from(n)),
            _ => None,
        };
        if let Some(n) = declared.filter(|n| *n != i128::from(current)) {
            let steps = u32::try_from(n)
                .ok()
                .and_then(|from| crate::migrate::path(kind, from).map(|s| (from, s)));
            let Some((from, steps)) = steps else {
                let help = if n > i128::from(current) {
                    "the file was written for a newer aegis; upgrade aegis to read it".to_string()
                } else {
                    format!(
                        "set `schema_version: {current}` and the keys of that version (see schemas/{})",
                        kind.schema_file()
                    )
                };
                diags.push(
                    Diagnostic::new(
                        Code::UnsupportedSchemaVersion,
                        &file.path,
                        v.pos,
                        format!(
                            "schema_version {} is not supported; this aegis reads {} files at schema_version {current}",
                            json_text(&v.to_json()),
                            kind.name()
                        ),
                    )
                    .help(help),
                );
                return (None, diags);
            };
            diags.push(
                Diagnostic::new(
                    Code::SchemaOutdated,
                    &file.path,
                    v.pos,
                    format!(
                        "schema_version {from} is outdated; {} files are at schema_version {current}, and this one is read upgraded in memory",
                        kind.name()
                    ),
                )
                .help("run `aegis migrate` to rewrite the file at the current version (`aegis migrate --dry-run` shows the changes first)"),
            );
            let mut copy = tree.clone();
            crate::migrate::upgrade_tree(&mut copy, &steps);
            upgraded = Some(copy);
        }
    }
    let tree = upgraded.as_ref().unwrap_or(tree);
    // Only errors found from here on keep the record out; the warning
    // about an outdated version does not.
    let warned = diags.len();
    let c = compiled(kind);
    let instance = tree.to_json();
    for err in c.validator.iter_errors(&instance) {
        let path = err.instance_path().as_str().to_string();
        diags.extend(explain(
            file,
            tree,
            &c.schema,
            &path,
            err.kind(),
            &err.to_string(),
        ));
    }
    if diags.len() > warned {
        return (None, diags);
    }
    match serde_path_to_error::deserialize::<_, T>(instance) {
        Ok(v) => (Some(v), diags),
        Err(e) => {
            let mut pointer = String::new();
            for seg in e.path().iter() {
                use serde_path_to_error::Segment;
                match seg {
                    Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
                    Segment::Map { key } => {
                        pointer.push('/');
                        pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                    }
                    Segment::Enum { .. } | Segment::Unknown => {}
                }
            }
            let field = field_name(&pointer);
            diags.push(
                Diagnostic::new(
                    Code::SchemaViolation,
                    &file.path,
                    tree.locate(&pointer),
                    format!("`{field}`: {}", e.inner()),
                )
                .help(format!("see schemas/{}", kind.schema_file())),
            );
            (None, diags)
        }
    }
}

fn explain(
    file: &SourceFile,
    tree: &Node,
    schema: &Json,
    path: &str,
    kind: &ValidationErrorKind,
    text: &str,
) -> Vec<Diagnostic> {
    let at = |pos: Pos| (file.path.as_str(), pos);
    let node = tree.pointer(path);
    let pos = tree.locate(path);
    let field = field_name(path);
    let sub = schema_at(schema, schema, path);
    let describe = sub
        .and_then(|s| s.get("description"))
        .and_then(Json::as_str)
        .map(str::to_string);
    let mut out = Vec::new();
    match kind {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed = sub.map(|s| property_names(schema, s)).unwrap_or_default();
            for key in unexpected {
                let (f, p) = at(tree.locate_key(path, key));
                let hint = match did_you_mean(key, &allowed) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None if allowed.is_empty() => "remove this key".to_string(),
                    None => format!(
                        "remove it; the keys allowed here are: {}",
                        allowed.join(", ")
                    ),
                };
                out.push(
                    Diagnostic::new(
                        Code::UnknownKey,
                        f,
                        p,
                        format!("unknown key `{key}`{}", in_field(path)),
                    )
                    .help(hint),
                );
            }
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or("?");
            let prop_desc = sub
                .and_then(|s| resolve(schema, s).get("properties"))
                .and_then(|p| p.get(name))
                .map(|p| resolve(schema, p))
                .and_then(|p| p.get("description"))
                .and_then(Json::as_str);
            let help = match prop_desc {
                Some(d) => format!("add `{name}:` ({})", d.trim_end_matches('.')),
                None => format!("add `{name}:`"),
            };
            out.push(
                Diagnostic::new(
                    Code::MissingKey,
                    &file.path,
                    pos,
                    format!("missing required key `{name}`{}", in_field(path)),
                )
                .help(help),
            );
        }
        ValidationErrorKind::Type { kind } => {
            let expected = type_words(kind);
            let found = node.map_or("nothing", Node::type_name);
            let format = sub
                .map(|s| resolve(schema, s))
                .and_then(|s| s.get("format"))
                .and_then(Json::as_str);
            let help = match node {
                // A bare number where a period or date goes: quoting it
                // would only trade this error for an invalid-value one.
                Some(n)
                    if matches!(n.value, Value::Int(_) | Value::UInt(_) | Value::Float(_))
                        && format.is_some_and(|f| format_help(f).is_some()) =>
                {
                    format_help(format.unwrap_or_default())
                        .unwrap_or_default()
                        .to_string()
                }
                Some(n)
                    if expected.contains("string")
                        && matches!(
                            n.value,
                            Value::Int(_) | Value::UInt(_) | Value::Float(_) | Value::Bool(_)
                        ) =>
                {
                    let raw = source_slice(file, n).unwrap_or_default();
                    format!("quote the value so YAML reads it as text: {field}: \"{raw}\"")
                }
                Some(n) if n.value == Value::Null => {
                    format!("give `{field}` a value, or remove the key")
                }
                _ => match &describe {
                    Some(d) => format!("`{field}` takes {expected}: {d}"),
                    None => format!("`{field}` takes {expected}"),
                },
            };
            out.push(
                Diagnostic::new(
                    Code::WrongType,
                    &file.path,
                    pos,
                    format!("`{field}` must be {expected}, found {found}"),
                )
                .help(help),
            );
        }
        ValidationErrorKind::Enum { options } => {
            let choices: Vec<String> = options
                .as_array()
                .map(|a| a.iter().map(json_text).collect())
                .unwrap_or_default();
            let value = node.map(|n| json_text(&n.to_json())).unwrap_or_default();
            let help = match did_you_mean(&value, &choices) {
                Some(best) => format!("did you mean `{best}`? allowed: {}", choices.join(", ")),
                None => format!("use one of: {}", choices.join(", ")),
            };
            out.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    &file.path,
                    pos,
                    format!("`{value}` is not an allowed value of `{field}`"),
                )
                .help(help),
            );
        }
        ValidationErrorKind::Format { format } => {
            let value = node.map(|n| json_text(&n.to_json())).unwrap_or_default();
            let (code, message, help) = match format.as_str() {
                "date" => (
                    Code::InvalidDate,
                    format!("`{value}` is not a valid date"),
                    "write the date as YYYY-MM-DD, for example 2026-03-31".to_string(),
                ),
                "aegis-when" => (
                    Code::InvalidDate,
                    format!("`{value}` is not a valid date or timestamp"),
                    "write YYYY-MM-DD or an RFC 3339 timestamp such as 2026-03-31T09:00:00Z"
                        .to_string(),
                ),
                "aegis-period" => (
                    Code::InvalidValue,
                    format!("`{value}` is not a period"),
                    "write a period like 90d, 12w, 6mo, 1y or P90D".to_string(),
                ),
                other => (
                    Code::InvalidValue,
                    format!("`{value}` is not a valid {other}"),
                    describe
                        .clone()
                        .unwrap_or_else(|| format!("`{field}` must be a {other}")),
                ),
            };
            out.push(Diagnostic::new(code, &file.path, pos, message).help(help));
        }
        ValidationErrorKind::Pattern { .. } => {
            let value = node.map(|n| json_text(&n.to_json())).unwrap_or_default();
            let code = if sub
                .and_then(|s| resolve(schema, s).get("format"))
                .and_then(Json::as_str)
                == Some("aegis-when")
            {
                Code::InvalidDate
            } else {
                Code::InvalidValue
            };
            out.push(
                Diagnostic::new(
                    code,
                    &file.path,
                    pos,
                    format!("`{value}` is not a valid value of `{field}`"),
                )
                .help(
                    describe.unwrap_or_else(|| {
                        "see the schema for the form this value takes".to_string()
                    }),
                ),
            );
        }
        ValidationErrorKind::Minimum { .. }
        | ValidationErrorKind::Maximum { .. }
        | ValidationErrorKind::ExclusiveMinimum { .. }
        | ValidationErrorKind::ExclusiveMaximum { .. }
        | ValidationErrorKind::MinLength { .. }
        | ValidationErrorKind::MaxLength { .. }
        | ValidationErrorKind::MinItems { .. }
        | ValidationErrorKind::MaxItems { .. }
        | ValidationErrorKind::Constant { .. } => {
            out.push(
                Diagnostic::new(
                    Code::InvalidValue,
                    &file.path,
                    pos,
                    format!("`{field}`: {text}"),
                )
                .help(
                    describe
                        .unwrap_or_else(|| "change the value to one the schema allows".to_string()),
                ),
            );
        }
        _ => {
            out.push(
                Diagnostic::new(
                    Code::SchemaViolation,
                    &file.path,
                    pos,
                    format!("`{field}`: {text}"),
                )
                .help(format!("see schemas/{}", file.kind.schema_file())),
            );
        }
    }
    out
}

/// How to write a value of one of our formats, for hints.
fn format_help(format: &str) -> Option<&'static str> {
    match format {
        "aegis-period" => Some("write a period with its unit, like 90d, 12w, 6mo, 1y or P90D"),
        "aegis-when" => {
            Some("write YYYY-MM-DD or an RFC 3339 timestamp such as 2026-03-31T09:00:00Z")
        }
        "date" => Some("write the date as YYYY-MM-DD, for example 2026-03-31"),
        _ => None,
    }
}

fn in_field(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" in `{}`", field_path(path))
    }
}

/// `/controls/3/id` as users read it: `controls[3].id`.
fn field_path(path: &str) -> String {
    let mut out = String::new();
    for seg in pointer_segments(path) {
        if seg.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

fn field_name(path: &str) -> String {
    if path.is_empty() {
        "file".to_string()
    } else {
        field_path(path)
    }
}

fn source_slice<'a>(file: &'a SourceFile, n: &Node) -> Option<&'a str> {
    file.text.get(n.pos.offset..n.pos.offset + n.pos.len)
}

fn json_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn type_words(kind: &TypeKind) -> String {
    let word = |t: &str| match t {
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "true or false",
        "array" => "a list",
        "object" => "a mapping",
        "null" => "null",
        _ => "a value",
    };
    match kind {
        TypeKind::Single(t) => word(&t.to_string()).to_string(),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| word(&t.to_string()).to_string())
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// Follows local `$ref`s (`#/$defs/Name`).
fn resolve<'a>(root: &'a Json, mut s: &'a Json) -> &'a Json {
    for _ in 0..16 {
        match s.get("$ref").and_then(Json::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(next) => s = next,
                None => return s,
            },
            None => return s,
        }
    }
    s
}

/// The subschema that governs the instance at `path`.
fn schema_at<'a>(root: &'a Json, start: &'a Json, path: &str) -> Option<&'a Json> {
    let mut s = resolve(root, start);
    for seg in pointer_segments(path) {
        s = resolve(root, s);
        let next = if let Some(p) = s.get("properties").and_then(|p| p.get(&seg)) {
            Some(p)
        } else if let Some(items) = s.get("items").filter(|_| seg.parse::<usize>().is_ok()) {
            Some(items)
        } else {
            s.get("additionalProperties").filter(|a| a.is_object())
        };
        s = resolve(root, next?);
    }
    Some(s)
}

fn property_names(root: &Json, s: &Json) -> Vec<String> {
    resolve(root, s)
        .get("properties")
        .and_then(Json::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// A budget on "did you mean" work for one run. Each hint compares a
/// word with every candidate, so thousands of unknown ids among tens of
/// thousands of records would cost billions of comparisons; past the
/// budget, messages simply go without a suggestion. Only sequential code
/// draws on it, so which messages get hints is deterministic.
#[derive(Debug)]
pub struct Hints {
    left: std::sync::atomic::AtomicUsize,
    /// A take was refused: from there on, which messages got a hint
    /// depends on the order they were made in.
    refused: std::sync::atomic::AtomicBool,
}

impl Default for Hints {
    fn default() -> Self {
        Hints {
            left: std::sync::atomic::AtomicUsize::new(Self::BUDGET),
            refused: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl Hints {
    /// Comparisons per run: a fraction of a second.
    const BUDGET: usize = 2_000_000;

    /// Takes `n` comparisons from the budget, if it has them.
    pub fn take(&self, n: usize) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        let taken = self
            .left
            .fetch_update(Relaxed, Relaxed, |left| left.checked_sub(n))
            .is_ok();
        if !taken {
            self.refused.store(true, Relaxed);
        }
        taken
    }

    /// Comparisons taken so far.
    pub fn spent(&self) -> usize {
        Self::BUDGET - self.left.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether the budget ever ran short.
    pub fn refused(&self) -> bool {
        self.refused.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether `n` comparisons fit in one run's budget.
    pub fn fits(n: usize) -> bool {
        n <= Self::BUDGET
    }

    /// A full budget again, for judging a few records of the next commit
    /// of a walk on their own.
    pub fn reset(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        self.left.store(Self::BUDGET, Relaxed);
        self.refused.store(false, Relaxed);
    }

    /// [`did_you_mean`], within the budget.
    pub fn did_you_mean(&self, word: &str, candidates: &[String]) -> Option<String> {
        if !self.take(candidates.len()) {
            return None;
        }
        did_you_mean(word, candidates)
    }
}

/// The closest candidate to `word`, when one is close enough to be a typo.
pub fn did_you_mean(word: &str, candidates: &[String]) -> Option<String> {
    let lower = word.to_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_typos_only() {
        let keys = vec![
            "owner".to_string(),
            "status".to_string(),
            "statement".to_string(),
        ];
        assert_eq!(did_you_mean("ownr", &keys).as_deref(), Some("owner"));
        assert_eq!(
            did_you_mean("statment", &keys).as_deref(),
            Some("statement")
        );
        assert_eq!(did_you_mean("zebra", &keys), None);
    }

    #[test]
    fn field_paths_read_like_code() {
        assert_eq!(field_path("/controls/3/id"), "controls[3].id");
        assert_eq!(field_path("/review/status"), "review.status");
    }
}
