//! Crosswalks between frameworks, in the NIST IR 8477 model: a set-theory
//! relationship, a rationale and a strength for each pair, and where the
//! pairs came from.

use super::{ControlId, ControlRef, Date, FrameworkId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `controls/mappings/<source>--<target>.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Aegis mapping (controls/mappings/<source>--<target>.yaml)")]
pub struct Mapping {
    pub schema_version: u32,
    pub source: FrameworkId,
    pub target: FrameworkId,
    pub provenance: Provenance,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relationships: Vec<Relation>,
    /// Suggestions already accepted or rejected, so they are not offered again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<Decision>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    pub kind: ProvenanceKind,
    /// The document an official mapping comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// SHA-256 of the source document as read, for official mappings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    pub sha256: Option<String>,
    /// For inferred mappings, the framework they were inferred through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<FrameworkId>,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ProvenanceKind {
    Official,
    Manual,
    Inferred,
    Suggested,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    pub source: ControlId,
    pub targets: Vec<ControlId>,
    /// How the source's requirement relates to each target's, as sets:
    /// `subset-of` means the source asks for less than the target.
    #[serde(rename = "type")]
    pub kind: RelationKind,
    /// What the relationship was judged on (IR 8477).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<Rationale>,
    /// Strength of the relationship, 1 (weak) to 10 (strong), as OLIR uses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 10))]
    pub strength: Option<u8>,
    /// How much of each target meeting the source meets, in percent; 100
    /// lets an implementation of the source satisfy the targets whatever
    /// the relationship type says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub coverage: Option<u8>,
    /// For inferred relationships, the controls the inference went
    /// through, in order (`<framework>:<control>`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<ControlRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What a relationship was judged on (NIST IR 8477).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Rationale {
    /// The words of the two requirements.
    Syntactic,
    /// Their meaning.
    Semantic,
    /// What meeting them does.
    Functional,
}

/// NIST OLIR relationship types.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RelationKind {
    Equal,
    SubsetOf,
    SupersetOf,
    IntersectsWith,
    NoRelationship,
}

impl RelationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RelationKind::Equal => "equal",
            RelationKind::SubsetOf => "subset-of",
            RelationKind::SupersetOf => "superset-of",
            RelationKind::IntersectsWith => "intersects-with",
            RelationKind::NoRelationship => "no-relationship",
        }
    }

    /// The same pair read from the target's side.
    pub fn inverse(self) -> RelationKind {
        match self {
            RelationKind::SubsetOf => RelationKind::SupersetOf,
            RelationKind::SupersetOf => RelationKind::SubsetOf,
            other => other,
        }
    }
}

impl ProvenanceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProvenanceKind::Official => "official",
            ProvenanceKind::Manual => "manual",
            ProvenanceKind::Inferred => "inferred",
            ProvenanceKind::Suggested => "suggested",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub source: ControlId,
    pub target: ControlId,
    pub accepted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The day the decision was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
