//! Dates and states: expired exceptions, overdue policy reviews, impossible
//! date orders, not-applicable without a reason, inheritance without a
//! source, and files whose place disagrees with what they say.

use super::Ctx;
use crate::diag::Code;
use crate::model::{ImplStatus, normalized_control_id};

pub(super) fn check(ctx: &mut Ctx) {
    let repo = ctx.repo;
    let today = ctx.opts.as_of;
    let warn_days = repo
        .config
        .as_ref()
        .map_or(crate::model::ExceptionSettings::WARN_DAYS, |c| {
            c.exceptions.warn_days()
        });
    for ex in &repo.exceptions {
        let e = &ex.value;
        if e.expires < e.granted {
            ctx.emit(
                Code::InvalidDateRange,
                ex.file,
                "/expires",
                format!(
                    "exception expires ({}) before it was granted ({})",
                    e.expires, e.granted
                ),
                "fix `granted` or `expires`".into(),
            );
        } else if e.is_closed(today) {
            // Closed: it waives nothing, so its expiry is history.
        } else if e.expires < today {
            ctx.emit(
                Code::ExceptionExpired,
                ex.file,
                "/expires",
                format!("exception `{}` expired on {}", e.id, e.expires),
                format!("implement the waived controls, or have the approver renew it: aegis exceptions renew {} --expires DATE --approver WHO", e.id),
            );
        } else if warn_days > 0 && today.days_until(e.expires) <= i64::from(warn_days) {
            let left = today.days_until(e.expires);
            ctx.emit(
                Code::ExceptionExpiring,
                ex.file,
                "/expires",
                format!(
                    "exception `{}` expires on {} ({})",
                    e.id,
                    e.expires,
                    match left {
                        0 => "today".to_string(),
                        1 => "tomorrow".to_string(),
                        n => format!("in {n} days"),
                    }
                ),
                format!("implement the waived controls before then, or renew it: aegis exceptions renew {} --expires DATE --approver WHO", e.id),
            );
        }
        if let Some(c) = e.closed
            && c > today
        {
            future(
                ctx,
                ex.file,
                "/closed",
                &format!("exception `{}` says it was closed on {c}", e.id),
                "record the day it was actually closed",
            );
        }
        same_stem(ctx, ex.file, e.id.as_str(), "exception");
    }
    for p in &repo.policies {
        if let Some(r) = p.value.reviewed
            && r > today
        {
            future(
                ctx,
                p.file,
                "/reviewed",
                &format!("policy `{}` says it was reviewed on {r}", p.value.id),
                "record the day the review actually happened",
            );
        }
        if let Some(due) = p.value.review_due()
            && due < today
        {
            let ptr = if p.value.reviewed.is_some() {
                "/reviewed"
            } else {
                "/effective"
            };
            ctx.emit(
                Code::PolicyReviewOverdue,
                p.file,
                ptr,
                format!("policy `{}` was due for review on {due}", p.value.id),
                "review the policy in a pull request and update `reviewed`".into(),
            );
        }
        same_stem(ctx, p.file, p.value.id.as_str(), "policy");
    }
    for ev in &repo.evidence {
        same_stem(ctx, ev.file, ev.value.id.as_str(), "evidence");
    }
    for t in &repo.reference_tables {
        let want = format!("{}--{}", t.value.scheme, t.value.framework);
        same_stem(ctx, t.file, &want, "reference table");
    }
    scan_freshness(ctx);
    let acceptance_warn_days = repo
        .config
        .as_ref()
        .map_or(crate::model::RiskSettings::ACCEPTANCE_WARN_DAYS, |c| {
            c.risk.acceptance_warn_days()
        });
    for r in &repo.risks {
        acceptance(ctx, r.file, &r.value, acceptance_warn_days);
        same_stem(ctx, r.file, r.value.id.as_str(), "risk");
    }
    for fw in &repo.frameworks {
        let dir = ctx
            .path(fw.file)
            .split('/')
            .nth(1)
            .unwrap_or_default()
            .to_string();
        if dir != fw.value.id.as_str() {
            ctx.emit(
                Code::PathMismatch,
                fw.file,
                "/id",
                format!(
                    "framework `{}` is in directory controls/{dir}/",
                    fw.value.id
                ),
                format!(
                    "move it to controls/{}/ or change its id to `{dir}`",
                    fw.value.id
                ),
            );
        }
    }
    for ledger in &repo.approvals {
        for (n, a) in ledger.value.approvals.iter().enumerate() {
            if a.approved_at.date > today {
                future(
                    ctx,
                    ledger.file,
                    &format!("/approvals/{n}/approved_at"),
                    &format!(
                        "policy `{}` version {} says it was approved on {}",
                        a.policy, a.version, a.approved_at.text
                    ),
                    "record the day the approval was given",
                );
            }
        }
    }
}

