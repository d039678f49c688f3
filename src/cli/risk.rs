//! `aegis risk list|heatmap`: the risk register with scores and the open
//! gaps on each risk's controls, and its 5 × 5 heat map. The lifecycle
//! (`add|update|close|accept`) is in `risk_edit.rs`, `show` in `risk_show.rs`.

use super::gate::{AtArg, Color};
use crate::model::{Date, Risk};
use crate::output::escape;
use crate::risk::heatmap::Grid;
use crate::risk::register::{self, Entry, Filter};
use anyhow::bail;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: RiskCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum RiskCommand {
    /// The register: scores, treatment, linked controls and their open gaps,
    /// highest residual score first.
    List(ListArgs),
    /// A 5 × 5 likelihood × impact table of the register (residual ratings
    /// unless --inherent).
    Heatmap(HeatmapArgs),
    /// Monte Carlo of annual loss: P50/P90/P99 per risk and for the register, the loss
    /// exceedance curve, and how much closing each open gap would reduce the expected loss.
    Simulate(super::risk_simulate::Args),
    /// Record a new risk: writes risks/<id>.yaml.
    Add(super::risk_edit::AddArgs),
    /// Change a risk in place (ratings, owner, controls, loss, reduced_by, ...), keeping the rest of its file.
    Update(super::risk_edit::UpdateArgs),
    /// Close a risk that no longer applies: kept on file with `status: closed`, out of the gate, heat maps and simulation.
    Close(super::risk_edit::CloseArgs),
    /// Accept a risk as it stands: `treatment: accept` with the approver and a review date.
    Accept(super::risk_edit::AcceptArgs),
    /// One risk: scores, linked controls, their open gaps, reduced_by.
    Show(super::risk_show::Args),
}

/// What `list` and `heatmap` share: the repository and the filters.
#[derive(Debug, clap::Args)]
pub struct RegisterArgs {
    /// The compliance repository (the directory holding aegis.yaml) [default: .].
    #[arg(value_name = "REPO", conflicts_with = "repo_flag")]
    pub repo: Option<PathBuf>,
    /// The compliance repository, as every other command takes it.
    #[arg(long = "repo", value_name = "REPO", id = "repo_flag")]
    pub repo_flag: Option<PathBuf>,
    /// Only risks about this system (or about every system); gaps in it only.
    #[arg(long)]
    pub system: Option<String>,
    /// Only risks of this category.
    #[arg(long)]
    pub category: Option<String>,
    /// Judge dates (staleness, expiry, reviews) as of this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = |s: &str| s.parse::<Date>())]
    pub as_of: Option<Date>,
}

impl RegisterArgs {
    fn repo(&self) -> &Path {
        self.repo
            .as_deref()
            .or(self.repo_flag.as_deref())
            .unwrap_or(Path::new("."))
    }

    /// The day dates are judged as of, as the run judges them.
    pub(super) fn day(&self) -> Date {
        self.as_of.unwrap_or_else(Date::today_utc)
    }

