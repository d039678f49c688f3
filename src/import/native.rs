//! The native files of a framework: rendering them byte-stably, writing
//! them atomically, and reading them back.
//!
//! A catalog with groups is split into `catalog/<group>.yaml`, one file per
//! top-level group (family); `framework.yaml` keeps the metadata, every
//! group and any controls outside groups.

use super::{ImportError, Loaded};
use crate::model::{
    BaselineFile, Catalog, Control, Framework, FrameworkId, SCHEMA_VERSION, Source,
};
use crate::schema::Kind;
use crate::workspace::yaml::{self, YamlLimits};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub fn framework_dir(id: &str) -> String {
    format!("controls/{id}")
}

/// Where a baseline lives; both ids have passed `check_framework_id`.
pub fn baseline_path(framework: &str, baseline: &str) -> String {
    format!("controls/{framework}/baselines/{baseline}.yaml")
}

/// YAML text of `value` for the file at repository-relative `rel`, with the
/// schema modeline editors use.
pub fn render<T: Serialize>(rel: &str, kind: Kind, value: &T) -> Result<String, ImportError> {
    let body = serde_saphyr::to_string(value).map_err(|e| ImportError::Serialize {
        what: rel.to_string(),
        message: e.to_string(),
    })?;
    let mut text = kind.modeline(rel);
    text.push('\n');
    text.push_str(&body);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// A group's file name: its id, reduced to what is safe in a path.
fn file_stem(group: &str) -> String {
    let s: String = group
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with('.') {
        format!("g{s}")
    } else {
        s
    }
}

/// Every file of `fw` (whose `controls` holds all controls): repository
/// path and text, each file within the default `limits.max_file_bytes`.
pub fn render_framework(fw: &Framework) -> Result<Vec<(String, String)>, ImportError> {
    render_framework_within(fw, crate::model::Limits::default().max_file_bytes)
}

/// Every file of `fw`, none larger than `max_bytes` (the repository's
/// `limits.max_file_bytes`, which `aegis validate` enforces): a group's
/// part that would be larger is split into `catalog/<group>.yaml`,
/// `catalog/<group>.2.yaml`, ... (a group file's name never has a `.`, so
/// these never clash), each holding whole controls in catalog order.
pub fn render_framework_within(
    fw: &Framework,
    max_bytes: u64,
) -> Result<Vec<(String, String)>, ImportError> {
    super::oscal::catalog::check_framework_id(fw.id.as_str())?;
    let dir = framework_dir(fw.id.as_str());
    let parents: HashMap<&str, Option<&str>> = fw
        .groups
        .iter()
        .map(|g| (g.id.as_str(), g.parent.as_deref()))
        .collect();
    let root_of = |start: &str| -> String {
        let mut g = start.to_string();
        // Bounded: a parent chain longer than the group count is a loop.
        for _ in 0..=fw.groups.len() {
            match parents.get(g.as_str()).copied().flatten() {
                Some(p) => g = p.to_string(),
                None => break,
            }
        }
        g
    };
    let mut top: Vec<Control> = Vec::new();
    let mut per_root: Vec<(String, Vec<Control>)> = fw
        .groups
        .iter()
        .filter(|g| g.parent.is_none())
        .map(|g| (g.id.clone(), Vec::new()))
        .collect();
    let slot: HashMap<String, usize> = per_root
        .iter()
        .enumerate()
        .map(|(i, (g, _))| (g.clone(), i))
        .collect();
    for c in &fw.controls {
        match c
            .group
            .as_deref()
            .map(root_of)
            .and_then(|r| slot.get(&r).copied())
        {
            Some(i) => per_root[i].1.push(c.clone()),
            None => top.push(c.clone()),
        }
    }
    let mut head = fw.clone();
    head.controls = top;
    let head_rel = format!("{dir}/framework.yaml");
    let head_text = render(&head_rel, Kind::Framework, &head)?;
    fits(
        &head_rel,
        &head_text,
        max_bytes,
        "it holds the metadata, the groups, the back-matter and every control outside a group",
    )?;
    let mut files = vec![(head_rel, head_text)];
    let mut stems = HashMap::new();
    for (group, controls) in per_root {
        if controls.is_empty() {
            continue;
        }
        let stem = file_stem(&group);
        if let Some(other) = stems.insert(stem.clone(), group.clone()) {
            return Err(ImportError::Invalid {
                path: dir.clone().into(),
                message: format!(
                    "groups `{}` and `{}` would share the file catalog/{stem}.yaml",
                    crate::excerpt::text(&other),
                    crate::excerpt::text(&group)
                ),
            });
        }
        files.extend(render_parts(fw, &dir, &stem, controls, max_bytes)?);
    }
    Ok(files)
}

/// Refuses a file `aegis validate` would refuse as too large.
pub fn fits(rel: &str, text: &str, max_bytes: u64, why: &str) -> Result<(), ImportError> {
    if text.len() as u64 <= max_bytes {
        return Ok(());
    }
    Err(ImportError::TooLargeToWrite {
        path: rel.into(),
        size: text.len() as u64,
        max: max_bytes,
        why: why.to_string(),
    })
}

/// The part file name of part `n` (1-based) of a group.
fn part_name(dir: &str, stem: &str, n: usize) -> String {
    if n == 1 {
        format!("{dir}/catalog/{stem}.yaml")
    } else {
        format!("{dir}/catalog/{stem}.{n}.yaml")
    }
}

/// The part number of a catalog file (`ac.yaml` 1, `ac.2.yaml` 2).
fn part_number(path: &Path) -> usize {
    path.file_stem()
        .and_then(|s| s.to_str())
        .and_then(|s| s.rsplit_once('.'))
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(1)
}

/// At most this many lines in one part file. Block YAML has at most three
/// values on a line (a list item's mapping, a key, a scalar), so a part
/// stays under the loader's budget of a million values per file
/// (`workspace::yaml::YamlLimits`), whatever `max_file_bytes` allows.
const PART_MAX_LINES: usize = 300_000;

/// A group's controls as one part file, or as several when one would be
/// larger than `max_bytes` or longer than [`PART_MAX_LINES`]. The block
/// YAML of a part is its header then each control's list item, so a
/// control's size is what it adds; parts are filled greedily, in order,
/// and each is checked once rendered.
fn render_parts(
    fw: &Framework,
    dir: &str,
    stem: &str,
    controls: Vec<Control>,
    max_bytes: u64,
) -> Result<Vec<(String, String)>, ImportError> {
    let part = |controls: Vec<Control>| Catalog {
        schema_version: SCHEMA_VERSION,
        framework: fw.id.clone(),
        groups: Vec::new(),
        controls,
    };
    let first = part_name(dir, stem, 1);
    let whole = render(&first, Kind::Catalog, &part(controls.clone()))?;
    let line_count = |t: &str| t.matches('\n').count();
    if whole.len() as u64 <= max_bytes && line_count(&whole) <= PART_MAX_LINES {
        return Ok(vec![(first, whole)]);
    }
    let mut sizes = Vec::with_capacity(controls.len());
    let mut lines = Vec::with_capacity(controls.len());
    for c in &controls {
        let item = serde_saphyr::to_string(&std::slice::from_ref(c)).map_err(|e| {
            ImportError::Serialize {
                what: format!("control {}", c.id),
                message: e.to_string(),
            }
        })?;
        sizes.push(item.len() as u64);
        lines.push(line_count(&item));
    }
    let header = (whole.len() as u64).saturating_sub(sizes.iter().sum());
    let header_lines = line_count(&whole).saturating_sub(lines.iter().sum());
    let mut chunks: Vec<Vec<Control>> = vec![Vec::new()];
    let mut used = header;
    let mut used_lines = header_lines;
    for ((c, size), n) in controls.into_iter().zip(sizes).zip(lines) {
        if header + size > max_bytes {
            return Err(ImportError::TooLargeToWrite {
                path: first.into(),
                size: header + size,
                max: max_bytes,
                why: format!(
                    "control `{}` alone is that large, so no split helps",
                    crate::excerpt::text(c.id.as_str())
                ),
            });
        }
        let current = chunks.last().map_or(0, Vec::len);
        if current > 0 && (used + size > max_bytes || used_lines + n > PART_MAX_LINES) {
            chunks.push(Vec::new());
            used = header;
            used_lines = header_lines;
        }
        used += size;
        used_lines += n;
        if let Some(last) = chunks.last_mut() {
            last.push(c);
        }
    }
    let mut out = Vec::with_capacity(chunks.len());
    for (i, chunk) in chunks.into_iter().enumerate() {
        let rel = part_name(dir, stem, i + 1);
        let text = render(&rel, Kind::Catalog, &part(chunk))?;
        fits(&rel, &text, max_bytes, "a part of a split group")?;
        out.push((rel, text));
    }
    Ok(out)
}

/// Writes one file (atomically, only when changed), never through a
/// symbolic link to a folder. The caller holds the `controls/` lock.
pub fn write_one(repo: &Path, rel: &str, text: &str) -> Result<(String, bool), ImportError> {
    super::swap::refuse_symlinks_above(repo, rel)?;
    let path = repo.join(rel);
    let changed = crate::write::write_if_changed(&path, text.as_bytes())
        .map_err(|source| ImportError::Write { path, source })?;
    Ok((rel.to_string(), changed))
}

/// A note when importing `fw` replaces a framework of the same id that came
/// from a different source document, so a clash of derived ids is never
/// silent (re-importing the same source says nothing).
pub fn replacement_note(repo: &Path, fw: &Framework) -> Option<String> {
    let old = load(repo, fw.id.as_str()).ok()?.framework;
    if same_source(old.source.as_ref(), fw.source.as_ref()) && old.title == fw.title {
        return None;
    }
    Some(format!(
        "replaced framework `{}` ({} controls, version {}, from {}); pass --id to keep both",
        old.id,
        old.controls.len(),
        crate::excerpt::text(&old.version),
        origin(old.source.as_ref())
    ))
}

/// Whether two records came from the same source document (by its hash).
fn same_source(a: Option<&Source>, b: Option<&Source>) -> bool {
    let sha = |s: Option<&Source>| s.and_then(|s| s.sha256.clone());
    sha(a) == sha(b)
}

/// Where a record came from, for a note: its document, else its URL.
fn origin(source: Option<&Source>) -> String {
    let from = source
        .and_then(|s| s.document.clone().or_else(|| s.url.clone()))
        .unwrap_or_else(|| "an unrecorded source".into());
    crate::excerpt::text(&from)
}

/// A repository-relative path and the text to write there.
type FileText = (String, String);

/// A note when writing `b` replaces a baseline of the same id imported
/// from a different source (another release's profile, say), as
/// [`replacement_note`] does for frameworks.
pub fn baseline_replacement_note(repo: &Path, b: &BaselineFile) -> Option<String> {
    let rel = baseline_path(b.framework.as_str(), b.id.as_str());
    let old: BaselineFile = read_yaml(&repo.join(&rel)).ok()?;
    if same_source(old.source.as_ref(), b.source.as_ref()) && old.title == b.title {
        return None;
    }
    Some(format!(
        "replaced baseline `{}@{}` ({} controls, from {}); pass --baseline to keep both",
        old.framework,
        old.id,
        old.controls.len(),
        origin(old.source.as_ref())
    ))
}

/// A baseline's file: its path and text, refused when `aegis validate`
/// would find it too large.
pub fn render_baseline(b: &BaselineFile, max_bytes: u64) -> Result<FileText, ImportError> {
    let rel = baseline_path(b.framework.as_str(), b.id.as_str());
    let text = render(&rel, Kind::Baseline, b)?;
    fits(
        &rel,
        &text,
        max_bytes,
        "it is the baseline's selection and settings",
    )?;
    Ok((rel, text))
}

/// Writes a framework's files; the caller holds the `controls/` lock.
/// `framework.yaml` and `catalog/` are replaced as a whole by a staged swap
/// (`swap::replace_catalog`): catalog parts the new import no longer has
/// disappear, and nothing else in the framework's folder (baselines,
/// sources, the user's own files) is moved. Other files in `files`
/// (baselines a source defines) are then written one by one. Nothing is
/// touched when nothing changed.
pub fn write_framework(
    repo: &Path,
    fw: &Framework,
    files: &[(String, String)],
) -> Result<Vec<(String, bool)>, ImportError> {
    let dir_rel = framework_dir(fw.id.as_str());
    let prefix = format!("{dir_rel}/");
    let inside = |rel: &str| rel.strip_prefix(&prefix).map(str::to_string);
    let is_core = |sub: &str| sub == "framework.yaml" || sub.starts_with("catalog/");
    let (core, extra): (Vec<&FileText>, Vec<&FileText>) = files
        .iter()
        .partition(|(rel, _)| inside(rel).is_some_and(|s| is_core(&s)));
    let dir = repo.join(&dir_rel);
    let mut written: Vec<(String, bool)> = core
        .iter()
        .map(|(rel, text)| {
            let same = std::fs::read(repo.join(rel)).is_ok_and(|old| old == text.as_bytes());
            (rel.clone(), !same)
        })
        .collect();
    let mut stale: Vec<String> = std::fs::read_dir(dir.join("catalog"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| format!("{dir_rel}/catalog/{}", e.file_name().to_string_lossy()))
        .filter(|rel| !core.iter().any(|(r, _)| r == rel))
        .collect();
    stale.sort();
    if written.iter().any(|(_, changed)| *changed) || !stale.is_empty() {
        let staged: Vec<(String, String)> = core
            .iter()
            .filter_map(|(rel, text)| inside(rel).map(|sub| (sub, text.clone())))
            .collect();
        super::swap::replace_catalog(repo, fw.id.as_str(), &staged)?;
        written.extend(stale.into_iter().map(|rel| (rel, true)));
    }
    for (rel, text) in extra {
        written.push(write_one(repo, rel, text)?);
    }
    Ok(written)
}

fn read_yaml<T: DeserializeOwned>(path: &Path) -> Result<T, ImportError> {
    let (text, _) = super::read_source(path)?;
    let limits = YamlLimits {
        max_depth: 128,
        max_nodes: 8_000_000,
    };
    // Straight into the model when the file is sound (about twice as fast);
    // the span-keeping parse below only runs to explain a failure.
    if let Ok(v) = serde_saphyr::from_str_with_options::<T>(
        text.trim_start_matches('\u{feff}'),
        yaml::options(limits),
    ) {
        return Ok(v);
    }
    let node = yaml::parse(
        text.trim_start_matches('\u{feff}'),
        limits,
        Default::default(),
    )
    .map_err(|e| ImportError::Native {
        path: path.to_path_buf(),
        message: format!(
            "{}:{}: {}",
            e.pos.line,
            e.pos.column,
            crate::excerpt::message(&e.message)
        ),
    })?;
    serde_json::from_value(node.to_json()).map_err(|e| ImportError::Native {
        path: path.to_path_buf(),
        message: format!(
            "{} (run `aegis validate` for details)",
            crate::excerpt::message(&e.to_string())
        ),
    })
}

/// The ids of the frameworks under `repo/controls/`, sorted. Hidden
/// folders (an import's stage, what an interrupted one left) are never
/// frameworks.
pub fn framework_ids(repo: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(repo.join("controls"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        // A linked folder is not a framework of this repository (validate
        // does not read it either).
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| e.path().join("framework.yaml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids
}

/// Reads only `framework.yaml` of framework `id`: its id, title, version
/// and source, without the catalog parts (for commands that pick a
/// framework before they need its controls).
pub fn load_head(repo: &Path, id: &str) -> Result<Framework, ImportError> {
    let (_, head) = head_of(repo, id)?;
    read_yaml(&head)
}

/// The repository's canonical root and framework `id`'s `framework.yaml`,
/// which must exist inside it.
fn head_of(repo: &Path, id: &str) -> Result<(PathBuf, PathBuf), ImportError> {
    let head = repo.join(framework_dir(id)).join("framework.yaml");
    if !head.is_file() {
        return Err(ImportError::UnknownFramework {
            id: id.to_string(),
            repo: repo.to_path_buf(),
            known: framework_ids(repo),
        });
    }
    let root = repo.canonicalize().map_err(|source| ImportError::Read {
        path: repo.to_path_buf(),
        source,
    })?;
    inside(&root, &head)?;
    Ok((root, head))
}

/// Reads framework `id` of the repository at `repo`, with its catalog parts
/// (in the order of the groups they hold) and baselines.
pub fn load(repo: &Path, id: &str) -> Result<Loaded, ImportError> {
    let dir = repo.join(framework_dir(id));
    let (root, head) = head_of(repo, id)?;
    let mut fw: Framework = read_yaml(&head)?;
    let order: HashMap<&str, usize> = fw
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.id.as_str(), i))
        .collect();
    let mut parts: Vec<(usize, usize, String, Catalog)> = Vec::new();
    // Catalog parts are independent files; a full 800-53 catalog is ~3 MB
    // of YAML, so they are parsed in parallel.
    let cats: Vec<(std::path::PathBuf, Catalog)> = {
        use rayon::prelude::*;
        yaml_files(&dir.join("catalog"))
            .into_par_iter()
            .map(|path| {
                inside(&root, &path)?;
                read_yaml::<Catalog>(&path).map(|c| (path, c))
            })
            .collect::<Result<_, _>>()?
    };
    for (path, cat) in cats {
        if cat.framework.as_str() != id {
            continue;
        }
        let rank = cat
            .controls
            .first()
            .and_then(|c| c.group.as_deref())
            .and_then(|g| order.get(g).copied())
            .unwrap_or(usize::MAX);
        parts.push((
            rank,
            part_number(&path),
            path.to_string_lossy().into_owned(),
            cat,
        ));
    }
    // A split group's parts rank alike; their numbers keep catalog order
    // (`ac.2.yaml` sorts before `ac.yaml` by name).
    parts.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    for (_, _, _, cat) in parts {
        fw.controls.extend(cat.controls);
    }
    let mut baselines = Vec::new();
    for b in std::mem::take(&mut fw.baselines) {
        baselines.push(BaselineFile {
            schema_version: SCHEMA_VERSION,
            framework: FrameworkId(id.to_string()),
            id: b.id,
            title: b.title,
            description: b.description,
            source: b.source,
            controls: b.controls,
            parameters: b.parameters,
            alters: b.alters,
        });
    }
    for path in yaml_files(&dir.join("baselines")) {
        inside(&root, &path)?;
        let b: BaselineFile = read_yaml(&path)?;
        baselines.push(b);
    }
    Ok(Loaded {
        framework: fw,
        baselines,
    })
}

/// Refuses a framework file that resolves outside the repository (`root`,
/// canonical): a linked folder or file must not make a framework command
/// read, and quote in an error, a file from elsewhere on the machine.
fn inside(root: &Path, path: &Path) -> Result<(), ImportError> {
    match path.canonicalize() {
        Ok(real) if !real.starts_with(root) => Err(ImportError::OutsideRepo {
            path: path.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

fn yaml_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "yaml" || x == "yml")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fw(groups: &[&str]) -> Framework {
        let mut text = String::from("schema_version: 1\nid: t\ntitle: T\nversion: '1'\ngroups:\n");
        for g in groups {
            text.push_str(&format!("- id: {g}\n  title: {g}\n"));
        }
        text.push_str("controls:\n");
        for g in groups {
            text.push_str(&format!("- id: {g}-1\n  title: x\n  group: {g}\n"));
        }
        let node = yaml::parse(&text, YamlLimits::default(), Default::default()).expect("yaml");
        serde_json::from_value(node.to_json()).expect("framework")
    }

    #[test]
    fn a_new_import_replaces_the_catalog_and_keeps_everything_else() {
        let repo = tempfile::tempdir().expect("tmp");
        let first = fw(&["aa", "bb"]);
        let w = write_framework(
            repo.path(),
            &first,
            &render_framework(&first).expect("render"),
        )
        .expect("write");
        assert_eq!(w.len(), 3);
        let dir = repo.path().join("controls/t");
        std::fs::write(dir.join("baselines.keep"), "mine").expect("user file");
        crate::write::write_atomic(&dir.join("baselines/low.yaml"), b"x").expect("baseline");
        crate::write::write_atomic(&dir.join("source/doc.json"), b"{}").expect("source");

        let again = write_framework(
            repo.path(),
            &first,
            &render_framework(&first).expect("render"),
        )
        .expect("write");
        assert!(again.iter().all(|(_, changed)| !changed), "{again:?}");

        let second = fw(&["aa", "cc"]);
        let w = write_framework(
            repo.path(),
            &second,
            &render_framework(&second).expect("render"),
        )
        .expect("write");
        assert!(
            w.contains(&("controls/t/catalog/bb.yaml".to_string(), true)),
            "{w:?}"
        );
        assert!(dir.join("catalog/cc.yaml").is_file() && !dir.join("catalog/bb.yaml").exists());
        assert!(dir.join("baselines/low.yaml").is_file() && dir.join("source/doc.json").is_file());
        assert_eq!(
            std::fs::read_to_string(dir.join("baselines.keep")).expect("kept"),
            "mine"
        );
        let hidden: Vec<_> = std::fs::read_dir(repo.path().join("controls"))
            .expect("list")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(hidden.is_empty(), "staging left behind: {hidden:?}");
    }
}
