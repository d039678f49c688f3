//! POA&M items as issues in an issue tracker (`aegis publish issues`):
//! one trait, [`Tracker`], with a GitHub and a Jira implementation, and
//! one sync over it, so a team on either gets the same behaviour.
//!
//! A run lists the issues Aegis owns (by a label, open and closed), pairs
//! them with the items by POA&M id, and then: creates an issue for a new
//! open item, updates one whose title, body or labels no longer match,
//! closes one whose item is gone (the gap is closed) or is covered by an
//! exception in force (with a comment saying which, and until when), and
//! reopens one whose item is back. What already matches is not touched, so
//! a second run with nothing changed writes nothing.

pub mod doc;
pub mod error;
pub mod github;
pub mod item;
pub mod jira;
pub mod markdown;
pub mod sync;

pub use error::Error;
pub use item::{Closing, Item};
pub use sync::{Action, Plan, Step};

/// The default label of the issues Aegis owns.
pub const DEFAULT_LABEL: &str = "aegis-poam";

/// An issue as a tracker holds it, reduced to what the sync compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    /// `#12` on GitHub, `SEC-12` on Jira: how people name it.
    pub key: String,
    /// Orders duplicates: the oldest issue of an item is the one kept.
    pub number: u64,
    /// The POA&M id it carries.
    pub poam: String,
    pub open: bool,
    pub title: String,
    /// The body as the tracker compares it (GitHub: the Markdown itself;
    /// Jira: the fingerprint Aegis wrote into the description).
    pub body: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub url: Option<String>,
}

/// An issue tracker that holds POA&M items. Every method that writes is
/// called only when the plan says something must change.
pub trait Tracker {
    /// `GitHub` or `Jira`, for messages.
    fn name(&self) -> &'static str;

    /// Every issue Aegis owns (carrying its label), open and closed, every page.
    fn list(&mut self) -> Result<Vec<Issue>, Error>;

    /// The fields of `issue` that differ from what `item` says (`title`,
    /// `body`, `labels`, `assignee`); empty when it matches.
    fn differences(&self, issue: &Issue, item: &Item) -> Vec<&'static str>;

    /// Opens an issue for `item`; returns its key and web address.
    fn create(&mut self, item: &Item) -> Result<(String, Option<String>), Error>;

    /// Makes `issue` say what `item` says.
    fn update(&mut self, issue: &Issue, item: &Item) -> Result<(), Error>;

    /// Closes `issue` with a comment saying why.
    fn close(&mut self, issue: &Issue, why: &Closing) -> Result<(), Error>;

    /// Reopens `issue` (with a comment) and makes it say what `item` says.
    fn reopen(
        &mut self,
        issue: &Issue,
        item: &Item,
        as_of: crate::model::Date,
    ) -> Result<(), Error>;
}
