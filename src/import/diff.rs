//! Differences between two versions of a framework: what was added, what
//! the publisher withdrew (and where it went), what disappeared without a
//! trace, and what was reworded (significantly or in minor ways).
//!
//! Rewording is judged on normalised requirement words (see [`words`]):
//! formatting, parameter-insert syntax, item labels, case, punctuation, the
//! "The organization" / "The information system" subject and the
//! "information system" → "system" rename make no difference, matching how
//! NIST's rev4 → rev5 comparison workbook counts changes. A reworded control
//! is *significant* when the word-level similarity of its statement is at
//! most [`DiffOptions::threshold`].

use super::{ImportError, native, oscal, read_source};
use crate::model::{Control, Framework, Part};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

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
            oscal::Document::Catalog(c) => oscal::catalog::to_native(&c, None, path, &sha),
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
}

#[derive(Debug, Serialize)]
pub struct Reworded {
    pub id: String,
    pub label: String,
    pub title: String,
    /// Word-level similarity (0..1) of the normalised statement words.
    pub similarity: f64,
    /// `similarity` is at most the threshold.
    pub significant: bool,
    /// Word-level change of title and statement: `[-old-]{+new+}`.
    pub change: String,
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
    /// Same normalised title and statement.
    pub unchanged: usize,
}

#[derive(Debug, Serialize)]
pub struct FrameworkDiff {
    pub old: String,
    pub new: String,
    /// The similarity threshold used to call a rewording significant.
    pub threshold: f64,
    pub counts: Counts,
    /// In the new version only (and not withdrawn there).
    pub added: Vec<Entry>,
    /// Withdrawn in the new version, current (or absent) in the old one.
    pub withdrawn: Vec<Withdrawal>,
    /// In the old version, gone from the new one without a withdrawal record.
    pub removed: Vec<Entry>,
    pub reworded: Vec<Reworded>,
    /// Implementations of the repository whose control NEW withdrew,
    /// removed or reworded (only when OLD is a repository framework).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub implementations: Vec<Touched>,
}

#[derive(Debug, Serialize)]
pub struct Touched {
    /// Repository-relative path of the implementation.
    pub file: String,
    pub control: String,
    /// `withdrawn`, `removed` or `reworded`.
    pub change: &'static str,
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

/// `compare_with` with the default options.
pub fn compare(old: &Framework, new: &Framework) -> FrameworkDiff {
    compare_with(old, new, &DiffOptions::default())
}

pub fn compare_with(old: &Framework, new: &Framework, opts: &DiffOptions) -> FrameworkDiff {
    let old_by: HashMap<&str, &Control> = old.controls.iter().map(|c| (c.id.as_str(), c)).collect();
    let new_by: HashMap<&str, &Control> = new.controls.iter().map(|c| (c.id.as_str(), c)).collect();
    let (mut added, mut withdrawn, mut removed, mut reworded) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut unchanged = 0;
    for c in &new.controls {
        let before = old_by.get(c.id.as_str());
        if c.withdrawn {
            if before.is_none_or(|b| !b.withdrawn) {
                withdrawn.push(Withdrawal {
                    id: c.id.0.clone(),
                    label: label(c),
                    title: c.title.clone(),
                    moved_to: c.moved_to.iter().map(|x| x.0.clone()).collect(),
                    incorporated_into: c.incorporated_into.iter().map(|x| x.0.clone()).collect(),
                });
            }
            continue;
        }
        match before {
            None => added.push(entry(c)),
            Some(b) if b.withdrawn => added.push(entry(c)),
            Some(b) => {
                let (sa, sz) = (
                    words(&statement_of(b, false)),
                    words(&statement_of(c, false)),
                );
                if sa == sz && words(&b.title) == words(&c.title) {
                    unchanged += 1;
                } else {
                    let sim = similarity(&sa, &sz);
                    reworded.push(Reworded {
                        id: c.id.0.clone(),
                        label: label(c),
                        title: c.title.clone(),
                        // Rounded up, so a reported value is at most a
                        // threshold of three decimals exactly when
                        // `significant`.
                        similarity: (sim * 1000.0 - 1e-9).ceil() / 1000.0,
                        significant: sim <= opts.threshold,
                        change: word_diff(&text_of(b), &text_of(c)),
                    });
                }
            }
        }
    }
    for c in &old.controls {
        if !new_by.contains_key(c.id.as_str()) {
            removed.push(entry(c));
        }
    }
    let significant = reworded.iter().filter(|r| r.significant).count();
    let moved = withdrawn
        .iter()
        .filter(|w| !w.moved_to.is_empty() || !w.incorporated_into.is_empty())
        .count();
    FrameworkDiff {
        old: format!("{} {}", old.id, old.version),
        new: format!("{} {}", new.id, new.version),
        threshold: opts.threshold,
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
            unchanged,
        },
        added,
        withdrawn,
        removed,
        reworded,
        implementations: Vec::new(),
    }
}

