//! The exception lifecycle: add a time-boxed waiver, list them with how
//! long each has left, renew one (keeping the history in `renewals:`), and
//! close one (kept on file with `closed:` for auditors; it then waives
//! nothing). Changes to existing files go through `crate::edit`, so the
//! rest of each file stays as its author wrote it.

pub mod refs;

use crate::edit;
use crate::model::{
    ControlRef, Date, Exception, ExceptionId, ExceptionSettings, Rating, Renewal, RiskId,
    SCHEMA_VERSION, SystemId,
};
use crate::schema::Kind;
use crate::text::{check_line, check_lines};
use crate::validate::Located;
use refs::Loaded;
use serde::Serialize;
use std::path::Path;

/// Why a lifecycle command wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Load(#[from] crate::workspace::LoadError),
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
    #[error("{path}: {source}")]
    Edit {
        path: String,
        source: edit::EditError,
    },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("another aegis command is writing {0}; try again when it has finished")]
    Busy(String),
}

impl Refusal {
    fn one(message: impl Into<String>) -> Refusal {
        Refusal::Invalid(vec![message.into()])
    }
}

/// What `aegis exceptions add` is asked to record.
#[derive(Debug)]
pub struct NewException {
    pub id: Option<String>,
    pub title: Option<String>,
    pub controls: Vec<String>,
    pub system: String,
    pub scope: Option<String>,
    pub justification: String,
    pub compensating: Vec<String>,
    pub risk_rating: Option<Rating>,
    pub risks: Vec<String>,
    pub approver: String,
    pub granted: Option<Date>,
    pub expires: Date,
}

/// A file written: its repository-relative path and the record.
#[derive(Debug)]
pub struct Written {
    pub path: String,
    pub exception: Exception,
}

fn settings(loaded: &Loaded) -> ExceptionSettings {
    loaded
        .outcome
        .repo
        .config
        .as_ref()
        .map(|c| c.exceptions.clone())
        .unwrap_or_default()
}

