//! Stage 4, output for people who sign things: reports rendered from what
//! the pipeline computed (validation, the gap engine, findings), in
//! Markdown, HTML, spreadsheets and OSCAL.
//!
//! Every report is a pure function of the repository at one commit: the
//! generation time is the commit's time, never the wall clock, so an
//! unchanged repository renders byte-identical files.

pub mod chart;
pub mod html;
pub mod manifest;
pub mod meta;
pub mod oscal;
pub mod pdf;
pub mod site;
pub mod table;
pub mod template;
pub mod view;

pub use meta::Meta;

use crate::assess::Assessment;
use crate::model::Date;
use crate::pipeline::Run;

/// What every report renders from.
pub struct Input<'a> {
    pub run: &'a Run,
    pub assessment: &'a Assessment,
    pub meta: &'a Meta,
    /// The date freshness, expiry and review are judged on.
    pub as_of: Date,
}
