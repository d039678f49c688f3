//! One sticky comment per pull request: found again by a hidden marker on
//! its first line, among every page of the PR's issue comments, written by
//! the token's own identity; edited when the body changed, left alone when
//! it did not, created otherwise.

use super::path;
use super::{Client, Error};
use serde::Deserialize;

/// The marker's name; `--key` adds a suffix for several comments per PR.
pub const MARKER: &str = "aegis:pr-comment";
/// Who GITHUB_TOKEN writes as (it cannot ask `GET /user`).
pub const ACTIONS_BOT: &str = "github-actions[bot]";

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Comment {
    id: u64,
    body: Option<String>,
    user: Option<User>,
    html_url: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct User {
    login: String,
}

/// What happened to the comment.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Created {
        id: u64,
        url: String,
    },
    Updated {
        id: u64,
        url: String,
    },
    Unchanged {
        id: u64,
        url: String,
    },
    /// `--dry-run`: what would have been done.
    WouldCreate,
    WouldUpdate {
        id: u64,
    },
}

/// The hidden marker line for `key` (letters, digits, `.`, `_`, `-`).
pub fn marker(key: Option<&str>) -> Result<String, String> {
    match key {
        None => Ok(format!("<!-- {MARKER} -->")),
        Some(k)
            if !k.is_empty()
                && k.len() <= 64
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) =>
        {
            Ok(format!("<!-- {MARKER}:{k} -->"))
        }
        Some(k) => Err(format!(
            "--key {:?}: use up to 64 letters, digits, '.', '_' or '-'",
            crate::output::escape::text(k)
        )),
    }
}

/// The login the token writes as: `author` when given, else `GET /user`,
/// else (GITHUB_TOKEN, which may not read /user) `github-actions[bot]`.
pub fn author(client: &Client, given: Option<&str>) -> Result<String, Error> {
    if let Some(a) = given {
        return Ok(a.to_string());
    }
    match client.get::<User>("/user") {
        Ok(u) if !u.login.is_empty() => Ok(u.login),
        Ok(_) => Ok(ACTIONS_BOT.to_string()),
        Err(e) if matches!(e.status(), Some(401 | 403 | 404)) => Ok(ACTIONS_BOT.to_string()),
        Err(e) => Err(e),
    }
}

/// Creates, edits or leaves the sticky comment on issue/PR `number`.
/// `body` must not hold the marker; it is put on the first line.
pub fn upsert(
    client: &Client,
    owner: &str,
    repo: &str,
    number: u64,
    marker: &str,
    author: &str,
    body: &str,
) -> Result<Outcome, Error> {
    let full = format!("{marker}\n{body}");
    let base = path::repo(owner, repo);
    let comments: Vec<Comment> = client.get_all(&format!("{base}/issues/{number}/comments"))?;
    // The first (oldest) comment of ours whose first line is the marker;
    // quoting the marker elsewhere in a body does not count.
    let mine = comments.iter().find(|c| {
        let b = c.body.as_deref().unwrap_or("");
        b.lines().next().map(str::trim) == Some(marker)
            && c.user
                .as_ref()
                .is_some_and(|u| same_login(&u.login, author))
    });
    match mine {
        Some(c) if normalise(c.body.as_deref().unwrap_or("")) == normalise(&full) => {
            Ok(Outcome::Unchanged {
                id: c.id,
                url: c.html_url.clone(),
            })
        }
        Some(c) if client.dry_run() => Ok(Outcome::WouldUpdate { id: c.id }),
        Some(c) => {
            let done: Comment = client.patch(
                &format!("{base}/issues/comments/{}", c.id),
                &serde_json::json!({ "body": full }),
            )?;
            Ok(Outcome::Updated {
                id: c.id,
                url: done.html_url,
            })
        }
        None if client.dry_run() => Ok(Outcome::WouldCreate),
        None => {
            let done: Comment = client.post(
                &format!("{base}/issues/{number}/comments"),
                &serde_json::json!({ "body": full }),
            )?;
            Ok(Outcome::Created {
                id: done.id,
                url: done.html_url,
            })
        }
    }
}

/// Logins compare case-insensitively; an App's `name[bot]` also matches
/// `name` (as given with --comment-author).
fn same_login(a: &str, b: &str) -> bool {
    let strip = |s: &str| s.strip_suffix("[bot]").unwrap_or(s).to_ascii_lowercase();
    strip(a) == strip(b)
}

/// GitHub keeps bodies as sent, but editors on the web turn `\n` into
/// `\r\n`, and trailing blanks do not show.
fn normalise(s: &str) -> String {
    s.replace("\r\n", "\n").trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        assert_eq!(marker(None).as_deref(), Ok("<!-- aegis:pr-comment -->"));
        assert_eq!(
            marker(Some("prod")).as_deref(),
            Ok("<!-- aegis:pr-comment:prod -->")
        );
        assert!(marker(Some("x -->")).is_err());
    }

    #[test]
    fn bot_logins_match_with_or_without_suffix() {
        assert!(same_login("github-actions[bot]", "github-actions"));
        assert!(same_login("Octo", "octo"));
        assert!(!same_login("octo", "other"));
    }
}
