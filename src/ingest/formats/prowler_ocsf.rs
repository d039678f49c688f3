//! Prowler's JSON-OCSF output: a JSON array of OCSF Detection Findings
//! (Prowler 4 and 5, class 2004) or Security Findings (Prowler 3, class
//! 2001), one per (check, resource). One result per (resource, check);
//! the compliance map in `unmapped.compliance` gives the references. See
//! `docs/ingest/prowler-ocsf.md`.
//!
//! Prowler's compliance mappings are shared with the Prowler CSV and ASFF
//! readers ([`push_requirement`]).

use super::fold::{self, Fold};
use crate::ingest::{Head, IngestError, Reader, Refs, RuleResult, Scan, ScanResult, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

const NAME: &str = "prowler-ocsf";

pub struct ProwlerOcsf;

impl Reader for ProwlerOcsf {
    fn name(&self) -> &'static str {
        NAME
    }

    fn describe(&self) -> &'static str {
        "Prowler JSON-OCSF (an array of OCSF Detection Findings, Prowler 3 to 5)"
    }

    fn detect(&self, head: &Head) -> bool {
        if is_empty_array(head) {
            return true;
        }
        let keys = head.json_array_item_keys();
        let has = |k: &str| keys.iter().any(|x| x == k);
        (has("finding_info") || has("finding"))
            && (has("status_code") || has("status"))
            && has("metadata")
            && head.contains("\"Prowler")
    }

    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
        let mut scan = Scan {
            format: NAME,
            tool: "Prowler".into(),
            ..Default::default()
        };
        let mut fold = Fold::default();
        let mut latest: Option<(i64, String)> = None;
        let mut latest_text: Option<String> = None;
        let mut index = 0usize;
        match fold::peek_json(input, path)? {
            Some(b'[') => {}
            Some(_) => {
                return Err(IngestError::malformed(
                    path,
                    NAME,
                    Some(1),
                    "Prowler's OCSF output is a JSON array of findings; this is not an array",
                ));
            }
            None => {
                return Err(IngestError::Empty {
                    path: path.to_path_buf(),
                });
            }
        }
        fold::each_in_array(input, path, NAME, |f: Finding| {
            index += 1;
            let product = f
                .metadata
                .as_ref()
                .and_then(|m| m.product.as_ref())
                .and_then(|p| p.name.clone())
                .unwrap_or_default();
            if !product.to_ascii_lowercase().contains("prowler") {
                return Err(IngestError::malformed(
                    path,
                    NAME,
                    None,
                    format!(
                        "finding {index} is not Prowler's: its metadata.product.name is `{}`",
                        crate::excerpt::text(&product)
                    ),
                ));
            }
            if scan.tool_version.is_none() {
                scan.tool_version = f
                    .metadata
                    .as_ref()
                    .and_then(|m| m.product.as_ref())
                    .and_then(|p| p.version.as_deref())
                    .and_then(fold::some);
            }
            match f.epoch() {
                Some(t) if latest.as_ref().is_none_or(|(l, _)| t > *l) => {
                    if let Some(text) = fold::epoch(t) {
                        latest = Some((t, text));
                    }
                }
                Some(_) => {}
                None => {
                    if let Some(t) = f.time_dt.as_deref().or(f.time.as_deref())
                        && latest_text.as_deref().is_none_or(|l| t > l)
                    {
                        latest_text = Some(t.to_string());
                    }
                }
            }
            let r = f.into_result().ok_or_else(|| {
                IngestError::malformed(
                    path,
                    NAME,
                    None,
                    format!("finding {index} names no check (metadata.event_code)"),
                )
            })?;
            fold.add(r);
            Ok(())
        })?;
        scan.time = latest.map(|(_, t)| t).or(latest_text);
        scan.results = fold.finish();
        Ok(vec![scan])
    }
}

/// `[]` (with any white space): Prowler's output of a run with no findings.
fn is_empty_array(head: &Head) -> bool {
    head.text().is_some_and(|t| {
        let t = t.trim();
        t.strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .is_some_and(|inner| inner.trim().is_empty())
    })
}

