//! OSCAL `mapping-collection` (OSCAL 1.2, JSON): `mappings[]`, each with
//! `source-resource` and `target-resource` (`href` to the catalogs) and
//! `maps[]` of `relationship`, `sources[]` and `targets[]` (`type`
//! control or statement, `id-ref`), with `matching-rationale`,
//! `confidence-score` and `coverage` where the publisher gives them.

use super::{Document, Entry, Error, RawRef, Set, Side, Unpaired};
use crate::model::{Rationale, RelationKind};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

#[derive(Deserialize)]
struct Root {
    #[serde(rename = "mapping-collection")]
    collection: Collection,
}

#[derive(Deserialize)]
struct Collection {
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(default)]
    provenance: Option<MapProvenance>,
    #[serde(default)]
    mappings: Vec<MappingObj>,
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(default)]
    title: Option<String>,
}

#[derive(Deserialize)]
struct MapProvenance {
    #[serde(default, rename = "matching-rationale")]
    matching_rationale: Option<String>,
}

#[derive(Deserialize)]
struct MappingObj {
    #[serde(default, rename = "source-resource")]
    source_resource: Option<Resource>,
    #[serde(default, rename = "target-resource")]
    target_resource: Option<Resource>,
    #[serde(default)]
    provenance: Option<MapProvenance>,
    #[serde(default)]
    maps: Vec<Map>,
    #[serde(default, rename = "source-gap-summary")]
    source_gap_summary: Option<Value>,
}

#[derive(Deserialize)]
struct Resource {
    #[serde(default)]
    href: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

#[derive(Deserialize)]
struct Map {
    #[serde(default)]
    relationship: Option<Value>,
    #[serde(default)]
    sources: Vec<Item>,
    #[serde(default)]
    targets: Vec<Item>,
    #[serde(default, rename = "matching-rationale")]
    matching_rationale: Option<String>,
    #[serde(default, rename = "confidence-score")]
    confidence: Option<Value>,
    #[serde(default)]
    coverage: Option<Value>,
    #[serde(default)]
    props: Vec<Prop>,
    #[serde(default)]
    remarks: Option<String>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(rename = "id-ref")]
    id_ref: String,
}

#[derive(Deserialize)]
struct Prop {
    name: String,
    value: String,
}

pub(super) fn read(path: &Path, bytes: Vec<u8>, doc: &mut Document) -> Result<(), Error> {
    let (text, _) = crate::sources::common::text_of(path, bytes)?;
    let root: Root = crate::sources::common::parse_json(path, &text)?;
    let c = root.collection;
    let title = c
        .metadata
        .and_then(|m| m.title)
        .filter(|t| !t.trim().is_empty());
    if let Some(t) = &title {
        doc.title = t.trim().to_string();
    }
    // "NIST_CSF_v2.0 to NIST_SP-800-53_rev5": the title names both sides.
    let (title_src, title_tgt) = title
        .as_deref()
        .and_then(|t| t.split_once(" to "))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .unzip();
    let collection_rationale = c.provenance.and_then(|p| p.matching_rationale);
    for (i, m) in c.mappings.into_iter().enumerate() {
        let rationale = m
            .provenance
            .and_then(|p| p.matching_rationale)
            .or(collection_rationale.clone());
        let side = |r: Option<Resource>, fallback: Option<String>| {
            let mut hints = Vec::new();
            if let Some(r) = r {
                hints.extend(r.href);
                hints.extend(r.title);
            }
            hints.extend(fallback);
            Side::named(hints)
        };
        let source = side(m.source_resource, title_src.clone());
        let target = side(m.target_resource, title_tgt.clone());
        let mut entries = Vec::new();
        for (j, map) in m.maps.into_iter().enumerate() {
            let at = format!("mappings[{i}].maps[{j}]");
            let relation = relation(map.relationship.as_ref());
            let stated_rationale = map
                .matching_rationale
                .as_deref()
                .or(rationale.as_deref())
                .and_then(super::ciso::rationale);
            let rationale =
                stated_rationale.or(match map.relationship.as_ref().and_then(word).as_deref() {
                    Some("equivalent-to") => Some(Rationale::Semantic),
                    Some("equal-to") => Some(Rationale::Syntactic),
                    _ => None,
                });
            let mut notes = Vec::new();
            let confidence = map
                .confidence
                .as_ref()
                .and_then(|v| percent(v.get("percentage").unwrap_or(v)))
                .or_else(|| prop(&map.props, &["confidence", "confidence-score"]));
            if let Some(c) = confidence.filter(|c| *c < 100) {
                notes.push(format!("confidence {c}%"));
            }
            let coverage = map
                .coverage
                .as_ref()
                .and_then(|v| percent(v.get("target-coverage").unwrap_or(v)))
                .or_else(|| prop(&map.props, &["coverage", "target-coverage"]));
            let strength = map
                .props
                .iter()
                .find(|p| p.name == "strength")
                .and_then(|p| p.value.trim().parse::<u8>().ok())
                .filter(|s| (1..=10).contains(s));
            if let Some(r) = map
                .remarks
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
            {
                notes.push(r.to_string());
            }
            for s in &map.sources {
                for t in &map.targets {
                    let mut pair_notes = notes.clone();
                    let source = item(s, &mut pair_notes);
                    let target = item(t, &mut pair_notes);
                    entries.push(Entry {
                        at: at.clone(),
                        source,
                        target,
                        relation: relation.clone(),
                        rationale,
                        strength,
                        coverage,
                        note: (!pair_notes.is_empty()).then(|| pair_notes.join("; ")),
                    });
                }
            }
        }
        let without_pairs = gap_summary(m.source_gap_summary.as_ref(), i);
        doc.sets.push(Set {
            name: format!("mapping-{}", i + 1),
            source,
            target,
            stated: entries.len(),
            entries,
            without_pairs,
            inverse_of: None,
        });
    }
    Ok(())
}

