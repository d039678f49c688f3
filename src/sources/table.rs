//! Framework sheets: CSV and XLSX with a column mapping
//! (`id=Control ID,title=Title,statement=Text`), or a built-in preset for
//! spreadsheets a publisher exports in a fixed shape (NIST's CSF 2.0
//! Reference Tool export).

use super::common::{
    GroupTable, Origins, derive_title, finish, framework_id, new_control, new_framework, prop,
    prose_part, read_bytes, sha256_hex, strict_control_id,
};
use super::{ReadOptions, SourceError};
use crate::model::{ControlId, Framework};
use calamine::{Data, Reader};
use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

/// How far down a sheet the header row is looked for (title rows and
/// banners come first in many exports).
const HEADER_SCAN_ROWS: usize = 50;

/// Which column holds each field of a control. Column names match header
/// cells case-insensitively, ignoring surrounding spaces.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ColumnMap {
    pub id: String,
    pub title: Option<String>,
    pub statement: Option<String>,
    pub group: Option<String>,
    pub parent: Option<String>,
    pub label: Option<String>,
    /// `prop.NAME=Column`: kept as a prop named NAME.
    pub props: Vec<(String, String)>,
}

const FIELDS: &[&str] = &[
    "id",
    "title",
    "statement",
    "group",
    "parent",
    "label",
    "prop.<name>",
];

impl FromStr for ColumnMap {
    type Err = SourceError;

    /// Parses the `--columns` flag: `field=Column` pairs separated by commas.
    fn from_str(spec: &str) -> Result<Self, SourceError> {
        let err = |message: String| SourceError::Columns {
            spec: spec.to_string(),
            message,
        };
        let mut map = ColumnMap::default();
        let mut id = None;
        let mut seen = Vec::new();
        for pair in split_pairs(spec).map_err(|m| err(m.into()))? {
            let pair = pair.trim();
            if pair.is_empty() {
                continue;
            }
            let (field, column) = pair
                .split_once('=')
                .ok_or_else(|| err(format!("`{pair}` is not `field=Column`")))?;
            let column = column.trim();
            let column = column
                .strip_prefix('"')
                .and_then(|c| c.strip_suffix('"'))
                .unwrap_or(column);
            let (field, column) = (field.trim(), column.to_string());
            if column.is_empty() {
                return Err(err(format!("`{field}` has no column name")));
            }
            if seen.contains(&field.to_string()) {
                return Err(err(format!("`{field}` is given twice")));
            }
            seen.push(field.to_string());
            match field {
                "id" => id = Some(column),
                "title" => map.title = Some(column),
                "statement" => map.statement = Some(column),
                "group" => map.group = Some(column),
                "parent" => map.parent = Some(column),
                "label" => map.label = Some(column),
                other => match other.strip_prefix("prop.") {
                    Some(name) if !name.is_empty() => map.props.push((name.to_string(), column)),
                    _ => {
                        let hint = FIELDS
                            .iter()
                            .map(|f| (strsim::jaro_winkler(f, other), f))
                            .filter(|(s, _)| *s > 0.8)
                            .max_by(|a, b| a.0.total_cmp(&b.0))
                            .map(|(_, f)| format!("; did you mean `{f}`?"))
                            .unwrap_or_default();
                        return Err(err(format!(
                            "unknown field `{other}` (fields: {}){hint}",
                            FIELDS.join(", ")
                        )));
                    }
                },
            }
        }
        map.id = id.ok_or_else(|| err("`id=<column>` is required".into()))?;
        Ok(map)
    }
}

/// [`split_pairs`] for other `--columns` flags (program import).
pub(crate) fn split_column_pairs(spec: &str) -> Result<Vec<String>, String> {
    split_pairs(spec).map_err(str::to_string)
}

/// Splits on commas outside double quotes, so a column named
/// `"Name, short"` can be mapped.
fn split_pairs(spec: &str) -> Result<Vec<String>, &'static str> {
    let mut pairs = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in spec.chars() {
        match c {
            ',' if !quoted => pairs.push(std::mem::take(&mut current)),
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            _ => current.push(c),
        }
    }
    if quoted {
        return Err("unbalanced double quote");
    }
    pairs.push(current);
    Ok(pairs)
}

