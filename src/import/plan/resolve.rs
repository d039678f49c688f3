//! Finding, for an OSCAL control id, the repository framework that holds
//! it and the id in that framework's own form (`ac-2.1` → `AC-2(1)`).

use crate::import::{ImportError, native};
use crate::model::normalize_control_id;
use std::collections::HashMap;
use std::path::Path;

/// A control of a repository framework.
#[derive(Clone, Debug)]
pub struct Found {
    pub framework: String,
    /// The id implementations use: the catalog's label, else its id.
    pub id: String,
    pub params: Vec<String>,
}

/// A framework as the lookup needs it.
#[derive(Debug)]
struct Catalog {
    id: String,
    /// Source document names of the framework and of each baseline.
    names: Vec<String>,
    baselines: Vec<(String, Vec<String>)>,
    controls: HashMap<String, Found>,
}

/// The repository's frameworks, loaded once.
#[derive(Debug)]
pub struct Catalogs {
    catalogs: Vec<Catalog>,
}

/// Why a control could not be placed.
#[derive(Debug, PartialEq, Eq)]
pub enum Miss {
    NoFramework,
    Unknown { framework: Option<String> },
    Ambiguous(Vec<String>),
}

impl Catalogs {
    /// Loads framework `only`, or every framework of the repository.
    pub fn load(repo: &Path, only: Option<&str>) -> Result<Catalogs, ImportError> {
        let ids = match only {
            Some(id) => vec![id.to_string()],
            None => native::framework_ids(repo),
        };
        let mut catalogs = Vec::new();
        for id in ids {
            let loaded = native::load(repo, &id)?;
            let fw = loaded.framework;
            let mut controls = HashMap::new();
            for c in &fw.controls {
                let shown = c
                    .label
                    .as_deref()
                    .filter(|l| safe_file_stem(l))
                    .unwrap_or(c.id.as_str());
                let found = Found {
                    framework: id.clone(),
                    id: shown.to_string(),
                    params: c.params.iter().map(|p| p.id.clone()).collect(),
                };
                controls
                    .entry(normalize_control_id(c.id.as_str()))
                    .or_insert(found);
            }
            let names = source_names(fw.source.as_ref());
            let baselines = loaded
                .baselines
                .iter()
                .map(|b| {
                    let names = source_names(b.source.as_ref());
                    (b.id.0.clone(), names)
                })
                .collect();
            catalogs.push(Catalog {
                id,
                names,
                baselines,
                controls,
            });
        }
        Ok(Catalogs { catalogs })
    }

    pub fn is_empty(&self) -> bool {
        self.catalogs.is_empty()
    }

    /// The framework (and baseline) whose source document is one of
    /// `hrefs` (compared by file name without extension).
    pub fn by_source(&self, hrefs: &[String]) -> Option<(String, Option<String>)> {
        let wanted: Vec<String> = hrefs.iter().map(|h| stem(h)).collect();
        for c in &self.catalogs {
            for (b, names) in &c.baselines {
                if names.iter().any(|n| wanted.contains(n)) {
                    return Some((c.id.clone(), Some(b.clone())));
                }
            }
            if c.names.iter().any(|n| wanted.contains(n)) {
                return Some((c.id.clone(), None));
            }
        }
        None
    }

    /// The control `oscal_id` in `framework`, or in the one framework of
    /// the repository that has it.
    pub fn find(&self, framework: Option<&str>, oscal_id: &str) -> Result<Found, Miss> {
        let key = normalize_control_id(oscal_id);
        if let Some(fw) = framework {
            return self
                .catalogs
                .iter()
                .find(|c| c.id == fw)
                .and_then(|c| c.controls.get(&key))
                .cloned()
                .ok_or(Miss::Unknown {
                    framework: Some(fw.to_string()),
                });
        }
        if self.catalogs.is_empty() {
            return Err(Miss::NoFramework);
        }
        let hits: Vec<&Found> = self
            .catalogs
            .iter()
            .filter_map(|c| c.controls.get(&key))
            .collect();
        match hits.as_slice() {
            [] => Err(Miss::Unknown { framework: None }),
            [one] => Ok((*one).clone()),
            many => Err(Miss::Ambiguous(
                many.iter().map(|f| f.framework.clone()).collect(),
            )),
        }
    }
}

/// A document's name without folders, query, fragment or extensions, in
/// lower case: `../x/NIST_SP-800-53_rev5_LOW-baseline_profile.json` and
/// `https://h/NIST_SP-800-53_rev5_LOW-baseline_profile.xml` name the same.
/// The file stems a framework or baseline's source document is known by.
fn source_names(source: Option<&crate::model::Source>) -> Vec<String> {
    source
        .iter()
        .flat_map(|s| [s.document.as_deref(), s.url.as_deref()])
        .flatten()
        .map(stem)
        .collect()
}

fn stem(href: &str) -> String {
    let path = href.split(['?', '#']).next().unwrap_or(href);
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let name = name.split('.').next().unwrap_or(name);
    name.to_lowercase()
}

/// Whether `id` can name a file under `implementations/<system>/`: a
/// single path segment of letters, digits and `.-_()`, not starting with
/// a dot, at most 100 characters. This is what keeps `../`, `/`, `\` and
/// NUL out of the paths an import writes.
pub fn safe_file_stem(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && !id.starts_with('.')
        && !id.contains("..")
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '(' | ')'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_names_compare_without_folders_and_extensions() {
        assert_eq!(
            stem("../../x/NIST_SP-800-53_rev5_LOW-baseline_profile.json"),
            "nist_sp-800-53_rev5_low-baseline_profile"
        );
        assert_eq!(stem("https://h/a/B.oscal.xml#frag"), "b");
    }

    #[test]
    fn only_single_segment_ids_name_files() {
        for good in ["AC-2(1)", "ac-2.1", "A.5.15", "PR.AA-01"] {
            assert!(safe_file_stem(good), "{good}");
        }
        for bad in ["../x", "a/b", "a\\b", "a\0b", ".hidden", "", "a..b", "a b"] {
            assert!(!safe_file_stem(bad), "{bad:?}");
        }
    }
}