/// The lifecycle rules for one implementation: its review date, a reason
/// for not-applicable, a source for inherited, and a file name and folder
/// that agree with what it says.
pub(super) fn implementation(ctx: &mut Ctx, imp: &super::Located<crate::model::Implementation>) {
    let today = ctx.opts.as_of;
    let i = &imp.value;
    if let Some(r) = i.reviewed
        && r > today
    {
        future(
            ctx,
            imp.file,
            "/reviewed",
            &format!(
                "implementation of `{}` says it was reviewed on {r}",
                i.control
            ),
            "record the day the review actually happened",
        );
    }
    match i.status {
        ImplStatus::NotApplicable
            if i.justification
                .as_deref()
                .is_none_or(|j| j.trim().is_empty()) =>
        {
            ctx.emit(
                Code::MissingJustification,
                imp.file,
                "/status",
                "control is marked not-applicable without a justification".into(),
                "add `justification:` saying why the control does not apply to this system".into(),
            );
        }
        ImplStatus::Inherited if i.inherited_from.is_none() && i.provider.is_none() => {
            ctx.emit(
                Code::MissingKey,
                imp.file,
                "/status",
                "control is inherited but does not say from where".into(),
                "add `inherited_from: <system>` or `provider: <name>`".into(),
            );
        }
        _ => {}
    }
    let path = ctx.path(imp.file);
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let (_, ctl) = i.control.split();
    if stem != ctl
        && normalized_control_id(stem) != normalized_control_id(ctl)
        && !ctx.unresolved.contains(&imp.file)
    {
        ctx.emit(
            Code::PathMismatch,
            imp.file,
            "/control",
            format!("implementation of `{ctl}` is in a file named {name}"),
            format!(
                "name implementation files after their control: {ctl}{}",
                &name[stem.len()..]
            ),
        );
    }
    if let Some(s) = &i.system {
        let dir = ctx.path(imp.file).split('/').nth(1).unwrap_or_default();
        if dir != s.as_str() {
            ctx.emit(
                Code::PathMismatch,
                imp.file,
                "/system",
                format!("implementation for system `{s}` is under implementations/{dir}/"),
                format!("move the file to implementations/{s}/, or remove `system:` so the directory decides"),
            );
        }
    }
}

