//! Every reference between records points at something that exists:
//! controls (and whether they are withdrawn), frameworks, baselines,
//! systems, evidence, policies and risks.

use super::config::unknown_system_help;
use super::index::{Resolved, unknown_framework};
use super::{Ctx, Located, Repo};
use crate::diag::Code;
use crate::hashing::HashSet;
use crate::model::{ControlRef, Implementation};

/// The system an implementation belongs to: its `system` key, or the
/// directory it sits in.
pub(super) fn system_of<'a>(ctx: &Ctx<'a>, imp: &'a Located<Implementation>) -> &'a str {
    system_of_file(ctx.path(imp.file), &imp.value)
}

/// `system_of` for an implementation read from repository path `path`.
pub(crate) fn system_of_file<'a>(path: &'a str, imp: &'a Implementation) -> &'a str {
    match &imp.system {
        Some(s) => s.as_str(),
        None => path.split('/').nth(1).unwrap_or_default(),
    }
}

/// The frameworks a short control id of an implementation of `system` is
/// looked up in first: those the system selects in aegis.yaml. `None` when
/// aegis.yaml does not define the system; the caller then searches every
/// framework (and validation reports the unknown system).
pub(crate) fn implementation_context(repo: &Repo, system: &str) -> Option<Vec<String>> {
    let config = repo.config.as_ref()?;
    let s = config.systems.iter().find(|s| s.id.as_str() == system)?;
    Some(frameworks_of(s))
}

/// A system may select several baselines of one framework; each framework
/// is searched once, or every short id would look ambiguous.
fn frameworks_of(s: &crate::model::System) -> Vec<String> {
    let mut seen = HashSet::default();
    s.frameworks
        .iter()
        .map(|f| f.framework.0.clone())
        .filter(|f| seen.insert(f.clone()))
        .collect()
}

/// `implementation_context` of every system, and every framework, made
/// once per run: every implementation and finding asks for its system's.
#[derive(Debug, Default)]
pub struct Contexts {
    by_system: crate::hashing::HashMap<String, Vec<String>>,
    /// Every framework of the index, for files about no known system.
    pub all: Vec<String>,
}

impl Contexts {
    pub(crate) fn new(repo: &Repo, index: &super::Index) -> Contexts {
        let mut by_system = crate::hashing::HashMap::default();
        for s in repo.config.iter().flat_map(|c| c.systems.iter()) {
            // The first definition of a repeated id counts, as everywhere.
            by_system
                .entry(s.id.0.clone())
                .or_insert_with(|| frameworks_of(s));
        }
        Contexts {
            by_system,
            all: index.frameworks.keys().cloned().collect(),
        }
    }

    /// `implementation_context(repo, system)`, borrowed.
    pub fn of(&self, system: &str) -> Option<&[String]> {
        self.by_system.get(system).map(Vec::as_slice)
    }
}

/// What the reference rules look an implementation's ids up in: made once
/// per run from everything but the implementations, so a walk over history
/// can check a changed implementation against a world it holds.
pub(super) struct Known {
    config_ok: bool,
    systems: Vec<String>,
    evidence: HashSet<String>,
    policies: HashSet<String>,
    // Only hints need them, so they are made on the first unknown id.
    evidence_names: std::sync::OnceLock<Vec<String>>,
    policy_names: std::sync::OnceLock<Vec<String>>,
}

impl Known {
    pub(super) fn new(ctx: &Ctx) -> Known {
        let repo = ctx.repo;
        Known {
            // Without a valid aegis.yaml every system would look unknown;
            // its own diagnostics say what is wrong, so system checks wait
            // for it.
            config_ok: repo.config.is_some(),
            systems: ctx.systems().iter().map(|s| s.id.0.clone()).collect(),
            evidence: repo.evidence.iter().map(|e| e.value.id.0.clone()).collect(),
            policies: repo.policies.iter().map(|p| p.value.id.0.clone()).collect(),
            evidence_names: Default::default(),
            policy_names: Default::default(),
        }
    }
}

/// Sorted: a hint picks the best match, and ties must fall the same way
/// every run.
fn sorted<S: AsRef<str>>(ids: &HashSet<S>) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.as_ref().to_string()).collect();
    v.sort();
    v
}

