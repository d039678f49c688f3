//! `aegis evidence add`: record a repository file or a URL as evidence of
//! controls, with its hash, size and media type, in `evidence/<id>.yaml`.

use super::{Error, refuse};
use crate::model::{ControlRef, Evidence, EvidenceId, Period, SCHEMA_VERSION, When};
use crate::schema::Kind;
use crate::validate::{self, Resolved};
use crate::workspace::Workspace;
use std::path::{Path, PathBuf};

/// What the user asked to record.
#[derive(Debug, Default)]
pub struct Request {
    /// A path (relative to the current directory, or absolute) or a URL.
    pub source: String,
    pub controls: Vec<String>,
    pub id: Option<String>,
    pub title: Option<String>,
    pub expires_after: Option<Period>,
    pub retention: Option<Period>,
    pub collector: Option<String>,
    pub media_type: Option<String>,
    /// When absent, now.
    pub collected_at: Option<When>,
    /// Where a file too large for git is kept (s3://, https://); the file
    /// given is then only hashed.
    pub uri: Option<String>,
    /// The SHA-256 of a URL's content, when the user knows it.
    pub sha256: Option<String>,
    /// Replace the recorded artifact of an existing record.
    pub update: bool,
}

/// What `add` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Created {
        id: String,
        path: String,
    },
    /// The record already holds this artifact; nothing was written.
    Unchanged {
        id: String,
        path: String,
    },
    /// `--update`: the record now holds the new artifact.
    Updated {
        id: String,
        path: String,
        was: Option<String>,
    },
}

/// Records the evidence; `cwd` resolves a relative FILE. With `dry_run`,
/// writes nothing and shows the record (or the edit of it) on `out`.
pub fn run(
    ws: &Workspace,
    req: &Request,
    cwd: &Path,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Outcome, Error> {
    let outcome = validate::index_only(ws);
    // A broken aegis.yaml leaves the default; validation reports it.
    let max = outcome.repo.config.as_ref().map_or(
        crate::model::EvidenceSettings::DEFAULT_MAX_COMMITTED_BYTES,
        |c| c.evidence.max_committed_bytes(),
    );
    let mut problems = Vec::new();
    for (what, v) in [
        ("--title", &req.title),
        ("--collector", &req.collector),
        ("--media-type", &req.media_type),
    ] {
        if let Some(v) = v {
            crate::text::check_line(what, v, &mut problems);
        }
    }
    if !problems.is_empty() {
        return refuse(problems.join("; "));
    }
    let controls = resolve_controls(&outcome, &req.controls)?;
    let artifact = artifact(ws, req, cwd, max)?;
    let id = match &req.id {
        Some(id) => id.clone(),
        None => id_from(&artifact.name).ok_or_else(|| {
            Error::Refused(format!(
                "cannot derive an evidence id from `{}`; pass --id",
                artifact.name
            ))
        })?,
    };
    if !valid_id(&id) {
        return refuse(format!(
            "`{id}` is not a valid evidence id: letters, digits, '.', '_' and '-', starting with a letter or digit"
        ));
    }
    let collected_at = match &req.collected_at {
        Some(w) => w.clone(),
        None => now(),
    };
    let record = Evidence {
        schema_version: SCHEMA_VERSION,
        id: EvidenceId(id.clone()),
        title: req.title.clone().unwrap_or_else(|| artifact.name.clone()),
        description: None,
        uri: artifact.uri.clone(),
        sha256: artifact.sha256.clone(),
        size: artifact.size,
        media_type: Some(
            req.media_type
                .clone()
                .unwrap_or_else(|| artifact.media_type.to_string()),
        ),
        collected_at,
        collector: req.collector.clone(),
        expires_after: req.expires_after.clone(),
        expires_at: None,
        retention: req.retention.clone(),
        retain_until: None,
        review: None,
        controls,
    };

    let _lock = super::lock(&ws.root, "evidence", dry_run)?;

    if let Some(existing) = outcome.repo.evidence.iter().find(|e| e.value.id.0 == id) {
        let file = &ws.files[existing.file];
        let edit = Edit {
            file,
            old: &existing.value,
            new: &record,
            allowed: req.update,
        };
        return update(ws, &edit, dry_run, out);
    }
    let rel = format!("evidence/{id}.yaml");
    let target = ws.root.join(&rel);
    if target.symlink_metadata().is_ok() {
        return refuse(format!(
            "{rel} exists but is not a valid evidence record; run `aegis validate` to see why, fix or remove it, then add again"
        ));
    }
    let text = crate::import::native::render(&rel, Kind::Evidence, &record)
        .map_err(|e| Error::Refused(e.to_string()))?;
    crate::change::write_or_show(&ws.root, &rel, None, &text, dry_run, out)?;
    Ok(Outcome::Created { id, path: rel })
}

/// An existing record with the same id: unchanged when it already holds
/// this artifact, refused when it holds another unless `--update`.
struct Edit<'a> {
    file: &'a crate::workspace::SourceFile,
    old: &'a Evidence,
    new: &'a Evidence,
    /// `--update`.
    allowed: bool,
}

