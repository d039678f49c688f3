//! Signed evidence: every manifest under evidence/signatures/ must verify
//! against a key aegis.yaml trusts, signed while the key was valid; the
//! evidence a valid manifest names must still be what it attests; and a
//! system that requires signed evidence may cite only evidence a valid
//! manifest covers.

use super::{Ctx, references};
use crate::diag::Code;
use crate::evidence::keys;
use crate::hashing::{HashMap, HashSet};
use crate::model::{Evidence, SignedEvidence};

/// What the valid manifests say about one evidence record.
#[derive(Default)]
struct Attested<'a> {
    /// A valid manifest attests the record exactly as it is now.
    covered: bool,
    /// Valid manifests that attest something else (path, entry).
    other: Vec<(usize, &'a SignedEvidence)>,
}

/// Whether a manifest entry attests the record as it is now: same
/// artifact, same content, same collection.
pub fn attests(entry: &SignedEvidence, e: &Evidence) -> bool {
    entry.uri == e.uri
        && entry.sha256 == e.sha256
        && entry.size == e.size
        && entry.collected_at.text == e.collected_at.text
}

/// The signing rules for everything but implementations (see
/// `implementation`); returns what that needs.
pub(super) fn check(ctx: &mut Ctx) -> Unsigned {
    let repo = ctx.repo;
    let trusted = trusted_keys(ctx);
    let mut attested: HashMap<&str, Attested> = HashMap::default();
    let evidence: HashMap<&str, &Evidence> = repo
        .evidence
        .iter()
        .map(|e| (e.value.id.as_str(), &*e.value))
        .collect();

    for sig in &repo.signatures {
        let m = &sig.value.manifest;
        let Some((key, not_before, not_after)) = trusted.get(m.key_id.as_str()) else {
            let known: Vec<String> = trusted.keys().map(|k| k.to_string()).collect();
            let hint = match super::schema::did_you_mean(&m.key_id, &known) {
                Some(s) => format!("did you mean `{s}`? "),
                None => String::new(),
            };
            ctx.emit(
                Code::SigningKeyUnknown,
                sig.file,
                "/manifest/key_id",
                format!(
                    "the manifest is signed with key `{}`, which signing.trusted_keys in aegis.yaml does not list, so nothing it attests is trusted",
                    m.key_id
                ),
                format!(
                    "{hint}add the key's public half to signing.trusted_keys (`aegis evidence keygen` prints it), or sign again with a trusted key"
                ),
            );
            continue;
        };
        if !keys::verify(m, &sig.value.signature, key) {
            ctx.emit(
                Code::EvidenceSignatureInvalid,
                sig.file,
                "/signature",
                format!(
                    "the signature does not verify with trusted key `{}`: the manifest was changed after it was signed, or it was signed with a different key",
                    m.key_id
                ),
                "sign the evidence again with `aegis evidence sign` and the key aegis.yaml trusts; never edit a signed manifest by hand".into(),
            );
            continue;
        }
        let day = m.signed_at.date;
        let outside = match (not_before, not_after) {
            (Some(b), _) if day < *b => Some(format!("before the key's not_before ({b})")),
            (_, Some(a)) if day > *a => Some(format!("after the key's not_after ({a})")),
            _ => None,
        };
        if let Some(why) = outside {
            ctx.emit(
                Code::SigningKeyExpired,
                sig.file,
                "/manifest/signed_at",
                format!(
                    "the manifest was signed on {} with key `{}`, {why}, so nothing it attests is trusted",
                    m.signed_at.text, m.key_id
                ),
                "sign the evidence again with a key that is valid today, or correct the key's validity in signing.trusted_keys".into(),
            );
            continue;
        }
        if day > ctx.opts.as_of {
            ctx.emit(
                Code::DateInFuture,
                sig.file,
                "/manifest/signed_at",
                format!(
                    "the manifest says it was signed on {}, after {} (the day of this run)",
                    m.signed_at.text, ctx.opts.as_of
                ),
                "sign again; a signing time cannot be in the future".into(),
            );
            continue;
        }
        for entry in &m.evidence {
            let Some(e) = evidence.get(entry.id.as_str()) else {
                continue;
            };
            let a = attested.entry(e.id.as_str()).or_default();
            if attests(entry, e) {
                a.covered = true;
            } else {
                a.other.push((sig.file, entry));
            }
        }
    }

    for e in &repo.evidence {
        let Some(a) = attested.get(e.value.id.as_str()) else {
            continue;
        };
        if a.covered {
            continue;
        }
        let Some((file, entry)) = a.other.first() else {
            continue;
        };
        let what = |sha: &Option<String>, size: Option<u64>| {
            format!(
                "sha256 {}, {} bytes",
                sha.as_deref().unwrap_or("(none)"),
                size.map_or("?".to_string(), |s| s.to_string())
            )
        };
        let pointer = if entry.sha256 != e.value.sha256 {
            "/sha256"
        } else if entry.uri != e.value.uri {
            "/uri"
        } else if entry.size != e.value.size {
            "/size"
        } else {
            "/collected_at"
        };
        let place = ctx.path(*file).to_string();
        ctx.emit(
            Code::EvidenceSignatureMismatch,
            e.file,
            pointer,
            format!(
                "evidence `{}` is now `{}` ({}, collected {}), but the signed manifest {place} attests `{}` ({}, collected {}): it changed after signing",
                e.value.id,
                e.value.uri,
                what(&e.value.sha256, e.value.size),
                e.value.collected_at.text,
                entry.uri,
                what(&entry.sha256, entry.size),
                entry.collected_at.text,
            ),
            "restore the signed evidence, or, if the new evidence is genuine, have its collector sign it again (`aegis evidence sign`)".into(),
        );
    }

    let requiring: HashSet<String> = repo
        .config
        .iter()
        .flat_map(|c| c.systems.iter())
        .filter(|s| s.require_signed_evidence)
        .map(|s| s.id.0.clone())
        .collect();
    if requiring.is_empty() {
        return Unsigned::default();
    }
    // Covered, or already reported as changed since signing, is not
    // reported again at the implementations that cite it.
    let unsigned = evidence
        .keys()
        .filter(|id| {
            attested
                .get(*id)
                .is_none_or(|a| !a.covered && a.other.is_empty())
        })
        .map(|id| id.to_string())
        .collect();
    Unsigned {
        requiring,
        unsigned,
    }
}

