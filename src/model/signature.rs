//! Signed manifests of evidence: what a collector attests it collected,
//! signed with an Ed25519 key that `aegis.yaml` trusts.

use super::{EvidenceId, When};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `evidence/signatures/<name>.yaml`: a manifest and its signature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Aegis signed evidence manifest (evidence/signatures/<name>.yaml)")]
pub struct EvidenceSignature {
    pub schema_version: u32,
    pub manifest: Manifest,
    /// Ed25519 signature (base64, 64 bytes) over the manifest's canonical
    /// form: `aegis-evidence-manifest-v1` and a newline, then the manifest
    /// as compact JSON with keys in the order of this schema.
    #[schemars(regex(pattern = r"^[A-Za-z0-9+/]{86}==$"))]
    pub signature: String,
}

/// What was signed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The id of the signing key in `signing.trusted_keys` of aegis.yaml.
    pub key_id: String,
    /// Who or what signed (a person, a CI job).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// When it was signed; the key must be valid on this day.
    pub signed_at: When,
    /// The evidence attested, sorted by id.
    pub evidence: Vec<SignedEvidence>,
}

/// One evidence record as it was when signed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedEvidence {
    pub id: EvidenceId,
    pub uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    pub collected_at: When,
}

/// The prefix of the signed bytes, so a signature over a manifest can never
/// be taken for a signature over anything else.
pub const MANIFEST_DOMAIN: &str = "aegis-evidence-manifest-v1\n";

impl Manifest {
    /// The bytes the signature covers.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = MANIFEST_DOMAIN.as_bytes().to_vec();
        // Serialising plain structs of strings and numbers cannot fail.
        out.extend(serde_json::to_vec(self).unwrap_or_default());
        out
    }
}
