//! The column mapping of a spreadsheet program: per sheet, which kind of
//! record it holds, which column feeds which field (by header text or by
//! column letter), and how cell values translate into Aegis values. Read
//! from a YAML file (`--mapping`), from `--columns`, or both; written back
//! with `--save-mapping` so a one-off import becomes a repeatable one.

use crate::import::ImportError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The mapping file's one schema version.
pub const MAPPING_VERSION: u32 = 1;

/// A mapping file (`aegis program import --mapping FILE`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Aegis program import mapping")]
pub struct MappingFile {
    pub schema_version: u32,
    /// One entry per sheet imported, in order.
    pub sheets: Vec<SheetMapping>,
}

/// How one sheet (or a CSV file) becomes records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SheetMapping {
    /// The sheet's name in the workbook; absent for a CSV file, or to take
    /// the first sheet whose header has the mapped columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The kind of record each row holds.
    pub kind: RecordKind,
    /// The 1-based row of the column headers; found by content when absent
    /// (title rows above it are skipped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub header_row: Option<usize>,
    /// The system of rows without a `system` column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The repository framework control ids are looked up in (default: the
    /// frameworks the row's system selects, else every framework).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    /// How to read a date like `03/04/2026`: `dmy` (3 April) or `mdy`
    /// (4 March). Without it such dates are refused as ambiguous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_order: Option<DateOrder>,
    /// Field → column: the header text (matched ignoring case, spaces and
    /// punctuation, and small typos; `Group Sub` names a column under a
    /// merged group header), or `#C` for column C by letter.
    pub columns: BTreeMap<String, String>,
    /// Field → (cell text → Aegis value), for fields with a fixed set of
    /// values: e.g. `status: {"In Place": implemented, "No": planned}`.
    /// Cell text is matched ignoring case, spaces and punctuation; the
    /// built-in synonyms apply after these.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RecordKind {
    Implementations,
    Evidence,
    Exceptions,
    Risks,
}

impl RecordKind {
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Implementations => "implementations",
            RecordKind::Evidence => "evidence",
            RecordKind::Exceptions => "exceptions",
            RecordKind::Risks => "risks",
        }
    }

    /// The repository folder this kind's records live in.
    pub fn dir(self) -> &'static str {
        match self {
            RecordKind::Implementations => "implementations",
            RecordKind::Evidence => "evidence",
            RecordKind::Exceptions => "exceptions",
            RecordKind::Risks => "risks",
        }
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            RecordKind::Implementations => IMPLEMENTATION_FIELDS,
            RecordKind::Evidence => EVIDENCE_FIELDS,
            RecordKind::Exceptions => EXCEPTION_FIELDS,
            RecordKind::Risks => RISK_FIELDS,
        }
    }

    pub fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DateOrder {
    Dmy,
    Mdy,
}

/// What a field's cells hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    Text,
    /// One-line text (titles, names): wrapped lines are joined.
    Line,
    /// An id of the record itself (a file name).
    Id,
    /// One or more controls, separated by `,` `;` or line breaks.
    Controls,
    /// One or more ids, separated by `,` `;` or line breaks.
    List,
    /// A system of aegis.yaml.
    System,
    /// Systems of aegis.yaml, separated like lists.
    Systems,
    Date,
    Period,
    /// A whole number in the range.
    Integer(u64, u64),
    /// A number of zero or more.
    Number,
    /// One of a fixed set of values: (value, built-in synonyms).
    Choice(&'static [(&'static str, &'static [&'static str])]),
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub required: bool,
    pub ty: FieldType,
}

const fn f(name: &'static str, required: bool, ty: FieldType) -> Field {
    Field { name, required, ty }
}

pub const STATUS: &[(&str, &[&str])] = &[
    (
        "implemented",
        &[
            "yes",
            "y",
            "in place",
            "complete",
            "completed",
            "done",
            "fully implemented",
            "compliant",
            "met",
            "true",
        ],
    ),
    (
        "partial",
        &[
            "partially implemented",
            "partially",
            "in progress",
            "partially met",
            "partially compliant",
            "ongoing",
        ],
    ),
    (
        "planned",
        &[
            "no",
            "n",
            "not implemented",
            "not started",
            "to do",
            "todo",
            "open",
            "gap",
            "not met",
            "false",
        ],
    ),
    (
        "alternative",
        &[
            "compensating",
            "compensating control",
            "alternative implementation",
        ],
    ),
    ("not-applicable", &["not applicable", "n a", "na"]),
    ("inherited", &["inherited from provider", "provider"]),
];

pub const REVIEW: &[(&str, &[&str])] = &[
    ("pending", &["to review", "not reviewed", "new"]),
    ("accepted", &["approved", "ok", "reviewed", "yes"]),
    ("rejected", &["no", "declined"]),
    ("quarantined", &["on hold", "suspect"]),
];

pub const RATING: &[(&str, &[&str])] = &[
    ("low", &["l", "1", "minor"]),
    ("moderate", &["medium", "med", "m", "2"]),
    ("high", &["h", "3", "major"]),
    ("critical", &["very high", "4", "severe"]),
];

