//! Finding the header row of a real-world sheet and the column of each
//! mapped field: title rows above the header, merged group headers above
//! sub-headers, headers with stray spaces, punctuation and typos.

use super::mapping::ColumnSpec;
use super::value::loose;
use serde::Serialize;

/// How far down a sheet the header row is looked for.
pub const HEADER_SCAN_ROWS: usize = 50;

/// A sheet's non-empty rows: 1-based row (or line) number and cell text.
pub type Rows = Vec<(usize, Vec<String>)>;

/// Where a mapped field's values are.
#[derive(Clone, Debug, Serialize)]
pub struct Column {
    pub field: String,
    /// The column's letter (`C`).
    pub column: String,
    #[serde(skip)]
    pub index: usize,
    /// The header the column was found by (group and sub-header joined).
    pub header: String,
    /// `exact`, `typo` (within a small edit distance) or `letter`.
    pub matched: &'static str,
}

/// The header found: its position in the rows and the mapped columns.
#[derive(Debug)]
pub struct Header {
    pub pos: usize,
    pub row: usize,
    pub columns: Vec<Column>,
}

/// Every name a column answers to under the header row at `pos`: its own
/// header, that header under the group header above it (`Review Date`),
/// and the group header alone where the column has none of its own (a
/// header cell merged down over two rows).
fn names(rows: &Rows, pos: usize) -> Vec<Vec<String>> {
    let (row, cells) = &rows[pos];
    let above = pos
        .checked_sub(1)
        .map(|p| &rows[p])
        .filter(|(r, _)| *r + 1 == *row)
        .map(|(_, c)| c);
    let width = cells.len().max(above.map_or(0, Vec::len));
    let mut group = String::new();
    let mut out = Vec::with_capacity(width);
    for i in 0..width {
        let own = cells.get(i).map(|s| s.trim()).unwrap_or("");
        if let Some(above) = above {
            // A merged group header holds its text in its first cell only:
            // carry it right over the empty cells it spans, as far as the
            // sub-headers go.
            match above.get(i).map(|s| s.trim()) {
                Some(g) if !g.is_empty() => group = g.to_string(),
                _ if own.is_empty() => group.clear(),
                _ => {}
            }
        }
        let mut n = Vec::new();
        if !own.is_empty() {
            n.push(one_line(own));
            if !group.is_empty() && group != own {
                n.push(one_line(&format!("{group} {own}")));
            }
        } else if !group.is_empty()
            && above
                .and_then(|a| a.get(i))
                .is_some_and(|g| !g.trim().is_empty())
        {
            n.push(one_line(&group));
        }
        out.push(n);
    }
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How many edits a header may be away from the mapped name: none for
/// short names (`ID` is not `IP`), one up to eight characters, two beyond.
fn allowed_edits(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Why a mapped column was not found.
#[derive(Debug)]
pub struct Missing {
    pub field: String,
    pub wanted: String,
    pub why: String,
}

fn find(names: &[Vec<String>], field: &str, spec: &ColumnSpec) -> Result<Column, Missing> {
    match spec {
        ColumnSpec::Letter(i) => Ok(Column {
            field: field.to_string(),
            column: crate::sources::table::column_name(*i as u32),
            index: *i,
            header: names
                .get(*i)
                .and_then(|n| n.last())
                .cloned()
                .unwrap_or_default(),
            matched: "letter",
        }),
        ColumnSpec::Header(h) => {
            let want = loose(h);
            let exact: Vec<(usize, &String)> = names
                .iter()
                .enumerate()
                .flat_map(|(i, ns)| ns.iter().map(move |n| (i, n)))
                .filter(|(_, n)| loose(n) == want)
                .collect();
            let mut cols: Vec<usize> = exact.iter().map(|(i, _)| *i).collect();
            cols.dedup();
            let missing = |why: String| Missing {
                field: field.to_string(),
                wanted: h.clone(),
                why,
            };
            let pick = |i: usize, n: &String, matched| Column {
                field: field.to_string(),
                column: crate::sources::table::column_name(i as u32),
                index: i,
                header: n.clone(),
                matched,
            };
            match cols.as_slice() {
                [one] => {
                    let n = exact.iter().find(|(i, _)| i == one).map(|(_, n)| *n);
                    return Ok(pick(*one, n.unwrap_or(h), "exact"));
                }
                [] => {}
                many => {
                    return Err(missing(format!(
                        "several columns are headed `{}` ({}): name one with its group header above it (e.g. `{}`) or by letter (`#{}`)",
                        crate::excerpt::text(h),
                        many.iter()
                            .map(|i| crate::sources::table::column_name(*i as u32))
                            .collect::<Vec<_>>()
                            .join(", "),
                        names[many[0]]
                            .last()
                            .map(|n| crate::excerpt::text(n))
                            .unwrap_or_default(),
                        crate::sources::table::column_name(many[0] as u32)
                    )));
                }
            }
            let limit = allowed_edits(want.chars().count());
            let mut near: Vec<(usize, usize, &String)> = names
                .iter()
                .enumerate()
                .flat_map(|(i, ns)| ns.iter().map(move |n| (i, n)))
                .map(|(i, n)| (strsim::levenshtein(&loose(n), &want), i, n))
                .filter(|(d, _, _)| *d <= limit)
                .collect();
            near.sort_by_key(|(d, i, _)| (*d, *i));
            match near.as_slice() {
                [(d, i, n), rest @ ..] if rest.iter().all(|(d2, i2, _)| d2 > d || i2 == i) => {
                    Ok(pick(*i, n, "typo"))
                }
                [] => Err(missing(String::new())),
                many => Err(missing(format!(
                    "columns {} are all close to `{}`: name one exactly or by letter",
                    many.iter()
                        .map(|(_, i, n)| format!(
                            "{} `{}`",
                            crate::sources::table::column_name(*i as u32),
                            crate::excerpt::text(n)
                        ))
                        .collect::<Vec<_>>()
                        .join(", "),
                    crate::excerpt::text(h)
                ))),
            }
        }
    }
}

/// The header row: `fixed` (1-based) when given, else the row among the
/// first [`HEADER_SCAN_ROWS`] where most mapped columns are found.
pub fn header(
    rows: &Rows,
    wanted: &[(String, ColumnSpec)],
    fixed: Option<usize>,
) -> Result<Header, String> {
    let candidates: Vec<usize> = match fixed {
        Some(r) => {
            let pos = rows
                .iter()
                .position(|(n, _)| *n == r)
                .ok_or_else(|| format!("header row {r} is empty or beyond the sheet's last row"))?;
            vec![pos]
        }
        None => (0..rows.len().min(HEADER_SCAN_ROWS)).collect(),
    };
    let needs_header = wanted
        .iter()
        .any(|(_, s)| matches!(s, ColumnSpec::Header(_)));
    // (position, columns found, what was found for each mapped field)
    type Best = (usize, usize, Vec<Result<Column, Missing>>);
    let mut best: Option<Best> = None;
    for pos in candidates {
        let ns = names(rows, pos);
        let found: Vec<Result<Column, Missing>> =
            wanted.iter().map(|(f, s)| find(&ns, f, s)).collect();
        let score = found
            .iter()
            .zip(wanted)
            // An ambiguous header is there, too many times: it counts.
            .filter(|(r, (_, s))| {
                matches!(s, ColumnSpec::Header(_))
                    && r.as_ref().map_or_else(|m| !m.why.is_empty(), |_| true)
            })
            .count();
        if best.as_ref().is_none_or(|(_, b, _)| score > *b) {
            best = Some((pos, score, found));
        }
        if !needs_header {
            break;
        }
    }
    let Some((pos, score, found)) = best else {
        return Err("the sheet is empty".into());
    };
    if needs_header && score == 0 && fixed.is_none() {
        return Err(format!(
            "no row in the first {HEADER_SCAN_ROWS} has any of the mapped columns ({}); check the sheet, or give `header_row`",
            wanted
                .iter()
                .filter_map(|(_, s)| match s {
                    ColumnSpec::Header(h) => Some(format!("`{}`", crate::excerpt::text(h))),
                    ColumnSpec::Letter(_) => None,
                })
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let ns = names(rows, pos);
    let mut columns = Vec::new();
    let mut problems = Vec::new();
    for r in found {
        match r {
            Ok(c) => columns.push(c),
            Err(m) if m.why.is_empty() => {
                let all: Vec<&str> = ns.iter().flatten().map(String::as_str).collect();
                let hint = super::mapping::did_you_mean(&m.wanted, all.iter().copied());
                problems.push(format!(
                    "no column `{}` for `{}` in the header (row {}){hint}; headers: {}",
                    crate::excerpt::text(&m.wanted),
                    m.field,
                    rows[pos].0,
                    ns.iter()
                        .filter_map(|n| n.first())
                        .map(|n| format!("`{}`", crate::excerpt::text(n)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            Err(m) => problems.push(format!("`{}`: {}", m.field, m.why)),
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    Ok(Header {
        pos,
        row: rows[pos].0,
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(lines: &[(usize, &[&str])]) -> Rows {
        lines
            .iter()
            .map(|(n, c)| (*n, c.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    fn spec(pairs: &[(&str, &str)]) -> Vec<(String, ColumnSpec)> {
        pairs
            .iter()
            .map(|(f, c)| (f.to_string(), ColumnSpec::parse(c).expect("spec")))
            .collect()
    }

    #[test]
    fn header_below_title_rows_under_merged_groups_with_typos() {
        let r = rows(&[
            (1, &["ACME security program 2026"]),
            (3, &["Control", "", "Implementation", "", "Review", ""]),
            (4, &["", "Name", "Status", "Ownr", "Status", "Date"]),
            (5, &["AC-2", "Accounts", "Yes", "IT", "ok", "2026-01-01"]),
        ]);
        let h = header(
            &r,
            &spec(&[
                ("control", "Control"),
                ("status", "Implementation Status"),
                ("owner", "Owner"),
                ("reviewed", "Review Date"),
                ("statement", "#B"),
            ]),
            None,
        )
        .expect("found");
        assert_eq!(h.row, 4);
        let got: Vec<(&str, &str, &str)> = h
            .columns
            .iter()
            .map(|c| (c.field.as_str(), c.column.as_str(), c.matched))
            .collect();
        assert_eq!(
            got,
            [
                ("control", "A", "exact"),
                ("status", "C", "exact"),
                ("owner", "D", "typo"),
                ("reviewed", "F", "exact"),
                ("statement", "B", "letter"),
            ]
        );
    }

    #[test]
    fn a_header_twice_asks_for_its_group() {
        let r = rows(&[
            (1, &["Implementation", "", "Review", ""]),
            (2, &["Status", "Owner", "Status", "Date"]),
        ]);
        let e = header(&r, &spec(&[("status", "Status")]), None).expect_err("ambiguous");
        assert!(
            e.contains("several columns are headed `Status` (A, C)"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_column_lists_the_headers() {
        let r = rows(&[(1, &["Control ID", "State"])]);
        let e = header(
            &r,
            &spec(&[("control", "Control ID"), ("status", "Status")]),
            None,
        )
        .expect_err("missing");
        assert!(e.contains("no column `Status` for `status`"), "{e}");
    }
}
