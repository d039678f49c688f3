//! `aegis crosswalk infer FROM TO`: keeps the relationships inferred
//! through hub frameworks in a mapping file, so they can be reviewed in a
//! pull request and read without the hubs' mappings.

use crate::crosswalk::{Graph, Node};
use crate::model::{
    ControlId, ControlRef, FrameworkId, Mapping, Provenance, ProvenanceKind, Relation,
};
use crate::output::escape;
use crate::schema::Kind;
use crate::validate;
use anyhow::{Context, bail};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct InferArgs {
    /// The framework the relationships start from.
    pub from: String,
    /// The framework they lead to.
    pub to: String,
    /// Only through this hub framework (every framework by default).
    #[arg(long)]
    pub via: Option<String>,
    /// Print what would be written; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
}

pub fn run(a: &InferArgs) -> anyhow::Result<u8> {
    let ws = crate::workspace::load(&a.repo)?;
    let outcome = validate::index_only(&ws);
    let rel = format!("controls/mappings/{}--{}.inferred.yaml", a.from, a.to);
    // The file is rewritten from the other mappings, never from itself.
    let own: Vec<usize> = ws
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.path == rel)
        .map(|(i, _)| i)
        .collect();
    let g = Graph::build_without(&outcome, &own);
    let known = || g.frameworks.join(", ");
    let (Some(from_fw), Some(to_fw)) = (g.framework(&a.from), g.framework(&a.to)) else {
        bail!(
            "`{}` and `{}` must both be frameworks of the repository (frameworks: {})",
            escape::text(&a.from),
            escape::text(&a.to),
            known()
        );
    };
    if from_fw == to_fw {
        bail!("a framework is not mapped to itself");
    }
    let hub = match &a.via {
        Some(h) => Some(g.framework(h).with_context(|| {
            format!(
                "no framework `{}` (frameworks: {})",
                escape::text(h),
                known()
            )
        })?),
        None => None,
    };
    let entry = outcome
        .index
        .frameworks
        .get(&a.from)
        .context("framework vanished from the index")?;
    let mut relationships = Vec::new();
    let mut hubs = std::collections::BTreeSet::new();
    for (i, c) in entry.controls.iter().enumerate() {
        if c.withdrawn {
            continue;
        }
        let node = Node {
            framework: from_fw,
            control: u32::try_from(i)?,
        };
        for l in g.links(node, to_fw) {
            if !l.inferred() {
                continue;
            }
            let via: Vec<Node> = l
                .path
                .iter()
                .skip(1)
                .filter_map(|&e| g.edges.get(e).map(|e| e.from))
                .collect();
            if hub.is_some_and(|h| via.iter().any(|n| n.framework != h)) {
                continue;
            }
            hubs.extend(via.iter().map(|n| n.framework));
            relationships.push(Relation {
                source: ControlId(g.display(l.from).to_string()),
                targets: vec![ControlId(g.display(l.to).to_string())],
                kind: l.kind,
                rationale: None,
                strength: l.strength,
                coverage: None,
                via: via
                    .iter()
                    .map(|n| ControlRef(format!("{}:{}", g.framework_id(*n), g.display(*n))))
                    .collect(),
                note: None,
            });
        }
    }
    let single_hub = (hubs.len() == 1)
        .then(|| {
            hubs.iter()
                .next()
                .map(|h| FrameworkId(g.framework_id_of(*h).to_string()))
        })
        .flatten();
    let mapping = Mapping {
        schema_version: 1,
        source: FrameworkId(a.from.clone()),
        target: FrameworkId(a.to.clone()),
        provenance: Provenance {
            kind: ProvenanceKind::Inferred,
            document: Some(
                "inferred by `aegis crosswalk infer` from the repository's mappings; each relationship's `via` is its path"
                    .into(),
            ),
            url: None,
            sha256: None,
            hub: single_hub,
        },
        relationships,
        decisions: Vec::new(),
    };
    let text = crate::import::native::render(&rel, Kind::Mapping, &mapping)?;
    let n = mapping.relationships.len();
    if a.dry_run {
        let shown = escape::lines(&text);
        print!("{shown}");
        if !shown.ends_with('\n') {
            println!();
        }
        eprintln!("{n} inferred relationship(s); nothing written (--dry-run)");
        return Ok(0);
    }
    let path = a.repo.join(&rel);
    if n == 0 {
        bail!(
            "nothing can be inferred from {} to {}{}: no chain of mappings through a hub composes into a certain relationship (see docs/crosswalk/inference.md)",
            escape::text(&a.from),
            escape::text(&a.to),
            a.via
                .as_deref()
                .map(|h| format!(" via {}", escape::text(h)))
                .unwrap_or_default()
        );
    }
    let changed = crate::write::write_if_changed(&path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!(
        "{} {rel}: {n} inferred relationship(s)",
        if changed { "wrote" } else { "unchanged" }
    );
    Ok(0)
}