/// Systems that set a scan interval must have a scan within it: overall
/// (`scan_interval`, any source) and per source (`scan_intervals`).
fn scan_freshness(ctx: &mut Ctx) {
    let repo = ctx.repo;
    let today = ctx.opts.as_of;
    let systems = repo
        .config
        .as_ref()
        .map_or(&[][..], |c| c.systems.as_slice());
    for (i, system) in systems.iter().enumerate() {
        if system.scan_interval.is_none() && system.scan_intervals.is_empty() {
            continue;
        }
        // (source, file, scan time) of the system's states.
        let scans: Vec<(String, usize, Option<crate::model::Date>)> = repo
            .findings
            .iter()
            .filter(|f| f.value.system == system.id)
            .map(|f| {
                let path = ctx.path(f.file);
                let name = path.rsplit('/').next().unwrap_or_default();
                let stem = name.split('.').next().unwrap_or_default().to_string();
                let time = f
                    .value
                    .scan
                    .as_ref()
                    .and_then(|s| s.time.as_ref())
                    .map(|w| w.date);
                (stem, f.file, time)
            })
            .collect();
        let newest = |filter: &dyn Fn(&str) -> bool| {
            scans
                .iter()
                .filter(|(s, _, _)| filter(s))
                .filter_map(|(_, file, t)| t.map(|t| (t, *file)))
                .max()
        };
        let mut checks: Vec<(String, crate::model::Period, Option<String>)> = Vec::new();
        if let Some(p) = &system.scan_interval {
            checks.push((format!("/systems/{i}/scan_interval"), p.clone(), None));
        }
        for (source, p) in &system.scan_intervals {
            let key = source.replace('~', "~0").replace('/', "~1");
            checks.push((
                format!("/systems/{i}/scan_intervals/{key}"),
                p.clone(),
                Some(source.clone()),
            ));
        }
        for (pointer, period, source) in checks {
            let by = source
                .as_deref()
                .map(|s| format!(" by {s}"))
                .unwrap_or_default();
            let found = match &source {
                Some(s) => newest(&|x: &str| x == s),
                None => newest(&|_: &str| true),
            };
            match found {
                None => ctx.emit(
                    Code::ScanStale,
                    0,
                    &pointer,
                    format!(
                        "system `{}` must be scanned{by} every {period}, and findings/{}/ holds no such scan",
                        system.id, system.id
                    ),
                    "ingest the scanner's results with `aegis ingest FILE --system ...`".into(),
                ),
                Some((time, file)) if time.plus(&period) <= today => ctx.emit(
                    Code::ScanStale,
                    file,
                    "/scan/time",
                    format!(
                        "the newest scan of system `{}`{by} is from {time}; it must be scanned every {period} (due {})",
                        system.id,
                        time.plus(&period)
                    ),
                    "run the scanner again and ingest its results with `aegis ingest`".into(),
                ),
                Some(_) => {}
            }
        }
    }
}

/// An accepted risk past (or near) the day its acceptance is to be
/// reviewed: like an exception, an acceptance is a decision with an end.
fn acceptance(ctx: &mut Ctx, file: usize, r: &crate::model::Risk, warn_days: u32) {
    let today = ctx.opts.as_of;
    let Some(until) = r.acceptance_until() else {
        return;
    };
    let renew = format!(
        "treat the risk, or have the approver accept it again: aegis risk accept {} --approver WHO --until DATE",
        r.id
    );
    let renew_by = format!("before then, {renew}");
    if r.acceptance_expired(today) {
        ctx.emit(
            Code::RiskAcceptanceExpired,
            file,
            "/acceptance/until",
            format!(
                "the acceptance of risk `{}` ran until {until}; the risk is no longer accepted",
                r.id
            ),
            renew,
        );
    } else if warn_days > 0 && today.days_until(until) <= i64::from(warn_days) {
        let left = match today.days_until(until) {
            0 => "today".to_string(),
            1 => "tomorrow".to_string(),
            n => format!("in {n} days"),
        };
        ctx.emit(
            Code::RiskAcceptanceExpiring,
            file,
            "/acceptance/until",
            format!(
                "the acceptance of risk `{}` is to be reviewed on {until} ({left})",
                r.id
            ),
            renew_by,
        );
    }
}

/// A record of something done, dated after the day of the run: it would
/// keep the record looking fresh (never stale, never overdue) forever.
fn future(ctx: &mut Ctx, file: usize, pointer: &str, what: &str, help: &str) {
    let today = ctx.opts.as_of;
    ctx.emit(
        Code::DateInFuture,
        file,
        pointer,
        format!("{what}, after {today} (the day of this run)"),
        help.into(),
    );
}

/// Warns when a record's file name is not its id (`evidence/<id>.yaml`).
fn same_stem(ctx: &mut Ctx, file: usize, id: &str, what: &str) {
    let path = ctx.path(file).to_string();
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    if stem != id {
        ctx.emit(
            Code::PathMismatch,
            file,
            "/id",
            format!("{what} `{id}` is in a file named {name}"),
            format!("rename the file to {id}{}", &name[stem.len()..]),
        );
    }
}
