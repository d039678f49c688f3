//! The command line: clap definitions and one file per subcommand. Wiring
//! only; the work happens in the pipeline stages.

mod codes;
mod crosswalk;
mod crosswalk_import;
mod crosswalk_infer;
// Manual relationships: crosswalk map|unmap (issue 12).
mod crosswalk_map;
mod crosswalk_show;
mod crosswalk_suggest;
mod diff;
mod evidence;
// Exception lifecycle (issue 12).
mod evidence_sign;
mod exceptions;
mod findings;
mod framework;
mod gaps;
mod gate;
mod history;
// Implementation lifecycle (issue 12).
mod implementation;
mod implementation_list;
mod ingest;
mod init;
mod migrate;
mod policy;
// Spreadsheet program import (issue 12).
mod program;
mod remediation;
mod report;
mod risk;
// Risk lifecycle: add, update, close, accept, show (issue 12).
mod risk_edit;
mod risk_show;
mod risk_simulate;
mod schemas;
// Systems of aegis.yaml (issue 12).
mod system;
// OSCAL SSP and component definition import (issue 10).
mod oscal;
// GitHub: PR comments, job summaries, draft PRs, nudges (issue 11).
pub mod publish;
mod publish_issues;

use clap::{Parser, Subcommand};

pub use gate::GateArgs;

/// Shown under `--help`: what scripts and CI branch on.
const EXIT_CODES: &str = "Exit codes:
  0  clean: nothing at or above the gate's severity
  1  findings at or above the gate's severity (`gate.fail_on` in aegis.yaml)
  2  the command could not run (not a repository, bad arguments, I/O, a refused source)";

#[derive(Debug, Parser)]
#[command(
    name = "aegis",
    version,
    about = "Compliance as code: validate, crosswalk and gate a compliance program kept in git",
    long_about = None,
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every file of a compliance repository: schema, references, evidence, dates.
    Validate(GateArgs),
    /// The CI gate: validate, assess gaps per system and baseline, and judge them against the thresholds in aegis.yaml.
    Check(gate::CheckArgs),
    /// The gaps per system and baseline: every control's status and what falls short, with --explain.
    Gaps(gaps::Args),
    /// Render a report: SSP, assessment plan or results, POA&M, gaps, crosswalk, evidence, policies, risks, dashboard.
    Report(report::Args),
    /// Scaffold a new compliance repository that passes `aegis check`.
    Init(init::Args),
    /// Write the JSON Schemas of every file kind (for editors and pre-commit).
    Schemas(schemas::Args),
    /// List every diagnostic code with its default severity and description.
    Codes(codes::Args),
    /// Import, fetch, list, show, export and compare frameworks (OSCAL catalogs and profiles, and more).
    Framework(framework::Args),
    /// Mappings between frameworks: import official crosswalks, infer, suggest, show.
    Crosswalk(crosswalk::Args),
    /// Evidence: add, verify, review, prune, list, hash; sign manifests with Ed25519 keys.
    Evidence(evidence::Args),
    /// Read scanner results (XCCDF/ARF, checklists, HDF, SARIF, Nessus, Prowler, ...) into findings/.
    Ingest(ingest::Args),
    /// List and summarise the scan findings per system, control, target, rule and result.
    Findings(findings::Args),
    /// Import OSCAL system security plans and component definitions into implementations/.
    Oscal(oscal::Args),
    /// Remediation plans from failing scan results: fixes by risk class, playbooks, scripts.
    Remediation(remediation::Args),
    /// Policies: new, list, status, bump, and approvals recorded from pull request reviews.
    Policy(policy::Args),
    /// Exceptions (time-boxed waivers): add, list, renew, close.
    Exceptions(exceptions::Args),
    /// A compliance program kept in spreadsheets: import implementations, evidence, exceptions and risks from XLSX, ODS or CSV.
    Program(program::Args),
    /// Publish to GitHub: sticky PR comment, job summary, draft PR, stale-branch nudges.
    Publish(publish::Args),
    /// The compliance delta between two commits (BASE..HEAD, BASE...HEAD) or a commit and the working tree (BASE..), read through git.
    Diff(diff::Args),
    /// Coverage, gaps per reason and the gate per system and baseline over the last commits (or a date range), read through git.
    History(history::Args),
    /// Rewrite files whose schema_version is outdated, in place, keeping comments and the rest of each file.
    Migrate(migrate::Args),
    /// The risk register: list it with scores and open gaps, draw its heat map, simulate annual loss.
    Risk(risk::Args),
    /// Implementations (how each system meets each control): add, list, set, review.
    #[command(visible_alias = "impl")]
    Implementation(implementation::Args),
    /// The systems of aegis.yaml: add one (in place), list them.
    System(system::Args),
}

/// Runs a command; the result is the process exit code (0 clean, 1 findings
/// at or above the gate). Errors (exit 2) mean the command could not run.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Validate(args) => gate::run(&args),
        Command::Check(args) => gate::run_check(&args),
        Command::Gaps(args) => gaps::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Schemas(args) => schemas::run(&args),
        Command::Codes(args) => codes::run(&args),
        Command::Framework(args) => framework::run(&args),
        Command::Crosswalk(args) => crosswalk::run(&args),
        Command::Evidence(args) => evidence::run(&args),
        Command::Ingest(args) => ingest::run(&args),
        Command::Findings(args) => findings::run(&args),
        Command::Oscal(args) => oscal::run(&args),
        Command::Remediation(args) => remediation::run(&args),
        Command::Policy(args) => policy::run(&args),
        Command::Exceptions(args) => exceptions::run(&args),
        Command::Program(args) => program::run(&args),
        Command::Publish(args) => publish::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::History(args) => history::run(&args),
        Command::Migrate(args) => migrate::run(&args),
        Command::Risk(args) => risk::run(&args),
        Command::Implementation(args) => implementation::run(&args),
        Command::System(args) => system::run(&args),
    }
}

/// Writes a command's report to `output` (atomically) or to standard output.
fn deliver(output: Option<&std::path::Path>, text: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::Write;
    match output {
        Some(path) => crate::write::write_output(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`aegis gaps | head`) is not an error worth a panic.
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            Ok(())
        }
    }
}

/// The formats of tabular reports (`gaps`, `crosswalk show`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    Human,
    Json,
    Csv,
    Markdown,
}
