//! `aegis ingest` and `aegis findings` end to end, on small HDF files made
//! here: state written once and only on change, drift between runs,
//! mapping through references, CCIs and the default, bad files beside
//! good ones, and scan freshness in the gate.

use crate::harness::{AS_OF, Aegis, Output};
use std::path::Path;

/// A repository with one system and a small SP 800-53 framework.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write(
        "aegis.yaml",
        "schema_version: 1\norganisation:\n  name: T\nsystems:\n  - id: app\n    name: App\n    frameworks:\n      - framework: nist-800-53-rev5\n",
    );
    write(
        "controls/nist-800-53-rev5/framework.yaml",
        "schema_version: 1\nid: nist-800-53-rev5\ntitle: SP 800-53\nversion: 5.0.1\ncontrols:\n  - id: ac-2\n    label: AC-2\n    title: Account Management\n  - id: ac-6.2\n    label: AC-6(2)\n    title: Non-privileged Access\n  - id: ra-5\n    label: RA-5\n    title: Vulnerability Monitoring\n  - id: cm-6\n    label: CM-6\n    title: Configuration Settings\n",
    );
    write(
        "controls/references/cci--nist-800-53-rev5.yaml",
        "schema_version: 1\nscheme: cci\nframework: nist-800-53-rev5\nmap:\n  CCI-000366: [CM-6]\n",
    );
    dir
}

