//! `aegis remediation plan` end to end: an SCAP Security Guide ARF report
//! made here in SSG's shape (rules with shell and Ansible fixes of each
//! risk class, `sub` values resolved from the test result, the profile
//! and the Value defaults, one that cannot be resolved, passing rules,
//! hostile text), a STIG checklist from the corpus, and entity refusal.

use crate::harness::{Aegis, fixtures};
use crate::snapshot;
use aegis::model::{RemediationPlan, RiskClass};
use std::path::{Path, PathBuf};

pub fn ssg_arf() -> PathBuf {
    fixtures().join("remediation/ssg-rhel9-arf.xml")
}

/// A repository with one system, an SP 800-53 framework the SSG
/// references resolve against, and the default approvals per class.
pub fn repo(extra_config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write(
        "aegis.yaml",
        &format!(
            "schema_version: 1\norganisation:\n  name: T\nsystems:\n  - id: web\n    name: Web\n    frameworks:\n      - framework: nist-800-53-rev5\n{extra_config}"
        ),
    );
    write(
        "controls/nist-800-53-rev5/framework.yaml",
        "schema_version: 1\nid: nist-800-53-rev5\ntitle: SP 800-53\nversion: 5.1.1\ncontrols:\n  - id: ac-7\n    label: AC-7\n    title: Unsuccessful Logon Attempts\n  - id: ac-12\n    label: AC-12\n    title: Session Termination\n  - id: au-11\n    label: AU-11\n    title: Audit Record Retention\n  - id: cm-6\n    label: CM-6\n    title: Configuration Settings\n",
    );
    dir
}

