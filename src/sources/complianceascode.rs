//! ComplianceAsCode control files (`controls/*.yml` and
//! `shared/references/controls/*.yml` in ComplianceAsCode/content): nested
//! `controls`, `levels` with `inherits_from` (which become baselines),
//! `rules` (kept as `rule` props, `var=value` entries as `variable` props),
//! `status`, `notes`, and `controls_dir` splitting a file per family.

use super::common::{
    Origins, Text, derive_title, finish, framework_id, new_control, new_framework, parse_yaml,
    prop, prose_part, read_text, sha256_hex, slug, strict_control_id,
};
use super::{ReadOptions, SourceError};
use crate::model::{Baseline, BaselineId, ControlId, Framework, Source};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

#[derive(Deserialize)]
struct ControlFile {
    #[serde(default)]
    id: Option<Text>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    policy: Option<String>,
    #[serde(default)]
    version: Option<Text>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    controls_dir: Option<String>,
    #[serde(default)]
    levels: Vec<Level>,
    #[serde(default)]
    controls: Vec<CacControl>,
}

#[derive(Deserialize)]
struct Level {
    id: Text,
    #[serde(default)]
    inherits_from: Vec<Text>,
}

#[derive(Deserialize)]
struct CacControl {
    id: Text,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    levels: Vec<Text>,
    #[serde(default)]
    rules: Vec<Text>,
    #[serde(default)]
    related_rules: Vec<Text>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    controls: Vec<CacControl>,
}

pub fn read_complianceascode(path: &Path, opts: &ReadOptions) -> Result<Framework, SourceError> {
    let (text, sha) = read_text(path)?;
    complianceascode_from_text(path, &text, sha, opts)
}

/// [`read_complianceascode`] of text already read from `path`.
pub(crate) fn complianceascode_from_text(
    path: &Path,
    text: &str,
    sha: String,
    opts: &ReadOptions,
) -> Result<Framework, SourceError> {
    let file: ControlFile = parse_yaml(path, text)?;

    // Family files of a split control file, in name order so the output
    // does not depend on directory listing order.
    let mut parts: Vec<(PathBuf, Vec<CacControl>)> = vec![(path.to_path_buf(), file.controls)];
    let mut digests = vec![sha.clone()];
    if let Some(dir) = &file.controls_dir {
        let dir_path = contained_dir(path, dir)?;
        let meta =
            std::fs::symlink_metadata(&dir_path).map_err(|e| SourceError::io(&dir_path, e))?;
        if !meta.is_dir() {
            return Err(SourceError::invalid(
                path,
                "controls_dir",
                format!(
                    "`{}` is not a directory (symbolic links are refused)",
                    crate::excerpt::text(dir)
                ),
            ));
        }
        let mut entries = Vec::new();
        let listing = std::fs::read_dir(&dir_path).map_err(|e| SourceError::io(&dir_path, e))?;
        for entry in listing {
            let entry = entry.map_err(|e| SourceError::io(&dir_path, e))?;
            let p = entry.path();
            let is_yaml = p.extension().is_some_and(|e| e == "yml" || e == "yaml");
            let file_type = entry.file_type().map_err(|e| SourceError::io(&p, e))?;
            if is_yaml && file_type.is_symlink() {
                return Err(SourceError::invalid(
                    &p,
                    "controls_dir",
                    "symbolic link refused: family files must be regular files",
                ));
            }
            if is_yaml && file_type.is_file() {
                entries.push(p);
            }
        }
        entries.sort();
        for p in entries {
            let (t, s) = read_text(&p)?;
            let family: ControlFile = parse_yaml(&p, &t)?;
            digests.push(s);
            parts.push((p, family.controls));
        }
    }

    let derived = file
        .id
        .clone()
        .map(Text::into_string)
        .or(file.policy.clone())
        .unwrap_or_default();
    let id = framework_id(path, opts, &derived)?;
    let title = opts
        .title
        .clone()
        .or(file.title.clone())
        .or(file.policy.clone())
        .unwrap_or_else(|| id.to_string());
    let version = opts
        .version
        .clone()
        .or(file.version.map(Text::into_string))
        .unwrap_or_default();
    // A split framework is several files; its digest covers them all in order.
    let digest = if digests.len() == 1 {
        sha
    } else {
        sha256_hex(digests.join("\n").as_bytes())
    };
    let mut fw = new_framework(id, title, version, digest);
    if let Some(source) = &mut fw.source {
        *source = Source {
            url: file.source.clone(),
            sha256: source.sha256.take(),
            document: file.policy.clone(),
            last_modified: None,
        };
    }

    // A control without `levels` takes its parent's; a top-level one is in
    // no baseline (the rev4 OpenShift file lists 500 such controls outside
    // every FedRAMP baseline, so a default level would be wrong there).
    let mut origins = Origins::default();
    let mut levels_of: Vec<(ControlId, Vec<String>)> = Vec::new();
    for (file_path, controls) in parts {
        let mut walker = Walker {
            path: &file_path,
            fw: &mut fw,
            origins: &mut origins,
            levels_of: &mut levels_of,
        };
        for (i, c) in controls.into_iter().enumerate() {
            walker.control(c, format!("controls[{i}]"), None, &[])?;
        }
    }

    fw.baselines = baselines(path, &file.levels, &levels_of)?;
    finish(path, fw)
}

