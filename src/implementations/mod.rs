//! The implementation lifecycle: add a record of how a system meets a
//! control, list them with their review dates, change one in place, and
//! record a review. Controls resolve exactly as `aegis validate` resolves
//! them (a short id first in the frameworks the system selects), new files
//! are named as the importers name them, and changes to existing files go
//! through `crate::edit`, so the rest of each file stays as its author
//! wrote it.

pub mod add;
pub mod check;
pub mod list;
pub mod set;

pub use crate::exceptions::Refusal;
use crate::exceptions::refs::Loaded;
use crate::model::{Date, ImplStatus, Implementation, Period, normalize_control_id};
use crate::validate::{ControlEntry, Located, schema::did_you_mean};

/// The record's keys in the order the model (and so a new file) has them:
/// a key a change adds goes after the last of these before it.
const KEY_ORDER: &[&str] = &[
    "schema_version",
    "control",
    "system",
    "status",
    "owner",
    "statement",
    "justification",
    "inherited_from",
    "provider",
    "evidence",
    "policies",
    "parameters",
    "reviewed",
    "review_every",
];

/// What `add` records or `set` changes; `None` and empty lists leave a
/// field as it is.
#[derive(Debug, Default)]
pub struct Changes {
    pub status: Option<ImplStatus>,
    pub owner: Option<String>,
    pub statement: Option<String>,
    pub justification: Option<String>,
    pub inherited_from: Option<String>,
    pub provider: Option<String>,
    pub add_evidence: Vec<String>,
    pub remove_evidence: Vec<String>,
    pub add_policies: Vec<String>,
    pub remove_policies: Vec<String>,
    /// `(parameter id, value)`.
    pub params: Vec<(String, String)>,
    pub unset_params: Vec<String>,
    /// Optional fields to remove.
    pub unset: Vec<Field>,
    pub reviewed: Option<Date>,
    pub review_every: Option<Period>,
}

/// The optional text fields `set --unset` removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Field {
    Owner,
    Statement,
    Justification,
    InheritedFrom,
    Provider,
    ReviewEvery,
}

impl Field {
    fn key(self) -> &'static str {
        match self {
            Field::Owner => "owner",
            Field::Statement => "statement",
            Field::Justification => "justification",
            Field::InheritedFrom => "inherited_from",
            Field::Provider => "provider",
            Field::ReviewEvery => "review_every",
        }
    }
}

/// One field a command changed (or would change): its key and the values
/// before and after, as short text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The record a command is about: the system, the control resolved as
/// validation resolves it, and the file that holds (or would hold) it.
pub struct Target<'a> {
    pub system: String,
    pub framework: String,
    pub control: &'a ControlEntry,
    /// `framework:id`, as the importers write it.
    pub reference: String,
    /// Repository-relative path of the record's file.
    pub rel: String,
    /// The record, when one exists and reads.
    pub existing: Option<&'a Located<Implementation>>,
    /// A file for this control exists but does not read as an implementation.
    pub unreadable: bool,
}

/// The id records and file names use for a control: the publisher's label
/// when it can name a file (`AC-2(1)`), else the catalog id, as `oscal
/// import` and `program import` choose it.
pub fn shown_id(c: &ControlEntry) -> &str {
    c.label
        .as_deref()
        .filter(|l| crate::import::plan::resolve::safe_file_stem(l))
        .unwrap_or(c.id.as_str())
}

/// The system `id` of aegis.yaml, or why not (with the known ones).
pub fn check_system(loaded: &Loaded, id: &str) -> Result<(), String> {
    let config = loaded.config()?;
    if config.systems.iter().any(|s| s.id.as_str() == id) {
        return Ok(());
    }
    let names: Vec<String> = config.systems.iter().map(|s| s.id.0.clone()).collect();
    let hint = did_you_mean(id, &names).map_or(String::new(), |s| format!("; did you mean `{s}`?"));
    let known = match names.len() {
        0 => " (it defines none: add one under `systems:`)".to_string(),
        n if n <= 20 => format!(" (known: {})", names.join(", ")),
        n => format!(" ({n} systems; see `systems:` in aegis.yaml)"),
    };
    Err(format!("aegis.yaml has no system `{id}`{hint}{known}"))
}

