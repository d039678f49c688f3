//! `aegis risk simulate`: a Monte Carlo of annual loss over the risk
//! register (`crate::risk::simulate`), with the expected-loss reduction
//! of closing each open gap a risk's `reduced_by` names.

use crate::model::{Date, SimulationSettings};
use crate::output::escape;
use crate::pipeline;
use crate::risk::appetite::amount;
use crate::risk::exposure::{self, GapImpact, Plan};
use crate::risk::simulate::{self, Settings, Simulation, Stats};
use anyhow::bail;
use serde::Serialize;
use std::fmt::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The compliance repository (the directory holding aegis.yaml) [default: .].
    #[arg(value_name = "REPO", conflicts_with = "repo_flag")]
    pub repo: Option<PathBuf>,
    /// The compliance repository, as every other command takes it.
    #[arg(long = "repo", value_name = "REPO", id = "repo_flag")]
    pub repo_flag: Option<PathBuf>,
    /// Simulated years [default: risk.simulation.iterations in aegis.yaml, else 100000].
    #[arg(long, value_name = "N")]
    pub iterations: Option<u64>,
    /// The random seed [default: risk.simulation.seed in aegis.yaml, else 42].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Only these risks (repeat the flag, or separate ids by commas); the register is then their sum.
    #[arg(long = "risk", value_name = "ID", value_delimiter = ',')]
    pub risks: Vec<String>,
    /// human, json, csv (one row per risk and the register) or svg (the loss exceedance curve).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Each risk's loss exceedance curve: in human form after the table, in
    /// csv instead of the table (rows risk,loss,above; the register last).
    /// Human output shows the curves of the risks `--risk` names without it.
    #[arg(long)]
    pub curve: bool,
    /// Judge the gaps (evidence freshness, expiry) as of this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = |s: &str| s.parse::<Date>())]
    pub as_of: Option<Date>,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Csv,
    Svg,
}

impl Args {
    fn repo(&self) -> &Path {
        self.repo
            .as_deref()
            .or(self.repo_flag.as_deref())
            .unwrap_or(Path::new("."))
    }
}

/// Everything one run found, for every format.
struct Outcome {
    sim: Simulation,
    plan: Plan,
    impacts: Vec<GapImpact>,
    all_closed: f64,
    currency: Option<String>,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    let repo = args.repo();
    let as_of = args.as_of.unwrap_or_else(Date::today_utc);
    let mut run = pipeline::check(repo, as_of, pipeline::CheckOptions::default())?;
    let Some(config) = run.outcome.repo.config.clone() else {
        bail!(
            "{}: aegis.yaml did not validate; run `aegis validate` to see why",
            repo.display()
        );
    };
    let defaults = &config.risk.simulation;
    let iterations = args.iterations.unwrap_or(defaults.iterations);
    if !(1..=SimulationSettings::MAX_ITERATIONS).contains(&iterations) {
        bail!(
            "--iterations must be between 1 and {} (each simulated year holds two numbers in memory)",
            SimulationSettings::MAX_ITERATIONS
        );
    }
    let settings = Settings {
        iterations: usize::try_from(iterations)?,
        seed: args.seed.unwrap_or(defaults.seed),
    };
    let all: Vec<&crate::model::Risk> = run
        .outcome
        .repo
        .risks
        .iter()
        .map(|r| &*r.value)
        .filter(|r| !r.is_closed())
        .collect();
    let mut chosen = Vec::new();
    for wanted in &args.risks {
        match all.iter().find(|r| r.id.as_str() == wanted) {
            Some(r) if !chosen.iter().any(|c: &&crate::model::Risk| c.id == r.id) => {
                chosen.push(*r)
            }
            Some(_) => {}
            None => {
                let known: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
                bail!(
                    "no risk `{}` in the register (risks/); known: {}",
                    escape::text(wanted),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        escape::text(&known.join(", ")).into_owned()
                    }
                );
            }
        }
    }
    let risks = if args.risks.is_empty() { all } else { chosen };
    let assessment = run.assessment.take();
    let plan = exposure::plan(&risks, &run.outcome.index, assessment.as_ref());
    let sim = simulate::run(&plan.exposures, settings);
    let (impacts, all_closed) = exposure::impacts(&plan, &sim);
    let outcome = Outcome {
        sim,
        plan,
        impacts,
        all_closed,
        currency: config.risk.currency.clone(),
    };
    // Only the results are used from here.
    std::mem::forget(run);
    let text = match args.format {
        Format::Human => human(&outcome, args.curve || !args.risks.is_empty()),
        Format::Json => json(&outcome),
        Format::Csv if args.curve => curve_csv(&outcome),
        Format::Csv => csv(&outcome),
        Format::Svg => svg(&outcome),
    };
    super::deliver(args.output.as_deref(), &text)?;
    Ok(0)
}

