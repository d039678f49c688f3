//! OSCAL catalog ⇄ native framework.
//!
//! Import flattens the catalog: groups (nested ones keep a `parent`) and
//! controls in catalog order, enhancements right after their parent with a
//! `parent` field. The props and links Aegis gives meaning to become fields
//! (`label`, `sort_id`, `withdrawn`, `moved_to`, `incorporated_into`); all
//! others are kept as they came. Export rebuilds the nesting, so
//! import → export → import gives the same native files.

use super::{
    BackMatter, Constraint, Guideline, OscalCatalog, OscalControl, OscalGroup, OscalLink,
    OscalParam, OscalPart, OscalProp, OscalSelect,
};
use crate::import::ImportError;
use crate::model::{
    Control, ControlId, Framework, FrameworkId, Group, Link, Param, Part, Prop, SCHEMA_VERSION,
    Select, Source,
};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Maps `cat` (read from `path`, whose bytes hash to `sha256`) to a native
/// framework holding every control in `controls`, in catalog order.
pub fn to_native(
    cat: &OscalCatalog,
    id: Option<&str>,
    path: &Path,
    sha256: &str,
) -> Result<Framework, ImportError> {
    let title = meta_str(&cat.metadata, "title").unwrap_or_default();
    let version = meta_str(&cat.metadata, "version").unwrap_or_else(|| "unversioned".into());
    let id = match id {
        Some(i) => i.to_string(),
        None => derive_id(&title, &version),
    };
    check_framework_id(&id)?;

    let mut owners = HashMap::new();
    let mut seen = HashSet::new();
    for c in &cat.controls {
        index_control(c, &mut owners, &mut seen, path)?;
    }
    for g in &cat.groups {
        index_group(g, &mut owners, &mut seen, path)?;
    }

    let mut fw = Framework {
        schema_version: SCHEMA_VERSION,
        id: FrameworkId(id),
        title,
        version,
        publisher: publisher(&cat.metadata),
        description: None,
        source: Some(Source {
            url: None,
            sha256: Some(sha256.to_string()),
            document: path.file_name().map(|n| n.to_string_lossy().into_owned()),
            last_modified: None,
        }),
        licence: None,
        groups: Vec::new(),
        controls: Vec::new(),
        baselines: Vec::new(),
        oscal: None,
    };
    let mut oscal = Map::new();
    if let Some(u) = &cat.uuid {
        oscal.insert("uuid".into(), Value::String(u.clone()));
    }
    oscal.insert("metadata".into(), Value::Object(cat.metadata.clone()));
    if !cat.params.is_empty() {
        oscal.insert(
            "params".into(),
            serde_json::to_value(&cat.params).unwrap_or(Value::Null),
        );
    }
    if let Some(bm) = &cat.back_matter {
        oscal.insert(
            "back-matter".into(),
            serde_json::to_value(bm).unwrap_or(Value::Null),
        );
    }
    fw.oscal = Some(oscal);

    for c in &cat.controls {
        push_control(c, None, None, &owners, &mut fw.controls);
    }
    let mut group_ids = HashSet::new();
    for (i, g) in cat.groups.iter().enumerate() {
        push_group(
            g,
            None,
            &format!("group-{}", i + 1),
            &owners,
            &mut fw,
            &mut group_ids,
            path,
        )?;
    }
    Ok(fw)
}

fn meta_str(meta: &Map<String, Value>, key: &str) -> Option<String> {
    meta.get(key).and_then(Value::as_str).map(str::to_string)
}

/// The publishing organisation: the party in the `publisher` role, else
/// the `creator`, else the first organisation named.
fn publisher(meta: &Map<String, Value>) -> Option<String> {
    let parties = meta.get("parties").and_then(Value::as_array)?;
    let name_of = |uuid: &str| {
        parties
            .iter()
            .find(|p| p.get("uuid").and_then(Value::as_str) == Some(uuid))
            .and_then(|p| p.get("name").and_then(Value::as_str))
            .map(str::to_string)
    };
    let responsible = meta.get("responsible-parties").and_then(Value::as_array);
    for role in ["publisher", "creator"] {
        let found = responsible
            .into_iter()
            .flatten()
            .filter(|r| r.get("role-id").and_then(Value::as_str) == Some(role))
            .filter_map(|r| r.get("party-uuids").and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str)
            .find_map(name_of);
        if found.is_some() {
            return found;
        }
    }
    parties
        .iter()
        .find(|p| p.get("type").and_then(Value::as_str) == Some("organization"))
        .and_then(|p| p.get("name").and_then(Value::as_str))
        .map(str::to_string)
}

