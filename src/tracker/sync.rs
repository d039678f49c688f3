//! The sync: pair the items with the issues Aegis owns, plan what must
//! change, then do it (or, with `--dry-run`, only say it).

use super::item::{Closing, Item};
use super::{Error, Issue, Tracker};
use crate::model::Date;
use crate::output::escape;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Create,
    Update,
    Reopen,
    Close,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Reopen => "reopen",
            Action::Close => "close",
        }
    }
}

/// One change to one issue.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub action: Action,
    pub poam: String,
    /// The issue's key; for a create, filled in once it is done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
    pub title: String,
    /// For an update or reopen: the fields that differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<&'static str>,
    /// For a close: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closing: Option<Closing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip)]
    item: Option<usize>,
    #[serde(skip)]
    existing: Option<usize>,
}

/// What a run changes, in the order it does it: by POA&M id.
#[derive(Debug, Serialize)]
pub struct Plan {
    pub tracker: &'static str,
    pub as_of: Date,
    /// Items and issues looked at.
    pub items: usize,
    pub open_items: usize,
    pub issues: usize,
    pub steps: Vec<Step>,
    /// Issues that already say what their item says.
    pub unchanged: usize,
    /// Issues carrying the same POA&M id as an older one: left alone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub duplicates: Vec<String>,
    #[serde(skip)]
    found: Vec<Issue>,
}

/// Pairs `items` with `issues` and says what must change.
pub fn plan(tracker: &dyn Tracker, items: &[Item], mut issues: Vec<Issue>, as_of: Date) -> Plan {
    issues.sort_by(|a, b| a.poam.cmp(&b.poam).then(a.number.cmp(&b.number)));
    let mut by_id: BTreeMap<&str, usize> = BTreeMap::new();
    let mut duplicates = Vec::new();
    for (i, issue) in issues.iter().enumerate() {
        if by_id.contains_key(issue.poam.as_str()) {
            duplicates.push(format!("{} ({})", issue.key, issue.poam));
        } else {
            by_id.insert(&issue.poam, i);
        }
    }
    let mut steps = Vec::new();
    let mut unchanged = 0;
    let mut item_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (n, item) in items.iter().enumerate() {
        item_of.insert(&item.id, n);
        let existing = by_id.get(item.id.as_str()).copied();
        let step = |action, changes| Step {
            action,
            poam: item.id.clone(),
            issue: existing.map(|i| issues[i].key.clone()),
            title: item.summary(),
            changes,
            closing: None,
            url: existing.and_then(|i| issues[i].url.clone()),
            item: Some(n),
            existing,
        };
        match existing.map(|i| &issues[i]) {
            None if item.is_open() => steps.push(step(Action::Create, Vec::new())),
            None => {}
            Some(issue) if item.is_open() => {
                let changes = tracker.differences(issue, item);
                if !issue.open {
                    steps.push(step(Action::Reopen, changes));
                } else if changes.is_empty() {
                    unchanged += 1;
                } else {
                    steps.push(step(Action::Update, changes));
                }
            }
            Some(issue) if issue.open => {
                let mut s = step(Action::Close, Vec::new());
                s.closing = Some(Closing::of(Some(item), as_of));
                steps.push(s);
            }
            Some(_) => unchanged += 1,
        }
    }
    for (&id, &i) in &by_id {
        if item_of.contains_key(id) {
            continue;
        }
        let issue = &issues[i];
        if issue.open {
            steps.push(Step {
                action: Action::Close,
                poam: id.to_string(),
                issue: Some(issue.key.clone()),
                title: issue.title.clone(),
                changes: Vec::new(),
                closing: Some(Closing::of(None, as_of)),
                url: issue.url.clone(),
                item: None,
                existing: Some(i),
            });
        } else {
            unchanged += 1;
        }
    }
    steps.sort_by(|a, b| a.poam.cmp(&b.poam));
    Plan {
        tracker: tracker.name(),
        as_of,
        items: items.len(),
        open_items: items.iter().filter(|i| i.is_open()).count(),
        issues: issues.len(),
        steps,
        unchanged,
        duplicates,
        found: issues,
    }
}

