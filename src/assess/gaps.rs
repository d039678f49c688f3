//! The gap engine: for each system and each framework or baseline it
//! selects, the status of every control the selection holds (not only the
//! ones someone wrote down), and the reasons each one falls short.

use super::poam;
use crate::crosswalk::{Graph, Link, Node};
use crate::diag::{Code, Diagnostic};
use crate::hashing::HashMap;
use crate::model::{Date, ImplStatus, PolicyStatus, ProvenanceKind, ReviewStatus, ScanResult};
use crate::validate::Outcome;
use crate::workspace::Workspace;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Where a control stands in one system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Implemented,
    /// An alternative (compensating) implementation.
    Alternative,
    Inherited,
    /// Met through the crosswalk by an implementation of another framework.
    Crosswalk,
    NotApplicable,
    Partial,
    Planned,
    Missing,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Implemented => "implemented",
            Status::Alternative => "alternative",
            Status::Inherited => "inherited",
            Status::Crosswalk => "crosswalk",
            Status::NotApplicable => "not-applicable",
            Status::Partial => "partial",
            Status::Planned => "planned",
            Status::Missing => "missing",
        }
    }
}

/// Why a control is a gap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    Missing,
    Planned,
    Partial,
    InheritedGap,
    EvidenceMissing,
    EvidenceStale,
    EvidenceRejected,
    EvidenceTampered,
    PolicyUnapproved,
    PolicyOverdue,
    FindingsFail,
    ExceptionExpired,
}

impl Reason {
    pub const ALL: [Reason; 12] = [
        Reason::Missing,
        Reason::Planned,
        Reason::Partial,
        Reason::InheritedGap,
        Reason::EvidenceMissing,
        Reason::EvidenceStale,
        Reason::EvidenceRejected,
        Reason::EvidenceTampered,
        Reason::PolicyUnapproved,
        Reason::PolicyOverdue,
        Reason::FindingsFail,
        Reason::ExceptionExpired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Missing => "missing",
            Reason::Planned => "planned",
            Reason::Partial => "partial",
            Reason::InheritedGap => "inherited-gap",
            Reason::EvidenceMissing => "evidence-missing",
            Reason::EvidenceStale => "evidence-stale",
            Reason::EvidenceRejected => "evidence-rejected",
            Reason::EvidenceTampered => "evidence-tampered",
            Reason::PolicyUnapproved => "policy-unapproved",
            Reason::PolicyOverdue => "policy-overdue",
            Reason::FindingsFail => "findings-fail",
            Reason::ExceptionExpired => "exception-expired",
        }
    }

    pub fn from_name(s: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// One reason with what it is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Gap {
    pub reason: Reason,
    pub detail: String,
}

/// One step of a crosswalk path, for people and for JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    pub from: String,
    pub to: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub provenance: &'static str,
    /// The mapping file the step was read from.
    pub mapping: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength: Option<u8>,
}

/// A control of a selection, as it stands in one system.
#[derive(Clone, Debug, Serialize)]
pub struct ControlStatus {
    pub control: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Gap>,
    /// How a crosswalk-met control is met: the path, first step first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<Step>,
    /// Inferred through a hub rather than written in one mapping file.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
    /// The implementation file, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implementation: Option<String>,
    /// For not-applicable: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// For inherited: where from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inherited_from: Option<String>,
    /// Exceptions in force that cover this control's gaps.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<String>,
    /// The plan-of-action item a gap becomes, stable from run to run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poam: Option<String>,
}

impl ControlStatus {
    /// Falls short, and no exception in force covers it.
    pub fn is_gap(&self) -> bool {
        !self.reasons.is_empty() && self.exceptions.is_empty()
    }

    pub fn is_excepted(&self) -> bool {
        !self.reasons.is_empty() && !self.exceptions.is_empty()
    }
}

/// One selection (a framework, or one of its baselines) in one system.
#[derive(Clone, Debug, Serialize)]
pub struct Selection {
    pub framework: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    pub controls: Vec<ControlStatus>,
}

