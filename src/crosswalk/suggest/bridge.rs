//! Every mapping already in the repository as a bridge: the controls of
//! all frameworks are one graph whose edges are the mapped pairs, read in
//! both directions. A source control's weight flows out along them,
//! split over each control's edges and fading with each hop, through
//! other frameworks only; what reaches the target framework is its score.
//! Two frameworks mapped to a common third are two hops apart (CSF 2.0 →
//! ISO 27001 ← SP 800-53), and chains go further.

use crate::model::{Mapping, ProvenanceKind, RelationKind};
use crate::validate::{Index, Located};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Edge weight of `equal`; the other types are fractions of it.
    pub subset: f64,
    pub intersects: f64,
    /// Each of a control's edges carries 1/degree^`fanout` of its weight:
    /// a control mapped to thirty others says less about each of them.
    pub fanout: f64,
    /// Weight kept per hop after the first.
    pub hop_decay: f64,
    pub max_hops: usize,
}

/// The controls of every framework as nodes, the mapped pairs as edges.
#[derive(Debug)]
pub struct Graph {
    /// Framework id → first node; its controls follow in catalog order.
    starts: BTreeMap<String, usize>,
    adj: Vec<Vec<(u32, f64)>>,
}

impl Graph {
    /// Reads every mapping but inferred ones (they are made of the others)
    /// and suggested ones (only the pairs a person accepted are in them).
    pub fn build(mappings: &[Located<Mapping>], index: &Index, p: &Params) -> Graph {
        let mut starts = BTreeMap::new();
        let mut n = 0;
        for (id, fw) in &index.frameworks {
            starts.insert(id.clone(), n);
            n += fw.controls.len();
        }
        let mut edges: Vec<(u32, u32, f64)> = Vec::new();
        for m in mappings {
            let m = &m.value;
            if m.provenance.kind == ProvenanceKind::Inferred {
                continue;
            }
            let (Some(sf), Some(tf)) = (
                index.frameworks.get(m.source.as_str()),
                index.frameworks.get(m.target.as_str()),
            ) else {
                continue;
            };
            let (s0, t0) = (starts[m.source.as_str()], starts[m.target.as_str()]);
            for r in &m.relationships {
                let w = match r.kind {
                    RelationKind::Equal => 1.0,
                    RelationKind::SubsetOf | RelationKind::SupersetOf => p.subset,
                    RelationKind::IntersectsWith => p.intersects,
                    RelationKind::NoRelationship => continue,
                };
                let Some(s) = sf.control(r.source.as_str()) else {
                    continue;
                };
                for t in &r.targets {
                    if let Some(t) = tf.control(t.as_str()) {
                        let (a, b) = ((s0 + s) as u32, (t0 + t) as u32);
                        if a != b {
                            edges.push((a, b, w));
                            edges.push((b, a, w));
                        }
                    }
                }
            }
        }
        // A pair in several files (an import in two forms) is one edge, at
        // its strongest.
        edges.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.cmp(&y.1)).then(y.2.total_cmp(&x.2)));
        edges.dedup_by(|x, y| x.0 == y.0 && x.1 == y.1);
        let mut adj: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
        for (a, b, w) in edges {
            adj[a as usize].push((b, w));
        }
        for list in &mut adj {
            let share = (list.len() as f64).powf(p.fanout).max(1.0);
            for e in list.iter_mut() {
                e.1 /= share;
            }
        }
        Graph { starts, adj }
    }

    /// The controls mapped to `node`, with their edge weights.
    pub fn neighbours(&self, node: usize) -> &[(u32, f64)] {
        self.adj.get(node).map_or(&[], |v| v.as_slice())
    }

    /// The framework a node belongs to, and its position there.
    pub fn locate(&self, node: usize) -> Option<(&str, usize)> {
        self.starts
            .iter()
            .filter(|&(_, &start)| start <= node)
            .max_by_key(|&(_, &start)| start)
            .map(|(id, &start)| (id.as_str(), node - start))
    }

    /// The node range of framework `id`.
    pub fn range(&self, id: &str, len: usize) -> Option<std::ops::Range<usize>> {
        self.starts.get(id).map(|&s| s..s + len)
    }

    /// Walks from `seeds` (nodes of `from`, with weights) and adds what
    /// reaches `to` into `out` (one slot per control of `to`). Paths do not
    /// pass through either framework: they end at the first `to` control.
    pub fn walk(
        &self,
        seeds: &[(usize, f64)],
        from: &std::ops::Range<usize>,
        to: &std::ops::Range<usize>,
        p: &Params,
        scratch: &mut Scratch,
        out: &mut [f64],
    ) {
        scratch.prepare(self.adj.len());
        let Scratch {
            cur,
            next,
            cur_list,
            next_list,
        } = scratch;
        for &(node, w) in seeds {
            if cur[node] == 0.0 {
                cur_list.push(node);
            }
            cur[node] += w;
        }
        let mut decay = 1.0;
        for _ in 0..p.max_hops {
            for &u in cur_list.iter() {
                let wu = cur[u];
                for &(v, w) in &self.adj[u] {
                    let v = v as usize;
                    if from.contains(&v) {
                        continue;
                    }
                    let flow = wu * w * decay;
                    if to.contains(&v) {
                        out[v - to.start] += flow;
                        continue;
                    }
                    if next[v] == 0.0 {
                        next_list.push(v);
                    }
                    next[v] += flow;
                }
            }
            for &u in cur_list.iter() {
                cur[u] = 0.0;
            }
            cur_list.clear();
            std::mem::swap(cur, next);
            std::mem::swap(cur_list, next_list);
            // Visit in node order so sums add up in the same order every run.
            cur_list.sort_unstable();
            decay = p.hop_decay;
            if cur_list.is_empty() {
                break;
            }
        }
        for &u in cur_list.iter() {
            cur[u] = 0.0;
        }
        cur_list.clear();
    }
}

/// Buffers reused from one walk to the next (one per thread).
#[derive(Debug, Default)]
pub struct Scratch {
    cur: Vec<f64>,
    next: Vec<f64>,
    cur_list: Vec<usize>,
    next_list: Vec<usize>,
}

impl Scratch {
    fn prepare(&mut self, n: usize) {
        if self.cur.len() != n {
            self.cur = vec![0.0; n];
            self.next = vec![0.0; n];
        }
        self.cur_list.clear();
        self.next_list.clear();
    }
}
