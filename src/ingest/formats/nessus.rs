//! Tenable Nessus v2 XML (`.nessus`, root `NessusClientData_v2`):
//! vulnerability plugins and compliance checks (`cm:` elements) on each
//! `ReportHost`. One result per (host, plugin), or per (host, plugin,
//! compliance check) for compliance items; a plugin reported on several
//! ports folds into one result with one observation per port. See
//! `docs/ingest/nessus.md`.

use super::fold::{self, Fold};
use crate::ingest::xml::{Start, XmlStream};
use crate::ingest::{
    Head, IngestError, Observation, Reader, Refs, RuleResult, Scan, ScanResult, Severity,
};
use std::io::BufRead;
use std::path::Path;

const NAME: &str = "nessus";
const ROOT: &str = "NessusClientData_v2";
/// The namespace Nessus binds the `cm:` prefix to.
const CM_NS: &str = "http://www.nessus.org/cm";
/// The plugin that reports the scanner's version ("Nessus Scan Information").
const SCAN_INFO_PLUGIN: &str = "19506";

pub struct Nessus;

impl Reader for Nessus {
    fn name(&self) -> &'static str {
        NAME
    }

    fn describe(&self) -> &'static str {
        "Tenable Nessus v2 XML (.nessus): vulnerability plugins and compliance checks per host"
    }

    fn detect(&self, head: &Head) -> bool {
        matches!(head.xml_root(), Some((root, None)) if root == ROOT)
    }

    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
        crate::ingest::xml::pipe(input, path, NAME, |x| {
            let root = x.root_in_no_namespace(ROOT, "Nessus")?;
            check_cm_namespace(x, &root)?;
            let mut scan = Scan {
                format: NAME,
                tool: "Nessus".into(),
                ..Default::default()
            };
            let mut fold = Fold::default();
            let mut end: Option<(i64, String)> = None;
            let mut end_text: Option<String> = None;
            while let Some(child) = x.next_child()? {
                match child.name.as_str() {
                    "Policy" => scan.profile = read_policy(x)?,
                    "Report" => {
                        check_cm_namespace(x, &child)?;
                        if scan.id.is_none() {
                            scan.id = child.attr("name").and_then(fold::some);
                        }
                        while let Some(host) = x.next_child()? {
                            if host.name != "ReportHost" {
                                x.skip()?;
                                continue;
                            }
                            let h = read_host(x, &host, &mut fold)?;
                            if scan.tool_version.is_none() {
                                scan.tool_version = h.version;
                            }
                            match h.end_timestamp {
                                Some(ts) if end.as_ref().is_none_or(|(t, _)| ts > *t) => {
                                    if let Some(text) = fold::epoch(ts) {
                                        end = Some((ts, text));
                                    }
                                }
                                _ => {}
                            }
                            if h.end_text.is_some() {
                                end_text = h.end_text;
                            }
                        }
                    }
                    _ => x.skip()?,
                }
            }
            scan.time = end.map(|(_, t)| t).or(end_text);
            scan.results = fold.finish();
            Ok(vec![scan])
        })
    }
}

/// A `cm` prefix bound to anything but Nessus's compliance namespace
/// means the file is not what it claims to be.
fn check_cm_namespace<R: BufRead>(x: &XmlStream<R>, s: &Start) -> Result<(), IngestError> {
    match s.attr("cm") {
        Some(ns) if ns != CM_NS => Err(x.error(format!(
            "the cm: prefix is bound to {}, not {CM_NS}",
            crate::excerpt::text(ns)
        ))),
        _ => Ok(()),
    }
}

fn read_policy<R: BufRead>(x: &mut XmlStream<R>) -> Result<Option<String>, IngestError> {
    let mut name = None;
    while let Some(child) = x.next_child()? {
        if child.name == "policyName" {
            name = fold::some(&x.text_until_end()?);
        } else {
            x.skip()?;
        }
    }
    Ok(name)
}

