//! `aegis.yaml`: the organisation, its systems and what each must meet,
//! the gate, per-code severities and safety limits.

use super::{BaselineId, ControlRef, Date, FrameworkId, Period, SystemId};
use crate::diag::Severity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The repository's settings file, `aegis.yaml` at the root.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Aegis repository settings (aegis.yaml)")]
pub struct Config {
    /// Version of this file's format; this build reads 1.
    pub schema_version: u32,
    pub organisation: Organisation,
    /// The systems (products, environments, platforms) under assessment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<System>,
    /// When `aegis validate` and `aegis check` fail the build.
    #[serde(default)]
    pub gate: Gate,
    /// Severity per diagnostic code: error, warning, note, or off.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub diagnostics: BTreeMap<String, Level>,
    /// Safety bounds for loading repository files.
    #[serde(default)]
    pub limits: Limits,
    /// How scan results (`aegis ingest`) are mapped to controls.
    #[serde(default, skip_serializing_if = "FindingsSettings::is_default")]
    pub findings: FindingsSettings,
    /// Remediation plans (`aegis remediation plan`): the approvals each risk class needs.
    #[serde(
        default,
        skip_serializing_if = "super::RemediationSettings::is_default"
    )]
    pub remediation: super::RemediationSettings,
    /// Exceptions: expiry warnings and the longest grant (`aegis exceptions`).
    #[serde(default, skip_serializing_if = "super::ExceptionSettings::is_default")]
    pub exceptions: super::ExceptionSettings,
    /// Settings of `aegis publish` on GitHub.
    #[serde(default, skip_serializing_if = "GitHubSettings::is_default")]
    pub github: GitHubSettings,
    /// Where `aegis publish issues` keeps the POA&M items as issues.
    #[serde(default, skip_serializing_if = "Trackers::is_default")]
    pub trackers: Trackers,
    /// The public keys whose signatures on evidence manifests are trusted.
    #[serde(default, skip_serializing_if = "Signing::is_default")]
    pub signing: Signing,
    /// Evidence lifecycle settings (`aegis evidence add|verify`).
    #[serde(default, skip_serializing_if = "EvidenceSettings::is_default")]
    pub evidence: EvidenceSettings,
    /// The risk register: currency, appetite per category, simulation defaults.
    #[serde(default, skip_serializing_if = "super::RiskSettings::is_default")]
    pub risk: super::RiskSettings,
}

/// Keys trusted to sign evidence manifests (`aegis evidence sign`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signing {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_keys: Vec<TrustedKey>,
}

impl Signing {
    fn is_default(&self) -> bool {
        self == &Signing::default()
    }
}

/// One trusted Ed25519 public key and when its signatures count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustedKey {
    /// The id manifests name in `key_id`.
    pub id: String,
    /// The public key: base64 of its 32 raw bytes, or a PEM
    /// `PUBLIC KEY` block (SubjectPublicKeyInfo).
    pub public_key: String,
    /// Who holds the private key (a person, a team, a CI job).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Signatures made before this day are not trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<Date>,
    /// Signatures made after this day are not trusted (the key expired or was retired).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<Date>,
}

/// Evidence lifecycle settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceSettings {
    /// Files larger than this many bytes are not kept in git by `aegis
    /// evidence add`: they are recorded with their hash and a `--uri`
    /// where they are stored (default 10 MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_committed_bytes: Option<u64>,
    /// `aegis evidence verify` warns this long before evidence goes stale (default 14d).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_ahead: Option<Period>,
    /// Evidence not collected again for this long is abandoned (default 365d).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abandoned_after: Option<Period>,
}

impl EvidenceSettings {
    pub const DEFAULT_MAX_COMMITTED_BYTES: u64 = 10 * 1024 * 1024;

    fn is_default(&self) -> bool {
        self == &EvidenceSettings::default()
    }

    /// `aegis evidence verify`'s warning window.
    pub fn refresh_ahead(&self) -> Period {
        self.refresh_ahead
            .clone()
            .unwrap_or_else(|| Period::days(14))
    }

    pub fn abandoned_after(&self) -> Period {
        self.abandoned_after
            .clone()
            .unwrap_or_else(|| Period::days(365))
    }

    pub fn max_committed_bytes(&self) -> u64 {
        self.max_committed_bytes
            .unwrap_or(Self::DEFAULT_MAX_COMMITTED_BYTES)
    }
}

