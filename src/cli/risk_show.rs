//! `aegis risk show ID`: one risk with its scores, linked controls, the
//! gap engine's open gaps on them, and what each control removes from its
//! loss. Closed risks are shown too (they are on file).

use super::risk::{RegisterArgs, gap_json, load, rating_json};
use crate::model::{Date, Estimate, Risk, RiskRating};
use crate::output::escape;
use crate::risk::lifecycle::{acceptance_text, number, status_text, treatment_text};
use crate::risk::register::{self, LinkedGap};
use anyhow::bail;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The risk's id.
    pub id: String,
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    /// Judge dates (staleness, expiry, reviews) as of this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = |s: &str| s.parse::<Date>())]
    pub as_of: Option<Date>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// A linked control: its reference and, when it resolves, its title.
struct Linked {
    reference: String,
    title: Option<String>,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    let register = RegisterArgs {
        repo: None,
        repo_flag: Some(args.repo.clone()),
        system: None,
        category: None,
        as_of: args.as_of,
    };
    let (run, assessment) = load(&register)?;
    let risks = &run.outcome.repo.risks;
    let Some(located) = risks.iter().find(|r| r.value.id.as_str() == args.id) else {
        let names: Vec<String> = risks.iter().map(|r| r.value.id.0.clone()).collect();
        let hint = crate::validate::schema::did_you_mean(&args.id, &names)
            .map_or(String::new(), |s| format!("; did you mean `{s}`?"));
        bail!(
            "no risk `{}` in risks/ (or its file does not validate: run `aegis validate`){}",
            escape::text(&args.id),
            escape::text(&hint)
        );
    };
    let risk: &Risk = &located.value;
    let path = run
        .workspace
        .files
        .get(located.file)
        .map_or("", |f| f.path.as_str());
    let gaps = register::linked_gaps(risk, &assessment, None);
    let index = &run.outcome.index;
    let controls: Vec<Linked> = risk
        .controls
        .iter()
        .map(|c| {
            let title = match index.resolve(c, &[]) {
                crate::validate::Resolved::Found { framework, control } => {
                    index.control(&framework, control).map(|e| e.title.clone())
                }
                _ => None,
            }
            .filter(|t| !t.trim().is_empty());
            Linked {
                reference: c.0.clone(),
                title,
            }
        })
        .collect();
    let expired = risk.acceptance_expired(register.day());
    let text = match args.format {
        Format::Human => human(risk, path, &controls, &gaps, expired),
        Format::Json => json(risk, path, &controls, &gaps, expired),
    };
    super::deliver(None, &text)?;
    Ok(0)
}

fn rating(r: RiskRating) -> String {
    format!("{} ({}x{})", r.score(), r.likelihood, r.impact)
}

fn estimate(e: &Estimate) -> String {
    format!(
        "{} / {} / {}",
        number(e.min),
        number(e.most_likely),
        number(e.max)
    )
}

fn gap_text(g: &LinkedGap) -> String {
    format!(
        "{} {}:{} ({}){}",
        g.system,
        g.framework,
        g.control,
        g.reasons.join(", "),
        g.poam
            .as_ref()
            .map_or(String::new(), |p| format!(", POA&M {p}"))
    )
}

fn human(
    r: &Risk,
    path: &str,
    controls: &[Linked],
    gaps: &[LinkedGap],
    acceptance_expired: bool,
) -> String {
    let t = |s: &str| escape::text(s).into_owned();
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", t(&r.id.0), t(&r.title));
    let mut row = |name: &str, value: String| {
        let _ = writeln!(out, "  {name:<12} {value}");
    };
    row("file", t(path));
    row(
        "status",
        match (r.closed, &r.closed_reason) {
            (Some(d), Some(why)) => format!("{} on {d}: {}", status_text(r.status), t(why)),
            (Some(d), None) => format!("{} on {d}", status_text(r.status)),
            _ => status_text(r.status).to_string(),
        },
    );
    row("owner", t(&r.owner));
    row("category", t(r.category.as_deref().unwrap_or("-")));
    row(
        "systems",
        if r.systems.is_empty() {
            "every system".into()
        } else {
            t(&r.systems
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "))
        },
    );
    row("inherent", rating(r.inherent));
    row(
        "residual",
        if r.residual.is_some() {
            rating(r.residual_rating())
        } else {
            format!("{} (as inherent)", rating(r.residual_rating()))
        },
    );
    row("treatment", treatment_text(r.treatment).into());
    if r.acceptance.is_some() {
        let lapsed = if acceptance_expired { " (expired)" } else { "" };
        row(
            "accepted",
            format!("{}{lapsed}", t(&acceptance_text(&r.acceptance))),
        );
    }
    if let Some(l) = &r.loss {
        if let Some(f) = &l.frequency {
            row("frequency", format!("{} events a year", estimate(f)));
        }
        if let Some(m) = &l.magnitude {
            row("magnitude", format!("{} per event", estimate(m)));
        }
    }
    if let Some(d) = &r.description {
        row("description", t(d).replace('\n', "\n               "));
    }
    let _ = writeln!(out, "  controls ({}):", controls.len());
    for c in controls {
        let _ = writeln!(
            out,
            "    {}{}",
            t(&c.reference),
            c.title
                .as_ref()
                .map_or(String::new(), |x| format!("  {}", t(x)))
        );
    }
    if !r.reduced_by.is_empty() {
        let _ = writeln!(out, "  reduced by:");
        for x in &r.reduced_by {
            let mut parts = Vec::new();
            for (name, v) in [("frequency", x.frequency), ("magnitude", x.magnitude)] {
                if v > 0.0 {
                    parts.push(format!("{name} -{}%", number((v * 1000.0).round() / 10.0)));
                }
            }
            if parts.is_empty() {
                parts.push("nothing".into());
            }
            let _ = writeln!(out, "    {}: {}", t(&x.control.0), parts.join(", "));
        }
    }
    let _ = writeln!(out, "  open gaps ({}):", gaps.len());
    for g in gaps {
        let _ = writeln!(out, "    {}", t(&gap_text(g)));
    }
    out
}

fn json(
    r: &Risk,
    path: &str,
    controls: &[Linked],
    gaps: &[LinkedGap],
    acceptance_expired: bool,
) -> String {
    let doc = serde_json::json!({
        "version": 1,
        "risk": {
            "id": r.id.0,
            "title": r.title,
            "description": r.description,
            "owner": r.owner,
            "category": r.category,
            "systems": r.systems.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "status": status_text(r.status),
            "closed": r.closed.map(|d| d.to_string()),
            "closed_reason": r.closed_reason,
            "inherent": rating_json(r.inherent),
            "residual": rating_json(r.residual_rating()),
            "treatment": treatment_text(r.treatment),
            "acceptance": r.acceptance.as_ref().map(|a| serde_json::json!({
                "approver": a.approver,
                "accepted": a.accepted.to_string(),
                "until": a.until.map(|u| u.to_string()),
                "expired": acceptance_expired,
            })),
            "loss": r.loss,
            "controls": controls.iter().map(|c| serde_json::json!({
                "control": c.reference,
                "title": c.title,
            })).collect::<Vec<_>>(),
            "reduced_by": r.reduced_by,
            "gaps": gaps.iter().map(gap_json).collect::<Vec<_>>(),
            "path": path,
        }
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    escape::json(&text).into_owned()
}
