//! Cell text into Aegis values: dates in the forms spreadsheets hold
//! them, periods, lists, and values from a fixed set through value maps.

use super::mapping::DateOrder;
use crate::model::{Date, Period};
use std::collections::BTreeMap;

/// Lower case, every run of non-alphanumerics one space: `In-Place ` and
/// `in place` compare equal, as do `N/A` and `n a`.
pub fn loose(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    }
    out.trim_end().to_string()
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A date as spreadsheets hold it: ISO text (`2026-03-01`, a timestamp,
/// or what the reader made of a date cell), an Excel serial number
/// (`46082`), day-month-year or month-day-year with `/`, `.` or `-`
/// (refused when both readings are possible and no order is given), or
/// with the month's name (`1 March 2026`, `Mar 1, 2026`, `01-Mar-26`).
pub fn parse_date(text: &str, order: Option<DateOrder>) -> Result<Date, String> {
    let t = without_time(text.trim());
    let shown = crate::excerpt::text(t);
    // Timestamps and date-time cells: the date part.
    let head = t
        .split(['T', ' '])
        .next()
        .filter(|h| h.len() == 10 && t.len() > 10 && h.as_bytes()[4] == b'-')
        .unwrap_or(t);
    if let Ok(d) = head.parse::<Date>() {
        return Ok(d);
    }
    if let Ok(serial) = t.parse::<f64>() {
        return serial_date(serial).ok_or_else(|| {
            format!("`{shown}` is a number but not an Excel date serial of a plausible day (1970 to 2200)")
        });
    }
    let parts: Vec<&str> = t
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect();
    let num = |s: &str| s.parse::<i32>().ok();
    let month_name = |s: &str| {
        let l = s.to_lowercase();
        (l.len() >= 3)
            .then(|| MONTHS.iter().position(|m| l.starts_with(m)))
            .flatten()
            .filter(|_| l.chars().all(|c| c.is_ascii_alphabetic()))
            .map(|i| i as i32 + 1)
    };
    let bad = || {
        format!(
            "`{shown}` is not a date Aegis reads (write 2026-03-01, 01/03/2026 with `date_order`, 1 March 2026, or use a date cell)"
        )
    };
    let make = |y: i32, m: i32, d: i32| -> Result<Date, String> {
        let y = if y < 100 { 2000 + y } else { y };
        i16::try_from(y)
            .ok()
            .zip(i8::try_from(m).ok())
            .zip(i8::try_from(d).ok())
            .and_then(|((y, m), d)| Date::new(y, m, d))
            .ok_or_else(|| format!("`{shown}` is not a day of the calendar"))
    };
    match parts.as_slice() {
        [a, b, c] => {
            if let Some(m) = month_name(b) {
                // 1 March 2026, 01-Mar-26
                let (Some(d), Some(y)) = (num(a), num(c)) else {
                    return Err(bad());
                };
                return make(y, m, d);
            }
            if let Some(m) = month_name(a) {
                // March 1, 2026
                let (Some(d), Some(y)) = (num(b), num(c)) else {
                    return Err(bad());
                };
                return make(y, m, d);
            }
            let (Some(x), Some(y), Some(z)) = (num(a), num(b), num(c)) else {
                return Err(bad());
            };
            if a.len() == 4 {
                // 2026/03/01
                return make(x, y, z);
            }
            if c.len() != 4 {
                return Err(bad());
            }
            let dotted = t.contains('.');
            let day_first = match order {
                _ if x > 12 => true,
                _ if y > 12 => false,
                _ if x == y => true,
                Some(DateOrder::Dmy) => true,
                Some(DateOrder::Mdy) => false,
                // 01.03.2026 is day-first wherever dots are written.
                None if dotted => true,
                None => {
                    return Err(format!(
                        "`{shown}` could be {} or {}: set `date_order: dmy` or `mdy` in the mapping (or --date-order)",
                        describe(z, y, x),
                        describe(z, x, y)
                    ));
                }
            };
            if day_first {
                make(z, y, x)
            } else {
                make(z, x, y)
            }
        }
        _ => Err(bad()),
    }
}

/// `3/1/2026 0:00`, `1 March 2026 09:30 AM`: the date before a time of
/// day (as spreadsheets export date cells to CSV).
fn without_time(t: &str) -> &str {
    let mut end = t.len();
    // The first word is the date, however it looks (`2026-03-01T09:30`).
    for word in t
        .split_whitespace()
        .skip(1)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        let timeish =
            word.contains(':') || matches!(word.to_ascii_lowercase().as_str(), "am" | "pm");
        if !timeish {
            break;
        }
        end = t[..end].trim_end().len() - word.len();
    }
    t[..end].trim_end()
}

