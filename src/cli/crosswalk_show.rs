//! `aegis crosswalk show FROM TO`: how two frameworks relate, control by
//! control, with the path and provenance of every link.

use crate::crosswalk::{Graph, Link};
use crate::model::{ProvenanceKind, RelationKind};
use crate::output::escape;
use crate::validate;
use anyhow::{Context, bail};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The framework the links start from.
    pub from: String,
    /// The framework they lead to.
    pub to: String,
    /// Only these relationship types (repeatable).
    #[arg(long, value_enum)]
    pub relationship: Vec<KindArg>,
    /// Only links of this provenance (repeatable); `inferred` selects links through a hub.
    #[arg(long, value_enum)]
    pub provenance: Vec<ProvArg>,
    /// Only links at least this strong (1-10); links with no strength are left out.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=10))]
    pub min_strength: Option<u8>,
    /// Only source controls whose id or title contains this text (case-insensitive).
    #[arg(long)]
    pub search: Option<String>,
    /// Leave out links inferred through a hub framework.
    #[arg(long)]
    pub no_inferred: bool,
    /// Show the coverage matrix instead of the links: source groups
    /// (families, categories) against target groups, counting links.
    #[arg(long)]
    pub matrix: bool,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

use super::TableFormat as Format;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    Equal,
    SubsetOf,
    SupersetOf,
    IntersectsWith,
}

impl KindArg {
    fn kind(self) -> RelationKind {
        match self {
            KindArg::Equal => RelationKind::Equal,
            KindArg::SubsetOf => RelationKind::SubsetOf,
            KindArg::SupersetOf => RelationKind::SupersetOf,
            KindArg::IntersectsWith => RelationKind::IntersectsWith,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProvArg {
    Official,
    Manual,
    Suggested,
    Inferred,
}

/// One link as every format shows it.
#[derive(Serialize)]
struct Row {
    source: String,
    target: String,
    #[serde(rename = "type")]
    kind: &'static str,
    strength: Option<u8>,
    /// Meeting the source meets all of the target.
    covers: bool,
    /// `official`, `manual`, `suggested`, or `inferred` (through a hub).
    provenance: &'static str,
    path: Vec<PathStep>,
}

#[derive(Serialize)]
struct PathStep {
    from: String,
    to: String,
    #[serde(rename = "type")]
    kind: &'static str,
    provenance: &'static str,
    mapping: String,
}

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    from: &'a str,
    to: &'a str,
    /// Source controls (not withdrawn) and how many have at least one link shown.
    sources: usize,
    linked: usize,
    /// Target controls and how many some shown link reaches.
    targets: usize,
    reached: usize,
    by_type: BTreeMap<&'static str, usize>,
    links: Vec<Row>,
}

pub fn run(a: &ShowArgs) -> anyhow::Result<u8> {
    let ws = crate::workspace::load(&a.repo)?;
    let outcome = validate::index_only(&ws);
    let g = Graph::build(&outcome);
    let known = || g.frameworks.join(", ");
    let Some(from_fw) = g.framework(&a.from) else {
        bail!(
            "no framework `{}` in the repository (frameworks: {})",
            escape::text(&a.from),
            known()
        );
    };
    let Some(to_fw) = g.framework(&a.to) else {
        bail!(
            "no framework `{}` in the repository (frameworks: {})",
            escape::text(&a.to),
            known()
        );
    };
    let from_entry = outcome
        .index
        .frameworks
        .get(&a.from)
        .context("framework vanished from the index")?;
    let to_len = outcome
        .index
        .frameworks
        .get(&a.to)
        .map_or(0, |e| e.controls.len());
    let needle = a.search.as_ref().map(|s| s.to_lowercase());
    let mut rows = Vec::new();
    let mut sources = 0usize;
    let mut linked = 0usize;
    let mut reached = std::collections::BTreeSet::new();
    let mut by_type: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (i, c) in from_entry.controls.iter().enumerate() {
        if c.withdrawn {
            continue;
        }
        if let Some(n) = &needle
            && !c.display().to_lowercase().contains(n)
            && !c.title.to_lowercase().contains(n)
        {
            continue;
        }
        sources += 1;
        let node = crate::crosswalk::Node {
            framework: from_fw,
            control: u32::try_from(i)?,
        };
        let mut any = false;
        for l in g.links(node, to_fw) {
            if !keep(&g, &l, a) {
                continue;
            }
            any = true;
            reached.insert(l.to);
            *by_type.entry(l.kind.as_str()).or_default() += 1;
            rows.push(row(&g, &ws, &l));
        }
        linked += usize::from(any);
    }
    let doc = Doc {
        version: 1,
        from: &a.from,
        to: &a.to,
        sources,
        linked,
        targets: to_len,
        reached: reached.len(),
        by_type,
        links: rows,
    };
    if a.matrix {
        let m = matrix(&outcome, &doc);
        let text = match a.format {
            Format::Human => m.human(),
            Format::Json => {
                let mut s = serde_json::to_string_pretty(&m)?;
                s.push('\n');
                s
            }
            Format::Csv => m.csv()?,
            Format::Markdown => m.markdown(),
        };
        show(a, &text)?;
        return Ok(0);
    }
    let text = match a.format {
        Format::Human => human(&doc),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&doc)?;
            s.push('\n');
            s
        }
        Format::Csv => csv(&doc)?,
        Format::Markdown => markdown(&doc),
    };
    show(a, &text)?;
    Ok(0)
}

