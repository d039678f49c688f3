//! The SCAP-family scan readers (`hdf`, `xccdf`, `arf`, `ckl`) on real
//! files: MITRE's, OpenSCAP's and DISA's samples from `$AEGIS_CORPUS`,
//! read at run time and never copied here. Each file's counts are checked
//! against what its producer states or against MITRE's reading of the same
//! scan (Heimdall's status rules, `common::hdf`). Listed as ignored, with
//! the reason, when the corpus is unset (build.rs).

mod common;
use aegis::ingest::{self, RuleResult, Scan, ScanResult, Severity};
use common::{corpus, hdf, need};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Reads `path`, checking the format it was detected as.
fn read(path: &Path, format: &str) -> Vec<Scan> {
    let (reader, scans) =
        ingest::read_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(reader.name(), format, "{} detected as", path.display());
    for s in &scans {
        assert_eq!(s.format, format);
    }
    scans
}

fn one(path: &Path, format: &str) -> Scan {
    let mut scans = read(path, format);
    assert_eq!(scans.len(), 1, "{}: one run", path.display());
    scans.remove(0)
}

fn counts(results: &[RuleResult]) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for r in results {
        *out.entry(r.result.as_str()).or_default() += 1;
    }
    out
}

fn counts_by_nist(results: &[RuleResult]) -> BTreeMap<String, BTreeMap<&'static str, usize>> {
    let mut out: BTreeMap<String, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for r in results {
        for n in &r.refs.nist {
            *out.entry(n.clone())
                .or_default()
                .entry(r.result.as_str())
                .or_default() += 1;
        }
    }
    out
}

fn assert_unique_ids(path: &Path, results: &[RuleResult]) {
    let mut seen = std::collections::HashSet::new();
    for r in results {
        assert!(
            seen.insert((&r.target, &r.rule_id)),
            "{}: {} reported twice",
            path.display(),
            r.rule_id
        );
    }
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    v.sort();
    v
}

// ---- hdf ----------------------------------------------------------------------

