//! Stage 2, validate: schema-check every file into its typed record (in
//! parallel), index the records, then run the cross-file rule families.
//! Every problem is collected; nothing stops at the first one.

pub mod approvals;
mod config;
mod duplicates;
mod estimates;
mod evidence;
mod implementation;
mod index;
mod lifecycle;
mod memo;
mod references;
pub mod schema;
pub mod signatures;

pub(crate) use duplicates::implementation_key;
pub use index::{ControlEntry, FrameworkEntry, Index, Resolved};
pub use memo::Memo;
pub use references::Contexts;
pub(crate) use references::{implementation_context, system_of_file};

use crate::diag::{Code, Diagnostic, Pos};
use crate::model::*;
use crate::schema::Kind;
use crate::workspace::Workspace;
use rayon::prelude::*;
use std::sync::Arc;

/// Settings of one validation run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The day deadlines are judged against (today, unless `--as-of`).
    pub as_of: Date,
}

/// A record and the index of the file it came from in `Workspace::files`.
#[derive(Clone, Debug)]
pub struct Located<T> {
    pub file: usize,
    /// Shared, so a walk over history hands the same record to every
    /// commit that holds its blob instead of copying it (`Memo`).
    pub value: Arc<T>,
}

/// The checked model of a repository: only records that passed their schema.
#[derive(Debug, Default)]
pub struct Repo {
    pub config: Option<Config>,
    pub frameworks: Vec<Located<Framework>>,
    pub catalogs: Vec<Located<Catalog>>,
    pub baselines: Vec<Located<BaselineFile>>,
    pub mappings: Vec<Located<Mapping>>,
    pub implementations: Vec<Located<Implementation>>,
    pub evidence: Vec<Located<Evidence>>,
    pub signatures: Vec<Located<EvidenceSignature>>,
    pub policies: Vec<Located<PolicyFront>>,
    pub approvals: Vec<Located<ApprovalLedger>>,
    pub exceptions: Vec<Located<Exception>>,
    pub risks: Vec<Located<Risk>>,
    pub findings: Vec<Located<FindingSet>>,
    pub reference_tables: Vec<Located<ReferenceTable>>,
    pub remediation_plans: Vec<Located<RemediationPlan>>,
}

#[derive(Clone)]
enum Record {
    Config(Arc<Config>),
    Framework(Arc<Framework>),
    Catalog(Arc<Catalog>),
    Baseline(Arc<BaselineFile>),
    Mapping(Arc<Mapping>),
    Implementation(Arc<Implementation>),
    Evidence(Arc<Evidence>),
    Signature(Arc<EvidenceSignature>),
    Policy(Arc<PolicyFront>),
    Approvals(Arc<ApprovalLedger>),
    Exception(Arc<Exception>),
    Risk(Arc<Risk>),
    Findings(Arc<FindingSet>),
    ReferenceTable(Arc<ReferenceTable>),
    RemediationPlan(Arc<RemediationPlan>),
}

/// Everything validation found, and the model it could build.
pub struct Outcome {
    pub repo: Repo,
    pub index: Index,
    /// The frameworks each system's short control ids are looked up in.
    pub contexts: references::Contexts,
    /// The framework and position of the control each implementation
    /// names, in `repo.implementations` order, as the reference rules
    /// found it (empty when they did not run): the gap engine takes it
    /// from here instead of resolving every implementation again.
    pub implementation_controls: Vec<Option<(std::sync::Arc<str>, usize)>>,
    pub diagnostics: Vec<Diagnostic>,
    /// Where `diagnostics` came from (when the rules ran).
    pub(crate) parts: Option<Parts>,
}

/// Validates the loaded workspace. Diagnostics come back unsorted and
/// without severity overrides; `diag::finish` does both.
pub fn run(ws: &Workspace, opts: &Options) -> Outcome {
    check(ws, opts, true, None)
}

/// `run`, taking the typed records of files checked before from `memo`
/// (see `Memo`), which keeps the ones checked afresh for later runs.
pub fn run_memo(ws: &Workspace, opts: &Options, memo: &Memo) -> Outcome {
    check(ws, opts, true, Some(memo))
}

