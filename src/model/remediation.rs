//! Remediation plans (`remediation/<plan-id>/plan.md`): Markdown whose
//! front matter lists what `aegis remediation plan` proposes to fix, by
//! risk class, and the approvals each class needs before anyone runs it.

use super::{ControlRef, SystemId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How risky applying a fix is: the class decides how many approvals the
/// plan needs (`remediation.approvals` in aegis.yaml).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum RiskClass {
    /// A configuration value.
    Low,
    /// A service or package change.
    Medium,
    /// Authentication, boot, network, a reboot, high disruption, or unknown.
    High,
}

impl RiskClass {
    pub const ALL: [RiskClass; 3] = [RiskClass::Low, RiskClass::Medium, RiskClass::High];

    pub fn as_str(self) -> &'static str {
        match self {
            RiskClass::Low => "low",
            RiskClass::Medium => "medium",
            RiskClass::High => "high",
        }
    }
}

/// The front matter of `remediation/<plan-id>/plan.md`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Aegis remediation plan front matter (remediation/<plan-id>/plan.md)")]
pub struct RemediationPlan {
    pub schema_version: u32,
    /// `<system>-<12 hex digits of the scans' hashes>`: the same scans give
    /// the same plan.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9._-]*$"))]
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<SystemId>,
    /// The scan files the plan was made from.
    pub scans: Vec<PlanScan>,
    /// The items of each class, and the approvals the class needs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub classes: BTreeMap<RiskClass, PlanClass>,
}

impl RemediationPlan {
    /// The approvals the plan needs: the most any of its classes with items needs.
    pub fn required_approvals(&self) -> u32 {
        self.classes
            .values()
            .filter(|c| !c.items.is_empty())
            .map(|c| c.approvals)
            .max()
            .unwrap_or(0)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanScan {
    /// The file's name (not its path: plans do not leak local paths).
    pub file: String,
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    pub sha256: String,
    pub format: String,
    pub tool: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanClass {
    /// Approvals of the plan this class needs (from aegis.yaml when the plan was made).
    pub approvals: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<PlanItem>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanItem {
    pub rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<ControlRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// The fix systems the item's fixes are written in (`ansible`, `sh`, `text`, ...).
    pub fixes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disruption: Option<String>,
    #[serde(default, skip_serializing_if = "crate::model::is_false")]
    pub reboot: bool,
    /// Which signal decided the class.
    pub why: String,
    /// Values of the fix that could not be resolved: the item is left out
    /// of the playbooks and scripts until someone sets them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<String>,
}

/// `remediation` in aegis.yaml.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemediationSettings {
    /// Approvals a remediation plan needs, per risk class of its items.
    #[serde(default)]
    pub approvals: ClassApprovals,
}

impl RemediationSettings {
    pub fn is_default(&self) -> bool {
        self == &RemediationSettings::default()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassApprovals {
    #[serde(default = "one")]
    #[schemars(range(min = 1, max = 20))]
    pub low: u32,
    #[serde(default = "two")]
    #[schemars(range(min = 1, max = 20))]
    pub medium: u32,
    #[serde(default = "three")]
    #[schemars(range(min = 1, max = 20))]
    pub high: u32,
}

impl Default for ClassApprovals {
    fn default() -> Self {
        ClassApprovals {
            low: 1,
            medium: 2,
            high: 3,
        }
    }
}

impl ClassApprovals {
    pub fn of(&self, class: RiskClass) -> u32 {
        match class {
            RiskClass::Low => self.low,
            RiskClass::Medium => self.medium,
            RiskClass::High => self.high,
        }
    }
}

fn one() -> u32 {
    1
}
fn two() -> u32 {
    2
}
fn three() -> u32 {
    3
}
