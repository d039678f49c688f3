//! `aegis framework fetch NAME`: download a pinned official source into a
//! local cache, verifying length and SHA-256 before anything lands there.
//! The only place besides `publish` where aegis touches the network.

mod registry;

pub use registry::{Entry, Kind, REGISTRY, find};

use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub const DEFAULT_BASE_URL: &str = "https://raw.githubusercontent.com";
/// Replaces [`DEFAULT_BASE_URL`] (a mirror, or a local server in tests).
pub const BASE_URL_ENV: &str = "AEGIS_FETCH_BASE_URL";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest official catalog is about 10 MB; anything far bigger is not
/// what was pinned.
pub const MAX_DOWNLOAD_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("unknown source `{name}`{hint} (known: {known})")]
    Unknown {
        name: String,
        hint: String,
        known: String,
    },
    #[error(
        "`{name}` has no pinned SHA-256, so its download cannot be verified; pass `--sha256 <hex>` with the checksum you expect, or `--insecure-skip-checksum` to import it unverified"
    )]
    ChecksumUnknown { name: String },
    #[error("`{value}` is not a SHA-256 (64 hexadecimal digits)")]
    BadChecksum { value: String },
    #[error("{url}: HTTP {status}{}", reason(*.status))]
    Status { url: String, status: u16 },
    #[error("{url}: timed out after {secs} s")]
    Timeout { url: String, secs: u64 },
    #[error("{url}: truncated download: received {received} of {expected} bytes")]
    Truncated {
        url: String,
        expected: u64,
        received: u64,
    },
    #[error("{url}: checksum mismatch: expected sha256 {expected}, got {actual}")]
    ChecksumMismatch {
        url: String,
        expected: String,
        actual: String,
    },
    #[error("{url}: larger than {max} bytes")]
    TooLarge { url: String, max: u64 },
    #[error("{url}: {message}")]
    Network { url: String, message: String },
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn reason(status: u16) -> String {
    ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(|r| format!(" {r}"))
        .unwrap_or_default()
}

/// Everything [`fetch_with`] can be told.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    pub cache_dir: PathBuf,
    /// Overrides [`BASE_URL_ENV`] and [`DEFAULT_BASE_URL`].
    pub base_url: Option<String>,
    /// Show a progress bar (only ever drawn on a terminal).
    pub progress: bool,
    /// Connect, response and per-read timeout.
    pub timeout: Duration,
    /// The checksum the user vouches for (`--sha256`); must equal the pinned
    /// one when both exist.
    pub sha256: Option<String>,
    /// `--insecure-skip-checksum`: accept a source without a known checksum.
    pub insecure_skip_checksum: bool,
    pub max_bytes: u64,
}

impl FetchOptions {
    pub fn new(cache_dir: impl Into<PathBuf>) -> Self {
        FetchOptions {
            cache_dir: cache_dir.into(),
            base_url: None,
            progress: false,
            timeout: DEFAULT_TIMEOUT,
            sha256: None,
            insecure_skip_checksum: false,
            max_bytes: MAX_DOWNLOAD_BYTES,
        }
    }
}

/// Where fetched sources are kept unless the caller says otherwise:
/// `$XDG_CACHE_HOME/aegis`, `~/.cache/aegis`, or `%LOCALAPPDATA%\aegis`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("XDG_CACHE_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".cache")))
        .or_else(|| var("LOCALAPPDATA"))
        .map(|d| d.join("aegis"))
}

/// Looks a name up in the registry, with a "did you mean" on a miss.
pub fn lookup(name: &str) -> Result<&'static Entry, FetchError> {
    find(name).ok_or_else(|| {
        let hint = REGISTRY
            .iter()
            .map(|e| (strsim::jaro_winkler(e.name, name), e.name))
            .filter(|(s, _)| *s > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, n)| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
        FetchError::Unknown {
            name: name.to_string(),
            hint,
            known: REGISTRY
                .iter()
                .map(|e| e.name)
                .collect::<Vec<_>>()
                .join(", "),
        }
    })
}

