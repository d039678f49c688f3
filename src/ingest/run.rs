//! `aegis ingest`: read scanner files in parallel, map their results to
//! controls, fold each source's scans into its state under
//! `findings/<system>/`, and say what changed. A file that cannot be read
//! is reported and the others are still ingested; a state file is written
//! whole and only when its bytes change.

use super::map::Mapper;
use super::state::{self, Drift, Mapped};
use super::{IngestError, Reader, Scan};
use crate::model::{FindingSet, Limits, MappedBy, SystemId, When};
use crate::schema::Kind;
use crate::workspace::yaml::{self, YamlLimits};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The system the results are about (may be left out when aegis.yaml
    /// defines exactly one).
    pub system: Option<String>,
    /// The target for results whose format names none.
    pub target: Option<String>,
    /// The state's name instead of the tool's (`findings/<system>/<source>.yaml`).
    pub source: Option<String>,
}

/// Why `aegis ingest` could not run at all (exit 2); per-file problems
/// are in [`Report::files`] instead.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Load(#[from] crate::workspace::LoadError),
    #[error(
        "aegis.yaml defines {} systems; pass --system (one of: {})",
        .0.len(),
        .0.join(", ")
    )]
    WhichSystem(Vec<String>),
    #[error("aegis.yaml defines no system `{0}`; the systems are: {1}")]
    UnknownSystem(String, String),
    #[error("aegis.yaml defines no system; add one under `systems:` first")]
    NoSystem,
    #[error("aegis.yaml is not valid; run `aegis validate` and fix it first")]
    BadConfig,
    #[error(
        "another aegis process is writing to {0}/findings; run this again once it has finished"
    )]
    Busy(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{0}` is not a usable source name (letters, digits, '.', '_' and '-')")]
    BadSource(String),
}

/// What happened to one input file.
#[derive(Debug, Serialize)]
pub struct FileReport {
    pub path: String,
    pub format: Option<&'static str>,
    pub scans: usize,
    pub results: usize,
    pub error: Option<String>,
}

/// What happened to one source's state.
#[derive(Debug, Serialize)]
pub struct SourceReport {
    pub system: String,
    pub source: String,
    pub tool: String,
    /// Repository-relative state files and whether each changed.
    pub files: Vec<(String, bool)>,
    pub findings: usize,
    pub drift: Drift,
    pub mapped_by: BTreeMap<String, usize>,
    /// Why this state was not written (an unreadable old state).
    pub error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub files: Vec<FileReport>,
    pub sources: Vec<SourceReport>,
}

impl Report {
    /// Whether anything went wrong (exit 2 for a command run).
    pub fn has_errors(&self) -> bool {
        self.files.iter().any(|f| f.error.is_some())
            || self.sources.iter().any(|s| s.error.is_some())
    }
}

/// One file as its reader read it.
type Read = Result<(&'static dyn Reader, Vec<Scan>), IngestError>;

/// Ingests `inputs` (files or directories) into the repository at `repo`.
pub fn run(repo: &Path, inputs: &[PathBuf], opts: &Options) -> Result<Report, RunError> {
    // The findings are read below, part by part, as the state to fold into.
    let ws = crate::workspace::load_except(repo, &[Kind::Findings])?;
    let outcome = crate::validate::index_only(&ws);
    let Some(config) = outcome.repo.config.as_ref() else {
        return Err(RunError::BadConfig);
    };
    let system = pick_system(config, opts.system.as_deref())?;
    if let Some(s) = &opts.source {
        check_source(s)?;
    }
    let mapper = Mapper::new(&outcome.index, Some(config), &outcome.repo.reference_tables);
    let files = expand(inputs);
    let read: Vec<(PathBuf, Read)> = files
        .par_iter()
        .map(|p| (p.clone(), super::read_path(p)))
        .collect();

    let mut report = Report::default();
    // (source) → scans in the order they are folded.
    let mut groups: BTreeMap<String, Vec<(Option<When>, String, Scan)>> = BTreeMap::new();
    for (path, result) in read {
        let shown = path.display().to_string();
        match result {
            Ok((reader, scans)) => {
                report.files.push(FileReport {
                    path: shown,
                    format: Some(reader.name()),
                    scans: scans.len(),
                    results: scans.iter().map(|s| s.results.len()).sum(),
                    error: None,
                });
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                for mut scan in scans {
                    if let Some(t) = &opts.target {
                        for r in &mut scan.results {
                            if r.target.is_empty() {
                                r.target.clone_from(t);
                            }
                        }
                    }
                    let source = match &opts.source {
                        Some(s) => s.clone(),
                        None => source_name(&scan.tool, scan.format),
                    };
                    let time = scan.time.as_deref().and_then(scan_time);
                    groups
                        .entry(source)
                        .or_default()
                        .push((time, name.clone(), scan));
                }
            }
            Err(e) => report.files.push(FileReport {
                path: shown,
                format: None,
                scans: 0,
                results: 0,
                error: Some(e.to_string()),
            }),
        }
    }

    let findings_dir = repo.join("findings");
    if groups.is_empty() {
        return Ok(report);
    }
    if std::fs::symlink_metadata(&findings_dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(RunError::Write {
            path: findings_dir,
            source: std::io::Error::other(
                "is a symbolic link; Aegis never writes through one: make it a real directory",
            ),
        });
    }
    let _lock = match crate::write::try_lock_dir(&findings_dir) {
        Ok(Some(l)) => l,
        Ok(None) => return Err(RunError::Busy(repo.to_path_buf())),
        Err(source) => {
            return Err(RunError::Write {
                path: findings_dir,
                source,
            });
        }
    };
    let max_bytes = ws.limits.max_file_bytes;
    let system_model = config.systems.iter().find(|s| s.id == system);
    for (source, mut scans) in groups {
        // Older scans first, so the newest decides the state.
        scans.sort_by(|a, b| {
            (a.0.as_ref().map(|w| w.date), &a.1).cmp(&(b.0.as_ref().map(|w| w.date), &b.1))
        });
        let rel_stem = format!("findings/{}/{source}", system.as_str());
        let tool = scans.last().map(|s| s.2.tool.clone()).unwrap_or_default();
        let old = match read_state(repo, &rel_stem, &ws.limits) {
            Ok(old) => old,
            Err(e) => {
                report.sources.push(SourceReport {
                    system: system.0.clone(),
                    source,
                    tool,
                    files: Vec::new(),
                    findings: 0,
                    drift: Drift::default(),
                    mapped_by: BTreeMap::new(),
                    error: Some(e),
                });
                continue;
            }
        };
        let mut state = old;
        let mut total = Drift::default();
        let mut mapped_by: BTreeMap<String, usize> = BTreeMap::new();
        for (time, file, mut scan) in scans {
            let results = std::mem::take(&mut scan.results);
            let mapped: Vec<Mapped> = results
                .into_par_iter()
                .map(|r| {
                    let (controls, how) = mapper.map(&r, system_model);
                    Mapped {
                        result: r,
                        controls,
                        mapped_by: how,
                    }
                })
                .collect();
            for m in &mapped {
                *mapped_by
                    .entry(mapped_name(m.mapped_by).to_string())
                    .or_default() += 1;
            }
            let (next, drift) = state::fold(state, &system, &scan, mapped, Some(file), time);
            merge_drift(&mut total, drift);
            state = Some(next);
        }
        let Some(state) = state else { continue };
        let findings = state.findings.len();
        let parts = render_parts(&rel_stem, &state, max_bytes);
        let written = write_parts(repo, &rel_stem, &parts)?;
        report.sources.push(SourceReport {
            system: system.0.clone(),
            source,
            tool,
            files: written,
            findings,
            drift: total,
            mapped_by,
            error: None,
        });
    }
    Ok(report)
}

fn mapped_name(m: MappedBy) -> &'static str {
    match m {
        MappedBy::References => "references",
        MappedBy::Cci => "cci",
        MappedBy::Cwe => "cwe",
        MappedBy::Table => "table",
        MappedBy::Default => "default",
        MappedBy::Unmapped => "unmapped",
    }
}

fn merge_drift(total: &mut Drift, d: Drift) {
    // A later scan of the same source supersedes what an earlier one said
    // about the same finding; lists keep the latest word on each.
    let keys: std::collections::HashSet<_> = d
        .new_failures
        .iter()
        .chain(&d.fixed)
        .chain(&d.reopened)
        .chain(&d.still_failing)
        .cloned()
        .collect();
    for list in [
        &mut total.new_failures,
        &mut total.fixed,
        &mut total.reopened,
        &mut total.still_failing,
    ] {
        list.retain(|k| !keys.contains(k));
    }
    total.new_failures.extend(d.new_failures);
    total.fixed.extend(d.fixed);
    total.reopened.extend(d.reopened);
    total.still_failing.extend(d.still_failing);
    total.observed.extend(d.observed);
    total.unseen_targets = d.unseen_targets;
    for (r, n) in d.results {
        *total.results.entry(r).or_default() += n;
    }
}

pub(crate) fn pick_system(
    config: &crate::model::Config,
    wanted: Option<&str>,
) -> Result<SystemId, RunError> {
    let ids: Vec<String> = config.systems.iter().map(|s| s.id.0.clone()).collect();
    match wanted {
        Some(w) if ids.iter().any(|i| i == w) => Ok(SystemId(w.to_string())),
        Some(w) => Err(RunError::UnknownSystem(
            crate::excerpt::text(w),
            ids.join(", "),
        )),
        None => match ids.as_slice() {
            [one] => Ok(SystemId(one.clone())),
            [] => Err(RunError::NoSystem),
            _ => Err(RunError::WhichSystem(ids)),
        },
    }
}

fn check_source(s: &str) -> Result<(), RunError> {
    let ok = !s.is_empty()
        && !s.starts_with('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(RunError::BadSource(crate::excerpt::text(s)))
    }
}

/// A source's name from its tool (`OpenSCAP` → `openscap`, `Prowler` →
/// `prowler`): lower-case letters, digits and '-', never empty.
pub fn source_name(tool: &str, format: &str) -> String {
    let mut s = String::new();
    for c in tool.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() { format.to_string() } else { s }
}

/// A scan's time as the scanner wrote it, as a `When`: RFC 3339, a date,
/// or a date-time without an offset (read as UTC).
pub fn scan_time(s: &str) -> Option<When> {
    let t = s.trim();
    if let Ok(w) = t.parse::<When>() {
        return Some(w);
    }
    if let Ok(dt) = t.parse::<jiff::civil::DateTime>() {
        let z = dt.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok()?;
        return z.timestamp().to_string().parse().ok();
    }
    for fmt in [
        "%a %b %d %H:%M:%S %Y",
        "%a, %d %b %Y %H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(dt) = jiff::civil::DateTime::strptime(fmt, t) {
            let z = dt.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok()?;
            return z.timestamp().to_string().parse().ok();
        }
    }
    None
}

/// Files to read: each file given, and the files under each directory
/// given (sorted, hidden names skipped, links not followed).
pub(crate) fn expand(inputs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(input)
                .follow_links(false)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
                })
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(walkdir::DirEntry::into_path)
                .collect();
            found.sort();
            out.extend(found);
        } else {
            out.push(input.clone());
        }
    }
    out
}

/// The part files of a state: `<stem>.yaml`, `<stem>.2.yaml`, ...
fn part_name(stem: &str, n: usize) -> String {
    if n == 1 {
        format!("{stem}.yaml")
    } else {
        format!("{stem}.{n}.yaml")
    }
}

/// The existing state of a source, its parts merged; `None` when there is
/// none. A state that does not read back is an error: it is never
/// overwritten by a guess.
fn read_state(repo: &Path, stem: &str, limits: &Limits) -> Result<Option<FindingSet>, String> {
    let mut rels = Vec::new();
    for n in 1.. {
        let rel = part_name(stem, n);
        match std::fs::symlink_metadata(repo.join(&rel)) {
            Ok(_) => rels.push(rel),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
            Err(e) => return Err(format!("cannot read {rel}: {e}")),
        }
    }
    let parts: Vec<Result<FindingSet, String>> = rels
        .par_iter()
        .map(|rel| read_part(repo, rel, limits))
        .collect();
    let mut set: Option<FindingSet> = None;
    for part in parts {
        let part = part?;
        match &mut set {
            None => set = Some(part),
            Some(s) => s.findings.extend(part.findings),
        }
    }
    Ok(set)
}

/// One part of a state, parsed under the repository's limits like every
/// file `aegis validate` reads.
fn read_part(repo: &Path, rel: &str, limits: &Limits) -> Result<FindingSet, String> {
    let path = repo.join(rel);
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(format!(
            "{rel} is a symbolic link; Aegis never reads state through one: make it a regular file"
        ));
    }
    let bytes = crate::workspace::read_bounded(&path, limits.max_file_bytes)
        .map_err(|e| format!("cannot read {rel}: {e}"))?
        .ok_or_else(|| {
            format!(
                "{rel} is over limits.max_file_bytes ({} bytes); Aegis writes parts within it: split or remove it, then ingest again",
                limits.max_file_bytes
            )
        })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{rel} is not UTF-8; fix or remove it, then ingest again"))?;
    let ylimits = YamlLimits {
        max_depth: limits.max_depth,
        ..YamlLimits::default()
    };
    let node = yaml::parse(
        text.trim_start_matches('\u{feff}'),
        ylimits,
        Default::default(),
    )
    .map_err(|e| {
        format!(
            "{rel}:{}:{}: {}; fix or remove it (run `aegis validate`), then ingest again",
            e.pos.line, e.pos.column, e.message
        )
    })?;
    serde_json::from_value(node.to_json()).map_err(|e| {
        format!(
            "{rel} is not a valid findings file ({}); fix or remove it (run `aegis validate`), then ingest again",
            crate::excerpt::message(&e.to_string())
        )
    })
}

/// The state as part files, each within the size limit `aegis validate`
/// applies and the loader's budget of values per file.
///
/// Each finding is rendered once, in parallel, as a one-item block
/// sequence: that is exactly its text under `findings:` (the last key,
/// written at the left margin), so parts are cut and joined from those
/// texts without rendering the state again.
fn render_parts(stem: &str, set: &FindingSet, max_bytes: u64) -> Vec<(String, String)> {
    const MAX_LINES: usize = 300_000;
    let header = |rel: &str| {
        let empty = FindingSet {
            schema_version: set.schema_version,
            system: set.system.clone(),
            source: set.source.clone(),
            scan: set.scan.clone(),
            findings: Vec::new(),
        };
        crate::import::native::render(rel, Kind::Findings, &empty).unwrap_or_default()
    };
    let items: Vec<String> = set
        .findings
        .par_iter()
        .map(|f| serde_saphyr::to_string(&std::slice::from_ref(f)).unwrap_or_default())
        .collect();
    let first = part_name(stem, 1);
    let head = header(&first);
    // Cut points: a part is full when the next finding would take it past
    // the byte or line limit (a part always takes at least one finding).
    let mut cuts: Vec<std::ops::Range<usize>> = Vec::new();
    let fixed = (head.len() + FINDINGS_KEY.len()) as u64;
    let (mut begin, mut bytes, mut lines) = (0usize, fixed, 0usize);
    for (i, item) in items.iter().enumerate() {
        let (b, l) = (item.len() as u64, item.matches('\n').count());
        if i > begin && (bytes + b > max_bytes || lines + l > MAX_LINES) {
            cuts.push(begin..i);
            (begin, bytes, lines) = (i, fixed, 0);
        }
        bytes += b;
        lines += l;
    }
    cuts.push(begin..items.len());
    cuts.into_iter()
        .enumerate()
        .map(|(n, range)| {
            let rel = part_name(stem, n + 1);
            let mut text = if n == 0 { head.clone() } else { header(&rel) };
            if !range.is_empty() {
                text.push_str(FINDINGS_KEY);
                for item in &items[range] {
                    text.push_str(item);
                }
            }
            (rel, text)
        })
        .collect()
}

/// The key the findings follow in a state file.
const FINDINGS_KEY: &str = "findings:\n";

/// Writes the parts (each atomically, only when changed) and removes
/// parts the state no longer needs.
fn write_parts(
    repo: &Path,
    stem: &str,
    parts: &[(String, String)],
) -> Result<Vec<(String, bool)>, RunError> {
    let mut out = Vec::new();
    for (rel, text) in parts {
        let path = repo.join(rel);
        let changed = crate::write::write_if_changed(&path, text.as_bytes())
            .map_err(|source| RunError::Write { path, source })?;
        out.push((rel.clone(), changed));
    }
    for n in parts.len() + 1.. {
        let rel = part_name(stem, n);
        let path = repo.join(&rel);
        match std::fs::remove_file(&path) {
            Ok(()) => out.push((rel, true)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
            Err(source) => return Err(RunError::Write { path, source }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_names_and_scan_times() {
        assert_eq!(source_name("OpenSCAP", "xccdf"), "openscap");
        assert_eq!(
            source_name("Prisma Cloud (Twistlock)", "twistlock"),
            "prisma-cloud-twistlock"
        );
        assert_eq!(source_name("", "sarif"), "sarif");
        assert!(scan_time("2021-08-17T21:37:55").is_some());
        assert!(scan_time("2021-08-17T21:37:55+02:00").is_some());
        assert!(scan_time("2021-08-17").is_some());
        assert!(scan_time("Thu Feb 10 10:44:26 2022").is_some());
        assert!(scan_time("yesterday").is_none());
    }

    fn sample_set(n: usize) -> FindingSet {
        use crate::model::{ControlRef, Finding, Observed, ScanInfo, ScanResult, ScanSource};
        let when: When = "2024-05-01T10:00:00Z".parse().expect("a time");
        let findings = (0..n)
            .map(|i| Finding {
                target: Some(format!("host-{}", i % 3)),
                profile: (i % 2 == 0).then(|| "stig: \"rhel\"".to_string()),
                rule_id: format!("rule-{i:04}"),
                title: Some("a title: with # and\nnew line".into()),
                result: if i % 4 == 0 {
                    ScanResult::Fail
                } else {
                    ScanResult::Pass
                },
                severity: Some("high".into()),
                controls: vec![ControlRef("sp800-53r5:ac-2".into())],
                mapped_by: MappedBy::Cci,
                references: vec!["cci:CCI-000015".into(), "- leading dash".into()],
                observed: vec![Observed {
                    name: "key: value".into(),
                    expected: Some("".into()),
                    actual: Some("  padded ".into()),
                }],
                overridden: (i % 5 == 0).then(|| "notapplicable".into()),
                message: Some("multi\nline\n\ttext".into()),
                since: Some(when.clone()),
                fixed: None,
            })
            .collect();
        FindingSet {
            schema_version: 1,
            system: SystemId("app".into()),
            source: ScanSource {
                tool: "OpenSCAP".into(),
                version: Some("1.3.5".into()),
                format: Some("xccdf".into()),
            },
            scan: Some(ScanInfo {
                id: Some("scan".into()),
                time: Some(when),
                profile: None,
                file: Some("a.xml".into()),
            }),
            findings,
        }
    }

    #[test]
    fn parts_joined_from_findings_read_as_a_whole_render() {
        for n in [0, 1, 7] {
            let set = sample_set(n);
            let parts = render_parts("findings/app/openscap", &set, u64::MAX);
            assert_eq!(parts.len(), 1);
            let whole =
                crate::import::native::render("findings/app/openscap.yaml", Kind::Findings, &set)
                    .expect("renders");
            assert_eq!(parts[0].1, whole, "{n} findings");
        }
    }

    #[test]
    fn parts_stay_within_the_byte_limit_and_read_back_to_the_state() {
        let set = sample_set(40);
        let parts = render_parts("findings/app/openscap", &set, 4_000);
        assert!(parts.len() > 3, "{} parts", parts.len());
        assert_eq!(parts[1].0, "findings/app/openscap.2.yaml");
        let mut back = Vec::new();
        for (_, text) in &parts {
            assert!(text.len() <= 4_000, "{} bytes", text.len());
            let part: FindingSet = serde_saphyr::from_str(text).expect("parses");
            assert_eq!(part.system, set.system);
            back.extend(part.findings);
        }
        assert_eq!(back, set.findings);
    }
}
