//! The code and dependency scanners' readers end to end: SARIF, Checkov,
//! Trivy, Grype, Snyk and Twistlock. Every corpus sample of these formats
//! is detected by content over the whole registry and ingests; where
//! MITRE's HDF conversion sits beside a sample, each rule's status (folded
//! the way Heimdall folds a control's results) is compared with MITRE's,
//! and every deliberate difference is listed with its reason; where a
//! file states its own counts (Checkov's summary), ours equal them. A
//! SARIF log of a million results, written here, ingests and counts
//! right. Corpus tests read `$AEGIS_CORPUS` at run time and are listed
//! as ignored, with the reason, when it is unset.

mod common;
use common::{corpus, hdf, need};

use aegis::ingest::{self, Head, RuleResult, Scan, ScanResult};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

/// Detects `path` over the whole registry (by content, from its head as
/// `aegis ingest` reads it) and reads it.
fn ingest_as(path: &Path, format: &str) -> Vec<Scan> {
    let head = head_of(path);
    let detected = ingest::detect(&Head::new(&head)).map(|r| r.name());
    assert_eq!(detected, Some(format), "{} detected as", path.display());
    // Detection is precise: no other reader claims the file.
    let claims: Vec<&str> = ingest::formats::READERS
        .iter()
        .filter(|r| r.detect(&Head::new(&head)))
        .map(|r| r.name())
        .collect();
    assert_eq!(claims, vec![format], "{} claimed by", path.display());
    let (reader, scans) =
        ingest::read_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(reader.name(), format);
    for s in &scans {
        assert_eq!(s.format, format);
        for r in &s.results {
            assert!(
                !r.rule_id.is_empty(),
                "{}: a result without a rule id",
                path.display()
            );
        }
        // One result per (target, rule): state is keyed on it.
        let mut keys: Vec<(&str, &str)> = s
            .results
            .iter()
            .map(|r| (r.target.as_str(), r.rule_id.as_str()))
            .collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(
            keys.len(),
            n,
            "{}: duplicate (target, rule)",
            path.display()
        );
    }
    scans
}

/// The first bytes of `path`, as much as detection looks at.
fn head_of(path: &Path) -> Vec<u8> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut head = Vec::new();
    file.take(ingest::detect::HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    head
}

fn corpus_file(rel: &str, format: &str) -> Vec<Scan> {
    ingest_as(&need(&corpus(), rel), format)
}

/// Our counts by result.
fn counts(scans: &[Scan]) -> BTreeMap<ScanResult, usize> {
    let mut out = BTreeMap::new();
    for r in scans.iter().flat_map(|s| &s.results) {
        *out.entry(r.result).or_insert(0) += 1;
    }
    out
}

/// Each rule's status, folding its results the way Heimdall folds a
/// control's: any error is an error, else any failure a failure, else any
/// pass a pass; only not-applicable results are not applicable; anything
/// else is not checked.
fn per_rule(scans: &[Scan], key: impl Fn(&RuleResult) -> String) -> BTreeMap<String, &'static str> {
    let mut grouped: BTreeMap<String, Vec<ScanResult>> = BTreeMap::new();
    for r in scans.iter().flat_map(|s| &s.results) {
        grouped.entry(key(r)).or_default().push(r.result);
    }
    grouped
        .into_iter()
        .map(|(k, rs)| {
            let status = if rs.contains(&ScanResult::Error) {
                "error"
            } else if rs.contains(&ScanResult::Fail) {
                "fail"
            } else if rs.contains(&ScanResult::Pass) {
                "pass"
            } else if rs.iter().all(|r| *r == ScanResult::Notapplicable) {
                "notapplicable"
            } else {
                "notchecked"
            };
            (k, status)
        })
        .collect()
}

/// A control whose status we deliberately give differently from MITRE.
struct Difference {
    control: &'static str,
    mitre: &'static str,
    ours: &'static str,
    why: &'static str,
}

