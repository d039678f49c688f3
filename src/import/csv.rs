//! Spreadsheet exports (CSV) into a native framework, with the columns named
//! by the user: `--columns id=Control ID,title=Name,statement=Text,group=Family`.
//!
//! A column is named by its header (compared without case or surrounding
//! spaces) or by its 1-based position (`#3`). Only `id` is required.

use super::oscal::catalog::slug;
use super::{ImportError, ImportOptions};
use crate::model::{Control, ControlId, Framework, FrameworkId, Group, SCHEMA_VERSION, Source};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The fields a column can fill.
const FIELDS: &[&str] = &["id", "title", "statement", "group", "parent", "label"];

/// Reads CSV `text` (from `path`) into a framework, one control per row.
pub fn to_native(
    text: &str,
    path: &Path,
    sha256: &str,
    spec: &str,
    opts: &ImportOptions,
) -> Result<Framework, ImportError> {
    let invalid = |message: String| ImportError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| invalid(format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut columns: HashMap<&str, usize> = HashMap::new();
    for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((field, column)) = pair.split_once('=') else {
            return Err(invalid(format!(
                "--columns entry `{pair}` is not FIELD=COLUMN"
            )));
        };
        let field = field.trim();
        let Some(known) = FIELDS.iter().find(|f| **f == field) else {
            return Err(invalid(format!(
                "--columns names unknown field `{field}`; fields are {}",
                FIELDS.join(", ")
            )));
        };
        let column = column.trim();
        let index = match column.strip_prefix('#').map(str::parse::<usize>) {
            Some(Ok(n)) if n >= 1 && n <= headers.len() => n - 1,
            Some(_) => {
                return Err(invalid(format!(
                    "column `{column}` is out of range (the file has {} columns)",
                    headers.len()
                )));
            }
            None => headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(column))
                .ok_or_else(|| {
                    invalid(format!(
                        "no column `{column}`; the header row has: {}",
                        headers.join(", ")
                    ))
                })?,
        };
        columns.insert(known, index);
    }
    if !columns.contains_key("id") {
        return Err(invalid(
            "--columns must name the id column, e.g. id=\"Control ID\"".into(),
        ));
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let id = opts.id.clone().unwrap_or_else(|| slug(&stem));
    let mut fw = Framework {
        schema_version: SCHEMA_VERSION,
        id: FrameworkId(id),
        title: opts.title.clone().unwrap_or(stem),
        version: opts.version.clone().unwrap_or_else(|| "unversioned".into()),
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
    };
    let mut seen = HashSet::new();
    let mut groups: HashMap<String, String> = HashMap::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| invalid(format!("line {line}: {e}")))?;
        let cell = |f: &str| {
            columns
                .get(f)
                .and_then(|c| row.get(*c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let Some(cid) = cell("id") else { continue };
        if cid.contains(char::is_whitespace) || cid.contains(':') {
            return Err(invalid(format!(
                "line {line}: control id `{cid}` has spaces or ':'"
            )));
        }
        if !seen.insert(cid.clone()) {
            return Err(ImportError::DuplicateControl {
                path: path.to_path_buf(),
                id: cid,
            });
        }
        let group = match cell("group") {
            Some(name) => {
                let gid = match slug(&name) {
                    s if s.is_empty() => format!("group-{}", groups.len() + 1),
                    s => s,
                };
                if groups.insert(gid.clone(), name.clone()).is_none() {
                    fw.groups.push(Group {
                        id: gid.clone(),
                        title: name,
                        parent: None,
                        class: None,
                        props: Vec::new(),
                        params: Vec::new(),
                        parts: Vec::new(),
                        links: Vec::new(),
                    });
                }
                Some(gid)
            }
            None => None,
        };
        fw.controls.push(Control {
            id: ControlId(cid.clone()),
            label: cell("label"),
            title: cell("title").unwrap_or_else(|| cid.clone()),
            class: None,
            group,
            parent: cell("parent").map(ControlId),
            sort_id: None,
            statement: cell("statement"),
            params: Vec::new(),
            parts: Vec::new(),
            props: Vec::new(),
            links: Vec::new(),
            withdrawn: false,
            moved_to: Vec::new(),
            incorporated_into: Vec::new(),
        });
    }
    for c in &fw.controls {
        if let Some(p) = &c.parent
            && !seen.contains(p.as_str())
        {
            return Err(invalid(format!(
                "control `{}` names parent `{p}`, which is not in the file",
                c.id
            )));
        }
    }
    if fw.controls.is_empty() {
        return Err(invalid("no rows with a control id".into()));
    }
    Ok(fw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, spec: &str) -> Result<Framework, ImportError> {
        to_native(
            text,
            Path::new("acme-controls.csv"),
            "00",
            spec,
            &ImportOptions::default(),
        )
    }

    #[test]
    fn rows_become_controls_with_groups_and_parents() {
        let fw = run(
            "Ref,Name,Text,Domain,Parent\nA-1,Access,\"Do a, then b.\",Access Control,\nA-1.1,Sub,More,Access Control,A-1\nB-1,Backup,Keep copies,Resilience,\n,,,,\n",
            "id=ref, title=Name, statement=#3, group=Domain, parent=Parent",
        )
        .expect("imports");
        assert_eq!(fw.id.as_str(), "acme-controls");
        assert_eq!(fw.controls.len(), 3);
        assert_eq!(fw.controls[0].statement.as_deref(), Some("Do a, then b."));
        assert_eq!(
            fw.controls[1].parent.as_ref().map(ControlId::as_str),
            Some("A-1")
        );
        assert_eq!(
            fw.groups.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(),
            ["access-control", "resilience"]
        );
    }

    #[test]
    fn bad_column_specs_say_what_exists() {
        let e = run("Ref,Name\nA-1,x\n", "id=Identifier").expect_err("no such column");
        assert!(
            e.to_string().contains("the header row has: Ref, Name"),
            "{e}"
        );
        let e = run("Ref,Name\nA-1,x\n", "key=Ref").expect_err("no such field");
        assert!(e.to_string().contains("fields are id, title"), "{e}");
        let e = run("Ref\nA-1\nA-1\n", "id=Ref").expect_err("duplicate");
        assert!(
            e.to_string().contains("`A-1` appears more than once"),
            "{e}"
        );
    }
}
