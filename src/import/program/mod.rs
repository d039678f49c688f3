//! `aegis program import`: a compliance program kept in spreadsheets
//! (XLSX, ODS or CSV) into records: implementations, evidence, exceptions and
//! risks.
//!
//! Everything is read, mapped and checked in memory first. Rows that
//! cannot be placed are reported with their sheet, row, column and reason,
//! never dropped. Existing records are never changed silently: a record
//! the sheet would change is kept unless `update`, and then only the keys
//! the sheet owns (its mapped fields) change. Importing the same sheet
//! twice changes nothing.

pub mod controls;
pub mod grid;
pub mod mapping;
pub mod records;
pub mod value;

use crate::import::ImportError;
use crate::schema::Kind;
use controls::ControlIndex;
use mapping::{ColumnSpec, MappingFile, RecordKind, SheetMapping};
use records::{Draft, Refusal};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// What `aegis program import` was asked to do.
#[derive(Clone, Debug, Default)]
pub struct ProgramOptions {
    /// `--system`: the system of rows that name none (over the mapping's).
    pub system: Option<String>,
    pub dry_run: bool,
    /// Write nothing when any row is refused.
    pub strict: bool,
    /// Change existing records in the keys the sheet owns.
    pub update: bool,
}

/// What happened to one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Created,
    Updated,
    Unchanged,
    /// The record exists with other values in keys the sheet owns; kept
    /// as it is (pass `--update`).
    Kept,
    /// Not written: `--strict` and some row was refused.
    NotWritten,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Unchanged => "unchanged",
            Action::Kept => "kept",
            Action::NotWritten => "not written",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct RecordOutcome {
    pub path: String,
    pub kind: RecordKind,
    pub action: Action,
    pub sheet: String,
    pub row: usize,
    /// For `updated` and `kept`: the keys whose values differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differs: Vec<String>,
}

/// A row read but holding no record, and why.
#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    pub row: usize,
    pub why: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SheetOutcome {
    pub sheet: String,
    pub kind: RecordKind,
    pub header_row: usize,
    pub columns: Vec<grid::Column>,
    /// Data rows read below the header.
    pub rows: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Serialize)]
pub struct Outcome {
    pub source: String,
    pub dry_run: bool,
    pub strict: bool,
    pub update: bool,
    pub sheets: Vec<SheetOutcome>,
    pub records: Vec<RecordOutcome>,
    pub refused: Vec<Refusal>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Outcome {
    pub fn count(&self, a: Action) -> usize {
        self.records.iter().filter(|r| r.action == a).count()
    }

    /// Whether anything of the sheet is not in the repository.
    pub fn incomplete(&self) -> bool {
        !self.refused.is_empty()
            || self
                .records
                .iter()
                .any(|r| matches!(r.action, Action::Kept | Action::NotWritten))
    }
}

/// The workbook's sheets, or the CSV file as one sheet named after it.
struct Book {
    sheets: Vec<(String, grid::Rows)>,
    csv: bool,
    /// How the file was read, when that is worth saying (its encoding).
    note: Option<String>,
}

fn read_book(file: &Path) -> Result<(String, Book), ImportError> {
    use crate::sources::workbook::{self, Kind};
    let (shown, bytes) = crate::import::read_input(file)?;
    let name = shown.display().to_string();
    let refuse = |message: &str| ImportError::Invalid {
        path: shown.clone(),
        message: message.to_string(),
    };
    // Judged by content: a workbook saved under another extension (or
    // read from standard input) is still read for what it is.
    let sheets = match workbook::kind(&shown, &bytes)? {
        Kind::Xlsx => crate::sources::table::workbook_sheets_dated(&shown, bytes)?,
        Kind::Ods => workbook::ods_sheets_dated(&shown, bytes)?,
        Kind::Xlsb => {
            return Err(refuse(
                "an Excel binary workbook (XLSB), which is not read; save it as XLSX or ODS (or each sheet as CSV) and import that",
            ));
        }
        Kind::Numbers => {
            return Err(refuse(
                "an Apple Numbers document, which is not read; export it as XLSX or CSV (File > Export To) and import that",
            ));
        }
        Kind::Ole2 => crate::sources::xls::xls_sheets_dated(&shown, bytes)?,
        Kind::OtherZip => {
            return Err(refuse(
                "a zip archive that is neither an XLSX nor an ODS workbook; import an XLSX, ODS or CSV file",
            ));
        }
        Kind::Text => {
            let (bytes, note) = value::csv_text(bytes);
            return csv_book(file, shown, name, &bytes, note);
        }
    };
    Ok((
        name,
        Book {
            sheets,
            csv: false,
            note: None,
        },
    ))
}

fn csv_book(
    file: &Path,
    shown: std::path::PathBuf,
    name: String,
    bytes: &[u8],
    note: Option<String>,
) -> Result<(String, Book), ImportError> {
    let rows = crate::sources::table::csv_rows(&shown, bytes, None)?;
    let stem = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.clone());
    Ok((
        name,
        Book {
            sheets: vec![(stem, rows)],
            csv: true,
            note,
        },
    ))
}

