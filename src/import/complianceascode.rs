//! ComplianceAsCode control files (`controls/*.yml` of
//! ComplianceAsCode/content): a policy with `levels` and nested `controls`,
//! inline or split into a `controls_dir` beside the file (one file per
//! family). Controls keep their automation rules as `rule` props and their
//! status as a `status` prop (both in the ComplianceAsCode namespace, so a
//! status never reads as an OSCAL withdrawal); each level becomes a
//! baseline holding the controls of that level and of the levels it
//! inherits from.

use super::ImportError;
use super::oscal::catalog::slug;
use crate::model::{
    BaselineFile, BaselineId, Control, ControlId, Framework, FrameworkId, Group, Prop,
    SCHEMA_VERSION, Source,
};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path};

pub const NS: &str = "https://github.com/ComplianceAsCode/content";

/// Whether `doc` looks like a ComplianceAsCode control file.
pub fn recognise(doc: &Value) -> bool {
    let has_policy = doc.get("policy").is_some() || doc.get("controls_dir").is_some();
    let controls_look_right = doc
        .get("controls")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .is_some_and(|c| {
            c.get("id").is_some()
                && (c.get("levels").is_some()
                    || c.get("rules").is_some()
                    || c.get("status").is_some())
        });
    (has_policy && (doc.get("controls").is_some() || doc.get("controls_dir").is_some()))
        || controls_look_right
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

struct Reader<'a> {
    path: &'a Path,
    fw: Framework,
    levels: HashMap<String, Vec<String>>,
    seen: HashSet<String>,
}

/// Maps the control file `doc` (read from `path`) into a framework and one
/// baseline per level.
pub fn to_native(
    doc: &Value,
    id: Option<&str>,
    path: &Path,
    sha256: &str,
) -> Result<(Framework, Vec<BaselineFile>), ImportError> {
    let invalid = |message: String| ImportError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let fid = match id {
        Some(i) => i.to_string(),
        None => slug(&text(doc, "id").unwrap_or(stem)),
    };
    let fw = Framework {
        schema_version: SCHEMA_VERSION,
        id: FrameworkId(fid),
        title: text(doc, "title")
            .or_else(|| text(doc, "policy"))
            .unwrap_or_default(),
        version: text(doc, "version").unwrap_or_else(|| "unversioned".into()),
        publisher: None,
        description: text(doc, "source").map(|s| format!("Source: {s}")),
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
    };
    let mut r = Reader {
        path,
        fw,
        levels: HashMap::new(),
        seen: HashSet::new(),
    };
    if let Some(cs) = doc.get("controls").and_then(Value::as_array) {
        r.controls(cs, None, None)?;
    }
    if let Some(dir) = text(doc, "controls_dir") {
        let rel = Path::new(&dir);
        if rel.is_absolute() || rel.components().any(|c| matches!(c, Component::ParentDir)) {
            return Err(invalid(format!(
                "controls_dir `{dir}` must stay beside the file"
            )));
        }
        let full = path.parent().unwrap_or(Path::new(".")).join(rel);
        let mut files: Vec<_> = std::fs::read_dir(&full)
            .map_err(|source| ImportError::Read {
                path: full.clone(),
                source,
            })?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
            .collect();
        files.sort();
        for f in files {
            let (t, _) = super::read_source(&f)?;
            let part = super::oscal::yaml_value(&t, &f)?;
            let gid = slug(
                &f.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            );
            r.fw.groups.push(Group {
                id: gid.clone(),
                title: gid.to_uppercase(),
                parent: None,
                class: None,
                props: Vec::new(),
                params: Vec::new(),
                parts: Vec::new(),
                links: Vec::new(),
            });
            if let Some(cs) = part.get("controls").and_then(Value::as_array) {
                r.controls(cs, Some(&gid), None)?;
            }
        }
    }
    if r.fw.controls.is_empty() {
        return Err(invalid("the control file holds no controls".into()));
    }
    // level → the levels it includes, itself first.
    let declared: Vec<(String, Vec<String>)> = doc
        .get("levels")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|l| {
            let id = text(l, "id")?;
            let inherits = l
                .get("inherits_from")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            Some((id, inherits))
        })
        .collect();
    let parents: HashMap<&str, &Vec<String>> =
        declared.iter().map(|(l, i)| (l.as_str(), i)).collect();
    let mut baselines = Vec::new();
    for (level, _) in &declared {
        let mut closure = HashSet::new();
        let mut todo = vec![level.as_str()];
        while let Some(l) = todo.pop() {
            if closure.insert(l) {
                todo.extend(
                    parents
                        .get(l)
                        .into_iter()
                        .flat_map(|v| v.iter().map(String::as_str)),
                );
            }
        }
        let controls: Vec<ControlId> =
            r.fw.controls
                .iter()
                .filter(|c| {
                    r.levels
                        .get(c.id.as_str())
                        .is_some_and(|ls| ls.iter().any(|l| closure.contains(l.as_str())))
                })
                .map(|c| c.id.clone())
                .collect();
        let bid = slug(level);
        if bid.is_empty() || controls.is_empty() {
            continue;
        }
        baselines.push(BaselineFile {
            schema_version: SCHEMA_VERSION,
            framework: r.fw.id.clone(),
            id: BaselineId(bid),
            title: Some(format!("{} ({level})", r.fw.title)),
            description: None,
            source: r.fw.source.clone(),
            controls,
            parameters: Default::default(),
            alters: Vec::new(),
        });
    }
    Ok((r.fw, baselines))
}