impl Selection {
    pub fn satisfied(&self) -> usize {
        self.controls
            .iter()
            .filter(|c| c.reasons.is_empty())
            .count()
    }

    pub fn gaps(&self) -> impl Iterator<Item = &ControlStatus> {
        self.controls.iter().filter(|c| c.is_gap())
    }

    /// Percent of the selection's controls with nothing missing, to one
    /// decimal (100 for an empty selection).
    pub fn coverage(&self) -> f64 {
        if self.controls.is_empty() {
            return 100.0;
        }
        let pct = self.satisfied() as f64 * 100.0 / self.controls.len() as f64;
        (pct * 10.0).floor() / 10.0
    }

    /// Gaps per reason (a gap with two reasons counts under both).
    pub fn by_reason(&self) -> BTreeMap<Reason, usize> {
        let mut m = BTreeMap::new();
        for c in self.gaps() {
            let reasons: BTreeSet<Reason> = c.reasons.iter().map(|g| g.reason).collect();
            for r in reasons {
                *m.entry(r).or_default() += 1;
            }
        }
        m
    }

    /// `framework` or `framework@baseline`.
    pub fn label(&self) -> String {
        match &self.baseline {
            Some(b) => format!("{}@{b}", self.framework),
            None => self.framework.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SystemGaps {
    pub id: String,
    pub selections: Vec<Selection>,
}

/// Everything the engine found, systems in aegis.yaml order.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Assessment {
    pub systems: Vec<SystemGaps>,
    /// Controls of exceptions in force that waive no gap (`exception-unused`).
    #[serde(skip)]
    pub unused_exceptions: Vec<UnusedException>,
}

/// A control an exception in force names that has no gap to waive in the
/// exception's system (met, or in none of the system's selections).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnusedException {
    /// The exception file, in `Workspace::files`.
    pub file: usize,
    pub id: String,
    pub system: String,
    /// The index of the control in the exception's `controls`.
    pub index: usize,
    pub control: String,
}

/// What one system does about one control, before crosswalks and baselines.
#[derive(Clone, Debug)]
struct Own {
    status: Status,
    reasons: Vec<Gap>,
    file: usize,
    justification: Option<String>,
    /// Shown: the providing system, or `provider <name>` for an outside one.
    inherited_from: Option<String>,
    /// The system it inherits from, when that is a system of this repository.
    provider_system: Option<String>,
}

/// The gap a validation diagnostic about an evidence artifact makes.
fn artifact_reason(code: Code) -> Option<Reason> {
    match code {
        Code::EvidenceHashMismatch
        | Code::EvidenceSizeMismatch
        | Code::EvidenceSignatureMismatch => Some(Reason::EvidenceTampered),
        Code::EvidenceFileMissing | Code::PathEscapesRepo | Code::IoError => {
            Some(Reason::EvidenceMissing)
        }
        _ => None,
    }
}

/// Per evidence record, the worst thing validation found about its artifact.
fn artifact_problems<'a>(
    ws: &Workspace,
    outcome: &'a Outcome,
    diagnostics: &[Diagnostic],
) -> HashMap<&'a str, (Reason, String)> {
    let mut out: HashMap<&str, (Reason, String)> = HashMap::default();
    // Nearly every run has none, and then no evidence needs indexing.
    if !diagnostics
        .iter()
        .any(|d| artifact_reason(d.code).is_some())
    {
        return out;
    }
    let by_path: HashMap<&str, &str> = outcome
        .repo
        .evidence
        .iter()
        .filter_map(|e| Some((ws.files.get(e.file)?.path.as_str(), e.value.id.as_str())))
        .collect();
    for d in diagnostics {
        let Some(reason) = artifact_reason(d.code) else {
            continue;
        };
        if let Some(id) = by_path.get(d.file.as_str()) {
            let worse = out.get(id).is_none_or(|(r, _)| reason > *r);
            if worse {
                out.insert(id, (reason, d.message.clone()));
            }
        }
    }
    out
}

