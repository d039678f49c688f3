//! Document expansion through the repository's mappings: a control's
//! words are joined (in their own field) by the titles and statements of
//! the controls other frameworks' mappings pair it with. A CSF outcome
//! that ISO 27001 maps to "Identity management" now shares words with
//! the SP 800-53 controls that ISO maps there too, whatever the two
//! catalogs' own wording.

use super::bridge::Graph;
use super::document::{Doc, Field};
use super::text::MAX_TERMS_PER_FIELD;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// The frameworks holding a neighbour of a node in `range`.
pub fn neighbour_frameworks(graph: &Graph, range: &Range<usize>) -> BTreeSet<String> {
    range
        .clone()
        .flat_map(|n| graph.neighbours(n).iter())
        .filter_map(|&(v, _)| graph.locate(v as usize).map(|(fw, _)| fw.to_string()))
        .collect()
}

/// The `Mapped` field of each control in `range` (in order), from the
/// documents of its neighbours' frameworks.
pub fn mapped_terms(
    graph: &Graph,
    range: &Range<usize>,
    docs: &BTreeMap<String, Vec<Doc>>,
) -> Vec<Vec<String>> {
    range
        .clone()
        .map(|n| {
            let mut out: Vec<String> = Vec::new();
            for &(v, _) in graph.neighbours(n) {
                let Some(doc) = graph
                    .locate(v as usize)
                    .and_then(|(fw, i)| docs.get(fw)?.get(i))
                else {
                    continue;
                };
                for f in [Field::Title, Field::Statement] {
                    let room = MAX_TERMS_PER_FIELD.saturating_sub(out.len());
                    out.extend(doc.terms[f.slot()].iter().take(room).cloned());
                }
            }
            out
        })
        .collect()
}
