//! Readers of framework catalogs that are not OSCAL: spreadsheets (CSV and
//! XLSX with a column mapping or a built-in preset), Prowler compliance JSON,
//! ComplianceAsCode control files and CISO Assistant libraries. Each reader
//! returns a native [`Framework`]; writing it is the caller's business.

mod ciso;
pub(crate) mod common;
mod complianceascode;
mod prowler;
pub(crate) mod table;
pub(crate) mod workbook;
pub(crate) mod xls;

pub use ciso::read_ciso_assistant;
pub use complianceascode::read_complianceascode;
pub use prowler::read_prowler;
pub use table::{ColumnMap, PRESETS, TableOptions, read_csv, read_xlsx};

use crate::model::Framework;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Source files larger than this are refused: the largest real catalogs are
/// a few MB, and readers hold the whole file in memory.
pub const MAX_SOURCE_BYTES: u64 = 64 * 1024 * 1024;

/// Options every reader accepts: the framework's identity, when the source
/// does not carry a usable one or the user wants another.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// Framework id (lower-case `[a-z0-9._-]`); derived from the source if absent.
    pub id: Option<String>,
    pub title: Option<String>,
    pub version: Option<String>,
}

/// A framework file format this module reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Prowler,
    ComplianceAsCode,
    CisoAssistant,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Prowler => "prowler",
            Format::ComplianceAsCode => "complianceascode",
            Format::CisoAssistant => "ciso-assistant",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: file is {size} bytes, more than the {max} allowed for a framework source", .path.display())]
    TooLarge { path: PathBuf, size: u64, max: u64 },
    #[error("{}: not a recognised framework format (CSV, XLSX, Prowler JSON, ComplianceAsCode or CISO Assistant YAML)", .path.display())]
    Unrecognised { path: PathBuf },
    /// The file is not well-formed for its format (JSON, YAML, CSV or XLSX syntax).
    #[error("{}: {message}", .path.display())]
    Syntax { path: PathBuf, message: String },
    /// Well-formed but wrong: `location` names the row, line, entry or field.
    #[error("{}: {location}: {message}", .path.display())]
    Invalid {
        path: PathBuf,
        location: String,
        message: String,
    },
    #[error("{}: duplicate control id `{}` at {second} (first at {first})", .path.display(), crate::excerpt::text(.id))]
    DuplicateId {
        path: PathBuf,
        id: String,
        first: String,
        second: String,
    },
    /// A bad `--columns` mapping (no file involved yet).
    #[error("column mapping `{spec}`: {message}")]
    Columns { spec: String, message: String },
}

impl SourceError {
    pub(crate) fn invalid(
        path: &Path,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        SourceError::Invalid {
            path: path.to_path_buf(),
            location: location.into(),
            message: message.into(),
        }
    }

    pub(crate) fn syntax(path: &Path, message: impl Into<String>) -> Self {
        SourceError::Syntax {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        SourceError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Guesses the format from the content (never the extension): a zip
/// container is XLSX, JSON with `Requirements`/`requirements` is Prowler,
/// YAML with `requirement_nodes` is CISO Assistant, YAML with top-level
/// `controls:` is ComplianceAsCode, and other comma-separated text is CSV.
/// `bytes` may be just the start of the file.
pub fn detect(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(Format::Xlsx);
    }
    let text = utf8_prefix(bytes)?;
    let text = text.trim_start_matches('\u{feff}');
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        let has = |key: &str| trimmed.contains(&format!("\"{key}\""));
        let prowler =
            (has("Framework") && has("Requirements")) || (has("framework") && has("requirements"));
        return prowler.then_some(Format::Prowler);
    }
    let top_level = |key: &str| {
        text.lines().any(|line| {
            line.strip_prefix(key)
                .is_some_and(|rest| rest.starts_with(':'))
        })
    };
    // Aegis's own framework files also have top-level `controls:`.
    if top_level("schema_version") {
        return None;
    }
    if top_level("objects") {
        // Other CISO Assistant libraries (mapping sets, risk matrices) hold
        // no framework.
        return text
            .contains("requirement_nodes:")
            .then_some(Format::CisoAssistant);
    }
    if top_level("controls") || top_level("controls_dir") {
        return Some(Format::ComplianceAsCode);
    }
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    if first.contains(',') && !first.starts_with(['<', '{', '[']) && !looks_like_yaml(first) {
        return Some(Format::Csv);
    }
    None
}

/// `key: value` or a document marker: a YAML line whose value has a comma.
fn looks_like_yaml(line: &str) -> bool {
    if line.starts_with("---") || line.starts_with("%YAML") {
        return true;
    }
    line.split_once(": ").is_some_and(|(key, _)| {
        !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    })
}

/// [`detect`] on the first 1 MiB of a file.
pub fn detect_file(path: &Path) -> Result<Option<Format>, SourceError> {
    let file = std::fs::File::open(path).map_err(|e| SourceError::io(path, e))?;
    let mut head = Vec::new();
    file.take(1024 * 1024)
        .read_to_end(&mut head)
        .map_err(|e| SourceError::io(path, e))?;
    Ok(detect(&head))
}

/// Detects the format and reads the file with the matching reader.
pub fn read_any(path: &Path, opts: &TableOptions) -> Result<(Format, Framework), SourceError> {
    let format = detect_file(path)?.ok_or_else(|| SourceError::Unrecognised {
        path: path.to_path_buf(),
    })?;
    let framework = read_format(path, format, opts)?;
    Ok((format, framework))
}

/// Reads a file in a known format.
pub fn read_format(
    path: &Path,
    format: Format,
    opts: &TableOptions,
) -> Result<Framework, SourceError> {
    match format {
        Format::Csv => read_csv(path, opts),
        Format::Xlsx => read_xlsx(path, opts),
        Format::Prowler => read_prowler(path, &opts.base),
        Format::ComplianceAsCode => read_complianceascode(path, &opts.base),
        Format::CisoAssistant => read_ciso_assistant(path, &opts.base),
    }
}

/// Reads `bytes`, already read from `path` (a pipe or standard input, or a
/// file read once by the caller), in a known format.
pub fn read_format_bytes(
    path: &Path,
    bytes: Vec<u8>,
    format: Format,
    opts: &TableOptions,
) -> Result<Framework, SourceError> {
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(SourceError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            max: MAX_SOURCE_BYTES,
        });
    }
    let text = |bytes| common::text_of(path, bytes);
    match format {
        Format::Csv => table::csv_from_bytes(path, bytes, opts),
        Format::Xlsx => table::xlsx_from_bytes(path, bytes, opts),
        Format::Prowler => {
            let (t, sha) = text(bytes)?;
            prowler::prowler_from_text(path, &t, sha, &opts.base)
        }
        Format::ComplianceAsCode => {
            let (t, sha) = text(bytes)?;
            complianceascode::complianceascode_from_text(path, &t, sha, &opts.base)
        }
        Format::CisoAssistant => {
            let (t, sha) = text(bytes)?;
            ciso::ciso_assistant_from_text(path, &t, sha, &opts.base)
        }
    }
}

/// The text of a prefix that may end inside a multi-byte character.
fn utf8_prefix(bytes: &[u8]) -> Option<&str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Some(s),
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&bytes[..e.valid_up_to()]).ok(),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests;
