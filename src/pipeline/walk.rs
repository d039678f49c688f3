//! The gate over a line of commits, one after the other (`aegis history`).
//!
//! Most commits of a compliance repository change a few implementation
//! files and nothing else. A full run judges all of them again; a walk
//! holds the run of the commit before, split into what each stage said
//! (`Staged`), and when the next commit, judged on the same day, differs
//! from it only in the contents of implementation files (and of files no
//! run reads), it patches that run instead: it reads and checks the changed files, judges them alone
//! against the world it holds (`Outcome::recheck`), runs the duplicate
//! rule, assesses again only the systems those implementations belong to
//! (and the systems that inherit from them), and judges the gate. Any
//! other change, a file that reads or checks with a diagnostic, or a hint
//! budget that ran short, and the commit gets a full run. The result is the
//! same either way; `tests/cli/history.rs` compares every commit with
//! `aegis check --at`.

use super::{CheckOptions, Staged, gate_diagnostics_of};
use crate::assess::Assessment;
use crate::assess::gate::{Counts, Ratchet};
use crate::diag::{self, Diagnostic, Overrides, Severity, Summary};
use crate::hashing::{HashMap, HashSet};
use crate::model::{Config, Date};
use crate::schema::Kind;
use crate::validate::{self, Outcome};
use crate::workspace::Workspace;
use crate::workspace::git::{Commit, GitError, GitRepo};
use gix::ObjectId;

/// Past this many changed files a commit gets a full run: patching pays
/// for a few.
const MAX_PATCHED: usize = 64;

/// One thread's walk over commits.
#[derive(Default)]
pub struct Walk {
    memo: validate::Memo,
    held: Option<Held>,
    /// Commits patched in rather than run in full.
    pub patched: usize,
}

/// The gate's verdict on one commit.
pub struct Judged<'a> {
    pub passed: bool,
    pub errors: usize,
    /// `None` when aegis.yaml could not be read.
    pub assessment: Option<&'a Assessment>,
    /// Per system of the assessment: whether it was assessed at this
    /// commit rather than kept from the commit before.
    pub assessed: &'a [bool],
    /// Per system of the assessment, the counts of each selection.
    pub counts: &'a [Vec<Counts>],
}

/// The last commit's run, split by stage.
struct Held {
    tree: Option<ObjectId>,
    day: Date,
    ws: Workspace,
    outcome: Outcome,
    /// What stays while only implementations change: loading, schemas,
    /// the index, the rules about everything else, the ratchet file and
    /// aegis.yaml's overrides.
    fixed: Vec<Diagnostic>,
    /// Hint comparisons `fixed` took.
    fixed_hints: usize,
    /// Per implementation (`repo.implementations` order): what its rules
    /// said, and the hint comparisons they took.
    per: Vec<(Vec<Diagnostic>, usize)>,
    /// Implementations whose files read or checked with a diagnostic: a
    /// commit that changes one gets a full run.
    unclean: HashSet<usize>,
    duplicates: Vec<Diagnostic>,
    /// Per implementation: its system and normalised control, the key the
    /// duplicate rule compares.
    keys: Vec<(String, String)>,
    tally: HashMap<(String, String), u32>,
    /// Keys held by more than one implementation.
    repeated: usize,
    /// Each system's implementations (positions, in order).
    by_system: HashMap<String, Vec<usize>>,
    /// Per system of the assessment, the counts of each selection.
    counts: Vec<Vec<Counts>>,
    /// The trees of the commit held, decoded, by id: the next commit's
    /// diff reads them as its old side.
    trees: crate::workspace::git::Trees,
    ratchet: Option<Ratchet>,
    overrides: Overrides,
    gate: Severity,
    assessment: Option<Assessment>,
    assessed: Vec<bool>,
    passed: bool,
    errors: usize,
    /// Files read as something other than records: evidence artifacts
    /// and the ratchet file. A commit that changes one gets a full run.
    watched: HashSet<String>,
    /// A commit that changes only implementations can be patched in.
    patchable: bool,
}

/// `rel` as the commit's tree is looked up by (`Snapshot::entry`).
fn tree_path(rel: &str) -> String {
    let parts: Vec<&str> = rel
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    parts.join("/")
}

