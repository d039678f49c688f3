//! `aegis oscal import`: an OSCAL system security plan or component
//! definition (JSON, YAML or XML) into the repository, so a team coming
//! from compliance-trestle, Lula or a FedRAMP package keeps its work: the
//! SSP's system goes into aegis.yaml, each implemented requirement into
//! `implementations/<system>/<control>.yaml`.
//!
//! Everything is read and placed in memory first; requirements that cannot
//! be placed are reported with their location, never dropped. Existing
//! files and systems are never changed silently: files are kept unless
//! `replace`, a system's differences are reported.

pub mod read;
pub mod resolve;
pub(crate) mod system;

use crate::import::{ImportError, native};
use crate::model::{ControlRef, ImplStatus, Implementation, normalize_control_id};
use crate::schema::Kind;
use read::{Model, Plan, Requirement};
use resolve::{Catalogs, Found, Miss, safe_file_stem};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// What `aegis oscal import` was asked to do.
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    pub system: Option<String>,
    pub framework: Option<String>,
    pub dry_run: bool,
    pub replace: bool,
}

/// What happened to one implementation file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileAction {
    Written,
    Unchanged,
    /// An existing file with other content, left as it is (no `--replace`).
    Kept,
}

#[derive(Clone, Debug, Serialize)]
pub struct FileOutcome {
    pub path: String,
    pub control: String,
    pub status: &'static str,
    pub action: FileAction,
}

/// A requirement that is not in the repository after the import, and why.
#[derive(Clone, Debug, Serialize)]
pub struct NotPlaced {
    /// JSON pointer (JSON, YAML) or XML path (XML) of the requirement.
    pub location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub control: String,
    pub reason: String,
}

/// What became of the plan's system in aegis.yaml.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case", tag = "action")]
pub enum SystemAction {
    Added,
    /// Already in aegis.yaml; what the plan says differently is listed
    /// and left for the user to decide.
    Exists {
        differences: Vec<String>,
    },
    /// A component definition: the system named with `--system`.
    Named,
    Missing,
}

#[derive(Debug, Serialize)]
pub struct Outcome {
    pub model: &'static str,
    pub system: Option<String>,
    pub system_action: SystemAction,
    pub dry_run: bool,
    pub files: Vec<FileOutcome>,
    pub not_placed: Vec<NotPlaced>,
    pub notes: Vec<String>,
}

impl Outcome {
    pub fn count(&self, a: FileAction) -> usize {
        self.files.iter().filter(|f| f.action == a).count()
    }
}

