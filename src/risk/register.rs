//! The register as `aegis risk list` shows it: each risk with its scores
//! and the gap engine's open gaps on its linked controls, in its systems.

use crate::assess::Assessment;
use crate::model::{Risk, normalize_control_id};
use crate::validate::Repo;
use crate::workspace::Workspace;
use std::collections::BTreeMap;

/// One risk of the register, with what is still open on its controls.
#[derive(Debug)]
pub struct Entry<'a> {
    pub risk: &'a Risk,
    /// The risk file, repository-relative.
    pub path: &'a str,
    /// Open gaps on the risk's controls, sorted by system, framework, control.
    pub gaps: Vec<LinkedGap>,
}

/// An open gap (not covered by an exception in force) on a linked control.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LinkedGap {
    pub system: String,
    pub framework: String,
    pub control: String,
    /// The gap engine's reasons (`planned`, `missing`, `evidence-stale`, ...).
    pub reasons: Vec<String>,
    pub poam: Option<String>,
}

/// Which risks to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Risks about this system (or about every system); gaps in it only.
    pub system: Option<String>,
    pub category: Option<String>,
    /// Closed risks too (`aegis risk list --all`); they are left out otherwise.
    pub closed: bool,
}

/// The register: risks passing `filter`, sorted by residual score (highest
/// first), then id.
pub fn entries<'a>(
    ws: &'a Workspace,
    repo: &'a Repo,
    assessment: &Assessment,
    filter: &Filter,
) -> Vec<Entry<'a>> {
    let mut out: Vec<Entry> = repo
        .risks
        .iter()
        .filter(|l| {
            let r = &l.value;
            let system_ok = filter
                .system
                .as_ref()
                .is_none_or(|s| r.systems.is_empty() || r.systems.iter().any(|x| &x.0 == s));
            let category_ok = filter
                .category
                .as_ref()
                .is_none_or(|c| r.category.as_ref() == Some(c));
            system_ok && category_ok && (filter.closed || !r.is_closed())
        })
        .map(|l| Entry {
            risk: &l.value,
            path: ws.files.get(l.file).map_or("", |f| f.path.as_str()),
            gaps: linked_gaps(&l.value, assessment, filter.system.as_deref()),
        })
        .collect();
    out.sort_by(|a, b| {
        b.risk
            .residual_score()
            .cmp(&a.risk.residual_score())
            .then_with(|| a.risk.id.0.cmp(&b.risk.id.0))
            .then_with(|| a.path.cmp(b.path))
    });
    out
}

/// The open gaps of `assessment` on `risk`'s controls, in its systems
/// (every system when it names none), limited to `only` when given. A
/// control selected both as a framework and through a baseline counts once.
pub fn linked_gaps(risk: &Risk, assessment: &Assessment, only: Option<&str>) -> Vec<LinkedGap> {
    let wanted: Vec<(Option<String>, String)> = risk
        .controls
        .iter()
        .map(|c| {
            let (fw, id) = c.parts();
            (fw.map(|f| f.0), normalize_control_id(&id.0))
        })
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut out: BTreeMap<(String, String, String), LinkedGap> = BTreeMap::new();
    for system in &assessment.systems {
        let in_scope = risk.systems.is_empty() || risk.systems.iter().any(|s| s.0 == system.id);
        if !in_scope || only.is_some_and(|o| o != system.id) {
            continue;
        }
        for sel in &system.selections {
            for c in sel.gaps() {
                let id = normalize_control_id(&c.control);
                let linked = wanted.iter().any(|(fw, want)| {
                    *want == id && fw.as_ref().is_none_or(|f| *f == sel.framework)
                });
                let key = (system.id.clone(), sel.framework.clone(), c.control.clone());
                if linked && !out.contains_key(&key) {
                    out.insert(
                        key,
                        LinkedGap {
                            system: system.id.clone(),
                            framework: sel.framework.clone(),
                            control: c.control.clone(),
                            reasons: c
                                .reasons
                                .iter()
                                .map(|g| g.reason.as_str().to_string())
                                .collect(),
                            poam: c.poam.clone(),
                        },
                    );
                }
            }
        }
    }
    out.into_values().collect()
}
