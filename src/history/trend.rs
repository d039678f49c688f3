//! The trend over history (`aegis history`): coverage, gaps per reason and
//! the gate's verdict per system and selection at each commit of a
//! first-parent line.
//!
//! Cost: commits whose compliance folder has the same tree and are judged
//! on the same day are assessed once. Each thread walks a contiguous
//! stretch of the line (`pipeline::walk`): a commit that changes only
//! implementation files is patched into the run of the commit before, any
//! other gets a full run that takes parsed files and checked records from
//! the commits before it.

use super::Error;
use crate::assess::Reason;
use crate::hashing::HashMap;
use crate::model::Date;
use crate::output::escape;
use crate::pipeline::walk::Walk;
use crate::workspace::git::{At, Commit, GitError, GitRepo, Parent, end_of_day};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// Which commits, and how to judge them.
#[derive(Clone, Debug)]
pub struct Options {
    /// The tip of the line (a revision; HEAD by default).
    pub rev: String,
    /// At most this many commits.
    pub max_count: usize,
    /// Only commits made on or after this day (UTC).
    pub since: Option<Date>,
    /// Only commits made on or before this day (UTC).
    pub until: Option<Date>,
    /// Judge every commit's dates as of this day instead of its own date.
    pub as_of: Option<Date>,
}

/// The posture at every commit, oldest first.
#[derive(Clone, Debug, Serialize)]
pub struct Trend {
    pub version: u32,
    pub commits: Vec<Point>,
    /// Commits of the line where the compliance folder or its aegis.yaml
    /// did not exist (before it was created, say).
    pub skipped: Vec<String>,
    /// The line was cut short by a shallow clone.
    pub shallow: bool,
    /// Commits judged by patching the run of the commit before
    /// (`pipeline::walk`) rather than by a full run.
    #[serde(skip)]
    pub patched: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Point {
    pub commit: Commit,
    pub as_of: Date,
    /// The gate passed at this commit.
    pub passed: bool,
    pub errors: usize,
    pub selections: Vec<SelectionPoint>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SelectionPoint {
    pub system: String,
    /// `framework` or `framework@baseline`.
    pub selection: String,
    pub controls: usize,
    pub coverage: f64,
    pub gaps: usize,
    /// Gaps per reason (a gap with two reasons counts under both).
    pub by_reason: BTreeMap<String, usize>,
}

/// What one evaluated state contributes to its points.
#[derive(Clone)]
struct Verdict {
    passed: bool,
    errors: usize,
    selections: Vec<SelectionPoint>,
}

/// Evaluates the first-parent line `opts` names in the repository at `root`.
pub fn run(root: &Path, opts: &Options) -> Result<Trend, Error> {
    let git = GitRepo::open(root)?;
    let mut tip = git.resolve(&At::Rev(opts.rev.clone()))?;
    if let Some(until) = opts.until {
        let end = end_of_day(until);
        while tip.time >= end {
            match git.first_parent(tip.oid)? {
                Parent::Commit(p) => tip = git.commit(p)?,
                end => {
                    return Ok(Trend {
                        version: 1,
                        commits: Vec::new(),
                        skipped: Vec::new(),
                        shallow: end == Parent::Missing,
                        patched: 0,
                    });
                }
            }
        }
    }
    let since = opts.since.map(|d| end_of_day(d) - 86_400);
    let (line, shallow) = git.first_parent_line(&tip, opts.max_count, since)?;

    // One evaluation per distinct (tree, day).
    let day_of = |c: &Commit| opts.as_of.unwrap_or(c.date);
    let mut states: Vec<(gix::ObjectId, Date, &Commit)> = Vec::new();
    let mut seen = BTreeSet::new();
    for c in &line {
        if let Some(t) = c.tree
            && seen.insert((t, day_of(c)))
        {
            states.push((t, day_of(c), c));
        }
    }
    // Each thread takes a contiguous stretch of the line and walks it one
    // state after the other, so a state's parsed files pass to the next
    // (which shares almost all of them) instead of being copied; each
    // stretch has a cache of its own.
    let stretch = states
        .len()
        .div_ceil(rayon::current_num_threads().max(1))
        .max(1);
    let patched = std::sync::atomic::AtomicUsize::new(0);
    let evaluated: Vec<((gix::ObjectId, Date), Result<Verdict, GitError>)> = states
        .par_chunks(stretch)
        .flat_map_iter(|part| {
            let git = git.fork();
            let mut walk = Walk::default();
            let mut points = Vec::new();
            let out = part
                .iter()
                .map(|(tree, day, c)| {
                    (
                        (*tree, *day),
                        evaluate(&git, &mut walk, &mut points, c, *day),
                    )
                })
                .collect::<Vec<_>>();
            patched.fetch_add(walk.patched, std::sync::atomic::Ordering::Relaxed);
            walk.finish(&git);
            out
        })
        .collect();
    let mut verdicts: HashMap<(gix::ObjectId, Date), Option<Verdict>> = HashMap::default();
    for (k, v) in evaluated {
        match v {
            Ok(v) => verdicts.insert(k, Some(v)),
            Err(GitError::NoRepositoryAt { .. }) => verdicts.insert(k, None),
            Err(e) => return Err(e.into()),
        };
    }
    let mut commits = Vec::new();
    let mut skipped = Vec::new();
    for c in line.iter().rev() {
        let v = c
            .tree
            .and_then(|t| verdicts.get(&(t, day_of(c))).cloned().flatten());
        match v {
            Some(v) => commits.push(Point {
                commit: c.clone(),
                as_of: day_of(c),
                passed: v.passed,
                errors: v.errors,
                selections: v.selections,
            }),
            None => skipped.push(c.id.clone()),
        }
    }
    Ok(Trend {
        version: 1,
        commits,
        skipped,
        shallow,
        patched: patched.into_inner(),
    })
}

/// Judges one commit; `points` holds each system's points from the commit
/// before, and only the systems assessed again are read again.
fn evaluate(
    git: &GitRepo,
    walk: &mut Walk,
    points: &mut Vec<Vec<SelectionPoint>>,
    c: &Commit,
    day: Date,
) -> Result<Verdict, GitError> {
    let judged = walk.step(git, c, day)?;
    let systems = judged.assessment.map_or(&[][..], |a| a.systems.as_slice());
    points.resize_with(systems.len(), Vec::new);
    for (((s, again), counts), held) in systems
        .iter()
        .zip(judged.assessed)
        .zip(judged.counts)
        .zip(points.iter_mut())
    {
        if !*again {
            continue;
        }
        *held = s
            .selections
            .iter()
            .zip(counts)
            .map(|(sel, n)| SelectionPoint {
                system: s.id.clone(),
                selection: sel.label(),
                controls: n.controls,
                coverage: n.coverage,
                gaps: n.gaps,
                by_reason: n.by_reason.clone(),
            })
            .collect();
    }
    Ok(Verdict {
        passed: judged.passed,
        errors: judged.errors,
        selections: points.iter().flatten().cloned().collect(),
    })
}

pub fn human(t: &Trend) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<12}  {:<10}  {:<6}  {:<40}  {:>8}  {:>5}  reasons",
        "commit", "date", "gate", "system/selection", "coverage", "gaps"
    );
    for p in t.commits.iter().rev() {
        let gate = if p.passed { "passed" } else { "failed" };
        if p.selections.is_empty() {
            let _ = writeln!(
                o,
                "{:<12}  {:<10}  {gate:<6}",
                p.commit.short(),
                p.commit.date
            );
        }
        for s in &p.selections {
            let reasons: Vec<String> = s
                .by_reason
                .iter()
                .map(|(r, n)| format!("{r} {n}"))
                .collect();
            let _ = writeln!(
                o,
                "{:<12}  {:<10}  {gate:<6}  {:<40}  {:>7.1}%  {:>5}  {}",
                p.commit.short(),
                p.commit.date,
                escape::text(&format!("{}/{}", s.system, s.selection)),
                s.coverage,
                s.gaps,
                escape::text(&reasons.join(", "))
            );
        }
    }
    let _ = writeln!(
        o,
        "\n{} commits evaluated{}{}",
        t.commits.len(),
        if t.skipped.is_empty() {
            String::new()
        } else {
            format!(", {} without the compliance repository", t.skipped.len())
        },
        if t.shallow {
            "; the history stops early: this clone is shallow (fetch with `fetch-depth: 0`)"
        } else {
            ""
        }
    );
    o
}

