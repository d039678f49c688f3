//! What the `xccdf` and `arf` readers share: XCCDF 1.1 and 1.2 rule
//! definitions (a `Benchmark`'s `Rule`s, with their groups, references and
//! idents) and test results (`TestResult` and its `rule-result`s), read
//! from one event stream, and turned into [`Scan`]s once the whole file
//! has been seen (so a `TestResult` may come before or after the rules it
//! names, and ARF's OVAL results, which come after the XCCDF report, can
//! still be attached).
//!
//! **Results.** `pass` and `fixed` are pass; `fail` fail; `error` error;
//! `unknown` error (XCCDF 1.2, NISTIR 7275r4, defines it as the tool
//! meeting some problem, such as being unable to interpret the checking
//! engine's output: a tool problem like `error`, not a rule that was left
//! unchecked; MITRE's converter maps it the same way); `notapplicable` not
//! applicable; `notchecked` not checked; `informational` informational;
//! `notselected` not applicable, with a message saying the profile did
//! not select it (the rule was not part of the profile applied; MITRE's
//! converter keeps such rules and counts them as not applicable, so they
//! are kept and counted the same way). A word that is not an XCCDF result
//! is an error, with a message saying so. A rule-result's `override`s
//! change it: the last one's `new-result` is the result, and `overridden`
//! names the old result, the authority, the time and the remark. A rule
//! reported several times in one `TestResult` (several instances, or
//! several checks, or MITRE's overlay conversions) is one result, the
//! worst of them, in the order XCCDF's AND truth table gives (a failure
//! decides, then an error, then not checked, then pass; informational and
//! not applicable only when nothing else was reported).
//!
//! **Severity**: the rule-result's, else the rule's (`info`, `low`,
//! `medium`, `high`; `unknown` is none).
//!
//! **References**: `ident`s by system (CCE, CCI, CVE, CWE, DISA legacy ids
//! as `stig-legacy`); `reference`s by their `href` as the SCAP Security
//! Guide writes them: NIST SP 800-53 (`nist`; comma-separated lists split),
//! NIST SP 800-171, DISA CCI and SRG, STIG ids, PCI DSS, CIS benchmarks and
//! controls, HIPAA, ISO 27001, COBIT, ISA 62443, NERC CIP, CJIS, OSPP,
//! ANSSI; Dublin Core references (`dc:identifier` under a `dc:title` or
//! `dc:source` naming 800-53) as NIST; any other reference as
//! `(href, text)`. DISA's STIG benchmarks also give the vulnerability id
//! from the group (`stig`, V-), the rule id (`stig-rule`, SV-), the rule's
//! `version` (`stig-id`) and the SRG from the group title (`srg`).
//!
//! **Observed**: SCE checks' output (`check-import import-name="stdout"`,
//! and `stderr` when not empty) as the script's observed value; OVAL
//! values come from ARF (see [`super::oval`]).
//!
//! **Fixes** (for `aegis remediation plan`): a rule's `fix`es (with their
//! `system`, `complexity`, `disruption`, `reboot` and `strategy`) and
//! `fixtext`s (as text guidance), kept for rules whose result is fail.
//! Their text is kept as written (the stream does not trim inside them),
//! and each `sub` is replaced by the value it names: the `TestResult`'s
//! `set-value`, else the profile's `set-value`, else the value its
//! `refine-value` selects, else the `Value`'s default; one that cannot be
//! resolved is left as a placeholder and listed with why.
//!
//! **Run**: the `TestResult`'s `target` (else the host name or FQDN fact,
//! else its first address) is each result's target; the tool and its
//! version from the `test-system` CPE (`cpe:/a:redhat:openscap:1.3.5` is
//! OpenSCAP 1.3.5, `cpe:/a:spawar:scc:5.4` is SCC 5.4), else OpenSCAP's
//! scanner facts; the time is the `end-time`, else the `start-time`; the
//! profile is the `profile` idref, else the benchmark id (the
//! `TestResult`'s `benchmark` or the enclosing `Benchmark`), else the
//! benchmark's `href`. The XCCDF
//! `score` and rule weights are not part of the scan model and are not
//! kept.

use super::short;
use crate::ingest::xml::{Start, XmlEvent, XmlStream};
use crate::ingest::{Fix, IngestError, Observation, Refs, RuleResult, Scan, ScanResult, Severity};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;

/// Observations kept per rule.
pub const MAX_OBSERVED: usize = 5;
/// Characters kept of a rule-result message.
const MESSAGE_CHARS: usize = 400;

// ---- walking the stream -------------------------------------------------------

/// Calls `f` for each child element of the element whose `Start` was just
/// returned, then returns at its end with the element's own text. `f` may
/// read the child or leave it: what it leaves is skipped.
pub fn each_child<R: BufRead>(
    xs: &mut XmlStream<R>,
    mut f: impl FnMut(&mut XmlStream<R>, &Start) -> Result<(), IngestError>,
) -> Result<String, IngestError> {
    let depth = xs.depth();
    let mut text = String::new();
    loop {
        match xs.next_event()? {
            Some(XmlEvent::Start(s)) => {
                f(xs, &s)?;
                xs.recycle(s);
                while xs.depth() > depth {
                    xs.skip()?;
                }
            }
            Some(XmlEvent::End) => return Ok(text),
            Some(XmlEvent::Text(t)) => {
                if text.len() < 64 * 1024 {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    text.push_str(&t);
                }
            }
            None => return Err(xs.error("the document ends inside an element")),
        }
    }
}

/// The text of the element whose `Start` was just returned, trimmed.
pub fn text<R: BufRead>(xs: &mut XmlStream<R>) -> Result<String, IngestError> {
    // Each text node comes trimmed, and they are joined with single spaces.
    xs.text_until_end()
}

fn some(s: String) -> Option<String> {
    let t = s.trim();
    if t.len() == s.len() {
        (!s.is_empty()).then_some(s)
    } else {
        (!t.is_empty()).then(|| t.to_string())
    }
}

