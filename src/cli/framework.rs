//! `aegis framework import|list|show|export|diff`.

use crate::import::{self, ImportOptions, native, oscal::profile::Orphans};
use crate::output::escape;
use anyhow::{Context, bail};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Import an OSCAL catalog or profile (JSON, YAML, XML), a sheet, or a Prowler,
    /// ComplianceAsCode or CISO Assistant file into controls/.
    Import(ImportArgs),
    /// Download a pinned official source (checksum-verified) and import it.
    Fetch(FetchArgs),
    /// List the frameworks of the repository with their baselines.
    List(RepoArg),
    /// Show the controls of a framework, or of one baseline (ID@BASELINE).
    Show(ShowArgs),
    /// Export a framework as an OSCAL catalog, or a baseline (ID@BASELINE) as an OSCAL profile.
    Export(ExportArgs),
    /// Compare two frameworks (repository ids or source files).
    Diff(DiffArgs),
}

#[derive(Debug, clap::Args)]
pub struct RepoArg {
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
}

/// `--dry-run` for a command that writes records (`crate::change`).
#[derive(Debug, clap::Args)]
pub struct DryRunArg {
    /// Make every check and print what would be written (a new file whole, an edit as a diff), but write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl DryRunArg {
    /// `done` ("wrote"), or under --dry-run "would `planned`" ("would write").
    pub fn verb(&self, done: &str, planned: &str) -> String {
        if self.dry_run {
            format!("would {planned}")
        } else {
            done.to_string()
        }
    }

