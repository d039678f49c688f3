//! The file kinds of a compliance repository and their JSON Schemas,
//! generated from the `model` types. `aegis schemas` writes them to
//! `schemas/`; a test keeps the committed copies fresh.

use crate::model;
use schemars::JsonSchema;
use serde_json::Value;

/// Every kind of file Aegis reads, named after what an auditor calls it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Config,
    Framework,
    Catalog,
    Baseline,
    Mapping,
    Implementation,
    Evidence,
    Policy,
    Approvals,
    Exception,
    Risk,
    Findings,
    ReferenceTable,
    RemediationPlan,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[
        Kind::Config,
        Kind::Framework,
        Kind::Catalog,
        Kind::Baseline,
        Kind::Mapping,
        Kind::Implementation,
        Kind::Evidence,
        Kind::Policy,
        Kind::Approvals,
        Kind::Exception,
        Kind::Risk,
        Kind::Findings,
        Kind::ReferenceTable,
        Kind::RemediationPlan,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Config => "config",
            Kind::Framework => "framework",
            Kind::Catalog => "catalog",
            Kind::Baseline => "baseline",
            Kind::Mapping => "mapping",
            Kind::Implementation => "implementation",
            Kind::Evidence => "evidence",
            Kind::Policy => "policy",
            Kind::Approvals => "approvals",
            Kind::Exception => "exception",
            Kind::Risk => "risk",
            Kind::Findings => "findings",
            Kind::ReferenceTable => "reference-table",
            Kind::RemediationPlan => "remediation-plan",
        }
    }

    /// The `schema_version` this build reads and writes for this kind.
    /// Older versions with a migration (`crate::migrate`) still load.
    pub fn schema_version(self) -> u32 {
        match self {
            Kind::Risk => model::RISK_SCHEMA_VERSION,
            _ => model::SCHEMA_VERSION,
        }
    }

    /// The file name of this kind's schema under `schemas/`.
    pub fn schema_file(self) -> String {
        format!("{}.schema.json", self.name())
    }

    /// The JSON Schema (draft 2020-12) of this kind.
    pub fn schema(self) -> Value {
        match self {
            Kind::Config => generate::<model::Config>(self),
            Kind::Framework => generate::<model::Framework>(self),
            Kind::Catalog => generate::<model::Catalog>(self),
            Kind::Baseline => generate::<model::BaselineFile>(self),
            Kind::Mapping => generate::<model::Mapping>(self),
            Kind::Implementation => generate::<model::Implementation>(self),
            Kind::Evidence => generate::<model::Evidence>(self),
            Kind::Policy => generate::<model::PolicyFront>(self),
            Kind::Approvals => generate::<model::ApprovalLedger>(self),
            Kind::Exception => generate::<model::Exception>(self),
            Kind::Risk => generate::<model::Risk>(self),
            Kind::Findings => generate::<model::FindingSet>(self),
            Kind::ReferenceTable => generate::<model::ReferenceTable>(self),
            Kind::RemediationPlan => generate::<model::RemediationPlan>(self),
        }
    }

    /// The `# yaml-language-server` line for a file of this kind at `rel_path`,
    /// pointing editors at the repository's own `schemas/` copy.
    pub fn modeline(self, rel_path: &str) -> String {
        let depth = rel_path.matches('/').count();
        format!(
            "# yaml-language-server: $schema={}schemas/{}",
            "../".repeat(depth),
            self.schema_file()
        )
    }
}

fn generate<T: JsonSchema>(kind: Kind) -> Value {
    let mut schema = schemars::schema_for!(T).to_value();
    drop_null(&mut schema);
    if let Value::Object(map) = &mut schema {
        map.insert(
            "$comment".to_string(),
            Value::String(format!(
                "Generated from the Aegis model (schema_version {}) by `aegis schemas`; do not edit.",
                kind.schema_version()
            )),
        );
    }
    schema
}

/// Optional keys are left out, never written as `null`: an explicit null is
/// a mistake worth reporting with the key's real type, and `anyOf` with null
/// would turn every type error into a vague "not valid under any schema".
fn drop_null(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let t = types.remove(0);
                    map.insert("type".to_string(), t);
                }
            }
            if let Some(Value::Array(alts)) = map.get("anyOf") {
                let kept: Vec<Value> = alts
                    .iter()
                    .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
                    .cloned()
                    .collect();
                if kept.len() == 1 && alts.len() == 2 {
                    map.remove("anyOf");
                    if let Value::Object(inner) = &kept[0] {
                        for (k, val) in inner {
                            map.entry(k.clone()).or_insert_with(|| val.clone());
                        }
                    }
                }
            }
            if let Some(Value::Array(e)) = map.get_mut("enum") {
                e.retain(|x| !x.is_null());
            }
            map.values_mut().for_each(drop_null);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null),
        _ => {}
    }
}

/// Schemas as the files `aegis schemas` writes: name and pretty JSON text.
pub fn files() -> Vec<(String, String)> {
    Kind::ALL
        .iter()
        .map(|k| {
            let mut text = serde_json::to_string_pretty(&k.schema()).unwrap_or_default();
            text.push('\n');
            (k.schema_file(), text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modeline_is_relative_to_the_file() {
        assert_eq!(
            Kind::Implementation.modeline("implementations/payments/AC-2.yaml"),
            "# yaml-language-server: $schema=../../schemas/implementation.schema.json"
        );
        assert_eq!(
            Kind::Config.modeline("aegis.yaml"),
            "# yaml-language-server: $schema=schemas/config.schema.json"
        );
    }

    #[test]
    fn every_schema_is_valid_2020_12() {
        for k in Kind::ALL {
            let s = k.schema();
            assert!(jsonschema::meta::is_valid(&s), "{}", k.name());
        }
    }
}
