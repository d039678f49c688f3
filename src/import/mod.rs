//! Framework import: authoritative sources (OSCAL catalogs and profiles in
//! JSON, YAML or XML, and the formats `crate::sources` reads) into the
//! native YAML kept under `controls/<id>/`.
//!
//! Everything is read, mapped and resolved in memory first; only a complete
//! result is written, and a framework's catalog files are swapped in as a
//! whole (`native::write_framework`), so a bad source never leaves a
//! half-imported framework behind.

pub mod diff;
pub mod native;
pub mod oscal;
pub mod plan;
pub mod program;
pub(crate) mod references;
pub mod swap;

use crate::model::{BaselineFile, Framework};
use crate::sources;
use oscal::profile::{self, Orphans};
use std::path::{Path, PathBuf};

/// The largest source document read, far above any published catalog.
pub const MAX_SOURCE_BYTES: u64 = 256 * 1024 * 1024;

/// Why an import (or another framework command) could not run.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is {size} bytes, larger than the {MAX_SOURCE_BYTES} bytes Aegis reads")]
    TooLarge { path: PathBuf, size: u64 },
    #[error("{path} is not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("{path}:{line}:{column}: not a usable OSCAL JSON document: {message}")]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}:{line}:{column}: not a usable OSCAL YAML document: {message}")]
    Yaml {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "{path}:{line}: the YAML document is incomplete: {reason}; it was probably cut short (a partial download or copy), so nothing was imported: import the whole file. YAML closes nothing, so Aegis needs the document's end: if you wrote the file and it is whole, end it with a line `...` (see docs/frameworks.md)"
    )]
    Truncated {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("{path}:{line}: not a usable OSCAL XML document: {message}")]
    Xml {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(
        "{path}:{line}: the DOCTYPE declares entities or an external DTD; Aegis never expands XML entities, so remove the DOCTYPE"
    )]
    XmlEntities { path: PathBuf, line: usize },
    #[error(
        "{path} is neither an OSCAL catalog nor an OSCAL profile (expected a top-level `catalog` or `profile`), nor a sheet, Prowler, ComplianceAsCode or CISO Assistant file (pass --columns for a sheet)"
    )]
    NotOscal { path: PathBuf },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error(
        "{path}: control id `{}` appears more than once in the catalog",
        crate::excerpt::text(id)
    )]
    DuplicateControl { path: PathBuf, id: String },
    #[error(
        "{path}: group id `{}` appears more than once in the catalog",
        crate::excerpt::text(id)
    )]
    DuplicateGroup { path: PathBuf, id: String },
    #[error(
        "{path}:{line}: {what} id `{}` appears more than once in the catalog (first at line {first}); give each {what} its own id",
        crate::excerpt::text(id)
    )]
    DuplicateAt {
        path: PathBuf,
        line: usize,
        first: usize,
        what: &'static str,
        id: String,
    },
    #[error(
        "`{}` is not a usable framework or baseline id (lower-case letters, digits, '.', '_' and '-', starting with a letter or digit); pass --id or --baseline",
        crate::excerpt::text(.0)
    )]
    BadId(String),
    #[error("profile imports form a cycle: {}", chain.join(" -> "))]
    Cycle { chain: Vec<String> },
    #[error(
        "profile imports nest deeper than {max} profiles: {}; import a profile nearer the catalog, or resolve the chain into one profile",
        chain.join(" -> ")
    )]
    TooDeep { max: usize, chain: Vec<String> },
    #[error(
        "{path}: cannot resolve import `{}`; looked for {}{hint}",
        crate::excerpt::text(href),
        list(tried)
    )]
    MissingImport {
        path: PathBuf,
        href: String,
        /// Each place looked at, refused ones with the reason.
        tried: Vec<String>,
        hint: String,
    },
    #[error(
        "framework `{}` is not in {repo}/controls/{}",
        crate::excerpt::text(id),
        known_list(known)
    )]
    UnknownFramework {
        id: String,
        repo: PathBuf,
        known: Vec<String>,
    },
    #[error("{path}: {message}")]
    Native { path: PathBuf, message: String },
    /// A non-OSCAL source (CSV, XLSX, Prowler, ComplianceAsCode, CISO
    /// Assistant) that its reader refused.
    #[error(transparent)]
    Source(#[from] crate::sources::SourceError),
    #[error(
        "another aegis process is writing to {}/controls; run this again once it has finished",
        repo.display()
    )]
    Busy { repo: PathBuf },
    #[error(
        "{path} is a symbolic link; Aegis never moves files into or out of a linked folder, nor writes through one: replace the link with the folder it points to"
    )]
    Symlink { path: PathBuf },
    #[error(
        "{path} leads outside the repository through a symbolic link, so it is not read; replace the link with the file or folder itself"
    )]
    OutsideRepo { path: PathBuf },
    #[error(
        "{catalog} holds {}, which is not a catalog part; the import replaces catalog/ as a whole, so move {} out of catalog/ (anywhere else in the framework's folder is safe) and run the import again",
        entries.join(", "),
        if entries.len() == 1 { "it" } else { "them" }
    )]
    ForeignInCatalog {
        catalog: PathBuf,
        entries: Vec<String>,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} would be {size} bytes, more than limits.max_file_bytes ({max}) in aegis.yaml, so `aegis validate` would refuse it; {why}: raise limits.max_file_bytes in aegis.yaml"
    )]
    TooLargeToWrite {
        path: PathBuf,
        size: u64,
        max: u64,
        why: String,
    },
    #[error("cannot serialize {what}: {message}")]
    Serialize { what: String, message: String },
}