/// Imports the SSP or component definition `file` into the repository at
/// `repo`.
pub fn import(repo: &Path, file: &Path, opts: &PlanOptions) -> Result<Outcome, ImportError> {
    let (shown, bytes) = crate::import::read_input(file)?;
    let text = String::from_utf8(bytes).map_err(|e| ImportError::NotUtf8 {
        path: shown.clone(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    let value = crate::import::oscal::parse_value(&text, &shown)?;
    let plan = read::read(&value).map_err(|roots| ImportError::Invalid {
        path: shown.clone(),
        message: format!(
            "not an OSCAL system security plan or component definition (expected a top-level `system-security-plan` or `component-definition`, found {}); catalogs and profiles go through `aegis framework import`",
            if roots.is_empty() {
                "nothing".to_string()
            } else {
                roots
                    .iter()
                    .map(|r| format!("`{}`", crate::excerpt::text(r)))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
    })?;
    let xml = crate::import::oscal::detect(&text) == crate::import::oscal::Syntax::Xml;
    // One writer at a time in implementations/ (a dry run writes nothing,
    // so it takes no lock and creates no folder).
    let _lock = if opts.dry_run {
        None
    } else {
        let dir = repo.join("implementations");
        match crate::write::try_lock_dir(&dir) {
            Ok(Some(l)) => Some(l),
            Ok(None) => {
                return Err(ImportError::Invalid {
                    path: dir,
                    message:
                        "another aegis process is writing here; run this again once it has finished"
                            .into(),
                });
            }
            Err(source) => return Err(ImportError::Write { path: dir, source }),
        }
    };
    let catalogs = Catalogs::load(repo, opts.framework.as_deref())?;
    place(repo, &plan, &text, xml, &catalogs, opts)
}

/// A requirement placed: the control found, and the requirements stating it.
struct Placed<'a> {
    found: Found,
    baseline: Option<String>,
    reqs: Vec<&'a Requirement>,
}

fn place(
    repo: &Path,
    plan: &Plan,
    text: &str,
    xml: bool,
    catalogs: &Catalogs,
    opts: &PlanOptions,
) -> Result<Outcome, ImportError> {
    let mut notes = Vec::new();
    let config = system::Config::read(repo)?;
    let (system_id, system_action) = system::decide(plan, opts, &config)?;
    let mut not_placed = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut placed: BTreeMap<(String, String), Placed> = BTreeMap::new();
    let mut unmatched_sources: Vec<String> = Vec::new();
    for req in &plan.requirements {
        let nth = seen.entry(req.control.clone()).or_default();
        let line = control_line(text, &req.control, *nth);
        *nth += 1;
        let mut miss = |reason: String| {
            not_placed.push(NotPlaced {
                location: read::location(&req.at, xml),
                line,
                control: req.control.clone(),
                reason,
            });
        };
        if req.control.is_empty() {
            miss("the requirement has no control-id".into());
            continue;
        }
        if !safe_file_stem(&req.control) {
            miss(format!(
                "`{}` is not a usable control id (letters, digits and . - _ ( ) only): it would name a file outside implementations/<system>/, so nothing is written for it",
                crate::excerpt::text(&req.control)
            ));
            continue;
        }
        if let Some(s @ ("crosswalk" | "missing")) = req.aegis.status.as_deref() {
            // An Aegis export states every baseline control; these two
            // statuses are what the gap engine computed, not a record.
            notes.push(format!(
                "{}: exported by Aegis as `{s}`, which the gap engine computes and no record holds; no file is written",
                crate::excerpt::text(&req.control)
            ));
            continue;
        }
        if let (Some(system), SystemAction::Missing) = (&system_id, &system_action) {
            miss(format!(
                "system `{system}` is not defined in aegis.yaml: add it under `systems:` (or import its SSP first), then import again"
            ));
            continue;
        }
        let Some(system) = &system_id else {
            miss(match plan.model {
                Model::ComponentDefinition => {
                    "a component definition names no system: pass --system ID".into()
                }
                Model::Ssp => {
                    "the plan has no system-characteristics to name its system: pass --system ID"
                        .into()
                }
            });
            continue;
        };
        let (framework, baseline) = match &opts.framework {
            Some(f) => (Some(f.clone()), None),
            None => match source_framework(plan, req, catalogs) {
                Some((f, b)) => (Some(f), b),
                None => {
                    if let Some(s) = &req.source
                        && !unmatched_sources.contains(s)
                    {
                        unmatched_sources.push(s.clone());
                    }
                    (None, None)
                }
            },
        };
        let found = match catalogs.find(framework.as_deref(), &req.control) {
            Ok(f) => f,
            Err(m) => {
                miss(miss_reason(&m, &req.control));
                continue;
            }
        };
        if let Some(selected) = config.frameworks_of(system)
            && !selected.is_empty()
            && !selected.contains(&found.framework)
        {
            miss(format!(
                "system `{system}` does not select framework `{}` in aegis.yaml: add it to the system's frameworks, then import again",
                found.framework
            ));
            continue;
        }
        placed
            .entry((found.framework.clone(), normalize_control_id(&found.id)))
            .or_insert_with(|| Placed {
                found: found.clone(),
                baseline,
                reqs: Vec::new(),
            })
            .reqs
            .push(req);
    }
    for s in unmatched_sources {
        notes.push(format!(
            "`{}` is not the source of a framework or baseline imported here; its controls were looked up in every imported framework (pass --framework to choose one)",
            crate::excerpt::text(&s)
        ));
    }
    let mut files = Vec::new();
    let mut untracked = 0;
    if let Some(system) = system_id
        .as_ref()
        .filter(|_| !matches!(system_action, SystemAction::Missing))
    {
        let max = crate::import::repo_limits(repo).max_file_bytes;
        let dir_rel = format!("implementations/{system}");
        let existing = existing_files(&repo.join(&dir_rel));
        let mut writes = Vec::new();
        for p in placed.values() {
            let (imp, mut more, unset) = implementation(p, plan, text_name(plan));
            untracked += usize::from(unset);
            notes.append(&mut more);
            let key = normalize_control_id(&p.found.id);
            let name = existing
                .get(&key)
                .cloned()
                .unwrap_or_else(|| format!("{}.yaml", p.found.id));
            let rel = format!("{dir_rel}/{name}");
            let body = native::render(&rel, Kind::Implementation, &imp)?;
            native::fits(&rel, &body, max, "an implementation file")?;
            let old = std::fs::read(repo.join(&rel)).ok();
            let action = match old {
                Some(o) if o == body.as_bytes() => FileAction::Unchanged,
                Some(_) if !opts.replace => FileAction::Kept,
                _ => FileAction::Written,
            };
            if action == FileAction::Written {
                writes.push((rel.clone(), body));
            }
            files.push(FileOutcome {
                path: rel,
                control: imp.control.0.clone(),
                status: imp.status.as_str(),
                action,
            });
        }
        if let SystemAction::Added = system_action {
            let selections = selections(&placed);
            if !opts.dry_run {
                system::add(repo, &config, plan, system, &selections)?;
            }
        }
        if !opts.dry_run {
            for (rel, body) in &writes {
                native::write_one(repo, rel, body)?;
            }
        }
    }
    if untracked > 0 {
        notes.push(format!(
            "{untracked} implementation(s) had no implementation-status in the plan and were recorded as `planned`: review them"
        ));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Outcome {
        model: plan.model.describe(),
        system: system_id,
        system_action,
        dry_run: opts.dry_run,
        files,
        not_placed,
        notes,
    })
}

fn text_name(plan: &Plan) -> &'static str {
    plan.model.describe()
}

/// The frameworks (and baselines) a new system selects: those its
/// implementations were placed in.
fn selections(placed: &BTreeMap<(String, String), Placed>) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for p in placed.values() {
        match out.iter_mut().find(|(f, _)| *f == p.found.framework) {
            Some((_, b)) => {
                if b.is_none() {
                    b.clone_from(&p.baseline);
                }
            }
            None => out.push((p.found.framework.clone(), p.baseline.clone())),
        }
    }
    out
}

/// The framework (and baseline) a requirement's source document names.
fn source_framework(
    plan: &Plan,
    req: &Requirement,
    catalogs: &Catalogs,
) -> Option<(String, Option<String>)> {
    let href = req.source.as_ref()?;
    let mut hrefs = vec![href.clone()];
    if let Some(uuid) = href.strip_prefix('#')
        && let Some((_, links)) = plan.resources.iter().find(|(u, _)| u == uuid)
    {
        hrefs.extend(links.iter().cloned());
    }
    catalogs.by_source(&hrefs)
}

fn miss_reason(m: &Miss, control: &str) -> String {
    let c = crate::excerpt::text(control);
    match m {
        Miss::NoFramework => format!(
            "no framework is imported in the repository to find `{c}` in: import the catalog (and profile) the plan uses with `aegis framework import`"
        ),
        Miss::Unknown { framework: Some(f) } => {
            format!("framework `{f}` has no control `{c}`")
        }
        Miss::Unknown { framework: None } => {
            format!("no imported framework has a control `{c}`")
        }
        Miss::Ambiguous(fws) => format!(
            "`{c}` is a control of several imported frameworks ({}): pass --framework",
            fws.join(", ")
        ),
    }
}

/// Files already under `dir`, by the comparison form of their control id,
/// so `AC-2(1).yaml` and `ac-2.1.yaml` are known to be the same control.
fn existing_files(dir: &Path) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".yaml").or(name.strip_suffix(".yml"))
            && !name.starts_with('.')
        {
            out.insert(normalize_control_id(stem), name);
        }
    }
    out
}

