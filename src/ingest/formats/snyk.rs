//! Snyk CLI JSON: `snyk test --json` and `snyk container test --json` (a
//! project object, or a list of them with `--all-projects`), and `snyk
//! iac test --json` (`infrastructureAsCodeIssues`). Snyk Code's output
//! is SARIF, read by the SARIF reader.
//!
//! One [`Scan`] per project. `docs/ingest/snyk.md` is the reference; in
//! short: open-source and container issues give one result per (target,
//! issue id, package): rule id the Snyk id (`SNYK-JS-ADMZIP-1065796`,
//! `npm:ms:20151024`), target `project > package` (the version appended
//! only where one project has the same issue in two versions of a
//! package); the dependency paths that bring one package in are one
//! result. Listed vulnerabilities (and license issues) fail; issues in
//! `filtered.ignore` are notchecked, marked overridden with the ignore's
//! reason; issues in `filtered.patch` pass (patched). Severity:
//! `severityWithCritical`, else `severity`, else `cvssScore`. References:
//! `identifiers` (CVE and GHSA into vulnerabilities, CWE, others under
//! their own name). Observed: installed version and the fixed versions.
//! IaC issues: rule id the issue id, target `file > resource path`,
//! failures, or notchecked when `isIgnored`. A file that holds only
//! Snyk's error is refused with it; in a list of projects, a project Snyk
//! could not test is one error result (`snyk-error`) and the others are
//! read.

