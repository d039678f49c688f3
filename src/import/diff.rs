//! Differences between two versions of a framework: what was added, what
//! the publisher withdrew (and where it went), what disappeared without a
//! trace, what was reworded (significantly or in minor ways), and whose
//! parameters changed.
//!
//! Controls are paired by id first, then by id up to spelling and zero
//! padding ([`pairing_key`]: `ID.AM-1` ≡ `ID.AM-01`), then, when the
//! repository holds an official mapping between the two versions, by its
//! relationships.
//!
//! Rewording is judged on normalised requirement words (see [`words`]):
//! formatting, parameter-insert syntax, item labels, case, punctuation, the
//! "The organization" / "The information system" subject and the
//! "information system" → "system" rename make no difference, matching how
//! NIST's rev4 → rev5 comparison workbook counts changes. A reworded control
//! is *significant* when the word-level similarity of its statement is at
//! most [`DiffOptions::threshold`].

use super::{ImportError, native, oscal, read_source};
use crate::model::{
    Control, Framework, Mapping, Param, Part, ProvenanceKind, RelationKind, normalize_control_id,
};
use crate::schema::Kind;
use crate::validate::{self, Outcome, Resolved};
use crate::workspace::{self, Workspace};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Why a diff could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Load(#[from] workspace::LoadError),
    /// The repository's mapping between the two versions cannot be used.
    #[error("{file}: {message}")]
    Mapping { file: String, message: String },
}

/// Reads one side of a diff: a source file when `spec` names one (an OSCAL
/// catalog or any format `crate::sources` reads), else a framework of the
/// repository.
pub fn load_side(repo: &Path, spec: &str) -> Result<Framework, ImportError> {
    let path = Path::new(spec);
    if path.is_file() {
        if let Some(format) = crate::sources::detect_file(path)? {
            let opts = crate::sources::TableOptions::default();
            return Ok(crate::sources::read_format(path, format, &opts)?);
        }
        let (text, sha) = read_source(path)?;
        return match oscal::parse(&text, path)? {
            oscal::Document::Catalog(c) => oscal::catalog::to_native(&c, None, path, &sha)
                .map_err(|e| oscal::locate_duplicate(e, &text)),
            oscal::Document::Profile(_) => Err(ImportError::Invalid {
                path: path.to_path_buf(),
                message: "is a profile; diff compares catalogs (import the profile and compare frameworks)".into(),
            }),
        };
    }
    Ok(native::load(repo, spec)?.framework)
}

#[derive(Debug, Serialize)]
pub struct Entry {
    pub id: String,
    pub label: String,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct Withdrawal {
    pub id: String,
    pub label: String,
    pub title: String,
    pub moved_to: Vec<String>,
    pub incorporated_into: Vec<String>,
    /// OLD's label for the control when it was written differently there
    /// (`PR.AC-1` for NEW's `PR.AC-01`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub was: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Reworded {
    pub id: String,
    pub label: String,
    pub title: String,
    /// OLD's label when the control was paired across different ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub was: Option<String>,
    /// Word-level similarity (0..1) of the normalised statement words.
    pub similarity: f64,
    /// `similarity` is at most the threshold.
    pub significant: bool,
    /// Word-level change of title and statement: `[-old-]{+new+}`.
    pub change: String,
}

/// An OLD control paired with a NEW control of a different id.
#[derive(Debug, Serialize)]
pub struct Pairing {
    pub old_id: String,
    pub old: String,
    pub new_id: String,
    pub new: String,
    pub title: String,
    /// `numbering`: the same id but for zero padding or spelling
    /// (`ID.AM-1`, `ID.AM-01`); `mapping`: a relationship of the official
    /// mapping.
    pub by: &'static str,
    /// For `mapping`: how OLD's control relates to NEW's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<RelationKind>,
    /// Neither control has another counterpart, so the two were compared
    /// (and appear under `reworded` or `parameters` when they differ).
    pub one_to_one: bool,
}

/// The parameter changes of one control.
#[derive(Debug, Serialize)]
pub struct ParameterChanges {
    pub id: String,
    pub label: String,
    pub title: String,
    /// OLD's label when the control was paired across different ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub was: Option<String>,
    pub params: Vec<ParamChange>,
}

#[derive(Debug, Serialize)]
pub struct ParamChange {
    /// The parameter's id in NEW (in OLD when removed).
    pub param: String,
    /// OLD's id for the parameter when it differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub was: Option<String>,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
    /// What differs: for an added parameter what it has, for a removed one
    /// what it had.
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct FieldChange {
    /// `label`, `values`, `how-many`, `choices`, `constraints`,
    /// `guidelines` or `depends-on`.
    pub field: &'static str,
    pub old: Vec<String>,
    pub new: Vec<String>,
}

/// How `compare` judges rewording.
#[derive(Clone, Copy, Debug)]
pub struct DiffOptions {
    /// A reworded control whose normalised statement words are at most this
    /// similar (0..=1) is a significant change; 1 makes every rewording
    /// significant, 0 only a complete rewrite.
    pub threshold: f64,
}

/// The default threshold: the one that best reproduces NIST's count of
/// "more than editorial or administrative" changes from SP 800-53 rev4 to
/// rev5 (docs/frameworks.md).
pub const DEFAULT_THRESHOLD: f64 = 0.9;

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            threshold: DEFAULT_THRESHOLD,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Counts {
    pub old_controls: usize,
    pub new_controls: usize,
    pub added: usize,
    pub withdrawn: usize,
    pub moved: usize,
    pub removed: usize,
    /// Controls whose normalised title or statement differs:
    /// `significant + minor`.
    pub reworded: usize,
    /// Reworded with statement similarity at most the threshold.
    pub significant: usize,
    /// Reworded, similarity above the threshold (includes title-only
    /// changes).
    pub minor: usize,
    /// Controls with a parameter added, removed or changed.
    pub parameters: usize,
    /// Of `parameters`, those not reworded: the parameters are their only
    /// change.
    pub parameters_only: usize,
    /// Same normalised title and statement, same parameters.
    pub unchanged: usize,
    /// Pairs of ids equal but for zero padding or spelling.
    pub renumbered: usize,
    /// OLD controls paired through the official mapping.
    pub mapped: usize,
}

#[derive(Debug, Serialize)]
pub struct FrameworkDiff {
    pub old: String,
    pub new: String,
    /// The similarity threshold used to call a rewording significant.
    pub threshold: f64,
    /// The official mapping that paired controls whose ids differ
    /// (repository-relative path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<String>,
    pub counts: Counts,
    /// In the new version only (and not withdrawn there).
    pub added: Vec<Entry>,
    /// Withdrawn in the new version, current (or absent) in the old one.
    pub withdrawn: Vec<Withdrawal>,
    /// In the old version, gone from the new one without a withdrawal record
    /// or a counterpart in the mapping.
    pub removed: Vec<Entry>,
    /// Controls paired across different ids, in OLD's catalog order.
    pub paired: Vec<Pairing>,
    pub reworded: Vec<Reworded>,
    /// Controls whose parameters changed, in NEW's catalog order.
    pub parameters: Vec<ParameterChanges>,
    /// Implementations of the repository whose control (resolved as `aegis
    /// validate` resolves it) is OLD's and changed in NEW.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub implementations: Vec<Touched>,
    /// What the diff could not use or count, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What NEW did to each OLD control that changed, by OLD's id.
    #[serde(skip)]
    fates: HashMap<String, Fate>,
}

#[derive(Debug, Serialize)]
pub struct Touched {
    /// Repository-relative path of the implementation.
    pub file: String,
    /// The control reference as the implementation writes it.
    pub control: String,
    /// What NEW did to the control, in this order: `withdrawn`, `removed`,
    /// `mapped` (to several controls, or shared with others), `renumbered`,
    /// `reworded`, `parameters`.
    pub changes: Vec<&'static str>,
    /// Where the control is in NEW when that is not its own id: its new id,
    /// the controls the mapping relates it to, or where a withdrawn control
    /// went.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub now: Vec<String>,
}

#[derive(Clone, Debug, Default)]
struct Fate {
    changes: Vec<&'static str>,
    now: Vec<String>,
}

/// An official mapping between the two versions.
#[derive(Clone, Copy, Debug)]
pub struct Crosswalk<'a> {
    /// Repository-relative path, for the report.
    pub file: &'a str,
    pub mapping: &'a Mapping,
}

fn label(c: &Control) -> String {
    c.label.clone().unwrap_or_else(|| c.id.0.clone())
}

fn entry(c: &Control) -> Entry {
    Entry {
        id: c.id.0.clone(),
        label: label(c),
        title: c.title.clone(),
    }
}

/// A control's statement: its `statement` and the prose of its statement
/// parts, parameter inserts rendered as `[Assignment: label]` /
/// `[Selection (how many): a; b]`; with `labels`, item labels (`a.`) lead
/// their prose.
fn statement_of(c: &Control, labels: bool) -> String {
    fn walk(c: &Control, parts: &[Part], labels: bool, out: &mut Vec<String>) {
        for p in parts {
            let lab = p
                .props
                .iter()
                .find(|x| x.name == "label")
                .map(|x| x.value.as_str());
            if let Some(prose) = &p.prose {
                let prose = render_inserts(c, prose.trim(), 0);
                out.push(match lab {
                    Some(l) if labels => format!("{l} {prose}"),
                    _ => prose,
                });
            }
            walk(c, &p.parts, labels, out);
        }
    }
    let mut out = Vec::new();
    if let Some(s) = &c.statement {
        out.push(render_inserts(c, s.trim(), 0));
    }
    let statements: Vec<Part> = c
        .parts
        .iter()
        .filter(|p| p.name == "statement")
        .cloned()
        .collect();
    walk(c, &statements, labels, &mut out);
    out.join("\n")
}

/// Replaces `{{ insert: param, ID }}` by what the parameter asks for, so a
/// changed parameter label or choice is a changed word and the insert
/// syntax itself is not.
fn render_inserts(c: &Control, text: &str, depth: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find("}}") else {
            rest = &rest[i..];
            break;
        };
        let inner = rest[i + 2..i + j].trim();
        let id = inner
            .strip_prefix("insert:")
            .map(str::trim)
            .and_then(|x| x.strip_prefix("param,"))
            .map(str::trim);
        match id.and_then(|id| c.params.iter().find(|p| p.id == id)) {
            Some(p) if depth < 4 => match &p.select {
                Some(sel) => {
                    let choices: Vec<String> = sel
                        .choice
                        .iter()
                        .map(|x| render_inserts(c, x, depth + 1))
                        .collect();
                    out.push_str(&format!(
                        "[Selection ({}): {}]",
                        sel.how_many.as_deref().unwrap_or("one"),
                        choices.join("; ")
                    ));
                }
                None => out.push_str(&format!(
                    "[Assignment: {}]",
                    p.label.as_deref().unwrap_or(&p.id)
                )),
            },
            _ => out.push_str(&rest[i..i + j + 2]),
        }
        rest = &rest[i + j + 2..];
    }
    out.push_str(rest);
    out
}

