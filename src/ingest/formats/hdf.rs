//! MITRE's Heimdall Data Format (HDF) and the InSpec JSON reporter's
//! output it extends: `platform`, `version`, `statistics` and `profiles`,
//! each profile's `controls` carrying `impact`, `tags` and `results`.
//!
//! **Status.** One result per control that ran, its status derived as
//! Heimdall derives it (inspecjs `compute_status`): a result with a
//! `backtrace` counts as an error; any error makes the control `error`
//! (before anything else, impact 0 included); then a waiver that skipped
//! the control (`waiver_data.skipped_due_to_waiver`) or impact 0 makes it
//! `notapplicable`; then any failed result `fail`, any passed `pass`, only
//! skipped results `notchecked`; anything else (no status at all) `error`.
//! Controls without results did not run (a profile JSON, a skipped
//! profile, a control with no `describe`) and give no result (Heimdall
//! calls such a control a profile error; nothing ran, so nothing is
//! reported here). InSpec 1.x's flat top-level `controls` list carries no
//! control ids, so only the profiles are read.
//!
//! **Severity** as Heimdall's: the `severityoverride` tag, else the
//! `severity` tag (when either is none/low/medium/high/critical), else the
//! impact (below 0.1 none, below 0.4 low, below 0.7 medium, below 0.9 high,
//! else critical). `none` is [`Severity::Info`].
//!
//! **Overridden** says so, one clause each, when the control carries a
//! waiver (`waiver_data` with a justification, or skipped by one), an
//! attestation (`attestation_data`: SAF's `attest apply` adds its verdict
//! as a result, so the status already includes it), or a
//! `severityoverride` tag (as MITRE's checklist converter writes a STIG
//! Viewer severity override).
//!
//! **Overlays.** A profile that wraps another (`depends`) is named by the
//! wrapped one's `parent_profile`; InSpec runs the control once, reports
//! its results under the profile that defines it (the deepest), and
//! restates the control in every layer above. As Heimdall does, each
//! control of the outermost layer is followed down to the control that
//! holds the results, and gives one result with that control's status.
//! The overlay's changes are applied field by field: impact, title, each
//! tag, the waiver and the attestation are taken from the outermost layer
//! that states them, then the next layer down. (InSpec's reporter already
//! writes the overlaid impact and tags into every layer, so in files InSpec
//! wrote all layers agree and this equals Heimdall's reading, which takes
//! the innermost layer's; where a file disagrees, the overlay's statement
//! wins, as InSpec applies it.) Profiles that are not overlays of one
//! another but run the same control id give one result, the first that
//! ran it; every control that ran is reported once even when the
//! `parent_profile` links are broken or circular.
//!
//! **References**: `tags.nist` (revision markers such as `Rev_4` left
//! out), `tags.cci`, `tags.cce_id`/`tags.cce`, `tags.cwe`, `tags.cve`;
//! STIG ids as `other`: `gid` as `stig` (V-), `rid` as `stig-rule` (SV-),
//! `stig_id` as `stig-id`, an `SRG-` `gtitle` as `srg`; `cis_rid` as `cis`.
//!
//! **Observed** values are each result's `code_desc` (the name) and its
//! `message` (the actual value, or the exception when there is no
//! message). InSpec's messages are free text (RSpec's `expected ... got
//! ...`), not structured, so no expected value is split out of them. At most
//! [`MAX_OBSERVED`] per control, failures and errors first.
//!
//! **Message**: why it did not pass or run: `n of m tests failed`, the
//! error's message, the skip message, or the waiver's message.
//!
//! **Target**: `platform.target_id` (InSpec's `--target-id` or the id it
//! derives from the target), unless it is a CPE (converted files put the
//! platform there, not a host); **tool** `InSpec` with the file's
//! `version`, or `Heimdall Tools` with its release for HDF that MITRE's
//! converters wrote; **time** the latest result `start_time`;
//! **profile** the outermost profiles' names. HDF states no counts (InSpec's
//! `statistics.controls` counts by InSpec's own rules, which differ from
//! Heimdall's), so `stated` is empty.
//!
//! The file is parsed as a stream with serde: only the fields above are
//! kept (control code and descriptions are skipped as they are read, all
//! but the `fix` description, kept for failed controls as the fix `aegis
//! remediation plan` proposes), so memory follows the number of results.

use super::json::{self, Present, Text, Texts};
use super::short;
use crate::ingest::detect::Head;
use crate::ingest::{
    Fix, IngestError, Observation, Reader, Refs, RuleResult, Scan, ScanResult, Severity,
};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;

