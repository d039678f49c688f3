//! Control ids as spreadsheets write them (`AC-2 (1)`, `ac-02`, `AC.2`,
//! several in one cell) resolved against the repository's frameworks.

use crate::import::{ImportError, native};
use crate::model::normalize_control_id;
use std::collections::HashMap;
use std::path::Path;

/// A control found in a repository framework.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub framework: String,
    /// The id records use: the catalog's label when it can name a file,
    /// else its id (as `oscal import` does).
    pub id: String,
}

impl Found {
    pub fn reference(&self) -> String {
        format!("{}:{}", self.framework, self.id)
    }
}

struct Framework {
    id: String,
    controls: Vec<String>,
    /// `normalize_control_id` form → index in `controls`.
    exact: HashMap<String, Vec<usize>>,
    /// [`loose_id`] form → index in `controls`.
    loose: HashMap<String, Vec<usize>>,
}

/// Every framework of the repository, indexed for loose lookup.
pub struct ControlIndex {
    frameworks: Vec<Framework>,
}

impl ControlIndex {
    pub fn load(repo: &Path) -> Result<ControlIndex, ImportError> {
        let mut frameworks = Vec::new();
        for id in native::framework_ids(repo) {
            let loaded = native::load(repo, &id)?;
            let mut fw = Framework {
                id: id.clone(),
                controls: Vec::new(),
                exact: HashMap::new(),
                loose: HashMap::new(),
            };
            for c in &loaded.framework.controls {
                let shown = c
                    .label
                    .as_deref()
                    .filter(|l| super::super::plan::resolve::safe_file_stem(l))
                    .unwrap_or(c.id.as_str())
                    .to_string();
                let i = fw.controls.len();
                let mut keys = vec![c.id.as_str().to_string()];
                keys.extend(c.label.clone());
                for k in keys {
                    push_unique(fw.exact.entry(normalize_control_id(&k)).or_default(), i);
                    push_unique(fw.loose.entry(loose_id(&k)).or_default(), i);
                }
                fw.controls.push(shown);
            }
            frameworks.push(fw);
        }
        Ok(ControlIndex { frameworks })
    }

    pub fn is_empty(&self) -> bool {
        self.frameworks.is_empty()
    }

    pub fn has_framework(&self, id: &str) -> bool {
        self.frameworks.iter().any(|f| f.id == id)
    }

    pub fn framework_ids(&self) -> Vec<&str> {
        self.frameworks.iter().map(|f| f.id.as_str()).collect()
    }