impl Walk {
    /// Judges `commit` as of `day`.
    pub fn step(
        &mut self,
        git: &GitRepo,
        commit: &Commit,
        day: Date,
    ) -> Result<Judged<'_>, GitError> {
        // A commit the walk cannot patch in (or whose trees cannot be
        // compared) gets the full run, which reports what it cannot read.
        let patched = match (&mut self.held, commit.tree) {
            (Some(h), Some(tree)) if h.patchable && h.day == day && h.tree.is_some() => {
                h.tree == Some(tree) || h.patch(git, tree).unwrap_or(false)
            }
            _ => false,
        };
        self.patched += usize::from(patched);
        let held = match self.held.take() {
            Some(h) if patched => h,
            stale => {
                if let Some(h) = stale {
                    git.recycle(h.ws);
                }
                Held::fresh(git.load(commit)?, commit.tree, day, &self.memo)
            }
        };
        let h = self.held.insert(held);
        Ok(Judged {
            passed: h.passed,
            errors: h.errors,
            assessment: h.assessment.as_ref(),
            assessed: &h.assessed,
            counts: &h.counts,
        })
    }

    /// Gives the files of the last commit back to `git`'s cache.
    pub fn finish(self, git: &GitRepo) {
        if let Some(h) = self.held {
            git.recycle(h.ws);
        }
    }
}

impl Held {
    /// A full run, kept split by stage.
    fn fresh(ws: Workspace, tree: Option<ObjectId>, day: Date, memo: &validate::Memo) -> Held {
        let mut staged = Staged::new(ws, day, Some(CheckOptions::default()), Some(memo));
        let parts = staged.outcome.parts.as_ref();
        let patchable = parts.is_some_and(|p| !p.refused) && staged.assessment.is_some();
        let all = &staged.outcome.diagnostics;
        let mut fixed = Vec::new();
        let mut per = Vec::new();
        let mut duplicates = Vec::new();
        let mut fixed_hints = 0;
        if let Some(p) = parts {
            fixed.extend_from_slice(&all[..p.fixed]);
            per = p
                .implementations
                .iter()
                .map(|(range, hints)| (all[range.clone()].to_vec(), *hints))
                .collect();
            duplicates = all[p.duplicates..].to_vec();
            fixed_hints = p.fixed_hints;
        }
        fixed.extend_from_slice(&staged.ratchet_diagnostics);
        fixed.extend_from_slice(&staged.notes);
        let repo = &staged.outcome.repo;
        // Reading and checking a file is judged again only for a clean
        // one; these had something to say.
        let said: HashSet<&str> = parts
            .map_or(&all[..0], |p| &all[..p.fixed])
            .iter()
            .map(|d| d.file.as_str())
            .collect();
        let path = |file: usize| {
            staged
                .workspace
                .files
                .get(file)
                .map_or("", |f| f.path.as_str())
        };
        let unclean = repo
            .implementations
            .iter()
            .enumerate()
            .filter(|(_, imp)| said.contains(path(imp.file)))
            .map(|(k, _)| k)
            .collect();
        let keys: Vec<(String, String)> = repo
            .implementations
            .iter()
            .map(|imp| {
                let (s, c) = validate::implementation_key(path(imp.file), &imp.value);
                (s.to_string(), c.into_owned())
            })
            .collect();
        let mut tally: HashMap<(String, String), u32> = HashMap::default();
        let mut by_system: HashMap<String, Vec<usize>> = HashMap::default();
        for (k, key) in keys.iter().enumerate() {
            *tally.entry(key.clone()).or_default() += 1;
            by_system.entry(key.0.clone()).or_default().push(k);
        }
        let repeated = tally.values().filter(|n| **n > 1).count();
        let mut watched: HashSet<String> = repo
            .evidence
            .iter()
            .filter(|e| e.value.is_repo_file())
            .map(|e| tree_path(&e.value.uri))
            .collect();
        if let Some(c) = &repo.config {
            watched.insert(tree_path(&c.gate.ratchet));
        }
        let systems = staged.assessment.as_ref().map_or(0, |a| a.systems.len());
        // The run needs the overrides to finish; the ratchet and counts
        // only the walk keeps.
        let (overrides, gate) = (staged.overrides.clone(), staged.gate);
        let ratchet = staged.ratchet.take();
        let counts = std::mem::take(&mut staged.counts);
        let run = staged.finish();
        Held {
            tree,
            day,
            passed: !run.failed(),
            errors: run.summary.errors,
            ws: run.workspace,
            outcome: run.outcome,
            fixed,
            fixed_hints,
            per,
            unclean,
            duplicates,
            keys,
            tally,
            repeated,
            by_system,
            counts,
            trees: Default::default(),
            ratchet,
            overrides,
            gate,
            assessment: run.assessment,
            assessed: vec![true; systems],
            watched,
            patchable,
        }
    }

