//! GitHub Actions workflow commands: at most ten annotations per severity
//! (GitHub drops the rest silently), then one line saying what was left out
//! and the summary.

use super::{Report, escape};
use crate::diag::Severity;
use std::fmt::Write;

const PER_SEVERITY: usize = 10;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let mut shown = [0usize; 3];
    let mut hidden = 0usize;
    for d in report.diagnostics {
        let (cmd, slot) = match d.severity {
            Severity::Error => ("error", 0),
            Severity::Warning => ("warning", 1),
            Severity::Note => ("notice", 2),
        };
        if shown[slot] == PER_SEVERITY {
            hidden += 1;
            continue;
        }
        shown[slot] += 1;
        // Input text is escaped first, so the only line break in a
        // message is the one that introduces the help.
        let mut message = escape::text(&d.message).into_owned();
        if let Some(h) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(&escape::text(h));
        }
        let _ = writeln!(
            out,
            "::{cmd} file={},line={},col={},title={}::{}",
            escape_property(&escape::text(&format!("{}{}", report.path_prefix, d.file))),
            d.pos.line,
            d.pos.column,
            escape_property(&format!("aegis {}", d.code)),
            escape_data(&message),
        );
    }
    let s = report.summary;
    if hidden > 0 {
        let _ = writeln!(
            out,
            "::notice title=aegis::{hidden} more diagnostics are not annotated (GitHub shows at most {PER_SEVERITY} per severity); run `aegis validate --format human` to see all"
        );
    }
    let _ = write!(
        out,
        "aegis: {}, {}, {} in {}",
        count(s.errors, "error"),
        count(s.warnings, "warning"),
        count(s.notes, "note"),
        count(s.files, "file")
    );
    if s.folded > 0 {
        let _ = write!(out, " ({} not listed one by one)", s.folded);
    }
    if !report.weakened.is_empty() {
        let list: Vec<String> = report.weakened.iter().map(|w| w.describe()).collect();
        let _ = write!(
            out,
            "; aegis.yaml weakens {}: {}",
            count(report.weakened.len(), "code"),
            list.join(", ")
        );
    }
    out.push('\n');
    out
}

/// `1 note`, `2 notes`.
fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Escaping of a command's message, as GitHub's toolkit does it.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a command's properties: also `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_escape_separators() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_data("x: y\r\n"), "x: y%0D%0A");
    }
}