impl Reader<'_> {
    fn controls(
        &mut self,
        cs: &[Value],
        group: Option<&str>,
        parent: Option<&str>,
    ) -> Result<(), ImportError> {
        for c in cs {
            let Some(id) = text(c, "id") else {
                return Err(ImportError::Invalid {
                    path: self.path.to_path_buf(),
                    message: format!(
                        "a control {}has no id",
                        parent.map(|p| format!("under `{p}` ")).unwrap_or_default()
                    ),
                });
            };
            if id.contains(char::is_whitespace) || id.contains(':') {
                return Err(ImportError::Invalid {
                    path: self.path.to_path_buf(),
                    message: format!("control id `{id}` has spaces or ':'"),
                });
            }
            if !self.seen.insert(id.clone()) {
                return Err(ImportError::DuplicateControl {
                    path: self.path.to_path_buf(),
                    id,
                });
            }
            let mut props = Vec::new();
            let prop = |name: &str, value: String| Prop {
                name: name.into(),
                value,
                ns: Some(NS.into()),
                class: None,
            };
            if let Some(s) = text(c, "status") {
                props.push(prop("status", s));
            }
            for rule in c
                .get("rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                props.push(prop("rule", rule.to_string()));
            }
            if let Some(n) = text(c, "notes") {
                props.push(prop("notes", n));
            }
            let levels: Vec<String> = c
                .get("levels")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            self.levels.insert(id.clone(), levels);
            self.fw.controls.push(Control {
                id: ControlId(id.clone()),
                label: None,
                title: text(c, "title").unwrap_or_else(|| id.clone()),
                class: None,
                group: group.map(str::to_string),
                parent: parent.map(|p| ControlId(p.to_string())),
                sort_id: None,
                statement: text(c, "description"),
                params: Vec::new(),
                parts: Vec::new(),
                props,
                links: Vec::new(),
                withdrawn: false,
                moved_to: Vec::new(),
                incorporated_into: Vec::new(),
            });
            if let Some(kids) = c.get("controls").and_then(Value::as_array) {
                self.controls(kids, group, Some(&id))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_become_inheriting_baselines() {
        let doc: Value = serde_json::json!({"policy": "P", "title": "Policy", "id": "my_policy",
            "levels": [{"id": "low"}, {"id": "high", "inherits_from": ["low"]}],
            "controls": [
                {"id": "c-1", "title": "One", "levels": ["low"], "rules": ["r1", "r2"], "status": "automated",
                 "controls": [{"id": "c-1.1", "title": "Sub", "levels": ["high"]}]},
                {"id": "c-2", "levels": ["high"], "status": "pending"}]});
        assert!(recognise(&doc));
        let (fw, bs) = to_native(&doc, None, Path::new("p.yml"), "00").expect("maps");
        assert_eq!(fw.id.as_str(), "my-policy");
        assert_eq!(
            fw.controls[1].parent.as_ref().map(ControlId::as_str),
            Some("c-1")
        );
        assert_eq!(fw.controls[0].props.len(), 3);
        let ids = |b: &BaselineFile| b.controls.iter().map(|c| c.0.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&bs[0]), ["c-1"]);
        assert_eq!(ids(&bs[1]), ["c-1", "c-1.1", "c-2"]);
    }

    #[test]
    fn controls_dir_may_not_leave_the_directory() {
        let doc: Value = serde_json::json!({"policy": "P", "controls_dir": "../../etc"});
        let e = to_native(&doc, None, Path::new("p.yml"), "00").expect_err("refused");
        assert!(e.to_string().contains("must stay beside the file"), "{e}");
    }
}
