//! The manifest beside every report: what made it, from which commit, when
//! (the commit's time), and each artifact's length and SHA-256, so a
//! reader can tell the file in front of them is the one that was made.

use super::Meta;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Manifest<'a> {
    pub version: u32,
    pub generator: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<&'a str>,
    pub generated: &'a str,
    pub report: &'a str,
    pub format: &'a str,
    pub artifacts: Vec<Artifact>,
}

#[derive(Debug, Serialize)]
pub struct Artifact {
    /// The file's name, relative to the manifest.
    pub path: String,
    pub bytes: usize,
    pub sha256: String,
}

impl Artifact {
    pub fn of(path: &str, contents: &[u8]) -> Artifact {
        use sha2::{Digest, Sha256};
        Artifact {
            path: path.to_string(),
            bytes: contents.len(),
            sha256: crate::digest::hex(&Sha256::digest(contents)),
        }
    }
}

impl<'a> Manifest<'a> {
    pub fn new(meta: &'a Meta, report: &'a str, format: &'a str, artifacts: Vec<Artifact>) -> Self {
        Manifest {
            version: 1,
            generator: &meta.generator,
            commit: meta.commit.as_deref(),
            generated: &meta.generated,
            report,
            format,
            artifacts,
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}