struct Walker<'a> {
    path: &'a Path,
    fw: &'a mut Framework,
    origins: &'a mut Origins,
    levels_of: &'a mut Vec<(ControlId, Vec<String>)>,
}

impl Walker<'_> {
    fn control(
        &mut self,
        c: CacControl,
        at: String,
        parent: Option<&ControlId>,
        inherited_levels: &[String],
    ) -> Result<(), SourceError> {
        let raw = c.id.0.clone();
        let id = strict_control_id(&raw)
            .map_err(|m| SourceError::invalid(self.path, format!("{at}.id"), m))?;
        self.origins
            .add(self.path, &id, format!("{} {at}", self.path.display()))?;
        let description = c
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        let title = match c.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => t.to_string(),
            None => derive_title(description, id.as_str()),
        };
        let mut control = new_control(id.clone(), title);
        control.parent = parent.cloned();
        control.statement = description.map(str::to_string);
        if let Some(status) = c.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            control.props.push(prop("status", status));
        }
        for rule in &c.rules {
            let r = rule.0.trim();
            // `var_name=value` entries set a variable rather than select a rule.
            control
                .props
                .push(prop(if r.contains('=') { "variable" } else { "rule" }, r));
        }
        for rule in &c.related_rules {
            control.props.push(prop("related-rule", rule.0.trim()));
        }
        if let Some(notes) = c.notes.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            control.parts.push(prose_part("notes", None, notes));
        }
        let levels: Vec<String> = if c.levels.is_empty() {
            inherited_levels.to_vec()
        } else {
            c.levels.iter().map(|l| l.0.clone()).collect()
        };
        for l in &levels {
            control.props.push(prop("level", l));
        }
        self.levels_of.push((id.clone(), levels.clone()));
        self.fw.controls.push(control);
        for (i, child) in c.controls.into_iter().enumerate() {
            self.control(child, format!("{at}.controls[{i}]"), Some(&id), &levels)?;
        }
        Ok(())
    }
}

/// A level's baseline holds the controls at that level or at any level it
/// inherits from (`moderate` inherits `low`, so low controls are in it).
fn baselines(
    path: &Path,
    levels: &[Level],
    levels_of: &[(ControlId, Vec<String>)],
) -> Result<Vec<Baseline>, SourceError> {
    let known: BTreeSet<&str> = levels.iter().map(|l| l.id.0.as_str()).collect();
    let inherits: BTreeMap<&str, Vec<&str>> = levels
        .iter()
        .map(|l| {
            (
                l.id.0.as_str(),
                l.inherits_from.iter().map(|i| i.0.as_str()).collect(),
            )
        })
        .collect();
    for (id, ls) in levels_of {
        if let Some(bad) = ls
            .iter()
            .find(|l| !known.is_empty() && !known.contains(l.as_str()))
        {
            return Err(SourceError::invalid(
                path,
                format!("control `{}`", crate::excerpt::text(id.as_str())),
                format!(
                    "level `{}` is not declared in `levels`",
                    crate::excerpt::text(bad)
                ),
            ));
        }
    }
    let mut out = Vec::new();
    for level in levels {
        let mut closure = BTreeSet::new();
        let mut stack = vec![level.id.0.as_str()];
        while let Some(l) = stack.pop() {
            if closure.insert(l) {
                stack.extend(inherits.get(l).into_iter().flatten().copied());
            }
        }
        let controls: Vec<ControlId> = levels_of
            .iter()
            .filter(|(_, ls)| ls.iter().any(|l| closure.contains(l.as_str())))
            .map(|(id, _)| id.clone())
            .collect();
        let bid = slug(&level.id.0);
        if bid.is_empty() || controls.is_empty() {
            continue;
        }
        out.push(Baseline {
            alters: Vec::new(),
            id: BaselineId(bid),
            title: Some(level.id.0.clone()),
            description: None,
            source: None,
            controls,
            parameters: BTreeMap::new(),
        });
    }
    Ok(out)
}

/// `controls_dir` must stay beside the control file.
fn contained_dir(path: &Path, dir: &str) -> Result<PathBuf, SourceError> {
    // The folder of the file itself (`/dev/stdin` redirected from a file
    // is that file); a pipe has no folder to look in.
    let real = match path.canonicalize() {
        Ok(real) if real.is_file() => real,
        _ => {
            return Err(SourceError::invalid(
                path,
                "controls_dir",
                "the family files are looked for beside the control file, and a file read from a pipe or standard input has no folder: import the control file by its path",
            ));
        }
    };
    let rel = Path::new(dir);
    let escapes = rel.is_absolute()
        || rel.components().any(|c| {
            matches!(
                c,
                Component::ParentDir | Component::RootDir | Component::Prefix(_)
            )
        });
    if escapes {
        return Err(SourceError::invalid(
            path,
            "controls_dir",
            format!(
                "`{}` leaves the directory of the control file",
                crate::excerpt::text(dir)
            ),
        ));
    }
    Ok(real.parent().unwrap_or(Path::new(".")).join(rel))
}
