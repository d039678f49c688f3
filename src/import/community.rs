//! Framework libraries published outside OSCAL, recognised by their shape:
//!
//! - CISO Assistant libraries (`objects.framework.requirement_nodes`): nodes
//!   that are not assessable become groups, assessable ones controls (a
//!   control under a control is an enhancement with `parent`);
//! - Prowler compliance files (`Framework` + `Requirements`, or the newer
//!   lower-case `framework` + `requirements`): each requirement a control,
//!   its first attribute's section a group, its Prowler checks kept as
//!   `check` props, which is what links Prowler findings to the framework.

use super::ImportError;
use super::oscal::catalog::slug;
use crate::model::{
    Control, ControlId, Framework, FrameworkId, Group, Prop, SCHEMA_VERSION, Source,
};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The namespace of the props that carry Prowler check ids.
pub const PROWLER_NS: &str = "https://github.com/prowler-cloud/prowler";

/// Maps `doc` when it has a shape this module knows; `None` otherwise.
pub fn to_native(
    doc: &Value,
    id: Option<&str>,
    path: &Path,
    sha256: &str,
) -> Option<Result<Framework, ImportError>> {
    if let Some(nodes) = doc
        .pointer("/objects/framework/requirement_nodes")
        .and_then(Value::as_array)
    {
        return Some(ciso_assistant(doc, nodes, id, path, sha256));
    }
    let reqs = get(doc, "Requirements").and_then(Value::as_array)?;
    get(doc, "Framework")?;
    Some(prowler(doc, reqs, id, path, sha256))
}

/// A key in either spelling Prowler has used.
fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).or_else(|| v.get(key.to_lowercase()))
}

fn text(v: &Value, key: &str) -> Option<String> {
    match get(v, key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn framework(id: String, title: String, version: String, path: &Path, sha256: &str) -> Framework {
    Framework {
        schema_version: SCHEMA_VERSION,
        id: FrameworkId(id),
        title,
        version,
        publisher: None,
        description: None,
        source: Some(Source {
            url: None,
            sha256: Some(sha256.to_string()),
            document: path.file_name().map(|n| n.to_string_lossy().into_owned()),
        }),
        licence: None,
        groups: Vec::new(),
        controls: Vec::new(),
        baselines: Vec::new(),
        oscal: None,
    }
}

fn control(id: String, title: String) -> Control {
    Control {
        id: ControlId(id),
        label: None,
        title,
        class: None,
        group: None,
        parent: None,
        sort_id: None,
        statement: None,
        params: Vec::new(),
        parts: Vec::new(),
        props: Vec::new(),
        links: Vec::new(),
        withdrawn: false,
        moved_to: Vec::new(),
        incorporated_into: Vec::new(),
    }
}

fn group(id: String, title: String, parent: Option<String>) -> Group {
    Group {
        id,
        title,
        parent,
        class: None,
        props: Vec::new(),
        params: Vec::new(),
        parts: Vec::new(),
        links: Vec::new(),
    }
}

fn usable(id: &str) -> bool {
    !id.is_empty() && !id.contains(char::is_whitespace) && !id.contains(':')
}

fn checked_id(id: Option<&str>, fallback: &str) -> Result<String, ImportError> {
    let id = match id {
        Some(i) => i.to_string(),
        None => fallback.to_string(),
    };
    let ok = id
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(id)
    } else {
        Err(ImportError::BadId(id))
    }
}

fn ciso_assistant(
    doc: &Value,
    nodes: &[Value],
    id: Option<&str>,
    path: &Path,
    sha256: &str,
) -> Result<Framework, ImportError> {
    let fwv = doc.pointer("/objects/framework").unwrap_or(&Value::Null);
    let name = text(fwv, "name")
        .or_else(|| text(doc, "name"))
        .unwrap_or_default();
    let fallback = slug(&text(fwv, "ref_id").unwrap_or_else(|| name.clone()));
    let mut fw = framework(
        checked_id(id, &fallback)?,
        name,
        text(doc, "version").unwrap_or_else(|| "unversioned".into()),
        path,
        sha256,
    );
    fw.publisher = text(doc, "provider");
    fw.description = text(fwv, "description");
    fw.licence = text(doc, "copyright");
    // urn → (is a control, native id, nearest group)
    let mut known: HashMap<String, (bool, String, Option<String>)> = HashMap::new();
    let mut ids = HashSet::new();
    for (i, n) in nodes.iter().enumerate() {
        let Some(urn) = text(n, "urn") else {
            return Err(ImportError::Invalid {
                path: path.to_path_buf(),
                message: format!("requirement node {} has no urn", i + 1),
            });
        };
        let last = urn.rsplit(':').next().unwrap_or(&urn).to_string();
        let native = text(n, "ref_id")
            .filter(|r| usable(r))
            .unwrap_or_else(|| last.clone());
        let parent = text(n, "parent_urn").and_then(|p| known.get(&p).cloned());
        let assessable = n
            .get("assessable")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let title = text(n, "name")
            .or_else(|| text(n, "description"))
            .unwrap_or_else(|| native.clone());
        if assessable {
            if !ids.insert(native.clone()) {
                return Err(ImportError::DuplicateControl {
                    path: path.to_path_buf(),
                    id: native,
                });
            }
            let mut c = control(native.clone(), title);
            c.statement = text(n, "description").filter(|_| text(n, "name").is_some());
            if let Some((is_control, pid, pgroup)) = &parent {
                if *is_control {
                    c.parent = Some(ControlId(pid.clone()));
                    c.group.clone_from(pgroup);
                } else {
                    c.group = Some(pid.clone());
                }
            }
            let g = c.group.clone();
            fw.controls.push(c);
            known.insert(urn, (true, native, g));
        } else {
            // Groups are named by their urn's last segment: ref_ids of
            // section headings repeat ("1", "2") across a library.
            let gid = slug(&last);
            let gid = if gid.is_empty() || fw.groups.iter().any(|g| g.id == gid) {
                format!("g{}", i + 1)
            } else {
                gid
            };
            let parent_group = parent.and_then(
                |(is_control, pid, pgroup)| {
                    if is_control { pgroup } else { Some(pid) }
                },
            );
            fw.groups.push(group(gid.clone(), title, parent_group));
            known.insert(urn, (false, gid.clone(), Some(gid)));
        }
    }
    Ok(fw)
}

fn prowler(
    doc: &Value,
    reqs: &[Value],
    id: Option<&str>,
    path: &Path,
    sha256: &str,
) -> Result<Framework, ImportError> {
    let name = text(doc, "Framework").unwrap_or_default();
    let provider = text(doc, "Provider");
    let fallback = slug(&match &provider {
        Some(p) => format!("{name}-{p}"),
        None => name.clone(),
    });
    let mut fw = framework(
        checked_id(id, &fallback)?,
        text(doc, "Name").unwrap_or(name),
        text(doc, "Version").unwrap_or_else(|| "unversioned".into()),
        path,
        sha256,
    );
    fw.description = text(doc, "Description");
    fw.publisher = provider;
    let mut ids = HashSet::new();
    for (i, r) in reqs.iter().enumerate() {
        let Some(rid) = text(r, "Id").filter(|s| usable(s)) else {
            return Err(ImportError::Invalid {
                path: path.to_path_buf(),
                message: format!("requirement {} has no usable Id", i + 1),
            });
        };
        let title = text(r, "Name").unwrap_or_else(|| rid.clone());
        let statement = text(r, "Description");
        // Prowler files repeat a requirement now and then; a repeat that says
        // the same thing only adds checks, one that differs is an error.
        if !ids.insert(rid.clone()) {
            let same = fw
                .controls
                .iter_mut()
                .find(|c| c.id.0 == rid && c.title == title && c.statement == statement);
            let Some(first) = same else {
                return Err(ImportError::DuplicateControl {
                    path: path.to_path_buf(),
                    id: rid,
                });
            };
            for check in get(r, "Checks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !first.props.iter().any(|p| p.value == check) {
                    first.props.push(check_prop(check));
                }
            }
            continue;
        }
        let mut c = control(rid, title);
        c.statement = statement;
        let section = get(r, "Attributes")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(|a| text(a, "Section"));
        if let Some(section) = section {
            let gid = match slug(&section) {
                s if s.is_empty() => "section".to_string(),
                s => s,
            };
            if !fw.groups.iter().any(|g| g.id == gid) {
                fw.groups.push(group(gid.clone(), section, None));
            }
            c.group = Some(gid);
        }
        let checks = get(r, "Checks").and_then(Value::as_array);
        let mut seen = HashSet::new();
        for check in checks.into_iter().flatten().filter_map(Value::as_str) {
            if seen.insert(check) {
                c.props.push(check_prop(check));
            }
        }
        fw.controls.push(c);
    }
    Ok(fw)
}

