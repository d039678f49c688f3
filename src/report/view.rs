//! The one data model every report template reads: systems with their
//! selections and every control's status, the POA&M, evidence, policies,
//! exceptions and risks, all in a stable order. Templates only lay it
//! out; nothing is computed in a template.

use super::Input;
use crate::assess::gaps::{ControlStatus, Gap, Selection, Step};
use crate::model::{
    Date, Evidence, Exception, Implementation, PolicyFront, Risk, ScanResult, System,
};
use crate::validate::Located;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// What a report covers: every system, or one, and every selection, or one
/// framework (optionally one baseline of it).
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub system: Option<String>,
    pub framework: Option<String>,
    pub baseline: Option<String>,
}

impl Scope {
    fn system(&self, id: &str) -> bool {
        self.system.as_deref().is_none_or(|s| s == id)
    }

    fn selection(&self, sel: &Selection) -> bool {
        self.framework.as_deref().is_none_or(|f| f == sel.framework)
            && self
                .baseline
                .as_deref()
                .is_none_or(|b| sel.baseline.as_deref() == Some(b))
    }
}

#[derive(Serialize)]
pub struct View<'a> {
    pub meta: &'a super::Meta,
    pub as_of: String,
    /// The repository's directory name, as a title when nothing better exists.
    pub repository: String,
    pub systems: Vec<SystemView<'a>>,
    pub poam: Vec<PoamItem>,
    pub evidence: Vec<EvidenceView<'a>>,
    pub policies: Vec<PolicyView<'a>>,
    pub exceptions: Vec<ExceptionView<'a>>,
    pub risks: Vec<RiskView<'a>>,
    pub totals: Totals,
}

#[derive(Serialize)]
pub struct SystemView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub owner: Option<&'a str>,
    pub inherits_from: Vec<&'a str>,
    pub selections: Vec<SelectionView<'a>>,
    /// Scan results for the system, by result (pass, fail, ...).
    pub findings: BTreeMap<&'static str, usize>,
    /// Failing scan results by severity.
    pub failing_by_severity: BTreeMap<String, usize>,
    pub failing: usize,
    /// Scan sources the system must be scanned by, with how often (from
    /// aegis.yaml), and the tools whose results are recorded.
    pub scan_every: Option<String>,
    pub scan_sources: Vec<(String, String)>,
    pub scanned_by: Vec<String>,
}

#[derive(Serialize)]
pub struct SelectionView<'a> {
    pub framework: &'a str,
    pub framework_title: &'a str,
    pub baseline: Option<&'a str>,
    /// `framework@baseline`, or the framework alone.
    pub label: String,
    pub controls: usize,
    pub satisfied: usize,
    pub coverage: f64,
    pub gaps: usize,
    pub excepted: usize,
    pub by_reason: Vec<(&'static str, usize)>,
    pub by_status: Vec<(&'static str, usize)>,
    pub statuses: Vec<ControlView<'a>>,
}

#[derive(Serialize)]
pub struct ControlView<'a> {
    pub control: &'a str,
    pub title: &'a str,
    pub status: &'static str,
    pub gap: bool,
    pub reasons: &'a [Gap],
    pub via: &'a [Step],
    pub inferred: bool,
    pub implementation: Option<ImplementationView<'a>>,
    pub justification: Option<&'a str>,
    pub inherited_from: Option<&'a str>,
    pub exceptions: &'a [String],
    pub poam: Option<&'a str>,
}

#[derive(Serialize)]
pub struct ImplementationView<'a> {
    pub path: &'a str,
    pub status: &'static str,
    pub owner: Option<&'a str>,
    pub statement: Option<&'a str>,
    pub provider: Option<&'a str>,
    pub parameters: &'a BTreeMap<String, String>,
    pub evidence: Vec<&'a str>,
    pub policies: Vec<&'a str>,
    pub reviewed: Option<String>,
}

/// A plan-of-action item: one gap of one control in one system's selection.
#[derive(Clone, Serialize)]
pub struct PoamItem {
    pub id: String,
    pub system: String,
    pub framework: String,
    pub baseline: Option<String>,
    pub control: String,
    pub title: String,
    pub reasons: Vec<String>,
    /// What falls short, one line per reason.
    pub description: String,
    pub description_lines: Vec<String>,
    pub owner: Option<String>,
    /// `open`, or `risk-accepted` while an exception covers it.
    pub status: &'static str,
    pub exceptions: Vec<String>,
    /// The worst residual (or inherent) rating of the exceptions and risks
    /// that name the control, when any do.
    pub risk: Option<String>,
    pub evidence: Vec<String>,
}