fn plan(root: &Path, scans: &[&Path]) -> crate::harness::Output {
    Aegis::new()
        .args(["remediation", "plan"])
        .args(scans)
        .arg("--repo")
        .arg(root)
        .redact(root, "[REPO]")
        .run()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The plan's front matter.
fn front(plan_md: &str) -> RemediationPlan {
    let yaml = plan_md
        .strip_prefix("---\n")
        .and_then(|r| r.split_once("\n---\n"))
        .map(|(y, _)| y)
        .expect("front matter");
    serde_saphyr::from_str(yaml).expect("front matter parses as a plan")
}

fn plan_dir(root: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(root.join("remediation"))
        .expect("remediation/")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs[0].clone()
}

#[test]
fn an_ssg_report_becomes_a_plan_by_risk_class() {
    let dir = repo("");
    let out = plan(dir.path(), &[&ssg_arf()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("ssg_summary", out.stderr);
    let pd = plan_dir(dir.path());
    let doc = read(&pd.join("plan.md"));
    let f = front(&doc);
    let classes: Vec<(RiskClass, u32, Vec<String>)> = f
        .classes
        .iter()
        .map(|(c, pc)| {
            (
                *c,
                pc.approvals,
                pc.items
                    .iter()
                    .map(|i| aegis::remediation::classify::short_rule(&i.rule).to_string())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        classes,
        vec![
            (
                RiskClass::Low,
                1,
                vec![
                    "auditd_data_retention_max_log_file".to_string(),
                    "coredump_disable_storage".into(),
                    "file_owner_logfiles_value".into()
                ]
            ),
            (
                RiskClass::Medium,
                2,
                vec![
                    "package_aide_installed".to_string(),
                    "service_rsyslog_enabled".into()
                ]
            ),
            (
                RiskClass::High,
                3,
                vec![
                    "accounts_passwords_pam_faillock_deny".to_string(),
                    "grub2_audit_argument".into(),
                    "sshd_set_idle_timeout".into(),
                    "sshd_set_max_auth_tries".into()
                ]
            ),
        ]
    );
    assert_eq!(f.required_approvals(), 3);
    assert_eq!(f.scans.len(), 1);
    assert_eq!(f.scans[0].sha256.len(), 64);
    snapshot!("ssg_plan_md", doc);
    snapshot!("ssg_playbook_low", read(&pd.join("playbooks/low.yml")));
    snapshot!("ssg_script_high", read(&pd.join("scripts/high.sh")));

    // Values: the test result's set-value (3), the profile's refine-value
    // (10MB → 10), the profile's set-value (600); one unresolved.
    assert!(doc.contains("var_accounts_passwords_pam_faillock_deny='3'"));
    assert!(doc.contains("var_auditd_max_log_file: !!str 10"));
    assert!(doc.contains("sshd_idle_timeout_value: !!str 600"));
    assert!(doc.contains("Left out of the high script: values are unresolved"));
    let high_sh = read(&pd.join("scripts/high.sh"));
    assert!(!high_sh.contains("MaxAuthTries"), "unresolved fix left out");
    assert!(!high_sh.contains("@@AEGIS_UNRESOLVED"));

    // Every playbook is YAML: one play whose tasks are the snippets'.
    for (class, tasks) in [("low", 3), ("medium", 2), ("high", 2)] {
        let text = read(&pd.join(format!("playbooks/{class}.yml")));
        let v: serde_json::Value = serde_saphyr::from_str(&text).expect("playbook parses");
        assert_eq!(v.as_array().map(Vec::len), Some(1), "{class}");
        assert_eq!(
            v[0]["tasks"].as_array().map(Vec::len),
            Some(tasks),
            "{class}"
        );
        assert_eq!(v[0]["hosts"], "all");
    }

    // Hostile text stays text: the title is escaped in the Markdown (the
    // front matter holds it as YAML data), the fix is inside a fence
    // longer than the backticks it holds.
    let body = doc
        .strip_prefix("---\n")
        .and_then(|r| r.split_once("\n---\n"))
        .map(|(_, b)| b)
        .expect("body");
    assert!(!body.contains("<img"), "raw HTML in the plan");
    assert!(doc.contains("Log files owned by root &lt;img src=x onerror=alert(1)&gt; \\| pipe"));
    let fence = doc
        .lines()
        .position(|l| l == "````sh")
        .expect("a four-backtick fence");
    assert!(
        doc.lines()
            .nth(fence + 1)
            .is_some_and(|l| l.contains("<script>"))
    );
    assert_eq!(doc.lines().nth(fence + 2), Some("````"));

    // A rerun with the same scans changes nothing.
    let before: Vec<(PathBuf, String)> = walk(&pd);
    let again = plan(dir.path(), &[&ssg_arf()]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("unchanged: 7 file(s)"),
        "{}",
        again.stderr
    );
    assert_eq!(walk(&pd), before);

    // Validation asks for each class's approvals.
    let v = Aegis::new()
        .args(["validate", "--format", "json"])
        .arg(dir.path())
        .run();
    let found: Vec<(String, u32, String)> = v
        .diagnostics()
        .into_iter()
        .map(|d| (d.code, d.line, d.message))
        .collect();
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found.iter().all(|(c, _, _)| c == "remediation-unapproved"));
    assert!(found.iter().any(|(_, _, m)| m.contains(
        "its 4 high-risk item(s) need 3 approval(s), and 0 of its current content are recorded"
    )));
}

fn walk(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push((p.clone(), read(&p)));
        }
    }
    out.sort();
    out
}

#[test]
fn approvals_per_class_come_from_aegis_yaml_and_out_dir_is_honoured() {
    let dir = repo("remediation:\n  approvals:\n    low: 2\n    medium: 3\n    high: 5\n");
    let out_dir = dir.path().join("elsewhere");
    let out = Aegis::new()
        .args(["remediation", "plan"])
        .arg(ssg_arf())
        .arg("--repo")
        .arg(dir.path())
        .arg("--out")
        .arg(&out_dir)
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let f = front(&read(&out_dir.join("plan.md")));
    let got: Vec<(RiskClass, u32)> = f.classes.iter().map(|(c, p)| (*c, p.approvals)).collect();
    assert_eq!(
        got,
        vec![
            (RiskClass::Low, 2),
            (RiskClass::Medium, 3),
            (RiskClass::High, 5)
        ]
    );
    assert!(!dir.path().join("remediation").exists());
}

#[test]
fn entities_are_refused() {
    let dir = repo("");
    let bomb = dir.path().join("bomb.xml");
    std::fs::write(
        &bomb,
        "<?xml version=\"1.0\"?>\n<!DOCTYPE Benchmark [<!ENTITY a \"aaaa\">]>\n<Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.2\" id=\"b\"><Rule id=\"r\"><fix system=\"urn:xccdf:fix:script:sh\">&a;</fix></Rule></Benchmark>\n",
    )
    .expect("write");
    let out = plan(dir.path(), &[&bomb]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("entit"), "{}", out.stderr);
    assert!(!dir.path().join("remediation").exists());
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn a_stig_checklists_fix_text_becomes_the_checklist() {
    let corpus = PathBuf::from(std::env::var_os("AEGIS_CORPUS").expect("AEGIS_CORPUS"));
    let ckl = corpus.join("scans/ckl/heimdall2/RHEL8V1R3.ckl");
    assert!(ckl.is_file(), "corpus file missing: {}", ckl.display());
    let dir = repo("");
    let out = plan(dir.path(), &[&ckl]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let pd = plan_dir(dir.path());
    let f = front(&read(&pd.join("plan.md")));
    // The one Open finding: text guidance, whose effect is unknown: high.
    let high = &f.classes[&RiskClass::High];
    assert_eq!(high.items.len(), 1);
    assert_eq!(high.items[0].rule, "V-230221");
    assert_eq!(high.items[0].fixes, vec!["text".to_string()]);
    assert!(high.items[0].why.starts_with("unknown"));
    assert!(!pd.join("playbooks").exists() && !pd.join("scripts").exists());
    snapshot!("ckl_checklist", read(&pd.join("checklist.md")));
}

#[test]
#[cfg_attr(
    not(corpus),
    ignore = "needs AEGIS_CORPUS, the real-data corpus (.ci/fetch-corpus fetches it)"
)]
fn disa_stig_results_give_their_fixtext_and_ignore_empty_fixes() {
    let corpus = PathBuf::from(std::env::var_os("AEGIS_CORPUS").expect("AEGIS_CORPUS"));
    let xccdf = corpus.join("scans/xccdf/heimdall2/xccdf-results-openscap-rhel8.xml");
    assert!(xccdf.is_file(), "corpus file missing: {}", xccdf.display());
    let dir = repo("");
    let out = plan(dir.path(), &[&xccdf]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let pd = plan_dir(dir.path());
    let f = front(&read(&pd.join("plan.md")));
    // Every failing rule has a DISA fixtext (and an empty <fix/>, not kept):
    // text guidance only, so no playbook or script, and all of it high.
    let items: Vec<&aegis::model::PlanItem> = f.classes.values().flat_map(|c| &c.items).collect();
    assert_eq!(items.len(), 166);
    assert!(items.iter().all(|i| i.fixes == vec!["text".to_string()]));
    assert_eq!(
        f.classes.keys().copied().collect::<Vec<_>>(),
        vec![RiskClass::High]
    );
    assert!(!pd.join("playbooks").exists() && !pd.join("scripts").exists());
    let checklist = read(&pd.join("checklist.md"));
    assert_eq!(checklist.matches("- [ ] done: ").count(), 166);
    assert!(
        checklist
            .contains("the fips=1 kernel option needs to be added to the kernel boot parameters")
    );
}