fn list(places: &[String]) -> String {
    if places.is_empty() {
        return "nothing (no local candidate)".into();
    }
    places.join(", ")
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        "; no frameworks are imported yet".into()
    } else {
        format!("; known: {}", known.join(", "))
    }
}

/// Reads the source named on the command line, once and whole: `-` is
/// standard input, and a pipe (`/dev/stdin`, a FIFO) is read to its end
/// before anything looks at it, so telling formats apart never eats the
/// head of a stream. Returns the name to use in messages and the bytes.
pub fn read_input(file: &Path) -> Result<(PathBuf, Vec<u8>), ImportError> {
    use std::io::Read;
    let (shown, reader): (PathBuf, Box<dyn Read>) = if file == Path::new("-") {
        (PathBuf::from("<stdin>"), Box::new(std::io::stdin().lock()))
    } else {
        let f = std::fs::File::open(file).map_err(|source| ImportError::Read {
            path: file.to_path_buf(),
            source,
        })?;
        if let Ok(m) = f.metadata()
            && m.is_file()
            && m.len() > MAX_SOURCE_BYTES
        {
            return Err(ImportError::TooLarge {
                path: file.to_path_buf(),
                size: m.len(),
            });
        }
        (file.to_path_buf(), Box::new(f))
    };
    let mut bytes = Vec::new();
    // One byte past the bound tells an oversized stream from a full one.
    reader
        .take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| ImportError::Read {
            path: shown.clone(),
            source,
        })?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(ImportError::TooLarge {
            path: shown,
            size: bytes.len() as u64,
        });
    }
    Ok((shown, bytes))
}

/// Reads a source document as text, refusing what is too big or not UTF-8.
/// Returns the text and the SHA-256 (hex) of its bytes.
pub fn read_source(path: &Path) -> Result<(String, String), ImportError> {
    let meta = std::fs::metadata(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(ImportError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
        });
    }
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let sha = sha256_hex(&bytes);
    let text = String::from_utf8(bytes).map_err(|e| ImportError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    Ok((text, sha))
}

pub use crate::digest::sha256_hex;

