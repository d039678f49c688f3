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

/// `report` written to `out` with `-o`.
fn report_to(repo: &Path, extra: &[&str], out: &Path) -> crate::harness::Output {
    Aegis::new()
        .args(["report", "--as-of", AS_OF, "--repo"])
        .arg(repo)
        .args(extra)
        .arg("-o")
        .arg(out)
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

/// Every `href="…"` and `src="…"` value in an HTML page.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            if let Some(end) = rest.find('"') {
                out.push(rest[..end].to_string());
                rest = &rest[end..];
            }
        }
    }
    out
}

#[test]
fn the_site_is_self_contained_its_links_resolve_and_reruns_are_identical() {
    use sha2::{Digest, Sha256};
    let repo = example();
    let site = repo.path().join("site");
    let build = || report_to(repo.path(), &["site"], &site);
    let out = build();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(site.join("manifest.json")).expect("manifest"))
            .expect("manifest JSON");
    assert_eq!(manifest["report"], "site");
    let artifacts = manifest["artifacts"].as_array().expect("artifacts");
    // the style and script, index, 9 reports, the crosswalk matrix, the
    // control index, 27 control pages.
    assert_eq!(artifacts.len(), 41);
    let matrix = std::fs::read_to_string(site.join("matrix.html")).expect("matrix");
    assert!(
        matrix.contains("<h2>northwind-baseline → acme-msa</h2>"),
        "{matrix}"
    );
    assert!(matrix.contains("<tr><td>IAM-2</td><td>ACME-1</td><td>superset-of</td><td>9</td>"));
    let mut first: Vec<Vec<u8>> = Vec::new();
    for a in artifacts {
        let rel = a["path"].as_str().expect("path");
        let path = site.join(rel);
        let bytes = std::fs::read(&path).expect("listed file exists");
        assert_eq!(
            a["sha256"],
            aegis::digest::hex(&Sha256::digest(&bytes)),
            "{rel}"
        );
        first.push(bytes.clone());
        if rel.starts_with("assets/") {
            continue;
        }
        let page = String::from_utf8(bytes).expect("UTF-8");
        assert!(
            page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
            "{rel}"
        );
        assert!(
            page.contains("assets/site.css\">"),
            "{rel}: the shared style"
        );
        assert_eq!(
            page.matches("<script").count(),
            1,
            "{rel}: only the table script"
        );
        assert_eq!(page.matches("<h1").count(), 1, "{rel}: one top heading");
        for link in links(&page) {
            assert!(
                !link.contains("://") && !link.starts_with("//"),
                "{rel}: external link {link}"
            );
            // Attribute values are HTML-escaped; a browser decodes them.
            let link = link.replace("&#x2f;", "/").replace("&amp;", "&");
            let target = link.split('#').next().unwrap_or("");
            if target.is_empty() {
                continue;
            }
            let resolved = path.parent().expect("parent").join(target);
            assert!(resolved.is_file(), "{rel}: broken link {link}");
        }
    }
    let index = std::fs::read_to_string(site.join("index.html")).expect("index");
    assert_eq!(index.matches("<svg").count(), 4, "four charts");
    assert_eq!(index.matches("role=\"img\"").count(), 4);
    assert!(index.contains("<title>Risk heat map: residual likelihood by impact</title>"));

    // A rerun rewrites the same bytes; a stale page of the earlier site
    // (listed in its manifest) is removed, and nothing else is.
    let stale = site.join("controls/ledger/acme-msa/all/ACME-9.html");
    std::fs::write(&stale, "old").expect("write");
    let mut m = manifest.clone();
    m["artifacts"]
        .as_array_mut()
        .expect("artifacts")
        .push(serde_json::json!({"path": "controls/ledger/acme-msa/all/ACME-9.html", "bytes": 3, "sha256": ""}));
    std::fs::write(site.join("manifest.json"), m.to_string()).expect("write");
    let mine = site.join("notes.txt");
    std::fs::write(&mine, "mine").expect("write");
    let out = build();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!stale.exists(), "a page the site no longer has is removed");
    assert!(mine.exists(), "a file the site never listed is left alone");
    for (a, before) in artifacts.iter().zip(&first) {
        let now = std::fs::read(site.join(a["path"].as_str().expect("path"))).expect("read");
        assert!(&now == before, "{} changed on rerun", a["path"]);
    }

    let elsewhere = repo.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("mkdir");
    std::fs::write(elsewhere.join("keep.txt"), "x").expect("write");
    let refused = report_to(repo.path(), &["site"], &elsewhere);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("holds no site made by aegis"),
        "{}",
        refused.stderr
    );
}

