//! The POA&M items a tracker follows, and what their issues say: every
//! gap of the gap engine (an open item) and every gap an exception in
//! force covers (its issue stays closed until the exception expires).

use super::doc::{Doc, Inline, code, one_line, strong, text};
use crate::model::Date;
use crate::report::Input;
use crate::report::view::{self, Scope};
use serde::Serialize;
use std::collections::HashMap;

/// The longest summary line (GitHub allows 256 characters in a title,
/// Jira 255 in a summary).
pub const MAX_TITLE: usize = 240;
/// The longest line of text taken from the repository into an issue.
const MAX_LINE: usize = 2_000;

/// One plan-of-action item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Item {
    /// `POAM-` and 12 hex digits, stable per system, framework, baseline and control.
    pub id: String,
    pub system: String,
    pub framework: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    pub control: String,
    /// The control's title in its framework (may be empty).
    pub title: String,
    /// Why it falls short, one line per reason (`reason: detail`).
    pub weaknesses: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
    pub evidence: Vec<String>,
    /// The exceptions in force that cover it, soonest expiry first.
    pub exceptions: Vec<Waiver>,
}

/// An exception in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Waiver {
    pub id: String,
    pub expires: Date,
}

impl Item {
    /// Open: no exception covers it, so its issue must be open.
    pub fn is_open(&self) -> bool {
        self.exceptions.is_empty()
    }

    /// The day the first exception covering it expires: when the item
    /// comes back, and the date its remediation is due by.
    pub fn due(&self) -> Option<Date> {
        self.exceptions.iter().map(|w| w.expires).min()
    }

    /// `framework` or `framework@baseline`.
    pub fn selection(&self) -> String {
        match &self.baseline {
            Some(b) => format!("{}@{b}", self.framework),
            None => self.framework.clone(),
        }
    }

    /// The title: the id first (how people and Aegis find it),
    /// then the control and where it falls short.
    pub fn summary(&self) -> String {
        let control = if self.title.is_empty() {
            self.control.clone()
        } else {
            format!("{} {}", self.control, self.title)
        };
        let s = format!(
            "{}: {} ({}, {})",
            self.id,
            control,
            self.system,
            self.selection()
        );
        one_line(&crate::output::escape::text(&s), MAX_TITLE)
    }

    /// The body. `budget` is the most the rendered body may
    /// measure by `size` (the tracker's renderer and its unit): when the
    /// reasons would not fit, the list is cut with a count of what was
    /// left out.
    pub fn body(&self, budget: usize, size: impl Fn(&Doc) -> usize) -> Doc {
        let mut keep = self.weaknesses.len();
        loop {
            let doc = self.doc(keep);
            if size(&doc) <= budget || keep == 0 {
                return doc;
            }
            keep /= 2;
        }
    }

    fn doc(&self, keep: usize) -> Doc {
        let mut intro = vec![text("Control "), strong(one_line(&self.control, MAX_LINE))];
        if !self.title.is_empty() {
            intro.push(text(" "));
            intro.push(text(one_line(&self.title, MAX_LINE)));
        }
        intro.extend([
            text(" falls short in system "),
            code(one_line(&self.system, MAX_LINE)),
            text(" for "),
            code(one_line(&self.selection(), MAX_LINE)),
            text("."),
        ]);
        let mut facts = vec![vec![text("POA&M item: "), code(&self.id)]];
        facts.push(vec![
            text("Owner: "),
            text(one_line(
                self.owner
                    .as_deref()
                    .unwrap_or("none named in the implementation"),
                MAX_LINE,
            )),
        ]);
        if let Some(r) = &self.risk {
            facts.push(vec![text("Risk: "), text(one_line(r, MAX_LINE))]);
        }
        if let Some(due) = self.due() {
            facts.push(vec![text(format!("Due: {due}"))]);
        }
        if !self.exceptions.is_empty() {
            let mut runs = vec![text("Exceptions in force: ")];
            for (i, w) in self.exceptions.iter().enumerate() {
                if i > 0 {
                    runs.push(text(", "));
                }
                runs.push(code(one_line(&w.id, MAX_LINE)));
                runs.push(text(format!(" until {}", w.expires)));
            }
            facts.push(runs);
        }
        if !self.evidence.is_empty() {
            let mut runs = vec![text("Evidence cited: ")];
            for (i, e) in self.evidence.iter().enumerate() {
                if i > 0 {
                    runs.push(text(", "));
                }
                runs.push(code(one_line(e, MAX_LINE)));
            }
            facts.push(runs);
        }
        let mut weaknesses: Vec<Vec<Inline>> = self
            .weaknesses
            .iter()
            .take(keep)
            .map(|w| match w.split_once(": ") {
                Some((reason, detail)) => vec![
                    strong(one_line(reason, MAX_LINE)),
                    text(": "),
                    text(one_line(detail, MAX_LINE)),
                ],
                None => vec![text(one_line(w, MAX_LINE))],
            })
            .collect();
        if keep < self.weaknesses.len() {
            weaknesses.push(vec![text(format!(
                "and {} more: run `aegis gaps --explain {}` in the repository",
                self.weaknesses.len() - keep,
                one_line(&self.control, MAX_LINE)
            ))]);
        }
        Doc::default()
            .para(intro)
            .bullets(facts)
            .heading("What falls short")
            .bullets(weaknesses)
            .para(vec![
                text("Kept in step with the compliance repository by "),
                code("aegis publish issues"),
                text(
                    ": edits to this description are replaced on its next run. \
                     Close the gap in the repository and the issue closes itself.",
                ),
            ])
    }
}

