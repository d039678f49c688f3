//! Risk register entries.

use super::{ControlRef, Date, RiskId, SystemId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The schema version of risk files this build reads and writes. Version 1
/// (top-level `likelihood`/`impact`, `loss_event_frequency`/`loss_magnitude`)
/// still loads, upgraded in memory by `crate::migrate`; `aegis migrate`
/// rewrites such files.
pub const RISK_SCHEMA_VERSION: u32 = 2;

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
    /// The category the risk appetite is set for (see `risk.appetite` in
    /// aegis.yaml), for example `security` or `privacy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The systems the risk concerns; none means every system.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<SystemId>,
    /// The controls that treat this risk; their open gaps are the risk's gaps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<ControlRef>,
    /// The rating before treatment.
    pub inherent: RiskRating,
    pub treatment: Treatment,
    /// Who accepted the risk as it stands, and until when (`aegis risk
    /// accept`); meant for `treatment: accept`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance: Option<Acceptance>,
    /// The rating after treatment; absent means the same as `inherent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residual: Option<RiskRating>,
    /// Loss ranges for simulation (`aegis risk simulate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<Loss>,
    /// What implementing each linked control removes from the loss.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reduced_by: Vec<Reduction>,
    /// `closed` once the risk no longer applies (`aegis risk close`): the
    /// record stays for auditors, but leaves the appetite gate, heat maps,
    /// simulation and `aegis risk list` (unless `--all`).
    #[serde(default, skip_serializing_if = "RiskStatus::is_open")]
    pub status: RiskStatus,
    /// The day the risk was closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<Date>,
    /// Why the risk no longer applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_reason: Option<String>,
}

impl Risk {
    /// Inherent likelihood × impact, 1 to 25.
    pub fn inherent_score(&self) -> u32 {
        self.inherent.score()
    }

    /// The rating after treatment: `residual`, or `inherent` when absent.
    pub fn residual_rating(&self) -> RiskRating {
        self.residual.unwrap_or(self.inherent)
    }

    /// Residual likelihood × impact, 1 to 25 (the inherent score when no
    /// residual rating is given).
    pub fn residual_score(&self) -> u32 {
        self.residual_rating().score()
    }

    /// Whether the risk was closed (no longer applies).
    pub fn is_closed(&self) -> bool {
        self.status == RiskStatus::Closed
    }

    /// The review date of the acceptance that `treatment: accept` rests
    /// on, while the risk is open: the day after it, the acceptance has
    /// lapsed (`risk-acceptance-expired`).
    pub fn acceptance_until(&self) -> Option<Date> {
        if self.treatment != Treatment::Accept || self.is_closed() {
            return None;
        }
        self.acceptance.as_ref().and_then(|a| a.until)
    }

    /// Whether the risk's acceptance lapsed before `day` (its `until` date
    /// has passed): it is no longer accepted, whatever `treatment` says.
    pub fn acceptance_expired(&self, day: Date) -> bool {
        self.acceptance_until().is_some_and(|u| u < day)
    }
}

/// Whether a risk still applies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RiskStatus {
    #[default]
    Open,
    Closed,
}

impl RiskStatus {
    pub fn is_open(&self) -> bool {
        *self == RiskStatus::Open
    }
}

/// A risk accepted as it stands: who decided, when, and when to look again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    /// Who accepted the risk (a name, @login or @org/team).
    pub approver: String,
    /// The day it was accepted.
    pub accepted: Date,
    /// The day the acceptance is to be reviewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Date>,
}

/// An ordinal likelihood and impact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskRating {
    /// Ordinal likelihood, 1 (rare) to 5 (almost certain).
    #[schemars(range(min = 1, max = 5))]
    pub likelihood: u8,
    /// Ordinal impact, 1 (minimal) to 5 (severe).
    #[schemars(range(min = 1, max = 5))]
    pub impact: u8,
}

impl RiskRating {
    /// Likelihood × impact, 1 to 25.
    pub fn score(self) -> u32 {
        u32::from(self.likelihood) * u32::from(self.impact)
    }
}

/// Loss ranges for simulation; both are needed to simulate a risk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Loss {
    /// Loss events per year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<Estimate>,
    /// Loss per event, in `risk.currency` of aegis.yaml.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub magnitude: Option<Estimate>,
}

/// A three-point estimate.
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

/// What implementing one control removes from a risk's loss.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reduction {
    pub control: ControlRef,
    /// Fraction of the loss event frequency removed, 0 to 1.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub frequency: f64,
    /// Fraction of the loss magnitude removed, 0 to 1.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub magnitude: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Treatment {
    Mitigate,
    Accept,
    Transfer,
    Avoid,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn risk(inherent: (u8, u8), residual: Option<(u8, u8)>) -> Risk {
        let rating = |(likelihood, impact)| RiskRating { likelihood, impact };
        Risk {
            schema_version: RISK_SCHEMA_VERSION,
            id: RiskId("R-1".into()),
            title: "t".into(),
            description: None,
            owner: "o".into(),
            category: None,
            systems: vec![],
            controls: vec![],
            inherent: rating(inherent),
            treatment: Treatment::Mitigate,
            residual: residual.map(rating),
            acceptance: None,
            loss: None,
            reduced_by: vec![],
            status: RiskStatus::Open,
            closed: None,
            closed_reason: None,
        }
    }

    #[test]
    fn residual_score_falls_back_to_inherent() {
        let r = risk((4, 5), None);
        assert_eq!(r.inherent_score(), 20);
        assert_eq!(r.residual_score(), 20);
        let r = risk((4, 5), Some((2, 3)));
        assert_eq!(r.inherent_score(), 20);
        assert_eq!(r.residual_score(), 6);
    }
}
