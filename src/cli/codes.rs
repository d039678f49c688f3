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
}

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
        for r in &rows {
            let _ = writeln!(
                s,
                "{:width$}  {:7}  {:9}  {}",
                r.code, r.severity, r.stage, r.description
            );
        }
        s
    };
    print!("{text}");
    Ok(0)
}