/// Runs the engine over a validated repository, judging dates as of `as_of`.
/// `diagnostics` are validation's (they carry what hashing evidence found,
/// so nothing is hashed twice).
pub fn assess(
    ws: &Workspace,
    outcome: &Outcome,
    diagnostics: &[Diagnostic],
    as_of: Date,
) -> Assessment {
    assess_keeping(ws, outcome, diagnostics, as_of, Keep::default())
}

/// What a walk over history keeps of the commit before when only some
/// systems' implementations changed.
#[derive(Default)]
pub struct Keep {
    /// By position in aegis.yaml's systems: the gaps to keep as they are,
    /// `None` for a system to assess. Empty: assess every system.
    pub kept: Vec<Option<SystemGaps>>,
    /// The implementations (positions in `repo.implementations`, in
    /// order) the systems assessed read: their own, and those of the
    /// systems they inherit from. `None`: all.
    pub read: Option<Vec<usize>>,
}

/// `assess`, keeping the systems `keep` holds as they are.
pub fn assess_keeping(
    ws: &Workspace,
    outcome: &Outcome,
    diagnostics: &[Diagnostic],
    as_of: Date,
    keep: Keep,
) -> Assessment {
    let Some(config) = &outcome.repo.config else {
        return Assessment::default();
    };
    let graph = Graph::build(outcome);
    let repo = &outcome.repo;
    let artifacts = artifact_problems(ws, outcome, diagnostics);
    let evidence: HashMap<&str, &crate::model::Evidence> = repo
        .evidence
        .iter()
        .map(|e| (e.value.id.as_str(), &*e.value))
        .collect();

    // Policies: approved means the ledger holds an approval of the file's
    // exact content (the one definition, shared with validation).
    let approved = crate::validate::approvals::Approved::of(repo);
    let mut policy_gaps: HashMap<&str, Vec<Gap>> = HashMap::default();
    let mut policies_of: HashMap<Node, Vec<&str>> = HashMap::default();
    for p in &repo.policies {
        let id = p.value.id.as_str();
        let mut gaps = Vec::new();
        let text = ws.files.get(p.file).map_or("", |f| f.text.as_str());
        match p.value.status {
            Some(PolicyStatus::Draft) => gaps.push(Gap {
                reason: Reason::PolicyUnapproved,
                detail: format!("policy `{id}` is a draft"),
            }),
            Some(PolicyStatus::Retired) => gaps.push(Gap {
                reason: Reason::PolicyUnapproved,
                detail: format!("policy `{id}` is retired"),
            }),
            _ if !approved.policy(id, text) => gaps.push(Gap {
                reason: Reason::PolicyUnapproved,
                detail: format!(
                    "policy `{id}` version {} has no approval of its current content in policies/approvals.yaml",
                    p.value.version
                ),
            }),
            _ => {}
        }
        if let Some(due) = p.value.review_due()
            && due < as_of
        {
            gaps.push(Gap {
                reason: Reason::PolicyOverdue,
                detail: format!("policy `{id}` was due for review on {due}"),
            });
        }
        policy_gaps.insert(id, gaps);
        for c in &p.value.controls {
            let node = graph.found(outcome.index.resolve(c, &[]));
            if let Some(n) = node {
                policies_of.entry(n).or_default().push(id);
            }
        }
    }

    // Own statuses, per system.
    let mut own: HashMap<&str, HashMap<Node, Own>> = HashMap::default();
    let read: Box<dyn Iterator<Item = &crate::validate::Located<crate::model::Implementation>>> =
        match &keep.read {
            Some(at) => Box::new(at.iter().filter_map(|k| repo.implementations.get(*k))),
            None => Box::new(repo.implementations.iter()),
        };
    for imp in read {
        let path = ws.files.get(imp.file).map_or("", |f| f.path.as_str());
        let system = match &imp.value.system {
            Some(s) => s.as_str(),
            None => path.split('/').nth(1).unwrap_or_default(),
        };
        let Some(node) = outcome
            .implementation_control(ws, imp)
            .and_then(|(fw, c)| graph.found_at(&fw, c))
        else {
            continue;
        };
        let v = &imp.value;
        let mut reasons = Vec::new();
        let status = match v.status {
            ImplStatus::Implemented => Status::Implemented,
            ImplStatus::Alternative => Status::Alternative,
            ImplStatus::Inherited => Status::Inherited,
            ImplStatus::NotApplicable => Status::NotApplicable,
            ImplStatus::Partial => {
                reasons.push(Gap {
                    reason: Reason::Partial,
                    detail: "partially implemented".into(),
                });
                Status::Partial
            }
            ImplStatus::Planned => {
                reasons.push(Gap {
                    reason: Reason::Planned,
                    detail: "planned, not implemented".into(),
                });
                Status::Planned
            }
        };
        if matches!(
            v.status,
            ImplStatus::Implemented | ImplStatus::Alternative | ImplStatus::Partial
        ) {
            if v.evidence.is_empty() {
                reasons.push(Gap {
                    reason: Reason::EvidenceMissing,
                    detail: "the implementation cites no evidence".into(),
                });
            }
            for id in &v.evidence {
                let Some(e) = evidence.get(id.as_str()) else {
                    reasons.push(Gap {
                        reason: Reason::EvidenceMissing,
                        detail: format!("evidence `{id}` does not exist"),
                    });
                    continue;
                };
                if let Some((r, msg)) = artifacts.get(id.as_str()) {
                    reasons.push(Gap {
                        reason: *r,
                        detail: format!("evidence `{id}`: {msg}"),
                    });
                }
                if let Some(stale) = e.stale_from()
                    && stale <= as_of
                {
                    reasons.push(Gap {
                        reason: Reason::EvidenceStale,
                        detail: format!("evidence `{id}` went stale on {stale}"),
                    });
                }
                if let Some(r) = &e.review
                    && matches!(r.status, ReviewStatus::Rejected | ReviewStatus::Quarantined)
                {
                    let word = if r.status == ReviewStatus::Rejected {
                        "rejected"
                    } else {
                        "quarantined"
                    };
                    reasons.push(Gap {
                        reason: Reason::EvidenceRejected,
                        detail: format!("evidence `{id}` was {word} in review"),
                    });
                }
            }
        }
        // The policies the implementation lists, and those that list the
        // control: both govern it, so a crosswalk never leans on a control
        // whose policy is unapproved.
        let listing = policies_of.get(&node).into_iter().flatten().copied();
        for p in v.policies.iter().map(|p| p.as_str()).chain(listing) {
            for g in policy_gaps.get(p).into_iter().flatten() {
                if !reasons.contains(g) {
                    reasons.push(g.clone());
                }
            }
        }
        let inherited_from = match (&v.inherited_from, &v.provider) {
            (Some(s), _) => Some(s.0.clone()),
            (None, Some(p)) => Some(format!("provider {p}")),
            _ => None,
        };
        own.entry(system).or_default().insert(
            node,
            Own {
                status,
                reasons,
                file: imp.file,
                justification: v.justification.clone(),
                inherited_from,
                provider_system: v.inherited_from.as_ref().map(|s| s.0.clone()),
            },
        );
    }

    // Failing findings, per system and control.
    let mut failing: HashMap<(&str, Node), usize> = HashMap::default();
    for set in &repo.findings {
        let system = set.value.system.as_str();
        let context = outcome.contexts.of(system).unwrap_or_default();
        let mut cache: HashMap<&str, Option<Node>> = HashMap::default();
        for f in &set.value.findings {
            if f.result != ScanResult::Fail {
                continue;
            }
            let mut nodes = BTreeSet::new();
            for c in &f.controls {
                let n = *cache
                    .entry(c.0.as_str())
                    .or_insert_with(|| graph.found(outcome.index.resolve(c, context)));
                if let Some(n) = n {
                    nodes.insert(n);
                }
            }
            for n in nodes {
                *failing.entry((system, n)).or_default() += 1;
            }
        }
    }

    // Exceptions, per system and control: in force, or expired.
    let mut in_force: HashMap<(&str, Node), Vec<&str>> = HashMap::default();
    let mut expired: HashMap<(&str, Node), Vec<(&str, Date)>> = HashMap::default();
    for ex in &repo.exceptions {
        let e = &ex.value;
        // A closed exception waives nothing, and its expiry no longer matters.
        if e.is_closed(as_of) {
            continue;
        }
        let system = e.system.as_str();
        let context = outcome.contexts.of(system).unwrap_or_default();
        for c in &e.controls {
            let Some(n) = graph.found(outcome.index.resolve(c, context)) else {
                continue;
            };
            if e.expires < as_of {
                expired
                    .entry((system, n))
                    .or_default()
                    .push((e.id.as_str(), e.expires));
            } else if e.granted <= as_of {
                in_force.entry((system, n)).or_default().push(e.id.as_str());
            }
        }
    }

    let ctx = Ctx {
        ws,
        outcome,
        graph: &graph,
        own: &own,
        failing: &failing,
        in_force: &in_force,
        expired: &expired,
        policies_of: &policies_of,
        policy_gaps: &policy_gaps,
    };
    let mut kept = keep.kept;
    kept.resize_with(config.systems.len(), || None);
    let systems: Vec<SystemGaps> = config
        .systems
        .par_iter()
        .zip(kept)
        .map(|(s, kept)| match kept {
            Some(gaps) => gaps,
            None => SystemGaps {
                id: s.id.0.clone(),
                selections: s
                    .frameworks
                    .iter()
                    .filter_map(|sel| ctx.selection(s.id.as_str(), sel))
                    .collect(),
            },
        })
        .collect();
    let unused_exceptions = unused_exceptions(&graph, outcome, &systems, as_of);
    Assessment {
        systems,
        unused_exceptions,
    }
}