/// The checked records and the index, without the rule families: for
/// commands that only look references up (`framework diff`), so they
/// resolve exactly as `run` does without paying for its checks (hashing
/// every evidence file, say). The diagnostics are those of the schema
/// check and of building the index.
pub fn index_only(ws: &Workspace) -> Outcome {
    // Building the index judges no dates.
    let opts = Options {
        as_of: Date::today_utc(),
    };
    check(ws, &opts, false, None)
}

fn check(ws: &Workspace, opts: &Options, rules: bool, memo: Option<&Memo>) -> Outcome {
    let (repo, broken, diagnostics) = check_records(ws, memo);
    let world = memo.and_then(|m| Some((m, m.world(ws)?)));
    let system_index = repo
        .config
        .iter()
        .flat_map(|c| c.systems.iter().enumerate())
        .map(|(i, s)| (s.id.0.clone(), i))
        .rev()
        .collect();
    let mut ctx = Ctx {
        ws,
        repo: &repo,
        system_index,
        unresolved: Default::default(),
        implementation_controls: Vec::new(),
        settled: world,
        index: Index::default(),
        opts,
        broken,
        out: diagnostics,
    };
    ctx.index = index::build(&mut ctx);
    let contexts = references::Contexts::new(&repo, &ctx.index);
    let mut parts = None;
    if rules {
        // Everything but single implementations first, then each
        // implementation on its own, then the one rule about two at once:
        // the order a walk over history can repeat for a few of them.
        config::check(&mut ctx);
        duplicates::check(&mut ctx);
        references::check(&mut ctx, &contexts);
        evidence::check(&mut ctx);
        let unsigned = signatures::check(&mut ctx);
        lifecycle::check(&mut ctx);
        approvals::check(&mut ctx);
        estimates::check(&mut ctx);
        let fixed = ctx.out.len();
        let fixed_hints = ctx.index.hints.spent();
        let per = implementation::Rules::new(&ctx, unsigned);
        let mut ranges = Vec::with_capacity(repo.implementations.len());
        let mut settled = ctx.settled.map(|(m, world)| m.take_settled(world));
        for imp in &repo.implementations {
            let (before, hints) = (ctx.out.len(), ctx.index.hints.spent());
            // Settled at an earlier commit of a walk, against the same world.
            let blob = ctx.ws.files.get(imp.file).and_then(|f| f.blob);
            let known = match (&settled, blob) {
                (Some(s), Some(blob)) => s.get(blob, ctx.path(imp.file)),
                _ => None,
            };
            let (found, clean) = per.check(&mut ctx, &contexts, imp, known);
            // Only what was found clean is kept: a diagnostic's "did you
            // mean" spends the run's hint budget, which must be spent the
            // same way on every commit.
            if let (Some(s), Some(blob), Some(f), true) = (&mut settled, blob, &found, clean) {
                s.put(blob, ctx.path(imp.file), f.clone());
            }
            ctx.implementation_controls.push(found);
            ranges.push((before..ctx.out.len(), ctx.index.hints.spent() - hints));
        }
        if let (Some((m, world)), Some(s)) = (ctx.settled, settled) {
            m.give_settled(world, s);
        }
        let duplicates = ctx.out.len();
        duplicates::implementations(&mut ctx);
        parts = Some(Parts {
            fixed,
            implementations: ranges,
            duplicates,
            fixed_hints,
            refused: ctx.index.hints.refused(),
            rules: per,
            broken: std::mem::take(&mut ctx.broken),
            system_index: std::mem::take(&mut ctx.system_index),
        });
    }
    let Ctx {
        index,
        out,
        implementation_controls,
        ..
    } = ctx;
    Outcome {
        repo,
        index,
        contexts,
        implementation_controls,
        diagnostics: out,
        parts,
    }
}

/// Where the diagnostics of a run came from, kept so a walk over history
/// can patch one commit's outcome into the next's when only
/// implementations changed (`Outcome::recheck`).
pub(crate) struct Parts {
    /// `diagnostics[..fixed]`: loading, schemas, the index and the rules
    /// about everything but single implementations.
    pub fixed: usize,
    /// Per implementation: where its rules' diagnostics are, and the hint
    /// comparisons they took.
    pub implementations: Vec<(std::ops::Range<usize>, usize)>,
    /// `diagnostics[duplicates..]`: implementations sharing a system and
    /// control.
    pub duplicates: usize,
    /// Hint comparisons taken before the per-implementation rules.
    pub fixed_hints: usize,
    /// The hint budget ran short: which messages got a hint then depends
    /// on their order, and no part can be judged again on its own.
    pub refused: bool,
    rules: implementation::Rules,
    broken: Broken,
    system_index: crate::hashing::HashMap<String, usize>,
}

