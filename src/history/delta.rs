//! The compliance delta between two states of a repository (`aegis diff`,
//! and the sticky PR comment of `aegis publish pr-comment`).
//!
//! Library use:
//!
//! ```no_run
//! use aegis::history::{Range, delta};
//! # fn main() -> Result<(), aegis::history::Error> {
//! let range = Range::parse("origin/main...HEAD")?;
//! let d = delta::compare(std::path::Path::new("."), &range, None)?;
//! let comment = delta::markdown(&d, 60_000); // never more than 60,000 characters
//! # let _ = comment; Ok(()) }
//! ```
//!
//! `compare` reads both sides through git (no checkout) and runs the full
//! gate on each; `between` compares two states already evaluated. The
//! `Delta` is plain sorted data (JSON through serde); `human` and
//! `markdown` render it. Every list is sorted, so the same two states
//! always give the same bytes.

use super::{Error, Range, State};
use crate::assess::{Reason, Status};
use crate::crosswalk::Graph;
use crate::diag::Code;
use crate::model::{Date, PolicyStatus, ScanResult};
use crate::output::escape;
use crate::workspace::git::Commit;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// Everything that changed between two states, for an auditor's eyes.
#[derive(Clone, Debug, Serialize)]
pub struct Delta {
    pub base: Side,
    pub head: Side,
    /// Every system and selection of either side, before and after.
    pub coverage: Vec<CoverageChange>,
    /// Controls whose status or satisfaction changed.
    pub controls: Vec<ControlChange>,
    /// Gaps (by POA&M id) at HEAD that were not at BASE.
    pub gaps_opened: Vec<GapItem>,
    /// Gaps at BASE that are gone at HEAD.
    pub gaps_closed: Vec<GapItem>,
    pub evidence: Vec<EvidenceChange>,
    pub policies: Vec<PolicyChange>,
    pub findings: FindingsDrift,
    pub implementations: Vec<ImplementationChange>,
    /// The gate's verdict at HEAD.
    pub gate: Gate,
}

/// One side of the comparison.
#[derive(Clone, Debug, Serialize)]
pub struct Side {
    /// `None`: the working tree.
    pub commit: Option<Commit>,
    /// The day dates were judged against.
    pub as_of: Date,
}

impl Side {
    fn of(s: &State) -> Side {
        Side {
            commit: s.commit.clone(),
            as_of: s.as_of,
        }
    }

