//! Plain data for every file kind of a compliance repository: serde for
//! reading and writing, schemars for the JSON Schemas in `schemas/`. No I/O.
//!
//! These are the checked forms: a file reaches them only after its YAML
//! parsed and its schema validated (`validate::schema`).

mod appetite;
mod config;
mod control_ref;
mod date;
mod evidence;
mod exception;
mod finding;
mod framework;
mod id;
mod implementation;
mod mapping;
mod policy;
mod remediation;
mod risk;
mod signature;

pub use appetite::{Appetite, MaxAbove, RiskSettings, SimulationSettings};
pub use config::{
    Categorization, Characteristics, Config, Gate, GitHubSettings, GitHubTracker, Impact,
    ImpactLevel, InformationType, JiraTracker, Level, Limits, OperationalState, Organisation,
    Selection, StaleAction, StaleBranches, System, Threshold, Trackers,
};
pub use config::{EvidenceSettings, Signing, TrustedKey};
pub use control_ref::{ControlRef, normalize_control_id, normalized_control_id};
pub use date::{Date, Period, When, is_period as is_period_format, is_when as is_when_format};
pub use evidence::{Evidence, Review, ReviewStatus};
pub use exception::{Exception, ExceptionSettings, Rating, Renewal};
pub use finding::{
    Finding, FindingSet, MappedBy, Observed, ReferenceTable, ScanInfo, ScanResult, ScanSource,
};
pub use framework::{
    Alter, AlterAdd, AlterRemove, Baseline, BaselineFile, Catalog, Control, Framework, Group, Link,
    Param, ParamSetting, Part, Prop, Select, Source,
};
pub use id::{
    BaselineId, ControlId, EvidenceId, ExceptionId, FrameworkId, PolicyId, RiskId, SystemId,
};
pub use implementation::{ImplStatus, Implementation};
pub use mapping::{
    Decision, Mapping, Provenance, ProvenanceKind, Rationale, Relation, RelationKind,
};
pub use policy::{
    Approval, ApprovalLedger, Approver, PlanApproval, PolicyChange, PolicyFront, PolicyStatus,
};
pub use remediation::{
    ClassApprovals, PlanClass, PlanItem, PlanScan, RemediationPlan, RemediationSettings, RiskClass,
};
pub use risk::{
    Acceptance, Estimate, Loss, RISK_SCHEMA_VERSION, Reduction, Risk, RiskRating, RiskStatus,
    Treatment,
};
pub use signature::{EvidenceSignature, MANIFEST_DOMAIN, Manifest, SignedEvidence};

/// The schema version this build reads and writes for every file kind that
/// has not moved on (see `schema::Kind::schema_version`; risks are at
/// [`RISK_SCHEMA_VERSION`]).
pub const SCHEMA_VERSION: u32 = 1;

pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}