// ---- rule definitions -----------------------------------------------------------

/// What a `Benchmark` says about one rule.
#[derive(Clone, Debug, Default)]
pub struct RuleDef {
    pub title: Option<String>,
    pub severity: Option<Severity>,
    pub refs: Refs,
    /// OVAL definition ids its checks name.
    pub checks: Vec<String>,
    /// Its `fix`es and `fixtext`s, `sub`s not yet resolved.
    pub fixes: Vec<RawFix>,
}

/// A rule's `fix` (or `fixtext`) as read: its attributes and its content,
/// text and `sub`stitutions in order.
#[derive(Clone, Debug, Default)]
pub struct RawFix {
    /// Its attributes (`content` still empty).
    pub fix: Fix,
    pub parts: Vec<FixPart>,
}

#[derive(Clone, Debug)]
pub enum FixPart {
    Text(String),
    /// `<sub idref="..."/>`: a Value's (or plain text's) id.
    Sub(String),
    /// `<instance context="..."/>`: the rule-result's instance.
    Instance,
}

/// An XCCDF `Value`: its default (the `value` without a selector) and its
/// values by selector.
#[derive(Clone, Debug, Default)]
pub struct ValueDef {
    pub default: Option<String>,
    pub by_selector: HashMap<String, String>,
}

/// What a `Profile` sets: `set-value`s and `refine-value` selectors.
#[derive(Clone, Debug, Default)]
pub struct ProfileValues {
    pub set: HashMap<String, String>,
    pub refine: HashMap<String, String>,
}

/// Fixes kept per rule, bytes per fix, and values and profiles per file: a
/// hostile benchmark cannot grow them without bound.
const MAX_FIXES: usize = 16;
const MAX_FIX_BYTES: usize = 256 * 1024;
const MAX_VALUES: usize = 1 << 16;

/// The rule definitions of every `Benchmark` read so far.
#[derive(Debug, Default)]
pub struct Defs {
    pub rules: HashMap<String, RuleDef>,
    /// The first benchmark's id.
    pub benchmark: Option<String>,
    /// `Value`s by id, and `plain-text`s (as values without selectors).
    pub values: HashMap<String, ValueDef>,
    /// `Profile`s by id.
    pub profiles: HashMap<String, ProfileValues>,
}

/// Reads a `Benchmark` whose `Start` was just returned: its rules go into
/// `defs`, its `TestResult`s into `runs`.
pub fn benchmark<R: BufRead>(
    xs: &mut XmlStream<R>,
    start: &Start,
    defs: &mut Defs,
    runs: &mut Vec<Run>,
) -> Result<(), IngestError> {
    if defs.benchmark.is_none() {
        defs.benchmark = start.attr("id").map(str::to_string);
    }
    let bench_id = start.attr("id").map(str::to_string);
    each_child(xs, |xs, s| match s.name.as_str() {
        "Group" => group(xs, s, defs),
        "Rule" => rule(xs, s, &Group::default(), defs),
        "Value" => value(xs, s, defs),
        "Profile" => profile(xs, s, defs),
        "plain-text" => {
            if let Some(id) = s.attr("id").map(str::to_string)
                && defs.values.len() < MAX_VALUES
            {
                let default = Some(text(xs)?);
                defs.values.insert(
                    id,
                    ValueDef {
                        default,
                        ..ValueDef::default()
                    },
                );
            }
            Ok(())
        }
        "TestResult" => {
            let mut run = test_result(xs, s)?;
            if run.benchmark.is_none() {
                run.benchmark = bench_id.clone();
            }
            runs.push(run);
            Ok(())
        }
        _ => Ok(()),
    })?;
    Ok(())
}

/// The group a rule sits in (the innermost).
#[derive(Clone, Debug, Default)]
struct Group {
    id: Option<String>,
    title: Option<String>,
}

fn group<R: BufRead>(
    xs: &mut XmlStream<R>,
    start: &Start,
    defs: &mut Defs,
) -> Result<(), IngestError> {
    let mut g = Group {
        id: start.attr("id").map(str::to_string),
        title: None,
    };
    // One unique borrow, so the title can be set and the group lent.
    let g = &mut g;
    each_child(xs, |xs, s| match s.name.as_str() {
        "title" if g.title.is_none() => {
            g.title = some(text(xs)?);
            Ok(())
        }
        "Group" => group(xs, s, defs),
        "Rule" => rule(xs, s, g, defs),
        "Value" => value(xs, s, defs),
        _ => Ok(()),
    })?;
    Ok(())
}

/// A `Value` whose `Start` was just returned.
fn value<R: BufRead>(
    xs: &mut XmlStream<R>,
    start: &Start,
    defs: &mut Defs,
) -> Result<(), IngestError> {
    let Some(id) = start.attr("id").map(str::to_string) else {
        return Ok(());
    };
    let mut v = ValueDef::default();
    each_child(xs, |xs, s| {
        if s.name == "value" {
            let selector = s.attr("selector").map(str::to_string);
            let t = text(xs)?;
            match selector.filter(|x| !x.is_empty()) {
                Some(sel) if v.by_selector.len() < 256 => {
                    v.by_selector.insert(sel, t);
                }
                Some(_) => {}
                None => v.default = Some(t),
            }
        }
        Ok(())
    })?;
    if defs.values.len() < MAX_VALUES {
        defs.values.insert(id, v);
    }
    Ok(())
}