/// Framework and baseline ids become directory and file names, so only the
/// id pattern of the model gets through (no `/`, no leading `.`).
pub fn check_framework_id(id: &str) -> Result<(), ImportError> {
    let ok = id
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(ImportError::BadId(id.to_string()))
    }
}

/// A framework id from a catalog's title: NIST special publications get
/// their usual short name (`nist-800-53-rev5`); anything else a slug of the
/// title before any colon, with the version when the title has no digits.
pub fn derive_id(title: &str, version: &str) -> String {
    let lower = title.to_lowercase();
    if let Some(num) = sp_number(&lower) {
        let prefix = if lower.contains("nist") || lower.contains("special publication") {
            "nist-"
        } else {
            ""
        };
        let rev = revision(&lower)
            .map(|r| format!("-rev{r}"))
            .unwrap_or_default();
        return format!("{prefix}{num}{rev}");
    }
    let head = lower.split(':').next().unwrap_or(&lower);
    let mut id = slug(head);
    if !id.chars().any(|c| c.is_ascii_digit()) && !version.is_empty() {
        id = format!("{id}-{}", slug(version));
    }
    if id.is_empty() {
        "framework".into()
    } else {
        id
    }
}

fn sp_number(lower: &str) -> Option<String> {
    let bytes = lower.as_bytes();
    for (i, w) in lower.match_indices("800-") {
        let _ = w;
        if i > 0 && bytes[i - 1].is_ascii_digit() {
            continue;
        }
        let rest: String = lower[i + 4..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if rest.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            return Some(format!("800-{rest}"));
        }
    }
    None
}

