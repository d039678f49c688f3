//! `aegis init`: a new repository that passes `aegis check` the day it is made.

use crate::harness::Aegis;
use crate::snapshot;
use std::path::Path;

fn files_under(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

fn init(dir: &Path, extra: &[&str]) -> crate::harness::Output {
    Aegis::new()
        .args(["init", "new-repo"])
        .args(extra)
        .current_dir(dir)
        .redact(dir, "[TEMP]")
        .run()
}

fn init_folder(dir: &Path, folder: &str) -> crate::harness::Output {
    Aegis::new()
        .args(["init", folder])
        .current_dir(dir)
        .redact(dir, "[TEMP]")
        .run()
}

#[test]
fn init_then_check_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    // An absolute path, so the message names the temporary directory.
    let out = Aegis::new()
        .arg("init")
        .arg(dir.path().join("new-repo"))
        .redact(dir.path(), "[TEMP]")
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("init_stderr", out.stderr);
    // Not --as-of: the scaffold is dated today, and today it must pass.
    let check = Aegis::new()
        .args(["check", "new-repo", "--format", "json"])
        .current_dir(dir.path())
        .run();
    assert_eq!(check.code, 0, "{}", check.stdout);
    // Only the starter policy's first approval is outstanding: a warning,
    // which passes the gate.
    let found: Vec<(String, String, String)> = check
        .diagnostics()
        .into_iter()
        .map(|d| (d.code, d.file, d.severity))
        .collect();
    assert_eq!(
        found,
        vec![(
            "policy-unapproved".to_string(),
            "policies/access-control.md".to_string(),
            "warning".to_string()
        )]
    );
}

#[test]
fn init_writes_the_starter_files_and_schemas() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_eq!(init(dir.path(), &[]).code, 0);
    let files = files_under(&dir.path().join("new-repo"));
    snapshot!("init_files", files.join("\n"));
    for (name, text) in aegis::schema::files() {
        let written = std::fs::read_to_string(dir.path().join("new-repo/schemas").join(&name))
            .expect("schema written");
        assert_eq!(written, text, "{name}");
    }
}

#[test]
fn init_refuses_to_overwrite_an_existing_repository() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_eq!(init(dir.path(), &[]).code, 0);
    let config = dir.path().join("new-repo/aegis.yaml");
    std::fs::write(&config, "# mine\n").expect("write");
    let out = init(dir.path(), &[]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: new-repo already holds an aegis.yaml; refusing to overwrite an existing repository\n"
    );
    assert_eq!(std::fs::read_to_string(&config).expect("read"), "# mine\n");
}

#[test]
fn init_quotes_an_organisation_name_with_yaml_specials() {
    let dir = tempfile::tempdir().expect("tempdir");
    let org = r#"ACME "Widgets": R&D \ Ops # 2"#;
    assert_eq!(init(dir.path(), &["--org", org]).code, 0);
    let check = Aegis::new()
        .args(["check", "new-repo", "--format", "json"])
        .current_dir(dir.path())
        .run();
    assert_eq!(check.code, 0, "{}", check.stdout);
    let ws = aegis::workspace::load(&dir.path().join("new-repo")).expect("load");
    let config = aegis::workspace::config_of(&ws).expect("valid aegis.yaml");
    assert_eq!(config.organisation.name, org);
}

/// The workflows a plain `aegis init` writes, byte for byte. A test build
/// knows no release commit, so they use the Action's main (a release build
/// writes its commit: see `aegis::init::workflows` unit tests).
#[test]
fn init_writes_the_gate_ingest_and_pages_workflows() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_eq!(init(dir.path(), &[]).code, 0);
    let workflows = dir.path().join("new-repo/.github/workflows");
    for (file, name) in [
        ("compliance.yml", "init_workflow_gate"),
        ("compliance-ingest.yml", "init_workflow_ingest"),
        ("compliance-pages.yml", "init_workflow_pages"),
    ] {
        let text = std::fs::read_to_string(workflows.join(file)).expect("workflow written");
        snapshot!(name, text);
    }
}

/// A folder inside a git repository gets its workflows at the git root,
/// named after the folder and scoped to it; the folder still passes its gate.
#[test]
fn init_in_a_monorepo_folder_writes_scoped_workflows_at_the_git_root() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mono = dir.path().join("mono");
    std::fs::create_dir_all(mono.join(".git")).expect("mkdir .git");
    let out = init_folder(dir.path(), "mono/apps/compliance");
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("init_monorepo_stderr", out.stderr);
    let root_files: Vec<String> = files_under(&mono.join(".github"));
    assert_eq!(
        root_files,
        [
            "workflows/aegis-apps-compliance-ingest.yml",
            "workflows/aegis-apps-compliance-pages.yml",
            "workflows/aegis-apps-compliance.yml",
        ]
    );
    assert!(!mono.join("apps/compliance/.github").exists());
    let gate = std::fs::read_to_string(mono.join(".github/workflows/aegis-apps-compliance.yml"))
        .expect("gate workflow");
    snapshot!("init_monorepo_workflow_gate", gate);
    let pages =
        std::fs::read_to_string(mono.join(".github/workflows/aegis-apps-compliance-pages.yml"))
            .expect("pages workflow");
    assert!(pages.contains("working-directory: \"apps/compliance\"\n"));
    assert!(pages.contains("path: \"apps/compliance/_site\"\n"));
    let check = Aegis::new()
        .args(["check", ".", "--format", "json"])
        .current_dir(mono.join("apps/compliance"))
        .run();
    assert_eq!(check.code, 0, "{}", check.stdout);
}

/// An existing workflow of the same name is never overwritten: aegis's
/// goes beside it under a name GitHub does not run.
#[test]
fn init_keeps_an_existing_workflow_and_writes_its_own_beside_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mono = dir.path().join("mono");
    let workflows = mono.join(".github/workflows");
    std::fs::create_dir_all(mono.join(".git")).expect("mkdir .git");
    std::fs::create_dir_all(&workflows).expect("mkdir workflows");
    std::fs::write(workflows.join("aegis-ops.yml"), "# mine\n").expect("write");
    let out = init_folder(dir.path(), "mono/ops");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(workflows.join("aegis-ops.yml")).expect("read"),
        "# mine\n"
    );
    let proposal =
        std::fs::read_to_string(workflows.join("aegis-ops.yml.aegis-new")).expect("proposal");
    assert!(proposal.contains("name: compliance ops\n"), "{proposal}");
    assert!(out.stderr.contains(
        "note: kept the existing [TEMP]/mono/.github/workflows/aegis-ops.yml; aegis's workflow is beside it as [TEMP]/mono/.github/workflows/aegis-ops.yml.aegis-new (GitHub runs only .yml files)"
    ), "{}", out.stderr);
    assert!(workflows.join("aegis-ops-ingest.yml").is_file());
    assert!(workflows.join("aegis-ops-pages.yml").is_file());
}
