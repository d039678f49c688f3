//! The GitHub Action (`action.yml`, `action/`), the pre-commit hook, this
//! repository's workflows and those `aegis init` writes: pinned, valid
//! against their published schemas, and the install script's checksum
//! verification and cargo fallback, run offline against local files.

use aegis::init::workflows::{ActionPin, render};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every workflow and action file of this repository, and the workflows
/// `aegis init` writes (pinned, unpinned, plain and for a folder), as
/// (name, text).
fn github_files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let read = |p: &Path| std::fs::read_to_string(p).expect("read");
    out.push(("action.yml".to_string(), read(&root().join("action.yml"))));
    let mut workflows: Vec<PathBuf> = std::fs::read_dir(root().join(".github/workflows"))
        .expect("workflows")
        .map(|e| e.expect("entry").path())
        .collect();
    workflows.sort();
    for p in workflows {
        let name = format!(
            ".github/workflows/{}",
            p.file_name().expect("name").to_string_lossy()
        );
        out.push((name, read(&p)));
    }
    // The workflow the README gives to copy.
    let readme = read(&root().join("README.md"));
    let block = readme
        .split("## CI on GitHub")
        .nth(1)
        .and_then(|rest| rest.split("```yaml\n").nth(1))
        .and_then(|rest| rest.split("```").next())
        .expect("README's CI section has a yaml block");
    out.push(("README.md CI".to_string(), block.to_string()));
    for (label, pin) in [
        ("pinned", ActionPin::new(Some(SHA), "0.1.0")),
        ("unpinned", ActionPin::new(None, "0.1.0")),
    ] {
        for folder in [None, Some("apps/compliance")] {
            for w in render(folder, &pin) {
                out.push((format!("init {label} {}", w.file), w.text));
            }
        }
    }
    out
}

/// The `uses:` values of a YAML file (each with its trailing comment).
fn uses_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let t = l.trim_start().trim_start_matches("- ");
            t.strip_prefix("uses:").map(|v| v.trim().to_string())
        })
        .collect()
}

#[test]
fn every_third_party_action_is_pinned_by_commit_with_its_tag() {
    let mut seen: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut count = 0;
    for (name, text) in github_files() {
        for uses in uses_lines(&text) {
            count += 1;
            if uses == "./" {
                continue;
            }
            // The aegis Action in a workflow written by a build that knows
            // no release commit, and in the README's copy (no release is
            // published yet): the one reference allowed to be a branch.
            let may_follow_main = name.starts_with("init unpinned") || name.starts_with("README");
            if may_follow_main && uses == "aegis-grc/aegis@main" {
                continue;
            }
            let (action, rest) = uses
                .split_once('@')
                .unwrap_or_else(|| panic!("{name}: {uses}"));
            let (sha, comment) = rest
                .split_once(" # ")
                .unwrap_or_else(|| panic!("{name}: `{uses}` has no `# vX` tag comment"));
            assert!(
                sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                "{name}: `{uses}` is not pinned by a full commit SHA"
            );
            assert!(comment.starts_with('v'), "{name}: `{uses}`");
            // One action, one pin, everywhere.
            let repo = action.split('/').take(2).collect::<Vec<_>>().join("/");
            let entry = seen
                .entry(repo.clone())
                .or_insert((sha.to_string(), comment.to_string()));
            assert_eq!(
                entry,
                &(sha.to_string(), comment.to_string()),
                "{name}: {repo} is pinned differently elsewhere"
            );
        }
    }
    assert!(count > 30, "only {count} uses: lines found");
    let repos: Vec<&str> = seen.keys().map(String::as_str).collect();
    assert_eq!(
        repos,
        [
            "actions/cache",
            "actions/checkout",
            "actions/deploy-pages",
            "actions/download-artifact",
            "actions/upload-artifact",
            "actions/upload-pages-artifact",
            "aegis-grc/aegis",
            "github/codeql-action",
        ]
    );
}

