//! One change a lifecycle command makes to the repository, a new file or an
//! edit of one: written, or under `--dry-run` only shown. Every command that
//! writes a record goes through [`write_or_show`], so a dry run makes the
//! same checks as the real run and differs only in writing nothing: no file,
//! no temporary file, no directory (callers also skip the directory lock,
//! which creates its directory).

use crate::output::escape;
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::path::Path;

/// What [`write_or_show`] did (or, under `--dry-run`, would have done).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    Created,
    Changed,
    /// The new text is the file's text: nothing to write.
    Unchanged,
}

/// Why a change was not made; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("{0} already exists")]
    Exists(String),
    /// The file is no longer the text the change was computed from.
    #[error("{0} changed while this command was running; run it again")]
    Moved(String),
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
}

/// Writes `new` to `root/rel` atomically, or with `dry_run` writes nothing
/// and prints the change on `out` as a unified diff (lines escaped for the
/// terminal), headed by `rel`.
///
/// `old` is `None` for a new file (refused when anything is at `rel`,
/// a dangling link included) and the file's text as the command read it
/// for an edit (refused when the file no longer holds it, so a concurrent
/// edit is never lost). Both checks run in a dry run too.
pub fn write_or_show(
    root: &Path,
    rel: &str,
    old: Option<&str>,
    new: &str,
    dry_run: bool,
    out: &mut dyn Write,
) -> Result<Applied, ChangeError> {
    let path = root.join(rel);
    let io_err = |source| ChangeError::Io {
        path: rel.to_string(),
        source,
    };
    let applied = match old {
        None => {
            if path.symlink_metadata().is_ok() {
                return Err(ChangeError::Exists(rel.to_string()));
            }
            Applied::Created
        }
        Some(old) => {
            if !still_holds(&path, old).map_err(io_err)? {
                return Err(ChangeError::Moved(rel.to_string()));
            }
            if old == new {
                return Ok(Applied::Unchanged);
            }
            Applied::Changed
        }
    };
    if dry_run {
        out.write_all(unified_diff(rel, old, new).as_bytes())
            .map_err(io_err)?;
    } else {
        crate::write::write_atomic(&path, new.as_bytes()).map_err(io_err)?;
    }
    Ok(applied)
}

/// Whether the file at `path` still holds exactly `text` (reading at most
/// one byte more than `text`, whatever the file has grown to).
fn still_holds(path: &Path, text: &str) -> io::Result<bool> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let mut now = Vec::with_capacity(text.len() + 1);
    file.take(text.len() as u64 + 1).read_to_end(&mut now)?;
    Ok(now == text.as_bytes())
}

/// Lines of context around each change.
const CONTEXT: usize = 1;

/// A unified diff of `rel` from `before` (`None`: a new file, shown from
/// /dev/null) to `after`, every line escaped for the terminal.
pub fn unified_diff(rel: &str, before: Option<&str>, after: &str) -> String {
    let d = similar::TextDiff::from_lines(before.unwrap_or(""), after);
    let path = escape::text(rel);
    let mut out = match before {
        Some(_) => format!("--- a/{path}\n+++ b/{path}\n"),
        None => format!("--- /dev/null\n+++ b/{path}\n"),
    };
    for group in d.grouped_ops(CONTEXT) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let (old, new) = (first.old_range().start, first.new_range().start);
        let old_len = last.old_range().end - old;
        let new_len = last.new_range().end - new;
        // An empty range names the line before it (`-0,0` for a new file).
        let start = |at: usize, len: usize| if len == 0 { at } else { at + 1 };
        let _ = writeln!(
            out,
            "@@ -{},{old_len} +{},{new_len} @@",
            start(old, old_len),
            start(new, new_len)
        );
        for op in &group {
            for change in d.iter_changes(op) {
                let sign = match change.tag() {
                    similar::ChangeTag::Equal => ' ',
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                };
                let value = change.value();
                let line = value.strip_suffix('\n').unwrap_or(value);
                let _ = writeln!(out, "{sign}{}", escape::text(line));
                if !value.ends_with('\n') {
                    out.push_str("\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = walk(dir);
        names.sort();
        names
    }

    fn walk(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).expect("list").flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                out.extend(walk(&e.path()).into_iter().map(|n| format!("{name}/{n}")));
                out.push(format!("{name}/"));
            } else {
                out.push(name);
            }
        }
        out
    }

    #[test]
    fn a_dry_run_shows_a_new_file_and_writes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut out = Vec::new();
        let got = write_or_show(
            dir.path(),
            "new/a.yaml",
            None,
            "a: 1\nb: 2\n",
            true,
            &mut out,
        )
        .expect("planned");
        assert_eq!(got, Applied::Created);
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "--- /dev/null\n+++ b/new/a.yaml\n@@ -0,0 +1,2 @@\n+a: 1\n+b: 2\n"
        );
        assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
        let mut out = Vec::new();
        let got = write_or_show(dir.path(), "new/a.yaml", None, "a: 1\n", false, &mut out)
            .expect("written");
        assert_eq!(got, Applied::Created);
        assert!(out.is_empty());
        assert_eq!(files(dir.path()), ["new/", "new/a.yaml"]);
    }

    #[test]
    fn an_edit_is_a_diff_of_its_lines_escaped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let old = "a: 1\nb: 2\nc: 3\nd: 4\n";
        std::fs::write(dir.path().join("f.yaml"), old).expect("write");
        let new = "a: 1\nb: \"\u{1b}[31mred\"\nc: 3\nd: 4\ne: 5";
        let mut out = Vec::new();
        let got =
            write_or_show(dir.path(), "f.yaml", Some(old), new, true, &mut out).expect("planned");
        assert_eq!(got, Applied::Changed);
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,4 +1,5 @@\n a: 1\n-b: 2\n+b: \"\\x1b[31mred\"\n c: 3\n\
             \x20d: 4\n+e: 5\n\\ No newline at end of file\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("f.yaml")).expect("read"),
            old
        );
        assert_eq!(files(dir.path()), ["f.yaml"]);
    }

    #[test]
    fn refusals_are_the_same_with_and_without_dry_run() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("f.yaml"), "a: 2\n").expect("write");
        for dry_run in [true, false] {
            let mut out = Vec::new();
            let exists = write_or_show(dir.path(), "f.yaml", None, "a: 1\n", dry_run, &mut out);
            assert!(matches!(exists, Err(ChangeError::Exists(_))), "{exists:?}");
            let moved = write_or_show(
                dir.path(),
                "f.yaml",
                Some("a: 1\n"),
                "a: 3\n",
                dry_run,
                &mut out,
            );
            assert!(matches!(moved, Err(ChangeError::Moved(_))), "{moved:?}");
            let same = write_or_show(
                dir.path(),
                "f.yaml",
                Some("a: 2\n"),
                "a: 2\n",
                dry_run,
                &mut out,
            );
            assert_eq!(same.expect("unchanged"), Applied::Unchanged);
            assert!(out.is_empty());
        }
        assert_eq!(
            std::fs::read_to_string(dir.path().join("f.yaml")).expect("read"),
            "a: 2\n"
        );
    }
}
