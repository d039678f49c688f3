//! How one system meets one control.

use super::{ControlRef, Date, EvidenceId, Period, PolicyId, SystemId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `implementations/<system>/<control-id>.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Aegis implementation (implementations/<system>/<control>.yaml)")]
pub struct Implementation {
    pub schema_version: u32,
    /// The control met: <framework-id>:<control-id>, or a short id when the
    /// system selects a single framework.
    pub control: ControlRef,
    /// The system; defaults to the directory the file is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemId>,
    pub status: ImplStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// How the control is met (Markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// Why the control does not apply (required for not-applicable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// For `inherited`: the system that provides the control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherited_from: Option<SystemId>,
    /// For `inherited`: an outside provider (e.g. a cloud service) instead of a system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PolicyId>,
    /// Values chosen for the control's parameters, by parameter id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
    /// When this implementation was last reviewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_every: Option<Period>,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ImplStatus {
    Implemented,
    Partial,
    Planned,
    Alternative,
    NotApplicable,
    Inherited,
}

impl ImplStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ImplStatus::Implemented => "implemented",
            ImplStatus::Partial => "partial",
            ImplStatus::Planned => "planned",
            ImplStatus::Alternative => "alternative",
            ImplStatus::NotApplicable => "not-applicable",
            ImplStatus::Inherited => "inherited",
        }
    }
}
