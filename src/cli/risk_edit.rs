//! `aegis risk add|update|close|accept`: create a risk and move it through
//! its lifecycle, editing existing files in place.

use super::exceptions::refused;
use crate::exceptions::Refusal;
use crate::model::{Date, Estimate, Risk, Treatment};
use crate::output::escape;
use crate::risk::lifecycle::{self, Changes, Edited, Fields};
use std::path::PathBuf;

/// What every writing risk command takes.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    /// Make every check and print what would be written (as a diff), but write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl Common {
    fn dry(&self) -> super::framework::DryRunArg {
        super::framework::DryRunArg {
            dry_run: self.dry_run,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TreatmentArg {
    Mitigate,
    Accept,
    Transfer,
    Avoid,
}

impl From<TreatmentArg> for Treatment {
    fn from(t: TreatmentArg) -> Treatment {
        match t {
            TreatmentArg::Mitigate => Treatment::Mitigate,
            TreatmentArg::Accept => Treatment::Accept,
            TreatmentArg::Transfer => Treatment::Transfer,
            TreatmentArg::Avoid => Treatment::Avoid,
        }
    }
}

fn rating(s: &str) -> Result<u8, String> {
    match s.trim().parse::<u8>() {
        Ok(v) if (1..=5).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a rating from 1 to 5")),
    }
}

/// `MIN,MOST_LIKELY,MAX`: three numbers of 0 or more (their order is
/// checked with the rest of the record, to name every problem at once).
fn estimate(s: &str) -> Result<Estimate, String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let numbers: Vec<f64> = parts
        .iter()
        .filter_map(|p| p.replace('_', "").parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
        .collect();
    match (parts.len(), numbers.as_slice()) {
        (3, [min, most_likely, max]) => Ok(Estimate {
            min: *min,
            most_likely: *most_likely,
            max: *max,
        }),
        _ => Err(format!(
            "`{s}` is not MIN,MOST_LIKELY,MAX (three numbers of 0 or more, e.g. 0.5,2,6)"
        )),
    }
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
}

/// The fields `add` takes and `update` may change.
#[derive(Debug, clap::Args)]
pub struct FieldArgs {
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Who owns the risk (a name, @login or @org/team).
    #[arg(long, value_name = "WHO")]
    pub owner: Option<String>,
    /// Likelihood before treatment, 1 (rare) to 5 (almost certain).
    #[arg(long, value_name = "1-5", value_parser = rating)]
    pub likelihood: Option<u8>,
    /// Impact before treatment, 1 (minimal) to 5 (severe).
    #[arg(long, value_name = "1-5", value_parser = rating)]
    pub impact: Option<u8>,
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// The category the risk appetite of aegis.yaml is set for (e.g. security).
    #[arg(long, value_name = "C")]
    pub category: Option<String>,
    /// A system the risk concerns (none: every system); repeatable. `update`: replaces the list.
    #[arg(long = "system", value_name = "S")]
    pub systems: Vec<String>,
    /// A control that treats the risk (FRAMEWORK:ID, or an id of its systems' frameworks); repeatable. `update`: replaces the list.
    #[arg(long = "control", value_name = "REF")]
    pub controls: Vec<String>,
    #[arg(long, value_enum)]
    pub treatment: Option<TreatmentArg>,
    /// Likelihood after treatment (1-5).
    #[arg(long, value_name = "N", value_parser = rating)]
    pub residual_likelihood: Option<u8>,
    /// Impact after treatment (1-5).
    #[arg(long, value_name = "N", value_parser = rating)]
    pub residual_impact: Option<u8>,
    /// Loss events a year, for simulation: MIN,MOST_LIKELY,MAX.
    #[arg(long, value_name = "MIN,ML,MAX", value_parser = estimate)]
    pub frequency: Option<Estimate>,
    /// Loss per event, in `risk.currency` of aegis.yaml: MIN,MOST_LIKELY,MAX.
    #[arg(long, value_name = "MIN,ML,MAX", value_parser = estimate)]
    pub magnitude: Option<Estimate>,
}

impl FieldArgs {
    fn fields(&self) -> Fields {
        Fields {
            title: self.title.clone(),
            owner: self.owner.clone(),
            description: self.description.clone(),
            category: self.category.clone(),
            systems: self.systems.clone(),
            controls: self.controls.clone(),
            treatment: self.treatment.map(Treatment::from),
            likelihood: self.likelihood,
            impact: self.impact,
            residual_likelihood: self.residual_likelihood,
            residual_impact: self.residual_impact,
            frequency: self.frequency.clone(),
            magnitude: self.magnitude.clone(),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The risk's id [default: the next free one in the register's numbering, e.g. R-005].
    #[arg(long)]
    pub id: Option<String>,
    #[command(flatten)]
    pub fields: FieldArgs,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, clap::Args)]
pub struct UpdateArgs {
    /// The risk's id.
    pub id: String,
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Link one more control; repeatable.
    #[arg(long = "add-control", value_name = "REF")]
    pub add_controls: Vec<String>,
    /// Unlink a control; repeatable.
    #[arg(long = "remove-control", value_name = "REF")]
    pub remove_controls: Vec<String>,
    /// What implementing a control removes from the loss: CONTROL:FREQUENCY_FRACTION[:MAGNITUDE_FRACTION] (0 to 1); repeatable; replaces that control's entry.
    #[arg(long = "reduced-by", value_name = "CONTROL:F[:M]")]
    pub reduced_by: Vec<String>,
    /// Drop a control's `reduced_by` entry; repeatable.
    #[arg(long = "remove-reduced-by", value_name = "CONTROL")]
    pub remove_reduced_by: Vec<String>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, clap::Args)]
pub struct CloseArgs {
    /// The risk's id.
    pub id: String,
    /// Why the risk no longer applies (the system was retired, the threat is gone, ...).
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Take this day as today (YYYY-MM-DD) for the `closed` date.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, clap::Args)]
pub struct AcceptArgs {
    /// The risk's id.
    pub id: String,
    /// Who accepted the risk (a name, @login or @org/team).
    #[arg(long, value_name = "WHO")]
    pub approver: String,
    /// The day to review the acceptance (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub until: Option<Date>,
    /// Take this day as today (YYYY-MM-DD) for the `accepted` date.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
    #[command(flatten)]
    pub common: Common,
}

