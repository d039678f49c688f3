//! OSCAL catalogs and profiles: reading the three serializations (JSON,
//! YAML, XML) into one typed form, mapping catalogs to the native model,
//! resolving profiles into baselines, and exporting catalogs back.

pub mod catalog;
pub mod complete;
pub mod profile;
pub mod scope;
pub mod xml;

use crate::import::ImportError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;

/// How an OSCAL document is serialized, judged by its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Yaml,
    Xml,
}

/// Guesses the serialization from the first meaningful characters, so a
/// file's extension (or lack of one) never decides how it is read.
pub fn detect(text: &str) -> Syntax {
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('<') {
        Syntax::Xml
    } else if body.starts_with('{') || body.starts_with('[') {
        Syntax::Json
    } else {
        Syntax::Yaml
    }
}

/// Reads YAML under generous but finite budgets (published catalogs run to
/// a few hundred thousand nodes).
pub fn yaml_value(text: &str, path: &Path) -> Result<Value, ImportError> {
    Ok(yaml_node(text, path)?.to_json())
}

fn yaml_node(text: &str, path: &Path) -> Result<crate::workspace::yaml::Node, ImportError> {
    let limits = crate::workspace::yaml::YamlLimits {
        max_depth: 128,
        max_nodes: 8_000_000,
    };
    let body = text.trim_start_matches('\u{feff}');
    let node = crate::workspace::yaml::parse(body, limits, Default::default()).map_err(|e| {
        ImportError::Yaml {
            path: path.to_path_buf(),
            line: e.pos.line as usize,
            column: e.pos.column as usize,
            message: crate::excerpt::message(&e.message),
        }
    })?;
    Ok(node)
}

/// An OSCAL document of a kind Aegis imports.
#[derive(Debug)]
pub enum Document {
    Catalog(Box<OscalCatalog>),
    Profile(Box<OscalProfile>),
}

/// Parses `text` (read from `path`) as an OSCAL catalog or profile in any
/// serialization.
pub fn parse(text: &str, path: &Path) -> Result<Document, ImportError> {
    let value = match detect(text) {
        Syntax::Xml => xml::to_json(text, path)?,
        Syntax::Json => {
            return typed(
                serde_json::from_str::<Root>(text).map_err(|e| ImportError::Json {
                    path: path.to_path_buf(),
                    line: e.line(),
                    column: e.column(),
                    message: json_message(&e),
                })?,
                path,
            );
        }
        Syntax::Yaml => {
            // A YAML document cut short is often still YAML: refuse it
            // before it replaces a whole import.
            let body = text.trim_start_matches('\u{feff}');
            complete::check_line_break(body, path)?;
            let node = yaml_node(text, path)?;
            complete::check_yaml(body, &node, path)?;
            node.to_json()
        }
    };
    // Text that is no mapping at all (a file read by mistake parses as one
    // long YAML string) is not OSCAL; saying so beats quoting it.
    if !value.is_object() {
        return Err(ImportError::NotOscal {
            path: path.to_path_buf(),
        });
    }
    let root: Root = serde_json::from_value(value).map_err(|e| ImportError::Invalid {
        path: path.to_path_buf(),
        message: crate::excerpt::message(&e.to_string()),
    })?;
    typed(root, path)
}

/// Parses `text` (read from `path`) in any serialization into the OSCAL
/// JSON shape, whatever the model (SSP, component definition, ...), under
/// the same budgets as catalogs: serde_json's recursion limit, the YAML
/// depth and node budgets, and the XML depth limit with entities refused.
pub fn parse_value(text: &str, path: &Path) -> Result<Value, ImportError> {
    let value = match detect(text) {
        Syntax::Xml => xml::to_json(text, path)?,
        Syntax::Json => serde_json::from_str::<Value>(text).map_err(|e| ImportError::Json {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: json_message(&e),
        })?,
        Syntax::Yaml => {
            let body = text.trim_start_matches('\u{feff}');
            complete::check_line_break(body, path)?;
            let node = yaml_node(text, path)?;
            complete::check_yaml(body, &node, path)?;
            node.to_json()
        }
    };
    Ok(value)
}

