//! NIST OLIR crosswalk sheets: `Focal Document Element`, `Reference
//! Document Element`, and where the crosswalk characterises its pairs,
//! `Relationship`, `Rationale` and `Strength of Relationship`. One row is
//! one pair. A concept crosswalk states no relationship (it says the two
//! elements are related, not how), so its pairs are `intersects-with`,
//! the weakest set-theory claim. The sheet names neither document; the
//! file name NIST gives the workbook (`<focal>_Concept_Crosswalk_<reference>`)
//! is the hint, and `--from`/`--to` override it.

use super::workbook::{Rows, cell, column, header_row, norm};
use super::{Entry, Error, RawRef, Set, Side, Unpaired};
use crate::model::RelationKind;
use std::path::Path;

pub(super) fn read(path: &Path, sheet: &str, rows: &Rows) -> Result<Option<Set>, Error> {
    let Some(h) = header_row(rows, |cells| {
        cells
            .iter()
            .any(|c| c.starts_with("focal document element"))
            && cells
                .iter()
                .any(|c| c.starts_with("reference document element"))
    }) else {
        return Ok(None);
    };
    let head = &rows[h].1;
    let focal = column(head, |c| {
        c.starts_with("focal document element") && !c.contains("description")
    });
    let reference = column(head, |c| {
        c.starts_with("reference document element") && !c.contains("description")
    });
    let relationship = column(head, |c| {
        c == "relationship" || c.starts_with("relationship (")
    });
    let rationale = column(head, |c| c.starts_with("rationale"));
    let strength = column(head, |c| c.starts_with("strength of relationship"));
    let comments = column(head, |c| c.starts_with("comments"));
    let mut entries = Vec::new();
    let mut without_pairs = Vec::new();
    for (row, cells) in &rows[h + 1..] {
        let source = cell(cells, focal);
        let target = cell(cells, reference);
        if source.is_empty() && target.is_empty() {
            continue;
        }
        let at = format!("sheet `{}`, row {row}", super::shown(sheet));
        if target.is_empty() {
            without_pairs.push(Unpaired {
                at,
                id: source.to_string(),
                why: "no reference element".into(),
            });
            continue;
        }
        if source.is_empty() {
            return Err(Error::source(
                path,
                format!("{at}: a reference element without a focal element"),
            ));
        }
        let relation = match relationship.map(|_| cell(cells, relationship)) {
            None | Some("") => Ok(RelationKind::IntersectsWith),
            Some(word) => olir_relation(word),
        };
        let strength_cell = cell(cells, strength);
        let (strength, strength_note) = match strength_cell.parse::<u8>() {
            _ if strength_cell.is_empty() => (None, None),
            Ok(n @ 1..=10) => (Some(n), None),
            _ => (
                None,
                Some(format!(
                    "strength `{}` is outside OLIR's 1-10",
                    super::shown(strength_cell)
                )),
            ),
        };
        let notes: Vec<String> = strength_note
            .into_iter()
            .chain(Some(cell(cells, comments).to_string()).filter(|c| !c.is_empty()))
            .collect();
        entries.push(Entry {
            at,
            source: RawRef::id(source),
            target: RawRef::id(target),
            relation,
            rationale: super::ciso::rationale(cell(cells, rationale)),
            strength,
            coverage: None,
            note: (!notes.is_empty()).then(|| notes.join("; ")),
        });
    }
    let (from, to) = names_in_file_name(path);
    Ok(Some(Set {
        name: sheet.to_string(),
        source: Side::named(from),
        target: Side::named(to),
        stated: entries.len(),
        entries,
        without_pairs,
        inverse_of: None,
    }))
}

/// OLIR's relationship words: `equal`, `subset of`, `superset of`,
/// `intersects with`, `not related to`.
fn olir_relation(word: &str) -> Result<RelationKind, String> {
    match norm(word).replace(' ', "-").as_str() {
        "equal" | "equivalent" => Ok(RelationKind::Equal),
        "subset-of" => Ok(RelationKind::SubsetOf),
        "superset-of" => Ok(RelationKind::SupersetOf),
        "intersects-with" => Ok(RelationKind::IntersectsWith),
        "not-related-to" | "no-relationship" => Ok(RelationKind::NoRelationship),
        _ => Err(word.trim().to_string()),
    }
}

/// `Cybersecurity_Framework_v2-0_Concept_Crosswalk_800-53_5_2_0_draft` →
/// the focal and reference documents' names.
fn names_in_file_name(path: &Path) -> (Option<String>, Option<String>) {
    let Some(stem) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
        return (None, None);
    };
    let lower = stem.to_ascii_lowercase();
    for sep in ["_concept_crosswalk_", "_crosswalk_", "-to-", "_to_", " to "] {
        if let Some(i) = lower.find(sep) {
            return (
                Some(stem[..i].to_string()),
                Some(stem[i + sep.len()..].to_string()),
            );
        }
    }
    (None, None)
}
