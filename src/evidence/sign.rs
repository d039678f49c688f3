//! `aegis evidence keygen` and `aegis evidence sign`: a collector's key,
//! and a signed manifest of the evidence it collected, kept as a record
//! under evidence/signatures/ for validation to verify.

use super::keys::{self, KeyError};
use super::{Error, refuse};
use crate::diag::{Code, Severity};
use crate::model::{EvidenceSignature, Manifest, SCHEMA_VERSION, SignedEvidence, When};
use crate::pipeline::Run;
use crate::schema::Kind;
use ed25519_dalek::SigningKey;
use std::path::Path;

/// The largest key file read: a PEM key is about 120 bytes.
const MAX_KEY_BYTES: u64 = 64 * 1024;

/// Writes a new private key to `out` (PKCS#8 PEM, readable by its owner
/// only) and returns it. An existing file is never overwritten.
pub fn keygen(out: &Path) -> Result<SigningKey, Error> {
    use std::io::Write;
    let key = keys::generate()?;
    let pem = keys::private_pem(&key)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let shown = out.display().to_string();
    let mut file = opts.open(out).map_err(|source| match source.kind() {
        std::io::ErrorKind::AlreadyExists => Error::Refused(format!(
            "{shown} already exists; a key file is never overwritten (move it away, or choose another --out)"
        )),
        _ => Error::Io {
            path: shown.clone(),
            source,
        },
    })?;
    let written = file
        .write_all(pem.as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(source) = written {
        drop(file);
        let _ = std::fs::remove_file(out);
        return Err(Error::Io {
            path: shown,
            source,
        });
    }
    Ok(key)
}

/// Where the private key comes from.
pub enum KeySource<'a> {
    File(&'a Path),
    /// The name of an environment variable holding the key.
    Env(&'a str),
}

/// Reads a private key; errors never quote it.
pub fn read_key(source: &KeySource) -> Result<SigningKey, Error> {
    use ed25519_dalek::pkcs8::spki::der::zeroize::Zeroizing;
    let text = match source {
        KeySource::File(path) => {
            let bytes = crate::workspace::read_bounded(path, MAX_KEY_BYTES)
                .map_err(|source| Error::Io {
                    path: path.display().to_string(),
                    source,
                })?
                .ok_or_else(|| {
                    Error::Refused(format!(
                        "{} is larger than any key file ({MAX_KEY_BYTES} bytes at most)",
                        path.display()
                    ))
                })?;
            let bytes = Zeroizing::new(bytes);
            Zeroizing::new(
                std::str::from_utf8(&bytes)
                    .map_err(|_| KeyError::BadPrivate)?
                    .to_string(),
            )
        }
        KeySource::Env(name) => match std::env::var(name) {
            Ok(v) => Zeroizing::new(v),
            Err(_) => {
                return refuse(format!(
                    "the environment variable {name} is not set (or not UTF-8); it should hold the private key"
                ));
            }
        },
    };
    Ok(keys::parse_private(&text)?)
}

/// Who signs: the key, its id in `signing.trusted_keys`, and optionally a name.
pub struct Signer<'a> {
    pub key: &'a SigningKey,
    pub key_id: &'a str,
    /// A person or CI job, recorded in the manifest.
    pub name: Option<String>,
}

/// What `sign` wrote.
pub struct Signed {
    pub path: String,
    pub manifest: Manifest,
    /// False when the same manifest was already recorded.
    pub written: bool,
    /// Said to the user: the key is not (yet) trusted by aegis.yaml.
    pub warnings: Vec<String>,
}

/// Signs a manifest of the evidence `ids` (every record when empty) with
/// `key`, and records it. Evidence validation finds fault with (a file
/// that does not match its hash, a missing or unhashed file) is refused:
/// a signature must never vouch for content nobody recorded.
///
/// With `dry_run`, writes nothing and shows the manifest file on `out`.
pub fn sign(
    run: &Run,
    ids: &[String],
    signer: &Signer<'_>,
    signed_at: When,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Signed, Error> {
    let &Signer { key, key_id, .. } = signer;
    let signer = signer.name.clone();
    let ws = &run.workspace;
    let repo = &run.outcome.repo;
    let mut problems = Vec::new();
    crate::text::check_line("--key-id", key_id, &mut problems);
    if let Some(name) = &signer {
        crate::text::check_line("--signer", name, &mut problems);
    }
    if !problems.is_empty() {
        return refuse(problems.join("; "));
    }
    let mut selected: Vec<&crate::model::Evidence> = Vec::new();
    for id in ids {
        match repo.evidence.iter().find(|e| e.value.id.0 == *id) {
            Some(e) => selected.push(&e.value),
            None => {
                let known: Vec<String> =
                    repo.evidence.iter().map(|e| e.value.id.0.clone()).collect();
                let hint = crate::validate::schema::did_you_mean(id, &known)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                return refuse(format!("no evidence record has the id `{id}`{hint}"));
            }
        }
    }
    if ids.is_empty() {
        selected = repo.evidence.iter().map(|e| &*e.value).collect();
    }
    if selected.is_empty() {
        return refuse("there is no evidence to sign");
    }
    let unfit = [
        Code::EvidenceHashMismatch,
        Code::EvidenceSizeMismatch,
        Code::EvidenceFileMissing,
        Code::EvidenceUnhashed,
        Code::PathEscapesRepo,
        Code::IoError,
    ];
    let mut problems = Vec::new();
    for e in &selected {
        let Some(rec) = repo.evidence.iter().find(|r| r.value.id == e.id) else {
            continue;
        };
        let path = &ws.files[rec.file].path;
        for d in run
            .diagnostics
            .iter()
            .filter(|d| d.file == *path && d.severity == Severity::Error && unfit.contains(&d.code))
        {
            problems.push(format!("  {}: {} [{}]", d.file, d.message, d.code));
        }
    }
    if !problems.is_empty() {
        return refuse(format!(
            "refusing to sign evidence whose files do not match their records:\n{}\nrecord the files' hashes (`aegis evidence hash`) after checking they are genuine, then sign",
            problems.join("\n")
        ));
    }
    let mut evidence: Vec<SignedEvidence> = selected
        .iter()
        .map(|e| SignedEvidence {
            id: e.id.clone(),
            uri: e.uri.clone(),
            sha256: e.sha256.clone(),
            size: e.size,
            collected_at: e.collected_at.clone(),
        })
        .collect();
    evidence.sort_by(|a, b| a.id.cmp(&b.id));
    evidence.dedup_by(|a, b| a.id == b.id);
    let manifest = Manifest {
        key_id: key_id.to_string(),
        signer,
        signed_at,
        evidence,
    };

    let mut warnings = Vec::new();
    let public = key.verifying_key();
    let trusted = repo
        .config
        .as_ref()
        .and_then(|c| c.signing.trusted_keys.iter().find(|k| k.id == key_id));
    match trusted {
        Some(t) => match keys::parse_public(&t.public_key) {
            Ok(pk) if pk == public => {}
            Ok(_) => {
                return refuse(format!(
                    "the private key is not the one trusted as `{key_id}` in aegis.yaml (its public key differs); use that key, or another --key-id"
                ));
            }
            Err(e) => warnings.push(format!("trusted key `{key_id}` in aegis.yaml: {e}")),
        },
        None => warnings.push(format!(
            "key `{key_id}` is not in signing.trusted_keys of aegis.yaml, so validation will not trust this manifest until it is added with public_key: {}",
            keys::public_base64(&public)
        )),
    }

    let signature = keys::sign(&manifest, key);
    let digest = crate::digest::sha256_hex(&manifest.canonical_bytes());
    let stamp: String = manifest
        .signed_at
        .text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let path = format!("evidence/signatures/{stamp}-{}.yaml", &digest[..12]);
    let record = EvidenceSignature {
        schema_version: SCHEMA_VERSION,
        manifest,
        signature,
    };
    let text = crate::import::native::render(&path, Kind::EvidenceSignature, &record)
        .map_err(|e| Error::Refused(e.to_string()))?;
    let _lock = super::lock(&ws.root, "evidence/signatures", dry_run)?;
    // The same manifest signed again is the same file (Ed25519 signatures
    // are deterministic): then nothing is written.
    let old = ws
        .files
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.text.as_str());
    let written = crate::change::write_or_show(&ws.root, &path, old, &text, dry_run, out)?
        != crate::change::Applied::Unchanged;
    Ok(Signed {
        path,
        manifest: record.manifest,
        written,
        warnings,
    })
}