fn check_prop(check: &str) -> Prop {
    Prop {
        name: "check".into(),
        value: check.to_string(),
        ns: Some(PROWLER_NS.into()),
        class: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ciso_assistant_nodes_become_groups_and_controls() {
        let doc: Value = serde_json::json!({"version": 2, "provider": "NIST", "objects": {"framework": {
            "ref_id": "CSF-2", "name": "CSF 2.0", "requirement_nodes": [
            {"urn": "urn:x:req_node:csf:gv", "assessable": false, "ref_id": "GV", "name": "Govern"},
            {"urn": "urn:x:req_node:csf:gv.oc", "assessable": false, "parent_urn": "urn:x:req_node:csf:gv", "ref_id": "GV.OC", "name": "Context"},
            {"urn": "urn:x:req_node:csf:gv.oc-01", "assessable": true, "parent_urn": "urn:x:req_node:csf:gv.oc", "ref_id": "GV.OC-01", "description": "Mission is understood"}]}}});
        let fw = to_native(&doc, None, Path::new("csf.yaml"), "00")
            .expect("recognised")
            .expect("maps");
        assert_eq!(fw.id.as_str(), "csf-2");
        assert_eq!(fw.version, "2");
        assert_eq!(fw.groups[1].parent.as_deref(), Some("gv"));
        assert_eq!(fw.controls[0].id.as_str(), "GV.OC-01");
        assert_eq!(fw.controls[0].group.as_deref(), Some("gv-oc"));
        assert_eq!(fw.controls[0].title, "Mission is understood");
    }

    #[test]
    fn prowler_requirements_keep_their_checks() {
        let doc: Value = serde_json::json!({"Framework": "NIST-800-53-Revision-5", "Provider": "AWS", "Version": "",
            "Requirements": [{"Id": "ac_2_1", "Name": "AC-2(1)", "Description": "x",
              "Attributes": [{"Section": "Access Control (AC)"}], "Checks": ["a", "b", "a"]}]});
        let fw = to_native(&doc, None, Path::new("p.json"), "00")
            .expect("recognised")
            .expect("maps");
        assert_eq!(fw.id.as_str(), "nist-800-53-revision-5-aws");
        assert_eq!(fw.controls[0].props.len(), 2);
        assert_eq!(fw.controls[0].group.as_deref(), Some("access-control-ac"));
        assert!(
            to_native(
                &serde_json::json!({"x": 1}),
                None,
                Path::new("p.json"),
                "00"
            )
            .is_none()
        );
    }
}
