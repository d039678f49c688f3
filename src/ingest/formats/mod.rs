//! One reader per scanner format. A new format is one file here and one
//! line in [`READERS`]. Order matters only where two formats could claim
//! the same file: the more specific one comes first.

use super::Reader;

mod checkov;
mod grype;
mod sarif;
mod shared;
mod snyk;
mod trivy;
mod twistlock;

/// Every format `aegis ingest` reads, in detection order.
pub static READERS: &[&dyn Reader] = &[
    &sarif::Sarif,
    &checkov::Checkov,
    &trivy::Trivy,
    &grype::Grype,
    &twistlock::Twistlock,
    &snyk::Snyk,
];