fn percent(p: f64) -> String {
    let v = p * 100.0;
    if v > 0.0 && v < 0.1 {
        "<0.1%".into()
    } else {
        format!("{v:.1}%")
    }
}

/// Rows with the columns before `right_from` left-aligned (text) and the
/// others right-aligned (amounts).
fn table(rows: &[Vec<String>], right_from: usize) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::from("  ");
        for (i, c) in r.iter().enumerate() {
            let gap = if i == 0 { "" } else { "  " };
            if i < right_from {
                let _ = write!(line, "{gap}{c:<w$}", w = widths[i]);
            } else {
                let _ = write!(line, "{gap}{c:>w$}", w = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn stat_row(name: &str, s: &Stats) -> Vec<String> {
    vec![
        escape::text(name).into_owned(),
        amount(s.mean),
        amount(s.p50),
        amount(s.p90),
        amount(s.p99),
        percent(1.0 - s.no_loss),
    ]
}

/// A loss exceedance curve as a two-column table.
fn curve_table(curve: &[simulate::Exceedance]) -> String {
    let rows: Vec<Vec<String>> = curve
        .iter()
        .map(|p| vec![amount(p.loss), percent(p.probability)])
        .collect();
    table(&rows, 1)
}

/// `curves`: each risk's loss exceedance curve too.
fn human(o: &Outcome, curves: bool) -> String {
    let sim = &o.sim;
    let unit = o
        .currency
        .as_deref()
        .map(|c| format!(", amounts in {}", escape::text(c)))
        .unwrap_or_default();
    let mut s = format!(
        "Annual loss: {} simulated years, seed {}, {} risk(s){unit}\n\n",
        amount(sim.iterations as f64),
        sim.seed,
        sim.risks.len()
    );
    if sim.risks.is_empty() {
        s.push_str("No risk has both a `loss.frequency` and a `loss.magnitude` estimate.\n");
    } else {
        let mut rows = vec![vec![
            "RISK".to_string(),
            "MEAN".into(),
            "P50".into(),
            "P90".into(),
            "P99".into(),
            "ANY LOSS".into(),
        ]];
        rows.extend(sim.risks.iter().map(|r| stat_row(&r.id, &r.stats)));
        rows.push(stat_row("register", &sim.total));
        s.push_str(&table(&rows, 1));
        s.push_str(
            "  (P50/P90/P99: nearest-rank percentiles of the simulated years; ANY LOSS: share of years with a loss)\n",
        );
        if curves {
            for r in &sim.risks {
                let _ = writeln!(
                    s,
                    "\nLoss exceedance ({}): chance that a year's loss is above",
                    escape::text(&r.id)
                );
                s.push_str(&curve_table(&r.exceedance));
            }
        }
        // One risk alone is the register: its curve is already there.
        if !(curves && sim.risks.len() == 1) {
            s.push_str("\nLoss exceedance (register): chance that a year's loss is above\n");
            s.push_str(&curve_table(&sim.exceedance));
        }
    }
    if !o.impacts.is_empty() {
        s.push_str("\nOpen gaps by reduction of the expected annual loss (if closed):\n");
        let mut rows = vec![vec![
            "CONTROL".to_string(),
            "SYSTEMS".into(),
            "RISKS".into(),
            "REDUCTION".into(),
        ]];
        for g in &o.impacts {
            let risks: Vec<&str> = g.risks.iter().map(|r| r.0.as_str()).collect();
            rows.push(vec![
                escape::text(&g.control).into_owned(),
                escape::text(&g.systems.join(",")).into_owned(),
                escape::text(&risks.join(",")).into_owned(),
                amount(g.reduction),
            ]);
        }
        s.push_str(&table(&rows, 3));
        let now = sim.total.mean;
        let _ = writeln!(
            s,
            "  closing all of them: {} a year less (mean annual loss {} -> {})",
            amount(o.all_closed),
            amount(now),
            amount(now - o.all_closed)
        );
    }
    if !o.plan.skipped.is_empty() {
        s.push_str("\nNot simulated:\n");
        for k in &o.plan.skipped {
            let _ = writeln!(s, "  {}: {}", escape::text(&k.risk), k.reason);
        }
    }
    s
}

#[derive(Serialize)]
struct JsonV1<'a> {
    version: u32,
    iterations: usize,
    seed: u64,
    currency: Option<&'a str>,
    /// How P50/P90/P99 are estimated.
    percentiles: &'static str,
    risks: Vec<JsonStats<'a>>,
    register: JsonStats<'a>,
    exceedance: &'a [simulate::Exceedance],
    gaps: Vec<JsonGap<'a>>,
    all_gaps_closed: JsonClosed,
    not_simulated: &'a [exposure::Skipped],
}

#[derive(Serialize)]
struct JsonStats<'a> {
    id: &'a str,
    mean: f64,
    p50: f64,
    p90: f64,
    p99: f64,
    /// Share of simulated years with any loss.
    any_loss: f64,
    /// The risk's own loss exceedance curve (the register's is at the top level).
    #[serde(skip_serializing_if = "Option::is_none")]
    exceedance: Option<&'a [simulate::Exceedance]>,
}

#[derive(Serialize)]
struct JsonGap<'a> {
    control: &'a str,
    systems: &'a [String],
    reduction: f64,
    risks: Vec<JsonGapRisk<'a>>,
}

