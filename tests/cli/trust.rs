//! Regression tests for "trust the gate": what a hostile repository or a
//! careless edit slipped past `aegis validate` / `aegis check`, each built
//! from its reproduction. Deadlines here only guard against hangs; speed
//! itself is measured by the benchmarks.

use crate::harness::{AS_OF, Aegis, Output, copy_fixture};
use std::path::Path;
use std::time::Duration;

fn clean() -> tempfile::TempDir {
    copy_fixture("repos/clean")
}

fn write(path: &Path, text: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn validate(dir: &Path, format: &str) -> Output {
    Aegis::new()
        .args([
            "validate", ".", "--as-of", AS_OF, "--format", format, "--color", "never",
        ])
        .current_dir(dir)
        .timeout(Duration::from_secs(120))
        .run()
}

fn append(path: &Path, text: &str) {
    let mut t = std::fs::read_to_string(path).expect("read");
    t.push_str(text);
    std::fs::write(path, t).expect("write");
}

// ---- CI log injection and terminal escapes -------------------------------

/// Lines a GitHub runner would read as workflow commands: it trims leading
/// whitespace, then looks for `::`.
fn command_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.trim_start().starts_with("::"))
        .collect()
}

#[test]
fn names_keys_and_values_cannot_inject_workflow_commands_or_escapes() {
    let dir = clean();
    // A file name with line breaks, a key with a line break, and raw
    // ESC/BEL bytes in a key and a value.
    write(
        &dir.path()
            .join("implementations/app/x\n::error file=README.md,line=1::pwn\n.yaml"),
        "schema_version: 1\ncontrol: C-1\nstatus: implemented\n",
    );
    write(
        &dir.path().join("implementations/app/C-2.yaml"),
        "schema_version: 1\ncontrol: C-2\nstatus: implemented\n\"a\\n::error::pwn\": 1\n\"\\e]0;owned\\a\": \"\\e[2J\"\n",
    );
    let findings = validate(dir.path(), "json").diagnostics().len();
    for format in ["human", "github"] {
        let out = validate(dir.path(), format);
        assert_eq!(out.code, 1, "{}", out.stdout);
        let commands = command_lines(&out.stdout);
        if format == "human" {
            assert!(commands.is_empty(), "{commands:?}");
        } else {
            // One annotation per finding, each a single line of ours.
            assert_eq!(commands.len(), findings, "{}", out.stdout);
            for line in commands {
                assert!(
                    ["::error file=", "::warning file=", "::notice file="]
                        .iter()
                        .any(|p| line.starts_with(p)),
                    "{line:?}"
                );
            }
        }
        for bad in ['\u{1b}', '\u{7}', '\r'] {
            assert!(
                !out.stdout.contains(bad),
                "{format}: raw {bad:?} in output:\n{}",
                out.stdout
            );
        }
        assert!(
            out.stdout.contains("x\\n::error file=README.md"),
            "{}",
            out.stdout
        );
    }
    // On Actions the human text is fenced against workflow commands.
    let out = Aegis::new()
        .args(["validate", ".", "--as-of", AS_OF])
        .current_dir(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .run();
    let fence = command_lines(&out.stdout)
        .into_iter()
        .find(|l| l.starts_with("::stop-commands::"))
        .expect("stop-commands fence");
    let token = fence.trim_start_matches("::stop-commands::");
    assert!(out.stdout.ends_with(&format!("::{token}::\n")));
}

// ---- Symbolic links out of the repository --------------------------------

#[test]
fn a_top_level_folder_linked_outside_is_never_read() {
    let outside = tempfile::tempdir().expect("tempdir");
    write(
        &outside.path().join("app/C-1.yaml"),
        "schema_version: 1\ncontrol: C-1\nstatus: implemented\nsecret: ghp_TOPSECRETTOKEN\n",
    );
    let dir = clean();
    for top in ["implementations", "evidence"] {
        std::fs::remove_dir_all(dir.path().join(top)).expect("rm");
    }
    std::os::unix::fs::symlink(outside.path(), dir.path().join("implementations"))
        .expect("symlink");
    // A linked folder that stays inside the repository is not followed either.
    std::fs::create_dir_all(dir.path().join("elsewhere")).expect("mkdir");
    std::os::unix::fs::symlink(dir.path().join("elsewhere"), dir.path().join("evidence"))
        .expect("symlink");
    let out = validate(dir.path(), "json");
    assert!(!out.stdout.contains("TOPSECRET"), "{}", out.stdout);
    let found: Vec<(String, String)> = out
        .diagnostics()
        .into_iter()
        .map(|d| (d.code, d.file))
        .filter(|(c, _)| c != "unknown-evidence" && c != "unknown-policy")
        .collect();
    assert!(
        found.contains(&("path-escapes-repo".into(), "implementations".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("unexpected-file".into(), "evidence".into())),
        "{found:?}"
    );
    let human = validate(dir.path(), "human");
    assert!(!human.stdout.contains("TOPSECRET"), "{}", human.stdout);
}

#[test]
fn a_symlink_loop_and_an_undecodable_name_say_what_they_are() {
    let dir = clean();
    let app = dir.path().join("implementations/app");
    std::os::unix::fs::symlink("L-2.yaml", app.join("L-1.yaml")).expect("symlink");
    std::os::unix::fs::symlink("L-1.yaml", app.join("L-2.yaml")).expect("symlink");
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::OsStr::from_bytes(b"C-\xe9.yaml");
    write(
        &app.join(name),
        "schema_version: 1\ncontrol: C-1\nstatus: implemented\n",
    );
    let diags = validate(dir.path(), "json").diagnostics();
    let loop_ = diags
        .iter()
        .find(|d| d.file == "implementations/app/L-1.yaml")
        .expect("loop reported");
    assert!(
        loop_.message.contains("cannot be followed"),
        "{}",
        loop_.message
    );
    assert!(!loop_.message.contains("points to nothing"));
    let bad = diags
        .iter()
        .find(|d| d.code == "invalid-utf8")
        .expect("name reported");
    assert!(
        bad.message.contains("file name is not valid UTF-8"),
        "{}",
        bad.message
    );
    assert!(
        !diags.iter().any(|d| d.message.contains("No such file")),
        "{diags:?}"
    );
}

// ---- Blow-ups ---------------------------------------------------------------

#[test]
fn a_mapping_with_300k_keys_is_read_in_linear_time() {
    let dir = clean();
    let mut text = String::from(
        "schema_version: 1\ncontrol: C-2\nstatus: not-applicable\njustification: x\nparameters:\n",
    );
    for i in 0..300_000 {
        text.push_str(&format!("  k{i}: v\n"));
    }
    write(&dir.path().join("implementations/app/C-2.yaml"), &text);
    let out = validate(dir.path(), "json");
    let json = out.json();
    assert_eq!(json["summary"]["warnings"], 300_000);
    // The report lists 100 and says how many more there are.
    assert_eq!(json["summary"]["folded"], 299_900);
    assert_eq!(json["diagnostics"].as_array().map(Vec::len), Some(101));
}

#[test]
fn thousands_of_findings_on_one_long_line_make_a_bounded_report() {
    let dir = clean();
    let ids: Vec<String> = (0..50_000).map(|i| format!("x{i}")).collect();
    write(
        &dir.path().join("implementations/app/C-2.yaml"),
        format!(
            "schema_version: 1\ncontrol: C-2\nstatus: implemented\nevidence: [{}]\n",
            ids.join(",")
        ),
    );
    let out = validate(dir.path(), "human");
    assert_eq!(out.code, 1);
    assert!(out.stdout.len() < 200_000, "{} bytes", out.stdout.len());
    assert!(
        out.stdout
            .contains("49900 more `unknown-evidence` finding(s)")
    );
    // Positions stay exact even where the line is cut for display.
    let json = validate(dir.path(), "json");
    let last = json
        .diagnostics()
        .into_iter()
        .rfind(|d| d.code == "unknown-evidence")
        .expect("diagnostics");
    assert_eq!(last.line, 4);
    assert!(
        out.stdout
            .contains(&format!("implementations/app/C-2.yaml:4:{}", last.column))
    );
}

#[test]
fn anchors_that_are_never_aliased_cost_nothing_extra() {
    let dir = clean();
    let mut text = String::from("schema_version: 1\ncontrol: C-2\nstatus: implemented\nnote: ");
    for i in 0..60 {
        text.push_str(&format!("&a{i} ["));
    }
    text.push_str(&vec!["0"; 900_000].join(","));
    text.push_str(&"]".repeat(60));
    text.push('\n');
    write(&dir.path().join("implementations/app/C-2.yaml"), &text);
    let out = validate(dir.path(), "json");
    // Read fine (one unknown key), neither refused nor blown up.
    assert_eq!(out.codes(), vec!["unknown-key".to_string()]);
}

#[test]
fn inheritance_is_checked_in_linear_time_however_it_is_wired() {
    let dir = clean();
    let mut config = String::from(
        "schema_version: 1\norganisation:\n  name: X\nsystems:\n  - id: app\n    name: App\n    frameworks:\n      - framework: fw\n",
    );
    // 44 systems each inheriting from the next two (exponential for a
    // search of every path), and a chain of 4,000.
    for i in 0..44 {
        config.push_str(&format!(
            "  - id: d{i}\n    name: D\n    inherits_from: [d{}, d{}]\n",
            i + 1,
            i + 2
        ));
    }
    config.push_str("  - id: d44\n    name: D\n  - id: d45\n    name: D\n");
    for i in 0..4000 {
        config.push_str(&format!(
            "  - id: c{i}\n    name: C\n    inherits_from: [c{}]\n",
            i + 1
        ));
    }
    config.push_str("  - id: c4000\n    name: C\n    inherits_from: [c0]\n");
    write(&dir.path().join("aegis.yaml"), &config);
    let diags = validate(dir.path(), "json").diagnostics();
    let cycles: Vec<_> = diags
        .iter()
        .filter(|d| d.code == "inheritance-cycle")
        .collect();
    assert_eq!(cycles.len(), 1, "{diags:?}");
    assert!(
        cycles[0]
            .message
            .starts_with("systems inherit from each other in a cycle: c0 -> c1 -> ")
    );
}

#[test]
fn limits_outside_their_range_are_refused_and_never_used() {
    let dir = clean();
    append(
        &dir.path().join("aegis.yaml"),
        "limits:\n  max_file_bytes: 3000000000\n  max_depth: 100000\n",
    );
    // Deeper than the default bound of 64: still refused, because the
    // invalid max_depth is not used.
    let deep = format!(
        "schema_version: 1\ncontrol: C-2\nstatus: implemented\nx: {}1{}\n",
        "[".repeat(100),
        "]".repeat(100)
    );
    write(&dir.path().join("implementations/app/C-2.yaml"), deep);
    let diags = validate(dir.path(), "json").diagnostics();
    let mut codes: Vec<(&str, &str)> = diags
        .iter()
        .map(|d| (d.file.as_str(), d.code.as_str()))
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        vec![
            ("aegis.yaml", "invalid-value"),
            ("aegis.yaml", "invalid-value"),
            ("implementations/app/C-2.yaml", "yaml-too-deep"),
        ]
    );
}

// ---- Evidence integrity ---------------------------------------------------------

fn evidence_record(dir: &Path) -> std::path::PathBuf {
    dir.join("evidence/access-review.yaml")
}

fn edit_record(dir: &Path, from: &str, to: &str) {
    let path = evidence_record(dir);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{from:?} not in {text}");
    std::fs::write(&path, text.replace(from, to)).expect("write");
}

#[test]
fn an_unhashed_then_edited_artifact_fails_the_gate() {
    let dir = clean();
    edit_record(
        dir.path(),
        "sha256: f4b6b05c489e2db931b4a76ae0f8a8e0ef321ba9c8324b15bf99a79883cebcf7\n",
        "",
    );
    append(
        &dir.path().join("evidence/files/access-review.md"),
        "edited\n",
    );
    let out = validate(dir.path(), "json");
    assert_eq!(out.code, 1);
    let codes = out.codes();
    assert!(
        codes.contains(&"evidence-unhashed".to_string()),
        "{codes:?}"
    );
    // The recorded size still catches the edit.
    assert!(
        codes.contains(&"evidence-size-mismatch".to_string()),
        "{codes:?}"
    );
}

#[test]
fn a_wrong_recorded_size_fails_without_hashing() {
    let dir = clean();
    edit_record(dir.path(), "size: 74", "size: 1");
    let out = validate(dir.path(), "json");
    assert_eq!(out.code, 1);
    assert_eq!(out.codes(), vec!["evidence-size-mismatch".to_string()]);
    // The hash is wrong too, but the size already settles it: the file is
    // not read (an 8 GiB sparse artifact took 23.5 s to hash).
    edit_record(
        dir.path(),
        "f4b6b05c489e2db931b4a76ae0f8a8e0ef321ba9c8324b15bf99a79883cebcf7",
        &"0".repeat(64),
    );
    let big = dir.path().join("evidence/files/access-review.md");
    std::fs::File::options()
        .write(true)
        .open(&big)
        .and_then(|f| f.set_len(8 << 30))
        .expect("sparse");
    let out = validate(dir.path(), "json");
    assert_eq!(out.codes(), vec!["evidence-size-mismatch".to_string()]);
}

#[test]
fn evidence_collected_in_the_future_is_refused() {
    let dir = clean();
    edit_record(
        dir.path(),
        "collected_at: 2026-05-04",
        "collected_at: 2099-01-01",
    );
    let out = validate(dir.path(), "json");
    assert_eq!(out.code, 1);
    assert_eq!(out.codes(), vec!["date-in-future".to_string()]);
}

#[test]
fn tamper_detection_cannot_be_switched_off() {
    let dir = clean();
    append(&dir.path().join("evidence/files/access-review.md"), "x");
    append(
        &dir.path().join("aegis.yaml"),
        "diagnostics:\n  evidence-hash-mismatch: off\n  evidence-size-mismatch: note\n",
    );
    let out = validate(dir.path(), "json");
    assert_eq!(out.code, 1);
    let mut codes = out.codes();
    codes.sort();
    assert_eq!(
        codes,
        vec!["evidence-size-mismatch", "protected-code", "protected-code"]
    );
    let size = out
        .diagnostics()
        .into_iter()
        .find(|d| d.code == "evidence-size-mismatch")
        .expect("still reported");
    assert_eq!(size.severity, "error");
}

#[test]
fn every_output_shows_a_weakened_code() {
    let dir = clean();
    edit_record(
        dir.path(),
        "sha256: f4b6b05c489e2db931b4a76ae0f8a8e0ef321ba9c8324b15bf99a79883cebcf7\n",
        "",
    );
    append(
        &dir.path().join("aegis.yaml"),
        "diagnostics:\n  evidence-unhashed: off\n",
    );
    let said = "evidence-unhashed error→off";
    let human = validate(dir.path(), "human");
    assert_eq!(human.code, 0);
    assert!(human.stdout.contains(said), "{}", human.stdout);
    let github = validate(dir.path(), "github");
    assert!(github.stdout.contains(said), "{}", github.stdout);
    assert!(github.stdout.contains("title=aegis weakened-code"));
    let json = validate(dir.path(), "json").json();
    assert_eq!(json["summary"]["weakened"][0]["code"], "evidence-unhashed");
    let sarif = validate(dir.path(), "sarif").json();
    assert_eq!(sarif["runs"][0]["properties"]["weakened"][0], said);
}

#[test]
fn evidence_hash_records_hash_and_size_and_changes_nothing_else() {
    let dir = clean();
    let record = evidence_record(dir.path());
    let before = std::fs::read_to_string(&record).expect("read");
    let text = before
        .replace(
            "sha256: f4b6b05c489e2db931b4a76ae0f8a8e0ef321ba9c8324b15bf99a79883cebcf7\n",
            "",
        )
        .replace("size: 74\n", "size: 3   # wrong\n");
    std::fs::write(&record, &text).expect("write");
    append(
        &dir.path().join("evidence/files/access-review.md"),
        "more\n",
    );
    let out = Aegis::new()
        .args(["evidence", "hash", "access-review", "--repo"])
        .arg(dir.path())
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let after = std::fs::read_to_string(&record).expect("read");
    let (sha, size) = {
        let bytes =
            std::fs::read(dir.path().join("evidence/files/access-review.md")).expect("read");
        (aegis::digest::sha256_hex(&bytes), bytes.len())
    };
    assert_eq!(
        after,
        text.replace(
            "uri: evidence/files/access-review.md\n",
            &format!("uri: evidence/files/access-review.md\nsha256: {sha}\n")
        )
        .replace("size: 3   # wrong", &format!("size: {size}   # wrong"))
    );
    assert_eq!(validate(dir.path(), "json").code, 0);
    // Again: nothing to change.
    let again = Aegis::new()
        .args(["evidence", "hash", "--all", "--repo"])
        .arg(dir.path())
        .run();
    assert_eq!(again.code, 0);
    assert!(
        again.stderr.contains("unchanged `access-review`"),
        "{}",
        again.stderr
    );
    assert_eq!(std::fs::read_to_string(&record).expect("read"), after);
}

#[test]
fn evidence_hash_refuses_an_artifact_outside_the_repository() {
    let dir = clean();
    edit_record(
        dir.path(),
        "uri: evidence/files/access-review.md",
        "uri: ../../etc/passwd",
    );
    let before = std::fs::read_to_string(evidence_record(dir.path())).expect("read");
    let out = Aegis::new()
        .args(["evidence", "hash", "--all", "--repo"])
        .arg(dir.path())
        .run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("leaves the repository"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(evidence_record(dir.path())).expect("read"),
        before
    );
}

// ---- Messages that misled ---------------------------------------------------------

fn single(dir: &Path) -> crate::harness::Diag {
    let diags = validate(dir, "json").diagnostics();
    assert_eq!(diags.len(), 1, "{diags:?}");
    diags.into_iter().next().expect("one")
}

#[test]
fn a_tab_is_reported_where_it_is() {
    let dir = clean();
    write(
        &dir.path().join("implementations/app/C-2.yaml"),
        "schema_version: 1\ncontrol: C-2\nstatus: not-applicable\njustification: x\n\towner: me\n",
    );
    let d = single(dir.path());
    assert_eq!(
        (d.code.as_str(), d.line, d.column),
        ("yaml-syntax", 5, 1),
        "{d:?}"
    );
    assert!(d.help.as_deref().is_some_and(|h| h.contains("spaces")));
}

#[test]
fn front_matter_problems_are_named_precisely() {
    let dir = clean();
    let policy = dir.path().join("policies/access-control.md");
    let text = std::fs::read_to_string(&policy).expect("read");
    let body_at = text[4..].find("\n---\n").expect("closing line") + 4;
    // Closing line with trailing spaces: still front matter.
    let spaced = format!("{}\n---   \n{}", &text[..body_at], &text[body_at + 5..]);
    std::fs::write(&policy, &spaced).expect("write");
    assert_eq!(validate(dir.path(), "json").code, 0);
    // Never closed.
    std::fs::write(&policy, &text[..body_at + 1]).expect("write");
    let d = single(dir.path());
    assert_eq!(d.code, "front-matter-missing");
    assert!(d.message.contains("never closed"), "{}", d.message);
    // A syntax error inside front matter points at its real line.
    let broken = text.replacen("title:", "bad: a: b\ntitle:", 1);
    std::fs::write(&policy, &broken).expect("write");
    let d = single(dir.path());
    let line = broken.lines().position(|l| l == "bad: a: b").expect("line") + 1;
    assert_eq!(
        (d.code.as_str(), d.line as usize),
        ("yaml-syntax", line),
        "{d:?}"
    );
}

#[test]
fn a_mistyped_control_is_not_told_to_rename_its_file() {
    let dir = clean();
    let path = dir.path().join("implementations/app/C-2.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("control: C-2", "control: C-22")).expect("write");
    let d = single(dir.path());
    assert_eq!(d.code, "unknown-control");
}

#[test]
fn a_bare_number_for_a_period_gets_the_period_hint() {
    let dir = clean();
    edit_record(dir.path(), "expires_after: 100d", "expires_after: 100");
    let d = single(dir.path());
    assert_eq!(d.code, "wrong-type");
    let help = d.help.unwrap_or_default();
    assert!(help.contains("90d"), "{help}");
    assert!(!help.contains("quote"), "{help}");
}

#[test]
fn a_duplicate_id_is_reported_on_both_files() {
    let dir = clean();
    std::fs::copy(
        evidence_record(dir.path()),
        dir.path().join("evidence/access-review-copy.yaml"),
    )
    .expect("copy");
    let diags = validate(dir.path(), "json").diagnostics();
    let dups: Vec<(&str, &str)> = diags
        .iter()
        .filter(|d| d.code == "duplicate-id")
        .map(|d| (d.file.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(dups.len(), 2, "{diags:?}");
    assert!(
        dups[0].1.contains("evidence/access-review.yaml:"),
        "{dups:?}"
    );
    assert!(
        dups[1].1.contains("evidence/access-review-copy.yaml:"),
        "{dups:?}"
    );
}

#[test]
fn merge_keys_and_the_node_budget_are_named_for_what_they_are() {
    let dir = clean();
    write(
        &dir.path().join("implementations/app/C-2.yaml"),
        "schema_version: 1\ncontrol: C-2\nstatus: not-applicable\njustification: x\nparameters:\n  base: &b {a: 1}\n  x:\n    <<: *b\n",
    );
    let d = single(dir.path());
    assert_eq!((d.code.as_str(), d.line), ("yaml-syntax", 8));
    assert!(d.message.contains("merge keys"), "{}", d.message);
}

#[test]
fn an_os_error_is_said_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir.path().join("aegis.yaml"), "schema_version: 1\n");
    let out = Aegis::new()
        .args(["framework", "import", "missing.json", "--repo"])
        .arg(dir.path())
        .current_dir(dir.path())
        .run();
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr.matches("os error").count(), 1, "{}", out.stderr);
}

// ---- Command line -------------------------------------------------------------------

#[test]
fn repo_is_a_flag_for_validate_and_check_too() {
    let dir = clean();
    for cmd in ["validate", "check"] {
        let out = Aegis::new()
            .args([cmd, "--as-of", AS_OF, "--format", "json", "--repo"])
            .arg(dir.path())
            .run();
        assert_eq!(out.code, 0, "{cmd}: {}", out.stderr);
    }
    let fresh = tempfile::tempdir().expect("tempdir");
    let repo = fresh.path().join("new");
    let init = Aegis::new().args(["init", "--repo"]).arg(&repo).run();
    assert_eq!(init.code, 0, "{}", init.stderr);
    std::fs::remove_dir_all(repo.join("schemas")).expect("rm");
    let schemas = Aegis::new().args(["schemas", "--repo"]).arg(&repo).run();
    assert_eq!(schemas.code, 0, "{}", schemas.stderr);
    assert!(repo.join("schemas/evidence.schema.json").is_file());
}

#[test]
fn help_lists_the_exit_codes() {
    let out = Aegis::new().arg("--help").run();
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("Exit codes:"), "{}", out.stdout);
    assert!(out.stdout.contains("  2  the command could not run"));
}

