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