fn show(a: &ShowArgs, text: &str) -> anyhow::Result<()> {
    match &a.output {
        Some(path) => super::deliver(Some(path), text),
        None => {
            page(text, a.format == Format::Human);
            Ok(())
        }
    }
}

fn keep(g: &Graph, l: &Link, a: &ShowArgs) -> bool {
    if a.no_inferred && l.inferred() {
        return false;
    }
    if !a.relationship.is_empty() && !a.relationship.iter().any(|k| k.kind() == l.kind) {
        return false;
    }
    if let Some(min) = a.min_strength
        && l.strength.is_none_or(|s| s < min)
    {
        return false;
    }
    if !a.provenance.is_empty() {
        let p = provenance(g, l);
        let want = a.provenance.iter().any(|x| {
            matches!(
                (x, p),
                (ProvArg::Official, "official")
                    | (ProvArg::Manual, "manual")
                    | (ProvArg::Suggested, "suggested")
                    | (ProvArg::Inferred, "inferred")
            )
        });
        if !want {
            return false;
        }
    }
    true
}

/// An inferred link is `inferred` whatever its steps were.
fn provenance(g: &Graph, l: &Link) -> &'static str {
    if l.inferred() {
        return "inferred";
    }
    l.path
        .first()
        .and_then(|&e| g.edges.get(e))
        .map_or(ProvenanceKind::Manual.as_str(), |e| e.provenance.as_str())
}

fn row(g: &Graph, ws: &crate::workspace::Workspace, l: &Link) -> Row {
    let name = |n| format!("{}:{}", g.framework_id(n), g.display(n));
    Row {
        source: g.display(l.from).to_string(),
        target: g.display(l.to).to_string(),
        kind: l.kind.as_str(),
        strength: l.strength,
        covers: l.covers,
        provenance: provenance(g, l),
        path: l
            .path
            .iter()
            .filter_map(|&e| g.edges.get(e))
            .map(|e| PathStep {
                from: name(e.from),
                to: name(e.to),
                kind: e.kind.as_str(),
                provenance: e.provenance.as_str(),
                mapping: ws
                    .files
                    .get(e.file)
                    .map_or_else(String::new, |f| f.path.clone()),
            })
            .collect(),
    }
}

fn via(r: &Row) -> String {
    if r.path.len() < 2 {
        return String::new();
    }
    let hubs: Vec<&str> = r.path[..r.path.len() - 1]
        .iter()
        .map(|s| s.to.as_str())
        .collect();
    format!("via {}", hubs.join(", "))
}

fn human(d: &Doc) -> String {
    let mut out = format!(
        "{} -> {}: {} of {} source controls linked, {} of {} target controls reached",
        escape::text(d.from),
        escape::text(d.to),
        d.linked,
        d.sources,
        d.reached,
        d.targets
    );
    let types: Vec<String> = d.by_type.iter().map(|(k, n)| format!("{k} {n}")).collect();
    if !types.is_empty() {
        let _ = write!(out, " ({})", types.join(", "));
    }
    out.push('\n');
    let mut last = "";
    for r in &d.links {
        let src = if r.source == last {
            ""
        } else {
            r.source.as_str()
        };
        last = &r.source;
        let _ = writeln!(
            out,
            "  {:<14} {:<14} {:<15} {:<9} {:<3} {}{}",
            escape::text(src),
            escape::text(&r.target),
            r.kind,
            r.provenance,
            r.strength
                .map(|s| s.to_string())
                .unwrap_or_else(|| "-".into()),
            if r.covers { "covers " } else { "" },
            escape::text(&via(r))
        );
    }
    out
}

fn csv(d: &Doc) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "source",
        "target",
        "type",
        "provenance",
        "strength",
        "covers",
        "path",
    ])?;
    for r in &d.links {
        let path: Vec<String> = r
            .path
            .iter()
            .map(|s| {
                format!(
                    "{}>{} ({}, {}, {})",
                    s.from, s.to, s.kind, s.provenance, s.mapping
                )
            })
            .collect();
        let row = [
            r.source.clone(),
            r.target.clone(),
            r.kind.to_string(),
            r.provenance.to_string(),
            r.strength.map(|s| s.to_string()).unwrap_or_default(),
            r.covers.to_string(),
            path.join(" then "),
        ]
        .map(|f| escape::csv_cell(&f).into_owned());
        w.write_record(&row)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn markdown(d: &Doc) -> String {
    let cell = escape::markdown_cell;
    let mut out = format!(
        "# Crosswalk {} → {}\n\n{} of {} source controls linked; {} of {} target controls reached.\n\n| source | target | type | provenance | strength | covers | path |\n| --- | --- | --- | --- | --- | --- | --- |\n",
        cell(d.from),
        cell(d.to),
        d.linked,
        d.sources,
        d.reached,
        d.targets
    );
    for r in &d.links {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(&r.source),
            cell(&r.target),
            r.kind,
            r.provenance,
            r.strength.map(|s| s.to_string()).unwrap_or_default(),
            if r.covers { "yes" } else { "no" },
            cell(&via(r))
        );
    }
    out
}

