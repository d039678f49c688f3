//! `aegis ingest FILE|DIR...`.

use crate::ingest::run::{self, Options, Report};
use crate::output::escape;
use std::fmt::Write;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scanner result files, or directories of them (formats are judged by
    /// content; `-` reads standard input).
    #[arg(required_unless_present = "formats")]
    pub inputs: Vec<PathBuf>,
    /// The system the results are about (may be left out when aegis.yaml defines one).
    #[arg(long)]
    pub system: Option<String>,
    /// The target for results whose format names none (a SARIF run's repository, say).
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// Name the state `findings/<system>/<SOURCE>.yaml` instead of after the tool.
    #[arg(long, value_name = "SOURCE")]
    pub source: Option<String>,
    /// Print what was ingested and what changed as JSON.
    #[arg(long)]
    pub json: bool,
    /// List the formats `aegis ingest` reads, then exit.
    #[arg(long)]
    pub formats: bool,
    /// The compliance repository (the directory holding aegis.yaml).
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
}

pub fn run(args: &Args) -> anyhow::Result<u8> {
    if args.formats {
        let mut out = String::new();
        for r in crate::ingest::formats::READERS {
            let _ = writeln!(out, "{:14}  {}", r.name(), r.describe());
        }
        print!("{out}");
        return Ok(0);
    }
    let opts = Options {
        system: args.system.clone(),
        target: args.target.clone(),
        source: args.source.clone(),
    };
    let progress = (std::io::stderr().is_terminal() && args.inputs.len() > 1).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message(format!("reading {} inputs", args.inputs.len()));
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    });
    let report = run::run(&args.repo, &args.inputs, &opts)?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if args.json {
        let mut text = serde_json::to_string_pretty(&report)?;
        text.push('\n');
        print!("{}", escape::json(&text));
    } else {
        eprint!("{}", human(&report));
    }
    Ok(if report.has_errors() { 2 } else { 0 })
}

/// What was read and what changed, for people.
fn human(r: &Report) -> String {
    let mut out = String::new();
    for f in &r.files {
        match (&f.error, f.format) {
            (Some(e), _) => {
                let _ = writeln!(out, "error: {}", escape::text(e));
            }
            (None, Some(format)) => {
                let _ = writeln!(
                    out,
                    "read {} ({format}): {} result(s) in {} run(s)",
                    escape::text(&f.path),
                    f.results,
                    f.scans
                );
            }
            (None, None) => {}
        }
    }
    for s in &r.sources {
        if let Some(e) = &s.error {
            let _ = writeln!(out, "error: {}", escape::text(e));
            continue;
        }
        let changed = s.files.iter().any(|(_, c)| *c);
        let files: Vec<&str> = s.files.iter().map(|(f, _)| f.as_str()).collect();
        let _ = writeln!(
            out,
            "{} {} ({}, {} finding(s)){}",
            if changed { "updated" } else { "unchanged" },
            files.join(", "),
            escape::text(&s.tool),
            s.findings,
            if changed {
                ""
            } else {
                ": the results are what the state already says"
            }
        );
        let d = &s.drift;
        let results: Vec<String> = d
            .results
            .iter()
            .map(|(r, n)| format!("{n} {}", r.as_str()))
            .collect();
        if !results.is_empty() {
            let _ = writeln!(out, "  results: {}", results.join(", "));
        }
        let line = |out: &mut String, what: &str, keys: &[(String, String)]| {
            if keys.is_empty() {
                return;
            }
            let shown: Vec<String> = keys
                .iter()
                .take(10)
                .map(|(t, rule)| {
                    if t.is_empty() {
                        escape::text(rule).into_owned()
                    } else {
                        format!("{} on {}", escape::text(rule), escape::text(t))
                    }
                })
                .collect();
            let more = if keys.len() > 10 {
                format!(" and {} more", keys.len() - 10)
            } else {
                String::new()
            };
            let _ = writeln!(out, "  {what} ({}): {}{more}", keys.len(), shown.join("; "));
        };
        line(&mut out, "new failures", &d.new_failures);
        line(&mut out, "reopened", &d.reopened);
        line(&mut out, "fixed", &d.fixed);
        if !d.still_failing.is_empty() {
            let _ = writeln!(out, "  still failing: {}", d.still_failing.len());
        }
        for c in d.observed.iter().take(20) {
            let _ = writeln!(
                out,
                "  drift: {} on {}: {} went from {} to {}",
                escape::text(&c.rule_id),
                escape::text(&c.target),
                escape::text(&c.name),
                escape::text(c.before.as_deref().unwrap_or("(nothing)")),
                escape::text(c.after.as_deref().unwrap_or("(nothing)")),
            );
        }
        if d.observed.len() > 20 {
            let _ = writeln!(
                out,
                "  drift: {} more changed values",
                d.observed.len() - 20
            );
        }
        if !d.unseen_targets.is_empty() {
            let shown: Vec<String> = d
                .unseen_targets
                .iter()
                .take(10)
                .map(|t| escape::text(t).into_owned())
                .collect();
            let _ = writeln!(
                out,
                "  not in this scan ({}): {}",
                d.unseen_targets.len(),
                shown.join(", ")
            );
        }
        if let Some(n) = s.mapped_by.get("unmapped") {
            let _ = writeln!(
                out,
                "  {n} result(s) map to no control: add a reference table under controls/references/ or `findings.unmapped` in aegis.yaml"
            );
        }
    }
    out
}