/// Every HDF file of the corpus, converted ones included.
fn hdf_files(root: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for d in ["scans/hdf/saf", "scans/hdf/heimdall2"] {
        v.extend(files(&root.join(d), "json"));
    }
    // MITRE's conversions of every other scanner's samples are HDF too.
    let scans = root.join("scans");
    for kind in std::fs::read_dir(&scans).expect("scans").flatten() {
        for origin in std::fs::read_dir(kind.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let out = origin.path().join("hdf-output");
            if out.is_dir() {
                v.extend(files(&out, "json"));
            }
        }
    }
    v.sort();
    assert!(v.len() >= 22, "HDF files in the corpus: {v:?}");
    v
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_hdf_counts_match_heimdall() {
    let root = corpus();
    for path in hdf_files(&root) {
        let scan = one(&path, "hdf");
        assert_unique_ids(&path, &scan.results);
        let ours = counts(&scan.results);
        let theirs = hdf::counts(&path);
        assert_eq!(ours, theirs, "{}: counts by status", path.display());
        assert_eq!(
            counts_by_nist(&scan.results),
            hdf::counts_by_nist(&path),
            "{}: counts by NIST tag",
            path.display()
        );
        // Each control's own status, not only the totals.
        let mitre = hdf::controls(&path);
        for r in &scan.results {
            let (status, _) = mitre
                .get(&r.rule_id)
                .unwrap_or_else(|| panic!("{}: {} not in MITRE's", path.display(), r.rule_id));
            assert_eq!(
                r.result.as_str(),
                *status,
                "{}: {}",
                path.display(),
                r.rule_id
            );
        }
    }
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_hdf_details() {
    let root = corpus();
    // A control whose only passing result raised an exception is an error.
    let scan = one(&need(&root, "scans/hdf/saf/red_hat_good.json"), "hdf");
    let r = by_id(&scan, "V-71943");
    assert_eq!(r.result, ScanResult::Error);
    assert!(
        r.message
            .as_deref()
            .is_some_and(|m| m.starts_with("NameError"))
    );
    assert_eq!(r.refs.nist, vec!["AC-7 a", "AC-7 b"]);
    assert_eq!(
        r.refs.cci,
        vec!["CCI-000044", "CCI-002236", "CCI-002237", "CCI-002238"]
    );
    assert!(r.refs.other.contains(&("stig".into(), "V-71943".into())));
    assert!(
        r.refs
            .other
            .contains(&("stig-id".into(), "RHEL-07-010320".into()))
    );
    assert_eq!(scan.tool, "InSpec");
    assert_eq!(scan.tool_version.as_deref(), Some("4.18.104"));
    assert_eq!(
        scan.profile.as_deref(),
        Some("Red Hat Enterprise Linux 7 STIG")
    );

    // STIG Viewer severity overrides carried as tags.
    let scan = one(
        &need(&root, "scans/hdf/saf/RHEL7_overrides_hdf.json"),
        "hdf",
    );
    let r = by_id(&scan, "V-71855");
    assert_eq!(r.severity, Some(Severity::Medium));
    assert_eq!(
        r.overridden.as_deref(),
        Some("severity low overridden to medium: This system is not important")
    );
    let r = by_id(&scan, "V-71859");
    assert_eq!(r.result, ScanResult::Fail);
    assert_eq!(r.severity, Some(Severity::Critical));
    assert_eq!(
        r.observed[0].actual.as_deref(),
        Some("expected: \"true\"\n     got: \"\"\n(compared using `cmp` matcher)")
    );

    // The target InSpec names.
    let scan = one(&need(&root, "scans/hdf/saf/rhel-8_hardened.json"), "hdf");
    assert!(
        scan.results
            .iter()
            .all(|r| r.target == "7cc1d93b-bfd7-5824-a240-129577555e24")
    );
    assert_eq!(scan.tool_version.as_deref(), Some("6.6.0"));
    assert!(scan.time.is_some());

    // A converted file.
    let scan = one(
        &need(&root, "scans/hdf/heimdall2/xccdf-openscap-rhel8-hdf.json"),
        "hdf",
    );
    assert_eq!(scan.tool, "Heimdall Tools");
    assert!(scan.results.iter().all(|r| r.target.is_empty()));
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_hdf_three_layer_overlay_is_one_result_per_control() {
    let root = corpus();
    let path = need(&root, "scans/hdf/heimdall2/example-3-layer-overlay.json");
    let scan = one(&path, "hdf");
    // 247 controls restated in three profiles, run once.
    assert_eq!(scan.results.len(), 247);
    assert_eq!(
        scan.profile.as_deref(),
        Some(
            "second-layer-example-inspec-overlay-profile-against-1st-layer-example-inspec-overlay-profile"
        )
    );
    assert_eq!(counts(&scan.results), hdf::counts(&path));
}

fn by_id<'a>(scan: &'a Scan, id: &str) -> &'a RuleResult {
    scan.results
        .iter()
        .find(|r| r.rule_id == id)
        .unwrap_or_else(|| panic!("{id} missing"))
}

/// SAF's status words for our results.
fn saf_status(r: ScanResult) -> &'static str {
    match r {
        ScanResult::Pass => "passed",
        ScanResult::Fail => "failed",
        ScanResult::Notchecked => "skipped",
        ScanResult::Notapplicable => "no_impact",
        _ => "error",
    }
}

fn saf_severity(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::Critical) => "critical",
        Some(Severity::High) => "high",
        Some(Severity::Medium) => "medium",
        Some(Severity::Low) => "low",
        _ => "none",
    }
}

