//! `aegis crosswalk`: mappings between frameworks.

use crate::output::escape;
use crate::validate;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// List the mapping files: source, target, provenance and how many pairs each holds.
    List(ListArgs),
    /// How two frameworks relate: coverage, and every link with its type, strength and path.
    Show(super::crosswalk_show::ShowArgs),
    /// Keep the relationships inferred through hub frameworks in <from>--<to>.inferred.yaml, for review.
    Infer(super::crosswalk_infer::InferArgs),
    /// Import official crosswalks (CISO Assistant, OSCAL mapping-collection, trestle CSV,
    /// NIST workbooks, DISA's CCI list) into controls/mappings/.
    Import(super::crosswalk_import::ImportArgs),
    /// Rank candidate target controls for each control of FROM, from their text, the
    /// repository's other mappings and the frameworks' structure.
    Suggest(super::crosswalk_suggest::SuggestArgs),
    /// Accept a suggested pair: recorded as a relationship and a decision in
    /// controls/mappings/FROM--TO.suggested.yaml.
    Accept(super::crosswalk_suggest::DecideArgs),
    /// Reject a suggested pair: recorded as a decision, so it is not suggested again.
    Reject(super::crosswalk_suggest::DecideArgs),
    /// State a relationship by hand: recorded in the manual mapping file controls/mappings/FROM--TO.yaml.
    Map(super::crosswalk_map::MapArgs),
    /// Take back a relationship stated by hand (from the manual mapping file).
    Unmap(super::crosswalk_map::UnmapArgs),
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    match &args.command {
        Sub::List(a) => run_list(a),
        Sub::Show(a) => super::crosswalk_show::run(a),
        Sub::Infer(a) => super::crosswalk_infer::run(a),
        Sub::Import(a) => super::crosswalk_import::run(a),
        Sub::Suggest(a) => super::crosswalk_suggest::run_suggest(a),
        Sub::Accept(a) => super::crosswalk_suggest::run_decide(a, true),
        Sub::Reject(a) => super::crosswalk_suggest::run_decide(a, false),
        Sub::Map(a) => super::crosswalk_map::map(a),
        Sub::Unmap(a) => super::crosswalk_map::unmap(a),
    }
}

fn run_list(a: &ListArgs) -> anyhow::Result<u8> {
    let ws = crate::workspace::load(&a.repo)?;
    let outcome = validate::index_only(&ws);
    let mut out = String::new();
    let mut rows: Vec<_> = outcome
        .repo
        .mappings
        .iter()
        .map(|m| {
            let pairs: usize = m.value.relationships.iter().map(|r| r.targets.len()).sum();
            let path = ws.files.get(m.file).map_or("", |f| f.path.as_str());
            (path, &m.value, pairs)
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(b.0));
    for (path, m, pairs) in &rows {
        let _ = writeln!(
            out,
            "{}  {} -> {}  {}  {} pair(s), {} decision(s)",
            escape::text(path),
            escape::text(m.source.as_str()),
            escape::text(m.target.as_str()),
            m.provenance.kind.as_str(),
            pairs,
            m.decisions.len()
        );
    }
    if rows.is_empty() {
        out.push_str("no mapping files under controls/mappings/\n");
    }
    print!("{out}");
    Ok(0)
}
