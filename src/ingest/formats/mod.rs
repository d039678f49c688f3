//! One reader per scanner format. A new format is one file here and one
//! line in [`READERS`]. Order matters only where two formats could claim
//! the same file: the more specific one comes first.

use super::Reader;

pub mod asff;
pub mod burp;
mod checkov;
mod fold;
mod grype;
pub mod hdf;
pub mod nessus;
pub mod prowler_csv;
pub mod prowler_ocsf;
mod sarif;
mod shared;
mod short;
mod snyk;
mod trivy;
mod twistlock;
pub mod zap;

/// Every format `aegis ingest` reads, in detection order.
pub static READERS: &[&dyn Reader] = &[
    &hdf::Hdf,
    &sarif::Sarif,
    &checkov::Checkov,
    &trivy::Trivy,
    &grype::Grype,
    &twistlock::Twistlock,
    &snyk::Snyk,
    &nessus::Nessus,
    &burp::Burp,
    &zap::Zap,
    &prowler_ocsf::ProwlerOcsf,
    &prowler_csv::ProwlerCsv,
    &asff::Asff,
];
