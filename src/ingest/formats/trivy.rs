//! Trivy JSON (`trivy image|fs|repo|config|k8s --format json`): the
//! current report (`SchemaVersion` 2: `ArtifactName`, `Results[]`), the
//! legacy report of Trivy before 0.20 (a bare list of results), and the
//! Kubernetes report (`ClusterName` with `Resources[]`, or the older
//! `Vulnerabilities[]`/`Misconfigurations[]` per resource). Trivy's SARIF
//! is SARIF and its ASFF is ASFF: other readers read those.
//!
//! `docs/ingest/trivy.md` is the reference for the mapping; in short:
//!
//! - vulnerabilities: one result per (target, vulnerability id, package):
//!   rule id the vulnerability id, target `result target > package`
//!   (`image > result target > package` for a language package in an
//!   image, `namespace/Kind/name > image > package` in a cluster), the
//!   installed version appended (`package@1.2`) only where one scan lists
//!   the same vulnerability for two versions of a package. Every status
//!   but `not_affected` is a failure (the installed version is
//!   vulnerable, whatever the vendor plans): `fixed` (a fix exists),
//!   `affected`, `will_not_fix`, `fix_deferred`, `end_of_life`,
//!   `under_investigation`, `unknown` and an absent status fail;
//!   `not_affected` is notapplicable. Observed: installed and fixed
//!   version;
//! - misconfigurations: rule id `ID` (else `AVDID`), target the file or
//!   resource (with the cause's resource), `PASS` pass, `FAIL` fail,
//!   `EXCEPTION` notchecked marked overridden;
//! - secrets: rule id `RuleID`, target `file:line`, fail, the masked match
//!   observed;
//! - licenses: rule id the license, forbidden and restricted fail,
//!   unknown notchecked, others informational;
//! - findings Trivy shows as modified (`--show-suppressed`:
//!   `ExperimentalModifiedFindings`): VEX `not_affected` notapplicable,
//!   `fixed` pass, others (`ignored` by `.trivyignore`, ...) notchecked,
//!   all marked overridden with the statement and its source.

use super::shared::{
    Collector, Line, List, Num, Obj, Short, Strings, Text, join_target, push_vuln_id, read_json,
    severity_word, short,
};
use crate::ingest::detect::Head;
use crate::ingest::{
    IngestError, Observation, Reader, Refs, RuleResult, Scan, ScanResult, Severity,
};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use std::io::BufRead;
use std::path::Path;

/// Trivy JSON reports.
pub struct Trivy;

const NAME: &str = "trivy";

impl Reader for Trivy {
    fn name(&self) -> &'static str {
        NAME
    }

    fn describe(&self) -> &'static str {
        "Trivy JSON (image, filesystem, repository, config and Kubernetes reports; the pre-0.20 list too)"
    }

    fn detect(&self, head: &Head) -> bool {
        let keys = head.json_keys();
        let has = |k: &str| keys.iter().any(|x| x == k);
        if has("SchemaVersion")
            && (has("ArtifactName") || has("Results") || has("ArtifactType") || has("Trivy"))
        {
            return true;
        }
        if has("ClusterName")
            && (has("Resources") || has("Vulnerabilities") || has("Misconfigurations"))
        {
            return true;
        }
        // The legacy report: a list of results.
        let items = head.json_array_item_keys();
        let item = |k: &str| items.iter().any(|x| x == k);
        item("Target")
            && (item("Vulnerabilities") || item("Misconfigurations") || item("Secrets"))
            && (item("Type") || item("Class") || items.first().is_some_and(|k| k == "Target"))
    }

    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
        let doc = read_json(input, path, NAME, DocSeed)?;
        let scan = match doc {
            Doc::Report(r) => report(*r, path)?,
            Doc::Legacy(results) => {
                if !results.is_empty() && results.iter().all(|r| r.target.get().is_none()) {
                    return Err(not_trivy(path));
                }
                let mut c = Collector::default();
                for r in results {
                    result(&mut c, None, r);
                }
                Scan {
                    format: NAME,
                    tool: "Trivy".into(),
                    results: c.finish(),
                    ..Scan::default()
                }
            }
        };
        Ok(vec![scan])
    }
}

