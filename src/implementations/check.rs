//! What would make a record `aegis validate` rejects: a status without
//! what it needs (a justification, where it is inherited from), ids of
//! evidence, policies, systems or parameters that do not exist, a review
//! in the future. Checked before anything is written.

use super::Target;
use crate::exceptions::refs::Loaded;
use crate::model::{Date, ImplStatus, Implementation};
use crate::validate::schema::did_you_mean;

/// Every problem of `imp` as the record of `target`, judged on `today`.
pub fn problems(
    loaded: &Loaded,
    target: &Target,
    imp: &Implementation,
    today: Date,
) -> Vec<String> {
    let mut out = Vec::new();
    // Names are one line; a statement or justification may run over lines.
    let line = |what: &str, v: &Option<String>, out: &mut Vec<String>| {
        if let Some(v) = v {
            crate::text::check_line(&format!("the {what}"), v, out);
        }
    };
    let lines = |what: &str, v: &Option<String>, out: &mut Vec<String>| {
        if let Some(v) = v {
            crate::text::check_lines(&format!("the {what}"), v, out);
        }
    };
    line("owner", &imp.owner, &mut out);
    lines("statement", &imp.statement, &mut out);
    line("provider", &imp.provider, &mut out);
    let missing = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
    match imp.status {
        ImplStatus::NotApplicable if missing(&imp.justification) => out.push(format!(
            "status not-applicable needs a justification: pass --justification TEXT saying why `{}` does not apply to system `{}`",
            target.reference, target.system
        )),
        ImplStatus::Inherited if imp.inherited_from.is_none() && imp.provider.is_none() => {
            out.push(
                "status inherited needs where the control comes from: pass --inherited-from SYSTEM or --provider NAME"
                    .into(),
            )
        }
        _ => {}
    }
    if !(imp.status == ImplStatus::NotApplicable && missing(&imp.justification)) {
        lines("justification", &imp.justification, &mut out);
    }
    if let Some(from) = &imp.inherited_from {
        if from.as_str() == target.system {
            out.push(format!(
                "system `{from}` cannot inherit a control from itself"
            ));
        } else if let Err(e) = super::check_system(loaded, from.as_str()) {
            out.push(format!("--inherited-from: {e}"));
        }
    }
    let repo = &loaded.outcome.repo;
    let evidence: Vec<String> = repo.evidence.iter().map(|e| e.value.id.0.clone()).collect();
    for e in &imp.evidence {
        if !evidence.contains(&e.0) {
            out.push(unknown(
                "evidence",
                e.as_str(),
                &evidence,
                "evidence/",
                "aegis evidence add",
            ));
        }
    }
    let policies: Vec<String> = repo.policies.iter().map(|p| p.value.id.0.clone()).collect();
    for p in &imp.policies {
        if !policies.contains(&p.0) {
            out.push(unknown(
                "policy",
                p.as_str(),
                &policies,
                "policies/",
                "aegis policy new",
            ));
        }
    }
    let known = &target.control.params;
    for key in imp.parameters.keys() {
        if known.contains(key) {
            continue;
        }
        let shown = target.control.display();
        out.push(match did_you_mean(key, known) {
            Some(s) => format!("control `{shown}` has no parameter `{key}`; did you mean `{s}`?"),
            None if known.is_empty() => {
                format!("control `{shown}` has no parameters (so none named `{key}`)")
            }
            None => format!(
                "control `{shown}` has no parameter `{key}` (its parameters: {})",
                known.join(", ")
            ),
        });
    }
    for (key, value) in &imp.parameters {
        crate::text::check_lines(&format!("the value of parameter `{key}`"), value, &mut out);
    }
    if let Some(r) = imp.reviewed
        && r > today
    {
        out.push(format!(
            "the review date {r} is after today ({today}); record the day the review happened"
        ));
    }
    out
}

fn unknown(what: &str, id: &str, known: &[String], dir: &str, create: &str) -> String {
    match did_you_mean(id, known) {
        Some(s) => format!("no {what} `{id}` in {dir}; did you mean `{s}`?"),
        None => format!(
            "no {what} `{id}` in {dir} (create it with `{create}`; a file there that does not validate does not count: run `aegis validate`)"
        ),
    }
}
