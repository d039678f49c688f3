//! NIST's SP 800-53 mapping sheets (the CSF 1.1 and Privacy Framework
//! workbook): a title row "<framework> to NIST Special Publication 800-53,
//! Revision 5 ...", a header with `Subcategory` and an SP 800-53 control
//! column, and per row a subcategory (`ID.AM-1: text`) with the controls
//! that support it (`CM-8, PM-5`). Supporting a subcategory is all the
//! sheet says, so each pair is `intersects-with`. One sheet is one set;
//! `--set` picks a sheet by name.

use super::workbook::{Rows, cell, column, header_row, id_list};
use super::{Entry, Error, RawRef, Set, Side, Unpaired};
use crate::model::RelationKind;
use std::path::Path;

pub(super) fn read(_path: &Path, sheet: &str, rows: &Rows) -> Result<Option<Set>, Error> {
    let is_control_col = |c: &str| c.contains("800-53") && c.contains("control");
    // The header may take two rows (group headings above, `Subcategory`
    // below); the control column is named in either.
    let Some(h) = header_row(rows, |cells| cells.iter().any(|c| c == "subcategory")) else {
        return Ok(None);
    };
    let head = &rows[h].1;
    let sub = column(head, |c| c == "subcategory");
    let controls = column(head, is_control_col).or_else(|| {
        h.checked_sub(1)
            .and_then(|p| column(&rows[p].1, is_control_col))
    });
    let Some(controls) = controls else {
        return Ok(None);
    };
    // "NIST Cybersecurity Framework Version 1.1 to NIST Special
    // Publication 800-53, Revision 5 Mapping": both names.
    let title = rows[..h]
        .iter()
        .flat_map(|(_, cells)| cells.iter())
        .find(|c| c.contains(" to "))
        .map(|c| c.trim().to_string());
    let (from, to) = match title.as_deref().and_then(|t| t.split_once(" to ")) {
        Some((a, b)) => (Some(a.to_string()), Some(b.to_string())),
        None => (
            None,
            Some(format!(
                "NIST SP 800-53 {}",
                super::shown(&rows[h].1[controls])
            )),
        ),
    };
    let mut entries = Vec::new();
    let mut without_pairs = Vec::new();
    let mut current: Option<String> = None;
    for (row, cells) in &rows[h + 1..] {
        let sub_cell = cell(cells, sub);
        if !sub_cell.is_empty() {
            // `ID.AM-1: Physical devices ...`
            let id = sub_cell.split(':').next().unwrap_or(sub_cell).trim();
            current = Some(id.to_string());
        }
        let list = id_list(cell(cells, Some(controls)));
        let at = format!("sheet `{}`, row {row}", super::shown(sheet));
        let Some(source) = current.clone() else {
            continue;
        };
        if list.is_empty() {
            if !sub_cell.is_empty() {
                without_pairs.push(Unpaired {
                    at,
                    id: source,
                    why: "no SP 800-53 control listed".into(),
                });
            }
            continue;
        }
        for target in list {
            entries.push(Entry {
                at: at.clone(),
                source: RawRef::id(source.clone()),
                target: RawRef::id(target),
                relation: Ok(RelationKind::IntersectsWith),
                rationale: None,
                strength: None,
                coverage: None,
                note: None,
            });
        }
    }
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
