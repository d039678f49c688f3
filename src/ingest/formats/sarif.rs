//! SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), from
//! any tool: CodeQL, Semgrep, Gitleaks, Flawfinder, Trivy, Checkov, Snyk
//! Code, ...
//!
//! One [`Scan`] per run. A run's members are read in whatever order the
//! file writes them: its results are streamed one at a time into a
//! compact pending form and resolved against the run's rules, taxonomies
//! and artifacts when the run ends, so a run with a million results holds
//! only what is kept of each. `docs/ingest/sarif.md` is the reference for
//! the mapping; in short:
//!
//! - rule id: `ruleId`, else `rule.id`, else the id of the rule that
//!   `rule.index`/`ruleIndex` points at; a result with no rule at all is
//!   keyed on its message (`message.id`, else its text's first paragraph),
//!   and without a message on `unidentified rule`;
//! - target: the first location's artifact URI (or the artifact it points
//!   at by index) and region start line, `uri:line`; without a physical
//!   location, the logical location's name or the analysis target. The
//!   identity is (rule id, target): the same rule at another line is
//!   another finding, and results of one rule at one line are one finding
//!   unless their locations' own messages tell them apart (Trivy puts
//!   every package of an image at line 1 and names the package there),
//!   when that message is appended to the target;
//! - result: `kind` `fail` (or absent) fail, `pass` pass, `open` and
//!   `review` notchecked, `notApplicable` notapplicable, `informational`
//!   informational; an accepted suppression turns a failure into
//!   notchecked, marked overridden with its kind and justification; a
//!   result whose `baselineState` is `absent` (gone since the baseline) is
//!   a pass;
//! - severity: `properties.security-severity` of the result, else of its
//!   rule, as a CVSS-like score; else `level` (the result's, else the
//!   rule's `defaultConfiguration.level`, else `warning` for a failure):
//!   error high, warning medium, note low, none info;
//! - references: the rule's and the result's `properties.tags`
//!   (`external/cwe/cwe-079`, `CWE-89: ...`, `external/owasp/owasp-a1`),
//!   `properties.cwe`, the rule's `relationships` and the result's `taxa`
//!   into taxonomies (CWE, NIST, others by taxonomy name), and a rule id
//!   that is itself a CVE or GHSA id. Never message text.

use super::shared::{
    Line, List, Num, Obj, Short, Strings, Text, clip, push_vuln_id, read_json, short,
};
use crate::ingest::detect::Head;
use crate::ingest::{
    IngestError, Observation, Reader, Refs, RuleResult, Scan, ScanResult, Severity,
};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::BufRead;
use std::path::Path;

/// SARIF 2.1.0 logs.
pub struct Sarif;

const NAME: &str = "sarif";

impl Reader for Sarif {
    fn name(&self) -> &'static str {
        NAME
    }

    fn describe(&self) -> &'static str {
        "SARIF 2.1.0 from any tool (CodeQL, Semgrep, Gitleaks, Flawfinder, Trivy, Checkov, Snyk Code)"
    }

    fn detect(&self, head: &Head) -> bool {
        let keys = head.json_keys();
        let has = |k: &str| keys.iter().any(|x| x == k);
        // `version` and `$schema` may come after a long `runs`; a run's
        // `tool.driver` is as telling.
        has("runs")
            && (has("version")
                || has("$schema")
                || (head.contains("\"tool\"") && head.contains("\"driver\"")))
    }

    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
        let log = read_json(input, path, NAME, LogSeed)?;
        if let Some(v) = &log.version
            && !v.starts_with("2.")
        {
            return Err(IngestError::malformed(
                path,
                NAME,
                None,
                format!(
                    "SARIF version {} is not read; Aegis reads SARIF 2.1.0",
                    clip(v, 20)
                ),
            ));
        }
        if !log.saw_runs {
            return Err(IngestError::malformed(
                path,
                NAME,
                None,
                "the log has no `runs`, which every SARIF log has",
            ));
        }
        Ok(log.scans)
    }
}

// ---- the log and its runs, streamed ----------------------------------------

#[derive(Default)]
struct Log {
    scans: Vec<Scan>,
    saw_runs: bool,
    version: Option<String>,
}

struct LogSeed;

impl<'de> DeserializeSeed<'de> for LogSeed {
    type Value = Log;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Log, D::Error> {
        d.deserialize_map(LogVisitor)
    }
}

struct LogVisitor;

impl<'de> Visitor<'de> for LogVisitor {
    type Value = Log;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a SARIF log object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Log, A::Error> {
        let mut log = Log::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "runs" => {
                    log.saw_runs = true;
                    map.next_value_seed(RunsSeed(&mut log.scans))?;
                }
                "version" => log.version = map.next_value::<Text>()?.take(),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(log)
    }
}

struct RunsSeed<'a>(&'a mut Vec<Scan>);

impl<'de> DeserializeSeed<'de> for RunsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RunsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of runs")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(scan) = seq.next_element_seed(RunSeed)? {
            self.0.push(scan);
        }
        Ok(())
    }
}

struct RunSeed;

impl<'de> DeserializeSeed<'de> for RunSeed {
    type Value = Scan;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Scan, D::Error> {
        d.deserialize_map(RunVisitor)
    }
}

struct RunVisitor;