/// The repository's `limits` from `aegis.yaml` (defaults when it has none,
/// or when they cannot be read: `aegis validate` reports that), so an
/// import never writes a file `validate` would refuse.
pub fn repo_limits(repo: &Path) -> crate::model::Limits {
    let defaults = crate::model::Limits::default();
    let path = repo.join(crate::workspace::CONFIG_FILE);
    let Ok(file) = std::fs::File::open(&path) else {
        return defaults;
    };
    let mut text = String::new();
    use std::io::Read;
    if file
        .take(defaults.max_file_bytes)
        .read_to_string(&mut text)
        .is_err()
    {
        return defaults;
    }
    crate::workspace::yaml::parse(
        text.trim_start_matches('\u{feff}'),
        Default::default(),
        Default::default(),
    )
    .ok()
    .and_then(|t| t.get("limits").map(|l| l.to_json()))
    .and_then(|l| serde_json::from_value(l).ok())
    .unwrap_or(defaults)
}

/// What `aegis framework import` was asked to do.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Framework id for a catalog (default: derived from its title).
    pub id: Option<String>,
    /// For a profile: the repository framework to resolve against and
    /// attach the baseline to.
    pub catalog: Option<String>,
    /// For a profile: the baseline id (default: derived from its title).
    pub baseline: Option<String>,
    pub orphans: Orphans,
    /// Where the source was downloaded from, recorded in `source.url`.
    pub source_url: Option<String>,
    /// For CSV and XLSX: which column fills which field (`id=Ref,title=Name`).
    pub columns: Option<String>,
    /// For CSV and XLSX: the sheet to read, and rows to skip below the header.
    pub sheet: Option<String>,
    pub skip_rows: usize,
    /// For non-OSCAL sources: the framework's title and version, when the
    /// source has none (or another is wanted).
    pub title: Option<String>,
    pub version: Option<String>,
}

/// What an import wrote.
#[derive(Debug)]
pub struct Outcome {
    pub framework: String,
    pub baseline: Option<String>,
    /// Controls in the framework, or selected by the baseline.
    pub controls: usize,
    /// Repository-relative paths and whether each changed.
    pub written: Vec<(String, bool)>,
    /// Things the user should know (unknown ids in a profile, dropped enhancements).
    pub notes: Vec<String>,
    /// Baselines the source defined along with the framework.
    pub baselines: Vec<String>,
    /// What was imported, when it is not a framework or baseline (a
    /// reference table): said instead of the framework summary.
    pub summary: Option<String>,
}

/// Imports `file` into the repository at `repo`: an OSCAL catalog or
/// profile, or a framework in a format `crate::sources` reads (CSV and XLSX
/// sheets, Prowler, ComplianceAsCode, CISO Assistant). The format is judged
/// by content; a column mapping makes a sheet of any separator readable.
///
/// The whole import runs under the repository's `controls/` lock, and
/// first finishes or undoes whatever an interrupted import left there
/// (`swap::recover`); what that did comes first in the notes.
pub fn import(repo: &Path, file: &Path, opts: &ImportOptions) -> Result<Outcome, ImportError> {
    let _lock = swap::lock(repo)?;
    let recovered = swap::recover(repo)?;
    let mut out = import_locked(repo, file, opts)?;
    out.notes.splice(0..0, recovered);
    Ok(out)
}

