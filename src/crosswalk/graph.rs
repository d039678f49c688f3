//! The crosswalk graph: every relationship of every mapping file as an
//! edge, with its inverse, and relationships inferred through one hub
//! framework on demand.

use super::compose::{compose, covers, weakest};
use crate::hashing::HashMap;
use crate::model::{ProvenanceKind, Rationale, RelationKind};
use crate::validate::{Index, Outcome, Resolved};
use std::collections::BTreeSet;

/// Inference does not go through a hub control linked to more controls
/// than this: such a control says nothing specific about any of them, and
/// walking through it would make inference quadratic in a crafted file.
pub const MAX_HUB_LINKS: usize = 4096;

/// A control: the framework's position in the index's (sorted) list and
/// the control's position in its catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Node {
    pub framework: u32,
    pub control: u32,
}

/// One relationship between two controls, read from one side.
#[derive(Clone, Debug)]
pub struct Edge {
    pub from: Node,
    pub to: Node,
    pub kind: RelationKind,
    pub rationale: Option<Rationale>,
    pub strength: Option<u8>,
    /// Percent of `to` that meeting `from` meets; only the written
    /// direction has one.
    pub coverage: Option<u8>,
    pub provenance: ProvenanceKind,
    /// The workspace file of the mapping, and the relationship's position in it.
    pub file: usize,
    pub relation: usize,
    /// Read from the target's side of the file (the inverse of what it says).
    pub inverse: bool,
    /// The same relationship read from the other side.
    pub twin: usize,
}

/// A way from one control to another: one edge, or two through a hub.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub from: Node,
    pub to: Node,
    pub kind: RelationKind,
    pub strength: Option<u8>,
    /// Whether meeting `from` meets all of `to`.
    pub covers: bool,
    /// The edges walked, in order; more than one means inferred.
    pub path: Vec<usize>,
}

impl Link {
    pub fn inferred(&self) -> bool {
        self.path.len() > 1
    }
}

pub struct Graph<'a> {
    pub index: &'a Index,
    pub frameworks: Vec<&'a str>,
    pub edges: Vec<Edge>,
    out: HashMap<Node, Vec<usize>>,
    /// Pairs someone judged unrelated (`no-relationship`), both ways round.
    unrelated: BTreeSet<(Node, Node)>,
}

impl<'a> Graph<'a> {
    /// Every relationship of every mapping that resolves; the rest is
    /// reported by validation (`unknown-control`, `unknown-framework`).
    pub fn build(outcome: &'a Outcome) -> Graph<'a> {
        Graph::build_without(outcome, &[])
    }

    /// The graph without the mapping files at these workspace positions
    /// (a file about to be rewritten from the others).
    pub fn build_without(outcome: &'a Outcome, skip: &[usize]) -> Graph<'a> {
        let index = &outcome.index;
        let frameworks: Vec<&str> = index.frameworks.keys().map(String::as_str).collect();
        let mut g = Graph {
            index,
            frameworks,
            edges: Vec::new(),
            out: HashMap::default(),
            unrelated: BTreeSet::new(),
        };
        for m in outcome
            .repo
            .mappings
            .iter()
            .filter(|m| !skip.contains(&m.file))
        {
            let (Some(src_fw), Some(tgt_fw)) = (
                g.framework(m.value.source.as_str()),
                g.framework(m.value.target.as_str()),
            ) else {
                continue;
            };
            for (ri, rel) in m.value.relationships.iter().enumerate() {
                let Some(from) = g.node_in(src_fw, rel.source.as_str()) else {
                    continue;
                };
                for t in &rel.targets {
                    let Some(to) = g.node_in(tgt_fw, t.as_str()) else {
                        continue;
                    };
                    if rel.kind == RelationKind::NoRelationship {
                        g.unrelated.insert((from, to));
                        g.unrelated.insert((to, from));
                        continue;
                    }
                    let at = g.edges.len();
                    let edge = Edge {
                        from,
                        to,
                        kind: rel.kind,
                        rationale: rel.rationale,
                        strength: rel.strength,
                        coverage: rel.coverage,
                        provenance: m.value.provenance.kind,
                        file: m.file,
                        relation: ri,
                        inverse: false,
                        twin: at + 1,
                    };
                    let back = Edge {
                        from: to,
                        to: from,
                        kind: rel.kind.inverse(),
                        coverage: None,
                        inverse: true,
                        twin: at,
                        ..edge.clone()
                    };
                    g.edges.push(edge);
                    g.edges.push(back);
                    g.out.entry(from).or_default().push(at);
                    g.out.entry(to).or_default().push(at + 1);
                }
            }
        }
        g
    }

    pub fn framework(&self, id: &str) -> Option<u32> {
        self.frameworks
            .binary_search(&id)
            .ok()
            .and_then(|i| u32::try_from(i).ok())
    }

    /// The node of `control` (any spelling) in framework `fw`.
    pub fn node_in(&self, fw: u32, control: &str) -> Option<Node> {
        let entry = self
            .index
            .frameworks
            .get(*self.frameworks.get(fw as usize)?)?;
        let i = entry.control(control)?;
        Some(Node {
            framework: fw,
            control: u32::try_from(i).ok()?,
        })
    }

    /// The node a resolved reference found, without looking it up again.
    pub fn found(&self, r: Resolved) -> Option<Node> {
        let Resolved::Found { framework, control } = r else {
            return None;
        };
        self.found_at(&framework, control)
    }

    /// The node of the control at `control` in `framework`'s catalog order.
    pub fn found_at(&self, framework: &str, control: usize) -> Option<Node> {
        Some(Node {
            framework: self.framework(framework)?,
            control: u32::try_from(control).ok()?,
        })
    }

    /// The node of `<framework>:<control>`.
    pub fn node(&self, framework: &str, control: &str) -> Option<Node> {
        self.node_in(self.framework(framework)?, control)
    }

    pub fn framework_id(&self, n: Node) -> &'a str {
        self.framework_id_of(n.framework)
    }

    pub fn framework_id_of(&self, fw: u32) -> &'a str {
        self.frameworks.get(fw as usize).copied().unwrap_or("")
    }

