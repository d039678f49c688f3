//! Pull request reviews as GitHub's REST API lists them
//! (`GET /repos/{o}/{r}/pulls/{n}/reviews`, chronological), reduced to
//! each reviewer's latest *opinionated* review: APPROVED,
//! CHANGES_REQUESTED or DISMISSED. COMMENTED and PENDING reviews carry no
//! verdict and never revoke an earlier approval (as GraphQL's
//! `latestOpinionatedReviews`); a dismissed approval is revoked.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Review {
    pub id: u64,
    pub user: Option<User>,
    pub state: String,
    pub commit_id: Option<String>,
    pub submitted_at: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct User {
    pub login: String,
}

impl Review {
    pub fn login(&self) -> Option<&str> {
        self.user
            .as_ref()
            .map(|u| u.login.as_str())
            .filter(|l| !l.is_empty())
    }

    /// The state in GitHub's upper case (webhooks send lower case).
    pub fn state(&self) -> String {
        self.state.to_ascii_uppercase()
    }

    fn opinionated(&self) -> bool {
        matches!(
            self.state().as_str(),
            "APPROVED" | "CHANGES_REQUESTED" | "DISMISSED"
        )
    }
}

/// Each reviewer's latest opinionated review, by login (lower-cased:
/// GitHub logins are case-insensitive). Reviews are taken in the order
/// given (GitHub lists them oldest first); a later review replaces an
/// earlier one.
pub fn latest_opinionated(reviews: &[Review]) -> BTreeMap<String, &Review> {
    let mut out: BTreeMap<String, &Review> = BTreeMap::new();
    for r in reviews.iter().filter(|r| r.opinionated()) {
        if let Some(login) = r.login() {
            out.insert(login.to_ascii_lowercase(), r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(id: u64, login: &str, state: &str, commit: &str) -> Review {
        Review {
            id,
            user: Some(User {
                login: login.into(),
            }),
            state: state.into(),
            commit_id: Some(commit.into()),
            submitted_at: Some(format!("2026-05-0{id}T10:00:00Z")),
        }
    }

    #[test]
    fn comments_do_not_revoke_and_dismissals_do() {
        let reviews = vec![
            r(1, "alice", "APPROVED", "h"),
            r(2, "alice", "COMMENTED", "h"),
            r(3, "Bob", "APPROVED", "h"),
            r(4, "bob", "DISMISSED", "h"),
            r(5, "carol", "CHANGES_REQUESTED", "h"),
            r(6, "carol", "approved", "h"),
            r(7, "dave", "PENDING", "h"),
        ];
        let latest = latest_opinionated(&reviews);
        let got: Vec<(&str, u64)> = latest.iter().map(|(l, r)| (l.as_str(), r.id)).collect();
        assert_eq!(got, vec![("alice", 1), ("bob", 4), ("carol", 6)]);
    }
}
