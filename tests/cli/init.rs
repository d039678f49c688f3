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