/// A `Profile` whose `Start` was just returned: what it sets of `Value`s.
fn profile<R: BufRead>(
    xs: &mut XmlStream<R>,
    start: &Start,
    defs: &mut Defs,
) -> Result<(), IngestError> {
    let Some(id) = start.attr("id").map(str::to_string) else {
        return Ok(());
    };
    let mut p = ProfileValues::default();
    each_child(xs, |xs, s| {
        let Some(idref) = s.attr("idref").map(str::to_string) else {
            return Ok(());
        };
        if p.set.len() + p.refine.len() >= MAX_VALUES {
            return Ok(());
        }
        match s.name.as_str() {
            "set-value" => {
                p.set.insert(idref, text(xs)?);
            }
            "refine-value" => {
                if let Some(sel) = s.attr("selector") {
                    p.refine.insert(idref, sel.to_string());
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    if defs.profiles.len() < 4096 {
        defs.profiles.insert(id, p);
    }
    Ok(())
}

/// A `fix` whose `Start` was just returned, read to its end: its text as
/// written (the stream keeps `fix` text verbatim), `sub`s in place.
fn fix<R: BufRead>(xs: &mut XmlStream<R>, start: &Start) -> Result<RawFix, IngestError> {
    let attr = |k: &str| {
        start
            .attr(k)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let mut out = RawFix {
        fix: Fix {
            system: attr("system").unwrap_or_default(),
            id: attr("id"),
            complexity: attr("complexity"),
            disruption: attr("disruption"),
            strategy: attr("strategy"),
            reboot: attr("reboot").map(|r| matches!(r.as_str(), "true" | "1")),
            ..Fix::default()
        },
        parts: Vec::new(),
    };
    let target = xs.depth().saturating_sub(1);
    let mut bytes = 0;
    while xs.depth() > target {
        match xs.next_event()? {
            Some(XmlEvent::Text(t)) => {
                bytes += t.len();
                if bytes <= MAX_FIX_BYTES {
                    out.parts.push(FixPart::Text(t));
                }
            }
            Some(XmlEvent::Start(s)) => {
                match s.name.as_str() {
                    "sub" => {
                        if let Some(id) = s.attr("idref") {
                            out.parts.push(FixPart::Sub(id.trim().to_string()));
                        }
                    }
                    "instance" => out.parts.push(FixPart::Instance),
                    _ => {}
                }
                xs.recycle(s);
            }
            Some(XmlEvent::End) => {}
            None => return Err(xs.error("the document ends inside a fix")),
        }
    }
    Ok(out)
}

fn rule<R: BufRead>(
    xs: &mut XmlStream<R>,
    start: &Start,
    group: &Group,
    defs: &mut Defs,
) -> Result<(), IngestError> {
    let Some(id) = start.attr("id").map(str::to_string) else {
        xs.skip()?;
        return Ok(());
    };
    let mut def = RuleDef {
        severity: start.attr("severity").and_then(severity),
        ..RuleDef::default()
    };
    let mut version = None;
    each_child(xs, |xs, s| {
        match s.name.as_str() {
            "title" if def.title.is_none() => {
                def.title = short::line(&text(xs)?, 500);
            }
            "ident" => {
                let id = text(xs)?;
                ident(&mut def.refs, s.attr("system").unwrap_or(""), &id);
            }
            "reference" => reference(xs, s, &mut def.refs)?,
            "version" => version = some(text(xs)?),
            "fix" if def.fixes.len() < MAX_FIXES => def.fixes.push(fix(xs, s)?),
            "fixtext" if def.fixes.len() < MAX_FIXES => {
                let mut f = fix(xs, s)?;
                f.fix.system = Fix::TEXT.to_string();
                f.fix.id = s.attr("fixref").map(str::to_string);
                def.fixes.push(f);
            }
            "check" | "complex-check" => {
                let c = check(xs, s)?;
                for name in c.refs {
                    if !def.checks.contains(&name) && def.checks.len() < 64 {
                        def.checks.push(name);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    disa_ids(&mut def.refs, &id, group, version.as_deref());
    defs.rules.insert(id, def);
    Ok(())
}

/// DISA's ids from a STIG benchmark's group and rule.
fn disa_ids(refs: &mut Refs, rule_id: &str, group: &Group, version: Option<&str>) {
    if let Some(gid) = &group.id
        && let Some(v) = tail_from(gid, "V-")
    {
        other(refs, "stig", v);
    }
    if let Some(sv) = tail_from(rule_id, "SV-") {
        other(refs, "stig-rule", sv);
        if let Some(v) = version {
            other(refs, "stig-id", v);
        }
    }
    if let Some(t) = &group.title
        && t.starts_with("SRG-")
    {
        other(refs, "srg", t);
    }
}

/// `V-230221` from `xccdf_mil.disa.stig_group_V-230221`: the part from the
/// last `marker` when a digit follows it.
fn tail_from<'a>(id: &'a str, marker: &str) -> Option<&'a str> {
    let i = id.rfind(marker)?;
    let tail = &id[i..];
    tail[marker.len()..]
        .starts_with(|c: char| c.is_ascii_digit())
        .then_some(tail)
}

/// References kept per result, and characters per reference: a hostile
/// file's reference lists cannot grow a result without bound.
pub const MAX_REFS: usize = 512;
const MAX_REF_CHARS: usize = 200;

/// Whether `refs` has room for one more reference of `id`.
pub fn room(refs: &Refs, id: &str) -> bool {
    let n = refs.nist.len()
        + refs.cci.len()
        + refs.cwe.len()
        + refs.cce.len()
        + refs.cve.len()
        + refs.other.len();
    n < MAX_REFS && id.chars().count() <= MAX_REF_CHARS
}

pub fn other(refs: &mut Refs, scheme: &str, id: &str) {
    let id = id.trim();
    if !id.is_empty() && room(refs, id) && !refs.other.iter().any(|(s, x)| s == scheme && x == id) {
        refs.other.push((scheme.to_string(), id.to_string()));
    }
}

/// Whether `hay` contains the lower-case ASCII `needle`, ignoring case.
fn contains_ci(hay: &str, needle: &str) -> bool {
    // Systems and hrefs are nearly always lower case already.
    if !hay.bytes().any(|b| b.is_ascii_uppercase()) {
        return hay.contains(needle);
    }
    let n = needle.as_bytes();
    let Some(first) = n.first() else {
        return true;
    };
    hay.as_bytes()
        .windows(n.len())
        .any(|w| w[0].eq_ignore_ascii_case(first) && w.eq_ignore_ascii_case(n))
}

/// Whether `s` starts with `prefix`, ignoring ASCII case.
fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// XCCDF's severity words.
pub fn severity(word: &str) -> Option<Severity> {
    match word.trim().to_ascii_lowercase().as_str() {
        "info" | "informational" => Some(Severity::Info),
        "low" => Some(Severity::Low),
        "medium" => Some(Severity::Medium),
        "high" => Some(Severity::High),
        _ => None,
    }
}

/// An `ident` by its system, else by the id's own prefix.
pub fn ident(refs: &mut Refs, system: &str, id: &str) {
    let id = id.trim();
    if id.is_empty() || !room(refs, id) {
        return;
    }
    let is = |word: &str, prefix: &str| contains_ci(system, word) || starts_with_ci(id, prefix);
    if is("cci", "CCI-") {
        refs.push_cci(id);
    } else if is("cce", "CCE-") {
        Refs::push(&mut refs.cce, id);
    } else if is("cve", "CVE-") {
        Refs::push(&mut refs.cve, id);
    } else if is("cwe", "CWE-") {
        refs.push_cwe(id);
    } else if contains_ci(system, "legacy") {
        other(refs, "stig-legacy", id);
    } else {
        other(refs, if system.is_empty() { "ident" } else { system }, id);
    }
}

/// A `reference`: its `href` says what the text is.
fn reference<R: BufRead>(
    xs: &mut XmlStream<R>,
    start: &Start,
    refs: &mut Refs,
) -> Result<(), IngestError> {
    let href = start.attr("href").unwrap_or("").trim().to_string();
    // Dublin Core children, by local name.
    let mut dc: Vec<(String, String)> = Vec::new();
    let own = each_child(xs, |xs, s| {
        let t = text(xs)?;
        if !t.is_empty() {
            dc.push((s.name.clone(), t));
        }
        Ok(())
    })?;
    let own = own.trim();
    if !own.is_empty() {
        reference_text(refs, &href, own);
    }
    if !dc.is_empty() {
        let get = |k: &str| dc.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let about = ["title", "source", "subject", "publisher", "type"]
            .iter()
            .filter_map(|k| get(k))
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(id) = get("identifier")
            && (about.contains("800-53") || href.contains("800-53"))
        {
            for part in id.split(',') {
                if room(refs, part) {
                    Refs::push(&mut refs.nist, part);
                }
            }
        }
    }
    Ok(())
}

/// The text of a reference whose `href` is `href`.
pub fn reference_text(refs: &mut Refs, href: &str, text: &str) {
    let h = href.to_ascii_lowercase();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if !room(refs, part) {
            continue;
        }
        if starts_with_ci(part, "CCI-")
            || (h.contains("/cci") && part.chars().all(|c| c.is_ascii_digit()))
        {
            refs.push_cci(part);
        } else if starts_with_ci(part, "SRG-") {
            other(refs, "srg", part);
        } else if h.contains("800-53") {
            Refs::push(&mut refs.nist, part);
        } else if h.contains("800-171") {
            other(refs, "nist-800-171", part);
        } else if h.contains("cswp") || h.contains("cybersecurity-framework") {
            other(refs, "nist-csf", part);
        } else if h.contains("cyber.mil") || h.contains("disa.mil") {
            other(refs, "stig-id", part);
        } else if h.contains("pcisecuritystandards") {
            other(
                refs,
                if h.contains("v4") {
                    "pcidss4"
                } else {
                    "pcidss"
                },
                part,
            );
        } else if h.contains("cisecurity.org/controls") {
            other(refs, "cis-csc", part);
        } else if h.contains("cisecurity") {
            other(refs, "cis", part);
        } else if h.contains("gpo.gov") || h.contains("hhs.gov") {
            other(refs, "hipaa", part);
        } else if h.contains("iso.org") {
            other(refs, "iso27001", part);
        } else if h.contains("isaca.org") {
            other(refs, "cobit5", part);
        } else if h.contains("isa.org") {
            other(refs, "isa-62443", part);
        } else if h.contains("nerc.com") {
            other(refs, "nerc-cip", part);
        } else if h.contains("fbi.gov") {
            other(refs, "cjis", part);
        } else if h.contains("niap-ccevs") {
            other(refs, "ospp", part);
        } else if h.contains("ssi.gouv.fr") {
            other(refs, "anssi", part);
        } else if href.is_empty() {
            other(refs, "reference", part);
        } else {
            other(refs, href, part);
        }
    }
}

/// A `check` (or each check of a `complex-check`): the names its
/// `check-content-ref`s give (OVAL definition ids), and SCE output.
#[derive(Debug, Default)]
struct Check {
    refs: Vec<String>,
    observed: Vec<Observation>,
}

fn check<R: BufRead>(xs: &mut XmlStream<R>, start: &Start) -> Result<Check, IngestError> {
    let mut out = Check::default();
    check_into(xs, start, &mut out)?;
    Ok(out)
}

fn check_into<R: BufRead>(
    xs: &mut XmlStream<R>,
    start: &Start,
    out: &mut Check,
) -> Result<(), IngestError> {
    if start.name == "complex-check" {
        each_child(xs, |xs, s| {
            if s.name == "check" || s.name == "complex-check" {
                check_into(xs, s, out)?;
            }
            Ok(())
        })?;
        return Ok(());
    }
    let sce = start
        .attr("system")
        .is_some_and(|s| contains_ci(s, "open-scap.org/page/sce"));
    let mut script = None;
    let mut imports: Vec<(String, String)> = Vec::new();
    each_child(xs, |xs, s| {
        match s.name.as_str() {
            "check-content-ref" => {
                if let Some(name) = s.attr("name")
                    && out.refs.len() < 64
                {
                    out.refs.push(name.to_string());
                }
                if script.is_none() {
                    script = s.attr("href").map(str::to_string);
                }
            }
            "check-import" if sce => {
                let which = s.attr("import-name").unwrap_or("").to_string();
                let t = xs.text_until_end()?;
                imports.push((which, t));
            }
            _ => {}
        }
        Ok(())
    })?;
    let script = script.unwrap_or_else(|| "SCE check".to_string());
    for (which, t) in imports {
        let Some(actual) = short::message(&t) else {
            continue;
        };
        let name = match which.as_str() {
            "stdout" => script.clone(),
            "stderr" => format!("{script} (stderr)"),
            _ => continue,
        };
        out.observed.push(Observation {
            name,
            expected: None,
            actual: Some(actual),
        });
    }
    Ok(())
}

// ---- test results -----------------------------------------------------------------

/// One `TestResult`, as read; turned into a [`Scan`] by [`Run::finish`].
#[derive(Debug, Default)]
pub struct Run {
    pub id: Option<String>,
    start_time: Option<String>,
    end_time: Option<String>,
    test_system: Option<String>,
    scanner: Option<String>,
    scanner_version: Option<String>,
    pub benchmark: Option<String>,
    benchmark_href: Option<String>,
    profile: Option<String>,
    target: Option<String>,
    host_name: Option<String>,
    addresses: Vec<String>,
    /// The asset the run names (`target-id-ref`).
    pub asset_ref: Option<String>,
    /// The `set-value`s the run records (the values its profile applied).
    set_values: HashMap<String, String>,
    pub results: Vec<Raw>,
    /// Where each rule's result is in `results`: a rule reported again is
    /// folded in as it is read, so a file that repeats results is read in
    /// memory that does not grow with it.
    at: HashMap<String, usize>,
}

/// One `rule-result`, as read.
#[derive(Debug, Default)]
pub struct Raw {
    pub idref: String,
    pub result: Option<ScanResult>,
    word: String,
    overridden: Option<String>,
    severity: Option<Severity>,
    version: Option<String>,
    refs: Refs,
    message: Option<String>,
    /// The names its checks refer to (OVAL definition ids).
    pub checks: Vec<String>,
    pub observed: Vec<Observation>,
    evaluated: bool,
}

impl Raw {
    /// Whether the rule's check ran (so an engine's values belong to it).
    pub fn evaluated(&self) -> bool {
        self.evaluated
    }

    /// Another result of the same rule in the same run, folded in as
    /// [`merge`] folds finished results: the worse result decides.
    fn absorb(&mut self, other: Raw) {
        if let (Some(a), Some(b)) = (self.result, other.result)
            && rank(b) < rank(a)
        {
            self.result = other.result;
            self.word = other.word;
            if other.message.is_some() {
                self.message = other.message;
            }
        }
        self.evaluated |= other.evaluated;
        if self.overridden.is_none() {
            self.overridden = other.overridden;
        }
        if self.severity.is_none() {
            self.severity = other.severity;
        }
        if self.version.is_none() {
            self.version = other.version;
        }
        merge_refs(&mut self.refs, other.refs);
        for c in other.checks {
            if self.checks.len() < 64 && !self.checks.contains(&c) {
                self.checks.push(c);
            }
        }
        add_observed(&mut self.observed, other.observed);
    }
}

/// XCCDF's result words, as our results.
pub fn result_word(word: &str) -> Option<ScanResult> {
    Some(match word.trim() {
        "pass" | "fixed" => ScanResult::Pass,
        "fail" => ScanResult::Fail,
        "error" | "unknown" => ScanResult::Error,
        "notapplicable" | "notselected" => ScanResult::Notapplicable,
        "notchecked" => ScanResult::Notchecked,
        "informational" => ScanResult::Informational,
        _ => return None,
    })
}

/// Reads a `TestResult` whose `Start` was just returned.
pub fn test_result<R: BufRead>(xs: &mut XmlStream<R>, start: &Start) -> Result<Run, IngestError> {
    let mut run = Run {
        id: start.attr("id").map(str::to_string),
        start_time: start.attr("start-time").map(str::to_string),
        end_time: start.attr("end-time").map(str::to_string),
        test_system: start.attr("test-system").map(str::to_string),
        ..Run::default()
    };
    each_child(xs, |xs, s| {
        match s.name.as_str() {
            "benchmark" => {
                run.benchmark = s.attr("id").map(str::to_string);
                run.benchmark_href = s.attr("href").map(str::to_string);
            }
            "profile" => run.profile = s.attr("idref").map(str::to_string),
            "target" => run.target = some(text(xs)?),
            "target-address" => {
                if let Some(a) = some(text(xs)?)
                    && run.addresses.len() < 16
                {
                    run.addresses.push(a);
                }
            }
            "target-id-ref" => run.asset_ref = s.attr("name").map(str::to_string),
            "set-value" => {
                if let Some(idref) = s.attr("idref").map(str::to_string)
                    && run.set_values.len() < MAX_VALUES
                {
                    run.set_values.insert(idref, text(xs)?);
                }
            }
            "target-facts" => {
                each_child(xs, |xs, f| {
                    let name = f.attr("name").unwrap_or("").to_string();
                    let value = some(text(xs)?);
                    if name.ends_with(":scanner:name") {
                        run.scanner = value;
                    } else if name.ends_with(":scanner:version") {
                        run.scanner_version = value;
                    } else if (name.ends_with(":host_name") || name.ends_with(":fqdn"))
                        && run.host_name.is_none()
                    {
                        run.host_name = value;
                    }
                    Ok(())
                })?;
            }
            "rule-result" => {
                let r = rule_result(xs, s)?;
                match run.at.get(&r.idref) {
                    Some(&i) => run.results[i].absorb(r),
                    None => {
                        run.at.insert(r.idref.clone(), run.results.len());
                        run.results.push(r);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(run)
}

/// An `override` of a rule-result.
struct Override {
    new: String,
    old: Option<String>,
    authority: Option<String>,
    time: Option<String>,
    remark: Option<String>,
}

fn rule_result<R: BufRead>(xs: &mut XmlStream<R>, start: &Start) -> Result<Raw, IngestError> {
    let mut raw = Raw {
        idref: start.attr("idref").unwrap_or("").trim().to_string(),
        severity: start.attr("severity").and_then(severity),
        version: start.attr("version").map(str::to_string),
        ..Raw::default()
    };
    // Only the last override counts.
    let mut last_override: Option<Override> = None;
    let mut messages: Vec<String> = Vec::new();
    each_child(xs, |xs, s| {
        match s.name.as_str() {
            "result" => raw.word = text(xs)?,
            "override" => {
                let time = s.attr("time").or(s.attr("date")).map(str::to_string);
                let authority = s.attr("authority").map(str::to_string);
                let (mut old, mut new, mut remark) = (None, None, None);
                each_child(xs, |xs, c| {
                    match c.name.as_str() {
                        "old-result" => old = some(text(xs)?),
                        "new-result" => new = some(text(xs)?),
                        "remark" => remark = some(text(xs)?),
                        _ => {}
                    }
                    Ok(())
                })?;
                if let Some(new) = new {
                    last_override = Some(Override {
                        new,
                        old,
                        authority,
                        time,
                        remark,
                    });
                }
            }
            "ident" => {
                let id = text(xs)?;
                ident(&mut raw.refs, s.attr("system").unwrap_or(""), &id);
            }
            "message" => {
                if let Some(m) = some(text(xs)?) {
                    messages.push(m);
                }
            }
            "check" | "complex-check" => {
                let c = check(xs, s)?;
                for name in c.refs {
                    if raw.checks.len() < 64 && !raw.checks.contains(&name) {
                        raw.checks.push(name);
                    }
                }
                raw.observed.extend(c.observed);
            }
            _ => {}
        }
        Ok(())
    })?;
    if let Some(Override {
        new,
        old,
        authority,
        time,
        remark,
    }) = last_override
        && result_word(&new).is_some()
    {
        let mut s = format!(
            "overridden from {} to {new}",
            old.as_deref().unwrap_or(&raw.word)
        );
        if let Some(a) = authority {
            s.push_str(&format!(" by {a}"));
        }
        if let Some(t) = time {
            s.push_str(&format!(" on {t}"));
        }
        if let Some(r) = remark {
            s.push_str(": ");
            s.push_str(&r);
        }
        raw.overridden = short::message(&s);
        raw.word = new;
    }
    raw.result = result_word(&raw.word);
    raw.evaluated = matches!(
        raw.word.as_str(),
        "pass" | "fail" | "error" | "unknown" | "fixed" | "informational"
    );
    raw.message = short::clip(&messages.join("\n"), short::LINES, MESSAGE_CHARS);
    if raw.message.is_none() && raw.word == "notselected" {
        raw.message = Some("notselected: the profile applied does not select this rule".into());
    }
    if raw.result.is_none() {
        // Not an XCCDF result word: something went wrong in the tool.
        raw.result = Some(ScanResult::Error);
        raw.message = Some(format!(
            "`{}` is not an XCCDF result",
            short::line(&raw.word, 40).unwrap_or_default()
        ));
    }
    Ok(raw)
}

/// The worse of two results, as XCCDF's AND combines them.
fn rank(r: ScanResult) -> u8 {
    match r {
        ScanResult::Fail => 0,
        ScanResult::Error => 1,
        ScanResult::Notchecked => 2,
        ScanResult::Pass => 3,
        ScanResult::Informational => 4,
        ScanResult::Notapplicable => 5,
    }
}

impl Run {
    /// The target its results ran against.
    pub fn target(&self) -> Option<&str> {
        self.target
            .as_deref()
            .or(self.host_name.as_deref())
            .or(self.addresses.first().map(String::as_str))
    }

    /// The OVAL definitions whose results would be observed values for
    /// its evaluated rules: each rule-result's own check, else its rule's.
    pub fn wanted_definitions<'a>(&'a self, defs: &'a Defs) -> Vec<&'a str> {
        let mut out = Vec::new();
        for r in self.results.iter().filter(|r| r.evaluated()) {
            if r.checks.is_empty() {
                if let Some(d) = defs.rules.get(&r.idref) {
                    out.extend(d.checks.iter().map(String::as_str));
                }
            } else {
                out.extend(r.checks.iter().map(String::as_str));
            }
        }
        out
    }

    /// The scan: rule definitions applied, results merged by rule,
    /// `observe` asked for each evaluated rule's values from its check
    /// engine, `target` (an ARF asset) used when given. `last` says no other
    /// run of the file needs the rule definitions, so they are moved into
    /// the results rather than copied.
    pub fn finish(
        self,
        format: &'static str,
        defs: &mut Defs,
        last: bool,
        target: Option<String>,
        observe: &dyn Fn(&Raw, Option<&RuleDef>) -> Vec<Observation>,
    ) -> Scan {
        let target = target
            .or_else(|| self.target().map(str::to_string))
            .unwrap_or_default();
        let (tool, tool_version) = tool_of(
            self.test_system.as_deref(),
            self.scanner.as_deref(),
            self.scanner_version.as_deref(),
        );
        let mut results: Vec<RuleResult> = Vec::new();
        let mut at: HashMap<String, usize> = HashMap::new();
        let mut fixes: BTreeMap<String, Vec<Fix>> = BTreeMap::new();
        let profile_values = self
            .profile
            .as_deref()
            .and_then(|p| defs.profiles.get(p))
            .cloned()
            .unwrap_or_default();
        for raw in self.results {
            let Some(result) = raw.result else {
                continue;
            };
            if raw.idref.is_empty() {
                continue;
            }
            let def: Option<Cow<'_, RuleDef>> = if last {
                defs.rules.remove(&raw.idref).map(Cow::Owned)
            } else {
                defs.rules.get(&raw.idref).map(Cow::Borrowed)
            };
            let extra = observe(&raw, def.as_deref());
            let Raw {
                idref,
                severity,
                version,
                refs: raw_refs,
                message,
                overridden,
                mut observed,
                ..
            } = raw;
            observed.extend(extra);
            let failed = result == ScanResult::Fail;
            let (title, def_severity, mut refs, raw_fixes) = match def {
                Some(Cow::Owned(d)) => (d.title, d.severity, d.refs, d.fixes),
                Some(Cow::Borrowed(d)) => (
                    d.title.clone(),
                    d.severity,
                    d.refs.clone(),
                    if failed { d.fixes.clone() } else { Vec::new() },
                ),
                None => (None, None, Refs::default(), Vec::new()),
            };
            if failed && !raw_fixes.is_empty() && !fixes.contains_key(&idref) {
                let values = Values {
                    run: &self.set_values,
                    profile: &profile_values,
                    defs: &defs.values,
                };
                // An empty `fix` (converters write `<fix/>`) carries nothing.
                let resolved: Vec<Fix> = raw_fixes
                    .into_iter()
                    .map(|f| values.resolve(f))
                    .filter(|f| !f.content.is_empty())
                    .collect();
                if !resolved.is_empty() {
                    fixes.insert(idref.clone(), resolved);
                }
            }
            merge_refs(&mut refs, raw_refs);
            if let Some(v) = &version
                && tail_from(&idref, "SV-").is_some()
            {
                other(&mut refs, "stig-id", v);
            }
            let r = RuleResult {
                target: target.clone(),
                rule_id: idref.clone(),
                title,
                result,
                severity: severity.or(def_severity),
                refs,
                observed,
                message,
                overridden,
            };
            match at.get(&idref) {
                Some(&i) => merge(&mut results[i], r),
                None => {
                    at.insert(idref, results.len());
                    results.push(r);
                }
            }
        }
        for r in &mut results {
            r.observed.truncate(MAX_OBSERVED);
        }
        Scan {
            format,
            tool,
            tool_version,
            id: self.id,
            time: self.end_time.or(self.start_time),
            profile: self.profile.or(self.benchmark).or(self.benchmark_href),
            results,
            stated: Default::default(),
            fixes,
        }
    }
}

/// Where a fix's `sub` values come from, in the order tried: the test
/// result's `set-value`s (what the scanner applied), the profile's
/// `set-value`s, the profile's `refine-value` selector of the `Value`, the
/// `Value`'s default.
struct Values<'a> {
    run: &'a HashMap<String, String>,
    profile: &'a ProfileValues,
    defs: &'a HashMap<String, ValueDef>,
}

impl Values<'_> {
    fn value(&self, idref: &str) -> Result<String, String> {
        if let Some(v) = self.run.get(idref).or_else(|| self.profile.set.get(idref)) {
            return Ok(v.clone());
        }
        let Some(def) = self.defs.get(idref) else {
            return Err(format!(
                "no Value `{idref}` in the benchmark, and the test result sets none"
            ));
        };
        if let Some(sel) = self.profile.refine.get(idref) {
            return def.by_selector.get(sel).cloned().ok_or_else(|| {
                format!("the profile selects `{sel}` of Value `{idref}`, which has no such value")
            });
        }
        def.default.clone().ok_or_else(|| {
            format!("Value `{idref}` has no default, and neither the profile nor the test result sets it")
        })
    }

    fn resolve(&self, raw: RawFix) -> Fix {
        let mut content = String::new();
        let mut values = std::collections::BTreeMap::new();
        let mut unresolved = std::collections::BTreeMap::new();
        for part in raw.parts {
            match part {
                FixPart::Text(t) => content.push_str(&t),
                FixPart::Sub(idref) => match self.value(&idref) {
                    Ok(v) => {
                        content.push_str(&v);
                        values.insert(idref, v);
                    }
                    Err(why) => {
                        content.push_str(&Fix::placeholder(&idref));
                        unresolved.insert(idref, why);
                    }
                },
                FixPart::Instance => {
                    content.push_str(&Fix::placeholder("instance"));
                    unresolved.insert(
                        "instance".to_string(),
                        "the fix names the rule-result's instance, which differs per result"
                            .to_string(),
                    );
                }
            }
        }
        Fix {
            content: tidy(&content),
            unresolved: unresolved.into_iter().collect(),
            values: values.into_iter().collect(),
            ..raw.fix
        }
    }
}

/// A fix's content without the blank lines around it and without the
/// indentation all its lines share (a fix indented with its XML).
pub fn tidy(content: &str) -> String {
    let lines: Vec<&str> = content.lines().map(str::trim_end).collect();
    let first = lines.iter().position(|l| !l.is_empty());
    let last = lines.iter().rposition(|l| !l.is_empty());
    let (Some(first), Some(last)) = (first, last) else {
        return String::new();
    };
    let body = &lines[first..=last];
    let indent = body
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    body.iter()
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `from`'s references added to `into`, moved.
fn merge_refs(into: &mut Refs, from: Refs) {
    if into.is_empty() {
        *into = from;
        return;
    }
    for n in from.nist {
        Refs::push(&mut into.nist, n);
    }
    for c in from.cci {
        Refs::push(&mut into.cci, c);
    }
    for c in from.cwe {
        Refs::push(&mut into.cwe, c);
    }
    for c in from.cce {
        Refs::push(&mut into.cce, c);
    }
    for c in from.cve {
        Refs::push(&mut into.cve, c);
    }
    for (s, id) in from.other {
        other(into, &s, &id);
    }
}

/// `from`'s observations not already in `into`, up to the number kept.
fn add_observed(into: &mut Vec<Observation>, from: Vec<Observation>) {
    for o in from {
        if into.len() >= MAX_OBSERVED {
            break;
        }
        if !into.contains(&o) {
            into.push(o);
        }
    }
}

/// A second result for the same rule: the worse one decides.
fn merge(into: &mut RuleResult, r: RuleResult) {
    if rank(r.result) < rank(into.result) {
        into.result = r.result;
        if r.message.is_some() {
            into.message = r.message;
        }
    }
    if into.overridden.is_none() {
        into.overridden = r.overridden;
    }
    if into.severity.is_none() {
        into.severity = r.severity;
    }
    merge_refs(&mut into.refs, r.refs);
    add_observed(&mut into.observed, r.observed);
}

/// The tool from the `test-system` CPE (2.2 `cpe:/a:vendor:product:version`
/// or 2.3 `cpe:2.3:a:vendor:product:version`), else the scanner facts.
fn tool_of(
    cpe: Option<&str>,
    scanner: Option<&str>,
    scanner_version: Option<&str>,
) -> (String, Option<String>) {
    if let Some(cpe) = cpe {
        let parts: Vec<&str> = if let Some(rest) = cpe.strip_prefix("cpe:2.3:") {
            rest.split(':').collect()
        } else if let Some(rest) = cpe.strip_prefix("cpe:/") {
            rest.split(':').collect()
        } else {
            Vec::new()
        };
        if let Some(product) = parts.get(2).filter(|p| !p.is_empty()) {
            let name = match product.to_ascii_lowercase().as_str() {
                "openscap" => "OpenSCAP".to_string(),
                "scc" => "SCC".to_string(),
                _ => product.to_string(),
            };
            let version = parts
                .get(3)
                .filter(|v| !v.is_empty() && **v != "*" && **v != "-")
                .map(|v| v.to_string());
            return (name, version);
        }
    }
    match scanner {
        Some(s) => (s.to_string(), scanner_version.map(str::to_string)),
        None => ("XCCDF".to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_by_href() {
        let mut r = Refs::default();
        reference_text(
            &mut r,
            "http://nvlpubs.nist.gov/nistpubs/SpecialPublications/NIST.SP.800-53r4.pdf",
            "AC-2(1), AC-7(a)",
        );
        reference_text(&mut r, "http://iase.disa.mil/cci/index.html", "366");
        reference_text(&mut r, "https://public.cyber.mil/stigs/cci/", "CCI-000018");
        reference_text(
            &mut r,
            "https://public.cyber.mil/stigs/srg-stig-tools/",
            "SRG-OS-000480-GPOS-00227",
        );
        reference_text(
            &mut r,
            "https://public.cyber.mil/stigs/downloads/?_dl_facet_stigs=operating-systems",
            "RHEL-08-010000",
        );
        reference_text(
            &mut r,
            "https://www.pcisecuritystandards.org/documents/PCI_DSS_v3-2-1.pdf",
            "Req-2.2.4",
        );
        reference_text(
            &mut r,
            "https://www.cisecurity.org/benchmark/red_hat_linux/",
            "5.2.10",
        );
        reference_text(&mut r, "https://www.cisecurity.org/controls/", "1, 12");
        reference_text(&mut r, "https://example.org/std", "X.1");
        assert_eq!(r.nist, vec!["AC-2(1)", "AC-7(a)"]);
        assert_eq!(r.cci, vec!["CCI-000366", "CCI-000018"]);
        let other: Vec<(&str, &str)> = r
            .other
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(
            other,
            vec![
                ("srg", "SRG-OS-000480-GPOS-00227"),
                ("stig-id", "RHEL-08-010000"),
                ("pcidss", "Req-2.2.4"),
                ("cis", "5.2.10"),
                ("cis-csc", "1"),
                ("cis-csc", "12"),
                ("https://example.org/std", "X.1"),
            ]
        );
    }

    #[test]
    fn reference_lists_are_bounded() {
        let mut r = Refs::default();
        let many: Vec<String> = (0..10_000).map(|i| format!("AC-{i}")).collect();
        reference_text(&mut r, "NIST.SP.800-53r5.pdf", &many.join(","));
        reference_text(&mut r, "https://example.org", &"x".repeat(5000));
        ident(&mut r, "urn:x", "more");
        assert_eq!(r.nist.len(), MAX_REFS);
        assert!(r.other.is_empty());
    }

    #[test]
    fn idents_by_system_and_prefix() {
        let mut r = Refs::default();
        ident(&mut r, "http://cce.mitre.org", "CCE-26970-4");
        ident(&mut r, "http://cyber.mil/cci", "CCI-000048");
        ident(&mut r, "http://cyber.mil/legacy", "V-71859");
        ident(&mut r, "http://cve.mitre.org", "CVE-2005-3629");
        ident(&mut r, "", "CWE-79");
        ident(&mut r, "urn:other", "X-1");
        assert_eq!(r.cce, vec!["CCE-26970-4"]);
        assert_eq!(r.cci, vec!["CCI-000048"]);
        assert_eq!(r.cve, vec!["CVE-2005-3629"]);
        assert_eq!(r.cwe, vec!["CWE-79"]);
        assert_eq!(
            r.other,
            vec![
                ("stig-legacy".to_string(), "V-71859".to_string()),
                ("urn:other".to_string(), "X-1".to_string())
            ]
        );
    }

    #[test]
    fn tools_from_cpes_and_facts() {
        assert_eq!(
            tool_of(Some("cpe:/a:redhat:openscap:1.3.5"), None, None),
            ("OpenSCAP".into(), Some("1.3.5".into()))
        );
        assert_eq!(
            tool_of(Some("cpe:2.3:a:spawar:scc:5.4:*:*:*:*:*:*:*"), None, None),
            ("SCC".into(), Some("5.4".into()))
        );
        assert_eq!(
            tool_of(None, Some("OpenSCAP"), Some("1.2.17")),
            ("OpenSCAP".into(), Some("1.2.17".into()))
        );
        assert_eq!(tool_of(None, None, None), ("XCCDF".into(), None));
    }
}
