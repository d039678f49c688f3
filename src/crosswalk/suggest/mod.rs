//! Suggestions: for each control of one framework, the controls of another
//! it most likely maps to, from three kinds of evidence combined:
//!
//! - the words (`bm25`): the source's text as a query over the target's
//!   titles, statements, guidance and objectives, and the reverse;
//! - the repository's other mappings (`bridge`): paths from the source to
//!   the target through third frameworks;
//! - the frameworks' structure (`structure`): parents, enhancements,
//!   siblings and related controls.
//!
//! Each signal is scaled to 1 at its best candidate for the source, the
//! three are summed with the weights in [`Weights::default`] (chosen on a
//! held-out official mapping, see bench/README.md), smoothed over the
//! target's structure and ranked. Pairs already mapped in either direction
//! (any provenance) or already accepted or rejected are never offered.

mod bm25;
mod bridge;
mod document;
mod expand;
mod structure;
mod text;

pub use bm25::{FieldParams, Params as TextParams};
pub use bridge::Params as BridgeParams;
pub use structure::Params as StructureParams;

use crate::validate::{Index, Repo};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};

/// How the signals are read and combined.
#[derive(Clone, Debug, PartialEq)]
pub struct Weights {
    pub text: TextParams,
    pub bridge: BridgeParams,
    pub structure: StructureParams,
    /// Weight of the source's words as a query over the target's text.
    pub forward: f64,
    /// Weight of the target's words as a query over the source's text.
    pub reverse: f64,
    /// Weight of the paths through other mappings.
    pub paths: f64,
}

impl Default for Weights {
    /// Chosen by `bench/suggest-eval.sh --tune` on the tuning pairs (CSF
    /// 2.0 → ISO 27001 and SP 800-66 → SP 800-53, each held out), rounded;
    /// a later hop is never weighted above an earlier one.
    fn default() -> Self {
        let field = |weight, b| FieldParams { weight, b };
        Weights {
            text: TextParams {
                k1: 6.0,
                k3: 1.5,
                fields: [
                    field(2.4, 0.5),
                    field(2.35, 0.75),
                    field(0.94, 0.75),
                    field(0.6, 0.75),
                    field(0.4, 0.5),
                    field(1.0, 0.75),
                ],
                query_fields: [0.32, 0.5, 1.56, 0.5, 0.48, 0.4],
            },
            bridge: BridgeParams {
                subset: 0.9,
                intersects: 0.7,
                fanout: 0.0,
                hop_decay: 1.0,
                max_hops: 3,
            },
            structure: StructureParams {
                from_children: 0.4,
                from_parent: 0.0,
                from_related: 0.06,
                seed_parent: 0.5,
                seed_children: 0.3,
                seed_siblings: 0.25,
            },
            forward: 1.28,
            reverse: 0.0,
            paths: 1.25,
        }
    }
}

/// The ranked candidates of the source controls, by position in the
/// index's catalog order.
#[derive(Debug, PartialEq)]
pub struct Suggestions {
    pub sources: Vec<SourceSuggestions>,
}

#[derive(Debug, PartialEq)]
pub struct SourceSuggestions {
    pub source: usize,
    /// (target, score), best first; scores rounded to four decimals and
    /// ties in catalog order.
    pub candidates: Vec<(usize, f64)>,
}

/// What to suggest for.
#[derive(Debug)]
pub struct Request<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub top: usize,
    /// Only these source controls (positions); all when `None`.
    pub only: Option<&'a [usize]>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SuggestError {
    #[error("framework `{0}` is not in the repository")]
    UnknownFramework(String),
    #[error("suggestions map one framework to another; FROM and TO are both `{0}`")]
    SameFramework(String),
}

