//! Looks every pair of a set up in the two frameworks and builds the
//! mapping: one relation per source control and relationship, rationale,
//! strength, coverage and note, in the source framework's catalog order,
//! targets in the target framework's. Every stated pair ends up written,
//! a duplicate of one written, or unplaced with its reason.

use super::resolve::{Catalog, Lookup};
use super::{Entry, RawRef, Set};
use crate::model::{ControlId, Rationale, Relation, RelationKind};
use std::collections::{BTreeMap, HashMap};

/// A pair the import could not place, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unplaced {
    pub at: String,
    pub source: String,
    pub target: String,
    pub reason: String,
}

/// A set placed in its frameworks.
#[derive(Debug, Default)]
pub struct Placed {
    pub relations: Vec<Relation>,
    /// Distinct (source, target) pairs in `relations`.
    pub written: usize,
    /// Where the source states a pair again, identically.
    pub duplicates: Vec<String>,
    pub unplaced: Vec<Unplaced>,
}

/// The grouping key of a relation: source control (catalog index), then
/// what the source says about the pair.
type Key = (
    usize,
    RelationKind,
    Option<Rationale>,
    Option<u8>,
    Option<u8>,
    Option<String>,
);

pub fn place(set: &Set, source: &Catalog, target: &Catalog) -> Placed {
    let mut out = Placed::default();
    let mut groups: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    // (source, target) → (where first stated, what it said).
    let mut seen: HashMap<(usize, usize), (String, Key)> = HashMap::new();
    for e in &set.entries {
        let s = side(source, &e.source, "source");
        let t = side(target, &e.target, "target");
        let (s, t) = match (s, t) {
            (Ok(s), Ok(t)) => (s, t),
            (Err(why), _) | (_, Err(why)) => {
                out.unplaced.push(unplaced(e, why));
                continue;
            }
        };
        let kind = match &e.relation {
            Ok(k) => *k,
            Err(word) => {
                out.unplaced.push(unplaced(
                    e,
                    format!(
                        "relationship `{}` is not one Aegis knows (equal, subset-of, superset-of, intersects-with, no-relationship)",
                        super::shown(word)
                    ),
                ));
                continue;
            }
        };
        let key: Key = (s, kind, e.rationale, e.strength, e.coverage, e.note.clone());
        match seen.get(&(s, t)) {
            Some((_, first)) if *first == key => out.duplicates.push(e.at.clone()),
            Some((first_at, _)) => out.unplaced.push(unplaced(
                e,
                format!("states the pair again, differently (first at {first_at}); keep one in the source"),
            )),
            None => {
                seen.insert((s, t), (e.at.clone(), key.clone()));
                groups.entry(key).or_default().push(t);
            }
        }
    }
    out.written = seen.len();
    for ((s, kind, rationale, strength, coverage, note), mut targets) in groups {
        targets.sort_unstable();
        out.relations.push(Relation {
            source: source.controls[s].id.clone(),
            targets: targets
                .into_iter()
                .map(|t| target.controls[t].id.clone())
                .collect(),
            kind,
            rationale,
            strength,
            coverage,
            via: Vec::new(),
            note,
        });
    }
    out
}

/// The control a reference names, or why it names none.
fn side(cat: &Catalog, r: &RawRef, role: &str) -> Result<usize, String> {
    let shown = super::shown(&r.id);
    match cat.lookup(r) {
        Lookup::Control(i) => Ok(i),
        Lookup::Withdrawn(i) => {
            let to: Vec<&str> = cat.controls[i]
                .replaced_by
                .iter()
                .map(ControlId::as_str)
                .collect();
            Err(if to.is_empty() {
                format!("{role} `{shown}` is withdrawn from `{}`", cat.id)
            } else {
                format!(
                    "{role} `{shown}` is withdrawn from `{}` (now in {})",
                    cat.id,
                    to.join(", ")
                )
            })
        }
        Lookup::Group => Err(format!(
            "{role} `{shown}` is a group of `{}`, not a control",
            cat.id
        )),
        Lookup::Unknown => Err(format!("{role} `{shown}` is not a control of `{}`", cat.id)),
    }
}

fn unplaced(e: &Entry, reason: String) -> Unplaced {
    Unplaced {
        at: e.at.clone(),
        source: e.source.id.clone(),
        target: e.target.id.clone(),
        reason,
    }
}
