//! Differences between two versions of a framework: what was added, what
//! the publisher withdrew (and where it went), what disappeared without a
//! trace, and what was reworded.

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
    /// Word-level change of title and statement: `[-old-]{+new+}`.
    pub change: String,
}

#[derive(Debug, Serialize)]
pub struct Counts {
    pub old_controls: usize,
    pub new_controls: usize,
    pub added: usize,
    pub withdrawn: usize,
    pub moved: usize,
    pub removed: usize,
    pub reworded: usize,
    pub unchanged: usize,
}

#[derive(Debug, Serialize)]
pub struct FrameworkDiff {
    pub old: String,
    pub new: String,
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

/// The words a control asks for: its title and statement text, parameters
/// left as placeholders so only requirement wording counts.
fn text_of(c: &Control) -> String {
    fn walk(parts: &[Part], out: &mut Vec<String>) {
        for p in parts {
            let lab = p
                .props
                .iter()
                .find(|x| x.name == "label")
                .map(|x| x.value.as_str());
            if let Some(prose) = &p.prose {
                out.push(match lab {
                    Some(l) => format!("{l} {}", prose.trim()),
                    None => prose.trim().to_string(),
                });
            }
            walk(&p.parts, out);
        }
    }
    let mut out = vec![c.title.clone()];
    if let Some(s) = &c.statement {
        out.push(s.trim().to_string());
    }
    let statements: Vec<Part> = c
        .parts
        .iter()
        .filter(|p| p.name == "statement")
        .cloned()
        .collect();
    walk(&statements, &mut out);
    out.join("\n")
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

pub fn compare(old: &Framework, new: &Framework) -> FrameworkDiff {
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
                let (a, z) = (text_of(b), text_of(c));
                if a == z {
                    unchanged += 1;
                } else {
                    reworded.push(Reworded {
                        id: c.id.0.clone(),
                        label: label(c),
                        title: c.title.clone(),
                        change: word_diff(&a, &z),
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
    let moved = withdrawn
        .iter()
        .filter(|w| !w.moved_to.is_empty() || !w.incorporated_into.is_empty())
        .count();
    FrameworkDiff {
        old: format!("{} {}", old.id, old.version),
        new: format!("{} {}", new.id, new.version),
        counts: Counts {
            old_controls: old.controls.len(),
            new_controls: new.controls.len(),
            added: added.len(),
            withdrawn: withdrawn.len(),
            moved,
            removed: removed.len(),
            reworded: reworded.len(),
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
        "{} -> {}: {} -> {} controls\n  added {}, withdrawn {} ({} moved or incorporated), removed {}, reworded {}, unchanged {}\n",
        d.old,
        d.new,
        c.old_controls,
        c.new_controls,
        c.added,
        c.withdrawn,
        c.moved,
        c.removed,
        c.reworded,
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
        out.push_str("\nreworded:\n");
        for r in &d.reworded {
            out.push_str(&format!("  ~ {:<12} {}\n", r.label, r.title));
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
        out.push_str("\n## Reworded\n\n");
        for r in &d.reworded {
            out.push_str(&format!(
                "### {} {}\n\n```diff\n{}\n```\n\n",
                r.label, r.title, r.change
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
        assert_eq!(d.reworded[0].change, "Gamma{+ ray+}");
    }
}
