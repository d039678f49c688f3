//! The system security plan (OSCAL `system-security-plan`): what the
//! system is, who owns it, what it inherits, and how it meets each control
//! its selections hold.

use super::{Ctx, Entry, OscalError, control_id, line, not_stated, own_state, prop, token, uuid};
use crate::assess::gaps::Status;
use crate::model::{Characteristics, ImpactLevel, System};
use crate::report::Input;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The OSCAL SSP of `system`.
pub fn ssp(input: &Input, system: &str) -> Result<Value, OscalError> {
    let cx = Ctx::new(input, system)?;
    let ch = cx.system.characteristics.clone().unwrap_or_default();
    let resources = selection_resources(&cx);
    let Some((first, _)) = resources.first() else {
        return Err(OscalError::NoControls {
            system: system.to_string(),
        });
    };
    let mut import = json!({ "href": format!("#{first}") });
    if resources.len() > 1 {
        import["remarks"] = json!(format!(
            "The system also selects {}; each implemented requirement names its framework in the `framework` prop, and the back matter describes every selection.",
            resources[1..]
                .iter()
                .map(|(_, label)| format!("`{label}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let providers = providers(&cx);
    let doc = json!({
        "system-security-plan": {
            "uuid": cx.document_uuid("ssp"),
            "metadata": cx.metadata(&format!("System Security Plan: {}", cx.system.name)),
            "import-profile": import,
            "system-characteristics": characteristics(&cx, &ch),
            "system-implementation": implementation(&cx, &ch, &providers),
            "control-implementation": {
                "description": format!(
                    "How {} meets the controls of its selections ({}), from its implementation records under `implementations/{}/` and the gap engine's assessment. Controls with no record are listed and say so.",
                    line(&cx.system.name),
                    resources.iter().map(|(_, l)| format!("`{l}`")).collect::<Vec<_>>().join(", "),
                    cx.id(),
                ),
                "implemented-requirements": cx.entries.iter().map(|e| requirement(&cx, e, &providers)).collect::<Vec<_>>(),
            },
            "back-matter": {
                "resources": resources.iter().map(|(u, _)| u).zip(selection_resource_bodies(&cx)).map(|(u, mut body)| { body["uuid"] = json!(u); body }).collect::<Vec<_>>(),
            },
        }
    });
    Ok(doc)
}

/// The UUID of the implemented requirement for a control, shared with the
/// assessment results' `implementation-statement-uuid`.
pub(crate) fn requirement_uuid(system: &str, framework: &str, control: &str) -> String {
    uuid::derive(&["implemented-requirement", system, framework, control])
}

/// The UUID of the by-component statement a system makes itself about a
/// control; a system that inherits the control points at it.
fn own_statement_uuid(system: &str, framework: &str, control: &str) -> String {
    uuid::derive(&["by-component", system, framework, control, "this-system"])
}

fn this_system(system: &str) -> String {
    uuid::derive(&["component", system, "this-system"])
}

/// Where inherited controls come from: a system of this repository or an
/// outside provider named in an implementation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Provider {
    System(String),
    Outside(String),
}

impl Provider {
    fn component(&self, system: &str) -> String {
        match self {
            Provider::System(s) => uuid::derive(&["component", system, "system", s]),
            Provider::Outside(p) => uuid::derive(&["component", system, "provider", p]),
        }
    }
}

/// Every provider the system inherits from, sorted.
fn providers(cx: &Ctx<'_>) -> Vec<Provider> {
    let mut out: Vec<Provider> = cx
        .system
        .inherits_from
        .iter()
        .map(|s| Provider::System(s.to_string()))
        .collect();
    for e in &cx.entries {
        if let Some(p) = provider_of(cx, e) {
            out.push(p);
        }
    }
    out.sort();
    out.dedup();
    out
}

fn provider_of(cx: &Ctx<'_>, e: &Entry<'_>) -> Option<Provider> {
    if e.status.status != Status::Inherited {
        return None;
    }
    let imp = cx.implementation(e.status)?;
    if let Some(s) = &imp.inherited_from {
        return Some(Provider::System(s.to_string()));
    }
    imp.provider.as_ref().map(|p| Provider::Outside(p.clone()))
}

fn level(l: ImpactLevel) -> String {
    format!("fips-199-{}", l.as_str())
}

fn characteristics(cx: &Ctx<'_>, ch: &Characteristics) -> Value {
    let s = cx.system;
    let mut v = json!({
        "system-ids": [{ "id": s.id.as_str() }],
        "system-name": line(&s.name),
        "system-name-short": s.id.as_str(),
        "description": s.description.clone().unwrap_or_else(|| not_stated("systems[].description")),
    });
    if let Some(d) = ch.authorized {
        v["date-authorized"] = json!(d.to_string());
    }
    if let Some(l) = ch.sensitivity {
        v["security-sensitivity-level"] = json!(level(l));
    }
    let types: Vec<Value> = if ch.information_types.is_empty() {
        vec![json!({
            "uuid": uuid::derive(&["information-type", cx.id(), ""]),
            "title": "Information types not stated",
            "description": not_stated("systems[].characteristics.information_types"),
        })]
    } else {
        ch.information_types
            .iter()
            .map(|t| {
                let mut it = json!({
                    "uuid": uuid::derive(&["information-type", cx.id(), &t.title]),
                    "title": line(&t.title),
                    "description": t.description,
                });
                if !t.categorizations.is_empty() {
                    it["categorizations"] = t
                        .categorizations
                        .iter()
                        .map(|c| json!({ "system": c.system, "information-type-ids": c.ids }))
                        .collect();
                }
                for (key, l) in [
                    ("confidentiality-impact", t.confidentiality),
                    ("integrity-impact", t.integrity),
                    ("availability-impact", t.availability),
                ] {
                    if let Some(l) = l {
                        it[key] = json!({ "base": level(l) });
                    }
                }
                it
            })
            .collect()
    };
    v["system-information"] = json!({ "information-types": types });
    if let Some(i) = &ch.impact {
        v["security-impact-level"] = json!({
            "security-objective-confidentiality": level(i.confidentiality),
            "security-objective-integrity": level(i.integrity),
            "security-objective-availability": level(i.availability),
        });
    }
    v["status"] = match ch.status {
        Some(st) => json!({ "state": st.as_str() }),
        None => {
            json!({ "state": "other", "remarks": not_stated("systems[].characteristics.status") })
        }
    };
    v["authorization-boundary"] = json!({
        "description": ch.authorization_boundary.clone()
            .unwrap_or_else(|| not_stated("systems[].characteristics.authorization_boundary")),
    });
    v
}

/// A component's status: the states a component may have are fewer than a
/// system's, so a system under major modification is `other` with a remark.
fn component_status(system: Option<&System>, field: &str) -> Value {
    use crate::model::OperationalState as S;
    match system
        .and_then(|s| s.characteristics.as_ref())
        .and_then(|c| c.status)
    {
        Some(st @ (S::Operational | S::UnderDevelopment | S::Disposition | S::Other)) => {
            json!({ "state": st.as_str() })
        }
        Some(S::UnderMajorModification) => {
            json!({ "state": "other", "remarks": "under-major-modification" })
        }
        None => json!({ "state": "other", "remarks": not_stated(field) }),
    }
}

fn implementation(cx: &Ctx<'_>, _ch: &Characteristics, providers: &[Provider]) -> Value {
    let s = cx.system;
    let users = match &s.owner {
        Some(owner) => json!([{
            "uuid": uuid::derive(&["user", cx.id(), "owner"]),
            "title": line(&format!("System owner ({owner})")),
            "role-ids": ["system-owner"],
        }]),
        None => json!([{
            "uuid": uuid::derive(&["user", cx.id(), "owner"]),
            "title": "System owner",
            "description": not_stated("systems[].owner"),
            "role-ids": ["system-owner"],
        }]),
    };
    let mut components = vec![json!({
        "uuid": this_system(cx.id()),
        "type": "this-system",
        "title": line(&s.name),
        "description": s.description.clone().unwrap_or_else(|| not_stated("systems[].description")),
        "status": component_status(Some(s), "systems[].characteristics.status"),
    })];
    let mut leveraged = Vec::new();
    for p in providers {
        match p {
            Provider::System(id) => {
                let other = cx.config.systems.iter().find(|o| o.id.as_str() == id);
                let mut c = json!({
                    "uuid": p.component(cx.id()),
                    "type": "system",
                    "title": line(other.map_or(id.as_str(), |o| o.name.as_str())),
                    "description": format!(
                        "System `{id}` of this repository, whose controls {} inherits.{}",
                        line(&s.name),
                        other.and_then(|o| o.description.as_deref()).map(|d| format!("\n\n{d}")).unwrap_or_default()
                    ),
                    "props": [{ "name": "implementation-point", "value": "external" }],
                    "status": component_status(other, "systems[].characteristics.status of the providing system"),
                });
                match other
                    .and_then(|o| o.characteristics.as_ref())
                    .and_then(|c| c.authorized)
                {
                    Some(date) => {
                        let la = uuid::derive(&["leveraged-authorization", cx.id(), id]);
                        // Systems of one repository share its organisation,
                        // which is the party metadata always holds.
                        let party = cx.organisation_party();
                        leveraged.push(json!({
                            "uuid": la,
                            "title": line(other.map_or(id.as_str(), |o| o.name.as_str())),
                            "party-uuid": party,
                            "date-authorized": date.to_string(),
                        }));
                        if let Some(props) = c["props"].as_array_mut() {
                            props.push(json!({ "name": "leveraged-authorization-uuid", "value": la }));
                        }
                    }
                    None => {
                        c["remarks"] = json!(format!(
                            "Not listed as a leveraged authorization: aegis.yaml states no `systems[].characteristics.authorized` date for `{id}`."
                        ));
                    }
                }
                components.push(c);
            }
            Provider::Outside(name) => components.push(json!({
                "uuid": p.component(cx.id()),
                "type": "service",
                "title": line(name),
                "description": format!("An outside provider named in the implementation records of `{}`; controls marked inherited from it are provided by it.", cx.id()),
                "props": [{ "name": "implementation-point", "value": "external" }],
                "status": { "state": "other", "remarks": "The provider's status is not recorded in the repository." },
            })),
        }
    }
    let mut v = json!({});
    if !leveraged.is_empty() {
        v["leveraged-authorizations"] = Value::Array(leveraged);
    }
    v["users"] = users;
    v["components"] = Value::Array(components);
    v
}

fn requirement(cx: &Ctx<'_>, e: &Entry<'_>, providers: &[Provider]) -> Value {
    let c = e.status;
    let imp = cx.implementation(c);
    let mut props = vec![
        prop("framework", e.framework),
        prop("control", e.control()),
        prop("status", c.status.as_str()),
    ];
    for b in &e.baselines {
        props.push(prop("baseline", b));
    }
    if let Some(p) = &c.poam {
        props.push(prop("poam-id", p));
    }
    let mut req = json!({
        "uuid": requirement_uuid(cx.id(), e.framework, e.control()),
        "control-id": control_id(e.control()),
        "props": props,
    });
    if let Some(imp) = imp
        && !imp.parameters.is_empty()
    {
        let sorted: BTreeMap<&String, &String> = imp.parameters.iter().collect();
        req["set-parameters"] = sorted
            .into_iter()
            .map(|(k, v)| json!({ "param-id": token(k), "values": [v] }))
            .collect();
    }
    let statement = imp.and_then(|i| i.statement.clone());
    let mut by = match (c.status, provider_of(cx, e)) {
        (Status::Inherited, Some(p)) => {
            let from = match &p {
                Provider::System(s) => format!("system `{s}`"),
                Provider::Outside(n) => format!("provider {n}"),
            };
            let mut inherited = json!({
                "uuid": uuid::derive(&["inherited", cx.id(), e.framework, e.control()]),
                "description": format!("Inherited from {from}."),
            });
            if let Provider::System(s) = &p {
                // The providing system's own statement in its SSP, which
                // Aegis exports with the same derivation.
                inherited["provided-uuid"] = json!(own_statement_uuid(s, e.framework, e.control()));
            }
            debug_assert!(providers.contains(&p));
            json!({
                "component-uuid": p.component(cx.id()),
                "uuid": uuid::derive(&["by-component", cx.id(), e.framework, e.control(), "inherited"]),
                "description": statement.unwrap_or_else(|| format!("Inherited from {from}; the implementation record gives no statement.")),
                "inherited": [inherited],
            })
        }
        _ => {
            let description = match c.status {
                Status::Crosswalk => {
                    let path = c
                        .via
                        .iter()
                        .map(|s| {
                            format!(
                                "- {} → {} ({}, {}; `{}`)",
                                s.from, s.to, s.kind, s.provenance, s.mapping
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n");
                    format!(
                        "Met through the crosswalk by the implementation of another framework's control:\n\n{path}"
                    )
                }
                Status::Missing => format!(
                    "No implementation is recorded in the repository (expected `implementations/{}/{}.yaml`).",
                    cx.id(),
                    e.control()
                ),
                Status::NotApplicable => statement
                    .clone()
                    .or_else(|| c.justification.clone())
                    .unwrap_or_else(|| "Not applicable.".to_string()),
                _ => statement
                    .clone()
                    .unwrap_or_else(|| "The implementation record gives no statement.".to_string()),
            };
            let mut b = json!({
                "component-uuid": this_system(cx.id()),
                "uuid": own_statement_uuid(cx.id(), e.framework, e.control()),
                "description": description,
            });
            if let Some(state) = own_state(c.status) {
                b["implementation-status"] = json!({ "state": state });
                if c.status == Status::NotApplicable
                    && let Some(j) = &c.justification
                {
                    b["implementation-status"]["remarks"] = json!(j);
                }
            }
            b
        }
    };
    // What Aegis records beyond OSCAL's fields, so `aegis oscal import`
    // of this document gives the same implementation records back.
    let mut props = Vec::new();
    if let Some(i) = imp {
        if let Some(owner) = i.owner.as_deref() {
            props.push(prop("owner", owner));
        }
        props.extend(i.evidence.iter().map(|e| prop("evidence", &e.0)));
        props.extend(i.policies.iter().map(|p| prop("policy", &p.0)));
        if i.statement.is_none() {
            props.push(prop("statement", "none"));
        }
        if let Some(from) = &i.inherited_from {
            props.push(prop("inherited-from", &from.0));
        }
    }
    if !props.is_empty() {
        by["props"] = json!(props);
    }
    req["by-components"] = json!([by]);
    if !c.reasons.is_empty() {
        req["remarks"] = json!(format!(
            "The gap engine found:\n\n{}",
            super::reasons_text(c)
        ));
    }
    req
}

/// A back-matter resource per selection, with its label, in selection
/// order: the first is the profile the SSP imports.
fn selection_resources(cx: &Ctx<'_>) -> Vec<(String, String)> {
    cx.gaps
        .selections
        .iter()
        .map(|s| {
            (
                uuid::derive(&[
                    "resource",
                    "selection",
                    &s.framework,
                    s.baseline.as_deref().unwrap_or(""),
                ]),
                s.label(),
            )
        })
        .collect()
}

fn selection_resource_bodies(cx: &Ctx<'_>) -> Vec<Value> {
    let repo = &cx.input.run.outcome.repo;
    cx.gaps
        .selections
        .iter()
        .map(|s| {
            let fw = repo
                .frameworks
                .iter()
                .map(|f| &f.value)
                .find(|f| f.id.as_str() == s.framework);
            let title = match (fw, &s.baseline) {
                (Some(f), Some(b)) => format!("{} {}, baseline {b}", f.title, f.version),
                (Some(f), None) => format!("{} {}", f.title, f.version),
                (None, _) => s.label(),
            };
            let mut r = json!({
                "title": line(&title),
                "description": format!(
                    "The selection `{}` this system must meet: {} controls, defined in `controls/{}/` of the repository.",
                    s.label(),
                    s.controls.len(),
                    s.framework
                ),
                "props": [prop("selection", &s.label())],
            });
            if let Some(url) = fw.and_then(|f| f.source.as_ref()).and_then(|s| s.url.as_ref()) {
                r["rlinks"] = json!([{ "href": url }]);
            }
            r
        })
        .collect()
}
