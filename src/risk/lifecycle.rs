//! The risk lifecycle: add a risk, change it in place, accept it as it
//! stands, close it once it no longer applies. A new risk is serialized
//! whole; changes to an existing file go through `crate::edit`, so its
//! comments, key order and every key not changed stay as the author wrote
//! them. References (systems, controls) are checked as `aegis validate`
//! checks them, so a command never writes what validation then rejects.

use crate::edit;
use crate::exceptions::refs::{Loaded, check_id};
use crate::exceptions::{Refusal, write_or_show};
use crate::model::{
    Acceptance, ControlRef, Date, Estimate, Loss, RISK_SCHEMA_VERSION, Reduction, Risk, RiskId,
    RiskRating, RiskStatus, SystemId, Treatment, normalize_control_id,
};
use crate::risk::simulate::{MAX_FREQUENCY, Pert};
use crate::schema::Kind;
use crate::validate::Located;
use crate::validate::schema::did_you_mean;
use std::path::Path;

/// The fields `add` and `update` take. `None` (or an empty list) leaves a
/// field as it is (update) or absent (add).
#[derive(Debug, Default)]
pub struct Fields {
    pub title: Option<String>,
    pub owner: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub systems: Vec<String>,
    pub controls: Vec<String>,
    pub treatment: Option<Treatment>,
    pub likelihood: Option<u8>,
    pub impact: Option<u8>,
    pub residual_likelihood: Option<u8>,
    pub residual_impact: Option<u8>,
    pub frequency: Option<Estimate>,
    pub magnitude: Option<Estimate>,
}

/// What `update` is asked to change beyond [`Fields`].
#[derive(Debug, Default)]
pub struct Changes {
    pub fields: Fields,
    pub add_controls: Vec<String>,
    pub remove_controls: Vec<String>,
    /// `CONTROL:FREQUENCY_FRACTION[:MAGNITUDE_FRACTION]`, as given.
    pub reduced_by: Vec<String>,
    pub remove_reduced_by: Vec<String>,
}

/// A new risk: its repository-relative path, the record and its text.
#[derive(Debug)]
pub struct Written {
    pub path: String,
    pub risk: Risk,
    pub text: String,
}

/// One field changed, as people read it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// What an edit changed (or, with `--dry-run`, would change).
#[derive(Debug)]
pub struct Edited {
    pub path: String,
    pub before: Risk,
    pub after: Risk,
    pub changes: Vec<Change>,
    /// Whether the file was written (false: nothing changed, or a dry run).
    pub written: bool,
}

fn invalid(problems: Vec<String>) -> Result<(), Refusal> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Invalid(problems))
    }
}

fn one(message: impl Into<String>) -> Refusal {
    Refusal::Invalid(vec![message.into()])
}

/// The repository's lock on risks/, unless nothing will be written.
fn lock_unless(root: &Path, dry_run: bool) -> Result<Option<crate::write::DirLock>, Refusal> {
    crate::exceptions::lock_unless(dry_run, &root.join("risks"))
}

/// `text` trimmed, or a problem when it is not one line of text (see
/// `crate::text`).
fn one_line(what: &str, text: &str, problems: &mut Vec<String>) -> String {
    let t = text.trim();
    crate::text::check_line(what, t, problems);
    t.to_string()
}

/// The description trimmed (none when blank: an empty `--description`
/// removes it), or a problem when it holds a control character.
fn description(text: &str, problems: &mut Vec<String>) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    crate::text::check_lines("the description", t, problems);
    Some(t.to_string())
}

/// The next free id in the register's own numbering: the prefix most ids
/// use (`R-` when there are none), one past its highest number, padded as
/// wide as that number is written (`R-007` → `R-008`, `RISK-12` → `RISK-13`).
pub fn next_id<'a>(taken: impl Iterator<Item = &'a str>) -> String {
    let mut by_prefix: std::collections::BTreeMap<&str, (usize, u64, usize)> = Default::default();
    for id in taken {
        let digits = id.len() - id.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            continue;
        }
        let (prefix, number) = id.split_at(id.len() - digits);
        let Ok(n) = number.parse::<u64>() else {
            continue;
        };
        let e = by_prefix.entry(prefix).or_insert((0, 0, 0));
        e.0 += 1;
        if n >= e.1 {
            e.1 = n;
            e.2 = e.2.max(digits);
        }
    }
    // Most used prefix; on a tie, the first in sorted order (deterministic).
    let best = by_prefix
        .iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then_with(|| b.0.cmp(a.0)));
    match best {
        Some((prefix, (_, highest, width))) => {
            format!("{prefix}{:0width$}", highest.saturating_add(1))
        }
        None => "R-001".to_string(),
    }
}

