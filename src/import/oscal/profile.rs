//! OSCAL profile resolution into a native baseline.
//!
//! A profile's imports are resolved to catalogs (or, recursively, to other
//! profiles), its selections applied to them, and the result recorded as a
//! baseline of the one framework the controls come from: the selected ids in
//! catalog order, the parameter settings (`set-parameters`) and the text
//! changes (`alters`). `merge` only shapes a resolved catalog's structure,
//! which a baseline does not have, so it changes nothing here; duplicate
//! selections collapse to one id whatever the combine method says.

use super::catalog::{link_list_in, param_in, part_in, prop_list_in, select_in, slug};
use super::scope::{Candidate, Scope};
use super::{Document, OscalProfile, ProfileImport, Resource, Selection};
use crate::import::{ImportError, ImportOptions, native, read_source};
use crate::model::{
    Alter, AlterAdd, AlterRemove, BaselineFile, BaselineId, ControlId, Framework, ParamSetting,
    SCHEMA_VERSION, Source,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// What to do with a selected enhancement whose parent control is not
/// selected.
///
/// NIST's two resolvers disagree here (the rev5 PRIVACY profile selects six
/// such enhancements, e.g. `ac-3.14` without `ac-3`): the 5.0.1 resolved
/// catalog drops them (90 controls), the current resolver keeps them and
/// pulls their parents in as structure (102). Aegis keeps exactly what the
/// profile selects by default (96): a baseline is a list of requirements,
/// and the profile's author asked for those six enhancements, while their
/// parents were deliberately left out. `Drop` reproduces NIST 5.0.1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Orphans {
    #[default]
    Keep,
    Drop,
}

/// A resolved profile, ready to be written.
#[derive(Debug)]
pub struct Resolution {
    pub baseline: BaselineFile,
    /// The catalog the profile imports, when it is not in the repository
    /// yet and was read from a file: imported along with the baseline.
    pub new_framework: Option<Framework>,
    pub notes: Vec<String>,
}

/// How deep profiles may import profiles: NIST's and FedRAMP's go two
/// levels; a deeper chain is a mistake or an attack on the stack.
pub const MAX_PROFILE_DEPTH: usize = 32;

#[derive(Clone)]
struct Selected {
    catalog: Rc<Framework>,
    in_repo: bool,
    ids: Vec<String>,
    params: BTreeMap<String, ParamSetting>,
    alters: Vec<Alter>,
}

enum Source_ {
    Catalog(Rc<Framework>, bool),
    Profile(Selected),
}

struct Ctx<'a> {
    repo: &'a Path,
    opts: &'a ImportOptions,
    scope: Scope,
    stack: Vec<PathBuf>,
    catalogs: HashMap<PathBuf, Rc<Framework>>,
    /// Profiles already resolved, by canonical path: a profile imported
    /// twice (or by two others) is resolved once, so diamonds of imports
    /// cost their size, not two to the power of their depth.
    profiles: HashMap<PathBuf, Selected>,
    repo_frameworks: HashMap<String, Rc<Framework>>,
    notes: Vec<String>,
}

/// Resolves `profile` (read from `file`, whose bytes hash to `sha256`)
/// against the sources beside it and the frameworks of `repo`.
pub fn resolve_file(
    repo: &Path,
    file: &Path,
    profile: OscalProfile,
    sha256: &str,
    opts: &ImportOptions,
) -> Result<Resolution, ImportError> {
    let mut ctx = Ctx {
        repo,
        opts,
        scope: Scope::new(Some(file), repo),
        stack: vec![canonical(file)],
        catalogs: HashMap::new(),
        profiles: HashMap::new(),
        repo_frameworks: HashMap::new(),
        notes: Vec::new(),
    };
    let selected = resolve_profile(&mut ctx, file, &profile)?;
    let title = profile
        .metadata
        .get("title")
        .and_then(|t| t.as_str())
        .unwrap_or_default()
        .to_string();
    let id = match &opts.baseline {
        Some(b) => b.clone(),
        None => baseline_id(&title),
    };
    check_id(&id)?;
    let framework = selected.catalog.id.clone();
    let new_framework = if selected.in_repo
        || repo
            .join(native::framework_dir(framework.as_str()))
            .join("framework.yaml")
            .is_file()
    {
        None
    } else {
        Some((*selected.catalog).clone())
    };
    let baseline = BaselineFile {
        schema_version: SCHEMA_VERSION,
        framework,
        id: BaselineId(id),
        title: (!title.is_empty()).then_some(title),
        description: None,
        source: Some(Source {
            url: None,
            sha256: Some(sha256.to_string()),
            document: file.file_name().map(|n| n.to_string_lossy().into_owned()),
            last_modified: profile
                .metadata
                .get("last-modified")
                .and_then(|t| t.as_str())
                .map(str::to_string),
        }),
        controls: selected.ids.into_iter().map(ControlId).collect(),
        parameters: selected.params,
        alters: selected.alters,
    };
    Ok(Resolution {
        baseline,
        new_framework,
        notes: ctx.notes,
    })
}

