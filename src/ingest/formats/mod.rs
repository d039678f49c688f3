//! One reader per scanner format. A new format is one file here and one
//! line in [`READERS`]. Order matters only where two formats could claim
//! the same file: the more specific one comes first.

use super::Reader;

pub mod asff;
pub mod burp;
mod fold;
pub mod hdf;
pub mod nessus;
pub mod prowler_csv;
pub mod prowler_ocsf;
mod short;
pub mod zap;

/// Every format `aegis ingest` reads, in detection order.
pub static READERS: &[&dyn Reader] = &[
    &hdf::Hdf,
    &nessus::Nessus,
    &burp::Burp,
    &zap::Zap,
    &prowler_ocsf::ProwlerOcsf,
    &prowler_csv::ProwlerCsv,
    &asff::Asff,
];
