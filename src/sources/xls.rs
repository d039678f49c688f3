//! Excel 97-2003 workbooks (`.xls`: BIFF records in an OLE2 compound
//! file), read by calamine only after this module has walked the file the
//! way calamine will and bounded everything calamine allocates from it.
//!
//! calamine's XLS reader parses every sheet when the workbook is opened,
//! and sizes memory from what the file claims rather than from what it
//! holds: it follows sector chains without looking for cycles (a chain
//! that loops grows a buffer forever), reserves what a sheet's DIMENSION
//! record claims (a few bytes can claim four billion rows), allocates each
//! sheet's whole used range (one value in row 65,536 and one in column
//! 65,536 span four billion cells), gives each text cell the capacity its
//! length field claims (64 KiB for a 13-byte record), copies a shared
//! string once for every cell that names it, and expands formula tokens
//! into text (a five-byte token into a 255-character name). Each of those
//! is measured here first, on the same bytes and in the same order, and a
//! workbook over a bound is refused before calamine sees it. What the
//! walk does not check (short records calamine indexes past) makes
//! calamine panic, which is caught and reported as an unreadable workbook.

use super::SourceError;
use super::table::{MAX_SHEET_CELLS, SheetRows};
use calamine::Reader;
use std::io::Cursor;
use std::path::Path;

/// The largest `.xls` read: far beyond any tracker (Excel 97-2003 sheets
/// stop at 65,536 rows), and calamine holds about three copies of it.
pub(crate) const MAX_XLS_BYTES: usize = 64 * 1024 * 1024;
/// The most text calamine may build from the workbook: text cells,
/// shared strings and their copies, formulas spelled out.
const MAX_TEXT_BYTES: u64 = 128 * 1024 * 1024;

const SIGNATURE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const RESERVED: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;

/// Every sheet of the `.xls` workbook `bytes`: non-empty rows (1-based row
/// number, cells as text, dates as ISO 8601), as for XLSX and ODS.
pub(crate) fn xls_sheets_dated(path: &Path, bytes: Vec<u8>) -> Result<Vec<SheetRows>, SourceError> {
    if bytes.len() > MAX_XLS_BYTES {
        return Err(SourceError::syntax(
            path,
            format!(
                "an Excel 97-2003 workbook of {} bytes, over the {MAX_XLS_BYTES} an .xls is read up to; save it as XLSX and import that",
                bytes.len()
            ),
        ));
    }
    let unreadable = |m: &str| {
        SourceError::syntax(
            path,
            format!(
                "not a readable Excel 97-2003 workbook: {}",
                crate::excerpt::message(m)
            ),
        )
    };
    let stream = match workbook_stream(&bytes) {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Err(SourceError::syntax(
                path,
                "an OLE2 file without an Excel workbook in it: a password-protected workbook (Excel encrypts it into one) or another Office 97-2003 document; remove the password, or save the workbook as XLSX or ODS, and import that",
            ));
        }
        Err(m) => return Err(unreadable(&m)),
    };
    match measure(&stream) {
        Ok(()) => {}
        Err(Problem::Password) => return Err(password(path)),
        Err(Problem::Malformed(m)) => return Err(unreadable(&m)),
        Err(Problem::TooBig(m)) => return Err(SourceError::syntax(path, m)),
    }
    enum Failed {
        Read(calamine::XlsError),
        Rows(SourceError),
    }
    // Each sheet's range becomes rows, and is dropped, before the next
    // is copied out of the workbook.
    let read = || -> Result<Vec<SheetRows>, Failed> {
        let mut book = calamine::Xls::new(Cursor::new(bytes)).map_err(Failed::Read)?;
        let mut out = Vec::new();
        for name in book.sheet_names() {
            let range = book.worksheet_range(&name).map_err(Failed::Read)?;
            let rows = super::workbook::rows(path, &name, &range).map_err(Failed::Rows)?;
            out.push((name, rows));
        }
        Ok(out)
    };
    match quietly(read) {
        Some(Ok(sheets)) => Ok(sheets),
        Some(Err(Failed::Read(calamine::XlsError::Password))) => Err(password(path)),
        Some(Err(Failed::Read(e))) => Err(unreadable(&e.to_string())),
        Some(Err(Failed::Rows(e))) => Err(e),
        None => Err(unreadable("its records are malformed")),
    }
}

