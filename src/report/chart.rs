//! Inline SVG charts for HTML reports: no script, no external font, text
//! escaped, each chart labelled for screen readers (`role="img"`, a
//! `<title>` and a `<desc>` that states the numbers in words).

use super::view::View;
use crate::risk::heatmap::{Band, Grid};
use std::fmt::Write;

/// Text made safe inside SVG (an XML document): the same escaping as HTML.
fn xml(s: &str) -> String {
    super::html::text(s)
}

/// A horizontal bar chart: one bar per (label, value), scaled to `max`.
/// Colours have at least 4.5:1 contrast against the white background.
pub fn bars(title: &str, rows: &[(String, f64)], max: f64, unit: &str) -> String {
    let row_h = 26;
    let label_w = 260;
    let bar_w = 360;
    let height = row_h * rows.len().max(1) + 10;
    let width = label_w + bar_w + 90;
    let desc: Vec<String> = rows
        .iter()
        .map(|(l, v)| format!("{l}: {}{unit}", fmt(*v)))
        .collect();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>{}</title><desc>{}</desc>"#,
        xml(title),
        xml(&desc.join("; "))
    );
    if rows.is_empty() {
        let _ = write!(
            s,
            r##"<text x="0" y="20" font-size="14" fill="#333">none</text>"##
        );
    }
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = i * row_h + 5;
        let w = if max > 0.0 {
            ((value / max).clamp(0.0, 1.0) * bar_w as f64).round() as usize
        } else {
            0
        };
        let short: String = label.chars().take(38).collect();
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="13" text-anchor="end" fill="#1a1a1a">{}</text><rect x="{}" y="{y}" width="{w}" height="{}" fill="#1f5f99"/><text x="{}" y="{}" font-size="13" fill="#1a1a1a">{}{}</text>"##,
            label_w - 8,
            y + 15,
            xml(&short),
            label_w,
            row_h - 8,
            label_w + w + 6,
            y + 15,
            fmt(*value),
            xml(unit)
        );
    }
    s.push_str("</svg>");
    s
}

/// A line chart: x is the position in `labels` (commits, oldest first),
/// one line per series, y scaled to `max`. Each line ends in its name and
/// last value, and differs in dash pattern as well as colour, so colour
/// is never the only signal; the description states every series' first
/// and last value.
pub fn lines(
    title: &str,
    labels: &[String],
    series: &std::collections::BTreeMap<String, Vec<(usize, f64)>>,
    max: f64,
    unit: &str,
) -> String {
    let caption = format!("{} commits", labels.len());
    lines_along(title, labels, &caption, series, max, unit)
}