/// Downloads `entry` into `cache_dir` (unless a verified copy is there) and
/// returns the cached file. Sources without a pinned checksum are refused;
/// use [`fetch_with`] to supply one or to skip verification.
pub fn fetch(
    entry: &Entry,
    cache_dir: &Path,
    base_url_override: Option<&str>,
    progress: bool,
) -> Result<PathBuf, FetchError> {
    let mut opts = FetchOptions::new(cache_dir);
    opts.base_url = base_url_override.map(str::to_string);
    opts.progress = progress;
    fetch_with(entry, &opts)
}

pub fn fetch_with(entry: &Entry, opts: &FetchOptions) -> Result<PathBuf, FetchError> {
    let expected = expected_checksum(entry, opts)?;
    let base = opts
        .base_url
        .clone()
        .or_else(|| std::env::var(BASE_URL_ENV).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
    let url = entry.url(&base);
    // Keyed by checksum, so a re-pinned source never reuses a stale copy.
    let dir = opts
        .cache_dir
        .join(entry.name)
        .join(expected.as_deref().unwrap_or("unverified"));
    let target = dir.join(entry.file_name());
    if let Some(sha) = &expected
        && target.is_file()
        && hash_file(&target)? == *sha
    {
        return Ok(target);
    }

    let created = create_dirs(&dir)?;
    remove_stale_parts(&dir, entry.file_name());
    let result = download(&url, &dir, &target, expected.as_deref(), opts);
    if result.is_err() {
        // Leave the cache as it was: no file, and no directories we made.
        for d in created.iter().rev() {
            let _ = fs::remove_dir(d);
        }
    }
    result.map(|()| target)
}

fn expected_checksum(entry: &Entry, opts: &FetchOptions) -> Result<Option<String>, FetchError> {
    let given = match &opts.sha256 {
        Some(v) => {
            let v = v.trim().to_ascii_lowercase();
            if v.len() != 64 || !v.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(FetchError::BadChecksum { value: v });
            }
            Some(v)
        }
        None => None,
    };
    match (entry.sha256, given) {
        (Some(pinned), Some(given)) if pinned != given => Err(FetchError::ChecksumMismatch {
            url: format!("--sha256 for `{}`", entry.name),
            expected: pinned.to_string(),
            actual: given,
        }),
        // The explicit opt-out also covers a pinned source (a mirror that
        // re-publishes the file): the bytes are then taken unverified.
        (Some(_), None) if opts.insecure_skip_checksum => Ok(None),
        (Some(pinned), _) => Ok(Some(pinned.to_string())),
        (None, Some(given)) => Ok(Some(given)),
        (None, None) if opts.insecure_skip_checksum => Ok(None),
        (None, None) => Err(FetchError::ChecksumUnknown {
            name: entry.name.to_string(),
        }),
    }
}