impl<'de> Visitor<'de> for RunVisitor {
    type Value = Scan;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a run object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scan, A::Error> {
        let mut run = Run::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "tool" => run.tool = map.next_value::<Obj<Tool>>()?.0,
                "results" => map.next_value_seed(ResultsSeed(&mut run.pending))?,
                "taxonomies" => run.taxonomies = map.next_value::<List<Component>>()?.0,
                "invocations" => run.invocations = map.next_value::<List<Invocation>>()?.0,
                "automationDetails" | "automationId" => {
                    if let Some(a) = map.next_value::<Obj<Automation>>()?.0 {
                        run.automation = Some(a);
                    }
                }
                "artifacts" => run.artifacts = map.next_value::<List<Artifact>>()?.0,
                "policies" => run.policies = map.next_value::<List<Component>>()?.0,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(run.finish())
    }
}

struct ResultsSeed<'a>(&'a mut Vec<Pending>);

impl<'de> DeserializeSeed<'de> for ResultsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResultsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of results")
    }

    /// `null` results: the tool did not produce any (SARIF §3.14.23).
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(Obj(raw)) = seq.next_element::<Obj<RawResult>>()? {
            if let Some(raw) = raw {
                self.0.push(Pending::from(raw));
            }
        }
        Ok(())
    }
}

// ---- the typed parts of a run (only the fields Aegis reads) ------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct Tool {
    driver: Obj<Component>,
    extensions: List<Component>,
}