/// [`lines`] with its own caption under the x axis (what the labels are).
pub fn lines_along(
    title: &str,
    labels: &[String],
    x_caption: &str,
    series: &std::collections::BTreeMap<String, Vec<(usize, f64)>>,
    max: f64,
    unit: &str,
) -> String {
    const COLOURS: [&str; 6] = [
        "#1f5f99", "#a3361f", "#2e6b30", "#6b3fa0", "#8a5a00", "#333333",
    ];
    const DASHES: [&str; 4] = ["", "6 3", "2 3", "8 3 2 3"];
    let (left, top, plot_w, plot_h) = (50usize, 30usize, 560usize, 220usize);
    let legend_w = 300;
    let width = left + plot_w + legend_w;
    let height = top + plot_h + 60;
    let n = labels.len();
    let x = |i: usize| -> f64 {
        if n <= 1 {
            (left + plot_w / 2) as f64
        } else {
            left as f64 + i as f64 * plot_w as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| -> f64 {
        let f = if max > 0.0 {
            (v / max).clamp(0.0, 1.0)
        } else {
            0.0
        };
        top as f64 + (1.0 - f) * plot_h as f64
    };
    let desc: Vec<String> = series
        .iter()
        .map(|(name, pts)| {
            let first = pts.first().map_or(0.0, |p| p.1);
            let last = pts.last().map_or(0.0, |p| p.1);
            format!("{name}: from {}{unit} to {}{unit}", fmt(first), fmt(last))
        })
        .collect();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>{}</title><desc>{}</desc>"#,
        xml(title),
        xml(&desc.join("; "))
    );
    let _ = write!(
        s,
        r##"<text x="{left}" y="18" font-size="14" fill="#1a1a1a">{}</text>"##,
        xml(title)
    );
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let v = max * tick;
        let ty = y(v);
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{ty:.1}" x2="{}" y2="{ty:.1}" stroke="#dddddd"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#1a1a1a">{}{}</text>"##,
            left + plot_w,
            left - 6,
            ty + 4.0,
            fmt(v),
            xml(unit)
        );
    }
    if let (Some(first), Some(last)) = (labels.first(), labels.last()) {
        let base = top + plot_h + 18;
        let _ = write!(
            s,
            r##"<text x="{left}" y="{base}" font-size="11" fill="#1a1a1a">{}</text>"##,
            xml(first)
        );
        if n > 1 {
            let _ = write!(
                s,
                r##"<text x="{}" y="{base}" font-size="11" text-anchor="end" fill="#1a1a1a">{}</text>"##,
                left + plot_w,
                xml(last)
            );
        }
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#1a1a1a">{}</text>"##,
            left + plot_w / 2,
            base + 18,
            xml(x_caption)
        );
    }
    if series.is_empty() {
        let _ = write!(
            s,
            r##"<text x="{left}" y="{}" font-size="14" fill="#333">none</text>"##,
            top + 20
        );
    }
    for (k, (name, pts)) in series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let dash = DASHES[(k / COLOURS.len() + k) % DASHES.len()];
        let path: Vec<String> = pts
            .iter()
            .map(|(i, v)| format!("{:.1},{:.1}", x(*i), y(*v)))
            .collect();
        let dash_attr = if dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{dash}""#)
        };
        let _ = write!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>"#,
            path.join(" ")
        );
        if pts.len() == 1 {
            let (i, v) = pts[0];
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"#,
                x(i),
                y(v)
            );
        }
        let ly = top + 10 + k * 20;
        let short: String = name.chars().take(34).collect();
        let last = pts.last().map_or(0.0, |p| p.1);
        let _ = write!(
            s,
            r##"<line x1="{}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash_attr}/><text x="{}" y="{}" font-size="12" fill="#1a1a1a">{} {}{}</text>"##,
            left + plot_w + 14,
            left + plot_w + 40,
            left + plot_w + 46,
            ly + 4,
            xml(&short),
            fmt(last),
            xml(unit)
        );
    }
    s.push_str("</svg>");
    s
}

fn fmt(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The register's 5 × 5 grid from the report's view: each risk at its
/// residual rating (inherent where it states none), or at its inherent one.
pub fn risk_grid(view: &View, inherent: bool) -> Grid {
    Grid::of(view.risks.iter().map(|r| {
        let (l, i) = r.rating(inherent);
        (r.id, l, i)
    }))
}

/// The 5 × 5 risk heat map (likelihood up, impact across), each cell with
/// its count and up to three risk ids written in it, so colour is never
/// the only signal. Cells are filled by band (`risk::heatmap::Band`).
pub fn heat_map(title: &str, grid: &Grid) -> String {
    const SHOWN: usize = 3;
    let cell = 84;
    let left = 90;
    let top = 10;
    let width = left + cell * 5 + 10;
    let height = top + cell * 5 + 50;
    let mut desc = Vec::new();
    for l in (1..=5u8).rev() {
        for i in 1..=5u8 {
            let ids = grid.at(l, i);
            if !ids.is_empty() {
                desc.push(format!(
                    "{} risk(s) at likelihood {l}, impact {i}: {}",
                    ids.len(),
                    ids.join(", ")
                ));
            }
        }
    }
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>{}</title><desc>{}</desc>"#,
        xml(title),
        xml(&if desc.is_empty() {
            "no risks".to_string()
        } else {
            desc.join("; ")
        })
    );
    for (r, l) in (1..=5u8).rev().enumerate() {
        for (c, i) in (1..=5u8).enumerate() {
            let ids = grid.at(l, i);
            let fill = Band::of(u32::from(l) * u32::from(i)).fill();
            let x = left + c * cell;
            let y = top + r * cell;
            let _ = write!(
                s,
                r##"<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" stroke="#555"/>"##
            );
            if ids.is_empty() {
                continue;
            }
            let _ = write!(
                s,
                r##"<text x="{}" y="{}" font-size="16" text-anchor="middle" fill="#000">{}</text>"##,
                x + cell / 2,
                y + 20,
                ids.len()
            );
            let mut lines: Vec<String> = ids.iter().take(SHOWN).cloned().collect();
            if ids.len() > SHOWN {
                lines.push(format!("+{} more", ids.len() - SHOWN));
            }
            for (k, line) in lines.iter().enumerate() {
                let _ = write!(
                    s,
                    r##"<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#000">{}</text>"##,
                    x + cell / 2,
                    y + 36 + 13 * k,
                    xml(line)
                );
            }
        }
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="13" text-anchor="end" fill="#1a1a1a">{l}</text>"##,
            left - 8,
            top + r * cell + cell / 2 + 5
        );
    }
    for c in 0..5 {
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" font-size="13" text-anchor="middle" fill="#1a1a1a">{}</text>"##,
            left + c * cell + cell / 2,
            top + cell * 5 + 18,
            c + 1
        );
    }
    let _ = write!(
        s,
        r##"<text x="{}" y="{}" font-size="13" text-anchor="middle" fill="#1a1a1a">impact</text><text x="10" y="{}" font-size="13" fill="#1a1a1a">likelihood</text>"##,
        left + cell * 5 / 2,
        top + cell * 5 + 40,
        top + 12
    );
    s.push_str("</svg>");
    s
}

