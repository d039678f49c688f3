//! `aegis crosswalk import` end to end. The corpus test imports every
//! official mapping of `$AEGIS_CORPUS/mappings/` into a repository holding
//! the corpus frameworks, checks that each source's stated pairs are all
//! accounted for (written, repeated or not placed, with the exact list of
//! what was not placed as a snapshot) and that the result validates.

mod common;
use aegis::crosswalk::import::plan::{self, Options, Report, Status};
use aegis::import::{self, ImportOptions};
use aegis::model::Date;
use common::{corpus, need};
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn new_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    aegis::init::scaffold(dir.path(), "Test", Date::today_utc()).expect("init");
    dir
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/crosswalk")
        .join(rel)
}

/// Each set's counts and what it could not place, one reason per line
/// with the ids it names (the exact unplaced list, compactly).
fn summary(r: &Report) -> String {
    let mut out = String::new();
    for s in &r.sets {
        let file = Path::new(&s.file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let source = s.source.as_ref().map_or("cci", |(id, _)| id.as_str());
        let _ = writeln!(
            out,
            "{file} [{}] {source} -> {}: stated {}, written {}, repeated {}, unplaced {}, without pairs {}{}",
            s.set,
            s.target.0,
            s.stated,
            s.written,
            s.duplicates.len(),
            s.unplaced.len(),
            s.without_pairs.len(),
            match &s.status {
                Status::Inverse(of) => format!(" (inverse of {of})"),
                _ => String::new(),
            }
        );
        let mut reasons: Vec<(String, usize)> = Vec::new();
        for u in &s.unplaced {
            match reasons.iter_mut().find(|(r, _)| *r == u.reason) {
                Some((_, n)) => *n += 1,
                None => reasons.push((u.reason.clone(), 1)),
            }
        }
        reasons.sort();
        for (reason, n) in reasons {
            let _ = writeln!(out, "  {n} x {reason}");
        }
    }
    out
}

/// Every stated pair is written, a repeat of one, or reported unplaced.
fn assert_accounted(r: &Report) {
    for s in &r.sets {
        if matches!(s.status, Status::Inverse(_)) {
            continue;
        }
        assert_eq!(
            s.stated,
            s.written + s.duplicates.len() + s.unplaced.len(),
            "{} [{}]: stated pairs unaccounted for",
            s.file,
            s.set
        );
    }
}

fn run(repo: &Path, files: &[PathBuf], opts: &Options) -> Report {
    let r = plan::run(repo, files, opts).expect("imports");
    assert_accounted(&r);
    r
}

fn import_framework(repo: &Path, file: &Path) {
    import::import(repo, file, &ImportOptions::default()).expect("framework import");
}

fn import_framework_as(repo: &Path, file: &Path, id: &str) {
    let opts = ImportOptions {
        id: Some(id.to_string()),
        ..ImportOptions::default()
    };
    import::import(repo, file, &opts).expect("framework import");
}

// ---- hand-made fixtures -----------------------------------------------------

/// A repository with the two small frameworks the fixtures map between.
fn fixture_repo() -> tempfile::TempDir {
    let dir = new_repo();
    import_framework_as(dir.path(), &fixture("frameworks/alpha.json"), "alpha");
    import_framework_as(dir.path(), &fixture("frameworks/beta.json"), "beta");
    dir
}

#[test]
fn ciso_assistant_sets_place_by_urn_and_id_and_skip_their_inverse() {
    let dir = fixture_repo();
    let r = run(dir.path(), &[fixture("ciso.yaml")], &Options::default());
    let s = &r.sets[0];
    assert_eq!((s.stated, s.written, s.duplicates.len()), (6, 3, 1));
    assert_eq!(s.unplaced.len(), 2, "{:?}", s.unplaced);
    assert!(
        s.unplaced
            .iter()
            .any(|u| u.reason.contains("relationship `overlaps`"))
    );
    assert!(
        s.unplaced
            .iter()
            .any(|u| u.reason.contains("`zz-9` is not a control"))
    );
    assert!(matches!(r.sets[1].status, Status::Inverse(_)));
    let text = std::fs::read_to_string(dir.path().join("controls/mappings/alpha--beta.yaml"))
        .expect("mapping written");
    assert!(text.contains("type: equal"), "{text}");
    assert!(text.contains("strength: 7"), "{text}");
    // Validation resolves every control the file names.
    let v = aegis::pipeline::validate(dir.path(), Date::today_utc()).expect("validates");
    assert!(
        v.diagnostics
            .iter()
            .all(|d| d.code != aegis::diag::Code::UnknownControl),
        "{:?}",
        v.diagnostics
    );
}

#[test]
fn oscal_and_csv_forms_state_the_same_pairs_and_the_second_is_refused() {
    let dir = fixture_repo();
    let first = run(
        dir.path(),
        &[fixture("mapping-collection.json")],
        &Options::default(),
    );
    assert_eq!(first.sets[0].stated, 5);
    assert_eq!(first.sets[0].written, 5);
    assert_eq!(first.sets[0].without_pairs.len(), 1);
    let written =
        std::fs::read(dir.path().join("controls/mappings/alpha--beta.yaml")).expect("written");
    // The same pairs from the CSV: refused without --replace.
    let err = plan::run(dir.path(), &[fixture("trestle.csv")], &Options::default())
        .expect_err("another source for the same pair");
    assert!(err.to_string().contains("--replace"), "{err}");
    let dry = run(
        dir.path(),
        &[fixture("trestle.csv")],
        &Options {
            replace: true,
            dry_run: true,
            ..Options::default()
        },
    );
    assert_eq!((dry.sets[0].stated, dry.sets[0].written), (5, 5));
    assert_eq!(dry.sets[0].without_pairs.len(), 1);
    assert_eq!(
        std::fs::read(dir.path().join("controls/mappings/alpha--beta.yaml")).expect("kept"),
        written,
        "a dry run writes nothing"
    );
    // Re-importing the first source changes nothing.
    let again = run(
        dir.path(),
        &[fixture("mapping-collection.json")],
        &Options::default(),
    );
    assert_eq!(again.sets[0].status, Status::Unchanged);
}

#[test]
fn a_missing_framework_names_the_command_that_adds_it() {
    let dir = new_repo();
    import_framework_as(dir.path(), &fixture("frameworks/alpha.json"), "alpha");
    let err = plan::run(dir.path(), &[fixture("csf-to-53.csv")], &Options::default())
        .expect_err("no 800-53 in the repository");
    let msg = err.to_string();
    assert!(msg.contains("NIST SP 800-53 Rev. 5"), "{msg}");
    assert!(
        msg.contains("aegis framework fetch nist-800-53-rev5-5.0.1"),
        "{msg}"
    );
}

#[test]
fn hostile_and_wrong_files_are_refused_naming_them() {
    let dir = fixture_repo();
    for (name, bytes, expect) in [
        ("entity.xml", &b"<?xml version=\"1.0\"?><!DOCTYPE cci_list [<!ENTITY x \"y\">]><cci_list><cci_items><cci_item id=\"CCI-1\">&x;</cci_item></cci_items></cci_list>"[..], "entity.xml"),
        ("catalog.json", &b"{\"catalog\": {\"uuid\": \"x\"}}"[..], "not a crosswalk"),
        ("empty.yaml", &b""[..], "not a crosswalk"),
        ("bomb.xlsx", &zip_bomb()[..], "bomb.xlsx"),
        ("deep.yaml", deep_yaml().as_bytes(), "deep.yaml"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let err = plan::run(dir.path(), &[path], &Options::default()).expect_err(name);
        assert!(err.to_string().contains(expect), "{name}: {err}");
    }
    assert!(
        !dir.path()
            .join("controls/mappings/alpha--beta.yaml")
            .exists()
    );
}

/// A workbook whose zip directory claims a sheet of 4 GiB.
fn zip_bomb() -> Vec<u8> {
    common::zip_claiming(u32::MAX - 1)
}

fn deep_yaml() -> String {
    let mut s = String::from("objects:\n  requirement_mapping_sets:\n");
    s.push_str(&"[".repeat(10_000));
    s.push('\n');
    s
}

// ---- corpus ------------------------------------------------------------------

/// The corpus frameworks the mappings name, one source each.
const FRAMEWORKS: &[&str] = &[
    "oscal/nist-800-53-rev5/v5.0.1/NIST_SP-800-53_rev5_catalog.json",
    "oscal/nist-800-53-rev4/NIST_SP-800-53_rev4_catalog-min.json",
    "frameworks/nist-csf-2.0/nist-csf-2.0.yaml",
    "frameworks/nist-csf-1.1/nist-csf-1.1.yaml",
    "frameworks/nist-privacy-1.0/nist-privacy-1.0.yaml",
    "frameworks/hipaa/nist-sp-800-66-rev2.yaml",
    "frameworks/iso27001-2022/iso27001_2022_aws.json",
    "frameworks/soc2/soc2_aws.json",
    "frameworks/cis-controls-v8/cis_controls_8.1.json",
];

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn corpus_every_official_mapping_imports_with_the_count_its_source_states() {
    let root = corpus();
    let dir = new_repo();
    for f in FRAMEWORKS {
        import_framework(dir.path(), &need(&root, f));
    }
    let m = |rel: &str| need(&root, &format!("mappings/{rel}"));
    let first = [
        "cis-controls-v8_to_iso27001-2022/mapping-cis-controls-v8-and-iso27001-2022.yaml",
        "hipaa-800-66r2_to_nist-800-53-rev5/mapping-nist-sp-800-66-rev2-to-nist-sp-800-53-rev5.yaml",
        "nist-800-53-rev5_to_iso27001-2022/mapping-nist-sp-800-53-rev5-to-iso27001-2022.yaml",
        "nist-csf-1.1_to_nist-csf-2.0/map-nist-csf-1.1-nist-csf-2.0.yaml",
        "nist-csf-2.0_to_iso27001-2022/mapping-nist-csf-2.0-to-iso27001-2022.yaml",
        "soc2_to_iso27001-2022/mapping-soc2-2017-rev-2022-to-iso27001-2022.yaml",
        "nist-csf-2.0_to_nist-800-53-rev5/oscal-mapping-collection.json",
        "nist-800-53-rev4_to_rev5/oscal-mapping-collection.json",
        "nist-800-53-rev4_to_rev5/sp800-53r4-to-r5-comparison-workbook.xlsx",
        "nist-csf-1.1_to_nist-800-53-rev5/csf-pf-to-sp800-53r5-mappings.xlsx",
        "cci_to_nist-800-53/disa-cci-list.xml",
    ];
    let files: Vec<PathBuf> = first.iter().map(|f| m(f)).collect();
    let written = run(dir.path(), &files, &Options::default());
    // The other forms of mappings already written: the same pair from
    // another source is refused, and counted with --replace --dry-run.
    let others = [
        "nist-csf-2.0_to_nist-800-53-rev5/csf2_to_800-53_crosswalk.csv",
        "nist-csf-2.0_to_nist-800-53-rev5/Cybersecurity_Framework_v2-0_Concept_Crosswalk_800-53_5_2_0_draft.xlsx",
        "nist-800-53-rev4_to_rev5/nist_rev5_to_nist_rev4_crosswalk.csv",
    ];
    let mut alternatives = Report::default();
    for f in others {
        let err = plan::run(dir.path(), &[m(f)], &Options::default()).expect_err(f);
        assert!(err.to_string().contains("--replace"), "{f}: {err}");
        let r = run(
            dir.path(),
            &[m(f)],
            &Options {
                replace: true,
                dry_run: true,
                ..Options::default()
            },
        );
        alternatives.sets.extend(r.sets);
    }
    // What each source states, counted from the source itself.
    let stated: Vec<(&str, usize)> = written
        .sets
        .iter()
        .chain(&alternatives.sets)
        .map(|s| (s.set.as_str(), s.stated))
        .collect();
    for (set, n) in [
        ("mapping-cis-controls-v8-and-iso27001-2022", 200),
        ("mapping-nist-sp-800-66-rev2-to-nist-sp-800-53-rev5", 621),
        ("mapping-nist-sp-800-53-rev5-and-iso27001-2022", 642),
        ("mapping-nist-csf-1.1-nist-csf-2.0", 185),
        ("mapping-nist-csf-2.0-to-iso27001-2022", 343),
        ("mapping-soc2-2017-rev-2022-to-iso27001-2022", 1405),
        ("Relationships", 746),
    ] {
        assert!(stated.contains(&(set, n)), "{set}: {stated:?}");
    }
    let csv: Vec<usize> = alternatives
        .sets
        .iter()
        .filter(|s| s.set == "csv")
        .map(|s| s.stated)
        .collect();
    assert_eq!(csv, vec![740, 740]);
    insta::assert_snapshot!("corpus_imports", summary(&written));
    insta::assert_snapshot!("corpus_alternative_forms", summary(&alternatives));
    // Every control a written mapping names resolves.
    let v = aegis::pipeline::validate(dir.path(), Date::today_utc()).expect("validates");
    let unknown: Vec<_> = v
        .diagnostics
        .iter()
        .filter(|d| {
            matches!(
                d.code,
                aegis::diag::Code::UnknownControl | aegis::diag::Code::UnknownFramework
            )
        })
        .map(|d| format!("{}: {}", d.file, d.message))
        .collect();
    assert!(unknown.is_empty(), "{unknown:#?}");
    // Re-import: byte-identical, nothing written.
    let again = run(dir.path(), &files, &Options::default());
    assert!(
        again
            .sets
            .iter()
            .all(|s| matches!(s.status, Status::Unchanged | Status::Inverse(_)))
    );
    // ISO/IEC 27001:2013 has no open catalog in the corpus: the import
    // says so and how to add one.
    let err = plan::run(
        dir.path(),
        &[m(
            "iso27001-2013_to_iso27001-2022/mapping-iso27001-2013-to-iso27001-2022.yaml",
        )],
        &Options::default(),
    )
    .expect_err("no ISO 27001:2013 framework");
    let msg = err.to_string();
    assert!(
        msg.contains("ISO/IEC 27001:2013") && msg.contains("--id iso27001-2013"),
        "{msg}"
    );
}
