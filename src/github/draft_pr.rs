//! One draft PR from CI: files in, PR out.
//!
//! The given files' contents are committed to a fixed branch (e.g.
//! `aegis/ingest`) through the Git Data API, on top of the base branch's
//! tip (blobs → tree with `base_tree` → commit → create or force-update
//! the ref), and ONE pull request from that branch is created or updated.
//!
//! Git blob ids are computed locally and compared with the branch's tree
//! and the base's tree first, so an unchanged run makes **no write request
//! at all**; blobs already in either tree are not uploaded again. A file
//! given as deleted is removed from the tree.
//!
//! Known refusals become actions or clear errors: 422 "A pull request
//! already exists" (found by `head=owner:branch` and edited), 422 "Draft
//! pull requests are not supported" (a normal PR, said so), 422 "No commits
//! between", 403 (the permissions and the Actions setting to change), 404
//! on a missing base branch.

use super::path::{self, git_ref};
use super::{Client, Error};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

/// What to do on a refusal to create pull requests (GITHUB_TOKEN's usual one).
pub const PR_PERMISSIONS: &str = "the token needs `contents: write` and `pull-requests: write` (workflow `permissions:`), and with GITHUB_TOKEN the setting \"Allow GitHub Actions to create and approve pull requests\" (repository or organisation Settings → Actions → General → Workflow permissions)";

/// One file of the proposal: its path in the repository (`/`-separated)
/// and its new content, `None` for a deletion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChange {
    pub path: String,
    pub content: Option<Vec<u8>>,
    pub executable: bool,
}

/// A request for a draft PR.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    pub owner: &'a str,
    pub repo: &'a str,
    /// The branch the files are committed to (`aegis/ingest`).
    pub branch: &'a str,
    /// The branch the PR targets; `None`: the repository's default branch.
    pub base: Option<&'a str>,
    pub title: &'a str,
    /// Markdown, already escaped and within GitHub's size limit.
    pub body: &'a str,
    pub commit_message: &'a str,
    pub files: &'a [FileChange],
    /// Folders (`findings/app`) whose files in the base that are not in
    /// `files` are deleted: a whole regenerated folder.
    pub prune: &'a [String],
}

/// `created`, `updated` or `none` (the `pull-request-operation` output).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Created,
    Updated,
    None,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Created => "created",
            Operation::Updated => "updated",
            Operation::None => "none",
        }
    }
}

