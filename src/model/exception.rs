//! Time-boxed waivers (risk acceptances).

use super::{ControlRef, Date, ExceptionId, Period, RiskId, SystemId};
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
    /// Earlier grants this one extends, oldest first (`aegis exceptions renew`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renewals: Vec<Renewal>,
    /// The day the exception was closed: from then on it waives nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<Date>,
    /// Why it was closed (the control was implemented, the system retired).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_reason: Option<String>,
}

impl Exception {
    /// Whether the exception waives its controls on `day`: granted by
    /// then, not yet expired, and not closed.
    pub fn in_force(&self, day: Date) -> bool {
        self.granted <= day && day <= self.expires && !self.is_closed(day)
    }

    /// Whether the exception was closed on or before `day`.
    pub fn is_closed(&self, day: Date) -> bool {
        self.closed.is_some_and(|c| c <= day)
    }
}

/// One renewal: who extended the exception, when, and from and to which expiry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Renewal {
    /// The day of the renewal.
    pub renewed: Date,
    /// Who approved the extension.
    pub approver: String,
    /// The expiry before the renewal.
    pub previous_expires: Date,
    /// The expiry the renewal set.
    pub expires: Date,
    /// The approver before the renewal, when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_approver: Option<String>,
    /// The justification before the renewal, when the renewal replaced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_justification: Option<String>,
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

/// `exceptions:` in aegis.yaml: when expiry warnings start and how long a
/// grant or renewal may run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionSettings {
    /// Days before its expiry from which an exception is reported as
    /// expiring (`exception-expiring`); default 30, 0 switches it off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_days: Option<u32>,
    /// The longest an exception may run from the day it is added or
    /// renewed (e.g. 1y, 6mo); default 1y.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_duration: Option<Period>,
}

impl ExceptionSettings {
    pub const WARN_DAYS: u32 = 30;
    pub const MAX_DURATION: &str = "1y";

    pub fn is_default(&self) -> bool {
        self == &ExceptionSettings::default()
    }

    pub fn warn_days(&self) -> u32 {
        self.warn_days.unwrap_or(Self::WARN_DAYS)
    }

    pub fn max_duration(&self) -> Period {
        self.max_duration.clone().unwrap_or_else(|| {
            Self::MAX_DURATION
                .parse()
                .unwrap_or_else(|_| unreachable!("1y is a period"))
        })
    }
}
