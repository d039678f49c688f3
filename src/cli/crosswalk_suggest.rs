//! `aegis crosswalk suggest|accept|reject`: ranked candidate pairs between
//! two frameworks, and the decisions on them.

use crate::crosswalk::decide::{self, Outcome};
use crate::crosswalk::suggest::{self, Request, Suggestions, Weights};
use crate::diag::Severity;
use crate::model::{ControlRef, Date, RelationKind};
use crate::output::escape;
use crate::validate::{self, FrameworkEntry, Index, Resolved};
use anyhow::{anyhow, bail};
use serde::Serialize;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct SuggestArgs {
    /// The framework whose controls need targets.
    pub from: String,
    /// The framework to find them in.
    pub to: String,
    /// Candidates per source control.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub top: u16,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Only this source control (repeatable).
    #[arg(long = "source", value_name = "CONTROL")]
    pub sources: Vec<String>,
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct DecideArgs {
    pub from: String,
    pub to: String,
    /// The control of FROM.
    pub source: String,
    /// The control of TO.
    pub target: String,
    /// The relationship an accepted pair is recorded with (accept only;
    /// default intersects-with).
    #[arg(long = "type", value_enum)]
    pub kind: Option<Kind>,
    /// Who decided (recorded as `by`).
    #[arg(long)]
    pub by: Option<String>,
    /// Why (recorded as `note`).
    #[arg(long)]
    pub note: Option<String>,
    /// The day of the decision (default today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub on: Option<Date>,
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
}

/// The relationship types an accepted pair may have (`no-relationship` is
/// what `reject` says).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Equal,
    SubsetOf,
    SupersetOf,
    IntersectsWith,
}

impl From<Kind> for RelationKind {
    fn from(k: Kind) -> RelationKind {
        match k {
            Kind::Equal => RelationKind::Equal,
            Kind::SubsetOf => RelationKind::SubsetOf,
            Kind::SupersetOf => RelationKind::SupersetOf,
            Kind::IntersectsWith => RelationKind::IntersectsWith,
        }
    }
}

/// Loads the repository's checked records, warning when some files could
/// not be read (they are left out, and `aegis validate` says why).
fn load(
    repo: &std::path::Path,
) -> anyhow::Result<(crate::workspace::Workspace, validate::Outcome)> {
    let ws = crate::workspace::load(repo)?;
    let outcome = validate::index_only(&ws);
    let errors = outcome
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if errors > 0 {
        eprintln!(
            "warning: the repository has {errors} error(s), and files that fail their schema are left out; `aegis validate` lists them"
        );
    }
    Ok((ws, outcome))
}

fn framework<'i>(index: &'i Index, id: &str) -> anyhow::Result<&'i FrameworkEntry> {
    if let Some(e) = index.frameworks.get(id) {
        return Ok(e);
    }
    let names: Vec<String> = index.frameworks.keys().cloned().collect();
    let hint = match index.hints.did_you_mean(id, &names) {
        Some(s) => format!("did you mean `{s}`?"),
        None if names.is_empty() => "import one with `aegis framework import`".into(),
        None => format!("known frameworks: {}", names.join(", ")),
    };
    Err(anyhow!(
        "framework `{}` is not in the repository; {hint}",
        escape::text(id)
    ))
}

/// The position of control `id` of framework `fw`, or an error with a
/// "did you mean".
fn control(index: &Index, fw: &str, id: &str, role: &str) -> anyhow::Result<usize> {
    let entry = framework(index, fw)?;
    if let Some(i) = entry.control(id) {
        return Ok(i);
    }
    let hint = match index.resolve(&ControlRef(format!("{fw}:{id}")), &[]) {
        Resolved::UnknownControl {
            suggestion: Some(s),
            ..
        } => format!("; did you mean `{}`?", escape::text(&s)),
        _ => format!("; `aegis framework show {fw}` lists its controls"),
    };
    bail!(
        "{role} `{}` is not a control of `{fw}`{hint}",
        escape::text(id)
    )
}

pub fn run_suggest(a: &SuggestArgs) -> anyhow::Result<u8> {
    let (_ws, outcome) = load(&a.repo)?;
    let index = &outcome.index;
    let (fe, te) = (framework(index, &a.from)?, framework(index, &a.to)?);
    let only: Vec<usize> = a
        .sources
        .iter()
        .map(|s| control(index, &a.from, s, "source"))
        .collect::<anyhow::Result<_>>()?;
    for &s in &only {
        if fe.controls[s].withdrawn {
            bail!(
                "source `{}` is withdrawn from `{}`; suggestions are made for live controls only",
                escape::text(fe.controls[s].display()),
                a.from
            );
        }
    }
    let req = Request {
        from: &a.from,
        to: &a.to,
        top: usize::from(a.top),
        only: (!a.sources.is_empty()).then_some(only.as_slice()),
    };
    let s = suggest::suggest(&outcome.repo, index, &req, &Weights::default())?;
    let out = match a.format {
        Format::Json => json(&a.from, &a.to, fe, te, &s)?,
        Format::Human => human(&a.from, &a.to, fe, te, &s, a.top),
    };
    print!("{out}");
    Ok(0)
}

