//! Idle work-in-progress branches: no commit for N days and no open pull
//! request. Branch tips and commit times are read locally with gix
//! (remote-tracking `refs/remotes/origin/*`, else local branches); open
//! PRs through the API (every page). Each idle branch gets one nudge per
//! tip, never two: a commit comment on the tip mentioning its author, or
//! a draft PR into the default branch, both carrying a hidden marker that
//! later runs look for.

use super::path;
use super::{Client, Error};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;

/// The hidden marker of a nudge.
pub const MARKER: &str = "<!-- aegis:stale-branch -->";

/// A branch tip as git has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branch {
    /// Without `refs/remotes/origin/` or `refs/heads/`.
    pub name: String,
    pub tip: String,
    /// Committer time of the tip, seconds since the epoch.
    pub time: i64,
    pub author: String,
}

/// Where the branches came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    RemoteTracking,
    Local,
}

/// How to nudge (set in aegis.yaml or with --action).
pub use crate::model::StaleAction as Action;

/// What happened to one branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub branch: String,
    pub tip: String,
    pub idle_days: i64,
    pub outcome: String,
}

/// Branch tips of the git repository holding `repo`.
pub fn branches(repo: &Path) -> Result<(Vec<Branch>, Source), String> {
    let r = gix::discover(repo)
        .map_err(|e| format!("{} is not inside a git repository: {e}", repo.display()))?;
    let refs = r
        .references()
        .map_err(|e| format!("cannot read the branches: {e}"))?;
    let mut remote = Vec::new();
    let iter = refs
        .remote_branches()
        .map_err(|e| format!("cannot read the branches: {e}"))?;
    for rf in iter {
        let mut rf = rf.map_err(|e| format!("cannot read a branch: {e}"))?;
        let full = rf.name().as_bstr().to_string();
        let Some(name) = full.strip_prefix("refs/remotes/origin/") else {
            continue;
        };
        if name == "HEAD" {
            continue;
        }
        let name = name.to_string();
        if let Some(b) = tip(&mut rf, name)? {
            remote.push(b);
        }
    }
    if !remote.is_empty() {
        remote.sort_by(|a, b| a.name.cmp(&b.name));
        return Ok((remote, Source::RemoteTracking));
    }
    let mut local = Vec::new();
    let iter = refs
        .local_branches()
        .map_err(|e| format!("cannot read the branches: {e}"))?;
    for rf in iter {
        let mut rf = rf.map_err(|e| format!("cannot read a branch: {e}"))?;
        let full = rf.name().as_bstr().to_string();
        let name = full
            .strip_prefix("refs/heads/")
            .unwrap_or(&full)
            .to_string();
        if let Some(b) = tip(&mut rf, name)? {
            local.push(b);
        }
    }
    local.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((local, Source::Local))
}

fn tip(rf: &mut gix::Reference<'_>, name: String) -> Result<Option<Branch>, String> {
    // A ref to something other than a commit (a tag of a tree) is no branch to nudge.
    let Ok(commit) = rf.peel_to_commit() else {
        return Ok(None);
    };
    let time = commit
        .time()
        .map_err(|e| format!("cannot read the commit time of {name}: {e}"))?
        .seconds;
    let author = commit
        .author()
        .map(|a| a.name.to_string())
        .unwrap_or_default();
    Ok(Some(Branch {
        name,
        tip: commit.id.to_string(),
        time,
        author,
    }))
}