/// Imports the spreadsheet `file` into the repository at `repo`.
pub fn import(
    repo: &Path,
    file: &Path,
    mapping: &MappingFile,
    opts: &ProgramOptions,
) -> Result<Outcome, ImportError> {
    let (source, book) = read_book(file)?;
    let config = crate::import::plan::system::Config::read(repo)?;
    let systems = config.system_ids();
    let index = ControlIndex::load(repo)?;
    let root = repo.canonicalize().map_err(|source| ImportError::Read {
        path: repo.to_path_buf(),
        source,
    })?;
    let invalid = |message: String| ImportError::Invalid {
        path: file.to_path_buf(),
        message,
    };
    let mut frameworks_of = BTreeMap::new();
    for s in &systems {
        let selected = config.frameworks_of(s).unwrap_or_default();
        frameworks_of.insert(s.clone(), selected);
    }
    for (i, m) in mapping.sheets.iter().enumerate() {
        let at = m
            .sheet
            .as_ref()
            .map(|s| format!("sheet `{}`", crate::excerpt::text(s)))
            .unwrap_or_else(|| format!("mapping {}", i + 1));
        let mut m = m.clone();
        if m.system.is_none() {
            m.system.clone_from(&opts.system);
        }
        m.check(&at).map_err(&invalid)?;
        if let Some(f) = &m.framework
            && !index.has_framework(f)
        {
            return Err(invalid(format!(
                "{at}: framework `{}` is not imported in the repository (frameworks: {})",
                crate::excerpt::text(f),
                index.framework_ids().join(", ")
            )));
        }
    }

    let mut outcome = Outcome {
        source,
        dry_run: opts.dry_run,
        strict: opts.strict,
        update: opts.update,
        sheets: Vec::new(),
        records: Vec::new(),
        refused: Vec::new(),
        notes: book.note.clone().into_iter().collect(),
    };
    let mut drafts: Vec<Draft> = Vec::new();
    for (i, m) in mapping.sheets.iter().enumerate() {
        let wanted: Vec<(String, ColumnSpec)> = m
            .columns
            .iter()
            .filter_map(|(f, c)| ColumnSpec::parse(c).ok().map(|s| (f.clone(), s)))
            .collect();
        let (name, rows, header) = pick_sheet(&book, m, &wanted)
            .map_err(|e| invalid(format!("mapping {} ({}): {e}", i + 1, m.kind.name())))?;
        let ctx = records::Context {
            sheet: &name,
            mapping: m,
            columns: &header.columns,
            controls: &index,
            systems: &systems,
            frameworks_of: &frameworks_of,
            system: opts.system.as_deref(),
            root: &root,
        };
        let data = &rows[header.pos + 1..];
        let mapped: Vec<usize> = header.columns.iter().map(|c| c.index).collect();
        let last_full = data
            .iter()
            .rposition(|(_, cells)| cells.iter().filter(|c| !c.is_empty()).count() > 1);
        let mut shown_columns = header.columns.clone();
        shown_columns.sort_by_key(|c| c.index);
        let mut sheet = SheetOutcome {
            sheet: name.clone(),
            kind: m.kind,
            header_row: header.row,
            columns: shown_columns,
            rows: 0,
            skipped: Vec::new(),
        };
        for (k, (row, cells)) in data.iter().enumerate() {
            let filled: Vec<&String> = cells.iter().filter(|c| !c.is_empty()).collect();
            if filled.is_empty() {
                continue;
            }
            // A lone cell below the last full row is a note under the
            // table ("Source: internal audit, March 2026"), not a record.
            if filled.len() == 1 && last_full.is_none_or(|l| k > l) {
                sheet.skipped.push(Skipped {
                    row: *row,
                    why: format!(
                        "a note below the table: `{}`",
                        crate::excerpt::text(&excerpt(filled[0]))
                    ),
                });
                continue;
            }
            if !mapped
                .iter()
                .any(|&c| cells.get(c).is_some_and(|v| !v.trim().is_empty()))
            {
                sheet.skipped.push(Skipped {
                    row: *row,
                    why: "every mapped column is empty".into(),
                });
                continue;
            }
            sheet.rows += 1;
            let (mut d, r) = records::row(&ctx, *row, cells);
            drafts.append(&mut d);
            outcome.refused.extend(r);
        }
        outcome.sheets.push(sheet);
    }

    // The same record twice: the first row wins, later ones are refused.
    let mut first: HashMap<String, (String, usize)> = HashMap::new();
    let mut kept_drafts = Vec::new();
    for d in drafts {
        let key = d.path.to_lowercase();
        if let Some((sheet, row)) = first.get(&key) {
            let same_sheet = *sheet == d.sheet;
            outcome.refused.push(Refusal {
                sheet: d.sheet.clone(),
                row: d.row,
                column: None,
                header: None,
                field: None,
                value: None,
                reason: "duplicate-row",
                message: format!(
                    "{} already gives {}; this row is left out",
                    if same_sheet {
                        format!("row {row}")
                    } else {
                        format!("sheet `{}` row {row}", crate::excerpt::text(sheet))
                    },
                    d.path
                ),
            });
            continue;
        }
        first.insert(key, (d.sheet.clone(), d.row));
        kept_drafts.push(d);
    }

    let max = crate::import::repo_limits(repo).max_file_bytes;
    let mut writes: Vec<(String, String)> = Vec::new();
    let mut listings = Listings::default();
    for d in kept_drafts {
        let rel = listings.existing_path(repo, &d);
        let (action, text, differs) = decide(repo, &rel, &d, opts.update, max)?;
        if let Some(t) = text {
            writes.push((rel.clone(), t));
        }
        outcome.records.push(RecordOutcome {
            path: rel,
            kind: d.kind,
            action,
            sheet: d.sheet,
            row: d.row,
            differs,
        });
    }
    outcome.refused.sort_by(|a, b| {
        (&a.sheet, a.row, &a.column, &a.message).cmp(&(&b.sheet, b.row, &b.column, &b.message))
    });
    outcome.records.sort_by(|a, b| a.path.cmp(&b.path));

    if opts.strict && !outcome.refused.is_empty() {
        for r in &mut outcome.records {
            if matches!(r.action, Action::Created | Action::Updated) {
                r.action = Action::NotWritten;
            }
        }
        return Ok(outcome);
    }
    if opts.dry_run || writes.is_empty() {
        return Ok(outcome);
    }
    // One writer at a time in each folder written (as `oscal import` and
    // the lifecycle commands do), taken in a fixed order.
    let mut dirs: Vec<&str> = writes
        .iter()
        .filter_map(|(rel, _)| rel.split('/').next())
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    let mut locks = Vec::new();
    for dir in dirs {
        let path = repo.join(dir);
        match crate::write::try_lock_dir(&path) {
            Ok(Some(l)) => locks.push(l),
            Ok(None) => {
                return Err(ImportError::Invalid {
                    path,
                    message:
                        "another aegis process is writing here; run this again once it has finished"
                            .into(),
                });
            }
            Err(source) => return Err(ImportError::Write { path, source }),
        }
    }
    // Each file is written and synced on its own (atomically); syncing is
    // most of the cost of a first import, and overlaps well.
    use rayon::prelude::*;
    writes
        .par_iter()
        .try_for_each(|(rel, text)| crate::import::native::write_one(repo, rel, text).map(drop))?;
    drop(locks);
    Ok(outcome)
}

