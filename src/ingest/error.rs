//! Why a scanner file could not be ingested. Every variant names the file;
//! text from the file appears only as a short, escaped excerpt.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is empty")]
    Empty { path: PathBuf },
    #[error(
        "{path} is not a scan result Aegis reads ({}); run `aegis ingest --formats` for the list",
        crate::excerpt::text(what)
    )]
    Unrecognised { path: PathBuf, what: String },
    /// The file is of a known format but broken: cut short, malformed, or
    /// missing what the format requires.
    #[error("{path}{}: not a usable {format} file: {}", at(*line), crate::excerpt::message(message))]
    Malformed {
        path: PathBuf,
        format: &'static str,
        line: Option<usize>,
        message: String,
    },
    #[error(
        "{path}:{line}: the DOCTYPE declares entities or an external DTD; Aegis never expands XML entities, so remove the DOCTYPE"
    )]
    XmlEntities { path: PathBuf, line: usize },
}

fn at(line: Option<usize>) -> String {
    line.map(|l| format!(":{l}")).unwrap_or_default()
}

impl IngestError {
    pub fn malformed(
        path: &std::path::Path,
        format: &'static str,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        IngestError::Malformed {
            path: path.to_path_buf(),
            format,
            line,
            message: message.into(),
        }
    }
}
