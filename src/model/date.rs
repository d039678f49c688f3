//! Calendar dates, instants and periods as users write them in YAML:
//! `2026-03-31`, `2026-03-31T09:00:00Z`, `90d` / `1y` / `P6M`.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// A civil date (`YYYY-MM-DD`), the unit of every compliance deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub jiff::civil::Date);

impl Date {
    pub fn new(year: i16, month: i8, day: i8) -> Option<Date> {
        jiff::civil::Date::new(year, month, day).ok().map(Date)
    }

    /// Adds a period, saturating at the calendar's end rather than failing.
    pub fn plus(self, period: &Period) -> Date {
        self.0
            .checked_add(period.0)
            .map(Date)
            .unwrap_or(Date(jiff::civil::Date::MAX))
    }

    /// Whole days from `self` to `to` (negative when `to` is earlier).
    pub fn days_until(self, to: Date) -> i64 {
        // A civil date's difference is counted in days unless asked otherwise.
        self.0.until(to.0).map_or(0, |s| i64::from(s.get_days()))
    }

    pub fn today_utc() -> Date {
        Date(
            jiff::Timestamp::now()
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .date(),
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.len() != 10 {
            return Err(format!("`{s}` is not a date in YYYY-MM-DD form"));
        }
        s.parse::<jiff::civil::Date>()
            .map(Date)
            .map_err(|e| format!("`{s}` is not a valid date: {e}"))
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Date {
    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date",
            "description": "A calendar date, YYYY-MM-DD.",
        })
    }
}

/// A moment written either as a date or as an RFC 3339 timestamp; a bare
/// date means the start of that day in UTC.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct When {
    pub text: String,
    pub date: Date,
}

impl FromStr for When {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Ok(date) = s.parse::<Date>() {
            return Ok(When {
                text: s.to_string(),
                date,
            });
        }
        let ts = s.parse::<jiff::Timestamp>().map_err(|_| {
            format!("`{s}` is neither a date (YYYY-MM-DD) nor a timestamp (YYYY-MM-DDTHH:MM:SSZ)")
        })?;
        Ok(When {
            text: s.to_string(),
            date: Date(ts.to_zoned_datetime(jiff::tz::TimeZone::UTC).date()),
        })
    }
}

impl Serialize for When {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for When {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for When {
    fn schema_name() -> Cow<'static, str> {
        "When".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "aegis-when",
            "pattern": "^\\d{4}-\\d{2}-\\d{2}([Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2}))?$",
            "description": "A date (YYYY-MM-DD) or an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SSZ).",
        })
    }
}

/// A length of time: `90d`, `12 weeks`, `6mo`, `1y`, or ISO 8601 `P90D`.
#[derive(Clone, Debug)]
pub struct Period(pub jiff::Span, String);

impl Period {
    pub fn text(&self) -> &str {
        &self.1
    }

    /// A period of `n` days, written `<n>d`.
    pub fn days(n: i32) -> Period {
        Period(jiff::Span::new().days(n), format!("{n}d"))
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.1)
    }
}

impl PartialEq for Period {
    fn eq(&self, other: &Self) -> bool {
        self.1 == other.1
    }
}

impl Eq for Period {}

impl FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let span = s.trim().parse::<jiff::Span>().map_err(|_| {
            format!("`{s}` is not a period; write it like 90d, 12w, 6mo, 1y or P90D")
        })?;
        if span.is_negative() || span.is_zero() {
            return Err(format!("`{s}` must be a positive period"));
        }
        Ok(Period(span, s.to_string()))
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.1)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Period {
    fn schema_name() -> Cow<'static, str> {
        "Period".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "aegis-period",
            "description": "A period such as 90d, 12w, 6mo, 1y or ISO 8601 P90D.",
        })
    }
}

/// Whether `s` is a valid `aegis-when` value; used as a JSON Schema format.
pub fn is_when(s: &str) -> bool {
    s.parse::<When>().is_ok()
}

/// Whether `s` is a valid `aegis-period` value; used as a JSON Schema format.
pub fn is_period(s: &str) -> bool {
    s.parse::<Period>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_reject_impossible_days() {
        assert!("2026-02-30".parse::<Date>().is_err());
        assert!("2026-2-3".parse::<Date>().is_err());
        assert!("2024-02-29".parse::<Date>().is_ok());
    }

    #[test]
    fn when_takes_dates_and_timestamps() {
        let w: When = "2026-03-31T23:30:00-05:00".parse().expect("valid");
        assert_eq!(w.date.to_string(), "2026-04-01");
        assert!("yesterday".parse::<When>().is_err());
    }

    #[test]
    fn periods_in_friendly_and_iso_form() {
        let start: Date = "2026-01-31".parse().expect("valid");
        let p: Period = "90d".parse().expect("valid");
        assert_eq!(start.plus(&p).to_string(), "2026-05-01");
        let y: Period = "P1Y".parse().expect("valid");
        assert_eq!(start.plus(&y).to_string(), "2027-01-31");
        assert!("soon".parse::<Period>().is_err());
        assert!("0d".parse::<Period>().is_err());
    }
}
