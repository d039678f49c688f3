//! OWASP ZAP reports: the traditional JSON report (`@version`, `site[]`,
//! `alerts[]`) and the traditional XML report (`OWASPZAPReport`), with or
//! without requests and responses. One result per (site, alert type):
//! the alert's `alertRef`, or its `pluginid` when the report predates
//! alert references; instances become the instance count and a few
//! observations. See `docs/ingest/zap.md`.

use super::fold::{self, Fold};
use crate::ingest::xml::XmlStream;
use crate::ingest::{
    Head, IngestError, Observation, Reader, Refs, RuleResult, Scan, ScanResult, Severity,
};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

const NAME: &str = "zap";
const ROOT: &str = "OWASPZAPReport";
/// Instances kept as observations per result.
const OBSERVED: usize = 3;
/// Characters kept of an instance's evidence.
const EVIDENCE_CHARS: usize = 200;

pub struct Zap;

impl Reader for Zap {
    fn name(&self) -> &'static str {
        NAME
    }

    fn describe(&self) -> &'static str {
        "OWASP ZAP traditional report, JSON or XML (alerts per site)"
    }

    fn detect(&self, head: &Head) -> bool {
        if matches!(head.xml_root(), Some((root, None)) if root == ROOT) {
            return true;
        }
        let keys = head.json_keys();
        let has = |k: &str| keys.iter().any(|x| x == k);
        has("site") && (has("@version") || has("@programName") || has("@generated"))
    }

    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
        let report = match fold::peek_json(input, path)? {
            Some(b'<') => read_xml(input, path)?,
            Some(b'{') => read_json(input, path)?,
            Some(_) => {
                return Err(IngestError::malformed(
                    path,
                    NAME,
                    Some(1),
                    "a ZAP report is JSON or XML; this is neither",
                ));
            }
            None => {
                return Err(IngestError::Empty {
                    path: path.to_path_buf(),
                });
            }
        };
        report.into_scan(path)
    }
}

/// A report, from either syntax.
#[derive(Default)]
struct Report {
    program: Option<String>,
    version: Option<String>,
    generated: Option<String>,
    created: Option<String>,
    sites: Vec<Site>,
}

#[derive(Default)]
struct Site {
    name: String,
    alerts: Vec<Alert>,
}

#[derive(Default)]
struct Alert {
    plugin_id: Option<String>,
    alert_ref: Option<String>,
    name: Option<String>,
    riskcode: Option<String>,
    confidence: Option<String>,
    cweid: Option<String>,
    wascid: Option<String>,
    count: Option<String>,
    instances: Vec<Instance>,
    tags: Vec<String>,
}

#[derive(Default, Deserialize)]
struct Instance {
    #[serde(default, deserialize_with = "fold::lenient")]
    uri: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    method: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    param: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    evidence: Option<String>,
}

impl Report {
    fn into_scan(self, path: &Path) -> Result<Vec<Scan>, IngestError> {
        let mut fold = Fold::default();
        let mut counts: HashMap<(String, String), u64> = HashMap::new();
        for site in self.sites {
            for (i, alert) in site.alerts.into_iter().enumerate() {
                let (r, count) = alert.into_result(&site.name).map_err(|m| {
                    IngestError::malformed(
                        path,
                        NAME,
                        None,
                        format!(
                            "{m} (alert {} of site {})",
                            i + 1,
                            crate::excerpt::text(&site.name)
                        ),
                    )
                })?;
                if r.overridden.is_none() {
                    *counts
                        .entry((r.target.clone(), r.rule_id.clone()))
                        .or_default() += count;
                }
                fold.add(r);
            }
        }
        let mut results = fold.finish();
        for r in &mut results {
            let n = counts
                .get(&(r.target.clone(), r.rule_id.clone()))
                .copied()
                .unwrap_or(0);
            if r.overridden.is_none() {
                r.message = Some(format!("{n} instance{}", if n == 1 { "" } else { "s" }));
            }
            r.observed.sort_by(|a, b| a.name.cmp(&b.name));
            r.observed.truncate(OBSERVED);
        }
        let tool = self
            .program
            .as_deref()
            .and_then(fold::some)
            .unwrap_or_else(|| "ZAP".into());
        Ok(vec![Scan {
            format: NAME,
            tool,
            tool_version: self.version.as_deref().and_then(fold::some),
            id: None,
            time: self
                .created
                .as_deref()
                .and_then(fold::some)
                .or_else(|| self.generated.as_deref().and_then(fold::some)),
            profile: None,
            results,
            stated: Default::default(),
            fixes: Default::default(),
        }])
    }
}

