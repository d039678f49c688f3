//! `aegis report KIND`: the documents a compliance program hands over
//! (SSP, assessment plan and results, POA&M, gaps, crosswalk, evidence,
//! policies, risks, a dashboard), rendered from one run of the pipeline.

use crate::model::Date;
use crate::pipeline;
use crate::report::manifest::{Artifact, Manifest};
use crate::report::template::Templates;
use crate::report::view::{self, Scope};
use crate::report::{Input, Meta, chart, html, oscal, pdf, site, table};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to render.
    #[arg(value_enum)]
    pub kind: Kind,
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    /// Only this system.
    #[arg(long)]
    pub system: Option<String>,
    /// Only this framework, or framework@baseline.
    #[arg(long, value_name = "FRAMEWORK[@BASELINE]")]
    pub baseline: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,
    /// Judge dates (staleness, expiry, reviews) as of this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = |s: &str| s.parse::<Date>())]
    pub as_of: Option<Date>,
    /// With --format pdf: stop the browser after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub pdf_timeout: u64,
    /// Write the report to this file, with its manifest beside it
    /// (`FILE.manifest.json`); without it, text formats go to standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Gaps,
    Ssp,
    Sap,
    Sar,
    Poam,
    Crosswalk,
    Evidence,
    Policies,
    Risks,
    Dashboard,
    /// Every report as one static HTML site; needs --output DIR.
    Site,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Gaps => "gaps",
            Kind::Ssp => "ssp",
            Kind::Sap => "sap",
            Kind::Sar => "sar",
            Kind::Poam => "poam",
            Kind::Crosswalk => "crosswalk",
            Kind::Evidence => "evidence",
            Kind::Policies => "policies",
            Kind::Risks => "risks",
            Kind::Dashboard => "dashboard",
            Kind::Site => "site",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Markdown,
    /// One self-contained page (the dashboard with its charts).
    Html,
    /// The HTML page printed by a headless Chromium; needs --output.
    Pdf,
    /// The report's data as JSON (what the templates read).
    Json,
    /// POA&M and gaps only.
    Csv,
    /// POA&M and gaps only; needs --output.
    Xlsx,
    /// OSCAL 1.1.2 JSON: `ssp`, `sar` (assessment results) and `poam`, one
    /// system at a time.
    Oscal,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Oscal => "oscal",
        }
    }
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    if args.kind == Kind::Site {
        return site(args);
    }
    let tabular = matches!(args.kind, Kind::Poam | Kind::Gaps);
    if matches!(args.format, Format::Csv | Format::Xlsx) && !tabular {
        bail!(
            "`{}` has no {} form; CSV and XLSX are for `poam` and `gaps` (use --format markdown or json)",
            args.kind.name(),
            args.format.name()
        );
    }
    if args.format == Format::Oscal && !matches!(args.kind, Kind::Ssp | Kind::Sar | Kind::Poam) {
        bail!(
            "`{}` has no OSCAL form; OSCAL is for `ssp`, `sar` and `poam`",
            args.kind.name()
        );
    }
    if args.format == Format::Xlsx && args.output.is_none() {
        bail!("XLSX is a binary file: name it with --output FILE.xlsx");
    }
    if args.format == Format::Pdf && args.output.is_none() {
        bail!("PDF is a binary file: name it with --output FILE.pdf");
    }
    let loaded = load(args)?;
    let input = loaded.input();
    let view = view::build(&input, &loaded.scope);
    let (run, meta) = (&loaded.run, &loaded.meta);
    let bytes: Vec<u8> = match args.format {
        Format::Markdown => Templates::new(&args.repo)
            .render(&format!("markdown/{}.md.j2", args.kind.name()), &view)?
            .into_bytes(),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&view)?;
            s.push('\n');
            crate::output::escape::json(&s).into_owned().into_bytes()
        }
        Format::Html | Format::Pdf => {
            let templates = Templates::new(&args.repo);
            let md = templates.render(&format!("markdown/{}.md.j2", args.kind.name()), &view)?;
            let mut body = html::from_markdown(&md);
            if args.kind == Kind::Dashboard {
                body.push_str(&chart::figures(&view));
            }
            if args.kind == Kind::Risks {
                body.push_str(&chart::risk_figures(&view));
            }
            let name = site::PAGES
                .iter()
                .find(|(stem, _)| *stem == args.kind.name())
                .map_or("Compliance dashboard", |(_, title)| *title);
            let title = format!("{name}: {}", view.repository);
            let page = html::page(
                &templates,
                &title,
                meta,
                &[],
                "",
                &body,
                html::Assets::Inline,
            )?;
            if args.format == Format::Pdf {
                pdf::print(
                    &page,
                    &meta.generated,
                    std::time::Duration::from_secs(args.pdf_timeout),
                )?
            } else {
                page.into_bytes()
            }
        }
        Format::Oscal => {
            let system = oscal_system(args, run)?;
            let doc = match args.kind {
                Kind::Ssp => oscal::ssp(&input, &system),
                Kind::Sar => oscal::assessment_results(&input, &system),
                _ => oscal::poam(&input, &system),
            }?;
            let mut s = serde_json::to_string_pretty(&doc)?;
            s.push('\n');
            crate::output::escape::json(&s).into_owned().into_bytes()
        }
        Format::Csv | Format::Xlsx => {
            let t = if args.kind == Kind::Poam {
                table::poam(&view)
            } else {
                table::gaps(&view)
            };
            if args.format == Format::Csv {
                t.csv()
            } else {
                t.xlsx().context("cannot write the XLSX workbook")?
            }
        }
    };
    drop(view);
    // The loaded repository is no longer needed; freeing it costs time.
    std::mem::forget(loaded.run);
    match &args.output {
        Some(path) => write_with_manifest(path, &bytes, &loaded.meta, args)?,
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&bytes);
            let _ = out.flush();
        }
    }
    Ok(0)
}

