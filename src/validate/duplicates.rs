//! Ids that must be unique across files: evidence, policies, exceptions,
//! risks, and one implementation per system and control.

use super::{Ctx, Located};
use crate::diag::Code;
use crate::model::normalized_control_id;
use std::borrow::Cow;

pub(super) fn check(ctx: &mut Ctx) {
    let repo = ctx.repo;
    unique(ctx, "evidence", &repo.evidence, |e| e.id.as_str());
    unique(ctx, "policy", &repo.policies, |p| p.id.as_str());
    unique(ctx, "exception", &repo.exceptions, |e| e.id.as_str());
    unique(ctx, "risk", &repo.risks, |r| r.id.as_str());
}

/// The key no two implementations may share: their system and control.
pub(crate) fn implementation_key<'a>(
    path: &'a str,
    imp: &'a crate::model::Implementation,
) -> (&'a str, Cow<'a, str>) {
    (
        super::references::system_of_file(path, imp),
        normalized_control_id(&imp.control.0),
    )
}

/// One implementation per system and control.
pub(super) fn implementations(ctx: &mut Ctx) {
    let repo = ctx.repo;
    let mut keyed: Vec<((&str, Cow<str>), usize)> = repo
        .implementations
        .iter()
        .enumerate()
        .map(|(n, imp)| (implementation_key(ctx.path(imp.file), &imp.value), n))
        .collect();
    if all_distinct(keyed.iter().map(|(k, _)| k)) {
        return;
    }
    // Sorted runs rather than a map of groups: a map would allocate a
    // group for each implementation.
    keyed.sort_unstable();
    for run in keyed.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        let system = run[0].0.0;
        let files: Vec<usize> = run
            .iter()
            .map(|(_, n)| repo.implementations[*n].file)
            .collect();
        for (_, n) in run {
            let imp = &repo.implementations[*n];
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
fn unique<T>(ctx: &mut Ctx, what: &str, items: &[Located<T>], id: impl Fn(&T) -> &str) {
    if all_distinct(items.iter().map(|i| id(&i.value))) {
        return;
    }
    let mut keyed: Vec<(&str, usize)> = items.iter().map(|i| (id(&i.value), i.file)).collect();
    keyed.sort_unstable();
    for run in keyed.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        let key = run[0].0;
        let files: Vec<usize> = run.iter().map(|(_, f)| *f).collect();
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

/// Whether no two keys are equal: the answer nearly every run (and every
/// commit of a walk over history) gives, found in one pass; only a repeat
/// pays for sorting the records into groups.
fn all_distinct<K: std::hash::Hash + Eq>(keys: impl ExactSizeIterator<Item = K>) -> bool {
    let mut seen =
        crate::hashing::HashSet::with_capacity_and_hasher(keys.len(), Default::default());
    keys.into_iter().all(|k| seen.insert(k))
}
