//! The risk register beyond its records: the register as people read it
//! (scores, linked controls and their open gaps) and the heat map.

pub mod heatmap;
pub mod register;
