//! Prowler's CSV output (`;`-separated, one row per (check, resource)):
//! Prowler 4 and 5 (`CHECK_ID`, `STATUS`, `MUTED`, `RESOURCE_UID`,
//! `ACCOUNT_UID`, `COMPLIANCE`, `TIMESTAMP`, `PROWLER_VERSION`) and
//! Prowler 3 (`ASSESSMENT_START_TIME`, `FINDING_UNIQUE_ID`, `ACCOUNT_ID`,
//! `RESOURCE_ARN`/`RESOURCE_ID`, status `WARNING` for an allowlisted
//! finding). Read row by row; see `docs/ingest/prowler-csv.md`.

use super::fold::{self, Fold};
use super::prowler_ocsf::{push_compliance_text, status};
use crate::ingest::{Head, IngestError, Reader, Refs, RuleResult, Scan, Severity};
use std::io::BufRead;
use std::path::Path;

const NAME: &str = "prowler-csv";

pub struct ProwlerCsv;

impl Reader for ProwlerCsv {
    fn name(&self) -> &'static str {
        NAME
    }

    fn describe(&self) -> &'static str {
        "Prowler CSV (`;`-separated, Prowler 3 to 5)"
    }

    fn detect(&self, head: &Head) -> bool {
        let Some(line) = head.first_line() else {
            return false;
        };
        let cols: Vec<String> = line
            .trim_start_matches('\u{feff}')
            .split(';')
            .map(|c| c.trim().trim_matches('"').to_ascii_uppercase())
            .collect();
        let has = |k: &str| cols.iter().any(|c| c == k);
        has("CHECK_ID")
            && has("STATUS")
            && has("PROVIDER")
            && (has("FINDING_UID") || has("FINDING_UNIQUE_ID"))
    }

    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
        let mut csv = csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(true)
            .flexible(false)
            .from_reader(input);
        let headers = csv.headers().map_err(|e| csv_error(path, &e))?.clone();
        let col = Columns::new(&headers);
        let Some(check) = col.check else {
            return Err(IngestError::malformed(
                path,
                NAME,
                Some(1),
                "the header has no CHECK_ID column; this is not Prowler's CSV",
            ));
        };
        let Some(status_col) = col.status else {
            return Err(IngestError::malformed(
                path,
                NAME,
                Some(1),
                "the header has no STATUS column; this is not Prowler's CSV",
            ));
        };
        let mut scan = Scan {
            format: NAME,
            tool: "Prowler".into(),
            ..Default::default()
        };
        let mut fold = Fold::default();
        let mut record = csv::StringRecord::new();
        loop {
            match csv.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(path, &e)),
            }
            let line = record.position().map(|p| p.line() as usize);
            let get = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").trim();
            // The first of several columns that holds a value in this row.
            let first = |cols: &[usize]| {
                cols.iter()
                    .map(|c| get(Some(*c)))
                    .find(|v| !v.is_empty())
                    .unwrap_or("")
            };
            let rule_id = get(Some(check));
            if rule_id.is_empty() {
                return Err(IngestError::malformed(
                    path,
                    NAME,
                    line,
                    "a row has no CHECK_ID",
                ));
            }
            let (result, mut overridden) = status(&get(Some(status_col)).to_ascii_uppercase());
            if overridden.is_none() && get(col.muted).eq_ignore_ascii_case("true") {
                overridden = Some("muted in Prowler (MUTED True)".into());
            }
            if scan.tool_version.is_none() {
                scan.tool_version = fold::some(get(col.version));
            }
            let time = get(col.time);
            if !time.is_empty() && scan.time.as_deref().is_none_or(|t| time > t) {
                scan.time = Some(time.to_string());
            }
            let mut refs = Refs::default();
            for c in &col.compliance {
                for entry in get(Some(*c)).split('|') {
                    push_compliance_text(&mut refs, entry);
                }
            }
            fold.add(RuleResult {
                target: fold::cloud_target(
                    first(&col.account),
                    get(col.region),
                    first(&col.resource),
                ),
                rule_id: rule_id.to_string(),
                title: fold::some(get(col.title)),
                result,
                severity: Severity::from_word(get(col.severity)),
                refs,
                observed: Vec::new(),
                message: fold::message(get(col.detail)),
                overridden,
            });
        }
        if let Some(t) = scan.time.as_deref().and_then(|t| t.parse::<i64>().ok()) {
            // `--unix-timestamp` writes seconds since the epoch.
            scan.time = fold::epoch(t);
        }
        scan.results = fold.finish();
        Ok(vec![scan])
    }
}