/// Title and statement as shown in a reworded control's word diff.
fn text_of(c: &Control) -> String {
    format!("{}\n{}", c.title, statement_of(c, true))
}

/// The words a text asks for, normalised so that only wording counts:
/// lower case, alphanumeric runs (punctuation, markup and whitespace go),
/// the subject "the organization" / "the information system" dropped
/// (rev5 writes "Develop ..." where rev4 wrote "The organization develops
/// ..."), "information system" read as "system", and plural or
/// third-person `-s` endings stripped (`develops` = `develop`).
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let raw: Vec<String> = line
            .split(|ch: char| !ch.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let is = |i: usize, w: &[&str]| {
            raw.len() >= i + w.len() && raw[i..i + w.len()].iter().zip(w).all(|(a, b)| a == b)
        };
        // The subject opens a line (a statement's first prose).
        let mut i = if is(0, &["the", "organization"]) {
            2
        } else if is(0, &["the", "information", "system"]) {
            3
        } else {
            0
        };
        while i < raw.len() {
            if is(i, &["information", "system"]) {
                out.push("system".to_string());
                i += 2;
                continue;
            }
            out.push(stem(&raw[i]));
            i += 1;
        }
    }
    out
}

fn stem(w: &str) -> String {
    for (from, to) in [
        ("sses", "ss"),
        ("ies", "y"),
        ("shes", "sh"),
        ("ches", "ch"),
        ("xes", "x"),
    ] {
        if let Some(s) = w.strip_suffix(from) {
            return format!("{s}{to}");
        }
    }
    match w.strip_suffix('s') {
        Some(s) if !w.ends_with("ss") && w.chars().count() > 3 => s.to_string(),
        _ => w.to_string(),
    }
}

/// Word-level similarity of two normalised word lists: twice the words the
/// two have in common (in order, `similar`'s Myers diff) over the words of
/// both; 1 when equal.
fn similarity(a: &[String], b: &[String]) -> f64 {
    if a == b {
        return 1.0;
    }
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let b: Vec<&str> = b.iter().map(String::as_str).collect();
    let same: usize = similar::TextDiff::from_slices(&a, &b)
        .ops()
        .iter()
        .map(|op| match *op {
            similar::DiffOp::Equal { len, .. } => len,
            _ => 0,
        })
        .sum();
    2.0 * same as f64 / (a.len() + b.len()) as f64
}

fn word_diff(old: &str, new: &str) -> String {
    use similar::{ChangeTag, TextDiff};
    let d = TextDiff::from_words(old, new);
    let mut out = String::new();
    for ch in d.iter_all_changes() {
        let v = ch.value();
        match ch.tag() {
            ChangeTag::Equal => out.push_str(v),
            ChangeTag::Delete => out.push_str(&format!("[-{v}-]")),
            ChangeTag::Insert => out.push_str(&format!("{{+{v}+}}")),
        }
    }
    out.replace("-][-", "").replace("+}{+", "")
}

/// The form in which control (and parameter) ids are paired across
/// versions: `normalize_control_id`'s, with every run of digits read as a
/// number, so `ID.AM-1` ≡ `ID.AM-01` and `AC-02` ≡ `AC-2`, while `AC-2` and
/// `AC-20` (or `1.1` and `1.10`) stay apart.
pub fn pairing_key(id: &str) -> String {
    fn flush(out: &mut String, digits: &mut String) {
        if digits.is_empty() {
            return;
        }
        let value = digits.trim_start_matches('0');
        out.push_str(if value.is_empty() { "0" } else { value });
        digits.clear();
    }
    let norm = normalize_control_id(id);
    let mut out = String::with_capacity(norm.len());
    let mut digits = String::new();
    for ch in norm.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
        } else {
            flush(&mut out, &mut digits);
            out.push(ch);
        }
    }
    flush(&mut out, &mut digits);
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum By {
    /// The same id, or the same once case and enhancement syntax are
    /// normalised (`ac-2.1`, `AC-2(1)`).
    Id,
    Numbering,
    Mapping(RelationKind),
}

/// Which controls of OLD and NEW correspond.
#[derive(Default)]
struct Pairs {
    /// NEW index → OLD index, for one-to-one pairs.
    of_new: BTreeMap<usize, (usize, By)>,
    /// OLD index → NEW index, the same pairs.
    of_old: BTreeMap<usize, usize>,
    /// Mapping relationships that are not one-to-one: (OLD, NEW, relation).
    spread: Vec<(usize, usize, RelationKind)>,
    notes: Vec<String>,
}

impl Pairs {
    fn add(&mut self, i: usize, j: usize, by: By) {
        self.of_new.insert(j, (i, by));
        self.of_old.insert(i, j);
    }
}

/// OLD's view of a relationship stated from NEW to OLD.
fn inverse(kind: RelationKind) -> RelationKind {
    match kind {
        RelationKind::SubsetOf => RelationKind::SupersetOf,
        RelationKind::SupersetOf => RelationKind::SubsetOf,
        k => k,
    }
}

/// Lower is closer; when a mapping relates the same two controls twice,
/// the closest relationship stands.
fn closeness(kind: RelationKind) -> u8 {
    match kind {
        RelationKind::Equal => 0,
        RelationKind::SubsetOf => 1,
        RelationKind::SupersetOf => 2,
        RelationKind::IntersectsWith => 3,
        RelationKind::NoRelationship => 4,
    }
}