/// The reference rules for one implementation: its system, its control
/// (returned when it exists), the evidence and policies it cites and the
/// system it inherits from.
pub(super) fn implementation(
    ctx: &mut Ctx,
    contexts: &Contexts,
    known: &Known,
    imp: &Located<Implementation>,
) -> Option<(std::sync::Arc<str>, usize)> {
    let system = system_of(ctx, imp);
    let context: &[String] = match contexts.of(system) {
        Some(frameworks) => frameworks,
        None => {
            let (ptr, msg) = match imp.value.system {
                Some(_) => (
                    "/system",
                    format!("system `{system}` is not defined in aegis.yaml"),
                ),
                None => (
                    "",
                    format!(
                        "this file is under implementations/{system}/, but no system `{system}` is defined in aegis.yaml"
                    ),
                ),
            };
            let pos = if ptr.is_empty() {
                crate::diag::Pos::START
            } else {
                ctx.pos(imp.file, ptr)
            };
            if known.config_ok {
                ctx.emit_at(
                    Code::UnknownSystem,
                    imp.file,
                    pos,
                    msg,
                    unknown_system_help(ctx, system, &known.systems),
                );
            }
            &contexts.all
        }
    };
    let found = control(
        ctx,
        imp.file,
        &|| "/control".into(),
        &imp.value.control,
        context,
    );
    match &found {
        Some(found) => implementation_parameters(ctx, imp, found),
        // The id itself is wrong; suggesting to rename the file after it
        // would be the wrong fix.
        None => {
            ctx.unresolved.insert(imp.file);
        }
    }
    for (i, e) in imp.value.evidence.iter().enumerate() {
        if !known.evidence.contains(e.as_str()) && !ctx.broken.evidence.contains(e.as_str()) {
            ctx.emit(
                Code::UnknownEvidence,
                imp.file,
                &format!("/evidence/{i}"),
                format!("evidence `{e}` does not exist"),
                id_help(
                    ctx,
                    e.as_str(),
                    known.evidence_names.get_or_init(|| sorted(&known.evidence)),
                    "create evidence/<id>.yaml for it",
                ),
            );
        }
    }
    for (i, p) in imp.value.policies.iter().enumerate() {
        if !known.policies.contains(p.as_str()) && !ctx.broken.policies.contains(p.as_str()) {
            ctx.emit(
                Code::UnknownPolicy,
                imp.file,
                &format!("/policies/{i}"),
                format!("policy `{p}` does not exist"),
                id_help(
                    ctx,
                    p.as_str(),
                    known.policy_names.get_or_init(|| sorted(&known.policies)),
                    "create policies/<id>.md with front matter for it",
                ),
            );
        }
    }
    if let Some(from) = &imp.value.inherited_from
        && known.config_ok
        && !ctx.has_system(from.as_str())
    {
        ctx.emit(
            Code::UnknownSystem,
            imp.file,
            "/inherited_from",
            format!(
                "control is inherited from system `{from}`, which is not defined in aegis.yaml"
            ),
            unknown_system_help(ctx, from.as_str(), &known.systems),
        );
    }
    found
}