/// The next free `EX-NNN` id (one past the highest number in use).
pub fn next_id<'a>(taken: impl Iterator<Item = &'a str>) -> String {
    let highest = taken
        .filter_map(|id| id.strip_prefix("EX-")?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    format!("EX-{:03}", highest.saturating_add(1))
}

/// Checks and writes `exceptions/<id>.yaml`.
/// With `dry_run`, writes nothing and shows the new file on `out`.
pub fn add(
    root: &Path,
    new: NewException,
    today: Date,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Written, Refusal> {
    let _lock = lock_unless(dry_run, &root.join("exceptions"))?;
    let loaded = Loaded::load(root)?;
    let mut problems = Vec::new();
    if let Err(e) = loaded.check_system(&new.system) {
        problems.push(e);
    }
    let system_ok = problems.is_empty();
    let system = system_ok.then_some(new.system.as_str());
    if new.controls.is_empty() {
        problems.push("name at least one control with --control".into());
    }
    let controls = loaded
        .resolve_controls(&new.controls, system)
        .unwrap_or_else(|mut e| {
            problems.append(&mut e);
            Vec::new()
        });
    let compensating = loaded
        .resolve_controls(&new.compensating, system)
        .unwrap_or_else(|e| {
            problems.extend(e.into_iter().map(|m| format!("compensating {m}")));
            Vec::new()
        });
    for r in &new.risks {
        if let Err(e) = loaded.check_risk(r) {
            problems.push(e);
        }
    }
    check_lines("the justification", &new.justification, &mut problems);
    check_line("the approver", &new.approver, &mut problems);
    // An optional title or scope left blank is left out.
    for (what, v) in [("the title", &new.title), ("the scope", &new.scope)] {
        if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
            check_line(what, v, &mut problems);
        }
    }
    let granted = new.granted.unwrap_or(today);
    if granted > today {
        problems.push(format!(
            "the grant date {granted} is after today ({today}); record the day it was approved"
        ));
    }
    let max = settings(&loaded).max_duration();
    if let Err(e) = refs::check_expiry(new.expires, today, granted, &max) {
        problems.push(e);
    }
    let existing = &loaded.outcome.repo.exceptions;
    let id = match &new.id {
        Some(id) => {
            if let Err(e) = refs::check_id(id) {
                problems.push(e);
            }
            if existing.iter().any(|e| e.value.id.as_str() == id) {
                problems.push(format!(
                    "an exception `{id}` already exists; pick another --id, or renew it"
                ));
            }
            id.clone()
        }
        None => next_id(existing.iter().map(|e| e.value.id.as_str())),
    };
    let rel = format!("exceptions/{id}.yaml");
    if root.join(&rel).exists() && problems.is_empty() {
        problems.push(format!(
            "{rel} already exists (a file validation could not read as an exception?); run `aegis validate`"
        ));
    }
    if !problems.is_empty() {
        return Err(Refusal::Invalid(problems));
    }
    let exception = Exception {
        schema_version: SCHEMA_VERSION,
        id: ExceptionId(id),
        title: new.title.filter(|t| !t.trim().is_empty()),
        controls: controls.into_iter().map(ControlRef).collect(),
        system: SystemId(new.system),
        scope: new.scope.filter(|t| !t.trim().is_empty()),
        justification: new.justification,
        compensating_controls: compensating.into_iter().map(ControlRef).collect(),
        risk_rating: new.risk_rating.unwrap_or(Rating::Moderate),
        risks: {
            let mut r: Vec<RiskId> = new.risks.into_iter().map(RiskId).collect();
            r.sort_by(|a, b| a.0.cmp(&b.0));
            r.dedup();
            r
        },
        approver: new.approver,
        granted,
        expires: new.expires,
        renewals: Vec::new(),
        closed: None,
        closed_reason: None,
    };
    let body = serde_saphyr::to_string(&exception).map_err(|e| Refusal::one(e.to_string()))?;
    let mut text = format!("{}\n{body}", Kind::Exception.modeline(&rel));
    // Dates as people write them: the serializer quotes them.
    for (key, date) in [("granted", granted), ("expires", exception.expires)] {
        text = edit::set_key(&text, key, &date.to_string()).map_err(|source| Refusal::Edit {
            path: rel.clone(),
            source,
        })?;
    }
    write_or_show(root, &rel, None, &text, dry_run, out)?;
    Ok(Written {
        path: rel,
        exception,
    })
}

/// Where an exception stands on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Granted for a later day.
    Pending,
    Active,
    /// In force, and ending within the warning window.
    Expiring,
    Expired,
    Closed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Active => "active",
            State::Expiring => "expiring",
            State::Expired => "expired",
            State::Closed => "closed",
        }
    }

    pub fn of(e: &Exception, today: Date, warn_days: u32) -> State {
        if e.is_closed(today) {
            State::Closed
        } else if e.expires < today {
            State::Expired
        } else if e.granted > today {
            State::Pending
        } else if warn_days > 0 && today.days_until(e.expires) <= i64::from(warn_days) {
            State::Expiring
        } else {
            State::Active
        }
    }
}

/// One row of `aegis exceptions list`.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub id: String,
    pub file: String,
    pub system: String,
    pub controls: Vec<String>,
    pub approver: String,
    pub granted: Date,
    pub expires: Date,
    /// Days from today to the expiry (negative once expired).
    pub days_left: i64,
    pub status: State,
    pub risk_rating: Rating,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<Date>,
    pub renewals: usize,
}

/// What `list` read: the rows, and how many exception files could not be read.
pub struct Listing {
    pub rows: Vec<Row>,
    pub unreadable: usize,
}

pub fn list(
    root: &Path,
    today: Date,
    system: Option<&str>,
    status: Option<State>,
) -> Result<Listing, Refusal> {
    let loaded = Loaded::load(root)?;
    if let Some(s) = system {
        loaded.check_system(s).map_err(Refusal::one)?;
    }
    let warn_days = settings(&loaded).warn_days();
    let mut rows: Vec<Row> = loaded
        .outcome
        .repo
        .exceptions
        .iter()
        .map(|ex| {
            let e = &ex.value;
            Row {
                id: e.id.0.clone(),
                file: loaded.ws.files[ex.file].path.clone(),
                system: e.system.0.clone(),
                controls: e.controls.iter().map(|c| c.0.clone()).collect(),
                approver: e.approver.clone(),
                granted: e.granted,
                expires: e.expires,
                days_left: today.days_until(e.expires),
                status: State::of(e, today, warn_days),
                risk_rating: e.risk_rating,
                closed: e.closed,
                renewals: e.renewals.len(),
            }
        })
        .filter(|r| system.is_none_or(|s| r.system == s))
        .filter(|r| status.is_none_or(|s| r.status == s))
        .collect();
    rows.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.file.cmp(&b.file)));
    let read: std::collections::BTreeSet<&str> = loaded
        .outcome
        .repo
        .exceptions
        .iter()
        .map(|e| loaded.ws.files[e.file].path.as_str())
        .collect();
    let unreadable = loaded
        .ws
        .files
        .iter()
        .filter(|f| f.kind == Kind::Exception && !read.contains(f.path.as_str()))
        .count();
    Ok(Listing { rows, unreadable })
}

