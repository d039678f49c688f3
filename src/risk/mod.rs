//! The risk register beyond its records: the register as people read it
//! (scores, linked controls and their open gaps), the heat map, the Monte
//! Carlo simulation of annual loss, and the appetite the gate judges
//! residual risk against.

pub mod appetite;
pub mod count;
pub mod exposure;
pub mod heatmap;
pub mod lanes;
pub mod lifecycle;
pub mod quantile;
pub mod register;
pub mod simulate;
pub mod summary;
