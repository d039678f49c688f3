//! Field-weighted BM25 (BM25F): a target control's fields are merged into
//! one term frequency, each field weighted and normalised by its own
//! length, then saturated once; a source control's words are the query.
//! Document frequencies are counted over both frameworks, so a word both
//! use everywhere ("security" in two security catalogs) weighs little even
//! when the target framework is small.

use super::document::{Doc, FIELDS, N_FIELDS};
use std::collections::HashMap;

/// How much a field counts (`weight`) and how much its length
/// normalises it (`b`, 0 none to 1 full).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FieldParams {
    pub weight: f64,
    pub b: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Term-frequency saturation of the target's merged fields.
    pub k1: f64,
    /// Saturation of a term repeated in the query.
    pub k3: f64,
    /// Per field, in `document::FIELDS` order.
    pub fields: [FieldParams; N_FIELDS],
    /// Per field, how much the source's words in it count in the query.
    pub query_fields: [f64; N_FIELDS],
}

/// Terms interned as numbers, shared by both frameworks' documents.
#[derive(Debug, Default)]
pub struct Vocabulary {
    ids: HashMap<String, u32>,
}

impl Vocabulary {
    fn intern(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.ids.get(term) {
            return id;
        }
        let id = self.ids.len() as u32;
        self.ids.insert(term.to_string(), id);
        id
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }
}

/// A document's interned terms: per field, (term, count) sorted by term.
#[derive(Debug, Default)]
pub struct Bag {
    pub fields: [Vec<(u32, u32)>; N_FIELDS],
    pub lengths: [usize; N_FIELDS],
}

pub fn bag(doc: &Doc, vocab: &mut Vocabulary) -> Bag {
    let mut out = Bag::default();
    for f in FIELDS {
        let terms = &doc.terms[f.slot()];
        let mut ids: Vec<u32> = terms.iter().map(|t| vocab.intern(t)).collect();
        ids.sort_unstable();
        let mut counts: Vec<(u32, u32)> = Vec::new();
        for id in ids {
            match counts.last_mut() {
                Some((last, n)) if *last == id => *n += 1,
                _ => counts.push((id, 1)),
            }
        }
        out.fields[f.slot()] = counts;
        out.lengths[f.slot()] = terms.len();
    }
    out
}

/// A document or query as weights per term, sorted by term.
pub type Vector = Vec<(u32, f64)>;

/// Inverse document frequencies over `bags` (every document of both
/// frameworks).
pub fn idf(bags: &[&Bag], vocab_len: usize) -> Vec<f64> {
    let mut df = vec![0u32; vocab_len];
    let mut seen = vec![u32::MAX; vocab_len];
    for (d, b) in bags.iter().enumerate() {
        for f in &b.fields {
            for &(t, _) in f {
                if seen[t as usize] != d as u32 {
                    seen[t as usize] = d as u32;
                    df[t as usize] += 1;
                }
            }
        }
    }
    let n = bags.len().max(1) as f64;
    df.iter()
        .map(|&d| {
            let d = f64::from(d);
            (1.0 + (n - d + 0.5) / (d + 0.5)).ln()
        })
        .collect()
}

/// Average field lengths of one framework's documents.
pub fn average_lengths(bags: &[Bag]) -> [f64; N_FIELDS] {
    let mut avg = [0f64; N_FIELDS];
    for b in bags {
        for (a, l) in avg.iter_mut().zip(b.lengths) {
            *a += l as f64;
        }
    }
    avg.map(|a| (a / bags.len().max(1) as f64).max(1.0))
}

/// Sums the weights of repeated terms of `items`, sorted by term.
fn merge(mut items: Vec<(u32, f64)>, finish: impl Fn(u32, f64) -> f64) -> Vector {
    items.sort_by_key(|m| m.0);
    let mut out: Vector = Vec::with_capacity(items.len());
    for (t, w) in items {
        match out.last_mut() {
            Some(last) if last.0 == t => last.1 += w,
            _ => out.push((t, w)),
        }
    }
    for e in &mut out {
        e.1 = finish(e.0, e.1);
    }
    out
}

/// The document side of BM25F: fields merged with their weights and
/// length normalisation, then saturated.
pub fn doc_vector(b: &Bag, avg: &[f64; N_FIELDS], p: &Params) -> Vector {
    let mut items = Vec::new();
    for (slot, fp) in p.fields.iter().enumerate() {
        if fp.weight <= 0.0 {
            continue;
        }
        let norm = 1.0 - fp.b + fp.b * b.lengths[slot] as f64 / avg[slot];
        items.extend(
            b.fields[slot]
                .iter()
                .map(|&(t, n)| (t, fp.weight * f64::from(n) / norm)),
        );
    }
    merge(items, |_, tf| tf / (p.k1 + tf))
}

