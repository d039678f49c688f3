//! Rules on aegis.yaml: severities name real codes, systems are unique,
//! selections name real frameworks and baselines, inheritance has no cycles.

use super::Ctx;
use super::index::unknown_framework;
use crate::diag::Code;
use crate::hashing::HashMap;
use std::collections::VecDeque;

pub(super) fn check(ctx: &mut Ctx) {
    let Some(config) = ctx.repo.config.as_ref() else {
        return;
    };
    let names: Vec<String> = Code::ALL.iter().map(|c| c.as_str().to_string()).collect();
    for code in config.diagnostics.keys() {
        if Code::from_name(code).is_none() {
            let pos = ctx.key_pos(0, "/diagnostics", code);
            let help = match ctx.index.hints.did_you_mean(code, &names) {
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

    let mut seen: HashMap<&str, usize> = HashMap::default();
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
                let help = match ctx.index.hints.did_you_mean(b.as_str(), &known) {
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
            if !ctx.has_system(parent.as_str()) {
                ctx.emit(
                    Code::UnknownSystem,
                    0,
                    &format!("/systems/{i}/inherits_from/{j}"),
                    format!(
                        "system `{}` inherits from `{parent}`, which is not defined",
                        s.id
                    ),
                    unknown_system_help(ctx, parent.as_str(), &system_names),
                );
            }
        }
    }
    check_cycles(ctx);
    check_thresholds(ctx, &system_names);
}

/// A threshold that names a reason, system, framework or baseline that
/// does not exist would silently never apply, and a misspelt reason under
/// `max_gaps` would relax the gate: each is reported.
fn check_thresholds(ctx: &mut Ctx, system_names: &[String]) {
    let Some(config) = ctx.repo.config.as_ref() else {
        return;
    };
    let reasons: Vec<String> = crate::assess::Reason::ALL
        .iter()
        .map(|r| r.as_str().to_string())
        .collect();
    let reason_help =
        |ctx: &Ctx, name: &str, extra: &str| match ctx.index.hints.did_you_mean(name, &reasons) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("the reasons are {}{extra}", reasons.join(", ")),
        };
    for (i, t) in config.gate.thresholds.iter().enumerate() {
        let at = format!("/gate/thresholds/{i}");
        for key in t.max_gaps.keys() {
            if key != "total" && crate::assess::Reason::from_name(key).is_none() {
                let pos = ctx.key_pos(0, &format!("{at}/max_gaps"), key);
                let help = reason_help(ctx, key, ", and `total`");
                ctx.emit_at(
                    Code::InvalidValue,
                    0,
                    pos,
                    format!("`max_gaps` names `{key}`, which is not a gap reason"),
                    help,
                );
            }
        }
        for (j, name) in t.fail_on.iter().flatten().enumerate() {
            if crate::assess::Reason::from_name(name).is_none() {
                let help = reason_help(ctx, name, "");
                ctx.emit(
                    Code::InvalidValue,
                    0,
                    &format!("{at}/fail_on/{j}"),
                    format!("`fail_on` names `{name}`, which is not a gap reason"),
                    help,
                );
            }
        }
        if let Some(sys) = &t.system
            && !ctx.has_system(sys.as_str())
        {
            ctx.emit(
                Code::UnknownSystem,
                0,
                &format!("{at}/system"),
                format!("the threshold is for system `{sys}`, which is not defined"),
                unknown_system_help(ctx, sys.as_str(), system_names),
            );
        }
        if let Some(fw) = &t.framework {
            match ctx.index.frameworks.get(fw.as_str()) {
                None => {
                    let known: Vec<String> = ctx.index.frameworks.keys().cloned().collect();
                    let help = match ctx.index.hints.did_you_mean(fw.as_str(), &known) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("frameworks: {}", known.join(", ")),
                    };
                    ctx.emit(
                        Code::UnknownFramework,
                        0,
                        &format!("{at}/framework"),
                        format!("the threshold is for framework `{fw}`, which does not exist"),
                        help,
                    );
                }
                Some(entry) => {
                    if let Some(b) = &t.baseline
                        && !entry.baselines.contains_key(b.as_str())
                    {
                        let known: Vec<String> = entry.baselines.keys().cloned().collect();
                        let help = if known.is_empty() {
                            format!("framework `{fw}` defines no baselines; remove `baseline:`")
                        } else {
                            format!("baselines of `{fw}`: {}", known.join(", "))
                        };
                        ctx.emit(
                            Code::UnknownBaseline,
                            0,
                            &format!("{at}/baseline"),
                            format!("framework `{fw}` has no baseline `{b}`"),
                            help,
                        );
                    }
                }
            }
        }
    }
}

