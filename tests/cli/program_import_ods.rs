//! `aegis program import` of OpenDocument workbooks (built here with the
//! `zip` crate: `mimetype`, `content.xml`, `META-INF/manifest.xml`): a
//! title row, merged group headers, a typo, a blank row, date cells and
//! LibreOffice's trailing repeated empty rows import into a repository
//! that validates, and re-importing changes nothing. Workbooks that are
//! not read (an OLE2 file that holds no readable workbook, XLSB, Numbers,
//! encrypted, other zips) and hostile repeat counts are refused with a
//! message saying what to do.

use crate::harness::{AS_OF, Aegis, Output, copy_fixture};
use crate::snapshot;
use std::io::Write;
use std::path::Path;

const MIME: &str = "application/vnd.oasis.opendocument.spreadsheet";

/// An ODS package around `table` (the body of one `<table:table>`), with
/// `mimetype` first and stored, as ODF requires; `manifest_extra` goes
/// into the manifest (an `encryption-data` marks an encrypted entry).
fn ods(mime: &str, table: &str, manifest_extra: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("mimetype", stored).expect("mimetype");
    zip.write_all(mime.as_bytes()).expect("write");
    zip.start_file("content.xml", deflated).expect("content");
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">
<office:body><office:spreadsheet>
<table:table table:name="Controls">
<table:table-column table:number-columns-repeated="6"/>
{table}
</table:table>
</office:spreadsheet></office:body></office:document-content>"#
    );
    zip.write_all(content.as_bytes()).expect("write");
    zip.start_file("META-INF/manifest.xml", deflated)
        .expect("manifest");
    let manifest = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="{mime}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{manifest_extra}</manifest:file-entry>
</manifest:manifest>"#
    );
    zip.write_all(manifest.as_bytes()).expect("write");
    zip.finish().expect("finish").into_inner()
}

fn s(text: &str) -> String {
    format!(
        r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#
    )
}

fn date(iso: &str) -> String {
    format!(
        r#"<table:table-cell office:value-type="date" office:date-value="{iso}"><text:p>{iso}</text:p></table:table-cell>"#
    )
}

fn empty(n: usize) -> String {
    format!(r#"<table:table-cell table:number-columns-repeated="{n}"/>"#)
}

fn row(cells: &[String]) -> String {
    format!("<table:table-row>{}</table:table-row>\n", cells.concat())
}

/// A program sheet as LibreOffice saves one.
fn program_sheet() -> String {
    let mut t = String::new();
    t += &row(&[s("ACME security program 2026"), empty(5)]);
    t += &row(&[empty(6)]);
    // Group headers merged across their columns; the covered cells are empty.
    t += &row(&[
        r#"<table:table-cell table:number-columns-spanned="2" office:value-type="string"><text:p>Control</text:p></table:table-cell><table:covered-table-cell/>"#.into(),
        r#"<table:table-cell table:number-columns-spanned="3" office:value-type="string"><text:p>Implementation</text:p></table:table-cell><table:covered-table-cell table:number-columns-repeated="2"/>"#.into(),
        s("Review"),
    ]);
    t += &row(&[
        s("ID"),
        s("System"),
        s("Status"),
        s("Ownr"),
        s("How it is met"),
        s("Date"),
    ]);
    t += &row(&[
        s("AC-2"),
        s("portal"),
        s("Yes"),
        s("Identity team"),
        s("Accounts are provisioned through the IdP &amp; reviewed."),
        date("2026-03-01"),
    ]);
    t += &row(&[
        s("ac-03"),
        s("portal"),
        s("Partially Implemented"),
        s("Platform team"),
        s("RBAC in the API gateway."),
        date("2026-03-02T00:00:00"),
    ]);
    t += &row(&[empty(6)]);
    t += &row(&[
        s("IA-2"),
        s("payments"),
        s("Planned"),
        s("SecOps"),
        empty(1),
        date("2026-02-15"),
    ]);
    t += &row(&[
        s("NOPE-1"),
        s("payments"),
        s("Yes"),
        s("SecOps"),
        empty(1),
        date("2026-02-15"),
    ]);
    // LibreOffice ends every sheet with the rest of its rows, empty.
    t += r#"<table:table-row table:number-rows-repeated="1048566"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;
    t
}

const COLUMNS: &str = "control=Control ID,system=System,status=Implementation Status,owner=Owner,statement=How it is met,reviewed=Review Date";

pub fn import(repo: &Path, book: &Path, extra: &[&str]) -> Output {
    Aegis::new()
        .args(["program", "import"])
        .arg(book)
        .args(["--kind", "implementations", "--columns", COLUMNS])
        .args(extra)
        .arg("--repo")
        .arg(repo)
        .current_dir(repo)
        .redact(repo, "[REPO]")
        .run()
}

/// Every record written, with its text.
pub fn records(repo: &Path) -> Vec<(String, String)> {
    crate::program_import::tree(repo)
        .into_iter()
        .map(|(p, b)| (p, String::from_utf8(b).expect("utf-8")))
        .collect()
}

#[test]
fn an_ods_program_imports_validates_and_reimports_unchanged() {
    let dir = copy_fixture("program-import/repo");
    let repo = dir.path();
    let work = tempfile::tempdir().expect("tempdir");
    // Named .zip: the workbook is known by its content, not its name.
    let book = work.path().join("program-export.zip");
    std::fs::write(&book, ods(MIME, &program_sheet(), "")).expect("write");
    let out = import(repo, &book, &[]);
    // One row is refused (an unknown control): exit 1, the rest written.
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let out_text = out
        .stdout
        .replace(&work.path().display().to_string(), "[WORK]");
    snapshot!("ods_import", out_text);
    assert!(out.stdout.contains("NOPE-1"), "{}", out.stdout);
    imported_the_tracker(repo, &book);
}

/// What importing the tracker (as an ODS here, as an XLS in
/// program_import_xls.rs) wrote at `repo`: three records that validate,
/// dates read as days, and nothing changed by importing `book` again.
pub fn imported_the_tracker(repo: &Path, book: &Path) {
    let written = records(repo);
    let paths: Vec<&str> = written.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "implementations/payments/IA-2.yaml",
            "implementations/portal/AC-2.yaml",
            "implementations/portal/AC-3.yaml",
        ]
    );
    let ac2 = &written[1].1;
    assert!(ac2.contains("owner: Identity team\n"), "{ac2}");
    // A date cell, and a date-time cell at midnight, read as days.
    assert!(ac2.contains("reviewed: \"2026-03-01\"\n"), "{ac2}");
    assert!(
        written[2].1.contains("reviewed: \"2026-03-02\"\n"),
        "{}",
        written[2].1
    );
    assert!(ac2.contains("IdP & reviewed."), "{ac2}");
    let v = Aegis::new()
        .args(["validate", "--as-of", AS_OF])
        .arg(repo)
        .run();
    assert_eq!(v.code, 0, "{}", v.stdout);
    let again = import(repo, book, &[]);
    assert!(
        again
            .stdout
            .contains("records: 0 created, 0 updated, 3 unchanged, 0 kept"),
        "{}",
        again.stdout
    );
    assert_eq!(records(repo), written);
}