impl Outcome {
    /// Judges implementations `changed` (positions in
    /// `repo.implementations`, whose records the caller has just replaced
    /// in place) again against a world that did not change, with a full
    /// hint budget: their diagnostics and the hint comparisons they took.
    /// `None` when this outcome keeps no parts (the rules did not run).
    pub(crate) fn recheck(
        &mut self,
        ws: &Workspace,
        opts: &Options,
        changed: &[usize],
    ) -> Option<Vec<(Vec<Diagnostic>, usize)>> {
        if changed
            .iter()
            .any(|k| *k >= self.repo.implementations.len())
        {
            return None;
        }
        let mut parts = self.parts.take()?;
        let index = std::mem::take(&mut self.index);
        index.hints.reset();
        let mut ctx = Ctx {
            ws,
            repo: &self.repo,
            system_index: std::mem::take(&mut parts.system_index),
            unresolved: Default::default(),
            implementation_controls: Vec::new(),
            settled: None,
            index,
            opts,
            broken: std::mem::take(&mut parts.broken),
            out: Vec::new(),
        };
        let mut found = Vec::with_capacity(changed.len());
        let mut judged = Vec::with_capacity(changed.len());
        for &k in changed {
            let imp = &self.repo.implementations[k];
            let hints = ctx.index.hints.spent();
            let (control, _) = parts.rules.check(&mut ctx, &self.contexts, imp, None);
            found.push(control);
            judged.push((
                std::mem::take(&mut ctx.out),
                ctx.index.hints.spent() - hints,
            ));
        }
        let Ctx {
            index,
            system_index,
            broken,
            ..
        } = ctx;
        (self.index, parts.system_index, parts.broken) = (index, system_index, broken);
        self.parts = Some(parts);
        for (&k, control) in changed.iter().zip(found) {
            if let Some(slot) = self.implementation_controls.get_mut(k) {
                *slot = control;
            }
        }
        Some(judged)
    }

    /// The diagnostics of the one rule about two implementations at once
    /// (one per system and control), on the records as they are now.
    pub(crate) fn duplicate_implementations(
        &self,
        ws: &Workspace,
        opts: &Options,
    ) -> Vec<Diagnostic> {
        let mut ctx = Ctx {
            ws,
            repo: &self.repo,
            system_index: Default::default(),
            unresolved: Default::default(),
            implementation_controls: Vec::new(),
            settled: None,
            index: Index::default(),
            opts,
            broken: Broken::default(),
            out: Vec::new(),
        };
        duplicates::implementations(&mut ctx);
        ctx.out
    }

    /// Resolves the control an implementation names, as validation does: a
    /// framework-qualified reference exactly, a short id first in the
    /// frameworks its system selects (every framework when aegis.yaml does
    /// not define the system), then in every framework.
    pub fn resolve_implementation(
        &self,
        ws: &Workspace,
        imp: &Located<Implementation>,
    ) -> Resolved {
        let path = ws.files.get(imp.file).map_or("", |f| f.path.as_str());
        let system = references::system_of_file(path, &imp.value);
        let context = self.contexts.of(system).unwrap_or(&self.contexts.all);
        self.index.resolve(&imp.value.control, context)
    }

    /// The framework and position of the control `imp` names, as
    /// `resolve_implementation` finds it, from what the reference rules
    /// found where they ran.
    pub fn implementation_control<'s>(
        &'s self,
        ws: &Workspace,
        imp: &Located<Implementation>,
    ) -> Option<(std::borrow::Cow<'s, str>, usize)> {
        use std::borrow::Cow;
        let at = self
            .repo
            .implementations
            .binary_search_by_key(&imp.file, |i| i.file);
        if let Ok(at) = at
            && let Some(found) = self.implementation_controls.get(at)
        {
            return found.as_ref().map(|(fw, c)| (Cow::Borrowed(&**fw), *c));
        }
        match self.resolve_implementation(ws, imp) {
            Resolved::Found { framework, control } => Some((Cow::Owned(framework), control)),
            _ => None,
        }
    }
}