    /// Patches the commit with compliance tree `tree` in, when it differs
    /// from the one held only in the contents of clean implementation
    /// files and of files no run reads. False, and the walk runs it in full, otherwise (what was held
    /// may then be half patched; it is dropped).
    fn patch(&mut self, git: &GitRepo, tree: ObjectId) -> Result<bool, GitError> {
        let Some(old) = self.tree else {
            return Ok(false);
        };
        let Some(changed) = git.changed_files(old, tree, MAX_PATCHED, &mut self.trees)? else {
            return Ok(false);
        };
        // Everything is read and checked before anything is replaced.
        let mut replace = Vec::with_capacity(changed.len());
        for (path, oid) in changed {
            if self.watched.contains(&path) {
                return Ok(false);
            }
            let Some(at) = self.file_at(&path) else {
                // Neither a record, an evidence artifact nor the ratchet
                // file: a run reads nothing else, and a listing depends on
                // names and modes, which did not change.
                continue;
            };
            let Some(k) = self.implementation_at(at) else {
                return Ok(false);
            };
            if self.unclean.contains(&k) {
                return Ok(false);
            }
            let f = git.parse_file(&path, Kind::Implementation, oid, &self.ws.limits);
            let Some(record) = validate::clean_implementation(&f) else {
                return Ok(false);
            };
            replace.push((at, k, f, record));
        }
        if replace.is_empty() {
            // Nothing a run reads changed: the verdict stands.
            self.assessed.iter_mut().for_each(|a| *a = false);
            self.tree = Some(tree);
            return Ok(true);
        }
        replace.sort_by_key(|r| r.1);
        let mut touched: HashSet<String> = HashSet::default();
        let mut ks = Vec::with_capacity(replace.len());
        for (at, k, f, record) in replace {
            let (system, control) = {
                let (s, c) = validate::implementation_key(&f.path, &record);
                (s.to_string(), c.into_owned())
            };
            self.ws.files[at] = f;
            self.outcome.repo.implementations[k].value = record;
            touched.insert(self.keys[k].0.clone());
            touched.insert(system.clone());
            self.rekey(k, (system, control));
            ks.push(k);
        }
        let opts = validate::Options { as_of: self.day };
        let Some(judged) = self.outcome.recheck(&self.ws, &opts, &ks) else {
            return Ok(false);
        };
        for (&k, j) in ks.iter().zip(judged) {
            self.per[k] = j;
        }
        // Judged alone each had a full budget; the patch stands for a full
        // run only if that run would never have run short.
        let hints = self.fixed_hints + self.per.iter().map(|(_, h)| h).sum::<usize>();
        if !validate::schema::Hints::fits(hints) {
            return Ok(false);
        }
        self.duplicates = if self.repeated > 0 {
            self.outcome.duplicate_implementations(&self.ws, &opts)
        } else {
            Vec::new()
        };
        let Some(config) = self.outcome.repo.config.clone() else {
            return Ok(false);
        };
        self.reassess(&config, &touched);
        self.judge(&config);
        self.tree = Some(tree);
        Ok(true)
    }

    /// The position in `ws.files` of the record at `path`.
    fn file_at(&self, path: &str) -> Option<usize> {
        // `files[0]` is aegis.yaml; the rest are sorted by path.
        if self.ws.files.first().is_some_and(|f| f.path == path) {
            return Some(0);
        }
        let rest = self.ws.files.get(1..)?;
        let i = rest.binary_search_by(|f| f.path.as_str().cmp(path)).ok()?;
        Some(i + 1)
    }

    /// The position in `repo.implementations` of the record of file `at`.
    fn implementation_at(&self, at: usize) -> Option<usize> {
        self.outcome
            .repo
            .implementations
            .binary_search_by_key(&at, |i| i.file)
            .ok()
    }

