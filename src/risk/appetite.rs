//! Risk appetite as a gate: residual scores and simulated annual loss
//! judged against `risk.appetite` in aegis.yaml, per category (`*` for
//! every risk). Each breach names the risks and by how much.

use super::simulate::{self, Exposure, Settings};
use crate::diag::{Code, Diagnostic, Pos};
use crate::model::{Appetite, Config};
use crate::validate::Outcome;
use crate::workspace::Workspace;

/// A risk as the appetite sees it.
#[derive(Clone, Debug)]
pub struct Scored {
    pub id: String,
    pub category: Option<String>,
    /// Likelihood × impact of the residual rating (the inherent one when
    /// the risk states no residual rating).
    pub residual: u32,
    /// Whether `residual` came from the `residual` field (else `inherent`).
    pub rated_residual: bool,
    /// What to simulate, when the risk has a loss estimate.
    pub exposure: Option<Exposure>,
    /// The caller's handle on the risk (its file).
    pub file: usize,
}

/// One limit a category is over.
#[derive(Clone, Debug, PartialEq)]
pub enum Breach {
    /// A risk's residual score is above `max_residual_score`.
    Score {
        appetite: usize,
        risk: usize,
        limit: u8,
    },
    /// More risks than `max_above.count` score above `max_above.score`.
    Above {
        appetite: usize,
        /// The risks above the line, highest first.
        risks: Vec<usize>,
        score: u8,
        count: usize,
    },
    /// The category's simulated annual loss P90 is above the limit.
    Loss {
        appetite: usize,
        p90: f64,
        limit: f64,
        /// The risks simulated, by mean annual loss, highest first.
        contributors: Vec<(usize, f64)>,
        /// Risks of the category without a loss estimate (not simulated).
        unestimated: Vec<usize>,
    },
}

fn matches(a: &Appetite, risk: &Scored) -> bool {
    a.category == "*" || risk.category.as_deref() == Some(a.category.as_str())
}

/// Judges every appetite entry. The simulation runs only for entries that
/// set `max_annual_loss_p90`, with the configured seed and iterations.
pub fn judge(appetite: &[Appetite], risks: &[Scored], settings: Settings) -> Vec<Breach> {
    let mut out = Vec::new();
    for (i, a) in appetite.iter().enumerate() {
        let members: Vec<usize> = (0..risks.len())
            .filter(|r| matches(a, &risks[*r]))
            .collect();
        if let Some(limit) = a.max_residual_score {
            for &r in &members {
                if risks[r].residual > u32::from(limit) {
                    out.push(Breach::Score {
                        appetite: i,
                        risk: r,
                        limit,
                    });
                }
            }
        }
        if let Some(m) = &a.max_above {
            let mut above: Vec<usize> = members
                .iter()
                .copied()
                .filter(|r| risks[*r].residual > u32::from(m.score))
                .collect();
            if above.len() > m.count {
                above.sort_by(|x, y| {
                    risks[*y]
                        .residual
                        .cmp(&risks[*x].residual)
                        .then_with(|| risks[*x].id.cmp(&risks[*y].id))
                });
                out.push(Breach::Above {
                    appetite: i,
                    risks: above,
                    score: m.score,
                    count: m.count,
                });
            }
        }
        if let Some(limit) = a.max_annual_loss_p90 {
            let (simulated, unestimated): (Vec<usize>, Vec<usize>) =
                members.iter().partition(|r| risks[**r].exposure.is_some());
            let exposures: Vec<Exposure> = simulated
                .iter()
                .filter_map(|r| risks[*r].exposure.clone())
                .map(|mut e| {
                    e.scenarios.clear();
                    e
                })
                .collect();
            let sim = simulate::run(&exposures, settings);
            if sim.total.p90 > limit {
                let mut contributors: Vec<(usize, f64)> = simulated
                    .iter()
                    .zip(&sim.risks)
                    .map(|(r, res)| (*r, res.stats.mean))
                    .collect();
                contributors.sort_by(|x, y| {
                    y.1.total_cmp(&x.1)
                        .then_with(|| risks[x.0].id.cmp(&risks[y.0].id))
                });
                out.push(Breach::Loss {
                    appetite: i,
                    p90: sim.total.p90,
                    limit,
                    contributors,
                    unestimated,
                });
            }
        }
    }
    out
}