fn revision(lower: &str) -> Option<String> {
    for key in ["revision ", "rev. ", "rev ", "rev"] {
        if let Some(i) = lower.find(key) {
            let n: String = lower[i + key.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if !n.is_empty() {
                return Some(n);
            }
        }
    }
    None
}

/// Lower-case letters and digits, runs of anything else as one `-`.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            out.push(ch);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

fn index_control(
    c: &OscalControl,
    owners: &mut HashMap<String, String>,
    seen: &mut HashSet<String>,
    path: &Path,
) -> Result<(), ImportError> {
    if c.id.trim().is_empty() || c.id.contains(char::is_whitespace) || c.id.contains(':') {
        return Err(ImportError::Invalid {
            path: path.to_path_buf(),
            message: format!(
                "control id `{}` is not usable (empty, or has spaces or ':')",
                crate::excerpt::text(&c.id)
            ),
        });
    }
    if !seen.insert(c.id.clone()) {
        return Err(ImportError::DuplicateControl {
            path: path.to_path_buf(),
            id: c.id.clone(),
        });
    }
    fn parts(ps: &[OscalPart], owner: &str, owners: &mut HashMap<String, String>) {
        for p in ps {
            if let Some(id) = &p.id {
                owners
                    .entry(id.clone())
                    .or_insert_with(|| owner.to_string());
            }
            parts(&p.parts, owner, owners);
        }
    }
    // A link may name a control or one of its parts; both lead to the control.
    owners.insert(c.id.clone(), c.id.clone());
    parts(&c.parts, &c.id, owners);
    for child in &c.controls {
        index_control(child, owners, seen, path)?;
    }
    Ok(())
}

fn index_group(
    g: &OscalGroup,
    owners: &mut HashMap<String, String>,
    seen: &mut HashSet<String>,
    path: &Path,
) -> Result<(), ImportError> {
    for c in &g.controls {
        index_control(c, owners, seen, path)?;
    }
    for sub in &g.groups {
        index_group(sub, owners, seen, path)?;
    }
    Ok(())
}

fn push_group(
    g: &OscalGroup,
    parent: Option<&str>,
    fallback: &str,
    owners: &HashMap<String, String>,
    fw: &mut Framework,
    ids: &mut HashSet<String>,
    path: &Path,
) -> Result<(), ImportError> {
    let id = match &g.id {
        Some(id) => id.clone(),
        None => match slug(&g.title) {
            s if s.is_empty() => fallback.to_string(),
            s => s,
        },
    };
    if !ids.insert(id.clone()) {
        return Err(ImportError::DuplicateGroup {
            path: path.to_path_buf(),
            id,
        });
    }
    fw.groups.push(Group {
        id: id.clone(),
        title: g.title.clone(),
        parent: parent.map(str::to_string),
        class: g.class.clone(),
        props: g.props.iter().map(prop_in).collect(),
        params: g.params.iter().map(param_in).collect(),
        parts: g.parts.iter().map(part_in).collect(),
        links: g.links.iter().map(link_in).collect(),
    });
    for c in &g.controls {
        push_control(c, Some(&id), None, owners, &mut fw.controls);
    }
    for (i, sub) in g.groups.iter().enumerate() {
        push_group(
            sub,
            Some(&id),
            &format!("{id}-{}", i + 1),
            owners,
            fw,
            ids,
            path,
        )?;
    }
    Ok(())
}

fn push_control(
    c: &OscalControl,
    group: Option<&str>,
    parent: Option<&str>,
    owners: &HashMap<String, String>,
    out: &mut Vec<Control>,
) {
    let mut props = Vec::new();
    let (mut label, mut sort_id, mut withdrawn) = (None, None, false);
    for p in &c.props {
        let plain = p.ns.is_none() && p.class.is_none();
        match p.name.as_str() {
            "label" if plain && label.is_none() => label = Some(p.value.clone()),
            "sort-id" if plain && sort_id.is_none() => sort_id = Some(p.value.clone()),
            "status" if p.ns.is_none() && p.value.eq_ignore_ascii_case("withdrawn") => {
                withdrawn = true
            }
            _ => props.push(prop_in(p)),
        }
    }
    let mut links = Vec::new();
    let (mut moved_to, mut incorporated_into) = (Vec::new(), Vec::new());
    for l in &c.links {
        let target = l
            .href
            .strip_prefix('#')
            .and_then(|t| owners.get(t).cloned());
        match (l.rel.as_deref(), target) {
            (Some("moved-to"), Some(t)) => push_unique(&mut moved_to, t),
            (Some("incorporated-into"), Some(t)) => push_unique(&mut incorporated_into, t),
            _ => links.push(link_in(l)),
        }
    }
    out.push(Control {
        id: ControlId(c.id.clone()),
        label,
        title: c.title.clone(),
        class: c.class.clone(),
        group: group.map(str::to_string),
        parent: parent.map(|p| ControlId(p.to_string())),
        sort_id,
        statement: None,
        params: c.params.iter().map(param_in).collect(),
        parts: c.parts.iter().map(part_in).collect(),
        props,
        links,
        withdrawn,
        moved_to,
        incorporated_into,
    });
    for child in &c.controls {
        push_control(child, group, Some(&c.id), owners, out);
    }
}

fn push_unique(v: &mut Vec<ControlId>, id: String) {
    if !v.iter().any(|x| x.0 == id) {
        v.push(ControlId(id));
    }
}

fn prop_in(p: &OscalProp) -> Prop {
    Prop {
        name: p.name.clone(),
        value: p.value.clone(),
        ns: p.ns.clone(),
        class: p.class.clone(),
    }
}

fn link_in(l: &OscalLink) -> Link {
    Link {
        href: l.href.clone(),
        rel: l.rel.clone(),
        text: l.text.clone(),
    }
}

pub(crate) fn param_in(p: &OscalParam) -> Param {
    Param {
        id: p.id.clone(),
        label: p.label.clone(),
        usage: p.usage.clone(),
        class: p.class.clone(),
        depends_on: p.depends_on.clone(),
        guidelines: p.guidelines.iter().map(|g| g.prose.clone()).collect(),
        constraints: p
            .constraints
            .iter()
            .filter_map(|c| c.description.clone())
            .collect(),
        values: p.values.clone(),
        select: p.select.as_ref().map(select_in),
        props: p.props.iter().map(prop_in).collect(),
        links: p.links.iter().map(link_in).collect(),
    }
}

pub(crate) fn select_in(s: &OscalSelect) -> Select {
    Select {
        how_many: s.how_many.clone(),
        choice: s.choice.clone(),
    }
}

pub(crate) fn part_in(p: &OscalPart) -> Part {
    Part {
        id: p.id.clone(),
        name: p.name.clone(),
        ns: p.ns.clone(),
        class: p.class.clone(),
        title: p.title.clone(),
        props: p.props.iter().map(prop_in).collect(),
        prose: p.prose.clone(),
        parts: p.parts.iter().map(part_in).collect(),
        links: p.links.iter().map(link_in).collect(),
    }
}

pub(crate) fn prop_list_in(ps: &[OscalProp]) -> Vec<Prop> {
    ps.iter().map(prop_in).collect()
}

pub(crate) fn link_list_in(ls: &[OscalLink]) -> Vec<Link> {
    ls.iter().map(link_in).collect()
}

// ---- export ----------------------------------------------------------------

/// Rebuilds an OSCAL catalog from a native framework whose `controls` holds
/// every control (catalog part files already merged in).
pub fn to_oscal(fw: &Framework) -> OscalCatalog {
    let oscal = fw.oscal.clone().unwrap_or_default();
    let mut metadata = oscal
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    metadata
        .entry("title")
        .or_insert_with(|| Value::String(fw.title.clone()));
    metadata
        .entry("last-modified")
        .or_insert_with(|| Value::String(last_modified_fallback(fw)));
    metadata
        .entry("version")
        .or_insert_with(|| Value::String(fw.version.clone()));
    metadata
        .entry("oscal-version")
        .or_insert_with(|| Value::String("1.1.2".into()));
    let uuid = oscal
        .get("uuid")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| uuid_from(fw.id.as_str()));
    let params = oscal
        .get("params")
        .and_then(|p| serde_json::from_value::<Vec<OscalParam>>(p.clone()).ok())
        .unwrap_or_default();
    let back_matter = oscal
        .get("back-matter")
        .and_then(|b| serde_json::from_value::<BackMatter>(b.clone()).ok());

    let mut by_parent: HashMap<&str, Vec<&Control>> = HashMap::new();
    let mut by_group: HashMap<&str, Vec<&Control>> = HashMap::new();
    let mut top = Vec::new();
    for c in &fw.controls {
        match (&c.parent, &c.group) {
            (Some(p), _) => by_parent.entry(p.as_str()).or_default().push(c),
            (None, Some(g)) => by_group.entry(g.as_str()).or_default().push(c),
            (None, None) => top.push(c),
        }
    }
    let mut sub_groups: HashMap<&str, Vec<&Group>> = HashMap::new();
    let mut root_groups = Vec::new();
    for g in &fw.groups {
        match &g.parent {
            Some(p) => sub_groups.entry(p.as_str()).or_default().push(g),
            None => root_groups.push(g),
        }
    }
    fn control_out(c: &Control, by_parent: &HashMap<&str, Vec<&Control>>) -> OscalControl {
        let mut props = Vec::new();
        if let Some(l) = &c.label {
            props.push(plain_prop("label", l));
        }
        if let Some(s) = &c.sort_id {
            props.push(plain_prop("sort-id", s));
        }
        props.extend(c.props.iter().map(prop_out));
        if c.withdrawn {
            props.push(plain_prop("status", "withdrawn"));
        }
        let mut links: Vec<OscalLink> = c.links.iter().map(link_out).collect();
        for (rel, ids) in [
            ("moved-to", &c.moved_to),
            ("incorporated-into", &c.incorporated_into),
        ] {
            links.extend(ids.iter().map(|t| OscalLink {
                href: format!("#{t}"),
                rel: Some(rel.into()),
                text: None,
            }));
        }
        OscalControl {
            id: c.id.0.clone(),
            class: c.class.clone(),
            title: c.title.clone(),
            params: c.params.iter().map(param_out).collect(),
            props,
            links,
            parts: statement_part(c)
                .into_iter()
                .chain(c.parts.iter().map(part_out))
                .collect(),
            controls: by_parent
                .get(c.id.as_str())
                .map(|cs| cs.iter().map(|c| control_out(c, by_parent)).collect())
                .unwrap_or_default(),
        }
    }
    fn group_out(
        g: &Group,
        subs: &HashMap<&str, Vec<&Group>>,
        by_group: &HashMap<&str, Vec<&Control>>,
        by_parent: &HashMap<&str, Vec<&Control>>,
    ) -> OscalGroup {
        OscalGroup {
            id: Some(g.id.clone()),
            class: g.class.clone(),
            title: g.title.clone(),
            params: g.params.iter().map(param_out).collect(),
            props: g.props.iter().map(prop_out).collect(),
            links: g.links.iter().map(link_out).collect(),
            parts: g.parts.iter().map(part_out).collect(),
            groups: subs
                .get(g.id.as_str())
                .map(|gs| {
                    gs.iter()
                        .map(|s| group_out(s, subs, by_group, by_parent))
                        .collect()
                })
                .unwrap_or_default(),
            controls: by_group
                .get(g.id.as_str())
                .map(|cs| cs.iter().map(|c| control_out(c, by_parent)).collect())
                .unwrap_or_default(),
        }
    }
    OscalCatalog {
        uuid: Some(uuid),
        metadata,
        params,
        controls: top.iter().map(|c| control_out(c, &by_parent)).collect(),
        groups: root_groups
            .iter()
            .map(|g| group_out(g, &sub_groups, &by_group, &by_parent))
            .collect(),
        back_matter,
    }
}

