//! Prowler compliance files: the per-provider schema (`Framework`,
//! `Requirements[].Id/Description/Attributes/Checks`) and the newer
//! cross-provider one (`framework`, `requirements[].checks{provider: [...]}`).
//! Check ids are kept as `prowler-check` props (class = provider) so
//! Prowler findings can be mapped to requirements later.

use super::common::{
    GroupTable, derive_title, finish, framework_id, new_control, new_framework, parse_json, prop,
    read_text, strict_control_id,
};
use super::{ReadOptions, SourceError};
use crate::model::{Baseline, BaselineId, Framework, Prop};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub const CHECK_PROP: &str = "prowler-check";

#[derive(Deserialize)]
struct PerProvider {
    #[serde(rename = "Framework")]
    framework: String,
    #[serde(rename = "Name", default)]
    name: Option<String>,
    #[serde(rename = "Version", default)]
    version: Option<String>,
    #[serde(rename = "Provider", default)]
    provider: Option<String>,
    #[serde(rename = "Description", default)]
    description: Option<String>,
    #[serde(rename = "Requirements")]
    requirements: Vec<Value>,
}

#[derive(Deserialize)]
struct CrossProvider {
    framework: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    description: Option<String>,
    requirements: Vec<Value>,
}

/// One requirement in either schema, after the field names are unified.
struct Requirement {
    id: String,
    name: Option<String>,
    description: Option<String>,
    /// Attribute sets (per-provider files have a list, cross-provider one map).
    attributes: Vec<Map<String, Value>>,
    /// (provider, check id)
    checks: Vec<(Option<String>, String)>,
}

pub fn read_prowler(path: &Path, opts: &ReadOptions) -> Result<Framework, SourceError> {
    let (text, sha) = read_text(path)?;
    prowler_from_text(path, &text, sha, opts)
}

/// [`read_prowler`] of text already read from `path`.
pub(crate) fn prowler_from_text(
    path: &Path,
    text: &str,
    sha: String,
    opts: &ReadOptions,
) -> Result<Framework, SourceError> {
    let root: Value = parse_json(path, text)?;
    let obj = root
        .as_object()
        .ok_or_else(|| SourceError::invalid(path, "document", "expected a JSON object"))?;
    let (framework, name, version, provider, description, raw, cross) =
        if obj.contains_key("Requirements") {
            let doc: PerProvider = serde_json::from_value(root.clone()).map_err(|e| {
                SourceError::invalid(path, "document", crate::excerpt::message(&e.to_string()))
            })?;
            (
                doc.framework,
                doc.name,
                doc.version,
                doc.provider,
                doc.description,
                doc.requirements,
                false,
            )
        } else if obj.contains_key("requirements") {
            let doc: CrossProvider = serde_json::from_value(root.clone()).map_err(|e| {
                SourceError::invalid(path, "document", crate::excerpt::message(&e.to_string()))
            })?;
            (
                doc.framework,
                doc.name,
                doc.version,
                None,
                doc.description,
                doc.requirements,
                true,
            )
        } else {
            return Err(SourceError::invalid(
                path,
                "document",
                "no `Requirements` or `requirements`: not a Prowler compliance file",
            ));
        };
    let provider = provider
        .map(|p| p.to_ascii_lowercase())
        .filter(|p| !p.is_empty());
    let version = opts.version.clone().or(version).unwrap_or_default();

    let mut derived = framework.clone();
    if !version.is_empty()
        && !super::common::slug(&derived).ends_with(&super::common::slug(&version))
    {
        derived.push('-');
        derived.push_str(&version);
    }
    if let Some(p) = &provider {
        derived.push('-');
        derived.push_str(p);
    }
    let id = framework_id(path, opts, &derived)?;
    let title = opts
        .title
        .clone()
        .or(name)
        .unwrap_or_else(|| framework.clone());
    let mut fw = new_framework(id, title, version, sha);
    fw.description = description.filter(|d| !d.trim().is_empty());

    let mut groups = GroupTable::default();
    let mut first_seen: HashMap<String, (usize, Value)> = HashMap::new();
    // Implementation groups / levels become baselines, in first-seen order.
    let mut baselines: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();

    for (index, raw_req) in raw.into_iter().enumerate() {
        let at = format!("requirement #{}", index + 1);
        let req = requirement(path, &at, &raw_req, cross, provider.as_deref())?;
        let id = strict_control_id(&req.id)
            .map_err(|m| SourceError::invalid(path, format!("{at} (Id)"), m))?;
        // Prowler files repeat a few requirements verbatim; the copy adds
        // nothing, but a different requirement under the same id is an error.
        if let Some((first, value)) = first_seen.get(id.as_str()) {
            if *value == raw_req {
                continue;
            }
            return Err(SourceError::DuplicateId {
                path: path.to_path_buf(),
                id: id.to_string(),
                first: format!("requirement #{}", first + 1),
                second: at,
            });
        }
        first_seen.insert(id.to_string(), (index, raw_req.clone()));

        let mut control = new_control(id.clone(), String::new());
        let description = req
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        // Some files (PCI DSS) put the AWS service in `Name`; that is no title.
        let service = req
            .attributes
            .iter()
            .find_map(|a| a.get("Service").and_then(Value::as_str))
            .unwrap_or_default();
        let name = req
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case(service));
        control.title = match name {
            // A one-word name (`GV.OC-1`, `AC-2(3)(a)`) is the publisher's
            // label for the requirement, not a title.
            Some(n) if !n.contains(char::is_whitespace) && description.is_some() => {
                control.label = Some(n.to_string());
                derive_title(description, id.as_str())
            }
            Some(n) => n.to_string(),
            None => derive_title(description, id.as_str()),
        };
        control.statement = description.map(str::to_string);

        let mut group = None;
        for attrs in &req.attributes {
            let section = ["Section", "Domain", "Category"]
                .iter()
                .find_map(|k| attrs.get(*k).and_then(Value::as_str).map(|v| (*k, v)))
                .filter(|(_, s)| !s.trim().is_empty());
            let grouped_by = section.map(|(k, _)| k).unwrap_or("Section");
            let section = section.map(|(_, s)| s);
            if group.is_none()
                && let Some(section) = section
            {
                let top = groups.intern(section, None);
                let sub = attrs
                    .get("SubSection")
                    .and_then(Value::as_str)
                    .filter(|s| !s.trim().is_empty());
                group = Some(match sub {
                    Some(sub) => groups.intern(sub, Some(&top)),
                    None => top,
                });
            }
            for (key, value) in attrs {
                if key == grouped_by || matches!(key.as_str(), "SubSection" | "ItemId") {
                    continue;
                }
                attribute_props(key, value, &mut control.props);
                if matches!(key.as_str(), "ImplementationGroups" | "Level") {
                    for v in values(value) {
                        let n = baselines.len();
                        baselines
                            .entry(v)
                            .or_insert((n, Vec::new()))
                            .1
                            .push(id.to_string());
                    }
                }
            }
        }
        control.group = group;
        for (class, check) in dedup(req.checks) {
            let mut p = prop(CHECK_PROP, &check);
            p.class = class;
            control.props.push(p);
        }
        fw.controls.push(control);
    }
    fw.groups = groups.groups;
    let mut ordered: Vec<_> = baselines.into_iter().collect();
    ordered.sort_by_key(|(_, (n, _))| *n);
    for (name, (_, mut controls)) in ordered {
        let bid = super::common::slug(&name);
        if bid.is_empty() || fw.baselines.iter().any(|b| b.id.as_str() == bid) {
            continue;
        }
        controls.dedup();
        fw.baselines.push(Baseline {
            alters: Vec::new(),
            id: BaselineId(bid),
            title: Some(name),
            description: None,
            source: None,
            controls: controls.into_iter().map(crate::model::ControlId).collect(),
            parameters: BTreeMap::new(),
        });
    }
    finish(path, fw)
}

