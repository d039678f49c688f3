//! Burp Suite's XML issues export (`<issues burpVersion=...>`, one
//! `<issue>` per finding and location). One result per (host, issue
//! type); each issue's path becomes an observation, with the first line
//! of its request and response when the export includes them. See
//! `docs/ingest/burp.md`.

use super::fold::{self, Fold};
use crate::ingest::xml::XmlStream;
use crate::ingest::{
    Head, IngestError, Observation, Reader, Refs, RuleResult, Scan, ScanResult, Severity,
};
use std::io::BufRead;
use std::path::Path;

const NAME: &str = "burp";
const ROOT: &str = "issues";
/// Base64 characters decoded of a request or response (enough for its
/// first line; the rest is never decoded).
const BASE64_PREFIX: usize = 512;
/// Characters kept of a request or response line.
const LINE_CHARS: usize = 160;

pub struct Burp;

impl Reader for Burp {
    fn name(&self) -> &'static str {
        NAME
    }

    fn describe(&self) -> &'static str {
        "Burp Suite XML issues export"
    }

    fn detect(&self, head: &Head) -> bool {
        matches!(head.xml_root(), Some((root, None)) if root == ROOT)
            && (head.contains("burpVersion=") || head.contains("<serialNumber>"))
    }

    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
        crate::ingest::xml::pipe(input, path, NAME, |x| {
            let root = x.root_in_no_namespace(ROOT, "Burp")?;
            let mut fold = Fold::default();
            while let Some(child) = x.next_child()? {
                if child.name != "issue" {
                    x.skip()?;
                    continue;
                }
                let line = x.line();
                let issue = read_issue(x)?;
                fold.add(issue.into_result().map_err(|m| {
                    IngestError::malformed(path, NAME, Some(line), format!("the <issue> here {m}"))
                })?);
            }
            Ok(vec![Scan {
                format: NAME,
                tool: "Burp Suite".into(),
                tool_version: root.attr("burpVersion").and_then(fold::some),
                id: None,
                time: root.attr("exportTime").and_then(fold::some),
                profile: None,
                results: fold.finish(),
                stated: Default::default(),
                fixes: Default::default(),
            }])
        })
    }
}

#[derive(Default)]
struct Issue {
    kind: Option<String>,
    name: Option<String>,
    host: Option<String>,
    ip: Option<String>,
    path: Option<String>,
    location: Option<String>,
    severity: Option<String>,
    confidence: Option<String>,
    classifications: Option<String>,
    request: Option<String>,
    response: Option<String>,
}

fn read_issue<R: BufRead>(x: &mut XmlStream<R>) -> Result<Issue, IngestError> {
    let mut i = Issue::default();
    while let Some(child) = x.next_child()? {
        match child.name.as_str() {
            "type" => i.kind = fold::some(&x.text_until_end()?),
            "name" => i.name = fold::some(&x.text_until_end()?),
            "host" => {
                i.ip = child.attr("ip").and_then(fold::some);
                i.host = fold::some(&x.text_until_end()?);
            }
            "path" => i.path = fold::some(&x.text_until_end()?),
            "location" => i.location = fold::some(&x.text_until_end()?),
            "severity" => i.severity = fold::some(&x.text_until_end()?),
            "confidence" => i.confidence = fold::some(&x.text_until_end()?),
            "vulnerabilityClassifications" => i.classifications = fold::some(&x.text_until_end()?),
            "requestresponse" if i.request.is_none() && i.response.is_none() => {
                while let Some(part) = x.next_child()? {
                    let base64 = part.attr("base64") == Some("true");
                    match part.name.as_str() {
                        "request" => i.request = first_line(&x.text_until_end()?, base64),
                        "response" => i.response = first_line(&x.text_until_end()?, base64),
                        _ => x.skip()?,
                    }
                }
            }
            // Backgrounds, details, remediation, further request/response
            // pairs and Collaborator events are skipped unread.
            _ => x.skip()?,
        }
    }
    Ok(i)
}

impl Issue {
    fn into_result(self) -> Result<RuleResult, String> {
        let rule_id = self
            .kind
            .ok_or("has no <type>, the issue type that identifies its rule")?;
        let target = self.host.or(self.ip).ok_or("has no <host>")?;
        let word = self.severity.unwrap_or_default();
        let (result, severity, overridden) = match word.to_ascii_lowercase().as_str() {
            "high" => (ScanResult::Fail, Some(Severity::High), None),
            "medium" => (ScanResult::Fail, Some(Severity::Medium), None),
            "low" => (ScanResult::Fail, Some(Severity::Low), None),
            "information" | "info" | "informational" => {
                (ScanResult::Informational, Some(Severity::Info), None)
            }
            "false positive" => (
                ScanResult::Pass,
                None,
                Some("marked a false positive in Burp (severity False positive)".to_string()),
            ),
            _ => {
                return Err(format!(
                    "has severity `{}`, not High, Medium, Low, Information or False positive",
                    crate::excerpt::text(&word)
                ));
            }
        };
        let mut refs = Refs::default();
        if let Some(html) = &self.classifications {
            push_classifications(&mut refs, html);
        }
        let place = self.location.or(self.path).unwrap_or_default();
        let actual = match (&self.request, &self.response) {
            (Some(q), Some(r)) => Some(format!("{q} → {r}")),
            (Some(q), None) => Some(q.clone()),
            (None, Some(r)) => Some(r.clone()),
            (None, None) => None,
        };
        let observed = if place.is_empty() && actual.is_none() {
            Vec::new()
        } else {
            vec![Observation {
                name: fold::clip(&place, fold::VALUE_CHARS),
                expected: None,
                actual,
            }]
        };
        Ok(RuleResult {
            target,
            rule_id,
            title: self.name,
            result,
            severity,
            refs,
            observed,
            message: self.confidence.map(|c| format!("confidence: {c}")),
            overridden,
        })
    }
}