fn relation_name(kind: RelationKind) -> &'static str {
    match kind {
        RelationKind::Equal => "equal",
        RelationKind::SubsetOf => "subset-of",
        RelationKind::SupersetOf => "superset-of",
        RelationKind::IntersectsWith => "intersects-with",
        RelationKind::NoRelationship => "no-relationship",
    }
}

/// Pairing key of every control's id and label → its index (ids first,
/// then labels; the first control wins a key).
fn keys_of(fw: &Framework) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for (i, c) in fw.controls.iter().enumerate() {
        out.entry(pairing_key(c.id.as_str())).or_insert(i);
    }
    for (i, c) in fw.controls.iter().enumerate() {
        if let Some(l) = &c.label {
            out.entry(pairing_key(l)).or_insert(i);
        }
    }
    out
}

fn pair(old: &Framework, new: &Framework, crosswalk: Option<&Crosswalk>) -> Pairs {
    let mut p = Pairs::default();
    let mut new_by_id: HashMap<&str, usize> = HashMap::new();
    for (j, c) in new.controls.iter().enumerate() {
        new_by_id.entry(c.id.as_str()).or_insert(j);
    }
    for (i, c) in old.controls.iter().enumerate() {
        if let Some(&j) = new_by_id.get(c.id.as_str())
            && !p.of_new.contains_key(&j)
        {
            p.add(i, j, By::Id);
        }
    }

    // A key shared by two controls of one side pairs neither: guessing
    // which of `AC-1` and `AC-01` is meant would invent a change.
    let groups = |fw: &Framework, taken: &dyn Fn(usize) -> bool| {
        let mut g: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in fw.controls.iter().enumerate() {
            if !taken(i) {
                g.entry(pairing_key(c.id.as_str())).or_default().push(i);
            }
        }
        g
    };
    let old_groups = groups(old, &|i| p.of_old.contains_key(&i));
    let new_groups = groups(new, &|j| p.of_new.contains_key(&j));
    for (i, c) in old.controls.iter().enumerate() {
        let key = pairing_key(c.id.as_str());
        if let (Some([a]), Some([j])) = (
            old_groups.get(&key).map(Vec::as_slice),
            new_groups.get(&key).map(Vec::as_slice),
        ) && *a == i
        {
            let same = normalize_control_id(c.id.as_str())
                == normalize_control_id(new.controls[*j].id.as_str());
            p.add(i, *j, if same { By::Id } else { By::Numbering });
        }
    }

    if let Some(cw) = crosswalk {
        pair_by_mapping(old, new, cw, &mut p);
    }
    p
}

/// Pairs the controls still without a counterpart through the mapping's
/// relationships. A relationship counts when at least one of its controls
/// has no counterpart yet (an OLD control merged into one that kept its id
/// is not "removed"); one whose two controls have no other counterpart at
/// all pairs them for comparison; the rest are listed as they are.
fn pair_by_mapping(old: &Framework, new: &Framework, cw: &Crosswalk, p: &mut Pairs) {
    let forward = cw.mapping.source.as_str() == old.id.as_str();
    let (old_keys, new_keys) = (keys_of(old), keys_of(new));
    let (from, to) = if forward {
        (&old_keys, &new_keys)
    } else {
        (&new_keys, &old_keys)
    };
    let mut unknown: BTreeSet<String> = BTreeSet::new();
    let mut edges: BTreeMap<(usize, usize), RelationKind> = BTreeMap::new();
    for r in &cw.mapping.relationships {
        if r.kind == RelationKind::NoRelationship {
            continue;
        }
        let Some(&a) = from.get(&pairing_key(r.source.as_str())) else {
            unknown.insert(r.source.0.clone());
            continue;
        };
        for t in &r.targets {
            let Some(&b) = to.get(&pairing_key(t.as_str())) else {
                unknown.insert(t.0.clone());
                continue;
            };
            let (i, j, kind) = if forward {
                (a, b, r.kind)
            } else {
                (b, a, inverse(r.kind))
            };
            // The mapping only fills gaps: two controls that both have a
            // counterpart, or a control either version withdraws, are
            // accounted for already.
            if (p.of_old.contains_key(&i) && p.of_new.contains_key(&j))
                || old.controls[i].withdrawn
                || new.controls[j].withdrawn
            {
                continue;
            }
            edges
                .entry((i, j))
                .and_modify(|k| {
                    if closeness(kind) < closeness(*k) {
                        *k = kind;
                    }
                })
                .or_insert(kind);
        }
    }
    if !unknown.is_empty() {
        let shown: Vec<&str> = unknown.iter().take(5).map(String::as_str).collect();
        p.notes.push(format!(
            "{}: {} control id(s) of its relationships are in neither framework and were ignored ({}{})",
            cw.file,
            unknown.len(),
            shown.join(", "),
            if unknown.len() > shown.len() { ", ..." } else { "" }
        ));
    }
    let mut old_degree: HashMap<usize, usize> = HashMap::new();
    let mut new_degree: HashMap<usize, usize> = HashMap::new();
    for &(i, j) in edges.keys() {
        *old_degree.entry(i).or_default() += 1;
        *new_degree.entry(j).or_default() += 1;
    }
    for ((i, j), kind) in edges {
        let alone = !p.of_old.contains_key(&i) && !p.of_new.contains_key(&j);
        if alone && old_degree.get(&i) == Some(&1) && new_degree.get(&j) == Some(&1) {
            p.add(i, j, By::Mapping(kind));
        } else {
            p.spread.push((i, j, kind));
        }
    }
}