/// Schema-checks every file into its typed record (in parallel).
fn check_records(ws: &Workspace, memo: Option<&Memo>) -> (Repo, Broken, Vec<Diagnostic>) {
    let mut found = memo.map(|m| m.find(ws)).unwrap_or_default();
    found.resize_with(ws.files.len(), || None);
    let checked: Vec<(Option<Record>, Vec<Diagnostic>)> = ws
        .files
        .par_iter()
        .zip(found.into_par_iter())
        .map(|(f, found)| {
            if let Some((record, diags)) = found {
                return (Some(record), diags);
            }
            let checked = check_one(f);
            if let (Some(m), Some(record)) = (memo, &checked.0) {
                m.note(f, record, &checked.1);
            }
            checked
        })
        .collect();

    let mut diagnostics = ws.diagnostics.clone();
    let mut repo = Repo::default();
    let mut broken = Broken::default();
    for (file, (record, mut diags)) in checked.into_iter().enumerate() {
        diagnostics.append(&mut diags);
        let Some(record) = record else {
            broken.add(&ws.files[file]);
            continue;
        };
        macro_rules! put {
            ($field:ident, $v:expr) => {
                repo.$field.push(Located { file, value: $v })
            };
        }
        match record {
            Record::Config(c) => repo.config = Some(Arc::unwrap_or_clone(c)),
            Record::Framework(v) => put!(frameworks, v),
            Record::Catalog(v) => put!(catalogs, v),
            Record::Baseline(v) => put!(baselines, v),
            Record::Mapping(v) => put!(mappings, v),
            Record::Implementation(v) => put!(implementations, v),
            Record::Evidence(v) => put!(evidence, v),
            Record::Signature(v) => put!(signatures, v),
            Record::Policy(v) => put!(policies, v),
            Record::Approvals(v) => put!(approvals, v),
            Record::Exception(v) => put!(exceptions, v),
            Record::Risk(v) => put!(risks, v),
            Record::Findings(v) => put!(findings, v),
            Record::ReferenceTable(v) => put!(reference_tables, v),
            Record::RemediationPlan(v) => put!(remediation_plans, v),
        }
    }
    (repo, broken, diagnostics)
}

/// Schema-checks one file into its typed record.
fn check_one(f: &crate::workspace::SourceFile) -> (Option<Record>, Vec<Diagnostic>) {
    macro_rules! typed {
        ($variant:ident) => {{
            let (v, d) = schema::check(f);
            (v.map(|v| Record::$variant(Arc::new(v))), d)
        }};
    }
    match f.kind {
        Kind::Config => typed!(Config),
        Kind::Framework => typed!(Framework),
        Kind::Catalog => typed!(Catalog),
        Kind::Baseline => typed!(Baseline),
        Kind::Mapping => typed!(Mapping),
        Kind::Implementation => typed!(Implementation),
        Kind::Evidence => typed!(Evidence),
        Kind::EvidenceSignature => typed!(Signature),
        Kind::Policy => typed!(Policy),
        Kind::Approvals => typed!(Approvals),
        Kind::Exception => typed!(Exception),
        Kind::Risk => typed!(Risk),
        Kind::Findings => typed!(Findings),
        Kind::ReferenceTable => typed!(ReferenceTable),
        Kind::RemediationPlan => typed!(RemediationPlan),
    }
}

/// What every rule family gets: the files, the records, the index, and a
/// place to put diagnostics.
pub(crate) struct Ctx<'a> {
    pub ws: &'a Workspace,
    pub repo: &'a Repo,
    /// Position in aegis.yaml of each system id (the first, if repeated).
    pub system_index: crate::hashing::HashMap<String, usize>,
    /// Implementation files whose control reference names no control.
    pub unresolved: crate::hashing::HashSet<usize>,
    /// See `Outcome::implementation_controls`.
    pub implementation_controls: Vec<Option<(std::sync::Arc<str>, usize)>>,
    /// Where a walk over history keeps the implementations the reference
    /// rules settled, and the generation of this commit's world there.
    pub settled: Option<(&'a Memo, u64)>,
    pub index: Index,
    pub opts: &'a Options,
    pub broken: Broken,
    pub out: Vec<Diagnostic>,
}