/// A statement (`ac-2_smt.a`) is mapped as its control, saying which
/// statement in the note: mapping files relate controls.
fn item(i: &Item, notes: &mut Vec<String>) -> RawRef {
    let id = i.id_ref.trim();
    if i.kind.as_deref().is_some_and(|k| k != "control")
        && let Some((control, _)) = id.split_once('_')
    {
        notes.push(format!("statement {id}"));
        return RawRef::id(control);
    }
    RawRef::id(id)
}

/// The relationship token: a string, or `{"type": ..., "ns": ...}`.
fn word(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.get("type").or(o.get("value")).and_then(Value::as_str)?,
        _ => return None,
    };
    Some(s.trim().to_ascii_lowercase().replace([' ', '_'], "-"))
}

pub(super) fn relation(v: Option<&Value>) -> Result<RelationKind, String> {
    let Some(v) = v else {
        return Err("no relationship".into());
    };
    match word(v).as_deref() {
        Some("equal-to" | "equivalent-to" | "equal" | "equivalent") => Ok(RelationKind::Equal),
        Some("subset-of") => Ok(RelationKind::SubsetOf),
        Some("superset-of") => Ok(RelationKind::SupersetOf),
        Some("intersects-with") => Ok(RelationKind::IntersectsWith),
        Some("no-relationship") => Ok(RelationKind::NoRelationship),
        Some(other) => Err(other.to_string()),
        None => Err(v.to_string()),
    }
}

/// A percentage from a fraction (`0.8`), a percent number above 1
/// (`80`) or text (`80%`).
pub(super) fn percent(v: &Value) -> Option<u8> {
    let n = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => return percent_text(s),
        _ => return None,
    };
    scaled(n, false)
}

pub(super) fn percent_text(s: &str) -> Option<u8> {
    let t = s.trim();
    let (t, pct) = match t.strip_suffix('%') {
        Some(x) => (x.trim(), true),
        None => (t, false),
    };
    scaled(t.parse::<f64>().ok()?, pct)
}

fn scaled(n: f64, pct: bool) -> Option<u8> {
    let p = if pct || n > 1.0 { n } else { n * 100.0 };
    (p.is_finite() && (0.0..=100.0).contains(&p)).then(|| p.round() as u8)
}

fn prop(props: &[Prop], names: &[&str]) -> Option<u8> {
    props
        .iter()
        .find(|p| names.contains(&p.name.as_str()))
        .and_then(|p| percent_text(&p.value))
}

/// The source controls the publisher lists as unmapped.
fn gap_summary(v: Option<&Value>, i: usize) -> Vec<Unpaired> {
    let Some(list) = v
        .and_then(|v| v.get("unmapped-controls"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|u| u.get("with-ids").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .map(|id| Unpaired {
            at: format!("mappings[{i}].source-gap-summary"),
            id: id.to_string(),
            why: "listed as unmapped by the publisher".into(),
        })
        .collect()
}