pub fn json(t: &Trend) -> String {
    let mut s = serde_json::to_string_pretty(t).unwrap_or_default();
    s.push('\n');
    escape::json(&s).into_owned()
}

/// One row per commit and selection, oldest first, a column per reason.
pub fn csv(t: &Trend) -> String {
    let mut o = String::from("commit,date,as_of,gate,system,selection,controls,coverage,gaps");
    for r in Reason::ALL {
        o.push(',');
        o.push_str(r.as_str());
    }
    o.push('\n');
    let cell = |s: &str| {
        let s = escape::csv_cell(&escape::text(s)).into_owned();
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    };
    for p in &t.commits {
        for s in &p.selections {
            let _ = write!(
                o,
                "{},{},{},{},{},{},{},{:.1},{}",
                p.commit.id,
                p.commit.date,
                p.as_of,
                if p.passed { "passed" } else { "failed" },
                cell(&s.system),
                cell(&s.selection),
                s.controls,
                s.coverage,
                s.gaps
            );
            for r in Reason::ALL {
                let _ = write!(o, ",{}", s.by_reason.get(r.as_str()).copied().unwrap_or(0));
            }
            o.push('\n');
        }
    }
    o
}

/// Coverage over the commits as an SVG line chart, one line per system
/// and selection.
pub fn svg(t: &Trend) -> String {
    let mut series: BTreeMap<String, Vec<(usize, f64)>> = BTreeMap::new();
    for (i, p) in t.commits.iter().enumerate() {
        for s in &p.selections {
            series
                .entry(format!("{}/{}", s.system, s.selection))
                .or_default()
                .push((i, s.coverage));
        }
    }
    let labels: Vec<String> = t
        .commits
        .iter()
        .map(|p| format!("{} {}", p.commit.date, p.commit.short()))
        .collect();
    crate::report::chart::lines("Coverage over history", &labels, &series, 100.0, "%")
}