/// The thresholds a SAF threshold file sets that `scan` breaks, as
/// `status.severity.min|max` paths (`saf validate threshold`'s reading:
/// counts of controls by status and Heimdall severity, `total` over all
/// severities, and compliance as the rounded share of passes among
/// passes, failures, not reviewed and errors).
fn broken_thresholds(scan: &Scan, thresholds: &serde_json::Value) -> Vec<String> {
    let mut n: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for r in &scan.results {
        let s = saf_status(r.result);
        *n.entry((s, saf_severity(r.severity))).or_default() += 1;
        *n.entry((s, "total")).or_default() += 1;
    }
    let get = |s: &str, sev: &str| n.get(&(s, sev)).copied().unwrap_or(0);
    let judged = get("passed", "total")
        + get("failed", "total")
        + get("skipped", "total")
        + get("error", "total");
    let compliance = if judged == 0 {
        0
    } else {
        ((100 * get("passed", "total")) as f64 / judged as f64).round() as i64
    };
    let mut broken = Vec::new();
    let obj = thresholds.as_object().expect("a mapping");
    for (status, v) in obj {
        let check =
            |path: String, actual: i64, limits: &serde_json::Value, out: &mut Vec<String>| {
                if let Some(min) = limits["min"].as_i64()
                    && actual < min
                {
                    out.push(format!("{path}.min"));
                }
                if let Some(max) = limits["max"].as_i64()
                    && actual > max
                {
                    out.push(format!("{path}.max"));
                }
            };
        if status == "compliance" {
            check(status.clone(), compliance, v, &mut broken);
            continue;
        }
        for (sev, limits) in v.as_object().expect("severities") {
            check(
                format!("{status}.{sev}"),
                get(status, sev),
                limits,
                &mut broken,
            );
        }
    }
    broken
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_hdf_meets_the_saf_thresholds_stated_for_it() {
    let root = corpus();
    let dir = root.join("scans/hdf/saf/thresholds");
    let mut checked = 0;
    for t in files(&dir, "yml") {
        let name = t.file_name().and_then(|n| n.to_str()).expect("name");
        let stem = name.split('.').next().expect("stem");
        let hdf = need(&root, &format!("scans/hdf/saf/{stem}.json"));
        let text = std::fs::read_to_string(&t).expect("read thresholds");
        let thresholds: serde_json::Value =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let scan = one(&hdf, "hdf");
        let broken = broken_thresholds(&scan, &thresholds);
        if name.contains(".bad.") {
            // SAF's own negative sample: it sets at most 2 high-severity
            // not-applicable controls where the scan has 3.
            assert_eq!(broken, vec!["no_impact.high.max"], "{name}");
        } else {
            assert!(broken.is_empty(), "{name}: broken {broken:?}");
        }
        checked += 1;
    }
    assert_eq!(checked, 3);
}

// ---- xccdf and arf ----------------------------------------------------------------

/// Our word for an XCCDF result word.
fn xccdf_word(word: &str) -> &'static str {
    match word {
        "pass" | "fixed" => "pass",
        "fail" => "fail",
        "error" | "unknown" => "error",
        "notapplicable" | "notselected" => "notapplicable",
        "notchecked" => "notchecked",
        "informational" => "informational",
        other => panic!("not an XCCDF result: {other}"),
    }
}