/// The reference rules for everything but implementations (see
/// `implementation`).
pub(super) fn check(ctx: &mut Ctx, contexts: &Contexts) {
    let repo = ctx.repo;
    let all_frameworks = &contexts.all;
    let systems: Vec<String> = ctx.systems().iter().map(|s| s.id.0.clone()).collect();
    let config_ok = repo.config.is_some();
    let policy_ids: HashSet<&str> = repo.policies.iter().map(|p| p.value.id.as_str()).collect();
    let policy_names = std::cell::OnceCell::new();
    let risk_ids: HashSet<&str> = repo.risks.iter().map(|r| r.value.id.as_str()).collect();
    let risk_names = std::cell::OnceCell::new();

    for ev in &repo.evidence {
        for (i, r) in ev.value.controls.iter().enumerate() {
            control(
                ctx,
                ev.file,
                &|| format!("/controls/{i}"),
                r,
                all_frameworks,
            );
        }
    }
    for p in &repo.policies {
        for (i, r) in p.value.controls.iter().enumerate() {
            control(ctx, p.file, &|| format!("/controls/{i}"), r, all_frameworks);
        }
    }
    for ex in &repo.exceptions {
        let context = system_frameworks(ctx, ex.value.system.as_str(), all_frameworks);
        if config_ok && !ctx.has_system(ex.value.system.as_str()) {
            ctx.emit(
                Code::UnknownSystem,
                ex.file,
                "/system",
                format!("system `{}` is not defined in aegis.yaml", ex.value.system),
                unknown_system_help(ctx, ex.value.system.as_str(), &systems),
            );
        }
        for (i, r) in ex.value.controls.iter().enumerate() {
            control(ctx, ex.file, &|| format!("/controls/{i}"), r, &context);
        }
        for (i, r) in ex.value.compensating_controls.iter().enumerate() {
            control(
                ctx,
                ex.file,
                &|| format!("/compensating_controls/{i}"),
                r,
                &context,
            );
        }
        for (i, r) in ex.value.risks.iter().enumerate() {
            if !risk_ids.contains(r.as_str()) && !ctx.broken.risks.contains(r.as_str()) {
                ctx.emit(
                    Code::UnknownRisk,
                    ex.file,
                    &format!("/risks/{i}"),
                    format!("risk `{r}` does not exist"),
                    id_help(
                        ctx,
                        r.as_str(),
                        risk_names.get_or_init(|| sorted(&risk_ids)),
                        "create risks/<id>.yaml for it",
                    ),
                );
            }
        }
    }
    for risk in &repo.risks {
        for (i, s) in risk.value.systems.iter().enumerate() {
            if config_ok && !ctx.has_system(s.as_str()) {
                ctx.emit(
                    Code::UnknownSystem,
                    risk.file,
                    &format!("/systems/{i}"),
                    format!("system `{s}` is not defined in aegis.yaml"),
                    unknown_system_help(ctx, s.as_str(), &systems),
                );
            }
        }
        for (i, r) in risk.value.controls.iter().enumerate() {
            control(
                ctx,
                risk.file,
                &|| format!("/controls/{i}"),
                r,
                all_frameworks,
            );
        }
    }
    for set in &repo.findings {
        if config_ok && !ctx.has_system(set.value.system.as_str()) {
            ctx.emit(
                Code::UnknownSystem,
                set.file,
                "/system",
                format!("system `{}` is not defined in aegis.yaml", set.value.system),
                unknown_system_help(ctx, set.value.system.as_str(), &systems),
            );
        }
        let context = system_frameworks(ctx, set.value.system.as_str(), all_frameworks);
        for (i, f) in set.value.findings.iter().enumerate() {
            for (j, r) in f.controls.iter().enumerate() {
                control(
                    ctx,
                    set.file,
                    &|| format!("/findings/{i}/controls/{j}"),
                    r,
                    &context,
                );
            }
        }
    }
    for ledger in &repo.approvals {
        for (i, a) in ledger.value.approvals.iter().enumerate() {
            // A policy that exists but does not parse has its own diagnostic.
            if !policy_ids.contains(a.policy.as_str())
                && !ctx.broken.policies.contains(a.policy.as_str())
            {
                ctx.emit(
                    Code::UnknownPolicy,
                    ledger.file,
                    &format!("/approvals/{i}/policy"),
                    format!("approval for policy `{}`, which does not exist", a.policy),
                    id_help(
                        ctx,
                        a.policy.as_str(),
                        policy_names.get_or_init(|| sorted(&policy_ids)),
                        "remove the stale approval, or restore the policy",
                    ),
                );
            }
        }
    }
    for m in &repo.mappings {
        let mut sides = Vec::new();
        for (key, fw) in [("/source", &m.value.source), ("/target", &m.value.target)] {
            if ctx.index.frameworks.contains_key(fw.as_str()) {
                sides.push(Some(fw.0.clone()));
            } else {
                unknown_framework(ctx, m.file, key, fw.as_str(), all_frameworks);
                sides.push(None);
            }
        }
        for (i, rel) in m.value.relationships.iter().enumerate() {
            if let Some(src) = &sides[0] {
                let r = ControlRef(format!("{src}:{}", rel.source));
                control(
                    ctx,
                    m.file,
                    &|| format!("/relationships/{i}/source"),
                    &r,
                    &[],
                );
            }
            if let Some(tgt) = &sides[1] {
                for (j, t) in rel.targets.iter().enumerate() {
                    let r = ControlRef(format!("{tgt}:{t}"));
                    control(
                        ctx,
                        m.file,
                        &|| format!("/relationships/{i}/targets/{j}"),
                        &r,
                        &[],
                    );
                }
            }
        }
    }
    for t in &repo.reference_tables {
        let fw = t.value.framework.as_str();
        if !ctx.index.frameworks.contains_key(fw) {
            if !ctx.broken.frameworks.contains(fw) {
                unknown_framework(ctx, t.file, "/framework", fw, all_frameworks);
            }
            continue;
        }
        for (key, controls) in &t.value.map {
            let key_ptr = key.replace('~', "~0").replace('/', "~1");
            for (i, c) in controls.iter().enumerate() {
                let r = ControlRef(format!("{fw}:{c}"));
                control(ctx, t.file, &|| format!("/map/{key_ptr}/{i}"), &r, &[]);
            }
        }
    }
    if let Some(config) = &repo.config {
        for (i, r) in config.findings.unmapped.iter().enumerate() {
            control(
                ctx,
                0,
                &|| format!("/findings/unmapped/{i}"),
                r,
                all_frameworks,
            );
        }
    }
    // A baseline's controls are checked against its own framework. Most
    // name a current control and are settled by a lookup; only the others
    // are copied out to be reported (the report needs `ctx` mutably).
    type Unsettled = (usize, String, ControlRef);
    type UnknownParams = (String, usize, String, Vec<String>);
    let mut unsettled: Vec<Unsettled> = Vec::new();
    let mut unknown_params: Vec<UnknownParams> = Vec::new();
    for (fw, e) in &ctx.index.frameworks {
        let current = |c: &crate::model::ControlId| e.current(c.as_str()).is_some();
        for b in e.baselines.values() {
            for (i, c) in b.controls.iter().enumerate() {
                if !current(c) {
                    let at = format!("{}/controls/{i}", b.pointer);
                    unsettled.push((b.file, at, ControlRef(format!("{fw}:{c}"))));
                }
            }
            for (i, c) in b.alters.iter().enumerate() {
                if !current(c) {
                    let at = format!("{}/alters/{i}/control", b.pointer);
                    unsettled.push((b.file, at, ControlRef(format!("{fw}:{c}"))));
                }
            }
            let unknown: Vec<String> = b
                .parameters
                .iter()
                .filter(|p| !e.params.contains(*p))
                .cloned()
                .collect();
            if !unknown.is_empty() {
                unknown_params.push((fw.clone(), b.file, b.pointer.clone(), unknown));
            }
        }
    }
    for (file, at, r) in unsettled {
        control(ctx, file, &|| at.clone(), &r, &[]);
    }
    for (fw, file, ptr, unknown) in unknown_params {
        baseline_parameters(ctx, &fw, file, &ptr, &unknown);
    }
}

