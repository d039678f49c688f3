//! The framework's own structure. On the target side a control's score is
//! raised by its enhancements' and parent's and by the controls it names
//! as related (official mappings name base controls far more often than
//! enhancements, and an enhancement's text often says it better). On the
//! source side a control's neighbours (parent, enhancements, siblings)
//! join it as weaker seeds of the bridge walk.

use super::document::Doc;

#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Share of the best child's score a parent gains.
    pub from_children: f64,
    /// Share of the parent's score a child gains.
    pub from_parent: f64,
    /// Share of the best related control's score a control gains.
    pub from_related: f64,
    /// Seed weight of the source's parent.
    pub seed_parent: f64,
    /// Seed weight shared by the source's children.
    pub seed_children: f64,
    /// Seed weight shared by the source's siblings.
    pub seed_siblings: f64,
}

/// `scores` (one per target) smoothed over the targets' structure, into
/// `out`; one pass, so a score travels one step.
pub fn smooth(docs: &[Doc], scores: &[f64], p: &Params, out: &mut [f64]) {
    for (i, d) in docs.iter().enumerate() {
        let best = |ids: &[usize]| ids.iter().map(|&j| scores[j]).fold(0.0, f64::max);
        let mut s = scores[i];
        s += p.from_children * best(&d.children);
        if let Some(parent) = d.parent {
            s += p.from_parent * scores[parent];
        }
        s += p.from_related * best(&d.related);
        out[i] = s;
    }
}

/// The seeds of a source control's walk: itself, then its neighbours.
/// `siblings` are the other controls under the same parent, or in the
/// same group when it has none.
pub fn seeds(docs: &[Doc], i: usize, p: &Params, out: &mut Vec<(usize, f64)>) {
    out.clear();
    out.push((i, 1.0));
    let d = &docs[i];
    if let Some(parent) = d.parent
        && p.seed_parent > 0.0
    {
        out.push((parent, p.seed_parent));
    }
    if !d.children.is_empty() && p.seed_children > 0.0 {
        let w = p.seed_children / d.children.len() as f64;
        out.extend(d.children.iter().map(|&c| (c, w)));
    }
    if p.seed_siblings > 0.0 {
        let siblings: Vec<usize> = match d.parent {
            Some(parent) => docs[parent]
                .children
                .iter()
                .copied()
                .filter(|&c| c != i)
                .collect(),
            None => match d.group {
                Some(g) => (0..docs.len())
                    .filter(|&j| j != i && docs[j].group == Some(g) && docs[j].parent.is_none())
                    .collect(),
                None => Vec::new(),
            },
        };
        if !siblings.is_empty() {
            let w = p.seed_siblings / siblings.len() as f64;
            out.extend(siblings.into_iter().map(|s| (s, w)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Params {
        Params {
            from_children: 0.5,
            from_parent: 0.25,
            from_related: 0.1,
            seed_parent: 0.5,
            seed_children: 0.4,
            seed_siblings: 0.2,
        }
    }

    /// ac-2 with enhancements ac-2.1 and ac-2.2, and ac-3 related to ac-2.
    fn docs() -> Vec<Doc> {
        let mut d: Vec<Doc> = (0..4)
            .map(|_| Doc {
                group: Some(0),
                ..Doc::default()
            })
            .collect();
        d[0].children = vec![1, 2];
        d[1].parent = Some(0);
        d[2].parent = Some(0);
        d[3].related = vec![0];
        d
    }

    #[test]
    fn a_parent_gains_from_its_best_enhancement() {
        let mut out = [0.0; 4];
        smooth(&docs(), &[0.0, 0.8, 0.2, 0.0], &params(), &mut out);
        assert_eq!(out, [0.4, 0.8, 0.2, 0.0]);
        smooth(&docs(), &[1.0, 0.0, 0.0, 0.0], &params(), &mut out);
        assert_eq!(out, [1.0, 0.25, 0.25, 0.1]);
    }

    #[test]
    fn seeds_are_the_control_then_parent_children_and_siblings() {
        let mut out = Vec::new();
        seeds(&docs(), 1, &params(), &mut out);
        assert_eq!(out, [(1, 1.0), (0, 0.5), (2, 0.2)]);
        seeds(&docs(), 0, &params(), &mut out);
        assert_eq!(out, [(0, 1.0), (1, 0.2), (2, 0.2), (3, 0.2)]);
    }
}
