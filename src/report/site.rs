//! `aegis report site`: every report as one static site (a dashboard with
//! charts, a page per report, a page per control of every selection),
//! self-contained, with a manifest of every file.

use super::html::{self, Link};
use super::template::{TemplateError, Templates};
use super::view::{ControlView, View};
use super::{Input, chart};
use rayon::prelude::*;
use serde::Serialize;
use std::path::Path;

/// The report pages, in navigation order: (file stem, title, template kind).
pub const PAGES: [(&str, &str); 9] = [
    ("gaps", "Gaps"),
    ("ssp", "System security plan"),
    ("sap", "Assessment plan"),
    ("sar", "Assessment results"),
    ("poam", "POA&M"),
    ("crosswalk", "Crosswalk"),
    ("evidence", "Evidence"),
    ("policies", "Policies"),
    ("risks", "Risks"),
];

/// One file of the site, by its path relative to the site's root.
pub struct File {
    pub path: String,
    pub bytes: Vec<u8>,
}

fn nav(current: &str) -> Vec<Link> {
    let mut links = vec![Link {
        href: "index.html".into(),
        label: "Dashboard".into(),
        current: current == "index",
    }];
    for (stem, title) in PAGES {
        links.push(Link {
            href: format!("{stem}.html"),
            label: title.into(),
            current: current == stem,
        });
    }
    links.push(Link {
        href: "matrix.html".into(),
        label: "Crosswalk matrix".into(),
        current: current == "matrix",
    });
    links.push(Link {
        href: "controls.html".into(),
        label: "Controls".into(),
        current: current == "controls",
    });
    links
}

/// The crosswalk as written in the repository's mapping files: per file, a
/// matrix of relationships by control group (source rows, target
/// columns), then every relationship in one table to sort and filter.
/// Inferred links are not drawn here; the crosswalk report shows the ones
/// the gap engine used.
fn matrix_markdown(input: &Input) -> String {
    use crate::output::escape::markdown_cell as cell;
    let outcome = &input.run.outcome;
    let files = &input.run.workspace.files;
    let mut mappings: Vec<_> = outcome.repo.mappings.iter().collect();
    mappings.sort_by(|a, b| files[a.file].path.cmp(&files[b.file].path));
    let mut md = String::from("# Crosswalk matrix\n\n");
    if mappings.is_empty() {
        md.push_str("The repository has no mapping files (`controls/mappings/`).\n");
        return md;
    }
    md.push_str("Relationships as the repository's mapping files write them, counted by control group; `no-relationship` entries are not counted.\n\n");
    for l in mappings {
        let m = &l.value;
        let (from, to) = (m.source.as_str(), m.target.as_str());
        let from_groups = crate::crosswalk::groups_of(outcome, from);
        let to_groups = crate::crosswalk::groups_of(outcome, to);
        let group = |g: &std::collections::HashMap<String, String>, id: &str| {
            g.get(id)
                .cloned()
                .unwrap_or_else(|| crate::crosswalk::NO_GROUP.to_string())
        };
        let mut counts: std::collections::BTreeMap<(String, String), usize> = Default::default();
        let mut rows = std::collections::BTreeSet::new();
        let mut cols = std::collections::BTreeSet::new();
        let mut detail = String::new();
        for r in &m.relationships {
            let kind = r.kind.as_str();
            for t in &r.targets {
                detail.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    cell(r.source.as_str()),
                    cell(t.as_str()),
                    kind,
                    r.strength.map(|s| s.to_string()).unwrap_or_default(),
                    r.coverage.map(|c| format!("{c}%")).unwrap_or_default()
                ));
                if kind == "no-relationship" {
                    continue;
                }
                let (rg, cg) = (
                    group(&from_groups, r.source.as_str()),
                    group(&to_groups, t.as_str()),
                );
                rows.insert(rg.clone());
                cols.insert(cg.clone());
                *counts.entry((rg, cg)).or_default() += 1;
            }
        }
        md.push_str(&format!(
            "## {} → {}\n\n`{}` ({}, {} relationship(s))\n\n",
            cell(from),
            cell(to),
            cell(&files[l.file].path),
            m.provenance.kind.as_str(),
            m.relationships.len()
        ));
        if !rows.is_empty() {
            md.push_str("| group |");
            for c in &cols {
                md.push_str(&format!(" {} |", cell(c)));
            }
            md.push_str("\n| --- |");
            for _ in &cols {
                md.push_str(" ---: |");
            }
            md.push('\n');
            for r in &rows {
                md.push_str(&format!("| {} |", cell(r)));
                for c in &cols {
                    let n = counts.get(&(r.clone(), c.clone())).copied().unwrap_or(0);
                    md.push_str(&format!(
                        " {} |",
                        if n == 0 { String::new() } else { n.to_string() }
                    ));
                }
                md.push('\n');
            }
            md.push('\n');
        }
        md.push_str("| source | target | relationship | strength | coverage |\n| --- | --- | --- | ---: | ---: |\n");
        md.push_str(&detail);
        md.push('\n');
    }
    md
}

