//! Control references: `<framework-id>:<control-id>`, or a short control id
//! where the framework is known from context.

use super::{ControlId, FrameworkId};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ControlRef(pub String);

impl ControlRef {
    /// `parts`, borrowed.
    pub fn split(&self) -> (Option<&str>, &str) {
        match self.0.split_once(':') {
            Some((fw, ctl)) => (Some(fw.trim()), ctl.trim()),
            None => (None, self.0.trim()),
        }
    }

    /// Splits `fw:ctl` into its framework (if any) and control parts.
    pub fn parts(&self) -> (Option<FrameworkId>, ControlId) {
        match self.0.split_once(':') {
            Some((fw, ctl)) => (
                Some(FrameworkId(fw.trim().to_string())),
                ControlId(ctl.trim().to_string()),
            ),
            None => (None, ControlId(self.0.trim().to_string())),
        }
    }
}

impl fmt::Display for ControlRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl JsonSchema for ControlRef {
    fn schema_name() -> Cow<'static, str> {
        "ControlRef".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^([a-z0-9][a-z0-9._-]*:)?[^\\s:]+$",
            "description": "Control reference: <framework-id>:<control-id> (e.g. nist-800-53-rev5:AC-2(1)), or a short control id where the framework is known.",
        })
    }
}

/// The comparison form of a control id: `AC-2(1)`, `ac-2.1` and `AC-2 (1)`
/// all become `ac-2.1`.
pub fn normalize_control_id(id: &str) -> String {
    normalized_control_id(id).into_owned()
}

/// `normalize_control_id`, borrowing `id` when it is already in normal
/// form (lower-case ASCII, no brackets, no spaces), as most ids written in
/// a repository are: lookups by control id make no allocation then.
pub fn normalized_control_id(id: &str) -> std::borrow::Cow<'_, str> {
    let plain = id
        .bytes()
        .all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase() && b != b'(' && b != b')');
    if plain {
        return std::borrow::Cow::Borrowed(id);
    }
    std::borrow::Cow::Owned(normalize_slow(id))
}

fn normalize_slow(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    let mut chars = id.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '(' => {
                // "AC-2(1)" and "AC-2 (1)" both mean enhancement 1 of AC-2.
                while out.ends_with(' ') {
                    out.pop();
                }
                out.push('.');
            }
            ')' => {}
            ' ' if chars.peek() == Some(&'(') => {}
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oscal_and_label_forms_name_the_same_control() {
        assert_eq!(normalize_control_id("AC-2(1)"), "ac-2.1");
        assert_eq!(normalize_control_id("ac-2.1"), "ac-2.1");
        assert_eq!(normalize_control_id("AC-2 (1)"), "ac-2.1");
        assert_eq!(normalize_control_id("A.5.15"), "a.5.15");
        assert_eq!(normalize_control_id("PR.AA-01"), "pr.aa-01");
        for id in [
            "ac-2.1", "a.5.15", " ac-2 ", "ac-2 (1)", "ac-2(1)", "Ac-2", "ac-2\t", "ä-1",
        ] {
            assert_eq!(normalized_control_id(id), normalize_slow(id), "{id:?}");
        }
    }

    #[test]
    fn references_split_on_the_first_colon() {
        let r = ControlRef("nist-800-53-rev5:AC-2(1)".into());
        assert_eq!(
            r.parts(),
            (
                Some(FrameworkId("nist-800-53-rev5".into())),
                ControlId("AC-2(1)".into())
            )
        );
        assert_eq!(ControlRef("AC-2".into()).parts().0, None);
    }
}