fn describe(y: i32, m: i32, d: i32) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month = usize::try_from(m - 1)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("?");
    format!("{d} {month} {y}")
}

/// Excel's 1900 date system: day 1 is 1900-01-01 and the (non-existent)
/// 1900-02-29 is day 60, so later days count from 1899-12-30. Only days
/// from 1970 to 2200 are taken: a smaller number in a date column is a
/// mistake, not a date.
fn serial_date(serial: f64) -> Option<Date> {
    if !(25_569.0..=109_939.0).contains(&serial) {
        return None;
    }
    let epoch = jiff::civil::date(1899, 12, 30);
    let days = serial.floor() as i64;
    epoch
        .checked_add(jiff::Span::new().try_days(days).ok()?)
        .ok()
        .map(Date)
}

/// A period: `90d`, `1y`, `P90D`, `90 days`, or a word (`quarterly`).
pub fn parse_period(text: &str) -> Result<Period, String> {
    let t = text.trim();
    let word = match loose(t).as_str() {
        "daily" => Some("1d"),
        "weekly" => Some("1w"),
        "monthly" => Some("1mo"),
        "quarterly" => Some("3mo"),
        "semi annually" | "semiannually" | "biannually" | "half yearly" => Some("6mo"),
        "annually" | "annual" | "yearly" | "every year" => Some("1y"),
        _ => None,
    };
    if let Some(w) = word {
        return w.parse();
    }
    // `90 days`, `12 months`, `1 year`: a number and a unit word.
    let l = loose(t);
    if let Some((n, unit)) = l.split_once(' ')
        && n.parse::<u32>().is_ok()
    {
        let u = match unit {
            "day" | "days" => Some("d"),
            "week" | "weeks" => Some("w"),
            "month" | "months" => Some("mo"),
            "year" | "years" => Some("y"),
            _ => None,
        };
        if let Some(u) = u {
            return format!("{n}{u}").parse();
        }
    }
    t.parse::<Period>()
}

/// A CSV file's bytes as UTF-8: UTF-8 as it is (a byte order mark
/// dropped later), UTF-16 with a byte order mark (Excel's "Unicode Text")
/// decoded, anything else read as Windows-1252 (Excel's "CSV" on Windows
/// in Western locales), saying so.
pub fn csv_text(bytes: Vec<u8>) -> (Vec<u8>, Option<String>) {
    let utf16 = |le: bool| {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units).into_bytes()
    };
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return (utf16(true), Some("read as UTF-16 (little-endian)".into()));
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return (utf16(false), Some("read as UTF-16 (big-endian)".into()));
    }
    if std::str::from_utf8(&bytes).is_ok() {
        return (bytes, None);
    }
    // The 0x80..0x9F block of Windows-1252; the rest is Latin-1.
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    let text: String = bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect();
    (
        text.into_bytes(),
        Some(
            "not UTF-8: read as Windows-1252 (save as \"CSV UTF-8\" to be sure of accents)".into(),
        ),
    )
}

/// An amount or a rate of zero or more as sheets write them: `50000`,
/// `$50,000`, `1.5`, `50k`, `2.5M`, `€ 1 200`.
pub fn parse_number(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let bad = || {
        format!(
            "`{}` is not a number of zero or more",
            crate::excerpt::text(t)
        )
    };
    let mut digits = String::new();
    let mut scale = 1.0;
    for (i, c) in t.char_indices() {
        match c {
            '0'..='9' | '.' => digits.push(c),
            ',' | ' ' | '\u{a0}' | '\'' | '_' => {}
            '$' | '€' | '£' | '¥' if digits.is_empty() => {}
            'k' | 'K' if t[i + c.len_utf8()..].trim().is_empty() => scale = 1e3,
            'm' | 'M' if t[i + c.len_utf8()..].trim().is_empty() => scale = 1e6,
            'b' | 'B' if t[i + c.len_utf8()..].trim().is_empty() => scale = 1e9,
            _ => return Err(bad()),
        }
    }
    let n: f64 = digits.parse().map_err(|_| bad())?;
    let n = n * scale;
    if n.is_finite() && n >= 0.0 {
        Ok(n)
    } else {
        Err(bad())
    }
}

