//! AWS Security Finding Format (ASFF): Security Hub exports
//! (`{"Findings": [...]}`), the top-level array Prowler writes to
//! `*.asff.json`, and Prowler 2's one finding per line. One scan per
//! product (Security Hub, Prowler, GuardDuty, Inspector, ...), one result
//! per (resource, rule). See `docs/ingest/asff.md`.

use super::fold::{self, Fold};
use super::prowler_ocsf::{push_requirement, status as prowler_status};
use crate::ingest::{Head, IngestError, Reader, Refs, RuleResult, Scan, ScanResult, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

const NAME: &str = "asff";
/// The wrapper keys Security Hub's `get-findings` (and some exports) use.
const WRAPPERS: &[&str] = &["Findings", "findings"];
/// Prowler cuts each `RelatedRequirements` entry longer than 64
/// characters to this length, so its last id may be cut.
const PROWLER_CUT: usize = 63;

pub struct Asff;

impl Reader for Asff {
    fn name(&self) -> &'static str {
        NAME
    }

    fn describe(&self) -> &'static str {
        "AWS Security Finding Format (Security Hub exports, Prowler ASFF, one finding per line)"
    }

    fn detect(&self, head: &Head) -> bool {
        let keys = head.json_keys();
        let has = |keys: &[String], k: &str| keys.iter().any(|x| x == k);
        if WRAPPERS.iter().any(|w| has(&keys, w)) {
            return head.contains("\"ProductArn\"")
                || keys
                    .iter()
                    .all(|k| WRAPPERS.contains(&k.as_str()) || k == "NextToken");
        }
        let items = head.json_array_item_keys();
        if has(&items, "SchemaVersion") && (has(&items, "ProductArn") || has(&items, "GeneratorId"))
        {
            return true;
        }
        has(&keys, "SchemaVersion") && has(&keys, "ProductArn") && has(&keys, "GeneratorId")
    }

    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
        let mut scans = Scans::default();
        let mut index = 0usize;
        let mut add = |f: Finding| -> Result<(), IngestError> {
            index += 1;
            scans.add(f, index, path)
        };
        match fold::peek_json(input, path)? {
            Some(b'[') => {
                fold::each_in_array(input, path, NAME, &mut add)?;
            }
            Some(b'{') => {
                let wrapped = {
                    let buf = input.fill_buf().map_err(|source| IngestError::Io {
                        path: path.to_path_buf(),
                        source,
                    })?;
                    let keys = Head::new(buf).json_keys();
                    keys.iter().any(|k| WRAPPERS.contains(&k.as_str()))
                };
                if wrapped {
                    fold::each_in_field(input, path, NAME, WRAPPERS, &mut add)?;
                } else {
                    // One finding per line (Prowler 2), or a single finding.
                    let de = fold::json_reader(input, path)?;
                    for f in de.into_iter::<Finding>() {
                        add(f.map_err(|e| fold::json_error(path, NAME, &e))?)?;
                    }
                }
            }
            Some(_) => {
                return Err(IngestError::malformed(
                    path,
                    NAME,
                    Some(1),
                    "ASFF is a JSON object or array of findings; this is neither",
                ));
            }
            None => {
                return Err(IngestError::Empty {
                    path: path.to_path_buf(),
                });
            }
        }
        Ok(scans.finish())
    }
}

/// One scan per product, in the order products first appear.
#[derive(Default)]
struct Scans {
    scans: Vec<(Scan, Fold)>,
}

impl Scans {
    fn add(&mut self, f: Finding, index: usize, path: &Path) -> Result<(), IngestError> {
        if f.product_arn.as_deref().and_then(fold::some).is_none()
            || (f.generator_id.is_none() && f.id.is_none())
        {
            return Err(IngestError::malformed(
                path,
                NAME,
                None,
                format!(
                    "finding {index} is not an ASFF finding: no ProductArn, or no GeneratorId or Id"
                ),
            ));
        }
        let (tool, version) = f.tool();
        let i = match self.scans.iter().position(|(s, _)| s.tool == tool) {
            Some(i) => i,
            None => {
                self.scans.push((
                    Scan {
                        format: NAME,
                        tool,
                        tool_version: version,
                        ..Default::default()
                    },
                    Fold::default(),
                ));
                self.scans.len() - 1
            }
        };
        let (scan, fold) = &mut self.scans[i];
        if let Some(t) = f.updated_at.as_deref().and_then(fold::some)
            && scan.time.as_deref().is_none_or(|l| t.as_str() > l)
        {
            scan.time = Some(t);
        }
        fold.add(f.into_result());
        Ok(())
    }