/// Ids of records whose files exist but did not pass their schema. Their
/// own diagnostics say what is wrong; references to them are not reported
/// again, so one broken file does not bury the report in follow-on errors.
#[derive(Debug, Default)]
pub(crate) struct Broken {
    pub frameworks: crate::hashing::HashSet<String>,
    pub evidence: crate::hashing::HashSet<String>,
    pub policies: crate::hashing::HashSet<String>,
    pub risks: crate::hashing::HashSet<String>,
}

impl Broken {
    fn add(&mut self, f: &crate::workspace::SourceFile) {
        let stem = f
            .path
            .rsplit('/')
            .next()
            .and_then(|n| n.rsplit_once('.').map(|(s, _)| s))
            .unwrap_or_default()
            .to_string();
        let field = |key: &str| {
            f.tree
                .as_ref()
                .and_then(|t| t.get(key))
                .and_then(|n| n.as_str())
                .map(str::to_string)
        };
        let set = match f.kind {
            Kind::Framework | Kind::Catalog | Kind::Baseline => {
                if let Some(dir) = f.path.split('/').nth(1) {
                    self.frameworks.insert(dir.to_string());
                }
                let key = if f.kind == Kind::Framework {
                    "id"
                } else {
                    "framework"
                };
                if let Some(id) = field(key) {
                    self.frameworks.insert(id);
                }
                return;
            }
            Kind::Evidence => &mut self.evidence,
            Kind::Policy => &mut self.policies,
            Kind::Risk => &mut self.risks,
            _ => return,
        };
        set.insert(stem);
        if let Some(id) = field("id") {
            set.insert(id);
        }
    }
}

impl<'a> Ctx<'a> {
    pub fn path(&self, file: usize) -> &'a str {
        &self.ws.files[file].path
    }

    /// The position of the value at `pointer` in `file`.
    pub fn pos(&self, file: usize, pointer: &str) -> Pos {
        self.ws.files[file]
            .tree
            .as_ref()
            .map_or(Pos::START, |t| t.locate(pointer))
    }

    /// The position of key `key` of the mapping at `pointer`.
    pub fn key_pos(&self, file: usize, pointer: &str, key: &str) -> Pos {
        self.ws.files[file]
            .tree
            .as_ref()
            .map_or(Pos::START, |t| t.locate_key(pointer, key))
    }

    pub fn emit(&mut self, code: Code, file: usize, pointer: &str, message: String, help: String) {
        let d = Diagnostic::new(
            code,
            self.path(file).to_string(),
            self.pos(file, pointer),
            message,
        )
        .help(help);
        self.out.push(d);
    }

    pub fn emit_at(&mut self, code: Code, file: usize, pos: Pos, message: String, help: String) {
        let d = Diagnostic::new(code, self.path(file).to_string(), pos, message).help(help);
        self.out.push(d);
    }

    /// `file:line:column` of a pointer, for messages that name a second place.
    pub fn place(&self, file: usize, pointer: &str) -> String {
        let p = self.pos(file, pointer);
        format!("{}:{}:{}", self.path(file), p.line, p.column)
    }

    pub fn systems(&self) -> &[System] {
        self.repo
            .config
            .as_ref()
            .map_or(&[], |c| c.systems.as_slice())
    }

    pub fn system(&self, id: &SystemId) -> Option<&System> {
        self.system_index
            .get(id.as_str())
            .and_then(|i| self.systems().get(*i))
    }

    pub fn has_system(&self, id: &str) -> bool {
        self.system_index.contains_key(id)
    }
}

/// SHA-256 (hex) and size of in-memory content, as evidence records them.
pub fn evidence_hash(bytes: &[u8]) -> (String, u64) {
    (crate::digest::sha256_hex(bytes), bytes.len() as u64)
}

/// The typed record of an implementation file when reading and checking it
/// found nothing to say: what a walk over history patches into the
/// outcome of the commit before (any diagnostic, and the walk runs the
/// whole pipeline instead).
pub(crate) fn clean_implementation(
    f: &crate::workspace::SourceFile,
) -> Option<Arc<Implementation>> {
    if f.kind != Kind::Implementation || !f.read_clean() {
        return None;
    }
    match schema::check::<Implementation>(f) {
        (Some(v), d) if d.is_empty() => Some(Arc::new(v)),
        _ => None,
    }
}
