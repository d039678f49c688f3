//! `aegis report`: every kind on the example repository, the tables in
//! FedRAMP's POA&M columns, manifests, byte-identical reruns, templates a
//! repository overrides, and text from the repository made inert.

use crate::harness::{Aegis, copy_tree};
use std::path::Path;

/// The example's records are dated up to 2026-10; judge them a little later.
const AS_OF: &str = "2026-12-01";

const KINDS: [&str; 10] = [
    "gaps",
    "ssp",
    "sap",
    "sar",
    "poam",
    "crosswalk",
    "evidence",
    "policies",
    "risks",
    "dashboard",
];

/// A copy of the example outside any git repository, so the reports'
/// time of record is the as-of date and snapshots do not follow commits.
/// It keeps its directory name, which reports use as a title.
struct Example {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
}

impl Example {
    fn path(&self) -> &Path {
        &self.root
    }
}

fn example() -> Example {
    let dir = tempfile::tempdir().expect("temporary directory");
    let root = dir.path().join("saas");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/saas"),
        &root,
    );
    Example { _dir: dir, root }
}

fn report(repo: &Path, extra: &[&str]) -> crate::harness::Output {
    Aegis::new()
        .args(["report", "--as-of", AS_OF, "--repo"])
        .arg(repo)
        .args(extra)
        .run()
}

#[test]
fn every_kind_renders_in_markdown_and_json_on_the_example() {
    let repo = example();
    for kind in KINDS {
        let out = report(repo.path(), &[kind]);
        assert_eq!(out.code, 0, "{kind}: {}", out.stderr);
        crate::snapshot!(format!("report_{kind}_markdown"), out.stdout);
        let json = report(repo.path(), &[kind, "--format", "json"]);
        assert_eq!(json.code, 0, "{kind}: {}", json.stderr);
        let j = json.json();
        assert_eq!(j["meta"]["generated"], "2026-12-01T00:00:00Z");
        assert_eq!(j["systems"].as_array().map(Vec::len), Some(2));
    }
}

