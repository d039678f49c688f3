//! `aegis program import`: a compliance program kept in spreadsheets into
//! implementations, evidence, exceptions and risks.

use crate::import::program::mapping::{self, DateOrder, RecordKind, SheetMapping};
use crate::import::program::{self, Action, Outcome, ProgramOptions};
use crate::output::escape;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub sub: Sub,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Import a spreadsheet program (XLSX, ODS or CSV): implementations, evidence lists, exceptions, risks.
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The workbook (XLSX or ODS, known by content) or CSV file; `-` reads standard input.
    pub sheet: PathBuf,
    /// The compliance repository (the directory holding aegis.yaml) [default: .].
    #[arg(value_name = "REPO", conflicts_with = "repo_flag")]
    pub repo: Option<PathBuf>,
    /// The compliance repository, as every other command takes it.
    #[arg(long = "repo", value_name = "REPO", id = "repo_flag")]
    pub repo_flag: Option<PathBuf>,
    /// A mapping file (YAML): per sheet, the record kind, columns and value maps.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
    /// The kind of record each row holds (with --columns).
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// Columns for one-off use: field=Header,field=#C (C: column letter).
    #[arg(long, value_name = "MAP")]
    pub columns: Option<String>,
    /// The sheet to read (default: the first whose header has the mapped columns).
    #[arg(long = "sheet", value_name = "NAME")]
    pub sheet_name: Option<String>,
    /// The 1-based row of the column headers (default: found by content).
    #[arg(long, value_name = "N")]
    pub header_row: Option<usize>,
    /// The system of rows without a system column.
    #[arg(long, value_name = "ID")]
    pub system: Option<String>,
    /// The framework control ids are looked up in (default: the system's).
    #[arg(long, value_name = "ID")]
    pub framework: Option<String>,
    /// How to read dates like 03/04/2026.
    #[arg(long, value_enum)]
    pub date_order: Option<DateOrderArg>,
    /// Say what would be written, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write nothing when any row is refused (default: write the good rows).
    #[arg(long)]
    pub strict: bool,
    /// Change existing records in the fields the sheet maps (default: keep them, and say so).
    #[arg(long)]
    pub update: bool,
    /// Write the mapping used to FILE, to import the same way again with --mapping.
    #[arg(long, value_name = "FILE")]
    pub save_mapping: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    Implementations,
    Evidence,
    Exceptions,
    Risks,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DateOrderArg {
    Dmy,
    Mdy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    match &args.sub {
        Sub::Import(a) => run_import(a),
    }
}

fn flags_mapping(a: &ImportArgs) -> anyhow::Result<Option<SheetMapping>> {
    let kind = a.kind.map(|k| match k {
        KindArg::Implementations => RecordKind::Implementations,
        KindArg::Evidence => RecordKind::Evidence,
        KindArg::Exceptions => RecordKind::Exceptions,
        KindArg::Risks => RecordKind::Risks,
    });
    let columns = match &a.columns {
        Some(c) => mapping::parse_columns(c)
            .map_err(|m| anyhow::anyhow!("--columns `{}`: {m}", escape::text(c)))?,
        None => Default::default(),
    };
    let date_order = a.date_order.map(|d| match d {
        DateOrderArg::Dmy => DateOrder::Dmy,
        DateOrderArg::Mdy => DateOrder::Mdy,
    });
    let Some(kind) = kind else {
        if a.mapping.is_none() && a.columns.is_some() {
            anyhow::bail!(
                "--kind is needed with --columns (implementations, evidence, exceptions or risks)"
            );
        }
        return Ok(None);
    };
    Ok(Some(SheetMapping {
        sheet: a.sheet_name.clone(),
        kind,
        header_row: a.header_row,
        system: None,
        framework: a.framework.clone(),
        date_order,
        columns,
        values: Default::default(),
    }))
}