/// The `<result>` words of a file's rule-results, counted from its text
/// (not through an XML parser), and the number of rule-results.
fn result_words(path: &Path) -> (BTreeMap<&'static str, usize>, usize) {
    let text = std::fs::read_to_string(path).expect("read");
    let mut words = BTreeMap::new();
    let mut rule_results = 0;
    for seg in text.split('<') {
        let name_end = seg.find(['>', ' ', '\n', '\t', '/']).unwrap_or(seg.len());
        let name = &seg[..name_end];
        let local = name.rsplit(':').next().unwrap_or(name);
        if local == "rule-result" {
            rule_results += 1;
        } else if local == "result" && seg[name_end..].starts_with('>') {
            *words
                .entry(xccdf_word(seg[name_end + 1..].trim()))
                .or_default() += 1;
        }
    }
    (words, rule_results)
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_xccdf_and_arf_counts_equal_the_files_own_results() {
    let root = corpus();
    for (rel, format) in [
        (
            "scans/xccdf/heimdall2/xccdf-results-openscap-rhel7.xml",
            "xccdf",
        ),
        (
            "scans/xccdf/heimdall2/xccdf-results-openscap-rhel8.xml",
            "xccdf",
        ),
        ("scans/xccdf/heimdall2/xccdf-results-scc-rhel7.xml", "xccdf"),
        ("scans/xccdf/defectdojo/many_vuln_rhsa.xml", "xccdf"),
        (
            "scans/xccdf/openscap/rds_testresult-results-xccdf.xml",
            "xccdf",
        ),
        ("scans/xccdf/openscap/rds_index_simple-arf.xml", "arf"),
    ] {
        let path = need(&root, rel);
        let scan = one(&path, format);
        assert_unique_ids(&path, &scan.results);
        let (words, rule_results) = result_words(&path);
        // One rule-result per rule in these files.
        assert_eq!(scan.results.len(), rule_results, "{rel}: results");
        assert_eq!(counts(&scan.results), words, "{rel}: counts by result");
        assert!(
            scan.results.iter().all(|r| !r.target.is_empty()),
            "{rel}: every result names its target"
        );
    }
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_xccdf_matches_mitres_conversion_of_the_same_scan() {
    let root = corpus();
    let path = need(
        &root,
        "scans/xccdf/heimdall2/xccdf-results-openscap-rhel8.xml",
    );
    let hdf_path = need(&root, "scans/hdf/heimdall2/xccdf-openscap-rhel8-hdf.json");
    let scan = one(&path, "xccdf");
    let mitre = hdf::controls(&hdf_path);
    assert_eq!(counts(&scan.results), hdf::counts(&hdf_path));
    assert_eq!(scan.results.len(), mitre.len());
    for r in &scan.results {
        let (status, _) = mitre
            .get(&r.rule_id)
            .unwrap_or_else(|| panic!("{} not in MITRE's conversion", r.rule_id));
        // MITRE gives informational rules impact 0: not applicable.
        let ours = match r.result {
            ScanResult::Informational => "notapplicable",
            other => other.as_str(),
        };
        assert_eq!(ours, *status, "{}", r.rule_id);
    }
    // NIST tags in MITRE's conversion come from the CCIs through DISA's
    // list; the file itself carries CCIs only, which are kept as such.
    assert!(
        scan.results
            .iter()
            .all(|r| r.refs.nist.is_empty() && !r.refs.cci.is_empty())
    );
    let r = by_id(&scan, "xccdf_mil.disa.stig_rule_SV-230221r743913_rule");
    assert_eq!(r.result, ScanResult::Pass);
    assert_eq!(r.severity, Some(Severity::High));
    assert_eq!(r.target, "localhost");
    assert_eq!(
        r.title.as_deref(),
        Some("RHEL 8 must be a vendor-supported release.")
    );
    for want in [
        ("stig", "V-230221"),
        ("stig-rule", "SV-230221r743913_rule"),
        ("stig-id", "RHEL-08-010000"),
        ("srg", "SRG-OS-000480-GPOS-00227"),
    ] {
        assert!(
            r.refs.other.contains(&(want.0.into(), want.1.into())),
            "{want:?}"
        );
    }
    assert_eq!(scan.tool, "OpenSCAP");
    assert_eq!(scan.tool_version.as_deref(), Some("1.3.5"));
    assert_eq!(scan.time.as_deref(), Some("2021-11-12T11:37:31-05:00"));

    // DISA's SCC.
    let scc = one(
        &need(&root, "scans/xccdf/heimdall2/xccdf-results-scc-rhel7.xml"),
        "xccdf",
    );
    assert_eq!(scc.tool, "SCC");
    assert_eq!(scc.tool_version.as_deref(), Some("5.4"));
    assert_eq!(
        scc.profile.as_deref(),
        Some("xccdf_mil.disa.stig_profile_MAC-1_Classified")
    );
    assert!(scc.results.iter().all(|r| r.target == "LOCKDOWN"));
}

/// MITRE's HDF-to-XCCDF converter's result for an HDF control
/// (`getXCCDFResult`), in our words (`unknown` is an error).
fn reverse_mapped(control: &serde_json::Value) -> &'static str {
    let results = control["results"].as_array().cloned().unwrap_or_default();
    let status = |r: &serde_json::Value| r["status"].as_str().unwrap_or("").to_string();
    // A backtrace is `error`, a missing status `unknown`: both our error.
    if results
        .iter()
        .any(|r| !r["backtrace"].is_null() || status(r).is_empty())
    {
        "error"
    } else if results.iter().all(|r| status(r) == "passed") {
        "pass"
    } else if results.iter().all(|r| status(r) == "skipped") {
        "notchecked"
    } else if results.iter().any(|r| status(r) == "failed") {
        "fail"
    } else {
        "error"
    }
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_xccdf_from_an_overlay_is_one_result_per_rule() {
    // MITRE's converter wrote one rule-result per rule per overlay layer
    // (the two outer layers, with no results, as `pass`): the rule's
    // result is the worst of them, which is the converter's result for the
    // control that ran.
    let root = corpus();
    let path = need(
        &root,
        "scans/xccdf/heimdall2/example-3-layer-overlay-xccdf-results.xml",
    );
    let source = need(&root, "scans/hdf/heimdall2/example-3-layer-overlay.json");
    let scan = one(&path, "xccdf");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&source).expect("read")).expect("json");
    let mut expected: BTreeMap<String, &'static str> = BTreeMap::new();
    for p in doc["profiles"].as_array().expect("profiles") {
        for c in p["controls"].as_array().expect("controls") {
            if c["results"].as_array().is_some_and(|r| !r.is_empty()) {
                let rid = c["tags"]["rid"].as_str().expect("rid");
                expected.insert(format!("xccdf_hdf_rule_{rid}"), reverse_mapped(c));
            }
        }
    }
    assert_eq!(scan.results.len(), 247);
    assert_eq!(scan.results.len(), expected.len());
    for r in &scan.results {
        assert_eq!(r.result.as_str(), expected[&r.rule_id], "{}", r.rule_id);
    }
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_arf_results_take_their_asset_and_rule_definitions() {
    let root = corpus();
    let scan = one(
        &need(&root, "scans/xccdf/openscap/rds_index_simple-arf.xml"),
        "arf",
    );
    // OpenSCAP's sample evaluated no profile: every rule is notselected.
    assert_eq!(scan.results.len(), 395);
    assert_eq!(
        counts(&scan.results),
        BTreeMap::from([("notapplicable", 395)])
    );
    assert!(
        scan.results
            .iter()
            .all(|r| r.target == "some.target.somewhere.org" && r.title.is_some())
    );
    assert!(scan.results.iter().all(|r| r.observed.is_empty()));
    assert_eq!(
        scan.id.as_deref(),
        Some("xccdf_org.open-scap_testresult_default-profile")
    );
    let r = by_id(&scan, "xccdf_cdf_rule_rule-2.1.1.1.1.a");
    assert_eq!(
        r.title.as_deref(),
        Some("Ensure that /tmp has its own partition or logical volume")
    );
    assert!(r.refs.cce.iter().all(|c| c.starts_with("CCE-")));
}

// ---- ckl ---------------------------------------------------------------------------

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_ckl_matches_its_stated_counts_and_mitres_conversion() {
    let root = corpus();
    for rel in [
        "scans/ckl/heimdall2/RHEL8V1R3.ckl",
        "scans/ckl/heimdall2/small_ckl_overrides.ckl",
    ] {
        let path = need(&root, rel);
        let scan = one(&path, "ckl");
        assert_unique_ids(&path, &scan.results);
        // The checklist's own statuses, counted, are its stated counts.
        let stated: BTreeMap<&str, usize> =
            scan.stated.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(counts(&scan.results), stated, "{rel}");
        assert_eq!(scan.tool, "DISA STIG Viewer");
        // Checklists carry CCIs, never NIST references.
        assert!(scan.results.iter().all(|r| r.refs.nist.is_empty()));
    }

    let path = need(&root, "scans/ckl/heimdall2/RHEL8V1R3.ckl");
    let hdf_path = need(
        &root,
        "scans/ckl/heimdall2/hdf-output/checklist-RHEL8V1R3-hdf.json",
    );
    let scan = one(&path, "ckl");
    assert_eq!(scan.results.len(), 379);
    assert_eq!(counts(&scan.results), hdf::counts(&hdf_path));
    assert_eq!(
        scan.profile.as_deref(),
        Some(
            "Red Hat Enterprise Linux 8 Security Technical Implementation Guide :: Version 1, Release: 3 Benchmark Date: 23 Jul 2021"
        )
    );
    let mitre = hdf::controls(&hdf_path);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&hdf_path).expect("read")).expect("json");
    let severities: BTreeMap<&str, &str> = doc["profiles"][0]["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().expect("id"),
                c["tags"]["severity"].as_str().expect("severity"),
            )
        })
        .collect();
    for r in &scan.results {
        assert_eq!(r.result.as_str(), mitre[&r.rule_id].0, "{}", r.rule_id);
        assert_eq!(
            r.severity.map(Severity::as_str),
            Some(severities[r.rule_id.as_str()]),
            "{}",
            r.rule_id
        );
        assert!(!r.refs.cci.is_empty(), "{}", r.rule_id);
    }

    let scan = one(
        &need(&root, "scans/ckl/heimdall2/small_ckl_overrides.ckl"),
        "ckl",
    );
    assert_eq!(scan.tool_version.as_deref(), Some("2.17"));
    let overridden: Vec<(&str, Option<Severity>)> = scan
        .results
        .iter()
        .filter(|r| r.overridden.is_some())
        .map(|r| (r.rule_id.as_str(), r.severity))
        .collect();
    assert_eq!(
        overridden,
        vec![
            ("V-257777", Some(Severity::Medium)),
            ("V-257778", Some(Severity::Low)),
            ("V-257779", Some(Severity::High)),
        ]
    );
    let r = by_id(&scan, "V-257777");
    assert_eq!(r.result, ScanResult::Notapplicable);
    assert_eq!(
        r.overridden.as_deref(),
        Some("severity high overridden to medium: Testing both N/A and overidden")
    );
}