/// Ranks the controls of `req.to` for each live control of `req.from`.
/// Withdrawn controls are neither sources nor candidates.
pub fn suggest(
    repo: &Repo,
    index: &Index,
    req: &Request,
    w: &Weights,
) -> Result<Suggestions, SuggestError> {
    if req.from == req.to {
        return Err(SuggestError::SameFramework(req.from.into()));
    }
    let entry = |id: &str| {
        index
            .frameworks
            .get(id)
            .ok_or_else(|| SuggestError::UnknownFramework(id.into()))
    };
    let (fe, te) = (entry(req.from)?, entry(req.to)?);
    let graph = bridge::Graph::build(&repo.mappings, index, &w.bridge);
    let from_range = graph.range(req.from, fe.controls.len());
    let to_range = graph.range(req.to, te.controls.len());
    let mut wanted: std::collections::BTreeSet<String> =
        [req.from, req.to].map(String::from).into();
    for r in from_range.iter().chain(&to_range) {
        wanted.extend(expand::neighbour_frameworks(&graph, r));
    }
    let mut docs: BTreeMap<String, Vec<document::Doc>> = wanted
        .into_par_iter()
        .filter_map(|id| {
            let entry = index.frameworks.get(&id)?;
            let depth = if id == req.from || id == req.to {
                document::Depth::Full
            } else {
                document::Depth::Brief
            };
            let docs = document::read(repo, &id, entry, depth).docs;
            Some((id, docs))
        })
        .collect();
    let mapped: Vec<(String, Vec<Vec<String>>)> = [(req.from, &from_range), (req.to, &to_range)]
        .into_iter()
        .filter_map(|(id, r)| {
            Some((
                id.to_string(),
                expand::mapped_terms(&graph, r.as_ref()?, &docs),
            ))
        })
        .collect();
    for (id, terms) in mapped {
        if let Some(d) = docs.get_mut(&id) {
            for (doc, t) in d.iter_mut().zip(terms) {
                doc.terms[document::Field::Mapped.slot()] = t;
            }
        }
    }
    let sdocs = docs.remove(req.from).unwrap_or_default();
    let tdocs = docs.remove(req.to).unwrap_or_default();

    let mut vocab = bm25::Vocabulary::default();
    let sbags: Vec<bm25::Bag> = sdocs.iter().map(|d| bm25::bag(d, &mut vocab)).collect();
    let tbags: Vec<bm25::Bag> = tdocs.iter().map(|d| bm25::bag(d, &mut vocab)).collect();
    let all: Vec<&bm25::Bag> = sbags.iter().chain(&tbags).collect();
    let idf = bm25::idf(&all, vocab.len());
    let (savg, tavg) = (bm25::average_lengths(&sbags), bm25::average_lengths(&tbags));
    let tp = &w.text;
    let target_docs: Vec<bm25::Vector> = tbags
        .iter()
        .map(|b| bm25::doc_vector(b, &tavg, tp))
        .collect();
    let target_queries: Vec<bm25::Vector> = tbags
        .iter()
        .map(|b| bm25::query_vector(b, &idf, tp))
        .collect();
    let forward = bm25::Inverted::build(&target_docs, vocab.len());
    let reverse = bm25::Inverted::build(&target_queries, vocab.len());

    let known = known_pairs(repo, index, req.from, req.to);

    let sources: Vec<usize> = match req.only {
        Some(only) => only.to_vec(),
        None => (0..sdocs.len()).collect(),
    };
    let sources: Vec<usize> = sources
        .into_iter()
        .filter(|&s| sdocs.get(s).is_some_and(|d| !d.withdrawn))
        .collect();
    let out = sources
        .par_iter()
        .map_init(bridge::Scratch::default, |scratch, &s| {
            let n = tdocs.len();
            let mut text = vec![0.0; n];
            forward.dot(&bm25::query_vector(&sbags[s], &idf, tp), &mut text);
            let mut back = vec![0.0; n];
            reverse.dot(&bm25::doc_vector(&sbags[s], &savg, tp), &mut back);
            let mut paths = vec![0.0; n];
            if let (Some(from), Some(to)) = (&from_range, &to_range) {
                let mut seeds = Vec::new();
                structure::seeds(&sdocs, s, &w.structure, &mut seeds);
                for seed in &mut seeds {
                    seed.0 += from.start;
                }
                graph.walk(&seeds, from, to, &w.bridge, scratch, &mut paths);
            }
            let mut combined = vec![0.0; n];
            for (signal, weight) in [(&text, w.forward), (&back, w.reverse), (&paths, w.paths)] {
                let max = signal.iter().copied().fold(0.0, f64::max);
                if max > 0.0 && weight > 0.0 {
                    for (c, v) in combined.iter_mut().zip(signal) {
                        *c += weight * v / max;
                    }
                }
            }
            let mut smoothed = vec![0.0; n];
            structure::smooth(&tdocs, &combined, &w.structure, &mut smoothed);
            SourceSuggestions {
                source: s,
                candidates: rank(&smoothed, &tdocs, |t| known.contains(&(s, t)), req.top),
            }
        })
        .collect();
    Ok(Suggestions { sources: out })
}

