//! The native files of a framework: rendering them byte-stably, writing
//! them atomically, and reading them back.
//!
//! A catalog with groups is split into `catalog/<group>.yaml`, one file per
//! top-level group (family); `framework.yaml` keeps the metadata, every
//! group and any controls outside groups.

use super::{ImportError, Loaded};
use crate::model::{BaselineFile, Catalog, Control, Framework, FrameworkId, SCHEMA_VERSION};
use crate::schema::Kind;
use crate::workspace::yaml::{self, YamlLimits};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::path::Path;

pub fn framework_dir(id: &str) -> String {
    format!("controls/{id}")
}

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
/// path and text.
pub fn render_framework(fw: &Framework) -> Result<Vec<(String, String)>, ImportError> {
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
    let mut files = vec![(format!("{dir}/framework.yaml"), String::new())];
    files[0].1 = render(&files[0].0, Kind::Framework, &head)?;
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
                    "groups `{other}` and `{group}` would share the file catalog/{stem}.yaml"
                ),
            });
        }
        let rel = format!("{dir}/catalog/{stem}.yaml");
        let part = Catalog {
            schema_version: SCHEMA_VERSION,
            framework: fw.id.clone(),
            groups: Vec::new(),
            controls,
        };
        let text = render(&rel, Kind::Catalog, &part)?;
        files.push((rel, text));
    }
    Ok(files)
}

/// Writes one file (atomically, only when changed).
pub fn write_one(repo: &Path, rel: &str, text: &str) -> Result<(String, bool), ImportError> {
    let path = repo.join(rel);
    let changed = crate::write::write_if_changed(&path, text.as_bytes())
        .map_err(|source| ImportError::Write { path, source })?;
    Ok((rel.to_string(), changed))
}

/// Writes a framework's files and removes catalog part files a previous
/// import wrote that the new one no longer has. Baselines are left alone.
pub fn write_framework(
    repo: &Path,
    fw: &Framework,
    files: &[(String, String)],
) -> Result<Vec<(String, bool)>, ImportError> {
    let mut written = Vec::new();
    // Catalog parts first, framework.yaml last: a reader never sees a new
    // framework.yaml whose controls are still missing.
    for (rel, text) in files.iter().skip(1).chain(files.iter().take(1)) {
        written.push(write_one(repo, rel, text)?);
    }
    let cat_dir = repo.join(framework_dir(fw.id.as_str())).join("catalog");
    if let Ok(entries) = std::fs::read_dir(&cat_dir) {
        let keep: Vec<&str> = files.iter().map(|(r, _)| r.as_str()).collect();
        let mut stale = Vec::new();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = format!("{}/catalog/{name}", framework_dir(fw.id.as_str()));
            if name.ends_with(".yaml") && !keep.contains(&rel.as_str()) {
                stale.push((e.path(), rel));
            }
        }
        stale.sort();
        for (path, rel) in stale {
            std::fs::remove_file(&path).map_err(|source| ImportError::Write { path, source })?;
            written.push((rel, true));
        }
    }
    Ok(written)
}

fn read_yaml<T: DeserializeOwned>(path: &Path) -> Result<T, ImportError> {
    let (text, _) = super::read_source(path)?;
    let limits = YamlLimits {
        max_depth: 128,
        max_nodes: 8_000_000,
    };
    let node = yaml::parse(
        text.trim_start_matches('\u{feff}'),
        limits,
        Default::default(),
    )
    .map_err(|e| ImportError::Native {
        path: path.to_path_buf(),
        message: format!("{}:{}: {}", e.pos.line, e.pos.column, e.message),
    })?;
    serde_json::from_value(node.to_json()).map_err(|e| ImportError::Native {
        path: path.to_path_buf(),
        message: format!("{e} (run `aegis validate` for details)"),
    })
}

/// The ids of the frameworks under `repo/controls/`, sorted.
pub fn framework_ids(repo: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(repo.join("controls"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("framework.yaml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids
}

/// Reads framework `id` of the repository at `repo`, with its catalog parts
/// (in the order of the groups they hold) and baselines.
pub fn load(repo: &Path, id: &str) -> Result<Loaded, ImportError> {
    let dir = repo.join(framework_dir(id));
    let head = dir.join("framework.yaml");
    if !head.is_file() {
        return Err(ImportError::UnknownFramework {
            id: id.to_string(),
            repo: repo.to_path_buf(),
            known: framework_ids(repo),
        });
    }
    let mut fw: Framework = read_yaml(&head)?;
    let order: HashMap<&str, usize> = fw
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.id.as_str(), i))
        .collect();
    let mut parts: Vec<(usize, String, Catalog)> = Vec::new();
    for path in yaml_files(&dir.join("catalog")) {
        let cat: Catalog = read_yaml(&path)?;
        if cat.framework.as_str() != id {
            continue;
        }
        let rank = cat
            .controls
            .first()
            .and_then(|c| c.group.as_deref())
            .and_then(|g| order.get(g).copied())
            .unwrap_or(usize::MAX);
        parts.push((rank, path.to_string_lossy().into_owned(), cat));
    }
    parts.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    for (_, _, cat) in parts {
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
        let b: BaselineFile = read_yaml(&path)?;
        baselines.push(b);
    }
    Ok(Loaded {
        framework: fw,
        baselines,
    })
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