/// The query side: the source's words by field weight, saturated, times
/// their inverse document frequency.
pub fn query_vector(b: &Bag, idf: &[f64], p: &Params) -> Vector {
    let mut items = Vec::new();
    for (slot, w) in p.query_fields.iter().enumerate() {
        if *w <= 0.0 {
            continue;
        }
        items.extend(b.fields[slot].iter().map(|&(t, n)| (t, w * f64::from(n))));
    }
    merge(items, |t, q| {
        q * (p.k3 + 1.0) / (p.k3 + q) * idf.get(t as usize).copied().unwrap_or(0.0)
    })
}

/// Vectors inverted: term → (vector, weight), so a dot product with every
/// vector costs only the terms they share.
#[derive(Debug)]
pub struct Inverted {
    lists: Vec<Vec<(u32, f64)>>,
}

impl Inverted {
    pub fn build(vectors: &[Vector], vocab_len: usize) -> Inverted {
        let mut lists: Vec<Vec<(u32, f64)>> = vec![Vec::new(); vocab_len];
        for (d, v) in vectors.iter().enumerate() {
            for &(t, w) in v {
                lists[t as usize].push((d as u32, w));
            }
        }
        Inverted { lists }
    }

    /// Adds the dot product of `v` with each indexed vector to `out`.
    pub fn dot(&self, v: &Vector, out: &mut [f64]) {
        for &(t, w) in v {
            if let Some(list) = self.lists.get(t as usize) {
                for &(d, x) in list {
                    out[d as usize] += w * x;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crosswalk::suggest::document::Field;
    use crate::crosswalk::suggest::text::Tokenizer;

    fn doc(title: &str, statement: &str) -> Doc {
        let t = Tokenizer::default();
        let mut d = Doc::default();
        d.terms[Field::Title.slot()] = t.terms(title);
        d.terms[Field::Statement.slot()] = t.terms(statement);
        d
    }

    fn params() -> Params {
        let f = FieldParams {
            weight: 1.0,
            b: 0.75,
        };
        Params {
            k1: 1.2,
            k3: 1.5,
            fields: [
                FieldParams {
                    weight: 3.0,
                    b: 0.5,
                },
                f,
                f,
                f,
                f,
                f,
            ],
            query_fields: [2.0, 1.0, 0.5, 0.5, 0.5, 0.5],
        }
    }

    fn rank(targets: &[Doc], query: &Doc) -> (Vec<usize>, Vec<f64>) {
        let mut vocab = Vocabulary::default();
        let bags: Vec<Bag> = targets.iter().map(|d| bag(d, &mut vocab)).collect();
        let q = bag(query, &mut vocab);
        let mut all: Vec<&Bag> = bags.iter().collect();
        all.push(&q);
        let idf = idf(&all, vocab.len());
        let avg = average_lengths(&bags);
        let docs: Vec<Vector> = bags
            .iter()
            .map(|b| doc_vector(b, &avg, &params()))
            .collect();
        let index = Inverted::build(&docs, vocab.len());
        let mut scores = vec![0.0; targets.len()];
        index.dot(&query_vector(&q, &idf, &params()), &mut scores);
        let mut order: Vec<usize> = (0..targets.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        (order, scores)
    }

    #[test]
    fn the_control_about_the_same_thing_ranks_first() {
        let targets = [
            doc(
                "Account Management",
                "Manage system accounts, groups and roles.",
            ),
            doc(
                "Audit Logging",
                "Log security events and review the audit logs.",
            ),
            doc("Media Protection", "Protect digital and paper media."),
        ];
        let (order, scores) = rank(&targets, &doc("Logging", "Audit logs are reviewed."));
        assert_eq!(order, [1, 0, 2]);
        assert_eq!(scores[0], 0.0);
        assert_eq!(scores[2], 0.0);
    }

    #[test]
    fn a_title_match_outweighs_the_same_word_in_a_statement() {
        let targets = [
            doc("Backups", "Copies of data are kept offsite and tested."),
            doc(
                "Incident Response",
                "Restore from backups after an incident.",
            ),
        ];
        let (order, _) = rank(&targets, &doc("", "backups"));
        assert_eq!(order, [0, 1]);
    }

    #[test]
    fn rare_words_weigh_more_than_common_ones() {
        let targets = [
            doc("Security policy", "security security"),
            doc("Cryptographic keys", "security keys rotated"),
            doc("Security training", "security awareness"),
        ];
        let (order, _) = rank(&targets, &doc("", "security policy keys"));
        // "keys" and "policy" each occur once; both beat the common "security".
        assert_eq!(order[2], 2);
    }

    #[test]
    fn a_query_without_known_words_scores_nothing() {
        let targets = [doc("Backups", "copies")];
        let (_, scores) = rank(&targets, &doc("", "zzz qqq"));
        assert_eq!(scores, [0.0]);
    }
}