use super::shared::{
    Collector, List, Num, Obj, OneOrMany, Short, Strings, Text, clip, join_target, push_vuln_id,
    read_typed, severity_word, short,
};
use crate::ingest::detect::Head;
use crate::ingest::{
    IngestError, Observation, Reader, Refs, RuleResult, Scan, ScanResult, Severity,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

/// Snyk CLI JSON reports.
pub struct Snyk;

const NAME: &str = "snyk";

/// Keys only a Snyk project object has beside `vulnerabilities`.
const PROJECT_KEYS: &[&str] = &[
    "packageManager",
    "projectName",
    "dependencyCount",
    "uniqueCount",
    "displayTargetFile",
    "licensesPolicy",
    "ignoreSettings",
    "filesystemPolicy",
];

impl Reader for Snyk {
    fn name(&self) -> &'static str {
        NAME
    }

    fn describe(&self) -> &'static str {
        "Snyk CLI JSON (snyk test, snyk container test, snyk iac test; one project or a list)"
    }

    fn detect(&self, head: &Head) -> bool {
        let keys = head.json_keys();
        let keys = if keys.is_empty() {
            head.json_array_item_keys()
        } else {
            keys
        };
        let has = |k: &str| keys.iter().any(|x| x == k);
        if has("infrastructureAsCodeIssues") {
            return true;
        }
        has("vulnerabilities")
            && (PROJECT_KEYS.iter().any(|k| has(k))
                || head.contains("\"upgradePath\"")
                || head.contains("\"isUpgradable\""))
    }

    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
        let OneOrMany(projects) = read_typed::<OneOrMany<Project>>(input, path, NAME)?;
        let several = projects.len() > 1;
        let mut scans = Vec::with_capacity(projects.len());
        for p in projects {
            if p.vulnerabilities.is_some() || p.iac_issues.is_some() {
                scans.push(project(p));
                continue;
            }
            match p.error.get() {
                // One project of several that Snyk could not test: an
                // error result for it, the others as they are.
                Some(e) if several => scans.push(failed_project(&p, e)),
                Some(e) => {
                    return Err(IngestError::malformed(
                        path,
                        NAME,
                        None,
                        format!("Snyk reported an error instead of results: {e}"),
                    ));
                }
                None => {
                    return Err(IngestError::malformed(
                        path,
                        NAME,
                        None,
                        "not a Snyk report: it has no vulnerabilities",
                    ));
                }
            }
        }
        Ok(scans)
    }
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Project {
    vulnerabilities: Option<List<Vulnerability>>,
    #[serde(rename = "infrastructureAsCodeIssues")]
    iac_issues: Option<List<IacIssue>>,
    filtered: Obj<Filtered>,
    project_name: Text,
    display_target_file: Text,
    target_file: Text,
    path: Text,
    error: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Filtered {
    ignore: List<Vulnerability>,
    patch: List<Vulnerability>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Vulnerability {
    id: Text,
    title: Short,
    severity: Text,
    severity_with_critical: Text,
    package_name: Text,
    name: Text,
    version: Text,
    identifiers: Obj<BTreeMap<String, Strings>>,
    cvss_score: Num,
    is_upgradable: Text,
    is_patchable: Text,
    fixed_in: Strings,
    nearest_fixed_in_version: Text,
    #[serde(rename = "type")]
    kind: Text,
    filtered: Obj<IssueFiltered>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IssueFiltered {
    ignored: List<Ignore>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Ignore {
    reason: Short,
    expires: Text,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct IacIssue {
    id: Text,
    public_id: Text,
    title: Short,
    severity: Text,
    is_ignored: Text,
    msg: Text,
    path: Strings,
    target_file: Text,
}

/// The rule id of a project Snyk could not test.
const PROJECT_ERROR: &str = "snyk-error";

/// A scan of one error result: the project Snyk could not test.
fn failed_project(p: &Project, error: &str) -> Scan {
    let target = p
        .display_target_file
        .get()
        .or(p.target_file.get())
        .or(p.path.get())
        .or(p.project_name.get())
        .unwrap_or("")
        .to_string();
    Scan {
        format: NAME,
        tool: "Snyk".into(),
        results: vec![RuleResult {
            target,
            rule_id: PROJECT_ERROR.to_string(),
            title: Some("Snyk could not test this project".to_string()),
            result: ScanResult::Error,
            message: short(error),
            ..RuleResult::default()
        }],
        ..Scan::default()
    }
}

fn project(p: Project) -> Scan {
    let name = p.project_name.get();
    let file = p
        .display_target_file
        .get()
        .or(p.target_file.get())
        .or(p.path.get());
    let project = match (name, file) {
        (Some(n), Some(f)) if n != f => format!("{n} ({f})"),
        (Some(n), _) => n.to_string(),
        (None, Some(f)) => f.to_string(),
        (None, None) => String::new(),
    };
    let mut c = Collector::default();
    for v in p.vulnerabilities.map(|l| l.0).unwrap_or_default() {
        let (r, d) = vulnerability(&project, v, ScanResult::Fail);
        c.push(r, d);
    }
    let filtered = p.filtered.0.unwrap_or_default();
    for v in filtered.ignore.0 {
        let (r, d) = vulnerability(&project, v, ScanResult::Notchecked);
        c.push(r, d);
    }
    for v in filtered.patch.0 {
        let (r, d) = vulnerability(&project, v, ScanResult::Pass);
        c.push(r, d);
    }
    let iac_file = p.target_file.get().or(file).unwrap_or("").to_string();
    for issue in p.iac_issues.map(|l| l.0).unwrap_or_default() {
        let (r, d) = iac(&iac_file, issue);
        c.push(r, d);
    }
    Scan {
        format: NAME,
        tool: "Snyk".into(),
        tool_version: None,
        id: None,
        time: None,
        profile: None,
        results: c.finish(),
        stated: BTreeMap::new(),
        fixes: Default::default(),
    }
}

fn vulnerability(
    project: &str,
    v: Vulnerability,
    result: ScanResult,
) -> (RuleResult, Option<String>) {
    let id = v.id.get().unwrap_or("unidentified issue").to_string();
    let pkg = v
        .package_name
        .get()
        .or(v.name.get())
        .unwrap_or("")
        .to_string();
    let installed = v.version.get().map(str::to_string);
    let mut refs = Refs::default();
    for (scheme, ids) in v.identifiers.0.iter().flatten() {
        for i in &ids.0 {
            match scheme.to_ascii_uppercase().as_str() {
                "CVE" | "GHSA" => push_vuln_id(&mut refs, i),
                "CWE" => refs.push_cwe(i),
                _ => refs.push_other(&scheme.to_ascii_lowercase(), i),
            }
        }
    }
    let severity = v
        .severity_with_critical
        .get()
        .or(v.severity.get())
        .and_then(severity_word)
        .or_else(|| v.cvss_score.0.and_then(Severity::from_score));
    let fixed = if v.fixed_in.0.is_empty() {
        v.nearest_fixed_in_version.get().map(str::to_string)
    } else {
        Some(v.fixed_in.0.join(", "))
    };
    let license = v
        .kind
        .get()
        .is_some_and(|k| k.eq_ignore_ascii_case("license"));
    let message = if result == ScanResult::Pass {
        "patched by a Snyk patch".to_string()
    } else if license {
        "license policy issue".to_string()
    } else if v.is_upgradable.is_true() {
        "an upgrade fixes it".to_string()
    } else if v.is_patchable.is_true() {
        "a Snyk patch fixes it".to_string()
    } else if fixed.is_some() {
        "fixed in a later version, not reachable by an upgrade of a direct dependency".to_string()
    } else {
        "no fix available".to_string()
    };
    let overridden = (result == ScanResult::Notchecked).then(|| {
        let ignore = v.filtered.0.as_ref().and_then(|f| f.ignored.0.first());
        let reason = ignore.and_then(|i| i.reason.0.clone());
        let expires = ignore
            .and_then(|i| i.expires.get())
            .map(|e| format!(" (expires {e})"));
        clip(
            &format!(
                "ignored in the Snyk policy{}{}",
                reason.map(|r| format!(": {r}")).unwrap_or_default(),
                expires.unwrap_or_default()
            ),
            super::shared::SHORT,
        )
    });
    let discriminator = installed.as_ref().map(|v| format!("@{v}"));
    let result = RuleResult {
        target: join_target(&[project, &pkg]),
        title: v.title.take().or_else(|| short(&format!("{id} in {pkg}"))),
        rule_id: id,
        result,
        severity,
        refs,
        observed: vec![Observation {
            name: pkg,
            expected: fixed,
            actual: installed,
        }],
        message: Some(message),
        overridden,
    };
    (result, discriminator)
}

fn iac(file: &str, issue: IacIssue) -> (RuleResult, Option<String>) {
    let id = issue
        .public_id
        .get()
        .or(issue.id.get())
        .unwrap_or("unidentified issue")
        .to_string();
    let resource = issue
        .msg
        .get()
        .map(str::to_string)
        .unwrap_or_else(|| issue.path.0.join("."));
    let file = issue.target_file.get().unwrap_or(file);
    let ignored = issue.is_ignored.is_true();
    let result = RuleResult {
        target: join_target(&[file, &resource]),
        title: issue.title.take(),
        rule_id: id,
        result: if ignored {
            ScanResult::Notchecked
        } else {
            ScanResult::Fail
        },
        severity: issue.severity.get().and_then(severity_word),
        refs: Refs::default(),
        observed: Vec::new(),
        message: None,
        overridden: ignored.then(|| "ignored in the Snyk policy".to_string()),
    };
    (result, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Vec<Scan>, IngestError> {
        Snyk.read(&mut json.as_bytes(), Path::new("snyk.json"))
    }

    fn v(id: &str, pkg: &str, version: &str, severity: &str) -> String {
        format!(
            r#"{{"id": "{id}", "title": "Prototype Pollution", "severity": "high", "severityWithCritical": "{severity}", "packageName": "{pkg}", "version": "{version}",
               "from": ["goof@1.0.1", "{pkg}@{version}"], "upgradePath": [false, "{pkg}@9"], "isUpgradable": true, "isPatchable": false, "fixedIn": ["9.0.0"], "cvssScore": 7.3,
               "identifiers": {{"CVE": ["CVE-2019-10744"], "CWE": ["CWE-400"], "GHSA": ["GHSA-jf85-cpcp-j695"], "NSP": [1523]}},
               "description": "Overview: CWE-79 in prose is not a reference"}}"#
        )
    }

    #[test]
    fn detects_snyk_projects_and_not_other_vulnerability_lists() {
        assert!(Snyk.detect(&Head::new(br#"{"vulnerabilities": [], "ok": true, "dependencyCount": 3, "packageManager": "npm"}"#)));
        assert!(Snyk.detect(&Head::new(
            br#"[{"vulnerabilities": [{"upgradePath": []}]}]"#
        )));
        assert!(Snyk.detect(&Head::new(
            br#"{"infrastructureAsCodeIssues": [], "targetFile": "a.tf"}"#
        )));
        assert!(!Snyk.detect(&Head::new(br#"{"vulnerabilities": [{"id": "x"}]}"#)));
    }

    #[test]
    fn paths_fold_versions_part_and_filtered_issues_are_not_failures() {
        let json = format!(
            r#"{{"vulnerabilities": [{}, {}, {}, {}],
               "ok": false, "projectName": "goof", "displayTargetFile": "package-lock.json", "packageManager": "npm",
               "filtered": {{"ignore": [{{"id": "npm:ms:20151024", "title": "ReDoS", "severity": "low", "packageName": "ms", "version": "0.7.1",
                                         "filtered": {{"ignored": [{{"reason": "not reachable", "expires": "2030-01-01T00:00:00Z", "source": "cli"}}]}}}}],
                            "patch": [{{"id": "npm:qs:20140806", "severity": "medium", "packageName": "qs", "version": "0.6.6"}}]}}}}"#,
            v("SNYK-JS-LODASH-1", "lodash", "4.17.4", "critical"),
            v("SNYK-JS-LODASH-1", "lodash", "4.17.4", "critical"),
            v("SNYK-JS-LODASH-1", "lodash", "4.17.11", "critical"),
            v("SNYK-JS-HBS-2", "handlebars", "4.0.14", ""),
        );
        let scans = read(&json).expect("reads");
        let s = &scans[0];
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
                    "goof (package-lock.json) > lodash@4.17.4",
                    "SNYK-JS-LODASH-1",
                    Fail,
                    Some(Severity::Critical)
                ),
                (
                    "goof (package-lock.json) > lodash@4.17.11",
                    "SNYK-JS-LODASH-1",
                    Fail,
                    Some(Severity::Critical)
                ),
                (
                    "goof (package-lock.json) > handlebars",
                    "SNYK-JS-HBS-2",
                    Fail,
                    Some(Severity::High)
                ),
                (
                    "goof (package-lock.json) > ms",
                    "npm:ms:20151024",
                    Notchecked,
                    Some(Severity::Low)
                ),
                (
                    "goof (package-lock.json) > qs",
                    "npm:qs:20140806",
                    Pass,
                    Some(Severity::Medium)
                ),
            ]
        );
        let r = &s.results[0];
        assert_eq!(r.refs.cve, vec!["CVE-2019-10744", "GHSA-jf85-cpcp-j695"]);
        assert_eq!(r.refs.cwe, vec!["CWE-400"]);
        assert_eq!(r.refs.other, vec![("nsp".to_string(), "1523".to_string())]);
        assert_eq!(r.observed[0].expected.as_deref(), Some("9.0.0"));
        assert_eq!(r.message.as_deref(), Some("an upgrade fixes it"));
        assert_eq!(
            s.results[3].overridden.as_deref(),
            Some("ignored in the Snyk policy: not reachable (expires 2030-01-01T00:00:00Z)")
        );
    }

    #[test]
    fn lists_of_projects_iac_and_errors() {
        let list = r#"[{"vulnerabilities": [], "ok": true, "projectName": "a", "displayTargetFile": "a/package.json"},
                       {"vulnerabilities": [], "ok": true, "projectName": "b", "displayTargetFile": "b/pom.xml"}]"#;
        assert_eq!(read(list).expect("reads").len(), 2);
        let iac = r#"{"infrastructureAsCodeIssues": [
            {"id": "SNYK-CC-K8S-1", "publicId": "SNYK-CC-K8S-1", "title": "Container is running in privileged mode", "severity": "high", "isIgnored": false,
             "msg": "spec.containers[web].securityContext.privileged", "path": ["spec", "containers[web]"]},
            {"id": "SNYK-CC-K8S-2", "severity": "low", "isIgnored": true, "msg": "spec.containers[web].resources"}],
            "targetFile": "deploy.yaml", "projectName": "infra", "ok": false}"#;
        let s = &read(iac).expect("reads")[0];
        assert_eq!(
            s.results[0].target,
            "deploy.yaml > spec.containers[web].securityContext.privileged"
        );
        assert_eq!(s.results[0].result, ScanResult::Fail);
        assert_eq!(s.results[1].result, ScanResult::Notchecked);
        let e = read(
            r#"{"ok": false, "error": "Could not detect supported target files", "path": "."}"#,
        )
        .expect_err("error");
        assert!(e.to_string().contains("Snyk reported an error"), "{e}");
        let mixed = read(
            r#"[{"vulnerabilities": [], "projectName": "a", "displayTargetFile": "a/package.json"},
                {"ok": false, "error": "Failed to get dependencies", "path": "b/pom.xml"}]"#,
        )
        .expect("reads");
        assert_eq!(mixed.len(), 2);
        let r = &mixed[1].results[0];
        assert_eq!(
            (r.target.as_str(), r.rule_id.as_str(), r.result),
            ("b/pom.xml", PROJECT_ERROR, ScanResult::Error)
        );
        for bad in ["", "[", r#"{"matches": []}"#, "\u{0}"] {
            let e = read(bad).expect_err(bad);
            assert!(e.to_string().starts_with("snyk.json"), "{e}");
        }
    }
}
