//! The lookup tables the rules share: frameworks with their controls (by
//! every spelling of their ids) and baselines.

use super::Ctx;
use super::schema::Hints;
use crate::diag::Code;
use crate::hashing::HashMap;
use crate::model::{ControlId, ControlRef, normalize_control_id, normalized_control_id};
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct Index {
    pub frameworks: BTreeMap<String, FrameworkEntry>,
    /// The run's budget for "did you mean" hints.
    pub hints: Hints,
}

#[derive(Debug)]
pub struct FrameworkEntry {
    /// The framework's id, shared: a reference that names it is kept
    /// without copying the name.
    pub id: std::sync::Arc<str>,
    pub file: usize,
    pub title: String,
    pub version: String,
    /// Catalog order.
    pub controls: Vec<ControlEntry>,
    /// Normalised id and label → position in `controls`.
    by_key: HashMap<String, usize>,
    /// The id and label as the catalog spells them → position, for those
    /// `by_key` resolves to the same control: most references copy the
    /// catalog's spelling, and are then found without normalising them.
    exact: HashMap<String, usize>,
    pub baselines: BTreeMap<String, BaselineEntry>,
    /// Every parameter id the catalog defines (on controls and groups).
    pub params: crate::hashing::HashSet<String>,
}

#[derive(Debug)]
pub struct ControlEntry {
    pub id: ControlId,
    pub label: Option<String>,
    pub title: String,
    pub file: usize,
    pub pointer: String,
    pub withdrawn: bool,
    /// Where a withdrawn control went (moved to or incorporated into).
    pub replaced_by: Vec<ControlId>,
    /// The ids of the control's own parameters.
    pub params: Vec<String>,
}

impl ControlEntry {
    /// The id users see: the label when the publisher gives one.
    pub fn display(&self) -> &str {
        self.label.as_deref().unwrap_or(self.id.as_str())
    }
}

#[derive(Debug)]
pub struct BaselineEntry {
    pub file: usize,
    pub pointer: String,
    pub controls: Vec<ControlId>,
    /// The ids of the parameters the baseline sets.
    pub parameters: Vec<String>,
    /// The controls the baseline's alterations name.
    pub alters: Vec<ControlId>,
}

/// The outcome of looking up a control reference.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    Found {
        framework: String,
        control: usize,
    },
    UnknownFramework {
        framework: String,
        suggestion: Option<String>,
    },
    UnknownControl {
        framework: Option<String>,
        suggestion: Option<String>,
    },
    Ambiguous(Vec<String>),
}

impl FrameworkEntry {
    pub fn control(&self, id: &str) -> Option<usize> {
        self.lookup(id, &mut None)
    }

    /// `control`, when the control it finds is not withdrawn: a reference
    /// to it needs nothing reported.
    pub fn current(&self, id: &str) -> Option<usize> {
        self.control(id)
            .filter(|i| self.controls.get(*i).is_some_and(|c| !c.withdrawn))
    }

    /// `control`, normalising `id` at most once into `key` for all the
    /// frameworks a reference is looked up in.
    fn lookup<'k>(
        &self,
        id: &'k str,
        key: &mut Option<std::borrow::Cow<'k, str>>,
    ) -> Option<usize> {
        if let Some(i) = self.exact.get(id) {
            return Some(*i);
        }
        let key = key.get_or_insert_with(|| normalized_control_id(id));
        self.by_key.get(&**key).copied()
    }

    fn suggest(&self, id: &str, hints: &Hints) -> Option<String> {
        if !hints.take(self.controls.len()) {
            return None;
        }
        let wanted = normalize_control_id(id);
        self.controls
            .iter()
            .map(|c| {
                (
                    strsim::jaro_winkler(&wanted, &normalize_control_id(c.id.as_str())),
                    c,
                )
            })
            .filter(|(s, _)| *s > 0.85)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, c)| c.display().to_string())
    }
}