/// A download killed by a signal never runs its cleanup; its `.part` file
/// is removed by a later fetch once it is clearly abandoned (a day old).
fn remove_stale_parts(dir: &Path, file_name: &str) {
    let Ok(listing) = fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{file_name}.");
    for entry in listing.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(24 * 3600));
        if name.starts_with(&prefix) && name.ends_with(".part") && stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn create_dirs(dir: &Path) -> Result<Vec<PathBuf>, FetchError> {
    let mut missing = Vec::new();
    let mut d = Some(dir);
    while let Some(p) = d {
        if p.as_os_str().is_empty() || p.exists() {
            break;
        }
        missing.push(p.to_path_buf());
        d = p.parent();
    }
    missing.reverse();
    fs::create_dir_all(dir).map_err(|e| FetchError::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    Ok(missing)
}

fn download(
    url: &str,
    dir: &Path,
    target: &Path,
    expected: Option<&str>,
    opts: &FetchOptions,
) -> Result<(), FetchError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(opts.timeout))
        .timeout_recv_response(Some(opts.timeout))
        .timeout_per_read(Some(opts.timeout))
        .user_agent(concat!("aegis/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let secs = opts.timeout.as_secs().max(1);
    let net = |e: ureq::Error| classify(url, secs, e);
    // Identity encoding, so Content-Length counts the bytes we hash.
    let response = agent
        .get(url)
        .header("Accept-Encoding", "identity")
        .call()
        .map_err(net)?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(FetchError::Status {
            url: url.to_string(),
            status,
        });
    }
    let length = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if length.is_some_and(|n| n > opts.max_bytes) {
        return Err(FetchError::TooLarge {
            url: url.to_string(),
            max: opts.max_bytes,
        });
    }

    let mut temp = TempFile::create(dir, target)?;
    let bar = progress_bar(opts.progress, length);
    let mut reader = response.into_body().into_reader();
    let mut hasher = Sha256::new();
    let mut received: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let err = ureq::Error::from(e);
                let cut_short = matches!(&err, ureq::Error::Io(io) if io.kind() == io::ErrorKind::UnexpectedEof);
                return Err(match length {
                    Some(expected) if cut_short => FetchError::Truncated {
                        url: url.to_string(),
                        expected,
                        received,
                    },
                    _ => net(err),
                });
            }
        };
        received += n as u64;
        if received > opts.max_bytes {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                max: opts.max_bytes,
            });
        }
        hasher.update(&buf[..n]);
        temp.write(&buf[..n])?;
        if let Some(b) = &bar {
            b.set_position(received);
        }
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(expected) = length
        && expected != received
    {
        return Err(FetchError::Truncated {
            url: url.to_string(),
            expected,
            received,
        });
    }
    let actual = hex(&hasher.finalize());
    if let Some(expected) = expected
        && actual != expected
    {
        return Err(FetchError::ChecksumMismatch {
            url: url.to_string(),
            expected: expected.to_string(),
            actual,
        });
    }
    temp.persist(target)
}

fn classify(url: &str, secs: u64, err: ureq::Error) -> FetchError {
    match err {
        ureq::Error::Timeout(_) => FetchError::Timeout {
            url: url.to_string(),
            secs,
        },
        ureq::Error::Io(e)
            if matches!(
                e.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ) =>
        {
            FetchError::Timeout {
                url: url.to_string(),
                secs,
            }
        }
        ureq::Error::StatusCode(status) => FetchError::Status {
            url: url.to_string(),
            status,
        },
        other => FetchError::Network {
            url: url.to_string(),
            message: other.to_string(),
        },
    }
}

fn progress_bar(wanted: bool, length: Option<u64>) -> Option<indicatif::ProgressBar> {
    if !wanted || !io::stderr().is_terminal() {
        return None;
    }
    let bar = match length {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::new_spinner(),
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

fn hash_file(path: &Path) -> Result<String, FetchError> {
    crate::digest::hash_file(path)
        .map(|(sha, _)| sha)
        .map_err(|source| FetchError::Io {
            path: path.to_path_buf(),
            source,
        })
}

use crate::digest::hex;

/// A download in progress beside its destination; removed unless persisted,
/// so a failed or interrupted fetch leaves nothing in the cache.
struct TempFile {
    path: PathBuf,
    file: Option<File>,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl TempFile {
    fn create(dir: &Path, target: &Path) -> Result<Self, FetchError> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".{name}.{}.{n}.part", std::process::id()));
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| FetchError::Io {
                path: path.clone(),
                source: e,
            })?;
        Ok(TempFile {
            path,
            file: Some(file),
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), FetchError> {
        let result = match &mut self.file {
            Some(f) => f.write_all(bytes),
            None => Ok(()),
        };
        result.map_err(|e| FetchError::Io {
            path: self.path.clone(),
            source: e,
        })
    }

    fn persist(mut self, target: &Path) -> Result<(), FetchError> {
        let io_err = |path: &Path, e| FetchError::Io {
            path: path.to_path_buf(),
            source: e,
        };
        if let Some(f) = self.file.take() {
            f.sync_all().map_err(|e| io_err(&self.path, e))?;
        }
        fs::rename(&self.path, target).map_err(|e| io_err(target, e))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // After a successful rename the path no longer exists; ignoring the
        // error covers that case.
        self.file.take();
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests;