/// The gate's diagnostics (`risk-appetite`) for the repository's register
/// against `risk.appetite` in aegis.yaml.
pub fn diagnostics(ws: &Workspace, outcome: &Outcome, config: &Config) -> Vec<Diagnostic> {
    let settings = &config.risk;
    if settings.appetite.is_empty() {
        return Vec::new();
    }
    // A closed risk no longer applies, so it cannot breach the appetite.
    let open: Vec<_> = outcome
        .repo
        .risks
        .iter()
        .filter(|r| !r.value.is_closed())
        .collect();
    let records: Vec<&crate::model::Risk> = open.iter().map(|r| &*r.value).collect();
    let needs_loss = settings
        .appetite
        .iter()
        .any(|a| a.max_annual_loss_p90.is_some());
    let plan = if needs_loss {
        super::exposure::plan(&records, &outcome.index, None)
    } else {
        super::exposure::Plan::default()
    };
    let scored: Vec<Scored> = open
        .iter()
        .map(|r| Scored {
            id: r.value.id.as_str().to_string(),
            category: r.value.category.clone(),
            residual: r.value.residual_score(),
            rated_residual: r.value.residual.is_some(),
            exposure: plan
                .exposures
                .iter()
                .find(|e| e.id == r.value.id.as_str())
                .cloned(),
            file: r.file,
        })
        .collect();
    let sim = Settings {
        iterations: usize::try_from(
            settings
                .simulation
                .iterations
                .clamp(1, crate::model::SimulationSettings::MAX_ITERATIONS),
        )
        .unwrap_or(1),
        seed: settings.simulation.seed,
    };
    let currency = settings
        .currency
        .as_deref()
        .map(|c| format!(" {c}"))
        .unwrap_or_default();
    let config_file = &ws.files[0];
    let at_config = |pointer: &str| {
        config_file
            .tree
            .as_ref()
            .map_or(Pos::START, |t| t.locate(pointer))
    };
    let scope = |a: &Appetite| {
        if a.category == "*" {
            "for every risk (`*`)".to_string()
        } else {
            format!("for category {}", a.category)
        }
    };
    let mut out = Vec::new();
    for b in judge(&settings.appetite, &scored, sim) {
        match b {
            Breach::Score {
                appetite,
                risk,
                limit,
            } => {
                let r = &scored[risk];
                let file = &ws.files[r.file];
                let pointer = if r.rated_residual {
                    "/residual"
                } else {
                    "/inherent"
                };
                let pos = file.tree.as_ref().map_or(Pos::START, |t| t.locate(pointer));
                let rating = if r.rated_residual {
                    "residual"
                } else {
                    "residual (the inherent rating; no `residual` is given)"
                };
                out.push(
                    Diagnostic::new(
                        Code::RiskAppetite,
                        &file.path,
                        pos,
                        format!(
                            "{} {rating} {} exceeds the appetite of {limit} {} by {}",
                            r.id,
                            r.residual,
                            scope(&settings.appetite[appetite]),
                            r.residual - u32::from(limit)
                        ),
                    )
                    .help(format!(
                        "treat the risk and record its lower `residual` rating, or change `risk.appetite[{appetite}].max_residual_score` in aegis.yaml"
                    )),
                );
            }
            Breach::Above {
                appetite,
                risks,
                score,
                count,
            } => {
                let named: Vec<String> = risks
                    .iter()
                    .map(|r| format!("{} {}", scored[*r].id, scored[*r].residual))
                    .collect();
                out.push(
                    Diagnostic::new(
                        Code::RiskAppetite,
                        &config_file.path,
                        at_config(&format!("/risk/appetite/{appetite}/max_above")),
                        format!(
                            "{} risks have a residual score above {score} ({}), where the appetite {} allows {count}: {} too many",
                            risks.len(),
                            named.join(", "),
                            scope(&settings.appetite[appetite]),
                            risks.len() - count
                        ),
                    )
                    .help(format!(
                        "treat some of them and record their lower `residual` ratings, or change `risk.appetite[{appetite}].max_above` in aegis.yaml"
                    )),
                );
            }
            Breach::Loss {
                appetite,
                p90,
                limit,
                contributors,
                unestimated,
            } => {
                let top: Vec<String> = contributors
                    .iter()
                    .take(5)
                    .map(|(r, mean)| format!("{} {}", scored[*r].id, amount(*mean)))
                    .collect();
                let mut message = format!(
                    "the simulated annual loss P90 {} is {}{currency}, above the appetite of {}{currency} by {} ({} years, seed {}); largest mean annual losses: {}",
                    scope(&settings.appetite[appetite]),
                    amount(p90),
                    amount(limit),
                    amount(p90 - limit),
                    amount(sim.iterations as f64),
                    sim.seed,
                    top.join(", ")
                );
                if !unestimated.is_empty() {
                    let names: Vec<&str> =
                        unestimated.iter().map(|r| scored[*r].id.as_str()).collect();
                    message.push_str(&format!(
                        "; without a loss estimate (counted as no loss): {}",
                        names.join(", ")
                    ));
                }
                out.push(
                    Diagnostic::new(
                        Code::RiskAppetite,
                        &config_file.path,
                        at_config(&format!(
                            "/risk/appetite/{appetite}/max_annual_loss_p90"
                        )),
                        message,
                    )
                    .help(format!(
                        "close the gaps that reduce these risks the most (`aegis risk simulate` ranks them), or change `risk.appetite[{appetite}].max_annual_loss_p90` in aegis.yaml"
                    )),
                );
            }
        }
    }
    out
}