impl Index {
    /// Resolves `r`. A short id is looked up first in `context` (the
    /// frameworks the referring file is about), then in every framework.
    pub fn resolve<'i>(&'i self, r: &ControlRef, context: &'i [String]) -> Resolved {
        let (fw, ctl) = r.split();
        if let Some(fw) = fw {
            let Some(entry) = self.frameworks.get(fw) else {
                let names: Vec<String> = self.frameworks.keys().cloned().collect();
                return Resolved::UnknownFramework {
                    framework: fw.to_string(),
                    suggestion: self.hints.did_you_mean(fw, &names),
                };
            };
            return match entry.control(ctl) {
                Some(i) => Resolved::Found {
                    framework: fw.to_string(),
                    control: i,
                },
                None => Resolved::UnknownControl {
                    suggestion: entry.suggest(ctl, &self.hints),
                    framework: Some(fw.to_string()),
                },
            };
        }
        // Every reference of every record is resolved on every run, and on
        // every commit of a history walk: an id spelled as its catalog
        // spells it is found as it is, any other is normalised once for all
        // frameworks, and nothing is copied until a framework holds it.
        let mut key = None;
        let mut hits_in = |names: &mut dyn Iterator<Item = &'i String>| {
            hits(&self.frameworks, ctl, &mut key, names)
        };
        let mut found = hits_in(&mut context.iter());
        if found.is_empty() {
            found = hits_in(&mut self.frameworks.keys());
        }
        match found.len() {
            0 => {
                let suggestion = context
                    .iter()
                    .filter_map(|n| self.frameworks.get(n))
                    .find_map(|e| e.suggest(ctl, &self.hints));
                Resolved::UnknownControl {
                    framework: (context.len() == 1).then(|| context[0].clone()),
                    suggestion,
                }
            }
            1 => Resolved::Found {
                framework: found[0].0.clone(),
                control: found[0].1,
            },
            _ => Resolved::Ambiguous(found.into_iter().map(|(f, _)| f.clone()).collect()),
        }
    }

    pub fn control(&self, framework: &str, i: usize) -> Option<&ControlEntry> {
        self.frameworks.get(framework)?.controls.get(i)
    }
}

/// The frameworks among `names` that hold control `id`, each once (a
/// context may name one framework twice: a system selecting two of its
/// baselines), in the order of `names`.
fn hits<'n, 'k>(
    frameworks: &BTreeMap<String, FrameworkEntry>,
    id: &'k str,
    key: &mut Option<std::borrow::Cow<'k, str>>,
    names: &mut dyn Iterator<Item = &'n String>,
) -> Vec<(&'n String, usize)> {
    let mut out: Vec<(&String, usize)> = Vec::new();
    for n in names {
        if out.iter().any(|(h, _)| *h == n) {
            continue;
        }
        if let Some(i) = frameworks.get(n).and_then(|e| e.lookup(id, key)) {
            out.push((n, i));
        }
    }
    out
}

/// Builds the index, reporting duplicate frameworks, controls and baselines
/// and parts of frameworks that do not exist.
pub(super) fn build(ctx: &mut Ctx) -> Index {
    let repo = ctx.repo;
    let mut index = Index::default();
    for fw in &repo.frameworks {
        let id = fw.value.id.0.clone();
        if let Some(first) = index.frameworks.get(&id) {
            let first_place = ctx.place(first.file, "/id");
            ctx.emit(
                Code::DuplicateId,
                fw.file,
                "/id",
                format!("framework `{id}` is already defined at {first_place}"),
                "give each framework its own id, or delete one of the copies".into(),
            );
            continue;
        }
        let mut entry = FrameworkEntry {
            id: std::sync::Arc::from(id.as_str()),
            file: fw.file,
            title: fw.value.title.clone(),
            version: fw.value.version.clone(),
            controls: Vec::new(),
            by_key: HashMap::default(),
            exact: HashMap::default(),
            baselines: BTreeMap::new(),
            params: fw
                .value
                .groups
                .iter()
                .flat_map(|g| g.params.iter().map(|p| p.id.clone()))
                .collect(),
        };
        add_controls(ctx, &mut entry, fw.file, &fw.value.controls);
        for (i, b) in fw.value.baselines.iter().enumerate() {
            add_baseline(ctx, &mut entry, &id, fw.file, &format!("/baselines/{i}"), b);
        }
        index.frameworks.insert(id, entry);
    }
    let names: Vec<String> = index.frameworks.keys().cloned().collect();
    for cat in &repo.catalogs {
        match index.frameworks.get_mut(cat.value.framework.as_str()) {
            Some(entry) => {
                entry.params.extend(
                    cat.value
                        .groups
                        .iter()
                        .flat_map(|g| g.params.iter().map(|p| p.id.clone())),
                );
                add_controls(ctx, entry, cat.file, &cat.value.controls)
            }
            None => unknown_framework(
                ctx,
                cat.file,
                "/framework",
                cat.value.framework.as_str(),
                &names,
            ),
        }
    }
    for b in &repo.baselines {
        match index.frameworks.get_mut(b.value.framework.as_str()) {
            Some(entry) => {
                let fw = b.value.framework.0.clone();
                add_baseline(
                    ctx,
                    entry,
                    &fw,
                    b.file,
                    "",
                    &(*b.value).clone().into_baseline(),
                )
            }
            None => unknown_framework(
                ctx,
                b.file,
                "/framework",
                b.value.framework.as_str(),
                &names,
            ),
        }
    }
    for entry in index.frameworks.values_mut() {
        entry.index_spellings();
    }
    index
}

