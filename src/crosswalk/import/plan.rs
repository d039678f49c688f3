//! The whole import: read every source, resolve and place every set, then
//! decide what each mapping file becomes and write the lot, or nothing.
//!
//! A mapping file holds one official source. Re-importing that source
//! (same SHA-256) rewrites it only when a byte changes. Another source for
//! the same pair (the CSV and the OSCAL form of one NIST mapping, a newer
//! release) is refused unless `--replace`, which keeps the file's
//! accepted/rejected suggestions and replaces everything else.

use super::place::{self, Unplaced};
use super::resolve::{Chosen, Repo};
use super::{Document, Error, RawRef, Unpaired};
use crate::import::native;
use crate::model::{Mapping, Provenance, ProvenanceKind, ReferenceTable, SCHEMA_VERSION, Source};
use crate::schema::Kind;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The repository framework the source side is (`--from`).
    pub from: Option<String>,
    /// The repository framework the target side is (`--to`).
    pub to: Option<String>,
    /// Only these sets (`--set`): CISO Assistant set ref_ids, sheet names,
    /// OSCAL mapping numbers, CCI revisions.
    pub sets: Vec<String>,
    pub dry_run: bool,
    pub replace: bool,
}

/// What happened to one set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Written,
    Unchanged,
    /// `--dry-run`: would be written.
    WouldWrite,
    /// Not written: the exact inverse of another set of the same document.
    Inverse(String),
}

#[derive(Clone, Debug)]
pub struct SetReport {
    pub file: String,
    pub format: super::Format,
    pub document: String,
    pub set: String,
    /// `None` for a reference scheme (CCIs).
    pub source: Option<(String, Chosen)>,
    pub target: (String, Chosen),
    /// The repository file written (or that would be).
    pub output: String,
    pub status: Status,
    pub stated: usize,
    pub written: usize,
    pub duplicates: Vec<String>,
    pub unplaced: Vec<Unplaced>,
    pub without_pairs: Vec<Unpaired>,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub sets: Vec<SetReport>,
}

impl Report {
    /// Whether every pair every source states was placed.
    pub fn complete(&self) -> bool {
        self.sets.iter().all(|s| s.unplaced.is_empty())
    }
}

/// One file to write.
struct Out {
    rel: String,
    text: String,
    /// The set reports (indexes) it carries.
    report: usize,
}

pub fn run(repo_dir: &Path, files: &[PathBuf], opts: &Options) -> Result<Report, Error> {
    let mut repo = Repo::open(repo_dir)?;
    // Reading and parsing the sources is independent work.
    let docs: Vec<Document> = files
        .par_iter()
        .map(|f| {
            let (shown, bytes) =
                crate::import::read_input(f).map_err(|e| Error::repo(e.to_string()))?;
            super::read(&shown, bytes)
        })
        .collect::<Result<_, _>>()?;
    let known_sets: Vec<String> = docs
        .iter()
        .flat_map(|d| d.sets.iter().map(|s| s.name.clone()))
        .collect();
    for wanted in &opts.sets {
        if !known_sets.iter().any(|n| n == wanted) {
            return Err(Error::repo(format!(
                "--set `{}`: no such set in the source(s); sets: {}",
                super::shown(wanted),
                known_sets.join(", ")
            )));
        }
    }
    let mut reports = Vec::new();
    let mut outs: Vec<Out> = Vec::new();
    for doc in &docs {
        let selected: Vec<&super::Set> =
            if doc.format == super::Format::CciList && opts.sets.is_empty() {
                cci_default(&mut repo, doc, opts.to.as_deref())?
            } else {
                doc.sets
                    .iter()
                    .filter(|s| opts.sets.is_empty() || opts.sets.contains(&s.name))
                    .collect()
            };
        if selected.is_empty() {
            continue;
        }
        // The first set's sides are what --from/--to name; a set the other
        // way round (CISO Assistant's reverse sets) takes them swapped.
        let first = selected[0];
        for set in &selected {
            let (from, to) = if set.source.hints == first.source.hints {
                (opts.from.as_deref(), opts.to.as_deref())
            } else if set.source.hints == first.target.hints {
                (opts.to.as_deref(), opts.from.as_deref())
            } else {
                (None, None)
            };
            let report = place_set(&mut repo, doc, set, from, to, opts)?;
            let (rep, out) = report;
            if let Some(mut out) = out {
                out.report = reports.len();
                outs.push(out);
            }
            reports.push(rep);
        }
    }
    // One file, one source: two sets of this run for the same file is a
    // conflict the user must settle.
    let mut by_rel: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, o) in outs.iter().enumerate() {
        if let Some(&j) = by_rel.get(o.rel.as_str()) {
            let a = &reports[outs[j].report];
            let b = &reports[o.report];
            return Err(Error::repo(format!(
                "{} and {} (set `{}`) both map onto {}: import one of them (the other with --replace later if it should win)",
                a.file, b.file, b.set, o.rel
            )));
        }
        by_rel.insert(&o.rel, i);
    }
    if opts.dry_run {
        for o in &outs {
            let same = std::fs::read(repo.root.join(&o.rel)).is_ok_and(|b| b == o.text.as_bytes());
            reports[o.report].status = if same {
                Status::Unchanged
            } else {
                Status::WouldWrite
            };
        }
        return Ok(Report { sets: reports });
    }
    if !outs.is_empty() {
        let _lock =
            crate::import::swap::lock(&repo.root).map_err(|e| Error::repo(e.to_string()))?;
        for o in &outs {
            let (_, changed) = native::write_one(&repo.root, &o.rel, &o.text)
                .map_err(|e| Error::repo(e.to_string()))?;
            reports[o.report].status = if changed {
                Status::Written
            } else {
                Status::Unchanged
            };
        }
    }
    Ok(Report { sets: reports })
}

