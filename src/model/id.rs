//! Identifier newtypes, so a system id can never be passed where a policy id
//! is meant.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $pattern:literal, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                    "description": $what,
                })
            }
        }
    };
}

id_type!(
    /// `nist-800-53-rev5`: lower-case, used as the prefix of control references.
    FrameworkId,
    "^[a-z0-9][a-z0-9._-]*$",
    "Framework id: lower-case letters, digits, '.', '_' and '-' (e.g. nist-800-53-rev5)."
);
id_type!(
    /// A control id as its framework writes it (`AC-2(1)`, `A.5.15`, `PR.AA-01`).
    ControlId,
    "^[^\\s:]+$",
    "Control id as the framework writes it (e.g. AC-2(1), A.5.15); no spaces or ':'."
);
id_type!(
    BaselineId,
    "^[a-z0-9][a-z0-9._-]*$",
    "Baseline id: lower-case letters, digits, '.', '_' and '-' (e.g. moderate)."
);
id_type!(
    SystemId,
    "^[a-z0-9][a-z0-9._-]*$",
    "System id: lower-case letters, digits, '.', '_' and '-' (e.g. payments)."
);
id_type!(
    EvidenceId,
    "^[A-Za-z0-9][A-Za-z0-9._-]*$",
    "Evidence id: letters, digits, '.', '_' and '-'."
);
id_type!(
    PolicyId,
    "^[A-Za-z0-9][A-Za-z0-9._-]*$",
    "Policy id: letters, digits, '.', '_' and '-'."
);
id_type!(
    ExceptionId,
    "^[A-Za-z0-9][A-Za-z0-9._-]*$",
    "Exception id: letters, digits, '.', '_' and '-'."
);
id_type!(
    RiskId,
    "^[A-Za-z0-9][A-Za-z0-9._-]*$",
    "Risk id: letters, digits, '.', '_' and '-'."
);