pub(super) fn unknown_system_help(ctx: &Ctx, id: &str, names: &[String]) -> String {
    match ctx.index.hints.did_you_mean(id, names) {
        Some(s) => format!("did you mean `{s}`?"),
        None if names.is_empty() => "define the system under `systems:` in aegis.yaml".into(),
        None => format!("systems in aegis.yaml: {}", names.join(", ")),
    }
}

/// Reports each inheritance cycle once, at the first system (in aegis.yaml
/// order) of each group of systems that inherit from each other. Linear in
/// systems and `inherits_from` entries, however they are wired.
fn check_cycles(ctx: &mut Ctx) {
    let Some(config) = ctx.repo.config.as_ref() else {
        return;
    };
    let ids: Vec<&str> = config.systems.iter().map(|s| s.id.as_str()).collect();
    let edges: Vec<Vec<usize>> = config
        .systems
        .iter()
        .map(|s| {
            s.inherits_from
                .iter()
                .filter_map(|p| ctx.system_index.get(p.as_str()).copied())
                .collect()
        })
        .collect();
    let component = strongly_connected(&edges);
    let mut reported = vec![false; ids.len()];
    for (i, s) in config.systems.iter().enumerate() {
        let c = component[i];
        if reported[c] || ctx.system_index.get(s.id.as_str()) != Some(&i) {
            continue;
        }
        let Some(cycle) = cycle_through(i, &edges, &component) else {
            continue;
        };
        reported[c] = true;
        let shown: Vec<&str> = cycle.iter().chain(cycle.first()).map(|&n| ids[n]).collect();
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

/// Tarjan's strongly connected components, iteratively (a chain of
/// thousands of systems must not exhaust the stack): component number per
/// node.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut component = vec![UNSEEN; n];
    let mut stack = Vec::new();
    let mut next_index = 0;
    let mut next_component = 0;
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        // (node, next edge to look at)
        let mut work = vec![(root, 0usize)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut e)) = work.last_mut() {
            if let Some(&w) = edges[v].get(*e) {
                *e += 1;
                if index[w] == UNSEEN {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

/// A shortest cycle from `start` back to itself inside its component, or
/// `None` when `start` is on no cycle. Breadth-first, so linear.
fn cycle_through(start: usize, edges: &[Vec<usize>], component: &[usize]) -> Option<Vec<usize>> {
    let mut parent: HashMap<usize, usize> = HashMap::default();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &edges[v] {
            if component[w] != component[start] {
                continue;
            }
            if w == start {
                let mut path = vec![v];
                let mut at = v;
                while at != start {
                    at = parent[&at];
                    path.push(at);
                }
                path.reverse();
                return Some(path);
            }
            if let std::collections::hash_map::Entry::Vacant(slot) = parent.entry(w) {
                slot.insert(v);
                queue.push_back(w);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_group_cycles_only() {
        // 0 -> 1 -> 2 -> 0, 3 -> 0, 4 -> 4
        let edges = vec![vec![1], vec![2], vec![0], vec![0], vec![4]];
        let c = strongly_connected(&edges);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[3], c[0]);
        assert_eq!(cycle_through(1, &edges, &c), Some(vec![1, 2, 0]));
        assert_eq!(cycle_through(3, &edges, &c), None);
        assert_eq!(cycle_through(4, &edges, &c), Some(vec![4]));
    }

    #[test]
    fn dense_and_long_inheritance_stays_linear() {
        // Each system inherits from the next two: no cycle, and exponential
        // for a search that explores every path.
        let n = 5000;
        let edges: Vec<Vec<usize>> = (0..n)
            .map(|i| [i + 1, i + 2].into_iter().filter(|j| *j < n).collect())
            .collect();
        let c = strongly_connected(&edges);
        assert!((0..n).all(|i| cycle_through(i, &edges, &c).is_none()));
        let mut ring = edges.clone();
        ring[n - 1].push(0);
        let c = strongly_connected(&ring);
        assert_eq!(
            cycle_through(0, &ring, &c).map(|p| p.len()),
            Some(n / 2 + 1)
        );
    }
}
