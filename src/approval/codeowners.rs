//! CODEOWNERS as GitHub reads it (docs "About code owners"): the first of
//! `.github/CODEOWNERS`, `CODEOWNERS` and `docs/CODEOWNERS`; one pattern
//! and its owners per line; `#` starts a comment; patterns follow
//! gitignore's rules except that `!` negation, `[ ]` ranges and `\#`
//! escapes are not supported (such lines are skipped and reported); the
//! **last** matching pattern decides, and a pattern with no owners leaves
//! the path unowned. Matching is case-sensitive.
//!
//! gitignore's rules, as used here: a pattern with a `/` at its start or
//! in its middle is anchored at the repository root, otherwise it matches
//! a name at any depth; a trailing `/` matches directories only; a
//! pattern that names a directory owns everything below it, but one whose
//! last segment has a wildcard matches only at that level (GitHub's
//! `docs/*` example); `*` and `?` match within one path segment, `**` any
//! number of segments.
//!
//! (The `ignore` crate's gitignore matcher was not used: it implements
//! `!` negation and character classes, which GitHub rejects, and answers
//! "ignored or not" rather than which line matched last.)

/// Where GitHub looks for the file, in order; the first found is used.
pub const LOCATIONS: &[&str] = &[".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// GitHub ignores a CODEOWNERS file larger than this.
pub const MAX_BYTES: usize = 3 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub line: usize,
    pub pattern: String,
    /// `@login`, `@org/team` or an e-mail address, as written.
    pub owners: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeOwners {
    /// Where it was read from.
    pub path: String,
    pub rules: Vec<Rule>,
    /// Lines skipped, with why.
    pub skipped: Vec<(usize, String)>,
}

impl CodeOwners {
    pub fn parse(path: &str, text: &str) -> CodeOwners {
        let mut out = CodeOwners {
            path: path.to_string(),
            ..CodeOwners::default()
        };
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let content = match raw.find('#') {
                Some(at) => &raw[..at],
                None => raw,
            };
            let mut words = content.split_whitespace();
            let Some(pattern) = words.next() else {
                continue;
            };
            if pattern.starts_with('!') {
                out.skipped
                    .push((line, "negation (`!`) is not supported by GitHub".into()));
                continue;
            }
            if pattern.contains('[') || pattern.contains(']') {
                out.skipped.push((
                    line,
                    "character ranges (`[ ]`) are not supported by GitHub".into(),
                ));
                continue;
            }
            if pattern.contains('\\') {
                out.skipped
                    .push((line, "escapes (`\\`) are not supported by GitHub".into()));
                continue;
            }
            out.rules.push(Rule {
                line,
                pattern: pattern.to_string(),
                owners: words.map(str::to_string).collect(),
            });
        }
        out
    }

    /// The rule that decides `path` (repository-relative, `/`-separated):
    /// the last that matches.
    pub fn rule_for(&self, path: &str) -> Option<&Rule> {
        self.rules.iter().rev().find(|r| matches(&r.pattern, path))
    }

    /// The owners of `path` (empty when unowned).
    pub fn owners_of(&self, path: &str) -> &[String] {
        self.rule_for(path).map_or(&[], |r| r.owners.as_slice())
    }
}

/// Whether the CODEOWNERS `pattern` matches the file at `path`.
pub fn matches(pattern: &str, path: &str) -> bool {
    let dir_only = pattern.ends_with('/');
    let body = pattern.trim_end_matches('/');
    let anchored = body.starts_with('/') || body.contains('/');
    let body = body.trim_start_matches('/');
    if body.is_empty() {
        // `/` alone: the whole repository.
        return dir_only;
    }
    let pat: Vec<&str> = body.split('/').collect();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // A directory the pattern names owns what is below it; a wildcard in
    // the last segment matches only what is at that level (GitHub:
    // `docs/*` owns docs/a.md, not docs/b/c.md).
    let names_dirs = !pat.last().is_some_and(|l| l.contains(['*', '?'])) || body == "**";
    // A match on the path, or on a directory above it (which owns it).
    for k in 1..=segs.len() {
        let is_dir = k < segs.len();
        if (dir_only && !is_dir) || (is_dir && !names_dirs) {
            continue;
        }
        let prefix = &segs[..k];
        let hit = if anchored {
            segments(&pat, prefix)
        } else {
            glob(body, prefix[k - 1])
        };
        if hit {
            return true;
        }
    }
    false
}

/// Pattern segments against path segments; `**` spans any number.
fn segments(pat: &[&str], segs: &[&str]) -> bool {
    match pat.split_first() {
        None => segs.is_empty(),
        Some((&"**", rest)) => (0..=segs.len()).any(|skip| segments(rest, &segs[skip..])),
        Some((p, rest)) => match segs.split_first() {
            Some((s, more)) => glob(p, s) && segments(rest, more),
            None => false,
        },
    }
}

/// `*` (any run) and `?` (one character) within one segment.
fn glob(pat: &str, s: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let t: Vec<char> = s.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitignore_patterns_as_github_documents_them() {
        // Examples from GitHub's "About code owners".
        assert!(matches("*", "policies/access.md"));
        assert!(matches("*.js", "src/app/x.js"));
        assert!(!matches("*.js", "src/app/x.jsx"));
        assert!(matches("/build/logs/", "build/logs/a/b.log"));
        assert!(!matches("/build/logs/", "src/build/logs/a.log"));
        assert!(matches("docs/*", "docs/getting-started.md"));
        assert!(!matches("docs/*", "docs/build-app/troubleshooting.md"));
        assert!(!matches("docs/*", "src/docs/x.md"));
        assert!(matches("apps/", "src/apps/x/y.rb"));
        assert!(matches("/docs/", "docs/a/b.md"));
        assert!(matches("**/logs", "deeply/nested/logs/x.log"));
        assert!(matches("/scripts/", "scripts/a.sh"));
        assert!(matches("policies", "policies/access.md"));
        assert!(matches("policies/**/*.md", "policies/a/b/c.md"));
        assert!(matches("policies/**/*.md", "policies/c.md"));
        assert!(matches("/policies/acc?ss.md", "policies/access.md"));
        assert!(
            !matches("Policies/", "policies/access.md"),
            "case-sensitive"
        );
        assert!(
            !matches("apps/", "apps"),
            "a trailing / matches directories only"
        );
    }

    #[test]
    fn the_last_match_wins_and_bad_lines_are_skipped() {
        let co = CodeOwners::parse(
            ".github/CODEOWNERS",
            "# owners\n*       @octo/everyone\n/policies/   @octo/policy-owners @alice # the policy team\n/policies/retired.md\n!/policies/x.md @mallory\n/policies/[ab].md @mallory\n",
        );
        assert_eq!(co.owners_of("src/main.rs"), ["@octo/everyone"]);
        assert_eq!(
            co.owners_of("policies/access.md"),
            ["@octo/policy-owners", "@alice"]
        );
        assert!(co.owners_of("policies/retired.md").is_empty(), "unowned");
        assert_eq!(co.rule_for("policies/access.md").map(|r| r.line), Some(3));
        assert_eq!(
            co.skipped.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            vec![5, 6]
        );
    }
}