#[derive(Deserialize)]
struct Finding {
    metadata: Option<Metadata>,
    #[serde(default, deserialize_with = "fold::lenient")]
    status_code: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    status: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    status_id: Option<String>,
    status_detail: Option<String>,
    message: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    severity: Option<String>,
    finding_info: Option<Info>,
    /// Prowler 3's name for `finding_info`.
    finding: Option<Info>,
    #[serde(default)]
    resources: Vec<Resource>,
    cloud: Option<Cloud>,
    unmapped: Option<Unmapped>,
    /// Prowler 3: `{status, requirements: ["CIS-1.4: 1.20", ...]}`.
    compliance: Option<Compliance3>,
    #[serde(default, deserialize_with = "fold::lenient")]
    time: Option<String>,
    time_dt: Option<String>,
}

#[derive(Deserialize)]
struct Metadata {
    event_code: Option<String>,
    product: Option<Product>,
}

#[derive(Deserialize)]
struct Product {
    name: Option<String>,
    version: Option<String>,
    /// Prowler 3 names the check here.
    feature: Option<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    uid: Option<String>,
}

#[derive(Deserialize)]
struct Info {
    title: Option<String>,
}

#[derive(Deserialize)]
struct Resource {
    uid: Option<String>,
    region: Option<String>,
}

#[derive(Deserialize)]
struct Cloud {
    account: Option<Account>,
    region: Option<String>,
    project_uid: Option<String>,
}

#[derive(Deserialize)]
struct Account {
    uid: Option<String>,
}

#[derive(Deserialize)]
struct Unmapped {
    compliance: Option<BTreeMap<String, Vec<String>>>,
}

#[derive(Deserialize)]
struct Compliance3 {
    #[serde(default)]
    requirements: Vec<String>,
}

impl Finding {
    /// `time` when it is seconds since the epoch (Prowler 4 and 5).
    fn epoch(&self) -> Option<i64> {
        self.time.as_deref()?.trim().parse().ok()
    }

    fn into_result(self) -> Option<RuleResult> {
        let rule_id = self
            .metadata
            .as_ref()
            .and_then(|m| {
                m.event_code
                    .clone()
                    .or_else(|| m.product.as_ref()?.feature.as_ref()?.uid.clone())
            })
            .and_then(|s| fold::some(&s))?;
        let muted = self.status_id.as_deref() == Some("3")
            || self
                .status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("suppressed"));
        let code = self
            .status_code
            .as_deref()
            .or(self.status.as_deref())
            .unwrap_or_default()
            .trim()
            .to_ascii_uppercase();
        let (result, mut overridden) = status(&code);
        if muted && overridden.is_none() {
            overridden = Some("muted in Prowler (OCSF status Suppressed)".into());
        }
        let resource = self.resources.first();
        let account = self
            .cloud
            .as_ref()
            .and_then(|c| {
                c.account
                    .as_ref()
                    .and_then(|a| a.uid.clone())
                    .or_else(|| c.project_uid.clone())
            })
            .unwrap_or_default();
        let region = resource
            .and_then(|r| r.region.clone())
            .or_else(|| self.cloud.as_ref().and_then(|c| c.region.clone()))
            .unwrap_or_default();
        let uid = resource.and_then(|r| r.uid.clone()).unwrap_or_default();
        let mut refs = Refs::default();
        if let Some(map) = self.unmapped.as_ref().and_then(|u| u.compliance.as_ref()) {
            for (framework, ids) in map {
                for id in ids {
                    push_requirement(&mut refs, framework, id);
                }
            }
        }
        if let Some(c) = &self.compliance {
            for entry in &c.requirements {
                push_compliance_text(&mut refs, entry);
            }
        }
        let title = self
            .finding_info
            .or(self.finding)
            .and_then(|i| i.title)
            .and_then(|t| fold::some(&t));
        Some(RuleResult {
            target: fold::cloud_target(&account, &region, &uid),
            rule_id,
            title,
            result,
            severity: self.severity.as_deref().and_then(Severity::from_word),
            refs,
            observed: Vec::new(),
            message: self
                .status_detail
                .as_deref()
                .or(self.message.as_deref())
                .and_then(fold::message),
            overridden,
        })
    }
}

