//! Scan ingest, the door through which scanner results come in: scanner
//! files (XCCDF/ARF, STIG checklists, HDF, SARIF, Nessus, Prowler, ...)
//! are read into [`Scan`]s by one [`Reader`] per format, their results
//! mapped to controls, and folded into `findings/<system>/<source>.yaml`.
//! (Framework sources come in through `import/` and `sources/`; this
//! folder only reads scan results.)
//!
//! A reader is one file under `formats/` and one line in
//! [`formats::READERS`]. Formats are detected by content, and every reader
//! streams its input: memory follows the number of results, never the
//! size of the file.

pub mod cci;
pub mod detect;
mod encoding;
mod error;
pub mod formats;
pub mod map;
pub mod run;
pub mod scan;
pub mod state;
pub mod xml;

pub use detect::Head;
pub use error::IngestError;
pub use scan::{Fix, Observation, Refs, RuleResult, Scan, ScanResult, Severity};

use std::io::{BufRead, Read};
use std::path::Path;

/// A scanner format.
pub trait Reader: Sync {
    /// Stable name, used in findings and messages (`xccdf`, `sarif`).
    fn name(&self) -> &'static str;
    /// One line for `aegis ingest --formats`.
    fn describe(&self) -> &'static str;
    /// Whether the file whose start is `head` is this format.
    fn detect(&self, head: &Head) -> bool;
    /// Reads the whole file. A file may hold several runs (SARIF runs,
    /// ARF reports), each a [`Scan`]; an empty list is a file with no run.
    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError>;
}

/// The reader for a file whose start is `head`: the first in
/// [`formats::READERS`] that recognises it.
pub fn detect(head: &Head) -> Option<&'static dyn Reader> {
    formats::READERS.iter().copied().find(|r| r.detect(head))
}

/// The reader with `name`.
pub fn reader(name: &str) -> Option<&'static dyn Reader> {
    formats::READERS.iter().copied().find(|r| r.name() == name)
}

/// Reads `path` (a file, or a pipe such as `-` or `/dev/stdin`) with the
/// reader its content names, streaming: the head used for detection is
/// read once and then given back in front of the rest.
pub fn read_path(path: &Path) -> Result<(&'static dyn Reader, Vec<Scan>), IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            return Err(io(std::io::Error::other("is a directory")));
        }
        Box::new(std::fs::File::open(path).map_err(io)?)
    };
    let mut head = Vec::with_capacity(detect::HEAD_BYTES);
    let mut file = file;
    (&mut file)
        .take(detect::HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(io)?;
    if head.iter().all(u8::is_ascii_whitespace) {
        return Err(IngestError::Empty {
            path: path.to_path_buf(),
        });
    }
    // XML in a single-byte encoding is read as UTF-8, head and all.
    let encoding = encoding::single_byte(&head).map_err(|what| IngestError::Unrecognised {
        path: path.to_path_buf(),
        what,
    })?;
    let utf8_head: Vec<u8> = match encoding {
        Some(e) => {
            let mut out = Vec::new();
            encoding::ToUtf8::new(&head[..], e)
                .read_to_end(&mut out)
                .map_err(io)?;
            out
        }
        None => head.clone(),
    };
    let h = Head::new(&utf8_head);
    let Some(reader) = detect(&h) else {
        return Err(IngestError::Unrecognised {
            path: path.to_path_buf(),
            what: describe_unknown(&h),
        });
    };
    let raw = std::io::Cursor::new(head).chain(file);
    let scans = match encoding {
        Some(e) => reader.read(&mut encoding::ToUtf8::new(raw, e), path)?,
        None => reader.read(
            &mut std::io::BufReader::with_capacity(256 * 1024, raw),
            path,
        )?,
    };
    Ok((reader, scans))
}

/// What an unrecognised file looks like, for the error.
fn describe_unknown(h: &Head) -> String {
    match h.syntax() {
        detect::Syntax::Xml => match h.xml_root() {
            Some((root, Some(ns))) => format!("XML whose root is <{root}> in {ns}"),
            Some((root, None)) => format!("XML whose root is <{root}>"),
            None => "XML Aegis could not read the root element of".into(),
        },
        detect::Syntax::Json => {
            let keys = h.json_keys();
            if keys.is_empty() {
                "JSON".into()
            } else {
                format!("JSON with top-level keys {}", keys.join(", "))
            }
        }
        detect::Syntax::Other if h.text().is_none() => "binary data".into(),
        detect::Syntax::Other => "text that is neither XML nor JSON nor a known CSV".into(),
    }
}