/// The line (1-based) of the `nth` requirement naming `control`, found by
/// a scan for a `control-id` key or attribute with that value.
fn control_line(text: &str, control: &str, nth: usize) -> Option<usize> {
    if control.is_empty() {
        return None;
    }
    let mut count = 0;
    for (n, line) in text.lines().enumerate() {
        let Some(at) = line.find("control-id") else {
            continue;
        };
        let rest = line[at + "control-id".len()..]
            .trim_start_matches(['"', '\''])
            .trim_start()
            .trim_start_matches([':', '='])
            .trim_start()
            .trim_start_matches(['"', '\'']);
        if rest.starts_with(control)
            && !rest[control.len()..]
                .starts_with(|c: char| c.is_alphanumeric() || ".-_".contains(c))
        {
            if count == nth {
                return Some(n + 1);
            }
            count += 1;
        }
    }
    None
}

fn state(s: &str) -> Option<ImplStatus> {
    Some(match s.trim() {
        "implemented" => ImplStatus::Implemented,
        "partial" => ImplStatus::Partial,
        "planned" => ImplStatus::Planned,
        "alternative" => ImplStatus::Alternative,
        "not-applicable" => ImplStatus::NotApplicable,
        "inherited" => ImplStatus::Inherited,
        _ => return None,
    })
}