fn place_set(
    repo: &mut Repo,
    doc: &Document,
    set: &super::Set,
    from: Option<&str>,
    to: Option<&str>,
    opts: &Options,
) -> Result<(SetReport, Option<Out>), Error> {
    let targets: Vec<&RawRef> = set.entries.iter().map(|e| &e.target).collect();
    let target = repo.pick(&doc.path, &set.target, "target", to, &targets)?;
    let file = doc.path.display().to_string();
    let mut report = SetReport {
        file,
        format: doc.format,
        document: doc.title.clone(),
        set: set.name.clone(),
        source: None,
        target: target.clone(),
        output: String::new(),
        status: Status::Unchanged,
        stated: set.stated,
        written: 0,
        duplicates: Vec::new(),
        unplaced: Vec::new(),
        without_pairs: set.without_pairs.clone(),
    };
    if let Some(scheme) = set.source.scheme {
        let fw = native::load(&repo.root, &target.0)
            .map_err(|e| Error::repo(e.to_string()))?
            .framework;
        let (map, missing) = super::cci::place(set, &fw);
        report.written = map.values().map(Vec::len).sum();
        report.duplicates = Vec::new();
        report.unplaced = missing;
        let rel = format!("controls/references/{scheme}--{}.yaml", target.0);
        let table = ReferenceTable {
            schema_version: SCHEMA_VERSION,
            scheme: scheme.to_string(),
            framework: fw.id.clone(),
            source: Some(Source {
                document: doc
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned()),
                sha256: Some(doc.sha256.clone()),
                ..Source::default()
            }),
            map,
        };
        let text = native::render(&rel, Kind::ReferenceTable, &table)
            .map_err(|e| Error::repo(e.to_string()))?;
        report.output = rel.clone();
        return Ok((
            report,
            Some(Out {
                rel,
                text,
                report: 0,
            }),
        ));
    }
    let sources: Vec<&RawRef> = set.entries.iter().map(|e| &e.source).collect();
    let source = repo.pick(&doc.path, &set.source, "source", from, &sources)?;
    report.source = Some(source.clone());
    let rel = format!("controls/mappings/{}--{}.yaml", source.0, target.0);
    report.output = rel.clone();
    if let Some(of) = &set.inverse_of {
        report.status = Status::Inverse(of.clone());
        return Ok((report, None));
    }
    let placed = place_in(repo, set, &source.0, &target.0)?;
    report.written = placed.written;
    report.duplicates = placed.duplicates;
    report.unplaced = placed.unplaced;
    let existing = read_existing(&repo.root, &rel)?;
    let decisions = match &existing {
        None => Vec::new(),
        Some(old) => {
            let same_source = old.provenance.kind == ProvenanceKind::Official
                && old.provenance.sha256.as_deref() == Some(doc.sha256.as_str());
            if !same_source && !opts.replace {
                let what = old
                    .provenance
                    .document
                    .as_deref()
                    .map(|d| {
                        format!(
                            "{} mapping from `{}`",
                            old.provenance.kind.as_str(),
                            super::shown(d)
                        )
                    })
                    .unwrap_or_else(|| format!("{} mapping", old.provenance.kind.as_str()));
                return Err(Error::repo(format!(
                    "{rel} already holds the {what}; {} is another source for the same pair. Keep the file (import nothing), or pass --replace to replace its relationships with this source's (its accepted and rejected suggestions are kept)",
                    doc.path.display()
                )));
            }
            old.decisions.clone()
        }
    };
    let mapping = Mapping {
        schema_version: SCHEMA_VERSION,
        source: crate::model::FrameworkId(source.0.clone()),
        target: crate::model::FrameworkId(target.0.clone()),
        provenance: Provenance {
            kind: ProvenanceKind::Official,
            document: Some(doc.title.clone()),
            url: doc.url.clone(),
            sha256: Some(doc.sha256.clone()),
            hub: None,
        },
        relationships: placed.relations,
        decisions,
    };
    let text =
        native::render(&rel, Kind::Mapping, &mapping).map_err(|e| Error::repo(e.to_string()))?;
    Ok((
        report,
        Some(Out {
            rel,
            text,
            report: 0,
        }),
    ))
}