fn check_id(id: &str) -> Result<(), ImportError> {
    super::catalog::check_framework_id(id)
}

/// A baseline id from a profile title: the impact level NIST and FedRAMP
/// name (`moderate`, `fedramp-high`, `fedramp-li-saas`), else a slug.
pub fn baseline_id(title: &str) -> String {
    let lower = title.to_lowercase();
    let fedramp = lower.contains("fedramp");
    let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    let level = if lower.contains("li-saas") {
        Some("li-saas")
    } else {
        ["low", "moderate", "high", "privacy"]
            .into_iter()
            .find(|l| words.contains(l))
    };
    match (fedramp, level) {
        (true, Some(l)) => format!("fedramp-{l}"),
        (false, Some(l)) => l.to_string(),
        _ => match slug(title) {
            s if s.is_empty() => "baseline".into(),
            s => s,
        },
    }
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

fn resolve_profile(
    ctx: &mut Ctx,
    file: &Path,
    profile: &OscalProfile,
) -> Result<Selected, ImportError> {
    let resources: &[Resource] = profile
        .back_matter
        .as_ref()
        .map_or(&[], |b| b.resources.as_slice());
    let mut result: Option<Selected> = None;
    for imp in &profile.imports {
        let source = resolve_import(ctx, file, resources, &imp.href)?;
        let (catalog, in_repo, universe, params, alters) = match source {
            Source_::Catalog(c, in_repo) => {
                let ids = c.controls.iter().map(|c| c.id.0.clone()).collect();
                (c, in_repo, ids, BTreeMap::new(), Vec::new())
            }
            Source_::Profile(s) => (s.catalog, s.in_repo, s.ids, s.params, s.alters),
        };
        let chosen = select(ctx, file, imp, &catalog, &universe);
        match &mut result {
            None => {
                result = Some(Selected {
                    catalog,
                    in_repo,
                    ids: chosen,
                    params,
                    alters,
                })
            }
            Some(r) => {
                if r.catalog.id != catalog.id || r.catalog.title != catalog.title {
                    return Err(ImportError::Invalid {
                        path: file.to_path_buf(),
                        message: format!(
                            "imports controls from two catalogs (`{}` and `{}`); a baseline belongs to one framework",
                            r.catalog.id, catalog.id
                        ),
                    });
                }
                r.ids.extend(chosen);
                for (k, v) in params {
                    r.params.insert(k, v);
                }
                r.alters.extend(alters);
            }
        }
    }
    let Some(mut sel) = result else {
        return Err(ImportError::Invalid {
            path: file.to_path_buf(),
            message: "the profile imports nothing".into(),
        });
    };
    // One id once, in catalog order.
    let wanted: HashSet<String> = sel.ids.drain(..).collect();
    let mut kept: HashSet<&str> = HashSet::new();
    let mut dropped = Vec::new();
    for c in &sel.catalog.controls {
        if !wanted.contains(c.id.as_str()) {
            continue;
        }
        let orphan = c
            .parent
            .as_ref()
            .is_some_and(|p| !kept.contains(p.as_str()));
        if orphan && ctx.opts.orphans == Orphans::Drop {
            dropped.push(c.id.0.clone());
            continue;
        }
        kept.insert(c.id.as_str());
        sel.ids.push(c.id.0.clone());
    }
    if !dropped.is_empty() {
        ctx.notes.push(format!(
            "{}: dropped {} enhancement(s) whose parent is not selected: {}",
            file.display(),
            dropped.len(),
            dropped.join(", ")
        ));
    }
    if let Some(m) = &profile.modify {
        for sp in &m.set_parameters {
            let e = sel.params.entry(sp.param_id.clone()).or_default();
            if !sp.values.is_empty() {
                e.values = sp.values.clone();
            }
            if sp.label.is_some() {
                e.label = sp.label.clone();
            }
            let constraints: Vec<String> = sp
                .constraints
                .iter()
                .filter_map(|c| c.description.clone())
                .collect();
            if !constraints.is_empty() {
                e.constraints = constraints;
            }
            if !sp.guidelines.is_empty() {
                e.guidelines = sp.guidelines.iter().map(|g| g.prose.clone()).collect();
            }
            if let Some(s) = &sp.select {
                e.select = Some(select_in(s));
            }
            if !sp.props.is_empty() {
                e.props = prop_list_in(&sp.props);
            }
        }
        for a in &m.alters {
            sel.alters.push(Alter {
                control: ControlId(a.control_id.clone()),
                removes: a
                    .removes
                    .iter()
                    .map(|r| AlterRemove {
                        by_name: r.by_name.clone(),
                        by_class: r.by_class.clone(),
                        by_id: r.by_id.clone(),
                        by_item_name: r.by_item_name.clone(),
                        by_ns: r.by_ns.clone(),
                    })
                    .collect(),
                adds: a
                    .adds
                    .iter()
                    .map(|ad| AlterAdd {
                        position: ad.position.clone(),
                        by_id: ad.by_id.clone(),
                        title: ad.title.clone(),
                        params: ad.params.iter().map(param_in).collect(),
                        props: prop_list_in(&ad.props),
                        links: link_list_in(&ad.links),
                        parts: ad.parts.iter().map(part_in).collect(),
                    })
                    .collect(),
            });
        }
    }
    Ok(sel)
}

/// The controls `imp` selects from `universe` (ids of `catalog`, in order).
fn select(
    ctx: &mut Ctx,
    file: &Path,
    imp: &ProfileImport,
    catalog: &Framework,
    universe: &[String],
) -> Vec<String> {
    let present: HashSet<&str> = universe.iter().map(String::as_str).collect();
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    for c in &catalog.controls {
        if let Some(p) = &c.parent {
            children.entry(p.as_str()).or_default().push(c.id.as_str());
        }
    }
    let mut unknown = Vec::new();
    let apply = |sels: &[Selection], out: &mut HashSet<String>, unknown: &mut Vec<String>| {
        for s in sels {
            let mut hits: Vec<&str> = Vec::new();
            for id in &s.with_ids {
                match present.get(id.as_str()) {
                    Some(p) => hits.push(p),
                    None => unknown.push(id.clone()),
                }
            }
            for m in &s.matching {
                hits.extend(
                    universe
                        .iter()
                        .map(String::as_str)
                        .filter(|id| glob(&m.pattern, id)),
                );
            }
            let deep = s.with_child_controls.as_deref() == Some("yes");
            while let Some(id) = hits.pop() {
                if !out.insert(id.to_string()) {
                    continue;
                }
                if deep {
                    for child in children.get(id).into_iter().flatten() {
                        if present.contains(child) {
                            hits.push(child);
                        }
                    }
                }
            }
        }
    };
    let mut included = HashSet::new();
    if imp.include_all.is_some() || imp.include_controls.is_empty() {
        included.extend(universe.iter().cloned());
    }
    apply(&imp.include_controls, &mut included, &mut unknown);
    let mut excluded = HashSet::new();
    apply(&imp.exclude_controls, &mut excluded, &mut unknown);
    if !unknown.is_empty() {
        unknown.sort();
        unknown.dedup();
        ctx.notes.push(format!(
            "{}: {} selected id(s) are not in `{}` and were skipped: {}",
            file.display(),
            unknown.len(),
            catalog.id,
            id_list(&unknown)
        ));
    }
    universe
        .iter()
        .filter(|id| included.contains(*id) && !excluded.contains(*id))
        .cloned()
        .collect()
}

/// Ids read from a profile, for a note: each escaped and cut, and at
/// most twenty of them.
fn id_list(ids: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut out: Vec<String> = ids
        .iter()
        .take(SHOWN)
        .map(|i| crate::excerpt::text(i))
        .collect();
    if ids.len() > SHOWN {
        out.push(format!("and {} more", ids.len() - SHOWN));
    }
    out.join(", ")
}

/// OSCAL `matching` patterns: `*` any run of characters, `?` one character.
fn glob(pattern: &str, s: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = s.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn basename(href: &str) -> &str {
    href.rsplit(['/', '\\']).next().unwrap_or(href)
}

fn resolve_import(
    ctx: &mut Ctx,
    file: &Path,
    resources: &[Resource],
    href: &str,
) -> Result<Source_, ImportError> {
    let real = canonical(file);
    let dir = real.parent().unwrap_or(Path::new("."));
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut titles: Vec<String> = Vec::new();
    // The href itself, then its file name beside the profile (NIST's
    // rlinks are paths inside NIST's repository, FedRAMP's are URLs).
    let push = |h: &str, candidates: &mut Vec<Candidate>| {
        match Scope::local(h) {
            Some(Ok(local)) => candidates.push(ctx.scope.admit(dir, &local)),
            Some(Err(reason)) => candidates.push(Candidate::Refused {
                shown: crate::excerpt::text(h),
                reason,
            }),
            None => {}
        }
        let b = basename(h);
        if !b.is_empty() && !b.starts_with('#') && b != h {
            candidates.push(ctx.scope.admit(dir, b));
        }
    };
    let mut wanted_version: Option<String> = None;
    if let Some(uuid) = href.strip_prefix('#') {
        let Some(res) = resources.iter().find(|r| r.uuid == uuid) else {
            return Err(ImportError::MissingImport {
                path: file.to_path_buf(),
                href: href.to_string(),
                tried: Vec::new(),
                hint: "; the profile's back-matter has no resource with that uuid".into(),
            });
        };
        for r in &res.rlinks {
            push(&r.href, &mut candidates);
            // NIST's file names (`NIST_SP-800-53_rev5_catalog.json`) name the
            // framework as well as a title does.
            let stem = basename(&r.href);
            titles.push(stem.rsplit_once('.').map_or(stem, |(s, _)| s).to_string());
        }
        titles.extend(res.title.clone());
        wanted_version = res
            .rest
            .get("props")
            .and_then(|p| p.as_array())
            .into_iter()
            .flatten()
            .find(|p| p.get("name").and_then(|n| n.as_str()) == Some("version"))
            .and_then(|p| p.get("value").and_then(|v| v.as_str()))
            .map(str::to_string);
    } else {
        push(href, &mut candidates);
    }
    let mut tried: Vec<String> = Vec::new();
    let mut found: Option<PathBuf> = None;
    let mut refused = false;
    for c in candidates {
        match c {
            Candidate::Found(p) => {
                found.get_or_insert(p);
            }
            Candidate::Missing(p) => tried.push(p.display().to_string()),
            Candidate::Refused { shown, reason } => {
                refused = true;
                tried.push(format!("{shown} (refused: {reason})"));
            }
        }
    }
    tried.dedup();
    if let Some(cand) = found {
        return read_import(ctx, cand);
    }
    // The profile may name the release it was written for (FedRAMP rev5
    // names 5.1.1); resolving against another is allowed but worth saying.
    let chosen = |ctx: &mut Ctx, fw: Rc<Framework>| {
        if let Some(v) = &wanted_version
            && *v != fw.version
        {
            ctx.notes.push(format!(
                "{}: the profile names version {} of its catalog; resolved against `{}` version {}",
                file.display(),
                crate::excerpt::text(v),
                fw.id,
                fw.version
            ));
        }
        Ok(Source_::Catalog(fw, true))
    };
    if let Some(id) = &ctx.opts.catalog {
        let fw = repo_framework(ctx, id)?;
        return chosen(ctx, fw);
    }
    // A framework already imported under the title the resource gives, or
    // under the id that title would get.
    for id in native::framework_ids(ctx.repo) {
        let fw = repo_framework(ctx, &id)?;
        let by_title = titles.iter().any(|t| t.eq_ignore_ascii_case(&fw.title));
        let by_id = titles
            .iter()
            .any(|t| super::catalog::derive_id(t, "") == id);
        if by_title || by_id {
            return chosen(ctx, fw);
        }
    }
    let rule = if refused {
        format!(
            "; Aegis reads a profile's imports only inside {} and never follows them elsewhere",
            ctx.scope.describe()
        )
    } else {
        String::new()
    };
    Err(ImportError::MissingImport {
        path: file.to_path_buf(),
        href: href.to_string(),
        tried,
        hint: format!(
            "{rule}; put the catalog beside the profile, or import it first and pass --catalog <framework-id>"
        ),
    })
}

/// Reads the import found at `cand` (canonical, inside the scope): a
/// catalog, or a profile resolved in turn.
fn read_import(ctx: &mut Ctx, cand: PathBuf) -> Result<Source_, ImportError> {
    if ctx.stack.contains(&cand) {
        let mut chain: Vec<String> = ctx.stack.iter().map(|p| p.display().to_string()).collect();
        chain.push(cand.display().to_string());
        return Err(ImportError::Cycle { chain });
    }
    if let Some(c) = ctx.catalogs.get(&cand) {
        return Ok(Source_::Catalog(c.clone(), false));
    }
    if let Some(s) = ctx.profiles.get(&cand) {
        return Ok(Source_::Profile(s.clone()));
    }
    let (text, sha) = read_source(&cand)?;
    // With --catalog a catalog beside the profile is not needed: skip
    // parsing it (megabytes of XML for NIST's files), but still follow a
    // profile to the profile it imports.
    if let Some(id) = &ctx.opts.catalog
        && !looks_like_profile(&text)
    {
        return Ok(Source_::Catalog(repo_framework(ctx, id)?, true));
    }
    match super::parse(&text, &cand)? {
        Document::Catalog(cat) => {
            if let Some(id) = &ctx.opts.catalog {
                return Ok(Source_::Catalog(repo_framework(ctx, id)?, true));
            }
            let fw = Rc::new(
                super::catalog::to_native(&cat, ctx.opts.id.as_deref(), &cand, &sha)
                    .map_err(|e| super::locate_duplicate(e, &text))?,
            );
            ctx.catalogs.insert(cand, fw.clone());
            Ok(Source_::Catalog(fw, false))
        }
        Document::Profile(p) => {
            if ctx.stack.len() >= MAX_PROFILE_DEPTH {
                let mut chain: Vec<String> = ctx.stack.iter().map(|p| file_name(p)).collect();
                chain.push(file_name(&cand));
                return Err(ImportError::TooDeep {
                    max: MAX_PROFILE_DEPTH,
                    chain,
                });
            }
            ctx.stack.push(cand.clone());
            let s = resolve_profile(ctx, &cand, &p)?;
            ctx.stack.pop();
            ctx.profiles.insert(cand, s.clone());
            Ok(Source_::Profile(s))
        }
    }
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Whether an OSCAL document's root is a profile, judged from its first
/// kilobytes (the root key or element comes before any content).
fn looks_like_profile(text: &str) -> bool {
    let head = &text[..text.len().min(4096)];
    let head = &head[..(0..=head.len())
        .rev()
        .find(|i| head.is_char_boundary(*i))
        .unwrap_or(0)];
    head.contains("\"profile\"")
        || head.contains("<profile")
        || head.lines().any(|l| l.trim_start().starts_with("profile:"))
}

fn repo_framework(ctx: &mut Ctx, id: &str) -> Result<Rc<Framework>, ImportError> {
    if let Some(f) = ctx.repo_frameworks.get(id) {
        return Ok(f.clone());
    }
    let loaded = native::load(ctx.repo, id)?;
    let fw = Rc::new(loaded.framework);
    ctx.repo_frameworks.insert(id.to_string(), fw.clone());
    Ok(fw)
}

/// A baseline of `fw` as an OSCAL profile importing its catalog from
/// `catalog_href`: the selection as `with-ids`, the parameter settings as
/// `set-parameters`, the alterations as `alters`, and the `last-modified`
/// of the profile it was imported from (else the framework's). Importing it
/// beside that catalog gives the same baseline back.
pub fn to_oscal_profile(b: &BaselineFile, fw: &Framework, catalog_href: &str) -> serde_json::Value {
    let version = fw.version.as_str();
    let last_modified = b
        .source
        .as_ref()
        .and_then(|s| s.last_modified.clone())
        .unwrap_or_else(|| super::catalog::last_modified_fallback(fw));
    use super::catalog::{link_out, param_out, part_out, prop_out, uuid_from};
    use serde_json::{Map, Value, json};
    let set_parameters: Vec<Value> = b
        .parameters
        .iter()
        .map(|(id, p)| {
            let mut m = Map::new();
            m.insert("param-id".into(), json!(id));
            if !p.props.is_empty() {
                m.insert(
                    "props".into(),
                    json!(p.props.iter().map(prop_out).collect::<Vec<_>>()),
                );
            }
            if let Some(l) = &p.label {
                m.insert("label".into(), json!(l));
            }
            if !p.constraints.is_empty() {
                let c: Vec<Value> = p
                    .constraints
                    .iter()
                    .map(|d| json!({ "description": d }))
                    .collect();
                m.insert("constraints".into(), json!(c));
            }
            if !p.guidelines.is_empty() {
                let g: Vec<Value> = p.guidelines.iter().map(|d| json!({ "prose": d })).collect();
                m.insert("guidelines".into(), json!(g));
            }
            if !p.values.is_empty() {
                m.insert("values".into(), json!(p.values));
            }
            if let Some(sel) = &p.select {
                let mut sm = Map::new();
                if let Some(h) = &sel.how_many {
                    sm.insert("how-many".into(), json!(h));
                }
                sm.insert("choice".into(), json!(sel.choice));
                m.insert("select".into(), Value::Object(sm));
            }
            Value::Object(m)
        })
        .collect();
    let alters: Vec<Value> = b
        .alters
        .iter()
        .map(|a| {
            let mut m = Map::new();
            m.insert("control-id".into(), json!(a.control));
            if !a.removes.is_empty() {
                let r: Vec<Value> = a
                    .removes
                    .iter()
                    .map(|r| {
                        let mut rm = Map::new();
                        for (k, v) in [
                            ("by-name", &r.by_name),
                            ("by-class", &r.by_class),
                            ("by-id", &r.by_id),
                            ("by-item-name", &r.by_item_name),
                            ("by-ns", &r.by_ns),
                        ] {
                            if let Some(v) = v {
                                rm.insert(k.into(), json!(v));
                            }
                        }
                        Value::Object(rm)
                    })
                    .collect();
                m.insert("removes".into(), json!(r));
            }
            if !a.adds.is_empty() {
                let adds: Vec<Value> = a
                    .adds
                    .iter()
                    .map(|ad| {
                        let mut am = Map::new();
                        if let Some(p) = &ad.position {
                            am.insert("position".into(), json!(p));
                        }
                        if let Some(i) = &ad.by_id {
                            am.insert("by-id".into(), json!(i));
                        }
                        if let Some(t) = &ad.title {
                            am.insert("title".into(), json!(t));
                        }
                        let params: Vec<_> = ad.params.iter().map(param_out).collect();
                        let props: Vec<_> = ad.props.iter().map(prop_out).collect();
                        let links: Vec<_> = ad.links.iter().map(link_out).collect();
                        let parts: Vec<_> = ad.parts.iter().map(part_out).collect();
                        for (k, v) in [
                            ("params", json!(params)),
                            ("props", json!(props)),
                            ("links", json!(links)),
                            ("parts", json!(parts)),
                        ] {
                            if v.as_array().is_some_and(|a| !a.is_empty()) {
                                am.insert(k.into(), v);
                            }
                        }
                        Value::Object(am)
                    })
                    .collect();
                m.insert("adds".into(), json!(adds));
            }
            Value::Object(m)
        })
        .collect();
    let mut modify = Map::new();
    if !set_parameters.is_empty() {
        modify.insert("set-parameters".into(), json!(set_parameters));
    }
    if !alters.is_empty() {
        modify.insert("alters".into(), json!(alters));
    }
    let mut profile = Map::new();
    profile.insert(
        "uuid".into(),
        json!(uuid_from(&format!("{}@{}", b.framework, b.id))),
    );
    profile.insert(
        "metadata".into(),
        json!({
            "title": b.title.clone().unwrap_or_else(|| b.id.0.clone()),
            "last-modified": last_modified,
            "version": version,
            "oscal-version": "1.1.2",
        }),
    );
    profile.insert(
        "imports".into(),
        json!([{
            "href": catalog_href,
            "include-controls": [{ "with-ids": b.controls }],
        }]),
    );
    profile.insert("merge".into(), json!({ "as-is": true }));
    if !modify.is_empty() {
        profile.insert("modify".into(), Value::Object(modify));
    }
    json!({ "profile": profile })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_oscal_patterns() {
        assert!(glob("ac-*", "ac-2.1"));
        assert!(glob("ac-?", "ac-2"));
        assert!(!glob("ac-?", "ac-22"));
        assert!(glob("*", ""));
        assert!(!glob("au-*", "ac-1"));
    }

    #[test]
    fn baseline_ids_name_the_level() {
        assert_eq!(
            baseline_id("NIST Special Publication 800-53 Revision 5 MODERATE IMPACT BASELINE"),
            "moderate"
        );
        assert_eq!(baseline_id("FedRAMP Rev 5 High Baseline"), "fedramp-high");
        assert_eq!(
            baseline_id(
                "FedRAMP Rev 5 Tailored Low Impact Software as a Service (LI-SaaS) Baseline"
            ),
            "fedramp-li-saas"
        );
        assert_eq!(baseline_id("Our Cloud Profile"), "our-cloud-profile");
    }
}
