//! `aegis-bench-gen --stages REPO`: where `aegis validate` spends its time.
//!
//! Bench-only instrumentation: it calls the library's public stages
//! (`workspace::load`, `validate::schema::check`, `validate::run`) and
//! re-does their inner steps (walk, read, YAML parse, tree → JSON, JSON
//! Schema, serde) one at a time, each in its own parallel pass, once on one
//! thread and once on every core. Nothing in `src/` is changed for it.

use aegis::model::{self, Date};
use aegis::schema::Kind;
use aegis::validate;
use aegis::workspace::{self, Classified, SourceFile, yaml};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

/// The top-level directories `aegis validate` walks.
use aegis::workspace::DIRS;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs `f` `repeat` times and returns the median wall time in ms.
fn time<T>(repeat: usize, mut f: impl FnMut() -> T) -> f64 {
    let mut v = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        let t = Instant::now();
        let out = f();
        v.push(t.elapsed().as_secs_f64() * 1e3);
        drop(out);
    }
    median(v)
}

fn walk(root: &Path) -> Vec<(String, Kind)> {
    let mut found = Vec::new();
    for dir in DIRS {
        let top = root.join(dir);
        if !top.exists() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&top)
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(root) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if let Classified::Kind(k) = workspace::classify(&rel) {
                found.push((rel, k));
            }
        }
    }
    found.sort();
    found
}

/// The YAML part of a file: the whole file, or a policy's front matter.
fn yaml_text(kind: Kind, text: &str) -> &str {
    if kind != Kind::Policy {
        return text;
    }
    let Some(rest) = text.strip_prefix("---\n") else {
        return "";
    };
    match rest.find("\n---\n") {
        Some(end) => &rest[..end + 1],
        None => rest,
    }
}

fn typed<T: DeserializeOwned>(f: &SourceFile) -> usize {
    let (v, d) = validate::schema::check::<T>(f);
    usize::from(v.is_some()) + d.len()
}

fn schema_check(f: &SourceFile) -> usize {
    match f.kind {
        Kind::Config => typed::<model::Config>(f),
        Kind::Framework => typed::<model::Framework>(f),
        Kind::Catalog => typed::<model::Catalog>(f),
        Kind::Baseline => typed::<model::BaselineFile>(f),
        Kind::Mapping => typed::<model::Mapping>(f),
        Kind::Implementation => typed::<model::Implementation>(f),
        Kind::Evidence => typed::<model::Evidence>(f),
        Kind::EvidenceSignature => typed::<model::EvidenceSignature>(f),
        Kind::Policy => typed::<model::PolicyFront>(f),
        Kind::Approvals => typed::<model::ApprovalLedger>(f),
        Kind::Exception => typed::<model::Exception>(f),
        Kind::Risk => typed::<model::Risk>(f),
        Kind::Findings => typed::<model::FindingSet>(f),
        Kind::ReferenceTable => typed::<model::ReferenceTable>(f),
        Kind::RemediationPlan => typed::<model::RemediationPlan>(f),
    }
}

fn from_value(kind: Kind, v: Json) -> bool {
    fn de<T: DeserializeOwned>(v: Json) -> bool {
        serde_json::from_value::<T>(v).is_ok()
    }
    match kind {
        Kind::Config => de::<model::Config>(v),
        Kind::Framework => de::<model::Framework>(v),
        Kind::Catalog => de::<model::Catalog>(v),
        Kind::Baseline => de::<model::BaselineFile>(v),
        Kind::Mapping => de::<model::Mapping>(v),
        Kind::Implementation => de::<model::Implementation>(v),
        Kind::Evidence => de::<model::Evidence>(v),
        Kind::EvidenceSignature => de::<model::EvidenceSignature>(v),
        Kind::Policy => de::<model::PolicyFront>(v),
        Kind::Approvals => de::<model::ApprovalLedger>(v),
        Kind::Exception => de::<model::Exception>(v),
        Kind::Risk => de::<model::Risk>(v),
        Kind::Findings => de::<model::FindingSet>(v),
        Kind::ReferenceTable => de::<model::ReferenceTable>(v),
        Kind::RemediationPlan => de::<model::RemediationPlan>(v),
    }
}