/// Why Aegis closes an issue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "kebab-case")]
pub enum Closing {
    /// The item is gone: the gap is closed in the repository.
    GapClosed { as_of: Date },
    /// Exceptions in force cover the gap until a date.
    Excepted {
        exceptions: Vec<String>,
        until: Date,
    },
}

impl Closing {
    pub fn of(item: Option<&Item>, as_of: Date) -> Closing {
        match item {
            Some(i) if !i.is_open() => Closing::Excepted {
                exceptions: i.exceptions.iter().map(|w| w.id.clone()).collect(),
                until: i.due().unwrap_or(as_of),
            },
            _ => Closing::GapClosed { as_of },
        }
    }

    /// The comment left on the issue as it closes.
    pub fn comment(&self) -> Doc {
        match self {
            Closing::GapClosed { as_of } => Doc::default().para(vec![text(format!(
                "Closed by Aegis: the gap is closed in the compliance repository as of {as_of}."
            ))]),
            Closing::Excepted { exceptions, until } => {
                let mut runs = vec![text("Closed by Aegis: the gap is covered by exception ")];
                for (i, e) in exceptions.iter().enumerate() {
                    if i > 0 {
                        runs.push(text(", "));
                    }
                    runs.push(code(one_line(e, MAX_LINE)));
                }
                runs.push(text(format!(
                    " until {until}. The issue reopens if the gap is still there when it expires."
                )));
                Doc::default().para(runs)
            }
        }
    }

    /// One line for people: what the output says.
    pub fn reason(&self) -> String {
        match self {
            Closing::GapClosed { .. } => "gap closed".to_string(),
            Closing::Excepted { exceptions, until } => {
                format!(
                    "covered by exception {} until {until}",
                    exceptions.join(", ")
                )
            }
        }
    }
}

/// The comment left on an issue Aegis reopens.
pub fn reopening(as_of: Date) -> Doc {
    Doc::default().para(vec![text(format!(
        "Reopened by Aegis: the gap is open again in the compliance repository as of {as_of}."
    ))])
}

/// Every POA&M item of a run: open gaps and excepted ones, sorted by id.
pub fn items(input: &Input<'_>) -> Vec<Item> {
    let view = view::build(input, &Scope::default());
    let expiry: HashMap<&str, Date> = input
        .run
        .outcome
        .repo
        .exceptions
        .iter()
        .map(|e| (e.value.id.0.as_str(), e.value.expires))
        .collect();
    let mut items: Vec<Item> = view
        .poam
        .iter()
        .filter(|p| p.id.starts_with("POAM-"))
        .map(|p| {
            let mut exceptions: Vec<Waiver> = p
                .exceptions
                .iter()
                .filter_map(|id| {
                    Some(Waiver {
                        id: id.clone(),
                        expires: *expiry.get(id.as_str())?,
                    })
                })
                .collect();
            exceptions.sort_by(|a, b| a.expires.cmp(&b.expires).then(a.id.cmp(&b.id)));
            Item {
                id: p.id.clone(),
                system: p.system.clone(),
                framework: p.framework.clone(),
                baseline: p.baseline.clone(),
                control: p.control.clone(),
                title: p.title.clone(),
                weaknesses: p.description_lines.clone(),
                owner: p.owner.clone(),
                risk: p.risk.clone(),
                evidence: p.evidence.clone(),
                exceptions,
            }
        })
        .collect();
    items.sort_by(|a, b| a.id.cmp(&b.id));
    items
}

/// Whether `s` is a POA&M id as Aegis makes them.
pub fn is_poam_id(s: &str) -> bool {
    s.len() == 17
        && s.starts_with("POAM-")
        && s[5..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
}

/// The POA&M id an issue title starts with, if any.
pub fn id_in_title(title: &str) -> Option<&str> {
    let id = title.get(..17)?;
    is_poam_id(id).then_some(id)
}

#[cfg(test)]
pub(crate) fn sample(id: &str) -> Item {
    Item {
        id: id.to_string(),
        system: "ledger".into(),
        framework: "nist-800-53-rev5".into(),
        baseline: Some("moderate".into()),
        control: "AC-2".into(),
        title: "Account Management".into(),
        weaknesses: vec!["missing: no implementation".into()],
        owner: Some("@alice".into()),
        risk: None,
        evidence: Vec::new(),
        exceptions: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_recognised() {
        assert!(is_poam_id("POAM-0123456789AB"));
        assert!(!is_poam_id("POAM-0123456789ab"));
        assert!(!is_poam_id("POAM-0123456789A"));
        assert_eq!(
            id_in_title("POAM-0123456789AB: AC-2"),
            Some("POAM-0123456789AB")
        );
        assert_eq!(id_in_title("POAM-é"), None);
    }

    #[test]
    fn summary_names_id_control_system_and_selection() {
        assert_eq!(
            sample("POAM-0123456789AB").summary(),
            "POAM-0123456789AB: AC-2 Account Management (ledger, nist-800-53-rev5@moderate)"
        );
    }

    #[test]
    fn a_long_body_is_cut_with_a_count() {
        let mut item = sample("POAM-0123456789AB");
        item.weaknesses = (0..100).map(|i| format!("missing: reason {i}")).collect();
        let body = item.body(1_000, |d| d.plain().chars().count()).plain();
        assert!(body.chars().count() <= 1_000, "{body}");
        assert!(
            body.contains("more: run `aegis gaps --explain AC-2`"),
            "{body}"
        );
    }
}
