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

    let mut groups: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (n, imp) in repo.implementations.iter().enumerate() {
        let system = super::references::system_of(ctx, imp);
        let key = (system, normalize_control_id(&imp.value.control.0));
        groups.entry(key).or_default().push(n);
    }
    let mut groups: Vec<((String, String), Vec<usize>)> =
        groups.into_iter().filter(|(_, f)| f.len() > 1).collect();
    groups.sort();
    for ((system, _), members) in groups {
        let files: Vec<usize> = members
            .iter()
            .map(|&n| repo.implementations[n].file)
            .collect();
        for &n in &members {
            let imp = &repo.implementations[n];
            let (file, control) = (imp.file, &imp.value.control);
            let others = places(ctx, &files, file, "/control");
            ctx.emit(
                Code::DuplicateId,
                file,
                "/control",
                format!("system `{system}` also has an implementation of `{control}` at {others}"),
                "keep one implementation file per system and control; merge the statements and delete the other file".into(),
            );
        }
    }
}

/// Every record sharing an id gets the error, naming the others: which
/// copy is the intended one is for the author to say, and pointing only at
/// the first would blame the file nobody touched.
fn unique<T>(ctx: &mut Ctx, what: &str, items: &[Located<T>], id: impl Fn(&T) -> String) {
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for item in items {
        groups.entry(id(&item.value)).or_default().push(item.file);
    }
    let mut groups: Vec<(String, Vec<usize>)> =
        groups.into_iter().filter(|(_, f)| f.len() > 1).collect();
    groups.sort();
    for (key, files) in groups {
        for &file in &files {
            let others = places(ctx, &files, file, "/id");
            ctx.emit(
                Code::DuplicateId,
                file,
                "/id",
                format!("{what} `{key}` is also defined at {others}"),
                format!(
                    "give each {what} its own id (and its file the same name), or delete the copy"
                ),
            );
        }
    }
}

/// `file:line:column` of the others in a group, at most a few.
fn places(ctx: &Ctx, files: &[usize], this: usize, pointer: &str) -> String {
    const SHOWN: usize = 3;
    let mut text: Vec<String> = files
        .iter()
        .filter(|f| **f != this)
        .take(SHOWN)
        .map(|f| ctx.place(*f, pointer))
        .collect();
    let others = files.len() - 1;
    if others > SHOWN {
        text.push(format!("and {} more", others - SHOWN));
    }
    text.join(", ")
}