/// A Prowler status (`PASS`, `FAIL`, `MANUAL`; Prowler 3's `INFO`,
/// `WARNING` for an allowlisted finding and OCSF `Success`/`Failure`;
/// Prowler 4.0's `MUTED`) as a result, and the override it carries when
/// the status replaced the check's own.
pub(super) fn status(code: &str) -> (ScanResult, Option<String>) {
    match code {
        "PASS" | "SUCCESS" => (ScanResult::Pass, None),
        "FAIL" | "FAILURE" => (ScanResult::Fail, None),
        "MANUAL" => (ScanResult::Notchecked, None),
        "INFO" => (ScanResult::Informational, None),
        "ERROR" => (ScanResult::Error, None),
        "WARNING" => (
            ScanResult::Notchecked,
            Some("allowlisted in Prowler (status WARNING); the file does not keep the check's own status".into()),
        ),
        "MUTED" => (
            ScanResult::Notchecked,
            Some("muted in Prowler (status MUTED); the file does not keep the check's own status".into()),
        ),
        _ => (ScanResult::Notchecked, None),
    }
}

/// One requirement of one framework from Prowler's compliance mapping.
/// NIST SP 800-53 requirements (`NIST-800-53-Revision-4/5`) go to
/// `refs.nist` in Prowler's own display form (`ac_2_1` is `AC-2(1)`,
/// `ac_2_3_a` is `AC-2(3)(a)`); every other framework to `refs.other` as
/// written.
pub(super) fn push_requirement(refs: &mut Refs, framework: &str, id: &str) {
    let (framework, id) = (framework.trim(), id.trim());
    if id.is_empty() {
        return;
    }
    if framework.to_ascii_uppercase().starts_with("NIST-800-53") {
        Refs::push(
            &mut refs.nist,
            nist_id(id).unwrap_or_else(|| id.to_string()),
        );
    } else {
        refs.push_other(framework, id);
    }
}

/// `ac_2_1` → `AC-2(1)`: family and number, then each further part in
/// parentheses, as Prowler names the requirement. `None` when the id is
/// not of that shape.
pub(super) fn nist_id(id: &str) -> Option<String> {
    let mut parts = id.split(['_', '-']);
    let family = parts.next()?;
    let number = parts.next()?;
    if family.len() != 2
        || !family.chars().all(|c| c.is_ascii_alphabetic())
        || number.is_empty()
        || !number.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let mut out = format!("{}-{number}", family.to_ascii_uppercase());
    for p in parts {
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        out.push('(');
        out.push_str(&p.to_ascii_lowercase());
        out.push(')');
    }
    Some(out)
}

