//! `aegis program import` of Excel 97-2003 workbooks (`.xls`, BIFF8).
//! `tests/fixtures/program-import/xls/program.xls` was written by xlwt
//! 1.3.0 from `make.py` beside it (`pip install xlwt; python3 make.py`),
//! not by hand: the same messy tracker as the ODS test (a title row,
//! merged group headers, a typo, a blank row, date cells, an unknown
//! control) plus a number, a formula and a second sheet. Hostile variants
//! are made here from it: a DIMENSION record claiming 65,536 rows by 256
//! columns, one cell moved to the last row and column, the file cut in
//! half; and a password-protected XLSX (an OLE2 file with no workbook
//! stream) is built here too. Each is refused with a message, quickly,
//! writing nothing.

use crate::harness::{Output, copy_fixture, fixtures};
use crate::program_import_ods::records;
use crate::snapshot;
use std::path::Path;
use std::time::{Duration, Instant};

/// The ODS test's import (the same columns) of `book`.
fn import(repo: &Path, book: &Path) -> Output {
    crate::program_import_ods::import(repo, book, &[])
}

fn program() -> Vec<u8> {
    std::fs::read(fixtures().join("program-import/xls/program.xls")).expect("program.xls")
}

#[test]
fn an_xls_program_imports_validates_and_reimports_unchanged() {
    let dir = copy_fixture("program-import/repo");
    let repo = dir.path();
    let work = tempfile::tempdir().expect("tempdir");
    // Named .bin: the workbook is known by its content, not its name.
    let book = work.path().join("program-export.bin");
    std::fs::write(&book, program()).expect("write");
    let out = import(repo, &book);
    // One row is refused (an unknown control): exit 1, the rest written.
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let shown = out
        .stdout
        .replace(&work.path().display().to_string(), "[WORK]");
    snapshot!("xls_import", shown);
    crate::program_import_ods::imported_the_tracker(repo, &book);
}

/// A compound file holding only `EncryptedPackage`, as Excel stores a
/// password-protected XLSX: a header, its allocation table (sector 0) and
/// its directory (sector 1), no workbook stream.
fn encrypted_xlsx() -> Vec<u8> {
    let mut b = vec![0u8; 512 * 3];
    b[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    b[24..26].copy_from_slice(&0x3Eu16.to_le_bytes());
    b[26..28].copy_from_slice(&3u16.to_le_bytes());
    b[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
    b[30..32].copy_from_slice(&9u16.to_le_bytes());
    b[32..34].copy_from_slice(&6u16.to_le_bytes());
    b[44..48].copy_from_slice(&1u32.to_le_bytes());
    b[48..52].copy_from_slice(&1u32.to_le_bytes());
    b[60..64].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    b[68..72].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    for (i, chunk) in b[76..512].chunks_exact_mut(4).enumerate() {
        chunk.copy_from_slice(&(if i == 0 { 0 } else { u32::MAX }).to_le_bytes());
    }
    let fat = [0xFFFF_FFFDu32, 0xFFFF_FFFE];
    for (i, chunk) in b[512..1024].chunks_exact_mut(4).enumerate() {
        chunk.copy_from_slice(&fat.get(i).copied().unwrap_or(u32::MAX).to_le_bytes());
    }
    for (n, name) in ["Root Entry", "EncryptedPackage"].iter().enumerate() {
        let at = 1024 + n * 128;
        for (i, unit) in name.encode_utf16().enumerate() {
            b[at + 2 * i..at + 2 * i + 2].copy_from_slice(&unit.to_le_bytes());
        }
        b[at + 64..at + 66].copy_from_slice(&((name.len() as u16 + 1) * 2).to_le_bytes());
        b[at + 66] = if n == 0 { 5 } else { 2 };
        b[at + 116..at + 120].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    }
    b
}

/// The offset of the first `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("record in program.xls")
}

#[test]
fn hostile_xls_files_are_refused_quickly_and_write_nothing() {
    let dir = copy_fixture("program-import/repo");
    let repo = dir.path();
    let work = tempfile::tempdir().expect("tempdir");
    let good = program();
    // DIMENSION (0x0200, 14 bytes) of the first sheet, rows from 0: claim
    // rows 0..65536 and columns 0..256 (16.7 million cells) for ten rows.
    let mut dimension = good.clone();
    let at = find(&good, &[0x00, 0x02, 0x0e, 0x00, 0, 0, 0, 0]) + 4;
    dimension[at + 4..at + 8].copy_from_slice(&65536u32.to_le_bytes());
    dimension[at + 10..at + 12].copy_from_slice(&256u16.to_le_bytes());
    // The first shared-string cell (LabelSst, 0x00FD) moved to IV65536:
    // its used range now spans 65,536 rows by 256 columns.
    let mut far = good.clone();
    let at = find(&good, &[0xfd, 0x00, 0x0a, 0x00]) + 4;
    far[at..at + 2].copy_from_slice(&u16::MAX.to_le_bytes());
    far[at + 2..at + 4].copy_from_slice(&255u16.to_le_bytes());
    let cut = good[..good.len() / 2].to_vec();
    let cases = [
        (
            "dimension.xls",
            dimension,
            "sheet `Program`: its DIMENSION record claims more than 4000000 cells",
        ),
        (
            "far.xls",
            far,
            "sheet `Program`: its values span more than 4000000 cells",
        ),
        ("cut.xls", cut, "not a readable Excel 97-2003 workbook"),
        (
            "locked.xlsx",
            encrypted_xlsx(),
            "a password-protected workbook",
        ),
    ];
    let mut said = String::new();
    for (name, bytes, says) in cases {
        let p = work.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        let started = Instant::now();
        let out = import(repo, &p);
        let took = started.elapsed();
        assert_eq!(out.code, 2, "{name}: {}\n{}", out.stdout, out.stderr);
        assert!(out.stderr.contains(says), "{name}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{name}: {}", out.stderr);
        assert!(took < Duration::from_secs(5), "{name} took {took:?}");
        assert!(records(repo).is_empty(), "{name} wrote records");
        said.push_str(
            &out.stderr
                .replace(&work.path().display().to_string(), "[WORK]"),
        );
    }
    snapshot!("xls_refused", said);
}
