//! `aegis init`: a small working repository that passes `aegis check` on
//! the day it is created. The files are templates under `templates/init/`.

use crate::model::{Date, Period};
use crate::validate::evidence_hash;
use crate::write::write_atomic;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{0} already holds an aegis.yaml; refusing to overwrite an existing repository")]
    Exists(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

const ARTIFACT: &str = include_str!("../templates/init/access-review.md");

/// (path in the new repository, template text)
const FILES: &[(&str, &str)] = &[
    ("aegis.yaml", include_str!("../templates/init/aegis.yaml")),
    (
        "controls/starter/framework.yaml",
        include_str!("../templates/init/framework.yaml"),
    ),
    (
        "implementations/app/ST-1.yaml",
        include_str!("../templates/init/ST-1.yaml"),
    ),
    (
        "implementations/app/ST-2.yaml",
        include_str!("../templates/init/ST-2.yaml"),
    ),
    (
        "implementations/app/ST-3.yaml",
        include_str!("../templates/init/ST-3.yaml"),
    ),
    (
        "implementations/app/ST-4.yaml",
        include_str!("../templates/init/ST-4.yaml"),
    ),
    (
        "evidence/access-review.yaml",
        include_str!("../templates/init/access-review.yaml"),
    ),
    ("evidence/files/access-review.md", ARTIFACT),
    (
        "policies/access-control.md",
        include_str!("../templates/init/access-control.md"),
    ),
    (
        "exceptions/EX-001.yaml",
        include_str!("../templates/init/EX-001.yaml"),
    ),
    (
        ".github/workflows/compliance.yml",
        include_str!("../templates/init/compliance.yml"),
    ),
    (
        ".gitattributes",
        include_str!("../templates/init/gitattributes"),
    ),
];

/// Creates the repository in `dir` for organisation `org`, dated `today`.
/// Returns the files written, relative to `dir`.
pub fn scaffold(dir: &Path, org: &str, today: Date) -> Result<Vec<String>, InitError> {
    if dir.join("aegis.yaml").exists() {
        return Err(InitError::Exists(dir.to_path_buf()));
    }
    let (sha, size) = evidence_hash(ARTIFACT.as_bytes());
    let quarter: Period = "90d"
        .parse()
        .unwrap_or_else(|_| unreachable!("constant period"));
    let expires = today.plus(&quarter);
    let org = org.replace('\\', "\\\\").replace('"', "\\\"");
    let mut written = Vec::new();
    for (rel, template) in FILES {
        let text = template
            .replace("{{org}}", &org)
            .replace("{{today}}", &today.to_string())
            .replace("{{expires}}", &expires.to_string())
            .replace("{{sha256}}", &sha)
            .replace("{{size}}", &size.to_string());
        let path = dir.join(rel);
        write_atomic(&path, text.as_bytes()).map_err(|source| InitError::Write {
            path: path.clone(),
            source,
        })?;
        written.push((*rel).to_string());
    }
    // The starter's gaps (its policy awaits a first approval, two controls
    // cite no evidence yet) are recorded in the ratchet, so the gate passes
    // today and fails as soon as anything gets worse.
    let run = crate::pipeline::check(
        dir,
        today,
        crate::pipeline::CheckOptions {
            write_ratchet: true,
        },
    );
    let ratchet = dir.join("aegis-ratchet.json");
    if !ratchet.is_file() {
        let why = match run {
            Err(e) => e.to_string(),
            Ok(_) => "the gate could not record its counts".to_string(),
        };
        return Err(InitError::Write {
            path: ratchet,
            source: std::io::Error::other(why),
        });
    }
    written.push("aegis-ratchet.json".to_string());
    for (name, text) in crate::schema::files() {
        let rel = format!("schemas/{name}");
        let path = dir.join(&rel);
        write_atomic(&path, text.as_bytes()).map_err(|source| InitError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(rel);
    }
    Ok(written)
}
