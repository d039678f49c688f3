//! The policy lifecycle: write a new policy (front matter and a body to
//! fill in), list the policies, show where each stands (version, owners,
//! last approval, whether the current text is the approved one, next
//! review), and bump a version with a changelog entry. A bump edits only
//! the front matter, through `crate::edit`; the body stays byte for byte.

use crate::edit;
use crate::exceptions::refs::{Loaded, check_id};
use crate::exceptions::{Refusal, lock_unless, write_or_show};
use crate::model::{
    ControlRef, Date, Period, PolicyChange, PolicyFront, PolicyId, PolicyStatus, SCHEMA_VERSION,
};
use crate::schema::Kind;
use crate::validate::approvals::{Approved, content_sha256};
use serde::Serialize;
use std::path::Path;

/// What `aegis policy new` is asked to write.
#[derive(Debug)]
pub struct NewPolicy {
    pub id: String,
    pub title: String,
    pub owner: String,
    pub approvers: Vec<String>,
    pub controls: Vec<String>,
    pub review_every: Period,
}

/// Writes `policies/<id>.md`: a draft at version 0.1.
/// With `dry_run`, writes nothing and shows the new file on `out`.
pub fn new(
    root: &Path,
    p: NewPolicy,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<String, Refusal> {
    let _lock = lock_unless(dry_run, &root.join("policies"))?;
    let loaded = Loaded::load(root)?;
    let mut problems = Vec::new();
    if let Err(e) = check_id(&p.id) {
        problems.push(e);
    }
    if loaded
        .outcome
        .repo
        .policies
        .iter()
        .any(|x| x.value.id.as_str() == p.id)
    {
        problems.push(format!("a policy `{}` already exists", p.id));
    }
    crate::text::check_line("the title", &p.title, &mut problems);
    crate::text::check_line("the owner", &p.owner, &mut problems);
    for a in &p.approvers {
        crate::text::check_line("an approver", a, &mut problems);
    }
    let controls = loaded
        .resolve_controls(&p.controls, None)
        .unwrap_or_else(|mut e| {
            problems.append(&mut e);
            Vec::new()
        });
    let rel = format!("policies/{}.md", p.id);
    if problems.is_empty() && root.join(&rel).exists() {
        problems.push(format!("{rel} already exists"));
    }
    if !problems.is_empty() {
        return Err(Refusal::Invalid(problems));
    }
    let mut approvers = p.approvers;
    approvers.sort();
    approvers.dedup();
    let front = PolicyFront {
        schema_version: SCHEMA_VERSION,
        id: PolicyId(p.id),
        title: p.title.clone(),
        version: "0.1".into(),
        owner: p.owner,
        approvers,
        status: Some(PolicyStatus::Draft),
        effective: None,
        reviewed: None,
        review_every: Some(p.review_every),
        controls: controls.into_iter().map(ControlRef).collect(),
        changelog: Vec::new(),
    };
    let yaml =
        serde_saphyr::to_string(&front).map_err(|e| Refusal::Invalid(vec![e.to_string()]))?;
    let text = format!(
        "---\n{}\n{yaml}---\n\n{}",
        Kind::Policy.modeline(&rel),
        skeleton(&p.title)
    );
    write_or_show(root, &rel, None, &text, dry_run, out)?;
    Ok(rel)
}

/// The body of a new policy: the sections a policy usually has, to fill in.
fn skeleton(title: &str) -> String {
    let title = title.replace(['\n', '\r'], " ");
    format!(
        "# {title}\n\n\
         ## Purpose\n\nWhy this policy exists and what it protects.\n\n\
         ## Scope\n\nThe systems, data and people it applies to.\n\n\
         ## Policy\n\n1. What must be done (each statement testable).\n\n\
         ## Roles and responsibilities\n\nWho does what; the owner keeps this policy current.\n\n\
         ## Exceptions\n\nDepartures from this policy are time-boxed exceptions with an approver \
         (`aegis exceptions add`).\n\n\
         ## Review\n\nReviewed at least as often as `review_every` in the front matter; \
         changes are approved by the approvers in a pull request.\n"
    )
}

/// The last approval the ledger records for a policy.
#[derive(Clone, Debug, Serialize)]
pub struct LastApproval {
    pub version: String,
    pub approved_at: String,
    pub approved_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<u64>,
}

/// Where one policy stands.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyState {
    pub id: String,
    pub file: String,
    pub title: String,
    pub version: String,
    /// draft, active or retired (active when the front matter says nothing).
    pub status: &'static str,
    pub owner: String,
    pub approvers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_approval: Option<LastApproval>,
    /// Whether the ledger holds an approval of the file's current content.
    pub approved: bool,
    pub sha256: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_every: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_review: Option<Date>,
    pub review_overdue: bool,
    pub controls: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_change: Option<PolicyChange>,
}