#[test]
fn text_from_the_repository_comes_out_inert_in_html() {
    let repo = example();
    let path = repo.path().join("implementations/platform/IAM-1.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    let hostile = text
        .replace(
            "owner: \"@northwind/platform\"",
            "owner: \"<img src=x onerror=alert(1)>\"",
        )
        .replace(
            "  identities from the company identity provider through SAML or OIDC.",
            "  identities <script>alert(1)</script> [click](javascript:alert(2))\n  <a href=\"javascript:alert(3)\" onclick=\"x()\">a</a>.",
        );
    std::fs::write(&path, hostile).expect("write");
    let site = repo.path().join("site");
    let out = report_to(repo.path(), &["site"], &site);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for page in [
        "ssp.html",
        "sap.html",
        "poam.html",
        "controls/platform/northwind-baseline/saas/IAM-1.html",
    ] {
        let html = std::fs::read_to_string(site.join(page)).expect("page");
        assert_inert(page, &html);
        if !page.starts_with("poam") {
            assert!(
                html.contains("onerror"),
                "{page}: the text is shown, as text"
            );
        }
    }
    let one = report(repo.path(), &["ssp", "--format", "html"]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert_inert("ssp --format html", &one.stdout);
    assert!(
        one.stdout.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "shown, not run"
    );
}

/// No tag of `html` (outside the page's own script) runs anything: no
/// script or image element, no event handler, no `javascript:` URL.
fn assert_inert(what: &str, html: &str) {
    // The page's own script (inline in a single page, linked from the
    // site's pages) is left out of the scan.
    let outside = match html.split_once("<script>") {
        Some((before, rest)) => {
            let (_, after) = rest.split_once("</script>").expect("closed");
            format!("{before}{after}")
        }
        None => html.replace("<script src=\"", "<linked-script src=\""),
    };
    let mut rest = outside.as_str();
    while let Some(i) = rest.find('<') {
        let tail = &rest[i..];
        let end = tail.find('>').unwrap_or(tail.len());
        let tag = tail[..end].to_ascii_lowercase();
        assert!(
            !tag.starts_with("<script") && !tag.starts_with("<img"),
            "{what}: {tag}"
        );
        assert!(!tag.contains("javascript:"), "{what}: {tag}");
        assert!(
            !tag.split_whitespace()
                .any(|a| a.starts_with("on") && a.contains('=')),
            "{what}: {tag}"
        );
        rest = &tail[end.min(tail.len())..];
        if rest.is_empty() {
            break;
        }
        rest = &rest[1..];
    }
}

/// The browser the PDF and browser tests use: `AEGIS_CHROMIUM`, or
/// Chromium or Chrome on `PATH`. `.ci/run` installs Debian's `chromium`.
fn chromium() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("AEGIS_CHROMIUM") {
        return Some(p.into());
    }
    let path = std::env::var_os("PATH")?;
    let found = std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser", "google-chrome"].map(|n| d.join(n)))
        .find(|p| p.is_file());
    // CI installs a browser: there, not finding one is a failure, not a skip.
    assert!(
        found.is_some() || std::env::var_os("AEGIS_REQUIRE_BROWSER").is_none(),
        "AEGIS_REQUIRE_BROWSER is set but no Chromium is on PATH"
    );
    found
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(2))
            == Some("0")
    })
}

fn tool(name: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(name).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn pdf_is_printed_by_chromium_and_reads_well() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no Chromium on PATH and AEGIS_CHROMIUM unset");
        return;
    };
    let repo = example();
    let out_dir = repo.path().join("out");
    std::fs::create_dir(&out_dir).expect("mkdir");
    let mut prints = Vec::new();
    for round in 0..2 {
        let pdf = out_dir.join(format!("ssp-{round}.pdf"));
        let run = Aegis::new()
            .args([
                "report", "ssp", "--format", "pdf", "--as-of", AS_OF, "--repo",
            ])
            .arg(repo.path())
            .arg("-o")
            .arg(&pdf)
            .env("AEGIS_CHROMIUM", &browser)
            .run();
        assert_eq!(run.code, 0, "{}", run.stderr);
        let bytes = std::fs::read(&pdf).expect("pdf");
        assert!(bytes.starts_with(b"%PDF"));
        prints.push(bytes);
        let Some(info) = tool("pdfinfo", &[pdf.to_str().expect("path")]) else {
            assert!(
                std::env::var_os("AEGIS_REQUIRE_BROWSER").is_none(),
                "AEGIS_REQUIRE_BROWSER is set but pdfinfo (poppler-utils) is missing"
            );
            eprintln!("pdfinfo (poppler-utils) not installed: page and text checks skipped");
            continue;
        };
        let pages: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("page count");
        assert!(
            pages >= 3,
            "the example's SSP runs to several pages, got {pages}"
        );
        let text = tool("pdftotext", &[pdf.to_str().expect("path"), "-"]).expect("pdftotext");
        for needle in [
            "System Security Plans: saas",
            "System: Cloud platform",
            "IAM-1: Single sign-on",
            "Production tooling (cloud console, Kubernetes, CI, databases)",
        ] {
            assert!(text.contains(needle), "the PDF's text lacks {needle:?}");
        }
    }
    assert!(
        prints[0] == prints[1],
        "two prints of one commit are identical"
    );
}

