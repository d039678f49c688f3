//! Jira as a [`Tracker`]: Jira Cloud through REST API v3 (descriptions in
//! Atlassian Document Format, search through `/rest/api/3/search/jql`) and
//! Jira Server / Data Center through REST API v2 (wiki markup, search
//! through `/rest/api/2/search`).
//!
//! Aegis finds its issues by a label (`aegis-poam`) in the project, and an
//! item's issue by a second label, the POA&M id. Jira rewrites descriptions
//! (ADF gains attributes, wiki text its line ends), so Aegis does not
//! compare them: it writes a fingerprint of what it wrote as the last line
//! (`Aegis fingerprint: …`) and compares that. Issues close and reopen through
//! the project's workflow: the transition named in aegis.yaml, else the
//! first one to a status in the `done` category (closing) or outside it
//! (reopening).

pub mod adf;
pub mod http;
pub mod wiki;

use super::doc::{Doc, text};
use super::item::{Closing, Item, id_in_title, is_poam_id, reopening};
use super::{Error, Issue, Tracker};
use crate::model::Date;
use http::{Auth, Http, Method, segment};
use serde_json::{Value, json};

/// Jira Cloud keeps at most 32,767 characters in a description; Aegis
/// stays below, with room for the fingerprint.
const MAX_DESCRIPTION: usize = 30_000;
/// Pages of search results read at most (100 issues each).
const MAX_PAGES: usize = 200;
const FINGERPRINT: &str = "Aegis fingerprint: ";

/// What `trackers.jira` in aegis.yaml (or the flags) says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub url: String,
    pub project: String,
    pub issue_type: String,
    /// 3 (Cloud) or 2 (Server / Data Center).
    pub api_version: u8,
    pub label: String,
    pub close_transition: Option<String>,
    pub reopen_transition: Option<String>,
}

#[derive(Debug)]
pub struct Jira {
    http: Http,
    settings: Settings,
}

