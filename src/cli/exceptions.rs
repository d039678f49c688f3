//! `aegis exceptions add|list|renew|close`.

use crate::exceptions::{self, NewException, Refusal, Renew, Row, State};
use crate::model::{Date, Rating};
use crate::output::escape;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Record a time-boxed waiver of controls in one system: writes exceptions/<id>.yaml.
    Add(AddArgs),
    /// List the exceptions with their expiry, days left and status.
    List(ListArgs),
    /// Extend an exception: a new expiry and approver; the previous ones are kept under `renewals:`.
    Renew(RenewArgs),
    /// Close an exception: records `closed:` (and the reason); from then on it waives nothing.
    Close(CloseArgs),
}

/// What every lifecycle command takes (exceptions and policies).
#[derive(Debug, clap::Args)]
pub struct Common {
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    /// Take this day as today (YYYY-MM-DD): for grants, expiry checks and days left.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
}

impl Common {
    pub(super) fn today(&self) -> Date {
        self.as_of.unwrap_or_else(Date::today_utc)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RiskRating {
    Low,
    Moderate,
    High,
    Critical,
}

impl From<RiskRating> for Rating {
    fn from(r: RiskRating) -> Rating {
        match r {
            RiskRating::Low => Rating::Low,
            RiskRating::Moderate => Rating::Moderate,
            RiskRating::High => Rating::High,
            RiskRating::Critical => Rating::Critical,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// A control the exception waives (FRAMEWORK:ID, or an id of the system's frameworks); repeatable.
    #[arg(long = "control", value_name = "REF", required = true)]
    pub controls: Vec<String>,
    /// The system the waiver applies to (a system id of aegis.yaml).
    #[arg(long, value_name = "ID")]
    pub system: String,
    /// Why the control cannot be met now, and what is done meanwhile.
    #[arg(long, value_name = "TEXT")]
    pub justification: String,
    /// Who accepted the risk (a name, @login or @org/team).
    #[arg(long, value_name = "WHO")]
    pub approver: String,
    /// The last day the waiver holds (YYYY-MM-DD); within `exceptions.max_duration` (default 1y).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub expires: Date,
    /// The exception's id [default: the next free EX-NNN].
    #[arg(long)]
    pub id: Option<String>,
    #[arg(long)]
    pub title: Option<String>,
    /// What the waiver covers (hosts, components, data).
    #[arg(long)]
    pub scope: Option<String>,
    #[arg(long, value_enum, default_value_t = RiskRating::Moderate)]
    pub risk_rating: RiskRating,
    /// A control that compensates meanwhile; repeatable.
    #[arg(long = "compensating", value_name = "REF")]
    pub compensating: Vec<String>,
    /// A risk register entry (risks/<id>.yaml) the waiver accepts; repeatable.
    #[arg(long = "risk", value_name = "R-ID")]
    pub risks: Vec<String>,
    /// The day the waiver was approved [default: today].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub granted: Option<Date>,
    #[command(flatten)]
    pub dry: super::framework::DryRunArg,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only this system's exceptions.
    #[arg(long, value_name = "ID")]
    pub system: Option<String>,
    /// Only exceptions in this state.
    #[arg(long, value_enum)]
    pub status: Option<State>,
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct RenewArgs {
    /// The exception's id.
    pub id: String,
    /// The new last day (after the current one, within `exceptions.max_duration` of today).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub expires: Date,
    /// Who approved the extension.
    #[arg(long, value_name = "WHO")]
    pub approver: String,
    /// A new justification (the old one is kept in the renewal entry).
    #[arg(long, value_name = "TEXT")]
    pub justification: Option<String>,
    #[command(flatten)]
    pub dry: super::framework::DryRunArg,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, clap::Args)]
pub struct CloseArgs {
    /// The exception's id.
    pub id: String,
    /// Why it is closed (the control is implemented, the system retired, ...).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    #[command(flatten)]
    pub dry: super::framework::DryRunArg,
    #[command(flatten)]
    pub common: Common,
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    refused(match &args.command {
        Sub::Add(a) => add(a),
        Sub::List(a) => list(a),
        Sub::Renew(a) => renew(a),
        Sub::Close(a) => close(a),
    })
}

/// A refusal's problems, one per line, exit 2; other errors as errors.
pub(super) fn refused(result: Result<u8, Refusal>) -> anyhow::Result<u8> {
    match result {
        Ok(code) => Ok(code),
        Err(Refusal::Invalid(problems)) => {
            for p in &problems {
                eprintln!("error: {}", escape::text(p));
            }
            eprintln!("nothing was written");
            Ok(2)
        }
        Err(e) => Err(e.into()),
    }
}

fn add(a: &AddArgs) -> Result<u8, Refusal> {
    let new = NewException {
        id: a.id.clone(),
        title: a.title.clone(),
        controls: a.controls.clone(),
        system: a.system.clone(),
        scope: a.scope.clone(),
        justification: a.justification.clone(),
        compensating: a.compensating.clone(),
        risk_rating: Some(a.risk_rating.into()),
        risks: a.risks.clone(),
        approver: a.approver.clone(),
        granted: a.granted,
        expires: a.expires,
    };
    let mut planned = Vec::new();
    let w = exceptions::add(
        &a.common.repo,
        new,
        a.common.today(),
        a.dry.dry_run,
        &mut planned,
    )?;
    a.dry.finish(&planned);
    let e = &w.exception;
    eprintln!(
        "{} {}: `{}` waives {} in system `{}` until {}",
        a.dry.verb("wrote", "write"),
        escape::text(&w.path),
        escape::text(&e.id.0),
        escape::text(
            &e.controls
                .iter()
                .map(|c| c.0.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        escape::text(&e.system.0),
        e.expires
    );
    Ok(0)
}

fn list(a: &ListArgs) -> Result<u8, Refusal> {
    let listing = exceptions::list(
        &a.common.repo,
        a.common.today(),
        a.system.as_deref(),
        a.status,
    )?;
    let text = match a.format {
        ListFormat::Human => human(&listing.rows),
        ListFormat::Json => {
            let mut s = serde_json::to_string_pretty(&listing.rows)
                .map_err(|e| Refusal::Invalid(vec![e.to_string()]))?;
            s.push('\n');
            s
        }
    };
    if let Err(e) = super::deliver(None, &text) {
        eprintln!("error: {e}");
        return Ok(2);
    }
    if listing.unreadable > 0 {
        eprintln!(
            "warning: {} exception file(s) could not be read and are not listed; run `aegis validate`",
            listing.unreadable
        );
    }
    Ok(0)
}

/// The list as an aligned table.
pub fn human(rows: &[Row]) -> String {
    if rows.is_empty() {
        return "no exceptions\n".into();
    }
    let t = |s: &str| escape::text(s).into_owned();
    let head = [
        "ID", "SYSTEM", "CONTROLS", "APPROVER", "EXPIRES", "DAYS", "STATUS",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                t(&r.id),
                t(&r.system),
                t(&r.controls.join(", ")),
                t(&r.approver),
                r.expires.to_string(),
                r.days_left.to_string(),
                r.status.as_str().to_string(),
            ]
        })
        .collect();
    let mut out = aligned(&head, &cells);
    let count = |s: State| rows.iter().filter(|r| r.status == s).count();
    let _ = writeln!(
        out,
        "{} exception(s): {} active, {} expiring, {} expired, {} closed{}",
        rows.len(),
        count(State::Active),
        count(State::Expiring),
        count(State::Expired),
        count(State::Closed),
        match count(State::Pending) {
            0 => String::new(),
            n => format!(", {n} pending"),
        }
    );
    out
}

fn renew(a: &RenewArgs) -> Result<u8, Refusal> {
    let r = Renew {
        expires: a.expires,
        approver: a.approver.clone(),
        justification: a.justification.clone(),
    };
    let mut planned = Vec::new();
    let edited = exceptions::renew(
        &a.common.repo,
        &a.id,
        r,
        a.common.today(),
        a.dry.dry_run,
        &mut planned,
    )?;
    a.dry.finish(&planned);
    eprintln!(
        "{} `{}` in {}: expires {} (was {}), approved by {}",
        a.dry.verb("renewed", "renew"),
        escape::text(&a.id),
        escape::text(&edited.path),
        a.expires,
        edited.before.expires,
        escape::text(&a.approver)
    );
    Ok(0)
}

fn close(a: &CloseArgs) -> Result<u8, Refusal> {
    let mut planned = Vec::new();
    let edited = exceptions::close(
        &a.common.repo,
        &a.id,
        a.reason.as_deref(),
        a.common.today(),
        a.dry.dry_run,
        &mut planned,
    )?;
    a.dry.finish(&planned);
    eprintln!(
        "{} `{}` in {} on {}; it no longer waives {}",
        a.dry.verb("closed", "close"),
        escape::text(&a.id),
        escape::text(&edited.path),
        a.common.today(),
        escape::text(
            &edited
                .before
                .controls
                .iter()
                .map(|c| c.0.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    );
    Ok(0)
}

/// `rows` (already escaped) under `head`, in columns two spaces apart.
pub(super) fn aligned(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = head.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cols: &mut dyn Iterator<Item = &str>| {
        let mut l = String::new();
        for (c, w) in cols.zip(&widths) {
            let _ = write!(l, "{c:<w$}  ");
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut head.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}