/// What a host tells about the scan besides its results.
struct HostFacts {
    end_timestamp: Option<i64>,
    end_text: Option<String>,
    version: Option<String>,
}

fn read_host<R: BufRead>(
    x: &mut XmlStream<R>,
    host: &Start,
    fold: &mut Fold,
) -> Result<HostFacts, IngestError> {
    let Some(target) = host.attr("name").and_then(fold::some) else {
        return Err(x.error("a <ReportHost> has no name"));
    };
    let mut facts = HostFacts {
        end_timestamp: None,
        end_text: None,
        version: None,
    };
    while let Some(child) = x.next_child()? {
        match child.name.as_str() {
            "HostProperties" => {
                while let Some(tag) = x.next_child()? {
                    let name = tag.attr("name").unwrap_or_default().to_string();
                    let value = x.text_until_end()?;
                    match name.as_str() {
                        "HOST_END_TIMESTAMP" => facts.end_timestamp = value.trim().parse().ok(),
                        "HOST_END" => facts.end_text = fold::some(&value),
                        _ => {}
                    }
                }
            }
            "ReportItem" => {
                let item = read_item(x, &child)?;
                if facts.version.is_none() && item.plugin == SCAN_INFO_PLUGIN {
                    facts.version = item.output.as_deref().and_then(nessus_version);
                }
                fold.add(item.into_result(&target));
            }
            _ => x.skip()?,
        }
    }
    Ok(facts)
}

/// One `ReportItem`, with the few children Aegis keeps.
#[derive(Default)]
struct Item {
    plugin: String,
    plugin_name: Option<String>,
    port: Option<String>,
    protocol: Option<String>,
    service: Option<String>,
    severity: Option<Severity>,
    risk_factor: Option<String>,
    synopsis: Option<String>,
    output: Option<String>,
    refs: Refs,
    check_name: Option<String>,
    check_id: Option<String>,
    compliance_result: Option<String>,
    actual: Option<String>,
    policy_value: Option<String>,
    reference: Option<String>,
}

fn read_item<R: BufRead>(x: &mut XmlStream<R>, s: &Start) -> Result<Item, IngestError> {
    let Some(plugin) = s.attr("pluginID").and_then(fold::some) else {
        return Err(x.error("a <ReportItem> has no pluginID"));
    };
    let severity = match s.attr("severity").map(str::trim) {
        None | Some("") => None,
        Some("0") => Some(Severity::Info),
        Some("1") => Some(Severity::Low),
        Some("2") => Some(Severity::Medium),
        Some("3") => Some(Severity::High),
        Some("4") => Some(Severity::Critical),
        Some(other) => {
            return Err(x.error(format!(
                "<ReportItem pluginID=\"{}\"> has severity {}, which is not 0 to 4",
                crate::excerpt::text(&plugin),
                crate::excerpt::text(other)
            )));
        }
    };
    let mut item = Item {
        plugin,
        plugin_name: s.attr("pluginName").and_then(fold::some),
        port: s.attr("port").and_then(fold::some),
        protocol: s.attr("protocol").and_then(fold::some),
        service: s.attr("svc_name").and_then(fold::some),
        severity,
        ..Default::default()
    };
    while let Some(child) = x.next_child()? {
        let name = child.name.as_str();
        let keep = matches!(
            name,
            "plugin_name"
                | "risk_factor"
                | "synopsis"
                | "plugin_output"
                | "cve"
                | "cwe"
                | "xref"
                | "iava"
                | "iavb"
                | "iavt"
                | "bid"
                | "cert"
                | "msft"
                | "compliance-check-name"
                | "compliance-check-id"
                | "compliance-result"
                | "compliance-actual-value"
                | "compliance-policy-value"
                | "compliance-reference"
        );
        if !keep {
            x.skip()?;
            continue;
        }
        let text = x.text_until_end()?;
        let value = text.trim();
        match name {
            "plugin_name" if item.plugin_name.is_none() => item.plugin_name = fold::some(value),
            "risk_factor" => item.risk_factor = fold::some(value),
            "synopsis" => item.synopsis = fold::message(value),
            "plugin_output" => item.output = fold::some(value),
            "cve" => Refs::push(&mut item.refs.cve, value),
            "cwe" => item.refs.push_cwe(value),
            "xref" => push_xref(&mut item.refs, value),
            "iava" | "iavb" | "iavt" | "bid" | "cert" | "msft" => {
                item.refs.push_other(&name.to_ascii_uppercase(), value)
            }
            "compliance-check-name" => item.check_name = fold::some(value),
            "compliance-check-id" => item.check_id = fold::some(value),
            "compliance-result" => item.compliance_result = fold::some(value),
            "compliance-actual-value" => item.actual = fold::some(value),
            "compliance-policy-value" => item.policy_value = fold::some(value),
            "compliance-reference" => item.reference = fold::some(value),
            _ => {}
        }
    }
    Ok(item)
}

