//! The sync itself: commit → merged pull request → changed policies and
//! plans → reviews → eligible approvals → `policies/approvals.yaml`.

use super::codeowners::{self, CodeOwners};
use super::git::Git;
use super::reviews::{self, Review, User};
use crate::github::{self, Client, path::segment};
use crate::model::{
    Approval, ApprovalLedger, Approver, PlanApproval, PolicyId, SCHEMA_VERSION, When,
};
use crate::validate::approvals::{Approved, content_sha256};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

pub struct Options<'a> {
    pub repo: &'a Path,
    pub owner: &'a str,
    pub name: &'a str,
    /// The merge commit to record (default: HEAD).
    pub commit: Option<&'a str>,
    /// Say what would be recorded; write nothing.
    pub dry_run: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    GitHub(#[from] Box<github::Error>),
    #[error(transparent)]
    Load(#[from] crate::workspace::LoadError),
    #[error("{0}")]
    Git(String),
    #[error("{0}")]
    Repo(String),
    #[error(
        "no merged pull request introduced commit {0}; approvals are recorded from the reviews of the pull request that merged it (run this on the default branch after the merge)"
    )]
    NoPull(String),
    #[error("another aegis process is writing to {0}; run this again once it has finished")]
    Busy(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// What the sync found and did.
#[derive(Debug, Default)]
pub struct Report {
    pub commit: String,
    pub pull: Option<u64>,
    /// Records the PR changed that were already approved as they are.
    pub already: Vec<String>,
    pub recorded: Vec<Recorded>,
    pub failed: Vec<Failed>,
    /// Things the reader should know (CODEOWNERS lines skipped, teams
    /// that could not be checked).
    pub notes: Vec<String>,
    /// Whether `policies/approvals.yaml` was written.
    pub written: bool,
}

#[derive(Debug)]
pub struct Recorded {
    /// `policy \`x\` version 1.2` or `remediation plan \`y\``.
    pub what: String,
    pub approvers: Vec<String>,
}

#[derive(Debug)]
pub struct Failed {
    pub what: String,
    pub needed: usize,
    pub counted: Vec<String>,
    /// Each reviewer whose review did not count, and why.
    pub not_counted: Vec<(String, String)>,
}

// ---- GitHub's answers, as far as they are read ------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Pull {
    number: u64,
    merged_at: Option<String>,
    merge_commit_sha: Option<String>,
    user: Option<User>,
    head: Ref,
    base: Ref,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Ref {
    sha: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PullFile {
    filename: String,
    previous_filename: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CommitInfo {
    author: Option<User>,
    committer: Option<User>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Membership {
    state: String,
}

// ---- what needs an approval ---------------------------------------------------------

enum Kind {
    Policy { id: PolicyId, version: String },
    Plan { id: String },
}

struct Candidate<'a> {
    kind: Kind,
    /// Path in the git work tree.
    git_path: String,
    text: &'a str,
    /// The policy's own `approvers` (none for plans).
    approvers: Vec<String>,
    needed: usize,
}

impl Candidate<'_> {
    fn what(&self) -> String {
        match &self.kind {
            Kind::Policy { id, version } => format!("policy `{id}` version {version}"),
            Kind::Plan { id } => format!("remediation plan `{id}`"),
        }
    }
}

/// Whether a team member check could be made.
#[derive(Clone, Debug, PartialEq)]
enum TeamCheck {
    Member,
    NotMember,
    Unknown(String),
}

pub fn sync(client: &Client, opts: &Options) -> Result<Report, Error> {
    let ws = crate::workspace::load(opts.repo)?;
    let outcome = crate::validate::index_only(&ws);
    let git = Git::open(opts.repo).map_err(Error::Git)?;
    let commit = git
        .commit_id(opts.commit.unwrap_or("HEAD"))
        .map_err(Error::Git)?;
    let mut report = Report {
        commit: commit.clone(),
        ..Report::default()
    };
    let repo_path = github::path::repo(opts.owner, opts.name);

    // The pull request that merged the commit.
    let pulls: Vec<Pull> = client
        .get_all(&format!("{repo_path}/commits/{commit}/pulls"))
        .map_err(Box::new)?;
    let merged: Vec<&Pull> = pulls.iter().filter(|p| p.merged_at.is_some()).collect();
    let Some(pull) = merged
        .iter()
        .find(|p| p.merge_commit_sha.as_deref() == Some(commit.as_str()))
        .or_else(|| merged.first())
    else {
        return Err(Error::NoPull(commit));
    };
    report.pull = Some(pull.number);
    let n = pull.number;

    // What it changed, among the records that need approval.
    let files: Vec<PullFile> = client
        .get_all(&format!("{repo_path}/pulls/{n}/files"))
        .map_err(Box::new)?;
    let changed: BTreeSet<&str> = files
        .iter()
        .flat_map(|f| std::iter::once(f.filename.as_str()).chain(f.previous_filename.as_deref()))
        .collect();
    let approved = Approved::of(&outcome.repo);
    let mut candidates = Vec::new();
    for p in &outcome.repo.policies {
        let Some(file) = ws.files.get(p.file) else {
            continue;
        };
        let git_path = format!("{}{}", git.prefix, file.path);
        if !changed.contains(git_path.as_str()) {
            continue;
        }
        let c = Candidate {
            kind: Kind::Policy {
                id: p.value.id.clone(),
                version: p.value.version.clone(),
            },
            git_path,
            text: &file.text,
            approvers: p.value.approvers.clone(),
            needed: 1,
        };
        if approved.policy(p.value.id.as_str(), &file.text) {
            report.already.push(c.what());
        } else {
            candidates.push(c);
        }
    }
    for plan in &outcome.repo.remediation_plans {
        let Some(file) = ws.files.get(plan.file) else {
            continue;
        };
        let git_path = format!("{}{}", git.prefix, file.path);
        if !changed.contains(git_path.as_str()) {
            continue;
        }
        let needed = plan.value.required_approvals().max(1) as usize;
        let c = Candidate {
            kind: Kind::Plan {
                id: plan.value.id.clone(),
            },
            git_path,
            text: &file.text,
            approvers: Vec::new(),
            needed,
        };
        if approved.plan_approvers(&plan.value.id, &file.text) >= needed {
            report.already.push(c.what());
        } else {
            candidates.push(c);
        }
    }
    if candidates.is_empty() {
        return Ok(report);
    }
    // The working tree must be the commit being recorded: its content is
    // what the hash approves.
    for c in &candidates {
        let at = git.read_at(&commit, &c.git_path).map_err(Error::Git)?;
        if at.as_deref() != Some(c.text.as_bytes()) {
            return Err(Error::Repo(format!(
                "{} in the working tree differs from commit {}; check out that commit (or pass --commit with the commit checked out)",
                c.git_path,
                short(&commit)
            )));
        }
    }

    // CODEOWNERS as the base branch had it.
    let owners = read_codeowners(&git, &pull.base.sha, &mut report.notes);

    // Reviews, and who may not approve their own change.
    let all: Vec<Review> = client
        .get_all(&format!("{repo_path}/pulls/{n}/reviews"))
        .map_err(Box::new)?;
    let latest = reviews::latest_opinionated(&all);
    let mut own: BTreeMap<String, &'static str> = BTreeMap::new();
    if let Some(u) = pull.user.as_ref().filter(|u| !u.login.is_empty()) {
        own.insert(u.login.to_ascii_lowercase(), "is the pull request's author");
    }
    if !pull.head.sha.is_empty()
        && let Some(c) = client
            .get_optional::<CommitInfo>(&format!("{repo_path}/commits/{}", segment(&pull.head.sha)))
            .map_err(Box::new)?
    {
        for u in [c.author, c.committer].into_iter().flatten() {
            // `web-flow` commits for GitHub's web editor, not a person.
            if !u.login.is_empty() && u.login != "web-flow" {
                own.entry(u.login.to_ascii_lowercase())
                    .or_insert("made the head commit");
            }
        }
    }

    let mut teams: HashMap<(String, String, String), TeamCheck> = HashMap::new();
    let mut new_policies = Vec::new();
    let mut new_plans = Vec::new();
    let mut unchecked: BTreeSet<String> = BTreeSet::new();
    for c in &candidates {
        let rel = c.git_path.as_str();
        let code_owners: Vec<String> = owners
            .as_ref()
            .map(|o| o.owners_of(rel).to_vec())
            .unwrap_or_default();
        let mut eligible: Vec<String> = c.approvers.clone();
        for o in &code_owners {
            if !eligible.contains(o) {
                eligible.push(o.clone());
            }
        }
        let mut counted: Vec<(&str, &Review)> = Vec::new();
        let mut not_counted: Vec<(String, String)> = Vec::new();
        for (key, r) in &latest {
            let login = r.login().unwrap_or(key.as_str());
            let state = r.state();
            if state != "APPROVED" {
                not_counted.push((
                    login.to_string(),
                    if state == "DISMISSED" {
                        "their approval was dismissed".into()
                    } else {
                        "requested changes in their latest review".into()
                    },
                ));
                continue;
            }
            if r.commit_id.as_deref() != Some(pull.head.sha.as_str()) {
                not_counted.push((
                    login.to_string(),
                    format!(
                        "approved commit {}, not the merged head {}",
                        short(r.commit_id.as_deref().unwrap_or("?")),
                        short(&pull.head.sha)
                    ),
                ));
                continue;
            }
            if let Some(why) = own.get(key) {
                not_counted.push((
                    login.to_string(),
                    format!("{why}: self-approval does not count"),
                ));
                continue;
            }
            if eligible.is_empty() {
                // Plans without CODEOWNERS: any reviewer but the author.
                if matches!(c.kind, Kind::Plan { .. }) {
                    counted.push((login, r));
                } else {
                    not_counted.push((
                        login.to_string(),
                        "the policy names no approvers and CODEOWNERS no owner of its file".into(),
                    ));
                }
                continue;
            }
            match eligible_by(client, &eligible, login, &mut teams) {
                Ok(_) => counted.push((login, r)),
                Err(why) => {
                    if why.contains("members: read") {
                        unchecked.insert(login.to_string());
                    }
                    not_counted.push((login.to_string(), why));
                }
            }
        }
        if counted.len() < c.needed {
            report.failed.push(Failed {
                what: c.what(),
                needed: c.needed,
                counted: counted.iter().map(|(l, _)| l.to_string()).collect(),
                not_counted,
            });
            continue;
        }
        let mut approved_by: Vec<Approver> = counted
            .iter()
            .map(|(login, r)| Approver {
                login: login.to_string(),
                review_id: Some(r.id),
                commit: r.commit_id.clone(),
            })
            .collect();
        approved_by.sort_by(|a, b| a.login.cmp(&b.login));
        let latest_at = counted
            .iter()
            .filter_map(|(_, r)| r.submitted_at.as_deref())
            .filter_map(|s| s.parse::<jiff::Timestamp>().ok().map(|t| (t, s)))
            .max_by_key(|(t, _)| *t)
            .and_then(|(_, s)| s.parse::<When>().ok());
        let Some(approved_at) = latest_at else {
            report.failed.push(Failed {
                what: c.what(),
                needed: c.needed,
                counted: Vec::new(),
                not_counted: vec![(
                    "(all)".into(),
                    "GitHub gave no submission time for the approving reviews".into(),
                )],
            });
            continue;
        };
        report.recorded.push(Recorded {
            what: c.what(),
            approvers: approved_by.iter().map(|a| a.login.clone()).collect(),
        });
        let sha256 = content_sha256(c.text);
        match &c.kind {
            Kind::Policy { id, version } => new_policies.push(Approval {
                policy: id.clone(),
                version: version.clone(),
                sha256,
                approved_by,
                approved_at,
                pull_request: Some(n),
                commit: Some(commit.clone()),
            }),
            Kind::Plan { id } => new_plans.push(PlanApproval {
                plan: id.clone(),
                sha256,
                approved_by,
                approved_at,
                pull_request: Some(n),
                commit: Some(commit.clone()),
            }),
        }
    }
    if !unchecked.is_empty() {
        report.notes.push(format!(
            "team membership of {} could not be checked: the token lacks the organization's `members: read` permission (GITHUB_TOKEN never has it; use a GitHub App token, e.g. from actions/create-github-app-token)",
            unchecked.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    if new_policies.is_empty() && new_plans.is_empty() {
        return Ok(report);
    }
    if opts.dry_run {
        return Ok(report);
    }
    report.written = write_ledger(&ws, &outcome.repo, new_policies, new_plans)?;
    Ok(report)
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// CODEOWNERS at `base`, the first of GitHub's locations that exists.
fn read_codeowners(git: &Git, base: &str, notes: &mut Vec<String>) -> Option<CodeOwners> {
    if base.is_empty() {
        notes.push("GitHub gave no base commit for the pull request: CODEOWNERS not read".into());
        return None;
    }
    for loc in codeowners::LOCATIONS {
        match git.read_at(base, loc) {
            Ok(Some(bytes)) => {
                if bytes.len() > codeowners::MAX_BYTES {
                    notes.push(format!(
                        "{loc} at {} is larger than 3 MB, which GitHub ignores: not used",
                        short(base)
                    ));
                    return None;
                }
                let text = String::from_utf8_lossy(&bytes);
                let co = CodeOwners::parse(loc, &text);
                for (line, why) in &co.skipped {
                    notes.push(format!("{loc}:{line} skipped: {why}"));
                }
                return Some(co);
            }
            Ok(None) => {}
            Err(e) => {
                notes.push(format!("CODEOWNERS not read: {e}"));
                return None;
            }
        }
    }
    None
}

/// Whether `login` is one of `eligible` (`@login`, `@org/team`, e-mail),
/// with the entry that made it so; else why not.
fn eligible_by(
    client: &Client,
    eligible: &[String],
    login: &str,
    teams: &mut HashMap<(String, String, String), TeamCheck>,
) -> Result<String, String> {
    let mut problems = Vec::new();
    // Users first: a named reviewer needs no team lookup.
    for e in eligible {
        if let Some(name) = e.strip_prefix('@')
            && !name.contains('/')
            && name.eq_ignore_ascii_case(login)
        {
            return Ok(e.clone());
        }
    }
    for e in eligible {
        let Some(name) = e.strip_prefix('@') else {
            continue; // an e-mail owner: GitHub maps it to an account we cannot see
        };
        match name.split_once('/') {
            None => {}
            Some((org, team)) => {
                let key = (
                    org.to_ascii_lowercase(),
                    team.to_ascii_lowercase(),
                    login.to_ascii_lowercase(),
                );
                let check = match teams.get(&key) {
                    Some(c) => c.clone(),
                    None => {
                        let c = team_check(client, org, team, login);
                        teams.insert(key, c.clone());
                        c
                    }
                };
                match check {
                    TeamCheck::Member => return Ok(e.clone()),
                    TeamCheck::NotMember => {}
                    TeamCheck::Unknown(why) => problems.push(why),
                }
            }
        }
    }
    if problems.is_empty() {
        Err(format!(
            "is not among the eligible approvers ({})",
            eligible.join(", ")
        ))
    } else {
        Err(problems.join("; "))
    }
}

/// `GET /orgs/{org}/teams/{team}/memberships/{login}`: an active
/// membership counts, a pending one does not. GitHub answers 404 both for
/// "not a member" and for a team the token may not see, so a 404 is
/// checked against the team itself.
fn team_check(client: &Client, org: &str, team: &str, login: &str) -> TeamCheck {
    let lacks = |detail: &str| {
        TeamCheck::Unknown(format!(
            "membership of @{org}/{team} could not be checked ({detail}): the token lacks the organization's `members: read` permission"
        ))
    };
    let path = format!(
        "/orgs/{}/teams/{}/memberships/{}",
        segment(org),
        segment(team),
        segment(login)
    );
    match client.get_optional::<Membership>(&path) {
        Ok(Some(m)) if m.state == "active" => TeamCheck::Member,
        Ok(Some(_)) => TeamCheck::NotMember,
        Ok(None) => {
            let team_path = format!("/orgs/{}/teams/{}", segment(org), segment(team));
            match client.get_optional::<serde_json::Value>(&team_path) {
                Ok(Some(_)) => TeamCheck::NotMember,
                Ok(None) => lacks("404 for the team itself"),
                Err(e) if matches!(e.status(), Some(401 | 403)) => lacks("403"),
                Err(e) => TeamCheck::Unknown(format!(
                    "membership of @{org}/{team} could not be checked: {e}"
                )),
            }
        }
        Err(e) if matches!(e.status(), Some(401 | 403)) => lacks("403"),
        Err(e) => TeamCheck::Unknown(format!(
            "membership of @{org}/{team} could not be checked: {e}"
        )),
    }
}

const LEDGER: &str = "policies/approvals.yaml";

/// The ledger with the new approvals appended, written atomically under
/// the lock on `policies/`; whether the file changed.
fn write_ledger(
    ws: &crate::workspace::Workspace,
    repo: &crate::validate::Repo,
    policies: Vec<Approval>,
    plans: Vec<PlanApproval>,
) -> Result<bool, Error> {
    let exists = ws.files.iter().any(|f| f.path == LEDGER);
    let mut ledger = match repo
        .approvals
        .iter()
        .find(|l| ws.files.get(l.file).is_some_and(|f| f.path == LEDGER))
    {
        Some(l) => (*l.value).clone(),
        None if exists => {
            return Err(Error::Repo(format!(
                "{LEDGER} is not valid; run `aegis validate` and fix it before recording approvals"
            )));
        }
        None => ApprovalLedger {
            schema_version: SCHEMA_VERSION,
            approvals: Vec::new(),
            plans: Vec::new(),
        },
    };
    ledger.approvals.extend(policies);
    ledger.plans.extend(plans);
    let body = serde_saphyr::to_string(&ledger).map_err(|e| Error::Repo(e.to_string()))?;
    let text = format!(
        "{}\n{body}",
        crate::schema::Kind::Approvals.modeline(LEDGER)
    );
    let dir = ws.root.join("policies");
    let err = |source| Error::Write {
        path: dir.display().to_string(),
        source,
    };
    let _lock = match crate::write::try_lock_dir(&dir).map_err(err)? {
        Some(l) => l,
        None => return Err(Error::Busy(dir.display().to_string())),
    };
    let path = ws.root.join(LEDGER);
    crate::write::write_if_changed(&path, text.as_bytes()).map_err(|source| Error::Write {
        path: path.display().to_string(),
        source,
    })
}