#[test]
fn without_a_browser_the_pdf_error_says_what_to_install_and_a_stuck_one_is_stopped() {
    let repo = example();
    let pdf = repo.path().join("r.pdf");
    let none = Aegis::new()
        .args([
            "report", "ssp", "--format", "pdf", "--as-of", AS_OF, "--repo",
        ])
        .arg(repo.path())
        .arg("-o")
        .arg(&pdf)
        .env("PATH", "")
        .run();
    assert_eq!(none.code, 2);
    assert!(
        none.stderr.contains("apt-get install chromium"),
        "{}",
        none.stderr
    );
    assert!(!pdf.exists());

    let missing = Aegis::new()
        .args([
            "report", "ssp", "--format", "pdf", "--as-of", AS_OF, "--repo",
        ])
        .arg(repo.path())
        .arg("-o")
        .arg(&pdf)
        .env("AEGIS_CHROMIUM", repo.path().join("no-such-browser"))
        .run();
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("AEGIS_CHROMIUM is"),
        "{}",
        missing.stderr
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let stuck = repo.path().join("stuck-browser");
        std::fs::write(&stuck, "#!/bin/sh\nexec sleep 30\n").expect("write");
        std::fs::set_permissions(&stuck, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let started = std::time::Instant::now();
        let run = Aegis::new()
            .args([
                "report",
                "ssp",
                "--format",
                "pdf",
                "--pdf-timeout",
                "1",
                "--as-of",
                AS_OF,
                "--repo",
            ])
            .arg(repo.path())
            .arg("-o")
            .arg(&pdf)
            .env("AEGIS_CHROMIUM", &stuck)
            .run();
        assert_eq!(run.code, 2);
        assert!(
            run.stderr.contains("did not finish printing within 1 s"),
            "{}",
            run.stderr
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        assert!(!pdf.exists());
    }
}

#[test]
fn the_site_opens_in_a_real_browser_without_console_errors() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no Chromium on PATH and AEGIS_CHROMIUM unset");
        return;
    };
    let repo = example();
    let site = repo.path().join("site");
    let out = report_to(repo.path(), &["site"], &site);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("site-screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");
    for page in [
        "index.html",
        "ssp.html",
        "poam.html",
        "controls/ledger/acme-msa/all/ACME-1.html",
    ] {
        let shot = shots.join(format!("{}.png", page.replace('/', "_")));
        let _ = std::fs::remove_file(&shot);
        let profile = tempfile::tempdir().expect("profile");
        let mut cmd = std::process::Command::new(&browser);
        cmd.args([
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,1600",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", shot.display()));
        if running_as_root() {
            cmd.arg("--no-sandbox");
        }
        let url = format!("file://{}", site.join(page).display());
        let run = cmd.arg(&url).output().expect("run the browser");
        let log = String::from_utf8_lossy(&run.stderr);
        let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
        assert!(console.is_empty(), "{page}: console output: {console:?}");
        let png = std::fs::read(&shot).unwrap_or_default();
        assert!(
            png.starts_with(b"\x89PNG"),
            "{page}: no screenshot; browser said: {log}"
        );
        eprintln!("screenshot: {}", shot.display());
    }
}

