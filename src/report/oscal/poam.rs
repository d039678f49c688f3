//! The plan of action and milestones (OSCAL `plan-of-action-and-milestones`):
//! an item per control that falls short, under the stable POA&M id the gap
//! engine gives it, with the findings, observations and risks behind it.

use super::ar::Parts;
use super::{Ctx, Entry, OscalError, line, prop, reasons_text, uuid};
use crate::report::Input;
use serde_json::{Value, json};

/// The OSCAL POA&M of `system`. A system with no gaps has no POA&M: OSCAL
/// requires at least one item.
pub fn poam(input: &Input, system: &str) -> Result<Value, OscalError> {
    let cx = Ctx::new(input, system)?;
    // Excepted gaps stay on the plan: an exception accepts the risk for a
    // while, it does not close the item.
    let open: Vec<&Entry<'_>> = cx
        .entries
        .iter()
        .filter(|e| !e.status.reasons.is_empty())
        .collect();
    if open.is_empty() {
        return Err(OscalError::NoPoamItems {
            system: system.to_string(),
        });
    }
    let scans = cx.scan_findings();
    let parts = Parts::build(&cx, &open, &scans);
    let items: Vec<Value> = open
        .iter()
        .zip(&parts.links)
        .map(|(e, l)| item(&cx, e, l))
        .collect();
    let mut doc = json!({
        "uuid": cx.document_uuid("poam"),
        "metadata": cx.metadata(&format!("Plan of Action and Milestones: {}", cx.system.name)),
        "system-id": { "id": cx.id() },
    });
    if !parts.observations.is_empty() {
        doc["observations"] = Value::Array(parts.observations);
    }
    if !parts.risks.is_empty() {
        doc["risks"] = Value::Array(parts.risks);
    }
    doc["findings"] = Value::Array(parts.findings);
    doc["poam-items"] = Value::Array(items);
    Ok(json!({ "plan-of-action-and-milestones": doc }))
}

fn item(cx: &Ctx<'_>, e: &Entry<'_>, l: &super::ar::Links) -> Value {
    let c = e.status;
    // The POA&M id is the item's identity; without one (never, for a gap)
    // the control's identity stands in.
    let key = c
        .poam
        .clone()
        .unwrap_or_else(|| format!("{}:{}", e.framework, e.control()));
    let mut props = vec![
        prop("poam-id", &key),
        prop("framework", e.framework),
        prop("control", e.control()),
    ];
    let exceptions = cx.exceptions(c);
    props.push(prop(
        "state",
        if exceptions.is_empty() {
            "open"
        } else {
            "risk-accepted"
        },
    ));
    for x in &exceptions {
        props.push(prop("exception", x.id.as_str()));
    }
    let mut it = json!({
        "uuid": uuid::derive(&["poam-item", cx.id(), &key]),
        "title": line(&format!("{key}: {}", cx.label(e))),
        "description": format!("{} falls short in system `{}`:\n\n{}", cx.label(e), cx.id(), reasons_text(c)),
        "props": props,
        "related-findings": [{ "finding-uuid": l.finding }],
        "related-observations": l.observations.iter().map(|u| json!({ "observation-uuid": u })).collect::<Vec<_>>(),
    });
    if !l.risks.is_empty() {
        it["related-risks"] = l.risks.iter().map(|u| json!({ "risk-uuid": u })).collect();
    }
    if !exceptions.is_empty() {
        it["remarks"] = json!(
            exceptions
                .iter()
                .map(|x| format!(
                    "Exception `{}` accepts this gap until {}: {}",
                    x.id,
                    x.expires,
                    line(&x.justification)
                ))
                .collect::<Vec<_>>()
                .join("\n\n")
        );
    }
    it
}
