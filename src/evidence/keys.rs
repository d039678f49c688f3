//! Ed25519 keys for signing evidence manifests: generating, reading and
//! writing them. A private key's bytes never reach an error message or the
//! output; they live in zeroizing buffers.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::spki::der::zeroize::Zeroizing;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::model::Manifest;

/// Why a key could not be used. Messages never quote the key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error(
        "the private key is neither a PKCS#8 PEM block (`-----BEGIN PRIVATE KEY-----`) holding an Ed25519 key nor the base64 of a 32-byte seed"
    )]
    BadPrivate,
    #[error(
        "the public key is neither the base64 of 32 raw bytes nor a PEM `PUBLIC KEY` block holding an Ed25519 key"
    )]
    BadPublic,
    #[error("the system's random number generator failed: {0}")]
    Random(String),
}

/// A new key from the operating system's random number generator.
pub fn generate() -> Result<SigningKey, KeyError> {
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut()).map_err(|e| KeyError::Random(e.to_string()))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// The PKCS#8 PEM text of a private key.
pub fn private_pem(key: &SigningKey) -> Result<Zeroizing<String>, KeyError> {
    key.to_pkcs8_pem(LineEnding::LF)
        .map_err(|_| KeyError::BadPrivate)
}

/// A private key from PKCS#8 PEM text or the base64 of its 32-byte seed.
pub fn parse_private(text: &str) -> Result<SigningKey, KeyError> {
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        return SigningKey::from_pkcs8_pem(text).map_err(|_| KeyError::BadPrivate);
    }
    let bytes = Zeroizing::new(STANDARD.decode(text).map_err(|_| KeyError::BadPrivate)?);
    let seed: &[u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| KeyError::BadPrivate)?;
    Ok(SigningKey::from_bytes(seed))
}

/// A public key from base64 of 32 raw bytes or a PEM `PUBLIC KEY` block.
pub fn parse_public(text: &str) -> Result<VerifyingKey, KeyError> {
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        return VerifyingKey::from_public_key_pem(text).map_err(|_| KeyError::BadPublic);
    }
    let bytes = STANDARD.decode(text).map_err(|_| KeyError::BadPublic)?;
    let raw: &[u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| KeyError::BadPublic)?;
    VerifyingKey::from_bytes(raw).map_err(|_| KeyError::BadPublic)
}

/// The form `signing.trusted_keys[].public_key` takes: base64 of the raw bytes.
pub fn public_base64(key: &VerifyingKey) -> String {
    STANDARD.encode(key.as_bytes())
}

/// The base64 signature of a manifest.
pub fn sign(manifest: &Manifest, key: &SigningKey) -> String {
    STANDARD.encode(key.sign(&manifest.canonical_bytes()).to_bytes())
}

/// Whether `signature` (base64) is `key`'s signature of `manifest`.
pub fn verify(manifest: &Manifest, signature: &str, key: &VerifyingKey) -> bool {
    let Ok(bytes) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(&bytes) else {
        return false;
    };
    // Strict: no malleable signatures, no weak keys.
    key.verify_strict(&manifest.canonical_bytes(), &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SignedEvidence, When};

    fn manifest() -> Manifest {
        Manifest {
            key_id: "ci".into(),
            signer: Some("ci".into()),
            signed_at: "2026-11-30T04:00:00Z".parse::<When>().expect("when"),
            evidence: vec![SignedEvidence {
                id: crate::model::EvidenceId("a".into()),
                uri: "evidence/files/a.txt".into(),
                sha256: Some("0".repeat(64)),
                size: Some(3),
                collected_at: "2026-11-01".parse::<When>().expect("when"),
            }],
        }
    }

    #[test]
    fn a_signature_verifies_only_with_its_key_and_manifest() {
        let key = generate().expect("key");
        let other = generate().expect("key");
        let m = manifest();
        let sig = sign(&m, &key);
        assert!(verify(&m, &sig, &key.verifying_key()));
        assert!(!verify(&m, &sig, &other.verifying_key()));
        let mut changed = m.clone();
        changed.evidence[0].sha256 = Some("1".repeat(64));
        assert!(!verify(&changed, &sig, &key.verifying_key()));
        assert!(!verify(&m, "not base64!", &key.verifying_key()));
    }

    #[test]
    fn private_keys_read_from_pem_and_seed() {
        let key = generate().expect("key");
        let pem = private_pem(&key).expect("pem");
        assert_eq!(parse_private(&pem).expect("pem").to_bytes(), key.to_bytes());
        let seed = STANDARD.encode(key.to_bytes());
        assert_eq!(
            parse_private(&seed).expect("seed").to_bytes(),
            key.to_bytes()
        );
        assert_eq!(parse_private("c2hvcnQ="), Err(KeyError::BadPrivate));
        let public = public_base64(&key.verifying_key());
        assert_eq!(parse_public(&public), Ok(key.verifying_key()));
        use ed25519_dalek::pkcs8::EncodePublicKey;
        let pem = key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("pem");
        assert_eq!(parse_public(&pem), Ok(key.verifying_key()));
    }
}