fn excerpt(s: &str) -> String {
    let line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 60 {
        format!("{}...", line.chars().take(57).collect::<String>())
    } else {
        line
    }
}

/// The sheet a mapping reads, its rows and its header.
fn pick_sheet<'b>(
    book: &'b Book,
    m: &SheetMapping,
    wanted: &[(String, ColumnSpec)],
) -> Result<(String, &'b grid::Rows, grid::Header), String> {
    let names = || {
        book.sheets
            .iter()
            .map(|(n, _)| format!("`{}`", crate::excerpt::text(n)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (&m.sheet, book.csv) {
        (Some(want), false) => {
            let found = book
                .sheets
                .iter()
                .find(|(n, _)| n == want)
                .or_else(|| {
                    book.sheets
                        .iter()
                        .find(|(n, _)| value::loose(n) == value::loose(want))
                })
                .ok_or_else(|| {
                    format!(
                        "no sheet `{}` in the workbook (sheets: {})",
                        crate::excerpt::text(want),
                        names()
                    )
                })?;
            let h = grid::header(&found.1, wanted, m.header_row)
                .map_err(|e| format!("sheet `{}`: {e}", crate::excerpt::text(&found.0)))?;
            Ok((found.0.clone(), &found.1, h))
        }
        _ => {
            let mut first_err = None;
            for (n, rows) in &book.sheets {
                match grid::header(rows, wanted, m.header_row) {
                    Ok(h) => return Ok((n.clone(), rows, h)),
                    Err(e) => {
                        first_err
                            .get_or_insert(format!("sheet `{}`: {e}", crate::excerpt::text(n)));
                    }
                }
            }
            Err(match (first_err, book.sheets.len()) {
                (Some(e), 1) => e,
                (_, 0) => "the workbook has no sheets".into(),
                (_, _) => format!(
                    "no sheet has all the mapped columns (sheets: {}); name the sheet with `sheet:` (or --sheet)",
                    names()
                ),
            })
        }
    }
}

/// The files of each implementations folder, by the comparison form of
/// their control id, read once per folder.
#[derive(Default)]
struct Listings {
    dirs: HashMap<String, HashMap<String, String>>,
}

impl Listings {
    /// Where the draft's record is: for an implementation, an existing file
    /// for the same control under another spelling (`ac-2.1.yaml` for
    /// `AC-2(1)`) is the record.
    fn existing_path(&mut self, repo: &Path, d: &Draft) -> String {
        if d.kind != RecordKind::Implementations {
            return d.path.clone();
        }
        let Some((dir, name)) = d.path.rsplit_once('/') else {
            return d.path.clone();
        };
        let stem = name.strip_suffix(".yaml").unwrap_or(name);
        let files = self.dirs.entry(dir.to_string()).or_insert_with(|| {
            let mut out = HashMap::new();
            for e in std::fs::read_dir(repo.join(dir))
                .into_iter()
                .flatten()
                .flatten()
            {
                let n = e.file_name().to_string_lossy().into_owned();
                if n.starts_with('.') {
                    continue;
                }
                if let Some(s) = n.strip_suffix(".yaml").or(n.strip_suffix(".yml")) {
                    out.insert(crate::model::normalize_control_id(s), n.clone());
                }
            }
            out
        });
        match files.get(&crate::model::normalize_control_id(stem)) {
            Some(n) => format!("{dir}/{n}"),
            None => d.path.clone(),
        }
    }
}

fn schema_kind(kind: RecordKind) -> Kind {
    match kind {
        RecordKind::Implementations => Kind::Implementation,
        RecordKind::Evidence => Kind::Evidence,
        RecordKind::Exceptions => Kind::Exception,
        RecordKind::Risks => Kind::Risk,
    }
}

/// The record in its model's form (checked and normalised) and its text.
fn checked(kind: RecordKind, rel: &str, v: Value) -> Result<(Value, String), String> {
    fn go<T: serde::Serialize + serde::de::DeserializeOwned>(
        rel: &str,
        k: Kind,
        v: Value,
    ) -> Result<(Value, String), String> {
        let model: T = serde_json::from_value(v).map_err(|e| e.to_string())?;
        let text = crate::import::native::render(rel, k, &model).map_err(|e| e.to_string())?;
        let value = serde_json::to_value(&model).map_err(|e| e.to_string())?;
        Ok((value, text))
    }
    let k = schema_kind(kind);
    match kind {
        RecordKind::Implementations => go::<crate::model::Implementation>(rel, k, v),
        RecordKind::Evidence => go::<crate::model::Evidence>(rel, k, v),
        RecordKind::Exceptions => go::<crate::model::Exception>(rel, k, v),
        RecordKind::Risks => go::<crate::model::Risk>(rel, k, v),
    }
}

/// An existing record as its model reads it, as JSON.
fn read_existing(kind: RecordKind, text: &str) -> Option<Value> {
    fn go<T: serde::Serialize + serde::de::DeserializeOwned>(text: &str) -> Option<Value> {
        let model: T = serde_saphyr::from_str_with_options(
            text.trim_start_matches('\u{feff}'),
            crate::workspace::yaml::options(Default::default()),
        )
        .ok()?;
        serde_json::to_value(&model).ok()
    }
    match kind {
        RecordKind::Implementations => go::<crate::model::Implementation>(text),
        RecordKind::Evidence => go::<crate::model::Evidence>(text),
        RecordKind::Exceptions => go::<crate::model::Exception>(text),
        RecordKind::Risks => go::<crate::model::Risk>(text),
    }
}

/// What to do with a draft: create it, leave it, keep the user's, or
/// update the keys the sheet owns. Returns the text to write, if any.
fn decide(
    repo: &Path,
    rel: &str,
    d: &Draft,
    update: bool,
    max: u64,
) -> Result<(Action, Option<String>, Vec<String>), ImportError> {
    let bad = |message: String| ImportError::Invalid {
        path: rel.into(),
        message,
    };
    let path = repo.join(rel);
    let old = match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() => {
            let (text, _) = crate::import::read_source(&path)?;
            Some(text)
        }
        Ok(_) => {
            return Err(bad(
                "is not a regular file (a link or a folder); move it away, then import again"
                    .into(),
            ));
        }
        Err(_) => None,
    };
    let (fresh, text) = checked(d.kind, rel, Value::Object(d.fields.clone()))
        .map_err(|m| bad(format!("the record the sheet gives is not valid: {m}")))?;
    let Some(old) = old else {
        crate::import::native::fits(rel, &text, max, "a record")?;
        return Ok((Action::Created, Some(text), Vec::new()));
    };
    let Some(Value::Object(existing)) = read_existing(d.kind, &old) else {
        // A file that does not read as its kind is the user's to fix;
        // overwriting it would lose what they meant.
        return Ok((
            Action::Kept,
            None,
            vec!["(the existing file does not read as a record: run `aegis validate`)".into()],
        ));
    };
    let mut differs = Vec::new();
    for key in &d.owned {
        if existing.get(*key) != fresh.get(*key) {
            differs.push((*key).to_string());
        }
    }
    if differs.is_empty() {
        return Ok((Action::Unchanged, None, differs));
    }
    if !update {
        return Ok((Action::Kept, None, differs));
    }
    match update_in_place(&old, &text, &fresh, &differs, d.kind) {
        Ok(updated) => {
            crate::import::native::fits(rel, &updated, max, "a record")?;
            Ok((Action::Updated, Some(updated), differs))
        }
        Err(why) => {
            differs.push(format!("(not updated: {why})"));
            Ok((Action::Kept, None, differs))
        }
    }
}

/// `old` with the keys in `differs` set to their values in `fresh` (or
/// removed), every other byte as the author left it: comments, order and
/// the keys the sheet does not own. `rendered` is the record as Aegis
/// would write it, whose key order places a key the file lacks.
fn update_in_place(
    old: &str,
    rendered: &str,
    fresh: &Value,
    differs: &[String],
    kind: RecordKind,
) -> Result<String, String> {
    let order: Vec<&str> = rendered
        .lines()
        .filter(|l| !l.starts_with([' ', '#', '-']) && !l.is_empty())
        .filter_map(|l| l.split_once(':').map(|(k, _)| k))
        .collect();
    let mut text = old.to_string();
    for key in differs {
        text = match fresh.get(key) {
            Some(v) => {
                let yaml = serde_saphyr::to_string(v).map_err(|e| e.to_string())?;
                let mut after = None;
                for k in order.iter().take_while(|k| **k != key.as_str()) {
                    if crate::edit::value_text(&text, k)
                        .map_err(|e| e.to_string())?
                        .is_some()
                    {
                        after = Some(*k);
                    }
                }
                crate::edit::set_key_after(&text, key, &yaml, after).map_err(|e| e.to_string())?
            }
            None => crate::edit::remove_key(&text, key).map_err(|e| e.to_string())?,
        };
    }
    // What was written reads back as the record with the sheet's values.
    let back = read_existing(kind, &text)
        .ok_or_else(|| "the edited file would not read as a record".to_string())?;
    if differs.iter().any(|k| back.get(k) != fresh.get(k)) {
        return Err("the edited file would not hold the sheet's values".into());
    }
    Ok(text)
}

/// The mapping `--columns`/`--kind`/`--sheet` and friends describe, over
/// the one read from `--mapping` (flags win on the one sheet they name).
pub fn merge_flags(
    file: Option<MappingFile>,
    flags: Option<SheetMapping>,
) -> Result<MappingFile, String> {
    match (file, flags) {
        (Some(f), None) => Ok(f),
        (None, Some(s)) => Ok(MappingFile {
            schema_version: mapping::MAPPING_VERSION,
            sheets: vec![s],
        }),
        (Some(mut f), Some(s)) => {
            match f
                .sheets
                .iter_mut()
                .find(|x| x.kind == s.kind && (s.sheet.is_none() || x.sheet == s.sheet))
            {
                Some(x) => {
                    x.columns.extend(s.columns);
                    if s.sheet.is_some() {
                        x.sheet = s.sheet;
                    }
                    if s.header_row.is_some() {
                        x.header_row = s.header_row;
                    }
                    if s.framework.is_some() {
                        x.framework = s.framework;
                    }
                    if s.date_order.is_some() {
                        x.date_order = s.date_order;
                    }
                }
                None => f.sheets.push(s),
            }
            Ok(f)
        }
        (None, None) => Err(
            "say how the sheet maps to records: --mapping FILE, or --kind and --columns field=Header,..."
                .into(),
        ),
    }
}