// ---- bad input ------------------------------------------------------------------

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

#[test]
fn bad_input_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let err = |p: &Path| match ingest::read_path(p) {
        Ok((r, _)) => panic!("{} read as {}", p.display(), r.name()),
        Err(e) => e,
    };
    let p = write(d, "empty.xml", b"");
    assert!(matches!(err(&p), ingest::IngestError::Empty { .. }));
    let p = write(d, "blank.json", b"  \n\t ");
    assert!(matches!(err(&p), ingest::IngestError::Empty { .. }));
    let p = write(
        d,
        "garbage.ckl",
        &[0xff, 0xfe, 0x00, 0x9c, 0x42, 0x00, 0xc3],
    );
    assert!(matches!(err(&p), ingest::IngestError::Unrecognised { .. }));
    let p = write(
        d,
        "other.xml",
        b"<Benchmark xmlns=\"urn:not-xccdf\"><TestResult/></Benchmark>",
    );
    assert!(matches!(err(&p), ingest::IngestError::Unrecognised { .. }));
    let p = write(d, "other.json", br#"{"version": "2.1.0", "items": []}"#);
    assert!(matches!(err(&p), ingest::IngestError::Unrecognised { .. }));
    let p = write(
        d,
        "entities.ckl",
        b"<?xml version=\"1.0\"?>\n<!DOCTYPE CHECKLIST [<!ENTITY x \"y\">]>\n<CHECKLIST>&x;</CHECKLIST>",
    );
    assert!(matches!(err(&p), ingest::IngestError::XmlEntities { .. }));

    // Each format cut short: an error naming the file, the format and a line.
    for (name, text, format) in [
        (
            "cut.json",
            "{\"platform\": {}, \"profiles\": [{\"name\": \"p\", \"controls\": [{\"id\": \"C\",\n",
            "hdf",
        ),
        (
            "cut.xml",
            "<Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.2\" id=\"b\">\n<TestResult id=\"t\">\n",
            "xccdf",
        ),
        (
            "cut-arf.xml",
            "<arf:asset-report-collection xmlns:arf=\"http://scap.nist.gov/schema/asset-reporting-format/1.1\">\n<arf:reports>\n",
            "arf",
        ),
        ("cut.ckl", "<CHECKLIST>\n<ASSET>\n", "ckl"),
        (
            "cut.cklb",
            "{\"title\": \"x\", \"stigs\": [{\"stig_name\": \"S\", \"rules\": [\n",
            "ckl",
        ),
    ] {
        let p = write(d, name, text.as_bytes());
        match err(&p) {
            ingest::IngestError::Malformed {
                path,
                format: f,
                line: Some(_),
                ..
            } => {
                assert_eq!(path, p);
                assert_eq!(f, format, "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_samples_cut_in_half_are_refused() {
    let root = corpus();
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, format) in [
        ("scans/hdf/saf/red_hat_good.json", "hdf"),
        ("scans/xccdf/heimdall2/xccdf-results-scc-rhel7.xml", "xccdf"),
        ("scans/xccdf/openscap/rds_index_simple-arf.xml", "arf"),
        ("scans/ckl/heimdall2/RHEL8V1R3.ckl", "ckl"),
    ] {
        let bytes = std::fs::read(need(&root, rel)).expect("read");
        let p = write(dir.path(), "half", &bytes[..bytes.len() / 2]);
        match ingest::read_path(&p) {
            Err(ingest::IngestError::Malformed {
                format: f,
                line: Some(_),
                ..
            }) => assert_eq!(f, format, "{rel}"),
            Err(other) => panic!("{rel}: {other}"),
            Ok(_) => panic!("{rel}: half a file was read"),
        }
    }
}