fn not_trivy(path: &Path) -> IngestError {
    IngestError::malformed(
        path,
        NAME,
        None,
        "not a Trivy JSON report: it has none of SchemaVersion, ArtifactName, Results, ClusterName",
    )
}

fn report(r: Report, path: &Path) -> Result<Scan, IngestError> {
    let is_report = r.schema_version.0.is_some()
        || r.artifact_name.get().is_some()
        || r.results.is_some()
        || r.cluster_name.get().is_some()
        || r.resources.is_some();
    if !is_report {
        return Err(not_trivy(path));
    }
    let mut c = Collector::default();
    let image = r
        .artifact_type
        .get()
        .is_some_and(|t| t.eq_ignore_ascii_case("container_image"));
    let artifact = r.artifact_name.get().filter(|_| image);
    for res in r.results.map(|l| l.0).unwrap_or_default() {
        result(&mut c, artifact, res);
    }
    let resources = r
        .resources
        .map(|l| l.0)
        .unwrap_or_default()
        .into_iter()
        .chain(r.k8s_vulnerabilities.0)
        .chain(r.k8s_misconfigurations.0);
    for res in resources {
        let kind_name = join_path(&[
            res.namespace.get().unwrap_or(""),
            res.kind.get().unwrap_or(""),
            res.name.get().unwrap_or(""),
        ]);
        for one in res.results.0 {
            result(&mut c, Some(&kind_name), one);
        }
    }
    let tool_version = r.trivy.0.and_then(|t| t.version.take());
    Ok(Scan {
        format: NAME,
        tool: "Trivy".into(),
        tool_version,
        id: r.report_id.take().or(r.cluster_name.take()),
        time: r.created_at.take(),
        profile: None,
        results: c.finish(),
        stated: BTreeMap::new(),
        fixes: Default::default(),
    })
}

fn join_path(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/")
}

// ---- the document ---------------------------------------------------------------

enum Doc {
    Report(Box<Report>),
    Legacy(Vec<TrivyResult>),
}

struct DocSeed;

impl<'de> DeserializeSeed<'de> for DocSeed {
    type Value = Doc;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Doc, D::Error> {
        d.deserialize_any(DocSeed)
    }
}