fn password(path: &Path) -> SourceError {
    SourceError::syntax(
        path,
        "the workbook is password-protected; save a copy without the password and import that",
    )
}

/// `f`'s result, or `None` when it panicked (without the panic's message
/// on standard error: the caller reports it as a refusal).
fn quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    result.ok()
}

// ---- The compound file ----

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Sectors of the compound file `bytes`, numbered as calamine numbers them
/// (sector 0 follows the header).
struct Sectors<'a> {
    bytes: &'a [u8],
    size: usize,
    /// calamine refuses ids above this (the file's length over the size).
    maxid: u32,
    /// Every sector read must be whole: calamine reads what a mini sector
    /// lacks from wherever the file reader stands, so the bytes measured
    /// here would not be the bytes it parses.
    whole: bool,
}

impl<'a> Sectors<'a> {
    fn get(&self, id: u32) -> Result<&'a [u8], String> {
        let start = (id as usize + 1) * self.size;
        let end = (start + self.size).min(self.bytes.len());
        let sector = self.bytes.get(start..end).unwrap_or_default();
        if id > self.maxid || (self.whole && sector.len() < self.size) {
            return Err(format!("sector {id} is past the end of the file"));
        }
        Ok(sector)
    }

    /// The chain from `start` (through `fat`) read up to `len` bytes, as
    /// calamine reads it; refused when it loops, leaves the file or the
    /// table, so that calamine's own walk ends and stays in bounds.
    fn chain(&self, start: u32, fat: &[u32], len: usize) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        let mut seen = vec![false; fat.len()];
        let mut id = start;
        while id != ENDOFCHAIN {
            let sector = self.get(id)?;
            let slot = seen
                .get_mut(id as usize)
                .ok_or_else(|| format!("sector {id} is outside the allocation table"))?;
            if *slot {
                return Err(format!("the sector chain loops back to sector {id}"));
            }
            *slot = true;
            let take = sector.len().min(len - out.len());
            out.extend_from_slice(&sector[..take]);
            if out.len() >= len {
                break;
            }
            id = fat[id as usize];
        }
        Ok(out)
    }
}

