//! The migration steps applied to a parsed document, in memory. Moved
//! values keep their positions, so a diagnostic about a moved value still
//! points at the line where the user wrote it.

use super::{Change, Op, Step};
use crate::workspace::yaml::{Entry, Map, Node, Value};

/// Applies `steps` to the document `root` and returns what changed. A key
/// that cannot move (its new place is taken) stays where it is, so the
/// schema check reports it as the unknown key it is.
pub fn upgrade_tree(root: &mut Node, steps: &[&Step]) -> Vec<Change> {
    let mut changes = Vec::new();
    let Value::Map(map) = &mut root.value else {
        return changes;
    };
    for step in steps {
        for op in step.ops {
            match *op {
                Op::Nest {
                    key,
                    parent,
                    as_key,
                } => {
                    if let Some(change) = nest(map, key, parent, as_key) {
                        changes.push(change);
                    }
                }
            }
        }
        let to = step.from + 1;
        if let Some(v) = map.get_mut("schema_version") {
            v.value = Value::UInt(u64::from(to));
        }
        changes.push(Change::Set {
            key: "schema_version".to_string(),
            from: step.from.to_string(),
            to: to.to_string(),
        });
    }
    changes
}

fn nest(map: &mut Map, key: &str, parent: &str, as_key: &str) -> Option<Change> {
    let at = map.position(key)?;
    match map.get_mut(parent) {
        Some(Node {
            value: Value::Map(inner),
            ..
        }) if !inner.contains_key(as_key) => {}
        Some(_) => return None,
        None => {
            let pos = map[at].key_pos;
            map.insert(
                at,
                Entry {
                    key: parent.to_string(),
                    key_pos: pos,
                    value: Node {
                        pos,
                        value: Value::Map(Map::default()),
                    },
                },
            );
        }
    }
    let mut entry = map.remove(key)?;
    entry.key = as_key.to_string();
    if let Some(Node {
        value: Value::Map(inner),
        ..
    }) = map.get_mut(parent)
    {
        let end = inner.len();
        inner.insert(end, entry);
    }
    Some(Change::Moved {
        from: key.to_string(),
        to: format!("{parent}.{as_key}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Kind;
    use crate::workspace::yaml::{Shift, YamlLimits, parse};

    fn upgraded(text: &str) -> (serde_json::Value, Vec<Change>) {
        let mut tree = parse(text, YamlLimits::default(), Shift::default()).expect("yaml");
        let steps = super::super::path(Kind::Risk, 1).expect("path");
        let changes = upgrade_tree(&mut tree, &steps);
        (tree.to_json(), changes)
    }

    #[test]
    fn risk_v1_moves_ratings_and_loss_under_their_parents() {
        let (json, changes) = upgraded(
            "schema_version: 1\nid: R-1\nlikelihood: 3\nimpact: 4\n\
             loss_event_frequency: {min: 1, most_likely: 2, max: 3}\ntreatment: accept\n",
        );
        assert_eq!(json["schema_version"], 2);
        assert_eq!(json["inherent"]["likelihood"], 3);
        assert_eq!(json["inherent"]["impact"], 4);
        assert_eq!(json["loss"]["frequency"]["max"], 3);
        assert!(json.get("likelihood").is_none());
        assert!(json["loss"].get("magnitude").is_none());
        assert_eq!(changes.len(), 4, "{changes:?}");
        assert_eq!(
            changes[0].to_string(),
            "moved `likelihood` to `inherent.likelihood`"
        );
        assert_eq!(changes[3].to_string(), "set `schema_version` from 1 to 2");
    }

    #[test]
    fn a_taken_place_leaves_the_key_where_it_is() {
        let (json, _) = upgraded("schema_version: 1\nlikelihood: 3\ninherent: {likelihood: 2}\n");
        assert_eq!(json["likelihood"], 3);
        assert_eq!(json["inherent"]["likelihood"], 2);
    }
}
