//! Which repository framework each side of a set is, and which of its
//! controls each id of the source names.
//!
//! A side is resolved, in order: by `--from`/`--to`; by a name the source
//! gives that is a framework's id, or the CISO Assistant library URN its
//! import recorded; by the family and edition the source's names give
//! (`identity`); and, only when the source names no framework Aegis can
//! recognise, by the framework in which most of its ids resolve. When the
//! source names a framework the repository does not have, the import stops
//! and says how to add it rather than map onto another edition.

use super::identity::{self, Identity};
use super::{Error, RawRef, Side};
use crate::import::native;
use crate::model::{ControlId, normalize_control_id};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// A framework of the repository, as far as picking one needs.
#[derive(Clone, Debug)]
pub struct Head {
    pub id: String,
    pub title: String,
    pub version: String,
    /// `source.document`: a CISO Assistant import records its library URN.
    pub document: Option<String>,
    pub identity: Option<Identity>,
}

/// The controls of a framework, with every way a source may spell them.
#[derive(Debug)]
pub struct Catalog {
    pub id: String,
    /// Catalog order.
    pub controls: Vec<Ctl>,
    by_key: HashMap<String, usize>,
    /// Skeleton keys (see [`skeleton`]); `None` when two controls share one.
    by_skeleton: HashMap<String, Option<usize>>,
    by_urn: HashMap<String, usize>,
    groups: HashSet<String>,
}

#[derive(Debug)]
pub struct Ctl {
    pub id: ControlId,
    pub withdrawn: bool,
    pub replaced_by: Vec<ControlId>,
}

/// What an id of the source names in a framework.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    Control(usize),
    Withdrawn(usize),
    /// A group (family, category) of the framework, not a control.
    Group,
    Unknown,
}

/// How a side's framework was chosen, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chosen {
    Flag,
    /// A name the source gives is the framework's id or library URN.
    Named(String),
    /// The source's name means the framework's family and edition.
    Identity(String),
    /// The source names no framework Aegis recognises; most ids resolve here.
    Content {
        resolved: usize,
        of: usize,
    },
}

impl Chosen {
    pub fn describe(&self) -> String {
        match self {
            Chosen::Flag => "given with --from/--to".into(),
            Chosen::Named(n) => format!("named `{}` by the source", super::shown(n)),
            Chosen::Identity(n) => format!("the source's `{}`", super::shown(n)),
            Chosen::Content { resolved, of } => format!(
                "chosen by content: {resolved} of {of} ids resolve (pass --from/--to to choose)"
            ),
        }
    }
}

pub struct Repo {
    pub root: PathBuf,
    pub heads: Vec<Head>,
    catalogs: HashMap<String, Catalog>,
}

impl Repo {
    pub fn open(root: &Path) -> Result<Repo, Error> {
        if !root.join(crate::workspace::CONFIG_FILE).is_file() {
            return Err(Error::repo(format!(
                "{} has no aegis.yaml; run `aegis init {}` first, or pass --repo",
                root.display(),
                root.display()
            )));
        }
        let mut heads = Vec::new();
        for id in native::framework_ids(root) {
            let fw = native::load_head(root, &id).map_err(|e| Error::repo(e.to_string()))?;
            let identity = [fw.id.as_str(), fw.title.as_str()]
                .into_iter()
                .find_map(identity::of)
                .map(|mut i| {
                    if i.edition.is_none() {
                        i.edition = identity::edition_of_version(&fw.version);
                    }
                    i
                });
            heads.push(Head {
                id: fw.id.0.clone(),
                title: fw.title.clone(),
                version: fw.version.clone(),
                document: fw.source.as_ref().and_then(|s| s.document.clone()),
                identity,
            });
        }
        Ok(Repo {
            root: root.to_path_buf(),
            heads,
            catalogs: HashMap::new(),
        })
    }

    pub fn catalog(&mut self, id: &str) -> Result<&Catalog, Error> {
        if !self.catalogs.contains_key(id) {
            let loaded = native::load(&self.root, id).map_err(|e| Error::repo(e.to_string()))?;
            self.catalogs
                .insert(id.to_string(), Catalog::new(&loaded.framework));
        }
        self.catalogs
            .get(id)
            .ok_or_else(|| Error::repo(format!("framework `{id}` could not be loaded")))
    }