/// `pattern` with `*` (any run of characters) matches `name`.
pub fn glob(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Pull {
    number: u64,
    body: Option<String>,
    head: Head,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Head {
    #[serde(rename = "ref")]
    name: String,
    sha: String,
    repo: Option<RepoName>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RepoName {
    full_name: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Comment {
    body: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CommitInfo {
    author: Option<Login>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Login {
    login: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Repo {
    default_branch: String,
}

/// The settings of one run.
pub struct Options<'a> {
    pub owner: &'a str,
    pub repo: &'a str,
    pub days: u32,
    pub action: Action,
    pub exclude: &'a [String],
    /// Seconds since the epoch that "now" is.
    pub now: i64,
}

/// Nudges every idle branch once per tip; one row per branch considered.
pub fn nudge(client: &Client, branches: &[Branch], opts: &Options<'_>) -> Result<Vec<Row>, Error> {
    let base = path::repo(opts.owner, opts.repo);
    let default_branch = client.get::<Repo>(&base)?.default_branch;
    let full_name = format!("{}/{}", opts.owner, opts.repo);
    let open: Vec<Pull> = client.get_all(&format!("{base}/pulls?state=open"))?;
    let with_pr: BTreeSet<&str> = open
        .iter()
        .filter(|p| {
            p.head
                .repo
                .as_ref()
                .is_none_or(|r| r.full_name.eq_ignore_ascii_case(&full_name))
        })
        .map(|p| p.head.name.as_str())
        .collect();
    let cutoff = opts.now - i64::from(opts.days) * 86_400;
    let mut rows = Vec::new();
    for b in branches {
        let idle_days = (opts.now - b.time).max(0) / 86_400;
        let row = |outcome: String| Row {
            branch: b.name.clone(),
            tip: b.tip.clone(),
            idle_days,
            outcome,
        };
        if b.name == default_branch {
            continue;
        }
        if opts.exclude.iter().any(|p| glob(p, &b.name)) {
            rows.push(row("excluded".into()));
            continue;
        }
        if b.time > cutoff {
            continue;
        }
        if with_pr.contains(b.name.as_str()) {
            rows.push(row("has an open pull request".into()));
            continue;
        }
        let outcome = match opts.action {
            Action::Comment => comment(client, &base, b, idle_days)?,
            Action::DraftPr => draft(client, &base, opts.owner, &default_branch, b, idle_days)?,
        };
        rows.push(row(outcome));
    }
    Ok(rows)
}

fn comment(client: &Client, base: &str, b: &Branch, idle_days: i64) -> Result<String, Error> {
    let sha = path::segment(&b.tip);
    let comments: Vec<Comment> = client.get_all(&format!("{base}/commits/{sha}/comments"))?;
    if comments
        .iter()
        .any(|c| c.body.as_deref().is_some_and(|t| t.starts_with(MARKER)))
    {
        return Ok("already nudged at this tip".into());
    }
    // GitHub knows which account made the commit; git only has a name.
    let who = match client.get_optional::<CommitInfo>(&format!("{base}/commits/{sha}"))? {
        Some(CommitInfo {
            author: Some(Login { login }),
        }) if is_login(&login) => format!("@{login}"),
        _ => super::markdown::text(&b.author),
    };
    let body = format!(
        "{MARKER}\n{who}: the branch {} has had no commit for {idle_days} days and has no open pull request. Open one (a draft is fine), merge it, or delete the branch if the work is done.\n",
        super::markdown::code(&b.name)
    );
    if client.dry_run() {
        return Ok(format!(
            "dry run: would comment on {}",
            &b.tip[..b.tip.len().min(12)]
        ));
    }
    let _: serde_json::Value = client.post(
        &format!("{base}/commits/{sha}/comments"),
        &json!({ "body": body }),
    )?;
    Ok("commented on the tip".into())
}

fn draft(
    client: &Client,
    base: &str,
    owner: &str,
    default_branch: &str,
    b: &Branch,
    idle_days: i64,
) -> Result<String, Error> {
    // A nudge PR closed by the owner stays closed for this tip.
    let closed: Vec<Pull> = client.get_all(&format!(
        "{base}/pulls?state=closed&head={}",
        path::query(&format!("{owner}:{}", b.name))
    ))?;
    if closed
        .iter()
        .any(|p| p.head.sha == b.tip && p.body.as_deref().is_some_and(|t| t.starts_with(MARKER)))
    {
        return Ok("already nudged at this tip (the PR was closed)".into());
    }
    if client.dry_run() {
        return Ok(format!(
            "dry run: would open a draft PR into {default_branch}"
        ));
    }
    let body = format!(
        "{MARKER}\nThe branch {} has had no commit for {idle_days} days and had no pull request; this draft makes the work visible. Finish it, or close this PR and delete the branch.\n",
        super::markdown::code(&b.name)
    );
    let made = client.post::<_, Pull>(
        &format!("{base}/pulls"),
        &json!({
            "title": format!("WIP: {} (idle {idle_days} days)", b.name),
            "head": b.name,
            "base": default_branch,
            "body": body,
            "draft": true,
        }),
    );
    match made {
        Ok(p) => Ok(format!("opened draft PR #{}", p.number)),
        Err(e) if e.status() == Some(422) && e.github_text().contains("No commits between") => Ok(
            format!("nothing {default_branch} lacks: merged already? (delete it)"),
        ),
        Err(e)
            if e.status() == Some(422)
                && e.github_text()
                    .contains("Draft pull requests are not supported") =>
        {
            Err(e.with_hint("this repository has no draft pull requests; use --action comment"))
        }
        Err(e) if e.status() == Some(403) => Err(e.with_hint(super::draft_pr::PR_PERMISSIONS)),
        Err(e) => Err(e),
    }
}

/// A GitHub login: letters, digits and single hyphens, maybe `[bot]`.
fn is_login(s: &str) -> bool {
    let core = s.strip_suffix("[bot]").unwrap_or(s);
    !core.is_empty()
        && core.len() <= 39
        && core.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("release/*", "release/1.0"));
        assert!(glob("*-keep", "x-keep"));
        assert!(glob("a*b*c", "a-b-c"));
        assert!(!glob("release/*", "feature/x"));
        assert!(glob("main", "main"));
    }

    #[test]
    fn logins() {
        assert!(is_login("octo-cat"));
        assert!(is_login("dependabot[bot]"));
        assert!(!is_login("a b"));
        assert!(!is_login("x<script>"));
    }
}
