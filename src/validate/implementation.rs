//! The rules about one implementation against everything else: its
//! references, the evidence it cites, its dates and its place. Each
//! implementation is judged on its own (only the duplicate rule looks at
//! two at once), so a walk over history that changes a few
//! implementations while every other file stays the same judges only
//! those again (`Outcome::recheck`).

use super::{Contexts, Ctx, Located, evidence, lifecycle, references, signatures};
use crate::model::Implementation;
use std::sync::Arc;

/// What the per-implementation rules look things up in, made once per run
/// from everything but the implementations.
pub(crate) struct Rules {
    known: references::Known,
    rejected: evidence::Rejected,
    unsigned: signatures::Unsigned,
}

impl Rules {
    pub(super) fn new(ctx: &Ctx, unsigned: signatures::Unsigned) -> Rules {
        Rules {
            known: references::Known::new(ctx),
            rejected: evidence::Rejected::new(ctx),
            unsigned,
        }
    }

    /// Every per-implementation rule for `imp`. `settled` is the control a
    /// walk over history found it names, clean, at an earlier commit with
    /// the same world; then the reference rules are not run again.
    /// Returns the control it names, and whether the reference rules found
    /// nothing to say.
    pub(super) fn check(
        &self,
        ctx: &mut Ctx,
        contexts: &Contexts,
        imp: &Located<Implementation>,
        settled: Option<(Arc<str>, usize)>,
    ) -> (Option<(Arc<str>, usize)>, bool) {
        let before = ctx.out.len();
        let found = match settled {
            Some(found) => Some(found),
            None => references::implementation(ctx, contexts, &self.known, imp),
        };
        let clean = ctx.out.len() == before;
        evidence::implementation(ctx, &self.rejected, imp);
        signatures::implementation(ctx, &self.unsigned, imp);
        lifecycle::implementation(ctx, imp);
        (found, clean)
    }
}