/// The `top` best live, unknown targets with a score above zero; scores
/// rounded so that equal printed scores are ties, which catalog order
/// breaks.
fn rank(
    scores: &[f64],
    docs: &[document::Doc],
    known: impl Fn(usize) -> bool,
    top: usize,
) -> Vec<(usize, f64)> {
    let mut out: Vec<(usize, f64)> = scores
        .iter()
        .enumerate()
        .filter(|&(t, &v)| v > 0.0 && !docs[t].withdrawn && !known(t))
        .map(|(t, &v)| (t, round4(v)))
        .filter(|&(_, v)| v > 0.0)
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out.truncate(top);
    out
}

fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// Pairs (source, target) already mapped between the two frameworks in
/// either direction, whatever the provenance, or already decided.
fn known_pairs(repo: &Repo, index: &Index, from: &str, to: &str) -> HashSet<(usize, usize)> {
    let mut out = HashSet::new();
    let (Some(fe), Some(te)) = (index.frameworks.get(from), index.frameworks.get(to)) else {
        return out;
    };
    for m in &repo.mappings {
        let m = &m.value;
        let forward = m.source.as_str() == from && m.target.as_str() == to;
        let backward = m.source.as_str() == to && m.target.as_str() == from;
        if !forward && !backward {
            continue;
        }
        let mut add = |a: &str, b: &str| {
            let (s, t) = if forward { (a, b) } else { (b, a) };
            if let (Some(s), Some(t)) = (fe.control(s), te.control(t)) {
                out.insert((s, t));
            }
        };
        for r in &m.relationships {
            for t in &r.targets {
                add(r.source.as_str(), t.as_str());
            }
        }
        for d in &m.decisions {
            add(d.source.as_str(), d.target.as_str());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tests/fixtures/repos/suggest: `ops` and `sec`, both mapped to `hub`.
    fn fixture() -> crate::validate::Outcome {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/repos/suggest");
        let ws = crate::workspace::load(&root).expect("fixture repository");
        crate::validate::index_only(&ws)
    }

    fn ranking(o: &crate::validate::Outcome, w: &Weights) -> Vec<(String, Vec<String>)> {
        let req = Request {
            from: "ops",
            to: "sec",
            top: 10,
            only: None,
        };
        let s = suggest(&o.repo, &o.index, &req, w).expect("suggest");
        let (fe, te) = (&o.index.frameworks["ops"], &o.index.frameworks["sec"]);
        s.sources
            .iter()
            .map(|x| {
                let c = x
                    .candidates
                    .iter()
                    .map(|&(t, _)| te.controls[t].display().to_string())
                    .collect();
                (fe.controls[x.source].display().to_string(), c)
            })
            .collect()
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn signals_combine_into_exact_rankings() {
        let o = fixture();
        assert_eq!(
            ranking(&o, &Weights::default()),
            [
                ("ID-1".to_string(), names(&["SEC-1", "SEC-2", "SEC-1(1)"])),
                ("ID-2".to_string(), names(&["SEC-1"])),
                ("RC-1".to_string(), names(&["SEC-3", "SEC-4"])),
            ]
        );
    }

    #[test]
    fn the_bridge_alone_finds_what_shares_no_words() {
        let o = fixture();
        let w = Weights {
            forward: 0.0,
            ..Weights::default()
        };
        // RC-1 reaches SEC-3 and SEC-4 only through `hub` (H1); the text
        // weight off, they tie and catalog order breaks the tie.
        let r = ranking(&o, &w);
        assert_eq!(r[2], ("RC-1".to_string(), names(&["SEC-3", "SEC-4"])));
        let s = suggest(
            &o.repo,
            &o.index,
            &Request {
                from: "ops",
                to: "sec",
                top: 10,
                only: Some(&[2]),
            },
            &w,
        )
        .expect("suggest");
        assert_eq!(s.sources[0].candidates[0].1, s.sources[0].candidates[1].1);
    }

    #[test]
    fn same_and_unknown_frameworks_are_refused() {
        let o = fixture();
        let req = |from, to| Request {
            from,
            to,
            top: 10,
            only: None,
        };
        assert_eq!(
            suggest(&o.repo, &o.index, &req("ops", "ops"), &Weights::default()),
            Err(SuggestError::SameFramework("ops".into()))
        );
        assert_eq!(
            suggest(&o.repo, &o.index, &req("ops", "nope"), &Weights::default()),
            Err(SuggestError::UnknownFramework("nope".into()))
        );
    }
}
