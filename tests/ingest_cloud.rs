mod common;
use common::{corpus, hdf, need};

// The Nessus, Prowler (OCSF, CSV), ASFF, ZAP and Burp readers on the
// real-data corpus: every sample is detected by content over the whole
// registry and ingests; where MITRE's HDF conversion sits beside a
// sample, per-rule status counts are compared with Heimdall's reading of
// it, and each deliberate difference is asserted and explained here and
// in `docs/ingest/<format>.md`. The corpus is read through
// `$AEGIS_CORPUS` at run time; without it these tests are listed as
// ignored, with the reason.

use aegis::ingest::{self, Head, RuleResult, Scan, ScanResult};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

/// Detects `rel` over the full registry, checks it is `format`, and
/// ingests it.
fn ingest(rel: &str, format: &str) -> Vec<Scan> {
    let path = need(&corpus(), rel);
    let mut head = Vec::new();
    std::fs::File::open(&path)
        .and_then(|f| {
            f.take(ingest::detect::HEAD_BYTES as u64)
                .read_to_end(&mut head)
        })
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
    let detected = ingest::detect(&Head::new(&head)).map(|r| r.name());
    assert_eq!(detected, Some(format), "{rel} is detected as {format}");
    let (reader, scans) = ingest::read_path(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(reader.name(), format);
    for s in &scans {
        assert_eq!(s.format, format);
        assert!(
            s.stated.is_empty(),
            "{format} files state no totals of their own"
        );
        let mut seen = BTreeSet::new();
        for r in &s.results {
            assert!(
                seen.insert((r.target.clone(), r.rule_id.clone())),
                "{rel}: one result per (target, rule): {} {}",
                r.target,
                r.rule_id
            );
            assert!(!r.rule_id.is_empty(), "{rel}: every result has a rule id");
        }
    }
    scans
}

fn results(scans: &[Scan]) -> Vec<&RuleResult> {
    scans.iter().flat_map(|s| &s.results).collect()
}

/// Our results folded per rule the way Heimdall folds a control's
/// results: an error anywhere is an error, then a failure, then a pass;
/// only checks not made is not checked. Our informational and
/// not-applicable results stay what they are.
fn per_rule<'a>(
    results: impl IntoIterator<Item = &'a RuleResult>,
    rule: impl Fn(&RuleResult) -> String,
) -> BTreeMap<String, &'static str> {
    let mut by: BTreeMap<String, Vec<ScanResult>> = BTreeMap::new();
    for r in results {
        by.entry(rule(r)).or_default().push(r.result);
    }
    by.into_iter()
        .map(|(id, rs)| {
            let has = |x: ScanResult| rs.contains(&x);
            let status = if has(ScanResult::Error) {
                "error"
            } else if has(ScanResult::Fail) {
                "fail"
            } else if has(ScanResult::Pass) {
                "pass"
            } else if has(ScanResult::Notchecked) {
                "notchecked"
            } else if has(ScanResult::Informational) {
                "informational"
            } else {
                "notapplicable"
            };
            (id, status)
        })
        .collect()
}

fn counts(statuses: &BTreeMap<String, &'static str>) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for s in statuses.values() {
        *out.entry(*s).or_default() += 1;
    }
    out
}