    fn finish(self) -> Vec<Scan> {
        self.scans
            .into_iter()
            .map(|(mut s, f)| {
                s.results = f.finish();
                s
            })
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Finding {
    id: Option<String>,
    product_arn: Option<String>,
    product_name: Option<String>,
    generator_id: Option<String>,
    aws_account_id: Option<String>,
    region: Option<String>,
    title: Option<String>,
    description: Option<String>,
    #[serde(default)]
    types: Vec<String>,
    severity: Option<FindingSeverity>,
    compliance: Option<Compliance>,
    #[serde(default)]
    resources: Vec<Resource>,
    workflow: Option<Workflow>,
    workflow_state: Option<String>,
    record_state: Option<String>,
    product_fields: Option<BTreeMap<String, serde_json::Value>>,
    updated_at: Option<String>,
    #[serde(default)]
    vulnerabilities: Vec<Vulnerability>,
    note: Option<Note>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FindingSeverity {
    label: Option<String>,
    normalized: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Compliance {
    status: Option<String>,
    #[serde(default)]
    related_requirements: Vec<String>,
    #[serde(default)]
    status_reasons: Vec<StatusReason>,
    #[serde(default)]
    associated_standards: Vec<Standard>,
    security_control_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StatusReason {
    reason_code: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Standard {
    standards_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Resource {
    id: Option<String>,
    region: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Workflow {
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Vulnerability {
    id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Note {
    text: Option<String>,
}

impl Finding {
    fn field(&self, key: &str) -> Option<String> {
        match self.product_fields.as_ref()?.get(key)? {
            serde_json::Value::String(s) => fold::some(s),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    fn is_prowler(&self) -> bool {
        self.field("ProviderName")
            .is_some_and(|p| p.eq_ignore_ascii_case("prowler"))
            || self
                .product_arn
                .as_deref()
                .is_some_and(|a| a.ends_with("/prowler/prowler"))
    }

    /// The tool as the finding names it, and its version when stated.
    fn tool(&self) -> (String, Option<String>) {
        if let Some(p) = self.field("ProviderName") {
            return (p, self.field("ProviderVersion"));
        }
        if let Some(p) = self.product_name.as_deref().and_then(fold::some) {
            return (p, None);
        }
        if let Some(p) = self.field("aws/securityhub/ProductName") {
            return (p, None);
        }
        let arn = self.product_arn.as_deref().unwrap_or_default();
        let product = arn.split_once(":product/").map_or(arn, |(_, p)| p);
        (product.to_string(), None)
    }

    fn rule_id(&self) -> String {
        let generator = self.generator_id.as_deref().and_then(fold::some);
        let guardduty = self
            .product_arn
            .as_deref()
            .is_some_and(|a| a.ends_with("/aws/guardduty"));
        if guardduty && let Some(t) = self.types.first().and_then(|t| fold::some(t)) {
            return t;
        }
        if let Some(v) = self
            .vulnerabilities
            .iter()
            .find_map(|v| v.id.as_deref().and_then(fold::some))
        {
            return match generator {
                Some(g) if g.contains(&v) => g,
                _ => v,
            };
        }
        generator
            .or_else(|| self.id.as_deref().and_then(fold::some))
            .unwrap_or_default()
    }

    fn severity(&self) -> Option<Severity> {
        let s = self.severity.as_ref()?;
        if let Some(sev) = s.label.as_deref().and_then(Severity::from_word) {
            return Some(sev);
        }
        // Security Hub's ranges for the normalised score.
        s.normalized.map(|n| match n {
            n if n >= 90.0 => Severity::Critical,
            n if n >= 70.0 => Severity::High,
            n if n >= 40.0 => Severity::Medium,
            n if n >= 1.0 => Severity::Low,
            _ => Severity::Info,
        })
    }

    fn result(&self, severity: Option<Severity>) -> (ScanResult, Option<String>, Option<String>) {
        let Some(word) = self
            .compliance
            .as_ref()
            .and_then(|c| c.status.as_deref())
            .map(|s| s.trim().to_ascii_uppercase())
        else {
            // A finding without a compliance status is a detection
            // (GuardDuty, Inspector, Macie): it fails unless informational.
            let r = if severity == Some(Severity::Info) {
                ScanResult::Informational
            } else {
                ScanResult::Fail
            };
            return (r, None, None);
        };
        let prowler = self.is_prowler();
        match word.as_str() {
            "PASSED" => (ScanResult::Pass, None, None),
            "FAILED" => (ScanResult::Fail, None, None),
            "NOT_AVAILABLE" => (self.not_available(), None, None),
            // Prowler writes its own status with "ED" appended.
            "INFOED" | "INFO" if prowler => (ScanResult::Informational, None, None),
            "WARNINGED" | "WARNING" | "MUTED" | "MUTEDED" if prowler => {
                let bare = word.trim_end_matches("ED");
                let bare = if bare == "WARNING" || bare == "WARN" {
                    "WARNING"
                } else {
                    "MUTED"
                };
                let (r, o) = prowler_status(bare);
                (r, o, None)
            }
            "WARNING" => (ScanResult::Notchecked, None, None),
            _ => (
                ScanResult::Error,
                None,
                Some(format!(
                    "unknown Compliance.Status `{}`",
                    fold::clip(&word, 40)
                )),
            ),
        }
    }

    /// `NOT_AVAILABLE` covers a rule that does not apply, an evaluation
    /// error and a check not made; the status reason tells them apart.
    fn not_available(&self) -> ScanResult {
        let codes: Vec<String> = self
            .compliance
            .iter()
            .flat_map(|c| &c.status_reasons)
            .filter_map(|r| r.reason_code.as_deref())
            .map(str::to_ascii_uppercase)
            .collect();
        if codes.iter().any(|c| c.contains("NOT_APPLICABLE")) {
            ScanResult::Notapplicable
        } else if codes
            .iter()
            .any(|c| c.contains("ERROR") || c.contains("ACCESS_DENIED") || c.contains("FAILURE"))
        {
            ScanResult::Error
        } else {
            ScanResult::Notchecked
        }
    }

    /// Why the file itself sets the result aside: a suppression, an
    /// archived finding, a failure marked resolved.
    fn overrides(&self, result: ScanResult) -> Option<String> {
        let workflow = self
            .workflow
            .as_ref()
            .and_then(|w| w.status.as_deref())
            .or(self.workflow_state.as_deref())
            .map(|s| s.trim().to_ascii_uppercase());
        let mut why = Vec::new();
        match workflow.as_deref() {
            Some("SUPPRESSED") => {
                why.push("suppressed in Security Hub (Workflow.Status SUPPRESSED)")
            }
            Some("RESOLVED") if !matches!(result, ScanResult::Pass) => {
                why.push("resolved in Security Hub (Workflow.Status RESOLVED)")
            }
            _ => {}
        }
        if self
            .record_state
            .as_deref()
            .is_some_and(|s| s.trim().eq_ignore_ascii_case("ARCHIVED"))
        {
            why.push("archived (RecordState ARCHIVED)");
        }
        if why.is_empty() {
            return None;
        }
        let mut out = why.join("; ");
        if let Some(note) = self
            .note
            .as_ref()
            .and_then(|n| n.text.as_deref())
            .and_then(fold::some)
        {
            out.push_str(": ");
            out.push_str(&fold::clip(&note, 120));
        }
        Some(out)
    }

    fn refs(&self) -> Refs {
        let mut refs = Refs::default();
        for v in &self.vulnerabilities {
            if let Some(id) = v.id.as_deref() {
                Refs::push(&mut refs.cve, id);
            }
        }
        // Security Hub's standard control findings name their standard and
        // control in ProductFields (`StandardsArn` or `StandardsGuideArn`
        // with `ControlId` or `RuleId`).
        let standard = self
            .field("StandardsArn")
            .or_else(|| self.field("StandardsGuideArn"))
            .and_then(|arn| {
                arn.split_once(":::")
                    .map(|(_, rest)| rest.split_once('/').map_or(rest, |(_, s)| s).to_string())
            });
        let control = self.field("ControlId").or_else(|| self.field("RuleId"));
        if let (Some(standard), Some(control)) = (standard, control) {
            refs.push_other(&standard, &control);
        }
        let Some(c) = &self.compliance else {
            return refs;
        };
        if let Some(id) = c.security_control_id.as_deref() {
            refs.push_other("securityhub", id);
        }
        let prowler = self.is_prowler();
        let standards: Vec<&str> = c
            .associated_standards
            .iter()
            .filter_map(|s| s.standards_id.as_deref())
            .collect();
        for req in &c.related_requirements {
            push_related_requirement(&mut refs, req, prowler, &standards);
        }
        refs
    }

    fn into_result(self) -> RuleResult {
        let severity = self.severity();
        let (result, prowler_override, message) = self.result(severity);
        let overridden = prowler_override.or_else(|| self.overrides(result));
        let resource = self.resources.first();
        let account = self.aws_account_id.as_deref().unwrap_or_default();
        let region = resource
            .and_then(|r| r.region.as_deref())
            .or(self.region.as_deref())
            .unwrap_or_default();
        let uid = resource.and_then(|r| r.id.as_deref()).unwrap_or_default();
        let message = message.or_else(|| {
            let reason = self
                .compliance
                .iter()
                .flat_map(|c| &c.status_reasons)
                .find_map(|r| r.description.clone());
            reason
                .or_else(|| self.field("aws/securityhub/annotation"))
                .or_else(|| self.description.clone())
                .as_deref()
                .and_then(fold::message)
        });
        RuleResult {
            target: fold::cloud_target(account, region, uid),
            rule_id: self.rule_id(),
            title: self.title.as_deref().and_then(fold::some),
            result,
            severity,
            refs: self.refs(),
            observed: Vec::new(),
            message,
            overridden,
        }
    }
}

/// One `Compliance.RelatedRequirements` entry: Security Hub writes
/// `NIST.800-53.r5 AC-2(1)` and `CIS AWS Foundations Benchmark
/// v1.2.0/1.1`; Prowler writes a framework of `AssociatedStandards`,
/// a space and its requirement ids (`CIS-1.5 1.20 1.21`), cut at 63
/// characters. Anything else is kept whole.
fn push_related_requirement(refs: &mut Refs, req: &str, prowler: bool, standards: &[&str]) {
    let req = req.trim();
    if req.is_empty() {
        return;
    }
    if req.starts_with("NIST.800-53.")
        && let Some((_, id)) = req.split_once(' ')
    {
        Refs::push(&mut refs.nist, id);
        return;
    }
    if prowler
        && let Some(std) = standards
            .iter()
            .filter(|s| req.starts_with(**s) && req[s.len()..].starts_with(' '))
            .max_by_key(|s| s.len())
    {
        let mut ids: Vec<&str> = req[std.len()..].split_whitespace().collect();
        if req.chars().count() == PROWLER_CUT {
            ids.pop();
        }
        for id in ids {
            push_requirement(refs, std, id);
        }
        return;
    }
    if let Some((std, id)) = req.rsplit_once('/') {
        refs.push_other(std, id);
    } else if let Some((std, id)) = req.split_once(' ').filter(|(s, _)| s.starts_with("NIST.")) {
        refs.push_other(std, id);
    } else {
        refs.push_other("RelatedRequirements", req);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Vec<Scan>, IngestError> {
        Asff.read(&mut json.as_bytes(), Path::new("f.asff.json"))
    }

    fn securityhub(generator: &str, status: &str, workflow: &str, record: &str) -> String {
        format!(
            r#"{{"SchemaVersion": "2018-10-08", "Id": "arn:x/{generator}", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
            "ProductName": "Security Hub", "GeneratorId": "{generator}", "AwsAccountId": "123456789012", "Types": ["Software and Configuration Checks"],
            "UpdatedAt": "2024-01-02T03:04:05.000Z", "Severity": {{"Label": "MEDIUM", "Normalized": 40}}, "Title": "T {generator}", "Description": "D",
            "ProductFields": {{"StandardsArn": "arn:aws:securityhub:::standards/aws-foundational-security-best-practices/v/1.0.0", "ControlId": "IAM.5", "aws/securityhub/annotation": "Annotated."}},
            "Resources": [{{"Type": "AwsAccount", "Id": "AWS::::Account:123456789012", "Partition": "aws", "Region": "us-east-1", "Details": {{"Other": {{"big": "x"}}}}}}],
            "Compliance": {{"Status": "{status}", "RelatedRequirements": ["NIST.800-53.r5 AC-2(1)", "CIS AWS Foundations Benchmark v1.2.0/1.1", "PCI DSS v3.2.1/8.3.1", "NIST.800-171.r2 3.1.1"],
              "StatusReasons": [{{"ReasonCode": "CONFIG_RETURNS_NOT_APPLICABLE", "Description": "Reason."}}], "SecurityControlId": "IAM.5"}},
            "Workflow": {{"Status": "{workflow}"}}, "RecordState": "{record}", "Note": {{"Text": "accepted by CISO", "UpdatedBy": "me", "UpdatedAt": "x"}}}}"#
        )
    }

    #[test]
    fn detects_the_three_shapes() {
        let wrapped = format!(
            "{{\"Findings\": [{}]}}",
            securityhub("g", "FAILED", "NEW", "ACTIVE")
        );
        assert!(Asff.detect(&Head::new(wrapped.as_bytes())));
        assert!(Asff.detect(&Head::new(b"{\"findings\": []}")));
        let array = format!("[{}]", securityhub("g", "FAILED", "NEW", "ACTIVE"));
        assert!(Asff.detect(&Head::new(array.as_bytes())));
        let lines = securityhub("g", "FAILED", "NEW", "ACTIVE").replace('\n', " ");
        assert!(Asff.detect(&Head::new(lines.as_bytes())));
        assert!(!Asff.detect(&Head::new(b"[]")));
        assert!(!Asff.detect(&Head::new(br#"{"Findings": [{"a": 1}], "Other": 1}"#)));
        assert!(!Asff.detect(&Head::new(br#"[{"metadata": {}, "status_code": "FAIL"}]"#)));
    }

    #[test]
    fn security_hub_statuses_references_and_overrides() {
        let json = format!(
            "{{\"Findings\": [{}, {}, {}, {}, {}, {}], \"NextToken\": \"t\"}}",
            securityhub("a", "FAILED", "NEW", "ACTIVE"),
            securityhub("b", "PASSED", "RESOLVED", "ACTIVE"),
            securityhub("c", "WARNING", "NEW", "ACTIVE"),
            securityhub("d", "NOT_AVAILABLE", "NEW", "ACTIVE"),
            securityhub("e", "FAILED", "SUPPRESSED", "ACTIVE"),
            securityhub("f", "FAILED", "NEW", "ARCHIVED"),
        );
        let scans = read(&json).expect("reads");
        assert_eq!(scans.len(), 1);
        let s = &scans[0];
        assert_eq!(s.tool, "Security Hub");
        assert_eq!(s.time.as_deref(), Some("2024-01-02T03:04:05.000Z"));
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
                ("d", ScanResult::Notapplicable),
                ("e", ScanResult::Fail),
                ("f", ScanResult::Fail),
            ]
        );
        let a = &s.results[0];
        assert_eq!(a.target, "us-east-1/AWS::::Account:123456789012");
        assert_eq!(a.severity, Some(Severity::Medium));
        assert_eq!(a.refs.nist, vec!["AC-2(1)"]);
        assert_eq!(
            a.refs.other,
            vec![
                (
                    "aws-foundational-security-best-practices/v/1.0.0".to_string(),
                    "IAM.5".to_string()
                ),
                ("securityhub".to_string(), "IAM.5".to_string()),
                (
                    "CIS AWS Foundations Benchmark v1.2.0".to_string(),
                    "1.1".to_string()
                ),
                ("PCI DSS v3.2.1".to_string(), "8.3.1".to_string()),
                ("NIST.800-171.r2".to_string(), "3.1.1".to_string()),
            ]
        );
        assert_eq!(a.message.as_deref(), Some("Reason."));
        assert!(a.overridden.is_none());
        assert!(
            s.results[1].overridden.is_none(),
            "a pass resolved is no override"
        );
        let e = s.results[4].overridden.as_deref().unwrap_or_default();
        assert!(
            e.contains("SUPPRESSED") && e.contains("accepted by CISO"),
            "{e}"
        );
        assert!(
            s.results[5]
                .overridden
                .as_deref()
                .is_some_and(|o| o.contains("ARCHIVED"))
        );
    }

    #[test]
    fn prowler_asff_as_an_array_and_one_per_line() {
        let prowler = |check: &str, status: &str, region: &str| {
            format!(
                r#"{{"SchemaVersion": "2018-10-08", "Id": "prowler-{check}-1-{region}", "ProductArn": "arn:aws:securityhub:{region}::product/prowler/prowler", "RecordState": "ACTIVE",
                "ProductFields": {{"ProviderName": "Prowler", "ProviderVersion": "3.3.0"}}, "GeneratorId": "prowler-{check}", "AwsAccountId": "123456789012",
                "UpdatedAt": "2023-03-18T15:43:31Z", "Severity": {{"Label": "LOW"}}, "Title": "T", "Description": "Not enabled",
                "Resources": [{{"Type": "Other", "Id": "123456789012", "Partition": "aws", "Region": "{region}"}}],
                "Compliance": {{"Status": "{status}", "RelatedRequirements": ["CIS-1.5 1.20", "NIST-800-53-Revision-5 ac_2_1 ac_3_1 ac_6_10 ac_17_1 au_2 au_6_", "ens-op.acc.5.aws.iam.1"],
                  "AssociatedStandards": [{{"StandardsId": "CIS-1.5"}}, {{"StandardsId": "NIST-800-53-Revision-5"}}]}}}}"#
            )
        };
        let array = format!(
            "[{},{},{},{}]",
            prowler("accessanalyzer_enabled", "FAILED", "us-east-1"),
            prowler("accessanalyzer_enabled", "FAILED", "eu-west-1"),
            prowler("iam_info", "INFOED", "us-east-1"),
            prowler("ec2_allow", "WARNINGED", "us-east-1"),
        );
        let s = &read(&array).expect("reads")[0];
        assert_eq!(s.tool, "Prowler");
        assert_eq!(s.tool_version.as_deref(), Some("3.3.0"));
        assert_eq!(s.results.len(), 4, "one per region");
        assert_eq!(s.results[0].target, "us-east-1/123456789012");
        assert_eq!(s.results[0].rule_id, "prowler-accessanalyzer_enabled");
        assert_eq!(s.results[2].result, ScanResult::Informational);
        assert_eq!(s.results[3].result, ScanResult::Notchecked);
        assert!(
            s.results[3]
                .overridden
                .as_deref()
                .is_some_and(|o| o.contains("allowlisted"))
        );
        let refs = &s.results[0].refs;
        // The NIST entry is 63 characters: its last id may be cut, so it is dropped.
        assert_eq!(
            refs.nist,
            vec!["AC-2(1)", "AC-3(1)", "AC-6(10)", "AC-17(1)", "AU-2"]
        );
        assert!(
            refs.other
                .contains(&("CIS-1.5".to_string(), "1.20".to_string()))
        );
        assert!(refs.other.contains(&(
            "RelatedRequirements".to_string(),
            "ens-op.acc.5.aws.iam.1".to_string()
        )));

        let lines = format!(
            "{}\n{}",
            prowler("a", "FAILED", "us-east-1").replace('\n', " "),
            prowler("b", "PASSED", "us-east-1").replace('\n', " ")
        );
        let s = &read(&lines).expect("reads")[0];
        assert_eq!(s.results.len(), 2);
        assert_eq!(s.results[1].result, ScanResult::Pass);
    }

    #[test]
    fn products_are_scans_of_their_own_and_detections_fail() {
        let guardduty = r#"{"SchemaVersion": "2018-10-08", "Id": "gd1", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/guardduty",
            "GeneratorId": "arn:aws:guardduty:us-east-1:1:detector/abc", "AwsAccountId": "1", "Types": ["TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS"],
            "Severity": {"Normalized": 80}, "Title": "EC2 instance i-1 is querying a domain", "Resources": [{"Type": "AwsEc2Instance", "Id": "arn:aws:ec2:us-east-1:1:instance/i-1"}]}"#;
        let inspector = r#"{"SchemaVersion": "2018-10-08", "Id": "in1", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/inspector",
            "GeneratorId": "AWSInspector", "AwsAccountId": "1", "Severity": {"Label": "INFORMATIONAL"}, "Title": "CVE-2022-1 - openssl",
            "Vulnerabilities": [{"Id": "CVE-2022-1"}], "Resources": [{"Type": "AwsEc2Instance", "Id": "arn:aws:ec2:us-east-1:1:instance/i-1"}]}"#;
        let json = format!("[{guardduty}, {inspector}]");
        let scans = read(&json).expect("reads");
        assert_eq!(scans.len(), 2);
        assert_eq!(scans[0].tool, "aws/guardduty");
        let g = &scans[0].results[0];
        assert_eq!(
            g.rule_id,
            "TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS"
        );
        assert_eq!(g.result, ScanResult::Fail);
        assert_eq!(g.severity, Some(Severity::High));
        let i = &scans[1].results[0];
        assert_eq!(i.rule_id, "CVE-2022-1");
        assert_eq!(i.refs.cve, vec!["CVE-2022-1"]);
        assert_eq!(i.result, ScanResult::Informational);
    }

    #[test]
    fn not_available_is_told_apart_by_its_reason() {
        let with = |code: &str| {
            securityhub("a", "NOT_AVAILABLE", "NEW", "ACTIVE")
                .replace("CONFIG_RETURNS_NOT_APPLICABLE", code)
        };
        for (code, want) in [
            ("CONFIG_RETURNS_NOT_APPLICABLE", ScanResult::Notapplicable),
            ("CONFIG_RULE_EVALUATION_ERROR", ScanResult::Error),
            ("CONFIG_ACCESS_DENIED", ScanResult::Error),
            ("INTERNAL_SERVICE_ERROR", ScanResult::Error),
            ("SOMETHING_ELSE", ScanResult::Notchecked),
        ] {
            let s = read(&with(code)).expect("reads");
            assert_eq!(s[0].results[0].result, want, "{code}");
        }
        let normalized = securityhub("a", "FAILED", "NEW", "ACTIVE")
            .replace("\"Label\": \"MEDIUM\", ", "")
            .replace("\"Normalized\": 40", "\"Normalized\": 95");
        let s = read(&normalized).expect("reads");
        assert_eq!(s[0].results[0].severity, Some(Severity::Critical));
    }

    #[test]
    fn other_json_and_broken_files_are_refused() {
        let ocsf = r#"[{"metadata": {"event_code": "x", "product": {"name": "Prowler"}}, "status_code": "FAIL"}]"#;
        let e = read(ocsf).expect_err("ocsf").to_string();
        assert!(
            e.contains("f.asff.json") && e.contains("not an ASFF finding"),
            "{e}"
        );
        let full = format!(
            "{{\"Findings\": [{}]}}",
            securityhub("a", "FAILED", "NEW", "ACTIVE")
        );
        let e = read(&full[..full.len() - 40]).expect_err("cut").to_string();
        assert!(e.contains("cut short"), "{e}");
        let e = read("{\"Findings\": [{\"ProductArn\": 5}]}")
            .expect_err("type")
            .to_string();
        assert!(e.contains("f.asff.json:1"), "{e}");
        assert!(read("").is_err());
        assert!(read("\u{0}garbage").is_err());
        let e = read("{\"Findings\": [], \"x\": ")
            .expect_err("cut")
            .to_string();
        assert!(e.contains("cut short"), "{e}");
        let bad = securityhub("a", "BOGUS", "NEW", "ACTIVE");
        let s = read(&bad).expect("reads");
        assert_eq!(s[0].results[0].result, ScanResult::Error);
        assert!(
            s[0].results[0]
                .message
                .as_deref()
                .is_some_and(|m| m.contains("BOGUS"))
        );
    }

    #[test]
    fn an_empty_export_is_a_file_without_scans() {
        assert!(read("{\"Findings\": []}").expect("reads").is_empty());
    }
}