impl Jira {
    pub fn new(settings: Settings, auth: Auth) -> Result<Jira, Error> {
        let key_ok = settings
            .project
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase())
            && settings
                .project
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            return Err(Error::Setup(format!(
                "`{}` is not a Jira project key (capital letters, digits and _, starting with a letter, e.g. SEC)",
                super::error::server_text(&settings.project)
            )));
        }
        if !label_ok(&settings.label) {
            return Err(Error::Setup(format!(
                "`{}` cannot be a Jira label: labels have no spaces and at most 255 characters",
                super::error::server_text(&settings.label)
            )));
        }
        if !matches!(settings.api_version, 2 | 3) {
            return Err(Error::Setup(format!(
                "Jira api_version {} is not one Aegis speaks: 3 for Jira Cloud, 2 for Server/Data Center",
                settings.api_version
            )));
        }
        let http = Http::new(&settings.url, auth, &settings.project)?;
        Ok(Jira { http, settings })
    }

    fn api(&self) -> String {
        format!("/rest/api/{}", self.settings.api_version)
    }

    fn cloud(&self) -> bool {
        self.settings.api_version == 3
    }

    /// The description and its fingerprint: the rendered document for the
    /// API version, with the fingerprint of the summary and the document
    /// as its last paragraph.
    fn description(&self, item: &Item) -> (Value, String) {
        let doc = if self.cloud() {
            item.body(MAX_DESCRIPTION, |d| {
                adf::render(d).to_string().chars().count()
            })
        } else {
            item.body(MAX_DESCRIPTION, |d| wiki::render(d).chars().count())
        };
        let rendered = if self.cloud() {
            adf::render(&doc).to_string()
        } else {
            wiki::render(&doc)
        };
        let digest =
            crate::digest::sha256_hex(format!("{}\n{rendered}", item.summary()).as_bytes());
        let fingerprint = digest[..16].to_string();
        let mut doc = doc;
        doc = doc.para(vec![text(format!("{FINGERPRINT}{fingerprint}"))]);
        let value = if self.cloud() {
            adf::render(&doc)
        } else {
            Value::String(wiki::render(&doc))
        };
        (value, fingerprint)
    }

    fn render(&self, doc: &Doc) -> Value {
        if self.cloud() {
            adf::render(doc)
        } else {
            Value::String(wiki::render(doc))
        }
    }

    fn labels(&self, item: &Item, existing: &[String]) -> Vec<String> {
        let mut labels: Vec<String> = existing.to_vec();
        labels.push(self.settings.label.clone());
        labels.push(item.id.clone());
        labels.sort();
        labels.dedup();
        labels
    }

    fn issue_path(&self, key: &str) -> String {
        format!("{}/issue/{}", self.api(), segment(key))
    }

    fn comment(&self, key: &str, doc: &Doc) -> Result<(), Error> {
        self.http.send(
            Method::Post,
            &format!("{}/comment", self.issue_path(key)),
            Some(&json!({"body": self.render(doc)})),
        )?;
        Ok(())
    }

    /// The transition to take from `key`: the configured one by name (or
    /// by its target status), else the first into (`done`) or out of
    /// (`!done`) the done category.
    fn transition(&self, key: &str, done: bool) -> Result<String, Error> {
        let answer = self.http.send(
            Method::Get,
            &format!("{}/transitions", self.issue_path(key)),
            None,
        )?;
        let list = answer
            .get("transitions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let name = |t: &Value, k: &str| {
            t.pointer(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let wanted = if done {
            &self.settings.close_transition
        } else {
            &self.settings.reopen_transition
        };
        let found = list.iter().find(|t| match wanted {
            Some(w) => {
                name(t, "/name").eq_ignore_ascii_case(w)
                    || name(t, "/to/name").eq_ignore_ascii_case(w)
            }
            None => (name(t, "/to/statusCategory/key") == "done") == done,
        });
        if let Some(t) = found {
            let id = match t.get("id") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            };
            if !id.is_empty() {
                return Ok(id);
            }
        }
        let available = list
            .iter()
            .map(|t| {
                super::error::server_text(&format!(
                    "{} → {} ({})",
                    name(t, "/name"),
                    name(t, "/to/name"),
                    name(t, "/to/statusCategory/key")
                ))
            })
            .collect();
        let (wanted_text, setting) = if done {
            ("to a status in the done category", "close_transition")
        } else {
            ("out of the done category", "reopen_transition")
        };
        Err(Error::NoTransition {
            key: key.to_string(),
            wanted: match wanted {
                Some(w) => format!("named `{}`", super::error::server_text(w)),
                None => wanted_text.to_string(),
            },
            available,
            hint: format!(
                "set trackers.jira.{setting} in aegis.yaml to the name of the transition to use, or add one to the project's workflow"
            ),
        })
    }

    fn parse(&self, v: &Value) -> Option<Issue> {
        let key = v.get("key")?.as_str()?.to_string();
        let fields = v.get("fields")?;
        let title = fields
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let labels = strings(fields.get("labels"));
        let poam = labels
            .iter()
            .find(|l| is_poam_id(l))
            .map(String::as_str)
            .or_else(|| id_in_title(&title))?
            .to_string();
        let open = fields
            .pointer("/status/statusCategory/key")
            .and_then(Value::as_str)
            != Some("done");
        let description = match fields.get("description") {
            Some(Value::String(s)) => s.clone(),
            Some(v @ Value::Object(_)) => adf::text_of(v),
            _ => String::new(),
        };
        let body = description
            .find(FINGERPRINT)
            .and_then(|i| description.get(i + FINGERPRINT.len()..i + FINGERPRINT.len() + 16))
            .unwrap_or("")
            .to_string();
        let number = key
            .rsplit('-')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(u64::MAX);
        Some(Issue {
            url: Some(format!("{}/browse/{}", self.http.site, segment(&key))),
            key,
            number,
            poam,
            open,
            title,
            body,
            labels,
            assignees: Vec::new(),
        })
    }
}

/// The strings of a JSON array (anything else in it, or a missing array,
/// counts as nothing).
pub(crate) fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

fn label_ok(l: &str) -> bool {
    !l.is_empty() && l.chars().count() <= 255 && !l.chars().any(char::is_whitespace)
}

/// A JQL string literal.
fn jql_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