/// Burp's classification list (`<li><a href=...>CWE-79: Improper
/// Neutralization ...</a></li>`): each item's text starts with its id.
fn push_classifications(refs: &mut Refs, html: &str) {
    for segment in html.split('<').filter_map(|s| s.split_once('>')) {
        let text = segment.1.trim();
        let id: String = text
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if let Some(n) = id.strip_prefix("CWE-") {
            refs.push_cwe(n);
        } else if let Some(n) = id.strip_prefix("CAPEC-")
            && !n.is_empty()
            && n.chars().all(|c| c.is_ascii_digit())
        {
            refs.push_other("CAPEC", n);
        }
    }
}

/// The first line of a request or response, decoding only a prefix of
/// a base64 body.
fn first_line(text: &str, base64: bool) -> Option<String> {
    let decoded;
    let text = if base64 {
        decoded = decode_prefix(text.trim(), BASE64_PREFIX);
        decoded.as_str()
    } else {
        text
    };
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    Some(fold::clip(line, LINE_CHARS))
}

/// The text the first `max` characters of base64 `s` encode (lossy UTF-8;
/// anything that is not base64 ends it).
fn decode_prefix(s: &str, max: usize) -> String {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    }
    let mut out = Vec::with_capacity(max / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in s
        .bytes()
        .filter(|c| !c.is_ascii_whitespace())
        .take(max)
        .take_while(|c| *c != b'=')
    {
        let Some(v) = value(c) else { break };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(xml: &str) -> Result<Vec<Scan>, IngestError> {
        Burp.read(&mut xml.as_bytes(), Path::new("burp.xml"))
    }

    const SAMPLE: &str = r#"<?xml version="1.0"?>
<!DOCTYPE issues [
<!ELEMENT issues (issue*)>
<!ATTLIST issues burpVersion CDATA "">
<!ELEMENT issue (serialNumber, type, name, host, path, location, severity, confidence)>
]>
<issues burpVersion="2020.1" exportTime="Thu Feb 27 09:28:17 EST 2020">
  <issue>
    <serialNumber>1</serialNumber>
    <type>2098688</type>
    <name><![CDATA[Cross-origin resource sharing]]></name>
    <host ip="54.82.22.214">http://zero.test</host>
    <path><![CDATA[/a.js]]></path>
    <location><![CDATA[/a.js]]></location>
    <severity>Information</severity>
    <confidence>Certain</confidence>
    <issueBackground><![CDATA[<p>Mentions CWE-999 in prose.</p>]]></issueBackground>
    <vulnerabilityClassifications><![CDATA[<ul>
<li><a href="https://cwe.mitre.org/data/definitions/942.html">CWE-942: Overly Permissive Cross-domain Whitelist</a></li>
</ul>]]></vulnerabilityClassifications>
  </issue>
  <issue>
    <serialNumber>2</serialNumber>
    <type>2098688</type>
    <name><![CDATA[Cross-origin resource sharing]]></name>
    <host ip="54.82.22.214">http://zero.test</host>
    <path><![CDATA[/b.js]]></path>
    <location><![CDATA[/b.js]]></location>
    <severity>Low</severity>
    <confidence>Firm</confidence>
    <requestresponse>
      <request method="GET" base64="true"><![CDATA[R0VUIC9iLmpzIEhUVFAvMS4xDQpIb3N0OiB6ZXJvLnRlc3QNCg0K]]></request>
      <response base64="false"><![CDATA[HTTP/1.1 200 OK
Content-Type: text/javascript]]></response>
    </requestresponse>
  </issue>
  <issue>
    <serialNumber>3</serialNumber>
    <type>5245344</type>
    <name><![CDATA[Frameable response]]></name>
    <host ip="54.82.22.214">https://zero.test</host>
    <path><![CDATA[/]]></path>
    <location><![CDATA[/]]></location>
    <severity>Medium</severity>
    <confidence>Firm</confidence>
    <vulnerabilityClassifications><![CDATA[<ul>
<li><a href="https://cwe.mitre.org/data/definitions/693.html">CWE-693: Protection Mechanism Failure</a></li>
<li><a href="https://capec.mitre.org/data/definitions/103.html">CAPEC-103: Clickjacking</a></li>
</ul>]]></vulnerabilityClassifications>
  </issue>
  <issue>
    <serialNumber>4</serialNumber>
    <type>1049088</type>
    <name><![CDATA[SQL injection]]></name>
    <host ip="54.82.22.214">https://zero.test</host>
    <path><![CDATA[/q]]></path>
    <location><![CDATA[/q [id parameter]]]></location>
    <severity>False positive</severity>
    <confidence>Tentative</confidence>
  </issue>
</issues>"#;

    #[test]
    fn detects_burp_exports_by_content() {
        assert!(Burp.detect(&Head::new(SAMPLE.as_bytes())));
        assert!(!Burp.detect(&Head::new(b"<issues><item/></issues>")));
        assert!(!Burp.detect(&Head::new(b"<OWASPZAPReport/>")));
    }

    #[test]
    fn issues_fold_per_host_and_type() {
        let s = &read(SAMPLE).expect("reads")[0];
        assert_eq!(s.tool, "Burp Suite");
        assert_eq!(s.tool_version.as_deref(), Some("2020.1"));
        assert_eq!(s.time.as_deref(), Some("Thu Feb 27 09:28:17 EST 2020"));
        let r: Vec<_> = s
            .results
            .iter()
            .map(|r| (r.target.as_str(), r.rule_id.as_str(), r.result))
            .collect();
        assert_eq!(
            r,
            vec![
                ("http://zero.test", "2098688", ScanResult::Fail),
                ("https://zero.test", "5245344", ScanResult::Fail),
                ("https://zero.test", "1049088", ScanResult::Pass),
            ]
        );
        let cors = &s.results[0];
        assert_eq!(cors.severity, Some(Severity::Low));
        assert_eq!(
            cors.refs.cwe,
            vec!["CWE-942"],
            "not the background's CWE-999"
        );
        assert_eq!(cors.observed.len(), 2);
        assert_eq!(cors.observed[0].name, "/a.js");
        assert_eq!(
            cors.observed[1].actual.as_deref(),
            Some("GET /b.js HTTP/1.1 → HTTP/1.1 200 OK")
        );
        let frame = &s.results[1];
        assert_eq!(frame.refs.cwe, vec!["CWE-693"]);
        assert_eq!(
            frame.refs.other,
            vec![("CAPEC".to_string(), "103".to_string())]
        );
        assert!(
            s.results[2]
                .overridden
                .as_deref()
                .is_some_and(|o| o.contains("false positive"))
        );
    }

    #[test]
    fn every_severity_maps() {
        for (word, result, severity) in [
            ("High", ScanResult::Fail, Some(Severity::High)),
            ("Medium", ScanResult::Fail, Some(Severity::Medium)),
            ("Low", ScanResult::Fail, Some(Severity::Low)),
            (
                "Information",
                ScanResult::Informational,
                Some(Severity::Info),
            ),
            ("False positive", ScanResult::Pass, None),
        ] {
            let xml = format!(
                "<issues burpVersion=\"2\"><issue><type>1</type><host>h</host><severity>{word}</severity></issue></issues>"
            );
            let s = read(&xml).expect("reads");
            let r = &s[0].results[0];
            assert_eq!((r.result, r.severity), (result, severity), "{word}");
            assert_eq!(r.overridden.is_some(), word == "False positive");
        }
    }

    #[test]
    fn bad_exports_are_refused() {
        let e = read(&SAMPLE.replace("<severity>Medium", "<severity>Severe"))
            .expect_err("severity")
            .to_string();
        assert!(e.contains("burp.xml:") && e.contains("Severe"), "{e}");
        let e = read(&SAMPLE[..SAMPLE.len() - 200])
            .expect_err("cut")
            .to_string();
        assert!(e.contains("burp.xml:"), "{e}");
        let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE issues [<!ENTITY a \"aa\"><!ENTITY b \"&a;&a;\">]>\n<issues burpVersion=\"1\">&b;</issues>";
        assert!(matches!(read(bomb), Err(IngestError::XmlEntities { .. })));
        let ns = "<issues xmlns=\"urn:x\" burpVersion=\"1\"/>";
        assert!(read(ns).expect_err("ns").to_string().contains("namespace"));
        let notype = "<issues><issue><host>h</host><severity>Low</severity></issue></issues>";
        assert!(
            read(notype)
                .expect_err("type")
                .to_string()
                .contains("<type>")
        );
        assert!(read("").is_err());
        assert!(read("\u{0}binary").is_err());
    }

    #[test]
    fn base64_is_decoded_only_as_far_as_the_first_line() {
        assert_eq!(decode_prefix("R0VUIC8=", 100), "GET /");
        assert_eq!(decode_prefix("R0VUIC9hIEhUVFA=", 8), "GET /a");
        assert_eq!(decode_prefix("!!!", 100), "");
        assert_eq!(
            first_line("\n\n  HTTP/1.1 404 \n", false).as_deref(),
            Some("HTTP/1.1 404")
        );
    }
}