/// The risk report's heat maps (residual, then inherent) as HTML figures.
pub fn risk_figures(view: &View) -> String {
    let mut out = String::new();
    for (caption, title, inherent) in [
        (
            "Residual risk heat map",
            "Risk heat map: residual likelihood by impact",
            false,
        ),
        (
            "Inherent risk heat map",
            "Risk heat map: inherent likelihood by impact",
            true,
        ),
    ] {
        let _ = write!(
            out,
            "<figure><figcaption>{}</figcaption>{}</figure>",
            xml(caption),
            heat_map(title, &risk_grid(view, inherent))
        );
    }
    out
}

/// The dashboard's charts as HTML figures, each captioned.
pub fn figures(view: &View) -> String {
    let mut out = String::new();
    for (caption, svg) in dashboard(view) {
        out.push_str("<figure><figcaption>");
        out.push_str(&xml(&caption));
        out.push_str("</figcaption>");
        out.push_str(&svg);
        out.push_str("</figure>");
    }
    out
}

/// The dashboard's charts, in reading order, each with a heading.
pub fn dashboard(view: &View) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let coverage: Vec<(String, f64)> = view
        .systems
        .iter()
        .flat_map(|s| {
            s.selections
                .iter()
                .map(move |sel| (format!("{} · {}", s.id, sel.label), sel.coverage))
        })
        .collect();
    out.push((
        "Coverage per system and selection".to_string(),
        bars(
            "Coverage per system and selection (percent)",
            &coverage,
            100.0,
            "%",
        ),
    ));
    let mut reasons: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for s in &view.systems {
        for sel in &s.selections {
            for (r, n) in &sel.by_reason {
                *reasons.entry(r).or_default() += n;
            }
        }
    }
    out.push((
        "Gaps by reason".to_string(),
        tally_bars("Gaps by reason (controls)", &reasons),
    ));
    let mut sev: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for s in &view.systems {
        for (k, n) in &s.failing_by_severity {
            *sev.entry(k).or_default() += n;
        }
    }
    out.push((
        "Failing scan results by severity".to_string(),
        tally_bars("Failing scan results by severity", &sev),
    ));
    out.push((
        "Risk heat map".to_string(),
        heat_map(
            "Risk heat map: residual likelihood by impact",
            &risk_grid(view, false),
        ),
    ));
    out
}

/// Bars of counts, scaled to the largest.
fn tally_bars(title: &str, counts: &std::collections::BTreeMap<&str, usize>) -> String {
    let rows: Vec<(String, f64)> = counts
        .iter()
        .map(|(k, n)| ((*k).to_string(), *n as f64))
        .collect();
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    bars(title, &rows, max, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_described() {
        let svg = bars("T<x>", &[("<script>\"a\"".into(), 3.0)], 4.0, "");
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;&quot;a&quot;"));
        assert!(svg.contains("<desc>&lt;script&gt;&quot;a&quot;: 3</desc>"));
        let grid = Grid::of([("R-1", 5, 5), ("R-2", 5, 5), ("R-3", 5, 5), ("R-4", 5, 5)]);
        let heat = heat_map("Heat <map>", &grid);
        assert!(heat.contains("<title>Heat &lt;map&gt;</title>"));
        assert!(heat.contains("4 risk(s) at likelihood 5, impact 5: R-1, R-2, R-3, R-4"));
        // Three ids fit a cell; the rest are counted.
        assert!(heat.contains(">R-3</text>") && !heat.contains(">R-4</text>"));
        assert!(heat.contains(">+1 more</text>"));
    }
}