/// Every policy (or the one `only` names), sorted by id.
pub fn status(root: &Path, only: Option<&str>, today: Date) -> Result<Vec<PolicyState>, Refusal> {
    let loaded = Loaded::load(root)?;
    let repo = &loaded.outcome.repo;
    let approved = Approved::of(repo);
    let mut out = Vec::new();
    for p in &repo.policies {
        let f = &p.value;
        if only.is_some_and(|id| id != f.id.as_str()) {
            continue;
        }
        let text = loaded.ws.files.get(p.file).map_or("", |x| x.text.as_str());
        let last = repo
            .approvals
            .iter()
            .flat_map(|l| l.value.approvals.iter())
            .filter(|a| a.policy == f.id)
            .max_by(|a, b| a.approved_at.cmp(&b.approved_at))
            .map(|a| LastApproval {
                version: a.version.clone(),
                approved_at: a.approved_at.text.clone(),
                approved_by: a.approved_by.iter().map(|x| x.login.clone()).collect(),
                pull_request: a.pull_request,
            });
        let next_review = f.review_due();
        out.push(PolicyState {
            id: f.id.0.clone(),
            file: loaded.ws.files[p.file].path.clone(),
            title: f.title.clone(),
            version: f.version.clone(),
            status: match f.status {
                Some(PolicyStatus::Draft) => "draft",
                Some(PolicyStatus::Retired) => "retired",
                Some(PolicyStatus::Active) | None => "active",
            },
            owner: f.owner.clone(),
            approvers: f.approvers.clone(),
            last_approval: last,
            approved: approved.policy(f.id.as_str(), text),
            sha256: content_sha256(text),
            reviewed: f.reviewed,
            review_every: f.review_every.as_ref().map(|p| p.text().to_string()),
            next_review,
            review_overdue: next_review.is_some_and(|d| d < today),
            controls: f.controls.iter().map(|c| c.0.clone()).collect(),
            last_change: f.changelog.last().cloned(),
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.file.cmp(&b.file)));
    if let Some(id) = only
        && out.is_empty()
    {
        let names: Vec<String> = repo.policies.iter().map(|p| p.value.id.0.clone()).collect();
        let hint = crate::validate::schema::did_you_mean(id, &names)
            .map_or(String::new(), |s| format!("; did you mean `{s}`?"));
        return Err(Refusal::Invalid(vec![format!(
            "no policy `{id}` in policies/ (or its front matter does not validate: run `aegis validate`){hint}"
        )]));
    }
    Ok(out)
}

/// Which part of the version a bump raises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Major,
    Minor,
    Patch,
}

/// `version` raised at `part`: `1.4` → `2.0` / `1.5` / `1.4.1`; the parts
/// after the raised one go to zero; at least two parts are kept.
pub fn bumped(version: &str, part: Part) -> Result<String, String> {
    let parts: Vec<u64> = version
        .trim()
        .split('.')
        .map(|p| p.parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            format!(
                "version `{version}` is not numbers separated by dots (like 1.4 or 2.0.1); set the new version by hand"
            )
        })?;
    let at = match part {
        Part::Major => 0,
        Part::Minor => 1,
        Part::Patch => 2,
    };
    let len = parts.len().max(2).max(at + 1);
    let mut out: Vec<u64> = (0..len)
        .map(|i| parts.get(i).copied().unwrap_or(0))
        .collect();
    out[at] = out[at].saturating_add(1);
    for p in &mut out[at + 1..] {
        *p = 0;
    }
    Ok(out.iter().map(u64::to_string).collect::<Vec<_>>().join("."))
}

/// What a bump did.
#[derive(Debug)]
pub struct Bumped {
    pub path: String,
    pub from: String,
    pub to: String,
}

/// Raises a policy's version and adds a changelog entry, in the front
/// matter only.
pub fn bump(
    root: &Path,
    id: &str,
    part: Part,
    note: &str,
    today: Date,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Bumped, Refusal> {
    let _lock = lock_unless(dry_run, &root.join("policies"))?;
    let loaded = Loaded::load(root)?;
    let repo = &loaded.outcome.repo;
    let Some(p) = repo.policies.iter().find(|p| p.value.id.as_str() == id) else {
        let names: Vec<String> = repo.policies.iter().map(|p| p.value.id.0.clone()).collect();
        let hint = crate::validate::schema::did_you_mean(id, &names)
            .map_or(String::new(), |s| format!("; did you mean `{s}`?"));
        return Err(Refusal::Invalid(vec![format!(
            "no policy `{id}` in policies/ (or its front matter does not validate: run `aegis validate`){hint}"
        )]));
    };
    if note.trim().is_empty() {
        return Err(Refusal::Invalid(vec![
            "the note is empty: say what changed".into(),
        ]));
    }
    if let Some(p) = crate::text::lines_problem("the note", note) {
        return Err(Refusal::Invalid(vec![p]));
    }
    let from = p.value.version.clone();
    let to = bumped(&from, part).map_err(|e| Refusal::Invalid(vec![e]))?;
    let file = &loaded.ws.files[p.file];
    let change = PolicyChange {
        version: to.clone(),
        date: today,
        note: note.to_string(),
    };
    let text = edit::edit_front_matter(&file.text, |fm| {
        let fm = edit::set_value(fm, "version", &to)?;
        edit::append_value(&fm, "changelog", &change, None)
    })
    .map_err(|source| Refusal::Edit {
        path: file.path.clone(),
        source,
    })?;
    write_or_show(root, &file.path, Some(&file.text), &text, dry_run, out)?;
    Ok(Bumped {
        path: file.path.clone(),
        from,
        to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_bump_at_the_part_asked() {
        assert_eq!(bumped("1.0", Part::Minor).as_deref(), Ok("1.1"));
        assert_eq!(bumped("1.4", Part::Major).as_deref(), Ok("2.0"));
        assert_eq!(bumped("1.4", Part::Patch).as_deref(), Ok("1.4.1"));
        assert_eq!(bumped("1.2.3", Part::Minor).as_deref(), Ok("1.3.0"));
        assert_eq!(bumped("3", Part::Minor).as_deref(), Ok("3.1"));
        assert!(bumped("v1.0-draft", Part::Minor).is_err());
    }

    #[test]
    fn a_new_policy_body_has_its_title() {
        assert!(skeleton("Access\ncontrol").starts_with("# Access control\n\n## Purpose"));
    }
}
