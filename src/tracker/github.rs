//! GitHub issues as a [`Tracker`], through the GitHub client
//! ([`crate::github::Client`]: pagination, retries, errors).
//!
//! Aegis's issues carry a label (`aegis-poam`), the POA&M id at the start
//! of the title, and the id again in a hidden marker on the body's first
//! line, which is how an issue is recognised even after someone edits its
//! title. The issues list endpoint returns pull requests too; they are
//! skipped.

use super::item::{Closing, Item, id_in_title, is_poam_id, reopening};
use super::{Error, Issue, Tracker, markdown};
use crate::github::{self, Client, path};
use crate::model::Date;
use serde::Deserialize;
use serde_json::{Value, json};

/// GitHub refuses bodies over 65,536 characters; Aegis keeps well under.
const MAX_BODY: usize = 60_000;
const MARKER: &str = "<!-- aegis-poam: ";

/// What to tell a user whose token may not write issues.
const WRITE_HINT: &str = "the token needs the `issues: write` permission: in a workflow, `permissions: { issues: write }`; for a fine-grained token, Issues \"Read and write\" on this repository";
const READ_HINT: &str = "the token needs the `issues: read` permission on this repository (and the repository must exist and have issues enabled)";

pub struct GitHub {
    client: Client,
    /// `/repos/{owner}/{name}`, encoded.
    repo: String,
    label: String,
}

impl GitHub {
    pub fn new(client: Client, owner: &str, name: &str, label: &str) -> GitHub {
        GitHub {
            client,
            repo: path::repo(owner, name),
            label: label.to_string(),
        }
    }

    fn body(&self, item: &Item) -> String {
        let doc = item.body(MAX_BODY, |d| markdown::render(d).chars().count());
        format!("{MARKER}{} -->\n\n{}", item.id, markdown::render(&doc))
    }

    fn issue_path(&self, issue: &Issue) -> String {
        format!("{}/issues/{}", self.repo, issue.number)
    }

    fn write(&self, verb: &str, p: &str, body: &Value) -> Result<Value, Error> {
        let r = match verb {
            "PATCH" => self.client.patch(p, body),
            _ => self.client.post(p, body),
        };
        r.map_err(|e| wrap(e, WRITE_HINT))
    }

    fn comment(&self, issue: &Issue, doc: &super::doc::Doc) -> Result<(), Error> {
        self.write(
            "POST",
            &format!("{}/comments", self.issue_path(issue)),
            &json!({"body": markdown::render(doc)}),
        )?;
        Ok(())
    }

    /// The fields to send so `issue` says what `item` says: title and
    /// body always, labels and assignees only when ours are missing (then
    /// added to what is there, so people's own labels stay).
    fn fields(&self, issue: &Issue, item: &Item) -> Value {
        let mut fields = json!({"title": item.summary(), "body": self.body(item)});
        if !has(&issue.labels, &self.label) {
            let mut labels = issue.labels.clone();
            labels.push(self.label.clone());
            labels.sort();
            fields["labels"] = json!(labels);
        }
        if let Some(login) = assignee(item)
            && !has(&issue.assignees, login)
        {
            let mut people = issue.assignees.clone();
            people.push(login.to_string());
            fields["assignees"] = json!(people);
        }
        fields
    }
}

fn has(list: &[String], want: &str) -> bool {
    list.iter().any(|x| x.eq_ignore_ascii_case(want))
}

/// The GitHub login an item's owner names (`@login`), if it is one: teams
/// and free text cannot be assigned.
fn assignee(item: &Item) -> Option<&str> {
    let login = item.owner.as_deref()?.trim().strip_prefix('@')?;
    let ok = !login.is_empty()
        && login.len() <= 39
        && !login.starts_with('-')
        && !login.ends_with('-')
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    ok.then_some(login)
}

fn wrap(e: github::Error, hint: &str) -> Error {
    let e = match e.status() {
        Some(403) | Some(404) => e.with_hint(hint),
        _ => e,
    };
    Error::from(e)
}

#[derive(Deserialize)]
struct RawIssue {
    number: u64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    state: String,
    #[serde(default)]
    labels: Vec<RawLabel>,
    #[serde(default)]
    assignees: Vec<RawUser>,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    pull_request: Option<Value>,
}

/// Labels come as objects; the API has also sent plain names.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawLabel {
    Object { name: String },
    Name(String),
}

#[derive(Deserialize)]
struct RawUser {
    login: String,
}

/// The POA&M id in a body's marker, if it has one.
fn id_in_body(body: &str) -> Option<&str> {
    let at = body.find(MARKER)? + MARKER.len();
    let id = body.get(at..at + 17)?;
    is_poam_id(id).then_some(id)
}

