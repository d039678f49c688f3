//! Which kind of workbook a file holds, judged by its content rather than
//! its name, and OpenDocument (ODS) sheets read under the bounds XLSX
//! sheets are read under.
//!
//! calamine reads an ODS workbook whole when it is opened and expands
//! repeated cells and rows as it goes (`number-columns-repeated="16384"`
//! on a cell with a value is sixteen thousand cells from sixty bytes of
//! XML), with limits far above what fits in memory. So `content.xml` is
//! first read once here, streaming and bounded, counting the cells
//! calamine would make; a workbook over [`MAX_SHEET_CELLS`] is refused
//! before calamine sees it.

use super::SourceError;
use super::table::{
    MAX_SHEET_CELLS, MAX_SHEET_COLUMNS, MAX_UNZIPPED_BYTES, SheetRows, cell_ref, check_zip,
    column_name, dated_cell_text,
};
use calamine::{Data, Reader};
use quick_xml::events::{BytesStart, Event};
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

/// What a file's bytes are, as far as a spreadsheet reader cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Xlsx,
    Ods,
    /// Excel's binary workbook (a zip holding `xl/workbook.bin`).
    Xlsb,
    /// Apple Numbers (a zip of `Index/*.iwa`).
    Numbers,
    /// Another zip: an OpenDocument text, a Word file, an archive.
    OtherZip,
    /// An OLE2 compound file: an Excel 97-2003 `.xls` workbook, or a
    /// password-protected (encrypted) XLSX, which Excel stores as one.
    Ole2,
    /// Not a workbook: CSV or other text.
    Text,
}

const OLE2: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ODS_MIME: &str = "application/vnd.oasis.opendocument.spreadsheet";

/// The kind of `bytes`; a zip's directory is checked (sizes, entries)
/// on the way, so a zip bomb is refused here.
pub(crate) fn kind(path: &Path, bytes: &[u8]) -> Result<Kind, SourceError> {
    if bytes.starts_with(OLE2) {
        return Ok(Kind::Ole2);
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Ok(Kind::Text);
    }
    let names = check_zip(path, bytes)?;
    let has = |n: &str| names.iter().any(|x| x == n);
    Ok(if has("xl/workbook.xml") {
        Kind::Xlsx
    } else if has("xl/workbook.bin") {
        Kind::Xlsb
    } else if has("mimetype") && has("content.xml") {
        // The package's first entry, stored uncompressed (ODF 1.2 §3.3),
        // says which kind of document it is.
        let first = bytes.get(30..38) == Some(b"mimetype".as_slice());
        let mime = bytes
            .get(38..38 + ODS_MIME.len())
            .is_some_and(|m| m == ODS_MIME.as_bytes());
        if first && !mime {
            Kind::OtherZip
        } else {
            Kind::Ods
        }
    } else if names
        .iter()
        .any(|n| n.starts_with("Index/") && n.ends_with(".iwa"))
    {
        Kind::Numbers
    } else {
        Kind::OtherZip
    })
}

/// Every sheet of the ODS workbook `bytes`: non-empty rows (1-based row
/// number, cells as text, dates as ISO 8601), as for XLSX.
pub(crate) fn ods_sheets_dated(path: &Path, bytes: Vec<u8>) -> Result<Vec<SheetRows>, SourceError> {
    check_zip(path, &bytes)?;
    let syntax = |m: String| {
        SourceError::syntax(
            path,
            format!(
                "not a readable ODS workbook: {}",
                crate::excerpt::message(&m)
            ),
        )
    };
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes.as_slice())).map_err(|e| syntax(e.to_string()))?;
    if encrypted(&mut zip).map_err(syntax)? {
        return Err(password(path));
    }
    {
        let content = zip
            .by_name("content.xml")
            .map_err(|e| syntax(format!("content.xml: {e}")))?;
        count_cells(path, content.take(MAX_UNZIPPED_BYTES))?;
    }
    let mut book = calamine::Ods::new(Cursor::new(bytes)).map_err(|e| match e {
        calamine::OdsError::Password => password(path),
        e => syntax(e.to_string()),
    })?;
    let mut out = Vec::new();
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| syntax(format!("sheet `{}`: {e}", crate::excerpt::text(&name))))?;
        out.push((name.clone(), rows(path, &name, &range)?));
    }
    Ok(out)
}