/// A file name for a control id: the id itself when it is plain, else its
/// plain characters and a short hash, so two ids never share a page.
pub fn slug(id: &str) -> String {
    let plain: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if plain == id && !plain.starts_with('.') {
        return plain;
    }
    use sha2::{Digest, Sha256};
    let h = crate::digest::hex(&Sha256::digest(id.as_bytes()));
    format!("{}-{}", plain.trim_start_matches('.'), &h[..8])
}

/// `controls/<system>/<framework>/<baseline, or "all">/<control>.html`.
fn control_path(system: &str, sel: &super::view::SelectionView, control: &str) -> String {
    format!(
        "controls/{}/{}/{}/{}.html",
        slug(system),
        slug(sel.framework),
        sel.baseline.map_or_else(|| "all".to_string(), slug),
        slug(control)
    )
}

/// What a control page says of its system and selection: only their
/// names, so each page serialises its own control, not the whole system.
#[derive(Serialize)]
struct SystemHead<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct SelectionHead<'a> {
    framework: &'a str,
    framework_title: &'a str,
    baseline: Option<&'a str>,
    label: &'a str,
}

#[derive(Serialize)]
struct ControlPage<'a> {
    meta: &'a super::Meta,
    as_of: &'a str,
    system: SystemHead<'a>,
    selection: SelectionHead<'a>,
    control: &'a ControlView<'a>,
    evidence: Vec<&'a super::view::EvidenceView<'a>>,
    findings: Vec<FindingRow<'a>>,
}

#[derive(Serialize)]
struct FindingRow<'a> {
    source: &'a str,
    rule: &'a str,
    target: &'a str,
    result: &'static str,
    severity: Option<&'a str>,
}

/// Builds every file of the site.
pub fn build(
    templates: &Templates,
    input: &Input,
    view: &View,
) -> Result<Vec<File>, TemplateError> {
    let meta = input.meta;
    let page = |stem: &str, title: &str, root: &str, body: &str| {
        html::page(
            templates,
            title,
            meta,
            &nav(stem),
            root,
            body,
            html::Assets::Linked,
        )
    };
    let mut files: Vec<File> = html::assets(templates)?
        .into_iter()
        .map(|(path, text)| File {
            path: path.to_string(),
            bytes: text.into_bytes(),
        })
        .collect();

    // The dashboard, then its charts.
    let md = templates.render("markdown/dashboard.md.j2", view)?;
    let mut body = html::from_markdown(&md);
    body.push_str("<section aria-labelledby=\"charts\"><h2 id=\"charts\">Charts</h2>");
    body.push_str(&chart::figures(view));
    body.push_str("</section>");
    files.push(File {
        path: "index.html".into(),
        bytes: page("index", "Compliance dashboard", "", &body)?.into_bytes(),
    });

    for (stem, title) in PAGES {
        let md = templates.render(&format!("markdown/{stem}.md.j2"), view)?;
        let mut body = html::from_markdown(&md);
        if stem == "risks" {
            body.push_str(&chart::risk_figures(view));
        }
        files.push(File {
            path: format!("{stem}.html"),
            bytes: page(stem, title, "", &body)?.into_bytes(),
        });
    }

    files.push(File {
        path: "matrix.html".into(),
        bytes: page(
            "matrix",
            "Crosswalk matrix",
            "",
            &html::from_markdown(&matrix_markdown(input)),
        )?
        .into_bytes(),
    });

    // The control index links every control page.
    let mut index = String::from("# Controls\n\n");
    for sys in &view.systems {
        for sel in &sys.selections {
            index.push_str(&format!(
                "## {}: {}\n\n| control | title | status |\n| --- | --- | --- |\n",
                crate::output::escape::markdown_cell(sys.id),
                crate::output::escape::markdown_cell(&sel.label)
            ));
            for c in &sel.statuses {
                index.push_str(&format!(
                    "| [{}]({}) | {} | {} |\n",
                    crate::output::escape::markdown_cell(c.control),
                    control_path(sys.id, sel, c.control),
                    crate::output::escape::markdown_cell(c.title),
                    c.status
                ));
            }
            index.push('\n');
        }
    }
    files.push(File {
        path: "controls.html".into(),
        bytes: page("controls", "Controls", "", &html::from_markdown(&index))?.into_bytes(),
    });

    // One page per control of every selection, rendered in parallel.
    let evidence: std::collections::HashMap<&str, &super::view::EvidenceView> =
        view.evidence.iter().map(|e| (e.id, e)).collect();
    let repo = &input.run.outcome.repo;
    let jobs: Vec<(
        &super::view::SystemView,
        &super::view::SelectionView,
        &ControlView,
    )> = view
        .systems
        .iter()
        .flat_map(|s| {
            s.selections
                .iter()
                .flat_map(move |sel| sel.statuses.iter().map(move |c| (s, sel, c)))
        })
        .collect();
    let pages: Result<Vec<File>, TemplateError> = jobs
        .par_iter()
        .map(|(sys, sel, c)| {
            let findings: Vec<FindingRow> = repo
                .findings
                .iter()
                .filter(|set| set.value.system.0 == sys.id)
                .flat_map(|set| {
                    set.value.findings.iter().filter_map(move |f| {
                        f.controls
                            .iter()
                            .any(|cr| {
                                let (fw, id) = cr.parts();
                                id.0 == c.control && fw.is_none_or(|fw| fw.0 == sel.framework)
                            })
                            .then_some(FindingRow {
                                source: &set.value.source.tool,
                                rule: &f.rule_id,
                                target: f.target.as_deref().unwrap_or(""),
                                result: f.result.as_str(),
                                severity: f.severity.as_deref(),
                            })
                    })
                })
                .collect();
            let ctx = ControlPage {
                meta,
                as_of: &view.as_of,
                system: SystemHead {
                    id: sys.id,
                    name: sys.name,
                },
                selection: SelectionHead {
                    framework: sel.framework,
                    framework_title: sel.framework_title,
                    baseline: sel.baseline,
                    label: &sel.label,
                },
                control: c,
                evidence: c
                    .implementation
                    .as_ref()
                    .map(|i| {
                        i.evidence
                            .iter()
                            .filter_map(|e| evidence.get(e).copied())
                            .collect()
                    })
                    .unwrap_or_default(),
                findings,
            };
            let md = templates.render("markdown/control.md.j2", &ctx)?;
            let title = format!("{} ({}, {})", c.control, sys.id, sel.label);
            Ok(File {
                path: control_path(sys.id, sel, c.control),
                bytes: page(
                    "controls",
                    &title,
                    "../../../../",
                    &html::from_markdown(&md),
                )?
                .into_bytes(),
            })
        })
        .collect();
    files.extend(pages?);
    Ok(files)
}