    fn filter(&self) -> Filter {
        Filter {
            system: self.system.clone(),
            category: self.category.clone(),
            closed: false,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub register: RegisterArgs,
    /// Closed risks too (left out otherwise).
    #[arg(long)]
    pub all: bool,
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
    Csv,
}

#[derive(Debug, clap::Args)]
pub struct HeatmapArgs {
    #[command(flatten)]
    pub register: RegisterArgs,
    /// Place risks at their inherent rating instead of their residual one.
    #[arg(long)]
    pub inherent: bool,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    match &args.command {
        RiskCommand::List(a) => list(a),
        RiskCommand::Heatmap(a) => heatmap(a),
        RiskCommand::Simulate(a) => super::risk_simulate::run(a),
        RiskCommand::Add(a) => super::risk_edit::add(a),
        RiskCommand::Update(a) => super::risk_edit::update(a),
        RiskCommand::Close(a) => super::risk_edit::close(a),
        RiskCommand::Accept(a) => super::risk_edit::accept(a),
        RiskCommand::Show(a) => super::risk_show::run(a),
    }
}

/// Runs the pipeline with the gap engine, as `aegis gaps` does.
pub(super) fn load(
    args: &RegisterArgs,
) -> anyhow::Result<(crate::pipeline::Run, crate::assess::Assessment)> {
    let repo = args.repo();
    let mut run = super::gate::run_at(
        repo,
        &AtArg::default(),
        args.as_of,
        Some(crate::pipeline::CheckOptions::default()),
    )?;
    let Some(a) = run.assessment.take() else {
        bail!(
            "{}: aegis.yaml did not validate, so there are no systems to assess; run `aegis validate` to see why",
            repo.display()
        );
    };
    if let Some(s) = &args.system {
        let known = run
            .outcome
            .repo
            .config
            .as_ref()
            .is_some_and(|c| c.systems.iter().any(|x| &x.id.0 == s));
        if !known {
            bail!(
                "aegis.yaml defines no system `{}`; see `systems:` there",
                escape::text(s)
            );
        }
    }
    Ok((run, a))
}

/// The register `args` selects (and closed risks when `closed`), handed to `f`.
fn with_entries<T>(
    args: &RegisterArgs,
    closed: bool,
    f: impl FnOnce(&[Entry]) -> T,
) -> anyhow::Result<T> {
    let (run, a) = load(args)?;
    let filter = Filter {
        closed,
        ..args.filter()
    };
    let entries = register::entries(&run.workspace, &run.outcome.repo, &a, &filter);
    Ok(f(&entries))
}

fn list(args: &ListArgs) -> anyhow::Result<u8> {
    let day = args.register.day();
    let text = with_entries(&args.register, args.all, |entries| match args.format {
        ListFormat::Human => human(entries, day),
        ListFormat::Json => json(entries, day),
        ListFormat::Csv => csv(entries),
    })?;
    super::deliver(None, &text)?;
    Ok(0)
}

fn rating(r: &Risk, residual: bool) -> String {
    let x = if residual {
        r.residual_rating()
    } else {
        r.inherent
    };
    format!("{} ({}x{})", x.score(), x.likelihood, x.impact)
}

fn treatment(r: &Risk) -> String {
    serde_json::to_value(r.treatment)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn gap_text(g: &register::LinkedGap) -> String {
    format!(
        "{} {}:{} ({})",
        g.system,
        g.framework,
        g.control,
        g.reasons.join(", ")
    )
}

fn human(entries: &[Entry], day: Date) -> String {
    if entries.is_empty() {
        return "no risks match\n".to_string();
    }
    let header = [
        "ID",
        "RESIDUAL",
        "INHERENT",
        "TREATMENT",
        "CATEGORY",
        "OWNER",
        "GAPS",
        "TITLE",
    ];
    let rows: Vec<[String; 8]> = entries
        .iter()
        .map(|e| {
            let r = e.risk;
            [
                escape::text(&r.id.0).into_owned(),
                rating(r, true),
                rating(r, false),
                if r.acceptance_expired(day) {
                    format!("{} (expired)", treatment(r))
                } else {
                    treatment(r)
                },
                escape::text(r.category.as_deref().unwrap_or("-")).into_owned(),
                escape::text(&r.owner).into_owned(),
                e.gaps.len().to_string(),
                if r.is_closed() {
                    format!("[closed] {}", escape::text(&r.title))
                } else {
                    escape::text(&r.title).into_owned()
                },
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                let _ = write!(s, "{cell:<w$}  ");
            }
        }
        s.push('\n');
        s
    };
    let mut out = line(&header);
    for (row, e) in rows.iter().zip(entries) {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        out.push_str(&line(&cells));
        if !e.risk.controls.is_empty() {
            let controls: Vec<String> = e
                .risk
                .controls
                .iter()
                .map(|c| escape::text(&c.0).into_owned())
                .collect();
            let _ = writeln!(out, "    controls: {}", controls.join(", "));
        }
        for g in &e.gaps {
            let _ = writeln!(out, "    open gap: {}", escape::text(&gap_text(g)));
        }
    }
    let gaps: usize = entries.iter().map(|e| e.gaps.len()).sum();
    let _ = writeln!(
        out,
        "\n{} risk(s), {gaps} open gap(s) on their controls. Scores are likelihood x impact (1-25); residual is inherent where none is given.",
        entries.len()
    );
    out
}

pub(super) fn gap_json(g: &register::LinkedGap) -> serde_json::Value {
    serde_json::json!({
        "system": g.system,
        "framework": g.framework,
        "control": g.control,
        "reasons": g.reasons,
        "poam": g.poam,
    })
}

pub(super) fn rating_json(x: crate::model::RiskRating) -> serde_json::Value {
    serde_json::json!({"likelihood": x.likelihood, "impact": x.impact, "score": x.score()})
}

fn json(entries: &[Entry], day: Date) -> String {
    let risks: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            let r = e.risk;
            serde_json::json!({
                "id": r.id.0,
                "title": r.title,
                "owner": r.owner,
                "category": r.category,
                "systems": r.systems.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
                "inherent": rating_json(r.inherent),
                "residual": rating_json(r.residual_rating()),
                "treatment": treatment(r),
                "acceptance_expired": r.acceptance_expired(day),
                "status": if r.is_closed() { "closed" } else { "open" },
                "controls": r.controls.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
                "gaps": e.gaps.iter().map(gap_json).collect::<Vec<_>>(),
                "path": e.path,
            })
        })
        .collect();
    let doc = serde_json::json!({"version": 1, "risks": risks});
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    escape::json(&text).into_owned()
}

fn csv(entries: &[Entry]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "id",
        "title",
        "owner",
        "category",
        "inherent_score",
        "residual_score",
        "treatment",
        "controls",
        "open_gaps",
        "gaps",
    ]);
    for e in entries {
        let r = e.risk;
        let controls: Vec<&str> = r.controls.iter().map(|c| c.0.as_str()).collect();
        let gaps: Vec<String> = e.gaps.iter().map(gap_text).collect();
        let row = [
            r.id.0.clone(),
            r.title.clone(),
            r.owner.clone(),
            r.category.clone().unwrap_or_default(),
            r.inherent_score().to_string(),
            r.residual_score().to_string(),
            treatment(r),
            controls.join(" "),
            e.gaps.len().to_string(),
            gaps.join("; "),
        ];
        let _ = w.write_record(row.iter().map(|c| escape::csv_cell(c).into_owned()));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn heatmap(args: &HeatmapArgs) -> anyhow::Result<u8> {
    let grid = with_entries(&args.register, false, |entries| {
        Grid::of(entries.iter().map(|e| {
            let x = if args.inherent {
                e.risk.inherent
            } else {
                e.risk.residual_rating()
            };
            (e.risk.id.0.as_str(), x.likelihood, x.impact)
        }))
    })?;
    let color = args.color.enabled(std::io::stdout().is_terminal());
    let title = if args.inherent {
        "Inherent risk heat map (likelihood x impact)"
    } else {
        "Residual risk heat map (likelihood x impact)"
    };
    super::deliver(None, &grid.table(title, color))?;
    Ok(0)
}