/// What `renew` is asked to change.
#[derive(Debug)]
pub struct Renew {
    pub expires: Date,
    pub approver: String,
    pub justification: Option<String>,
}

/// An edit made: the file, and its text before and after.
#[derive(Debug)]
pub struct Edited {
    pub path: String,
    pub before: Exception,
    pub after: String,
}

fn find<'a>(loaded: &'a Loaded, id: &str) -> Result<&'a Located<Exception>, Refusal> {
    let all = &loaded.outcome.repo.exceptions;
    all.iter()
        .find(|e| e.value.id.as_str() == id)
        .ok_or_else(|| {
            let names: Vec<String> = all.iter().map(|e| e.value.id.0.clone()).collect();
            let hint = crate::validate::schema::did_you_mean(id, &names)
                .map_or(String::new(), |s| format!("; did you mean `{s}`?"));
            Refusal::one(format!(
                "no exception `{id}` in exceptions/ (or its file does not validate: run `aegis validate`){hint}"
            ))
        })
}

/// Extends an exception: a new expiry and approver (and justification),
/// the old ones kept in a `renewals:` entry.
pub fn renew(
    root: &Path,
    id: &str,
    r: Renew,
    today: Date,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Edited, Refusal> {
    let _lock = lock_unless(dry_run, &root.join("exceptions"))?;
    let loaded = Loaded::load(root)?;
    let ex = find(&loaded, id)?;
    let e = &ex.value;
    let mut problems = Vec::new();
    if let Some(c) = e.closed {
        problems.push(format!(
            "exception `{id}` was closed on {c}; add a new exception instead of renewing a closed one"
        ));
    }
    check_line("the approver", &r.approver, &mut problems);
    if let Some(j) = &r.justification {
        check_lines("the justification", j, &mut problems);
    }
    if r.expires <= e.expires {
        problems.push(format!(
            "the new expiry {} is not after the current one ({}); a renewal extends an exception (to end it early, close it)",
            r.expires, e.expires
        ));
    }
    let max = settings(&loaded).max_duration();
    if let Err(m) = refs::check_expiry(r.expires, today, today, &max) {
        problems.push(m);
    }
    if !problems.is_empty() {
        return Err(Refusal::Invalid(problems));
    }
    let file = &loaded.ws.files[ex.file];
    let renewal = Renewal {
        renewed: today,
        approver: r.approver.clone(),
        previous_expires: e.expires,
        expires: r.expires,
        previous_approver: (e.approver != r.approver).then(|| e.approver.clone()),
        previous_justification: r
            .justification
            .as_ref()
            .filter(|j| **j != e.justification)
            .map(|_| e.justification.clone()),
    };
    let edit_err = |source| Refusal::Edit {
        path: file.path.clone(),
        source,
    };
    // A date as people write it (unquoted), like the line it replaces.
    let mut text =
        edit::set_key(&file.text, "expires", &r.expires.to_string()).map_err(edit_err)?;
    text = edit::set_value(&text, "approver", &r.approver).map_err(edit_err)?;
    if let Some(j) = &r.justification {
        text = edit::set_value(&text, "justification", j).map_err(edit_err)?;
    }
    text = edit::append_value(&text, "renewals", &renewal, Some("expires")).map_err(edit_err)?;
    write_or_show(root, &file.path, Some(&file.text), &text, dry_run, out)?;
    Ok(Edited {
        path: file.path.clone(),
        before: (**e).clone(),
        after: text,
    })
}

/// Closes an exception: `closed:` (and `closed_reason:`) recorded, the
/// file kept, so the history stays for auditors.
pub fn close(
    root: &Path,
    id: &str,
    reason: Option<&str>,
    today: Date,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Edited, Refusal> {
    let _lock = lock_unless(dry_run, &root.join("exceptions"))?;
    let loaded = Loaded::load(root)?;
    let ex = find(&loaded, id)?;
    let e = &ex.value;
    if let Some(c) = e.closed {
        return Err(Refusal::one(format!(
            "exception `{id}` was already closed on {c}"
        )));
    }
    if let Some(r) = reason {
        let mut problems = Vec::new();
        check_line("the reason", r, &mut problems);
        if !problems.is_empty() {
            return Err(Refusal::Invalid(problems));
        }
    }
    let file = &loaded.ws.files[ex.file];
    let edit_err = |source| Refusal::Edit {
        path: file.path.clone(),
        source,
    };
    let mut text = edit::set_key_after(&file.text, "closed", &today.to_string(), Some("expires"))
        .map_err(edit_err)?;
    if let Some(r) = reason {
        let yaml = serde_saphyr::to_string(&r).map_err(|e| Refusal::one(e.to_string()))?;
        text =
            edit::set_key_after(&text, "closed_reason", &yaml, Some("closed")).map_err(edit_err)?;
    }
    write_or_show(root, &file.path, Some(&file.text), &text, dry_run, out)?;
    Ok(Edited {
        path: file.path.clone(),
        before: (**e).clone(),
        after: text,
    })
}

/// Takes the directory lock so two commands never write at once.
pub(crate) fn lock(dir: &Path) -> Result<crate::write::DirLock, Refusal> {
    let io = |source| Refusal::Io {
        path: dir.display().to_string(),
        source,
    };
    crate::write::try_lock_dir(dir)
        .map_err(io)?
        .ok_or_else(|| Refusal::Busy(dir.display().to_string()))
}

/// The lock for a command that writes; none for a dry run, which writes
/// nothing (taking it would create a missing directory).
pub(crate) fn lock_unless(
    dry_run: bool,
    dir: &Path,
) -> Result<Option<crate::write::DirLock>, Refusal> {
    if dry_run {
        Ok(None)
    } else {
        lock(dir).map(Some)
    }
}

/// Writes one file, or with `dry_run` shows it on `out` (`crate::change`).
pub(crate) fn write_or_show(
    root: &Path,
    rel: &str,
    old: Option<&str>,
    text: &str,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<crate::change::Applied, Refusal> {
    use crate::change::ChangeError;
    crate::change::write_or_show(root, rel, old, text, dry_run, out).map_err(|e| match e {
        ChangeError::Io { path, source } => Refusal::Io { path, source },
        e => Refusal::one(e.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_id_follows_the_highest_number() {
        assert_eq!(next_id([].into_iter()), "EX-001");
        assert_eq!(
            next_id(["EX-001", "EX-007", "legacy", "EX-x"].into_iter()),
            "EX-008"
        );
        assert_eq!(next_id(["EX-1234"].into_iter()), "EX-1235");
    }

    fn ex(granted: &str, expires: &str, closed: Option<&str>) -> Exception {
        Exception {
            schema_version: 1,
            id: ExceptionId("EX-1".into()),
            title: None,
            controls: vec![],
            system: SystemId("app".into()),
            scope: None,
            justification: "j".into(),
            compensating_controls: vec![],
            risk_rating: Rating::Low,
            risks: vec![],
            approver: "a".into(),
            granted: granted.parse().expect("date"),
            expires: expires.parse().expect("date"),
            renewals: vec![],
            closed: closed.map(|c| c.parse().expect("date")),
            closed_reason: None,
        }
    }

    #[test]
    fn states_follow_the_dates() {
        let today: Date = "2026-06-01".parse().expect("date");
        let of = |e: &Exception| State::of(e, today, 30);
        assert_eq!(of(&ex("2026-01-01", "2026-12-31", None)), State::Active);
        assert_eq!(of(&ex("2026-01-01", "2026-07-01", None)), State::Expiring);
        assert_eq!(of(&ex("2026-01-01", "2026-06-01", None)), State::Expiring);
        assert_eq!(of(&ex("2026-01-01", "2026-05-31", None)), State::Expired);
        assert_eq!(of(&ex("2026-07-01", "2026-12-31", None)), State::Pending);
        assert_eq!(
            of(&ex("2026-01-01", "2026-05-31", Some("2026-05-01"))),
            State::Closed
        );
        assert_eq!(
            State::of(&ex("2026-01-01", "2026-07-01", None), today, 0),
            State::Active
        );
    }
}