impl Alert {
    /// The alert as a result, and how many instances it counts.
    fn into_result(self, site: &str) -> Result<(RuleResult, u64), String> {
        let rule_id = self
            .alert_ref
            .as_deref()
            .and_then(fold::some)
            .or_else(|| self.plugin_id.as_deref().and_then(fold::some))
            .ok_or("it has no pluginid")?;
        let risk = self.riskcode.as_deref().map(str::trim).unwrap_or("");
        let (mut result, severity) = match risk {
            "0" => (ScanResult::Informational, Severity::Info),
            "1" => (ScanResult::Fail, Severity::Low),
            "2" => (ScanResult::Fail, Severity::Medium),
            "3" => (ScanResult::Fail, Severity::High),
            other => {
                return Err(format!(
                    "riskcode `{}` is not 0 to 3",
                    crate::excerpt::text(other)
                ));
            }
        };
        let mut overridden = None;
        if self.confidence.as_deref().map(str::trim) == Some("0") {
            result = ScanResult::Pass;
            overridden = Some("marked a false positive in ZAP (confidence 0)".to_string());
        }
        let mut refs = Refs::default();
        if let Some(cwe) = self.cweid.as_deref().and_then(positive) {
            refs.push_cwe(&cwe);
        }
        if let Some(wasc) = self.wascid.as_deref().and_then(positive) {
            refs.push_other("WASC", &wasc);
        }
        for tag in &self.tags {
            push_tag(&mut refs, tag);
        }
        let count = self
            .count
            .as_deref()
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or(self.instances.len() as u64);
        let mut instances = self.instances;
        instances.sort_by(|a, b| (&a.uri, &a.method, &a.param).cmp(&(&b.uri, &b.method, &b.param)));
        let observed = instances
            .into_iter()
            .take(OBSERVED)
            .map(|i| {
                let mut name = [i.method.as_deref(), i.uri.as_deref()]
                    .into_iter()
                    .flatten()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                if let Some(p) = i.param.as_deref().and_then(fold::some) {
                    name.push_str(&format!(" [{p}]"));
                }
                Observation {
                    name: fold::clip(&name, fold::VALUE_CHARS),
                    expected: None,
                    actual: i
                        .evidence
                        .as_deref()
                        .and_then(fold::some)
                        .map(|e| fold::clip(&e, EVIDENCE_CHARS)),
                }
            })
            .collect();
        Ok((
            RuleResult {
                target: site.to_string(),
                rule_id,
                title: self.name.as_deref().and_then(fold::some),
                result,
                severity: Some(severity),
                refs,
                observed,
                message: None,
                overridden,
            },
            count,
        ))
    }
}

/// An id ZAP writes as `-1` or `0` when there is none.
fn positive(s: &str) -> Option<String> {
    let s = s.trim();
    s.parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .map(|n| n.to_string())
}

/// A ZAP alert tag: `CWE-79`, `OWASP_2021_A03`, `WSTG-v42-INPV-01`; scan
/// policy tags (`POLICY_*`) say which policies run the rule, not what it
/// maps to, and are left out.
fn push_tag(refs: &mut Refs, tag: &str) {
    let tag = tag.trim();
    if tag.is_empty() || tag.starts_with("POLICY_") {
        return;
    }
    if let Some(n) = tag.strip_prefix("CWE-") {
        refs.push_cwe(n);
    } else if let Some(rest) = tag.strip_prefix("OWASP_") {
        match rest.split_once('_') {
            Some((year, item)) => refs.push_other(&format!("OWASP Top 10 {year}"), item),
            None => refs.push_other("OWASP", rest),
        }
    } else if tag.starts_with("WSTG-") {
        refs.push_other("OWASP WSTG", tag);
    } else {
        refs.push_other("ZAP tag", tag);
    }
}

// ---- JSON ----

#[derive(Deserialize)]
struct JsonReport {
    #[serde(rename = "@programName", default, deserialize_with = "fold::lenient")]
    program: Option<String>,
    #[serde(rename = "@version", default, deserialize_with = "fold::lenient")]
    version: Option<String>,
    #[serde(rename = "@generated", default, deserialize_with = "fold::lenient")]
    generated: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    created: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    site: Vec<JsonSite>,
}