pub const TREATMENT: &[(&str, &[&str])] = &[
    ("mitigate", &["reduce", "remediate", "treat", "mitigation"]),
    ("accept", &["accepted", "retain", "tolerate"]),
    ("transfer", &["share", "insure", "transferred"]),
    ("avoid", &["terminate", "avoided"]),
];

const IMPLEMENTATION_FIELDS: &[Field] = &[
    f("control", true, FieldType::Controls),
    f("system", false, FieldType::System),
    f("status", true, FieldType::Choice(STATUS)),
    f("owner", false, FieldType::Line),
    f("statement", false, FieldType::Text),
    f("justification", false, FieldType::Text),
    f("inherited_from", false, FieldType::System),
    f("provider", false, FieldType::Line),
    f("evidence", false, FieldType::List),
    f("policies", false, FieldType::List),
    f("reviewed", false, FieldType::Date),
    f("review_every", false, FieldType::Period),
];

const EVIDENCE_FIELDS: &[Field] = &[
    f("id", false, FieldType::Id),
    f("title", true, FieldType::Line),
    f("description", false, FieldType::Text),
    f("uri", true, FieldType::Line),
    f("sha256", false, FieldType::Line),
    f("size", false, FieldType::Integer(0, u64::MAX)),
    f("media_type", false, FieldType::Line),
    f("collected_at", true, FieldType::Date),
    f("collector", false, FieldType::Line),
    f("expires_after", false, FieldType::Period),
    f("expires_at", false, FieldType::Date),
    f("retention", false, FieldType::Period),
    f("review", false, FieldType::Choice(REVIEW)),
    f("reviewer", false, FieldType::Line),
    f("controls", false, FieldType::Controls),
];

const EXCEPTION_FIELDS: &[Field] = &[
    f("id", true, FieldType::Id),
    f("title", false, FieldType::Line),
    f("controls", true, FieldType::Controls),
    f("system", false, FieldType::System),
    f("scope", false, FieldType::Text),
    f("justification", true, FieldType::Text),
    f("compensating_controls", false, FieldType::Controls),
    f("risk_rating", true, FieldType::Choice(RATING)),
    f("risks", false, FieldType::List),
    f("approver", true, FieldType::Line),
    f("granted", true, FieldType::Date),
    f("expires", true, FieldType::Date),
];

const RISK_FIELDS: &[Field] = &[
    f("id", true, FieldType::Id),
    f("title", true, FieldType::Line),
    f("description", false, FieldType::Text),
    f("owner", true, FieldType::Line),
    f("category", false, FieldType::Line),
    f("systems", false, FieldType::Systems),
    f("controls", false, FieldType::Controls),
    f("likelihood", true, FieldType::Integer(1, 5)),
    f("impact", true, FieldType::Integer(1, 5)),
    f("treatment", true, FieldType::Choice(TREATMENT)),
    f("residual_likelihood", false, FieldType::Integer(1, 5)),
    f("residual_impact", false, FieldType::Integer(1, 5)),
    f("frequency_min", false, FieldType::Number),
    f("frequency_most_likely", false, FieldType::Number),
    f("frequency_max", false, FieldType::Number),
    f("magnitude_min", false, FieldType::Number),
    f("magnitude_most_likely", false, FieldType::Number),
    f("magnitude_max", false, FieldType::Number),
];

/// Where a field's values come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnSpec {
    /// Header text, matched loosely.
    Header(String),
    /// A column by letter (0-based index).
    Letter(usize),
}

impl ColumnSpec {
    pub fn parse(text: &str) -> Result<ColumnSpec, String> {
        let t = text.trim();
        if let Some(letters) = t.strip_prefix('#') {
            return letter_index(letters)
                .map(ColumnSpec::Letter)
                .ok_or_else(|| format!("`{t}` is not a column letter (`#A` to `#AMJ`)"));
        }
        if t.is_empty() {
            return Err("an empty column name".into());
        }
        Ok(ColumnSpec::Header(t.to_string()))
    }
}

/// `A` → 0, `AB` → 27; at most three letters.
fn letter_index(letters: &str) -> Option<usize> {
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let n = letters.chars().fold(0usize, |n, c| {
        n * 26 + (c.to_ascii_uppercase() as usize - 'A' as usize + 1)
    });
    Some(n - 1)
}

