//! From the checked register to what the simulation needs: each risk's
//! loss estimates, and the open gaps (from the gap engine) on the controls
//! its `reduced_by` names, as what-if scenarios.
//!
//! A risk's loss estimates describe it as things stand. `reduced_by` says
//! what implementing a control would remove; where that control has an
//! open gap in one of the risk's systems (every system when it names
//! none), closing the gap is worth the difference between the risk's mean
//! annual loss now and with the reduction applied. A control whose gaps
//! are closed is already reflected in the estimates and adds nothing.

use super::simulate::{Exposure, Pert, Scenario, Simulation};
use crate::assess::Assessment;
use crate::model::{Estimate, Risk};
use crate::validate::{Index, Resolved};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A risk left out of the simulation, and why.
#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    pub risk: String,
    pub reason: String,
}

/// A control with open gaps that one or more risks name in `reduced_by`.
#[derive(Clone, Debug, Serialize)]
pub struct OpenGap {
    /// `framework:control`.
    pub control: String,
    /// The systems where the control has an open gap.
    pub systems: BTreeSet<String>,
}

/// What to simulate and how its scenarios map back to gaps.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub exposures: Vec<Exposure>,
    pub skipped: Vec<Skipped>,
    pub gaps: Vec<OpenGap>,
    /// Per exposure, the gap (index in `gaps`) each scenario closes; when
    /// there are any, one more scenario closes them all.
    pub closes: Vec<Vec<usize>>,
}

/// The expected-loss reduction of closing one control's gaps.
#[derive(Clone, Debug, Serialize)]
pub struct GapImpact {
    pub control: String,
    pub systems: Vec<String>,
    /// The risks it reduces, with each one's reduction.
    pub risks: Vec<(String, f64)>,
    /// Mean annual loss removed from the register.
    pub reduction: f64,
}

fn pert(e: &Estimate) -> Option<Pert> {
    Pert::new(e.min, e.most_likely, e.max).ok()
}

/// Builds the plan for `risks` (those `only` names, when it names any).
pub fn plan(risks: &[&Risk], index: &Index, assessment: Option<&Assessment>) -> Plan {
    let mut plan = Plan::default();
    let mut gap_index: BTreeMap<String, usize> = BTreeMap::new();
    for risk in risks {
        let id = risk.id.as_str().to_string();
        let loss = risk.loss.as_ref();
        let (Some(f), Some(m)) = (
            loss.and_then(|l| l.frequency.as_ref()),
            loss.and_then(|l| l.magnitude.as_ref()),
        ) else {
            let missing = match loss {
                None => "no `loss` estimate",
                Some(l) if l.frequency.is_none() => "no `loss.frequency` estimate",
                Some(_) => "no `loss.magnitude` estimate",
            };
            plan.skipped.push(Skipped {
                risk: id,
                reason: missing.into(),
            });
            continue;
        };
        let (Some(frequency), Some(magnitude)) = (pert(f), pert(m)) else {
            plan.skipped.push(Skipped {
                risk: id,
                reason: "an estimate is out of order (`aegis validate` says where)".into(),
            });
            continue;
        };
        // Per control with open gaps, the combined reduction of every entry naming it.
        let mut by_gap: BTreeMap<usize, Scenario> = BTreeMap::new();
        for r in &risk.reduced_by {
            let Some((key, systems)) = open_gaps(risk, &r.control, index, assessment) else {
                continue;
            };
            let g = *gap_index.entry(key.clone()).or_insert_with(|| {
                plan.gaps.push(OpenGap {
                    control: key,
                    systems: BTreeSet::new(),
                });
                plan.gaps.len() - 1
            });
            plan.gaps[g].systems.extend(systems);
            let s = Scenario {
                frequency: r.frequency.clamp(0.0, 1.0),
                magnitude: r.magnitude.clamp(0.0, 1.0),
            };
            let entry = by_gap.entry(g).or_default();
            *entry = entry.and(s);
        }
        let mut scenarios: Vec<Scenario> = by_gap.values().copied().collect();
        if !scenarios.is_empty() {
            let all = scenarios
                .iter()
                .fold(Scenario::default(), |acc, s| acc.and(*s));
            scenarios.push(all);
        }
        plan.closes.push(by_gap.keys().copied().collect());
        plan.exposures.push(Exposure {
            id,
            frequency,
            magnitude,
            scenarios,
        });
    }
    plan
}

/// The control `r` resolves to, as `framework:control`, and the risk's
/// systems where it has an open gap; `None` when it has none (or does not
/// resolve: validation reports that).
fn open_gaps(
    risk: &Risk,
    r: &crate::model::ControlRef,
    index: &Index,
    assessment: Option<&Assessment>,
) -> Option<(String, BTreeSet<String>)> {
    let Resolved::Found { framework, control } = index.resolve(r, &[]) else {
        return None;
    };
    let display = index.control(&framework, control)?.display().to_string();
    let mut systems = BTreeSet::new();
    for s in &assessment?.systems {
        let concerned = risk.systems.is_empty() || risk.systems.iter().any(|x| x.as_str() == s.id);
        if !concerned {
            continue;
        }
        let open = s
            .selections
            .iter()
            .filter(|sel| sel.framework == framework)
            .flat_map(|sel| sel.controls.iter())
            .any(|c| c.control == display && c.is_gap());
        if open {
            systems.insert(s.id.clone());
        }
    }
    (!systems.is_empty()).then(|| (format!("{framework}:{display}"), systems))
}

/// Each gap's reduction of the register's mean annual loss, largest first
/// (ties by control), and the reduction of closing them all.
pub fn impacts(plan: &Plan, sim: &Simulation) -> (Vec<GapImpact>, f64) {
    let mut per_gap: Vec<Vec<(String, f64)>> = vec![Vec::new(); plan.gaps.len()];
    let mut all = 0.0;
    for (closes, result) in plan.closes.iter().zip(&sim.risks) {
        let base = result.stats.mean;
        for (k, g) in closes.iter().enumerate() {
            if let Some(m) = result.scenario_means.get(k) {
                per_gap[*g].push((result.id.clone(), base - m));
            }
        }
        if !closes.is_empty()
            && let Some(m) = result.scenario_means.get(closes.len())
        {
            all += base - m;
        }
    }
    let mut out: Vec<GapImpact> = plan
        .gaps
        .iter()
        .zip(per_gap)
        .map(|(g, risks)| GapImpact {
            control: g.control.clone(),
            systems: g.systems.iter().cloned().collect(),
            reduction: risks.iter().map(|r| r.1).sum(),
            risks,
        })
        .collect();
    out.sort_by(|a, b| {
        b.reduction
            .total_cmp(&a.reduction)
            .then_with(|| a.control.cmp(&b.control))
    });
    (out, all)
}
