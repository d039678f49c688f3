//! One reader per scanner format. A new format is one file here and one
//! line in [`READERS`]. Order matters only where two formats could claim
//! the same file: the more specific one comes first.

use super::Reader;

pub mod arf;
pub mod asff;
pub mod burp;
mod checkov;
pub mod ckl;
mod fold;
mod grype;
pub mod hdf;
mod json;
pub mod nessus;
mod oval;
pub mod prowler_csv;
pub mod prowler_ocsf;
mod sarif;
mod scap;
mod shared;
mod short;
mod snyk;
mod trivy;
mod twistlock;
pub mod xccdf;
pub mod zap;

/// Every format `aegis ingest` reads, in detection order.
pub static READERS: &[&dyn Reader] = &[
    &xccdf::Xccdf,
    &arf::Arf,
    &ckl::Ckl,
    &nessus::Nessus,
    &burp::Burp,
    &zap::Zap,
    &hdf::Hdf,
    &sarif::Sarif,
    &checkov::Checkov,
    &trivy::Trivy,
    &grype::Grype,
    &twistlock::Twistlock,
    &snyk::Snyk,
    &prowler_ocsf::ProwlerOcsf,
    &prowler_csv::ProwlerCsv,
    &asff::Asff,
];