fn count(list: &[(&'static str, usize)]) -> BTreeMap<&'static str, usize> {
    list.iter().copied().collect()
}

fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---- Nessus ----

/// MITRE writes one HDF file per host. Differences, by design:
/// - MITRE marks every plugin `failed` and gives severity-0 (informational)
///   plugins impact 0, which Heimdall counts as not applicable; Aegis
///   records them as `informational`. So our informational count equals
///   MITRE's not-applicable count, and the failures are equal.
/// - MITRE tags plugins with NIST controls from its own plugin-family
///   table (e.g. SI-2, CM-8); the file carries none for vulnerability
///   plugins, so our `refs.nist` stay empty (the sample has no compliance
///   checks, whose references we would read).
#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_nessus_sample_per_host_matches_mitre_but_informational() {
    let scans = ingest("scans/nessus/heimdall2/sample.nessus", "nessus");
    assert_eq!(scans.len(), 1);
    let s = &scans[0];
    assert_eq!(s.tool, "Nessus");
    assert_eq!(s.tool_version.as_deref(), Some("10.1.1"));
    assert_eq!(s.profile.as_deref(), Some("Basic Network Scan"));
    assert_eq!(s.id.as_deref(), Some("Home Network"));
    assert!(s.time.is_some());
    let root = corpus();
    for host in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] {
        let mitre = hdf::counts(&need(
            &root,
            &format!("scans/nessus/heimdall2/hdf-output/nessus-hdf-{host}.json"),
        ));
        let ours = counts(&per_rule(
            s.results.iter().filter(|r| r.target == host),
            |r| r.rule_id.clone(),
        ));
        assert_eq!(
            ours.get("fail"),
            mitre.get("fail"),
            "{host}: failures are equal"
        );
        assert_eq!(
            ours.get("informational"),
            mitre.get("notapplicable"),
            "{host}: our informational plugins are MITRE's impact-0 (not applicable) controls"
        );
        assert_eq!(
            ours.values().sum::<usize>(),
            mitre.values().sum::<usize>(),
            "{host}: the same plugins"
        );
        // The same plugin ids, too.
        let ids: BTreeSet<String> = hdf::controls(&need(
            &root,
            &format!("scans/nessus/heimdall2/hdf-output/nessus-hdf-{host}.json"),
        ))
        .into_keys()
        .collect();
        let our_ids: BTreeSet<String> = s
            .results
            .iter()
            .filter(|r| r.target == host)
            .map(|r| r.rule_id.clone())
            .collect();
        assert_eq!(our_ids, ids, "{host}");
    }
    assert!(s.results.iter().all(|r| r.refs.nist.is_empty()));
    // A plugin on several ports is one result with one observation a port.
    let multi = s
        .results
        .iter()
        .find(|r| r.target == "10.0.0.3" && r.observed.len() > 1);
    assert!(multi.is_some(), "some plugin reports several ports");
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_nessus_with_cvss3_ingests_with_references() {
    let scans = ingest(
        "scans/nessus/defectdojo/nessus_with_cvssv3.nessus",
        "nessus",
    );
    let rs = results(&scans);
    let c = counts(&per_rule(rs.iter().copied(), |r| {
        format!("{} {}", r.target, r.rule_id)
    }));
    assert_eq!(c, count(&[("fail", 25), ("informational", 23)]));
    assert!(rs.iter().any(|r| !r.refs.cve.is_empty()));
    assert!(rs.iter().any(|r| !r.refs.cwe.is_empty()));
    assert!(
        rs.iter()
            .filter(|r| r.result == ScanResult::Fail)
            .all(|r| r.severity.is_some())
    );
}

// ---- Prowler ----

/// MITRE's Prowler conversion is of the same ten findings (Prowler 2's
/// one finding per line; `prowler_sample.json` wraps them in `Findings`).
/// Both group them by check: check11 (one finding) and check12 (nine),
/// both failing; statuses are equal. Our rule ids keep the `prowler-`
/// prefix of the GeneratorId, which MITRE drops. MITRE tags both with its
/// defaults for findings without references (SA-11, RA-5); the findings
/// carry no NIST requirement, so ours have none.
#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_prowler_asff_samples_match_mitre() {
    let root = corpus();
    let mitre_path = need(&root, "scans/prowler/heimdall2/hdf-output/prowler-hdf.json");
    let mitre = hdf::counts(&mitre_path);
    let mitre_ids: BTreeSet<String> = hdf::controls(&mitre_path).into_keys().collect();
    for rel in [
        "scans/prowler/heimdall2/prowler-sample.asff-json",
        "scans/prowler/heimdall2/prowler_sample.json",
    ] {
        let scans = ingest(rel, "asff");
        assert_eq!(scans.len(), 1);
        assert_eq!(scans[0].tool, "Prowler");
        assert_eq!(scans[0].tool_version.as_deref(), Some("2.4.0-07042021"));
        let statuses = per_rule(results(&scans), |r| {
            r.rule_id.trim_start_matches("prowler-").to_string()
        });
        assert_eq!(counts(&statuses), mitre, "{rel}");
        assert_eq!(
            statuses.keys().cloned().collect::<BTreeSet<_>>(),
            mitre_ids,
            "{rel}"
        );
        assert!(results(&scans).iter().all(|r| r.refs.nist.is_empty()));
    }
    let by_nist = hdf::counts_by_nist(&mitre_path);
    assert_eq!(
        by_nist.keys().cloned().collect::<Vec<_>>(),
        vec!["RA-5", "SA-11"],
        "MITRE's tags here are its defaults, not the file's"
    );
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_prowler_ocsf_samples() {
    let aws = ingest(
        "scans/prowler/defectdojo/example_output_aws.ocsf.json",
        "prowler-ocsf",
    );
    assert_eq!(aws.len(), 1);
    assert_eq!(aws[0].tool, "Prowler");
    let statuses = per_rule(results(&aws), |r| format!("{} {}", r.target, r.rule_id));
    assert_eq!(counts(&statuses), count(&[("fail", 2), ("notchecked", 1)]));
    assert!(results(&aws).iter().all(|r| !r.refs.other.is_empty()));
    assert!(
        results(&aws)
            .iter()
            .any(|r| r.refs.other.contains(&("CIS-1.4".into(), "1.20".into())))
    );
    for (rel, n) in [
        ("scans/prowler/defectdojo/example_output_azure.ocsf.json", 3),
        (
            "scans/prowler/defectdojo/example_output_kubernetes.ocsf.json",
            3,
        ),
    ] {
        let scans = ingest(rel, "prowler-ocsf");
        assert_eq!(scans[0].tool_version.as_deref(), Some("5.4.0"));
        let rs = results(&scans);
        assert_eq!(rs.len(), n, "{rel}");
        assert!(rs.iter().all(|r| r.result == ScanResult::Fail), "{rel}");
    }
}

/// The kubernetes sample has four findings: two are the same check on the
/// same (placeholder) resource, so they are one result.
#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_prowler_ocsf_repeated_check_on_one_resource_is_one_result() {
    let path = need(
        &corpus(),
        "scans/prowler/defectdojo/example_output_kubernetes.ocsf.json",
    );
    let doc = json(&path);
    let findings = doc.as_array().map_or(0, Vec::len);
    assert_eq!(findings, 4);
    let scans = ingest(
        "scans/prowler/defectdojo/example_output_kubernetes.ocsf.json",
        "prowler-ocsf",
    );
    assert_eq!(results(&scans).len(), 3);
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_prowler_zero_findings_is_one_empty_scan() {
    let scans = ingest(
        "scans/prowler/defectdojo/prowler_zero_vul.json",
        "prowler-ocsf",
    );
    assert_eq!(scans.len(), 1);
    assert!(scans[0].results.is_empty());
}

/// The CSV and the OCSF samples are the same run: the same checks with
/// the same statuses.
#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_prowler_csv_sample() {
    let scans = ingest(
        "scans/prowler/defectdojo/example_output_aws.csv",
        "prowler-csv",
    );
    assert_eq!(scans.len(), 1);
    let rs = results(&scans);
    let statuses = per_rule(rs.iter().copied(), |r| r.rule_id.clone());
    assert_eq!(counts(&statuses), count(&[("fail", 2), ("notchecked", 2)]));
    let ocsf = ingest(
        "scans/prowler/defectdojo/example_output_aws.ocsf.json",
        "prowler-ocsf",
    );
    let ocsf = per_rule(results(&ocsf), |r| r.rule_id.clone());
    for (rule, status) in &ocsf {
        assert_eq!(statuses.get(rule), Some(status), "{rule}");
    }
    assert!(
        rs.iter()
            .all(|r| r.refs.other.iter().any(|(s, _)| s.starts_with("KISA")))
    );
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_prowler_3_asff_array() {
    let path = need(
        &corpus(),
        "scans/prowler/defectdojo/prowler-output.asff.json",
    );
    let doc = json(&path);
    let findings = doc.as_array().map_or(0, Vec::len);
    assert_eq!(findings, 731);
    let scans = ingest("scans/prowler/defectdojo/prowler-output.asff.json", "asff");
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0].tool_version.as_deref(), Some("3.3.0"));
    let rs = results(&scans);
    // Three checks report user `dams` twice in one region (a pass for the
    // console password, a failure for an access key): one result each,
    // failing.
    assert_eq!(rs.len(), 728);
    let c = counts(&per_rule(rs.iter().copied(), |r| {
        format!("{} {}", r.target, r.rule_id)
    }));
    assert_eq!(
        c,
        count(&[("fail", 286), ("informational", 4), ("pass", 438)])
    );
    // The same check in each region of one account stays one result a region.
    let analyzer = rs
        .iter()
        .filter(|r| r.rule_id == "prowler-accessanalyzer_enabled")
        .count();
    assert_eq!(analyzer, 17);
    assert!(
        rs.iter()
            .any(|r| r.refs.other.contains(&("CIS-1.5".into(), "1.20".into())))
    );
}