/// The revisions of the CCI list to import when no `--set` names them:
/// the one `--to` is, or every one the repository has a framework for
/// (the list references revisions most repositories do not keep).
fn cci_default<'d>(
    repo: &mut Repo,
    doc: &'d Document,
    to: Option<&str>,
) -> Result<Vec<&'d super::Set>, Error> {
    let revisions: Vec<&str> = doc.sets.iter().map(super::cci::revision).collect();
    if let Some(to) = to {
        let edition = repo
            .heads
            .iter()
            .find(|h| h.id == to)
            .and_then(|h| h.identity.as_ref())
            .filter(|i| i.family == "sp800-53")
            .and_then(|i| i.edition.clone());
        let major = edition.as_deref().and_then(|e| e.split('.').next());
        let picked: Vec<&super::Set> = doc
            .sets
            .iter()
            .filter(|s| Some(super::cci::revision(s)) == major)
            .collect();
        if picked.is_empty() {
            return Err(Error::repo(format!(
                "{}: cannot tell which SP 800-53 revision `{}` is; pass --set with one of the list's revisions ({})",
                doc.path.display(),
                super::shown(to),
                doc.sets
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        return Ok(picked);
    }
    let mut picked = Vec::new();
    for set in &doc.sets {
        if repo
            .pick(&doc.path, &set.target, "target", None, &[])
            .is_ok()
        {
            picked.push(set);
        }
    }
    if picked.is_empty() {
        let rev5 = super::Identity {
            family: "sp800-53",
            edition: Some("5".into()),
        };
        return Err(Error::repo(format!(
            "{}: DISA's CCI list maps CCIs to NIST SP 800-53 revisions {}, and the repository has none of them; add one with {}, then import again",
            doc.path.display(),
            revisions.join(", "),
            super::resolve::how_to_add(&rev5, &repo.root)
        )));
    }
    Ok(picked)
}

fn place_in(
    repo: &mut Repo,
    set: &super::Set,
    source: &str,
    target: &str,
) -> Result<place::Placed, Error> {
    repo.with_catalogs(source, target, |s, t| place::place(set, s, t))
}

/// The mapping file already at `rel`, if any.
fn read_existing(root: &Path, rel: &str) -> Result<Option<Mapping>, Error> {
    let path = root.join(rel);
    if !path.is_file() {
        return Ok(None);
    }
    let (text, _) = crate::sources::common::read_text(&path)?;
    let m: Mapping = crate::sources::common::parse_yaml(&path, &text).map_err(|e| {
        Error::repo(format!(
            "{e}; fix or remove the mapping file before importing onto it (`aegis validate` says more)"
        ))
    })?;
    Ok(Some(m))
}
