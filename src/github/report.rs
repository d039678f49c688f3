//! The Markdown report `publish pr-comment` and `publish summary` post:
//! the gate at HEAD, coverage per system and selection, and (when given)
//! the compliance delta of the change. Every piece of repository text goes
//! through [`super::markdown`].

use super::markdown::{code, text};
use crate::model::Date;
use crate::pipeline;
use std::fmt::Write;
use std::path::Path;

/// Under GitHub's 65,536-character limit for comment and PR bodies, with
/// room for the marker and the note on a cut.
pub const COMMENT_BUDGET: usize = 60_000;

/// The gate's verdict and the numbers behind it.
#[derive(Clone, Debug, Default)]
pub struct Posture {
    pub passed: bool,
    pub errors: usize,
    pub warnings: usize,
    pub selections: Vec<SelectionLine>,
    /// The thresholds missed, in words.
    pub failures: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct SelectionLine {
    pub system: String,
    /// `framework` or `framework@baseline`.
    pub selection: String,
    pub coverage: f64,
    pub satisfied: usize,
    pub controls: usize,
    pub gaps: usize,
}

/// Runs the gate (`aegis check`) on the working tree at `repo`.
pub fn posture(repo: &Path, as_of: Date) -> anyhow::Result<Posture> {
    let run = pipeline::check(
        repo,
        as_of,
        pipeline::CheckOptions {
            appetite: true,
            ..Default::default()
        },
    )?;
    let mut selections = Vec::new();
    if let Some(a) = &run.assessment {
        for s in &a.systems {
            for sel in &s.selections {
                selections.push(SelectionLine {
                    system: s.id.clone(),
                    selection: sel.label(),
                    coverage: sel.coverage(),
                    satisfied: sel.satisfied(),
                    controls: sel.controls.len(),
                    gaps: sel.gaps().count(),
                });
            }
        }
    }
    let failures = run
        .failures
        .iter()
        .map(|f| {
            format!(
                "{} {}: {} needed {}, got {}",
                f.system, f.selection, f.measure, f.needed, f.got
            )
        })
        .collect();
    let passed = !run.failed();
    let p = Posture {
        passed,
        errors: run.summary.errors,
        warnings: run.summary.warnings,
        selections,
        failures,
    };
    std::mem::forget(run);
    Ok(p)
}

/// The report: a title, the gate, coverage, then `sections` (Markdown
/// already escaped, e.g. the delta), cut to `budget` characters with a
/// note pointing at `full_report` when it does not fit.
pub fn markdown(
    posture: &Posture,
    sections: &[String],
    budget: usize,
    full_report: Option<&str>,
) -> String {
    let mut out = String::new();
    out.push_str("### Aegis compliance\n\n");
    if posture.passed {
        out.push_str("**Gate: passed**");
    } else {
        out.push_str("**Gate: failed**");
    }
    let _ = writeln!(
        out,
        " ({} {}, {} {})\n",
        posture.errors,
        plural(posture.errors, "error", "errors"),
        posture.warnings,
        plural(posture.warnings, "warning", "warnings")
    );
    for f in &posture.failures {
        let _ = writeln!(out, "- {}", text(f));
    }
    if !posture.failures.is_empty() {
        out.push('\n');
    }
    if !posture.selections.is_empty() {
        out.push_str("| System | Selection | Coverage | Gaps |\n|---|---|---:|---:|\n");
        for s in &posture.selections {
            let _ = writeln!(
                out,
                "| {} | {} | {:.1}% ({} of {}) | {} |",
                code(&s.system),
                code(&s.selection),
                s.coverage,
                s.satisfied,
                s.controls,
                s.gaps
            );
        }
        out.push('\n');
    }
    for s in sections {
        out.push_str(s);
        if !s.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    cap(out, budget, full_report)
}

/// `body` within `budget` characters: cut on a line boundary, with a note.
pub fn cap(body: String, budget: usize, full_report: Option<&str>) -> String {
    if body.chars().count() <= budget {
        return body;
    }
    let note = match full_report {
        Some(url) => format!(
            "\n\n… cut to fit GitHub's size limit; the full report is in [the run's summary]({url}).\n"
        ),
        None => "\n\n… cut to fit GitHub's size limit; run `aegis diff` for the full report.\n"
            .to_string(),
    };
    let keep = budget.saturating_sub(note.chars().count());
    let head = super::markdown::truncate(&body, keep);
    let head = match head.rfind('\n') {
        Some(i) => &head[..i],
        None => head,
    };
    format!("{head}{note}")
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_reports_are_cut_with_a_link() {
        let body = "line\n".repeat(1000);
        let out = cap(body, 200, Some("https://github.com/o/r/actions/runs/1"));
        assert!(out.chars().count() <= 200);
        assert!(out.ends_with("[the run's summary](https://github.com/o/r/actions/runs/1).\n"));
    }
}