/// `CIS-1.4: 1.20, 1.21`: one framework and its requirements, as the CSV
/// column (between ` | `) and Prowler 3's OCSF requirements write them.
pub(super) fn push_compliance_text(refs: &mut Refs, entry: &str) {
    let Some((framework, ids)) = entry.split_once(':') else {
        return;
    };
    for id in ids.split(',') {
        push_requirement(refs, framework, id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Vec<Scan>, IngestError> {
        ProwlerOcsf.read(&mut json.as_bytes(), Path::new("p.ocsf.json"))
    }

    fn finding(check: &str, code: &str, status: &str, region: &str) -> String {
        format!(
            r#"{{"message": "m", "metadata": {{"event_code": "{check}", "product": {{"name": "Prowler", "version": "5.4.0"}}, "version": "1.4.0"}},
            "severity_id": 2, "severity": "Low", "status": "{status}", "status_code": "{code}", "status_detail": "detail {code}", "status_id": 1,
            "unmapped": {{"compliance": {{"CIS-1.4": ["1.20"], "NIST-800-53-Revision-5": ["ac_2_1", "ac_2_3_a", "odd"], "KISA": ["2.5.6", "2.6.4"]}}}},
            "finding_info": {{"title": "Check {check}", "uid": "u"}},
            "resources": [{{"region": "{region}", "type": "Other", "uid": "arn:aws:iam::123456789012:root", "data": {{"details": "huge"}}}}],
            "cloud": {{"account": {{"uid": "123456789012"}}, "provider": "aws", "region": "{region}"}},
            "time": 1739539623, "time_dt": "2025-02-14T14:27:03.913874"}}"#
        )
    }

    #[test]
    fn detects_prowler_arrays_and_the_empty_run() {
        let one = format!("[{}]", finding("a", "FAIL", "New", "us-east-1"));
        assert!(ProwlerOcsf.detect(&Head::new(one.as_bytes())));
        assert!(ProwlerOcsf.detect(&Head::new(b"[\n  \n]")));
        assert!(!ProwlerOcsf.detect(&Head::new(
            br#"[{"SchemaVersion": "2018-10-08", "ProductArn": "x"}]"#
        )));
        assert!(!ProwlerOcsf.detect(&Head::new(br#"{"Findings": []}"#)));
        let other = one.replace("\"Prowler\"", "\"Other\"");
        assert!(!ProwlerOcsf.detect(&Head::new(other.as_bytes())));
    }

    #[test]
    fn statuses_references_and_mutes() {
        let json = format!(
            "[{}, {}, {}, {}]",
            finding("a", "FAIL", "New", "us-east-1"),
            finding("b", "PASS", "New", "us-east-1"),
            finding("c", "MANUAL", "New", "us-east-1"),
            finding("d", "FAIL", "Suppressed", "us-east-1")
                .replace("\"status_id\": 1", "\"status_id\": 3"),
        );
        let scans = read(&json).expect("reads");
        let s = &scans[0];
        assert_eq!(s.tool, "Prowler");
        assert_eq!(s.tool_version.as_deref(), Some("5.4.0"));
        assert_eq!(s.time.as_deref(), Some("2025-02-14T13:27:03Z"));
        let r: Vec<_> = s
            .results
            .iter()
            .map(|r| (r.rule_id.as_str(), r.result))
            .collect();
        assert_eq!(
            r,
            vec![
                ("a", ScanResult::Fail),
                ("b", ScanResult::Pass),
                ("c", ScanResult::Notchecked),
                ("d", ScanResult::Fail),
            ]
        );
        let a = &s.results[0];
        assert_eq!(a.target, "arn:aws:iam::123456789012:root");
        assert_eq!(a.severity, Some(Severity::Low));
        assert_eq!(a.title.as_deref(), Some("Check a"));
        assert_eq!(a.message.as_deref(), Some("detail FAIL"));
        assert_eq!(a.refs.nist, vec!["AC-2(1)", "AC-2(3)(a)", "odd"]);
        assert_eq!(
            a.refs.other,
            vec![
                ("CIS-1.4".to_string(), "1.20".to_string()),
                ("KISA".to_string(), "2.5.6".to_string()),
                ("KISA".to_string(), "2.6.4".to_string())
            ]
        );
        assert!(a.overridden.is_none());
        assert!(
            s.results[3]
                .overridden
                .as_deref()
                .is_some_and(|o| o.contains("muted"))
        );
    }

    #[test]
    fn a_non_arn_resource_keeps_its_region() {
        let json = format!(
            "[{}, {}]",
            finding("a", "FAIL", "New", "us-east-1")
                .replace("arn:aws:iam::123456789012:root", "123456789012"),
            finding("a", "FAIL", "New", "eu-west-1")
                .replace("arn:aws:iam::123456789012:root", "123456789012"),
        );
        let s = read(&json).expect("reads");
        let t: Vec<_> = s[0].results.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(t, vec!["us-east-1/123456789012", "eu-west-1/123456789012"]);
    }

    #[test]
    fn prowler_3_security_findings() {
        let json = r#"[{"finding": {"title": "T", "uid": "u"}, "resources": [{"uid": "r", "region": "eu-west-1"}],
            "status_detail": "d", "compliance": {"status": "Failure", "requirements": ["CIS-1.4: 1.20, 1.21", "NIST-800-53-Revision-4: ac_6"], "status_detail": "d"},
            "severity": "high", "cloud": {"account": {"uid": "1"}, "region": "eu-west-1", "provider": "aws", "project_uid": ""},
            "time": "2023-05-01T10:00:00+00:00", "metadata": {"original_time": "x", "profiles": [], "product": {"name": "Prowler", "version": "3.5.0", "feature": {"uid": "iam_check", "name": "iam_check"}}},
            "status": "Failure", "status_id": 2}]"#;
        let s = read(json).expect("reads");
        let r = &s[0].results[0];
        assert_eq!(r.rule_id, "iam_check");
        assert_eq!(r.result, ScanResult::Fail);
        assert_eq!(r.target, "1/eu-west-1/r");
        assert_eq!(r.refs.nist, vec!["AC-6"]);
        assert_eq!(r.refs.other.len(), 2);
        assert_eq!(s[0].time.as_deref(), Some("2023-05-01T10:00:00+00:00"));
    }

    #[test]
    fn the_empty_run_is_one_scan_without_results() {
        let s = read("[\n  \n]").expect("reads");
        assert_eq!(s.len(), 1);
        assert!(s[0].results.is_empty());
    }

    #[test]
    fn another_scanners_json_and_broken_files_are_refused() {
        let asff = r#"[{"SchemaVersion": "2018-10-08", "Id": "x", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub", "metadata": {"product": {"name": "Security Hub"}}}]"#;
        let e = read(asff).expect_err("not prowler").to_string();
        assert!(
            e.contains("p.ocsf.json") && e.contains("not Prowler"),
            "{e}"
        );
        let trivy = r#"{"SchemaVersion": 2, "Results": []}"#;
        assert!(
            read(trivy)
                .expect_err("object")
                .to_string()
                .contains("not an array")
        );
        let full = format!("[{}]", finding("a", "FAIL", "New", "x"));
        let e = read(&full[..full.len() / 2]).expect_err("cut").to_string();
        assert!(e.contains("cut short"), "{e}");
        assert!(read("").is_err());
        assert!(read("\u{0}\u{1}binary").is_err());
        let nocheck = r#"[{"metadata": {"product": {"name": "Prowler"}}, "status_code": "FAIL"}]"#;
        assert!(
            read(nocheck)
                .expect_err("no check")
                .to_string()
                .contains("event_code")
        );
        let e = read("[1, 2]").expect_err("numbers").to_string();
        assert!(e.contains("p.ocsf.json:1"), "{e}");
    }

    #[test]
    fn absurd_sizes_are_clipped() {
        let big = "y".repeat(4 << 20);
        let json = format!(
            "[{}]",
            finding("a", "FAIL", "New", "r").replace("detail FAIL", &big)
        );
        let s = read(&json).expect("reads");
        let m = s[0].results[0].message.as_deref().unwrap_or_default();
        assert!(m.chars().count() <= fold::MESSAGE_CHARS);
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let e = read(&deep).expect_err("deep").to_string();
        assert!(e.contains("p.ocsf.json"), "{e}");
    }

    #[test]
    fn every_prowler_status_maps() {
        let cases = [
            ("PASS", ScanResult::Pass, false),
            ("SUCCESS", ScanResult::Pass, false),
            ("FAIL", ScanResult::Fail, false),
            ("FAILURE", ScanResult::Fail, false),
            ("MANUAL", ScanResult::Notchecked, false),
            ("INFO", ScanResult::Informational, false),
            ("ERROR", ScanResult::Error, false),
            ("WARNING", ScanResult::Notchecked, true),
            ("MUTED", ScanResult::Notchecked, true),
            ("OTHER", ScanResult::Notchecked, false),
        ];
        for (code, result, overridden) in cases {
            let (r, o) = status(code);
            assert_eq!((r, o.is_some()), (result, overridden), "{code}");
        }
    }

    #[test]
    fn nist_ids_in_prowlers_display_form() {
        assert_eq!(nist_id("ac_2_1").as_deref(), Some("AC-2(1)"));
        assert_eq!(nist_id("si_4_20").as_deref(), Some("SI-4(20)"));
        assert_eq!(nist_id("ac_2_d_1").as_deref(), Some("AC-2(d)(1)"));
        assert_eq!(nist_id("ac-3").as_deref(), Some("AC-3"));
        assert_eq!(nist_id("3_1_1"), None);
        assert_eq!(nist_id("ac"), None);
    }
}