    /// `abc123456789` or `working tree`.
    pub fn label(&self) -> String {
        self.commit
            .as_ref()
            .map_or_else(|| "working tree".into(), |c| c.short().to_string())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoverageChange {
    pub system: String,
    /// `framework` or `framework@baseline`.
    pub selection: String,
    /// `None` when the selection does not exist on that side.
    pub before: Option<f64>,
    pub after: Option<f64>,
    pub gaps_before: Option<usize>,
    pub gaps_after: Option<usize>,
}

impl CoverageChange {
    pub fn changed(&self) -> bool {
        self.before != self.after || self.gaps_before != self.gaps_after
    }
}

/// How a control's standing moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Movement {
    /// Fell short before, nothing missing now.
    Satisfied,
    /// Nothing missing before, falls short now.
    Regressed,
    /// The status changed, the satisfaction did not.
    Changed,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ControlChange {
    pub system: String,
    pub selection: String,
    pub control: String,
    pub movement: Movement,
    pub before: Status,
    pub after: Status,
    /// What falls short at HEAD (for a regression).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GapItem {
    pub poam: String,
    pub system: String,
    pub selection: String,
    pub control: String,
    pub reasons: Vec<Reason>,
    /// The reasons' details, in order.
    pub details: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    Added,
    Removed,
    Changed,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvidenceChange {
    pub id: String,
    /// `None` when only its standing moved (it went stale, say).
    pub change: Option<Change>,
    /// The fields of the record that changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Stale (or expired) at HEAD and not at BASE.
    pub newly_stale: bool,
    /// Its artifact fails its recorded hash or size at HEAD and did not at BASE.
    pub newly_tampered: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyChange {
    pub id: String,
    pub change: Change,
    /// SHA-256 of the policy file, before and after.
    pub hash_before: Option<String>,
    pub hash_after: Option<String>,
    pub version_before: Option<String>,
    pub version_after: Option<String>,
    /// `approved`, `unapproved`, `draft` or `retired`.
    pub approval_before: Option<String>,
    pub approval_after: Option<String>,
}

impl PolicyChange {
    /// Approved before, not after.
    pub fn approval_lost(&self) -> bool {
        self.approval_before.as_deref() == Some("approved")
            && self.approval_after.as_deref() != Some("approved")
    }
}

/// One failing scan result.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FailingFinding {
    pub system: String,
    pub tool: String,
    pub target: String,
    pub rule: String,
    pub controls: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FindingsDrift {
    /// Failing at HEAD, not at BASE.
    pub new_failing: Vec<FailingFinding>,
    /// Failing at BASE, not at HEAD.
    pub fixed: Vec<FailingFinding>,
    /// Per rule: (newly failing, fixed).
    pub by_rule: BTreeMap<String, (usize, usize)>,
    /// Per control: (newly failing, fixed).
    pub by_control: BTreeMap<String, (usize, usize)>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImplementationChange {
    pub path: String,
    pub change: Change,
    /// `framework:control` as resolved.
    pub control: String,
    pub status_before: Option<String>,
    pub status_after: Option<String>,
    /// The controls of other frameworks it moves through the crosswalk
    /// (`framework:control`), sorted.
    pub moves: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gate {
    pub passed: bool,
    pub errors: usize,
    pub warnings: usize,
    /// The numbers the gate wanted and did not get, as sentences.
    pub failures: Vec<String>,
}

/// Evaluates both sides of `range` in the repository at `root` through
/// git and compares them. Dates are judged as of each commit's date (the
/// working tree's: today) unless `as_of` is given.
pub fn compare(root: &Path, range: &Range, as_of: Option<Date>) -> Result<Delta, Error> {
    let (base, head) = range.evaluate(root, as_of)?;
    Ok(between(&base, &head))
}

/// The delta between two evaluated states.
pub fn between(base: &State, head: &State) -> Delta {
    let (coverage, controls, gaps_opened, gaps_closed) = assessments(base, head);
    Delta {
        base: Side::of(base),
        head: Side::of(head),
        coverage,
        controls,
        gaps_opened,
        gaps_closed,
        evidence: evidence(base, head),
        policies: policies(base, head),
        findings: findings(base, head),
        implementations: implementations(base, head),
        gate: Gate {
            passed: !head.run.failed(),
            errors: head.run.summary.errors,
            warnings: head.run.summary.warnings,
            failures: head
                .run
                .failures
                .iter()
                .map(|f| {
                    format!(
                        "{} {}: {} {} (needs {})",
                        f.system, f.selection, f.measure, f.got, f.needed
                    )
                })
                .collect(),
        },
    }
}

type Key = (String, String);

fn assessments(
    base: &State,
    head: &State,
) -> (
    Vec<CoverageChange>,
    Vec<ControlChange>,
    Vec<GapItem>,
    Vec<GapItem>,
) {
    fn sels(s: &State) -> BTreeMap<Key, &crate::assess::Selection> {
        let mut m: BTreeMap<Key, &crate::assess::Selection> = BTreeMap::new();
        for sys in s.run.assessment.iter().flat_map(|a| a.systems.iter()) {
            for sel in &sys.selections {
                m.insert((sys.id.clone(), sel.label()), sel);
            }
        }
        m
    }
    let (b, h) = (sels(base), sels(head));
    let keys: BTreeSet<&Key> = b.keys().chain(h.keys()).collect();
    let mut coverage = Vec::new();
    let mut controls = Vec::new();
    for k in &keys {
        let (sb, sh) = (b.get(*k), h.get(*k));
        coverage.push(CoverageChange {
            system: k.0.clone(),
            selection: k.1.clone(),
            before: sb.map(|s| s.coverage()),
            after: sh.map(|s| s.coverage()),
            gaps_before: sb.map(|s| s.gaps().count()),
            gaps_after: sh.map(|s| s.gaps().count()),
        });
        let (Some(sb), Some(sh)) = (sb, sh) else {
            continue;
        };
        let before: BTreeMap<&str, &crate::assess::ControlStatus> = sb
            .controls
            .iter()
            .map(|c| (c.control.as_str(), c))
            .collect();
        for c in &sh.controls {
            let Some(p) = before.get(c.control.as_str()) else {
                continue;
            };
            let (was_ok, is_ok) = (p.reasons.is_empty(), c.reasons.is_empty());
            let movement = match (was_ok, is_ok) {
                (false, true) => Movement::Satisfied,
                (true, false) => Movement::Regressed,
                _ if p.status != c.status => Movement::Changed,
                _ => continue,
            };
            let reasons: BTreeSet<Reason> = c.reasons.iter().map(|g| g.reason).collect();
            controls.push(ControlChange {
                system: k.0.clone(),
                selection: k.1.clone(),
                control: c.control.clone(),
                movement,
                before: p.status,
                after: c.status,
                reasons: if movement == Movement::Regressed {
                    reasons.into_iter().collect()
                } else {
                    Vec::new()
                },
            });
        }
    }
    let gaps = |m: &BTreeMap<Key, &crate::assess::Selection>| {
        let mut out: BTreeMap<String, GapItem> = BTreeMap::new();
        for ((system, selection), sel) in m {
            for c in sel.gaps() {
                let Some(poam) = &c.poam else { continue };
                let reasons: BTreeSet<Reason> = c.reasons.iter().map(|g| g.reason).collect();
                out.insert(
                    poam.clone(),
                    GapItem {
                        poam: poam.clone(),
                        system: system.clone(),
                        selection: selection.clone(),
                        control: c.control.clone(),
                        reasons: reasons.into_iter().collect(),
                        details: c.reasons.iter().map(|g| g.detail.clone()).collect(),
                    },
                );
            }
        }
        out
    };
    let (gb, gh) = (gaps(&b), gaps(&h));
    let opened = gh
        .iter()
        .filter(|(k, _)| !gb.contains_key(*k))
        .map(|(_, v)| v.clone())
        .collect();
    let closed = gb
        .iter()
        .filter(|(k, _)| !gh.contains_key(*k))
        .map(|(_, v)| v.clone())
        .collect();
    (coverage, controls, opened, closed)
}

/// Paths of the files that carry a diagnostic of one of `codes`.
fn flagged<'a>(s: &'a State, codes: &[Code]) -> BTreeSet<&'a str> {
    s.run
        .diagnostics
        .iter()
        .filter(|d| codes.contains(&d.code))
        .map(|d| d.file.as_str())
        .collect()
}

fn evidence(base: &State, head: &State) -> Vec<EvidenceChange> {
    struct Rec {
        value: serde_json::Value,
        stale: bool,
        tampered: bool,
    }
    fn of(s: &State) -> BTreeMap<String, Rec> {
        let stale = flagged(s, &[Code::EvidenceStale]);
        let tampered = flagged(s, &[Code::EvidenceHashMismatch, Code::EvidenceSizeMismatch]);
        s.run
            .outcome
            .repo
            .evidence
            .iter()
            .map(|e| {
                let path = s
                    .run
                    .workspace
                    .files
                    .get(e.file)
                    .map_or("", |f| f.path.as_str());
                (
                    e.value.id.to_string(),
                    Rec {
                        value: serde_json::to_value(&*e.value).unwrap_or_default(),
                        stale: stale.contains(path),
                        tampered: tampered.contains(path),
                    },
                )
            })
            .collect()
    }
    let (b, h) = (of(base), of(head));
    let ids: BTreeSet<&String> = b.keys().chain(h.keys()).collect();
    let mut out = Vec::new();
    for id in ids {
        let (rb, rh) = (b.get(id), h.get(id));
        let (change, fields) = match (rb, rh) {
            (None, Some(_)) => (Some(Change::Added), Vec::new()),
            (Some(_), None) => (Some(Change::Removed), Vec::new()),
            (Some(x), Some(y)) if x.value != y.value => {
                (Some(Change::Changed), changed_fields(&x.value, &y.value))
            }
            _ => (None, Vec::new()),
        };
        let newly_stale = rh.is_some_and(|y| y.stale) && !rb.is_some_and(|x| x.stale);
        let newly_tampered = rh.is_some_and(|y| y.tampered) && !rb.is_some_and(|x| x.tampered);
        if change.is_none() && !newly_stale && !newly_tampered {
            continue;
        }
        out.push(EvidenceChange {
            id: id.clone(),
            change,
            fields,
            newly_stale,
            newly_tampered,
        });
    }
    out
}

/// The top-level fields whose values differ, sorted.
fn changed_fields(a: &serde_json::Value, b: &serde_json::Value) -> Vec<String> {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return Vec::new();
    };
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

fn policies(base: &State, head: &State) -> Vec<PolicyChange> {
    // (hash, version, approval) per policy id, judged as the gap engine
    // judges approval: the ledger holds an approval of the exact content.
    fn of(s: &State) -> BTreeMap<String, (String, String, String)> {
        let repo = &s.run.outcome.repo;
        let approved: BTreeSet<(&str, String)> = repo
            .approvals
            .iter()
            .flat_map(|l| l.value.approvals.iter())
            .map(|a| (a.policy.as_str(), a.sha256.to_ascii_lowercase()))
            .collect();
        repo.policies
            .iter()
            .map(|p| {
                let text = s
                    .run
                    .workspace
                    .files
                    .get(p.file)
                    .map_or("", |f| f.text.as_str());
                let sha = crate::digest::sha256_hex(text.as_bytes());
                let id = p.value.id.as_str();
                let approval = match p.value.status {
                    Some(PolicyStatus::Draft) => "draft",
                    Some(PolicyStatus::Retired) => "retired",
                    _ if approved.contains(&(id, sha.clone())) => "approved",
                    _ => "unapproved",
                };
                (
                    id.to_string(),
                    (sha, p.value.version.clone(), approval.to_string()),
                )
            })
            .collect()
    }
    let (b, h) = (of(base), of(head));
    let ids: BTreeSet<&String> = b.keys().chain(h.keys()).collect();
    let mut out = Vec::new();
    for id in ids {
        let (pb, ph) = (b.get(id), h.get(id));
        let change = match (pb, ph) {
            (None, Some(_)) => Change::Added,
            (Some(_), None) => Change::Removed,
            (Some(x), Some(y)) if x != y => Change::Changed,
            _ => continue,
        };
        out.push(PolicyChange {
            id: id.clone(),
            change,
            hash_before: pb.map(|p| p.0.clone()),
            hash_after: ph.map(|p| p.0.clone()),
            version_before: pb.map(|p| p.1.clone()),
            version_after: ph.map(|p| p.1.clone()),
            approval_before: pb.map(|p| p.2.clone()),
            approval_after: ph.map(|p| p.2.clone()),
        });
    }
    out
}

fn findings(base: &State, head: &State) -> FindingsDrift {
    fn of(s: &State) -> BTreeSet<FailingFinding> {
        let mut out = BTreeSet::new();
        for set in &s.run.outcome.repo.findings {
            for f in &set.value.findings {
                if f.result != ScanResult::Fail {
                    continue;
                }
                let mut controls: Vec<String> = f.controls.iter().map(|c| c.to_string()).collect();
                controls.sort();
                controls.dedup();
                out.insert(FailingFinding {
                    system: set.value.system.to_string(),
                    tool: set.value.source.tool.clone(),
                    target: f.target.clone().unwrap_or_default(),
                    rule: f.rule_id.clone(),
                    controls,
                });
            }
        }
        out
    }
    let (b, h) = (of(base), of(head));
    let new_failing: Vec<FailingFinding> = h.difference(&b).cloned().collect();
    let fixed: Vec<FailingFinding> = b.difference(&h).cloned().collect();
    let mut by_rule: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut by_control: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for f in &new_failing {
        by_rule.entry(f.rule.clone()).or_default().0 += 1;
        for c in &f.controls {
            by_control.entry(c.clone()).or_default().0 += 1;
        }
    }
    for f in &fixed {
        by_rule.entry(f.rule.clone()).or_default().1 += 1;
        for c in &f.controls {
            by_control.entry(c.clone()).or_default().1 += 1;
        }
    }
    FindingsDrift {
        new_failing,
        fixed,
        by_rule,
        by_control,
    }
}

fn implementations(base: &State, head: &State) -> Vec<ImplementationChange> {
    struct Imp {
        text_sha: String,
        control: String,
        status: String,
        moves: Vec<String>,
    }
    fn of(s: &State) -> BTreeMap<String, Imp> {
        let outcome = &s.run.outcome;
        let ws = &s.run.workspace;
        let graph = Graph::build(outcome);
        outcome
            .repo
            .implementations
            .iter()
            .filter_map(|imp| {
                let f = ws.files.get(imp.file)?;
                let node = graph.found(outcome.resolve_implementation(ws, imp));
                let control = node.map_or_else(
                    || imp.value.control.to_string(),
                    |n| format!("{}:{}", graph.framework_id(n), graph.display(n)),
                );
                let moves = node
                    .map(|n| {
                        let mut m: BTreeSet<String> = BTreeSet::new();
                        for fw in 0..graph.frameworks.len() {
                            let Ok(fw) = u32::try_from(fw) else { break };
                            if fw == n.framework {
                                continue;
                            }
                            for l in graph.links(n, fw) {
                                m.insert(format!(
                                    "{}:{}",
                                    graph.framework_id(l.to),
                                    graph.display(l.to)
                                ));
                            }
                        }
                        m.into_iter().collect()
                    })
                    .unwrap_or_default();
                let status = serde_json::to_value(imp.value.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                Some((
                    f.path.clone(),
                    Imp {
                        text_sha: crate::digest::sha256_hex(f.text.as_bytes()),
                        control,
                        status,
                        moves,
                    },
                ))
            })
            .collect()
    }
    let (b, h) = (of(base), of(head));
    let paths: BTreeSet<&String> = b.keys().chain(h.keys()).collect();
    let mut out = Vec::new();
    for path in paths {
        let (ib, ih) = (b.get(path), h.get(path));
        let change = match (ib, ih) {
            (None, Some(_)) => Change::Added,
            (Some(_), None) => Change::Removed,
            (Some(x), Some(y)) if x.text_sha != y.text_sha => Change::Changed,
            _ => continue,
        };
        let Some(now) = ih.or(ib) else { continue };
        // The crosswalk of the state it is judged in: HEAD's, unless removed.
        let mut moves: BTreeSet<String> = now.moves.iter().cloned().collect();
        if let (Some(x), Some(_)) = (ib, ih) {
            moves.extend(x.moves.iter().cloned());
        }
        out.push(ImplementationChange {
            path: path.clone(),
            change,
            control: now.control.clone(),
            status_before: ib.map(|i| i.status.clone()),
            status_after: ih.map(|i| i.status.clone()),
            moves: moves.into_iter().collect(),
        });
    }
    out
}

impl Delta {
    /// Nothing an auditor would note changed.
    pub fn is_empty(&self) -> bool {
        !self.coverage.iter().any(CoverageChange::changed)
            && self.controls.is_empty()
            && self.gaps_opened.is_empty()
            && self.gaps_closed.is_empty()
            && self.evidence.is_empty()
            && self.policies.is_empty()
            && self.findings.new_failing.is_empty()
            && self.findings.fixed.is_empty()
            && self.implementations.is_empty()
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |p| format!("{p:.1}%"))
}

fn count(v: Option<usize>) -> String {
    v.map_or_else(|| "-".into(), |n| n.to_string())
}

fn reasons(r: &[Reason]) -> String {
    r.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
}

fn side_line(s: &Side) -> String {
    match &s.commit {
        Some(c) => format!("{} ({}) {}", c.short(), c.date, c.summary),
        None => format!("working tree (as of {})", s.as_of),
    }
}

/// The delta as JSON (deterministic, ending in a newline).
pub fn json(d: &Delta) -> String {
    let mut s = serde_json::to_string_pretty(d).unwrap_or_default();
    s.push('\n');
    escape::json(&s).into_owned()
}

/// The delta for a terminal or a log.
pub fn human(d: &Delta) -> String {
    let mut o = String::new();
    let t = |s: &str| escape::text(s).into_owned();
    let _ = writeln!(o, "base: {}", t(&side_line(&d.base)));
    let _ = writeln!(o, "head: {}", t(&side_line(&d.head)));
    let _ = writeln!(
        o,
        "gate at head: {} ({} errors, {} warnings)",
        if d.gate.passed { "passed" } else { "failed" },
        d.gate.errors,
        d.gate.warnings
    );
    for f in &d.gate.failures {
        let _ = writeln!(o, "  {}", t(f));
    }
    o.push_str("\ncoverage:\n");
    for c in &d.coverage {
        let mark = if c.changed() { "*" } else { " " };
        let _ = writeln!(
            o,
            "{mark} {} {}: {} -> {}, gaps {} -> {}",
            t(&c.system),
            t(&c.selection),
            pct(c.before),
            pct(c.after),
            count(c.gaps_before),
            count(c.gaps_after)
        );
    }
    if d.is_empty() {
        o.push_str("\nno compliance change\n");
        return o;
    }
    if !d.controls.is_empty() {
        o.push_str("\ncontrols:\n");
        for c in &d.controls {
            let why = if c.reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", reasons(&c.reasons))
            };
            let _ = writeln!(
                o,
                "  {:<9} {} {} {}: {} -> {}{why}",
                format!("{:?}", c.movement).to_lowercase(),
                t(&c.system),
                t(&c.selection),
                t(&c.control),
                c.before.as_str(),
                c.after.as_str()
            );
        }
    }
    for (title, list) in [
        ("gaps opened", &d.gaps_opened),
        ("gaps closed", &d.gaps_closed),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(o, "\n{title}:");
        for g in list {
            let _ = writeln!(
                o,
                "  {} {} {} {}: {}",
                g.poam,
                t(&g.system),
                t(&g.selection),
                t(&g.control),
                reasons(&g.reasons)
            );
        }
    }
    if !d.evidence.is_empty() {
        o.push_str("\nevidence:\n");
        for e in &d.evidence {
            let _ = writeln!(o, "  {} {}", t(&e.id), evidence_words(e));
        }
    }
    if !d.policies.is_empty() {
        o.push_str("\npolicies:\n");
        for p in &d.policies {
            let _ = writeln!(o, "  {} {}", t(&p.id), t(&policy_words(p)));
        }
    }
    if !d.findings.new_failing.is_empty() || !d.findings.fixed.is_empty() {
        let _ = writeln!(
            o,
            "\nfindings: {} newly failing, {} fixed",
            d.findings.new_failing.len(),
            d.findings.fixed.len()
        );
        for (rule, (n, f)) in &d.findings.by_rule {
            let _ = writeln!(o, "  rule {}: +{n} failing, -{f} fixed", t(rule));
        }
        for (control, (n, f)) in &d.findings.by_control {
            let _ = writeln!(o, "  control {}: +{n} failing, -{f} fixed", t(control));
        }
    }
    if !d.implementations.is_empty() {
        o.push_str("\nimplementations:\n");
        for i in &d.implementations {
            let _ = writeln!(
                o,
                "  {:<7} {} ({}, {} -> {})",
                format!("{:?}", i.change).to_lowercase(),
                t(&i.path),
                t(&i.control),
                i.status_before.as_deref().unwrap_or("-"),
                i.status_after.as_deref().unwrap_or("-")
            );
            if !i.moves.is_empty() {
                let _ = writeln!(
                    o,
                    "          moves through the crosswalk: {}",
                    t(&i.moves.join(", "))
                );
            }
        }
    }
    o
}

fn evidence_words(e: &EvidenceChange) -> String {
    let mut w = Vec::new();
    match e.change {
        Some(Change::Added) => w.push("added".to_string()),
        Some(Change::Removed) => w.push("removed".to_string()),
        Some(Change::Changed) => w.push(format!("changed ({})", e.fields.join(", "))),
        None => {}
    }
    if e.newly_stale {
        w.push("went stale".into());
    }
    if e.newly_tampered {
        w.push("artifact no longer matches its recorded hash".into());
    }
    w.join("; ")
}

fn policy_words(p: &PolicyChange) -> String {
    let short = |h: &Option<String>| {
        h.as_deref()
            .map_or("-".to_string(), |h| h[..h.len().min(12)].to_string())
    };
    match p.change {
        Change::Added => format!(
            "added (version {}, {})",
            p.version_after.as_deref().unwrap_or("-"),
            p.approval_after.as_deref().unwrap_or("-")
        ),
        Change::Removed => format!(
            "removed (was version {})",
            p.version_before.as_deref().unwrap_or("-")
        ),
        Change::Changed => {
            let mut w = Vec::new();
            if p.hash_before != p.hash_after {
                w.push(format!(
                    "content {} → {}",
                    short(&p.hash_before),
                    short(&p.hash_after)
                ));
            }
            if p.version_before != p.version_after {
                w.push(format!(
                    "version {} → {}",
                    p.version_before.as_deref().unwrap_or("-"),
                    p.version_after.as_deref().unwrap_or("-")
                ));
            }
            if p.approval_before != p.approval_after {
                w.push(format!(
                    "{} → {}",
                    p.approval_before.as_deref().unwrap_or("-"),
                    p.approval_after.as_deref().unwrap_or("-")
                ));
            }
            if p.approval_lost() {
                w.push("approval lost: the approved content changed".into());
            }
            w.join("; ")
        }
    }
}

/// The delta as GitHub-flavoured Markdown, never longer than `budget`
/// characters (Unicode scalar values, as GitHub counts a comment's
/// length). The header, the gate and the coverage table come first; each
/// later section keeps as many of its items as fit and says how many it
/// left out; a section with no room left is named in a closing line.
/// Every text from the repository is escaped.
pub fn markdown(d: &Delta, budget: usize) -> String {
    let m = escape::markdown_cell;
    let mut head = String::new();
    let _ = writeln!(head, "### Compliance delta\n");
    let _ = writeln!(
        head,
        "**Base** {} → **head** {}\n",
        m(&side_line(&d.base)),
        m(&side_line(&d.head))
    );
    let _ = writeln!(
        head,
        "**Gate at head: {}** ({} errors, {} warnings)\n",
        if d.gate.passed {
            "passed ✅"
        } else {
            "failed ❌"
        },
        d.gate.errors,
        d.gate.warnings
    );
    let mut sections: Vec<(&str, String, Vec<String>)> = Vec::new();
    sections.push((
        "gate failures",
        String::new(),
        d.gate
            .failures
            .iter()
            .map(|f| format!("- {}\n", m(f)))
            .collect(),
    ));
    let mut cov = vec![];
    for c in d.coverage.iter().filter(|c| c.changed()) {
        cov.push(format!(
            "| {} | {} | {} → {} | {} → {} |\n",
            m(&c.system),
            m(&c.selection),
            pct(c.before),
            pct(c.after),
            count(c.gaps_before),
            count(c.gaps_after)
        ));
    }
    sections.push((
        "coverage",
        "| System | Selection | Coverage | Gaps |\n|---|---|---|---|\n".into(),
        cov,
    ));
    let regressed: Vec<String> = d
        .controls
        .iter()
        .filter(|c| c.movement == Movement::Regressed)
        .map(|c| {
            format!(
                "- {} {} {}: {} → {} ({})\n",
                m(&c.system),
                m(&c.selection),
                m(&c.control),
                c.before.as_str(),
                c.after.as_str(),
                reasons(&c.reasons)
            )
        })
        .collect();
    sections.push(("controls regressed", String::new(), regressed));
    sections.push((
        "gaps opened",
        String::new(),
        d.gaps_opened.iter().map(gap_line).collect(),
    ));
    sections.push((
        "gaps closed",
        String::new(),
        d.gaps_closed.iter().map(gap_line).collect(),
    ));
    sections.push((
        "controls satisfied or changed",
        String::new(),
        d.controls
            .iter()
            .filter(|c| c.movement != Movement::Regressed)
            .map(|c| {
                format!(
                    "- {} {} {}: {} → {}\n",
                    m(&c.system),
                    m(&c.selection),
                    m(&c.control),
                    c.before.as_str(),
                    c.after.as_str()
                )
            })
            .collect(),
    ));
    sections.push((
        "policies",
        String::new(),
        d.policies
            .iter()
            .map(|p| format!("- {}: {}\n", m(&p.id), m(&policy_words(p))))
            .collect(),
    ));
    sections.push((
        "evidence",
        String::new(),
        d.evidence
            .iter()
            .map(|e| format!("- {}: {}\n", m(&e.id), m(&evidence_words(e))))
            .collect(),
    ));
    let mut fl = Vec::new();
    for f in &d.findings.new_failing {
        fl.push(format!(
            "- newly failing: {} on {} ({}, {}){}\n",
            m(&f.rule),
            m(if f.target.is_empty() { "-" } else { &f.target }),
            m(&f.system),
            m(&f.tool),
            if f.controls.is_empty() {
                String::new()
            } else {
                format!(" → {}", m(&f.controls.join(", ")))
            }
        ));
    }
    for f in &d.findings.fixed {
        fl.push(format!(
            "- fixed: {} on {} ({}, {})\n",
            m(&f.rule),
            m(if f.target.is_empty() { "-" } else { &f.target }),
            m(&f.system),
            m(&f.tool)
        ));
    }
    sections.push(("findings", String::new(), fl));
    sections.push((
        "implementations",
        String::new(),
        d.implementations
            .iter()
            .map(|i| {
                let moves = if i.moves.is_empty() {
                    String::new()
                } else {
                    format!("; through the crosswalk also {}", m(&i.moves.join(", ")))
                };
                format!(
                    "- {} {} ({}, {} → {}){moves}\n",
                    format!("{:?}", i.change).to_lowercase(),
                    m(&i.path),
                    m(&i.control),
                    i.status_before.as_deref().unwrap_or("-"),
                    i.status_after.as_deref().unwrap_or("-")
                )
            })
            .collect(),
    ));

    let len = |s: &str| s.chars().count();
    let mut out = String::new();
    // The closing line is reserved up front, so it always fits.
    let reserve = 200;
    if len(&head) + reserve > budget {
        return truncate_chars(&head, budget);
    }
    out.push_str(&head);
    if d.is_empty() {
        out.push_str("No compliance change.\n");
        return truncate_chars(&out, budget);
    }
    let mut dropped: Vec<&str> = Vec::new();
    for (title, preamble, items) in &sections {
        if items.is_empty() {
            continue;
        }
        let heading = format!("#### {} ({})\n\n{preamble}", capital(title), items.len());
        let room = budget.saturating_sub(len(&out) + reserve);
        if len(&heading) + 60 > room {
            dropped.push(title);
            continue;
        }
        let mut body = heading;
        let mut shown = 0;
        for (i, item) in items.iter().enumerate() {
            let more = items.len() - i;
            // Room for this item and for the line that would count the rest.
            let note = format!("\n… and {more} more (`aegis diff` lists them all)\n");
            if len(&body) + len(item) + len(&note) > room {
                body.push_str(&note);
                break;
            }
            body.push_str(item);
            shown += 1;
        }
        if shown == 0 {
            // A heading over nothing says less than the closing line does.
            dropped.push(title);
            continue;
        }
        body.push('\n');
        out.push_str(&body);
    }
    if !dropped.is_empty() {
        let _ = writeln!(
            out,
            "_Not shown for length: {}. Run `aegis diff --format markdown` for everything._",
            dropped.join(", ")
        );
    }
    truncate_chars(&out, budget)
}

fn gap_line(g: &GapItem) -> String {
    let m = escape::markdown_cell;
    format!(
        "- `{}` {} {} {}: {}\n",
        g.poam,
        m(&g.system),
        m(&g.selection),
        m(&g.control),
        reasons(&g.reasons)
    )
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}