/// Where each column Aegis reads sits, under Prowler 3's or 4's name.
struct Columns {
    check: Option<usize>,
    status: Option<usize>,
    muted: Option<usize>,
    title: Option<usize>,
    detail: Option<usize>,
    severity: Option<usize>,
    resource: Vec<usize>,
    account: Vec<usize>,
    region: Option<usize>,
    time: Option<usize>,
    version: Option<usize>,
    compliance: Vec<usize>,
}

impl Columns {
    fn new(headers: &csv::StringRecord) -> Self {
        let names: Vec<String> = headers
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_uppercase())
            .collect();
        let find = |want: &[&str]| want.iter().find_map(|w| names.iter().position(|n| n == w));
        let all = |want: &[&str]| -> Vec<usize> {
            want.iter()
                .filter_map(|w| names.iter().position(|n| n == w))
                .collect()
        };
        Columns {
            check: find(&["CHECK_ID"]),
            status: find(&["STATUS"]),
            muted: find(&["MUTED"]),
            title: find(&["CHECK_TITLE"]),
            detail: find(&["STATUS_EXTENDED"]),
            severity: find(&["SEVERITY"]),
            resource: all(&["RESOURCE_UID", "RESOURCE_ARN", "RESOURCE_ID"]),
            account: all(&["ACCOUNT_UID", "ACCOUNT_ID", "SUBSCRIPTION", "PROJECT_ID"]),
            region: find(&["REGION", "LOCATION"]),
            time: find(&["TIMESTAMP", "ASSESSMENT_START_TIME"]),
            version: find(&["PROWLER_VERSION"]),
            compliance: names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.as_str() == "COMPLIANCE")
                .map(|(i, _)| i)
                .collect(),
        }
    }
}

