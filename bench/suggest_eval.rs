//! `aegis-suggest-eval`: how many of an official mapping's pairs
//! `aegis crosswalk suggest` finds when the mapping is not in the
//! repository. bench/suggest-eval.sh builds the two repositories; this
//! reads the truth from one and suggests in the other.
//!
//!   aegis-suggest-eval --truth FULL --pair HELDOUT F T [--pair ...] [--set KNOB=VALUE]... [--tune]
//!
//! For each pair, truth is every pair of controls between F and T (either
//! direction) in the mappings of FULL with official provenance, between
//! live controls; HELDOUT must hold no mapping between F and T.
//! Per source control with at least one such target: recall@K is the
//! fraction of its targets in the top K; precision@1 is whether the first
//! candidate is one. All three are macro-averaged over those sources.
//! `--tune` searches the weights (coordinate ascent on the pairs' mean
//! recall@10, then recall@5) and prints the best it found; `--set` changes
//! one weight of the defaults (a name from `KNOBS`) before evaluating or
//! tuning, so a variant can be measured without editing the defaults.

use aegis::crosswalk::suggest::{self, Request, Weights};
use aegis::model::ProvenanceKind;
use aegis::validate::{self, Outcome};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

struct Pair {
    repo: PathBuf,
    from: String,
    to: String,
}

struct Args {
    truth: PathBuf,
    pairs: Vec<Pair>,
    tune: bool,
    /// `--set KNOB=VALUE`: weights changed from the defaults before
    /// evaluating or tuning, to measure one variant by hand.
    set: Vec<(String, f64)>,
}

const USAGE: &str = "usage: aegis-suggest-eval --truth FULL --pair HELDOUT FROM TO [--pair ...] [--set KNOB=VALUE]... [--tune]";

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let (mut truth, mut pairs, mut tune, mut set) = (None, Vec::new(), false, Vec::new());
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value; {USAGE}"));
        match a.as_str() {
            "--truth" => truth = Some(PathBuf::from(value()?)),
            "--pair" => pairs.push(Pair {
                repo: PathBuf::from(value()?),
                from: value()?,
                to: value()?,
            }),
            "--tune" => tune = true,
            "--set" => {
                let v = value()?;
                let (k, x) = v
                    .split_once('=')
                    .and_then(|(k, x)| Some((k.to_string(), x.parse().ok()?)))
                    .ok_or(format!("--set wants KNOB=NUMBER, not `{v}`"))?;
                if !KNOBS.iter().any(|(name, _)| *name == k) {
                    return Err(format!("unknown knob `{k}`"));
                }
                set.push((k, x));
            }
            _ => return Err(format!("unknown argument `{a}`; {USAGE}")),
        }
    }
    match truth {
        Some(truth) if !pairs.is_empty() => Ok(Args {
            truth,
            pairs,
            tune,
            set,
        }),
        _ => Err(USAGE.into()),
    }
}

