//! Ids that must be unique across files: evidence, policies, exceptions,
//! risks, and one implementation per system and control.

use super::{Ctx, Located};
use crate::diag::Code;
use crate::model::normalize_control_id;
use std::collections::HashMap;

pub(super) fn check(ctx: &mut Ctx) {
    let repo = ctx.repo;
    unique(ctx, "evidence", &repo.evidence, |e| e.id.0.clone());
    unique(ctx, "policy", &repo.policies, |p| p.id.0.clone());
    unique(ctx, "exception", &repo.exceptions, |e| e.id.0.clone());
    unique(ctx, "risk", &repo.risks, |r| r.id.0.clone());

    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for imp in &repo.implementations {
        let system = super::references::system_of(ctx, imp);
        let key = (system.clone(), normalize_control_id(&imp.value.control.0));
        if let Some(&first) = seen.get(&key) {
            let place = ctx.place(first, "/control");
            ctx.emit(
                Code::DuplicateId,
                imp.file,
                "/control",
                format!(
                    "system `{system}` already has an implementation of `{}` at {place}",
                    imp.value.control
                ),
                "keep one implementation file per system and control; merge the statements".into(),
            );
        } else {
            seen.insert(key, imp.file);
        }
    }
}

fn unique<T>(ctx: &mut Ctx, what: &str, items: &[Located<T>], id: impl Fn(&T) -> String) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for item in items {
        let key = id(&item.value);
        if let Some(&first) = seen.get(&key) {
            let place = ctx.place(first, "/id");
            ctx.emit(
                Code::DuplicateId,
                item.file,
                "/id",
                format!("{what} `{key}` is already defined at {place}"),
                format!("give each {what} its own id"),
            );
        } else {
            seen.insert(key, item.file);
        }
    }
}
