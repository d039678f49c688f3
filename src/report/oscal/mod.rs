//! OSCAL 1.1.2 JSON: the system security plan, assessment results and plan
//! of action and milestones of one system, built from the repository and
//! the gap engine's assessment.
//!
//! Every document is a pure function of [`Input`]: UUIDs come from content
//! identity ([`uuid::derive`]), times from `input.meta.generated`, and every
//! list is in a fixed order, so an unchanged repository exports
//! byte-identical files. What aegis.yaml does not state is exported as a
//! valid placeholder that says which field to add, never as a guess.

pub mod ar;
pub mod poam;
pub mod ssp;
pub mod uuid;

pub use ar::assessment_results;
pub use poam::poam;
pub use ssp::ssp;

use super::Input;
use crate::assess::gaps::{ControlStatus, Status, SystemGaps};
use crate::model::{
    Config, Evidence, Implementation, Risk, ScanResult, System, When, normalize_control_id,
};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};

/// The OSCAL version every document declares.
pub const OSCAL_VERSION: &str = "1.1.2";

/// The namespace of Aegis's own props (OSCAL requires a namespace on props
/// whose names it does not define).
pub const NS: &str = "https://github.com/aegis-grc/aegis/ns/oscal";

/// Why a document could not be built.
#[derive(Debug, thiserror::Error)]
pub enum OscalError {
    #[error("the repository has no readable aegis.yaml, so it defines no system to export")]
    NoConfig,
    #[error("unknown system `{system}`; aegis.yaml defines: {}", if known.is_empty() { "no systems".to_string() } else { known.join(", ") })]
    UnknownSystem { system: String, known: Vec<String> },
    #[error(
        "system `{system}` selects no controls, and OSCAL needs at least one; add `frameworks` under it in aegis.yaml"
    )]
    NoControls { system: String },
    #[error(
        "system `{system}` has no gaps, so its POA&M would have no items, and OSCAL requires at least one poam-item"
    )]
    NoPoamItems { system: String },
}

/// One control of the system, once, with every selection that holds it.
pub(crate) struct Entry<'a> {
    pub framework: &'a str,
    pub baselines: Vec<&'a str>,
    pub status: &'a ControlStatus,
}

impl Entry<'_> {
    pub fn control(&self) -> &str {
        &self.status.control
    }
}

/// What every document of one system reads, looked up once.
pub(crate) struct Ctx<'a> {
    pub input: &'a Input<'a>,
    pub config: &'a Config,
    pub system: &'a System,
    pub gaps: &'a SystemGaps,
    pub entries: Vec<Entry<'a>>,
    implementations: HashMap<&'a str, &'a Implementation>,
    titles: HashMap<(&'a str, String), &'a str>,
    pub evidence: HashMap<&'a str, &'a Evidence>,
}

