// Tests unwrap freely: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use super::*;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::thread;

/// How the test server answers every request.
#[derive(Clone)]
enum Reply {
    Body(Vec<u8>),
    NotFound,
    /// Claims `claimed` bytes, sends `body`, closes.
    Short {
        claimed: usize,
        body: Vec<u8>,
    },
    /// Accepts and never answers.
    Silent,
}

/// A one-purpose HTTP/1.1 server on 127.0.0.1; returns its base URL and the
/// request paths it saw.
fn serve(reply: Reply) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let reply = reply.clone();
            let log = log.clone();
            thread::spawn(move || answer(stream, reply, log));
        }
    });
    (format!("http://{addr}"), seen)
}

fn answer(mut stream: TcpStream, reply: Reply, log: std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    reader.read_line(&mut request_line).unwrap();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
            break;
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .to_string();
    log.lock().unwrap().push(path);
    let head = |status: &str, len: usize| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Length: {len}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
        )
    };
    match reply {
        Reply::Body(body) => {
            let _ = stream.write_all(head("200 OK", body.len()).as_bytes());
            let _ = stream.write_all(&body);
        }
        Reply::NotFound => {
            let _ = stream.write_all(head("404 Not Found", 9).as_bytes());
            let _ = stream.write_all(b"not found");
        }
        Reply::Short { claimed, body } => {
            let _ = stream.write_all(head("200 OK", claimed).as_bytes());
            let _ = stream.write_all(&body);
        }
        Reply::Silent => {
            thread::sleep(Duration::from_secs(20));
        }
    }
    let _ = stream.flush();
}

/// The corpus root. Corpus tests are ignored (and say why) unless
/// AEGIS_CORPUS was set when they were built (see build.rs); running them
/// anyway without it is a mistake worth failing on.
fn corpus() -> PathBuf {
    match std::env::var_os("AEGIS_CORPUS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!(
            "AEGIS_CORPUS is not set: point it at the real-data corpus (`.ci/fetch-corpus DIR` fetches it)"
        ),
    }
}

fn corpus_bytes(root: &Path, rel: &str) -> Vec<u8> {
    let p = root.join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("corpus file missing: {}: {e}", p.display()))
}

/// Every file under `dir`, so a test can assert nothing was left behind.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().to_path_buf())
        .collect()
}

const LOW: &str = "oscal/nist-800-53-rev5/NIST_SP-800-53_rev5_LOW-baseline_profile.json";

/// An entry with no pinned checksum, for tests that supply their own.
const UNPINNED: Entry = Entry {
    name: "test-unpinned",
    title: "Test",
    version: "1",
    publisher: "Test",
    kind: Kind::OscalCatalog,
    path: "owner/repo/0000000000000000000000000000000000000000/file.json",
    sha256: None,
    licence: "none",
};

fn opts(cache: &Path, base: &str) -> FetchOptions {
    let mut o = FetchOptions::new(cache);
    o.base_url = Some(base.to_string());
    o.timeout = Duration::from_secs(2);
    o
}

#[test]
fn registry_is_well_formed() {
    let mut names = std::collections::HashSet::new();
    for e in REGISTRY {
        assert!(names.insert(e.name), "duplicate {}", e.name);
        let commit = e.path.split('/').nth(2).unwrap();
        assert!(
            commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit()),
            "{} is not pinned to a commit",
            e.name
        );
        let sha = e
            .sha256
            .unwrap_or_else(|| panic!("{} has no pinned SHA-256", e.name));
        {
            assert!(
                sha.len() == 64
                    && sha
                        .chars()
                        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            );
        }
        assert!(
            e.url(DEFAULT_BASE_URL)
                .starts_with("https://raw.githubusercontent.com/")
        );
    }
    for name in [
        "nist-800-53-rev5-5.0.1",
        "nist-800-53-rev5-low",
        "nist-800-53-rev5-moderate",
        "nist-800-53-rev5-high",
        "nist-800-53-rev5-privacy",
        "fedramp-rev5-high",
        "fedramp-rev5-moderate",
        "fedramp-rev5-low",
        "fedramp-rev5-li-saas",
        "disa-cci",
    ] {
        assert!(find(name).is_some(), "{name} missing");
    }
    let low = find("nist-800-53-rev5-low").unwrap();
    let source = low.source(DEFAULT_BASE_URL, None);
    assert_eq!(source.sha256.as_deref(), low.sha256);
    assert!(
        source
            .url
            .unwrap()
            .ends_with("NIST_SP-800-53_rev5_LOW-baseline_profile.json")
    );
    let err = lookup("nist-800-53-rev5-moderat").unwrap_err().to_string();
    assert!(
        err.contains("did you mean `nist-800-53-rev5-moderate`"),
        "{err}"
    );
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn pinned_checksums_match_the_corpus_copies() {
    let root = corpus();
    let copies = [
        (
            "nist-800-53-rev5-5.0.1",
            "oscal/nist-800-53-rev5/v5.0.1/NIST_SP-800-53_rev5_catalog.json",
        ),
        ("nist-800-53-rev5-low", LOW),
        (
            "nist-800-53-rev5-moderate",
            "oscal/nist-800-53-rev5/NIST_SP-800-53_rev5_MODERATE-baseline_profile.json",
        ),
        (
            "nist-800-53-rev5-high",
            "oscal/nist-800-53-rev5/NIST_SP-800-53_rev5_HIGH-baseline_profile.json",
        ),
        (
            "nist-800-53-rev5-privacy",
            "oscal/nist-800-53-rev5/NIST_SP-800-53_rev5_PRIVACY-baseline_profile.json",
        ),
        (
            "fedramp-rev5-high",
            "oscal/fedramp-rev5/FedRAMP_rev5_HIGH-baseline_profile.json",
        ),
        (
            "fedramp-rev5-moderate",
            "oscal/fedramp-rev5/FedRAMP_rev5_MODERATE-baseline_profile.json",
        ),
        (
            "fedramp-rev5-low",
            "oscal/fedramp-rev5/FedRAMP_rev5_LOW-baseline_profile.json",
        ),
        (
            "fedramp-rev5-li-saas",
            "oscal/fedramp-rev5/FedRAMP_rev5_LI-SaaS-baseline_profile.json",
        ),
        ("disa-cci", "mappings/cci_to_nist-800-53/disa-cci-list.xml"),
    ];
    for (name, rel) in copies {
        let entry = find(name).unwrap();
        assert_eq!(
            entry.sha256,
            Some(hex(&Sha256::digest(corpus_bytes(&root, rel))).as_str()),
            "{name}"
        );
        assert_eq!(Some(entry.file_name()), rel.rsplit('/').next(), "{name}");
    }
}

