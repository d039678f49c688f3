//! Stage 3, assess: what each system still lacks for each framework and
//! baseline it must meet (the gap engine), and whether that is worse than
//! the repository allows (the gate's thresholds and ratchet).

pub mod gaps;
pub mod gate;
pub mod poam;

pub use gaps::{Assessment, ControlStatus, Gap, Reason, Selection, Status, SystemGaps};