/// Text as compared: whitespace runs are one space, so reflowing a value
/// is no change.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One compared part of a parameter: its name, its texts as shown (empty
/// when absent), and the forms that are compared.
type Field = (&'static str, Vec<String>, Vec<String>);

/// The parts of a parameter the diff compares. Texts are compared as
/// statements are (`words`: case, punctuation, `-s` endings and the
/// "information system" rename make no difference); inserts of other
/// parameters in a label or choice read as what they ask for, and
/// `depends-on` compares by `param_key`, so renumbering a parameter is no
/// change.
fn param_fields(c: &Control, p: &Param) -> [Field; 7] {
    let text = |s: &String| squash(&render_inserts(c, s, 1));
    let texts = |v: Vec<String>| {
        let keys = v.iter().map(|x| words(x).join(" ")).collect();
        (v, keys)
    };
    let all = |v: &[String]| texts(v.iter().map(text).collect());
    let (how_many, choices) = match &p.select {
        Some(sel) => (
            vec![sel.how_many.clone().unwrap_or_else(|| "one".into())],
            all(&sel.choice),
        ),
        None => (Vec::new(), (Vec::new(), Vec::new())),
    };
    let depends: Vec<String> = p.depends_on.iter().cloned().collect();
    let depends_keys = depends.iter().map(|d| param_key(c, d)).collect();
    let field = |name, (shown, keys): (Vec<String>, Vec<String>)| (name, shown, keys);
    [
        field("label", texts(p.label.iter().map(text).collect())),
        field("values", all(&p.values)),
        ("how-many", how_many.clone(), how_many),
        field("choices", choices),
        field("constraints", all(&p.constraints)),
        field("guidelines", all(&p.guidelines)),
        ("depends-on", depends, depends_keys),
    ]
}

/// A parameter id as paired across versions: its pairing key without the
/// control's own id in front, so `id.am-1_prm_1` of `ID.AM-1` pairs with
/// `id.am-01_prm_1` of `ID.AM-01`, and with `pr.aa-01_prm_1` of a control
/// the mapping pairs it with.
fn param_key(c: &Control, id: &str) -> String {
    let key = pairing_key(id);
    let own = pairing_key(c.id.as_str());
    match key.strip_prefix(own.as_str()) {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => key,
    }
}

/// Pairs the parameters still without a partner whose keys are equal,
/// where a key names one parameter on each side. `None` matches nothing.
fn pair_unique<K: PartialEq>(
    old: &[Option<K>],
    new: &[Option<K>],
    of_new: &mut [Option<usize>],
    used: &mut [bool],
) {
    let same = |a: &Option<K>, b: &Option<K>| matches!((a, b), (Some(a), Some(b)) if a == b);
    for j in 0..new.len() {
        if of_new[j].is_some() {
            continue;
        }
        let olds: Vec<usize> = (0..old.len())
            .filter(|&i| !used[i] && same(&old[i], &new[j]))
            .collect();
        let news = (0..new.len())
            .filter(|&k| of_new[k].is_none() && same(&new[k], &new[j]))
            .count();
        if let ([i], 1) = (olds.as_slice(), news) {
            of_new[j] = Some(*i);
            used[*i] = true;
        }
    }
}

/// The parameter changes from `b` (OLD) to `c` (NEW), NEW's order, then
/// the removed ones in OLD's order. Parameters pair by id, then by
/// `param_key`, then by identical content (a renamed parameter), each where
/// that names one parameter on each side. A paired parameter whose id
/// differs is `renamed` (or `changed`, with `was`): implementations set
/// values by parameter id.
pub fn compare_params(b: &Control, c: &Control) -> Vec<ParamChange> {
    let mut of_new: Vec<Option<usize>> = vec![None; c.params.len()];
    let mut used = vec![false; b.params.len()];
    let ids = |x: &Control| {
        x.params
            .iter()
            .map(|q| Some(q.id.clone()))
            .collect::<Vec<_>>()
    };
    pair_unique(&ids(b), &ids(c), &mut of_new, &mut used);
    let keys = |x: &Control| {
        x.params
            .iter()
            .map(|q| Some(param_key(x, &q.id)))
            .collect::<Vec<_>>()
    };
    pair_unique(&keys(b), &keys(c), &mut of_new, &mut used);
    // Content that is all empty says nothing about which is which.
    let content = |x: &Control| {
        x.params
            .iter()
            .map(|q| {
                let f = param_fields(x, q);
                let any = f.iter().any(|(_, _, k)| !k.is_empty());
                any.then(|| f.map(|(_, _, k)| k))
            })
            .collect::<Vec<_>>()
    };
    pair_unique(&content(b), &content(c), &mut of_new, &mut used);
    let mut out = Vec::new();
    for (j, p) in c.params.iter().enumerate() {
        let now = param_fields(c, p);
        match of_new[j] {
            Some(i) => {
                let q = &b.params[i];
                let fields: Vec<FieldChange> = param_fields(b, q)
                    .into_iter()
                    .zip(now)
                    .filter(|((_, _, o), (_, _, n))| o != n)
                    .map(|((field, old, _), (_, new, _))| FieldChange { field, old, new })
                    .collect();
                if !fields.is_empty() || q.id != p.id {
                    out.push(ParamChange {
                        param: p.id.clone(),
                        was: (q.id != p.id).then(|| q.id.clone()),
                        change: if fields.is_empty() {
                            "renamed"
                        } else {
                            "changed"
                        },
                        fields,
                    });
                }
            }
            None => out.push(ParamChange {
                param: p.id.clone(),
                was: None,
                change: "added",
                fields: now
                    .into_iter()
                    .filter(|(_, v, _)| !v.is_empty())
                    .map(|(field, new, _)| FieldChange {
                        field,
                        old: Vec::new(),
                        new,
                    })
                    .collect(),
            }),
        }
    }
    for (i, q) in b.params.iter().enumerate() {
        if !used[i] {
            out.push(ParamChange {
                param: q.id.clone(),
                was: None,
                change: "removed",
                fields: param_fields(b, q)
                    .into_iter()
                    .filter(|(_, v, _)| !v.is_empty())
                    .map(|(field, old, _)| FieldChange {
                        field,
                        old,
                        new: Vec::new(),
                    })
                    .collect(),
            });
        }
    }
    out
}

/// `compare_with` with the default options.
pub fn compare(old: &Framework, new: &Framework) -> FrameworkDiff {
    compare_with(old, new, &DiffOptions::default())
}

/// Compares two versions, pairing controls by id alone.
pub fn compare_with(old: &Framework, new: &Framework, opts: &DiffOptions) -> FrameworkDiff {
    compare_using(old, new, opts, None)
}

/// Compares two versions; `crosswalk`, an official mapping between them,
/// pairs controls that neither keep their id nor were renumbered.
pub fn compare_using(
    old: &Framework,
    new: &Framework,
    opts: &DiffOptions,
    crosswalk: Option<&Crosswalk>,
) -> FrameworkDiff {
    let p = pair(old, new, crosswalk);
    let new_label: HashMap<&str, String> = new
        .controls
        .iter()
        .map(|c| (c.id.as_str(), label(c)))
        .collect();
    let spread_new: BTreeSet<usize> = p.spread.iter().map(|&(_, j, _)| j).collect();
    let mut fates: HashMap<String, Fate> = HashMap::new();
    let (mut added, mut withdrawn, mut removed, mut reworded, mut parameters) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut unchanged, mut parameters_only) = (0, 0);
    for (j, c) in new.controls.iter().enumerate() {
        let before = p.of_new.get(&j).map(|&(i, by)| (&old.controls[i], by));
        let was = before.and_then(|(b, by)| (by != By::Id).then(|| label(b)));
        if c.withdrawn {
            if let Some((b, _)) = before.filter(|(b, _)| !b.withdrawn) {
                let fate = fates.entry(b.id.0.clone()).or_default();
                fate.changes.push("withdrawn");
                fate.now = c
                    .moved_to
                    .iter()
                    .chain(&c.incorporated_into)
                    .map(|t| {
                        new_label
                            .get(t.as_str())
                            .cloned()
                            .unwrap_or_else(|| t.0.clone())
                    })
                    .collect();
            }
            if before.is_none_or(|(b, _)| !b.withdrawn) {
                withdrawn.push(Withdrawal {
                    id: c.id.0.clone(),
                    label: label(c),
                    title: c.title.clone(),
                    moved_to: c.moved_to.iter().map(|x| x.0.clone()).collect(),
                    incorporated_into: c.incorporated_into.iter().map(|x| x.0.clone()).collect(),
                    was,
                });
            }
            continue;
        }
        let b = match before {
            // Listed among the pairs: the mapping relates it to several.
            None if spread_new.contains(&j) => continue,
            None => {
                added.push(entry(c));
                continue;
            }
            Some((b, _)) if b.withdrawn => {
                added.push(entry(c));
                continue;
            }
            Some((b, _)) => b,
        };
        let fate = fates.entry(b.id.0.clone()).or_default();
        if was.is_some() {
            fate.changes.push("renumbered");
            fate.now.push(label(c));
        }
        let (sa, sz) = (
            words(&statement_of(b, false)),
            words(&statement_of(c, false)),
        );
        let is_reworded = sa != sz || words(&b.title) != words(&c.title);
        if is_reworded {
            fate.changes.push("reworded");
            let sim = similarity(&sa, &sz);
            reworded.push(Reworded {
                id: c.id.0.clone(),
                label: label(c),
                title: c.title.clone(),
                was: was.clone(),
                // Rounded up, so a reported value is at most a threshold
                // of three decimals exactly when `significant`.
                similarity: (sim * 1000.0 - 1e-9).ceil() / 1000.0,
                significant: sim <= opts.threshold,
                change: word_diff(&text_of(b), &text_of(c)),
            });
        }
        let params = compare_params(b, c);
        let params_changed = !params.is_empty();
        if params_changed {
            fate.changes.push("parameters");
            parameters.push(ParameterChanges {
                id: c.id.0.clone(),
                label: label(c),
                title: c.title.clone(),
                was,
                params,
            });
        }
        match (is_reworded, params_changed) {
            (false, false) => unchanged += 1,
            (false, true) => parameters_only += 1,
            _ => {}
        }
    }

    let mut spread_of_old: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &(i, j, _) in &p.spread {
        spread_of_old.entry(i).or_default().push(j);
    }
    for (i, c) in old.controls.iter().enumerate() {
        if p.of_old.contains_key(&i) {
            continue;
        }
        let fate = fates.entry(c.id.0.clone()).or_default();
        match spread_of_old.get(&i) {
            Some(targets) => {
                fate.changes.push("mapped");
                fate.now = targets.iter().map(|&j| label(&new.controls[j])).collect();
            }
            None => {
                fate.changes.push("removed");
                removed.push(entry(c));
            }
        }
    }
    fates.retain(|_, f| !f.changes.is_empty());

    let mut paired: Vec<(usize, usize, Pairing)> = Vec::new();
    let row = |i: usize, j: usize, by: &'static str, relation, one_to_one| {
        let (b, c) = (&old.controls[i], &new.controls[j]);
        Pairing {
            old_id: b.id.0.clone(),
            old: label(b),
            new_id: c.id.0.clone(),
            new: label(c),
            title: c.title.clone(),
            by,
            relation,
            one_to_one,
        }
    };
    for (&j, &(i, by)) in &p.of_new {
        match by {
            By::Id => {}
            By::Numbering => paired.push((i, j, row(i, j, "numbering", None, true))),
            By::Mapping(k) => paired.push((i, j, row(i, j, "mapping", Some(k), true))),
        }
    }
    for &(i, j, k) in &p.spread {
        paired.push((i, j, row(i, j, "mapping", Some(k), false)));
    }
    paired.sort_by_key(|(i, j, _)| (*i, *j));
    let renumbered = paired.iter().filter(|x| x.2.by == "numbering").count();
    // OLD controls whose counterparts all come from the mapping (not one
    // that kept its id and also feeds a new control).
    let only_mapped = |i: &usize| match p.of_old.get(i) {
        None => true,
        Some(j) => matches!(p.of_new.get(j), Some((_, By::Mapping(_)))),
    };
    let mapped = paired
        .iter()
        .filter(|x| x.2.by == "mapping")
        .map(|x| x.0)
        .filter(only_mapped)
        .collect::<BTreeSet<_>>()
        .len();

    let significant = reworded.iter().filter(|r| r.significant).count();
    let moved = withdrawn
        .iter()
        .filter(|w| !w.moved_to.is_empty() || !w.incorporated_into.is_empty())
        .count();
    FrameworkDiff {
        old: format!("{} {}", old.id, old.version),
        new: format!("{} {}", new.id, new.version),
        threshold: opts.threshold,
        mapping: crosswalk.map(|cw| cw.file.to_string()),
        counts: Counts {
            old_controls: old.controls.len(),
            new_controls: new.controls.len(),
            added: added.len(),
            withdrawn: withdrawn.len(),
            moved,
            removed: removed.len(),
            reworded: reworded.len(),
            significant,
            minor: reworded.len() - significant,
            parameters: parameters.len(),
            parameters_only,
            unchanged,
            renumbered,
            mapped,
        },
        added,
        withdrawn,
        removed,
        paired: paired.into_iter().map(|(_, _, r)| r).collect(),
        reworded,
        parameters,
        implementations: Vec::new(),
        notes: p.notes,
        fates,
    }
}

