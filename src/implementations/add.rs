//! `aegis implementation add`: a new `implementations/<system>/<control>.yaml`.

use super::{Changes, Refusal, check, target};
use crate::exceptions::refs::Loaded;
use crate::model::{ControlRef, Date, Implementation, SCHEMA_VERSION};
use crate::schema::Kind;
use std::path::Path;

/// A record written (or, on a dry run, that would be).
#[derive(Debug)]
pub struct Added {
    pub path: String,
    pub text: String,
    pub record: Implementation,
    pub written: bool,
}

/// Checks and writes the record of `control` in `system` with `changes`
/// (whose `status`, which must be given, is the record's status). With
/// `dry_run`, writes nothing and shows the new file on `out` as a diff
/// (`crate::change`).
pub fn add(
    root: &Path,
    system: &str,
    control: &str,
    changes: &Changes,
    today: Date,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Added, Refusal> {
    let Some(status) = changes.status else {
        return Err(Refusal::Invalid(vec![
            "give the status with --status".into(),
        ]));
    };
    let _lock = crate::exceptions::lock_unless(dry_run, &root.join("implementations"))?;
    let loaded = Loaded::load(root)?;
    let t = target(&loaded, system, control).map_err(Refusal::Invalid)?;
    if t.control.withdrawn {
        let to: Vec<&str> = t.control.replaced_by.iter().map(|c| c.as_str()).collect();
        return Err(Refusal::Invalid(vec![format!(
            "control `{}` has been withdrawn by its publisher{}",
            t.reference,
            if to.is_empty() {
                String::new()
            } else {
                format!(
                    "; record the control(s) it went to instead: {}",
                    to.join(", ")
                )
            }
        )]));
    }
    if t.unreadable {
        return Err(Refusal::Invalid(vec![format!(
            "{} exists for `{}` but does not read as an implementation; run `aegis validate` to see why, and fix it by hand",
            t.rel, t.reference
        )]));
    }
    if t.existing.is_some() {
        return Err(Refusal::Invalid(vec![format!(
            "{} already records `{}` for system `{}`; change it with `aegis implementation set {} --system {}`",
            t.rel, t.reference, t.system, control, t.system
        )]));
    }
    let blank = Implementation {
        schema_version: SCHEMA_VERSION,
        control: ControlRef(t.reference.clone()),
        system: None,
        status,
        owner: None,
        statement: None,
        justification: None,
        inherited_from: None,
        provider: None,
        evidence: Vec::new(),
        policies: Vec::new(),
        parameters: Default::default(),
        reviewed: None,
        review_every: None,
    };
    let mut problems = Vec::new();
    let record = super::apply(&blank, changes, &mut problems);
    problems.extend(check::problems(&loaded, &t, &record, today));
    if !problems.is_empty() {
        return Err(Refusal::Invalid(problems));
    }
    let text = render(&t.rel, &record)?;
    crate::exceptions::write_or_show(root, &t.rel, None, &text, dry_run, out)?;
    Ok(Added {
        path: t.rel,
        text,
        record,
        written: !dry_run,
    })
}

/// The file's text: the schema modeline, then the record as the
/// serializer writes it, with a review date unquoted as people write it.
fn render(rel: &str, record: &Implementation) -> Result<String, Refusal> {
    let body =
        serde_saphyr::to_string(record).map_err(|e| Refusal::Invalid(vec![e.to_string()]))?;
    let mut text = format!("{}\n{body}", Kind::Implementation.modeline(rel));
    if let Some(r) = record.reviewed {
        text = crate::edit::set_key(&text, "reviewed", &r.to_string()).map_err(|source| {
            Refusal::Edit {
                path: rel.into(),
                source,
            }
        })?;
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}