/// The frameworks a risk's short control ids are looked up in first: those
/// of its systems, or every framework when it names none.
fn context(loaded: &Loaded, systems: &[SystemId]) -> Vec<String> {
    let mut out: Vec<String> = systems
        .iter()
        .filter_map(|s| crate::validate::implementation_context(&loaded.outcome.repo, s.as_str()))
        .flatten()
        .collect();
    if out.is_empty() {
        out = loaded.outcome.index.frameworks.keys().cloned().collect();
    }
    out.sort();
    out.dedup();
    out
}

fn check_systems(loaded: &Loaded, given: &[String], problems: &mut Vec<String>) -> Vec<SystemId> {
    let mut out: Vec<SystemId> = Vec::new();
    for s in given {
        let s = s.trim();
        match loaded.check_system(s) {
            Ok(()) => out.push(SystemId(s.to_string())),
            Err(e) => problems.push(e),
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup();
    out
}

fn resolve(
    loaded: &Loaded,
    given: &[String],
    context: &[String],
    problems: &mut Vec<String>,
) -> Vec<ControlRef> {
    let mut out = Vec::new();
    for g in given {
        match loaded.resolve_control_in(g, context) {
            Ok(c) => out.push(ControlRef(c)),
            Err(e) => problems.push(e),
        }
    }
    out
}

fn rating(what: &str, likelihood: u8, impact: u8, problems: &mut Vec<String>) -> RiskRating {
    for (name, v) in [("likelihood", likelihood), ("impact", impact)] {
        if !(1..=5).contains(&v) {
            problems.push(format!("{what} {name} {v} is not between 1 and 5"));
        }
    }
    RiskRating { likelihood, impact }
}

fn check_estimate(name: &str, e: &Estimate, problems: &mut Vec<String>) {
    if let Err(why) = Pert::new(e.min, e.most_likely, e.max) {
        problems.push(format!(
            "--{name} {},{},{}: {why}; a three-point estimate needs min <= most likely <= max",
            number(e.min),
            number(e.most_likely),
            number(e.max)
        ));
    }
    if name == "frequency" && e.max > MAX_FREQUENCY {
        problems.push(format!(
            "a loss event frequency of {} a year is more than the simulation handles ({MAX_FREQUENCY}); \
             model fewer events with a larger loss each (magnitude)",
            number(e.max)
        ));
    }
}

fn check_category(c: &str, problems: &mut Vec<String>) -> String {
    one_line("the category", c, problems)
}

/// Checks and writes `risks/<id>.yaml` (with `dry_run`, only checks and
/// shows the new file on `out` as a diff, `crate::change`).
pub fn add(
    root: &Path,
    id: Option<&str>,
    f: Fields,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Written, Refusal> {
    let _lock = lock_unless(root, dry_run)?;
    let loaded = Loaded::load(root)?;
    let mut problems = Vec::new();
    let mut required = |flag: &str, what: &str, v: &Option<String>| match v {
        Some(v) => one_line(what, v, &mut problems),
        None => {
            problems.push(format!("give {flag}: a new risk needs {what}"));
            String::new()
        }
    };
    let title = required("--title", "a title", &f.title);
    let owner = required("--owner", "an owner", &f.owner);
    let systems = check_systems(&loaded, &f.systems, &mut problems);
    let ctx = context(&loaded, &systems);
    let mut controls = resolve(&loaded, &f.controls, &ctx, &mut problems);
    controls.sort_by(|a, b| a.0.cmp(&b.0));
    controls.dedup();
    let (Some(l), Some(i)) = (f.likelihood, f.impact) else {
        problems.push("give both --likelihood and --impact (1 to 5)".into());
        return Err(Refusal::Invalid(problems));
    };
    let inherent = rating("the", l, i, &mut problems);
    let residual = match (f.residual_likelihood, f.residual_impact) {
        (Some(l), Some(i)) => Some(rating("the residual", l, i, &mut problems)),
        (None, None) => None,
        _ => {
            problems
                .push("give both --residual-likelihood and --residual-impact, or neither".into());
            None
        }
    };
    for (name, e) in [("frequency", &f.frequency), ("magnitude", &f.magnitude)] {
        if let Some(e) = e {
            check_estimate(name, e, &mut problems);
        }
    }
    let category = f.category.map(|c| check_category(&c, &mut problems));
    let description = f.description.and_then(|d| description(&d, &mut problems));
    let existing = &loaded.outcome.repo.risks;
    let id = match id {
        Some(id) => {
            if let Err(e) = check_id(id) {
                problems.push(e);
            }
            if let Some(r) = existing.iter().find(|r| r.value.id.as_str() == id) {
                problems.push(format!(
                    "a risk `{id}` already exists ({}); pick another --id, or change it with `aegis risk update {id}`",
                    loaded.ws.files[r.file].path
                ));
            }
            id.to_string()
        }
        None => next_id(existing.iter().map(|r| r.value.id.as_str())),
    };
    let rel = format!("risks/{id}.yaml");
    if problems.is_empty() && root.join(&rel).exists() {
        problems.push(format!(
            "{rel} already exists (a file validation could not read as a risk?); run `aegis validate`"
        ));
    }
    invalid(problems)?;
    let loss = (f.frequency.is_some() || f.magnitude.is_some()).then_some(Loss {
        frequency: f.frequency,
        magnitude: f.magnitude,
    });
    let risk = Risk {
        schema_version: RISK_SCHEMA_VERSION,
        id: RiskId(id),
        title,
        description,
        owner,
        category,
        systems,
        controls,
        inherent,
        treatment: f.treatment.unwrap_or(Treatment::Mitigate),
        acceptance: None,
        residual,
        loss,
        reduced_by: Vec::new(),
        status: RiskStatus::Open,
        closed: None,
        closed_reason: None,
    };
    let body = serde_saphyr::to_string(&risk).map_err(|e| one(e.to_string()))?;
    let mut text = format!("{}\n{body}", Kind::Risk.modeline(&rel));
    // Estimates one to a line, as people write them.
    if let Some(l) = &risk.loss {
        text = edit::set_key(&text, "loss", &loss_yaml(l)).map_err(|source| Refusal::Edit {
            path: rel.clone(),
            source,
        })?;
    }
    reread(&rel, &text, &risk)?;
    write_or_show(root, &rel, None, &text, dry_run, out)?;
    Ok(Written {
        path: rel,
        risk,
        text,
    })
}

/// The risk `id`, or why not (with the closest id).
fn find<'a>(loaded: &'a Loaded, id: &str) -> Result<&'a Located<Risk>, Refusal> {
    let all = &loaded.outcome.repo.risks;
    all.iter()
        .find(|r| r.value.id.as_str() == id)
        .ok_or_else(|| {
            let names: Vec<String> = all.iter().map(|r| r.value.id.0.clone()).collect();
            let hint = did_you_mean(id, &names)
                .map_or(String::new(), |s| format!("; did you mean `{s}`?"));
            one(format!(
                "no risk `{id}` in risks/ (or its file does not validate: run `aegis validate`){hint}"
            ))
        })
}

/// Refuses to edit a file still written under schema version 1: the edit
/// would mix the two shapes.
fn check_current(rel: &str, text: &str) -> Result<(), Refusal> {
    let version = edit::value_text(text, "schema_version")
        .ok()
        .flatten()
        .map(|v| v.split('#').next().unwrap_or("").trim().to_string());
    match version.as_deref() {
        Some(v) if v != RISK_SCHEMA_VERSION.to_string() => Err(one(format!(
            "{rel} is at schema_version {v}; run `aegis migrate` first, then change it"
        ))),
        _ => Ok(()),
    }
}

/// The edited text, read back as a risk, must be the record meant.
fn reread(rel: &str, text: &str, want: &Risk) -> Result<(), Refusal> {
    match serde_saphyr::from_str::<Risk>(text) {
        Ok(got) if got == *want => Ok(()),
        Ok(_) => Err(one(format!(
            "{rel}: the edit would not read back as the risk meant; nothing was changed (please report this)"
        ))),
        Err(e) => Err(one(format!(
            "{rel}: the edit would not read back as a risk ({e}); nothing was changed (please report this)"
        ))),
    }
}

fn same_control(loaded: &Loaded, a: &ControlRef, b: &ControlRef) -> bool {
    let norm = |c: &ControlRef| {
        let full = loaded
            .resolve_control_in(&c.0, &[])
            .unwrap_or_else(|_| c.0.clone());
        let (fw, id) = ControlRef(full).parts();
        (fw.map(|f| f.0), normalize_control_id(&id.0))
    };
    norm(a) == norm(b)
}

/// `CONTROL:F[:M]`: the control and the fractions. A control id may hold
/// `:` and even look like a number (`cis:1.1`), so the reading with two
/// fractions is taken when its control resolves, and the one with one
/// fraction otherwise.
fn reduction(loaded: &Loaded, given: &str, ctx: &[String]) -> Result<Reduction, String> {
    let parts: Vec<&str> = given.split(':').collect();
    let fraction = |s: &str| s.trim().parse::<f64>().ok().filter(|f| f.is_finite());
    let mut readings: Vec<(String, f64, f64)> = Vec::new();
    if parts.len() >= 3
        && let (Some(f), Some(m)) = (
            fraction(parts[parts.len() - 2]),
            fraction(parts[parts.len() - 1]),
        )
    {
        readings.push((parts[..parts.len() - 2].join(":"), f, m));
    }
    if parts.len() >= 2
        && let Some(f) = fraction(parts[parts.len() - 1])
    {
        readings.push((parts[..parts.len() - 1].join(":"), f, 0.0));
    }
    if readings.is_empty() {
        return Err(format!(
            "--reduced-by `{given}`: write CONTROL:FREQUENCY_FRACTION[:MAGNITUDE_FRACTION], e.g. fw:IA-2:0.6 or fw:IA-2:0:0.5"
        ));
    }
    let mut first_err = None;
    for (control, f, m) in readings {
        match loaded.resolve_control_in(&control, ctx) {
            Ok(c) => {
                for (name, v) in [("frequency", f), ("magnitude", m)] {
                    if !(0.0..=1.0).contains(&v) {
                        return Err(format!(
                            "--reduced-by `{given}`: the {name} fraction {} is not between 0 and 1",
                            number(v)
                        ));
                    }
                }
                return Ok(Reduction {
                    control: ControlRef(c),
                    frequency: f,
                    magnitude: m,
                });
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(format!(
        "--reduced-by: {}",
        first_err.unwrap_or_else(|| format!("`{given}` names no control"))
    ))
}

/// Changes risk `id` in place. Nothing changed: nothing written.
pub fn update(
    root: &Path,
    id: &str,
    c: Changes,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Edited, Refusal> {
    edit_in_place(root, id, dry_run, out, |loaded, before| {
        let mut after = before.clone();
        let mut problems = Vec::new();
        let f = c.fields;
        if let Some(t) = &f.title {
            after.title = one_line("the title", t, &mut problems);
        }
        if let Some(o) = &f.owner {
            after.owner = one_line("the owner", o, &mut problems);
        }
        if let Some(d) = &f.description {
            after.description = description(d, &mut problems);
        }
        if let Some(cat) = &f.category {
            after.category = Some(check_category(cat, &mut problems));
        }
        if !f.systems.is_empty() {
            after.systems = check_systems(loaded, &f.systems, &mut problems);
        }
        let ctx = context(loaded, &after.systems);
        if !f.controls.is_empty() {
            let mut controls = resolve(loaded, &f.controls, &ctx, &mut problems);
            controls.sort_by(|a, b| a.0.cmp(&b.0));
            controls.dedup();
            after.controls = controls;
        }
        for add in resolve(loaded, &c.add_controls, &ctx, &mut problems) {
            if !after.controls.iter().any(|x| same_control(loaded, x, &add)) {
                after.controls.push(add);
            }
        }
        for given in &c.remove_controls {
            let wanted = loaded
                .resolve_control_in(given, &ctx)
                .map(ControlRef)
                .unwrap_or_else(|_| ControlRef(given.trim().to_string()));
            let n = after.controls.len();
            after.controls.retain(|x| !same_control(loaded, x, &wanted));
            if after.controls.len() == n {
                let names: Vec<String> = after.controls.iter().map(|c| c.0.clone()).collect();
                problems.push(format!(
                    "--remove-control: risk `{id}` does not name control `{given}` (it names: {})",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ));
            }
        }
        if let Some(t) = f.treatment {
            after.treatment = t;
        }
        if f.likelihood.is_some() || f.impact.is_some() {
            after.inherent = rating(
                "the",
                f.likelihood.unwrap_or(after.inherent.likelihood),
                f.impact.unwrap_or(after.inherent.impact),
                &mut problems,
            );
        }
        match (f.residual_likelihood, f.residual_impact, after.residual) {
        (None, None, _) => {}
        (Some(l), Some(i), _) => after.residual = Some(rating("the residual", l, i, &mut problems)),
        (l, i, Some(r)) => {
            after.residual = Some(rating(
                "the residual",
                l.unwrap_or(r.likelihood),
                i.unwrap_or(r.impact),
                &mut problems,
            ))
        }
        (_, _, None) => problems.push(format!(
            "risk `{id}` has no residual rating yet: give both --residual-likelihood and --residual-impact"
        )),
    }
        if f.frequency.is_some() || f.magnitude.is_some() {
            let mut loss = after.loss.clone().unwrap_or(Loss {
                frequency: None,
                magnitude: None,
            });
            if let Some(e) = f.frequency {
                check_estimate("frequency", &e, &mut problems);
                loss.frequency = Some(e);
            }
            if let Some(e) = f.magnitude {
                check_estimate("magnitude", &e, &mut problems);
                loss.magnitude = Some(e);
            }
            after.loss = Some(loss);
        }
        for given in &c.remove_reduced_by {
            let wanted = loaded
                .resolve_control_in(given, &ctx)
                .map(ControlRef)
                .unwrap_or_else(|_| ControlRef(given.trim().to_string()));
            let n = after.reduced_by.len();
            after
                .reduced_by
                .retain(|r| !same_control(loaded, &r.control, &wanted));
            if after.reduced_by.len() == n {
                problems.push(format!(
                    "--remove-reduced-by: risk `{id}` has no reduced_by entry for `{given}`"
                ));
            }
        }
        for given in &c.reduced_by {
            match reduction(loaded, given, &ctx) {
                Ok(r) => {
                    match after
                        .reduced_by
                        .iter_mut()
                        .find(|x| same_control(loaded, &x.control, &r.control))
                    {
                        Some(x) => {
                            x.frequency = r.frequency;
                            x.magnitude = r.magnitude;
                        }
                        None => after.reduced_by.push(r),
                    }
                }
                Err(e) => problems.push(e),
            }
        }
        invalid(problems)?;
        Ok(after)
    })
}

/// Finds risk `id`, lets `change` make the record it should become, and
/// writes that in place (unless nothing changed; with `dry_run`, shows the
/// edit on `out` as a diff instead).
fn edit_in_place(
    root: &Path,
    id: &str,
    dry_run: bool,
    out: &mut dyn std::io::Write,
    change: impl FnOnce(&Loaded, &Risk) -> Result<Risk, Refusal>,
) -> Result<Edited, Refusal> {
    let _lock = lock_unless(root, dry_run)?;
    let loaded = Loaded::load(root)?;
    let located = find(&loaded, id)?;
    let file = &loaded.ws.files[located.file];
    check_current(&file.path, &file.text)?;
    let before: Risk = (*located.value).clone();
    let after = change(&loaded, &before)?;
    let text = rewrite(&file.path, &file.text, &before, &after)?;
    let changes = changes(&before, &after);
    let rel = &file.path;
    if !changes.is_empty() {
        reread(rel, &text, &after)?;
        // Refused when the file is no longer what was read.
        write_or_show(root, rel, Some(&file.text), &text, dry_run, out)?;
    }
    let written = !changes.is_empty() && !dry_run;
    Ok(Edited {
        path: rel.to_string(),
        before,
        after,
        changes,
        written,
    })
}

/// Closes risk `id`: `status: closed`, the day and the reason recorded.
pub fn close(
    root: &Path,
    id: &str,
    reason: &str,
    today: Date,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Edited, Refusal> {
    edit_in_place(root, id, dry_run, out, |_, before| {
        if before.is_closed() {
            return Err(one(format!(
                "risk `{id}` is already closed{}",
                before
                    .closed
                    .map_or(String::new(), |d| format!(" (on {d})"))
            )));
        }
        let mut problems = Vec::new();
        let reason = one_line("the reason", reason, &mut problems);
        invalid(problems)?;
        let mut after = before.clone();
        after.status = RiskStatus::Closed;
        after.closed = Some(today);
        after.closed_reason = Some(reason);
        Ok(after)
    })
}

/// Accepts risk `id` as it stands: `treatment: accept`, and who accepted
/// it, on which day, until when.
pub fn accept(
    root: &Path,
    id: &str,
    approver: &str,
    until: Option<Date>,
    today: Date,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Edited, Refusal> {
    edit_in_place(root, id, dry_run, out, |_, before| {
        let mut problems = Vec::new();
        if before.is_closed() {
            problems.push(format!(
            "risk `{id}` is closed; a closed risk is not accepted (add a new risk if it applies again)"
        ));
        }
        let approver = one_line("the approver", approver, &mut problems);
        if let Some(u) = until
            && u <= today
        {
            problems.push(format!(
                "--until {u} is not after today ({today}); an acceptance is reviewed in the future"
            ));
        }
        invalid(problems)?;
        let mut after = before.clone();
        after.treatment = Treatment::Accept;
        let same = before
            .acceptance
            .as_ref()
            .is_some_and(|a| a.approver == approver && a.until == until);
        if !same {
            after.acceptance = Some(Acceptance {
                approver,
                accepted: today,
                until,
            });
        }
        Ok(after)
    })
}

// ---- Reading the changes ----

/// A number as people write it: `2`, `0.5`, `400000`.
pub fn number(v: f64) -> String {
    format!("{v}")
}

fn estimate_text(e: &Option<Estimate>) -> String {
    e.as_ref().map_or("-".into(), |e| {
        format!(
            "{} / {} / {}",
            number(e.min),
            number(e.most_likely),
            number(e.max)
        )
    })
}

fn list_text<T>(items: &[T], f: impl Fn(&T) -> &str) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items.iter().map(f).collect::<Vec<_>>().join(", ")
    }
}

pub fn treatment_text(t: Treatment) -> &'static str {
    match t {
        Treatment::Mitigate => "mitigate",
        Treatment::Accept => "accept",
        Treatment::Transfer => "transfer",
        Treatment::Avoid => "avoid",
    }
}

fn reduction_text(r: Option<&Reduction>) -> String {
    r.map_or("-".into(), |r| {
        format!(
            "frequency {}, magnitude {}",
            number(r.frequency),
            number(r.magnitude)
        )
    })
}

pub fn acceptance_text(a: &Option<Acceptance>) -> String {
    a.as_ref().map_or("-".into(), |a| {
        format!(
            "by {} on {}{}",
            a.approver,
            a.accepted,
            a.until.map_or(String::new(), |u| format!(", until {u}"))
        )
    })
}

/// Every field that differs, in the order of the file's keys.
pub fn changes(before: &Risk, after: &Risk) -> Vec<Change> {
    let mut out = Vec::new();
    let mut put = |field: &str, b: String, a: String| {
        if b != a {
            out.push(Change {
                field: field.into(),
                before: b,
                after: a,
            });
        }
    };
    let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
    put("title", before.title.clone(), after.title.clone());
    put(
        "description",
        opt(&before.description),
        opt(&after.description),
    );
    put("owner", before.owner.clone(), after.owner.clone());
    put("category", opt(&before.category), opt(&after.category));
    put(
        "systems",
        list_text(&before.systems, |s| s.as_str()),
        list_text(&after.systems, |s| s.as_str()),
    );
    put(
        "controls",
        list_text(&before.controls, |c| c.0.as_str()),
        list_text(&after.controls, |c| c.0.as_str()),
    );
    for (name, b, a) in [
        (
            "inherent.likelihood",
            before.inherent.likelihood,
            after.inherent.likelihood,
        ),
        (
            "inherent.impact",
            before.inherent.impact,
            after.inherent.impact,
        ),
    ] {
        put(name, b.to_string(), a.to_string());
    }
    put(
        "treatment",
        treatment_text(before.treatment).into(),
        treatment_text(after.treatment).into(),
    );
    put(
        "acceptance",
        acceptance_text(&before.acceptance),
        acceptance_text(&after.acceptance),
    );
    let res = |r: &Option<RiskRating>, f: fn(&RiskRating) -> u8| {
        r.as_ref().map_or("-".into(), |r| f(r).to_string())
    };
    put(
        "residual.likelihood",
        res(&before.residual, |r| r.likelihood),
        res(&after.residual, |r| r.likelihood),
    );
    put(
        "residual.impact",
        res(&before.residual, |r| r.impact),
        res(&after.residual, |r| r.impact),
    );
    let est = |l: &Option<Loss>, f: fn(&Loss) -> &Option<Estimate>| {
        estimate_text(l.as_ref().map_or(&None, f))
    };
    put(
        "loss.frequency",
        est(&before.loss, |l| &l.frequency),
        est(&after.loss, |l| &l.frequency),
    );
    put(
        "loss.magnitude",
        est(&before.loss, |l| &l.magnitude),
        est(&after.loss, |l| &l.magnitude),
    );
    let mut controls: Vec<&str> = before
        .reduced_by
        .iter()
        .chain(&after.reduced_by)
        .map(|r| r.control.0.as_str())
        .collect();
    controls.dedup();
    let mut seen = std::collections::HashSet::new();
    for c in controls {
        if !seen.insert(c) {
            continue;
        }
        let of = |risk: &Risk| reduction_text(risk.reduced_by.iter().find(|r| r.control.0 == c));
        put(&format!("reduced_by {c}"), of(before), of(after));
    }
    put(
        "status",
        status_text(before.status).into(),
        status_text(after.status).into(),
    );
    put(
        "closed",
        before.closed.map_or("-".into(), |d| d.to_string()),
        after.closed.map_or("-".into(), |d| d.to_string()),
    );
    put(
        "closed_reason",
        opt(&before.closed_reason),
        opt(&after.closed_reason),
    );
    out
}

pub fn status_text(s: RiskStatus) -> &'static str {
    match s {
        RiskStatus::Open => "open",
        RiskStatus::Closed => "closed",
    }
}

// ---- Writing the changes ----

/// A scalar as YAML writes it on one line (quoted when it must be).
pub(crate) fn scalar(s: &str) -> Result<String, Refusal> {
    let y = serde_saphyr::to_string(&s).map_err(|e| one(e.to_string()))?;
    let y = y.trim_end_matches('\n');
    if y.contains('\n') {
        // One-line values only reach here; a JSON string is YAML too.
        return serde_json::to_string(s).map_err(|e| one(e.to_string()));
    }
    Ok(y.to_string())
}

/// Whether the file writes `key`'s value in flow style (`[a, b]`, `{a: 1}`).
fn flow(text: &str, key: &str) -> bool {
    edit::value_text(text, key)
        .ok()
        .flatten()
        .is_some_and(|v| v.trim_start().starts_with(['[', '{']))
}

/// `key`'s block mapping value with `edits` (key, YAML) made through
/// `edit::set_key` on that mapping alone, so the lines and comments of the
/// keys not changed stay; `None` when the value is not a plain block
/// mapping (the caller then writes it whole).
fn nested(text: &str, key: &str, edits: &[(&str, String)]) -> Option<String> {
    let v = edit::value_text(text, key).ok()??;
    let mut lines = v.split_inclusive('\n');
    // Anything after `key:` on its line (a comment) would be lost.
    if !lines.next()?.trim().is_empty() {
        return None;
    }
    let body: Vec<&str> = lines.collect();
    let indent_of = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let indent = body
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| indent_of(l))
        .min()?;
    if indent == 0 {
        return None;
    }
    let mut inner = String::new();
    for l in body {
        inner.push_str(if l.trim().is_empty() {
            "\n"
        } else {
            &l[indent..]
        });
    }
    for (k, y) in edits {
        inner = edit::set_key(&inner, k, y).ok()?;
    }
    Some(inner)
}

fn has(text: &str, key: &str) -> bool {
    edit::value_text(text, key).ok().flatten().is_some()
}

/// The first of `keys` the file has, for placing a new key after it.
fn anchor<'a>(text: &str, keys: &[&'a str]) -> Option<&'a str> {
    keys.iter().copied().find(|k| has(text, k))
}

