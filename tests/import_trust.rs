//! Issue 7, "Trust the gate": `aegis framework import` reads only what it
//! should, never echoes more than a short excerpt of a bad file, never
//! loses a file, and refuses truncated or oversized input. Tests marked
//! "corpus" read `$AEGIS_CORPUS` and are skipped when it is unset.

use aegis::model::Date;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn new_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    aegis::init::scaffold(dir.path(), "Test", Date::today_utc()).expect("init");
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, text).expect("write");
    p
}

/// Every file under `dir`, relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            let ft = e.file_type().expect("type");
            if ft.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("under")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

fn aegis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aegis"))
        .args(args)
        .output()
        .expect("runs")
}

fn import_cli(file: &Path, repo: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "framework".to_string(),
        "import".into(),
        file.to_string_lossy().into_owned(),
        "--repo".into(),
        repo.to_string_lossy().into_owned(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    aegis(&refs)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const TINY_CATALOG: &str = r##"{"catalog":{"uuid":"11111111-1111-4111-8111-111111111111",
 "metadata":{"title":"Tiny Controls","version":"1.0","last-modified":"2024-01-01T00:00:00Z","oscal-version":"1.1.2"},
 "groups":[{"id":"ac","title":"Access","controls":[
   {"id":"ac-1","title":"One","props":[{"name":"label","value":"AC-1"}],"params":[{"id":"ac-1_prm_1","label":"frequency"}],
    "controls":[{"id":"ac-1.1","title":"One one"},{"id":"ac-1.2","title":"One two"}]},
   {"id":"ac-2","title":"Two"}]},
  {"id":"au","title":"Audit","controls":[{"id":"au-1","title":"Log"}]}]}}"##;

fn profile(imports: &str, rest: &str) -> String {
    format!(
        r#"{{"profile":{{"uuid":"22222222-2222-4222-8222-222222222222","metadata":{{"title":"Tiny Moderate Baseline","version":"1","last-modified":"2024-02-03T04:05:06Z","oscal-version":"1.1.2"}},"imports":[{imports}]{rest}}}}}"#
    )
}

/// The longest run of `needle`'s characters, repeated, found in `hay`: how
/// much of a filler text a message echoed.
fn longest_run(hay: &str, unit: &str) -> usize {
    let mut best = 0;
    let mut i = 0;
    while let Some(at) = hay[i..].find(unit) {
        let start = i + at;
        let mut end = start;
        while hay[end..].starts_with(unit) {
            end += unit.len();
        }
        // Count partial repeats at the edges too.
        best = best.max(end - start);
        i = end.max(start + 1);
        if i >= hay.len() {
            break;
        }
    }
    best
}

// ---- 1. a profile reads only inside its folder and the repository ----------------------