fn update(
    ws: &Workspace,
    &Edit {
        file,
        old,
        new,
        allowed,
    }: &Edit<'_>,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Outcome, Error> {
    let path = file.path.clone();
    let id = new.id.0.clone();
    if old.uri == new.uri && old.sha256 == new.sha256 {
        return Ok(Outcome::Unchanged { id, path });
    }
    if !allowed {
        return refuse(format!(
            "evidence `{id}` ({path}) already records {} (sha256 {}), not this artifact; pass --update to record the new one, or --id to add it under another id",
            old.uri,
            old.sha256.as_deref().unwrap_or("none"),
        ));
    }
    // Each key is edited in place: comments, order and the other keys stay
    // as the author wrote them. The old review was of the old content.
    let mut text = file.text.clone();
    let failed = |e: crate::edit::EditError| Error::Refused(format!("{path}: {e}"));
    text = crate::edit::set_value(&text, "uri", &new.uri).map_err(failed)?;
    for (key, value) in [("sha256", &new.sha256), ("media_type", &new.media_type)] {
        text = match value {
            Some(v) => crate::edit::set_value(&text, key, v),
            None => crate::edit::remove_key(&text, key),
        }
        .map_err(failed)?;
    }
    text = match new.size {
        Some(v) => crate::edit::set_value(&text, "size", &v),
        None => crate::edit::remove_key(&text, "size"),
    }
    .map_err(failed)?;
    text = crate::edit::set_value(&text, "collected_at", &new.collected_at).map_err(failed)?;
    text = crate::edit::remove_key(&text, "review").map_err(failed)?;
    crate::change::write_or_show(&ws.root, &path, Some(&file.text), &text, dry_run, out)?;
    Ok(Outcome::Updated {
        id,
        path,
        was: old.sha256.clone(),
    })
}

/// The artifact as it will be recorded.
struct Found {
    /// The file or URL's last name, for the id and title.
    name: String,
    uri: String,
    sha256: Option<String>,
    size: Option<u64>,
    media_type: &'static str,
}

fn is_url(s: &str) -> bool {
    s.contains("://")
}

fn artifact(ws: &Workspace, req: &Request, cwd: &Path, max: u64) -> Result<Found, Error> {
    if let Some(sha) = &req.sha256
        && !(sha.len() == 64
            && sha
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    {
        return refuse(format!(
            "--sha256 `{sha}` is not a SHA-256: 64 lower-case hexadecimal digits"
        ));
    }
    for u in req
        .uri
        .iter()
        .chain(is_url(&req.source).then_some(&req.source))
    {
        check_remote(u)?;
    }
    if is_url(&req.source) {
        if req.uri.is_some() {
            return refuse("--uri is for a local copy of a large file; a URL is recorded as it is");
        }
        let path = req.source.split(['?', '#']).next().unwrap_or_default();
        let name = path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .filter(|n| !n.is_empty() && !path.ends_with("://"))
            .unwrap_or(path)
            .to_string();
        return Ok(Found {
            media_type: super::media::media_type(path, b""),
            name,
            uri: req.source.clone(),
            sha256: req.sha256.clone(),
            size: None,
        });
    }
    if req.sha256.is_some() {
        return refuse("--sha256 is for a URL; a file's hash is computed");
    }
    let given = cwd.join(&req.source);
    let name = given
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let real = match given.canonicalize() {
        Ok(r) => r,
        Err(e) => return refuse(format!("cannot read `{}`: {e}", req.source)),
    };
    if !real.is_file() {
        return refuse(format!("`{}` is not a regular file", req.source));
    }
    let head = read_head(&real);
    let media_type = super::media::media_type(&name, &head);
    if let Some(uri) = &req.uri {
        // The local copy is only hashed: its path is never recorded, so it
        // may be anywhere.
        let (sha256, size) = hash(&real, &req.source)?;
        return Ok(Found {
            name,
            uri: uri.clone(),
            sha256: Some(sha256),
            size: Some(size),
            media_type,
        });
    }
    let root = ws.root_canonical();
    let Ok(rel) = real.strip_prefix(&root) else {
        return refuse(format!(
            "`{}` is outside the repository ({}); copy it under evidence/files/, or, if it is kept elsewhere, pass --uri s3://... or https://... with where it is stored",
            req.source,
            ws.root.display()
        ));
    };
    let rel = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if rel.split('/').any(|p| p.starts_with('.')) {
        return refuse(format!(
            "`{rel}` is hidden (a name starting with '.'), which Aegis never reads; move it under evidence/files/"
        ));
    }
    // The same resolution validation uses, so the record will validate.
    let path = super::resolve(&root, &rel).map_err(|e| Error::Refused(e.to_string()))?;
    let (sha256, size) = hash(&path, &rel)?;
    if size > max {
        return refuse(format!(
            "`{rel}` is {size} bytes, over evidence.max_committed_bytes ({max}) in aegis.yaml: keep large artifacts out of git. Upload it (s3://, https://) and run `aegis evidence add {rel} --uri <where it is stored> ...` to record its hash, then remove it from the repository (or raise the limit)"
        ));
    }
    Ok(Found {
        name,
        uri: rel,
        sha256: Some(sha256),
        size: Some(size),
        media_type,
    })
}

fn check_remote(uri: &str) -> Result<(), Error> {
    let lower = uri.to_ascii_lowercase();
    let ok = ["https://", "http://", "s3://", "gs://", "az://"]
        .iter()
        .any(|p| lower.starts_with(p) && lower.len() > p.len());
    if ok && !uri.chars().any(char::is_control) {
        return Ok(());
    }
    refuse(format!(
        "`{}` is not a URI Aegis records: use https://, http://, s3://, gs:// or az://",
        crate::output::escape::text(uri)
    ))
}

fn hash(path: &Path, shown: &str) -> Result<(String, u64), Error> {
    crate::digest::hash_file(path)
        .map_err(|e| Error::Refused(format!("cannot read `{shown}`: {e}")))
}

fn read_head(path: &PathBuf) -> Vec<u8> {
    use std::io::Read;
    let mut head = Vec::with_capacity(16);
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.take(16).read_to_end(&mut head);
    }
    head
}

