//! `aegis implementation set` and `review`: change an existing record in
//! place, only the lines of the keys that change.

use super::{Change, Changes, Refusal, check, target};
use crate::edit::{self, EditError};
use crate::exceptions::refs::Loaded;
use crate::model::{Date, Implementation};
use std::path::Path;

/// What `set` did (or, on a dry run, would do).
#[derive(Debug)]
pub struct Edited {
    pub path: String,
    pub reference: String,
    pub changes: Vec<Change>,
    /// False on a dry run, and when nothing changed.
    pub written: bool,
}

pub fn set(
    root: &Path,
    system: &str,
    control: &str,
    changes: &Changes,
    today: Date,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Edited, Refusal> {
    let _lock = crate::exceptions::lock_unless(dry_run, &root.join("implementations"))?;
    let loaded = Loaded::load(root)?;
    let t = target(&loaded, system, control).map_err(Refusal::Invalid)?;
    let Some(existing) = t.existing else {
        let why = if t.unreadable {
            format!(
                "{} does not read as an implementation; run `aegis validate` to see why, and fix it by hand",
                t.rel
            )
        } else {
            format!(
                "system `{}` has no record of `{}`; create one with `aegis implementation add {control} --system {} --status STATUS`",
                t.system, t.reference, t.system
            )
        };
        return Err(Refusal::Invalid(vec![why]));
    };
    let old: &Implementation = &existing.value;
    let mut problems = Vec::new();
    if let (Some(was), Some(now)) = (old.reviewed, changes.reviewed)
        && now < was
    {
        problems.push(format!(
            "the record says it was last reviewed on {was}, after {now}; a review moves that date forward"
        ));
    }
    let new = super::apply(old, changes, &mut problems);
    // Only what this change would break: a record that already has a
    // problem can still be changed (to mend it, say).
    let before = check::problems(&loaded, &t, old, today);
    problems.extend(
        check::problems(&loaded, &t, &new, today)
            .into_iter()
            .filter(|p| !before.contains(p)),
    );
    if !problems.is_empty() {
        return Err(Refusal::Invalid(problems));
    }
    let diff = super::changes(old, &new);
    let file = &loaded.ws.files[existing.file];
    if diff.is_empty() {
        return Ok(Edited {
            path: t.rel.clone(),
            reference: t.reference.clone(),
            changes: diff,
            written: false,
        });
    }
    let text = edit_text(&file.text, old, &new).map_err(|source| Refusal::Edit {
        path: file.path.clone(),
        source,
    })?;
    // The edit must say what was meant, read back as the model reads it.
    match serde_saphyr::from_str::<Implementation>(&text) {
        Ok(back) if back == new => {}
        _ => {
            return Err(Refusal::Invalid(vec![format!(
                "{}: the edited file would not read back as the changed record; nothing was written (edit it by hand)",
                file.path
            )]));
        }
    }
    // Refused when the file is no longer what was read: a concurrent edit
    // is never lost. A dry run shows the edit on `out` as a diff.
    crate::exceptions::write_or_show(root, &file.path, Some(&file.text), &text, dry_run, out)?;
    Ok(Edited {
        path: file.path.clone(),
        reference: t.reference.clone(),
        changes: diff,
        written: !dry_run,
    })
}

/// `text` with the keys that differ between `old` and `new` edited, each
/// in its place (a new key after the one the record's order puts before it).
fn edit_text(text: &str, old: &Implementation, new: &Implementation) -> Result<String, EditError> {
    let mut text = text.to_string();
    fn put<T: serde::Serialize>(
        text: &str,
        key: &str,
        value: Option<&T>,
    ) -> Result<String, EditError> {
        match value {
            Some(v) => edit::set_value_after(text, key, v, super::after(text, key)),
            None => edit::remove_key(text, key),
        }
    }
    if old.status != new.status {
        text = put(&text, "status", Some(&new.status.as_str()))?;
    }
    if old.owner != new.owner {
        text = put(&text, "owner", new.owner.as_ref())?;
    }
    if old.statement != new.statement {
        text = put(&text, "statement", new.statement.as_ref())?;
    }
    if old.justification != new.justification {
        text = put(&text, "justification", new.justification.as_ref())?;
    }
    if old.inherited_from != new.inherited_from {
        text = put(&text, "inherited_from", new.inherited_from.as_ref())?;
    }
    if old.provider != new.provider {
        text = put(&text, "provider", new.provider.as_ref())?;
    }
    if old.evidence != new.evidence {
        text = list(&text, "evidence", &old.evidence, &new.evidence)?;
    }
    if old.policies != new.policies {
        text = list(&text, "policies", &old.policies, &new.policies)?;
    }
    if old.parameters != new.parameters {
        let p = (!new.parameters.is_empty()).then_some(&new.parameters);
        text = put(&text, "parameters", p)?;
    }
    if old.reviewed != new.reviewed {
        text = match new.reviewed {
            // A date as people write it (unquoted), like the line it replaces.
            Some(d) => edit::set_key_after(
                &text,
                "reviewed",
                &d.to_string(),
                super::after(&text, "reviewed"),
            )?,
            None => edit::remove_key(&text, "reviewed")?,
        };
    }
    if old.review_every != new.review_every {
        text = put(&text, "review_every", new.review_every.as_ref())?;
    }
    Ok(text)
}

/// A list key changed: items only added to a block list are appended in
/// its own style; anything else rewrites the key's value.
fn list<T: serde::Serialize + PartialEq>(
    text: &str,
    key: &str,
    old: &[T],
    new: &[T],
) -> Result<String, EditError> {
    if new.is_empty() {
        return edit::remove_key(text, key);
    }
    if !old.is_empty() && new.starts_with(old) {
        let mut out = text.to_string();
        let mut appended = true;
        for item in &new[old.len()..] {
            match edit::append_value(&out, key, item, None) {
                Ok(t) => out = t,
                Err(EditError::NotList { .. }) => {
                    appended = false;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        if appended {
            return Ok(out);
        }
    }
    edit::set_value_after(text, key, &new, super::after(text, key))
}