#[derive(Deserialize)]
struct JsonSite {
    #[serde(rename = "@name", default, deserialize_with = "fold::lenient")]
    name: Option<String>,
    #[serde(rename = "@host", default, deserialize_with = "fold::lenient")]
    host: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    alerts: Vec<JsonAlert>,
}

#[derive(Deserialize)]
struct JsonAlert {
    #[serde(default, deserialize_with = "fold::lenient")]
    pluginid: Option<String>,
    #[serde(rename = "alertRef", default, deserialize_with = "fold::lenient")]
    alert_ref: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    alert: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    name: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    riskcode: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    confidence: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    cweid: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    wascid: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    count: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    instances: Vec<Instance>,
    /// Reports before instances put one instance's fields on the alert.
    #[serde(default, deserialize_with = "fold::lenient")]
    uri: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    method: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    param: Option<String>,
    #[serde(default, deserialize_with = "fold::lenient")]
    evidence: Option<String>,
    /// `{"CWE-79": "https://..."}` or `[{"tag": "CWE-79", "link": ...}]`.
    tags: Option<serde_json::Value>,
}

fn read_json(input: &mut dyn BufRead, path: &Path) -> Result<Report, IngestError> {
    let mut de = fold::json_reader(input, path)?;
    let r = JsonReport::deserialize(&mut de).map_err(|e| fold::json_error(path, NAME, &e))?;
    de.end().map_err(|e| fold::json_error(path, NAME, &e))?;
    Ok(Report {
        program: r.program,
        version: r.version,
        generated: r.generated,
        created: r.created,
        sites: r
            .site
            .into_iter()
            .map(|s| Site {
                name: s
                    .name
                    .as_deref()
                    .and_then(fold::some)
                    .or(s.host)
                    .unwrap_or_default(),
                alerts: s.alerts.into_iter().map(JsonAlert::into_alert).collect(),
            })
            .collect(),
    })
}

impl JsonAlert {
    fn into_alert(self) -> Alert {
        let mut instances = self.instances;
        if instances.is_empty() && (self.uri.is_some() || self.evidence.is_some()) {
            instances.push(Instance {
                uri: self.uri,
                method: self.method,
                param: self.param,
                evidence: self.evidence,
            });
        }
        let tags = match self.tags {
            Some(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|t| match t {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Object(o) => {
                        o.get("tag").and_then(|v| v.as_str()).map(str::to_string)
                    }
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        Alert {
            plugin_id: self.pluginid,
            alert_ref: self.alert_ref,
            name: self.name.or(self.alert),
            riskcode: self.riskcode,
            confidence: self.confidence,
            cweid: self.cweid,
            wascid: self.wascid,
            count: self.count,
            instances,
            tags,
        }
    }
}

/// An array of `T`, or one `T` where a converter wrote a lone item as an
/// object; streamed, never buffered.
fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array or an object")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(x) = seq.next_element()? {
                out.push(x);
            }
            Ok(out)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
            Ok(vec![T::deserialize(
                de::value::MapAccessDeserializer::new(map),
            )?])
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Vec<T>, E> {
            // ZAP writes an empty alert list as "" in some versions.
            Ok(Vec::new())
        }
    }
    d.deserialize_any(V(std::marker::PhantomData))
}

// ---- XML ----

fn read_xml(input: &mut dyn BufRead, path: &Path) -> Result<Report, IngestError> {
    crate::ingest::xml::pipe(input, path, NAME, |x| {
        let root = x.root_in_no_namespace(ROOT, "ZAP")?;
        let mut report = Report {
            program: root.attr("programName").and_then(fold::some),
            version: root.attr("version").and_then(fold::some),
            generated: root.attr("generated").and_then(fold::some),
            created: root.attr("created").and_then(fold::some),
            sites: Vec::new(),
        };
        while let Some(child) = x.next_child()? {
            if child.name != "site" {
                x.skip()?;
                continue;
            }
            let mut site = Site {
                name: child
                    .attr("name")
                    .and_then(fold::some)
                    .or_else(|| child.attr("host").and_then(fold::some))
                    .unwrap_or_default(),
                alerts: Vec::new(),
            };
            while let Some(part) = x.next_child()? {
                if part.name != "alerts" {
                    x.skip()?;
                    continue;
                }
                while let Some(item) = x.next_child()? {
                    if item.name != "alertitem" {
                        x.skip()?;
                        continue;
                    }
                    site.alerts.push(read_alert(x)?);
                }
            }
            report.sites.push(site);
        }
        Ok(report)
    })
}

