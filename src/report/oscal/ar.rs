//! Assessment results (OSCAL `assessment-results`): one result per export,
//! holding a finding per control the system's selections hold (satisfied
//! or not, from the gap engine), the observations behind them (the
//! engine's examination and every scan result), and the risks of gaps.

use super::{Ctx, Entry, OscalError, Scan, control_id, line, prop, reasons_text, uuid};
use crate::report::Input;
use serde_json::{Value, json};

/// The OSCAL assessment results of `system`.
pub fn assessment_results(input: &Input, system: &str) -> Result<Value, OscalError> {
    let cx = Ctx::new(input, system)?;
    let scans = cx.scan_findings();
    let all: Vec<&Entry<'_>> = cx.entries.iter().collect();
    let parts = Parts::build(&cx, &all, &scans);
    let plan = uuid::derive(&["resource", "assessment-plan", cx.id()]);
    let generated = &cx.input.meta.generated;
    let mut result = json!({
        "uuid": uuid::derive(&["result", cx.id()]),
        "title": line(&format!("Aegis gap assessment of {}", cx.system.name)),
        "description": format!(
            "The gap engine's assessment of system `{}` against its selections, from the repository's implementation, evidence, policy, exception and scan records. Each control has a finding; each finding rests on an examination of the records and on the scan results mapped to its control.",
            cx.id()
        ),
        "start": generated,
        "end": generated,
        "reviewed-controls": {
            "control-selections": [{
                "include-controls": cx.entries.iter().map(|e| json!({ "control-id": control_id(e.control()) })).collect::<Vec<_>>(),
            }],
        },
    });
    if !parts.observations.is_empty() {
        result["observations"] = Value::Array(parts.observations);
    }
    if !parts.risks.is_empty() {
        result["risks"] = Value::Array(parts.risks);
    }
    result["findings"] = Value::Array(parts.findings);
    Ok(json!({
        "assessment-results": {
            "uuid": cx.document_uuid("assessment-results"),
            "metadata": cx.metadata(&format!("Security Assessment Results: {}", cx.system.name)),
            "import-ap": { "href": format!("#{plan}") },
            "results": [result],
            "back-matter": {
                "resources": [{
                    "uuid": plan,
                    "title": "Assessment plan",
                    "description": format!(
                        "There is no separate OSCAL assessment plan: Aegis assesses continuously from the repository, by the rules of its gap engine, every control that system `{}` selects in aegis.yaml.",
                        cx.id()
                    ),
                }],
            },
        }
    }))
}

/// The observations, risks and findings about a set of controls, shared by
/// the assessment results and the POA&M (with the same UUIDs in both).
pub(crate) struct Parts {
    pub observations: Vec<Value>,
    pub risks: Vec<Value>,
    pub findings: Vec<Value>,
    /// Per entry (in the order given): its finding, its observations and
    /// its risks, by UUID.
    pub links: Vec<Links>,
}

#[derive(Default)]
pub(crate) struct Links {
    pub finding: String,
    pub observations: Vec<String>,
    pub risks: Vec<String>,
}

pub(crate) fn finding_uuid(system: &str, e: &Entry<'_>) -> String {
    uuid::derive(&["finding", system, e.framework, e.control()])
}

