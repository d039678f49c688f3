//! `aegis evidence review`: record a reviewer's verdict in an evidence
//! record's `review:` block, leaving every other byte of the file as it was.

use super::{Error, refuse};
use crate::model::{Date, Review, ReviewStatus, When};
use crate::workspace::Workspace;

/// What `review` did.
#[derive(Debug, PartialEq, Eq)]
pub struct Reviewed {
    pub id: String,
    pub path: String,
    pub status: ReviewStatus,
    /// The status before.
    pub was: ReviewStatus,
    /// False when the record already held this exact review.
    pub written: bool,
}

pub fn review(
    ws: &Workspace,
    id: &str,
    status: ReviewStatus,
    reviewer: &str,
    note: Option<String>,
    on: Date,
) -> Result<Reviewed, Error> {
    if reviewer.trim().is_empty() || reviewer.chars().any(char::is_control) {
        return refuse("--reviewer must name who reviewed, without control characters");
    }
    let outcome = crate::validate::index_only(ws);
    let Some(rec) = outcome.repo.evidence.iter().find(|e| e.value.id.0 == id) else {
        let known: Vec<String> = outcome
            .repo
            .evidence
            .iter()
            .map(|e| e.value.id.0.clone())
            .collect();
        let hint = crate::validate::schema::did_you_mean(id, &known)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return refuse(format!(
            "no valid evidence record has the id `{id}`{hint} (`aegis validate` reports records that do not load)"
        ));
    };
    let file = &ws.files[rec.file];
    let path = file.path.clone();
    let was = rec.value.review_status();
    let new = Review {
        status,
        reviewer: Some(reviewer.to_string()),
        reviewed_at: Some(When {
            text: on.to_string(),
            date: on,
        }),
        note,
    };
    if rec.value.review.as_ref() == Some(&new) {
        return Ok(Reviewed {
            id: id.into(),
            path,
            status,
            was,
            written: false,
        });
    }
    let text = crate::edit::set_value(&file.text, "review", &new)
        .map_err(|e| Error::Refused(format!("{path}: {e}")))?;
    let _lock = super::lock(&ws.root, "evidence")?;
    // The file must still be what was read: a concurrent edit is never lost.
    let target = ws.root.join(&path);
    match std::fs::read_to_string(&target) {
        Ok(now) if now == file.text => {}
        _ => {
            return refuse(format!(
                "{path} changed while it was being reviewed; run the command again"
            ));
        }
    }
    crate::write::write_atomic(&target, text.as_bytes()).map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    Ok(Reviewed {
        id: id.into(),
        path,
        status,
        was,
        written: true,
    })
}
