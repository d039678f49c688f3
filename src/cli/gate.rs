//! `aegis validate` and `aegis check`.

use crate::model::Date;
use crate::output::{self, Format, Report};
use crate::pipeline;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct GateArgs {
    /// The compliance repository (the directory holding aegis.yaml) [default: .].
    #[arg(value_name = "REPO", conflicts_with = "repo_flag")]
    pub repo: Option<PathBuf>,
    /// The compliance repository, as every other command takes it.
    #[arg(long = "repo", value_name = "REPO", id = "repo_flag")]
    pub repo_flag: Option<PathBuf>,
    /// Output format; on GitHub Actions the default is annotations plus human text.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Judge dates (expiry, staleness, reviews) as of this day instead of today (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
    #[command(flatten)]
    pub at: AtArg,
    /// Write the report to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

impl Color {
    /// Whether to colour output going to a terminal (`to_terminal`) or not:
    /// `auto` colours a terminal unless NO_COLOR is set.
    pub fn enabled(self, to_terminal: bool) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
}

/// `--at REV|DATE`: the repository as it was at a commit, read from git.
#[derive(Debug, Default, clap::Args)]
pub struct AtArg {
    /// Evaluate the repository as it was at a commit, read from git without a checkout: a
    /// revision (HEAD~3, a tag, a branch, a sha) or a day YYYY-MM-DD (the last commit on HEAD's
    /// first-parent line by the end of that day, UTC). Dates in the records are judged as of the
    /// commit's date unless --as-of is given.
    #[arg(long, value_name = "REV|DATE")]
    pub at: Option<String>,
}

impl AtArg {
    /// Loads the repository at `--at` through git, or `None` for the
    /// working tree.
    pub fn load(&self, repo: &Path) -> anyhow::Result<Option<crate::workspace::Workspace>> {
        let Some(at) = &self.at else {
            return Ok(None);
        };
        let git = crate::workspace::git::GitRepo::open(repo)?;
        let commit = git.resolve(&crate::workspace::git::At::parse(at))?;
        Ok(Some(git.load(&commit)?))
    }
}

/// Runs validation (or the gate, with `check`) on the working tree, or
/// on the commit `--at` names; dates are judged as of `as_of`, else the
/// commit's date, else today.
pub fn run_at(
    repo: &Path,
    at: &AtArg,
    as_of: Option<Date>,
    check: Option<pipeline::CheckOptions>,
) -> anyhow::Result<pipeline::Run> {
    Ok(match at.load(repo)? {
        Some(ws) => {
            let day = as_of
                .or_else(|| ws.source.commit().map(|c| c.date))
                .unwrap_or_else(Date::today_utc);
            pipeline::run_loaded(ws, day, check)
        }
        None => {
            let day = as_of.unwrap_or_else(Date::today_utc);
            match check {
                Some(opts) => pipeline::check(repo, day, opts)?,
                None => pipeline::validate(repo, day)?,
            }
        }
    })
}

/// The compliance repository's path relative to the checkout: the GitHub
/// workspace when on Actions, else the current directory. Empty when it is
/// the checkout itself or lies outside it.
fn checkout_prefix(repo: &Path) -> String {
    let base = std::env::var_os("GITHUB_WORKSPACE")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok());
    let (Some(base), Ok(repo)) = (
        base.and_then(|b| b.canonicalize().ok()),
        repo.canonicalize(),
    ) else {
        return String::new();
    };
    match repo.strip_prefix(&base) {
        Ok(rel) if !rel.as_os_str().is_empty() => {
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            format!("{}/", parts.join("/"))
        }
        _ => String::new(),
    }
}

impl GateArgs {
    pub fn repo(&self) -> &Path {
        self.repo
            .as_deref()
            .or(self.repo_flag.as_deref())
            .unwrap_or(Path::new("."))
    }
}

/// `aegis check`: the gate's arguments, and the ratchet.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub gate: GateArgs,
    /// Record today's gap counts in the ratchet file (gate.ratchet in
    /// aegis.yaml, aegis-ratchet.json by default); later runs fail only when
    /// a count gets worse. Commit the file.
    #[arg(long, conflicts_with = "at")]
    pub write_baseline: bool,
}

pub fn run(args: &GateArgs) -> anyhow::Result<u8> {
    run_with(args, None)
}

pub fn run_check(args: &CheckArgs) -> anyhow::Result<u8> {
    let code = run_with(
        &args.gate,
        Some(pipeline::CheckOptions {
            write_ratchet: args.write_baseline,
            appetite: true,
        }),
    )?;
    if args.write_baseline {
        eprintln!(
            "recorded today's gap counts in the ratchet file (gate.ratchet in aegis.yaml); commit it"
        );
    }
    Ok(code)
}

fn run_with(args: &GateArgs, check: Option<pipeline::CheckOptions>) -> anyhow::Result<u8> {
    let repo = args.repo();
    let run = run_at(repo, &args.at, args.as_of, check)?;
    let report = Report {
        diagnostics: &run.diagnostics,
        summary: run.summary,
        sources: &run.workspace.files,
        gate: run.gate,
        path_prefix: checkout_prefix(repo),
        weakened: &run.weakened,
        gaps: run.assessment.as_ref(),
        commit: run.workspace.source.commit(),
    };
    let on_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = args.color.enabled(to_terminal);
    let to_log = on_actions && args.output.is_none();
    let text = match args.format {
        Some(Format::Human) if to_log => {
            output::without_commands(&output::render(Format::Human, &report, color))
        }
        Some(f) => output::render(f, &report, color),
        None if on_actions => {
            let mut t = output::render(Format::Github, &report, false);
            t.push_str(&output::without_commands(&output::render(
                Format::Human,
                &report,
                color,
            )));
            t
        }
        None => output::render(Format::Human, &report, color),
    };
    super::deliver(args.output.as_deref(), &text)?;
    let failed = run.failed();
    // The process ends here; freeing every text, tree and record first
    // costs a quarter of a second on a large repository and buys nothing.
    std::mem::forget(run);
    Ok(u8::from(failed))
}