impl Parts {
    pub fn build(cx: &Ctx<'_>, entries: &[&Entry<'_>], scans: &[Scan<'_>]) -> Parts {
        let mut observations = Vec::new();
        let mut findings = Vec::new();
        let mut links = Vec::new();
        let mut used_scans = vec![false; scans.len()];
        let register = cx.register_risks();
        let mut used_register = vec![false; register.len()];
        let mut gap_risks = Vec::new();
        for e in entries {
            let c = e.status;
            let mut l = Links {
                finding: finding_uuid(cx.id(), e),
                ..Links::default()
            };
            let exam = examination(cx, e);
            l.observations
                .push(exam["uuid"].as_str().unwrap_or_default().to_string());
            observations.push(exam);
            for (i, s) in scans.iter().enumerate() {
                if cx.maps_to(s, e) {
                    used_scans[i] = true;
                    l.observations.push(s.uuid.clone());
                }
            }
            if !c.reasons.is_empty() {
                let r = gap_risk(cx, e);
                l.risks
                    .push(r["uuid"].as_str().unwrap_or_default().to_string());
                gap_risks.push(r);
            }
            for (i, r) in register.iter().enumerate() {
                if cx.risk_covers(r, e) {
                    used_register[i] = true;
                    l.risks.push(register_uuid(r.id.as_str()));
                }
            }
            let satisfied = c.reasons.is_empty();
            let mut target = json!({
                "type": "objective-id",
                "target-id": format!("{}_obj", control_id(e.control())),
                "title": line(&cx.label(e)),
                "status": {
                    "state": if satisfied { "satisfied" } else { "not-satisfied" },
                    "reason": if satisfied { "pass" } else { "fail" },
                },
            });
            if let Some(state) = super::own_state(c.status) {
                target["implementation-status"] = json!({ "state": state });
            }
            let mut f = json!({
                "uuid": l.finding,
                "title": line(&cx.label(e)),
                "description": if satisfied {
                    format!("Satisfied: the control is {} and the gap engine found nothing missing.", c.status.as_str())
                } else {
                    format!("Not satisfied (status {}):\n\n{}", c.status.as_str(), reasons_text(c))
                },
                "props": finding_props(e),
                "target": target,
                "implementation-statement-uuid": super::ssp::requirement_uuid(cx.id(), e.framework, e.control()),
                "related-observations": l.observations.iter().map(|u| json!({ "observation-uuid": u })).collect::<Vec<_>>(),
            });
            if !l.risks.is_empty() {
                f["related-risks"] = l.risks.iter().map(|u| json!({ "risk-uuid": u })).collect();
            }
            findings.push(f);
            links.push(l);
        }
        for (s, used) in scans.iter().zip(&used_scans) {
            if *used {
                observations.push(scan_observation(s));
            }
        }
        let mut risks = gap_risks;
        for (r, used) in register.iter().zip(&used_register) {
            if *used {
                risks.push(register_risk(cx, r));
            }
        }
        Parts {
            observations,
            risks,
            findings,
            links,
        }
    }
}

fn finding_props(e: &Entry<'_>) -> Vec<Value> {
    let mut p = vec![
        prop("framework", e.framework),
        prop("status", e.status.status.as_str()),
    ];
    for r in &e.status.reasons {
        p.push(prop("reason", r.reason.as_str()));
    }
    if let Some(id) = &e.status.poam {
        p.push(prop("poam-id", id));
    }
    p.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    p.dedup();
    p
}

/// What the gap engine examined for a control: the implementation record,
/// its evidence and policies.
fn examination(cx: &Ctx<'_>, e: &Entry<'_>) -> Value {
    let c = e.status;
    let imp = cx.implementation(c);
    let mut description = match &c.implementation {
        Some(path) => format!(
            "Examined the implementation record `{path}` (status {}).",
            c.status.as_str()
        ),
        None => format!("No implementation record; status {}.", c.status.as_str()),
    };
    if !c.reasons.is_empty() {
        description.push_str("\n\n");
        description.push_str(&reasons_text(c));
    }
    let mut o = json!({
        "uuid": uuid::derive(&["observation", "examination", cx.id(), e.framework, e.control()]),
        "title": line(&format!("Examination of {}", cx.label(e))),
        "description": description,
        "methods": ["EXAMINE"],
        "types": ["control-objective"],
        "collected": cx.input.meta.generated,
    });
    let mut evidence = Vec::new();
    if let Some(imp) = imp {
        let mut ids: Vec<&str> = imp.evidence.iter().map(|e| e.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            match cx.evidence.get(id) {
                Some(ev) => {
                    let mut r = json!({
                        "href": ev.uri,
                        "description": line(&format!("Evidence `{id}`: {}", ev.title)),
                    });
                    let mut props = vec![prop("evidence-id", id), prop("collected", &ev.collected_at.text)];
                    if let Some(sha) = &ev.sha256 {
                        props.push(prop("sha256", sha));
                    }
                    r["props"] = Value::Array(props);
                    evidence.push(r);
                }
                None => evidence.push(json!({
                    "description": format!("Evidence `{id}` is referenced but has no record in evidence/."),
                })),
            }
        }
    }
    if !evidence.is_empty() {
        o["relevant-evidence"] = Value::Array(evidence);
    }
    o
}