/// `CWE:79`, `IAVA:2021-A-0001`, `OSVDB:1234`: a scheme and an id.
fn push_xref(refs: &mut Refs, raw: &str) {
    let Some((scheme, id)) = raw.split_once(':') else {
        return;
    };
    match scheme.trim().to_ascii_uppercase().as_str() {
        "CWE" => refs.push_cwe(id),
        "CVE" => Refs::push(&mut refs.cve, raw.trim()),
        s => refs.push_other(s, id),
    }
}

impl Item {
    fn into_result(self, target: &str) -> RuleResult {
        let plugin_severity = self
            .severity
            .or_else(|| self.risk_factor.as_deref().and_then(Severity::from_word));
        if self.compliance_result.is_some() {
            self.compliance_result(target, plugin_severity)
        } else {
            self.vulnerability_result(target, plugin_severity)
        }
    }

    /// A compliance check: its own result, references and values.
    fn compliance_result(self, target: &str, plugin_severity: Option<Severity>) -> RuleResult {
        let word = self.compliance_result.unwrap_or_default();
        let (result, message) = match word.to_ascii_uppercase().as_str() {
            "PASSED" => (ScanResult::Pass, None),
            "FAILED" => (ScanResult::Fail, None),
            "WARNING" => (ScanResult::Notchecked, None),
            "ERROR" => (ScanResult::Error, None),
            _ => (
                ScanResult::Error,
                Some(format!(
                    "unknown compliance result `{}`",
                    fold::clip(&word, 40)
                )),
            ),
        };
        let mut refs = Refs::default();
        let mut cat = None;
        if let Some(reference) = &self.reference {
            cat = push_compliance_references(&mut refs, reference);
        }
        let check = self
            .check_id
            .clone()
            .or_else(|| self.check_name.clone())
            .unwrap_or_default();
        let rule_id = if check.is_empty() {
            self.plugin.clone()
        } else {
            format!("{}:{check}", self.plugin)
        };
        let mut observed = Vec::new();
        if self.actual.is_some() || self.policy_value.is_some() {
            observed.push(Observation {
                name: fold::clip(
                    self.check_name.as_deref().unwrap_or(&rule_id),
                    fold::VALUE_CHARS,
                ),
                expected: self
                    .policy_value
                    .as_deref()
                    .map(|v| fold::clip(v, fold::VALUE_CHARS)),
                actual: self
                    .actual
                    .as_deref()
                    .map(|v| fold::clip(v, fold::VALUE_CHARS)),
            });
        }
        RuleResult {
            target: target.to_string(),
            rule_id,
            title: self.check_name.or(self.plugin_name),
            result,
            severity: cat.or(plugin_severity),
            refs,
            observed,
            message,
            overridden: None,
        }
    }