/// A duplicate control or group id found after parsing, placed at the
/// line of its second occurrence in the source `text` (found by a linear
/// scan for the id as the value of an `id` key in JSON or YAML, or an `id`
/// attribute in XML); other errors pass through.
pub fn locate_duplicate(e: ImportError, text: &str) -> ImportError {
    let (path, id, what) = match e {
        ImportError::DuplicateControl { path, id } => (path, id, "control"),
        ImportError::DuplicateGroup { path, id } => (path, id, "group"),
        other => return other,
    };
    let lines = id_lines(text, &id);
    match (lines.first(), lines.get(1)) {
        (Some(&first), Some(&line)) => ImportError::DuplicateAt {
            path,
            line,
            first,
            what,
            id,
        },
        _ if what == "control" => ImportError::DuplicateControl { path, id },
        _ => ImportError::DuplicateGroup { path, id },
    }
}

/// The lines (1-based) where `id` is the value of an id, first two only.
fn id_lines(text: &str, id: &str) -> Vec<usize> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("id") {
            let before = rest[..at].chars().next_back();
            let after = &rest[at + 2..];
            rest = after;
            // `"id"` (JSON), `id:` (YAML), ` id=` (XML); not `uuid`, `param-id`.
            let key_start = matches!(before, None | Some('"' | ' ' | '\t' | '{' | ','));
            if !key_start {
                continue;
            }
            let after = after.strip_prefix('"').unwrap_or(after).trim_start();
            let Some(value) = after.strip_prefix([':', '=']) else {
                continue;
            };
            let value = value.trim_start();
            let bare = value.trim_start_matches(['"', '\'']);
            if bare.starts_with(id)
                && bare[id.len()..].starts_with(['"', '\'', ',', '}', ' ', '/', '>'])
                || bare == id
            {
                found.push(n + 1);
                if found.len() == 2 {
                    return found;
                }
                break;
            }
        }
    }
    found
}

/// serde_json's message without the position it appends (the error
/// prints line and column itself), as a short excerpt.
pub(crate) fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let bare = match full.rfind(" at line ") {
        Some(i) if e.line() > 0 => &full[..i],
        _ => full.as_str(),
    };
    crate::excerpt::message(bare)
}

fn typed(root: Root, path: &Path) -> Result<Document, ImportError> {
    match (root.catalog, root.profile) {
        (Some(c), None) => Ok(Document::Catalog(Box::new(c))),
        (None, Some(p)) => Ok(Document::Profile(Box::new(p))),
        _ => Err(ImportError::NotOscal {
            path: path.to_path_buf(),
        }),
    }
}

#[derive(Deserialize)]
struct Root {
    catalog: Option<OscalCatalog>,
    profile: Option<OscalProfile>,
}

