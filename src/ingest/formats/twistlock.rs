//! Prisma Cloud Compute (Twistlock) `twistcli images scan` JSON:
//! `results[]`, one per image, with `vulnerabilities[]` and `compliances[]`;
//! also a single result without the `results` wrapper (a repository scan).
//!
//! One [`Scan`] per image. `docs/ingest/twistlock.md` is the reference; in
//! short: vulnerabilities give one result per (target, vulnerability id,
//! package): rule id the vulnerability id, target `image > package` (the
//! version appended only where one image lists the same vulnerability for
//! two versions of a package). Every listed vulnerability fails, whatever
//! its `status` (`fixed in 1.2` says a fix exists; `affected`, `open`,
//! `will not fix`, `deferred`, `under investigation` say none is
//! installed); the status is the message and the fixed version is
//! observed beside the installed one. Compliance issues (`compliances`)
//! fail: rule id the check's id, target the image. Severity: Twistlock's
//! word (`important` high, `moderate` medium), else `cvss`. References:
//! the vulnerability id. The distributions' totals are the stated
//! failure count.

use super::shared::{
    Collector, List, Num, Obj, Short, Text, join_target, push_vuln_id, read_typed, severity_word,
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

/// twistcli JSON reports.
pub struct Twistlock;

const NAME: &str = "twistlock";

/// Strings only a twistcli result carries.
const MARKERS: &[&str] = &[
    "\"vulnerabilityDistribution\"",
    "\"complianceDistribution\"",
    "\"vulnerabilityScanPassed\"",
    "\"complianceScanPassed\"",
    "\"distroRelease\"",
];

impl Reader for Twistlock {
    fn name(&self) -> &'static str {
        NAME
    }

    fn describe(&self) -> &'static str {
        "Prisma Cloud / Twistlock twistcli JSON (image vulnerabilities and compliance)"
    }

    fn detect(&self, head: &Head) -> bool {
        let keys = head.json_keys();
        let has = |k: &str| keys.iter().any(|x| x == k);
        if has("check_type") {
            return false;
        }
        let marked = MARKERS.iter().any(|m| head.contains(m));
        (has("results") && (has("consoleURL") || marked))
            || (has("vulnerabilityDistribution") || has("complianceDistribution"))
                && (has("vulnerabilities") || has("compliances"))
    }

    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
        let mut doc: Image = read_typed(input, path, NAME)?;
        let images = match doc.results.take() {
            Some(List(list)) => list,
            None if doc.vulnerabilities.is_some() || doc.compliances.is_some() => vec![doc],
            None => {
                return Err(IngestError::malformed(
                    path,
                    NAME,
                    None,
                    "not a twistcli report: it has no results, vulnerabilities or compliances",
                ));
            }
        };
        Ok(images.into_iter().map(image).collect())
    }
}

