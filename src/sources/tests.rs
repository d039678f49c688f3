// Tests unwrap freely: a panic is the failure report.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::model::Framework;
use std::collections::HashSet;
use std::path::PathBuf;

/// The corpus root. Corpus tests are ignored (and say why) unless
/// AEGIS_CORPUS was set when they were built (see build.rs); running them
/// anyway without it is a mistake worth failing on.
fn corpus() -> PathBuf {
    match std::env::var_os("AEGIS_CORPUS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!(
            "AEGIS_CORPUS is not set: point it at the real-data corpus (`.ci/fetch-corpus DIR` fetches it)"
        ),
    }
}

fn corpus_file(root: &Path, rel: &str) -> PathBuf {
    let p = root.join(rel);
    assert!(p.is_file(), "corpus file missing: {}", p.display());
    p
}

/// What every produced framework must satisfy.
fn check(fw: &Framework) {
    assert!(
        common::is_framework_id(fw.id.as_str()),
        "bad framework id {}",
        fw.id
    );
    let mut ids = HashSet::new();
    for c in &fw.controls {
        assert!(ids.insert(c.id.as_str()), "duplicate control id {}", c.id);
        assert!(
            !c.id
                .as_str()
                .chars()
                .any(|ch| ch.is_whitespace() || ch == ':'),
            "bad control id {:?}",
            c.id
        );
        assert!(!c.title.is_empty(), "empty title for {}", c.id);
    }
    let groups: HashSet<&str> = fw.groups.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(groups.len(), fw.groups.len(), "duplicate group ids");
    for c in &fw.controls {
        if let Some(g) = &c.group {
            assert!(groups.contains(g.as_str()), "{} in unknown group {g}", c.id);
        }
    }
    for b in &fw.baselines {
        for c in &b.controls {
            assert!(
                ids.contains(c.as_str()),
                "baseline {} names unknown {c}",
                b.id
            );
        }
    }
    let json = serde_json::to_string(fw).unwrap();
    let back: Framework = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, fw, "serde_json round trip changed the framework");
    // What the native writer will write must pass the framework schema.
    static VALIDATOR: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        jsonschema::validator_for(&crate::schema::Kind::Framework.schema()).unwrap()
    });
    let value = serde_json::to_value(fw).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}: schema errors: {errors:#?}", fw.id);
}

fn control<'a>(fw: &'a Framework, id: &str) -> &'a crate::model::Control {
    fw.controls
        .iter()
        .find(|c| c.id.as_str() == id)
        .unwrap_or_else(|| panic!("no control {id}"))
}

fn props<'a>(c: &'a crate::model::Control, name: &str) -> Vec<&'a str> {
    c.props
        .iter()
        .filter(|p| p.name == name)
        .map(|p| p.value.as_str())
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn detect_by_content() {
    assert_eq!(detect(b"PK\x03\x04rest"), Some(Format::Xlsx));
    assert_eq!(
        detect(br#"{"Framework": "X", "Requirements": []}"#),
        Some(Format::Prowler)
    );
    assert_eq!(
        detect(br#"{"framework": "X", "requirements": []}"#),
        Some(Format::Prowler)
    );
    assert_eq!(detect(br#"{"catalog": {}}"#), None);
    assert_eq!(
        detect(b"urn: x\nobjects:\n  framework:\n    requirement_nodes:\n"),
        Some(Format::CisoAssistant)
    );
    assert_eq!(
        detect(b"id: x\ncontrols:\n  - id: a\n"),
        Some(Format::ComplianceAsCode)
    );
    assert_eq!(
        detect(b"Control ID,Title\nAC-1,Policy\n"),
        Some(Format::Csv)
    );
    assert_eq!(detect(b"<?xml version='1.0'?><a/>"), None);
    assert_eq!(detect(b"title: Foo, Bar\nitems: []\n"), None);
    assert_eq!(detect(b"objects:\n  requirement_mapping_sets: []\n"), None);
    // A prefix cut inside a multi-byte character still detects.
    let mut cut = "Id,Title\nA-1,Caf\u{e9}".as_bytes().to_vec();
    cut.pop();
    assert_eq!(detect(&cut), Some(Format::Csv));
}

#[test]
fn column_map_parses_and_rejects() {
    let m: ColumnMap = "id=Control ID, title=Title,statement=Text,prop.rev4=Rev 4"
        .parse()
        .unwrap();
    assert_eq!(m.id, "Control ID");
    assert_eq!(m.title.as_deref(), Some("Title"));
    assert_eq!(m.props, vec![("rev4".to_string(), "Rev 4".to_string())]);
    let err = "title=Title".parse::<ColumnMap>().unwrap_err().to_string();
    assert!(err.contains("`id=<column>` is required"), "{err}");
    let err = "id=A,titel=B".parse::<ColumnMap>().unwrap_err().to_string();
    assert!(err.contains("did you mean `title`"), "{err}");
    let err = "id=A,id=B".parse::<ColumnMap>().unwrap_err().to_string();
    assert!(err.contains("twice"), "{err}");
    let m: ColumnMap = r#"id=Id,title="Name, short""#.parse().unwrap();
    assert_eq!(m.title.as_deref(), Some("Name, short"));
    let err = r#"id="Id"#.parse::<ColumnMap>().unwrap_err().to_string();
    assert!(err.contains("quote"), "{err}");
    let err = "id".parse::<ColumnMap>().unwrap_err().to_string();
    assert!(err.contains("field=Column"), "{err}");
}

#[test]
fn csv_with_mapping_header_detection_and_blank_rows() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "My Controls.csv",
        "Company control list,,\n\nRef,Name,Requirement,Family,Parent\nAC-1,Policy,Have a policy.,Access Control (AC),\n,,,,\nAC-1.a,Sub,Part a.,Access Control (AC),AC-1\n",
    );
    let opts = TableOptions {
        columns: Some(
            "id=Ref,title=Name,statement=Requirement,group=Family,parent=Parent"
                .parse()
                .unwrap(),
        ),
        ..Default::default()
    };
    let fw = read_csv(&p, &opts).unwrap();
    check(&fw);
    assert_eq!(fw.id.as_str(), "my-controls");
    assert_eq!(fw.controls.len(), 2);
    assert_eq!(fw.groups.len(), 1);
    assert_eq!(fw.groups[0].id, "AC");
    let sub = control(&fw, "AC-1.a");
    assert_eq!(sub.parent.as_ref().map(|p| p.as_str()), Some("AC-1"));
    assert_eq!(sub.group.as_deref(), Some("AC"));
    assert_eq!(sub.statement.as_deref(), Some("Part a."));
}

#[test]
fn csv_duplicate_id_names_both_rows() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "d.csv",
        "Id,Title\nA-1,One\nA-2,Two\nA-1,Again\n",
    );
    let opts = TableOptions {
        columns: Some("id=Id,title=Title".parse().unwrap()),
        ..Default::default()
    };
    let err = read_csv(&p, &opts).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SourceError::DuplicateId { .. }), "{msg}");
    assert!(
        msg.contains("d.csv") && msg.contains("line 4") && msg.contains("line 2"),
        "{msg}"
    );
}

