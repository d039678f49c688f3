//! XCCDF 1.1 and 1.2 result files, as OpenSCAP (`oscap xccdf eval
//! --results`), DISA's SCC and MITRE's HDF-to-XCCDF converter write them:
//! a `Benchmark` holding its rules and one or more `TestResult`s, or a bare
//! `TestResult`. Each `TestResult` is one [`Scan`]; how rule-results become
//! results, and what is kept of the rules, is described in
//! [`super::scap`], which the `arf` reader shares. OVAL's observed values
//! live in separate files next to an XCCDF result (`--oval-results`) and
//! are read from ARF only; SCE script output inside the result is kept.
//!
//! A `Benchmark` without any `TestResult` is a benchmark, not a result: it
//! gives no scan.

use super::scap::{self, Defs};
use crate::ingest::detect::Head;
use crate::ingest::xml::{self, XmlEvent, XmlStream};
use crate::ingest::{IngestError, Reader, Scan};
use std::io::BufRead;
use std::path::Path;

pub const NS_11: &str = "http://checklists.nist.gov/xccdf/1.1";
pub const NS_12: &str = "http://checklists.nist.gov/xccdf/1.2";

pub struct Xccdf;

impl Reader for Xccdf {
    fn name(&self) -> &'static str {
        "xccdf"
    }

    fn describe(&self) -> &'static str {
        "XCCDF 1.1 and 1.2 results (OpenSCAP, DISA SCC and others), with their rule definitions"
    }

    fn detect(&self, head: &Head) -> bool {
        match head.xml_root() {
            Some((root, ns)) if root == "Benchmark" || root == "TestResult" => match ns {
                Some(ns) => ns == NS_11 || ns == NS_12,
                None => head.contains(NS_11) || head.contains(NS_12),
            },
            _ => false,
        }
    }

    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
        xml::pipe_verbatim(input, path, "xccdf", &["fix", "fixtext"], read_results)
    }
}