/// Resolves `control` for `system` and finds its record; every problem at
/// once.
pub fn target<'a>(
    loaded: &'a Loaded,
    system: &str,
    control: &str,
) -> Result<Target<'a>, Vec<String>> {
    check_system(loaded, system).map_err(|e| vec![e])?;
    if !crate::import::plan::resolve::safe_file_stem(system) {
        return Err(vec![format!(
            "system `{system}` cannot name a folder under implementations/ (letters, digits and . - _ only)"
        )]);
    }
    let resolved = resolve(loaded, system, control).map_err(|e| vec![e])?;
    let index = &loaded.outcome.index;
    let found = resolved.split_once(':').and_then(|(fw, id)| {
        let i = index.frameworks.get(fw)?.control(id)?;
        Some((fw.to_string(), i, index.control(fw, i)?))
    });
    let Some((framework, position, entry)) = found else {
        return Err(vec![format!("control `{control}` could not be looked up")]);
    };
    let shown = shown_id(entry);
    if !crate::import::plan::resolve::safe_file_stem(shown) {
        return Err(vec![format!(
            "control `{}` cannot name a file (letters, digits and . - _ ( ) only)",
            crate::excerpt::text(shown)
        )]);
    }
    let existing = loaded.outcome.repo.implementations.iter().find(|imp| {
        let path = loaded
            .ws
            .files
            .get(imp.file)
            .map_or("", |f| f.path.as_str());
        crate::validate::system_of_file(path, &imp.value) == system
            && loaded.outcome.resolve_implementation(&loaded.ws, imp)
                == crate::validate::Resolved::Found {
                    framework: framework.clone(),
                    control: position,
                }
    });
    let dir = format!("implementations/{system}");
    // A file named after the control (in any spelling of its id) that did
    // not read as an implementation.
    let keys = [
        normalize_control_id(shown),
        normalize_control_id(entry.id.as_str()),
    ];
    let on_disk = loaded.ws.files.iter().find(|f| {
        f.path
            .strip_prefix(&dir)
            .and_then(|r| r.strip_prefix('/'))
            .and_then(|n| n.strip_suffix(".yaml").or(n.strip_suffix(".yml")))
            .is_some_and(|stem| keys.contains(&normalize_control_id(stem)))
    });
    let rel = match (existing, on_disk) {
        (Some(e), _) => loaded.ws.files[e.file].path.clone(),
        (None, Some(f)) => f.path.clone(),
        (None, None) => format!("{dir}/{shown}.yaml"),
    };
    Ok(Target {
        system: system.to_string(),
        reference: format!("{framework}:{shown}"),
        framework,
        control: entry,
        existing,
        unreadable: existing.is_none() && on_disk.is_some(),
        rel,
    })
}

/// `control` resolved as validation resolves it for `system`; an id
/// validation does not know (`AC-02(01)`, `ac 2 1`) is looked up loosely
/// as `program import` does, and then resolved as its catalog spelling.
fn resolve(loaded: &Loaded, system: &str, control: &str) -> Result<String, String> {
    let strict = loaded.resolve_control(control, Some(system));
    let Err(why) = &strict else {
        return strict;
    };
    let within =
        crate::validate::implementation_context(&loaded.outcome.repo, system).unwrap_or_default();
    crate::import::program::controls::ControlIndex::load(&loaded.ws.root)
        .ok()
        .and_then(|index| index.resolve(control, &within).ok())
        .and_then(|found| {
            loaded
                .resolve_control(&found.reference(), Some(system))
                .ok()
        })
        .ok_or_else(|| why.clone())
}

