//! Reference tables from their official sources: DISA's CCI list becomes
//! `controls/references/cci--<framework>.yaml` for each SP 800-53
//! framework of the repository, with the revision the framework is, so
//! that `aegis ingest` can map CCIs in checklists and SCAP results.

use super::{ImportError, ImportOptions, Outcome, native};
use crate::model::{Framework, ReferenceTable, SCHEMA_VERSION, Source, normalize_control_id};
use crate::schema::Kind;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Imports DISA's CCI list (`bytes`, read from `file`) as a reference
/// table for each SP 800-53 framework (or the one `--catalog` names).
pub fn import_cci(
    repo: &Path,
    file: &Path,
    bytes: &[u8],
    opts: &ImportOptions,
) -> Result<Outcome, ImportError> {
    let list =
        crate::ingest::cci::read(&mut &bytes[..], file).map_err(|e| ImportError::Invalid {
            path: file.to_path_buf(),
            message: e.to_string(),
        })?;
    let targets: Vec<String> = match &opts.catalog {
        Some(id) => vec![id.clone()],
        None => native::framework_ids(repo)
            .into_iter()
            .filter(|id| id.contains("800-53"))
            .collect(),
    };
    if targets.is_empty() {
        return Err(ImportError::Invalid {
            path: file.to_path_buf(),
            message: "is DISA's CCI list, which maps CCIs to NIST SP 800-53, and the repository has no SP 800-53 framework; import SP 800-53 first (or pass --catalog <framework-id>)".into(),
        });
    }
    let sha = super::sha256_hex(bytes);
    let mut written = Vec::new();
    let mut notes = Vec::new();
    let mut mapped_total = 0;
    for id in &targets {
        let fw = native::load(repo, id)?.framework;
        let Some(revision) = revision_of(&fw) else {
            notes.push(format!(
                "skipped `{id}`: its version ({}) names no SP 800-53 revision the CCI list knows (4 or 5)",
                crate::excerpt::text(&fw.version)
            ));
            continue;
        };
        let (table, missing) = table_for(&fw, &revision, &list, file, &sha);
        let mapped = table.map.len();
        mapped_total += mapped;
        if missing > 0 {
            notes.push(format!(
                "`{id}`: {missing} CCI reference(s) to revision {revision} name controls the framework does not have or has withdrawn, and were left out"
            ));
        }
        notes.push(format!(
            "`{id}`: {mapped} of {} CCIs map to revision {revision} controls",
            list.len()
        ));
        let rel = format!("controls/references/cci--{id}.yaml");
        let text = native::render(&rel, Kind::ReferenceTable, &table)?;
        written.push(native::write_one(repo, &rel, &text)?);
    }
    let files: Vec<&str> = written.iter().map(|(f, _)| f.as_str()).collect();
    Ok(Outcome {
        framework: targets.join(", "),
        baseline: None,
        controls: mapped_total,
        summary: Some(format!(
            "imported DISA's CCI list as reference table(s) {}; `aegis ingest` now maps CCIs to controls",
            files.join(", ")
        )),
        written,
        notes,
        baselines: Vec::new(),
    })
}

/// The SP 800-53 revision a framework is, as the CCI list numbers them.
fn revision_of(fw: &Framework) -> Option<String> {
    let v = fw.version.trim().trim_start_matches(['v', 'V']);
    if let Some(major) = v.split('.').next().filter(|m| *m == "4" || *m == "5") {
        return Some(major.to_string());
    }
    let id = fw.id.as_str();
    ["rev5", "rev4"]
        .into_iter()
        .find(|r| id.contains(r))
        .map(|r| r[3..].to_string())
}

/// The table for `fw`: each CCI → the framework's controls (as it writes
/// them) that the list names for `revision`; and how many references named
/// a control the framework does not have.
fn table_for(
    fw: &Framework,
    revision: &str,
    list: &crate::ingest::cci::CciList,
    file: &Path,
    sha: &str,
) -> (ReferenceTable, usize) {
    let (map, missing) = table_map(fw, revision, list);
    let table = ReferenceTable {
        schema_version: SCHEMA_VERSION,
        scheme: "cci".into(),
        framework: fw.id.clone(),
        source: Some(Source {
            document: file.file_name().map(|n| n.to_string_lossy().into_owned()),
            sha256: Some(sha.to_string()),
            ..Source::default()
        }),
        map,
    };
    (table, missing.len())
}

/// A reference the table leaves out: the CCI, the control the list names,
/// and whether `fw` has that control withdrawn (else it has none).
pub(crate) struct Missing {
    pub cci: String,
    pub control: String,
    pub withdrawn: bool,
}

/// Each CCI → the controls of `fw` (as it writes them) the list names for
/// `revision`, and the references it leaves out.
pub(crate) fn table_map(
    fw: &Framework,
    revision: &str,
    list: &crate::ingest::cci::CciList,
) -> (BTreeMap<String, Vec<String>>, Vec<Missing>) {
    // Withdrawn controls are left out: a finding must count against a
    // control someone implements.
    let by_key: HashMap<String, (String, bool)> = fw
        .controls
        .iter()
        .flat_map(|c| {
            let shown = c.label.clone().unwrap_or_else(|| c.id.0.clone());
            [
                c.id.0.as_str(),
                c.label.as_deref().unwrap_or(c.id.0.as_str()),
            ]
            .map(|k| (normalize_control_id(k), (shown.clone(), c.withdrawn)))
        })
        .collect();
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut missing = Vec::new();
    for (cci, refs) in list {
        for (_, control) in refs.iter().filter(|(r, _)| r == revision) {
            match by_key.get(&normalize_control_id(control)) {
                Some((shown, false)) => {
                    let v = map.entry(cci.clone()).or_default();
                    if !v.contains(shown) {
                        v.push(shown.clone());
                    }
                }
                Some((_, true)) => missing.push(Missing {
                    cci: cci.clone(),
                    control: control.clone(),
                    withdrawn: true,
                }),
                None => missing.push(Missing {
                    cci: cci.clone(),
                    control: control.clone(),
                    withdrawn: false,
                }),
            }
        }
    }
    (map, missing)
}