fn read_results<R: BufRead>(xs: &mut XmlStream<R>) -> Result<Vec<Scan>, IngestError> {
    let root = match xs.next_event()? {
        Some(XmlEvent::Start(s)) => s,
        _ => return Err(xs.error("the document has no root element")),
    };
    let mut defs = Defs::default();
    let mut runs = Vec::new();
    match root.name.as_str() {
        "Benchmark" => scap::benchmark(xs, &root, &mut defs, &mut runs)?,
        "TestResult" => runs.push(scap::test_result(xs, &root)?),
        other => {
            return Err(xs.error(format!(
                "the root element is <{}>, not an XCCDF Benchmark or TestResult",
                crate::excerpt::text(other)
            )));
        }
    }
    // The rest of the document (checks it is well formed and whole).
    while xs.next_event()?.is_some() {}
    let n = runs.len();
    Ok(runs
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.finish("xccdf", &mut defs, i + 1 == n, None, &|_, _| Vec::new()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ScanResult, Severity};

    fn read(xml: &str) -> Result<Vec<Scan>, IngestError> {
        Xccdf.read(&mut xml.as_bytes(), Path::new("r.xml"))
    }

    const BENCH_11: &str = r#"<?xml version="1.0"?>
<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.1" id="ssg-test" resolved="1">
  <title>Test</title>
  <Group id="g-ssh"><title>SSH</title>
    <Rule id="sshd_disable_root_login" severity="medium" selected="true">
      <title>Disable SSH Root Login</title>
      <description>long <xhtml:b xmlns:xhtml="http://www.w3.org/1999/xhtml">text</xhtml:b></description>
      <reference href="http://nvlpubs.nist.gov/nistpubs/SpecialPublications/NIST.SP.800-53r4.pdf">AC-6(2),IA-2(5)</reference>
      <reference href="https://www.pcisecuritystandards.org/documents/PCI_DSS_v3-2-1.pdf">Req-2.2.4</reference>
      <reference><dc:title xmlns:dc="http://purl.org/dc/elements/1.1/">NIST SP 800-53 Rev 5</dc:title><dc:identifier xmlns:dc="http://purl.org/dc/elements/1.1/">AC-17</dc:identifier></reference>
      <ident system="http://cce.mitre.org">CCE-80901-2</ident>
      <check system="http://oval.mitre.org/XMLSchema/oval-definitions-5"><check-content-ref name="oval:ssg:def:1" href="ssg-oval.xml"/></check>
    </Rule>
    <Group id="g-inner"><title>Inner</title>
      <Rule id="script_rule" severity="high"><title>By script</title></Rule>
    </Group>
  </Group>
  <Rule id="other_rule" severity="low"><title>Other</title></Rule>
  <TestResult id="run-1" start-time="2024-05-01T10:00:00" end-time="2024-05-01T10:05:00" test-system="cpe:/a:redhat:openscap:1.3.8">
    <benchmark href="ssg.xml" id="ssg-test"/>
    <profile idref="stig"/>
    <target>web01.example.org</target>
    <target-address>10.0.0.5</target-address>
    <rule-result idref="sshd_disable_root_login" time="2024-05-01T10:01:00">
      <result>fail</result>
      <override time="2024-05-02T00:00:00" authority="ISSO">
        <old-result>fail</old-result><new-result>notapplicable</new-result><remark>first</remark>
      </override>
      <override time="2024-05-03T00:00:00" authority="AO">
        <old-result>fail</old-result><new-result>pass</new-result><remark>compensating control</remark>
      </override>
      <ident system="http://cyber.mil/cci">CCI-000366</ident>
    </rule-result>
    <rule-result idref="script_rule" severity="low">
      <result>fail</result>
      <message severity="info">script said no</message>
      <check system="http://open-scap.org/page/SCE">
        <check-import import-name="stdout">PermitRootLogin yes
found in /etc/ssh/sshd_config</check-import>
        <check-import import-name="stderr"></check-import>
        <check-content-ref href="checks/ssh.sh"/>
      </check>
    </rule-result>
    <rule-result idref="other_rule"><result>pass</result><instance context="user">alice</instance></rule-result>
    <rule-result idref="other_rule"><result>fail</result><instance context="user">bob</instance></rule-result>
    <rule-result idref="r-fixed"><result>fixed</result></rule-result>
    <rule-result idref="r-unknown"><result>unknown</result></rule-result>
    <rule-result idref="r-info"><result>informational</result></rule-result>
    <rule-result idref="r-notsel"><result>notselected</result></rule-result>
    <rule-result idref="r-nc"><result>notchecked</result></rule-result>
    <rule-result idref="r-bogus"><result>maybe</result></rule-result>
    <score system="urn:xccdf:scoring:default" maximum="100">50</score>
  </TestResult>
  <TestResult id="run-2" end-time="2024-06-01T00:00:00">
    <target-facts><fact name="urn:xccdf:fact:asset:identifier:host_name" type="string">db01</fact>
      <fact name="urn:xccdf:fact:scanner:name" type="string">OpenSCAP</fact></target-facts>
    <rule-result idref="other_rule"><result>pass</result></rule-result>
  </TestResult>
</Benchmark>"#;

    #[test]
    fn results_overrides_merges_and_references() {
        let scans = read(BENCH_11).expect("reads");
        assert_eq!(scans.len(), 2);
        let s = &scans[0];
        assert_eq!(s.format, "xccdf");
        assert_eq!(s.tool, "OpenSCAP");
        assert_eq!(s.tool_version.as_deref(), Some("1.3.8"));
        assert_eq!(s.id.as_deref(), Some("run-1"));
        assert_eq!(s.time.as_deref(), Some("2024-05-01T10:05:00"));
        assert_eq!(s.profile.as_deref(), Some("stig"));
        let got: Vec<(&str, ScanResult)> = s
            .results
            .iter()
            .map(|r| (r.rule_id.as_str(), r.result))
            .collect();
        assert_eq!(
            got,
            vec![
                ("sshd_disable_root_login", ScanResult::Pass),
                ("script_rule", ScanResult::Fail),
                ("other_rule", ScanResult::Fail),
                ("r-fixed", ScanResult::Pass),
                ("r-unknown", ScanResult::Error),
                ("r-info", ScanResult::Informational),
                ("r-notsel", ScanResult::Notapplicable),
                ("r-nc", ScanResult::Notchecked),
                ("r-bogus", ScanResult::Error),
            ]
        );
        assert_eq!(
            s.results[8].message.as_deref(),
            Some("`maybe` is not an XCCDF result")
        );
        let r = &s.results[0];
        assert_eq!(r.target, "web01.example.org");
        assert_eq!(r.title.as_deref(), Some("Disable SSH Root Login"));
        assert_eq!(r.severity, Some(Severity::Medium));
        assert_eq!(
            r.overridden.as_deref(),
            Some("overridden from fail to pass by AO on 2024-05-03T00:00:00: compensating control")
        );
        assert_eq!(r.refs.nist, vec!["AC-6(2)", "IA-2(5)", "AC-17"]);
        assert_eq!(r.refs.cci, vec!["CCI-000366"]);
        assert_eq!(r.refs.cce, vec!["CCE-80901-2"]);
        assert_eq!(
            r.refs.other,
            vec![("pcidss".to_string(), "Req-2.2.4".to_string())]
        );
        let sce = &s.results[1];
        assert_eq!(sce.severity, Some(Severity::Low));
        assert_eq!(sce.title.as_deref(), Some("By script"));
        assert_eq!(sce.message.as_deref(), Some("script said no"));
        assert_eq!(sce.observed.len(), 1);
        assert_eq!(sce.observed[0].name, "checks/ssh.sh");
        assert_eq!(
            sce.observed[0].actual.as_deref(),
            Some("PermitRootLogin yes\nfound in /etc/ssh/sshd_config")
        );
        assert_eq!(
            s.results[6].message.as_deref(),
            Some("notselected: the profile applied does not select this rule")
        );

        let s = &scans[1];
        assert_eq!(s.tool, "OpenSCAP");
        assert_eq!(s.profile.as_deref(), Some("ssg-test"));
        assert_eq!(s.results[0].target, "db01");
        assert_eq!(s.results[0].result, ScanResult::Pass);
    }

    #[test]
    fn a_bare_test_result_and_a_benchmark_without_one() {
        let xml = r#"<TestResult xmlns="http://checklists.nist.gov/xccdf/1.2" id="xccdf_x_testresult_1" start-time="2024-01-01T00:00:00">
  <target-address>192.0.2.7</target-address>
  <rule-result idref="xccdf_x_rule_a" severity="high"><result>fail</result><ident system="https://nvd.nist.gov/cce/index.cfm">CCE-1-1</ident></rule-result>
</TestResult>"#;
        let scans = read(xml).expect("reads");
        assert_eq!(scans.len(), 1);
        let r = &scans[0].results[0];
        assert_eq!(r.target, "192.0.2.7");
        assert_eq!(r.severity, Some(Severity::High));
        assert_eq!(r.refs.cce, vec!["CCE-1-1"]);
        assert_eq!(scans[0].tool, "XCCDF");
        assert_eq!(scans[0].time.as_deref(), Some("2024-01-01T00:00:00"));

        let bench = r#"<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="b"><Rule id="r"/></Benchmark>"#;
        assert!(read(bench).expect("reads").is_empty());
    }

    #[test]
    fn fixes_of_failing_rules_keep_their_text_and_resolve_subs() {
        let xml = r#"<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="b">
  <Profile id="p"><refine-value idref="v_sel" selector="big"/></Profile>
  <Value id="v_def"><value>6</value></Value>
  <Value id="v_sel"><value>1</value><value selector="big">99</value></Value>
  <Value id="v_run"><value>5</value></Value>
  <Rule id="r1"><title>One</title>
    <fix system="urn:xccdf:fix:script:ansible" strategy="restrict" disruption="low" reboot="false" complexity="low">- name: set
  set_fact:
    a: !!str <sub idref="v_def" use="legacy"/>
    b: <sub idref="v_sel"/> <sub idref="v_run"/>
    c: '<sub idref="v_missing"/>'
</fix>
    <fixtext fixref="F-1">Edit the <b>file</b>.</fixtext>
  </Rule>
  <Rule id="r2"><fix system="urn:xccdf:fix:script:sh">echo pass</fix></Rule>
  <TestResult id="t">
    <profile idref="p"/>
    <set-value idref="v_run">3</set-value>
    <rule-result idref="r1"><result>fail</result></rule-result>
    <rule-result idref="r2"><result>pass</result></rule-result>
  </TestResult>
</Benchmark>"#;
        let scans = read(xml).expect("reads");
        let fixes = &scans[0].fixes;
        assert_eq!(
            fixes.keys().collect::<Vec<_>>(),
            vec!["r1"],
            "only failing rules"
        );
        let f = &fixes["r1"][0];
        assert_eq!(f.system, "urn:xccdf:fix:script:ansible");
        assert_eq!(f.strategy.as_deref(), Some("restrict"));
        assert_eq!(f.reboot, Some(false));
        assert_eq!(
            f.content,
            "- name: set\n  set_fact:\n    a: !!str 6\n    b: 99 3\n    c: '@@AEGIS_UNRESOLVED:v_missing@@'"
        );
        assert_eq!(
            f.values,
            vec![
                ("v_def".to_string(), "6".to_string()),
                ("v_run".to_string(), "3".to_string()),
                ("v_sel".to_string(), "99".to_string())
            ]
        );
        assert_eq!(f.unresolved.len(), 1);
        assert!(
            f.unresolved[0].1.contains("no Value `v_missing`"),
            "{:?}",
            f.unresolved
        );
        let t = &fixes["r1"][1];
        assert_eq!(t.system, "text");
        assert_eq!(t.content, "Edit the file.");
        assert_eq!(t.id.as_deref(), Some("F-1"));
    }

    #[test]
    fn broken_and_hostile_files_are_refused() {
        let cut = "<Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.2\" id=\"b\">\n<TestResult id=\"t\">\n<rule-result idref=\"r\"><result>pass</result>";
        assert!(matches!(
            read(cut),
            Err(IngestError::Malformed { line: Some(3), .. })
        ));
        let bomb =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE Benchmark [<!ENTITY a \"aaaa\">]>\n<Benchmark/>";
        assert!(matches!(read(bomb), Err(IngestError::XmlEntities { .. })));
        assert!(read("<Other xmlns=\"http://checklists.nist.gov/xccdf/1.2\"/>").is_err());
    }

    #[test]
    fn detection_by_root_and_namespace() {
        for yes in [
            r#"<?xml version="1.0"?><Benchmark xmlns="http://checklists.nist.gov/xccdf/1.1" id="x">"#,
            r#"<cdf:Benchmark xmlns:cdf="http://checklists.nist.gov/xccdf/1.2" id="x">"#,
            r#"<TestResult xmlns="http://checklists.nist.gov/xccdf/1.2" id="x">"#,
        ] {
            assert!(Xccdf.detect(&Head::new(yes.as_bytes())), "{yes}");
        }
        for no in [
            r#"<Benchmark xmlns="urn:other">"#,
            r#"<arf:asset-report-collection xmlns:arf="http://scap.nist.gov/schema/asset-reporting-format/1.1">"#,
            r#"{"profiles": []}"#,
        ] {
            assert!(!Xccdf.detect(&Head::new(no.as_bytes())), "{no}");
        }
    }
}