#[test]
fn the_assessment_plan_names_the_scans_aegis_yaml_requires() {
    let repo = example();
    let config = repo.path().join("aegis.yaml");
    let text = std::fs::read_to_string(&config).expect("read");
    let text = text.replacen(
        "  - id: platform\n",
        "  - id: platform\n    scan_interval: 7d\n    scan_intervals:\n      openscap: 30d\n",
        1,
    );
    std::fs::write(&config, text).expect("write");
    let out = report(repo.path(), &["sap", "--system", "platform"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "Scans required by aegis.yaml: any source at least every 7d; openscap every 30d"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn an_exported_ssp_imports_back_as_the_records_it_came_from() {
    let repo = example();
    let ssp = repo.path().join("ledger-ssp.json");
    let out = report_to(
        repo.path(),
        &["ssp", "--format", "oscal", "--system", "ledger"],
        &ssp,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let gaps_before = report(repo.path(), &["gaps", "--format", "json"]).stdout;
    let dir = repo.path().join("implementations/ledger");
    let read_all = || -> Vec<(String, serde_json::Value)> {
        let mut v: Vec<(String, serde_json::Value)> = std::fs::read_dir(&dir)
            .expect("dir")
            .map(|e| {
                let e = e.expect("entry");
                let text = std::fs::read_to_string(e.path()).expect("read");
                let value: serde_json::Value = serde_saphyr::from_str(&text).expect("YAML");
                (e.file_name().to_string_lossy().into_owned(), value)
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let before = read_all();
    std::fs::remove_dir_all(&dir).expect("remove the ledger's records");

    let import = Aegis::new()
        .args(["oscal", "import"])
        .arg(&ssp)
        .arg("--repo")
        .arg(repo.path())
        .args(["--system", "ledger"])
        .run();
    assert_eq!(import.code, 0, "{}\n{}", import.stdout, import.stderr);
    assert!(
        import
            .stderr
            .contains("acme-3: exported by Aegis as `missing`")
            || import
                .stdout
                .contains("acme-3: exported by Aegis as `missing`"),
        "computed statuses are said, not written: {}{}",
        import.stdout,
        import.stderr
    );
    assert_eq!(read_all(), before, "the same records, field for field");
    let gaps_after = report(repo.path(), &["gaps", "--format", "json"]).stdout;
    assert_eq!(gaps_after, gaps_before);
}

/// Every key path of `v` (`/a/b/*/c`), array positions folded to `*`.
fn key_paths(v: &serde_json::Value, at: &str, out: &mut std::collections::BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}/{k}");
                out.insert(p.clone());
                key_paths(x, &p, out);
            }
        }
        serde_json::Value::Array(items) => {
            for x in items {
                key_paths(x, &format!("{at}/*"), out);
            }
        }
        _ => {}
    }
}

/// OSCAL fields the exports use that NIST's and FedRAMP's examples in the
/// corpus happen not to: each is in the OSCAL 1.1 model (trestle, which
/// refuses unknown fields, validates every export in CI).
const USED_BEYOND_THE_EXAMPLES: [&str; 7] = [
    // props are allowed on nearly every assembly; Aegis's carry its namespace
    "/props",
    // an SSP statement's inherited part (by-component `inherited`)
    "/by-components/*/inherited",
    // a component's status remarks
    "/components/*/status/remarks",
    // a finding target's title and status reason
    "/target/title",
    "/target/status/reason",
    // POA&M `findings` and the items' `related-findings` (OSCAL 1.1)
    "/plan-of-action-and-milestones/findings",
    "/poam-items/*/related-findings",
];

#[test]
fn oscal_exports_have_the_shape_of_nist_and_fedramp_examples() {
    let Some(corpus) = std::env::var_os("AEGIS_CORPUS").map(std::path::PathBuf::from) else {
        eprintln!("skipped: AEGIS_CORPUS is not set");
        return;
    };
    let examples = corpus.join("oscal/examples");
    let templates = corpus.join("oscal/fedramp-rev5/templates");
    let repo = example();
    for (kind, dir, template) in [
        ("ssp", "ssp", "FedRAMP-SSP-OSCAL-Template.json"),
        ("sar", "ar", "FedRAMP-SAR-OSCAL-Template.json"),
        ("poam", "poam", "FedRAMP-POAM-OSCAL-Template.json"),
    ] {
        let mut known = std::collections::BTreeSet::new();
        let mut sources: Vec<std::path::PathBuf> = std::fs::read_dir(examples.join(dir))
            .unwrap_or_else(|e| {
                panic!("AEGIS_CORPUS is set but oscal/examples/{dir} is missing: {e}")
            })
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        sources.push(templates.join(template));
        for f in &sources {
            let v: serde_json::Value = serde_json::from_slice(
                &std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display())),
            )
            .expect("example JSON");
            key_paths(&v, "", &mut known);
        }
        for system in ["platform", "ledger"] {
            let out = report(
                repo.path(),
                &[kind, "--format", "oscal", "--system", system],
            );
            assert_eq!(out.code, 0, "{kind} {system}: {}", out.stderr);
            let mut mine = std::collections::BTreeSet::new();
            key_paths(&out.json(), "", &mut mine);
            let unknown: Vec<&String> = mine
                .iter()
                .filter(|p| !known.contains(*p))
                .filter(|p| !USED_BEYOND_THE_EXAMPLES.iter().any(|f| p.contains(f)))
                .collect();
            assert!(
                unknown.is_empty(),
                "{kind} {system}: key paths no example has: {unknown:#?}"
            );
        }
    }
}
