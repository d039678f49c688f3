//! Composing two relationships into the one they imply, for inference
//! through a hub: if A relates to B as `first` and B relates to C as
//! `second`, how does A relate to C?
//!
//! The relationships are set relations between what requirements ask for
//! (NIST IR 8477), and every requirement asks for something, so a rule is
//! kept only where set algebra decides the answer:
//!
//! | A→B \ B→C   | equal       | subset-of  | superset-of | intersects-with |
//! |-------------|-------------|------------|-------------|-----------------|
//! | equal       | equal       | subset-of  | superset-of | intersects-with |
//! | subset-of   | subset-of   | subset-of  | —           | —               |
//! | superset-of | superset-of | intersects | superset-of | intersects-with |
//! | intersects  | intersects  | intersects | —           | —               |
//!
//! "—" means the pair says nothing certain about A and C (A ⊆ B ⊇ C allows
//! them to be disjoint), so nothing is inferred. `no-relationship` composes
//! with nothing.

use crate::model::RelationKind;

/// The relationship `first` then `second` implies, if one is certain.
pub fn compose(first: RelationKind, second: RelationKind) -> Option<RelationKind> {
    use RelationKind::*;
    match (first, second) {
        (NoRelationship, _) | (_, NoRelationship) => None,
        (Equal, r) | (r, Equal) => Some(r),
        (SubsetOf, SubsetOf) => Some(SubsetOf),
        (SupersetOf, SupersetOf) => Some(SupersetOf),
        // B is inside A and inside (or overlapping) C, so A and C share B.
        (SupersetOf, SubsetOf | IntersectsWith) => Some(IntersectsWith),
        // A shares part of B, and all of B is in C.
        (IntersectsWith, SubsetOf) => Some(IntersectsWith),
        (SubsetOf, SupersetOf | IntersectsWith) | (IntersectsWith, SupersetOf | IntersectsWith) => {
            None
        }
    }
}

/// The strength of a chain: its weakest link, when every link has one.
pub fn weakest(strengths: impl IntoIterator<Item = Option<u8>>) -> Option<u8> {
    strengths
        .into_iter()
        .try_fold(u8::MAX, |acc, s| s.map(|s| acc.min(s)))
        .filter(|s| *s != u8::MAX)
}

/// Whether meeting A meets all of B when A relates to B as `kind` with the
/// given coverage of B.
pub fn covers(kind: RelationKind, coverage: Option<u8>) -> bool {
    matches!(kind, RelationKind::Equal | RelationKind::SupersetOf) || coverage == Some(100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use RelationKind::*;

    /// The whole table, row by row, as the module documents it.
    #[test]
    fn composition_table() {
        let kinds = [Equal, SubsetOf, SupersetOf, IntersectsWith, NoRelationship];
        let expected: [[Option<RelationKind>; 5]; 5] = [
            [
                Some(Equal),
                Some(SubsetOf),
                Some(SupersetOf),
                Some(IntersectsWith),
                None,
            ],
            [Some(SubsetOf), Some(SubsetOf), None, None, None],
            [
                Some(SupersetOf),
                Some(IntersectsWith),
                Some(SupersetOf),
                Some(IntersectsWith),
                None,
            ],
            [Some(IntersectsWith), Some(IntersectsWith), None, None, None],
            [None, None, None, None, None],
        ];
        for (i, a) in kinds.iter().enumerate() {
            for (j, b) in kinds.iter().enumerate() {
                assert_eq!(compose(*a, *b), expected[i][j], "{a:?} then {b:?}");
            }
        }
    }

    /// Reading a chain backwards gives the inverse of reading it forwards,
    /// wherever the forward reading is certain.
    #[test]
    fn composition_respects_inverses() {
        let kinds = [Equal, SubsetOf, SupersetOf, IntersectsWith];
        for a in kinds {
            for b in kinds {
                if let Some(ab) = compose(a, b) {
                    assert_eq!(compose(b.inverse(), a.inverse()), Some(ab.inverse()));
                }
            }
        }
    }

    #[test]
    fn weakest_link() {
        assert_eq!(weakest([Some(7), Some(3), Some(9)]), Some(3));
        assert_eq!(weakest([Some(7), None]), None);
        assert_eq!(weakest([]), None);
    }

    #[test]
    fn what_covers() {
        assert!(covers(Equal, None));
        assert!(covers(SupersetOf, None));
        assert!(!covers(SubsetOf, None));
        assert!(!covers(IntersectsWith, Some(99)));
        assert!(covers(IntersectsWith, Some(100)));
    }
}