/// The `Workbook` (or BIFF5 `Book`) stream of the compound file, found as
/// calamine finds it; `None` when the file has neither.
fn workbook_stream(bytes: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let header = bytes
        .get(..512)
        .filter(|h| h.starts_with(SIGNATURE))
        .ok_or("not an OLE2 compound file")?;
    let size: usize = match u16_at(header, 30) {
        Some(9) => 512,
        Some(12) => 4096,
        _ => return Err("the sector size is neither 512 nor 4096 bytes".into()),
    };
    if u16_at(header, 32) != Some(6) {
        return Err("the mini sector size is not 64 bytes".into());
    }
    let sectors = Sectors {
        bytes,
        size,
        maxid: (bytes.len() / size) as u32,
        whole: false,
    };
    // Sectors the file really holds: the most a table may list.
    let held = bytes.len().saturating_sub(size).div_ceil(size);
    let word = |at: usize| u32_at(header, at).unwrap_or(ENDOFCHAIN);
    let (dir_start, mini_fat_start, mini_fat_len, mut difat_next) =
        (word(48), word(60), word(64) as usize, word(68));
    let mut difat: Vec<u32> = (76..512).step_by(4).map(word).collect();
    let mut difat_sectors = 0;
    while difat_next < RESERVED {
        difat_sectors += 1;
        if difat_sectors > held {
            return Err("the sector allocation index loops".into());
        }
        let sector = sectors.get(difat_next)?;
        difat.extend(sector.chunks_exact(4).filter_map(|c| u32_at(c, 0)));
        difat_next = difat.pop().ok_or("the sector allocation index is empty")?;
    }
    // calamine appends every listed table sector: listing one many times
    // would multiply the table.
    let listed: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
    let mut unique = listed.clone();
    unique.sort_unstable();
    unique.dedup();
    if unique.len() != listed.len() || listed.len() > held {
        return Err("the sector allocation table lists a sector twice".into());
    }
    let mut fat = Vec::new();
    for id in listed {
        fat.extend(
            sectors
                .get(id)?
                .chunks_exact(4)
                .filter_map(|c| u32_at(c, 0)),
        );
    }
    let dirs = sectors.chain(dir_start, &fat, usize::MAX)?;
    // (name, start, length) of each directory entry.
    let entries: Vec<(String, u32, u64)> = dirs
        .chunks_exact(128)
        .map(|e| {
            let units: Vec<u16> = e[..64]
                .chunks_exact(2)
                .filter_map(|c| u16_at(c, 0))
                .collect();
            let mut name = String::from_utf16_lossy(&units);
            if let Some(nul) = name.find('\0') {
                name.truncate(nul);
            }
            let start = u32_at(e, 116).unwrap_or(ENDOFCHAIN);
            let len = if size == 512 {
                u64::from(u32_at(e, 120).unwrap_or(0))
            } else {
                u64::from_le_bytes(e[120..128].try_into().unwrap_or_default())
            };
            (name, start, len)
        })
        .collect();
    let Some(root) = entries.first() else {
        return Err("the directory is empty".into());
    };
    let fits = |len: u64| usize::try_from(len).ok().filter(|l| *l <= bytes.len());
    let (ministream, mini_fat) = if mini_fat_len > 0 {
        let root_len = fits(root.2).ok_or("the mini stream is longer than the file")?;
        let ministream = sectors.chain(root.1, &fat, root_len)?;
        let mini_fat_bytes = mini_fat_len
            .checked_mul(size)
            .filter(|l| *l <= bytes.len())
            .ok_or("the mini allocation table is longer than the file")?;
        let table = sectors.chain(mini_fat_start, &fat, mini_fat_bytes)?;
        let mini_fat: Vec<u32> = table.chunks_exact(4).filter_map(|c| u32_at(c, 0)).collect();
        (ministream, mini_fat)
    } else {
        (Vec::new(), Vec::new())
    };
    let find = |name: &str| {
        entries
            .iter()
            .find(|e| e.0.as_bytes().eq_ignore_ascii_case(name.as_bytes()))
    };
    let Some(entry) = find("Workbook").or_else(|| find("Book")) else {
        return Ok(None);
    };
    let len = fits(entry.2).ok_or("the workbook stream is longer than the file")?;
    let stream = if len < 4096 {
        // Mini sector ids count from the mini stream's start.
        let mut padded = vec![0u8; 64];
        padded.extend_from_slice(&ministream);
        let minis = Sectors {
            bytes: &padded,
            size: 64,
            maxid: sectors.maxid.saturating_mul(8),
            whole: true,
        };
        minis.chain(entry.1, &mini_fat, len)?
    } else {
        sectors.chain(entry.1, &fat, len)?
    };
    Ok(Some(stream))
}

// ---- The BIFF records ----

enum Problem {
    Password,
    Malformed(String),
    TooBig(String),
}

impl Problem {
    /// The problem, said of sheet `name`.
    fn in_sheet(self, name: &str) -> Problem {
        let name = crate::excerpt::text(name);
        match self {
            Problem::Malformed(m) => Problem::Malformed(format!("sheet `{name}`: {m}")),
            Problem::TooBig(m) => Problem::TooBig(format!("sheet `{name}`: {m}")),
            p => p,
        }
    }
}

/// A BoundSheet8 record's sheet name (a ShortXLUnicodeString), for messages.
fn sheet_name(data: &[u8]) -> String {
    let cch = data.get(6).copied().unwrap_or(0) as usize;
    let wide = data.get(7).is_some_and(|f| f & 1 != 0);
    let chars = data.get(8..).unwrap_or_default();
    if wide {
        let units: Vec<u16> = chars
            .chunks_exact(2)
            .take(cch)
            .filter_map(|c| u16_at(c, 0))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        chars.iter().take(cch).map(|b| char::from(*b)).collect()
    }
}

/// One record: its type, its data, and the CONTINUE records after it.
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    cont: Vec<&'a [u8]>,
}