fn password(path: &Path) -> SourceError {
    SourceError::invalid(
        path,
        "META-INF/manifest.xml",
        "the workbook is password-protected (its entries are encrypted); save a copy without the password and import that",
    )
}

/// Whether the manifest lists encrypted entries (a password-protected
/// document): their content is ciphertext, not XML.
fn encrypted<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>) -> Result<bool, String> {
    let Ok(manifest) = zip.by_name("META-INF/manifest.xml") else {
        return Ok(false);
    };
    let mut text = Vec::new();
    manifest
        .take(4 * 1024 * 1024)
        .read_to_end(&mut text)
        .map_err(|e| format!("META-INF/manifest.xml: {e}"))?;
    Ok(text
        .windows(b"encryption-data".len())
        .any(|w| w == b"encryption-data"))
}

/// The sheet's non-empty cells as rows, refusing a value beyond the
/// columns an XLSX sheet may use.
pub(super) fn rows(
    path: &Path,
    name: &str,
    range: &calamine::Range<Data>,
) -> Result<Vec<(usize, Vec<String>)>, SourceError> {
    let Some((top, left)) = range.start() else {
        return Ok(Vec::new());
    };
    let mut rows: std::collections::BTreeMap<u32, Vec<(u32, String)>> = Default::default();
    for (r, c, cell) in range.used_cells() {
        let text = dated_cell_text(cell);
        if text.is_empty() {
            continue;
        }
        let (row, col) = (top + r as u32, left + c as u32);
        if col >= MAX_SHEET_COLUMNS {
            return Err(SourceError::invalid(
                path,
                format!(
                    "sheet `{}`, cell {}",
                    crate::excerpt::text(name),
                    cell_ref(row, col)
                ),
                format!(
                    "a value in column {}, beyond the {MAX_SHEET_COLUMNS} columns (up to {}) Aegis reads; delete that stray cell and import again",
                    column_name(col),
                    column_name(MAX_SHEET_COLUMNS - 1)
                ),
            ));
        }
        rows.entry(row).or_default().push((col, text));
    }
    Ok(rows
        .into_iter()
        .map(|(row, cells)| {
            let width = cells.iter().map(|(c, _)| *c + 1).max().unwrap_or(0);
            let mut line = vec![String::new(); width as usize];
            for (c, text) in cells {
                line[c as usize] = text;
            }
            (row as usize + 1, line)
        })
        .collect())
}

/// calamine's own caps: a row holds at most this many cells, a sheet this
/// many rows.
const ODS_MAX_COLUMNS: usize = 16_384;
const ODS_MAX_ROWS: usize = 1_048_576;

/// One table being counted.
#[derive(Default)]
struct Table {
    name: String,
    /// Rows so far, repeats included (capped as calamine caps them).
    rows: usize,
    /// Rows from the first to the last row holding a value, repeats included.
    first_row: Option<usize>,
    last_row: usize,
    first_col: usize,
    last_col: usize,
}

/// One `table:table-row` being counted.
#[derive(Default)]
struct Row {
    repeats: usize,
    /// Cells calamine pushes for the row: values, and empty cells only
    /// where a value follows them.
    pushed: usize,
    pending_empty: usize,
    first_col: Option<usize>,
    last_col: usize,
}

