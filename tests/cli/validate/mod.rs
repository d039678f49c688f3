//! `aegis validate`: output formats, exit codes, severity settings.

mod bad;
mod sarif;

use crate::harness::{AS_OF, Aegis, copy_fixture, fixtures};
use crate::snapshot;

fn mixed(format: &str) -> crate::harness::Output {
    // Run from tests/fixtures/repos so paths carry the `mixed/` prefix that
    // GitHub and SARIF need when the compliance repo is a sub-directory.
    Aegis::new()
        .args([
            "validate", "mixed", "--as-of", AS_OF, "--format", format, "--color", "never",
        ])
        .current_dir(fixtures().join("repos"))
        .run()
}

#[test]
fn human_output_shows_code_frames_and_a_summary() {
    let out = mixed("human");
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr, "");
    snapshot!("mixed_human", out.stdout);
}

#[test]
fn json_output_is_the_versioned_contract() {
    let out = mixed("json");
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["version"], 1);
    snapshot!("mixed_json", out.stdout);
}

#[test]
fn sarif_output_has_one_rule_per_code_found() {
    let out = mixed("sarif");
    assert_eq!(out.code, 1);
    snapshot!("mixed_sarif", out.stdout);
}

#[test]
fn github_output_is_escaped_workflow_commands() {
    let out = mixed("github");
    assert_eq!(out.code, 1);
    snapshot!("mixed_github", out.stdout);
}

#[test]
fn diagnostics_are_sorted_by_file_line_and_column() {
    let diags = mixed("json").diagnostics();
    let keys: Vec<_> = diags
        .iter()
        .map(|d| (d.file.clone(), d.line, d.column))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn output_is_byte_identical_across_runs() {
    for format in ["human", "json", "sarif", "github"] {
        assert_eq!(mixed(format).stdout, mixed(format).stdout, "{format}");
    }
}

#[test]
fn color_always_adds_ansi_styles_and_auto_is_plain_when_piped() {
    let run = |color: &str| {
        Aegis::new()
            .args(["validate", "mixed", "--as-of", AS_OF, "--color", color])
            .current_dir(fixtures().join("repos"))
            .run()
            .stdout
    };
    assert!(run("always").contains("\u{1b}["));
    assert!(!run("auto").contains('\u{1b}'));
    assert_eq!(run("auto"), run("never"));
}

#[test]
fn on_github_actions_the_default_is_annotations_then_human_text() {
    let out = Aegis::new()
        .args(["validate", "mixed", "--as-of", AS_OF])
        .current_dir(fixtures().join("repos"))
        .env("GITHUB_ACTIONS", "true")
        .run();
    let github = mixed("github").stdout;
    let human = mixed("human").stdout;
    // The human text is fenced by `::stop-commands::` with a token made
    // from the text itself, so no line in it can act as a workflow command.
    let token = aegis::digest::sha256_hex(human.as_bytes());
    assert_eq!(
        out.stdout,
        format!("{github}::stop-commands::{token}\n{human}::{token}::\n")
    );
}

#[test]
fn github_annotations_stop_at_ten_per_severity_with_a_notice() {
    let dir = copy_fixture("bad/unknown-key");
    for i in 0..12 {
        std::fs::write(
            dir.path().join(format!("implementations/app/X-{i}.yaml")),
            format!("schema_version: 1\ncontrol: X-{i}\nstatus: implemented\n"),
        )
        .expect("write");
    }
    let out = Aegis::new()
        .args(["validate", ".", "--as-of", AS_OF, "--format", "github"])
        .current_dir(dir.path())
        .run();
    assert_eq!(out.code, 1);
    let errors = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .count();
    assert_eq!(errors, 10, "{}", out.stdout);
    let json = Aegis::new()
        .args(["validate", ".", "--as-of", AS_OF, "--format", "json"])
        .current_dir(dir.path())
        .run();
    let hidden = json.diagnostics().len() - 10;
    assert!(
        out.stdout.contains(&format!(
            "::notice title=aegis::{hidden} more diagnostics are not annotated"
        )),
        "{}",
        out.stdout
    );
}

#[test]
fn output_flag_writes_the_report_to_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("reports/aegis.sarif");
    let out = Aegis::new()
        .args([
            "validate", "mixed", "--as-of", AS_OF, "--format", "sarif", "--output",
        ])
        .arg(&report)
        .current_dir(fixtures().join("repos"))
        .run();
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    let written = std::fs::read_to_string(&report).expect("report written");
    assert_eq!(written, mixed("sarif").stdout);
}

#[test]
fn clean_repository_exits_0() {
    let out = Aegis::new()
        .args(["validate", "clean", "--as-of", AS_OF, "--color", "never"])
        .current_dir(fixtures().join("repos"))
        .run();
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(
        out.stdout,
        "passed: 0 errors, 0 warnings, 0 notes in 8 files\n"
    );
}

#[test]
fn findings_exit_1() {
    assert_eq!(mixed("json").code, 1);
}

#[test]
fn a_directory_without_aegis_yaml_exits_2_and_says_how_to_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Aegis::new()
        .args(["validate", "."])
        .current_dir(dir.path())
        .run();
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    snapshot!("not_a_repository", out.stderr);
}

