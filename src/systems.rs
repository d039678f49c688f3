//! The systems of aegis.yaml: list them, and add one as a new item of the
//! `systems:` list, every other byte of the file kept.

use crate::exceptions::Refusal;
use crate::exceptions::refs::Loaded;
use crate::model::{BaselineId, Config, FrameworkId, Selection, System, SystemId};
use crate::validate::schema::did_you_mean;
use serde::Serialize;
use std::path::Path;

/// What `aegis system add` is asked to record.
#[derive(Debug, Default)]
pub struct NewSystem {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub owner: Option<String>,
    /// `(framework, baseline)`; no baseline selects every control.
    pub selections: Vec<(String, Option<String>)>,
}

/// What `add` wrote (or, on a dry run, would write).
#[derive(Debug)]
pub struct Added {
    pub system: System,
    /// The new text of aegis.yaml.
    pub text: String,
    pub written: bool,
}

/// Whether `id` is a system id (the schema's pattern; it also names the
/// folder `implementations/<id>/`).
fn check_id(id: &str) -> Result<(), String> {
    let mut chars = id.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        && id.len() <= 64
        && !id.contains("..");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{id}` is not a system id: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit (it names the folder implementations/<id>/)"
        ))
    }
}

/// Checks `new` and adds it under `systems:` in aegis.yaml.
pub fn add(
    root: &Path,
    new: NewSystem,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Added, Refusal> {
    // aegis.yaml is in the repository's root: its writers lock that folder.
    let _lock = crate::exceptions::lock_unless(dry_run, root)?;
    let loaded = Loaded::load(root)?;
    let config = loaded.config().map_err(|e| Refusal::Invalid(vec![e]))?;
    let mut problems = Vec::new();
    if let Err(e) = check_id(&new.id) {
        problems.push(e);
    }
    if config.systems.iter().any(|s| s.id.as_str() == new.id) {
        problems.push(format!("aegis.yaml already defines system `{}`", new.id));
    }
    crate::text::check_line("--title", &new.title, &mut problems);
    if let Some(owner) = &new.owner {
        crate::text::check_line("--owner", owner, &mut problems);
    }
    if let Some(description) = &new.description {
        crate::text::check_lines("--description", description, &mut problems);
    }
    let index = &loaded.outcome.index;
    let frameworks: Vec<String> = index.frameworks.keys().cloned().collect();
    let mut selections: Vec<Selection> = Vec::new();
    for (fw, baseline) in &new.selections {
        let Some(entry) = index.frameworks.get(fw) else {
            let hint = match did_you_mean(fw, &frameworks) {
                Some(s) => format!("; did you mean `{s}`?"),
                None if frameworks.is_empty() => {
                    " (there are none: import one with `aegis framework import`)".into()
                }
                None => format!(" (known: {})", frameworks.join(", ")),
            };
            problems.push(format!("no framework `{fw}` in controls/{hint}"));
            continue;
        };
        if let Some(b) = baseline
            && !entry.baselines.contains_key(b)
        {
            let names: Vec<String> = entry.baselines.keys().cloned().collect();
            let hint = match did_you_mean(b, &names) {
                Some(s) => format!("; did you mean `{s}`?"),
                None if names.is_empty() => {
                    format!(" (it has none: select the whole framework with --framework {fw})")
                }
                None => format!(" (its baselines: {})", names.join(", ")),
            };
            problems.push(format!("framework `{fw}` has no baseline `{b}`{hint}"));
            continue;
        }
        let s = Selection {
            framework: FrameworkId(fw.clone()),
            baseline: baseline.clone().map(BaselineId),
        };
        if !selections.contains(&s) {
            selections.push(s);
        }
    }
    for whole in selections.iter().filter(|s| s.baseline.is_none()) {
        if selections
            .iter()
            .any(|s| s.framework == whole.framework && s.baseline.is_some())
        {
            problems.push(format!(
                "framework `{}` is selected both whole (--framework) and by baseline (--baseline); keep one",
                whole.framework
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Refusal::Invalid(problems));
    }
    let system = System {
        id: SystemId(new.id.clone()),
        name: new.title.clone(),
        description: new.description.clone(),
        owner: new.owner.clone(),
        frameworks: selections,
        inherits_from: Vec::new(),
        scan_interval: None,
        scan_intervals: Default::default(),
        characteristics: None,
        require_signed_evidence: false,
    };
    let rel = crate::workspace::CONFIG_FILE;
    let file = loaded
        .ws
        .files
        .iter()
        .find(|f| f.path == rel)
        .ok_or_else(|| Refusal::Invalid(vec![format!("{rel} could not be read")]))?;
    let edit_err = |source| Refusal::Edit {
        path: rel.into(),
        source,
    };
    let text = crate::edit::append_value(&file.text, "systems", &system, Some("organisation"))
        .map_err(edit_err)?;
    // The edit must say what was meant: the systems before, then this one.
    let mut want = config.systems.clone();
    want.push(system.clone());
    match serde_saphyr::from_str::<Config>(&text) {
        Ok(back) if back.systems == want => {}
        _ => {
            return Err(Refusal::Invalid(vec![format!(
                "{rel}: system `{}` could not be added in place; add it by hand",
                new.id
            )]));
        }
    }
    // Refused when aegis.yaml is no longer what was read; a dry run shows
    // the edit on `out` as a diff.
    crate::exceptions::write_or_show(root, rel, Some(&file.text), &text, dry_run, out)?;
    Ok(Added {
        system,
        text,
        written: !dry_run,
    })
}

/// One row of `aegis system list`.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// `framework` or `framework@baseline`, as aegis.yaml selects them.
    pub selects: Vec<String>,
    /// How many implementation records the system has.
    pub implementations: usize,
}

pub fn list(root: &Path) -> Result<Vec<Row>, Refusal> {
    let loaded = Loaded::load(root)?;
    let config = loaded.config().map_err(|e| Refusal::Invalid(vec![e]))?;
    let mut count = std::collections::HashMap::<String, usize>::new();
    for imp in &loaded.outcome.repo.implementations {
        let path = loaded
            .ws
            .files
            .get(imp.file)
            .map_or("", |f| f.path.as_str());
        *count
            .entry(crate::validate::system_of_file(path, &imp.value).to_string())
            .or_default() += 1;
    }
    Ok(config
        .systems
        .iter()
        .map(|s| Row {
            id: s.id.0.clone(),
            name: s.name.clone(),
            owner: s.owner.clone(),
            selects: s
                .frameworks
                .iter()
                .map(|f| match &f.baseline {
                    Some(b) => format!("{}@{}", f.framework, b),
                    None => f.framework.0.clone(),
                })
                .collect(),
            implementations: count.get(s.id.as_str()).copied().unwrap_or(0),
        })
        .collect())
}