fn requirement(
    path: &Path,
    at: &str,
    raw: &Value,
    cross: bool,
    provider: Option<&str>,
) -> Result<Requirement, SourceError> {
    let obj = raw
        .as_object()
        .ok_or_else(|| SourceError::invalid(path, at, "expected an object"))?;
    let key = |per: &'static str, cross_key: &'static str| if cross { cross_key } else { per };
    let text = |k: &str| -> Result<Option<String>, SourceError> {
        match obj.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(SourceError::invalid(
                path,
                format!("{at} ({k})"),
                "expected a string",
            )),
        }
    };
    let id_key = key("Id", "id");
    let id = text(id_key)?
        .ok_or_else(|| SourceError::invalid(path, format!("{at} ({id_key})"), "missing id"))?;
    let name = text(key("Name", "name"))?;
    let description = text(key("Description", "description"))?;
    let attributes = match obj.get(key("Attributes", "attributes")) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(m)) => vec![m.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_object().cloned())
            .collect(),
        Some(_) => {
            return Err(SourceError::invalid(
                path,
                format!("{at} (Attributes)"),
                "expected a list or an object",
            ));
        }
    };
    let checks_key = key("Checks", "checks");
    let mut checks = Vec::new();
    match obj.get(checks_key) {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                let check = item.as_str().ok_or_else(|| {
                    SourceError::invalid(
                        path,
                        format!("{at} ({checks_key})"),
                        "check ids must be strings",
                    )
                })?;
                checks.push((provider.map(str::to_string), check.to_string()));
            }
        }
        Some(Value::Object(by_provider)) => {
            for (prov, items) in by_provider {
                let items = items.as_array().ok_or_else(|| {
                    SourceError::invalid(
                        path,
                        format!("{at} ({checks_key}.{})", crate::excerpt::text(prov)),
                        "expected a list of check ids",
                    )
                })?;
                for item in items {
                    let check = item.as_str().ok_or_else(|| {
                        SourceError::invalid(
                            path,
                            format!("{at} ({checks_key}.{})", crate::excerpt::text(prov)),
                            "check ids must be strings",
                        )
                    })?;
                    checks.push((Some(prov.to_ascii_lowercase()), check.to_string()));
                }
            }
        }
        Some(_) => {
            return Err(SourceError::invalid(
                path,
                format!("{at} ({checks_key})"),
                "expected a list or an object",
            ));
        }
    }
    Ok(Requirement {
        id,
        name,
        description,
        attributes,
        checks,
    })
}

fn dedup(checks: Vec<(Option<String>, String)>) -> Vec<(Option<String>, String)> {
    let mut out: Vec<(Option<String>, String)> = Vec::with_capacity(checks.len());
    for c in checks {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

fn values(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => vec![s.trim().to_string()],
        Value::Number(n) => vec![n.to_string()],
        Value::Bool(b) => vec![b.to_string()],
        Value::Array(items) => items.iter().flat_map(values).collect(),
        _ => Vec::new(),
    }
}

/// Attributes other than the grouping ones are kept as props named after
/// the attribute, so nothing the file says is lost.
fn attribute_props(key: &str, value: &Value, props: &mut Vec<Prop>) {
    match value {
        Value::Object(_) => {
            let mut p = prop(key, &value.to_string());
            p.class = Some("prowler-attribute".into());
            props.push(p);
        }
        _ => {
            for v in values(value) {
                let mut p = prop(key, &v);
                p.class = Some("prowler-attribute".into());
                props.push(p);
            }
        }
    }
}