/// A tool component: the driver, an extension, a taxonomy or a policy.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Component {
    name: Text,
    guid: Text,
    version: Text,
    semantic_version: Text,
    dotted_quad_file_version: Text,
    rules: List<Rule>,
    taxa: List<Taxon>,
    supported_taxonomies: List<ComponentRef>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Rule {
    id: Text,
    name: Text,
    short_description: Obj<Message>,
    full_description: Obj<Message>,
    default_configuration: Obj<Configuration>,
    properties: Obj<Properties>,
    relationships: List<Relationship>,
    message_strings: Obj<BTreeMap<String, Obj<Message>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Configuration {
    level: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Relationship {
    target: Obj<DescriptorRef>,
}

/// A `reportingDescriptorReference`: a rule or taxon by id, index or guid.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct DescriptorRef {
    id: Text,
    index: Num,
    guid: Text,
    tool_component: Obj<ComponentRef>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ComponentRef {
    name: Text,
    index: Num,
    guid: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Taxon {
    id: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Message {
    text: Short,
    id: Text,
    arguments: Strings,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Properties {
    tags: Strings,
    #[serde(rename = "security-severity")]
    security_severity: Num,
    cwe: Strings,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Invocation {
    start_time_utc: Text,
    end_time_utc: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Automation {
    id: Text,
    guid: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Artifact {
    location: Obj<ArtifactLocation>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ArtifactLocation {
    uri: Text,
    index: Num,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawResult {
    rule_id: Text,
    rule_index: Num,
    rule: Obj<DescriptorRef>,
    kind: Text,
    level: Text,
    message: Obj<Message>,
    locations: List<Location>,
    analysis_target: Obj<ArtifactLocation>,
    suppressions: List<Suppression>,
    baseline_state: Text,
    properties: Obj<Properties>,
    taxa: List<DescriptorRef>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Location {
    physical_location: Obj<PhysicalLocation>,
    logical_locations: List<LogicalLocation>,
    message: Obj<Message>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: Obj<ArtifactLocation>,
    region: Obj<Region>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Region {
    start_line: Num,
    snippet: Obj<Snippet>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Snippet {
    text: Line,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: Text,
    name: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Suppression {
    kind: Text,
    status: Text,
    justification: Short,
}

// ---- a result as kept until its run ends --------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Fail,
    Pass,
    Open,
    Review,
    NotApplicable,
    Informational,
}

impl Kind {
    /// SARIF §3.27.9; an absent (or unknown) kind is `fail`.
    fn of(word: Option<&str>) -> Kind {
        match word.map(str::to_ascii_lowercase).as_deref() {
            Some("pass") => Kind::Pass,
            Some("open") => Kind::Open,
            Some("review") => Kind::Review,
            Some("notapplicable") => Kind::NotApplicable,
            Some("informational") => Kind::Informational,
            _ => Kind::Fail,
        }
    }

    fn result(self) -> ScanResult {
        match self {
            Kind::Fail => ScanResult::Fail,
            Kind::Pass => ScanResult::Pass,
            Kind::Open | Kind::Review => ScanResult::Notchecked,
            Kind::NotApplicable => ScanResult::Notapplicable,
            Kind::Informational => ScanResult::Informational,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Error,
    Warning,
    Note,
    None,
}

impl Level {
    fn of(word: Option<&str>) -> Option<Level> {
        Some(match word?.to_ascii_lowercase().as_str() {
            "error" => Level::Error,
            "warning" => Level::Warning,
            "note" => Level::Note,
            "none" => Level::None,
            _ => return None,
        })
    }

    fn severity(self) -> Severity {
        match self {
            Level::Error => Severity::High,
            Level::Warning => Severity::Medium,
            Level::Note => Severity::Low,
            Level::None => Severity::Info,
        }
    }
}

/// Which component a result's rule reference points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ComponentAt {
    Driver,
    Extension(usize),
}

/// A result, kept compact until the run's rules and taxonomies are known.
/// What few results carry is boxed.
struct Pending {
    rule_id: Option<String>,
    rule_index: Option<u32>,
    component: ComponentAt,
    kind: Kind,
    level: Option<Level>,
    uri: Option<String>,
    artifact_index: Option<u32>,
    line: Option<u64>,
    /// A logical location or the analysis target, for a result without a
    /// physical location.
    fallback: Option<String>,
    message: Option<String>,
    snippet: Option<String>,
    extra: Option<Box<Extra>>,
}

#[derive(Default)]
struct Extra {
    security_severity: Option<f64>,
    tags: Vec<String>,
    cwe: Vec<String>,
    taxa: Vec<DescriptorRef>,
    suppressed: Option<String>,
    absent: bool,
    message_id: Option<String>,
    arguments: Vec<String>,
    /// The first location's own message (Trivy names the package there).
    location_message: Option<String>,
}

impl Extra {
    fn is_empty(&self) -> bool {
        self.security_severity.is_none()
            && self.tags.is_empty()
            && self.cwe.is_empty()
            && self.taxa.is_empty()
            && self.suppressed.is_none()
            && !self.absent
            && self.message_id.is_none()
            && self.location_message.is_none()
    }
}

impl From<RawResult> for Pending {
    fn from(r: RawResult) -> Pending {
        let rule = r.rule.0.unwrap_or_default();
        let component = match rule.tool_component.0.as_ref().and_then(|c| c.index.index()) {
            Some(i) => ComponentAt::Extension(i),
            None => ComponentAt::Driver,
        };
        let rule_index = r
            .rule_index
            .index()
            .or(rule.index.index())
            .and_then(|i| u32::try_from(i).ok());
        let rule_id = r.rule_id.take().or(rule.id.take());

        let mut first = r.locations.0.into_iter().next().unwrap_or_default();
        let location_message = first.message.0.take().and_then(|m| m.text.take());
        let physical = first.physical_location.0.unwrap_or_default();
        let artifact = physical.artifact_location.0.unwrap_or_default();
        let region = physical.region.0.unwrap_or_default();
        let fallback = first
            .logical_locations
            .0
            .into_iter()
            .find_map(|l| l.fully_qualified_name.take().or(l.name.take()))
            .or_else(|| r.analysis_target.0.and_then(|a| a.uri.take()));

        let message = r.message.0.unwrap_or_default();
        let properties = r.properties.0.unwrap_or_default();
        let message_text = message.text.take();
        let extra = Extra {
            security_severity: properties.security_severity.0,
            tags: properties.tags.0,
            cwe: properties.cwe.0,
            taxa: r.taxa.0,
            suppressed: suppression(&r.suppressions.0),
            absent: r
                .baseline_state
                .get()
                .is_some_and(|s| s.eq_ignore_ascii_case("absent")),
            message_id: if message_text.is_none() {
                message.id.take()
            } else {
                None
            },
            arguments: message.arguments.0,
            location_message,
        };
        Pending {
            rule_id,
            rule_index,
            component,
            kind: Kind::of(r.kind.get()),
            level: Level::of(r.level.get()),
            uri: artifact.uri.take(),
            artifact_index: artifact.index.index().and_then(|i| u32::try_from(i).ok()),
            line: region.start_line.whole().filter(|l| *l > 0),
            fallback,
            message: message_text,
            snippet: region.snippet.0.and_then(|s| s.text.0),
            extra: (!extra.is_empty()).then(|| Box::new(extra)),
        }
    }
}

/// Whether a result is suppressed, and how: SARIF §3.35. It is when at
/// least one suppression is accepted (a suppression without a status is
/// accepted) and none is under review or rejected.
fn suppression(list: &[Suppression]) -> Option<String> {
    let status = |s: &Suppression| s.status.get().map(str::to_ascii_lowercase);
    if list
        .iter()
        .any(|s| matches!(status(s).as_deref(), Some("underreview" | "rejected")))
    {
        return None;
    }
    let accepted = list
        .iter()
        .find(|s| matches!(status(s).as_deref(), None | Some("accepted")))?;
    let how = match accepted.kind.get().map(str::to_ascii_lowercase).as_deref() {
        Some("insource") => "suppressed in source",
        Some("external") => "suppressed externally",
        _ => "suppressed",
    };
    Some(match &accepted.justification.0 {
        Some(why) => clip(&format!("{how}: {why}"), super::shared::SHORT),
        None => how.to_string(),
    })
}

// ---- resolving a run ----------------------------------------------------------

#[derive(Default)]
struct Run {
    tool: Option<Tool>,
    pending: Vec<Pending>,
    taxonomies: Vec<Component>,
    invocations: Vec<Invocation>,
    automation: Option<Automation>,
    artifacts: Vec<Artifact>,
    policies: Vec<Component>,
}

/// What a rule gives each of its results.
#[derive(Default)]
struct RuleInfo {
    id: Option<String>,
    title: Option<String>,
    level: Option<Level>,
    security_severity: Option<f64>,
    refs: Refs,
    secret: bool,
    messages: HashMap<String, String>,
}

/// Tools whose findings are secrets: their snippets are the secret, so
/// none is kept as an observed value.
const SECRET_TOOLS: &[&str] = &[
    "gitleaks",
    "trufflehog",
    "detect-secrets",
    "ggshield",
    "secretlint",
    "secret",
];

impl Run {
    fn finish(self) -> Scan {
        let tool = self.tool.unwrap_or_default();
        let driver = tool.driver.0.unwrap_or_default();
        let tool_name = driver.name.get().unwrap_or("unknown tool").to_string();
        let secret_tool = {
            let n = tool_name.to_ascii_lowercase();
            SECRET_TOOLS.iter().any(|s| n.contains(s))
        };
        let taxonomy_names = TaxonomyNames::new(&self.taxonomies, &driver);

        let rules_of = |c: &Component| -> Vec<RuleInfo> {
            c.rules
                .0
                .iter()
                .map(|r| rule_info(r, &taxonomy_names, secret_tool))
                .collect()
        };
        let driver_rules = rules_of(&driver);
        let extension_rules: Vec<Vec<RuleInfo>> = tool.extensions.0.iter().map(rules_of).collect();
        let mut by_id: HashMap<&str, (ComponentAt, usize)> = HashMap::new();
        for (i, ext) in extension_rules.iter().enumerate().rev() {
            for (j, r) in ext.iter().enumerate().rev() {
                if let Some(id) = r.id.as_deref() {
                    by_id.insert(id, (ComponentAt::Extension(i), j));
                }
            }
        }
        for (j, r) in driver_rules.iter().enumerate().rev() {
            if let Some(id) = r.id.as_deref() {
                by_id.insert(id, (ComponentAt::Driver, j));
            }
        }
        let rule_at = |c: ComponentAt, j: usize| -> Option<&RuleInfo> {
            match c {
                ComponentAt::Driver => driver_rules.get(j),
                ComponentAt::Extension(i) => extension_rules.get(i).and_then(|e| e.get(j)),
            }
        };
        let find_rule = |p: &Pending| -> Option<&RuleInfo> {
            if let Some(j) = p.rule_index
                && let Some(r) = rule_at(p.component, j as usize)
            {
                return Some(r);
            }
            let id = p.rule_id.as_deref()?;
            if let Some(&(c, j)) = by_id.get(id) {
                return rule_at(c, j);
            }
            // A hierarchical id (`C2001/sub`) names a rule by its prefix.
            let mut prefix = id;
            while let Some((head, _)) = prefix.rsplit_once('/') {
                if let Some(&(c, j)) = by_id.get(head) {
                    return rule_at(c, j);
                }
                prefix = head;
            }
            None
        };
        let artifact_uris: Vec<Option<String>> = self
            .artifacts
            .into_iter()
            .map(|a| a.location.0.and_then(|l| l.uri.take()))
            .collect();

        let none = RuleInfo::default();
        let mut pending = self.pending;
        let mut collector = super::shared::Collector::with_capacity(pending.len());
        // Taken from the back of the reversed list, so in file order, with
        // the list let go of as it empties: the pending and the resolved
        // forms of a million results are not held whole at once.
        pending.reverse();
        while let Some(p) = pending.pop() {
            if pending.len() < pending.capacity() / 4 {
                pending.shrink_to(pending.len() * 2);
            }
            let rule = find_rule(&p).unwrap_or(&none);
            let discriminator = p
                .extra
                .as_ref()
                .and_then(|e| e.location_message.as_ref())
                .map(|m| format!(" ({m})"));
            let result = resolve(p, rule, &artifact_uris, &taxonomy_names, secret_tool);
            collector.push(result, discriminator);
        }

        let time = {
            let end = self
                .invocations
                .iter()
                .filter_map(|i| i.end_time_utc.get())
                .max();
            let start = self
                .invocations
                .iter()
                .filter_map(|i| i.start_time_utc.get())
                .max();
            end.or(start).map(str::to_string)
        };
        Scan {
            format: NAME,
            tool: tool_name,
            tool_version: driver
                .semantic_version
                .get()
                .or(driver.version.get())
                .or(driver.dotted_quad_file_version.get())
                .map(str::to_string),
            id: self.automation.and_then(|a| a.id.take().or(a.guid.take())),
            time,
            profile: self
                .policies
                .iter()
                .find_map(|p| p.name.get().map(str::to_string)),
            results: collector.finish(),
            stated: BTreeMap::new(),
            fixes: Default::default(),
        }
    }
}

/// Taxonomy names by index and guid, for references that name their
/// taxonomy only so.
struct TaxonomyNames<'a> {
    taxonomies: &'a [Component],
    supported: Vec<(&'a str, &'a str)>,
}

impl<'a> TaxonomyNames<'a> {
    fn new(taxonomies: &'a [Component], driver: &'a Component) -> Self {
        let supported = driver
            .supported_taxonomies
            .0
            .iter()
            .filter_map(|t| Some((t.guid.get()?, t.name.get()?)))
            .collect();
        TaxonomyNames {
            taxonomies,
            supported,
        }
    }

    /// The taxonomy a reference points into, and the taxon's id.
    fn resolve<'r>(&'r self, r: &'r DescriptorRef) -> (Option<&'r str>, Option<&'r str>) {
        let comp = r.tool_component.0.as_ref();
        let by_index = comp
            .and_then(|c| c.index.index())
            .and_then(|i| self.taxonomies.get(i));
        let by_guid = comp.and_then(|c| c.guid.get()).and_then(|g| {
            self.taxonomies
                .iter()
                .find(|t| t.guid.get().is_some_and(|tg| tg.eq_ignore_ascii_case(g)))
        });
        let taxonomy = by_index.or(by_guid);
        let name = comp
            .and_then(|c| c.name.get())
            .or_else(|| taxonomy.and_then(|t| t.name.get()))
            .or_else(|| {
                let g = comp.and_then(|c| c.guid.get())?;
                self.supported
                    .iter()
                    .find(|(sg, _)| sg.eq_ignore_ascii_case(g))
                    .map(|(_, n)| *n)
            });
        let id = r.id.get().or_else(|| {
            let t = taxonomy?;
            t.taxa.0.get(r.index.index()?)?.id.get()
        });
        (name, id)
    }

    /// Adds the taxon a reference points at to `refs`, by its taxonomy.
    fn push(&self, r: &DescriptorRef, refs: &mut Refs) {
        let (name, id) = self.resolve(r);
        let Some(id) = id else { return };
        let name = name.map(str::to_ascii_lowercase);
        match name.as_deref() {
            Some("cwe") => refs.push_cwe(id),
            Some(n) if n.contains("nist") || n.contains("800-53") => {
                Refs::push(&mut refs.nist, id);
            }
            Some("cci") => refs.push_cci(id),
            Some("cce") => Refs::push(&mut refs.cce, id),
            Some(n) => refs.push_other(n, id),
            None if id.to_ascii_uppercase().starts_with("CWE-") => refs.push_cwe(id),
            None => {}
        }
    }
}

fn rule_info(r: &Rule, taxonomies: &TaxonomyNames, secret_tool: bool) -> RuleInfo {
    let mut refs = Refs::default();
    let props = r.properties.0.as_ref();
    let mut secret = secret_tool;
    if let Some(p) = props {
        for tag in &p.tags.0 {
            tag_refs(tag, &mut refs);
            secret |= is_secret_tag(tag);
        }
        for c in &p.cwe.0 {
            refs.push_cwe(c);
        }
    }
    for rel in &r.relationships.0 {
        if let Some(t) = &rel.target.0 {
            taxonomies.push(t, &mut refs);
        }
    }
    let id = r.id.get().map(str::to_string);
    if let Some(id) = &id {
        id_refs(id, &mut refs);
    }
    let text = |m: &Obj<Message>| m.0.as_ref().and_then(|m| m.text.0.clone());
    RuleInfo {
        title: text(&r.short_description)
            .or_else(|| r.name.get().and_then(short))
            .or_else(|| text(&r.full_description)),
        id,
        level: r
            .default_configuration
            .0
            .as_ref()
            .and_then(|c| Level::of(c.level.get())),
        security_severity: props.and_then(|p| p.security_severity.0),
        refs,
        secret,
        messages: r
            .message_strings
            .0
            .as_ref()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.0.as_ref()?.text.0.clone()?)))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// A rule or result id that is itself a CVE or GHSA id (Trivy's rules).
fn id_refs(id: &str, refs: &mut Refs) {
    let upper = id.to_ascii_uppercase();
    if upper.starts_with("CVE-") || upper.starts_with("GHSA-") {
        push_vuln_id(refs, id);
    }
}

fn is_secret_tag(tag: &str) -> bool {
    matches!(
        tag.trim().to_ascii_lowercase().as_str(),
        "secret" | "secrets" | "secret-detection" | "secret_detection"
    )
}

/// The references a tag carries: `external/cwe/cwe-079` and `CWE-89:
/// Improper Neutralization ...` are CWEs; `external/owasp/owasp-a1` and
/// `OWASP-A03:2021 - Injection` OWASP Top 10 entries; other
/// `external/<scheme>/<id>` tags are kept under their scheme; CVE and GHSA
/// ids are vulnerabilities. Words such as `security` carry none.
fn tag_refs(tag: &str, refs: &mut Refs) {
    let t = tag.trim();
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("external/") {
        let Some((scheme, id)) = rest.split_once('/') else {
            return;
        };
        match scheme {
            "cwe" => refs.push_cwe(id),
            "owasp" => refs.push_other("owasp", &owasp_id(id)),
            _ => refs.push_other(scheme, &t["external/".len() + scheme.len() + 1..]),
        }
    } else if lower.starts_with("cwe")
        && lower[3..]
            .trim_start_matches([' ', '-', ':', '_'])
            .starts_with(|c: char| c.is_ascii_digit())
    {
        refs.push_cwe(t);
    } else if lower.starts_with("owasp")
        && lower[5..]
            .trim_start_matches([' ', '-', ':', '_', '/'])
            .starts_with(|c: char| c.is_ascii_alphanumeric())
    {
        refs.push_other("owasp", &owasp_id(&lower[5..]));
    } else if (lower.starts_with("cve-") || lower.starts_with("ghsa-"))
        && !t.contains(char::is_whitespace)
    {
        push_vuln_id(refs, t);
    }
}

/// `a03:2021` from `owasp-a03:2021 - injection`, `a1` from `owasp-a1`.
fn owasp_id(rest: &str) -> String {
    let rest = rest
        .trim_start_matches([' ', '-', ':', '_', '/'])
        .trim_start_matches("owasp-");
    rest.split(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("")
        .trim_end_matches(['-', ':'])
        .to_ascii_uppercase()
}

fn resolve(
    p: Pending,
    rule: &RuleInfo,
    artifacts: &[Option<String>],
    taxonomies: &TaxonomyNames,
    secret_tool: bool,
) -> RuleResult {
    let extra = p.extra.map(|b| *b).unwrap_or_default();
    let uri = p.uri.or_else(|| {
        p.artifact_index
            .and_then(|i| artifacts.get(i as usize))
            .and_then(Clone::clone)
    });
    let target = match (uri, p.line) {
        (Some(u), Some(l)) => format!("{u}:{l}"),
        (Some(u), None) => u,
        (None, _) => p.fallback.unwrap_or_default(),
    };
    let message = p.message.or_else(|| {
        let id = extra.message_id.as_deref()?;
        let template = rule.messages.get(id)?;
        short(&fill(template, &extra.arguments))
    });
    let rule_id = p
        .rule_id
        .or_else(|| rule.id.clone())
        .or_else(|| extra.message_id.clone())
        .or_else(|| message.clone())
        .unwrap_or_else(|| "unidentified rule".to_string());

    let mut refs = rule.refs.clone();
    let mut secret = rule.secret || secret_tool;
    for tag in &extra.tags {
        tag_refs(tag, &mut refs);
        secret |= is_secret_tag(tag);
    }
    for c in &extra.cwe {
        refs.push_cwe(c);
    }
    for t in &extra.taxa {
        taxonomies.push(t, &mut refs);
    }
    id_refs(&rule_id, &mut refs);

    let mut result = p.kind.result();
    let level = p.level.or(rule.level).or(match p.kind {
        Kind::Fail => Some(Level::Warning),
        _ => None,
    });
    let severity = extra
        .security_severity
        .or(rule.security_severity)
        .and_then(Severity::from_score)
        .or(level.map(Level::severity));
    let mut overridden = None;
    if let Some(reason) = extra.suppressed
        && matches!(result, ScanResult::Fail | ScanResult::Notchecked)
    {
        result = ScanResult::Notchecked;
        overridden = Some(reason);
    }
    let mut message = message;
    if extra.absent {
        result = ScanResult::Pass;
        message = Some("absent: found in the baseline run, not in this one".to_string());
    }
    let observed = match p.snippet {
        Some(code) if !secret => vec![Observation {
            name: "code".to_string(),
            expected: None,
            actual: Some(code),
        }],
        _ => Vec::new(),
    };
    RuleResult {
        target,
        rule_id,
        title: rule.title.clone(),
        result,
        severity,
        refs,
        observed,
        message,
        overridden,
    }
}

/// A message string with its `{0}`, `{1}`, ... placeholders filled.
fn fill(template: &str, arguments: &[String]) -> String {
    let mut out = template.to_string();
    for (i, a) in arguments.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), a);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Vec<Scan>, IngestError> {
        Sarif.read(&mut json.as_bytes(), Path::new("t.sarif"))
    }

    fn one(json: &str) -> Scan {
        let mut scans = read(json).expect("reads");
        assert_eq!(scans.len(), 1);
        scans.remove(0)
    }

    fn run(rules: &str, results: &str) -> String {
        format!(
            r#"{{"version": "2.1.0", "runs": [{{"tool": {{"driver": {{"name": "T", "version": "1", "rules": [{rules}]}}}}, "results": [{results}]}}]}}"#
        )
    }

    fn loc(uri: &str, line: u32) -> String {
        format!(
            r#"[{{"physicalLocation": {{"artifactLocation": {{"uri": "{uri}"}}, "region": {{"startLine": {line}, "snippet": {{"text": "  x = y;  \n"}}}}}}}}]"#
        )
    }

    #[test]
    fn detects_sarif_by_its_keys() {
        assert!(Sarif.detect(&Head::new(
            br#"{"$schema": "x", "version": "2.1.0", "runs": []}"#
        )));
        assert!(Sarif.detect(&Head::new(br#"{"runs": [], "version": "2.1.0"}"#)));
        assert!(!Sarif.detect(&Head::new(br#"{"runs": []}"#)));
        assert!(Sarif.detect(&Head::new(
            br#"{"runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "#
        )));
        assert!(!Sarif.detect(&Head::new(br#"{"version": "2.1.0", "profiles": []}"#)));
    }

    #[test]
    fn every_kind_maps_to_a_result() {
        let results = [
            "fail",
            "pass",
            "open",
            "review",
            "notApplicable",
            "informational",
        ]
        .iter()
        .enumerate()
        .map(|(i, k)| {
            format!(
                r#"{{"ruleId": "R", "kind": "{k}", "locations": {}}}"#,
                loc("a.c", i as u32 + 1)
            )
        })
        .chain([format!(
            r#"{{"ruleId": "R", "locations": {}}}"#,
            loc("a.c", 9)
        )])
        .collect::<Vec<_>>()
        .join(",");
        let scan = one(&run(r#"{"id": "R"}"#, &results));
        let got: Vec<ScanResult> = scan.results.iter().map(|r| r.result).collect();
        use ScanResult::*;
        assert_eq!(
            got,
            vec![
                Fail,
                Pass,
                Notchecked,
                Notchecked,
                Notapplicable,
                Informational,
                Fail
            ]
        );
        assert_eq!(scan.results[0].target, "a.c:1");
        assert_eq!(
            scan.results[0].observed[0].actual.as_deref(),
            Some("x = y;")
        );
        assert_eq!(scan.tool, "T");
        assert_eq!(scan.tool_version.as_deref(), Some("1"));
    }

    #[test]
    fn severity_from_security_severity_then_level() {
        let rules = r#"{"id": "A", "defaultConfiguration": {"level": "note"}},
            {"id": "B", "properties": {"security-severity": "9.1"}},
            {"id": "C"}"#;
        let results = [
            format!(r#"{{"ruleId": "A", "locations": {}}}"#, loc("f", 1)),
            format!(r#"{{"ruleId": "A", "level": "error", "locations": {}}}"#, loc("f", 2)),
            format!(r#"{{"ruleId": "B", "level": "note", "locations": {}}}"#, loc("f", 3)),
            format!(r#"{{"ruleId": "C", "locations": {}}}"#, loc("f", 4)),
            format!(r#"{{"ruleId": "C", "level": "none", "properties": {{"security-severity": 5}}, "locations": {}}}"#, loc("f", 5)),
        ]
        .join(",");
        let scan = one(&run(rules, &results));
        let got: Vec<Option<Severity>> = scan.results.iter().map(|r| r.severity).collect();
        assert_eq!(
            got,
            vec![
                Some(Severity::Low),
                Some(Severity::High),
                Some(Severity::Critical),
                Some(Severity::Medium),
                Some(Severity::Medium),
            ]
        );
    }

    #[test]
    fn references_come_from_tags_properties_and_taxa_only() {
        let json = r#"{"version": "2.1.0", "runs": [{
            "results": [
              {"ruleIndex": 0, "message": {"text": "CWE-999 in the message is not a reference"},
               "locations": [{"physicalLocation": {"artifactLocation": {"index": 0}, "region": {"startLine": 3}}}],
               "taxa": [{"id": "CWE-22", "toolComponent": {"index": 0}}],
               "properties": {"tags": ["external/cwe/cwe-020"]}}
            ],
            "artifacts": [{"location": {"uri": "src/app.py"}}],
            "tool": {"driver": {"name": "CodeQL", "semanticVersion": "2.5.4", "rules": [
              {"id": "py/sql-injection", "shortDescription": {"text": "SQL query built from user input"},
               "properties": {"tags": ["security", "external/cwe/cwe-089", "CWE-564: Hibernate Injection", "external/owasp/owasp-a1", "OWASP-A03:2021 - Injection"], "cwe": ["CWE-943"]},
               "relationships": [
                 {"target": {"id": "79", "toolComponent": {"name": "CWE"}}},
                 {"target": {"id": "AC-3", "toolComponent": {"guid": "G-NIST"}}},
                 {"target": {"index": 1, "toolComponent": {"index": 1}}}
               ]}
            ], "supportedTaxonomies": [{"name": "NIST", "guid": "g-nist"}]}},
            "taxonomies": [{"name": "CWE", "taxa": [{"id": "22"}]}, {"name": "CAPEC", "taxa": [{"id": "1"}, {"id": "66"}]}]
        }]}"#;
        let scan = one(json);
        let r = &scan.results[0];
        assert_eq!(r.rule_id, "py/sql-injection");
        assert_eq!(r.target, "src/app.py:3");
        assert_eq!(r.title.as_deref(), Some("SQL query built from user input"));
        assert_eq!(
            r.refs.cwe,
            vec!["CWE-89", "CWE-564", "CWE-943", "CWE-79", "CWE-20", "CWE-22"]
        );
        assert_eq!(r.refs.nist, vec!["AC-3"]);
        assert_eq!(
            r.refs.other,
            vec![
                ("owasp".to_string(), "A1".to_string()),
                ("owasp".to_string(), "A03:2021".to_string()),
                ("capec".to_string(), "66".to_string()),
            ]
        );
        assert!(!r.refs.cwe.contains(&"CWE-999".to_string()));
        assert_eq!(scan.tool_version.as_deref(), Some("2.5.4"));
    }

    #[test]
    fn suppressions_turn_failures_into_notchecked_with_the_reason() {
        let results = [
            (r#"[{"kind": "inSource", "justification": "false positive"}]"#, 1),
            (r#"[{"kind": "external", "status": "accepted"}]"#, 2),
            (r#"[{"kind": "external", "status": "underReview"}]"#, 3),
            (r#"[{"kind": "external", "status": "rejected"}]"#, 4),
            (r#"[]"#, 5),
        ]
        .iter()
        .map(|(s, l)| format!(r#"{{"ruleId": "R", "suppressions": {s}, "locations": {}}}"#, loc("f", *l)))
        .chain([format!(r#"{{"ruleId": "R", "kind": "pass", "suppressions": [{{"kind": "inSource"}}], "locations": {}}}"#, loc("f", 6))])
        .collect::<Vec<_>>()
        .join(",");
        let scan = one(&run(r#"{"id": "R"}"#, &results));
        let got: Vec<(ScanResult, Option<&str>)> = scan
            .results
            .iter()
            .map(|r| (r.result, r.overridden.as_deref()))
            .collect();
        use ScanResult::*;
        assert_eq!(
            got,
            vec![
                (Notchecked, Some("suppressed in source: false positive")),
                (Notchecked, Some("suppressed externally")),
                (Fail, None),
                (Fail, None),
                (Fail, None),
                (Pass, None),
            ]
        );
    }

    #[test]
    fn an_absent_baseline_result_is_fixed() {
        let results = format!(
            r#"{{"ruleId": "R", "baselineState": "absent", "locations": {}}}, {{"ruleId": "R", "baselineState": "new", "locations": {}}}"#,
            loc("f", 1),
            loc("f", 2)
        );
        let scan = one(&run(r#"{"id": "R"}"#, &results));
        assert_eq!(scan.results[0].result, ScanResult::Pass);
        assert_eq!(scan.results[1].result, ScanResult::Fail);
    }

    #[test]
    fn rules_after_results_and_in_extensions_resolve() {
        let json = r#"{"version": "2.1.0", "runs": [{
            "results": [
              {"rule": {"index": 0, "toolComponent": {"index": 0}}, "message": {"id": "default", "arguments": ["ptr"]},
               "locations": [{"logicalLocations": [{"fullyQualifiedName": "ns::f"}]}]},
              {"ruleId": "C2001/sub", "message": {"text": "m"}, "analysisTarget": {"uri": "x.cpp"}}
            ],
            "tool": {"driver": {"name": "CodeScanner", "rules": [{"id": "C2001", "name": "Null deref"}]},
                     "extensions": [{"name": "Sec", "rules": [{"id": "S0001", "messageStrings": {"default": {"text": "Variable {0} is tainted."}}}]}]},
            "automationDetails": {"id": "nightly/2024-01-01"},
            "invocations": [{"startTimeUtc": "2024-01-01T00:00:00Z", "endTimeUtc": "2024-01-01T00:10:00Z"}]
        }]}"#;
        let scan = one(json);
        assert_eq!(scan.results[0].rule_id, "S0001");
        assert_eq!(scan.results[0].target, "ns::f");
        assert_eq!(
            scan.results[0].message.as_deref(),
            Some("Variable ptr is tainted.")
        );
        assert_eq!(scan.results[1].rule_id, "C2001/sub");
        assert_eq!(scan.results[1].title.as_deref(), Some("Null deref"));
        assert_eq!(scan.results[1].target, "x.cpp");
        assert_eq!(scan.id.as_deref(), Some("nightly/2024-01-01"));
        assert_eq!(scan.time.as_deref(), Some("2024-01-01T00:10:00Z"));
    }

    #[test]
    fn a_result_without_a_rule_is_keyed_on_its_message_and_secrets_are_not_kept() {
        let json = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Gitleaks", "semanticVersion": "v7.4.0"}},
            "results": [{"message": {"text": "AWS Access Key secret detected"},
              "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.json"}, "region": {"startLine": 13, "snippet": {"text": "AKIAIOSFODNN7EXAMPLE"}}}}]}]}]}"#;
        let scan = one(json);
        let r = &scan.results[0];
        assert_eq!(r.rule_id, "AWS Access Key secret detected");
        assert!(r.observed.is_empty());
    }

    #[test]
    fn the_same_rule_at_the_same_place_is_one_finding() {
        let results = [
            format!(
                r#"{{"ruleId": "R", "kind": "pass", "locations": {}}}"#,
                loc("f", 1)
            ),
            format!(r#"{{"ruleId": "R", "locations": {}}}"#, loc("f", 1)),
            format!(r#"{{"ruleId": "R", "locations": {}}}"#, loc("f", 2)),
        ]
        .join(",");
        let scan = one(&run(r#"{"id": "R"}"#, &results));
        assert_eq!(scan.results.len(), 2);
        assert_eq!(scan.results[0].result, ScanResult::Fail);
    }

    #[test]
    fn results_at_one_place_told_apart_by_their_location_message() {
        let at = |pkg: &str| {
            format!(
                r#"{{"ruleId": "CVE-1", "locations": [{{"physicalLocation": {{"artifactLocation": {{"uri": "img.tar"}}, "region": {{"startLine": 1}}}}, "message": {{"text": "img.tar: {pkg}@1.0"}}}}]}}"#
            )
        };
        let results = [at("libssl"), at("libcrypto"), at("libssl")].join(",");
        let scan = one(&run(r#"{"id": "CVE-1"}"#, &results));
        let targets: Vec<&str> = scan.results.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(
            targets,
            vec![
                "img.tar:1 (img.tar: libssl@1.0)",
                "img.tar:1 (img.tar: libcrypto@1.0)"
            ]
        );
        assert_eq!(scan.results[0].refs.cve, vec!["CVE-1"]);
    }

    #[test]
    fn absurd_numbers_are_no_numbers() {
        let results = r#"{"ruleId": "R", "ruleIndex": -1, "locations": [{"physicalLocation": {"artifactLocation": {"index": 4294967296}, "region": {"startLine": 1e300}}}]},
            {"ruleIndex": 99999999999999999999, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a"}, "region": {"startLine": -3}}}]},
            {"ruleId": "R", "properties": {"security-severity": "NaN"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "b"}, "region": {"startLine": "12"}}}]}"#;
        let scan = one(&run(r#"{"id": "R"}"#, results));
        let got: Vec<(&str, &str)> = scan
            .results
            .iter()
            .map(|r| (r.target.as_str(), r.rule_id.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![("", "R"), ("a", "unidentified rule"), ("b:12", "R")]
        );
        assert_eq!(scan.results[2].severity, Some(Severity::Medium));
    }

    #[test]
    fn runs_without_results_and_logs_without_runs() {
        assert!(
            read(r#"{"version": "2.1.0", "runs": []}"#)
                .expect("reads")
                .is_empty()
        );
        let scan = one(
            r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T"}}, "results": null}]}"#,
        );
        assert!(scan.results.is_empty());
        let e = read(r#"{"version": "2.1.0"}"#).expect_err("no runs");
        assert!(e.to_string().contains("no `runs`"), "{e}");
        let e = read(r#"{"version": "1.0.0", "runs": []}"#).expect_err("old");
        assert!(e.to_string().contains("1.0.0"), "{e}");
    }

    #[test]
    fn bad_input_is_an_error_naming_the_file() {
        for bad in [
            "",
            "{\"version\": \"2.1.0\", \"runs\": [{\"results\": [",
            "\u{0}\u{1}garbage",
            "[1, 2]",
            r#"{"version": "2.1.0", "runs": [1]}"#,
        ] {
            let e = read(bad).expect_err(bad);
            assert!(e.to_string().starts_with("t.sarif"), "{e}");
        }
        let e = read(r#"{"check_type": "terraform", "results": {}, "summary": {}}"#)
            .expect_err("another scanner's JSON");
        assert!(e.to_string().contains("no `runs`"), "{e}");
        // Deep nesting in what is skipped is read past without recursion;
        // in what is kept, it is bounded by the types read.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let log = format!(
            r#"{{"version": "2.1.0", "x": {deep}, "runs": [{{"properties": {deep}, "results": [{{"ruleId": "R", "properties": {{"tags": {deep}}}, "message": {{"text": {deep}}}}}]}}]}}"#
        );
        assert_eq!(read(&log).expect("reads")[0].results.len(), 1);
    }
}