pub(crate) fn list_yaml(items: &[&str], flow_style: bool) -> Result<String, Refusal> {
    let mut cells = Vec::new();
    for i in items {
        let s = scalar(i)?;
        // A flow item may not hold flow indicators unquoted.
        let s =
            if flow_style && s.contains([',', '[', ']', '{', '}']) && !s.starts_with(['"', '\'']) {
                serde_json::to_string(i).map_err(|e| one(e.to_string()))?
            } else {
                s
            };
        cells.push(s);
    }
    Ok(if flow_style {
        format!("[{}]", cells.join(", "))
    } else {
        cells.iter().map(|c| format!("- {c}\n")).collect()
    })
}

fn rating_yaml(r: &RiskRating, flow_style: bool) -> String {
    if flow_style {
        format!("{{likelihood: {}, impact: {}}}", r.likelihood, r.impact)
    } else {
        format!("likelihood: {}\nimpact: {}\n", r.likelihood, r.impact)
    }
}

/// A block `key:` rating with only its changed lines rewritten.
fn rating_nested(text: &str, key: &str, b: &RiskRating, a: &RiskRating) -> Option<String> {
    let mut edits = Vec::new();
    if b.likelihood != a.likelihood {
        edits.push(("likelihood", a.likelihood.to_string()));
    }
    if b.impact != a.impact {
        edits.push(("impact", a.impact.to_string()));
    }
    nested(text, key, &edits)
}

