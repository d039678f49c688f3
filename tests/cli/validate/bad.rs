//! One small repository per diagnostic code under `tests/fixtures/bad/<code>/`,
//! plus hostile inputs under `tests/fixtures/bad/hostile-*/`. Each fixture's
//! `expect.json` names the code, file and line the defect must be reported at.
//! Files git cannot hold well (symbolic links, invalid UTF-8, huge or very
//! deep files) are made here, in a temporary copy of the fixture.

use crate::harness::{AS_OF, Aegis, Diag, copy_fixture, fixtures};
use aegis::diag::Code;
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    code: String,
    /// Repository-relative; a value ending in `/` matches any file below it.
    file: String,
    line: u32,
    /// The command that reports it: `validate` (the default) or `check`.
    #[serde(default)]
    command: Option<String>,
    /// Further diagnostics the defect rightly causes; nothing else may appear.
    #[serde(default)]
    also: Vec<Spot>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spot {
    code: String,
    file: String,
    line: u32,
}

impl Spot {
    fn matches(&self, d: &Diag) -> bool {
        let file = if self.file.ends_with('/') {
            d.file.starts_with(&self.file)
        } else {
            d.file == self.file
        };
        d.code == self.code && file && d.line == self.line
    }
}

fn expectation(name: &str) -> Expect {
    let path = fixtures().join("bad").join(name).join("expect.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

const IMPLEMENTATION_HEAD: &str =
    "schema_version: 1\ncontrol: C-1\nstatus: implemented\nparameters:\n";

/// Adds what the fixture's defect needs but git should not hold.
fn prepare(name: &str, root: &Path) {
    match name {
        "io-error" => {
            // Directories nested past PATH_MAX: reading them fails with
            // "File name too long" even for root, who can read anything else.
            // No path that long can be created directly, so the tree is built
            // bottom-up: each short chain is moved inside the next one.
            let seg = "d".repeat(200);
            let mut built: Option<std::path::PathBuf> = None;
            for i in 0..3 {
                let top = root.join(format!("chain-{i}"));
                let mut bottom = top.clone();
                for _ in 0..8 {
                    bottom.push(&seg);
                }
                std::fs::create_dir_all(&bottom).expect("mkdir");
                match built.take() {
                    Some(inner) => std::fs::rename(inner, bottom.join(&seg)).expect("nest"),
                    None => write(&bottom.join("C-1.yaml"), b"schema_version: 1\n"),
                }
                built = Some(top);
            }
            let deep = root.join("implementations/app/deep");
            std::fs::rename(built.expect("chain"), deep).expect("move into place");
        }
        "invalid-utf8" => {
            // Saved as Latin-1 by an editor: é is the single byte 0xe9.
            let path = root.join("implementations/app/C-1.yaml");
            let mut bytes = std::fs::read(&path).expect("read");
            bytes.extend_from_slice(b"owner: \"Caf\xe9 team\"\n");
            write(&path, &bytes);
        }
        "hostile-invalid-utf8" => {
            // Overlong encodings of '.' (0xc0 0xae): a lenient decoder turns
            // them into `../../etc/passwd`.
            write(
                &root.join("evidence/passwd.yaml"),
                b"schema_version: 1\nid: passwd\ntitle: Host accounts\nuri: \xc0\xae\xc0\xae/\xc0\xae\xc0\xae/etc/passwd\ncollected_at: 2026-05-01\n",
            );
        }
        "hostile-deep-flow" => {
            let text = format!(
                "{IMPLEMENTATION_HEAD}  x: {}{}\n",
                "[".repeat(10_000),
                "]".repeat(10_000)
            );
            write(&root.join("implementations/app/C-1.yaml"), text.as_bytes());
        }
        "hostile-deep-block" => {
            // `- - - x` nests block sequences on one line, so 10,000 levels
            // stay small (indented mappings would hit the size limit first).
            let text = format!("{IMPLEMENTATION_HEAD}  x:\n    {}x\n", "- ".repeat(10_000));
            write(&root.join("implementations/app/C-1.yaml"), text.as_bytes());
        }
        "hostile-symlink-evidence" => {
            let link = root.join("evidence/files/passwd.txt");
            std::fs::create_dir_all(link.parent().expect("parent")).expect("mkdir");
            std::os::unix::fs::symlink("/etc/passwd", link).expect("symlink");
        }
        "hostile-symlink-implementation" => {
            let link = root.join("implementations/app/C-1.yaml");
            std::fs::create_dir_all(link.parent().expect("parent")).expect("mkdir");
            std::os::unix::fs::symlink("/etc/passwd", link).expect("symlink");
        }
        "yaml-node-limit" => {
            // A million and one values: small on disk (2 MB), over the
            // node budget of one file.
            let path = root.join("implementations/app/C-1.yaml");
            let mut text = std::fs::read_to_string(&path).expect("read");
            text.push_str("parameters:\n  x: [");
            text.push_str(&"0,".repeat(1_000_001));
            text.push_str("]\n");
            write(&path, text.as_bytes());
        }
        "hostile-huge-file" => {
            // 64 MiB, sparse: instant to make, four times the default limit.
            let path = root.join("evidence/huge.yaml");
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            let f = std::fs::File::create(path).expect("create");
            f.set_len(64 * 1024 * 1024).expect("set_len");
        }
        _ => {}
    }
}

/// Runs `aegis validate` on a prepared copy of fixture `name` and returns
/// what is wrong with its report (empty when it is exactly as expected).
fn check_fixture(name: &str, timeout: Duration) -> Vec<String> {
    let expect = expectation(name);
    let dir = copy_fixture(&format!("bad/{name}"));
    prepare(name, dir.path());
    let out = Aegis::new()
        .args([
            expect.command.as_deref().unwrap_or("validate"),
            ".",
            "--format",
            "json",
            "--as-of",
            AS_OF,
        ])
        .current_dir(dir.path())
        .timeout(timeout)
        .run();
    let mut problems = Vec::new();
    let diags = out.diagnostics();
    let primary = Spot {
        code: expect.code.clone(),
        file: expect.file.clone(),
        line: expect.line,
    };
    let wanted: Vec<&Spot> = std::iter::once(&primary).chain(&expect.also).collect();
    for w in &wanted {
        if !diags.iter().any(|d| w.matches(d)) {
            problems.push(format!(
                "{name}: expected {} at {}:{}",
                w.code, w.file, w.line
            ));
        }
    }
    for d in &diags {
        if !wanted.iter().any(|w| w.matches(d)) {
            problems.push(format!(
                "{name}: unexpected {} at {}:{}:{}: {}",
                d.code, d.file, d.line, d.column, d.message
            ));
        }
    }
    let severity = Code::from_name(&expect.code).map(|c| c.info().severity);
    let want_code = match severity {
        Some(aegis::diag::Severity::Error) => 1,
        _ => 0,
    };
    if out.code != want_code {
        problems.push(format!(
            "{name}: exit code {}, expected {want_code}",
            out.code
        ));
    }
    if name == "hostile-alias-bomb" {
        // Plain words, not the parser's dump of its budget.
        let plain = "document expands aliases into more nodes than the safety budget allows";
        if diags.iter().any(|d| d.message != plain) {
            problems.push(format!("{name}: message is not {plain:?}"));
        }
    }
    if !problems.is_empty() {
        problems.push(format!("{name}: full report:\n{}", out.stdout));
    }
    problems
}

#[test]
fn every_code_is_reported_by_its_fixture_at_the_expected_line() {
    let mut problems = Vec::new();
    for code in Code::ALL {
        let name = code.as_str();
        assert!(
            fixtures().join("bad").join(name).is_dir(),
            "no fixture tests/fixtures/bad/{name}/"
        );
        assert_eq!(
            expectation(name).code,
            name,
            "bad/{name}/expect.json names another code"
        );
        problems.extend(check_fixture(name, Duration::from_secs(30)));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn hostile_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures().join("bad"))
        .expect("read bad/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("hostile-"))
        .collect();
    names.sort();
    names
}

#[test]
fn hostile_inputs_are_refused_quickly_with_a_diagnostic() {
    let names = hostile_fixtures();
    assert!(names.len() >= 8, "hostile fixtures missing: {names:?}");
    let mut problems = Vec::new();
    for name in &names {
        problems.extend(check_fixture(name, Duration::from_secs(10)));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn hostile_inputs_name_the_refusal_in_the_expected_code() {
    let refusals = [
        "yaml-alias-limit",
        "yaml-too-deep",
        "path-escapes-repo",
        "invalid-utf8",
        "file-too-large",
    ];
    let used: Vec<String> = hostile_fixtures()
        .iter()
        .map(|n| expectation(n).code)
        .collect();
    for r in refusals {
        assert!(
            used.iter().any(|u| u == r),
            "no hostile fixture reports {r}"
        );
    }
    for u in &used {
        assert!(
            refusals.contains(&u.as_str()),
            "hostile fixture expects {u}, which is not a refusal"
        );
    }
}

#[test]
fn symlink_to_etc_passwd_is_never_read() {
    let dir = copy_fixture("bad/hostile-symlink-implementation");
    prepare("hostile-symlink-implementation", dir.path());
    let out = Aegis::new()
        .args(["validate", ".", "--as-of", AS_OF, "--color", "never"])
        .current_dir(dir.path())
        .run();
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("symbolic link points outside the repository")
    );
    // Not a line of the target may leak into the report.
    assert!(!out.stdout.contains("root:"), "{}", out.stdout);
}

/// Each code's fixture, as a person reads it: the human report is
/// snapshotted per code (`tests/cli/snapshots/*code_<name>.snap`).
#[test]
fn every_code_has_a_human_report_snapshot() {
    for code in Code::ALL {
        let name = code.as_str();
        let dir = copy_fixture(&format!("bad/{name}"));
        prepare(name, dir.path());
        let command = expectation(name)
            .command
            .unwrap_or_else(|| "validate".into());
        let out = Aegis::new()
            .args([
                command.as_str(),
                ".",
                "--format",
                "human",
                "--color",
                "never",
                "--as-of",
                AS_OF,
            ])
            .current_dir(dir.path())
            .redact(dir.path(), "[TEMP]")
            .timeout(Duration::from_secs(30))
            .run();
        assert!(
            out.stdout.contains(&format!("[{name}]")),
            "{name}: the report does not show the code:\n{}",
            out.stdout
        );
        crate::snapshot!(format!("code_{name}"), out.stdout);
    }
}
