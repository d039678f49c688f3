//! `aegis evidence hash|add|verify|review|prune|list|keygen|sign`.

use crate::evidence::hash::{self, Outcome, Select};
use crate::evidence::{add, list, prune, review, verify};
use crate::model::{Date, Period, ReviewStatus, When};
use crate::output::escape;
use anyhow::bail;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Record the SHA-256 and size of repository evidence files in their
    /// evidence records (after checking that each file is the one reviewed).
    Hash(HashArgs),
    /// Record a repository file or a URL as evidence of controls: hash, size, media type.
    Add(Box<AddArgs>),
    /// Re-hash evidence files and report tampered, missing, empty, stale, soon-stale, uncited and abandoned evidence.
    Verify(VerifyArgs),
    /// Accept, reject or quarantine evidence, with the reviewer and a note.
    Review(ReviewArgs),
    /// List (--dry-run) or remove evidence whose retention has passed and that nothing cites.
    Prune(PruneArgs),
    /// List evidence: controls, collected, stale from, review, signed.
    List(ListArgs),
    /// Make an Ed25519 signing key (PKCS#8 PEM, mode 0600) and print its public key for aegis.yaml.
    Keygen(super::evidence_sign::KeygenArgs),
    /// Sign a manifest of evidence (ids, sha256s, sizes, times) with an Ed25519 key.
    Sign(super::evidence_sign::SignArgs),
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The artifact: a file in the repository, or a URL (https://, s3://, ...), recorded without fetching it.
    pub source: String,
    /// Controls the evidence supports (FRAMEWORK:CONTROL, or a control id one framework has).
    #[arg(long = "control", value_name = "REF", required = true)]
    pub controls: Vec<String>,
    /// The evidence id (default: from the file name).
    #[arg(long)]
    pub id: Option<String>,
    /// The title (default: the file name).
    #[arg(long)]
    pub title: Option<String>,
    /// It goes stale this long after collection (e.g. 90d, 1y).
    #[arg(long, value_name = "PERIOD", value_parser = |s: &str| s.parse::<Period>())]
    pub expires_after: Option<Period>,
    /// How long it must be kept after collection (e.g. 3y).
    #[arg(long, value_name = "PERIOD", value_parser = |s: &str| s.parse::<Period>())]
    pub retention: Option<Period>,
    /// Who or what collected it.
    #[arg(long)]
    pub collector: Option<String>,
    /// The media type (default: from the file's first bytes or its extension).
    #[arg(long, value_name = "TYPE")]
    pub media_type: Option<String>,
    /// When it was collected (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ; default: now).
    #[arg(long, value_name = "WHEN", value_parser = |s: &str| s.parse::<When>())]
    pub collected_at: Option<When>,
    /// Where the artifact is stored (s3://, https://): for a file too large
    /// for git, which is then only hashed.
    #[arg(long)]
    pub uri: Option<String>,
    /// The SHA-256 of a URL's content, if known.
    #[arg(long)]
    pub sha256: Option<String>,
    /// Replace the artifact an existing record holds (its review is cleared).
    #[arg(long)]
    pub update: bool,
    #[command(flatten)]
    pub dry: super::framework::DryRunArg,
    #[command(flatten)]
    pub repo: super::framework::RepoArg,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Warn about evidence that goes stale within this period (default:
    /// evidence.refresh_ahead in aegis.yaml, else 14d).
    #[arg(long, value_name = "PERIOD", value_parser = |s: &str| s.parse::<Period>())]
    pub refresh_ahead: Option<Period>,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// What every reporting subcommand takes.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Judge dates (staleness, retention, signatures) as of this day instead of today (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = |s: &str| s.parse::<Date>())]
    pub as_of: Option<Date>,
    #[arg(long, value_enum, default_value_t = OutFormat::Human)]
    pub format: OutFormat,
    #[command(flatten)]
    pub repo: super::framework::RepoArg,
}

impl ReportArgs {
    fn as_of(&self) -> Date {
        self.as_of.unwrap_or_else(Date::today_utc)
    }

    /// The report as JSON, or as `human` renders it.
    fn render<T: serde::Serialize>(
        &self,
        value: &T,
        human: impl FnOnce(&T) -> String,
    ) -> anyhow::Result<String> {
        Ok(match self.format {
            OutFormat::Human => human(value),
            OutFormat::Json => format!("{}\n", serde_json::to_string_pretty(value)?),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutFormat {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("verdict").required(true).args(["accept", "reject", "quarantine"]))]
pub struct ReviewArgs {
    /// The evidence id.
    pub id: String,
    #[arg(long)]
    pub accept: bool,
    #[arg(long)]
    pub reject: bool,
    /// Set aside until questions are answered; it does not count meanwhile.
    #[arg(long)]
    pub quarantine: bool,
    /// Who reviewed.
    #[arg(long, value_name = "WHO")]
    pub reviewer: String,
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// The day of the review (default: today, UTC).
    #[arg(long, value_name = "DATE", value_parser = |s: &str| s.parse::<Date>())]
    pub reviewed_at: Option<Date>,
    #[command(flatten)]
    pub dry: super::framework::DryRunArg,
    #[command(flatten)]
    pub repo: super::framework::RepoArg,
}

#[derive(Debug, clap::Args)]
pub struct PruneArgs {
    /// List what would be removed; remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, clap::Args)]
pub struct HashArgs {
    /// Ids of the evidence records to hash.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub ids: Vec<String>,
    /// Hash every evidence record that names a repository file.
    #[arg(long)]
    pub all: bool,
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    #[command(flatten)]
    pub dry: super::framework::DryRunArg,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    match &args.command {
        Sub::Hash(a) => run_hash(a),
        Sub::Add(a) => run_add(a),
        Sub::Verify(a) => run_verify(a),
        Sub::Review(a) => run_review(a),
        Sub::Prune(a) => run_prune(a),
        Sub::List(a) => run_list(a),
        Sub::Keygen(a) => super::evidence_sign::run_keygen(a),
        Sub::Sign(a) => super::evidence_sign::run_sign(a),
    }
}

fn run_add(a: &AddArgs) -> anyhow::Result<u8> {
    let ws = crate::workspace::load(&a.repo.repo)?;
    let req = add::Request {
        source: a.source.clone(),
        controls: a.controls.clone(),
        id: a.id.clone(),
        title: a.title.clone(),
        expires_after: a.expires_after.clone(),
        retention: a.retention.clone(),
        collector: a.collector.clone(),
        media_type: a.media_type.clone(),
        collected_at: a.collected_at.clone(),
        uri: a.uri.clone(),
        sha256: a.sha256.clone(),
        update: a.update,
    };
    let cwd = std::env::current_dir()?;
    let mut planned = Vec::new();
    let outcome = add::run(&ws, &req, &cwd, a.dry.dry_run, &mut planned)?;
    a.dry.finish(&planned);
    match outcome {
        add::Outcome::Created { id, path } => {
            eprintln!(
                "{} `{}`: {}",
                a.dry.verb("added", "add"),
                escape::text(&id),
                escape::text(&path)
            );
            if a.uri.is_some() {
                eprintln!(
                    "the file itself stays out of git: only its hash and {} are recorded",
                    escape::text(a.uri.as_deref().unwrap_or_default())
                );
            }
        }
        add::Outcome::Unchanged { id, path } => eprintln!(
            "unchanged `{}`: {} already records this artifact",
            escape::text(&id),
            escape::text(&path)
        ),
        add::Outcome::Updated { id, path, was } => eprintln!(
            "{} `{}`: {} {} the new artifact (was sha256 {}); its review {}",
            a.dry.verb("updated", "update"),
            escape::text(&id),
            escape::text(&path),
            if a.dry.dry_run {
                "would record"
            } else {
                "now records"
            },
            escape::text(was.as_deref().unwrap_or("none")),
            if a.dry.dry_run {
                "would be cleared"
            } else {
                "was cleared, review it again"
            }
        ),
    }
    Ok(0)
}

fn windows(ws: &crate::workspace::Workspace, refresh: Option<&Period>) -> verify::Windows {
    let settings = crate::workspace::config_of(ws)
        .map(|c| c.evidence)
        .unwrap_or_default();
    verify::Windows {
        refresh_ahead: refresh.cloned().unwrap_or_else(|| settings.refresh_ahead()),
        abandoned_after: settings.abandoned_after(),
    }
}

fn run_verify(a: &VerifyArgs) -> anyhow::Result<u8> {
    let r = &a.report;
    let as_of = r.as_of();
    let ws = crate::workspace::load(&r.repo.repo)?;
    let w = windows(&ws, a.refresh_ahead.as_ref());
    let run = crate::pipeline::run_loaded(ws, as_of, None);
    let report = verify::report(&run, as_of, &w);
    super::deliver(None, &r.render(&report, verify::render_human)?)?;
    Ok(u8::from(report.failing > 0))
}

fn run_review(a: &ReviewArgs) -> anyhow::Result<u8> {
    let status = if a.accept {
        ReviewStatus::Accepted
    } else if a.reject {
        ReviewStatus::Rejected
    } else {
        ReviewStatus::Quarantined
    };
    let ws = crate::workspace::load(&a.repo.repo)?;
    let on = a.reviewed_at.unwrap_or_else(Date::today_utc);
    let verdict = review::Verdict {
        status,
        reviewer: a.reviewer.clone(),
        note: a.note.clone(),
        on,
    };
    let mut planned = Vec::new();
    let r = review::review(&ws, &a.id, verdict, a.dry.dry_run, &mut planned)?;
    a.dry.finish(&planned);
    if r.written {
        eprintln!(
            "{} `{}` ({}): was {}",
            a.dry
                .verb(status.as_str(), &format!("mark {}", status.as_str())),
            escape::text(&r.id),
            escape::text(&r.path),
            r.was.as_str()
        );
        if status.is_refused() {
            eprintln!(
                "it no longer counts toward any control; implementations citing it now show a gap"
            );
        }
    } else {
        eprintln!(
            "unchanged `{}`: the record already holds this review",
            escape::text(&r.id)
        );
    }
    Ok(0)
}

fn run_prune(a: &PruneArgs) -> anyhow::Result<u8> {
    let r = &a.report;
    let as_of = r.as_of();
    let ws = crate::workspace::load(&r.repo.repo)?;
    let outcome = crate::validate::index_only(&ws);
    let list = prune::candidates(&ws, &outcome, as_of);
    let text = r.render(&list, |list| {
        let mut t = String::new();
        for c in list {
            t.push_str(&format!(
                "{} (retained until {}): {}",
                escape::text(&c.id),
                c.retain_until,
                escape::text(&c.record)
            ));
            if let Some(f) = &c.artifact {
                t.push_str(&format!(" and {}", escape::text(f)));
            }
            if let Some(why) = &c.artifact_kept {
                t.push_str(&format!(" (artifact kept: {})", escape::text(why)));
            }
            t.push('\n');
        }
        let verb = if a.dry_run {
            "would be removed"
        } else {
            "removed"
        };
        t.push_str(&format!(
            "{} evidence record(s) {verb} as of {as_of}\n",
            list.len()
        ));
        t
    })?;
    if !a.dry_run && !list.is_empty() {
        prune::remove(&ws, &list).map_err(anyhow::Error::msg)?;
    }
    super::deliver(None, &text)?;
    Ok(0)
}

fn run_list(a: &ListArgs) -> anyhow::Result<u8> {
    let r = &a.report;
    let run = crate::pipeline::validate(&r.repo.repo, r.as_of())?;
    let rows = list::rows(&run);
    super::deliver(None, &r.render(&rows, |rows| list::render_human(rows))?)?;
    Ok(0)
}

fn run_hash(a: &HashArgs) -> anyhow::Result<u8> {
    let ws = crate::workspace::load(&a.repo)?;
    let select = if a.all {
        Select::All
    } else {
        Select::Ids(&a.ids)
    };
    let mut planned = Vec::new();
    let outcomes = hash::run(&ws, &select, a.dry.dry_run, &mut planned);
    a.dry.finish(&planned);
    let mut failed = 0usize;
    let mut recorded = 0usize;
    for o in &outcomes {
        match o {
            Outcome::Recorded {
                id,
                sha256,
                size,
                was,
            } => {
                recorded += 1;
                let before = match was {
                    Some(w) if w == sha256 => {
                        " (the hash was already right; the size was not)".into()
                    }
                    Some(w) => format!(" (was {})", escape::text(w)),
                    None => " (was unhashed)".into(),
                };
                eprintln!(
                    "{} `{}`: sha256 {sha256}, {size} bytes{before}",
                    a.dry.verb("recorded", "record"),
                    escape::text(id)
                );
            }
            Outcome::Unchanged { id } => {
                eprintln!(
                    "unchanged `{}`: the record matches its file",
                    escape::text(id)
                );
            }
            Outcome::Remote { id, uri } => {
                if !a.all {
                    eprintln!(
                        "skipped `{}`: {} is not a repository file; record its sha256 and size by hand",
                        escape::text(id),
                        escape::text(uri)
                    );
                }
            }
            Outcome::Failed { file, reason } => {
                failed += 1;
                eprintln!("error: {}: {}", escape::text(file), escape::text(reason));
            }
        }
    }
    if recorded > 0 && a.dry.dry_run {
        eprintln!("would record {recorded} hash(es)");
    } else if recorded > 0 {
        eprintln!(
            "recorded {recorded} hash(es): review the files before committing, since the records now vouch for what is on disk"
        );
    }
    if outcomes.is_empty() {
        bail!("no evidence records in {}", a.repo.display());
    }
    Ok(if failed > 0 { 2 } else { 0 })
}