/// A block `loss:` with only its changed estimates rewritten.
fn loss_nested(text: &str, b: &Loss, a: &Loss) -> Option<String> {
    let mut edits = Vec::new();
    for (name, before, after) in [
        ("frequency", &b.frequency, &a.frequency),
        ("magnitude", &b.magnitude, &a.magnitude),
    ] {
        match (before == after, after) {
            (true, _) => {}
            (false, Some(e)) => edits.push((name, estimate_yaml(e))),
            // Estimates are only ever set, not removed.
            (false, None) => return None,
        }
    }
    nested(text, "loss", &edits)
}

fn estimate_yaml(e: &Estimate) -> String {
    format!(
        "{{min: {}, most_likely: {}, max: {}}}",
        number(e.min),
        number(e.most_likely),
        number(e.max)
    )
}

fn loss_yaml(l: &Loss) -> String {
    let mut s = String::new();
    if let Some(f) = &l.frequency {
        s.push_str(&format!("frequency: {}\n", estimate_yaml(f)));
    }
    if let Some(m) = &l.magnitude {
        s.push_str(&format!("magnitude: {}\n", estimate_yaml(m)));
    }
    s
}

fn reduction_yaml(r: &Reduction) -> Result<String, Refusal> {
    Ok(format!(
        "control: {}\nfrequency: {}\nmagnitude: {}\n",
        scalar(&r.control.0)?,
        number(r.frequency),
        number(r.magnitude)
    ))
}