/// Checks every control reference against the repository's frameworks,
/// and returns them framework-qualified.
fn resolve_controls(
    outcome: &validate::Outcome,
    refs: &[String],
) -> Result<Vec<ControlRef>, Error> {
    let all: Vec<String> = outcome.index.frameworks.keys().cloned().collect();
    let mut out = Vec::new();
    for r in refs {
        let cref = ControlRef(r.trim().to_string());
        match outcome.index.resolve(&cref, &all) {
            Resolved::Found { framework, control } => {
                let id = &outcome.index.frameworks[&framework].controls[control].id;
                let q = ControlRef(format!("{framework}:{id}"));
                if !out.contains(&q) {
                    out.push(q);
                }
            }
            Resolved::UnknownFramework {
                framework,
                suggestion,
            } => {
                return refuse(format!(
                    "--control `{r}`: framework `{framework}` is not in controls/{}",
                    hint(suggestion)
                ));
            }
            Resolved::UnknownControl {
                framework,
                suggestion,
            } => {
                let fw = framework.map_or("any framework".into(), |f| format!("`{f}`"));
                return refuse(format!(
                    "--control `{r}`: no such control in {fw}{}",
                    hint(suggestion)
                ));
            }
            Resolved::Ambiguous(fws) => {
                return refuse(format!(
                    "--control `{r}` could be a control of {}; write it as FRAMEWORK:CONTROL",
                    fws.join(", ")
                ));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn hint(s: Option<String>) -> String {
    s.map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

/// An evidence id from a file name: its stem, lower-cased, with anything
/// but letters, digits, '.', '_' and '-' turned into '-'.
pub fn id_from(name: &str) -> Option<String> {
    let stem = match name.rsplit_once('.') {
        Some((s, _)) if !s.is_empty() => s,
        _ => name,
    };
    let mut id = String::new();
    for c in stem.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            id.push(c);
        } else if !id.ends_with('-') {
            id.push('-');
        }
    }
    let id = id.trim_matches(['-', '.', '_']).to_string();
    valid_id(&id).then_some(id)
}

fn valid_id(id: &str) -> bool {
    id.len() <= 128
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
}

/// Now, to the second, in UTC.
pub fn now() -> When {
    let ts = jiff::Timestamp::now();
    let text = ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    text.parse().unwrap_or_else(|_| When {
        date: crate::model::Date::today_utc(),
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_file_names() {
        assert_eq!(
            id_from("Access Review 2026-Q3.pdf").as_deref(),
            Some("access-review-2026-q3")
        );
        assert_eq!(id_from("tls.config.json").as_deref(), Some("tls.config"));
        assert_eq!(id_from("..."), None);
        assert_eq!(id_from("Über.txt").as_deref(), Some("ber"));
    }
}
