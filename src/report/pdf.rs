//! PDF through a headless Chromium, when one is installed: the HTML page is
//! printed by the browser the reader would use, with a time limit so a
//! stuck browser never hangs CI. Nothing is installed or downloaded here.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Browser names looked up on `PATH`, in order.
const NAMES: [&str; 5] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
];

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(
        "no headless Chromium found to print the PDF: install Chromium (Debian and Ubuntu: `apt-get install chromium`) or Google Chrome, or set AEGIS_CHROMIUM to the browser's path"
    )]
    NoBrowser,
    #[error("AEGIS_CHROMIUM is {0}, which is not a file")]
    BadBrowser(String),
    #[error("cannot run {browser}: {source}")]
    Spawn {
        browser: String,
        source: std::io::Error,
    },
    #[error(
        "{browser} did not finish printing within {seconds} s and was stopped (raise --pdf-timeout)"
    )]
    Timeout { browser: String, seconds: u64 },
    #[error("{browser} failed to print the PDF (exit {code}): {stderr}")]
    Failed {
        browser: String,
        code: String,
        stderr: String,
    },
    #[error("cannot prepare the page to print: {0}")]
    Io(#[from] std::io::Error),
}

/// The browser to print with: `AEGIS_CHROMIUM`, else the first of the
/// usual names on `PATH`.
pub fn browser() -> Result<PathBuf, PdfError> {
    if let Some(p) = std::env::var_os("AEGIS_CHROMIUM") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(PdfError::BadBrowser(p.display().to_string()))
        };
    }
    let path = std::env::var_os("PATH").ok_or(PdfError::NoBrowser)?;
    for dir in std::env::split_paths(&path) {
        for name in NAMES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(PdfError::NoBrowser)
}

/// A private scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> std::io::Result<Scratch> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let base = std::env::temp_dir();
        for _ in 0..100 {
            let dir = base.join(format!(
                "aegis-pdf-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            // create_dir fails when the name exists, so no one else's
            // directory is ever reused.
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(Scratch(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other("no free scratch directory name"))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether this process runs as root, when Chromium's sandbox refuses to
/// start (it does in most CI containers).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(2))
            == Some("0")
    })
}

/// Prints `html` (a self-contained page) to PDF bytes, dated `generated`
/// (RFC 3339, the report's time of record) rather than when it was printed.
pub fn print(html: &str, generated: &str, timeout: Duration) -> Result<Vec<u8>, PdfError> {
    let browser = browser()?;
    let name = browser.display().to_string();
    let scratch = Scratch::new()?;
    let page = scratch.0.join("report.html");
    let out = scratch.0.join("report.pdf");
    std::fs::write(&page, html)?;
    let mut cmd = Command::new(&browser);
    cmd.arg("--headless")
        .arg("--disable-gpu")
        .arg("--no-first-run")
        .arg("--no-default-browser-check")
        .arg("--disable-extensions")
        .arg("--disable-background-networking")
        .arg("--disable-sync")
        .arg("--no-pdf-header-footer")
        .arg(format!(
            "--user-data-dir={}",
            scratch.0.join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", out.display()));
    if is_root() {
        cmd.arg("--no-sandbox");
    }
    cmd.arg(file_url(&page))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|source| PdfError::Spawn {
        browser: name.clone(),
        source,
    })?;
    // Chromium writes a lot to stderr; read it on the side so it never
    // blocks on a full pipe.
    let stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut s = String::new();
        if let Some(mut e) = stderr {
            let _ = e.by_ref().take(1 << 20).read_to_string(&mut s);
        }
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(PdfError::Timeout {
                browser: name,
                seconds: timeout.as_secs(),
            });
        }
        std::thread::sleep(Duration::from_millis(25));
    };
    let stderr = reader.join().unwrap_or_default();
    match std::fs::read(&out) {
        Ok(bytes) if status.success() && bytes.starts_with(b"%PDF") => Ok(dated(bytes, generated)),
        _ => Err(PdfError::Failed {
            browser: name,
            code: status
                .code()
                .map_or("by signal".to_string(), |c| c.to_string()),
            stderr: crate::output::escape::text(last_lines(&stderr, 3).trim()).into_owned(),
        }),
    }
}

/// The browser stamps the PDF with the time it printed it, the one thing
/// that differs between two prints of the same page. Both stamps are
/// overwritten in place with the report's time of record (same length, so
/// every offset in the file stays right).
fn dated(mut pdf: Vec<u8>, generated: &str) -> Vec<u8> {
    let digits: Vec<u8> = generated
        .bytes()
        .filter(u8::is_ascii_digit)
        .take(14)
        .collect();
    if digits.len() != 14 {
        return pdf;
    }
    for key in [&b"/CreationDate (D:"[..], &b"/ModDate (D:"[..]] {
        let mut from = 0;
        while let Some(i) = find(&pdf[from..], key) {
            let at = from + i + key.len();
            if pdf
                .get(at..at + 14)
                .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            {
                pdf[at..at + 14].copy_from_slice(&digits);
            }
            from = at;
        }
    }
    pdf
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn last_lines(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" / ")
}

/// A `file://` URL for an absolute path, with the characters a URL cannot
/// hold percent-encoded.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.display().to_string().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn print_dates_become_the_time_of_record() {
        let pdf = b"%PDF-1.4 /CreationDate (D:20261129234524+00'00') /ModDate (D:20261129234524+00'00')>>".to_vec();
        let out = dated(pdf.clone(), "2026-11-02T10:00:00Z");
        assert_eq!(out.len(), pdf.len());
        assert_eq!(
            String::from_utf8_lossy(&out),
            "%PDF-1.4 /CreationDate (D:20261102100000+00'00') /ModDate (D:20261102100000+00'00')>>"
        );
    }

    #[test]
    fn file_urls_are_encoded() {
        assert_eq!(
            file_url(Path::new("/tmp/a b/r#1.html")),
            "file:///tmp/a%20b/r%231.html"
        );
    }

    #[test]
    fn scratch_directories_are_private_and_removed() {
        let a = Scratch::new().expect("scratch");
        let b = Scratch::new().expect("scratch");
        assert_ne!(a.0, b.0);
        let path = a.0.clone();
        drop(a);
        assert!(!path.exists());
    }
}