#[derive(Serialize)]
pub struct EvidenceView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub uri: &'a str,
    pub path: &'a str,
    pub sha256: Option<&'a str>,
    pub size: Option<u64>,
    pub collected: &'a str,
    pub stale_from: Option<String>,
    /// `fresh`, `stale` or `no-expiry`.
    pub freshness: &'static str,
    pub review: Option<String>,
    pub controls: Vec<&'a str>,
    /// Implementations that cite it.
    pub cited_by: usize,
}

#[derive(Serialize)]
pub struct PolicyView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub version: &'a str,
    pub owner: &'a str,
    pub path: &'a str,
    pub approvers: &'a [String],
    pub status: Option<String>,
    /// The newest approval of this version: when, by whom, in which PR.
    pub approved_at: Option<&'a str>,
    pub approved_by: Vec<&'a str>,
    pub pull_request: Option<u64>,
    pub review_due: Option<String>,
    pub overdue: bool,
    pub controls: Vec<&'a str>,
}

#[derive(Serialize)]
pub struct ExceptionView<'a> {
    pub id: &'a str,
    pub system: &'a str,
    pub title: Option<&'a str>,
    pub controls: Vec<&'a str>,
    pub justification: &'a str,
    pub approver: &'a str,
    pub granted: String,
    pub expires: String,
    pub expired: bool,
    pub path: &'a str,
}

#[derive(Serialize)]
pub struct RiskView<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub owner: &'a str,
    pub systems: Vec<&'a str>,
    pub controls: Vec<&'a str>,
    pub likelihood: u8,
    pub impact: u8,
    pub score: u32,
    pub residual: Option<(u8, u8)>,
    pub residual_score: Option<u32>,
    pub treatment: String,
    pub path: &'a str,
}

impl RiskView<'_> {
    /// (likelihood, impact): the residual rating (the inherent one where
    /// none is stated), or with `inherent` the inherent one.
    pub fn rating(&self, inherent: bool) -> (u8, u8) {
        match self.residual {
            Some(x) if !inherent => x,
            _ => (self.likelihood, self.impact),
        }
    }
}

#[derive(Default, Serialize)]
pub struct Totals {
    pub systems: usize,
    pub selections: usize,
    pub controls: usize,
    pub satisfied: usize,
    pub gaps: usize,
    pub poam: usize,
    pub evidence: usize,
    pub evidence_stale: usize,
    pub policies: usize,
    pub policies_unapproved: usize,
    pub exceptions: usize,
    pub risks: usize,
    /// Risk count per (likelihood, impact) cell, 5 × 5, rows from
    /// likelihood 5 down to 1: the heat map.
    pub heat: Vec<Vec<usize>>,
}

