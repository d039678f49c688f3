//! The gap engine's report: one line per selection for the gate's
//! summary, the full human listing, the JSON contract, CSV and Markdown.

use super::escape;
use crate::assess::{Assessment, ControlStatus, Selection, Status};
use serde::Serialize;
use std::fmt::Write;

/// One line per system and selection: coverage and gaps by reason.
pub fn summary(a: &Assessment) -> String {
    let mut out = String::new();
    for s in &a.systems {
        for sel in &s.selections {
            let _ = writeln!(out, "{}", selection_line(&s.id, sel));
        }
    }
    out
}

fn selection_line(system: &str, sel: &Selection) -> String {
    let gaps = sel.gaps().count();
    let excepted = sel.controls.iter().filter(|c| c.is_excepted()).count();
    let mut line = format!(
        "{} {}: coverage {:.1}% ({} of {} controls satisfied), {} {}",
        escape::text(system),
        escape::text(&sel.label()),
        sel.coverage(),
        sel.satisfied(),
        sel.controls.len(),
        gaps,
        if gaps == 1 { "gap" } else { "gaps" }
    );
    let by: Vec<String> = sel
        .by_reason()
        .into_iter()
        .map(|(r, n)| format!("{} {n}", r.as_str()))
        .collect();
    if !by.is_empty() {
        let _ = write!(line, " ({})", by.join(", "));
    }
    if excepted > 0 {
        let _ = write!(line, ", {excepted} covered by exceptions");
    }
    line
}

/// Every control of every selection, with its status and reasons.
pub fn human(a: &Assessment, only_gaps: bool) -> String {
    let mut out = String::new();
    for s in &a.systems {
        for sel in &s.selections {
            let _ = writeln!(out, "{}", selection_line(&s.id, sel));
            for c in &sel.controls {
                if only_gaps && c.reasons.is_empty() {
                    continue;
                }
                let _ = writeln!(out, "  {}", control_line(c));
                for g in &c.reasons {
                    let _ = writeln!(
                        out,
                        "      {}: {}",
                        g.reason.as_str(),
                        escape::text(&g.detail)
                    );
                }
            }
            out.push('\n');
        }
    }
    if a.systems.is_empty() {
        out.push_str("no systems in aegis.yaml select a framework\n");
    }
    out
}

fn control_line(c: &ControlStatus) -> String {
    let mark = if c.is_gap() {
        "GAP "
    } else if c.is_excepted() {
        "EXC "
    } else {
        "ok  "
    };
    let mut line = format!(
        "{mark}{:<14} {}",
        escape::text(&c.control),
        c.status.as_str()
    );
    if let Some(from) = &c.inherited_from {
        let _ = write!(line, " from {}", escape::text(from));
    }
    if !c.via.is_empty() {
        let _ = write!(line, " {}", path_text(c));
    }
    if !c.exceptions.is_empty() {
        let _ = write!(
            line,
            " [exception {}]",
            escape::text(&c.exceptions.join(", "))
        );
    }
    if let Some(p) = &c.poam {
        let _ = write!(line, " {p}");
    }
    line
}

/// `via iso:A.5.15 (equal, official) ← ...`, inferred paths labelled.
fn path_text(c: &ControlStatus) -> String {
    let steps: Vec<String> = c
        .via
        .iter()
        .map(|s| {
            format!(
                "{} -[{}, {}]-> {}",
                escape::text(&s.from),
                s.kind,
                s.provenance,
                escape::text(&s.to)
            )
        })
        .collect();
    let label = if c.inferred { "inferred via" } else { "via" };
    format!("{label} {}", steps.join(" then "))
}

/// Why one control has the status it has, step by step.
pub fn explain(a: &Assessment, control: &str) -> Option<String> {
    let wanted = crate::model::normalize_control_id(control.rsplit(':').next().unwrap_or(control));
    let mut out = String::new();
    for s in &a.systems {
        for sel in &s.selections {
            for c in &sel.controls {
                if crate::model::normalize_control_id(&c.control) != wanted {
                    continue;
                }
                let _ = writeln!(
                    out,
                    "{} in system {} ({}):",
                    escape::text(&c.control),
                    escape::text(&s.id),
                    escape::text(&sel.label())
                );
                let mut n = 1;
                let mut step = |text: String| {
                    let _ = writeln!(out, "  {n}. {text}");
                    n += 1;
                };
                step(format!("it is in {}", escape::text(&sel.label())));
                match (&c.implementation, c.status) {
                    (Some(file), st) => {
                        step(format!("{} says it is {}", escape::text(file), st.as_str()))
                    }
                    (None, Status::Crosswalk) => {
                        step("no implementation of it in this system".into());
                        step(format!("it is met through the crosswalk: {}", path_text(c)));
                        for v in &c.via {
                            step(format!(
                                "step {} -> {} is {} ({}), read from {}{}",
                                escape::text(&v.from),
                                escape::text(&v.to),
                                v.kind,
                                v.provenance,
                                escape::text(&v.mapping),
                                v.strength
                                    .map(|x| format!(", strength {x}"))
                                    .unwrap_or_default()
                            ));
                        }
                    }
                    (None, _) => step("no implementation of it in this system".into()),
                }
                if let Some(j) = &c.justification {
                    step(format!("justification: {}", escape::text(j)));
                }
                if let Some(from) = &c.inherited_from {
                    step(format!("inherited from {}", escape::text(from)));
                }
                if c.reasons.is_empty() {
                    step("nothing falls short: it is satisfied".into());
                }
                for g in &c.reasons {
                    step(format!(
                        "{}: {}",
                        g.reason.as_str(),
                        escape::text(&g.detail)
                    ));
                }
                if !c.exceptions.is_empty() {
                    step(format!(
                        "exception(s) in force cover it, so it is not counted: {}",
                        escape::text(&c.exceptions.join(", "))
                    ));
                } else if !c.reasons.is_empty() {
                    step(format!(
                        "so it is a gap{}",
                        c.poam
                            .as_ref()
                            .map(|p| format!(", plan-of-action item {p}"))
                            .unwrap_or_default()
                    ));
                }
                out.push('\n');
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    systems: Vec<SystemDoc<'a>>,
}

#[derive(Serialize)]
struct SystemDoc<'a> {
    id: &'a str,
    baselines: Vec<BaselineDoc<'a>>,
}

#[derive(Serialize)]
struct BaselineDoc<'a> {
    framework: &'a str,
    baseline: Option<&'a str>,
    controls: usize,
    satisfied: usize,
    coverage: f64,
    gaps: Vec<GapDoc<'a>>,
    /// Controls that fall short but an exception in force covers.
    excepted: Vec<GapDoc<'a>>,
    /// Every control with its status (added within contract v1).
    statuses: &'a [ControlStatus],
}

#[derive(Serialize)]
struct GapDoc<'a> {
    control: &'a str,
    reasons: Vec<&'static str>,
    poam: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    exceptions: Vec<&'a str>,
}