/// Every pin is the checksum the corpus's SOURCES.md gives for exactly the
/// pinned repository, commit and path: a pin nobody could hash from the
/// published file does not get in.
#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn every_pin_is_the_recorded_checksum_of_exactly_that_file() {
    let root = corpus();
    let sources = std::fs::read_to_string(root.join("SOURCES.md")).unwrap();
    // | `file` | owner/repo | `path in source` | `commit` | `sha256` | ...
    let rows: Vec<Vec<String>> = sources
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            l.split('|')
                .map(|c| c.trim().trim_matches('`').to_string())
                .collect()
        })
        .filter(|cells: &Vec<String>| cells.len() > 6)
        .collect();
    for e in REGISTRY {
        let mut parts = e.path.splitn(4, '/');
        let (owner, repo, commit, path) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let recorded: Vec<&str> = rows
            .iter()
            .filter(|r| r[2] == format!("{owner}/{repo}") && r[3] == path && r[4] == commit)
            .map(|r| r[5].as_str())
            .collect();
        assert_eq!(
            recorded,
            vec![e.sha256.unwrap()],
            "{}: SOURCES.md has no copy of {} (or another checksum)",
            e.name,
            e.path
        );
    }
}

#[test]
fn a_pinned_source_taken_unverified_only_with_the_explicit_opt_out() {
    let (base, _) = serve(Reply::Body(b"not the pinned bytes".to_vec()));
    let cache = tempfile::tempdir().unwrap();
    let low = find("nist-800-53-rev5-low").unwrap();
    let err = fetch_with(low, &opts(cache.path(), &base)).unwrap_err();
    assert!(matches!(err, FetchError::ChecksumMismatch { .. }), "{err}");
    let mut o = opts(cache.path(), &base);
    o.insecure_skip_checksum = true;
    let path = fetch_with(low, &o).unwrap();
    assert!(path.to_string_lossy().contains("unverified"));
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn fetch_success_then_cache_hit() {
    let root = corpus();
    let body = corpus_bytes(&root, LOW);
    let (base, seen) = serve(Reply::Body(body.clone()));
    let cache = tempfile::tempdir().unwrap();
    let entry = find("nist-800-53-rev5-low").unwrap();
    let path = fetch(entry, cache.path(), Some(&base), false).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), body);
    assert!(path.ends_with("NIST_SP-800-53_rev5_LOW-baseline_profile.json"));
    assert_eq!(files_under(cache.path()), vec![path.clone()]);
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [format!("/{}", entry.path)].as_slice()
    );
    // A verified copy in the cache is used without a request.
    let again = fetch(entry, cache.path(), Some(&base), false).unwrap();
    assert_eq!(again, path);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn fetch_checksum_mismatch_leaves_nothing() {
    let root = corpus();
    let wrong = corpus_bytes(
        &root,
        "oscal/nist-800-53-rev5/NIST_SP-800-53_rev5_MODERATE-baseline_profile.json",
    );
    let (base, _) = serve(Reply::Body(wrong));
    let cache = tempfile::tempdir().unwrap();
    let err = fetch(
        find("nist-800-53-rev5-low").unwrap(),
        cache.path(),
        Some(&base),
        false,
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, FetchError::ChecksumMismatch { .. }), "{msg}");
    assert!(
        msg.contains("79b7c450ab62ba012e5ad95f6255ece75fc165b2c421fefda276d82240542219"),
        "{msg}"
    );
    assert!(
        msg.contains("d88e64e1e4b3a2d65de2367f4ec31828c04f1be93375fd597c41af1409578e03"),
        "{msg}"
    );
    assert_eq!(files_under(cache.path()), Vec::<PathBuf>::new());
}