/// Builds the view of `input` within `scope`.
pub fn build<'a>(input: &'a Input<'a>, scope: &Scope) -> View<'a> {
    let run = input.run;
    let repo = &run.outcome.repo;
    let files = &run.workspace.files;
    let path = |file: usize| files.get(file).map_or("", |f| f.path.as_str());
    let as_of = input.as_of;

    let impls: HashMap<&str, &Implementation> = repo
        .implementations
        .iter()
        .map(|l| (path(l.file), &*l.value))
        .collect();
    let mut cited: HashMap<&str, usize> = HashMap::new();
    for l in &repo.implementations {
        for e in &l.value.evidence {
            *cited.entry(e.0.as_str()).or_default() += 1;
        }
    }
    let config_systems: HashMap<&str, &System> = repo
        .config
        .as_ref()
        .map(|c| c.systems.iter().map(|s| (s.id.0.as_str(), s)).collect())
        .unwrap_or_default();

    let mut poam = Vec::new();
    let mut totals = Totals::default();
    let mut systems = Vec::new();
    for sg in &input.assessment.systems {
        if !scope.system(&sg.id) {
            continue;
        }
        let Some(sys) = config_systems.get(sg.id.as_str()) else {
            continue;
        };
        let mut selections = Vec::new();
        for sel in sg.selections.iter().filter(|s| scope.selection(s)) {
            let fw = run.outcome.index.frameworks.get(&sel.framework);
            let title_of = |control: &str| -> &'a str {
                fw.and_then(|f| f.control(control).and_then(|i| f.controls.get(i)))
                    .map_or("", |c| c.title.as_str())
            };
            let statuses: Vec<ControlView> = sel
                .controls
                .iter()
                .map(|c| control_view(c, title_of(&c.control), &impls))
                .collect();
            for c in sel
                .controls
                .iter()
                .filter(|c| c.is_gap() || c.is_excepted())
            {
                poam.push(poam_item(
                    &sg.id,
                    sel,
                    c,
                    title_of(&c.control),
                    &impls,
                    repo,
                ));
            }
            let mut by_status: BTreeMap<&'static str, usize> = BTreeMap::new();
            for c in &sel.controls {
                *by_status.entry(c.status.as_str()).or_default() += 1;
            }
            let gaps = sel.gaps().count();
            totals.selections += 1;
            totals.controls += sel.controls.len();
            totals.satisfied += sel.satisfied();
            totals.gaps += gaps;
            selections.push(SelectionView {
                framework: &sel.framework,
                framework_title: fw.map_or(sel.framework.as_str(), |f| f.title.as_str()),
                baseline: sel.baseline.as_deref(),
                label: sel.label(),
                controls: sel.controls.len(),
                satisfied: sel.satisfied(),
                coverage: sel.coverage(),
                gaps,
                excepted: sel.controls.iter().filter(|c| c.is_excepted()).count(),
                by_reason: sel
                    .by_reason()
                    .into_iter()
                    .map(|(r, n)| (r.as_str(), n))
                    .collect(),
                by_status: by_status.into_iter().collect(),
                statuses,
            });
        }
        let (findings, failing_by_severity) = findings_of(repo, &sg.id);
        totals.systems += 1;
        systems.push(SystemView {
            id: &sg.id,
            name: &sys.name,
            description: sys.description.as_deref(),
            owner: sys.owner.as_deref(),
            inherits_from: sys.inherits_from.iter().map(|s| s.0.as_str()).collect(),
            selections,
            failing: failing_by_severity.values().sum(),
            scan_every: sys.scan_interval.as_ref().map(|p| p.text().to_string()),
            scan_sources: sys
                .scan_intervals
                .iter()
                .map(|(k, p)| (k.clone(), p.text().to_string()))
                .collect(),
            scanned_by: {
                let mut tools: Vec<String> = repo
                    .findings
                    .iter()
                    .filter(|f| f.value.system.0 == sg.id)
                    .map(|f| f.value.source.tool.clone())
                    .collect();
                tools.sort();
                tools.dedup();
                tools
            },
            findings,
            failing_by_severity,
        });
    }
    poam.sort_by(|a, b| a.id.cmp(&b.id));
    poam.dedup_by(|a, b| a.id == b.id);
    totals.poam = poam.len();

    let evidence: Vec<EvidenceView> = sorted(&repo.evidence, |e| e.id.0.as_str())
        .map(|l| evidence_view(l, path(l.file), as_of, &cited))
        .collect();
    totals.evidence = evidence.len();
    totals.evidence_stale = evidence.iter().filter(|e| e.freshness == "stale").count();

    let policies: Vec<PolicyView> = sorted(&repo.policies, |p| p.id.0.as_str())
        .map(|l| policy_view(&l.value, path(l.file), as_of, repo))
        .collect();
    totals.policies = policies.len();
    totals.policies_unapproved = policies.iter().filter(|p| p.approved_at.is_none()).count();

    let exceptions: Vec<ExceptionView> = sorted(&repo.exceptions, |e| e.id.0.as_str())
        .filter(|l| scope.system(&l.value.system.0))
        .map(|l| exception_view(&l.value, path(l.file), as_of))
        .collect();
    totals.exceptions = exceptions.len();

    let risks: Vec<RiskView> = sorted(&repo.risks, |r| r.id.0.as_str())
        .filter(|l| !l.value.is_closed())
        .filter(|l| {
            l.value.systems.is_empty() || l.value.systems.iter().any(|s| scope.system(&s.0))
        })
        .map(|l| risk_view(&l.value, path(l.file)))
        .collect();
    totals.risks = risks.len();
    let grid = crate::risk::heatmap::Grid::of(risks.iter().map(|r| {
        let (l, i) = r.rating(false);
        (r.id, l, i)
    }));
    totals.heat = (1..=5u8)
        .rev()
        .map(|l| (1..=5u8).map(|i| grid.at(l, i).len()).collect())
        .collect();

    View {
        meta: input.meta,
        as_of: as_of.to_string(),
        repository: run
            .workspace
            .root_canonical()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        systems,
        poam,
        evidence,
        policies,
        exceptions,
        risks,
        totals,
    }
}

