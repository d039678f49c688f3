//! CISO Assistant mapping libraries: `objects.requirement_mapping_sets[]`
//! (or the older single `requirement_mapping_set`), each with
//! `source_framework_urn`, `target_framework_urn` and
//! `requirement_mappings[]` of `source_requirement_urn`,
//! `target_requirement_urn`, `relationship` (equal, subset, superset,
//! intersect, not_related), and optionally `rationale`,
//! `strength_of_relationship` and `annotation`.

use super::{Document, Entry, Error, RawRef, Set, Side};
use crate::model::{Rationale, RelationKind};
use crate::sources::common::{Text, parse_yaml};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::HashMap;
use std::path::Path;

#[derive(Deserialize)]
struct Library {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    urn: Option<String>,
    objects: Objects,
}

#[derive(Deserialize)]
struct Objects {
    #[serde(default)]
    requirement_mapping_sets: Vec<MappingSet>,
    #[serde(default)]
    requirement_mapping_set: Option<MappingSet>,
}

#[derive(Deserialize)]
struct MappingSet {
    #[serde(default)]
    ref_id: Option<Text>,
    #[serde(default)]
    urn: Option<String>,
    #[serde(default)]
    name: Option<String>,
    source_framework_urn: String,
    target_framework_urn: String,
    #[serde(default)]
    requirement_mappings: Vec<RequirementMapping>,
}

#[derive(Deserialize)]
struct RequirementMapping {
    source_requirement_urn: Spanned<String>,
    target_requirement_urn: String,
    #[serde(default)]
    relationship: Option<String>,
    #[serde(default)]
    rationale: Option<String>,
    #[serde(default)]
    strength_of_relationship: Option<Text>,
    #[serde(default)]
    annotation: Option<String>,
}

pub(super) fn read(path: &Path, bytes: Vec<u8>, doc: &mut Document) -> Result<(), Error> {
    let (text, _) = crate::sources::common::text_of(path, bytes)?;
    let lib: Library = parse_yaml(path, &text)?;
    if let Some(name) = lib.name.filter(|n| !n.trim().is_empty()) {
        doc.title = name.trim().to_string();
    }
    let _ = lib.urn;
    let sets = lib
        .objects
        .requirement_mapping_sets
        .into_iter()
        .chain(lib.objects.requirement_mapping_set);
    for (i, set) in sets.enumerate() {
        let name = set
            .ref_id
            .map(Text::into_string)
            .or(set.urn.clone())
            .or(set.name.clone())
            .unwrap_or_else(|| format!("set {}", i + 1));
        let mut entries = Vec::with_capacity(set.requirement_mappings.len());
        for m in set.requirement_mappings {
            let line = m.source_requirement_urn.referenced.line();
            let source = urn_ref(path, line, m.source_requirement_urn.value)?;
            let target = urn_ref(path, line, m.target_requirement_urn)?;
            let mut notes = Vec::new();
            let strength = match m.strength_of_relationship.map(Text::into_string) {
                None => None,
                Some(s) => match s.trim().parse::<u8>() {
                    Ok(n @ 1..=10) => Some(n),
                    _ => {
                        notes.push(format!(
                            "strength `{}` is outside OLIR's 1-10",
                            super::shown(&s)
                        ));
                        None
                    }
                },
            };
            if let Some(a) = m
                .annotation
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty())
            {
                notes.push(a.to_string());
            }
            entries.push(Entry {
                at: format!("line {line}"),
                source,
                target,
                relation: relation(m.relationship.as_deref()),
                rationale: m.rationale.as_deref().and_then(rationale),
                strength,
                coverage: None,
                note: (!notes.is_empty()).then(|| notes.join("; ")),
            });
        }
        doc.sets.push(Set {
            name,
            source: framework_side(&set.source_framework_urn),
            target: framework_side(&set.target_framework_urn),
            stated: entries.len(),
            entries,
            without_pairs: Vec::new(),
            inverse_of: None,
        });
    }
    mark_inverses(&mut doc.sets);
    Ok(())
}

/// The hints for a framework URN: the URN itself (matched against the
/// library URN a CISO Assistant framework import records) and its id.
fn framework_side(urn: &str) -> Side {
    let id = urn.rsplit(':').next().unwrap_or(urn);
    Side::named([urn.to_string(), id.to_string()])
}

/// `urn:intuitem:risk:req_node:<framework>:<ref>` → the URN and `<ref>`.
fn urn_ref(path: &Path, line: u64, urn: String) -> Result<RawRef, Error> {
    let trimmed = urn.trim();
    let mut parts = trimmed.splitn(6, ':');
    let prefix: Vec<&str> = parts.by_ref().take(5).collect();
    let id = parts.next();
    match (prefix.first(), id) {
        (Some(p), Some(id)) if p.eq_ignore_ascii_case("urn") && !id.is_empty() => Ok(RawRef {
            id: id.to_string(),
            urn: Some(trimmed.to_lowercase()),
        }),
        _ => Err(Error::source(
            path,
            format!(
                "line {line}: `{}` is not a requirement URN (urn:<namespace>:risk:req_node:<framework>:<ref>)",
                super::shown(&urn)
            ),
        )),
    }
}

fn relation(word: Option<&str>) -> Result<RelationKind, String> {
    let Some(w) = word.map(str::trim) else {
        return Err("no relationship".into());
    };
    match w.to_ascii_lowercase().as_str() {
        "equal" => Ok(RelationKind::Equal),
        "subset" => Ok(RelationKind::SubsetOf),
        "superset" => Ok(RelationKind::SupersetOf),
        "intersect" => Ok(RelationKind::IntersectsWith),
        "not_related" => Ok(RelationKind::NoRelationship),
        _ => Err(w.to_string()),
    }
}

pub(super) fn rationale(word: &str) -> Option<Rationale> {
    match word.trim().to_ascii_lowercase().as_str() {
        "syntactic" => Some(Rationale::Syntactic),
        "semantic" => Some(Rationale::Semantic),
        "functional" => Some(Rationale::Functional),
        _ => None,
    }
}

/// Marks each set that holds exactly the pairs of an earlier set, read the
/// other way with the relationship inverted.
fn mark_inverses(sets: &mut [Set]) {
    type Said = (Result<RelationKind, String>, Option<Rationale>, Option<u8>);
    let key = |s: &Set| -> HashMap<(RawRef, RawRef), Said> {
        s.entries
            .iter()
            .map(|e| {
                (
                    (e.source.clone(), e.target.clone()),
                    (e.relation.clone(), e.rationale, e.strength),
                )
            })
            .collect()
    };
    for later in 1..sets.len() {
        let mine = key(&sets[later]);
        for earlier in 0..later {
            if sets[earlier].inverse_of.is_some()
                || sets[earlier].source.hints != sets[later].target.hints
                || sets[earlier].target.hints != sets[later].source.hints
                || sets[earlier].entries.len() != sets[later].entries.len()
            {
                continue;
            }
            let theirs = key(&sets[earlier]);
            let inverse = mine.len() == theirs.len()
                && mine.iter().all(|((s, t), r)| {
                    theirs
                        .get(&(t.clone(), s.clone()))
                        .is_some_and(|(r2, rat2, str2)| match (&r.0, r2) {
                            (Ok(a), Ok(b)) => a.inverse() == *b && r.1 == *rat2 && r.2 == *str2,
                            (Err(a), Err(b)) => a == b,
                            _ => false,
                        })
                });
            if inverse {
                sets[later].inverse_of = Some(sets[earlier].name.clone());
                break;
            }
        }
    }
}
