//! `aegis implementation add|list|set|review` (alias `impl`).

use super::exceptions::refused;
use crate::implementations::{self, Change, Changes, Refusal};
use crate::model::{Date, ImplStatus, Period};
use crate::output::escape;
use std::io::Read;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Record how a system meets a control: writes implementations/<system>/<control>.yaml.
    Add(Box<AddArgs>),
    /// List the implementations: status, owner, evidence, last and next review.
    List(super::implementation_list::ListArgs),
    /// Change an implementation in place (comments and key order kept); prints each change.
    Set(Box<SetArgs>),
    /// Record that an implementation was reviewed (`reviewed:`, today unless --date).
    Review(ReviewArgs),
}

/// What every implementation subcommand takes.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: std::path::PathBuf,
    /// Take this day as today (YYYY-MM-DD): for review dates and what is overdue.
    #[arg(long, value_name = "DATE", value_parser = |s: &str| s.parse::<Date>())]
    pub as_of: Option<Date>,
}

impl Common {
    pub(super) fn today(&self) -> Date {
        self.as_of.unwrap_or_else(Date::today_utc)
    }
}

/// The record: a control of a system.
#[derive(Debug, clap::Args)]
pub struct Record {
    /// The control (FRAMEWORK:ID, or an id of the system's frameworks, in any
    /// spelling validation accepts: ac-2(1), AC-02(01)).
    pub control: String,
    /// The system (a system id of aegis.yaml).
    #[arg(long, value_name = "ID")]
    pub system: String,
}

/// The fields `add` and `set` both take.
#[derive(Debug, clap::Args)]
pub struct Fields {
    /// Who answers for the control (a name, @login or @org/team).
    #[arg(long, value_name = "WHO")]
    pub owner: Option<String>,
    /// How the control is met (Markdown).
    #[arg(long, value_name = "TEXT", conflicts_with = "statement_file")]
    pub statement: Option<String>,
    /// Read the statement from a file (`-`: standard input).
    #[arg(long, value_name = "PATH")]
    pub statement_file: Option<std::path::PathBuf>,
    /// Why the control does not apply (needed for not-applicable).
    #[arg(long, value_name = "TEXT")]
    pub justification: Option<String>,
    /// For inherited: the system (of aegis.yaml) that provides the control.
    #[arg(long, value_name = "SYSTEM", conflicts_with = "provider")]
    pub inherited_from: Option<String>,
    /// For inherited: an outside provider (a cloud service, say).
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// A value for one of the control's parameters; repeatable.
    #[arg(long = "param", value_name = "ID=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
    /// How often it must be reviewed (e.g. 1y, 6mo, 90d).
    #[arg(long, value_name = "PERIOD", value_parser = |s: &str| s.parse::<Period>())]
    pub review_every: Option<Period>,
    /// Print what would be written or changed, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub record: Record,
    /// implemented, partial, planned, alternative, not-applicable or inherited.
    #[arg(long, value_parser = parse_status)]
    pub status: ImplStatus,
    #[command(flatten)]
    pub fields: Fields,
    /// An evidence id (evidence/<id>.yaml) that shows the control met; repeatable.
    #[arg(long = "evidence", value_name = "ID")]
    pub evidence: Vec<String>,
    /// A policy id (policies/<id>.md) the control rests on; repeatable.
    #[arg(long = "policy", value_name = "ID")]
    pub policies: Vec<String>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, clap::Args)]
pub struct SetArgs {
    #[command(flatten)]
    pub record: Record,
    /// The new status: implemented, partial, planned, alternative, not-applicable or inherited.
    #[arg(long, value_parser = parse_status)]
    pub status: Option<ImplStatus>,
    #[command(flatten)]
    pub fields: Fields,
    /// Cite this evidence id too; repeatable.
    #[arg(long, value_name = "ID")]
    pub add_evidence: Vec<String>,
    /// Stop citing this evidence id; repeatable.
    #[arg(long, value_name = "ID")]
    pub remove_evidence: Vec<String>,
    /// Cite this policy id too; repeatable.
    #[arg(long, value_name = "ID")]
    pub add_policy: Vec<String>,
    /// Stop citing this policy id; repeatable.
    #[arg(long, value_name = "ID")]
    pub remove_policy: Vec<String>,
    /// Remove a parameter's value; repeatable.
    #[arg(long, value_name = "ID")]
    pub unset_param: Vec<String>,
    /// Remove an optional field; repeatable. A status that needs the field
    /// (not-applicable: justification; inherited: a source) keeps it.
    #[arg(long, value_enum, value_name = "FIELD")]
    pub unset: Vec<crate::implementations::Field>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    #[command(flatten)]
    pub record: Record,
    /// The day of the review (YYYY-MM-DD) [default: today, or --as-of].
    #[arg(long, value_name = "DATE", value_parser = |s: &str| s.parse::<Date>())]
    pub date: Option<Date>,
    /// Print what would change, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub common: Common,
}

pub(super) const STATUSES: [ImplStatus; 6] = [
    ImplStatus::Implemented,
    ImplStatus::Partial,
    ImplStatus::Planned,
    ImplStatus::Alternative,
    ImplStatus::NotApplicable,
    ImplStatus::Inherited,
];