/// The records of `stream` as calamine's iterator splits them.
fn records(mut stream: &[u8]) -> impl Iterator<Item = Result<Record<'_>, Problem>> {
    std::iter::from_fn(move || {
        if stream.is_empty() {
            return None;
        }
        let bad = || {
            Some(Err(Problem::Malformed(
                "a record runs past the end of the stream".into(),
            )))
        };
        let (Some(typ), Some(len)) = (u16_at(stream, 0), u16_at(stream, 2)) else {
            return bad();
        };
        let Some(data) = stream.get(4..4 + len as usize) else {
            return bad();
        };
        stream = &stream[4 + len as usize..];
        let mut cont = Vec::new();
        while stream.len() > 4 && u16_at(stream, 0) == Some(0x003C) {
            let n = u16_at(stream, 2).unwrap_or(0) as usize;
            let Some(c) = stream.get(4..4 + n) else {
                return bad();
            };
            cont.push(c);
            stream = &stream[4 + n..];
        }
        Some(Ok(Record { typ, data, cont }))
    })
}

/// What calamine will build from the stream, measured.
#[derive(Default)]
struct Tally {
    /// Bytes of text: cell strings, shared strings and their copies,
    /// formulas spelled out.
    text: u64,
    /// Cells of every sheet's used range.
    cells: u64,
    /// Bytes of sheet records walked, and the most that may be: sheets
    /// that overlap (a million BoundSheet records naming one long sheet)
    /// would have calamine parse the same records again and again.
    walked: u64,
    walk_limit: u64,
}

impl Tally {
    fn text(&mut self, bytes: u64) -> Result<(), Problem> {
        self.text = self.text.saturating_add(bytes);
        if self.text > MAX_TEXT_BYTES {
            return Err(Problem::TooBig(format!(
                "the workbook's text would take more than {MAX_TEXT_BYTES} bytes to read (its cells, shared strings and formulas as the reader holds them); save it as XLSX and import that"
            )));
        }
        Ok(())
    }
}

fn too_many(what: &str) -> Problem {
    Problem::TooBig(format!(
        "{what} more than {MAX_SHEET_CELLS} cells, far more than a program needs; save the sheets you import as XLSX and import that"
    ))
}

/// Walks the workbook globals and each sheet as calamine will, refusing
/// what would make it allocate beyond the bounds.
fn measure(stream: &[u8]) -> Result<(), Problem> {
    let mut tally = Tally {
        walk_limit: 2 * stream.len() as u64,
        ..Tally::default()
    };
    let mut sheets = Vec::new();
    let mut strings: Vec<u64> = Vec::new();
    let mut names = 0usize;
    for r in records(stream) {
        let r = r?;
        match r.typ {
            0x002F if u16_at(r.data, 0).is_some_and(|v| v != 0) => return Err(Problem::Password),
            0x0085 => {
                let pos = u32_at(r.data, 0).ok_or_else(|| short("BoundSheet8"))? as usize;
                if pos > stream.len() {
                    return Err(Problem::Malformed(
                        "a sheet starts past the end of the workbook".into(),
                    ));
                }
                names = names.max(r.data.get(6).copied().unwrap_or(0) as usize);
                sheets.push((pos, sheet_name(r.data)));
            }
            0x0018 => {
                let name = r.data.get(3).copied().unwrap_or(0) as u64;
                names = names.max(name as usize);
                // The name, and its formula: a reference, after a sheet name.
                tally.text(name * 3 + 255 * 3 + 64 + 72)?;
            }
            0x00FC => strings = shared_strings(&r, &mut tally)?,
            0x000A => break,
            _ => {}
        }
    }
    // The longest text one formula token can stand for: a defined name or
    // a sheet name (up to 255 characters, 3 bytes each in UTF-8) and a
    // reference, over the five bytes such a token takes at least; other
    // tokens spell out at most 40 bytes a byte (a number, nine bytes, is
    // written out in full: 1e308 is 309 digits).
    let per_byte = (names as u64 * 3 + 32).div_ceil(5).max(40);
    for (pos, name) in sheets {
        sheet(&stream[pos..], &strings, per_byte, &mut tally).map_err(|p| p.in_sheet(&name))?;
    }
    Ok(())
}

fn short(what: &str) -> Problem {
    Problem::Malformed(format!("a {what} record is too short"))
}

