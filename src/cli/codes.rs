//! `aegis codes`: the diagnostic codes, their default severity and meaning.

use crate::diag::Code;
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Row {
    code: &'static str,
    severity: &'static str,
    stage: &'static str,
    description: &'static str,
    /// aegis.yaml may raise the code but never lower or switch it off.
    protected: bool,
    page: String,
}

/// Code pages, in the repository that published this build.
const PAGES: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/");

pub fn run(args: &Args) -> anyhow::Result<u8> {
    let rows: Vec<Row> = Code::ALL
        .iter()
        .map(|c| {
            let i = c.info();
            Row {
                code: i.name,
                severity: i.severity.as_str(),
                stage: i.stage.as_str(),
                description: i.description,
                protected: c.is_protected(),
                page: format!("{PAGES}{}", c.docs_path()),
            }
        })
        .collect();
    let text = if args.json {
        let mut s = serde_json::to_string_pretty(&rows)?;
        s.push('\n');
        s
    } else {
        let width = rows.iter().map(|r| r.code.len()).max().unwrap_or(0);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:width$}  {:8}  {:9}  DESCRIPTION",
            "CODE", "SEVERITY", "STAGE"
        );
        for r in &rows {
            let severity = if r.protected {
                format!("{}*", r.severity)
            } else {
                r.severity.to_string()
            };
            let _ = writeln!(
                s,
                "{:width$}  {:8}  {:9}  {} {}",
                r.code, severity, r.stage, r.description, r.page
            );
        }
        let _ = writeln!(
            s,
            "\n* protected: aegis.yaml may raise it, never lower it or switch it off.\nChange a severity under `diagnostics:` in aegis.yaml; each line ends with the code's page."
        );
        s
    };
    print!("{text}");
    Ok(0)
}
