//! Reading an OSCAL system security plan or component definition (already
//! in the OSCAL JSON shape, whatever its serialization) into the pieces an
//! implementation file is made of, each with where it came from.
//!
//! The reader walks `serde_json::Value`s rather than typed structs: OSCAL
//! XML turned into the JSON shape keeps singular element names
//! (`implemented-requirement`, not `implemented-requirements`), and a
//! missing optional field must never make a whole plan unreadable.

use serde_json::Value;

/// One step of a location inside the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Where a requirement is: a JSON pointer for JSON and YAML, an XML path
/// (`/a/b[2]`, 1-based) for XML, so a user can find it in their editor.
pub fn location(segs: &[Seg], xml: bool) -> String {
    let mut out = String::new();
    for s in segs {
        match s {
            Seg::Key(k) => {
                out.push('/');
                // JSON pointer escaping (RFC 6901); XML names never hold these.
                out.push_str(&k.replace('~', "~0").replace('/', "~1"));
            }
            Seg::Index(i) if xml => out.push_str(&format!("[{}]", i + 1)),
            Seg::Index(i) => out.push_str(&format!("/{i}")),
        }
    }
    out
}

/// Which OSCAL model a document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    Ssp,
    ComponentDefinition,
}

impl Model {
    pub fn describe(self) -> &'static str {
        match self {
            Model::Ssp => "system security plan",
            Model::ComponentDefinition => "component definition",
        }
    }
}

/// The system a plan describes (`system-characteristics`).
#[derive(Clone, Debug, Default)]
pub struct SystemInfo {
    pub ids: Vec<String>,
    pub name: Option<String>,
    pub short_name: Option<String>,
    pub description: Option<String>,
}

/// One piece of a statement: what one component does (for one part of
/// the control, when `statement` names it).
#[derive(Clone, Debug)]
pub struct Piece {
    pub component: Option<String>,
    pub statement: Option<String>,
    pub text: String,
}

/// One implemented requirement, as the document states it.
#[derive(Clone, Debug, Default)]
pub struct Requirement {
    pub at: Vec<Seg>,
    pub control: String,
    /// The profile or catalog the requirement is stated against (a
    /// component definition's `source`; the SSP's `import-profile`).
    pub source: Option<String>,
    pub pieces: Vec<Piece>,
    /// An explicit requirement-level state (`implementation-status` prop
    /// or object), with its remarks.
    pub status: Option<(String, Option<String>)>,
    /// States given per component.
    pub component_states: Vec<(String, Option<String>)>,
    /// `control-origination` said `inherited`.
    pub originates_inherited: bool,
    /// Components from which something is inherited (their titles).
    pub inherited_from: Vec<String>,
    pub roles: Vec<String>,
    pub component_roles: Vec<String>,
    pub params: Vec<(String, String)>,
    /// What an SSP exported by Aegis records in its own props.
    pub aegis: AegisRecord,
}

/// The props `aegis report ssp --format oscal` adds (namespace
/// [`AEGIS_NS`]), read back so an export imports as the records it came
/// from.
#[derive(Clone, Debug, Default)]
pub struct AegisRecord {
    /// The status Aegis gave the control: a record's status, or
    /// `crosswalk` / `missing`, which no record holds.
    pub status: Option<String>,
    pub owner: Option<String>,
    pub evidence: Vec<String>,
    pub policies: Vec<String>,
    pub inherited_from: Option<String>,
    /// The record has no statement; the description is a placeholder.
    pub no_statement: bool,
}

/// The namespace of Aegis's own OSCAL props.
pub const AEGIS_NS: &str = crate::report::oscal::NS;

fn aegis_props(v: &Value) -> Vec<(String, String)> {
    many(v, "props", "prop")
        .into_iter()
        .filter(|(_, p)| text(p, "ns").as_deref() == Some(AEGIS_NS))
        .filter_map(|(_, p)| Some((text(p, "name")?, text(p, "value")?)))
        .collect()
}