    /// A vulnerability (or informational) plugin: severity 1 to 4 fails,
    /// 0 is informational.
    fn vulnerability_result(self, target: &str, severity: Option<Severity>) -> RuleResult {
        let result = match severity {
            Some(Severity::Info) => ScanResult::Informational,
            Some(_) => ScanResult::Fail,
            None => ScanResult::Informational,
        };
        let place = match (&self.protocol, &self.port) {
            (Some(p), Some(n)) => format!("{p}/{n}"),
            (None, Some(n)) => n.clone(),
            (Some(p), None) => p.clone(),
            (None, None) => String::new(),
        };
        let name = match &self.service {
            Some(svc) if !place.is_empty() => format!("{place} ({svc})"),
            Some(svc) => svc.clone(),
            None => place,
        };
        // Informational plugins report inventories and timings that change
        // on every run; their output would be drift without a change.
        let actual = if result == ScanResult::Fail {
            self.output
                .as_deref()
                .map(|o| fold::clip(o, fold::VALUE_CHARS))
        } else {
            None
        };
        let observed = if name.is_empty() && actual.is_none() {
            Vec::new()
        } else {
            vec![Observation {
                name,
                expected: None,
                actual,
            }]
        };
        RuleResult {
            target: target.to_string(),
            rule_id: self.plugin,
            title: self.plugin_name,
            result,
            severity,
            refs: self.refs,
            observed,
            message: self.synopsis,
            overridden: None,
        }
    }
}

/// `800-53|AC-2,CCI|CCI-000015,CAT|II,...`: each `KEY|value` pair into
/// its scheme; a piece without `|` continues the previous key's values.
/// Returns the severity a `CAT` pair gives.
fn push_compliance_references(refs: &mut Refs, raw: &str) -> Option<Severity> {
    let mut key = String::new();
    let mut cat = None;
    for piece in raw.split(',') {
        let value = match piece.split_once('|') {
            Some((k, v)) => {
                key = k.trim().to_string();
                v.trim()
            }
            None => piece.trim(),
        };
        if value.is_empty() || key.is_empty() {
            continue;
        }
        let upper = key.to_ascii_uppercase();
        if upper.starts_with("800-53") {
            Refs::push(&mut refs.nist, value);
        } else {
            match upper.as_str() {
                "CCI" => refs.push_cci(value),
                "CCE" => Refs::push(&mut refs.cce, value),
                "CWE" => refs.push_cwe(value),
                "CVE" => Refs::push(&mut refs.cve, value),
                "CAT" => cat = Severity::from_word(&format!("cat {value}")),
                // The CIS profile level is not a reference.
                "LEVEL" => {}
                _ => refs.push_other(&key, value),
            }
        }
    }
    cat
}