impl ColumnMap {
    fn columns(&self) -> Vec<&str> {
        let mut out = vec![self.id.as_str()];
        for c in [
            &self.title,
            &self.statement,
            &self.group,
            &self.parent,
            &self.label,
        ]
        .into_iter()
        .flatten()
        {
            out.push(c);
        }
        out.extend(self.props.iter().map(|(_, c)| c.as_str()));
        out
    }
}

/// Options of the CSV and XLSX readers.
#[derive(Clone, Debug, Default)]
pub struct TableOptions {
    pub base: ReadOptions,
    /// Explicit mapping; without it a preset must match the sheet.
    pub columns: Option<ColumnMap>,
    /// A preset by name (see [`PRESETS`]); detected from the header if absent.
    pub preset: Option<String>,
    /// XLSX: the sheet to read; by default the first whose header matches.
    pub sheet: Option<String>,
    /// Rows to skip after the header (e.g. a row of column descriptions).
    pub skip_rows: usize,
    /// CSV field separator; guessed from the first line (`,`, `;` or tab)
    /// when absent, since spreadsheet exports in many locales use `;`.
    pub delimiter: Option<u8>,
}

/// Built-in presets: (name, description).
pub const PRESETS: &[(&str, &str)] = &[(
    "nist-csf-2.0",
    "NIST CSF 2.0 as exported by NIST's CSF 2.0 Reference Tool (columns Function, Category, Subcategory, Implementation Examples, Informative References)",
)];

/// One sheet: rows of trimmed cell text with their 1-based row numbers.
struct Grid {
    rows: Vec<(usize, Vec<String>)>,
    /// What to call a row in messages ("row" or "line").
    what: &'static str,
}

impl Grid {
    fn header(&self, wanted: &[&str]) -> Option<(usize, HashMap<String, usize>)> {
        self.rows
            .iter()
            .take(HEADER_SCAN_ROWS)
            .enumerate()
            .find_map(|(pos, (_, cells))| {
                let index: HashMap<String, usize> = cells
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| !c.is_empty())
                    .map(|(i, c)| (norm(c), i))
                    .collect();
                wanted
                    .iter()
                    .all(|w| index.contains_key(&norm(w)))
                    .then_some((pos, index))
            })
    }
}

fn norm(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

pub fn read_csv(path: &Path, opts: &TableOptions) -> Result<Framework, SourceError> {
    csv_from_bytes(path, read_bytes(path)?, opts)
}

/// [`read_csv`] of bytes already read from `path`.
pub(crate) fn csv_from_bytes(
    path: &Path,
    bytes: Vec<u8>,
    opts: &TableOptions,
) -> Result<Framework, SourceError> {
    let sha = sha256_hex(&bytes);
    let rows = csv_rows(path, &bytes, opts.delimiter)?;
    let grid = Grid { rows, what: "line" };
    read_grid(path, opts, vec![(String::new(), grid)], sha)
}

/// The lines of a CSV file as trimmed cells with their 1-based line
/// numbers; the separator is `delimiter`, or guessed from the first line.
pub(crate) fn csv_rows(
    path: &Path,
    bytes: &[u8],
    delimiter: Option<u8>,
) -> Result<Vec<(usize, Vec<String>)>, SourceError> {
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(bytes));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(i as u64 + 1);
            SourceError::syntax(
                path,
                format!("line {line}: {}", crate::excerpt::message(&e.to_string())),
            )
        })?;
        let line = record
            .position()
            .map(|p| p.line() as usize)
            .unwrap_or(i + 1);
        let cells = record
            .iter()
            .map(|c| c.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        rows.push((line, cells));
    }
    Ok(rows)
}

fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let first = bytes
        .split(|b| *b == b'\n')
        .find(|l| l.iter().any(|b| !b.is_ascii_whitespace()))
        .unwrap_or_default();
    let count = |d: u8| first.iter().filter(|b| **b == d).count();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| (count(*d), *d == b','))
        .unwrap_or(b',')
}

