//! Code frames for people, in rustc's style.

use super::Report;
use super::escape;
use crate::diag::{Diagnostic, Severity};
use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use std::borrow::Cow;
use std::fmt::Write;

pub fn render(report: &Report, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in report.diagnostics {
        let shown = Shown::of(d, report.source(&d.file));
        let _ = writeln!(out, "{}\n", renderer.render(&[shown.group(d)]));
    }
    if let Some(a) = report.gaps {
        out.push_str("gaps:\n");
        for line in super::gaps::summary(a).lines() {
            let _ = writeln!(out, "  {line}");
        }
        out.push('\n');
    }
    let s = report.summary;
    let verdict = if s.fails(report.gate) {
        "failed"
    } else {
        "passed"
    };
    if let Some(c) = report.commit {
        let _ = writeln!(
            out,
            "at commit {} ({}): {}",
            c.short(),
            c.date,
            escape::text(&c.summary)
        );
    }
    let _ = write!(
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
    if s.folded > 0 {
        let _ = write!(
            out,
            " ({} not listed one by one: at most {} per file and code)",
            s.folded,
            crate::diag::PER_FILE_AND_CODE
        );
    }
    if !report.weakened.is_empty() {
        let list: Vec<String> = report.weakened.iter().map(|w| w.describe()).collect();
        let _ = write!(
            out,
            "; aegis.yaml weakens {} {}: {}",
            report.weakened.len(),
            plural(report.weakened.len(), "code"),
            list.join(", ")
        );
    }
    out.push('\n');
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

/// A diagnostic's texts made safe to print, and the piece of its line to
/// show.
struct Shown<'a> {
    message: Cow<'a, str>,
    help: Option<Cow<'a, str>>,
    file: Cow<'a, str>,
    frame: Option<(String, std::ops::Range<usize>)>,
}

impl<'a> Shown<'a> {
    fn of(d: &'a Diagnostic, source: Option<&'a str>) -> Self {
        Shown {
            message: escape::text(&d.message),
            help: d.help.as_deref().map(escape::text),
            file: escape::text(&d.file),
            frame: source.and_then(|text| line_frame(text, d)),
        }
    }

    fn group(&'a self, d: &Diagnostic) -> Group<'a> {
        let title = level(d.severity)
            .primary_title(self.message.as_ref())
            .id(d.code.as_str());
        let column = d.pos.column.max(1) as usize;
        let mut group = match &self.frame {
            // The renderer derives the column from the shown line, which is
            // only right when the line is shown from its start, unescaped.
            Some((line, span)) if line[..span.start].chars().count() + 1 == column => title
                .element(
                    Snippet::source(line.as_str())
                        .line_start(d.pos.line as usize)
                        .path(self.file.as_ref())
                        .annotation(AnnotationKind::Primary.span(span.clone())),
                ),
            frame => {
                let origin = title.element(
                    Origin::path(self.file.as_ref())
                        .line(d.pos.line as usize)
                        .char_column(column),
                );
                match frame {
                    Some((line, _)) => origin.element(Level::NOTE.message(format!("near: {line}"))),
                    None => origin,
                }
            }
        };
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.message(help.as_ref()));
        }
        group
    }
}

/// How much of a line is shown on each side of a diagnostic's position:
/// enough to read the value, and a bound on the work and the output when
/// a file is one enormous line with thousands of diagnostics on it.
const WINDOW: usize = 120;

/// The diagnostic's line (or the part of it around the position, with `…`
/// where it was cut), escaped, and the range to underline within it.
fn line_frame(text: &str, d: &Diagnostic) -> Option<(String, std::ops::Range<usize>)> {
    if d.pos.line == 0 {
        return None;
    }
    let offset = if d.pos.offset > 0 || d.pos.line == 1 {
        floor_boundary(text, d.pos.offset.min(text.len()))
    } else {
        return None;
    };
    let back = floor_boundary(text, offset.saturating_sub(WINDOW));
    let start = text[back..offset]
        .rfind('\n')
        .map_or(back, |i| back + i + 1);
    let ahead = ceil_boundary(text, (offset + WINDOW).min(text.len()));
    let end = text[offset..ahead].find('\n').map_or(ahead, |i| offset + i);
    let cut_left = start == back && back > 0 && text.as_bytes()[back - 1] != b'\n';
    let cut_right = end == ahead && ahead < text.len() && text.as_bytes()[ahead] != b'\n';
    let line = text[start..end].trim_end_matches('\r');
    if line.trim().is_empty() {
        return None;
    }
    let from = offset - start;
    let mut to = if d.pos.len > 0 {
        (from + d.pos.len).min(line.len())
    } else {
        // No known length: underline the token that starts here.
        line[from.min(line.len())..]
            .find(|c: char| c.is_whitespace() || c == ':' || c == ',' || c == ']' || c == '}')
            .map_or(line.len(), |i| from + i)
    };
    if to <= from {
        to = (from
            + line[from.min(line.len())..]
                .chars()
                .next()
                .map_or(0, char::len_utf8))
        .min(line.len());
    }
    if from > line.len() || !line.is_char_boundary(from) || !line.is_char_boundary(to) {
        return None;
    }
    let (mut shown, mut range) = escape::line_with_range(line, from..to);
    if cut_left {
        shown.insert(0, '…');
        let n = "…".len();
        range = range.start + n..range.end + n;
    }
    if cut_right {
        shown.push('…');
    }
    Some((shown, range))
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}