#[test]
fn action_inputs_reach_scripts_only_through_env() {
    let action = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    let mut in_run = false;
    for line in action.lines() {
        let t = line.trim_start();
        if t.starts_with("run:") {
            in_run = true;
            assert!(!t.contains("${{"), "an expression inside run: `{line}`");
        } else if in_run && t.starts_with("- ") {
            in_run = false;
        }
    }
    // The token reaches aegis as GITHUB_TOKEN from the input, never as an argument.
    assert!(action.contains("        GITHUB_TOKEN: ${{ inputs.token }}\n"));
    assert!(action.contains("    default: ${{ github.token }}\n"));
    for input in [
        "command",
        "args",
        "working-directory",
        "sarif-file",
        "version",
        "token",
    ] {
        assert!(action.contains(&format!("\n  {input}:\n")), "input {input}");
    }
}

/// `AEGIS_CHECK_JSONSCHEMA` names a check-jsonschema binary (`.ci/run`
/// installs one); its built-in copies of SchemaStore's GitHub schemas are
/// the published ones.
#[test]
fn action_and_workflows_match_their_published_schemas() {
    let Some(tool) = std::env::var_os("AEGIS_CHECK_JSONSCHEMA") else {
        eprintln!("skipped: set AEGIS_CHECK_JSONSCHEMA to a check-jsonschema binary");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut workflows = Vec::new();
    for (i, (name, text)) in github_files().into_iter().enumerate() {
        if name == "action.yml" {
            continue;
        }
        let path = dir.path().join(format!("{i:02}.yml"));
        std::fs::write(&path, text).expect("write");
        workflows.push(path);
    }
    let run = |schema: &str, files: &[PathBuf]| {
        let out = Command::new(&tool)
            .args(["--builtin-schema", schema])
            .args(files)
            .output()
            .expect("run check-jsonschema");
        assert!(
            out.status.success(),
            "{schema}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run("vendor.github-actions", &[root().join("action.yml")]);
    assert!(workflows.len() >= 15, "{}", workflows.len());
    run("vendor.github-workflows", &workflows);
}

/// check-jsonschema ships no schema of `.pre-commit-hooks.yaml`: its keys
/// are checked against pre-commit's documented manifest keys instead.
#[test]
fn pre_commit_hook_runs_aegis_validate_on_the_compliance_files() {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).expect("hooks");
    let hooks: Vec<BTreeMap<String, serde_json::Value>> =
        serde_saphyr::from_str(&text).expect("YAML list of hooks");
    let known = [
        "id",
        "name",
        "entry",
        "language",
        "files",
        "exclude",
        "types",
        "types_or",
        "exclude_types",
        "always_run",
        "fail_fast",
        "verbose",
        "pass_filenames",
        "require_serial",
        "description",
        "language_version",
        "minimum_pre_commit_version",
        "args",
        "stages",
    ];
    assert_eq!(hooks.len(), 1);
    let hook = &hooks[0];
    for key in hook.keys() {
        assert!(known.contains(&key.as_str()), "unknown key {key}");
    }
    assert_eq!(hook["id"], "aegis-validate");
    assert_eq!(hook["entry"], "aegis validate");
    assert_eq!(hook["language"], "rust");
    assert_eq!(hook["pass_filenames"], false);
    assert_eq!(
        hook["files"],
        r"^(aegis\.yaml|controls/|implementations/|evidence/|policies/|exceptions/|risks/|findings/)"
    );
}

// ---- action/install.sh, offline -------------------------------------------

/// A copy of the action's scripts with its own Cargo.toml and checksums,
/// a directory of release archives, and a PATH with a fake cargo.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new(version: &str) -> Sandbox {
        let dir = tempfile::tempdir().expect("tempdir");
        let act = dir.path().join("act/action");
        std::fs::create_dir_all(&act).expect("mkdir");
        for f in ["install.sh", "run.sh"] {
            std::fs::copy(root().join("action").join(f), act.join(f)).expect("copy script");
        }
        std::fs::write(
            dir.path().join("act/Cargo.toml"),
            format!("[package]\nname = \"aegis-grc\"\nversion = \"{version}\"\n"),
        )
        .expect("Cargo.toml");
        std::fs::write(act.join("checksums.txt"), "# none\n").expect("checksums");
        let bin = dir.path().join("fakebin");
        std::fs::create_dir_all(&bin).expect("mkdir");
        // A cargo that records its arguments and build commit, then
        // "installs" an aegis that prints its version.
        write_exe(
            &bin.join("cargo"),
            "#!/bin/sh\n\
             echo \"$@\" > \"$SANDBOX/cargo-args\"\n\
             echo \"${AEGIS_BUILD_COMMIT:-none}\" > \"$SANDBOX/cargo-commit\"\n\
             while [ \"$1\" != --root ]; do shift; done\n\
             mkdir -p \"$2/bin\"\n\
             printf '#!/bin/sh\\necho aegis built\\n' > \"$2/bin/aegis\"\n\
             chmod +x \"$2/bin/aegis\"\n",
        );
        Sandbox { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Publishes a release archive holding a fake aegis; returns its SHA-256.
    fn release(&self, version: &str, target: &str) -> String {
        let pkg = self.path("pkg");
        std::fs::create_dir_all(&pkg).expect("mkdir");
        write_exe(
            &pkg.join("aegis"),
            &format!("#!/bin/sh\necho aegis {version}\n"),
        );
        let rel = self.path(&format!("releases/v{version}"));
        std::fs::create_dir_all(&rel).expect("mkdir");
        let archive = rel.join(format!("aegis-v{version}-{target}.tar.gz"));
        let ok = Command::new("tar")
            .arg("-czf")
            .arg(&archive)
            .arg("-C")
            .arg(&pkg)
            .arg("aegis")
            .status()
            .expect("tar");
        assert!(ok.success());
        aegis::digest::sha256_hex(&std::fs::read(&archive).expect("read archive"))
    }

    fn list(&self, sum: &str, version: &str, target: &str) {
        let line = format!("{sum}  aegis-v{version}-{target}.tar.gz\n");
        let file = self.path("act/action/checksums.txt");
        let mut text = std::fs::read_to_string(&file).expect("read");
        text.push_str(&line);
        std::fs::write(file, text).expect("write");
    }

    /// Runs `install.sh STEP` as the Action would; returns (exit code,
    /// stdout+stderr, the outputs written).
    fn step(&self, step: &str, env: &[(&str, &str)]) -> (i32, String, BTreeMap<String, String>) {
        let outputs = self.path(&format!("outputs-{step}"));
        let _ = std::fs::remove_file(&outputs);
        let path = format!(
            "{}:{}",
            self.path("fakebin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new("bash");
        cmd.arg(self.path("act/action/install.sh"))
            .arg(step)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .env("SANDBOX", self.dir.path())
            .env("GITHUB_ACTION_PATH", self.path("act"))
            .env("GITHUB_OUTPUT", &outputs)
            .env("GITHUB_PATH", self.path("github-path"))
            .env("AEGIS_INSTALL_ROOT", self.path("tools"))
            .env(
                "AEGIS_DOWNLOAD_BASE",
                format!("file://{}", self.path("releases").display()),
            );
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run bash");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let written = std::fs::read_to_string(&outputs).unwrap_or_default();
        let map = written
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        (out.status.code().unwrap_or(-1), text, map)
    }

    /// `plan` then `install`, passing the plan on as action.yml does.
    fn install(&self, env: &[(&str, &str)]) -> (i32, String, BTreeMap<String, String>) {
        let (code, text, plan) = self.step("plan", env);
        assert_eq!(code, 0, "{text}");
        let keys = [
            ("AEGIS_INSTALL_DIR", "dir"),
            ("AEGIS_INSTALL_METHOD", "method"),
            ("AEGIS_INSTALL_VERSION", "version"),
            ("AEGIS_INSTALL_ARCHIVE", "archive"),
            ("AEGIS_INSTALL_SHA256", "sha256"),
        ];
        let mut all: Vec<(&str, &str)> = env.to_vec();
        for (var, key) in keys {
            all.push((var, plan.get(key).map(String::as_str).unwrap_or("")));
        }
        let (code, text2, mut out) = self.step("install", &all);
        out.extend(plan.into_iter().map(|(k, v)| (format!("plan.{k}"), v)));
        (code, format!("{text}{text2}"), out)
    }
}

fn write_exe(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

const LINUX_X64: [(&str, &str); 2] = [("RUNNER_OS", "Linux"), ("RUNNER_ARCH", "X64")];
const TARGET: &str = "x86_64-unknown-linux-gnu";

#[cfg(unix)]
#[test]
fn install_accepts_a_release_whose_checksum_is_committed() {
    let sb = Sandbox::new("0.4.0");
    let sum = sb.release("0.4.0", TARGET);
    sb.list(&sum, "0.4.0", TARGET);
    let (code, text, out) = sb.install(&LINUX_X64);
    assert_eq!(code, 0, "{text}");
    assert_eq!(out["plan.method"], "download");
    assert_eq!(out["plan.archive"], format!("aegis-v0.4.0-{TARGET}.tar.gz"));
    assert_eq!(out["plan.sha256"], sum);
    let bin = PathBuf::from(&out["path"]);
    assert!(bin.starts_with(sb.path("tools")), "{}", bin.display());
    assert!(text.contains(&format!("verified (sha256 {sum})")), "{text}");
    assert!(text.ends_with("aegis 0.4.0\n"), "{text}");
    assert!(!sb.path("cargo-args").exists(), "cargo ran");
    let github_path = std::fs::read_to_string(sb.path("github-path")).expect("GITHUB_PATH");
    assert_eq!(
        github_path.trim_end(),
        bin.parent().expect("bin dir").display().to_string()
    );
    // A second install (a restored cache) reuses the binary.
    let (code, text, _) = sb.install(&LINUX_X64);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("aegis: reusing "), "{text}");
}

#[cfg(unix)]
#[test]
fn install_refuses_a_download_whose_checksum_differs() {
    let sb = Sandbox::new("0.4.0");
    let sum = sb.release("0.4.0", TARGET);
    let wrong = "f".repeat(64);
    sb.list(&wrong, "0.4.0", TARGET);
    let (code, text, out) = sb.install(&LINUX_X64);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(&format!(
            "::error title=aegis install::SHA-256 mismatch for aegis-v0.4.0-{TARGET}.tar.gz: action/checksums.txt has {wrong}, the download has {sum}; nothing was installed"
        )),
        "{text}"
    );
    assert!(!out.contains_key("path"));
    assert!(!sb.path("github-path").exists());
    assert!(!Path::new(&out["plan.dir"]).join("bin/aegis").exists());
}

#[cfg(unix)]
#[test]
fn install_builds_the_action_source_with_cargo_where_no_release_is_listed() {
    let sb = Sandbox::new("0.4.0");
    // A release exists for Linux, but the runner is one no release is built for.
    let sum = sb.release("0.4.0", TARGET);
    sb.list(&sum, "0.4.0", TARGET);
    let env = [
        ("RUNNER_OS", "Plan9"),
        ("RUNNER_ARCH", "X64"),
        ("AEGIS_ACTION_REF", SHA),
    ];
    let (code, text, out) = sb.install(&env);
    assert_eq!(code, 0, "{text}");
    assert_eq!(out["plan.method"], "cargo");
    assert!(
        text.contains("aegis: no release binary is built for Plan9/X64; building 0.4.0 from the action's source with cargo"),
        "{text}"
    );
    let args = std::fs::read_to_string(sb.path("cargo-args")).expect("cargo ran");
    assert_eq!(
        args.trim_end(),
        format!(
            "install --locked --path {} --root {} --bin aegis",
            sb.path("act").display(),
            out["plan.dir"]
        )
    );
    // The pinned commit is recorded in the build, for `aegis init`.
    assert_eq!(
        std::fs::read_to_string(sb.path("cargo-commit"))
            .expect("commit")
            .trim_end(),
        SHA
    );
    assert!(text.ends_with("aegis built\n"), "{text}");
    // A listed platform with no listed release of this version builds too.
    let sb = Sandbox::new("0.5.0");
    let (code, text, out) = sb.install(&LINUX_X64);
    assert_eq!(code, 0, "{text}");
    assert_eq!(out["plan.method"], "cargo");
    assert_eq!(
        std::fs::read_to_string(sb.path("cargo-commit"))
            .expect("commit")
            .trim_end(),
        "none"
    );
}

#[cfg(unix)]
#[test]
fn install_refuses_a_version_it_can_neither_download_nor_build() {
    let sb = Sandbox::new("0.4.0");
    let (code, text, _) = sb.step(
        "plan",
        &[
            ("RUNNER_OS", "Linux"),
            ("RUNNER_ARCH", "X64"),
            ("AEGIS_VERSION", "0.3.0"),
        ],
    );
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("aegis 0.3.0 has no verified binary for x86_64-unknown-linux-gnu in action/checksums.txt, and this action's source is aegis 0.4.0"), "{text}");
    let (code, text, _) = sb.step("plan", &[("AEGIS_VERSION", "0.4; echo injected")]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("is not a version number"), "{text}");
}

/// `run.sh`: arguments split at whitespace without a shell, the token in
/// the environment, SARIF first, aegis's exit code as the step's.
#[cfg(unix)]
#[test]
fn run_passes_arguments_literally_and_keeps_the_exit_code() {
    let sb = Sandbox::new("0.4.0");
    let fake = sb.path("fakebin/aegis");
    write_exe(
        &fake,
        "#!/bin/sh\n\
         printf '<%s>' \"$@\" >> \"$SANDBOX/calls\"; echo >> \"$SANDBOX/calls\"\n\
         echo \"token=${GITHUB_TOKEN:-unset}\" >> \"$SANDBOX/calls\"\n\
         for a; do if [ \"$prev\" = --output ]; then echo '{}' > \"$a\"; fi; prev=$a; done\n\
         exit 1\n",
    );
    let work = sb.path("work");
    std::fs::create_dir_all(&work).expect("mkdir");
    let outputs = sb.path("run-outputs");
    let run = |env: &[(&str, &str)]| {
        let mut cmd = Command::new("bash");
        cmd.arg(sb.path("act/action/run.sh"))
            .current_dir(&work)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SANDBOX", sb.dir.path())
            .env("GITHUB_OUTPUT", &outputs)
            .env("AEGIS_BIN", &fake);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run bash")
    };
    let out = run(&[
        ("AEGIS_COMMAND", "check"),
        ("AEGIS_ARGS", " .  --as-of\t2026-06-01 $HOME * "),
        ("AEGIS_SARIF_FILE", "aegis.sarif"),
        ("GITHUB_TOKEN", "t0ken"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = std::fs::read_to_string(sb.path("calls")).expect("calls");
    assert_eq!(
        calls,
        "<check><.><--as-of><2026-06-01><$HOME><*><--format><sarif><--output><aegis.sarif>\n\
         token=t0ken\n\
         <check><.><--as-of><2026-06-01><$HOME><*>\n\
         token=t0ken\n"
    );
    let written = std::fs::read_to_string(&outputs).expect("outputs");
    assert_eq!(
        written,
        format!(
            "exit-code=1\nsarif-file={}/aegis.sarif\n",
            work.canonicalize().expect("canonical").display()
        )
    );
    // Not an aegis command: refused before anything runs.
    let out = run(&[("AEGIS_COMMAND", "check; curl evil")]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(sb.path("calls")).expect("calls"),
        calls,
        "aegis ran"
    );
}