impl<'a> Ctx<'a> {
    pub fn new(input: &'a Input<'a>, system: &str) -> Result<Ctx<'a>, OscalError> {
        let repo = &input.run.outcome.repo;
        let config = repo.config.as_ref().ok_or(OscalError::NoConfig)?;
        let unknown = || OscalError::UnknownSystem {
            system: system.to_string(),
            known: config.systems.iter().map(|s| s.id.to_string()).collect(),
        };
        let sys = config
            .systems
            .iter()
            .find(|s| s.id.as_str() == system)
            .ok_or_else(unknown)?;
        let gaps = input
            .assessment
            .systems
            .iter()
            .find(|s| s.id == system)
            .ok_or_else(unknown)?;
        // A control selected twice (a baseline and the whole framework) is
        // one requirement; its first selection fixes its place.
        let mut entries: Vec<Entry<'a>> = Vec::new();
        let mut at: HashMap<(&str, String), usize> = HashMap::new();
        for sel in &gaps.selections {
            for c in &sel.controls {
                let key = (sel.framework.as_str(), normalize_control_id(&c.control));
                if let Some(&i) = at.get(&key) {
                    if let Some(b) = &sel.baseline {
                        entries[i].baselines.push(b);
                    }
                    continue;
                }
                at.insert(key, entries.len());
                entries.push(Entry {
                    framework: &sel.framework,
                    baselines: sel.baseline.iter().map(String::as_str).collect(),
                    status: c,
                });
            }
        }
        if entries.is_empty() {
            return Err(OscalError::NoControls {
                system: system.to_string(),
            });
        }
        let ws = &input.run.workspace;
        let implementations = repo
            .implementations
            .iter()
            .filter_map(|i| Some((ws.files.get(i.file)?.path.as_str(), &*i.value)))
            .collect();
        let mut titles = HashMap::new();
        for f in &repo.frameworks {
            for c in &f.value.controls {
                titles.insert(
                    (f.value.id.as_str(), normalize_control_id(c.id.as_str())),
                    c.title.as_str(),
                );
            }
        }
        for cat in &repo.catalogs {
            for c in &cat.value.controls {
                titles.insert(
                    (
                        cat.value.framework.as_str(),
                        normalize_control_id(c.id.as_str()),
                    ),
                    c.title.as_str(),
                );
            }
        }
        let evidence = repo
            .evidence
            .iter()
            .map(|e| (e.value.id.as_str(), &*e.value))
            .collect();
        Ok(Ctx {
            input,
            config,
            system: sys,
            gaps,
            entries,
            implementations,
            titles,
            evidence,
        })
    }

    pub fn id(&self) -> &str {
        self.system.id.as_str()
    }

    /// The implementation record behind a control's status, if any.
    pub fn implementation(&self, c: &ControlStatus) -> Option<&'a Implementation> {
        self.implementations
            .get(c.implementation.as_deref()?)
            .copied()
    }

    pub fn title(&self, framework: &str, control: &str) -> Option<&'a str> {
        self.titles
            .get(&(framework, normalize_control_id(control)))
            .copied()
    }

    /// `framework CONTROL: title`, on one line.
    pub fn label(&self, e: &Entry<'_>) -> String {
        match self.title(e.framework, e.control()) {
            Some(t) => line(&format!("{} {}: {t}", e.framework, e.control())),
            None => format!("{} {}", e.framework, e.control()),
        }
    }

    /// The document's own UUID: it changes with the commit (OSCAL asks for
    /// a new document UUID per revision), never within one.
    pub fn document_uuid(&self, kind: &str) -> String {
        let meta = self.input.meta;
        let revision = meta.commit.as_deref().unwrap_or(meta.generated.as_str());
        uuid::derive(&[kind, self.id(), revision])
    }

    /// `metadata` for a document titled `title`.
    pub fn metadata(&self, title: &str) -> Value {
        let meta = self.input.meta;
        let mut props = vec![prop("generator", &meta.generator)];
        if let Some(c) = &meta.commit {
            props.push(prop("source-commit", c));
        }
        let mut m = json!({
            "title": line(title),
            "last-modified": meta.generated,
            "version": meta.commit.as_deref().map_or_else(|| meta.generated.clone(), |c| c.chars().take(12).collect()),
            "oscal-version": OSCAL_VERSION,
            "props": props,
            "roles": [
                { "id": "system-owner", "title": "System Owner" },
                { "id": "prepared-for", "title": "Prepared For" }
            ],
        });
        let mut parties = vec![json!({
            "uuid": self.organisation_party(),
            "type": "organization",
            "name": line(&self.config.organisation.name),
        })];
        if let Some(url) = &self.config.organisation.url {
            parties[0]["links"] = json!([{ "href": url, "rel": "homepage" }]);
        }
        let mut responsible = vec![json!({
            "role-id": "prepared-for",
            "party-uuids": [self.organisation_party()],
        })];
        if let Some(owner) = &self.system.owner {
            parties.push(json!({
                "uuid": owner_party(owner),
                "type": "organization",
                "name": line(owner),
                "member-of-organizations": [self.organisation_party()],
            }));
            responsible.insert(
                0,
                json!({ "role-id": "system-owner", "party-uuids": [owner_party(owner)] }),
            );
        }
        m["parties"] = Value::Array(parties);
        m["responsible-parties"] = Value::Array(responsible);
        m
    }

    pub fn organisation_party(&self) -> String {
        uuid::derive(&["party", "organisation"])
    }

    /// The repository's scan results for this system, in file order.
    pub fn scan_findings(&self) -> Vec<Scan<'a>> {
        let ws = &self.input.run.workspace;
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for set in &self.input.run.outcome.repo.findings {
            if set.value.system.as_str() != self.id() {
                continue;
            }
            let path = ws.files.get(set.file).map_or("", |f| f.path.as_str());
            for f in &set.value.findings {
                let key = [
                    path,
                    f.target.as_deref().unwrap_or(""),
                    f.profile.as_deref().unwrap_or(""),
                    f.rule_id.as_str(),
                ];
                // Two results for the same rule and target in one file keep
                // distinct UUIDs, numbered in file order.
                let mut uuid =
                    uuid::derive(&[&["observation", "scan", self.id()][..], &key].concat());
                let mut n = 1;
                while !seen.insert(uuid.clone()) {
                    n += 1;
                    let nth = n.to_string();
                    uuid = uuid::derive(
                        &[
                            &["observation", "scan", self.id()][..],
                            &key,
                            &[nth.as_str()],
                        ]
                        .concat(),
                    );
                }
                let collected = f
                    .since
                    .as_ref()
                    .or(set.value.scan.as_ref().and_then(|s| s.time.as_ref()))
                    .map_or_else(|| self.input.meta.generated.clone(), datetime);
                out.push(Scan {
                    uuid,
                    tool: &set.value.source.tool,
                    finding: f,
                    collected,
                });
            }
        }
        out
    }

    /// Whether a scan finding counts against `e`'s control.
    pub fn maps_to(&self, scan: &Scan<'_>, e: &Entry<'_>) -> bool {
        let want = normalize_control_id(e.control());
        scan.finding.controls.iter().any(|r| {
            let (fw, ctl) = r.parts();
            fw.is_none_or(|fw| fw.as_str() == e.framework)
                && normalize_control_id(ctl.as_str()) == want
        })
    }

    /// Risk register entries about this system: naming it, or naming none
    /// and one of its controls.
    pub fn register_risks(&self) -> Vec<&'a Risk> {
        let mut out: Vec<&Risk> = self
            .input
            .run
            .outcome
            .repo
            .risks
            .iter()
            .map(|r| &*r.value)
            .filter(|r| {
                r.systems.iter().any(|s| s.as_str() == self.id())
                    || (r.systems.is_empty() && self.entries.iter().any(|e| self.risk_covers(r, e)))
            })
            .collect();
        out.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        out
    }

    pub fn risk_covers(&self, r: &Risk, e: &Entry<'_>) -> bool {
        let want = normalize_control_id(e.control());
        r.controls.iter().any(|c| {
            let (fw, ctl) = c.parts();
            fw.is_none_or(|fw| fw.as_str() == e.framework)
                && normalize_control_id(ctl.as_str()) == want
        })
    }

    /// Whether an exception in force for this system accepts risk `id`.
    pub fn risk_accepted(&self, id: &str) -> bool {
        let in_force: BTreeSet<&str> = self
            .entries
            .iter()
            .flat_map(|e| e.status.exceptions.iter().map(String::as_str))
            .collect();
        self.input.run.outcome.repo.exceptions.iter().any(|x| {
            in_force.contains(x.value.id.as_str()) && x.value.risks.iter().any(|r| r.as_str() == id)
        })
    }

    /// The exceptions in force over a control, as records.
    pub fn exceptions(&self, c: &ControlStatus) -> Vec<&'a crate::model::Exception> {
        let repo = &self.input.run.outcome.repo;
        let mut out: Vec<_> = repo
            .exceptions
            .iter()
            .map(|x| &*x.value)
            .filter(|x| {
                x.system.as_str() == self.id() && c.exceptions.iter().any(|id| id == x.id.as_str())
            })
            .collect();
        out.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        out
    }
}

