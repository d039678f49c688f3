//! From a scanner's references to the repository's controls, in a fixed
//! order, recording which way each finding was mapped: the result's own
//! NIST SP 800-53 references; its CCIs through a `cci` reference table;
//! its CWEs through a `cwe` table; any other reference through a table of
//! its scheme; then the repository's default controls for unmapped
//! findings. Nothing is ever guessed from a message's text.

use super::scan::RuleResult;
use crate::model::{Config, ControlRef, MappedBy, ReferenceTable, System};
use crate::validate::{Index, Located};

pub struct Mapper<'a> {
    index: &'a Index,
    /// The repository's SP 800-53 frameworks, newest revision first.
    nist: Vec<String>,
    tables: Vec<&'a ReferenceTable>,
    defaults: Vec<ControlRef>,
}

impl<'a> Mapper<'a> {
    pub fn new(
        index: &'a Index,
        config: Option<&Config>,
        tables: &'a [Located<ReferenceTable>],
    ) -> Self {
        let mut nist: Vec<String> = index
            .frameworks
            .keys()
            .filter(|id| id.contains("800-53"))
            .cloned()
            .collect();
        // rev5 before rev4: a reference names the current control first.
        nist.sort_by(|a, b| b.cmp(a));
        Mapper {
            index,
            nist,
            tables: tables.iter().map(|t| &*t.value).collect(),
            defaults: config
                .map(|c| c.findings.unmapped.clone())
                .unwrap_or_default(),
        }
    }

    /// The controls `r` counts against for `system`, and how they were found.
    pub fn map(&self, r: &RuleResult, system: Option<&System>) -> (Vec<ControlRef>, MappedBy) {
        let selected: Vec<&str> = system
            .map(|s| s.frameworks.iter().map(|f| f.framework.as_str()).collect())
            .unwrap_or_default();
        let found = self.by_nist(&r.refs.nist, &selected);
        if !found.is_empty() {
            return (found, MappedBy::References);
        }
        for (scheme, ids, how) in [
            ("cci", &r.refs.cci, MappedBy::Cci),
            ("cwe", &r.refs.cwe, MappedBy::Cwe),
        ] {
            let found = self.by_table(scheme, ids.iter().map(String::as_str), &selected);
            if !found.is_empty() {
                return (found, how);
            }
        }
        let other: Vec<(String, &str)> = r
            .refs
            .cce
            .iter()
            .map(|c| ("cce".to_string(), c.as_str()))
            .chain(
                r.refs
                    .other
                    .iter()
                    .map(|(s, i)| (s.to_ascii_lowercase(), i.as_str())),
            )
            .collect();
        let mut found = Vec::new();
        for (scheme, id) in &other {
            found.extend(self.by_table(scheme, std::iter::once(*id), &selected));
        }
        if !found.is_empty() {
            return (sorted(found), MappedBy::Table);
        }
        if self.defaults.is_empty() {
            (Vec::new(), MappedBy::Unmapped)
        } else {
            (self.defaults.clone(), MappedBy::Default)
        }
    }

    /// NIST references resolved in the system's selected 800-53 framework,
    /// else in the newest revision that has the control.
    fn by_nist(&self, refs: &[String], selected: &[&str]) -> Vec<ControlRef> {
        let order: Vec<&String> = self
            .nist
            .iter()
            .filter(|f| selected.contains(&f.as_str()))
            .chain(self.nist.iter().filter(|f| !selected.contains(&f.as_str())))
            .collect();
        let mut out = Vec::new();
        for raw in refs {
            let id = super::cci::control_of(raw).unwrap_or_else(|| raw.trim().to_string());
            if let Some(found) = order
                .iter()
                .map(|fw| self.controls(fw, &id))
                .find(|v| !v.is_empty())
            {
                out.extend(found);
            }
        }
        sorted(out)
    }

    /// References of `scheme` through the tables of that scheme, those for
    /// a framework the system selects first.
    fn by_table<'i>(
        &self,
        scheme: &str,
        ids: impl Iterator<Item = &'i str> + Clone,
        selected: &[&str],
    ) -> Vec<ControlRef> {
        let tables: Vec<&&ReferenceTable> =
            self.tables.iter().filter(|t| t.scheme == scheme).collect();
        let preferred: Vec<&&ReferenceTable> = tables
            .iter()
            .copied()
            .filter(|t| selected.contains(&t.framework.as_str()))
            .collect();
        let use_tables = if preferred.is_empty() {
            tables
        } else {
            preferred
        };
        let mut out = Vec::new();
        for t in use_tables {
            for id in ids.clone() {
                for control in t.map.get(id).into_iter().flatten() {
                    out.extend(self.controls(t.framework.as_str(), control));
                }
            }
        }
        sorted(out)
    }

    /// `framework:control` with the control as the framework writes it,
    /// when the framework has it. A withdrawn control counts as the
    /// controls it moved to or was incorporated into (a scanner written
    /// for an older revision names what is now elsewhere); one withdrawn
    /// without a successor maps to nothing.
    fn controls(&self, framework: &str, id: &str) -> Vec<ControlRef> {
        let Some(fw) = self.index.frameworks.get(framework) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut todo: Vec<usize> = fw.control(id).into_iter().collect();
        let mut seen = std::collections::HashSet::new();
        while let Some(i) = todo.pop() {
            if !seen.insert(i) {
                continue;
            }
            let c = &fw.controls[i];
            if c.withdrawn {
                todo.extend(c.replaced_by.iter().filter_map(|r| fw.control(r.as_str())));
            } else {
                out.push(ControlRef(format!("{framework}:{}", c.display())));
            }
        }
        out
    }
}

fn sorted(mut v: Vec<ControlRef>) -> Vec<ControlRef> {
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v.dedup();
    v
}
