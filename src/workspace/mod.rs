//! Stage 1, load: find the repository's files, refuse what is hostile, and
//! parse each file into a span-keeping tree, in parallel.

pub mod edit;
pub mod frontmatter;
pub mod git;
mod layout;
mod source;
pub mod yaml;

pub use layout::{Classified, DIRS, classify};
pub use source::{SourceFile, line_col};

use crate::diag::{Code, Diagnostic, Pos};
use crate::model::{Config, Limits};
use crate::schema::Kind;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use yaml::{Shift, YamlLimits};

/// Why a repository could not be loaded at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0} is not a directory")]
    NotADirectory(PathBuf),
    #[error(
        "{0} has no aegis.yaml; run `aegis init {0}` to create a repository, or pass the repository's path"
    )]
    NotARepository(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A loaded repository: every file Aegis reads, parsed but not yet checked.
#[derive(Debug)]
pub struct Workspace {
    pub root: PathBuf,
    /// Sorted by path; `files[0]` is `aegis.yaml`.
    pub files: Vec<SourceFile>,
    /// What went wrong while finding and reading files.
    pub diagnostics: Vec<Diagnostic>,
    pub limits: Limits,
    /// Where the files were read from; later stages read evidence
    /// artifacts and the ratchet file from the same place.
    pub source: Source,
}

/// Where a workspace's files come from.
#[derive(Clone, Debug, Default)]
pub enum Source {
    /// The files on disk under `Workspace::root`.
    #[default]
    WorkTree,
    /// The blobs of a commit (`--at`, `aegis history`, `aegis diff`).
    Commit(std::sync::Arc<git::Snapshot>),
}

impl Source {
    /// The commit the files were read from, if any.
    pub fn commit(&self) -> Option<&git::Commit> {
        match self {
            Source::WorkTree => None,
            Source::Commit(s) => Some(&s.commit),
        }
    }
}

impl Workspace {
    pub fn root_canonical(&self) -> PathBuf {
        self.root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone())
    }
}

pub const CONFIG_FILE: &str = "aegis.yaml";

/// Loads the repository at `root`.
pub fn load(root: &Path) -> Result<Workspace, LoadError> {
    load_except(root, &[])
}

/// Loads the repository at `root` without the files of the kinds in
/// `skip` (a command that reads one kind itself, such as `aegis ingest`
/// with its findings, does not parse them twice).
pub fn load_except(root: &Path, skip: &[Kind]) -> Result<Workspace, LoadError> {
    if !root.is_dir() {
        return Err(LoadError::NotADirectory(root.to_path_buf()));
    }
    let config_path = root.join(CONFIG_FILE);
    if !config_path.is_file() {
        return Err(LoadError::NotARepository(root.to_path_buf()));
    }
    let canonical = root.canonicalize().map_err(|source| LoadError::Io {
        path: root.to_path_buf(),
        source,
    })?;

    // The limits live in aegis.yaml, so it is read first, under defaults.
    let defaults = Limits::default();
    let config = match config_path.canonicalize() {
        Ok(real) if !real.starts_with(&canonical) => {
            let mut f = SourceFile::new(CONFIG_FILE, Kind::Config);
            f.push(
                Diagnostic::new(
                    Code::PathEscapesRepo,
                    CONFIG_FILE,
                    Pos::START,
                    format!(
                        "aegis.yaml is a symbolic link to {}, outside the repository",
                        real.display()
                    ),
                )
                .help("keep aegis.yaml inside the repository"),
            );
            f
        }
        _ => read_file(&canonical, CONFIG_FILE, Kind::Config, &defaults),
    };
    let limits = config
        .tree
        .as_ref()
        .and_then(|t| t.get("limits"))
        .and_then(|l| serde_json::from_value::<Limits>(l.to_json()).ok())
        .filter(Limits::in_range)
        .unwrap_or(defaults);

    // Files are read and parsed while the walk is still finding more: on
    // a large repository the walk alone is a tenth of the load.
    let root = canonical.as_path();
    let (tx, rx) = std::sync::mpsc::channel::<(String, Kind)>();
    let (mut files, mut diagnostics) = std::thread::scope(|scope| {
        let walker = scope.spawn(move || {
            layout::walk(root, |rel, kind| {
                if !skip.contains(&kind) {
                    // The receiver lives until the walk ends.
                    let _ = tx.send((rel, kind));
                }
            })
        });
        let files: Vec<SourceFile> = rx
            .into_iter()
            .par_bridge()
            .map(|(rel, kind)| read_file(root, &rel, kind, &limits))
            .collect();
        let diagnostics = walker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (files, diagnostics)
    });
    files.par_sort_unstable_by(|a, b| a.path.cmp(&b.path));
    files.insert(0, config);
    for f in &mut files {
        diagnostics.append(&mut f.diagnostics);
    }
    Ok(Workspace {
        root: root.to_path_buf(),
        files,
        diagnostics,
        limits,
        source: Source::WorkTree,
    })
}