/// Long human output on a terminal goes through the user's pager.
fn page(text: &str, human: bool) {
    let tall = text.lines().count() > 60;
    if human && tall && std::io::stdout().is_terminal() {
        let pager = std::env::var("PAGER").unwrap_or_else(|_| "less -FRX".into());
        let mut parts = pager.split_whitespace();
        if let Some(cmd) = parts.next()
            && let Ok(mut child) = std::process::Command::new(cmd)
                .args(parts)
                .stdin(std::process::Stdio::piped())
                .spawn()
        {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(text.as_bytes());
            }
            let _ = child.wait();
            return;
        }
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Links counted by source group and target group.
#[derive(Serialize)]
struct Matrix {
    version: u32,
    from: String,
    to: String,
    rows: Vec<String>,
    columns: Vec<String>,
    /// `cells[r][c]`: links from controls of row group r to controls of
    /// column group c.
    cells: Vec<Vec<usize>>,
}

fn matrix(outcome: &validate::Outcome, d: &Doc) -> Matrix {
    let from_groups = crate::crosswalk::groups_of(outcome, d.from);
    let to_groups = crate::crosswalk::groups_of(outcome, d.to);
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut rows = std::collections::BTreeSet::new();
    let mut cols = std::collections::BTreeSet::new();
    for r in &d.links {
        let rg = from_groups
            .get(&r.source)
            .cloned()
            .unwrap_or_else(|| crate::crosswalk::NO_GROUP.into());
        let cg = to_groups
            .get(&r.target)
            .cloned()
            .unwrap_or_else(|| crate::crosswalk::NO_GROUP.into());
        rows.insert(rg.clone());
        cols.insert(cg.clone());
        *counts.entry((rg, cg)).or_default() += 1;
    }
    let rows: Vec<String> = rows.into_iter().collect();
    let columns: Vec<String> = cols.into_iter().collect();
    let cells = rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| counts.get(&(r.clone(), c.clone())).copied().unwrap_or(0))
                .collect()
        })
        .collect();
    Matrix {
        version: 1,
        from: d.from.to_string(),
        to: d.to.to_string(),
        rows,
        columns,
        cells,
    }
}

impl Matrix {
    fn human(&self) -> String {
        let width = self
            .columns
            .iter()
            .map(|c| c.chars().count().min(10))
            .max()
            .unwrap_or(1)
            .max(3);
        let first = self
            .rows
            .iter()
            .map(|r| r.chars().count().min(16))
            .max()
            .unwrap_or(1)
            .max(4);
        let clip = |s: &str, w: usize| -> String {
            let t: String = escape::text(s).chars().take(w).collect();
            format!("{t:>w$}")
        };
        let mut out = format!(
            "links from {} (rows) to {} (columns), by group\n",
            escape::text(&self.from),
            escape::text(&self.to)
        );
        let _ = write!(out, "{}", clip("", first));
        for c in &self.columns {
            let _ = write!(out, " {}", clip(c, width));
        }
        out.push('\n');
        for (r, row) in self.rows.iter().zip(&self.cells) {
            let _ = write!(out, "{}", clip(r, first));
            for n in row {
                let cell = if *n == 0 {
                    ".".to_string()
                } else {
                    n.to_string()
                };
                let _ = write!(out, " {cell:>width$}");
            }
            out.push('\n');
        }
        out
    }

    fn csv(&self) -> anyhow::Result<String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec![format!("{} \\ {}", self.from, self.to)];
        header.extend(self.columns.iter().cloned());
        w.write_record(header.iter().map(|h| escape::csv_cell(h).into_owned()))?;
        for (r, row) in self.rows.iter().zip(&self.cells) {
            let mut rec = vec![escape::csv_cell(r).into_owned()];
            rec.extend(row.iter().map(|n| n.to_string()));
            w.write_record(&rec)?;
        }
        Ok(String::from_utf8(w.into_inner()?)?)
    }

    fn markdown(&self) -> String {
        let cell = escape::markdown_cell;
        let mut out = format!(
            "# Crosswalk coverage {} → {}\n\n| {} \\ {} |",
            cell(&self.from),
            cell(&self.to),
            cell(&self.from),
            cell(&self.to)
        );
        for c in &self.columns {
            let _ = write!(out, " {} |", cell(c));
        }
        out.push_str("\n| --- |");
        for _ in &self.columns {
            out.push_str(" ---: |");
        }
        out.push('\n');
        for (r, row) in self.rows.iter().zip(&self.cells) {
            let _ = write!(out, "| {} |", cell(r));
            for n in row {
                let _ = write!(out, " {n} |");
            }
            out.push('\n');
        }
        out
    }
}