#[test]
fn scope_narrows_to_one_system_and_baseline() {
    let repo = example();
    let out = report(
        repo.path(),
        &[
            "gaps",
            "--system",
            "ledger",
            "--baseline",
            "acme-msa",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["systems"].as_array().map(Vec::len), Some(1));
    assert_eq!(j["systems"][0]["selections"][0]["framework"], "acme-msa");
    assert_eq!(
        j["systems"][0]["selections"].as_array().map(Vec::len),
        Some(1)
    );
    let poam: Vec<&str> = j["poam"]
        .as_array()
        .expect("poam")
        .iter()
        .filter_map(|p| p["control"].as_str())
        .collect();
    assert_eq!(poam, ["ACME-3", "ACME-5"]);

    let unknown = report(repo.path(), &["gaps", "--system", "nope"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("no system `nope`"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn the_poam_table_has_fedramps_columns_in_csv_and_xlsx() {
    use calamine::{Reader, Xlsx, open_workbook};
    let repo = example();
    let csv = report(repo.path(), &["poam", "--format", "csv"]);
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    let mut r = csv::Reader::from_reader(csv.stdout.as_bytes());
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header.len(), 31);
    assert_eq!(header[0], "POAM ID");
    assert_eq!(header[3], "Weakness Description");
    assert_eq!(header[30], "Service Name");
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().all(|row| row[0].starts_with("POAM-")));
    // An owner written `@team` would be a formula to a spreadsheet.
    assert!(rows.iter().any(|row| &row[7] == "'@northwind/ledger"));

    let out = repo.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let xlsx = out.join("poam.xlsx");
    let run = report(repo.path(), &["poam", "--format", "xlsx", "-o"]);
    assert_eq!(run.code, 2, "xlsx needs a file name");
    let run = Aegis::new()
        .args([
            "report", "poam", "--format", "xlsx", "--as-of", AS_OF, "--repo",
        ])
        .arg(repo.path())
        .arg("-o")
        .arg(&xlsx)
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut book: Xlsx<_> = open_workbook(&xlsx).expect("open xlsx");
    let range = book
        .worksheet_range("Open POA&M Items")
        .expect("the sheet FedRAMP names");
    assert_eq!(range.height(), 11);
    assert_eq!(range.width(), 31);
    assert_eq!(
        range.get((0, 0)).map(ToString::to_string).as_deref(),
        Some("POAM ID")
    );

    let gaps = report(repo.path(), &["gaps", "--format", "csv"]);
    assert_eq!(gaps.code, 0, "{}", gaps.stderr);
    assert!(
        gaps.stdout.starts_with(
            "system,framework,baseline,control,title,status,reasons,poam,exceptions\n"
        )
    );

    let wrong = report(repo.path(), &["ssp", "--format", "csv"]);
    assert_eq!(wrong.code, 2);
    assert!(
        wrong.stderr.contains("`ssp` has no csv form"),
        "{}",
        wrong.stderr
    );
}

#[test]
fn reruns_are_byte_identical_and_the_manifest_vouches_for_each_file() {
    use sha2::{Digest, Sha256};
    let repo = example();
    let out = repo.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let mut first = Vec::new();
    for round in 0..2 {
        let mut files = Vec::new();
        for (kind, format, name) in [
            ("ssp", "markdown", "ssp.md"),
            ("poam", "xlsx", "poam.xlsx"),
            ("poam", "csv", "poam.csv"),
            ("dashboard", "json", "dashboard.json"),
        ] {
            let path = out.join(name);
            let run = Aegis::new()
                .args([
                    "report", kind, "--format", format, "--as-of", AS_OF, "--repo",
                ])
                .arg(repo.path())
                .arg("-o")
                .arg(&path)
                .run();
            assert_eq!(run.code, 0, "{kind}: {}", run.stderr);
            let bytes = std::fs::read(&path).expect("report");
            let manifest: serde_json::Value = serde_json::from_slice(
                &std::fs::read(out.join(format!("{name}.manifest.json"))).expect("manifest"),
            )
            .expect("manifest JSON");
            assert_eq!(manifest["report"], kind);
            assert_eq!(manifest["format"], format);
            assert_eq!(manifest["generated"], "2026-12-01T00:00:00Z");
            assert!(manifest.get("commit").is_none(), "not in git");
            let a = &manifest["artifacts"][0];
            assert_eq!(a["path"], name);
            assert_eq!(a["bytes"], bytes.len());
            assert_eq!(a["sha256"], aegis::digest::hex(&Sha256::digest(&bytes)));
            files.push(bytes);
        }
        if round == 0 {
            first = files;
        } else {
            assert!(first == files, "a rerun changed a report");
        }
    }
}

#[test]
fn in_git_the_report_records_the_commit_and_its_time() {
    let repo = example();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(["-c", "user.name=Auditor", "-c", "user.email=a@example.com"])
            .args(args)
            .current_dir(repo.path())
            .env("GIT_COMMITTER_DATE", "2026-11-02T10:00:00Z")
            .env("GIT_AUTHOR_DATE", "2026-11-02T10:00:00Z")
            .output()
    };
    let Ok(init) = git(&["init", "-q"]) else {
        eprintln!("skipped: git is not installed");
        return;
    };
    assert!(init.status.success());
    assert!(git(&["add", "-A"]).expect("git add").status.success());
    assert!(
        git(&["commit", "-q", "-m", "baseline"])
            .expect("git commit")
            .status
            .success()
    );
    let head = git(&["rev-parse", "HEAD"]).expect("rev-parse");
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let out = report(repo.path(), &["dashboard", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let j = out.json();
    assert_eq!(j["meta"]["commit"], head.as_str());
    assert_eq!(j["meta"]["generated"], "2026-11-02T10:00:00Z");
}

#[test]
fn a_repository_template_overrides_the_built_in_one_and_its_errors_name_it() {
    let repo = example();
    let dir = repo.path().join("templates/markdown");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("risks.md.j2"),
        "Risks of {{ repository | md }}:\n{% for r in risks %}\n- {{ r.id }} scores {{ r.score }}\n{% endfor %}\n",
    )
    .expect("write");
    let out = report(repo.path(), &["risks"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.ends_with("- R-007 scores 12\n"),
        "{}",
        out.stdout
    );

    std::fs::write(
        dir.join("risks.md.j2"),
        "line one\n{{ risks[0].nonexistent }}\n",
    )
    .expect("write");
    let out = report(repo.path(), &["risks"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(
            "template markdown/risks.md.j2 (templates/markdown/risks.md.j2 in the repository), line 2: undefined value"
        ),
        "{}",
        out.stderr
    );

    std::fs::write(dir.join("risks.md.j2"), "{% for a in risks %}{% for b in risks %}{% for c in risks %}{% for d in range(100000) %}{% for e in range(100000) %}x{% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}").expect("write");
    let out = report(repo.path(), &["risks"]);
    assert_eq!(out.code, 2, "a runaway template is stopped");
    assert!(out.stderr.contains("fuel"), "{}", out.stderr);

    #[cfg(unix)]
    {
        std::fs::remove_file(dir.join("risks.md.j2")).expect("rm");
        let outside = tempfile::tempdir().expect("tempdir");
        std::fs::write(outside.path().join("t.j2"), "{{ meta }}").expect("write");
        std::os::unix::fs::symlink(outside.path().join("t.j2"), dir.join("risks.md.j2"))
            .expect("symlink");
        let out = report(repo.path(), &["risks"]);
        assert_eq!(out.code, 2);
        assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);
    }
}

#[test]
fn text_from_the_repository_comes_out_inert_in_markdown() {
    let repo = example();
    let path = repo.path().join("implementations/platform/IAM-1.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    let hostile = text
        .replace(
            "owner: \"@northwind/platform\"",
            "owner: \"x | <img src=x onerror=alert(1)> \\e[2J\"",
        )
        .replace(
            "  identities from the company identity provider through SAML or OIDC.",
            "  identities <script>alert(1)</script> [click](javascript:alert(2)).",
        );
    std::fs::write(&path, hostile).expect("write");
    for kind in ["ssp", "poam", "sap"] {
        let out = report(repo.path(), &[kind]);
        assert_eq!(out.code, 0, "{kind}: {}", out.stderr);
        assert!(!out.stdout.contains("<script"), "{kind}: {}", out.stdout);
        assert!(!out.stdout.contains("<img"), "{kind}: {}", out.stdout);
        assert!(!out.stdout.contains('\x1b'), "{kind}");
    }
    let sap = report(repo.path(), &["sap"]);
    assert!(sap.stdout.contains("x \\| &lt;img"), "{}", sap.stdout);
}

#[test]
fn oscal_documents_come_one_system_at_a_time_and_rerun_identically() {
    let repo = example();
    let needs = report(repo.path(), &["ssp", "--format", "oscal"]);
    assert_eq!(needs.code, 2);
    assert!(
        needs.stderr.contains("name it with --system"),
        "{}",
        needs.stderr
    );
    let wrong = report(repo.path(), &["evidence", "--format", "oscal"]);
    assert_eq!(wrong.code, 2);
    for (kind, root) in [
        ("ssp", "system-security-plan"),
        ("sar", "assessment-results"),
        ("poam", "plan-of-action-and-milestones"),
    ] {
        let a = report(
            repo.path(),
            &[kind, "--format", "oscal", "--system", "ledger"],
        );
        assert_eq!(a.code, 0, "{kind}: {}", a.stderr);
        let j = a.json();
        assert_eq!(j[root]["metadata"]["oscal-version"], "1.1.2", "{kind}");
        assert_eq!(j[root]["metadata"]["last-modified"], "2026-12-01T00:00:00Z");
        let b = report(
            repo.path(),
            &[kind, "--format", "oscal", "--system", "ledger"],
        );
        assert_eq!(a.stdout, b.stdout, "{kind} reruns identically");
    }
}