pub fn read_xlsx(path: &Path, opts: &TableOptions) -> Result<Framework, SourceError> {
    xlsx_from_bytes(path, read_bytes(path)?, opts)
}

/// [`read_xlsx`] of bytes already read from `path`.
pub(crate) fn xlsx_from_bytes(
    path: &Path,
    bytes: Vec<u8>,
    opts: &TableOptions,
) -> Result<Framework, SourceError> {
    let sha = sha256_hex(&bytes);
    let mut book = open_book(path, bytes)?;
    let names = book.sheet_names();
    let wanted: Vec<String> = match &opts.sheet {
        Some(s) => {
            if !names.contains(s) {
                let listed: Vec<String> = names.iter().map(|n| crate::excerpt::text(n)).collect();
                return Err(SourceError::invalid(
                    path,
                    "sheet",
                    format!("no sheet `{s}` (sheets: {})", listed.join(", ")),
                ));
            }
            vec![s.clone()]
        }
        None => names,
    };
    let mut sheets = Vec::new();
    for name in wanted {
        let grid = read_sheet(path, &mut book, &name, cell_text)?;
        sheets.push((name, grid));
    }
    read_grid(path, opts, sheets, sha)
}

/// The workbook in `bytes`, once its zip directory has passed `check_zip`.
fn open_book(
    path: &Path,
    bytes: Vec<u8>,
) -> Result<calamine::Xlsx<std::io::Cursor<Vec<u8>>>, SourceError> {
    check_zip(path, &bytes)?;
    calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| {
        SourceError::syntax(
            path,
            format!(
                "not a readable XLSX workbook: {}",
                crate::excerpt::message(&e.to_string())
            ),
        )
    })
}

/// One sheet of a workbook: its name and its non-empty rows (1-based row
/// number, cells as text).
pub(crate) type SheetRows = (String, Vec<(usize, Vec<String>)>);

/// Every sheet of the XLSX workbook `bytes` (read from `path`), under the
/// same zip-bomb and size guards as a framework sheet: for readers of
/// other kinds of workbook (crosswalks).
pub(crate) fn workbook_sheets(path: &Path, bytes: Vec<u8>) -> Result<Vec<SheetRows>, SourceError> {
    workbook_sheets_with(path, bytes, cell_text)
}

/// [`workbook_sheets`] with dates and times written as ISO 8601 text
/// (`2026-03-01`, `2026-03-01T09:30:00`) rather than Excel serial numbers:
/// for sheets whose cells are dates (program import).
pub(crate) fn workbook_sheets_dated(
    path: &Path,
    bytes: Vec<u8>,
) -> Result<Vec<SheetRows>, SourceError> {
    workbook_sheets_with(path, bytes, dated_cell_text)
}

fn workbook_sheets_with(
    path: &Path,
    bytes: Vec<u8>,
    text: fn(&Data) -> String,
) -> Result<Vec<SheetRows>, SourceError> {
    let mut book = open_book(path, bytes)?;
    let mut out = Vec::new();
    for name in book.sheet_names() {
        let grid = read_sheet(path, &mut book, &name, text)?;
        out.push((name, grid.rows));
    }
    Ok(out)
}

/// The widest sheet read: column AMJ. Framework sheets use a few dozen
/// columns; a value beyond this is a stray cell.
pub(super) const MAX_SHEET_COLUMNS: u32 = 1024;
/// The most cells the rows of one sheet may span (about 100 MB of empty
/// cells at worst).
pub(super) const MAX_SHEET_CELLS: usize = 4_000_000;