fn gap_doc(c: &ControlStatus) -> GapDoc<'_> {
    let mut reasons: Vec<&'static str> = c.reasons.iter().map(|g| g.reason.as_str()).collect();
    reasons.dedup();
    GapDoc {
        control: &c.control,
        reasons,
        poam: c.poam.as_deref(),
        exceptions: c.exceptions.iter().map(String::as_str).collect(),
    }
}

/// The JSON contract (version 1).
pub fn json_value(a: &Assessment) -> serde_json::Value {
    let doc = Doc {
        version: 1,
        systems: a
            .systems
            .iter()
            .map(|s| SystemDoc {
                id: &s.id,
                baselines: s
                    .selections
                    .iter()
                    .map(|sel| BaselineDoc {
                        framework: &sel.framework,
                        baseline: sel.baseline.as_deref(),
                        controls: sel.controls.len(),
                        satisfied: sel.satisfied(),
                        coverage: sel.coverage(),
                        gaps: sel.gaps().map(gap_doc).collect(),
                        excepted: sel
                            .controls
                            .iter()
                            .filter(|c| c.is_excepted())
                            .map(gap_doc)
                            .collect(),
                        statuses: &sel.controls,
                    })
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_value(doc).unwrap_or_default()
}

pub fn json(a: &Assessment) -> String {
    let mut s = serde_json::to_string_pretty(&json_value(a)).unwrap_or_default();
    s.push('\n');
    s
}

/// One row per control that falls short (gaps and excepted ones), for
/// spreadsheets and POA&M tooling.
pub fn csv(a: &Assessment, only_gaps: bool) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "system",
        "framework",
        "baseline",
        "control",
        "status",
        "gap",
        "reasons",
        "details",
        "exceptions",
        "poam",
        "via",
    ]);
    for s in &a.systems {
        for sel in &s.selections {
            for c in &sel.controls {
                if only_gaps && c.reasons.is_empty() {
                    continue;
                }
                let reasons: Vec<&str> = c.reasons.iter().map(|g| g.reason.as_str()).collect();
                let details: Vec<&str> = c.reasons.iter().map(|g| g.detail.as_str()).collect();
                let via: Vec<String> = c
                    .via
                    .iter()
                    .map(|v| format!("{}>{}", v.from, v.to))
                    .collect();
                let row = [
                    s.id.as_str(),
                    sel.framework.as_str(),
                    sel.baseline.as_deref().unwrap_or(""),
                    c.control.as_str(),
                    c.status.as_str(),
                    if c.is_gap() { "yes" } else { "no" },
                    &reasons.join(" "),
                    &details.join("; "),
                    &c.exceptions.join(" "),
                    c.poam.as_deref().unwrap_or(""),
                    &via.join(" "),
                ]
                .map(|f| escape::csv_cell(f).into_owned());
                let _ = w.write_record(&row);
            }
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Markdown for a pull request or the repository: a table per selection.
pub fn markdown(a: &Assessment, only_gaps: bool) -> String {
    let mut out = String::from("# Gaps\n\n");
    for s in &a.systems {
        for sel in &s.selections {
            let _ = writeln!(
                out,
                "## {}\n\n{}\n",
                escape::markdown_cell(&format!("{} — {}", s.id, sel.label())),
                escape::markdown_cell(&selection_line(&s.id, sel))
            );
            out.push_str("| control | status | reasons | POA&M |\n| --- | --- | --- | --- |\n");
            for c in &sel.controls {
                if only_gaps && c.reasons.is_empty() {
                    continue;
                }
                let reasons: Vec<String> = c
                    .reasons
                    .iter()
                    .map(|g| format!("{}: {}", g.reason.as_str(), g.detail))
                    .collect();
                let mut status = c.status.as_str().to_string();
                if !c.via.is_empty() {
                    status = format!("{status} ({})", path_text(c));
                }
                if !c.exceptions.is_empty() {
                    status = format!("{status}, exception {}", c.exceptions.join(", "));
                }
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    escape::markdown_cell(&c.control),
                    escape::markdown_cell(&status),
                    escape::markdown_cell(&reasons.join("; ")),
                    escape::markdown_cell(c.poam.as_deref().unwrap_or(""))
                );
            }
            out.push('\n');
        }
    }
    out
}