/// What the signing rule needs to judge one implementation: the systems
/// that require signed evidence, and the evidence no valid manifest covers.
#[derive(Default)]
pub(super) struct Unsigned {
    requiring: HashSet<String>,
    unsigned: HashSet<String>,
}

/// An implementation of a system that requires signed evidence cites only
/// evidence a valid manifest covers.
pub(super) fn implementation(
    ctx: &mut Ctx,
    u: &Unsigned,
    imp: &super::Located<crate::model::Implementation>,
) {
    if u.requiring.is_empty() {
        return;
    }
    let system = references::system_of_file(ctx.path(imp.file), &imp.value);
    if !u.requiring.contains(system) {
        return;
    }
    for (i, id) in imp.value.evidence.iter().enumerate() {
        if !u.unsigned.contains(id.as_str()) {
            continue;
        }
        let place = match ctx.system_index.get(system) {
            Some(n) => ctx.place(0, &format!("/systems/{n}/require_signed_evidence")),
            None => "aegis.yaml".into(),
        };
        ctx.emit(
            Code::EvidenceUnsigned,
            imp.file,
            &format!("/evidence/{i}"),
            format!(
                "cites evidence `{id}`, which no valid signed manifest covers, but system `{system}` requires signed evidence ({place})"
            ),
            "have the evidence's collector sign it: `aegis evidence sign --key-file KEY --key-id ID` with a key listed in signing.trusted_keys".into(),
        );
    }
}

type Validity = (
    ed25519_dalek::VerifyingKey,
    Option<crate::model::Date>,
    Option<crate::model::Date>,
);

/// The trusted keys by id; keys that cannot be read are reported and left out.
fn trusted_keys<'a>(ctx: &mut Ctx<'a>) -> HashMap<&'a str, Validity> {
    let mut out = HashMap::default();
    let Some(config) = ctx.repo.config.as_ref() else {
        return out;
    };
    for (i, k) in config.signing.trusted_keys.iter().enumerate() {
        if out.contains_key(k.id.as_str()) {
            ctx.emit(
                Code::DuplicateId,
                0,
                &format!("/signing/trusted_keys/{i}/id"),
                format!("trusted key id `{}` is listed twice", k.id),
                "give each key its own id; only the first is used".into(),
            );
            continue;
        }
        match keys::parse_public(&k.public_key) {
            Ok(vk) => {
                out.insert(k.id.as_str(), (vk, k.not_before, k.not_after));
            }
            Err(e) => ctx.emit(
                Code::InvalidValue,
                0,
                &format!("/signing/trusted_keys/{i}/public_key"),
                format!("trusted key `{}`: {e}", k.id),
                "paste the public key `aegis evidence keygen` printed".into(),
            ),
        }
        if let (Some(b), Some(a)) = (k.not_before, k.not_after)
            && a < b
        {
            ctx.emit(
                Code::InvalidDateRange,
                0,
                &format!("/signing/trusted_keys/{i}/not_after"),
                format!("trusted key `{}` ends ({a}) before it starts ({b})", k.id),
                "fix not_before or not_after".into(),
            );
        }
    }
    out
}
