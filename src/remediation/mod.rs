//! Remediation plans: from failing scan results whose source carries fix
//! content (XCCDF/ARF `fix`es, STIG checklists' `Fix_Text`, HDF `fix`
//! descriptions) to a plan grouped by risk class, with an Ansible
//! playbook and a shell script per class and the text guidance as a
//! checklist. Aegis never touches a host: the plan is a document to
//! review and approve (more approvals for riskier classes, through the
//! same PR review as policies), and someone else runs it.
//!
//! The plan is deterministic: the same scans give the same plan id and
//! byte-identical files, so a rerun changes nothing.

pub mod classify;
mod render;

pub use render::{Files, render};

use crate::ingest::{Fix, Scan, ScanResult};
use crate::model::{
    ClassApprovals, ControlRef, PlanClass, PlanItem, PlanScan, RemediationPlan, RiskClass,
    SCHEMA_VERSION, SystemId,
};
use std::collections::{BTreeMap, BTreeSet};

/// One scan file read for a plan.
pub struct ScanFile {
    /// The file's name.
    pub name: String,
    pub sha256: String,
    pub scans: Vec<Scan>,
}

/// A rule to fix, with everything the renderers need.
#[derive(Clone, Debug)]
pub struct Item {
    pub rule: String,
    pub title: Option<String>,
    pub controls: Vec<ControlRef>,
    pub targets: BTreeSet<String>,
    pub fixes: Vec<Fix>,
    pub class: RiskClass,
    pub why: String,
}

impl Item {
    /// The fix of `kind` (`ansible`, `sh`, `text`), the first when several.
    pub fn fix(&self, kind: &str) -> Option<&Fix> {
        self.fixes.iter().find(|f| fix_kind(&f.system) == kind)
    }

    /// Values no fix could resolve, sorted.
    pub fn unresolved(&self) -> Vec<String> {
        let set: BTreeSet<&str> = self
            .fixes
            .iter()
            .flat_map(|f| f.unresolved.iter().map(|(id, _)| id.as_str()))
            .collect();
        set.into_iter().map(str::to_string).collect()
    }

    fn entry(&self) -> PlanItem {
        let kinds: BTreeSet<&str> = self.fixes.iter().map(|f| fix_kind(&f.system)).collect();
        let disruption = self
            .fixes
            .iter()
            .filter_map(|f| f.disruption.as_deref())
            .max_by_key(|d| disruption_rank(d))
            .map(str::to_string);
        PlanItem {
            rule: self.rule.clone(),
            title: self.title.clone(),
            controls: self.controls.clone(),
            targets: self.targets.iter().cloned().collect(),
            fixes: kinds.into_iter().map(str::to_string).collect(),
            disruption,
            reboot: self.fixes.iter().any(|f| f.reboot == Some(true)),
            why: self.why.clone(),
            unresolved: self.unresolved(),
        }
    }
}