fn sorted<T>(items: &[Located<T>], key: impl Fn(&T) -> &str) -> impl Iterator<Item = &Located<T>> {
    let mut v: Vec<&Located<T>> = items.iter().collect();
    v.sort_by(|a, b| key(&a.value).cmp(key(&b.value)).then(a.file.cmp(&b.file)));
    v.into_iter()
}

fn control_view<'a>(
    c: &'a ControlStatus,
    title: &'a str,
    impls: &HashMap<&'a str, &'a Implementation>,
) -> ControlView<'a> {
    let implementation = c.implementation.as_deref().and_then(|p| {
        let (path, i) = impls.get_key_value(p)?;
        Some(ImplementationView {
            path,
            status: i.status.as_str(),
            owner: i.owner.as_deref(),
            statement: i.statement.as_deref(),
            provider: i.provider.as_deref(),
            parameters: &i.parameters,
            evidence: i.evidence.iter().map(|e| e.0.as_str()).collect(),
            policies: i.policies.iter().map(|p| p.0.as_str()).collect(),
            reviewed: i.reviewed.map(|d| d.to_string()),
        })
    });
    ControlView {
        control: &c.control,
        title,
        status: c.status.as_str(),
        gap: c.is_gap(),
        reasons: &c.reasons,
        via: &c.via,
        inferred: c.inferred,
        implementation,
        justification: c.justification.as_deref(),
        inherited_from: c.inherited_from.as_deref(),
        exceptions: &c.exceptions,
        poam: c.poam.as_deref(),
    }
}