fn read_alert<R: BufRead>(x: &mut XmlStream<R>) -> Result<Alert, IngestError> {
    let mut a = Alert::default();
    let mut lone = Instance::default();
    while let Some(child) = x.next_child()? {
        match child.name.as_str() {
            "instances" => {
                while let Some(inst) = x.next_child()? {
                    if inst.name == "instance" {
                        a.instances.push(read_instance(x)?);
                    } else {
                        x.skip()?;
                    }
                }
            }
            "tags" => {
                while let Some(tag) = x.next_child()? {
                    if tag.name != "tag" {
                        x.skip()?;
                        continue;
                    }
                    while let Some(part) = x.next_child()? {
                        if part.name == "tag" {
                            if let Some(t) = fold::some(&x.text_until_end()?) {
                                a.tags.push(t);
                            }
                        } else {
                            x.skip()?;
                        }
                    }
                }
            }
            "pluginid" | "alertRef" | "alert" | "name" | "riskcode" | "confidence" | "cweid"
            | "wascid" | "count" | "uri" | "method" | "param" | "evidence" => {
                let v = fold::some(&x.text_until_end()?);
                match child.name.as_str() {
                    "pluginid" => a.plugin_id = v,
                    "alertRef" => a.alert_ref = v,
                    "alert" => a.name = a.name.take().or(v),
                    "name" => a.name = v.or(a.name.take()),
                    "riskcode" => a.riskcode = v,
                    "confidence" => a.confidence = v,
                    "cweid" => a.cweid = v,
                    "wascid" => a.wascid = v,
                    "count" => a.count = v,
                    "uri" => lone.uri = v,
                    "method" => lone.method = v,
                    "param" => lone.param = v,
                    _ => lone.evidence = v,
                }
            }
            _ => x.skip()?,
        }
    }
    if a.instances.is_empty() && (lone.uri.is_some() || lone.evidence.is_some()) {
        a.instances.push(lone);
    }
    Ok(a)
}