// ---- ASFF ----

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_security_hub_exports() {
    let scans = ingest("scans/asff/heimdall2/asff_sample.json", "asff");
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0].tool, "Security Hub");
    let rs = results(&scans);
    assert_eq!(
        counts(&per_rule(rs.iter().copied(), |r| r.rule_id.clone())),
        count(&[("fail", 17), ("pass", 1)])
    );
    // CIS and FSBP controls name their standard and control in ProductFields.
    assert!(rs.iter().any(|r| {
        r.refs
            .other
            .contains(&("cis-aws-foundations-benchmark/v/1.2.0".into(), "1.1".into()))
    }));

    let scans = ingest("scans/asff/defectdojo/config_many_findings.json", "asff");
    let rs = results(&scans);
    assert_eq!(rs.len(), 3);
    assert!(rs.iter().all(|r| r.result == ScanResult::Pass));
    assert!(rs.iter().any(|r| {
        r.refs.other.contains(&(
            "aws-foundational-security-best-practices/v/1.0.0".into(),
            "IAM.5".into(),
        ))
    }));
}

// ---- ZAP ----

/// MITRE converts one site of the report (`http://mymac.com:8191`).
/// Differences, by design:
/// - ZAP 2.7 has no alert references, and one scan rule raises several
///   alerts: plugin 90028 ("Insecure HTTP Method") nine, one per method,
///   and 10023 three. MITRE makes each alert a control (`90028.1` to
///   `90028.9`); Aegis makes one result per scan rule on the site, so
///   MITRE's 25 controls are our 15 rules.
/// - Alerts of risk 0 (Informational) are `informational` in Aegis;
///   MITRE marks every alert failed. Three rules raise only risk-0
///   alerts (10024, 10027, 90011).
/// - MITRE maps CWE ids to NIST controls itself; our results carry the
///   CWE and WASC ids the alerts state, and mapping happens later.
#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_zap_webgoat_matches_mitre_per_scan_rule() {
    let root = corpus();
    let scans = ingest("scans/zap/heimdall2/webgoat.json", "zap");
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0].tool_version.as_deref(), Some("2.7.0"));
    let site = "http://mymac.com:8191";
    let ours = per_rule(
        results(&scans).into_iter().filter(|r| r.target == site),
        |r| r.rule_id.clone(),
    );
    let mitre_path = need(&root, "scans/zap/heimdall2/hdf-output/zap-webgoat-hdf.json");
    let mitre = hdf::controls(&mitre_path);
    assert_eq!(hdf::counts(&mitre_path), count(&[("fail", 25)]));
    let mitre_rules: BTreeSet<String> = mitre
        .keys()
        .map(|id| id.split('.').next().unwrap_or(id).to_string())
        .collect();
    assert_eq!(
        ours.keys().cloned().collect::<BTreeSet<_>>(),
        mitre_rules,
        "MITRE's alerts fold into our scan rules"
    );
    assert_eq!(counts(&ours), count(&[("fail", 12), ("informational", 3)]));
    let informational: BTreeSet<&str> = ours
        .iter()
        .filter(|(_, s)| **s == "informational")
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(informational, BTreeSet::from(["10024", "10027", "90011"]));
    // The instance counts the report states are the counts we keep.
    let doc = json(&need(&root, "scans/zap/heimdall2/webgoat.json"));
    let stated: u64 = doc["site"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["alerts"].as_array().into_iter().flatten())
        .filter_map(|a| a["count"].as_str().and_then(|c| c.parse::<u64>().ok()))
        .sum();
    let ours_total: u64 = results(&scans)
        .iter()
        .filter_map(|r| r.message.as_deref())
        .filter_map(|m| m.split(' ').next().and_then(|n| n.parse::<u64>().ok()))
        .sum();
    assert_eq!(ours_total, stated);
    assert!(results(&scans).iter().all(|r| r.refs.nist.is_empty()));
    assert!(results(&scans).iter().all(|r| !r.refs.cwe.is_empty()));
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_zap_xml_with_requests_and_responses() {
    let scans = ingest("scans/zap/defectdojo/zap_2.16.1_with_req_resp.xml", "zap");
    assert_eq!(scans[0].tool_version.as_deref(), Some("2.16.1"));
    let rs = results(&scans);
    assert_eq!(rs.len(), 4);
    assert!(rs.iter().all(|r| r.result == ScanResult::Informational));
    assert!(
        rs.iter()
            .all(|r| !r.observed.is_empty() && r.observed.len() <= 3)
    );
    assert!(
        rs.iter()
            .any(|r| r.refs.other.iter().any(|(s, _)| s == "OWASP Top 10 2021"))
    );
}