fn poam_item(
    system: &str,
    sel: &Selection,
    c: &ControlStatus,
    title: &str,
    impls: &HashMap<&str, &Implementation>,
    repo: &crate::validate::Repo,
) -> PoamItem {
    let implementation = c.implementation.as_deref().and_then(|p| impls.get(p));
    let mut reasons: Vec<String> = c
        .reasons
        .iter()
        .map(|g| g.reason.as_str().to_string())
        .collect();
    reasons.dedup();
    let description = c
        .reasons
        .iter()
        .map(|g| {
            if g.detail.is_empty() {
                g.reason.as_str().to_string()
            } else {
                format!("{}: {}", g.reason.as_str(), g.detail)
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    // The ratings of exceptions covering the control, and of risks naming
    // it, say how bad leaving it open is; the worst one is reported.
    let mut ratings: Vec<u32> = repo
        .exceptions
        .iter()
        .filter(|e| c.exceptions.contains(&e.value.id.0))
        .filter_map(|e| rating_rank(&name_of(&e.value.risk_rating)))
        .collect();
    ratings.extend(
        repo.risks
            .iter()
            .filter(|r| !r.value.is_closed())
            .filter(|r| r.value.systems.is_empty() || r.value.systems.iter().any(|s| s.0 == system))
            .filter(|r| {
                r.value
                    .controls
                    .iter()
                    .any(|cr| cr.parts().1.0 == c.control)
            })
            .map(|r| score_rank(r.value.residual_score())),
    );
    PoamItem {
        id: c.poam.clone().unwrap_or_default(),
        system: system.to_string(),
        framework: sel.framework.clone(),
        baseline: sel.baseline.clone(),
        control: c.control.clone(),
        title: title.to_string(),
        reasons,
        description_lines: description.lines().map(str::to_string).collect(),
        description,
        owner: implementation.and_then(|i| i.owner.clone()),
        status: if c.is_excepted() {
            "risk-accepted"
        } else {
            "open"
        },
        exceptions: c.exceptions.clone(),
        risk: ratings
            .into_iter()
            .max()
            .map(|r| RATINGS[r as usize].to_string()),
        evidence: implementation
            .map(|i| i.evidence.iter().map(|e| e.0.clone()).collect())
            .unwrap_or_default(),
    }
}

const RATINGS: [&str; 4] = ["low", "moderate", "high", "critical"];

fn rating_rank(s: &str) -> Option<u32> {
    match s {
        "low" => Some(0),
        "moderate" | "medium" => Some(1),
        "high" => Some(2),
        "critical" | "very-high" => Some(3),
        _ => None,
    }
}

/// A 5 × 5 score as a rating: up to 4 low, to 9 moderate, to 16 high,
/// above that critical.
fn score_rank(score: u32) -> u32 {
    match score {
        0..=4 => 0,
        5..=9 => 1,
        10..=16 => 2,
        _ => 3,
    }
}

fn findings_of(
    repo: &crate::validate::Repo,
    system: &str,
) -> (BTreeMap<&'static str, usize>, BTreeMap<String, usize>) {
    let mut by_result = BTreeMap::new();
    let mut failing = BTreeMap::new();
    for set in repo.findings.iter().filter(|s| s.value.system.0 == system) {
        for f in &set.value.findings {
            *by_result.entry(f.result.as_str()).or_default() += 1;
            if f.result == ScanResult::Fail {
                let sev = f.severity.clone().unwrap_or_else(|| "unknown".to_string());
                *failing.entry(sev).or_default() += 1;
            }
        }
    }
    (by_result, failing)
}

fn evidence_view<'a>(
    l: &'a Located<Evidence>,
    path: &'a str,
    as_of: Date,
    cited: &HashMap<&str, usize>,
) -> EvidenceView<'a> {
    let e = &l.value;
    let stale_from = e.stale_from();
    EvidenceView {
        id: &e.id.0,
        title: &e.title,
        uri: &e.uri,
        path,
        sha256: e.sha256.as_deref(),
        size: e.size,
        collected: &e.collected_at.text,
        stale_from: stale_from.map(|d| d.to_string()),
        freshness: match stale_from {
            Some(d) if d <= as_of => "stale",
            Some(_) => "fresh",
            None => "no-expiry",
        },
        review: e.review.as_ref().map(|r| name_of(&r.status)),
        controls: e.controls.iter().map(|c| c.0.as_str()).collect(),
        cited_by: cited.get(e.id.0.as_str()).copied().unwrap_or(0),
    }
}

fn policy_view<'a>(
    p: &'a PolicyFront,
    path: &'a str,
    as_of: Date,
    repo: &'a crate::validate::Repo,
) -> PolicyView<'a> {
    let approval = repo
        .approvals
        .iter()
        .flat_map(|l| &l.value.approvals)
        .filter(|a| a.policy == p.id && a.version == p.version)
        .max_by(|a, b| {
            (a.approved_at.date, &a.approved_at.text)
                .cmp(&(b.approved_at.date, &b.approved_at.text))
        });
    let due = p.review_due();
    PolicyView {
        id: &p.id.0,
        title: &p.title,
        version: &p.version,
        owner: &p.owner,
        path,
        approvers: &p.approvers,
        status: p.status.as_ref().map(name_of),
        approved_at: approval.map(|a| a.approved_at.text.as_str()),
        approved_by: approval
            .map(|a| a.approved_by.iter().map(|x| x.login.as_str()).collect())
            .unwrap_or_default(),
        pull_request: approval.and_then(|a| a.pull_request),
        review_due: due.map(|d| d.to_string()),
        overdue: due.is_some_and(|d| d < as_of),
        controls: p.controls.iter().map(|c| c.0.as_str()).collect(),
    }
}

fn exception_view<'a>(e: &'a Exception, path: &'a str, as_of: Date) -> ExceptionView<'a> {
    ExceptionView {
        id: &e.id.0,
        system: &e.system.0,
        title: e.title.as_deref(),
        controls: e.controls.iter().map(|c| c.0.as_str()).collect(),
        justification: &e.justification,
        approver: &e.approver,
        granted: e.granted.to_string(),
        expires: e.expires.to_string(),
        expired: e.expires < as_of,
        path,
    }
}

fn risk_view<'a>(r: &'a Risk, path: &'a str) -> RiskView<'a> {
    let residual = r.residual.as_ref().map(|x| (x.likelihood, x.impact));
    RiskView {
        id: &r.id.0,
        title: &r.title,
        owner: &r.owner,
        systems: r.systems.iter().map(|s| s.0.as_str()).collect(),
        controls: r.controls.iter().map(|c| c.0.as_str()).collect(),
        likelihood: r.inherent.likelihood,
        impact: r.inherent.impact,
        score: r.inherent_score(),
        residual,
        residual_score: residual.map(|(l, i)| u32::from(l) * u32::from(i)),
        treatment: name_of(&r.treatment),
        path,
    }
}

/// A unit enum's name as YAML writes it (its serde name).
fn name_of<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|j| j.as_str().map(str::to_string))
        .unwrap_or_default()
}
