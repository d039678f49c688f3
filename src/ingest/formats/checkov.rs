//! Checkov JSON (`checkov -o json`): one report object, a list of them
//! (one per check type when several frameworks ran), or the bare summary
//! Checkov prints when it found nothing to check. Checkov's SARIF is
//! SARIF.
//!
//! One [`Scan`] per report. `docs/ingest/checkov.md` is the reference; in
//! short: rule id the `check_id`, target `file_path > resource` (the line
//! range appended only where one report has the same check on the same
//! resource twice); `passed_checks` pass, `failed_checks` fail,
//! `skipped_checks` notchecked (skipped checks are not failures) marked
//! overridden with the suppression comment, each file in
//! `parsing_errors` an error; the `summary` counts are the scan's stated
//! counts (passed, failed, skipped as notchecked, parsing errors as
//! error). References: `bc_check_id` (Prisma Cloud's id for the check),
//! the benchmarks the check belongs to, and for package checks the
//! vulnerability id; Checkov gives no CWE or NIST reference for a check.

use super::shared::{
    Collector, List, Num, Obj, OneOrMany, Short, Strings, Text, join_target, push_vuln_id,
    read_typed, severity_word, short,
};
use crate::ingest::detect::Head;
use crate::ingest::{IngestError, Observation, Reader, Refs, RuleResult, Scan, ScanResult};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

/// Checkov JSON reports.
pub struct Checkov;

const NAME: &str = "checkov";

/// The rule id of a file Checkov could not parse.
pub const PARSING_ERROR: &str = "parsing-error";

impl Reader for Checkov {
    fn name(&self) -> &'static str {
        NAME
    }

    fn describe(&self) -> &'static str {
        "Checkov JSON (one report, a list of reports per check type, or a bare summary)"
    }

    fn detect(&self, head: &Head) -> bool {
        let keys = head.json_keys();
        let has = |k: &str| keys.iter().any(|x| x == k);
        if has("check_type") && (has("results") || has("summary")) {
            return true;
        }
        if has("checkov_version") && has("passed") && has("failed") {
            return true;
        }
        let items = head.json_array_item_keys();
        items.iter().any(|k| k == "check_type")
            && items.iter().any(|k| k == "results" || k == "summary")
    }

    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
        let OneOrMany(reports) = read_typed::<OneOrMany<Report>>(input, path, NAME)?;
        if reports.iter().any(|r| !r.is_report()) {
            return Err(IngestError::malformed(
                path,
                NAME,
                None,
                "not a Checkov report: it has no check_type, results or summary",
            ));
        }
        Ok(reports.into_iter().map(scan).collect())
    }
}

// ---- the document ------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct Report {
    check_type: Text,
    results: Obj<Results>,
    summary: Obj<Summary>,
    // The bare summary Checkov prints when there was nothing to check.
    passed: Num,
    failed: Num,
    skipped: Num,
    parsing_errors: Num,
    checkov_version: Text,
}

