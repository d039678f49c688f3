//! CISO Assistant libraries (`objects.framework.requirement_nodes[]`).
//! Assessable nodes are controls; non-assessable nodes are groups, or parts
//! of a control when they sit under one (sub-items and examples). Each
//! control keeps its URN as a `urn` prop so CISO Assistant mapping sets,
//! which speak in URNs, can be resolved against it.

use super::common::{
    Origins, Text, derive_title, finish, framework_id, loose_control_id, new_control,
    new_framework, new_group, parse_yaml, prop, prose_part, read_text, slug,
};
use super::{ReadOptions, SourceError};
use crate::model::{Baseline, BaselineId, ControlId, Framework, Source};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

#[derive(Deserialize)]
struct Library {
    #[serde(default)]
    urn: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    version: Option<Text>,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    copyright: Option<String>,
    objects: Objects,
}

#[derive(Deserialize)]
struct Objects {
    #[serde(default)]
    framework: Option<FrameworkObject>,
}

#[derive(Deserialize)]
struct FrameworkObject {
    #[serde(default)]
    urn: Option<String>,
    #[serde(default)]
    ref_id: Option<Text>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    implementation_groups_definition: Vec<ImplementationGroup>,
    #[serde(default)]
    requirement_nodes: Vec<Node>,
}