    /// The control `text` names in one of `within` (every framework when
    /// empty). `fw:ID` names its framework itself.
    pub fn resolve(&self, text: &str, within: &[String]) -> Result<Found, String> {
        let t = text.trim();
        let (within, id): (Vec<&Framework>, &str) = match t.split_once(':') {
            Some((fw, id)) if self.has_framework(fw.trim()) => (
                self.frameworks
                    .iter()
                    .filter(|f| f.id == fw.trim())
                    .collect(),
                id,
            ),
            _ => (
                self.frameworks
                    .iter()
                    .filter(|f| within.is_empty() || within.contains(&f.id))
                    .collect(),
                t,
            ),
        };
        let shown = crate::excerpt::text(t);
        if within.is_empty() {
            return Err(format!(
                "no framework to look `{shown}` up in: import one with `aegis framework import`"
            ));
        }
        for (table, how) in [(0, normalize_control_id(id)), (1, loose_id(id))] {
            let hits: Vec<Found> = within
                .iter()
                .flat_map(|f| {
                    let map = if table == 0 { &f.exact } else { &f.loose };
                    map.get(&how).into_iter().flatten().map(|&i| Found {
                        framework: f.id.clone(),
                        id: f.controls[i].clone(),
                    })
                })
                .collect();
            match hits.as_slice() {
                [] => {}
                [one] => return Ok(one.clone()),
                many => {
                    return Err(format!(
                        "`{shown}` could be {}: write the control as `<framework>:<id>`, or set `framework:` in the mapping",
                        many.iter()
                            .map(|f| format!("`{}`", f.reference()))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ));
                }
            }
        }
        let key = loose_id(id);
        let mut near: Vec<(usize, String)> = within
            .iter()
            .flat_map(|f| f.controls.iter())
            .map(|c| (strsim::levenshtein(&loose_id(c), &key), c.clone()))
            .filter(|(d, _)| *d <= 2 && key.len() > 2)
            .collect();
        near.sort();
        near.dedup_by(|a, b| a.1 == b.1);
        let hint = match near.as_slice() {
            [] => String::new(),
            some => format!(
                "; did you mean {}?",
                some.iter()
                    .take(3)
                    .map(|(_, c)| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        };
        let names: Vec<&str> = within.iter().map(|f| f.id.as_str()).collect();
        Err(format!(
            "unknown control `{shown}` (not in {}){hint}",
            names.join(", ")
        ))
    }

    /// Every control a cell names: items separated by `,` `;` `|` or line
    /// breaks, or by spaces when the item as a whole is no control
    /// (`AC-2 AC-3`, but `AC-2 (1)` stays one).
    pub fn resolve_cell(&self, text: &str, within: &[String]) -> Vec<Result<Found, String>> {
        let mut out = Vec::new();
        for item in super::value::split_list(text) {
            let whole = self.resolve(&item, within);
            if whole.is_ok() || !item.contains(char::is_whitespace) {
                out.push(whole);
                continue;
            }
            let mut words: Vec<String> = Vec::new();
            for w in item.split_whitespace() {
                match words.last_mut() {
                    Some(last) if w.starts_with('(') => {
                        last.push(' ');
                        last.push_str(w);
                    }
                    _ if matches!(w.to_lowercase().as_str(), "and" | "&" | "+") => {}
                    _ => words.push(w.to_string()),
                }
            }
            let parts: Vec<Result<Found, String>> =
                words.iter().map(|w| self.resolve(w, within)).collect();
            if parts.len() > 1 && parts.iter().all(Result::is_ok) {
                out.extend(parts);
                continue;
            }
            // `AC-2 Account Management`, `AC-2 - Account Management`: an id
            // with its title in the same cell.
            let titled = words.iter().skip(1).any(|w| {
                w.chars().filter(|c| c.is_alphabetic()).count() >= 3
                    && self.resolve(w, within).is_err()
            });
            let ids = words.iter().all(|w| w.chars().any(|c| c.is_ascii_digit()));
            match parts.first() {
                Some(Ok(first)) if titled => out.push(Ok(first.clone())),
                // `AC-2 AC-99`: each id on its own, the unknown one refused.
                _ if ids && parts.len() > 1 => out.extend(parts),
                _ => out.push(whole),
            }
        }
        out
    }
}

fn push_unique(v: &mut Vec<usize>, i: usize) {
    if !v.contains(&i) {
        v.push(i);
    }
}

/// The loosest form of a control id: letters and numbers in order, numbers
/// without leading zeros, everything else a separator. `AC-2 (1)`,
/// `ac-02(01)`, `AC.2.1` and `AC2.1` all become `ac.2.1`.
pub fn loose_id(id: &str) -> String {
    let mut tokens: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut digits = false;
    for c in id.trim().chars() {
        if c.is_alphanumeric() {
            let d = c.is_ascii_digit();
            if !cur.is_empty() && d != digits {
                tokens.push(std::mem::take(&mut cur));
            }
            digits = d;
            cur.extend(c.to_lowercase());
        } else if !cur.is_empty() {
            tokens.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    tokens
        .into_iter()
        .map(|t| {
            if t.chars().all(|c| c.is_ascii_digit()) {
                let trimmed = t.trim_start_matches('0');
                if trimmed.is_empty() {
                    "0".to_string()
                } else {
                    trimmed.to_string()
                }
            } else {
                t
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_forms_of_one_control_agree() {
        for id in [
            "AC-2(1)",
            "AC-2 (1)",
            "ac-02(01)",
            "AC.2.1",
            "AC2.1",
            " ac-2.1 ",
        ] {
            assert_eq!(loose_id(id), "ac.2.1", "{id}");
        }
        assert_eq!(loose_id("A.5.15"), "a.5.15");
        assert_eq!(loose_id("PR.AA-01"), "pr.aa.1");
        assert_ne!(loose_id("AC-2"), loose_id("AC-20"));
    }

    fn index() -> ControlIndex {
        let ids = ["AC-2", "AC-2(1)", "AC-3", "AC-20", "IA-5"];
        let mut fw = Framework {
            id: "nist".into(),
            controls: Vec::new(),
            exact: HashMap::new(),
            loose: HashMap::new(),
        };
        for (i, id) in ids.iter().enumerate() {
            fw.exact
                .entry(normalize_control_id(id))
                .or_default()
                .push(i);
            fw.loose.entry(loose_id(id)).or_default().push(i);
            fw.controls.push(id.to_string());
        }
        ControlIndex {
            frameworks: vec![fw],
        }
    }

    #[test]
    fn cells_name_one_or_several_controls() {
        let idx = index();
        let ids = |cell: &str| -> Vec<String> {
            idx.resolve_cell(cell, &[])
                .into_iter()
                .map(|r| r.map(|f| f.id).unwrap_or_else(|e| e))
                .collect()
        };
        assert_eq!(ids("AC-2 (1)"), ["AC-2(1)"]);
        assert_eq!(ids("ac-02"), ["AC-2"]);
        assert_eq!(ids("AC.2"), ["AC-2"]);
        assert_eq!(ids("nist:ac-3"), ["AC-3"]);
        assert_eq!(ids("AC-2, AC-3; IA-5"), ["AC-2", "AC-3", "IA-5"]);
        assert_eq!(ids("AC-2 and AC-3"), ["AC-2", "AC-3"]);
        assert_eq!(ids("AC-2 (1) Automated Account Management"), ["AC-2(1)"]);
        assert_eq!(ids("AC-3: Access Enforcement"), ["AC-3"]);
        assert_eq!(ids("IA-5 - Authenticator Management"), ["IA-5"]);
        let mixed = ids("AC-2 AC-99");
        assert_eq!(mixed[0], "AC-2");
        assert!(mixed[1].starts_with("unknown control `AC-99`"), "{mixed:?}");
        let unknown = ids("AC-21");
        assert!(
            unknown[0].contains("unknown control `AC-21`"),
            "{unknown:?}"
        );
        assert!(unknown[0].contains("did you mean `AC-2`"), "{unknown:?}");
    }
}