/// One of a field's fixed values: through the mapping's value map first,
/// then the value itself or a built-in synonym.
pub fn choose(
    text: &str,
    field: &str,
    user: Option<&BTreeMap<String, String>>,
    choices: &[(&'static str, &'static [&'static str])],
) -> Result<&'static str, String> {
    let key = loose(text);
    if let Some(map) = user
        && let Some((_, to)) = map.iter().find(|(from, _)| loose(from) == key)
        && let Some((c, _)) = choices.iter().find(|(c, _)| c == to)
    {
        return Ok(c);
    }
    for (c, synonyms) in choices {
        if loose(c) == key || synonyms.iter().any(|s| loose(s) == key) {
            return Ok(c);
        }
    }
    Err(format!(
        "`{}` is not in the value map of `{field}` (values: {}); add it under `values: {{{field}: {{\"{}\": <value>}}}}` in the mapping",
        crate::excerpt::text(text.trim()),
        choices
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .join(", "),
        crate::excerpt::text(text.trim()),
    ))
}

/// The items of a list cell: separated by `,` `;` `|` or line breaks.
pub fn split_list(text: &str) -> Vec<String> {
    text.split([',', ';', '|', '\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A one-line value: wrapped lines and runs of spaces become one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A record id from a title, for evidence lists without an id column:
/// `Quarterly access review (Q1)` → `quarterly-access-review-q1`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> String {
        parse_date(s, None)
            .map(|d| d.to_string())
            .unwrap_or_else(|e| e)
    }

    #[test]
    fn dates_in_the_forms_sheets_hold_them() {
        assert_eq!(d("2026-03-01"), "2026-03-01");
        assert_eq!(d("2026-03-01T09:30:00"), "2026-03-01");
        assert_eq!(d("2026-03-01 09:30"), "2026-03-01");
        assert_eq!(d("3/15/2026 0:00"), "2026-03-15");
        assert_eq!(d("1 March 2026 09:30 AM"), "2026-03-01");
        assert_eq!(d("2026/03/01"), "2026-03-01");
        assert_eq!(d("46082"), "2026-03-01");
        assert_eq!(d("46082.5"), "2026-03-01");
        assert_eq!(d("1 March 2026"), "2026-03-01");
        assert_eq!(d("March 1, 2026"), "2026-03-01");
        assert_eq!(d("01-Mar-26"), "2026-03-01");
        assert_eq!(d("15/03/2026"), "2026-03-15");
        assert_eq!(d("03/15/2026"), "2026-03-15");
        assert_eq!(d("01.03.2026"), "2026-03-01");
        assert!(d("03/04/2026").contains("could be 3 April 2026 or 4 March 2026"));
        assert_eq!(
            parse_date("03/04/2026", Some(DateOrder::Mdy))
                .expect("date")
                .to_string(),
            "2026-03-04"
        );
        assert!(d("31/02/2026").contains("not a day"));
        assert!(d("12").contains("not an Excel date serial"));
        assert!(d("next week").contains("not a date"));
    }

    #[test]
    fn periods_in_words() {
        assert_eq!(parse_period("90 days").expect("period").text(), "90d");
        assert_eq!(parse_period("Quarterly").expect("period").text(), "3mo");
        assert_eq!(parse_period("1y").expect("period").text(), "1y");
        assert!(parse_period("sometimes").is_err());
    }

    #[test]
    fn values_through_the_map_then_synonyms() {
        use super::super::mapping::STATUS;
        let user: BTreeMap<String, String> = [("Mostly".to_string(), "partial".to_string())]
            .into_iter()
            .collect();
        assert_eq!(
            choose("In Place", "status", None, STATUS),
            Ok("implemented")
        );
        assert_eq!(choose("N/A", "status", None, STATUS), Ok("not-applicable"));
        assert_eq!(
            choose(" mostly ", "status", Some(&user), STATUS),
            Ok("partial")
        );
        assert!(
            choose("Maybe", "status", None, STATUS)
                .expect_err("refused")
                .contains("not in the value map")
        );
    }

    #[test]
    fn amounts_as_sheets_write_them() {
        assert_eq!(parse_number("50000"), Ok(50_000.0));
        assert_eq!(parse_number("$50,000"), Ok(50_000.0));
        assert_eq!(parse_number("50k"), Ok(50_000.0));
        assert_eq!(parse_number("2.5M"), Ok(2_500_000.0));
        assert_eq!(parse_number("0.5"), Ok(0.5));
        assert!(parse_number("-3").is_err());
        assert!(parse_number("lots").is_err());
    }

    #[test]
    fn csv_from_excel_in_any_encoding() {
        let (t, note) = csv_text(b"ID,Status\nAC-2,\xe9t\xe9 \x80\n".to_vec());
        assert_eq!(
            String::from_utf8(t).expect("utf-8"),
            "ID,Status\nAC-2,été €\n"
        );
        assert!(note.expect("said").contains("Windows-1252"));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a\tb\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(csv_text(utf16).0, b"a\tb\n");
        assert_eq!(csv_text(b"plain".to_vec()), (b"plain".to_vec(), None));
    }

    #[test]
    fn lists_and_slugs() {
        assert_eq!(split_list("a, b;c\nd | "), ["a", "b", "c", "d"]);
        assert_eq!(
            slug("Quarterly access review (Q1)"),
            "quarterly-access-review-q1"
        );
    }
}