/// Counts what calamine would allocate for `content`: the cells it reads
/// (across every sheet, all held at once) and the area of each sheet's
/// range (rows between the first and last value, repeats expanded, times
/// the columns between the leftmost and rightmost value). Either beyond
/// [`MAX_SHEET_CELLS`] is refused.
fn count_cells(path: &Path, content: impl Read) -> Result<(), SourceError> {
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(content));
    let syntax = |m: String| {
        SourceError::syntax(
            path,
            format!(
                "not a readable ODS workbook: content.xml: {}",
                crate::excerpt::message(&m)
            ),
        )
    };
    let too_many = |table: &str, what: &str| {
        SourceError::invalid(
            path,
            format!("sheet `{}`", crate::excerpt::text(table)),
            format!(
                "{what} more than {MAX_SHEET_CELLS} cells, far more than a program sheet needs (repeated rows or columns?); copy the rows to import into a new workbook and import that"
            ),
        )
    };
    let mut buf = Vec::new();
    let mut read_total = 0usize;
    let mut table: Option<Table> = None;
    let mut row: Option<Row> = None;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| syntax(e.to_string()))?;
        let (start, empty) = match &event {
            Event::Start(s) => (Some(s), false),
            Event::Empty(s) => (Some(s), true),
            _ => (None, false),
        };
        if let Some(s) = start {
            let name = s.name();
            let name = name.as_ref();
            if name == "table:table" {
                table = Some(Table {
                    name: attr(s, "table:name").unwrap_or_default(),
                    ..Table::default()
                });
            } else if name == "table:table-row" {
                let remaining = ODS_MAX_ROWS.saturating_sub(table.as_ref().map_or(0, |t| t.rows));
                let r = Row {
                    repeats: repeats(s, "table:number-rows-repeated").min(remaining),
                    ..Row::default()
                };
                if empty {
                    end_row(table.as_mut(), r);
                } else {
                    row = Some(r);
                }
            } else if (name == "table:table-cell" || name == "table:covered-table-cell")
                && let Some(r) = row.as_mut()
            {
                let cols = repeats(s, "table:number-columns-repeated");
                // A cell with content (a value type, or text inside it).
                let value = !empty || attr(s, "office:value-type").is_some();
                let room = ODS_MAX_COLUMNS.saturating_sub(r.pushed);
                if value {
                    let before = r.pending_empty.min(room);
                    let at = r.pushed + before;
                    let n = cols.min(ODS_MAX_COLUMNS.saturating_sub(at));
                    r.pushed = at + n;
                    r.pending_empty = 0;
                    if n > 0 {
                        r.first_col.get_or_insert(at);
                        r.last_col = at + n - 1;
                    }
                } else {
                    r.pending_empty = cols.min(room);
                }
            }
        }
        match event {
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                if let Some(r) = row.take() {
                    read_total = read_total.saturating_add(r.pushed);
                    if read_total > MAX_SHEET_CELLS {
                        let name = table.as_ref().map(|t| t.name.clone()).unwrap_or_default();
                        return Err(too_many(&name, "the workbook holds"));
                    }
                    end_row(table.as_mut(), r);
                }
            }
            Event::End(e) if e.name().as_ref() == "table:table" => {
                if let Some(t) = table.take()
                    && let Some(first) = t.first_row
                {
                    let area = (t.last_row + 1 - first)
                        .saturating_mul(t.last_col.saturating_sub(t.first_col) + 1);
                    if area > MAX_SHEET_CELLS {
                        return Err(too_many(&t.name, "its values span"));
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

fn end_row(table: Option<&mut Table>, r: Row) {
    let Some(t) = table else { return };
    if let Some(first_col) = r.first_col {
        if t.first_row.is_none() {
            t.first_row = Some(t.rows);
            t.first_col = first_col;
        }
        t.first_col = t.first_col.min(first_col);
        t.last_col = t.last_col.max(r.last_col);
        t.last_row = t.rows + r.repeats.saturating_sub(1);
    }
    t.rows = t.rows.saturating_add(r.repeats);
}

fn attr(s: &BytesStart<'_>, key: &str) -> Option<String> {
    s.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| a.value.to_string())
}

/// A repeat count; calamine refuses what does not parse, so 1 stands in.
fn repeats(s: &BytesStart<'_>, key: &str) -> usize {
    attr(s, key)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1)
}