// ---- Burp ----

/// MITRE folds issues by type across the report's two hosts (http and
/// https), 14 types. Aegis keeps one result per (host, type): 17; folded
/// per type they are MITRE's 14. MITRE marks every issue failed; Aegis
/// records Burp's `Information` severity as `informational`, so only the
/// types with a Low or Medium issue fail (3). MITRE also adds its default
/// NIST tags; ours carry the CWE ids of Burp's classification list.
#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_burp_matches_mitre_per_issue_type() {
    let root = corpus();
    let scans = ingest("scans/burp/heimdall2/zero.webappsecurity.com.min", "burp");
    assert_eq!(scans[0].tool_version.as_deref(), Some("2020.1"));
    let rs = results(&scans);
    assert_eq!(rs.len(), 17);
    let ours = per_rule(rs.iter().copied(), |r| r.rule_id.clone());
    let mitre_path = need(&root, "scans/burp/heimdall2/hdf-output/burpsuite-hdf.json");
    assert_eq!(hdf::counts(&mitre_path), count(&[("fail", 14)]));
    let mitre_ids: BTreeSet<String> = hdf::controls(&mitre_path).into_keys().collect();
    assert_eq!(ours.keys().cloned().collect::<BTreeSet<_>>(), mitre_ids);
    assert_eq!(counts(&ours), count(&[("fail", 3), ("informational", 11)]));
    for r in &rs {
        let informational = r.result == ScanResult::Informational;
        assert_eq!(
            informational,
            r.severity == Some(ingest::Severity::Info),
            "{}",
            r.rule_id
        );
    }
    assert!(rs.iter().all(|r| !r.refs.cwe.is_empty()));
}
