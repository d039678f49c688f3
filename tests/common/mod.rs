//! What the integration test binaries share: the real-data corpus, and
//! MITRE's reading of HDF files for cross-checks. Not every test binary
//! uses every helper.
#![allow(dead_code)]

pub mod hdf;

use std::path::{Path, PathBuf};

/// The corpus root. Corpus tests are ignored (and say why) unless
/// AEGIS_CORPUS was set when they were built (see build.rs); running them
/// anyway without it is a mistake worth failing on.
pub fn corpus() -> PathBuf {
    match std::env::var_os("AEGIS_CORPUS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!(
            "AEGIS_CORPUS is not set: point it at the real-data corpus (`.ci/fetch-corpus DIR` fetches it)"
        ),
    }
}

/// A corpus file that must exist when the corpus is configured.
pub fn need(root: &Path, rel: &str) -> PathBuf {
    let p = root.join(rel);
    assert!(
        p.is_file(),
        "corpus file missing: {} (AEGIS_CORPUS={})",
        p.display(),
        root.display()
    );
    p
}

/// A minimal zip (an XLSX as far as a signature goes) holding one stored
/// sheet whose central directory claims `claimed` uncompressed bytes: a
/// zip bomb's shape, without its size.
pub fn zip_claiming(claimed: u32) -> Vec<u8> {
    let name = b"xl/worksheets/sheet1.xml";
    let name_len = (name.len() as u16).to_le_bytes();
    let mut z = Vec::new();
    // Local header: version, flags, method, time, date, crc, sizes, name.
    z.extend_from_slice(b"PK\x03\x04");
    z.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    z.extend_from_slice(&[0; 12]);
    z.extend_from_slice(&name_len);
    z.extend_from_slice(&[0, 0]);
    z.extend_from_slice(name);
    let directory = z.len() as u32;
    // Central directory entry: the claimed size is what a guard must see.
    z.extend_from_slice(b"PK\x01\x02");
    z.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    z.extend_from_slice(&[0; 8]);
    z.extend_from_slice(&claimed.to_le_bytes());
    z.extend_from_slice(&name_len);
    z.extend_from_slice(&[0; 16]);
    z.extend_from_slice(name);
    let directory_len = z.len() as u32 - directory;
    z.extend_from_slice(b"PK\x05\x06");
    z.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    z.extend_from_slice(&directory_len.to_le_bytes());
    z.extend_from_slice(&directory.to_le_bytes());
    z.extend_from_slice(&[0, 0]);
    z
}

/// Diagnostics of a repository `aegis init` scaffolded, without the
/// warning that its starter policy awaits a first approval (the state a
/// new repository starts in, which imports do not change).
pub fn beyond_scaffold(ds: &[aegis::diag::Diagnostic]) -> Vec<&aegis::diag::Diagnostic> {
    ds.iter()
        .filter(|d| {
            !(d.code == aegis::diag::Code::PolicyUnapproved
                && d.file == "policies/access-control.md")
        })
        .collect()
}
