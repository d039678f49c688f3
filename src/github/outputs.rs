//! The Actions runner's files: `$GITHUB_STEP_SUMMARY` (Markdown shown on
//! the run's page, at most 1 MiB per step) and `$GITHUB_OUTPUT` (step
//! outputs, `name<<DELIMITER` … `DELIMITER` with a delimiter that cannot
//! occur in the value, as actions/toolkit writes them).

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// GitHub's limit for one step's summary.
pub const SUMMARY_LIMIT: u64 = 1024 * 1024;

/// Appends `markdown` to the step summary, cut (with a note) so the
/// step's summary stays within [`SUMMARY_LIMIT`]; returns the bytes written.
pub fn append_summary(path: &Path, markdown: &str) -> std::io::Result<usize> {
    let used = std::fs::metadata(path).map_or(0, |m| m.len());
    let room = SUMMARY_LIMIT.saturating_sub(used) as usize;
    let text = if markdown.len() <= room {
        markdown.to_string()
    } else {
        let note = "\n\n… cut to fit the 1 MiB job summary limit.\n";
        let mut end = room.saturating_sub(note.len());
        while end > 0 && !markdown.is_char_boundary(end) {
            end -= 1;
        }
        let head = &markdown[..end];
        let head = head.rfind('\n').map_or(head, |i| &head[..i]);
        if head.is_empty() {
            return Ok(0);
        }
        format!("{head}{note}")
    };
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        f.write_all(b"\n")?;
    }
    Ok(text.len())
}

/// Appends `name=value` pairs to `$GITHUB_OUTPUT`, every value in the
/// multiline form with a fresh delimiter absent from it.
pub fn append_outputs(path: &Path, values: &[(&str, String)]) -> std::io::Result<()> {
    let mut text = String::new();
    for (name, value) in values {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(std::io::Error::other(format!(
                "{name:?} is not an output name"
            )));
        }
        let delimiter = delimiter_for(value);
        text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
    }
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

/// `ghadelimiter_<hex>` not occurring in `value`.
fn delimiter_for(value: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut seed = format!("{}:{nanos}", std::process::id());
    loop {
        let digest = Sha256::digest(format!("{seed}:{value}").as_bytes());
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        let d = format!("ghadelimiter_{hex}");
        if !value.contains(&d) {
            return d;
        }
        seed.push('+');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_use_delimiters_absent_from_values() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("out");
        append_outputs(
            &p,
            &[("gate", "passed".into()), ("body", "a\nEOF\nb".into())],
        )
        .expect("write");
        let text = std::fs::read_to_string(&p).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("gate<<ghadelimiter_"));
        assert_eq!(lines[1], "passed");
        assert_eq!(lines[2], &lines[0]["gate<<".len()..]);
        assert_eq!(&lines[4..7], ["a", "EOF", "b"]);
        assert!(append_outputs(&p, &[("bad\nname", String::new())]).is_err());
    }

    #[test]
    fn the_summary_stays_under_the_limit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("summary.md");
        std::fs::write(&p, "x".repeat((SUMMARY_LIMIT - 100) as usize)).expect("write");
        append_summary(&p, &"line\n".repeat(100)).expect("append");
        let len = std::fs::metadata(&p).expect("meta").len();
        assert!(len <= SUMMARY_LIMIT, "{len}");
    }
}