/// Where a mapping between two frameworks lives, either way round.
fn mapping_paths(old: &str, new: &str) -> [String; 2] {
    [
        format!("controls/mappings/{old}--{new}.yaml"),
        format!("controls/mappings/{new}--{old}.yaml"),
    ]
}

/// `aegis framework diff OLD NEW`: loads both sides, pairs their controls
/// (through the repository's official mapping between them when there is
/// one), compares them, and, when OLD is a framework of the repository,
/// lists the implementations the changes touch.
pub fn run(
    repo: &Path,
    old_spec: &str,
    new_spec: &str,
    opts: &DiffOptions,
) -> Result<FrameworkDiff, DiffError> {
    let old = load_side(repo, old_spec)?;
    let new = load_side(repo, new_spec)?;
    let old_in_repo = !Path::new(old_spec).is_file();
    // An id read from a file names a mapping only when it could be a file
    // name under controls/mappings/.
    let plain = |id: &str| {
        !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    };
    let mapping_file = if plain(old.id.as_str()) && plain(new.id.as_str()) {
        mapping_paths(old.id.as_str(), new.id.as_str())
            .into_iter()
            .find(|rel| repo.join(rel).is_file())
    } else {
        None
    };
    let is_repo = repo.join(workspace::CONFIG_FILE).is_file();
    let mut notes = Vec::new();
    if old_in_repo && !is_repo {
        notes.push(format!(
            "{} has no aegis.yaml, so no implementations were checked",
            repo.display()
        ));
    }
    let loaded = if is_repo && (old_in_repo || mapping_file.is_some()) {
        let ws = workspace::load(repo)?;
        let outcome = validate::index_only(&ws);
        Some((ws, outcome))
    } else {
        None
    };
    let crosswalk = match (&loaded, &mapping_file) {
        (Some((ws, outcome)), Some(rel)) => {
            official_mapping(ws, outcome, rel, &old, &new, &mut notes)?
        }
        _ => None,
    };
    let mut d = compare_using(&old, &new, opts, crosswalk.as_ref());
    notes.append(&mut d.notes);
    d.notes = notes;
    if old_in_repo && let Some((ws, outcome)) = &loaded {
        let (touched, mut notes) = touched(ws, outcome, old.id.as_str(), &d);
        d.implementations = touched;
        d.notes.append(&mut notes);
    }
    Ok(d)
}

/// The mapping at `rel` when it can pair OLD's controls with NEW's: it
/// passed its schema (else the diff stops, rather than silently pairing
/// less), it is official, and it maps between these two frameworks.
fn official_mapping<'a>(
    ws: &'a Workspace,
    outcome: &'a Outcome,
    rel: &str,
    old: &Framework,
    new: &Framework,
    notes: &mut Vec<String>,
) -> Result<Option<Crosswalk<'a>>, DiffError> {
    let Some(m) = outcome
        .repo
        .mappings
        .iter()
        .find(|m| ws.files.get(m.file).is_some_and(|f| f.path == rel))
    else {
        let first = outcome
            .diagnostics
            .iter()
            .filter(|d| d.file == rel)
            .min_by_key(|d| (d.pos.line, d.pos.column))
            .map_or_else(
                || "it was not read".to_string(),
                |d| format!("{}:{}: {}", d.pos.line, d.pos.column, d.message),
            );
        return Err(DiffError::Mapping {
            file: rel.to_string(),
            message: format!(
                "the mapping between the two versions is not valid ({first}); fix it (`aegis validate` says more) or move it aside"
            ),
        });
    };
    let file = ws.files[m.file].path.as_str();
    let mapping = &m.value;
    if mapping.provenance.kind != ProvenanceKind::Official {
        notes.push(format!(
            "{file}: not used to pair controls: only an official mapping (provenance.kind: official) does that"
        ));
        return Ok(None);
    }
    let ends = (mapping.source.as_str(), mapping.target.as_str());
    let (o, n) = (old.id.as_str(), new.id.as_str());
    if ends != (o, n) && ends != (n, o) {
        notes.push(format!(
            "{file}: not used to pair controls: it maps {} to {}, not {o} and {n}",
            mapping.source, mapping.target
        ));
        return Ok(None);
    }
    Ok(Some(Crosswalk { file, mapping }))
}

