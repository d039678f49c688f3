//! Rules on aegis.yaml: severities name real codes, systems are unique,
//! selections name real frameworks and baselines, inheritance has no cycles.

use super::Ctx;
use super::index::unknown_framework;
use super::schema::did_you_mean;
use crate::diag::Code;
use std::collections::{BTreeMap, HashMap};

pub(super) fn check(ctx: &mut Ctx) {
    let Some(config) = ctx.repo.config.as_ref() else {
        return;
    };
    let names: Vec<String> = Code::ALL.iter().map(|c| c.as_str().to_string()).collect();
    for code in config.diagnostics.keys() {
        if Code::from_name(code).is_none() {
            let pos = ctx.key_pos(0, "/diagnostics", code);
            let help = match did_you_mean(code, &names) {
                Some(s) => format!("did you mean `{s}`? `aegis codes` lists every code"),
                None => "`aegis codes` lists every code".into(),
            };
            ctx.emit_at(
                Code::UnknownCode,
                0,
                pos,
                format!("no diagnostic code is called `{code}`"),
                help,
            );
        }
    }

    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, s) in config.systems.iter().enumerate() {
        if let Some(first) = seen.insert(s.id.as_str(), i) {
            let place = ctx.place(0, &format!("/systems/{first}/id"));
            ctx.emit(
                Code::DuplicateId,
                0,
                &format!("/systems/{i}/id"),
                format!("system `{}` is already defined at {place}", s.id),
                "give each system its own id".into(),
            );
        }
    }
    let system_names: Vec<String> = config.systems.iter().map(|s| s.id.0.clone()).collect();
    let fw_names: Vec<String> = ctx.index.frameworks.keys().cloned().collect();
    for (i, s) in config.systems.iter().enumerate() {
        for (j, sel) in s.frameworks.iter().enumerate() {
            let ptr = format!("/systems/{i}/frameworks/{j}");
            let Some(fw) = ctx.index.frameworks.get(sel.framework.as_str()) else {
                if ctx.broken.frameworks.contains(sel.framework.as_str()) {
                    continue;
                }
                unknown_framework(
                    ctx,
                    0,
                    &format!("{ptr}/framework"),
                    sel.framework.as_str(),
                    &fw_names,
                );
                continue;
            };
            if let Some(b) = &sel.baseline
                && !fw.baselines.contains_key(b.as_str())
            {
                let known: Vec<String> = fw.baselines.keys().cloned().collect();
                let help = match did_you_mean(b.as_str(), &known) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if known.is_empty() => format!(
                        "framework `{}` defines no baselines; remove `baseline:` to select every control",
                        sel.framework
                    ),
                    None => format!("baselines of `{}`: {}", sel.framework, known.join(", ")),
                };
                ctx.emit(
                    Code::UnknownBaseline,
                    0,
                    &format!("{ptr}/baseline"),
                    format!("framework `{}` has no baseline `{b}`", sel.framework),
                    help,
                );
            }
        }
        for (j, parent) in s.inherits_from.iter().enumerate() {
            if !system_names.iter().any(|n| n == parent.as_str()) {
                ctx.emit(
                    Code::UnknownSystem,
                    0,
                    &format!("/systems/{i}/inherits_from/{j}"),
                    format!(
                        "system `{}` inherits from `{parent}`, which is not defined",
                        s.id
                    ),
                    unknown_system_help(parent.as_str(), &system_names),
                );
            }
        }
    }
    check_cycles(ctx);
}

pub(super) fn unknown_system_help(id: &str, names: &[String]) -> String {
    match did_you_mean(id, names) {
        Some(s) => format!("did you mean `{s}`?"),
        None if names.is_empty() => "define the system under `systems:` in aegis.yaml".into(),
        None => format!("systems in aegis.yaml: {}", names.join(", ")),
    }
}

/// Reports each inheritance cycle once, at the system where it is first met.
fn check_cycles(ctx: &mut Ctx) {
    let Some(config) = ctx.repo.config.as_ref() else {
        return;
    };
    let edges: BTreeMap<&str, Vec<&str>> = config
        .systems
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                s.inherits_from.iter().map(|p| p.as_str()).collect(),
            )
        })
        .collect();
    let mut reported: Vec<Vec<&str>> = Vec::new();
    for (i, s) in config.systems.iter().enumerate() {
        let start = s.id.as_str();
        let mut path = vec![start];
        if let Some(cycle) = find_cycle(start, &edges, &mut path) {
            let mut key = cycle.clone();
            key.sort_unstable();
            if reported.contains(&key) {
                continue;
            }
            reported.push(key);
            let mut shown = cycle.clone();
            shown.push(cycle[0]);
            ctx.emit(
                Code::InheritanceCycle,
                0,
                &format!("/systems/{i}/inherits_from"),
                format!(
                    "systems inherit from each other in a cycle: {}",
                    shown.join(" -> ")
                ),
                "remove one `inherits_from` entry so that inheritance flows one way".into(),
            );
        }
    }
}

fn find_cycle<'a>(
    at: &'a str,
    edges: &BTreeMap<&'a str, Vec<&'a str>>,
    path: &mut Vec<&'a str>,
) -> Option<Vec<&'a str>> {
    for &next in edges.get(at).map_or(&[][..], |v| v.as_slice()) {
        if let Some(i) = path.iter().position(|p| *p == next) {
            return (i == 0).then(|| path.clone());
        }
        path.push(next);
        if let Some(c) = find_cycle(next, edges, path) {
            return Some(c);
        }
        path.pop();
    }
    None
}
