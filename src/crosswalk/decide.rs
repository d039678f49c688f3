//! Accepting or rejecting a suggested pair: the decision goes to
//! `controls/mappings/<from>--<to>.suggested.yaml` (provenance
//! `suggested`), an accepted pair also as a relationship there. A new file
//! is written whole; an existing one gets two appended list items and no
//! other change, and is written only if it reads back as the record it
//! was plus the decision. Either write is atomic.

use crate::model::{
    ControlId, Date, Decision, FrameworkId, Mapping, Provenance, ProvenanceKind, Relation,
    RelationKind,
};
use crate::schema::Kind;
use crate::validate::{Index, Repo};
use crate::workspace::{edit, yaml};
use std::path::Path;

/// One decision, with both controls already resolved (ids as the
/// frameworks write them).
#[derive(Debug)]
pub struct Request<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub source: &'a str,
    pub target: &'a str,
    pub accepted: bool,
    pub kind: RelationKind,
    pub by: Option<String>,
    pub note: Option<String>,
    pub on: Date,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The decision was written to this repository path.
    Written { path: String, created: bool },
    /// The same decision is already recorded there.
    AlreadyDecided { path: String },
    /// Another mapping already holds the pair: nothing to decide.
    AlreadyMapped {
        path: String,
        provenance: ProvenanceKind,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error(
        "{path}: the pair `{source_id}` -> `{target}` is already {was}; to change the decision, delete it (and the relationship, if accepted) from the file, then decide again"
    )]
    Contradicts {
        path: String,
        source_id: String,
        target: String,
        was: &'static str,
    },
    #[error(
        "{path}: {message}; fix the file (`aegis validate` says more) before recording a decision in it"
    )]
    Unreadable { path: String, message: String },
    #[error("{path}: {message}")]
    Write { path: String, message: String },
    /// Text given for the decision that cannot go into a record.
    #[error("{0}")]
    Invalid(String),
}

/// The file decisions between `from` and `to` go to.
pub fn path(from: &str, to: &str) -> String {
    format!("controls/mappings/{from}--{to}.suggested.yaml")
}

/// Records `req` in the repository at `root`, whose checked records and
/// index are `repo` and `index`, and whose files are listed by path in
/// `paths` (by file index).
pub fn record(
    root: &Path,
    repo: &Repo,
    index: &Index,
    paths: &[&str],
    req: &Request,
) -> Result<Outcome, DecideError> {
    let mut problems = Vec::new();
    if let Some(by) = &req.by {
        crate::text::check_line("--by", by, &mut problems);
    }
    if let Some(note) = &req.note {
        crate::text::check_lines("--note", note, &mut problems);
    }
    if !problems.is_empty() {
        return Err(DecideError::Invalid(problems.join("; ")));
    }
    let rel = path(req.from, req.to);
    let same = |a: &str, fw: &str, b: &str| {
        index
            .frameworks
            .get(fw)
            .is_some_and(|e| e.control(a).is_some() && e.control(a) == e.control(b))
    };
    // Either direction: `a`/`b` read from the mapping's own side.
    let pair_is = |m: &Mapping, a: &str, b: &str| {
        if m.source.as_str() == req.from && m.target.as_str() == req.to {
            same(a, req.from, req.source) && same(b, req.to, req.target)
        } else if m.source.as_str() == req.to && m.target.as_str() == req.from {
            same(b, req.from, req.source) && same(a, req.to, req.target)
        } else {
            false
        }
    };
    for m in &repo.mappings {
        let file = paths.get(m.file).copied().unwrap_or("");
        let v = &m.value;
        if let Some(d) = v
            .decisions
            .iter()
            .find(|d| pair_is(v, d.source.as_str(), d.target.as_str()))
        {
            if d.accepted == req.accepted {
                return Ok(Outcome::AlreadyDecided { path: file.into() });
            }
            return Err(DecideError::Contradicts {
                path: file.into(),
                source_id: req.source.into(),
                target: req.target.into(),
                was: if d.accepted { "accepted" } else { "rejected" },
            });
        }
        let mapped = v.relationships.iter().any(|r| {
            r.kind != RelationKind::NoRelationship
                && r.targets
                    .iter()
                    .any(|t| pair_is(v, r.source.as_str(), t.as_str()))
        });
        if mapped {
            return Ok(Outcome::AlreadyMapped {
                path: file.into(),
                provenance: v.provenance.kind,
            });
        }
    }
    let decision = Decision {
        source: ControlId(req.source.into()),
        target: ControlId(req.target.into()),
        accepted: req.accepted,
        by: req.by.clone(),
        on: Some(req.on),
        note: req.note.clone(),
    };
    let relation = req.accepted.then(|| Relation {
        source: ControlId(req.source.into()),
        targets: vec![ControlId(req.target.into())],
        kind: req.kind,
        rationale: None,
        strength: None,
        coverage: None,
        via: Vec::new(),
        note: None,
    });
    let target = root.join(&rel);
    let write_err = |message: String| DecideError::Write {
        path: rel.clone(),
        message,
    };
    let _lock = crate::import::swap::lock(root).map_err(|e| write_err(e.to_string()))?;
    let (text, created) = match std::fs::read_to_string(&target) {
        Ok(old) => (append(&rel, &old, relation, decision, req)?, false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let m = Mapping {
                schema_version: 1,
                source: FrameworkId(req.from.into()),
                target: FrameworkId(req.to.into()),
                provenance: Provenance {
                    kind: ProvenanceKind::Suggested,
                    document: None,
                    url: None,
                    sha256: None,
                    hub: None,
                },
                relationships: relation.into_iter().collect(),
                decisions: vec![decision],
            };
            let text = crate::import::native::render(&rel, Kind::Mapping, &m)
                .map_err(|e| write_err(e.to_string()))?;
            (text, true)
        }
        Err(e) => return Err(write_err(format!("cannot read it: {e}"))),
    };
    crate::write::write_atomic(&target, text.as_bytes())
        .map_err(|e| write_err(format!("cannot write it: {e}")))?;
    Ok(Outcome::Written { path: rel, created })
}

