//! DISA's CCI list (`U_CCI_List.xml`): which NIST SP 800-53 controls each
//! Control Correlation Identifier stands for, by 800-53 revision. Scanner
//! results in the DoD world (STIG checklists, SCC and SSG XCCDF) carry
//! CCIs; `aegis framework import` turns this list into the reference table
//! `controls/references/cci--<framework>.yaml` that ingest maps through.

use super::IngestError;
use super::xml::XmlEvent;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

/// Whether a file whose start is `head` is a CCI list.
pub fn is_cci_list(head: &super::Head) -> bool {
    head.xml_root().is_some_and(|(root, _)| root == "cci_list")
}

/// CCI id → (800-53 revision as the list writes it, `4` or `5`, control
/// id), in list order.
pub type CciList = BTreeMap<String, Vec<(String, String)>>;

/// Reads the list, keeping the references to NIST SP 800-53 revisions.
pub fn read(input: &mut dyn BufRead, path: &Path) -> Result<CciList, IngestError> {
    super::xml::pipe(input, path, "DISA CCI list", |xml| {
        let mut out = CciList::new();
        let mut current: Option<String> = None;
        // The depth inside the current cci_item: an end that leaves it ends it.
        let mut item_depth = 0;
        while let Some(e) = xml.next_event()? {
            match e {
                XmlEvent::Start(s) if s.name == "cci_item" => {
                    let Some(id) = s.attr("id") else {
                        return Err(xml.error("a cci_item has no id"));
                    };
                    let mut refs = super::Refs::default();
                    refs.push_cci(id);
                    current = refs.cci.into_iter().next();
                    item_depth = xml.depth();
                }
                XmlEvent::Start(s) if s.name == "reference" => {
                    let (Some(cci), Some(title), Some(index)) =
                        (current.as_ref(), s.attr("title"), s.attr("index"))
                    else {
                        continue;
                    };
                    if !title.contains("800-53") || title.contains("800-53A") {
                        continue;
                    }
                    let Some(revision) = s.attr("version") else {
                        continue;
                    };
                    if let Some(control) = control_of(index) {
                        let list = out.entry(cci.clone()).or_default();
                        let item = (revision.to_string(), control);
                        if !list.contains(&item) {
                            list.push(item);
                        }
                    }
                }
                XmlEvent::End if xml.depth() < item_depth => current = None,
                _ => {}
            }
        }
        if out.is_empty() {
            return Err(IngestError::malformed(
                path,
                "DISA CCI list",
                None,
                "no cci_item references NIST SP 800-53",
            ));
        }
        Ok(out)
    })
}

/// The control an 800-53 reference index names: `AC-2 (1) (a)` →
/// `AC-2(1)`, `AC-1 a 1` → `AC-1`, `SI-4 (4) (b)` → `SI-4(4)`. Statement
/// parts are dropped: findings are assessed per control.
pub fn control_of(index: &str) -> Option<String> {
    let s = index.trim();
    let (family, rest) = s.split_once('-')?;
    if family.len() != 2 || !family.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if number.is_empty() {
        return None;
    }
    let after = rest[number.len()..].trim_start();
    let enhancement = after
        .strip_prefix('(')
        .and_then(|a| a.split_once(')'))
        .map(|(n, _)| n.trim())
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    Some(match enhancement {
        Some(e) => format!("{family}-{number}({e})"),
        None => format!("{family}-{number}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_indexes_name_controls() {
        assert_eq!(control_of("AC-1 a 1").as_deref(), Some("AC-1"));
        assert_eq!(control_of("AC-2 (1) (a)").as_deref(), Some("AC-2(1)"));
        assert_eq!(control_of("AC-2(4)").as_deref(), Some("AC-2(4)"));
        assert_eq!(control_of("SI-4 (4) (b)").as_deref(), Some("SI-4(4)"));
        assert_eq!(control_of("AC-17 b").as_deref(), Some("AC-17"));
        assert_eq!(control_of("AC-1.1 (i and ii)").as_deref(), Some("AC-1"));
        assert_eq!(control_of("nonsense"), None);
    }

    #[test]
    fn the_list_keeps_800_53_references_by_revision() {
        let xml = r#"<?xml version="1.0"?>
<cci_list xmlns="http://iase.disa.mil/cci"><cci_items>
<cci_item id="CCI-000015"><references>
<reference creator="NIST" title="NIST SP 800-53 Revision 4" version="4" location="x" index="AC-2 (1)" />
<reference creator="NIST" title="NIST SP 800-53A" version="1" location="x" index="AC-2(1).1" />
<reference creator="NIST" title="NIST SP 800-53 Revision 5" version="5" location="x" index="AC-2 (1)" />
</references></cci_item>
<cci_item id="CCI-000016"><references/></cci_item>
</cci_items></cci_list>"#;
        let list = read(&mut xml.as_bytes(), Path::new("cci.xml")).expect("reads");
        assert_eq!(
            list.get("CCI-000015"),
            Some(&vec![
                ("4".to_string(), "AC-2(1)".to_string()),
                ("5".to_string(), "AC-2(1)".to_string())
            ])
        );
        assert!(!list.contains_key("CCI-000016"));
    }
}