/// The shared string table's entries (their length in bytes at most, as
/// text), read as calamine reads them.
fn shared_strings(r: &Record<'_>, tally: &mut Tally) -> Result<Vec<u64>, Problem> {
    let mut data = r.data.get(8..).ok_or_else(|| short("SST"))?;
    let mut cont = r.cont.iter();
    let mut out = Vec::new();
    loop {
        if data.is_empty() {
            match cont.next() {
                Some(c) => data = c,
                None => break,
            }
            if data.is_empty() {
                out.push(0);
                continue;
            }
        }
        let cch = u16_at(data, 0).ok_or_else(|| short("SST"))? as usize;
        let flags = *data.get(2).ok_or_else(|| short("SST"))?;
        data = &data[3..];
        let mut runs = 0;
        if flags & 0x8 != 0 {
            runs = u16_at(data, 0).ok_or_else(|| short("SST"))? as usize;
            data = &data[2..];
        }
        let mut ext = 0;
        if flags & 0x4 != 0 {
            ext = u32_at(data, 0).ok_or_else(|| short("SST"))? as usize;
            data = &data[4..];
        }
        let mut wide = flags & 0x1 != 0;
        let mut left = cch;
        while left > 0 {
            let width = if wide { 2 } else { 1 };
            let k = left.min(data.len() / width);
            data = &data[k * width..];
            left -= k;
            if left > 0 {
                data = cont
                    .next()
                    .filter(|c| !c.is_empty())
                    .ok_or_else(|| short("SST"))?;
                wide = data[0] & 0x1 != 0;
                data = &data[1..];
            }
        }
        skip(runs.saturating_mul(4), &mut data, &mut cont)?;
        skip(ext, &mut data, &mut cont)?;
        // The string's capacity is its length in characters, its text up
        // to three bytes a character; the table itself a pointer triple.
        let bytes = cch as u64 * 3;
        tally.text(bytes + 24)?;
        out.push(bytes);
        if out.len() > MAX_SHEET_CELLS {
            return Err(too_many("the shared string table holds"));
        }
    }
    Ok(out)
}

/// Skips `n` bytes of a record, into its CONTINUE records as calamine does.
fn skip<'a>(
    mut n: usize,
    data: &mut &'a [u8],
    cont: &mut std::slice::Iter<'_, &'a [u8]>,
) -> Result<(), Problem> {
    while n > 0 {
        if data.is_empty() {
            *data = cont.next().ok_or_else(|| short("SST"))?;
            continue;
        }
        let k = n.min(data.len());
        *data = &data[k..];
        n -= k;
    }
    Ok(())
}