/// `imp` with `changes` applied; what a change cannot do (remove an id the
/// record does not cite) goes to `problems`.
pub fn apply(
    imp: &Implementation,
    changes: &Changes,
    problems: &mut Vec<String>,
) -> Implementation {
    let mut new = imp.clone();
    if let Some(s) = changes.status {
        new.status = s;
    }
    let text = |v: &Option<String>| v.clone();
    if changes.owner.is_some() {
        new.owner = text(&changes.owner);
    }
    if changes.statement.is_some() {
        new.statement = text(&changes.statement);
    }
    if changes.justification.is_some() {
        new.justification = text(&changes.justification);
    }
    if let Some(from) = &changes.inherited_from {
        new.inherited_from = Some(crate::model::SystemId(from.clone()));
    }
    if changes.provider.is_some() {
        new.provider = text(&changes.provider);
    }
    let mut evidence: Vec<String> = new.evidence.iter().map(|e| e.0.clone()).collect();
    edit_ids(
        &mut evidence,
        &changes.add_evidence,
        &changes.remove_evidence,
        "evidence",
        problems,
    );
    new.evidence = evidence.into_iter().map(crate::model::EvidenceId).collect();
    let mut policies: Vec<String> = new.policies.iter().map(|p| p.0.clone()).collect();
    edit_ids(
        &mut policies,
        &changes.add_policies,
        &changes.remove_policies,
        "policy",
        problems,
    );
    new.policies = policies.into_iter().map(crate::model::PolicyId).collect();
    for id in &changes.unset_params {
        if new.parameters.remove(id).is_none() {
            problems.push(format!(
                "the record sets no parameter `{id}`, so --unset-param {id} has nothing to remove"
            ));
        }
    }
    for (id, value) in &changes.params {
        new.parameters.insert(id.clone(), value.clone());
    }
    if changes.reviewed.is_some() {
        new.reviewed = changes.reviewed;
    }
    if changes.review_every.is_some() {
        new.review_every = changes.review_every.clone();
    }
    for f in &changes.unset {
        let had = match f {
            Field::Owner => new.owner.take().is_some(),
            Field::Statement => new.statement.take().is_some(),
            Field::Justification => new.justification.take().is_some(),
            Field::InheritedFrom => new.inherited_from.take().is_some(),
            Field::Provider => new.provider.take().is_some(),
            Field::ReviewEvery => new.review_every.take().is_some(),
        };
        let set_too = match f {
            Field::Owner => changes.owner.is_some(),
            Field::Statement => changes.statement.is_some(),
            Field::Justification => changes.justification.is_some(),
            Field::InheritedFrom => changes.inherited_from.is_some(),
            Field::Provider => changes.provider.is_some(),
            Field::ReviewEvery => changes.review_every.is_some(),
        };
        let key = f.key();
        if set_too {
            problems.push(format!(
                "`{key}` is both given a value and unset; drop one of the two"
            ));
        } else if !had {
            problems.push(format!(
                "the record has no `{key}`, so --unset {} has nothing to remove",
                key.replace('_', "-")
            ));
        }
    }
    new
}

/// Adds (at the end, once) and removes ids of a list the record cites.
fn edit_ids(
    list: &mut Vec<String>,
    add: &[String],
    remove: &[String],
    what: &str,
    problems: &mut Vec<String>,
) {
    for r in remove {
        let before = list.len();
        list.retain(|x| x != r);
        if list.len() == before {
            problems.push(format!(
                "the record cites no {what} `{r}`, so there is nothing to remove"
            ));
        }
    }
    for a in add {
        if !list.contains(a) {
            list.push(a.clone());
        }
    }
}