// ---- Framework commands print what sources say, safely ----------------------

#[test]
fn framework_commands_escape_what_catalogs_say() {
    let dir = clean();
    write(
        &dir.path().join("controls/evil/framework.yaml"),
        "schema_version: 1\nid: evil\ntitle: \"Evil\\n::error::pwn\"\nversion: \"1\"\ncontrols:\n  - id: E-1\n    title: \"\\e]0;owned\\a\\e[2J\\u202e\\n::warning::pwn\"\n",
    );
    let run = |args: &[&str]| {
        Aegis::new()
            .args(args)
            .args(["--repo"])
            .arg(dir.path())
            .env("GITHUB_ACTIONS", "true")
            .run()
    };
    for args in [
        &["framework", "show", "evil"][..],
        &["framework", "list"][..],
        &["framework", "show", "evil", "--format", "json"][..],
        &["framework", "export", "evil"][..],
    ] {
        let out = run(args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        for bad in ['\u{1b}', '\u{7}', '\u{202e}'] {
            assert!(
                !out.stdout.contains(bad),
                "{args:?}: raw {bad:?}:\n{}",
                out.stdout
            );
        }
        // Fenced on Actions: the only workflow commands are the fence's.
        let commands = command_lines(&out.stdout);
        assert_eq!(commands.len(), 2, "{args:?}: {commands:?}");
        assert!(commands[0].starts_with("::stop-commands::"));
    }
    let json = Aegis::new()
        .args(["framework", "show", "evil", "--format", "json", "--repo"])
        .arg(dir.path())
        .run();
    let v = json.json();
    assert_eq!(
        v["controls"][0]["title"],
        "\u{1b}]0;owned\u{7}\u{1b}[2J\u{202e}\n::warning::pwn"
    );
}

#[test]
fn framework_commands_never_read_through_a_link_out_of_the_repository() {
    let outside = tempfile::tempdir().expect("tempdir");
    write(
        &outside.path().join("secret.yaml"),
        "token: ghp_TOPSECRETTOKEN\n",
    );
    let dir = clean();
    // A catalog part linked to a file outside, and a framework folder
    // linked outside.
    let fw = dir.path().join("controls/fw");
    std::fs::create_dir_all(fw.join("catalog")).expect("mkdir");
    std::os::unix::fs::symlink(
        outside.path().join("secret.yaml"),
        fw.join("catalog/x.yaml"),
    )
    .expect("symlink");
    write(
        &outside.path().join("fw2/framework.yaml"),
        "schema_version: 1\nid: fw2\ntitle: \"ghp_TOPSECRETTOKEN\"\nversion: \"1\"\n",
    );
    std::os::unix::fs::symlink(outside.path().join("fw2"), dir.path().join("controls/fw2"))
        .expect("symlink");
    for args in [
        &["framework", "show", "fw"][..],
        &["framework", "show", "fw2"][..],
        &["framework", "export", "fw2"][..],
    ] {
        let out = Aegis::new()
            .args(args)
            .args(["--repo"])
            .arg(dir.path())
            .run();
        assert_eq!(out.code, 2, "{args:?}: {}", out.stdout);
        assert!(
            out.stderr.contains("outside the repository"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("TOPSECRET") && !out.stdout.contains("TOPSECRET"));
    }
}

#[test]
fn a_truncated_json_source_gives_its_position_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    assert_eq!(
        Aegis::new().args(["init", "--repo"]).arg(&repo).run().code,
        0
    );
    let text = "{\"catalog\": {\"uuid\": \"11111111-1111-4111-8111-111111111111\",\n \"metadata\": {\"title\": \"T\",\n \"version\": \"1\"";
    write(&dir.path().join("cut.json"), text);
    let out = Aegis::new()
        .args(["framework", "import", "cut.json", "--repo"])
        .arg(&repo)
        .current_dir(dir.path())
        .run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with("error: cut.json:3:"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(" at line "), "{}", out.stderr);
}

#[test]
fn a_finding_at_the_end_of_a_huge_one_line_file_shows_a_bounded_frame() {
    let dir = clean();
    // 15 MiB on one line (under the 16 MiB limit), the bad value at its end.
    let filler = "x".repeat(15 << 20);
    write(
        &dir.path().join("implementations/app/C-2.yaml"),
        format!(
            "schema_version: 1\ncontrol: C-2\nstatus: implemented\nstatement: {{a: {filler}, b: NOPE, owner: [1]}}\n"
        ),
    );
    let out = validate(dir.path(), "human");
    assert_eq!(out.code, 1);
    assert!(out.stdout.len() < 20_000, "{} bytes", out.stdout.len());
    assert!(out.stdout.contains('…'), "{}", out.stdout);
}
