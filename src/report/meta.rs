//! Who made a report, from what, and when: recorded in every artifact and
//! in the manifest beside it.

use crate::model::Date;
use std::path::Path;

/// The provenance of one report run.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Meta {
    /// `aegis <version>`.
    pub generator: String,
    /// The commit the repository was at (full hex id), when it is in git.
    pub commit: Option<String>,
    /// The time of record, RFC 3339 in UTC: the commit's time, so a rerun
    /// on the same commit is identical.
    pub generated: String,
}

impl Meta {
    /// The provenance of a report on the repository at `root`: its HEAD
    /// commit and that commit's time. Outside git, `SOURCE_DATE_EPOCH`
    /// (the reproducible-builds convention) when set, else midnight UTC of
    /// `as_of`.
    pub fn of(root: &Path, as_of: Date) -> Meta {
        let generator = format!("aegis {}", env!("CARGO_PKG_VERSION"));
        if let Some((commit, seconds)) = head(root) {
            return Meta {
                generator,
                commit: Some(commit),
                generated: rfc3339(seconds),
            };
        }
        let generated = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .map_or_else(|| format!("{as_of}T00:00:00Z"), rfc3339);
        Meta {
            generator,
            commit: None,
            generated,
        }
    }
}

/// HEAD's commit id and commit time (seconds since the epoch).
fn head(root: &Path) -> Option<(String, i64)> {
    let repo = gix::discover(root).ok()?;
    let commit = repo.head_commit().ok()?;
    let time = commit.time().ok()?;
    Some((commit.id.to_string(), time.seconds))
}

fn rfc3339(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_git_the_time_is_the_as_of_date() {
        let dir = tempfile::tempdir().expect("tempdir");
        let as_of: Date = "2026-06-30".parse().expect("date");
        let m = Meta::of(dir.path(), as_of);
        assert_eq!(m.commit, None);
        if std::env::var_os("SOURCE_DATE_EPOCH").is_none() {
            assert_eq!(m.generated, "2026-06-30T00:00:00Z");
        }
        assert!(m.generator.starts_with("aegis "));
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_782_777_600), "2026-06-30T00:00:00Z");
    }
}