/// Compares our per-rule statuses with MITRE's conversion at `hdf_rel`:
/// the same controls, the same status for each but the listed
/// differences, and MITRE's counts (`hdf::counts`) moved by exactly those
/// differences equal ours.
fn cross_check(
    scans: &[Scan],
    hdf_rel: &str,
    key: impl Fn(&RuleResult) -> String,
    differences: &[Difference],
) {
    let path = need(&corpus(), hdf_rel);
    let theirs = hdf::controls(&path);
    let ours = per_rule(scans, key);
    let only_ours: Vec<&String> = ours.keys().filter(|k| !theirs.contains_key(*k)).collect();
    let only_theirs: Vec<&String> = theirs.keys().filter(|k| !ours.contains_key(*k)).collect();
    assert!(
        only_ours.is_empty() && only_theirs.is_empty(),
        "{hdf_rel}: controls only we have: {only_ours:?}; only MITRE has: {only_theirs:?}"
    );
    let mut found: Vec<(String, &str, &str)> = theirs
        .iter()
        .filter(|(id, (status, _))| ours[*id] != *status)
        .map(|(id, (status, _))| (id.clone(), *status, ours[id]))
        .collect();
    found.sort();
    let mut listed: Vec<(String, &str, &str)> = differences
        .iter()
        .map(|d| (d.control.to_string(), d.mitre, d.ours))
        .collect();
    listed.sort();
    let reasons: Vec<String> = differences
        .iter()
        .map(|d| format!("{}: {}", d.control, d.why))
        .collect();
    assert_eq!(
        found, listed,
        "{hdf_rel}: differences from MITRE (the listed ones: {reasons:#?})"
    );

    let mut moved = hdf::counts(&path);
    for d in differences {
        let from = moved.entry(d.mitre).or_insert(0);
        *from -= 1;
        *moved.entry(d.ours).or_insert(0) += 1;
    }
    moved.retain(|_, n| *n > 0);
    let mut our_counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for status in ours.values() {
        *our_counts.entry(status).or_insert(0) += 1;
    }
    assert_eq!(our_counts, moved, "{hdf_rel}: per-rule counts");
}

/// The stated counts of every scan that states them equal ours.
fn stated_counts_hold(scans: &[Scan]) {
    for s in scans {
        if s.stated.is_empty() {
            continue;
        }
        let mut ours = counts(std::slice::from_ref(s));
        for result in s.stated.keys() {
            ours.entry(*result).or_insert(0);
        }
        ours.retain(|r, n| *n > 0 || s.stated.contains_key(r));
        assert_eq!(ours, s.stated, "{} {:?}: stated counts", s.tool, s.id);
    }
}

macro_rules! corpus_test {
    ($(#[$doc:meta])* fn $name:ident() $body:block) => {
        $(#[$doc])*
        #[test]
        #[cfg_attr(
            not(corpus),
            ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
        )]
        fn $name() $body
    };
}

// ---- SARIF ----------------------------------------------------------------------

corpus_test! {
    /// Flawfinder's SARIF that MITRE converted: every result fails (no
    /// kind, no suppression), so every rule fails, as in MITRE's.
    fn corpus_sarif_flawfinder_matches_mitre() {
        let scans = corpus_file("scans/sarif/heimdall2/sarif_input.sarif", "sarif");
        assert_eq!(scans.len(), 1);
        assert_eq!(scans[0].tool, "Flawfinder");
        assert_eq!(scans[0].tool_version.as_deref(), Some("2.0.15"));
        cross_check(
            &scans,
            "scans/sarif/heimdall2/hdf-output/sarif-hdf.json",
            |r| r.rule_id.clone(),
            &[],
        );
        // CWEs from the rules' relationships to the CWE taxonomy (MITRE
        // scrapes them from the message text; we never do).
        let gets = scans[0]
            .results
            .iter()
            .find(|r| r.rule_id == "FF1014")
            .expect("FF1014");
        assert_eq!(gets.refs.cwe, vec!["CWE-20", "CWE-120"]);
        assert_eq!(gets.refs.nist, vec!["PE-10"]);
    }
}

corpus_test! {
    /// DefectDojo's SARIF samples: each is SARIF and ingests.
    fn corpus_sarif_samples_ingest() {
        let expect: &[(&str, &str, usize)] = &[
            ("scans/sarif/defectdojo/appendix_k.sarif", "CodeScanner", 1),
            ("scans/sarif/defectdojo/codeQL-output.sarif", "CodeQL", 72),
            ("scans/sarif/defectdojo/flawfinder.sarif", "Flawfinder", 54),
            // Eight leaks in history, at four places: the same secret at the
            // same line in several commits is one finding.
            ("scans/sarif/defectdojo/gitleaks_7.5.0.sarif", "Gitleaks", 4),
            ("scans/sarif/defectdojo/semgrepowasp-benchmark-sample.sarif", "semgrep", 1768),
            ("scans/sarif/defectdojo/suppression_test.sarif", "CodeScanner", 5),
            ("scans/sarif/trivy/alpine-310.sarif", "Trivy", 4),
        ];
        for (rel, tool, results) in expect {
            let scans = corpus_file(rel, "sarif");
            assert_eq!(scans.len(), 1, "{rel}");
            assert_eq!(scans[0].tool, *tool, "{rel}");
            assert_eq!(scans[0].results.len(), *results, "{rel}");
        }
        assert!(corpus_file("scans/sarif/defectdojo/no_runs.sarif", "sarif").is_empty());
    }
}