impl Tracker for Jira {
    fn name(&self) -> &'static str {
        "Jira"
    }

    fn list(&mut self) -> Result<Vec<Issue>, Error> {
        let jql = format!(
            "project = {} AND labels = {} ORDER BY key ASC",
            jql_string(&self.settings.project),
            jql_string(&self.settings.label)
        );
        let fields = json!(["summary", "status", "labels", "description"]);
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        let mut start = 0u64;
        for _ in 0..MAX_PAGES {
            let (path, body) = if self.cloud() {
                let mut b = json!({"jql": jql, "fields": fields, "maxResults": 100});
                if let Some(t) = &token {
                    b["nextPageToken"] = json!(t);
                }
                (format!("{}/search/jql", self.api()), b)
            } else {
                (
                    format!("{}/search", self.api()),
                    json!({"jql": jql, "fields": fields, "maxResults": 100, "startAt": start}),
                )
            };
            let page = self.http.send(Method::Post, &path, Some(&body))?;
            let issues = page
                .get("issues")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            out.extend(issues.iter().filter_map(|v| self.parse(v)));
            if self.cloud() {
                token = page
                    .get("nextPageToken")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let last = page.get("isLast").and_then(Value::as_bool).unwrap_or(false);
                if last || token.is_none() {
                    return Ok(out);
                }
            } else {
                start += issues.len() as u64;
                let total = page.get("total").and_then(Value::as_u64).unwrap_or(0);
                if issues.is_empty() || start >= total {
                    return Ok(out);
                }
            }
        }
        Err(Error::Answer {
            request: format!("POST {}{}/search", self.http.site, self.api()),
            message: format!(
                "more than {MAX_PAGES} pages of issues labelled `{}`; narrow the label",
                self.settings.label
            ),
        })
    }

    fn differences(&self, issue: &Issue, item: &Item) -> Vec<&'static str> {
        let mut d = Vec::new();
        if issue.title != item.summary() {
            d.push("title");
        }
        if issue.body != self.description(item).1 {
            d.push("description");
        }
        if !issue.labels.contains(&self.settings.label) || !issue.labels.contains(&item.id) {
            d.push("labels");
        }
        d
    }

    fn create(&mut self, item: &Item) -> Result<(String, Option<String>), Error> {
        let (description, _) = self.description(item);
        let body = json!({"fields": {
            "project": {"key": self.settings.project},
            "issuetype": {"name": self.settings.issue_type},
            "summary": item.summary(),
            "description": description,
            "labels": self.labels(item, &[]),
        }});
        let request = format!("POST {}{}/issue", self.http.site, self.api());
        let made = self
            .http
            .send(Method::Post, &format!("{}/issue", self.api()), Some(&body))?;
        let key = made
            .get("key")
            .and_then(Value::as_str)
            .ok_or(Error::Answer {
                request,
                message: "no `key` in the created issue".into(),
            })?
            .to_string();
        let url = format!("{}/browse/{}", self.http.site, segment(&key));
        Ok((key, Some(url)))
    }

    fn update(&mut self, issue: &Issue, item: &Item) -> Result<(), Error> {
        let (description, _) = self.description(item);
        let body = json!({"fields": {
            "summary": item.summary(),
            "description": description,
            "labels": self.labels(item, &issue.labels),
        }});
        self.http
            .send(Method::Put, &self.issue_path(&issue.key), Some(&body))?;
        Ok(())
    }

    fn close(&mut self, issue: &Issue, why: &Closing) -> Result<(), Error> {
        let id = self.transition(&issue.key, true)?;
        self.comment(&issue.key, &why.comment())?;
        self.http.send(
            Method::Post,
            &format!("{}/transitions", self.issue_path(&issue.key)),
            Some(&json!({"transition": {"id": id}})),
        )?;
        Ok(())
    }

    fn reopen(&mut self, issue: &Issue, item: &Item, as_of: Date) -> Result<(), Error> {
        let id = self.transition(&issue.key, false)?;
        self.http.send(
            Method::Post,
            &format!("{}/transitions", self.issue_path(&issue.key)),
            Some(&json!({"transition": {"id": id}})),
        )?;
        if !self.differences(issue, item).is_empty() {
            self.update(issue, item)?;
        }
        self.comment(&issue.key, &reopening(as_of))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jql_strings_are_quoted() {
        assert_eq!(jql_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert!(!label_ok("two words"));
        assert!(label_ok("aegis-poam"));
    }
}
