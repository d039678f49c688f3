//! `aegis schemas` and the committed copies under `schemas/`.

use crate::harness::Aegis;
use std::collections::BTreeMap;
use std::path::Path;

fn schema_files_in(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".schema.json"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("read schema"))
        })
        .collect()
}

#[test]
fn committed_schemas_are_fresh() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let committed = schema_files_in(&dir);
    let generated: BTreeMap<String, String> = aegis::schema::files().into_iter().collect();
    let mut stale: Vec<String> = generated
        .iter()
        .filter(|(name, text)| committed.get(*name) != Some(*text))
        .map(|(name, _)| format!("schemas/{name} is missing or out of date"))
        .collect();
    stale.extend(
        committed
            .keys()
            .filter(|name| !generated.contains_key(*name))
            .map(|name| format!("schemas/{name} is no longer generated; delete it")),
    );
    assert!(
        stale.is_empty(),
        "{}\nrun `cargo run -- schemas` to regenerate schemas/",
        stale.join("\n")
    );
}

#[test]
fn schemas_command_writes_one_file_per_kind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Aegis::new()
        .args(["schemas", "--out", "out"])
        .current_dir(dir.path())
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let written = schema_files_in(&dir.path().join("out"));
    let generated: BTreeMap<String, String> = aegis::schema::files().into_iter().collect();
    assert_eq!(written, generated);
    // One per record kind, and the program import mapping file's.
    assert_eq!(written.len(), aegis::schema::Kind::ALL.len() + 1);
}

#[test]
fn schemas_check_fails_on_a_stale_file_and_names_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |extra: &[&str]| {
        Aegis::new()
            .args(["schemas", "--out", "out"])
            .args(extra)
            .current_dir(dir.path())
            .run()
    };
    assert_eq!(run(&["--check"]).code, 1, "nothing written yet");
    assert_eq!(run(&[]).code, 0);
    assert_eq!(run(&["--check"]).code, 0);
    std::fs::write(dir.path().join("out/risk.schema.json"), "{}\n").expect("write");
    let out = run(&["--check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("out/risk.schema.json"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("evidence.schema.json"),
        "{}",
        out.stderr
    );
}