/// One sheet's rows, read cell by cell: calamine's `worksheet_range` would
/// allocate the whole used range first, so one value in `XFD1048576`
/// asks for 17 billion cells. Only cells holding a value are kept, and
/// only rows that have one.
fn read_sheet<RS: std::io::Read + std::io::Seek>(
    path: &Path,
    book: &mut calamine::Xlsx<RS>,
    name: &str,
    cell_text: fn(&Data) -> String,
) -> Result<Grid, SourceError> {
    let shown = crate::excerpt::text(name);
    let syntax = |e: calamine::XlsxError| {
        SourceError::syntax(
            path,
            format!(
                "sheet `{shown}`: {}",
                crate::excerpt::message(&e.to_string())
            ),
        )
    };
    let mut cells = book.worksheet_cells_reader(name).map_err(syntax)?;
    // Row → (width so far, its cells).
    let mut rows: std::collections::BTreeMap<u32, (u32, Vec<(u32, String)>)> = Default::default();
    let mut spanned = 0usize;
    while let Some(cell) = cells.next_cell().map_err(syntax)? {
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.is_empty() {
            continue;
        }
        let (row, col) = cell.get_position();
        if col >= MAX_SHEET_COLUMNS {
            return Err(SourceError::invalid(
                path,
                format!("sheet `{shown}`, cell {}", cell_ref(row, col)),
                format!(
                    "a value in column {}, beyond the {MAX_SHEET_COLUMNS} columns (up to {}) Aegis reads; delete that stray cell, or copy the controls into a new sheet, and import again",
                    column_name(col),
                    column_name(MAX_SHEET_COLUMNS - 1)
                ),
            ));
        }
        let (width, row_cells) = rows.entry(row).or_default();
        spanned += (col + 1).saturating_sub(*width) as usize;
        *width = (*width).max(col + 1);
        row_cells.push((col, text));
        if spanned > MAX_SHEET_CELLS {
            return Err(SourceError::invalid(
                path,
                format!("sheet `{shown}`, cell {}", cell_ref(row, col)),
                format!(
                    "the sheet's rows span more than {MAX_SHEET_CELLS} cells, far more than a framework needs; import a sheet holding only the controls"
                ),
            ));
        }
    }
    let rows = rows
        .into_iter()
        .map(|(row, (width, cells))| {
            let mut line = vec![String::new(); width as usize];
            for (c, text) in cells {
                line[c as usize] = text;
            }
            (row as usize + 1, line)
        })
        .collect();
    Ok(Grid { rows, what: "row" })
}

/// `A`, `Z`, `AA`, ... for a 0-based column.
pub(crate) fn column_name(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// `XFD1048576` for 0-based (row, column).
pub(super) fn cell_ref(row: u32, col: u32) -> String {
    format!("{}{}", column_name(col), u64::from(row) + 1)
}

/// Workbooks bigger than this once unzipped are refused.
pub(super) const MAX_UNZIPPED_BYTES: u64 = 512 * 1024 * 1024;
const MAX_ZIP_ENTRIES: usize = 10_000;

/// Refuses zip bombs before calamine inflates anything: sums the sizes the
/// central directory declares (a small file that claims gigabytes) and
/// caps the entry count. Returns the entries' names (which kind of
/// workbook the zip holds is judged by them).
pub(super) fn check_zip(path: &Path, bytes: &[u8]) -> Result<Vec<String>, SourceError> {
    let bad = |m: &str| SourceError::syntax(path, format!("not a readable workbook: {m}"));
    let u16_at = |at: usize| {
        bytes
            .get(at..at + 2)
            .map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let u32_at = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
    };
    // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
    let tail_start = bytes.len().saturating_sub(65_557);
    let eocd = (tail_start..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| bytes[i..].starts_with(b"PK\x05\x06"))
        .ok_or_else(|| bad("no zip directory"))?;
    let (Some(count), Some(offset)) = (u16_at(eocd + 10), u32_at(eocd + 16)) else {
        return Err(bad("truncated zip directory"));
    };
    if count == 0xFFFF || offset == 0xFFFF_FFFF {
        return Err(bad("ZIP64 archives are not supported"));
    }
    if count as usize > MAX_ZIP_ENTRIES {
        return Err(bad(&format!(
            "{count} entries, more than {MAX_ZIP_ENTRIES}"
        )));
    }
    let mut at = offset as usize;
    let mut total: u64 = 0;
    let mut names = Vec::with_capacity(count as usize);
    for _ in 0..count {
        if !bytes
            .get(at..)
            .is_some_and(|b| b.starts_with(b"PK\x01\x02"))
        {
            return Err(bad("corrupt zip directory"));
        }
        let (Some(size), Some(n), Some(m), Some(k)) = (
            u32_at(at + 24),
            u16_at(at + 28),
            u16_at(at + 30),
            u16_at(at + 32),
        ) else {
            return Err(bad("truncated zip directory"));
        };
        if size == 0xFFFF_FFFF {
            return Err(bad("ZIP64 archives are not supported"));
        }
        total = total.saturating_add(size);
        if total > MAX_UNZIPPED_BYTES {
            return Err(SourceError::TooLarge {
                path: path.to_path_buf(),
                size: total,
                max: MAX_UNZIPPED_BYTES,
            });
        }
        let name = bytes
            .get(at + 46..at + 46 + n as usize)
            .ok_or_else(|| bad("truncated zip directory"))?;
        names.push(String::from_utf8_lossy(name).into_owned());
        at += 46 + (n + m + k) as usize;
    }
    Ok(names)
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        // Ids like 3 or 3.10 arrive as numbers; print integers without ".0".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string().trim().to_string(),
    }
}

