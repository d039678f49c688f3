//! Compliance through git history: the posture at any commit (`--at`),
//! the delta between two states (`aegis diff`, `delta`), and the trend
//! over many commits (`aegis history`, `trend`). Every state is read from
//! the object database (`workspace::git`), never from a checkout, then
//! runs through the same pipeline as the working tree.

pub mod delta;
pub mod trend;

use crate::model::Date;
use crate::pipeline::{self, CheckOptions, Run};
use crate::validate;
use crate::workspace::LoadError;
use crate::workspace::git::{At, Commit, GitError, GitRepo};
use std::path::Path;

/// Why a state could not be evaluated (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{0}")]
    Range(String),
}

/// One evaluated state of the repository: a commit, or the working tree.
pub struct State {
    /// `None` for the working tree.
    pub commit: Option<Commit>,
    /// The day dates were judged against.
    pub as_of: Date,
    /// The full gate's run (`aegis check`).
    pub run: Run,
}

impl State {
    /// `abc123456789` or `working tree`.
    pub fn label(&self) -> String {
        self.commit
            .as_ref()
            .map_or_else(|| "working tree".to_string(), |c| c.short().to_string())
    }
}

/// Runs the full gate on `commit`, judging dates as of `as_of`, else the
/// commit's date.
/// Records checked at another commit come from `memo` (both sides of a
/// diff share most of their files).
pub fn at_commit(
    git: &GitRepo,
    commit: &Commit,
    as_of: Option<Date>,
    memo: &validate::Memo,
) -> Result<State, Error> {
    let ws = git.load(commit)?;
    let day = as_of.unwrap_or(commit.date);
    Ok(State {
        commit: Some(commit.clone()),
        as_of: day,
        run: pipeline::run_loaded_memo(ws, day, Some(CheckOptions::default()), Some(memo)),
    })
}

/// Runs the full gate on the working tree at `root`, as of `as_of` or today.
pub fn at_worktree(root: &Path, as_of: Option<Date>) -> Result<State, Error> {
    let day = as_of.unwrap_or_else(Date::today_utc);
    Ok(State {
        commit: None,
        as_of: day,
        run: pipeline::check(root, day, CheckOptions::default())?,
    })
}

/// A range as `aegis diff` takes it: `BASE..HEAD`, `BASE...HEAD` (from the
/// merge base of the two), or `BASE..` (to the working tree). Each side
/// is a revision or a day (YYYY-MM-DD), as `--at` takes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Range {
    pub base: String,
    /// `None`: the working tree.
    pub head: Option<String>,
    /// `...`: compare from the merge base of BASE and HEAD.
    pub merge_base: bool,
}

impl Range {
    pub fn parse(s: &str) -> Result<Range, Error> {
        let (base, head, merge_base) = if let Some((b, h)) = s.split_once("...") {
            (b, h, true)
        } else if let Some((b, h)) = s.split_once("..") {
            (b, h, false)
        } else {
            return Err(Error::Range(format!(
                "`{}` is not a range; write BASE..HEAD, BASE...HEAD (from their merge base) or BASE.. (to the working tree)",
                crate::output::escape::text(s)
            )));
        };
        if base.is_empty() {
            return Err(Error::Range(format!(
                "`{}` names no base; write BASE..HEAD, e.g. main..HEAD",
                crate::output::escape::text(s)
            )));
        }
        if merge_base && head.is_empty() {
            return Err(Error::Range(
                "BASE... needs a HEAD: the merge base is of two commits (write BASE...HEAD)".into(),
            ));
        }
        Ok(Range {
            base: base.to_string(),
            head: (!head.is_empty()).then(|| head.to_string()),
            merge_base,
        })
    }

    /// Evaluates both sides: the base commit (or merge base) and the head
    /// commit or working tree.
    pub fn evaluate(&self, root: &Path, as_of: Option<Date>) -> Result<(State, State), Error> {
        let git = GitRepo::open(root)?;
        let base = git.resolve(&At::parse(&self.base))?;
        let head = match &self.head {
            Some(h) => Some(git.resolve(&At::parse(h))?),
            None => None,
        };
        let base = match (&head, self.merge_base) {
            (Some(h), true) => git.merge_base(&base, h)?,
            _ => base,
        };
        let memo = validate::Memo::default();
        let base_state = at_commit(&git, &base, as_of, &memo)?;
        let head_state = match &head {
            Some(h) => at_commit(&git, h, as_of, &memo)?,
            None => at_worktree(root, as_of)?,
        };
        Ok((base_state, head_state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse() {
        let r = Range::parse("main..HEAD").expect("range");
        assert_eq!(
            (r.base.as_str(), r.head.as_deref(), r.merge_base),
            ("main", Some("HEAD"), false)
        );
        let r = Range::parse("main...feature").expect("range");
        assert_eq!(
            (r.base.as_str(), r.head.as_deref(), r.merge_base),
            ("main", Some("feature"), true)
        );
        let r = Range::parse("v1..").expect("range");
        assert_eq!((r.base.as_str(), r.head, r.merge_base), ("v1", None, false));
        assert!(Range::parse("main").is_err());
        assert!(Range::parse("..HEAD").is_err());
        assert!(Range::parse("main...").is_err());
    }
}