/// One scan result, ready to be an observation.
pub(crate) struct Scan<'a> {
    pub uuid: String,
    pub tool: &'a str,
    pub finding: &'a crate::model::Finding,
    pub collected: String,
}

/// The party a team or person named as owner becomes.
pub(crate) fn owner_party(owner: &str) -> String {
    uuid::derive(&["party", owner])
}

/// An Aegis prop.
pub(crate) fn prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "ns": NS, "value": line(value) })
}

/// A control id in OSCAL form: `AC-2(1)` becomes `ac-2.1`. OSCAL ids are
/// tokens (a letter or `_` first, then letters, digits, `.`, `-`, `_`), so
/// other characters become `-` and an id that starts with a digit (PCI DSS
/// `7.2.1`) gets a leading `_`.
pub fn control_id(id: &str) -> String {
    token(&normalize_control_id(id))
}

/// Any text as an OSCAL token.
pub(crate) fn token(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// Text as an OSCAL markup-line: one line, no surrounding space.
pub(crate) fn line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A placeholder for something aegis.yaml does not state, naming the field.
pub(crate) fn not_stated(field: &str) -> String {
    format!("Not stated in aegis.yaml: add `{field}`.")
}

/// An RFC 3339 date-time for a date or timestamp (a bare date is midnight
/// UTC, as everywhere in Aegis).
pub(crate) fn datetime(w: &When) -> String {
    if w.text.contains('T') {
        w.text.clone()
    } else {
        format!("{}T00:00:00Z", w.date)
    }
}

/// What the gap engine says about a control, in words, for descriptions.
pub(crate) fn reasons_text(c: &ControlStatus) -> String {
    let mut s = String::new();
    for g in &c.reasons {
        s.push_str(&format!("- {}: {}\n", g.reason.as_str(), g.detail));
    }
    s.trim_end().to_string()
}

/// The OSCAL finding-target state of a scan result: what it observed.
pub(crate) fn scan_state(r: ScanResult) -> &'static str {
    match r {
        ScanResult::Pass => "satisfied",
        ScanResult::Fail | ScanResult::Error => "not-satisfied",
        _ => "other",
    }
}

/// A control status that holds an implementation the system made itself.
pub(crate) fn own_state(s: Status) -> Option<&'static str> {
    match s {
        Status::Implemented => Some("implemented"),
        Status::Partial => Some("partial"),
        Status::Planned => Some("planned"),
        Status::Alternative => Some("alternative"),
        Status::NotApplicable => Some("not-applicable"),
        Status::Inherited | Status::Crosswalk | Status::Missing => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_ids_take_oscal_form() {
        assert_eq!(control_id("AC-2(1)"), "ac-2.1");
        assert_eq!(control_id("AC-2"), "ac-2");
        assert_eq!(control_id("IAM-3(1)"), "iam-3.1");
        assert_eq!(control_id("7.2.1"), "_7.2.1");
        assert_eq!(control_id("A.5.15"), "a.5.15");
    }

    #[test]
    fn markup_lines_are_one_line() {
        assert_eq!(line("  a\n b  "), "a b");
    }
}