impl FrameworkEntry {
    fn index_spellings(&mut self) {
        for (i, c) in self.controls.iter().enumerate() {
            for s in std::iter::once(c.id.as_str()).chain(c.label.as_deref()) {
                if self.by_key.get(&*normalized_control_id(s)) == Some(&i) {
                    self.exact.entry(s.to_string()).or_insert(i);
                }
            }
        }
    }
}

pub(super) fn unknown_framework(
    ctx: &mut Ctx,
    file: usize,
    pointer: &str,
    id: &str,
    names: &[String],
) {
    let help = match ctx.index.hints.did_you_mean(id, names) {
        Some(s) => format!("did you mean `{s}`?"),
        None if names.is_empty() => "no frameworks are defined yet; import one with `aegis framework import`, or create controls/<id>/framework.yaml".into(),
        None => format!("known frameworks: {}", names.join(", ")),
    };
    ctx.emit(
        Code::UnknownFramework,
        file,
        pointer,
        format!("framework `{id}` is not defined under controls/"),
        help,
    );
}

fn add_controls(
    ctx: &mut Ctx,
    entry: &mut FrameworkEntry,
    file: usize,
    controls: &[crate::model::Control],
) {
    for (i, c) in controls.iter().enumerate() {
        let pointer = format!("/controls/{i}");
        let key = normalize_control_id(c.id.as_str());
        if let Some(&first) = entry.by_key.get(&key) {
            let prev = &entry.controls[first];
            let place = ctx.place(prev.file, &format!("{}/id", prev.pointer));
            ctx.emit(
                Code::DuplicateId,
                file,
                &format!("{pointer}/id"),
                format!("control `{}` is already defined at {place}", c.id),
                "each control id may appear once in a framework; remove or renumber one".into(),
            );
            continue;
        }
        let n = entry.controls.len();
        entry.by_key.insert(key, n);
        entry.params.extend(c.params.iter().map(|p| p.id.clone()));
        if let Some(label) = &c.label {
            entry.by_key.entry(normalize_control_id(label)).or_insert(n);
        }
        entry.controls.push(ControlEntry {
            id: c.id.clone(),
            label: c.label.clone(),
            title: c.title.clone(),
            file,
            pointer,
            withdrawn: c.withdrawn,
            replaced_by: c
                .moved_to
                .iter()
                .chain(&c.incorporated_into)
                .cloned()
                .collect(),
            params: c.params.iter().map(|p| p.id.clone()).collect(),
        });
    }
}

fn add_baseline(
    ctx: &mut Ctx,
    entry: &mut FrameworkEntry,
    fw: &str,
    file: usize,
    pointer: &str,
    b: &crate::model::Baseline,
) {
    let id = b.id.as_str();
    if let Some(first) = entry.baselines.get(id) {
        let place = ctx.place(first.file, &format!("{}/id", first.pointer));
        ctx.emit(
            Code::DuplicateId,
            file,
            &format!("{pointer}/id"),
            format!("baseline `{id}` of framework `{fw}` is already defined at {place}"),
            "give each baseline its own id".into(),
        );
        return;
    }
    entry.baselines.insert(
        id.to_string(),
        BaselineEntry {
            file,
            pointer: pointer.to_string(),
            controls: b.controls.clone(),
            parameters: b.parameters.keys().cloned().collect(),
            alters: b.alters.iter().map(|a| a.control.clone()).collect(),
        },
    );
}