#[derive(Serialize)]
struct JsonGapRisk<'a> {
    id: &'a str,
    reduction: f64,
}

#[derive(Serialize)]
struct JsonClosed {
    reduction: f64,
    mean: f64,
}

fn json_stats<'a>(
    id: &'a str,
    s: &Stats,
    exceedance: Option<&'a [simulate::Exceedance]>,
) -> JsonStats<'a> {
    JsonStats {
        exceedance,
        id,
        mean: s.mean,
        p50: s.p50,
        p90: s.p90,
        p99: s.p99,
        any_loss: 1.0 - s.no_loss,
    }
}

fn json(o: &Outcome) -> String {
    let doc = JsonV1 {
        version: 1,
        iterations: o.sim.iterations,
        seed: o.sim.seed,
        currency: o.currency.as_deref(),
        percentiles: "nearest-rank: the ceil(q*n)-th smallest of the n simulated years",
        risks: o
            .sim
            .risks
            .iter()
            .map(|r| json_stats(&r.id, &r.stats, Some(&r.exceedance)))
            .collect(),
        register: json_stats("register", &o.sim.total, None),
        exceedance: &o.sim.exceedance,
        gaps: o
            .impacts
            .iter()
            .map(|g| JsonGap {
                control: &g.control,
                systems: &g.systems,
                reduction: g.reduction,
                risks: g
                    .risks
                    .iter()
                    .map(|(id, reduction)| JsonGapRisk {
                        id,
                        reduction: *reduction,
                    })
                    .collect(),
            })
            .collect(),
        all_gaps_closed: JsonClosed {
            reduction: o.all_closed,
            mean: o.sim.total.mean - o.all_closed,
        },
        not_simulated: &o.plan.skipped,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

fn csv(o: &Outcome) -> String {
    let mut s = String::from("risk,mean,p50,p90,p99,any_loss\n");
    let mut row = |id: &str, st: &Stats| {
        let _ = writeln!(
            s,
            "{},{:.2},{:.2},{:.2},{:.2},{:.6}",
            escape::csv_cell(id),
            st.mean,
            st.p50,
            st.p90,
            st.p99,
            1.0 - st.no_loss
        );
    };
    for r in &o.sim.risks {
        row(&r.id, &r.stats);
    }
    row("register", &o.sim.total);
    s
}

/// Every risk's loss exceedance curve and the register's, one row per point.
fn curve_csv(o: &Outcome) -> String {
    let mut s = String::from("risk,loss,above\n");
    let curves = o
        .sim
        .risks
        .iter()
        .map(|r| (r.id.as_str(), &r.exceedance))
        .chain(std::iter::once(("register", &o.sim.exceedance)));
    for (id, curve) in curves {
        for p in curve {
            let _ = writeln!(
                s,
                "{},{:.2},{:.6}",
                escape::csv_cell(id),
                p.loss,
                p.probability
            );
        }
    }
    s
}

fn svg(o: &Outcome) -> String {
    let labels: Vec<String> = o.sim.exceedance.iter().map(|p| amount(p.loss)).collect();
    let points: Vec<(usize, f64)> = o
        .sim
        .exceedance
        .iter()
        .enumerate()
        .map(|(i, p)| (i, (p.probability * 1000.0).round() / 10.0))
        .collect();
    let mut series = std::collections::BTreeMap::new();
    series.insert("register".to_string(), points);
    let caption = match &o.currency {
        Some(c) => format!("annual loss ({c})"),
        None => "annual loss".to_string(),
    };
    let title = format!(
        "Loss exceedance: chance a year's loss is above the amount ({} years, seed {})",
        amount(o.sim.iterations as f64),
        o.sim.seed
    );
    let mut s = crate::report::chart::lines_along(&title, &labels, &caption, &series, 100.0, "%");
    s.push('\n');
    s
}
