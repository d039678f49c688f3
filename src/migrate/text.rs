//! The migration steps applied to a file's text, through `crate::edit`, so
//! comments, key order and spelling survive everywhere except the keys
//! that move. The result is checked against [`super::upgrade_tree`] on
//! the original: both readings of the steps must agree, or nothing is
//! written.

use super::{Change, Op, Step, upgrade_tree};
use crate::edit::{self, EditError};
use crate::workspace::yaml::{self, Node};

#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    #[error(transparent)]
    Edit(#[from] EditError),
    #[error(
        "`{key}` cannot move to `{parent}.{as_key}`: the file already has `{parent}`; merge the two by hand"
    )]
    Taken {
        key: &'static str,
        parent: &'static str,
        as_key: &'static str,
    },
    #[error("the YAML cannot be read (line {line}, column {column}): {message}")]
    Syntax {
        line: u32,
        column: u32,
        message: String,
    },
    #[error(
        "the rewritten file does not read as the upgraded one (this is a bug in Aegis); the file was left unchanged"
    )]
    Disagrees,
}

/// `text` (one YAML document) with `steps` applied, and what changed.
pub fn rewrite(text: &str, steps: &[&Step]) -> Result<(String, Vec<Change>), RewriteError> {
    let mut out = text.to_string();
    let mut changes = Vec::new();
    for step in steps {
        let mut done: Vec<&'static str> = Vec::new();
        for op in step.ops {
            let Op::Nest { parent, .. } = *op;
            if done.contains(&parent) {
                continue;
            }
            done.push(parent);
            // Every key that moves under this parent, in the steps' order,
            // so the parent is written once with all of them.
            let group: Vec<(&'static str, &'static str)> = step
                .ops
                .iter()
                .map(|o| {
                    let Op::Nest {
                        key,
                        parent: p,
                        as_key,
                    } = *o;
                    (key, p, as_key)
                })
                .filter(|(_, p, _)| *p == parent)
                .map(|(k, _, a)| (k, a))
                .collect();
            let mut value = String::new();
            let mut first = None;
            let mut moved = Vec::new();
            let taken = edit::value_text(&out, parent)?.is_some();
            for (key, as_key) in &group {
                let Some(v) = edit::value_text(&out, key)? else {
                    continue;
                };
                if taken {
                    return Err(RewriteError::Taken {
                        key,
                        parent,
                        as_key,
                    });
                }
                first.get_or_insert(*key);
                value.push_str(as_key);
                value.push(':');
                value.push_str(&v);
                if !value.ends_with('\n') {
                    value.push('\n');
                }
                moved.push((*key, *as_key));
            }
            let Some(first) = first else { continue };
            out = edit::set_key_after(&out, parent, &value, Some(first))?;
            for (key, as_key) in moved {
                out = edit::remove_key(&out, key)?;
                changes.push(Change::Moved {
                    from: key.to_string(),
                    to: format!("{parent}.{as_key}"),
                });
            }
        }
        let to = step.from + 1;
        out = edit::set_key(&out, "schema_version", &to.to_string())?;
        changes.push(Change::Set {
            key: "schema_version".to_string(),
            from: step.from.to_string(),
            to: to.to_string(),
        });
    }
    let mut expected = parse(text)?;
    upgrade_tree(&mut expected, steps);
    if parse(&out)?.to_json() != expected.to_json() {
        return Err(RewriteError::Disagrees);
    }
    Ok((out, changes))
}

fn parse(text: &str) -> Result<Node, RewriteError> {
    yaml::parse(text, yaml::YamlLimits::default(), yaml::Shift::default()).map_err(|e| {
        RewriteError::Syntax {
            line: e.pos.line,
            column: e.pos.column,
            message: e.message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Kind;

    fn migrate(text: &str) -> (String, Vec<Change>) {
        let steps = super::super::path(Kind::Risk, 1).expect("path");
        rewrite(text, &steps).expect("rewrite")
    }

    #[test]
    fn risk_v1_becomes_v2_keeping_comments_and_order() {
        let v1 = "\
# yaml-language-server: $schema=../schemas/risk.schema.json
schema_version: 1 # bumped by aegis migrate
id: R-1
title: Former staff keep access
owner: \"@security-lead\"
# Likelihood from the 2025 workshop.
likelihood: 2  # unlikely
impact: 4
treatment: mitigate
loss_event_frequency:   # per year
  min: 0.1
  # nobody has seen more than two
  most_likely: 0.5
  max: 2
loss_magnitude: {min: 1000, most_likely: 5000, max: 90000}
residual: {likelihood: 1, impact: 4}
";
        let (v2, changes) = migrate(v1);
        assert_eq!(
            v2,
            "\
# yaml-language-server: $schema=../schemas/risk.schema.json
schema_version: 2 # bumped by aegis migrate
id: R-1
title: Former staff keep access
owner: \"@security-lead\"
# Likelihood from the 2025 workshop.
inherent:
  likelihood: 2  # unlikely
  impact: 4
treatment: mitigate
loss:
  frequency:   # per year
    min: 0.1
    # nobody has seen more than two
    most_likely: 0.5
    max: 2
  magnitude: {min: 1000, most_likely: 5000, max: 90000}
residual: {likelihood: 1, impact: 4}
"
        );
        let said: Vec<String> = changes.iter().map(ToString::to_string).collect();
        assert_eq!(
            said,
            [
                "moved `likelihood` to `inherent.likelihood`",
                "moved `impact` to `inherent.impact`",
                "moved `loss_event_frequency` to `loss.frequency`",
                "moved `loss_magnitude` to `loss.magnitude`",
                "set `schema_version` from 1 to 2",
            ]
        );
    }

    #[test]
    fn crlf_files_stay_crlf() {
        let (v2, _) = migrate("schema_version: 1\r\nlikelihood: 2\r\nimpact: 4\r\n");
        assert_eq!(
            v2,
            "schema_version: 2\r\ninherent:\r\n  likelihood: 2\r\n  impact: 4\r\n"
        );
    }

    #[test]
    fn a_taken_parent_is_refused() {
        let steps = super::super::path(Kind::Risk, 1).expect("path");
        let err = rewrite(
            "schema_version: 1\nlikelihood: 2\ninherent: {impact: 3}\n",
            &steps,
        )
        .expect_err("taken");
        assert!(err.to_string().contains("already has `inherent`"), "{err}");
    }

    #[test]
    fn flow_top_level_is_refused_not_guessed() {
        let steps = super::super::path(Kind::Risk, 1).expect("path");
        assert!(rewrite("{schema_version: 1, likelihood: 2}\n", &steps).is_err());
    }
}
