//! NIST crosswalk workbooks (XLSX). Each sheet is judged by its header row:
//! an OLIR concept crosswalk (`concept`), an SP 800-53 mapping sheet of
//! subcategories and the controls that support them (`informative`), or
//! the rev4/rev5 comparison (`comparison`). Sheets with none of these
//! headers (introductions, legends) hold no pairs.

use super::{Document, Error};
use std::path::Path;

/// A sheet's rows: 1-based row number and cells.
pub(super) type Rows = [(usize, Vec<String>)];

/// How far down a sheet a header row is looked for.
const HEADER_SCAN_ROWS: usize = 30;

pub(super) fn read(path: &Path, bytes: Vec<u8>, doc: &mut Document) -> Result<(), Error> {
    let sheets = crate::sources::table::workbook_sheets(path, bytes)?;
    let names: Vec<String> = sheets.iter().map(|(n, _)| super::shown(n)).collect();
    for (name, rows) in &sheets {
        let set = super::concept::read(path, name, rows)?
            .or(super::informative::read(path, name, rows)?)
            .or(super::comparison::read(path, name, rows)?);
        doc.sets.extend(set);
    }
    if doc.sets.is_empty() {
        return Err(Error::source(
            path,
            format!(
                "no sheet of this workbook is a crosswalk Aegis reads (sheets: {}); expected an OLIR crosswalk (Focal Document Element, Reference Document Element), an SP 800-53 mapping sheet (Subcategory, SP 800-53 Control) or the rev4/rev5 comparison",
                names.join(", ")
            ),
        ));
    }
    Ok(())
}

/// A header cell as compared: lower case, whitespace (line breaks
/// included) as single spaces.
pub(super) fn norm(cell: &str) -> String {
    cell.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The first row (within the scan) where `pred` holds for the row's
/// normalised cells: its index in `rows`.
pub(super) fn header_row(rows: &Rows, pred: impl Fn(&[String]) -> bool) -> Option<usize> {
    rows.iter()
        .take(HEADER_SCAN_ROWS)
        .position(|(_, cells)| pred(&cells.iter().map(|c| norm(c)).collect::<Vec<_>>()))
}

/// The column whose normalised header satisfies `pred`.
pub(super) fn column(cells: &[String], pred: impl Fn(&str) -> bool) -> Option<usize> {
    cells.iter().position(|c| pred(&norm(c)))
}

pub(super) fn cell(cells: &[String], i: Option<usize>) -> &str {
    i.and_then(|i| cells.get(i)).map_or("", |c| c.trim())
}

/// Control ids in a cell that lists them: `CM-8, PM-5`, `AC-4; CA-3`,
/// one per line.
pub(super) fn id_list(cell: &str) -> Vec<String> {
    cell.split([',', ';', '\n'])
        .map(|s| s.trim().trim_end_matches('.').trim())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