pub fn add(a: &AddArgs) -> anyhow::Result<u8> {
    refused(add_inner(a))
}

fn rating_text(r: crate::model::RiskRating) -> String {
    format!("{} ({}x{})", r.score(), r.likelihood, r.impact)
}

fn add_inner(a: &AddArgs) -> Result<u8, Refusal> {
    let dry = a.common.dry();
    let mut planned = Vec::new();
    let w = lifecycle::add(
        &a.common.repo,
        a.id.as_deref(),
        a.fields.fields(),
        a.common.dry_run,
        &mut planned,
    )?;
    dry.finish(&planned);
    let r = &w.risk;
    let what = format!(
        "`{}` inherent {}, residual {}, treatment {}",
        escape::text(&r.id.0),
        rating_text(r.inherent),
        rating_text(r.residual_rating()),
        lifecycle::treatment_text(r.treatment)
    );
    eprintln!(
        "{} {}: {what}",
        dry.verb("wrote", "write"),
        escape::text(&w.path)
    );
    Ok(0)
}

pub fn update(a: &UpdateArgs) -> anyhow::Result<u8> {
    let c = Changes {
        fields: a.fields.fields(),
        add_controls: a.add_controls.clone(),
        remove_controls: a.remove_controls.clone(),
        reduced_by: a.reduced_by.clone(),
        remove_reduced_by: a.remove_reduced_by.clone(),
    };
    let mut planned = Vec::new();
    refused(
        lifecycle::update(&a.common.repo, &a.id, c, a.common.dry_run, &mut planned)
            .map(|e| report(["updated", "update"], &e, &a.common, &planned)),
    )
}

pub fn close(a: &CloseArgs) -> anyhow::Result<u8> {
    let today = a.as_of.unwrap_or_else(Date::today_utc);
    let mut planned = Vec::new();
    refused(
        lifecycle::close(
            &a.common.repo,
            &a.id,
            &a.reason,
            today,
            a.common.dry_run,
            &mut planned,
        )
        .map(|e| report(["closed", "close"], &e, &a.common, &planned)),
    )
}

pub fn accept(a: &AcceptArgs) -> anyhow::Result<u8> {
    let today = a.as_of.unwrap_or_else(Date::today_utc);
    let mut planned = Vec::new();
    refused(
        lifecycle::accept(
            &a.common.repo,
            &a.id,
            &a.approver,
            a.until,
            today,
            a.common.dry_run,
            &mut planned,
        )
        .map(|e| report(["accepted", "accept"], &e, &a.common, &planned)),
    )
}

fn score_line(name: &str, before: &Risk, after: &Risk, f: fn(&Risk) -> u32) -> Option<String> {
    let (b, a) = (f(before), f(after));
    (b != a).then(|| format!("  {name} score: {b} -> {a}\n"))
}

/// Under --dry-run the diff of the edit (`planned`) on stdout; then each
/// field changed (old -> new) and the score changes, on stderr.
fn report([done, would]: [&str; 2], e: &Edited, common: &Common, planned: &[u8]) -> u8 {
    let dry = common.dry();
    dry.finish(planned);
    let id = escape::text(&e.after.id.0).into_owned();
    let path = escape::text(&e.path).into_owned();
    if e.changes.is_empty() {
        eprintln!("nothing to change: `{id}` ({path}) already says that; nothing written");
        return 0;
    }
    let mut out = String::new();
    for c in &e.changes {
        out.push_str(&format!(
            "  {}: {} -> {}\n",
            escape::text(&c.field),
            escape::text(&c.before),
            escape::text(&c.after)
        ));
    }
    out.extend(score_line(
        "inherent",
        &e.before,
        &e.after,
        Risk::inherent_score,
    ));
    out.extend(score_line(
        "residual",
        &e.before,
        &e.after,
        Risk::residual_score,
    ));
    eprint!("{} `{id}` in {path}:\n{out}", dry.verb(done, would));
    0
}
