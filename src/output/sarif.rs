//! SARIF 2.1.0 as GitHub code scanning accepts it: one run, one rule per
//! code with its documentation, repository-relative locations.

use super::Report;
use crate::diag::{Code, Severity};
use serde::Serialize;
use std::collections::BTreeSet;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Code pages are linked in the repository that published this build.
const DOCS: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/");

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'a str,
    version: &'a str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    results: Vec<SarifResult>,
    column_kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<RunProps>,
}

/// What a reviewer must see beside the results: the codes aegis.yaml
/// lowers or switches off (each also has a `weakened-code` result).
#[derive(Serialize)]
struct RunProps {
    weakened: Vec<String>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: String,
    version: String,
    information_uri: String,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help_uri: String,
    help: Help,
    default_configuration: Config,
    properties: RuleProps,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Config {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProps {
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: Physical,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Artifact,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A repository path as a relative URI reference: `/` kept, every byte
/// outside RFC 3986's unreserved set percent-encoded (spaces, `%`, `#`,
/// `?`, control characters and non-ASCII in a file name).
fn uri_path(path: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn rule_id(c: Code) -> String {
    format!("aegis/{}", c.as_str())
}

pub fn render(report: &Report) -> String {
    // Only the codes that occur, in code order, so rule indexes are stable.
    let used: BTreeSet<Code> = report.diagnostics.iter().map(|d| d.code).collect();
    let used: Vec<Code> = used.into_iter().collect();
    let rules = used
        .iter()
        .map(|c| {
            let info = c.info();
            let docs = format!("{DOCS}{}", c.docs_path());
            Rule {
                id: rule_id(*c),
                name: info.name.to_string(),
                short_description: Text {
                    text: info.description.to_string(),
                },
                full_description: Text {
                    text: info.description.to_string(),
                },
                help_uri: docs.clone(),
                help: Help {
                    text: format!("{} See {docs}", info.description),
                    markdown: format!("{} See [{}]({docs}).", info.description, info.name),
                },
                default_configuration: Config {
                    level: level(info.severity),
                },
                properties: RuleProps {
                    tags: vec!["compliance".to_string(), info.stage.as_str().to_string()],
                },
            }
        })
        .collect();
    let results = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if !text.ends_with('.') {
                text.push('.');
            }
            if let Some(h) = &d.help {
                text.push_str(" Help: ");
                text.push_str(h);
            }
            SarifResult {
                rule_id: rule_id(d.code),
                rule_index: used.iter().position(|c| *c == d.code).unwrap_or(0),
                level: level(d.severity),
                message: Text { text },
                locations: vec![Location {
                    physical_location: Physical {
                        artifact_location: Artifact {
                            uri: uri_path(&format!("{}{}", report.path_prefix, d.file)),
                            uri_base_id: "%SRCROOT%",
                        },
                        region: Region {
                            start_line: d.pos.line.max(1),
                            start_column: d.pos.column.max(1),
                        },
                    },
                }],
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "aegis".to_string(),
                    version: env!("CARGO_PKG_VERSION").to_string(),
                    information_uri: env!("CARGO_PKG_REPOSITORY").to_string(),
                    rules,
                },
            },
            results,
            column_kind: "unicodeCodePoints",
            properties: (!report.weakened.is_empty()).then(|| RunProps {
                weakened: report.weakened.iter().map(|w| w.describe()).collect(),
            }),
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    super::escape::json(&s).into_owned()
}