    /// Moves implementation `k` to duplicate key `key`.
    fn rekey(&mut self, k: usize, key: (String, String)) {
        let old = std::mem::replace(&mut self.keys[k], key.clone());
        if old.0 != key.0 {
            if let Some(list) = self.by_system.get_mut(&old.0) {
                list.retain(|x| *x != k);
            }
            let list = self.by_system.entry(key.0.clone()).or_default();
            let at = list.partition_point(|x| *x < k);
            list.insert(at, k);
        }
        if let Some(n) = self.tally.get_mut(&old) {
            *n -= 1;
            if *n == 1 {
                self.repeated -= 1;
            }
            if *n == 0 {
                self.tally.remove(&old);
            }
        }
        let n = self.tally.entry(key).or_default();
        *n += 1;
        if *n == 2 {
            self.repeated += 1;
        }
    }

    /// Assesses again the systems in `touched`, the systems that inherit
    /// from them (at any distance), and keeps the others.
    fn reassess(&mut self, config: &Config, touched: &HashSet<String>) {
        // Who inherits from whom, as the implementations say now.
        let mut providers: HashMap<&str, HashSet<&str>> = HashMap::default();
        for (imp, (system, _)) in self.outcome.repo.implementations.iter().zip(&self.keys) {
            if let Some(from) = &imp.value.inherited_from {
                providers
                    .entry(system.as_str())
                    .or_default()
                    .insert(from.as_str());
            }
        }
        let mut again: HashSet<&str> = touched.iter().map(String::as_str).collect();
        loop {
            let before = again.len();
            for (system, from) in &providers {
                if !again.contains(system) && from.iter().any(|p| again.contains(p)) {
                    again.insert(system);
                }
            }
            if again.len() == before {
                break;
            }
        }
        // What those read: their own implementations and their providers'.
        let mut systems: HashSet<&str> = HashSet::default();
        let mut todo: Vec<&str> = again.iter().copied().collect();
        while let Some(s) = todo.pop() {
            if systems.insert(s) {
                todo.extend(providers.get(s).into_iter().flatten().copied());
            }
        }
        let mut read: Vec<usize> = systems
            .iter()
            .flat_map(|s| self.by_system.get(*s).into_iter().flatten().copied())
            .collect();
        // In order: of two implementations of one control, the later wins.
        read.sort_unstable();
        let mut previous = self
            .assessment
            .take()
            .map(|a| a.systems)
            .unwrap_or_default()
            .into_iter();
        let mut kept = Vec::with_capacity(config.systems.len());
        let mut assessed = Vec::with_capacity(config.systems.len());
        for s in &config.systems {
            let gaps = previous.next();
            let redo =
                again.contains(s.id.as_str()) || gaps.as_ref().is_none_or(|g| g.id != s.id.0);
            assessed.push(redo);
            kept.push(if redo { None } else { gaps });
        }
        let keep = crate::assess::gaps::Keep {
            kept,
            read: Some(read),
        };
        self.assessment = Some(crate::assess::gaps::assess_keeping(
            &self.ws,
            &self.outcome,
            &self.fixed,
            self.day,
            keep,
        ));
        if let Some(a) = &self.assessment {
            self.counts.resize_with(a.systems.len(), Vec::new);
            for ((s, again), counts) in a.systems.iter().zip(&assessed).zip(&mut self.counts) {
                if *again {
                    *counts = s.selections.iter().map(Counts::of).collect();
                }
            }
        }
        self.assessed = assessed;
    }

    /// The gate's verdict on what is held now.
    fn judge(&mut self, config: &Config) {
        let Some(a) = &self.assessment else {
            return;
        };
        let (_, gate_diagnostics) =
            gate_diagnostics_of(&self.ws, config, a, self.ratchet.as_ref(), &self.counts);
        let mut all = Vec::with_capacity(
            self.fixed.len() + self.duplicates.len() + gate_diagnostics.len() + 64,
        );
        all.extend_from_slice(&self.fixed);
        for (d, _) in &self.per {
            all.extend_from_slice(d);
        }
        all.extend_from_slice(&self.duplicates);
        all.extend(gate_diagnostics);
        let (_, counts) = diag::finish(all, &self.overrides);
        let summary = Summary::new(self.ws.files.len(), counts);
        self.passed = !summary.fails(self.gate);
        self.errors = summary.errors;
    }
}
