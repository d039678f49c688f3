//! `aegis implementation list`: the records, with their review dates.

use super::{Refusal, check_system, shown_id};
use crate::exceptions::refs::Loaded;
use crate::model::{Date, ImplStatus};
use crate::schema::Kind;
use crate::validate::Resolved;
use serde::Serialize;
use std::path::Path;

/// One row of the list.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub system: String,
    /// `framework:id` when the control resolves, else as the file writes it.
    pub control: String,
    pub status: ImplStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub evidence: usize,
    pub policies: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed: Option<Date>,
    /// `reviewed + review_every`; absent without `review_every`, or
    /// before a first review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_due: Option<Date>,
    /// A review is due: `review_due` is past, or `review_every` is set and
    /// there was never a review.
    pub review_overdue: bool,
    pub file: String,
    /// Where the row sorts: framework and catalog position of the control.
    #[serde(skip)]
    order: (String, usize, String),
}

/// What to list.
#[derive(Debug, Default)]
pub struct Filter {
    pub system: Option<String>,
    pub status: Option<ImplStatus>,
    pub framework: Option<String>,
    pub control: Option<String>,
}

/// The rows, and how many implementation files could not be read.
pub struct Listing {
    pub rows: Vec<Row>,
    pub unreadable: usize,
}

pub fn list(root: &Path, filter: &Filter, today: Date) -> Result<Listing, Refusal> {
    let loaded = Loaded::load(root)?;
    let one = |m: String| Refusal::Invalid(vec![m]);
    if let Some(s) = &filter.system {
        check_system(&loaded, s).map_err(one)?;
    }
    let index = &loaded.outcome.index;
    if let Some(f) = &filter.framework
        && !index.frameworks.contains_key(f)
    {
        let names: Vec<String> = index.frameworks.keys().cloned().collect();
        let hint = crate::validate::schema::did_you_mean(f, &names).map_or_else(
            || format!(" (known: {})", names.join(", ")),
            |s| format!("; did you mean `{s}`?"),
        );
        return Err(one(format!("no framework `{f}` in controls/{hint}")));
    }
    // The control filter, resolved as the records are: in the frameworks of
    // the system asked for (all of them without --system).
    let wanted = match &filter.control {
        Some(c) => Some(
            loaded
                .resolve_control(c, filter.system.as_deref())
                .map_err(one)?,
        ),
        None => None,
    };
    let mut rows = Vec::new();
    for imp in &loaded.outcome.repo.implementations {
        let file = loaded.ws.files[imp.file].path.clone();
        let v = &imp.value;
        let system = crate::validate::system_of_file(&file, v).to_string();
        let (control, resolved, order) = match loaded
            .outcome
            .resolve_implementation(&loaded.ws, imp)
        {
            Resolved::Found { framework, control } => match index.control(&framework, control) {
                Some(c) => (
                    format!("{framework}:{}", shown_id(c)),
                    Some(format!("{framework}:{}", c.id)),
                    (framework, control, String::new()),
                ),
                None => (
                    v.control.0.clone(),
                    None,
                    (String::new(), 0, v.control.0.clone()),
                ),
            },
            _ => (
                v.control.0.clone(),
                None,
                (String::new(), 0, v.control.0.clone()),
            ),
        };
        if filter.system.as_ref().is_some_and(|s| *s != system)
            || filter.status.is_some_and(|s| s != v.status)
            || filter.framework.as_ref().is_some_and(|f| *f != order.0)
            || wanted
                .as_ref()
                .is_some_and(|w| resolved.as_ref() != Some(w))
        {
            continue;
        }
        let review_due = v
            .review_every
            .as_ref()
            .and_then(|every| v.reviewed.map(|r| r.plus(every)));
        let review_overdue = match (&v.review_every, review_due) {
            (Some(_), None) => true,
            (_, Some(due)) => due < today,
            _ => false,
        };
        rows.push(Row {
            system,
            control,
            status: v.status,
            owner: v.owner.clone(),
            evidence: v.evidence.len(),
            policies: v.policies.len(),
            reviewed: v.reviewed,
            review_due,
            review_overdue,
            file,
            order,
        });
    }
    rows.sort_by(|a, b| (&a.system, &a.order, &a.file).cmp(&(&b.system, &b.order, &b.file)));
    let read: std::collections::BTreeSet<usize> = loaded
        .outcome
        .repo
        .implementations
        .iter()
        .map(|i| i.file)
        .collect();
    let unreadable = loaded
        .ws
        .files
        .iter()
        .enumerate()
        .filter(|(i, f)| f.kind == Kind::Implementation && !read.contains(i))
        .count();
    Ok(Listing { rows, unreadable })
}
