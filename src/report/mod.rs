//! Stage 4, output for people who sign things: reports rendered from what
//! the pipeline computed (validation, the gap engine, findings), in
//! Markdown, HTML, spreadsheets and OSCAL.
//!
//! Every report is a pure function of the repository at one commit: the
//! generation time is the commit's time, never the wall clock, so an
//! unchanged repository renders byte-identical files.

pub mod meta;
pub mod oscal;

pub use meta::Meta;

use crate::assess::Assessment;
use crate::pipeline::Run;

/// What every report renders from.
pub struct Input<'a> {
    pub run: &'a Run,
    pub assessment: &'a Assessment,
    pub meta: &'a Meta,
}