/// What was done.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub operation: Operation,
    pub number: Option<u64>,
    pub url: Option<String>,
    /// The new commit on the branch, when one was made.
    pub commit: Option<String>,
    /// The files that differ from the base branch.
    pub changed: Vec<String>,
    /// Whether the PR is a draft (false after the no-drafts fallback).
    pub draft: bool,
    /// Things the user should know (fallbacks, dry-run plans).
    pub notes: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Repo {
    default_branch: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Ref {
    object: Sha,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Sha {
    sha: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Commit {
    sha: String,
    tree: Sha,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Tree {
    tree: Vec<TreeEntry>,
    truncated: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TreeEntry {
    path: String,
    #[serde(rename = "type")]
    kind: String,
    sha: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Contents {
    sha: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct Pull {
    pub number: u64,
    pub html_url: String,
    pub title: String,
    pub body: Option<String>,
    pub draft: bool,
}

/// The git blob id of `content` (what `git hash-object` prints).
pub fn blob_id(content: &[u8]) -> String {
    match gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, content) {
        Ok(id) => id.to_string(),
        // Hashing a byte slice in memory cannot fail; an impossible id
        // just makes the file look changed.
        Err(_) => String::new(),
    }
}

/// The blob paths and ids of a tree (recursive), and whether GitHub cut
/// the listing short (over 100,000 entries).
fn listing(
    client: &Client,
    base: &str,
    tree_sha: &str,
) -> Result<(BTreeMap<String, String>, bool), Error> {
    let tree: Tree = client.get(&format!(
        "{base}/git/trees/{}?recursive=1",
        path::segment(tree_sha)
    ))?;
    let blobs = tree
        .tree
        .into_iter()
        .filter(|e| e.kind == "blob")
        .map(|e| (e.path, e.sha))
        .collect();
    Ok((blobs, tree.truncated))
}

/// The blob ids of `paths` in a tree listed as `listed`: `None` when absent.
fn lookup(
    client: &Client,
    base: &str,
    (listed, truncated): &(BTreeMap<String, String>, bool),
    commit: &str,
    paths: &[&str],
) -> Result<BTreeMap<String, Option<String>>, Error> {
    let mut out = BTreeMap::new();
    for p in paths {
        let sha = match listed.get(*p) {
            Some(s) => Some(s.clone()),
            // A truncated listing may miss it: ask for the one path.
            None if *truncated => {
                let segments: Vec<String> = p.split('/').map(path::segment).collect();
                client
                    .get_optional::<Contents>(&format!(
                        "{base}/contents/{}?ref={}",
                        segments.join("/"),
                        path::query(commit)
                    ))?
                    .filter(|c| c.kind == "file")
                    .map(|c| c.sha)
            }
            None => None,
        };
        out.insert((*p).to_string(), sha);
    }
    Ok(out)
}

/// Commits `req.files` to `req.branch` and creates or updates the PR; no
/// write at all when the branch already holds exactly these files and the
/// PR already says this. In `--dry-run` the writes are listed in `notes`.
pub fn publish(client: &Client, req: &Request<'_>) -> Result<Outcome, Error> {
    let base_path = path::repo(req.owner, req.repo);
    let base_branch = match req.base {
        Some(b) => b.to_string(),
        None => {
            let r: Repo = client.get(&base_path)?;
            r.default_branch
        }
    };
    let base_ref = client
        .get::<Ref>(&format!(
            "{base_path}/git/ref/heads/{}",
            git_ref(&base_branch)
        ))
        .map_err(|e| match e.status() {
            Some(404) => e.with_hint(format!(
                "the base branch {base_branch:?} does not exist; pass an existing one with --base"
            )),
            _ => e,
        })?;
    let base_commit: Commit = client.get(&format!(
        "{base_path}/git/commits/{}",
        path::segment(&base_ref.object.sha)
    ))?;
    let branch_ref: Option<Ref> = client.get_optional(&format!(
        "{base_path}/git/ref/heads/{}",
        git_ref(req.branch)
    ))?;
    let branch_commit: Option<Commit> = match &branch_ref {
        Some(r) => Some(client.get(&format!(
            "{base_path}/git/commits/{}",
            path::segment(&r.object.sha)
        ))?),
        None => None,
    };

    // Files of the base under a pruned folder that are gone locally are deletions.
    let base_listing = listing(client, &base_path, &base_commit.tree.sha)?;
    let mut files: Vec<FileChange> = req.files.to_vec();
    for dir in req.prune {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        for p in base_listing.0.keys().filter(|p| p.starts_with(&prefix)) {
            if !files.iter().any(|f| &f.path == p) {
                files.push(FileChange {
                    path: p.clone(),
                    content: None,
                    executable: false,
                });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let wanted: BTreeMap<&str, Option<String>> = files
        .iter()
        .map(|f| (f.path.as_str(), f.content.as_deref().map(blob_id)))
        .collect();
    let in_base = lookup(client, &base_path, &base_listing, &base_commit.sha, &paths)?;
    let in_branch = match &branch_commit {
        Some(c) => {
            let l = listing(client, &base_path, &c.tree.sha)?;
            Some(lookup(client, &base_path, &l, &c.sha, &paths)?)
        }
        None => None,
    };
    let differs = |have: &BTreeMap<String, Option<String>>| -> Vec<String> {
        wanted
            .iter()
            .filter(|(p, want)| have.get(**p).cloned().flatten() != **want)
            .map(|(p, _)| (*p).to_string())
            .collect()
    };
    let changed = differs(&in_base);
    let full_body = with_files(req.body, &changed, &wanted, &in_base);
    let req = &Request {
        body: &full_body,
        files: &files,
        ..req.clone()
    };
    let mut outcome = Outcome {
        operation: Operation::None,
        number: None,
        url: None,
        commit: None,
        changed: changed.clone(),
        draft: true,
        notes: Vec::new(),
    };
    let open = open_pull(client, &base_path, req.owner, req.branch)?;
    if changed.is_empty() {
        // The base already has these files: nothing to propose.
        if let Some(pr) = &open {
            outcome.number = Some(pr.number);
            outcome.url = Some(pr.html_url.clone());
            outcome.notes.push(format!(
                "the base branch already holds these files; PR #{} may be closed",
                pr.number
            ));
        }
        return Ok(outcome);
    }
    let branch_current = in_branch.as_ref().is_some_and(|b| differs(b).is_empty());
    if !branch_current {
        let commit = commit_files(
            client,
            &base_path,
            req,
            &base_commit,
            &changed,
            [Some(&in_base), in_branch.as_ref()],
        )?;
        if client.dry_run() {
            outcome.notes.push(format!(
                "dry run: would commit {} changed file(s) on top of {base_branch} (blobs, tree, commit) and {} refs/heads/{}",
                changed.len(),
                if branch_ref.is_some() { "force-update" } else { "create" },
                req.branch
            ));
        } else if branch_ref.is_some() {
            let _: serde_json::Value = client
                .patch(
                    &format!("{base_path}/git/refs/heads/{}", git_ref(req.branch)),
                    &json!({ "sha": commit, "force": true }),
                )
                .map_err(permission_hint)?;
        } else {
            let _: serde_json::Value = client
                .post(
                    &format!("{base_path}/git/refs"),
                    &json!({ "ref": format!("refs/heads/{}", req.branch), "sha": commit }),
                )
                .map_err(permission_hint)?;
        }
        if !client.dry_run() {
            outcome.commit = Some(commit);
        }
    }
    match open {
        Some(pr) => {
            outcome.number = Some(pr.number);
            outcome.url = Some(pr.html_url.clone());
            outcome.draft = pr.draft;
            let same = pr.title == req.title
                && normalise(pr.body.as_deref().unwrap_or("")) == normalise(req.body);
            if !same {
                if client.dry_run() {
                    outcome
                        .notes
                        .push(format!("dry run: would edit PR #{}", pr.number));
                } else {
                    update_pull(client, &base_path, pr.number, req)?;
                }
            }
            outcome.operation = if same && branch_current {
                Operation::None
            } else {
                Operation::Updated
            };
        }
        None if client.dry_run() => {
            outcome.notes.push(format!(
                "dry run: would open a draft PR from {} into {base_branch}",
                req.branch
            ));
            outcome.operation = Operation::Created;
        }
        None => {
            let (pr, op, draft, note) = create_pull(client, &base_path, &base_branch, req)?;
            outcome.number = Some(pr.number);
            outcome.url = Some(pr.html_url);
            outcome.operation = op;
            outcome.draft = draft;
            outcome.notes.extend(note);
        }
    }
    Ok(outcome)
}

/// Uploads the blobs not already in the repository, then a tree on the
/// base's tree and a commit on the base's tip; returns the commit's sha
/// (a placeholder in a dry run, which writes nothing).
fn commit_files(
    client: &Client,
    base_path: &str,
    req: &Request<'_>,
    base_commit: &Commit,
    changed: &[String],
    known: [Option<&BTreeMap<String, Option<String>>>; 2],
) -> Result<String, Error> {
    if client.dry_run() {
        return Ok(String::new());
    }
    let known_blobs: std::collections::BTreeSet<&str> = known
        .iter()
        .flatten()
        .flat_map(|m| m.values().flatten().map(String::as_str))
        .collect();
    let mut entries = Vec::new();
    for f in req.files.iter().filter(|f| changed.contains(&f.path)) {
        let mode = if f.executable { "100755" } else { "100644" };
        match &f.content {
            None => {
                entries.push(json!({"path": f.path, "mode": mode, "type": "blob", "sha": null}))
            }
            Some(content) => {
                let id = blob_id(content);
                let sha = if known_blobs.contains(id.as_str()) {
                    id
                } else {
                    let made: Sha = client
                        .post(&format!("{base_path}/git/blobs"), &blob_body(content))
                        .map_err(permission_hint)?;
                    made.sha
                };
                entries.push(json!({"path": f.path, "mode": mode, "type": "blob", "sha": sha}));
            }
        }
    }
    let tree: Sha = client
        .post(
            &format!("{base_path}/git/trees"),
            &json!({ "base_tree": base_commit.tree.sha, "tree": entries }),
        )
        .map_err(permission_hint)?;
    let commit: Sha = client
        .post(
            &format!("{base_path}/git/commits"),
            &json!({ "message": req.commit_message, "tree": tree.sha, "parents": [base_commit.sha] }),
        )
        .map_err(permission_hint)?;
    Ok(commit.sha)
}

/// The caller's description and the list of files the PR changes.
fn with_files(
    body: &str,
    changed: &[String],
    wanted: &BTreeMap<&str, Option<String>>,
    in_base: &BTreeMap<String, Option<String>>,
) -> String {
    let mut out = body.trim_end().to_string();
    out.push_str("\n\n#### Files\n\n");
    for p in changed {
        let how = match (
            in_base.get(p).cloned().flatten(),
            wanted.get(p.as_str()).cloned().flatten(),
        ) {
            (None, _) => "added",
            (_, None) => "deleted",
            _ => "changed",
        };
        out.push_str(&format!("- {} ({how})\n", super::markdown::code(p)));
    }
    super::report::cap(out, super::report::COMMENT_BUDGET, None)
}

fn blob_body(content: &[u8]) -> serde_json::Value {
    match std::str::from_utf8(content) {
        Ok(text) => json!({ "content": text, "encoding": "utf-8" }),
        Err(_) => json!({ "content": base64(content), "encoding": "base64" }),
    }
}

/// The open PR from `branch`, if any (all pages: `head=` filters to one).
fn open_pull(
    client: &Client,
    base_path: &str,
    owner: &str,
    branch: &str,
) -> Result<Option<Pull>, Error> {
    let pulls: Vec<Pull> = client.get_all(&format!(
        "{base_path}/pulls?state=open&head={}",
        path::query(&format!("{owner}:{branch}"))
    ))?;
    Ok(pulls.into_iter().min_by_key(|p| p.number))
}

fn update_pull(
    client: &Client,
    base_path: &str,
    number: u64,
    req: &Request<'_>,
) -> Result<(), Error> {
    let _: serde_json::Value = client
        .patch(
            &format!("{base_path}/pulls/{number}"),
            &json!({ "title": req.title, "body": req.body }),
        )
        .map_err(permission_hint)?;
    Ok(())
}

/// POST /pulls as a draft; on "already exists" edit that PR, on "drafts
/// not supported" open a normal one.
fn create_pull(
    client: &Client,
    base_path: &str,
    base_branch: &str,
    req: &Request<'_>,
) -> Result<(Pull, Operation, bool, Option<String>), Error> {
    let body = |draft: bool| json!({ "title": req.title, "head": req.branch, "base": base_branch, "body": req.body, "draft": draft });
    let url = format!("{base_path}/pulls");
    match client.post::<_, Pull>(&url, &body(true)) {
        Ok(pr) => Ok((pr, Operation::Created, true, None)),
        Err(e) if e.status() == Some(422) => {
            let text = e.github_text();
            if text.contains("already exists") {
                let Some(pr) = open_pull(client, base_path, req.owner, req.branch)? else {
                    return Err(e);
                };
                update_pull(client, base_path, pr.number, req)?;
                let draft = pr.draft;
                Ok((pr, Operation::Updated, draft, None))
            } else if text.contains("Draft pull requests are not supported") {
                let pr: Pull = client.post(&url, &body(false)).map_err(permission_hint)?;
                Ok((
                    pr,
                    Operation::Created,
                    false,
                    Some(
                        "this repository does not support draft pull requests; opened a normal one"
                            .to_string(),
                    ),
                ))
            } else if text.contains("No commits between") {
                Err(e.with_hint(format!(
                    "the branch {} has nothing {base_branch} lacks; nothing to propose",
                    req.branch
                )))
            } else {
                Err(e)
            }
        }
        Err(e) => Err(permission_hint(e)),
    }
}

/// A 403 on a write gets the permissions and the Actions setting to change.
fn permission_hint(e: Error) -> Error {
    if e.status() == Some(403) && !e.github_text().to_ascii_lowercase().contains("rate limit") {
        e.with_hint(PR_PERMISSIONS)
    } else {
        e
    }
}

fn normalise(s: &str) -> String {
    s.replace("\r\n", "\n").trim_end().to_string()
}

/// Standard base64 with padding (for blobs that are not UTF-8).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_ids_match_git() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(
            blob_id(b"hello\n"),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
        assert_eq!(blob_id(b""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    }

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(&[0xff, 0xfe]), "//4=");
    }
}
