//! `aegis oscal import` end to end: SSPs and component definitions into a
//! repository, and what is not placed. Tests marked "corpus" read NIST's
//! and FedRAMP's published examples from `$AEGIS_CORPUS` (never copied
//! here) and are listed as ignored, with the reason, when it is unset.

mod common;
use aegis::import::plan::{self, FileAction, PlanOptions};
use aegis::model::Date;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/oscal-import");

fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

fn aegis(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_aegis"))
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("runs")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A new repository with `catalog` (and then each profile) imported.
fn repo_with(sources: &[PathBuf]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    aegis::init::scaffold(dir.path(), "Test", Date::today_utc()).expect("init");
    for s in sources {
        let out = aegis(&["framework", "import", path(s), "--repo", path(dir.path())]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    dir
}

fn tiny_repo() -> tempfile::TempDir {
    repo_with(&[fixture("catalog.json")])
}

fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("under")
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

fn assert_validates(repo: &Path) {
    let run = aegis::pipeline::validate(repo, Date::today_utc()).expect("loads");
    let found = common::beyond_scaffold(&run.diagnostics);
    let first: Vec<String> = found.iter().take(5).map(|d| format!("{d:?}")).collect();
    assert!(found.is_empty(), "{} diagnostics: {first:#?}", found.len());
}

fn import(repo: &Path, file: &Path, opts: &PlanOptions) -> plan::Outcome {
    plan::import(repo, file, opts).expect("imports")
}

// ---- hand-made fixtures -----------------------------------------------------

#[test]
fn unknown_and_path_escaping_controls_are_reported_and_fail_the_run() {
    let repo = tiny_repo();
    let out = aegis(&[
        "oscal",
        "import",
        path(&fixture("ssp.json")),
        "--repo",
        path(repo.path()),
    ]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("ssp_json_human", String::from_utf8_lossy(&out.stdout));
    assert!(!repo.path().join("etc").exists());
    let written: Vec<String> = tree(&repo.path().join("implementations/tiny-payments"))
        .into_keys()
        .collect();
    assert_eq!(written, ["AC-1.yaml", "AC-2(1).yaml", "AC-2.yaml"]);
    let na = std::fs::read_to_string(repo.path().join("implementations/tiny-payments/AC-1.yaml"))
        .expect("read");
    assert!(
        na.contains("justification: The organisation's policy covers it."),
        "{na}"
    );
    assert_validates(repo.path());
}

#[test]
fn reimport_changes_nothing() {
    let repo = tiny_repo();
    let first = import(repo.path(), &fixture("ssp.json"), &PlanOptions::default());
    assert_eq!(first.count(FileAction::Written), 3);
    let before = tree(repo.path());
    let again = import(repo.path(), &fixture("ssp.json"), &PlanOptions::default());
    assert_eq!(again.count(FileAction::Unchanged), 3);
    assert_eq!(again.count(FileAction::Written), 0);
    assert!(matches!(
        again.system_action,
        plan::SystemAction::Exists { ref differences } if differences.is_empty()
    ));
    assert_eq!(tree(repo.path()), before);
}

#[test]
fn dry_run_writes_nothing_and_says_what_it_would() {
    let repo = tiny_repo();
    let before = tree(repo.path());
    let out = aegis(&[
        "oscal",
        "import",
        path(&fixture("ssp.json")),
        "--repo",
        path(repo.path()),
        "--dry-run",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("would write:"), "{text}");
    assert!(
        text.contains("system `tiny-payments` would be added"),
        "{text}"
    );
    assert_eq!(tree(repo.path()), before);
}

#[test]
fn an_existing_file_is_kept_unless_replaced() {
    let repo = tiny_repo();
    import(repo.path(), &fixture("ssp.json"), &PlanOptions::default());
    let file = repo.path().join("implementations/tiny-payments/AC-2.yaml");
    let mine = "schema_version: 1\ncontrol: tiny-catalog-1:AC-2\nstatus: partial\n";
    std::fs::write(&file, mine).expect("write");
    let out = import(repo.path(), &fixture("ssp.json"), &PlanOptions::default());
    assert_eq!(out.count(FileAction::Kept), 1);
    assert_eq!(std::fs::read_to_string(&file).expect("read"), mine);
    let opts = PlanOptions {
        replace: true,
        ..PlanOptions::default()
    };
    let out = import(repo.path(), &fixture("ssp.json"), &opts);
    assert_eq!(out.count(FileAction::Written), 1);
    assert!(
        std::fs::read_to_string(&file)
            .expect("read")
            .contains("status: implemented")
    );
}

#[test]
fn xml_plans_place_requirements_at_xml_paths() {
    let repo = tiny_repo();
    let out = import(repo.path(), &fixture("ssp.xml"), &PlanOptions::default());
    assert_eq!(out.system.as_deref(), Some("tiny-xml"));
    assert_eq!(out.count(FileAction::Written), 1);
    assert_eq!(out.not_placed.len(), 1);
    assert_eq!(
        out.not_placed[0].location,
        "/system-security-plan/control-implementation/implemented-requirement[2]"
    );
    assert_eq!(out.not_placed[0].line, Some(17));
    assert_validates(repo.path());
}

#[test]
fn xml_entities_are_refused() {
    let repo = tiny_repo();
    let before = tree(repo.path());
    let out = aegis(&[
        "oscal",
        "import",
        path(&fixture("entity.xml")),
        "--repo",
        path(repo.path()),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("never expands XML entities"), "{err}");
    assert_eq!(tree(repo.path()), before);
}

#[test]
fn deep_nesting_is_refused() {
    let repo = tiny_repo();
    let deep = format!(
        "{{\"system-security-plan\": {}1{}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let file = repo.path().join("deep.json");
    std::fs::write(&file, deep).expect("write");
    let out = aegis(&["oscal", "import", path(&file), "--repo", path(repo.path())]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn component_definitions_need_a_system_and_join_components() {
    let repo = tiny_repo();
    let out = import(
        repo.path(),
        &fixture("component-definition.json"),
        &PlanOptions::default(),
    );
    assert_eq!(out.not_placed.len(), 2);
    assert!(out.files.is_empty());
    import(repo.path(), &fixture("ssp.xml"), &PlanOptions::default());
    std::fs::remove_file(repo.path().join("implementations/tiny-xml/AC-1.yaml")).expect("rm");
    let opts = PlanOptions {
        system: Some("tiny-xml".into()),
        ..PlanOptions::default()
    };
    let out = import(repo.path(), &fixture("component-definition.json"), &opts);
    assert_eq!(out.count(FileAction::Written), 1);
    assert!(out.not_placed.is_empty());
    let text = std::fs::read_to_string(repo.path().join("implementations/tiny-xml/AC-2.yaml"))
        .expect("read");
    assert!(
        text.contains("### Vault") && text.contains("### Okta"),
        "{text}"
    );
    assert_validates(repo.path());
}

#[test]
fn catalogs_are_sent_to_framework_import() {
    let repo = tiny_repo();
    let out = aegis(&[
        "oscal",
        "import",
        path(&fixture("catalog.json")),
        "--repo",
        path(repo.path()),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("aegis framework import"));
}

// ---- corpus: NIST and FedRAMP examples ---------------------------------------

const V501: &str = "oscal/nist-800-53-rev5/v5.0.1";

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_examples_import_and_validate() {
    let root = common::corpus();
    let base = repo_with(&[
        common::need(&root, &format!("{V501}/NIST_SP-800-53_rev5_catalog.json")),
        common::need(
            &root,
            &format!("{V501}/NIST_SP-800-53_rev5_MODERATE-baseline_profile.json"),
        ),
    ]);
    // (file, --system, written, not placed)
    let cases: [(&str, Option<&str>, usize, usize); 6] = [
        ("ssp/ssp-example.json", None, 1, 0),
        ("ssp/ssp-example.yaml", None, 1, 0),
        ("ssp/ifa_ssp-example.json", None, 1, 0),
        ("ssp/oscal_leveraging-example_ssp.json", None, 1, 0),
        ("fedramp/fedramp-ssp-example.oscal.xml", None, 323, 0),
        (
            "component-definition/example-component-definition.json",
            Some("app"),
            3,
            0,
        ),
    ];
    for (file, system, written, missed) in cases {
        let src = common::need(&root, &format!("oscal/examples/{file}"));
        let repo = tempfile::tempdir().expect("tempdir");
        for (rel, bytes) in tree(base.path()) {
            let p = repo.path().join(rel);
            std::fs::create_dir_all(p.parent().expect("dir")).expect("mkdir");
            std::fs::write(p, bytes).expect("copy");
        }
        if system.is_some() {
            // The scaffold's system selects only its starter framework.
            let cfg = repo.path().join("aegis.yaml");
            let text = std::fs::read_to_string(&cfg).expect("read").replace(
                "      - framework: starter\n        baseline: core\n",
                "      - framework: starter\n        baseline: core\n      - framework: nist-800-53-rev5\n",
            );
            std::fs::write(&cfg, text).expect("write");
        }
        let opts = PlanOptions {
            system: system.map(String::from),
            ..PlanOptions::default()
        };
        let out = import(repo.path(), &src, &opts);
        assert_eq!(
            out.count(FileAction::Written),
            written,
            "{file}: {:#?}",
            out.files
        );
        assert_eq!(
            out.not_placed.len(),
            missed,
            "{file}: {:#?}",
            out.not_placed
        );
        assert_validates(repo.path());
        let again = import(repo.path(), &src, &opts);
        assert_eq!(again.count(FileAction::Written), 0, "{file} re-import");
    }
}
