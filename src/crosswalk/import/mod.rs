//! `aegis crosswalk import`: official crosswalks, in the form their
//! publishers release them, into mapping files under `controls/mappings/`.
//!
//! Each reader (one file per source format, chosen by content) turns a
//! document into [`Set`]s of raw pairs with what the source says about each
//! (relationship, rationale, strength, coverage) and the number of pairs
//! the source itself states. [`resolve`] finds the repository frameworks
//! the two sides are, [`place`] looks every id up in them and builds the
//! mapping, and [`plan`] decides what is written. A pair that cannot be
//! placed is reported with its reason, never dropped.

mod cci;
mod ciso;
mod comparison;
mod concept;
mod detect;
mod identity;
mod informative;
mod oscal;
pub mod place;
pub mod plan;
pub mod resolve;
mod trestle_csv;
mod workbook;

use crate::model::{Rationale, RelationKind};
use std::path::{Path, PathBuf};

pub use detect::Format;
pub use identity::Identity;

/// The largest source document read: the biggest official crosswalk is a
/// few megabytes.
pub const MAX_SOURCE_BYTES: u64 = 64 * 1024 * 1024;

/// Why an import could not run (exit 2). Pairs that cannot be placed are
/// not errors: they are reported.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The source cannot be read or is not a crosswalk this reader knows.
    #[error("{}: {message}", .path.display())]
    Source { path: PathBuf, message: String },
    /// The source is fine but the repository cannot take it (a missing
    /// framework, a mapping file another source wrote, a failed write).
    #[error("{message}")]
    Repo { message: String },
}

impl Error {
    pub(crate) fn source(path: &Path, message: impl Into<String>) -> Self {
        Error::Source {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    pub(crate) fn repo(message: impl Into<String>) -> Self {
        Error::Repo {
            message: message.into(),
        }
    }
}

impl From<crate::sources::SourceError> for Error {
    fn from(e: crate::sources::SourceError) -> Self {
        // SourceError's message already starts with the path.
        Error::Repo {
            message: e.to_string(),
        }
    }
}

/// A crosswalk document as read.
#[derive(Clone, Debug)]
pub struct Document {
    pub path: PathBuf,
    pub format: Format,
    /// What the provenance calls the document: its title, or its file name.
    pub title: String,
    /// Where the publisher says the document (or its original) lives.
    pub url: Option<String>,
    /// SHA-256 of the bytes read.
    pub sha256: String,
    pub sets: Vec<Set>,
}

/// One direction of one mapping in a document: a CISO Assistant mapping
/// set, a workbook sheet, an OSCAL `mapping`, a revision of the CCI list.
#[derive(Clone, Debug)]
pub struct Set {
    /// The name `--set` selects it by (set ref_id, sheet name, revision).
    pub name: String,
    pub source: Side,
    pub target: Side,
    /// How many pairs the source states, counted the way the source means
    /// them (a row listing four targets states four pairs).
    pub stated: usize,
    pub entries: Vec<Entry>,
    /// Rows or entries of the source that state no pair (a source control
    /// the publisher left unmapped, a new control with no predecessor),
    /// with where they are and why, so the report accounts for every row.
    pub without_pairs: Vec<Unpaired>,
    /// The name of an earlier set of the same document this one is the
    /// exact inverse of (CISO Assistant ships each mapping both ways):
    /// its pairs are the same edges read from the other side.
    pub inverse_of: Option<String>,
}

/// What a source says about one side of a set.
#[derive(Clone, Debug, Default)]
pub struct Side {
    /// Names the source gives the framework: ids, titles, hrefs, URNs.
    pub hints: Vec<String>,
    /// The side is a reference scheme (CCIs), not a framework.
    pub scheme: Option<&'static str>,
}

impl Side {
    pub(crate) fn named<I: IntoIterator<Item = S>, S: Into<String>>(hints: I) -> Self {
        Side {
            hints: hints
                .into_iter()
                .map(Into::into)
                .filter(|h: &String| !h.trim().is_empty())
                .collect(),
            scheme: None,
        }
    }
}

/// One stated pair, before its ids are looked up.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Where in the source: `line 34`, `row 12`, `mappings[0].maps[3]`.
    pub at: String,
    pub source: RawRef,
    pub target: RawRef,
    /// The relationship, or the source's word for one Aegis does not know.
    pub relation: Result<RelationKind, String>,
    pub rationale: Option<Rationale>,
    pub strength: Option<u8>,
    pub coverage: Option<u8>,
    pub note: Option<String>,
}

/// A control as the source names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RawRef {
    pub id: String,
    /// The CISO Assistant URN, when the source speaks in URNs.
    pub urn: Option<String>,
}

impl RawRef {
    pub(crate) fn id(id: impl Into<String>) -> Self {
        RawRef {
            id: id.into(),
            urn: None,
        }
    }
}

/// A row or entry of the source that states no pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unpaired {
    pub at: String,
    pub id: String,
    pub why: String,
}

/// Reads `bytes` (from `path`) as whichever crosswalk format its content is.
pub fn read(path: &Path, bytes: Vec<u8>) -> Result<Document, Error> {
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(Error::source(
            path,
            format!(
                "the file is {} bytes, more than the {MAX_SOURCE_BYTES} bytes a crosswalk source may be",
                bytes.len()
            ),
        ));
    }
    let sha256 = crate::digest::sha256_hex(&bytes);
    let format = detect::detect(&bytes).ok_or_else(|| {
        Error::source(
            path,
            "not a crosswalk Aegis reads: expected a CISO Assistant mapping library (YAML), an OSCAL mapping-collection (JSON), a trestle mapping CSV, a NIST crosswalk workbook (XLSX) or DISA's CCI list (XML); see docs/crosswalk/import.md",
        )
    })?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let mut doc = Document {
        path: path.to_path_buf(),
        format,
        title: file_name,
        url: None,
        sha256,
        sets: Vec::new(),
    };
    match format {
        Format::CisoAssistant => ciso::read(path, bytes, &mut doc)?,
        Format::OscalMapping => oscal::read(path, bytes, &mut doc)?,
        Format::TrestleCsv => trestle_csv::read(path, &bytes, &mut doc)?,
        Format::Workbook => workbook::read(path, bytes, &mut doc)?,
        Format::CciList => cci::read(path, &bytes, &mut doc)?,
    }
    if doc.sets.is_empty() {
        return Err(Error::source(path, "the document states no mappings"));
    }
    Ok(doc)
}

/// Text from a source, trimmed and clipped for a message.
pub(crate) fn shown(s: &str) -> String {
    crate::excerpt::text(s.trim())
}
