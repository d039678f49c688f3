//! Compliance through git: `--at`, `aegis diff` and `aegis history` on
//! repositories the tests build with the `git` CLI, with fixed dates and
//! known changes per commit.

use crate::harness::{Aegis, copy_tree};
use std::path::{Path, PathBuf};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/saas")
}

use super::github::git_at as git;

fn commit(dir: &Path, message: &str, date: &str) -> String {
    git(dir, &["add", "-A"], date);
    git(dir, &["commit", "-q", "-m", message], date);
    git(dir, &["rev-parse", "HEAD"], date)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn edit(path: &Path, from: &str, to: &str) {
    let t = std::fs::read_to_string(path).expect("read");
    assert!(t.contains(from), "{} holds {from:?}", path.display());
    std::fs::write(path, t.replacen(from, to, 1)).expect("write");
}

/// `aegis history --format json ARGS ROOT` on `threads` threads: the
/// points, oldest first.
fn walk(root: &Path, threads: &str, args: &[&str]) -> Vec<serde_json::Value> {
    let out = Aegis::new()
        .env("RAYON_NUM_THREADS", threads)
        .args(["history", "--format", "json"])
        .args(args)
        .arg(root)
        .run();
    assert!(out.code <= 1, "{}", out.stderr);
    json(&out.stdout)["commits"]
        .as_array()
        .cloned()
        .expect("commits")
}

/// Each point of a walk is what a walk of that one commit alone gives.
fn assert_each_as_alone(root: &Path, walked: &[serde_json::Value], shas: &[String], args: &[&str]) {
    for (point, sha) in walked.iter().zip(shas) {
        let one = [args, &["--rev", sha, "--max-count", "1"]].concat();
        let alone = walk(root, "1", &one);
        assert_eq!(alone.len(), 1);
        assert_eq!(
            point, &alone[0],
            "commit {sha} judged differently in the walk"
        );
    }
}

/// The trend a walk on one thread gives as of 2026-06-30, through the
/// library: it says how many commits were patched in.
fn trend_on_one_thread(root: &Path) -> aegis::history::trend::Trend {
    let opts = aegis::history::trend::Options {
        rev: "HEAD".into(),
        max_count: 100,
        since: None,
        until: None,
        as_of: aegis::model::Date::new(2026, 6, 30),
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    one.install(|| aegis::history::trend::run(root, &opts))
        .expect("trend")
}

const FINDINGS: &str = "schema_version: 1
system: platform
source:
  tool: OpenSCAP
  version: 1.3.5
  format: xccdf
scan:
  time: 2026-03-30T09:00:00Z
  file: results.xml
findings:
  - target: node-1
    rule_id: sshd_disable_root_login
    result: RESULT
    controls: [northwind-baseline:VUL-1]
    mapped_by: table
    since: 2026-03-30T09:00:00Z
";

/// The example repository in `compliance/` of a git repository (a
/// monorepo), with three commits:
/// 1. 2026-03-01: the example as it is, and a passing scan;
/// 2. 2026-04-01: IAM-1 of `platform` regresses to planned, evidence
///    `pen-test` is added, access-control.md is edited (its approval is
///    of the old text), the scan now fails;
/// 3. 2026-05-01: ACME-5 of `ledger` is declared not applicable (its gap
///    closes).
struct Repo {
    dir: tempfile::TempDir,
    shas: Vec<String>,
}

impl Repo {
    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn compliance(&self) -> PathBuf {
        self.dir.path().join("compliance")
    }
}

fn build() -> Repo {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let c = root.join("compliance");
    copy_tree(&example(), &c);
    write(&root.join("README.md"), "monorepo\n");
    write(
        &c.join("findings/platform/openscap.yaml"),
        &FINDINGS.replace("RESULT", "pass"),
    );
    git(root, &["init", "-q", "-b", "main"], "2026-03-01T10:00:00Z");
    let mut shas = vec![commit(root, "first", "2026-03-01T10:00:00Z")];

    edit(
        &c.join("implementations/platform/IAM-1.yaml"),
        "status: implemented",
        "status: planned",
    );
    write(
        &c.join("evidence/pen-test.yaml"),
        "schema_version: 1
id: pen-test
title: Penetration test report
uri: https://evidence.northwind-ledger.example/pentest/2026.pdf
collected_at: 2026-03-20
collector: \"@northwind/security-lead\"
expires_after: 1y
controls: [northwind-baseline:VUL-1]
",
    );
    let policy = c.join("policies/access-control.md");
    let text = std::fs::read_to_string(&policy).expect("policy");
    std::fs::write(
        &policy,
        format!("{text}\nAn added paragraph nobody approved.\n"),
    )
    .expect("write");
    write(
        &c.join("findings/platform/openscap.yaml"),
        &FINDINGS.replace("RESULT", "fail"),
    );
    shas.push(commit(root, "second", "2026-04-01T10:00:00Z"));

    write(
        &c.join("implementations/ledger/ACME-5.yaml"),
        "schema_version: 1
control: acme-msa:ACME-5
status: not-applicable
owner: \"@northwind/ledger\"
justification: The ledger stores no cardholder data.
",
    );
    shas.push(commit(root, "third", "2026-05-01T10:00:00Z"));
    Repo { dir, shas }
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("JSON ({e}): {text}"))
}

fn coverage(doc: &serde_json::Value, system: &str, framework: &str) -> f64 {
    doc["systems"]
        .as_array()
        .expect("systems")
        .iter()
        .find(|s| s["id"] == system)
        .and_then(|s| {
            s["baselines"]
                .as_array()?
                .iter()
                .find(|b| b["framework"] == framework)
        })
        .and_then(|b| b["coverage"].as_f64())
        .expect("coverage")
}

#[test]
fn at_a_revision_or_a_day_gives_that_commits_posture_while_the_tree_differs() {
    let r = build();
    // The working tree differs from every commit.
    edit(
        &r.compliance().join("implementations/platform/IAM-2.yaml"),
        "status: implemented",
        "status: planned",
    );
    let gaps = |at: &str| {
        Aegis::new()
            .args(["gaps", "--format", "json", "--at", at, "--repo"])
            .arg(r.compliance())
            .run()
    };
    let by_rev = gaps("HEAD~2");
    assert_eq!(by_rev.code, 0, "{}", by_rev.stderr);
    let doc = json(&by_rev.stdout);
    assert_eq!(doc["commit"]["id"], r.shas[0].as_str());
    assert_eq!(doc["commit"]["date"], "2026-03-01");
    assert_eq!(coverage(&doc, "platform", "northwind-baseline"), 63.6);
    // The last commit on or before the end of 2026-03-31 is the first one.
    let by_day = gaps("2026-03-31");
    assert_eq!(by_day.stdout, by_rev.stdout);
    let by_sha = gaps(&r.shas[0]);
    assert_eq!(by_sha.stdout, by_rev.stdout);
    // The second commit: IAM-1 planned, and access-control's approval is
    // of the old text, so platform loses IAM-1 and the controls the policy governs.
    let second = json(&gaps("2026-04-01").stdout);
    assert_eq!(second["commit"]["id"], r.shas[1].as_str());
    assert_eq!(coverage(&second, "platform", "northwind-baseline"), 36.3);
    // The working tree (IAM-2 planned too) is not what --at reads.
    let now = Aegis::new()
        .args([
            "gaps",
            "--format",
            "json",
            "--as-of",
            "2026-05-01",
            "--repo",
        ])
        .arg(r.compliance())
        .run();
    let status = |doc: &serde_json::Value| {
        doc["systems"][0]["baselines"][0]["statuses"]
            .as_array()
            .expect("statuses")
            .iter()
            .find(|c| c["control"] == "IAM-2")
            .map(|c| c["status"].clone())
            .expect("IAM-2")
    };
    assert_eq!(status(&json(&now.stdout)), "planned");
    assert_eq!(status(&json(&gaps("HEAD").stdout)), "implemented");

    let check = Aegis::new()
        .args(["check", "--at", "HEAD~2", "--format", "human"])
        .arg(r.compliance())
        .run();
    assert_eq!(check.code, 1);
    let short = &r.shas[0][..12];
    assert!(
        check
            .stdout
            .contains(&format!("at commit {short} (2026-03-01): first\nfailed: ")),
        "{}",
        check.stdout
    );
    let validate = Aegis::new()
        .args(["validate", "--at", "main~1", "--format", "json"])
        .arg(r.compliance())
        .run();
    assert_eq!(json(&validate.stdout)["commit"]["id"], r.shas[1].as_str());
}

#[test]
fn at_hashes_evidence_from_the_commit_not_the_disk() {
    let r = build();
    let artifact = r.compliance().join("evidence/files/branch-protection.json");
    let mut bytes = std::fs::read(&artifact).expect("artifact");
    bytes.extend_from_slice(b" ");
    std::fs::write(&artifact, bytes).expect("tamper");
    let codes = |extra: &[&str]| -> Vec<String> {
        let out = Aegis::new()
            .args(["validate", "--as-of", "2026-05-01", "--format", "json"])
            .args(extra)
            .arg(r.compliance())
            .run();
        json(&out.stdout)["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["file"] == "evidence/branch-protection.yaml")
            .filter_map(|d| d["code"].as_str().map(str::to_string))
            .collect()
    };
    assert!(codes(&[]).contains(&"evidence-size-mismatch".to_string()));
    let at = codes(&["--at", "HEAD"]);
    assert!(
        !at.iter().any(|c| c.starts_with("evidence-")),
        "the commit's blob matches its record: {at:?}"
    );
}

#[test]
fn at_reports_what_it_cannot_find() {
    let r = build();
    let run = |dir: &Path, at: &str| Aegis::new().args(["check", "--at", at]).arg(dir).run();
    let unknown = run(&r.compliance(), "no-such-branch");
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("unknown revision `no-such-branch`"),
        "{}",
        unknown.stderr
    );
    let early = run(&r.compliance(), "2026-01-01");
    assert_eq!(early.code, 2);
    assert!(
        early.stderr.contains(
            "no commit on the first-parent line of HEAD was made on or before 2026-01-01"
        ),
        "{}",
        early.stderr
    );
    let plain = tempfile::tempdir().expect("tempdir");
    copy_tree(&example(), plain.path());
    let outside = run(plain.path(), "HEAD");
    assert_eq!(outside.code, 2);
    assert!(
        outside.stderr.contains("is not inside a git repository"),
        "{}",
        outside.stderr
    );
}

#[test]
fn diff_reports_exactly_the_known_changes() {
    let r = build();
    let diff = |range: &str, format: &str| {
        Aegis::new()
            .args(["diff", "--format", format])
            .arg(r.compliance())
            .arg(range)
            .run()
    };
    let out = diff("HEAD~2..HEAD~1", "json");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = json(&out.stdout);
    assert_eq!(d["base"]["commit"]["id"], r.shas[0].as_str());
    assert_eq!(d["head"]["commit"]["id"], r.shas[1].as_str());

    // A control regressed (and the one that inherits it).
    let regressed: Vec<(String, String, String)> = d["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .filter(|c| c["movement"] == "regressed")
        .map(|c| {
            (
                c["system"].as_str().unwrap_or_default().to_string(),
                c["control"].as_str().unwrap_or_default().to_string(),
                c["after"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(
        regressed.contains(&("platform".into(), "IAM-1".into(), "planned".into())),
        "{regressed:?}"
    );

    // Evidence added.
    let ev = d["evidence"].as_array().expect("evidence");
    assert!(
        ev.iter()
            .any(|e| e["id"] == "pen-test" && e["change"] == "added"),
        "{ev:?}"
    );
    // The policy changed and lost its approval.
    let pol = d["policies"].as_array().expect("policies");
    assert_eq!(pol.len(), 1, "{pol:?}");
    assert_eq!(pol[0]["id"], "access-control");
    assert_eq!(pol[0]["change"], "changed");
    assert_eq!(pol[0]["approval_before"], "approved");
    assert_eq!(pol[0]["approval_after"], "unapproved");
    assert_ne!(pol[0]["hash_before"], pol[0]["hash_after"]);
    // Findings drift: one rule newly failing on VUL-1.
    assert_eq!(
        d["findings"]["new_failing"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(d["findings"]["fixed"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        d["findings"]["by_rule"]["sshd_disable_root_login"],
        serde_json::json!([1, 0])
    );
    assert_eq!(
        d["findings"]["by_control"]["northwind-baseline:VUL-1"],
        serde_json::json!([1, 0])
    );
    // The implementation that changed, and what it moves.
    let imps = d["implementations"].as_array().expect("implementations");
    assert_eq!(imps.len(), 1, "{imps:?}");
    assert_eq!(imps[0]["path"], "implementations/platform/IAM-1.yaml");
    assert_eq!(imps[0]["status_before"], "implemented");
    assert_eq!(imps[0]["status_after"], "planned");
    assert_eq!(d["gate"]["passed"], false);

    // The third commit closes ACME-5's gap.
    let closed = json(&diff("HEAD~1..HEAD", "json").stdout);
    let gaps_closed: Vec<&str> = closed["gaps_closed"]
        .as_array()
        .expect("closed")
        .iter()
        .filter_map(|g| g["control"].as_str())
        .collect();
    assert_eq!(gaps_closed, ["ACME-5"]);
    assert_eq!(closed["gaps_opened"].as_array().map(Vec::len), Some(0));

    // `...` compares from the merge base; here that is BASE itself.
    assert_eq!(
        diff("HEAD~2...HEAD", "json").stdout,
        diff("HEAD~2..HEAD", "json").stdout
    );

    let md = diff("HEAD~2..HEAD", "markdown");
    let md = md
        .stdout
        .replace(&r.shas[0][..12], "<BASE>")
        .replace(&r.shas[2][..12], "<HEAD>");
    insta::assert_snapshot!("diff_markdown", md);
    let human = diff("HEAD~2..HEAD", "human");
    let human = human
        .stdout
        .replace(&r.shas[0][..12], "<BASE>")
        .replace(&r.shas[2][..12], "<HEAD>");
    insta::assert_snapshot!("diff_human", human);
}

#[test]
fn diff_to_the_working_tree_and_the_markdown_budget() {
    let r = build();
    edit(
        &r.compliance().join("implementations/ledger/IAM-3.yaml"),
        "status: implemented",
        "status: partial",
    );
    // IAM-2 meets acme-msa's ACME-1 through the crosswalk.
    edit(
        &r.compliance().join("implementations/platform/IAM-2.yaml"),
        "status: implemented",
        "status: partial",
    );
    let out = Aegis::new()
        .args([
            "diff",
            "--as-of",
            "2026-05-01",
            "--format",
            "json",
            "--repo",
        ])
        .arg(r.compliance())
        .arg("HEAD..")
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let d = json(&out.stdout);
    assert_eq!(d["head"]["commit"], serde_json::Value::Null);
    let imps: Vec<(&str, Vec<&str>)> = d["implementations"]
        .as_array()
        .expect("implementations")
        .iter()
        .map(|i| {
            (
                i["path"].as_str().unwrap_or_default(),
                i["moves"]
                    .as_array()
                    .expect("moves")
                    .iter()
                    .filter_map(|m| m.as_str())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        imps,
        [
            ("implementations/ledger/IAM-3.yaml", vec![]),
            (
                "implementations/platform/IAM-2.yaml",
                vec!["acme-msa:ACME-1"]
            ),
        ]
    );
    for budget in ["400", "900", "2000"] {
        let md = Aegis::new()
            .args(["diff", "--format", "markdown", "--max-chars", budget])
            .arg(r.compliance())
            .arg("HEAD~2..HEAD")
            .run();
        let n: usize = budget.parse().expect("number");
        assert!(md.stdout.chars().count() <= n, "{budget}: {}", md.stdout);
        assert!(md.stdout.starts_with("### Compliance delta"));
        assert!(
            md.stdout
                .contains("Run `aegis diff --format markdown` for everything."),
            "{budget}: {}",
            md.stdout
        );
    }
    // Somewhere between nothing and everything, a section is cut short
    // and counts what it left out.
    let cut = (8..30).map(|h| h * 100).any(|n| {
        let md = Aegis::new()
            .args([
                "diff",
                "--format",
                "markdown",
                "--max-chars",
                &n.to_string(),
            ])
            .arg(r.compliance())
            .arg("HEAD~2..HEAD")
            .run();
        assert!(md.stdout.chars().count() <= n, "{n}: {}", md.stdout);
        md.stdout.contains(" more (`aegis diff` lists them all)")
    });
    assert!(cut, "no budget cut a section short");
}

#[test]
fn history_counts_each_commit_and_is_byte_identical() {
    let r = build();
    let history = |format: &str, extra: &[&str]| {
        Aegis::new()
            .args(["history", "--format", format])
            .args(extra)
            .arg(r.compliance())
            .run()
    };
    let out = history("json", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let t = json(&out.stdout);
    let commits = t["commits"].as_array().expect("commits");
    assert_eq!(commits.len(), 3);
    let platform = |i: usize| {
        commits[i]["selections"]
            .as_array()
            .expect("selections")
            .iter()
            .find(|s| s["system"] == "platform")
            .map(|s| (s["coverage"].as_f64(), s["gaps"].as_u64()))
            .expect("platform")
    };
    assert_eq!(platform(0), (Some(63.6), Some(4)));
    assert_eq!(platform(1).0, Some(36.3));
    assert_eq!(history("json", &[]).stdout, out.stdout, "two runs differ");

    assert_eq!(
        json(&history("json", &["--max-count", "2"]).stdout)["commits"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let ranged = json(&history("json", &["--since", "2026-03-15", "--until", "2026-04-15"]).stdout);
    let ids: Vec<&str> = ranged["commits"]
        .as_array()
        .expect("commits")
        .iter()
        .filter_map(|c| c["commit"]["id"].as_str())
        .collect();
    assert_eq!(ids, [r.shas[1].as_str()]);

    let csv = history("csv", &[]).stdout;
    let csv = r.shas.iter().enumerate().fold(csv, |s, (i, sha)| {
        s.replace(sha.as_str(), &format!("<C{}>", i + 1))
    });
    insta::assert_snapshot!("history_csv", csv);
    let svg = history("svg", &[]).stdout;
    assert!(svg.starts_with("<svg") && svg.contains("platform/northwind-baseline@saas"));
    assert_eq!(history("svg", &[]).stdout, svg);
}

#[test]
fn hostile_trees_are_reported_not_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    copy_tree(&example(), root);
    edit(
        &root.join("aegis.yaml"),
        "schema_version: 1\n",
        "schema_version: 1\nlimits:\n  max_file_bytes: 4096\n",
    );
    std::os::unix::fs::symlink(
        "/etc/passwd",
        root.join("implementations/platform/passwd.yaml"),
    )
    .expect("symlink");
    std::os::unix::fs::symlink("/etc", root.join("evidence/files/etc")).expect("symlink");
    let big = format!(
        "schema_version: 1\ncontrol: northwind-baseline:IAM-1\nstatus: implemented\nowner: x\nstatement: {}\n",
        "a".repeat(8000)
    );
    write(&root.join("implementations/ledger/BIG.yaml"), &big);
    git(root, &["init", "-q", "-b", "main"], "2026-03-01T10:00:00Z");
    commit(root, "hostile", "2026-03-01T10:00:00Z");
    // The working tree no longer holds them; the commit does.
    std::fs::remove_file(root.join("implementations/platform/passwd.yaml")).expect("rm");
    std::fs::remove_file(root.join("implementations/ledger/BIG.yaml")).expect("rm");

    let out = Aegis::new()
        .args(["validate", "--at", "HEAD", "--format", "json"])
        .arg(root)
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let d = json(&out.stdout);
    let diags: Vec<(String, String)> = d["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|x| {
            (
                x["code"].as_str().unwrap_or_default().to_string(),
                x["file"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(
        diags.contains(&(
            "path-escapes-repo".into(),
            "implementations/platform/passwd.yaml".into()
        )),
        "{diags:?}"
    );
    assert!(
        diags.contains(&(
            "file-too-large".into(),
            "implementations/ledger/BIG.yaml".into()
        )),
        "{diags:?}"
    );
    assert!(!out.stdout.contains("root:x:0"), "the link was followed");
    // A second commit, a day later, shares every blob: the files parsed
    // for the first come back from the cache with what parsing them found.
    git(
        root,
        &["commit", "-q", "--allow-empty", "-m", "again"],
        "2026-03-02T11:00:00Z",
    );
    let h = Aegis::new()
        .args(["history", "--format", "json"])
        .arg(root)
        .run();
    let t = json(&h.stdout);
    let errors: Vec<u64> = t["commits"]
        .as_array()
        .expect("commits")
        .iter()
        .filter_map(|c| c["errors"].as_u64())
        .collect();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0], errors[1]);
    let validate_errors = d["summary"]["errors"].as_u64().expect("errors");
    assert!(errors[0] >= validate_errors, "{errors:?} {validate_errors}");
}

#[test]
fn a_shallow_clone_says_to_fetch_the_history() {
    let r = build();
    let clone = tempfile::tempdir().expect("tempdir");
    let url = format!("file://{}", r.root().display());
    git(
        clone.path(),
        &["clone", "-q", "--depth", "1", &url, "c"],
        "2026-05-01T10:00:00Z",
    );
    let repo = clone.path().join("c/compliance");
    for args in [
        vec!["check", "--at", "HEAD~2"],
        vec!["diff", "HEAD~2..HEAD", "--repo"],
    ] {
        let out = Aegis::new().args(&args).arg(&repo).run();
        assert_eq!(out.code, 2, "{args:?}: {}", out.stdout);
        assert!(
            out.stderr.contains("fetch-depth: 0"),
            "{args:?}: {}",
            out.stderr
        );
    }
    let base = Aegis::new()
        .args(["check", "--at", &r.shas[0]])
        .arg(&repo)
        .run();
    assert!(base.stderr.contains("fetch-depth: 0"), "{}", base.stderr);
    // History stops at the edge and says so.
    let h = Aegis::new().args(["history"]).arg(&repo).run();
    assert_eq!(h.code, 0, "{}", h.stderr);
    assert!(
        h.stdout
            .contains("1 commits evaluated; the history stops early"),
        "{}",
        h.stdout
    );
}

/// A walk hands each commit the records checked at earlier commits by blob
/// id; a commit judged on its own must come out the same, whatever the
/// walk saw before it: a file broken and mended, one blob at two paths and
/// then moved, a blob under another kind, limits that change how a blob
/// parses.
#[test]
fn a_walk_judges_each_commit_as_a_fresh_run_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    copy_tree(&example(), root);
    git(root, &["init", "-q", "-b", "main"], "2026-03-01T10:00:00Z");
    let mut shas = vec![commit(root, "first", "2026-03-01T10:00:00Z")];

    let impl_file = root.join("implementations/platform/IAM-1.yaml");
    let good = std::fs::read_to_string(&impl_file).expect("implementation");
    edit(&impl_file, "status: implemented", "status: bogus");
    let odd = "schema_version: 1\nid: odd\ntitle: Odd\nuri: https://example.com/odd\ncollected_at: 2026-03-01\nsurprise: true\n";
    write(&root.join("evidence/odd-a.yaml"), odd);
    write(&root.join("evidence/odd-b.yaml"), odd);
    shas.push(commit(root, "break", "2026-03-02T10:00:00Z"));

    write(&impl_file, &good);
    std::fs::rename(
        root.join("evidence/odd-a.yaml"),
        root.join("evidence/odd-c.yaml"),
    )
    .expect("rename");
    shas.push(commit(root, "mend and move", "2026-03-03T10:00:00Z"));

    std::fs::rename(
        root.join("evidence/odd-b.yaml"),
        root.join("risks/odd.yaml"),
    )
    .expect("move");
    let config = root.join("aegis.yaml");
    let text = std::fs::read_to_string(&config).expect("config");
    write(&config, &format!("{text}limits:\n  max_file_bytes: 1024\n"));
    shas.push(commit(
        root,
        "other kind, tighter limits",
        "2026-03-04T10:00:00Z",
    ));

    write(&config, &text);
    shas.push(commit(root, "limits back", "2026-03-05T10:00:00Z"));

    let walked = walk(root, "1", &[]);
    assert_eq!(walked.len(), shas.len());
    let errors: Vec<u64> = walked
        .iter()
        .map(|c| c["errors"].as_u64().expect("errors"))
        .collect();
    assert!(errors[1] > errors[0] && errors[2] < errors[1], "{errors:?}");
    assert_ne!(
        errors[3], errors[4],
        "the limits change nothing: {errors:?}"
    );
    assert_each_as_alone(root, &walked, &shas, &[]);
}

/// A walk over history keeps what the reference rules settled about an
/// implementation while nothing it is looked up in changes. Here the
/// implementation stays the same blob while the evidence it cites is
/// deleted, restored and its framework's control withdrawn: at every
/// commit, `history` must say what `check --at` says of that commit alone.
#[test]
fn history_agrees_with_check_at_every_commit_when_the_world_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    copy_tree(&example(), root);
    git(root, &["init", "-q", "-b", "main"], "2026-03-01T10:00:00Z");
    let mut shas = vec![commit(root, "first", "2026-03-01T10:00:00Z")];
    // DAT-1 of `platform` cites kms-config; the record goes away.
    let kms = root.join("evidence/kms-config.yaml");
    let kept = std::fs::read_to_string(&kms).expect("kms-config");
    std::fs::remove_file(&kms).expect("remove");
    shas.push(commit(root, "evidence gone", "2026-03-02T10:00:00Z"));
    // An unrelated implementation changes; the world does not.
    edit(
        &root.join("implementations/ledger/CHG-1.yaml"),
        "schema_version: 1",
        "schema_version: 1\n# touched",
    );
    shas.push(commit(root, "unrelated", "2026-03-03T10:00:00Z"));
    std::fs::write(&kms, kept).expect("restore");
    shas.push(commit(root, "evidence back", "2026-03-04T10:00:00Z"));

    // One thread walks every commit in turn (what is settled passes from
    // one to the next); two split the line in two stretches.
    let walk = |threads: &str| {
        Aegis::new()
            .env("RAYON_NUM_THREADS", threads)
            .args(["history", "--format", "json", "--as-of", "2026-06-30"])
            .arg(root)
            .run()
    };
    let out = walk("1");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(walk("2").stdout, out.stdout, "one thread and two differ");
    let t = json(&out.stdout);
    let points = t["commits"].as_array().expect("commits");
    assert_eq!(points.len(), shas.len());
    for (p, sha) in points.iter().zip(&shas) {
        assert_eq!(p["commit"]["id"].as_str(), Some(sha.as_str()));
        let alone = Aegis::new()
            .args([
                "check",
                "--at",
                sha,
                "--as-of",
                "2026-06-30",
                "--format",
                "json",
            ])
            .arg(root)
            .run();
        let alone = json(&alone.stdout);
        assert_eq!(
            p["errors"].as_u64(),
            alone["summary"]["errors"].as_u64(),
            "errors at {sha}"
        );
        let unknown_evidence = alone["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .any(|d| d["code"] == "unknown-evidence");
        let gone = sha == &shas[1] || sha == &shas[2];
        assert_eq!(unknown_evidence, gone, "unknown-evidence at {sha}");
    }
}

/// A commit that changes only implementation files is patched into the
/// run of the commit before (`pipeline::walk`): the changed files judged
/// alone, the duplicate rule, the systems they belong to and the systems
/// that inherit from them assessed again. Every kind of change to an
/// implementation that moves the verdict is made here, one commit each,
/// and each commit of the walk must be judged exactly as a fresh run of
/// that commit alone judges it.
#[test]
fn a_walk_patches_changed_implementations_as_a_fresh_run_judges_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    copy_tree(&example(), root);
    // A file no run reads, next to the records.
    write(&root.join("NOTES.md"), "notes\n");
    git(root, &["init", "-q", "-b", "main"], "2026-03-01T10:00:00Z");
    let mut shas = vec![commit(root, "first", "2026-03-01T10:00:00Z")];
    let at = |rel: &str| root.join("implementations").join(rel);
    // An empty `rel` commits what is on disk without editing a record.
    let mut step = |rel: &str, from: &str, to: &str, what: &str| {
        if !rel.is_empty() {
            edit(&at(rel), from, to);
        }
        let day = format!("2026-03-{:02}T10:00:00Z", shas.len() + 1);
        shas.push(commit(root, what, &day));
    };
    // The provider falls short: the system inheriting from it too.
    step(
        "platform/LOG-1.yaml",
        "status: implemented",
        "status: planned",
        "provider planned",
    );
    // Two implementations of one control in one system.
    step(
        "platform/IAM-2.yaml",
        "control: northwind-baseline:IAM-2",
        "control: northwind-baseline:IAM-1",
        "duplicate",
    );
    // An unknown control and unknown evidence, with their hints.
    step(
        "ledger/CHG-1.yaml",
        "evidence: [branch-protection]",
        "evidence: [branch-protecton]",
        "unknown evidence",
    );
    step(
        "ledger/VUL-1.yaml",
        "control: northwind-baseline:VUL-1",
        "control: northwind-baseline:VUL-9",
        "unknown control",
    );
    // A file that no longer passes its schema, then mended.
    step(
        "platform/DAT-2.yaml",
        "schema_version: 1",
        "schema_version: 1\nsurprise: true",
        "schema broken",
    );
    step(
        "platform/DAT-2.yaml",
        "schema_version: 1\nsurprise: true",
        "schema_version: 1",
        "schema mended",
    );
    // The duplicate undone, the provider met again, a review in the future.
    step(
        "platform/IAM-2.yaml",
        "control: northwind-baseline:IAM-1",
        "control: northwind-baseline:IAM-2",
        "duplicate undone",
    );
    step(
        "platform/LOG-1.yaml",
        "status: planned",
        "status: implemented\nreviewed: 2027-01-01",
        "provider met, reviewed later",
    );
    step(
        "ledger/VUL-1.yaml",
        "control: northwind-baseline:VUL-9",
        "control: northwind-baseline:VUL-1",
        "control mended",
    );
    // An implementation that says it belongs to the other system (its
    // folder disagrees), then a provider that inherits from the system
    // inheriting from it: a cycle.
    step(
        "platform/BCK-1.yaml",
        "schema_version: 1",
        "schema_version: 1\nsystem: ledger",
        "other system",
    );
    step(
        "platform/IAM-1.yaml",
        "status: implemented",
        "status: inherited\ninherited_from: ledger",
        "inheritance cycle",
    );
    // A file no run reads changes with an implementation: still patched.
    write(&root.join("NOTES.md"), "more notes\n");
    step(
        "ledger/DAT-2.yaml",
        "schema_version: 1",
        "schema_version: 1\nreviewed: 2026-05-01",
        "notes and a review",
    );
    // Only that file changes: nothing a run reads did.
    write(&root.join("NOTES.md"), "yet more notes\n");
    step("", "", "", "notes");
    // An evidence artifact changes (its recorded hash no longer matches),
    // then comes back while an implementation changes: full runs.
    let artifact = root.join("evidence/files/dependency-scan.txt");
    let scan = std::fs::read_to_string(&artifact).expect("artifact");
    write(&artifact, &format!("{scan}tampered\n"));
    step(
        "ledger/DAT-2.yaml",
        "reviewed: 2026-05-01",
        "reviewed: 2026-05-02",
        "artifact changed",
    );
    write(&artifact, &scan);
    step(
        "ledger/DAT-2.yaml",
        "reviewed: 2026-05-02",
        "reviewed: 2026-05-03",
        "artifact back",
    );

    let as_of = ["--as-of", "2026-06-30"];
    let walked = walk(root, "1", &as_of);
    assert_eq!(walked.len(), shas.len());
    assert_eq!(walk(root, "2", &as_of), walked, "one thread and two differ");
    // The walk did patch. On one thread it goes from the newest commit
    // back; the mended commit has the same tree as the one before the
    // breakage, so the fifteen trees are judged once each. Not patched:
    // the newest, the two whose step to the commit judged before changes
    // the evidence artifact, the broken one, and the one before it (the
    // file it changes was broken in the commit judged last).
    let trend = trend_on_one_thread(root);
    assert_eq!(trend.commits.len(), shas.len());
    assert_eq!(trend.patched, 10, "commits patched in");
    let errors: Vec<u64> = walked
        .iter()
        .map(|c| c["errors"].as_u64().expect("errors"))
        .collect();
    // Each change moves the count: duplicates, unknown ids and a schema
    // failure add errors; mending them takes them away.
    assert!(errors[2] > errors[1], "duplicate: {errors:?}");
    assert!(errors[3] > errors[2], "unknown evidence: {errors:?}");
    assert!(errors[4] > errors[3], "unknown control: {errors:?}");
    assert!(errors[7] < errors[5], "mended: {errors:?}");
    assert!(
        errors[14] > errors[13] && errors[15] < errors[14] && errors[13] == errors[12],
        "the artifact's hash: {errors:?}"
    );
    assert_each_as_alone(root, &walked, &shas, &as_of);
}

/// Random changes to implementation files, one to three files a commit,
/// drawn from every field the rules and the gap engine read: each commit
/// of the walk (most of them patched in) must be judged exactly as a run
/// on that commit alone judges it.
#[test]
fn a_walk_over_random_implementation_changes_agrees_with_each_commit_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    copy_tree(&example(), root);
    git(root, &["init", "-q", "-b", "main"], "2026-03-01T10:00:00Z");
    let mut shas = vec![commit(root, "first", "2026-03-01T10:00:00Z")];
    let stems = [
        "BCK-1", "CHG-1", "CHG-2", "DAT-1", "DAT-2", "IAM-1", "IAM-2", "IAM-3", "LOG-1", "VUL-1",
        "VUL-2",
    ];
    let evidence = [
        "access-review-2026-q3",
        "branch-protection",
        "log-retention",
        "tls-config",
        "kms-confg",
    ];
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for c in 1..26 {
        for _ in 0..=next(3) {
            let system = ["platform", "ledger"][next(2)];
            let stem = stems[next(stems.len())];
            let control = match next(8) {
                0 => stems[next(stems.len())].to_string(),
                1 => "VUL-9".to_string(),
                _ => stem.to_string(),
            };
            let status = [
                "implemented",
                "implemented",
                "partial",
                "planned",
                "not-applicable",
                "inherited",
                "alternative",
            ][next(7)];
            let mut text = format!(
                "schema_version: 1\ncontrol: northwind-baseline:{control}\nstatus: {status}\nstatement: revision {c}\n"
            );
            if status == "inherited" && next(4) > 0 {
                let from = ["platform", "ledger", "nowhere"][next(3)];
                text.push_str(&format!("inherited_from: {from}\n"));
            }
            if status == "not-applicable" && next(2) == 0 {
                text.push_str("justification: not used here\n");
            }
            if next(10) == 0 {
                let other = if system == "platform" {
                    "ledger"
                } else {
                    "platform"
                };
                text.push_str(&format!("system: {other}\n"));
            }
            if next(3) > 0 {
                let cited: Vec<&str> = (0..=next(2))
                    .map(|_| evidence[next(evidence.len())])
                    .collect();
                text.push_str(&format!("evidence: [{}]\n", cited.join(", ")));
            }
            if next(4) == 0 {
                let p = ["access-control", "change-management", "acess-control"][next(3)];
                text.push_str(&format!("policies: [{p}]\n"));
            }
            if next(12) == 0 {
                text.push_str("reviewed: 2027-01-01\n");
            }
            if next(25) == 0 {
                text.push_str("surprise: true\n");
            }
            write(
                &root.join(format!("implementations/{system}/{stem}.yaml")),
                &text,
            );
        }
        // A file's mode changes too (the walk runs that commit in full).
        #[cfg(unix)]
        if c == 10 {
            use std::os::unix::fs::PermissionsExt;
            let f = root.join("implementations/ledger/BCK-1.yaml");
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        let day = format!("2026-04-{:02}T10:00:00Z", c);
        shas.push(commit(root, &format!("change {c}"), &day));
    }

    let as_of = ["--as-of", "2026-06-30"];
    let walked = walk(root, "1", &as_of);
    assert_eq!(walked.len(), shas.len());
    assert_each_as_alone(root, &walked, &shas, &as_of);
    let trend = trend_on_one_thread(root);
    // Most are patched in; a commit that breaks a file's schema, and the
    // one after it, get a full run (this seed: 19 of 26).
    assert!(
        trend.patched >= 13,
        "only {} commits patched in",
        trend.patched
    );
}
