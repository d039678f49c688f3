//! One control as the suggester reads it: its words by field (title,
//! statement, guidance, assessment objectives, and the context of its
//! family and parent), and its place in the framework (parent, children,
//! related controls), aligned with the index's catalog order.

use super::text::Tokenizer;
use crate::model::{Control, Framework, Group, Part};
use crate::validate::{FrameworkEntry, Repo};
use rayon::prelude::*;
use std::collections::HashMap;

/// The fields a control's words are indexed under; each has its own
/// weight and length normalisation (BM25F).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Title,
    Statement,
    Guidance,
    Objective,
    /// The titles and overviews of the control's family and parent: a
    /// CSF subcategory says "networks are monitored", its category says
    /// "continuous monitoring".
    Context,
    /// The titles and statements of the controls other mappings pair it
    /// with: how other frameworks say the same thing.
    Mapped,
}

pub const N_FIELDS: usize = 6;

pub const FIELDS: [Field; N_FIELDS] = [
    Field::Title,
    Field::Statement,
    Field::Guidance,
    Field::Objective,
    Field::Context,
    Field::Mapped,
];

impl Field {
    pub fn slot(self) -> usize {
        self as usize
    }
}

/// A control's terms by field, and its neighbours by position in the
/// framework's control list.
#[derive(Debug, Default)]
pub struct Doc {
    pub terms: [Vec<String>; N_FIELDS],
    pub withdrawn: bool,
    /// The control's group (family), numbered within the framework.
    pub group: Option<u32>,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// Controls the catalog links as related (OSCAL `rel: related`).
    pub related: Vec<usize>,
}

/// The documents of one framework, in the index's catalog order.
#[derive(Debug)]
pub struct Docs {
    pub docs: Vec<Doc>,
}

/// The framework's controls, from `framework.yaml` and its catalog files,
/// as the index placed them (the first of duplicates wins, as there).
fn controls_in_order<'r>(
    repo: &'r Repo,
    id: &str,
    entry: &FrameworkEntry,
) -> Vec<Option<&'r Control>> {
    let mut out = vec![None; entry.controls.len()];
    let framework = repo.frameworks.iter().find(|f| f.value.id.as_str() == id);
    let own = framework.into_iter().flat_map(|f| f.value.controls.iter());
    let parts = repo
        .catalogs
        .iter()
        .filter(|c| c.value.framework.as_str() == id)
        .flat_map(|c| c.value.controls.iter());
    for c in own.chain(parts) {
        if let Some(i) = entry.control(c.id.as_str())
            && out[i].is_none()
            && entry.controls[i].id == c.id
        {
            out[i] = Some(c);
        }
    }
    out
}

fn groups_of<'r>(repo: &'r Repo, id: &str) -> HashMap<&'r str, &'r Group> {
    let own = repo
        .frameworks
        .iter()
        .filter(|f| f.value.id.as_str() == id)
        .flat_map(|f: &'r crate::validate::Located<Framework>| f.value.groups.iter());
    let parts = repo
        .catalogs
        .iter()
        .filter(|c| c.value.framework.as_str() == id)
        .flat_map(|c| c.value.groups.iter());
    let mut out = HashMap::new();
    for g in own.chain(parts) {
        out.entry(g.id.as_str()).or_insert(g);
    }
    out
}

/// How much of each control to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// Every field and the structure.
    Full,
    /// Title and statement only: a neighbour framework's controls lend
    /// only these to document expansion.
    Brief,
}

