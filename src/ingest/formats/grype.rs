//! Anchore Grype JSON (`grype -o json`): `matches[]` (a vulnerability
//! matched to a package), `ignoredMatches[]` (matches an ignore rule or a
//! VEX statement set aside), `source` (what was scanned) and `descriptor`
//! (Grype's name, version and run time).
//!
//! `docs/ingest/grype.md` is the reference; in short: one result per
//! (target, vulnerability id, package): rule id `vulnerability.id`,
//! target `source > package name` (the version appended only where one
//! scan matches the same vulnerability to two versions of a package,
//! then the package's location). Every match is a failure, whatever its
//! fix state (`fixed` means a fix exists, not that it is installed;
//! `not-fixed`, `wont-fix`, `unknown`); an ignored match is notchecked,
//! or notapplicable when a VEX statement says `not_affected`, or a pass
//! when it says `fixed`, marked overridden with the rule that set it
//! aside. Severity: Grype's word (`Negligible` info, `Unknown` none),
//! else the highest CVSS base score. References: the vulnerability id
//! and its related vulnerabilities' ids. Observed: installed version and
//! the fix versions.

use super::shared::{
    Collector, List, Num, Obj, Strings, Text, join_target, push_vuln_id, read_typed, severity_word,
    short,
};
use crate::ingest::detect::Head;
use crate::ingest::{
    IngestError, Observation, Reader, Refs, RuleResult, Scan, ScanResult, Severity,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

/// Grype JSON reports.
pub struct Grype;

const NAME: &str = "grype";

impl Reader for Grype {
    fn name(&self) -> &'static str {
        NAME
    }

    fn describe(&self) -> &'static str {
        "Anchore Grype JSON (matches and ignored matches)"
    }

    fn detect(&self, head: &Head) -> bool {
        let keys = head.json_keys();
        let has = |k: &str| keys.iter().any(|x| x == k);
        (has("matches") || has("ignoredMatches"))
            && (has("descriptor")
                || has("source")
                || has("distro")
                || head.contains("\"matchDetails\""))
    }

    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
        let doc: Document = read_typed(input, path, NAME)?;
        if doc.matches.is_none() && doc.ignored_matches.is_none() {
            return Err(IngestError::malformed(
                path,
                NAME,
                None,
                "not a Grype report: it has no matches",
            ));
        }
        let descriptor = doc.descriptor.0.unwrap_or_default();
        let source = doc.source.0.map(|s| s.name()).unwrap_or_default();
        let mut c = Collector::default();
        for m in doc.matches.map(|l| l.0).unwrap_or_default() {
            let (r, d) = matched(&source, m, None);
            c.push(r, d);
        }
        for m in doc.ignored_matches.map(|l| l.0).unwrap_or_default() {
            let found = Match {
                vulnerability: m.vulnerability,
                related_vulnerabilities: m.related_vulnerabilities,
                artifact: m.artifact,
            };
            let (r, d) = matched(&source, found, Some(m.applied_ignore_rules.0));
            c.push(r, d);
        }
        Ok(vec![Scan {
            format: NAME,
            tool: descriptor.name.get().unwrap_or("grype").to_string(),
            tool_version: descriptor.version.take(),
            id: None,
            time: descriptor.timestamp.take(),
            profile: None,
            results: c.finish(),
            stated: BTreeMap::new(),
            fixes: Default::default(),
        }])
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Document {
    matches: Option<List<Match>>,
    ignored_matches: Option<List<IgnoredMatch>>,
    source: Obj<Source>,
    descriptor: Obj<Descriptor>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Descriptor {
    name: Text,
    version: Text,
    timestamp: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Source {
    /// An image is an object (`userInput`, `tags`, ...); a directory or
    /// file is its path. Small: read as a value.
    target: Option<serde_json::Value>,
}

impl Source {
    /// The scanned thing as the user named it.
    fn name(self) -> String {
        let from_object = |v: &serde_json::Value| -> Option<String> {
            let o = v.as_object()?;
            for key in ["userInput", "path", "name"] {
                if let Some(s) = o
                    .get(key)
                    .and_then(|s| s.as_str())
                    .filter(|s| !s.is_empty())
                {
                    return Some(s.to_string());
                }
            }
            let tag = o.get("tags")?.as_array()?.first()?.as_str()?;
            Some(tag.to_string())
        };
        match &self.target {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => from_object(v).unwrap_or_default(),
            None => String::new(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Match {
    vulnerability: Obj<Vulnerability>,
    related_vulnerabilities: List<Related>,
    artifact: Obj<Artifact>,
}

/// A match with the rules that set it aside. (The fields are repeated,
/// not flattened: serde buffers a flattened map whole.)
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct IgnoredMatch {
    vulnerability: Obj<Vulnerability>,
    related_vulnerabilities: List<Related>,
    artifact: Obj<Artifact>,
    applied_ignore_rules: List<IgnoreRule>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Vulnerability {
    id: Text,
    severity: Text,
    fix: Obj<Fix>,
    cvss: List<CvssEntry>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Related {
    id: Text,
    cvss: List<CvssEntry>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Fix {
    versions: Strings,
    state: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CvssEntry {
    metrics: Obj<Metrics>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Metrics {
    base_score: Num,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Artifact {
    name: Text,
    version: Text,
    locations: List<ArtifactLocation>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ArtifactLocation {
    path: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IgnoreRule {
    vulnerability: Text,
    reason: Text,
    #[serde(rename = "fix-state")]
    fix_state: Text,
    #[serde(rename = "vex-status")]
    vex_status: Text,
    #[serde(rename = "vex-justification")]
    vex_justification: Text,
}

/// A match (or, with `ignored`, a match set aside by those rules) as a
/// result, with its discriminator.
fn matched(
    source: &str,
    m: Match,
    ignored: Option<Vec<IgnoreRule>>,
) -> (RuleResult, Option<String>) {
    let v = m.vulnerability.0.unwrap_or_default();
    let a = m.artifact.0.unwrap_or_default();
    let id =
        v.id.get()
            .unwrap_or("unidentified vulnerability")
            .to_string();
    let pkg = a.name.get().unwrap_or("").to_string();
    let installed = a.version.get().map(str::to_string);

    let mut refs = Refs::default();
    push_vuln_id(&mut refs, &id);
    for r in &m.related_vulnerabilities.0 {
        if let Some(rid) = r.id.get() {
            push_vuln_id(&mut refs, rid);
        }
    }
    let score = v
        .cvss
        .0
        .iter()
        .chain(
            m.related_vulnerabilities
                .0
                .iter()
                .flat_map(|r| r.cvss.0.iter()),
        )
        .filter_map(|c| c.metrics.0.as_ref()?.base_score.0)
        .fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.max(b))));
    let severity = v
        .severity
        .get()
        .and_then(severity_word)
        .or_else(|| score.and_then(Severity::from_score));

    let fix = v.fix.0.unwrap_or_default();
    let versions = fix.versions.0;
    let state = fix.state.get().map(str::to_ascii_lowercase);
    let message = match state.as_deref() {
        Some("fixed") if !versions.is_empty() => format!("fixed in {}", versions.join(", ")),
        Some("fixed") => "a fix exists".to_string(),
        Some("wont-fix") => "the vendor will not fix it".to_string(),
        Some("not-fixed") => "no fix available".to_string(),
        _ => "fix state unknown".to_string(),
    };

    let (result, overridden) = match ignored {
        None => (ScanResult::Fail, None),
        Some(rules) => {
            let vex = rules
                .iter()
                .find_map(|r| r.vex_status.get().map(str::to_ascii_lowercase));
            let result = match vex.as_deref() {
                Some("not_affected") => ScanResult::Notapplicable,
                Some("fixed") => ScanResult::Pass,
                _ => ScanResult::Notchecked,
            };
            (result, Some(ignore_reason(&rules)))
        }
    };
    let discriminator = match (&installed, a.locations.0.first().and_then(|l| l.path.get())) {
        (Some(v), Some(p)) => Some(format!("@{v} ({p})")),
        (Some(v), None) => Some(format!("@{v}")),
        (None, Some(p)) => Some(format!(" ({p})")),
        (None, None) => None,
    };
    let result = RuleResult {
        target: join_target(&[source, &pkg]),
        title: short(&format!("{id} in {pkg}")),
        rule_id: id,
        result,
        severity,
        refs,
        observed: vec![Observation {
            name: pkg,
            expected: (!versions.is_empty()).then(|| versions.join(", ")),
            actual: installed,
        }],
        message: Some(message),
        overridden,
    };
    (result, discriminator)
}

/// Why a match was set aside, in the words of its ignore rules.
fn ignore_reason(rules: &[IgnoreRule]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for r in rules {
        let mut p = Vec::new();
        if let Some(s) = r.vex_status.get() {
            p.push(format!("VEX {s}"));
        }
        if let Some(s) = r.vex_justification.get() {
            p.push(s.to_string());
        }
        if let Some(s) = r.fix_state.get() {
            p.push(format!("fix state {s}"));
        }
        if let Some(s) = r.reason.get() {
            p.push(s.to_string());
        }
        if p.is_empty()
            && let Some(s) = r.vulnerability.get()
        {
            p.push(format!("rule for {s}"));
        }
        if !p.is_empty() {
            parts.push(p.join(", "));
        }
    }
    let text = if parts.is_empty() {
        "ignored by a Grype ignore rule".to_string()
    } else {
        format!("ignored by Grype: {}", parts.join("; "))
    };
    super::shared::clip(&text, super::shared::SHORT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Vec<Scan>, IngestError> {
        Grype.read(&mut json.as_bytes(), Path::new("grype.json"))
    }

    fn m(id: &str, pkg: &str, version: &str, severity: &str, state: &str) -> String {
        format!(
            r#"{{"vulnerability": {{"id": "{id}", "severity": "{severity}", "description": "CWE-79 text is not a reference", "fix": {{"versions": ["9.9"], "state": "{state}"}},
                 "cvss": [{{"version": "3.1", "metrics": {{"baseScore": 9.8}}}}]}},
               "relatedVulnerabilities": [{{"id": "CVE-2020-1", "cvss": [{{"metrics": {{"baseScore": 5.0}}}}]}}],
               "matchDetails": [], "artifact": {{"name": "{pkg}", "version": "{version}", "type": "apk", "locations": [{{"path": "/lib/apk/db/installed"}}]}}}}"#
        )
    }

    #[test]
    fn detects_grype_reports() {
        assert!(Grype.detect(&Head::new(
            br#"{"matches": [{"vulnerability": {}, "matchDetails": []}]"#
        )));
        assert!(Grype.detect(&Head::new(
            br#"{"matches": [], "source": {}, "distro": {}, "descriptor": {}}"#
        )));
        assert!(!Grype.detect(&Head::new(br#"{"matches": []}"#)));
    }

    #[test]
    fn matches_fail_ignored_matches_do_not() {
        let json = format!(
            r#"{{"matches": [{}, {}, {}, {}],
               "ignoredMatches": [
                 {{"vulnerability": {{"id": "CVE-2024-5"}}, "artifact": {{"name": "zlib", "version": "1.2"}}, "appliedIgnoreRules": [{{"vulnerability": "CVE-2024-5", "reason": "accepted risk"}}]}},
                 {{"vulnerability": {{"id": "CVE-2024-6"}}, "artifact": {{"name": "zlib", "version": "1.2"}}, "appliedIgnoreRules": [{{"vex-status": "not_affected", "vex-justification": "vulnerable_code_not_present"}}]}}],
               "source": {{"type": "image", "target": {{"userInput": "golang:1.12-alpine", "tags": ["golang:1.12-alpine"]}}}},
               "descriptor": {{"name": "grype", "version": "0.79.3", "timestamp": "2024-07-23T08:42:03-04:00"}}}}"#,
            m("CVE-2024-1", "musl", "1.1.24-r0", "Critical", "fixed"),
            m("CVE-2024-2", "musl", "1.1.24-r0", "Negligible", "not-fixed"),
            m("CVE-2024-3", "musl", "1.1.24-r0", "Unknown", "wont-fix"),
            m("CVE-2024-4", "musl", "1.1.24-r0", "", "unknown"),
        );
        let scans = read(&json).expect("reads");
        let s = &scans[0];
        assert_eq!(s.tool, "grype");
        assert_eq!(s.tool_version.as_deref(), Some("0.79.3"));
        assert_eq!(s.time.as_deref(), Some("2024-07-23T08:42:03-04:00"));
        let got: Vec<(&str, ScanResult, Option<Severity>)> = s
            .results
            .iter()
            .map(|r| (r.rule_id.as_str(), r.result, r.severity))
            .collect();
        use ScanResult::*;
        assert_eq!(
            got,
            vec![
                ("CVE-2024-1", Fail, Some(Severity::Critical)),
                ("CVE-2024-2", Fail, Some(Severity::Info)),
                ("CVE-2024-3", Fail, Some(Severity::Critical)),
                ("CVE-2024-4", Fail, Some(Severity::Critical)),
                ("CVE-2024-5", Notchecked, None),
                ("CVE-2024-6", Notapplicable, None),
            ]
        );
        let r = &s.results[0];
        assert_eq!(r.target, "golang:1.12-alpine > musl");
        assert_eq!(r.refs.cve, vec!["CVE-2024-1", "CVE-2020-1"]);
        assert!(r.refs.cwe.is_empty());
        assert_eq!(r.observed[0].actual.as_deref(), Some("1.1.24-r0"));
        assert_eq!(r.observed[0].expected.as_deref(), Some("9.9"));
        assert_eq!(r.message.as_deref(), Some("fixed in 9.9"));
        assert_eq!(
            s.results[4].overridden.as_deref(),
            Some("ignored by Grype: accepted risk")
        );
        assert_eq!(
            s.results[5].overridden.as_deref(),
            Some("ignored by Grype: VEX not_affected, vulnerable_code_not_present")
        );
    }

    #[test]
    fn a_directory_source_and_two_versions_of_a_package() {
        let json = format!(
            r#"{{"matches": [{}, {}], "source": {{"type": "directory", "target": "./app"}}}}"#,
            m("GHSA-x", "lodash", "4.17.4", "High", "fixed"),
            m("GHSA-x", "lodash", "4.17.11", "High", "fixed"),
        );
        let s = &read(&json).expect("reads")[0];
        let targets: Vec<&str> = s.results.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(
            targets,
            vec![
                "./app > lodash@4.17.4 (/lib/apk/db/installed)",
                "./app > lodash@4.17.11 (/lib/apk/db/installed)"
            ]
        );
    }

    #[test]
    fn bad_input() {
        for bad in [
            "",
            r#"{"matches": [{"vulnerability": "#,
            r#"{"SchemaVersion": 2, "Results": []}"#,
            "[]",
            "\u{7f}ELF",
        ] {
            let e = read(bad).expect_err(bad);
            assert!(e.to_string().starts_with("grype.json"), "{e}");
        }
    }
}
