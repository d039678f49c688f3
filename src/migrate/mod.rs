//! Schema migrations: how a file of one kind moves from `schema_version` N
//! to N+1, written once as data ([`STEPS`]). Two interpreters read that
//! data: [`upgrade_tree`], which the validator uses to read an outdated
//! file in memory, and the in-place rewrite behind `aegis migrate`, which
//! edits the file's text and keeps everything it does not move.

mod repo;
mod text;
mod tree;

pub use repo::{FileReport, Outcome, Status, run};
pub use text::{RewriteError, rewrite};
pub use tree::upgrade_tree;

use crate::schema::Kind;

/// One change to a document's top-level keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Moves top-level `key` under the top-level mapping `parent` as
    /// `as_key`, creating `parent` where the first moved key stood.
    Nest {
        key: &'static str,
        parent: &'static str,
        as_key: &'static str,
    },
}

/// The changes that take a file of `kind` from `from` to `from + 1`.
/// Every step also sets `schema_version: from + 1`.
#[derive(Clone, Copy, Debug)]
pub struct Step {
    pub kind: Kind,
    pub from: u32,
    pub ops: &'static [Op],
}

/// Every migration Aegis knows, oldest first within a kind.
pub const STEPS: &[Step] = &[Step {
    kind: Kind::Risk,
    from: 1,
    ops: &[
        Op::Nest {
            key: "likelihood",
            parent: "inherent",
            as_key: "likelihood",
        },
        Op::Nest {
            key: "impact",
            parent: "inherent",
            as_key: "impact",
        },
        Op::Nest {
            key: "loss_event_frequency",
            parent: "loss",
            as_key: "frequency",
        },
        Op::Nest {
            key: "loss_magnitude",
            parent: "loss",
            as_key: "magnitude",
        },
    ],
}];

/// The steps from `version` up to the kind's current version, or `None`
/// when there is no unbroken path (an unknown or a newer version).
pub fn path(kind: Kind, version: u32) -> Option<Vec<&'static Step>> {
    let current = kind.schema_version();
    if version > current {
        return None;
    }
    let mut out = Vec::new();
    let mut v = version;
    while v < current {
        let step = STEPS.iter().find(|s| s.kind == kind && s.from == v)?;
        out.push(step);
        v += 1;
    }
    Some(out)
}

/// The oldest `schema_version` of `kind` that still loads.
pub fn oldest(kind: Kind) -> u32 {
    let mut v = kind.schema_version();
    while v > 0 && STEPS.iter().any(|s| s.kind == kind && s.from == v - 1) {
        v -= 1;
    }
    v
}

/// One change a migration made, as reported to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A key moved, for example `likelihood` → `inherent.likelihood`.
    Moved { from: String, to: String },
    /// A key took a new value, for example `schema_version` 1 → 2.
    Set {
        key: String,
        from: String,
        to: String,
    },
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Moved { from, to } => write!(f, "moved `{from}` to `{to}`"),
            Change::Set { key, from, to } => write!(f, "set `{key}` from {from} to {to}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_an_unbroken_path_from_its_oldest_version() {
        for kind in Kind::ALL {
            let oldest = oldest(*kind);
            let steps = path(*kind, oldest).expect("a path");
            assert_eq!(steps.len() as u32, kind.schema_version() - oldest);
        }
        assert_eq!(oldest(Kind::Risk), 1);
        assert!(path(Kind::Risk, 3).is_none());
        assert!(path(Kind::Risk, 0).is_none());
    }
}