/// What a document holds, read.
#[derive(Debug)]
pub struct Plan {
    pub model: Model,
    pub system: Option<SystemInfo>,
    pub import_profile: Option<String>,
    /// Leveraged authorizations (titles), by uuid.
    pub leveraged: Vec<(String, String)>,
    pub requirements: Vec<Requirement>,
    /// back-matter resources: uuid and the hrefs of their rlinks.
    pub resources: Vec<(String, Vec<String>)>,
}

/// Items under `plural` (JSON) or `single` (XML) of `v`, each with its
/// location steps.
pub fn many<'a>(v: &'a Value, plural: &str, single: &str) -> Vec<(Vec<Seg>, &'a Value)> {
    for key in [plural, single] {
        match v.get(key) {
            Some(Value::Array(items)) => {
                return items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (vec![Seg::Key(key.into()), Seg::Index(i)], x))
                    .collect();
            }
            Some(x @ Value::Object(_)) => return vec![(vec![Seg::Key(key.into())], x)],
            _ => {}
        }
    }
    Vec::new()
}

/// A text field: a string, or an XML element's `value` with attributes.
pub fn text(v: &Value, key: &str) -> Option<String> {
    let s = match v.get(key)? {
        Value::String(s) => s.clone(),
        Value::Object(m) => match m.get("value").or_else(|| m.get("prose")) {
            Some(Value::String(s)) => s.clone(),
            _ => return None,
        },
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

fn props(v: &Value) -> Vec<(String, String)> {
    many(v, "props", "prop")
        .into_iter()
        .filter_map(|(_, p)| Some((text(p, "name")?, text(p, "value")?)))
        .collect()
}

fn prop(v: &Value, name: &str) -> Option<String> {
    props(v)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

/// `implementation-status` as an object `{state, remarks}`.
fn status_object(v: &Value) -> Option<(String, Option<String>)> {
    let s = v.get("implementation-status")?;
    Some((text(s, "state")?, text(s, "remarks")))
}

fn params(v: &Value, into: &mut Vec<(String, String)>) {
    for (_, sp) in many(v, "set-parameters", "set-parameter") {
        let Some(id) = text(sp, "param-id") else {
            continue;
        };
        let values: Vec<String> = match sp.get("values").or_else(|| sp.get("value")) {
            Some(Value::Array(vs)) => vs
                .iter()
                .filter_map(|x| x.as_str().map(str::trim).map(String::from))
                .collect(),
            Some(Value::String(s)) => vec![s.trim().to_string()],
            _ => Vec::new(),
        };
        if !values.is_empty() {
            into.push((id, values.join(", ")));
        }
    }
}

fn roles(v: &Value, into: &mut Vec<String>) {
    for (_, r) in many(v, "responsible-roles", "responsible-role") {
        if let Some(id) = text(r, "role-id")
            && !into.contains(&id)
        {
            into.push(id);
        }
    }
}

/// Reads the document `doc` (the whole OSCAL JSON shape). `None` when its
/// root is neither an SSP nor a component definition; the root keys are
/// returned then, to say what it is.
pub fn read(doc: &Value) -> Result<Plan, Vec<String>> {
    if let Some(root) = doc.get("system-security-plan") {
        return Ok(read_ssp(root));
    }
    if let Some(root) = doc.get("component-definition") {
        return Ok(read_component_definition(root));
    }
    Err(doc
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default())
}

fn resources(root: &Value) -> Vec<(String, Vec<String>)> {
    let Some(bm) = root.get("back-matter") else {
        return Vec::new();
    };
    many(bm, "resources", "resource")
        .into_iter()
        .filter_map(|(_, r)| {
            let uuid = text(r, "uuid")?;
            let hrefs = many(r, "rlinks", "rlink")
                .into_iter()
                .filter_map(|(_, l)| text(l, "href"))
                .collect();
            Some((uuid, hrefs))
        })
        .collect()
}

fn read_ssp(root: &Value) -> Plan {
    let base = vec![Seg::Key("system-security-plan".into())];
    let system = root.get("system-characteristics").map(|sc| SystemInfo {
        ids: many(sc, "system-ids", "system-id")
            .into_iter()
            .filter_map(|(_, i)| match i {
                Value::String(s) => Some(s.trim().to_string()),
                _ => text(i, "id").or_else(|| text(i, "value")),
            })
            .collect(),
        name: text(sc, "system-name"),
        short_name: text(sc, "system-name-short"),
        description: text(sc, "description"),
    });
    let import_profile = root.get("import-profile").and_then(|p| text(p, "href"));
    let mut components: Vec<(String, String, Option<String>)> = Vec::new();
    let mut leveraged = Vec::new();
    if let Some(si) = root.get("system-implementation") {
        for (_, c) in many(si, "components", "component") {
            if let Some(uuid) = text(c, "uuid") {
                let title = text(c, "title").unwrap_or_else(|| uuid.clone());
                components.push((uuid, title, prop(c, "leveraged-authorization-uuid")));
            }
        }
        for (_, l) in many(si, "leveraged-authorizations", "leveraged-authorization") {
            if let Some(uuid) = text(l, "uuid") {
                let title = text(l, "title").unwrap_or_else(|| uuid.clone());
                leveraged.push((uuid, title));
            }
        }
    }
    let title_of = |uuid: &str| -> String {
        components
            .iter()
            .find(|(u, _, _)| u == uuid)
            .map_or_else(|| uuid.to_string(), |(_, t, _)| t.clone())
    };
    // Whom an inheriting component inherits from: the leveraged
    // authorization it names, the only one there is, or the component.
    let provider_of = |uuid: &str| -> String {
        let named = components
            .iter()
            .find(|(u, _, _)| u == uuid)
            .and_then(|(_, _, l)| l.as_deref())
            .and_then(|l| leveraged.iter().find(|(u, _)| u == l));
        match (named, leveraged.as_slice()) {
            (Some((_, t)), _) => t.clone(),
            (None, [(_, only)]) => only.clone(),
            _ => title_of(uuid),
        }
    };
    let mut requirements = Vec::new();
    if let Some(ci) = root.get("control-implementation") {
        let mut ci_at = base.clone();
        ci_at.push(Seg::Key("control-implementation".into()));
        for (steps, ir) in many(ci, "implemented-requirements", "implemented-requirement") {
            let mut at = ci_at.clone();
            at.extend(steps);
            let mut req = Requirement {
                at,
                control: text(ir, "control-id").unwrap_or_default(),
                source: import_profile.clone(),
                status: prop(ir, "implementation-status")
                    .map(|s| (s, None))
                    .or_else(|| status_object(ir)),
                originates_inherited: props(ir)
                    .iter()
                    .any(|(n, v)| n == "control-origination" && v == "inherited"),
                ..Requirement::default()
            };
            params(ir, &mut req.params);
            roles(ir, &mut req.roles);
            req.aegis.status = aegis_props(ir)
                .into_iter()
                .find(|(n, _)| n == "status")
                .map(|(_, v)| v);
            let mut by: Vec<(Option<String>, &Value)> = many(ir, "by-components", "by-component")
                .into_iter()
                .map(|(_, b)| (None, b))
                .collect();
            for (_, st) in many(ir, "statements", "statement") {
                let sid = text(st, "statement-id");
                for (_, b) in many(st, "by-components", "by-component") {
                    by.push((sid.clone(), b));
                }
                if let Some(d) = text(st, "description") {
                    req.pieces.push(Piece {
                        component: None,
                        statement: sid.clone(),
                        text: d,
                    });
                }
            }
            for (sid, b) in by {
                let uuid = text(b, "component-uuid").unwrap_or_default();
                let mine = aegis_props(b);
                for (name, value) in &mine {
                    let a = &mut req.aegis;
                    match name.as_str() {
                        "owner" => a.owner = Some(value.clone()),
                        "evidence" => a.evidence.push(value.clone()),
                        "policy" => a.policies.push(value.clone()),
                        "inherited-from" => a.inherited_from = Some(value.clone()),
                        "statement" if value == "none" => a.no_statement = true,
                        _ => {}
                    }
                }
                let placeholder = mine.iter().any(|(n, v)| n == "statement" && v == "none");
                if let Some(d) = text(b, "description").filter(|_| !placeholder) {
                    req.pieces.push(Piece {
                        component: Some(title_of(&uuid)),
                        statement: sid,
                        text: d,
                    });
                }
                if let Some(s) =
                    status_object(b).or_else(|| prop(b, "implementation-status").map(|s| (s, None)))
                {
                    req.component_states.push(s);
                }
                if !many(b, "inherited", "inherited").is_empty() {
                    let p = provider_of(&uuid);
                    if !req.inherited_from.contains(&p) {
                        req.inherited_from.push(p);
                    }
                }
                params(b, &mut req.params);
                roles(b, &mut req.component_roles);
            }
            requirements.push(req);
        }
    }
    Plan {
        model: Model::Ssp,
        system,
        import_profile,
        leveraged,
        requirements,
        resources: resources(root),
    }
}

fn read_component_definition(root: &Value) -> Plan {
    let base = vec![Seg::Key("component-definition".into())];
    let mut requirements = Vec::new();
    for (csteps, c) in many(root, "components", "component") {
        let title = text(c, "title").or_else(|| text(c, "uuid"));
        for (cisteps, ci) in many(c, "control-implementations", "control-implementation") {
            let source = text(ci, "source");
            let mut shared = Vec::new();
            params(ci, &mut shared);
            for (steps, ir) in many(ci, "implemented-requirements", "implemented-requirement") {
                let mut at = base.clone();
                at.extend(csteps.iter().cloned());
                at.extend(cisteps.iter().cloned());
                at.extend(steps);
                let mut req = Requirement {
                    at,
                    control: text(ir, "control-id").unwrap_or_default(),
                    source: source.clone(),
                    status: prop(ir, "implementation-status")
                        .map(|s| (s, None))
                        .or_else(|| status_object(ir)),
                    params: shared.clone(),
                    ..Requirement::default()
                };
                params(ir, &mut req.params);
                roles(ir, &mut req.roles);
                if let Some(d) = text(ir, "description") {
                    req.pieces.push(Piece {
                        component: title.clone(),
                        statement: None,
                        text: d,
                    });
                }
                for (_, st) in many(ir, "statements", "statement") {
                    if let Some(d) = text(st, "description") {
                        req.pieces.push(Piece {
                            component: title.clone(),
                            statement: text(st, "statement-id"),
                            text: d,
                        });
                    }
                    roles(st, &mut req.component_roles);
                }
                requirements.push(req);
            }
        }
    }
    Plan {
        model: Model::ComponentDefinition,
        system: None,
        import_profile: None,
        leveraged: Vec::new(),
        requirements,
        resources: resources(root),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_pointers_or_xml_paths() {
        let segs = [
            Seg::Key("a".into()),
            Seg::Key("implemented-requirement".into()),
            Seg::Index(2),
        ];
        assert_eq!(location(&segs, false), "/a/implemented-requirement/2");
        assert_eq!(location(&segs, true), "/a/implemented-requirement[3]");
    }

    #[test]
    fn xml_shaped_singular_items_are_read_like_json_arrays() {
        let doc = serde_json::json!({"system-security-plan": {
            "control-implementation": {"implemented-requirement": {
                "control-id": "ac-2",
                "prop": {"name": "implementation-status", "value": "partial"},
                "set-parameter": {"param-id": "ac-2_prm_1", "values": ["x", "y"]}
            }}
        }});
        let plan = read(&doc).expect("an SSP");
        let r = &plan.requirements[0];
        assert_eq!(r.control, "ac-2");
        assert_eq!(r.status, Some(("partial".into(), None)));
        assert_eq!(r.params, vec![("ac-2_prm_1".into(), "x, y".into())]);
        assert_eq!(
            location(&r.at, true),
            "/system-security-plan/control-implementation/implemented-requirement"
        );
    }
}
