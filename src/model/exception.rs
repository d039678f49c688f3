//! Time-boxed waivers (risk acceptances).

use super::{ControlRef, Date, ExceptionId, RiskId, SystemId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `exceptions/<id>.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Aegis exception (exceptions/<id>.yaml)")]
pub struct Exception {
    pub schema_version: u32,
    pub id: ExceptionId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The controls waived.
    pub controls: Vec<ControlRef>,
    pub system: SystemId,
    /// What the waiver covers (hosts, components, data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub justification: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compensating_controls: Vec<ControlRef>,
    pub risk_rating: Rating,
    /// Risk register entries this waiver accepts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<RiskId>,
    pub approver: String,
    pub granted: Date,
    pub expires: Date,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Rating {
    Low,
    Moderate,
    High,
    Critical,
}
