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
pub mod suggest;

pub use graph::{Edge, Graph, Link, Node};