/// A requirement's status, as far as the plan says one.
fn status_of(req: &Requirement, notes: &mut Vec<String>) -> Option<ImplStatus> {
    let mut known = |s: &str| {
        let st = state(s);
        if st.is_none() {
            notes.push(format!(
                "{}: implementation status `{}` is not one Aegis knows (implemented, partial, planned, alternative, not-applicable); ignored",
                crate::excerpt::text(&req.control),
                crate::excerpt::text(s)
            ));
        }
        st
    };
    if let Some(st) = req.aegis.status.as_deref().and_then(state) {
        return Some(st);
    }
    if req.originates_inherited {
        return Some(ImplStatus::Inherited);
    }
    if let Some((s, _)) = &req.status
        && let Some(st) = known(s)
    {
        return Some(st);
    }
    let states: Vec<ImplStatus> = req
        .component_states
        .iter()
        .filter_map(|(s, _)| known(s))
        .collect();
    if let Some(first) = states.first() {
        return Some(if states.iter().all(|s| s == first) {
            *first
        } else {
            ImplStatus::Partial
        });
    }
    (!req.inherited_from.is_empty()).then_some(ImplStatus::Inherited)
}

/// The implementation file for a placed control; notes about it; whether
/// its status was missing (recorded as planned).
fn implementation(p: &Placed, plan: &Plan, what: &str) -> (Implementation, Vec<String>, bool) {
    let mut notes = Vec::new();
    let shown = format!("{}:{}", p.found.framework, p.found.id);
    let states: Vec<Option<ImplStatus>> = p.reqs.iter().map(|r| status_of(r, &mut notes)).collect();
    let missing = states.iter().all(Option::is_none);
    let known: Vec<ImplStatus> = states.iter().flatten().copied().collect();
    let status = match known.first() {
        None => ImplStatus::Planned,
        Some(first) if known.iter().all(|s| s == first) => *first,
        Some(_) => ImplStatus::Partial,
    };
    let pieces: Vec<&read::Piece> = p.reqs.iter().flat_map(|r| r.pieces.iter()).collect();
    let statement = statement(&pieces);
    let mut roles: Vec<&String> = Vec::new();
    for r in &p.reqs {
        for role in &r.roles {
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
    }
    if roles.is_empty() {
        for r in &p.reqs {
            for role in &r.component_roles {
                if !roles.contains(&role) {
                    roles.push(role);
                }
            }
        }
    }
    let owner = match roles.as_slice() {
        [one] => Some((*one).clone()),
        _ => p.reqs.iter().find_map(|r| r.aegis.owner.clone()),
    };
    let mut parameters = BTreeMap::new();
    for r in &p.reqs {
        for (id, value) in &r.params {
            if !p.found.params.contains(id) {
                notes.push(format!(
                    "{shown}: parameter `{}` is not one of the control's parameters in the catalog; not recorded",
                    crate::excerpt::text(id)
                ));
                continue;
            }
            parameters
                .entry(id.clone())
                .or_insert_with(|| value.clone());
        }
    }
    let (mut justification, mut provider) = (None, None);
    match status {
        ImplStatus::NotApplicable => {
            let remarks = p.reqs.iter().find_map(|r| {
                r.status
                    .iter()
                    .chain(&r.component_states)
                    .find_map(|(_, rm)| rm.clone())
            });
            justification = remarks.or_else(|| statement.clone()).or_else(|| {
                notes.push(format!(
                    "{shown}: not-applicable without a reason in the {what}; the justification says so, replace it"
                ));
                Some(format!("Marked not-applicable in the imported {what}, which gives no reason."))
            });
        }
        ImplStatus::Inherited if p.reqs.iter().any(|r| r.aegis.inherited_from.is_some()) => {}
        ImplStatus::Inherited => {
            let mut from: Vec<String> = p
                .reqs
                .iter()
                .flat_map(|r| r.inherited_from.iter().cloned())
                .collect();
            from.dedup();
            if from.is_empty() {
                from = plan.leveraged.iter().map(|(_, t)| t.clone()).collect();
            }
            provider = Some(if from.is_empty() {
                format!("a provider the imported {what} does not name")
            } else {
                from.join("; ")
            });
        }
        _ => {}
    }
    let imp = Implementation {
        schema_version: crate::model::SCHEMA_VERSION,
        control: ControlRef(shown),
        system: None,
        status,
        owner,
        statement,
        justification,
        inherited_from: p
            .reqs
            .iter()
            .find_map(|r| r.aegis.inherited_from.clone())
            .filter(|_| status == ImplStatus::Inherited)
            .map(crate::model::SystemId),
        provider,
        evidence: unique(p.reqs.iter().flat_map(|r| &r.aegis.evidence))
            .map(crate::model::EvidenceId)
            .collect(),
        policies: unique(p.reqs.iter().flat_map(|r| &r.aegis.policies))
            .map(crate::model::PolicyId)
            .collect(),
        parameters,
        reviewed: None,
        review_every: None,
    };
    (imp, notes, missing)
}

/// Each value once, in first-seen order.
fn unique<'a>(items: impl Iterator<Item = &'a String>) -> impl Iterator<Item = String> {
    let mut seen = std::collections::HashSet::new();
    items.filter(move |s| seen.insert(*s)).cloned()
}

