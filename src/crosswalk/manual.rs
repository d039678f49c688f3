//! Relationships people state by hand (`aegis crosswalk map|unmap`): kept
//! in a mapping file of provenance `manual`, `controls/mappings/<from>--<to>.yaml`
//! (or `<from>--<to>.manual.yaml` when that name holds an imported
//! crosswalk). A new file is written whole; an existing one is edited in
//! place (an item added or removed, the rest byte for byte) and written
//! only when it reads back as the mapping meant.

use crate::edit;
use crate::exceptions::refs::Loaded;
use crate::exceptions::{Refusal, write_or_show};
use crate::model::{
    ControlId, FrameworkId, Mapping, Provenance, ProvenanceKind, Rationale, Relation, RelationKind,
};
use crate::schema::Kind;
use crate::validate::Resolved;
use std::path::Path;

/// A control of a pair, resolved: its framework and its id as the
/// framework writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct End {
    pub framework: String,
    pub control: String,
}

impl std::fmt::Display for End {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.framework, self.control)
    }
}

/// What `map` or `unmap` did (or, with `--dry-run`, would do).
#[derive(Debug)]
pub struct Done {
    pub from: End,
    pub to: End,
    pub path: String,
    /// The file is new.
    pub created: bool,
    /// What the pair was before in the file (`None`: not there).
    pub before: Option<RelationKind>,
    /// Whether the file was written (false: nothing to change, or a dry run).
    pub written: bool,
    pub changed: bool,
    /// Other mapping files that relate the same pair, with their provenance.
    pub elsewhere: Vec<(String, ProvenanceKind, RelationKind)>,
}

fn one(message: impl Into<String>) -> Refusal {
    Refusal::Invalid(vec![message.into()])
}

fn resolve(loaded: &Loaded, given: &str, problems: &mut Vec<String>) -> Option<End> {
    // Messages with "did you mean" as validation gives them.
    if let Err(e) = loaded.resolve_control_in(given, &[]) {
        problems.push(e);
        return None;
    }
    let index = &loaded.outcome.index;
    let r = crate::model::ControlRef(given.trim().to_string());
    let Resolved::Found { framework, control } = index.resolve(&r, &[]) else {
        return None;
    };
    let entry = index.control(&framework, control)?;
    if entry.withdrawn {
        let moved: Vec<&str> = entry.replaced_by.iter().map(|m| m.as_str()).collect();
        problems.push(format!(
            "`{given}` is withdrawn from `{framework}`{}",
            if moved.is_empty() {
                String::new()
            } else {
                format!("; its requirements went to {}", moved.join(", "))
            }
        ));
        return None;
    }
    Some(End {
        framework,
        control: entry.display().to_string(),
    })
}

/// Both ends resolved, in different frameworks; or every problem.
fn ends(loaded: &Loaded, from: &str, to: &str) -> Result<(End, End), Refusal> {
    let mut problems = Vec::new();
    let a = resolve(loaded, from, &mut problems);
    let b = resolve(loaded, to, &mut problems);
    match (a, b) {
        (Some(a), Some(b)) if a.framework == b.framework => Err(one(format!(
            "`{a}` and `{b}` are both in `{}`; a mapping relates two frameworks",
            a.framework
        ))),
        (Some(a), Some(b)) if problems.is_empty() => Ok((a, b)),
        _ => Err(Refusal::Invalid(problems)),
    }
}

/// Whether `id` names `end`'s control (ids compare as the index does).
fn is(loaded: &Loaded, framework: &str, id: &str, end: &End) -> bool {
    let Some(fw) = loaded.outcome.index.frameworks.get(framework) else {
        return false;
    };
    framework == end.framework
        && fw.control(id).is_some()
        && fw.control(id) == fw.control(&end.control)
}

/// The manual mapping file from `a`'s framework to `b`'s: where it is, its
/// record and text when it exists.
struct Target {
    path: String,
    existing: Option<(Mapping, String)>,
}

fn target(loaded: &Loaded, root: &Path, a: &End, b: &End) -> Result<Target, Refusal> {
    for m in &loaded.outcome.repo.mappings {
        let v = &m.value;
        if v.provenance.kind == ProvenanceKind::Manual
            && v.source.as_str() == a.framework
            && v.target.as_str() == b.framework
        {
            let f = &loaded.ws.files[m.file];
            return Ok(Target {
                path: f.path.clone(),
                existing: Some(((**v).clone(), f.text.clone())),
            });
        }
    }
    for name in [
        format!("controls/mappings/{}--{}.yaml", a.framework, b.framework),
        format!(
            "controls/mappings/{}--{}.manual.yaml",
            a.framework, b.framework
        ),
    ] {
        if !root.join(&name).exists() {
            return Ok(Target {
                path: name,
                existing: None,
            });
        }
    }
    Err(one(format!(
        "controls/mappings/{}--{}.manual.yaml exists but is not a manual mapping from `{}` to `{}` that validation could read; run `aegis validate`",
        a.framework, b.framework, a.framework, b.framework
    )))
}