/// Settings of `aegis publish` on GitHub.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GitHubSettings {
    /// `aegis publish stale-branches`: when a branch counts as idle and how its owner is nudged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_branches: Option<StaleBranches>,
}

impl GitHubSettings {
    fn is_default(&self) -> bool {
        self == &GitHubSettings::default()
    }
}

/// Idle work-in-progress branches (no commit for `days`, no open PR).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaleBranches {
    /// Days without a commit after which a branch is idle (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// How to nudge: `comment` on the tip (default) or `draft-pr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<StaleAction>,
    /// Branch names never nudged; `*` matches any run of characters (`release/*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

/// How an idle branch's owner is nudged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum StaleAction {
    /// A commit comment on the branch tip, mentioning its author.
    Comment,
    /// A draft pull request from the branch into the default branch.
    DraftPr,
}

/// Issue trackers for POA&M items (`aegis publish issues`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Trackers {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github: Option<GitHubTracker>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jira: Option<JiraTracker>,
}

impl Trackers {
    fn is_default(&self) -> bool {
        self == &Trackers::default()
    }
}

/// GitHub issues (the repository and token come from the command line and
/// the environment).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GitHubTracker {
    /// The label that marks the issues Aegis owns (default `aegis-poam`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// A Jira project (Cloud, REST API v3, or Server/Data Center, REST API v2).
/// Credentials come from the environment only: `JIRA_EMAIL` and
/// `JIRA_API_TOKEN` (Cloud), or `JIRA_TOKEN` (a Server/Data Center
/// personal access token).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JiraTracker {
    /// The site, e.g. `https://example.atlassian.net` or `https://jira.example.com`.
    pub url: String,
    /// The project key, e.g. `SEC`.
    pub project: String,
    /// The issue type of new issues (default `Task`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_type: Option<String>,
    /// 3 for Jira Cloud (the default), 2 for Jira Server and Data Center.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 2, max = 3))]
    pub api_version: Option<u8>,
    /// The label that marks the issues Aegis owns (default `aegis-poam`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The transition that closes an issue; by default the first one to a
    /// status in the `done` category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_transition: Option<String>,
    /// The transition that reopens an issue; by default the first one to a
    /// status outside the `done` category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopen_transition: Option<String>,
}

/// Settings for scan findings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingsSettings {
    /// Controls a finding counts against when none of its references maps
    /// to a control (e.g. `nist-800-53-rev5:RA-5` for vulnerabilities);
    /// empty leaves such findings unmapped (and reported as such).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmapped: Vec<ControlRef>,
}

impl FindingsSettings {
    fn is_default(&self) -> bool {
        self == &FindingsSettings::default()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A system under assessment and the frameworks it must meet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct System {
    pub id: SystemId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Frameworks, optionally narrowed to a baseline, that this system must meet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frameworks: Vec<Selection>,
    /// Systems whose implementations this system may inherit (a platform under an app).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherits_from: Vec<SystemId>,
    /// How often the system must be scanned (by any source): a newer scan
    /// must exist in findings/<system>/ within this period (e.g. 7d).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_interval: Option<Period>,
    /// How often each source must scan it, by source name (the findings
    /// file's name: openscap, trivy, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scan_intervals: BTreeMap<String, Period>,
    /// What a system security plan says about the system beyond its name:
    /// categorisation, status, boundary, the information it handles. Only
    /// reports read it; what is absent is reported as not stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub characteristics: Option<Characteristics>,
    /// Every evidence record this system's implementations cite must be
    /// covered by a valid signed manifest (`aegis evidence sign`).
    #[serde(default, skip_serializing_if = "super::is_false")]
    pub require_signed_evidence: bool,
}

/// The system security plan's description of a system (OSCAL
/// `system-characteristics`). Every field is optional; reports say which
/// ones are missing rather than guess.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Characteristics {
    /// Overall security sensitivity (FIPS 199 categorisation of the system).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<ImpactLevel>,
    /// The system's security impact level per security objective.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
    /// Where the system is in its life cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OperationalState>,
    /// The date the system was authorised to operate; systems that inherit
    /// from this one list it as a leveraged authorisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorized: Option<Date>,
    /// What is inside the authorisation boundary and what is not (Markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_boundary: Option<String>,
    /// The kinds of information the system stores, processes or transmits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub information_types: Vec<InformationType>,
}

/// A FIPS 199 impact level.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ImpactLevel {
    Low,
    Moderate,
    High,
}

impl ImpactLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            ImpactLevel::Low => "low",
            ImpactLevel::Moderate => "moderate",
            ImpactLevel::High => "high",
        }
    }
}