    /// Calls `f` with the catalogs of `a` and `b` (loaded if needed).
    pub fn with_catalogs<T>(
        &mut self,
        a: &str,
        b: &str,
        f: impl FnOnce(&Catalog, &Catalog) -> T,
    ) -> Result<T, Error> {
        self.catalog(a)?;
        self.catalog(b)?;
        match (self.catalogs.get(a), self.catalogs.get(b)) {
            (Some(x), Some(y)) => Ok(f(x, y)),
            _ => Err(Error::repo(format!(
                "frameworks `{a}` and `{b}` could not be loaded"
            ))),
        }
    }

    fn known(&self) -> String {
        if self.heads.is_empty() {
            "the repository has no frameworks yet".into()
        } else {
            let ids: Vec<&str> = self.heads.iter().map(|h| h.id.as_str()).collect();
            format!("the repository has: {}", ids.join(", "))
        }
    }

    /// The framework a side is. `role` is `source` or `target` (for
    /// messages), `flag` the `--from`/`--to` value, `ids` the side's ids
    /// (for the content fallback).
    pub fn pick(
        &mut self,
        path: &Path,
        side: &Side,
        role: &str,
        flag: Option<&str>,
        ids: &[&RawRef],
    ) -> Result<(String, Chosen), Error> {
        let flag_name = if role == "source" { "--from" } else { "--to" };
        if let Some(f) = flag {
            if self.heads.iter().any(|h| h.id == f) {
                return Ok((f.to_string(), Chosen::Flag));
            }
            return Err(Error::repo(format!(
                "{flag_name} `{}`: no such framework under controls/; {}",
                super::shown(f),
                self.known()
            )));
        }
        // A name that is a framework's id, or the URN of the library it was
        // imported from.
        for hint in &side.hints {
            let key = urn_key(hint);
            let named: Vec<&Head> = self
                .heads
                .iter()
                .filter(|h| {
                    h.id.eq_ignore_ascii_case(key)
                        || h.document.as_deref().is_some_and(|d| {
                            d.to_ascii_lowercase().starts_with("urn:")
                                && urn_key(d).eq_ignore_ascii_case(key)
                        })
                })
                .collect();
            if let [one] = named.as_slice() {
                return Ok((one.id.clone(), Chosen::Named(hint.clone())));
            }
        }
        // The family and edition the source's names give.
        let wanted: Vec<(String, Identity)> = side
            .hints
            .iter()
            .filter_map(|h| identity::of(h).map(|i| (h.clone(), i)))
            .collect();
        if let Some((hint, want)) = wanted.first() {
            let candidates: Vec<String> = self
                .heads
                .iter()
                .filter(|h| h.identity.as_ref().is_some_and(|i| want.matches(i)))
                .map(|h| h.id.clone())
                .collect();
            // An exact edition beats a refinement or an unknown one.
            let exact: Vec<String> = candidates
                .iter()
                .filter(|id| {
                    self.heads
                        .iter()
                        .any(|h| &h.id == *id && h.identity.as_ref().is_some_and(|i| want.exact(i)))
                })
                .cloned()
                .collect();
            let pool = if exact.is_empty() { candidates } else { exact };
            return match pool.len() {
                0 => Err(self.missing(path, role, flag_name, hint, want)),
                1 => Ok((pool[0].clone(), Chosen::Identity(hint.clone()))),
                _ => {
                    let scored = self.score(&pool, ids)?;
                    match scored.as_slice() {
                        [(best, n), (_, m), ..] if n > m => {
                            Ok((best.clone(), Chosen::Identity(hint.clone())))
                        }
                        _ => Err(Error::repo(format!(
                            "{}: the {role} framework, {} (`{}`), could be any of {}; pass {flag_name} <framework-id>",
                            path.display(),
                            want.describe(),
                            super::shown(hint),
                            pool.join(", ")
                        ))),
                    }
                }
            };
        }
        // No name Aegis recognises: the framework most of the ids resolve in.
        let all: Vec<String> = self.heads.iter().map(|h| h.id.clone()).collect();
        let scored = self.score(&all, ids)?;
        let named = side
            .hints
            .first()
            .map(|h| format!(" (it names it `{}`)", super::shown(h)))
            .unwrap_or_default();
        match scored.as_slice() {
            [(best, n), rest @ ..]
                if *n * 2 >= ids.len() && *n > 0 && rest.first().is_none_or(|(_, m)| n > m) =>
            {
                Ok((
                    best.clone(),
                    Chosen::Content {
                        resolved: *n,
                        of: ids.len(),
                    },
                ))
            }
            _ => Err(Error::repo(format!(
                "{}: cannot tell which framework is the {role}{named}: no framework of the repository holds most of its ids; import it with `aegis framework import`, or pass {flag_name} <framework-id> ({})",
                path.display(),
                self.known()
            ))),
        }
    }

