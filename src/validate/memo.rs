//! Typed records kept from one commit to the next of a history walk.
//!
//! Checking a file against its schema and reading it into its typed record
//! is most of what validating a commit costs, and a commit changes few
//! files. A record depends only on its blob and its kind, and what the
//! check says about it on its blob and path, so a walk keeps each checked
//! record by blob and hands every later commit holding that blob the same
//! shared record: nothing is checked twice or copied, and no path is
//! copied or hashed.

use super::Record;
use crate::diag::Diagnostic;
use crate::hashing::HashMap;
use crate::model::Limits;
use crate::schema::Kind;
use crate::workspace::{SourceFile, Workspace};
use gix::ObjectId;
use std::sync::Arc;
use std::sync::{Mutex, PoisonError};

/// Implementations the reference rules found nothing wrong with, by blob:
/// the path and the control they name.
#[derive(Default)]
pub(super) struct Settled(HashMap<ObjectId, Vec<(String, Arc<str>, usize)>>);

impl Settled {
    pub(super) fn get(&self, blob: ObjectId, path: &str) -> Option<(Arc<str>, usize)> {
        let held = self.0.get(&blob)?;
        let (_, fw, control) = held.iter().find(|(p, _, _)| p == path)?;
        Some((fw.clone(), *control))
    }

    pub(super) fn put(&mut self, blob: ObjectId, path: &str, found: (Arc<str>, usize)) {
        let held = self.0.entry(blob).or_default();
        if !held.iter().any(|(p, _, _)| p == path) {
            held.push((path.to_string(), found.0, found.1));
        }
    }

    fn clear(&mut self) {
        self.0.clear();
    }
}

/// Checked records by blob, for one thread's walk over commits.
#[derive(Default)]
pub struct Memo {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    records: HashMap<ObjectId, Vec<Entry>>,
    /// Limits the files were parsed under: other limits parse the same
    /// blob differently, so a change empties the memo.
    limits: Option<Limits>,
    /// The files other than implementations of the commit checked last
    /// (kind, blob, path): everything the reference rules look an
    /// implementation up in. While it stays the same, so does what they
    /// say about an implementation whose blob and path stay the same.
    world: Vec<(Kind, ObjectId, String)>,
    /// Counts the changes of `world`.
    world_gen: u64,
    /// Implementations the reference rules found nothing wrong with, by
    /// blob: the path and the control they name, under `world_gen`.
    settled: Settled,
    /// Counts the commits checked; once the memo holds about three
    /// commits' records, entries no commit of the last two used are
    /// dropped.
    generation: u64,
}

struct Entry {
    kind: Kind,
    record: Record,
    /// What the schema check found, by path, where it found something.
    diagnostics: Vec<(String, Vec<Diagnostic>)>,
    used: u64,
}

impl Memo {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere leaves maps that are still a valid memo.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The memoised record and schema diagnostics of each file of `ws`
    /// (`None` where there is none), starting a new generation.
    pub(super) fn find(&self, ws: &Workspace) -> Vec<Option<(Record, Vec<Diagnostic>)>> {
        let mut inner = self.lock();
        if inner.limits.as_ref() != Some(&ws.limits) {
            inner.records.clear();
            inner.world.clear();
            inner.settled.clear();
            inner.limits = Some(ws.limits.clone());
        }
        inner.generation += 1;
        let now = inner.generation;
        // Swept only once it holds about two commits' worth more than one
        // commit: a sweep visits every entry, and most commits add few.
        if inner.records.len() > 2 * ws.files.len() + 1024 {
            inner
                .records
                .retain(|_, held| held.iter().any(|e| e.used + 2 >= now));
        }
        ws.files
            .iter()
            .map(|f| {
                let held = inner.records.get_mut(&f.blob?)?;
                let e = held.iter_mut().find(|e| e.kind == f.kind)?;
                let diags = e.diagnostics.iter().find(|(p, _)| *p == f.path);
                let diags = diags.map(|(_, d)| d.clone());
                // The same blob at a new path was never checked there.
                if diags.is_none() && !e.diagnostics.is_empty() {
                    return None;
                }
                e.used = now;
                Some((e.record.clone(), diags.unwrap_or_default()))
            })
            .collect()
    }

    /// The generation of the world `ws` shows the reference rules (see
    /// `Inner::world`), starting a new one when it changed since the
    /// commit checked last; `None` for files not read from git.
    pub(super) fn world(&self, ws: &Workspace) -> Option<u64> {
        let others = || ws.files.iter().filter(|f| f.kind != Kind::Implementation);
        if others().any(|f| f.blob.is_none()) {
            return None;
        }
        let mut inner = self.lock();
        let mut held = inner.world.iter();
        let same = others().all(|f| {
            held.next()
                .is_some_and(|(k, b, p)| *k == f.kind && Some(*b) == f.blob && *p == f.path)
        }) && held.next().is_none();
        if !same {
            inner.world = others()
                .filter_map(|f| Some((f.kind, f.blob?, f.path.clone())))
                .collect();
            inner.world_gen += 1;
            inner.settled.clear();
        }
        Some(inner.world_gen)
    }

    /// The implementations settled under world `world` (see
    /// `Inner::settled`), taken out for one commit's reference rules to
    /// read and add to without a lock per implementation; `give_settled`
    /// puts them back.
    pub(super) fn take_settled(&self, world: u64) -> Settled {
        let mut inner = self.lock();
        if inner.world_gen != world {
            return Settled::default();
        }
        std::mem::take(&mut inner.settled)
    }

    pub(super) fn give_settled(&self, world: u64, settled: Settled) {
        let mut inner = self.lock();
        if inner.world_gen == world {
            inner.settled = settled;
        }
    }

    /// Remembers a file checked afresh.
    pub(super) fn note(&self, f: &SourceFile, record: &Record, diags: &[Diagnostic]) {
        let Some(oid) = f.blob else {
            return;
        };
        let mut inner = self.lock();
        let now = inner.generation;
        let held = inner.records.entry(oid).or_default();
        let found = match held.iter_mut().position(|e| e.kind == f.kind) {
            Some(i) => &mut held[i],
            None => {
                held.push(Entry {
                    kind: f.kind,
                    record: record.clone(),
                    diagnostics: Vec::new(),
                    used: now,
                });
                let last = held.len() - 1;
                &mut held[last]
            }
        };
        if !diags.is_empty() && !found.diagnostics.iter().any(|(p, _)| *p == f.path) {
            found.diagnostics.push((f.path.clone(), diags.to_vec()));
        }
    }
}
