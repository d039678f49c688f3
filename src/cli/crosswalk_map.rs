//! `aegis crosswalk map|unmap`: state (or take back) one relationship by
//! hand, in the manual mapping file between two frameworks.

use super::exceptions::refused;
use crate::crosswalk::manual::{self, Done};
use crate::model::{Rationale, RelationKind};
use crate::output::escape;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    Equal,
    SubsetOf,
    SupersetOf,
    IntersectsWith,
    NoRelationship,
}

impl From<KindArg> for RelationKind {
    fn from(k: KindArg) -> RelationKind {
        match k {
            KindArg::Equal => RelationKind::Equal,
            KindArg::SubsetOf => RelationKind::SubsetOf,
            KindArg::SupersetOf => RelationKind::SupersetOf,
            KindArg::IntersectsWith => RelationKind::IntersectsWith,
            KindArg::NoRelationship => RelationKind::NoRelationship,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RationaleArg {
    Syntactic,
    Semantic,
    Functional,
}

impl From<RationaleArg> for Rationale {
    fn from(r: RationaleArg) -> Rationale {
        match r {
            RationaleArg::Syntactic => Rationale::Syntactic,
            RationaleArg::Semantic => Rationale::Semantic,
            RationaleArg::Functional => Rationale::Functional,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct MapArgs {
    /// The source control, FRAMEWORK:ID (an id alone when one framework has it).
    pub from: String,
    /// The target control, FRAMEWORK:ID, in another framework.
    pub to: String,
    /// How FROM's requirement relates to TO's, as sets (NIST OLIR).
    #[arg(long = "type", value_enum)]
    pub kind: KindArg,
    /// What the relationship was judged on (NIST IR 8477).
    #[arg(long, value_enum)]
    pub rationale: Option<RationaleArg>,
    /// Why, in words (recorded as `note`).
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    #[command(flatten)]
    pub common: super::risk_edit::Common,
}

#[derive(Debug, clap::Args)]
pub struct UnmapArgs {
    /// The source control, FRAMEWORK:ID.
    pub from: String,
    /// The target control, FRAMEWORK:ID.
    pub to: String,
    #[command(flatten)]
    pub common: super::risk_edit::Common,
}

fn pair(d: &Done) -> String {
    format!(
        "{} -> {}",
        escape::text(&d.from.to_string()),
        escape::text(&d.to.to_string())
    )
}

/// The other files that relate the pair, so nobody is surprised that the
/// crosswalk still links it.
fn notes(d: &Done) {
    for (path, provenance, kind) in &d.elsewhere {
        eprintln!(
            "note: {} is also related in {} ({}, {})",
            pair(d),
            escape::text(path),
            provenance.as_str(),
            kind.as_str()
        );
    }
}

pub fn map(a: &MapArgs) -> anyhow::Result<u8> {
    let kind = RelationKind::from(a.kind);
    let dry = super::framework::DryRunArg {
        dry_run: a.common.dry_run,
    };
    let mut planned = Vec::new();
    refused(
        manual::map(
            &a.common.repo,
            &a.from,
            &a.to,
            manual::Judgement {
                kind,
                rationale: a.rationale.map(Rationale::from),
                note: a.note.as_deref(),
            },
            a.common.dry_run,
            &mut planned,
        )
        .map(|d| {
            dry.finish(&planned);
            let path = escape::text(&d.path).into_owned();
            let was = d
                .before
                .map_or(String::new(), |b| format!(" (was {})", b.as_str()));
            if !d.changed {
                eprintln!(
                    "{} is already {} in {path}; nothing to change, nothing written",
                    pair(&d),
                    kind.as_str()
                );
            } else if a.common.dry_run {
                eprintln!(
                    "would map {} as {}{was} in {path}{}",
                    pair(&d),
                    kind.as_str(),
                    if d.created { " (a new file)" } else { "" }
                );
            } else {
                eprintln!(
                    "mapped {} as {}{was}: {} {path}",
                    pair(&d),
                    kind.as_str(),
                    if d.created { "created" } else { "updated" }
                );
            }
            notes(&d);
            0
        }),
    )
}

pub fn unmap(a: &UnmapArgs) -> anyhow::Result<u8> {
    let dry = super::framework::DryRunArg {
        dry_run: a.common.dry_run,
    };
    let mut planned = Vec::new();
    refused(
        manual::unmap(
            &a.common.repo,
            &a.from,
            &a.to,
            a.common.dry_run,
            &mut planned,
        )
        .map(|d| {
            dry.finish(&planned);
            let path = escape::text(&d.path).into_owned();
            if !d.changed {
                eprintln!(
                    "{} has no manual relationship in {path}; nothing to change, nothing written",
                    pair(&d)
                );
            } else if a.common.dry_run {
                eprintln!(
                    "would unmap {} ({}) in {path}",
                    pair(&d),
                    d.before.map_or("", |k| k.as_str())
                );
            } else {
                eprintln!(
                    "unmapped {} ({}): updated {path}",
                    pair(&d),
                    d.before.map_or("", |k| k.as_str())
                );
            }
            notes(&d);
            0
        }),
    )
}