fn import_locked(repo: &Path, file: &Path, opts: &ImportOptions) -> Result<Outcome, ImportError> {
    let (shown, bytes) = read_input(file)?;
    let file = shown.as_path();
    // Formats are told apart by their first mebibyte, as `detect_file` does.
    let head = &bytes[..bytes.len().min(1024 * 1024)];
    if crate::ingest::cci::is_cci_list(&crate::ingest::Head::new(head)) {
        return references::import_cci(repo, file, &bytes, opts);
    }
    let other = match &opts.columns {
        Some(_) if sources::detect(head) == Some(sources::Format::Xlsx) => {
            Some(sources::Format::Xlsx)
        }
        Some(_) => Some(sources::Format::Csv),
        None => sources::detect(head),
    };
    if let Some(format) = other {
        let table = sources::TableOptions {
            base: sources::ReadOptions {
                id: opts.id.clone(),
                title: opts.title.clone(),
                version: opts.version.clone(),
            },
            columns: opts.columns.as_deref().map(str::parse).transpose()?,
            sheet: opts.sheet.clone(),
            skip_rows: opts.skip_rows,
            ..sources::TableOptions::default()
        };
        let fw = sources::read_format_bytes(file, bytes, format, &table)?;
        return write_new(repo, fw, opts);
    }
    let sha = sha256_hex(&bytes);
    let text = String::from_utf8(bytes).map_err(|e| ImportError::NotUtf8 {
        path: file.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    let doc = oscal::parse(&text, file)?;
    match doc {
        oscal::Document::Catalog(cat) => {
            let fw = oscal::catalog::to_native(&cat, opts.id.as_deref(), file, &sha)
                .map_err(|e| oscal::locate_duplicate(e, &text))?;
            write_new(repo, fw, opts)
        }
        oscal::Document::Profile(p) => {
            let mut resolved = profile::resolve_file(repo, file, *p, &sha, opts)?;
            if let Some(src) = resolved.baseline.source.as_mut() {
                src.url.clone_from(&opts.source_url);
            }
            let max = repo_limits(repo).max_file_bytes;
            let mut written = Vec::new();
            if let Some(fw) = &resolved.new_framework {
                let files = native::render_framework_within(fw, max)?;
                written = native::write_framework(repo, fw, &files)?;
            }
            let (rel, text) = native::render_baseline(&resolved.baseline, max)?;
            resolved
                .notes
                .extend(native::baseline_replacement_note(repo, &resolved.baseline));
            written.push(native::write_one(repo, &rel, &text)?);
            Ok(Outcome {
                framework: resolved.baseline.framework.0.clone(),
                baseline: Some(resolved.baseline.id.0.clone()),
                controls: resolved.baseline.controls.len(),
                written,
                notes: resolved.notes,
                baselines: Vec::new(),
                summary: None,
            })
        }
    }
}

/// Writes a framework read from a source (an OSCAL catalog or another
/// format). Baselines the source defines (ComplianceAsCode levels, CIS implementation groups) go to
/// `baselines/<id>.yaml` like those of profiles.
fn write_new(repo: &Path, mut fw: Framework, opts: &ImportOptions) -> Result<Outcome, ImportError> {
    if let Some(src) = fw.source.as_mut() {
        src.url.clone_from(&opts.source_url);
    }
    let baselines: Vec<BaselineFile> = std::mem::take(&mut fw.baselines)
        .into_iter()
        .map(|b| BaselineFile {
            schema_version: crate::model::SCHEMA_VERSION,
            framework: fw.id.clone(),
            id: b.id,
            title: b.title,
            description: b.description,
            source: b.source.or_else(|| fw.source.clone()),
            controls: b.controls,
            parameters: b.parameters,
            alters: b.alters,
        })
        .collect();
    let max = repo_limits(repo).max_file_bytes;
    let mut files = native::render_framework_within(&fw, max)?;
    for b in &baselines {
        oscal::catalog::check_framework_id(b.id.as_str())?;
        files.push(native::render_baseline(b, max)?);
    }
    let notes: Vec<String> = native::replacement_note(repo, &fw).into_iter().collect();
    let written = native::write_framework(repo, &fw, &files)?;
    Ok(Outcome {
        framework: fw.id.0.clone(),
        baseline: None,
        controls: fw.controls.len(),
        written,
        notes,
        baselines: baselines.iter().map(|b| b.id.0.clone()).collect(),
        summary: None,
    })
}

/// A framework as the repository holds it: every control (catalog part
/// files merged in, in catalog order) and its baselines.
#[derive(Debug)]
pub struct Loaded {
    pub framework: Framework,
    pub baselines: Vec<BaselineFile>,
}

/// A framework (all controls loaded) as pretty OSCAL catalog JSON.
pub fn export_oscal_json(fw: &Framework) -> Result<String, ImportError> {
    let cat = oscal::catalog::to_oscal(fw);
    let doc = serde_json::json!({ "catalog": cat });
    let mut s = serde_json::to_string_pretty(&doc).map_err(|e| ImportError::Serialize {
        what: format!("framework {}", fw.id),
        message: e.to_string(),
    })?;
    s.push('\n');
    Ok(s)
}