/// The document: `results` (images), or one image's fields at the top
/// (a repository scan). One type for both, since a flattened field would
/// be buffered whole by serde.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Image {
    results: Option<List<Image>>,
    id: Text,
    name: Text,
    repository: Text,
    vulnerabilities: Option<List<Vulnerability>>,
    #[serde(alias = "complianceIssues")]
    compliances: Option<List<Compliance>>,
    vulnerability_distribution: Obj<Distribution>,
    compliance_distribution: Obj<Distribution>,
    scan_time: Text,
    #[serde(rename = "scanID")]
    scan_id: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Distribution {
    total: Num,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Vulnerability {
    #[serde(alias = "cve")]
    id: Text,
    status: Short,
    cvss: Num,
    severity: Text,
    package_name: Text,
    package_version: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Compliance {
    id: Text,
    title: Short,
    severity: Text,
    cause: Short,
}

fn image(i: Image) -> Scan {
    let target = i
        .name
        .get()
        .or(i.repository.get())
        .or(i.id.get())
        .unwrap_or("")
        .to_string();
    let mut c = Collector::default();
    for v in i.vulnerabilities.map(|l| l.0).unwrap_or_default() {
        let (r, d) = vulnerability(&target, v);
        c.push(r, d);
    }
    for x in i.compliances.map(|l| l.0).unwrap_or_default() {
        c.push(compliance(&target, x), None);
    }
    let totals: Vec<u64> = [&i.vulnerability_distribution, &i.compliance_distribution]
        .iter()
        .filter_map(|d| d.0.as_ref()?.total.whole())
        .collect();
    let mut stated = BTreeMap::new();
    if !totals.is_empty()
        && let Ok(n) = usize::try_from(totals.iter().sum::<u64>())
    {
        stated.insert(ScanResult::Fail, n);
    }
    Scan {
        format: NAME,
        tool: "Twistlock".into(),
        tool_version: None,
        id: i.scan_id.take(),
        time: i.scan_time.take(),
        profile: None,
        results: c.finish(),
        stated,
        fixes: Default::default(),
    }
}

fn vulnerability(image: &str, v: Vulnerability) -> (RuleResult, Option<String>) {
    let id =
        v.id.get()
            .unwrap_or("unidentified vulnerability")
            .to_string();
    let pkg = v.package_name.get().unwrap_or("").to_string();
    let installed = v.package_version.get().map(str::to_string);
    let status = v.status.take();
    let fixed = status.as_deref().and_then(|s| {
        let lower = s.to_ascii_lowercase();
        lower
            .strip_prefix("fixed in")
            .map(|_| s["fixed in".len()..].trim().to_string())
            .filter(|f| !f.is_empty())
    });
    let mut refs = Refs::default();
    push_vuln_id(&mut refs, &id);
    let severity = v
        .severity
        .get()
        .and_then(severity_word)
        .or_else(|| v.cvss.0.and_then(Severity::from_score));
    let discriminator = installed.as_ref().map(|v| format!("@{v}"));
    let result = RuleResult {
        target: join_target(&[image, &pkg]),
        title: short(&format!("{id} in {pkg}")),
        rule_id: id,
        result: ScanResult::Fail,
        severity,
        refs,
        observed: vec![Observation {
            name: pkg,
            expected: fixed,
            actual: installed,
        }],
        message: status,
        overridden: None,
    };
    (result, discriminator)
}

fn compliance(image: &str, x: Compliance) -> RuleResult {
    RuleResult {
        target: image.to_string(),
        rule_id: x
            .id
            .take()
            .or_else(|| x.title.0.clone())
            .unwrap_or_else(|| "unidentified compliance check".to_string()),
        title: x.title.take(),
        result: ScanResult::Fail,
        severity: x.severity.get().and_then(severity_word),
        refs: Refs::default(),
        observed: Vec::new(),
        message: x.cause.take(),
        overridden: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Vec<Scan>, IngestError> {
        Twistlock.read(&mut json.as_bytes(), Path::new("twistcli.json"))
    }

    const REPORT: &str = r#"{"results": [{"id": "sha256:b1c0", "name": "registry.io/test:1a7a", "distro": "Red Hat Enterprise Linux release 8.6 (Ootpa)", "distroRelease": "RHEL8",
        "packages": [{"type": "os", "name": "nss", "version": "3.67.0-7.el8_5"}],
        "complianceDistribution": {"critical": 0, "high": 1, "medium": 0, "low": 0, "total": 1},
        "compliances": [{"id": 41, "title": "(CIS_Docker_v1.2.0 - 4.1) Image should be created with a non-root user", "severity": "high", "cause": ""}],
        "vulnerabilities": [
          {"id": "CVE-2021-43529", "status": "affected", "cvss": 9.8, "description": "CWE-20 in prose", "severity": "critical", "packageName": "nss", "packageVersion": "3.67.0-7.el8_5", "link": "https://access.redhat.com/security/cve/CVE-2021-43529"},
          {"id": "CVE-2022-1", "status": "fixed in 2.9.10-15.el8", "cvss": 7.5, "severity": "important", "packageName": "libxml2", "packageVersion": "2.9.7-13.el8"},
          {"id": "PRISMA-2022-0168", "status": "open", "cvss": 5.0, "severity": "moderate", "packageName": "pip", "packageVersion": "9.0.3"},
          {"id": "CVE-2022-2", "status": "under investigation", "cvss": 3.1, "severity": "", "packageName": "bzip2", "packageVersion": "1.0.6"}],
        "vulnerabilityDistribution": {"critical": 1, "high": 1, "medium": 1, "low": 1, "total": 4},
        "scanTime": "2022-05-18T12:24:32.855444532Z", "scanID": "6284e580d9600f8d0db159e2"}], "consoleURL": "https://console/"}"#;

    #[test]
    fn detects_twistcli_output() {
        assert!(Twistlock.detect(&Head::new(REPORT.as_bytes())));
        assert!(Twistlock.detect(&Head::new(
            br#"{"repository": "r", "vulnerabilities": [], "vulnerabilityDistribution": {}}"#
        )));
        assert!(!Twistlock.detect(&Head::new(br#"{"check_type": "x", "results": {}}"#)));
        assert!(!Twistlock.detect(&Head::new(br#"{"results": []}"#)));
    }

    #[test]
    fn vulnerabilities_and_compliance_fail_with_their_status() {
        let scans = read(REPORT).expect("reads");
        let s = &scans[0];
        assert_eq!(s.id.as_deref(), Some("6284e580d9600f8d0db159e2"));
        assert_eq!(s.time.as_deref(), Some("2022-05-18T12:24:32.855444532Z"));
        let got: Vec<(&str, &str, ScanResult, Option<Severity>)> = s
            .results
            .iter()
            .map(|r| (r.target.as_str(), r.rule_id.as_str(), r.result, r.severity))
            .collect();
        use ScanResult::*;
        assert_eq!(
            got,
            vec![
                (
                    "registry.io/test:1a7a > nss",
                    "CVE-2021-43529",
                    Fail,
                    Some(Severity::Critical)
                ),
                (
                    "registry.io/test:1a7a > libxml2",
                    "CVE-2022-1",
                    Fail,
                    Some(Severity::High)
                ),
                (
                    "registry.io/test:1a7a > pip",
                    "PRISMA-2022-0168",
                    Fail,
                    Some(Severity::Medium)
                ),
                (
                    "registry.io/test:1a7a > bzip2",
                    "CVE-2022-2",
                    Fail,
                    Some(Severity::Low)
                ),
                ("registry.io/test:1a7a", "41", Fail, Some(Severity::High)),
            ]
        );
        assert_eq!(
            s.results[1].observed[0].expected.as_deref(),
            Some("2.9.10-15.el8")
        );
        assert_eq!(
            s.results[1].message.as_deref(),
            Some("fixed in 2.9.10-15.el8")
        );
        assert_eq!(s.results[0].refs.cve, vec!["CVE-2021-43529"]);
        assert!(s.results[0].refs.cwe.is_empty());
        assert_eq!(
            s.results[2].refs.other,
            vec![("prisma".to_string(), "PRISMA-2022-0168".to_string())]
        );
        assert_eq!(s.stated.get(&Fail), Some(&5));
    }

    #[test]
    fn a_repository_scan_without_the_wrapper_and_bad_input() {
        let scans = read(r#"{"repository": "org/repo", "vulnerabilities": [{"id": "CVE-1", "packageName": "a", "packageVersion": "1", "severity": "low"}], "vulnerabilityDistribution": {"total": 1}}"#).expect("reads");
        assert_eq!(scans[0].results[0].target, "org/repo > a");
        for bad in ["", r#"{"results": [{"#, r#"{"matches": []}"#, "\u{0}"] {
            let e = read(bad).expect_err(bad);
            assert!(e.to_string().starts_with("twistcli.json"), "{e}");
        }
    }
}