#[test]
fn a_missing_directory_exits_2() {
    let out = Aegis::new().args(["validate", "does-not-exist"]).run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("does-not-exist is not a directory"),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_usage_exits_2() {
    for args in [
        &["validate", "repos/mixed", "--format", "xml"][..],
        &["validate", "repos/mixed", "--as-of", "2026-13-01"],
        &["validate", "repos/mixed", "--as-of", "June"],
        &["validate", "repos/mixed", "--no-such-flag"],
        &["frobnicate"],
        &[],
    ] {
        let out = Aegis::new().args(args).run();
        assert_eq!(out.code, 2, "aegis {args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "", "aegis {args:?}");
        assert!(!out.stderr.is_empty(), "aegis {args:?} says nothing");
    }
}

#[test]
fn warnings_pass_the_default_gate() {
    // withdrawn-control is a warning; the default gate fails on errors.
    let dir = copy_fixture("bad/withdrawn-control");
    let out = Aegis::new()
        .args(["validate", ".", "--as-of", AS_OF, "--color", "never"])
        .current_dir(dir.path())
        .run();
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("warning[withdrawn-control]"));
    assert!(
        out.stdout
            .ends_with("passed: 0 errors, 1 warning, 0 notes in 3 files\n"),
        "{}",
        out.stdout
    );
}

fn append_config(dir: &std::path::Path, text: &str) {
    let path = dir.join("aegis.yaml");
    let mut config = std::fs::read_to_string(&path).expect("read aegis.yaml");
    config.push_str(text);
    std::fs::write(&path, config).expect("write aegis.yaml");
}

#[test]
fn gate_fail_on_warning_fails_on_warnings() {
    let dir = copy_fixture("bad/withdrawn-control");
    append_config(dir.path(), "gate:\n  fail_on: warning\n");
    let out = Aegis::new()
        .args(["validate", ".", "--as-of", AS_OF, "--color", "never"])
        .current_dir(dir.path())
        .run();
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .ends_with("failed: 0 errors, 1 warning, 0 notes in 3 files\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_code_can_be_lowered_to_a_warning_in_aegis_yaml() {
    let dir = copy_fixture("bad/exception-expired");
    let before = Aegis::new()
        .args(["validate", ".", "--as-of", AS_OF, "--format", "json"])
        .current_dir(dir.path())
        .run();
    assert_eq!(before.code, 1);
    append_config(dir.path(), "diagnostics:\n  exception-expired: warning\n");
    let after = Aegis::new()
        .args(["validate", ".", "--as-of", AS_OF, "--format", "json"])
        .current_dir(dir.path())
        .run();
    assert_eq!(after.code, 0);
    let diags = after.diagnostics();
    let found: Vec<(&str, &str, &str)> = diags
        .iter()
        .map(|d| (d.file.as_str(), d.code.as_str(), d.severity.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("aegis.yaml", "weakened-code", "note"),
            ("exceptions/EX-1.yaml", "exception-expired", "warning")
        ]
    );
    // The weakening is in the summary a machine reads, too.
    assert_eq!(
        after.json()["summary"]["weakened"],
        serde_json::json!([{"code": "exception-expired", "default": "error", "severity": "warning", "findings": 1}])
    );
}

#[test]
fn a_code_switched_off_in_aegis_yaml_is_not_reported() {
    let dir = copy_fixture("bad/exception-expired");
    append_config(dir.path(), "diagnostics:\n  exception-expired: off\n");
    let out = Aegis::new()
        .args(["validate", ".", "--as-of", AS_OF, "--format", "json"])
        .current_dir(dir.path())
        .run();
    assert_eq!(out.code, 0);
    let diags = out.diagnostics();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].code, "weakened-code");
    assert!(
        diags[0]
            .message
            .contains("sets `exception-expired` to off (default: error); 1 finding(s) are hidden"),
        "{}",
        diags[0].message
    );
    let human = Aegis::new()
        .args(["validate", ".", "--as-of", AS_OF, "--color", "never"])
        .current_dir(dir.path())
        .run();
    assert!(
        human.stdout.ends_with(
            "passed: 0 errors, 0 warnings, 1 note in 3 files; aegis.yaml weakens 1 code: exception-expired error→off\n"
        ),
        "{}",
        human.stdout
    );
}

#[test]
fn as_of_decides_whether_an_exception_has_expired() {
    let run = |as_of: &str| {
        Aegis::new()
            .args([
                "validate",
                "bad/exception-expired",
                "--format",
                "json",
                "--as-of",
                as_of,
            ])
            .run()
    };
    // The exception expires on 2026-04-30: valid (and expiring) that day,
    // expired the next; a month before, not yet worth a warning.
    assert_eq!(run("2026-03-30").codes(), Vec::<String>::new());
    assert_eq!(
        run("2026-04-30").codes(),
        vec!["exception-expiring".to_string()]
    );
    assert_eq!(
        run("2026-05-01").codes(),
        vec!["exception-expired".to_string()]
    );
}