/// Parameter settings of a baseline that its framework does not define. A
/// profile written for another release of a catalog (FedRAMP rev5 names
/// 5.1.1's `ac-01_odp.01` ids) can miss hundreds, so they are reported once
/// per baseline rather than once each.
fn baseline_parameters(ctx: &mut Ctx, fw: &str, file: usize, ptr: &str, unknown: &[String]) {
    let Some(first) = unknown.first() else {
        return;
    };
    let parameters = format!("{ptr}/parameters");
    if unknown.len() == 1 {
        let pos = ctx.key_pos(file, &parameters, first);
        ctx.emit_at(
            Code::UnknownParameter,
            file,
            pos,
            format!("framework `{fw}` defines no parameter `{first}`"),
            "check the parameter id against the control's `params` (`aegis framework show`), or remove the setting".into(),
        );
        return;
    }
    let shown: Vec<&str> = unknown.iter().take(5).map(String::as_str).collect();
    let more = if unknown.len() > shown.len() {
        format!(" and {} more", unknown.len() - shown.len())
    } else {
        String::new()
    };
    let pos = ctx.key_pos(file, ptr, "parameters");
    ctx.emit_at(
        Code::UnknownParameter,
        file,
        pos,
        format!(
            "{} parameter settings name parameters framework `{fw}` does not define: {}{more}",
            unknown.len(),
            shown.join(", ")
        ),
        "the baseline was probably written for another release of the catalog; import the release it names, or remove these settings".into(),
    );
}

/// An implementation's parameter values must name parameters of its control.
fn implementation_parameters(
    ctx: &mut Ctx,
    imp: &Located<Implementation>,
    (framework, control): &(std::sync::Arc<str>, usize),
) {
    if imp.value.parameters.is_empty() {
        return;
    }
    let Some(c) = ctx.index.control(framework, *control) else {
        return;
    };
    // Every key known, the common case, copies nothing.
    if imp
        .value
        .parameters
        .keys()
        .all(|key| c.params.iter().any(|p| p == key))
    {
        return;
    }
    let known = c.params.clone();
    let shown = c.display().to_string();
    for key in imp.value.parameters.keys() {
        if known.iter().any(|p| p == key) {
            continue;
        }
        let pos = ctx.key_pos(imp.file, "/parameters", key);
        let help = match ctx.index.hints.did_you_mean(key, &known) {
            Some(s) => format!("did you mean `{s}`?"),
            None if known.is_empty() => {
                format!("control `{shown}` has no parameters; remove `parameters:`")
            }
            None => format!("parameters of `{shown}`: {}", known.join(", ")),
        };
        ctx.emit_at(
            Code::UnknownParameter,
            imp.file,
            pos,
            format!("control `{shown}` has no parameter `{key}`"),
            help,
        );
    }
}

