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

/// A reviewer's verdict on one piece of evidence.
#[derive(Debug)]
pub struct Verdict {
    pub status: ReviewStatus,
    pub reviewer: String,
    pub note: Option<String>,
    pub on: Date,
}

/// Records `verdict` in evidence `id`; with `dry_run`, writes nothing and
/// shows the edit on `out`.
pub fn review(
    ws: &Workspace,
    id: &str,
    verdict: Verdict,
    dry_run: bool,
    out: &mut dyn std::io::Write,
) -> Result<Reviewed, Error> {
    let Verdict {
        status,
        reviewer,
        note,
        on,
    } = verdict;
    let reviewer = reviewer.as_str();
    let mut problems = Vec::new();
    crate::text::check_line("--reviewer", reviewer, &mut problems);
    if let Some(note) = note.as_deref() {
        crate::text::check_lines("--note", note, &mut problems);
    }
    if !problems.is_empty() {
        return refuse(problems.join("; "));
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
    let _lock = super::lock(&ws.root, "evidence", dry_run)?;
    // Refused when the file is no longer what was read: a concurrent edit is never lost.
    crate::change::write_or_show(&ws.root, &path, Some(&file.text), &text, dry_run, out)?;
    Ok(Reviewed {
        id: id.into(),
        path,
        status,
        was,
        written: true,
    })
}