fn load(path: &std::path::Path) -> Result<Outcome, String> {
    let ws = aegis::workspace::load(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(validate::index_only(&ws))
}

/// Source control → official targets, as control ids (display form).
type Truth = BTreeMap<String, BTreeSet<String>>;

fn truth(o: &Outcome, from: &str, to: &str) -> Result<Truth, String> {
    let fe = o
        .index
        .frameworks
        .get(from)
        .ok_or(format!("no framework {from} in --truth"))?;
    let te = o
        .index
        .frameworks
        .get(to)
        .ok_or(format!("no framework {to} in --truth"))?;
    let mut out = Truth::new();
    for m in &o.repo.mappings {
        let m = &m.value;
        if m.provenance.kind != ProvenanceKind::Official {
            continue;
        }
        let forward = (m.source.as_str(), m.target.as_str()) == (from, to);
        let backward = (m.source.as_str(), m.target.as_str()) == (to, from);
        if !forward && !backward {
            continue;
        }
        for r in &m.relationships {
            if r.kind == aegis::model::RelationKind::NoRelationship {
                continue;
            }
            for t in &r.targets {
                let (s, t) = if forward {
                    (&r.source, t)
                } else {
                    (t, &r.source)
                };
                let (Some(s), Some(t)) = (fe.control(s.as_str()), te.control(t.as_str())) else {
                    continue;
                };
                let (s, t) = (&fe.controls[s], &te.controls[t]);
                if s.withdrawn || t.withdrawn {
                    continue;
                }
                out.entry(s.display().to_string())
                    .or_default()
                    .insert(t.display().to_string());
            }
        }
    }
    Ok(out)
}

#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
struct Scores {
    r10: f64,
    r5: f64,
    p1: f64,
    sources: usize,
    pairs: usize,
}

fn evaluate(
    o: &Outcome,
    from: &str,
    to: &str,
    truth: &Truth,
    w: &Weights,
) -> Result<Scores, String> {
    let req = Request {
        from,
        to,
        top: 10,
        only: None,
    };
    let s = suggest::suggest(&o.repo, &o.index, &req, w).map_err(|e| e.to_string())?;
    let fe = &o.index.frameworks[from];
    let te = &o.index.frameworks[to];
    let ranked: BTreeMap<&str, Vec<&str>> = s
        .sources
        .iter()
        .map(|x| {
            let c = x
                .candidates
                .iter()
                .map(|&(t, _)| te.controls[t].display())
                .collect();
            (fe.controls[x.source].display(), c)
        })
        .collect();
    let mut sc = Scores::default();
    for (source, targets) in truth {
        let got = ranked
            .get(source.as_str())
            .map_or(&[][..], |v| v.as_slice());
        let hits = |k: usize| got.iter().take(k).filter(|t| targets.contains(**t)).count() as f64;
        sc.r10 += hits(10) / targets.len() as f64;
        sc.r5 += hits(5) / targets.len() as f64;
        sc.p1 += hits(1);
        sc.sources += 1;
        sc.pairs += targets.len();
    }
    let n = sc.sources.max(1) as f64;
    sc.r10 /= n;
    sc.r5 /= n;
    sc.p1 /= n;
    Ok(sc)
}

type Knob = (&'static str, fn(&mut Weights) -> &mut f64);

const KNOBS: &[Knob] = &[
    ("forward", |w| &mut w.forward),
    ("reverse", |w| &mut w.reverse),
    ("paths", |w| &mut w.paths),
    ("k1", |w| &mut w.text.k1),
    ("title", |w| &mut w.text.fields[0].weight),
    ("statement", |w| &mut w.text.fields[1].weight),
    ("guidance", |w| &mut w.text.fields[2].weight),
    ("objective", |w| &mut w.text.fields[3].weight),
    ("context", |w| &mut w.text.fields[4].weight),
    ("mapped", |w| &mut w.text.fields[5].weight),
    ("q.title", |w| &mut w.text.query_fields[0]),
    ("q.statement", |w| &mut w.text.query_fields[1]),
    ("q.guidance", |w| &mut w.text.query_fields[2]),
    ("q.objective", |w| &mut w.text.query_fields[3]),
    ("q.context", |w| &mut w.text.query_fields[4]),
    ("q.mapped", |w| &mut w.text.query_fields[5]),
    ("fanout", |w| &mut w.bridge.fanout),
    ("hop_decay", |w| &mut w.bridge.hop_decay),
    ("from_children", |w| &mut w.structure.from_children),
    ("from_parent", |w| &mut w.structure.from_parent),
    ("from_related", |w| &mut w.structure.from_related),
    ("seed_parent", |w| &mut w.structure.seed_parent),
    ("seed_children", |w| &mut w.structure.seed_children),
    ("seed_siblings", |w| &mut w.structure.seed_siblings),
];

fn key(s: &Scores) -> (f64, f64, f64) {
    (s.r10, s.r5, s.p1)
}

/// A held-out pair ready to evaluate.
struct Case {
    held: Outcome,
    from: String,
    to: String,
    truth: Truth,
}

fn mean(cases: &[Case], w: &Weights) -> Result<Scores, String> {
    let mut m = Scores::default();
    for c in cases {
        let s = evaluate(&c.held, &c.from, &c.to, &c.truth, w)?;
        m.r10 += s.r10 / cases.len() as f64;
        m.r5 += s.r5 / cases.len() as f64;
        m.p1 += s.p1 / cases.len() as f64;
        m.sources += s.sources;
        m.pairs += s.pairs;
    }
    Ok(m)
}

/// The defaults with `--set` applied.
fn start(set: &[(String, f64)]) -> Weights {
    let mut w = Weights::default();
    for (k, x) in set {
        if let Some((_, knob)) = KNOBS.iter().find(|(name, _)| name == k) {
            *knob(&mut w) = *x;
        }
    }
    w
}

fn tune(cases: &[Case], start: Weights) -> Result<Weights, String> {
    let mut best_w = start;
    let mut best = mean(cases, &best_w)?;
    eprintln!("start   {}", line(&best));
    for round in 0..3 {
        let mut improved = false;
        for (name, knob) in KNOBS {
            for factor in [0.0, 0.5, 0.8, 1.25, 2.0] {
                let mut w = best_w.clone();
                let v = knob(&mut w);
                *v = if *v == 0.0 && factor > 1.0 {
                    0.2
                } else {
                    *v * factor
                };
                // A later hop is never weighted above an earlier one.
                if *name == "hop_decay" && *knob(&mut w) > 1.0 {
                    continue;
                }
                let s = mean(cases, &w)?;
                if key(&s) > key(&best) {
                    eprintln!("round {round} {name} x{factor}: {}", line(&s));
                    best = s;
                    best_w = w;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
    println!("{best_w:#?}");
    Ok(best_w)
}

fn line(s: &Scores) -> String {
    format!(
        "recall@5 {:.3}  recall@10 {:.3}  precision@1 {:.3}  ({} source controls, {} official pairs)",
        s.r5, s.r10, s.p1, s.sources, s.pairs
    )
}

fn main() -> std::process::ExitCode {
    let run = || -> Result<(), String> {
        let a = parse_args()?;
        let full = load(&a.truth)?;
        let mut cases = Vec::new();
        for p in &a.pairs {
            let truth = truth(&full, &p.from, &p.to)?;
            if truth.is_empty() {
                return Err(format!(
                    "no official pairs between {} and {} in {}",
                    p.from,
                    p.to,
                    a.truth.display()
                ));
            }
            let held = load(&p.repo)?;
            if !truth_absent(&held, &p.from, &p.to) {
                return Err(format!(
                    "{} still holds a mapping between {} and {}: remove it to hold it out",
                    p.repo.display(),
                    p.from,
                    p.to
                ));
            }
            cases.push(Case {
                held,
                from: p.from.clone(),
                to: p.to.clone(),
                truth,
            });
        }
        let w = if a.tune {
            tune(&cases, start(&a.set))?
        } else {
            start(&a.set)
        };
        for c in &cases {
            let started = std::time::Instant::now();
            let s = evaluate(&c.held, &c.from, &c.to, &c.truth, &w)?;
            let took = started.elapsed();
            println!("{} -> {}: {}  [{took:.0?}]", c.from, c.to, line(&s));
        }
        Ok(())
    };
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

/// Whether the held-out repository has no mapping between the pair at all.
fn truth_absent(o: &Outcome, from: &str, to: &str) -> bool {
    !o.repo.mappings.iter().any(|m| {
        let pair = (m.value.source.as_str(), m.value.target.as_str());
        pair == (from, to) || pair == (to, from)
    })
}
