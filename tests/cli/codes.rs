//! `aegis codes`, and the promise that every code has a docs page and a
//! fixture, and that every page and fixture names a real code.

use crate::harness::{Aegis, fixtures};
use crate::snapshot;
use aegis::diag::Code;
use std::path::Path;

fn docs_codes() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/codes")
}

#[test]
fn codes_lists_every_code_with_severity_and_stage() {
    let out = Aegis::new().args(["codes"]).run();
    assert_eq!(out.code, 0);
    // A header, a line per code, and the legend.
    assert_eq!(out.stdout.lines().count(), Code::ALL.len() + 4);
    assert!(out.stdout.starts_with("CODE "), "{}", out.stdout);
    for code in Code::ALL {
        assert!(
            out.stdout.contains(&format!("/{}", code.docs_path())),
            "{code}"
        );
    }
    snapshot!("codes_table", out.stdout);
}

#[test]
fn codes_json_matches_the_code_table_in_the_library() {
    let out = Aegis::new().args(["codes", "--json"]).run();
    assert_eq!(out.code, 0);
    let rows = out.json();
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), Code::ALL.len());
    for (row, code) in rows.iter().zip(Code::ALL) {
        let info = code.info();
        assert_eq!(row["code"], info.name);
        assert_eq!(row["severity"], info.severity.as_str());
        assert_eq!(row["stage"], info.stage.as_str());
        assert_eq!(row["description"], info.description);
        assert_eq!(row["protected"], code.is_protected());
    }
}

#[test]
fn every_code_has_a_docs_page_with_the_required_sections() {
    let mut problems = Vec::new();
    for code in Code::ALL {
        let info = code.info();
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(code.docs_path());
        let Ok(page) = std::fs::read_to_string(&path) else {
            problems.push(format!("{}: missing", code.docs_path()));
            continue;
        };
        let mut need = vec![
            format!("# {}\n", info.name),
            format!(
                "Default severity: **{}** · Stage: **{}**",
                info.severity,
                info.stage.as_str()
            ),
            "## What it means".to_string(),
            "## Why it matters".to_string(),
            "## Example".to_string(),
            "## How to fix".to_string(),
            "## Changing its severity".to_string(),
            format!("diagnostics:\n  {}: ", info.name),
        ];
        if !page.starts_with(&need[0]) {
            problems.push(format!(
                "{}: must start with `# {}`",
                code.docs_path(),
                info.name
            ));
        }
        need.remove(0);
        for n in need {
            if !page.contains(&n) {
                problems.push(format!("{}: lacks {n:?}", code.docs_path()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn docs_index_links_every_code() {
    let index =
        std::fs::read_to_string(docs_codes().join("README.md")).expect("docs/codes/README.md");
    for code in Code::ALL {
        let info = code.info();
        let row = format!(
            "| [{0}]({0}.md) | {1} | {2} |",
            info.name,
            info.severity,
            info.stage.as_str()
        );
        assert!(
            index.contains(&row),
            "docs/codes/README.md lacks the row {row:?}"
        );
    }
}

#[test]
fn every_docs_page_and_fixture_names_a_real_code() {
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(docs_codes()).expect("docs/codes") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name == "README.md" {
            continue;
        }
        let stem = name.strip_suffix(".md").unwrap_or(&name);
        if Code::from_name(stem).is_none() {
            problems.push(format!("docs/codes/{name} names no code"));
        }
    }
    for entry in std::fs::read_dir(fixtures().join("bad")).expect("tests/fixtures/bad") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type().expect("type").is_dir() {
            continue;
        }
        if name.starts_with("hostile-") {
            continue; // named after the attack; their expect.json is checked
        }
        if Code::from_name(&name).is_none() {
            problems.push(format!("tests/fixtures/bad/{name}/ names no code"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_code_has_a_fixture() {
    for code in Code::ALL {
        let dir = fixtures().join("bad").join(code.as_str());
        assert!(
            dir.join("aegis.yaml").is_file(),
            "{} has no fixture repository",
            code
        );
        assert!(
            dir.join("expect.json").is_file(),
            "{} has no expect.json",
            code
        );
    }
}