// ---- the 10^6 results SARIF log -------------------------------------------------------

/// A SARIF log of a million small results, written to a temporary file
/// one result at a time, ingests and counts right.
#[test]
fn a_million_sarif_results_ingest() {
    const N: usize = 1_000_000;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.sarif");
    {
        let file = std::fs::File::create(&path).expect("create");
        let mut w = std::io::BufWriter::new(file);
        w.write_all(br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Gen","rules":[{"id":"R0"},{"id":"R1","properties":{"tags":["external/cwe/cwe-079"]}},{"id":"R2"}]}},"results":["#)
            .expect("write");
        for i in 0..N {
            let sep = if i == 0 { "" } else { "," };
            let kind = if i % 10 == 0 { r#","kind":"pass""# } else { "" };
            write!(
                w,
                r#"{sep}{{"ruleId":"R{}"{kind},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"f"}},"region":{{"startLine":{}}}}}}}]}}"#,
                i % 3,
                i + 1
            )
            .expect("write");
        }
        w.write_all(b"]}]}\n").expect("write");
        w.flush().expect("flush");
    }
    let scans = ingest_as(&path, "sarif");
    assert_eq!(scans.len(), 1);
    let results = &scans[0].results;
    assert_eq!(results.len(), N);
    let c = counts(&scans);
    assert_eq!(c.get(&ScanResult::Pass), Some(&(N / 10)));
    assert_eq!(c.get(&ScanResult::Fail), Some(&(N - N / 10)));
    assert_eq!(results[1].target, "f:2");
    assert_eq!(results[1].rule_id, "R1");
    assert_eq!(results[1].refs.cwe, vec!["CWE-79"]);
    assert_eq!(results[N - 1].target, format!("f:{N}"));
}

// ---- Checkov ----------------------------------------------------------------------

/// MITRE's control id for a Checkov result: the check and the resource.
fn checkov_control(r: &RuleResult) -> String {
    let resource = r.target.rsplit(" > ").next().unwrap_or("");
    format!("{}\n{resource}", r.rule_id)
}

corpus_test! {
    /// The sample MITRE converted: the same passes and failures per
    /// (check, resource), and the summary's counts.
    fn corpus_checkov_sample_matches_mitre_and_its_summary() {
        let scans = corpus_file("scans/checkov/heimdall2/checkov_sample.json", "checkov");
        assert_eq!(scans.len(), 1);
        assert_eq!(scans[0].tool_version.as_deref(), Some("3.2.506"));
        stated_counts_hold(&scans);
        cross_check(
            &scans,
            "scans/checkov/heimdall2/hdf-output/checkov_sample-hdf.json",
            checkov_control,
            &[],
        );
    }
}

corpus_test! {
    /// Every Checkov sample ingests, one scan per report, with the counts
    /// its summary states.
    fn corpus_checkov_samples_equal_their_summaries() {
        for (rel, reports, results) in [
            ("scans/checkov/heimdall2/checkov_json.json", 1, 124),
            ("scans/checkov/defectdojo/checkov-report-multiple-check_type.json", 2, 28),
            ("scans/checkov/defectdojo/checkov-report-0-vuln.json", 1, 0),
        ] {
            let scans = corpus_file(rel, "checkov");
            assert_eq!(scans.len(), reports, "{rel}");
            assert_eq!(scans.iter().map(|s| s.results.len()).sum::<usize>(), results, "{rel}");
            assert!(scans.iter().all(|s| !s.stated.is_empty()), "{rel}");
            stated_counts_hold(&scans);
        }
    }
}

// ---- Trivy ------------------------------------------------------------------------

corpus_test! {
    /// Trivy's JSON in its three shapes: the current report with
    /// misconfigurations and secrets, the pre-0.20 list, and the
    /// Kubernetes report.
    fn corpus_trivy_samples_ingest() {
        let scans = corpus_file("scans/trivy/defectdojo/misconfigurations_and_secrets.json", "trivy");
        let rules: Vec<(&str, &str, ScanResult)> = scans[0]
            .results
            .iter()
            .map(|r| (r.target.as_str(), r.rule_id.as_str(), r.result))
            .collect();
        assert_eq!(
            rules,
            vec![
                ("requirements.txt > urllib3", "CVE-2021-33503", ScanResult::Fail),
                ("requirements.txt > urllib3", "CVE-2021-28363", ScanResult::Fail),
                ("Dockerfile", "DS002", ScanResult::Fail),
                ("Dockerfile:24", "github-pat", ScanResult::Fail),
                ("secret.txt:1", "github-pat", ScanResult::Fail),
            ]
        );
        let legacy = corpus_file("scans/trivy/defectdojo/legacy_many_vulns.json", "trivy");
        assert_eq!(legacy[0].results.len(), 93);
        assert!(legacy[0].results.iter().all(|r| r.result == ScanResult::Fail));
        let k8s = corpus_file("scans/trivy/defectdojo/kubernetes.json", "trivy");
        assert_eq!(counts(&k8s).get(&ScanResult::Fail), Some(&20));
        assert!(k8s[0].results.iter().any(|r| r.target == "default/Deployment/redis-follower"
            && r.rule_id == "KSV001"));
    }
}

corpus_test! {
    /// MITRE's Trivy sample is Trivy's ASFF output (`Findings[]`), which
    /// the ASFF reader reads: the Trivy JSON reader never claims it.
    fn corpus_trivy_asff_is_not_trivy_json() {
        let path = need(&corpus(), "scans/trivy/heimdall2/trivy-image_golang-1.12-alpine_sample.json");
        let bytes = head_of(&path);
        let head = Head::new(&bytes);
        let claimed = ingest::detect(&head).map(|r| r.name());
        assert_ne!(claimed, Some("trivy"));
        for name in ["sarif", "checkov", "trivy", "grype", "snyk", "twistlock"] {
            let reader = ingest::reader(name).expect("registered");
            assert!(!reader.detect(&head), "{name} claims Trivy's ASFF");
        }
    }
}

// ---- Grype ------------------------------------------------------------------------

corpus_test! {
    /// Grype's matches all fail, as in MITRE's conversion, but for the one
    /// MITRE skips for its unknown severity.
    fn corpus_grype_matches_mitre_but_for_unknown_severity() {
        let scans = corpus_file("scans/grype/heimdall2/anchore_grype.json", "grype");
        assert_eq!(scans[0].tool_version.as_deref(), Some("0.79.3"));
        cross_check(
            &scans,
            "scans/grype/heimdall2/hdf-output/anchore-grype-hdf.json",
            |r| format!("Grype/{}", r.rule_id),
            &[Difference {
                control: "Grype/CVE-2024-2511",
                mitre: "notchecked",
                ours: "fail",
                why: "MITRE skips a match whose severity is Unknown or Negligible for manual \
                      review; the package is still vulnerable, so we fail it (with no severity)",
            }],
        );
    }
}

// ---- Snyk -------------------------------------------------------------------------

corpus_test! {
    /// Snyk's vulnerabilities all fail, as in MITRE's conversion, but for
    /// the two critical ones MITRE gives impact 0.
    fn corpus_snyk_matches_mitre_but_for_critical_issues() {
        let scans = corpus_file("scans/snyk/heimdall2/nodejs-goof-local.json", "snyk");
        assert_eq!(scans.len(), 1);
        let why = "MITRE's Snyk mapper knows no `critical` severity and gives impact 0, which \
                   Heimdall shows as not applicable; the issue is open, so we fail it (critical)";
        cross_check(
            &scans,
            "scans/snyk/heimdall2/hdf-output/nodejs-goof-local-hdf.json",
            |r| r.rule_id.clone(),
            &[
                Difference {
                    control: "npm:adm-zip:20180415",
                    mitre: "notapplicable",
                    ours: "fail",
                    why,
                },
                Difference {
                    control: "SNYK-JS-HANDLEBARS-534988",
                    mitre: "notapplicable",
                    ours: "fail",
                    why,
                },
            ],
        );
    }
}

// ---- Twistlock --------------------------------------------------------------------

corpus_test! {
    /// twistcli's vulnerabilities all fail, as in MITRE's conversion, and
    /// as many as the distribution's total.
    fn corpus_twistlock_matches_mitre_and_its_totals() {
        let scans = corpus_file(
            "scans/twistlock/heimdall2/twistlock-twistcli-sample-1.json",
            "twistlock",
        );
        stated_counts_hold(&scans);
        cross_check(
            &scans,
            "scans/twistlock/heimdall2/hdf-output/twistlock-hdf.json",
            |r| r.rule_id.clone(),
            &[],
        );
    }
}