/// Where else (other mapping files, either direction) the pair is related.
fn elsewhere(
    loaded: &Loaded,
    a: &End,
    b: &End,
    skip: &str,
) -> Vec<(String, ProvenanceKind, RelationKind)> {
    let mut out = Vec::new();
    for m in &loaded.outcome.repo.mappings {
        let path = &loaded.ws.files[m.file].path;
        if path == skip {
            continue;
        }
        let v = &m.value;
        let (s, t) = (v.source.as_str(), v.target.as_str());
        for r in &v.relationships {
            for x in &r.targets {
                let forward = is(loaded, s, r.source.as_str(), a) && is(loaded, t, x.as_str(), b);
                let backward = is(loaded, s, r.source.as_str(), b) && is(loaded, t, x.as_str(), a);
                if forward {
                    out.push((path.clone(), v.provenance.kind, r.kind));
                } else if backward {
                    out.push((path.clone(), v.provenance.kind, r.kind.inverse()));
                }
            }
        }
    }
    out.sort_by(|x, y| x.0.cmp(&y.0));
    out.dedup_by(|x, y| x.0 == y.0);
    out
}

/// The relation a manual `map` writes.
fn relation(
    a: &End,
    b: &End,
    kind: RelationKind,
    rationale: Option<Rationale>,
    note: Option<&str>,
) -> Relation {
    Relation {
        source: ControlId(a.control.clone()),
        targets: vec![ControlId(b.control.clone())],
        kind,
        rationale,
        strength: None,
        coverage: None,
        via: Vec::new(),
        note: note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()),
    }
}

/// A relationship as one list item, its targets on one line as mapping
/// files are usually written (`targets: [S-1]`).
fn item(r: &Relation) -> Result<String, Refusal> {
    use crate::risk::lifecycle::{list_yaml, scalar};
    if r.strength.is_some() || r.coverage.is_some() || !r.via.is_empty() {
        return serde_saphyr::to_string(r).map_err(|e| one(e.to_string()));
    }
    let targets: Vec<&str> = r.targets.iter().map(|t| t.as_str()).collect();
    let mut s = format!(
        "source: {}\ntargets: {}\ntype: {}\n",
        scalar(r.source.as_str())?,
        list_yaml(&targets, true)?,
        r.kind.as_str()
    );
    if let Some(x) = r.rationale {
        let name = match x {
            Rationale::Syntactic => "syntactic",
            Rationale::Semantic => "semantic",
            Rationale::Functional => "functional",
        };
        s.push_str(&format!("rationale: {name}\n"));
    }
    if let Some(n) = &r.note {
        s.push_str(&format!("note: {}\n", scalar(n)?));
    }
    Ok(s)
}

/// `text` read back must be `want`.
fn reread(rel: &str, text: &str, want: &Mapping) -> Result<(), Refusal> {
    match serde_saphyr::from_str::<Mapping>(text) {
        Ok(got) if got == *want => Ok(()),
        _ => Err(one(format!(
            "{rel}: the edit would not read back as the mapping meant; nothing was changed (edit the file by hand)"
        ))),
    }
}

/// The relationships of `m` that hold the pair `a` -> `b`: (index, the
/// relation with that target taken out, or `None` when it was its only one).
fn holding(
    loaded: &Loaded,
    m: &Mapping,
    a: &End,
    b: &End,
) -> Vec<(usize, RelationKind, Option<Relation>)> {
    let (s, t) = (m.source.as_str(), m.target.as_str());
    let mut out = Vec::new();
    for (i, r) in m.relationships.iter().enumerate() {
        if !is(loaded, s, r.source.as_str(), a) {
            continue;
        }
        let rest: Vec<ControlId> = r
            .targets
            .iter()
            .filter(|x| !is(loaded, t, x.as_str(), b))
            .cloned()
            .collect();
        if rest.len() == r.targets.len() {
            continue;
        }
        let remaining = (!rest.is_empty()).then(|| Relation {
            targets: rest,
            ..r.clone()
        });
        out.push((i, r.kind, remaining));
    }
    out
}

/// `text` and `m` with the relationships at `drop` taken out (and what is
/// left of each appended again), then `add` appended.
fn apply(
    rel: &str,
    text: &str,
    m: &Mapping,
    drop: &[(usize, RelationKind, Option<Relation>)],
    add: Option<Relation>,
) -> Result<(String, Mapping), Refusal> {
    let e = |source| Refusal::Edit {
        path: rel.to_string(),
        source,
    };
    let mut t = text.to_string();
    let mut want = m.clone();
    let mut appended = Vec::new();
    for (i, _, rest) in drop.iter().rev() {
        t = edit::remove_item(&t, "relationships", *i).map_err(e)?;
        want.relationships.remove(*i);
        appended.extend(rest.clone());
    }
    appended.reverse();
    appended.extend(add);
    if want.relationships.is_empty() && appended.is_empty() {
        t = edit::remove_key(&t, "relationships").map_err(e)?;
    }
    for r in appended {
        t = edit::append_item(&t, "relationships", &item(&r)?, Some("provenance")).map_err(e)?;
        want.relationships.push(r);
    }
    reread(rel, &t, &want)?;
    Ok((t, want))
}

