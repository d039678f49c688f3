//! The plan's system in aegis.yaml: named, compared with what is there,
//! and added in place (comments and order kept) when it is new.

use super::read::{Model, Plan};
use super::{PlanOptions, SystemAction};
use crate::import::ImportError;
use crate::workspace::{edit, yaml};
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

/// aegis.yaml as read: its text and its systems.
#[derive(Debug)]
pub struct Config {
    path: std::path::PathBuf,
    text: String,
    systems: Vec<Value>,
}

impl Config {
    pub fn read(repo: &Path) -> Result<Config, ImportError> {
        let path = repo.join(crate::workspace::CONFIG_FILE);
        let (text, _) = crate::import::read_source(&path)?;
        let tree = parse(&text, &path)?;
        let systems = match tree.to_json().get("systems") {
            Some(Value::Array(items)) => items.clone(),
            _ => Vec::new(),
        };
        Ok(Config {
            path,
            text,
            systems,
        })
    }

    fn system(&self, id: &str) -> Option<&Value> {
        self.systems
            .iter()
            .find(|s| s.get("id").and_then(Value::as_str) == Some(id))
    }

    /// The ids of the systems aegis.yaml defines, in its order.
    pub fn system_ids(&self) -> Vec<String> {
        self.systems
            .iter()
            .filter_map(|s| s.get("id").and_then(Value::as_str).map(String::from))
            .collect()
    }

    /// The frameworks system `id` selects, when it is defined.
    pub fn frameworks_of(&self, id: &str) -> Option<Vec<String>> {
        let s = self.system(id)?;
        Some(match s.get("frameworks") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|f| f.get("framework").and_then(Value::as_str).map(String::from))
                .collect(),
            _ => Vec::new(),
        })
    }
}

fn parse(text: &str, path: &Path) -> Result<yaml::Node, ImportError> {
    yaml::parse(
        text.trim_start_matches('\u{feff}'),
        Default::default(),
        Default::default(),
    )
    .map_err(|e| ImportError::Yaml {
        path: path.to_path_buf(),
        line: e.pos.line as usize,
        column: e.pos.column as usize,
        message: crate::excerpt::message(&e.message),
    })
}

/// Which system the plan's requirements go to, and what becomes of it.
pub fn decide(
    plan: &Plan,
    opts: &PlanOptions,
    config: &Config,
) -> Result<(Option<String>, SystemAction), ImportError> {
    let id = match &opts.system {
        Some(s) => {
            if !is_system_id(s) {
                return Err(ImportError::Invalid {
                    path: config.path.clone(),
                    message: format!(
                        "`{}` is not a usable system id (lower-case letters, digits, '.', '_' and '-', starting with a letter or digit)",
                        crate::excerpt::text(s)
                    ),
                });
            }
            Some(s.clone())
        }
        None => plan.system.as_ref().and_then(|info| {
            let from_id = info.ids.iter().find(|i| !is_uuid(i)).map(|i| slug(i));
            [
                from_id,
                info.short_name.as_deref().map(slug),
                info.name.as_deref().map(slug),
            ]
            .into_iter()
            .flatten()
            .find(|s| is_system_id(s))
        }),
    };
    let Some(id) = id else {
        return Ok((None, SystemAction::Missing));
    };
    let action = match (plan.model, config.system(&id)) {
        (Model::ComponentDefinition, Some(_)) => SystemAction::Named,
        (Model::ComponentDefinition, None) => SystemAction::Missing,
        (Model::Ssp, Some(existing)) => SystemAction::Exists {
            differences: differences(plan, existing),
        },
        (Model::Ssp, None) => SystemAction::Added,
    };
    Ok((Some(id), action))
}

fn differences(plan: &Plan, existing: &Value) -> Vec<String> {
    let Some(info) = &plan.system else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, theirs) in [("name", &info.name), ("description", &info.description)] {
        let ours = existing.get(key).and_then(Value::as_str).map(str::trim);
        if let Some(theirs) = theirs
            && ours != Some(theirs.trim())
        {
            out.push(format!(
                "{key}: aegis.yaml has {}, the plan says `{}`",
                ours.map_or("none".into(), |o| format!("`{}`", crate::excerpt::text(o))),
                crate::excerpt::text(theirs)
            ));
        }
    }
    out
}

#[derive(Serialize)]
struct NewSystem<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    frameworks: Vec<NewSelection<'a>>,
}

#[derive(Serialize)]
struct NewSelection<'a> {
    framework: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<&'a str>,
}

/// Adds system `id` to aegis.yaml as one new list item under `systems:`,
/// nothing else in the file changing; written only when it reads back
/// with the system in it.
pub fn add(
    repo: &Path,
    config: &Config,
    plan: &Plan,
    id: &str,
    selections: &[(String, Option<String>)],
) -> Result<(), ImportError> {
    let info = plan.system.clone().unwrap_or_default();
    let item = NewSystem {
        id,
        name: info.name.as_deref().unwrap_or(id),
        description: info.description.as_deref(),
        frameworks: selections
            .iter()
            .map(|(f, b)| NewSelection {
                framework: f,
                baseline: b.as_deref(),
            })
            .collect(),
    };
    let item = serde_saphyr::to_string(&item).map_err(|e| ImportError::Serialize {
        what: format!("system {id}"),
        message: e.to_string(),
    })?;
    let tree = parse(&config.text, &config.path)?;
    let text =
        edit::append_item(&config.text, &tree, "systems", &item, "organisation").map_err(|e| {
            ImportError::Invalid {
                path: config.path.clone(),
                message: format!("cannot add system `{id}` in place: {e}; add it by hand"),
            }
        })?;
    let back = parse(&text, &config.path)?.to_json();
    let added = back
        .get("systems")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|x| x.get("id").and_then(Value::as_str) == Some(id))
        });
    if !added {
        return Err(ImportError::Invalid {
            path: config.path.clone(),
            message: format!("system `{id}` could not be added in place; add it by hand"),
        });
    }
    crate::import::native::write_one(repo, crate::workspace::CONFIG_FILE, &text)?;
    Ok(())
}

fn is_system_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        && s.len() <= 64
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// `Enterprise Logging & Auditing System` → `enterprise-logging-auditing-system`.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    out.chars()
        .take(64)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_system_ids() {
        assert_eq!(
            slug("Enterprise Logging & Auditing System"),
            "enterprise-logging-auditing-system"
        );
        assert_eq!(
            slug("saas_system_iaas_customer"),
            "saas_system_iaas_customer"
        );
        assert!(is_uuid("d7456980-9277-4dcb-83cf-f8ff0442623b"));
        assert!(!is_system_id("../x"));
    }
}
