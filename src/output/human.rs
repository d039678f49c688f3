//! Code frames for people, in rustc's style.

use super::Report;
use crate::diag::{Diagnostic, Severity};
use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use std::fmt::Write;

pub fn render(report: &Report, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in report.diagnostics {
        let group = group(d, report.source(&d.file));
        let _ = writeln!(out, "{}\n", renderer.render(&[group]));
    }
    let s = report.summary;
    let verdict = if s.fails(report.gate) {
        "failed"
    } else {
        "passed"
    };
    let _ = writeln!(
        out,
        "{verdict}: {} {}, {} {}, {} {} in {} {}",
        s.errors,
        plural(s.errors, "error"),
        s.warnings,
        plural(s.warnings, "warning"),
        s.notes,
        plural(s.notes, "note"),
        s.files,
        plural(s.files, "file"),
    );
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

fn level(s: Severity) -> Level<'static> {
    match s {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    }
}

fn group<'a>(d: &'a Diagnostic, source: Option<&'a str>) -> Group<'a> {
    let title = level(d.severity)
        .primary_title(d.message.as_str())
        .id(d.code.as_str());
    let frame = source.and_then(|text| line_frame(text, d));
    let mut group = match frame {
        Some((line_text, span)) => title.element(
            Snippet::source(line_text)
                .line_start(d.pos.line as usize)
                .path(d.file.as_str())
                .annotation(AnnotationKind::Primary.span(span)),
        ),
        None => title.element(
            Origin::path(d.file.as_str())
                .line(d.pos.line as usize)
                .char_column(d.pos.column.max(1) as usize),
        ),
    };
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    group
}

/// The diagnostic's line and the byte range to underline within it. Only
/// one line is shown, so large files cost nothing extra.
fn line_frame<'a>(text: &'a str, d: &Diagnostic) -> Option<(&'a str, std::ops::Range<usize>)> {
    if d.pos.line == 0 {
        return None;
    }
    let offset = if d.pos.offset > 0 || d.pos.line == 1 {
        d.pos.offset.min(text.len())
    } else {
        return None;
    };
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = text[start..end].trim_end_matches('\r');
    if line.trim().is_empty() {
        return None;
    }
    let from = offset - start;
    let mut to = if d.pos.len > 0 {
        (from + d.pos.len).min(line.len())
    } else {
        // No known length: underline the token that starts here.
        line[from..]
            .find(|c: char| c.is_whitespace() || c == ':' || c == ',' || c == ']' || c == '}')
            .map_or(line.len(), |i| from + i)
    };
    if to <= from {
        to = (from + line[from..].chars().next().map_or(0, char::len_utf8)).min(line.len());
    }
    if !line.is_char_boundary(from) || !line.is_char_boundary(to) {
        return None;
    }
    Some((line, from..to))
}
