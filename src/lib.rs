//! Aegis: a GitOps compliance-as-code toolchain.
//!
//! Every command is the same pipeline: `workspace::load` reads and parses
//! the repository, `validate::run` checks it into the model, an assessment
//! stage (gaps, later) judges it, and `output::render` reports it.

pub mod approval;
pub mod assess;
pub mod change;
pub mod cli;
pub mod crosswalk;
pub mod diag;
pub mod digest;
pub mod edit;
pub mod evidence;
pub mod exceptions;
pub mod excerpt;
pub mod fetch;
pub mod github;
pub mod hashing;
pub mod history;
pub mod implementations;
pub mod import;
pub mod ingest;
pub mod init;
pub mod migrate;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod policies;
pub mod remediation;
pub mod report;
pub mod risk;
pub mod schema;
pub mod sources;
pub mod systems;
pub mod text;
pub mod tracker;
pub mod validate;
pub mod workspace;
pub mod write;