#[test]
fn profile_imports_outside_the_folder_are_refused_unread() {
    let outer = tempfile::tempdir().expect("tmp");
    let secret_text = format!("{{\"token\": \"ghp_{}\"}}", "S3CR3T".repeat(50));
    let secret = write(outer.path(), "secret/.git-credentials", &secret_text);
    let plain_secret = write(outer.path(), "secret/cred.json", &secret_text);
    let dir = outer.path().join("profiles");
    std::fs::create_dir_all(&dir).expect("dir");
    write(&dir, "tiny.json", TINY_CATALOG);
    let repo = new_repo();
    let before = tree(repo.path());
    let abs = plain_secret.to_string_lossy().into_owned();
    let mut hrefs: Vec<String> = vec![
        abs.clone(),
        "../secret/cred.json".into(),
        "../secret/.git-credentials".into(),
        format!("file://{abs}"),
        "file:../secret/cred.json".into(),
        "/etc/passwd".into(),
    ];
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&plain_secret, dir.join("link.json")).expect("symlink");
        std::os::unix::fs::symlink(&secret, dir.join("cred.json")).expect("symlink");
        hrefs.push("link.json".into());
    }
    for (i, href) in hrefs.iter().enumerate() {
        let direct = write(
            &dir,
            &format!("p{i}.json"),
            &profile(&format!(r#"{{"href":{href:?},"include-all":{{}}}}"#), ""),
        );
        let via_rlink = write(
            &dir,
            &format!("r{i}.json"),
            &profile(
                r##"{"href":"#33333333-3333-4333-8333-333333333333","include-all":{}}"##,
                &format!(
                    r#","back-matter":{{"resources":[{{"uuid":"33333333-3333-4333-8333-333333333333","rlinks":[{{"href":{href:?}}}]}}]}}"#
                ),
            ),
        );
        for p in [direct, via_rlink] {
            let out = import_cli(&p, repo.path(), &[]);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{href}: {err}");
            assert!(err.contains("refused"), "{href}: {err}");
            assert!(
                !err.contains("S3CR3T") && !err.contains("root:"),
                "{href}: {err}"
            );
        }
    }
    assert_eq!(
        before,
        tree(repo.path()),
        "a refused import wrote something"
    );
    // The same import from inside the folder works.
    let ok = write(
        &dir,
        "ok.json",
        &profile(r#"{"href":"./tiny.json","include-all":{}}"#, ""),
    );
    let out = import_cli(&ok, repo.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

// ---- 1. errors quote at most a short, escaped excerpt ----------------------------------

#[test]
fn parse_errors_quote_only_a_short_escaped_excerpt() {
    let src = tempfile::tempdir().expect("tmp");
    let repo = new_repo();
    let filler = "Zq".repeat(5_000);
    let esc = "\u{1b}[2J\u{1b}]0;pwned\u{7}";
    let cases: Vec<(&str, String)> = vec![
        // A text file read as YAML is one long string.
        ("plain.txt", format!("{esc}{filler}\n{filler}\n")),
        // serde quotes the value of the wrong type.
        (
            "cat.json",
            format!(r#"{{"catalog":{{"uuid":"u","metadata":{{}},"groups":"{esc}{filler}"}}}}"#),
        ),
        (
            "cat.yaml",
            format!("catalog:\n  uuid: u\n  metadata: {{}}\n  groups: \"{filler}{esc}\"\n"),
        ),
        ("cat.xml", format!("<catalog><{filler}></catalog>")),
        (
            "bad-id.json",
            TINY_CATALOG.replace("\"ac-2\"", &format!("\"ac 2{filler}{esc}\"")),
        ),
        (
            "prowler.json",
            format!(r#"{{"Framework":"X","Requirements":"{filler}{esc}"}}"#),
        ),
        (
            "ciso.yaml",
            format!(
                "urn: u\nobjects:\n  framework:\n    urn: f\n    requirement_nodes:\n      - urn: \"{filler}{esc}\"\n        parent_urn: \"{filler}\"\n"
            ),
        ),
        ("sheet.csv", format!("Ref,Name\n\"A {filler}{esc}\",x\n")),
    ];
    for (name, text) in cases {
        let file = write(src.path(), name, &text);
        let extra: &[&str] = if name.ends_with(".csv") {
            &["--columns", "id=Ref"]
        } else {
            &[]
        };
        let out = import_cli(&file, repo.path(), extra);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name), "{name}: {err}");
        assert!(
            longest_run(&err, "Zq") <= 100,
            "{name}: more than 100 characters of input echoed: {} bytes of stderr",
            err.len()
        );
        assert!(
            !err.contains('\u{1b}') && !err.contains('\u{7}'),
            "{name}: control characters reached the terminal: {err:?}"
        );
        assert!(err.len() < 2_000, "{name}: {err}");
    }
    // A profile importing such a file beside it: the same bound.
    write(src.path(), "junk.json", &format!("{{\"x\": \"{filler}\"}}"));
    let p = write(
        src.path(),
        "p.json",
        &profile(r#"{"href":"junk.json","include-all":{}}"#, ""),
    );
    let err = stderr(&import_cli(&p, repo.path(), &[]));
    assert!(longest_run(&err, "Zq") <= 100, "{err}");
}