#[test]
fn csv_errors_name_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "e.csv", "Id,Title,Parent\nA-1,One,\nA 2,Two,\n");
    let opts = TableOptions {
        columns: Some("id=Id,title=Title".parse().unwrap()),
        ..Default::default()
    };
    let msg = read_csv(&p, &opts).unwrap_err().to_string();
    assert!(
        msg.contains("line 3, column `Id`") && msg.contains("space"),
        "{msg}"
    );

    let p = write(
        dir.path(),
        "f.csv",
        "Id,Title,Parent\nA-1,One,\nA-2,Two,Z-9\n",
    );
    let opts = TableOptions {
        columns: Some("id=Id,title=Title,parent=Parent".parse().unwrap()),
        ..Default::default()
    };
    let msg = read_csv(&p, &opts).unwrap_err().to_string();
    assert!(
        msg.contains("line 3, column `Parent`") && msg.contains("Z-9"),
        "{msg}"
    );

    let opts = TableOptions {
        columns: Some("id=Ident".parse().unwrap()),
        ..Default::default()
    };
    let msg = read_csv(&p, &opts).unwrap_err().to_string();
    assert!(msg.contains("Ident") && msg.contains("header"), "{msg}");

    let msg = read_csv(&p, &TableOptions::default())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("no column mapping"), "{msg}");
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn csv_crosswalk_from_corpus_with_explicit_mapping() {
    let root = corpus();
    let p = corpus_file(
        &root,
        "mappings/nist-800-53-rev4_to_rev5/nist_rev5_to_nist_rev4_crosswalk.csv",
    );
    assert_eq!(detect_file(&p).unwrap(), Some(Format::Csv));
    let columns: ColumnMap =
        "id=$$Map_Source_ID_Ref_list,prop.rev4=$$Map_Target_ID_Ref_list,prop.relationship=$$Map_Relationship"
            .parse()
            .unwrap();
    // The row under the header describes each column; without skipping it
    // its text is read as an id and refused with its line.
    let mut opts = TableOptions {
        columns: Some(columns),
        ..Default::default()
    };
    let msg = read_csv(&p, &opts).unwrap_err().to_string();
    assert!(msg.contains("line 2"), "{msg}");
    opts.skip_rows = 1;
    opts.base.id = Some("nist-800-53-rev5-from-crosswalk".into());
    let fw = read_csv(&p, &opts).unwrap();
    check(&fw);
    assert_eq!(fw.controls.len(), 1008);
    let ac2 = control(&fw, "ac-2.1");
    assert_eq!(props(ac2, "rev4"), vec!["ac-2.1"]);
    assert_eq!(ac2.title, "ac-2.1");
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn xlsx_csf2_preset_without_mapping() {
    let root = corpus();
    let p = corpus_file(&root, "frameworks/nist-csf-2.0/csf2.xlsx");
    assert_eq!(detect_file(&p).unwrap(), Some(Format::Xlsx));
    let (format, fw) = read_any(&p, &TableOptions::default()).unwrap();
    assert_eq!(format, Format::Xlsx);
    check(&fw);
    assert_eq!(fw.id.as_str(), "nist-csf-2.0");
    let functions: Vec<&str> = fw
        .groups
        .iter()
        .filter(|g| g.parent.is_none())
        .map(|g| g.id.as_str())
        .collect();
    assert_eq!(functions, vec!["GV", "ID", "PR", "DE", "RS", "RC"]);
    let (withdrawn, active): (Vec<_>, Vec<_>) = fw
        .groups
        .iter()
        .filter(|g| g.parent.is_some())
        .partition(|g| g.props.iter().any(|p| p.value == "withdrawn"));
    assert_eq!((active.len(), withdrawn.len()), (22, 12));
    assert_eq!(fw.controls.iter().filter(|c| !c.withdrawn).count(), 106);
    let withdrawn = control(&fw, "ID.BE-04");
    assert!(withdrawn.withdrawn);
    let into: Vec<&str> = withdrawn
        .incorporated_into
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(into, vec!["GV.OC-04", "GV.OC-05"]);
    let moved: Vec<&str> = control(&fw, "ID.GV-03")
        .moved_to
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(moved, vec!["GV.OC-03"]);
    let oc1 = control(&fw, "GV.OC-01");
    assert_eq!(oc1.group.as_deref(), Some("GV.OC"));
    assert!(
        oc1.statement
            .as_deref()
            .unwrap()
            .starts_with("The organizational mission")
    );
    assert!(!oc1.parts.is_empty());
    assert!(!props(oc1, "informative-reference").is_empty());
    let gv_oc = fw.groups.iter().find(|g| g.id == "GV.OC").unwrap();
    assert_eq!(gv_oc.parent.as_deref(), Some("GV"));
    assert_eq!(gv_oc.title, "Organizational Context");
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn xlsx_with_explicit_mapping_and_unknown_sheet() {
    let root = corpus();
    let p = corpus_file(&root, "frameworks/nist-csf-2.0/csf2.xlsx");
    let opts = TableOptions {
        sheet: Some("Nope".into()),
        ..Default::default()
    };
    let msg = read_xlsx(&p, &opts).unwrap_err().to_string();
    assert!(
        msg.contains("no sheet `Nope`") && msg.contains("CSF 2.0"),
        "{msg}"
    );
    let opts = TableOptions {
        preset: Some("nist-csf-9".into()),
        ..Default::default()
    };
    let msg = read_xlsx(&p, &opts).unwrap_err().to_string();
    assert!(msg.contains("unknown preset"), "{msg}");
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn prowler_every_corpus_file() {
    let root = corpus();
    let mut seen = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(root.join("frameworks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for p in files
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
        {
            assert_eq!(
                detect_file(&p).unwrap(),
                Some(Format::Prowler),
                "{}",
                p.display()
            );
            let fw = read_prowler(&p, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
            check(&fw);
            seen += 1;
        }
    }
    assert!(seen >= 10, "only {seen} Prowler files found");
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn prowler_per_provider_checks_and_groups() {
    let root = corpus();
    let p = corpus_file(
        &root,
        "frameworks/nist-800-53-rev5/nist_800_53_revision_5_aws.json",
    );
    let fw = read_prowler(&p, &ReadOptions::default()).unwrap();
    check(&fw);
    // One requirement appears twice verbatim in the file; it is kept once.
    assert_eq!(fw.controls.len(), 287);
    let c = control(&fw, "ac_2_1");
    assert_eq!(c.title, "AC-2(1) Automated System Account Management");
    let checks: Vec<_> = c
        .props
        .iter()
        .filter(|p| p.name == "prowler-check")
        .collect();
    assert!(!checks.is_empty());
    assert!(checks.iter().all(|p| p.class.as_deref() == Some("aws")));
    assert_eq!(c.group.as_deref(), Some("AC-2"));
    let p = corpus_file(&root, "frameworks/pci-dss-4.0/pci_4.0_aws.json");
    let pci = read_prowler(&p, &ReadOptions::default()).unwrap();
    let c = control(&pci, "1.2.5.1");
    // `Name` holds the AWS service there, so the title comes from the text.
    assert!(
        c.title.starts_with("Checks if HTTP to HTTPS"),
        "{}",
        c.title
    );
    assert_eq!(c.group.as_deref(), Some("1.2.5"));
    let g = fw.groups.iter().find(|g| g.id == "AC-2").unwrap();
    assert_eq!(g.parent.as_deref(), Some("AC"));
    assert!(fw.id.as_str().ends_with("-aws"), "{}", fw.id);

    let p = corpus_file(&root, "frameworks/nist-csf-2.0/nist_csf_2.0_aws.json");
    let fw = read_prowler(
        &p,
        &ReadOptions {
            id: Some("csf-prowler".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(fw.id.as_str(), "csf-prowler");
    let oc1 = control(&fw, "oc_1");
    assert_eq!(oc1.label.as_deref(), Some("GV.OC-1"));
    assert!(
        oc1.title.starts_with("The organization's role"),
        "{}",
        oc1.title
    );
    // `Checks: null` is no checks, not an error.
    assert!(props(control(&fw, "oc_1"), "prowler-check").is_empty());
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn prowler_cross_provider_schema() {
    let root = corpus();
    let p = corpus_file(&root, "frameworks/cis-controls-v8/cis_controls_8.1.json");
    let fw = read_prowler(&p, &ReadOptions::default()).unwrap();
    check(&fw);
    assert_eq!(fw.id.as_str(), "cis-controls-8.1");
    assert_eq!(fw.controls.len(), 153);
    let c = control(&fw, "1.1");
    let classes: HashSet<_> = c
        .props
        .iter()
        .filter(|p| p.name == "prowler-check")
        .filter_map(|p| p.class.as_deref())
        .collect();
    assert!(
        classes.contains("aws") && classes.contains("gcp"),
        "{classes:?}"
    );
    let ig1 = fw
        .baselines
        .iter()
        .find(|b| b.id.as_str() == "ig1")
        .unwrap();
    assert!(ig1.controls.iter().any(|c| c.as_str() == "1.1"));

    let p = corpus_file(&root, "frameworks/cmmc-2.0/cmmc_2.0.json");
    let fw = read_prowler(&p, &ReadOptions::default()).unwrap();
    check(&fw);
    assert_eq!(fw.controls.len(), 149);
    assert!(fw.baselines.iter().any(|b| b.id.as_str() == "level-1"));
}

#[test]
fn prowler_conflicting_duplicate_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "p.json",
        r#"{"Framework":"X","Version":"1","Provider":"AWS","Description":"","Requirements":[
            {"Id":"a","Description":"one","Attributes":[],"Checks":["c1"]},
            {"Id":"a","Description":"two","Attributes":[],"Checks":[]}]}"#,
    );
    let msg = read_prowler(&p, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("duplicate control id `a`") && msg.contains("requirement #2"),
        "{msg}"
    );
    let p = write(
        dir.path(),
        "q.json",
        r#"{"Framework":"X","Requirements":[{"Description":"x"}]}"#,
    );
    let msg = read_prowler(&p, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("requirement #1 (Id)"), "{msg}");
    let p = write(dir.path(), "r.json", "{\"Framework\": ");
    let msg = read_prowler(&p, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("line 1"), "{msg}");
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn ciso_assistant_corpus_files() {
    let root = corpus();
    let files = [
        ("frameworks/nist-csf-2.0/nist-csf-2.0.yaml", 106),
        ("frameworks/nist-800-171/nist-800-171-rev2.yaml", 110),
        ("frameworks/nist-800-171/nist-800-171-rev3.yaml", 97),
        ("frameworks/nist-ssdf-1.1/nist-ssdf-1.1.yaml", 42),
        ("frameworks/cisa-cpg-2.0/cisa-cpg-2.0.yaml", 34),
        ("frameworks/cmmc-2.0/cmmc-2.0.yaml", 110),
        ("frameworks/essential-eight/essential-eight.yaml", 149),
        ("frameworks/fedramp/fedramp-rev5.yaml", 410),
        ("frameworks/hipaa/nist-sp-800-66-rev2.yaml", 152),
        ("frameworks/nist-800-53-rev5/nist-sp-800-53-rev5.yaml", 1189),
        ("frameworks/nist-csf-1.1/nist-csf-1.1.yaml", 108),
        ("frameworks/nist-privacy-1.0/nist-privacy-1.0.yaml", 100),
        ("frameworks/owasp-asvs-4.0.3/owasp-asvs-4.0.3.yaml", 278),
    ];
    for (rel, controls) in files {
        let p = corpus_file(&root, rel);
        assert_eq!(
            detect_file(&p).unwrap(),
            Some(Format::CisoAssistant),
            "{rel}"
        );
        let fw = read_ciso_assistant(&p, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        check(&fw);
        assert_eq!(fw.controls.len(), controls, "{rel}");
    }
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn ciso_assistant_structure() {
    let root = corpus();
    let p = corpus_file(&root, "frameworks/nist-csf-2.0/nist-csf-2.0.yaml");
    let fw = read_ciso_assistant(&p, &ReadOptions::default()).unwrap();
    assert_eq!(fw.id.as_str(), "nist-csf-2.0");
    let c = control(&fw, "GV.OC-01");
    assert_eq!(c.group.as_deref(), Some("GV.OC"));
    assert_eq!(
        props(c, "urn"),
        vec!["urn:intuitem:risk:req_node:nist-csf-2.0:gv.oc-01"]
    );
    let g = fw.groups.iter().find(|g| g.id == "GV.OC").unwrap();
    assert_eq!(g.parent.as_deref(), Some("GV"));

    // FedRAMP writes `AC-2 (1)`; the id drops the space, the label keeps it,
    // and implementation groups become the L/M/H baselines.
    let p = corpus_file(&root, "frameworks/fedramp/fedramp-rev5.yaml");
    let fw = read_ciso_assistant(&p, &ReadOptions::default()).unwrap();
    let c = control(&fw, "AC-2(1)");
    assert_eq!(c.label.as_deref(), Some("AC-2 (1)"));
    let ids: Vec<&str> = fw.baselines.iter().map(|b| b.id.as_str()).collect();
    assert!(
        ids.contains(&"l") && ids.contains(&"m") && ids.contains(&"h"),
        "{ids:?}"
    );
    let high = fw.baselines.iter().find(|b| b.id.as_str() == "h").unwrap();
    assert!(high.controls.len() > 300);

    // 800-171 rev2: text nodes under a requirement become parts of it.
    let p = corpus_file(&root, "frameworks/nist-800-171/nist-800-171-rev2.yaml");
    let fw = read_ciso_assistant(&p, &ReadOptions::default()).unwrap();
    assert!(!control(&fw, "3.1.1").parts.is_empty());
}

#[test]
fn ciso_assistant_bad_parent() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "c.yaml",
        "urn: u\nobjects:\n  framework:\n    ref_id: t\n    requirement_nodes:\n      - urn: u:a\n        ref_id: A\n        assessable: true\n        parent_urn: u:missing\n",
    );
    let msg = read_ciso_assistant(&p, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("requirement_nodes[0]") && msg.contains("u:missing"),
        "{msg}"
    );
    let p = write(
        dir.path(),
        "d.yaml",
        "urn: u\nobjects:\n  framework:\n    requirement_nodes: [\n",
    );
    assert!(matches!(
        read_ciso_assistant(&p, &ReadOptions::default()),
        Err(SourceError::Syntax { .. })
    ));
}

#[test]
fn yaml_alias_bomb_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let prev = format!("*a{}", i - 1);
        text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
    }
    text.push_str("controls: *a8\n");
    let p = write(dir.path(), "bomb.yml", &text);
    let err = read_complianceascode(&p, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, SourceError::Syntax { .. }), "{err}");
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn complianceascode_split_file_with_controls_dir() {
    let root = corpus();
    let p = corpus_file(
        &root,
        "frameworks/nist-800-53-rev5/complianceascode/nist_800_53_cis_reference_rhel10.yml",
    );
    assert_eq!(detect_file(&p).unwrap(), Some(Format::ComplianceAsCode));
    let fw = read_complianceascode(&p, &ReadOptions::default()).unwrap();
    check(&fw);
    assert_eq!(fw.id.as_str(), "nist_800_53_cis_reference_rhel10");
    assert_eq!(fw.version, "Revision 5");
    assert!(fw.controls.len() > 1000, "{}", fw.controls.len());
    let c = control(&fw, "ac-2.5");
    assert_eq!(c.parent.as_ref().map(|p| p.as_str()), Some("ac-2"));
    assert_eq!(props(c, "status"), vec!["automated"]);
    assert!(props(c, "rule").contains(&"accounts_tmout"));
    assert_eq!(props(c, "variable"), vec!["var_accounts_tmout=15_min"]);
    let ids: Vec<&str> = fw.baselines.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, vec!["low", "moderate", "high"]);
    let size = |id: &str| {
        fw.baselines
            .iter()
            .find(|b| b.id.as_str() == id)
            .unwrap()
            .controls
            .len()
    };
    assert!(size("low") < size("moderate") && size("moderate") < size("high"));
    let low = &fw.baselines[0];
    assert!(low.controls.iter().any(|c| c.as_str() == "ac-1"));
    assert!(!low.controls.iter().any(|c| c.as_str() == "ac-2.1"));
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn complianceascode_single_files() {
    let root = corpus();
    for (rel, id) in [
        ("frameworks/hipaa/hipaa.yml", "hipaa"),
        ("frameworks/pci-dss-4.0/pcidss_4.yml", "pcidss_4"),
        ("frameworks/essential-eight/e8.yml", "e8"),
        ("frameworks/nist-800-53-rev4/nist_ocp4.yml", "nist_ocp4"),
    ] {
        let p = corpus_file(&root, rel);
        assert_eq!(
            detect_file(&p).unwrap(),
            Some(Format::ComplianceAsCode),
            "{rel}"
        );
        let fw =
            read_complianceascode(&p, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        check(&fw);
        assert_eq!(fw.id.as_str(), id);
    }
    let p = corpus_file(&root, "frameworks/pci-dss-4.0/pcidss_4.yml");
    let fw = read_complianceascode(&p, &ReadOptions::default()).unwrap();
    assert_eq!(fw.controls.len(), 351);
    let p = corpus_file(&root, "frameworks/hipaa/hipaa.yml");
    let fw = read_complianceascode(&p, &ReadOptions::default()).unwrap();
    // `required` inherits `addressable`, so it is the larger baseline.
    let size = |id: &str| {
        fw.baselines
            .iter()
            .find(|b| b.id.as_str() == id)
            .unwrap()
            .controls
            .len()
    };
    assert!(size("required") >= size("addressable"));
}

#[test]
fn complianceascode_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "x.yml",
        "id: x\ncontrols_dir: ../elsewhere\ncontrols: []\n",
    );
    let msg = read_complianceascode(&p, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("controls_dir") && msg.contains("leaves"),
        "{msg}"
    );
    let p = write(
        dir.path(),
        "y.yml",
        "id: y\nlevels:\n  - id: base\ncontrols:\n  - id: a\n    levels: [nope]\n",
    );
    let msg = read_complianceascode(&p, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("`nope`"), "{msg}");
    let p = write(
        dir.path(),
        "z.yml",
        "id: z\ncontrols:\n  - id: a\n    controls:\n      - id: b\n  - id: b\n",
    );
    let msg = read_complianceascode(&p, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("duplicate control id `b`") && msg.contains("controls[0].controls[0]"),
        "{msg}"
    );
    let p = write(
        dir.path(),
        "w.yml",
        "id: w\ncontrols:\n  - id: 3.1\n    title: Numeric id\n",
    );
    let fw = read_complianceascode(
        &p,
        &ReadOptions {
            id: Some("BAD ID".into()),
            ..Default::default()
        },
    );
    assert!(fw.unwrap_err().to_string().contains("not a framework id"));
    let fw = read_complianceascode(&p, &ReadOptions::default()).unwrap();
    assert_eq!(fw.controls[0].id.as_str(), "3.1");
}

#[test]
fn unrecognised_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "n.txt", "just words\n");
    let err = read_any(&p, &TableOptions::default()).unwrap_err();
    assert!(matches!(err, SourceError::Unrecognised { .. }), "{err}");
}

#[test]
fn yaml_errors_carry_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.yml",
        "id: t\ncontrols:\n  - id: a\n    rules: {x: 1}\n",
    );
    let msg = read_complianceascode(&p, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("t.yml") && msg.contains("line 4"), "{msg}");
    let p = write(dir.path(), "u.yml", "id: u\ncontrols:\n  - id: [a\n");
    let msg = read_complianceascode(&p, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("u.yml") && msg.contains("line"), "{msg}");
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn xlsx_with_explicit_mapping_from_corpus() {
    let root = corpus();
    let p = corpus_file(
        &root,
        "mappings/nist-800-53-rev4_to_rev5/sp800-53r4-to-r5-comparison-workbook.xlsx",
    );
    // The header is on row 2 of the third sheet; the first two are notes.
    let opts = TableOptions {
        columns: Some(
            "id=ID,title=TITLE,prop.low=L,prop.moderate=M,prop.high=H"
                .parse()
                .unwrap(),
        ),
        base: ReadOptions {
            id: Some("nist-800-53-rev5".into()),
            version: Some("5.0".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let fw = read_xlsx(&p, &opts).unwrap();
    check(&fw);
    assert_eq!(fw.controls.len(), 1189);
    let ac1 = control(&fw, "AC-1");
    assert_eq!(ac1.title, "(Access Control) Policy and Procedures");
    assert_eq!(props(ac1, "low"), vec!["X"]);
    assert_eq!(fw.version, "5.0");
}

/// A minimal zip holding one stored entry whose directory claims `claimed`
/// uncompressed bytes.
fn fake_zip(claimed: u32) -> Vec<u8> {
    let name = b"xl/worksheets/sheet1.xml";
    let mut z = Vec::new();
    z.extend_from_slice(b"PK\x03\x04");
    z.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    z.extend_from_slice(&[0; 4]); // crc
    z.extend_from_slice(&0u32.to_le_bytes());
    z.extend_from_slice(&0u32.to_le_bytes());
    z.extend_from_slice(&(name.len() as u16).to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z.extend_from_slice(name);
    let cd = z.len() as u32;
    z.extend_from_slice(b"PK\x01\x02");
    z.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    z.extend_from_slice(&[0; 4]); // crc
    z.extend_from_slice(&0u32.to_le_bytes());
    z.extend_from_slice(&claimed.to_le_bytes());
    z.extend_from_slice(&(name.len() as u16).to_le_bytes());
    z.extend_from_slice(&[0; 12]);
    z.extend_from_slice(&0u32.to_le_bytes());
    z.extend_from_slice(name);
    let cd_size = z.len() as u32 - cd;
    z.extend_from_slice(b"PK\x05\x06");
    z.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    z.extend_from_slice(&cd_size.to_le_bytes());
    z.extend_from_slice(&cd.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z
}

#[test]
fn xlsx_zip_bomb_and_garbage_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bomb.xlsx");
    std::fs::write(&p, fake_zip(u32::MAX - 1)).unwrap();
    assert_eq!(detect_file(&p).unwrap(), Some(Format::Xlsx));
    let err = read_xlsx(&p, &TableOptions::default()).unwrap_err();
    assert!(matches!(err, SourceError::TooLarge { .. }), "{err}");
    std::fs::write(&p, fake_zip(10)).unwrap();
    let err = read_xlsx(&p, &TableOptions::default()).unwrap_err();
    assert!(matches!(err, SourceError::Syntax { .. }), "{err}");
    std::fs::write(&p, b"PK\x03\x04 not really").unwrap();
    let msg = read_xlsx(&p, &TableOptions::default())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("not a readable workbook"), "{msg}");
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn detect_every_corpus_framework_and_mapping_file() {
    let root = corpus();
    let mut seen = 0;
    for sub in ["frameworks", "mappings", "oscal"] {
        let dir = root.join(sub);
        assert!(dir.is_dir(), "corpus directory missing: {}", dir.display());
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.unwrap();
            if !entry.file_type().is_file() {
                continue;
            }
            let p = entry.path();
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            let expected = match (sub, ext) {
                (_, "xlsx") => Some(Format::Xlsx),
                (_, "csv") => Some(Format::Csv),
                ("frameworks", "json") => Some(Format::Prowler),
                ("frameworks", "yaml") => Some(Format::CisoAssistant),
                ("frameworks", "yml") => Some(Format::ComplianceAsCode),
                // The trestle-generated OSCAL CSF catalog is OSCAL, not ours.
                _ => None,
            };
            let expected = if rel.contains("oscal-trestle") {
                None
            } else {
                expected
            };
            assert_eq!(detect_file(p).unwrap(), expected, "{rel}");
            seen += 1;
        }
    }
    assert!(seen > 100, "only {seen} files");
}

#[test]
fn csv_semicolons_are_sniffed() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "s.csv", "Id;Title\nA-1;One, with a comma\n");
    let opts = TableOptions {
        columns: Some("id=Id,title=Title".parse().unwrap()),
        ..Default::default()
    };
    let fw = read_csv(&p, &opts).unwrap();
    assert_eq!(fw.controls[0].title, "One, with a comma");
}

/// CRC-32 (IEEE), bit by bit: enough for a test's few hundred bytes.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zip of stored (uncompressed) entries.
fn stored_zip(entries: &[(&str, String)]) -> Vec<u8> {
    let mut z = Vec::new();
    let mut directory = Vec::new();
    for (name, body) in entries {
        let (name, body) = (name.as_bytes(), body.as_bytes());
        let offset = z.len() as u32;
        let crc = crc32(body);
        z.extend_from_slice(b"PK\x03\x04");
        z.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        z.extend_from_slice(&crc.to_le_bytes());
        z.extend_from_slice(&(body.len() as u32).to_le_bytes());
        z.extend_from_slice(&(body.len() as u32).to_le_bytes());
        z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        z.extend_from_slice(&0u16.to_le_bytes());
        z.extend_from_slice(name);
        z.extend_from_slice(body);
        directory.extend_from_slice(b"PK\x01\x02");
        directory.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        directory.extend_from_slice(&crc.to_le_bytes());
        directory.extend_from_slice(&(body.len() as u32).to_le_bytes());
        directory.extend_from_slice(&(body.len() as u32).to_le_bytes());
        directory.extend_from_slice(&(name.len() as u16).to_le_bytes());
        directory.extend_from_slice(&[0; 12]);
        directory.extend_from_slice(&offset.to_le_bytes());
        directory.extend_from_slice(name);
    }
    let cd = z.len() as u32;
    z.extend_from_slice(&directory);
    z.extend_from_slice(b"PK\x05\x06");
    z.extend_from_slice(&[0, 0, 0, 0]);
    z.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    z.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    z.extend_from_slice(&(directory.len() as u32).to_le_bytes());
    z.extend_from_slice(&cd.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z
}

/// The smallest workbook Excel would open: one sheet `Controls` holding
/// `cells` (reference, inline text; `None` an empty, formatted cell) and
/// declaring `dimension`.
fn tiny_xlsx(dimension: &str, cells: &[(&str, Option<&str>)]) -> Vec<u8> {
    let ns = "http://schemas.openxmlformats.org";
    let mut rows: std::collections::BTreeMap<u32, String> = Default::default();
    for (r, text) in cells {
        let row: u32 = r
            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .parse()
            .unwrap();
        let cell = match text {
            Some(t) => format!(r#"<c r="{r}" t="inlineStr"><is><t>{t}</t></is></c>"#),
            None => format!(r#"<c r="{r}" s="0"/>"#),
        };
        rows.entry(row).or_default().push_str(&cell);
    }
    let data: String = rows
        .iter()
        .map(|(r, c)| format!(r#"<row r="{r}">{c}</row>"#))
        .collect();
    stored_zip(&[
        (
            "[Content_Types].xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#
            ),
        ),
        (
            "_rels/.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="Controls" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{data}</sheetData></worksheet>"#
            ),
        ),
    ])
}

/// One far cell made calamine allocate the whole used range (`XFD1048576`
/// in a 1 KB file aborted; `ZZ100000` took 3.85 GB). Cells are now read one
/// by one and only values are kept: far empty cells cost nothing, a far
/// value is refused by name.
#[test]
fn xlsx_with_one_far_cell_is_read_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let opts = TableOptions {
        columns: Some("id=Ref,title=Name".parse().unwrap()),
        ..TableOptions::default()
    };
    let body = [
        ("A1", Some("Ref")),
        ("B1", Some("Name")),
        ("A2", Some("X-1")),
        ("B2", Some("First")),
        ("A3", Some("X-2")),
        ("B3", Some("Second")),
    ];
    for far in ["XFD1048576", "ZZ100000"] {
        let mut cells = body.to_vec();
        cells.push((far, None));
        let p = dir.path().join(format!("{far}.xlsx"));
        std::fs::write(&p, tiny_xlsx(&format!("A1:{far}"), &cells)).unwrap();
        assert!(std::fs::metadata(&p).unwrap().len() < 4096);
        assert_eq!(detect_file(&p).unwrap(), Some(Format::Xlsx));
        let fw = read_xlsx(&p, &opts).unwrap();
        assert_eq!(fw.controls.len(), 2, "{far}");
        assert_eq!(fw.controls[1].title, "Second");
    }
    let mut cells = body.to_vec();
    cells.push(("XFD1048576", Some("stray")));
    let p = dir.path().join("value.xlsx");
    std::fs::write(&p, tiny_xlsx("A1:XFD1048576", &cells)).unwrap();
    let msg = read_xlsx(&p, &opts).unwrap_err().to_string();
    assert!(
        msg.contains("value.xlsx") && msg.contains("cell XFD1048576") && msg.contains("column XFD"),
        "{msg}"
    );
    // A value far down, within the columns read, is a row like any other.
    let mut cells = body.to_vec();
    cells.push(("ZZ100000", Some("stray")));
    let p = dir.path().join("down.xlsx");
    std::fs::write(&p, tiny_xlsx("A1:ZZ100000", &cells)).unwrap();
    let msg = read_xlsx(&p, &opts).unwrap_err().to_string();
    assert!(msg.contains("row 100000"), "{msg}");
}

#[test]
fn column_names_count_like_excel() {
    assert_eq!(table::column_name(0), "A");
    assert_eq!(table::column_name(25), "Z");
    assert_eq!(table::column_name(26), "AA");
    assert_eq!(table::column_name(701), "ZZ");
    assert_eq!(table::column_name(16383), "XFD");
}

#[test]
fn editions_are_read_from_names_not_packaging_revisions() {
    for (name, want) in [
        ("NIST CSF v1.1", Some("1.1")),
        ("NIST-CSF-1.1", Some("1.1")),
        ("CMMC version 2.0", Some("2.0")),
        ("NIST SP 800-53 revision 5", Some("rev5")),
        ("NIST SP 800-171 Rev. 2", Some("rev2")),
        ("GSA FedRAMP Rev5", Some("rev5")),
        ("NIST SP-800-66 rev2 (HIPAA)", Some("rev2")),
        ("OWASP ASVS 4.0.3", Some("4.0.3")),
        ("CISA Cybersecurity Performance Goals v2.0", Some("2.0")),
        ("nist-ssdf-1.1", Some("1.1")),
        ("Secure Software Development Framework (SSDF)", None),
        ("Essential Eight Maturity Model (11/2023)", None),
        ("NIST SP 800-53", None),
    ] {
        assert_eq!(common::edition_in(name).as_deref(), want, "{name}");
    }
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn ciso_csf_1_1_records_the_framework_version_not_the_library_revision() {
    let root = corpus();
    let p = corpus_file(&root, "frameworks/nist-csf-1.1/nist-csf-1.1.yaml");
    let fw = read_ciso_assistant(&p, &ReadOptions::default()).unwrap();
    assert_eq!(fw.version, "1.1");
    let p = corpus_file(&root, "frameworks/essential-eight/essential-eight.yaml");
    let fw = read_ciso_assistant(&p, &ReadOptions::default()).unwrap();
    assert_eq!(
        fw.version, "2",
        "no edition in the name: the library's version stays"
    );
}