pub fn run(repo: &Path, as_of: &str, repeat: usize) -> Result<(), String> {
    let as_of: Date = as_of.parse()?;
    let root = repo
        .canonicalize()
        .map_err(|e| format!("{}: {e}", repo.display()))?;
    let repeat = repeat.max(1);
    // Same validators as src/validate/schema.rs builds.
    let validators: HashMap<Kind, jsonschema::Validator> = Kind::ALL
        .iter()
        .map(|k| {
            let v = jsonschema::options()
                .should_validate_formats(true)
                .with_format("aegis-when", model::is_when_format)
                .with_format("aegis-period", model::is_period_format)
                .build(&k.schema())
                .map_err(|e| format!("schema {}: {e}", k.name()))?;
            Ok((*k, v))
        })
        .collect::<Result<_, String>>()?;
    let _warm = aegis::pipeline::validate(&root, as_of).map_err(|e| e.to_string())?;
    drop(_warm);

    // AEGIS_BENCH_RULES_LOOP=N: load once, then run validate::run N times and
    // exit, so a profiler (`perf record`) sees mostly the schema and rule stage.
    if let Some(n) = std::env::var("AEGIS_BENCH_RULES_LOOP")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        let ws = workspace::load(&root).map_err(|e| e.to_string())?;
        let t = Instant::now();
        for _ in 0..n {
            drop(validate::run(&ws, &validate::Options { as_of }));
        }
        println!(
            "validate::run x{n}: {:.0} ms each",
            t.elapsed().as_secs_f64() * 1e3 / n as f64
        );
        return Ok(());
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut rows: Vec<(&str, Vec<f64>)> = Vec::new();
    let mut add = |name: &'static str, ms: f64| match rows.iter_mut().find(|r| r.0 == name) {
        Some(r) => r.1.push(ms),
        None => rows.push((name, vec![ms])),
    };
    let mut files_read = 0;
    let mut bytes = 0;
    for threads in [1, cores] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| e.to_string())?;
        pool.install(|| -> Result<(), String> {
            add(
                "pipeline::validate (load + validate, end to end)",
                time(repeat, || aegis::pipeline::validate(&root, as_of)),
            );
            add(
                "  workspace::load (walk + read + parse)",
                time(repeat, || workspace::load(&root)),
            );
            let found = walk(&root);
            add(
                "    walk + classify (1 thread)",
                time(repeat, || walk(&root)),
            );
            let read = || -> Vec<String> {
                found
                    .par_iter()
                    .map(|(rel, _)| std::fs::read_to_string(root.join(rel)).unwrap_or_default())
                    .collect()
            };
            add(
                "    read files (std::fs::read_to_string: size hint, 2 reads a file)",
                time(repeat, read),
            );
            // What src/workspace/mod.rs read_bounded does today: File::take(max + 1)
            // .read_to_end into an empty Vec, so no size hint: a 32-byte probe
            // read, then doubling reads (about 6 read(2) calls for a 600-byte file).
            let bounded = || -> usize {
                use std::io::Read;
                found
                    .par_iter()
                    .map(|(rel, _)| {
                        let mut bytes = Vec::new();
                        std::fs::File::open(root.join(rel))
                            .and_then(|f| f.take(16 * 1024 * 1024 + 1).read_to_end(&mut bytes))
                            .unwrap_or(0)
                    })
                    .sum()
            };
            add(
                "    read files (as read_bounded does: Take + read_to_end, no hint)",
                time(repeat, bounded),
            );
            let hinted = || -> usize {
                use std::io::Read;
                found
                    .par_iter()
                    .map(|(rel, _)| {
                        let Ok(f) = std::fs::File::open(root.join(rel)) else {
                            return 0;
                        };
                        let len = f.metadata().map_or(0, |m| m.len());
                        let mut bytes = Vec::with_capacity(len as usize + 1);
                        f.take(16 * 1024 * 1024 + 1)
                            .read_to_end(&mut bytes)
                            .unwrap_or(0)
                    })
                    .sum()
            };
            add(
                "    read files (read_bounded + fstat capacity hint: the suggested fix)",
                time(repeat, hinted),
            );
            let texts = read();
            files_read = texts.len();
            bytes = texts.iter().map(String::len).sum::<usize>();
            let parse = || -> Vec<Option<yaml::Node>> {
                found
                    .par_iter()
                    .zip(texts.par_iter())
                    .map(|((_, k), t)| {
                        yaml::parse(
                            yaml_text(*k, t),
                            yaml::YamlLimits::default(),
                            yaml::Shift::default(),
                        )
                        .ok()
                    })
                    .collect()
            };
            add(
                "    YAML parse (serde-saphyr -> span tree)",
                time(repeat, parse),
            );
            let events = || -> usize {
                found
                    .par_iter()
                    .zip(texts.par_iter())
                    .map(|((_, k), t)| {
                        serde_saphyr::granit_parser::Parser::new_from_str(yaml_text(*k, t)).count()
                    })
                    .sum()
            };
            add(
                "      the parser's events alone (granit-parser, no tree)",
                time(repeat, events),
            );

            let ws = workspace::load(&root).map_err(|e| e.to_string())?;
            add(
                "  validate::run (schema check + cross-file rules)",
                time(repeat, || validate::run(&ws, &validate::Options { as_of })),
            );
            add(
                "    schema::check, every file (to_json + JSON Schema + serde)",
                time(repeat, || {
                    ws.files.par_iter().map(schema_check).sum::<usize>()
                }),
            );
            let to_json = || -> Vec<Json> {
                ws.files
                    .par_iter()
                    .map(|f| f.tree.as_ref().map_or(Json::Null, yaml::Node::to_json))
                    .collect()
            };
            add("      tree -> serde_json::Value", time(repeat, to_json));
            let jsons = to_json();
            add(
                "      JSON Schema (jsonschema 0.61, iter_errors)",
                time(repeat, || {
                    ws.files
                        .par_iter()
                        .zip(jsons.par_iter())
                        .map(|(f, j)| validators[&f.kind].iter_errors(j).count())
                        .sum::<usize>()
                }),
            );
            add(
                "      serde_json::from_value into the model (incl. clone)",
                time(repeat, || {
                    ws.files
                        .par_iter()
                        .zip(jsons.par_iter())
                        .filter(|(f, j)| from_value(f.kind, (*j).clone()))
                        .count()
                }),
            );
            add(
                "      (clone of the JSON values alone)",
                time(repeat, || {
                    jsons.par_iter().map(Clone::clone).collect::<Vec<_>>()
                }),
            );
            let outcome = validate::run(&ws, &validate::Options { as_of });
            add(
                "  assess::gaps::assess (the gap engine, after validation)",
                time(repeat, || {
                    aegis::assess::gaps::assess(&ws, &outcome, &outcome.diagnostics, as_of)
                }),
            );
            let assessed = aegis::assess::gaps::assess(&ws, &outcome, &outcome.diagnostics, as_of);
            add(
                "    gaps JSON contract (render)",
                time(repeat, || aegis::output::gaps::json(&assessed)),
            );
            let t = Instant::now();
            drop(outcome);
            drop(ws);
            add(
                "  drop Workspace + Outcome",
                t.elapsed().as_secs_f64() * 1e3,
            );
            Ok(())
        })?;
    }
    println!(
        "aegis stages on {} ({} files Aegis reads, {:.1} MB), median of {repeat} runs, ms:",
        repo.display(),
        files_read + 1,
        bytes as f64 / 1e6
    );
    println!();
    println!("| stage | 1 thread | {cores} threads |");
    println!("| --- | ---: | ---: |");
    for (name, v) in rows {
        let cell = |i: usize| v.get(i).map_or("-".to_string(), |ms| format!("{ms:.0}"));
        println!(
            "| {} | {} | {} |",
            name.replace("  ", "&nbsp;&nbsp;"),
            cell(0),
            cell(1)
        );
    }
    Ok(())
}