fn csv_error(path: &Path, e: &csv::Error) -> IngestError {
    let line = e.position().map(|p| p.line() as usize);
    let what = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "a row has {len} fields where the header has {expected_len} (the file may be cut short)"
        ),
        csv::ErrorKind::Utf8 { .. } => "a row is not UTF-8 text".to_string(),
        _ => e.to_string(),
    };
    IngestError::malformed(path, NAME, line, what)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::ScanResult;

    const V5: &str = "AUTH_METHOD;TIMESTAMP;ACCOUNT_UID;ACCOUNT_NAME;FINDING_UID;PROVIDER;CHECK_ID;CHECK_TITLE;CHECK_TYPE;STATUS;STATUS_EXTENDED;MUTED;SERVICE_NAME;SEVERITY;RESOURCE_TYPE;RESOURCE_UID;RESOURCE_NAME;REGION;DESCRIPTION;COMPLIANCE;PROWLER_VERSION\n\
profile;2025-02-14 14:27:03.913874;123456789012;;u1;aws;accessanalyzer_enabled;Check if IAM Access Analyzer is enabled;IAM;FAIL;Not enabled.;False;accessanalyzer;low;Other;arn:aws:accessanalyzer:us-east-1:123456789012:analyzer/unknown;x;us-east-1;d;CIS-1.4: 1.20 | NIST-800-53-Revision-5: ac_2_1, ac_3 | AWS-Account-Security-Onboarding: Enabled security services, Create analyzers;5.4.0\n\
profile;2025-02-14 14:27:04.000000;123456789012;;u2;aws;account_contact;Maintain contact details;IAM;MANUAL;Login and check.;False;account;medium;Other;123456789012;x;us-east-1;d;CIS-1.4: 1.1;5.4.0\n\
profile;2025-02-14 14:27:05.000000;123456789012;;u3;aws;s3_bucket_public;No public buckets;S3;FAIL;Bucket b is public.;True;s3;critical;AwsS3Bucket;arn:aws:s3:::b;b;us-east-1;d;;5.4.0\n\
profile;2025-02-14 14:27:02.000000;123456789012;;u4;aws;iam_root_mfa;Root MFA;IAM;PASS;Root has MFA.;False;iam;critical;Other;arn:aws:iam::123456789012:root;root;us-east-1;d;;5.4.0\n";

    fn read(text: &str) -> Result<Vec<Scan>, IngestError> {
        ProwlerCsv.read(&mut text.as_bytes(), Path::new("p.csv"))
    }

    #[test]
    fn detects_prowler_headers_only() {
        assert!(ProwlerCsv.detect(&Head::new(V5.as_bytes())));
        let v3 = "ASSESSMENT_START_TIME;FINDING_UNIQUE_ID;PROVIDER;CHECK_ID;CHECK_TITLE;STATUS\n";
        assert!(ProwlerCsv.detect(&Head::new(v3.as_bytes())));
        assert!(!ProwlerCsv.detect(&Head::new(b"CHECK_ID,STATUS,PROVIDER,FINDING_UID\n")));
        assert!(!ProwlerCsv.detect(&Head::new(b"[]")));
    }

    #[test]
    fn rows_statuses_mutes_and_compliance() {
        let s = &read(V5).expect("reads")[0];
        assert_eq!(s.tool_version.as_deref(), Some("5.4.0"));
        assert_eq!(s.time.as_deref(), Some("2025-02-14 14:27:05.000000"));
        let r: Vec<_> = s
            .results
            .iter()
            .map(|r| (r.rule_id.as_str(), r.result))
            .collect();
        assert_eq!(
            r,
            vec![
                ("accessanalyzer_enabled", ScanResult::Fail),
                ("account_contact", ScanResult::Notchecked),
                ("s3_bucket_public", ScanResult::Fail),
                ("iam_root_mfa", ScanResult::Pass),
            ]
        );
        let a = &s.results[0];
        assert_eq!(
            a.target,
            "arn:aws:accessanalyzer:us-east-1:123456789012:analyzer/unknown"
        );
        assert_eq!(a.refs.nist, vec!["AC-2(1)", "AC-3"]);
        assert_eq!(a.refs.other.len(), 3);
        assert_eq!(a.severity, Some(Severity::Low));
        assert_eq!(a.message.as_deref(), Some("Not enabled."));
        assert_eq!(s.results[1].target, "us-east-1/123456789012");
        assert!(
            s.results[2]
                .overridden
                .as_deref()
                .is_some_and(|o| o.contains("MUTED"))
        );
        assert_eq!(s.results[2].severity, Some(Severity::Critical));
    }

    #[test]
    fn prowler_3_columns_and_the_allowlist() {
        let v3 = "ASSESSMENT_START_TIME;FINDING_UNIQUE_ID;PROVIDER;PROFILE;ACCOUNT_ID;REGION;CHECK_ID;CHECK_TITLE;STATUS;STATUS_EXTENDED;SEVERITY;RESOURCE_ID;RESOURCE_ARN;COMPLIANCE\n\
2023-03-18T15:43:31;f;aws;default;1;eu-west-1;ec2_ebs_public_snapshot;T;WARNING;d;high;snap-1;arn:aws:ec2:eu-west-1:1:snapshot/snap-1;CIS-1.5: 2.2.1\n\
2023-03-18T15:43:31;f;aws;default;1;eu-west-1;iam_info;T;INFO;d;low;1;;\n";
        let s = &read(v3).expect("reads")[0];
        assert_eq!(
            s.results[0].target,
            "arn:aws:ec2:eu-west-1:1:snapshot/snap-1"
        );
        assert_eq!(s.results[0].result, ScanResult::Notchecked);
        assert!(
            s.results[0]
                .overridden
                .as_deref()
                .is_some_and(|o| o.contains("allowlisted"))
        );
        assert_eq!(s.results[1].result, ScanResult::Informational);
        assert_eq!(s.results[1].target, "eu-west-1/1");
        assert!(s.tool_version.is_none());
    }

    #[test]
    fn a_header_alone_is_a_scan_without_results() {
        let header = V5.lines().next().unwrap_or_default();
        let s = read(header).expect("reads");
        assert!(s[0].results.is_empty());
    }

    #[test]
    fn broken_files_are_refused_with_the_line() {
        let cut = &V5[..V5.len() - 60];
        let e = read(cut).expect_err("cut").to_string();
        assert!(e.contains("p.csv:5") && e.contains("cut short"), "{e}");
        let e = read("A;B\n1;2\n").expect_err("no check").to_string();
        assert!(e.contains("CHECK_ID"), "{e}");
        let bad = V5.replace(";accessanalyzer_enabled;", ";;");
        let e = read(&bad).expect_err("empty check").to_string();
        assert!(e.contains("p.csv:2"), "{e}");
        let mut bin: &[u8] = b"CHECK_ID;STATUS\n\xff\xfe;x\n";
        let e = ProwlerCsv
            .read(&mut bin, Path::new("p.csv"))
            .expect_err("binary")
            .to_string();
        assert!(e.contains("UTF-8"), "{e}");
    }
}
