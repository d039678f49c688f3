//! compliance-trestle's mapping CSV: a header row of `$$`-prefixed
//! (required) and `$`-prefixed (optional) column names, a row describing
//! each column, then one row per source control: `$$Source_Resource`,
//! `$$Target_Resource`, `$$Map_Source_ID_Ref_list` and
//! `$$Map_Target_ID_Ref_list` (ids separated by spaces),
//! `$$Map_Relationship`, `$Map_Confidence_Score`, `$Map_Coverage`. A row
//! with several sources and targets states every source × target pair.

use super::{Document, Entry, Error, RawRef, Set, Side, Unpaired};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

const REQUIRED: &[&str] = &[
    "Map_Source_ID_Ref_list",
    "Map_Target_ID_Ref_list",
    "Map_Relationship",
];

pub(super) fn read(path: &Path, bytes: &[u8], doc: &mut Document) -> Result<(), Error> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.records();
    let bad = |line: u64, e: &dyn std::fmt::Display| {
        Error::source(
            path,
            format!("line {line}: {}", crate::excerpt::message(&e.to_string())),
        )
    };
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(bad(1, &e)),
        None => return Err(Error::source(path, "the file is empty")),
    };
    let columns: HashMap<String, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().trim_start_matches('$').to_ascii_lowercase(), i))
        .collect();
    for r in REQUIRED {
        if !columns.contains_key(&r.to_ascii_lowercase()) {
            return Err(Error::source(
                path,
                format!(
                    "line 1: no `$${r}` column; a trestle mapping CSV has $$Map_Source_ID_Ref_list, $$Map_Target_ID_Ref_list and $$Map_Relationship"
                ),
            ));
        }
    }
    let col = |name: &str| columns.get(&name.to_ascii_lowercase()).copied();
    let get = |rec: &csv::StringRecord, name: &str| -> String {
        col(name)
            .and_then(|i| rec.get(i))
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let mut entries = Vec::new();
    let mut without_pairs = Vec::new();
    let (mut source_hint, mut target_hint) = (None, None);
    let mut first_data = true;
    for rec in records {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            bad(line, &e)
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let relationship = get(&rec, "Map_Relationship");
        // The row after the header describes each column.
        if std::mem::take(&mut first_data) && relationship.contains(' ') {
            continue;
        }
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        source_hint.get_or_insert_with(|| get(&rec, "Source_Resource"));
        target_hint.get_or_insert_with(|| get(&rec, "Target_Resource"));
        let sources: Vec<String> = get(&rec, "Map_Source_ID_Ref_list")
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let targets_cell = get(&rec, "Map_Target_ID_Ref_list");
        let mut targets: Vec<&str> = targets_cell.split_whitespace().collect();
        if targets.is_empty() {
            for s in &sources {
                without_pairs.push(Unpaired {
                    at: format!("line {line}"),
                    id: s.clone(),
                    why: "no target: the publisher left it unmapped".into(),
                });
            }
            continue;
        }
        let relation = if relationship.is_empty() {
            Err("no relationship".to_string())
        } else {
            super::oscal::relation(Some(&Value::String(relationship.clone())))
        };
        let mut notes = Vec::new();
        let confidence = get(&rec, "Map_Confidence_Score");
        if let Some(c) = super::oscal::percent_text(&confidence).filter(|c| *c < 100) {
            notes.push(format!("confidence {c}%"));
        }
        let coverage = super::oscal::percent_text(&get(&rec, "Map_Coverage"));
        let rationale = super::ciso::rationale(&get(&rec, "Map_Rationale"));
        targets.retain(|t| !t.is_empty());
        for s in &sources {
            for t in &targets {
                entries.push(Entry {
                    at: format!("line {line}"),
                    source: RawRef::id(s.clone()),
                    target: RawRef::id(*t),
                    relation: relation.clone(),
                    rationale,
                    strength: None,
                    coverage,
                    note: (!notes.is_empty()).then(|| notes.join("; ")),
                });
            }
        }
    }
    doc.sets.push(Set {
        name: "csv".into(),
        source: Side::named(source_hint),
        target: Side::named(target_hint),
        stated: entries.len(),
        entries,
        without_pairs,
        inverse_of: None,
    });
    Ok(())
}
