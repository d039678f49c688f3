//! Evidence artifacts kept in the repository: finding one safely from its
//! record's `uri`, and recording its hash and size (`aegis evidence hash`).

pub mod add;
mod artifact;
pub mod hash;
pub mod keys;
pub mod list;
pub mod media;
pub mod prune;
pub mod review;
pub mod sign;
pub mod verify;

pub use artifact::{Artifact, ArtifactError, open, resolve};