/// One run of the gate: what every report is made from.
struct Loaded {
    run: pipeline::Run,
    assessment: crate::assess::Assessment,
    meta: Meta,
    as_of: Date,
    scope: Scope,
}

impl Loaded {
    fn input(&self) -> Input<'_> {
        Input {
            run: &self.run,
            assessment: &self.assessment,
            meta: &self.meta,
            as_of: self.as_of,
        }
    }
}

fn load(args: &Args) -> anyhow::Result<Loaded> {
    let as_of = args.as_of.unwrap_or_else(Date::today_utc);
    let mut run = pipeline::check(&args.repo, as_of, pipeline::CheckOptions::default())?;
    let Some(assessment) = run.assessment.take() else {
        bail!(
            "{}: aegis.yaml did not validate, so there is nothing to report; run `aegis validate` to see why",
            args.repo.display()
        );
    };
    let scope = scope(args, &run)?;
    Ok(Loaded {
        meta: Meta::of(&args.repo, as_of),
        run,
        assessment,
        as_of,
        scope,
    })
}

/// `aegis report site -o DIR`: every report and a page per control.
fn site(args: &Args) -> anyhow::Result<u8> {
    if !matches!(args.format, Format::Markdown | Format::Html) {
        bail!("the site is HTML; leave out --format, or use --format html");
    }
    let Some(dir) = &args.output else {
        bail!("a site is a directory of pages: name it with --output DIR");
    };
    let loaded = load(args)?;
    let input = loaded.input();
    let view = view::build(&input, &loaded.scope);
    let files = site::build(&Templates::new(&args.repo), &input, &view)?;
    let written = site::write(dir, &files, &loaded.meta)?;
    drop(view);
    std::mem::forget(loaded.run);
    eprintln!(
        "wrote {written} files to {} (open index.html)",
        crate::output::escape::text(&dir.display().to_string())
    );
    Ok(0)
}

/// The systems aegis.yaml defines, in its order.
fn system_ids(run: &pipeline::Run) -> Vec<&str> {
    run.outcome
        .repo
        .config
        .as_ref()
        .map(|c| c.systems.iter().map(|s| s.id.0.as_str()).collect())
        .unwrap_or_default()
}

/// OSCAL documents describe one system: the one named, or the only one.
fn oscal_system(args: &Args, run: &pipeline::Run) -> anyhow::Result<String> {
    if let Some(s) = &args.system {
        return Ok(s.clone());
    }
    let systems = system_ids(run);
    match systems.as_slice() {
        [one] => Ok((*one).to_string()),
        _ => bail!(
            "an OSCAL {} describes one system: name it with --system (systems: {})",
            args.kind.name(),
            systems.join(", ")
        ),
    }
}

fn scope(args: &Args, run: &pipeline::Run) -> anyhow::Result<Scope> {
    let systems = system_ids(run);
    if let Some(s) = &args.system
        && !systems.contains(&s.as_str())
    {
        bail!(
            "no system `{}` in aegis.yaml (systems: {})",
            crate::output::escape::text(s),
            systems.join(", ")
        );
    }
    let (framework, baseline) = match args
        .baseline
        .as_deref()
        .map(|b| b.split_once('@').unwrap_or((b, "")))
    {
        Some((f, b)) => (Some(f.to_string()), (!b.is_empty()).then(|| b.to_string())),
        None => (None, None),
    };
    Ok(Scope {
        system: args.system.clone(),
        framework,
        baseline,
    })
}

fn write_with_manifest(path: &Path, bytes: &[u8], meta: &Meta, args: &Args) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .context("--output must name a file")?;
    crate::write::write_output(path, bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    let manifest = Manifest::new(
        meta,
        args.kind.name(),
        args.format.name(),
        vec![Artifact::of(&name, bytes)],
    );
    let mpath = path.with_file_name(format!("{name}.manifest.json"));
    crate::write::write_atomic(&mpath, manifest.to_json().as_bytes())
        .with_context(|| format!("cannot write {}", mpath.display()))?;
    Ok(())
}
