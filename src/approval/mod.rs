//! Policy approval by pull request review (`aegis policy approvals sync`).
//!
//! After a merge, the commit is traced to the pull request that merged it;
//! for each policy (and remediation plan) that pull request changed whose
//! current content has no recorded approval, the reviews decide: each
//! reviewer's latest opinionated review counts when it approves the merged
//! head commit, comes from someone the policy names as an approver (a
//! user, or a member of a team) or CODEOWNERS names as an owner of its
//! path, and is not a self-approval (the PR's author, or whoever committed
//! its head). The approvals are recorded in `policies/approvals.yaml`
//! against the content's SHA-256, so a later unreviewed edit is unapproved
//! again (validation's `policy-unapproved`, the gap engine's reason).

pub mod codeowners;
pub mod git;
pub mod reviews;
mod sync;

pub use sync::{Failed, Options, Recorded, Report, sync};
