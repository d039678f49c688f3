//! The risk register beyond its records: Monte Carlo simulation of annual
//! loss, and the appetite the gate judges residual risk against.

pub mod appetite;
pub mod exposure;
pub mod simulate;
