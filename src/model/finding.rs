//! Scanner results folded into per-system, per-source state (written by
//! `aegis ingest`), and the tables that map scanners' references to
//! controls.

use super::{ControlRef, FrameworkId, Source, SystemId, When};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `findings/<system>/<source>.yaml` (large states continue in
/// `<source>.2.yaml`, ...): the latest known result of every rule on every
/// target a source has scanned for a system.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Aegis findings (findings/<system>/<source>.yaml)")]
pub struct FindingSet {
    pub schema_version: u32,
    pub system: SystemId,
    pub source: ScanSource,
    /// The newest scan folded into this state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<ScanInfo>,
    /// Sorted by target, then rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanSource {
    /// The tool as it names itself (OpenSCAP, Trivy, CodeQL).
    pub tool: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The file format it was read from (xccdf, sarif, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// When the scan ran, as the scanner recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<When>,
    /// The benchmark, profile or policy the scan applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The file the results were read from (its name only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// The host, image, account or resource the rule ran against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The benchmark, STIG or profile the rule belongs to, when the scan
    /// names one: a later scan of another profile on the same target
    /// leaves this record alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    pub rule_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub result: ScanResult,
    /// info, low, medium, high or critical.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<ControlRef>,
    /// How `controls` were found.
    pub mapped_by: MappedBy,
    /// The references the scanner gave, as `scheme:id` (`nist:AC-2(1)`,
    /// `cci:CCI-000015`, `cwe:CWE-79`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// What the check saw, so that drift can be shown field by field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observed: Vec<Observed>,
    /// Why the result is not the scanner's own (a waiver, an override, a
    /// suppression in the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overridden: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When the result became what it is (the scan that changed it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<When>,
    /// When a failure was last seen fixed: a later failure reopens it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<When>,
}

/// How a finding's controls were found, in the order they are tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MappedBy {
    /// The result's own NIST SP 800-53 references.
    References,
    /// Its CCIs, through a `cci` reference table.
    Cci,
    /// Its CWEs, through a `cwe` reference table.
    Cwe,
    /// Another of its references, through a reference table.
    Table,
    /// None of those: the repository's default controls for unmapped findings.
    Default,
    /// Nothing: no reference maps and no default is set.
    Unmapped,
}

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ScanResult {
    Pass,
    Fail,
    Error,
    Notapplicable,
    #[default]
    Notchecked,
    Informational,
}

impl ScanResult {
    pub const ALL: [ScanResult; 6] = [
        ScanResult::Pass,
        ScanResult::Fail,
        ScanResult::Error,
        ScanResult::Notapplicable,
        ScanResult::Notchecked,
        ScanResult::Informational,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScanResult::Pass => "pass",
            ScanResult::Fail => "fail",
            ScanResult::Error => "error",
            ScanResult::Notapplicable => "notapplicable",
            ScanResult::Notchecked => "notchecked",
            ScanResult::Informational => "informational",
        }
    }
}

/// What a check saw: a setting, a package version, a file's state.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Observed {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
}

/// `controls/references/<scheme>--<framework>.yaml`: which controls of
/// `framework` a scanner reference of `scheme` (`cci`, `cwe`, `cce`, ...)
/// stands for. `aegis framework import` writes the `cci` table from DISA's
/// CCI list; other tables are kept by hand.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Aegis reference table (controls/references/<scheme>--<framework>.yaml)")]
pub struct ReferenceTable {
    pub schema_version: u32,
    /// The reference scheme, lower-case (`cci`, `cwe`, `cce`, `cis`).
    pub scheme: String,
    pub framework: FrameworkId,
    /// Where the table comes from (DISA's CCI list, a team's own table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Reference id (as normalised by `aegis ingest`: `CCI-000015`,
    /// `CWE-79`) → control ids of `framework`.
    #[serde(default)]
    pub map: BTreeMap<String, Vec<String>>,
}
