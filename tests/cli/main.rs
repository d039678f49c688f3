//! The `aegis` command line, end to end: one binary, a module per subcommand.

mod github;
mod harness;

mod action;
mod approvals;
mod check;
mod codes;
mod crosswalk;
mod crosswalk_map;
mod crosswalk_suggest;
mod dry_run;
mod evidence;
mod exceptions;
mod gaps;
mod history;
mod implementation;
mod ingest;
mod init;
mod migrate;
mod policies;
mod program_import;
mod program_import_ods;
mod publish;
mod publish_draft;
mod publish_issues;
mod publish_remediation;
mod publish_stale;
mod remediation;
mod report;
mod risk;
mod risk_lifecycle;
mod risk_simulate;
mod schemas;
mod text_fields;
mod trust;
mod validate;