impl<'de> Visitor<'de> for DocSeed {
    type Value = Doc;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Trivy report object or a list of results")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Doc, A::Error> {
        Report::deserialize(de::value::MapAccessDeserializer::new(map))
            .map(|r| Doc::Report(Box::new(r)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Doc, A::Error> {
        List::<TrivyResult>::deserialize(de::value::SeqAccessDeserializer::new(seq))
            .map(|l| Doc::Legacy(l.0))
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct Report {
    schema_version: Num,
    created_at: Text,
    artifact_name: Text,
    artifact_type: Text,
    #[serde(rename = "ReportID")]
    report_id: Text,
    trivy: Obj<TrivyInfo>,
    results: Option<List<TrivyResult>>,
    cluster_name: Text,
    resources: Option<List<Resource>>,
    #[serde(rename = "Vulnerabilities")]
    k8s_vulnerabilities: List<Resource>,
    #[serde(rename = "Misconfigurations")]
    k8s_misconfigurations: List<Resource>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct TrivyInfo {
    version: Text,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct Resource {
    namespace: Text,
    kind: Text,
    name: Text,
    results: List<TrivyResult>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct TrivyResult {
    target: Text,
    vulnerabilities: List<Finding>,
    misconfigurations: List<Finding>,
    secrets: List<Finding>,
    licenses: List<Finding>,
    #[serde(alias = "ExperimentalModifiedFindings")]
    modified_findings: List<Modified>,
}

/// A vulnerability, misconfiguration, secret or license finding: the
/// fields of all four, since a modified finding may be any of them.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct Finding {
    // Vulnerabilities.
    #[serde(rename = "VulnerabilityID")]
    vulnerability_id: Text,
    #[serde(rename = "VendorIDs")]
    vendor_ids: Strings,
    pkg_name: Text,
    installed_version: Text,
    fixed_version: Text,
    status: Text,
    severity: Text,
    title: Short,
    #[serde(rename = "CweIDs")]
    cwe_ids: Strings,
    #[serde(rename = "CVSS")]
    cvss: Obj<BTreeMap<String, Obj<Cvss>>>,
    // Misconfigurations.
    #[serde(rename = "ID")]
    id: Text,
    #[serde(rename = "AVDID")]
    avd_id: Text,
    message: Short,
    cause_metadata: Obj<Cause>,
    // Secrets.
    #[serde(rename = "RuleID")]
    rule_id: Text,
    start_line: Num,
    #[serde(rename = "Match")]
    matched: Line,
    // Licenses.
    name: Text,
    category: Text,
    file_path: Text,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct Cvss {
    v3_score: Num,
    v2_score: Num,
    #[serde(rename = "V40Score")]
    v40_score: Num,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct Cause {
    resource: Text,
    start_line: Num,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct Modified {
    #[serde(rename = "Type")]
    kind: Text,
    status: Text,
    statement: Short,
    source: Text,
    finding: Obj<Finding>,
}

// ---- mapping ----------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Vulnerability,
    Misconfiguration,
    Secret,
    License,
}

/// Adds a result's findings to `c`. `outer` is the image (for language
/// packages in an image) or the Kubernetes resource the result belongs to.
fn result(c: &mut Collector, outer: Option<&str>, r: TrivyResult) {
    let target = r.target.get().unwrap_or("");
    // The result target, unless the outer name already says it (an OS
    // result names the image; a Kubernetes misconfiguration its resource).
    let base = match outer {
        None => target.to_string(),
        Some(o) if target == o || target.starts_with(&format!("{o} (")) => target.to_string(),
        Some(o) if target.is_empty() || o.ends_with(&format!("/{target}")) => o.to_string(),
        Some(o) => join_target(&[o, target]),
    };
    for f in r.vulnerabilities.0 {
        let (res, d) = finding(&base, Kind::Vulnerability, f);
        c.push(res, d);
    }
    for f in r.misconfigurations.0 {
        let (res, d) = finding(&base, Kind::Misconfiguration, f);
        c.push(res, d);
    }
    for f in r.secrets.0 {
        let (res, d) = finding(&base, Kind::Secret, f);
        c.push(res, d);
    }
    for f in r.licenses.0 {
        let (res, d) = finding(&base, Kind::License, f);
        c.push(res, d);
    }
    for m in r.modified_findings.0 {
        let kind = match m.kind.get().map(str::to_ascii_lowercase).as_deref() {
            Some("misconfiguration") => Kind::Misconfiguration,
            Some("secret") => Kind::Secret,
            Some("license") => Kind::License,
            _ => Kind::Vulnerability,
        };
        let Some(f) = m.finding.0 else { continue };
        let (mut res, d) = finding(&base, kind, f);
        let status = m.status.get().unwrap_or("modified").to_ascii_lowercase();
        res.result = match status.as_str() {
            "not_affected" => ScanResult::Notapplicable,
            "fixed" => ScanResult::Pass,
            _ => ScanResult::Notchecked,
        };
        let mut why = status.replace('_', " ");
        if let Some(s) = m.statement.0.as_deref() {
            why = format!("{why}: {s}");
        }
        if let Some(src) = m.source.get() {
            why = format!("{why} ({})", super::shared::clip(src, 80));
        }
        res.overridden = Some(super::shared::clip(&why, super::shared::SHORT));
        c.push(res, d);
    }
}

/// One finding as a result, with its discriminator.
fn finding(base: &str, kind: Kind, f: Finding) -> (RuleResult, Option<String>) {
    match kind {
        Kind::Vulnerability => vulnerability(base, f),
        Kind::Misconfiguration => misconfiguration(base, f),
        Kind::Secret => secret(base, f),
        Kind::License => license(base, f),
    }
}

fn vulnerability(base: &str, f: Finding) -> (RuleResult, Option<String>) {
    let pkg = f.pkg_name.get().unwrap_or("").to_string();
    let id = f
        .vulnerability_id
        .get()
        .unwrap_or("unidentified vulnerability")
        .to_string();
    let status = f.status.get().map(str::to_ascii_lowercase);
    let fixed = f.fixed_version.get().map(str::to_string);
    let result = match status.as_deref() {
        Some("not_affected") => ScanResult::Notapplicable,
        _ => ScanResult::Fail,
    };
    let message = match status.as_deref() {
        Some("not_affected") => "the vendor states the package is not affected".to_string(),
        Some("will_not_fix") => "the vendor will not fix it".to_string(),
        Some("fix_deferred") => "the vendor deferred the fix".to_string(),
        Some("end_of_life") => "the package is at its end of life".to_string(),
        Some("under_investigation") => "the vendor is investigating it".to_string(),
        _ => match &fixed {
            Some(v) => format!("fixed in {v}"),
            None => "no fix available".to_string(),
        },
    };
    let mut refs = Refs::default();
    push_vuln_id(&mut refs, &id);
    for v in &f.vendor_ids.0 {
        push_vuln_id(&mut refs, v);
    }
    for c in &f.cwe_ids.0 {
        refs.push_cwe(c);
    }
    let severity = f.severity.get().and_then(severity_word).or_else(|| {
        let best = f
            .cvss
            .0
            .iter()
            .flat_map(|m| m.values())
            .filter_map(|c| {
                let c = c.0.as_ref()?;
                c.v40_score.0.or(c.v3_score.0).or(c.v2_score.0)
            })
            .fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.max(b))));
        best.and_then(Severity::from_score)
    });
    let installed = f.installed_version.get().map(str::to_string);
    let discriminator = installed.as_ref().map(|v| format!("@{v}"));
    let title = f.title.take().or_else(|| short(&format!("{id} in {pkg}")));
    let result = RuleResult {
        target: join_target(&[base, &pkg]),
        rule_id: id,
        title,
        result,
        severity,
        refs,
        observed: vec![Observation {
            name: pkg,
            expected: fixed,
            actual: installed,
        }],
        message: Some(message),
        overridden: None,
    };
    (result, discriminator)
}

fn misconfiguration(base: &str, f: Finding) -> (RuleResult, Option<String>) {
    let id =
        f.id.get()
            .or(f.avd_id.get())
            .unwrap_or("unidentified check")
            .to_string();
    let mut refs = Refs::default();
    if let Some(avd) = f.avd_id.get()
        && avd != id
    {
        refs.push_other("avd", avd);
    }
    let cause = f.cause_metadata.0.unwrap_or_default();
    let (result, overridden) = match f.status.get().map(str::to_ascii_uppercase).as_deref() {
        Some("PASS") => (ScanResult::Pass, None),
        Some("EXCEPTION") => (
            ScanResult::Notchecked,
            Some("an exception in the Trivy policy".to_string()),
        ),
        _ => (ScanResult::Fail, None),
    };
    let discriminator = cause.start_line.whole().map(|l| format!(":{l}"));
    let result = RuleResult {
        target: join_target(&[base, cause.resource.get().unwrap_or("")]),
        rule_id: id,
        title: f.title.take(),
        result,
        severity: f.severity.get().and_then(severity_word),
        refs,
        observed: Vec::new(),
        message: f.message.take(),
        overridden,
    };
    (result, discriminator)
}

fn secret(base: &str, f: Finding) -> (RuleResult, Option<String>) {
    let target = match f.start_line.whole() {
        Some(l) => format!("{base}:{l}"),
        None => base.to_string(),
    };
    let result = RuleResult {
        target,
        rule_id: f.rule_id.get().unwrap_or("secret").to_string(),
        title: f.title.take(),
        result: ScanResult::Fail,
        severity: f.severity.get().and_then(severity_word),
        refs: Refs::default(),
        observed: f
            .matched
            .0
            .map(|m| Observation {
                name: "match".to_string(),
                expected: None,
                actual: Some(m),
            })
            .into_iter()
            .collect(),
        message: f.category.get().map(|c| format!("category: {c}")),
        overridden: None,
    };
    (result, None)
}

fn license(base: &str, f: Finding) -> (RuleResult, Option<String>) {
    let name = f.name.get().unwrap_or("unknown license").to_string();
    let category = f.category.get().map(str::to_ascii_lowercase);
    let result = match category.as_deref() {
        Some("forbidden" | "restricted") => ScanResult::Fail,
        Some("unknown") | None => ScanResult::Notchecked,
        Some(_) => ScanResult::Informational,
    };
    let place = f.pkg_name.get().or(f.file_path.get()).unwrap_or("");
    let result = RuleResult {
        target: join_target(&[base, place]),
        title: short(&format!("License {name}")),
        rule_id: name,
        result,
        severity: f.severity.get().and_then(severity_word),
        refs: Refs::default(),
        observed: Vec::new(),
        message: category.map(|c| format!("category: {c}")),
        overridden: None,
    };
    (result, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Vec<Scan>, IngestError> {
        Trivy.read(&mut json.as_bytes(), Path::new("trivy.json"))
    }

    fn one(json: &str) -> Scan {
        let mut s = read(json).expect("reads");
        assert_eq!(s.len(), 1);
        s.remove(0)
    }

    fn vuln(id: &str, pkg: &str, version: &str, status: &str) -> String {
        format!(
            r#"{{"VulnerabilityID": "{id}", "PkgName": "{pkg}", "InstalledVersion": "{version}", "FixedVersion": "9.9", "Status": "{status}", "Severity": "HIGH", "CweIDs": ["CWE-79"], "VendorIDs": ["DSA-1-1"], "Description": "CWE-1000 is not read from here"}}"#
        )
    }

    #[test]
    fn detects_every_trivy_report_and_nothing_else() {
        assert!(Trivy.detect(&Head::new(
            br#"{"SchemaVersion": 2, "ArtifactName": "x", "Results": []}"#
        )));
        assert!(Trivy.detect(&Head::new(br#"{"ClusterName": "c", "Resources": []}"#)));
        assert!(Trivy.detect(&Head::new(
            br#"[{"Target": "x (debian 10)", "Type": "debian", "Vulnerabilities": null}]"#
        )));
        assert!(!Trivy.detect(&Head::new(
            br#"{"Findings": [{"SchemaVersion": "2018-10-08"}]}"#
        )));
        assert!(!Trivy.detect(&Head::new(br#"{"matches": [], "source": {}}"#)));
    }

    #[test]
    fn every_vulnerability_status_maps() {
        let statuses = [
            "fixed",
            "affected",
            "will_not_fix",
            "fix_deferred",
            "end_of_life",
            "under_investigation",
            "unknown",
            "not_affected",
            "",
        ];
        let vulns: Vec<String> = statuses
            .iter()
            .enumerate()
            .map(|(i, s)| vuln(&format!("CVE-2024-{i}"), "openssl", "1.0", s))
            .collect();
        let json = format!(
            r#"{{"SchemaVersion": 2, "CreatedAt": "2024-05-01T10:00:00Z", "ArtifactName": "alpine:3.19", "ArtifactType": "container_image", "Trivy": {{"Version": "0.50.0"}},
              "Results": [{{"Target": "alpine:3.19 (alpine 3.19.1)", "Class": "os-pkgs", "Vulnerabilities": [{}]}}]}}"#,
            vulns.join(",")
        );
        let scan = one(&json);
        assert_eq!(scan.tool_version.as_deref(), Some("0.50.0"));
        assert_eq!(scan.time.as_deref(), Some("2024-05-01T10:00:00Z"));
        let got: Vec<ScanResult> = scan.results.iter().map(|r| r.result).collect();
        use ScanResult::*;
        assert_eq!(
            got,
            vec![
                Fail,
                Fail,
                Fail,
                Fail,
                Fail,
                Fail,
                Fail,
                Notapplicable,
                Fail
            ]
        );
        let r = &scan.results[0];
        assert_eq!(r.target, "alpine:3.19 (alpine 3.19.1) > openssl");
        assert_eq!(r.rule_id, "CVE-2024-0");
        assert_eq!(r.severity, Some(Severity::High));
        assert_eq!(r.refs.cve, vec!["CVE-2024-0"]);
        assert_eq!(r.refs.cwe, vec!["CWE-79"]);
        assert_eq!(
            r.refs.other,
            vec![("dsa".to_string(), "DSA-1-1".to_string())]
        );
        assert_eq!(
            r.observed,
            vec![Observation {
                name: "openssl".into(),
                expected: Some("9.9".into()),
                actual: Some("1.0".into())
            }]
        );
    }

    #[test]
    fn language_packages_in_an_image_name_the_image_and_versions_part_duplicates() {
        let json = format!(
            r#"{{"SchemaVersion": 2, "ArtifactName": "app:1", "ArtifactType": "container_image",
              "Results": [{{"Target": "app/package-lock.json", "Vulnerabilities": [{}, {}, {}]}}]}}"#,
            vuln("CVE-1", "lodash", "4.17.4", "fixed"),
            vuln("CVE-1", "lodash", "4.17.11", "fixed"),
            vuln("CVE-2", "ms", "0.7.1", "fixed"),
        );
        let scan = one(&json);
        let targets: Vec<&str> = scan.results.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(
            targets,
            vec![
                "app:1 > app/package-lock.json > lodash@4.17.4",
                "app:1 > app/package-lock.json > lodash@4.17.11",
                "app:1 > app/package-lock.json > ms",
            ]
        );
    }

    #[test]
    fn misconfigurations_secrets_licenses_and_modified_findings() {
        let json = r#"{"SchemaVersion": 2, "ArtifactName": ".", "ArtifactType": "filesystem", "Results": [
            {"Target": "Dockerfile", "Class": "config", "Misconfigurations": [
              {"ID": "DS002", "AVDID": "AVD-DS-0002", "Title": "Image user should not be 'root'", "Message": "Specify a USER", "Severity": "HIGH", "Status": "FAIL"},
              {"ID": "DS001", "AVDID": "AVD-DS-0001", "Severity": "MEDIUM", "Status": "PASS"},
              {"ID": "DS005", "Severity": "LOW", "Status": "EXCEPTION"}]},
            {"Target": "main.tf", "Misconfigurations": [
              {"ID": "AVD-AWS-0086", "Status": "FAIL", "CauseMetadata": {"Resource": "aws_s3_bucket.logs", "StartLine": 4}},
              {"ID": "AVD-AWS-0086", "Status": "FAIL", "CauseMetadata": {"Resource": "aws_s3_bucket.data", "StartLine": 9}}]},
            {"Target": "secret.txt", "Class": "secret", "Secrets": [
              {"RuleID": "github-pat", "Category": "GitHub", "Severity": "CRITICAL", "Title": "GitHub Personal Access Token", "StartLine": 1, "Match": "GITHUB_PAT=*****"}]},
            {"Target": "package-lock.json", "Licenses": [
              {"Severity": "HIGH", "Category": "restricted", "PkgName": "gpl-thing", "Name": "GPL-3.0"},
              {"Severity": "LOW", "Category": "notice", "PkgName": "mit-thing", "Name": "MIT"}],
             "ExperimentalModifiedFindings": [
              {"Type": "vulnerability", "Status": "not_affected", "Statement": "vulnerable_code_not_in_execute_path", "Source": "openvex.json",
               "Finding": {"VulnerabilityID": "CVE-2023-1", "PkgName": "lodash", "InstalledVersion": "4.0.0", "Severity": "LOW"}},
              {"Type": "vulnerability", "Status": "ignored", "Source": ".trivyignore",
               "Finding": {"VulnerabilityID": "CVE-2023-2", "PkgName": "lodash", "InstalledVersion": "4.0.0"}}]}
        ]}"#;
        let scan = one(json);
        let got: Vec<(&str, &str, ScanResult, Option<&str>)> = scan
            .results
            .iter()
            .map(|r| {
                (
                    r.target.as_str(),
                    r.rule_id.as_str(),
                    r.result,
                    r.overridden.as_deref(),
                )
            })
            .collect();
        use ScanResult::*;
        assert_eq!(
            got,
            vec![
                ("Dockerfile", "DS002", Fail, None),
                ("Dockerfile", "DS001", Pass, None),
                (
                    "Dockerfile",
                    "DS005",
                    Notchecked,
                    Some("an exception in the Trivy policy")
                ),
                ("main.tf > aws_s3_bucket.logs", "AVD-AWS-0086", Fail, None),
                ("main.tf > aws_s3_bucket.data", "AVD-AWS-0086", Fail, None),
                ("secret.txt:1", "github-pat", Fail, None),
                ("package-lock.json > gpl-thing", "GPL-3.0", Fail, None),
                ("package-lock.json > mit-thing", "MIT", Informational, None),
                (
                    "package-lock.json > lodash",
                    "CVE-2023-1",
                    Notapplicable,
                    Some("not affected: vulnerable_code_not_in_execute_path (openvex.json)")
                ),
                (
                    "package-lock.json > lodash",
                    "CVE-2023-2",
                    Notchecked,
                    Some("ignored (.trivyignore)")
                ),
            ]
        );
        assert_eq!(
            scan.results[0].refs.other,
            vec![("avd".to_string(), "AVD-DS-0002".to_string())]
        );
        assert_eq!(
            scan.results[5].observed[0].actual.as_deref(),
            Some("GITHUB_PAT=*****")
        );
    }

    #[test]
    fn kubernetes_reports_old_and_new() {
        let new = r#"{"ClusterName": "prod", "Resources": [
            {"Namespace": "default", "Kind": "Deployment", "Name": "web", "Results": [
              {"Target": "nginx:1.25 (debian 12)", "Vulnerabilities": [{"VulnerabilityID": "CVE-1", "PkgName": "libc6", "InstalledVersion": "2.36", "Severity": "LOW"}]},
              {"Target": "Deployment/web", "Misconfigurations": [{"ID": "KSV001", "Status": "FAIL", "Severity": "MEDIUM"}]}]},
            {"Kind": "Node", "Name": "n1", "Results": [{"Target": "node", "Misconfigurations": [{"ID": "KCV0001", "Status": "PASS"}]}]}]}"#;
        let scan = one(new);
        let targets: Vec<&str> = scan.results.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(
            targets,
            vec![
                "default/Deployment/web > nginx:1.25 (debian 12) > libc6",
                "default/Deployment/web",
                "Node/n1 > node",
            ]
        );
        assert_eq!(scan.id.as_deref(), Some("prod"));
        let old = r#"{"ClusterName": "c", "Vulnerabilities": [{"Namespace": "ns", "Kind": "Pod", "Name": "p", "Results": [
            {"Target": "img", "Vulnerabilities": [{"VulnerabilityID": "CVE-2", "PkgName": "zlib"}]}]}],
            "Misconfigurations": [{"Namespace": "ns", "Kind": "Pod", "Name": "p", "Results": [{"Target": "Pod/p", "Misconfigurations": [{"ID": "KSV002", "Status": "FAIL"}]}]}]}"#;
        let scan = one(old);
        let targets: Vec<&str> = scan.results.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(targets, vec!["ns/Pod/p > img > zlib", "ns/Pod/p"]);
    }

    #[test]
    fn the_legacy_list_and_bad_input() {
        let scan = one(
            r#"[{"Target": "debian (debian 10.8)", "Type": "debian", "Vulnerabilities": [{"VulnerabilityID": "CVE-2011-3374", "PkgName": "apt", "InstalledVersion": "1.8.2.2", "Severity": "LOW"}]}, {"Target": "x", "Vulnerabilities": null}]"#,
        );
        assert_eq!(scan.results.len(), 1);
        assert_eq!(scan.results[0].target, "debian (debian 10.8) > apt");
        for bad in [
            "",
            r#"{"SchemaVersion": 2, "Results": [{"Target": "x", "Vulnerabilities": [{"#,
            r#"{"matches": [], "source": {"type": "image"}}"#,
            r#"[{"check_type": "terraform"}]"#,
            "\u{1}\u{2}",
            "42",
        ] {
            let e = read(bad).expect_err(bad);
            assert!(e.to_string().starts_with("trivy.json"), "{e}");
        }
    }
}