fn run_import(a: &ImportArgs) -> anyhow::Result<u8> {
    let repo = a
        .repo
        .as_deref()
        .or(a.repo_flag.as_deref())
        .unwrap_or(std::path::Path::new("."));
    if !repo.join(crate::workspace::CONFIG_FILE).is_file() {
        anyhow::bail!(
            "{} has no aegis.yaml; run `aegis init {}` first, or pass --repo",
            escape::text(&repo.display().to_string()),
            escape::text(&repo.display().to_string())
        );
    }
    let file = match &a.mapping {
        Some(p) => Some(mapping::read(p)?),
        None => None,
    };
    if file.is_some() && a.kind.is_none() && (a.columns.is_some() || a.sheet_name.is_some()) {
        anyhow::bail!(
            "with --mapping, --columns and --sheet-name need --kind to say which sheet they refine"
        );
    }
    let flags = flags_mapping(a)?;
    let refine = flags.is_none();
    let mut mapping = program::merge_flags(file, flags).map_err(|m| anyhow::anyhow!(m))?;
    if refine {
        // Without --kind the flags apply to every sheet of the mapping file.
        for s in &mut mapping.sheets {
            if a.header_row.is_some() {
                s.header_row = a.header_row;
            }
            if a.framework.is_some() {
                s.framework.clone_from(&a.framework);
            }
            if let Some(d) = a.date_order {
                s.date_order = Some(match d {
                    DateOrderArg::Dmy => DateOrder::Dmy,
                    DateOrderArg::Mdy => DateOrder::Mdy,
                });
            }
        }
    }
    let opts = ProgramOptions {
        system: a.system.clone(),
        dry_run: a.dry_run,
        strict: a.strict,
        update: a.update,
    };
    let out = program::import(repo, &a.sheet, &mapping, &opts)?;
    if let Some(path) = &a.save_mapping {
        let mut saved = mapping.clone();
        for s in &mut saved.sheets {
            if s.system.is_none() {
                s.system.clone_from(&a.system);
            }
        }
        let text = mapping::render(&saved)?;
        crate::write::write_output(path, text.as_bytes()).map_err(|e| {
            anyhow::anyhow!(
                "cannot write {}: {e}",
                escape::text(&path.display().to_string())
            )
        })?;
    }
    match a.format {
        Format::Human => super::framework::print(&human(&out)),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&out)?;
            s.push('\n');
            super::framework::print_json(&s);
        }
    }
    // Anything of the sheet not in the repository fails the run, so a
    // migration never loses rows quietly.
    Ok(u8::from(out.incomplete()))
}

/// The human report: what each sheet mapped, what became of each record,
/// and every row refused with its reason.
pub fn human(out: &Outcome) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", out.source);
    for sh in &out.sheets {
        let _ = writeln!(
            s,
            "  sheet `{}` ({}): header on row {}, {} data row(s)",
            sh.sheet,
            sh.kind.name(),
            sh.header_row,
            sh.rows
        );
        for c in &sh.columns {
            let how = match c.matched {
                "typo" => " (close match)",
                "letter" => " (by letter)",
                _ => "",
            };
            let _ = writeln!(
                s,
                "    {:<22} column {} `{}`{how}",
                c.field, c.column, c.header
            );
        }
        for k in &sh.skipped {
            let _ = writeln!(s, "    skipped row {}: {}", k.row, k.why);
        }
    }
    let would = if out.dry_run { "would be " } else { "" };
    let _ = writeln!(
        s,
        "records: {} {would}created, {} {would}updated, {} unchanged, {} kept{}",
        out.count(Action::Created),
        out.count(Action::Updated),
        out.count(Action::Unchanged),
        out.count(Action::Kept),
        if out.count(Action::NotWritten) > 0 {
            format!(", {} not written (--strict)", out.count(Action::NotWritten))
        } else {
            String::new()
        }
    );
    for r in &out.records {
        if r.action == Action::Unchanged {
            continue;
        }
        let differs = if r.differs.is_empty() {
            String::new()
        } else {
            format!("; differs in {}", r.differs.join(", "))
        };
        let action = match (out.dry_run, r.action) {
            (true, Action::Created) => "would create",
            (true, Action::Updated) => "would update",
            (_, a) => a.name(),
        };
        let _ = writeln!(
            s,
            "  {action:<11} {} ({} row {}){differs}",
            r.path, r.sheet, r.row
        );
    }
    if out.count(Action::Kept) > 0 {
        let _ = writeln!(
            s,
            "kept: those records exist with other values; pass --update to set the fields the sheet maps"
        );
    }
    if !out.refused.is_empty() {
        let _ = writeln!(s, "refused ({}):", out.refused.len());
        for r in &out.refused {
            let col = match (&r.column, &r.header) {
                (Some(c), Some(h)) => format!(", column {c} `{h}`"),
                (Some(c), None) => format!(", column {c}"),
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "  {} row {}{col}: [{}] {}",
                r.sheet, r.row, r.reason, r.message
            );
        }
    }
    for n in &out.notes {
        let _ = writeln!(s, "note: {n}");
    }
    if out.strict && !out.refused.is_empty() {
        let _ = writeln!(s, "nothing written: --strict and some rows were refused");
    }
    s
}
