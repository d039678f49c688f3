//! Crosswalks between frameworks, with NIST OLIR relationship types.

use super::{ControlId, FrameworkId};
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
    /// For inferred mappings, the framework they were inferred through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<FrameworkId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
    #[serde(rename = "type")]
    pub kind: RelationKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    /// Strength of the relationship, 1 (weak) to 10 (strong), as OLIR uses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 10))]
    pub strength: Option<u8>,
}

/// NIST OLIR relationship types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RelationKind {
    Equal,
    SubsetOf,
    SupersetOf,
    IntersectsWith,
    NoRelationship,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub source: ControlId,
    pub target: ControlId,
    pub accepted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