/// `Nessus version : 10.1.1` in the "Nessus Scan Information" output.
fn nessus_version(output: &str) -> Option<String> {
    output.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim().eq_ignore_ascii_case("Nessus version")).then(|| v.trim().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(xml: &str) -> Result<Vec<Scan>, IngestError> {
        Nessus.read(&mut xml.as_bytes(), Path::new("t.nessus"))
    }

    const SAMPLE: &str = r#"<?xml version="1.0" ?>
<NessusClientData_v2>
<Policy><policyName>CIS RHEL 8</policyName><Preferences><ServerPreferences>
<preference><name>x</name><value>y</value></preference></ServerPreferences></Preferences></Policy>
<Report name="Weekly" xmlns:cm="http://www.nessus.org/cm">
<ReportHost name="db-01"><HostProperties>
<tag name="host-ip">10.1.1.9</tag>
<tag name="HOST_END_TIMESTAMP">1647975707</tag>
<tag name="HOST_END">Tue Mar 22 15:01:47 2022</tag>
</HostProperties>
<ReportItem port="443" svc_name="www" protocol="tcp" severity="3" pluginID="99999" pluginName="Old OpenSSL" pluginFamily="General">
<risk_factor>High</risk_factor><synopsis>The remote service uses an old OpenSSL.</synopsis>
<description>Long text CVE-1999-0001 CWE-1 800-53|ZZ-9</description>
<plugin_output>Installed version : 1.0.1
Fixed version : 1.0.2</plugin_output>
<cve>CVE-2014-0160</cve><cwe>119</cwe><xref>CWE:200</xref><xref>IAVA:2014-A-0001</xref><iava>2014-A-0001</iava>
</ReportItem>
<ReportItem port="8443" svc_name="www" protocol="tcp" severity="3" pluginID="99999" pluginName="Old OpenSSL" pluginFamily="General">
<plugin_output>Installed version : 1.0.1</plugin_output></ReportItem>
<ReportItem port="0" svc_name="general" protocol="tcp" severity="0" pluginID="19506" pluginName="Nessus Scan Information" pluginFamily="Settings">
<plugin_output>Information about this scan :
Nessus version : 10.1.1
Scan Start Date : 2022/3/22 14:55 EDT</plugin_output></ReportItem>
<ReportItem port="0" svc_name="general" protocol="tcp" severity="3" pluginID="21157" pluginName="Unix Compliance Checks" pluginFamily="Policy Compliance">
<cm:compliance-check-name>1.1 Ensure SELinux is enforcing</cm:compliance-check-name>
<cm:compliance-check-id>0380a6f8</cm:compliance-check-id>
<cm:compliance-result>FAILED</cm:compliance-result>
<cm:compliance-actual-value>permissive</cm:compliance-actual-value>
<cm:compliance-policy-value>enforcing</cm:compliance-policy-value>
<cm:compliance-info>Mentions 800-53|XX-1 in prose only.</cm:compliance-info>
<cm:compliance-reference>800-53|AC-3,800-53|AC-6(9),CCI|CCI-000213,CAT|II,CSCv7|5.1,LEVEL|1S,Vuln-ID|V-230240</cm:compliance-reference>
</ReportItem>
<ReportItem port="0" severity="0" pluginID="21157" pluginName="Unix Compliance Checks" pluginFamily="Policy Compliance">
<cm:compliance-check-name>1.2 Ensure auditd runs</cm:compliance-check-name>
<cm:compliance-check-id>aa11</cm:compliance-check-id>
<cm:compliance-result>PASSED</cm:compliance-result></ReportItem>
<ReportItem port="0" severity="2" pluginID="21157" pluginName="Unix Compliance Checks" pluginFamily="Policy Compliance">
<cm:compliance-check-name>1.3 Review sudoers</cm:compliance-check-name>
<cm:compliance-check-id>bb22</cm:compliance-check-id>
<cm:compliance-result>WARNING</cm:compliance-result></ReportItem>
<ReportItem port="0" severity="3" pluginID="21157" pluginName="Unix Compliance Checks" pluginFamily="Policy Compliance">
<cm:compliance-check-name>1.4 Check a file</cm:compliance-check-name>
<cm:compliance-check-id>cc33</cm:compliance-check-id>
<cm:compliance-result>ERROR</cm:compliance-result></ReportItem>
</ReportHost>
<ReportHost name="web-01"><HostProperties><tag name="HOST_END_TIMESTAMP">1647975000</tag></HostProperties>
<ReportItem port="443" protocol="tcp" severity="4" pluginID="99999" pluginName="Old OpenSSL"/>
</ReportHost>
</Report>
</NessusClientData_v2>"#;

    #[test]
    fn detects_by_root_without_namespace() {
        assert!(Nessus.detect(&Head::new(SAMPLE.as_bytes())));
        assert!(!Nessus.detect(&Head::new(
            b"<NessusClientData_v2 xmlns=\"urn:x\"></NessusClientData_v2>"
        )));
        assert!(!Nessus.detect(&Head::new(b"<NessusClientData></NessusClientData>")));
        assert!(!Nessus.detect(&Head::new(br#"{"a": 1}"#)));
    }

    #[test]
    fn reads_hosts_plugins_and_compliance_checks() {
        let scans = read(SAMPLE).expect("reads");
        assert_eq!(scans.len(), 1);
        let s = &scans[0];
        assert_eq!(s.format, "nessus");
        assert_eq!(s.tool, "Nessus");
        assert_eq!(s.tool_version.as_deref(), Some("10.1.1"));
        assert_eq!(s.profile.as_deref(), Some("CIS RHEL 8"));
        assert_eq!(s.id.as_deref(), Some("Weekly"));
        assert_eq!(s.time.as_deref(), Some("2022-03-22T19:01:47Z"));
        let ids: Vec<(&str, &str)> = s
            .results
            .iter()
            .map(|r| (r.target.as_str(), r.rule_id.as_str()))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("db-01", "99999"),
                ("db-01", "19506"),
                ("db-01", "21157:0380a6f8"),
                ("db-01", "21157:aa11"),
                ("db-01", "21157:bb22"),
                ("db-01", "21157:cc33"),
                ("web-01", "99999"),
            ]
        );
        let vuln = &s.results[0];
        assert_eq!(vuln.result, ScanResult::Fail);
        assert_eq!(vuln.severity, Some(Severity::High));
        assert_eq!(vuln.refs.cve, vec!["CVE-2014-0160"]);
        assert_eq!(vuln.refs.cwe, vec!["CWE-119", "CWE-200"]);
        assert_eq!(
            vuln.refs.other,
            vec![("IAVA".to_string(), "2014-A-0001".to_string())]
        );
        assert!(vuln.refs.nist.is_empty(), "never from the description");
        assert_eq!(vuln.observed.len(), 2, "one observation per port");
        assert_eq!(vuln.observed[0].name, "tcp/443 (www)");
        assert!(
            vuln.observed[0]
                .actual
                .as_deref()
                .is_some_and(|a| a.contains("Fixed version"))
        );
        assert_eq!(
            vuln.message.as_deref(),
            Some("The remote service uses an old OpenSSL.")
        );
        let info = &s.results[1];
        assert_eq!(info.result, ScanResult::Informational);
        assert_eq!(info.severity, Some(Severity::Info));
        assert_eq!(info.observed[0].actual, None, "no drift from timings");

        let failed = &s.results[2];
        assert_eq!(failed.result, ScanResult::Fail);
        assert_eq!(
            failed.title.as_deref(),
            Some("1.1 Ensure SELinux is enforcing")
        );
        assert_eq!(failed.severity, Some(Severity::Medium), "CAT II");
        assert_eq!(failed.refs.nist, vec!["AC-3", "AC-6(9)"]);
        assert_eq!(failed.refs.cci, vec!["CCI-000213"]);
        assert_eq!(
            failed.refs.other,
            vec![
                ("CSCv7".to_string(), "5.1".to_string()),
                ("Vuln-ID".to_string(), "V-230240".to_string())
            ]
        );
        assert_eq!(
            failed.observed,
            vec![Observation {
                name: "1.1 Ensure SELinux is enforcing".into(),
                expected: Some("enforcing".into()),
                actual: Some("permissive".into()),
            }]
        );
        assert_eq!(s.results[3].result, ScanResult::Pass);
        assert_eq!(s.results[4].result, ScanResult::Notchecked);
        assert_eq!(s.results[5].result, ScanResult::Error);
        assert_eq!(s.results[6].severity, Some(Severity::Critical));
    }

    #[test]
    fn an_unknown_compliance_word_is_an_error_result_that_says_so() {
        let xml = r#"<NessusClientData_v2><Report name="r"><ReportHost name="h">
<ReportItem pluginID="1" severity="1"><compliance-result>BANANA</compliance-result></ReportItem>
</ReportHost></Report></NessusClientData_v2>"#;
        let s = read(xml).expect("reads");
        let r = &s[0].results[0];
        assert_eq!(r.result, ScanResult::Error);
        assert!(r.message.as_deref().is_some_and(|m| m.contains("BANANA")));
    }

    #[test]
    fn bad_input_is_refused_with_the_file_and_line() {
        let cut = &SAMPLE[..SAMPLE.len() / 2];
        let e = read(cut).expect_err("cut short").to_string();
        assert!(e.contains("t.nessus:25:"), "{e}");
        let cut = &SAMPLE[..SAMPLE.find("</ReportHost>").unwrap_or(0)];
        let e = read(cut).expect_err("cut short").to_string();
        assert!(e.contains("cut short"), "{e}");

        let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE NessusClientData_v2 [<!ENTITY a \"aaaa\">]>\n<NessusClientData_v2>&a;</NessusClientData_v2>";
        assert!(matches!(read(bomb), Err(IngestError::XmlEntities { .. })));

        let ns = "<NessusClientData_v2 xmlns=\"urn:other\"/>";
        assert!(
            read(ns)
                .expect_err("namespace")
                .to_string()
                .contains("namespace")
        );
        let cm = "<NessusClientData_v2><Report xmlns:cm=\"urn:other\"/></NessusClientData_v2>";
        assert!(read(cm).expect_err("cm").to_string().contains("cm:"));

        let sev = "<NessusClientData_v2><Report><ReportHost name=\"h\">\n\n<ReportItem pluginID=\"7\" severity=\"9\"/></ReportHost></Report></NessusClientData_v2>";
        let e = read(sev).expect_err("severity").to_string();
        assert!(e.contains(":3:") && e.contains("severity 9"), "{e}");

        let noid = "<NessusClientData_v2><Report><ReportHost name=\"h\"><ReportItem severity=\"1\"/></ReportHost></Report></NessusClientData_v2>";
        assert!(
            read(noid)
                .expect_err("no id")
                .to_string()
                .contains("pluginID")
        );

        let nohost = "<NessusClientData_v2><Report><ReportHost/></Report></NessusClientData_v2>";
        assert!(
            read(nohost)
                .expect_err("no name")
                .to_string()
                .contains("name")
        );

        assert!(read("").is_err());
        assert!(read("\u{1}\u{2}garbage\u{0}").is_err());
        assert!(
            read("<other/>")
                .expect_err("root")
                .to_string()
                .contains("root")
        );
    }

    #[test]
    fn absurd_sizes_are_clipped_or_dropped() {
        let big = "x".repeat(3 << 20);
        let xml = format!(
            "<NessusClientData_v2><Report><ReportHost name=\"h\"><ReportItem pluginID=\"1\" severity=\"2\" port=\"1\" protocol=\"tcp\"><plugin_output>{}</plugin_output><synopsis>{}</synopsis></ReportItem></ReportHost></Report></NessusClientData_v2>",
            &big[..600_000],
            big
        );
        let s = read(&xml).expect("reads");
        let r = &s[0].results[0];
        let actual = r.observed[0].actual.as_deref().unwrap_or_default();
        assert!(actual.chars().count() <= fold::VALUE_CHARS);
        assert!(
            r.message
                .as_deref()
                .is_none_or(|m| m.chars().count() <= fold::MESSAGE_CHARS)
        );
        let many: String = (0..2000)
            .map(|i| format!("<ReportItem pluginID=\"{i}\" severity=\"0\"/>"))
            .collect();
        let xml = format!(
            "<NessusClientData_v2><Report><ReportHost name=\"h\">{many}</ReportHost></Report></NessusClientData_v2>"
        );
        assert_eq!(read(&xml).expect("reads")[0].results.len(), 2000);
    }

    #[test]
    fn an_empty_report_is_one_scan_without_results() {
        let s =
            read("<NessusClientData_v2><Report name=\"r\"/></NessusClientData_v2>").expect("reads");
        assert_eq!(s.len(), 1);
        assert!(s[0].results.is_empty());
    }
}