    /// Under --dry-run, prints what would have been written (collected in
    /// `planned`) and says on stderr that nothing was.
    pub fn finish(&self, planned: &[u8]) {
        if self.dry_run {
            // Standard output is never an error (a closed pipe is ignored).
            let _ = super::deliver(None, &String::from_utf8_lossy(planned));
            eprintln!("nothing was written (--dry-run)");
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The source document; its format is judged by content, not extension.
    pub file: PathBuf,
    /// Framework id (default: derived from the source's title, e.g. nist-800-53-rev5).
    #[arg(long)]
    pub id: Option<String>,
    /// For a profile: the imported framework to resolve against and attach the baseline to.
    #[arg(long, value_name = "ID")]
    pub catalog: Option<String>,
    /// For a profile: the baseline id (default: derived from its title, e.g. moderate).
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Drop selected enhancements whose parent control is not selected (as NIST's 5.0.1 resolver did).
    #[arg(long)]
    pub drop_orphans: bool,
    /// Read FILE as a sheet (CSV or XLSX), filling fields from columns:
    /// id=COL,title=COL,statement=COL,group=COL,parent=COL,label=COL,prop.NAME=COL.
    #[arg(long, value_name = "MAP")]
    pub columns: Option<String>,
    /// For a sheet (CSV or XLSX): the XLSX sheet to read (default: the first whose header matches).
    #[arg(long)]
    pub sheet: Option<String>,
    /// For a sheet: rows to skip below the header row (e.g. a row of column descriptions).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub skip_rows: usize,
    /// For a non-OSCAL source: the framework's title (default: from the source).
    #[arg(long)]
    pub title: Option<String>,
    /// For a non-OSCAL source: the framework's version.
    #[arg(long, value_name = "VERSION")]
    pub framework_version: Option<String>,
    #[command(flatten)]
    pub repo: RepoArg,
}

#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// The pinned source (see --list).
    #[arg(required_unless_present = "list")]
    pub name: Option<String>,
    /// List the pinned sources instead of fetching.
    #[arg(long)]
    pub list: bool,
    /// Where downloads are kept (default: ~/.cache/aegis, or $XDG_CACHE_HOME/aegis).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Download from this base URL (a mirror) instead of the official host;
    /// the AEGIS_FETCH_BASE_URL environment variable does the same.
    #[arg(long, value_name = "URL")]
    pub mirror: Option<String>,
    /// The SHA-256 you expect; it must equal the pinned one.
    #[arg(long, value_name = "HEX")]
    pub sha256: Option<String>,
    /// Import the download without checking it against its pinned SHA-256
    /// (a mirror that re-publishes the file); the SHA-256 of what was read is recorded.
    #[arg(long)]
    pub insecure_skip_checksum: bool,
    /// Give up on a stalled download after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// For a profile: the imported framework to resolve against.
    #[arg(long, value_name = "ID")]
    pub catalog: Option<String>,
    /// For a profile: the baseline id (default: derived from its title).
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    #[command(flatten)]
    pub repo: RepoArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowFormat {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Framework id, optionally with a baseline: nist-800-53-rev5@moderate.
    pub what: String,
    #[arg(long, value_enum, default_value_t = ShowFormat::Human)]
    pub format: ShowFormat,
    #[command(flatten)]
    pub repo: RepoArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    OscalJson,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// A framework id, or ID@BASELINE to export a baseline as an OSCAL profile.
    pub id: String,
    /// For a baseline: the href its profile imports the catalog by (default: ID.json).
    #[arg(long, value_name = "HREF")]
    pub catalog_href: Option<String>,
    #[arg(long, value_enum, default_value_t = ExportFormat::OscalJson)]
    pub format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub repo: RepoArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The older framework: a repository id or an OSCAL catalog file.
    pub old: String,
    /// The newer framework: a repository id or an OSCAL catalog file.
    pub new: String,
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
    /// A reworded control whose normalised statement words are at most this
    /// similar (0 to 1) is a significant change, else a minor one.
    #[arg(long, default_value_t = import::diff::DEFAULT_THRESHOLD, value_parser = parse_threshold)]
    pub threshold: f64,
    #[command(flatten)]
    pub repo: RepoArg,
}

fn parse_threshold(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a number from 0 to 1")),
    }
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    match &args.command {
        Sub::Import(a) => run_import(a),
        Sub::Fetch(a) => run_fetch(a),
        Sub::List(a) => run_list(a),
        Sub::Show(a) => run_show(a),
        Sub::Export(a) => run_export(a),
        Sub::Diff(a) => run_diff(a),
    }
}

fn require_repo(repo: &Path) -> anyhow::Result<()> {
    if !repo.join(crate::workspace::CONFIG_FILE).is_file() {
        bail!(
            "{} has no aegis.yaml; run `aegis init {}` first, or pass --repo",
            repo.display(),
            repo.display()
        );
    }
    Ok(())
}

/// Prints what a command shows. Titles, statements and ids come from
/// sources anyone can write: their control characters are escaped, and on
/// GitHub Actions the text is fenced so none of its lines can act as a
/// workflow command.
pub(super) fn print(text: &str) {
    emit(escape::lines(text));
}

/// Prints JSON, escaped so that it stays the same JSON.
pub(super) fn print_json(text: &str) {
    emit(escape::json(text));
}

fn emit(safe: std::borrow::Cow<'_, str>) {
    let on_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let shown = if on_actions {
        crate::output::without_commands(&safe)
    } else {
        safe.into_owned()
    };
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not worth a panic.
    let _ = out.write_all(shown.as_bytes());
    let _ = out.flush();
}

fn run_import(a: &ImportArgs) -> anyhow::Result<u8> {
    require_repo(&a.repo.repo)?;
    let opts = ImportOptions {
        id: a.id.clone(),
        catalog: a.catalog.clone(),
        baseline: a.baseline.clone(),
        orphans: if a.drop_orphans {
            Orphans::Drop
        } else {
            Orphans::Keep
        },
        source_url: None,
        columns: a.columns.clone(),
        sheet: a.sheet.clone(),
        skip_rows: a.skip_rows,
        title: a.title.clone(),
        version: a.framework_version.clone(),
    };
    let out = import::import(&a.repo.repo, &a.file, &opts)?;
    for note in &out.notes {
        eprintln!("note: {}", escape::text(note));
    }
    let changed = out.written.iter().filter(|(_, c)| *c).count();
    if let Some(summary) = &out.summary {
        eprintln!("{summary} ({changed} file(s) changed)");
        return Ok(0);
    }
    match &out.baseline {
        Some(b) => eprintln!(
            "imported baseline `{}@{b}`: {} controls ({} file(s) changed)",
            out.framework, out.controls, changed
        ),
        None => eprintln!(
            "imported framework `{}`: {} controls in {} file(s) ({} changed)",
            out.framework,
            out.controls,
            out.written.len(),
            changed
        ),
    }
    print_next_step(&a.repo.repo, &out);
    Ok(0)
}

/// After an import: how to select what was imported for a system in
/// `aegis.yaml`, as YAML to paste, unless a system selects it already.
fn print_next_step(repo: &Path, out: &import::Outcome) {
    if let Some(text) = next_step(
        repo,
        &out.framework,
        out.baseline.as_deref(),
        &out.baselines,
    ) {
        eprint!("{text}");
    }
}

fn next_step(
    repo: &Path,
    framework: &str,
    baseline: Option<&str>,
    offered: &[String],
) -> Option<String> {
    let systems = configured_systems(repo);
    let selected = systems.iter().any(|(_, picks)| {
        picks
            .iter()
            .any(|(f, b)| f == framework && b.as_deref() == baseline)
    });
    if selected {
        return None;
    }
    let system = systems.first().map_or("<system-id>", |(id, _)| id.as_str());
    let mut text = format!(
        "next: to assess a system against it, add it to that system's `frameworks` in aegis.yaml:\n\n  systems:\n    - id: {system}\n      frameworks:\n        - framework: {framework}\n"
    );
    match baseline {
        Some(b) => text.push_str(&format!("          baseline: {b}\n")),
        None if !offered.is_empty() => text.push_str(&format!(
            "\n  (add `baseline: <id>` to assess one of its baselines: {})\n",
            offered.join(", ")
        )),
        None => {}
    }
    Some(text)
}

/// A system's id and the (framework, baseline) pairs it selects.
type SystemPicks = (String, Vec<(String, Option<String>)>);

/// The systems of `aegis.yaml` with what each selects; empty when the file
/// cannot be read (`validate` says why).
fn configured_systems(repo: &Path) -> Vec<SystemPicks> {
    let Ok(text) = std::fs::read_to_string(repo.join(crate::workspace::CONFIG_FILE)) else {
        return Vec::new();
    };
    let Ok(tree) = crate::workspace::yaml::parse(
        text.trim_start_matches('\u{feff}'),
        Default::default(),
        Default::default(),
    ) else {
        return Vec::new();
    };
    let items = |n: Option<&crate::workspace::yaml::Node>| match n.map(|n| &n.value) {
        Some(crate::workspace::yaml::Value::Seq(items)) => items.clone(),
        _ => Vec::new(),
    };
    items(tree.get("systems"))
        .iter()
        .filter_map(|s| {
            let id = s.get("id")?.as_str()?.to_string();
            let picks = items(s.get("frameworks"))
                .iter()
                .filter_map(|f| {
                    let fw = f.get("framework")?.as_str()?.to_string();
                    let b = f
                        .get("baseline")
                        .and_then(|b| b.as_str())
                        .map(str::to_string);
                    Some((fw, b))
                })
                .collect();
            Some((id, picks))
        })
        .collect()
}

fn run_fetch(a: &FetchArgs) -> anyhow::Result<u8> {
    use crate::fetch;
    if a.list {
        let mut rows = vec![[
            "NAME".to_string(),
            "VERSION".into(),
            "SHA-256".into(),
            "TITLE".into(),
        ]];
        for e in fetch::REGISTRY {
            let sha = e
                .sha256
                .map_or("(none pinned)".to_string(), |s| s[..12].to_string());
            rows.push([e.name.into(), e.version.into(), sha, e.title.into()]);
        }
        print(&table(&rows));
        return Ok(0);
    }
    require_repo(&a.repo.repo)?;
    let Some(name) = &a.name else {
        bail!("name a pinned source, or pass --list")
    };
    let entry = fetch::lookup(name)?;
    let cache = match &a.cache_dir {
        Some(d) => d.clone(),
        None => fetch::default_cache_dir()
            .context("no cache directory (HOME is not set); pass --cache-dir")?,
    };
    let mut opts = fetch::FetchOptions::new(cache);
    opts.base_url.clone_from(&a.mirror);
    opts.progress = std::io::stderr().is_terminal();
    opts.timeout = std::time::Duration::from_secs(a.timeout.max(1));
    opts.sha256.clone_from(&a.sha256);
    opts.insecure_skip_checksum = a.insecure_skip_checksum;
    let base = opts
        .base_url
        .clone()
        .or_else(|| {
            std::env::var(fetch::BASE_URL_ENV)
                .ok()
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| fetch::DEFAULT_BASE_URL.to_string());
    let path = fetch::fetch_with(entry, &opts).map_err(|e| match e {
        // Offline, or the host is down: say how to go on without it.
        fetch::FetchError::Network { .. } | fetch::FetchError::Timeout { .. } => anyhow::anyhow!(
            "{e}\nhint: the source could not be reached; to go on, pass `--mirror URL` (a host serving the same path: {}), or download {} by hand and run `aegis framework import FILE`",
            entry.path,
            entry.url(fetch::DEFAULT_BASE_URL)
        ),
        other => other.into(),
    })?;
    if a.insecure_skip_checksum && a.sha256.is_none() {
        eprintln!(
            "warning: --insecure-skip-checksum: the download of `{}` was not checked against its pinned SHA-256",
            entry.name
        );
    }
    let io = ImportOptions {
        catalog: a.catalog.clone(),
        baseline: a.baseline.clone(),
        source_url: Some(entry.url(&base)),
        ..ImportOptions::default()
    };
    let out = import::import(&a.repo.repo, &path, &io)?;
    for note in &out.notes {
        eprintln!("note: {}", escape::text(note));
    }
    if let Some(summary) = &out.summary {
        eprintln!("fetched `{}`; {summary}", entry.name);
        return Ok(0);
    }
    match &out.baseline {
        Some(b) => eprintln!(
            "fetched and imported baseline `{}@{b}`: {} controls",
            out.framework, out.controls
        ),
        None => eprintln!(
            "fetched and imported framework `{}`: {} controls",
            out.framework, out.controls
        ),
    }
    print_next_step(&a.repo.repo, &out);
    Ok(0)
}

fn run_list(a: &RepoArg) -> anyhow::Result<u8> {
    require_repo(&a.repo)?;
    let mut rows = vec![[
        "ID".to_string(),
        "VERSION".into(),
        "CONTROLS".into(),
        "WITHDRAWN".into(),
        "BASELINES".into(),
        "TITLE".into(),
    ]];
    for id in native::framework_ids(&a.repo) {
        let l = native::load(&a.repo, &id)?;
        let mut bs: Vec<String> = l
            .baselines
            .iter()
            .map(|b| format!("{} ({})", b.id, b.controls.len()))
            .collect();
        bs.sort();
        rows.push([
            id,
            l.framework.version.clone(),
            l.framework.controls.len().to_string(),
            l.framework
                .controls
                .iter()
                .filter(|c| c.withdrawn)
                .count()
                .to_string(),
            if bs.is_empty() {
                "-".into()
            } else {
                bs.join(", ")
            },
            l.framework.title.clone(),
        ]);
    }
    print(&table(&rows));
    Ok(0)
}

/// Columns padded to their widest cell; the last column is never padded.
fn table<const N: usize>(rows: &[[String; N]]) -> String {
    // A cell is one line: a line break in a title from a source is shown
    // as `\n`, never as a new line of the table.
    let rows: Vec<[String; N]> = rows
        .iter()
        .map(|r| r.clone().map(|c| escape::text(&c).into_owned()))
        .collect();
    let rows = rows.as_slice();
    let mut widths = [0usize; N];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i + 1 == N {
                line.push_str(c);
            } else {
                line.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn run_show(a: &ShowArgs) -> anyhow::Result<u8> {
    require_repo(&a.repo.repo)?;
    let (id, baseline) = match a.what.split_once('@') {
        Some((f, b)) => (f, Some(b)),
        None => (a.what.as_str(), None),
    };
    let l = native::load(&a.repo.repo, id)?;
    let selected: Option<std::collections::HashSet<String>> = match baseline {
        Some(b) => {
            let Some(bl) = l.baselines.iter().find(|x| x.id.as_str() == b) else {
                let known: Vec<&str> = l.baselines.iter().map(|x| x.id.as_str()).collect();
                bail!(
                    "framework `{id}` has no baseline `{b}` (known: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                );
            };
            Some(bl.controls.iter().map(|c| c.0.clone()).collect())
        }
        None => None,
    };
    let controls: Vec<&crate::model::Control> = l
        .framework
        .controls
        .iter()
        .filter(|c| selected.as_ref().is_none_or(|s| s.contains(c.id.as_str())))
        .collect();
    match a.format {
        ShowFormat::Json => {
            let v = serde_json::json!({
                "id": l.framework.id,
                "version": l.framework.version,
                "baseline": baseline,
                "controls": controls.iter().map(|c| serde_json::json!({
                    "id": c.id,
                    "label": c.label.as_deref().unwrap_or(c.id.as_str()),
                    "title": c.title,
                    "withdrawn": c.withdrawn,
                })).collect::<Vec<_>>(),
            });
            let mut text = serde_json::to_string_pretty(&v)?;
            text.push('\n');
            print_json(&text);
        }
        ShowFormat::Human => {
            let mut rows = vec![["ID".to_string(), "LABEL".into(), "TITLE".into()]];
            for c in &controls {
                let title = if c.withdrawn {
                    format!("{} (withdrawn)", c.title)
                } else {
                    c.title.clone()
                };
                rows.push([
                    c.id.0.clone(),
                    c.label.clone().unwrap_or_else(|| c.id.0.clone()),
                    title,
                ]);
            }
            let head = match baseline {
                Some(b) => format!(
                    "{} {} — baseline {}: {} controls\n\n",
                    l.framework.id,
                    escape::text(&l.framework.version),
                    escape::text(b),
                    controls.len()
                ),
                None => format!(
                    "{} {} — {}: {} controls\n\n",
                    l.framework.id,
                    escape::text(&l.framework.version),
                    escape::text(&l.framework.title),
                    controls.len()
                ),
            };
            print(&format!("{head}{}", table(&rows)));
        }
    }
    Ok(0)
}

fn run_export(a: &ExportArgs) -> anyhow::Result<u8> {
    require_repo(&a.repo.repo)?;
    let ExportFormat::OscalJson = a.format;
    let (id, baseline) = match a.id.split_once('@') {
        Some((f, b)) => (f, Some(b)),
        None => (a.id.as_str(), None),
    };
    let l = native::load(&a.repo.repo, id)?;
    let text = match baseline {
        None => import::export_oscal_json(&l.framework)?,
        Some(b) => {
            let Some(bl) = l.baselines.iter().find(|x| x.id.as_str() == b) else {
                bail!("framework `{id}` has no baseline `{b}`");
            };
            let href = a
                .catalog_href
                .clone()
                .unwrap_or_else(|| format!("{id}.json"));
            let doc = import::oscal::profile::to_oscal_profile(bl, &l.framework, &href);
            let mut t = serde_json::to_string_pretty(&doc)?;
            t.push('\n');
            t
        }
    };
    let text = escape::json(&text);
    match &a.output {
        Some(p) => crate::write::write_output(p, text.as_bytes())
            .with_context(|| format!("cannot write {}", p.display()))?,
        None => print_json(&text),
    }
    Ok(0)
}

fn run_diff(a: &DiffArgs) -> anyhow::Result<u8> {
    let opts = import::diff::DiffOptions {
        threshold: a.threshold,
    };
    let d = import::diff::run(&a.repo.repo, &a.old, &a.new, &opts)?;
    match a.format {
        DiffFormat::Human => print(&import::diff::render_human(&d)),
        DiffFormat::Json => print_json(&import::diff::render_json(&d)?),
        DiffFormat::Markdown => print(&import::diff::render_markdown(&d)),
    }
    Ok(0)
}