/// The implementations whose control, resolved as `aegis validate`
/// resolves it (`Outcome::resolve_implementation`), is a control of
/// framework `old` that `d` reports changed; and notes on those that could
/// not be judged.
pub fn touched(
    ws: &Workspace,
    outcome: &Outcome,
    old: &str,
    d: &FrameworkDiff,
) -> (Vec<Touched>, Vec<String>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let read: BTreeSet<usize> = outcome
        .repo
        .implementations
        .iter()
        .map(|i| i.file)
        .collect();
    for imp in &outcome.repo.implementations {
        let file = ws.files.get(imp.file).map_or("", |f| f.path.as_str());
        let reference = &imp.value.control;
        match outcome.resolve_implementation(ws, imp) {
            Resolved::Found { framework, control } if framework == old => {
                let Some(entry) = outcome.index.control(&framework, control) else {
                    continue;
                };
                if let Some(fate) = d.fates.get(entry.id.as_str()) {
                    out.push(Touched {
                        file: file.to_string(),
                        control: reference.0.clone(),
                        changes: fate.changes.clone(),
                        now: fate.now.clone(),
                    });
                }
            }
            Resolved::Ambiguous(frameworks) if frameworks.iter().any(|f| f == old) => {
                let (_, id) = reference.parts();
                notes.push(format!(
                    "{file}: control `{id}` is in {}; a short id that does not name one framework is not counted as {old}'s (write `{old}:{id}`)",
                    frameworks.join(", ")
                ));
            }
            _ => {}
        }
    }
    let unread: Vec<&str> = ws
        .files
        .iter()
        .enumerate()
        .filter(|(i, f)| f.kind == Kind::Implementation && !read.contains(i))
        .map(|(_, f)| f.path.as_str())
        .collect();
    if !unread.is_empty() {
        notes.push(format!(
            "{} implementation file(s) did not pass their schema and were not checked ({}{}); `aegis validate` says why",
            unread.len(),
            unread.iter().take(3).copied().collect::<Vec<_>>().join(", "),
            if unread.len() > 3 { ", ..." } else { "" }
        ));
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    notes.sort();
    (out, notes)
}

fn targets(w: &Withdrawal) -> String {
    let mut parts = Vec::new();
    if !w.moved_to.is_empty() {
        parts.push(format!("moved to {}", w.moved_to.join(", ")));
    }
    if !w.incorporated_into.is_empty() {
        parts.push(format!(
            "incorporated into {}",
            w.incorporated_into.join(", ")
        ));
    }
    if let Some(was) = &w.was {
        parts.push(format!("was {was}"));
    }
    parts.join("; ")
}

/// `"a"; "b"`, or `(none)`.
fn quoted(v: &[String]) -> String {
    if v.is_empty() {
        return "(none)".into();
    }
    v.iter()
        .map(|x| format!("\"{x}\""))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One parameter change in a line: `changed ac-1_prm_2: label "a" -> "b"`.
fn describe(p: &ParamChange) -> String {
    let fields: Vec<String> = p
        .fields
        .iter()
        .map(|f| match p.change {
            "added" => format!("{} {}", f.field, quoted(&f.new)),
            "removed" => format!("{} {}", f.field, quoted(&f.old)),
            _ => format!("{} {} -> {}", f.field, quoted(&f.old), quoted(&f.new)),
        })
        .collect();
    let id = match &p.was {
        Some(w) => format!("{} (was {w})", p.param),
        None => p.param.clone(),
    };
    if fields.is_empty() {
        format!("{} {id}", p.change)
    } else {
        format!("{} {id}: {}", p.change, fields.join("; "))
    }
}

fn pairing_how(p: &Pairing) -> String {
    let mut s = p.by.to_string();
    if let Some(r) = p.relation {
        s.push_str(&format!(", {}", relation_name(r)));
    }
    if !p.one_to_one {
        s.push_str(", not one-to-one");
    }
    s
}

pub fn render_human(d: &FrameworkDiff) -> String {
    let c = &d.counts;
    let mut out = format!(
        "{} -> {}: {} -> {} controls\n  added {}, withdrawn {} ({} moved or incorporated), removed {}, reworded {} ({} significant, {} minor; threshold {}), parameters changed {} ({} only parameters), unchanged {}\n",
        d.old,
        d.new,
        c.old_controls,
        c.new_controls,
        c.added,
        c.withdrawn,
        c.moved,
        c.removed,
        c.reworded,
        c.significant,
        c.minor,
        d.threshold,
        c.parameters,
        c.parameters_only,
        c.unchanged
    );
    if c.renumbered > 0 || d.mapping.is_some() {
        out.push_str(&format!(
            "  paired across different ids: {} by numbering",
            c.renumbered
        ));
        if let Some(m) = &d.mapping {
            out.push_str(&format!(", {} by the official mapping {m}", c.mapped));
        }
        out.push('\n');
    }
    if !d.added.is_empty() {
        out.push_str("\nadded:\n");
        for e in &d.added {
            out.push_str(&format!("  + {:<12} {}\n", e.label, e.title));
        }
    }
    if !d.withdrawn.is_empty() {
        out.push_str("\nwithdrawn:\n");
        for w in &d.withdrawn {
            out.push_str(format!("  - {:<12} {}  {}", w.label, w.title, targets(w)).trim_end());
            out.push('\n');
        }
    }
    if !d.removed.is_empty() {
        out.push_str("\nremoved without a withdrawal record:\n");
        for e in &d.removed {
            out.push_str(&format!("  x {:<12} {}\n", e.label, e.title));
        }
    }
    if !d.paired.is_empty() {
        out.push_str("\npaired across different ids (old -> new):\n");
        for p in &d.paired {
            out.push_str(&format!(
                "  = {:<12} -> {:<12} {}  ({})\n",
                p.old,
                p.new,
                p.title,
                pairing_how(p)
            ));
        }
    }
    if !d.implementations.is_empty() {
        out.push_str("\nimplementations affected:\n");
        for t in &d.implementations {
            out.push_str(&format!(
                "  ! {}  {} ({})",
                t.file,
                t.control,
                t.changes.join(", ")
            ));
            if !t.now.is_empty() {
                out.push_str(&format!(" -> {}", t.now.join(", ")));
            }
            out.push('\n');
        }
    }
    if !d.reworded.is_empty() {
        out.push_str("\nreworded (~ significant, . minor; statement similarity):\n");
        for r in &d.reworded {
            let was = r
                .was
                .as_ref()
                .map_or(String::new(), |w| format!("; was {w}"));
            out.push_str(&format!(
                "  {} {:<12} {}  ({:.3}{was})\n",
                if r.significant { '~' } else { '.' },
                r.label,
                r.title,
                r.similarity
            ));
        }
    }
    if !d.parameters.is_empty() {
        out.push_str("\nparameters changed:\n");
        for pc in &d.parameters {
            let was = pc
                .was
                .as_ref()
                .map_or(String::new(), |w| format!("  (was {w})"));
            out.push_str(&format!("  * {:<12} {}{was}\n", pc.label, pc.title));
            for p in &pc.params {
                out.push_str(&format!("      {}\n", describe(p)));
            }
        }
    }
    if !d.notes.is_empty() {
        out.push_str("\nnotes:\n");
        for n in &d.notes {
            out.push_str(&format!("  {n}\n"));
        }
    }
    out
}

pub fn render_markdown(d: &FrameworkDiff) -> String {
    let c = &d.counts;
    let esc = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = format!("# {} → {}\n\n", d.old, d.new);
    out.push_str("| change | count |\n| --- | ---: |\n");
    for (k, v) in [
        ("added", c.added),
        ("withdrawn", c.withdrawn),
        ("of which moved or incorporated", c.moved),
        ("removed without record", c.removed),
        ("reworded", c.reworded),
        ("of which significant", c.significant),
        ("of which minor", c.minor),
        ("parameters changed", c.parameters),
        ("of which only parameters", c.parameters_only),
        ("unchanged", c.unchanged),
        ("paired by numbering", c.renumbered),
    ] {
        out.push_str(&format!("| {k} | {v} |\n"));
    }
    if let Some(m) = &d.mapping {
        out.push_str(&format!(
            "| paired by the mapping (`{}`) | {} |\n",
            esc(m),
            c.mapped
        ));
    }
    if !d.added.is_empty() {
        out.push_str("\n## Added\n\n| control | title |\n| --- | --- |\n");
        for e in &d.added {
            out.push_str(&format!("| {} | {} |\n", esc(&e.label), esc(&e.title)));
        }
    }
    if !d.withdrawn.is_empty() {
        out.push_str(
            "\n## Withdrawn\n\n| control | title | where it went |\n| --- | --- | --- |\n",
        );
        for w in &d.withdrawn {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                esc(&w.label),
                esc(&w.title),
                esc(&targets(w))
            ));
        }
    }
    if !d.removed.is_empty() {
        out.push_str(
            "\n## Removed without a withdrawal record\n\n| control | title |\n| --- | --- |\n",
        );
        for e in &d.removed {
            out.push_str(&format!("| {} | {} |\n", esc(&e.label), esc(&e.title)));
        }
    }
    if !d.paired.is_empty() {
        out.push_str(
            "\n## Paired across different ids\n\n| old | new | title | by |\n| --- | --- | --- | --- |\n",
        );
        for p in &d.paired {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                esc(&p.old),
                esc(&p.new),
                esc(&p.title),
                pairing_how(p)
            ));
        }
    }
    if !d.implementations.is_empty() {
        out.push_str(
            "\n## Implementations affected\n\n| file | control | change | now |\n| --- | --- | --- | --- |\n",
        );
        for t in &d.implementations {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                esc(&t.file),
                esc(&t.control),
                t.changes.join(", "),
                esc(&t.now.join(", "))
            ));
        }
    }
    if !d.parameters.is_empty() {
        out.push_str("\n## Parameters\n\n| control | parameter change |\n| --- | --- |\n");
        for pc in &d.parameters {
            let control = match &pc.was {
                Some(w) => format!("{} (was {w})", pc.label),
                None => pc.label.clone(),
            };
            for p in &pc.params {
                out.push_str(&format!("| {} | {} |\n", esc(&control), esc(&describe(p))));
            }
        }
    }
    if !d.reworded.is_empty() {
        out.push_str(&format!(
            "\n## Reworded\n\nSignificant: statement similarity at most {}.\n\n",
            d.threshold
        ));
        for r in &d.reworded {
            let was = r
                .was
                .as_ref()
                .map_or(String::new(), |w| format!(", was {w}"));
            out.push_str(&format!(
                "### {} {} ({}, similarity {:.3}{was})\n\n```diff\n{}\n```\n\n",
                r.label,
                r.title,
                if r.significant {
                    "significant"
                } else {
                    "minor"
                },
                r.similarity,
                r.change
            ));
        }
    }
    if !d.notes.is_empty() {
        out.push_str("\n## Notes\n\n");
        for n in &d.notes {
            out.push_str(&format!("- {}\n", esc(n)));
        }
    }
    out
}

