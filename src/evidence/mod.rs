//! Evidence artifacts kept in the repository: finding one safely from its
//! record's `uri`, and recording its hash and size (`aegis evidence hash`).

mod artifact;
pub mod hash;
pub mod keys;

pub use artifact::{Artifact, ArtifactError, open, resolve};
