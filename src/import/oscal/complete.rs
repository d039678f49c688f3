//! Whether a YAML OSCAL document is whole.
//!
//! JSON and XML close every object they open, so a file cut short fails to
//! parse. Block YAML closes nothing: a file cut at a line break, or inside
//! a plain scalar, is often still valid YAML, just a shorter document
//! (`head -c 1200000` of the SP 800-53 catalog is a catalog of 619
//! controls). So a YAML document must also *say* where it ends:
//!
//! 1. the file ends with a line break, as every YAML writer ends it (a cut
//!    inside a line has none);
//! 2. the catalog or profile ends with `back-matter`, the member OSCAL puts
//!    last, or the document ends with YAML's end-of-document line `...`
//!    (a cut anywhere before the back-matter loses it);
//! 3. every back-matter resource a link names (`#<uuid>`) is there, and no
//!    resource is only a uuid (a cut inside the back-matter loses the
//!    resources after it, and usually one that something links to).
//!
//! What these cannot see is a cut at a line break inside the back-matter,
//! after the last resource anything links to: it loses resources or fields
//! that nothing in the document refers to, never a control, group,
//! parameter, part or profile selection.

use crate::import::ImportError;
use crate::workspace::yaml::{Node, Value};
use std::collections::HashSet;
use std::path::Path;

/// Rule 1, before parsing (a cut inside a line is the common case, and
/// this costs nothing): the YAML `text` ends with a line break.
pub fn check_line_break(text: &str, path: &Path) -> Result<(), ImportError> {
    if text.is_empty() || text.ends_with('\n') {
        return Ok(());
    }
    Err(ImportError::Truncated {
        path: path.to_path_buf(),
        line: text.lines().count().max(1),
        reason: "the file does not end with a line break".into(),
    })
}

/// Checks that `root`, parsed from the YAML `text` read from `path`, is a
/// whole OSCAL document, not the head of one.
pub fn check_yaml(text: &str, root: &Node, path: &Path) -> Result<(), ImportError> {
    check_line_break(text, path)?;
    let last_line = text.lines().count().max(1);
    let cut = |line: usize, reason: String| ImportError::Truncated {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let Value::Map(entries) = &root.value else {
        return Ok(());
    };
    let Some(top) = entries
        .iter()
        .find(|e| e.key == "catalog" || e.key == "profile")
    else {
        return Ok(());
    };
    let Value::Map(members) = &top.value.value else {
        return Err(cut(last_line, format!("the {} is empty", top.key)));
    };
    let explicit_end = text
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        == Some("...");
    let back_matter = members.iter().find(|e| e.key == "back-matter");
    let ends_with_back_matter = members.last().is_some_and(|e| e.key == "back-matter");
    if !ends_with_back_matter && !explicit_end {
        return Err(cut(
            last_line,
            format!(
                "the {} does not end with `back-matter` (the member OSCAL puts last) and the file does not end with YAML's end-of-document line `...`",
                top.key
            ),
        ));
    }
    let mut uuids = HashSet::new();
    collect_uuids(&top.value, &mut uuids);
    if let Some(bm) = back_matter
        && let Some(resources) = bm.value.get("resources")
        && let Value::Seq(items) = &resources.value
    {
        for r in items {
            if let Value::Map(fields) = &r.value
                && fields.iter().all(|f| f.key == "uuid")
            {
                return Err(cut(
                    r.pos.line as usize,
                    "a back-matter resource holds nothing but its uuid".into(),
                ));
            }
        }
    }
    if let Some((line, target)) = dangling(&top.value, &uuids) {
        return Err(cut(
            line,
            format!(
                "a link names `#{}`, which no resource of the document has",
                crate::excerpt::text(target)
            ),
        ));
    }
    Ok(())
}

fn collect_uuids<'a>(n: &'a Node, out: &mut HashSet<&'a str>) {
    let mut stack = vec![n];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Map(entries) => {
                for e in entries {
                    if e.key == "uuid"
                        && let Value::Str(s) = &e.value.value
                    {
                        out.insert(s);
                    }
                    stack.push(&e.value);
                }
            }
            Value::Seq(items) => stack.extend(items),
            _ => {}
        }
    }
}

/// The first `href: '#<uuid>'` whose uuid is not in `uuids`, in document
/// order: (line, uuid). Links to control or part ids are not judged (a
/// resolved baseline catalog links to controls it does not hold).
fn dangling<'a>(n: &'a Node, uuids: &HashSet<&str>) -> Option<(usize, &'a str)> {
    let mut stack = vec![n];
    let mut first: Option<(usize, &'a str)> = None;
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Map(entries) => {
                for e in entries {
                    if e.key == "href"
                        && let Value::Str(s) = &e.value.value
                        && let Some(target) = s.strip_prefix('#')
                        && is_uuid(target)
                        && !uuids.contains(target)
                    {
                        let line = e.value.pos.line as usize;
                        if first.is_none_or(|(l, _)| line < l) {
                            first = Some((line, target));
                        }
                    }
                    stack.push(&e.value);
                }
            }
            Value::Seq(items) => stack.extend(items),
            _ => {}
        }
    }
    first
}

/// `8-4-4-4-12` hexadecimal digits, the shape of every OSCAL uuid.
fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<(), ImportError> {
        let node = crate::workspace::yaml::parse(text, Default::default(), Default::default())
            .expect("yaml");
        check_yaml(text, &node, Path::new("c.yaml"))
    }

    const WHOLE: &str = "catalog:
  uuid: 11111111-1111-4111-8111-111111111111
  metadata:
    title: T
    links:
      - href: '#22222222-2222-4222-8222-222222222222'
  controls:
    - id: c-1
      title: One
    - id: c-2
      title: Two
  back-matter:
    resources:
      - uuid: 22222222-2222-4222-8222-222222222222
        title: Doc
";

    #[test]
    fn a_whole_document_passes_and_every_cut_of_it_is_refused() {
        check(WHOLE).expect("whole");
        for (i, _) in WHOLE.char_indices().skip(1) {
            let head = &WHOLE[..i];
            if let Ok(node) =
                crate::workspace::yaml::parse(head, Default::default(), Default::default())
            {
                assert!(
                    check_yaml(head, &node, Path::new("c.yaml")).is_err(),
                    "cut at byte {i} accepted:\n{head}"
                );
            }
        }
    }

    #[test]
    fn an_explicit_end_stands_in_for_back_matter() {
        let text = "catalog:\n  uuid: u\n  controls:\n    - id: c-1\n      title: One\n...\n";
        check(text).expect("explicit end");
        let e = check("catalog:\n  uuid: u\n  controls:\n    - id: c-1\n      title: One\n")
            .expect_err("no end");
        assert!(
            matches!(e, ImportError::Truncated { line: 5, .. }) && e.to_string().contains("..."),
            "{e}"
        );
        let e = check("catalog:\n  uuid: u\n  back-matter: {}").expect_err("no line break");
        assert!(e.to_string().contains("line break"), "{e}");
    }
}