/// Observations kept per control.
pub const MAX_OBSERVED: usize = 20;
/// Characters kept of a `code_desc`.
const NAME_CHARS: usize = 300;

pub struct Hdf;

impl Reader for Hdf {
    fn name(&self) -> &'static str {
        "hdf"
    }

    fn describe(&self) -> &'static str {
        "MITRE Heimdall Data Format (HDF) and InSpec JSON reporter results"
    }

    fn detect(&self, head: &Head) -> bool {
        let keys = head.json_keys();
        let has = |k: &str| keys.iter().any(|x| x == k);
        (has("profiles") && (has("platform") || has("version") || has("statistics")))
            || (has("platform") && has("statistics"))
            // InSpec 1.x: a long flat `controls` list may push `profiles`
            // past the head.
            || (has("version") && has("controls") && head.contains("\"code_desc\""))
    }

    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
        json::skip_bom(input).map_err(|source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let doc: Doc = serde_json::from_reader(input).map_err(|e| json::error(path, "hdf", e))?;
        let Some(profiles) = doc.profiles else {
            return Err(IngestError::malformed(
                path,
                "hdf",
                None,
                "no `profiles`: an HDF or InSpec JSON result names its profiles",
            ));
        };
        Ok(vec![scan(
            doc.platform.unwrap_or_default(),
            doc.version,
            &profiles,
        )])
    }
}

// ---- the document, as far as it is read -------------------------------------