pub(super) fn parse_status(s: &str) -> Result<ImplStatus, String> {
    STATUSES
        .into_iter()
        .find(|st| st.as_str() == s.trim())
        .ok_or_else(|| {
            let names: Vec<&str> = STATUSES.iter().map(|s| s.as_str()).collect();
            format!("`{s}` is not a status; use one of {}", names.join(", "))
        })
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not ID=VALUE")),
    }
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    refused(match &args.command {
        Sub::Add(a) => add(a),
        Sub::List(a) => super::implementation_list::list(a),
        Sub::Set(a) => set(a),
        Sub::Review(a) => review(a),
    })
}

/// The most a statement file may hold: far more than any statement, and
/// what a record file may be.
const MAX_STATEMENT_BYTES: u64 = 1 << 20;

/// The statement given, read from its file or standard input.
fn statement(f: &Fields) -> Result<Option<String>, Refusal> {
    let Some(path) = &f.statement_file else {
        return Ok(f.statement.clone());
    };
    let mut bytes = Vec::new();
    let shown = path.display().to_string();
    let io = |source| Refusal::Io {
        path: shown.clone(),
        source,
    };
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_STATEMENT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_STATEMENT_BYTES + 1).read_to_end(&mut bytes))
            .map_err(io)?;
    }
    if bytes.len() as u64 > MAX_STATEMENT_BYTES {
        return Err(Refusal::Invalid(vec![format!(
            "{shown} is larger than {MAX_STATEMENT_BYTES} bytes; a statement says how the control is met, keep the details in evidence"
        )]));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| Refusal::Invalid(vec![format!("{shown} is not UTF-8 text")]))?;
    // The trailing line break of a file is not part of the statement.
    Ok(Some(text.trim_end_matches(['\n', '\r']).to_string()))
}

fn changes(f: &Fields) -> Result<Changes, Refusal> {
    Ok(Changes {
        owner: f.owner.clone(),
        statement: statement(f)?,
        justification: f.justification.clone(),
        inherited_from: f.inherited_from.clone(),
        provider: f.provider.clone(),
        params: f.params.clone(),
        review_every: f.review_every.clone(),
        ..Changes::default()
    })
}

fn add(a: &AddArgs) -> Result<u8, Refusal> {
    let mut c = changes(&a.fields)?;
    c.status = Some(a.status);
    c.add_evidence = a.evidence.clone();
    c.add_policies = a.policies.clone();
    let dry = super::framework::DryRunArg {
        dry_run: a.fields.dry_run,
    };
    let mut planned = Vec::new();
    let added = implementations::add::add(
        &a.common.repo,
        &a.record.system,
        &a.record.control,
        &c,
        a.common.today(),
        dry.dry_run,
        &mut planned,
    )?;
    dry.finish(&planned);
    eprintln!(
        "{} {}: `{}` in system `{}` as {}",
        dry.verb("wrote", "write"),
        escape::text(&added.path),
        escape::text(&added.record.control.0),
        escape::text(&a.record.system),
        added.record.status.as_str()
    );
    Ok(0)
}

fn set(a: &SetArgs) -> Result<u8, Refusal> {
    let mut c = changes(&a.fields)?;
    c.status = a.status;
    c.add_evidence = a.add_evidence.clone();
    c.remove_evidence = a.remove_evidence.clone();
    c.add_policies = a.add_policy.clone();
    c.remove_policies = a.remove_policy.clone();
    c.unset_params = a.unset_param.clone();
    c.unset = a.unset.clone();
    edit(&a.record, &a.common, &c, a.fields.dry_run)
}

fn review(a: &ReviewArgs) -> Result<u8, Refusal> {
    let c = Changes {
        reviewed: Some(a.date.unwrap_or_else(|| a.common.today())),
        ..Changes::default()
    };
    edit(&a.record, &a.common, &c, a.dry_run)
}

/// Applies `c` to the record and prints what changed.
fn edit(r: &Record, common: &Common, c: &Changes, dry_run: bool) -> Result<u8, Refusal> {
    let dry = super::framework::DryRunArg { dry_run };
    let mut planned = Vec::new();
    let edited = implementations::set::set(
        &common.repo,
        &r.system,
        &r.control,
        c,
        common.today(),
        dry_run,
        &mut planned,
    )?;
    dry.finish(&planned);
    report(&edited, dry_run);
    Ok(0)
}

/// What changed, a line per field (old → new).
fn report(e: &implementations::set::Edited, dry_run: bool) {
    let path = escape::text(&e.path);
    let reference = escape::text(&e.reference);
    if e.changes.is_empty() {
        eprintln!("unchanged {path}: `{reference}` already says this; nothing written");
        return;
    }
    for c in &e.changes {
        eprintln!("  {}", change_line(c));
    }
    if dry_run {
        eprintln!(
            "would change {} field(s) of `{reference}` in {path}",
            e.changes.len()
        );
    } else {
        eprintln!(
            "changed {} field(s) of `{reference}` in {path}",
            e.changes.len()
        );
    }
}

fn change_line(c: &Change) -> String {
    let shown = |v: &Option<String>| match v {
        // A statement can be long and span lines: its first line stands for it.
        Some(s) => {
            let first = s.lines().next().unwrap_or_default();
            let cut: String = first.chars().take(60).collect();
            let more = cut.len() < s.len();
            format!("{}{}", escape::text(&cut), if more { "…" } else { "" })
        }
        None => "(none)".into(),
    };
    format!("{}: {} → {}", c.field, shown(&c.old), shown(&c.new))
}