#[test]
fn fetch_with_given_checksum_and_mismatch_without_corpus() {
    let body = b"{\"catalog\": {}}".to_vec();
    let sha = hex(&Sha256::digest(&body));
    let (base, _) = serve(Reply::Body(body.clone()));
    let cache = tempfile::tempdir().unwrap();
    let mut o = opts(cache.path(), &base);
    o.sha256 = Some(sha.to_ascii_uppercase());
    let path = fetch_with(&UNPINNED, &o).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), body);
    assert!(path.to_string_lossy().contains(&sha));

    let other = tempfile::tempdir().unwrap();
    let mut o = opts(other.path(), &base);
    o.sha256 = Some("0".repeat(64));
    let err = fetch_with(&UNPINNED, &o).unwrap_err();
    assert!(matches!(err, FetchError::ChecksumMismatch { .. }), "{err}");
    assert_eq!(files_under(other.path()), Vec::<PathBuf>::new());
}

#[test]
fn fetch_refuses_unknown_checksum_without_a_flag() {
    // No server: the refusal happens before any network access.
    let cache = tempfile::tempdir().unwrap();
    let err = fetch(&UNPINNED, cache.path(), Some("http://127.0.0.1:9"), false).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, FetchError::ChecksumUnknown { .. }), "{msg}");
    assert!(
        msg.contains("--sha256") && msg.contains("--insecure-skip-checksum"),
        "{msg}"
    );
    let mut o = opts(cache.path(), "http://127.0.0.1:9");
    o.sha256 = Some("xyz".into());
    assert!(matches!(
        fetch_with(&UNPINNED, &o),
        Err(FetchError::BadChecksum { .. })
    ));
    // A --sha256 that disagrees with a pinned one is refused too.
    let mut o = opts(cache.path(), "http://127.0.0.1:9");
    o.sha256 = Some("1".repeat(64));
    let err = fetch_with(find("nist-800-53-rev5-low").unwrap(), &o).unwrap_err();
    assert!(matches!(err, FetchError::ChecksumMismatch { .. }), "{err}");
    assert_eq!(files_under(cache.path()), Vec::<PathBuf>::new());
}

#[test]
fn fetch_insecure_skip_checksum() {
    let (base, _) = serve(Reply::Body(b"data".to_vec()));
    let cache = tempfile::tempdir().unwrap();
    let mut o = opts(cache.path(), &base);
    o.insecure_skip_checksum = true;
    let path = fetch_with(&UNPINNED, &o).unwrap();
    assert!(path.to_string_lossy().contains("unverified"));
    assert_eq!(std::fs::read(path).unwrap(), b"data");
}

#[test]
fn fetch_404() {
    let (base, _) = serve(Reply::NotFound);
    let cache = tempfile::tempdir().unwrap();
    let err = fetch(
        find("nist-800-53-rev5-low").unwrap(),
        cache.path(),
        Some(&base),
        false,
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, FetchError::Status { status: 404, .. }),
        "{msg}"
    );
    assert!(
        msg.contains("HTTP 404 Not Found") && msg.contains(&base),
        "{msg}"
    );
    assert_eq!(files_under(cache.path()), Vec::<PathBuf>::new());
    assert_eq!(
        std::fs::read_dir(cache.path()).unwrap().count(),
        0,
        "directories left behind"
    );
}

#[test]
fn fetch_truncated_body() {
    let (base, _) = serve(Reply::Short {
        claimed: 1000,
        body: vec![b'x'; 100],
    });
    let cache = tempfile::tempdir().unwrap();
    let err = fetch(
        find("nist-800-53-rev5-low").unwrap(),
        cache.path(),
        Some(&base),
        false,
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, FetchError::Truncated { expected: 1000, .. }),
        "{msg}"
    );
    assert!(msg.contains("truncated"), "{msg}");
    assert_eq!(files_under(cache.path()), Vec::<PathBuf>::new());
}

#[test]
fn fetch_timeout() {
    let (base, _) = serve(Reply::Silent);
    let cache = tempfile::tempdir().unwrap();
    let mut o = opts(cache.path(), &base);
    o.timeout = Duration::from_millis(500);
    let started = std::time::Instant::now();
    let err = fetch_with(find("nist-800-53-rev5-low").unwrap(), &o).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, FetchError::Timeout { .. }), "{msg}");
    assert!(msg.contains("timed out"), "{msg}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(files_under(cache.path()), Vec::<PathBuf>::new());
}

#[test]
fn fetch_too_large() {
    let (base, _) = serve(Reply::Body(vec![b'x'; 4096]));
    let cache = tempfile::tempdir().unwrap();
    let mut o = opts(cache.path(), &base);
    o.insecure_skip_checksum = true;
    o.max_bytes = 1024;
    let err = fetch_with(&UNPINNED, &o).unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err}");
    assert_eq!(files_under(cache.path()), Vec::<PathBuf>::new());
}