#[derive(Serialize)]
struct JsonOut<'a> {
    version: u32,
    from: &'a str,
    to: &'a str,
    suggestions: Vec<JsonSource<'a>>,
}

#[derive(Serialize)]
struct JsonSource<'a> {
    source: &'a str,
    candidates: Vec<JsonCandidate<'a>>,
}

#[derive(Serialize)]
struct JsonCandidate<'a> {
    target: &'a str,
    score: f64,
}

fn json(
    from: &str,
    to: &str,
    fe: &FrameworkEntry,
    te: &FrameworkEntry,
    s: &Suggestions,
) -> anyhow::Result<String> {
    let out = JsonOut {
        version: 1,
        from,
        to,
        suggestions: s
            .sources
            .iter()
            .map(|x| JsonSource {
                source: fe.controls[x.source].display(),
                candidates: x
                    .candidates
                    .iter()
                    .map(|&(t, score)| JsonCandidate {
                        target: te.controls[t].display(),
                        score,
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&out)?;
    text.push('\n');
    Ok(text)
}

/// Titles are cut so a line stays readable.
fn short(title: &str) -> String {
    const MAX: usize = 72;
    let t = escape::text(title);
    match t.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.into_owned(),
    }
}

fn human(
    from: &str,
    to: &str,
    fe: &FrameworkEntry,
    te: &FrameworkEntry,
    s: &Suggestions,
    top: u16,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{from} -> {to}: {} source control(s), up to {top} candidate(s) each (pairs already mapped or decided are left out)",
        s.sources.len()
    );
    for x in &s.sources {
        let c = &fe.controls[x.source];
        let _ = writeln!(out, "\n{}  {}", escape::text(c.display()), short(&c.title));
        if x.candidates.is_empty() {
            out.push_str("    (no candidate shares words or paths with it)\n");
        }
        let width = x
            .candidates
            .iter()
            .map(|&(t, _)| escape::text(te.controls[t].display()).chars().count())
            .max()
            .unwrap_or(0);
        for &(t, score) in &x.candidates {
            let tc = &te.controls[t];
            let _ = writeln!(
                out,
                "    {score:.4}  {:<width$}  {}",
                escape::text(tc.display()),
                short(&tc.title)
            );
        }
    }
    let _ = writeln!(
        out,
        "\nrecord a decision: aegis crosswalk accept|reject {from} {to} SOURCE TARGET"
    );
    out
}

pub fn run_decide(a: &DecideArgs, accepted: bool) -> anyhow::Result<u8> {
    let (ws, outcome) = load(&a.repo)?;
    let index = &outcome.index;
    if a.from == a.to {
        bail!(
            "FROM and TO are both `{}`; a decision pairs two frameworks",
            escape::text(&a.from)
        );
    }
    let s = control(index, &a.from, &a.source, "source")?;
    let t = control(index, &a.to, &a.target, "target")?;
    let (sc, tc) = (
        &index.frameworks[&a.from].controls[s],
        &index.frameworks[&a.to].controls[t],
    );
    for (c, fw) in [(sc, &a.from), (tc, &a.to)] {
        if c.withdrawn {
            let moved: Vec<&str> = c.replaced_by.iter().map(|m| m.as_str()).collect();
            let hint = if moved.is_empty() {
                String::new()
            } else {
                format!("; its requirements went to {}", moved.join(", "))
            };
            bail!(
                "`{}` is withdrawn from `{fw}`{hint}",
                escape::text(c.display())
            );
        }
    }
    if !accepted && a.kind.is_some() {
        bail!("--type is for `accept`; a rejected pair has no relationship");
    }
    let paths: Vec<&str> = ws.files.iter().map(|f| f.path.as_str()).collect();
    let req = decide::Request {
        from: &a.from,
        to: &a.to,
        source: sc.display(),
        target: tc.display(),
        accepted,
        kind: a.kind.unwrap_or(Kind::IntersectsWith).into(),
        by: a.by.clone(),
        note: a.note.clone(),
        on: a.on.unwrap_or_else(Date::today_utc),
    };
    let pair = format!(
        "{} -> {}",
        escape::text(sc.display()),
        escape::text(tc.display())
    );
    let verb = if accepted { "accepted" } else { "rejected" };
    match decide::record(&ws.root, &outcome.repo, index, &paths, &req)? {
        Outcome::Written { path, created } => {
            let how = if created { "created" } else { "updated" };
            println!("{verb} {pair}: {how} {}", escape::text(&path));
        }
        Outcome::AlreadyDecided { path } => {
            println!(
                "{pair} is already {verb} in {}; nothing changed",
                escape::text(&path)
            );
        }
        Outcome::AlreadyMapped { path, provenance } => {
            println!(
                "{pair} is already mapped in {} ({}); nothing to decide, nothing changed",
                escape::text(&path),
                provenance.as_str()
            );
        }
    }
    Ok(0)
}