/// OSCAL requires `last-modified`. A framework imported from OSCAL keeps
/// its own in `oscal.metadata`; otherwise the source's, when it gave one;
/// otherwise today (the export is a new document), never a made-up 1970.
pub(crate) fn last_modified_fallback(fw: &Framework) -> String {
    fw.oscal
        .as_ref()
        .and_then(|o| o.get("metadata"))
        .and_then(|m| m.get("last-modified"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| fw.source.as_ref().and_then(|s| s.last_modified.clone()))
        .unwrap_or_else(|| format!("{}T00:00:00Z", crate::model::Date::today_utc()))
}

/// A natively written control keeps its requirement in `statement`; OSCAL
/// has only parts, so it is exported as the statement part (unless the
/// control already has one).
fn statement_part(c: &Control) -> Option<OscalPart> {
    let text = c.statement.as_ref()?;
    if c.parts.iter().any(|p| p.name == "statement") {
        return None;
    }
    Some(OscalPart {
        id: Some(format!("{}_smt", c.id)),
        name: "statement".into(),
        prose: Some(text.clone()),
        ..OscalPart::default()
    })
}

/// A stable UUID-shaped id for frameworks that never had one.
pub(crate) fn uuid_from(seed: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(seed.as_bytes());
    let h: String = d.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-5{}-8{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

fn plain_prop(name: &str, value: &str) -> OscalProp {
    OscalProp {
        name: name.into(),
        value: value.into(),
        ns: None,
        class: None,
    }
}

pub(crate) fn prop_out(p: &Prop) -> OscalProp {
    OscalProp {
        name: p.name.clone(),
        value: p.value.clone(),
        ns: p.ns.clone(),
        class: p.class.clone(),
    }
}

pub(crate) fn link_out(l: &Link) -> OscalLink {
    OscalLink {
        href: l.href.clone(),
        rel: l.rel.clone(),
        text: l.text.clone(),
    }
}

pub(crate) fn param_out(p: &Param) -> OscalParam {
    OscalParam {
        id: p.id.clone(),
        class: p.class.clone(),
        depends_on: p.depends_on.clone(),
        props: p.props.iter().map(prop_out).collect(),
        links: p.links.iter().map(link_out).collect(),
        label: p.label.clone(),
        usage: p.usage.clone(),
        constraints: p
            .constraints
            .iter()
            .map(|d| Constraint {
                description: Some(d.clone()),
                tests: Vec::new(),
            })
            .collect(),
        guidelines: p
            .guidelines
            .iter()
            .map(|g| Guideline { prose: g.clone() })
            .collect(),
        values: p.values.clone(),
        select: p.select.as_ref().map(|s| OscalSelect {
            how_many: s.how_many.clone(),
            choice: s.choice.clone(),
        }),
    }
}

pub(crate) fn part_out(p: &Part) -> OscalPart {
    OscalPart {
        id: p.id.clone(),
        name: p.name.clone(),
        ns: p.ns.clone(),
        class: p.class.clone(),
        title: p.title.clone(),
        props: p.props.iter().map(prop_out).collect(),
        prose: p.prose.clone(),
        parts: p.parts.iter().map(part_out).collect(),
        links: p.links.iter().map(link_out).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_titles() {
        let t = "NIST Special Publication 800-53 Revision 5: Security and Privacy Controls for Information Systems and Organizations";
        assert_eq!(derive_id(t, "5.0.1"), "nist-800-53-rev5");
        assert_eq!(
            derive_id("NIST Special Publication 800-53 Revision 4: Security", "4"),
            "nist-800-53-rev4"
        );
        assert_eq!(
            derive_id("NIST SP 800-171 Rev. 3", "3"),
            "nist-800-171-rev3"
        );
        assert_eq!(
            derive_id("Acme Controls: internal", "2.1"),
            "acme-controls-2-1"
        );
    }

    fn sample() -> OscalCatalog {
        let json = r##"{"uuid":"u","metadata":{"title":"T 1","last-modified":"2024-01-01T00:00:00Z","version":"1","oscal-version":"1.1.2"},
          "groups":[{"id":"ac","title":"Access","controls":[
            {"id":"ac-1","title":"One","props":[{"name":"label","value":"AC-1"},{"name":"sort-id","value":"ac-01"}],
             "parts":[{"id":"ac-1_smt","name":"statement","prose":"Do it.","parts":[{"id":"ac-1_smt.a","name":"item","prose":"a"}]}],
             "controls":[{"id":"ac-1.1","title":"Gone","props":[{"name":"label","value":"AC-1(1)"},{"name":"status","value":"Withdrawn"}],
                          "links":[{"href":"#ac-1_smt.a","rel":"incorporated-into"},{"href":"#ac-2","rel":"moved-to"}]}]},
            {"id":"ac-2","title":"Two","parts":[{"id":"ac-2_smt","name":"statement","prose":"x"}]}],
            "groups":[{"id":"ac-sub","title":"Sub","controls":[{"id":"ac-9","title":"Nine"}]}]}]}"##;
        serde_json::from_str(json).expect("sample")
    }

    #[test]
    fn catalog_flattens_with_parents_and_withdrawals() {
        let fw = to_native(&sample(), None, Path::new("c.json"), "00").expect("maps");
        assert_eq!(fw.id.as_str(), "t-1");
        let ids: Vec<&str> = fw.controls.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["ac-1", "ac-1.1", "ac-2", "ac-9"]);
        let w = &fw.controls[1];
        assert!(w.withdrawn);
        assert_eq!(w.parent.as_ref().map(ControlId::as_str), Some("ac-1"));
        assert_eq!(w.incorporated_into, vec![ControlId::from("ac-1")]);
        assert_eq!(w.moved_to, vec![ControlId::from("ac-2")]);
        assert!(w.props.is_empty() && w.links.is_empty());
        assert_eq!(fw.groups[1].parent.as_deref(), Some("ac"));
        assert_eq!(fw.controls[3].group.as_deref(), Some("ac-sub"));
    }

    #[test]
    fn export_then_import_gives_the_same_framework() {
        let fw = to_native(&sample(), None, Path::new("c.json"), "00").expect("maps");
        let back = to_oscal(&fw);
        let again = to_native(&back, None, Path::new("c.json"), "00").expect("maps");
        assert_eq!(fw, again);
    }

    #[test]
    fn duplicate_control_ids_are_refused() {
        let mut cat = sample();
        let dup = cat.groups[0].controls[1].clone();
        cat.groups[0].controls.push(dup);
        let e = to_native(&cat, None, Path::new("c.json"), "00").expect_err("duplicate");
        assert!(e.to_string().contains("ac-2"), "{e}");
    }
}