/// One control of a made-up HDF file: id, status, NIST tags, CCI tags,
/// and the message (what the check saw).
type Control<'a> = (&'a str, &'a str, &'a [&'a str], &'a [&'a str], &'a str);

/// An HDF file with these controls.
fn hdf(controls: &[Control]) -> String {
    let items: Vec<String> = controls
        .iter()
        .map(|(id, status, nist, cci, actual)| {
            let q = |v: &[&str]| {
                v.iter()
                    .map(|s| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            format!(
                r#"{{"id":"{id}","title":"{id} title","impact":0.7,"tags":{{"nist":[{}],"cci":[{}]}},"results":[{{"status":"{status}","code_desc":"setting {id}","message":"{actual}","start_time":"2026-05-01T10:00:00Z"}}]}}"#,
                q(nist),
                q(cci)
            )
        })
        .collect();
    format!(
        r#"{{"platform":{{"name":"ubuntu","release":"22.04","target_id":"web-1"}},"version":"5.22.3","statistics":{{"duration":1.0}},"profiles":[{{"name":"baseline","version":"1.0.0","title":"Baseline","sha256":"00","supports":[],"attributes":[],"groups":[],"status":"loaded","controls":[{}]}}]}}"#,
        items.join(",")
    )
}

fn ingest(repo: &Path, files: &[&Path]) -> Output {
    Aegis::new()
        .arg("ingest")
        .args(files)
        .args(["--json", "--repo"])
        .arg(repo)
        .run()
}

fn state_files(repo: &Path) -> Vec<(String, Vec<u8>)> {
    let dir = repo.join("findings/app");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).expect("read"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn ingest_writes_state_once_and_reports_drift() {
    let repo = repo();
    let scans = tempfile::tempdir().expect("tempdir");
    let first = scans.path().join("first.json");
    std::fs::write(
        &first,
        hdf(&[
            (
                "root-login",
                "failed",
                &["AC-6(2)"],
                &[],
                "PermitRootLogin yes",
            ),
            ("accounts", "passed", &["AC-2"], &[], "ok"),
            ("settings", "failed", &[], &["CCI-000366"], "bad"),
            ("misc", "passed", &[], &[], "fine"),
        ]),
    )
    .expect("write");
    let out = ingest(repo.path(), &[&first]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = out.json();
    let source = &report["sources"][0];
    assert_eq!(source["findings"], 4, "{report}");
    assert_eq!(
        source["drift"]["new_failures"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(source["mapped_by"]["references"], 2);
    assert_eq!(source["mapped_by"]["cci"], 1);
    assert_eq!(source["mapped_by"]["unmapped"], 1);
    let state = state_files(repo.path());
    assert_eq!(state.len(), 1, "{state:?}");
    let text = String::from_utf8_lossy(&state[0].1).into_owned();
    assert!(text.contains("nist-800-53-rev5:AC-6(2)"), "{text}");
    assert!(text.contains("nist-800-53-rev5:CM-6"), "{text}");
    // The state passes validation.
    let v = Aegis::new()
        .args(["validate", "--as-of", AS_OF, "--format", "json", "--repo"])
        .arg(repo.path())
        .run();
    assert_eq!(v.diagnostics(), vec![], "{}", v.stdout);

    // The same file again: not one byte changes.
    let again = ingest(repo.path(), &[&first]);
    assert_eq!(again.code, 0);
    assert_eq!(again.json()["sources"][0]["files"][0][1], false);
    assert_eq!(state_files(repo.path()), state);

    // A later scan: root login fixed, settings still failing, accounts now fails.
    let second = scans.path().join("second.json");
    std::fs::write(
        &second,
        hdf(&[
            (
                "root-login",
                "passed",
                &["AC-6(2)"],
                &[],
                "PermitRootLogin no",
            ),
            ("accounts", "failed", &["AC-2"], &[], "stale account"),
            ("settings", "failed", &[], &["CCI-000366"], "bad"),
            ("misc", "passed", &[], &[], "fine"),
        ]),
    )
    .expect("write");
    let out = ingest(repo.path(), &[&second]);
    let d = &out.json()["sources"][0]["drift"];
    let rules = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| k[1].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(rules(&d["fixed"]), vec!["root-login"]);
    assert_eq!(rules(&d["new_failures"]), vec!["accounts"]);
    assert_eq!(rules(&d["still_failing"]), vec!["settings"]);
    let human = Aegis::new()
        .arg("ingest")
        .arg(&first)
        .args(["--repo"])
        .arg(repo.path())
        .run();
    assert!(
        human.stderr.contains("reopened (1): root-login"),
        "{}",
        human.stderr
    );
}

#[test]
fn findings_summarises_per_control_as_its_contract_says() {
    let repo = repo();
    let scans = tempfile::tempdir().expect("tempdir");
    let file = scans.path().join("scan.json");
    std::fs::write(
        &file,
        hdf(&[
            ("a", "failed", &["AC-2"], &[], "x"),
            ("b", "passed", &["AC-2"], &[], "y"),
            ("c", "failed", &["RA-5"], &[], "z"),
        ]),
    )
    .expect("write");
    assert_eq!(ingest(repo.path(), &[&file]).code, 0);
    let out = Aegis::new()
        .args(["findings", "--format", "json", "--repo"])
        .arg(repo.path())
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["version"], 1);
    assert_eq!(j["findings"], 3);
    assert_eq!(j["results"]["fail"], 2);
    assert_eq!(j["results"]["notchecked"], 0);
    assert_eq!(j["by_control"]["AC-2"]["fail"], 1);
    assert_eq!(j["by_control"]["AC-2"]["pass"], 1);
    let only = Aegis::new()
        .args([
            "findings",
            "--format",
            "json",
            "--control",
            "ac-2",
            "--result",
            "fail",
            "--repo",
        ])
        .arg(repo.path())
        .run();
    assert_eq!(only.json()["findings"], 1);
}

#[test]
fn a_bad_file_is_reported_and_the_others_are_ingested() {
    let repo = repo();
    let scans = tempfile::tempdir().expect("tempdir");
    let good = scans.path().join("good.json");
    std::fs::write(&good, hdf(&[("a", "failed", &["AC-2"], &[], "x")])).expect("write");
    let garbage = scans.path().join("garbage.bin");
    std::fs::write(&garbage, [0u8, 159, 146, 150, 255, 0, 1]).expect("write");
    let empty = scans.path().join("empty.json");
    std::fs::write(&empty, "").expect("write");
    let bomb = scans.path().join("bomb.xml");
    std::fs::write(
        &bomb,
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>\n<Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.2\">&lol2;</Benchmark>\n",
    )
    .expect("write");
    let out = ingest(repo.path(), &[&garbage, &good, &empty, &bomb]);
    assert_eq!(out.code, 2);
    let j = out.json();
    let errors: Vec<&str> = j["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["error"].as_str())
        .collect();
    assert_eq!(errors.len(), 3, "{j}");
    assert!(errors.iter().any(|e| e.contains("garbage.bin")));
    assert!(errors.iter().any(|e| e.contains("empty")));
    assert_eq!(j["sources"][0]["findings"], 1);
    assert_eq!(state_files(repo.path()).len(), 1);
}

#[test]
fn a_system_not_scanned_within_its_interval_fails_the_gate() {
    let repo = repo();
    let config = repo.path().join("aegis.yaml");
    let mut text = std::fs::read_to_string(&config).expect("read");
    // The gaps of this bare repository are not what this test is about.
    text.push_str("    scan_interval: 30d\ngate:\n  thresholds:\n    - min_coverage: 0\n");
    std::fs::write(&config, &text).expect("write");
    let check = |as_of: &str| {
        Aegis::new()
            .args(["check", "--as-of", as_of, "--format", "json", "--repo"])
            .arg(repo.path())
            .run()
    };
    // Never scanned.
    let out = check("2026-05-10");
    assert_eq!(out.codes(), vec!["scan-stale".to_string()]);
    let scans = tempfile::tempdir().expect("tempdir");
    let file = scans.path().join("scan.json");
    std::fs::write(&file, hdf(&[("a", "passed", &["AC-2"], &[], "x")])).expect("write");
    assert_eq!(ingest(repo.path(), &[&file]).code, 0);
    // Scanned on 2026-05-01: fresh on the 10th, stale a month later.
    assert_eq!(check("2026-05-10").code, 0);
    let late = check("2026-06-15");
    assert_eq!(late.code, 1);
    assert_eq!(late.codes(), vec!["scan-stale".to_string()]);
}

#[test]
fn xml_in_latin_1_is_read_and_utf_16_is_refused_clearly() {
    let repo = repo();
    let scans = tempfile::tempdir().expect("tempdir");
    let latin1 = scans.path().join("old.nessus");
    let mut bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<NessusClientData_v2><Report name=\"r\"><ReportHost name=\"h\"><ReportItem port=\"0\" svc_name=\"general\" protocol=\"tcp\" severity=\"2\" pluginID=\"10\" pluginName=\"Caf".to_vec();
    bytes.push(0xe9);
    bytes.extend_from_slice(b" check\" pluginFamily=\"General\"><risk_factor>Medium</risk_factor></ReportItem></ReportHost></Report></NessusClientData_v2>\n");
    std::fs::write(&latin1, &bytes).expect("write");
    let utf16 = scans.path().join("wide.xml");
    std::fs::write(&utf16, [0xff, 0xfe, b'<', 0, b'a', 0, b'/', 0, b'>', 0]).expect("write");
    let out = ingest(repo.path(), &[&latin1, &utf16]);
    assert_eq!(out.code, 2);
    let j = out.json();
    assert_eq!(j["files"][0]["format"], "nessus", "{j}");
    assert!(
        j["files"][1]["error"]
            .as_str()
            .is_some_and(|e| e.contains("UTF-16")),
        "{j}"
    );
    let state = state_files(repo.path());
    assert!(String::from_utf8_lossy(&state[0].1).contains("Café check"));
}