impl Tracker for GitHub {
    fn name(&self) -> &'static str {
        "GitHub"
    }

    fn list(&mut self) -> Result<Vec<Issue>, Error> {
        let raw: Vec<RawIssue> = self
            .client
            .get_all(&format!(
                "{}/issues?labels={}&state=all",
                self.repo,
                path::query(&self.label)
            ))
            .map_err(|e| wrap(e, READ_HINT))?;
        Ok(raw
            .into_iter()
            .filter(|r| r.pull_request.is_none())
            .filter_map(|r| {
                let body = r.body.unwrap_or_default();
                let poam = id_in_body(&body)
                    .or_else(|| id_in_title(&r.title))?
                    .to_string();
                Some(Issue {
                    key: format!("#{}", r.number),
                    number: r.number,
                    poam,
                    open: r.state != "closed",
                    title: r.title,
                    body,
                    labels: r
                        .labels
                        .into_iter()
                        .map(|l| match l {
                            RawLabel::Object { name } | RawLabel::Name(name) => name,
                        })
                        .collect(),
                    assignees: r.assignees.into_iter().map(|u| u.login).collect(),
                    url: r.html_url,
                })
            })
            .collect())
    }

    fn differences(&self, issue: &Issue, item: &Item) -> Vec<&'static str> {
        let mut d = Vec::new();
        if issue.title != item.summary() {
            d.push("title");
        }
        if issue.body.replace("\r\n", "\n") != self.body(item) {
            d.push("body");
        }
        if !has(&issue.labels, &self.label) {
            d.push("labels");
        }
        if assignee(item).is_some_and(|l| !has(&issue.assignees, l)) {
            d.push("assignee");
        }
        d
    }

    fn create(&mut self, item: &Item) -> Result<(String, Option<String>), Error> {
        let mut body = json!({
            "title": item.summary(),
            "body": self.body(item),
            "labels": [self.label],
        });
        if let Some(login) = assignee(item) {
            body["assignees"] = json!([login]);
        }
        let made = self.write("POST", &format!("{}/issues", self.repo), &body)?;
        let number = made.get("number").and_then(Value::as_u64).unwrap_or(0);
        let labelled = made
            .get("labels")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|l| l.get("name").and_then(Value::as_str).or(l.as_str()))
            .any(|l| l.eq_ignore_ascii_case(&self.label));
        if !labelled {
            // GitHub silently drops labels the token may not set; without
            // it the next run would not find the issue and open another.
            return Err(Error::Setup(format!(
                "GitHub created issue #{number} without the label `{}`, so the next run could not find it: the token needs push access to set labels (`issues: write` with `contents: write`, or a token of a maintainer); label #{number} by hand, then run again",
                self.label
            )));
        }
        let url = made
            .get("html_url")
            .and_then(Value::as_str)
            .map(str::to_string);
        Ok((format!("#{number}"), url))
    }

    fn update(&mut self, issue: &Issue, item: &Item) -> Result<(), Error> {
        self.write("PATCH", &self.issue_path(issue), &self.fields(issue, item))?;
        Ok(())
    }

    fn close(&mut self, issue: &Issue, why: &Closing) -> Result<(), Error> {
        self.comment(issue, &why.comment())?;
        self.write(
            "PATCH",
            &self.issue_path(issue),
            &json!({"state": "closed", "state_reason": "completed"}),
        )?;
        Ok(())
    }

    fn reopen(&mut self, issue: &Issue, item: &Item, as_of: Date) -> Result<(), Error> {
        let mut fields = self.fields(issue, item);
        fields["state"] = json!("open");
        fields["state_reason"] = json!("reopened");
        self.write("PATCH", &self.issue_path(issue), &fields)?;
        self.comment(issue, &reopening(as_of))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::item::sample;

    #[test]
    fn only_logins_are_assigned() {
        let mut i = sample("POAM-0123456789AB");
        assert_eq!(assignee(&i), Some("alice"));
        for owner in [
            "@org/team",
            "Platform team",
            "alice@example.com",
            "@-x",
            "@",
        ] {
            i.owner = Some(owner.into());
            assert_eq!(assignee(&i), None, "{owner}");
        }
    }

    #[test]
    fn the_marker_names_the_item() {
        assert_eq!(
            id_in_body("<!-- aegis-poam: POAM-0123456789AB -->\n\nx"),
            Some("POAM-0123456789AB")
        );
        assert_eq!(id_in_body("<!-- aegis-poam: POAM-nope -->"), None);
    }
}