/// Why a site could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "{0} is not empty and holds no site made by aegis (no manifest.json from aegis); choose an empty or new directory"
    )]
    NotASite(String),
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Writes the site into `dir`: each file atomically, then the manifest.
/// A directory that holds anything but an earlier aegis site is refused,
/// so a mistyped path never mixes the site into someone's files; pages of
/// the earlier site that this one no longer has are removed, and nothing
/// else is.
pub fn write(dir: &Path, files: &[File], meta: &super::Meta) -> Result<usize, WriteError> {
    let io = |path: &Path, source| WriteError::Io {
        path: path.display().to_string(),
        source,
    };
    let manifest_path = dir.join("manifest.json");
    let previous: Vec<String> = match std::fs::read_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io(dir, e)),
        Ok(mut entries) => {
            if entries.next().is_none() {
                Vec::new()
            } else {
                earlier_site(&manifest_path)
                    .ok_or_else(|| WriteError::NotASite(dir.display().to_string()))?
            }
        }
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let artifacts = files
        .iter()
        .map(|f| super::manifest::Artifact::of(&f.path, &f.bytes))
        .collect();
    let manifest = super::manifest::Manifest::new(meta, "site", "html", artifacts).to_json();
    if !manifest_path.exists() {
        // A new site gets its manifest first: a run killed halfway leaves
        // a directory the next run knows as its own, not one it refuses.
        crate::write::write_atomic(&manifest_path, manifest.as_bytes())
            .map_err(|e| io(&manifest_path, e))?;
    }
    files.par_iter().try_for_each(|f| {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        // A rerun rewrites only the pages that changed.
        crate::write::write_if_changed(&path, &f.bytes)
            .map(drop)
            .map_err(|e| io(&path, e))
    })?;
    let now: std::collections::HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for old in previous.iter().filter(|p| !now.contains(p.as_str())) {
        // Only plain relative paths the earlier manifest listed.
        if old
            .split('/')
            .all(|s| !s.is_empty() && s != ".." && s != ".")
        {
            let _ = std::fs::remove_file(dir.join(old));
        }
    }
    crate::write::write_if_changed(&manifest_path, manifest.as_bytes())
        .map_err(|e| io(&manifest_path, e))?;
    Ok(files.len() + 1)
}

/// The files an earlier aegis site listed, or `None` when `manifest.json`
/// is missing or was not written by aegis.
fn earlier_site(path: &Path) -> Option<Vec<String>> {
    let bytes = crate::workspace::read_bounded(path, 64 * 1024 * 1024).ok()??;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    if !v["generator"].as_str()?.starts_with("aegis ") || v["report"] != "site" {
        return None;
    }
    Some(
        v["artifacts"]
            .as_array()?
            .iter()
            .filter_map(|a| a["path"].as_str().map(str::to_string))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_are_plain_and_distinct() {
        assert_eq!(slug("AC-2"), "AC-2");
        assert_ne!(slug("AC-2(1)"), slug("AC-2_1_"));
        assert!(
            slug("../etc")
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
        );
        assert!(!slug("../etc").starts_with('.'));
        assert!(!slug("a/b").contains('/'));
    }
}
