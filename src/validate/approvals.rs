//! Approvals: the one definition of "approved" that validation, the gap
//! engine and `aegis policy approvals sync` share, and the checks that a
//! policy's current content and a remediation plan carry the approvals
//! they need.
//!
//! A record is approved when `policies/approvals.yaml` holds an approval of
//! the SHA-256 of its file's exact content: any later edit, however small,
//! makes a new hash that nobody approved yet.

use super::{Ctx, Repo};
use crate::diag::Code;
use crate::model::PolicyStatus;
use std::collections::{BTreeMap, BTreeSet};

/// The SHA-256 (lower-case hex) an approval records for a file's text.
pub fn content_sha256(text: &str) -> String {
    crate::digest::sha256_hex(text.as_bytes())
}

/// What the ledgers say was approved.
#[derive(Debug, Default)]
pub struct Approved<'a> {
    policies: BTreeSet<(&'a str, String)>,
    /// (plan, sha256) → the logins that approved it.
    plans: BTreeMap<(&'a str, String), BTreeSet<&'a str>>,
}

impl<'a> Approved<'a> {
    pub fn of(repo: &'a Repo) -> Self {
        let mut out = Approved::default();
        for ledger in &repo.approvals {
            for a in &ledger.value.approvals {
                out.policies
                    .insert((a.policy.as_str(), a.sha256.to_ascii_lowercase()));
            }
            for a in &ledger.value.plans {
                out.plans
                    .entry((a.plan.as_str(), a.sha256.to_ascii_lowercase()))
                    .or_default()
                    .extend(a.approved_by.iter().map(|x| x.login.as_str()));
            }
        }
        out
    }

    /// Whether the policy `id` whose file holds `text` is approved.
    pub fn policy(&self, id: &str, text: &str) -> bool {
        self.policies.contains(&(id, content_sha256(text)))
    }

    /// How many people approved the plan `id` whose file holds `text`.
    pub fn plan_approvers(&self, id: &str, text: &str) -> usize {
        self.plans
            .get(&(id, content_sha256(text)))
            .map_or(0, BTreeSet::len)
    }
}

pub(crate) fn check(ctx: &mut Ctx) {
    let approved = Approved::of(ctx.repo);
    let mut found = Vec::new();
    for p in &ctx.repo.policies {
        // Drafts are not meant to be approved yet, and retired policies no
        // longer apply: the gap engine reports both as unapproved anyway.
        if matches!(
            p.value.status,
            Some(PolicyStatus::Draft | PolicyStatus::Retired)
        ) {
            continue;
        }
        let text = ctx.ws.files.get(p.file).map_or("", |f| f.text.as_str());
        if !approved.policy(p.value.id.as_str(), text) {
            found.push((
                Code::PolicyUnapproved,
                p.file,
                "/version".to_string(),
                format!(
                    "policy `{}` version {} has no approval of its current content (sha256 {}) in policies/approvals.yaml",
                    p.value.id,
                    p.value.version,
                    &content_sha256(text)[..12]
                ),
                "have the policy's approvers review the change in a pull request; after the merge, `aegis policy approvals sync` records their approval".to_string(),
            ));
        }
    }
    for plan in &ctx.repo.remediation_plans {
        let text = ctx.ws.files.get(plan.file).map_or("", |f| f.text.as_str());
        let have = approved.plan_approvers(&plan.value.id, text);
        for (class, c) in plan.value.classes.iter().rev() {
            if c.items.is_empty() || have >= c.approvals as usize {
                continue;
            }
            found.push((
                Code::RemediationUnapproved,
                plan.file,
                format!("/classes/{}/approvals", class.as_str()),
                format!(
                    "remediation plan `{}`: its {} {}-risk item(s) need {} approval(s), and {} of its current content {} recorded",
                    plan.value.id,
                    c.items.len(),
                    class.as_str(),
                    c.approvals,
                    have,
                    if have == 1 { "is" } else { "are" }
                ),
                format!(
                    "have {} reviewer(s) approve the plan's pull request; after the merge, `aegis policy approvals sync` records their approvals",
                    c.approvals
                ),
            ));
        }
    }
    for (code, file, ptr, message, help) in found {
        ctx.emit(code, file, &ptr, message, help);
    }
}