/// Reads the documents of framework `id`.
pub fn read(repo: &Repo, id: &str, entry: &FrameworkEntry, depth: Depth) -> Docs {
    let controls = controls_in_order(repo, id, entry);
    let groups = groups_of(repo, id);
    let mut docs: Vec<Doc> = controls
        .par_iter()
        .zip(&entry.controls)
        .map_init(Tokenizer::default, |tok, (c, e)| {
            let mut doc = Doc {
                withdrawn: e.withdrawn,
                ..Doc::default()
            };
            doc.terms[Field::Title.slot()] = tok.terms(&e.title);
            if let Some(c) = c {
                fill(&mut doc, c, tok, depth);
                if depth == Depth::Full {
                    doc.terms[Field::Context.slot()] = tok.terms(&group_context(c, &groups));
                }
            }
            doc
        })
        .collect();
    if depth == Depth::Brief {
        return Docs { docs };
    }
    let mut group_ids: HashMap<&str, u32> = HashMap::new();
    let tok = Tokenizer::default();
    for (i, c) in controls.iter().enumerate() {
        if let Some(g) = c.and_then(|c| c.group.as_deref()) {
            let n = group_ids.len() as u32;
            docs[i].group = Some(*group_ids.entry(g).or_insert(n));
        }
    }
    for (i, c) in controls.iter().enumerate() {
        let Some(c) = c else { continue };
        if let Some(p) = c.parent.as_ref().and_then(|p| entry.control(p.as_str()))
            && p != i
        {
            docs[i].parent = Some(p);
            docs[p].children.push(i);
            let parent_title = tok.terms(&entry.controls[p].title);
            docs[i].terms[Field::Context.slot()].extend(parent_title);
        }
        let mut related: Vec<usize> = c
            .links
            .iter()
            .filter(|l| l.rel.as_deref() == Some("related"))
            .filter_map(|l| entry.control(l.href.trim_start_matches('#')))
            .filter(|&j| j != i)
            .collect();
        related.sort_unstable();
        related.dedup();
        docs[i].related = related;
    }
    Docs { docs }
}

fn fill(doc: &mut Doc, c: &Control, tok: &Tokenizer, depth: Depth) {
    let mut text: [String; N_FIELDS] = Default::default();
    if let Some(s) = &c.statement {
        push(&mut text[Field::Statement.slot()], s);
    }
    for p in &c.params {
        // The parameter's wording stands where the catalog inserts it.
        for s in p.label.iter().chain(&p.guidelines) {
            push(&mut text[Field::Statement.slot()], s);
        }
        if let Some(sel) = &p.select {
            for s in &sel.choice {
                push(&mut text[Field::Statement.slot()], s);
            }
        }
    }
    for part in &c.parts {
        let field = field_of(&part.name);
        if depth == Depth::Full || field == Field::Statement {
            collect_part(part, field, &mut text);
        }
    }
    for f in [Field::Statement, Field::Guidance, Field::Objective] {
        doc.terms[f.slot()] = tok.terms(&text[f.slot()]);
    }
}

/// Which field a part's text belongs to, by the OSCAL part name (and the
/// names other catalog sources use).
fn field_of(name: &str) -> Field {
    match name {
        "statement" | "item" | "overview" => Field::Statement,
        "objective"
        | "assessment-objective"
        | "assessment"
        | "assessment-method"
        | "assessment-objects" => Field::Objective,
        _ => Field::Guidance,
    }
}

fn collect_part(part: &Part, field: Field, text: &mut [String; N_FIELDS]) {
    let out = &mut text[field.slot()];
    if let Some(t) = &part.title {
        push(out, t);
    }
    if let Some(p) = &part.prose {
        push(out, p);
    }
    for sub in &part.parts {
        // Sub-parts stay in their parent's field (a statement's items are
        // statement), except an objective nested anywhere.
        let f = match field_of(&sub.name) {
            Field::Objective => Field::Objective,
            _ => field,
        };
        collect_part(sub, f, text);
    }
}

/// The titles and overview prose of the control's group and the groups
/// above it (a guard stops at a cycle a hand-written file might make).
fn group_context(c: &Control, groups: &HashMap<&str, &Group>) -> String {
    let mut out = String::new();
    let mut next = c.group.as_deref();
    let mut seen = 0;
    while let Some(id) = next
        && seen < 16
    {
        let Some(g) = groups.get(id) else { break };
        push(&mut out, &g.title);
        for p in &g.parts {
            if let Some(prose) = &p.prose {
                push(&mut out, prose);
            }
        }
        next = g.parent.as_deref();
        seen += 1;
    }
    out
}

/// Appends `s` without OSCAL parameter inserts (`{{ insert: param, ac-1_prm_1 }}`),
/// whose ids would otherwise be words.
fn push(out: &mut String, s: &str) {
    out.push(' ');
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        match rest[start..].find("}}") {
            Some(end) => rest = &rest[start + end + 2..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_inserts_are_not_words() {
        let mut s = String::new();
        push(
            &mut s,
            "Review {{ insert: param, ac-1_prm_1 }} accounts {{ broken",
        );
        assert_eq!(s, " Review  accounts ");
    }

    #[test]
    fn part_names_choose_the_field() {
        assert_eq!(field_of("item"), Field::Statement);
        assert_eq!(field_of("assessment-objective"), Field::Objective);
        assert_eq!(field_of("guidance"), Field::Guidance);
        assert_eq!(field_of("example"), Field::Guidance);
    }
}