/// Impact per security objective.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Impact {
    pub confidentiality: ImpactLevel,
    pub integrity: ImpactLevel,
    pub availability: ImpactLevel,
}

/// A system's life-cycle state (the values OSCAL allows).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OperationalState {
    Operational,
    UnderDevelopment,
    UnderMajorModification,
    Disposition,
    Other,
}

impl OperationalState {
    pub fn as_str(self) -> &'static str {
        match self {
            OperationalState::Operational => "operational",
            OperationalState::UnderDevelopment => "under-development",
            OperationalState::UnderMajorModification => "under-major-modification",
            OperationalState::Disposition => "disposition",
            OperationalState::Other => "other",
        }
    }
}

/// One kind of information the system handles, optionally with its NIST
/// SP 800-60 categorisation and impact.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InformationType {
    pub title: String,
    /// Markdown.
    pub description: String,
    /// Identifiers of this information type in a categorisation scheme.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categorizations: Vec<Categorization>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidentiality: Option<ImpactLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<ImpactLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<ImpactLevel>,
}

/// Where an information type is defined.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Categorization {
    /// The scheme's URI; NIST SP 800-60 is
    /// `https://doi.org/10.6028/NIST.SP.800-60v2r1`.
    pub system: String,
    /// The information type's ids in that scheme (e.g. C.3.5.8).
    pub ids: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    pub framework: FrameworkId,
    /// A baseline of the framework (e.g. moderate); every control when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// The lowest severity that fails the build.
    #[serde(default = "default_fail_on")]
    pub fail_on: Severity,
    /// How many gaps `aegis check` allows, per system and selection. With
    /// none, every gap fails the gate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<Threshold>,
    /// The ratchet file `aegis check --write-baseline` writes (relative to
    /// the repository): once it records a selection's counts, the gate
    /// fails that selection only when a count gets worse.
    #[serde(default = "default_ratchet")]
    pub ratchet: String,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            fail_on: default_fail_on(),
            thresholds: Vec::new(),
            ratchet: default_ratchet(),
        }
    }
}

fn default_ratchet() -> String {
    "aegis-ratchet.json".to_string()
}

/// What the gate allows for the selections it matches. Every threshold
/// that matches a selection applies.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// The system it applies to; every system when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemId>,
    /// The framework it applies to; every framework when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<FrameworkId>,
    /// The baseline it applies to; every baseline when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineId>,
    /// The lowest coverage allowed, in percent of the selection's controls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub min_coverage: Option<f64>,
    /// The most gaps allowed, per reason (`missing`, `evidence-stale`, ...)
    /// or in `total`. A threshold that sets neither this nor
    /// `min_coverage` allows no gap at all.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub max_gaps: BTreeMap<String, usize>,
    /// The reasons that count against `total` (every reason when absent);
    /// gaps for other reasons are reported but do not fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<Vec<String>>,
}

fn default_fail_on() -> Severity {
    Severity::Error
}

impl JsonSchema for Severity {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Severity".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "enum": ["error", "warning", "note"] })
    }
}

/// A severity, or `off` to silence a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Note,
    Off,
}

impl Level {
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Error => Some(Severity::Error),
            Level::Warning => Some(Severity::Warning),
            Level::Note => Some(Severity::Note),
            Level::Off => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Largest file Aegis reads, in bytes (at most 256 MiB).
    #[serde(default = "default_max_file_bytes")]
    #[schemars(range(min = 1024, max = 268435456))]
    pub max_file_bytes: u64,
    /// Deepest YAML nesting Aegis accepts.
    #[serde(default = "default_max_depth")]
    #[schemars(range(min = 8, max = 256))]
    pub max_depth: usize,
}

impl Limits {
    /// The ceiling of `max_file_bytes`: files are read whole and parsed in
    /// parallel, so this bounds the loader's memory whatever a
    /// repository asks for.
    pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

    /// Whether every bound is within what the schema allows. Limits that
    /// are not are never used (the schema check reports them).
    pub fn in_range(&self) -> bool {
        (1024..=Self::MAX_FILE_BYTES).contains(&self.max_file_bytes)
            && (8..=256).contains(&self.max_depth)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: default_max_file_bytes(),
            max_depth: default_max_depth(),
        }
    }
}

fn default_max_file_bytes() -> u64 {
    16 * 1024 * 1024
}

fn default_max_depth() -> usize {
    64
}