/// The controls of exceptions in force that no selection of their system
/// lists as excepted by them.
fn unused_exceptions(
    graph: &Graph,
    outcome: &Outcome,
    systems: &[SystemGaps],
    as_of: Date,
) -> Vec<UnusedException> {
    let repo = &outcome.repo;
    let mut unused = Vec::new();
    for ex in &repo.exceptions {
        let e = &ex.value;
        if !e.in_force(as_of) {
            continue;
        }
        let system = e.system.as_str();
        let Some(gaps) = systems.iter().find(|s| s.id == system) else {
            continue; // an unknown system is reported by validation
        };
        let context = outcome.contexts.of(system).unwrap_or_default();
        for (index, c) in e.controls.iter().enumerate() {
            // An unknown control is reported by validation.
            let Some(n) = graph.found(outcome.index.resolve(c, context)) else {
                continue;
            };
            let display = graph.display(n);
            let used = gaps.selections.iter().any(|sel| {
                sel.controls.iter().any(|cs| {
                    cs.control == display && cs.exceptions.iter().any(|x| x == e.id.as_str())
                })
            });
            if !used {
                unused.push(UnusedException {
                    file: ex.file,
                    id: e.id.0.clone(),
                    system: system.to_string(),
                    index,
                    control: c.0.clone(),
                });
            }
        }
    }
    unused
}