fn read_instance<R: BufRead>(x: &mut XmlStream<R>) -> Result<Instance, IngestError> {
    let mut i = Instance::default();
    while let Some(child) = x.next_child()? {
        match child.name.as_str() {
            "uri" => i.uri = fold::some(&x.text_until_end()?),
            "method" => i.method = fold::some(&x.text_until_end()?),
            "param" => i.param = fold::some(&x.text_until_end()?),
            "evidence" => i.evidence = fold::some(&x.text_until_end()?),
            // Request and response headers and bodies are skipped unread.
            _ => x.skip()?,
        }
    }
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Scan>, IngestError> {
        Zap.read(&mut text.as_bytes(), Path::new("zap.report"))
    }

    const JSON: &str = r#"{"@programName": "ZAP", "@version": "2.14.0", "@generated": "Thu, 6 Dec 2018 10:53:11", "created": "2018-12-06T10:53:11.000Z",
      "site": [
        {"@name": "http://a.test:8080", "@host": "a.test", "@port": "8080", "@ssl": "false", "alerts": [
          {"pluginid": "90028", "alert": "Insecure HTTP Method - MKCOL", "name": "Insecure HTTP Method - MKCOL", "riskcode": "0", "confidence": "2", "count": "32",
           "instances": [{"uri": "http://a.test:8080/b", "method": "MKCOL", "evidence": "response code 401"}], "cweid": "200", "wascid": "45", "desc": "<p>long</p>"},
          {"pluginid": "90028", "alert": "Insecure HTTP Method - PUT", "riskcode": "2", "confidence": "2", "count": "2",
           "instances": [{"uri": "http://a.test:8080/a", "method": "PUT", "evidence": "response code 200", "request-header": "PUT /a HTTP/1.1"}], "cweid": "200"},
          {"pluginid": "40018", "alertRef": "40018-1", "alert": "SQL Injection", "riskcode": 3, "confidence": 1, "count": 6, "cweid": 89, "wascid": 19,
           "instances": [{"uri": "http://a.test:8080/q?id=1", "method": "GET", "param": "id", "attack": "1' OR '1'='1"}],
           "tags": {"OWASP_2021_A03": "https://owasp.org/Top10/A03_2021-Injection/", "CWE-89": "https://cwe.mitre.org/data/definitions/89.html", "POLICY_PENTEST": ""}},
          {"pluginid": "10021", "alertRef": "10021", "alert": "X-Content-Type-Options Header Missing", "riskcode": "1", "confidence": "0", "count": "1", "cweid": "693", "wascid": "15",
           "instances": [{"uri": "http://a.test:8080/", "method": "GET"}]}
        ]},
        {"@name": "http://b.test", "@host": "b.test", "alerts": []}
      ]}"#;

    #[test]
    fn detects_both_syntaxes() {
        assert!(Zap.detect(&Head::new(JSON.as_bytes())));
        assert!(Zap.detect(&Head::new(XML.as_bytes())));
        assert!(!Zap.detect(&Head::new(br#"{"site": 1}"#)));
        assert!(!Zap.detect(&Head::new(b"<issues burpVersion=\"1\"/>")));
    }

    #[test]
    fn json_alerts_fold_by_alert_type() {
        let s = &read(JSON).expect("reads")[0];
        assert_eq!(s.tool, "ZAP");
        assert_eq!(s.tool_version.as_deref(), Some("2.14.0"));
        assert_eq!(s.time.as_deref(), Some("2018-12-06T10:53:11.000Z"));
        let r: Vec<_> = s
            .results
            .iter()
            .map(|r| (r.target.as_str(), r.rule_id.as_str(), r.result))
            .collect();
        assert_eq!(
            r,
            vec![
                ("http://a.test:8080", "90028", ScanResult::Fail),
                ("http://a.test:8080", "40018-1", ScanResult::Fail),
                ("http://a.test:8080", "10021", ScanResult::Pass),
            ]
        );
        let methods = &s.results[0];
        assert_eq!(
            methods.severity,
            Some(Severity::Medium),
            "the worst variant"
        );
        assert_eq!(methods.message.as_deref(), Some("34 instances"));
        assert_eq!(methods.refs.cwe, vec!["CWE-200"]);
        assert_eq!(
            methods.refs.other,
            vec![("WASC".to_string(), "45".to_string())]
        );
        assert_eq!(methods.observed.len(), 2);
        assert_eq!(methods.observed[0].name, "MKCOL http://a.test:8080/b");
        assert_eq!(
            methods.observed[1].actual.as_deref(),
            Some("response code 200")
        );
        let sqli = &s.results[1];
        assert_eq!(sqli.severity, Some(Severity::High));
        assert_eq!(sqli.refs.cwe, vec!["CWE-89"]);
        assert!(
            sqli.refs
                .other
                .contains(&("OWASP Top 10 2021".to_string(), "A03".to_string()))
        );
        assert!(!sqli.refs.other.iter().any(|(s, _)| s.contains("POLICY")));
        assert_eq!(sqli.observed[0].name, "GET http://a.test:8080/q?id=1 [id]");
        let fp = &s.results[2];
        assert!(
            fp.overridden
                .as_deref()
                .is_some_and(|o| o.contains("false positive"))
        );
    }

    const XML: &str = r#"<?xml version="1.0"?>
<OWASPZAPReport programName="ZAP" version="2.16.1" generated="Sun, 22 Jun 2025 04:04:14">
  <site name="https://example.test" host="example.test" port="443" ssl="true">
    <alerts>
      <alertitem>
        <pluginid>10111</pluginid><alertRef>10111</alertRef>
        <alert>Authentication Request Identified</alert><name>Authentication Request Identified</name>
        <riskcode>0</riskcode><confidence>1</confidence><riskdesc>Informational (Low)</riskdesc>
        <desc>text</desc>
        <instances>
          <instance><uri>https://example.test/login</uri><method>POST</method><param>user</param><attack/>
            <evidence>password</evidence><requestheader>POST /login HTTP/1.1</requestheader><responsebody>x</responsebody></instance>
        </instances>
        <count>1</count><cweid>-1</cweid><wascid>-1</wascid>
      </alertitem>
      <alertitem>
        <pluginid>10049</pluginid><alertRef>10049-3</alertRef><alert>Storable</alert>
        <riskcode>2</riskcode><confidence>2</confidence>
        <count>3</count><cweid>525</cweid><wascid>13</wascid>
        <tags><tag><tag>WSTG-v42-ATHN-06</tag><link>https://owasp.org</link></tag><tag><tag>CWE-525</tag><link/></tag><tag><tag>POLICY_PENTEST</tag><link/></tag></tags>
      </alertitem>
    </alerts>
  </site>
  <statistics><statistic><key>stats.code.200</key><value>5</value></statistic></statistics>
</OWASPZAPReport>"#;

    #[test]
    fn xml_alerts_with_instances_and_tags() {
        let s = &read(XML).expect("reads")[0];
        assert_eq!(s.tool_version.as_deref(), Some("2.16.1"));
        assert_eq!(s.time.as_deref(), Some("Sun, 22 Jun 2025 04:04:14"));
        assert_eq!(s.results.len(), 2);
        let auth = &s.results[0];
        assert_eq!(auth.rule_id, "10111");
        assert_eq!(auth.result, ScanResult::Informational);
        assert!(auth.refs.is_empty());
        assert_eq!(
            auth.observed[0].name,
            "POST https://example.test/login [user]"
        );
        assert_eq!(auth.observed[0].actual.as_deref(), Some("password"));
        let store = &s.results[1];
        assert_eq!(store.rule_id, "10049-3");
        assert_eq!(store.result, ScanResult::Fail);
        assert_eq!(store.message.as_deref(), Some("3 instances"));
        assert_eq!(store.refs.cwe, vec!["CWE-525"]);
        assert!(
            store
                .refs
                .other
                .contains(&("OWASP WSTG".to_string(), "WSTG-v42-ATHN-06".to_string()))
        );
    }

    #[test]
    fn every_riskcode_maps() {
        for (risk, result, severity) in [
            ("0", ScanResult::Informational, Severity::Info),
            ("1", ScanResult::Fail, Severity::Low),
            ("2", ScanResult::Fail, Severity::Medium),
            ("3", ScanResult::Fail, Severity::High),
        ] {
            let json = format!(
                r#"{{"@version": "2", "site": [{{"@name": "s", "alerts": [{{"pluginid": "1", "riskcode": "{risk}", "confidence": "3"}}]}}]}}"#
            );
            let s = read(&json).expect("reads");
            let r = &s[0].results[0];
            assert_eq!((r.result, r.severity), (result, Some(severity)), "{risk}");
            assert!(r.overridden.is_none());
        }
    }

    #[test]
    fn bad_reports_are_refused() {
        let e = read(&JSON.replace("\"riskcode\": 3", "\"riskcode\": 7"))
            .expect_err("risk")
            .to_string();
        assert!(e.contains("zap.report") && e.contains("riskcode"), "{e}");
        let e = read(&JSON[..JSON.len() / 2]).expect_err("cut").to_string();
        assert!(e.contains("cut short"), "{e}");
        let e = read(&XML[..XML.len() / 2]).expect_err("cut").to_string();
        assert!(e.contains("zap.report:"), "{e}");
        let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE OWASPZAPReport [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<OWASPZAPReport>&x;</OWASPZAPReport>";
        assert!(matches!(
            read(bomb),
            Err(IngestError::XmlEntities { line: 2, .. })
        ));
        let ns = "<OWASPZAPReport xmlns=\"urn:x\"/>";
        assert!(read(ns).expect_err("ns").to_string().contains("namespace"));
        assert!(read("").is_err());
        assert!(read("\u{0}\u{1}").is_err());
        let e =
            read(r#"{"site": [{"@name": "s", "alerts": [{"riskcode": "1"}]}], "@version": "1"}"#)
                .expect_err("no plugin")
                .to_string();
        assert!(e.contains("pluginid"), "{e}");
    }

    #[test]
    fn a_lone_site_object_and_an_empty_report() {
        let one = r#"{"@version": "2.7.0", "site": {"@name": "s", "alerts": {"pluginid": "1", "riskcode": "1", "uri": "s/x", "evidence": "e"}}}"#;
        let s = &read(one).expect("reads")[0];
        assert_eq!(s.results.len(), 1);
        assert_eq!(s.results[0].observed[0].name, "s/x");
        let empty = r#"{"@version": "2.7.0", "site": []}"#;
        assert!(read(empty).expect("reads")[0].results.is_empty());
    }
}
