//! Crosswalks between frameworks: the mapping files under
//! `controls/mappings/`, the graph they make (with inverse edges and
//! inference through hub frameworks), the official sources they are
//! imported from and the suggestions that propose new ones.
//!
//! File names: `<source>--<target>.yaml` holds what an import wrote (or a
//! hand-kept mapping); `<source>--<target>.suggested.yaml` holds the
//! suggestions a person accepted or rejected (`aegis crosswalk
//! accept|reject`); `<source>--<target>.inferred.yaml` holds inferred
//! relationships someone chose to keep.

pub mod compose;
pub mod decide;
pub mod graph;
pub mod import;
pub mod manual;
pub mod suggest;

pub use graph::{Edge, Graph, Link, Node};

/// Where controls that belong to no group are counted.
pub const NO_GROUP: &str = "(none)";

/// Each framework's control → group, from its files (framework.yaml and
/// catalog parts); controls with no group fall under `(none)`.
pub fn groups_of(
    outcome: &crate::validate::Outcome,
    framework: &str,
) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    let framework_controls = outcome
        .repo
        .frameworks
        .iter()
        .filter(|f| f.value.id.as_str() == framework)
        .flat_map(|f| f.value.controls.iter());
    let catalog_controls = outcome
        .repo
        .catalogs
        .iter()
        .filter(|c| c.value.framework.as_str() == framework)
        .flat_map(|c| c.value.controls.iter());
    for c in framework_controls.chain(catalog_controls) {
        let label = c.label.as_deref().unwrap_or(c.id.as_str());
        let group = c.group.clone().unwrap_or_else(|| NO_GROUP.into());
        out.insert(label.to_string(), group.clone());
        out.insert(c.id.as_str().to_string(), group);
    }
    out
}