/// The fields that differ between `old` and `new`, in the record's order.
pub fn changes(old: &Implementation, new: &Implementation) -> Vec<Change> {
    let mut out = Vec::new();
    let mut field = |name: &str, a: Option<String>, b: Option<String>| {
        if a != b {
            out.push(Change {
                field: name.into(),
                old: a,
                new: b,
            });
        }
    };
    let list = |v: &[String]| (!v.is_empty()).then(|| v.join(", "));
    field(
        "status",
        Some(old.status.as_str().into()),
        Some(new.status.as_str().into()),
    );
    field("owner", old.owner.clone(), new.owner.clone());
    field("statement", old.statement.clone(), new.statement.clone());
    field(
        "justification",
        old.justification.clone(),
        new.justification.clone(),
    );
    field(
        "inherited_from",
        old.inherited_from.as_ref().map(|s| s.0.clone()),
        new.inherited_from.as_ref().map(|s| s.0.clone()),
    );
    field("provider", old.provider.clone(), new.provider.clone());
    let ids = |v: &[crate::model::EvidenceId]| v.iter().map(|e| e.0.clone()).collect::<Vec<_>>();
    field(
        "evidence",
        list(&ids(&old.evidence)),
        list(&ids(&new.evidence)),
    );
    let pids = |v: &[crate::model::PolicyId]| v.iter().map(|e| e.0.clone()).collect::<Vec<_>>();
    field(
        "policies",
        list(&pids(&old.policies)),
        list(&pids(&new.policies)),
    );
    let params = |m: &std::collections::BTreeMap<String, String>| {
        list(
            &m.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>(),
        )
    };
    field(
        "parameters",
        params(&old.parameters),
        params(&new.parameters),
    );
    field(
        "reviewed",
        old.reviewed.map(|d| d.to_string()),
        new.reviewed.map(|d| d.to_string()),
    );
    field(
        "review_every",
        old.review_every.as_ref().map(|p| p.to_string()),
        new.review_every.as_ref().map(|p| p.to_string()),
    );
    out
}

/// The key a missing `key` goes after: the last key before it in the
/// record's order that `text` has.
fn after(text: &str, key: &str) -> Option<&'static str> {
    let at = KEY_ORDER.iter().position(|k| *k == key)?;
    KEY_ORDER[..at]
        .iter()
        .rev()
        .find(|k| matches!(crate::edit::value_text(text, k), Ok(Some(_))))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ControlRef, EvidenceId};

    fn record() -> Implementation {
        Implementation {
            schema_version: 1,
            control: ControlRef("fw:C-1".into()),
            system: None,
            status: ImplStatus::Planned,
            owner: None,
            statement: None,
            justification: None,
            inherited_from: None,
            provider: None,
            evidence: vec![EvidenceId("a".into())],
            policies: vec![],
            parameters: Default::default(),
            reviewed: None,
            review_every: None,
        }
    }

    #[test]
    fn changes_apply_once_and_list_what_moved() {
        let old = record();
        let c = Changes {
            status: Some(ImplStatus::Implemented),
            add_evidence: vec!["a".into(), "b".into(), "b".into()],
            params: vec![("p".into(), "1".into())],
            ..Changes::default()
        };
        let mut problems = Vec::new();
        let new = apply(&old, &c, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        let evidence: Vec<&str> = new.evidence.iter().map(|e| e.as_str()).collect();
        assert_eq!(evidence, ["a", "b"]);
        let fields: Vec<String> = changes(&old, &new)
            .into_iter()
            .map(|c| format!("{}: {:?} -> {:?}", c.field, c.old, c.new))
            .collect();
        assert_eq!(
            fields,
            [
                "status: Some(\"planned\") -> Some(\"implemented\")",
                "evidence: Some(\"a\") -> Some(\"a, b\")",
                "parameters: None -> Some(\"p=1\")",
            ]
        );
        // The same change again changes nothing.
        assert!(changes(&new, &apply(&new, &c, &mut problems)).is_empty());
    }

    #[test]
    fn removing_what_is_not_there_is_a_problem() {
        let c = Changes {
            remove_evidence: vec!["z".into()],
            unset_params: vec!["p".into()],
            ..Changes::default()
        };
        let mut problems = Vec::new();
        apply(&record(), &c, &mut problems);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn a_new_key_goes_after_the_last_earlier_key_present() {
        let text = "schema_version: 1\ncontrol: C-1\nstatus: planned\nreviewed: 2026-01-01\n";
        assert_eq!(after(text, "owner"), Some("status"));
        assert_eq!(after(text, "review_every"), Some("reviewed"));
        assert_eq!(after(text, "evidence"), Some("status"));
        assert_eq!(after("status: planned\n", "schema_version"), None);
    }
}