/// Finds the implementations under `repo/implementations/` that refer to a
/// control of framework `old` that `d` reports withdrawn, removed or
/// reworded. A reference without a framework prefix counts when the id is
/// one of `old`'s.
pub fn touched(repo: &Path, old: &Framework, d: &FrameworkDiff) -> Vec<Touched> {
    use crate::model::normalize_control_id as norm;
    let mut change: HashMap<String, &'static str> = HashMap::new();
    let mut by_key: HashMap<String, String> = HashMap::new();
    for c in &old.controls {
        by_key.insert(norm(c.id.as_str()), c.id.0.clone());
        if let Some(l) = &c.label {
            by_key.entry(norm(l)).or_insert_with(|| c.id.0.clone());
        }
    }
    for w in &d.withdrawn {
        change.insert(w.id.clone(), "withdrawn");
    }
    for r in &d.removed {
        change.insert(r.id.clone(), "removed");
    }
    for r in &d.reworded {
        change.insert(r.id.clone(), "reworded");
    }
    let mut out = Vec::new();
    let mut stack = vec![repo.join("implementations")];
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            let hidden = e.file_name().to_string_lossy().starts_with('.');
            match e.file_type() {
                Ok(t) if t.is_dir() && !hidden => stack.push(p),
                Ok(t)
                    if t.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml") =>
                {
                    files.push(p)
                }
                _ => {}
            }
        }
    }
    files.sort();
    for p in files {
        let Ok((text, _)) = read_source(&p) else {
            continue;
        };
        let Ok(v) = oscal::yaml_value(&text, &p) else {
            continue;
        };
        let Some(reference) = v.get("control").and_then(serde_json::Value::as_str) else {
            continue;
        };
        let (fw, ctl) = match reference.split_once(':') {
            Some((f, c)) => (Some(f.trim()), c.trim()),
            None => (None, reference.trim()),
        };
        if fw.is_some_and(|f| f != old.id.as_str()) {
            continue;
        }
        let Some(id) = by_key.get(&norm(ctl)) else {
            continue;
        };
        if let Some(kind) = change.get(id) {
            let rel = p
                .strip_prefix(repo)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            out.push(Touched {
                file: rel,
                control: reference.to_string(),
                change: kind,
            });
        }
    }
    out
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
    parts.join("; ")
}

pub fn render_human(d: &FrameworkDiff) -> String {
    let c = &d.counts;
    let mut out = format!(
        "{} -> {}: {} -> {} controls\n  added {}, withdrawn {} ({} moved or incorporated), removed {}, reworded {} ({} significant, {} minor; threshold {}), unchanged {}\n",
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
        c.unchanged
    );
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
    if !d.implementations.is_empty() {
        out.push_str("\nimplementations affected:\n");
        for t in &d.implementations {
            out.push_str(&format!("  ! {}  {} ({})\n", t.file, t.control, t.change));
        }
    }
    if !d.reworded.is_empty() {
        out.push_str("\nreworded (~ significant, . minor; statement similarity):\n");
        for r in &d.reworded {
            out.push_str(&format!(
                "  {} {:<12} {}  ({:.3})\n",
                if r.significant { '~' } else { '.' },
                r.label,
                r.title,
                r.similarity
            ));
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
        ("unchanged", c.unchanged),
    ] {
        out.push_str(&format!("| {k} | {v} |\n"));
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
    if !d.implementations.is_empty() {
        out.push_str(
            "\n## Implementations affected\n\n| file | control | change |\n| --- | --- | --- |\n",
        );
        for t in &d.implementations {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                esc(&t.file),
                esc(&t.control),
                t.change
            ));
        }
    }
    if !d.reworded.is_empty() {
        out.push_str(&format!(
            "\n## Reworded\n\nSignificant: statement similarity at most {}.\n\n",
            d.threshold
        ));
        for r in &d.reworded {
            out.push_str(&format!(
                "### {} {} ({}, similarity {:.3})\n\n```diff\n{}\n```\n\n",
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
        assert_eq!(
            (d.counts.reworded, d.counts.unchanged),
            (0, 1),
            "{:?}",
            d.reworded
        );
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
}