#[derive(Deserialize)]
struct ImplementationGroup {
    ref_id: Text,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
struct Node {
    urn: String,
    #[serde(default)]
    ref_id: Option<Text>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    annotation: Option<String>,
    #[serde(default)]
    parent_urn: Option<String>,
    #[serde(default)]
    assessable: bool,
    #[serde(default)]
    implementation_groups: Vec<Text>,
}

/// What a node became, so its children know where they hang.
#[derive(Clone)]
enum Placed {
    Group(String),
    Control(usize),
}

pub fn read_ciso_assistant(path: &Path, opts: &ReadOptions) -> Result<Framework, SourceError> {
    let (text, sha) = read_text(path)?;
    ciso_assistant_from_text(path, &text, sha, opts)
}

/// [`read_ciso_assistant`] of text already read from `path`.
pub(crate) fn ciso_assistant_from_text(
    path: &Path,
    text: &str,
    sha: String,
    opts: &ReadOptions,
) -> Result<Framework, SourceError> {
    let lib: Library = parse_yaml(path, text)?;
    let fo = lib.objects.framework.ok_or_else(|| {
        SourceError::invalid(
            path,
            "objects.framework",
            "this library has no framework (it may be a mapping set or a risk matrix)",
        )
    })?;
    let derived = fo
        .ref_id
        .clone()
        .map(Text::into_string)
        .or_else(|| fo.urn.as_deref().map(|u| last_segment(u).to_string()))
        .unwrap_or_default();
    let id = framework_id(path, opts, &derived)?;
    let title = opts
        .title
        .clone()
        .or(fo.name.clone())
        .or(lib.name.clone())
        .unwrap_or_else(|| id.to_string());
    // The library `version` counts CISO Assistant's packaging revisions
    // (NIST CSF 1.1 is library version 6): the framework's own edition, when
    // its name or reference id states one, is the version to record.
    let edition = [fo.name.as_deref(), lib.name.as_deref()]
        .into_iter()
        .flatten()
        .chain(fo.ref_id.as_ref().map(|r| r.0.as_str()))
        .find_map(super::common::edition_in);
    let version = opts
        .version
        .clone()
        .or(edition)
        .or(lib.version.map(Text::into_string))
        .unwrap_or_default();
    let mut fw = new_framework(id, title, version, sha);
    fw.description = fo
        .description
        .or(lib.description)
        .filter(|d| !d.trim().is_empty());
    fw.publisher = lib.provider;
    fw.licence = lib.copyright;
    if let Some(source) = &mut fw.source {
        *source = Source {
            url: None,
            sha256: source.sha256.take(),
            document: lib.urn.or(fo.urn),
            last_modified: None,
        };
    }

    let mut placed: HashMap<String, Placed> = HashMap::new();
    let mut origins = Origins::default();
    let mut group_ids: HashMap<String, usize> = HashMap::new();
    let mut members: BTreeMap<String, Vec<ControlId>> = BTreeMap::new();

    for (index, node) in fo.requirement_nodes.into_iter().enumerate() {
        let at = format!(
            "requirement_nodes[{index}] ({})",
            crate::excerpt::text(&node.urn)
        );
        let parent = match &node.parent_urn {
            None => None,
            Some(p) => Some(placed.get(p).cloned().ok_or_else(|| {
                SourceError::invalid(
                    path,
                    &at,
                    format!(
                        "parent_urn `{}` is not an earlier node",
                        crate::excerpt::text(p)
                    ),
                )
            })?),
        };
        let ref_id = node.ref_id.clone().map(Text::into_string);
        let raw_id = ref_id
            .clone()
            .filter(|r| !r.trim().is_empty())
            .unwrap_or_else(|| last_segment(&node.urn).to_string());
        let description = node
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        let name = node
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());

        let under_control = match &parent {
            Some(Placed::Control(i)) => Some(*i),
            _ => None,
        };
        if node.assessable {
            let id = loose_control_id(&raw_id)
                .map_err(|m| SourceError::invalid(path, format!("{at} ref_id"), m))?;
            origins.add(path, &id, at.clone())?;
            let title = match name {
                Some(n) => n.to_string(),
                None => derive_title(description, id.as_str()),
            };
            let mut control = new_control(id.clone(), title);
            if raw_id.trim() != id.as_str() {
                control.label = Some(raw_id.trim().to_string());
            }
            control.statement = description.map(str::to_string);
            if let Some(a) = node
                .annotation
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty())
            {
                control.parts.push(prose_part("guidance", None, a));
            }
            control.props.push(prop("urn", &node.urn));
            match &parent {
                Some(Placed::Control(i)) => {
                    control.parent = Some(fw.controls[*i].id.clone());
                    control.group = fw.controls[*i].group.clone();
                }
                Some(Placed::Group(g)) => control.group = Some(g.clone()),
                None => {}
            }
            for ig in &node.implementation_groups {
                members.entry(ig.0.clone()).or_default().push(id.clone());
            }
            placed.insert(node.urn.clone(), Placed::Control(fw.controls.len()));
            fw.controls.push(control);
        } else if let Some(i) = under_control {
            // Text under a requirement (sub-items, examples) stays with it.
            let title = ref_id.clone().or(node.name.clone());
            let prose = description.or(name).unwrap_or_default();
            fw.controls[i].parts.push(prose_part("item", title, prose));
            placed.insert(node.urn.clone(), Placed::Control(i));
        } else {
            // Without a ref_id the URN ends in a serial (`node2`); the name
            // says more.
            let base = match (&ref_id, name) {
                (None, Some(n)) => slug_or(n),
                _ => slug_or(&raw_id),
            };
            let gid = match group_ids.get(&base).copied() {
                None => base.clone(),
                Some(n) => format!("{base}-{}", n + 1),
            };
            *group_ids.entry(base).or_insert(0) += 1;
            let title = name
                .map(str::to_string)
                .or_else(|| ref_id.clone())
                .unwrap_or_else(|| derive_title(description, &gid));
            let parent_group = match &parent {
                Some(Placed::Group(g)) => Some(g.clone()),
                _ => None,
            };
            let mut group = new_group(gid.clone(), title, parent_group);
            if let Some(d) = description {
                group.parts.push(prose_part("overview", None, d));
            }
            group.props.push(prop("urn", &node.urn));
            placed.insert(node.urn.clone(), Placed::Group(gid));
            fw.groups.push(group);
        }
    }

    for def in fo.implementation_groups_definition {
        let ref_id = def.ref_id.into_string();
        let bid = slug(&ref_id);
        if bid.is_empty() || fw.baselines.iter().any(|b| b.id.as_str() == bid) {
            continue;
        }
        fw.baselines.push(Baseline {
            alters: Vec::new(),
            id: BaselineId(bid),
            title: def.name.or(Some(ref_id.clone())),
            description: def.description,
            source: None,
            controls: members.remove(&ref_id).unwrap_or_default(),
            parameters: BTreeMap::new(),
        });
    }
    finish(path, fw)
}

/// Group ids keep the source's spelling when it is already an id-like token.
fn slug_or(raw: &str) -> String {
    let t = raw.trim();
    if !t.is_empty() && !t.chars().any(|c| c.is_whitespace() || c == ':') {
        t.to_string()
    } else {
        let s = slug(t);
        if s.is_empty() { "group".into() } else { s }
    }
}

fn last_segment(urn: &str) -> &str {
    urn.rsplit(':').next().unwrap_or(urn)
}