/// What a run did: the steps done, and the error that stopped it, if any.
#[derive(Debug, Serialize)]
pub struct Outcome {
    #[serde(flatten)]
    pub plan: Plan,
    pub dry_run: bool,
    /// How many steps were done (all of them unless an error stopped the run).
    pub done: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Lists the tracker's issues, plans, and applies the plan (or, with
/// `dry_run`, only plans). An error while listing means nothing was done.
pub fn run(
    tracker: &mut dyn Tracker,
    items: &[Item],
    as_of: Date,
    dry_run: bool,
) -> Result<(Outcome, Option<Error>), Error> {
    let issues = tracker.list()?;
    let p = plan(&*tracker, items, issues, as_of);
    Ok(apply(tracker, items, p, dry_run))
}

/// Does what `plan` says, in order, stopping at the first error.
pub fn apply(
    tracker: &mut dyn Tracker,
    items: &[Item],
    mut plan: Plan,
    dry_run: bool,
) -> (Outcome, Option<Error>) {
    let mut done = 0;
    let mut failure = None;
    if !dry_run {
        let as_of = plan.as_of;
        for step in &mut plan.steps {
            let item = step.item.and_then(|i| items.get(i));
            let issue = step.existing.and_then(|i| plan.found.get(i));
            let result = match (step.action, item, issue) {
                (Action::Create, Some(item), _) => tracker.create(item).map(|(key, url)| {
                    step.issue = Some(key);
                    step.url = url;
                }),
                (Action::Update, Some(item), Some(issue)) => tracker.update(issue, item),
                (Action::Reopen, Some(item), Some(issue)) => tracker.reopen(issue, item, as_of),
                (Action::Close, _, Some(issue)) => match &step.closing {
                    Some(why) => tracker.close(issue, why),
                    None => Ok(()),
                },
                _ => Ok(()),
            };
            match result {
                Ok(()) => done += 1,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
    }
    let outcome = Outcome {
        plan,
        dry_run,
        done,
        error: failure.as_ref().map(|e| e.to_string()),
    };
    (outcome, failure)
}

/// For people: one line per change, then the totals.
pub fn human(o: &Outcome) -> String {
    let p = &o.plan;
    let mut out = String::new();
    let verb = |a: Action| match (o.dry_run, a) {
        (true, a) => format!("would {}", a.as_str()),
        (false, Action::Create) => "created".to_string(),
        (false, Action::Update) => "updated".to_string(),
        (false, Action::Reopen) => "reopened".to_string(),
        (false, Action::Close) => "closed".to_string(),
    };
    for (i, s) in p.steps.iter().enumerate() {
        if !o.dry_run && i >= o.done {
            let _ = writeln!(
                out,
                "not done    {} {}",
                s.issue.as_deref().unwrap_or("(new)"),
                escape::text(&s.title)
            );
            continue;
        }
        let mut line = format!(
            "{:<11} {} {}",
            verb(s.action),
            s.issue.as_deref().unwrap_or("(new)"),
            escape::text(&s.title)
        );
        if !s.changes.is_empty() {
            let _ = write!(line, " [{}]", s.changes.join(", "));
        }
        if let Some(c) = &s.closing {
            let _ = write!(line, ": {}", escape::text(&c.reason()));
        }
        let _ = writeln!(out, "{line}");
    }
    for d in &p.duplicates {
        let _ = writeln!(
            out,
            "duplicate   {} carries the POA&M id of an older issue and is left alone; close it by hand",
            escape::text(d)
        );
    }
    let count = |a: Action| p.steps.iter().filter(|s| s.action == a).count();
    let _ = writeln!(
        out,
        "{}: {} item(s) ({} open), {} issue(s) found; {}{} to create, {} to update, {} to reopen, {} to close, {} unchanged",
        p.tracker,
        p.items,
        p.open_items,
        p.issues,
        if o.dry_run { "dry run: " } else { "" },
        count(Action::Create),
        count(Action::Update),
        count(Action::Reopen),
        count(Action::Close),
        p.unchanged
    );
    out
}

/// For scripts: the plan and what was done, as JSON.
pub fn json(o: &Outcome) -> String {
    let mut s = serde_json::to_string_pretty(o).unwrap_or_default();
    s.push('\n');
    escape::json(&s).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::item::{Waiver, sample};

    /// A tracker that compares titles only and records what it is asked.
    #[derive(Default)]
    struct Fake {
        calls: Vec<String>,
    }

    impl Tracker for Fake {
        fn name(&self) -> &'static str {
            "Fake"
        }
        fn list(&mut self) -> Result<Vec<Issue>, Error> {
            Ok(Vec::new())
        }
        fn differences(&self, issue: &Issue, item: &Item) -> Vec<&'static str> {
            if issue.title == item.summary() {
                Vec::new()
            } else {
                vec!["title"]
            }
        }
        fn create(&mut self, item: &Item) -> Result<(String, Option<String>), Error> {
            self.calls.push(format!("create {}", item.id));
            Ok(("#9".into(), None))
        }
        fn update(&mut self, issue: &Issue, _: &Item) -> Result<(), Error> {
            self.calls.push(format!("update {}", issue.key));
            Ok(())
        }
        fn close(&mut self, issue: &Issue, why: &Closing) -> Result<(), Error> {
            self.calls
                .push(format!("close {}: {}", issue.key, why.reason()));
            Ok(())
        }
        fn reopen(&mut self, issue: &Issue, _: &Item, _: Date) -> Result<(), Error> {
            self.calls.push(format!("reopen {}", issue.key));
            Ok(())
        }
    }

    fn issue(n: u64, item: &Item, open: bool) -> Issue {
        Issue {
            key: format!("#{n}"),
            number: n,
            poam: item.id.clone(),
            open,
            title: item.summary(),
            body: String::new(),
            labels: Vec::new(),
            assignees: Vec::new(),
            url: None,
        }
    }

    fn day(s: &str) -> Date {
        s.parse().expect("date")
    }

    #[test]
    fn every_case_of_the_pairing() {
        let new = sample("POAM-00000000000A");
        let same = sample("POAM-00000000000B");
        let mut changed = sample("POAM-00000000000C");
        let back = sample("POAM-00000000000D");
        let mut excepted = sample("POAM-00000000000E");
        excepted.exceptions.push(Waiver {
            id: "EX-1".into(),
            expires: day("2026-12-31"),
        });
        let gone = sample("POAM-00000000000F");
        let issues = vec![
            issue(2, &same, true),
            issue(3, &changed, true),
            issue(4, &back, false),
            issue(5, &excepted, true),
            issue(6, &gone, true),
            issue(7, &same, true),
        ];
        changed.title = "Renamed".into();
        let items = vec![new, same, changed, back, excepted];
        let mut fake = Fake::default();
        let p = plan(&fake, &items, issues, day("2026-06-01"));
        assert_eq!(p.unchanged, 1);
        assert_eq!(p.duplicates, vec!["#7 (POAM-00000000000B)"]);
        let (o, err) = apply(&mut fake, &items, p, false);
        assert!(err.is_none());
        assert_eq!(o.done, 5);
        assert_eq!(
            fake.calls,
            vec![
                "create POAM-00000000000A",
                "update #3",
                "reopen #4",
                "close #5: covered by exception EX-1 until 2026-12-31",
                "close #6: gap closed",
            ]
        );
        let text = human(&o);
        assert!(
            text.ends_with("Fake: 5 item(s) (4 open), 6 issue(s) found; 1 to create, 1 to update, 1 to reopen, 2 to close, 1 unchanged\n"),
            "{text}"
        );
    }

    #[test]
    fn a_dry_run_calls_nothing() {
        let items = vec![sample("POAM-00000000000A")];
        let mut fake = Fake::default();
        let p = plan(&fake, &items, Vec::new(), day("2026-06-01"));
        let (o, _) = apply(&mut fake, &items, p, true);
        assert!(fake.calls.is_empty());
        assert!(human(&o).starts_with("would create (new) POAM-00000000000A"));
    }
}