impl Report {
    fn is_report(&self) -> bool {
        self.check_type.get().is_some()
            || self.results.0.is_some()
            || self.summary.0.is_some()
            || self.checkov_version.get().is_some()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Results {
    passed_checks: List<Check>,
    failed_checks: List<Check>,
    skipped_checks: List<Check>,
    parsing_errors: Strings,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Summary {
    passed: Num,
    failed: Num,
    skipped: Num,
    parsing_errors: Num,
    checkov_version: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Check {
    check_id: Text,
    bc_check_id: Text,
    check_name: Short,
    check_result: Obj<CheckResult>,
    file_path: Text,
    repo_file_path: Text,
    file_line_range: Strings,
    resource: Text,
    severity: Text,
    short_description: Short,
    benchmarks: Obj<BTreeMap<String, List<Benchmark>>>,
    vulnerability_details: Obj<VulnerabilityDetails>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CheckResult {
    suppress_comment: Short,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Benchmark {
    name: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VulnerabilityDetails {
    id: Text,
    package_name: Text,
    package_version: Text,
    lowest_fixed_version: Text,
    fixed_versions: Strings,
    status: Short,
}

// ---- mapping ------------------------------------------------------------------------

fn scan(r: Report) -> Scan {
    let summary = r.summary.0;
    let bare = summary.is_none() && r.checkov_version.get().is_some();
    let mut c = Collector::default();
    let results = r.results.0.unwrap_or_default();
    for (list, result) in [
        (results.passed_checks, ScanResult::Pass),
        (results.failed_checks, ScanResult::Fail),
        (results.skipped_checks, ScanResult::Notchecked),
    ] {
        for check in list.0 {
            let (res, d) = check_result(check, result);
            c.push(res, d);
        }
    }
    for file in results.parsing_errors.0 {
        c.push(
            RuleResult {
                target: file,
                rule_id: PARSING_ERROR.to_string(),
                title: Some("Checkov could not parse this file".to_string()),
                result: ScanResult::Error,
                ..RuleResult::default()
            },
            None,
        );
    }
    let mut stated = BTreeMap::new();
    let counts = match &summary {
        Some(s) => Some((s.passed, s.failed, s.skipped, s.parsing_errors)),
        None if bare => Some((r.passed, r.failed, r.skipped, r.parsing_errors)),
        None => None,
    };
    if let Some((passed, failed, skipped, errors)) = counts {
        for (result, n) in [
            (ScanResult::Pass, passed),
            (ScanResult::Fail, failed),
            (ScanResult::Notchecked, skipped),
            (ScanResult::Error, errors),
        ] {
            if let Some(n) = n.whole().and_then(|n| usize::try_from(n).ok()) {
                stated.insert(result, n);
            }
        }
    }
    let version = summary
        .and_then(|s| s.checkov_version.take())
        .or(r.checkov_version.take());
    Scan {
        format: NAME,
        tool: "Checkov".into(),
        tool_version: version,
        id: r.check_type.take(),
        time: None,
        profile: None,
        results: c.finish(),
        stated,
        fixes: Default::default(),
    }
}

fn check_result(check: Check, result: ScanResult) -> (RuleResult, Option<String>) {
    let file = check
        .file_path
        .get()
        .or(check.repo_file_path.get())
        .unwrap_or("");
    let resource = check.resource.get().unwrap_or("");
    // A Dockerfile's resource is the file itself (`/Dockerfile.` or
    // `/Dockerfile.USER`): not said twice.
    let target = if !file.is_empty() && resource.starts_with(file) {
        resource.to_string()
    } else {
        join_target(&[file, resource])
    };
    let mut refs = Refs::default();
    if let Some(bc) = check.bc_check_id.get() {
        refs.push_other("prisma", bc);
    }
    for (benchmark, sections) in check.benchmarks.0.iter().flatten() {
        for s in &sections.0 {
            if let Some(name) = s.name.get() {
                refs.push_other(benchmark, name);
            }
        }
    }
    let mut observed = Vec::new();
    if let Some(v) = &check.vulnerability_details.0 {
        if let Some(id) = v.id.get() {
            push_vuln_id(&mut refs, id);
        }
        if let Some(package) = v.package_name.get() {
            observed.push(Observation {
                name: package.to_string(),
                expected: v
                    .lowest_fixed_version
                    .get()
                    .map(str::to_string)
                    .or_else(|| {
                        (!v.fixed_versions.0.is_empty()).then(|| v.fixed_versions.0.join(", "))
                    }),
                actual: v.package_version.get().map(str::to_string),
            });
        }
    }
    let overridden = (result == ScanResult::Notchecked).then(|| {
        let comment = check
            .check_result
            .0
            .as_ref()
            .and_then(|r| r.suppress_comment.0.clone());
        match comment {
            Some(c) => super::shared::clip(&format!("skipped: {c}"), super::shared::SHORT),
            None => "skipped".to_string(),
        }
    });
    let lines: Vec<&str> = check.file_line_range.0.iter().map(String::as_str).collect();
    let discriminator = match lines.as_slice() {
        [a, b, ..] => Some(format!(":{a}-{b}")),
        [a] => Some(format!(":{a}")),
        [] => None,
    };
    let message = check
        .vulnerability_details
        .0
        .and_then(|v| v.status.take())
        .or(check.short_description.take());
    let title = check.check_name.take();
    let rule_id = check
        .check_id
        .take()
        .or_else(|| title.clone())
        .unwrap_or_else(|| "unidentified check".to_string());
    (
        RuleResult {
            target,
            title: title.or_else(|| short(&rule_id)),
            rule_id,
            result,
            severity: check.severity.get().and_then(severity_word),
            refs,
            observed,
            message,
            overridden,
        },
        discriminator,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Vec<Scan>, IngestError> {
        Checkov.read(&mut json.as_bytes(), Path::new("checkov.json"))
    }

    const REPORT: &str = r#"{
      "check_type": "terraform",
      "results": {
        "passed_checks": [{"check_id": "CKV_AWS_41", "bc_check_id": "BC_AWS_SECRETS_5", "check_name": "Ensure no hard coded AWS access key", "check_result": {"result": "PASSED", "evaluated_keys": []}, "file_path": "/main.tf", "file_line_range": [1, 3], "resource": "aws.default", "guideline": "https://docs.example/CWE-798", "severity": null}],
        "failed_checks": [{"check_id": "CKV_AWS_18", "check_name": "Ensure the S3 bucket has access logging enabled", "check_result": {"result": "FAILED"}, "file_path": "/s3.tf", "file_line_range": [10, 17], "resource": "aws_s3_bucket.uploads", "severity": "HIGH",
                           "benchmarks": {"CIS AWS V1.3": [{"name": "2.1.1", "description": "x"}]}}],
        "skipped_checks": [{"check_id": "CKV_AWS_20", "check_name": "S3 Bucket has an ACL defined which allows public access.", "check_result": {"result": "SKIPPED", "suppress_comment": "The bucket is a public static content host"}, "file_path": "/s3.tf", "file_line_range": [20, 30], "resource": "aws_s3_bucket.site"}],
        "parsing_errors": ["/broken.tf"]
      },
      "summary": {"passed": 1, "failed": 1, "skipped": 1, "parsing_errors": 1, "resource_count": 3, "checkov_version": "3.2.0"}
    }"#;

    #[test]
    fn detects_reports_lists_and_bare_summaries() {
        assert!(Checkov.detect(&Head::new(REPORT.as_bytes())));
        assert!(Checkov.detect(&Head::new(
            br#"[{"check_type": "dockerfile", "results": {}}]"#
        )));
        assert!(Checkov.detect(&Head::new(br#"{"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0, "checkov_version": "2.0.1"}"#)));
        assert!(!Checkov.detect(&Head::new(br#"{"results": [], "consoleURL": "x"}"#)));
    }

    #[test]
    fn statuses_suppressions_and_stated_counts() {
        let scans = read(REPORT).expect("reads");
        let s = &scans[0];
        assert_eq!(s.tool_version.as_deref(), Some("3.2.0"));
        assert_eq!(s.id.as_deref(), Some("terraform"));
        let got: Vec<(&str, &str, ScanResult, Option<&str>)> = s
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
                ("/main.tf > aws.default", "CKV_AWS_41", Pass, None),
                ("/s3.tf > aws_s3_bucket.uploads", "CKV_AWS_18", Fail, None),
                (
                    "/s3.tf > aws_s3_bucket.site",
                    "CKV_AWS_20",
                    Notchecked,
                    Some("skipped: The bucket is a public static content host")
                ),
                ("/broken.tf", PARSING_ERROR, Error, None),
            ]
        );
        // The guideline URL is not a reference; nothing is read from text.
        assert!(s.results[0].refs.cwe.is_empty());
        assert_eq!(
            s.results[0].refs.other,
            vec![("prisma".to_string(), "BC_AWS_SECRETS_5".to_string())]
        );
        assert_eq!(
            s.results[1].refs.other,
            vec![("CIS AWS V1.3".to_string(), "2.1.1".to_string())]
        );
        assert_eq!(s.results[1].severity, Some(crate::ingest::Severity::High));
        assert_eq!(s.results[0].severity, None);
        let mut ours = BTreeMap::new();
        for r in &s.results {
            *ours.entry(r.result).or_insert(0usize) += 1;
        }
        assert_eq!(ours, s.stated);
    }

    #[test]
    fn lists_bare_summaries_and_package_checks() {
        let list = format!(
            r#"[{REPORT}, {{"check_type": "sca_package", "results": {{"failed_checks": [
                {{"check_id": "CKV_CVE_2020_28500", "check_name": "Vulnerable lodash", "file_path": "/package.json", "resource": "package.json.lodash", "file_line_range": [0, 0],
                  "vulnerability_details": {{"id": "CVE-2020-28500", "package_name": "lodash", "package_version": "4.17.15", "lowest_fixed_version": "4.17.21", "status": "fixed in 4.17.21"}}}}]}},
               "summary": {{"passed": 0, "failed": 1, "skipped": 0, "parsing_errors": 0}}}}]"#
        );
        let scans = read(&list).expect("reads");
        assert_eq!(scans.len(), 2);
        let r = &scans[1].results[0];
        assert_eq!(r.refs.cve, vec!["CVE-2020-28500"]);
        assert_eq!(r.observed[0].actual.as_deref(), Some("4.17.15"));
        assert_eq!(r.observed[0].expected.as_deref(), Some("4.17.21"));
        let bare = read(r#"{"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0, "checkov_version": "2.0.1"}"#).expect("reads");
        assert!(bare[0].results.is_empty());
        assert_eq!(bare[0].stated.get(&ScanResult::Fail), Some(&0));
    }

    #[test]
    fn the_same_check_twice_on_a_resource_keeps_both_by_line() {
        let json = r#"{"check_type": "kubernetes", "results": {"failed_checks": [
            {"check_id": "CKV_K8S_1", "file_path": "/a.yaml", "resource": "Pod.default.p", "file_line_range": [1, 9]},
            {"check_id": "CKV_K8S_1", "file_path": "/a.yaml", "resource": "Pod.default.p", "file_line_range": [11, 19]}]},
            "summary": {"passed": 0, "failed": 2, "skipped": 0, "parsing_errors": 0}}"#;
        let s = &read(json).expect("reads")[0];
        let targets: Vec<&str> = s.results.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(
            targets,
            vec![
                "/a.yaml > Pod.default.p:1-9",
                "/a.yaml > Pod.default.p:11-19"
            ]
        );
    }

    #[test]
    fn bad_input() {
        for bad in [
            "",
            r#"{"check_type": "terraform", "results": {"failed_checks": [{"#,
            r#"{"SchemaVersion": 2, "Results": []}"#,
            r#"[{"a": 1}]"#,
            "\u{0}",
        ] {
            let e = read(bad).expect_err(bad);
            assert!(e.to_string().starts_with("checkov.json"), "{e}");
        }
    }
}
