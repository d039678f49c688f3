//! Typed records kept from one commit to the next of a history walk.
//!
//! Checking a file against its schema and reading it into its typed record
//! is most of what validating a commit costs, and a commit changes few
//! files. A record depends only on its blob and its kind, and what the
//! check says about it on its blob and path, so a walk keeps each checked
//! record by blob: `check_records` takes the ones it finds, `recycle` gives
//! them back once the commit's run is over. Records move in and out; none
//! is copied, and no path is copied or hashed.

use super::{Located, Record, Repo};
use crate::diag::Diagnostic;
use crate::model::Limits;
use crate::schema::Kind;
use crate::workspace::{SourceFile, Workspace};
use gix::ObjectId;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// Checked records by blob, for one thread's walk over commits.
#[derive(Default)]
pub struct Memo {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Records no run holds now.
    records: HashMap<ObjectId, Vec<(Kind, Record)>>,
    /// What the schema check found, for the files where it found something.
    diagnostics: HashMap<ObjectId, Vec<(String, Vec<Diagnostic>)>>,
    /// Limits the files were parsed under: other limits parse the same
    /// blob differently, so a change empties the memo.
    limits: Option<Limits>,
}

impl Memo {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere leaves maps that are still a valid memo.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The memoised record and schema diagnostics of each file of `ws`
    /// (`None` where there is none).
    pub(super) fn take(&self, ws: &Workspace) -> Vec<Option<(Record, Vec<Diagnostic>)>> {
        let mut inner = self.lock();
        if inner.limits.as_ref() != Some(&ws.limits) {
            inner.records.clear();
            inner.diagnostics.clear();
            inner.limits = Some(ws.limits.clone());
        }
        ws.files
            .iter()
            .map(|f| {
                let oid = f.blob?;
                let held = inner.records.get_mut(&oid)?;
                let i = held.iter().position(|(k, _)| *k == f.kind)?;
                let (_, record) = held.swap_remove(i);
                let diags = inner
                    .diagnostics
                    .get(&oid)
                    .and_then(|d| d.iter().find(|(p, _)| *p == f.path))
                    .map(|(_, d)| d.clone())
                    .unwrap_or_default();
                Some((record, diags))
            })
            .collect()
    }

    /// Remembers what the schema check of a file checked afresh found.
    pub(super) fn note(&self, f: &SourceFile, diags: &[Diagnostic]) {
        if let (Some(oid), false) = (f.blob, diags.is_empty()) {
            let mut inner = self.lock();
            let at = inner.diagnostics.entry(oid).or_default();
            if !at.iter().any(|(p, _)| *p == f.path) {
                at.push((f.path.clone(), diags.to_vec()));
            }
        }
    }

    /// Gives a finished run's records back, for the next commit that holds
    /// the same blobs.
    pub fn recycle(&self, ws: &Workspace, repo: Repo) {
        let mut inner = self.lock();
        if inner.limits.as_ref() != Some(&ws.limits) {
            return;
        }
        let mut put = |file: usize, record: Record| {
            if let Some(f) = ws.files.get(file)
                && let Some(oid) = f.blob
            {
                inner
                    .records
                    .entry(oid)
                    .or_default()
                    .push((f.kind, record));
            }
        };
        macro_rules! back {
            ($($field:ident => $variant:ident),* $(,)?) => {
                $(for Located { file, value } in repo.$field {
                    put(file, Record::$variant(value));
                })*
            };
        }
        if let Some(c) = repo.config {
            put(0, Record::Config(c));
        }
        back!(
            frameworks => Framework,
            catalogs => Catalog,
            baselines => Baseline,
            mappings => Mapping,
            implementations => Implementation,
            evidence => Evidence,
            policies => Policy,
            approvals => Approvals,
            exceptions => Exception,
            risks => Risk,
            findings => Findings,
            reference_tables => ReferenceTable,
            remediation_plans => RemediationPlan,
        );
    }
}
