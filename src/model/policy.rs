//! Policies (Markdown with YAML front matter) and the approvals ledger.

use super::{ControlRef, Date, Period, PolicyId, When};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The YAML front matter of `policies/<id>.md`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Aegis policy front matter (policies/<id>.md)")]
pub struct PolicyFront {
    pub schema_version: u32,
    pub id: PolicyId,
    pub title: String,
    pub version: String,
    pub owner: String,
    /// Users (`@login`) or teams (`@org/team`) whose PR review approves a change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PolicyStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<Date>,
    /// When the policy was last reviewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed: Option<Date>,
    /// How often the policy must be reviewed (e.g. 1y).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_every: Option<Period>,
    /// Controls this policy addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<ControlRef>,
    /// What each version changed, oldest first (`aegis policy bump`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changelog: Vec<PolicyChange>,
}

/// One entry of a policy's changelog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyChange {
    pub version: String,
    pub date: Date,
    pub note: String,
}

impl PolicyFront {
    /// The day the next review is due, when the policy sets an interval.
    pub fn review_due(&self) -> Option<Date> {
        let every = self.review_every.as_ref()?;
        let since = self.reviewed.or(self.effective)?;
        Some(since.plus(every))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyStatus {
    Draft,
    Active,
    Retired,
}

/// `policies/approvals.yaml`: which content hash of each policy was approved, by whom.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Aegis policy approvals ledger (policies/approvals.yaml)")]
pub struct ApprovalLedger {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<Approval>,
    /// Approvals of remediation plans (`remediation/<plan-id>/plan.md`),
    /// recorded the same way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plans: Vec<PlanApproval>,
}

/// An approval of one content hash of a remediation plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanApproval {
    pub plan: String,
    /// SHA-256 of the plan document that was approved.
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    pub sha256: String,
    pub approved_by: Vec<Approver>,
    /// When the latest approving review counted was submitted.
    pub approved_at: When,
    /// The pull request whose reviews approved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<u64>,
    /// The commit that merged it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub policy: PolicyId,
    pub version: String,
    /// SHA-256 of the policy file's content that was approved.
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    pub sha256: String,
    pub approved_by: Vec<Approver>,
    /// When the latest approving review counted was submitted.
    pub approved_at: When,
    /// The pull request whose reviews approved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<u64>,
    /// The commit that merged it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Approver {
    pub login: String,
    /// The pull request review that approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_id: Option<u64>,
    /// The commit the review approved (the pull request's merged head).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}