/// The statement in Markdown: each component's text under its title as a
/// heading when more than one component speaks, parts labelled by the
/// statement they answer when the control has several.
fn statement(pieces: &[&read::Piece]) -> Option<String> {
    let mut components: Vec<Option<&str>> = Vec::new();
    for p in pieces {
        let c = p.component.as_deref().map(str::trim);
        if !components.contains(&c) {
            components.push(c);
        }
    }
    let parts: Vec<&str> = pieces
        .iter()
        .filter_map(|p| p.statement.as_deref())
        .collect();
    let labelled = parts.iter().any(|s| Some(s) != parts.first());
    let piece_text = |p: &read::Piece| -> String {
        match p.statement.as_deref().and_then(part_label) {
            Some(l) if labelled => format!("**{l}.** {}", p.text.trim()),
            _ => p.text.trim().to_string(),
        }
    };
    let mut blocks = Vec::new();
    if components.len() > 1 {
        for c in &components {
            let mut body: Vec<String> = pieces
                .iter()
                .filter(|p| p.component.as_deref().map(str::trim) == *c)
                .map(|p| piece_text(p))
                .collect();
            body.dedup();
            let title = c.unwrap_or("This control").trim_matches('*').trim();
            blocks.push(format!("### {title}\n\n{}", body.join("\n\n")));
        }
    } else {
        let mut body: Vec<String> = pieces.iter().map(|p| piece_text(p)).collect();
        body.dedup();
        blocks = body;
    }
    let s = blocks.join("\n\n");
    (!s.trim().is_empty()).then_some(s)
}

/// `a` for `ac-2_smt.a`, `a.1` for `ac-2_smt.a.1`.
fn part_label(statement_id: &str) -> Option<&str> {
    let (_, rest) = statement_id
        .split_once("_smt")
        .or_else(|| statement_id.split_once("_stmt"))?;
    let rest = rest.trim_start_matches('.');
    (!rest.is_empty()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(c: &str, s: Option<&str>, t: &str) -> read::Piece {
        read::Piece {
            component: Some(c.into()),
            statement: s.map(String::from),
            text: t.into(),
        }
    }

    #[test]
    fn one_component_needs_no_heading() {
        let a = piece("App", Some("ac-2_smt.a"), "Does a.");
        let b = piece("App", Some("ac-2_smt.b"), "Does b.");
        assert_eq!(
            statement(&[&a, &b]).as_deref(),
            Some("**a.** Does a.\n\n**b.** Does b.")
        );
    }

    #[test]
    fn several_components_get_their_titles_as_headings() {
        let a = piece(" **App** ", None, "Logs.");
        let b = piece("Cloud", None, "Stores.");
        assert_eq!(
            statement(&[&a, &b]).as_deref(),
            Some("### App\n\nLogs.\n\n### Cloud\n\nStores.")
        );
    }

    #[test]
    fn the_requirement_line_is_found_in_every_syntax() {
        let json = "{\n \"control-id\": \"ac-2\",\n \"control-id\": \"ac-2.1\"\n}";
        assert_eq!(control_line(json, "ac-2", 0), Some(2));
        assert_eq!(control_line(json, "ac-2.1", 0), Some(3));
        let xml = "<a>\n<implemented-requirement uuid=\"u\" control-id=\"ac-2\">";
        assert_eq!(control_line(xml, "ac-2", 0), Some(2));
        assert_eq!(control_line("  - control-id: ac-2\n", "ac-2", 1), None);
    }
}