pub(super) fn dated_cell_text(cell: &Data) -> String {
    match cell {
        Data::DateTime(d) if !d.is_duration() => {
            let (y, mo, day, h, mi, sec, _) = d.to_ymd_hms_milli();
            if (h, mi, sec) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{day:02}")
            } else {
                format!("{y:04}-{mo:02}-{day:02}T{h:02}:{mi:02}:{sec:02}")
            }
        }
        other => cell_text(other),
    }
}

fn read_grid(
    path: &Path,
    opts: &TableOptions,
    sheets: Vec<(String, Grid)>,
    sha: String,
) -> Result<Framework, SourceError> {
    if let Some(columns) = &opts.columns {
        let wanted = columns.columns();
        for (name, grid) in &sheets {
            if let Some((pos, index)) = grid.header(&wanted) {
                return mapped(path, opts, columns, grid, pos, &index, sha);
            }
            let _ = name;
        }
        return Err(SourceError::invalid(
            path,
            "header",
            format!(
                "no row in the first {HEADER_SCAN_ROWS} of {} has all the mapped columns ({})",
                if sheets.len() > 1 {
                    "any sheet"
                } else {
                    "the sheet"
                },
                wanted.join(", ")
            ),
        ));
    }
    if let Some(p) = &opts.preset
        && !PRESETS.iter().any(|(n, _)| n == p)
    {
        return Err(SourceError::invalid(
            path,
            "preset",
            format!(
                "unknown preset `{p}` (presets: {})",
                PRESETS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    for (_, grid) in &sheets {
        if let Some((pos, index)) = grid.header(CSF2_HEADER) {
            return csf2(path, opts, grid, pos, &index, sha);
        }
    }
    Err(SourceError::invalid(
        path,
        "header",
        "no column mapping given and no built-in preset matches the header; pass a mapping such as `id=Control ID,title=Title,statement=Text`",
    ))
}

fn mapped(
    path: &Path,
    opts: &TableOptions,
    columns: &ColumnMap,
    grid: &Grid,
    header_pos: usize,
    index: &HashMap<String, usize>,
    sha: String,
) -> Result<Framework, SourceError> {
    let col = |name: &str| index.get(&norm(name)).copied();
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let id = framework_id(path, &opts.base, &stem)?;
    let title = opts.base.title.clone().unwrap_or_else(|| stem.clone());
    let version = opts.base.version.clone().unwrap_or_default();
    let mut fw = new_framework(id, title, version, sha);
    let mut groups = GroupTable::default();
    let mut origins = Origins::default();
    let mut parents: Vec<(usize, ControlId, String)> = Vec::new();

    for (row, cells) in grid.rows.iter().skip(header_pos + 1 + opts.skip_rows) {
        if cells.iter().all(String::is_empty) {
            continue;
        }
        let at = |field: &str| format!("{} {row}, column `{field}`", grid.what);
        let get = |name: &Option<String>| -> Option<&str> {
            let i = col(name.as_deref()?)?;
            cells.get(i).map(String::as_str).filter(|s| !s.is_empty())
        };
        let raw_id = col(&columns.id)
            .and_then(|i| cells.get(i))
            .map(String::as_str)
            .unwrap_or_default();
        let id = strict_control_id(raw_id)
            .map_err(|m| SourceError::invalid(path, at(&columns.id), m))?;
        origins.add(path, &id, format!("{} {row}", grid.what))?;
        let statement = get(&columns.statement);
        let title = match get(&columns.title) {
            // Titles are one line; spreadsheet cells often wrap them.
            Some(t) => t.split_whitespace().collect::<Vec<_>>().join(" "),
            None => derive_title(statement, id.as_str()),
        };
        let mut control = new_control(id.clone(), title);
        control.statement = statement.map(str::to_string);
        control.label = get(&columns.label).map(str::to_string);
        if let Some(g) = get(&columns.group) {
            control.group = Some(groups.intern(g, None));
        }
        if let Some(p) = get(&columns.parent) {
            let column = columns.parent.clone().unwrap_or_default();
            let pid =
                strict_control_id(p).map_err(|m| SourceError::invalid(path, at(&column), m))?;
            parents.push((*row, pid.clone(), column));
            control.parent = Some(pid);
        }
        for (name, column) in &columns.props {
            if let Some(v) = col(column)
                .and_then(|i| cells.get(i))
                .filter(|v| !v.is_empty())
            {
                control.props.push(prop(name, v));
            }
        }
        fw.controls.push(control);
    }
    for (row, pid, column) in parents {
        if !origins.contains(pid.as_str()) {
            return Err(SourceError::invalid(
                path,
                format!("{} {row}, column `{column}`", grid.what),
                format!(
                    "parent `{}` is not a control in this file",
                    crate::excerpt::text(pid.as_str())
                ),
            ));
        }
    }
    fw.groups = groups.groups;
    finish(path, fw)
}

const CSF2_HEADER: &[&str] = &["Function", "Category", "Subcategory"];

/// NIST's CSF 2.0 export: one row per function, category or subcategory,
/// each in its own column as `CODE: text` (`GV.OC-01: The organizational
/// mission ...`); examples and informative references beside subcategories.
fn csf2(
    path: &Path,
    opts: &TableOptions,
    grid: &Grid,
    header_pos: usize,
    index: &HashMap<String, usize>,
    sha: String,
) -> Result<Framework, SourceError> {
    let col = |name: &str| index.get(&norm(name)).copied();
    let (Some(fcol), Some(ccol), Some(scol)) =
        (col("Function"), col("Category"), col("Subcategory"))
    else {
        return Err(SourceError::invalid(
            path,
            "header",
            "CSF 2.0 columns missing",
        ));
    };
    let examples = col("Implementation Examples");
    let references = col("Informative References");
    let id = framework_id(path, &opts.base, "nist-csf-2.0")?;
    let title = opts
        .base
        .title
        .clone()
        .unwrap_or_else(|| "NIST Cybersecurity Framework (CSF) 2.0".into());
    let version = opts.base.version.clone().unwrap_or_else(|| "2.0".into());
    let mut fw = new_framework(id, title, version, sha);
    fw.publisher = Some("NIST".into());
    if let Some(source) = &mut fw.source {
        source.document = Some("NIST CSF 2.0 Reference Tool export".into());
    }
    let mut origins = Origins::default();
    let mut function: Option<String> = None;
    let mut category: Option<String> = None;

    for (row, cells) in grid.rows.iter().skip(header_pos + 1 + opts.skip_rows) {
        let cell = |i: Option<usize>| {
            i.and_then(|i| cells.get(i))
                .map(String::as_str)
                .unwrap_or("")
        };
        let (f, c, s) = (cell(Some(fcol)), cell(Some(ccol)), cell(Some(scol)));
        if f.is_empty() && c.is_empty() && s.is_empty() {
            if cells.iter().all(String::is_empty) {
                continue;
            }
            return Err(SourceError::invalid(
                path,
                format!("row {row}"),
                "no Function, Category or Subcategory on a row that is not blank",
            ));
        }
        if !f.is_empty() && function.as_deref().is_some_and(|code| closes(f, code)) {
            // The export closes each function with a row holding just
            // `GOVERN (GV)`.
            category = None;
        } else if !f.is_empty() {
            let (code, name, text) =
                split_csf(f).ok_or_else(|| bad_csf(path, *row, "Function", f))?;
            let mut g = super::common::new_group(code.clone(), name, None);
            g.class = Some("function".into());
            if !text.is_empty() {
                g.parts.push(prose_part("overview", None, &text));
            }
            fw.groups.push(g);
            function = Some(code);
            category = None;
        } else if !c.is_empty() {
            let (code, name, text) =
                split_csf(c).ok_or_else(|| bad_csf(path, *row, "Category", c))?;
            let mut g = super::common::new_group(code.clone(), name, function.clone());
            g.class = Some("category".into());
            if text.starts_with("[Withdrawn") {
                g.props.push(prop("status", "withdrawn"));
            }
            if !text.is_empty() {
                g.parts.push(prose_part("overview", None, &text));
            }
            fw.groups.push(g);
            category = Some(code);
        } else {
            let (code, text) = s
                .split_once(':')
                .map(|(a, b)| (a.trim(), b.trim()))
                .ok_or_else(|| bad_csf(path, *row, "Subcategory", s))?;
            let id = strict_control_id(code).map_err(|m| {
                SourceError::invalid(path, format!("row {row}, column `Subcategory`"), m)
            })?;
            origins.add(path, &id, format!("row {row}"))?;
            let mut control = new_control(id.clone(), derive_title(Some(text), id.as_str()));
            control.group = category.clone().or(function.clone());
            control.class = Some("subcategory".into());
            if let Some(rest) = text.strip_prefix("[Withdrawn") {
                control.withdrawn = true;
                if rest.contains("Moved") {
                    control.moved_to = withdrawn_targets(rest);
                } else {
                    control.incorporated_into = withdrawn_targets(rest);
                }
            }
            control.statement = Some(text.to_string());
            let ex = cell(examples);
            if !ex.is_empty() {
                control.parts.push(prose_part("example", None, ex));
            }
            for r in cell(references)
                .lines()
                .map(str::trim)
                .filter(|r| !r.is_empty())
            {
                control.props.push(prop("informative-reference", r));
            }
            fw.controls.push(control);
        }
    }
    finish(path, fw)
}

fn bad_csf(path: &Path, row: usize, column: &str, value: &str) -> SourceError {
    SourceError::invalid(
        path,
        format!("row {row}, column `{column}`"),
        format!(
            "expected `Name (CODE): text`, found `{}`",
            crate::excerpt::text(&derive_title(Some(value), ""))
        ),
    )
}

fn closes(cell: &str, code: &str) -> bool {
    !cell.contains("):") && super::common::group_code(cell).as_deref() == Some(code)
}

/// `GOVERN (GV): The organization's ...` -> (`GV`, `GOVERN`, text).
fn split_csf(cell: &str) -> Option<(String, String, String)> {
    let close = cell.find("):")?;
    let head = &cell[..=close];
    let code = super::common::group_code(head)?;
    let open = head.rfind('(')?;
    let name = head[..open].trim().to_string();
    let text = cell[close + 2..].trim().to_string();
    Some((code, name, text))
}

/// `: Incorporated into GV.OC-01, GV.SC-02]` -> the ids mentioned.
fn withdrawn_targets(rest: &str) -> Vec<ControlId> {
    rest.split(|c: char| c.is_whitespace() || c == ',' || c == ']' || c == ';')
        .map(|t| t.trim_matches(|c: char| c == '.' || c == ':'))
        .filter(|t| t.contains('.') && t.contains('-') && t.chars().any(|c| c.is_ascii_digit()))
        .map(ControlId::from)
        .collect()
}