fn disruption_rank(d: &str) -> u8 {
    match d.to_ascii_lowercase().as_str() {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// The short name of a fix system: `sh`, `ansible`, `puppet`,
/// `kubernetes`, `anaconda`, `blueprint`, `text`, else the URN's last part.
pub fn fix_kind(system: &str) -> &str {
    let s = system.trim();
    if s == Fix::TEXT {
        return "text";
    }
    match s.to_ascii_lowercase().as_str() {
        "urn:xccdf:fix:script:sh" | "urn:xccdf:fix:commands" => "sh",
        "urn:xccdf:fix:script:ansible" => "ansible",
        "urn:xccdf:fix:script:puppet" => "puppet",
        "urn:xccdf:fix:script:kubernetes" => "kubernetes",
        "urn:redhat:anaconda:pre" => "anaconda",
        "urn:redhat:osbuild:blueprint" => "blueprint",
        "urn:xccdf:fix:script:bootc" => "bootc",
        _ => s
            .rsplit(':')
            .next()
            .filter(|p| !p.is_empty())
            .unwrap_or("unknown"),
    }
}

/// A plan: its front matter and its items by class.
pub struct Plan {
    pub front: RemediationPlan,
    pub items: BTreeMap<RiskClass, Vec<Item>>,
}

/// Builds the plan for `system` from `files`: every failing result whose
/// rule has fix content, one item per rule (its targets gathered across
/// scans), classified; `controls` maps a result to the repository's
/// controls.
pub fn build(
    system: &SystemId,
    files: &[ScanFile],
    approvals: &ClassApprovals,
    controls: &dyn Fn(&crate::ingest::RuleResult) -> Vec<ControlRef>,
) -> Plan {
    let mut by_rule: BTreeMap<String, Item> = BTreeMap::new();
    for file in files {
        for scan in &file.scans {
            for r in &scan.results {
                if r.result != ScanResult::Fail {
                    continue;
                }
                let Some(fixes) = scan.fixes.get(&r.rule_id) else {
                    continue;
                };
                let item = by_rule.entry(r.rule_id.clone()).or_insert_with(|| Item {
                    rule: r.rule_id.clone(),
                    title: r.title.clone(),
                    controls: Vec::new(),
                    targets: BTreeSet::new(),
                    fixes: fixes.clone(),
                    class: RiskClass::High,
                    why: String::new(),
                });
                if !r.target.is_empty() {
                    item.targets.insert(r.target.clone());
                }
                for c in controls(r) {
                    if !item.controls.contains(&c) {
                        item.controls.push(c);
                    }
                }
            }
        }
    }
    let mut items: BTreeMap<RiskClass, Vec<Item>> = BTreeMap::new();
    for (_, mut item) in by_rule {
        let (class, why) = classify::classify(&item.rule, item.title.as_deref(), &item.fixes);
        item.class = class;
        item.why = why;
        item.controls.sort();
        items.entry(class).or_default().push(item);
    }
    let mut digests: Vec<&str> = files.iter().map(|f| f.sha256.as_str()).collect();
    digests.sort_unstable();
    digests.dedup();
    let id = format!(
        "{}-{}",
        system.as_str(),
        &crate::digest::sha256_hex(digests.join("\n").as_bytes())[..12]
    );
    let mut scans: Vec<PlanScan> = files
        .iter()
        .flat_map(|f| {
            f.scans.iter().map(|s| PlanScan {
                file: f.name.clone(),
                sha256: f.sha256.clone(),
                format: s.format.to_string(),
                tool: s.tool.clone(),
                profile: s.profile.clone(),
                time: s.time.clone(),
            })
        })
        .collect();
    scans.sort_by(|a, b| {
        (&a.file, &a.sha256, &a.profile, &a.time).cmp(&(&b.file, &b.sha256, &b.profile, &b.time))
    });
    scans.dedup();
    let classes = items
        .iter()
        .map(|(class, items)| {
            (
                *class,
                PlanClass {
                    approvals: approvals.of(*class),
                    items: items.iter().map(Item::entry).collect(),
                },
            )
        })
        .collect();
    Plan {
        front: RemediationPlan {
            schema_version: SCHEMA_VERSION,
            title: format!("Remediation plan {id}"),
            id,
            systems: vec![system.clone()],
            scans,
            classes,
        },
        items,
    }
}

/// Why a plan could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Run(#[from] crate::ingest::run::RunError),
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: crate::ingest::IngestError,
    },
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "a plan records each scan's SHA-256, so it cannot be made from standard input: save the scan to a file first"
    )]
    Stdin,
    #[error("no scan files found in the paths given")]
    NoInput,
    #[error("cannot render the plan: {0}")]
    Render(String),
    #[error("another aegis process is writing to {0}; run this again once it has finished")]
    Busy(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Reads `inputs` (files or directories of them) and makes the plan for
/// `system` (the only one aegis.yaml defines when `None`) in the
/// repository at `repo`, with its files.
pub fn make(
    repo: &std::path::Path,
    inputs: &[std::path::PathBuf],
    system: Option<&str>,
) -> Result<(Plan, Files), PlanError> {
    use crate::schema::Kind;
    let ws = crate::workspace::load_except(repo, &[Kind::Findings])
        .map_err(crate::ingest::run::RunError::from)?;
    let outcome = crate::validate::index_only(&ws);
    let Some(config) = outcome.repo.config.as_ref() else {
        return Err(crate::ingest::run::RunError::BadConfig.into());
    };
    let system = crate::ingest::run::pick_system(config, system)?;
    let system_model = config.systems.iter().find(|s| s.id == system);
    let mapper = crate::ingest::map::Mapper::new(
        &outcome.index,
        Some(config),
        &outcome.repo.reference_tables,
    );
    if inputs.iter().any(|p| p.as_os_str() == "-") {
        return Err(PlanError::Stdin);
    }
    let mut files = Vec::new();
    for path in crate::ingest::run::expand(inputs) {
        let shown = path.display().to_string();
        let (_, scans) = crate::ingest::read_path(&path).map_err(|source| PlanError::Read {
            path: shown.clone(),
            source,
        })?;
        let (sha256, _) = crate::digest::hash_file(&path).map_err(|source| PlanError::Io {
            path: shown.clone(),
            source,
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(shown);
        files.push(ScanFile {
            name,
            sha256,
            scans,
        });
    }
    if files.is_empty() {
        return Err(PlanError::NoInput);
    }
    let plan = build(&system, &files, &config.remediation.approvals, &|r| {
        mapper.map(r, system_model).0
    });
    let rendered = render(&plan).map_err(PlanError::Render)?;
    Ok((plan, rendered))
}

/// Writes `files` under `dir` (created when missing), each atomically and
/// only when its content changed, under a lock on `dir`; the paths
/// written, each with whether it changed.
pub fn write(dir: &std::path::Path, files: &Files) -> Result<Vec<(String, bool)>, PlanError> {
    let err = |path: &std::path::Path, source| PlanError::Write {
        path: path.display().to_string(),
        source,
    };
    if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(err(
            dir,
            std::io::Error::other(
                "is a symbolic link; Aegis never writes through one: make it a real directory",
            ),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| err(dir, e))?;
    let _lock = match crate::write::try_lock_dir(dir) {
        Ok(Some(l)) => l,
        Ok(None) => return Err(PlanError::Busy(dir.display().to_string())),
        Err(e) => return Err(err(dir, e)),
    };
    let mut out = Vec::new();
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| err(parent, e))?;
        }
        let changed =
            crate::write::write_if_changed(&path, text.as_bytes()).map_err(|e| err(&path, e))?;
        out.push((rel.clone(), changed));
    }
    Ok(out)
}
