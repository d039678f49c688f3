//! NIST's SP 800-53 rev4/rev5 comparison workbook ("Analysis of updates
//! between 800-53 Rev. 5 and Rev. 4"): one row per Rev. 5 control
//! (`ID`), whether the change is more than editorial (Y/N), the change
//! notations (`Changed Elements`) and their details. Read as a mapping
//! from Rev. 4 to Rev. 5, the numbering both revisions share:
//!
//! - no change, or only editorial ones (`N`): `equal`;
//! - more than editorial, and the only requirement changes add control
//!   text: `subset-of` (Rev. 4 asks for less); only removals: `superset-of`;
//!   anything else: `intersects-with`;
//! - withdrawn, "incorporated into" or "moved to" other controls: a
//!   `subset-of` pair to each (what Rev. 4 asked for is now part of them);
//! - new in Rev. 5, or withdrawn with no successor: no pair.

use super::workbook::{Rows, cell, column, header_row};
use super::{Entry, Error, RawRef, Set, Side, Unpaired};
use crate::model::RelationKind;
use std::path::Path;

/// Change notations that change what a control requires (the others
/// change its title, discussion or baselines).
const ADDS: &[&str] = &["adds control text", "adds parameter"];
const REMOVES: &[&str] = &["removes control text", "removes parameter"];
const CHANGES: &[&str] = &[
    "changes control text",
    "changes parameter",
    "changes text",
    "adds parameter value",
];

pub(super) fn read(_path: &Path, sheet: &str, rows: &Rows) -> Result<Option<Set>, Error> {
    let Some(h) = header_row(rows, |cells| {
        cells.iter().any(|c| c == "id") && cells.iter().any(|c| c == "title")
    }) else {
        return Ok(None);
    };
    let above = h.checked_sub(1).map(|p| &rows[p].1);
    let find = |pred: &dyn Fn(&str) -> bool| {
        column(&rows[h].1, pred).or_else(|| above.and_then(|a| column(a, pred)))
    };
    let (Some(id_col), Some(changes), Some(details)) = (
        column(&rows[h].1, |c| c == "id"),
        find(&|c: &str| c.starts_with("changed elements") || c == "changes"),
        find(&|c: &str| c.starts_with("change details")),
    ) else {
        return Ok(None);
    };
    let editorial = find(&|c: &str| c.contains("more than editorial"));
    // "NIST SP 800-53 Rev 5 Controls" names the newer revision.
    let newer = above
        .into_iter()
        .flatten()
        .chain(rows[h].1.iter())
        .find_map(|c| super::identity::of(c).filter(|i| i.family == "sp800-53"))
        .and_then(|i| i.edition)
        .and_then(|e| e.split('.').next().and_then(|m| m.parse::<u32>().ok()))
        .unwrap_or(5);
    let older = newer.saturating_sub(1);
    let mut entries = Vec::new();
    let mut without_pairs = Vec::new();
    for (row, cells) in &rows[h + 1..] {
        let id = cell(cells, Some(id_col));
        if id.is_empty() {
            continue;
        }
        let at = format!("sheet `{}`, row {row}", super::shown(sheet));
        let notations: Vec<String> = cell(cells, Some(changes))
            .lines()
            .map(|l| super::workbook::norm(&l.replace("_x000D_", "")))
            .filter(|l| !l.is_empty())
            .collect();
        let detail = cell(cells, Some(details));
        let pair = |target: String, relation: RelationKind, note: Option<String>| Entry {
            at: at.clone(),
            source: RawRef::id(id),
            target: RawRef::id(target),
            relation: Ok(relation),
            rationale: None,
            strength: None,
            coverage: None,
            note,
        };
        if notations.iter().any(|n| n.starts_with("new ")) {
            without_pairs.push(Unpaired {
                at,
                id: id.to_string(),
                why: format!("new in Rev. {newer}: no Rev. {older} counterpart"),
            });
            continue;
        }
        if notations.iter().any(|n| n == "withdrawn") {
            let lower = detail.to_lowercase();
            let (how, rest) = match ["incorporated into", "moved to"]
                .iter()
                .find_map(|w| lower.find(w).map(|i| (*w, &detail[i + w.len()..])))
            {
                Some(x) => x,
                None => {
                    without_pairs.push(Unpaired {
                        at,
                        id: id.to_string(),
                        why: format!("withdrawn with no successor (`{}`)", super::shown(detail)),
                    });
                    continue;
                }
            };
            let targets = successors(rest);
            if targets.is_empty() {
                // "Incorporated into SR family": a family, not a control.
                let named = rest.split_whitespace().next().unwrap_or("").to_string();
                entries.push(pair(named, RelationKind::SubsetOf, Some(how.into())));
                continue;
            }
            for t in targets {
                entries.push(pair(t, RelationKind::SubsetOf, Some(how.into())));
            }
            continue;
        }
        let more_than_editorial = cell(cells, editorial).eq_ignore_ascii_case("y");
        let unchanged = notations.is_empty() || notations.iter().all(|n| n == "n");
        let relation = if unchanged || !more_than_editorial {
            RelationKind::Equal
        } else {
            let has = |set: &[&str]| notations.iter().any(|n| set.contains(&n.as_str()));
            match (has(ADDS), has(REMOVES), has(CHANGES)) {
                (true, false, false) => RelationKind::SubsetOf,
                (false, true, false) => RelationKind::SupersetOf,
                _ => RelationKind::IntersectsWith,
            }
        };
        let note = (!unchanged).then(|| notations.join("; "));
        entries.push(pair(id.to_string(), relation, note));
    }
    Ok(Some(Set {
        name: sheet.to_string(),
        source: Side::named([format!("NIST SP 800-53 Revision {older}")]),
        target: Side::named([format!("NIST SP 800-53 Revision {newer}")]),
        stated: entries.len(),
        entries,
        without_pairs,
        inverse_of: None,
    }))
}

/// The controls a "incorporated into"/"moved to" detail names, statement
/// letters dropped: `AC-2k` → `AC-2`, `AC-6(9)` stays, `SC-7 and SC-8`.
fn successors(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 3 < bytes.len() {
        let is_family = bytes[i].is_ascii_uppercase()
            && bytes[i + 1].is_ascii_uppercase()
            && bytes[i + 2] == b'-'
            && bytes[i + 3].is_ascii_digit()
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
        if !is_family {
            i += 1;
            continue;
        }
        let mut j = i + 3;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
        let mut id = text[i..j].to_string();
        if bytes.get(j) == Some(&b'(') {
            let k = text[j..].find(')').map(|k| j + k);
            if let Some(k) =
                k.filter(|k| text[j + 1..*k].bytes().all(|b| b.is_ascii_digit()) && *k > j + 1)
            {
                id.push_str(&text[j..=k]);
                j = k + 1;
            }
        }
        if !out.contains(&id) {
            out.push(id);
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successors_are_controls_without_their_statement_letters() {
        assert_eq!(successors(" AC-2k."), vec!["AC-2"]);
        assert_eq!(successors(" SC-7 and  SC-8"), vec!["SC-7", "SC-8"]);
        assert_eq!(successors("\u{a0}AC-6(9), AU-2"), vec!["AC-6(9)", "AU-2"]);
        assert!(successors(" SR family").is_empty());
    }
}
