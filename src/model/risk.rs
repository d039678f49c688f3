//! Risk register entries.

use super::{ControlRef, RiskId, SystemId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `risks/<id>.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Aegis risk (risks/<id>.yaml)")]
pub struct Risk {
    pub schema_version: u32,
    pub id: RiskId,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<SystemId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<ControlRef>,
    /// Ordinal likelihood, 1 (rare) to 5 (almost certain).
    #[schemars(range(min = 1, max = 5))]
    pub likelihood: u8,
    /// Ordinal impact, 1 (minimal) to 5 (severe).
    #[schemars(range(min = 1, max = 5))]
    pub impact: u8,
    /// Loss events per year, as a range for simulation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_event_frequency: Option<Estimate>,
    /// Loss per event, as a range for simulation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_magnitude: Option<Estimate>,
    pub treatment: Treatment,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residual: Option<Residual>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Estimate {
    #[schemars(range(min = 0.0))]
    pub min: f64,
    #[schemars(range(min = 0.0))]
    pub most_likely: f64,
    #[schemars(range(min = 0.0))]
    pub max: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Residual {
    #[schemars(range(min = 1, max = 5))]
    pub likelihood: u8,
    #[schemars(range(min = 1, max = 5))]
    pub impact: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Treatment {
    Mitigate,
    Accept,
    Transfer,
    Avoid,
}
