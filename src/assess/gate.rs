//! The gate over gaps: thresholds from aegis.yaml, and the ratchet file
//! that lets a team fail only on what gets worse.

use super::gaps::{Assessment, Reason, Selection};
use crate::model::Config;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One number the gate wanted and did not get.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Failure {
    pub system: String,
    /// `framework` or `framework@baseline`.
    pub selection: String,
    /// `coverage`, `gaps`, or `gaps:<reason>`.
    pub measure: String,
    /// What was allowed, e.g. `>= 80.0%` or `<= 3`.
    pub needed: String,
    pub got: String,
    /// Where the limit came from: `thresholds[i]`, `ratchet`, or `default`.
    pub rule: String,
    /// The aegis.yaml pointer of the system's selection.
    #[serde(skip)]
    pub pointer: String,
}

/// The recorded counts of one selection.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    pub controls: usize,
    pub coverage: f64,
    pub gaps: usize,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_reason: BTreeMap<String, usize>,
}

impl Counts {
    pub fn of(sel: &Selection) -> Counts {
        Counts {
            controls: sel.controls.len(),
            coverage: sel.coverage(),
            gaps: sel.gaps().count(),
            by_reason: sel
                .by_reason()
                .into_iter()
                .map(|(r, n)| (r.as_str().to_string(), n))
                .collect(),
        }
    }
}

/// The ratchet file: counts by `<system>/<selection>`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ratchet {
    pub version: u32,
    pub selections: BTreeMap<String, Counts>,
}

impl Ratchet {
    pub fn of(a: &Assessment) -> Ratchet {
        let mut selections = BTreeMap::new();
        for s in &a.systems {
            for sel in &s.selections {
                selections.insert(format!("{}/{}", s.id, sel.label()), Counts::of(sel));
            }
        }
        Ratchet {
            version: 1,
            selections,
        }
    }

    /// Deterministic JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// The counts of every selection, per system, in `a`'s order.
pub fn counts(a: &Assessment) -> Vec<Vec<Counts>> {
    a.systems
        .iter()
        .map(|s| s.selections.iter().map(Counts::of).collect())
        .collect()
}

/// Judges every selection: by the ratchet when it records the selection,
/// else by the thresholds that match it, else allowing no gap. `counts`
/// are the selections' counts (`counts(a)`; a walk over history keeps
/// those of the systems it did not assess again).
pub fn judge(
    a: &Assessment,
    config: &Config,
    ratchet: Option<&Ratchet>,
    counts: &[Vec<Counts>],
) -> Vec<Failure> {
    let mut out = Vec::new();
    for (si, s) in a.systems.iter().enumerate() {
        let sys_index = config.systems.iter().position(|c| c.id.as_str() == s.id);
        for (j, sel) in s.selections.iter().enumerate() {
            let sel_index = sys_index.and_then(|i| {
                config.systems[i].frameworks.iter().position(|f| {
                    f.framework.as_str() == sel.framework
                        && f.baseline.as_ref().map(|b| b.as_str()) == sel.baseline.as_deref()
                })
            });
            let pointer = match (sys_index, sel_index) {
                (Some(i), Some(j)) => format!("/systems/{i}/frameworks/{j}"),
                (Some(i), None) => format!("/systems/{i}"),
                _ => "/systems".to_string(),
            };
            let mut fail = |measure: String, needed: String, got: String, rule: String| {
                out.push(Failure {
                    system: s.id.clone(),
                    selection: sel.label(),
                    measure,
                    needed,
                    got,
                    rule,
                    pointer: pointer.clone(),
                });
            };
            let now = match counts.get(si).and_then(|c| c.get(j)) {
                Some(c) => std::borrow::Cow::Borrowed(c),
                None => std::borrow::Cow::Owned(Counts::of(sel)),
            };
            let key = format!("{}/{}", s.id, sel.label());
            if let Some(was) = ratchet.and_then(|r| r.selections.get(&key)) {
                if now.coverage < was.coverage {
                    fail(
                        "coverage".into(),
                        format!(">= {:.1}%", was.coverage),
                        format!("{:.1}%", now.coverage),
                        "ratchet".into(),
                    );
                }
                if now.gaps > was.gaps {
                    fail(
                        "gaps".into(),
                        format!("<= {}", was.gaps),
                        now.gaps.to_string(),
                        "ratchet".into(),
                    );
                }
                for (reason, n) in &now.by_reason {
                    let before = was.by_reason.get(reason).copied().unwrap_or(0);
                    if *n > before {
                        fail(
                            format!("gaps:{reason}"),
                            format!("<= {before}"),
                            n.to_string(),
                            "ratchet".into(),
                        );
                    }
                }
                continue;
            }
            let matching: Vec<(usize, &crate::model::Threshold)> = config
                .gate
                .thresholds
                .iter()
                .enumerate()
                .filter(|(_, t)| {
                    t.system.as_ref().is_none_or(|x| x.as_str() == s.id)
                        && t.framework
                            .as_ref()
                            .is_none_or(|x| x.as_str() == sel.framework)
                        && t.baseline
                            .as_ref()
                            .is_none_or(|x| Some(x.as_str()) == sel.baseline.as_deref())
                })
                .collect();
            if matching.is_empty() {
                if now.gaps > 0 {
                    fail(
                        "gaps".into(),
                        "<= 0".into(),
                        now.gaps.to_string(),
                        "default".into(),
                    );
                }
                continue;
            }
            for (i, t) in matching {
                let rule = format!("gate.thresholds[{i}]");
                let counted: Vec<Reason> = match &t.fail_on {
                    Some(names) => names.iter().filter_map(|n| Reason::from_name(n)).collect(),
                    None => Reason::ALL.to_vec(),
                };
                let total = sel
                    .gaps()
                    .filter(|c| c.reasons.iter().any(|g| counted.contains(&g.reason)))
                    .count();
                if let Some(min) = t.min_coverage
                    && now.coverage < min
                {
                    fail(
                        "coverage".into(),
                        format!(">= {min:.1}%"),
                        format!("{:.1}%", now.coverage),
                        rule.clone(),
                    );
                }
                let total_limit = match t.max_gaps.get("total") {
                    Some(n) => Some(*n),
                    None if t.max_gaps.is_empty() && t.min_coverage.is_none() => Some(0),
                    None => None,
                };
                if let Some(limit) = total_limit
                    && total > limit
                {
                    fail(
                        "gaps".into(),
                        format!("<= {limit}"),
                        total.to_string(),
                        rule.clone(),
                    );
                }
                for (name, limit) in &t.max_gaps {
                    if name == "total" {
                        continue;
                    }
                    let n = now.by_reason.get(name).copied().unwrap_or(0);
                    if n > *limit {
                        fail(
                            format!("gaps:{name}"),
                            format!("<= {limit}"),
                            n.to_string(),
                            rule.clone(),
                        );
                    }
                }
            }
        }
    }
    out
}