/// The existing file's text with the relationship and decision appended,
/// checked by reading it back.
fn append(
    rel: &str,
    old: &str,
    relation: Option<Relation>,
    decision: Decision,
    req: &Request,
) -> Result<String, DecideError> {
    let unreadable = |message: String| DecideError::Unreadable {
        path: rel.into(),
        message,
    };
    let parse = |t: &str| {
        let body = t.strip_prefix('\u{feff}').unwrap_or(t);
        let shift = yaml::Shift {
            lines: 0,
            bytes: t.len() - body.len(),
        };
        yaml::parse(body, yaml::YamlLimits::default(), shift)
            .map_err(|e| format!("line {}: {}", e.pos.line, e.message))
    };
    let read = |t: &str| -> Result<Mapping, String> {
        let tree = parse(t)?;
        serde_json::from_value(tree.to_json()).map_err(|e| e.to_string())
    };
    let mut expected = read(old).map_err(unreadable)?;
    if expected.provenance.kind != ProvenanceKind::Suggested
        || expected.source.as_str() != req.from
        || expected.target.as_str() != req.to
    {
        return Err(unreadable(format!(
            "it should hold suggested pairs from `{}` to `{}`, and holds {} pairs from `{}` to `{}`",
            req.from,
            req.to,
            expected.provenance.kind.as_str(),
            expected.source,
            expected.target
        )));
    }
    let mut text = old.to_string();
    if let Some(r) = &relation {
        let tree = parse(&text).map_err(unreadable)?;
        text = edit::append_item(
            &text,
            &tree,
            "relationships",
            &item(r).map_err(unreadable)?,
            "provenance",
        )
        .map_err(|e| unreadable(e.to_string()))?;
        expected.relationships.push(r.clone());
    }
    let tree = parse(&text).map_err(unreadable)?;
    let after = if expected.relationships.is_empty() {
        "provenance"
    } else {
        "relationships"
    };
    text = edit::append_item(
        &text,
        &tree,
        "decisions",
        &item(&decision).map_err(unreadable)?,
        after,
    )
    .map_err(|e| unreadable(e.to_string()))?;
    expected.decisions.push(decision);
    match read(&text) {
        Ok(m) if m == expected => Ok(text),
        _ => Err(unreadable(
            "the decision could not be added in place; add it by hand".into(),
        )),
    }
}

/// A record as the YAML of one list item.
fn item<T: serde::Serialize>(v: &T) -> Result<String, String> {
    serde_saphyr::to_string(v).map_err(|e| e.to_string())
}
