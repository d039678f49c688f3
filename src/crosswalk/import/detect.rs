//! Which crosswalk format a document is, judged by its content: the zip
//! signature of a workbook, the root element of XML, the top-level key of
//! JSON, the header of a trestle CSV, the mapping-set key of a CISO
//! Assistant library. The file name is never consulted.

use crate::ingest::detect::{HEAD_BYTES, Head, Syntax};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A CISO Assistant library holding `requirement_mapping_set(s)`.
    CisoAssistant,
    /// An OSCAL `mapping-collection` (JSON).
    OscalMapping,
    /// compliance-trestle's mapping CSV (`$$Map_Source_ID_Ref_list`, ...).
    TrestleCsv,
    /// An XLSX workbook: NIST's OLIR concept crosswalk, its SP 800-53
    /// mapping workbooks, or the rev4/rev5 comparison workbook.
    Workbook,
    /// DISA's Control Correlation Identifier list (XML).
    CciList,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::CisoAssistant => "CISO Assistant mapping library",
            Format::OscalMapping => "OSCAL mapping-collection",
            Format::TrestleCsv => "trestle mapping CSV",
            Format::Workbook => "NIST crosswalk workbook",
            Format::CciList => "DISA CCI list",
        }
    }

    /// The short name the JSON report uses.
    pub fn key(self) -> &'static str {
        match self {
            Format::CisoAssistant => "ciso-assistant",
            Format::OscalMapping => "oscal-mapping",
            Format::TrestleCsv => "trestle-csv",
            Format::Workbook => "nist-workbook",
            Format::CciList => "cci-list",
        }
    }
}

pub fn detect(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(Format::Workbook);
    }
    let head = Head::new(&bytes[..bytes.len().min(HEAD_BYTES)]);
    match head.syntax() {
        Syntax::Xml => head
            .xml_root()
            .filter(|(root, _)| root == "cci_list")
            .map(|_| Format::CciList),
        Syntax::Json => {
            let text = head.text()?;
            let first_key = text.trim_start().strip_prefix('{')?.trim_start();
            first_key
                .starts_with("\"mapping-collection\"")
                .then_some(Format::OscalMapping)
        }
        Syntax::Other => {
            let text = head.text()?;
            let first = text.lines().next().unwrap_or("");
            if first.contains("$$Map_Source_ID_Ref_list") {
                return Some(Format::TrestleCsv);
            }
            // The mapping-set key sits under `objects:`, after the library's
            // metadata, which is short; a framework library has none.
            let text = std::str::from_utf8(bytes).ok()?;
            text.lines()
                .any(|l| {
                    let t = l.trim_start();
                    l.len() > t.len()
                        && (t.starts_with("requirement_mapping_sets:")
                            || t.starts_with("requirement_mapping_set:"))
                })
                .then_some(Format::CisoAssistant)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_apart_by_content() {
        assert_eq!(detect(b"PK\x03\x04rest"), Some(Format::Workbook));
        assert_eq!(
            detect(b"<?xml version=\"1.0\"?>\n<cci_list xmlns=\"http://iase.disa.mil/cci\">"),
            Some(Format::CciList)
        );
        assert_eq!(
            detect(b"{\n  \"mapping-collection\": {\"uuid\": \"x\"}}"),
            Some(Format::OscalMapping)
        );
        assert_eq!(detect(b"{\"catalog\": {}}"), None);
        assert_eq!(
            detect(b"$$Source_Resource,$$Target_Resource,$$Map_Source_ID_Ref_list\n"),
            Some(Format::TrestleCsv)
        );
        assert_eq!(
            detect(b"urn: x\nobjects:\n  requirement_mapping_sets:\n  - urn: y\n"),
            Some(Format::CisoAssistant)
        );
        assert_eq!(
            detect(b"urn: x\nobjects:\n  framework:\n    urn: y\n"),
            None
        );
        assert_eq!(detect(b"<catalog/>"), None);
        assert_eq!(detect(b"\xff\xfe\x00garbage"), None);
    }
}