fn scan_observation(s: &Scan<'_>) -> Value {
    let f = s.finding;
    let title = f.title.as_deref().unwrap_or(&f.rule_id);
    let mut description = format!(
        "{} reported `{}` for rule `{}`",
        s.tool,
        f.result.as_str(),
        f.rule_id
    );
    if let Some(t) = &f.target {
        description.push_str(&format!(" on `{t}`"));
    }
    description.push('.');
    if let Some(m) = &f.message {
        description.push_str("\n\n");
        description.push_str(m);
    }
    for o in &f.observed {
        description.push_str(&format!(
            "\n\n- {}: expected {}, actual {}",
            o.name,
            o.expected.as_deref().unwrap_or("(not stated)"),
            o.actual.as_deref().unwrap_or("(not stated)")
        ));
    }
    let mut props = vec![
        prop("tool", s.tool),
        prop("rule-id", &f.rule_id),
        prop("result", f.result.as_str()),
        prop("state", super::scan_state(f.result)),
    ];
    if let Some(sev) = &f.severity {
        props.push(prop("severity", sev));
    }
    if let Some(t) = &f.target {
        props.push(prop("target", t));
    }
    json!({
        "uuid": s.uuid,
        "title": line(title),
        "description": description,
        "props": props,
        "methods": ["TEST"],
        "types": ["finding"],
        "collected": s.collected,
    })
}

pub(crate) fn gap_risk_uuid(system: &str, e: &Entry<'_>) -> String {
    uuid::derive(&["risk", "gap", system, e.framework, e.control()])
}

/// The risk a gap leaves open (accepted while an exception is in force).
fn gap_risk(cx: &Ctx<'_>, e: &Entry<'_>) -> Value {
    let c = e.status;
    let exceptions = cx.exceptions(c);
    let mut r = json!({
        "uuid": gap_risk_uuid(cx.id(), e),
        "title": line(&format!("Gap: {}", cx.label(e))),
        "description": format!("The control falls short in system `{}`:\n\n{}", cx.id(), reasons_text(c)),
        "statement": format!(
            "Until the gap is closed, system `{}` does not meet {} {} as its selection requires.",
            cx.id(), e.framework, e.control()
        ),
        "status": if exceptions.is_empty() { "open" } else { "deviation-approved" },
    });
    let mut props = Vec::new();
    if let Some(id) = &c.poam {
        props.push(prop("poam-id", id));
    }
    for x in &exceptions {
        props.push(prop("exception", x.id.as_str()));
    }
    if !props.is_empty() {
        r["props"] = Value::Array(props);
    }
    // The earliest expiry of the exceptions that accept it is when the
    // risk must be dealt with again.
    if let Some(x) = exceptions.iter().min_by_key(|x| x.expires) {
        r["deadline"] = json!(format!("{}T00:00:00Z", x.expires));
    }
    r
}

pub(crate) fn register_uuid(id: &str) -> String {
    uuid::derive(&["risk", "register", id])
}

fn register_risk(cx: &Ctx<'_>, r: &crate::model::Risk) -> Value {
    let treatment = match r.treatment {
        crate::model::Treatment::Mitigate => "mitigate",
        crate::model::Treatment::Accept => "accept",
        crate::model::Treatment::Transfer => "transfer",
        crate::model::Treatment::Avoid => "avoid",
    };
    let mut props = vec![
        prop("risk-id", r.id.as_str()),
        prop("likelihood", &r.inherent.likelihood.to_string()),
        prop("impact", &r.inherent.impact.to_string()),
        prop("treatment", treatment),
        prop("owner", &r.owner),
    ];
    if let Some(res) = &r.residual {
        props.push(prop("residual-likelihood", &res.likelihood.to_string()));
        props.push(prop("residual-impact", &res.impact.to_string()));
    }
    json!({
        "uuid": register_uuid(r.id.as_str()),
        "title": line(&format!("{}: {}", r.id, r.title)),
        "description": r.description.clone().unwrap_or_else(|| line(&r.title)),
        "statement": format!(
            "Risk register entry `{}` (likelihood {} of 5, impact {} of 5, treatment {treatment}).",
            r.id, r.inherent.likelihood, r.inherent.impact
        ),
        "props": props,
        "status": if cx.risk_accepted(r.id.as_str()) { "deviation-approved" } else { "open" },
    })
}