    /// Frameworks by how many of `ids` resolve in them, most first.
    fn score(&mut self, pool: &[String], ids: &[&RawRef]) -> Result<Vec<(String, usize)>, Error> {
        let mut out = Vec::new();
        for id in pool {
            let cat = self.catalog(id)?;
            let n = ids
                .iter()
                .filter(|r| matches!(cat.lookup(r), Lookup::Control(_) | Lookup::Withdrawn(_)))
                .count();
            out.push((id.clone(), n));
        }
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    fn missing(&self, path: &Path, role: &str, flag: &str, hint: &str, want: &Identity) -> Error {
        Error::repo(format!(
            "{}: the {role} framework is {} (`{}`), which the repository does not have ({}); add it with {}, then import again, or pass {flag} <framework-id> to map onto a framework already there",
            path.display(),
            want.describe(),
            super::shown(hint),
            self.known(),
            how_to_add(want, &self.root)
        ))
    }
}

/// The last `:` segment of a URN (`urn:intuitem:risk:framework:x` → `x`);
/// any other name as it is.
fn urn_key(name: &str) -> &str {
    let t = name.trim();
    if t.len() > 4 && t[..4].eq_ignore_ascii_case("urn:") {
        t.rsplit(':').next().unwrap_or(t)
    } else {
        t
    }
}

/// How to add a framework of `want`'s identity: the command (a pinned
/// `framework fetch` where one exists, else the import of the source its
/// publisher releases), quoted, and where that source comes from.
pub fn how_to_add(want: &Identity, repo: &Path) -> String {
    let r = repo.display();
    let ed = want.edition.as_deref().unwrap_or("");
    let major = ed.split('.').next().unwrap_or("");
    let (command, from) = match (want.family, major) {
        ("sp800-53", "5") => (
            "aegis framework fetch nist-800-53-rev5-5.0.1".to_string(),
            None,
        ),
        ("sp800-53", "4") => (
            "aegis framework import NIST_SP-800-53_rev4_catalog.json".to_string(),
            Some("NIST's OSCAL catalog, usnistgov/oscal-content nist.gov/SP800-53/rev4/json/"),
        ),
        ("csf", "2") => (
            "aegis framework import nist-csf-2.0.yaml".to_string(),
            Some(
                "CISO Assistant's library; NIST's CSF 2.0 Reference Tool export csf2.xlsx works too",
            ),
        ),
        ("csf", "1") => (
            "aegis framework import nist-csf-1.1.yaml".to_string(),
            Some("CISO Assistant's library"),
        ),
        ("privacy-framework", _) => (
            "aegis framework import nist-privacy-1.0.yaml".to_string(),
            Some("CISO Assistant's library"),
        ),
        ("sp800-66", _) => (
            "aegis framework import nist-sp-800-66-rev2.yaml".to_string(),
            Some("CISO Assistant's library"),
        ),
        ("iso27001", _) => (
            format!(
                "aegis framework import <your ISO/IEC 27001:{ed} control list, CSV or XLSX> --columns id=<column>,title=<column> --id iso27001-{ed}"
            ),
            Some(
                "ISO does not publish the standard openly; Prowler's iso27001_2022_aws.json lists the 2022 Annex A ids",
            ),
        ),
        ("cis-controls", _) => (
            "aegis framework import cis_controls_8.1.json".to_string(),
            Some("Prowler's CIS Controls list"),
        ),
        ("soc2", _) => (
            "aegis framework import soc2_aws.json".to_string(),
            Some("Prowler's SOC 2 criteria list"),
        ),
        _ => (
            format!("aegis framework import <a catalog of {}>", want.describe()),
            None,
        ),
    };
    match from {
        Some(f) => format!("`{command} --repo {r}` ({f})"),
        None => format!("`{command} --repo {r}`"),
    }
}

/// `ac-02(01)`, `AC-2(1)`, `cc_6_1` and `cc6.1` alike: lower case,
/// leading zeros dropped, separators between letters and digits dropped,
/// separators between numbers made `.`.
pub fn skeleton(id: &str) -> String {
    let norm = normalize_control_id(id);
    let mut out = String::with_capacity(norm.len());
    let mut pending_sep = false;
    let mut prev: Option<char> = None;
    let mut chars = norm.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_ascii_alphanumeric() {
            pending_sep = true;
            continue;
        }
        let starts_number =
            c.is_ascii_digit() && (pending_sep || !prev.is_some_and(|p| p.is_ascii_digit()));
        // A separator between two numbers or two words stays (as `.`);
        // between a word and a number it goes.
        if pending_sep && prev.is_some_and(|p| p.is_ascii_digit() == c.is_ascii_digit()) {
            out.push('.');
        }
        pending_sep = false;
        if starts_number {
            // Drop leading zeros of a number, keeping one digit.
            let mut c = c;
            while c == '0' && chars.peek().is_some_and(char::is_ascii_digit) {
                c = chars.next().unwrap_or(c);
            }
            out.push(c);
            prev = Some(c);
            continue;
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

impl Catalog {
    fn new(fw: &crate::model::Framework) -> Catalog {
        let mut cat = Catalog {
            id: fw.id.0.clone(),
            controls: Vec::with_capacity(fw.controls.len()),
            by_key: HashMap::new(),
            by_skeleton: HashMap::new(),
            by_urn: HashMap::new(),
            groups: HashSet::new(),
        };
        for (i, c) in fw.controls.iter().enumerate() {
            let mut spellings = vec![c.id.0.as_str()];
            spellings.extend(c.label.as_deref());
            for s in spellings {
                cat.by_key.entry(normalize_control_id(s)).or_insert(i);
                let sk = skeleton(s);
                match cat.by_skeleton.get(&sk) {
                    Some(Some(j)) if *j != i => {
                        cat.by_skeleton.insert(sk, None);
                    }
                    Some(_) => {}
                    None => {
                        cat.by_skeleton.insert(sk, Some(i));
                    }
                }
            }
            for p in c.props.iter().filter(|p| p.name == "urn") {
                cat.by_urn.insert(p.value.trim().to_lowercase(), i);
            }
            cat.controls.push(Ctl {
                id: c.id.clone(),
                withdrawn: c.withdrawn,
                replaced_by: c
                    .moved_to
                    .iter()
                    .chain(&c.incorporated_into)
                    .cloned()
                    .collect(),
            });
        }
        for g in &fw.groups {
            cat.groups.insert(normalize_control_id(&g.id));
            cat.groups.insert(skeleton(&g.id));
            for p in g.props.iter().filter(|p| p.name == "urn") {
                cat.groups.insert(p.value.trim().to_lowercase());
            }
            for p in g.props.iter().filter(|p| p.name == "label") {
                cat.groups.insert(normalize_control_id(&p.value));
            }
        }
        cat
    }

    pub fn lookup(&self, r: &RawRef) -> Lookup {
        let found = |i: usize| {
            if self.controls[i].withdrawn {
                Lookup::Withdrawn(i)
            } else {
                Lookup::Control(i)
            }
        };
        if let Some(urn) = &r.urn {
            if let Some(&i) = self.by_urn.get(urn) {
                return found(i);
            }
            if self.groups.contains(urn) {
                return Lookup::Group;
            }
        }
        let key = normalize_control_id(&r.id);
        if let Some(&i) = self.by_key.get(&key) {
            return found(i);
        }
        let sk = skeleton(&r.id);
        if let Some(Some(i)) = self.by_skeleton.get(&sk) {
            return found(*i);
        }
        if self.groups.contains(&key) || self.groups.contains(&sk) {
            return Lookup::Group;
        }
        Lookup::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeletons_join_the_spellings_publishers_use() {
        assert_eq!(skeleton("PM-09"), skeleton("pm-9"));
        assert_eq!(skeleton("CM-06(01)"), skeleton("cm-6.1"));
        assert_eq!(skeleton("AC-2 (1)"), skeleton("ac-2.1"));
        assert_eq!(skeleton("cc_6_1"), skeleton("CC6.1"));
        assert_eq!(skeleton("GV.OC-01"), skeleton("gv.oc-1"));
        assert_ne!(skeleton("ac-2.1"), skeleton("ac-21"));
        assert_ne!(skeleton("cc6.11"), skeleton("cc61.1"));
        assert_eq!(skeleton("A.5.15"), "a5.15");
        assert_eq!(skeleton("10.0"), "10.0");
    }

    #[test]
    fn urn_keys_are_the_last_segment() {
        assert_eq!(
            urn_key("urn:intuitem:risk:framework:iso27001-2022"),
            "iso27001-2022"
        );
        assert_eq!(urn_key("catalogs/x.json"), "catalogs/x.json");
    }
}