/// An amount with thousands separators and no decimals (losses are
/// estimates; cents would be noise).
pub fn amount(v: f64) -> String {
    let rounded = v.round();
    let neg = rounded < 0.0;
    let digits = format!("{:.0}", rounded.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if neg { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MaxAbove;
    use crate::risk::simulate::Pert;

    fn risk(id: &str, category: Option<&str>, residual: u32) -> Scored {
        Scored {
            id: id.into(),
            category: category.map(String::from),
            residual,
            rated_residual: true,
            exposure: None,
            file: 0,
        }
    }

    fn appetite(category: &str) -> Appetite {
        Appetite {
            category: category.into(),
            max_residual_score: None,
            max_above: None,
            max_annual_loss_p90: None,
        }
    }

    const S: Settings = Settings {
        iterations: 20_000,
        seed: 42,
    };

    #[test]
    fn a_score_above_the_category_limit_is_a_breach() {
        let risks = [
            risk("R-1", Some("security"), 16),
            risk("R-2", Some("privacy"), 16),
            risk("R-3", Some("security"), 12),
        ];
        let mut a = appetite("security");
        a.max_residual_score = Some(12);
        assert_eq!(
            judge(&[a], &risks, S),
            vec![Breach::Score {
                appetite: 0,
                risk: 0,
                limit: 12
            }]
        );
        let mut all = appetite("*");
        all.max_residual_score = Some(12);
        assert_eq!(judge(&[all], &risks, S).len(), 2);
    }

    #[test]
    fn more_risks_above_the_line_than_tolerated_is_one_breach() {
        let risks = [
            risk("R-1", None, 9),
            risk("R-2", None, 12),
            risk("R-3", None, 8),
            risk("R-4", None, 10),
        ];
        let mut a = appetite("*");
        a.max_above = Some(MaxAbove { score: 8, count: 2 });
        assert_eq!(
            judge(std::slice::from_ref(&a), &risks, S),
            vec![Breach::Above {
                appetite: 0,
                risks: vec![1, 3, 0],
                score: 8,
                count: 2
            }]
        );
        a.max_above = Some(MaxAbove { score: 8, count: 3 });
        assert!(judge(&[a], &risks, S).is_empty());
    }

    #[test]
    fn simulated_p90_above_the_limit_names_the_largest_contributors() {
        let mut big = risk("R-1", None, 4);
        big.exposure = Some(Exposure {
            id: "R-1".into(),
            frequency: Pert::constant(2.0),
            magnitude: Pert::constant(1000.0),
            scenarios: Vec::new(),
        });
        let mut small = risk("R-2", None, 4);
        small.exposure = Some(Exposure {
            id: "R-2".into(),
            frequency: Pert::constant(1.0),
            magnitude: Pert::constant(10.0),
            scenarios: Vec::new(),
        });
        let none = risk("R-3", None, 4);
        let risks = [small, big, none];
        let mut a = appetite("*");
        a.max_annual_loss_p90 = Some(3000.0);
        let breaches = judge(std::slice::from_ref(&a), &risks, S);
        let [
            Breach::Loss {
                p90,
                contributors,
                unestimated,
                ..
            },
        ] = breaches.as_slice()
        else {
            panic!("one loss breach: {breaches:?}")
        };
        // Poisson(2) · 1000 has P90 4000; R-2 adds 0 to 30 in most years.
        assert!((4000.0..4100.0).contains(p90), "{p90}");
        assert_eq!(contributors[0].0, 1);
        assert_eq!(unestimated, &vec![2]);
        a.max_annual_loss_p90 = Some(5000.0);
        assert!(judge(&[a], &risks, S).is_empty());
    }

    #[test]
    fn amounts_are_grouped_by_thousands() {
        assert_eq!(amount(0.0), "0");
        assert_eq!(amount(999.4), "999");
        assert_eq!(amount(1000.0), "1,000");
        assert_eq!(amount(2_450_000.0), "2,450,000");
        assert_eq!(amount(-12345.0), "-12,345");
    }
}