/// The repository's lock on controls/ (as `crosswalk import` and
/// `accept` take it), unless nothing will be written.
fn lock_unless(root: &Path, dry_run: bool) -> Result<Option<crate::import::swap::Lock>, Refusal> {
    if dry_run {
        return Ok(None);
    }
    crate::import::swap::lock(root)
        .map(Some)
        .map_err(|e| one(e.to_string()))
}

/// What a person judged a pair to be (`aegis crosswalk map`).
#[derive(Clone, Copy, Debug)]
pub struct Judgement<'a> {
    pub kind: RelationKind,
    pub rationale: Option<Rationale>,
    pub note: Option<&'a str>,
}

/// Records `from` -> `to` as judged in the manual mapping file. With
/// `dry_run`, writes nothing and shows the change on `out` as a diff
/// (`crate::change`).
pub fn map(
    root: &Path,
    from: &str,
    to: &str,
    judged: Judgement<'_>,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Done, Refusal> {
    let Judgement {
        kind,
        rationale,
        note,
    } = judged;
    // A blank note is left out, as `relation` does.
    if let Some(p) = note
        .filter(|n| !n.trim().is_empty())
        .and_then(|n| crate::text::lines_problem("the note", n))
    {
        return Err(one(p));
    }
    let _lock = lock_unless(root, dry_run)?;
    let loaded = Loaded::load(root)?;
    let (a, b) = ends(&loaded, from, to)?;
    let t = target(&loaded, root, &a, &b)?;
    let new = relation(&a, &b, kind, rationale, note);
    let others = elsewhere(&loaded, &a, &b, &t.path);
    let (text, before, changed, created) = match &t.existing {
        None => {
            let m = Mapping {
                schema_version: crate::model::SCHEMA_VERSION,
                source: FrameworkId(a.framework.clone()),
                target: FrameworkId(b.framework.clone()),
                provenance: Provenance {
                    kind: ProvenanceKind::Manual,
                    document: None,
                    url: None,
                    sha256: None,
                    hub: None,
                },
                relationships: Vec::new(),
                decisions: Vec::new(),
            };
            let text = crate::import::native::render(&t.path, Kind::Mapping, &m)
                .map_err(|e| one(e.to_string()))?;
            let (text, _) = apply(&t.path, &text, &m, &[], Some(new))?;
            (text, None, true, true)
        }
        Some((m, text)) => {
            let held = holding(&loaded, m, &a, &b);
            let before = held.first().map(|h| h.1);
            // The same relationship, stated once, as only target: nothing to do.
            let same = held.len() == 1
                && held[0].2.is_none()
                && m.relationships[held[0].0].kind == kind
                && rationale.is_none_or(|r| m.relationships[held[0].0].rationale == Some(r))
                && note
                    .is_none_or(|n| m.relationships[held[0].0].note.as_deref() == Some(n.trim()));
            if same {
                (text.clone(), before, false, false)
            } else {
                let (t2, _) = apply(&t.path, text, m, &held, Some(new))?;
                (t2, before, true, false)
            }
        }
    };
    let written = changed && !dry_run;
    if changed {
        // Refused when the file is no longer what was read.
        let old = t.existing.as_ref().map(|(_, old)| old.as_str());
        write_or_show(root, &t.path, old, &text, dry_run, out)?;
    }
    Ok(Done {
        from: a,
        to: b,
        path: t.path,
        created,
        before,
        written,
        changed,
        elsewhere: others,
    })
}

/// Takes `from` -> `to` out of the manual mapping file (with `dry_run`,
/// only shows the change on `out`).
pub fn unmap(
    root: &Path,
    from: &str,
    to: &str,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Done, Refusal> {
    let _lock = lock_unless(root, dry_run)?;
    let loaded = Loaded::load(root)?;
    let (a, b) = ends(&loaded, from, to)?;
    let t = target(&loaded, root, &a, &b)?;
    let others = elsewhere(&loaded, &a, &b, &t.path);
    let held = match &t.existing {
        Some((m, _)) => holding(&loaded, m, &a, &b),
        None => Vec::new(),
    };
    let (Some((m, text)), false) = (&t.existing, held.is_empty()) else {
        return Ok(Done {
            from: a,
            to: b,
            created: false,
            before: None,
            written: false,
            changed: false,
            path: t.path,
            elsewhere: others,
        });
    };
    let before = held.first().map(|h| h.1);
    let (new, _) = apply(&t.path, text, m, &held, None)?;
    write_or_show(root, &t.path, Some(text), &new, dry_run, out)?;
    Ok(Done {
        from: a,
        to: b,
        path: t.path,
        created: false,
        before,
        written: !dry_run,
        changed: true,
        elsewhere: others,
    })
}