/// One sheet's substream, as calamine parses it (a chart inside it is
/// skipped, as calamine skips it).
fn sheet(stream: &[u8], strings: &[u64], per_byte: u64, tally: &mut Tally) -> Result<(), Problem> {
    let mut seen_bof = false;
    let mut depth = 0usize;
    let mut cells = 0usize;
    // Rows and columns spanned: (first, last).
    let mut span: Option<((u32, u32), (u32, u32))> = None;
    let mut formula_at = (0u32, 0u32);
    let mut at = |row: u32, col: u32| {
        span = Some(match span {
            None => ((row, row), (col, col)),
            Some(((r0, r1), (c0, c1))) => ((r0.min(row), r1.max(row)), (c0.min(col), c1.max(col))),
        });
    };
    let pos = |d: &[u8]| Some((u32::from(u16_at(d, 0)?), u32::from(u16_at(d, 2)?)));
    // A text cell's string: calamine reserves the length it claims.
    let text = |d: &[u8], tally: &mut Tally| {
        let cch = u16_at(d, 0).map_or(0, u64::from);
        tally.text(cch * 3 + 24)
    };
    for r in records(stream) {
        let r = r?;
        let size = 4 + r.data.len() + r.cont.iter().map(|c| 4 + c.len()).sum::<usize>();
        tally.walked = tally.walked.saturating_add(size as u64);
        if tally.walked > tally.walk_limit {
            return Err(Problem::Malformed(
                "its sheets overlap: the same records are named by several sheets".into(),
            ));
        }
        if depth > 0 {
            match r.typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let d = r.data;
        match r.typ {
            0x0809 if seen_bof => depth += 1,
            0x0809 => seen_bof = true,
            0x0200 => {
                let (first_row, last_row, first_col, last_col) = match d.len() {
                    10 => (
                        u32::from(u16_at(d, 0).unwrap_or(0)),
                        u32::from(u16_at(d, 2).unwrap_or(0)),
                        u32::from(u16_at(d, 4).unwrap_or(0)),
                        u32::from(u16_at(d, 6).unwrap_or(0)),
                    ),
                    14 | 16 => (
                        u32_at(d, 0).unwrap_or(0),
                        u32_at(d, 4).unwrap_or(0),
                        u32::from(u16_at(d, 8).unwrap_or(0)),
                        u32::from(u16_at(d, 10).unwrap_or(0)),
                    ),
                    _ => continue, // calamine stops at it with an error
                };
                let first_col = if first_col > 0xFF || last_col < first_col {
                    0
                } else {
                    first_col
                };
                // What calamine reserves: (last - first + 1) rows by columns.
                let rows =
                    u64::from(last_row.saturating_sub(1)).saturating_sub(u64::from(first_row)) + 1;
                let cols =
                    u64::from(last_col.saturating_sub(1)).saturating_sub(u64::from(first_col)) + 1;
                if last_row >= 1
                    && last_col >= 1
                    && (last_row - 1 < first_row
                        || rows.saturating_mul(cols) > MAX_SHEET_CELLS as u64)
                {
                    return Err(too_many("its DIMENSION record claims"));
                }
            }
            0x0203 | 0x0205 | 0x027E | 0x00FD | 0x0204 | 0x00D6 | 0x0006 => {
                let Some((row, col)) = pos(d) else { continue };
                at(row, col);
                cells += 1;
                match r.typ {
                    0x0204 | 0x00D6 => text(d.get(6..).unwrap_or_default(), tally)?,
                    0x00FD => {
                        let i = u32_at(d, 6).unwrap_or(u32::MAX) as usize;
                        tally.text(strings.get(i).copied().unwrap_or(0))?;
                    }
                    0x0006 => {
                        formula_at = (row, col);
                        let rgce = d.len().saturating_sub(20) as u64;
                        // Spelled out, then copied once as its arguments move.
                        tally.text(rgce.saturating_mul(per_byte).saturating_mul(2) + 24)?;
                    }
                    _ => {}
                }
            }
            0x0207 => {
                at(formula_at.0, formula_at.1);
                cells += 1;
                text(d, tally)?;
            }
            0x00BD => {
                let (Some((row, first)), Some(last)) =
                    (pos(d), d.len().checked_sub(2).and_then(|e| u16_at(d, e)))
                else {
                    continue;
                };
                if u32::from(last) < first {
                    return Err(Problem::Malformed(
                        "a MulRk record's columns run backwards".into(),
                    ));
                }
                at(row, first);
                at(row, u32::from(last));
                cells += (u32::from(last) - first + 1) as usize;
            }
            0x000A => break,
            _ => {}
        }
        if cells > MAX_SHEET_CELLS {
            return Err(too_many("it holds"));
        }
    }
    if let Some(((r0, r1), (c0, c1))) = span {
        let area = u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1);
        tally.cells = tally.cells.saturating_add(area);
        if area > MAX_SHEET_CELLS as u64 {
            return Err(too_many("its values span"));
        }
        if tally.cells > MAX_SHEET_CELLS as u64 {
            return Err(too_many(
                "with the sheets before it, the workbook's values span",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record: type, length, data.
    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        d.extend([0u8; 10]);
        record(0x0203, &d)
    }

    fn measured(sheet: &[Vec<u8>]) -> Result<(), Problem> {
        let mut s = record(0x0809, &[0, 6, 0x10, 0]);
        for r in sheet {
            s.extend(r);
        }
        s.extend(record(0x000A, &[]));
        let mut t = Tally {
            walk_limit: u64::MAX,
            ..Tally::default()
        };
        super::sheet(&s, &[], 40, &mut t)
    }

    #[test]
    fn a_used_range_past_the_bound_is_refused() {
        assert!(measured(&[number(0, 0), number(10, 20)]).is_ok());
        let far = measured(&[number(0, 0), number(65535, 255)]);
        assert!(matches!(far, Err(Problem::TooBig(_))));
        let wide = measured(&[number(0, 0), number(0, 65535), number(100, 0)]);
        assert!(matches!(wide, Err(Problem::TooBig(_))));
    }

    #[test]
    fn a_dimension_record_claiming_more_than_the_bound_is_refused() {
        let mut d = 0u32.to_le_bytes().to_vec();
        d.extend(65536u32.to_le_bytes());
        d.extend(0u16.to_le_bytes());
        d.extend(256u16.to_le_bytes());
        d.extend([0, 0]);
        let claimed = measured(&[record(0x0200, &d), number(0, 0)]);
        assert!(matches!(claimed, Err(Problem::TooBig(_))));
        // Last before first: calamine's subtraction would wrap.
        let mut d = 10u32.to_le_bytes().to_vec();
        d.extend(5u32.to_le_bytes());
        d.extend([0, 0, 1, 0, 0, 0]);
        assert!(matches!(
            measured(&[record(0x0200, &d)]),
            Err(Problem::TooBig(_))
        ));
    }

    #[test]
    fn a_text_cell_claiming_more_than_it_holds_counts_what_it_claims() {
        // A Label claiming 65,535 characters in 4 bytes, many times over.
        let mut d = vec![0u8; 6];
        d.extend(u16::MAX.to_le_bytes());
        d.extend([0, b'x']);
        let labels: Vec<Vec<u8>> = (0..1000).map(|_| record(0x0204, &d)).collect();
        assert!(matches!(measured(&labels), Err(Problem::TooBig(_))));
    }

    #[test]
    fn sheets_that_overlap_are_refused() {
        let sheet_records: Vec<u8> = [
            record(0x0809, &[0, 6, 0x10, 0]),
            (0..1000).flat_map(|_| record(0x0001, &[0; 8])).collect(),
            record(0x000A, &[]),
        ]
        .concat();
        let bound = |pos: u32, n: usize| -> Vec<u8> {
            (0..n)
                .flat_map(|i| {
                    let mut d = pos.to_le_bytes().to_vec();
                    d.extend([0, 0, 1, 0, b'a' + i as u8]);
                    record(0x0085, &d)
                })
                .collect()
        };
        let book = |n: usize| {
            // BOF, the BoundSheet records, EOF: 4 + 4, 13 each, 4 bytes.
            let globals = 8 + 13 * n + 4;
            [
                record(0x0809, &[0, 6, 5, 0]),
                bound(globals as u32, n),
                record(0x000A, &[]),
                sheet_records.clone(),
            ]
            .concat()
        };
        assert!(measure(&book(1)).is_ok());
        assert!(matches!(measure(&book(10)), Err(Problem::Malformed(_))));
    }

    #[test]
    fn a_panic_in_the_reader_is_caught() {
        assert_eq!(quietly(|| 7), Some(7));
        let caught: Option<()> = quietly(|| {
            let short: &[u8] = &[1];
            let _ = short[4];
        });
        assert!(caught.is_none());
    }

    #[test]
    fn a_looping_sector_chain_is_refused() {
        let mut bytes = vec![0u8; 512 * 3];
        bytes[..8].copy_from_slice(SIGNATURE);
        bytes[30] = 9;
        bytes[32] = 6;
        // FAT in sector 0; the directory chain starts at 1 and loops.
        bytes[48..52].copy_from_slice(&1u32.to_le_bytes());
        bytes[68..72].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        bytes[76..80].copy_from_slice(&0u32.to_le_bytes());
        for i in 1..109 {
            bytes[76 + 4 * i..80 + 4 * i].copy_from_slice(&u32::MAX.to_le_bytes());
        }
        let fat = 512;
        bytes[fat..fat + 4].copy_from_slice(&0xFFFF_FFFDu32.to_le_bytes());
        bytes[fat + 4..fat + 8].copy_from_slice(&1u32.to_le_bytes());
        let e = workbook_stream(&bytes).err().unwrap_or_default();
        assert!(e.contains("loops"), "{e}");
    }
}
