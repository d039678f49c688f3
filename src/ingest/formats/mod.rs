//! One reader per scanner format. A new format is one file here and one
//! line in [`READERS`]. Order matters only where two formats could claim
//! the same file: the more specific one comes first.

use super::Reader;

pub mod arf;
pub mod ckl;
pub mod hdf;
mod json;
mod oval;
mod scap;
mod short;
pub mod xccdf;

/// Every format `aegis ingest` reads, in detection order.
pub static READERS: &[&dyn Reader] = &[&hdf::Hdf, &xccdf::Xccdf, &arf::Arf, &ckl::Ckl];