/// Reads and parses one file, turning every failure into a diagnostic.
fn read_file(root: &Path, rel: &str, kind: Kind, limits: &Limits) -> SourceFile {
    let mut file = SourceFile::new(rel, kind);
    let path = root.join(rel);
    // Read at most one byte past the limit: a file that grows while it is
    // read cannot slip past the bound, and a huge file is never loaded.
    let bytes = match read_bounded(&path, limits.max_file_bytes) {
        Ok(Some(b)) => b,
        Ok(None) => {
            let size =
                std::fs::metadata(&path).map_or(String::from("more than"), |m| m.len().to_string());
            return too_large(rel, kind, &size, limits);
        }
        Err(e) => {
            file.push(
                Diagnostic::new(
                    Code::IoError,
                    rel,
                    Pos::START,
                    format!("cannot read file: {e}"),
                )
                .help("check the file's permissions"),
            );
            return file;
        }
    };
    parse_bytes(rel, kind, bytes, limits)
}

/// A file over `limits.max_file_bytes`, reported and left unparsed.
pub(crate) fn too_large(rel: &str, kind: Kind, size: &str, limits: &Limits) -> SourceFile {
    let mut file = SourceFile::new(rel, kind);
    file.push(
        Diagnostic::new(
            Code::FileTooLarge,
            rel,
            Pos::START,
            format!(
                "file is {size} bytes, over the limit of {} bytes",
                limits.max_file_bytes
            ),
        )
        .help("split the file, or raise limits.max_file_bytes in aegis.yaml"),
    );
    file
}

/// Parses the bytes of one file, wherever they were read from (the working
/// tree, or a blob of a commit), turning every failure into a diagnostic.
pub(crate) fn parse_bytes(rel: &str, kind: Kind, bytes: Vec<u8>, limits: &Limits) -> SourceFile {
    let mut file = SourceFile::new(rel, kind);
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let (line, column) = line_col(&bytes[..good], good);
            file.push(
                Diagnostic::new(
                    Code::InvalidUtf8,
                    rel,
                    Pos {
                        line,
                        column,
                        offset: good,
                        len: 1,
                    },
                    format!(
                        "file is not valid UTF-8 (byte 0x{:02x} at offset {good})",
                        bytes[good]
                    ),
                )
                .help("save the file as UTF-8"),
            );
            return file;
        }
    };
    let ylimits = YamlLimits {
        max_depth: limits.max_depth,
        ..YamlLimits::default()
    };
    // A BOM is legal at the start of YAML and Markdown; offsets stay in the
    // file's own bytes, so it is skipped by shifting rather than by copying.
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let (yaml_text, shift) = if kind == Kind::Policy || kind == Kind::RemediationPlan {
        match frontmatter::find(&text[bom..]) {
            frontmatter::Found::FrontMatter(fm) => (
                &text[bom + fm.start..bom + fm.end],
                Shift {
                    lines: fm.lines_before,
                    bytes: bom + fm.start,
                },
            ),
            found => {
                let (message, help) = match (found == frontmatter::Found::NotClosed, kind) {
                    (true, Kind::Policy) => (
                        "policy's front matter is never closed: no `---` line ends it",
                        "add a line of `---` after the front matter's last key, before the policy's text",
                    ),
                    (false, Kind::Policy) => (
                        "policy has no YAML front matter",
                        "start the file with a `---` line, the policy's id, title, version, owner and schema_version, then another `---` line",
                    ),
                    (true, _) => (
                        "remediation plan's front matter is never closed: no `---` line ends it",
                        "regenerate the plan with `aegis remediation plan`",
                    ),
                    (false, _) => (
                        "remediation plan has no YAML front matter",
                        "regenerate the plan with `aegis remediation plan`",
                    ),
                };
                file.push(
                    Diagnostic::new(Code::FrontMatterMissing, rel, Pos::START, message).help(help),
                );
                file.text = text;
                return file;
            }
        }
    } else {
        (
            &text[bom..],
            Shift {
                lines: 0,
                bytes: bom,
            },
        )
    };
    match yaml::parse(yaml_text, ylimits, shift) {
        Ok(tree) => file.tree = Some(tree),
        Err(e) => file.push(Diagnostic::new(e.code, rel, e.pos, e.message).help(e.help)),
    }
    file.text = text;
    file
}

pub(crate) fn read_bounded(path: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    // Sized from the open handle: one read instead of a doubling series.
    let hint = usize::try_from(file.metadata().map_or(0, |m| m.len()).min(max)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(hint + 1);
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

/// Reads `aegis.yaml` into its model when it is valid, for the stages that
/// only need settings (such as `init` checking what it wrote).
pub fn config_of(ws: &Workspace) -> Option<Config> {
    let tree = ws.files.first()?.tree.as_ref()?;
    serde_json::from_value(tree.to_json()).ok()
}