fn system_frameworks(ctx: &Ctx, system: &str, all: &[String]) -> Vec<String> {
    match ctx.system(&crate::model::SystemId(system.to_string())) {
        Some(s) => s.frameworks.iter().map(|f| f.framework.0.clone()).collect(),
        None => all.to_vec(),
    }
}

fn id_help(ctx: &Ctx, id: &str, known: &[String], otherwise: &str) -> String {
    match ctx.index.hints.did_you_mean(id, known) {
        Some(s) => format!("did you mean `{s}`?"),
        None => otherwise.to_string(),
    }
}

/// Checks one control reference at `pointer` of `file`; returns the control
/// it names when it exists.
fn control(
    ctx: &mut Ctx,
    file: usize,
    pointer: &dyn Fn() -> String,
    r: &ControlRef,
    context: &[String],
) -> Option<(std::sync::Arc<str>, usize)> {
    // Most references name their framework and a current control; they
    // are settled here without building a `Resolved`, which copies names,
    // since a walk over history checks every reference of every commit.
    if let (Some(fw), ctl) = r.split()
        && let Some(entry) = ctx.index.frameworks.get(fw)
        && let Some(i) = entry.current(ctl)
    {
        return Some((entry.id.clone(), i));
    }
    let resolved = ctx.index.resolve(r, context);
    let found = match &resolved {
        Resolved::Found { framework, control } => ctx
            .index
            .frameworks
            .get(framework)
            .map(|e| (e.id.clone(), *control)),
        _ => None,
    };
    report_control(ctx, file, &pointer(), r, resolved);
    found
}

fn report_control(ctx: &mut Ctx, file: usize, pointer: &str, r: &ControlRef, resolved: Resolved) {
    let broken = &ctx.broken.frameworks;
    let follow_on = match &resolved {
        Resolved::UnknownFramework { framework, .. } => broken.contains(framework),
        Resolved::UnknownControl {
            framework: Some(fw),
            ..
        } => broken.contains(fw),
        Resolved::UnknownControl {
            framework: None, ..
        } => !broken.is_empty(),
        _ => false,
    };
    if follow_on {
        return;
    }
    match resolved {
        Resolved::Found { framework, control } => {
            let Some(c) = ctx.index.control(&framework, control) else {
                return;
            };
            if c.withdrawn {
                let message = format!(
                    "control `{}` of `{framework}` has been withdrawn by its publisher",
                    c.display()
                );
                let help = if c.replaced_by.is_empty() {
                    "reference a current control instead".to_string()
                } else {
                    let to: Vec<String> = c
                        .replaced_by
                        .iter()
                        .map(|t| {
                            ctx.index
                                .frameworks
                                .get(&framework)
                                .and_then(|e| e.control(t.as_str()).and_then(|i| e.controls.get(i)))
                                .map_or_else(|| t.to_string(), |e| e.display().to_string())
                        })
                        .collect();
                    format!(
                        "its requirements moved to {}; reference that instead",
                        to.join(", ")
                    )
                };
                ctx.emit(Code::WithdrawnControl, file, pointer, message, help);
            }
        }
        Resolved::UnknownFramework {
            framework,
            suggestion,
        } => {
            let help = match suggestion {
                Some(s) => format!("did you mean `{s}:`?"),
                None => {
                    "import the framework with `aegis framework import`, or fix the prefix".into()
                }
            };
            ctx.emit(
                Code::UnknownFramework,
                file,
                pointer,
                format!("framework `{framework}` is not defined under controls/"),
                help,
            );
        }
        Resolved::UnknownControl {
            framework,
            suggestion,
        } => {
            let (_, id) = r.parts();
            let message = match &framework {
                Some(fw) => format!("control `{id}` is not in framework `{fw}`"),
                None => format!("control `{id}` is not in any framework of this repository"),
            };
            let help = match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => {
                    "check the id against the framework's catalog (`aegis framework show`)".into()
                }
            };
            ctx.emit(Code::UnknownControl, file, pointer, message, help);
        }
        Resolved::Ambiguous(frameworks) => {
            let (_, id) = r.parts();
            ctx.emit(
                Code::AmbiguousControl,
                file,
                pointer,
                format!(
                    "control `{id}` exists in several frameworks: {}",
                    frameworks.join(", ")
                ),
                format!("write the framework too, e.g. `{}:{id}`", frameworks[0]),
            );
        }
    }
}