struct Ctx<'a> {
    ws: &'a Workspace,
    outcome: &'a Outcome,
    graph: &'a Graph<'a>,
    own: &'a HashMap<&'a str, HashMap<Node, Own>>,
    failing: &'a HashMap<(&'a str, Node), usize>,
    in_force: &'a HashMap<(&'a str, Node), Vec<&'a str>>,
    expired: &'a HashMap<(&'a str, Node), Vec<(&'a str, Date)>>,
    policies_of: &'a HashMap<Node, Vec<&'a str>>,
    policy_gaps: &'a HashMap<&'a str, Vec<Gap>>,
}

impl Ctx<'_> {
    fn selection(&self, system: &str, sel: &crate::model::Selection) -> Option<Selection> {
        let fw_id = sel.framework.as_str();
        let entry = self.outcome.index.frameworks.get(fw_id)?;
        let fw = self.graph.framework(fw_id)?;
        let nodes: Vec<Node> = match &sel.baseline {
            Some(b) => {
                let base = entry.baselines.get(b.as_str())?;
                let mut seen = BTreeSet::new();
                base.controls
                    .iter()
                    .filter_map(|c| self.graph.node_in(fw, c.as_str()))
                    .filter(|n| seen.insert(*n))
                    .collect()
            }
            None => entry
                .controls
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.withdrawn)
                .filter_map(|(i, _)| {
                    Some(Node {
                        framework: fw,
                        control: u32::try_from(i).ok()?,
                    })
                })
                .collect(),
        };
        let baseline = sel.baseline.as_ref().map(|b| b.0.clone());
        let controls = nodes
            .into_iter()
            .map(|n| self.control(system, fw_id, baseline.as_deref(), n))
            .collect();
        Some(Selection {
            framework: fw_id.to_string(),
            baseline,
            controls,
        })
    }

    fn control(&self, system: &str, fw_id: &str, baseline: Option<&str>, n: Node) -> ControlStatus {
        let display = self.graph.display(n).to_string();
        let mut cs = ControlStatus {
            control: display.clone(),
            status: Status::Missing,
            reasons: Vec::new(),
            via: Vec::new(),
            inferred: false,
            implementation: None,
            justification: None,
            inherited_from: None,
            exceptions: Vec::new(),
            poam: None,
        };
        match self.own.get(system).and_then(|m| m.get(&n)) {
            Some(own) => {
                cs.status = own.status;
                cs.reasons = own.reasons.clone();
                cs.implementation = self.ws.files.get(own.file).map(|f| f.path.clone());
                cs.justification = own.justification.clone();
                cs.inherited_from = own.inherited_from.clone();
                if own.status == Status::Inherited
                    && let Some(from) = &own.provider_system
                    && let Some(why) = self.provider_gap(from, n, 0)
                {
                    cs.reasons.push(Gap {
                        reason: Reason::InheritedGap,
                        detail: format!("inherited from `{from}`, where {why}"),
                    });
                }
            }
            None => match self.graph.covered_by(n, |x| self.met(system, x)) {
                Some(link) => {
                    cs.status = Status::Crosswalk;
                    // A relationship kept in an `inferred` file is as
                    // inferred as one found on the fly.
                    cs.inferred = link.inferred()
                        || link.path.iter().any(|&e| {
                            self.graph
                                .edges
                                .get(e)
                                .is_some_and(|e| e.provenance == ProvenanceKind::Inferred)
                        });
                    cs.via = self.steps(&link);
                }
                None => {
                    let detail = match self.graph.covered_by(n, |_| true) {
                        Some(would) => {
                            let x = would.from;
                            format!(
                                "no implementation; {}:{} would meet it through the crosswalk{}, but is not met in this system",
                                self.graph.framework_id(x),
                                self.graph.display(x),
                                if would.inferred() { " (inferred)" } else { "" }
                            )
                        }
                        None => "no implementation, and no control of another framework that meets it through the crosswalk".into(),
                    };
                    // What the system does that touches it, for whoever
                    // closes the gap: implemented controls whose mapping
                    // overlaps it without covering it.
                    let partly: Vec<String> = self
                        .graph
                        .written_into(n, |x| self.met(system, x))
                        .iter()
                        .filter(|l| !l.covers)
                        .map(|l| {
                            format!(
                                "{}:{} ({})",
                                self.graph.framework_id(l.from),
                                self.graph.display(l.from),
                                l.kind.as_str()
                            )
                        })
                        .collect();
                    let detail = match partly.len() {
                        0 => detail,
                        n if n <= 5 => format!(
                            "{detail}; partly addressed through the crosswalk by {}",
                            partly.join(", ")
                        ),
                        n => format!(
                            "{detail}; partly addressed through the crosswalk by {} and {} more",
                            partly[..5].join(", "),
                            n - 5
                        ),
                    };
                    cs.reasons.push(Gap {
                        reason: Reason::Missing,
                        detail,
                    })
                }
            },
        }
        if cs.status != Status::NotApplicable {
            for p in self.policies_of.get(&n).into_iter().flatten() {
                for g in self.policy_gaps.get(p).into_iter().flatten() {
                    if !cs.reasons.contains(g) {
                        cs.reasons.push(g.clone());
                    }
                }
            }
            if let Some(k) = self.failing.get(&(system, n)) {
                cs.reasons.push(Gap {
                    reason: Reason::FindingsFail,
                    detail: format!("{k} failing scan finding(s) map to it"),
                });
            }
        }
        for (id, on) in self.expired.get(&(system, n)).into_iter().flatten() {
            cs.reasons.push(Gap {
                reason: Reason::ExceptionExpired,
                detail: format!("exception `{id}` expired on {on}"),
            });
        }
        let expired_only = cs
            .reasons
            .iter()
            .all(|g| g.reason == Reason::ExceptionExpired);
        if !cs.reasons.is_empty() && !expired_only {
            cs.exceptions = self
                .in_force
                .get(&(system, n))
                .map(|v| v.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default();
        }
        cs.reasons.sort();
        cs.reasons.dedup();
        if !cs.reasons.is_empty() {
            cs.poam = Some(poam::id(system, fw_id, baseline, &display));
        }
        cs
    }

    /// Whether `x` is met, cleanly, by the system's own implementation.
    fn met(&self, system: &str, x: Node) -> bool {
        self.own
            .get(system)
            .and_then(|m| m.get(&x))
            .is_some_and(|o| {
                o.reasons.is_empty()
                    && matches!(
                        o.status,
                        Status::Implemented | Status::Alternative | Status::Inherited
                    )
                    && o.provider_system
                        .as_ref()
                        .is_none_or(|from| self.provider_gap(from, x, 0).is_none())
            })
    }

    /// What is wrong with control `n` in the providing system, if anything.
    fn provider_gap(&self, provider: &str, n: Node, depth: usize) -> Option<String> {
        if depth > 16 {
            return Some("the inheritance chain is too long (a cycle?)".into());
        }
        let Some(own) = self.own.get(provider).and_then(|m| m.get(&n)) else {
            return Some(format!("`{}` has no implementation", self.graph.display(n)));
        };
        if let Some(g) = own.reasons.first() {
            return Some(g.detail.clone());
        }
        match own.status {
            Status::Implemented | Status::Alternative => None,
            Status::Inherited => match &own.provider_system {
                Some(from) => self.provider_gap(from, n, depth + 1),
                None => None,
            },
            other => Some(format!("it is {}", other.as_str())),
        }
    }

    fn steps(&self, link: &Link) -> Vec<Step> {
        link.path
            .iter()
            .filter_map(|&e| {
                let edge = self.graph.edges.get(e)?;
                Some(Step {
                    from: format!(
                        "{}:{}",
                        self.graph.framework_id(edge.from),
                        self.graph.display(edge.from)
                    ),
                    to: format!(
                        "{}:{}",
                        self.graph.framework_id(edge.to),
                        self.graph.display(edge.to)
                    ),
                    kind: edge.kind.as_str(),
                    provenance: edge.provenance.as_str(),
                    mapping: self.ws.files.get(edge.file)?.path.clone(),
                    strength: edge.strength,
                })
            })
            .collect()
    }
}