    /// The control id users see (the publisher's label when there is one).
    pub fn display(&self, n: Node) -> &'a str {
        self.index
            .control(self.framework_id(n), n.control as usize)
            .map_or("", |c| c.display())
    }

    pub fn edges_from(&self, n: Node) -> impl Iterator<Item = &Edge> {
        self.out
            .get(&n)
            .into_iter()
            .flatten()
            .filter_map(|&e| self.edges.get(e))
    }

    /// A hub control too broadly linked to infer through (`MAX_HUB_LINKS`).
    pub fn too_broad(&self, hub: Node) -> bool {
        self.out.get(&hub).is_some_and(|v| v.len() > MAX_HUB_LINKS)
    }

    pub fn unrelated(&self, a: Node, b: Node) -> bool {
        self.unrelated.contains(&(a, b))
    }

    /// Every link from `from` into framework `to_fw`: the edges written in
    /// mapping files (and their inverses), then relationships inferred
    /// through one hub where the composition rules make one certain. An
    /// inferred link never stands beside a written one for the same pair,
    /// nor for a pair someone judged unrelated.
    pub fn links(&self, from: Node, to_fw: u32) -> Vec<Link> {
        let mut links: Vec<Link> = Vec::new();
        let mut direct: BTreeSet<Node> = BTreeSet::new();
        for &e in self.out.get(&from).into_iter().flatten() {
            let edge = &self.edges[e];
            if edge.to.framework == to_fw {
                direct.insert(edge.to);
                links.push(self.link_of(&[e]));
            }
        }
        let mut inferred: Vec<Link> = Vec::new();
        for &e1 in self.out.get(&from).into_iter().flatten() {
            let hub = self.edges[e1].to;
            if hub.framework == to_fw || hub.framework == from.framework || self.too_broad(hub) {
                continue;
            }
            for &e2 in self.out.get(&hub).into_iter().flatten() {
                let end = self.edges[e2].to;
                if end.framework != to_fw
                    || direct.contains(&end)
                    || self.unrelated(from, end)
                    || end == from
                {
                    continue;
                }
                if let Some(l) = self.chain(&[e1, e2]) {
                    inferred.push(l);
                }
            }
        }
        inferred.sort_by(|a, b| {
            rank(b)
                .cmp(&rank(a))
                .then(a.to.cmp(&b.to))
                .then(a.path.cmp(&b.path))
        });
        let mut seen = BTreeSet::new();
        // One inferred link per target: the strongest path to it.
        inferred.retain(|l| seen.insert(l.to));
        links.sort_by(|a, b| a.to.cmp(&b.to).then(a.path.cmp(&b.path)));
        inferred.sort_by_key(|l| l.to);
        links.extend(inferred);
        links
    }

    fn link_of(&self, path: &[usize]) -> Link {
        let e = &self.edges[path[0]];
        Link {
            from: e.from,
            to: e.to,
            kind: e.kind,
            strength: e.strength,
            covers: self.edge_covers(e),
            path: path.to_vec(),
        }
    }

    /// Meeting the edge's source meets all of its target.
    pub fn edge_covers(&self, e: &Edge) -> bool {
        covers(e.kind, e.coverage)
    }

    /// The link a chain of edges makes, when the composition rules give one.
    pub fn chain(&self, path: &[usize]) -> Option<Link> {
        let first = self.edges.get(*path.first()?)?;
        let mut kind = first.kind;
        let mut all_cover = true;
        for &e in path {
            let edge = self.edges.get(e)?;
            all_cover &= self.edge_covers(edge);
        }
        for &e in &path[1..] {
            kind = compose(kind, self.edges.get(e)?.kind)?;
        }
        let last = self.edges.get(*path.last()?)?;
        Some(Link {
            from: first.from,
            to: last.to,
            kind,
            strength: weakest(path.iter().map(|&e| self.edges[e].strength)),
            covers: all_cover,
            path: path.to_vec(),
        })
    }

    /// The written relationships into `target` from controls `met` accepts
    /// (of other frameworks), covering or not, in edge order.
    pub fn written_into(&self, target: Node, met: impl Fn(Node) -> bool) -> Vec<Link> {
        self.out
            .get(&target)
            .into_iter()
            .flatten()
            .filter_map(|&e| {
                let twin = self.edges.get(e)?.twin;
                let x = self.edges.get(twin)?.from;
                (x.framework != target.framework && met(x)).then(|| self.link_of(&[twin]))
            })
            .collect()
    }

    /// The best link by which some control `met` accepts covers `target`:
    /// a written edge before an inferred one, official and manual before
    /// suggested, stronger before weaker.
    pub fn covered_by(&self, target: Node, met: impl Fn(Node) -> bool) -> Option<Link> {
        let mut found: Vec<Link> = Vec::new();
        for &e in self.out.get(&target).into_iter().flatten() {
            // target → x read the other way is x → target.
            let twin = self.edges[e].twin;
            let x = self.edges[twin].from;
            if x.framework != target.framework && met(x) {
                found.push(self.link_of(&[twin]));
            }
        }
        // A written relationship between two controls stands, even when
        // it does not cover: an inference never overrides it.
        let written: BTreeSet<Node> = found.iter().map(|l| l.from).collect();
        found.retain(|l| l.covers);
        if found.is_empty() {
            for &e1 in self.out.get(&target).into_iter().flatten() {
                let hub = self.edges[e1].to;
                if hub.framework == target.framework || self.too_broad(hub) {
                    continue;
                }
                for &e2 in self.out.get(&hub).into_iter().flatten() {
                    let x = self.edges[e2].to;
                    if x.framework == target.framework
                        || x.framework == hub.framework
                        || written.contains(&x)
                        || self.unrelated(x, target)
                        || !met(x)
                    {
                        continue;
                    }
                    let path = [self.edges[e2].twin, self.edges[e1].twin];
                    if let Some(l) = self.chain(&path).filter(|l| l.covers) {
                        found.push(l);
                    }
                }
            }
        }
        // Deterministic: the best rank, then the lowest path.
        found.into_iter().min_by(|a, b| {
            rank_link(self, b)
                .cmp(&rank_link(self, a))
                .then_with(|| a.path.cmp(&b.path))
        })
    }
}

/// Orders links: written before inferred, then by provenance, then strength.
fn rank(l: &Link) -> (bool, Option<u8>) {
    (!l.inferred(), l.strength)
}

fn rank_link(g: &Graph, l: &Link) -> (bool, u8, Option<u8>) {
    let trust = l
        .path
        .iter()
        .map(|&e| match g.edges[e].provenance {
            ProvenanceKind::Official | ProvenanceKind::Manual => 2,
            ProvenanceKind::Suggested => 1,
            ProvenanceKind::Inferred => 0,
        })
        .min()
        .unwrap_or(0);
    (!l.inferred(), trust, l.strength)
}
