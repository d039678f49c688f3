//! DISA's CCI list, read by the same reader ingest uses
//! (`crate::ingest::cci`). CCIs are a correlation index for scanner
//! findings, not requirements a team implements, so they do not become a
//! framework: each SP 800-53 revision the list references is a set from
//! the `cci` scheme to that revision, written as the reference table
//! `controls/references/cci--<framework>.yaml` that `aegis framework
//! import` of the same list writes (and `aegis ingest` maps through).

use super::place::Unplaced;
use super::{Document, Entry, Error, RawRef, Set, Side};
use crate::model::{Framework, RelationKind};
use std::collections::BTreeMap;
use std::path::Path;

pub(super) fn read(path: &Path, bytes: &[u8], doc: &mut Document) -> Result<(), Error> {
    let list =
        crate::ingest::cci::read(&mut &bytes[..], path).map_err(|e| Error::repo(e.to_string()))?;
    doc.title = "DISA Control Correlation Identifier list".into();
    let mut by_revision: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for (cci, refs) in &list {
        for (revision, control) in refs {
            by_revision
                .entry(revision.clone())
                .or_default()
                .push(Entry {
                    at: cci.clone(),
                    source: RawRef::id(cci.clone()),
                    target: RawRef::id(control.clone()),
                    relation: Ok(RelationKind::IntersectsWith),
                    rationale: None,
                    strength: None,
                    coverage: None,
                    note: None,
                });
        }
    }
    for (revision, entries) in by_revision {
        doc.sets.push(Set {
            name: format!("rev{revision}"),
            source: Side {
                hints: Vec::new(),
                scheme: Some("cci"),
            },
            target: Side::named([format!("NIST SP 800-53 Revision {revision}")]),
            stated: entries.len(),
            entries,
            without_pairs: Vec::new(),
            inverse_of: None,
        });
    }
    Ok(())
}

/// The revision number a set stands for (`rev5` → `5`).
pub(super) fn revision(set: &Set) -> &str {
    set.name.strip_prefix("rev").unwrap_or(&set.name)
}

/// The table of `set` for `fw`, and the references it could not place.
pub(super) fn place(set: &Set, fw: &Framework) -> (BTreeMap<String, Vec<String>>, Vec<Unplaced>) {
    let revision = revision(set);
    let mut list: crate::ingest::cci::CciList = BTreeMap::new();
    for e in &set.entries {
        list.entry(e.source.id.clone())
            .or_default()
            .push((revision.to_string(), e.target.id.clone()));
    }
    let (map, missing) = crate::import::references::table_map(fw, revision, &list);
    let unplaced = missing
        .into_iter()
        .map(|m| Unplaced {
            at: m.cci.clone(),
            reason: if m.withdrawn {
                format!(
                    "target `{}` is withdrawn from `{}`",
                    super::shown(&m.control),
                    fw.id
                )
            } else {
                format!(
                    "target `{}` is not a control of `{}`",
                    super::shown(&m.control),
                    fw.id
                )
            },
            source: m.cci,
            target: m.control,
        })
        .collect();
    (map, unplaced)
}
