//! References to the evidence that shows a control works.

use super::{ControlRef, Date, EvidenceId, Period, When};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `evidence/<evidence-id>.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Aegis evidence reference (evidence/<id>.yaml)")]
pub struct Evidence {
    pub schema_version: u32,
    pub id: EvidenceId,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A repository path (e.g. evidence/files/x.pdf), https:// or s3:// URI.
    pub uri: String,
    /// SHA-256 of the artifact (lower-case hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    pub sha256: Option<String>,
    /// Size of the artifact in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub collected_at: When,
    /// Who or what collected it (a person, a CI job, a script).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collector: Option<String>,
    /// The evidence goes stale this long after collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_after: Option<Period>,
    /// The evidence goes stale on this date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Date>,
    /// How long the artifact must be kept, counted from `collected_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<Period>,
    /// The artifact must be kept until this day (a legal hold, a contract's
    /// date). When absent it is `collected_at` + `retention`; when both
    /// are given the later day holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retain_until: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
    /// Controls this evidence supports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<ControlRef>,
}

impl Evidence {
    /// The first day the evidence is stale, if it ever goes stale.
    pub fn stale_from(&self) -> Option<Date> {
        let by_age = self
            .expires_after
            .as_ref()
            .map(|p| self.collected_at.date.plus(p));
        match (by_age, self.expires_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The last day the artifact must be kept: the later of `retain_until`
    /// and `collected_at` + `retention`; `None` when neither is given
    /// (nothing allows removing it).
    pub fn retain_until(&self) -> Option<Date> {
        let by_period = self
            .retention
            .as_ref()
            .map(|p| self.collected_at.date.plus(p));
        match (by_period, self.retain_until) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// The review status; evidence never reviewed is pending.
    pub fn review_status(&self) -> ReviewStatus {
        self.review
            .as_ref()
            .map_or(ReviewStatus::Pending, |r| r.status)
    }

    /// Whether `uri` names a file inside the repository.
    pub fn is_repo_file(&self) -> bool {
        !self.uri.contains("://")
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub status: ReviewStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_at: Option<When>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewStatus {
    Pending,
    Accepted,
    Rejected,
    Quarantined,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Accepted => "accepted",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Quarantined => "quarantined",
        }
    }

    /// Rejected and quarantined evidence never counts toward a control.
    pub fn is_refused(self) -> bool {
        matches!(self, ReviewStatus::Rejected | ReviewStatus::Quarantined)
    }
}
