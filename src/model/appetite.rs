//! The `risk:` section of `aegis.yaml`: the currency losses are stated in,
//! the appetite the gate judges residual risk against, and the simulation's
//! defaults.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Settings of the risk register (`risk:` in aegis.yaml).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskSettings {
    /// The currency of every loss amount (ISO 4217, e.g. USD); only shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[A-Z]{3}$"))]
    pub currency: Option<String>,
    /// What residual risk `aegis check` tolerates, per category (`*` for
    /// every risk). Every entry that matches a risk's category applies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub appetite: Vec<Appetite>,
    /// Defaults of `aegis risk simulate`, also used by the gate's
    /// `max_annual_loss_p90`.
    #[serde(default, skip_serializing_if = "SimulationSettings::is_default")]
    pub simulation: SimulationSettings,
    /// Days before its `until` date from which a risk acceptance is
    /// reported as expiring (`risk-acceptance-expiring`); default 30, 0
    /// switches it off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance_warn_days: Option<u32>,
}

impl RiskSettings {
    pub const ACCEPTANCE_WARN_DAYS: u32 = 30;

    pub fn is_default(&self) -> bool {
        self == &RiskSettings::default()
    }

    pub fn acceptance_warn_days(&self) -> u32 {
        self.acceptance_warn_days
            .unwrap_or(Self::ACCEPTANCE_WARN_DAYS)
    }
}

/// The risk one category (or every risk, `*`) may carry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Appetite {
    /// The risks' `category`, or `*` for every risk.
    pub category: String,
    /// No residual score (likelihood × impact, 1..25) may be above this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 25))]
    pub max_residual_score: Option<u8>,
    /// At most `count` risks may have a residual score above `score`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_above: Option<MaxAbove>,
    /// The 90th percentile of the category's simulated annual loss (the sum
    /// of its risks' losses in a year) may not be above this amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0))]
    pub max_annual_loss_p90: Option<f64>,
}

/// A tolerance: how many risks may score above a line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MaxAbove {
    #[schemars(range(min = 1, max = 25))]
    pub score: u8,
    pub count: usize,
}

/// How many years to simulate, and the seed that makes a run reproducible.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulationSettings {
    /// Simulated years (default 100,000; at most 10,000,000).
    #[serde(default = "default_iterations")]
    #[schemars(range(min = 1, max = 10_000_000))]
    pub iterations: u64,
    /// The random seed (default 42): the same seed, iterations and register
    /// give the same numbers on any machine and any number of threads.
    #[serde(default = "default_seed")]
    pub seed: u64,
}

impl SimulationSettings {
    /// The ceiling of `iterations`: the simulation holds two f64 per year.
    pub const MAX_ITERATIONS: u64 = 10_000_000;

    fn is_default(&self) -> bool {
        self == &SimulationSettings::default()
    }
}

impl Default for SimulationSettings {
    fn default() -> Self {
        SimulationSettings {
            iterations: default_iterations(),
            seed: default_seed(),
        }
    }
}

fn default_iterations() -> u64 {
    100_000
}

fn default_seed() -> u64 {
    42
}