/// A sheet mapping checked against its kind's fields.
impl SheetMapping {
    pub fn check(&self, at: &str) -> Result<(), String> {
        for (field, spec) in &self.columns {
            if self.kind.field(field).is_none() {
                return Err(format!(
                    "{at}: `{}` is not a field of {} ({}){}",
                    crate::excerpt::text(field),
                    self.kind.name(),
                    field_names(self.kind),
                    did_you_mean(field, self.kind.fields().iter().map(|f| f.name))
                ));
            }
            ColumnSpec::parse(spec).map_err(|m| format!("{at}: field `{field}`: {m}"))?;
        }
        for field in self.values.keys() {
            match self.kind.field(field) {
                Some(Field {
                    ty: FieldType::Choice(_),
                    ..
                }) => {}
                Some(_) => {
                    return Err(format!(
                        "{at}: `values.{field}`: `{field}` takes no value map (only fields with a fixed set of values do)"
                    ));
                }
                None => {
                    return Err(format!(
                        "{at}: `values.{}` names no field of {}",
                        crate::excerpt::text(field),
                        self.kind.name()
                    ));
                }
            }
        }
        for (field, map) in &self.values {
            let Some(Field {
                ty: FieldType::Choice(choices),
                ..
            }) = self.kind.field(field)
            else {
                continue;
            };
            for (from, to) in map {
                if !choices.iter().any(|(c, _)| c == to) {
                    return Err(format!(
                        "{at}: `values.{field}` maps `{}` to `{}`, which is not one of: {}",
                        crate::excerpt::text(from),
                        crate::excerpt::text(to),
                        choices
                            .iter()
                            .map(|(c, _)| *c)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        let has_system = self.columns.contains_key("system") || self.system.is_some();
        for f in self.kind.fields() {
            if f.required && !self.columns.contains_key(f.name) {
                return Err(format!(
                    "{at}: {} need a column for `{}`",
                    self.kind.name(),
                    f.name
                ));
            }
        }
        if matches!(
            self.kind,
            RecordKind::Implementations | RecordKind::Exceptions
        ) && !has_system
        {
            return Err(format!(
                "{at}: {} need a system: map a `system` column, or pass --system (or `system:` in the mapping)",
                self.kind.name()
            ));
        }
        Ok(())
    }
}

fn field_names(kind: RecordKind) -> String {
    kind.fields()
        .iter()
        .map(|f| f.name)
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn did_you_mean<'a>(wanted: &str, among: impl Iterator<Item = &'a str>) -> String {
    among
        .map(|c| (strsim::jaro_winkler(c, wanted), c))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// Parses `--columns field=Header,field=#C`: commas inside double quotes
/// belong to the header (`"Name, short"`), as in `framework import`.
pub fn parse_columns(spec: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for pair in crate::sources::table::split_column_pairs(spec)? {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let (field, column) = pair
            .split_once('=')
            .ok_or_else(|| format!("`{pair}` is not `field=Column`"))?;
        let column = column.trim();
        let column = column
            .strip_prefix('"')
            .and_then(|c| c.strip_suffix('"'))
            .unwrap_or(column);
        let field = field.trim().to_string();
        if column.is_empty() {
            return Err(format!("`{field}` has no column name"));
        }
        if out.insert(field.clone(), column.to_string()).is_some() {
            return Err(format!("`{field}` is given twice"));
        }
    }
    if out.is_empty() {
        return Err("no `field=Column` pairs".into());
    }
    Ok(out)
}

/// Reads and checks a mapping file.
pub fn read(path: &Path) -> Result<MappingFile, ImportError> {
    let (text, _) = crate::import::read_source(path)?;
    let text = text.trim_start_matches('\u{feff}');
    let file: MappingFile = crate::sources::common::parse_yaml(path, text)?;
    let invalid = |message: String| ImportError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    if file.schema_version != MAPPING_VERSION {
        return Err(invalid(format!(
            "schema_version {} is not one this build reads ({MAPPING_VERSION})",
            file.schema_version
        )));
    }
    if file.sheets.is_empty() {
        return Err(invalid("`sheets` is empty: map at least one sheet".into()));
    }
    Ok(file)
}

/// The YAML text of a mapping file, with a comment saying what it is.
pub fn render(file: &MappingFile) -> Result<String, ImportError> {
    let body = serde_saphyr::to_string(file).map_err(|e| ImportError::Serialize {
        what: "the mapping".into(),
        message: e.to_string(),
    })?;
    Ok(format!(
        "# Column mapping for `aegis program import --mapping` (see docs/program-import.md).\n{body}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_and_headers() {
        assert_eq!(ColumnSpec::parse("#A"), Ok(ColumnSpec::Letter(0)));
        assert_eq!(ColumnSpec::parse("#ab"), Ok(ColumnSpec::Letter(27)));
        assert_eq!(
            ColumnSpec::parse(" Control ID "),
            Ok(ColumnSpec::Header("Control ID".into()))
        );
        assert!(ColumnSpec::parse("#A1").is_err());
    }

    #[test]
    fn columns_flag_keeps_quoted_commas() {
        let m = parse_columns(r#"control=Control ID,owner="Owner, team""#).expect("parses");
        assert_eq!(m["owner"], "Owner, team");
        assert!(parse_columns("control=A,control=B").is_err());
    }

    #[test]
    fn unknown_fields_get_a_suggestion() {
        let m = SheetMapping {
            sheet: None,
            kind: RecordKind::Implementations,
            header_row: None,
            system: Some("app".into()),
            framework: None,
            date_order: None,
            columns: [("control", "A"), ("status", "B"), ("ownr", "C")]
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            values: BTreeMap::new(),
        };
        let e = m.check("--columns").expect_err("refused");
        assert!(e.contains("did you mean `owner`"), "{e}");
    }
}