fn acceptance_yaml(a: &Acceptance) -> Result<String, Refusal> {
    let mut s = format!(
        "approver: {}\naccepted: {}\n",
        scalar(&a.approver)?,
        a.accepted
    );
    if let Some(u) = a.until {
        s.push_str(&format!("until: {u}\n"));
    }
    Ok(s)
}

/// `text` with every top-level key whose value differs between `before`
/// and `after` rewritten (added, or removed), the rest kept byte for byte.
fn rewrite(rel: &str, text: &str, before: &Risk, after: &Risk) -> Result<String, Refusal> {
    let e = |source| Refusal::Edit {
        path: rel.to_string(),
        source,
    };
    let mut t = text.to_string();
    let set = |t: &str, key: &str, value: &str, keys: &[&str]| -> Result<String, Refusal> {
        if has(t, key) {
            edit::set_key(t, key, value).map_err(e)
        } else {
            edit::set_key_after(t, key, value, anchor(t, keys)).map_err(e)
        }
    };
    let remove = |t: &str, key: &str| edit::remove_key(t, key).map_err(e);
    if before.title != after.title {
        t = set(&t, "title", &scalar(&after.title)?, &["id"])?;
    }
    if before.description != after.description {
        t = match &after.description {
            Some(d) => {
                let y = serde_saphyr::to_string(d).map_err(|x| one(x.to_string()))?;
                set(&t, "description", &y, &["title"])?
            }
            None => remove(&t, "description")?,
        };
    }
    if before.owner != after.owner {
        t = set(
            &t,
            "owner",
            &scalar(&after.owner)?,
            &["description", "title"],
        )?;
    }
    if before.category != after.category {
        t = match &after.category {
            Some(c) => set(&t, "category", &scalar(c)?, &["owner"])?,
            None => remove(&t, "category")?,
        };
    }
    if before.systems != after.systems {
        let items: Vec<&str> = after.systems.iter().map(|s| s.as_str()).collect();
        t = if items.is_empty() {
            remove(&t, "systems")?
        } else {
            let y = list_yaml(&items, flow(&t, "systems"))?;
            set(&t, "systems", &y, &["category", "owner"])?
        };
    }
    if before.controls != after.controls {
        let items: Vec<&str> = after.controls.iter().map(|c| c.0.as_str()).collect();
        t = if items.is_empty() {
            remove(&t, "controls")?
        } else {
            let y = list_yaml(&items, flow(&t, "controls"))?;
            set(&t, "controls", &y, &["systems", "category", "owner"])?
        };
    }
    if before.inherent != after.inherent {
        let y = rating_nested(&t, "inherent", &before.inherent, &after.inherent)
            .unwrap_or_else(|| rating_yaml(&after.inherent, flow(&t, "inherent")));
        t = set(
            &t,
            "inherent",
            &y,
            &["controls", "systems", "category", "owner"],
        )?;
    }
    if before.treatment != after.treatment {
        t = set(
            &t,
            "treatment",
            treatment_text(after.treatment),
            &["inherent"],
        )?;
    }
    if before.acceptance != after.acceptance {
        t = match &after.acceptance {
            Some(a) => set(&t, "acceptance", &acceptance_yaml(a)?, &["treatment"])?,
            None => remove(&t, "acceptance")?,
        };
    }
    if before.residual != after.residual {
        t = match &after.residual {
            Some(r) => {
                let y = before
                    .residual
                    .and_then(|b| rating_nested(&t, "residual", &b, r))
                    .unwrap_or_else(|| rating_yaml(r, flow(&t, "residual")));
                set(&t, "residual", &y, &["acceptance", "treatment"])?
            }
            None => remove(&t, "residual")?,
        };
    }
    if before.loss != after.loss {
        t = match &after.loss {
            Some(l) => {
                let y = before
                    .loss
                    .as_ref()
                    .and_then(|b| loss_nested(&t, b, l))
                    .unwrap_or_else(|| loss_yaml(l));
                set(&t, "loss", &y, &["residual", "acceptance", "treatment"])?
            }
            None => remove(&t, "loss")?,
        };
    }
    if before.reduced_by != after.reduced_by {
        let only_added = after.reduced_by.len() > before.reduced_by.len()
            && after.reduced_by[..before.reduced_by.len()] == before.reduced_by[..]
            && !flow(&t, "reduced_by");
        if only_added {
            // New entries go at the end, so the old ones keep their comments.
            for r in &after.reduced_by[before.reduced_by.len()..] {
                let at = anchor(&t, &["loss", "residual", "acceptance", "treatment"]);
                t = edit::append_item(&t, "reduced_by", &reduction_yaml(r)?, at).map_err(e)?;
            }
        } else if after.reduced_by.is_empty() {
            t = remove(&t, "reduced_by")?;
        } else {
            let mut y = String::new();
            for r in &after.reduced_by {
                let item = reduction_yaml(r)?;
                for (i, line) in item.lines().enumerate() {
                    y.push_str(if i == 0 { "- " } else { "  " });
                    y.push_str(line);
                    y.push('\n');
                }
            }
            t = set(
                &t,
                "reduced_by",
                &y,
                &["loss", "residual", "acceptance", "treatment"],
            )?;
        }
    }
    if before.status != after.status {
        t = match after.status {
            RiskStatus::Closed => set(&t, "status", "closed", &[])?,
            RiskStatus::Open => remove(&t, "status")?,
        };
    }
    if before.closed != after.closed {
        t = match after.closed {
            Some(d) => set(&t, "closed", &d.to_string(), &["status"])?,
            None => remove(&t, "closed")?,
        };
    }
    if before.closed_reason != after.closed_reason {
        t = match &after.closed_reason {
            Some(r) => set(&t, "closed_reason", &scalar(r)?, &["closed"])?,
            None => remove(&t, "closed_reason")?,
        };
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_id_follows_the_register_s_numbering() {
        assert_eq!(next_id([].into_iter()), "R-001");
        assert_eq!(next_id(["R-001", "R-004", "R-002"].into_iter()), "R-005");
        assert_eq!(next_id(["R-1", "R-9"].into_iter()), "R-10");
        assert_eq!(
            next_id(["RISK-12", "RISK-03", "R-001", "legacy"].into_iter()),
            "RISK-13"
        );
        assert_eq!(next_id(["R-099"].into_iter()), "R-100");
    }
}