fn is_empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OscalCatalog {
    pub uuid: Option<String>,
    #[serde(default)]
    pub metadata: serde_json::Map<String, Value>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub params: Vec<OscalParam>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub controls: Vec<OscalControl>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub groups: Vec<OscalGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_matter: Option<BackMatter>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct BackMatter {
    #[serde(default, skip_serializing_if = "is_empty")]
    pub resources: Vec<Resource>,
}

/// A back-matter resource; only what resolution needs is typed, the rest
/// is kept as it came.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Resource {
    pub uuid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub rlinks: Vec<Rlink>,
    #[serde(flatten)]
    pub rest: serde_json::Map<String, Value>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Rlink {
    pub href: String,
    #[serde(flatten)]
    pub rest: serde_json::Map<String, Value>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OscalGroup {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub params: Vec<OscalParam>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub props: Vec<OscalProp>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub links: Vec<OscalLink>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub parts: Vec<OscalPart>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub groups: Vec<OscalGroup>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub controls: Vec<OscalControl>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OscalControl {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub params: Vec<OscalParam>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub props: Vec<OscalProp>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub links: Vec<OscalLink>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub parts: Vec<OscalPart>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub controls: Vec<OscalControl>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OscalParam {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub props: Vec<OscalProp>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub links: Vec<OscalLink>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub constraints: Vec<Constraint>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub guidelines: Vec<Guideline>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<OscalSelect>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Constraint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub tests: Vec<Value>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Guideline {
    pub prose: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OscalSelect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how_many: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub choice: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OscalPart {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ns: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub props: Vec<OscalProp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prose: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub parts: Vec<OscalPart>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub links: Vec<OscalLink>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OscalProp {
    pub name: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ns: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OscalLink {
    pub href: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OscalProfile {
    pub uuid: Option<String>,
    #[serde(default)]
    pub metadata: serde_json::Map<String, Value>,
    #[serde(default)]
    pub imports: Vec<ProfileImport>,
    #[serde(default)]
    pub merge: Option<Value>,
    #[serde(default)]
    pub modify: Option<Modify>,
    #[serde(default)]
    pub back_matter: Option<BackMatter>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ProfileImport {
    pub href: String,
    #[serde(default)]
    pub include_all: Option<Value>,
    #[serde(default)]
    pub include_controls: Vec<Selection>,
    #[serde(default)]
    pub exclude_controls: Vec<Selection>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Selection {
    #[serde(default)]
    pub with_child_controls: Option<String>,
    #[serde(default)]
    pub with_ids: Vec<String>,
    #[serde(default)]
    pub matching: Vec<Matching>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Matching {
    pub pattern: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Modify {
    #[serde(default)]
    pub set_parameters: Vec<SetParameter>,
    #[serde(default)]
    pub alters: Vec<OscalAlter>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SetParameter {
    pub param_id: String,
    #[serde(default)]
    pub class: Option<String>,
    #[serde(default)]
    pub depends_on: Option<String>,
    #[serde(default)]
    pub props: Vec<OscalProp>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub usage: Option<String>,
    #[serde(default)]
    pub constraints: Vec<Constraint>,
    #[serde(default)]
    pub guidelines: Vec<Guideline>,
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub select: Option<OscalSelect>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OscalAlter {
    pub control_id: String,
    #[serde(default)]
    pub removes: Vec<OscalRemove>,
    #[serde(default)]
    pub adds: Vec<OscalAdd>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OscalRemove {
    #[serde(default)]
    pub by_name: Option<String>,
    #[serde(default)]
    pub by_class: Option<String>,
    #[serde(default)]
    pub by_id: Option<String>,
    #[serde(default)]
    pub by_item_name: Option<String>,
    #[serde(default)]
    pub by_ns: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct OscalAdd {
    #[serde(default)]
    pub position: Option<String>,
    #[serde(default)]
    pub by_id: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub params: Vec<OscalParam>,
    #[serde(default)]
    pub props: Vec<OscalProp>,
    #[serde(default)]
    pub links: Vec<OscalLink>,
    #[serde(default)]
    pub parts: Vec<OscalPart>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_id_is_placed_at_its_second_occurrence() {
        let json = "{\"groups\": [\n {\"id\": \"ac\", \"uuid\": \"ac\"},\n {\"param-id\": \"ac\"},\n {\"id\" : \"ac\"}]}";
        assert_eq!(id_lines(json, "ac"), vec![2, 4]);
        let yaml = "groups:\n  - id: ac\n    title: x\n  - id: ac-1\n  - id: 'ac'\n";
        assert_eq!(id_lines(yaml, "ac"), vec![2, 5]);
        let xml = "<group id=\"ac\">\n<control id=\"ac-1\"/>\n<group id='ac'>";
        assert_eq!(id_lines(xml, "ac"), vec![1, 3]);
        let e = locate_duplicate(
            ImportError::DuplicateGroup {
                path: "c.json".into(),
                id: "ac".into(),
            },
            json,
        );
        assert!(e.to_string().starts_with("c.json:4: group id `ac`"), "{e}");
    }
}