#[derive(Deserialize)]
struct Doc {
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(default)]
    version: Text,
    #[serde(default)]
    profiles: Option<Vec<Profile>>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Platform {
    name: Text,
    release: Text,
    target_id: Text,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Profile {
    name: Text,
    parent_profile: Text,
    controls: Option<Vec<Control>>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Control {
    id: Text,
    title: Text,
    impact: Text,
    tags: Option<Tags>,
    results: Option<Vec<Outcome>>,
    waiver_data: Option<Waiver>,
    attestation_data: Option<Attestation>,
    descriptions: FixDescription,
}

/// The `fix` entry of a control's `descriptions`, the only one kept: a
/// list of `{label, data}` (InSpec's JSON reporter, HDF) or a map from
/// label to text (InSpec's profile JSON).
#[derive(Default)]
struct FixDescription(Option<String>);

impl<'de> Deserialize<'de> for FixDescription {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        #[derive(Deserialize)]
        struct Labelled {
            #[serde(default)]
            label: Text,
            #[serde(default)]
            data: Text,
        }
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = FixDescription;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of {label, data} or a map of descriptions")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut fix = None;
                while let Some(l) = seq.next_element::<Labelled>()? {
                    if fix.is_none() && l.label.get() == Some("fix") {
                        fix = l.data.get().map(str::to_string);
                    }
                }
                Ok(FixDescription(fix))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut fix = None;
                while let Some(k) = map.next_key::<String>()? {
                    let v: Text = map.next_value()?;
                    if fix.is_none() && k == "fix" {
                        fix = v.get().map(str::to_string);
                    }
                }
                Ok(FixDescription(fix))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(FixDescription(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Tags {
    nist: Texts,
    cci: Texts,
    cce_id: Texts,
    cce: Texts,
    cwe: Texts,
    cve: Texts,
    severity: Text,
    severityoverride: Text,
    severityjustification: Text,
    gid: Text,
    rid: Text,
    stig_id: Text,
    gtitle: Text,
    cis_rid: Text,
}

/// One `describe` block's result.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Outcome {
    status: Text,
    code_desc: Text,
    message: Text,
    skip_message: Text,
    exception: Text,
    backtrace: Present,
    start_time: Text,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Waiver {
    justification: Text,
    message: Text,
    expiration_date: Text,
    run: Text,
    skipped_due_to_waiver: Text,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Attestation {
    explanation: Text,
    status: Text,
    updated: Text,
    updated_by: Text,
    frequency: Text,
}

impl Waiver {
    fn is_empty(&self) -> bool {
        self.justification.get().is_none()
            && self.message.get().is_none()
            && self.expiration_date.get().is_none()
            && self.run.get().is_none()
            && self.skipped_due_to_waiver.get().is_none()
    }

    /// Whether the waiver kept the control from running (JavaScript
    /// truthiness, as Heimdall reads it).
    fn skipped(&self) -> bool {
        self.skipped_due_to_waiver
            .get()
            .is_some_and(|v| !matches!(v, "false" | "0"))
    }
}

// ---- from profiles to results -----------------------------------------------

/// A control and the layers above it, outermost first; the last holds the
/// results.
type Chain<'a> = Vec<&'a Control>;

fn scan(platform: Platform, version: Text, profiles: &[Profile]) -> Scan {
    let (chains, outer) = chains(profiles);
    let target = platform
        .target_id
        .get()
        .filter(|t| !t.to_ascii_lowercase().starts_with("cpe:"))
        .unwrap_or("")
        .to_string();
    let converted = platform.name.get() == Some("Heimdall Tools");
    let (tool, tool_version) = if converted {
        ("Heimdall Tools", platform.release.get())
    } else {
        ("InSpec", version.get())
    };
    let mut results = Vec::new();
    let mut fixes: BTreeMap<String, Vec<Fix>> = BTreeMap::new();
    let mut seen = HashSet::new();
    let mut latest: Option<(jiff::Timestamp, String)> = None;
    for chain in &chains {
        let Some(r) = rule_result(chain, &target) else {
            continue;
        };
        if !seen.insert(r.rule_id.clone()) {
            continue;
        }
        if r.result == ScanResult::Fail
            && let Some(fix) = first(chain, |c| c.descriptions.0.as_deref())
        {
            let fix: String = fix.chars().take(64 * 1024).collect();
            fixes.insert(r.rule_id.clone(), vec![Fix::text(fix)]);
        }
        if let Some(root) = chain.last() {
            for o in root.results.iter().flatten() {
                let Some(t) = o.start_time.get() else {
                    continue;
                };
                if let Some(ts) = parse_time(t)
                    && latest.as_ref().is_none_or(|(l, _)| ts > *l)
                {
                    latest = Some((ts, t.to_string()));
                }
            }
        }
        results.push(r);
    }
    let profile = outer
        .iter()
        .filter_map(|&p| profiles[p].name.get())
        .collect::<Vec<_>>()
        .join(", ");
    Scan {
        format: "hdf",
        tool: tool.to_string(),
        tool_version: tool_version.map(str::to_string),
        id: None,
        time: latest.map(|(_, s)| s),
        profile: (!profile.is_empty()).then_some(profile),
        results,
        stated: Default::default(),
        fixes,
    }
}

/// InSpec writes RFC 3339; InSpec 1.x wrote `2017-09-22 14:12:44 -0400`.
fn parse_time(s: &str) -> Option<jiff::Timestamp> {
    s.parse::<jiff::Timestamp>().ok().or_else(|| {
        jiff::fmt::strtime::parse("%Y-%m-%d %H:%M:%S %z", s)
            .ok()?
            .to_timestamp()
            .ok()
    })
}

/// Every control that ran, with the overlay layers above it, in file order
/// of the outermost layer; and the outermost profiles.
fn chains(profiles: &[Profile]) -> (Vec<Chain<'_>>, Vec<usize>) {
    let controls = |p: usize| profiles[p].controls.as_deref().unwrap_or(&[]);
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (i, p) in profiles.iter().enumerate() {
        if let Some(n) = p.name.get() {
            by_name.entry(n).or_insert(i);
        }
    }
    // extends_from[p]: the profiles p overlays (those naming p their parent).
    let mut extends_from = vec![Vec::new(); profiles.len()];
    let mut related = vec![false; profiles.len()];
    let mut has_parent = vec![false; profiles.len()];
    for (q, p) in profiles.iter().enumerate() {
        if let Some(parent) = p.parent_profile.get()
            && let Some(&pi) = by_name.get(parent)
            && pi != q
        {
            extends_from[pi].push(q);
            related[pi] = true;
            related[q] = true;
            has_parent[q] = true;
        }
    }
    let index: Vec<HashMap<&str, usize>> = (0..profiles.len())
        .map(|p| {
            let mut m = HashMap::new();
            for (i, c) in controls(p).iter().enumerate() {
                if let Some(id) = c.id.get() {
                    m.entry(id).or_insert(i);
                }
            }
            m
        })
        .collect();
    // The layer below each overlay control, and which controls are overlaid.
    let mut below: HashMap<(usize, usize), (usize, usize)> = HashMap::new();
    let mut overlaid: HashSet<(usize, usize)> = HashSet::new();
    for (p, wrapped) in extends_from.iter().enumerate() {
        for (ci, c) in controls(p).iter().enumerate() {
            let Some(id) = c.id.get() else { continue };
            for &q in wrapped {
                if let Some(&aj) = index[q].get(id) {
                    below.insert((p, ci), (q, aj));
                    overlaid.insert((q, aj));
                    break;
                }
            }
        }
    }
    let ran = |c: &Control| c.results.as_ref().is_some_and(|r| !r.is_empty());
    let mut out: Vec<Chain> = Vec::new();
    let mut covered: HashSet<(usize, usize)> = HashSet::new();
    // Overlay trees: from each outermost control down to its results.
    for p in (0..profiles.len()).filter(|&p| related[p]) {
        for ci in 0..controls(p).len() {
            if overlaid.contains(&(p, ci)) {
                continue;
            }
            let mut at = (p, ci);
            let mut keys = vec![at];
            while let Some(&next) = below.get(&at) {
                if keys.contains(&next) || keys.len() > profiles.len() {
                    break;
                }
                keys.push(next);
                at = next;
            }
            let chain: Chain = keys.iter().map(|&(p, c)| &controls(p)[c]).collect();
            if chain.last().is_some_and(|c| ran(c)) {
                covered.extend(keys);
                out.push(chain);
            }
        }
    }
    // Everything else that ran (plain profiles, and controls a broken or
    // circular overlay left unreached), once per id.
    for p in 0..profiles.len() {
        for (ci, c) in controls(p).iter().enumerate() {
            if ran(c) && !covered.contains(&(p, ci)) {
                out.push(vec![c]);
            }
        }
    }
    let outer = (0..profiles.len())
        .filter(|&p| !has_parent[p] && !profiles[p].controls.as_ref().is_none_or(Vec::is_empty))
        .collect();
    (out, outer)
}

/// The first value a layer states, outermost first.
fn first<'a, T: 'a>(chain: &[&'a Control], f: impl Fn(&'a Control) -> Option<T>) -> Option<T> {
    chain.iter().find_map(|c| f(c))
}

fn tags_of<'a, T: 'a>(chain: &[&'a Control], f: impl Fn(&'a Tags) -> Option<T>) -> Option<T> {
    first(chain, |c| c.tags.as_ref().and_then(&f))
}

fn list<'a>(chain: &[&'a Control], f: impl Fn(&'a Tags) -> &'a Texts) -> &'a [String] {
    tags_of(chain, |t| {
        let l = f(t);
        (!l.0.is_empty()).then_some(l.0.as_slice())
    })
    .unwrap_or(&[])
}

fn severity_word(s: &str) -> Option<Severity> {
    match s.trim().to_ascii_lowercase().as_str() {
        "none" => Some(Severity::Info),
        "low" => Some(Severity::Low),
        "medium" => Some(Severity::Medium),
        "high" => Some(Severity::High),
        "critical" => Some(Severity::Critical),
        _ => None,
    }
}

/// Heimdall's `convertImpactToSeverity`.
pub fn impact_severity(impact: f64) -> Severity {
    if impact < 0.1 {
        Severity::Info
    } else if impact < 0.4 {
        Severity::Low
    } else if impact < 0.7 {
        Severity::Medium
    } else if impact < 0.9 {
        Severity::High
    } else {
        Severity::Critical
    }
}

fn rule_result(chain: &[&Control], target: &str) -> Option<RuleResult> {
    let root = chain.last()?;
    let outcomes = root.results.as_deref().unwrap_or(&[]);
    let rule_id = first(chain, |c| c.id.get())?.to_string();
    let impact: Option<f64> =
        first(chain, |c| c.impact.get()?.parse::<f64>().ok()).filter(|i| i.is_finite());
    let waiver = first(chain, |c| c.waiver_data.as_ref().filter(|w| !w.is_empty()));
    let attestation = first(chain, |c| c.attestation_data.as_ref());

    // Heimdall's status.
    let statuses: Vec<&str> = outcomes
        .iter()
        .map(|o| {
            if o.backtrace.0 {
                "error"
            } else {
                o.status.get().unwrap_or("no_status")
            }
        })
        .collect();
    let result = if statuses.contains(&"error") {
        ScanResult::Error
    } else if waiver.is_some_and(Waiver::skipped) || impact == Some(0.0) {
        ScanResult::Notapplicable
    } else if statuses.contains(&"failed") {
        ScanResult::Fail
    } else if statuses.contains(&"passed") {
        ScanResult::Pass
    } else if statuses.contains(&"skipped") {
        ScanResult::Notchecked
    } else {
        ScanResult::Error
    };

    // Heimdall's severity.
    let stated = tags_of(chain, |t| t.severity.get());
    let override_word = tags_of(chain, |t| {
        t.severityoverride
            .get()
            .filter(|w| severity_word(w).is_some())
    });
    let severity = override_word
        .and_then(severity_word)
        .or_else(|| stated.and_then(severity_word))
        .or_else(|| impact.map(impact_severity));

    let mut refs = Refs::default();
    for n in list(chain, |t| &t.nist) {
        if !is_revision(n) {
            Refs::push(&mut refs.nist, n.as_str());
        }
    }
    for c in list(chain, |t| &t.cci) {
        refs.push_cci(c);
    }
    for c in list(chain, |t| &t.cce_id)
        .iter()
        .chain(list(chain, |t| &t.cce))
    {
        Refs::push(&mut refs.cce, c.as_str());
    }
    for c in list(chain, |t| &t.cwe) {
        refs.push_cwe(c);
    }
    for c in list(chain, |t| &t.cve) {
        Refs::push(&mut refs.cve, c.as_str());
    }
    let mut other = |scheme: &str, v: Option<&str>| {
        if let Some(v) = v
            && !refs.other.iter().any(|(s, x)| s == scheme && x == v)
        {
            refs.other.push((scheme.to_string(), v.to_string()));
        }
    };
    other("stig", tags_of(chain, |t| t.gid.get()));
    other("stig-rule", tags_of(chain, |t| t.rid.get()));
    other("stig-id", tags_of(chain, |t| t.stig_id.get()));
    other(
        "srg",
        tags_of(chain, |t| t.gtitle.get().filter(|g| g.starts_with("SRG-"))),
    );
    other("cis", tags_of(chain, |t| t.cis_rid.get()));

    let mut overridden = Vec::new();
    if let Some(w) = waiver {
        let mut s = if w.skipped() {
            "waived, not run".to_string()
        } else {
            "waived".to_string()
        };
        if let Some(j) = w.justification.get() {
            s.push_str(": ");
            s.push_str(j);
        }
        if let Some(d) = w.expiration_date.get() {
            s.push_str(&format!(" (expires {d})"));
        }
        overridden.push(s);
    }
    if let Some(a) = attestation {
        let mut s = format!("attested {}", a.status.get().unwrap_or("(no status)"));
        if let Some(by) = a.updated_by.get() {
            s.push_str(&format!(" by {by}"));
        }
        if let Some(when) = a.updated.get() {
            s.push_str(&format!(" on {when}"));
        }
        if let Some(f) = a.frequency.get() {
            s.push_str(&format!(", {f}"));
        }
        if let Some(e) = a.explanation.get() {
            s.push_str(": ");
            s.push_str(e);
        }
        overridden.push(s);
    }
    if let Some(word) = override_word {
        let mut s = match stated {
            Some(from) => format!("severity {from} overridden to {word}"),
            None => format!("severity overridden to {word}"),
        };
        if let Some(j) = tags_of(chain, |t| t.severityjustification.get()) {
            s.push_str(": ");
            s.push_str(j);
        }
        overridden.push(s);
    }
    let overridden = short::message(&overridden.join("; "));

    // Observations: failures and errors first, then the rest, in order.
    let rank = |o: &Outcome| match o.status.get() {
        _ if o.backtrace.0 => 0,
        Some("error") => 0,
        Some("failed") => 1,
        _ => 2,
    };
    let mut order: Vec<&Outcome> = outcomes.iter().collect();
    order.sort_by_key(|o| rank(o));
    let observed = order
        .iter()
        .filter_map(|o| {
            let name = short::line(o.code_desc.get()?, NAME_CHARS)?;
            let actual = o
                .message
                .get()
                .or(o.exception.get())
                .and_then(short::message);
            Some(Observation {
                name,
                expected: None,
                actual,
            })
        })
        .take(MAX_OBSERVED)
        .collect();

    let failed = statuses.iter().filter(|s| **s == "failed").count();
    let message = match result {
        ScanResult::Error => outcomes
            .iter()
            .find(|o| o.backtrace.0 || o.status.get() == Some("error"))
            .and_then(|o| match (o.exception.get(), o.message.get()) {
                (Some(e), Some(m)) => Some(format!("{e}: {m}")),
                (e, m) => e.or(m).map(str::to_string),
            })
            .or_else(|| (statuses.is_empty()).then(|| "no tests ran".to_string())),
        ScanResult::Fail => Some(format!("{failed} of {} tests failed", statuses.len())),
        ScanResult::Notchecked | ScanResult::Notapplicable => waiver
            .filter(|w| w.skipped())
            .and_then(|w| w.message.get())
            .or_else(|| outcomes.iter().find_map(|o| o.skip_message.get()))
            .map(str::to_string),
        _ => None,
    }
    .and_then(|m| short::message(&m));

    Some(RuleResult {
        target: target.to_string(),
        rule_id,
        title: first(chain, |c| c.title.get()).and_then(|t| short::line(t, 500)),
        result,
        severity,
        refs,
        observed,
        message,
        overridden,
    })
}

/// `Rev_4`, `Rev_5`: the revision the NIST tags follow, not a control.
fn is_revision(tag: &str) -> bool {
    let t = tag.trim().to_ascii_lowercase();
    t.starts_with("rev_") || t.starts_with("rev ") || t.starts_with("rev.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Vec<Scan>, IngestError> {
        Hdf.read(&mut json.as_bytes(), Path::new("t.json"))
    }

    fn one(json: &str) -> Scan {
        let mut s = read(json).expect("reads");
        assert_eq!(s.len(), 1);
        s.remove(0)
    }

    fn control(id: &str, impact: f64, results: &str, extra: &str) -> String {
        format!(
            r#"{{"id":"{id}","title":"T {id}","impact":{impact},"code":"x","tags":{{"nist":["AC-2 (1)","AC-2 (1)","Rev_4"],"cci":["CCI-15"],"severity":null,"gid":"{id}"}},"results":[{results}]{extra}}}"#
        )
    }

    const PASS: &str = r#"{"status":"passed","code_desc":"a should eq 1","start_time":"2024-01-02T03:04:05+00:00"}"#;
    const FAIL: &str = r#"{"status":"failed","code_desc":"b should eq 2","message":"\nexpected: 2\n     got: 3\n","start_time":"2024-01-02T03:04:06+00:00"}"#;
    const SKIP: &str =
        r#"{"status":"skipped","code_desc":"c","skip_message":"Skipped: needs review"}"#;
    const TRACE: &str = r#"{"status":"passed","code_desc":"d","message":"undefined method","exception":"NameError","backtrace":["x.rb:1"]}"#;

    fn doc(controls: &[String]) -> String {
        format!(
            r#"{{"platform":{{"name":"redhat","release":"8","target_id":"host-1"}},"version":"5.1.0","statistics":{{"duration":1}},"profiles":[{{"name":"p","controls":[{}]}}]}}"#,
            controls.join(",")
        )
    }

    #[test]
    fn failed_controls_keep_their_fix_description() {
        let listed = r#","descriptions":[{"label":"default","data":"d"},{"label":"fix","data":"Set PermitRootLogin no."}]"#;
        let mapped = r#","descriptions":{"check":"c","fix":"Remove the package."}"#;
        let s = one(&doc(&[
            control("C-1", 0.7, FAIL, listed),
            control("C-2", 0.7, FAIL, mapped),
            control("C-3", 0.7, PASS, listed),
            control("C-4", 0.7, FAIL, r#","descriptions":null"#),
        ]));
        let got: Vec<(&str, &str, &str)> = s
            .fixes
            .iter()
            .map(|(r, f)| (r.as_str(), f[0].system.as_str(), f[0].content.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("C-1", "text", "Set PermitRootLogin no."),
                ("C-2", "text", "Remove the package.")
            ]
        );
    }

    #[test]
    fn statuses_as_heimdall_derives_them() {
        let s = one(&doc(&[
            control("C-1", 0.5, &format!("{PASS},{SKIP}"), ""),
            control("C-2", 0.7, &format!("{PASS},{FAIL}"), ""),
            control("C-3", 0.0, FAIL, ""),
            control("C-4", 0.0, &format!("{PASS},{TRACE}"), ""),
            control("C-5", 0.3, SKIP, ""),
            control("C-6", 0.5, r#"{"code_desc":"no status"}"#, ""),
            control("C-7", 0.5, "", ""),
        ]));
        let got: Vec<(&str, ScanResult)> = s
            .results
            .iter()
            .map(|r| (r.rule_id.as_str(), r.result))
            .collect();
        assert_eq!(
            got,
            vec![
                ("C-1", ScanResult::Pass),
                ("C-2", ScanResult::Fail),
                ("C-3", ScanResult::Notapplicable),
                // An error wins over impact 0, and a backtrace is an error.
                ("C-4", ScanResult::Error),
                ("C-5", ScanResult::Notchecked),
                ("C-6", ScanResult::Error),
                // C-7 did not run.
            ]
        );
        assert_eq!(s.tool, "InSpec");
        assert_eq!(s.tool_version.as_deref(), Some("5.1.0"));
        assert_eq!(s.time.as_deref(), Some("2024-01-02T03:04:06+00:00"));
        assert_eq!(s.profile.as_deref(), Some("p"));
        let c2 = &s.results[1];
        assert_eq!(c2.target, "host-1");
        assert_eq!(c2.severity, Some(Severity::High));
        assert_eq!(c2.refs.nist, vec!["AC-2 (1)"]);
        assert_eq!(c2.refs.cci, vec!["CCI-000015"]);
        assert_eq!(c2.refs.other, vec![("stig".to_string(), "C-2".to_string())]);
        assert_eq!(c2.message.as_deref(), Some("1 of 2 tests failed"));
        // The failure first; the message is the actual value, unsplit.
        assert_eq!(c2.observed[0].name, "b should eq 2");
        assert_eq!(
            c2.observed[0].actual.as_deref(),
            Some("expected: 2\n     got: 3")
        );
        assert_eq!(c2.observed[0].expected, None);
        assert_eq!(c2.observed[1].name, "a should eq 1");
        assert_eq!(s.results[2].severity, Some(Severity::Info));
        assert_eq!(
            s.results[3].message.as_deref(),
            Some("NameError: undefined method")
        );
        assert_eq!(
            s.results[4].message.as_deref(),
            Some("Skipped: needs review")
        );
    }

    #[test]
    fn waivers_attestations_and_severity_overrides_say_so() {
        let s = one(&doc(&[
            control(
                "W-1",
                0.5,
                r#"{"status":"skipped","code_desc":"x","skip_message":"Skipped control due to waiver condition"}"#,
                r#","waiver_data":{"justification":"vendor fix pending","run":false,"skipped_due_to_waiver":true,"expiration_date":"2030-01-01","message":""}"#,
            ),
            control(
                "W-2",
                0.5,
                FAIL,
                r#","waiver_data":{"justification":"accepted","run":true,"skipped_due_to_waiver":false}"#,
            ),
            control(
                "W-3",
                0.5,
                r#"{"status":"passed","code_desc":"Manually verified status provided through attestation"}"#,
                r#","attestation_data":{"control_id":"W-3","explanation":"checked by hand","frequency":"annually","status":"passed","updated":"2024-01-01","updated_by":"Jo"}"#,
            ),
            control(
                "W-4",
                0.5,
                r#"{"status":"passed","code_desc":"n/a"}"#,
                r#","waiver_data":{}"#,
            ),
        ]));
        let r = &s.results;
        assert_eq!(r[0].result, ScanResult::Notapplicable);
        assert_eq!(
            r[0].overridden.as_deref(),
            Some("waived, not run: vendor fix pending (expires 2030-01-01)")
        );
        assert_eq!(r[1].result, ScanResult::Fail);
        assert_eq!(r[1].overridden.as_deref(), Some("waived: accepted"));
        assert_eq!(r[2].result, ScanResult::Pass);
        assert_eq!(
            r[2].overridden.as_deref(),
            Some("attested passed by Jo on 2024-01-01, annually: checked by hand")
        );
        assert_eq!(r[3].overridden, None);

        let s = one(
            r#"{"platform":{"name":"centos"},"profiles":[{"name":"p","controls":[
            {"id":"V-1","impact":0.3,"tags":{"severity":"low","severityoverride":"medium","severityjustification":"not important"},"results":[{"status":"failed","code_desc":"x"}]},
            {"id":"V-2","impact":0.95,"tags":{"severity":"bogus","severityoverride":"nope"},"results":[{"status":"failed","code_desc":"x"}]}]}]}"#,
        );
        assert_eq!(s.results[0].severity, Some(Severity::Medium));
        assert_eq!(
            s.results[0].overridden.as_deref(),
            Some("severity low overridden to medium: not important")
        );
        assert_eq!(s.results[1].severity, Some(Severity::Critical));
        assert_eq!(s.results[1].overridden, None);
        assert_eq!(s.results[0].target, "");
    }

    #[test]
    fn overlays_give_one_result_with_the_overlays_changes() {
        // base ran the controls; `mid` overlays it, `top` overlays `mid`.
        // `top` makes C-2 not applicable and retags it; `mid` renames C-1.
        let json = r#"{"platform":{"name":"centos","target_id":"cpe:/o:centos:7"},"version":"4.0","profiles":[
          {"name":"top","depends":[{"name":"mid"}],"controls":[
            {"id":"C-1","impact":0.5,"tags":{},"results":[]},
            {"id":"C-2","impact":0.0,"tags":{"nist":["CM-6"]},"results":[]}]},
          {"name":"mid","parent_profile":"top","depends":[{"name":"base"}],"controls":[
            {"id":"C-1","title":"renamed","impact":0.5,"tags":{},"results":[]},
            {"id":"C-2","impact":0.5,"tags":{},"results":[]}]},
          {"name":"base","parent_profile":"mid","controls":[
            {"id":"C-1","title":"orig","impact":0.5,"tags":{"nist":["AC-1"]},"results":[{"status":"failed","code_desc":"x"}]},
            {"id":"C-2","impact":0.5,"tags":{"nist":["AC-2"]},"results":[{"status":"failed","code_desc":"x"}]},
            {"id":"C-3","impact":0.5,"results":[{"status":"passed","code_desc":"x"}]}]}]}"#;
        let s = one(json);
        let got: Vec<_> = s
            .results
            .iter()
            .map(|r| {
                (
                    r.rule_id.as_str(),
                    r.result,
                    r.title.as_deref(),
                    r.refs.nist.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "C-1",
                    ScanResult::Fail,
                    Some("renamed"),
                    vec!["AC-1".to_string()]
                ),
                (
                    "C-2",
                    ScanResult::Notapplicable,
                    None,
                    vec!["CM-6".to_string()]
                ),
                // Not in the overlay, but it ran.
                ("C-3", ScanResult::Pass, None, vec![]),
            ]
        );
        assert_eq!(s.profile.as_deref(), Some("top"));
        // A CPE is the platform, not a target.
        assert_eq!(s.results[0].target, "");

        // Circular parent links: everything that ran is still reported once.
        let json = r#"{"platform":{},"profiles":[
          {"name":"a","parent_profile":"b","controls":[{"id":"X","impact":0.5,"results":[{"status":"passed","code_desc":"x"}]}]},
          {"name":"b","parent_profile":"a","controls":[{"id":"X","impact":0.5,"results":[]}]}]}"#;
        let s = one(json);
        assert_eq!(s.results.len(), 1);
        assert_eq!(s.results[0].result, ScanResult::Pass);
    }

    #[test]
    fn converted_files_name_heimdall_tools() {
        let s = one(
            r#"{"platform":{"name":"Heimdall Tools","release":"2.8.1","target_id":"cpe:/o:redhat:enterprise_linux:8"},"version":"2.8.1","statistics":{},"profiles":[{"name":"x","controls":[{"id":"R","impact":0.5,"tags":{"nist":"CM-6 b"},"results":[{"status":"passed","code_desc":"x","start_time":"2021-05-05 10:00:00 -0400"}]}]}]}"#,
        );
        assert_eq!(s.tool, "Heimdall Tools");
        assert_eq!(s.tool_version.as_deref(), Some("2.8.1"));
        assert_eq!(s.results[0].refs.nist, vec!["CM-6 b"]);
        assert_eq!(s.time.as_deref(), Some("2021-05-05 10:00:00 -0400"));
    }

    #[test]
    fn broken_files_are_refused_with_their_line() {
        let cut = "{\"platform\":{},\n\"profiles\":[{\"name\":\"p\",\n\"controls\":[";
        match read(cut) {
            Err(IngestError::Malformed {
                line: Some(3),
                message,
                ..
            }) => assert!(message.contains("cut short"), "{message}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            read(r#"{"platform":{},"version":"1"}"#),
            Err(IngestError::Malformed { .. })
        ));
        assert!(read(r#"{"profiles":[{"controls":"x"}]}"#).is_err());
        // A byte-order mark is allowed.
        let bom = format!("\u{feff}{}", doc(&[control("C", 0.5, PASS, "")]));
        assert_eq!(one(&bom).results.len(), 1);
    }

    #[test]
    fn detection_by_top_level_keys() {
        let yes = [
            r#"{"platform":{"name":"x"},"profiles":[]}"#,
            r#"{"version":"4","profiles":[]}"#,
            r#"{"platform":{},"statistics":{}}"#,
            "{\"version\":\"1.37\",\"controls\":[{\"status\":\"passed\",\"code_desc\":\"x\"",
        ];
        for y in yes {
            assert!(Hdf.detect(&Head::new(y.as_bytes())), "{y}");
        }
        let no = [
            r#"{"version":"2.1.0","runs":[]}"#,
            r#"{"name":"profile","controls":[]}"#,
            r#"{"profiles":{}}"#,
        ];
        for n in no {
            assert!(!Hdf.detect(&Head::new(n.as_bytes())), "{n}");
        }
    }
}