#[test]
fn workbooks_that_are_not_read_are_refused_saying_what_to_do() {
    let dir = copy_fixture("program-import/repo");
    let repo = dir.path();
    let work = tempfile::tempdir().expect("tempdir");
    let zip_of = |names: &[&str]| {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for n in names {
            zip.start_file(*n, zip::write::SimpleFileOptions::default())
                .expect("entry");
            zip.write_all(b"x").expect("write");
        }
        zip.finish().expect("finish").into_inner()
    };
    // An OLE2 compound file's signature, as .xls and encrypted .xlsx start.
    let mut ole2 = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    ole2.resize(4096, 0);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("legacy.xls", ole2),
        (
            "budget.numbers",
            zip_of(&["Index/Document.iwa", "Metadata/Properties.plist"]),
        ),
        (
            "binary.xlsb",
            zip_of(&["[Content_Types].xml", "xl/workbook.bin"]),
        ),
        (
            "locked.ods",
            ods(
                MIME,
                &program_sheet(),
                r#"<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/>"#,
            ),
        ),
        (
            "letter.odt",
            ods(
                "application/vnd.oasis.opendocument.text",
                &program_sheet(),
                "",
            ),
        ),
    ];
    let mut said = String::new();
    for (name, bytes) in cases {
        let p = work.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        let out = import(repo, &p, &[]);
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert!(records(repo).is_empty(), "{name} wrote records");
        said.push_str(
            &out.stderr
                .replace(&work.path().display().to_string(), "[WORK]"),
        );
    }
    snapshot!("ods_refused", said);
}

#[test]
fn repeated_cells_beyond_the_bounds_are_refused_before_they_are_expanded() {
    let dir = copy_fixture("program-import/repo");
    let repo = dir.path();
    let work = tempfile::tempdir().expect("tempdir");
    let wide = |n: usize| {
        format!(
            r#"<table:table-cell table:number-columns-repeated="{n}" office:value-type="string"><text:p>x</text:p></table:table-cell>"#
        )
    };
    // One row of 16,384 values repeated 1,000 times: 16 million cells.
    let area = format!(
        r#"<table:table-row table:number-rows-repeated="1000">{}</table:table-row>"#,
        wide(16_384)
    );
    // 300 rows of 16,384 values each: 4.9 million cells read.
    let read = row(&[wide(16_384)]).repeat(300);
    for (name, table, says) in [
        ("area.ods", area, "its values span more than 4000000 cells"),
        (
            "read.ods",
            read,
            "the workbook holds more than 4000000 cells",
        ),
    ] {
        let p = work.path().join(name);
        std::fs::write(&p, ods(MIME, &table, "")).expect("write");
        let started = std::time::Instant::now();
        let out = import(repo, &p, &[]);
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert!(out.stderr.contains(says), "{name}: {}", out.stderr);
        assert!(out.stderr.contains("sheet `Controls`"), "{}", out.stderr);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{name} took {:?}",
            started.elapsed()
        );
    }
}