pub fn render_json(d: &FrameworkDiff) -> Result<String, ImportError> {
    let mut s = serde_json::to_string_pretty(d).map_err(|e| ImportError::Serialize {
        what: "diff".into(),
        message: e.to_string(),
    })?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ControlId;

    fn control(id: &str, title: &str) -> Control {
        Control {
            id: ControlId::from(id),
            label: None,
            title: title.into(),
            class: None,
            group: None,
            parent: None,
            sort_id: None,
            statement: None,
            params: vec![],
            parts: vec![],
            props: vec![],
            links: vec![],
            withdrawn: false,
            moved_to: vec![],
            incorporated_into: vec![],
        }
    }

    fn fw(controls: Vec<Control>) -> Framework {
        Framework {
            schema_version: 1,
            id: "f".into(),
            title: "F".into(),
            version: "1".into(),
            publisher: None,
            description: None,
            source: None,
            licence: None,
            groups: vec![],
            controls,
            baselines: vec![],
            oscal: None,
        }
    }

    #[test]
    fn diff_sorts_changes_into_kinds() {
        let old = fw(vec![
            control("a", "Alpha"),
            control("b", "Beta"),
            control("c", "Gamma"),
            control("d", "Delta"),
        ]);
        let mut gone = control("b", "Beta");
        gone.withdrawn = true;
        gone.moved_to = vec![ControlId::from("e")];
        let new = fw(vec![
            control("a", "Alpha"),
            gone,
            control("c", "Gamma ray"),
            control("e", "Epsilon"),
        ]);
        let d = compare(&old, &new);
        assert_eq!(
            (
                d.counts.added,
                d.counts.withdrawn,
                d.counts.moved,
                d.counts.removed,
                d.counts.reworded,
                d.counts.unchanged
            ),
            (1, 1, 1, 1, 1, 1)
        );
        assert_eq!(d.reworded[0].change, "Gamma{+ ray+}\n");
        // A title-only change is minor: the statement did not move.
        assert_eq!((d.counts.significant, d.counts.minor), (0, 1));
    }

    fn with_statement(id: &str, prose: &str, params: Vec<crate::model::Param>) -> Control {
        let mut c = control(id, "T");
        c.statement = Some(prose.into());
        c.params = params;
        c
    }

    fn param(id: &str, label: &str) -> crate::model::Param {
        serde_json::from_value(serde_json::json!({"id": id, "label": label})).expect("param")
    }

    #[test]
    fn formatting_and_boilerplate_are_not_rewording() {
        let old = fw(vec![with_statement(
            "a",
            "The organization develops,  documents and reviews the information system plan {{ insert: param, a_prm_1 }}.",
            vec![param("a_prm_1", "organization-defined frequency")],
        )]);
        let new = fw(vec![with_statement(
            "a",
            "Develop, document, and review the system plan {{insert: param, a_prm_9}};",
            vec![param("a_prm_9", "organization-defined frequency")],
        )]);
        let d = compare(&old, &new);
        assert_eq!(d.counts.reworded, 0, "{:?}", d.reworded);
        // The parameter's new id is a change of its own: implementations
        // set values by parameter id.
        let p = &d.parameters[0].params[0];
        assert_eq!(
            (p.param.as_str(), p.was.as_deref(), p.change),
            ("a_prm_9", Some("a_prm_1"), "renamed")
        );
        assert_eq!((d.counts.parameters_only, d.counts.unchanged), (1, 0));
    }

    #[test]
    fn parameter_and_wording_changes_are_graded_by_the_threshold() {
        let p = |l: &str| vec![param("a_prm_1", l)];
        let old = fw(vec![with_statement(
            "a",
            "Review and update the plan {{ insert: param, a_prm_1 }} and when required by the board of directors.",
            p("organization-defined frequency"),
        )]);
        let new = fw(vec![with_statement(
            "a",
            "Review and update the plan {{ insert: param, a_prm_1 }} and when required by the board of directors.",
            p("organization-defined events"),
        )]);
        let d = compare(&old, &new);
        assert_eq!(d.counts.reworded, 1);
        let sim = d.reworded[0].similarity;
        assert!(sim > 0.8 && sim < 1.0, "{sim}");
        assert!(d.reworded[0].change.contains("[-frequency]-]{+events]+}"));
        assert_eq!(d.counts.minor, 1);
        let strict = compare_with(&old, &new, &DiffOptions { threshold: 1.0 });
        assert_eq!((strict.counts.significant, strict.counts.minor), (1, 0));
    }

    #[test]
    fn words_normalise_subject_case_and_endings() {
        assert_eq!(
            words(
                "The information system enforces approved Authorizations;\nThe organization reviews processes of the information system."
            ),
            [
                "enforce",
                "approved",
                "authorization",
                "review",
                "process",
                "of",
                "the",
                "system"
            ]
        );
    }

    #[test]
    fn numeric_runs_compare_by_value() {
        for (a, b) in [
            ("ID.AM-1", "ID.AM-01"),
            ("AC-02", "AC-2"),
            ("AC-2(1)", "ac-2.01"),
            ("A.05.15", "A.5.15"),
            ("X-0", "X-00"),
        ] {
            assert_eq!(pairing_key(a), pairing_key(b), "{a} ≡ {b}");
        }
        for (a, b) in [
            ("AC-2", "AC-20"),
            ("AC-1", "AC-10"),
            ("1.1", "1.10"),
            ("ID.AM-1", "ID.AM-1a"),
            ("PR.AC-1", "PR.AA-01"),
            ("AC-2", "AU-2"),
        ] {
            assert_ne!(pairing_key(a), pairing_key(b), "{a} ≢ {b}");
        }
    }

    #[test]
    fn zero_padded_ids_pair_as_renumbered() {
        let old = fw(vec![
            control("ID.AM-1", "Inventory"),
            control("ID.AM-2", "Software"),
        ]);
        let new = fw(vec![
            control("ID.AM-01", "Inventory"),
            control("ID.AM-02", "Software inventory"),
        ]);
        let d = compare(&old, &new);
        assert_eq!(
            (
                d.counts.added,
                d.counts.removed,
                d.counts.renumbered,
                d.counts.reworded,
                d.counts.unchanged
            ),
            (0, 0, 2, 1, 1)
        );
        let rows: Vec<(&str, &str, &str)> = d
            .paired
            .iter()
            .map(|p| (p.old.as_str(), p.new.as_str(), p.by))
            .collect();
        assert_eq!(
            rows,
            [
                ("ID.AM-1", "ID.AM-01", "numbering"),
                ("ID.AM-2", "ID.AM-02", "numbering")
            ]
        );
        assert_eq!(d.reworded[0].was.as_deref(), Some("ID.AM-2"));
        let fate = &d.fates["ID.AM-2"];
        assert_eq!(
            (fate.changes.as_slice(), fate.now.as_slice()),
            (
                ["renumbered", "reworded"].as_slice(),
                ["ID.AM-02".to_string()].as_slice()
            )
        );
    }

    #[test]
    fn a_key_shared_on_one_side_pairs_nothing() {
        let old = fw(vec![control("AC-1", "A"), control("AC-01", "B")]);
        let new = fw(vec![control("AC-001", "A")]);
        let d = compare(&old, &new);
        assert_eq!(
            (d.counts.added, d.counts.removed, d.counts.renumbered),
            (1, 2, 0)
        );
    }

    #[test]
    fn spelling_alone_is_not_renumbering() {
        let old = fw(vec![control("ac-2.1", "Auto")]);
        let new = fw(vec![control("AC-2(1)", "Auto")]);
        let d = compare(&old, &new);
        assert_eq!((d.counts.unchanged, d.counts.renumbered), (1, 0));
        assert!(d.paired.is_empty() && d.fates.is_empty());
    }

    fn mapping(source: &str, target: &str, rows: serde_json::Value) -> Mapping {
        serde_json::from_value(serde_json::json!({
            "schema_version": 1, "source": source, "target": target,
            "provenance": {"kind": "official"}, "relationships": rows,
        }))
        .expect("mapping")
    }

    #[test]
    fn a_mapping_fills_only_the_gaps_of_id_pairing() {
        let mut old = fw(vec![
            control("A-1", "Keep"),
            control("B-1", "Renamed"),
            control("C-1", "Split"),
            control("D-1", "Also kept"),
            control("E-1", "Merged"),
        ]);
        old.id = "v1".into();
        let mut new = fw(vec![
            control("A-1", "Keep"),
            control("D-1", "Also kept"),
            control("X-1", "Renamed"),
            control("Y-1", "Split one"),
            control("Y-2", "Split two"),
            control("Z-1", "Grown out of A-1"),
            control("W-1", "Brand new"),
        ]);
        new.id = "v2".into();
        let m = mapping(
            "v1",
            "v2",
            serde_json::json!([
                {"source": "B-1", "targets": ["X-1"], "type": "subset-of"},
                {"source": "C-1", "targets": ["Y-1", "Y-2"], "type": "intersects-with"},
                // Both kept their ids: nothing to fill.
                {"source": "A-1", "targets": ["D-1"], "type": "equal"},
                // Z-1 is not new, E-1 not removed, though A-1 and D-1 kept
                // their ids.
                {"source": "A-1", "targets": ["Z-1"], "type": "intersects-with"},
                {"source": "E-1", "targets": ["D-1"], "type": "subset-of"},
                {"source": "B-1", "targets": ["W-1"], "type": "no-relationship"},
            ]),
        );
        let cw = Crosswalk {
            file: "m.yaml",
            mapping: &m,
        };
        let d = compare_using(&old, &new, &DiffOptions::default(), Some(&cw));
        let rows: Vec<(&str, &str, Option<RelationKind>, bool)> = d
            .paired
            .iter()
            .map(|p| (p.old.as_str(), p.new.as_str(), p.relation, p.one_to_one))
            .collect();
        assert_eq!(
            rows,
            [
                ("A-1", "Z-1", Some(RelationKind::IntersectsWith), false),
                ("B-1", "X-1", Some(RelationKind::SubsetOf), true),
                ("C-1", "Y-1", Some(RelationKind::IntersectsWith), false),
                ("C-1", "Y-2", Some(RelationKind::IntersectsWith), false),
                ("E-1", "D-1", Some(RelationKind::SubsetOf), false),
            ]
        );
        assert_eq!(
            (
                d.counts.added,
                d.counts.removed,
                d.counts.mapped,
                d.counts.unchanged
            ),
            (1, 0, 3, 3)
        );
        assert_eq!(d.added[0].id, "W-1");
        assert_eq!(d.fates["C-1"].now, ["Y-1", "Y-2"]);
        assert_eq!(d.fates["E-1"].changes, ["mapped"]);
        // A-1 kept its id and its text: no change to report for it.
        assert!(!d.fates.contains_key("A-1"));
        assert_eq!(d.mapping.as_deref(), Some("m.yaml"));

        // Stated from NEW to OLD, a relationship reads the other way.
        let back = mapping(
            "v2",
            "v1",
            serde_json::json!([
                {"source": "X-1", "targets": ["B-1"], "type": "subset-of"},
            ]),
        );
        let cw = Crosswalk {
            file: "back.yaml",
            mapping: &back,
        };
        let d = compare_using(&old, &new, &DiffOptions::default(), Some(&cw));
        assert_eq!(d.paired[0].relation, Some(RelationKind::SupersetOf));
    }

    fn full_param(json: serde_json::Value) -> crate::model::Param {
        serde_json::from_value(json).expect("param")
    }

    #[test]
    fn parameter_changes_are_their_own_kind() {
        let mut b = control("ac-2", "Accounts");
        b.params = vec![
            full_param(
                serde_json::json!({"id": "ac-2_prm_1", "label": "organization-defined information system accounts", "values": ["all"]}),
            ),
            full_param(
                serde_json::json!({"id": "ac-2_prm_2", "select": {"choice": ["remove", "disable"]}}),
            ),
            full_param(
                serde_json::json!({"id": "ac-2_prm_3", "label": "frequency", "guidelines": ["Yearly at most."]}),
            ),
            full_param(serde_json::json!({"id": "ac-2_prm_4", "label": "gone"})),
        ];
        let mut c = control("ac-2", "Accounts");
        c.params = vec![
            // The "information system" rename is no change; the value is.
            full_param(
                serde_json::json!({"id": "ac-2_prm_1", "label": "organization-defined system  accounts", "values": ["privileged"]}),
            ),
            full_param(
                serde_json::json!({"id": "ac-2_prm_2", "select": {"how_many": "one-or-more", "choice": ["removes", "disables", "lock"]}}),
            ),
            full_param(
                serde_json::json!({"id": "ac-2_prm_3", "label": "frequency", "guidelines": ["Quarterly at most."], "constraints": ["at least quarterly"]}),
            ),
            full_param(serde_json::json!({"id": "ac-2_prm_5", "label": "events"})),
        ];
        let d = compare(&fw(vec![b]), &fw(vec![c]));
        assert_eq!(
            (
                d.counts.reworded,
                d.counts.parameters,
                d.counts.parameters_only,
                d.counts.unchanged
            ),
            (0, 1, 1, 0)
        );
        let got: Vec<(&str, &str, Vec<&str>)> = d.parameters[0]
            .params
            .iter()
            .map(|p| {
                (
                    p.param.as_str(),
                    p.change,
                    p.fields.iter().map(|f| f.field).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("ac-2_prm_1", "changed", vec!["values"]),
                ("ac-2_prm_2", "changed", vec!["how-many", "choices"]),
                ("ac-2_prm_3", "changed", vec!["constraints", "guidelines"]),
                ("ac-2_prm_5", "added", vec!["label"]),
                ("ac-2_prm_4", "removed", vec!["label"]),
            ]
        );
        let how_many = &d.parameters[0].params[1].fields[0];
        assert_eq!(
            (how_many.old.as_slice(), how_many.new.as_slice()),
            (
                ["one".to_string()].as_slice(),
                ["one-or-more".to_string()].as_slice()
            )
        );
        assert_eq!(d.fates["ac-2"].changes, ["parameters"]);
    }

    #[test]
    fn parameters_pair_across_renumbered_controls() {
        let mut b = control("ID.AM-1", "Inventory");
        b.params = vec![param("id.am-1_prm_1", "devices")];
        let mut c = control("ID.AM-01", "Inventory");
        // The id, read without the control's own, decides before the
        // content does: prm_2 is new even though it reads like OLD's prm_1.
        c.params = vec![
            param("id.am-01_prm_1", "hardware devices"),
            param("id.am-01_prm_2", "devices"),
        ];
        let changes = compare_params(&b, &c);
        let got: Vec<(&str, Option<&str>, &str)> = changes
            .iter()
            .map(|p| (p.param.as_str(), p.was.as_deref(), p.change))
            .collect();
        assert_eq!(
            got,
            [
                ("id.am-01_prm_1", Some("id.am-1_prm_1"), "changed"),
                ("id.am-01_prm_2", None, "added"),
            ]
        );
    }
}
