//! Evidence rules: repository artifacts exist, stay inside the repository
//! and match their recorded hash; evidence is fresh; rejected or
//! quarantined evidence is not cited.

use super::Ctx;
use crate::diag::{Code, Diagnostic};
use crate::hashing::HashMap;
use crate::model::ReviewStatus;
use rayon::prelude::*;
use std::path::{Component, Path};

pub(super) fn check(ctx: &mut Ctx) {
    let root = ctx.ws.root_canonical();
    let repo = ctx.repo;
    let file_diags: Vec<Diagnostic> = repo
        .evidence
        .par_iter()
        .filter(|e| e.value.is_repo_file())
        .filter_map(|e| {
            let path = ctx.path(e.file);
            // Located only when there is something to say: most artifacts
            // are fine, and a walk over history checks them every commit.
            let d = |code, msg: String, help: &str| {
                Some(Diagnostic::new(code, path, ctx.pos(e.file, "/uri"), msg).help(help))
            };
            let uri = e.value.uri.as_str();
            let artifact = match crate::evidence::open(&ctx.ws.source, &root, uri) {
                Ok(a) => a,
                Err(err) => return d(err.code, err.message, err.help),
            };
            // The recorded size is compared first: a different size is
            // tampering already, found without reading a byte.
            if let Some(recorded) = e.value.size {
                match artifact.size() {
                    Ok(len) if len != recorded => {
                        let size_pos = ctx.pos(e.file, "/size");
                        return Some(
                            Diagnostic::new(
                                Code::EvidenceSizeMismatch,
                                path,
                                size_pos,
                                format!("`{uri}` is {len} bytes, not the recorded {recorded}"),
                            )
                            .help("if the new content is the evidence you mean, run `aegis evidence hash` to record its sha256 and size; otherwise restore the reviewed file"),
                        );
                    }
                    Ok(_) => {}
                    Err(err) => return d(Code::IoError, format!("cannot read evidence file `{uri}`: {err}"), "check the file's permissions"),
                }
            }
            if let Some(expected) = e.value.sha256.as_deref() {
                match artifact.hash() {
                    Ok((actual, size)) if actual != expected => {
                        let sha_pos = ctx.pos(e.file, "/sha256");
                        return Some(
                            Diagnostic::new(
                                Code::EvidenceHashMismatch,
                                path,
                                sha_pos,
                                format!("`{uri}` has SHA-256 {actual} ({size} bytes), not the recorded {expected}"),
                            )
                            .help("if the new content is the evidence you mean, run `aegis evidence hash` to record its sha256 and size; otherwise restore the reviewed file"),
                        );
                    }
                    Ok(_) => {}
                    Err(err) => return d(Code::IoError, format!("cannot read evidence file `{uri}`: {err}"), "check the file's permissions"),
                }
            }
            // An empty artifact proves nothing, even when its (empty) hash
            // was recorded: a collector that failed often writes one.
            match artifact.size() {
                Ok(0) => d(
                    Code::EvidenceEmpty,
                    format!("evidence file `{uri}` is empty (0 bytes)"),
                    "collect the evidence again; an empty file usually means the collector failed",
                ),
                _ => None,
            }
        })
        .collect();
    ctx.out.extend(file_diags);

    for e in &repo.evidence {
        let uri = e.value.uri.as_bytes();
        if uri.len() >= 5 && uri[..5].eq_ignore_ascii_case(b"file:") {
            ctx.emit(
                Code::PathEscapesRepo,
                e.file,
                "/uri",
                format!("evidence `{}` points at a local file by a file: URI", e.value.id),
                "use a path relative to the repository root (evidence/files/<name>), or an https:// or s3:// URI".into(),
            );
        }
        let escapes = {
            let p = Path::new(&e.value.uri);
            p.is_absolute() || p.components().any(|c| matches!(c, Component::ParentDir))
        };
        if e.value.is_repo_file() && e.value.sha256.is_none() && !escapes {
            ctx.emit(
                Code::EvidenceUnhashed,
                e.file,
                "/uri",
                format!(
                    "evidence `{}` is a repository file with no recorded sha256, so a later edit to it would go unnoticed",
                    e.value.id
                ),
                "run `aegis evidence hash` to record its sha256 and size (or, to accept unhashed evidence, set `evidence-unhashed: warning` under `diagnostics:` in aegis.yaml)".into(),
            );
        }
        if e.value.collected_at.date > ctx.opts.as_of {
            ctx.emit(
                Code::DateInFuture,
                e.file,
                "/collected_at",
                format!(
                    "evidence `{}` says it was collected on {}, after {} (the day of this run), so it would never go stale",
                    e.value.id, e.value.collected_at.text, ctx.opts.as_of
                ),
                "record the day the evidence was actually collected".into(),
            );
        }
        if let Some(at) = e.value.review.as_ref().and_then(|r| r.reviewed_at.as_ref())
            && at.date > ctx.opts.as_of
        {
            ctx.emit(
                Code::DateInFuture,
                e.file,
                "/review/reviewed_at",
                format!(
                    "evidence `{}` says it was reviewed on {}, after {} (the day of this run)",
                    e.value.id, at.text, ctx.opts.as_of
                ),
                "record the day the review actually happened".into(),
            );
        }
        if let Some(stale) = e.value.stale_from()
            && stale <= ctx.opts.as_of
        {
            let ptr = if e.value.expires_at.is_some_and(|d| d == stale) {
                "/expires_at"
            } else {
                "/collected_at"
            };
            ctx.emit(
                Code::EvidenceStale,
                e.file,
                ptr,
                format!(
                    "evidence `{}` went stale on {stale} (collected {})",
                    e.value.id, e.value.collected_at.text
                ),
                "collect the evidence again and update collected_at, sha256 and the artifact"
                    .into(),
            );
        }
        if let Some(at) = e.value.expires_at
            && at < e.value.collected_at.date
        {
            ctx.emit(
                Code::InvalidDateRange,
                e.file,
                "/expires_at",
                format!(
                    "evidence expires ({at}) before it was collected ({})",
                    e.value.collected_at.text
                ),
                "fix expires_at or collected_at".into(),
            );
        }
    }
}

/// Evidence rejected or quarantined in review, by id: what an
/// implementation must not cite (the status and the evidence file).
pub(super) struct Rejected(HashMap<String, (ReviewStatus, usize)>);

impl Rejected {
    pub(super) fn new(ctx: &Ctx) -> Rejected {
        Rejected(
            ctx.repo
                .evidence
                .iter()
                .filter_map(|e| {
                    let s = e.value.review.as_ref()?.status;
                    matches!(s, ReviewStatus::Rejected | ReviewStatus::Quarantined)
                        .then(|| (e.value.id.0.clone(), (s, e.file)))
                })
                .collect(),
        )
    }
}

/// One implementation cites no rejected or quarantined evidence.
pub(super) fn implementation(
    ctx: &mut Ctx,
    rejected: &Rejected,
    imp: &super::Located<crate::model::Implementation>,
) {
    if rejected.0.is_empty() {
        return;
    }
    for (i, id) in imp.value.evidence.iter().enumerate() {
        if let Some((status, file)) = rejected.0.get(id.as_str()) {
            let word = if *status == ReviewStatus::Rejected {
                "rejected"
            } else {
                "quarantined"
            };
            let place = ctx.place(*file, "/review/status");
            ctx.emit(
                Code::EvidenceRejected,
                imp.file,
                &format!("/evidence/{i}"),
                format!("cites evidence `{id}`, which was {word} in review ({place})"),
                "replace it with accepted evidence, or remove it from this implementation".into(),
            );
        }
    }
}
